"""RBM training on scikit-learn's digits against scikit-learn's ``BernoulliRBM``, same run.

Data: :func:`models.data.digits` (8x8, binarized at 0.5, fixed split: 1437 train, 360 test).
Both sides train by PCD-1 with the same number of hidden units, epochs, batch size and learning
rate, from several seeds each, and are scored by the same code: the exact test log-likelihood
per image (2^16 hidden states enumerated) for nh = 16, AIS (100 chains, 10^4 intermediate
distributions, base rates from the training set) for nh = 100. scikit-learn's weights are
converted to :class:`models.rbm.RBMParams`.

Two parts:

- **speed**: the time per epoch, the marginal cost (T(2E) - T(E)) / E of two ``fit`` calls with
  E and 2E epochs (fixed per-call costs cancel; each T the best of three after an untimed call,
  so compiles are not timed; scikit-learn's measured before and after ours, the faster kept);
- **likelihood over the grid** of learning rates 0.005-0.1, batches 10-100 and nh 16 or 100 (30
  epochs): ``fit`` with its default optimizer (:func:`models.fitting.default_optimizer`: the
  learning rate a user would give scikit-learn is the effective step) against plain SGD at the
  same learning rate and against scikit-learn.
"""

from __future__ import annotations

import time
import warnings

import jax
import numpy as np
import optax

from benchmarks._timing import Row, marginal_per_epoch
from models import rbm
from models.data import digits

SPEED_BATCH = 10
SPEED_LR = 0.05
GRID_EPOCHS = 30
GRID = [(nh, lr, b) for nh in (16, 100) for lr in (0.005, 0.01, 0.02, 0.05, 0.1)
        for b in (10, 20, 100)]
HEADLINE = (16, 0.05, 20)
"""scikit-learn's own settings on digits (n_components 16 in its example's spirit, lr 0.05,
batch 20): the setting where the default must reach scikit-learn's likelihood."""


def _sklearn_fit(train, nh, lr, epochs, seed, batch):
    from sklearn.neural_network import BernoulliRBM

    model = BernoulliRBM(n_components=nh, learning_rate=lr, batch_size=batch, n_iter=epochs,
                         random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train)
    return rbm.RBMParams(np.asarray(model.components_.T, np.float32),
                         np.asarray(model.intercept_visible_, np.float32),
                         np.asarray(model.intercept_hidden_, np.float32))


def _ours_fit(train, nh, lr, epochs, seed, batch, optimizer=None):
    return jax.block_until_ready(rbm.fit(
        jax.random.key(seed), train, n_hidden=nh, epochs=epochs, batch_size=batch,
        learning_rate=lr, method="pcd", optimizer=optimizer))


def _score(params, test, train, nh, seed):
    if nh <= 20:
        return float(rbm.log_likelihood(params, test))
    ll, _ = rbm.log_likelihood_ais(jax.random.key(1000 + seed), params, test, n_chains=100,
                                   n_betas=10_000, data=train)
    return float(np.mean(ll))


def _mean_se(x):
    x = np.asarray(x)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0


def _speed_rows(train, quick: bool) -> list[Row]:
    epochs = 3 if quick else 20
    rows = []
    lr = SPEED_LR
    for nh in (16,) if quick else (16, 100):
        sk = lambda e, nh=nh: _sklearn_fit(train, nh, lr, e, 0, SPEED_BATCH)   # noqa: E731
        sk_time = marginal_per_epoch(sk, epochs)
        for name, opt in (("default", None), ("sgd", optax.sgd(lr))):
            t0 = time.perf_counter()
            _ours_fit(train, nh, lr, 1, 0, SPEED_BATCH, opt)
            first = time.perf_counter() - t0
            ours = marginal_per_epoch(lambda e, nh=nh, opt=opt: _ours_fit(train, nh, lr, e, 0,
                                                                   SPEED_BATCH, opt), epochs)
            rows.append(Row(f"RBM digits PCD-1 nh={nh} b={SPEED_BATCH} {name} (s/epoch)", ours,
                            first, baseline="sklearn BernoulliRBM, same epochs/batch/lr",
                            baseline_seconds=sk_time, extra={"epochs": epochs}))
        sk_time = min(sk_time, marginal_per_epoch(sk, epochs))          # the faster of before/after
        for row in rows[-2:]:
            row.baseline_seconds = sk_time
    return rows


def _likelihood_row(train, test, nh, lr, batch, seeds, epochs) -> Row:
    sgd = optax.sgd(lr)
    t0 = time.perf_counter()
    fits = {"default": [_ours_fit(train, nh, lr, epochs, s, batch) for s in seeds]}
    ours_seconds = (time.perf_counter() - t0) / len(seeds)
    fits["sgd"] = [_ours_fit(train, nh, lr, epochs, s, batch, sgd) for s in seeds]
    t0 = time.perf_counter()
    fits["sklearn"] = [_sklearn_fit(train, nh, lr, epochs, s, batch) for s in seeds]
    sk_seconds = (time.perf_counter() - t0) / len(seeds)
    scores = {k: [_score(p, test, train, nh, s) for p, s in zip(v, seeds, strict=True)]
              for k, v in fits.items()}
    extra = {"epochs": epochs, "seeds": len(seeds),
             "kind": "exact" if nh <= 20 else "AIS"}
    for k, v in scores.items():
        mean, se = _mean_se(v)
        extra[f"{k}_ll"], extra[f"{k}_se"] = round(mean, 3), round(se, 3)
    diff = np.asarray(scores["default"]) - np.mean(scores["sklearn"])
    extra["default_minus_sklearn"] = round(float(np.mean(diff)), 3)
    extra["default_minus_sgd"] = round(float(np.mean(scores["default"])
                                             - np.mean(scores["sgd"])), 3)
    extra["sklearn_seconds_per_fit"] = round(sk_seconds, 3)
    # a likelihood row, not a speed comparison: our fit time includes its first compile
    return Row(f"RBM digits PCD-1 nh={nh} lr={lr} b={batch} likelihood (s/fit)", ours_seconds,
               ours_seconds, baseline="sklearn BernoulliRBM, same settings (likelihood only)",
               extra=extra)


def run(quick: bool = False) -> list[Row]:
    train, test = digits()
    rows = _speed_rows(train, quick)
    if quick:
        nh, lr, b = HEADLINE
        return rows + [_likelihood_row(train, test, nh, lr, b, range(2), 3)]
    for nh, lr, b in GRID:
        seeds = range(8) if (nh, lr, b) == HEADLINE else range(3)
        rows.append(_likelihood_row(train, test, nh, lr, b, seeds, GRID_EPOCHS))
    return rows
