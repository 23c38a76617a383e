"""One large periodic Ising lattice split into horizontal strips across devices (shard_map).

The L x M torus is cut into ``n_dev`` strips of ``L / n_dev`` consecutive rows, one per device
on the mesh axis ``"rows"``. A checkerboard heat-bath sweep updates the two sublattices in
turn; before each half-sweep every strip exchanges its boundary rows with its neighbours by
``jax.lax.ppermute`` (its last row goes down to the next strip, its first row up to the
previous one, periodically), so each device computes the local field of its strip from an
[L / n_dev + 2, M] haloed block. Left-right periodicity stays inside the strip (``jnp.roll``).
Each strip has an even number of rows, so the local checkerboard parity ``(i + j) % 2``
coincides with the global one and the sublattices stay consistent across strips.

Random numbers: sweep t uses ``k_t = jax.random.split(key, n_sweeps)[t]`` and strip d draws
its [L / n_dev, M] uniforms from ``jax.random.fold_in(k_t, d)``. Every site still gets one
independent uniform per sweep, so the chain is an exact heat-bath chain with the Boltzmann
distribution as its stationary distribution, but the *numbers* differ from a single-device
run of :func:`statmech.mcmc.heat_bath` (or from a run on a different number of devices): runs
agree in distribution, not bit for bit.

References:
  D. Romero, M. Bisson, M. Fatica et al., "High performance implementations of the 2D Ising
  model on GPUs", Comput. Phys. Commun. 256, 107473 (2020) (checkerboard domain decomposition
  with halo exchange across GPUs); JAX documentation, "SPMD multi-device parallelism with
  shard_map" (https://docs.jax.dev/en/latest/notebooks/shard_map.html).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from statmech.validate import (
    as_float,
    check_beta,
    check_finite,
    check_lattice_spins,
    check_shape,
    check_static_int,
    is_concrete,
)

__all__ = ["ROW_AXIS", "DomainResult", "domain_mesh", "domain_local_field",
           "domain_heat_bath_sweeps"]

ROW_AXIS = "rows"


class DomainResult(NamedTuple):
    """What :func:`domain_heat_bath_sweeps` returns.

    Attributes:
      spins: the final configuration, int8 [L, M], sharded by rows over ``"rows"``.
      energy: energy per site after each sweep, [n_sweeps] (E = -J sum_<ij> s_i s_j - h sum s).
      magnetization: magnetization per site after each sweep, [n_sweeps] (signed).
    """

    spins: jax.Array
    energy: jax.Array
    magnetization: jax.Array


def domain_mesh(devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh over ``devices`` (default: all of ``jax.devices()``), axis name ``"rows"``.

    Example:
      >>> domain_mesh().axis_names
      ('rows',)

    References:
      JAX documentation, ``jax.sharding.Mesh``.
    """
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices must contain at least one device")
    return Mesh(np.asarray(devices, dtype=object), (ROW_AXIS,))


def _check(spins: Any, mesh: Any) -> tuple[int, int, int]:
    if not isinstance(mesh, Mesh):
        raise TypeError(f"mesh must be a jax.sharding.Mesh, got {type(mesh).__name__}")
    if ROW_AXIS not in mesh.axis_names:
        raise ValueError(f"mesh must have an axis named {ROW_AXIS!r} (see domain_mesh), got "
                         f"axes {mesh.axis_names}")
    check_lattice_spins(spins, checkerboard=True)
    L, M = jnp.shape(spins)
    n_dev = mesh.shape[ROW_AXIS]
    if L % n_dev:
        raise ValueError(f"L (spins.shape[0]) must be divisible by the number of devices on the "
                         f"{ROW_AXIS!r} axis, got L={L}, devices={n_dev}")
    rows = L // n_dev
    if rows < 2 or rows % 2:
        raise ValueError(f"each strip must have an even number of rows >= 2 (L / devices), got "
                         f"L={L}, devices={n_dev}: strips of {rows} rows")
    return L, M, n_dev


