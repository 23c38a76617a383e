"""The counter-based generator: keyed hashes of element indices as uniforms, bits, Bernoulli
draws, signs and permutations.

Every hot loop of the library draws its random numbers here: the lattice kernels (one uniform
per updated site), RBM training and AIS, Hopfield recall orders and patterns, and the training
loop's epoch permutations. A lattice half-sweep needs one uniform per updated site.
Materialising them with JAX's threefry costs more than the update itself (about 0.05 G words/s
on a 2-core CPU), and the array of uniforms is as large as the lattice. Here the uniform of
site ``idx`` is a keyed hash of its index,

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
reproduces exact enumeration and Kaufman averages within error bars (tests/statmech/mcmc), and
the generator's uniformity and independence are tested directly (tests/statmech/test_random.py).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = [
    "mix32",
    "hash32",
    "hash_bits24",
    "hash_uniform",
    "bernoulli",
    "random_signs",
    "permutation",
    "key_words",
    "hash_key_words",
    "fold_word",
]

_GOLDEN = 0x9E3779B9
"""2^32 / golden ratio: the Weyl increment that spreads lane and step counters apart."""


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


def hash32(counters: jax.Array, k0: jax.Array, k1: jax.Array) -> jax.Array:
    """The keyed hash of uint32 counters, ``mix32(mix32(c ^ k0) ^ k1)`` (uint32, all 32 bits).

    Example:
      >>> import jax.numpy as jnp
      >>> hash32(jnp.arange(3, dtype=jnp.uint32), jnp.uint32(1), jnp.uint32(2)).dtype
      dtype('uint32')
    """
    k0, k1 = (jnp.asarray(k, jnp.uint32) for k in (k0, k1))
    return mix32(mix32(jnp.asarray(counters, jnp.uint32) ^ k0) ^ k1)


def _grid(shape: tuple[int, ...]) -> tuple[int, int]:
    """The 2-D view ``(rows, last axis)`` whose row-major counters are the flat indices."""
    shape = tuple(int(d) for d in shape)
    if not shape:
        return 1, 1
    return int(np.prod(shape[:-1], dtype=np.int64)), shape[-1]


def hash_uniform(shape: tuple[int, ...], k0: jax.Array, k1: jax.Array,
                 dtype=jnp.float32) -> jax.Array:
    """Uniforms in [0, 1) of any shape: element i (row-major flat index) is the top 24 bits of
    ``hash32(i, k0, k1)`` times 2^-24.

    On a 2-D grid, u[r, c] hashes r * shape[1] + c, so a block of rows is reproduced by
    :func:`hash_bits24` with ``row0``. The number of elements must be at most 2^32 (distinct
    counters).

    Args:
      shape: any shape.
      k0, k1: uint32 key words (e.g. from :func:`key_words`).
      dtype: the float dtype of the result (the 24 bits are exact in float32 and float64).

    Returns:
      ``dtype`` array of ``shape``.

    Example:
      >>> import jax
      >>> w = key_words(jax.random.key(0), 2)
      >>> u = hash_uniform((3, 4, 5), w[0], w[1])
      >>> u.shape, bool((u >= 0).all() & (u < 1).all())
      ((3, 4, 5), True)
    """
    u = hash_bits24(_grid(shape), k0, k1).astype(jnp.float32) * jnp.float32(2.0**-24)
    return u.reshape(shape).astype(dtype)


def bernoulli(shape: tuple[int, ...], p: Any, k0: jax.Array, k1: jax.Array,
              dtype=jnp.float32) -> jax.Array:
    """0/1 draws with P(1) = p, ``u < p`` for the uniforms of :func:`hash_uniform`.

    Example:
      >>> import jax
      >>> w = key_words(jax.random.key(0), 2)
      >>> bernoulli((2, 3), 1.0, w[0], w[1]).tolist()
      [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    u = hash_uniform(shape, k0, k1, dtype)
    return (u < jnp.asarray(p, dtype)).astype(dtype)


def random_signs(shape: tuple[int, ...], k0: jax.Array, k1: jax.Array,
                 dtype=jnp.float32) -> jax.Array:
    """Independent +-1 with probability 1/2 each: the top bit of ``hash32`` of the flat index
    (+1 where it is 0).

    Example:
      >>> import jax
      >>> w = key_words(jax.random.key(0), 2)
      >>> sorted(set(random_signs((50,), w[0], w[1]).tolist()))
      [-1.0, 1.0]
    """
    top = lax.shift_right_logical(hash_bits24(_grid(shape), k0, k1), jnp.int32(23))
    return (1 - 2 * top).reshape(shape).astype(dtype)


_PACKED_SORT_BITS = 14
"""Permutations of up to 2^14 elements are one single-operand sort (see :func:`permutation`)."""


def permutation(words: jax.Array, n: int) -> jax.Array:
    """A uniformly random permutation of ``range(n)`` (int32) from three uint32 key words.

    For n <= 2^14, one single-operand sort of packed words ``(hash(i) >> b << b) | tag(i)``:
    the b = ceil(log2 n) low bits hold a random affine bijection ``tag(i) = (a i + c) mod 2^b``
    (a odd), the high 32 - b >= 18 random bits order the elements, and the rare ties among them
    are broken by the random tags, not by the index; the sorted tags map back to indices with
    the inverse of a mod 2^b. XLA:CPU sorts one operand several times faster than the (key,
    index) pairs of an argsort. Larger n sort two 32-bit hash words with the index as payload
    (ties of the 64-bit keys have probability ~ n^2 / 2^65).

    Args:
      words: uint32 ``[3]`` (or longer; the first three are used), e.g. ``key_words(key, 3)``.
      n: the number of elements, a Python int >= 0.

    Returns:
      int32 ``[n]``, every index once.

    Example:
      >>> import jax
      >>> sorted(permutation(key_words(jax.random.key(0), 3), 6).tolist())
      [0, 1, 2, 3, 4, 5]
    """
    words = jnp.asarray(words, jnp.uint32)
    if n < 2:
        return jnp.zeros((n,), jnp.int32)
    i = jnp.arange(n, dtype=jnp.uint32)
    bits = max(1, (n - 1).bit_length())
    if bits > _PACKED_SORT_BITS:
        hi = hash32(i, words[0], words[1])
        lo = hash32(i, words[2], words[1])
        return lax.sort((hi, lo, i.astype(jnp.int32)), num_keys=2)[2]
    mask = jnp.uint32((1 << bits) - 1)
    a = mix32(words[1]) | jnp.uint32(1)
    c = mix32(words[2])
    high = mix32(mix32(i ^ words[0]) + words[2]) & ~mask
    packed = lax.sort(high | ((a * i + c) & mask))
    a_inv = a              # a a = 1 mod 8 for odd a; each Newton step doubles the correct bits
    for _ in range(5):
        a_inv = a_inv * (jnp.uint32(2) - a * a_inv)
    return (((packed & mask) - c) * a_inv & mask).astype(jnp.int32)


def key_words(key: jax.Array, n: int) -> jax.Array:
    """``n`` uint32 key words from a JAX key (one small threefry call)."""
    return jax.random.bits(key, (n,), jnp.uint32)


def hash_key_words(key: jax.Array, n: int) -> jax.Array:
    """``n`` uint32 words from a JAX key by hashing its key data: no threefry call, for keys
    drawn once per step of a hot loop.

    Word j is ``mix32(mix32(d_0 ^ j * golden) + d_last)`` for the key data d.

    Example:
      >>> import jax
      >>> hash_key_words(jax.random.key(0), 4).shape
      (4,)
    """
    data = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    data = data.astype(jnp.uint32).reshape(-1)
    lanes = jnp.arange(n, dtype=jnp.uint32) * jnp.uint32(_GOLDEN)
    return mix32(mix32(data[0] ^ lanes) + data[-1])


def fold_word(word: jax.Array, i: Any) -> jax.Array:
    """A new key word for step ``i`` (Python int or traced integer) from ``word``, decorrelated
    by the lowbias32 finaliser: ``mix32(word + (i + 1) * golden)``.

    Example:
      >>> import jax.numpy as jnp
      >>> bool(fold_word(jnp.uint32(7), 0) != fold_word(jnp.uint32(7), 1))
      True
    """
    step = (jnp.asarray(i).astype(jnp.uint32) + jnp.uint32(1)) * jnp.uint32(_GOLDEN)
    return mix32(jnp.asarray(word, jnp.uint32) + step)
