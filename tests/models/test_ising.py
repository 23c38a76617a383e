"""models.ising: energies on the square lattice and on graphs, exact ln Z."""

import collections
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import statmech
from models import ising
from statmech.exact import all_states, log_z_enumerate


def _random_spins(rng, shape):
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=shape)


def _numpy_energy(s, J, h):
    s = s.astype(np.float64)
    bonds = 0.0
    L, M = s.shape
    for i in range(L):
        for j in range(M):
            bonds += s[i, j] * (s[i, (j + 1) % M] + s[(i + 1) % L, j])
    return -J * bonds - np.sum(h * s)


@pytest.mark.parametrize("shape", [(2, 2), (2, 5), (3, 4), (4, 4), (5, 3)])
def test_energy_matches_graph_energy_and_numpy(x64, shape):
    rng = np.random.default_rng(sum(shape))
    g = statmech.lattice.square(*shape)
    for _ in range(3):
        s = _random_spins(rng, shape)
        J = float(rng.normal())
        h = rng.normal(size=shape)
        e = ising.energy(s, J, h)
        e_graph = ising.graph_energy(g, s.reshape(-1), J, h.reshape(-1))
        np.testing.assert_allclose(e, _numpy_energy(s, J, h), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(e_graph, e, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ising.energy(s, J, 0.3), _numpy_energy(s, J, 0.3), atol=1e-12)


def test_graph_energy_per_edge_couplings(x64):
    rng = np.random.default_rng(1)
    g = statmech.lattice.square(3, 4)
    s = _random_spins(rng, 12).astype(np.float64)
    J = rng.normal(size=len(g.edges))
    h = rng.normal(size=12)
    expected = -sum(J[k] * s[a] * s[b] for k, (a, b) in enumerate(g.edges)) - h @ s
    np.testing.assert_allclose(ising.graph_energy(g, s, J, h), expected, rtol=1e-12)
    ring = statmech.lattice.from_edges(3, [[0, 1], [1, 2], [2, 0]])
    assert float(ising.graph_energy(ring, jnp.array([1, -1, 1]), 2.0)) == 2.0


@pytest.mark.parametrize("shape", [(2, 2), (3, 5), (4, 4)])
def test_ground_state(shape):
    n = shape[0] * shape[1]
    for J in (1.0, 0.7):
        assert float(ising.energy(jnp.ones(shape, jnp.int8), J)) == pytest.approx(-2 * n * J)
        assert float(ising.energy(-jnp.ones(shape), J)) == pytest.approx(-2 * n * J)


def test_energy_dtype_and_jit():
    s = jnp.ones((4, 4), jnp.int8)
    assert ising.energy(s).dtype == jnp.float32
    f = jax.jit(ising.energy)
    assert float(f(s, 1.0, 0.5)) == -40.0
    assert float(f(s, 2.0, jnp.zeros((4, 4)))) == -64.0
    g = statmech.lattice.square(4)
    assert float(jax.jit(lambda x, J: ising.graph_energy(g, x, J))(s.reshape(-1), 1.0)) == -32.0
    # grad w.r.t. J and h: dE/dJ = -bond sum, dE/dh = -s
    dJ, dh = jax.grad(ising.energy, argnums=(1, 2))(s, 1.0, jnp.zeros((4, 4)))
    assert float(dJ) == -32.0
    np.testing.assert_array_equal(dh, -np.ones((4, 4)))
    # batch with vmap
    batch = jnp.stack([s, -s, s.at[0, 0].set(-1)])
    np.testing.assert_allclose(jax.vmap(ising.energy)(batch), [-32.0, -32.0, -24.0])


def test_density_of_states_4x4():
    """REFERENCES.md: g(E) of the 4x4 torus, by enumerating all 2**16 states."""
    states = all_states(16).reshape(-1, 4, 4)
    e = np.asarray(jax.jit(jax.vmap(ising.energy))(states))
    assert np.all(e == np.round(e))
    counts = collections.Counter(int(v) for v in np.round(e))
    half = {-32: 2, -24: 32, -20: 64, -16: 424, -12: 1728, -8: 6688, -4: 13568, 0: 20524}
    expected = {**half, **{-k: v for k, v in half.items()}}
    assert dict(counts) == expected
    assert sum(expected.values()) == 2**16


@functools.lru_cache
def _enumerated_log_z(L, M):
    """Jitted brute-force ln Z(beta, J, h) of models.ising.energy on an L x M torus."""

    def energy_fn(p, x):
        J, h = p
        return ising.energy(x.reshape(L, M), J, h)

    return jax.jit(lambda beta, J, h: log_z_enumerate(energy_fn, (J, h), L * M, beta))


@pytest.mark.parametrize("L,M", [(3, 3), (4, 4), (2, 3)])
@pytest.mark.parametrize("h", [0.0, 0.3])
def test_log_z_matches_enumeration(x64, L, M, h):
    for beta, J in ((0.4, 1.0), (0.9, 0.6)):
        expected = _enumerated_log_z(L, M)(beta, J, h)
        np.testing.assert_allclose(ising.log_z(L, beta, J, h, M=M), expected, rtol=1e-10)


def test_log_z_site_field_and_negative_coupling(x64):
    h = np.random.default_rng(3).normal(size=(3, 4))
    expected = _enumerated_log_z(3, 4)(0.5, 0.8, h)
    np.testing.assert_allclose(ising.log_z(3, 0.5, 0.8, h, M=4), expected, rtol=1e-10)
    # J < 0 on an odd lattice has no closed form: it goes to the transfer matrix
    expected = _enumerated_log_z(3, 4)(0.5, -1.0, np.zeros((3, 4)))
    np.testing.assert_allclose(ising.log_z(3, 0.5, -1.0, M=4), expected, rtol=1e-10)


def test_log_z_reference_and_jit(x64):
    np.testing.assert_allclose(ising.log_z(4, 0.4), 14.561093023844043, rtol=1e-12)
    np.testing.assert_allclose(jax.jit(lambda b: ising.log_z(4, b))(0.4), 14.561093023844043,
                               rtol=1e-12)
    # traced h goes to the transfer matrix; at h = 0 it agrees with Kaufman
    f = jax.jit(lambda b, h: ising.log_z(4, b, 1.0, h))
    np.testing.assert_allclose(f(0.4, 0.0), 14.561093023844043, rtol=1e-12)


def test_log_z_grad_field(x64):
    """d ln Z / dh = beta <sum s>, through the transfer matrix (h traced)."""
    brute = jax.grad(_enumerated_log_z(2, 3), argnums=2)(0.4, 1.0, 0.2)
    np.testing.assert_allclose(jax.grad(lambda h: ising.log_z(2, 0.4, 1.0, h, M=3))(0.2),
                               brute, rtol=1e-10)


def test_bad_inputs():
    with pytest.raises(ValueError, match="spins must contain only -1 and \\+1"):
        ising.energy(jnp.zeros((4, 4)))
    with pytest.raises(ValueError, match="spins must contain only -1 and \\+1"):
        ising.energy(np.array([[0, 1], [1, 1]]))
    with pytest.raises(ValueError, match="spins"):
        ising.energy(jnp.ones(16))
    with pytest.raises(ValueError, match="spins"):
        ising.energy(jnp.ones((1, 4)))
    with pytest.raises(ValueError, match="spins"):
        ising.energy(jnp.ones((4, 4)).at[0, 0].set(jnp.nan))
    with pytest.raises(ValueError, match="J"):
        ising.energy(jnp.ones((4, 4)), jnp.nan)
    with pytest.raises(ValueError, match="J"):
        ising.energy(jnp.ones((4, 4)), jnp.ones(2))
    with pytest.raises(ValueError, match="h"):
        ising.energy(jnp.ones((4, 4)), 1.0, jnp.ones((3, 4)))
    with pytest.raises(ValueError, match="h"):
        ising.energy(jnp.ones((4, 4)), 1.0, np.inf)
    with pytest.raises(TypeError, match="spins"):
        ising.energy(jnp.ones((4, 4), bool))
    g = statmech.lattice.square(3)
    with pytest.raises(ValueError, match="spins"):
        ising.graph_energy(g, jnp.ones(8))
    with pytest.raises(ValueError, match="J"):
        ising.graph_energy(g, jnp.ones(9), jnp.ones(5))
    with pytest.raises(ValueError, match="spins must contain only -1 and \\+1"):
        ising.graph_energy(g, jnp.zeros(9))
    with pytest.raises(TypeError, match="graph"):
        ising.graph_energy(np.zeros((4, 2)), jnp.ones(9))
    with pytest.raises(ValueError, match="L"):
        ising.log_z(1, 0.4)
    with pytest.raises(ValueError, match="beta"):
        ising.log_z(4, -0.4)
    with pytest.raises(ValueError, match="J"):
        ising.log_z(4, 0.4, jnp.nan)
    with pytest.raises(ValueError, match="h"):
        ising.log_z(4, 0.4, 1.0, jnp.ones((4, 5)))
