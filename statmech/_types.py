"""Shared types: the energy-function protocol."""

from __future__ import annotations

from typing import Any, Protocol

import jax

__all__ = ["EnergyFn", "Params"]

Params = Any  # any pytree of arrays


class EnergyFn(Protocol):
    """``energy_fn(params, x) -> scalar``: the energy of one configuration ``x``."""

    def __call__(self, params: Params, x: jax.Array) -> jax.Array: ...
