"""models.rbm: energy, free energies, exact ln Z by summing the smaller layer, likelihood."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import rbm
from models.rbm import RBMParams


def _random_params(seed, nv, nh, scale=0.5):
    rng = np.random.default_rng(seed)
    return RBMParams(jnp.asarray(rng.normal(scale=scale, size=(nv, nh))),
                     jnp.asarray(rng.normal(scale=scale, size=nv)),
                     jnp.asarray(rng.normal(scale=scale, size=nh)))


def _states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.float64)


def _logsumexp(a, axis=None):
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def _joint_energies(p):
    """E[v_index, h_index] for every joint configuration, numpy float64."""
    W, b, c = (np.asarray(x, np.float64) for x in p)
    V, H = _states(W.shape[0]), _states(W.shape[1])
    return -(V @ W @ H.T) - (V @ b)[:, None] - (H @ c)[None, :], V, H


def test_energy(x64):
    p = _random_params(0, 5, 3)
    E, V, H = _joint_energies(p)
    np.testing.assert_allclose(rbm.energy(p, V[7], H[5]), E[7, 5], rtol=1e-12)
    batch = rbm.energy(p, V[:, None, :], H[None, :, :])       # broadcasts to [32, 8]
    np.testing.assert_allclose(batch, E, rtol=1e-12, atol=1e-12)


def test_free_energies_match_brute_force(x64):
    p = _random_params(1, 6, 4)
    E, V, H = _joint_energies(p)
    np.testing.assert_allclose(rbm.free_energy(p, V), -_logsumexp(-E, axis=1), rtol=1e-12)
    np.testing.assert_allclose(rbm.free_energy_hidden(p, H), -_logsumexp(-E, axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(rbm.free_energy(p, V[3]), -_logsumexp(-E[3]), rtol=1e-12)


def test_free_energy_batch_shapes():
    p = rbm.init_params(jax.random.key(0), 6, 4, scale=0.3)
    v = jnp.asarray(np.random.default_rng(0).integers(0, 2, size=(2, 3, 6)), jnp.int8)
    assert rbm.free_energy(p, v[0, 0]).shape == ()
    assert rbm.free_energy(p, v[0]).shape == (3,)
    f = rbm.free_energy(p, v)
    assert f.shape == (2, 3) and f.dtype == jnp.float32
    np.testing.assert_allclose(jax.vmap(jax.vmap(rbm.free_energy, (None, 0)), (None, 0))(p, v),
                               f, rtol=1e-6)
    assert rbm.free_energy_hidden(p, jnp.ones((5, 4))).shape == (5,)


def test_log_z_matches_brute_force_both_layers(x64):
    p = _random_params(2, 8, 5)
    E, _, _ = _joint_energies(p)
    np.testing.assert_allclose(rbm.log_z_exact(p), _logsumexp(-E.ravel()), rtol=1e-10)
    np.testing.assert_allclose(rbm.log_z_exact(p, 0.7), _logsumexp(-0.7 * E.ravel()),
                               rtol=1e-10)


@pytest.mark.parametrize("nv,nh", [(10, 6), (6, 10)])
def test_log_z_transpose_invariant(x64, nv, nh):
    """Summing the hidden layer (nh <= nv) and the visible layer (nv < nh) agree."""
    p = _random_params(3, nv, nh)
    transposed = RBMParams(p.W.T, p.c, p.b)
    np.testing.assert_allclose(rbm.log_z_exact(p), rbm.log_z_exact(transposed), rtol=1e-10)
    E, _, _ = _joint_energies(p)
    np.testing.assert_allclose(rbm.log_z_exact(p), _logsumexp(-E.ravel()), rtol=1e-10)


def test_log_likelihood(x64):
    p = _random_params(4, 8, 5)
    E, V, _ = _joint_energies(p)
    log_z = _logsumexp(-E.ravel())
    log_p = -rbm.free_energy(p, V) - log_z
    np.testing.assert_allclose(_logsumexp(np.asarray(log_p)), 0.0, atol=1e-10)   # normalised
    idx = np.array([0, 5, 17, 200, 255])
    np.testing.assert_allclose(rbm.log_likelihood(p, V[idx]), np.mean(log_p[idx]), rtol=1e-10)
    np.testing.assert_allclose(rbm.log_likelihood(p, V[5]), log_p[5], rtol=1e-10)


def test_log_likelihood_gradient_is_data_minus_model(x64):
    p = _random_params(5, 6, 4, scale=0.3)
    E, V, H = _joint_energies(p)
    joint = np.exp(-E - _logsumexp(-E.ravel()))                       # p(v, h)
    data = V[np.random.default_rng(5).integers(0, len(V), size=30)]
    W, _, c = (np.asarray(x) for x in p)
    ph_data = 1.0 / (1.0 + np.exp(-(c + data @ W)))                   # p(h=1 | v)
    gW, gb, gc = jax.grad(rbm.log_likelihood)(p, data)
    np.testing.assert_allclose(gW, data.T @ ph_data / len(data) - V.T @ joint @ H, atol=1e-10)
    np.testing.assert_allclose(gb, data.mean(0) - joint.sum(1) @ V, atol=1e-10)
    np.testing.assert_allclose(gc, ph_data.mean(0) - joint.sum(0) @ H, atol=1e-10)


def test_float32_large_weights_finite():
    key = jax.random.key(7)
    p = rbm.init_params(key, 12, 8, scale=10.0)
    p = p._replace(b=jnp.full(12, -20.0), c=jnp.full(8, 15.0))
    v = jnp.asarray(np.random.default_rng(7).integers(0, 2, size=(16, 12)), jnp.float32)
    for value in (rbm.log_z_exact(p), rbm.log_likelihood(p, v), rbm.free_energy(p, v),
                  rbm.log_z_exact(RBMParams(p.W.T, p.c, p.b))):
        assert value.dtype == jnp.float32 and np.all(np.isfinite(np.asarray(value)))
    with jax.enable_x64(True):
        p64 = RBMParams(*(jnp.asarray(np.asarray(x), jnp.float64) for x in p))
        reference = float(rbm.log_z_exact(p64))
    np.testing.assert_allclose(rbm.log_z_exact(p), reference, rtol=1e-6)
    grads = jax.grad(rbm.log_likelihood)(p, v)
    assert all(np.all(np.isfinite(np.asarray(g))) for g in grads)


def test_jit_every_function():
    p = rbm.init_params(jax.random.key(1), 7, 5, scale=0.5)
    v = jnp.asarray(np.random.default_rng(1).integers(0, 2, size=(4, 7)), jnp.float32)
    h = jnp.ones(5)
    np.testing.assert_allclose(jax.jit(rbm.energy)(p, v[0], h), rbm.energy(p, v[0], h),
                               rtol=1e-6)
    np.testing.assert_allclose(jax.jit(rbm.free_energy)(p, v), rbm.free_energy(p, v), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(rbm.free_energy_hidden)(p, h),
                               rbm.free_energy_hidden(p, h), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(rbm.log_z_exact)(p), rbm.log_z_exact(p), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(rbm.log_likelihood)(p, v), rbm.log_likelihood(p, v),
                               rtol=1e-6)
    q = jax.jit(rbm.init_params, static_argnums=(1, 2))(jax.random.key(0), 3, 2)
    assert q.W.shape == (3, 2) and q.b.shape == (3,) and q.c.shape == (2,)


def test_init_params():
    p = rbm.init_params(jax.random.key(0), 30, 20, scale=0.1)
    assert p.W.shape == (30, 20) and p.W.dtype == jnp.float32
    np.testing.assert_array_equal(p.b, 0.0)
    np.testing.assert_array_equal(p.c, 0.0)
    assert 0.08 < float(jnp.std(p.W)) < 0.12


def test_bad_inputs():
    p = rbm.init_params(jax.random.key(0), 6, 4)
    v = jnp.zeros(6)
    with pytest.raises(ValueError, match="params.b"):
        rbm.free_energy(p._replace(b=jnp.zeros(5)), v)
    with pytest.raises(ValueError, match="params.c"):
        rbm.log_z_exact(p._replace(c=jnp.zeros(5)))
    with pytest.raises(ValueError, match="params.W"):
        rbm.log_z_exact(p._replace(W=jnp.zeros(6)))
    with pytest.raises(ValueError, match="params.W must be finite"):
        rbm.log_z_exact(p._replace(W=p.W.at[0, 0].set(jnp.inf)))
    big = rbm.init_params(jax.random.key(0), 40, 40)
    with pytest.raises(ValueError, match=r"min\(nv, nh\)=40 exceeds 30"):
        rbm.log_z_exact(big)
    with pytest.raises(ValueError, match="2\\*\\*min"):
        rbm.log_likelihood(big, jnp.zeros(40))
    with pytest.raises(ValueError, match="v must contain only 0 and 1"):
        rbm.free_energy(p, jnp.full(6, 2))
    with pytest.raises(ValueError, match="v must contain only 0 and 1"):
        rbm.log_likelihood(p, jnp.full((3, 6), 2))
    with pytest.raises(ValueError, match="v must be finite"):
        rbm.log_likelihood(p, jnp.zeros((3, 6)).at[0, 0].set(jnp.nan))
    with pytest.raises(ValueError, match="v must have shape"):
        rbm.free_energy(p, jnp.zeros(5))
    with pytest.raises(ValueError, match="h must contain only 0 and 1"):
        rbm.energy(p, v, jnp.full(4, 0.5))
    with pytest.raises(ValueError, match="h must have shape"):
        rbm.free_energy_hidden(p, jnp.zeros(6))
    with pytest.raises(ValueError, match="beta"):
        rbm.log_z_exact(p, -1.0)
    with pytest.raises(TypeError, match="params"):
        rbm.log_z_exact((p.W, p.b))
    with pytest.raises(ValueError, match="scale"):
        rbm.init_params(jax.random.key(0), 3, 2, scale=jnp.nan)
    # a small but wide RBM is fine: only the smaller layer is enumerated
    assert np.isfinite(float(rbm.log_z_exact(rbm.init_params(jax.random.key(0), 200, 3))))
