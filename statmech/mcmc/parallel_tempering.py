"""Parallel tempering (replica exchange) over a ladder of inverse temperatures, wrapping any kernel.

R replicas, one per inverse temperature beta_0 < beta_1 < ... < beta_{R-1}, each advanced by the
wrapped kernel at its own temperature (one ``vmap``); then neighbouring temperature slots of one
randomly chosen parity (pairs (k, k+1) with k even, or with k odd) propose to exchange their
configurations, accepted with probability min(1, exp((beta_{k+1} - beta_k)(E_{k+1} - E_k))).
Each parity choice satisfies detailed balance, so the random mixture does too.

Walkers are tracked through the ladder to count round trips (hottest slot -> coldest slot ->
hottest slot), the standard measure of how well the ladder mixes.

References:
  R. H. Swendsen and J.-S. Wang, Phys. Rev. Lett. 57, 2607 (1986); K. Hukushima and K. Nemoto,
  J. Phys. Soc. Jpn. 65, 1604 (1996); D. J. Earl and M. W. Deem, PCCP 7, 3910 (2005).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from statmech._types import EnergyFn
from statmech.mcmc.base import SamplingAlgorithm, position_of
from statmech.validate import check_beta, float_dtype, is_concrete

__all__ = ["PTState", "PTInfo", "init", "build_kernel", "parallel_tempering"]


class PTState(NamedTuple):
    """Replica-exchange state.

    Attributes:
      states: the wrapped kernel's states stacked along a leading axis, slot k at beta_k.
      walker: int32 [R], which walker occupies slot k (walkers are the replicas' identities).
      last_end: int8 [R] per walker: 0 if it last touched the hottest slot (k = 0), 1 if the
        coldest (k = R - 1), -1 if neither yet. Needed to continue counting round trips.
    """

    states: Any
    walker: jax.Array
    last_end: jax.Array


class PTInfo(NamedTuple):
    """Per-step diagnostics.

    Attributes:
      kernel_info: the wrapped kernel's Info, stacked over slots.
      swap_attempted: float [R-1], 1 where the pair (k, k+1) proposed an exchange this step.
      swap_accepted: float [R-1], 1 where it was accepted (rate = mean accepted / mean attempted).
      round_trips: walkers that completed a hottest -> coldest -> hottest trip this step.
    """

    kernel_info: Any
    swap_attempted: jax.Array
    swap_accepted: jax.Array
    round_trips: jax.Array


def init(positions: Any, betas: Any, kernel: SamplingAlgorithm) -> PTState:
    """The PT state from per-slot positions (leading axis R) for the ladder ``betas``."""
    betas = _check_ladder(betas)
    leaves = jax.tree_util.tree_leaves(positions)
    if not leaves or any(jnp.shape(x)[:1] != (len(betas),) for x in leaves):
        raise ValueError(f"positions must have a leading axis of length R = {len(betas)} (one "
                         f"configuration per beta), got shapes "
                         f"{[jnp.shape(x) for x in leaves]}")
    states = jax.vmap(kernel.init)(positions) if not is_concrete(positions) else _init_each(
        kernel, positions, len(betas))
    R = len(betas)
    last_end = jnp.full((R,), -1, jnp.int8).at[0].set(0).at[R - 1].set(1)
    return PTState(states, jnp.arange(R, dtype=jnp.int32), last_end)


def _init_each(kernel, positions, R):
    # init per slot, concretely, so the wrapped kernel's value checks run on every position
    states = [kernel.init(jax.tree_util.tree_map(lambda x, k=k: x[k], positions))
              for k in range(R)]
    return jax.tree_util.tree_map(lambda *x: jnp.stack(x), *states)


def _check_ladder(betas: Any) -> np.ndarray | jax.Array:
    check_beta(betas, "betas")
    if jnp.ndim(betas) != 1 or jnp.shape(betas)[0] < 2:
        raise ValueError(f"betas must be a 1-D ladder of at least 2 inverse temperatures, got "
                         f"shape {jnp.shape(betas)}")
    if is_concrete(betas):
        arr = np.asarray(betas, dtype=np.float64)
        if np.any(np.diff(arr) <= 0):
            raise ValueError(f"betas must be strictly increasing (ascending: hottest first, "
                             f"target last), got {arr.tolist()}")
    return betas


def build_kernel(kernel: SamplingAlgorithm | Callable, energy_fn: EnergyFn) -> Callable:
    """``step(key, state, params, betas) -> (PTState, PTInfo)`` for the wrapped kernel step."""
    inner = kernel.step if isinstance(kernel, SamplingAlgorithm) else kernel

    def step(key, state: PTState, params, betas):
        betas = jnp.asarray(betas)
        R = betas.shape[0]
        k_move, k_parity, k_swap = jax.random.split(key, 3)
        states, kinfo = jax.vmap(inner, in_axes=(0, 0, None, 0))(
            jax.random.split(k_move, R), state.states, params, betas)
        x = position_of(states)
        energy = jax.vmap(energy_fn, in_axes=(None, 0))(params, x.astype(float_dtype()))
        parity = jax.random.bernoulli(k_parity).astype(jnp.int32)
        k = jnp.arange(R - 1)
        attempted = (k % 2) == parity
        log_ratio = (betas[1:] - betas[:-1]) * (energy[1:] - energy[:-1])
        u = jax.random.uniform(k_swap, (R - 1,), dtype=log_ratio.dtype)
        accepted = attempted & (jnp.log(u) < jnp.minimum(log_ratio, 0.0))
        # permutation of slots: slot k takes the configuration of its accepted partner
        slots = jnp.arange(R)
        from_right = jnp.concatenate([accepted, jnp.zeros((1,), bool)])
        from_left = jnp.concatenate([jnp.zeros((1,), bool), accepted])
        perm = jnp.where(from_right, slots + 1, jnp.where(from_left, slots - 1, slots))
        states = jax.tree_util.tree_map(lambda x: x[perm], states)
        walker = state.walker[perm]
        # round trips: a walker arriving at the hottest slot after touching the coldest one
        at_hot, at_cold = walker[0], walker[R - 1]
        trip = (state.last_end[at_hot] == 1).astype(jnp.int32)
        last_end = state.last_end.at[at_hot].set(0).at[at_cold].set(1)
        info = PTInfo(kinfo, attempted.astype(jnp.float32), accepted.astype(jnp.float32), trip)
        return PTState(states, walker, last_end), info

    return step


def parallel_tempering(kernel: SamplingAlgorithm, energy_fn: EnergyFn) -> SamplingAlgorithm:
    """Replica exchange over a beta ladder, wrapping any kernel.

    Each step moves every replica with ``kernel`` at its own beta_k, then proposes exchanges
    between neighbouring slots of a random parity, accepted with probability
    min(1, exp((beta_{k+1} - beta_k)(E_{k+1} - E_k))).

    Args:
      kernel: the :class:`SamplingAlgorithm` run at each temperature.
      energy_fn: ``energy_fn(params, x) -> E`` of one replica's configuration x (the kernel
        state's ``spins``, as a float array): the energy the kernel samples, p_beta(x) ~
        exp(-beta E(x)), the same function the estimators take.

    Returns:
      ``SamplingAlgorithm(init, step)`` with ``init(positions, betas)`` (positions stacked along
      a leading axis R; betas strictly increasing: hottest first, the target last) and
      ``step(key, state, params, betas)``: the ladder is a traced argument.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.mcmc import heat_bath, parallel_tempering, LatticeParams
      >>> hb = heat_bath("lattice")
      >>> energy = lambda p, s: -jnp.sum(s * jnp.roll(s, 1, 0))
      >>> pt = parallel_tempering(hb, energy)
      >>> betas = jnp.array([0.2, 0.4, 0.6])
      >>> state = pt.init(jnp.ones((3, 4, 4), jnp.int8), betas)
      >>> state, info = pt.step(jax.random.key(0), state, LatticeParams(), betas)
      >>> info.swap_attempted.shape
      (2,)

    References:
      Swendsen & Wang (1986); Hukushima & Nemoto (1996).
    """
    if not isinstance(kernel, SamplingAlgorithm):
        raise TypeError(f"kernel must be a SamplingAlgorithm, got {type(kernel).__name__}")
    if not callable(energy_fn):
        raise TypeError(f"energy_fn must be callable, got {type(energy_fn).__name__}")
    return SamplingAlgorithm(lambda positions, betas: init(positions, betas, kernel),
                             build_kernel(kernel, energy_fn))
