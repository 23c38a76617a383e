"""Block spins: shapes, values, the majority rule against NumPy, unbiased ties, loud errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.rg import block_spin


def _random_spins(key, shape):
    return jnp.where(jax.random.bernoulli(key, 0.5, shape), 1, -1).astype(jnp.int8)


@pytest.mark.parametrize("shape,b", [((12, 18), 2), ((12, 18), 3), ((8, 4, 6), 2),
                                     ((9, 9, 9), 3)])
@pytest.mark.parametrize("rule", ["majority", "decimation"])
def test_shape_values_and_dtype(shape, b, rule):
    s = _random_spins(jax.random.key(0), shape)
    out = block_spin(s, b, rule=rule, key=jax.random.key(1))
    assert out.shape == tuple(n // b for n in shape)
    assert out.dtype == s.dtype
    assert set(np.unique(np.asarray(out)).tolist()) <= {-1, 1}


@pytest.mark.parametrize("shape,b", [((12, 18), 2), ((9, 6), 3), ((4, 6, 8), 2)])
def test_majority_is_the_sign_of_the_block_sum_and_decimation_the_first_spin(shape, b):
    s = np.asarray(_random_spins(jax.random.key(2), shape))
    out = np.asarray(block_spin(s, b, key=jax.random.key(3)))
    split = sum(([n // b, b] for n in shape), [])
    total = s.astype(int).reshape(split).sum(axis=tuple(range(1, 2 * len(shape), 2)))
    decided = total != 0
    np.testing.assert_array_equal(out[decided], np.sign(total[decided]))
    if b ** len(shape) % 2:
        assert decided.all()
    dec = np.asarray(block_spin(s, b, rule="decimation"))
    np.testing.assert_array_equal(dec, s[(slice(None, None, b),) * len(shape)])


def test_odd_blocks_need_no_key_and_flip_with_the_input():
    s = _random_spins(jax.random.key(4), (9, 12))
    out = block_spin(s, 3)
    np.testing.assert_array_equal(np.asarray(block_spin(-s, 3)), -np.asarray(out))


def test_ties_are_broken_by_a_fair_coin():
    """Every 2 x 2 block of a striped configuration is a tie: over 512 keys each of its 64 block
    spins must be +1 about half the time (4 sigma, sigma = 0.5 / sqrt(512)), the total over
    all 32768 draws within 4 sigma of 0 too, and different keys give different coins."""
    stripes = jnp.tile(jnp.array([[1], [-1]], jnp.int8), (8, 16))          # [16, 16]
    keys = jax.random.split(jax.random.key(5), 512)
    out = np.asarray(jax.vmap(lambda k: block_spin(stripes, 2, key=k))(keys), float)
    p_up = (out == 1).mean(0)
    assert np.all(np.abs(p_up - 0.5) < 4 * 0.5 / np.sqrt(512)), p_up
    assert abs(out.mean()) < 4 / np.sqrt(out.size)
    assert not np.array_equal(out[0], out[1])


def test_jit_and_vmap_over_a_batch():
    s = _random_spins(jax.random.key(6), (5, 8, 8))
    keys = jax.random.split(jax.random.key(7), 5)
    batched = jax.jit(jax.vmap(lambda x, k: block_spin(x, 2, key=k)))(s, keys)
    one = block_spin(s[3], 2, key=keys[3])
    np.testing.assert_array_equal(np.asarray(batched[3]), np.asarray(one))


@pytest.mark.parametrize("spins,b,kwargs,match", [
    (np.ones((6, 6)), 4, {"key": jax.random.key(0)}, "divisible by b = 4"),
    (np.ones((6, 6)), 3, {"rule": "median"}, "rule must be one of"),
    (np.full((6, 6), 0.5), 3, {}, "only -1 and \\+1"),
    (np.zeros((6, 6)), 3, {}, "only -1 and \\+1"),
    (np.ones((6, 6)), 1, {}, "b must be >= 2"),
    (np.ones((6, 6)), 2, {}, "pass key"),
    (np.ones(6), 2, {"key": jax.random.key(0)}, "configuration"),
    (np.ones((2, 2, 2, 2)), 2, {"key": jax.random.key(0)}, "configuration"),
])
def test_bad_input_is_a_clear_value_error(spins, b, kwargs, match):
    with pytest.raises(ValueError, match=match):
        block_spin(spins, b, **kwargs)


def test_non_integer_b_is_a_type_error():
    with pytest.raises(TypeError, match="b must be a Python int"):
        block_spin(np.ones((6, 6)), 2.0, key=jax.random.key(0))
