"""Annealed importance sampling (AIS) and reverse AIS for ln Z.

Annealing in inverse temperature: p_t(x) ~ exp(-t beta E(x)) for 0 = t_0 < ... < t_K = 1. At
t = 0 the distribution is uniform over the 2^n spin (or unit) configurations, ln Z_0 = n ln 2.
Chains start from exact uniform samples; at each step the weight gains
ln f_k(x) - ln f_(k-1)(x) = -(t_k - t_(k-1)) beta E(x), then a Markov kernel that leaves p_(t_k)
invariant moves x. Any :class:`statmech.mcmc.SamplingAlgorithm` serves as the transition: it is
called at inverse temperature t_k beta, which is exactly what its ``beta`` argument means.

E[w] = Z / Z_0, so ln mean(w) + ln Z_0 estimates ln Z; by Jensen's inequality it is a stochastic
lower bound (biased low by about Var(ln w) / 2). Reverse AIS runs the same schedule backwards
from exact (or data) samples of the target; its weights have E[w] = Z_0 / Z, so it gives a
stochastic upper bound: together a sandwich (Burda, Grosse and Salakhutdinov 2015).

References:
  R. M. Neal, Annealed importance sampling, Statistics and Computing 11, 125 (2001);
  Y. Burda, R. Grosse and R. Salakhutdinov, Accurate and conservative estimates of MRF
  log-likelihood using reverse annealing, AISTATS 2015.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from statmech._types import EnergyFn
from statmech.estimators._common import (
    check_common,
    init_all,
    uniform_positions,
    unit_values,
)
from statmech.estimators.base import LogZEstimate, log_mean_exp_stats
from statmech.estimators.schedules import check_schedule
from statmech.estimators.score import with_score_gradient
from statmech.mcmc.base import SamplingAlgorithm, check_params, position_of
from statmech.validate import check_static_int, float_dtype

__all__ = ["ais", "reverse_ais", "uniform_positions", "unit_values"]


def _anneal(algo, energy_fn, params, beta, key, states, schedule, n_steps):
    """Scan over the schedule: weight increment -(t_k - t_(k-1)) beta E, then
    ``n_steps`` kernel steps at t_k beta. Returns (final states, log weights [chains])."""
    n_chains = jax.tree_util.tree_leaves(states)[0].shape[0]
    energy = jax.vmap(lambda s: energy_fn(params, position_of(s).astype(float_dtype())))

    def move(st, key, b):
        def one(st, k):
            return jax.vmap(lambda kk, s: algo.step(kk, s, params, b)[0])(
                jax.random.split(k, n_chains), st), None
        return lax.scan(one, st, jax.random.split(key, n_steps))[0]

    def body(carry, xs):
        st, log_w = carry
        t_prev, t, k = xs
        log_w = log_w - (t - t_prev) * beta * energy(st)
        return (move(st, k, t * beta), log_w), None

    keys = jax.random.split(key, schedule.shape[0] - 1)
    (states, log_w), _ = lax.scan(body, (states, jnp.zeros((n_chains,), float_dtype())),
                                  (schedule[:-1], schedule[1:], keys))
    return states, log_w


def ais(key: jax.Array, algo: SamplingAlgorithm, energy_fn: EnergyFn, params: Any, beta: Any,
        *, shape: tuple[int, ...], n_chains: int, schedule: Any, n_steps: int = 1,
        spins: tuple[int, ...] = (-1, 1)) -> LogZEstimate:
    """Annealed importance sampling estimate of ln Z(beta) = ln sum_x exp(-beta E(x)).

    ln Z ~ n ln 2 + ln mean_i w_i, ln w_i = -sum_k (t_k - t_(k-1)) beta E(x_i^(k-1)),
    with x^(k) moved by ``n_steps`` steps of ``algo`` at inverse temperature t_k beta.

    Differentiable in ``params`` and ``beta``: the gradient is the self-normalised importance
    estimate -beta sum_i W_i dE(x_i)/dtheta (and -sum_i W_i E(x_i) for beta) from the final
    weighted samples (a custom_vjp), not the derivative of the sampling path.

    Args:
      key: a ``jax.random.key``.
      algo: the transition kernel, e.g. ``statmech.mcmc.heat_bath("lattice")``.
      energy_fn: ``energy_fn(params, x) -> scalar`` for x float of shape ``shape``; must be the
        energy the kernel samples with ``params``.
      params: model parameters (traced; passed to the kernel and the energy).
      beta: inverse temperature >= 0 (traced).
      shape: the shape of one configuration, e.g. (L, L) or (n,).
      n_chains: number of independent annealing runs, >= 2 (for an error bar).
      schedule: 0 = t_0 < ... < t_K = 1 (see :mod:`statmech.estimators.schedules`).
      n_steps: kernel steps per intermediate temperature.
      spins: unit values, (-1, 1) or (0, 1), or the q states of a Potts model, e.g.
        (0, 1, 2) with ``statmech.mcmc.swendsen_wang(q=3)``; ln Z_0 = n ln(len(spins)).

    Returns:
      :class:`LogZEstimate` (log_z, stderr, ess, log_weights).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.estimators import ais, linear
      >>> from statmech.mcmc import heat_bath, LatticeParams
      >>> E = lambda p, s: -jnp.sum(s * (jnp.roll(s, 1, 0) + jnp.roll(s, 1, 1)))
      >>> est = ais(jax.random.key(0), heat_bath("lattice"), E, LatticeParams(), 0.3,
      ...           shape=(4, 4), n_chains=256, schedule=linear(50))
      >>> bool(abs(est.log_z - 12.7855) < 0.1)    # exact (Kaufman): 12.7855
      True

    References:
      R. M. Neal, Statistics and Computing 11, 125 (2001).
    """
    n_chains, n_steps = check_common(algo, energy_fn, beta, n_chains, n_steps)
    schedule = check_schedule(schedule)
    values = unit_values(spins)
    shape = tuple(int(d) for d in shape)
    n_sites = int(np.prod(shape))
    log_z0 = n_sites * np.log(len(values))
    k_init, k_run = jax.random.split(key)
    positions = uniform_positions(k_init, shape, n_chains, values)
    states = init_all(algo, positions, check_every=False)
    check_params(params, jax.tree_util.tree_map(lambda x: x[0], states))

    def run(params, beta, aux):
        k_run, states, schedule = aux
        final, log_w = _anneal(algo, energy_fn, params, beta, k_run, states, schedule, n_steps)
        log_mean, stderr, ess = log_mean_exp_stats(log_w)
        return log_mean + log_z0, stderr, ess, log_w, final, log_w

    log_z, stderr, ess, log_w = with_score_gradient(run, energy_fn)(
        params, jnp.asarray(beta, float_dtype()), (k_run, states, schedule))
    return LogZEstimate(log_z, lax.stop_gradient(stderr), lax.stop_gradient(ess),
                        lax.stop_gradient(log_w))


def reverse_ais(key: jax.Array, algo: SamplingAlgorithm, energy_fn: EnergyFn, params: Any,
                beta: Any, samples: Any, *, schedule: Any, n_steps: int = 1,
                n_states: int = 2) -> LogZEstimate:
    """Reverse AIS (Burda, Grosse and Salakhutdinov 2015): a stochastic upper bound on ln Z.

    Starting from samples of the target p_1 (exact samples, or long-run MCMC / data for a
    trained model), the schedule is run from t = 1 down to 0: ln w_i = +sum_k (t_k - t_(k-1))
    beta E(x_i^(k)) with x moved at each t_(k-1) beta. E[w] = Z_0 / Z, so
    ln Z ~ n ln 2 - ln mean_i w_i, biased high; with :func:`ais` it brackets ln Z.

    Args:
      key: a ``jax.random.key``.
      algo: the transition kernel.
      energy_fn: ``energy_fn(params, x) -> scalar``.
      params: model parameters.
      beta: inverse temperature >= 0.
      samples: int8 ``[n_chains, *shape]`` configurations from p_1 (n_chains >= 2).
      schedule: 0 = t_0 < ... < t_K = 1 (the same schedules as AIS; run backwards).
      n_steps: kernel steps per intermediate temperature.
      n_states: states per unit (2, or q for a Potts model): ln Z_0 = n ln n_states.

    Returns:
      :class:`LogZEstimate`; ``log_weights`` are the reverse log weights ln w_i.

    References:
      Y. Burda, R. Grosse and R. Salakhutdinov, AISTATS 2015.
    """
    samples = jnp.asarray(samples)
    if samples.ndim < 2:
        raise ValueError(f"samples must be [n_chains, *shape], got shape {samples.shape}")
    n_chains, n_steps = check_common(algo, energy_fn, beta, samples.shape[0], n_steps)
    schedule = check_schedule(schedule)
    states = init_all(algo, samples)
    check_params(params, jax.tree_util.tree_map(lambda x: x[0], states))
    n_states = check_static_int(n_states, "n_states", minimum=2)
    log_z0 = int(np.prod(samples.shape[1:])) * np.log(n_states)

    def run(params, beta, aux):
        # Walk t from 1 down to 0 as "time" s = 1 - t from 0 to 1: the weight gains
        # +(t_(k-1) - t_k) beta E(x), evaluated before moving at t_k beta.
        key, states, schedule = aux
        reverse = 1.0 - schedule[::-1]
        energy = jax.vmap(lambda s: energy_fn(params, position_of(s).astype(float_dtype())))

        def body(carry, xs):
            st, lw = carry
            s_prev, s, k = xs
            lw = lw + (s - s_prev) * beta * energy(st)
            t = 1.0 - s

            def one(st, kk):
                return jax.vmap(lambda k1, x: algo.step(k1, x, params, t * beta)[0])(
                    jax.random.split(kk, n_chains), st), None

            st = lax.scan(one, st, jax.random.split(k, n_steps))[0]
            return (st, lw), None

        keys = jax.random.split(key, schedule.shape[0] - 1)
        log_w = jnp.zeros((n_chains,), float_dtype())
        (_, log_w), _ = lax.scan(body, (states, log_w), (reverse[:-1], reverse[1:], keys))
        log_mean, stderr, ess = log_mean_exp_stats(log_w)
        # the gradient uses the given samples of p_1, equally weighted
        return log_z0 - log_mean, stderr, ess, log_w, states, jnp.zeros_like(log_w)

    log_z, stderr, ess, log_w = with_score_gradient(run, energy_fn)(
        params, jnp.asarray(beta, float_dtype()), (key, states, schedule))
    return LogZEstimate(log_z, lax.stop_gradient(stderr), lax.stop_gradient(ess),
                        lax.stop_gradient(log_w))
