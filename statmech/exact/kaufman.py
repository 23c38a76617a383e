"""Kaufman's exact partition function of the periodic L x M square-lattice Ising model."""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from statmech.exact._special import log_2cosh, log_sinh
from statmech.validate import check_beta, check_finite, check_shape, check_static_int, is_concrete

__all__ = ["ising2d_log_z"]

# Below this |K| the high-temperature series is exact to float64 rounding and Kaufman's
# formula, a difference of large logarithms, is not; above it Kaufman is accurate.
_K_SERIES = 1e-5


def _ratio(num: jax.Array, den: jax.Array, small: jax.Array, series: jax.Array) -> jax.Array:
    """num / den, or ``series`` where ``small`` (double-where: no 0/0 in value or gradient)."""
    return jnp.where(small, series, num / jnp.where(small, 1.0, den))


def _log1p_product_tanh(x: jax.Array) -> jax.Array:
    """ln(1 + prod_r tanh x_r), accurate (value and derivatives) also when prod is near -1.

    Near -1 every |tanh x_r| = 1 - e_r with e_r small, and 1 + prod = 1 - prod(1 - e_r) =
    -expm1(S), S = sum ln(1 - e_r). That can be ~1e-30, so it is kept entirely in logs:
    ln(-S) = logsumexp_r[ln e_r + ln(-ln(1 - e_r)/e_r)], ln(-expm1 S) = ln(-S) + ln(expm1(S)/S).
    """
    p = jnp.prod(jnp.tanh(x))
    near = p <= -0.5                          # then every |tanh x_r| >= 1/2, i.e. e_r <= 1/2
    direct = jnp.log1p(jnp.where(near, 0.0, p))
    ax = jnp.abs(jnp.where(near, x, 1.0))
    log_e = jnp.log(2.0) - 2.0 * ax - jnp.log1p(jnp.exp(-2.0 * ax))
    e = jnp.exp(log_e)
    tiny_e = e < 1e-4
    h = _ratio(-jnp.log1p(-e), e, tiny_e, 1.0 + 0.5 * e)          # -ln(1-e)/e
    log_minus_s = jax.nn.logsumexp(log_e + jnp.log(h))
    s = -jnp.exp(log_minus_s)
    g = _ratio(jnp.expm1(s), s, s > -1e-4, 1.0 + 0.5 * s)          # expm1(S)/S
    return jnp.where(near, log_minus_s + jnp.log(g), direct)


def _gammas(two_k: jax.Array, L: int) -> jax.Array:
    """gamma_l, l = 0..2L-1: cosh gamma_l = cosh 2K coth 2K - cos(l pi / L), gamma_0 signed."""
    ls = log_sinh(two_k)                      # cosh 2K coth 2K = 2 cosh(ln sinh 2K)
    theta = np.arange(1, 2 * L) * np.pi / L
    sin2_half = jnp.asarray(np.sin(theta / 2) ** 2, dtype=two_k.dtype)
    cos_theta = jnp.asarray(np.cos(theta), dtype=two_k.dtype)
    moderate = jnp.abs(ls) <= 20.0
    # A - 1 = 4 sinh^2(ls/2) + 2 sin^2(theta/2) >= 1 for l >= 1; arccosh(1 + d) without cancellation
    ls_m = jnp.where(moderate, ls, 0.0)
    d = 4.0 * jnp.sinh(ls_m / 2.0) ** 2 + 2.0 * sin2_half
    g_moderate = jnp.log1p(d + jnp.sqrt(d * (d + 2.0)))
    # |ln sinh 2K| > 20: ln A = |ls| + ln(1 + e^{-2|ls|} - cos theta e^{-|ls|}), arccosh from ln A
    als = jnp.abs(jnp.where(moderate, 30.0, ls))
    log_a = als + jnp.log1p(jnp.exp(-2.0 * als) - cos_theta * jnp.exp(-als))
    g_extreme = log_a + jnp.log1p(jnp.sqrt(-jnp.expm1(-2.0 * log_a)))
    gamma_rest = jnp.where(moderate, g_moderate, g_extreme)
    k = two_k / 2.0
    gamma_0 = two_k + jnp.log(jnp.tanh(k))
    return jnp.concatenate([gamma_0[None], gamma_rest])


