"""The fully-visible Boltzmann machine: n binary units x in {0, 1}^n with pairwise couplings.

E(x) = -1/2 x.W.x - b.x with W symmetric and a zero diagonal. The diagonal of ``W`` is masked
out of the energy (x_i^2 = x_i would make it a second bias), so its gradient is exactly zero and
an optimizer step never moves it. Exact ln Z, moments and likelihood by enumeration (n <= 30).
This module imports no sibling: sampling is in ``_sampling``, training in ``_train``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from statmech.exact import enumerate_moments, log_z_dense
from statmech.validate import (
    as_float,
    check_beta,
    check_binary_units,
    check_finite,
    check_static_int,
    check_symmetric,
    float_dtype,
    is_concrete,
)

__all__ = [
    "MAX_UNITS",
    "BoltzmannParams",
    "BoltzmannMoments",
    "energy",
    "init_params",
    "log_z_exact",
    "moments_exact",
    "log_likelihood",
]

MAX_UNITS = 30
"""Largest n for the exact (enumeration) functions, 2**30 states."""


class BoltzmannParams(NamedTuple):
    """Parameters of a fully-visible Boltzmann machine (a pytree).

    Attributes:
      W: couplings ``[n, n]``, symmetric; the diagonal is ignored (keep it zero).
      b: biases ``[n]``.
    """

    W: jax.Array
    b: jax.Array


class BoltzmannMoments(NamedTuple):
    """Exact model moments.

    Attributes:
      mean: <x_i>, shape ``[n]``.
      correlation: <x_i x_j>, shape ``[n, n]`` (its diagonal is <x_i>).
    """

    mean: jax.Array
    correlation: jax.Array


def _check_params(params: Any) -> int:
    """Shapes always, finiteness and symmetry when concrete; returns n."""
    if not (hasattr(params, "W") and hasattr(params, "b")):
        raise TypeError(f"params must be a BoltzmannParams(W, b), got {type(params).__name__}")
    W, b = params.W, params.b
    check_finite(W, "params.W")
    check_finite(b, "params.b")
    shape = tuple(jnp.shape(W))
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1:
        raise ValueError(f"params.W must be a square matrix [n, n], got shape {shape}")
    n = shape[0]
    if tuple(jnp.shape(b)) != (n,):
        raise ValueError(f"params.b must have shape ({n},) to match params.W {shape}, "
                         f"got shape {tuple(jnp.shape(b))}")
    check_symmetric(W, "params.W")
    return n


def _check_units(x: Any, n: int, name: str) -> None:
    """Real, last axis n, finite and every entry 0 or 1 wherever concrete."""
    check_binary_units(x, n, name, "n = params.b size")


def _check_size(n: int) -> None:
    check_static_int(n, "n", maximum=MAX_UNITS,
                     why_max=f"exact enumeration visits all 2**n states; the limit is n <= "
                             f"{MAX_UNITS}, use a Monte Carlo estimator beyond it")


def _energy(params: BoltzmannParams, x: jax.Array) -> jax.Array:
    dtype = float_dtype()
    W = jnp.asarray(params.W, dtype=dtype)
    W = W * (1 - jnp.eye(W.shape[0], dtype=dtype))
    b = jnp.asarray(params.b, dtype=dtype)
    x = jnp.asarray(x).astype(dtype)
    return -0.5 * jnp.einsum("...i,ij,...j->...", x, W, x) - x @ b


@jax.jit
def _log_z(params: BoltzmannParams, beta: jax.Array) -> jax.Array:
    """ln Z by split enumeration of the quadratic energy (the diagonal of W is ignored)."""
    W = params.W * (1 - jnp.eye(params.W.shape[0], dtype=params.W.dtype))
    return log_z_dense(W, params.b, beta, spins=(0, 1))


@jax.jit
def _moments(params: BoltzmannParams, beta: jax.Array) -> BoltzmannMoments:
    m = enumerate_moments(_energy, params, params.b.shape[0], beta, spins=(0, 1))
    return BoltzmannMoments(m.spin, m.spin_spin)


def energy(params: BoltzmannParams, x: Any) -> jax.Array:
    """Energy of a fully-visible Boltzmann machine.

    E(x) = -1/2 sum_{i != j} W_ij x_i x_j - sum_i b_i x_i,  x in {0, 1}^n.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])``.
      x: units ``[n]`` of 0/1 (any real dtype); a batch ``[..., n]`` gives shape ``[...]``.

    Returns:
      The energy, shape ``x.shape[:-1]`` (a scalar for one configuration).

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.array([[0.0, 2.0], [2.0, 0.0]]), jnp.array([1.0, -1.0]))
      >>> float(energy(p, jnp.array([1, 1])))
      -2.0

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    n = _check_params(params)
    _check_units(x, n, "x")
    return _energy(params, x)


