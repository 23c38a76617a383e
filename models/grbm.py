"""The Gaussian-Bernoulli RBM: real visible v in R^nv, binary hidden h in {0,1}^nh.

Energy, with learned per-visible standard deviations sigma_i = exp(log_sigma_i) (the
parametrisation of Cho, Ilin and Raiko 2011, where the visible units talk to the hidden layer
through v_i / sigma_i^2)::

    E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_ij (v_i / sigma_i^2) W_ij h_j - c.h

so that p(v_i | h) = N(b_i + (W h)_i, sigma_i^2) and p(h_j = 1 | v) = sigmoid(c_j + (W^T (v /
sigma^2))_j). The hidden layer sums out and the visible Gaussian integrates out in closed form,
so both free energies are exact and ln Z is exact by enumerating the 2**nh hidden states.
(The classic form with v_i / sigma_i in the coupling is the same model with W_ij / sigma_i.)
Training: contrastive divergence (CD-k), persistent CD and the exact gradient, as gradient
functions (:func:`grad_fn`) for :func:`models.train.train`, and :func:`fit`.
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from models import train as _train
from statmech._validate import (
    check_binary_units,
    check_finite,
    check_real_array,
    check_static_int,
    float_dtype,
    is_concrete,
)
from statmech.exact import log_z_enumerate

__all__ = [
    "MAX_EXACT_HIDDEN",
    "GaussianRBMParams",
    "energy",
    "free_energy",
    "free_energy_hidden",
    "init_params",
    "init_from_data",
    "log_z_exact",
    "log_likelihood",
    "hidden_probs",
    "visible_mean",
    "sample_hidden",
    "sample_visible",
    "gibbs_step",
    "METHODS",
    "grad_fn",
    "init_chains",
    "fit",
    "fit_result",
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


def _check_visible(v: Any, nv: int, name: str = "v") -> None:
    """Real, last axis nv, finite wherever concrete."""
    check_real_array(v, name)
    shape = tuple(jnp.shape(v))
    if len(shape) == 0 or shape[-1] != nv:
        raise ValueError(f"{name} must have shape [..., {nv}] (nv = params.W.shape[0]), "
                         f"got shape {shape}")
    check_finite(v, name)


def _check_hidden(h: Any, nh: int, name: str = "h") -> None:
    check_binary_units(h, nh, name, "nh = params.W.shape[1]")


def _check_exact_size(nh: int) -> None:
    if nh > MAX_EXACT_HIDDEN:
        raise ValueError(f"exact ln Z enumerates the 2**nh hidden states; nh={nh} exceeds "
                         f"MAX_EXACT_HIDDEN={MAX_EXACT_HIDDEN}")


def _check_key(key: Any) -> None:
    if not isinstance(key, jax.Array):
        raise TypeError(f"key must be a jax.random.key, got {type(key).__name__}")


def _cast(params: GaussianRBMParams) -> GaussianRBMParams:
    dtype = float_dtype()
    return GaussianRBMParams(*(jnp.asarray(p, dtype=dtype) for p in params))


def _real(x: Any) -> jax.Array:
    return jnp.asarray(x).astype(float_dtype())


# ------------------------------------------------------------------------------------------------
# the model (unvalidated internals, used under jit and inside the gradient estimators)

@jax.jit
def _energy(params: GaussianRBMParams, v: jax.Array, h: jax.Array) -> jax.Array:
    p = _cast(params)
    v, h = _real(v), _real(h)
    inv_var = jnp.exp(-2.0 * p.log_sigma)
    quad = 0.5 * jnp.sum((v - p.b) ** 2 * inv_var, axis=-1)
    return quad - jnp.sum(((v * inv_var) @ p.W) * h, axis=-1) - h @ p.c


def _hidden_input(p: GaussianRBMParams, v: jax.Array) -> jax.Array:
    return p.c + (v * jnp.exp(-2.0 * p.log_sigma)) @ p.W


@jax.jit
def _free_energy(params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    p = _cast(params)
    v = _real(v)
    quad = 0.5 * jnp.sum((v - p.b) ** 2 * jnp.exp(-2.0 * p.log_sigma), axis=-1)
    return quad - jnp.sum(jax.nn.softplus(_hidden_input(p, v)), axis=-1)


@jax.jit
def _free_energy_hidden(params: GaussianRBMParams, h: jax.Array) -> jax.Array:
    p = _cast(params)
    h = _real(h)
    a = h @ p.W.T                                               # shift of the Gaussian mean
    shift = 0.5 * jnp.sum(a * (a + 2.0 * p.b) * jnp.exp(-2.0 * p.log_sigma), axis=-1)
    nv = p.b.shape[-1]
    return -(h @ p.c) - shift - jnp.sum(p.log_sigma) - nv * _HALF_LOG_2PI


@jax.jit
def _log_z(params: GaussianRBMParams) -> jax.Array:
    """ln Z = ln sum_h exp(-F(h)) (jitted: one compile per shape and dtype)."""
    nh = jnp.shape(params.W)[1]
    return log_z_enumerate(_free_energy_hidden, _cast(params), nh, 1.0, spins=(0, 1))


@jax.jit
def _log_likelihood(params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    return -jnp.mean(_free_energy(params, v)) - _log_z(_cast(params))


@jax.jit
def _hidden_probs(params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    p = _cast(params)
    return jax.nn.sigmoid(_hidden_input(p, _real(v)))


@jax.jit
def _visible_mean(params: GaussianRBMParams, h: jax.Array) -> jax.Array:
    p = _cast(params)
    return p.b + _real(h) @ p.W.T


@jax.jit
def _sample_hidden(key: jax.Array, params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    probs = _hidden_probs(params, v)
    return jax.random.bernoulli(key, probs).astype(probs.dtype)


@jax.jit
def _sample_visible(key: jax.Array, params: GaussianRBMParams, h: jax.Array) -> jax.Array:
    mean = _visible_mean(params, h)
    noise = jax.random.normal(key, mean.shape, dtype=mean.dtype)
    return mean + jnp.exp(_cast(params).log_sigma) * noise


@jax.jit
def _gibbs_step(key: jax.Array, params: GaussianRBMParams,
                v: jax.Array) -> tuple[jax.Array, jax.Array]:
    key_h, key_v = jax.random.split(key)
    h = _sample_hidden(key_h, params, v)
    return _sample_visible(key_v, params, h), h


def _gibbs_chain(key: jax.Array, params: GaussianRBMParams, v: jax.Array, k: int) -> jax.Array:
    def body(v, key):
        return _gibbs_step(key, params, v)[0], None

    v, _ = jax.lax.scan(body, _real(v), jax.random.split(key, k))
    return v


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
    nv = check_static_int(n_visible, "n_visible", minimum=1)
    nh = check_static_int(n_hidden, "n_hidden", minimum=1)
    check_finite(scale, "scale")
    if is_concrete(scale) and float(np.asarray(scale)) < 0:
        raise ValueError(f"scale must be >= 0, got {float(np.asarray(scale))}")
    dtype = float_dtype()
    W = jnp.asarray(scale, dtype=dtype) * jax.random.normal(key, (nv, nh), dtype=dtype)
    zeros_v = jnp.zeros((nv,), dtype=dtype)
    return GaussianRBMParams(W, zeros_v, jnp.zeros((nh,), dtype=dtype), zeros_v)


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
    return _real(data)


def log_z_exact(params: GaussianRBMParams) -> jax.Array:
    """Exact ln Z of a Gaussian-Bernoulli RBM, enumerating the hidden layer.

    ln Z = ln sum_h int dv exp(-E(v, h)) = ln sum_h exp(-F(h)), with F(h) from
    :func:`free_energy_hidden`; 2**nh terms, log-sum-exp throughout.

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])`` with
        nh <= ``MAX_EXACT_HIDDEN``.

    Returns:
      ln Z as a scalar array; differentiable in ``params``.

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
    return _log_z(_cast(params))


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


