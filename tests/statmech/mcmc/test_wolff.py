"""Wolff: exact enumeration (Ising 4x4, Potts 3x3, disordered 3x3 in a field), Kaufman 16x16,
input checks, jit/vmap and no recompilation over beta. Helpers from test_swendsen_wang.
"""

import functools

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.mcmc import LatticeParams
from statmech.mcmc._clusters import uniform_site
from statmech.mcmc.wolff import WolffInfo, wolff
from tests.statmech.mcmc.test_swendsen_wang import (
    BETAS,
    assert_close,
    exact_ising,
    exact_potts,
    ising_obs,
    kaufman,
    potts3_obs,
    random_disorder,
    run_chains,
)

WOLFF = wolff(n_clusters=2)
WOLFF3 = wolff(q=3, n_clusters=2)


@functools.cache
def _ising_4x4():
    return run_chains(WOLFF, ising_obs, (4, 4), BETAS, n_chains=64, n_burn=50, n_steps=1000,
                      seed=11)


@pytest.mark.parametrize("i", range(len(BETAS)))
def test_ising_4x4_matches_enumeration(i):
    trace, info = _ising_4x4()
    exact = exact_ising((4, 4), BETAS[i])
    for name in ("e", "abs_m", "m2"):
        assert_close(trace[name][i].mean(-1), exact[name], f"Wolff 4x4 beta={BETAS[i]:.4f} {name}")
    # improved estimator: <|C_seed|> = sum_C |C|^2 / N averaged = N <m^2>
    assert_close(info.cluster_size[i], 16 * exact["m2"], "Wolff 4x4 cluster size = N<m^2>")
    np.testing.assert_array_equal(info.acceptance_rate[i], 1.0)


@pytest.mark.slow
def test_ising_16x16_matches_kaufman():
    L, betas = 16, BETAS[1:]               # at beta = 0.3 single clusters are small: slow
    algo = wolff(n_clusters=4)
    trace, _ = run_chains(algo, ising_obs, (L, L), betas, n_chains=32, n_burn=30, n_steps=150,
                          seed=12)
    u, _ = kaufman(L, BETAS)
    for i, beta in enumerate(betas):
        assert_close(trace["e"][i].mean(-1), u[i + 1], f"Wolff 16x16 beta={beta:.4f} E/N")


def test_potts_3x3_matches_enumeration():
    betas = (0.6, float(np.log(1 + np.sqrt(3))), 1.5)
    trace, _ = run_chains(WOLFF3, potts3_obs, (3, 3), betas, q=3, n_chains=64, n_burn=50,
                          n_steps=800, seed=13)
    for i, beta in enumerate(betas):
        exact = exact_potts((3, 3), 3, beta)
        for name in ("e", "major"):
            assert_close(trace[name][i].mean(-1), exact[name],
                         f"Wolff Potts3 beta={beta:.3f} {name}")


def test_per_bond_couplings_and_field_match_enumeration():
    params, betas = random_disorder((3, 3), 14), (0.4, 1.0)
    trace, info = run_chains(WOLFF, ising_obs, (3, 3), betas, params=params, n_burn=50,
                             n_steps=800, seed=15)
    for i, beta in enumerate(betas):
        exact = exact_ising((3, 3), beta, params)
        for name in ("e", "m", "m2"):
            assert_close(trace[name][i].mean(-1), exact[name],
                         f"Wolff disorder+h beta={beta} {name}")
    assert 0.0 < info.acceptance_rate.mean() < 1.0         # the field rejects some flips


def test_step_jit_vmap_no_recompile_and_info():
    step = jax.jit(chex.assert_max_traces(WOLFF.step, n=1))   # a retrace would raise
    state = WOLFF.init(np.ones((5, 7), np.int8))              # odd shapes are fine
    for beta in (0.2, 0.4, 0.6):
        new, info = step(jax.random.key(0), state, LatticeParams(), beta)
    for J in (0.5, 2.0):
        new, info = step(jax.random.key(0), state, LatticeParams(J, J, 0.0), 0.3)
    assert isinstance(info, WolffInfo) and new.spins.dtype == jnp.int8
    # beta = 0: each cluster is its seed alone: two single-spin flips (the same site twice: 0)
    for k in range(3):
        new, info0 = step(jax.random.key(k), state, LatticeParams(), 0.0)
        assert float(info0.cluster_size) == 1.0
        assert int((np.asarray(new.spins) == -1).sum()) in (0, 2)
    # beta huge from all-up: the whole lattice flips, n_clusters = 2 times
    new, info_inf = step(jax.random.key(1), state, LatticeParams(), 50.0)
    assert float(info_inf.cluster_size) == 35.0 and np.all(np.asarray(new.spins) == 1)
    # Potts: the cluster gets a *different* colour
    potts = jax.jit(wolff(q=5).step)
    for k in range(5):
        new, _ = potts(jax.random.key(k), wolff(q=5).init(np.zeros((3, 4))), LatticeParams(),
                       50.0)
        colours = np.unique(np.asarray(new.spins))
        assert len(colours) == 1 and colours[0] in (1, 2, 3, 4)
    # vmap over chains (keys, states); run_chains vmaps over temperatures too
    keys = jax.random.split(jax.random.key(2), 4)
    states = jax.vmap(WOLFF.init)(jnp.ones((4, 5, 7), jnp.int8))
    out, infos = jax.jit(jax.vmap(WOLFF.step, (0, 0, None, None)))(keys, states,
                                                                  LatticeParams(), 0.4)
    assert out.spins.shape == (4, 5, 7) and infos.cluster_size.shape == (4,)


def test_bad_input():
    with pytest.raises(ValueError, match=r"spins.*position \(0, 1\)"):
        WOLFF.init(np.array([[1, 2], [1, 1]]))
    with pytest.raises(ValueError, match="spins.*Potts"):
        WOLFF3.init(np.array([[0, 1, 2], [-1, 1, 0]]))
    with pytest.raises(ValueError, match="q"):
        wolff(q=0)
    with pytest.raises(ValueError, match="n_clusters"):
        wolff(n_clusters=0)
    with pytest.raises(ValueError, match="M"):
        WOLFF.init(np.ones((4, 1)))
    state, key = WOLFF.init(np.ones((3, 3))), jax.random.key(0)
    with pytest.raises(ValueError, match="ferromagnetic"):
        WOLFF.step(key, state, LatticeParams(J_right=-0.5), 0.4)
    with pytest.raises(ValueError, match="ferromagnetic"):
        WOLFF3.step(key, WOLFF3.init(np.zeros((3, 3))), LatticeParams(J_down=-1.0), 0.4)
    with pytest.raises(ValueError, match="h.*shape"):
        WOLFF.step(key, state, LatticeParams(h=np.zeros(3)), 0.4)
    with pytest.raises(ValueError, match="beta"):
        WOLFF.step(key, state, LatticeParams(), np.inf)


def test_seed_reaches_every_site_of_large_lattices():
    # a float32 uniform has 23 random bits: floor(u * n) would give only even sites here
    n = 2**24 + 3
    u = jax.random.uniform(jax.random.key(7), (2, 20000))
    seeds = np.asarray(uniform_site(u[0], u[1], n))
    assert seeds.min() >= 0 and seeds.max() < n
    assert 0.47 < np.mean(seeds % 2) < 0.53
    assert 0.47 < np.mean(seeds < n // 2) < 0.53
