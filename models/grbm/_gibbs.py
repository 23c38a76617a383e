"""Conditionals, block-Gibbs sampling and the sampler of the Gaussian-Bernoulli RBM.

Given one layer the other factorises: p(h_j = 1 | v) = sigmoid(c_j + sum_i W_ij v_i / sigma_i^2)
and p(v_i | h) = N(b_i + (W h)_i, sigma_i^2), so a block-Gibbs sweep v -> h -> v' leaves
p(v) = exp(-F(v)) / Z invariant. At inverse temperature beta the hidden inputs scale by beta
and the visible variances by 1 / beta.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from models.grbm._model import (
    GaussianRBMParams,
    _check_hidden,
    _check_params,
    _check_visible,
    _hidden_input,
)
from statmech.mcmc import SamplingAlgorithm
from statmech.validate import as_float, check_finite, check_key, check_static_int

__all__ = [
    "hidden_probs",
    "visible_mean",
    "sample_hidden",
    "sample_visible",
    "gibbs_step",
    "sampler",
]


# ------------------------------------------------------------------------------------------------
# unvalidated internals (used under jit and inside the gradient estimators of ``_train``)

@jax.jit
def _hidden_probs(params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    p = as_float(params)
    return jax.nn.sigmoid(_hidden_input(p, as_float(v)))


@jax.jit
def _visible_mean(params: GaussianRBMParams, h: jax.Array) -> jax.Array:
    p = as_float(params)
    return p.b + as_float(h) @ p.W.T


@jax.jit
def _sample_hidden(key: jax.Array, params: GaussianRBMParams, v: jax.Array) -> jax.Array:
    probs = _hidden_probs(params, v)
    return jax.random.bernoulli(key, probs).astype(probs.dtype)


@jax.jit
def _sample_visible(key: jax.Array, params: GaussianRBMParams, h: jax.Array) -> jax.Array:
    mean = _visible_mean(params, h)
    noise = jax.random.normal(key, mean.shape, dtype=mean.dtype)
    return mean + jnp.exp(as_float(params).log_sigma) * noise


@jax.jit
def _gibbs_step(key: jax.Array, params: GaussianRBMParams,
                v: jax.Array) -> tuple[jax.Array, jax.Array]:
    key_h, key_v = jax.random.split(key)
    h = _sample_hidden(key_h, params, v)
    return _sample_visible(key_v, params, h), h


def _gibbs_chain(key: jax.Array, params: GaussianRBMParams, v: jax.Array, k: int) -> jax.Array:
    def body(v, key):
        return _gibbs_step(key, params, v)[0], None

    v, _ = jax.lax.scan(body, as_float(v), jax.random.split(key, k))
    return v

# ------------------------------------------------------------------------------------------------
# public functions

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
      >>> from models.grbm import init_params
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> sample_hidden(jax.random.key(1), p, jnp.zeros((4, 3))).shape
      (4, 2)

    References:
      Cho, Ilin and Raiko, ICANN (2011), eq. (3).
    """
    check_key(key)
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
      >>> from models.grbm import init_params
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> sample_visible(jax.random.key(1), p, jnp.ones((4, 2))).shape
      (4, 3)

    References:
      Cho, Ilin and Raiko, ICANN (2011), eq. (2).
    """
    check_key(key)
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
      >>> from models.grbm import init_params
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> v, h = gibbs_step(jax.random.key(1), p, jnp.zeros((4, 3)))
      >>> v.shape, h.shape
      ((4, 3), (4, 2))

    References:
      S. Geman and D. Geman, IEEE TPAMI 6, 721 (1984); G. E. Hinton, Neural Computation 14,
      1771 (2002).
    """
    check_key(key)
    nv, _ = _check_params(params)
    _check_visible(v, nv)
    return _gibbs_step(key, params, v)


def sampler(n_sweeps: int = 1) -> SamplingAlgorithm:
    """Block-Gibbs sampling of the joint distribution at inverse temperature beta > 0.

    The position (and state) is the float vector x = [v, h], v real ``[nv]``, h 0/1 ``[nh]``,
    with energy :func:`joint_energy`; a step draws h ~ p_beta(h | v), h_j = 1 with probability
    sigmoid(beta (c_j + sum_i W_ij v_i / sigma_i^2)), then v ~ N(b + W h, sigma^2 / beta),
    ``n_sweeps`` times, leaving p_beta(v, h) ∝ exp(-beta E(v, h)) invariant: the kernel for
    :func:`statmech.mcmc.parallel_tempering` with a ladder of betas > 0. (AIS from beta = 0
    does not apply: the visible Gaussians are improper there; :func:`log_z_exact` is exact.)

    Args:
      n_sweeps: block-Gibbs sweeps per step, an int >= 1.

    Returns:
      ``SamplingAlgorithm(init, step)``; ``step(key, x, params, beta) -> (x, ())``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from models.grbm import init_params
      >>> algo = sampler()
      >>> x, _ = algo.step(jax.random.key(0), algo.init(jnp.zeros(5)), init_params(
      ...     jax.random.key(1), 3, 2), 1.0)
      >>> x.shape
      (5,)

    References:
      Cho, Ilin and Raiko, ICANN (2011); G. Desjardins et al., AISTATS (2010).
    """
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=1)

    def init(position: Any) -> jax.Array:
        check_finite(position, "position")
        return as_float(position)

    def step(key, x, params, beta):
        p = as_float(params)
        nv = p.b.shape[0]
        v = x[..., :nv]
        for k in jax.random.split(key, n_sweeps):
            k_h, k_v = jax.random.split(k)
            probs = jax.nn.sigmoid(beta * _hidden_input(p, v))
            h = jax.random.bernoulli(k_h, probs).astype(x.dtype)
            noise = jax.random.normal(k_v, v.shape, x.dtype)
            v = p.b + h @ p.W.T + jnp.exp(p.log_sigma) / jnp.sqrt(beta) * noise
        return jnp.concatenate([v, h], axis=-1), ()

    return SamplingAlgorithm(init, step)
