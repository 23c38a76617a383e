"""Overflow-free special functions shared by the closed-form solutions (float32-safe)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["log_sinh", "log_2cosh", "gauss_legendre_graded"]


def log_sinh(y: jax.Array) -> jax.Array:
    """ln sinh(y) for y > 0, without overflow for large y (double-where for clean gradients)."""
    big = y > 1.0
    y_big = jnp.where(big, y, 2.0)
    y_small = jnp.where(big, 0.5, y)
    return jnp.where(big, y_big - jnp.log(2.0) + jnp.log1p(-jnp.exp(-2.0 * y_big)),
                     jnp.log(jnp.sinh(y_small)))


def log_2cosh(x: jax.Array) -> jax.Array:
    """ln(2 cosh x) = logaddexp(x, -x): smooth through 0, no overflow."""
    return jnp.logaddexp(x, -x)


def gauss_legendre_graded(a: float, n_nodes: int = 24, ratio: float = 0.125,
                          smallest: float = 1e-16) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre rule on (0, a], panels graded geometrically towards 0.

    Panels [a r^{k+1}, a r^k] down to width ``smallest * a`` and a last panel [0, a r^K]. This
    integrates functions with a (near-)singularity at 0 of width down to ``smallest * a`` to
    near machine precision. Nodes and weights are float64 numpy constants.
    """
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    edges = [a]
    while edges[-1] > smallest * a:
        edges.append(edges[-1] * ratio)
    edges.append(0.0)
    nodes, weights = [], []
    for hi, lo in zip(edges[:-1], edges[1:], strict=True):
        half = 0.5 * (hi - lo)
        nodes.append(lo + half * (x + 1.0))
        weights.append(half * w)
    return np.concatenate(nodes), np.concatenate(weights)
