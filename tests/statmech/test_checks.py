"""statmech.checks: in-graph value checks under jit (issue 6)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import checkify

from statmech import checks, exact


def test_checked_variants_agree_with_the_plain_functions_when_inputs_are_good():
    err, out = jax.jit(checks.ising2d_log_z, static_argnums=(0, 1))(4, 4, 0.4, 1.0)
    assert err.get() is None
    np.testing.assert_allclose(out, exact.ising2d_log_z(4, 4, 0.4), rtol=1e-6)
    tm = jax.jit(checks.transfer_matrix_log_z)
    err, out = tm(jnp.ones((3, 3)), jnp.ones((3, 3)), jnp.zeros((3, 3)), 0.3)
    assert err.get() is None and np.isfinite(float(out))


@pytest.mark.parametrize("beta, J, message", [
    (-0.1, 1.0, "beta must be >= 0"),
    (jnp.nan, 1.0, "beta must be finite, got nan"),
    (jnp.inf, 1.0, "beta must be finite, got inf"),
    (0.4, jnp.nan, "J must be finite, got nan"),
])
def test_bad_traced_values_are_caught_inside_jit(beta, J, message):
    f = jax.jit(checks.ising2d_log_z, static_argnums=(0, 1))
    err, _ = f(4, 4, beta, J)
    assert err.get() is not None and err.get().startswith(message)
    with pytest.raises(checkify.JaxRuntimeError, match=message):
        err.throw()


def test_pytree_arguments_are_named_leaf_by_leaf():
    tm = jax.jit(checks.transfer_matrix_log_z)
    err, _ = tm(jnp.ones((3, 3)), jnp.ones((3, 3)).at[1, 2].set(jnp.inf), jnp.zeros((3, 3)), 0.3)
    assert err.get().startswith("J_down must be finite, got inf")
    f = jax.jit(checks.log_z_enumerate, static_argnums=(0, 2))
    energy = lambda p, x: -p["J"] * jnp.sum(x * jnp.roll(x, 1)) - p["h"] * jnp.sum(x)
    err, _ = f(energy, {"J": 1.0, "h": jnp.nan}, 4, 0.5)
    assert err.get().startswith("params['h'] must be finite")


def test_spin_and_unit_domains_and_a_non_finite_result():
    g = jax.jit(checks.checked(lambda s, v: jnp.sum(s) + jnp.sum(v), s="pm1", v="units"))
    assert g(jnp.array([1.0, -1.0]), jnp.array([0.0, 1.0]))[0].get() is None
    assert g(jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0]))[0].get().startswith(
        "s must contain only -1 and +1, got 0.0")
    assert g(jnp.array([1.0, -1.0]), jnp.array([0.5, 1.0]))[0].get().startswith(
        "v must contain only 0 and 1, got 0.5")
    h = jax.jit(checks.checked(lambda x: jnp.log(x), x="finite"))
    assert h(jnp.array([1.0, -1.0]))[0].get().startswith("the result must be finite, got nan")


def test_vmap_and_grad_pass_through():
    f = checks.ising2d_log_z
    err, out = jax.vmap(lambda b: f(4, 4, b))(jnp.array([0.2, 0.4]))
    assert err.get() is None and out.shape == (2,)
    err, out = jax.vmap(lambda b: f(4, 4, b))(jnp.array([0.2, -0.4]))
    assert "beta must be >= 0" in err.get()


@pytest.mark.parametrize("kwargs, err, match", [
    ({"x": "positive"}, ValueError, "must be one of"),
    ({"y": "finite"}, ValueError, "'y' is not a parameter"),
])
def test_checked_rejects_bad_specifications(kwargs, err, match):
    with pytest.raises(err, match=match):
        checks.checked(lambda x: x, **kwargs)
    with pytest.raises(TypeError, match="fn must be callable"):
        checks.checked(3)
