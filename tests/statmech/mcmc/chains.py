"""Test helpers: many independent chains, per-chain means, jackknife over chains.

Chains are independent (distinct keys, independent random starts), so the spread of per-chain
estimates is an honest standard error whatever the autocorrelation within a chain.
"""

import jax
import jax.numpy as jnp
import numpy as np

from statmech.mcmc import sample


def run_chains(algo, params, beta, start_shape, observe, *, n_chains=64, n_burn=200,
               n_steps=1000, seed=0, spins=(-1, 1)):
    """Per-chain trace of the observables after burn-in: dict of arrays [n_chains, n_steps].

    ``beta`` may be a 1-D array: all temperatures then run in one compiled program (beta is a
    traced argument, vmapped) and every array gains a leading temperature axis.
    """
    k_start, k_burn, k_run = jax.random.split(jax.random.key(seed), 3)
    values = jnp.asarray(spins, jnp.int8)
    starts = values[jax.random.bernoulli(k_start, 0.5, (n_chains,) + start_shape).astype(int)]
    keys_burn, keys_run = jax.random.split(k_burn, n_chains), jax.random.split(k_run, n_chains)

    def one_chain(b, kb, kr, start):
        state = algo.init(start)
        state = sample(algo, kb, state, n_burn, params=params, beta=b).state
        return sample(algo, kr, state, n_steps, params=params, beta=b, observe=observe)

    @jax.jit
    def all_chains(betas):
        per_beta = lambda b: jax.vmap(lambda kb, kr, st: one_chain(b, kb, kr, st))(
            keys_burn, keys_run, starts)
        return jax.vmap(per_beta)(betas)

    res = all_chains(jnp.atleast_1d(jnp.asarray(beta, dtype=jnp.float32)))
    if np.ndim(beta) == 0:
        res = jax.tree_util.tree_map(lambda x: x[0], res)
    return {k: np.asarray(v, dtype=np.float64) for k, v in res.trace.items()}, res


def mean_and_stderr(trace):
    """Grand mean and standard error from the spread of per-chain means."""
    per_chain = trace.mean(axis=1)
    return per_chain.mean(), per_chain.std(ddof=1) / np.sqrt(len(per_chain))


def jackknife_over_chains(fn, *traces):
    """Delete-one-chain jackknife of ``fn(*pooled means)``: (estimate, stderr)."""
    means = [t.mean(axis=1) for t in traces]
    n = len(means[0])
    full = fn(*(m.mean() for m in means))
    loo = np.array([fn(*((m.sum() - m[i]) / (n - 1) for m in means)) for i in range(n)])
    return full, np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))


def assert_z(estimate, stderr, exact, name, n_sigma=4.0):
    """|estimate - exact| < n_sigma * stderr, with a message giving the z-score."""
    z = (estimate - exact) / stderr
    assert abs(z) < n_sigma, (f"{name}: {estimate:.6f} +- {stderr:.6f} vs exact {exact:.6f} "
                              f"(z={z:.2f})")
    return z
