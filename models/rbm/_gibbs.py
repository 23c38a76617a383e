"""Conditionals, block-Gibbs sampling, the RBM's sampler and its monitoring quantities.

Given one layer the other factorises: p(h_j = 1 | v) = sigmoid(c_j + (vW)_j) and
p(v_i = 1 | h) = sigmoid(b_i + (Wh)_i), so a block-Gibbs sweep v -> h -> v' leaves
p(v) ∝ exp(-F(v)) invariant. Every Gibbs update of the package (sampling, CD/PCD/PT training,
AIS) goes through the two draws here, :func:`_draw_hidden` and :func:`_draw_visible`, from
uniforms of the counter-based generator (:mod:`statmech.random`); at inverse temperature beta
they draw from the tempered joint exp(-(1 - beta) E_A - beta E) with E_A a base-rate model.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from models.rbm._model import (
    RBMParams,
    _check_params,
    _check_units,
)
from statmech.mcmc import LocalInfo, SamplingAlgorithm, SpinState
from statmech.random import fold_word, hash_key_words, hash_uniform, key_words
from statmech.validate import as_float, check_static_int, check_values

__all__ = [
    "hidden_probs",
    "visible_probs",
    "sample_hidden",
    "sample_visible",
    "gibbs_step",
    "sample",
    "sampler",
]


# ----------------------------------------------------------------------------------------------
# the one block-Gibbs mechanism: conditional draws from given uniforms


def _hidden_probs(p: RBMParams, v: jax.Array) -> jax.Array:
    return jax.nn.sigmoid(p.c + v @ p.W)


def _visible_probs(p: RBMParams, h: jax.Array) -> jax.Array:
    return jax.nn.sigmoid(p.b + h @ p.W.T)


def _bernoulli(u: jax.Array, probs: jax.Array) -> jax.Array:
    """0/1 draws ``u < probs`` in the dtype of ``probs``."""
    return (u < probs).astype(probs.dtype)


def _draw_hidden(p: RBMParams, v: jax.Array, u: jax.Array, beta=None, mask=None,
                 hidden_input=None) -> jax.Array:
    """h ~ p_beta(h | v): h_j = [u_j < sigmoid(beta (c + v W)_j)], 0 where ``mask`` is 0
    (dropout); ``hidden_input`` = c + v W when already computed."""
    x = p.c + v @ p.W if hidden_input is None else hidden_input
    probs = jax.nn.sigmoid(x if beta is None else beta * x)
    return _bernoulli(u, probs if mask is None else probs * mask)


def _draw_visible(p: RBMParams, h: jax.Array, u: jax.Array, beta=None,
                  base_bias=None) -> jax.Array:
    """v ~ p_beta(v | h) of the tempered joint exp(-(1 - beta) E_A - beta E), E_A the base-rate
    model with visible biases ``base_bias`` (or none): v_i = [u_i < sigmoid(field_i)], field =
    beta (b + W h) + (1 - beta) b_A."""
    field = p.b + h @ p.W.T
    if beta is not None:
        field = beta * field
        if base_bias is not None:
            field = field + (1.0 - beta) * base_bias
    return _bernoulli(u, jax.nn.sigmoid(field))


def _sweep(p: RBMParams, v: jax.Array, u: jax.Array, *, beta=None, mask=None, base_bias=None,
           hidden_input=None) -> tuple[jax.Array, jax.Array]:
    """One block-Gibbs sweep v -> h -> v' with uniforms ``u [..., nh + nv]`` (hidden first);
    returns (v', h)."""
    nh = p.W.shape[1]
    h = _draw_hidden(p, v, u[..., :nh], beta, mask, hidden_input)
    return _draw_visible(p, h, u[..., nh:], beta, base_bias), h


def _uniforms(shape: tuple, key: jax.Array, dtype) -> jax.Array:
    w = key_words(key, 2)
    return hash_uniform(shape, w[0], w[1], dtype)


# the public conditionals, one compiled program each (called eagerly they would otherwise
# dispatch every operation of the hash generator separately)
_jit_hidden_probs = jax.jit(_hidden_probs)
_jit_visible_probs = jax.jit(_visible_probs)


@jax.jit
def _sample_hidden(key: jax.Array, p: RBMParams, v: jax.Array) -> jax.Array:
    return _draw_hidden(p, v, _uniforms(v.shape[:-1] + (p.W.shape[1],), key, v.dtype))


@jax.jit
def _sample_visible(key: jax.Array, p: RBMParams, h: jax.Array) -> jax.Array:
    return _draw_visible(p, h, _uniforms(h.shape[:-1] + (p.W.shape[0],), key, h.dtype))


@jax.jit
def _gibbs_step(key: jax.Array, p: RBMParams, v: jax.Array) -> tuple[jax.Array, jax.Array]:
    n_units = p.W.shape[0] + p.W.shape[1]
    return _sweep(p, v, _uniforms(v.shape[:-1] + (n_units,), key, v.dtype))


# ----------------------------------------------------------------------------------------------
# conditionals and sampling


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
    return _jit_hidden_probs(as_float(params), as_float(v))


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
    return _jit_visible_probs(as_float(params), as_float(h))


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
    nv, nh = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    v = as_float(v)
    return _sample_hidden(key, as_float(params), v)


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
    _, nh = _check_params(params)
    _check_units(h, nh, "h", "nh = params.W.shape[1]")
    return _sample_visible(key, as_float(params), as_float(h))


def gibbs_step(key: jax.Array, params: RBMParams, v: Any) -> tuple[jax.Array, jax.Array]:
    """One block-Gibbs sweep: h ~ p(h | v), then v' ~ p(v | h).

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams``.
      v: visible units ``[..., nv]`` of 0/1.

    Returns:
      ``(v_new [..., nv], h [..., nh])``; p(v) ∝ exp(-F(v)) is invariant. The uniforms come
      from the counter-based generator keyed by two words of ``key``.

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
    return _gibbs_step(key, as_float(params), as_float(v))


def sample(key: jax.Array, params: RBMParams, n_chains: int, *, n_sweeps: int,
           v0: Any = None) -> jax.Array:
    """Visible samples after ``n_sweeps`` block-Gibbs sweeps of independent chains.

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams``.
      n_chains: number of chains, >= 1.
      n_sweeps: Gibbs sweeps per chain, >= 1.
      v0: optional start ``[n_chains, nv]`` of 0/1 (default: uniform random).

    Returns:
      0/1 samples ``[n_chains, nv]``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((4, 2)), jnp.full(4, 30.0), jnp.zeros(2))
      >>> sample(jax.random.key(0), p, 3, n_sweeps=2).tolist()[0]
      [1.0, 1.0, 1.0, 1.0]

    References:
      S. Geman and D. Geman, IEEE TPAMI 6, 721 (1984).
    """
    nv, _ = _check_params(params)
    n = check_static_int(n_chains, "n_chains", minimum=1)
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=1)
    k0, key = jax.random.split(key)
    if v0 is None:
        v0 = jax.random.bernoulli(k0, 0.5, (n, nv))
    else:
        _check_units(v0, nv, "v0", "nv = params.W.shape[0]")
        if tuple(jnp.shape(v0)) != (n, nv):
            raise ValueError(f"v0 must have shape ({n}, {nv}), got {tuple(jnp.shape(v0))}")
    return _sample(key, as_float(params), as_float(v0), n_sweeps)


@functools.partial(jax.jit, static_argnums=3)
def _sample(key, p, v, n_sweeps):
    nv, nh = p.W.shape
    w = key_words(key, 2)

    def body(v, i):
        u = hash_uniform(v.shape[:-1] + (nh + nv,), fold_word(w[0], i), w[1], v.dtype)
        return _sweep(p, v, u)[0], None

    return jax.lax.scan(body, v, jnp.arange(n_sweeps))[0]


def sampler(n_sweeps: int = 1) -> SamplingAlgorithm:
    """Block-Gibbs sampling of the joint RBM distribution at inverse temperature beta.

    The position is x = [v, h] in {0,1}^(nv + nh) (visible first) with energy
    :func:`joint_energy`; a step draws h ~ p_beta(h | v) and then v' ~ p_beta(v | h),
    p_beta(h_j = 1 | v) = sigmoid(beta (c + vW)_j), ``n_sweeps`` times, which leaves
    p_beta(v, h) ∝ exp(-beta E(v, h)) invariant. So :func:`statmech.log_z` (AIS, reverse AIS,
    TI) and :func:`statmech.mcmc.parallel_tempering` run on an RBM unchanged (Desjardins et al.
    temper this joint energy); ``params`` and ``beta`` are traced.

    Args:
      n_sweeps: block-Gibbs sweeps per step, an int >= 1.

    Returns:
      ``SamplingAlgorithm(init, step)``: ``init(x)`` takes 0/1 units ``[nv + nh]`` (int8
      state), ``step(key, state, params, beta) -> (SpinState, LocalInfo)``.

    Example:
      >>> import jax, jax.numpy as jnp, statmech
      >>> from models.rbm import init_params, joint_energy, log_z_exact
      >>> p = init_params(jax.random.key(0), 6, 3, scale=0.5)
      >>> est = statmech.log_z(joint_energy, p, 1.0, method="ais", key=jax.random.key(1),
      ...                      algo=sampler(), shape=(9,), spins=(0, 1), n_chains=128)
      >>> bool(abs(est.log_z - log_z_exact(p)) < 4 * est.stderr + 0.02)
      True

    References:
      S. Geman and D. Geman, IEEE TPAMI 6, 721 (1984); G. Desjardins et al., AISTATS (2010).
    """
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=1)
    return SamplingAlgorithm(_joint_init, _joint_step(n_sweeps))


class _Thinned(NamedTuple):
    """An RBM whose hidden units outside ``mask`` are held at 0 (dropout): the params of
    :func:`_joint_step` for a thinned model."""

    params: RBMParams
    mask: jax.Array


def _joint_init(position: Any) -> SpinState:
    check_values(position, (0, 1), "position")
    return SpinState(jnp.asarray(position).astype(jnp.int8))


@functools.lru_cache(maxsize=16)
def _joint_step(n_sweeps: int):
    """``step(key, state, params, beta)`` of :func:`sampler`; ``params`` an ``RBMParams`` or a
    :class:`_Thinned` one. One function per ``n_sweeps``, so compiled callers are reused."""

    def step(key, state, params, beta):
        mask = params.mask if isinstance(params, _Thinned) else None
        p = as_float(params.params if isinstance(params, _Thinned) else params)
        nv, nh = p.W.shape
        x = state.spins.astype(p.W.dtype)
        v, h = x[..., :nv], x[..., nv:]
        w = hash_key_words(key, 2)
        for i in range(n_sweeps):
            u = hash_uniform(x.shape[:-1] + (nh + nv,), fold_word(w[0], i), w[1], p.W.dtype)
            v, h = _sweep(p, v, u, beta=beta, mask=mask)
        new = jnp.concatenate([v, h], axis=-1).astype(jnp.int8)
        return SpinState(new), LocalInfo(jnp.mean(new != state.spins))

    return step
