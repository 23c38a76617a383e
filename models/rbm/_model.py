"""The RBM itself: parameters, checks, energies, free energies and exact ln Z.

E(v, h) = -v.W.h - b.v - c.h. Either layer sums out in closed form (the graph is bipartite), so
the free energies F(v) and F(h) are exact and ln Z is exact by enumerating only the smaller
layer. This module imports no sibling: sampling (``_gibbs``), annealed importance sampling
(``_ais``) and training (``_train``, ``_fit``) build on it.
"""

from __future__ import annotations

from functools import partial
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
    check_static_int,
    float_dtype,
    is_concrete,
)

__all__ = [
    "MAX_EXACT_UNITS",
    "BASE_RATE_CLIP",
    "RBMParams",
    "energy",
    "joint_energy",
    "free_energy",
    "free_energy_hidden",
    "init_params",
    "log_z_exact",
    "log_likelihood",
    "base_rate_bias",
]

MAX_EXACT_UNITS = 30
"""Largest min(nv, nh) for :func:`log_z_exact`, which enumerates 2**min(nv, nh) states."""

BASE_RATE_CLIP = 1e-3
"""Mean visible activations are clipped to [BASE_RATE_CLIP, 1 - BASE_RATE_CLIP] before the
base-rate logit, so ``|b_A| <= ln(999) ~ 6.9`` even for units that are always 0 or always 1."""


class RBMParams(NamedTuple):
    """Parameters of a binary RBM (a pytree).

    Attributes:
      W: weights ``[nv, nh]``.
      b: visible biases ``[nv]``.
      c: hidden biases ``[nh]``.
    """

    W: jax.Array
    b: jax.Array
    c: jax.Array


def _check_params(params: Any) -> tuple[int, int]:
    """Shapes always, finiteness when concrete; returns (nv, nh)."""
    if not all(hasattr(params, f) for f in ("W", "b", "c")):
        raise TypeError(f"params must be an RBMParams(W, b, c), got {type(params).__name__}")
    for name in ("W", "b", "c"):
        check_finite(getattr(params, name), f"params.{name}")
    shape = tuple(jnp.shape(params.W))
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"params.W must be a 2-D array [nv, nh], got shape {shape}")
    nv, nh = shape
    if tuple(jnp.shape(params.b)) != (nv,):
        raise ValueError(f"params.b must have shape ({nv},) (nv = params.W.shape[0]), "
                         f"got shape {tuple(jnp.shape(params.b))}")
    if tuple(jnp.shape(params.c)) != (nh,):
        raise ValueError(f"params.c must have shape ({nh},) (nh = params.W.shape[1]), "
                         f"got shape {tuple(jnp.shape(params.c))}")
    return nv, nh


def _check_units(x: Any, n: int, name: str, what: str) -> None:
    """Real, last axis n, finite and every entry 0 or 1 wherever concrete."""
    check_binary_units(x, n, name, what)


def _check_exact_size(nv: int, nh: int) -> None:
    k = min(nv, nh)
    if k > MAX_EXACT_UNITS:
        raise ValueError(f"log_z_exact enumerates the smaller layer (2**min(nv, nh) states); "
                         f"min(nv, nh)={k} exceeds {MAX_EXACT_UNITS}: use an AIS estimate")


def _free_energy(params: RBMParams, v: jax.Array) -> jax.Array:
    p = as_float(params)
    v = as_float(v)
    return -(v @ p.b) - jnp.sum(jax.nn.softplus(p.c + v @ p.W), axis=-1)


def _free_energy_hidden(params: RBMParams, h: jax.Array) -> jax.Array:
    p = as_float(params)
    h = as_float(h)
    return -(h @ p.c) - jnp.sum(jax.nn.softplus(p.b + h @ p.W.T), axis=-1)


def energy(params: RBMParams, v: Any, h: Any) -> jax.Array:
    """Energy of a joint configuration of an RBM.

    E(v, h) = -v.W.h - b.v - c.h,  v in {0,1}^nv, h in {0,1}^nh.

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      v: visible units ``[nv]`` (or a batch ``[..., nv]``) of 0/1.
      h: hidden units ``[nh]`` (or a batch ``[..., nh]``, broadcasting with ``v``) of 0/1.

    Returns:
      The energy, shape the broadcast of ``v.shape[:-1]`` and ``h.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.ones((2, 1)), jnp.array([0.5, 0.0]), jnp.array([-1.0]))
      >>> float(energy(p, jnp.array([1, 1]), jnp.array([1])))
      -1.5

    References:
      P. Smolensky, in Parallel Distributed Processing, vol. 1, ch. 6 (1986);
      G. E. Hinton, Neural Computation 14, 1771 (2002).
    """
    nv, nh = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    _check_units(h, nh, "h", "nh = params.W.shape[1]")
    p = as_float(params)
    v, h = as_float(v), as_float(h)
    return -jnp.sum((v @ p.W) * h, axis=-1) - v @ p.b - h @ p.c


