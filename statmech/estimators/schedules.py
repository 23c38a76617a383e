"""Annealing schedules 0 = t_0 < t_1 < ... < t_K = 1 for AIS and reverse AIS.

The intermediate distributions are p_t(x) ~ exp(-t beta E(x)) (annealing in inverse temperature
from the uniform distribution at t = 0), or, for models with their own base distribution, the
geometric path p_t ~ p_0^(1 - t) p_1^t.

References:
  R. M. Neal, Statistics and Computing 11, 125 (2001) (AIS);
  R. Salakhutdinov and I. Murray, ICML 2008 (the piecewise-linear RBM schedule);
  Y. Zhou, A. M. Johansen and J. A. D. Aston, J. Comput. Graph. Stat. 25, 701 (2016)
  (adaptive schedules from the conditional ESS).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from statmech.validate import check_static_int, is_concrete

__all__ = ["linear", "geometric", "piecewise", "adaptive", "check_schedule",
           "conditional_ess"]


def linear(n: int) -> np.ndarray:
    """n + 1 equally spaced temperatures t_k = k / n.

    Example:
      >>> linear(4).tolist()
      [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    n = check_static_int(n, "n", minimum=1)
    return np.linspace(0.0, 1.0, n + 1)


def geometric(n: int, t_min: float = 1e-4) -> np.ndarray:
    """0 followed by n geometrically spaced temperatures from t_min to 1 (dense near 0, where
    the distribution changes fastest per unit of t for weak base distributions).

    Example:
      >>> geometric(4, 1e-3).round(6).tolist()
      [0.0, 0.001, 0.01, 0.1, 1.0]
    """
    n = check_static_int(n, "n", minimum=1)
    if not 0.0 < t_min < 1.0:
        raise ValueError(f"t_min must be in (0, 1), got {t_min}")
    return np.concatenate([[0.0], np.geomspace(t_min, 1.0, n)])


def piecewise(n: int) -> np.ndarray:
    """Salakhutdinov and Murray's RBM schedule: linear pieces on [0, 0.5], [0.5, 0.9], [0.9, 1]
    holding 1/15, 4/15 and 10/15 of the n steps (their 1000 / 4000 / 10000).

    Example:
      >>> s = piecewise(15); len(s), float(s[1]), float(s[-1])
      (16, 0.5, 1.0)
    """
    n = check_static_int(n, "n", minimum=3)
    n1 = max(1, round(n / 15))
    n2 = max(1, round(4 * n / 15))
    n3 = n - n1 - n2
    return np.concatenate([np.linspace(0.0, 0.5, n1 + 1)[:-1], np.linspace(0.5, 0.9, n2 + 1)[:-1],
                           np.linspace(0.9, 1.0, n3 + 1)])


def conditional_ess(log_w: jax.Array, increment: jax.Array) -> jax.Array:
    """CESS of a weight update: n (sum W_i u_i)^2 / sum W_i u_i^2, W = normalised current
    weights, u = exp(increment), as a fraction of n in (0, 1] (Zhou, Johansen and Aston 2016)."""
    W = jnp.exp(log_w - logsumexp(log_w))
    m = jnp.max(increment)
    u = jnp.exp(increment - m)
    return jnp.sum(W * u) ** 2 / jnp.sum(W * u**2)


def adaptive(energies: Callable[[Any, float], tuple[jax.Array, Any]], state: Any,
             target_cess: float = 0.99, *, max_steps: int = 100_000) -> np.ndarray:
    """Choose t_(k+1) so that the conditional ESS of the weight update equals ``target_cess``.

    A pilot run: ``energies(state, t)`` must move the particles at temperature t and return
    (beta E(x_i) per particle, new state). Given the current particles, the next t solves
    CESS(t) = target by bisection (CESS falls as t grows). Returns the schedule, a concrete
    array to pass to :func:`ais`.

    Args:
      energies: ``(state, t) -> (beta * energy [n], new_state)``.
      state: the initial particles' state (at t = 0).
      target_cess: in (0, 1); closer to 1 gives more, smaller steps.
      max_steps: safety limit on the schedule length.

    Returns:
      float64 array 0 = t_0 < ... < t_K = 1.
    """
    if not 0.0 < target_cess < 1.0:
        raise ValueError(f"target_cess must be in (0, 1), got {target_cess}")
    ts = [0.0]
    e, state = energies(state, 0.0)
    log_w = jnp.zeros_like(e)
    while ts[-1] < 1.0:
        if len(ts) > max_steps:
            raise ValueError(f"adaptive schedule exceeded max_steps={max_steps}; lower "
                             f"target_cess (got {target_cess})")
        t0 = ts[-1]

        def cess(t, t0=t0, log_w=log_w, e=e):
            return float(conditional_ess(log_w, -(t - t0) * e))

        if cess(1.0) >= target_cess:
            t_next = 1.0
        else:
            lo, hi = t0, 1.0
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if cess(mid) >= target_cess else (lo, mid)
            t_next = max(lo, t0 + 1e-12)
        log_w = log_w - (t_next - t0) * e
        ts.append(t_next)
        e, state = energies(state, t_next)
    return np.asarray(ts)


def check_schedule(schedule: Any, name: str = "schedule") -> jax.Array:
    """A 1-D float array starting at 0, ending at 1, strictly increasing (checked when
    concrete); at least two entries."""
    arr = jnp.asarray(schedule)
    if arr.ndim != 1 or arr.shape[0] < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 temperatures, got shape "
                         f"{arr.shape}")
    if not jnp.issubdtype(arr.dtype, jnp.floating):
        arr = arr.astype(float)
    if is_concrete(schedule):
        a = np.asarray(schedule, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite")
        if a[0] != 0.0:
            raise ValueError(f"{name} must start at 0, got {a[0]}")
        if a[-1] != 1.0:
            raise ValueError(f"{name} must end at 1, got {a[-1]}")
        if np.any(np.diff(a) <= 0):
            raise ValueError(f"{name} must be strictly increasing")
    return arr
