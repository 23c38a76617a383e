"""Tests for statmech.lattice.lattices: square, cubic and triangular lattices."""

import doctest
from collections import Counter

import jax.numpy as jnp
import numpy as np
import pytest

from statmech.lattice import cubic, is_proper_coloring, lattices, square, triangular

SIZES_2D = [(2, 2), (2, 3), (3, 2), (3, 3), (4, 4), (3, 5), (4, 6), (5, 5), (6, 3), (7, 4)]
SIZES_3D = [(2, 2, 2), (2, 3, 4), (3, 3, 3), (4, 4, 4), (3, 4, 5), (4, 2, 6)]
# Bond directions, in edge order, as coordinate steps.
STEPS = {
    square: [(0, 1), (1, 0)],
    triangular: [(0, 1), (1, 0), (1, 1)],
    cubic: [(0, 1, 0), (1, 0, 0), (0, 0, 1)],
}
CASES = ([(square, s) for s in SIZES_2D] + [(triangular, s) for s in SIZES_2D]
         + [(cubic, s) for s in SIZES_3D])
IDS = [f"{f.__name__}{'x'.join(map(str, s))}" for f, s in CASES]


def expected_n_edges(kind, shape, periodic):
    steps = np.asarray(STEPS[kind])
    if periodic:
        return len(steps) * int(np.prod(shape))
    return sum(int(np.prod(np.asarray(shape) - step)) for step in steps)


def neighbor_multisets(g):
    """Multisets of neighbours from the edge list (independent of g.neighbors)."""
    adj = [Counter() for _ in range(g.n_nodes)]
    for a, b in g.edges.tolist():
        adj[a][b] += 1
        adj[b][a] += 1
    return adj


@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize(("kind", "shape"), CASES, ids=IDS)
class TestStructure:
    def test_fields_and_dtypes(self, kind, shape, periodic):
        g = kind(*shape, periodic=periodic)
        n = int(np.prod(shape))
        assert g.n_nodes == n and type(g.n_nodes) is int
        assert g.shape == shape and g.periodic is periodic
        for arr in (g.edges, g.colors, g.neighbors, g.degree):
            assert arr.dtype == np.int32
            with pytest.raises(ValueError):  # static tables are read-only
                arr[...] = 0
        assert g.edges.shape == (expected_n_edges(kind, shape, periodic), 2)
        assert g.colors.shape == g.degree.shape == (n,)
        assert g.neighbors.shape == (n, g.degree.max())

    def test_each_edge_is_one_lattice_step_in_order(self, kind, shape, periodic):
        g = kind(*shape, periodic=periodic)
        a = np.stack(np.unravel_index(g.edges[:, 0], shape), axis=1)
        b = np.stack(np.unravel_index(g.edges[:, 1], shape), axis=1)
        step = (b - a) % np.asarray(shape) if periodic else b - a
        expected = []
        for s in STEPS[kind]:  # grouped by direction, node order within a group
            coords = np.stack(np.unravel_index(np.arange(g.n_nodes), shape), axis=1)
            inside = np.ones(g.n_nodes, bool) if periodic else np.all(
                coords + s < np.asarray(shape), axis=1)
            expected += [(tuple(c), s) for c in coords[inside]]
        got = [(tuple(x), tuple(d)) for x, d in zip(a.tolist(), step.tolist(), strict=True)]
        assert got == expected

    def test_degrees(self, kind, shape, periodic):
        g = kind(*shape, periodic=periodic)
        assert np.array_equal(g.degree, np.bincount(g.edges.ravel(), minlength=g.n_nodes))
        coords = np.stack(np.unravel_index(np.arange(g.n_nodes), shape), axis=1)
        expected = np.zeros(g.n_nodes, int)
        for s in STEPS[kind]:
            for sign in (1, -1):  # the bond towards +step and the one towards -step
                target = coords + sign * np.asarray(s)
                inside = np.all((target >= 0) & (target < np.asarray(shape)), axis=1)
                expected += 1 if periodic else inside
        assert np.array_equal(g.degree, expected)
        if periodic:
            assert np.all(g.degree == 2 * len(STEPS[kind]))

    def test_duplicates_only_on_periodic_size_two(self, kind, shape, periodic):
        g = kind(*shape, periodic=periodic)
        pairs = Counter(tuple(sorted(e)) for e in g.edges.tolist())
        if not periodic or min(shape) >= 3:
            assert max(pairs.values()) == 1
        else:  # the documented size-2 case: bonds to the next and previous site coincide
            assert max(pairs.values()) == 2

    def test_neighbor_table_matches_edges(self, kind, shape, periodic):
        g = kind(*shape, periodic=periodic)
        adj = neighbor_multisets(g)
        for v in range(g.n_nodes):
            row = g.neighbors[v].tolist()
            assert Counter(row[: g.degree[v]]) == adj[v]
            assert row[g.degree[v]:] == [g.n_nodes] * (len(row) - g.degree[v])

    def test_coloring(self, kind, shape, periodic):
        g = kind(*shape, periodic=periodic)
        assert is_proper_coloring(g.edges, g.colors)
        assert set(g.colors.tolist()) == set(range(g.n_colors))
        assert g.n_colors <= g.degree.max() + 1
        two_colourable = kind is not triangular and (not periodic or all(s % 2 == 0 for s in shape))
        assert g.bipartite is two_colourable
        assert (g.n_colors == 2) is two_colourable
        if two_colourable:  # the exact checkerboard
            coords = np.unravel_index(np.arange(g.n_nodes), shape)
            assert np.array_equal(g.colors, sum(coords) % 2)
        if kind is triangular and (not periodic or (shape[0] % 3 == 0 and shape[1] % 3 == 0)):
            assert g.n_colors == 3


