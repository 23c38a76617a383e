"""Sampling the fully-visible Boltzmann machine: Gibbs chains and exact draws.

Re-exported by :mod:`models.boltzmann` (``models.boltzmann.sample_exact`` is the public name).
Two samplers of p(x) = exp(-E(x)) / Z, x in {0, 1}^n:

- sequential heat-bath (Gibbs) sweeps, x_i <- [u < sigmoid(phi_i)] with
  phi_i = sum_{j != i} W_ij x_j + b_i, which advance the persistent chains of
  :func:`models.boltzmann_train.pcd_grad_fn` (started by :func:`init_chains`);
- independent exact samples by inverse CDF over all 2**n enumerated states
  (:func:`sample_exact`, n <= ``MAX_EXACT_FIT_UNITS``).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from models.boltzmann import BoltzmannParams, _cast, _check_params, _check_units
from statmech._validate import check_static_int, float_dtype
from statmech.exact.enumerate import _states

__all__ = [
    "MAX_EXACT_FIT_UNITS",
    "init_chains",
    "sample_exact",
]

MAX_EXACT_FIT_UNITS = 20
"""Largest n for exact training and :func:`sample_exact` (2**20 states per step)."""

# --------------------------------------------------------------------------------------------
# checks and pure (jit-friendly) pieces, shared with models/boltzmann_train.py
# --------------------------------------------------------------------------------------------

def _check_exact_n(n: int, what: str) -> None:
    check_static_int(n, "n", maximum=MAX_EXACT_FIT_UNITS,
                     why_max=f"{what} enumerates all 2**n states; use method='pl' or 'pcd' "
                             f"for larger models")


def _offdiag(W: jax.Array) -> jax.Array:
    return W * (1 - jnp.eye(W.shape[0], dtype=W.dtype))


def _flat(data: jax.Array, n: int) -> jax.Array:
    return jnp.reshape(jnp.asarray(data), (-1, n)).astype(float_dtype())


# --------------------------------------------------------------------------------------------
# Gibbs chains (persistent contrastive divergence)
# --------------------------------------------------------------------------------------------

def _gibbs(key: jax.Array, params: BoltzmannParams, chains: jax.Array, k: int) -> jax.Array:
    """k sequential heat-bath sweeps of every chain (rows of ``chains``, int8 {0, 1}).

    Unit i of all chains at once: x_ci <- [u_ci < sigmoid(phi_ci)], phi_c = W_sym x_c + b, one
    uniform per unit update; a scan over the k * n unit updates (systematic order)."""
    p = _cast(params)
    n = p.b.shape[0]
    W = _offdiag(0.5 * (p.W + p.W.T))
    u = jax.random.uniform(key, (k * n, chains.shape[0]), dtype=W.dtype)
    units = jnp.tile(jnp.arange(n), k)

    def update(x, step):
        i, u_i = step
        field = x @ W[:, i] + p.b[i]
        return x.at[:, i].set((u_i < jax.nn.sigmoid(field)).astype(x.dtype)), None

    x, _ = lax.scan(update, chains.astype(W.dtype), (units, u))
    return x.astype(jnp.int8)


def init_chains(key: jax.Array, n: int, n_chains: int, data: Any = None) -> jax.Array:
    """Initial persistent chains for PCD: independent Bernoulli units.

    x_ci ~ Bernoulli(q_i), q_i = mean of data column i clipped to [0.01, 0.99] (a factorial
    model of the data's marginals), or q_i = 1/2 without data: the starting ``chains`` for
    :func:`~models.boltzmann_train.pcd_grad_fn`.

    Args:
      key: a ``jax.random.key``.
      n: number of units, an int >= 1.
      n_chains: number of persistent chains, an int >= 1.
      data: optional ``[B, n]`` of 0/1 to match the marginals of.

    Returns:
      ``[n_chains, n]`` int8 array of 0/1.

    Example:
      >>> import jax
      >>> init_chains(jax.random.key(0), 4, 3).shape
      (3, 4)

    References:
      T. Tieleman, ICML (2008).
    """
    n = check_static_int(n, "n", minimum=1)
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    if data is None:
        q = jnp.full((n,), 0.5, dtype=float_dtype())
    else:
        _check_units(data, n, "data")
        q = jnp.clip(jnp.mean(_flat(data, n), axis=0), 0.01, 0.99)
    return jax.random.bernoulli(key, q, (n_chains, n)).astype(jnp.int8)


# --------------------------------------------------------------------------------------------
# exact sampling
# --------------------------------------------------------------------------------------------

def _log_weights(params: BoltzmannParams) -> tuple[jax.Array, int]:
    """-E of all 2**n states as a [2**m, 2**k] table (row: high m units, column: low k units)."""
    p = _cast(params)
    n = p.b.shape[0]
    k, m = (n + 1) // 2, n // 2
    W = _offdiag(0.5 * (p.W + p.W.T))
    x_lo = _states(jnp.uint32(0), 1 << k, k, (0.0, 1.0)).astype(W.dtype)
    x_hi = _states(jnp.uint32(0), 1 << m, m, (0.0, 1.0)).astype(W.dtype)
    e_lo = 0.5 * jnp.einsum("si,ij,sj->s", x_lo, W[:k, :k], x_lo) + x_lo @ p.b[:k]
    e_hi = 0.5 * jnp.einsum("si,ij,sj->s", x_hi, W[k:, k:], x_hi) + x_hi @ p.b[k:]
    return e_hi[:, None] + e_lo[None, :] + x_hi @ W[k:, :k] @ x_lo.T, k


def _inverse_cdf(cdf_at, u: jax.Array, bits: int) -> jax.Array:
    """Smallest index j with cdf(j) > u, by binary search over ``bits`` bits (cdf increasing)."""
    j = jnp.zeros(u.shape, jnp.int32)
    for bit in reversed(range(bits)):
        candidate = j + (1 << bit)
        j = jnp.where(cdf_at(candidate - 1) <= u, candidate, j)
    return j


@functools.partial(jax.jit, static_argnums=(2,))
def _sample_exact(key: jax.Array, params: BoltzmannParams, n_samples: int) -> jax.Array:
    """Two-level inverse-CDF draw: the high block from its marginal, then the low block given
    it (each CDF has at most 2**10 entries, so float32 cumulative sums stay accurate)."""
    logw, k = _log_weights(params)
    n = params.b.shape[0]
    m = n - k
    row_lse = jax.nn.logsumexp(logw, axis=1)
    cdf_hi = jnp.cumsum(jnp.exp(row_lse - jax.nn.logsumexp(row_lse)))
    cdf_lo = jnp.cumsum(jnp.exp(logw - row_lse[:, None]), axis=1)
    u_hi, u_lo = jax.random.uniform(key, (2, n_samples), dtype=logw.dtype)
    hi = jnp.minimum(_inverse_cdf(lambda j: cdf_hi[j], u_hi * cdf_hi[-1], m), (1 << m) - 1)
    lo = jnp.minimum(_inverse_cdf(lambda j: cdf_lo[hi, j], u_lo * cdf_lo[hi, -1], k),
                     (1 << k) - 1)
    bits_lo = (lo[:, None] >> jnp.arange(k)) & 1
    bits_hi = (hi[:, None] >> jnp.arange(m)) & 1
    return jnp.concatenate([bits_lo, bits_hi], axis=1).astype(jnp.int8)


def sample_exact(key: jax.Array, params: BoltzmannParams, n_samples: int) -> jax.Array:
    """Independent exact samples from p(x) = exp(-E(x)) / Z by enumerating all 2**n states.

    x ~ p: the high half of the units is drawn from its marginal, the low half from its
    conditional, each by inverse CDF over the enumerated weights (memory O(2**n)).

    Args:
      key: a ``jax.random.key``.
      params: ``BoltzmannParams(W [n, n], b [n])`` with n <= 20.
      n_samples: number of samples, an int >= 1.

    Returns:
      ``[n_samples, n]`` int8 array of 0/1.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.array([9.0, -9.0, 0.0]))
      >>> x = sample_exact(jax.random.key(0), p, 1000)
      >>> x.shape, x[:, 0].mean().item(), x[:, 1].mean().item()
      ((1000, 3), 1.0, 0.0)
      >>> bool(abs(x[:, 2].mean() - 0.5) < 0.05)
      True

    References:
      L. Devroye, Non-Uniform Random Variate Generation, ch. 3 (1986) (inversion).
    """
    n = _check_params(params)
    _check_exact_n(n, "sample_exact")
    n_samples = check_static_int(n_samples, "n_samples", minimum=1)
    return _sample_exact(key, params, n_samples)
