"""Bad input across the public API: every case raises ValueError or TypeError naming the argument.

Issue 6 asks for at least 40 distinct bad inputs. Each row below is one: the call, the error
type, and a pattern the message must contain (the argument's name, and where it helps what was
expected). A case that returned a value instead (a NaN, an inf, a truncated result) fails
``pytest.raises``; a case that hung would time out the suite. The calls are built lazily, so a
broken call in one row cannot break the collection of the others.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import statmech
from models import boltzmann, data, grbm, hopfield, ising, neural, potts, rbm
from models.train import train
from statmech import estimators, exact, lattice, mcmc, observables

KEY = jax.random.key(0)


def _energy(params, x):
    return -jnp.sum(params * x)


def _rbm(nv=4, nh=3):
    return rbm.init_params(KEY, nv, nh)


def _grad_fn(key, p, chains, batch):
    return p - jnp.mean(batch), chains, {}


CASES = [
    # statmech.lattice
    ("square L=0", lambda: lattice.square(0), ValueError, "L must be"),
    ("square L float", lambda: lattice.square(4.5), TypeError, "L must be"),
    ("cubic negative", lambda: lattice.cubic(-2), ValueError, "L must be"),
    ("from_edges node out of range",
     lambda: lattice.from_edges(3, [[0, 1], [1, 5]]), ValueError, "edges"),
    ("from_edges wrong shape", lambda: lattice.from_edges(3, [[0, 1, 2]]), ValueError, "edges"),
    ("bipartite empty side", lambda: lattice.bipartite(0, 3), ValueError, "n_left"),
    # statmech.exact
    ("enumerate n=0", lambda: exact.log_z_enumerate(_energy, jnp.ones(3), 0), ValueError, "n "),
    ("enumerate n too large",
     lambda: exact.log_z_enumerate(_energy, jnp.ones(40), 40), ValueError, "n must be <="),
    ("enumerate beta < 0",
     lambda: exact.log_z_enumerate(_energy, jnp.ones(3), 3, -1.0), ValueError, "beta"),
    ("enumerate beta NaN",
     lambda: exact.log_z_enumerate(_energy, jnp.ones(3), 3, jnp.nan), ValueError, "beta"),
    ("enumerate spins equal",
     lambda: exact.log_z_enumerate(_energy, jnp.ones(3), 3, spins=(1, 1)), ValueError, "spins"),
    ("enumerate energy_fn not callable",
     lambda: exact.log_z_enumerate(3.0, jnp.ones(3), 3), TypeError, "energy_fn"),
    ("kaufman L=0", lambda: exact.ising2d_log_z(0, 4, 0.4), ValueError, "L must be"),
    ("kaufman beta inf", lambda: exact.ising2d_log_z(4, 4, jnp.inf), ValueError, "beta"),
    ("kaufman J NaN", lambda: exact.ising2d_log_z(4, 4, 0.4, J=jnp.nan), ValueError, "J"),
    ("onsager beta < 0", lambda: exact.onsager_log_z_per_site(-0.1), ValueError, "beta"),
    ("yang beta a string", lambda: exact.yang_magnetization("hot"), TypeError, "beta"),
    ("transfer matrix shape mismatch",
     lambda: exact.transfer_matrix_log_z(jnp.ones((3, 3)), jnp.ones((3, 4)), jnp.zeros((3, 3)),
                                         0.4), ValueError, "J_down"),
    ("transfer matrix NaN field",
     lambda: exact.transfer_matrix_log_z(jnp.ones((3, 3)), jnp.ones((3, 3)),
                                         jnp.full((3, 3), jnp.nan), 0.4), ValueError, "h"),
    ("transfer matrix too wide",
     lambda: exact.transfer_matrix_log_z(jnp.ones((30, 30)), jnp.ones((30, 30)),
                                         jnp.zeros((30, 30)), 0.4), ValueError, "width"),
    ("dense W not square",
     lambda: exact.log_z_dense(jnp.ones((3, 4)), jnp.zeros(3)), ValueError, "W"),
    # statmech.thermodynamics, statmech.log_z
    ("thermodynamics not callable", lambda: statmech.thermodynamics(1.0, 0.4), TypeError,
     "log_z_fn"),
    ("thermodynamics beta < 0",
     lambda: statmech.thermodynamics(lambda b: b, -1.0), ValueError, "beta"),
    ("log_z unknown method",
     lambda: statmech.log_z(estimators.SquareLattice(4), {"J": 1.0}, 0.4, method="magic"),
     ValueError, "method"),
    # statmech.mcmc
    ("heat_bath unknown structure", lambda: mcmc.heat_bath("hexagonal"), ValueError,
     "structure"),
    ("metropolis unknown scan", lambda: mcmc.metropolis(scan="diagonal"), ValueError, "scan"),
    ("swendsen_wang q=1", lambda: mcmc.swendsen_wang(q=1), ValueError, "q must be"),
    ("wolff n_clusters=0", lambda: mcmc.wolff(n_clusters=0), ValueError, "n_clusters"),
    ("sample n_steps=0",
     lambda: mcmc.sample(mcmc.heat_bath(), KEY, jnp.ones((4, 4), jnp.int8), 0,
                         params=mcmc.LatticeParams(1.0, 0.0), beta=0.4), ValueError, "n_steps"),
    # statmech.estimators
    ("schedule not starting at 0",
     lambda: estimators.check_schedule(np.array([0.2, 0.5, 1.0])), ValueError, "schedule"),
    ("schedule decreasing",
     lambda: estimators.check_schedule(np.array([0.0, 0.7, 0.5, 1.0])), ValueError, "schedule"),
    ("linear schedule n=0", lambda: estimators.linear(0), ValueError, "n must be"),
    ("geometric schedule t_min=0", lambda: estimators.geometric(10, 0.0), ValueError, "t_min"),
    # statmech.observables
    ("split_rhat one chain", lambda: observables.split_rhat(jnp.ones((1, 100))), ValueError, "x"),
    ("tau_int too short", lambda: observables.integrated_autocorr_time(jnp.ones(1)), ValueError,
     "x"),
    ("binder NaN", lambda: observables.binder_cumulant(jnp.array([0.1, jnp.nan])), ValueError,
     "m_samples"),
    ("susceptibility n_sites=0",
     lambda: observables.susceptibility(jnp.ones(10), 0.4, 0), ValueError, "n_sites"),
    ("jackknife n_blocks=1",
     lambda: observables.jackknife(jnp.mean, jnp.ones(100), n_blocks=1), ValueError, "n_blocks"),
    # models.ising, models.potts
    ("ising energy spin 0",
     lambda: ising.energy(jnp.zeros((4, 4))), ValueError, "spins"),
    ("ising sample unknown algorithm",
     lambda: ising.sample(KEY, 8, 0.4, n_sweeps=1, algorithm="glauber"), ValueError,
     "algorithm"),
    ("ising sample beta < 0",
     lambda: ising.sample(KEY, 8, -0.4, n_sweeps=1), ValueError, "beta"),
    ("ising sample n_chains=0",
     lambda: ising.sample(KEY, 8, 0.4, n_sweeps=1, n_chains=0), ValueError, "n_chains"),
    ("potts q=1", lambda: potts.beta_c(1), ValueError, "q"),
    ("potts energy value >= q",
     lambda: potts.energy(jnp.full((4, 4), 3), q=3), ValueError, "spins"),
    # models.boltzmann
    ("boltzmann too many units for exact",
     lambda: boltzmann.log_z_exact(boltzmann.init_params(KEY, 40)), ValueError, "n"),
    ("boltzmann fit data outside {0,1}",
     lambda: boltzmann.fit(KEY, jnp.full((10, 4), 0.5), epochs=1, batch_size=5,
                           learning_rate=0.1), ValueError, "data"),
    # models.rbm
    ("rbm free energy v outside {0,1}",
     lambda: rbm.free_energy(_rbm(), jnp.full((2, 4), 2.0)), ValueError, "v"),
    ("rbm free energy wrong width",
     lambda: rbm.free_energy(_rbm(), jnp.ones((2, 5))), ValueError, "v"),
    ("rbm exact both layers too big",
     lambda: rbm.log_z_exact(rbm.init_params(KEY, 40, 40)), ValueError, "exact"),
    ("rbm ais n_chains=0",
     lambda: rbm.ais_log_z(KEY, _rbm(), n_chains=0, n_betas=10), ValueError, "n_chains"),
    ("rbm params mismatched bias",
     lambda: rbm.free_energy(rbm.RBMParams(jnp.ones((4, 3)), jnp.ones(5), jnp.ones(3)),
                             jnp.ones(4)), ValueError, "b"),
    ("rbm fit NaN data",
     lambda: rbm.fit(KEY, np.array([[0.0, np.nan], [1.0, 0.0]]), n_hidden=2, epochs=1,
                     batch_size=1, learning_rate=0.1, progress=False), ValueError, "data"),
    ("rbm fit n_hidden=0",
     lambda: rbm.fit(KEY, np.ones((4, 3)), n_hidden=0, epochs=1, batch_size=2,
                     learning_rate=0.1, progress=False), ValueError, "n_hidden"),
    ("rbm fit batch larger than data",
     lambda: rbm.fit(KEY, np.ones((4, 3)), n_hidden=2, epochs=1, batch_size=5,
                     learning_rate=0.1, progress=False), ValueError, "batch_size"),
    # models.grbm
    ("grbm infinite log_sigma",
     lambda: grbm.free_energy(grbm.GaussianRBMParams(jnp.ones((3, 2)), jnp.zeros(3), jnp.zeros(2),
                                                     jnp.full(3, -jnp.inf)), jnp.ones(3)),
     ValueError, "log_sigma"),
    ("grbm NaN data", lambda: grbm.free_energy(grbm.init_params(KEY, 3, 2),
                                               jnp.array([1.0, jnp.nan, 0.0])), ValueError, "v"),
    # models.hopfield
    ("hebbian pattern entry 0", lambda: hopfield.hebbian(jnp.zeros((2, 8))), ValueError,
     "patterns"),
    ("recall state length mismatch",
     lambda: hopfield.recall_async(KEY, jnp.zeros((8, 8)), jnp.ones(7), 5), ValueError, "s"),
    ("capacity alphas not increasing",
     lambda: hopfield.capacity(KEY, 50, [0.2, 0.1]), ValueError, "alphas"),
    ("modern update negative beta",
     lambda: hopfield.modern_update(jnp.ones((4, 3)), jnp.ones(4), -1.0), ValueError, "beta"),
    # statmech.rg
    ("block_spin size not divisible",
     lambda: statmech.rg.block_spin(jnp.ones((6, 6)), 4, key=KEY), ValueError, "divisible"),
    ("block_spin unknown rule",
     lambda: statmech.rg.block_spin(jnp.ones((6, 6)), 3, rule="mean"), ValueError, "rule"),
    ("block_spin spins 0/1",
     lambda: statmech.rg.block_spin(jnp.zeros((6, 6)), 3), ValueError, "spins"),
    ("block_spin b = 1", lambda: statmech.rg.block_spin(jnp.ones((6, 6)), 1), ValueError, "b "),
    ("decimation 1d n not a power of 2",
     lambda: statmech.rg.ising_1d_log_z_rg(6, 0.5), ValueError, "n must be a power of 2"),
    ("mcrg_sample beta per chain wrong length",
     lambda: statmech.rg.mcrg_sample(KEY, jnp.ones((2, 8, 8)), 4, beta=jnp.ones(3), levels=1),
     ValueError, "beta"),
    ("block_log_weights odd L", lambda: statmech.rg.block_log_weights(5, 0.4), ValueError,
     "L must be even"),
    # statmech.mcmc gradient samplers, models.neural
    ("dmala step_size 0",
     lambda: mcmc.dmala(lambda p, x: jnp.sum(x), 0.0), ValueError, "step_size"),
    ("gwg energy_fn not callable", lambda: mcmc.gibbs_with_gradients(1.0), TypeError,
     "energy_fn"),
    ("neural data not binary",
     lambda: neural.check_energy(neural.MLPEnergy(4, rngs=nnx.Rngs(0)), np.full((3, 4), 0.5)),
     ValueError, "binary"),
    ("neural data wrong width",
     lambda: neural.check_energy(neural.MLPEnergy(4, rngs=nnx.Rngs(0)), np.ones((3, 5))),
     ValueError, "shape"),
    ("train_gan data outside [0, 1]",
     lambda: neural.train_gan(KEY, "gan", np.full((4, 3), 2.0), seeds=1, steps=1), ValueError,
     "data"),
    ("train_gan learning rate 0",
     lambda: neural.train_gan(KEY, "ebgan", np.zeros((4, 3)), seeds=1, steps=1,
                              learning_rate=0.0), ValueError, "learning_rate"),
    # models.train, models.data
    ("train batch larger than data",
     lambda: train(KEY, _grad_fn, jnp.zeros(()), jnp.ones((4, 1)), batch_size=5, epochs=1,
                   optimizer=optax.sgd(0.1), progress=False), ValueError, "batch_size"),
    ("train optimizer not optax",
     lambda: train(KEY, _grad_fn, jnp.zeros(()), jnp.ones((4, 1)), batch_size=2, epochs=1,
                   optimizer="adam", progress=False), TypeError, "optimizer"),
    ("bars_and_stripes n=1", lambda: data.bars_and_stripes(1), ValueError, "n"),
    ("ising_samples beta < 0",
     lambda: data.ising_samples(KEY, 8, -0.1, 4), ValueError, "beta"),
    ("spins_to_units spin 0", lambda: data.spins_to_units(jnp.zeros((2, 4))), ValueError,
     "spins"),
    ("spins_to_units a scalar", lambda: data.spins_to_units(jnp.zeros(4)), ValueError, "spins"),
]


def test_at_least_40_distinct_cases():
    names = [c[0] for c in CASES]
    assert len(set(names)) == len(names) >= 40


@pytest.mark.parametrize("name, call, err, match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_named_error(name, call, err, match):
    with pytest.raises(err, match=match):
        out = call()
        jax.block_until_ready(out)       # reached only if nothing was raised
