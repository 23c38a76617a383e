"""A deep EBM on 16-pixel digits (8x8 pooled to 4x4): maximum likelihood with persistent GWG
chains improves the exact test log-likelihood and beats the independent-pixel model; AIS with
GWG transitions agrees with exact enumeration."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import statmech
from models import rbm
from models.data import digits
from models.neural import MLPEnergy, energy_fn, fit
from statmech import mcmc
from statmech.exact import log_z_enumerate


def _pooled():
    train, test = digits()

    def pool(x):
        return (x.reshape(-1, 4, 2, 4, 2).mean((2, 4)) >= 0.5).astype(np.float32).reshape(-1, 16)

    return pool(train), pool(test)


def _exact_ll(module, x):
    fn, params = energy_fn(module)
    log_z = log_z_enumerate(fn, params, 16, 1.0, spins=(0, 1))
    return float(-jnp.mean(fn(params, jnp.asarray(x))) - log_z)


@pytest.fixture(scope="module")
def trained():
    train, test = _pooled()
    module = MLPEnergy(16, (64,), rngs=nnx.Rngs(0))
    before = _exact_ll(module, test)
    res = fit(jax.random.key(0), module, train, epochs=20, batch_size=50, learning_rate=3e-3,
              sampler="gwg", k=10)
    return train, test, before, res


def test_exact_test_log_likelihood_improves_and_beats_independent_pixels(trained):
    """Measured (2026-12-03), seeds 0 and 1: -10.73 and -11.18 at initialisation, -4.86 and
    -4.81 after these 20 epochs (30 epochs: -4.79 with GWG, -4.80 with DMALA), against -5.21
    for independent pixels fitted on the training set. AIS below: 10.138 +- 0.081 against
    10.127 exact (seed 0), 12.770 +- 0.078 against 12.805 (seed 1)."""
    train, test, before, res = trained
    after = _exact_ll(res.module, test)
    p = train.mean(0).clip(1e-3, 1 - 1e-3)
    independent = float(np.mean(test @ np.log(p) + (1 - test) @ np.log(1 - p)))
    assert after > before + 4.0, (before, after)
    assert after > independent + 0.2, (after, independent)


def test_beats_a_same_budget_rbm(trained):
    """An RBM with as many parameters (64 hidden units: 1104 against the MLP's 1169), trained
    with the same optimizer, epochs, batch and persistent chains (PCD-10): -5.05 measured
    (16 hidden units: -5.14), against -4.86 for the MLP energy."""
    train, test, _, res = trained
    params = rbm.fit(jax.random.key(0), train, n_hidden=64, epochs=20, batch_size=50,
                     learning_rate=3e-3, optimizer=optax.adam(3e-3), method="pcd", k=10,
                     init_scale=0.1)
    rbm_ll = float(jnp.mean(rbm.log_likelihood(params, test)))
    assert _exact_ll(res.module, test) > rbm_ll + 0.05, rbm_ll
    assert np.all(np.isfinite([h["energy_gap"] for h in res.history]))


def test_ais_with_gwg_transitions_matches_enumeration(trained):
    _, _, _, res = trained
    fn, params = energy_fn(res.module)
    exact = float(log_z_enumerate(fn, params, 16, 1.0, spins=(0, 1)))
    est = statmech.log_z(fn, params, 1.0, method="ais", key=jax.random.key(3),
                         algo=mcmc.gibbs_with_gradients(fn, spins=(0, 1)), shape=(16,),
                         spins=(0, 1), n_chains=64, schedule=jnp.linspace(0.0, 1.0, 301),
                         n_steps=2)
    assert abs(float(est.log_z) - exact) < 3 * float(est.stderr) + 1e-3, (est, exact)
    assert 0 < float(est.stderr) < 0.2