def joint_energy(params: RBMParams, x: Any) -> jax.Array:
    """Energy of a joint configuration given as one vector, the position of :func:`sampler`.

    E(x) = E(v, h) with v = x[:nv], h = x[nv:]: the energy tempered by parallel tempering and
    annealed by :func:`statmech.log_z` (AIS from the uniform distribution on {0,1}^(nv + nh)).

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      x: units ``[nv + nh]`` (or a batch ``[..., nv + nh]``) of 0/1, visible first.

    Returns:
      The energy, shape ``x.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.ones((2, 1)), jnp.array([0.5, 0.0]), jnp.array([-1.0]))
      >>> float(joint_energy(p, jnp.array([1, 1, 1])))      # = energy(p, [1, 1], [1])
      -1.5

    References:
      G. Desjardins et al., AISTATS (2010) (tempering the joint energy).
    """
    nv, nh = _check_params(params)
    _check_units(x, nv + nh, "x", "nv + nh = sum of params.W.shape")
    return _joint_energy(params, x)


def _joint_energy(params: RBMParams, x: jax.Array) -> jax.Array:
    p = as_float(params)
    x = as_float(x)
    nv = p.W.shape[0]
    v, h = x[..., :nv], x[..., nv:]
    return -jnp.sum((v @ p.W) * h, axis=-1) - v @ p.b - h @ p.c


_jit_free_energy = jax.jit(_free_energy)
_jit_free_energy_hidden = jax.jit(_free_energy_hidden)
"""The public free energies as one compiled program each (eagerly, every operation would be
dispatched and compiled on its own)."""


def free_energy(params: RBMParams, v: Any) -> jax.Array:
    """Free energy of visible configurations, the hidden layer summed out exactly.

    F(v) = -ln sum_h exp(-E(v, h)) = -b.v - sum_j softplus(c_j + (v W)_j).

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      v: visible units ``[nv]`` or a batch ``[..., nv]`` of 0/1.

    Returns:
      F(v), shape ``v.shape[:-1]`` (a scalar for one configuration).

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((3, 2)), jnp.zeros(3), jnp.zeros(2))
      >>> round(float(free_energy(p, jnp.array([1, 0, 1]))), 6)     # -2 ln 2
      -1.386294
      >>> free_energy(p, jnp.zeros((5, 3))).shape
      (5,)

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002); P. Smolensky (1986).
    """
    nv, _ = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    return _jit_free_energy(params, v)


def free_energy_hidden(params: RBMParams, h: Any) -> jax.Array:
    """Free energy of hidden configurations, the visible layer summed out exactly.

    F(h) = -ln sum_v exp(-E(v, h)) = -c.h - sum_i softplus(b_i + (W h)_i).

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      h: hidden units ``[nh]`` or a batch ``[..., nh]`` of 0/1.

    Returns:
      F(h), shape ``h.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((3, 2)), jnp.zeros(3), jnp.zeros(2))
      >>> round(float(free_energy_hidden(p, jnp.array([1, 0]))), 6)    # -3 ln 2
      -2.079442

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002); P. Smolensky (1986).
    """
    _, nh = _check_params(params)
    _check_units(h, nh, "h", "nh = params.W.shape[1]")
    return _jit_free_energy_hidden(params, h)


def init_params(key: jax.Array, n_visible: int, n_hidden: int,
                scale: float = 0.01) -> RBMParams:
    """Small random weights and zero biases.

    W_ij ~ scale * N(0, 1), b = 0, c = 0.

    Args:
      key: a ``jax.random.key``.
      n_visible: nv, an int >= 1.
      n_hidden: nh, an int >= 1.
      scale: standard deviation of the weights, finite and >= 0.

    Returns:
      ``RBMParams(W [nv, nh], b [nv], c [nh])`` in the default float dtype.

    Example:
      >>> import jax
      >>> p = init_params(jax.random.key(0), 6, 4)
      >>> p.W.shape, p.b.shape, p.c.shape
      ((6, 4), (6,), (4,))

    References:
      G. E. Hinton, A Practical Guide to Training RBMs, UTML TR 2010-003 (2010).
    """
    nv = check_static_int(n_visible, "n_visible", minimum=1)
    nh = check_static_int(n_hidden, "n_hidden", minimum=1)
    check_finite(scale, "scale")
    if is_concrete(scale) and float(np.asarray(scale)) < 0:
        raise ValueError(f"scale must be >= 0, got {float(np.asarray(scale))}")
    return _init_params(key, nv, nh, scale, float_dtype())


@partial(jax.jit, static_argnums=(1, 2, 4))
def _init_params(key: jax.Array, nv: int, nh: int, scale: Any, dtype) -> RBMParams:
    W = jnp.asarray(scale, dtype=dtype) * jax.random.normal(key, (nv, nh), dtype=dtype)
    return RBMParams(W, jnp.zeros((nv,), dtype=dtype), jnp.zeros((nh,), dtype=dtype))


