"""Thermodynamic observables: exact 4x4 Ising references, weights, correlations, errors, jit."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.exact import all_states
from statmech.observables import (
    abs_magnetization,
    binder_cumulant,
    heat_capacity,
    magnetization,
    susceptibility,
    two_point_correlation,
)

REF_4x4_K04 = dict(c=0.812515229440458, abs_m=0.7647124, m2=0.6548258)
K = 0.4


def torus_energy(s):
    return -jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1)))


def spins(seed, p_up, shape):
    """Random +-1 spins (int8), iid with P(+1) = p_up."""
    return jnp.asarray(np.where(np.random.default_rng(seed).random(shape) < p_up, 1, -1), jnp.int8)


def exact_4x4():
    """All 2**16 states of the 4x4 torus with their energies and exact Boltzmann weights."""
    states = all_states(16).reshape(-1, 4, 4)
    e = jax.vmap(torus_energy)(states)
    return states, e, jax.nn.softmax(-K * e)


def test_magnetization_per_configuration():
    s = jnp.array([[1, -1, 1], [1, 1, 1]], dtype=jnp.int8)
    assert float(magnetization(s)) == pytest.approx(4 / 6)
    assert float(abs_magnetization(-s)) == pytest.approx(4 / 6)
    batch = jnp.stack([s, -s, jnp.ones_like(s)])
    np.testing.assert_allclose(jax.vmap(magnetization)(batch), [4 / 6, -4 / 6, 1.0], rtol=1e-6)


def test_exact_4x4_magnetization_moments(x64):
    states, _, w = exact_4x4()
    m = jax.vmap(magnetization)(states)
    np.testing.assert_allclose(jnp.sum(w * jax.vmap(abs_magnetization)(states)),
                               REF_4x4_K04["abs_m"], atol=1e-7)
    np.testing.assert_allclose(jnp.sum(w * m**2), REF_4x4_K04["m2"], atol=1e-7)
    chi = susceptibility(m, K, 16, weights=w)
    want = K * 16 * (REF_4x4_K04["m2"] - REF_4x4_K04["abs_m"] ** 2)
    np.testing.assert_allclose(chi, want, atol=1e-5)
    np.testing.assert_allclose(susceptibility(m, K, 16, connected=False, weights=w),
                               K * 16 * REF_4x4_K04["m2"], atol=1e-5)
    m_np, w_np = np.asarray(m), np.asarray(w)
    want_u = 1 - np.sum(w_np * m_np**4) / (3 * np.sum(w_np * m_np**2) ** 2)
    np.testing.assert_allclose(binder_cumulant(m, weights=w), want_u, rtol=1e-12)


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_exact_4x4_heat_capacity(precision):
    with jax.enable_x64(precision == "float64"):
        _, e, w = exact_4x4()
        c = heat_capacity(e, K, 16, weights=w)
        assert c.dtype == jnp.dtype(precision)
        tol = 1e-12 if precision == "float64" else 2e-5
        np.testing.assert_allclose(c, REF_4x4_K04["c"], rtol=tol)


def test_weights_are_repetition_counts_and_scale_free():
    rng = np.random.default_rng(0)
    x = rng.normal(size=7).astype(np.float32)
    counts = np.array([1, 3, 2, 1, 4, 1, 2])
    rep = np.repeat(x, counts)
    for fn in (lambda v, **k: heat_capacity(v, 0.7, 3, **k),
               lambda v, **k: susceptibility(v, 0.7, 3, **k),
               lambda v, **k: susceptibility(v, 0.7, 3, connected=False, **k),
               binder_cumulant):
        np.testing.assert_allclose(fn(x, weights=counts), fn(rep), rtol=1e-5)
        np.testing.assert_allclose(fn(x, weights=counts * 10.0), fn(x, weights=counts), rtol=1e-5)
        np.testing.assert_allclose(fn(x, weights=np.ones(7)), fn(x), rtol=1e-5)


def test_batched_samples_and_broadcast_weights():
    x = jnp.asarray(np.random.default_rng(1).normal(size=(3, 50)), jnp.float32)
    w = jnp.linspace(0.5, 2.0, 50)
    beta = jnp.array([0.1, 0.2, 0.3])
    got = heat_capacity(x, beta, 4, weights=w)
    want = jnp.stack([heat_capacity(x[i], beta[i], 4, weights=w) for i in range(3)])
    assert got.shape == (3,)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(binder_cumulant(x, weights=jnp.broadcast_to(w, (3, 50))),
                               jax.vmap(lambda v: binder_cumulant(v, weights=w))(x), rtol=1e-6)


def test_reweighting_shifts_temperature(x64):
    # Samples at K draw exact weights; reweighting to K' by exp(-(K'-K) E) gives the exact C at K'.
    _, e, w = exact_4x4()
    k2 = 0.35
    c_rw = heat_capacity(e, k2, 16, weights=w * jnp.exp(-(k2 - K) * (e - e.min())))
    c_exact = heat_capacity(e, k2, 16, weights=jax.nn.softmax(-k2 * e))
    np.testing.assert_allclose(c_rw, c_exact, rtol=1e-10)


def test_closed_forms_small():
    m = jnp.array([0.5, -0.5, 1.0, -1.0])
    assert float(susceptibility(m, 2.0, 4)) == pytest.approx(2 * 4 * (0.625 - 0.75**2))
    assert float(binder_cumulant(jnp.array([1.0, -1.0]))) == pytest.approx(2 / 3)
    assert float(heat_capacity(jnp.array([-1.0, 1.0]), 0.0, 2)) == 0.0


def test_two_point_correlation_patterns():
    L = 8
    up = jnp.ones((L, L), jnp.int8)
    np.testing.assert_allclose(two_point_correlation(up), np.ones(L // 2 + 1), atol=1e-6)
    i, j = np.indices((L, L))
    checker = jnp.asarray((-1) ** (i + j), jnp.int8)
    np.testing.assert_allclose(two_point_correlation(checker), (-1.0) ** np.arange(L // 2 + 1),
                               atol=1e-6)
    stripes = jnp.asarray(np.where(i % 2 == 0, 1, -1))        # alternate along axis 0 only
    np.testing.assert_allclose(two_point_correlation(stripes)[1], 0.0, atol=1e-6)


def test_two_point_correlation_matches_direct_sum_non_square():
    s = spins(3, 0.7, (6, 10))
    got = two_point_correlation(s)
    sn = np.asarray(s, dtype=float)
    want = [0.5 * np.mean(sn * (np.roll(sn, -r, 0) + np.roll(sn, -r, 1))) for r in range(4)]
    assert got.shape == (4,)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert float(got[0]) == pytest.approx(1.0)


def test_two_point_correlation_random_and_batched():
    L = 64
    s = spins(4, 0.5, (3, L, L))
    c = two_point_correlation(s)
    assert c.shape == (3, L // 2 + 1)
    np.testing.assert_allclose(c[:, 0], 1.0, atol=1e-6)
    assert np.max(np.abs(c[:, 1:])) < 4 / np.sqrt(L * L)
    np.testing.assert_allclose(c[1], two_point_correlation(s[1]), atol=1e-6)


@pytest.mark.parametrize("call, name", [
    (lambda: susceptibility(jnp.ones(5), -0.1, 4), "beta"),
    (lambda: heat_capacity(jnp.ones(5), -1.0, 4), "beta"),
    (lambda: heat_capacity(jnp.ones(5), 1.0, 0), "n_sites"),
    (lambda: susceptibility(jnp.ones(5), 1.0, -3), "n_sites"),
    (lambda: heat_capacity(jnp.array([1.0, jnp.nan, 2.0]), 1.0, 4), "e_samples"),
    (lambda: susceptibility(jnp.array([1.0, jnp.inf]), 1.0, 4), "m_samples"),
    (lambda: binder_cumulant(jnp.array([0.5])), "m_samples"),
    (lambda: binder_cumulant(jnp.zeros(4)), "m_samples"),
    (lambda: heat_capacity(jnp.ones(5), 1.0, 4, weights=jnp.ones(4)), "weights"),
    (lambda: heat_capacity(jnp.ones(5), 1.0, 4, weights=-jnp.ones(5)), "weights"),
    (lambda: heat_capacity(jnp.ones(5), 1.0, 4, weights=jnp.zeros(5)), "weights"),
    (lambda: binder_cumulant(jnp.ones(5), weights=jnp.array([1, 1, 1, 1, jnp.nan])), "weights"),
    (lambda: two_point_correlation(jnp.ones(16)), "spins"),
    (lambda: magnetization(jnp.array([1.0, jnp.nan])), "spins"),
])
def test_bad_input_value_errors(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("call, name", [
    (lambda: magnetization("up"), "spins"),
    (lambda: magnetization(jnp.array([1 + 1j])), "spins"),
    (lambda: susceptibility(jnp.ones(4), 1.0, 4, connected=1), "connected"),
    (lambda: heat_capacity(jnp.ones(4), None, 4), "beta"),
])
def test_bad_input_type_errors(call, name):
    with pytest.raises(TypeError, match=name):
        call()


def test_jit_every_function():
    s = spins(5, 0.6, (8, 8))
    x = jnp.asarray(np.random.default_rng(6).normal(size=40), jnp.float32)
    w = jnp.linspace(1.0, 2.0, 40)

    def everything(s, x, w, beta, n):
        return (magnetization(s), abs_magnetization(s), two_point_correlation(s),
                susceptibility(x, beta, n, weights=w), susceptibility(x, beta, n, connected=False),
                heat_capacity(x, beta, n, weights=w), binder_cumulant(x, weights=w))

    jitted = jax.jit(chex.assert_max_traces(everything, n=1))   # a retrace would raise
    for got, want in zip(jitted(s, x, w, 0.4, 64), everything(s, x, w, 0.4, 64), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    jitted(s, x, w, 0.5, 32)                      # beta and n_sites are traced: no recompile
