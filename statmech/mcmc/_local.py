"""Shared machinery of the local-update kernels (heat bath, Metropolis).

A local kernel is an update *rule* ``rule(s, field, u, beta) -> new_s`` applied to one block of
sites at a time, where ``field`` is the local field (the energy change of a unit is linear in
it) and ``u`` one uniform random number per site. The structures:

- ``"lattice"``: +-1 spins [L, M] on the periodic square lattice, :class:`LatticeParams`, the
  two checkerboard sublattices updated in turn, fields by ``jnp.roll`` (L, M even);
- a :class:`~statmech.lattice.Graph`: +-1 spins [n], :class:`GraphParams`, one block per colour
  of ``graph.colors``, fields by gathering the neighbour table;
- ``"dense"``: units [n] (+-1 or {0, 1}), :class:`DenseParams`, fields by a matrix-vector product,
  units updated one after another (a full systematic sweep).

Each sweep draws exactly one uniform per site update; ``scan="random"`` replaces the block sweep
by n single-site updates at uniformly random sites.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from statmech._validate import check_spins_pair, check_static_int, is_concrete
from statmech.lattice import Graph
from statmech.mcmc.base import LocalInfo, SamplingAlgorithm, SpinState

Rule = Callable[[jax.Array, jax.Array, jax.Array, jax.Array], jax.Array]


def _float(x):
    return jnp.asarray(x, dtype=jnp.zeros((), dtype=float).dtype)


# ---------------------------------------------------------------------------------------------
# local fields
def lattice_field(s: jax.Array, params) -> jax.Array:
    """phi_ij = J_r[i,j] s_i,j+1 + J_r[i,j-1] s_i,j-1 + J_d[i,j] s_i+1,j + J_d[i-1,j] s_i-1,j
    + h_ij, the local field of the lattice (periodic)."""
    jr, jd, h = (_float(p) for p in params)
    right, left = jnp.roll(s, -1, 1), jnp.roll(s, 1, 1)
    down, up = jnp.roll(s, -1, 0), jnp.roll(s, 1, 0)
    horizontal = jr * (right + left) if jr.ndim == 0 else jr * right + jnp.roll(jr, 1, 1) * left
    vertical = jd * (down + up) if jd.ndim == 0 else jd * down + jnp.roll(jd, 1, 0) * up
    return horizontal + vertical + h


def _graph_tables(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour and edge-index tables [n, max_degree], padded with n and E respectively."""
    n, edges = graph.n_nodes, np.asarray(graph.edges)
    rows: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (a, b) in enumerate(edges):
        rows[a].append((b, e))
        rows[b].append((a, e))
    width = max((len(r) for r in rows), default=0) or 1
    nbr = np.full((n, width), n, dtype=np.int32)
    eid = np.full((n, width), len(edges), dtype=np.int32)
    for v, r in enumerate(rows):
        for k, (u, e) in enumerate(r):
            nbr[v, k], eid[v, k] = u, e
    return nbr, eid


def graph_field(s: jax.Array, params, nbr: np.ndarray, eid: np.ndarray) -> jax.Array:
    """phi_v = sum_{e=(v,u)} J_e s_u + h_v via the padded neighbour table."""
    J, h = _float(params.J), _float(params.h)
    s_ext = jnp.concatenate([s, jnp.zeros((1,), s.dtype)])
    if J.ndim == 0:
        return J * jnp.sum(s_ext[nbr], axis=1) + h
    J_ext = jnp.concatenate([J, jnp.zeros((1,), J.dtype)])
    return jnp.sum(J_ext[eid] * s_ext[nbr], axis=1) + h


# ---------------------------------------------------------------------------------------------
# kernels
def _lattice_step(rule: Rule) -> Callable:
    def step(key, state, params, beta):
        spins = state.spins
        s = spins.astype(_float(0).dtype)
        L, M = s.shape
        parity = (jnp.arange(L)[:, None] + jnp.arange(M)[None, :]) % 2
        u = jax.random.uniform(key, (L, M), dtype=s.dtype)
        for colour in (0, 1):
            new = rule(s, lattice_field(s, params), u, beta)
            s = jnp.where(parity == colour, new, s)
        new_spins = s.astype(spins.dtype)
        return SpinState(new_spins), LocalInfo(jnp.mean(new_spins != spins))

    return step


def _graph_step(rule: Rule, graph: Graph) -> Callable:
    nbr, eid = _graph_tables(graph)
    colors = np.asarray(graph.colors)

    def step(key, state, params, beta):
        spins = state.spins
        s = spins.astype(_float(0).dtype)
        u = jax.random.uniform(key, s.shape, dtype=s.dtype)
        for colour in range(graph.n_colors):
            new = rule(s, graph_field(s, params, nbr, eid), u, beta)
            s = jnp.where(colors == colour, new, s)
        new_spins = s.astype(spins.dtype)
        return SpinState(new_spins), LocalInfo(jnp.mean(new_spins != spins))

    return step


def _dense_step(rule: Rule) -> Callable:
    def step(key, state, params, beta):
        spins = state.spins
        s = spins.astype(_float(0).dtype)
        W, b = _float(params.W), _float(params.b)
        W = W * (1 - jnp.eye(W.shape[0], dtype=W.dtype))
        u = jax.random.uniform(key, s.shape, dtype=s.dtype)

        def one(s, i):
            field = W[i] @ s + b[i]
            new_i = rule(s[i], field, u[i], beta)
            return s.at[i].set(new_i), None

        s, _ = lax.scan(one, s, jnp.arange(s.shape[0]))
        new_spins = s.astype(spins.dtype)
        return SpinState(new_spins), LocalInfo(jnp.mean(new_spins != spins))

    return step


