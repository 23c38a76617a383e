"""Thermodynamics by automatic differentiation of any ln Z(beta)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from statmech.validate import check_beta, check_shape

__all__ = ["Thermodynamics", "thermodynamics"]


class Thermodynamics(NamedTuple):
    """Thermodynamic functions at one inverse temperature (extensive, i.e. for the whole system).

    Attributes:
      log_z: ln Z.
      free_energy: F = -ln Z / beta, in energy units (-inf at beta = 0, infinite temperature).
      energy: U = <E> = -d ln Z / d beta.
      heat_capacity: C = beta^2 d^2 ln Z / d beta^2 = beta^2 Var(E) (in units of k_B).
      entropy: S = ln Z + beta U (in units of k_B).
    """

    log_z: jax.Array
    free_energy: jax.Array
    energy: jax.Array
    heat_capacity: jax.Array
    entropy: jax.Array


def thermodynamics(log_z_fn: Callable[[jax.Array], jax.Array], beta: Any) -> Thermodynamics:
    """U, C, F and S from a differentiable ``log_z_fn(beta)``, by forward-over-reverse autodiff.

    U = -d ln Z/d beta, C = beta^2 d^2 ln Z/d beta^2, F = -ln Z / beta, S = ln Z + beta U.

    Args:
      log_z_fn: ``beta -> ln Z`` (scalar to scalar), differentiable twice, e.g.
        ``lambda b: statmech.exact.ising2d_log_z(4, 4, b)``.
      beta: inverse temperature (scalar, finite, >= 0); vmap this function to sweep a grid.

    Returns:
      ``Thermodynamics(log_z, free_energy, energy, heat_capacity, entropy)``.

    Example:
      >>> from statmech.exact import ising2d_log_z
      >>> t = thermodynamics(lambda b: ising2d_log_z(4, 4, b), 0.4)
      >>> round(float(t.energy) / 16, 5)
      -1.37912

    References:
      Standard canonical-ensemble identities (e.g. Huang, Statistical Mechanics, ch. 7).
    """
    if not callable(log_z_fn):
        raise TypeError(f"log_z_fn must be callable, got {type(log_z_fn).__name__}")
    check_beta(beta)
    check_shape(beta, (), "beta")
    beta = jnp.asarray(beta, dtype=float)
    d1 = jax.value_and_grad(log_z_fn)
    (log_z, dlz), d2 = jax.jvp(d1, (beta,), (jnp.ones_like(beta),))
    energy = -dlz
    heat_capacity = beta**2 * d2[1]
    free_energy = jnp.where(beta > 0, -log_z / jnp.where(beta > 0, beta, 1.0), -jnp.inf)
    entropy = log_z + beta * energy
    return Thermodynamics(log_z, free_energy, energy, heat_capacity, entropy)
