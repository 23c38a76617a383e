"""Split enumeration of dense pairwise models equals generic enumeration."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.exact import log_z_dense, log_z_enumerate


def random_model(seed, n, scale=1.0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, n)) * scale
    return jnp.asarray(W + W.T), jnp.asarray(rng.normal(size=n) * scale)


def quadratic(p, x):
    W, b = p
    return -0.5 * x @ W @ x - b @ x


@pytest.mark.parametrize("n", [1, 2, 5, 12, 13])
@pytest.mark.parametrize("spins", [(-1, 1), (0, 1)])
def test_equals_generic_enumeration_value_and_gradient(x64, n, spins):
    params = random_model(n, n)
    for beta in [0.0, 0.4, 1.7]:
        f_fast = lambda p, b: log_z_dense(*p, b, spins=spins)
        f_ref = lambda p, b: log_z_enumerate(quadratic, p, n, b, spins=spins)
        np.testing.assert_allclose(f_fast(params, beta), f_ref(params, beta), atol=1e-11)
        g_fast = jax.grad(f_fast, argnums=(0, 1))(params, beta)
        g_ref = jax.grad(f_ref, argnums=(0, 1))(params, beta)
        leaves = zip(jax.tree_util.tree_leaves(g_fast), jax.tree_util.tree_leaves(g_ref),
                     strict=True)
        for a, b in leaves:
            np.testing.assert_allclose(a, b, atol=1e-10)


def test_float32_low_temperature():
    params = random_model(0, 16, scale=10.0)
    p32 = tuple(p.astype(jnp.float32) for p in params)
    for beta in [1e-3, 1.0, 20.0]:
        v32 = log_z_dense(*p32, beta)
        with jax.enable_x64(True):
            v64 = log_z_dense(*params, beta)
        assert np.isfinite(v32)
        np.testing.assert_allclose(v32, v64, rtol=1e-5)


def test_bad_input():
    W, b = random_model(1, 4)
    with pytest.raises(ValueError, match=r"W must have shape \(4, 4\)"):
        log_z_dense(W[:3], b)
    with pytest.raises(ValueError, match="W must be symmetric"):
        log_z_dense(W + jnp.triu(jnp.ones((4, 4)), 1), b)
    with pytest.raises(ValueError, match=r"b must be a 1-D array"):
        log_z_dense(W, b[None])
    with pytest.raises(ValueError, match=r"must be in \[1, 32\]"):
        log_z_dense(jnp.zeros((33, 33)), jnp.zeros(33))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        log_z_dense(W, b, -2.0)
    with pytest.raises(ValueError, match="W must be finite"):
        log_z_dense(W.at[0, 0].set(jnp.nan), b)