def _random_scan_step(rule: Rule, field_at: Callable) -> Callable:
    """n single-site updates at uniformly random sites; ``field_at(s, params, i)`` is phi_i."""

    def step(key, state, params, beta):
        spins = state.spins
        s = spins.astype(_float(0).dtype).reshape(-1)
        n = s.shape[0]
        k_site, k_u = jax.random.split(key)
        sites = jax.random.randint(k_site, (n,), 0, n)
        u = jax.random.uniform(k_u, (n,), dtype=s.dtype)

        def one(carry, xs):
            s, changed = carry
            i, ui = xs
            new_i = rule(s[i], field_at(s, params, i), ui, beta)
            return (s.at[i].set(new_i), changed + (new_i != s[i])), None

        (s, changed), _ = lax.scan(one, (s, jnp.zeros((), jnp.int32)), (sites, u))
        return SpinState(s.reshape(spins.shape).astype(spins.dtype)), LocalInfo(changed / n)

    return step


def _lattice_field_at(s_flat, params, i, shape):
    L, M = shape
    r, c = i // M, i % M
    s = s_flat.reshape(L, M)
    jr, jd, h = (jnp.broadcast_to(_float(p), (L, M)) for p in params)
    return (jr[r, c] * s[r, (c + 1) % M] + jr[r, (c - 1) % M] * s[r, (c - 1) % M]
            + jd[r, c] * s[(r + 1) % L, c] + jd[(r - 1) % L, c] * s[(r - 1) % L, c] + h[r, c])


def build_local_kernel(rule: Rule, structure: Any, scan: str, shape: tuple[int, ...] | None):
    """The ``step`` function of a local kernel for ``structure`` (see the module docstring)."""
    if scan not in ("block", "random"):
        raise ValueError(f"scan must be 'block' or 'random', got {scan!r}")
    if isinstance(structure, Graph):
        if scan == "block":
            return _graph_step(rule, structure)
        nbr, eid = _graph_tables(structure)
        return _random_scan_step(rule, lambda s, p, i: graph_field(s, p, nbr, eid)[i])
    if structure == "lattice":
        if scan == "block":
            return _lattice_step(rule)
        if shape is None:
            raise ValueError("shape=(L, M) is required for a random-scan lattice kernel")
        return _random_scan_step(rule, lambda s, p, i: _lattice_field_at(s, p, i, shape))
    if structure == "dense":
        if scan == "block":
            return _dense_step(rule)

        def dense_field_at(s, p, i):
            W, b = _float(p.W), _float(p.b)
            return W[i] @ s - W[i, i] * s[i] + b[i]

        return _random_scan_step(rule, dense_field_at)
    raise ValueError(f"structure must be 'lattice', 'dense' or a statmech.lattice.Graph, got "
                     f"{structure!r}")


def check_lattice_spins(spins: Any, *, checkerboard: bool) -> None:
    """+-1 spins [L, M], L, M >= 2, and both even when a checkerboard is needed."""
    shape = jnp.shape(spins)
    if len(shape) != 2:
        raise ValueError(f"spins must be a 2-D array [L, M] for the lattice kernels, got shape "
                         f"{shape}")
    L, M = shape
    check_static_int(L, "L (spins.shape[0])", minimum=2)
    check_static_int(M, "M (spins.shape[1])", minimum=2)
    if checkerboard and (L % 2 or M % 2):
        raise ValueError(f"the checkerboard update needs even L and M (a bipartite periodic "
                         f"lattice), got spins of shape {shape}; use scan='random' or a Graph")
    check_values(spins, (-1, 1))


def check_values(spins: Any, allowed: tuple[int, ...], name: str = "spins") -> None:
    """Every entry of ``spins`` is in ``allowed`` (when concrete)."""
    if is_concrete(spins):
        arr = np.asarray(spins)
        ok = np.isin(arr, allowed)
        if not np.all(ok):
            raise ValueError(f"{name} must contain only {list(allowed)}, got values such as "
                             f"{np.unique(arr[~ok])[:3].tolist()}")


def make_algorithm(rule_for: Callable[[tuple[float, float]], Rule], structure: Any, scan: str,
                   shape, spins: Any) -> SamplingAlgorithm:
    """``SamplingAlgorithm(init, step)`` of a local kernel, with boundary checks in ``init``.

    ``rule_for(spins_pair)`` returns the update rule for +-1 spins or {0, 1} units.
    """
    pair = check_spins_pair(spins)
    if pair not in ((-1.0, 1.0), (0.0, 1.0)):
        raise ValueError(f"spins must be (-1, 1) or (0, 1), got {spins!r}")
    if pair == (0.0, 1.0) and structure != "dense":
        raise ValueError("spins=(0, 1) is supported by the 'dense' structure only")
    domain = tuple(int(v) for v in pair)
    step = build_local_kernel(rule_for(pair), structure, scan, shape)

    def init(position) -> SpinState:
        if structure == "lattice":
            check_lattice_spins(position, checkerboard=scan == "block")
        else:
            check_values(position, domain, "position")
        return SpinState(jnp.asarray(position).astype(jnp.int8))

    return SamplingAlgorithm(init, step)
