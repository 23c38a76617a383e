"""Multi-device checks of ``statmech.sharding``, run in a subprocess by ``test_sharding.py``.

XLA fixes the number of host (CPU) devices when JAX initialises, so this script must start
with ``XLA_FLAGS=--xla_force_host_platform_device_count=8`` and ``JAX_PLATFORMS=cpu`` in its
environment. Each ``check_*`` function returns a JSON-serialisable dict; running the script
prints ``{name: result}`` as one JSON object on the last line of stdout.
"""

from __future__ import annotations

import functools
import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from statmech import thermodynamics
from statmech.exact import ising2d_log_z
from statmech.mcmc import LatticeParams, heat_bath, sample
from statmech.mcmc._local import lattice_field
from statmech.observables import mean_and_stderr
from statmech.sharding import (
    chain_mesh,
    domain_heat_bath_sweeps,
    domain_local_field,
    domain_mesh,
    sample_chains,
    shard_chains,
)

BETAS = (0.3, 0.6)
N_RUNS, N_SWEEPS, BURN = 4, 1000, 200
DOMAIN_CASES = ((16, 16, 8), (32, 16, 4))   # (L, M, devices): strips of 2 and 8 rows


def _random_spins(key, L, M):
    return jnp.where(jax.random.bernoulli(key, 0.5, (L, M)), 1, -1).astype(jnp.int8)


def _start(key, L, M, beta):
    """Hot (random) start above T_c, cold (all up) start below it: a random start at
    beta = 0.6 can freeze into long-lived stripe states on a non-square torus."""
    if beta < 0.44:
        return _random_spins(key, L, M)
    return jnp.ones((L, M), jnp.int8)


def _observe(state, params, beta):
    s = state.spins.astype(jnp.float32)
    e = -jnp.sum(s * (jnp.roll(s, -1, 0) + jnp.roll(s, -1, 1))) / s.size
    return {"e": e, "m": jnp.mean(s)}


def check_devices():
    return {"n_devices": len(jax.devices()), "platform": jax.devices()[0].platform}


def check_chains():
    algo = heat_bath("lattice")
    mesh = chain_mesh()
    n = 16
    keys = jax.random.split(jax.random.key(7), n)
    init = jax.vmap(lambda k: _random_spins(k, 8, 8))(jax.random.split(jax.random.key(8), n))
    states = jax.vmap(algo.init)(init)
    kw = dict(observe=_observe, thin=2)
    t0 = time.perf_counter()
    res = sample_chains(algo, shard_chains(keys, mesh), shard_chains(states, mesh), 40,
                        params=LatticeParams(), beta=0.44, mesh=mesh, **kw)
    jax.block_until_ready(res)
    t_sharded = time.perf_counter() - t0
    one_dev = jax.devices()[0]
    keys1, states1 = jax.device_put((keys, states), one_dev)
    ref = jax.vmap(lambda k, s: sample(algo, k, s, 40, params=LatticeParams(), beta=0.44,
                                       **kw))(keys1, states1)
    same = lambda a, b: bool(np.array_equal(np.asarray(a), np.asarray(b)))  # noqa: E731
    return {
        "states_equal": same(res.state.spins, ref.state.spins),
        "trace_e_equal": same(res.trace["e"], ref.trace["e"]),
        "trace_m_equal": same(res.trace["m"], ref.trace["m"]),
        "moments_equal": same(res.moments.mean["e"], ref.moments.mean["e"]),
        "ref_devices": len(ref.state.spins.sharding.device_set),
        "out_devices": len(res.state.spins.sharding.device_set),
        "out_spec": str(res.state.spins.sharding.spec),
        "trace_devices": len(res.trace["e"].sharding.device_set),
        "seconds": t_sharded,
    }


def check_halo():
    out = {}
    for (L, M, n_dev) in ((16, 16, 8), (32, 16, 4)):
        mesh = domain_mesh(jax.devices()[:n_dev])
        k1, k2, k3 = jax.random.split(jax.random.key(L + M + n_dev), 3)
        s = _random_spins(k1, L, M)
        J = float(jax.random.normal(k2))
        h = float(jax.random.normal(k3))
        phi = domain_local_field(s, mesh=mesh, J=J, h=h)
        ref = lattice_field(s.astype(jnp.float32), LatticeParams(J, J, h))
        out[f"{L}x{M}/{n_dev}"] = {"equal": bool(np.array_equal(np.asarray(phi),
                                                                  np.asarray(ref))),
                                   "devices": len(phi.sharding.device_set)}
    return out


@functools.cache
def _exact_u_fn(L, M):
    # one compiled program per lattice shape (beta is traced), much faster than eager autodiff
    return jax.jit(lambda b: thermodynamics(lambda x: ising2d_log_z(L, M, x), b).energy)


