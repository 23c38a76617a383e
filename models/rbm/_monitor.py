"""Monitoring quantities of RBM training: the pseudo-likelihood and the reconstruction error,
the cheap monitors when the exact likelihood is out of reach."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from models.rbm._gibbs import _hidden_probs, _visible_probs
from models.rbm._model import RBMParams, _check_params, _check_units, _free_energy
from statmech.validate import as_float

__all__ = ["pseudo_log_likelihood", "reconstruction_error"]


def pseudo_log_likelihood(params: RBMParams, v: Any) -> jax.Array:
    """Mean pseudo-log-likelihood, every site conditioned on all the others.

    PL(v) = sum_i ln p(v_i | v_{-i}) = -sum_i softplus(F(v) - F(v with bit i flipped)).
    Unlike scikit-learn's ``score_samples`` (one random site, scaled by nv) this sums all sites.

    Args:
      params: ``RBMParams``.
      v: data ``[B, nv]`` (or ``[nv]``) of 0/1.

    Returns:
      The mean over examples of PL(v), a scalar (nats).

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((3, 2)), jnp.zeros(3), jnp.zeros(2))
      >>> round(float(pseudo_log_likelihood(p, jnp.ones((2, 3)))), 5)    # 3 ln(1/2)
      -2.07944

    References:
      J. Besag, The Statistician 24, 179 (1975).
    """
    nv, _ = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    return _pseudo_ll(as_float(params), as_float(v))


@jax.jit
def _pseudo_ll(p: RBMParams, v: jax.Array) -> jax.Array:
    v = v.reshape(-1, v.shape[-1])
    f = _free_energy(p, v)
    flips = jnp.eye(v.shape[-1], dtype=v.dtype)
    f_flip = jax.vmap(lambda e: _free_energy(p, jnp.abs(v - e)), out_axes=1)(flips)
    return -jnp.mean(jnp.sum(jax.nn.softplus(f[:, None] - f_flip), axis=-1))


def reconstruction_error(params: RBMParams, v: Any) -> jax.Array:
    """Mean squared error of the mean-field reconstruction sigmoid(b + W sigmoid(c + vW)).

    Args:
      params: ``RBMParams``.
      v: data ``[..., nv]`` of 0/1.

    Returns:
      The mean over examples and pixels, a scalar.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((3, 2)), jnp.zeros(3), jnp.zeros(2))
      >>> float(reconstruction_error(p, jnp.ones((2, 3))))    # (1 - 1/2)^2
      0.25

    References:
      G. E. Hinton, A Practical Guide to Training RBMs, UTML TR 2010-003 (2010), sec. 5.
    """
    nv, _ = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    p, v = as_float(params), as_float(v)
    return jnp.mean((v - _visible_probs(p, _hidden_probs(p, v))) ** 2)
