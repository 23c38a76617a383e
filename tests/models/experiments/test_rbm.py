"""``statmech rbm --quick``: every method trains, the exact and AIS held-out log-likelihoods are
recorded, the persistent chains already lead CD-1 after a few epochs."""


import numpy as np
import pytest

from tests.models.experiments import assert_exits_2_with_one_line, quick_results

LABELS = ["CD-1", "CD-10", "PCD", "PT-PCD"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return quick_results("rbm", tmp_path_factory)


def test_every_method_learns(quick_run):
    _, res = quick_run
    assert sorted(res["test_ll"]) == sorted(LABELS)
    for label in LABELS:
        curve = np.array(res["curves"][label]["test_ll"])
        assert curve[-1] > curve[0] + 0.3, (label, curve)   # from -24.7 (the initial model)
        assert curve[-1] == pytest.approx(res["test_ll"][label])
    assert sorted(res["test_ll_large"]) == ["PCD"]                  # quick: one of the four
    for label, ll in res["test_ll_large"].items():
        assert -30 < ll < -15 and 0 < res["test_ll_large_err"][label] < 1.0, label


def test_filters_samples_and_the_figure(quick_run):
    out, res = quick_run
    assert np.array(res["filters"]).shape == (16, 64)
    for s in res["samples"].values():
        s = np.array(s)
        assert s.shape == (10, 64) and set(np.unique(s)) <= {0.0, 1.0}
    assert (out / "rbm.png").stat().st_size > 50_000


@pytest.mark.parametrize("argv, message", [
    (["rbm", "--epochs", "0"], "--epochs must be an integer >= 1"),
    (["rbm", "--epochs-large", "-3"], "--epochs-large must be an integer >= 1"),
    (["rbm", "--ais-betas", "2"], "--ais-betas must be an integer >= 10"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    assert_exits_2_with_one_line(argv, message, capsys, tmp_path)
