"""Determinism (issue 6): the same key, inputs and device give bit-identical results; another
key gives others. Training is covered in tests/models/test_train.py and test_checkpoint.py."""

import jax
import jax.numpy as jnp
import numpy as np

import statmech
from models import ising, rbm
from statmech.estimators import SquareLattice
from statmech.mcmc import LatticeParams


def _twice(fn, key, other):
    a, b, c = fn(key), fn(key), fn(other)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    assert any(not np.array_equal(np.asarray(x), np.asarray(z))
               for x, z in zip(jax.tree.leaves(a), jax.tree.leaves(c), strict=True))


def test_samplers_are_deterministic_given_the_key():
    """A cluster sampler and the RBM Gibbs sampler (the local lattice kernels' same-key check
    is in tests/statmech/mcmc/test_local_kernels.py)."""
    _twice(lambda k: ising.sample(k, 8, 0.44, n_sweeps=3, n_chains=2,
                                  algorithm="swendsen_wang"),
           jax.random.key(0), jax.random.key(1))
    p = rbm.init_params(jax.random.key(2), 6, 4, scale=1.0)
    _twice(lambda k: rbm.sample(k, p, 5, n_sweeps=3), jax.random.key(0), jax.random.key(1))


def test_monte_carlo_estimates_are_deterministic_given_the_key():
    params = LatticeParams(jnp.float32(1.0), jnp.float32(1.0), jnp.float32(0.0))
    _twice(lambda k: statmech.log_z(SquareLattice(4), params, 0.44, method="ais", key=k,
                                    n_chains=16),
           jax.random.key(0), jax.random.key(1))
