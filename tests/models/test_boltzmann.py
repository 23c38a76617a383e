"""models.boltzmann: fully-visible Boltzmann machine, exact ln Z, moments and likelihood."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import boltzmann
from models.boltzmann import BoltzmannParams


def _random_params(seed, n, scale=0.7):
    rng = np.random.default_rng(seed)
    A = rng.normal(scale=scale, size=(n, n))
    W = np.triu(A, 1) + np.triu(A, 1).T
    return BoltzmannParams(jnp.asarray(W), jnp.asarray(rng.normal(scale=scale, size=n)))


def _brute_force(params, beta=1.0):
    W, b = np.asarray(params.W, np.float64), np.asarray(params.b, np.float64)
    n = b.size
    X = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.float64)
    E = -0.5 * np.einsum("ki,ij,kj->k", X, W, X) - X @ b
    logw = -beta * E
    m = logw.max()
    log_z = m + np.log(np.sum(np.exp(logw - m)))
    p = np.exp(logw - log_z)
    return log_z, p @ X, np.einsum("k,ki,kj->ij", p, X, X)


def test_energy(x64):
    p = _random_params(0, 6)
    x = np.random.default_rng(1).integers(0, 2, size=(4, 6))
    W, b = np.asarray(p.W), np.asarray(p.b)
    expected = -0.5 * np.einsum("ki,ij,kj->k", x, W, x) - x @ b
    np.testing.assert_allclose(jax.vmap(boltzmann.energy, (None, 0))(p, x), expected, rtol=1e-12)
    np.testing.assert_allclose(boltzmann.energy(p, x), expected, rtol=1e-12)
    # the diagonal of W is ignored
    p_diag = p._replace(W=p.W + jnp.diag(jnp.arange(6.0)))
    np.testing.assert_allclose(boltzmann.energy(p_diag, x), expected, rtol=1e-12)


def test_log_z_and_moments_match_brute_force(x64):
    p = _random_params(2, 8)
    for beta in (1.0, 0.6):
        log_z, mean, corr = _brute_force(p, beta)
        np.testing.assert_allclose(boltzmann.log_z_exact(p, beta), log_z, rtol=1e-10)
        m = boltzmann.moments_exact(p, beta)
        np.testing.assert_allclose(m.mean, mean, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(m.correlation, corr, rtol=1e-10, atol=1e-12)


def test_log_likelihood_value(x64):
    p = _random_params(3, 8)
    data = np.random.default_rng(4).integers(0, 2, size=(20, 8))
    log_z, _, _ = _brute_force(p)
    W, b = np.asarray(p.W), np.asarray(p.b)
    E = -0.5 * np.einsum("ki,ij,kj->k", data, W, data) - data @ b
    np.testing.assert_allclose(boltzmann.log_likelihood(p, data), -E.mean() - log_z, rtol=1e-10)
    # one sample [n] is a batch of one
    np.testing.assert_allclose(boltzmann.log_likelihood(p, data[0]), -E[0] - log_z, rtol=1e-10)


def test_gradient_is_moment_matching(x64):
    n = 12
    p = _random_params(5, n, scale=0.3)
    data = np.random.default_rng(6).integers(0, 2, size=(50, n)).astype(np.float64)
    gW, gb = jax.grad(boltzmann.log_likelihood)(p, data)
    model = boltzmann.moments_exact(p)
    data_corr = data.T @ data / len(data)
    off = 1.0 - np.eye(n)
    # E = -1/2 sum_{i!=j} W_ij x_i x_j: each of W_ij, W_ji carries half the coupling
    np.testing.assert_allclose(gW, 0.5 * (data_corr - model.correlation) * off, atol=1e-6)
    np.testing.assert_allclose(gb, data.mean(0) - model.mean, atol=1e-6)
    np.testing.assert_array_equal(np.diag(np.asarray(gW)), 0.0)
    np.testing.assert_allclose(gW, np.asarray(gW).T, atol=1e-14)


def test_init_params():
    p = boltzmann.init_params(jax.random.key(0), 7, scale=0.1)
    assert p.W.shape == (7, 7) and p.b.shape == (7,)
    assert p.W.dtype == jnp.float32
    np.testing.assert_array_equal(p.W, p.W.T)
    np.testing.assert_array_equal(np.diag(p.W), 0.0)
    np.testing.assert_array_equal(p.b, 0.0)
    assert 0.02 < float(jnp.std(p.W[np.triu_indices(7, 1)])) < 0.3
    assert np.isfinite(float(boltzmann.log_z_exact(p)))


def test_jit_and_float32():
    p = boltzmann.init_params(jax.random.key(1), 10, scale=5.0)
    data = jnp.asarray(np.random.default_rng(0).integers(0, 2, size=(8, 10)), jnp.int8)
    log_z = jax.jit(boltzmann.log_z_exact)(p, 1.0)
    assert log_z.dtype == jnp.float32 and np.isfinite(float(log_z))
    np.testing.assert_allclose(log_z, boltzmann.log_z_exact(p), rtol=1e-6)
    ll = jax.jit(boltzmann.log_likelihood)(p, data)
    np.testing.assert_allclose(ll, boltzmann.log_likelihood(p, data), rtol=1e-5)
    assert np.isfinite(float(ll)) and float(ll) < 0
    mean, corr = jax.jit(boltzmann.moments_exact)(p)
    assert mean.shape == (10,) and corr.shape == (10, 10)
    e = jax.jit(boltzmann.energy)(p, data)
    assert e.shape == (8,)
    W = jax.jit(boltzmann.init_params, static_argnums=1)(jax.random.key(2), 4).W
    assert W.shape == (4, 4)
    grads = jax.grad(boltzmann.log_likelihood)(p, data)
    assert all(np.isfinite(np.asarray(g)).all() for g in grads)


def test_bad_inputs():
    p = boltzmann.init_params(jax.random.key(0), 5)
    x = jnp.zeros(5)
    with pytest.raises(ValueError, match="params.W must be symmetric"):
        boltzmann.energy(p._replace(W=p.W.at[0, 1].add(1.0)), x)
    with pytest.raises(ValueError, match="params.W must be a square"):
        boltzmann.energy(BoltzmannParams(jnp.zeros((5, 4)), jnp.zeros(5)), x)
    with pytest.raises(ValueError, match="params.b"):
        boltzmann.energy(BoltzmannParams(jnp.zeros((5, 5)), jnp.zeros(4)), x)
    with pytest.raises(ValueError, match="params.W must be finite"):
        boltzmann.log_z_exact(p._replace(W=p.W.at[0, 1].set(jnp.nan)))
    with pytest.raises(ValueError, match="n must be <= 30"):
        boltzmann.log_z_exact(BoltzmannParams(jnp.zeros((31, 31)), jnp.zeros(31)))
    with pytest.raises(ValueError, match="n must be <= 30"):
        boltzmann.moments_exact(BoltzmannParams(jnp.zeros((40, 40)), jnp.zeros(40)))
    with pytest.raises(ValueError, match="data must contain only 0 and 1"):
        boltzmann.log_likelihood(p, jnp.full((3, 5), 2))
    with pytest.raises(ValueError, match="data must be finite"):
        boltzmann.log_likelihood(p, jnp.zeros((3, 5)).at[1, 1].set(jnp.nan))
    with pytest.raises(ValueError, match="data"):
        boltzmann.log_likelihood(p, jnp.zeros((3, 4)))
    with pytest.raises(ValueError, match="x must contain only 0 and 1"):
        boltzmann.energy(p, -jnp.ones(5))
    with pytest.raises(ValueError, match="beta"):
        boltzmann.log_z_exact(p, -1.0)
    with pytest.raises(TypeError, match="params"):
        boltzmann.log_z_exact(jnp.zeros((5, 5)))
    with pytest.raises(ValueError, match="scale"):
        boltzmann.init_params(jax.random.key(0), 3, scale=-1.0)
