"""float32 from the hot limit to the ground state (issue 6).

beta in {1e-3, 0.1, beta_c, 1, 5, 20} with couplings and fields up to 10 in magnitude:

* every exact ln Z in float32 is within 1e-4 relative of the same computation in float64, and
  d ln Z / d beta = -<E> is within 1e-4 of it on the scale of the energy (|d| <= 1e-4 *
  max(|x64|, E_max), E_max the largest |E| of the model: near beta = 0 <E> is a small
  difference of O(E_max) terms);
* gradients with respect to every coupling and field are finite;
* the Monte Carlo paths (the cluster samplers here, the local kernels in
  tests/statmech/mcmc/test_local_kernels.py, AIS) return finite values, samples in the declared
  domain, and AIS estimates within 5 of their own standard errors of the exact value.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import statmech
from models import boltzmann, hopfield, ising, rbm
from statmech import exact
from statmech.estimators import SquareLattice
from statmech.mcmc import LatticeParams

BETAS = [1e-3, 0.1, float(exact.BETA_C), 1.0, 5.0, 20.0]

_rng = np.random.RandomState(0)
J_RIGHT, J_DOWN, H = (_rng.uniform(-10, 10, (4, 4)) for _ in range(3))
W12 = np.triu(_rng.uniform(-10, 10, (12, 12)), 1)
W12 = W12 + W12.T
B12 = _rng.uniform(-10, 10, 12)
W_RBM, B_RBM, C_RBM = (_rng.uniform(-10, 10, s) for s in ((10, 6), (10,), (6,)))


def _quadratic(p, x):
    return -0.5 * x @ p[0] @ x - p[1] @ x


# name: (ln Z as a function of (beta, params), params as float64 numpy, E_max)
MODELS = {
    "kaufman J=1": (lambda b, p: exact.ising2d_log_z(8, 8, b, p), 1.0, 128.0),
    "kaufman J=10": (lambda b, p: exact.ising2d_log_z(8, 8, b, p), 10.0, 1280.0),
    "onsager J=10": (lambda b, p: exact.onsager_log_z_per_site(b, p), 10.0, 20.0),
    "transfer matrix": (lambda b, p: exact.transfer_matrix_log_z(*p, b), (J_RIGHT, J_DOWN, H),
                        float(np.abs(J_RIGHT).sum() + np.abs(J_DOWN).sum() + np.abs(H).sum())),
    "enumerate": (lambda b, p: exact.log_z_enumerate(_quadratic, p, 12, b), (W12, B12),
                  float(np.abs(W12).sum() / 2 + np.abs(B12).sum())),
    "dense": (lambda b, p: exact.log_z_dense(*p, b), (W12, B12),
              float(np.abs(W12).sum() / 2 + np.abs(B12).sum())),
    "rbm": (lambda b, p: rbm.log_z_exact(rbm.RBMParams(*p), b), (W_RBM, B_RBM, C_RBM),
            float(np.abs(W_RBM).sum() + np.abs(B_RBM).sum() + np.abs(C_RBM).sum())),
    "boltzmann": (lambda b, p: boltzmann.log_z_exact(boltzmann.BoltzmannParams(*p), b),
                  (W12 / 2, B12),
                  float(np.abs(W12).sum() + np.abs(B12).sum())),
    "hopfield": (lambda b, p: hopfield.log_z_exact(p, b), W12, float(np.abs(W12).sum() / 2)),
    "ising.log_z with field": (lambda b, p: ising.log_z(4, b, *p), (10.0, 3.0), 368.0),
}


def _cast(tree, dtype):
    return jax.tree.map(lambda x: jnp.asarray(x, dtype), tree)


def _value_and_grads(fn, params, dtype):
    p = _cast(params, dtype)
    f = jax.jit(jax.value_and_grad(fn, argnums=(0, 1)))
    out = [f(jnp.asarray(b, dtype), p) for b in BETAS]
    return (np.array([float(v) for v, _ in out]), np.array([float(g[0]) for _, g in out]),
            [g[1] for _, g in out])


@pytest.mark.parametrize("name", list(MODELS))
def test_exact_float32_matches_float64(name):
    fn, params, e_max = MODELS[name]
    with jax.enable_x64(True):
        ref, dref, _ = _value_and_grads(fn, params, jnp.float64)
    val, dval, dparams = _value_and_grads(fn, params, jnp.float32)
    assert np.all(np.isfinite(val)) and np.all(np.isfinite(dval))
    for g in dparams:
        assert all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree.leaves(g))
    np.testing.assert_array_less(np.abs(val - ref), 1e-4 * np.abs(ref))
    np.testing.assert_array_less(np.abs(dval - dref), 1e-4 * np.maximum(np.abs(dref), e_max))


@pytest.mark.parametrize("algorithm", ["wolff", "swendsen_wang"])
def test_samplers_stay_in_the_domain_at_every_beta(algorithm):
    """The cluster samplers (the local kernels' float32 check at beta = 1e-3 and 20 with
    J = 10 is tests/statmech/mcmc/test_local_kernels.py::test_float32_low_and_high_temperature)."""
    def draw(i, beta, J):                              # one compiled program: beta, J traced
        return ising.sample(jax.random.key(i), 8, beta, n_sweeps=10, n_chains=4,
                            algorithm=algorithm, J=J)

    for i, beta in enumerate(BETAS):
        s = draw(i, beta, 10.0)
        assert s.dtype == jnp.int8 and set(np.unique(np.asarray(s)).tolist()) <= {-1, 1}
    assert abs(float(jnp.mean(draw(9, 1e-3, 1.0)))) < 0.2          # disordered
    cold = draw(9, 20.0, 10.0)                          # clusters reach the ground state
    assert bool(jnp.all(jnp.abs(jnp.mean(cold, axis=(1, 2))) > 0.9))


@pytest.mark.parametrize("J", [1.0, 10.0])
def test_ais_is_finite_and_honest_at_every_beta(J):
    params = LatticeParams(jnp.float32(J), jnp.float32(J), jnp.float32(0.0))

    @jax.jit
    def estimate(beta):
        return statmech.log_z(SquareLattice(4), params, beta, method="ais",
                              key=jax.random.key(1), n_chains=64)

    for beta in BETAS:
        est = estimate(jnp.float32(beta))
        exact_value = float(exact.ising2d_log_z(4, 4, beta, J))
        assert np.isfinite(float(est.log_z)) and 0 < float(est.stderr) < np.inf
        assert abs(float(est.log_z) - exact_value) < 5 * float(est.stderr), (beta, est)
