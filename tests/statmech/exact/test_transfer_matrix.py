"""Transfer matrix: equals enumeration on random couplings and fields, equals Kaufman, float32."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.exact import (
    MAX_WIDTH_DENSE,
    MAX_WIDTH_SPARSE,
    enumerate_moments,
    ising2d_log_z,
    log_z_enumerate,
    transfer_matrix_log_z,
)


def grid_energy(params, x, L, M, periodic_rows, periodic_cols):
    """Reference energy with the transfer matrix's conventions, by rolls and masks."""
    J_right, J_down, h = params
    s = x.reshape(L, M)
    if not periodic_cols:
        J_right = J_right.at[:, -1].set(0.0)
    if not periodic_rows:
        J_down = J_down.at[-1, :].set(0.0)
    return (-jnp.sum(J_right * s * jnp.roll(s, -1, 1)) - jnp.sum(J_down * s * jnp.roll(s, -1, 0))
            - jnp.sum(h * s))


def random_params(seed, L, M, scale=1.0):
    rng = np.random.default_rng(seed)
    return tuple(jnp.asarray(scale * rng.normal(size=(L, M))) for _ in range(3))


@pytest.mark.parametrize("L, M", [(3, 4), (4, 5), (4, 3), (2, 2), (2, 5)])
@pytest.mark.parametrize("periodic_rows", [True, False])
@pytest.mark.parametrize("periodic_cols", [True, False])
def test_equals_enumeration_random_couplings_and_fields(x64, L, M, periodic_rows, periodic_cols):
    params = random_params(L * 100 + M, L, M)
    for beta in [0.3, 1.1]:
        want = log_z_enumerate(
            lambda p, x: grid_energy(p, x, L, M, periodic_rows, periodic_cols), params, L * M, beta)
        got = transfer_matrix_log_z(*params, beta, periodic_rows=periodic_rows,
                                    periodic_cols=periodic_cols)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def test_equals_kaufman_8x8_periodic(x64):
    ones = jnp.ones((8, 8))
    for beta in [0.2, 0.4, 0.44068679350977151, 1.0]:
        np.testing.assert_allclose(transfer_matrix_log_z(ones, ones, 0.0, beta),
                                   ising2d_log_z(8, 8, beta), rtol=0, atol=1e-10)


def test_gradients_are_boltzmann_moments(x64):
    L, M = 3, 4
    params = random_params(7, L, M)
    beta = 0.8
    energy = lambda p, x: grid_energy(p, x, L, M, True, False)
    mom = enumerate_moments(energy, params, L * M, beta)
    gJr, gJd, gh = jax.grad(
        lambda p: transfer_matrix_log_z(*p, beta, periodic_rows=True, periodic_cols=False))(params)
    # d lnZ / d h_ij = beta <s_ij>
    np.testing.assert_allclose(gh.reshape(-1), beta * mom.spin, atol=1e-12)
    ss = np.asarray(mom.spin_spin)
    idx = np.arange(L * M).reshape(L, M)
    want_right = beta * ss[idx, np.roll(idx, -1, 1)]
    want_right[:, -1] = 0.0                 # open columns: the wrapping bond does not exist
    np.testing.assert_allclose(gJr, want_right, atol=1e-12)
    np.testing.assert_allclose(gJd, beta * ss[idx, np.roll(idx, -1, 0)], atol=1e-12)


def test_gradient_matches_central_finite_differences(x64):
    params = random_params(11, 4, 6, scale=0.7)
    f = jax.jit(lambda p, b: transfer_matrix_log_z(*p, b, periodic_rows=False,
                                                   periodic_cols=True))
    g, gb = jax.jit(jax.grad(f, argnums=(0, 1)))(params, 0.9)
    eps = 1e-6
    for which, (i, j) in [(0, (1, 2)), (1, (3, 5)), (2, (0, 0))]:
        d = jnp.zeros((4, 6)).at[i, j].set(eps)
        plus = tuple(p + d if k == which else p for k, p in enumerate(params))
        minus = tuple(p - d if k == which else p for k, p in enumerate(params))
        np.testing.assert_allclose(g[which][i, j], (f(plus, 0.9) - f(minus, 0.9)) / (2 * eps),
                                   rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gb, (f(params, 0.9 + eps) - f(params, 0.9 - eps)) / (2 * eps),
                               rtol=1e-7)
    # second derivative in beta is Var(E) >= 0
    assert jax.jit(jax.grad(jax.grad(f, argnums=1), argnums=1))(params, 0.9) > 0


