"""``statmech hopfield --quick``: the Hebbian capacity alpha_c near AGS's 0.138, the dense n = 3
memory past the classical limit, and corrupted digits recalled by the modern update."""


import numpy as np
import pytest

from tests.models.experiments import assert_exits_2_with_one_line, quick_results


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return quick_results("hopfield", tmp_path_factory)


def test_alpha_c_near_the_ags_value(quick_run):
    _, res = quick_run
    assert 0.12 <= res["alpha_c"] <= 0.16, res["alpha_c"]
    assert 0 < res["alpha_c_err"] < 0.02
    for n, c in res["capacity"].items():               # retrieval well below, collapse above
        alphas, m = np.array(c["alphas"]), np.array(c["overlap"])
        assert m[alphas <= 0.08].min() > 0.99 and m[alphas >= 0.22].max() < 0.9, n


def test_dense_memory_stores_far_more_than_the_classical(quick_run):
    _, res = quick_run
    d = res["dense"]
    load = np.array(d["load"])
    half = int(np.argmin(abs(load - 0.5)))
    assert d["n_patterns"][half] > 0.138 * 100 * 5
    assert d["dense"][half] > 0.95 and d["classical"][half] < 0.5, d


def test_digit_recall_and_the_figure(quick_run):
    out, res = quick_run
    rules = res["digits"]["rules"]
    assert rules["modern"]["recovered"] >= 0.9, rules["modern"]["recovered"]
    assert rules["projection"]["overlap"] > rules["hebbian"]["overlap"]
    assert (out / "hopfield.png").stat().st_size > 50_000


@pytest.mark.parametrize("argv, message", [
    (["hopfield", "--sizes", "10"], "--sizes must be an integer >= 50"),
    (["hopfield", "--sizes", "100", "9000"], "--sizes must be at most 6 sizes, each <= 4000"),
    (["hopfield", "--trials", "1"], "--trials must be an integer >= 2"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    assert_exits_2_with_one_line(argv, message, capsys, tmp_path)
