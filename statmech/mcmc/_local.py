"""Shared machinery of the local-update kernels (heat bath, Metropolis).

A local kernel is an update *rule* ``rule(s, field, u, beta) -> new_s`` applied to one block of
sites at a time, where ``field`` is the local field (the energy change of a unit is linear in
it) and ``u`` one uniform random number per site. The structures:

- ``"lattice"``: +-1 spins [L, M] on the periodic square lattice, :class:`LatticeParams`, the
  two checkerboard sublattices updated in turn (L, M even). The lattice is held as four
  [L/2, M/2] quarters so a half-sweep touches only its own sites, with counter-based uniforms
  (:mod:`statmech.random`) and, for scalar couplings, an int8 table lookup;
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

from statmech.lattice import Graph
from statmech.mcmc.base import LocalInfo, SamplingAlgorithm, SpinState
from statmech.random import hash_bits24, hash_uniform, key_words
from statmech.validate import as_float, check_lattice_spins, check_spins_pair, check_values

Rule = Callable[[jax.Array, jax.Array, jax.Array, jax.Array], jax.Array]


# ---------------------------------------------------------------------------------------------
# local fields
def lattice_field(s: jax.Array, params) -> jax.Array:
    """phi_ij = J_r[i,j] s_i,j+1 + J_r[i,j-1] s_i,j-1 + J_d[i,j] s_i+1,j + J_d[i-1,j] s_i-1,j
    + h_ij, the local field of the lattice (periodic)."""
    jr, jd, h = (as_float(p) for p in params)
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
    J, h = as_float(params.J), as_float(params.h)
    s_ext = jnp.concatenate([s, jnp.zeros((1,), s.dtype)])
    if J.ndim == 0:
        return J * jnp.sum(s_ext[nbr], axis=1) + h
    J_ext = jnp.concatenate([J, jnp.zeros((1,), J.dtype)])
    return jnp.sum(J_ext[eid] * s_ext[nbr], axis=1) + h


# ---------------------------------------------------------------------------------------------
# kernels
FlipProb = Callable[[jax.Array, jax.Array], jax.Array]

LEAN_SITES = 1 << 24   # above this many sites the lattice step trades speed for memory

# Site (2a + p, 2b + q) of the lattice lives in quarter (p, q) at [a, b]. For each neighbour
# direction: (quarter offset, axis, roll shift) of the neighbour relative to the site.
_QUARTERS = ((0, 0), (1, 1), (0, 1), (1, 0))   # colour 0 = (0,0),(1,1); colour 1 = (0,1),(1,0)


def _quarter(x: jax.Array, p: int, q: int) -> jax.Array:
    return x if x.ndim == 0 else x[p::2, q::2]


def _shift(x: jax.Array, shift: int, axis: int) -> jax.Array:
    return x if shift == 0 or x.ndim == 0 else jnp.roll(x, shift, axis)


def _quarter_neighbours(quarters, p: int, q: int):
    """(right, left, down, up) neighbours of quarter (p, q), as [L/2, M/2] arrays."""
    x, y = quarters[p, 1 - q], quarters[1 - p, q]
    right = _shift(x, -q, 1)            # column + 1: same b for q = 0, b + 1 for q = 1
    left = _shift(x, 1 - q, 1)          # column - 1: b - 1 for q = 0, same b for q = 1
    down = _shift(y, -p, 0)
    up = _shift(y, 1 - p, 0)
    return right, left, down, up


def _unquarter(quarters, shape) -> jax.Array:
    L, M = shape
    rows = [jnp.stack([quarters[p, 0], quarters[p, 1]], -1).reshape(L // 2, M) for p in (0, 1)]
    return jnp.stack(rows, 1).reshape(L, M)


def _select_threshold(table: jax.Array, s: jax.Array, n_r: jax.Array, n_d: jax.Array):
    """``table[6 (s n_r / 2 + 1) + 2 (s n_d / 2 + 1) + (s + 1) / 2]`` by 17 vector selects.

    XLA's CPU backend emits a gather as a scalar loop (about 6 ns a site here); nested selects
    on int32 vectorise (about 1.5 ns)."""
    a, b = s * n_r, s * n_d

    def three(c, v):
        return jnp.where(c > 0, v[2], jnp.where(c < 0, v[0], v[1]))

    by_s = [jnp.where(s > 0, table[2 * j + 1], table[2 * j]) for j in range(9)]
    by_b = [three(b, by_s[3 * i:3 * i + 3]) for i in range(3)]
    return three(a, by_b)


def _block_rows(n: int, target: int = 256) -> int:
    return max(d for d in range(1, min(n, target) + 1) if n % d == 0)


def _lean_update(quarters, p: int, q: int, table, k0, k1) -> jax.Array:
    """(new quarter (p, q), number of flips), a block of rows at a time (``lax.map``).

    Neighbours are sliced per block (one halo row from the wrapped neighbour quarter) instead of
    rolled copies of whole quarters, so the scratch memory is a few blocks. Same numbers as the
    one-pass update (the hash counters carry the global row)."""
    site, x, y = quarters[p, q], quarters[p, 1 - q], quarters[1 - p, q]
    n, m = site.shape
    rows = _block_rows(n)

    def block(b):
        r0 = b * rows
        s_b = lax.dynamic_slice_in_dim(site, r0, rows, 0)
        x_b = lax.dynamic_slice_in_dim(x, r0, rows, 0)
        y_b = lax.dynamic_slice_in_dim(y, r0, rows, 0)
        if p == 0:   # up = y[r - 1]: the block's rows shifted down by one, wrapped
            halo = lax.dynamic_slice_in_dim(y, (r0 - 1) % n, 1, 0)
            down, up = y_b, jnp.concatenate([halo, y_b[:-1]], 0)
        else:        # down = y[r + 1]
            halo = lax.dynamic_slice_in_dim(y, (r0 + rows) % n, 1, 0)
            down, up = jnp.concatenate([y_b[1:], halo], 0), y_b
        right, left = _shift(x_b, -q, 1), _shift(x_b, 1 - q, 1)
        threshold = _select_threshold(table, *(v.astype(jnp.int32) for v in
                                               (s_b, right + left, down + up)))
        flip = hash_bits24((rows, m), k0, k1, row0=r0) < threshold
        return jnp.where(flip, -s_b, s_b), jnp.sum(flip, dtype=jnp.int32)

    new, flips = lax.map(block, jnp.arange(n // rows))
    return new.reshape(n, m), jnp.sum(flips)


def _lattice_step(flip_prob: FlipProb) -> Callable:
    """Checkerboard sweep on the lattice split into four [L/2, M/2] quarters.

    Each half-sweep touches only the sites it updates (no masked full-lattice pass) and draws
    exactly one counter-based uniform per updated site (:mod:`statmech.random`). A spin
    flips with probability ``flip_prob(s phi, beta)``. With scalar couplings and field, s phi =
    J_r (s n_r) + J_d (s n_d) + h s takes 18 values, so the probabilities are an 18-entry table
    of integer thresholds computed once per step, picked per site by vector selects and compared
    with 24 hash bits; array couplings evaluate the formula per site.
    """

    def step(key, state, params, beta):
        spins = state.spins
        L, M = spins.shape
        jr, jd, h = (as_float(p) for p in params)
        dtype = jr.dtype
        words = key_words(key, 8)
        quarters = {(p, q): spins[p::2, q::2] for p in (0, 1) for q in (0, 1)}
        homogeneous = jr.ndim == 0 and jd.ndim == 0 and h.ndim == 0
        if homogeneous:
            # entry 6 (s n_r / 2 + 1) + 2 (s n_d / 2 + 1) + (s + 1) / 2
            a = jnp.repeat(jnp.array([-2.0, 0.0, 2.0], dtype), 6)
            b = jnp.tile(jnp.repeat(jnp.array([-2.0, 0.0, 2.0], dtype), 2), 3)
            s = jnp.tile(jnp.array([-1.0, 1.0], dtype), 9)
            prob = flip_prob(jr * a + jd * b + h * s, beta).astype(jnp.float32)
            # u < p  <=>  k < ceil(p 2^24) for u = k / 2^24: integer thresholds, exactly
            table = jnp.ceil(prob * 2.0**24).astype(jnp.int32)
        lean, flips = L * M > LEAN_SITES, []
        for k, (p, q) in enumerate(_QUARTERS):
            site = quarters[p, q]
            right, left, down, up = _quarter_neighbours(quarters, p, q)
            if homogeneous and lean:
                quarters[p, q], n_flips = _lean_update(quarters, p, q, table, words[2 * k],
                                                       words[2 * k + 1])
                flips.append(n_flips)
                continue
            if homogeneous:
                threshold = _select_threshold(table, *(v.astype(jnp.int32) for v in
                                                       (site, right + left, down + up)))
                flip = hash_bits24(site.shape, words[2 * k], words[2 * k + 1]) < threshold
            else:
                jr_left = _shift(_quarter(jr, p, 1 - q), 1 - q, 1)
                jd_up = _shift(_quarter(jd, 1 - p, q), 1 - p, 0)
                phi = (_quarter(jr, p, q) * right + jr_left * left + _quarter(jd, p, q) * down
                       + jd_up * up + _quarter(h, p, q))
                u = hash_uniform(site.shape, words[2 * k], words[2 * k + 1])
                flip = u < flip_prob(site * phi, beta)
            quarters[p, q] = jnp.where(flip, -site, site)
            if lean:
                quarters[p, q] = lax.optimization_barrier(quarters[p, q])
                flips.append(jnp.sum((quarters[p, q] != site).astype(jnp.int32)))
        # The flip count must read materialised int8 arrays; fused into a reduction XLA would
        # re-run the whole update, hash included. Counting on the whole new lattice is fastest
        # (about 2x) but keeps ~6 lattice-sized buffers; above LEAN_SITES sites the count is
        # taken quarter by quarter, which keeps the step's scratch to one lattice.
        new_spins = _unquarter(quarters, (L, M))
        if lean:
            flips = sum(flips)
        else:
            new_spins = lax.optimization_barrier(new_spins)
            flips = jnp.sum((new_spins != spins).astype(jnp.int32))
        return SpinState(new_spins), LocalInfo(flips / (L * M))

    return step


def _graph_step(rule: Rule, graph: Graph) -> Callable:
    nbr, eid = _graph_tables(graph)
    colors = np.asarray(graph.colors)

    def step(key, state, params, beta):
        spins = state.spins
        s = spins.astype(as_float(0).dtype)
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
        s = spins.astype(as_float(0).dtype)
        W, b = as_float(params.W), as_float(params.b)
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
        s = spins.astype(as_float(0).dtype).reshape(-1)
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
    jr, jd, h = (jnp.broadcast_to(as_float(p), (L, M)) for p in params)
    return (jr[r, c] * s[r, (c + 1) % M] + jr[r, (c - 1) % M] * s[r, (c - 1) % M]
            + jd[r, c] * s[(r + 1) % L, c] + jd[(r - 1) % L, c] * s[(r - 1) % L, c] + h[r, c])


def build_local_kernel(rule: Rule, structure: Any, scan: str, shape: tuple[int, ...] | None,
                       flip_prob: FlipProb):
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
            return _lattice_step(flip_prob)
        if shape is None:
            raise ValueError("shape=(L, M) is required for a random-scan lattice kernel")
        return _random_scan_step(rule, lambda s, p, i: _lattice_field_at(s, p, i, shape))
    if structure == "dense":
        if scan == "block":
            return _dense_step(rule)

        def dense_field_at(s, p, i):
            W, b = as_float(p.W), as_float(p.b)
            return W[i] @ s - W[i, i] * s[i] + b[i]

        return _random_scan_step(rule, dense_field_at)
    raise ValueError(f"structure must be 'lattice', 'dense' or a statmech.lattice.Graph, got "
                     f"{structure!r}")


def make_algorithm(rule_for: Callable[[tuple[float, float]], Rule], flip_prob: FlipProb,
                   structure: Any, scan: str, shape, spins: Any) -> SamplingAlgorithm:
    """``SamplingAlgorithm(init, step)`` of a local kernel, with boundary checks in ``init``.

    ``rule_for(spins_pair)`` returns the update rule for +-1 spins or {0, 1} units;
    ``flip_prob(s * phi, beta)`` is the probability that a +-1 spin flips (lattice fast path).
    """
    pair = check_spins_pair(spins)
    if pair not in ((-1.0, 1.0), (0.0, 1.0)):
        raise ValueError(f"spins must be (-1, 1) or (0, 1), got {spins!r}")
    if pair == (0.0, 1.0) and structure != "dense":
        raise ValueError("spins=(0, 1) is supported by the 'dense' structure only")
    domain = tuple(int(v) for v in pair)
    step = build_local_kernel(rule_for(pair), structure, scan, shape, flip_prob)

    def init(position) -> SpinState:
        if structure == "lattice":
            check_lattice_spins(position, checkerboard=scan == "block")
        else:
            check_values(position, domain, "position")
        return SpinState(jnp.asarray(position).astype(jnp.int8))

    return SamplingAlgorithm(init, step)
