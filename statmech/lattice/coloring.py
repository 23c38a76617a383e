"""Proper vertex colourings as static int32 tables.

A colouring ``c`` of a graph is *proper* when no edge joins two nodes of the same colour,
``c[a] != c[b]`` for every edge ``(a, b)``. The nodes of one colour class are then mutually
independent, so a Gibbs/heat-bath sampler may update a whole class at once (the checkerboard
update on a bipartite lattice is the two-colour case).

Everything here is plain numpy, run once at construction time, outside any JAX transformation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from statmech.validate import check_static_int, is_concrete

__all__ = ["greedy_coloring", "checkerboard_coloring", "is_proper_coloring"]


def _check_edges(edges: Any, n_nodes: int, *, allow_duplicates: bool,
                 name: str = "edges") -> np.ndarray:
    """Validate an edge list against ``n_nodes`` nodes; return it as ``int32 [E, 2]``.

    Integer-valued floats are accepted; bools, complex numbers, non-integers, a shape other than
    ``[E, 2]``, indices outside ``[0, n_nodes)`` and self-loops are rejected. Repeated bonds
    (``(a, b)`` twice, or ``(a, b)`` and ``(b, a)``) are rejected unless ``allow_duplicates``.
    """
    if edges is None or isinstance(edges, (str, bytes)) or not is_concrete(edges):
        raise TypeError(f"{name} must be a concrete integer array of shape [E, 2], "
                        f"got {type(edges).__name__}")
    try:
        arr = np.asarray(edges)
    except (TypeError, ValueError) as err:  # ragged nesting
        raise ValueError(f"{name} must be an integer array of shape [E, 2]: {err}") from err
    if arr.size == 0 and arr.ndim <= 2 and (arr.ndim < 2 or arr.shape[1] == 2):
        return np.zeros((0, 2), dtype=np.int32)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer)
                                     or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must hold integer node indices, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape [E, 2], got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if np.any(bad):
            raise ValueError(f"{name} must hold integer node indices, got non-integer value "
                             f"{arr[bad][0].item()!r}")
    bad_rows = np.flatnonzero(np.any((arr < 0) | (arr >= n_nodes), axis=1))
    if bad_rows.size:
        e = bad_rows[0]
        raise ValueError(f"{name} must hold node indices in [0, {n_nodes}), got "
                         f"{arr[e].tolist()} at edge {e}")
    arr = arr.astype(np.int64)
    loops = np.flatnonzero(arr[:, 0] == arr[:, 1])
    if loops.size:
        e = loops[0]
        raise ValueError(f"{name} must not contain self-loops, got {arr[e].tolist()} at edge {e}")
    if not allow_duplicates:
        key = np.minimum(arr[:, 0], arr[:, 1]) * n_nodes + np.maximum(arr[:, 0], arr[:, 1])
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
        if np.any(counts > 1):
            e = first[np.flatnonzero(counts > 1)[0]]
            again = np.flatnonzero(key == key[e])[1]
            raise ValueError(f"{name} must not repeat a bond, got {arr[e].tolist()} at edge {e} "
                             f"and {arr[again].tolist()} at edge {again}")
    return arr.astype(np.int32)


def _adjacency(n_nodes: int, edges: np.ndarray) -> list[list[int]]:
    """Adjacency lists (with multiplicity) of a validated edge list."""
    adj: list[list[int]] = [[] for _ in range(n_nodes)]
    for a, b in edges.tolist():
        adj[a].append(b)
        adj[b].append(a)
    return adj


def greedy_coloring(n_nodes: int, edges: Any) -> np.ndarray:
    """Greedy proper colouring, largest degree first (Welsh-Powell).

    Nodes are visited in order of decreasing degree (ties by index) and each takes the smallest
    colour not already used by a neighbour. The result is proper and uses at most
    ``max_i min(d_i + 1, i)`` colours (``d_i`` the i-th largest degree, ``i`` from 1), so at most
    ``max_degree + 1``. Parallel bonds are allowed (they count towards the degree).

    Args:
      n_nodes: number of nodes, an int >= 1.
      edges: integer array ``[E, 2]`` of node indices in ``[0, n_nodes)``, no self-loops.

    Returns:
      ``int32 [n_nodes]`` colours ``0, 1, ..., n_colors - 1``.

    Example:
      >>> greedy_coloring(3, [[0, 1], [1, 2], [2, 0]]).tolist()  # a triangle needs 3
      [0, 1, 2]

    References:
      D. J. A. Welsh and M. B. Powell, "An upper bound for the chromatic number of a graph and its
      application to timetabling problems", The Computer Journal 10, 85 (1967).
    """
    n_nodes = check_static_int(n_nodes, "n_nodes", minimum=1)
    edges = _check_edges(edges, n_nodes, allow_duplicates=True)
    adj = _adjacency(n_nodes, edges)
    degree = np.bincount(edges.ravel(), minlength=n_nodes)
    colors = [-1] * n_nodes
    for v in np.argsort(-degree, kind="stable").tolist():
        used = {colors[u] for u in adj[v]}
        c = 0
        while c in used:
            c += 1
        colors[v] = c
    return np.asarray(colors, dtype=np.int32)


def checkerboard_coloring(shape: Any) -> np.ndarray:
    """The checkerboard 2-colouring of a hypercubic lattice: parity of the sum of coordinates.

    ``c(x) = (x_0 + x_1 + ... + x_{d-1}) mod 2``, flattened in row-major (C) order, so node
    ``i * M + j`` of an ``L x M`` lattice has colour ``(i + j) % 2``. It is proper for nearest
    neighbour bonds with open boundaries, and with periodic boundaries when every periodic size
    is even.

    Args:
      shape: lattice shape, a tuple of ints >= 1 (an int is taken as a 1-D shape).

    Returns:
      ``int32 [prod(shape)]`` colours in ``{0, 1}``.

    Example:
      >>> checkerboard_coloring((2, 3)).tolist()
      [0, 1, 0, 1, 0, 1]
    """
    if not isinstance(shape, (tuple, list)):
        shape = (shape,)
    shape = tuple(check_static_int(s, f"shape[{a}]", minimum=1) for a, s in enumerate(shape))
    if not shape:
        raise ValueError("shape must have at least one dimension, got ()")
    return (np.indices(shape).sum(axis=0) % 2).astype(np.int32).ravel()


def is_proper_coloring(edges: Any, colors: Any) -> bool:
    """Whether no edge joins two nodes of the same colour: ``colors[a] != colors[b]`` for all edges.

    Args:
      edges: integer array ``[E, 2]`` of node indices in ``[0, len(colors))``.
      colors: integer array ``[n_nodes]``, one colour per node.

    Returns:
      A Python ``bool``.

    Example:
      >>> is_proper_coloring([[0, 1], [1, 2]], [0, 1, 0]), is_proper_coloring([[0, 1]], [1, 1])
      (True, False)
    """
    if not is_concrete(colors):
        raise TypeError("colors must be a concrete integer array, got a tracer")
    colors = np.asarray(colors)
    if colors.ndim != 1:
        raise ValueError(f"colors must be one-dimensional [n_nodes], got shape {colors.shape}")
    if colors.dtype == np.bool_ or not np.issubdtype(colors.dtype, np.integer):
        raise TypeError(f"colors must be an integer array, got dtype {colors.dtype}")
    edges = _check_edges(edges, colors.shape[0], allow_duplicates=True)
    return bool(np.all(colors[edges[:, 0]] != colors[edges[:, 1]]))
