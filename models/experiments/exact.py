"""Exact thermodynamics of the L x L Ising torus (Kaufman) against the infinite lattice (Onsager).

For each temperature on a grid: ln Z/N, U/N and C/N of the finite periodic lattice by autodiff of
Kaufman's closed form, next to Onsager's infinite-lattice values and Yang's spontaneous
magnetization. The whole grid is one ``vmap`` of one compiled function of beta.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import statmech
from models.experiments._common import figure, save_figure, write_json
from statmech.exact import (
    BETA_C,
    ising2d_log_z,
    onsager_log_z_per_site,
    yang_magnetization,
)

DESCRIPTION = "exact ln Z, U, C of the L x L torus (Kaufman) vs Onsager and Yang"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--L", type=int, default=16, help="linear size of the L x L torus")
    parser.add_argument("--t-min", type=float, default=1.0, help="lowest temperature")
    parser.add_argument("--t-max", type=float, default=4.0, help="highest temperature")
    parser.add_argument("--n-t", type=int, default=61, help="number of temperatures")


def _validate(args: argparse.Namespace) -> None:
    if args.L < 2:
        raise ValueError(f"--L must be >= 2, got {args.L}")
    if not (0 < args.t_min < args.t_max) or not math.isfinite(args.t_max):
        raise ValueError(f"need 0 < --t-min < --t-max (finite), got {args.t_min}, {args.t_max}")
    if args.n_t < 2:
        raise ValueError(f"--n-t must be >= 2, got {args.n_t}")


def compute(L: int, temperatures: np.ndarray) -> dict[str, np.ndarray]:
    """Finite-torus and infinite-lattice thermodynamics per site on a temperature grid."""
    n = L * L
    finite = jax.jit(jax.vmap(
        lambda b: statmech.thermodynamics(lambda x: ising2d_log_z(L, L, x), b)))
    infinite = jax.jit(jax.vmap(
        lambda b: statmech.thermodynamics(onsager_log_z_per_site, b)))
    betas = jnp.asarray(1.0 / temperatures)
    tf, ti = finite(betas), infinite(betas)
    return {
        "T": np.asarray(temperatures),
        "log_z_per_site": np.asarray(tf.log_z) / n,
        "energy_per_site": np.asarray(tf.energy) / n,
        "heat_capacity_per_site": np.asarray(tf.heat_capacity) / n,
        "entropy_per_site": np.asarray(tf.entropy) / n,
        "onsager_log_z_per_site": np.asarray(ti.log_z),
        "onsager_energy_per_site": np.asarray(ti.energy),
        "onsager_heat_capacity_per_site": np.asarray(ti.heat_capacity),
        "yang_magnetization": np.asarray(jax.vmap(yang_magnetization)(betas)),
    }


def _plot(res: dict[str, np.ndarray], L: int, path: str) -> None:
    T = res["T"]
    fine = compute(2, np.linspace(T[0], T[-1], 401))     # infinite-lattice curves, finely
    fig, axes = figure(1, 3, figsize=(13, 3.8))
    panels = [
        ("energy_per_site", "onsager_energy_per_site", "U / N"),
        ("heat_capacity_per_site", "onsager_heat_capacity_per_site", "C / N"),
        (None, "yang_magnetization", "m (Yang, infinite lattice)"),
    ]
    for ax, (fin, inf, label) in zip(axes, panels, strict=True):
        if fin is not None:
            ax.plot(T, res[fin], "o-", ms=3, label=f"{L}x{L} torus (Kaufman)")
        ax.plot(fine["T"], fine[inf], "-", label="infinite lattice" if fin else "Yang 1952")
        ax.axvline(1 / BETA_C, color="grey", ls=":", lw=1)
        ax.set_xlabel("T / J")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle("2D Ising model: exact finite torus vs Onsager's solution")
    save_figure(fig, path)


def run(args: argparse.Namespace) -> dict:
    """Compute, print the table, write results.json and exact.png into ``args.out``."""
    _validate(args)
    L = args.L
    n_t = 13 if args.quick else args.n_t
    temperatures = np.linspace(args.t_min, args.t_max, n_t)
    t0 = time.perf_counter()
    res = compute(L, temperatures)
    elapsed = time.perf_counter() - t0
    peak = int(np.argmax(res["heat_capacity_per_site"]))

    print(f"Exact 2D Ising thermodynamics, {L}x{L} periodic torus (Kaufman 1949) vs infinite "
          f"lattice (Onsager 1944, Yang 1952); T_c = {1 / BETA_C:.6f}")
    print(f"{'T':>7} {'lnZ/N':>11} {'Onsager':>11} {'U/N':>10} {'U_inf':>10} {'C/N':>9} "
          f"{'C_inf':>9} {'m_Yang':>8}")
    for i, T in enumerate(temperatures):
        print(f"{T:7.4f} {res['log_z_per_site'][i]:11.7f} {res['onsager_log_z_per_site'][i]:11.7f} "
              f"{res['energy_per_site'][i]:10.6f} {res['onsager_energy_per_site'][i]:10.6f} "
              f"{res['heat_capacity_per_site'][i]:9.5f} "
              f"{res['onsager_heat_capacity_per_site'][i]:9.5f} "
              f"{res['yang_magnetization'][i]:8.5f}")
    print(f"C/N peak on this grid: {res['heat_capacity_per_site'][peak]:.5f} at T = "
          f"{temperatures[peak]:.4f}; {n_t} temperatures in {elapsed:.2f} s "
          f"(one jit-compiled vmap over beta)")

    out = {
        "experiment": "exact",
        "L": L,
        "T_c": 1 / BETA_C,
        "heat_capacity_peak": {"T": float(temperatures[peak]),
                               "C_per_site": float(res["heat_capacity_per_site"][peak])},
        "seconds": elapsed,
        "backend": jax.default_backend(),
        **{k: v.tolist() for k, v in res.items()},
    }
    write_json(out, os.path.join(args.out, "results.json"))
    _plot(res, L, os.path.join(args.out, "exact.png"))
    print(f"wrote {os.path.join(args.out, 'results.json')} and "
          f"{os.path.join(args.out, 'exact.png')}")
    return out