def test_orientation_is_invisible():
    # The cheaper transfer direction is chosen internally; the transposed lattice agrees.
    params = random_params(5, 3, 9)
    a = transfer_matrix_log_z(*params, 0.7, periodic_rows=True, periodic_cols=False)
    b = transfer_matrix_log_z(params[1].T, params[0].T, params[2].T, 0.7,
                              periodic_rows=False, periodic_cols=True)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_feasible_orientation_is_found():
    # Width 21 across the open direction is over its limit; width 11 across the periodic one
    # is within its limit, so the lattice must be accepted and transferred that way.
    from statmech.exact.transfer_matrix import _choose_orientation

    assert _choose_orientation(21, 11, True, False) is True
    assert _choose_orientation(11, 21, False, True) is False
    assert _choose_orientation(3, 40, False, False) is False


def test_ignored_wrapping_bonds_do_not_matter():
    J_right, J_down, h = random_params(3, 4, 5)
    a = transfer_matrix_log_z(J_right, J_down, h, 0.5, periodic_rows=False, periodic_cols=False)
    b = transfer_matrix_log_z(J_right.at[:, -1].set(9.0), J_down.at[-1, :].set(-9.0), h, 0.5,
                              periodic_rows=False, periodic_cols=False)
    np.testing.assert_allclose(a, b, rtol=1e-7)


_open_log_z = jax.jit(lambda p, b: transfer_matrix_log_z(*p, b, periodic_rows=False,
                                                        periodic_cols=False))
_open_log_z_grad = jax.jit(jax.grad(_open_log_z))


@pytest.mark.parametrize("beta", [1e-3, 0.1, 0.44068679350977151, 1.0, 5.0, 20.0])
def test_float32_strong_couplings_finite_and_accurate(beta):
    # couplings up to 10 in magnitude: beta J = 200 would overflow exp() in float32
    params = random_params(2, 16, 20, scale=4.0)
    params = tuple(jnp.clip(p, -10, 10) for p in params)
    f = _open_log_z
    v32 = f(tuple(p.astype(jnp.float32) for p in params), beta)
    g32 = _open_log_z_grad(tuple(p.astype(jnp.float32) for p in params), beta)
    with jax.enable_x64(True):
        v64 = f(tuple(jnp.asarray(np.asarray(p), dtype=jnp.float64) for p in params), beta)
    assert v32.dtype == jnp.float32 and np.isfinite(v32)
    assert all(np.all(np.isfinite(x)) for x in g32)
    np.testing.assert_allclose(v32, v64, rtol=1e-4)


def test_jit_and_vmap_over_beta():
    ones = jnp.ones((4, 4))
    f = jax.jit(jax.vmap(lambda b: transfer_matrix_log_z(ones, ones, 0.0, b)))
    got = f(jnp.array([0.0, 0.4]))
    np.testing.assert_allclose(got, [16 * np.log(2), 14.561093023844043], rtol=1e-6)


def test_uniform_scalar_field(x64):
    J = jnp.full((3, 3), 0.5)
    np.testing.assert_allclose(transfer_matrix_log_z(J, J, 0.2, 1.0),
                               transfer_matrix_log_z(J, J, jnp.full((3, 3), 0.2), 1.0), atol=1e-13)


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((np.ones((3, 4)), np.ones((4, 3)), 0.0), {}, ValueError,
         r"J_down must have shape \(3, 4\)"),
        ((np.ones((3, 4)), np.ones((3, 4)), np.ones((3, 3))), {}, ValueError, r"h must have shape"),
        ((np.ones(4), np.ones(4), 0.0), {}, ValueError, r"J_right must be a 2-D array"),
        ((np.ones((1, 5)), np.ones((1, 5)), 0.0), {}, ValueError, r"at least 2 x 2.*L=1"),
        ((np.ones((13, 13)), np.ones((13, 13)), 0.0), {}, ValueError,
         r"too large.*L=13 \(limit 12\).*M=13 \(limit 12\)"),
        ((np.ones((21, 40)), np.ones((21, 40)), 0.0), dict(periodic_rows=False,
                                                           periodic_cols=False),
         ValueError, r"L=21 \(limit 20\)"),
        ((np.ones((3, 3)), np.ones((3, 3)), 0.0, -1.0), {}, ValueError, r"beta must be >= 0"),
        ((np.full((3, 3), np.nan), np.ones((3, 3)), 0.0), {}, ValueError,
         r"J_right must be finite"),
        ((np.ones((3, 3)), np.ones((3, 3)), np.inf), {}, ValueError, r"h must be finite"),
        ((np.ones((3, 3)), np.ones((3, 3)), 0.0), dict(periodic_rows=1), TypeError,
         r"periodic_rows must be a bool"),
    ],
)
def test_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        transfer_matrix_log_z(*args, **kwargs)


def test_limits_are_exported():
    assert MAX_WIDTH_DENSE == 12 and MAX_WIDTH_SPARSE == 20