def hidden_probs(params: GaussianRBMParams, v: Any) -> jax.Array:
    """Conditional probabilities of the hidden units given the visible layer.

    p(h_j = 1 | v) = sigmoid(c_j + sum_i W_ij v_i / sigma_i^2).

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      v: visible units ``[..., nv]``, real and finite.

    Returns:
      Probabilities ``[..., nh]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.ones((1, 1)), jnp.zeros(1), jnp.zeros(1), jnp.zeros(1))
      >>> round(float(hidden_probs(p, jnp.array([0.0]))[0]), 3)
      0.5

    References:
      Cho, Ilin and Raiko, ICANN (2011), eq. (3).
    """
    nv, _ = _check_params(params)
    _check_visible(v, nv)
    return _hidden_probs(params, v)


def visible_mean(params: GaussianRBMParams, h: Any) -> jax.Array:
    """Conditional mean of the visible units given the hidden layer.

    E[v_i | h] = b_i + sum_j W_ij h_j  (the conditional variance is sigma_i^2).

    Args:
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      h: hidden units ``[..., nh]`` of 0/1.

    Returns:
      Means ``[..., nv]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = GaussianRBMParams(jnp.ones((2, 1)), jnp.array([0.5, 0.0]), jnp.zeros(1),
      ...                       jnp.zeros(2))
      >>> visible_mean(p, jnp.array([1])).tolist()
      [1.5, 1.0]

    References:
      Cho, Ilin and Raiko, ICANN (2011), eq. (2).
    """
    _, nh = _check_params(params)
    _check_hidden(h, nh)
    return _visible_mean(params, h)


