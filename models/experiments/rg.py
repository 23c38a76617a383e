"""Renormalization: the free energy kept invariant under coarse-graining, and RBMs as RG.

Four measurements, each against an exact answer:

1. The periodic 1D chain, renormalized exactly by decimation: ln Z_N = (N/2) g + ln Z_(N/2)(K',
   h'); iterated to one spin it reproduces the transfer matrix's ln Z (and its beta-gradient
   the energy) to rounding in float64.
2. Swendsen's Monte Carlo RG for the 2D Ising model, b = 2 majority rule: K_c by two-lattice
   matching (Swendsen 1984) against Onsager's 0.440687, the thermal eigenvalue y_t = 1/nu
   from the linearized flow at K_c (Swendsen 1979) against 1, and the renormalized couplings
   (nearest, next-nearest, plaquette) by correlation matching along the flow.
3. The free energy of a truncated RG step, exactly: the 8 x 8 torus's block Hamiltonian by a
   transfer matrix (its weights sum to Kaufman's Z), projected on 1, 2, ... couplings; the
   free energy the truncation misses is KL(P' || P_K) and falls as couplings are added.
4. RBMs as RG (Mehta and Schwab 2014): stacked L1-regularized RBMs (1600-400-100-25) trained
   on 40 x 40 Ising samples at K = 0.408: receptive-field locality against shuffled weights,
   field size by depth, hidden units against block spins, and the layer-wise free-energy
   differences (exact or AIS ln Z, with errors).
"""

from __future__ import annotations

import argparse
import math
import time
from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np

from models.experiments import _rg_flow as flow
from models.experiments import _rg_rbm as stack
from models.experiments._common import merged_settings, positive_float, positive_int, write_json
from models.experiments._rg_plot import plot_flow, plot_rbm
from statmech import rg
from statmech.exact import BETA_C

DESCRIPTION = "renormalization: 1D decimation, 2D Monte Carlo RG (K_c, y_t), RBMs as RG"

DEFAULTS = {"L": 32, "chains": 32, "samples": 1000, "points": 9, "window": 0.05, "burn": 100,
            "flow_thin": 4, "yt_L": 64, "accounting_L": 8, "accounting_couplings": 6,
            "rbm_L": 40, "rbm_layers": 3, "rbm_chains": 64, "rbm_per_chain": 125, "epochs": 30,
            "batch": 100, "learning_rate": 0.05, "l1": 5e-3, "ais_chains": 64, "ais_betas": 2000,
            "exact_units": 20, "accounting_K": (0.3, float(BETA_C), 0.5)}
QUICK = {**DEFAULTS, "L": 16, "chains": 8, "samples": 200, "points": 5, "burn": 50,
         "flow_thin": 2, "yt_L": 16, "accounting_L": 6, "accounting_couplings": 3, "rbm_L": 16,
         "rbm_layers": 2, "rbm_chains": 16, "rbm_per_chain": 50, "epochs": 20, "ais_chains": 16,
         "ais_betas": 300, "accounting_K": (float(BETA_C),)}
WINDOWS = (2, 4, 8)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--L", type=int, default=None,
                        help="Monte Carlo RG lattice side, a power of 2 >= 16, matched against "
                             "L/2 (default 32; quick 16)")
    parser.add_argument("--chains", type=int, default=None,
                        help="Swendsen-Wang chains per coupling (default 32; quick 8)")
    parser.add_argument("--samples", type=int, default=None,
                        help="recorded sweeps per chain (default 1000; quick 200)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs per RBM layer (default 30; quick 20)")
    parser.add_argument("--l1", type=float, default=None,
                        help="L1 penalty on the RBM weights (default 5e-3)")