@pytest.mark.parametrize("shape", [(2, 2), (2, 5), (3, 3), (4, 4), (5, 2), (6, 7)])
def test_square_edges_follow_documented_formula(shape):
    L, M = shape
    g = square(L, M)
    right = [(i * M + j, i * M + (j + 1) % M) for i in range(L) for j in range(M)]
    down = [(i * M + j, ((i + 1) % L) * M + j) for i in range(L) for j in range(M)]
    assert [tuple(e) for e in g.edges.tolist()] == right + down
    g = square(L, M, periodic=False)
    right = [(i * M + j, i * M + j + 1) for i in range(L) for j in range(M - 1)]
    down = [(i * M + j, (i + 1) * M + j) for i in range(L - 1) for j in range(M)]
    assert [tuple(e) for e in g.edges.tolist()] == right + down


@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (3, 3), (4, 5), (8, 8)])
def test_square_edge_sum_equals_roll_sum(shape):
    rng = np.random.default_rng(sum(shape))
    g = square(*shape)
    for _ in range(5):
        s = rng.choice([-1, 1], size=shape)
        flat = s.ravel()
        edge_sum = np.sum(flat[g.edges[:, 0]] * flat[g.edges[:, 1]])
        roll_sum = jnp.sum(s * jnp.roll(s, -1, 1)) + jnp.sum(s * jnp.roll(s, -1, 0))
        assert edge_sum == int(roll_sum)
        # Open boundaries: the roll sum without the wrapped bonds.
        open_edges = square(*shape, periodic=False).edges
        open_sum = np.sum(s[:, :-1] * s[:, 1:]) + np.sum(s[:-1] * s[1:])
        assert np.sum(flat[open_edges[:, 0]] * flat[open_edges[:, 1]]) == open_sum


@pytest.mark.parametrize(("kind", "shape"), [(triangular, (2, 3)), (triangular, (4, 4)),
                                             (cubic, (2, 3, 4)), (cubic, (3, 3, 3))])
def test_edge_sum_equals_roll_sum_triangular_cubic(kind, shape):
    s = np.random.default_rng(0).choice([-1, 1], size=shape)
    flat = s.ravel()
    g = kind(*shape)
    if kind is triangular:
        rolls = [np.roll(s, -1, 1), np.roll(s, -1, 0), np.roll(s, (-1, -1), (0, 1))]
    else:
        rolls = [np.roll(s, -1, a) for a in range(3)]
    assert np.sum(flat[g.edges[:, 0]] * flat[g.edges[:, 1]]) == sum(np.sum(s * r) for r in rolls)


@pytest.mark.parametrize("kind", [square, triangular, cubic])
@pytest.mark.parametrize("periodic", [True, False])
def test_sentinel_gather_gives_local_field(kind, periodic):
    g = kind(3, periodic=periodic)
    s = jnp.asarray(np.random.default_rng(1).choice([-1.0, 1.0], size=g.n_nodes))
    field = jnp.append(s, 0.0)[g.neighbors].sum(-1)
    energy_edges = jnp.sum(s[g.edges[:, 0]] * s[g.edges[:, 1]])
    assert float(0.5 * jnp.sum(s * field)) == float(energy_edges)


def test_default_sizes():
    assert square(3).shape == (3, 3)
    assert triangular(4).shape == (4, 4)
    assert cubic(3).shape == (3, 3, 3)
    assert cubic(3, 4).shape == (3, 4, 3)
    assert square(np.int64(4), 5).shape == (4, 5)


def test_triangular_exact_three_coloring():
    g = triangular(6, 9)
    i, j = np.unravel_index(np.arange(g.n_nodes), (6, 9))
    assert np.array_equal(g.colors, (i + j) % 3)
    assert not is_proper_coloring(g.edges, (i - j) % 3)  # the other diagonal's formula fails


@pytest.mark.parametrize("kind", [square, triangular, cubic])
def test_size_errors(kind):
    with pytest.raises(ValueError, match=r"^L must be >= 2, got 1$"):
        kind(1)
    with pytest.raises(TypeError, match="^L must be"):
        kind(1.5)
    with pytest.raises(TypeError, match="^L must be"):
        kind(True)
    with pytest.raises(ValueError, match=r"^M must be >= 2, got 1$"):
        kind(3, 1)
    with pytest.raises(TypeError, match="^M must be"):
        kind(3, "4")
    with pytest.raises(TypeError, match="periodic must be a bool"):
        kind(3, periodic="yes")
    with pytest.raises(TypeError, match="periodic must be a bool"):
        kind(3, periodic=1)


def test_cubic_third_size_errors():
    with pytest.raises(ValueError, match=r"^N must be >= 2, got 0$"):
        cubic(3, 3, 0)
    with pytest.raises(TypeError, match="^N must be"):
        cubic(3, 3, 2.0)


def test_too_many_sites():
    with pytest.raises(ValueError, match="int32"):
        square(2**16, 2**15 + 1)


def test_docstring_examples():
    assert doctest.testmod(lattices).failed == 0
