"""Monte Carlo diagnostics: autocorrelation, tau_int, ESS, split-R-hat, blocking, jackknife.

Samples lie along the last axis. ``autocorrelation`` works per series on [..., n]; the others
take one chain [n] or chains [n_chains, n] of one process and pool them (``split_rhat`` needs
chains; vmap over an outer axis for independent analyses). All are jit-compatible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from statmech.validate import check_finite, check_static_int, float_dtype, is_concrete

__all__ = ["Estimate", "autocorrelation", "integrated_autocorr_time", "effective_sample_size",
           "mean_and_stderr", "split_rhat", "blocking_error", "jackknife"]

_MIN_SAMPLES = 4
# chi^2 quantiles at 0.99 for 1..30 degrees of freedom (Jonsson 2018); Wilson-Hilferty beyond.
_CHI2_99 = (6.634897, 9.210340, 11.344867, 13.276704, 15.086272, 16.811894, 18.475307, 20.090235,
            21.665994, 23.209251, 24.724970, 26.216967, 27.688250, 29.141238, 30.577914,
            31.999927, 33.408664, 34.805306, 36.190869, 37.566235, 38.932173, 40.289360,
            41.638398, 42.979820, 44.314105, 45.641683, 46.962942, 48.278236, 49.587884, 50.892181)
_SHAPES = {"optional": ("[n] or [n_chains, n]", (1, 2)), "required": ("[n_chains, n]", (2,)),
           "any": ("[..., n]", range(1, 64))}


class Estimate(NamedTuple):
    """A value with its standard error (unpacks as ``value, stderr``)."""

    value: jax.Array
    stderr: jax.Array


def _series(x: Any, name: str = "x", *, chains: str = "optional") -> jax.Array:
    """Validate a series; return float [n_chains, n] ('optional'/'required') or [..., n]."""
    check_finite(x, name)
    shape = tuple(jnp.shape(x))
    want, ndims = _SHAPES[chains]
    if len(shape) not in ndims:
        raise ValueError(f"{name} must have shape {want}, got shape {shape}")
    if shape[-1] < _MIN_SAMPLES or (chains == "required" and shape[0] < 2):
        raise ValueError(f"{name} must hold at least {_MIN_SAMPLES} samples along its last axis"
                         f"{' and 2 chains' if chains == 'required' else ''}, got shape {shape}")
    arr = jnp.asarray(x, dtype=float_dtype())
    return arr if chains == "any" else arr.reshape((-1, shape[-1]))


@jax.jit
def _acf(x: jax.Array) -> jax.Array:
    """Normalised autocorrelation along the last axis (FFT, zero-padded to >= 2n)."""
    n = x.shape[-1]
    nfft = 1 << (2 * n - 1).bit_length()
    f = jnp.fft.rfft(x - jnp.mean(x, axis=-1, keepdims=True), n=nfft, axis=-1)
    acov = jnp.fft.irfft(jnp.real(f * jnp.conj(f)), n=nfft, axis=-1)[..., :n] / n
    c0 = acov[..., :1]       # a constant series (up to rounding) gets rho = [1, 0, 0, ...]
    ok = c0 > (8 * jnp.finfo(x.dtype).eps * jnp.max(jnp.abs(x), axis=-1, keepdims=True)) ** 2
    return jnp.where(ok, acov / jnp.where(ok, c0, 1.0), (jnp.arange(n) == 0).astype(x.dtype))


def autocorrelation(x: Any) -> jax.Array:
    """Normalised autocorrelation function rho(t) = c(t) / c(0) of each series, by FFT.

    c(t) = (1/n) sum_{i<n-t} (x_i - xbar)(x_{i+t} - xbar) (biased, positive semi-definite), by
    FFT of the mean-subtracted series zero-padded to a power of two >= 2n (no wrap-around).
    A constant series gives rho = [1, 0, 0, ...].

    Args:
      x: series of shape [n] or [..., n] (samples last, n >= 4), finite.

    Returns:
      rho(t) for t = 0..n-1, same shape as ``x``; rho(0) = 1.

    Example:
      >>> import jax.numpy as jnp
      >>> [round(float(r), 4) for r in autocorrelation(jnp.array([1.0, -1.0, 1.0, -1.0]))]
      [1.0, -0.75, 0.5, -0.25]

    References:
      M. B. Priestley, Spectral Analysis and Time Series (1981).
    """
    return _acf(_series(x, chains="any"))


def _series_c(x: Any, c: Any) -> tuple[jax.Array, jax.Array]:
    x = _series(x)
    check_finite(c, "c")
    if jnp.ndim(c) != 0 or (is_concrete(c) and float(c) <= 0):
        raise ValueError(f"c must be a scalar > 0, got {c!r}")
    return x, jnp.asarray(c, dtype=x.dtype)


@jax.jit
def _stats(x: jax.Array, c: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(tau_int, mean, var) of x [n_chains, n]; tau_int by Sokal's window on the mean ACF."""
    n = x.shape[-1]
    rho = jnp.mean(_acf(x), axis=0)
    taus = jnp.cumsum(rho) - 0.5                       # tau(W) = 1/2 + sum_{t=1}^W rho(t)
    ok = jnp.arange(n) >= c * taus
    w = jnp.where(jnp.any(ok), jnp.argmax(ok), n - 1)  # no window: use the full length
    floor = 0.5 / math.log10(max(n * x.shape[0], 10))  # ESS <= n log10 n (as in Stan)
    return jnp.maximum(taus[w], floor), jnp.mean(x), jnp.var(x)


