"""Annealed importance sampling for the RBM (Salakhutdinov and Murray 2008).

The hidden layer is summed out of every intermediate distribution, the chains move by the
package's block-Gibbs sweep at each inverse temperature, and the gradient of ln Z is the
score-function identity of :func:`statmech.estimators.with_score_gradient` over the final
weighted samples (free energies, beta = 1).
"""

from __future__ import annotations

import functools
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from models.rbm._gibbs import _sweep
from models.rbm._model import (
    RBMParams,
    _check_params,
    _check_units,
    _free_energy,
    base_rate_bias,
)
from statmech.estimators import (
    LogZEstimate,
    check_schedule,
    geometric,
    linear,
    log_mean_exp_stats,
    piecewise,
    with_score_gradient,
)
from statmech.random import hash32, hash_uniform, key_words
from statmech.validate import as_float, check_finite, check_static_int, float_dtype

__all__ = ["ais_log_z", "log_likelihood_ais"]

_SCHEDULES = {"piecewise": (piecewise, 3), "linear": (linear, 1), "geometric": (geometric, 1)}


_NEAR_MAX = 30.0
"""Largest |d| for which :func:`_softplus_step` is used; expm1(30) ~ 1e13 is far from overflow."""


def _softplus_step(x: jax.Array, d: jax.Array) -> jax.Array:
    """softplus(x + d) - softplus(x) without cancellation, for |d| <= _NEAR_MAX.

    With m = min(x, x + d): (1 + e^(m + |d|)) / (1 + e^m) = 1 + expm1(|d|) sigmoid(m), so the
    difference is sign(d) log1p(expm1(|d|) sigmoid(m)), a log1p of a non-negative number:
    accurate to float32 rounding even for |d| ~ 1e-7, where the plain difference of two
    softplus values of size |x| would keep only a few significant digits.
    """
    a = jnp.abs(d)
    return jnp.sign(d) * jnp.log1p(jnp.expm1(a) * jax.nn.sigmoid(jnp.minimum(x, x + d)))


def _softplus_diff(x: jax.Array, d: jax.Array) -> jax.Array:
    """softplus(x + d) - softplus(x) plainly: well conditioned when |d| is large."""
    return jax.nn.softplus(x + d) - jax.nn.softplus(x)


def _log_ratio(p: RBMParams, b_a: jax.Array, v: jax.Array, x: jax.Array, beta_prev: jax.Array,
               beta: jax.Array, step=_softplus_step) -> jax.Array:
    """ln p*_k(v) - ln p*_(k-1)(v) for one chain, x = c + v W its hidden inputs.

    ln p*_k(v) = (1 - beta_k) b_A.v + beta_k b.v + sum_j softplus(beta_k x_j).
    """
    d_beta = beta - beta_prev
    return d_beta * (v @ (p.b - b_a)) + jnp.sum(step(beta_prev * x, d_beta * x))


def _increments(p: RBMParams, b_a: jax.Array, v: jax.Array, x: jax.Array, beta_prev: jax.Array,
                beta: jax.Array) -> jax.Array:
    """:func:`_log_ratio` of every chain; the plain softplus difference only on the rare steps
    (coarse schedules) where some |(beta - beta_prev) x_j| exceeds _NEAR_MAX."""
    big = jnp.abs(beta - beta_prev) * jnp.max(jnp.abs(x)) > _NEAR_MAX
    batched = [jax.vmap(partial(_log_ratio, step=s), in_axes=(None, None, 0, 0, None, None))
               for s in (_softplus_step, _softplus_diff)]
    return lax.cond(big, batched[1], batched[0], p, b_a, v, x, beta_prev, beta)


