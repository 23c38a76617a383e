"""Thermodynamic observables of spin configurations and of Monte Carlo sample series.

Per-configuration functions (``magnetization``, ``abs_magnetization``, ``two_point_correlation``)
take one configuration of +-1 spins; batch them with ``vmap``. Sample-series functions
(``susceptibility``, ``heat_capacity``, ``binder_cumulant``) take samples along the *last* axis,
shape [n_samples] or [..., n_samples], and return one value per leading index. They accept
optional importance ``weights`` along the sample axis, so the same code gives plain Monte Carlo
averages (uniform weights), exact Boltzmann averages over an enumeration (weights
exp(-beta E)/Z), and histogram reweighting to a nearby temperature (weights exp(-dbeta E)).
Averages are plug-in estimates (divide by n); for error bars on these nonlinear functions of
means use ``statmech.observables.jackknife``.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from statmech.validate import check_beta, check_finite, float_dtype, is_concrete

__all__ = [
    "magnetization",
    "abs_magnetization",
    "susceptibility",
    "heat_capacity",
    "binder_cumulant",
    "two_point_correlation",
]


def _spins(spins: Any, name: str = "spins", min_ndim: int = 0) -> jax.Array:
    check_finite(spins, name)
    ndim = jnp.ndim(spins)
    if ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions (a {min_ndim}-D "
                         f"lattice), got shape {tuple(jnp.shape(spins))}")
    if jnp.size(spins) == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(jnp.shape(spins))}")
    return jnp.asarray(spins, dtype=float_dtype())


def _samples(x: Any, name: str) -> jax.Array:
    """Samples along the last axis: finite, at least 2 of them."""
    check_finite(x, name)
    shape = tuple(jnp.shape(x))
    if len(shape) < 1 or shape[-1] < 2:
        raise ValueError(f"{name} must have at least 2 samples along its last axis, "
                         f"got shape {shape}")
    return jnp.asarray(x, dtype=float_dtype())


def _weights(weights: Any, shape: tuple[int, ...]) -> jax.Array | None:
    """Importance weights broadcastable to the samples' shape (normalised later, in _norm)."""
    if weights is None:
        return None
    check_finite(weights, "weights")
    wshape = tuple(jnp.shape(weights))
    try:
        ok = len(wshape) >= 1 and wshape[-1] == shape[-1] and \
            np.broadcast_shapes(wshape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"weights must have shape [n_samples] or one broadcastable to the "
                         f"samples' shape {shape} (same last axis), got shape {wshape}")
    if is_concrete(weights):
        w = np.asarray(weights, dtype=float)
        if np.any(w < 0):
            raise ValueError(f"weights must be >= 0, got minimum {w.min()}")
        if np.any(w.sum(axis=-1) <= 0):
            raise ValueError("weights must have a positive sum along the sample axis")
    return jnp.asarray(weights, dtype=float_dtype())


def _norm(w: jax.Array | None) -> jax.Array | None:
    return None if w is None else w / jnp.sum(w, axis=-1, keepdims=True)


def _mean(x: jax.Array, w: jax.Array | None) -> jax.Array:
    """<x> along the last axis, uniform or weighted."""
    return jnp.mean(x, axis=-1) if w is None else jnp.sum(w * x, axis=-1)


def _var(x: jax.Array, w: jax.Array | None) -> jax.Array:
    """<(x - <x>)^2>, centred first so float32 does not cancel."""
    mu = _mean(x, w)
    return _mean(jnp.square(x - mu[..., None]), w)


def _positive(value: Any, name: str) -> jax.Array:
    check_finite(value, name)
    if is_concrete(value) and np.any(np.asarray(value) <= 0):
        raise ValueError(f"{name} must be > 0, got {np.asarray(value).tolist()}")
    return jnp.asarray(value, dtype=float_dtype())


def magnetization(spins: Any) -> jax.Array:
    """Mean spin m = (1/N) sum_i s_i of one configuration (any shape).

    Args:
      spins: one configuration of +-1 spins, any shape (int8 or float); vmap for a batch.

    Returns:
      m as a scalar float array.

    Example:
      >>> import jax.numpy as jnp
      >>> float(magnetization(jnp.array([[1, 1], [1, -1]], dtype=jnp.int8)))
      0.5
    """
    return jnp.mean(_spins(spins))


