"""The sampler interface shared by every kernel, and the parameter containers of Ising-type models.

A sampler is a :class:`SamplingAlgorithm` of two pure functions (blackjax style):

- ``init(position) -> State`` builds the state from a configuration;
- ``step(key, state, params, beta) -> (State, Info)`` advances one sweep.

``params`` and ``beta`` are traced arguments, so annealing, tempering and ``grad`` never
recompile. State holds only what the chain needs to continue; diagnostics (acceptance, swap
rates) live in Info. Write for one chain; many chains are ``jax.vmap`` over keys and states.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from statmech._validate import is_concrete

__all__ = [
    "SamplingAlgorithm",
    "lattice_energy",
    "check_params",
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


class LatticeParams(NamedTuple):
    """Ising couplings and fields on a periodic L x M square lattice (as the transfer matrix).

    E(s) = -sum J_right[i,j] s_ij s_i,j+1 - sum J_down[i,j] s_ij s_i+1,j - sum h[i,j] s_ij.
    Each entry is a scalar (uniform) or an [L, M] array.
    """

    J_right: Any = 1.0
    J_down: Any = 1.0
    h: Any = 0.0


class GraphParams(NamedTuple):
    """Ising couplings and fields on a graph: E(s) = -sum_e J_e s_a s_b - sum_i h_i s_i.

    ``J`` is a scalar or one coupling per edge [E]; ``h`` a scalar or one field per node [n].
    """

    J: Any = 1.0
    h: Any = 0.0


class DenseParams(NamedTuple):
    """A dense pairwise model (Boltzmann machine, Hopfield net, SK): E = -1/2 x.W.x - b.x.

    ``W`` is symmetric [n, n]; its diagonal is ignored by the samplers (it is a constant for
    +-1 spins and a bias for {0, 1} units). ``b`` is [n].
    """

    W: Any
    b: Any


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


def lattice_energy(params: LatticeParams, spins: jax.Array) -> jax.Array:
    """E(s) = -sum J_right s_ij s_i,j+1 - sum J_down s_ij s_i+1,j - sum h s_ij on the periodic
    lattice, the energy the lattice kernels sample (spins [L, M], float).

    Example:
      >>> import jax.numpy as jnp
      >>> float(lattice_energy(LatticeParams(), jnp.ones((4, 4))))    # 32 bonds
      -32.0
    """
    s = jnp.asarray(spins)
    s = s.astype(jnp.promote_types(s.dtype, jnp.float32)) if not jnp.issubdtype(
        s.dtype, jnp.floating) else s
    jr, jd, h = (jnp.asarray(p, s.dtype) for p in params)
    return -(jnp.sum(jr * s * jnp.roll(s, -1, 1)) + jnp.sum(jd * s * jnp.roll(s, -1, 0))
             + jnp.sum(h * s))