def integrated_autocorr_time(x: Any, c: Any = 5.0) -> jax.Array:
    """Integrated autocorrelation time tau_int with Sokal's automatic window.

    tau_int(W) = 1/2 + sum_{t=1}^{W} rho(t) at the smallest W with W >= c tau_int(W), found
    with a cumsum and an argmax over the mask; if no W qualifies, W = n - 1 (the full length).
    The estimated rho(t >= 1) sum to exactly -1/2, so a series much shorter than its correlation
    time meets the criterion where that sum collapses and tau_int is underestimated: use
    n >~ 50 tau_int. Chains [n_chains, n]: their normalised ACFs are averaged before windowing
    (as in emcee). Clipped below at 1 / (2 log10 max(n_total, 10)) (ESS <= n log10 n, as in
    Stan) to stay positive for anti-correlated series. Var(mean) = var 2 tau_int / n, so
    tau_int = 1/2 for independent samples.

    Args:
      x: one chain [n] or chains [n_chains, n], n >= 4, finite.
      c: window constant, > 0 (Sokal recommends 4-6; default 5).

    Returns:
      tau_int as a scalar, in units of samples.

    Example:
      >>> import numpy as np
      >>> x = np.random.default_rng(0).normal(size=4000)       # independent: tau_int = 1/2
      >>> bool(abs(integrated_autocorr_time(x) - 0.5) < 0.1)
      True

    References:
      A. D. Sokal, Monte Carlo methods in statistical mechanics: foundations and new
      algorithms (1996 Cargese lectures); J. Goodman and J. Weare, Commun. Appl. Math.
      Comput. Sci. 5, 65 (2010); emcee ``autocorr.integrated_time``.
    """
    return _stats(*_series_c(x, c))[0]


def effective_sample_size(x: Any, c: Any = 5.0) -> jax.Array:
    """Effective sample size ESS = n_total / (2 tau_int), n_total = n_chains * n.

    Args:
      x: one chain [n] or chains [n_chains, n], n >= 4.
      c: Sokal window constant (see ``integrated_autocorr_time``).

    Returns:
      ESS, a scalar (n_total for independent samples).

    Example:
      >>> import numpy as np
      >>> x = np.random.default_rng(0).normal(size=4000)
      >>> bool(3000 < effective_sample_size(x) < 5000)
      True

    References:
      Sokal (1996), see ``integrated_autocorr_time``.
    """
    x, c = _series_c(x, c)
    return x.size / (2.0 * _stats(x, c)[0])


def mean_and_stderr(x: Any, c: Any = 5.0) -> Estimate:
    """Sample mean and its standard error from tau_int: stderr = sqrt(var * 2 tau_int / n).

    var: of all n = n_chains * n_samples samples pooled (differing chain means inflate it).

    Args:
      x: one chain [n] or chains [n_chains, n], n >= 4.
      c: Sokal window constant (see ``integrated_autocorr_time``).

    Returns:
      ``Estimate(value, stderr)``.

    Example:
      >>> import numpy as np
      >>> mean, err = mean_and_stderr(np.random.default_rng(0).normal(size=4000))
      >>> bool(0.014 < err < 0.018)        # 1/sqrt(4000) = 0.0158
      True

    References:
      Sokal (1996), see ``integrated_autocorr_time``.
    """
    x, c = _series_c(x, c)
    tau, mean, var = _stats(x, c)
    return Estimate(mean, jnp.sqrt(var * 2.0 * tau / x.size))