def _halos(s: jax.Array, n_dev: int) -> tuple[jax.Array, jax.Array]:
    """(row above the strip, row below it) from the neighbouring strips, periodically."""
    to_next = [(d, (d + 1) % n_dev) for d in range(n_dev)]
    to_prev = [(d, (d - 1) % n_dev) for d in range(n_dev)]
    above = lax.ppermute(s[-1:], ROW_AXIS, to_next)   # previous strip's last row
    below = lax.ppermute(s[:1], ROW_AXIS, to_prev)    # next strip's first row
    return above, below


def _strip_field(s: jax.Array, J: jax.Array, h: jax.Array, n_dev: int) -> jax.Array:
    """Local field of a strip, same expression as ``statmech.mcmc._local.lattice_field``."""
    above, below = _halos(s, n_dev)
    ext = jnp.concatenate([above, s, below], axis=0)
    right, left = jnp.roll(s, -1, 1), jnp.roll(s, 1, 1)
    down, up = ext[2:], ext[:-2]
    return J * (right + left) + J * (down + up) + h


def _strip_energy_sum(s, J, h, n_dev):
    _, below = _halos(s, n_dev)
    down = jnp.concatenate([s[1:], below], axis=0)
    return -J * jnp.sum(s * (jnp.roll(s, -1, 1) + down)) - h * jnp.sum(s)


def _check_params(J, h):
    for v, name in ((J, "J"), (h, "h")):
        check_shape(v, (), name)
        check_finite(v, name)


@functools.lru_cache(maxsize=32)
def _field_fn(mesh: Mesh):
    n_dev = mesh.shape[ROW_AXIS]
    rows = NamedSharding(mesh, P(ROW_AXIS))

    def local(s, J, h):
        return _strip_field(s, J, h, n_dev)

    smap = jax.shard_map(local, mesh=mesh, in_specs=(P(ROW_AXIS), P(), P()),
                         out_specs=P(ROW_AXIS))
    return jax.jit(lambda s, J, h: smap(s.astype(as_float(0).dtype), as_float(J), as_float(h)),
                   out_shardings=rows)


def domain_local_field(spins: Any, *, mesh: Mesh, J: Any = 1.0, h: Any = 0.0) -> jax.Array:
    """Local field phi = J (sum of the 4 neighbours) + h of every site, via the strip halos.

    The same numbers as ``statmech.mcmc._local.lattice_field(spins, LatticeParams(J, J, h))``
    on the whole torus; exposed to test (and inspect) the halo exchange.

    Args:
      spins: +-1 spins [L, M] (L divisible by the devices, even strips, even M).
      mesh: a mesh with a ``"rows"`` axis (:func:`domain_mesh`).
      J: uniform coupling (scalar); h: uniform field (scalar).

    Returns:
      float [L, M], sharded by rows.

    Example:
      >>> import jax.numpy as jnp
      >>> phi = domain_local_field(jnp.ones((4, 4), jnp.int8), mesh=domain_mesh(jax.devices()[:1]))
      >>> float(phi[0, 0])
      4.0
    """
    _check(spins, mesh)
    _check_params(J, h)
    return _field_fn(mesh)(jnp.asarray(spins), J, h)


