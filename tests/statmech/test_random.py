"""The counter-based uniforms of the lattice kernels: uniform, and independent across keys."""

import jax
import jax.numpy as jnp
import numpy as np
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
