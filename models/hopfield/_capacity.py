"""Storage capacity of the Hebbian Hopfield network, measured by zero-temperature recall.

For each load alpha = P/N, P random patterns are stored with the Hebbian rule and asynchronous
zero-temperature dynamics is started at stored patterns and run to a fixed point. In the
replica-symmetric theory of Amit, Gutfreund and Sompolinsky the retrieval states exist up to
alpha_c = 0.1379, where their overlap is m_c = 0.9674; past it the overlap collapses. In a finite
network the collapse is smeared over a range of alpha that shrinks as N grows. The command
line ``python -m models.hopfield`` runs :func:`capacity` for one N.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from models.hopfield._recall import _async_descent, _random_signs, _sign_keep
from statmech.random import hash32, key_words
from statmech.validate import check_finite, check_static_int, float_dtype, is_concrete

__all__ = ["AGS_ALPHA_C", "AGS_OVERLAP_C", "CapacityResult", "capacity"]

AGS_ALPHA_C = 0.1379
"""The T = 0 replica-symmetric storage capacity (Amit, Gutfreund and Sompolinsky 1985)."""

AGS_OVERLAP_C = 0.9674
"""The overlap of the retrieval state at AGS_ALPHA_C (a bit-error rate (1 - m) / 2 of 1.6 %)."""


class CapacityResult(NamedTuple):
    """A storage-capacity measurement (see :func:`capacity`).

    Attributes:
      alphas: the loads P/N actually used, ``[A]`` (P = round(alpha N)).
      n_patterns: P for each load, int32 ``[A]``.
      overlap: mean final overlap m with the starting pattern, ``[A]``.
      overlap_err: its standard error over the independent trials, ``[A]``.
      retrieval: mean fraction of starts retrieved (final m >= threshold), ``[A]``.
      retrieval_err: its standard error over the independent trials, ``[A]``.
      converged: fraction of runs that reached a fixed point within max_sweeps, ``[A]``.
      alpha_c: the load where ``retrieval`` falls through 1/2 (linear interpolation), a
        scalar; NaN when it does not cross 1/2 inside the grid of loads.
      alpha_c_err: bootstrap standard error of ``alpha_c`` (trials resampled), a scalar.
      alpha_c_overlap: the load where ``overlap`` falls through AGS_OVERLAP_C = 0.9674, the
        overlap of the retrieval state at the AGS transition (NaN when not inside the grid).
      alpha_c_overlap_err: its bootstrap standard error, a scalar.
    """

    alphas: jax.Array
    n_patterns: jax.Array
    overlap: jax.Array
    overlap_err: jax.Array
    retrieval: jax.Array
    retrieval_err: jax.Array
    converged: jax.Array
    alpha_c: jax.Array
    alpha_c_err: jax.Array
    alpha_c_overlap: jax.Array
    alpha_c_overlap_err: jax.Array


def _trial(key, p, n, p_max, s_max, max_sweeps):
    """One network storing P = p random patterns: final overlaps of up to s_max starts.

    Zero-temperature asynchronous dynamics from each of the first s_max stored patterns, all
    starts of the network swept in the same random order (a fresh one each sweep, exactly as
    :func:`models.hopfield.recall_async` with key ``k_run``), until every start is at a fixed
    point or ``max_sweeps`` sweeps are done. The Hebbian field is kept through the overlaps
    m_mu = xi^mu . s (integers, exact in float): N h_i = sum_mu xi_i^mu m_mu - P s_i (the zero
    diagonal), so a sweep costs O(N P) per start. Patterns past ``p`` are zero (padding).
    """
    k_pat, k_run = jax.random.split(key)
    xi_t = _random_signs(key_words(k_pat, 2), (p_max, n)).T   # [N, P_max]: random_patterns.T
    xi_t = jnp.where(jnp.arange(p_max) < p, xi_t, 0.0)
    starts = jnp.arange(s_max)
    valid = starts < p
    starts = jnp.where(valid, starts, 0)
    p = p.astype(xi_t.dtype)

    def update(c, i):
        s, m = c                                                  # [S, N], [S, P_max]
        row = xi_t[i]
        old = s[:, i]
        new = _sign_keep(m @ row - p * old, old)
        return s.at[:, i].set(new), m + (new - old)[:, None] * row[None, :]

    s0 = xi_t[:, starts].T
    (_, m), converged = _async_descent(key_words(k_run, 2), (s0, s0 @ xi_t), max_sweeps, update)
    return m[jnp.arange(s_max), starts] / n, valid, converged


def _simulate(key, n_patterns, max_sweeps, n, p_max, s_max, n_trials):
    """Final overlaps [A, T, S], validity mask and convergence flags, one alpha at a time."""

    def one_alpha(args):
        k, p = args
        keys = jax.random.split(k, n_trials)
        return jax.vmap(_trial, in_axes=(0, None, None, None, None, None))(
            keys, p, n, p_max, s_max, max_sweeps)

    keys = jax.random.split(key, n_patterns.shape[0])
    return lax.map(one_alpha, (keys, n_patterns))


def _crossing(alphas: jax.Array, f: jax.Array, level: float) -> jax.Array:
    """First load where ``f`` falls below ``level``, linearly interpolated; NaN if none (or if
    ``f`` starts below it)."""
    below = f < level
    first = below & (jnp.cumsum(below) == 1)                  # one-hot of the first load below
    hit = first[1:]
    f0, f1, a0, a1 = f[:-1], f[1:], alphas[:-1], alphas[1:]
    cross = a0 + (f0 - level) / jnp.where(hit, f0 - f1, 1.0) * (a1 - a0)
    return jnp.where(jnp.any(hit), jnp.sum(jnp.where(hit, cross, 0.0)), jnp.nan)


def _transitions(alphas: jax.Array, r: jax.Array, m: jax.Array) -> jax.Array:
    """(alpha_c, alpha_c_overlap) from the retrieval and overlap curves."""
    return jnp.stack([_crossing(alphas, r, 0.5), _crossing(alphas, m, AGS_OVERLAP_C)])


@functools.partial(jax.jit, static_argnums=(5, 6))
def _measure(key, n_patterns, alphas, max_sweeps, threshold, n, sizes):
    """The simulation and its statistics; ``sizes`` = (p_max, s_max, n_trials, n_bootstrap)."""
    p_max, s_max, n_trials, n_bootstrap = sizes
    k_sim, k_boot = jax.random.split(key)
    m, valid, conv = _simulate(k_sim, n_patterns, max_sweeps, n, p_max, s_max, n_trials)
    w = valid.astype(m.dtype)
    count = jnp.sum(w, axis=-1)                                         # [A, T]
    m_trial = jnp.sum(m * w, axis=-1) / count
    r_trial = jnp.sum((m >= threshold) * w, axis=-1) / count
    c_frac = jnp.sum(conv * w, axis=(-1, -2)) / jnp.sum(w, axis=(-1, -2))

    def mean_err(x):
        return jnp.mean(x, axis=-1), jnp.std(x, axis=-1, ddof=1) / math.sqrt(n_trials)

    overlap, overlap_err = mean_err(m_trial)
    retrieval, retrieval_err = mean_err(r_trial)
    centre = _transitions(alphas, retrieval, overlap)

    words = key_words(k_boot, 2)
    size = r_trial.size

    def replica(b):
        # resample the trials of every load with replacement (keyed hash; modulo bias < 1e-6)
        counters = jnp.arange(size, dtype=jnp.uint32).reshape(r_trial.shape) + b * size
        idx = (hash32(counters, words[0], words[1]) % jnp.uint32(n_trials)).astype(jnp.int32)
        pick = lambda x: jnp.mean(jnp.take_along_axis(x, idx, axis=-1), axis=-1)
        return _transitions(alphas, pick(r_trial), pick(m_trial))

    boot = jax.vmap(replica)(jnp.arange(n_bootstrap, dtype=jnp.uint32))  # [B, 2]
    err = jnp.where(jnp.isnan(centre), jnp.nan, jnp.nanstd(boot, axis=0))
    return CapacityResult(alphas, n_patterns, overlap, overlap_err, retrieval, retrieval_err,
                          c_frac, centre[0], err[0], centre[1], err[1])


def capacity(key: jax.Array, n_neurons: int, alphas: Any, *, n_trials: int = 20,
             n_starts: int | None = None, max_sweeps: int = 100, threshold: float = 0.95,
             n_bootstrap: int = 200) -> CapacityResult:
    """Measure the storage capacity of the Hebbian Hopfield network by zero-temperature recall.

    For each load alpha, ``n_trials`` independent networks store P = round(alpha N) random +-1
    patterns (W = (1/N) sum xi xi^T, zero diagonal). From each stored pattern (or the first
    ``n_starts`` of them; the patterns are iid, so this is a random sample) asynchronous
    zero-temperature dynamics (random order, a fresh permutation each sweep) runs to a fixed
    point, and the final overlap m with the starting pattern is recorded.

    Criterion (``alpha_c``): a start is *retrieved* when its fixed point has m >= ``threshold``
    (0.95 by default: the AGS retrieval state has m >= 0.967 for every alpha <= alpha_c, while
    past the transition the overlap collapses); alpha_c is where the mean retrieval fraction
    falls through 1/2, by linear interpolation between the two bracketing loads. A second
    estimate, ``alpha_c_overlap``, is where the mean final overlap falls through
    AGS_OVERLAP_C = 0.9674, the retrieval overlap at the transition (a mean bit-error rate of
    1.6 %). In the thermodynamic limit both would give alpha_c. The second is the one to
    report at finite N: it is 0.145, 0.138, 0.133, 0.134, 0.133 at N = 200, 300, 500, 1000,
    2000. The first lies above it and converges as N^(-1/2) (finite networks keep metastable
    states near the patterns past alpha_c: 0.189, 0.178, 0.169, 0.160, 0.153; extrapolated
    0.1375 +- 0.0010); see the Hopfield guide. Error bars of
    alpha_c: the standard deviation of the same estimate over ``n_bootstrap`` bootstrap
    resamples of the trials; of the curves: standard errors over the independent networks.

    The whole measurement is one compiled program: trials are ``vmap``-ed, loads ``lax.map``-ed,
    the starts of a network are swept together in the same random order, and the dynamics
    tracks the P overlaps, O(N P) per sweep and start.

    Args:
      key: a ``jax.random.key``.
      n_neurons: N, an int >= 2.
      alphas: increasing loads P/N, each with round(alpha N) >= 1 (concrete values).
      n_trials: independent networks per load, an int >= 2.
      n_starts: stored patterns used as starting points per network (default: all of them).
      max_sweeps: cap on the sweeps per run (the fraction that converged is reported).
      threshold: overlap above which a start counts as retrieved, in (0, 1].
      n_bootstrap: bootstrap resamples for the error bar of alpha_c, an int >= 2.

    Returns:
      :class:`CapacityResult`: the curves over the loads and both estimates of alpha_c with
      their error bars.

    Example:
      >>> import jax
      >>> r = capacity(jax.random.key(0), 100, [0.05, 0.15, 0.3], n_trials=4)
      >>> [round(v, 2) for v in r.retrieval.tolist()], round(float(r.alpha_c), 2)
      ([1.0, 0.92, 0.11], 0.23)

    References:
      D. J. Amit, H. Gutfreund and H. Sompolinsky, Phys. Rev. Lett. 55, 1530 (1985) and
      Ann. Phys. 173, 30 (1987); J. J. Hopfield, PNAS 79, 2554 (1982).
    """
    n = check_static_int(n_neurons, "n_neurons", minimum=2)
    n_trials = check_static_int(n_trials, "n_trials", minimum=2)
    max_sweeps = check_static_int(max_sweeps, "max_sweeps", minimum=1)
    n_bootstrap = check_static_int(n_bootstrap, "n_bootstrap", minimum=2)
    if not is_concrete(alphas):
        raise TypeError("alphas must be concrete numbers (they set the array sizes P), got a "
                        "traced value")
    if isinstance(alphas, (list, tuple)):
        try:
            alphas = np.asarray(alphas, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(f"alphas must be a sequence of numbers, got {alphas!r}") from err
    check_finite(alphas, "alphas")
    a = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if a.ndim != 1:
        raise ValueError(f"alphas must be a 1-D sequence of loads, got shape {a.shape}")
    if np.any(np.diff(a) <= 0):
        raise ValueError(f"alphas must be strictly increasing, got {a.tolist()}")
    p = np.rint(a * n).astype(np.int64)
    if p[0] < 1:
        raise ValueError(f"alphas must give P = round(alpha N) >= 1 patterns, got alpha="
                         f"{a[0]} with N={n}")
    if np.any(np.diff(p) <= 0):
        raise ValueError(f"alphas must give distinct P = round(alpha N) at N={n}, got P = "
                         f"{p.tolist()}")
    check_finite(threshold, "threshold")
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {float(threshold)}")
    p_max = int(p[-1])
    if n_starts is None:
        s_max = p_max
    else:
        s_max = min(check_static_int(n_starts, "n_starts", minimum=1), p_max)
    dtype = float_dtype()
    result = _measure(key, jnp.asarray(p, jnp.int32), jnp.asarray(p / n, dtype),
                      jnp.asarray(max_sweeps, jnp.int32), jnp.asarray(threshold, dtype), n,
                      (p_max, s_max, n_trials, n_bootstrap))
    if is_concrete(result.alpha_c) and np.isnan(float(result.alpha_c)):
        warnings.warn("capacity: the retrieval fraction does not cross 1/2 inside the grid of "
                      f"alphas {a.tolist()}; alpha_c is NaN (widen the grid)", stacklevel=2)
    return result


def main(argv: list[str] | None = None) -> None:
    """``python -m models.hopfield``: the capacity measurement, printed as tables."""
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m models.hopfield", description=main.__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[200, 300, 500])
    parser.add_argument("--alphas", type=float, nargs=3, default=[0.10, 0.24, 0.01],
                        metavar=("START", "STOP", "STEP"))
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--starts", type=int, default=None,
                        help="stored patterns used as starts per network (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start, stop, step = args.alphas
    alphas = np.round(np.arange(start, stop + step / 2, step), 6)
    for n in args.n:
        t0 = time.perf_counter()
        r = capacity(jax.random.key(args.seed), n, alphas, n_trials=args.trials,
                     n_starts=args.starts, n_bootstrap=1000)
        jax.block_until_ready(r)
        print(f"N = {n}: {time.perf_counter() - t0:.1f} s, {args.trials} networks per load")
        print("| alpha | P | mean final m | retrieved (m >= 0.95) | converged |")
        print("|---:|---:|---:|---:|---:|")
        for row in zip(*(np.asarray(x).tolist() for x in r[:7]), strict=True):
            a, p, m, me, f, fe, c = row
            print(f"| {a:.3f} | {p} | {m:.4f} ± {me:.4f} | {f:.3f} ± {fe:.3f} | {c:.3f} |")
        print(f"alpha_c (retrieval = 1/2) = {float(r.alpha_c):.4f} ± {float(r.alpha_c_err):.4f}; "
              f"alpha_c (mean m = {AGS_OVERLAP_C}) = {float(r.alpha_c_overlap):.4f} ± "
              f"{float(r.alpha_c_overlap_err):.4f}\n", flush=True)
