"""Enumeration: closed forms, the 4x4 Ising references, derivatives, chunking, errors."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.exact import all_states, enumerate_expectation, enumerate_moments, log_z_enumerate

REF_4x4_K04 = dict(e=-1.37911648225935, c=0.812515229440458, abs_m=0.7647124, m2=0.6548258)


def ising_torus(J, x, L=4):
    s = x.reshape(L, L)
    return -J * jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1)))


def sk_energy(params, x):
    W, h = params
    return -0.5 * x @ W @ x - h @ x


def brute_log_z(energy, n, beta, spins=(-1.0, 1.0)):
    vals = [-beta * float(energy(np.array(c))) for c in itertools.product(spins, repeat=n)]
    m = max(vals)
    return m + math.log(sum(math.exp(v - m) for v in vals))


def test_independent_spins_closed_form(x64):
    h = jnp.array([0.3, -1.2, 2.0, 0.0, 0.7])
    got = log_z_enumerate(lambda p, x: -p @ x, h, 5, 0.8)
    want = np.sum(np.log(2 * np.cosh(0.8 * np.asarray(h))))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)


def test_matches_brute_force_sk_and_01_units(x64):
    rng = np.random.default_rng(1)
    n = 9
    W = rng.normal(size=(n, n))
    W = jnp.asarray((W + W.T) / 2 * (1 - np.eye(n)))
    h = jnp.asarray(rng.normal(size=n))
    for spins in [(-1, 1), (0, 1)]:
        got = log_z_enumerate(sk_energy, (W, h), n, 0.6, spins=spins)
        want = brute_log_z(lambda x: sk_energy((W, h), jnp.asarray(x)), n, 0.6,
                           spins=tuple(float(s) for s in spins))
        np.testing.assert_allclose(got, want, atol=1e-11)


@pytest.mark.parametrize("chunk", [1, 8, 64, 1 << 12])
def test_chunk_size_does_not_change_result(x64, chunk):
    J = jnp.asarray(0.4)
    ref = log_z_enumerate(ising_torus, J, 16, 1.0)
    np.testing.assert_allclose(log_z_enumerate(ising_torus, J, 16, 1.0, chunk_size=chunk), ref,
                               atol=1e-12)


def test_4x4_reference_energy_and_heat_capacity_by_autodiff(x64):
    n = 16
    f = lambda b: log_z_enumerate(ising_torus, 1.0, n, b)
    beta = jnp.asarray(0.4)
    u = -jax.grad(f)(beta) / n
    c = beta**2 * jax.grad(jax.grad(f))(beta) / n
    np.testing.assert_allclose(u, REF_4x4_K04["e"], atol=1e-12)
    np.testing.assert_allclose(c, REF_4x4_K04["c"], atol=1e-11)
    # forward mode (jvp) and jacfwd work too
    np.testing.assert_allclose(jax.jacfwd(jax.grad(f))(beta) * beta**2 / n, REF_4x4_K04["c"],
                               atol=1e-11)


def test_4x4_reference_magnetization_moments(x64):
    obs = lambda x, e: (jnp.abs(jnp.mean(x)), jnp.mean(x) ** 2, e)
    log_z, (abs_m, m2, e) = enumerate_expectation(ising_torus, 1.0, 16, 0.4, obs)
    np.testing.assert_allclose(abs_m, REF_4x4_K04["abs_m"], atol=5e-8)
    np.testing.assert_allclose(m2, REF_4x4_K04["m2"], atol=5e-8)
    np.testing.assert_allclose(e / 16, REF_4x4_K04["e"], atol=1e-12)
    np.testing.assert_allclose(log_z, 14.561093023844043, atol=1e-10)


def test_moments_are_gradients_of_log_z(x64):
    rng = np.random.default_rng(2)
    n = 8
    W = rng.normal(size=(n, n)) * 0.5
    W = jnp.asarray((W + W.T) * (1 - np.eye(n)))
    h = jnp.asarray(rng.normal(size=n) * 0.5)
    beta = 0.9
    m = enumerate_moments(sk_energy, (W, h), n, beta)
    gW, gh = jax.grad(lambda p: log_z_enumerate(sk_energy, p, n, beta))((W, h))
    np.testing.assert_allclose(gh, beta * m.spin, atol=1e-12)
    np.testing.assert_allclose(gW, 0.5 * beta * m.spin_spin, atol=1e-12)
    np.testing.assert_allclose(jnp.diag(m.spin_spin), np.ones(n), atol=1e-12)
    np.testing.assert_allclose(
        -jax.grad(lambda b: log_z_enumerate(sk_energy, (W, h), n, b))(beta), m.energy, atol=1e-11)


def test_gradient_matches_central_finite_differences(x64):
    rng = np.random.default_rng(3)
    n = 7
    W = rng.normal(size=(n, n))
    W = jnp.asarray(W + W.T)
    h = jnp.asarray(rng.normal(size=n))
    f = lambda p, b: log_z_enumerate(sk_energy, p, n, b)
    g_params, g_beta = jax.grad(f, argnums=(0, 1))((W, h), 0.7)
    eps = 1e-6
    for i, j in [(0, 1), (2, 5), (6, 6)]:
        dW = jnp.zeros((n, n)).at[i, j].set(eps)
        fd = (f((W + dW, h), 0.7) - f((W - dW, h), 0.7)) / (2 * eps)
        np.testing.assert_allclose(g_params[0][i, j], fd, rtol=1e-7, atol=1e-8)
    fd_beta = (f((W, h), 0.7 + eps) - f((W, h), 0.7 - eps)) / (2 * eps)
    np.testing.assert_allclose(g_beta, fd_beta, rtol=1e-7)


def test_jit_and_vmap_over_beta():
    torus3 = lambda J, x: ising_torus(J, x, L=3)
    f = jax.jit(jax.vmap(lambda b: log_z_enumerate(torus3, 1.0, 9, b)))
    betas = jnp.linspace(0.0, 2.0, 5)
    got = f(betas)
    assert got.shape == (5,)
    np.testing.assert_allclose(got[0], 9 * np.log(2), rtol=1e-6)
    for b, v in zip(betas, got, strict=True):
        np.testing.assert_allclose(v, log_z_enumerate(torus3, 1.0, 9, b), rtol=1e-6)


def test_float32_low_temperature_is_finite_and_accurate():
    # beta = 20 with |E| ~ 48: exp(-beta E) ~ e^960 would overflow without log-sum-exp.
    for beta in [1e-3, 0.1, 0.4406868, 1.0, 5.0, 20.0]:
        v32 = log_z_enumerate(ising_torus, 1.0, 16, beta)
        with jax.enable_x64(True):
            v64 = log_z_enumerate(ising_torus, 1.0, 16, beta)
        assert v32.dtype == jnp.float32 and np.isfinite(v32)
        np.testing.assert_allclose(v32, v64, rtol=1e-6)
        g = jax.grad(lambda b: log_z_enumerate(ising_torus, 1.0, 16, b))(jnp.float32(beta))
        assert np.isfinite(g)


def test_all_states_order():
    s = all_states(3, spins=(0, 1))
    np.testing.assert_array_equal(s[5], [1, 0, 1])
    assert s.shape == (8, 3)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n=33), ValueError, r"n must be <= 32.*Monte Carlo"),
        (dict(n=0), ValueError, r"n must be >= 1"),
        (dict(n=4.0), TypeError, r"n must be a Python int"),
        (dict(beta=-0.1), ValueError, r"beta must be >= 0"),
        (dict(beta=float("nan")), ValueError, r"beta must be finite"),
        (dict(beta=float("inf")), ValueError, r"beta must be finite"),
        (dict(beta="hot"), TypeError, r"beta must be a real"),
        (dict(spins=(1, 1)), ValueError, r"spins must be two distinct"),
        (dict(spins=3), TypeError, r"spins must be a pair"),
        (dict(chunk_size=3), ValueError, r"chunk_size must be a power of two"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = dict(n=4, beta=1.0)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        log_z_enumerate(lambda p, x: jnp.sum(x), None, args.pop("n"), args.pop("beta"), **args)


def test_bad_callables():
    with pytest.raises(TypeError, match="energy_fn must be callable"):
        log_z_enumerate("energy", None, 3)
    with pytest.raises(TypeError, match="observable must be callable"):
        enumerate_expectation(lambda p, x: jnp.sum(x), None, 3, 1.0, observable=None)
