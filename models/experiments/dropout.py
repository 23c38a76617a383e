"""Dropout as a cheap regularizer of an RBM: the overfitting gap, and what an ensemble costs.

An RBM with more capacity than its data (n_hidden = 20 on 300 training digits) learns the
training images better than it generalizes: the log-likelihood gap train - test grows with
training. Hidden dropout (Srivastava et al. 2014, sec. 8: each hidden unit dropped with
probability p per example and step) trains an exponential family of thinned RBMs with shared
weights, an implicit ensemble, at the price of one RBM; at test time one RBM stands in for the
ensemble, its hidden weights and biases scaled by the retention probability (the
weight-scaling rule). Measured: exact train and test log-likelihoods (2^20 hidden states
enumerated) for dropout 0, 0.2, 0.5 and an L2 weight-decay baseline, each over several seeds;
the mean hidden activation (sparsity); the time per epoch; and the explicit alternative, a
mixture of K independently trained plain RBMs, ln p(v) = logsumexp_k ln p_k(v) - ln K, exact
too: how many members, so how many times the cost, it needs to match dropout's test
log-likelihood.
"""

from __future__ import annotations

import argparse
import math
import time

import jax
import jax.numpy as jnp
import numpy as np

from models import rbm
from models.data import digits
from models.experiments._common import (
    figure,
    mean_and_error,
    merged_settings,
    positive_int,
    progress,
    publish,
    save_figure,
)

DESCRIPTION = "RBM hidden dropout 0 / 0.2 / 0.5 vs L2: train-test gap, cost, explicit ensemble"

SETTINGS = (("dropout 0", 0.0, 0.0), ("dropout 0.2", 0.2, 0.0), ("dropout 0.5", 0.5, 0.0),
            ("L2 1e-3", 0.0, 1e-3))
"""(label, hidden dropout, L2 penalty on W)."""
N_HIDDEN = 20
BATCH = 20
LEARNING_RATE = 0.05
DEFAULTS = {"train_size": 300, "epochs": 600, "seeds": 5, "ensemble": 8}
QUICK = {"train_size": 300, "epochs": 150, "seeds": 2, "ensemble": 3}
TIMING_EPOCHS = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train-size", type=int, default=None,
                        help="training digits, 40..1437 (default 300)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default 600; quick 150)")
    parser.add_argument("--seeds", type=int, default=None,
                        help="independent runs per setting (default 5; quick 2)")
    parser.add_argument("--ensemble", type=int, default=None,
                        help="largest explicit ensemble of plain RBMs (default 8; quick 3)")


def _settings(args: argparse.Namespace) -> dict:
    base = merged_settings(args, QUICK, DEFAULTS)
    base["train_size"] = positive_int(base["train_size"], "--train-size", minimum=BATCH * 2)
    if base["train_size"] > 1437:
        raise ValueError(f"--train-size must be <= 1437 (the digits training split), got "
                         f"{base['train_size']}")
    base["epochs"] = positive_int(base["epochs"], "--epochs")
    base["seeds"] = positive_int(base["seeds"], "--seeds", minimum=2)
    base["ensemble"] = positive_int(base["ensemble"], "--ensemble", minimum=2)
    return base


def _train(key, train, epochs, dropout, l2):
    return rbm.fit(key, train, n_hidden=N_HIDDEN, epochs=epochs, batch_size=BATCH,
                   learning_rate=LEARNING_RATE, method="pcd", dropout=dropout, l2=l2)


def test_time_params(params: rbm.RBMParams, dropout: float) -> rbm.RBMParams:
    """The weight-scaling rule: the hidden units' weights and biases times the retention
    probability 1 - dropout, one RBM standing in for the average of the thinned RBMs that
    dropout trained (Srivastava et al. 2014; without it a dropout-0.5 RBM, evaluated with all
    its hidden units on, scores about 10 nats per image worse)."""
    keep = 1.0 - dropout
    return rbm.RBMParams(params.W * keep, params.b, params.c * keep)


def _log_p(params, *images) -> list[np.ndarray]:
    """Exact ln p(v) per image of each array of ``images`` (ln Z enumerated once)."""
    log_z = rbm.log_z_exact(params)
    return [np.asarray(-rbm.free_energy(params, v) - log_z) for v in images]


def seconds_per_epoch(train, dropout: float, l2: float) -> float:
    """Wall time of one epoch, from a compiled run of TIMING_EPOCHS epochs (best of two: the
    first call compiles the run's program)."""
    best = math.inf
    for i in range(2):
        t = time.perf_counter()
        jax.block_until_ready(_train(jax.random.key(10_000 + i), train, TIMING_EPOCHS,
                                     dropout, l2))
        best = min(best, time.perf_counter() - t)
    return best / TIMING_EPOCHS


def ensemble_curve(members: list, v: np.ndarray) -> np.ndarray:
    """Exact mean test log-likelihood of the mixtures of the first K members, K = 1, 2, ..."""
    logp = np.stack([_log_p(p, v)[0] for p in members])                 # [K, images]
    out = []
    for k in range(1, len(members) + 1):
        top = logp[:k].max(0)
        mix = top + np.log(np.exp(logp[:k] - top).sum(0)) - np.log(k)
        out.append(float(mix.mean()))
    return np.array(out)


