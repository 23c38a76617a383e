"""Regular lattices: square, simple cubic and triangular, periodic or open.

Sites are numbered in row-major (C) order of their coordinates. Each site owns the bonds to its
"next" sites, one per bond direction, wrapping modulo the size on a periodic lattice and omitted
across the boundary of an open one. Edges are grouped by direction and, within a group, listed in
node order. With ``s`` the spins as an array of the lattice shape, a periodic lattice's edge sum
``sum_(a,b) s_a s_b`` is the roll sum ``sum_d sum(s * roll(s, -1, d))`` over the bond directions
(for size-2 axes too: the bond there appears twice, see :class:`~statmech.lattice.Graph`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from statmech.lattice.coloring import checkerboard_coloring, greedy_coloring
from statmech.lattice.graph import _MAX_NODES, Graph, _make_graph
from statmech.validate import check_static_int

__all__ = ["square", "cubic", "triangular"]


def _check_sizes(names: tuple[str, ...], sizes: tuple[Any, ...], periodic: Any) -> tuple[int, ...]:
    """Sizes: ints >= 2, defaulting to the first one when ``None``; ``periodic`` a bool."""
    out: list[int] = []
    for name, size in zip(names, sizes, strict=True):
        out.append(out[0] if size is None and out else check_static_int(size, name, minimum=2))
    if not isinstance(periodic, (bool, np.bool_)):
        raise TypeError(f"periodic must be a bool, got {type(periodic).__name__} {periodic!r}")
    n_nodes = int(np.prod(out, dtype=object))
    if n_nodes > _MAX_NODES:
        raise ValueError(f"the lattice {'x'.join(map(str, out))} has {n_nodes} sites, more than "
                         f"int32 indices allow ({_MAX_NODES})")
    return tuple(out)


def _bonds(shape: tuple[int, ...], offsets: list[tuple[int, ...]], periodic: bool) -> np.ndarray:
    """Edges ``(x, x + offset)``, grouped by offset, in node order within a group."""
    coords = np.indices(shape).reshape(len(shape), -1)
    dims = np.asarray(shape)[:, None]
    groups = []
    for offset in offsets:
        target = coords + np.asarray(offset)[:, None]
        if periodic:
            target %= dims
            keep = slice(None)
        else:
            keep = np.all(target < dims, axis=0)
        a = np.ravel_multi_index(tuple(coords[:, keep]), shape)
        b = np.ravel_multi_index(tuple(target[:, keep]), shape)
        groups.append(np.stack([a, b], axis=1))
    return np.concatenate(groups).astype(np.int32)


def _hypercubic(shape: tuple[int, ...], offsets: list[tuple[int, ...]], periodic: bool) -> Graph:
    n_nodes = int(np.prod(shape))
    edges = _bonds(shape, offsets, periodic)
    if not periodic or all(s % 2 == 0 for s in shape):
        colors = checkerboard_coloring(shape)
    else:  # an odd periodic size closes an odd cycle: not bipartite
        colors = greedy_coloring(n_nodes, edges)
    return _make_graph(n_nodes, edges, colors, shape, periodic)


def square(L: int, M: int | None = None, *, periodic: bool = True) -> Graph:
    """The square lattice: ``L`` rows by ``M`` columns, nearest-neighbour bonds.

    Site ``(i, j)`` is node ``i * M + j``. Edges are first the "right" bonds
    ``(i*M + j, i*M + (j+1) % M)``, then the "down" bonds ``(i*M + j, ((i+1) % L)*M + j)``, each
    group in row-major order of ``(i, j)``; on an open lattice the bonds across the boundary are
    skipped. Periodic: ``2 L M`` edges, every degree 4 (for a size-2 axis the two bonds between a
    pair are both kept). Open: ``L (M-1) + (L-1) M`` edges. The colouring is the checkerboard
    ``(i + j) % 2`` (``bipartite=True``) when open or when ``L`` and ``M`` are even, otherwise
    the greedy colouring.

    Args:
      L: number of rows, an int >= 2.
      M: number of columns, an int >= 2; defaults to ``L``.
      periodic: wrap both axes (a torus), a bool.

    Returns:
      A :class:`~statmech.lattice.Graph` with ``shape=(L, M)``.

    Example:
      >>> g = square(4); g.n_nodes, g.edges.shape
      (16, (32, 2))
      >>> g.neighbors[0].tolist(), g.bipartite  # right, down, left, up
      ([1, 4, 3, 12], True)
    """
    shape = _check_sizes(("L", "M"), (L, M), periodic)
    return _hypercubic(shape, [(0, 1), (1, 0)], periodic)


def cubic(L: int, M: int | None = None, N: int | None = None, *, periodic: bool = True) -> Graph:
    """The simple cubic lattice ``L x M x N``, nearest-neighbour bonds.

    Site ``(i, j, k)`` is node ``(i*M + j)*N + k``. As for :func:`square`, edges are first the
    ``j + 1`` bonds, then the ``i + 1`` bonds, then the ``k + 1`` bonds, each group in row-major
    order of ``(i, j, k)``, wrapping only when periodic. Periodic: ``3 L M N`` edges, every degree
    6. Open: ``(L-1) M N + L (M-1) N + L M (N-1)`` edges. Checkerboard ``(i + j + k) % 2`` when
    open or all sizes are even, otherwise greedy.

    Args:
      L: size along the first axis, an int >= 2.
      M: size along the second axis, an int >= 2; defaults to ``L``.
      N: size along the third axis, an int >= 2; defaults to ``L``.
      periodic: wrap all three axes, a bool.

    Returns:
      A :class:`~statmech.lattice.Graph` with ``shape=(L, M, N)``.

    Example:
      >>> g = cubic(4); g.n_nodes, g.edges.shape, g.n_colors
      (64, (192, 2), 2)
    """
    shape = _check_sizes(("L", "M", "N"), (L, M, N), periodic)
    return _hypercubic(shape, [(0, 1, 0), (1, 0, 0), (0, 0, 1)], periodic)


def triangular(L: int, M: int | None = None, *, periodic: bool = True) -> Graph:
    """The triangular lattice: the square lattice plus the diagonal ``(i, j) - (i+1, j+1)``.

    Site ``(i, j)`` is node ``i * M + j``. Edges are the right bonds and the down bonds exactly as
    in :func:`square`, then the diagonal bonds ``(i*M + j, ((i+1) % L)*M + (j+1) % M)``. Periodic:
    ``3 L M`` edges, every degree 6. Open: ``L (M-1) + (L-1) M + (L-1)(M-1)`` edges. Every bond
    changes ``i + j`` by 1 or 2 (mod 3 also across a periodic boundary when ``L`` and ``M`` are
    multiples of 3), so the colouring is the exact 3-colouring ``(i + j) % 3`` when open or when
    ``3`` divides ``L`` and ``M``; otherwise the greedy colouring. Never bipartite.

    Args:
      L: number of rows, an int >= 2.
      M: number of columns, an int >= 2; defaults to ``L``.
      periodic: wrap both axes, a bool.

    Returns:
      A :class:`~statmech.lattice.Graph` with ``shape=(L, M)``.

    Example:
      >>> g = triangular(3); g.edges.shape, g.n_colors, g.colors.tolist()
      ((27, 2), 3, [0, 1, 2, 1, 2, 0, 2, 0, 1])
    """
    shape = _check_sizes(("L", "M"), (L, M), periodic)
    n_nodes = shape[0] * shape[1]
    edges = _bonds(shape, [(0, 1), (1, 0), (1, 1)], periodic)
    if not periodic or (shape[0] % 3 == 0 and shape[1] % 3 == 0):
        colors = (np.indices(shape).sum(axis=0) % 3).ravel()
    else:
        colors = greedy_coloring(n_nodes, edges)
    return _make_graph(n_nodes, edges, colors, shape, periodic)