def abs_magnetization(spins: Any) -> jax.Array:
    """Absolute mean spin ``|m| = |(1/N) sum_i s_i|`` of one configuration (any shape).

    On a finite lattice at h = 0, <m> = 0 by symmetry, so ``<|m|>`` is the usual order
    parameter.

    Args:
      spins: one configuration of +-1 spins, any shape; vmap for a batch.

    Returns:
      ``|m|`` as a scalar float array.

    Example:
      >>> import jax.numpy as jnp
      >>> float(abs_magnetization(jnp.array([-1, -1, -1, 1])))
      0.5
    """
    return jnp.abs(magnetization(spins))


def susceptibility(m_samples: Any, beta: Any, n_sites: Any, *, connected: bool = True,
                   weights: Any = None) -> jax.Array:
    """Magnetic susceptibility per site from samples of the magnetization m.

    ``connected=True`` (default, the finite-size convention):
    ``chi' = beta N (<m^2> - <|m|>^2) = beta N Var(|m|)``.

    On a finite lattice at h = 0, <m> = 0 exactly, so the textbook connected form
    beta N (<m^2> - <m>^2) reduces to beta N <m^2> and does not show the transition; using
    ``|m|`` gives a quantity that peaks near T_c and equals the true susceptibility below T_c in the
    thermodynamic limit (Newman & Barkema 1999, ch. 3; Landau & Binder 2000).
    ``connected=False``: chi = beta N <m^2>, the exact zero-field susceptibility of a finite
    symmetric system (the right estimator above T_c).

    Args:
      m_samples: magnetization per site, shape [n_samples] or [..., n_samples] (samples last,
        at least 2).
      beta: inverse temperature, >= 0; a scalar or an array broadcastable to the leading shape.
      n_sites: number of spins N, > 0.
      connected: which convention (see above).
      weights: optional importance weights along the sample axis, shape [n_samples] or
        broadcastable to ``m_samples``; >= 0, normalised here (divided by their sum).

    Returns:
      chi per site, shape ``m_samples.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> m = jnp.array([0.5, -0.5, 1.0, -1.0])
      >>> float(susceptibility(m, 1.0, 4))       # 4 (0.625 - 0.75^2)
      0.25
      >>> float(susceptibility(m, 1.0, 4, connected=False))
      2.5

    References:
      M. E. J. Newman and G. T. Barkema, Monte Carlo Methods in Statistical Physics (1999);
      D. P. Landau and K. Binder, A Guide to Monte Carlo Simulations in Statistical Physics
      (2000).
    """
    m = _samples(m_samples, "m_samples")
    check_beta(beta)
    n_sites = _positive(n_sites, "n_sites")
    w = _weights(weights, m.shape)
    if not isinstance(connected, bool):
        raise TypeError(f"connected must be a bool, got {type(connected).__name__}")
    return _susceptibility(m, jnp.asarray(beta, dtype=m.dtype), n_sites, w, connected)


@functools.partial(jax.jit, static_argnums=4)
def _susceptibility(m, beta, n_sites, w, connected):
    w = _norm(w)
    return beta * n_sites * (_var(jnp.abs(m), w) if connected else _mean(jnp.square(m), w))


def heat_capacity(e_samples: Any, beta: Any, n_sites: Any, *, weights: Any = None) -> jax.Array:
    """Heat capacity per site C/N = beta^2 (<E^2> - <E>^2) / N from samples of the total energy.

    The variance is computed centred, <(E - <E>)^2>, so float32 does not cancel.

    Args:
      e_samples: total energy E (not per site), shape [n_samples] or [..., n_samples].
      beta: inverse temperature, >= 0; a scalar or broadcastable to the leading shape.
      n_sites: number of sites N, > 0.
      weights: optional importance weights along the sample axis (see ``susceptibility``);
        e.g. exact Boltzmann weights over an enumeration, or reweighting factors.

    Returns:
      C/N in units of k_B, shape ``e_samples.shape[:-1]``.

    Example:
      >>> import jax.numpy as jnp
      >>> float(heat_capacity(jnp.array([-2.0, 0.0, 2.0, 0.0]), 0.5, 2))   # 0.25 * 2 / 2
      0.25

    References:
      Fluctuation-dissipation: C = beta^2 Var(E) (e.g. Newman & Barkema 1999, ch. 1).
    """
    e = _samples(e_samples, "e_samples")
    check_beta(beta)
    n_sites = _positive(n_sites, "n_sites")
    return _heat_capacity(e, jnp.asarray(beta, dtype=e.dtype), n_sites, _weights(weights, e.shape))


