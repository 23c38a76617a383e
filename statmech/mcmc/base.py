"""The sampler interface shared by every kernel.

A sampler is a :class:`SamplingAlgorithm` of two pure functions (blackjax style):

- ``init(position) -> State`` builds the state from a configuration;
- ``step(key, state, params, beta) -> (State, Info)`` advances one sweep.

``params`` and ``beta`` are traced arguments, so annealing, tempering and ``grad`` never
recompile. State holds only what the chain needs to continue; diagnostics (acceptance, swap
rates) live in Info. Write for one chain; many chains are ``jax.vmap`` over keys and states.
The parameter containers of Ising-type models live in :mod:`statmech.lattice.params` and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from statmech.lattice.params import DenseParams, GraphParams, LatticeParams, lattice_energy
from statmech.validate import is_concrete

__all__ = [
    "SamplingAlgorithm",
    "lattice_energy",
    "check_params",
    "position_of",
    "SpinState",
    "LocalInfo",
    "LatticeParams",
    "GraphParams",
    "DenseParams",
]


class SamplingAlgorithm(NamedTuple):
    """A sampler: ``init(position) -> State``, ``step(key, state, params, beta) -> (State, Info)``.
    """

    init: Callable[..., Any]
    step: Callable[[jax.Array, Any, Any, jax.Array], tuple[Any, Any]]


class SpinState(NamedTuple):
    """State of a spin chain: the configuration, ``int8`` (+-1 spins, {0,1} units or Potts
    colours)."""

    spins: jax.Array


class LocalInfo(NamedTuple):
    """Per-sweep diagnostics of a local-update kernel.

    Attributes:
      acceptance_rate: fraction of the attempted single-spin updates that changed the spin.
    """

    acceptance_rate: jax.Array


def check_params(params: Any, state: Any) -> None:
    """Shapes (and, when concrete, finiteness) of the built-in parameter types against the
    chain's spins; other parameter pytrees pass through. Raises ValueError naming the field."""
    spins = getattr(state, "spins", None)
    if spins is None or not isinstance(params, (LatticeParams, GraphParams, DenseParams)):
        return
    shape = tuple(jnp.shape(spins))
    n = int(np.prod(shape)) if shape else 0
    if isinstance(params, LatticeParams):
        allowed = {"J_right": [(), shape], "J_down": [(), shape], "h": [(), shape]}
    elif isinstance(params, GraphParams):
        allowed = {"J": None, "h": [(), (n,)]}
    else:
        allowed = {"W": [(n, n)], "b": [(), (n,)]}
    for name, value in params._asdict().items():
        got = tuple(jnp.shape(value))
        if allowed[name] is not None and got not in allowed[name]:
            raise ValueError(f"{type(params).__name__}.{name} must have shape "
                             f"{' or '.join(str(a) for a in allowed[name])} for spins of shape "
                             f"{shape}, got {got}")
        if allowed[name] is None and len(got) > 1:
            raise ValueError(f"{type(params).__name__}.{name} must be a scalar or one value per "
                             f"edge [E], got shape {got}")
        if is_concrete(value) and not np.all(np.isfinite(np.asarray(value, dtype=float))):
            raise ValueError(f"{type(params).__name__}.{name} must be finite")


def position_of(state: Any) -> Any:
    """The configuration a sampler state holds: ``state.spins`` for the spin kernels, or the
    state itself for kernels whose state is the configuration.

    Example:
      >>> import jax.numpy as jnp
      >>> position_of(SpinState(jnp.ones(3, jnp.int8))).tolist()
      [1, 1, 1]
    """
    return state.spins if hasattr(state, "spins") else state
