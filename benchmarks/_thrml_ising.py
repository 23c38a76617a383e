"""thrml baseline: checkerboard block Gibbs on the periodic 2D Ising ferromagnet.

Written the way a thrml (Extropic, https://github.com/extropic-ai/thrml) user would: one
``SpinNode`` per site, an ``IsingEBM`` with one edge per nearest-neighbour bond (weight J = 1,
bias 0), the two checkerboard colours as the two free ``Block``s of an ``IsingSamplingProgram``,
and thrml's own ``sample_states`` / ``sample_with_observation`` as the sampling loop, jit-compiled
with ``equinox.filter_jit`` (the program is an equinox Module; passing it as an argument keeps its
index arrays out of the compiled program as constants).

Conventions (thrml 0.1.4, ``thrml/models/ising.py`` and ``thrml/models/discrete_ebm.py``):
``IsingEBM`` has energy ``E(s) = -beta (sum_i b_i s_i + sum_(ij) w_ij s_i s_j)`` with
``P(s) ~ exp(-E(s))``, i.e. beta is already inside thrml's energy and the weights enter with a
minus sign. So w_ij = J = 1, b_i = 0 and ``beta`` = our beta give exactly
``P(s) ~ exp(beta sum_<ij> s_i s_j)``, our E = -sum_<ij> s_i s_j. The heat-bath update
(``SpinGibbsConditional``) is ``P(s_i = +1 | rest) = sigmoid(2 gamma)``,
``gamma = beta sum_j w_ij s_j``.
Spins are stored as bool (True = +1, False = -1).

One thrml "iteration" (``sample_blocks``) visits every free block once, in order, so with the
two colours as two separate super-blocks one iteration is one full checkerboard sweep
(L*L spin updates). ``SamplingSchedule(n_warmup, n_samples, steps_per_sample)`` runs
``n_warmup + (n_samples - 1) * steps_per_sample`` iterations and observes ``n_samples`` states
(the first one right after warm-up).

thrml is an optional dependency (``pip install -e '.[bench]'``); it is imported lazily so this
module imports without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_MISSING = "thrml is not installed: pip install -e '.[bench]'"


def _import_thrml():
    try:
        import equinox as eqx
        import thrml
        from thrml.models import IsingEBM, IsingSamplingProgram
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(_MISSING) from e
    return eqx, thrml, IsingEBM, IsingSamplingProgram


def _lattice(L: int):
    """Sites in row-major order (site = r * L + c), bonds (right and down neighbour of each
    site, periodic: 2 L^2 bonds) and the two checkerboard colours as site-index arrays."""
    if not isinstance(L, (int, np.integer)) or L < 2 or L % 2:
        raise ValueError(f"L must be an even int >= 2 for a periodic checkerboard, got {L!r}")
    L = int(L)
    r, c = np.divmod(np.arange(L * L), L)
    right = r * L + (c + 1) % L
    down = ((r + 1) % L) * L + c
    heads = np.concatenate([np.arange(L * L), np.arange(L * L)])
    tails = np.concatenate([right, down])
    even = np.flatnonzero((r + c) % 2 == 0)
    odd = np.flatnonzero((r + c) % 2 == 1)
    return heads, tails, even, odd


def _model(L: int, beta: float, seed: int):
    """(program, free blocks, all nodes in lattice order, fixed random initial state)."""
    eqx, thrml, IsingEBM, IsingSamplingProgram = _import_thrml()
    import jax
    import jax.numpy as jnp

    heads, tails, even, odd = _lattice(L)
    nodes = [thrml.SpinNode() for _ in range(L * L)]
    edges = [(nodes[i], nodes[j]) for i, j in zip(heads.tolist(), tails.tolist(), strict=True)]
    model = IsingEBM(
        nodes,
        edges,
        jnp.zeros((len(nodes),), dtype=jnp.float32),  # h = 0
        jnp.ones((len(edges),), dtype=jnp.float32),  # J = 1 on every bond
        jnp.asarray(beta, dtype=jnp.float32),
    )
    free_blocks = [thrml.Block([nodes[i] for i in even.tolist()]),
                   thrml.Block([nodes[i] for i in odd.tolist()])]
    program = IsingSamplingProgram(model, free_blocks, clamped_blocks=[])
    # A fixed random start, each spin +-1 with probability 1/2: what thrml's hinton_init draws
    # for zero biases, drawn directly because hinton_init (an eqx.filter_jit that hashes the
    # model's node lists and loops over nodes in Python) alone takes ~30 s at L = 1024.
    keys = jax.random.split(jax.random.key(seed), len(free_blocks))
    init_state = [jax.random.bernoulli(k, 0.5, (len(b),)) for k, b in zip(keys, free_blocks,
                                                                          strict=True)]
    return program, free_blocks, nodes, init_state


def build(L: int, beta: float, n_sweeps: int, seed: int = 0) -> Callable[[], Any]:
    """Returns a zero-argument function; each call runs n_sweeps full checkerboard sweeps
    (both colours) of block Gibbs on the L x L periodic Ising model with thrml, starting from
    a fixed random state, and blocks until the result is ready (jax.block_until_ready).
    The first call compiles; later calls must not recompile.

    The call returns the final configuration as thrml gives it: a bool array of shape
    ``(1, L*L)`` (True = +1) in row-major lattice order. Every call uses the same PRNG key and
    initial state, so every call does identical work (and returns the identical state).
    """
    if int(n_sweeps) < 1:
        raise ValueError(f"n_sweeps must be >= 1, got {n_sweeps!r}")
    eqx, thrml, *_ = _import_thrml()
    import jax

    program, _, nodes, init_state = _model(L, beta, seed)
    # n_warmup = n_sweeps iterations, then a single observation of the final state
    # (n_samples = 1 runs no further iterations): exactly n_sweeps sweeps, nothing stored per sweep.
    schedule = thrml.SamplingSchedule(n_warmup=int(n_sweeps), n_samples=1, steps_per_sample=1)
    observe = [thrml.Block(nodes)]
    key = jax.random.split(jax.random.key(seed))[1]
    run = eqx.filter_jit(thrml.sample_states)

    def call():
        return jax.block_until_ready(run(key, program, schedule, init_state, [], observe))[0]

    return call


def _energy_series(L: int, beta: float, n_sweeps: int, n_warmup: int, seed: int = 0) -> np.ndarray:
    """Energy E = -sum_<ij> s_i s_j (whole lattice, not per site) of n_sweeps consecutive
    thrml block-Gibbs states, after n_warmup sweeps, as a float64 NumPy array.

    The energy is computed by an observer inside thrml's sampling loop (so no samples are
    stored) directly from the spins on the lattice, independently of thrml's own energy and
    beta conventions.
    """
    if int(n_sweeps) < 1 or int(n_warmup) < 0:
        raise ValueError("need n_sweeps >= 1 and n_warmup >= 0")
    eqx, thrml, *_ = _import_thrml()
    import jax
    import jax.numpy as jnp

    program, _, nodes, init_state = _model(L, beta, seed)
    lattice = thrml.Block(nodes)
    L = int(L)

    class _LatticeEnergy(thrml.AbstractObserver):
        def __call__(self, program, state_free, state_clamped, carry, iteration):
            glob = thrml.block_state_to_global(state_free + state_clamped, program.gibbs_spec)
            (s,) = thrml.from_global_state(glob, program.gibbs_spec, [lattice])
            s = (2 * s.astype(jnp.int32) - 1).reshape(L, L)
            bonds = s * jnp.roll(s, -1, axis=0) + s * jnp.roll(s, -1, axis=1)
            return carry, -jnp.sum(bonds)

    # observation 0 comes right after n_warmup sweeps, then one sweep between observations
    schedule = thrml.SamplingSchedule(n_warmup=int(n_warmup), n_samples=int(n_sweeps),
                                      steps_per_sample=1)
    key = jax.random.split(jax.random.key(seed))[1]
    observer = _LatticeEnergy()
    _, energies = eqx.filter_jit(thrml.sample_with_observation)(
        key, program, schedule, init_state, [], observer.init(), observer)
    return np.asarray(jax.device_get(energies), dtype=np.float64).reshape(-1)


def energy_per_site(L: int, beta: float, n_sweeps: int, n_warmup: int, seed: int = 0) -> float:
    """Runs thrml block Gibbs and returns the mean energy per site <E>/N over n_sweeps samples
    after n_warmup sweeps (a physics check that the baseline samples the right model)."""
    return float(_energy_series(L, beta, n_sweeps, n_warmup, seed).mean() / (int(L) * int(L)))
