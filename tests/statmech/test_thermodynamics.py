"""statmech.thermodynamics: U, C, F, S by autodiff, against enumeration moments."""

import jax.numpy as jnp
import numpy as np
import pytest

import statmech
from statmech.exact import enumerate_expectation, ising2d_log_z


def torus(J, x):
    s = x.reshape(4, 4)
    return -J * jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1)))


@pytest.mark.parametrize("beta", [0.1, 0.4, 1.0])
def test_matches_enumerated_energy_and_variance(x64, beta):
    t = statmech.thermodynamics(lambda b: ising2d_log_z(4, 4, b), beta)
    log_z, (e, e2) = enumerate_expectation(torus, 1.0, 16, beta, lambda x, en: (en, en**2))
    np.testing.assert_allclose(t.log_z, log_z, atol=1e-11)
    np.testing.assert_allclose(t.energy, e, atol=1e-10)
    np.testing.assert_allclose(t.heat_capacity, beta**2 * (e2 - e**2), atol=1e-9)
    np.testing.assert_allclose(t.free_energy, -log_z / beta, atol=1e-10)
    np.testing.assert_allclose(t.entropy, log_z + beta * e, atol=1e-10)


def test_reference_4x4(x64):
    t = statmech.thermodynamics(lambda b: ising2d_log_z(4, 4, b), 0.4)
    np.testing.assert_allclose(t.energy / 16, -1.37911648225935, atol=1e-12)
    np.testing.assert_allclose(t.heat_capacity / 16, 0.812515229440458, atol=1e-11)


def test_infinite_temperature_limits(x64):
    t = statmech.thermodynamics(lambda b: ising2d_log_z(4, 4, b), 0.0)
    np.testing.assert_allclose(t.entropy, 16 * np.log(2), atol=1e-12)
    assert t.free_energy == -np.inf
    assert np.isfinite(t.heat_capacity)


def test_bad_input():
    with pytest.raises(TypeError, match="log_z_fn must be callable"):
        statmech.thermodynamics(3.0, 0.4)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        statmech.thermodynamics(lambda b: b, -1.0)
    with pytest.raises(ValueError, match=r"beta must have shape \(\)"):
        statmech.thermodynamics(lambda b: b, jnp.ones(2))