def _settings(args: argparse.Namespace) -> dict:
    s = merged_settings(args, QUICK, DEFAULTS)
    s["L"] = positive_int(s["L"], "--L", minimum=16)
    if s["L"] & (s["L"] - 1):
        raise ValueError(f"--L must be a power of 2 (blocked by b = 2 down to 4 x 4), got "
                         f"{s['L']}")
    s["levels"] = int(math.log2(s["L"] // 4))
    s["yt_L"] = max(s["yt_L"], s["L"]) if not args.quick else s["L"]
    s["chains"] = positive_int(s["chains"], "--chains", minimum=4)
    s["samples"] = positive_int(s["samples"], "--samples", minimum=20)
    s["epochs"] = positive_int(s["epochs"], "--epochs")
    s["l1"] = float(s["l1"])
    if s["l1"] != 0.0:
        s["l1"] = positive_float(s["l1"], "--l1")
    return s


def _thermal(settings: dict, grid: dict, key: jax.Array) -> dict:
    """y_t at K_c: from the grid's middle run when it is on the yt_L lattice, else its own."""
    L = settings["yt_L"]
    if L == settings["L"]:
        sums = grid["big"][len(grid["betas"]) // 2]
    else:
        levels = int(math.log2(L // 4))
        sums = np.asarray(rg.mcrg_sample(key, jnp.ones((settings["chains"], L, L), jnp.int8),
                                         settings["samples"], beta=float(BETA_C),
                                         levels=levels, burn=settings["burn"]).sums)
    exponent = flow.thermal_exponent(sums)
    y_t, err, where = flow.headline_exponent(exponent, L)
    return {**exponent, "L": L, "y_t": y_t, "y_t_err": err, "headline": where}


def _flow_part(s: dict, key: jax.Array, grid: dict | None = None) -> dict:
    """Part 2: the 2D Monte Carlo RG (on ``grid`` when it is already simulated)."""
    if grid is None:
        grid = flow.simulate_grid(s, jax.random.fold_in(key, 1))
    return {"match": flow.matching(grid, s),
            "thermal": _thermal(s, grid, jax.random.fold_in(key, 2)),
            "couplings": flow.coupling_flow(grid, s)}


def _exact_part(s: dict) -> dict:
    """Parts 1 and 3: the 1D chain and the exact accounting of a small torus."""
    return {"chain": flow.chain_1d(),
            "accounting": flow.accounting(s["accounting_L"], s["accounting_K"],
                                          s["accounting_couplings"])}


def _rbm_part(s: dict, key: jax.Array, seed: int, show: bool,
              spins: np.ndarray | None = None) -> dict:
    """Part 4: the RBM stack on Ising samples (``spins``, or fresh Swendsen-Wang chains)."""
    L = s["rbm_L"]
    if spins is None:
        spins = stack.ising_samples(jax.random.fold_in(key, 3), L, s["rbm_chains"],
                                    s["rbm_per_chain"], burn=100)
    v = ((spins.reshape(len(spins), -1) + 1) // 2).astype(np.float32)
    sizes = tuple(L * L // 4**i for i in range(s["rbm_layers"] + 1))
    params, data = stack.train_stack(jax.random.fold_in(key, 4), v, sizes, s, show)
    return {"sizes": sizes, "local": stack.locality(params, L, WINDOWS, seed),
            "corr": stack.block_correlations(jax.random.fold_in(key, 5), params, spins),
            "gaps": stack.free_energy_gaps(jax.random.fold_in(key, 6), params, data, spins, s)}


def _from_grid(configs: np.ndarray, s: dict) -> np.ndarray:
    """The RBM's samples from the grid's extra chains: per chain rbm_per_chain configurations
    evenly spaced over its recorded sweeps, [chains * rbm_per_chain, L, L]."""
    step = max(1, configs.shape[1] // s["rbm_per_chain"])
    return configs[:, ::step][:, :s["rbm_per_chain"]].reshape((-1,) + configs.shape[2:])


def run(args: argparse.Namespace) -> dict:
    """The four parts; results.json, rg.png (the flow) and rg_rbm.png (the RBM stack).

    The parts are independent, and most of a quick run is compiling their many small
    programs: they run on three threads (JAX compiles and runs thread-safely; x64 scopes are
    per thread), each with its own keys, so the results are those of running them one after
    the other. When the RBM's lattice is the matching lattice (quick: 16 x 16) its
    Swendsen-Wang chains at K = 0.408 ride in the grid's batch, one sampler compiled instead
    of two."""
    s = _settings(args)
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        exact = pool.submit(_exact_part, s)
        if s["rbm_L"] == s["L"]:
            grid = flow.simulate_grid(s, jax.random.fold_in(key, 1),
                                      extra=(stack.K_DATA, s["rbm_chains"]))
            spins = _from_grid(grid["extra"], s)
        else:
            grid = spins = None
        rbm_job = pool.submit(_rbm_part, s, key, args.seed, show, spins)
        results = {"experiment": "rg", "quick": bool(args.quick), "seed": args.seed,
                   "settings": s, **_flow_results(_flow_part(s, key, grid), exact.result())}
        plot_flow(results, f"{args.out}/rg.png")        # while the RBM stack trains
        results.update(_rbm_results(rbm_job.result(), s["rbm_L"]))
    results.update(seconds=time.perf_counter() - t0, backend=jax.default_backend())
    _print(results)
    write_json(results, f"{args.out}/results.json")
    plot_rbm(results, f"{args.out}/rg_rbm.png")
    print(f"wrote {args.out}/results.json, {args.out}/rg.png and {args.out}/rg_rbm.png")
    return results


def _flow_results(f: dict, x: dict) -> dict:
    """results.json's entries of parts 1-3."""
    chain, match, thermal = x["chain"], f["match"], f["thermal"]
    return {
        "beta_c_estimate": match["beta_c_estimate"], "beta_c_err": match["beta_c_err"],
        "beta_c_exact": float(BETA_C), "beta_c_relative_error": match["beta_c_relative_error"],
        "y_t": thermal["y_t"], "y_t_err": thermal["y_t_err"], "y_t_exact": 1.0,
        "y_t_headline": thermal["headline"],
        "free_energy_1d_error": chain["free_energy_1d_error"],
        "energy_1d_error": chain["energy_1d_error"], "chain_1d": chain,
        "matching": {k: match[k] for k in ("betas", "crossings", "crossings_err",
                                           "difference")},
        "thermal": {k: thermal[k] for k in ("L", "table", "errors")},
        "coupling_flow": f["couplings"], "accounting": x["accounting"]}


def _rbm_results(m: dict, L: int) -> dict:
    """results.json's entries of part 4."""
    local = m["local"]
    return {
        "rbm_locality": [{"layer": d["layer"], "windows": d["windows"],
                          "fraction": d["fraction"], "shuffled": d["shuffled"],
                          "field_size": d["field_size"],
                          "field_size_shuffled": d["field_size_shuffled"]}
                         for d in local["layers"]],
        "layer_free_energy_gaps": m["gaps"], "block_correlations": m["corr"],
        "rbm_sizes": list(m["sizes"]),
        "receptive_fields": [f[:, idx].T.reshape(-1, L, L)
                             for f, idx in zip(local["fields"], local["shown"], strict=True)]}


def _print(r: dict) -> None:
    s = r["settings"]
    print(f"Renormalization ({r['seconds']:.1f} s)")
    print(f"  1D decimation, N = 1024: max |ln Z_RG - ln Z_TM| = "
          f"{r['free_energy_1d_error']:.1e}, max energy error {r['energy_1d_error']:.1e} "
          f"(float64)")
    print(f"  2D MCRG, two-lattice matching {s['L']} vs {s['L'] // 2}: K_c = "
          f"{r['beta_c_estimate']:.4f} +- {r['beta_c_err']:.4f} (exact {r['beta_c_exact']:.6f}, "
          f"{100 * r['beta_c_relative_error']:+.2f} %)")
    print(f"  y_t at K_c ({r['y_t_headline']}): {r['y_t']:.3f} +- {r['y_t_err']:.3f} "
          f"(exact 1)")
    for run in r["accounting"]["runs"]:
        errs = ", ".join(f"{f['error_per_site']:.1e}" for f in run["fits"])
        a = r["accounting"]["L"]
        print(f"  {a}x{a} -> {a // 2}x{a // 2} exact, K = {run['K']:.4f}: free-energy error "
              f"per site with 1..{len(run['fits'])} couplings: {errs}")
    print(f"  RBM stack {'-'.join(map(str, r['rbm_sizes']))} on Ising samples at "
          f"K = {stack.K_DATA}:")
    for loc, gap, c in zip(r["rbm_locality"], r["layer_free_energy_gaps"],
                           r["block_correlations"], strict=True):
        print(f"    layer {loc['layer']}: weight in best 4x4 window {loc['fraction'][1]:.3f} "
              f"(shuffled {loc['shuffled'][1]:.3f}), field size {loc['field_size']:.1f}; "
              f"max |corr| with a block spin {c['max_corr']:.2f} (shuffled "
              f"{c['max_corr_shuffled']:.2f}); dF/unit {gap['delta_F_per_unit']:+.4f} +- "
              f"{gap['delta_F_err'] / gap['units']:.4f}, loss gap/unit "
              f"{gap['loss_gap_per_unit']:.4f} ({gap['method']})")
