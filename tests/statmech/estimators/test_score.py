"""statmech.estimators.with_score_gradient and score_gradient: the one score-function gradient
of every Monte Carlo ln Z, checked on a model whose ln Z and derivatives are exact."""

import jax
import jax.numpy as jnp
import numpy as np

from statmech.estimators import score_gradient, with_score_gradient
from statmech.exact import all_states


def _energy(p, x):                  # independent spins in fields h with pair coupling J
    return -jnp.sum(p["h"] * x) - p["J"] * x[0] * x[1]


PARAMS = {"h": jnp.array([0.3, -0.7, 0.2]), "J": jnp.asarray(0.5)}
STATES = all_states(3)


def _exact_log_z(p, beta):
    return jax.nn.logsumexp(-beta * jax.vmap(lambda x: _energy(p, x))(STATES))


def _run(p, beta, states):
    """'Samples': every state, weighted by its Boltzmann weight (an exact estimator)."""
    log_w = -beta * jax.vmap(lambda x: _energy(p, x))(states)
    return jax.nn.logsumexp(log_w), 0.0, 1.0, log_w, states, log_w


def test_gradient_is_the_exact_derivative_in_params_and_beta():
    est = with_score_gradient(_run, _energy)
    for beta in (0.0, 0.4, 1.3):
        got = jax.grad(lambda p, b: est(p, b, STATES)[0], argnums=(0, 1))(PARAMS, beta)
        want = jax.grad(_exact_log_z, argnums=(0, 1))(PARAMS, beta)
        for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_jit_and_vmap_over_traced_inputs():
    est = with_score_gradient(_run, _energy)
    grad = jax.jit(jax.vmap(jax.grad(lambda b, s: est(PARAMS, b, s)[0]), in_axes=(0, None)))
    betas = jnp.array([0.2, 0.9])
    want = jax.vmap(jax.grad(lambda b: _exact_log_z(PARAMS, b)))(betas)
    np.testing.assert_allclose(grad(betas, STATES), want, rtol=1e-5)


def test_score_gradient_matches_weighted_averages():
    x = STATES[:5]
    log_w = jnp.log(jnp.array([1.0, 2.0, 3.0, 4.0, 10.0]))
    g, gb = score_gradient(_energy, PARAMS, 0.8, x, log_w)
    w = np.exp(np.asarray(log_w)) / np.exp(np.asarray(log_w)).sum()
    xs = np.asarray(x)
    np.testing.assert_allclose(g["h"], 0.8 * (w @ xs), rtol=1e-6, atol=1e-6)  # -beta <dE/dh>
    np.testing.assert_allclose(g["J"], 0.8 * (w @ (xs[:, 0] * xs[:, 1])), rtol=1e-6)
    e = np.asarray(jax.vmap(lambda s: _energy(PARAMS, s))(x))
    np.testing.assert_allclose(gb, -(w @ e), rtol=1e-6)
    assert g["h"].dtype == jnp.float32
