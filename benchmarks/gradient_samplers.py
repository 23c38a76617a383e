"""Gradient-informed samplers on a generic energy: effective samples per second.

The 16 x 16 Ising model at beta_c written as a plain energy function,
E(s) = -sum_<ij> s_i s_j (rolls; nothing tells the sampler it is a lattice), sampled by
Gibbs-with-Gradients and DMALA, against the library's checkerboard heat bath on the same
model (the structure-aware baseline), in the same run. For each: chains from ordered starts,
burn-in, then the energy and |m| traced every step; ESS = n_total / (2 tau_int) of the energy
(the slower of the two observables for these kernels at this size), divided by the
steady-state wall time of the run (compile excluded). GWG makes one flip proposal per step,
DMALA flips about step_size-dependent many units per step, heat bath sweeps all 256 spins.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks._timing import Row, best_seconds
from statmech import mcmc
from statmech.exact import BETA_C
from statmech.observables import effective_sample_size

L = 16


def ising_energy(params, s):
    """E(s) = -J sum over right and down neighbours of s_i s_j, periodic (params = J)."""
    return -params * jnp.sum(s * jnp.roll(s, -1, 0) + s * jnp.roll(s, -1, 1))


def _observe(state, params, beta):
    s = state.spins.astype(jnp.float32)
    return jnp.stack([ising_energy(1.0, s) / s.size, jnp.abs(jnp.mean(s))])


def _observe_lattice(state, params, beta):
    return _observe(state, 1.0, beta)


def _run(algo, params, n_chains: int, n_burn: int, n_steps: int, observe):
    @jax.jit
    def chains(keys):
        states = jax.vmap(algo.init)(jnp.ones((n_chains, L, L), jnp.int8))
        burnt = mcmc.sample_chains(algo, jax.random.split(keys[0], n_chains), states, n_burn,
                                   params=params, beta=BETA_C, keep_trace=False).state
        res = mcmc.sample_chains(algo, jax.random.split(keys[1], n_chains), burnt, n_steps,
                                 params=params, beta=BETA_C, observe=observe)
        return res.trace

    keys = jax.random.split(jax.random.key(0), 2)
    trace = np.asarray(chains(keys))                                     # [chains, T, 2]
    seconds = best_seconds(lambda: chains(keys), repeats=2)
    ess = {name: float(effective_sample_size(trace[..., k]))
           for k, name in enumerate(("energy", "abs_m"))}
    return seconds, ess, trace


def bench_ess(quick: bool) -> list[Row]:
    """ESS per second of the energy and |m| for GWG and DMALA against heat bath."""
    n_chains = 8 if quick else 16
    runs = {   # name: (algo, params, burn-in, steps, observe)
        "heat_bath (lattice kernel)": (mcmc.heat_bath("lattice"), mcmc.LatticeParams(),
                                       200, 400 if quick else 4000, _observe_lattice),
        "gibbs_with_gradients (generic)": (mcmc.gibbs_with_gradients(ising_energy), 1.0,
                                           2000, 4000 if quick else 100_000, _observe),
        "dmala step 1.0 (generic)": (mcmc.dmala(ising_energy, 1.0), 1.0, 1000,
                                     2000 if quick else 40_000, _observe),
    }
    results = {}
    for name, (algo, params, n_burn, n_steps, observe) in runs.items():
        seconds, ess, trace = _run(algo, params, n_chains, n_burn, n_steps, observe)
        rate = {k: v / seconds for k, v in ess.items()}
        results[name] = (seconds, ess, rate, float(trace[..., 0].mean()))
        print(f"  {name:32s} {n_steps:7d} steps x {n_chains} chains in {seconds:7.2f} s: "
              f"ESS(E) {ess['energy']:8.1f}, ESS(|m|) {ess['abs_m']:8.1f}; "
              f"ESS/s {rate['energy']:9.1f} (E), {rate['abs_m']:9.1f} (|m|); "
              f"<E>/N {results[name][3]:.4f}")
    base = results["heat_bath (lattice kernel)"]
    rows = []
    for name, (seconds, ess, rate, mean_e) in results.items():
        # ratio = our ESS/s over the baseline's: baseline_seconds scaled to the same ESS
        same_ess = base[0] * ess["energy"] / max(base[1]["energy"], 1e-9)
        rows.append(Row(f"ESS/s Ising {L}x{L} at beta_c, {name}", seconds, seconds,
                        baseline="heat bath, lattice kernel, same ESS of E",
                        baseline_seconds=same_ess,
                        extra={"ess_energy": ess["energy"], "ess_abs_m": ess["abs_m"],
                               "ess_per_s_energy": rate["energy"],
                               "ess_per_s_abs_m": rate["abs_m"], "mean_energy": mean_e}))
    return rows


def run(quick: bool) -> list[Row]:
    return bench_ess(quick)
