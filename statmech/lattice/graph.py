"""Graphs as static int32 tables: edge list, neighbour table, degrees and a proper colouring.

A :class:`Graph` is built once, in plain numpy, and closed over by energy functions and samplers
(it is data about the *structure*; couplings and fields are traced arguments elsewhere). All
arrays are read-only ``int32``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from statmech.lattice.coloring import _adjacency, _check_edges, greedy_coloring
from statmech.validate import check_static_int

__all__ = ["Graph", "from_edges", "complete", "bipartite"]

_MAX_NODES = 2**31 - 2  # the sentinel n_nodes must fit in int32


class Graph(NamedTuple):
    """An undirected graph with a proper colouring, as static int32 tables.

    Attributes:
      n_nodes: number of nodes (sites).
      edges: ``int32 [E, 2]``, each bond once. A lattice with a *periodic axis of size 2* is the
        documented exception: the bond to the next site and the bond to the previous site join the
        same pair, and both are kept, exactly as ``sum(s * jnp.roll(s, -1, axis))`` counts them.
      colors: ``int32 [n_nodes]``, a proper colouring (no edge joins two nodes of one colour).
      n_colors: number of colours used, ``colors.max() + 1``.
      neighbors: ``int32 [n_nodes, max_degree]``; row ``v`` lists the other endpoint of every
        bond at ``v`` (bonds ``(v, u)`` in edge order, then bonds ``(u, v)``), padded with the
        sentinel ``n_nodes``. Append a zero to a spin vector and ``s[neighbors].sum(-1)`` is the
        local field. Parallel bonds appear once per bond.
      degree: ``int32 [n_nodes]``, bonds per node (with multiplicity), the unpadded row lengths.
      shape: lattice shape, e.g. ``(L, M)``; ``(n_nodes,)`` for a general graph.
      periodic: whether the lattice wraps around; ``False`` for a general graph.
      bipartite: ``True`` exactly when ``colors`` is a proper 2-colouring (checkerboard updates).
    """

    n_nodes: int
    edges: np.ndarray
    colors: np.ndarray
    n_colors: int
    neighbors: np.ndarray
    degree: np.ndarray
    shape: tuple[int, ...]
    periodic: bool
    bipartite: bool


def _readonly(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.int32)
    x.setflags(write=False)
    return x


def _neighbor_table(n_nodes: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Padded neighbour table and degrees of a validated ``[E, 2]`` edge list."""
    src = np.concatenate([edges[:, 0], edges[:, 1]]).astype(np.int64)
    dst = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    degree = np.bincount(src, minlength=n_nodes)
    start = np.cumsum(degree) - degree
    table = np.full((n_nodes, int(degree.max(initial=0))), n_nodes, dtype=np.int32)
    table[src, np.arange(src.size) - start[src]] = dst
    return table, degree


def _make_graph(n_nodes: int, edges: np.ndarray, colors: np.ndarray, shape: tuple[int, ...],
                periodic: bool) -> Graph:
    """Assemble a :class:`Graph`, verifying that ``colors`` is proper."""
    edges = np.asarray(edges, dtype=np.int32).reshape(-1, 2)
    colors = np.asarray(colors, dtype=np.int32)
    if colors.shape != (n_nodes,) or np.any(colors[edges[:, 0]] == colors[edges[:, 1]]):
        raise RuntimeError("internal error: the colouring is not proper")  # pragma: no cover
    neighbors, degree = _neighbor_table(n_nodes, edges)
    n_colors = int(colors.max()) + 1
    return Graph(n_nodes=n_nodes, edges=_readonly(edges), colors=_readonly(colors),
                 n_colors=n_colors, neighbors=_readonly(neighbors), degree=_readonly(degree),
                 shape=tuple(shape), periodic=bool(periodic), bipartite=n_colors == 2)


def _two_coloring(n_nodes: int, edges: np.ndarray) -> np.ndarray | None:
    """A proper 2-colouring by breadth-first search, or ``None`` when there is an odd cycle."""
    adj = _adjacency(n_nodes, edges)
    colors = [-1] * n_nodes
    for root in range(n_nodes):
        if colors[root] >= 0:
            continue
        colors[root] = 0
        frontier = [root]
        while frontier:
            v = frontier.pop()
            for u in adj[v]:
                if colors[u] < 0:
                    colors[u] = 1 - colors[v]
                    frontier.append(u)
                elif colors[u] == colors[v]:
                    return None
    return np.asarray(colors, dtype=np.int32)


