"""Swendsen-Wang: exact enumeration (Ising 4x4, Potts 3x3, disordered 3x3 in a field), Kaufman
16x16, input checks, jit/vmap and no recompilation over beta.

Error bars come from the spread of per-chain estimates over many independent chains (distinct
keys, random starts), so they are honest whatever the autocorrelation within a chain. The
helpers here are shared with test_wolff.py.
"""

import functools
import itertools

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import statmech
from statmech.exact import BETA_C, enumerate_expectation
from statmech.mcmc import LatticeParams, sample
from statmech.mcmc.swendsen_wang import SwendsenWangInfo, swendsen_wang

BETAS = (0.3, BETA_C, 0.6)
N_SIGMA = 4.0
FERRO = LatticeParams()  # J_right = J_down = 1, h = 0


# ---------------------------------------------------------------------------------------------
# shared helpers
def ising_obs(state, params, beta):
    """E/N (with the couplings and field of ``params``), m, |m|, m^2."""
    s = state.spins.astype(jnp.float32)
    e = -(jnp.sum(params.J_right * s * jnp.roll(s, -1, 1))
          + jnp.sum(params.J_down * s * jnp.roll(s, -1, 0)) + jnp.sum(params.h * s))
    m = jnp.mean(s)
    return {"e": e / s.size, "m": m, "abs_m": jnp.abs(m), "m2": m * m}


def potts3_obs(state, params, beta):
    """q = 3 Potts: E/N = -sum delta / N, and the fraction of the majority colour."""
    s = state.spins
    e = -(jnp.sum(s == jnp.roll(s, -1, 1)) + jnp.sum(s == jnp.roll(s, -1, 0)))
    counts = jnp.sum(s[..., None] == jnp.arange(3, dtype=s.dtype), axis=(0, 1))
    return {"e": e / s.size, "major": jnp.max(counts) / s.size}


@functools.partial(jax.jit, static_argnums=(0, 1, 2, 3))
def _run(algo, observe, n_burn, n_steps, keys, starts, params, betas):
    def chain(beta, key, start):
        k_burn, k_run = jax.random.split(key)
        state = sample(algo, k_burn, algo.init(start), n_burn, params=params, beta=beta).state
        res = sample(algo, k_run, state, n_steps, params=params, beta=beta, observe=observe)
        return res.trace, res.info

    per_beta = lambda b: jax.vmap(lambda k, s: chain(b, k, s))(keys, starts)
    return jax.vmap(per_beta)(betas)


def run_chains(algo, observe, shape, betas, *, params=FERRO, q=2, n_chains=64,
               n_burn=100, n_steps=1000, seed=0):
    """Independent chains at each beta, random starts, in one compiled program.

    Returns (trace, info) after the burn-in: trace a dict of float64 arrays
    [n_betas, n_chains, n_steps], info the kernel's Info averaged per chain [n_betas, n_chains].
    """
    k_start, k_run = jax.random.split(jax.random.key(seed))
    if q == 2:
        starts = jnp.where(jax.random.bernoulli(k_start, 0.5, (n_chains, *shape)), 1, -1)
    else:
        starts = jax.random.randint(k_start, (n_chains, *shape), 0, q)
    keys = jax.random.split(k_run, n_chains)
    trace, info = _run(algo, observe, n_burn, n_steps, keys, starts.astype(jnp.int8), params,
                       jnp.asarray(betas, jnp.float32))
    trace = {k: np.asarray(v, np.float64) for k, v in trace.items()}
    return trace, jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), info)


def assert_close(per_chain, exact, name):
    """Mean of the per-chain estimates within N_SIGMA standard errors of ``exact``."""
    per_chain = np.asarray(per_chain, np.float64)
    mean = per_chain.mean()
    err = max(per_chain.std(ddof=1) / np.sqrt(per_chain.size), 1e-7)
    z = (mean - float(exact)) / err
    print(f"{name}: {mean:.5f} +- {err:.5f} vs exact {float(exact):.5f}  z = {z:+.2f}")
    assert abs(z) < N_SIGMA, f"{name}: {mean} +- {err} vs exact {exact} (z = {z:.2f})"
    return z


