"""Gibbs-with-Gradients and DMALA against exact enumeration, on a nonlinear energy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech import mcmc
from statmech.exact import enumerate_moments

N = 16
N_CHAINS, N_STEPS, BURN = 32, 3000, 500


def mlp_energy(params, x):
    """A random one-hidden-layer MLP energy plus fields: not a quadratic form."""
    W, b, v, c = params
    return jnp.dot(v, jnp.tanh(W @ x + b)) + jnp.dot(c, x)


def mlp_params(seed):
    k = jax.random.split(jax.random.key(seed), 4)
    return (0.35 * jax.random.normal(k[0], (8, N)), 0.3 * jax.random.normal(k[1], (8,)),
            1.2 * jax.random.normal(k[2], (8,)), 0.2 * jax.random.normal(k[3], (N,)))


def _observe(state, params, beta):
    x = state.spins.astype(jnp.float32)
    upper = jnp.triu_indices(N, 1)
    return jnp.concatenate([x, jnp.outer(x, x)[upper], mlp_energy(params, x)[None]])


@pytest.mark.parametrize("spins", [(-1, 1), (0, 1)])
@pytest.mark.parametrize("kind", ["gwg", "dmala"])
def test_moments_match_enumeration(kind, spins):
    """<x_i>, <x_i x_j> and <E> within 4 standard errors of the chain-to-chain spread (the
    chains are independent, so the spread carries every autocorrelation: tau_int-corrected)."""
    params = mlp_params(0)
    algo = (mcmc.gibbs_with_gradients(mlp_energy, spins=spins) if kind == "gwg"
            else mcmc.dmala(mlp_energy, 1.0, spins=spins))
    start = jnp.full((N_CHAINS, N), spins[1], jnp.int8)
    states = jax.vmap(algo.init)(start)
    keys = jax.random.split(jax.random.key(1), N_CHAINS)
    res = mcmc.sample_chains(algo, keys, states, N_STEPS, params=params, beta=1.0,
                             observe=_observe)
    trace = np.asarray(res.trace, np.float64)[:, BURN:]                 # [chains, T, obs]
    per_chain = trace.mean(1)
    mean, se = per_chain.mean(0), per_chain.std(0, ddof=1) / np.sqrt(N_CHAINS)
    exact = enumerate_moments(mlp_energy, params, N, 1.0, spins=spins)
    upper = np.triu_indices(N, 1)
    target = np.concatenate([np.asarray(exact.spin), np.asarray(exact.spin_spin)[upper],
                             [float(exact.energy)]])
    z = (mean - target) / np.maximum(se, 1e-9)
    assert np.all(np.abs(z) < 4.0), (kind, spins, np.abs(z).max(), np.argmax(np.abs(z)))
    acceptance = float(np.mean(np.asarray(res.info.acceptance_rate)))
    assert 0.2 < acceptance <= 1.0, acceptance


def test_energy_must_be_one_scalar():
    algo = mcmc.gibbs_with_gradients(lambda p, x: x * p)
    state = algo.init(jnp.ones(4, jnp.int8))
    with pytest.raises(ValueError, match="one scalar per configuration"):
        algo.step(jax.random.key(0), state, 1.0, 1.0)


@pytest.mark.parametrize("call,err,match", [
    (lambda: mcmc.dmala(lambda p, x: jnp.sum(x), 0.0), ValueError, "step_size must be"),
    (lambda: mcmc.dmala(lambda p, x: jnp.sum(x), -1.0), ValueError, "step_size must be"),
    (lambda: mcmc.gibbs_with_gradients(3.0), TypeError, "energy_fn must be callable"),
    (lambda: mcmc.gibbs_with_gradients(lambda p, x: 0.0, spins=(0, 2)), ValueError, "spins"),
    (lambda: mcmc.dmala(lambda p, x: 0.0, 0.5).init(jnp.array([0, 1])), ValueError,
     "position"),
])
def test_bad_input_is_loud(call, err, match):
    with pytest.raises(err, match=match):
        call()
