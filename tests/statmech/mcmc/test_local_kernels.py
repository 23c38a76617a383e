"""Heat-bath and Metropolis kernels reproduce exact answers (enumeration, Kaufman)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import statmech
from statmech.exact import BETA_C, enumerate_expectation, enumerate_moments, ising2d_log_z
from statmech.lattice import square, triangular
from statmech.mcmc import (
    DenseParams,
    GraphParams,
    LatticeParams,
    SpinState,
    heat_bath,
    metropolis,
    sample,
)
from tests.compiles import compile_counter
from tests.statmech.mcmc.chains import assert_z, jackknife_over_chains, mean_and_stderr, run_chains


def torus_energy(s):
    return -jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1)))


def lattice_observe(state, params, beta):
    s = state.spins.astype(jnp.float32)
    s = s.reshape(int(np.sqrt(s.size)), -1)
    m = jnp.mean(s)
    return {"e": torus_energy(s) / s.size, "abs_m": jnp.abs(m), "m2": m * m}


def _obs_4x4(x, e):
    return {"e": e / 16, "abs_m": jnp.abs(jnp.mean(x)), "m2": jnp.mean(x) ** 2}


def _energy_4x4(params, x):
    return torus_energy(x.reshape(4, 4))


def exact_4x4(beta):
    """Exact 4x4 moments (module-level functions: one compilation for every beta)."""
    with jax.enable_x64(True):
        _, mean = enumerate_expectation(_energy_4x4, None, 16, beta, _obs_4x4)
    return {k: float(v) for k, v in mean.items()}


@functools.lru_cache(maxsize=1)
def kaufman_16x16():
    """U/N and C/N of the 16x16 torus at BETAS, from Kaufman by autodiff (x64, one compile)."""
    with jax.enable_x64(True):
        t = jax.vmap(lambda b: statmech.thermodynamics(lambda x: ising2d_log_z(16, 16, x), b))(
            jnp.asarray(BETAS))
        return np.asarray(t.energy) / 256, np.asarray(t.heat_capacity) / 256


KERNELS = {
    "heat_bath": lambda: (heat_bath("lattice"), LatticeParams(), (4, 4)),
    "metropolis": lambda: (metropolis("lattice"), LatticeParams(), (4, 4)),
    "heat_bath_graph": lambda: (heat_bath(square(4)), GraphParams(), (16,)),
    "metropolis_random_scan": lambda: (metropolis("lattice", scan="random", shape=(4, 4)),
                                       LatticeParams(), (4, 4)),
}


BETAS = (0.3, BETA_C, 0.6)


@pytest.mark.parametrize("seed, name", list(enumerate(sorted(KERNELS))))
def test_4x4_matches_enumeration_at_three_temperatures(seed, name):
    algo, params, shape = KERNELS[name]()
    trace, res = run_chains(algo, params, np.array(BETAS), shape, lattice_observe, n_chains=64,
                            n_steps=1000, seed=seed)
    for i, beta in enumerate(BETAS):
        exact = exact_4x4(beta)
        for key in ("e", "abs_m", "m2"):
            assert_z(*mean_and_stderr(trace[key][i]), exact[key], f"{name} beta={beta:.3f} {key}")
    rate = np.asarray(res.info.acceptance_rate).mean(axis=1)
    assert np.all((rate > 0) & (rate < 1)) and rate[0] > rate[2]    # fewer flips when colder


@pytest.mark.parametrize("name", [pytest.param("heat_bath", marks=pytest.mark.slow),
                                  pytest.param("metropolis", marks=pytest.mark.slow)])
def test_16x16_energy_and_heat_capacity_match_kaufman(name):
    algo = {"heat_bath": heat_bath, "metropolis": metropolis}[name]("lattice")
    observe = lambda st, p, b: {"e": torus_energy(st.spins.astype(jnp.float32))}
    traces, _ = run_chains(algo, LatticeParams(), np.array(BETAS), (16, 16), observe,
                           n_chains=32, n_burn=500, n_steps=2000, seed=7)
    n = 256
    u_exact, c_exact = kaufman_16x16()
    for i, (trace, beta) in enumerate(zip(traces["e"], BETAS, strict=True)):
        e_mean, e_err = mean_and_stderr(trace / n)
        assert_z(e_mean, e_err, u_exact[i], f"{name} U/N beta={beta:.3f}")
        c, c_err = jackknife_over_chains(lambda e, e2, b=beta: b**2 * (e2 - e**2) / n,
                                         trace, trace**2)
        assert_z(c, c_err, c_exact[i], f"{name} C/N beta={beta:.3f}")


@pytest.mark.parametrize("algo_fn", [heat_bath, metropolis])
def test_dense_boltzmann_machine_matches_enumeration(algo_fn):
    rng = np.random.default_rng(3)
    n = 8
    W = rng.normal(size=(n, n)) * 0.8
    W = (W + W.T) * (1 - np.eye(n))
    b = rng.normal(size=n) * 0.5
    params = DenseParams(jnp.asarray(W, jnp.float32), jnp.asarray(b, jnp.float32))
    observe = lambda st, p, beta: {"x": st.spins.astype(jnp.float32),
                                   "xx": jnp.outer(st.spins, st.spins).astype(jnp.float32)}
    trace, _ = run_chains(algo_fn("dense", spins=(0, 1)), params, 1.0, (n,), observe,
                          n_chains=32, n_steps=1500, seed=11, spins=(0, 1))
    with jax.enable_x64(True):
        mom = enumerate_moments(lambda p, x: -0.5 * x @ p[0] @ x - p[1] @ x,
                                (jnp.asarray(W), jnp.asarray(b)), n, 1.0, spins=(0, 1))
    per_chain_x = trace["x"].mean(axis=1)                # [chains, n]
    per_chain_xx = trace["xx"].mean(axis=1)              # [chains, n, n]
    for est, exact, label in [(per_chain_x, mom.spin, "<x>"),
                              (per_chain_xx[:, np.triu_indices(n, 1)[0], np.triu_indices(n, 1)[1]],
                               np.asarray(mom.spin_spin)[np.triu_indices(n, 1)], "<xx>")]:
        z = (est.mean(0) - np.asarray(exact)) / (est.std(0, ddof=1) / np.sqrt(len(est)))
        assert np.max(np.abs(z)) < 4.5, f"{label}: max |z| = {np.max(np.abs(z)):.2f}"
        # aggregate: chi-square of independent-ish components stays near its dof
        assert np.mean(z**2) < 2.5, f"{label}: mean z^2 = {np.mean(z**2):.2f}"


def test_graph_with_random_couplings_and_fields_matches_enumeration():
    g = triangular(3)                                     # frustrated for J < 0; 27 bonds
    rng = np.random.default_rng(5)
    J = jnp.asarray(rng.normal(size=len(g.edges)), jnp.float32)
    h = jnp.asarray(rng.normal(size=g.n_nodes) * 0.5, jnp.float32)
    edges = np.asarray(g.edges)

    def energy(p, x):
        return -jnp.sum(p[0] * x[edges[:, 0]] * x[edges[:, 1]]) - p[1] @ x

    observe = lambda st, p, beta: {"s": st.spins.astype(jnp.float32),
                                   "e": energy((p.J, p.h), st.spins.astype(jnp.float32))}
    for algo in (heat_bath(g), metropolis(g)):
        trace, _ = run_chains(algo, GraphParams(J, h), 0.8, (9,), observe, n_chains=32,
                              n_steps=1500, seed=2)
        with jax.enable_x64(True):
            mom = enumerate_moments(energy, (J.astype(jnp.float64), h.astype(jnp.float64)), 9,
                                    0.8)
        assert_z(*mean_and_stderr(trace["e"]), float(mom.energy), "graph <E>")
        for i in range(9):
            assert_z(*mean_and_stderr(trace["s"][:, :, i]), float(mom.spin[i]), f"<s_{i}>",
                     n_sigma=4.5)


def test_lattice_with_random_bonds_and_fields_matches_enumeration():
    """The quartered lattice kernel with array J_right, J_down, h (a 4x4 spin glass in a field)."""
    rng = np.random.default_rng(8)
    jr, jd = (jnp.asarray(rng.normal(size=(4, 4)), jnp.float32) for _ in range(2))
    h = jnp.asarray(rng.normal(size=(4, 4)) * 0.5, jnp.float32)
    params = LatticeParams(jr, jd, h)

    def energy(p, x):
        x = x.reshape(4, 4)
        return -jnp.sum(p[0] * x * jnp.roll(x, -1, 1) + p[1] * x * jnp.roll(x, -1, 0) + p[2] * x)

    observe = lambda st, p, beta: {
        "s": st.spins.astype(jnp.float32).reshape(-1),
        "e": energy((p.J_right, p.J_down, p.h), st.spins.astype(jnp.float32))}
    with jax.enable_x64(True):
        mom = enumerate_moments(energy, tuple(jnp.asarray(a, jnp.float64) for a in params), 16,
                                0.7)
    for seed, algo in enumerate((heat_bath("lattice"), metropolis("lattice"))):
        trace, _ = run_chains(algo, params, 0.7, (4, 4), observe, n_chains=32, n_steps=1500,
                              seed=20 + seed)
        assert_z(*mean_and_stderr(trace["e"]), float(mom.energy), "lattice glass <E>")
        for i in range(16):
            assert_z(*mean_and_stderr(trace["s"][:, :, i]), float(mom.spin[i]), f"<s_{i}>",
                     n_sigma=4.5)


@pytest.mark.parametrize("algo_fn", [heat_bath, metropolis])
def test_scalar_table_path_equals_array_formula_path(algo_fn):
    """Scalar couplings use an 18-entry probability table; the same couplings given as arrays
    use the formula. Same uniforms, so the two must agree spin for spin."""
    algo = algo_fn("lattice")
    spins = jnp.where(jax.random.bernoulli(jax.random.key(4), 0.5, (12, 10)), 1, -1)
    state = algo.init(spins.astype(jnp.int8))
    step = jax.jit(algo.step)
    for jr, jd, h in [(1.0, 1.0, 0.0), (0.7, -1.3, 0.4), (-0.5, 2.0, -1.1)]:
        full = LatticeParams(*(jnp.full((12, 10), v, jnp.float32) for v in (jr, jd, h)))
        a, _ = step(jax.random.key(9), state, LatticeParams(jr, jd, h), 0.45)
        b, _ = step(jax.random.key(9), state, full, 0.45)
        np.testing.assert_array_equal(a.spins, b.spins)


@pytest.mark.parametrize("algo_fn", [heat_bath, metropolis])
def test_lean_blocked_path_equals_one_pass_path(algo_fn, monkeypatch):
    """Above LEAN_SITES the lattice step updates blocks of rows (to bound memory); it must give
    the same spins and flip count as the one-pass update."""
    import statmech.mcmc._local as local

    spins = jnp.where(jax.random.bernoulli(jax.random.key(3), 0.5, (1040, 24)), 1, -1)
    state = SpinState(spins.astype(jnp.int8))
    params = LatticeParams(0.7, 1.1, 0.2)
    a, info_a = jax.jit(algo_fn("lattice").step)(jax.random.key(1), state, params, 0.4)
    monkeypatch.setattr(local, "LEAN_SITES", 100)
    b, info_b = jax.jit(algo_fn("lattice").step)(jax.random.key(1), state, params, 0.4)
    np.testing.assert_array_equal(a.spins, b.spins)
    assert float(info_a.acceptance_rate) == float(info_b.acceptance_rate) > 0


def test_beta_sweep_does_not_recompile():
    algo = heat_bath("lattice")
    state = algo.init(jnp.ones((8, 8), jnp.int8))
    sample(algo, jax.random.key(0), state, 10, params=LatticeParams(), beta=0.1)
    with compile_counter() as compiles:
        for beta in (0.2, 0.44, 1.5):
            sample(algo, jax.random.key(1), state, 10, params=LatticeParams(J_right=beta),
                   beta=beta)
    assert compiles["jit(_sample)"] == 0


@pytest.mark.parametrize("make", [heat_bath, metropolis])
def test_float32_low_and_high_temperature(make):
    algo = make("lattice")
    for beta in (1e-3, 20.0):
        res = sample(algo, jax.random.key(0), algo.init(jnp.ones((8, 8), jnp.int8)), 20,
                     params=LatticeParams(10.0, 10.0, 0.0), beta=beta,
                     observe=lambda st, p, b: jnp.mean(st.spins.astype(jnp.float32)))
        assert np.all(np.isfinite(res.trace))
        assert set(np.unique(res.state.spins).tolist()) <= {-1, 1}
    assert float(res.moments.mean) == 1.0        # beta J = 200: frozen in the ground state


def test_streaming_moments_equal_trace_moments():
    algo = metropolis("lattice")
    res = sample(algo, jax.random.key(3), algo.init(jnp.ones((6, 6), jnp.int8)), 300,
                 params=LatticeParams(), beta=0.5, thin=3,
                 observe=lambda st, p, b: jnp.mean(st.spins.astype(jnp.float32)))
    assert res.trace.shape == (100,) and int(res.moments.count) == 100
    np.testing.assert_allclose(res.moments.mean, res.trace.mean(), rtol=1e-5)
    np.testing.assert_allclose(res.moments.variance, res.trace.var(), rtol=1e-4, atol=1e-7)


def test_keep_states_is_thinned():
    algo = heat_bath("lattice")
    res = sample(algo, jax.random.key(0), algo.init(jnp.ones((4, 4), jnp.int8)), 40,
                 params=LatticeParams(), beta=0.3, thin=10, keep_states=True, keep_trace=False)
    assert res.states.spins.shape == (4, 4, 4) and res.states.spins.dtype == jnp.int8
    assert res.trace is None


@pytest.mark.parametrize("make, position, match", [
    (lambda: heat_bath("lattice"), np.zeros((4, 4)), r"spins must contain only \[-1, 1\]"),
    (lambda: heat_bath("lattice"), np.ones((3, 4)), r"needs even L and M"),
    (lambda: metropolis("lattice"), np.ones(16), r"spins must be a 2-D array"),
    (lambda: heat_bath("dense", spins=(0, 1)), np.full(5, -1),
     r"position must contain only \[0, 1\]"),
])
def test_bad_positions(make, position, match):
    with pytest.raises(ValueError, match=match):
        make().init(position)


def test_bad_constructor_and_driver_arguments():
    with pytest.raises(ValueError, match="structure must be"):
        heat_bath("hexagonal")
    with pytest.raises(ValueError, match="scan must be"):
        metropolis("lattice", scan="sequential")
    with pytest.raises(ValueError, match=r"spins=\(0, 1\) is supported by the 'dense'"):
        heat_bath("lattice", spins=(0, 1))
    with pytest.raises(ValueError, match="shape=.* is required"):
        heat_bath("lattice", scan="random")
    algo = heat_bath("lattice")
    state = algo.init(jnp.ones((4, 4), jnp.int8))
    with pytest.raises(ValueError, match="n_steps must be a multiple of thin"):
        sample(algo, jax.random.key(0), state, 10, params=LatticeParams(), beta=0.4, thin=3)
    with pytest.raises(ValueError, match="n_steps must be >= 1"):
        sample(algo, jax.random.key(0), state, 0, params=LatticeParams(), beta=0.4)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        sample(algo, jax.random.key(0), state, 10, params=LatticeParams(), beta=-1.0)
    with pytest.raises(TypeError, match="observe must be callable"):
        sample(algo, jax.random.key(0), state, 10, params=LatticeParams(), beta=1.0, observe=3)


@pytest.mark.parametrize("params, match", [
    (LatticeParams(jnp.ones((2, 2))), r"LatticeParams.J_right must have shape \(\) or \(4, 4\)"),
    (LatticeParams(1.0, jnp.ones(4)), r"LatticeParams.J_down must have shape"),
    (LatticeParams(1.0, 1.0, jnp.full((4, 4), jnp.inf)), "LatticeParams.h must be finite"),
])
def test_mismatched_lattice_params(params, match):
    algo = heat_bath("lattice")
    state = algo.init(jnp.ones((4, 4), jnp.int8))
    with pytest.raises(ValueError, match=match):
        sample(algo, jax.random.key(0), state, 2, params=params, beta=0.4)


def test_mismatched_graph_and_dense_params():
    g = square(3)
    state = heat_bath(g).init(jnp.ones(9, jnp.int8))
    with pytest.raises(ValueError, match=r"GraphParams.h must have shape \(\) or \(9,\)"):
        sample(heat_bath(g), jax.random.key(0), state, 2, params=GraphParams(1.0, jnp.ones(4)),
               beta=0.4)
    with pytest.raises(ValueError, match="GraphParams.J must be a scalar or one value per edge"):
        sample(heat_bath(g), jax.random.key(0), state, 2,
               params=GraphParams(jnp.ones((3, 3)), 0.0), beta=0.4)
    dense = heat_bath("dense", spins=(0, 1))
    state = dense.init(jnp.zeros(5, jnp.int8))
    with pytest.raises(ValueError, match=r"DenseParams.W must have shape \(5, 5\)"):
        sample(dense, jax.random.key(0), state, 2, params=DenseParams(jnp.zeros((4, 4)), 0.0),
               beta=1.0)


def test_sample_chains_is_the_vmap_of_sample_bit_for_bit():
    from statmech.mcmc import sample_chains

    algo = heat_bath("lattice")
    keys = jax.random.split(jax.random.key(3), 4)
    states = jax.vmap(algo.init)(jax.random.rademacher(jax.random.key(4), (4, 8, 8),
                                                       dtype=jnp.int8))
    observe = lambda s, p, b: jnp.mean(s.spins.astype(jnp.float32))      # noqa: E731
    got = sample_chains(algo, keys, states, 12, params=LatticeParams(), beta=0.5,
                        observe=observe)
    want = jax.vmap(lambda k, s: sample(algo, k, s, 12, params=LatticeParams(), beta=0.5,
                                        observe=observe))(keys, states)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
        np.testing.assert_array_equal(a, b)
    with compile_counter() as compiles:                 # beta and params traced
        sample_chains(algo, keys, states, 12, params=LatticeParams(0.7, 0.7, 0.1), beta=0.9,
                      observe=observe)
    assert sum(compiles.values()) == 0, compiles
    with pytest.raises(ValueError, match="same n_chains"):
        sample_chains(algo, keys[:3], states, 12, params=LatticeParams(), beta=0.5)
    with pytest.raises(TypeError, match="hashable"):
        sample_chains(algo, keys, states, 12, params=LatticeParams(), beta=0.5, observe=[1])
