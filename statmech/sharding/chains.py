"""Independent Markov chains laid on a 1-D device mesh (data parallelism over chains).

Many chains are ``jax.vmap`` over keys and states; here that batch is additionally placed on a
:class:`jax.sharding.Mesh` with the leading (chain) axis sharded over the mesh axis
``"chains"``, and the vmapped :func:`statmech.mcmc.sample` is compiled by ``jax.jit`` with
matching input and output shardings. XLA's SPMD partitioner then runs each device's chains on
that device with no communication. Nothing else changes: the computation is the same vmap, so
the results are bit-identical to an unsharded ``jax.vmap`` run with the same keys.

References:
  JAX documentation, "Distributed arrays and automatic parallelization"
  (https://docs.jax.dev/en/latest/notebooks/Distributed_arrays_and_automatic_parallelization.html)
  and "Introduction to parallel programming" (jax.sharding, NamedSharding, PartitionSpec).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from statmech.mcmc import driver
from statmech.mcmc.driver import SampleResult
from statmech.validate import check_chain_axis

__all__ = ["CHAIN_AXIS", "chain_mesh", "shard_chains", "sample_chains"]

CHAIN_AXIS = "chains"


def chain_mesh(devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh over ``devices`` (default: all of ``jax.devices()``), axis name ``"chains"``.

    Args:
      devices: the devices to spread chains over; default every visible device.

    Returns:
      ``jax.sharding.Mesh`` of shape ``(n_devices,)`` with axis ``"chains"``.

    Example:
      >>> mesh = chain_mesh()
      >>> mesh.axis_names, mesh.size == len(jax.devices())
      (('chains',), True)

    References:
      JAX documentation, ``jax.sharding.Mesh``.
    """
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices must contain at least one device")
    return Mesh(np.asarray(devices, dtype=object), (CHAIN_AXIS,))


def _check_mesh(mesh: Any) -> Mesh:
    if not isinstance(mesh, Mesh):
        raise TypeError(f"mesh must be a jax.sharding.Mesh, got {type(mesh).__name__}")
    if CHAIN_AXIS not in mesh.axis_names:
        raise ValueError(f"mesh must have an axis named {CHAIN_AXIS!r} (see chain_mesh), got "
                         f"axes {mesh.axis_names}")
    return mesh


def _check_divisible(n_chains: int, mesh: Mesh) -> None:
    n_dev = mesh.shape[CHAIN_AXIS]
    if n_chains % n_dev:
        raise ValueError(f"n_chains must be divisible by the number of devices on the "
                         f"{CHAIN_AXIS!r} mesh axis, got n_chains={n_chains}, devices={n_dev}")


def shard_chains(x: Any, mesh: Mesh) -> Any:
    """Place a batch of chain states (or keys) with its leading axis sharded over ``"chains"``.

    Args:
      x: a pytree of arrays (typed key arrays included), each with leading axis n_chains.
      mesh: a mesh with a ``"chains"`` axis (:func:`chain_mesh`).

    Returns:
      ``x`` with every leaf on ``NamedSharding(mesh, P("chains"))``.

    Raises:
      ValueError: if n_chains is not divisible by the number of devices.

    Example:
      >>> import jax.numpy as jnp
      >>> mesh = chain_mesh()
      >>> x = shard_chains(jnp.ones((4 * mesh.size, 3)), mesh)
      >>> x.sharding.spec == P("chains"), len(x.sharding.device_set) == mesh.size
      (True, True)
    """
    mesh = _check_mesh(mesh)
    _check_divisible(check_chain_axis(x, "x"), mesh)
    return jax.device_put(x, NamedSharding(mesh, P(CHAIN_AXIS)))


def sample_chains(kernel: Any, keys: jax.Array, states: Any, n_steps: int, *, params: Any,
                  beta: Any, mesh: Mesh, **sample_kwargs: Any) -> SampleResult:
    """:func:`statmech.mcmc.sample` for a batch of chains, each device running its share.

    :func:`statmech.mcmc.sample_chains` (``jax.vmap`` of :func:`statmech.mcmc.sample`, bit for
    bit the same numbers) compiled with ``jax.jit`` whose input and output shardings put the
    chain axis on the mesh axis ``"chains"``; ``params`` and
    ``beta`` are replicated and traced (changing them does not recompile).

    Args:
      kernel: a :class:`~statmech.mcmc.SamplingAlgorithm` or its ``step``.
      keys: one key per chain, leading axis n_chains (e.g. ``jax.random.split(key, n)``).
      states: the initial states, a pytree with leading axis n_chains.
      n_steps: number of sweeps per chain.
      params: model parameters (replicated on every device).
      beta: inverse temperature (replicated).
      mesh: a mesh with a ``"chains"`` axis (:func:`chain_mesh`).
      **sample_kwargs: passed to :func:`statmech.mcmc.sample` (``thin``, ``observe``,
        ``keep_trace``, ``keep_states``); must be hashable (they are static).

    Returns:
      :class:`~statmech.mcmc.SampleResult` with every leaf's leading axis n_chains, sharded
      over ``"chains"``.

    Raises:
      ValueError: if n_chains is not divisible by the number of devices, or keys and states
        disagree on n_chains.

    Example:
      >>> import jax.numpy as jnp
      >>> from statmech.mcmc import heat_bath, LatticeParams
      >>> algo = heat_bath("lattice")
      >>> mesh = chain_mesh()
      >>> n = 2 * mesh.size
      >>> keys = jax.random.split(jax.random.key(0), n)
      >>> states = jax.vmap(algo.init)(jnp.ones((n, 8, 8), jnp.int8))
      >>> res = sample_chains(algo, keys, states, 10, params=LatticeParams(), beta=0.4,
      ...                     mesh=mesh)
      >>> res.state.spins.shape == (n, 8, 8)
      True

    References:
      JAX documentation, "Distributed arrays and automatic parallelization" (jit with
      in_shardings / out_shardings).
    """
    mesh = _check_mesh(mesh)
    _check_divisible(check_chain_axis(keys, "keys"), mesh)
    shardings = (NamedSharding(mesh, P(CHAIN_AXIS)), NamedSharding(mesh, P()))
    return driver.sample_chains(kernel, keys, states, n_steps, params=params, beta=beta,
                                shardings=shardings, **sample_kwargs)
