"""The score-function gradient shared by every Monte Carlo ln Z estimator.

ln Z(theta, beta) = ln sum_x exp(-beta E_theta(x)) has the exact derivatives

    d ln Z / d theta = -beta E_p[dE/dtheta],    d ln Z / d beta = -E_p[E],

expectations under the target p. An estimator that ends with (weighted) samples of p gets its
gradient from them, not from differentiating the sampling path: :func:`with_score_gradient`
wraps the estimator's forward run in a ``jax.custom_vjp`` whose backward pass is the
self-normalised importance-weighted average of -beta dE/dtheta (and -E) over those samples.
AIS, reverse AIS, thermodynamic integration and the RBM's own AIS all use it.

References:
  R. J. Williams, Machine Learning 8, 229 (1992) (the score-function identity); R. M. Neal,
  Statistics and Computing 11, 125 (2001) (AIS weights as importance weights).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from statmech._types import EnergyFn
from statmech.mcmc.base import position_of
from statmech.validate import float_dtype

__all__ = ["with_score_gradient", "score_gradient"]

Run = Callable[..., tuple]


@functools.partial(jax.jit, static_argnums=0)
def score_gradient(energy_fn: EnergyFn, params: Any, beta: jax.Array, samples: Any,
                   log_weights: jax.Array) -> tuple[Any, jax.Array]:
    """(d ln Z / d params, d ln Z / d beta) from weighted samples of the target.

    d ln Z / d theta ~ -beta sum_i W_i dE(x_i)/dtheta and d ln Z / d beta ~ -sum_i W_i E(x_i),
    W = softmax(log_weights) (self-normalised importance weights).

    Args:
      energy_fn: ``energy_fn(params, x) -> scalar`` (static: jitted once per function).
      params: the model parameters.
      beta: the inverse temperature.
      samples: ``[n, ...]`` configurations (or sampler states with ``.spins``).
      log_weights: ``[n]`` log importance weights (zeros for equally weighted samples).

    Returns:
      ``(grads, d_beta)``: grads with the structure and dtypes of ``params``.

    Example:
      >>> import jax.numpy as jnp
      >>> E = lambda h, x: -h * jnp.sum(x)                   # free spins in a field h
      >>> x = jnp.array([[1.0], [1.0], [-1.0]])               # equally weighted: <x> = 1/3
      >>> g, gb = score_gradient(E, 0.5, 1.0, x, jnp.zeros(3))
      >>> round(float(g), 4), round(float(gb), 4)            # beta <x>, h <x>
      (0.3333, 0.1667)
    """
    x = position_of(samples).astype(float_dtype())
    weights = jax.nn.softmax(log_weights)

    def mean_energy(p):
        return jnp.sum(weights * jax.vmap(lambda xi: energy_fn(p, xi))(x))

    e_mean, grads = jax.value_and_grad(mean_energy)(params)
    grads = jax.tree_util.tree_map(lambda g, ref: (-beta * g).astype(jnp.result_type(ref)),
                                   grads, params)
    return grads, -e_mean


def with_score_gradient(run: Run, energy_fn: EnergyFn) -> Callable:
    """A differentiable ln Z estimate from an estimator's forward run.

    ``run(params, beta, aux) -> (log_z, stderr, ess, log_w, samples, sample_log_w)``, where
    ``samples`` are configurations of the target weighted by ``sample_log_w`` and ``aux`` a
    pytree of inputs that are not differentiated (keys, initial states, schedules), becomes
    ``estimate(params, beta, aux) -> (log_z, stderr, ess, log_w)`` whose gradient in
    ``params`` and ``beta`` is :func:`score_gradient` of those samples: d ln Z / d theta =
    -beta E_p[dE/dtheta], d ln Z / d beta = -E_p[E]. ``aux`` is passed explicitly (not closed
    over), so the estimate works under ``jit`` and ``vmap`` with traced keys and states.

    Args:
      run: the forward computation (jit-traceable).
      energy_fn: ``energy_fn(params, x) -> scalar``, the energy the samples are drawn from.

    Returns:
      ``estimate(params, beta, aux)``, a ``jax.custom_vjp`` function.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> E = lambda h, x: -h * jnp.sum(x)        # one free spin: ln Z = ln 2 cosh(beta h)
      >>> def run(h, beta, xs):                   # exact "samples" with their weights
      ...     lw = -beta * jax.vmap(lambda x: E(h, x))(xs)
      ...     lz = jax.nn.logsumexp(lw)
      ...     return lz, 0.0, 2.0, lw, xs, lw
      >>> est = with_score_gradient(run, E)
      >>> g = jax.grad(lambda h: est(h, 1.0, jnp.array([[1.0], [-1.0]]))[0])(0.5)
      >>> round(float(g), 5) == round(float(jnp.tanh(0.5)), 5)      # d ln Z / dh = tanh h
      True
    """

    @jax.custom_vjp
    def estimate(params, beta, aux):
        return tuple(run(params, beta, aux)[:4])

    def fwd(params, beta, aux):
        log_z, stderr, ess, log_w, samples, sample_log_w = run(params, beta, aux)
        return (log_z, stderr, ess, log_w), (params, beta, samples, sample_log_w)

    def bwd(res, cotangents):
        params, beta, samples, sample_log_w = res
        g = cotangents[0]
        grads, d_beta = score_gradient(energy_fn, params, beta, samples, sample_log_w)
        return (jax.tree_util.tree_map(lambda a: (g * a).astype(a.dtype), grads),
                (g * d_beta).astype(jnp.result_type(beta)), None)

    estimate.defvjp(fwd, bwd)
    return estimate
