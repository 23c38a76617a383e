"""The result type of every ln Z estimator, and the weight statistics shared by them."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp

__all__ = ["LogZEstimate", "log_mean_exp_stats"]


class LogZEstimate(NamedTuple):
    """An estimate of ln Z with its error bar.

    Attributes:
      log_z: the estimate (differentiable: exact methods by autodiff, Monte Carlo methods by the
        score-function identity d ln Z / d theta = -beta E_p[d E / d theta]).
      stderr: its standard error (0 for exact methods).
      ess: effective sample size of the importance weights, (sum w)^2 / sum w^2 (for TI: the
        number of chains; for exact methods: inf).
      log_weights: the per-chain log importance weights [n_chains] (None for exact methods and TI).
    """

    log_z: jax.Array
    stderr: jax.Array
    ess: jax.Array
    log_weights: Any = None


def log_mean_exp_stats(log_w: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(ln mean w, delta-method stderr of ln mean w, ESS) from log weights [n], stably.

    With w normalised to mean 1, Var(ln mean w) ~ Var(w) / n (delta method).
    """
    n = log_w.shape[0]
    lse = logsumexp(log_w)
    w = jnp.exp(log_w - lse) * n                                  # mean 1, no overflow
    stderr = jnp.sqrt(jnp.sum((w - 1.0) ** 2) / (n - 1) / n)
    ess = n**2 / jnp.sum(w**2)
    return lse - jnp.log(n), stderr, ess
