"""Fully-visible Boltzmann-machine training against the same algorithms in NumPy, same run.

Data: 5000 random binary vectors of n units, batch 100 (50 steps per epoch), plain SGD. Ours is
:func:`models.boltzmann.fit` (the time per epoch is the marginal cost (T(2E) - T(E)) / E of two
calls, each the best of three after an untimed call, so compiles are not timed: the estimator
and the optimizer object are reused, so the second call compiles nothing); the baseline is the
same gradient in vectorised NumPy (float32), timed over whole epochs:

- ``exact`` (n = 12): the 4096 states enumerated every step, moment matching;
- ``pl`` (n = 64): the analytic pseudo-likelihood gradient;
- ``pcd`` (n = 64, 100 chains, k = 1): one sequential heat-bath sweep of every chain per step
  (unit i of all chains at once), then the difference of moments.
"""

from __future__ import annotations

import itertools
import time

import jax
import numpy as np
import optax

from benchmarks._timing import Row, marginal_per_epoch
from models import boltzmann

N_SAMPLES, BATCH, LR = 5000, 100, 0.1


def _data(n: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 2, size=(N_SAMPLES, n)).astype(np.float32)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _numpy_epoch(method: str, data: np.ndarray, W: np.ndarray, b: np.ndarray,
                 chains: np.ndarray, rng: np.random.Generator) -> None:
    """One epoch of plain SGD with the NumPy gradient of ``method`` (in place)."""
    n = data.shape[1]
    off = 1.0 - np.eye(n, dtype=np.float32)
    states = (np.array(list(itertools.product((0.0, 1.0), repeat=n)), np.float32)
              if method == "exact" else None)
    for x in data[rng.permutation(len(data))].reshape(-1, BATCH, n):
        if method == "exact":
            logw = 0.5 * np.einsum("si,ij,sj->s", states, W * off, states) + states @ b
            p = np.exp(logw - logw.max())
            p /= p.sum()
            model_corr, model_mean = (states * p[:, None]).T @ states, p @ states
            gW = 0.5 * off * (model_corr - x.T @ x / BATCH)
            gb = model_mean - x.mean(0)
        elif method == "pl":
            Ws = 0.5 * (W + W.T) * off
            s = 2.0 * x - 1.0
            g = -s * _sigmoid(-s * (x @ Ws + b)) / BATCH
            gW = 0.5 * off * (x.T @ g + g.T @ x)
            gb = g.sum(0)
        else:
            Ws = 0.5 * (W + W.T) * off
            u = rng.random(chains.shape, dtype=np.float32)
            for i in range(n):
                chains[:, i] = u[:, i] < _sigmoid(chains @ Ws[:, i] + b[i])
            c = len(chains)
            gW = -0.5 * off * (x.T @ x / BATCH - chains.T @ chains / c)
            gb = chains.mean(0) - x.mean(0)
        W -= LR * gW
        b -= LR * gb


def _numpy_seconds(method: str, data: np.ndarray, epochs: int) -> float:
    n = data.shape[1]
    rng = np.random.default_rng(1)
    W, b = np.zeros((n, n), np.float32), np.zeros(n, np.float32)
    chains = (rng.random((100, n)) < 0.5).astype(np.float32)
    _numpy_epoch(method, data, W, b, chains, rng)                      # warm caches
    t0 = time.perf_counter()
    for _ in range(epochs):
        _numpy_epoch(method, data, W, b, chains, rng)
    return (time.perf_counter() - t0) / epochs


def _ours_seconds(method: str, data: np.ndarray, epochs: int) -> tuple[float, float]:
    opt = optax.sgd(LR)

    def fit(e):
        return boltzmann.fit(jax.random.key(0), data, method=method, epochs=e,
                             batch_size=BATCH, optimizer=opt, n_chains=100).W

    t0 = time.perf_counter()
    jax.block_until_ready(fit(1))
    first = time.perf_counter() - t0
    return marginal_per_epoch(fit, epochs), first


def run(quick: bool = False) -> list[Row]:
    rows = []
    epochs = 2 if quick else 10
    for method, n in (("exact", 12), ("pl", 64), ("pcd", 64)):
        data = _data(n)
        ours, first = _ours_seconds(method, data, epochs)
        base = _numpy_seconds(method, data, 1 if quick else 3)
        rows.append(Row(f"boltzmann.fit {method} n={n} (s/epoch)", ours, first,
                        baseline=f"NumPy {method} gradient, same data/batch/SGD",
                        baseline_seconds=base,
                        extra={"epochs": epochs, "batch": BATCH, "steps_per_epoch":
                               N_SAMPLES // BATCH}))
    return rows