def _exact_u(L, M, beta):
    """Kaufman's exact U / N of the periodic L x M lattice."""
    return float(_exact_u_fn(L, M)(beta)) / (L * M)


def _estimate(e, m):
    """Mean and stderr of e and |m| over [n_runs, n_samples] traces."""
    est_e = mean_and_stderr(np.asarray(e))
    est_m = mean_and_stderr(np.abs(np.asarray(m)))
    return {"e": float(est_e[0]), "e_err": float(est_e[1]),
            "absm": float(est_m[0]), "absm_err": float(est_m[1])}


def check_domain_statistics():
    """<e> and <|m|> of the domain-decomposed sampler over N_RUNS independent runs."""
    out = {}
    for (L, M, n_dev) in DOMAIN_CASES:
        mesh = domain_mesh(jax.devices()[:n_dev])
        for beta in BETAS:
            t0 = time.perf_counter()
            # N_RUNS independent runs in one call (vmap over keys and starts)
            ks, kr = jax.random.split(jax.random.key(1000 + L + n_dev))
            starts = jax.vmap(lambda k, b=beta, L=L, M=M: _start(k, L, M, b))(
                jax.random.split(ks, N_RUNS))
            res = jax.vmap(lambda k, s, b=beta, mesh=mesh: domain_heat_bath_sweeps(
                k, s, b, N_SWEEPS, mesh=mesh))(jax.random.split(kr, N_RUNS), starts)
            entry = _estimate(np.asarray(res.energy)[:, BURN:],
                              np.asarray(res.magnetization)[:, BURN:])
            entry["sharded_over"] = len(res.spins.sharding.device_set)
            entry["seconds"] = time.perf_counter() - t0
            out[f"{L}x{M}/{n_dev}/beta={beta}"] = entry
    return out


def check_exact():
    """Kaufman's U / N for every domain case."""
    return {f"{L}x{M}/{n_dev}/beta={beta}": _exact_u(L, M, beta)
            for (L, M, n_dev) in DOMAIN_CASES for beta in BETAS}


def check_single_device():
    """The ordinary single-device heat-bath kernel (N_RUNS vmapped chains) on the square case;
    one lattice size only, to keep the compile time down."""
    algo = heat_bath("lattice")
    L, M, n_dev = DOMAIN_CASES[0]
    out = {}
    for beta in BETAS:
        keys = jax.random.split(jax.random.key(99 + L), N_RUNS)
        init = jax.vmap(lambda k, b=beta: _start(k, L, M, b))(keys)
        single = jax.vmap(lambda k, s, b=beta: sample(
            algo, k, algo.init(s), N_SWEEPS, params=LatticeParams(), beta=b,
            observe=_observe))(keys, init)
        out[f"{L}x{M}/{n_dev}/beta={beta}"] = _estimate(
            np.asarray(single.trace["e"])[:, BURN:], np.asarray(single.trace["m"])[:, BURN:])
    return out


def check_bad_input():
    algo = heat_bath("lattice")
    out = {}

    def msg(fn):
        try:
            fn()
        except ValueError as err:
            return str(err)
        return None

    states = jax.vmap(algo.init)(jnp.ones((12, 4, 4), jnp.int8))
    keys = jax.random.split(jax.random.key(0), 12)
    out["chains_not_divisible"] = msg(lambda: sample_chains(
        algo, keys, states, 2, params=LatticeParams(), beta=0.3, mesh=chain_mesh()))
    out["shard_not_divisible"] = msg(lambda: shard_chains(keys, chain_mesh()))
    mesh8 = domain_mesh()
    out["L_not_divisible"] = msg(lambda: domain_heat_bath_sweeps(
        jax.random.key(0), jnp.ones((20, 8), jnp.int8), 0.3, 2, mesh=mesh8))
    out["odd_strip"] = msg(lambda: domain_heat_bath_sweeps(
        jax.random.key(0), jnp.ones((24, 8), jnp.int8), 0.3, 2, mesh=mesh8))
    out["odd_strip_field"] = msg(lambda: domain_local_field(
        jnp.ones((8, 8), jnp.int8), mesh=mesh8))
    return out


CHECKS = {"devices": check_devices, "chains": check_chains, "halo": check_halo,
          "domain_statistics": check_domain_statistics, "exact": check_exact,
          "single_device": check_single_device, "bad_input": check_bad_input}


def main(names=None) -> dict:
    """Run the named checks (default: all) and return ``{name: result, "timings": {...}}``."""
    results = {}
    for name in names or CHECKS:
        fn = CHECKS[name]
        t0 = time.perf_counter()
        results[name] = fn()
        results.setdefault("timings", {})[name] = time.perf_counter() - t0
    return results


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
