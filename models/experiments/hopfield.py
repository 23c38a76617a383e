"""How much can a Hopfield network store, how far does it pull, and what do denser and modern
memories add?

Four measurements. (1) Capacity: P = alpha N random patterns stored by the Hebbian rule,
zero-temperature asynchronous recall started at each; the mean final overlap against alpha for
several N, collapsing at alpha_c = 0.138 (Amit, Gutfreund and Sompolinsky 1985); alpha_c is
where the mean overlap falls through the AGS retrieval overlap 0.9674, with a bootstrap error.
(2) The dense associative memory of order n = 3 (Krotov and Hopfield 2016) at N = 100:
retrieval from 10 % flipped bits against P / K_max, K_max = N^2 / (6 ln N), far past 0.138 N.
(3) Basins of attraction: the final overlap against the initial one, at several loads. (4)
Recall of corrupted digits: ten binarized class prototypes (N = 64, strongly correlated) with
15 % of the pixels flipped, recalled by the Hebbian rule, the projection rule (Kanter and
Sompolinsky 1987), the dense n = 3 memory and the modern softmax update (Ramsauer et al. 2021).
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from models import hopfield
from models.experiments._common import (
    figure,
    merged_settings,
    positive_int,
    progress,
    publish,
    save_figure,
)

DESCRIPTION = "Hopfield capacity (alpha_c vs 0.138), basins, dense n = 3 and modern recall"

DEFAULTS = {"sizes": (100, 200, 500, 1000), "trials": 24, "starts": 20, "alpha_step": 0.01,
            "dense_loads": (0.25, 0.5, 1.0, 1.5, 2.0, 3.0), "basin_points": 12,
            "basin_size": 500, "copies": 20}
QUICK = {"sizes": (100, 300), "trials": 10, "starts": 10, "alpha_step": 0.02,
         "dense_loads": (0.5, 2.0), "basin_points": 7, "basin_size": 200, "copies": 10}
ALPHAS = (0.04, 0.26)
BASIN_ALPHAS = (0.05, 0.10, 0.14)
DIGIT_NOISE = 0.15
MODERN_BETA = 4.0
"""The modern update's inverse temperature on +-1 digits: the prototypes overlap by 0.3-0.8,
so the softmax needs beta (1 - 0.8) N >> 1 to pick one in a single update (N = 64)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=None, metavar="N",
                        help="network sizes N for the capacity (default 100 200 500 1000)")
    parser.add_argument("--trials", type=int, default=None,
                        help="independent networks per load (default 24; quick 10)")


def _settings(args: argparse.Namespace) -> dict:
    base = merged_settings(args, QUICK, DEFAULTS)
    sizes = sorted({positive_int(n, "--sizes", minimum=50) for n in base["sizes"]})
    if len(sizes) > 6 or sizes[-1] > 4000:
        raise ValueError(f"--sizes must be at most 6 sizes, each <= 4000, got {sizes}")
    base["sizes"] = tuple(sizes)
    base["trials"] = positive_int(base["trials"], "--trials", minimum=2)
    return base


def capacity_curves(settings: dict, key: jax.Array, show: bool) -> dict:
    """:func:`models.hopfield.capacity` at every size on one grid of loads."""
    step = settings["alpha_step"]
    alphas = np.round(np.arange(ALPHAS[0], ALPHAS[1] + step / 2, step), 6)
    out = {}
    for n in progress(settings["sizes"], enabled=show, desc="capacity"):
        r = hopfield.capacity(jax.random.fold_in(key, n), n, alphas, n_trials=settings["trials"],
                              n_starts=settings["starts"], n_bootstrap=200)
        out[str(n)] = {k: np.asarray(v) for k, v in r._asdict().items()}
    return out


@jax.jit
def _flip(key: jax.Array, s: jax.Array, fraction: jax.Array) -> jax.Array:
    """s with round(fraction N) randomly chosen entries negated (fraction traced: one
    compiled program for every noise level)."""
    n = s.shape[-1]
    chosen = jax.random.permutation(key, n) < jnp.round(fraction * n)
    return jnp.where(chosen, -s, s)


