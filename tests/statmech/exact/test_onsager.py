"""Onsager free energy, its derivatives, and Yang's magnetization."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import ellipk

from statmech.exact import (
    BETA_C,
    onsager_energy_per_site,
    onsager_log_z_per_site,
    yang_magnetization,
)

CATALAN = 0.915965594177219015


def test_critical_point_constants():
    assert BETA_C == pytest.approx(0.44068679350977151, abs=1e-16)
    assert 1 / BETA_C == pytest.approx(2.2691853142130220, abs=1e-14)


@pytest.mark.parametrize(
    "K, ref",
    [(BETA_C, 0.92969539834161021), (0.4, 0.879363820774948), (1.0, 2.000348283700710)],
)
def test_reference_values(x64, K, ref):
    np.testing.assert_allclose(onsager_log_z_per_site(K), ref, rtol=0, atol=1e-13)


def test_critical_value_closed_form(x64):
    np.testing.assert_allclose(onsager_log_z_per_site(BETA_C),
                               math.log(2) / 2 + 2 * CATALAN / math.pi, atol=1e-14)
    np.testing.assert_allclose(onsager_energy_per_site(BETA_C), -math.sqrt(2), atol=1e-9)


def closed_form_energy(K):
    """u = -coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) K1(kappa)] (Onsager 1944)."""
    kappa = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    return -1 / np.tanh(2 * K) * (1 + 2 / np.pi * (2 * np.tanh(2 * K) ** 2 - 1)
                                  * ellipk(kappa**2))


@pytest.mark.parametrize("K", [0.1, 0.3, 0.43, 0.45, 0.6, 1.5])
def test_energy_by_autodiff_matches_elliptic_closed_form(x64, K):
    np.testing.assert_allclose(onsager_energy_per_site(K), closed_form_energy(K), rtol=1e-10)


def test_gradient_matches_finite_differences_and_even_in_J(x64):
    f = lambda b, J: onsager_log_z_per_site(b, J)
    for b in [0.2, 0.5, 1.3]:
        eps = 1e-6
        fd = (f(b + eps, 1.0) - f(b - eps, 1.0)) / (2 * eps)
        np.testing.assert_allclose(jax.grad(f)(b, 1.0), fd, rtol=1e-8)
        np.testing.assert_allclose(f(b, -1.0), f(b, 1.0), rtol=1e-15)


def test_heat_capacity_diverges_logarithmically(x64):
    c = jax.vmap(lambda b: b**2 * jax.grad(jax.grad(onsager_log_z_per_site))(b))
    t = jnp.array([1e-2, 1e-3, 1e-4])
    vals = c(BETA_C * (1 + t))
    # C ~ -(8 K_c^2 / pi) ln|t|: each decade adds (8 K_c^2/pi) ln 10
    slope = 8 * BETA_C**2 / math.pi * math.log(10)
    np.testing.assert_allclose(np.diff(vals), slope, rtol=1e-2)


@pytest.mark.parametrize("beta", [1e-3, 0.1, BETA_C, 1.0, 5.0, 20.0])
def test_float32_finite_and_accurate(beta):
    v32 = onsager_log_z_per_site(beta)
    u32 = onsager_energy_per_site(beta)
    with jax.enable_x64(True):
        v64 = onsager_log_z_per_site(beta)
        u64 = onsager_energy_per_site(beta)
    assert np.isfinite(v32) and np.isfinite(u32)
    np.testing.assert_allclose(v32, v64, rtol=1e-6)
    np.testing.assert_allclose(u32, u64, rtol=1e-4, atol=1e-6)


def test_yang_magnetization(x64):
    assert float(yang_magnetization(0.3)) == 0.0
    assert float(yang_magnetization(BETA_C)) == 0.0
    K = 0.6
    np.testing.assert_allclose(yang_magnetization(K), (1 - np.sinh(2 * K) ** -4) ** 0.125,
                               rtol=1e-14)
    # beta exponent 1/8: m^8 is linear in K - K_c close to the critical point
    dk = jnp.array([1e-6, 2e-6])
    m8 = jax.vmap(yang_magnetization)(BETA_C + dk) ** 8
    np.testing.assert_allclose(m8[1] / m8[0], 2.0, rtol=1e-4)
    assert np.isfinite(jax.grad(yang_magnetization)(0.6))
    np.testing.assert_allclose(yang_magnetization(30.0), 1.0, rtol=1e-14)


def test_yang_float32_no_overflow():
    assert float(yang_magnetization(20.0, 10.0)) == 1.0
    assert float(jax.grad(yang_magnetization)(jnp.float32(20.0))) == 0.0


@pytest.mark.parametrize(
    "fn, args, exc, match",
    [
        (onsager_log_z_per_site, (-1.0,), ValueError, "beta must be >= 0"),
        (onsager_log_z_per_site, (np.nan,), ValueError, "beta must be finite"),
        (onsager_log_z_per_site, (0.4, np.inf), ValueError, "J must be finite"),
        (onsager_energy_per_site, (jnp.ones(3),), ValueError, r"beta must have shape \(\)"),
        (yang_magnetization, (0.5, -1.0), ValueError, "J must be >= 0"),
        (yang_magnetization, (True,), TypeError, "beta must be real"),
    ],
)
def test_bad_input(fn, args, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args)