def sample_hidden(key: jax.Array, params: GaussianRBMParams, v: Any) -> jax.Array:
    """Draw the hidden layer given the visible one.

    h_j ~ Bernoulli(sigmoid(c_j + sum_i W_ij v_i / sigma_i^2)), independently.

    Args:
      key: a ``jax.random.key``.
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      v: visible units ``[..., nv]``, real and finite.

    Returns:
      Hidden units ``[..., nh]`` of 0/1 in the default float dtype.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> sample_hidden(jax.random.key(1), p, jnp.zeros((4, 3))).shape
      (4, 2)

    References:
      Cho, Ilin and Raiko, ICANN (2011), eq. (3).
    """
    _check_key(key)
    nv, _ = _check_params(params)
    _check_visible(v, nv)
    return _sample_hidden(key, params, v)


def sample_visible(key: jax.Array, params: GaussianRBMParams, h: Any) -> jax.Array:
    """Draw the visible layer given the hidden one.

    v_i ~ N(b_i + sum_j W_ij h_j, sigma_i^2), independently.

    Args:
      key: a ``jax.random.key``.
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      h: hidden units ``[..., nh]`` of 0/1.

    Returns:
      Visible units ``[..., nv]``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> sample_visible(jax.random.key(1), p, jnp.ones((4, 2))).shape
      (4, 3)

    References:
      Cho, Ilin and Raiko, ICANN (2011), eq. (2).
    """
    _check_key(key)
    _, nh = _check_params(params)
    _check_hidden(h, nh)
    return _sample_visible(key, params, h)


def gibbs_step(key: jax.Array, params: GaussianRBMParams,
               v: Any) -> tuple[jax.Array, jax.Array]:
    """One block-Gibbs sweep v -> h -> v'.

    h ~ p(h | v), then v' ~ p(v | h); leaves p(v) = exp(-F(v)) / Z invariant.

    Args:
      key: a ``jax.random.key``.
      params: ``GaussianRBMParams(W [nv, nh], b [nv], c [nh], log_sigma [nv])``.
      v: visible units ``[..., nv]`` (a batch is a batch of independent chains).

    Returns:
      ``(v_new [..., nv], h [..., nh])``, h the hidden state drawn on the way.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> v, h = gibbs_step(jax.random.key(1), p, jnp.zeros((4, 3)))
      >>> v.shape, h.shape
      ((4, 3), (4, 2))

    References:
      S. Geman and D. Geman, IEEE TPAMI 6, 721 (1984); G. E. Hinton, Neural Computation 14,
      1771 (2002).
    """
    _check_key(key)
    nv, _ = _check_params(params)
    _check_visible(v, nv)
    return _gibbs_step(key, params, v)




# ------------------------------------------------------------------------------------------------
# training: grad_fn(key, params, chains, batch) -> (grads, chains, metrics) for models.train

