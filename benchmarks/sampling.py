"""Monte Carlo samplers: lattice throughput, critical slowing down, and memory.

Issue #3 targets (this 2-core CPU):

- heat-bath spin updates per ns for L = 256, 1024, 4096: at least 2x a plain ``jnp.roll`` JAX
  heat bath and 4x thrml's block Gibbs; a plain NumPy checkerboard is timed too;
- tau_int of |m| at beta_c for L = 16, 32, 64, 128: Swendsen-Wang and Wolff grow at most 3x
  over that range, Metropolis at least 30x; the fitted dynamic exponents z are printed;
- a 16384 x 16384 lattice sweeps in under 2 GB of RAM (peak RSS of a separate process).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from benchmarks._timing import Row, time_call
from statmech.exact import BETA_C
from statmech.mcmc import LatticeParams, heat_bath, metropolis, sample, swendsen_wang, wolff
from statmech.observables import integrated_autocorr_time

BETA = 0.44


# ---------------------------------------------------------------------------------------------
# baselines
def _plain_half_sweep(s, u, parity, colour, beta):
    field = jnp.roll(s, 1, 0) + jnp.roll(s, -1, 0) + jnp.roll(s, 1, 1) + jnp.roll(s, -1, 1)
    new = jnp.where(u < jax.nn.sigmoid(2.0 * beta * field), 1.0, -1.0)
    return jnp.where(parity == colour, new, s)


@jax.jit
def _plain_roll_sweeps(key, spins, beta, n_sweeps_like):
    """The textbook JAX heat bath: float32 lattice, jnp.roll fields, a threefry uniform for
    every site in each half-sweep, a checkerboard mask."""
    L, M = spins.shape
    parity = (jnp.arange(L)[:, None] + jnp.arange(M)[None, :]) % 2

    def sweep(s, k):
        k0, k1 = jax.random.split(k)
        s = _plain_half_sweep(s, jax.random.uniform(k0, (L, M)), parity, 0, beta)
        s = _plain_half_sweep(s, jax.random.uniform(k1, (L, M)), parity, 1, beta)
        return s, None

    s, _ = lax.scan(sweep, spins.astype(jnp.float32), jax.random.split(key, n_sweeps_like.shape[0]))
    return s.astype(jnp.int8)


def _numpy_sweeps(spins: np.ndarray, beta: float, n_sweeps: int, seed: int = 0) -> np.ndarray:
    """Plain NumPy checkerboard heat bath (float32, np.roll fields, masked updates)."""
    rng = np.random.default_rng(seed)
    s = spins.astype(np.float32)
    L, M = s.shape
    parity = (np.arange(L)[:, None] + np.arange(M)[None, :]) % 2
    for _ in range(n_sweeps):
        for colour in (0, 1):
            field = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
            p = 1.0 / (1.0 + np.exp(-2.0 * beta * field))
            new = np.where(rng.random((L, M), dtype=np.float32) < p, 1.0, -1.0)
            s = np.where(parity == colour, new, s).astype(np.float32)
    return s.astype(np.int8)


# ---------------------------------------------------------------------------------------------
# throughput
def _ours(L: int, n_sweeps: int):
    algo = heat_bath("lattice")
    state = algo.init(jnp.ones((L, L), jnp.int8))
    return lambda: sample(algo, jax.random.key(1), state, n_sweeps, params=LatticeParams(),
                          beta=BETA, keep_trace=False).state.spins


def _rate(L: int, n_sweeps: int, seconds: float) -> float:
    return n_sweeps * L * L / seconds / 1e9


def bench_throughput(L: int, n_sweeps: int, n_numpy: int, n_thrml: int | None) -> list[Row]:
    """Our heat bath against the plain JAX kernel, NumPy and thrml, all at beta = 0.44.

    thrml builds its sampling program with Python loops over nodes (about 30 s and 2 GB at
    L = 1024), so it is not run at L = 4096 (``n_thrml=None``)."""
    first, ours, spins = time_call(_ours(L, n_sweeps))
    m = float(jnp.mean(spins.astype(jnp.float32)))
    assert np.isfinite(m) and abs(m) <= 1.0
    ones = jnp.ones((L, L), jnp.int8)
    like = jnp.zeros((n_sweeps,))
    plain = time_call(lambda: _plain_roll_sweeps(jax.random.key(1), ones, BETA, like))[1]
    t0 = time.perf_counter()
    _numpy_sweeps(np.ones((L, L), np.int8), BETA, n_numpy)
    numpy_s = (time.perf_counter() - t0) * n_sweeps / n_numpy
    rows = [
        Row(f"heat bath L={L}, {n_sweeps} sweeps vs plain jnp.roll", ours, first,
            "plain jnp.roll JAX heat bath", plain, None,
            {"updates_per_ns": _rate(L, n_sweeps, ours),
             "baseline_updates_per_ns": _rate(L, n_sweeps, plain), "target_ratio": 2.0}),
        Row(f"heat bath L={L}, {n_sweeps} sweeps vs NumPy", ours, first,
            f"NumPy checkerboard ({n_numpy} sweeps, scaled)", numpy_s, None,
            {"updates_per_ns": _rate(L, n_sweeps, ours),
             "baseline_updates_per_ns": _rate(L, n_sweeps, numpy_s)}),
    ]
    if n_thrml:
        try:
            from benchmarks._thrml_ising import build
        except ImportError as err:          # pragma: no cover - bench extra missing
            print(f"  (thrml row skipped: {err})")
            return rows
        try:
            run = build(L, BETA, n_thrml)
        except ImportError as err:
            print(f"  (thrml row skipped: {err})")
            return rows
        thrml_s = time_call(run, repeats=2)[1] * n_sweeps / n_thrml
        rows.append(Row(f"heat bath L={L}, {n_sweeps} sweeps vs thrml", ours, first,
                        f"thrml block Gibbs ({n_thrml} sweeps, scaled)", thrml_s, None,
                        {"updates_per_ns": _rate(L, n_sweeps, ours),
                         "baseline_updates_per_ns": _rate(L, n_sweeps, thrml_s),
                         "target_ratio": 4.0}))
    return rows


# ---------------------------------------------------------------------------------------------
# critical slowing down
def _abs_m(state, params, beta):
    return jnp.abs(jnp.mean(state.spins.astype(jnp.float32)))


def tau_abs_m(algo, L: int, n_chains: int, n_burn: int, n_steps: int, seed: int = 0):
    """tau_int of |m| at beta_c from ``n_chains`` chains (ordered starts, ACFs averaged), in
    steps, and the kernel's mean Info."""

    @jax.jit
    def chains(keys):
        def one(k):
            kb, kr = jax.random.split(k)
            state = algo.init(jnp.ones((L, L), jnp.int8))
            state = sample(algo, kb, state, n_burn, params=LatticeParams(), beta=BETA_C,
                           keep_trace=False).state
            res = sample(algo, kr, state, n_steps, params=LatticeParams(), beta=BETA_C,
                         observe=_abs_m)
            return res.trace, res.info

        return jax.vmap(one)(keys)

    trace, info = chains(jax.random.split(jax.random.key(seed), n_chains))
    return float(integrated_autocorr_time(np.asarray(trace))), info


