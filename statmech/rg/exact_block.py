"""The exact renormalized Hamiltonian of a small Ising torus under 2 x 2 majority-rule blocking.

For the L x L periodic nearest-neighbour model at coupling K, the block-spin weights

  W'(s') = sum_s T(s' | s) exp(K sum_<ij> s_i s_j),   T(s' | s) = prod_B t(s'_B | s_B),

t = 1 when s'_B is the sign of the block's sum, 1/2 for either sign on a tie (the coin of
:func:`statmech.rg.block_spin`), 0 otherwise, define -H'(s') = ln W'(s'). Because
sum_(s') T(s' | s) = 1, sum_(s') W'(s') = Z(K) exactly: the free energy is invariant. The sum
over s runs as a transfer matrix along the columns (2^L states), one block column (two lattice
columns, a given pattern of block spins) at a time; the traces of all products give W' for
every one of the 2^((L/2)^2) block configurations at once, in float64.

References:
  Th. Niemeijer and J. M. J. van Leeuwen, Physica 71, 17 (1974); R. H. Swendsen, Phys. Rev.
  Lett. 52, 1165 (1984).
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from statmech.rg.operators import check_couplings, coupling_sums
from statmech.validate import check_beta, check_static_int

__all__ = ["MAX_BLOCK_L", "block_log_weights", "block_configurations", "Projection",
           "project_couplings"]

MAX_BLOCK_L = 8
"""The largest L of :func:`block_log_weights`: 2^8 column states, 2^16 block configurations."""


def _spin_table(n: int) -> np.ndarray:
    """All 2^n configurations of n spins, [2^n, n]; bit j of the index set means s_j = -1."""
    idx = np.arange(2**n)[:, None]
    return (1 - 2 * ((idx >> np.arange(n)[None, :]) & 1)).astype(np.int8)


def block_configurations(L: int) -> np.ndarray:
    """The block configurations in the order of :func:`block_log_weights`, int8
    [2^((L/2)^2), L/2, L/2] (rows Y, columns X): the flat index is that of the patterns of the
    block columns X = 0, 1, ..., the first most significant, each pattern's bit Y meaning -1.

    Example:
      >>> block_configurations(4)[1].tolist()
      [[1, -1], [1, 1]]
    """
    L = _check_L(L)
    n = L // 2
    patterns = _spin_table(n)                                   # [P, Y]
    grid = np.stack(np.meshgrid(*[np.arange(2**n)] * n, indexing="ij"), -1).reshape(-1, n)
    return np.transpose(patterns[grid], (0, 2, 1))              # [configs, Y, X]


def _check_L(L: Any) -> int:
    L = check_static_int(L, "L", minimum=2, maximum=MAX_BLOCK_L,
                         why_max="2^L column states and 2^((L/2)^2) block configurations")
    if L % 2:
        raise ValueError(f"L must be even (2 x 2 blocks), got {L}")
    return L


def block_log_weights(L: int, K: Any) -> jax.Array:
    """ln W'(s') for every 2 x 2 majority-rule block configuration of the L x L torus.

    W'(s') = sum_s T(s' | s) exp(K sum_<ij> s_i s_j) (ties: weight 1/2 to either block spin),
    so logsumexp(ln W') = ln Z(K) (Kaufman) exactly. Computed in float64 whatever the default
    precision (the weights span e^(2 K N)).

    Args:
      L: the lattice side, even, 2 <= L <= :data:`MAX_BLOCK_L`.
      K: the coupling (beta J), a finite scalar >= 0.

    Returns:
      ln W', float64 [2^((L/2)^2)], in the order of :func:`block_configurations`.

    Example:
      >>> import jax
      >>> from statmech.exact import ising2d_log_z
      >>> with jax.enable_x64(True):
      ...     lw = block_log_weights(4, 0.4)
      ...     print(abs(float(jax.nn.logsumexp(lw) - ising2d_log_z(4, 4, 0.4))) < 1e-12)
      True

    References:
      Th. Niemeijer and J. M. J. van Leeuwen, Physica 71, 17 (1974).
    """
    L = _check_L(L)
    check_beta(K, "K")
    if jnp.ndim(K) != 0:
        raise ValueError(f"K must be a scalar, got shape {jnp.shape(K)}")
    with jax.enable_x64(True):
        return _log_weights(L, jnp.asarray(K, jnp.float64))


@partial(jax.jit, static_argnums=0)
def _log_weights(L: int, K: jax.Array) -> jax.Array:
    cols = jnp.asarray(_spin_table(L), jnp.float64)                       # [S, L]
    intra = K * jnp.sum(cols * jnp.roll(cols, -1, axis=1), axis=1)         # [S]
    inter = K * cols @ cols.T                                              # [S, S]
    pairs = cols.reshape(-1, L // 2, 2).sum(-1)                            # [S, Y]
    block_sum = pairs[:, None, :] + pairs[None, :, :]                      # [S, S, Y]
    patterns = jnp.asarray(_spin_table(L // 2), jnp.float64)              # [P, Y]
    agree = block_sum[None] * patterns[:, None, None, :]                   # [P, S, S, Y]
    log_t = jnp.sum(jnp.where(agree > 0, 0.0, jnp.where(block_sum[None] == 0,
                                                          -jnp.log(2.0), -jnp.inf)), -1)
    log_q = intra[None, :, None] + inter[None] + intra[None, None, :] + log_t
    q_shift, i_shift = jnp.max(log_q), jnp.max(inter)    # entries >= e^(-6 K L): no underflow
    m = jnp.exp(log_q - q_shift) @ jnp.exp(inter - i_shift)                # [P, S, S]
    m_max = jnp.max(m)
    m, shift = m / m_max, q_shift + i_shift + jnp.log(m_max)
    n_cols = L // 2
    left = _products(m, (n_cols + 1) // 2)
    right = _products(m, n_cols // 2) if n_cols > 1 else None
    if right is None:
        trace = jnp.trace(left, axis1=1, axis2=2)
    else:
        trace = jnp.einsum("aik,bki->ab", left, right).reshape(-1)
    return jnp.log(trace) + n_cols * shift


def _products(m: jax.Array, k: int) -> jax.Array:
    """All ordered products M_(p1) ... M_(pk), [P^k, S, S] (first factor most significant)."""
    out = m
    for _ in range(k - 1):
        out = jnp.einsum("aij,bjk->abik", out, m).reshape((-1,) + m.shape[1:])
    return out


class Projection(NamedTuple):
    """A distribution over block configurations projected on a truncated coupling space.

    Attributes:
      K: the couplings, [n_couplings]: the maximum-likelihood fit, <S_a>_K = <S_a>_P'.
      constant: G = <ln W' - K.S>_P', the accumulated constant (per lattice, not per site).
      log_z: ln Z'(K) = ln sum_(s') exp(K.S(s')), the truncated block model's ln Z.
      kl: KL(P' || P_K) = G + ln Z'(K) - ln Z >= 0: the free energy the truncation misses.
    """

    K: np.ndarray
    constant: float
    log_z: float
    kl: float


def project_couplings(log_w: Any, configs: Any, couplings: Any, *, n_iter: int = 50,
                      sums: Any = None) -> Projection:
    """Project exact block weights on -H' = G + sum_a K_a S_a by maximum likelihood.

    With P'(s') = W'(s') / Z, K maximises <K.S>_P' - ln Z'(K) (Newton, exact sums over the
    configurations), G = <ln W' - K.S>_P'; then ln Z = G + ln Z'(K) - KL(P' || P_K) exactly,
    so the free-energy error of the truncated Hamiltonian is the KL divergence, >= 0, falling
    as couplings are added (nested maximum-likelihood fits) and 0 when ln W' is in their span.

    Args:
      log_w: ln W'(s') of every configuration, [n] (from :func:`block_log_weights`).
      configs: the configurations, +-1 [n, L', L'] (from :func:`block_configurations`).
      couplings: operator names of :data:`statmech.rg.COUPLINGS`.
      n_iter: Newton iterations (default 50).
      sums: the operator sums S_a of every configuration, [n, n_couplings], if already at
        hand (default: computed from ``configs``).

    Returns:
      :class:`Projection` (float64 NumPy numbers).

    Example:
      >>> import jax, numpy as np
      >>> c = block_configurations(4)
      >>> lw = np.asarray(jax.vmap(lambda s: coupling_sums(s, ("nn",)))(c))[:, 0] * 0.3 + 2.0
      >>> p = project_couplings(lw, c, ("nn",))
      >>> round(float(p.K[0]), 6), round(p.constant, 6), abs(p.kl) < 1e-9
      (0.3, 2.0, True)
    """
    names = check_couplings(couplings)
    log_w = np.asarray(log_w, np.float64)
    configs = np.asarray(configs)
    if log_w.ndim != 1 or configs.ndim != 3 or len(configs) != len(log_w):
        raise ValueError(f"log_w [n] and configs [n, L, L] must match, got shapes "
                         f"{log_w.shape} and {configs.shape}")
    if not np.all(np.isfinite(log_w)):
        raise ValueError("log_w must be finite")
    if sums is None:
        sums = jax.vmap(lambda c: coupling_sums(c, names))(jnp.asarray(configs))
    S = np.asarray(sums, np.float64)                                       # [n, a]
    if S.shape != (len(log_w), len(names)):
        raise ValueError(f"sums must have shape {(len(log_w), len(names))}, got {S.shape}")
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    target = p @ S
    def objective(K):
        logits = S @ K
        return target @ K - np.logaddexp.reduce(logits), logits

    K = np.zeros(len(names))
    value, logits = objective(K)
    for _ in range(check_static_int(n_iter, "n_iter", minimum=1)):
        q = np.exp(logits - logits.max())
        q /= q.sum()
        mean = q @ S
        cov = (S - mean).T @ ((S - mean) * q[:, None])
        step = np.linalg.lstsq(cov + 1e-12 * np.eye(len(names)), target - mean, rcond=None)[0]
        for _ in range(60):                     # damped Newton: the objective is concave
            new_value, new_logits = objective(K + step)
            if new_value >= value - 1e-12 * abs(value):
                break
            step = step / 2
        K, value, logits = K + step, new_value, new_logits
    logits = S @ K
    log_z_trunc = float(np.logaddexp.reduce(logits))
    constant = float(p @ (log_w - logits))
    log_z = float(np.logaddexp.reduce(log_w))
    return Projection(K, constant, log_z_trunc, constant + log_z_trunc - log_z)
