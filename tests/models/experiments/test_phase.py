"""``statmech phase --quick``: the 2D Ising transition from Monte Carlo, checked against the
exact values (the issue's physics assertions hold in quick mode), and the CLI's bad input."""

import math

import pytest

from models.cli import main
from models.experiments.phase import C_PEAK_SLOPE_EXACT, TC
from tests.models.experiments import quick_results


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return quick_results("phase", tmp_path_factory)


def test_quick_run_measures_the_exact_transition(quick_run):
    out, res = quick_run
    assert res["tc_exact"] == pytest.approx(2.269185314213022)
    tc, err = res["tc_binder"], res["tc_binder_err"]
    assert abs(tc - TC) / TC < 0.01 and abs(tc - TC) < 3 * err, (tc, err)
    assert abs(res["gamma_over_nu"] - 1.75) < 0.15, res["gamma_over_nu"]
    assert abs(res["c_peak_slope"] - C_PEAK_SLOPE_EXACT) < 0.2 * C_PEAK_SLOPE_EXACT, (
        res["c_peak_slope"])
    assert res["c_peak_slope_exact"] == pytest.approx(0.4945386, abs=1e-6)
    assert (out / "phase.png").stat().st_size > 50_000


def test_quick_run_agrees_with_kaufman_point_by_point(quick_run):
    """U/N and C/N at every temperature within 5 error bars of Kaufman's exact values for the
    same L (the estimators are unbiased; C/N carries a 1/n_samples bias far below its error)."""
    _, res = quick_run
    for L, r in res["per_size"].items():
        for name in ("energy", "heat_capacity"):
            for got, err, exact in zip(r[name], r[f"{name}_err"], r[f"{name}_exact"],
                                       strict=True):
                assert abs(got - exact) < 5 * err + 1e-3, (L, name, got, err, exact)
        assert all(math.isfinite(t) and t > 0 for t in r["tau_int_energy"])


@pytest.mark.parametrize("argv, message", [
    (["nosuch"], "invalid choice: 'nosuch'"),
    (["phase", "--sizes", "0", "8"], "--sizes must be an integer >= 4"),
    (["phase", "--sizes", "8"], "--sizes needs at least 2"),
    (["phase", "--sizes", "8", "9"], "--sizes must be even"),
    (["phase", "--chains", "0"], "--chains must be an integer >= 2"),
    (["phase", "--sweeps", "-5"], "--sweeps must be an integer >= 16"),
    (["phase", "--burn", "-1"], "--burn must be an integer >= 0"),
    (["phase", "--seed", "x"], "argument --seed: invalid int value"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--out", str(tmp_path)] if argv[0] == "phase" else argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_unwritable_out_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SystemExit) as exc:
        main(["phase", "--quick", "--out", str(blocker / "sub")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--out" in err and "not a writable directory" in err and err.count("\n") == 1