@partial(jax.jit, static_argnames=("n_chains",))
def _ais_run(params: RBMParams, key: jax.Array, b_a: jax.Array, schedule: jax.Array,
             n_chains: int):
    """The annealing itself: (log_z, stderr, ess, log_w [n_chains], final v [n_chains, nv]).

    ``schedule`` is traced: any schedule of the same length reuses the compiled scan. All
    uniforms are counter-based hashes (:func:`statmech.mcmc.hash_uniform`) keyed by four words drawn
    from ``key`` (one small threefry call): the initial states by (w0, w1), step k by two words
    hashed from k under (w2, w3). Drawing them costs less than the sweep (threefry costs more,
    about 3x the whole step here) and compiles faster.
    """
    p = as_float(params)
    dtype = p.W.dtype
    b_a = jnp.asarray(b_a, dtype)
    schedule = jnp.asarray(schedule, dtype)
    nv, nh = p.W.shape
    w = key_words(key, 4)
    u0 = hash_uniform((n_chains, nv), w[0], w[1], dtype)
    v = (u0 < jax.nn.sigmoid(b_a)).astype(dtype)                  # exact samples of p_0

    def hidden_input(v):
        return p.c + v @ p.W

    def body(carry, xs):
        v, log_w, comp = carry
        beta_prev, beta, words = xs
        x = hidden_input(v)
        # Kahan-compensated sum: K ~ 1e5 float32 increments lose nothing to rounding.
        y = _increments(p, b_a, v, x, beta_prev, beta) - comp
        t = log_w + y
        comp = (t - log_w) - y
        u = hash_uniform((n_chains, nh + nv), words[0], words[1], dtype)
        v = _sweep(p, v, u, beta=beta, base_bias=b_a, hidden_input=x)[0]
        return (v, t, comp), None

    n_steps = schedule.shape[0] - 2            # transitions at beta_1 .. beta_(K-1)
    counters = jnp.arange(2 * n_steps, dtype=jnp.uint32).reshape(n_steps, 2)
    words = hash32(counters, w[2], w[3])
    zeros = jnp.zeros((n_chains,), dtype)
    (v, log_w, comp), _ = lax.scan(body, (v, zeros, zeros),
                                   (schedule[:-2], schedule[1:-1], words))
    log_w = log_w + (_increments(p, b_a, v, hidden_input(v), schedule[-2], schedule[-1]) - comp)
    log_mean, stderr, ess = log_mean_exp_stats(log_w)
    # Z_0 = sum_v p*_0(v): the tempered hidden units of B are uniform at beta = 0 (factor 2^nh).
    log_z_0 = jnp.sum(jax.nn.softplus(b_a)) + nh * jnp.log(jnp.asarray(2.0, dtype))
    return log_z_0 + log_mean, stderr, ess, log_w, v


@functools.cache
def _estimator(n_chains: int):
    """The differentiable estimate for ``n_chains`` chains: the annealing's final visible
    samples, weighted by the AIS weights, carry the score-function gradient with the free
    energy as their energy (the hidden layer summed out, beta = 1)."""

    def run(params, beta, aux):
        key, b_a, schedule = aux
        log_z, stderr, ess, log_w, v = _ais_run(params, key, b_a, schedule, n_chains)
        return log_z, stderr, ess, log_w, v, log_w

    return with_score_gradient(run, _free_energy)


def _ais_schedule(schedule: Any, n_betas: int) -> jax.Array:
    if isinstance(schedule, str):
        if schedule not in _SCHEDULES:
            raise ValueError(f"schedule must be one of {sorted(_SCHEDULES)} or an array of "
                             f"inverse temperatures, got {schedule!r}")
        make, minimum = _SCHEDULES[schedule]
        if n_betas < minimum:
            raise ValueError(f"n_betas must be >= {minimum} for the {schedule!r} schedule, "
                             f"got {n_betas}")
        return jnp.asarray(make(n_betas), float_dtype())
    arr = check_schedule(schedule)
    if arr.shape[0] != n_betas + 1:
        raise ValueError(f"schedule must have n_betas + 1 = {n_betas + 1} entries "
                         f"(beta_0 = 0, ..., beta_K = 1), got {arr.shape[0]}")
    return arr.astype(float_dtype())