def run(args: argparse.Namespace) -> dict:
    """Every setting over seeds, the timings, the explicit ensemble; results and figure."""
    settings = _settings(args)
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    full_train, test = digits()
    train = full_train[: settings["train_size"]]
    t0 = time.perf_counter()
    per = {}
    plain = []
    for label, dropout, l2 in progress(SETTINGS, enabled=show, desc="settings"):
        tr, te, raw, act = [], [], [], []
        for s in range(settings["seeds"]):
            trained = _train(jax.random.fold_in(key, s), train, settings["epochs"], dropout, l2)
            p = test_time_params(trained, dropout)
            on_train, on_test = _log_p(p, train, test)
            tr.append(float(np.mean(on_train)))
            te.append(float(np.mean(on_test)))
            raw.append(float(np.mean(_log_p(trained, test)[0])) if dropout else te[-1])
            act.append(float(jnp.mean(rbm.hidden_probs(p, test))))
            if dropout == 0.0 and l2 == 0.0:
                plain.append(p)
        gaps = np.array(tr) - np.array(te)
        per[label] = {"dropout": dropout, "l2": l2, "train_ll_runs": tr, "test_ll_runs": te,
                      "train_ll": mean_and_error(tr), "test_ll": mean_and_error(te),
                      "test_ll_unscaled": mean_and_error(raw),
                      "gap": mean_and_error(gaps), "sparsity": float(np.mean(act)),
                      "seconds_per_epoch": seconds_per_epoch(train, dropout, l2)}
    for s in progress(range(settings["seeds"], settings["ensemble"]), enabled=show,
                      desc="ensemble"):
        plain.append(_train(jax.random.fold_in(key, s), train, settings["epochs"], 0.0, 0.0))
    curve = ensemble_curve(plain[: settings["ensemble"]], test)
    target = per["dropout 0.5"]["test_ll"][0]
    reached = [k + 1 for k, v in enumerate(curve) if v >= target]
    members = reached[0] if reached else None
    cost_plain = per["dropout 0"]["seconds_per_epoch"]
    cost_drop = per["dropout 0.5"]["seconds_per_epoch"]
    seconds = time.perf_counter() - t0
    results = {
        "experiment": "dropout", "quick": bool(args.quick), "seed": args.seed,
        "settings": {**settings, "n_hidden": N_HIDDEN, "batch_size": BATCH,
                     "learning_rate": LEARNING_RATE, "method": "pcd"},
        "train_ll": {k: v["train_ll"][0] for k, v in per.items()},
        "test_ll": {k: v["test_ll"][0] for k, v in per.items()},
        "gap": {k: v["gap"][0] for k, v in per.items()},
        "gap_err": {k: v["gap"][1] for k, v in per.items()},
        "sparsity": {k: v["sparsity"] for k, v in per.items()},
        "seconds_per_epoch": {k: v["seconds_per_epoch"] for k, v in per.items()},
        "dropout_cost_ratio": cost_drop / cost_plain,
        "ensemble_test_ll": curve,
        "ensemble_members_to_match_dropout": members,
        "ensemble_cost_ratio": None if members is None else members * cost_plain / cost_drop,
        "per_setting": per, "seconds": seconds, "backend": jax.default_backend(),
    }
    print(f"RBM nh = {N_HIDDEN} on {len(train)} digits, PCD-1, {settings['epochs']} epochs, "
          f"{settings['seeds']} seeds ({seconds:.1f} s); exact log-likelihoods per image")
    for label, v in per.items():
        print(f"  {label:12s} train {v['train_ll'][0]:8.3f}  test {v['test_ll'][0]:8.3f} "
              f"+- {v['test_ll'][1]:.3f}  gap {v['gap'][0]:6.3f} +- {v['gap'][1]:.3f}  "
              f"<h> {v['sparsity']:.3f}  {1e3 * v['seconds_per_epoch']:.2f} ms/epoch")
    print(f"  ensembles of plain RBMs, K = 1..{len(curve)}: test "
          + ", ".join(f"{c:.3f}" for c in curve)
          + f"; members to match dropout 0.5: {members}")
    return publish(results, _plot, args.out, "dropout")


def _plot(results: dict, path: str) -> None:
    fig, axes = figure(1, 3, figsize=(15, 4.6))
    per = results["per_setting"]
    labels = list(per)
    x = np.arange(len(labels))
    ax = axes[0]
    for off, (what, name) in enumerate((("train_ll", "train"), ("test_ll", "test"))):
        ax.errorbar(x + 0.1 * (2 * off - 1), [per[k][what][0] for k in labels],
                    yerr=[per[k][what][1] for k in labels], fmt="os"[off], label=name)
    ax.set_xticks(x, labels)
    ax.set_ylabel("exact log-likelihood per image (nats)")
    ax.set_title(f"RBM nh = {N_HIDDEN}, {results['settings']['train_size']} training digits")
    ax.legend()
    ax = axes[1]
    ax.errorbar(x, [per[k]["gap"][0] for k in labels], yerr=[per[k]["gap"][1] for k in labels],
                fmt="o", color="C3")
    ax.set_xticks(x, labels)
    ax.set_ylabel("gap = train - test log-likelihood (nats)")
    ax.set_title("overfitting: the generalization gap")
    ax = axes[2]
    curve = np.asarray(results["ensemble_test_ll"])
    k = np.arange(1, len(curve) + 1)
    cost = results["seconds_per_epoch"]["dropout 0"] / results["seconds_per_epoch"]["dropout 0.5"]
    ax.plot(k * cost, curve, "o-", label="mixture of K plain RBMs")
    d = per["dropout 0.5"]["test_ll"]
    ax.errorbar([1.0], [d[0]], yerr=[d[1]], fmt="s", color="C2", label="one RBM, dropout 0.5")
    ax.axhline(d[0], color="C2", ls=":", lw=1)
    ax.set_xlabel("training cost, in units of one dropout-0.5 RBM")
    ax.set_ylabel("exact test log-likelihood per image (nats)")
    ax.set_title("implicit (dropout) vs explicit ensemble")
    ax.legend()
    fig.suptitle("Dropout as a cheap regularizer: a smaller gap at the price of one model")
    save_figure(fig, path)