def log_z_exact(params: RBMParams, beta: Any = 1.0) -> jax.Array:
    """Exact ln Z of an RBM, enumerating only the smaller layer.

    ln Z = ln sum_h exp(-beta F(h)) (nh <= nv) or ln sum_v exp(-beta F(v)) (nv < nh), the other
    layer summed out in closed form; at inverse temperature beta the parameters are scaled by
    beta. Costs 2**min(nv, nh) free-energy evaluations, log-sum-exp throughout.

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])`` with min(nv, nh) <= 30.
      beta: inverse temperature, a finite scalar >= 0 (default 1).

    Returns:
      ln Z as a scalar array; differentiable in ``params`` and ``beta``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((4, 3)), jnp.zeros(4), jnp.zeros(3))
      >>> round(float(log_z_exact(p)), 6)    # 7 ln 2
      4.85203

    References:
      R. Salakhutdinov and I. Murray, ICML (2008), sec. 2 (exact ln Z for a small hidden layer).
    """
    nv, nh = _check_params(params)
    _check_exact_size(nv, nh)
    check_beta(beta)
    return _log_z(as_float(params), jnp.asarray(beta, dtype=float_dtype()))


@jax.jit
def _log_z(params: RBMParams, beta: jax.Array) -> jax.Array:
    """ln Z with the smaller layer enumerated (jitted: one compile per shape and dtype)."""
    nv, nh = jnp.shape(params.W)
    scaled = RBMParams(*(beta * p for p in as_float(params)))
    if nh <= nv:
        return log_z_enumerate(_free_energy_hidden, scaled, nh, 1.0, spins=(0, 1))
    return log_z_enumerate(_free_energy, scaled, nv, 1.0, spins=(0, 1))


def log_likelihood(params: RBMParams, v: Any) -> jax.Array:
    """Exact mean log-likelihood of visible data.

    (1/B) sum_k ln p(v_k) = -(1/B) sum_k F(v_k) - ln Z, with ln Z from :func:`log_z_exact`.

    Args:
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])`` with min(nv, nh) <= 30.
      v: data ``[B, nv]`` (or one example ``[nv]``, or any ``[..., nv]``) of 0/1.

    Returns:
      The mean log-likelihood per example in nats, a scalar.

    Example:
      >>> import jax.numpy as jnp
      >>> p = RBMParams(jnp.zeros((4, 3)), jnp.zeros(4), jnp.zeros(3))
      >>> round(float(log_likelihood(p, jnp.array([[1, 0, 1, 1], [0, 0, 0, 0]]))), 6)  # -4 ln 2
      -2.772589

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002); R. Salakhutdinov and I. Murray (2008).
    """
    nv, nh = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    _check_exact_size(nv, nh)
    one = jnp.asarray(1.0, dtype=float_dtype())
    return -jnp.mean(_free_energy(params, v)) - _log_z(as_float(params), one)


def base_rate_bias(data: Any, n_visible: int | None = None) -> jax.Array:
    """Visible biases of the base-rate model: the logits of the data's mean activations.

    b_A,i = ln p_i - ln(1 - p_i),  p_i = clip(mean_k v_k,i, 1e-3, 1 - 1e-3).

    Args:
      data: binary data ``[B, nv]`` (or any ``[..., nv]``) of 0/1, at least one example.
      n_visible: nv to check ``data`` against (default: its last axis).

    Returns:
      b_A ``[nv]`` in the default float dtype; the factorial model p_A(v) = prod_i
      sigmoid(b_A,i)^v_i sigmoid(-b_A,i)^(1 - v_i) matches the data's marginals. :func:`fit`
      starts the visible biases here (Hinton's practical guide) and AIS starts from it.

    Example:
      >>> import jax.numpy as jnp
      >>> [round(float(x), 3) for x in base_rate_bias(jnp.array([[1, 0, 0], [1, 1, 0]]))]
      [6.907, 0.0, -6.907]

    References:
      R. Salakhutdinov and I. Murray, ICML (2008), sec. 4.1.
    """
    shape = tuple(jnp.shape(data))
    nv = shape[-1] if (n_visible is None and shape) else n_visible
    if nv is None or nv < 1:
        raise ValueError(f"data must have shape [B, nv] with nv >= 1, got shape {shape}")
    _check_units(data, nv, "data", f"nv = {nv}")
    if int(np.prod(shape[:-1])) < 1:
        raise ValueError(f"data must hold at least one example, got shape {shape}")
    return _base_rate(as_float(data).reshape(-1, nv))


@jax.jit
def _base_rate(data: jax.Array) -> jax.Array:
    p = jnp.clip(jnp.mean(data, axis=0), BASE_RATE_CLIP, 1.0 - BASE_RATE_CLIP)
    return jnp.log(p) - jnp.log1p(-p)
