"""Property tests with hypothesis (issue 6): identities that must hold for every model drawn.

Each property runs 200 examples, derandomized (the same examples every run, so a failure
reproduces) and without a deadline (the first example of a shape pays the compile). Couplings
and fields are drawn up to 2 in magnitude and beta in [0, 2]; shapes come from a short list, so
each property compiles one to three programs and then only evaluates them.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from models import potts, rbm
from statmech import exact, mcmc
from statmech.mcmc import LatticeParams, lattice_energy

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)

SHAPES = [(3, 3), (3, 4)]


def _lattice_model(draw, shape, field=True):
    """(J_right, J_down, h) float32 arrays of `shape`, entries in [-2, 2] (h = 0 if not field)."""
    n = shape[0] * shape[1]
    vals = st.lists(st.floats(-2.0, 2.0, width=32), min_size=n, max_size=n)
    jr, jd = (np.asarray(draw(vals), np.float32).reshape(shape) for _ in range(2))
    h = (np.asarray(draw(vals), np.float32).reshape(shape) if field
         else np.zeros(shape, np.float32))
    return jr, jd, h


@st.composite
def lattices(draw, field=True, shapes=tuple(SHAPES)):
    shape = draw(st.sampled_from(shapes))
    return _lattice_model(draw, shape, field)


BETA = st.floats(0.0, 2.0, width=32)


def _energy(shape):
    def energy(p, x):
        return lattice_energy(LatticeParams(*p), x.reshape(shape))
    return energy


@functools.cache
def _enumerated(shape):
    """jit of (params, beta) -> (ln Z, d ln Z / d beta, d2 ln Z / d beta2, <E>) by enumeration."""
    energy = _energy(shape)
    n = shape[0] * shape[1]

    def log_z(p, beta):
        return exact.log_z_enumerate(energy, p, n, beta)

    def all_of(p, beta):
        d1 = jax.grad(log_z, argnums=1)
        return (log_z(p, beta), d1(p, beta), jax.grad(d1, argnums=1)(p, beta),
                exact.enumerate_moments(energy, p, n, beta).energy)
    return jax.jit(all_of)


_transfer = jax.jit(lambda p, beta: exact.transfer_matrix_log_z(*p, beta))


@PROPERTY
@given(lattices(), BETA)
def test_log_z_is_convex_in_beta(model, beta):
    """d2 ln Z / d beta2 = Var(E) >= 0."""
    _, _, curvature, _ = _enumerated(model[0].shape)(model, jnp.float32(beta))
    scale = float(np.sum(np.abs(model))) ** 2           # Var(E) <= E_max^2
    assert float(curvature) >= -1e-5 * scale


@PROPERTY
@given(lattices(), BETA)
def test_d_log_z_d_beta_is_minus_mean_energy(model, beta):
    _, slope, _, mean_energy = _enumerated(model[0].shape)(model, jnp.float32(beta))
    scale = float(np.sum(np.abs(model)))
    assert abs(float(slope) + float(mean_energy)) <= 1e-5 * scale + 1e-6


@functools.cache
def _spin_means(shape):
    energy = _energy(shape)
    return jax.jit(lambda p, beta: exact.enumerate_moments(energy, p, shape[0] * shape[1],
                                                           beta).spin)


@PROPERTY
@given(lattices(field=False), BETA, st.integers(0, 2**12 - 1))
def test_z_is_invariant_under_spin_flips_without_field(model, beta, gauge_bits):
    """h = 0: E(s) = E(-s), so p(s) = p(-s) and every <s_i> vanishes (enumeration); and Z is
    unchanged by every gauge transformation s_i -> e_i s_i, J_ij -> e_i e_j J_ij (e_i = +-1),
    of which the global flip is e = -1 (transfer matrix)."""
    jr, jd, h = model
    shape = jr.shape
    e = np.where((gauge_bits >> np.arange(shape[0] * shape[1])) & 1, -1.0, 1.0).astype(
        np.float32).reshape(shape)
    s = jnp.asarray(e, jnp.int8)
    params = LatticeParams(*model)
    assert float(lattice_energy(params, s)) == float(lattice_energy(params, -s))
    scale = float(np.sum(np.abs(model))) + 1.0
    assert float(jnp.max(jnp.abs(_spin_means(shape)(model, jnp.float32(beta))))) <= 1e-5 * scale
    gauged = (jr * e * np.roll(e, -1, axis=1), jd * e * np.roll(e, -1, axis=0), h)
    base = float(_transfer(model, jnp.float32(beta)))
    assert abs(float(_transfer(gauged, jnp.float32(beta))) - base) <= 2e-6 * (abs(base) + 1.0)


@PROPERTY
@given(lattices(), BETA)
def test_enumeration_equals_transfer_matrix(model, beta):
    enumerated = float(_enumerated(model[0].shape)(model, jnp.float32(beta))[0])
    transferred = float(_transfer(model, jnp.float32(beta)))
    assert abs(enumerated - transferred) <= 2e-6 * (abs(transferred) + 1.0)


_STATES = {n: exact.all_states(n, spins=(0, 1)) for n in range(1, 7)}


@functools.cache
def _rbm_both_ways(nv, nh):
    def both(p):
        over_v = jax.nn.logsumexp(-rbm.free_energy(p, _STATES[nv]))        # h summed out
        over_h = jax.nn.logsumexp(-rbm.free_energy_hidden(p, _STATES[nh]))  # v summed out
        return over_v, over_h, rbm.log_z_exact(p)
    return jax.jit(both)


@st.composite
def rbms(draw, shapes=((6, 3), (4, 5))):           # both layers the smaller one in turn
    nv, nh = draw(st.sampled_from(shapes))
    vals = lambda k: np.asarray(draw(st.lists(st.floats(-2.0, 2.0, width=32), min_size=k,
                                              max_size=k)), np.float32)
    return rbm.RBMParams(vals(nv * nh).reshape(nv, nh), vals(nv), vals(nh))


@PROPERTY
@given(rbms())
def test_rbm_log_z_is_the_same_summed_over_either_layer(params):
    over_v, over_h, exact_value = (float(x) for x in _rbm_both_ways(*params.W.shape)(params))
    scale = abs(over_v) + 1.0
    assert abs(over_v - over_h) <= 2e-6 * scale and abs(exact_value - over_v) <= 2e-6 * scale


@functools.cache
def _lattice_sweeps(kind):
    algo = {"heat_bath": mcmc.heat_bath, "metropolis": mcmc.metropolis}[kind]()

    def run(key, spins, p, beta):
        state = algo.init(spins)
        return mcmc.sample(algo, key, state, 3, params=p, beta=beta, keep_trace=False,
                           keep_states=False).state.spins
    return jax.jit(run)


@functools.cache
def _rbm_sweeps(nv, nh):
    def run(key, p, v):
        for k in jax.random.split(key, 3):
            v, h = rbm.gibbs_step(k, p, v)
        return v, h
    return jax.jit(run)


@PROPERTY
@given(lattices(shapes=((4, 4),)), BETA, st.sampled_from(["heat_bath", "metropolis"]),
       st.integers(0, 2**30), rbms(shapes=((5, 4),)))
def test_samplers_preserve_their_domains(model, beta, kind, seed, params):
    """+-1 lattice spins stay +-1 (int8), RBM units stay 0/1, Potts colours stay in 0..q-1."""
    key = jax.random.key(seed)
    spins = jnp.where(jax.random.bernoulli(key, 0.5, model[0].shape), 1, -1).astype(jnp.int8)
    out = np.asarray(_lattice_sweeps(kind)(key, spins, LatticeParams(*model),
                                           jnp.float32(beta)))
    assert out.dtype == np.int8 and set(np.unique(out).tolist()) <= {-1, 1}
    nv, nh = params.W.shape
    v0 = jax.random.bernoulli(key, 0.5, (4, nv)).astype(jnp.float32)
    v, h = _rbm_sweeps(nv, nh)(key, params, v0)
    assert set(np.unique(np.asarray(v)).tolist()) <= {0.0, 1.0}
    assert set(np.unique(np.asarray(h)).tolist()) <= {0.0, 1.0}


@PROPERTY
@given(st.floats(0.0, 3.0, width=32), st.integers(0, 2**30))
def test_potts_sampler_keeps_colours_in_range(beta, seed):
    s = np.asarray(potts.sample(jax.random.key(seed), 6, 3, beta, n_sweeps=2, n_chains=2))
    assert s.min() >= 0 and s.max() < 3