def ais_log_z(key: jax.Array, params: RBMParams, *, n_chains: int, n_betas: int,
              base_visible_bias: Any = None, schedule: Any = "piecewise",
              data: Any = None) -> LogZEstimate:
    """Annealed importance sampling estimate of ln Z of an RBM (Salakhutdinov and Murray).

    From the base-rate model A (W = 0, visible biases b_A) to the RBM B along the
    hidden-summed intermediate distributions (the joint exp(-(1 - beta_k) E_A - beta_k E_B))

      p*_k(v) = exp((1 - beta_k) b_A.v + beta_k b.v) prod_j (1 + exp(beta_k (c_j + (v W)_j))),

    0 = beta_0 < ... < beta_K = 1, so Z_0 = 2^nh prod_i (1 + e^(b_A,i)) (B's hidden units are
    uniform at beta = 0) and Z_K = Z_B. Chains start from exact samples of A; at each beta_k the
    log weight gains ln p*_k(v) - ln p*_(k-1)(v) and one Gibbs sweep v -> h -> v at beta_k
    moves v. ln Z_B ~ ln Z_0 + ln mean_i w_i: unbiased in Z, a stochastic lower bound in ln Z
    (biased low by about Var(ln w) / 2, small when the stderr is small).

    ``log_z`` is differentiable in ``params`` by the score-function identity
    d ln Z / d theta = E_p[-dF(v) / d theta], self-normalised over the final weighted samples.
    ``params`` and ``schedule`` are traced (one compile per (nv, nh, n_chains, n_betas)).

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      n_chains: independent annealing runs, a Python int >= 2 (for the error bar).
      n_betas: K, the number of annealing steps (K + 1 inverse temperatures), an int >= 1.
      base_visible_bias: b_A ``[nv]``, finite; default zeros (the uniform distribution).
      schedule: ``"piecewise"`` (default; linear on [0, .5], [.5, .9], [.9, 1] with 1/15,
        4/15, 10/15 of the steps), ``"linear"``, ``"geometric"``, or an array of K + 1
        inverse temperatures starting at 0, ending at 1, strictly increasing.
      data: binary data ``[B, nv]``; if given, b_A is :func:`base_rate_bias` of it (the
        paper's choice; with strong visible biases it cuts the stderr several-fold against
        the uniform start). Not with ``base_visible_bias``.

    Returns:
      :class:`statmech.estimators.LogZEstimate` ``(log_z, stderr, ess, log_weights)``:
      stderr is the delta-method standard error of ln mean w, ess the effective sample size
      (sum w)^2 / sum w^2, log_weights the per-chain ln w ``[n_chains]``.

    Example:
      >>> import jax
      >>> from models.rbm import free_energy, init_params, log_z_exact
      >>> p = init_params(jax.random.key(0), 20, 8, scale=0.5)
      >>> est = ais_log_z(jax.random.key(1), p, n_chains=64, n_betas=300)
      >>> bool(abs(est.log_z - log_z_exact(p)) < 3 * est.stderr + 0.05)
      True

    References:
      R. Salakhutdinov and I. Murray, On the quantitative analysis of deep belief networks,
      ICML (2008); R. M. Neal, Annealed importance sampling, Statistics and Computing 11,
      125 (2001).
    """
    nv, nh = _check_params(params)
    n_chains = check_static_int(n_chains, "n_chains", minimum=2)
    n_betas = check_static_int(n_betas, "n_betas", minimum=1)
    if n_chains * (nv + nh) > 2**32:
        raise ValueError(f"n_chains * (nv + nh) must be <= 2**32 (one counter per uniform of a "
                         f"sweep), got n_chains={n_chains} with nv + nh = {nv + nh}")
    sched = _ais_schedule(schedule, n_betas)
    if data is not None and base_visible_bias is not None:
        raise ValueError("give at most one of data and base_visible_bias (the base-rate "
                         "biases come from the data, or are given directly)")
    if data is not None:
        b_a = base_rate_bias(data, nv)
    elif base_visible_bias is not None:
        check_finite(base_visible_bias, "base_visible_bias")
        if tuple(jnp.shape(base_visible_bias)) != (nv,):
            raise ValueError(f"base_visible_bias must have shape ({nv},) (nv = "
                             f"params.W.shape[0]), got shape "
                             f"{tuple(jnp.shape(base_visible_bias))}")
        b_a = jnp.asarray(base_visible_bias, float_dtype())
    else:
        b_a = jnp.zeros((nv,), float_dtype())
    one = jnp.ones((), float_dtype())
    log_z, stderr, ess, log_w = _estimator(n_chains)(params, one, (key, b_a, sched))
    return LogZEstimate(log_z, lax.stop_gradient(stderr), lax.stop_gradient(ess),
                        lax.stop_gradient(log_w))


def log_likelihood_ais(key: jax.Array, params: RBMParams, v: Any,
                       **ais_kwargs: Any) -> tuple[jax.Array, jax.Array]:
    """Per-example log-likelihood with ln Z from :func:`ais_log_z`.

    ln p(v_k) ~ -F(v_k) - ln Z_AIS; every example shares the one ln Z estimate, so they share
    its error (and its small downward bias in ln Z, i.e. an upward bias here).

    Args:
      key: a ``jax.random.key``.
      params: ``RBMParams(W [nv, nh], b [nv], c [nh])``.
      v: visible data ``[..., nv]`` of 0/1.
      **ais_kwargs: keyword arguments of :func:`ais_log_z` (``n_chains`` and ``n_betas``
        required; ``data=v`` is a good base rate when no training set is at hand).

    Returns:
      ``(log_p, stderr)``: log_p of shape ``v.shape[:-1]`` and the (shared) standard error of
      ln Z, a scalar.

    Example:
      >>> import jax
      >>> from models.rbm import free_energy, init_params, log_z_exact
      >>> p = init_params(jax.random.key(0), 20, 8, scale=0.5)
      >>> v = jax.numpy.ones((3, 20))
      >>> log_p, err = log_likelihood_ais(jax.random.key(1), p, v, n_chains=64, n_betas=300)
      >>> log_p.shape, bool(abs(log_p[0] + free_energy(p, v[0]) + log_z_exact(p)) < 0.1)
      ((3,), True)

    References:
      R. Salakhutdinov and I. Murray, ICML (2008).
    """
    nv, _ = _check_params(params)
    _check_units(v, nv, "v", "nv = params.W.shape[0]")
    est = ais_log_z(key, params, **ais_kwargs)
    return -_free_energy(params, v) - est.log_z, est.stderr
