"""Kaufman's finite torus: references, agreement with enumeration, derivatives, float32, errors."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.exact import BETA_C, ising2d_log_z, log_z_enumerate, onsager_log_z_per_site
from tests.compiles import compile_counter

LOG_Z_REF = {  # REFERENCES.md, periodic L x L
    (4, 0.4): 14.561093023844043,
    (4, BETA_C): 15.521915458755282,
    (4, 1.0): 32.698721401879325,
    (8, 0.4): 56.599388760425375,
    (8, BETA_C): 60.141780789069153,
    (8, 1.0): 128.71543733740842,
}


def torus_energy(J, x, L, M):
    s = x.reshape(L, M)
    return -J * jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1)))


@pytest.mark.parametrize("key", sorted(LOG_Z_REF))
def test_reference_log_z(x64, key):
    L, beta = key
    np.testing.assert_allclose(ising2d_log_z(L, L, beta), LOG_Z_REF[key], rtol=0, atol=1e-10)


@pytest.mark.parametrize("L, M", [(2, 2), (2, 3), (3, 3), (3, 4), (4, 4), (2, 5), (3, 5)])
@pytest.mark.parametrize("beta", [1e-6, 0.05, 0.3, BETA_C, 0.7, 2.0])
def test_equals_enumeration(x64, L, M, beta):
    want = log_z_enumerate(lambda J, x: torus_energy(J, x, L, M), 1.0, L * M, beta)
    np.testing.assert_allclose(ising2d_log_z(L, M, beta), want, rtol=0, atol=1e-11)
    np.testing.assert_allclose(ising2d_log_z(M, L, beta), want, rtol=0, atol=1e-11)


def test_4x4_energy_and_heat_capacity_by_autodiff(x64):
    f = lambda b: ising2d_log_z(4, 4, b)
    beta = jnp.asarray(0.4)
    np.testing.assert_allclose(-jax.jit(jax.grad(f))(beta) / 16, -1.37911648225935, atol=1e-12)
    np.testing.assert_allclose(beta**2 * jax.jit(jax.grad(jax.grad(f)))(beta) / 16,
                               0.812515229440458, atol=1e-11)


def test_second_derivatives_smooth_through_critical_point(x64):
    # gamma_0 changes sign at K_c; C(beta) must be smooth there (no kink, no NaN).
    c = jax.jit(jax.vmap(jax.grad(jax.grad(lambda b: ising2d_log_z(16, 16, b)))))
    betas = BETA_C + jnp.array([-1e-6, -1e-9, 0.0, 1e-9, 1e-6])
    vals = c(betas)
    assert np.all(np.isfinite(vals))
    # no kink: the second difference vanishes to rounding at both scales
    np.testing.assert_allclose(vals[0] + vals[4], 2 * vals[2], rtol=1e-9)
    np.testing.assert_allclose(vals[1] + vals[3], 2 * vals[2], rtol=1e-12)


def test_gradients_match_central_finite_differences(x64):
    f = lambda b, J: ising2d_log_z(6, 5, b, J)
    grad = jax.jit(jax.grad(f, argnums=(0, 1)))
    for beta, J in [(0.2, 1.0), (BETA_C, 1.0), (0.9, 0.7)]:
        gb, gJ = grad(beta, J)
        eps = 1e-6
        fd_b = (f(beta + eps, J) - f(beta - eps, J)) / (2 * eps)
        fd_J = (f(beta, J + eps) - f(beta, J - eps)) / (2 * eps)
        np.testing.assert_allclose(gb, fd_b, rtol=1e-7)
        np.testing.assert_allclose(gJ, fd_J, rtol=1e-7)
        # and beta * dlnZ/dbeta == J * dlnZ/dJ, as Z depends on beta J only
        np.testing.assert_allclose(beta * gb, J * gJ, rtol=1e-12)


def test_high_temperature_branch_matches_series_derivatives(x64):
    # At beta = 0: ln Z = N ln 2, d lnZ/d beta = 0, d^2 lnZ/d beta^2 = Var(E) = number of bonds.
    f = jax.jit(lambda b: ising2d_log_z(5, 6, b))
    beta = jnp.asarray(0.0)
    np.testing.assert_allclose(f(beta), 30 * np.log(2), atol=1e-14)
    np.testing.assert_allclose(jax.jit(jax.grad(f))(beta), 0.0, atol=1e-14)
    np.testing.assert_allclose(jax.jit(jax.grad(jax.grad(f)))(beta), 60.0, rtol=1e-12)
    # size-2 axis: its N bonds form N/2 doubled pairs, perfectly correlated: Var(E) = 2N + 2 N/2
    f2 = lambda b: ising2d_log_z(2, 3, b)
    np.testing.assert_allclose(jax.jit(jax.grad(jax.grad(f2)))(beta), 12 + 6, rtol=1e-12)
    # and the switch point between series and Kaufman is seamless
    for K in [1e-5 * (1 - 1e-9), 1e-5 * (1 + 1e-9)]:
        np.testing.assert_allclose(f(K), 30 * np.log(2) + 60 * np.log(np.cosh(K)), rtol=1e-15)


def test_approaches_onsager_for_large_lattices(x64):
    # Below T_c the two ordered phases add ln 2 to the finite-lattice ln Z.
    for beta, tol, extra in [(0.3, 1e-10, 0.0), (0.6, 1e-10, np.log(2)), (BETA_C, 2e-3, 0.0)]:
        per_site = (ising2d_log_z(128, 128, beta) - extra) / 128**2
        np.testing.assert_allclose(per_site, onsager_log_z_per_site(beta), atol=tol)


def test_antiferromagnet_even_sizes_equal_ferromagnet(x64):
    np.testing.assert_allclose(ising2d_log_z(4, 6, 0.5, -1.0), ising2d_log_z(4, 6, 0.5, 1.0),
                               rtol=1e-14)
    want = log_z_enumerate(lambda J, x: torus_energy(J, x, 4, 4), -1.0, 16, 0.5)
    np.testing.assert_allclose(ising2d_log_z(4, 4, 0.5, -1.0), want, atol=1e-11)


@functools.cache
def _second_derivative(L):
    return jax.jit(jax.grad(jax.grad(lambda b: ising2d_log_z(L, L, b))))


@pytest.mark.parametrize("beta", [1e-3, 0.1, BETA_C, 1.0, 5.0, 20.0])
@pytest.mark.parametrize("L", [4, 8, 64])
def test_float32_finite_and_accurate(beta, L):
    v32 = ising2d_log_z(L, L, beta)
    g32 = _second_derivative(L)(jnp.float32(beta))
    with jax.enable_x64(True):
        v64 = ising2d_log_z(L, L, beta)
    assert v32.dtype == jnp.float32
    assert np.isfinite(v32) and np.isfinite(g32)
    np.testing.assert_allclose(v32, v64, rtol=1e-4)


def test_float32_large_coupling_no_overflow():
    # K = beta J = 200: 2 sinh 2K = e^400 overflows float32 unless kept in logs.
    v = ising2d_log_z(8, 8, 20.0, 10.0)
    np.testing.assert_allclose(v, 2 * 64 * 200 + np.log(2), rtol=1e-6)
    assert np.isfinite(jax.grad(lambda J: ising2d_log_z(8, 8, 20.0, J))(10.0))


def test_beta_sweep_does_not_recompile():
    ising2d_log_z(6, 6, 0.1)
    with compile_counter() as compiles:
        for beta in np.linspace(0.05, 2.0, 7):
            ising2d_log_z(6, 6, float(beta), float(beta) / 2)
    assert compiles["jit(_ising2d_log_z)"] == 0


def test_vmap_over_beta():
    betas = jnp.linspace(0.1, 1.0, 4)
    got = jax.vmap(lambda b: ising2d_log_z(4, 4, b))(betas)
    for b, v in zip(betas, got, strict=True):
        np.testing.assert_allclose(v, ising2d_log_z(4, 4, float(b)), rtol=1e-6)


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((1, 4, 0.4), ValueError, r"L must be >= 2, got 1"),
        ((4, 0, 0.4), ValueError, r"M must be >= 2, got 0"),
        ((4.0, 4, 0.4), TypeError, r"L must be a Python int"),
        ((4, 4, -0.4), ValueError, r"beta must be >= 0"),
        ((4, 4, float("nan")), ValueError, r"beta must be finite"),
        ((4, 4, np.inf), ValueError, r"beta must be finite"),
        ((4, 4, np.array([0.1, 0.2])), ValueError, r"beta must have shape \(\)"),
        ((4, 4, 0.4, float("nan")), ValueError, r"J must be finite"),
        ((3, 4, 0.4, -1.0), ValueError, r"J must be >= 0 when L or M is odd"),
    ],
)
def test_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        ising2d_log_z(*args)
