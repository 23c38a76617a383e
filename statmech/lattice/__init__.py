"""Graphs, lattices and colourings as static int32 tables.

Built once in plain numpy at construction time and closed over by energy functions and samplers:
edge lists for energies, padded neighbour tables for local fields, and proper colourings for
parallel (checkerboard / colour-class) Gibbs updates.

Parameter containers of Ising-type models (:class:`LatticeParams`, :class:`GraphParams`,
:class:`DenseParams`), the model :class:`SquareLattice` and its :func:`lattice_energy` live in
:mod:`statmech.lattice.params`. Lattices: :func:`square`, :func:`cubic`, :func:`triangular`.
General graphs: :func:`from_edges`, :func:`complete`, :func:`bipartite`. Colourings:
:func:`greedy_coloring`, :func:`checkerboard_coloring`, :func:`is_proper_coloring`.
"""

from statmech.lattice.coloring import checkerboard_coloring, greedy_coloring, is_proper_coloring
from statmech.lattice.graph import Graph, bipartite, complete, from_edges
from statmech.lattice.lattices import cubic, square, triangular
from statmech.lattice.params import (
    DenseParams,
    GraphParams,
    LatticeParams,
    SquareLattice,
    lattice_energy,
)

__all__ = [
    "Graph",
    "square",
    "cubic",
    "triangular",
    "from_edges",
    "complete",
    "bipartite",
    "greedy_coloring",
    "checkerboard_coloring",
    "is_proper_coloring",
    "LatticeParams",
    "GraphParams",
    "DenseParams",
    "SquareLattice",
    "lattice_energy",
]
