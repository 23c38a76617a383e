"""How do RBMs learn digits, and how much does the negative phase matter?

A binary RBM is trained on scikit-learn's digits (8x8, binarized; 1437 training and 360 test
images) by four estimates of the log-likelihood gradient, all with the same optimizer, batch
and step: CD-1 and CD-10 (Hinton 2002: chains restarted at the data), PCD (Tieleman 2008:
persistent chains) and PT-PCD (Desjardins et al. 2010: persistent ladders of tempered chains
with swaps). CD's negative phase stays near the data, so its gradient is biased; persistent
chains follow the model. The held-out log-likelihood per image is exact for n_hidden = 16 (2^16
hidden states enumerated, recorded through training) and an AIS estimate with its error bar for
n_hidden = 100 (Salakhutdinov and Murray 2008). The figure shows the curves, the learned filters
and samples drawn from the trained models.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
import optax

from models import rbm
from models.data import digits
from models.experiments._common import (
    figure,
    merged_settings,
    positive_int,
    progress,
    publish,
    save_figure,
)

DESCRIPTION = "RBMs on digits: CD-1, CD-10, PCD, PT-PCD by held-out log-likelihood"

METHODS = (("CD-1", "cd", 1), ("CD-10", "cd", 10), ("PCD", "pcd", 1), ("PT-PCD", "pt", 1))
"""(label, method of :func:`models.rbm.grad_fn`, Gibbs sweeps k)."""
BATCH = 20
LEARNING_RATE = 0.05
INIT_SCALE = 0.1
"""Initial weights N(0, 0.1^2): with 0.01 (Hinton's guide) every method sits on the
independent-pixel plateau for its first ~6 epochs at this step size, then learns the same."""
DEFAULTS = {"epochs": 100, "seeds": 3, "epochs_large": 20, "ais_betas": 10_000,
            "ais_chains": 100, "monitor_every": 5, "monitor_every_large": 4, "large_methods": 4}
QUICK = {"epochs": 4, "seeds": 1, "epochs_large": 1, "ais_betas": 1000, "ais_chains": 32,
         "monitor_every": 4, "monitor_every_large": 0, "large_methods": 1}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs at n_hidden = 16 (default 100; quick 4)")
    parser.add_argument("--seeds", type=int, default=None,
                        help="paired seeds per method at n_hidden = 16 (default 3; quick 1)")
    parser.add_argument("--epochs-large", type=int, default=None,
                        help="epochs at n_hidden = 100 (default 20; quick 1)")
    parser.add_argument("--ais-betas", type=int, default=None,
                        help="AIS intermediate distributions for n_hidden = 100 (default 10000)")


def _settings(args: argparse.Namespace) -> dict:
    base = merged_settings(args, QUICK, DEFAULTS)
    base["epochs"] = positive_int(base["epochs"], "--epochs")
    base["seeds"] = positive_int(base["seeds"], "--seeds")
    base["epochs_large"] = positive_int(base["epochs_large"], "--epochs-large")
    base["ais_betas"] = positive_int(base["ais_betas"], "--ais-betas", minimum=10)
    return base


def decayed_optimizer(n_examples: int, epochs: int) -> optax.GradientTransformation:
    """The default optimizer of every ``fit`` (momentum 0.5, LEARNING_RATE the effective step)
    with its step decayed linearly to zero over the run, as Tieleman (2008) trained PCD:
    persistent chains need the parameters to settle, and every method gets the same."""
    steps = -(-n_examples // BATCH) * epochs
    return optax.sgd(optax.linear_schedule(0.5 * LEARNING_RATE, 0.0, steps), momentum=0.5)


def train_small(settings: dict, key: jax.Array, train, test, show: bool) -> dict:
    """n_hidden = 16: every method from the same seeds (same initial weights and minibatches),
    exact test log-likelihood every few epochs."""
    steps = -(-len(train) // BATCH)
    out = {}
    for label, method, k in progress(METHODS, enabled=show, desc="nh=16"):
        runs = []
        for seed in range(settings["seeds"]):
            res = rbm.fit_result(jax.random.fold_in(key, seed), train, n_hidden=16,
                                 epochs=settings["epochs"], batch_size=BATCH,
                                 learning_rate=LEARNING_RATE, method=method, k=k,
                                 optimizer=decayed_optimizer(len(train), settings["epochs"]),
                                 init_scale=INIT_SCALE, test_data=test, monitor="exact",
                                 monitor_every=steps * settings["monitor_every"])
            runs.append(res)
        hist = runs[0].history
        test_ll = np.array([[h["test_ll"] for h in r.history] for r in runs])
        train_ll = np.array([[h["train_ll"] for h in r.history] for r in runs])
        out[label] = {"params": runs[0].params, "updates": [h["step"] for h in hist],
                      "test_ll_curve": test_ll.mean(0), "train_ll_curve": train_ll.mean(0),
                      "test_ll_runs": test_ll[:, -1], "test_ll": float(test_ll[:, -1].mean()),
                      "train_ll": float(train_ll[:, -1].mean())}
    return out


def paired_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of a - b over paired seeds (0 error for one seed)."""
    d = np.asarray(a) - np.asarray(b)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0


def train_large(settings: dict, key: jax.Array, train, test, show: bool) -> dict:
    """n_hidden = 100: the methods (quick: PCD only); the test log-likelihood through training
    by AIS with a tenth of the intermediate distributions, and at the end by AIS in full with
    its error."""
    out = {}
    chosen = METHODS if settings["large_methods"] >= len(METHODS) else [METHODS[2]]
    steps = -(-len(train) // BATCH)
    for label, method, k in progress(chosen, enabled=show, desc="nh=100"):
        res = rbm.fit_result(key, train, n_hidden=100, epochs=settings["epochs_large"],
                             batch_size=BATCH, learning_rate=LEARNING_RATE, method=method, k=k,
                             optimizer=decayed_optimizer(len(train), settings["epochs_large"]),
                             init_scale=INIT_SCALE, test_data=test,
                             monitor="ais" if settings["monitor_every_large"] else None,
                             monitor_every=steps * max(1, settings["monitor_every_large"]),
                             ais_chains=settings["ais_chains"],
                             ais_betas=settings["ais_betas"] // 10)
        ll, err = rbm.log_likelihood_ais(jax.random.fold_in(key, 7), res.params, test,
                                         n_chains=settings["ais_chains"],
                                         n_betas=settings["ais_betas"], data=train)
        out[label] = {"test_ll": float(np.mean(ll)), "test_ll_err": float(err),
                      "params": res.params,
                      "updates": [h["step"] for h in res.history if "test_ll" in h],
                      "test_ll_curve": [h["test_ll"] for h in res.history if "test_ll" in h]}
    return out


def run(args: argparse.Namespace) -> dict:
    """Both sizes, every method; filters and samples; results and figure."""
    settings = _settings(args)
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    train, test = digits()
    t0 = time.perf_counter()
    small = train_small(settings, jax.random.fold_in(key, 1), train, test, show)
    large = train_large(settings, jax.random.fold_in(key, 2), train, test, show)
    samples = {label: np.asarray(rbm.sample(jax.random.fold_in(key, 3), r["params"], 10,
                                            n_sweeps=1000))
               for label, r in small.items()}
    seconds = time.perf_counter() - t0
    results = {
        "experiment": "rbm", "quick": bool(args.quick), "seed": args.seed,
        "settings": {**settings, "batch_size": BATCH, "learning_rate": LEARNING_RATE},
        "test_ll": {label: r["test_ll"] for label, r in small.items()},
        "test_ll_runs": {label: r["test_ll_runs"] for label, r in small.items()},
        "minus_cd1": {label: paired_difference(r["test_ll_runs"],
                                               small["CD-1"]["test_ll_runs"])
                      for label, r in small.items() if label != "CD-1"},
        "train_ll": {label: r["train_ll"] for label, r in small.items()},
        "test_ll_large": {label: r["test_ll"] for label, r in large.items()},
        "test_ll_large_err": {label: r["test_ll_err"] for label, r in large.items()},
        "curves_large": {label: {"updates": r["updates"], "test_ll": r["test_ll_curve"]}
                         for label, r in large.items()},
        "curves": {label: {"updates": r["updates"], "test_ll": r["test_ll_curve"],
                           "train_ll": r["train_ll_curve"]} for label, r in small.items()},
        "filters": np.asarray(small["PCD"]["params"].W).T,
        "samples": samples, "seconds": seconds, "backend": jax.default_backend(),
    }
    print(f"RBMs on digits, batch {BATCH}, lr {LEARNING_RATE} decayed to 0 "
          f"({seconds:.1f} s)")
    print(f"  {'method':8s} {'nh=16 test (exact)':>20s} {'minus CD-1 (paired)':>22s} "
          f"{'nh=100 test (AIS)':>24s}")
    for label, _, _ in METHODS:
        big = (f"{large[label]['test_ll']:16.3f} +- {large[label]['test_ll_err']:.3f}"
               if label in large else f"{'-':>16s}")
        d = results["minus_cd1"].get(label)
        diff = f"{d[0]:+12.3f} +- {d[1]:.3f}" if d else f"{'-':>21s}"
        print(f"  {label:8s} {small[label]['test_ll']:20.3f} {diff:>22s} {big}")
    return publish(results, _plot, args.out, "rbm")


def _plot(results: dict, path: str) -> None:
    fig = figure(figsize=(16, 7.5))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 3, width_ratios=(1.2, 0.8, 1.2))
    ax = fig.add_subplot(grid[:, 0])
    for i, (label, c) in enumerate(results["curves"].items()):
        ax.plot(c["updates"], c["test_ll"], "o-", color=f"C{i}", lw=0.9, label=f"{label}, test")
        ax.plot(c["updates"], c["train_ll"], ":", color=f"C{i}", lw=0.9)
    ax.set_xlabel("parameter updates")
    ax.set_ylabel("exact log-likelihood per image (nats; dotted: train)")
    ax.set_title(f"n_hidden = 16, mean of {results['settings']['seeds']} paired seeds")
    ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[0, 1])
    names = [m[0] for m in METHODS]
    for label, c in results["curves_large"].items():
        i = names.index(label)
        ax.plot(c["updates"], c["test_ll"], "o-", color=f"C{i}", lw=0.9, label=label)
        last = c["updates"][-1] if c["updates"] else 0
        ax.errorbar([last], [results["test_ll_large"][label]],
                    yerr=[results["test_ll_large_err"][label]], fmt="s", color=f"C{i}",
                    mfc="none")
    ax.set_xlabel("parameter updates")
    ax.set_ylabel("test log-likelihood (AIS, nats)")
    ax.set_title("n_hidden = 100 (squares: final AIS with its error)")
    ax.legend(fontsize=7)
    for spot, (name, images) in zip(
            (grid[1, 1:], grid[0, 2]),
            (("PCD filters W (nh = 16)", results["filters"]),
             ("samples, 1000 Gibbs sweeps from noise", None)), strict=True):
        if images is None:
            rows = [(label, s) for label, s in results["samples"].items()]
            sub = spot.subgridspec(len(rows), 10, hspace=0.1, wspace=0.05)
            for r, (label, s) in enumerate(rows):
                for c in range(10):
                    a = fig.add_subplot(sub[r, c])
                    a.imshow(np.asarray(s[c]).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
                    a.set_xticks([])
                    a.set_yticks([])
                    if c == 0:
                        a.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
                    if r == 0 and c == 0:
                        a.set_title(name, fontsize=8, loc="left")
            continue
        sub = spot.subgridspec(2, 8, hspace=0.1, wspace=0.05)
        lim = float(np.abs(images).max())
        for j in range(16):
            a = fig.add_subplot(sub[j // 8, j % 8])
            a.imshow(np.asarray(images[j]).reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
            a.set_xticks([])
            a.set_yticks([])
            if j == 0:
                a.set_title(name, fontsize=8, loc="left")
    fig.suptitle("RBMs on digits: persistent chains (PCD, PT-PCD) against contrastive "
                 "divergence (CD-1, CD-10)")
    save_figure(fig, path)
