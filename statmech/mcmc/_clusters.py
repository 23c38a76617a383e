"""Shared machinery of the cluster kernels (Swendsen-Wang, Wolff) on the periodic square lattice.

Fortuin-Kasteleyn bonds are a boolean array ``bonds`` [2, L, M]: ``bonds[0, i, j]`` joins
(i, j)-(i, j+1 mod M) and ``bonds[1, i, j]`` joins (i, j)-(i+1 mod L, j). Clusters are labelled
with static shapes by label propagation with hooking and pointer jumping under a
``lax.while_loop`` (data-dependent trip count, jit- and vmap-compatible), so wrapping
(percolating) clusters need no special case: the periodic neighbours are ``jnp.roll``.

Models: q = 2 is the Ising model, +-1 spins, E = -sum J s s - sum h s, bond probability
p = 1 - exp(-2 beta J) between equal neighbours; q >= 3 is the Potts model, colours 0..q-1,
E = -sum J delta(s, s'), p = 1 - exp(-beta J). Couplings are :class:`LatticeParams` entries,
scalars or per-bond [L, M] arrays, all >= 0.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from statmech.mcmc.base import SpinState
from statmech.validate import check_beta, check_finite, check_static_int, float_dtype, is_concrete

__all__ = ["Clusters", "label_clusters", "cluster_sizes", "draw_bonds", "uniforms",
           "uniform_int", "uniform_site", "check_q", "check_position", "check_params"]

MAX_Q = 127
"""Largest q: colours are stored as int8."""


class Clusters(NamedTuple):
    """Cluster labels of the sites of an L x M lattice.

    Attributes:
      labels: int32 [L, M], the smallest flat site index (i * M + j) in each site's cluster.
      n_iterations: int32 scalar, sweeps of the labelling loop until no label changed.
    """

    labels: jax.Array
    n_iterations: jax.Array


def label_clusters(bonds: Any) -> Clusters:
    """Label the connected clusters of a bond configuration on the periodic L x M lattice.

    label(i) = min{k : k connected to i}. Each iteration takes the minimum label over the
    active neighbours m(i), hooks the label tree of i onto it (label[label[i]] <- min(., m(i))),
    lowers label(i) to m(i) and jumps pointers twice (label <- label[label]). Labels only
    decrease and always name a site of the same cluster, so the loop ends, and it ends when the
    labels are constant on each cluster, i.e. equal to the cluster minimum.

    Args:
      bonds: bool [2, L, M]; ``bonds[0, i, j]``: (i, j)-(i, j+1 mod M), ``bonds[1, i, j]``:
        (i, j)-(i+1 mod L, j).

    Returns:
      :class:`Clusters` ``(labels, n_iterations)``.

    Example:
      >>> import jax.numpy as jnp
      >>> bonds = jnp.zeros((2, 2, 3), bool).at[0, 0, 2].set(True)  # (0, 2)-(0, 0), wrapping
      >>> label_clusters(bonds).labels.tolist()
      [[0, 1, 0], [3, 4, 5]]

    References:
      Y. Shiloach and U. Vishkin, J. Algorithms 3, 57 (1982) (hooking and pointer jumping).
    """
    bonds = jnp.asarray(bonds)
    if bonds.ndim != 3 or bonds.shape[0] != 2:
        raise ValueError(f"bonds must have shape [2, L, M], got shape {bonds.shape}")
    bonds = bonds.astype(bool)
    _, L, M = bonds.shape
    n = L * M
    right, down = bonds[0], bonds[1]
    left, up = jnp.roll(right, 1, axis=1), jnp.roll(down, 1, axis=0)
    big = jnp.int32(n)

    def neighbour_min(lab):
        m = jnp.minimum(lab, jnp.where(right, jnp.roll(lab, -1, axis=1), big))
        m = jnp.minimum(m, jnp.where(left, jnp.roll(lab, 1, axis=1), big))
        m = jnp.minimum(m, jnp.where(down, jnp.roll(lab, -1, axis=0), big))
        return jnp.minimum(m, jnp.where(up, jnp.roll(lab, 1, axis=0), big))

    def body(carry):
        lab, _, it = carry
        flat = lab.reshape(-1)
        m = neighbour_min(lab).reshape(-1)
        flat = jnp.minimum(flat.at[flat].min(m), m)
        flat = flat[flat]
        flat = flat[flat]
        new = flat.reshape(L, M)
        return new, jnp.any(new != lab), it + 1

    lab0 = jnp.arange(n, dtype=jnp.int32).reshape(L, M)
    lab, _, it = lax.while_loop(lambda c: c[1], body, (lab0, jnp.bool_(True), jnp.int32(0)))
    return Clusters(lab, it)


def cluster_sizes(labels: jax.Array) -> jax.Array:
    """int32 [L * M]: entry k is the size of the cluster labelled k (0 if k is not a label)."""
    flat = labels.reshape(-1)
    return jnp.zeros(flat.shape, jnp.int32).at[flat].add(1)


def _couplings(params) -> tuple[jax.Array, jax.Array]:
    return tuple(jnp.asarray(p, dtype=float_dtype()) for p in (params.J_right, params.J_down))


def draw_bonds(u: jax.Array, spins: jax.Array, params, beta: Any, q: int) -> jax.Array:
    """FK bonds [2, L, M]: each bond between equal neighbours is active with probability p.

    p = 1 - exp(-2 beta J) for q = 2 (+-1 spins), 1 - exp(-beta J) for q >= 3 (Potts); bond b
    is active when u[b] < p[b], for the given uniforms ``u`` [2, L, M].
    """
    jr, jd = _couplings(params)
    scale = 2.0 if q == 2 else 1.0
    beta = jnp.asarray(beta, dtype=float_dtype())
    shape = spins.shape
    p = jnp.stack([jnp.broadcast_to(-jnp.expm1(-scale * beta * jr), shape),
                   jnp.broadcast_to(-jnp.expm1(-scale * beta * jd), shape)])
    same = jnp.stack([spins == jnp.roll(spins, -1, axis=1), spins == jnp.roll(spins, -1, axis=0)])
    return same & (u < p)


def uniforms(key: jax.Array, n: int) -> jax.Array:
    """n uniforms in [0, 1) of the default float dtype, drawn in ONE call.

    Each threefry draw costs seconds of XLA compile time on CPU, so a kernel step draws all
    its random numbers at once and slices them.
    """
    return jax.random.uniform(key, (n,), dtype=float_dtype())


def uniform_int(u: jax.Array, n: Any) -> jax.Array:
    """floor(u * n) clipped to [0, n - 1], int32: an integer in 0..n-1 from a uniform u."""
    return jnp.clip(jnp.floor(u * n).astype(jnp.int32), 0, jnp.asarray(n, jnp.int32) - 1)


def uniform_site(u_hi: jax.Array, u_lo: jax.Array, n: int) -> jax.Array:
    """A site index in 0..n-1 from two uniforms: (30 random bits) mod n, int32.

    A float32 uniform has only 23 random bits, so floor(u * n) would never reach some sites
    once n > 2**23; 30 bits reach every site for n <= 2**30 (non-uniformity <= n / 2**30).
    """
    r = uniform_int(u_hi, 1 << 15) * (1 << 15) + uniform_int(u_lo, 1 << 15)
    return r % n


# ---------------------------------------------------------------------------------------------
# argument checks (shapes always; values when concrete)
def check_q(q: Any) -> int:
    """Number of states: q = 2 (Ising, +-1 spins) or 3 <= q <= 127 (Potts, int8 colours)."""
    return check_static_int(q, "q", minimum=2, maximum=MAX_Q, why_max="colours are int8")


def _allowed(q: int) -> tuple[int, ...]:
    return (-1, 1) if q == 2 else tuple(range(q))


def check_position(position: Any, q: int) -> jax.Array:
    """Spins [L, M], L, M >= 2, +-1 (q = 2) or colours 0..q-1; returns them as int8."""
    shape = jnp.shape(position)
    if len(shape) != 2:
        raise ValueError(f"spins (position) must be a 2-D array [L, M] for the cluster kernels, "
                         f"got shape {shape}")
    check_static_int(shape[0], "L (spins.shape[0])", minimum=2)
    check_static_int(shape[1], "M (spins.shape[1])", minimum=2)
    allowed = _allowed(q)
    if is_concrete(position):
        arr = np.asarray(position)
        bad = ~np.isin(arr, allowed)
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            what = "+-1 Ising spins" if q == 2 else f"Potts colours 0..{q - 1}"
            raise ValueError(f"spins (position) must contain only {what} for q={q}, got "
                             f"{arr[where].item()!r} at position {where}")
    return jnp.asarray(position).astype(jnp.int8)


def check_params(params: Any, shape: tuple[int, int], beta: Any, q: int) -> None:
    """Couplings J_right, J_down >= 0 and field h, scalars or [L, M]; h = 0 for Potts."""
    if not all(hasattr(params, a) for a in ("J_right", "J_down", "h")):
        raise TypeError(f"params must be a LatticeParams(J_right, J_down, h), got "
                        f"{type(params).__name__}")
    for name in ("J_right", "J_down", "h"):
        value = getattr(params, name)
        check_finite(value, f"params.{name}")
        if jnp.ndim(value) != 0 and tuple(jnp.shape(value)) != tuple(shape):
            raise ValueError(f"params.{name} must be a scalar or have the lattice shape "
                             f"{tuple(shape)}, got shape {tuple(jnp.shape(value))}")
    for name in ("J_right", "J_down"):
        value = getattr(params, name)
        if is_concrete(value) and np.any(np.asarray(value) < 0):
            raise ValueError(f"cluster algorithms need ferromagnetic couplings: params.{name} "
                             f"must be >= 0, got min {float(np.min(value))}")
    if q > 2 and is_concrete(params.h) and np.any(np.asarray(params.h) != 0):
        raise ValueError(f"the Potts cluster kernels (q={q}) have no field: params.h must be 0")
    check_beta(beta)
    if jnp.ndim(beta) != 0:
        raise ValueError(f"beta must be a scalar (vmap over temperatures), got shape "
                         f"{jnp.shape(beta)}")


def init(position: Any, q: int = 2) -> SpinState:
    """The state of a chain started at ``position``: +-1 spins (q = 2) or colours 0..q-1, int8.

    Args:
      position: [L, M] with L, M >= 2 (any parity).
      q: number of states.

    Returns:
      ``SpinState(spins)`` with int8 spins.
    """
    return SpinState(check_position(position, check_q(q)))
