"""Cluster labelling on the periodic lattice vs a scipy connected-components reference."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from statmech.mcmc._clusters import cluster_sizes, label_clusters

label_jit = jax.jit(label_clusters)


def reference_labels(bonds):
    """Minimum flat index of each site's connected cluster (scipy csgraph, periodic bonds)."""
    bonds = np.asarray(bonds, bool)
    _, L, M = bonds.shape
    n = L * M
    idx = np.arange(n).reshape(L, M)
    a = np.concatenate([idx[bonds[0]], idx[bonds[1]]])
    b = np.concatenate([np.roll(idx, -1, 1)[bonds[0]], np.roll(idx, -1, 0)[bonds[1]]])
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    mins = np.full(comp.max() + 1, n)
    np.minimum.at(mins, comp, np.arange(n))
    return mins[comp].reshape(L, M)


def snake(L, M):
    """One self-avoiding path through every site (boustrophedon): the longest chemical path."""
    bonds = np.zeros((2, L, M), bool)
    bonds[0, :, :M - 1] = True
    for i in range(L - 1):
        bonds[1, i, M - 1 if i % 2 == 0 else 0] = True
    return bonds


@pytest.mark.parametrize("shape", [(2, 2), (3, 5), (8, 8), (17, 12)])
@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_random_bonds_match_reference(shape, p):
    rng = np.random.default_rng([*shape, int(100 * p)])
    for _ in range(3):
        bonds = rng.random((2, *shape)) < p
        got = label_jit(bonds)
        np.testing.assert_array_equal(np.asarray(got.labels), reference_labels(bonds))
        assert 1 <= int(got.n_iterations) <= 3 * int(np.log2(bonds[0].size)) + 4


def test_special_configurations():
    L, M = 6, 5
    all_on = label_jit(np.ones((2, L, M), bool)).labels
    np.testing.assert_array_equal(np.asarray(all_on), 0)                # one cluster
    none = label_jit(np.zeros((2, L, M), bool)).labels
    np.testing.assert_array_equal(np.asarray(none), np.arange(L * M).reshape(L, M))  # N clusters
    stripe = np.zeros((2, L, M), bool)
    stripe[0, 3, :] = True                                             # row 3 wraps around
    stripe[1, :, 2] = True                                             # column 2 wraps around
    got = np.asarray(label_jit(stripe).labels)
    np.testing.assert_array_equal(got, reference_labels(stripe))
    assert np.all(got[3, :] == 2) and np.all(got[:, 2] == 2)
    # a single seam bond joins the last and first column: its label is the first one
    seam = np.zeros((2, L, M), bool)
    seam[0, 4, M - 1] = True
    seam[1, L - 1, 1] = True                                           # (L-1, 1)-(0, 1)
    got = np.asarray(label_jit(seam).labels)
    assert got[4, M - 1] == got[4, 0] == 4 * M and got[L - 1, 1] == 1
    np.testing.assert_array_equal(got, reference_labels(seam))


@pytest.mark.parametrize("shape", [(16, 16), (9, 64)])
def test_long_paths_converge_in_few_iterations(shape):
    for bonds in (snake(*shape), snake(*shape)[:, ::-1, ::-1].copy()):
        got = label_jit(bonds)
        np.testing.assert_array_equal(np.asarray(got.labels), reference_labels(bonds))
        assert int(got.n_iterations) <= 12


def test_vmap_and_cluster_sizes():
    rng = np.random.default_rng(1)
    bonds = rng.random((6, 2, 7, 9)) < 0.5
    out = jax.jit(jax.vmap(label_clusters))(bonds)
    labels, iters = np.asarray(out.labels), np.asarray(out.n_iterations)
    for b, lab, it in zip(bonds, labels, iters, strict=True):
        np.testing.assert_array_equal(lab, reference_labels(b))
        assert it == int(label_jit(b).n_iterations)        # per-example trip count under vmap
        sizes = np.asarray(cluster_sizes(jnp.asarray(lab)))
        np.testing.assert_array_equal(sizes, np.bincount(lab.ravel(), minlength=lab.size))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=2 * 5 * 7, max_size=2 * 5 * 7))
def test_property_matches_reference(bits):
    bonds = np.array(bits).reshape(2, 5, 7)
    np.testing.assert_array_equal(np.asarray(label_jit(bonds).labels), reference_labels(bonds))


def test_bad_bonds_shape():
    with pytest.raises(ValueError, match="bonds"):
        label_clusters(np.zeros((3, 4, 4), bool))
