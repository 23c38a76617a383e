"""The Hopfield network itself: +-1 neurons, symmetric couplings, energy, storage rules and the
exact finite-beta Boltzmann distribution.

E(s) = -1/2 s.W.s - h.s with W symmetric. Couplings come from the Hebbian rule or the projection
(pseudo-inverse) rule; recall is synchronous or random-order asynchronous sign dynamics, and
p(s) = exp(-beta E(s)) / Z is exact by enumeration for small N. The diagonal of ``W`` is ignored
everywhere (for +-1 spins it only adds the constant -1/2 tr W to E). Neurons are stored as
``int8`` and the arithmetic is done in the default float dtype; ``W``, ``h`` and ``beta`` are
traced, so changing them never recompiles. This module imports no sibling: recall dynamics are
in ``_recall``, dense and modern networks in ``_dense``, the capacity measurement in
``_capacity``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from statmech.exact import log_z_dense
from statmech.mcmc import DenseParams, SamplingAlgorithm, heat_bath
from statmech.validate import (
    as_float,
    check_beta,
    check_finite,
    check_pm1,
    check_real_array,
    check_shape,
    check_symmetric,
    float_dtype,
    is_concrete,
)

__all__ = [
    "MAX_EXACT_NEURONS",
    "hebbian",
    "pseudo_inverse",
    "energy",
    "overlap",
    "log_z_exact",
    "log_prob",
    "sampler",
]

MAX_EXACT_NEURONS = 30
"""Largest N for :func:`log_z_exact` and :func:`log_prob`, which enumerate all 2**N states."""


# -- validation (outside jit) -------------------------------------------------------------------

def _check_patterns(patterns: Any, name: str = "patterns") -> tuple[int, int]:
    """A [P, N] array of +-1 with P >= 1 and N >= 2; returns (P, N)."""
    check_real_array(patterns, name)
    shape = tuple(jnp.shape(patterns))
    if len(shape) != 2:
        raise ValueError(f"{name} must be a 2-D array [P, N] (one pattern per row), got shape "
                         f"{shape}")
    p, n = shape
    if p < 1:
        raise ValueError(f"{name} must hold P >= 1 patterns, got P={p} (shape {shape})")
    if n < 2:
        raise ValueError(f"{name} must have N >= 2 neurons, got N={n} (shape {shape})")
    check_pm1(patterns, name)
    return p, n


def _check_state(s: Any, n: int, name: str = "s", *, batch: bool = True) -> None:
    """+-1 neurons with last axis N (exactly [N] when ``batch`` is False)."""
    check_real_array(s, name)
    shape = tuple(jnp.shape(s))
    if batch and (len(shape) == 0 or shape[-1] != n):
        raise ValueError(f"{name} must have shape [..., {n}] (N = {n} neurons), got shape {shape}")
    if not batch and shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (one state of N = {n} neurons; vmap "
                         f"for a batch), got shape {shape}")
    check_pm1(s, name)



def _check_couplings(W: Any) -> int:
    """Square [N, N] with N >= 2, finite and symmetric when concrete; returns N."""
    check_finite(W, "W")
    shape = tuple(jnp.shape(W))
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"W must be a square matrix [N, N], got shape {shape}")
    if shape[0] < 2:
        raise ValueError(f"W must couple N >= 2 neurons, got shape {shape}")
    check_symmetric(W, "W")
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
    W = as_float(W)
    return W * (1 - jnp.eye(W.shape[0], dtype=W.dtype))


def _field(h: Any, n: int) -> jax.Array:
    return jnp.broadcast_to(as_float(h), (n,))


def _energy(W: jax.Array, s: jax.Array, h: jax.Array) -> jax.Array:
    W = _mask_diagonal(W)
    s = as_float(s)
    return -0.5 * jnp.einsum("...i,ij,...j->...", s, W, s) - s @ _field(h, W.shape[0])


@jax.jit
def _hebbian(patterns):
    xi = as_float(patterns)
    return _mask_diagonal(xi.T @ xi / xi.shape[1])


@jax.jit
def _overlap(patterns, s):
    return as_float(s) @ as_float(patterns).T / patterns.shape[1]


_energy_jit = jax.jit(_energy)


@jax.jit
def _log_z(W, h, beta):
    return log_z_dense(_mask_diagonal(W), _field(h, W.shape[0]), beta)


@jax.jit
def _log_prob(W, s, h, beta):
    return -beta * _energy(W, s, h) - _log_z(W, h, beta)


# -- public API ---------------------------------------------------------------------------------

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
      >>> from models.hopfield import random_patterns, recall_sync
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
    xi = as_float(patterns)
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
    return _energy_jit(as_float(W), as_float(s), _field(h, n))


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
    return _log_z(as_float(W), _field(h, n), jnp.asarray(beta, dtype))


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
    return _log_prob(as_float(W), as_float(s), _field(h, n), jnp.asarray(beta, dtype))


_HEAT_BATH = heat_bath("dense")


def _step(key, state, W, beta):
    n = W.shape[0]
    return _HEAT_BATH.step(key, state, DenseParams(_mask_diagonal(W), jnp.zeros((n,), W.dtype)),
                           beta)


def sampler() -> SamplingAlgorithm:
    """Heat-bath (Glauber) dynamics of a Hopfield network at inverse temperature beta.

    s_i <- +1 with probability sigmoid(2 beta sum_{j != i} W_ij s_j), neurons in order: the
    engine's ``heat_bath("dense")`` with the couplings ``W`` as the params (zero field), so
    :func:`statmech.log_z` and :func:`statmech.mcmc.parallel_tempering` run on the network with
    :func:`energy` as the energy (``energy(W, s)``).

    Returns:
      ``SamplingAlgorithm(init, step)``: ``init(s)`` takes +-1 neurons ``[N]``,
      ``step(key, state, W, beta) -> (SpinState, LocalInfo)``.

    Example:
      >>> import jax, statmech
      >>> xi = jax.numpy.array([[1, -1, 1, -1, 1, 1, -1, -1]])
      >>> W = hebbian(xi)
      >>> est = statmech.log_z(energy, W, 2.0, method="ais", key=jax.random.key(0),
      ...                      algo=sampler(), shape=(8,), n_chains=128)
      >>> bool(abs(est.log_z - log_z_exact(W, 2.0)) < 4 * est.stderr + 0.02)
      True

    References:
      R. J. Glauber, J. Math. Phys. 4, 294 (1963); D. J. Amit, H. Gutfreund and
      H. Sompolinsky, Phys. Rev. A 32, 1007 (1985).
    """
    return SamplingAlgorithm(_HEAT_BATH.init, _step)