def dense_curve(n: int, key: jax.Array, starts: int, loads: tuple) -> dict:
    """Dense n = 3 recall from 10 % flipped bits against P / K_max, and the classical network
    (Hebbian couplings) at the same P for contrast."""
    k_max = hopfield.dense_capacity_estimate(n, 3)
    rows = {"load": list(loads), "n_patterns": [], "dense": [], "dense_err": [],
            "classical": [], "k_max": k_max}
    for i, load in enumerate(loads):
        p = max(2, int(round(load * k_max)))
        k = jax.random.fold_in(key, i)
        xi = hopfield.random_patterns(k, p, n)
        keys = jax.random.split(jax.random.fold_in(k, 1), starts)
        noisy = jax.vmap(lambda kk, s: _flip(kk, s, 0.1))(keys, xi[:starts])
        W = hopfield.hebbian(xi)
        finals = {3: jax.vmap(lambda kk, s, xi=xi: hopfield.dense_recall_async(
                      kk, xi, s, 30, n=3))(keys, noisy),
                  2: jax.vmap(lambda kk, s, W=W: hopfield.recall_async(kk, W, s, 30))(
                      keys, noisy)}
        outs = {o: np.asarray(jnp.sum(f * xi[:starts], axis=1) / n) for o, f in finals.items()}
        rows["n_patterns"].append(p)
        rows["dense"].append(float(outs[3].mean()))
        rows["dense_err"].append(float(outs[3].std(ddof=1) / np.sqrt(starts)))
        rows["classical"].append(float(outs[2].mean()))
    return rows


def basins(n: int, key: jax.Array, starts: int, points: int) -> dict:
    """Final against initial overlap of Hebbian recall at the loads BASIN_ALPHAS."""
    m0 = np.linspace(0.05, 1.0, points)
    out = {"initial_overlap": m0}
    for a in BASIN_ALPHAS:
        p = int(round(a * n))
        xi = hopfield.random_patterns(jax.random.fold_in(key, p), p, n)
        W = hopfield.hebbian(xi)
        finals = []
        for j, m in enumerate(m0):
            keys = jax.random.split(jax.random.fold_in(key, 100 * p + j), starts)
            noisy = jax.vmap(lambda kk, s, m=m: _flip(kk, s, (1 - m) / 2))(keys, xi[:starts])
            final = jax.vmap(lambda kk, s, W=W: hopfield.recall_async(kk, W, s, 50))(keys, noisy)
            finals.append(float(jnp.mean(jnp.sum(final * xi[:starts], axis=1) / n)))
        out[f"alpha={a:g}"] = finals
    return out


def digit_recall(key: jax.Array, copies: int) -> dict:
    """Ten class prototypes of the digits (+-1, N = 64) with DIGIT_NOISE of the pixels
    flipped, recalled by four rules; fraction recovered exactly and mean overlap."""
    from sklearn.datasets import load_digits

    labels = load_digits().target
    data = load_digits().data / 16.0
    protos = np.stack([np.where(data[labels == d].mean(0) > 0.5, 1.0, -1.0) for d in range(10)])
    xi = jnp.asarray(protos, jnp.float32)
    n = xi.shape[1]
    keys = jax.random.split(key, 10 * copies)
    clean = jnp.repeat(xi, copies, axis=0)
    noisy = jax.vmap(lambda kk, s: _flip(kk, s, DIGIT_NOISE))(keys, clean)
    rules = {
        "hebbian": jax.vmap(lambda kk, s: hopfield.recall_async(kk, hopfield.hebbian(xi), s,
                                                                 50))(keys, noisy),
        "projection": jax.vmap(lambda kk, s: hopfield.recall_async(
            kk, hopfield.pseudo_inverse(xi), s, 50))(keys, noisy),
        "dense n=3": jax.vmap(lambda kk, s: hopfield.dense_recall_async(kk, xi, s, 50, n=3))(
            keys, noisy),
        "modern": hopfield.modern_update(xi.T, noisy, MODERN_BETA),
    }
    out = {"noise": DIGIT_NOISE, "copies": copies, "prototypes": protos,
           "noisy_examples": np.asarray(noisy[::copies]), "rules": {}}
    for name, final in rules.items():
        final = np.asarray(final, np.float64)
        m = np.sum(final * np.asarray(clean), axis=1) / n
        out["rules"][name] = {"recovered": float(np.mean(m > 0.999)), "overlap": float(m.mean()),
                              "examples": final[::copies]}
    return out