@functools.lru_cache(maxsize=32)
def _sweeps_fn(mesh: Mesh, n_sweeps: int, shape: tuple[int, int]):
    n_dev = mesh.shape[ROW_AXIS]
    L, M = shape
    n_sites = L * M
    rows = L // n_dev
    parity = (jnp.arange(rows)[:, None] + jnp.arange(M)[None, :]) % 2   # = global parity

    def local(key, s, beta, J, h):
        d = lax.axis_index(ROW_AXIS)
        s = s.astype(as_float(0).dtype)

        def sweep(s, k):
            u = jax.random.uniform(jax.random.fold_in(k, d), s.shape, dtype=s.dtype)
            for colour in (0, 1):
                field = _strip_field(s, J, h, n_dev)
                new = jnp.where(u < jax.nn.sigmoid(2.0 * beta * field), 1.0, -1.0).astype(s.dtype)
                s = jnp.where(parity == colour, new, s)
            e = lax.psum(_strip_energy_sum(s, J, h, n_dev), ROW_AXIS) / n_sites
            m = lax.psum(jnp.sum(s), ROW_AXIS) / n_sites
            return s, (e, m)

        s, (e, m) = lax.scan(sweep, s, jax.random.split(key, n_sweeps))
        return s.astype(jnp.int8), e, m

    smap = jax.shard_map(local, mesh=mesh, in_specs=(P(), P(ROW_AXIS), P(), P(), P()),
                         out_specs=(P(ROW_AXIS), P(), P()))

    def run(key, spins, beta, J, h):
        return DomainResult(*smap(key, spins, as_float(beta), as_float(J), as_float(h)))

    return jax.jit(run)


def domain_heat_bath_sweeps(key: jax.Array, spins: Any, beta: Any, n_sweeps: int, *,
                            mesh: Mesh, J: Any = 1.0, h: Any = 0.0) -> DomainResult:
    """Checkerboard heat-bath sweeps of one periodic L x M Ising lattice split across devices.

    E = -J sum_<ij> s_i s_j - h sum_i s_i on the torus; one sweep updates sublattice
    (i + j) % 2 == 0 and then 1, each site redrawn with p(s = +1) = sigmoid(2 beta phi). Device
    d on the mesh axis ``"rows"`` holds rows [d L/n, (d+1) L/n) and swaps halo rows with its
    neighbours (``lax.ppermute``) before each half-sweep. The per-strip uniforms come from
    ``fold_in(k_t, d)``: correct in distribution, but not the same numbers as a single-device
    :func:`statmech.mcmc.heat_bath` run (see the module docstring). Independent runs batch with
    ``jax.vmap`` over ``key`` and ``spins`` (each device then holds a strip of every run).

    Args:
      key: a ``jax.random.key`` (replicated).
      spins: +-1 spins [L, M]; L divisible by the devices with an even strip height
        L / n_dev >= 2, and M even.
      beta: inverse temperature (traced, scalar >= 0).
      n_sweeps: number of sweeps (static).
      mesh: a mesh with a ``"rows"`` axis (:func:`domain_mesh`).
      J: uniform coupling (traced scalar).
      h: uniform field (traced scalar).

    Returns:
      :class:`DomainResult` ``(spins, energy, magnetization)``: final int8 [L, M] spins
      (sharded by rows) and per-site energy and magnetization after every sweep.

    Raises:
      ValueError: L not divisible by the devices, an odd (or < 2) strip height, odd M, spins
        not +-1, or a negative beta.

    Example:
      >>> import jax.numpy as jnp
      >>> res = domain_heat_bath_sweeps(jax.random.key(0), jnp.ones((8, 8), jnp.int8), 0.6,
      ...                               50, mesh=domain_mesh(jax.devices()[:1]))
      >>> res.energy.shape, bool(abs(res.magnetization[-1]) > 0.5)
      ((50,), True)

    References:
      D. Romero et al., Comput. Phys. Commun. 256, 107473 (2020); JAX documentation,
      ``jax.shard_map`` and ``jax.lax.ppermute``.
    """
    L, M, _ = _check(spins, mesh)
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=1)
    check_beta(beta)
    check_shape(beta, (), "beta")
    _check_params(J, h)
    spins = jnp.asarray(spins).astype(jnp.int8)
    if is_concrete(spins):     # under vmap/jit the compiled shard_map places it instead
        spins = jax.device_put(spins, NamedSharding(mesh, P(ROW_AXIS)))
    return _sweeps_fn(mesh, n_sweeps, (L, M))(key, spins, beta, J, h)
