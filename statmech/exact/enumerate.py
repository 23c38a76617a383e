"""Exact partition functions by enumerating every configuration of n two-state units.

ln Z(beta) = logsumexp_x [-beta E(x)], x in {a, b}^n. States are generated from their integer
index inside the compiled program, a block of ``chunk_size`` at a time under ``lax.map``, and
combined with log-sum-exp, so memory stays O(chunk_size * n) and float32 never overflows. Each
block is rematerialised (``jax.checkpoint``) in the backward pass, so ``grad`` also runs in
constant memory, and higher derivatives work by plain autodiff.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from statmech._types import EnergyFn, Params
from statmech.validate import check_beta, check_spins_pair, check_static_int

__all__ = [
    "MAX_ENUMERATE",
    "EnumerationMoments",
    "log_z_enumerate",
    "enumerate_expectation",
    "enumerate_moments",
    "all_states",
]

MAX_ENUMERATE = 32
"""Largest n accepted by the enumeration functions (2**32 states; ~30 is practical)."""

_DEFAULT_CHUNK_LOG2 = 14


class EnumerationMoments(NamedTuple):
    """Exact Boltzmann moments from enumeration.

    Attributes:
      log_z: ln Z.
      energy: <E>.
      spin: <x_i>, shape [n].
      spin_spin: <x_i x_j>, shape [n, n].
    """

    log_z: jax.Array
    energy: jax.Array
    spin: jax.Array
    spin_spin: jax.Array


def _check(n: Any, beta: Any, spins: Any, chunk_size: Any) -> tuple[int, tuple[float, float], int]:
    n = check_static_int(n, "n", minimum=1, maximum=MAX_ENUMERATE,
                         why_max=f"enumeration visits all 2**n states; the limit is n <= "
                                 f"{MAX_ENUMERATE}, use a Monte Carlo estimator beyond it")
    check_beta(beta)
    pair = check_spins_pair(spins)
    if chunk_size is None:
        chunk = 1 << min(n, _DEFAULT_CHUNK_LOG2)
    else:
        chunk = check_static_int(chunk_size, "chunk_size", minimum=1)
        if chunk & (chunk - 1):
            raise ValueError(f"chunk_size must be a power of two, got {chunk}")
        chunk = min(chunk, 1 << n)
    return n, pair, chunk


def _states(start: jax.Array, chunk: int, n: int, pair: tuple[float, float]) -> jax.Array:
    """Configurations with indices start .. start + chunk - 1; bit k of the index is unit k."""
    idx = start + jnp.arange(chunk, dtype=jnp.uint32)
    bits = (idx[:, None] >> jnp.arange(n, dtype=jnp.uint32)[None, :]) & jnp.uint32(1)
    lo, hi = (jnp.asarray(v, dtype=float) for v in pair)
    return jnp.where(bits == 1, hi, lo)


def all_states(n: int, *, spins: tuple[float, float] = (-1, 1)) -> jax.Array:
    """All 2**n configurations as a float array [2**n, n], row k = binary digits of k (LSB first).

    Args:
      n: number of units (at most 24 here: the table is materialised).
      spins: the two unit values (state of bit 0, state of bit 1).

    Returns:
      Array of shape [2**n, n].

    Example:
      >>> all_states(2).tolist()
      [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]]
    """
    n = check_static_int(n, "n", minimum=1, maximum=24, why_max="the table has 2**n rows")
    pair = check_spins_pair(spins)
    return _states(jnp.uint32(0), 1 << n, n, pair)


def _chunked(energy_fn: EnergyFn, params: Params, beta: jax.Array, n: int,
             pair: tuple[float, float], chunk: int,
             observable: Callable[[jax.Array, jax.Array], Any] | None):
    """Per-chunk (logsumexp, chunk-normalised expectation of ``observable``)."""
    n_chunks = (1 << n) // chunk
    energies = jax.vmap(energy_fn, in_axes=(None, 0))

    @jax.checkpoint
    def one_chunk(c):
        x = _states(c.astype(jnp.uint32) * jnp.uint32(chunk), chunk, n, pair)
        e = energies(params, x)
        logw = -beta * e
        lse = jax.nn.logsumexp(logw)
        if observable is None:
            return lse, None
        p = jnp.exp(logw - lse)
        obs = jax.vmap(observable)(x, e)
        mean = jax.tree_util.tree_map(lambda o: jnp.tensordot(p, o, axes=1), obs)
        return lse, mean

    return lax.map(one_chunk, jnp.arange(n_chunks, dtype=jnp.int32))


def log_z_enumerate(energy_fn: EnergyFn, params: Params, n: int, beta: Any = 1.0, *,
                    spins: tuple[float, float] = (-1, 1), chunk_size: int | None = None
                    ) -> jax.Array:
    """Exact ln Z of any energy over n two-state units, by enumeration.

    ln Z = ln sum_{x in {a,b}^n} exp(-beta * E(params, x)), computed with log-sum-exp over blocks
    of states. Differentiable (any order) in ``params`` and ``beta``; jit- and vmap-compatible.

    Args:
      energy_fn: ``energy_fn(params, x) -> scalar`` for one configuration x (float array [n]).
      params: pytree passed to ``energy_fn`` (traced; changing it does not recompile).
      n: number of units, 1 <= n <= 32 (static).
      beta: inverse temperature, finite and >= 0.
      spins: the two unit values; (-1, 1) for Ising spins, (0, 1) for Boltzmann machines.
      chunk_size: states per block (a power of two; default 2**14).

    Returns:
      ln Z as a scalar array.

    Example:
      >>> import jax.numpy as jnp
      >>> free = lambda p, x: -p * jnp.sum(x)      # n independent spins in a field p
      >>> round(float(log_z_enumerate(free, 0.5, 3)), 5)      # 3 ln(2 cosh 0.5)
      2.43979

    References:
      Boltzmann-Gibbs sum; log-sum-exp blocking as in any exact small-system calculation.
    """
    if not callable(energy_fn):
        raise TypeError(f"energy_fn must be callable, got {type(energy_fn).__name__}")
    n, pair, chunk = _check(n, beta, spins, chunk_size)
    return _log_z(energy_fn, params, jnp.asarray(beta, dtype=float), n, pair, chunk)


@functools.partial(jax.jit, static_argnums=(0, 3, 4, 5))
def _log_z(energy_fn, params, beta, n, pair, chunk):
    lse, _ = _chunked(energy_fn, params, beta, n, pair, chunk, None)
    return jax.nn.logsumexp(lse)


def enumerate_expectation(energy_fn: EnergyFn, params: Params, n: int, beta: Any,
                          observable: Callable[[jax.Array, jax.Array], Any], *,
                          spins: tuple[float, float] = (-1, 1), chunk_size: int | None = None
                          ) -> tuple[jax.Array, Any]:
    """Exact ln Z and the Boltzmann average of ``observable(x, E(x))`` by enumeration.

    <O> = sum_x O(x) exp(-beta E(x)) / Z, accumulated block by block with log-sum-exp weights.

    Args:
      energy_fn: ``energy_fn(params, x) -> scalar``.
      params: pytree passed to ``energy_fn``.
      n: number of units, 1 <= n <= 32.
      beta: inverse temperature, finite and >= 0.
      observable: ``observable(x, energy) -> pytree of arrays`` for one configuration.
      spins: the two unit values.
      chunk_size: states per block (a power of two).

    Returns:
      ``(log_z, mean)`` where ``mean`` has the structure of ``observable``'s output.

    Example:
      >>> import jax.numpy as jnp
      >>> pair = lambda p, x: -p * x[0] * x[1]
      >>> _, corr = enumerate_expectation(pair, 1.0, 2, 1.0, lambda x, e: x[0] * x[1])
      >>> round(float(corr), 6)  # tanh(1)
      0.761594
    """
    for name, fn in (("energy_fn", energy_fn), ("observable", observable)):
        if not callable(fn):
            raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
    n, pair, chunk = _check(n, beta, spins, chunk_size)
    return _expectation(energy_fn, params, jnp.asarray(beta, dtype=float), n, pair, chunk,
                        observable)


@functools.partial(jax.jit, static_argnums=(0, 3, 4, 5, 6))
def _expectation(energy_fn, params, beta, n, pair, chunk, observable):
    lse, means = _chunked(energy_fn, params, beta, n, pair, chunk, observable)
    log_z = jax.nn.logsumexp(lse)
    w = jnp.exp(lse - log_z)
    return log_z, jax.tree_util.tree_map(lambda m: jnp.tensordot(w, m, axes=1), means)


def _moments(x: jax.Array, energy: jax.Array):
    return energy, x, jnp.outer(x, x)


def enumerate_moments(energy_fn: EnergyFn, params: Params, n: int, beta: Any = 1.0, *,
                      spins: tuple[float, float] = (-1, 1), chunk_size: int | None = None
                      ) -> EnumerationMoments:
    """Exact ln Z, <E>, <x_i> and <x_i x_j> by enumeration.

    Args:
      energy_fn: ``energy_fn(params, x) -> scalar``.
      params: pytree passed to ``energy_fn``.
      n: number of units, 1 <= n <= 32.
      beta: inverse temperature, finite and >= 0.
      spins: the two unit values.
      chunk_size: states per block (a power of two).

    Returns:
      ``EnumerationMoments(log_z, energy, spin, spin_spin)``.

    Example:
      >>> import jax.numpy as jnp
      >>> m = enumerate_moments(lambda h, x: -jnp.dot(h, x), jnp.array([0.5, 0.0]), 2)
      >>> [round(float(v), 6) for v in m.spin]   # tanh(0.5), 0
      [0.462117, 0.0]
    """
    log_z, (energy, spin, spin_spin) = enumerate_expectation(
        energy_fn, params, n, beta, _moments, spins=spins, chunk_size=chunk_size)
    return EnumerationMoments(log_z, energy, spin, spin_spin)
