"""statmech.log_z: exact methods agree with each other, Monte Carlo methods with them, and the
Monte Carlo gradients with the exact ones."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import statmech
from statmech.estimators import SquareLattice, linear
from statmech.mcmc import LatticeParams, heat_bath, lattice_energy


def random_params(L, seed, scale=0.6):
    rng = np.random.default_rng(seed)
    return LatticeParams(*(jnp.asarray(rng.normal(size=(L, L)) * s, jnp.float32)
                           for s in (scale, scale, 0.3)))


def test_exact_methods_agree_values_and_gradients(x64):
    model, beta = SquareLattice(4), 0.37
    J = jnp.asarray(0.8)
    vals = {m: statmech.log_z(model, LatticeParams(J, J, 0.0), beta, method=m).log_z
            for m in ("kaufman", "transfer_matrix", "enumerate", "auto")}
    for m, v in vals.items():
        np.testing.assert_allclose(v, vals["kaufman"], rtol=1e-12, err_msg=m)
    grads = {m: jax.grad(lambda j, m=m: statmech.log_z(model, LatticeParams(j, j, 0.0), beta,
                                                       method=m).log_z)(J)
             for m in ("kaufman", "transfer_matrix", "enumerate")}
    for m, g in grads.items():
        np.testing.assert_allclose(g, grads["kaufman"], rtol=1e-10, err_msg=m)
    est = statmech.log_z(model, LatticeParams(J, J, 0.0), beta)
    assert float(est.stderr) == 0.0 and np.isinf(float(est.ess))


def test_monte_carlo_methods_match_enumeration_with_fields():
    model, beta = SquareLattice(4), 0.5
    params = random_params(4, 0)
    with jax.enable_x64(True):
        p64 = LatticeParams(*(a.astype(jnp.float64) for a in params))
        exact = float(statmech.log_z(model, p64, beta, method="transfer_matrix").log_z)
        # exact samples of the target by enumeration, for reverse AIS
        idx = np.arange(1 << 16)
        states = (1 - 2 * ((idx[:, None] >> np.arange(16)) & 1)).reshape(-1, 4, 4)
        logp = -beta * np.asarray(jax.vmap(lambda s: lattice_energy(p64, s))(
            jnp.asarray(states, jnp.float64)))
    p = np.exp(logp - logp.max())
    samples = states[np.random.default_rng(1).choice(len(p), 256, p=p / p.sum())]
    key = jax.random.key(7)
    ests = {
        "ais": statmech.log_z(model, params, beta, method="ais", key=key, schedule=linear(300)),
        "reverse_ais": statmech.log_z(model, params, beta, method="reverse_ais", key=key,
                                      samples=jnp.asarray(samples, jnp.int8),
                                      schedule=linear(300)),
        "ti": statmech.log_z(model, params, beta, method="ti", key=key, n_nodes=16,
                             n_steps=400),
    }
    for m, est in ests.items():
        z = (float(est.log_z) - exact) / float(est.stderr)
        assert abs(z) < 3.5, f"{m}: {float(est.log_z)} +- {float(est.stderr)} vs {exact}"


def test_ais_gradient_wrt_couplings_matches_exact_chi_square():
    """d ln Z / d(J_right, J_down, h) by AIS (score function, custom_vjp) vs the transfer
    matrix by autodiff: per-component z-scores over 8 independent runs, and chi-square."""
    model, beta = SquareLattice(4), 0.5
    params = random_params(4, 2)
    with jax.enable_x64(True):
        exact = jax.grad(lambda p: statmech.log_z(model, p, beta, method="transfer_matrix")
                         .log_z)(LatticeParams(*(a.astype(jnp.float64) for a in params)))
    grad = jax.jit(jax.vmap(lambda k: jax.grad(lambda p: statmech.log_z(
        model, p, beta, method="ais", key=k, n_chains=256, schedule=linear(200)).log_z)(params)))
    runs = grad(jax.random.split(jax.random.key(3), 8))
    z2 = []
    for name in ("J_right", "J_down", "h"):
        est, ex = np.asarray(getattr(runs, name), float), np.asarray(getattr(exact, name))
        se = est.std(0, ddof=1) / np.sqrt(est.shape[0])
        z = (est.mean(0) - ex) / se
        assert np.max(np.abs(z)) < 4.5, (name, z)
        z2.extend(z.ravel() ** 2)
    assert np.mean(z2) < 1.8, np.mean(z2)          # chi-square per degree of freedom (48 dof)


def test_energy_function_model_enumerate_and_ais():
    W = jnp.asarray(np.random.default_rng(4).normal(size=(10, 10)) * 0.3, jnp.float32)
    W = (W + W.T) / 2

    def energy(p, x):
        return -0.5 * x @ p @ x

    exact = statmech.log_z(energy, W, 1.0, method="enumerate", n=10)
    auto = statmech.log_z(energy, W, 1.0, n=10)
    np.testing.assert_allclose(auto.log_z, exact.log_z)
    dense = heat_bath("dense")
    from statmech.mcmc import DenseParams

    est = statmech.log_z(lambda p, x: energy(p.W, x), DenseParams(W, jnp.zeros(10)), 1.0,
                         method="ais", key=jax.random.key(0), algo=dense, shape=(10,),
                         schedule=linear(100))
    assert abs(float(est.log_z) - float(exact.log_z)) < 3.5 * float(est.stderr)


@pytest.mark.parametrize("call, err, match", [
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(), 0.3, method="magic"),
     ValueError, "method must be one of"),
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(1.0, 1.0, 0.5), 0.3,
                            method="kaufman"), ValueError, "Kaufman's solution has no field"),
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(1.0, 0.5, 0.0), 0.3,
                            method="kaufman"), ValueError, "J_down must equal J_right"),
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(jnp.ones((4, 4))), 0.3,
                            method="kaufman"), ValueError, "must be scalars"),
    (lambda: statmech.log_z(lambda p, x: 0.0, None, 0.3, method="kaufman"),
     ValueError, "needs a statmech.estimators.SquareLattice"),
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(), 0.3, method="ais"),
     ValueError, "pass key="),
    (lambda: statmech.log_z(lambda p, x: 0.0, None, 0.3, method="enumerate"),
     ValueError, "needs n="),
    (lambda: statmech.log_z(lambda p, x: 0.0, None, 0.3, method="ais",
                            key=jax.random.key(0)), ValueError, "needs algo="),
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(), 0.3, method="reverse_ais",
                            key=jax.random.key(0)), ValueError, "needs samples="),
    (lambda: statmech.log_z(SquareLattice(8), LatticeParams(), 0.3, method="enumerate"),
     ValueError, "L\\*M <= 32"),
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(), -0.3), ValueError, "beta"),
    (lambda: statmech.log_z(SquareLattice(4), (1.0, 1.0, 0.0), 0.3), TypeError, "LatticeParams"),
    (lambda: statmech.log_z("ising", None, 0.3), TypeError, "model must be"),
    (lambda: statmech.log_z(SquareLattice(4), LatticeParams(), 0.3, method="ais",
                            key=jax.random.key(0), n_chains=1), ValueError, "n_chains must be"),
])
def test_log_z_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
