"""Sampling the fully-visible Boltzmann machine: Gibbs chains and exact draws.

Two samplers of p(x) = exp(-beta E(x)) / Z, x in {0, 1}^n:

- sequential heat-bath (Gibbs) sweeps, x_i <- [u < sigmoid(beta phi_i)] with
  phi_i = sum_{j != i} W_ij x_j + b_i: the engine's dense kernel
  ``statmech.mcmc.heat_bath("dense", spins=(0, 1))`` on the symmetrised couplings
  (:func:`sampler`), which also advances the persistent chains of PCD training;
- independent exact samples by inverse CDF over all 2**n enumerated states
  (:func:`sample_exact`, n <= ``MAX_EXACT_FIT_UNITS``).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from models.boltzmann._model import BoltzmannParams, _check_params
from statmech.exact import all_states
from statmech.mcmc import DenseParams, SamplingAlgorithm, SpinState, heat_bath
from statmech.validate import as_float, check_static_int, float_dtype

__all__ = [
    "MAX_EXACT_FIT_UNITS",
    "sampler",
    "sample_exact",
]

MAX_EXACT_FIT_UNITS = 20
"""Largest n for exact training and :func:`sample_exact` (2**20 states per step)."""

# --------------------------------------------------------------------------------------------
# checks and pure (jit-friendly) pieces, shared with ``_train``
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
# Gibbs chains: the engine's dense heat bath
# --------------------------------------------------------------------------------------------

_HEAT_BATH = heat_bath("dense", spins=(0, 1))


def _dense_params(params: BoltzmannParams) -> DenseParams:
    """The couplings the kernel samples: (W + W.T) / 2 with a zero diagonal, and b."""
    p = as_float(params)
    return DenseParams(_offdiag(0.5 * (p.W + p.W.T)), p.b)


def _step(key: jax.Array, state: SpinState, params: BoltzmannParams, beta: jax.Array):
    return _HEAT_BATH.step(key, state, _dense_params(params), beta)


def sampler() -> SamplingAlgorithm:
    """Sequential heat-bath (Gibbs) sweeps of a Boltzmann machine at inverse temperature beta.

    x_i <- [u_i < sigmoid(beta phi_i)], phi_i = sum_{j != i} W_ij x_j + b_i, units in order: the
    engine's ``heat_bath("dense", spins=(0, 1))`` on ``BoltzmannParams``, so
    :func:`statmech.log_z` and :func:`statmech.mcmc.parallel_tempering` run on the model with
    :func:`energy` as the energy.

    Returns:
      ``SamplingAlgorithm(init, step)``: ``init(x)`` takes 0/1 units ``[n]``,
      ``step(key, state, params, beta) -> (SpinState, LocalInfo)``.

    Example:
      >>> import jax, jax.numpy as jnp, statmech
      >>> from models.boltzmann import energy, init_params, log_z_exact
      >>> p = init_params(jax.random.key(0), 8, scale=0.5)
      >>> est = statmech.log_z(energy, p, 1.0, method="ais", key=jax.random.key(1),
      ...                      algo=sampler(), shape=(8,), spins=(0, 1), n_chains=128)
      >>> bool(abs(est.log_z - log_z_exact(p)) < 4 * est.stderr + 0.02)
      True

    References:
      S. Geman and D. Geman, IEEE TPAMI 6, 721 (1984); D. H. Ackley, G. E. Hinton and
      T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    return SamplingAlgorithm(_HEAT_BATH.init, _step)


def _gibbs(key: jax.Array, params: BoltzmannParams, chains: jax.Array, k: int) -> jax.Array:
    """k heat-bath sweeps of every chain (rows of ``chains``, int8 {0, 1}) at beta = 1."""
    dense = _dense_params(params)
    one = jnp.ones((), dense.W.dtype)
    n_chains = chains.shape[0]

    def sweep(state, k_sweep):
        keys = jax.random.split(k_sweep, n_chains)
        step = jax.vmap(lambda kc, s: _HEAT_BATH.step(kc, s, dense, one)[0])
        return step(keys, state), None

    state, _ = lax.scan(sweep, SpinState(chains.astype(jnp.int8)), jax.random.split(key, k))
    return state.spins


# --------------------------------------------------------------------------------------------
# exact sampling
# --------------------------------------------------------------------------------------------

def _log_weights(params: BoltzmannParams) -> tuple[jax.Array, int]:
    """-E of all 2**n states as a [2**m, 2**k] table (row: high m units, column: low k units)."""
    p = as_float(params)
    n = p.b.shape[0]
    k, m = (n + 1) // 2, n // 2
    W = _offdiag(0.5 * (p.W + p.W.T))
    x_lo = all_states(k, spins=(0, 1)).astype(W.dtype)
    x_hi = all_states(m, spins=(0, 1)).astype(W.dtype) if m else jnp.zeros((1, 0), W.dtype)
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
