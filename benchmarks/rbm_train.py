"""RBM training on scikit-learn's digits against scikit-learn's ``BernoulliRBM``, same run.

Data: :func:`models.data.digits` (8x8, binarized at 0.5, fixed split: 1437 train, 360 test).
Both sides train by PCD-1 with the same number of hidden units, epochs, batch size (10) and
learning rate, from several seeds each. scikit-learn's is plain SGD; ours is run with plain SGD
(``optax.sgd(lr)``), with momentum 0.9 (the ``fit`` default) and with Nesterov momentum.

Reported per setting: the time per epoch (ours: steady state, compiled; sklearn: its ``fit``
divided by the epochs), and the mean test log-likelihood per image over the seeds with its
standard error: exact (2^16 hidden states enumerated) for nh = 16, AIS (100 chains, 10^4
intermediate distributions, base rates from the training set) for nh = 100. scikit-learn's
weights are converted to :class:`models.rbm.RBMParams` and scored by the same code.
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
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train)
    seconds = time.perf_counter() - t0
    params = rbm.RBMParams(np.asarray(model.components_.T, np.float32),
                           np.asarray(model.intercept_visible_, np.float32),
                           np.asarray(model.intercept_hidden_, np.float32))
    return params, seconds


def _ours_fit(train, nh, epochs, seed, optimizer, lr):
    kwargs = dict(n_hidden=nh, batch_size=BATCH, learning_rate=lr, method="pcd",
                  optimizer=optimizer, progress=False)
    rbm.fit(jax.random.key(seed), train, epochs=1, **kwargs)     # compile (cached afterwards)
    t0 = time.perf_counter()
    params = jax.block_until_ready(rbm.fit(jax.random.key(seed), train, epochs=epochs,
                                           **kwargs))
    return params, time.perf_counter() - t0


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
    seeds = range(2) if quick else range(4)
    settings = [(16, 0.1, 3 if quick else 20), (16, 0.01, 3 if quick else 20)]
    if not quick:
        settings.append((100, 0.01, 20))
    optimizers = {
        "sgd": lambda lr: optax.sgd(lr),
        "momentum 0.9": lambda lr: optax.sgd(lr, momentum=0.9),
        "nesterov 0.9": lambda lr: optax.sgd(lr, momentum=0.9, nesterov=True),
    }
    rows = []
    for nh, lr, epochs in settings:
        sk_ll, sk_t = [], []
        for seed in seeds:
            params, seconds = _sklearn_fit(train, nh, lr, epochs, seed)
            sk_ll.append(_score(params, test, train, nh, seed))
            sk_t.append(seconds / epochs)
        sk_mean, sk_se = _mean_se(sk_ll)
        for name, make in optimizers.items():
            opt = make(lr)
            ll, times, first = [], [], None
            for seed in seeds:
                t0 = time.perf_counter()
                params, seconds = _ours_fit(train, nh, epochs, seed, opt, lr)
                first = first if first is not None else time.perf_counter() - t0 - seconds
                ll.append(_score(params, test, train, nh, seed))
                times.append(seconds / epochs)
            mean, se = _mean_se(ll)
            kind = "exact" if nh <= 20 else "AIS"
            rows.append(Row(
                f"RBM digits PCD-1 nh={nh} lr={lr} {name} (s/epoch)", min(times), first,
                baseline="sklearn BernoulliRBM, same epochs/batch/lr, plain SGD",
                baseline_seconds=min(sk_t),
                extra={"epochs": epochs, "batch": BATCH, "seeds": len(seeds),
                       f"test_ll_{kind}": round(mean, 3), "test_ll_se": round(se, 3),
                       f"sklearn_test_ll_{kind}": round(sk_mean, 3),
                       "sklearn_test_ll_se": round(sk_se, 3),
                       "ll_gain_nats": round(mean - sk_mean, 3)}))
    return rows
