"""Training the fully-visible Boltzmann machine: exact ML, pseudo-likelihood and PCD.

:func:`grad_fn` returns ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)`` for
:func:`models.train.train`; the gradients are those of a loss to *minimise*:

- exact maximum likelihood (n <= 20): loss = <E>_data + ln Z, ln Z by enumeration, ``jax.grad``;
- pseudo-likelihood (any n): loss = -(1/B) sum_k sum_i ln p(x_ki | x_k,-i) (Besag 1975);
- persistent contrastive divergence (any n): <grad E>_data - <grad E>_chains, the chains
  advanced by k heat-bath sweeps per step (the engine's dense kernel) and kept between steps
  (Tieleman 2008).

:func:`fit` and :func:`fit_result` run them with the shared optimizer default.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from models.boltzmann._model import (
    BoltzmannParams,
    _check_params,
    _check_units,
    _energy,
    _log_z,
    _moments,
)
from models.boltzmann._sampling import _check_exact_n, _flat, _gibbs, _offdiag
from statmech.validate import as_float, check_finite, check_static_int, float_dtype, is_concrete

__all__ = [
    "METHODS",
    "moment_matching_grad",
    "pseudo_log_likelihood",
    "grad_fn",
    "init_chains",
]

METHODS = ("exact", "pl", "pcd")
"""Gradient estimators of :func:`grad_fn` and :func:`fit`: exact ML, pseudo-likelihood, PCD-k."""

# --------------------------------------------------------------------------------------------
# checks and pure (jit-friendly) pieces
# --------------------------------------------------------------------------------------------

def _check_l2(l2: Any) -> float:
    check_finite(l2, "l2")
    if jnp.ndim(l2) != 0:
        raise ValueError(f"l2 must be a scalar, got shape {jnp.shape(l2)}")
    if not is_concrete(l2):
        raise TypeError("l2 must be a concrete number (a setting of the estimator), not a "
                        "tracer")
    if float(np.asarray(l2)) < 0:
        raise ValueError(f"l2 must be >= 0, got {float(np.asarray(l2))}")
    return float(np.asarray(l2))


def _with_l2(grads: BoltzmannParams, params: BoltzmannParams, l2) -> BoltzmannParams:
    """Adds the gradient of (l2 / 2) sum_{i != j} W_ij^2 (the biases are not penalised)."""
    return grads._replace(W=grads.W + l2 * _offdiag(jnp.asarray(params.W, grads.W.dtype)))


def _exact_loss(params: BoltzmannParams, batch: jax.Array) -> jax.Array:
    one = jnp.ones((), dtype=float_dtype())
    return jnp.mean(_energy(params, batch)) + _log_z(as_float(params), one)


def _moment_grad(params: BoltzmannParams, batch: jax.Array) -> BoltzmannParams:
    x = _flat(batch, params.b.shape[0])
    model = _moments(as_float(params), jnp.ones((), dtype=float_dtype()))
    data_corr = x.T @ x / x.shape[0]
    gW = 0.5 * _offdiag(model.correlation - data_corr)
    gb = model.mean - jnp.mean(x, axis=0)
    return BoltzmannParams(gW.astype(jnp.result_type(params.W)),
                           gb.astype(jnp.result_type(params.b)))


def _pseudo_ll(params: BoltzmannParams, batch: jax.Array) -> jax.Array:
    """Mean over samples of sum_i ln sigmoid((2 x_i - 1) phi_i), phi = W_sym x + b."""
    p = as_float(params)
    W = _offdiag(0.5 * (p.W + p.W.T))       # symmetrised: the gradient stays symmetric
    x = _flat(batch, p.b.shape[0])
    phi = x @ W + p.b
    return -jnp.mean(jnp.sum(jax.nn.softplus(-(2.0 * x - 1.0) * phi), axis=-1))


# --------------------------------------------------------------------------------------------
# losses and gradients
# --------------------------------------------------------------------------------------------

def moment_matching_grad(params: BoltzmannParams, data: Any) -> BoltzmannParams:
    """Analytic gradient of the exact negative log-likelihood (the moment-matching rule).

    d(-L)/db_i = <x_i>_model - <x_i>_data,
    d(-L)/dW_ij = 1/2 (<x_i x_j>_model - <x_i x_j>_data) for i != j, 0 on the diagonal,
    with the model moments by enumeration; equal to ``jax.grad`` of ``-log_likelihood``.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])`` with n <= 20.
      data: ``[B, n]`` (or one sample ``[n]``) of 0/1.

    Returns:
      ``BoltzmannParams`` of gradients (W symmetric with a zero diagonal), dtype of ``params``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((2, 2)), jnp.zeros(2))
      >>> g = moment_matching_grad(p, jnp.array([[1, 1], [1, 0]]))
      >>> g.b.tolist(), g.W[0, 1].item()    # sigmoid(0) - data mean; 1/2 (1/4 - 1/2)
      ([-0.5, 0.0], -0.125)

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    n = _check_params(params)
    _check_exact_n(n, "moment_matching_grad")
    _check_units(data, n, "data")
    return _jit_moment_grad(params, data)


_jit_moment_grad = jax.jit(_moment_grad)