# (L, chains, burn-in, steps) per algorithm: run lengths >~ 50 tau_int per chain.
TAU_RUNS = {
    "metropolis": [(16, 16, 1000, 4000), (32, 16, 2000, 8000), (64, 16, 4000, 20000),
                   (128, 8, 10000, 60000)],
    "swendsen_wang": [(16, 16, 100, 1000), (32, 16, 100, 1000), (64, 8, 100, 1000),
                      (128, 8, 100, 1000)],
    "wolff": [(16, 16, 100, 2000), (32, 16, 100, 2000), (64, 8, 100, 1000),
              (128, 8, 100, 1000)],
}
QUICK_TAU_RUNS = {           # a smoke run: small lattices, short chains (z is not meaningful)
    "metropolis": [(8, 4, 100, 500), (16, 4, 100, 500)],
    "swendsen_wang": [(8, 4, 20, 100), (16, 4, 20, 100)],
    "wolff": [(8, 4, 20, 100), (16, 4, 20, 100)],
}


def bench_tau(quick: bool, runs_by_algorithm: dict | None = None) -> list[Row]:
    """tau_int(|m|) at beta_c against L, in sweeps (Wolff: steps x <cluster>/N), and z.

    ``runs_by_algorithm`` (default: QUICK_TAU_RUNS or TAU_RUNS) maps algorithm names to
    (L, chains, burn-in, steps) runs, at least two sizes each."""
    algos = {"metropolis": metropolis("lattice"), "swendsen_wang": swendsen_wang(),
             "wolff": wolff()}
    rows = []
    if runs_by_algorithm is None:
        runs_by_algorithm = QUICK_TAU_RUNS if quick else TAU_RUNS
    for name, runs in runs_by_algorithm.items():
        sizes, taus = [], []
        for L, n_chains, n_burn, n_steps in runs:
            t0 = time.perf_counter()
            tau, info = tau_abs_m(algos[name], L, n_chains, n_burn, n_steps)
            seconds = time.perf_counter() - t0
            if name == "wolff":
                tau = tau * float(jnp.mean(info.cluster_size)) / (L * L)
            sizes.append(L)
            taus.append(tau)
            rows.append(Row(f"tau_int |m| at beta_c, {name}, L={L}", seconds, seconds,
                            extra={"tau_int_sweeps": tau, "chains": n_chains,
                                   "steps": n_steps}))
        z = float(np.polyfit(np.log(sizes), np.log(taus), 1)[0])
        growth = taus[-1] / taus[0]
        target = {"metropolis": ">= 30", "swendsen_wang": "<= 3", "wolff": "<= 3"}[name]
        ok = growth >= 30 if name == "metropolis" else growth <= 3
        rows[-1].extra.update({"fitted_z": z, f"growth_L{sizes[0]}_to_L{sizes[-1]}": growth,
                               "target_growth": target, "growth_ok": ok})
        print(f"  {name}: tau_int(L) = {dict(zip(sizes, np.round(taus, 2), strict=True))}, "
              f"growth {growth:.1f}x (target {target}), fitted z = {z:.2f}")
    return rows