METHODS = ("exact", "cd", "pcd")
"""Gradient estimators of :func:`grad_fn` and :func:`fit`: exact enumeration, CD-k, PCD-k."""


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _contrastive(params: GaussianRBMParams, batch: jax.Array,
                 negatives: jax.Array) -> tuple[GaussianRBMParams, dict]:
    """d/dtheta [mean F(batch) - mean F(negatives)], the negatives held fixed."""
    negatives = jax.lax.stop_gradient(negatives)

    def loss(p):
        return jnp.mean(_free_energy(p, batch)) - jnp.mean(_free_energy(p, negatives))

    gap, grads = jax.value_and_grad(loss)(params)
    recon = _visible_mean(params, _hidden_probs(params, batch))
    metrics = {"recon": jnp.mean((batch - recon) ** 2), "free_energy_gap": gap}
    return grads, metrics


def grad_fn(method: str = "pcd", *, k: int = 1, learn_sigma: bool = True):
    """The gradient function of a Gaussian-RBM training method, for :func:`models.train.train`.

    g = <dF/dtheta>_data - <dF/dtheta>_model, the gradient of the mean negative log-likelihood
    (to minimise). "cd"/"pcd" take it as the autodiff of mean F(v_data) - mean F(v_model) with
    the model samples under stop_gradient, so the data term uses the exact p(h | v).

    Args:
      method: "exact" (autodiff of -:func:`log_likelihood`, ln Z over all 2**nh hidden states;
        nh <= ``MAX_EXACT_HIDDEN``, cheap to about 16), "cd" (CD-k: k Gibbs sweeps started at
        the batch) or "pcd" (persistent chains, k sweeps per step; Tieleman 2008).
      k: Gibbs sweeps per step, an int >= 1 (unused by "exact").
      learn_sigma: if False, the ``log_sigma`` gradient is zero, so sigma keeps its initial
        value (e.g. 1 for standardised data, as in Hinton's practical guide).

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)``, jit-compiled (and
      shared between calls with equal ``method`` and ``k``); ``chains`` is ``()`` for "exact"
      and "cd" and ``v [n_chains, nv]`` for "pcd" (see :func:`init_chains`). Metrics: "nll"
      (the batch's negative mean log-likelihood) for "exact"; "recon" (mean squared error of
      the mean-field reconstruction b + W p(h | v)) and "free_energy_gap" (mean F(data) - mean
      F(samples)) for "cd" and "pcd".

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> grads, _, metrics = grad_fn("cd", k=1)(jax.random.key(1), p, (), jnp.ones((4, 3)))
      >>> grads.W.shape, sorted(metrics)
      ((3, 2), ['free_energy_gap', 'recon'])

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002) (CD); T. Tieleman, ICML (2008) (PCD);
      Cho, Ilin and Raiko, ICANN (2011) (Gaussian-Bernoulli RBM).
    """
    method = _check_method(method)
    k = check_static_int(k, "k", minimum=1)
    if not isinstance(learn_sigma, (bool, np.bool_)):
        raise TypeError(f"learn_sigma must be a bool, got {type(learn_sigma).__name__}")
    return _grad_fn(method, 1 if method == "exact" else k, bool(learn_sigma))


@functools.cache
def _grad_fn(method: str, k: int, learn_sigma: bool):
    """The jitted gradient function (cached: equal settings share one object, so its
    compilations, and models.train's, are reused)."""
    if not learn_sigma:
        core = _grad_fn(method, k, True)

        def fixed_sigma(key, params, chains, batch):
            grads, chains, metrics = core(key, params, chains, batch)
            return grads._replace(log_sigma=jnp.zeros_like(grads.log_sigma)), chains, metrics

        return fixed_sigma
    if method == "exact":
        def fn(key, params, chains, batch):
            del key
            batch = _real(batch)
            nll, grads = jax.value_and_grad(lambda p: -_log_likelihood(p, batch))(params)
            return grads, chains, {"nll": nll}
    elif method == "cd":
        def fn(key, params, chains, batch):
            batch = _real(batch)
            grads, metrics = _contrastive(params, batch, _gibbs_chain(key, params, batch, k))
            return grads, chains, metrics
    else:
        def fn(key, params, chains, batch):
            chains = _gibbs_chain(key, params, chains, k)
            grads, metrics = _contrastive(params, _real(batch), chains)
            return grads, chains, metrics

    return jax.jit(fn)


