"""statmech.random, the counter-based generator: uniforms (the lattice kernels' and of any
shape), Bernoulli draws, signs and permutations: uniform, and independent across keys."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from statmech.random import hash_uniform, key_words, mix32


def test_mix32_is_a_bijection_on_a_block_of_counters():
    x = np.asarray(mix32(jnp.arange(1 << 16, dtype=jnp.uint32)))
    assert len(np.unique(x)) == 1 << 16


def test_uniforms_in_unit_interval_and_chi_square_uniform():
    w = key_words(jax.random.key(0), 2)
    u32 = hash_uniform((512, 512), w[0], w[1])
    assert u32.dtype == jnp.float32
    u = np.asarray(u32, np.float64).ravel()
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.histogram(u, bins=256, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / u.size)


def test_neighbouring_sites_and_successive_keys_are_uncorrelated():
    """Pearson correlation of horizontal/vertical neighbours and of the same site under the
    next key: all within 4 / sqrt(n) of zero."""
    words = key_words(jax.random.key(1), 4)
    a = np.asarray(hash_uniform((512, 512), words[0], words[1]), np.float64)
    b = np.asarray(hash_uniform((512, 512), words[2], words[3]), np.float64)
    n = a.size
    for x, y, label in [(a[:, 1:], a[:, :-1], "right"), (a[1:], a[:-1], "down"), (a, b, "key")]:
        r = np.corrcoef(x.ravel(), y.ravel())[0, 1]
        assert abs(r) < 4 / np.sqrt(n), f"{label}: r = {r:.2e}"


def test_low_bits_of_adjacent_counters_are_balanced():
    """Each of the 24 bits used is set half the time, counters 0..2^18 with key words 0, 0."""
    u = np.asarray(hash_uniform((512, 512), jnp.uint32(0), jnp.uint32(0)), np.float64)
    bits = (u.ravel() * 2**24).astype(np.int64)
    frac = np.array([((bits >> k) & 1).mean() for k in range(24)])
    assert np.all(np.abs(frac - 0.5) < 4 * 0.5 / np.sqrt(bits.size)), frac


def test_row_offset_reproduces_a_block_of_the_full_grid():
    from statmech.random import hash_bits24

    full = np.asarray(hash_bits24((64, 48), jnp.uint32(5), jnp.uint32(9)))
    block = np.asarray(hash_bits24((16, 48), jnp.uint32(5), jnp.uint32(9), row0=32))
    np.testing.assert_array_equal(block, full[32:48])
    assert full.min() >= 0 and full.max() < 2**24


def test_uniforms_of_any_shape_are_the_flat_index_grid():
    """hash_uniform of any shape hashes the row-major flat index: reshaping the 2-D grid."""
    from statmech.random import hash32

    k0, k1 = jnp.uint32(3), jnp.uint32(11)
    grid = np.asarray(hash_uniform((6, 20), k0, k1))
    for shape in [(120,), (2, 3, 20), (6, 4, 5), (1, 120)]:
        np.testing.assert_array_equal(np.asarray(hash_uniform(shape, k0, k1)).ravel(),
                                      grid.ravel())
    top24 = np.asarray(hash32(jnp.arange(120, dtype=jnp.uint32), k0, k1)) >> 8
    np.testing.assert_array_equal(grid.ravel(), top24 * 2.0**-24)
    assert hash_uniform((3,), k0, k1, jnp.float16).dtype == jnp.float16


def test_bernoulli_and_signs_frequencies():
    from statmech.random import bernoulli, random_signs

    w = key_words(jax.random.key(2), 2)
    n = 1 << 18
    for p in (0.0, 0.1, 0.5, 0.93, 1.0):
        x = np.asarray(bernoulli((n,), p, w[0], w[1]), np.float64)
        assert set(np.unique(x)) <= {0.0, 1.0}
        assert abs(x.mean() - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12, (p, x.mean())
    s = np.asarray(random_signs((512, 512), w[0], w[1]), np.float64)
    assert set(np.unique(s)) == {-1.0, 1.0} and abs(s.mean()) < 4 / np.sqrt(s.size)
    # the sign is the top bit: -1 exactly where the uniform is >= 1/2
    u = np.asarray(hash_uniform((512, 512), w[0], w[1]))
    np.testing.assert_array_equal(s == -1.0, u >= 0.5)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1437, 1 << 14, (1 << 14) + 1, 40000])
def test_permutation_is_a_permutation(n):
    from statmech.random import permutation

    p = np.asarray(permutation(key_words(jax.random.key(n), 3), n))
    assert p.dtype == np.int32 and np.array_equal(np.sort(p), np.arange(n))


@pytest.mark.parametrize(("n", "n_keys"), [(5, 4000), ((1 << 14) + 1, 600)])
def test_permutation_positions_are_uniform(n, n_keys):
    """Where element 0 and element n - 1 land, over many keys: chi-square against uniform
    (both the packed single sort, n <= 2^14, and the two-key sort beyond)."""
    from statmech.random import permutation

    words = jax.random.bits(jax.random.key(7), (n_keys, 3), jnp.uint32)
    perms = np.asarray(jax.jit(jax.vmap(lambda w: permutation(w, n)))(words))
    bins = min(n, 10)
    for element in (0, n - 1):
        pos = np.argmax(perms == element, axis=1)
        counts = np.bincount(pos * bins // n, minlength=bins)
        assert stats.chisquare(counts).pvalue > 1e-4, (element, counts)


def test_hash_key_words_and_fold_word():
    from statmech.random import fold_word, hash_key_words

    a = np.asarray(hash_key_words(jax.random.key(0), 16))
    b = np.asarray(hash_key_words(jax.random.key(1), 16))
    assert a.dtype == np.uint32 and len(set(a.tolist())) == 16 and not np.array_equal(a, b)
    # a prefix of more words is the same words (lanes are independent of n)
    np.testing.assert_array_equal(np.asarray(hash_key_words(jax.random.key(0), 4)), a[:4])
    folded = np.asarray(jax.vmap(lambda i: fold_word(jnp.uint32(5), i))(jnp.arange(1000)))
    assert len(set(folded.tolist())) == 1000
    assert int(fold_word(jnp.uint32(5), 3)) == int(fold_word(jnp.uint32(5), jnp.int32(3)))
