"""The Gaussian-Bernoulli RBM: real visible v in R^nv, binary hidden h in {0,1}^nh.

Energy, with learned per-visible standard deviations sigma_i = exp(log_sigma_i) (the
parametrisation of Cho, Ilin and Raiko 2011, where the visible units talk to the hidden layer
through v_i / sigma_i^2)::

    E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_ij (v_i / sigma_i^2) W_ij h_j - c.h

so that p(v_i | h) = N(b_i + (W h)_i, sigma_i^2) and p(h_j = 1 | v) = sigmoid(c_j + (W^T (v /
sigma^2))_j). The hidden layer sums out and the visible Gaussian integrates out in closed form,
so both free energies are exact and ln Z is exact by enumerating the 2**nh hidden states.
(The classic form with v_i / sigma_i in the coupling is the same model with W_ij / sigma_i.)
This module (parameters, checks, energies, exact ln Z) imports no sibling; initialisation is in
``_init``, the conditionals, block-Gibbs sampling and the sampler in ``_gibbs``, training in
``_train``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from statmech.exact import log_z_enumerate
from statmech.validate import (
    as_float,
    check_beta,
    check_binary_units,
    check_finite,
    check_real_array,
    float_dtype,
    is_concrete,
)

__all__ = [
    "MAX_EXACT_HIDDEN",
    "GaussianRBMParams",
    "energy",
    "joint_energy",
    "free_energy",
    "free_energy_hidden",
    "log_z_exact",
    "log_likelihood",
]

MAX_EXACT_HIDDEN = 24
"""Largest nh for :func:`log_z_exact` and :func:`log_likelihood` (2**nh hidden states)."""

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class GaussianRBMParams(NamedTuple):
    """Parameters of a Gaussian-Bernoulli RBM (a pytree).

    Attributes:
      W: weights ``[nv, nh]``.
      b: visible biases (the Gaussian means when h = 0) ``[nv]``.
      c: hidden biases ``[nh]``.
      log_sigma: log standard deviations of the visible units ``[nv]``; sigma = exp(log_sigma)
        is positive by construction.
    """

    W: jax.Array
    b: jax.Array
    c: jax.Array
    log_sigma: jax.Array


# ------------------------------------------------------------------------------------------------
# validation and casting

def _check_params(params: Any) -> tuple[int, int]:
    """Shapes always, finiteness when concrete; returns (nv, nh)."""
    if not all(hasattr(params, f) for f in GaussianRBMParams._fields):
        raise TypeError("params must be a GaussianRBMParams(W, b, c, log_sigma), "
                        f"got {type(params).__name__}")
    for name in GaussianRBMParams._fields:
        check_finite(getattr(params, name), f"params.{name}")
    shape = tuple(jnp.shape(params.W))
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"params.W must be a 2-D array [nv, nh], got shape {shape}")
    nv, nh = shape
    for name, n, what in (("b", nv, "nv = params.W.shape[0]"),
                          ("c", nh, "nh = params.W.shape[1]"),
                          ("log_sigma", nv, "nv = params.W.shape[0]")):
        got = tuple(jnp.shape(getattr(params, name)))
        if got != (n,):
            raise ValueError(f"params.{name} must have shape ({n},) ({what}), got shape {got}")
    return nv, nh


def _check_visible(v: Any, nv: int, name: str = "v", what: str = "nv = params.W.shape[0]"
                   ) -> None:
    """Real, last axis nv, finite wherever concrete."""
    check_real_array(v, name)
    shape = tuple(jnp.shape(v))
    if len(shape) == 0 or shape[-1] != nv:
        raise ValueError(f"{name} must have shape [..., {nv}] ({what}), got shape {shape}")
    check_finite(v, name)


def _check_hidden(h: Any, nh: int, name: str = "h") -> None:
    check_binary_units(h, nh, name, "nh = params.W.shape[1]")


def _check_exact_size(nh: int) -> None:
    if nh > MAX_EXACT_HIDDEN:
        raise ValueError(f"exact ln Z enumerates the 2**nh hidden states; nh={nh} exceeds "
                         f"MAX_EXACT_HIDDEN={MAX_EXACT_HIDDEN}")


# ------------------------------------------------------------------------------------------------
# the model (unvalidated internals, used under jit and inside the gradient estimators)

@jax.jit
def _energy(params: GaussianRBMParams, v: jax.Array, h: jax.Array) -> jax.Array:
    p = as_float(params)
    v, h = as_float(v), as_float(h)
    inv_var = jnp.exp(-2.0 * p.log_sigma)
    quad = 0.5 * jnp.sum((v - p.b) ** 2 * inv_var, axis=-1)
    return quad - jnp.sum(((v * inv_var) @ p.W) * h, axis=-1) - h @ p.c


def _hidden_input(p: GaussianRBMParams, v: jax.Array) -> jax.Array:
    return p.c + (v * jnp.exp(-2.0 * p.log_sigma)) @ p.W


@jax.jit
def _free_energy(params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    p = as_float(params)
    v = as_float(v)
    quad = 0.5 * jnp.sum((v - p.b) ** 2 * jnp.exp(-2.0 * p.log_sigma), axis=-1)
    return quad - jnp.sum(jax.nn.softplus(_hidden_input(p, v)), axis=-1)


@jax.jit
def _free_energy_hidden(params: GaussianRBMParams, h: jax.Array) -> jax.Array:
    p = as_float(params)
    h = as_float(h)
    a = h @ p.W.T                                               # shift of the Gaussian mean
    shift = 0.5 * jnp.sum(a * (a + 2.0 * p.b) * jnp.exp(-2.0 * p.log_sigma), axis=-1)
    nv = p.b.shape[-1]
    return -(h @ p.c) - shift - jnp.sum(p.log_sigma) - nv * _HALF_LOG_2PI


def _tempered_free_energy_hidden(params: GaussianRBMParams, h: jax.Array,
                                 beta: jax.Array) -> jax.Array:
    """F_beta(h) = -ln int dv exp(-beta E(v, h)) = beta (F(h) + sum_i ln sigma_i +
    (nv / 2) ln 2 pi) - sum_i ln sigma_i - (nv / 2) ln(2 pi / beta): the Gaussian integral
    at variance sigma^2 / beta."""
    p = as_float(params)
    nv = p.b.shape[-1]
    gauss = jnp.sum(p.log_sigma) + nv * _HALF_LOG_2PI
    return beta * (_free_energy_hidden(p, h) + gauss) - gauss + 0.5 * nv * jnp.log(beta)


@jax.jit
def _log_z(params: GaussianRBMParams, beta: jax.Array) -> jax.Array:
    """ln Z(beta) = ln sum_h exp(-F_beta(h)) (jitted: one compile per shape and dtype)."""
    nh = jnp.shape(params.W)[1]
    return log_z_enumerate(lambda p, h: _tempered_free_energy_hidden(p, h, beta),
                           as_float(params), nh, 1.0, spins=(0, 1))


@jax.jit
def _log_likelihood(params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    one = jnp.ones((), float_dtype())
    return -jnp.mean(_free_energy(params, v)) - _log_z(as_float(params), one)


# ------------------------------------------------------------------------------------------------
# public functions

def energy(params: GaussianRBMParams, v: Any, h: Any) -> jax.Array:
    """Energy of a joint configuration of a Gaussian-Bernoulli RBM.

    E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_ij (v_i / sigma_i^2) W_ij h_j - c.h,
    sigma_i = exp(log_sigma_i), v real, h in {0,1}^nh.

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      v: visible units ``[nv]`` (or a batch ``[..., nv]``), real and finite.
      h: hidden units ``[nh]`` (or a batch ``[..., nh]``, broadcasting with ``v``) of 0/1.

    Returns:
      The energy, shape the broadcast of ``v.shape[:-1]`` and ``h.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.ones((2, 1)), jnp.zeros(2), jnp.array([0.5]), jnp.zeros(2))
      >>> float(energy(p, jnp.array([1.0, 2.0]), jnp.array([1])))   # 2.5 - 3 - 0.5
      -1.0

    References:
      Cho, Ilin and Raiko, ICANN (2011), "Improved learning of Gaussian-Bernoulli
      restricted Boltzmann machines", eq. (1); G. E. Hinton and R. Salakhutdinov, Science 313,
      504 (2006).
    """
    nv, nh = _check_params(params)
    _check_visible(v, nv)
    _check_hidden(h, nh)
    return _energy(params, v, h)


def joint_energy(params: GaussianRBMParams, x: Any) -> jax.Array:
    """Energy of a joint configuration as one vector, the position of :func:`sampler`.

    E(x) = E(v, h) with v = x[:nv] (real), h = x[nv:] (0/1).

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      x: ``[nv + nh]`` (or a batch ``[..., nv + nh]``), visible first.

    Returns:
      The energy, shape ``x.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.ones((2, 1)), jnp.zeros(2), jnp.array([0.5]), jnp.zeros(2))
      >>> float(joint_energy(p, jnp.array([1.0, 2.0, 1.0])))       # = energy(p, [1, 2], [1])
      -1.0

    References:
      Cho, Ilin and Raiko, ICANN (2011), eq. (1).
    """
    nv, nh = _check_params(params)
    _check_visible(x, nv + nh, "x", "nv + nh = sum of params.W.shape")
    x = as_float(x)
    _check_hidden(x[..., nv:], nh, "x[..., nv:]")
    return _energy(params, x[..., :nv], x[..., nv:])


def free_energy(params: GaussianRBMParams, v: Any) -> jax.Array:
    """Free energy of visible configurations, the hidden layer summed out exactly.

    F(v) = -ln sum_h exp(-E(v, h))
         = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_j softplus(c_j + sum_i W_ij v_i / sigma_i^2).

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      v: visible units ``[nv]`` or a batch ``[..., nv]``, real and finite.

    Returns:
      F(v), shape ``v.shape[:-1]`` (a scalar for one configuration).

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.zeros((2, 3)), jnp.zeros(2), jnp.zeros(3), jnp.zeros(2))
      >>> round(float(free_energy(p, jnp.array([1.0, 1.0]))), 6)     # 1 - 3 ln 2
      -1.079442

    References:
      Cho, Ilin and Raiko, ICANN (2011); G. E. Hinton, Neural Computation 14, 1771 (2002).
    """
    nv, _ = _check_params(params)
    _check_visible(v, nv)
    return _free_energy(params, v)


def free_energy_hidden(params: GaussianRBMParams, h: Any) -> jax.Array:
    """Free energy of hidden configurations, the visible Gaussian integrated out exactly.

    F(h) = -ln int dv exp(-E(v, h))
         = -c.h - sum_i [(W h)_i^2 + 2 b_i (W h)_i] / (2 sigma_i^2) - sum_i ln sigma_i -
           (nv / 2) ln 2 pi.

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      h: hidden units ``[nh]`` or a batch ``[..., nh]`` of 0/1.

    Returns:
      F(h), shape ``h.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.zeros((2, 3)), jnp.zeros(2), jnp.zeros(3), jnp.zeros(2))
      >>> round(float(free_energy_hidden(p, jnp.array([1, 0, 1]))), 6)   # -ln 2 pi
      -1.837877

    References:
      Cho, Ilin and Raiko, ICANN (2011); the Gaussian integral
      int dv exp(-(v - m)^2 / (2 sigma^2)) = sqrt(2 pi) sigma.
    """
    _, nh = _check_params(params)
    _check_hidden(h, nh)
    return _free_energy_hidden(params, h)


def log_z_exact(params: GaussianRBMParams, beta: Any = 1.0) -> jax.Array:
    """Exact ln Z of a Gaussian-Bernoulli RBM, enumerating the hidden layer.

    ln Z(beta) = ln sum_h int dv exp(-beta E(v, h)) = ln sum_h exp(-F_beta(h)): the visible
    Gaussians integrate out at variance sigma^2 / beta, so F_beta(h) = beta (F(h) + G) - G +
    (nv / 2) ln beta with G = sum_i ln sigma_i + (nv / 2) ln 2 pi and F(h) from
    :func:`free_energy_hidden`; 2**nh terms, log-sum-exp throughout.

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])`` with
        nh <= ``MAX_EXACT_HIDDEN``.
      beta: inverse temperature, a finite scalar > 0 (default 1; at beta = 0 the Gaussian
        integrals diverge).

    Returns:
      ln Z as a scalar array; differentiable in ``params`` and ``beta``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.zeros((2, 3)), jnp.zeros(2), jnp.zeros(3), jnp.zeros(2))
      >>> round(float(log_z_exact(p)), 5)        # 3 ln 2 + ln 2 pi
      3.91732

    References:
      Cho, Ilin and Raiko, ICANN (2011); R. Salakhutdinov and I. Murray, ICML (2008).
    """
    _, nh = _check_params(params)
    _check_exact_size(nh)
    check_beta(beta)
    if is_concrete(beta) and float(np.asarray(beta)) <= 0:
        raise ValueError(f"beta must be > 0 for the Gaussian-Bernoulli RBM (the visible "
                         f"integrals diverge at beta = 0), got {float(np.asarray(beta))}")
    return _log_z(as_float(params), jnp.asarray(beta, float_dtype()))


def log_likelihood(params: GaussianRBMParams, v: Any) -> jax.Array:
    """Exact mean log-density of real-valued data.

    (1/B) sum_k ln p(v_k) = -(1/B) sum_k F(v_k) - ln Z, with ln Z from :func:`log_z_exact`.

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])`` with
        nh <= ``MAX_EXACT_HIDDEN``.
      v: data ``[B, nv]`` (or one example ``[nv]``, or any ``[..., nv]``), real and finite.

    Returns:
      The mean log-density per example in nats, a scalar.

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.zeros((1, 2)), jnp.zeros(1), jnp.zeros(2), jnp.zeros(1))
      >>> round(float(log_likelihood(p, jnp.array([[0.0], [1.0]]))), 6)  # N(0, 1): -ln 2pi/2 - 1/4
      -1.168939

    References:
      Cho, Ilin and Raiko, ICANN (2011).
    """
    nv, nh = _check_params(params)
    _check_visible(v, nv)
    _check_exact_size(nh)
    return _log_likelihood(params, v)
