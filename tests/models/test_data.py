"""models.data: digits, bars-and-stripes and Ising samples."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models.data import bars_and_stripes, digits, ising_samples, spins_to_units
from statmech.exact import log_z_enumerate


def test_digits_binarized_fixed_split():
    train, test = digits()
    assert train.shape == (1437, 64) and test.shape == (360, 64)
    assert set(np.unique(train)) == {0.0, 1.0} and train.dtype == np.float32
    train2, test2 = digits()
    np.testing.assert_array_equal(train, train2)
    np.testing.assert_array_equal(test, test2)
    from sklearn.datasets import load_digits
    raw = load_digits().data
    assert sorted(map(tuple, np.vstack([train, test]))) == sorted(map(tuple,
                                                                        (raw / 16 > 0.5) * 1.0))
    grey, _ = digits(binarize=False)
    assert grey.max() == 1.0 and len(np.unique(grey)) == 17
    with pytest.raises(ValueError, match="threshold"):
        digits(threshold=1.5)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_bars_and_stripes(n):
    x = bars_and_stripes(n)
    assert x.shape == (2 ** (n + 1) - 2, n * n)
    assert len({row.tobytes() for row in x}) == len(x)
    for row in x.reshape(-1, n, n):
        rows_const = np.all(row == row[:, :1])
        cols_const = np.all(row == row[:1, :])
        assert rows_const or cols_const


def test_bars_and_stripes_bad_n():
    with pytest.raises(ValueError, match="n must be >= 2"):
        bars_and_stripes(1)
    with pytest.raises(TypeError, match="n must be a Python int"):
        bars_and_stripes(3.0)


def test_ising_samples_match_the_exact_energy():
    beta, L, n = 0.35, 4, 2000
    s = ising_samples(jax.random.key(0), L, beta, n, n_sweeps=30)
    assert s.shape == (n, L, L) and s.dtype == jnp.int8
    assert set(np.unique(np.asarray(s))) == {-1, 1}

    def energy(_, x):
        x = x.reshape(L, L)
        return -jnp.sum(x * jnp.roll(x, 1, 0)) - jnp.sum(x * jnp.roll(x, 1, 1))

    u_exact = float(jax.grad(lambda b: -log_z_enumerate(energy, None, L * L, b))(beta))
    sf = np.asarray(s, np.float64)
    e = -np.sum(sf * np.roll(sf, 1, 1), axis=(1, 2)) - np.sum(sf * np.roll(sf, 1, 2), axis=(1, 2))
    assert abs(e.mean() - u_exact) < 4 * e.std() / np.sqrt(n)
    v = spins_to_units(s)
    assert v.shape == (n, L * L) and set(np.unique(np.asarray(v))) == {0.0, 1.0}
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        ising_samples(jax.random.key(0), L, beta, 0)
    with pytest.raises(ValueError, match="beta"):
        ising_samples(jax.random.key(0), L, -1.0, 3)
    with pytest.raises(ValueError, match="per_chain = 3 must divide n_samples = 10"):
        ising_samples(jax.random.key(0), L, beta, 10, per_chain=3)


def test_ising_samples_several_per_chain_match_the_exact_energy():
    """100 chains x 20 configurations 5 Swendsen-Wang sweeps apart: the mean energy within 4
    standard errors (the spread over chains, which counts any correlation within a chain)."""
    beta, L = 0.44, 4
    s = np.asarray(ising_samples(jax.random.key(1), L, beta, 2000, n_sweeps=30, per_chain=20),
                   np.float64)
    assert s.shape == (2000, L, L)
    assert not np.array_equal(s[0], s[1]) or not np.array_equal(s[1], s[2])

    def energy(_, x):
        x = x.reshape(L, L)
        return -jnp.sum(x * jnp.roll(x, 1, 0)) - jnp.sum(x * jnp.roll(x, 1, 1))

    u_exact = float(jax.grad(lambda b: -log_z_enumerate(energy, None, L * L, b))(beta))
    e = -np.sum(s * np.roll(s, 1, 1), axis=(1, 2)) - np.sum(s * np.roll(s, 1, 2), axis=(1, 2))
    per_chain = e.reshape(100, 20).mean(1)
    assert abs(per_chain.mean() - u_exact) < 4 * per_chain.std(ddof=1) / np.sqrt(100)
