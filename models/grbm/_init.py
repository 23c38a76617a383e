"""Initial parameters of the Gaussian-Bernoulli RBM: small random weights, and optionally the
visible means and spreads of the data."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from models.grbm._model import GaussianRBMParams
from models.rbm import init_params as _binary_init_params
from statmech.validate import as_float, check_finite, check_real_array, is_concrete

__all__ = ["init_params", "init_from_data"]


def init_params(key: jax.Array, n_visible: int, n_hidden: int,
                scale: float = 0.01) -> GaussianRBMParams:
    """Small random weights, zero biases and unit standard deviations.

    W_ij ~ scale * N(0, 1), b = 0, c = 0, log_sigma = 0 (sigma = 1: suits standardised data).

    Args:
      key: a ``jax.random.key``.
      n_visible: nv, an int >= 1.
      n_hidden: nh, an int >= 1.
      scale: standard deviation of the weights, finite and >= 0.

    Returns:
      ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])`` in the default float
      dtype.

    Example:
      >>> import jax
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> p.W.shape, p.b.shape, p.c.shape, p.log_sigma.shape
      ((3, 2), (3,), (2,), (3,))

    References:
      Hinton, A Practical Guide to Training RBMs, UTML TR 2010-003 (2010), sec. 13.2.
    """
    p = _binary_init_params(key, n_visible, n_hidden, scale)   # same weights, checks, errors
    return GaussianRBMParams(p.W, p.b, p.c, jnp.zeros_like(p.b))


def init_from_data(key: jax.Array, data: Any, n_hidden: int, scale: float = 0.01,
                   min_sigma: float = 1e-2) -> GaussianRBMParams:
    """Parameters whose h = 0 Gaussian matches the data's per-unit mean and spread.

    W_ij ~ scale * N(0, 1), b = mean(data), sigma = max(std(data), min_sigma), c = 0.

    Args:
      key: a ``jax.random.key``.
      data: ``[N, nv]`` real, finite data with N >= 1.
      n_hidden: nh, an int >= 1.
      scale: standard deviation of the weights, finite and >= 0.
      min_sigma: floor on sigma (a constant unit would otherwise get sigma = 0), finite, > 0.

    Returns:
      ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> x = jnp.array([[0.0, 1.0, 4.0], [2.0, 1.0, 6.0]])
      >>> p = init_from_data(jax.random.key(0), x, 2)
      >>> p.b.tolist(), [round(float(s), 6) for s in jnp.exp(p.log_sigma)]
      ([1.0, 1.0, 5.0], [1.0, 0.01, 1.0])

    References:
      Hinton, A Practical Guide to Training RBMs, UTML TR 2010-003 (2010), sec. 13.2.
    """
    data = _check_data(data)
    check_finite(min_sigma, "min_sigma")
    if is_concrete(min_sigma) and float(np.asarray(min_sigma)) <= 0:
        raise ValueError(f"min_sigma must be > 0, got {float(np.asarray(min_sigma))}")
    p = init_params(key, data.shape[1], n_hidden, scale)
    sigma = jnp.maximum(jnp.std(data, axis=0), jnp.asarray(min_sigma, data.dtype))
    return p._replace(b=jnp.mean(data, axis=0), log_sigma=jnp.log(sigma))


def _check_data(data: Any, name: str = "data") -> jax.Array:
    """``[N, nv]`` real and finite with N, nv >= 1; returned in the default float dtype."""
    check_real_array(data, name)
    shape = tuple(jnp.shape(data))
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{name} must be a 2-D array [N, nv] with N, nv >= 1, got shape {shape}")
    check_finite(data, name)
    return as_float(data)
