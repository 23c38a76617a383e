"""``statmech conv-rg --quick``: majority, average and max pooling of 2D Ising configurations
against the block-spin RG, and a convolutional energy trained at beta_c.

Quick run: 32 x 32, 8 chains x 100 samples per temperature, and a ConvEnergy trained 600
steps on 8 x 8 samples at beta_c. It takes about 60 s (the convolutional energy's training
and compiles), more than the default suite has room for: the tests of the quick run are
marked slow (``pytest --runslow``); the pooling identities run always."""

import jax
import numpy as np
import pytest

from models.experiments.conv_rg import average_pool, majority_pool, max_pool
from tests.models.experiments import assert_exits_2_with_one_line, quick_results

SLOW = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return quick_results("conv-rg", tmp_path_factory)


def _run(res, t):
    return next(r for r in res["runs"] if abs(r["T_over_Tc"] - t) < 1e-9)["methods"]


def test_majority_pooling_is_the_sign_of_average_pooling():
    x = np.where(np.random.default_rng(0).random((5, 8, 8)) < 0.5, -1.0, 1.0)
    avg, maj = average_pool(x), majority_pool(jax.random.key(0), x)
    decided = avg != 0
    np.testing.assert_array_equal(maj[decided], np.sign(avg[decided]))
    assert set(np.unique(maj[~decided])) <= {-1.0, 1.0}
    assert np.all(max_pool(x) >= avg)


@SLOW
def test_average_pooling_keeps_the_magnetization_exactly(quick_run):
    _, res = quick_run
    for run in res["runs"]:
        d = run["methods"]["average"]
        np.testing.assert_allclose(d["m_mean"], d["m_mean"][0], atol=1e-6)
        np.testing.assert_allclose(d["binder"], d["binder"][0], atol=1e-6)


@SLOW
def test_the_critical_state_is_a_fixed_point_of_majority_pooling(quick_run):
    """At T_c, U and xi / L' of the majority-pooled configurations stay near their
    fixed-point values level after level (measured --seed 0: U 0.616-0.618, xi / L'
    0.899-0.92 on 32, 16 and 8)."""
    _, res = quick_run
    d = _run(res, 1.0)["majority"]
    assert np.all(np.abs(np.array(d["binder"][:-1]) - res["binder_critical"]) < 0.06), d
    xi_l = np.array(d["xi_over_L"][:-1])
    assert np.all(np.abs(xi_l / res["xi_over_L_critical"] - 1) < 0.15), xi_l


@SLOW
def test_away_from_t_c_each_step_halves_the_correlation_length(quick_run):
    """T = 1.1 T_c: xi(level 1) / xi(level 0) about 1/2 for majority pooling (measured
    --seed 0: 0.50, 0.50, 0.52); max pooling gives the blocks a magnetization the spins do not
    have (0.43 at level 1)."""
    _, res = quick_run
    hot = _run(res, 1.1)
    xi = hot["majority"]["xi"]
    assert 0.35 < xi[1] / xi[0] < 0.65, xi
    assert abs(hot["majority"]["m_mean"][1]) < 0.1 < hot["max"]["m_mean"][1] - 0.2


@SLOW
def test_the_convolutional_energy_learns_the_critical_correlations(quick_run):
    out, res = quick_run
    e = res["energy"]
    assert abs(e["nn_data"] - e["nn_exact"]) < 0.05, e
    assert abs(e["nn_model"] - e["nn_data"]) < 0.1, e      # --seed 0: 0.738 against 0.757
    for name in ("conv_rg.png", "conv_rg_energy.png"):
        assert (out / name).stat().st_size > 40_000


@pytest.mark.parametrize("argv, message", [
    (["conv-rg", "--L", "24"], "--L must be a power of 2"),
    (["conv-rg", "--L", "8"], "--L must be an integer >= 16"),
    (["conv-rg", "--chains", "1"], "--chains must be an integer >= 2"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    assert_exits_2_with_one_line(argv, message, capsys, tmp_path)
