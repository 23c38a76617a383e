"""Neural energies as flax NNX modules: shapes, the RBM module against models.rbm, the split
into a pure function, and ML training on 16-pixel data against exact enumeration."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from models import rbm
from models.neural import ConvEnergy, MLPEnergy, RBMEnergy, check_energy, energy_fn


def test_rbm_module_equals_models_rbm_to_float_precision():
    m = RBMEnergy(12, 5, rngs=nnx.Rngs(3), scale=0.7)
    v = jax.random.bernoulli(jax.random.key(0), 0.5, (50, 12)).astype(jnp.float32)
    np.testing.assert_allclose(np.asarray(m(v)), np.asarray(rbm.free_energy(m.to_params(), v)),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("make,shape", [
    (lambda: MLPEnergy(16, (32, 16), rngs=nnx.Rngs(0)), (16,)),
    (lambda: ConvEnergy((8, 8), (4, 8), rngs=nnx.Rngs(0)), (8, 8)),
    (lambda: RBMEnergy(16, 4, rngs=nnx.Rngs(0)), (16,)),
])
def test_batches_and_the_pure_function(make, shape):
    m = make()
    x = jax.random.bernoulli(jax.random.key(1), 0.5, (2, 3) + shape).astype(jnp.float32)
    assert m(x).shape == (2, 3) and m(x[0, 0]).shape == ()
    fn, params = energy_fn(m)
    np.testing.assert_allclose(np.asarray(jax.jit(fn)(params, x)), np.asarray(m(x)), rtol=1e-6)
    grads = jax.grad(lambda p: jnp.sum(fn(p, x)))(params)
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure(params)


def test_dropout_acts_only_in_train_mode():
    m = MLPEnergy(8, (64,), rngs=nnx.Rngs(0), dropout=0.5)
    x = jnp.ones(8)
    fn, params = energy_fn(m)
    assert float(fn(params, x)) == float(fn(params, x))
    fn_train, _ = energy_fn(m, train=True)
    a, b = fn_train(params, x, jax.random.key(0)), fn_train(params, x, jax.random.key(1))
    assert float(a) != float(b)


@pytest.mark.parametrize("data,match", [
    (np.full((4, 16), 0.5), "binary"),
    (np.ones((4, 15)), "shape"),
])
def test_bad_data_is_loud(data, match):
    with pytest.raises(ValueError, match=match):
        check_energy(MLPEnergy(16, rngs=nnx.Rngs(0)), data)


class _TwoPerExample(nnx.Module):
    def __init__(self):
        self.w = nnx.Param(jnp.ones((16, 2)))
        self.input_shape = (16,)

    def __call__(self, x, *, rngs=None):
        return x @ self.w[...]


class _NaNEnergy(nnx.Module):
    def __init__(self):
        self.w = nnx.Param(jnp.ones(16))
        self.input_shape = (16,)

    def __call__(self, x, *, rngs=None):
        return jnp.log(x @ self.w[...] - 100.0)


def test_bad_modules_are_loud():
    data = np.ones((4, 16))
    with pytest.raises(ValueError, match="one scalar per example"):
        check_energy(_TwoPerExample(), data)
    with pytest.raises(ValueError, match="not finite"):
        check_energy(_NaNEnergy(), data)
