"""Heat-bath (Gibbs) sampling: each unit is redrawn from its conditional distribution.

For +-1 spins, p(s_i = +1 | rest) = sigmoid(2 beta phi_i); for {0, 1} units,
p(x_i = 1 | rest) = sigmoid(beta phi_i), with phi_i the local field (the energy falls by
phi_i per unit increase of s_i). Sites are updated a block at a time (checkerboard sublattices,
graph colours, or unit by unit for dense models) or at random sites.

References:
  S. Geman and D. Geman, IEEE PAMI 6, 721 (1984); R. J. Glauber, J. Math. Phys. 4, 294 (1963).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from statmech.mcmc._local import make_algorithm
from statmech.mcmc.base import SamplingAlgorithm, SpinState

__all__ = ["init", "build_kernel", "heat_bath"]


def _rule(spins_domain: tuple[float, float]):
    if spins_domain == (-1.0, 1.0):
        def rule(s, field, u, beta):
            return jnp.where(u < jax.nn.sigmoid(2.0 * beta * field), 1.0, -1.0).astype(s.dtype)
    else:
        def rule(s, field, u, beta):
            return jnp.where(u < jax.nn.sigmoid(beta * field), 1.0, 0.0).astype(s.dtype)
    return rule


def _flip_prob(x, beta):
    """P(flip) of a +-1 spin with s * phi = x: sigmoid(-2 beta x)."""
    return jax.nn.sigmoid(-2.0 * beta * x)


def init(position: Any) -> SpinState:
    """The state of a chain started at ``position`` (+-1 or {0, 1} units), stored as int8."""
    return SpinState(jnp.asarray(position).astype(jnp.int8))


def build_kernel(structure: Any = "lattice", *, scan: str = "block",
                 shape: tuple[int, int] | None = None, spins: tuple[int, int] = (-1, 1)):
    """The heat-bath ``step(key, state, params, beta) -> (SpinState, LocalInfo)``.

    Args:
      structure: ``"lattice"`` (periodic square lattice, :class:`LatticeParams`), a
        :class:`statmech.lattice.Graph` (:class:`GraphParams`) or ``"dense"``
        (:class:`DenseParams`).
      scan: ``"block"`` (checkerboard / colour classes / unit by unit) or ``"random"``
        (n single-site updates at random sites per sweep).
      shape: (L, M), needed only for a random-scan lattice kernel.
      spins: unit values, (-1, 1) or, for ``"dense"``, (0, 1).
    """
    return heat_bath(structure, scan=scan, shape=shape, spins=spins).step


def heat_bath(structure: Any = "lattice", *, scan: str = "block",
              shape: tuple[int, int] | None = None, spins: tuple[int, int] = (-1, 1)
              ) -> SamplingAlgorithm:
    """Heat-bath (Gibbs) sampler: redraw each unit from its conditional, a block at a time.

    p(s_i = +1 | rest) = sigmoid(2 beta phi_i) for +-1 spins, sigmoid(beta phi_i) for {0, 1}
    units. One uniform random number per site update.

    Args:
      structure: ``"lattice"``, a :class:`statmech.lattice.Graph`, or ``"dense"``.
      scan: ``"block"`` or ``"random"``.
      shape: (L, M) for a random-scan lattice kernel.
      spins: (-1, 1), or (0, 1) for dense Boltzmann machines.

    Returns:
      ``SamplingAlgorithm(init, step)``; ``step(key, state, params, beta)``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.mcmc import heat_bath, LatticeParams
      >>> algo = heat_bath("lattice")
      >>> state = algo.init(jnp.ones((8, 8), jnp.int8))
      >>> state, info = jax.jit(algo.step)(jax.random.key(0), state, LatticeParams(), 0.44)
      >>> state.spins.shape, state.spins.dtype
      ((8, 8), dtype('int8'))

    References:
      S. Geman and D. Geman (1984); R. J. Glauber (1963).
    """
    return make_algorithm(_rule, _flip_prob, structure, scan, shape, spins)