def exact_ising(shape, beta, params=FERRO):
    """Exact E/N, m, |m|, m^2 by enumeration (statmech.exact) over the 2^(L M) states."""
    L, M = shape
    n = L * M

    def energy(p, x):
        s = x.reshape(L, M)
        return -(jnp.sum(p.J_right * s * jnp.roll(s, -1, 1))
                 + jnp.sum(p.J_down * s * jnp.roll(s, -1, 0)) + jnp.sum(p.h * s))

    def observable(x, e):
        m = jnp.mean(x)
        return {"e": e / n, "m": m, "abs_m": jnp.abs(m), "m2": m * m}

    params = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float32), params)
    _, means = enumerate_expectation(energy, params, n, beta, observable)
    return {k: float(v) for k, v in means.items()}


@functools.cache
def kaufman(L, betas):
    """Exact U/N and C/N of the periodic L x L Ising model (Kaufman, autodiff, float64)."""
    thermo = lambda b: statmech.thermodynamics(
        lambda x: statmech.exact.ising2d_log_z(L, L, x), b)
    with jax.enable_x64(True):
        t = jax.jit(jax.vmap(thermo))(jnp.asarray(betas, jnp.float64))
        return np.asarray(t.energy) / L**2, np.asarray(t.heat_capacity) / L**2


def exact_potts(shape, q, beta):
    """Exact <E>/N and <majority fraction> of the q-state Potts torus by numpy enumeration."""
    L, M = shape
    n = L * M
    states = np.array(list(itertools.product(range(q), repeat=n)), np.int8).reshape(-1, L, M)
    e = -((states == np.roll(states, -1, 2)).sum((1, 2))
          + (states == np.roll(states, -1, 1)).sum((1, 2))).astype(np.float64)
    counts = np.stack([(states == c).sum((1, 2)) for c in range(q)], axis=1)
    logw = -beta * e
    w = np.exp(logw - logw.max())
    w /= w.sum()
    return {"e": float(w @ e) / n, "major": float(w @ counts.max(1)) / n}


# ---------------------------------------------------------------------------------------------
SW = swendsen_wang()
SW3 = swendsen_wang(q=3)


@functools.cache
def _ising_4x4():
    return run_chains(SW, ising_obs, (4, 4), BETAS, n_chains=64, n_steps=1200, seed=1)


@pytest.mark.parametrize("i", range(len(BETAS)))
def test_ising_4x4_matches_enumeration(i):
    trace, info = _ising_4x4()
    exact = exact_ising((4, 4), BETAS[i])
    for name in ("e", "abs_m", "m2"):
        assert_close(trace[name][i].mean(-1), exact[name], f"SW 4x4 beta={BETAS[i]:.4f} {name}")
    # improved estimator of the susceptibility: <sum_C |C|^2 / N> = N <m^2>
    assert_close(info.mean_cluster_size[i], 16 * exact["m2"], "SW 4x4 cluster size = N<m^2>")


@pytest.mark.slow
def test_ising_16x16_matches_kaufman():
    L, n_chains = 16, 32
    trace, _ = run_chains(SW, ising_obs, (L, L), BETAS, n_chains=n_chains, n_steps=500, seed=2)
    u, c = kaufman(L, BETAS)
    for i, beta in enumerate(BETAS):
        e = trace["e"][i]
        assert_close(e.mean(-1), u[i], f"SW 16x16 beta={beta:.4f} E/N")
        # C/N = beta^2 N Var(E/N), estimated per chain about the grand mean (a per-chain mean
        # would bias it low by ~2 tau / n_steps); error from the spread over chains
        var = np.mean((e - e.mean()) ** 2, axis=-1)
        assert_close(beta**2 * L**2 * var, c[i], f"SW 16x16 beta={beta:.4f} C/N")


def test_potts_3x3_matches_enumeration():
    betas = (0.6, float(np.log(1 + np.sqrt(3))), 1.5)
    trace, _ = run_chains(SW3, potts3_obs, (3, 3), betas, q=3, n_chains=64, n_steps=800, seed=3)
    for i, beta in enumerate(betas):
        exact = exact_potts((3, 3), 3, beta)
        for name in ("e", "major"):
            assert_close(trace[name][i].mean(-1), exact[name], f"SW Potts3 beta={beta:.3f} {name}")


def random_disorder(shape, seed):
    """Per-bond couplings in [0, 1.5] (some exactly 0) and a random field: an odd 3x3 torus."""
    rng = np.random.default_rng(seed)
    J = rng.uniform(0.0, 1.5, (2, *shape)) * (rng.random((2, *shape)) > 0.2)
    return LatticeParams(jnp.asarray(J[0], jnp.float32), jnp.asarray(J[1], jnp.float32),
                         jnp.asarray(rng.normal(0.2, 0.5, shape), jnp.float32))


