"""Convolution and pooling as coarse-graining: which pooling is a renormalization-group step?

2D Ising configurations at T = 0.9, 1 and 1.1 T_c (Swendsen-Wang, one compiled sampler for
all three) are coarse-grained b = 2 at a time, repeatedly, by three poolings of a
convolutional network: majority pooling (the sign of the block sum, ties by a coin: exactly
Kadanoff's block spin, :func:`statmech.rg.block_spin`), average pooling (the block mean, a
linear coarse-graining that keeps the magnetization) and max pooling. Measured at every
level: the second-moment correlation length xi (from the structure factor), the distribution
of the magnetization P(m) and the Binder cumulant U = 1 - <m^4> / (3 <m^2>^2). An RG step
divides xi by b away from T_c and leaves the critical state statistically unchanged (xi / L
and U at their fixed-point values, 0.9050 and 0.61069 on the torus, Salas and Sokal 2000);
max pooling breaks the up-down symmetry and is no RG step of the Ising model. Then a
convolutional energy (:class:`models.neural.ConvEnergy`: convolution, average pooling,
convolution) is trained by maximum likelihood on Ising samples at beta_c, with
Gibbs-with-Gradients chains; its first-layer filters are shown and its samples' nearest-
neighbour correlation and |m| are compared with the data's and with Kaufman's exact value.
"""

from __future__ import annotations

import argparse
import math
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from models import neural
from models.data import ising_samples
from models.experiments._common import merged_settings, positive_int, publish
from statmech import rg
from statmech.exact import BETA_C, ising2d_log_z

DESCRIPTION = "pooling as coarse-graining: majority / average / max pooling vs block-spin RG"

DEFAULTS = {"L": 64, "chains": 16, "samples": 250, "thin": 2, "burn": 100,
            "temperatures": (0.9, 1.0, 1.1), "energy_L": 8, "energy_samples": 1000,
            "channels": (8, 16), "epochs": 60, "batch": 50, "learning_rate": 2e-3}
