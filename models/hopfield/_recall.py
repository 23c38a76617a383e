"""Zero-temperature recall of Hopfield networks and random patterns, with the random-order
asynchronous descent loop shared by every network of the package.

Random site orders and patterns come from the counter-based generator (:mod:`statmech.random`):
two key words are drawn from the caller's JAX key once; sweep t's order is the permutation of
:func:`statmech.random.permutation` keyed by words folded with t, and patterns are the top bits
of keyed hashes. Threefry is never called inside the loops (it is slow to compile on CPU).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from models.hopfield._model import (
    _check_couplings,
    _check_h,
    _check_state,
    _field,
    _mask_diagonal,
)
from statmech.random import fold_word, key_words, permutation, random_signs
from statmech.validate import as_float, check_static_int, float_dtype

__all__ = ["random_patterns", "recall_sync", "recall_async"]


def _sign_keep(field: jax.Array, s: jax.Array) -> jax.Array:
    """sign(field), and the current spin where the field is exactly zero."""
    return jnp.where(field > 0, 1.0, jnp.where(field < 0, -1.0, s)).astype(s.dtype)


def _order(words: jax.Array, t: jax.Array, n: int) -> jax.Array:
    """The random site order (a permutation of n) of sweep t, from ``words = key_words(key, 2)``."""
    return permutation(jnp.stack([fold_word(words[0], t), fold_word(words[1], t),
                                  fold_word(words[0] ^ words[1], t)]), n)


def _random_signs(words: jax.Array, shape: tuple[int, int]) -> jax.Array:
    """Independent +-1 (float) with probability 1/2 each, ``words = key_words(key, 2)``."""
    return random_signs(shape, words[0], words[1], float_dtype())


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


@functools.partial(jax.jit, static_argnums=(1, 2))
def _random_patterns(words, p, n):
    return _random_signs(words, (p, n)).astype(jnp.int8)


@jax.jit
def _recall_sync(W, s, h, n_steps):
    W = _mask_diagonal(W)
    h = _field(h, W.shape[0])

    def step(_, s):
        return _sign_keep(s @ W + h, s)

    return lax.fori_loop(0, n_steps, step, as_float(s)).astype(jnp.int8)


@jax.jit
def _recall_async(words, W, s, h, n_sweeps):
    W = _mask_diagonal(W)
    h = _field(h, W.shape[0])

    def update(c, i):
        (s,) = c
        return (s.at[i].set(_sign_keep(W[i] @ s + h[i], s[i])),)

    (s,), _ = _async_descent(words, (as_float(s),), n_sweeps, update)
    return s.astype(jnp.int8)


def random_patterns(key: jax.Array, n_patterns: int, n_neurons: int) -> jax.Array:
    """Independent unbiased random +-1 patterns, the standard memory load of capacity studies.

    xi_i^mu = +-1 with probability 1/2 each, independently for every mu and i (the top bit of
    a keyed counter hash, two key words drawn from ``key``).

    Args:
      key: a ``jax.random.key``.
      n_patterns: P, an int >= 1.
      n_neurons: N, an int >= 2.

    Returns:
      ``int8`` array ``[P, N]``, one pattern per row.

    Example:
      >>> import jax
      >>> xi = random_patterns(jax.random.key(0), 3, 8)
      >>> xi.shape, xi.dtype, sorted(set(xi.ravel().tolist()))
      ((3, 8), dtype('int8'), [-1, 1])

    References:
      D. J. Amit, H. Gutfreund and H. Sompolinsky, Phys. Rev. Lett. 55, 1530 (1985).
    """
    p = check_static_int(n_patterns, "n_patterns", minimum=1)
    n = check_static_int(n_neurons, "n_neurons", minimum=2)
    return _random_patterns(key_words(key, 2), p, n)


def recall_sync(W: Any, s: Any, n_steps: int, *, h: Any = 0.0) -> jax.Array:
    """Synchronous zero-temperature recall: all neurons updated at once.

    s_i <- sign(sum_{j != i} W_ij s_j + h_i), keeping s_i where the field is exactly 0. The
    energy is not a Lyapunov function of this dynamics: it may end in a 2-cycle.

    Args:
      W: symmetric couplings ``[N, N]``.
      s: initial neurons ``[N]`` of +-1, or a batch ``[..., N]``.
      n_steps: number of parallel updates, an int >= 0 (traced: changing it does not recompile).
      h: external field, a scalar or ``[N]``.

    Returns:
      The state after ``n_steps`` updates, ``int8`` with the shape of ``s``.

    Example:
      >>> import jax.numpy as jnp
      >>> from models.hopfield import hebbian
      >>> xi = jnp.array([[1, -1, 1, -1, 1, -1]])
      >>> recall_sync(hebbian(xi), jnp.array([1, 1, 1, -1, 1, -1]), 1).tolist()
      [1, -1, 1, -1, 1, -1]

    References:
      W. A. Little, Math. Biosci. 19, 101 (1974); J. J. Hopfield, PNAS 79, 2554 (1982).
    """
    n = _check_couplings(W)
    _check_state(s, n)
    _check_h(h, n)
    n_steps = check_static_int(n_steps, "n_steps", minimum=0)
    return _recall_sync(as_float(W), as_float(s), _field(h, n), jnp.asarray(n_steps, jnp.int32))


def recall_async(key: jax.Array, W: Any, s: Any, n_sweeps: int, *, h: Any = 0.0) -> jax.Array:
    """Asynchronous zero-temperature recall: random-order single-neuron updates.

    Each sweep visits the N neurons once in a fresh random order, s_i <- sign(sum_{j != i} W_ij
    s_j + h_i), keeping s_i where the field is exactly 0. Each update lowers E or leaves it
    unchanged (symmetric W), so the dynamics ends at a fixed point; the loop stops early at a
    sweep that changes no neuron, which gives the same state as running all ``n_sweeps``.

    Args:
      key: a ``jax.random.key`` (two key words are drawn from it; the order of sweep t is
        :func:`statmech.random.permutation` keyed by them folded with t).
      W: symmetric couplings ``[N, N]``.
      s: initial neurons ``[N]`` of +-1 (one state; ``jax.vmap`` over keys and states).
      n_sweeps: maximum number of sweeps, an int >= 0 (traced: changing it does not recompile).
      h: external field, a scalar or ``[N]``.

    Returns:
      The final state, ``int8 [N]``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from models.hopfield import hebbian, overlap
      >>> xi = random_patterns(jax.random.key(0), 5, 100)
      >>> noisy = xi[0].at[:20].multiply(-1)                    # 20 % of the bits flipped
      >>> out = recall_async(jax.random.key(1), hebbian(xi), noisy, 20)
      >>> float(overlap(xi, out)[0])
      1.0

    References:
      J. J. Hopfield, Proc. Natl. Acad. Sci. USA 79, 2554 (1982).
    """
    n = _check_couplings(W)
    _check_state(s, n, batch=False)
    _check_h(h, n)
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=0)
    return _recall_async(key_words(key, 2), as_float(W), as_float(s), _field(h, n),
                         jnp.asarray(n_sweeps, jnp.int32))
