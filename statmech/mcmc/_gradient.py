"""Shared machinery of the gradient-informed discrete samplers (Gibbs-with-Gradients, DMALA).

Both need only ``energy_fn(params, x) -> scalar`` on binary units x in {a, b}^shape (+-1 or
{0, 1}), p(x) proportional to exp(-beta E(x)). Flipping unit i moves it by
delta_i = (a + b) - 2 x_i, and f = -beta E changes by about delta_i * df/dx_i (first order);
the gradient comes from ``jax.value_and_grad`` of the energy, so the units are treated as
real numbers only to differentiate, never to sample.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from statmech.mcmc.base import SpinState
from statmech.validate import check_spins_pair, check_values, float_dtype

__all__ = ["GradientInfo", "check_energy_fn", "check_domain", "log_prob_and_grad", "flip",
           "init"]


class GradientInfo(NamedTuple):
    """Per-step diagnostics of a gradient-informed sampler.

    Attributes:
      acceptance_rate: 1.0 if the proposal was accepted, else 0.0 (its mean over steps is the
        acceptance rate).
      n_flipped: units the accepted move changed (0 when rejected).
    """

    acceptance_rate: jax.Array
    n_flipped: jax.Array


def check_energy_fn(energy_fn: Any) -> Callable:
    """A callable ``energy_fn(params, x)`` (TypeError otherwise)."""
    if not callable(energy_fn):
        raise TypeError(f"energy_fn must be callable as energy_fn(params, x), got "
                        f"{type(energy_fn).__name__}")
    return energy_fn


def check_domain(spins: Any) -> tuple[float, float]:
    """The two unit values, (-1, 1) or (0, 1) (ValueError otherwise)."""
    pair = check_spins_pair(spins, "spins")
    if pair not in ((-1.0, 1.0), (0.0, 1.0)):
        raise ValueError(f"spins must be (-1, 1) or (0, 1), got {spins!r}")
    return pair


def init(position: Any, domain: tuple[float, float]) -> SpinState:
    """The state of a chain at ``position`` (int8 units of ``domain``, checked when concrete)."""
    check_values(position, tuple(int(v) for v in domain), "position")
    return SpinState(jnp.asarray(position).astype(jnp.int8))


def log_prob_and_grad(energy_fn: Callable, params: Any, x: jax.Array, beta: jax.Array
                      ) -> tuple[jax.Array, jax.Array]:
    """f(x) = -beta E(params, x) and df/dx, with a loud error when E is not one scalar."""
    def f(y):
        e = energy_fn(params, y)
        if jnp.shape(e) != ():
            raise ValueError(f"energy_fn(params, x) must return one scalar per configuration, "
                             f"got shape {jnp.shape(e)} for x of shape {jnp.shape(y)} "
                             f"(vmap over a batch instead)")
        return -beta * jnp.asarray(e, float_dtype())

    return jax.value_and_grad(f)(x)


def flip(x: jax.Array, domain: tuple[float, float]) -> jax.Array:
    """delta = (a + b) - 2 x: the move of every unit to its other value."""
    return (domain[0] + domain[1]) - 2.0 * x
