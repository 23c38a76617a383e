"""Hopfield networks: +-1 neurons with symmetric couplings, zero-temperature recall and the
finite-beta Boltzmann distribution.

E(s) = -1/2 s.W.s - h.s with W symmetric. Couplings come from the Hebbian rule or the projection
(pseudo-inverse) rule; recall is synchronous or random-order asynchronous sign dynamics, and
p(s) = exp(-beta E(s)) / Z is exact by enumeration for small N. The diagonal of ``W`` is ignored
everywhere (for +-1 spins it only adds the constant -1/2 tr W to E). Neurons are stored as
``int8`` and the arithmetic is done in the default float dtype; ``W``, ``h`` and ``beta`` are
traced, so changing them never recompiles. Dense associative memories and the modern continuous
Hopfield network live in :mod:`models.hopfield_dense`, the storage-capacity measurement in
:mod:`models.hopfield_capacity`; both are re-exported here.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from models._hopfield_util import (
    _async_descent,
    _check_patterns,
    _check_state,
    _float,
    _random_signs,
    _sign_keep,
)
from models.hopfield_capacity import AGS_ALPHA_C, AGS_OVERLAP_C, CapacityResult, capacity
from models.hopfield_dense import (
    dense_capacity_estimate,
    dense_energy,
    dense_recall_async,
    modern_energy,
    modern_update,
)
from statmech._validate import (
    check_beta,
    check_finite,
    check_shape,
    check_static_int,
    float_dtype,
    is_concrete,
)
from statmech.exact import log_z_dense
from statmech.mcmc import key_words

__all__ = [
    "MAX_EXACT_NEURONS",
    "random_patterns",
    "hebbian",
    "pseudo_inverse",
    "energy",
    "overlap",
    "recall_sync",
    "recall_async",
    "log_z_exact",
    "log_prob",
    "dense_energy",
    "dense_recall_async",
    "dense_capacity_estimate",
    "modern_update",
    "modern_energy",
    "AGS_ALPHA_C",
    "AGS_OVERLAP_C",
    "CapacityResult",
    "capacity",
]

MAX_EXACT_NEURONS = 30
"""Largest N for :func:`log_z_exact` and :func:`log_prob`, which enumerate all 2**N states."""


# -- validation (outside jit) -------------------------------------------------------------------

def _check_couplings(W: Any) -> int:
    """Square [N, N] with N >= 2, finite and symmetric when concrete; returns N."""
    check_finite(W, "W")
    shape = tuple(jnp.shape(W))
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"W must be a square matrix [N, N], got shape {shape}")
    if shape[0] < 2:
        raise ValueError(f"W must couple N >= 2 neurons, got shape {shape}")
    if is_concrete(W):
        w = np.asarray(W, dtype=np.float64)
        scale = max(float(np.max(np.abs(w))), 1.0)
        if not np.allclose(w, w.T, rtol=0.0, atol=1e-6 * scale):
            raise ValueError("W must be symmetric, got max |W - W.T| = "
                             f"{float(np.max(np.abs(w - w.T))):.3g}")
    return shape[0]


def _check_h(h: Any, n: int) -> None:
    check_finite(h, "h")
    if jnp.ndim(h) != 0:
        check_shape(h, (n,), "h")


def _check_exact_size(n: int) -> None:
    if n > MAX_EXACT_NEURONS:
        raise ValueError(f"W has N={n} neurons, but exact enumeration visits all 2**N states; "
                         f"the limit is N <= {MAX_EXACT_NEURONS}: sample with statmech.mcmc "
                         "(DenseParams) beyond it")


def _check_scalar_beta(beta: Any) -> None:
    check_beta(beta)
    check_shape(beta, (), "beta")


# -- pure implementations (jit-safe) ------------------------------------------------------------

def _mask_diagonal(W: jax.Array) -> jax.Array:
    W = _float(W)
    return W * (1 - jnp.eye(W.shape[0], dtype=W.dtype))


def _field(h: Any, n: int) -> jax.Array:
    return jnp.broadcast_to(_float(h), (n,))


def _energy(W: jax.Array, s: jax.Array, h: jax.Array) -> jax.Array:
    W = _mask_diagonal(W)
    s = _float(s)
    return -0.5 * jnp.einsum("...i,ij,...j->...", s, W, s) - s @ _field(h, W.shape[0])


@functools.partial(jax.jit, static_argnums=(1, 2))
def _random_patterns(words, p, n):
    return _random_signs(words, (p, n)).astype(jnp.int8)


@jax.jit
def _hebbian(patterns):
    xi = _float(patterns)
    return _mask_diagonal(xi.T @ xi / xi.shape[1])


@jax.jit
def _overlap(patterns, s):
    return _float(s) @ _float(patterns).T / patterns.shape[1]


_energy_jit = jax.jit(_energy)


@jax.jit
def _recall_sync(W, s, h, n_steps):
    W = _mask_diagonal(W)
    h = _field(h, W.shape[0])

    def step(_, s):
        return _sign_keep(s @ W + h, s)

    return lax.fori_loop(0, n_steps, step, _float(s)).astype(jnp.int8)


@jax.jit
def _recall_async(words, W, s, h, n_sweeps):
    W = _mask_diagonal(W)
    h = _field(h, W.shape[0])

    def update(c, i):
        (s,) = c
        return (s.at[i].set(_sign_keep(W[i] @ s + h[i], s[i])),)

    (s,), _ = _async_descent(words, (_float(s),), n_sweeps, update)
    return s.astype(jnp.int8)


@jax.jit
def _log_z(W, h, beta):
    return log_z_dense(_mask_diagonal(W), _field(h, W.shape[0]), beta)


@jax.jit
def _log_prob(W, s, h, beta):
    return -beta * _energy(W, s, h) - _log_z(W, h, beta)


# -- public API ---------------------------------------------------------------------------------

def random_patterns(key: jax.Array, n_patterns: int, n_neurons: int) -> jax.Array:
    """Independent unbiased random +-1 patterns, the standard memory load of capacity studies.

    xi_i^mu = +-1 with probability 1/2 each, independently for every mu and i (the top bit of
    a keyed counter hash, two key words drawn from ``key``).

    Args:
      key: a ``jax.random.key``.
      n_patterns: P, an int >= 1.
      n_neurons: N, an int >= 2.

    Returns:
      ``int8`` array ``[P, N]``, one pattern per row.

    Example:
      >>> import jax
      >>> xi = random_patterns(jax.random.key(0), 3, 8)
      >>> xi.shape, xi.dtype, sorted(set(xi.ravel().tolist()))
      ((3, 8), dtype('int8'), [-1, 1])

    References:
      D. J. Amit, H. Gutfreund and H. Sompolinsky, Phys. Rev. Lett. 55, 1530 (1985).
    """
    p = check_static_int(n_patterns, "n_patterns", minimum=1)
    n = check_static_int(n_neurons, "n_neurons", minimum=2)
    return _random_patterns(key_words(key, 2), p, n)


def hebbian(patterns: Any) -> jax.Array:
    """Hebbian couplings of a Hopfield network storing the given patterns.

    W_ij = (1/N) sum_mu xi_i^mu xi_j^mu for i != j, W_ii = 0.

    Args:
      patterns: ``[P, N]`` of +-1 (any real dtype), one pattern per row; P >= 1, N >= 2.

    Returns:
      Symmetric couplings ``[N, N]`` with zero diagonal, in the default float dtype.

    Example:
      >>> import jax.numpy as jnp
      >>> xi = jnp.array([[1, -1, 1, 1]])
      >>> (4 * hebbian(xi)).astype(int).tolist()
      [[0, -1, 1, 1], [-1, 0, -1, -1], [1, -1, 0, 1], [1, -1, 1, 0]]

    References:
      J. J. Hopfield, Proc. Natl. Acad. Sci. USA 79, 2554 (1982); D. O. Hebb, The Organization
      of Behavior (1949).
    """
    _check_patterns(patterns)
    return _hebbian(patterns)


def pseudo_inverse(patterns: Any) -> jax.Array:
    """Projection-rule couplings: every stored pattern becomes an exact fixed point.

    W = (1/N) Xi^T Q^{-1} Xi with Q = Xi Xi^T / N the pattern overlap matrix (Xi is
    ``patterns``, [P, N]), then the diagonal set to zero. W is the orthogonal projector onto
    the span of the patterns, so W xi^mu = xi^mu; removing its diagonal (W_ii < 1) keeps
    sign(W xi^mu) = xi^mu and enlarges the basins of attraction (Kanter and Sompolinsky). For
    orthogonal patterns it is the Hebbian rule. Any P < N linearly independent patterns are
    stored (far beyond 0.138 N).

    Args:
      patterns: ``[P, N]`` of +-1, linearly independent (checked when concrete), P < N.

    Returns:
      Symmetric couplings ``[N, N]`` with zero diagonal, in the default float dtype.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> xi = random_patterns(jax.random.key(1), 20, 40)          # P/N = 0.5
      >>> W = pseudo_inverse(xi)
      >>> bool((recall_sync(W, xi, 1) == xi).all())
      True

    References:
      L. Personnaz, I. Guyon and G. Dreyfus, J. Physique Lett. 46, L359 (1985);
      I. Kanter and H. Sompolinsky, Phys. Rev. A 35, 380 (1987).
    """
    p, n = _check_patterns(patterns)
    if p >= n:
        raise ValueError(f"patterns must hold P < N patterns for the projection rule, got "
                         f"P={p}, N={n}")
    if is_concrete(patterns):
        rank = int(np.linalg.matrix_rank(np.asarray(patterns, dtype=np.float64)))
        if rank < p:
            raise ValueError(f"patterns must be linearly independent for the projection rule, "
                             f"got rank {rank} < P={p}")
    xi = _float(patterns)
    q = xi @ xi.T / n
    W = xi.T @ jnp.linalg.solve(q, xi) / n
    return _mask_diagonal(0.5 * (W + W.T))


def energy(W: Any, s: Any, h: Any = 0.0) -> jax.Array:
    """Energy of a Hopfield network state.

    E(s) = -1/2 sum_{i != j} W_ij s_i s_j - sum_i h_i s_i (the diagonal of W is ignored).

    Args:
      W: symmetric couplings ``[N, N]``.
      s: neurons ``[N]`` of +-1, or a batch ``[..., N]``.
      h: external field, a scalar or ``[N]``.

    Returns:
      The energy, shape ``s.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> xi = jnp.array([[1, -1, 1, 1]])
      >>> float(energy(hebbian(xi), xi[0]))     # -(N - 1) / 2 for a stored pattern
      -1.5

    References:
      J. J. Hopfield, Proc. Natl. Acad. Sci. USA 79, 2554 (1982).
    """
    n = _check_couplings(W)
    _check_state(s, n)
    _check_h(h, n)
    return _energy_jit(_float(W), _float(s), _field(h, n))


def overlap(patterns: Any, s: Any) -> jax.Array:
    """Overlaps of a state with each stored pattern.

    m_mu = (1/N) sum_i xi_i^mu s_i, in [-1, 1]; m_mu = 1 means pattern mu is recalled exactly.

    Args:
      patterns: ``[P, N]`` of +-1.
      s: neurons ``[N]`` of +-1, or a batch ``[..., N]``.

    Returns:
      The overlaps, shape ``s.shape[:-1] + (P,)``.

    Example:
      >>> import jax.numpy as jnp
      >>> overlap(jnp.array([[1, 1, 1, 1], [1, -1, 1, -1]]), jnp.array([1, 1, 1, -1])).tolist()
      [0.5, 0.5]

    References:
      D. J. Amit, H. Gutfreund and H. Sompolinsky, Phys. Rev. A 32, 1007 (1985).
    """
    _, n = _check_patterns(patterns)
    _check_state(s, n)
    return _overlap(patterns, s)


def recall_sync(W: Any, s: Any, n_steps: int, *, h: Any = 0.0) -> jax.Array:
    """Synchronous zero-temperature recall: all neurons updated at once.

    s_i <- sign(sum_{j != i} W_ij s_j + h_i), keeping s_i where the field is exactly 0. The
    energy is not a Lyapunov function of this dynamics: it may end in a 2-cycle.

    Args:
      W: symmetric couplings ``[N, N]``.
      s: initial neurons ``[N]`` of +-1, or a batch ``[..., N]``.
      n_steps: number of parallel updates, an int >= 0 (traced: changing it does not recompile).
      h: external field, a scalar or ``[N]``.

    Returns:
      The state after ``n_steps`` updates, ``int8`` with the shape of ``s``.

    Example:
      >>> import jax.numpy as jnp
      >>> xi = jnp.array([[1, -1, 1, -1, 1, -1]])
      >>> recall_sync(hebbian(xi), jnp.array([1, 1, 1, -1, 1, -1]), 1).tolist()
      [1, -1, 1, -1, 1, -1]

    References:
      W. A. Little, Math. Biosci. 19, 101 (1974); J. J. Hopfield, PNAS 79, 2554 (1982).
    """
    n = _check_couplings(W)
    _check_state(s, n)
    _check_h(h, n)
    n_steps = check_static_int(n_steps, "n_steps", minimum=0)
    return _recall_sync(_float(W), _float(s), _field(h, n), jnp.asarray(n_steps, jnp.int32))


def recall_async(key: jax.Array, W: Any, s: Any, n_sweeps: int, *, h: Any = 0.0) -> jax.Array:
    """Asynchronous zero-temperature recall: random-order single-neuron updates.

    Each sweep visits the N neurons once in a fresh random order, s_i <- sign(sum_{j != i} W_ij
    s_j + h_i), keeping s_i where the field is exactly 0. Each update lowers E or leaves it
    unchanged (symmetric W), so the dynamics ends at a fixed point; the loop stops early at a
    sweep that changes no neuron, which gives the same state as running all ``n_sweeps``.

    Args:
      key: a ``jax.random.key`` (two key words are drawn from it; the order of sweep t is an
        argsort of keyed hashes of the counters t N .. t N + N - 1).
      W: symmetric couplings ``[N, N]``.
      s: initial neurons ``[N]`` of +-1 (one state; ``jax.vmap`` over keys and states).
      n_sweeps: maximum number of sweeps, an int >= 0 (traced: changing it does not recompile).
      h: external field, a scalar or ``[N]``.

    Returns:
      The final state, ``int8 [N]``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> xi = random_patterns(jax.random.key(0), 5, 100)
      >>> noisy = xi[0].at[:20].multiply(-1)                    # 20 % of the bits flipped
      >>> out = recall_async(jax.random.key(1), hebbian(xi), noisy, 20)
      >>> float(overlap(xi, out)[0])
      1.0

    References:
      J. J. Hopfield, Proc. Natl. Acad. Sci. USA 79, 2554 (1982).
    """
    n = _check_couplings(W)
    _check_state(s, n, batch=False)
    _check_h(h, n)
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=0)
    return _recall_async(key_words(key, 2), _float(W), _float(s), _field(h, n),
                         jnp.asarray(n_sweeps, jnp.int32))


def log_z_exact(W: Any, beta: Any = 1.0, h: Any = 0.0) -> jax.Array:
    """Exact ln Z of a Hopfield network at inverse temperature beta, by enumeration.

    ln Z = ln sum_{s in {-1,1}^N} exp(-beta E(s)), E(s) = -1/2 sum_{i != j} W_ij s_i s_j - h.s,
    by :func:`statmech.exact.log_z_dense` (the split-enumeration fast path of
    :func:`statmech.exact.log_z_enumerate`), log-sum-exp throughout; N <= 30.

    Args:
      W: symmetric couplings ``[N, N]``, N <= 30.
      beta: inverse temperature, a finite scalar >= 0 (traced).
      h: external field, a scalar or ``[N]``.

    Returns:
      ln Z as a scalar; differentiable in ``W``, ``beta`` and ``h``.

    Example:
      >>> import jax.numpy as jnp
      >>> round(float(log_z_exact(jnp.zeros((3, 3)))), 6)      # 3 ln 2
      2.079442

    References:
      D. J. Amit, H. Gutfreund and H. Sompolinsky, Phys. Rev. A 32, 1007 (1985).
    """
    n = _check_couplings(W)
    _check_exact_size(n)
    _check_scalar_beta(beta)
    _check_h(h, n)
    dtype = float_dtype()
    return _log_z(_float(W), _field(h, n), jnp.asarray(beta, dtype))


def log_prob(W: Any, s: Any, beta: Any = 1.0, h: Any = 0.0) -> jax.Array:
    """Exact log-probability of states under the Boltzmann distribution of a Hopfield network.

    ln p(s) = -beta E(s) - ln Z(beta), with ln Z by enumeration (N <= 30).

    Args:
      W: symmetric couplings ``[N, N]``, N <= 30.
      s: neurons ``[N]`` of +-1, or a batch ``[..., N]``.
      beta: inverse temperature, a finite scalar >= 0 (traced).
      h: external field, a scalar or ``[N]``.

    Returns:
      ln p(s), shape ``s.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> W = jnp.array([[0.0, 1.0], [1.0, 0.0]])
      >>> round(float(log_prob(W, jnp.array([1, 1]), 1.0)), 6)   # e / (2e + 2/e)
      -0.820075

    References:
      D. J. Amit, H. Gutfreund and H. Sompolinsky, Phys. Rev. A 32, 1007 (1985).
    """
    n = _check_couplings(W)
    _check_exact_size(n)
    _check_state(s, n)
    _check_scalar_beta(beta)
    _check_h(h, n)
    dtype = float_dtype()
    return _log_prob(_float(W), _float(s), _field(h, n), jnp.asarray(beta, dtype))

