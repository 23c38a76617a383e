"""Dense associative memories (Krotov and Hopfield 2016) and the modern continuous Hopfield
network (Ramsauer et al. 2021): energies with higher-order or exponential interactions that store
far more than the 0.138 N patterns of the Hebbian network.

Dense memory: +-1 neurons, E(s) = -sum_mu F(xi^mu . s) with F(x) = x^n (or max(x, 0)^n),
patterns ``[P, N]`` one per row as in the classical network. Modern network: continuous state
xi in R^d and stored patterns as the **columns** of X ``[d, P]``, following the paper.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from models.hopfield._model import _check_patterns, _check_state
from models.hopfield._recall import _async_descent, _sign_keep
from statmech.random import key_words
from statmech.validate import (
    as_float,
    check_beta,
    check_finite,
    check_shape,
    check_static_int,
    is_concrete,
)

__all__ = [
    "dense_energy",
    "dense_recall_async",
    "dense_capacity_estimate",
    "modern_update",
    "modern_energy",
]


# -- dense associative memory -------------------------------------------------------------------

def _check_order(n: Any, rectified: Any) -> tuple[int, bool]:
    n = check_static_int(n, "n", minimum=2)
    if not isinstance(rectified, bool):
        raise TypeError(f"rectified must be a bool, got {type(rectified).__name__} {rectified!r}")
    return n, rectified


def _interaction(x: jax.Array, n: int, rectified: bool) -> jax.Array:
    """F(x) = x^n, or max(x, 0)^n when rectified."""
    if rectified:
        x = jnp.maximum(x, 0.0)
    return lax.integer_pow(x, n)


def dense_energy(patterns: Any, s: Any, n: int = 3, *, rectified: bool = False) -> jax.Array:
    """Energy of a dense associative memory (polynomial interaction of order n).

    E(s) = -sum_mu F(xi^mu . s), F(x) = x^n (or max(x, 0)^n with ``rectified``); n = 2 is the
    Hebbian network up to a constant: E = 2 N E_hebbian - N P.

    Args:
      patterns: ``[P, N]`` of +-1, one stored pattern per row.
      s: neurons ``[N]`` of +-1, or a batch ``[..., N]``.
      n: interaction order, a Python int >= 2 (static).
      rectified: use the rectified polynomial F(x) = max(x, 0)^n.

    Returns:
      The energy, shape ``s.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> xi = jnp.array([[1, 1, 1, 1], [1, -1, 1, -1]])
      >>> float(dense_energy(xi, xi[0]))                  # -(4^3 + 0^3)
      -64.0

    References:
      D. Krotov and J. J. Hopfield, Advances in Neural Information Processing Systems 29 (2016).
    """
    _, N = _check_patterns(patterns)
    _check_state(s, N)
    n, rectified = _check_order(n, rectified)
    return _dense_energy(as_float(patterns), as_float(s), n, rectified)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _dense_energy(patterns, s, n, rectified):
    return -jnp.sum(_interaction(s @ patterns.T, n, rectified), axis=-1)


def _dense_recall(words, patterns, s, n_sweeps, n, rectified):
    xi = as_float(patterns)
    N = xi.shape[1]

    def update(c, i):
        s, m = c
        col = xi[:, i]
        rest = m - col * s[i]                       # xi^mu . s without neuron i
        # the difference is homogeneous of degree n in the overlaps: scale by 1/N against overflow
        gain = jnp.sum(_interaction((rest + col) / N, n, rectified)
                       - _interaction((rest - col) / N, n, rectified))
        new = _sign_keep(gain, s[i])
        return s.at[i].set(new), rest + col * new

    s = as_float(s)
    (s, _), _ = _async_descent(words, (s, xi @ s), n_sweeps, update)
    return s.astype(jnp.int8)


_dense_recall_jit = jax.jit(_dense_recall, static_argnums=(4, 5))


def dense_recall_async(key: jax.Array, patterns: Any, s: Any, n_sweeps: int, *, n: int = 3,
                       rectified: bool = False) -> jax.Array:
    """Asynchronous zero-temperature recall in a dense associative memory.

    Each sweep visits the N neurons in a fresh random order and sets
    s_i <- sign(sum_mu [F(m_mu(s_i = +1)) - F(m_mu(s_i = -1))]), m_mu = xi^mu . s, keeping s_i on a
    tie: the choice of s_i with the lower energy, so E never increases. Stops early at a sweep
    that changes nothing (a fixed point). Capacity K_max ~ N^{n-1} / (2 (2n-3)!! ln N).

    Args:
      key: a ``jax.random.key`` (the random orders are those of
        :func:`models.hopfield.recall_async` with the same key).
      patterns: ``[P, N]`` of +-1, one stored pattern per row.
      s: initial neurons ``[N]`` of +-1 (one state; ``jax.vmap`` for a batch).
      n_sweeps: maximum number of sweeps, an int >= 0 (traced).
      n: interaction order, a Python int >= 2 (static); n = 2 is Hebbian recall.
      rectified: use F(x) = max(x, 0)^n.

    Returns:
      The final state, ``int8 [N]``.

    Example:
      >>> import jax
      >>> from models.hopfield import overlap, random_patterns
      >>> xi = random_patterns(jax.random.key(0), 40, 100)        # P = 0.4 N
      >>> noisy = xi[3].at[:15].multiply(-1)
      >>> out = dense_recall_async(jax.random.key(1), xi, noisy, 10, n=3)
      >>> float(overlap(xi, out)[3])
      1.0

    References:
      D. Krotov and J. J. Hopfield, Advances in Neural Information Processing Systems 29 (2016).
    """
    _, N = _check_patterns(patterns)
    _check_state(s, N, batch=False)
    n, rectified = _check_order(n, rectified)
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=0)
    return _dense_recall_jit(key_words(key, 2), as_float(patterns), as_float(s),
                             jnp.asarray(n_sweeps, jnp.int32), n, rectified)


def dense_capacity_estimate(n_neurons: int, n: int) -> float:
    """Krotov-Hopfield estimate of the number of patterns a dense memory of order n stores.

    K_max = N^{n-1} / (2 (2n-3)!! ln N) (retrieval with a vanishing fraction of errors).

    Args:
      n_neurons: N, an int >= 2.
      n: interaction order, an int >= 2.

    Returns:
      K_max as a float.

    Example:
      >>> round(dense_capacity_estimate(100, 2), 2)     # ~ N / (2 ln N), the Hebbian no-error
      10.86
      >>> round(dense_capacity_estimate(100, 3))
      362

    References:
      D. Krotov and J. J. Hopfield, Advances in Neural Information Processing Systems 29 (2016).
    """
    N = check_static_int(n_neurons, "n_neurons", minimum=2)
    n = check_static_int(n, "n", minimum=2)
    double_factorial = math.prod(range(2 * n - 3, 0, -2))
    return N ** (n - 1) / (2 * double_factorial * math.log(N))


# -- modern continuous Hopfield network ---------------------------------------------------------

def _check_modern(X: Any, xi: Any, beta: Any, *, positive: bool) -> None:
    check_finite(X, "X")
    shape = tuple(jnp.shape(X))
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"X must be a 2-D array [d, P] (stored patterns as columns), got shape "
                         f"{shape}")
    d = shape[0]
    check_finite(xi, "xi")
    got = tuple(jnp.shape(xi))
    if len(got) == 0 or got[-1] != d:
        raise ValueError(f"xi must have shape [..., {d}] (d = X.shape[0], the pattern "
                         f"dimension), got shape {got}")
    check_beta(beta)
    check_shape(beta, (), "beta")
    if positive and is_concrete(beta) and float(beta) <= 0:
        raise ValueError(f"beta must be > 0 (the energy has ln P / beta), got {float(beta)}")


@jax.jit
def _modern_update(X, xi, beta):
    X, xi = as_float(X), as_float(xi)
    return jax.nn.softmax(beta * (xi @ X), axis=-1) @ X.T


@jax.jit
def _modern_energy(X, xi, beta):
    X, xi = as_float(X), as_float(xi)
    z = xi @ X                                                  # [..., P]
    z_max = jnp.max(z, axis=-1)
    # lse(beta, z) - ln P / beta = z_max + log(mean exp(beta (z - z_max))) / beta, written with
    # log1p(mean(expm1)) so that it stays exact as beta -> 0 and never overflows as beta grows
    shifted = jnp.log1p(jnp.mean(jnp.expm1(beta * (z - z_max[..., None])), axis=-1)) / beta
    big_m = jnp.max(jnp.sum(X * X, axis=0))
    return -(z_max + shifted) + 0.5 * jnp.sum(xi * xi, axis=-1) + 0.5 * big_m


def modern_update(X: Any, xi: Any, beta: Any) -> jax.Array:
    """One update of the modern continuous Hopfield network (attention over stored patterns).

    xi_new = X softmax(beta X^T xi). X holds the P stored patterns as its **columns**,
    ``[d, P]``; xi is a state in R^d. It converges in one step to a pattern when the patterns are
    well separated and beta is large, and it never raises :func:`modern_energy`.

    Args:
      X: stored patterns ``[d, P]``, one pattern per column.
      xi: state ``[d]``, or a batch ``[..., d]``.
      beta: inverse temperature, a finite scalar >= 0 (traced).

    Returns:
      The updated state, the shape of ``xi``.

    Example:
      >>> import jax.numpy as jnp
      >>> X = jnp.array([[1.0, -1.0], [1.0, 1.0]])         # patterns (1, 1) and (-1, 1)
      >>> [round(v, 4) for v in modern_update(X, jnp.array([0.8, 1.2]), 8.0).tolist()]
      [1.0, 1.0]

    References:
      H. Ramsauer et al., Hopfield Networks is All You Need, ICLR (2021).
    """
    _check_modern(X, xi, beta, positive=False)
    return _modern_update(as_float(X), as_float(xi), jnp.asarray(beta, as_float(0.0).dtype))


def modern_energy(X: Any, xi: Any, beta: Any) -> jax.Array:
    """Energy of the modern continuous Hopfield network.

    E(xi) = -lse(beta, X^T xi) + 1/2 xi.xi + ln P / beta + M^2 / 2, with
    lse(beta, z) = (1/beta) ln sum_mu exp(beta z_mu) and M = max_mu norm(x^mu); E >= 0. Computed as
    -max z - (1/beta) log1p(mean expm1(beta (z - max z))) + ..., finite in float32 from
    beta = 1e-3 to beta = 100 and beyond.

    Args:
      X: stored patterns ``[d, P]``, one pattern per column.
      xi: state ``[d]``, or a batch ``[..., d]``.
      beta: inverse temperature, a finite scalar > 0 (traced).

    Returns:
      The energy, shape ``xi.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> X = jnp.array([[1.0, -1.0], [1.0, 1.0]])
      >>> round(float(modern_energy(X, jnp.array([1.0, 1.0]), 50.0)), 4)    # ~ ln 2 / 50
      0.0139

    References:
      H. Ramsauer et al., Hopfield Networks is All You Need, ICLR (2021).
    """
    _check_modern(X, xi, beta, positive=True)
    return _modern_energy(as_float(X), as_float(xi), jnp.asarray(beta, as_float(0.0).dtype))
