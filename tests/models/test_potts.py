"""models.potts: energy, sampling against 3^9-state enumeration, and the q = 2 Ising mapping."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import models


def numpy_energy(s):
    same = (s == np.roll(s, -1, -2)).astype(float) + (s == np.roll(s, -1, -1))
    return -np.sum(same, axis=(-2, -1))


def test_energy_matches_numpy_and_ising_mapping():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 4, size=(5, 6))
    assert float(models.potts.energy(s, 4)) == pytest.approx(numpy_energy(s))
    # q = 2: delta(s, s') = (1 + sigma sigma') / 2 with sigma = 2 s - 1
    s2 = rng.integers(0, 2, size=(4, 4))
    sigma = 2 * s2 - 1
    ising = float(models.ising.energy(sigma))
    assert float(models.potts.energy(s2, 2)) == pytest.approx((ising - 32) / 2)


def test_beta_c():
    assert models.potts.beta_c(2) == pytest.approx(2 * 0.44068679350977151)
    assert models.potts.beta_c(3) == pytest.approx(math.log(1 + math.sqrt(3)))


@pytest.mark.parametrize("seed, algorithm", list(enumerate(models.potts.ALGORITHMS)))
def test_samples_match_enumeration_q3_3x3(seed, algorithm):
    beta = 1.0
    states = np.array(list(itertools.product(range(3), repeat=9))).reshape(-1, 3, 3)
    e = numpy_energy(states)
    w = np.exp(-beta * (e - e.min()))
    exact = np.sum(w * e) / np.sum(w)
    s = models.potts.sample(jax.random.key(seed), 3, 3, beta, n_sweeps=60, n_chains=512,
                            algorithm=algorithm)
    assert s.shape == (512, 3, 3) and s.dtype == jnp.int8
    assert set(np.unique(np.asarray(s)).tolist()) <= {0, 1, 2}
    es = numpy_energy(np.asarray(s))
    z = (es.mean() - exact) / (es.std(ddof=1) / np.sqrt(len(es)))
    assert abs(z) < 4, f"{algorithm}: <E> = {es.mean():.4f} vs exact {exact:.4f} (z = {z:.2f})"


@pytest.mark.parametrize("algorithm", models.potts.ALGORITHMS)
def test_q2_samples_the_potts_temperature(algorithm):
    """q = 2 runs the Ising kernel, whose coupling is half the Potts one (delta(s, s') =
    (1 + s s') / 2): <E> of the Potts energy at beta matches enumeration of the Potts model."""
    beta = 0.6
    states = np.array(list(itertools.product(range(2), repeat=16))).reshape(-1, 4, 4)
    e = numpy_energy(states)
    w = np.exp(-beta * (e - e.min()))
    exact = np.sum(w * e) / np.sum(w)
    s = models.potts.sample(jax.random.key(7), 4, 2, beta, n_sweeps=60, n_chains=1024,
                            algorithm=algorithm)
    es = numpy_energy(np.asarray(s))
    z = (es.mean() - exact) / (es.std(ddof=1) / np.sqrt(len(es)))
    assert abs(z) < 4, f"{algorithm}: <E> = {es.mean():.4f} vs exact {exact:.4f} (z = {z:.2f})"


@pytest.mark.parametrize("call, exc, match", [
    (lambda: models.potts.energy(np.full((3, 3), 3), 3), ValueError, r"colours 0..2"),
    (lambda: models.potts.energy(np.zeros(9), 3), ValueError, r"2-D array"),
    (lambda: models.potts.sample(jax.random.key(0), 4, 1, 0.5, n_sweeps=5), ValueError,
     r"q must be >= 2"),
    (lambda: models.potts.sample(jax.random.key(0), 4, 3, 0.5, n_sweeps=5, algorithm="hb"),
     ValueError, r"algorithm must be one of"),
    (lambda: models.potts.sample(jax.random.key(0), 4, 3, 0.5, n_sweeps=5, J=-1.0),
     ValueError, r"J must be >= 0"),
    (lambda: models.potts.sample(jax.random.key(0), 4, 3, 0.5, n_sweeps=5, n_chains=0),
     ValueError, r"n_chains must be >= 1"),
    (lambda: models.potts.beta_c(3, J=0.0), ValueError, r"J must be a finite number > 0"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
