"""``statmech optimizers --quick``: on the exact Boltzmann loss, SGD's steps grow like kappa and
tuned momentum's (heavy ball, Nesterov) like about sqrt(kappa), over two decades of kappa."""


import numpy as np
import pytest

from tests.models.experiments import assert_exits_2_with_one_line, quick_results


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return quick_results("optimizers", tmp_path_factory)


def test_kappa_spans_two_decades_and_every_optimizer_converges(quick_run):
    _, res = quick_run
    kappa = np.array(res["kappa"])
    assert kappa.max() / kappa.min() >= 99 and np.all(np.diff(kappa) > 0)
    for kind in ("sgd", "momentum", "nesterov", "adam"):
        steps = res["steps_to_tol"][kind]
        assert len(steps) == len(kappa) and all(s is not None and s > 0 for s in steps), kind
        assert len(res["best_lr"][kind]) == len(kappa)


def test_momentum_scales_better_than_sgd(quick_run):
    _, res = quick_run
    a = res["exponent"]
    assert abs(a["sgd"] - 1.0) < 0.25, a                     # theory on quadratics: 1
    assert a["momentum"] <= a["sgd"] - 0.25, a                # theory: 1/2
    assert a["nesterov"] <= a["sgd"] - 0.25, a
    assert res["steps_to_tol"]["momentum"][-1] < res["steps_to_tol"]["sgd"][-1]


def test_rbm_beside_it_and_the_figure(quick_run):
    out, res = quick_run
    lls = [r["test_ll"] for r in res["rbm"].values()]
    assert len(lls) == 2 and all(-40 < ll < -10 for ll in lls), lls    # quick: two of four
    assert (out / "optimizers.png").stat().st_size > 50_000


@pytest.mark.parametrize("argv, message", [
    (["optimizers", "--units", "17"], "--units must be <= 16"),
    (["optimizers", "--units", "1"], "--units must be an integer >= 2"),
    (["optimizers", "--kappas", "2"], "--kappas must be an integer >= 3"),
    (["optimizers", "--max-steps", "0"], "--max-steps must be an integer >= 500"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    assert_exits_2_with_one_line(argv, message, capsys, tmp_path)