def _kaufman(K: jax.Array, L: int, M: int) -> jax.Array:
    """ln Z from Kaufman's formula for K > 0 (well away from 0)."""
    two_k = 2.0 * K
    x = (0.5 * M * _gammas(two_k, L)).reshape(L, 2).T        # rows: gamma_{2r}, gamma_{2r+1}
    log_terms = jnp.sum(log_2cosh(x), axis=1) + jax.vmap(_log1p_product_tanh)(x)
    n = L * M
    return (0.5 * n * (math.log(2.0) + log_sinh(two_k)) - math.log(2.0)
            + jax.nn.logsumexp(log_terms))


def _high_temperature(K: jax.Array, L: int, M: int) -> jax.Array:
    """ln Z = N ln 2 + 2N ln cosh K + ln(1 + n2 tanh^2 K), exact to O(K^3) (|K| < 1e-5).

    n2 counts the loops of length 2: a periodic axis of size 2 doubles its bonds (N/2 pairs).
    """
    n = L * M
    n2 = (n // 2) * ((L == 2) + (M == 2))
    t = jnp.tanh(K)
    return n * math.log(2.0) + 2 * n * (log_2cosh(K) - math.log(2.0)) + jnp.log1p(n2 * t * t)


def ising2d_log_z(L: int, M: int | None, beta: Any, J: Any = 1.0) -> jax.Array:
    """Exact ln Z of the Ising model on the periodic L x M square lattice (h = 0), Kaufman 1949.

    Z = 1/2 (2 sinh 2K)^{LM/2} [prod_r 2cosh(M g_{2r+1}/2) + prod_r 2sinh(M g_{2r+1}/2)
    + prod_r 2cosh(M g_{2r}/2) + prod_r 2sinh(M g_{2r}/2)], r = 0..L-1, K = beta J,
    cosh g_l = cosh 2K coth 2K - cos(l pi/L), g_0 = 2K + ln tanh K (signed). Evaluated in logs,
    with each sinh product written as the cosh product times prod tanh, so it is smooth through
    K_c (where g_0 changes sign), never overflows in float32 up to K ~ 1e3, and switches to the
    high-temperature series for ``|K| < 1e-5``. Energy E = -J sum_<ij> s_i s_j over the 2LM bonds
    (a periodic axis of size 2 has doubled bonds, as ``jnp.roll`` counts them).

    Args:
      L: rows, an int >= 2 (static).
      M: columns, an int >= 2 (static); ``None`` means M = L.
      beta: inverse temperature (scalar, finite, >= 0; traced, so sweeping it never recompiles).
      J: coupling (scalar). J < 0 is allowed when L and M are both even (Z is then even in J).

    Returns:
      ln Z as a scalar array; differentiable to any order in beta and J.

    Example:
      >>> round(float(ising2d_log_z(4, 4, 0.4)), 6)
      14.561093

    References:
      B. Kaufman, Phys. Rev. 76, 1232 (1949); formula as in A. E. Ferdinand and M. E. Fisher,
      Phys. Rev. 185, 832 (1969).
    """
    L = check_static_int(L, "L", minimum=2)
    M = L if M is None else check_static_int(M, "M", minimum=2)
    check_beta(beta)
    check_finite(J, "J")
    check_shape(beta, (), "beta")
    check_shape(J, (), "J")
    bipartite = L % 2 == 0 and M % 2 == 0
    if not bipartite and is_concrete(J) and float(np.asarray(J)) < 0:
        raise ValueError(f"J must be >= 0 when L or M is odd (frustrated antiferromagnet, no "
                         f"closed form); got J={float(np.asarray(J))} with L={L}, M={M}")
    return _ising2d_log_z(L, M, jnp.asarray(beta, dtype=float), jnp.asarray(J, dtype=float))


@functools.partial(jax.jit, static_argnums=(0, 1))
def _ising2d_log_z(L: int, M: int, beta: jax.Array, J: jax.Array) -> jax.Array:
    K = beta * J
    if L % 2 == 0 and M % 2 == 0:
        K_pos = jnp.abs(K)
    else:
        K_pos = jnp.where(K < 0, jnp.nan, K)   # unreachable for concrete J (checked above)
    series = jnp.abs(K) < _K_SERIES
    kaufman = _kaufman(jnp.where(series, 1.0, K_pos), L, M)
    return jnp.where(series, _high_temperature(jnp.where(series, K, 0.0), L, M), kaufman)