def init_chains(key: jax.Array, method: str, data: Any, n_chains: int) -> Any:
    """Initial persistent chains for ``grad_fn(method)``: random rows of the data.

    Args:
      key: a ``jax.random.key``.
      method: a method of :data:`METHODS`.
      data: training data ``[n, nv]``, real and finite.
      n_chains: number of chains, an int >= 1 (rows are drawn with replacement if > n).

    Returns:
      ``()`` for "exact" and "cd"; ``v [n_chains, nv]`` for "pcd".

    Example:
      >>> import jax, jax.numpy as jnp
      >>> init_chains(jax.random.key(0), "pcd", jnp.full((6, 3), 2.0), 4).shape
      (4, 3)
      >>> init_chains(jax.random.key(0), "cd", jnp.ones((6, 3)), 4)
      ()

    References:
      Tieleman, ICML (2008).
    """
    _check_key(key)
    method = _check_method(method)
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    data = _check_data(data)
    if method != "pcd":
        return ()
    n = data.shape[0]
    rows = jax.random.choice(key, n, (n_chains,), replace=n_chains > n)
    return data[rows]


def _monitor(data: jax.Array, test_data: jax.Array | None):
    def evaluate(params):
        out = {"train_ll": float(_log_likelihood(params, data))}
        if test_data is not None:
            out["test_ll"] = float(_log_likelihood(params, test_data))
        return out

    return evaluate


@functools.cache
def _default_optimizer(learning_rate: float) -> optax.GradientTransformation:
    """optax.sgd(learning_rate, momentum=0.9), one object per rate (so repeated fits with equal
    settings reuse models.train's compiled steps)."""
    return optax.sgd(learning_rate, momentum=0.9)


