"""models.ising.sample: every algorithm draws from the Boltzmann distribution (4x4 exact)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import models
from statmech.exact import enumerate_expectation


def _energy(params, x):
    s = x.reshape(4, 4)
    return -jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1)))


def _obs(x, e):
    return {"e": e, "m2": jnp.mean(x) ** 2}


@pytest.mark.parametrize("seed, algorithm", list(enumerate(models.ising.ALGORITHMS)))
def test_final_configurations_are_boltzmann_samples(seed, algorithm):
    beta = 0.35
    s = models.ising.sample(jax.random.key(seed), 4, beta, n_sweeps=100, n_chains=256,
                            algorithm=algorithm)
    assert s.shape == (256, 4, 4) and s.dtype == jnp.int8
    assert set(np.unique(np.asarray(s)).tolist()) <= {-1, 1}
    x = np.asarray(s, np.float64)
    e = -np.sum(x * (np.roll(x, -1, 1) + np.roll(x, -1, 2)), axis=(1, 2))
    m2 = x.mean(axis=(1, 2)) ** 2
    with jax.enable_x64(True):
        _, exact = enumerate_expectation(_energy, None, 16, beta, _obs)
    for name, values in (("e", e), ("m2", m2)):
        z = (values.mean() - float(exact[name])) / (values.std(ddof=1) / np.sqrt(len(values)))
        assert abs(z) < 4, f"{algorithm} {name}: z = {z:.2f}"


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_chains=0), ValueError, "n_chains must be >= 1"),
    (dict(n_sweeps=0), ValueError, "n_sweeps must be >= 1"),
    (dict(algorithm="glauber"), ValueError, "algorithm must be one of"),
    (dict(L=5), ValueError, "L must be even for the checkerboard heat_bath"),
    (dict(L=1), ValueError, "L must be >= 2"),
    (dict(beta=-1.0), ValueError, "beta must be >= 0"),
    (dict(algorithm="wolff", J=-1.0), ValueError, "J must be >= 0 for the cluster"),
    (dict(algorithm="swendsen_wang", h=0.5), ValueError, "h must be 0 for the cluster"),
    (dict(n_chains=2.5), TypeError, "n_chains must be a Python int"),
])
def test_bad_input(kwargs, exc, match):
    args = dict(L=4, beta=0.4, n_sweeps=5)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        models.ising.sample(jax.random.key(0), args.pop("L"), args.pop("beta"), **args)