QUICK = {**DEFAULTS, "L": 32, "chains": 8, "samples": 100, "burn": 50, "energy_samples": 500}
METHODS = ("majority", "average", "max")
XI_OVER_L_CRITICAL = 0.9050488
"""xi_2nd / L of the critical 2D Ising torus as L -> infinity (Salas and Sokal 2000)."""
BINDER_CRITICAL = 0.61069
"""The critical Binder cumulant of the periodic square lattice (Salas and Sokal 2000)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--L", type=int, default=None,
                        help="lattice side, a power of 2 >= 16 (default 64; quick 32)")
    parser.add_argument("--chains", type=int, default=None,
                        help="Swendsen-Wang chains per temperature (default 16; quick 8)")
    parser.add_argument("--samples", type=int, default=None,
                        help="configurations kept per chain (default 250; quick 100)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs of the convolutional energy (default 60)")


def _settings(args: argparse.Namespace) -> dict:
    s = merged_settings(args, QUICK, DEFAULTS)
    s["L"] = positive_int(s["L"], "--L", minimum=16)
    if s["L"] & (s["L"] - 1):
        raise ValueError(f"--L must be a power of 2 (pooled by 2 down to 4 x 4), got {s['L']}")
    s["chains"] = positive_int(s["chains"], "--chains", minimum=2)
    s["samples"] = positive_int(s["samples"], "--samples", minimum=10)
    s["epochs"] = positive_int(s["epochs"], "--epochs")
    s["levels"] = int(math.log2(s["L"] // 4))
    return s


def average_pool(x: np.ndarray, b: int = 2) -> np.ndarray:
    """The b x b block means of configurations [n, L, L] (a convolution with a constant filter
    of weight 1/b^2 and stride b): Kadanoff's block average."""
    n, L, _ = x.shape
    return x.reshape(n, L // b, b, L // b, b).mean((2, 4))


def max_pool(x: np.ndarray, b: int = 2) -> np.ndarray:
    """The b x b block maxima of configurations [n, L, L]."""
    n, L, _ = x.shape
    return x.reshape(n, L // b, b, L // b, b).max((2, 4))


def majority_pool(key: jax.Array, x: np.ndarray, b: int = 2) -> np.ndarray:
    """The sign of each b x b block's sum, ties by a coin: :func:`statmech.rg.block_spin`."""
    keys = jax.random.split(key, len(x))
    return np.asarray(_majority(jnp.asarray(x, jnp.int8), keys, b), np.float32)


@partial(jax.jit, static_argnums=2)
def _majority(x: jax.Array, keys: jax.Array, b: int) -> jax.Array:
    """Block spins of a batch, one compiled program per shape (not one per call)."""
    return jax.vmap(lambda s, k: rg.block_spin(s, b, key=k))(x, keys)


def second_moment_xi(x: np.ndarray, connected: bool) -> float:
    """xi_2nd = sqrt(S(0) / S(k_min) - 1) / (2 sin(pi / L)) of configurations [n, L, L], the
    structure factor S(k) = <|sum_r x_r e^(i k.r)|^2> / N at k_min = 2 pi / L along either
    axis; S(0) = N <m^2>, or N (<m^2> - <|m|>^2) when ``connected`` (the ordered phase);
    inf when S(k_min) = 0 (configurations without any modulation, e.g. all +1)."""
    n, L, _ = x.shape
    N = L * L
    s = np.abs(np.fft.fft2(x.astype(np.float64))) ** 2 / N                    # [n, L, L]
    m = x.reshape(n, -1).mean(1)
    s0 = N * (np.mean(m**2) - np.mean(np.abs(m)) ** 2) if connected else N * np.mean(m**2)
    f = 0.5 * (s[:, 1, 0].mean() + s[:, 0, 1].mean())
    if f <= 0:                    # no modulation at all (uniform configurations): unbounded
        return math.inf
    return float(math.sqrt(max(s0 / f - 1.0, 0.0)) / (2 * math.sin(math.pi / L)))


def binder(m: np.ndarray) -> float:
    """U = 1 - <m^4> / (3 <m^2>^2)."""
    m = np.asarray(m, np.float64)
    return float(1.0 - np.mean(m**4) / (3.0 * np.mean(m**2) ** 2))


def exact_xi(K: float) -> float | None:
    """The exponential correlation length of the infinite lattice along an axis (lattice
    units): 1/xi = ln coth K - 2K above T_c, 2 (2K + ln tanh K) below; None at K_c."""
    if abs(K - BETA_C) < 1e-9:
        return None
    inverse = (math.log(1 / math.tanh(K)) - 2 * K if K < BETA_C
               else 2 * (2 * K + math.log(math.tanh(K))))
    return 1.0 / inverse


def _levels(key: jax.Array, x: np.ndarray, levels: int, method: str) -> list[np.ndarray]:
    out = [x]
    for level in range(levels):
        y = out[-1]
        out.append(majority_pool(jax.random.fold_in(key, level), y) if method == "majority"
                   else average_pool(y) if method == "average" else max_pool(y))
    return out


def analyse(key: jax.Array, x: np.ndarray, K: float, levels: int) -> dict:
    """Every pooling, every level: L', xi_2nd, xi / L', Binder U, <m>, <|m|> and P(m)."""
    ordered = K > BETA_C + 1e-9
    out = {}
    edges = np.linspace(-1, 1, 42)
    for method in METHODS:
        rows = {k: [] for k in ("L", "xi", "xi_over_L", "binder", "m_mean", "m_abs", "hist")}
        for y in _levels(jax.random.fold_in(key, METHODS.index(method)), x, levels, method):
            m = y.reshape(len(y), -1).mean(1)
            xi = second_moment_xi(y, connected=ordered)
            rows["L"].append(y.shape[1])
            rows["xi"].append(xi)
            rows["xi_over_L"].append(xi / y.shape[1])
            rows["binder"].append(binder(m))
            rows["m_mean"].append(float(m.mean()))
            rows["m_abs"].append(float(np.abs(m).mean()))
            rows["hist"].append(np.histogram(m, edges, density=True)[0])
        out[method] = rows
    return {"methods": out, "edges": edges}


def exact_nn_correlation(L: int, K: float) -> float:
    """<s_i s_j> of nearest neighbours on the L x L torus: d ln Z / d K / (2 L^2) (Kaufman)."""
    with jax.enable_x64(True):
        return float(jax.grad(lambda k: ising2d_log_z(L, L, k))(jnp.float64(K))) / (2 * L * L)


def _nn_and_m(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, np.float64)
    nn = 0.5 * np.mean(x * np.roll(x, 1, -1) + x * np.roll(x, 1, -2))
    return float(nn), float(np.abs(x.reshape(len(x), -1).mean(1)).mean())


def train_energy(key: jax.Array, s: dict, show: bool) -> dict:
    """A ConvEnergy fitted to Ising samples at beta_c by persistent Gibbs-with-Gradients
    chains; its first-layer filters and its chains' statistics against the data's and the
    exact nearest-neighbour correlation."""
    L = s["energy_L"]
    data = np.asarray(ising_samples(jax.random.fold_in(key, 0), L, float(BETA_C),
                                    s["energy_samples"], per_chain=s["energy_samples"] // 20,
                                    n_sweeps=100, thin=3), np.float32)
    module = neural.ConvEnergy((L, L), s["channels"], rngs=nnx.Rngs(int(s["seed"])))
    fit = neural.fit(jax.random.fold_in(key, 1), module, data, epochs=s["epochs"],
                     batch_size=s["batch"], learning_rate=s["learning_rate"], sampler="gwg",
                     k=10, progress=show)
    chains = np.asarray(fit.chains.spins, np.float32)
    nn_data, m_data = _nn_and_m(data)
    nn_model, m_model = _nn_and_m(chains)
    W = np.asarray(module.conv1.kernel[...])[:, :, 0, :]                      # [k, k, C1]
    cross = np.zeros_like(W[:, :, 0], bool)
    c = W.shape[0] // 2
    cross[c, :] = cross[:, c] = True
    energy = W**2
    return {"L": L, "nn_exact": exact_nn_correlation(L, float(BETA_C)), "nn_data": nn_data,
            "nn_model": nn_model, "m_abs_data": m_data, "m_abs_model": m_model,
            "filters": W.transpose(2, 0, 1),
            "cross_fraction": float(energy[cross].sum() / energy.sum()),
            "cross_fraction_random": float(cross.sum() / cross.size),
            "history": [{k: float(v) for k, v in h.items()} for h in fit.history]}


def run(args: argparse.Namespace) -> dict:
    """Sample, pool, measure; train the convolutional energy. results.json, conv_rg.png and
    conv_rg_energy.png."""
    from models.experiments._conv_rg_plot import plot, plot_energy

    s = _settings(args)
    s["seed"] = args.seed
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    t0 = time.perf_counter()
    temps = np.asarray(s["temperatures"], float)
    betas = BETA_C / temps
    per_chain = jnp.asarray(np.repeat(betas, s["chains"]), jnp.float32)
    L, c = s["L"], s["chains"]
    out = rg.mcrg_sample(jax.random.fold_in(key, 1), jnp.ones((len(betas) * c, L, L), jnp.int8),
                         s["samples"], beta=per_chain, levels=1, thin=s["thin"],
                         burn=s["burn"], couplings=("nn",), keep_levels=(0,))
    configs = np.asarray(out.blocks[0], np.float32).reshape(len(betas), -1, L, L)
    runs = []
    for i, (t, K) in enumerate(zip(temps, betas, strict=True)):
        runs.append({"T_over_Tc": float(t), "K": float(K), "xi_exact": exact_xi(float(K)),
                     **analyse(jax.random.fold_in(key, 10 + i), configs[i], float(K),
                               s["levels"]),
                     "example": configs[i][-1],
                     "example_pooled": {
                         "majority": majority_pool(jax.random.fold_in(key, 20 + i),
                                                   configs[i][-1:])[0],
                         "average": average_pool(configs[i][-1:])[0],
                         "max": max_pool(configs[i][-1:])[0]}})
    energy = train_energy(jax.random.fold_in(key, 2), s, show)
    crit = next(r for r in runs if abs(r["T_over_Tc"] - 1.0) < 1e-9)["methods"]
    results = {"experiment": "conv-rg", "quick": bool(args.quick), "seed": args.seed,
               "settings": s, "runs": runs, "energy": energy,
               "xi_over_L_critical": XI_OVER_L_CRITICAL, "binder_critical": BINDER_CRITICAL,
               "critical_binder_majority": crit["majority"]["binder"],
               "critical_xi_over_L_majority": crit["majority"]["xi_over_L"],
               "seconds": time.perf_counter() - t0, "backend": jax.default_backend()}
    _print(results)
    publish(results, plot, args.out, "conv_rg")
    plot_energy(results, f"{args.out}/conv_rg_energy.png")
    print(f"wrote {args.out}/conv_rg_energy.png")
    return results


def _print(r: dict) -> None:
    s = r["settings"]
    print(f"Pooling as coarse-graining, {s['L']} x {s['L']} Ising, {s['chains']} chains x "
          f"{s['samples']} samples per temperature ({r['seconds']:.1f} s)")
    for run in r["runs"]:
        ex = run["xi_exact"]
        print(f"  T = {run['T_over_Tc']:.2f} T_c (K = {run['K']:.4f}), exact exponential xi "
              f"{'-' if ex is None else f'{ex:.2f}'}:")
        for method in METHODS:
            d = run["methods"][method]
            print(f"    {method:8s} L' {d['L']}: xi {np.round(d['xi'], 2).tolist()}, U "
                  f"{np.round(d['binder'], 3).tolist()}, <m> {np.round(d['m_mean'], 2).tolist()}")
    e = r["energy"]
    print(f"  ConvEnergy on {e['L']} x {e['L']} at beta_c: nn correlation model "
          f"{e['nn_model']:.3f}, data {e['nn_data']:.3f}, exact {e['nn_exact']:.3f}; <|m|> "
          f"model {e['m_abs_model']:.3f}, data {e['m_abs_data']:.3f}; first-layer weight on "
          f"the nearest-neighbour cross {e['cross_fraction']:.2f} (uniform "
          f"{e['cross_fraction_random']:.2f})")


__all__ = ["average_pool", "max_pool", "majority_pool", "second_moment_xi", "binder",
           "exact_xi", "analyse", "exact_nn_correlation", "train_energy", "run"]