def fit_result(key: jax.Array, data: Any, *, n_hidden: int, epochs: int, batch_size: int,
               learning_rate: float, method: str = "pcd", k: int = 1,
               optimizer: optax.GradientTransformation | None = None, learn_sigma: bool = True,
               n_chains: int | None = None, init_scale: float = 0.01,
               params: GaussianRBMParams | None = None, test_data: Any = None,
               monitor: str | None = None, monitor_every: int | None = None,
               checkpoint_dir: str | os.PathLike | None = None,
               checkpoint_every: int | None = None,
               progress: bool = True) -> _train.TrainResult:
    """:func:`fit` returning the whole :class:`models.train.TrainResult` (state and history).

    Same arguments as :func:`fit`; see there. Raises ``FloatingPointError`` if the parameters
    become non-finite (the run diverged) instead of returning them.

    Example:
      >>> import jax, numpy as np
      >>> rng = np.random.default_rng(0)
      >>> x = 3.0 * (rng.integers(0, 2, size=(400, 1)) - 0.5) + 0.3 * rng.normal(size=(400, 3))
      >>> out = fit_result(jax.random.key(0), x, n_hidden=2, epochs=12, batch_size=20,
      ...                  learning_rate=0.01, method="exact", progress=False)
      >>> int(out.state.step), sorted(out.history[-1])
      (240, ['nll', 'step'])
    """
    if not is_concrete(data):
        raise TypeError("fit is a host loop: data must be a concrete array, not a tracer")
    x = _check_data(data)
    n, nv = x.shape
    nh = check_static_int(n_hidden, "n_hidden", minimum=1)
    b = check_static_int(batch_size, "batch_size", minimum=1)
    if b > n:
        raise ValueError(f"batch_size must be <= the number of examples ({n}), got {b}")
    check_static_int(epochs, "epochs", minimum=1)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not (
            np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    method = _check_method(method)
    if monitor not in (None, "exact"):
        raise ValueError(f"monitor must be None or 'exact', got {monitor!r}")
    if method == "exact" or monitor == "exact":
        _check_exact_size(nh)
    test = None
    if test_data is not None:
        test = _check_data(test_data, "test_data")
        if test.shape[1] != nv:
            raise ValueError(f"test_data must have shape [m, {nv}] (data.shape[1]), got shape "
                             f"{test.shape}")
    fn = grad_fn(method, k=k, learn_sigma=learn_sigma)
    k_init, k_chains, k_train = jax.random.split(key, 3)
    if params is None:
        p0 = init_from_data(k_init, x, nh, scale=init_scale)
    else:
        shape = _check_params(params)
        if shape != (nv, nh):
            raise ValueError(f"params have shape (nv, nh) = {shape}, but data has {nv} visible "
                             f"units and n_hidden = {nh}")
        p0 = _cast(params)
    chains = init_chains(k_chains, method, x, b if n_chains is None else n_chains)
    opt = optimizer if optimizer is not None else _default_optimizer(float(learning_rate))
    mon = None if monitor is None else _monitor(x, test)
    config = {"model": "grbm", "n_visible": nv, "n_hidden": nh, "method": method, "k": k,
              "learn_sigma": bool(learn_sigma), "learning_rate": float(learning_rate)}
    out = _train.train(k_train, fn, p0, x, batch_size=b, epochs=epochs, optimizer=opt,
                       chains=chains, monitor=mon, monitor_every=monitor_every,
                       checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every,
                       config=config, progress=progress)
    bad = [name for name, value in zip(GaussianRBMParams._fields, out.params, strict=True)
           if not np.isfinite(np.asarray(value)).all()]
    if bad:
        raise FloatingPointError(
            f"training diverged: params.{', params.'.join(bad)} are not finite after "
            f"{int(out.state.step)} steps (a shrinking sigma scales the gradients by "
            "1/sigma^2); lower learning_rate, clip the gradients (e.g. optimizer=optax.chain("
            "optax.clip_by_global_norm(1.0), optax.sgd(...))) or pass learn_sigma=False")
    return out


def fit(key: jax.Array, data: Any, *, n_hidden: int, epochs: int, batch_size: int,
        learning_rate: float, method: str = "pcd", k: int = 1,
        optimizer: optax.GradientTransformation | None = None, learn_sigma: bool = True,
        **options: Any) -> GaussianRBMParams:
    """Train a Gaussian-Bernoulli RBM on real-valued data by (approximate) maximum likelihood.

    theta <- optimizer(<dF/dtheta>_data - <dF/dtheta>_model), minibatches of a fresh
    permutation each epoch, the model term from ``method`` (see :func:`grad_fn`). The start is
    :func:`init_from_data`: W ~ N(0, init_scale^2), c = 0, b and sigma the data's per-unit mean
    and standard deviation (so training begins at the best independent-Gaussian fit); PCD chains
    start at random data rows.

    Args:
      key: a ``jax.random.key``; the run is a deterministic function of it.
      data: training data ``[n, nv]``, real and finite (standardising each unit helps).
      n_hidden: hidden units, >= 1.
      epochs: passes over the data.
      batch_size: examples per step, in [1, n].
      learning_rate: step size of the default optimizer, > 0.
      method: "pcd" (default), "cd" or "exact".
      k: Gibbs sweeps per step.
      optimizer: any optax transformation (default ``optax.sgd(learning_rate, momentum=0.9)``).
      learn_sigma: learn the standard deviations (default) or keep the initial ones.
      **options: ``n_chains`` (default ``batch_size``), ``init_scale`` (0.01), ``params`` (warm
        start), ``test_data``, ``monitor`` ("exact" or None: exact train/test log-likelihood in
        the history), ``monitor_every``, ``checkpoint_dir``, ``checkpoint_every``,
        ``progress`` — as in :func:`fit_result`.

    Returns:
      The trained ``GaussianRBMParams``.

    Example:
      >>> import jax, numpy as np
      >>> rng = np.random.default_rng(0)                          # two clusters in 3-d
      >>> x = 3.0 * (rng.integers(0, 2, size=(400, 1)) - 0.5) + 0.3 * rng.normal(size=(400, 3))
      >>> p0 = init_from_data(jax.random.key(1), x, 2, scale=0.1)   # b, sigma from the data
      >>> p = fit(jax.random.key(0), x, n_hidden=2, epochs=24, batch_size=20,
      ...         learning_rate=0.01, method="exact", params=p0, progress=False)
      >>> bool(log_likelihood(p, x) > log_likelihood(p0, x) + 1.0)
      True

    References:
      G. E. Hinton and R. Salakhutdinov, Science 313, 504 (2006); Cho, Ilin and Raiko,
      ICANN (2011); T. Tieleman, ICML (2008).
    """
    return fit_result(key, data, n_hidden=n_hidden, epochs=epochs, batch_size=batch_size,
                      learning_rate=learning_rate, method=method, k=k, optimizer=optimizer,
                      learn_sigma=learn_sigma, **options).params
