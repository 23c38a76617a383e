"""Counter-based uniform random numbers for the lattice kernels.

A lattice half-sweep needs one uniform per updated site. Materialising them with JAX's threefry
costs more than the update itself (about 0.05 G words/s on a 2-core CPU), and the array of
uniforms is as large as the lattice. Here the uniform of site ``idx`` is a keyed hash of its
index,

    x = mix(mix(idx ^ k0) ^ k1),   u = (x >> 8) * 2^-24,

with ``mix`` the ``lowbias32`` integer finaliser (C. Wellons, "Prospecting for hash functions",
2018): xor-shift / odd-multiply rounds, a bijection of uint32 with full avalanche. The two key
words ``(k0, k1)`` are drawn from the caller's JAX key once per half-sweep, so every sweep uses
a fresh, independent stream and all randomness still flows from explicit keys. Being a pure
function of ``(idx, k0, k1)``, the hash fuses into the update loop: no random array is ever
stored, which is what lets a 16384 x 16384 lattice sweep in a few hundred MB.

The idea of counter-based generators is that of Salmon, Moraes, Dror and Shaw, "Parallel
random numbers: as easy as 1, 2, 3" (SC 2011); the uniforms have 24 bits of resolution, like
``jax.random.uniform`` in float32. Validity is checked where it matters: every lattice kernel
reproduces exact enumeration and Kaufman averages within error bars (tests/statmech/mcmc).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["mix32", "hash_bits24", "hash_uniform", "key_words"]


def mix32(x: jax.Array) -> jax.Array:
    """lowbias32 finaliser of 32-bit words: ``x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15;
    x *= 0x846ca68b; x ^= x >> 16`` (a bijection with near-ideal avalanche).

    Works on uint32 or int32 (same bits: logical shifts, wrapping multiplies); XLA's CPU
    backend vectorises the int32 form better, so the kernels hash in int32.
    """
    m1, m2 = (jnp.asarray(np.uint32(c).view(np.int32) if x.dtype == jnp.int32 else np.uint32(c))
              for c in (0x7FEB352D, 0x846CA68B))
    x = x ^ lax.shift_right_logical(x, jnp.asarray(16, x.dtype))
    x = x * m1
    x = x ^ lax.shift_right_logical(x, jnp.asarray(15, x.dtype))
    x = x * m2
    return x ^ lax.shift_right_logical(x, jnp.asarray(16, x.dtype))


def _counters(shape: tuple[int, int], dtype, row0) -> jax.Array:
    rows = lax.broadcasted_iota(dtype, shape, 0) + jnp.asarray(row0, dtype)
    cols = lax.broadcasted_iota(dtype, shape, 1)
    return rows * jnp.asarray(shape[1], dtype) + cols


def hash_bits24(shape: tuple[int, int], k0: jax.Array, k1: jax.Array, row0=0) -> jax.Array:
    """int32 in [0, 2^24) on a 2-D grid: the integers k with ``hash_uniform = k / 2^24``.

    ``u < p`` is then ``k < ceil(p 2^24)``, exactly, with integer compares only. ``row0``
    offsets the row counter, so a block of rows [row0, row0 + shape[0]) of a wider grid gets
    the same numbers as the full grid.
    """
    k0, k1 = (lax.bitcast_convert_type(jnp.asarray(k, jnp.uint32), jnp.int32) for k in (k0, k1))
    x = mix32(mix32(_counters(shape, jnp.int32, row0) ^ k0) ^ k1)
    return lax.shift_right_logical(x, jnp.int32(8))


def hash_uniform(shape: tuple[int, int], k0: jax.Array, k1: jax.Array) -> jax.Array:
    """float32 uniforms in [0, 1) on a 2-D grid, u[r, c] = top 24 bits of
    mix32(mix32(r * shape[1] + c ^ k0) ^ k1) / 2^24.

    ``shape[0] * shape[1]`` must be at most 2^32 (distinct counters).
    """
    return hash_bits24(shape, k0, k1).astype(jnp.float32) * jnp.float32(2.0**-24)


def key_words(key: jax.Array, n: int) -> jax.Array:
    """``n`` uint32 key words from a JAX key (one small threefry call)."""
    return jax.random.bits(key, (n,), jnp.uint32)
