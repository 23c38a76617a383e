"""Monte Carlo RG: couplings recovered where the answer is known, bookkeeping, loud errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech import rg

K_TRUE = 0.35
NAMES = ("nn", "nnn", "plaquette")


@pytest.fixture(scope="module")
def samples():
    """8 Swendsen-Wang chains of the 16 x 16 nearest-neighbour model at K = 0.35, 100
    samples each, blocked twice; level 0 and 1 configurations kept."""
    return rg.mcrg_sample(jax.random.key(0), jnp.ones((8, 16, 16), jnp.int8), 100,
                          beta=K_TRUE, levels=2, burn=20, keep_levels=(0, 1))


def test_correlation_matching_recovers_the_sampled_couplings(samples):
    """Level 0 is the nearest-neighbour model itself: Swendsen's equations (pseudo-likelihood)
    are consistent, so K = (0.35, 0, 0). Measured on seeds 0-4 with these 800 samples: jackknife
    errors over chains 0.002-0.006 and deviations up to 0.009 (1.9 sigma); the tolerance 0.02
    is over 3 of the largest errors."""
    blocks = np.asarray(samples.blocks[0])
    K = np.asarray(rg.renormalized_couplings(blocks.reshape(-1, 16, 16), NAMES))
    assert np.all(np.abs(K - np.array([K_TRUE, 0.0, 0.0])) < 0.02), K


def test_blocked_couplings_are_weaker_above_the_critical_temperature(samples):
    """K = 0.35 < K_c: the flow runs to the disordered fixed point, K'_nn < K."""
    level1 = np.asarray(samples.blocks[1]).reshape(-1, 8, 8)
    K1 = np.asarray(rg.renormalized_couplings(level1, NAMES))
    assert 0.05 < K1[0] < 0.3, K1


def test_recorded_sums_are_the_operators_of_the_kept_levels(samples):
    sums = np.asarray(samples.sums)
    assert sums.shape == (8, 100, 3, len(rg.EVEN_COUPLINGS))
    for level in (0, 1):
        kept = samples.blocks[level]
        again = jax.vmap(jax.vmap(rg.coupling_sums))(kept)
        np.testing.assert_array_equal(np.asarray(again), sums[:, :, level])
    np.testing.assert_array_equal(np.asarray(samples.blocks[0][:, -1]),
                                  np.asarray(samples.spins))


def test_same_key_same_samples():
    a = rg.mcrg_sample(jax.random.key(3), jnp.ones((2, 8, 8), jnp.int8), 4, beta=0.4, levels=2)
    b = rg.mcrg_sample(jax.random.key(3), jnp.ones((2, 8, 8), jnp.int8), 4, beta=0.4, levels=2)
    np.testing.assert_array_equal(np.asarray(a.sums), np.asarray(b.sums))
    assert a.blocks == ()


def test_linearized_rg_of_a_known_linear_map():
    """S' = M S + noise independent of S gives T = (Cov S')^-1 Cov(S', S) exactly computed;
    for S' = 2 S (noise-free) T = I / 2 and the eigenvalues are sorted."""
    x = np.random.default_rng(0).normal(size=(500, 3))
    np.testing.assert_allclose(rg.linearized_rg(x, 2 * x), 0.5 * np.eye(3), atol=1e-12)
    assert rg.rg_eigenvalues(np.diag([0.5, 3.0, 1.0])).tolist() == [3.0, 1.0, 0.5]


@pytest.mark.parametrize("call,match", [
    (lambda: rg.mcrg_sample(jax.random.key(0), jnp.ones((2, 12, 12)), 4, beta=0.4, levels=3),
     "divisible by b\\*\\*levels"),
    (lambda: rg.mcrg_sample(jax.random.key(0), jnp.ones((2, 8, 4)), 4, beta=0.4, levels=1),
     "square"),
    (lambda: rg.mcrg_sample(jax.random.key(0), jnp.ones((2, 8, 8)), 4, beta=-0.4, levels=1),
     "beta must be >= 0"),
    (lambda: rg.mcrg_sample(jax.random.key(0), jnp.ones((2, 8, 8)), 4, beta=0.4, levels=1,
                            keep_levels=(2,)), "keep_levels must be <= 1"),
    (lambda: rg.mcrg_sample(jax.random.key(0), jnp.ones((2, 8, 8)), 4, beta=0.4, levels=1,
                            couplings=("nn", "ring")), "couplings must be distinct names"),
    (lambda: rg.renormalized_couplings(jnp.zeros((3, 4, 4))), "only -1 and \\+1"),
    (lambda: rg.renormalized_couplings(jnp.ones((4, 4))), "samples \\[n, L, M\\]"),
    (lambda: rg.linearized_rg(np.ones((5, 2)), np.ones((4, 2))), "same samples"),
    (lambda: rg.rg_eigenvalues(np.ones((2, 3))), "square matrix"),
])
def test_bad_input_is_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
