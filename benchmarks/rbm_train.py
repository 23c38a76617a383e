"""RBM training on scikit-learn's digits against scikit-learn's ``BernoulliRBM``, same run.

Data: :func:`models.data.digits` (8x8, binarized at 0.5, fixed split: 1437 train, 360 test).
Both sides train by PCD-1 with the same number of hidden units, epochs, batch size (10) and
learning rate, from several seeds each. scikit-learn's is plain SGD; ours is run with plain SGD
(``optax.sgd(lr)``), with momentum 0.5 and 0.9 (0.9 is the ``fit`` default) and with Nesterov
momentum 0.9.

Reported per setting: the time per epoch, for both the marginal cost (T(2E) - T(E)) / E of
two ``fit`` calls with E and 2E epochs (the fixed per-call costs and input checks cancel; both
are called once untimed first, so that our compiles are cached; best of three; scikit-learn's
is measured before and after ours and the faster kept), and the mean test log-likelihood per
image over the seeds with its standard error: exact (2^16 hidden states enumerated) for
nh = 16, AIS (100 chains, 10^4 intermediate distributions, base rates from the training set)
for nh = 100.
scikit-learn's weights are converted to :class:`models.rbm.RBMParams` and scored by the same code.
"""

from __future__ import annotations

import time
import warnings

import jax
import numpy as np
import optax

from benchmarks._timing import Row
from models import rbm
from models.data import digits

BATCH = 10


def _sklearn_fit(train, nh, lr, epochs, seed):
    from sklearn.neural_network import BernoulliRBM

    model = BernoulliRBM(n_components=nh, learning_rate=lr, batch_size=BATCH, n_iter=epochs,
                         random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train)
    return rbm.RBMParams(np.asarray(model.components_.T, np.float32),
                         np.asarray(model.intercept_visible_, np.float32),
                         np.asarray(model.intercept_hidden_, np.float32))


def _ours_fit(train, nh, lr, epochs, seed, optimizer):
    return jax.block_until_ready(rbm.fit(
        jax.random.key(seed), train, n_hidden=nh, epochs=epochs, batch_size=BATCH,
        learning_rate=lr, method="pcd", optimizer=optimizer, progress=False))


def _per_epoch(fit, epochs):
    """Marginal seconds per epoch: (T(2E) - T(E)) / E, best of three pairs (after one untimed
    call of each, so that compiles are not timed)."""
    fit(epochs)
    fit(2 * epochs)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        fit(epochs)
        t1 = time.perf_counter()
        fit(2 * epochs)
        t2 = time.perf_counter()
        best = min(best, ((t2 - t1) - (t1 - t0)) / epochs)
    return best


def _score(params, test, train, nh, seed):
    if nh <= 20:
        return float(rbm.log_likelihood(params, test))
    ll, _ = rbm.log_likelihood_ais(jax.random.key(1000 + seed), params, test, n_chains=100,
                                   n_betas=10_000, data=train)
    return float(np.mean(ll))


def _mean_se(x):
    x = np.asarray(x)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0


def run(quick: bool = False) -> list[Row]:
    train, test = digits()
    seeds = range(2) if quick else range(8)
    settings = [(16, 0.1, 3 if quick else 20), (16, 0.01, 3 if quick else 20)]
    if not quick:
        settings.append((100, 0.01, 20))
    optimizers = {
        "sgd": lambda lr: optax.sgd(lr),
        "momentum 0.5": lambda lr: optax.sgd(lr, momentum=0.5),
        "momentum 0.9": lambda lr: optax.sgd(lr, momentum=0.9),
        "nesterov 0.9": lambda lr: optax.sgd(lr, momentum=0.9, nesterov=True),
    }
    rows = []
    for nh, lr, epochs in settings:
        sk_ll = [_score(_sklearn_fit(train, nh, lr, epochs, seed), test, train, nh, seed)
                 for seed in seeds]
        sk_epoch = lambda e, nh=nh, lr=lr: _sklearn_fit(train, nh, lr, e, 0)   # noqa: E731
        sk_time = _per_epoch(sk_epoch, epochs)
        setting_rows = []
        sk_mean, sk_se = _mean_se(sk_ll)
        for name, make in optimizers.items():
            opt = make(lr)
            t0 = time.perf_counter()
            _ours_fit(train, nh, lr, 1, 0, opt)                 # compile (cached afterwards)
            first = time.perf_counter() - t0
            ll = [_score(_ours_fit(train, nh, lr, epochs, seed, opt), test, train, nh, seed)
                  for seed in seeds]
            ours_time = _per_epoch(
                lambda e, nh=nh, lr=lr, opt=opt: _ours_fit(train, nh, lr, e, 0, opt), epochs)
            mean, se = _mean_se(ll)
            kind = "exact" if nh <= 20 else "AIS"
            setting_rows.append(Row(
                f"RBM digits PCD-1 nh={nh} lr={lr} {name} (s/epoch)", ours_time, first,
                baseline="sklearn BernoulliRBM, same epochs/batch/lr, plain SGD",
                baseline_seconds=sk_time,
                extra={"epochs": epochs, "batch": BATCH, "seeds": len(seeds),
                       f"test_ll_{kind}": round(mean, 3), "test_ll_se": round(se, 3),
                       f"sklearn_test_ll_{kind}": round(sk_mean, 3),
                       "sklearn_test_ll_se": round(sk_se, 3),
                       "ll_gain_nats": round(mean - sk_mean, 3)}))
        sk_time = min(sk_time, _per_epoch(sk_epoch, epochs))      # the faster of before/after
        for row in setting_rows:
            row.baseline_seconds = sk_time
        rows += setting_rows
    return rows
