"""Pieces shared by the sampling estimators (AIS, reverse AIS, thermodynamic integration):
unit values and exact uniform draws of the t = 0 distribution, argument checks, and building
the chains' states."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from statmech.mcmc.base import SamplingAlgorithm
from statmech.validate import check_beta, check_static_int

__all__ = ["unit_values", "uniform_positions", "check_common", "init_all"]


def unit_values(spins: Any, name: str = "spins") -> tuple[int, ...]:
    """The allowed unit values: (-1, 1), (0, 1), or q >= 2 Potts states such as (0, 1, 2).

    Example:
      >>> unit_values((0, 1, 2))
      (0, 1, 2)
    """
    try:
        values = tuple(int(v) for v in spins)
    except TypeError as err:
        raise TypeError(f"{name} must be a tuple of unit values such as (-1, 1), (0, 1) or "
                        f"(0, 1, 2), got {spins!r}") from err
    if len(values) < 2 or len(set(values)) != len(values) or any(
            int(v) != float(v) for v in spins):
        raise ValueError(f"{name} must list at least 2 distinct integer unit values, got "
                         f"{spins!r}")
    return values


def uniform_positions(key: jax.Array, shape: tuple[int, ...], n_chains: int,
                      spins: tuple[int, ...] = (-1, 1)) -> jax.Array:
    """``n_chains`` exact samples of the uniform (t = 0) distribution, ``[n_chains, *shape]``,
    each unit uniform over ``spins`` (2 values, or q Potts states).

    Example:
      >>> import jax
      >>> uniform_positions(jax.random.key(0), (3,), 2, (0, 1)).shape
      (2, 3)
    """
    values = jnp.asarray(unit_values(spins), jnp.int8)
    full = (n_chains,) + tuple(shape)
    if len(values) == 2:
        return values[jax.random.bernoulli(key, 0.5, full).astype(jnp.int32)]
    return values[jax.random.randint(key, full, 0, len(values))]


def check_common(algo: Any, energy_fn: Any, beta: Any, n_chains: Any,
                 n_steps: Any) -> tuple[int, int]:
    """The arguments every sampling estimator takes; returns (n_chains, n_steps)."""
    if not isinstance(algo, SamplingAlgorithm):
        raise TypeError(f"algo must be a statmech.mcmc.SamplingAlgorithm, got "
                        f"{type(algo).__name__}")
    if not callable(energy_fn):
        raise TypeError(f"energy_fn must be callable energy_fn(params, x), got "
                        f"{type(energy_fn).__name__}")
    check_beta(beta)
    n_chains = check_static_int(n_chains, "n_chains", minimum=2)
    n_steps = check_static_int(n_steps, "n_steps", minimum=1)
    return n_chains, n_steps


def init_all(algo: SamplingAlgorithm, positions: Any, *, check_every: bool = True) -> Any:
    """The kernels' ``init`` validates a concrete position (shape, values): check every one
    (user samples) or only the first (positions drawn here, valid by construction), outside
    jit, then convert them all with ``vmap``."""
    if not isinstance(positions, jax.core.Tracer):
        for i in range(positions.shape[0] if check_every else 1):
            algo.init(positions[i])
    return jax.vmap(algo.init)(positions)
