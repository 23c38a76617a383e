"""``statmech dropout --quick``: hidden dropout shrinks the train-test log-likelihood gap of an
over-complete RBM on 300 digits; its cost per epoch and the explicit ensemble are measured."""


import numpy as np
import pytest

from tests.models.experiments import assert_exits_2_with_one_line, quick_results


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return quick_results("dropout", tmp_path_factory)


def test_dropout_shrinks_the_gap(quick_run):
    _, res = quick_run
    labels = ["dropout 0", "dropout 0.2", "dropout 0.5", "L2 1e-3"]
    for key in ("train_ll", "test_ll", "gap", "sparsity", "seconds_per_epoch"):
        assert sorted(res[key]) == sorted(labels), key
    for k in labels:
        assert -40 < res["test_ll"][k] < res["train_ll"][k] < -5, k
        assert res["gap"][k] == pytest.approx(res["train_ll"][k] - res["test_ll"][k])
        assert 0 < res["sparsity"][k] < 1 and res["seconds_per_epoch"][k] > 0
    assert res["gap"]["dropout 0.5"] < res["gap"]["dropout 0"], res["gap"]


def test_the_explicit_ensemble_and_the_figure(quick_run):
    out, res = quick_run
    curve = np.array(res["ensemble_test_ll"])
    assert len(curve) == res["settings"]["ensemble"] and curve[-1] > curve[0]
    assert res["dropout_cost_ratio"] > 0
    assert (out / "dropout.png").stat().st_size > 30_000


@pytest.mark.parametrize("argv, message", [
    (["dropout", "--train-size", "10"], "--train-size must be an integer >= 40"),
    (["dropout", "--train-size", "5000"], "--train-size must be <= 1437"),
    (["dropout", "--epochs", "0"], "--epochs must be an integer >= 1"),
    (["dropout", "--seeds", "1"], "--seeds must be an integer >= 2"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    assert_exits_2_with_one_line(argv, message, capsys, tmp_path)
