"""Every model's ``sampler()``: the engine's estimators and parallel tempering run on it.

AIS through :func:`statmech.log_z` reproduces each model's exact ln Z(beta), and parallel
tempering with the model's sampler reproduces the exact mean energy <E>_beta = -d ln Z / d beta
at every rung of the ladder (independent ladders give the error bars; fixed keys).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import statmech
from models import boltzmann, grbm, hopfield, rbm
from statmech.estimators import linear
from statmech.mcmc import parallel_tempering, sample

RBM = rbm.init_params(jax.random.key(0), 8, 4, scale=0.8)
BM = boltzmann.init_params(jax.random.key(1), 8, scale=0.7)
HOPFIELD = hopfield.hebbian(jnp.array([[1, -1, 1, -1, 1, 1, -1, -1], [1, 1, 1, 1, -1, -1, 1, 1]]))
GRBM = grbm.GaussianRBMParams(0.5 * jax.random.normal(jax.random.key(2), (3, 2)),
                              jnp.array([0.2, -0.1, 0.4]), jnp.array([0.3, -0.2]),
                              jnp.array([-0.2, 0.1, 0.0]))

CASES = {  # model, energy, params, shape, spins
    "rbm": (rbm, rbm.joint_energy, RBM, (12,), (0, 1)),
    "boltzmann": (boltzmann, boltzmann.energy, BM, (8,), (0, 1)),
    "hopfield": (hopfield, lambda W, s: hopfield.energy(W, s), HOPFIELD, (8,), (-1, 1)),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("beta", [0.5, 1.0])
def test_ais_on_the_model_sampler_matches_exact_log_z(name, beta):
    model, energy, params, shape, spins = CASES[name]
    est = statmech.log_z(energy, params, beta, method="ais", key=jax.random.key(3),
                         algo=model.sampler(), shape=shape, spins=spins, n_chains=256,
                         schedule=linear(200))
    exact = float(model.log_z_exact(params, beta))
    assert abs(float(est.log_z) - exact) < 4 * float(est.stderr) + 0.01, (
        name, beta, float(est.log_z), float(est.stderr), exact)


def _tempering_energies(algo, energy, params, start, betas, n_ladders=64, n_steps=600):
    """Per-rung mean energy of each independent ladder after a burn-in of n_steps / 3."""
    pt = parallel_tempering(algo, energy)
    betas = jnp.asarray(betas)
    observe = lambda st, p, b: jax.vmap(energy, in_axes=(None, 0))(     # noqa: E731
        p, st.states.spins.astype(jnp.float32) if hasattr(st.states, "spins") else st.states)

    @jax.jit
    def ladder(key):
        k_burn, k_run = jax.random.split(key)
        state = pt.init(jnp.broadcast_to(start, (len(betas),) + start.shape), betas)
        state = sample(pt, k_burn, state, n_steps // 3, params=params, beta=betas).state
        res = sample(pt, k_run, state, n_steps, params=params, beta=betas, observe=observe,
                     keep_trace=False)
        return res.moments.mean, res.info.swap_accepted
    means, swaps = jax.vmap(ladder)(jax.random.split(jax.random.key(4), n_ladders))
    return np.asarray(means), np.asarray(swaps)


@pytest.mark.parametrize("name", ["rbm", "boltzmann", "grbm"])
def test_parallel_tempering_on_the_model_sampler_gives_exact_energies(name):
    betas = [0.25, 0.5, 0.75, 1.0]
    if name == "grbm":
        model, energy, params = grbm, grbm.joint_energy, GRBM
        start = jnp.zeros(5)
        betas = [0.5, 0.8, 1.2, 2.0]              # beta > 0: the Gaussians are proper
    else:
        model, energy, params, shape, _ = CASES[name]
        start = jnp.zeros(shape, jnp.int8)
    means, swaps = _tempering_energies(model.sampler(), energy, params, start, betas)
    exact = [-float(jax.grad(model.log_z_exact, argnums=1)(params, b)) for b in betas]
    se = means.std(0, ddof=1) / np.sqrt(len(means))
    z = (means.mean(0) - np.asarray(exact)) / se
    assert np.all(np.abs(z) < 4.5), (name, means.mean(0), exact, z)
    assert 0.05 < swaps.mean() < 1.0                     # the rungs do exchange
