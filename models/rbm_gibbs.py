"""Conditionals, block-Gibbs sampling and monitoring quantities of the binary RBM.

Given one layer the other factorises: p(h_j = 1 | v) = sigmoid(c_j + (vW)_j) and
p(v_i = 1 | h) = sigmoid(b_i + (Wh)_i), so a block-Gibbs sweep v -> h -> v' leaves
p(v) ∝ exp(-F(v)) invariant. The pseudo-likelihood and the reconstruction error are the cheap
monitors of training when the exact likelihood is out of reach.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp

from models.rbm import RBMParams, _cast, _check_params, _check_units, _free_energy, _units
from statmech._validate import check_static_int

__all__ = [
    "hidden_probs",
    "visible_probs",
    "sample_hidden",
    "sample_visible",
    "gibbs_step",
    "sample",
    "pseudo_log_likelihood",
    "reconstruction_error",
]


# ----------------------------------------------------------------------------------------------
# conditionals and sampling


def _hidden_probs(p: RBMParams, v: jax.Array) -> jax.Array:
    return jax.nn.sigmoid(p.c + v @ p.W)


def _visible_probs(p: RBMParams, h: jax.Array) -> jax.Array:
    return jax.nn.sigmoid(p.b + h @ p.W.T)


def _bernoulli(key: jax.Array, probs: jax.Array) -> jax.Array:
    return (jax.random.uniform(key, probs.shape, probs.dtype) < probs).astype(probs.dtype)


def hidden_probs(params: RBMParams, v: Any) -> jax.Array:
    """p(h_j = 1 | v) = sigmoid(c_j + (v W)_j) for every hidden unit.

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      v: visible units ``[..., nv]`` of 0/1.

    Returns:
      Probabilities ``[..., nh]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.ones((2, 1)), jnp.zeros(2), jnp.array([-1.0]))
      >>> hidden_probs(p, jnp.array([1, 0])).tolist()     # sigmoid(0)
      [0.5]

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002).
    """
    nv, _ = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    return _hidden_probs(_cast(params), _units(v))


def visible_probs(params: RBMParams, h: Any) -> jax.Array:
    """p(v_i = 1 | h) = sigmoid(b_i + (W h)_i) for every visible unit.

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      h: hidden units ``[..., nh]`` of 0/1.

    Returns:
      Probabilities ``[..., nv]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.ones((2, 1)), jnp.array([-1.0, 0.0]), jnp.zeros(1))
      >>> visible_probs(p, jnp.array([1])).tolist()
      [0.5, 0.7310585975646973]

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002).
    """
    _, nh = _check_params(params)
    _check_units(h, nh, "h", "nh = params.W.shape[1]")
    return _visible_probs(_cast(params), _units(h))


def sample_hidden(key: jax.Array, params: RBMParams, v: Any) -> jax.Array:
    """Draw h ~ p(h | v), every hidden unit independent given v.

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams``.
      v: visible units ``[..., nv]`` of 0/1.

    Returns:
      0/1 hidden units ``[..., nh]`` in the float dtype.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((3, 2)), jnp.zeros(3), jnp.array([50.0, -50.0]))
      >>> sample_hidden(jax.random.key(0), p, jnp.ones(3)).tolist()
      [1.0, 0.0]
    """
    return _bernoulli(key, hidden_probs(params, v))


def sample_visible(key: jax.Array, params: RBMParams, h: Any) -> jax.Array:
    """Draw v ~ p(v | h), every visible unit independent given h.

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams``.
      h: hidden units ``[..., nh]`` of 0/1.

    Returns:
      0/1 visible units ``[..., nv]`` in the float dtype.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((2, 1)), jnp.array([50.0, -50.0]), jnp.zeros(1))
      >>> sample_visible(jax.random.key(0), p, jnp.ones(1)).tolist()
      [1.0, 0.0]
    """
    return _bernoulli(key, visible_probs(params, h))


def _gibbs(key: jax.Array, p: RBMParams, v: jax.Array, mask: jax.Array | None = None):
    """One block-Gibbs sweep v -> h -> v' (hidden units outside ``mask`` held at 0)."""
    kh, kv = jax.random.split(key)
    ph = _hidden_probs(p, v)
    if mask is not None:
        ph = ph * mask
    h = _bernoulli(kh, ph)
    return _bernoulli(kv, _visible_probs(p, h)), h


def gibbs_step(key: jax.Array, params: RBMParams, v: Any) -> tuple[jax.Array, jax.Array]:
    """One block-Gibbs sweep: h ~ p(h | v), then v' ~ p(v | h).

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams``.
      v: visible units ``[..., nv]`` of 0/1.

    Returns:
      ``(v_new [..., nv], h [..., nh])``; p(v) ∝ exp(-F(v)) is invariant.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((4, 2)), jnp.zeros(4), jnp.zeros(2))
      >>> v, h = gibbs_step(jax.random.key(0), p, jnp.zeros((5, 4)))
      >>> v.shape, h.shape
      ((5, 4), (5, 2))

    References:
      S. Geman and D. Geman, IEEE TPAMI 6, 721 (1984); G. E. Hinton (2002).
    """
    nv, _ = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    return _gibbs(key, _cast(params), _units(v))


def sample(key: jax.Array, params: RBMParams, n_samples: int, *, n_steps: int,
           v0: Any = None) -> jax.Array:
    """Visible samples after ``n_steps`` block-Gibbs sweeps of independent chains.

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams``.
      n_samples: number of chains, >= 1.
      n_steps: Gibbs sweeps per chain, >= 1.
      v0: optional start ``[n_samples, nv]`` of 0/1 (default: uniform random).

    Returns:
      0/1 samples ``[n_samples, nv]``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((4, 2)), jnp.full(4, 30.0), jnp.zeros(2))
      >>> sample(jax.random.key(0), p, 3, n_steps=2).tolist()[0]
      [1.0, 1.0, 1.0, 1.0]

    References:
      S. Geman and D. Geman, IEEE TPAMI 6, 721 (1984).
    """
    nv, _ = _check_params(params)
    n = check_static_int(n_samples, "n_samples", minimum=1)
    n_steps = check_static_int(n_steps, "n_steps", minimum=1)
    k0, key = jax.random.split(key)
    if v0 is None:
        v0 = jax.random.bernoulli(k0, 0.5, (n, nv))
    else:
        _check_units(v0, nv, "v0", "nv = params.W.shape[0]")
        if tuple(jnp.shape(v0)) != (n, nv):
            raise ValueError(f"v0 must have shape ({n}, {nv}), got {tuple(jnp.shape(v0))}")
    return _sample(key, _cast(params), _units(v0), n_steps)


@functools.partial(jax.jit, static_argnums=3)
def _sample(key, p, v, n_steps):
    def body(v, k):
        return _gibbs(k, p, v)[0], None
    return jax.lax.scan(body, v, jax.random.split(key, n_steps))[0]


# ----------------------------------------------------------------------------------------------
# monitoring


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
    return _pseudo_ll(_cast(params), _units(v))


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
    p, v = _cast(params), _units(v)
    return jnp.mean((v - _visible_probs(p, _hidden_probs(p, v))) ** 2)