def from_edges(n_nodes: int, edges: Any) -> Graph:
    """A general graph from an edge list.

    The colouring is the exact 2-colouring when the graph is bipartite (found by breadth-first
    search; ``bipartite=True`` when it uses both colours), otherwise the greedy
    largest-degree-first colouring of :func:`greedy_coloring`.

    Args:
      n_nodes: number of nodes, an int >= 1.
      edges: integer array ``[E, 2]`` (integer-valued floats are accepted) of node indices in
        ``[0, n_nodes)``; no self-loops and no bond twice (``(a, b)`` and ``(b, a)`` count as
        the same bond). Orientation and order are kept as given.

    Returns:
      A :class:`Graph` with ``shape=(n_nodes,)`` and ``periodic=False``.

    Raises:
      TypeError: ``edges`` is not an integer array (bool, complex, strings, a tracer).
      ValueError: wrong shape, non-integer values, an index out of range, a self-loop or a
        repeated bond; the message names ``edges``.

    Example:
      >>> g = from_edges(4, [[0, 1], [1, 2], [2, 3], [3, 0]])  # a 4-cycle
      >>> g.n_colors, g.bipartite, g.degree.tolist()
      (2, True, [2, 2, 2, 2])
    """
    n_nodes = check_static_int(n_nodes, "n_nodes", minimum=1, maximum=_MAX_NODES)
    edges = _check_edges(edges, n_nodes, allow_duplicates=False)
    colors = _two_coloring(n_nodes, edges)
    if colors is None:
        colors = greedy_coloring(n_nodes, edges)
    return _make_graph(n_nodes, edges, colors, (n_nodes,), periodic=False)


def complete(n: int) -> Graph:
    """The complete graph ``K_n``: every pair of nodes joined by one bond.

    Edges are all pairs ``(i, j)`` with ``i < j`` in lexicographic order, ``n (n - 1) / 2`` of
    them; node ``i`` has colour ``i`` (``n`` colours, the chromatic number). The fully connected
    Boltzmann machine and the Hopfield network live on this graph.

    Args:
      n: number of nodes, an int >= 2.

    Returns:
      A :class:`Graph` with ``shape=(n,)``, ``periodic=False``; ``bipartite`` only for ``n = 2``.

    Example:
      >>> g = complete(4)
      >>> g.edges.shape, g.n_colors, g.degree.tolist()
      ((6, 2), 4, [3, 3, 3, 3])
    """
    n = check_static_int(n, "n", minimum=2, maximum=_MAX_NODES)
    i, j = np.triu_indices(n, k=1)
    edges = np.stack([i, j], axis=1)
    return _make_graph(n, edges, np.arange(n), (n,), periodic=False)


def bipartite(n_left: int, n_right: int) -> Graph:
    """The complete bipartite graph ``K_{n_left, n_right}`` (the restricted Boltzmann machine).

    Nodes ``0 .. n_left - 1`` form the left (visible) layer with colour 0 and nodes
    ``n_left .. n_left + n_right - 1`` the right (hidden) layer with colour 1. Edges are
    ``(i, n_left + j)`` for every left ``i`` and right ``j``, ``i`` major.

    Args:
      n_left: size of the left layer, an int >= 1.
      n_right: size of the right layer, an int >= 1.

    Returns:
      A :class:`Graph` with ``shape=(n_left + n_right,)``, ``periodic=False``, ``bipartite=True``.

    Example:
      >>> g = bipartite(2, 3)
      >>> g.edges.tolist(), g.colors.tolist()
      ([[0, 2], [0, 3], [0, 4], [1, 2], [1, 3], [1, 4]], [0, 0, 1, 1, 1])
    """
    n_left = check_static_int(n_left, "n_left", minimum=1, maximum=_MAX_NODES)
    n_right = check_static_int(n_right, "n_right", minimum=1, maximum=_MAX_NODES - n_left)
    n = n_left + n_right
    i, j = np.meshgrid(np.arange(n_left), np.arange(n_left, n), indexing="ij")
    edges = np.stack([i.ravel(), j.ravel()], axis=1)
    colors = (np.arange(n) >= n_left).astype(np.int32)
    return _make_graph(n, edges, colors, (n,), periodic=False)