def test_per_bond_couplings_and_field_match_enumeration():
    params, betas = random_disorder((3, 3), 4), (0.4, 1.0)
    trace, _ = run_chains(SW, ising_obs, (3, 3), betas, params=params, n_steps=800, seed=5)
    for i, beta in enumerate(betas):
        exact = exact_ising((3, 3), beta, params)
        for name in ("e", "m", "m2"):
            assert_close(trace[name][i].mean(-1), exact[name], f"SW disorder+h beta={beta} {name}")


# ---------------------------------------------------------------------------------------------
def test_step_jit_vmap_no_recompile_and_info():
    step = jax.jit(chex.assert_max_traces(SW.step, n=1))   # a retrace would raise
    state = SW.init(np.ones((5, 7), np.int8))                  # odd shapes are fine
    for beta in (0.2, 0.4, 0.6):
        new, info = step(jax.random.key(0), state, LatticeParams(), beta)
    for J in (0.5, 2.0):
        new, info = step(jax.random.key(0), state, LatticeParams(J, J, 0.0), 0.3)
    assert isinstance(info, SwendsenWangInfo) and new.spins.dtype == jnp.int8
    assert set(np.unique(np.asarray(new.spins))) <= {-1, 1}
    # beta = 0: no bonds, every cluster is one site; beta huge from all-up: one cluster
    _, info0 = step(jax.random.key(1), state, LatticeParams(), 0.0)
    assert float(info0.mean_cluster_size) == 1.0
    new, info_inf = step(jax.random.key(1), state, LatticeParams(), 50.0)
    assert float(info_inf.mean_cluster_size) == 35.0
    assert abs(int(np.asarray(new.spins).sum())) == 35
    # vmap over chains (keys, states); run_chains vmaps over temperatures too
    keys = jax.random.split(jax.random.key(2), 4)
    states = jax.vmap(SW.init)(jnp.ones((4, 5, 7), jnp.int8))
    out, infos = jax.jit(jax.vmap(SW.step, (0, 0, None, None)))(keys, states, LatticeParams(), 0.4)
    assert out.spins.shape == (4, 5, 7) and infos.n_iterations.shape == (4,)
    # Potts colours stay in 0..q-1
    potts, _ = jax.jit(SW3.step)(jax.random.key(3), SW3.init(np.zeros((3, 4), np.int8)),
                                 LatticeParams(), 0.5)
    assert set(np.unique(np.asarray(potts.spins))) <= {0, 1, 2}


def test_bad_input():
    with pytest.raises(ValueError, match=r"spins.*position \(1, 2\)"):
        SW.init(np.array([[1, 1, 1], [1, 1, 0]]))
    with pytest.raises(ValueError, match="spins.*Potts"):
        SW3.init(np.array([[0, 1, 2], [3, 1, 0]]))
    with pytest.raises(ValueError, match="q"):
        swendsen_wang(q=1)
    with pytest.raises(TypeError, match="q"):
        swendsen_wang(q=2.0)
    with pytest.raises(ValueError, match="L"):
        SW.init(np.ones((1, 4)))
    with pytest.raises(ValueError, match="2-D"):
        SW.init(np.ones(4))
    state = SW.init(np.ones((4, 4)))
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="ferromagnetic"):
        SW.step(key, state, LatticeParams(J_right=-1.0), 0.4)
    with pytest.raises(ValueError, match="ferromagnetic"):
        SW.step(key, state, LatticeParams(J_down=-np.eye(4)), 0.4)
    with pytest.raises(ValueError, match="J_right.*shape"):
        SW.step(key, state, LatticeParams(J_right=np.ones((3, 4))), 0.4)
    with pytest.raises(ValueError, match="finite"):
        SW.step(key, state, LatticeParams(h=np.nan), 0.4)
    with pytest.raises(ValueError, match="beta"):
        SW.step(key, state, LatticeParams(), -0.1)
    with pytest.raises(TypeError, match="LatticeParams"):
        SW.step(key, state, (1.0, 1.0), 0.4)
    with pytest.raises(ValueError, match="h must be 0"):
        SW3.step(key, SW3.init(np.zeros((3, 3))), LatticeParams(h=0.1), 0.4)
