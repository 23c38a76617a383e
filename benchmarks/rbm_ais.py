"""RBM AIS (Salakhutdinov and Murray 2008): accuracy against cost.

A random RBM with nv = 64, nh = 20, W ~ N(0, 1) (hidden inputs of standard deviation ~5.7, hard
to anneal), b, c ~ N(0, 0.1^2); exact ln Z by enumerating the 2^20 hidden states. For
n_betas = 1000, 10000, 100000 (quick: 100, 1000) and 100 chains (the paper's count), uniform
base: |error| in nats, the delta-method stderr, the steady-state time of one estimate, and the
time of a plain JAX AIS (threefry Bernoulli draws, softplus differences, no compensated sum)
with the same schedule as the baseline.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from benchmarks._timing import Row, time_call
from models import rbm
from statmech.estimators import log_mean_exp_stats, piecewise

NV, NH, N_CHAINS = 64, 20, 100


def _rbm(seed: int = 0) -> rbm.RBMParams:
    rng = np.random.default_rng(seed)
    return rbm.RBMParams(jnp.asarray(rng.normal(0.0, 1.0, (NV, NH)), jnp.float32),
                         jnp.asarray(rng.normal(0.0, 0.1, NV), jnp.float32),
                         jnp.asarray(rng.normal(0.0, 0.1, NH), jnp.float32))


@partial(jax.jit, static_argnames=("n_chains",))
def _plain_ais(key, p, schedule, n_chains):
    """The textbook loop, uniform base: ln Z_0 = (nv + nh) ln 2."""
    nv, nh = p.W.shape

    def log_f(v, beta):
        return beta * (v @ p.b) + jnp.sum(jax.nn.softplus(beta * (p.c + v @ p.W)), axis=-1)

    def body(carry, xs):
        v, log_w = carry
        beta_prev, beta, k = xs
        log_w = log_w + log_f(v, beta) - log_f(v, beta_prev)
        k_h, k_v = jax.random.split(k)
        h = jax.random.bernoulli(k_h, jax.nn.sigmoid(beta * (p.c + v @ p.W))).astype(v.dtype)
        v = jax.random.bernoulli(k_v, jax.nn.sigmoid(beta * (p.b + h @ p.W.T))).astype(v.dtype)
        return (v, log_w), None

    k0, k1 = jax.random.split(key)
    v = jax.random.bernoulli(k0, 0.5, (n_chains, nv)).astype(jnp.float32)
    keys = jax.random.split(k1, schedule.shape[0] - 2)
    (v, log_w), _ = lax.scan(body, (v, jnp.zeros(n_chains)), (schedule[:-2], schedule[1:-1], keys))
    log_w = log_w + log_f(v, schedule[-1]) - log_f(v, schedule[-2])
    log_mean, stderr, _ = log_mean_exp_stats(log_w)
    return (nv + nh) * jnp.log(2.0) + log_mean, stderr


def bench_ais(n_betas: int, params: rbm.RBMParams, exact: float) -> Row:
    key = jax.random.key(n_betas)
    repeats = 3 if n_betas <= 10_000 else 1
    first, best, est = time_call(
        lambda: rbm.ais_log_z(key, params, n_chains=N_CHAINS, n_betas=n_betas), repeats)
    schedule = jnp.asarray(piecewise(n_betas), jnp.float32)
    _, base_s, (base_log_z, base_se) = time_call(
        lambda: _plain_ais(key, params, schedule, N_CHAINS), repeats)
    return Row(f"rbm 64x20 AIS, {n_betas} betas x {N_CHAINS} chains", best, first,
               "plain JAX AIS (threefry, same schedule)", base_s,
               extra={"abs_error_nats": abs(float(est.log_z) - exact),
                      "stderr": float(est.stderr), "ess": float(est.ess),
                      "n_betas": n_betas, "n_chains": N_CHAINS,
                      "baseline_abs_error_nats": abs(float(base_log_z) - exact),
                      "baseline_stderr": float(base_se)})


def run(quick: bool) -> list[Row]:
    params = _rbm()
    exact = float(rbm.log_z_exact(params))
    sizes = (100, 1000) if quick else (1000, 10_000, 100_000)
    return [bench_ais(k, params, exact) for k in sizes]


if __name__ == "__main__":
    import sys

    for row in run("--quick" in sys.argv):
        print(row.name, f"{row.seconds:.3f}s (1st {row.first_call_seconds:.2f}s), "
              f"plain {row.baseline_seconds:.3f}s, x{row.ratio:.2f}", row.extra)
