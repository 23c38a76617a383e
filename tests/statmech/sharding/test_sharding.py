"""Tests of statmech.sharding.

The multi-device checks run in one subprocess (``_sharded_checks.py``) with 8 forced host CPU
devices, because XLA reads ``XLA_FLAGS`` only when JAX initialises; this process asserts on the
JSON it prints. The single-device tests below exercise validation and the 1-device paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.mcmc import LatticeParams, heat_bath
from statmech.mcmc._local import lattice_field
from statmech.sharding import (
    chain_mesh,
    domain_heat_bath_sweeps,
    domain_local_field,
    domain_mesh,
    sample_chains,
    shard_chains,
)

N_SIGMA = 4.0
SCRIPT = Path(__file__).with_name("_sharded_checks.py")


# two subprocesses side by side (the checks are dominated by single-threaded XLA compiles)
GROUPS = (["domain_statistics", "exact"],
          ["devices", "chains", "halo", "single_device", "bad_input"])


@pytest.fixture(scope="module")
def checks():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8 "
                                      + os.environ.get("XLA_FLAGS", ""),
               JAX_PLATFORMS="cpu")
    procs = [subprocess.Popen([sys.executable, str(SCRIPT), *names], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for names in GROUPS]
    results = {"timings": {}}
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-4000:]
        r = json.loads(out.strip().splitlines()[-1])
        results["timings"].update(r.pop("timings"))
        results.update(r)
    return results


def test_eight_devices(checks):
    assert checks["devices"] == {"n_devices": 8, "platform": "cpu"}


def test_sample_chains_bit_identical_and_sharded(checks):
    c = checks["chains"]
    assert c["states_equal"] and c["trace_e_equal"] and c["trace_m_equal"]
    assert c["moments_equal"]
    assert c["ref_devices"] == 1
    assert c["out_devices"] == 8 and c["trace_devices"] == 8
    assert c["out_spec"] == "P('chains',)"


def test_halo_exchange_field_exact(checks):
    for name, r in checks["halo"].items():
        assert r["equal"], name
        assert r["devices"] == int(name.split("/")[1]), name


def test_domain_energy_matches_kaufman(checks):
    stats, exact = checks["domain_statistics"], checks["exact"]
    assert set(stats) == set(exact) and len(stats) == 4
    for name, d in stats.items():
        assert abs(d["e"] - exact[name]) < N_SIGMA * d["e_err"], (name, d, exact[name])
        assert 0 < d["e_err"] < 0.01, (name, d)
        assert d["sharded_over"] == int(name.split("/")[1]), (name, d)


def test_domain_matches_single_device(checks):
    single = checks["single_device"]
    assert len(single) == 2
    for name, s in single.items():
        d = checks["domain_statistics"][name]
        for obs in ("e", "absm"):
            err = np.hypot(d[obs + "_err"], s[obs + "_err"])
            assert abs(d[obs] - s[obs]) < N_SIGMA * err, (name, obs, d, s)
        assert abs(s["e"] - checks["exact"][name]) < N_SIGMA * s["e_err"], (name, s)


def test_domain_abs_magnetization_physical(checks):
    # <|m|> has no closed form on a finite torus: disordered at beta = 0.3, ordered at 0.6
    stats = checks["domain_statistics"]
    for name, d in stats.items():
        assert (d["absm"] < 0.25) if "beta=0.3" in name else (d["absm"] > 0.9), (name, d)
    a, b = stats["16x16/8/beta=0.6"], stats["32x16/4/beta=0.6"]
    assert abs(a["absm"] - b["absm"]) < N_SIGMA * np.hypot(a["absm_err"], b["absm_err"]) + 0.01


def test_bad_input_multi_device(checks):
    b = checks["bad_input"]
    assert "n_chains=12" in b["chains_not_divisible"]
    assert "n_chains=12" in b["shard_not_divisible"]
    assert "L=20" in b["L_not_divisible"] and "divisible" in b["L_not_divisible"]
    assert "even number of rows" in b["odd_strip"] and "3 rows" in b["odd_strip"]
    assert "even number of rows" in b["odd_strip_field"]


# ------------------------------------------------------------------ single-device (in process)
def test_single_device_halo():
    # (sample_chains on one device is exercised by its doctest)
    s = jnp.where(jax.random.bernoulli(jax.random.key(1), 0.5, (4, 6)), 1, -1).astype(jnp.int8)
    phi = domain_local_field(s, mesh=domain_mesh(jax.devices()[:1]), J=0.5, h=-0.25)
    np.testing.assert_array_equal(phi, lattice_field(s.astype(jnp.float32),
                                                     LatticeParams(0.5, 0.5, -0.25)))


def test_validation():
    algo = heat_bath("lattice")
    mesh, dmesh = chain_mesh(jax.devices()[:1]), domain_mesh(jax.devices()[:1])
    keys = jax.random.split(jax.random.key(0), 2)
    with pytest.raises(TypeError, match="mesh"):
        shard_chains(keys, "mesh")
    with pytest.raises(ValueError, match="'chains'"):
        shard_chains(keys, dmesh)
    with pytest.raises(ValueError, match="n_chains"):
        sample_chains(algo, keys, jax.vmap(algo.init)(jnp.ones((3, 4, 4))), 2,
                      params=LatticeParams(), beta=0.5, mesh=mesh)
    with pytest.raises(ValueError, match="beta"):
        sample_chains(algo, keys, jax.vmap(algo.init)(jnp.ones((2, 4, 4))), 2,
                      params=LatticeParams(), beta=-1.0, mesh=mesh)
    with pytest.raises(ValueError, match="'rows'"):
        domain_heat_bath_sweeps(jax.random.key(0), jnp.ones((4, 4)), 0.5, 2, mesh=mesh)
    with pytest.raises(ValueError, match="even"):
        domain_heat_bath_sweeps(jax.random.key(0), jnp.ones((4, 5)), 0.5, 2, mesh=dmesh)
    with pytest.raises(ValueError, match="spins"):
        domain_heat_bath_sweeps(jax.random.key(0), 2 * jnp.ones((4, 4)), 0.5, 2, mesh=dmesh)
    with pytest.raises(ValueError, match="beta"):
        domain_heat_bath_sweeps(jax.random.key(0), jnp.ones((4, 4)), -0.5, 2, mesh=dmesh)
    with pytest.raises(ValueError, match="n_sweeps"):
        domain_heat_bath_sweeps(jax.random.key(0), jnp.ones((4, 4)), 0.5, 0, mesh=dmesh)
    with pytest.raises(ValueError, match="J"):
        domain_local_field(jnp.ones((4, 4)), mesh=dmesh, J=jnp.ones(3))