def init_params(key: jax.Array, n_units: int, scale: float = 0.01) -> BoltzmannParams:
    """Small random symmetric couplings with zero diagonal and zero biases.

    W_ij = W_ji ~ scale * N(0, 1) for i < j, W_ii = 0, b = 0.

    Args:
      key: a ``jax.random.key``.
      n_units: number of units n, an int >= 1.
      scale: standard deviation of the couplings, finite and >= 0.

    Returns:
      ``BoltzmannParams(W [n, n], b [n])`` in the default float dtype.

    Example:
      >>> import jax
      >>> p = init_params(jax.random.key(0), 5)
      >>> bool((p.W == p.W.T).all()), float(abs(p.W.diagonal()).max()), p.b.shape
      (True, 0.0, (5,))

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    n = check_static_int(n_units, "n_units", minimum=1)
    check_finite(scale, "scale")
    if is_concrete(scale) and float(np.asarray(scale)) < 0:
        raise ValueError(f"scale must be >= 0, got {float(np.asarray(scale))}")
    dtype = float_dtype()
    upper = jnp.triu(jax.random.normal(key, (n, n), dtype=dtype), k=1)
    W = jnp.asarray(scale, dtype=dtype) * (upper + upper.T)
    return BoltzmannParams(W, jnp.zeros((n,), dtype=dtype))


def log_z_exact(params: BoltzmannParams, beta: Any = 1.0) -> jax.Array:
    """Exact ln Z of a fully-visible Boltzmann machine by enumerating all 2**n states.

    ln Z = ln sum_{x in {0,1}^n} exp(-beta E(x)), log-sum-exp over blocks of states.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])`` with n <= 30.
      beta: inverse temperature, a finite scalar >= 0.

    Returns:
      ln Z as a scalar array; differentiable in ``params`` and ``beta``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> round(float(log_z_exact(p)), 6)    # 3 ln 2
      2.079442

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    _check_size(_check_params(params))
    check_beta(beta)
    return _log_z(as_float(params), jnp.asarray(beta, dtype=float_dtype()))


def moments_exact(params: BoltzmannParams, beta: Any = 1.0) -> BoltzmannMoments:
    """Exact model moments <x_i> and <x_i x_j> by enumeration.

    <f> = sum_x f(x) exp(-beta E(x)) / Z over x in {0,1}^n.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])`` with n <= 30.
      beta: inverse temperature, a finite scalar >= 0.

    Returns:
      ``BoltzmannMoments(mean [n], correlation [n, n])``, unpackable as a pair.

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((2, 2)), jnp.array([0.0, 1.0]))
      >>> mean, corr = moments_exact(p)
      >>> [round(float(v), 4) for v in mean]    # sigmoid(b)
      [0.5, 0.7311]

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    _check_size(_check_params(params))
    check_beta(beta)
    return _moments(as_float(params), jnp.asarray(beta, dtype=float_dtype()))


def log_likelihood(params: BoltzmannParams, data: Any) -> jax.Array:
    """Exact mean log-likelihood per sample of binary data.

    (1/B) sum_k ln p(x_k) = -(1/B) sum_k E(x_k) - ln Z, with ln Z by enumeration (n <= 30). Its
    gradient is the moment-matching rule dL/dW_ij = 1/2 (<x_i x_j>_data - <x_i x_j>_model),
    i != j (each of W_ij, W_ji carries half the symmetric coupling), dL/db = <x>_data - <x>_model.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])`` with n <= 30.
      data: ``[B, n]`` (or one sample ``[n]``) of 0/1, any real dtype.

    Returns:
      The mean log-likelihood in nats, a scalar.

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> round(float(log_likelihood(p, jnp.array([[0, 1, 1], [1, 0, 0]]))), 6)   # -3 ln 2
      -2.079442

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    n = _check_params(params)
    _check_size(n)
    _check_units(data, n, "data")
    params = as_float(params)
    return -jnp.mean(_energy(params, data)) - _log_z(params, jnp.ones((), dtype=float_dtype()))
