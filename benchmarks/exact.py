"""Exact partition functions: enumeration of dense SK models and the transfer matrix.

Issue #2 targets (this 2-core CPU): 24-spin SK ln Z + gradient <= 2 s, 28 spins <= 30 s, and a
16 x 64 open strip by transfer matrix, value + gradient, <= 5 s.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks._timing import Row, time_call
from statmech.exact import log_z_dense, log_z_enumerate, transfer_matrix_log_z


def _sk(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, n)) / np.sqrt(n)
    W = (W + W.T) / np.sqrt(2) * (1 - np.eye(n))
    h = 0.3 * rng.normal(size=n)
    return W.astype(np.float32), h.astype(np.float32)


def _sk_energy(params, x):
    W, h = params
    return -0.5 * x @ W @ x - h @ x


def _numpy_sk_log_z(W: np.ndarray, h: np.ndarray, chunk_log2: int = 16) -> float:
    """Plain NumPy baseline: chunked enumeration with log-sum-exp (value only)."""
    n = len(h)
    chunk = 1 << min(n, chunk_log2)
    shifts = np.arange(n)
    best, acc = -np.inf, 0.0
    for start in range(0, 1 << n, chunk):
        idx = np.arange(start, start + chunk)
        x = (((idx[:, None] >> shifts) & 1) * 2 - 1).astype(np.float32)
        logw = 0.5 * np.einsum("si,ij,sj->s", x, W, x) + x @ h
        m = logw.max()
        if m > best:
            acc = acc * np.exp(best - m)
            best = m
        acc += np.exp(logw - best).sum()
    return float(best + np.log(acc))


def bench_sk(n: int, target: float | None, generic_baseline: bool) -> list[Row]:
    W, h = _sk(n)
    params = (jnp.asarray(W), jnp.asarray(h))
    fast = jax.jit(jax.value_and_grad(lambda p: log_z_dense(p[0], p[1], 1.0)))
    first, best, (value, _) = time_call(lambda: fast(params))
    rows = []
    if generic_baseline:
        generic = jax.jit(jax.value_and_grad(
            lambda p: log_z_enumerate(_sk_energy, p, n, 1.0)))
        g_first, g_best, (g_value, _) = time_call(lambda: generic(params), repeats=1)
        rows.append(Row(f"sk{n} generic log_z_enumerate, value+grad", g_best, g_first,
                        extra={"log_z": float(g_value)}))
        np.testing.assert_allclose(float(g_value), float(value), rtol=1e-5)
        baseline, base_s = "generic log_z_enumerate", g_best
    else:
        baseline, base_s = "", None
    rows.insert(0, Row(f"sk{n} log_z_dense, value+grad", best, first, baseline, base_s, target,
                       extra={"log_z": float(value)}))
    if n <= 24:
        import time

        t0 = time.perf_counter()
        np_value = _numpy_sk_log_z(W, h)
        np_s = time.perf_counter() - t0
        np.testing.assert_allclose(np_value, float(value), rtol=1e-5)
        rows.append(Row(f"sk{n} log_z_dense vs NumPy (value only)", _value_only(params, n),
                        0.0, "NumPy chunked enumeration", np_s))
    return rows


def _value_only(params, n: int) -> float:
    f = jax.jit(lambda p: log_z_dense(p[0], p[1], 1.0))
    return time_call(lambda: f(params))[1]


def bench_transfer_matrix(L: int, M: int, target: float | None) -> list[Row]:
    rng = np.random.default_rng(1)
    J_right, J_down, h = (jnp.asarray(rng.normal(size=(L, M)), jnp.float32) for _ in range(3))
    f = jax.jit(jax.value_and_grad(
        lambda p: transfer_matrix_log_z(*p, 0.5, periodic_rows=False, periodic_cols=False)))
    first, best, (value, _) = time_call(lambda: f((J_right, J_down, h)))
    import time

    t0 = time.perf_counter()
    np_value = _numpy_transfer(np.asarray(J_right), np.asarray(J_down), np.asarray(h), 0.5)
    np_s = time.perf_counter() - t0
    np.testing.assert_allclose(np_value, float(value), rtol=1e-4)
    return [Row(f"transfer matrix {L}x{M} open strip, value+grad", best, first,
                "NumPy log-space transfer matrix (value only)", np_s, target,
                extra={"log_z": float(value)})]


def _numpy_transfer(J_right, J_down, h, beta) -> float:
    """Plain NumPy baseline: column-to-column log-space transfer with spin-by-spin bonds."""
    L, M = h.shape
    idx = np.arange(2**L)[:, None]
    S = (((idx >> np.arange(L - 1, -1, -1)) & 1) * 2 - 1).astype(np.float64)
    nxt = np.roll(S, -1, axis=1)
    jd = J_down.copy()
    jd[-1, :] = 0.0
    psi = beta * (S @ h[:, 0] + (S * nxt) @ jd[:, 0])
    for j in range(1, M):
        for i in range(L):
            k = beta * J_right[i, j - 1]
            minus, plus = psi.reshape(2, -1)
            psi = np.stack([np.logaddexp(plus - k, minus + k),
                            np.logaddexp(plus + k, minus - k)], axis=1).reshape(-1)
        psi = psi + beta * (S @ h[:, j] + (S * nxt) @ jd[:, j])
    m = psi.max()
    return float(m + np.log(np.exp(psi - m).sum()))


def run(quick: bool) -> list[Row]:
    if quick:
        return (bench_sk(20, None, generic_baseline=True)
                + bench_transfer_matrix(12, 32, None))
    return (bench_sk(24, 2.0, generic_baseline=True)
            + bench_sk(28, 30.0, generic_baseline=False)
            + bench_transfer_matrix(16, 64, 5.0))