def run(args: argparse.Namespace) -> dict:
    """Capacity at every size, the dense curve, basins, digits; results and figure."""
    settings = _settings(args)
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    t0 = time.perf_counter()
    cap = capacity_curves(settings, jax.random.fold_in(key, 1), show)
    largest = cap[str(settings["sizes"][-1])]
    dense_n = 100
    dense = dense_curve(dense_n, jax.random.fold_in(key, 2), settings["starts"],
                        settings["dense_loads"])
    basin = basins(settings["basin_size"], jax.random.fold_in(key, 3), settings["starts"],
                   settings["basin_points"])
    dig = digit_recall(jax.random.fold_in(key, 4), copies=settings["copies"])
    seconds = time.perf_counter() - t0
    results = {
        "experiment": "hopfield", "quick": bool(args.quick), "seed": args.seed,
        "settings": settings,
        "alpha_c": float(largest["alpha_c_overlap"]),
        "alpha_c_err": float(largest["alpha_c_overlap_err"]),
        "alpha_c_theory": hopfield.AGS_ALPHA_C,
        "alpha_c_by_size": {n: float(c["alpha_c_overlap"]) for n, c in cap.items()},
        "alpha_c_err_by_size": {n: float(c["alpha_c_overlap_err"]) for n, c in cap.items()},
        "alpha_half_retrieval_by_size": {n: float(c["alpha_c"]) for n, c in cap.items()},
        "capacity": cap, "dense": dense, "basins": basin, "digits": dig,
        "seconds": seconds, "backend": jax.default_backend(),
    }
    print(f"Hopfield networks ({seconds:.1f} s)")
    for n in cap:
        print(f"  N = {n:>5}: alpha_c = {results['alpha_c_by_size'][n]:.4f} +- "
              f"{results['alpha_c_err_by_size'][n]:.4f} (mean overlap through 0.9674; AGS "
              f"0.1379)")
    print(f"  dense n = 3, N = {dense_n}, K_max = {dense['k_max']:.0f}: overlap "
          + ", ".join(f"{m:.3f}" for m in dense["dense"]) + " at P/K_max = "
          + ", ".join(f"{x:g}" for x in dense["load"]))
    print(f"  digits, {DIGIT_NOISE:.0%} pixels flipped: "
          + ", ".join(f"{k} {v['recovered']:.0%}" for k, v in dig["rules"].items())
          + " recovered exactly")
    return publish(results, _plot, args.out, "hopfield")


def _plot(results: dict, path: str) -> None:
    fig = figure(figsize=(16, 8.5))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 4, height_ratios=(1.0, 1.0))
    ax = fig.add_subplot(grid[0, 0:2])
    for i, (n, c) in enumerate(results["capacity"].items()):
        a, da = results["alpha_c_by_size"][n], results["alpha_c_err_by_size"][n]
        ax.errorbar(c["alphas"], c["overlap"], yerr=c["overlap_err"], fmt="o-", lw=0.8,
                    color=f"C{i}", label=f"N = {n}: alpha_c = {a:.3f} +- {da:.3f}")
    ax.axvline(hopfield.AGS_ALPHA_C, color="k", ls="--", lw=1, label="AGS alpha_c = 0.138")
    ax.axhline(hopfield.AGS_OVERLAP_C, color="k", ls=":", lw=1,
               label="AGS retrieval overlap at alpha_c, 0.967")
    ax.set_xlabel("load alpha = P / N")
    ax.set_ylabel("mean final overlap m (Hebbian, T = 0)")
    ax.set_title("storage capacity: retrieval collapses at alpha_c")
    ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[0, 2])
    d = results["dense"]
    ax.errorbar(d["load"], d["dense"], yerr=d["dense_err"], fmt="o-", label="dense, n = 3")
    ax.plot(d["load"], d["classical"], "s-", label="classical (Hebbian), same P")
    ax.set_xlabel(f"P / K_max,  K_max = N^2 / (6 ln N) = {d['k_max']:.0f}  (N = 100)")
    ax.set_ylabel("mean final overlap from 10 % flipped bits")
    ax.set_title("dense associative memory")
    ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[0, 3])
    b = results["basins"]
    ax.plot([0, 1], [0, 1], "k:", lw=0.8, label="no change")
    for i, a in enumerate(BASIN_ALPHAS):
        ax.plot(b["initial_overlap"], b[f"alpha={a:g}"], "o-", color=f"C{i}",
                label=f"alpha = {a:g}")
    ax.set_xlabel("initial overlap m0")
    ax.set_ylabel("final overlap")
    ax.set_title(f"basins of attraction, N = {results['settings']['basin_size']}")
    ax.legend(fontsize=7)
    dig = results["digits"]
    rows = [("clean", dig["prototypes"]), ("noisy", dig["noisy_examples"])] + [
        (f"{k}: {v['recovered']:.0%}", v["examples"]) for k, v in dig["rules"].items()]
    sub = grid[1, :].subgridspec(len(rows), 10, hspace=0.15, wspace=0.05)
    for r, (name, images) in enumerate(rows):
        for c in range(10):
            ax = fig.add_subplot(sub[r, c])
            ax.imshow(np.asarray(images[c]).reshape(8, 8), cmap="gray_r", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            if c == 0:
                ax.set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle(f"Hopfield memories: capacity, dense and modern recall (digits: "
                 f"{dig['noise']:.0%} of pixels flipped, percentage recovered exactly over "
                 f"{10 * dig['copies']} corrupted copies)")
    save_figure(fig, path)
