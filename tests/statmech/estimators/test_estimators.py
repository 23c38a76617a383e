"""AIS, reverse AIS and thermodynamic integration against exact ln Z (Kaufman, enumeration)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.estimators import (
    adaptive,
    ais,
    geometric,
    linear,
    piecewise,
    reverse_ais,
    thermodynamic_integration,
)
from statmech.exact import BETA_C, enumerate_moments, ising2d_log_z, log_z_enumerate
from statmech.lattice import triangular
from statmech.mcmc import GraphParams, LatticeParams, heat_bath

BETAS = (0.3, BETA_C, 0.6)


def torus_energy(params, s):
    return -jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1)))


@functools.cache
def kaufman(L):
    with jax.enable_x64(True):
        return np.array([float(ising2d_log_z(L, L, b)) for b in BETAS])


def check(est, exact, label, rel=0.005, n_sigma=3.0):
    est_z, se = np.asarray(est.log_z, float), np.asarray(est.stderr, float)
    z = (est_z - exact) / se
    assert np.all(np.abs(z) < n_sigma), f"{label}: {est_z} +- {se} vs {exact} (z = {z})"
    assert np.all(np.abs(est_z - exact) < rel * np.abs(exact)), f"{label}: relative error"


@pytest.mark.parametrize("L, n_temps", [pytest.param(16, 4000, marks=pytest.mark.slow),
                                        pytest.param(32, 8000, marks=pytest.mark.slow)])
def test_ais_ising_matches_kaufman(L, n_temps):
    run = jax.jit(jax.vmap(lambda b: ais(jax.random.key(L), heat_bath("lattice"), torus_energy,
                                         LatticeParams(), b, shape=(L, L), n_chains=64,
                                         schedule=linear(n_temps))))
    est = run(jnp.asarray(BETAS))
    check(est, kaufman(L), f"AIS {L}x{L}")


@pytest.mark.parametrize("L", [16, pytest.param(32, marks=pytest.mark.slow)])
def test_thermodynamic_integration_ising_matches_kaufman(L):
    run = jax.jit(jax.vmap(lambda b: thermodynamic_integration(
        jax.random.key(L + 1), heat_bath("lattice"), torus_energy, LatticeParams(), b,
        shape=(L, L), n_chains=8, n_nodes=24, n_burn=150, n_steps=450)))
    est = run(jnp.asarray(BETAS))
    check(est, kaufman(L), f"TI {L}x{L}")


def test_reverse_ais_and_ais_bracket_a_frustrated_model():
    """Triangular antiferromagnet with random fields, 16 spins: reverse AIS from exact samples
    lies above ln Z on average and AIS below; each within its error bar of the truth."""
    g = triangular(4)
    rng = np.random.default_rng(0)
    J = jnp.asarray(-np.abs(rng.normal(size=len(g.edges))), jnp.float32)
    h = jnp.asarray(rng.normal(size=16) * 0.3, jnp.float32)
    edges = np.asarray(g.edges)

    def energy(p, x):
        return -jnp.sum(p.J * x[edges[:, 0]] * x[edges[:, 1]]) - p.h @ x

    params, beta = GraphParams(J, h), 1.0
    with jax.enable_x64(True):
        exact = float(log_z_enumerate(energy, GraphParams(J.astype(float), h.astype(float)), 16,
                                      beta))
        # exact samples: draw from the enumerated Boltzmann distribution
        states = np.array([[1 - 2 * ((i >> k) & 1) for k in range(16)] for i in range(1 << 16)])
        logp = -beta * np.asarray(jax.vmap(lambda x: energy(
            GraphParams(J.astype(float), h.astype(float)), x))(jnp.asarray(states, float)))
    p = np.exp(logp - logp.max())
    p /= p.sum()
    samples = states[rng.choice(len(p), size=256, p=p)].astype(np.int8)
    algo = heat_bath(g)
    sched = linear(200)
    fwd = ais(jax.random.key(1), algo, energy, params, beta, shape=(16,), n_chains=256,
              schedule=sched)
    rev = reverse_ais(jax.random.key(2), algo, energy, params, beta, samples, schedule=sched)
    for est in (fwd, rev):
        assert abs(float(est.log_z) - exact) < 3 * float(est.stderr) + 1e-3
    # The sandwich: E[ln Z_AIS] <= ln Z <= E[ln Z_RAIS] (Jensen). With few chains per
    # estimate and a short schedule the biases dominate: average 128 independent small runs.
    short, keys = linear(10), jax.random.split(jax.random.key(3), 128)
    idx = rng.choice(len(p), size=(128, 4), p=p)
    fwd = jax.vmap(lambda k: ais(k, algo, energy, params, beta, shape=(16,), n_chains=4,
                                 schedule=short).log_z)(keys)
    rev = jax.vmap(lambda k, x: reverse_ais(k, algo, energy, params, beta, x,
                                            schedule=short).log_z)(
        keys, jnp.asarray(states[idx], jnp.int8))
    fwd, rev = np.asarray(fwd, float), np.asarray(rev, float)
    se_f, se_r = fwd.std(ddof=1) / np.sqrt(128), rev.std(ddof=1) / np.sqrt(128)
    assert fwd.mean() + 3 * se_f < exact < rev.mean() - 3 * se_r, (fwd.mean(), se_f, exact,
                                                                   rev.mean(), se_r)


def test_ais_gradient_matches_exact_moments_chi_square():
    """d ln Z / dJ_e = beta <s_a s_b> and d/dh_i = beta <s_i> by the score-function custom_vjp,
    against enumeration; aggregate chi-square over 8 independent runs per component."""
    g = triangular(3)
    rng = np.random.default_rng(3)
    J = jnp.asarray(rng.normal(size=len(g.edges)) * 0.5, jnp.float32)
    h = jnp.asarray(rng.normal(size=9) * 0.3, jnp.float32)
    edges = np.asarray(g.edges)

    def energy(p, x):
        return -jnp.sum(p.J * x[edges[:, 0]] * x[edges[:, 1]]) - p.h @ x

    beta = 0.8
    grad = jax.jit(jax.vmap(lambda k: jax.grad(lambda p: ais(
        k, heat_bath(g), energy, p, beta, shape=(9,), n_chains=512,
        schedule=linear(100)).log_z)(GraphParams(J, h))))
    g_runs = grad(jax.random.split(jax.random.key(4), 8))
    with jax.enable_x64(True):
        mom = enumerate_moments(energy, GraphParams(J.astype(float), h.astype(float)), 9, beta)
        ss = np.asarray(mom.spin_spin)
    exact_J = beta * ss[edges[:, 0], edges[:, 1]]
    exact_h = beta * np.asarray(mom.spin)
    z2 = []
    for est, exact in ((np.asarray(g_runs.J), exact_J), (np.asarray(g_runs.h), exact_h)):
        se = est.std(0, ddof=1) / np.sqrt(est.shape[0])
        z = (est.mean(0) - exact) / se
        assert np.max(np.abs(z)) < 4.5, z
        z2.extend(z**2)
    assert np.mean(z2) < 2.0, np.mean(z2)        # chi-square / dof


def test_ais_beta_gradient_is_minus_energy():
    L = 8
    with jax.enable_x64(True):
        exact = float(jax.grad(lambda b: ising2d_log_z(L, L, b))(0.35))
    g = jax.jit(jax.vmap(lambda k: jax.grad(lambda b: ais(
        k, heat_bath("lattice"), torus_energy, LatticeParams(), b, shape=(L, L), n_chains=256,
        schedule=linear(200)).log_z)(0.35)))(jax.random.split(jax.random.key(5), 8))
    g = np.asarray(g)
    se = g.std(ddof=1) / np.sqrt(len(g))
    assert abs(g.mean() - exact) < 4 * se, (g.mean(), se, exact)


def test_schedules():
    assert linear(4).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    s = geometric(10, 1e-3)
    assert s[0] == 0 and s[-1] == 1 and np.all(np.diff(s) > 0)
    s = piecewise(1500)
    assert len(s) == 1501 and s[0] == 0 and s[-1] == 1 and np.all(np.diff(s) > 0)
    assert np.sum(s <= 0.5) == 101 and np.sum(s > 0.9) == 1000      # 1000 / 4000 / 10000


def test_adaptive_schedule_reaches_target_and_gives_accurate_ais():
    L, beta = 4, 0.4
    algo = heat_bath("lattice")
    step = jax.jit(jax.vmap(lambda k, s, b: algo.step(k, s, LatticeParams(), b)[0],
                            in_axes=(0, 0, None)))
    energy = jax.jit(jax.vmap(lambda s: torus_energy(None, s.spins.astype(jnp.float32))))
    n = 256
    from statmech.estimators import uniform_positions
    state = jax.vmap(algo.init)(uniform_positions(jax.random.key(0), (L, L), n))
    keys = iter(jax.random.split(jax.random.key(1), 10_000))

    def move(st, t):
        st = step(jax.random.split(next(keys), n), st, t * beta)
        return beta * energy(st), st

    sched = adaptive(move, state, 0.95)
    assert sched[0] == 0 and sched[-1] == 1 and np.all(np.diff(sched) > 0)
    assert 3 <= len(sched) < 200
    est = ais(jax.random.key(2), algo, torus_energy, LatticeParams(), beta, shape=(L, L),
              n_chains=512, schedule=sched)
    with jax.enable_x64(True):
        exact = float(ising2d_log_z(L, L, beta))
    assert abs(float(est.log_z) - exact) < 4 * float(est.stderr)


@pytest.mark.parametrize("kwargs, match", [
    ({"schedule": [0.1, 0.5, 1.0]}, "schedule must start at 0"),
    ({"schedule": [0.0, 0.5, 0.9]}, "schedule must end at 1"),
    ({"schedule": [0.0, 0.6, 0.5, 1.0]}, "strictly increasing"),
    ({"schedule": [1.0]}, "at least 2"),
    ({"n_chains": 1}, "n_chains must be >= 2"),
    ({"beta": -0.1}, "beta must be >= 0"),
    ({"params": LatticeParams(jnp.ones((3, 3)))}, "J_right must have shape"),
])
def test_ais_bad_input(kwargs, match):
    args = dict(shape=(4, 4), n_chains=8, schedule=linear(4), params=LatticeParams(), beta=0.3)
    args.update(kwargs)
    params, beta = args.pop("params"), args.pop("beta")
    with pytest.raises(ValueError, match=match):
        ais(jax.random.key(0), heat_bath("lattice"), torus_energy, params, beta, **args)


def test_bad_algo_energy_and_quadrature():
    with pytest.raises(TypeError, match="algo must be"):
        ais(jax.random.key(0), "heat_bath", torus_energy, LatticeParams(), 0.3, shape=(4, 4),
            n_chains=8, schedule=linear(4))
    with pytest.raises(TypeError, match="energy_fn must be callable"):
        ais(jax.random.key(0), heat_bath("lattice"), None, LatticeParams(), 0.3, shape=(4, 4),
            n_chains=8, schedule=linear(4))
    with pytest.raises(ValueError, match="quadrature must be"):
        thermodynamic_integration(jax.random.key(0), heat_bath("lattice"), torus_energy,
                                  LatticeParams(), 0.3, shape=(4, 4), n_chains=4,
                                  quadrature_rule="simpson")
    with pytest.raises(ValueError, match="samples must be"):
        reverse_ais(jax.random.key(0), heat_bath("lattice"), torus_energy, LatticeParams(), 0.3,
                    jnp.ones(16, jnp.int8), schedule=linear(4))


def test_ais_q3_potts_matches_enumeration():
    """q = 3 Potts on the 3x3 torus with Swendsen-Wang transitions: ln Z_0 = 9 ln 3, against
    the 3^9-state enumeration."""
    from statmech.mcmc import swendsen_wang

    def energy(p, s):
        return -jnp.sum((s == jnp.roll(s, -1, 0)).astype(s.dtype)
                        + (s == jnp.roll(s, -1, 1)).astype(s.dtype))

    beta = 0.9
    idx = np.arange(3**9)
    states = ((idx[:, None] // 3 ** np.arange(9)) % 3).reshape(-1, 3, 3).astype(np.float64)
    E = -(np.sum(states == np.roll(states, -1, 1), axis=(1, 2))
          + np.sum(states == np.roll(states, -1, 2), axis=(1, 2)))
    exact = float(np.log(np.sum(np.exp(-beta * (E - E.min())))) - beta * E.min())
    est = ais(jax.random.key(9), swendsen_wang(q=3), energy, LatticeParams(), beta,
              shape=(3, 3), n_chains=512, schedule=linear(50), spins=(0, 1, 2))
    assert abs(float(est.log_z) - exact) < 3.5 * float(est.stderr), (float(est.log_z), exact)
    with pytest.raises(ValueError, match="at least 2 distinct"):
        ais(jax.random.key(0), swendsen_wang(q=3), energy, LatticeParams(), beta,
            shape=(3, 3), n_chains=8, schedule=linear(4), spins=(1,))


def test_ti_without_annealing_vmaps_the_nodes():
    """anneal=False: every node runs fresh chains, vmapped over beta (fine above T_c)."""
    est = thermodynamic_integration(jax.random.key(3), heat_bath("lattice"), torus_energy,
                                    LatticeParams(), 0.3, shape=(8, 8), n_chains=8, n_nodes=12,
                                    n_burn=100, n_steps=400, anneal=False)
    with jax.enable_x64(True):
        exact = float(ising2d_log_z(8, 8, 0.3))
    assert abs(float(est.log_z) - exact) < 3.5 * float(est.stderr), (float(est.log_z), exact)
