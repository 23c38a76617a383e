"""Parallel tempering reproduces enumeration on a frustrated SK model at every rung."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.exact import enumerate_expectation
from statmech.mcmc import DenseParams, heat_bath, metropolis, parallel_tempering, sample

N = 10
BETAS = np.array([0.3, 0.6, 1.0, 1.5, 2.2, 3.0], dtype=np.float32)


def sk_params(seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(N, N)) / np.sqrt(N)
    W = (W + W.T) / np.sqrt(2) * (1 - np.eye(N))       # frustrated SK couplings
    return DenseParams(jnp.asarray(W, jnp.float32), jnp.zeros(N, jnp.float32))


def dense_energy(params, s):
    return -0.5 * s @ params.W @ s - params.b @ s


def _energy(p, x):
    return -0.5 * x @ p[0] @ x - p[1] @ x


def _obs(x, e):
    return {"e": e, "q2": jnp.mean(x) ** 2}


def exact(params):
    with jax.enable_x64(True):
        p = (jnp.asarray(np.asarray(params.W), jnp.float64), jnp.zeros(N))
        out = [enumerate_expectation(_energy, p, N, float(b), _obs)[1] for b in BETAS]
    return {k: np.array([float(o[k]) for o in out]) for k in ("e", "q2")}


def run_pt(algo, params, n_chains=32, n_steps=1500, seed=0):
    R = len(BETAS)
    key_pos, key_run = jax.random.split(jax.random.key(seed))
    positions = jax.random.rademacher(key_pos, (n_chains, R, N), dtype=jnp.int8)
    betas = jnp.asarray(BETAS)

    def observe(state, params, betas):
        s = state.states.spins.astype(jnp.float32)
        e = jax.vmap(dense_energy, in_axes=(None, 0))(params, s)
        return {"e": e, "q2": jnp.mean(s, axis=1) ** 2}

    @jax.jit
    def chain(k, pos):
        state = algo.init(pos, betas)
        kb, kr = jax.random.split(k)
        state = sample(algo, kb, state, 300, params=params, beta=betas).state
        return sample(algo, kr, state, n_steps, params=params, beta=betas, observe=observe)

    return jax.vmap(chain)(jax.random.split(key_run, n_chains), positions)


@pytest.mark.parametrize("inner", [heat_bath, metropolis])
def test_matches_enumeration_at_every_rung(inner):
    params = sk_params()
    algo = parallel_tempering(inner("dense"), dense_energy)
    res = run_pt(algo, params)
    ref = exact(params)
    for key in ("e", "q2"):
        per_chain = np.asarray(res.trace[key], np.float64).mean(axis=1)   # [chains, R]
        mean = per_chain.mean(0)
        err = per_chain.std(0, ddof=1) / np.sqrt(per_chain.shape[0])
        z = (mean - ref[key]) / err
        assert np.all(np.abs(z) < 4), f"{key}: z = {np.round(z, 2)}"
    info = res.info
    rate = np.asarray(info.swap_accepted).mean(0) / np.asarray(info.swap_attempted).mean(0)
    assert np.all((rate > 0.05) & (rate <= 1.0)), rate
    # round trips: info is averaged over steps; times n_steps gives the count per chain
    trips = np.asarray(info.round_trips).mean() * 1500
    assert trips > 1


def test_walkers_stay_a_permutation_and_spins_stay_pm1():
    # walker labels are permuted by accepted swaps, never duplicated or lost
    params = sk_params(1)
    algo = parallel_tempering(heat_bath("dense"), dense_energy)
    betas = jnp.array([0.0, 0.5, 1.0])
    state = algo.init(jnp.ones((3, N), jnp.int8), betas)
    res = sample(algo, jax.random.key(2), state, 200, params=params, beta=betas)
    walkers = np.asarray(res.state.walker)
    assert sorted(walkers.tolist()) == [0, 1, 2]           # a permutation of the walkers
    assert set(np.unique(res.state.states.spins).tolist()) <= {-1, 1}


def test_bad_ladders_and_positions():
    algo = parallel_tempering(heat_bath("dense"), dense_energy)
    pos = jnp.ones((3, N), jnp.int8)
    with pytest.raises(ValueError, match="betas must be strictly increasing"):
        algo.init(pos, jnp.array([0.1, 0.5, 0.5]))
    with pytest.raises(ValueError, match="betas must be strictly increasing"):
        algo.init(pos, jnp.array([1.0, 0.5, 0.1]))
    with pytest.raises(ValueError, match="at least 2 inverse temperatures"):
        algo.init(pos[:1], jnp.array([0.5]))
    with pytest.raises(ValueError, match="betas must be >= 0"):
        algo.init(pos, jnp.array([-0.1, 0.5, 1.0]))
    with pytest.raises(ValueError, match="leading axis of length R = 4"):
        algo.init(pos, jnp.array([0.1, 0.2, 0.5, 1.0]))
    with pytest.raises(ValueError, match="position must contain only"):
        algo.init(jnp.zeros((3, N), jnp.int8), jnp.array([0.1, 0.5, 1.0]))
    with pytest.raises(TypeError, match="kernel must be a SamplingAlgorithm"):
        parallel_tempering(lambda *a: None, dense_energy)
