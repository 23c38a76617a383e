"""Parameter containers of Ising-type models and the square-lattice model description.

A sampler or estimator takes the model as data: :class:`LatticeParams` for the periodic square
lattice (the fast lattice kernels, Kaufman and the transfer matrix), :class:`GraphParams` for any
:class:`~statmech.lattice.Graph`, :class:`DenseParams` for dense pairwise models (Boltzmann
machines, Hopfield networks, SK). :class:`SquareLattice` names the lattice model for
:func:`statmech.log_z`. Re-exported by :mod:`statmech.mcmc` and :mod:`statmech.estimators`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["LatticeParams", "GraphParams", "DenseParams", "SquareLattice", "lattice_energy"]


class LatticeParams(NamedTuple):
    """Ising couplings and fields on a periodic L x M square lattice (as the transfer matrix).

    E(s) = -sum J_right[i,j] s_ij s_i,j+1 - sum J_down[i,j] s_ij s_i+1,j - sum h[i,j] s_ij.
    Each entry is a scalar (uniform) or an [L, M] array.
    """

    J_right: Any = 1.0
    J_down: Any = 1.0
    h: Any = 0.0


class GraphParams(NamedTuple):
    """Ising couplings and fields on a graph: E(s) = -sum_e J_e s_a s_b - sum_i h_i s_i.

    ``J`` is a scalar or one coupling per edge [E]; ``h`` a scalar or one field per node [n].
    """

    J: Any = 1.0
    h: Any = 0.0


class DenseParams(NamedTuple):
    """A dense pairwise model (Boltzmann machine, Hopfield net, SK): E = -1/2 x.W.x - b.x.

    ``W`` is symmetric [n, n]; its diagonal is ignored by the samplers (it is a constant for
    +-1 spins and a bias for {0, 1} units). ``b`` is [n].
    """

    W: Any
    b: Any


class SquareLattice(NamedTuple):
    """The Ising model on the periodic L x M square lattice, with :class:`LatticeParams`
    ``(J_right, J_down, h)`` (scalars or [L, M]) and energy :func:`lattice_energy`. Every
    method of :func:`statmech.log_z` applies to it."""

    L: int
    M: int | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(L, M), with M = L when not given."""
        return (self.L, self.L if self.M is None else self.M)


def lattice_energy(params: LatticeParams, spins: jax.Array) -> jax.Array:
    """E(s) = -sum J_right s_ij s_i,j+1 - sum J_down s_ij s_i+1,j - sum h s_ij on the periodic
    lattice, the energy the lattice kernels sample (spins [L, M], float).

    Example:
      >>> import jax.numpy as jnp
      >>> float(lattice_energy(LatticeParams(), jnp.ones((4, 4))))    # 32 bonds
      -32.0
    """
    s = jnp.asarray(spins)
    s = s.astype(jnp.promote_types(s.dtype, jnp.float32)) if not jnp.issubdtype(
        s.dtype, jnp.floating) else s
    jr, jd, h = (jnp.asarray(p, s.dtype) for p in params)
    return -(jnp.sum(jr * s * jnp.roll(s, -1, 1)) + jnp.sum(jd * s * jnp.roll(s, -1, 0))
             + jnp.sum(h * s))
