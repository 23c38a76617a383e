"""Tests for statmech.lattice.coloring: greedy and checkerboard colourings."""

import doctest
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statmech.lattice import (
    checkerboard_coloring,
    coloring,
    from_edges,
    greedy_coloring,
    is_proper_coloring,
    square,
)


def is_two_colourable(n, edges):
    """Brute force over all 2^n assignments."""
    bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    if len(edges) == 0:
        return True
    e = np.asarray(edges)
    return bool(np.any(np.all(bits[:, e[:, 0]] != bits[:, e[:, 1]], axis=1)))


@st.composite
def random_graphs(draw):
    n = draw(st.integers(1, 10))
    pairs = list(combinations(range(n), 2))
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True) if pairs else st.just([]))
    flips = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    return n, [[b, a] if f else [a, b] for (a, b), f in zip(chosen, flips, strict=True)]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(random_graphs())
def test_greedy_is_proper_and_within_bounds(graph):
    n, edges = graph
    colors = greedy_coloring(n, edges)
    assert colors.dtype == np.int32 and colors.shape == (n,)
    assert is_proper_coloring(edges, colors)
    degree = np.bincount(np.asarray(edges, int).ravel(), minlength=n)
    n_colors = colors.max() + 1
    assert set(colors.tolist()) == set(range(n_colors))
    assert n_colors <= degree.max() + 1
    # The Welsh-Powell bound: max_i min(d_i + 1, i) over degrees sorted in decreasing order.
    d = np.sort(degree)[::-1]
    assert n_colors <= max(min(d[i] + 1, i + 1) for i in range(n))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(random_graphs())
def test_from_edges_colouring_and_bipartite_flag(graph):
    n, edges = graph
    g = from_edges(n, edges)
    assert is_proper_coloring(g.edges, g.colors)
    assert g.n_colors <= g.degree.max(initial=0) + 1
    # bipartite iff the graph has an edge and a proper 2-colouring exists.
    assert g.bipartite is (len(edges) > 0 and is_two_colourable(n, edges))


def test_greedy_visits_largest_degree_first():
    # Star with the centre last: centre first (colour 0), leaves then take colour 1.
    edges = [[i, 4] for i in range(4)]
    assert greedy_coloring(5, edges).tolist() == [1, 1, 1, 1, 0]
    # Path 0-1-2-3: degrees 1,2,2,1; order 1, 2, 0, 3 (ties by index).
    assert greedy_coloring(4, [[0, 1], [1, 2], [2, 3]]).tolist() == [1, 0, 1, 0]


def test_greedy_known_chromatic_numbers():
    odd_cycle = [[i, (i + 1) % 7] for i in range(7)]
    assert greedy_coloring(7, odd_cycle).max() + 1 == 3
    k5 = list(combinations(range(5), 2))
    assert greedy_coloring(5, k5).tolist() == [0, 1, 2, 3, 4]
    assert greedy_coloring(3, []).tolist() == [0, 0, 0]


def test_greedy_allows_parallel_bonds():
    g = square(2)  # periodic size 2: every bond is doubled
    colors = greedy_coloring(g.n_nodes, g.edges)
    assert is_proper_coloring(g.edges, colors) and colors.max() + 1 == 2


def test_greedy_validation():
    with pytest.raises(ValueError, match=r"^n_nodes must be >= 1, got 0$"):
        greedy_coloring(0, [])
    with pytest.raises(TypeError, match="^n_nodes must be"):
        greedy_coloring("3", [[0, 1]])
    with pytest.raises(ValueError, match=r"edges must hold node indices in \[0, 3\)"):
        greedy_coloring(3, [[0, 3]])
    with pytest.raises(ValueError, match="edges must not contain self-loops"):
        greedy_coloring(3, [[1, 1]])
    with pytest.raises(ValueError, match=r"edges must have shape \[E, 2\]"):
        greedy_coloring(3, [[0, 1, 2]])
    with pytest.raises(ValueError, match="edges must hold integer node indices"):
        greedy_coloring(3, [[0.5, 1]])


@pytest.mark.parametrize("shape", [(2, 3), (5,), (3, 4, 5), (1, 4)])
def test_checkerboard_is_coordinate_parity(shape):
    colors = checkerboard_coloring(shape)
    assert colors.dtype == np.int32 and colors.shape == (int(np.prod(shape)),)
    coords = np.unravel_index(np.arange(colors.size), shape)
    assert np.array_equal(colors, sum(coords) % 2)


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (3, 4), (5, 7)])
def test_checkerboard_proper_on_open_square(shape):
    g = square(*shape, periodic=False)
    colors = checkerboard_coloring(shape)
    assert is_proper_coloring(g.edges, colors)
    assert set(colors.tolist()) == {0, 1}
    # On a periodic lattice it is proper only when every size is even.
    periodic_ok = all(s % 2 == 0 for s in shape)
    assert is_proper_coloring(square(*shape).edges, colors) is periodic_ok


def test_checkerboard_validation():
    assert checkerboard_coloring(3).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match=r"^shape\[1\] must be >= 1, got 0$"):
        checkerboard_coloring((3, 0))
    with pytest.raises(TypeError, match=r"^shape\[0\] must be"):
        checkerboard_coloring((1.5, 2))
    with pytest.raises(ValueError, match="at least one dimension"):
        checkerboard_coloring(())


def test_is_proper_coloring():
    triangle = [[0, 1], [1, 2], [2, 0]]
    assert is_proper_coloring(triangle, [0, 1, 2]) is True
    assert is_proper_coloring(triangle, np.array([0, 1, 0])) is False
    assert is_proper_coloring([], [0]) is True
    assert is_proper_coloring([[0, 1], [0, 1]], [3, 7]) is True  # parallel bonds allowed


def test_is_proper_coloring_validation():
    with pytest.raises(ValueError, match=r"edges must hold node indices in \[0, 2\)"):
        is_proper_coloring([[0, 2]], [0, 1])
    with pytest.raises(ValueError, match="colors must be one-dimensional"):
        is_proper_coloring([[0, 1]], [[0, 1]])
    with pytest.raises(TypeError, match="colors must be an integer array"):
        is_proper_coloring([[0, 1]], [0.0, 1.0])


def test_docstring_examples():
    assert doctest.testmod(coloring).failed == 0