def split_rhat(x: Any) -> jax.Array:
    """Split potential scale reduction factor R-hat of several chains (BDA3).

    Chains are halved (the middle sample dropped for odd n) into m = 2 n_chains sequences of
    length k; B = k/(m-1) sum_j (mean_j - mean)^2, W = mean_j s_j^2 (ddof 1) and
    R-hat = sqrt(((k-1)/k W + B/k) / W); near 1 (< 1.01) means mixed. If every sequence is
    constant (W = 0 up to rounding), R-hat is 1 when they agree and +inf when they differ.

    Args:
      x: chains [n_chains, n], n_chains >= 2, n >= 4.

    Returns:
      R-hat as a scalar.

    Example:
      >>> import numpy as np
      >>> x = np.random.default_rng(0).normal(size=(4, 1000))
      >>> bool(split_rhat(x) < 1.01)
      True

    References:
      A. Gelman et al., Bayesian Data Analysis, 3rd ed. (2013), sec. 11.4.
    """
    return _split_rhat(_series(x, chains="required"))


@jax.jit
def _split_rhat(x: jax.Array) -> jax.Array:
    n, k = x.shape[-1], x.shape[-1] // 2
    seqs = jnp.concatenate([x[:, :k], x[:, n - k:]], axis=0)
    b = k * jnp.var(jnp.mean(seqs, axis=1), ddof=1)
    w = jnp.mean(jnp.var(seqs, axis=1, ddof=1))
    tiny = (8 * jnp.finfo(x.dtype).eps * jnp.max(jnp.abs(x))) ** 2   # rounding-level variance
    rhat = jnp.sqrt(((k - 1) / k * w + b / k) / jnp.where(w > tiny, w, 1.0))
    return jnp.where(w > tiny, rhat, jnp.where(b / k > tiny, jnp.inf, 1.0))


def _chi2_99(df: int) -> float:
    z = 2.3263478740408408                              # Wilson-Hilferty beyond the table
    wh = df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3
    return _CHI2_99[df - 1] if df <= len(_CHI2_99) else wh


@jax.jit
def _blocking(x: jax.Array) -> jax.Array:
    """FP standard error per level and Jonsson's M-test, by a scan over a fixed-size buffer."""
    n = x.shape[-1]
    idx = jnp.arange(n + n % 2)
    d = n.bit_length() - 1                              # levels with n_k = n >> k >= 2
    q = jnp.asarray([_chi2_99(d - j) for j in range(d)], dtype=x.dtype)

    def level(buf, k):                                  # buf[:n_k] holds the block means
        nk = n >> k
        dev = jnp.where(idx < nk, buf - jnp.sum(jnp.where(idx < nk, buf, 0.0)) / nk, 0.0)
        s = jnp.sum(dev * dev) / nk
        gamma = jnp.sum(dev[:-1] * dev[1:]) / nk
        term = nk * jnp.where(s > 0, (gamma / jnp.where(s > 0, s, 1.0)) ** 2, 0.0)
        pairs = jnp.mean(buf.reshape(-1, 2), axis=1)
        return jnp.concatenate([pairs, jnp.zeros_like(pairs)]), (jnp.sqrt(s / (nk - 1)), term)

    def one(y):
        _, (errs, terms) = jax.lax.scan(level, jnp.pad(y, (0, n % 2)), jnp.arange(d))
        ok = jnp.cumsum(terms[::-1])[::-1] < q          # M_j = sum_{k >= j} n_k (gamma_k/s_k)^2
        return errs[jnp.where(jnp.any(ok), jnp.argmax(ok), d - 1)]

    se = jax.vmap(one)(x)
    return jnp.sqrt(jnp.mean(se * se) / x.shape[0])


