"""Tests for statmech.lattice.graph: Graph, from_edges, complete, bipartite."""

import doctest
from collections import Counter
from itertools import combinations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.lattice import (
    Graph,
    bipartite,
    complete,
    from_edges,
    graph,
    greedy_coloring,
    is_proper_coloring,
)


def check_tables(g):
    """Invariants every Graph satisfies, checked against the edge list."""
    assert isinstance(g, Graph)
    for arr in (g.edges, g.colors, g.neighbors, g.degree):
        assert arr.dtype == np.int32
    assert g.edges.ndim == 2 and g.edges.shape[1] == 2
    assert np.array_equal(g.degree, np.bincount(g.edges.ravel(), minlength=g.n_nodes))
    assert g.neighbors.shape == (g.n_nodes, g.degree.max(initial=0))
    for v in range(g.n_nodes):
        row = g.neighbors[v].tolist()
        expected = Counter([b for a, b in g.edges.tolist() if a == v]
                           + [a for a, b in g.edges.tolist() if b == v])
        assert Counter(row[: g.degree[v]]) == expected
        assert all(u == g.n_nodes for u in row[g.degree[v]:])
    assert is_proper_coloring(g.edges, g.colors)
    assert g.n_colors == g.colors.max() + 1
    assert set(g.colors.tolist()) == set(range(g.n_colors))
    assert g.bipartite is (g.n_colors == 2)


def test_from_edges_cycle():
    g = from_edges(5, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]])
    check_tables(g)
    assert g.edges.tolist() == [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]]
    assert g.shape == (5,) and g.periodic is False
    assert g.n_colors == 3 and not g.bipartite  # odd cycle
    g = from_edges(6, [[i, (i + 1) % 6] for i in range(6)])
    check_tables(g)
    assert g.n_colors == 2 and g.bipartite
    assert g.neighbors.tolist()[0] == [1, 5]  # bonds (0, u) first, then (u, 0)


def test_from_edges_finds_two_colouring_where_greedy_does_not():
    # Crown graph interleaved as a_i = 2i, b_i = 2i + 1, a_i ~ b_j for i != j: greedy in index
    # order needs k colours, yet the graph is bipartite.
    k = 5
    edges = [[2 * i, 2 * j + 1] for i in range(k) for j in range(k) if i != j]
    assert greedy_coloring(2 * k, edges).max() + 1 == k
    g = from_edges(2 * k, edges)
    check_tables(g)
    assert g.bipartite and g.n_colors == 2


def test_from_edges_disconnected_and_isolated():
    g = from_edges(7, [[0, 1], [1, 2], [2, 0], [4, 5]])  # triangle, isolated 3 and 6, an edge
    check_tables(g)
    assert g.degree.tolist() == [2, 2, 2, 0, 1, 1, 0]
    assert g.neighbors[3].tolist() == [7, 7]
    assert g.n_colors == 3


@pytest.mark.parametrize("empty", [[], np.zeros((0, 2), int), np.zeros((0,))])
def test_from_edges_empty(empty):
    g = from_edges(3, empty)
    assert g.edges.shape == (0, 2) and g.neighbors.shape == (3, 0)
    assert g.degree.tolist() == [0, 0, 0] and g.n_colors == 1 and not g.bipartite


def test_from_edges_accepts_integer_valued_arrays():
    ref = from_edges(3, [[0, 1], [1, 2]])
    for edges in (np.array([[0, 1], [1, 2]], np.int64), np.array([[0.0, 1.0], [1.0, 2.0]]),
                  jnp.array([[0, 1], [1, 2]]), ((0, 1), (1, 2))):
        g = from_edges(3, edges)
        assert g.edges.dtype == np.int32 and np.array_equal(g.edges, ref.edges)