# ---------------------------------------------------------------------------------------------
# memory
_MEMORY_SCRIPT = """
import resource, sys, time, json
import jax, jax.numpy as jnp
from statmech.mcmc import heat_bath, sample, LatticeParams
L, n = int(sys.argv[1]), int(sys.argv[2])
algo = heat_bath("lattice")
state = algo.init(jnp.ones((L, L), jnp.int8))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
t0 = time.perf_counter()
res = sample(algo, jax.random.key(0), state, n, params=LatticeParams(), beta=0.44,
             keep_trace=False)
m = float(jnp.mean(res.state.spins.astype(jnp.float32)))
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({"peak_gb": peak, "before_sweeps_gb": base, "seconds": seconds, "m": m}))
"""


def bench_memory(L: int, n_sweeps: int) -> list[Row]:
    """Peak resident memory (ru_maxrss) of a fresh process that sweeps an L x L lattice."""
    out = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(L), str(n_sweeps)],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {L}x{L} lattice, {n_sweeps} sweeps: peak RSS {r['peak_gb']:.2f} GB "
          f"(target < 2 GB; {r['before_sweeps_gb']:.2f} GB before sweeping), m = {r['m']:.3f}")
    return [Row(f"memory: {L}x{L} heat bath, {n_sweeps} sweeps (incl. compile)", r["seconds"],
                r["seconds"], extra={"peak_rss_gb": r["peak_gb"], "target_gb": 2.0,
                                     "ok": r["peak_gb"] < 2.0})]


def run(quick: bool) -> list[Row]:
    if quick:
        return (bench_throughput(64, 20, 2, None) + bench_tau(True) + bench_memory(256, 2))
    return (bench_throughput(256, 400, 20, 100) + bench_throughput(1024, 40, 4, 10)
            + bench_throughput(4096, 4, 1, None) + bench_tau(False) + bench_memory(16384, 2))