def blocking_error(x: Any) -> jax.Array:
    """Flyvbjerg-Petersen blocking standard error of the mean, level chosen by Jonsson's M-test.

    Level k averages adjacent pairs of level k-1 (a trailing odd sample is dropped), giving n_k
    block means with biased variance s_k and lag-1 autocovariance gamma_k; its standard error
    is sqrt(s_k / (n_k - 1)), which grows with k to a plateau once blocks are independent.
    The plateau is chosen automatically (Jonsson 2018): with d levels (n_k >= 2) and
    M_j = sum_{k=j}^{d-1} n_k (gamma_k / s_k)^2, which is chi^2 with d - j degrees of freedom
    when blocks at level j are uncorrelated, the estimate is taken at the smallest j with
    M_j < q_{0.99}(d - j) (the last level if none). For chains [n_chains, n] each chain is
    blocked separately and the standard error of the grand mean is sqrt(mean_c se_c^2 / n_c).

    Args:
      x: one chain [n] or chains [n_chains, n], n >= 4 (n >~ 1000 tau_int for a clear plateau).

    Returns:
      Standard error of the mean, a scalar.

    Example:
      >>> import numpy as np
      >>> x = np.random.default_rng(0).normal(size=4096)
      >>> bool(0.013 < blocking_error(x) < 0.019)       # 1/sqrt(4096) = 0.0156
      True

    References:
      H. Flyvbjerg and H. G. Petersen, J. Chem. Phys. 91, 461 (1989); M. Jonsson, Standard
      error estimation by an automated blocking method, Phys. Rev. E 98, 043304 (2018).
    """
    return _blocking(_series(x))


def jackknife(fn: Callable[[Any], Any], x: Any, n_blocks: int = 20) -> Estimate:
    """Delete-one-block jackknife estimate and standard error of ``fn(samples)``.

    The n samples (last axis) form ``n_blocks`` contiguous blocks of b = n // n_blocks (the first
    n mod n_blocks samples, the least equilibrated, are dropped). With f = fn(all), f_j = fn(all
    but block j) and f_bar = mean_j f_j: estimate = n_b f - (n_b - 1) f_bar (bias-corrected),
    stderr = sqrt((n_b - 1)/n_b sum_j (f_j - f_bar)^2); valid for correlated series when
    b >> tau_int. A linear fn gives the mean and the standard error of the block means.

    Args:
      fn: ``fn(samples) -> array or pytree``, e.g. ``binder_cumulant`` or
        ``lambda e: heat_capacity(e, beta, N)``; it is vmapped over the left-out blocks.
      x: samples with the sample axis last: an array [..., n] or a pytree of them (same n).
      n_blocks: number of blocks, 2 <= n_blocks <= n (static). Memory is ~n_blocks * n.

    Returns:
      ``Estimate(value, stderr)`` with the structure of ``fn``'s output.

    Example:
      >>> import jax.numpy as jnp
      >>> est, err = jackknife(jnp.mean, jnp.arange(8.0), n_blocks=4)
      >>> round(float(est), 4), round(float(err), 4)
      (3.5, 1.291)

    References:
      B. Efron, The Jackknife, the Bootstrap and Other Resampling Plans (1982); B. A. Berg,
      Markov Chain Monte Carlo Simulations and Their Statistical Analysis (2004).
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    for leaf in (leaves := jax.tree_util.tree_leaves(x)):
        check_finite(leaf, "x")
    lengths = sorted({jnp.shape(leaf)[-1] if jnp.ndim(leaf) else 0 for leaf in leaves})
    if len(lengths) != 1 or lengths[0] == 0:
        raise ValueError(f"x must hold arrays with one sample count (last axis), got {lengths}")
    n = lengths[0]
    n_blocks = check_static_int(n_blocks, "n_blocks", minimum=2, maximum=n,
                                why_max="the number of samples")
    x = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.result_type(a, float))
                               [..., n % n_blocks:], x)     # drop the first n mod n_blocks
    hashable = getattr(type(fn), "__hash__", None) is not None   # jit needs a static fn
    return (_jackknife_jit if hashable else _jackknife)(fn, x, n_blocks)


def _jackknife(fn: Callable[[Any], Any], x: Any, n_blocks: int) -> Estimate:
    b = jax.tree_util.tree_leaves(x)[0].shape[-1] // n_blocks
    keep = jnp.arange((n_blocks - 1) * b)

    def leave_out(j):
        idx = keep + jnp.where(keep >= j * b, b, 0)
        return fn(jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=-1), x))

    full, loo = fn(x), jax.vmap(leave_out)(jnp.arange(n_blocks))
    value = lambda f, fj: n_blocks * f - (n_blocks - 1) * jnp.mean(fj, axis=0)
    err = lambda f, fj: jnp.sqrt((n_blocks - 1) * jnp.mean(jnp.square(fj - fj.mean(0)), 0))
    return Estimate(*(jax.tree_util.tree_map(g, full, loo) for g in (value, err)))


_jackknife_jit = jax.jit(_jackknife, static_argnums=(0, 2))