def pseudo_log_likelihood(params: BoltzmannParams, data: Any) -> jax.Array:
    """Mean pseudo-log-likelihood of binary data, the sum of the single-unit conditionals.

    PL = (1/B) sum_k sum_i ln p(x_ki | x_k,-i),  p(x_i = 1 | x_{-i}) = sigmoid(phi_i),
    phi_i = sum_{j != i} W_ij x_j + b_i. Costs O(B n^2) for any n; W enters as (W + W.T) / 2.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])``, any n.
      data: ``[B, n]`` (or one sample ``[n]``) of 0/1.

    Returns:
      The mean pseudo-log-likelihood in nats, a scalar (<= 0).

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> round(float(pseudo_log_likelihood(p, jnp.array([[0, 1, 1]]))), 6)    # -3 ln 2
      -2.079442

    References:
      J. Besag, The Statistician 24, 179 (1975); A. Hyvarinen, Neural Computation 18, 2283
      (2006) (consistency of pseudo-likelihood for Boltzmann machines).
    """
    n = _check_params(params)
    _check_units(data, n, "data")
    return _jit_pseudo_ll(params, data)


_jit_pseudo_ll = jax.jit(_pseudo_ll)


def grad_fn(method: str = "exact", *, k: int = 1, l2: Any = 0.0):
    """The gradient function of a Boltzmann-machine training method, for
    :func:`models.train.train`.

    - ``"exact"``: loss = (1/B) sum_k E(x_k) + ln Z + (l2 / 2) sum_{i != j} W_ij^2, ln Z by
      enumeration (n <= 20) and the gradient by ``jax.grad``: the moment-matching rule of
      :func:`moment_matching_grad`; metric ``"nll"`` (the loss without l2);
    - ``"pl"``: loss = -(1/B) sum_k sum_i ln p(x_ki | x_k,-i) + (l2 / 2) sum W_ij^2, consistent
      (Besag 1975) and O(B n^2) per step for any n; metric ``"pseudo_nll"``;
    - ``"pcd"``: grad = <grad E>_data - <grad E>_chains + l2 W, the persistent chains advanced
      by ``k`` heat-bath sweeps of :func:`~models.boltzmann.sampler` under the current
      parameters (``jax.grad`` of <E>_data - <E>_chains with the chains under stop_gradient);
      metrics ``"pseudo_nll"`` and ``"energy_gap"`` = <E>_data - <E>_chains.

    Args:
      method: one of :data:`METHODS`.
      k: heat-bath sweeps per step for ``"pcd"``, an int >= 1.
      l2: weight decay on the couplings, a finite number >= 0.

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)``; ``chains`` is ``()``
      for "exact" and "pl" and the ``[n_chains, n]`` int8 array of :func:`init_chains` for
      "pcd". Equal settings return the same function object (so repeated fits reuse the
      compiled training loop).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> g, _, m = jax.jit(grad_fn("exact"))(jax.random.key(0), p, (), jnp.ones((4, 3)))
      >>> g.b.tolist(), round(float(m["nll"]), 6)      # sigmoid(0) - 1; 3 ln 2
      ([-0.5, -0.5, -0.5], 2.079442)

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985); J. Besag,
      The Statistician 24, 179 (1975); T. Tieleman, ICML (2008).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    k = check_static_int(k, "k", minimum=1)
    return _grad_fn(method, k if method == "pcd" else 1, _check_l2(l2))


@functools.lru_cache(maxsize=64)
def _grad_fn(method: str, k: int, l2: float):
    if method == "exact":
        def fn(key, params, chains, batch):
            _check_exact_n(params.b.shape[0], "method='exact'")
            loss, grads = jax.value_and_grad(_exact_loss)(params, batch)
            return _with_l2(grads, params, l2), chains, {"nll": loss}
    elif method == "pl":
        def fn(key, params, chains, batch):
            loss, grads = jax.value_and_grad(lambda p: -_pseudo_ll(p, batch))(params)
            return _with_l2(grads, params, l2), chains, {"pseudo_nll": loss}
    else:
        def fn(key, params, chains, batch):
            chains = _gibbs(key, params, chains, k)
            negative = lax.stop_gradient(chains)

            def surrogate(p):
                return jnp.mean(_energy(p, batch)) - jnp.mean(_energy(p, negative))

            gap, grads = jax.value_and_grad(surrogate)(params)
            metrics = {"pseudo_nll": -_pseudo_ll(params, batch), "energy_gap": gap}
            return _with_l2(grads, params, l2), chains, metrics
    return fn


def init_chains(key: jax.Array, method: str, data: Any, n_chains: int) -> Any:
    """Initial persistent chains for ``grad_fn(method)``: independent Bernoulli units.

    x_ci ~ Bernoulli(q_i), q_i = mean of data column i clipped to [0.01, 0.99] (a factorial
    model of the data's marginals), for "pcd"; ``()`` for "exact" and "pl".

    Args:
      key: a ``jax.random.key``.
      method: one of :data:`METHODS`.
      data: ``[B, n]`` of 0/1 to match the marginals of.
      n_chains: number of persistent chains, an int >= 1.

    Returns:
      ``[n_chains, n]`` int8 array of 0/1 for "pcd", else ``()``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> init_chains(jax.random.key(0), "pcd", jnp.ones((5, 4)), 3).shape
      (3, 4)

    References:
      T. Tieleman, ICML (2008).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    shape = tuple(jnp.shape(data))
    if len(shape) < 1 or shape[-1] < 1:
        raise ValueError(f"data must have shape [B, n] with n >= 1, got shape {shape}")
    n = shape[-1]
    _check_units(data, n, "data")
    if method != "pcd":
        return ()
    q = jnp.clip(jnp.mean(_flat(data, n), axis=0), 0.01, 0.99)
    return jax.random.bernoulli(key, q, (n_chains, n)).astype(jnp.int8)
