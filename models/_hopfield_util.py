"""Shared private helpers of the Hopfield modules: +-1 input checks (run outside jit), keyed
hashes for random orders and patterns, and the random-order asynchronous descent loop.

Random site orders are argsorts of keyed counter hashes (``statmech.mcmc.mix32``, as in the
lattice kernels): two key words are drawn from the caller's JAX key once, and sweep t uses the
hashes of counters t N .. t N + N - 1. This is as random as ``jax.random.permutation`` for this
purpose and compiles several times faster (threefry is slow to compile on CPU).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from statmech._validate import check_pm1, check_real_array, float_dtype
from statmech.mcmc import mix32


def _check_patterns(patterns: Any, name: str = "patterns") -> tuple[int, int]:
    """A [P, N] array of +-1 with P >= 1 and N >= 2; returns (P, N)."""
    check_real_array(patterns, name)
    shape = tuple(jnp.shape(patterns))
    if len(shape) != 2:
        raise ValueError(f"{name} must be a 2-D array [P, N] (one pattern per row), got shape "
                         f"{shape}")
    p, n = shape
    if p < 1:
        raise ValueError(f"{name} must hold P >= 1 patterns, got P={p} (shape {shape})")
    if n < 2:
        raise ValueError(f"{name} must have N >= 2 neurons, got N={n} (shape {shape})")
    check_pm1(patterns, name)
    return p, n


def _check_state(s: Any, n: int, name: str = "s", *, batch: bool = True) -> None:
    """+-1 neurons with last axis N (exactly [N] when ``batch`` is False)."""
    check_real_array(s, name)
    shape = tuple(jnp.shape(s))
    if batch and (len(shape) == 0 or shape[-1] != n):
        raise ValueError(f"{name} must have shape [..., {n}] (N = {n} neurons), got shape {shape}")
    if not batch and shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (one state of N = {n} neurons; vmap "
                         f"for a batch), got shape {shape}")
    check_pm1(s, name)


def _float(x: Any) -> jax.Array:
    return jnp.asarray(x).astype(float_dtype())


def _sign_keep(field: jax.Array, s: jax.Array) -> jax.Array:
    """sign(field), and the current spin where the field is exactly zero."""
    return jnp.where(field > 0, 1.0, jnp.where(field < 0, -1.0, s)).astype(s.dtype)


def _hash(words: jax.Array, counters: jax.Array) -> jax.Array:
    """uint32 keyed hash of uint32 counters: mix32(mix32(c ^ w0) ^ w1)."""
    return mix32(mix32(counters ^ words[0]) ^ words[1])


def _order(words: jax.Array, t: jax.Array, n: int) -> jax.Array:
    """The random site order (a permutation of n) of sweep t."""
    counters = jnp.arange(n, dtype=jnp.uint32) + t.astype(jnp.uint32) * jnp.uint32(n)
    return jnp.argsort(_hash(words, counters)).astype(jnp.int32)


def _random_signs(words: jax.Array, shape: tuple[int, int]) -> jax.Array:
    """Independent +-1 (float) with probability 1/2 each: the top bit of a keyed hash of the
    element index, ``words = key_words(key, 2)``."""
    counters = jnp.arange(shape[0] * shape[1], dtype=jnp.uint32).reshape(shape)
    top = lax.shift_right_logical(_hash(words, counters), jnp.uint32(31))
    return 1.0 - 2.0 * top.astype(float_dtype())


def _async_descent(words: jax.Array, s: tuple, n_sweeps: jax.Array, update) -> tuple:
    """Random-order sequential sweeps ``carry <- update(carry, i)`` (a fresh random order each
    sweep, :func:`_order` with ``words = key_words(key, 2)``) until a sweep changes nothing or
    ``n_sweeps`` are done. The carry is
    a tuple whose first element is the state: [N], or [S, N] for S states swept together in
    the same order (each then stops changing at its own fixed point).

    Stopping at a fixed point gives exactly what running all ``n_sweeps`` would. Returns
    ``(carry, converged)``, converged (per state) True when the last sweep changed nothing.
    """
    n = s[0].shape[-1]

    def sweep(carry):
        t, c, _ = carry
        new, _ = lax.scan(lambda c, i: (update(c, i), None), c, _order(words, t, n))
        return t + 1, new, jnp.any(new[0] != c[0], axis=-1)

    def cond(carry):
        t, _, changed = carry
        return (t < n_sweeps) & jnp.any(changed)

    changed = jnp.ones(s[0].shape[:-1], bool)
    _, s, changed = lax.while_loop(cond, sweep, (jnp.zeros((), jnp.int32), s, changed))
    return s, ~changed
