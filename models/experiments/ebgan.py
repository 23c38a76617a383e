"""EBGAN against a standard GAN on sklearn's digits: training stability and mode coverage.

LeCun's energy-based GAN (Zhao, Mathieu and LeCun 2016) makes the discriminator an energy, an
autoencoder's reconstruction error, trained to be low on data and above a margin on generated
images; the generator is pulled towards low energy, and the pulling-away term keeps the codes
of one generated batch apart. The baseline is the non-saturating GAN with the same generator,
optimizer, batch, number of steps and a discriminator of the same size. Both are trained for
several seeds at each of a range of learning rates, the axis along which GANs are known to
be fragile (one vmapped program per model). Measured per run: the loss curves; the class
histogram of 1000 samples labelled by a classifier trained on the digits (multinomial
logistic regression, its held-out accuracy reported), its entropy (ln 10 = 2.303 when every
class is equally present) and the classes holding at least 1 % of the samples; the sample
score exp(E_x KL(p(y|x) || p(y))) (the inception score with the digits classifier: 10 for
confident, balanced samples) and the classifier's mean confidence. The real test digits give
the reference row. Stability: the fraction of healthy runs over the grid (entropy >= 2.0),
as in the EBGAN paper's hyper-parameter sweep, and the loss curves.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
from tqdm.auto import tqdm

from models.data import digit_labels, digits
from models.experiments._common import (
    figure,
    mean_and_error,
    merged_settings,
    positive_float,
    positive_int,
    publish,
    save_figure,
)
from models.neural import GAN_KINDS, train_gan

DESCRIPTION = "EBGAN vs GAN on digits: loss curves across seeds, mode coverage by a classifier"

DEFAULTS = {"seeds": 3, "steps": 4000, "batch": 64, "latent": 16,
            "rates": (1e-4, 5e-4, 2e-3, 5e-3), "margin": 5.0, "pt_weight": 0.1, "samples": 1000}
QUICK = {**DEFAULTS, "seeds": 2, "steps": 750, "rates": (2e-3,)}
HEALTHY = 2.0
"""A run is healthy when its class histogram's entropy is at least this (ln 10 = 2.303; a
run that has dropped or starved a few classes is below)."""
COVERED = 0.01
"""A class is covered when it holds at least this fraction of the samples."""
CHUNK = 250


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=None,
                        help="runs of each model per learning rate (default 3; quick 2)")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps, a multiple of 250 (default 4000; quick 750)")
    parser.add_argument("--rates", type=str, default=None,
                        help="comma-separated Adam learning rates (default 1e-4,5e-4,2e-3,5e-3; "
                             "quick 2e-3)")
    parser.add_argument("--margin", type=float, default=None,
                        help="EBGAN's margin m, squared-error units of one image (default 5)")
    parser.add_argument("--pt-weight", type=float, default=None,
                        help="EBGAN's pulling-away weight lambda_PT (default 0.1; 0 is off)")


def _settings(args: argparse.Namespace) -> dict:
    s = merged_settings(args, QUICK, DEFAULTS)
    s["seeds"] = positive_int(s["seeds"], "--seeds", minimum=2)
    s["steps"] = positive_int(s["steps"], "--steps", minimum=CHUNK)
    if s["steps"] % CHUNK:
        raise ValueError(f"--steps must be a multiple of {CHUNK}, got {s['steps']}")
    if isinstance(s["rates"], str):
        try:
            s["rates"] = tuple(float(v) for v in s["rates"].split(","))
        except ValueError:
            raise ValueError(f"--rates must be comma-separated numbers, got {s['rates']!r}"
                             ) from None
    s["rates"] = tuple(positive_float(v, "--rates") for v in s["rates"])
    s["margin"] = positive_float(s["margin"], "--margin")
    pt = s["pt_weight"]
    if pt != 0:
        s["pt_weight"] = positive_float(pt, "--pt-weight")
    return s


def classifier():
    """Multinomial logistic regression on the digits' grey levels (training split), and its
    accuracy on the test split."""
    from sklearn.linear_model import LogisticRegression

    (x_train, x_test), (y_train, y_test) = digits(binarize=False), digit_labels()
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x_train, y_train)
    return model, float(model.score(x_test, y_test))


def coverage(probs: np.ndarray) -> dict:
    """Mode coverage of samples from their class probabilities p(y|x) [n, 10]: the histogram of
    the labels, its entropy, the classes covered, the sample score and the mean confidence."""
    n = len(probs)
    hist = np.bincount(probs.argmax(1), minlength=probs.shape[1]) / n
    nz = hist[hist > 0]
    marginal = probs.mean(0)
    kl = np.sum(probs * (np.log(probs + 1e-12) - np.log(marginal + 1e-12)), 1)
    return {"histogram": hist, "entropy": max(0.0, float(-np.sum(nz * np.log(nz)))),
            "classes_covered": int(np.sum(hist >= COVERED)),
            "score": float(np.exp(kl.mean())), "confidence": float(probs.max(1).mean())}


def _summary(per_run: list[dict]) -> dict:
    out = {}
    for k in ("entropy", "classes_covered", "score", "confidence"):
        m, e = mean_and_error(np.array([d[k] for d in per_run], float))
        out[k] = {"per_run": [d[k] for d in per_run], "mean": m, "err": e}
    return out


def _tail_spread(loss: np.ndarray) -> np.ndarray:
    """Per run, over the last half of training: the relative spread (std / |mean|) of the
    250-step means of a loss: how steady the game has become."""
    tail = loss[:, loss.shape[1] // 2:]
    blocks = tail[:, : tail.shape[1] // CHUNK * CHUNK].reshape(len(tail), -1, CHUNK).mean(-1)
    return blocks.std(1) / np.maximum(np.abs(blocks.mean(1)), 1e-12)


def _model(key, kind: str, train: np.ndarray, clf, s: dict, show: bool) -> dict:
    bar = tqdm(total=s["steps"], desc=kind, disable=not show, leave=False, dynamic_ncols=True)
    fit = train_gan(key, kind, train, seeds=s["seeds"], steps=s["steps"],
                    batch_size=s["batch"], latent=s["latent"], learning_rate=s["rates"],
                    margin=s["margin"], pt_weight=s["pt_weight"], chunk=CHUNK,
                    progress=lambda done: bar.update(done - bar.n))
    bar.close()
    images = np.asarray(fit.sample(jax.random.fold_in(key, 1), s["samples"], s["latent"]))
    runs = [coverage(clf.predict_proba(x)) for x in images]              # [runs]
    every = max(1, s["steps"] // 300)
    rates = fit.learning_rates
    by_rate = {f"{r:g}": _summary([d for d, q in zip(runs, rates, strict=True) if q == r])
               for r in s["rates"]}
    healthy = np.array([d["entropy"] >= HEALTHY for d in runs])
    return {**_summary(runs), "by_rate": by_rate, "learning_rates": rates, "seeds": fit.seeds,
            "histograms": [d["histogram"] for d in runs],
            "healthy_fraction": float(healthy.mean()), "healthy": healthy,
            "loss_d": fit.loss_d[:, ::every], "loss_g": fit.loss_g[:, ::every],
            "loss_steps": np.arange(0, s["steps"], every),
            "loss_d_tail_spread": _tail_spread(fit.loss_d),
            "loss_g_tail_spread": _tail_spread(fit.loss_g), "images": images[:, :40]}


def run(args: argparse.Namespace) -> dict:
    """Train both models for every learning rate and seed, label their samples; results.json
    and ebgan.png."""
    s = _settings(args)
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    train, test = digits(binarize=False)
    clf, accuracy = classifier()
    results = {"experiment": "ebgan", "quick": bool(args.quick), "seed": args.seed,
               "settings": s, "classifier_accuracy": accuracy,
               "real": coverage(clf.predict_proba(test))}
    t0 = time.perf_counter()
    for i, kind in enumerate(GAN_KINDS):
        results[kind] = _model(jax.random.fold_in(key, i), kind, train, clf, s, show)
    results["seconds"] = time.perf_counter() - t0
    results["backend"] = jax.default_backend()
    for kind in GAN_KINDS:
        results[f"{kind}_mode_entropy"] = results[kind]["entropy"]["mean"]
        results[f"{kind}_classes_covered"] = results[kind]["classes_covered"]["mean"]
        results[f"{kind}_score"] = results[kind]["score"]["mean"]
        results[f"{kind}_healthy_fraction"] = results[kind]["healthy_fraction"]
    _print(results)
    return publish(results, plot, args.out, "ebgan")


def _print(r: dict) -> None:
    s = r["settings"]
    print(f"EBGAN vs GAN on digits, {s['seeds']} seeds x learning rates {list(s['rates'])} x "
          f"{s['steps']} steps ({r['seconds']:.1f} s); classifier test accuracy "
          f"{r['classifier_accuracy']:.3f}")
    print(f"  {'':14s} {'entropy (ln 10 = 2.303)':>24s} {'classes >= 1 %':>15s} "
          f"{'score':>13s} {'confidence':>11s}")
    real = r["real"]
    print(f"  {'real digits':14s} {real['entropy']:24.3f} {real['classes_covered']:15d} "
          f"{real['score']:13.2f} {real['confidence']:11.3f}")
    for kind in GAN_KINDS:
        for rate, d in r[kind]["by_rate"].items():
            print(f"  {kind + ' lr ' + rate:14s} {d['entropy']['mean']:17.3f} +- "
                  f"{d['entropy']['err']:.3f} {d['classes_covered']['mean']:8.1f} +- "
                  f"{d['classes_covered']['err']:.1f} {d['score']['mean']:6.2f} +- "
                  f"{d['score']['err']:.2f} {d['confidence']['mean']:11.3f}")
    for kind in GAN_KINDS:
        d = r[kind]
        print(f"  {kind}: healthy runs (entropy >= {HEALTHY}) {int(np.sum(d['healthy']))} of "
              f"{len(d['healthy'])}; per run entropy "
              f"{np.round(d['entropy']['per_run'], 2).tolist()}")


def plot(r: dict, path: str) -> None:
    fig, axes = figure(2, 3, figsize=(15, 8.5))
    rates = [float(v) for v in r["settings"]["rates"]]
    for col, kind in enumerate(GAN_KINDS):
        ax = axes[0, col]
        d = r[kind]
        steps = np.asarray(d["loss_steps"])
        for i, (ld, lg, q) in enumerate(zip(d["loss_d"], d["loss_g"], d["learning_rates"],
                                            strict=True)):
            c = f"C{rates.index(float(q))}"
            first = i == 0 or d["learning_rates"][i - 1] != q
            ax.plot(steps, ld, color=c, lw=0.6, label=f"lr {q:g}: L_D" if first else None)
            ax.plot(steps, lg, color=c, lw=0.6, ls="--", label=f"lr {q:g}: L_G" if first
                    else None)
        if kind == "ebgan":
            ax.axhline(r["settings"]["margin"], color="grey", lw=0.8, ls=":",
                       label="margin m")
        ax.set_xlabel("training step")
        ax.set_ylabel("loss (batch mean)")
        ax.set_title(f"{kind.upper()}: discriminator (solid), generator (dashed), every run")
        ax.legend(fontsize=6, ncol=2)
    ax = axes[0, 2]
    classes = np.arange(10)
    ax.bar(classes - 0.3, r["real"]["histogram"], width=0.3, color="grey", label="real test")
    for j, kind in enumerate(GAN_KINDS):
        h = np.asarray(r[kind]["histograms"])
        ax.bar(classes + 0.3 * j, h.mean(0), width=0.3,
               yerr=h.std(0, ddof=1) if len(h) > 1 else None, color=f"C{j}",
               label=f"{kind.upper()} (mean, std over all runs)")
    ax.axhline(0.1, color="k", lw=0.8, ls=":", label="uniform 1/10")
    ax.set_xticks(classes)
    ax.set_xlabel("class given by the digits classifier")
    ax.set_ylabel(f"fraction of {r['settings']['samples']} samples")
    ax.set_title("mode coverage")
    ax.legend(fontsize=7)
    for col, kind in enumerate(GAN_KINDS):
        ax = axes[1, col]
        d = r[kind]
        i = int(np.argmin(d["entropy"]["per_run"]))               # the worst run, honestly
        imgs = np.pad(np.asarray(d["images"])[i, :40].reshape(5, 8, 8, 8),
                      ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=np.nan)
        ax.imshow(imgs.transpose(0, 2, 1, 3).reshape(45, 72), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{kind.upper()}, its worst run (lr {d['learning_rates'][i]:g}, seed "
                     f"{d['seeds'][i]}): entropy {d['entropy']['per_run'][i]:.2f}, "
                     f"{d['classes_covered']['per_run'][i]} classes", fontsize=9)
    ax = axes[1, 2]
    markers = "osD^v<>"
    for j, kind in enumerate(GAN_KINDS):
        d = r[kind]
        for q in rates:
            pick = [k for k, v in enumerate(d["learning_rates"]) if float(v) == q]
            ax.plot([d["entropy"]["per_run"][k] for k in pick],
                    [d["score"]["per_run"][k] for k in pick], markers[rates.index(q) % 7],
                    color=f"C{j}", ms=6, alpha=0.8, label=f"{kind.upper()}, lr {q:g}")
    ax.plot([r["real"]["entropy"]], [r["real"]["score"]], "*", color="k", ms=12,
            label="real test digits")
    ax.axvline(np.log(10), color="grey", lw=0.8, ls=":", label="ln 10 (all classes equal)")
    ax.axvline(HEALTHY, color="C3", lw=0.8, ls="--", label=f"healthy run: entropy >= {HEALTHY}")
    ax.set_xlabel("entropy of the class histogram (nats)")
    ax.set_ylabel("sample score exp E KL(p(y|x) || p(y))")
    ax.set_title("healthy runs: " + ", ".join(f"{k.upper()} {r[k]['healthy_fraction']:.0%}"
                                              for k in GAN_KINDS), fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    fig.suptitle(f"EBGAN (Zhao, Mathieu & LeCun) vs GAN on digits: same generator, optimizer "
                 f"and budget ({r['settings']['steps']} steps, {r['settings']['seeds']} seeds "
                 f"per learning rate); classifier accuracy {r['classifier_accuracy']:.3f}")
    save_figure(fig, path)