@jax.jit
def _heat_capacity(e, beta, n_sites, w):
    return jnp.square(beta) * _var(e, _norm(w)) / n_sites


def binder_cumulant(m_samples: Any, *, weights: Any = None) -> jax.Array:
    """Binder cumulant U_4 = 1 - <m^4> / (3 <m^2>^2) from samples of the magnetization.

    U_4 -> 2/3 in the ordered phase, -> 0 for Gaussian fluctuations (disordered phase); curves
    for different L cross near T_c.

    Args:
      m_samples: magnetization, shape [n_samples] or [..., n_samples] (at least 2).
      weights: optional importance weights along the sample axis (see ``susceptibility``).

    Returns:
      U_4, shape ``m_samples.shape[:-1]``. Raises ValueError when every sample is 0 (concrete
      input); under an outer ``jit`` that case gives NaN (0/0).

    Example:
      >>> import jax.numpy as jnp
      >>> round(float(binder_cumulant(jnp.array([1.0, -1.0, 1.0, -1.0]))), 6)
      0.666667

    References:
      K. Binder, Finite size scaling analysis of Ising model block distribution functions,
      Z. Phys. B 43, 119 (1981).
    """
    m = _samples(m_samples, "m_samples")
    if is_concrete(m_samples) and np.any(np.all(np.asarray(m_samples) == 0, axis=-1)):
        raise ValueError("m_samples must not be all zero along the sample axis "
                         "(<m^2> = 0 leaves the Binder cumulant undefined)")
    return _binder(m, _weights(weights, m.shape))


@jax.jit
def _binder(m, w):
    w, m2 = _norm(w), jnp.square(m)
    return 1.0 - _mean(jnp.square(m2), w) / (3.0 * jnp.square(_mean(m2, w)))


def two_point_correlation(spins: Any) -> jax.Array:
    """Spin-spin correlation C(r) = <s_x s_{x+r}> of one periodic 2-D configuration, by FFT.

    C(r) = (1 / 2N) sum_x s_x (s_{x + r e_1} + s_{x + r e_2}), averaged over all sites and both
    lattice axes, for r = 0 .. min(L, M) // 2. This is the full (not connected) correlation:
    C(0) = 1 for +-1 spins; subtract <m>^2 (or m^2) for the connected one. The circular
    autocorrelation is ``ifft2(|fft2(s)|^2) / N`` (Wiener-Khinchin). Average the result over samples
    for the ensemble C(r).

    Args:
      spins: one configuration of shape [L, M] (periodic), or [..., L, M] for a batch over the
        leading axes.

    Returns:
      C(r), shape [..., min(L, M) // 2 + 1].

    Example:
      >>> import jax.numpy as jnp
      >>> s = jnp.array([[1, -1, 1, -1], [-1, 1, -1, 1]] * 2)        # checkerboard
      >>> two_point_correlation(s).tolist()
      [1.0, -1.0, 1.0]

    References:
      Wiener-Khinchin theorem; correlation functions as in Newman & Barkema (1999), ch. 3.
    """
    s = _spins(spins, min_ndim=2)
    return _two_point(s)


@jax.jit
def _two_point(s: jax.Array) -> jax.Array:
    L, M = s.shape[-2:]
    f = jnp.fft.fft2(s, axes=(-2, -1))
    corr = jnp.fft.ifft2(jnp.real(f * jnp.conj(f)), axes=(-2, -1)).real / (L * M)
    r = min(L, M) // 2 + 1
    return (0.5 * (corr[..., :r, 0] + corr[..., 0, :r])).astype(s.dtype)