@pytest.mark.parametrize(("edges", "error", "match"), [
    ([[0, 1, 2]], ValueError, r"edges must have shape \[E, 2\], got shape \(1, 3\)"),
    ([0, 1], ValueError, r"edges must have shape \[E, 2\], got shape \(2,\)"),
    (np.zeros((2, 2, 2), int), ValueError, r"edges must have shape"),
    ([[0, 1], [2]], ValueError, r"edges must be an integer array"),
    ([[0, 5]], ValueError, r"edges must hold node indices in \[0, 5\), got \[0, 5\] at edge 0"),
    ([[0, 1], [-1, 2]], ValueError, r"edges must hold node indices in \[0, 5\).*at edge 1"),
    ([[0, 1], [2, 2]], ValueError, r"edges must not contain self-loops, got \[2, 2\] at edge 1"),
    ([[0, 1], [1, 2], [1, 0]], ValueError, r"edges must not repeat a bond.*edge 0.*edge 2"),
    ([[3, 4], [3, 4]], ValueError, r"edges must not repeat a bond"),
    ([[0, 1.5]], ValueError, r"edges must hold integer node indices, got non-integer value 1.5"),
    ([[0, np.nan]], ValueError, r"edges must hold integer node indices"),
    ([[True, False]], TypeError, r"edges must hold integer node indices, got dtype bool"),
    ([[0j, 1]], TypeError, r"edges must hold integer node indices, got dtype complex"),
    ("01", TypeError, r"edges must be"),
    (None, TypeError, r"edges must be"),
])
def test_from_edges_validation(edges, error, match):
    with pytest.raises(error, match=match):
        from_edges(5, edges)


def test_from_edges_rejects_tracers():
    with pytest.raises(TypeError, match="edges must be a concrete"):
        jax.jit(lambda e: from_edges(3, e).n_nodes)(jnp.array([[0, 1]]))


def test_from_edges_n_nodes_validation():
    with pytest.raises(ValueError, match=r"^n_nodes must be >= 1, got 0$"):
        from_edges(0, [])
    with pytest.raises(TypeError, match="^n_nodes must be"):
        from_edges(3.0, [[0, 1]])


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_complete(n):
    g = complete(n)
    check_tables(g)
    assert [tuple(e) for e in g.edges.tolist()] == list(combinations(range(n), 2))
    assert np.all(g.degree == n - 1) and g.n_colors == n
    assert g.bipartite is (n == 2)
    assert g.shape == (n,) and g.periodic is False


def test_complete_errors():
    with pytest.raises(ValueError, match=r"^n must be >= 2, got 1$"):
        complete(1)
    with pytest.raises(TypeError, match="^n must be"):
        complete(2.5)


@pytest.mark.parametrize(("n_left", "n_right"), [(1, 1), (1, 4), (3, 2), (4, 6)])
def test_bipartite(n_left, n_right):
    g = bipartite(n_left, n_right)
    check_tables(g)
    n = n_left + n_right
    assert g.n_nodes == n and g.shape == (n,)
    assert g.edges.shape == (n_left * n_right, 2)
    assert np.all(g.edges[:, 0] < n_left) and np.all(g.edges[:, 1] >= n_left)
    assert len({tuple(e) for e in g.edges.tolist()}) == n_left * n_right
    assert g.colors.tolist() == [0] * n_left + [1] * n_right
    assert g.degree.tolist() == [n_right] * n_left + [n_left] * n_right
    assert g.bipartite and g.n_colors == 2
    # RBM energy -v.W.h through the edge list equals the matrix form.
    rng = np.random.default_rng(n)
    W = rng.normal(size=(n_left, n_right))
    v, h = rng.integers(0, 2, n_left), rng.integers(0, 2, n_right)
    x = np.concatenate([v, h])
    w_edges = W[g.edges[:, 0], g.edges[:, 1] - n_left]
    assert np.isclose(np.sum(w_edges * x[g.edges[:, 0]] * x[g.edges[:, 1]]), v @ W @ h)


def test_bipartite_errors():
    with pytest.raises(ValueError, match=r"^n_left must be >= 1, got 0$"):
        bipartite(0, 3)
    with pytest.raises(ValueError, match=r"^n_right must be >= 1, got 0$"):
        bipartite(3, 0)
    with pytest.raises(TypeError, match="^n_right must be"):
        bipartite(3, None)


def test_tables_are_read_only():
    g = complete(3)
    with pytest.raises(ValueError):
        g.edges[0, 0] = 2


def test_sentinel_gather_under_jit():
    g = from_edges(4, [[0, 1], [1, 2], [2, 0], [2, 3]])
    s = jnp.array([1.0, -1.0, 1.0, 1.0])
    field = jax.jit(lambda s: jnp.append(s, 0.0)[g.neighbors].sum(-1))(s)
    assert field.tolist() == [0.0, 2.0, 1.0, 1.0]


def test_docstring_examples():
    assert doctest.testmod(graph).failed == 0
