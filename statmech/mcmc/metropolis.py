"""Metropolis sampling with single-spin-flip proposals.

A flip of unit i changes the energy by dE = 2 s_i phi_i (+-1 spins) or -(1 - 2 x_i) phi_i
({0, 1} units) and is accepted with probability min(1, exp(-beta dE)). Sites are visited a block
at a time (checkerboard sublattices, graph colours, unit by unit for dense models) or at random.

References:
  N. Metropolis, A. W. Rosenbluth, M. N. Rosenbluth, A. H. Teller and E. Teller,
  J. Chem. Phys. 21, 1087 (1953).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from statmech.mcmc._local import make_algorithm
from statmech.mcmc.base import SamplingAlgorithm, SpinState

__all__ = ["init", "build_kernel", "metropolis"]


def _rule(spins_domain: tuple[float, float]):
    if spins_domain == (-1.0, 1.0):
        def rule(s, field, u, beta):
            accept = u < jnp.exp(jnp.minimum(0.0, -2.0 * beta * s * field))
            return jnp.where(accept, -s, s)
    else:
        def rule(s, field, u, beta):
            accept = u < jnp.exp(jnp.minimum(0.0, beta * (1.0 - 2.0 * s) * field))
            return jnp.where(accept, 1.0 - s, s)
    return rule


def _flip_prob(x, beta):
    """P(flip) of a +-1 spin with s * phi = x: min(1, exp(-2 beta x))."""
    return jnp.exp(jnp.minimum(0.0, -2.0 * beta * x))


def init(position: Any) -> SpinState:
    """The state of a chain started at ``position`` (+-1 or {0, 1} units), stored as int8."""
    return SpinState(jnp.asarray(position).astype(jnp.int8))


def build_kernel(structure: Any = "lattice", *, scan: str = "block",
                 shape: tuple[int, int] | None = None, spins: tuple[int, int] = (-1, 1)):
    """The Metropolis ``step(key, state, params, beta) -> (SpinState, LocalInfo)``.

    Args: as :func:`metropolis`.
    """
    return metropolis(structure, scan=scan, shape=shape, spins=spins).step


def metropolis(structure: Any = "lattice", *, scan: str = "block",
               shape: tuple[int, int] | None = None, spins: tuple[int, int] = (-1, 1)
               ) -> SamplingAlgorithm:
    """Metropolis single-spin-flip sampler, min(1, exp(-beta dE)) acceptance.

    Args:
      structure: ``"lattice"``, a :class:`statmech.lattice.Graph`, or ``"dense"``.
      scan: ``"block"`` or ``"random"``.
      shape: (L, M) for a random-scan lattice kernel.
      spins: (-1, 1), or (0, 1) for dense Boltzmann machines.

    Returns:
      ``SamplingAlgorithm(init, step)``; Info carries the acceptance rate.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.mcmc import metropolis, LatticeParams
      >>> algo = metropolis("lattice")
      >>> state = algo.init(jnp.ones((4, 4), jnp.int8))
      >>> _, info = algo.step(jax.random.key(1), state, LatticeParams(), 0.0)
      >>> float(info.acceptance_rate)   # beta = 0: every proposal is accepted
      1.0

    References:
      Metropolis et al., J. Chem. Phys. 21, 1087 (1953).
    """
    return make_algorithm(_rule, _flip_prob, structure, scan, shape, spins)
