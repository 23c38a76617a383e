"""Potts transitions on the square lattice: where they are, and which are first order.

The q-state Potts model, E = -J sum_<ij> delta(s_i, s_j), orders at beta_c = ln(1 + sqrt q)
(self-duality; Potts 1952), continuously for q <= 4 and with a latent heat for q > 4 (Baxter
1973). For q = 2, 3, 4 and 10, Swendsen-Wang chains (the Ising kernel with coupling J / 2 for
q = 2) record the energy and the order parameter m = (q max_k n_k / N - 1) / (q - 1) at every
sweep: on the smaller lattice over a broad grid of beta, on the larger one over a grid around
the smaller one's heat-capacity peak. Multiple-histogram reweighting (Ferrenberg and Swendsen
1989) turns the energy histograms into continuous curves of e, C/N and the cumulant
U = 1 - <m^4> / 3<m^2>^2. beta_c is estimated from the data alone, with a jackknife error over
chains: where the cumulants of the two sizes cross (q <= 4), or where the larger lattice's
heat capacity peaks (q = 10, whose first-order peak moves only like 1/L^2). Near the estimate
the energy distribution shows one peak where the transition is continuous and two (the
ordered and the disordered phase, coexisting) at q = 10.
"""

from __future__ import annotations

import argparse
import math
import time

import jax
import jax.numpy as jnp
import numpy as np

from models.experiments._common import (
    figure,
    merged_settings,
    positive_int,
    progress,
    publish,
    save_figure,
)
from statmech import mcmc

DESCRIPTION = "Potts q = 2, 3, 4, 10: beta_c against ln(1 + sqrt q), first order at q = 10"

QS = (2, 3, 4, 10)
DEFAULTS = {"sizes": (12, 24), "chains": 16, "sweeps": 2000, "burn": 200, "betas": 11}
QUICK = {"sizes": (8, 12), "chains": 6, "sweeps": 250, "burn": 30, "betas": 7}
BROAD = np.linspace(0.6, 2.0, 13)
"""The smaller lattice's grid, the same for every q: its reweighted heat-capacity peak centres
the larger lattice's grid, so nothing but the data says where beta_c is."""
BIMODAL = 0.25
"""Two phases: a dip between the two highest maxima of P(E) at least 25 % below the lower (at
L = 12 the measured dip is 0.36-0.63 at q = 10 and at most 0.15 at q <= 4, four seeds)."""
WINDOW = (-0.03, 0.09)
"""The larger lattice's grid: beta_0 (1 + x), x in WINDOW, beta_0 the smaller one's C peak.
Lopsided: on a periodic lattice the heat-capacity peak of a finite size lies below beta_c
(T_L > T_c, for continuous and first-order transitions alike), so beta_c is above beta_0."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=int, nargs=2, default=None, metavar=("L1", "L2"),
                        help="the two lattice sizes (default 12 24; quick 8 12)")
    parser.add_argument("--chains", type=int, default=None,
                        help="independent chains per beta (default 16)")
    parser.add_argument("--sweeps", type=int, default=None,
                        help="recorded Swendsen-Wang sweeps per chain and beta (default 2000)")


def _settings(args: argparse.Namespace) -> dict:
    base = merged_settings(args, QUICK, DEFAULTS)
    sizes = tuple(positive_int(L, "--sizes", minimum=4) for L in base["sizes"])
    if len(set(sizes)) != 2:
        raise ValueError(f"--sizes must be two different sizes, got {list(sizes)}")
    base["sizes"] = tuple(sorted(sizes))
    base["chains"] = positive_int(base["chains"], "--chains", minimum=2)
    base["sweeps"] = positive_int(base["sweeps"], "--sweeps", minimum=20)
    return base


def beta_c_exact(q: int) -> float:
    """ln(1 + sqrt q), J = 1."""
    return math.log1p(math.sqrt(q))


def _observer(q: int):
    def observe(state, params, beta):
        s = state.spins
        colours = (s + 1) // 2 if q == 2 else s                      # q = 2: +-1 spins
        n = s.size
        same = jnp.sum(colours == jnp.roll(colours, -1, 0)) + jnp.sum(
            colours == jnp.roll(colours, -1, 1))
        counts = jnp.sum(colours.reshape(-1, 1) == jnp.arange(q, dtype=colours.dtype), axis=0)
        m = (q * jnp.max(counts) / n - 1.0) / (q - 1.0)
        return jnp.stack([-same.astype(jnp.float32) / n, m.astype(jnp.float32)])
    return observe


def simulate(q: int, L: int, betas: np.ndarray, chains: int, n_burn: int, n_rec: int,
             key: jax.Array, show: bool) -> list[np.ndarray]:
    """Per beta, the trace [chains, n_rec, 2] of (E/N, m), from low to high beta (a beta may
    repeat: the chains then continue, with the same compiled program)."""
    kernel = mcmc.swendsen_wang(q)
    J = 0.5 if q == 2 else 1.0                 # delta(s, s') = (1 + s s') / 2 for q = 2
    params = mcmc.LatticeParams(jnp.float32(J), jnp.float32(J), jnp.float32(0.0))
    colours = jax.random.randint(jax.random.fold_in(key, 99_991), (chains, L, L), 0, q)
    start = (2 * colours - 1 if q == 2 else colours).astype(jnp.int8)     # a hot start
    states = jax.vmap(kernel.init)(start)
    observe = _observer(q)
    out = []
    for i in progress(range(len(betas)), enabled=show, desc=f"q={q} L={L}"):
        keys = jax.random.split(jax.random.fold_in(key, i), chains)
        res = mcmc.sample_chains(kernel, keys, states, n_burn + n_rec, params=params,
                                 beta=jnp.float32(betas[i]), observe=observe)
        states = res.state
        out.append(np.asarray(res.trace)[:, n_burn:])
    return out


def _curves(traces: list[np.ndarray], betas: np.ndarray, n: int) -> dict:
    """e, C/N, <m>, U per beta with jackknife errors over chains."""
    keys = ("energy", "heat_capacity", "order", "cumulant")
    rows, errs = [], []
    for tr, b in zip(traces, betas, strict=True):
        e, m = tr[..., 0].astype(np.float64), tr[..., 1].astype(np.float64)
        mom = np.stack([e.mean(1), (e**2).mean(1), m.mean(1), (m**2).mean(1), (m**4).mean(1)], 1)

        def est(p, b=b):
            return np.stack([p[..., 0], b**2 * n * (p[..., 1] - p[..., 0]**2), p[..., 2],
                             1 - p[..., 4] / (3 * p[..., 3]**2)], -1)

        c = len(mom)
        jack = est((mom.sum(0) - mom) / (c - 1))
        rows.append(est(mom.mean(0)))
        errs.append(np.sqrt((c - 1) / c * np.sum((jack - jack.mean(0))**2, axis=0)))
    rows, errs = np.array(rows), np.array(errs)
    out = {"beta": betas}
    for k, name in enumerate(keys):
        out[name], out[f"{name}_err"] = rows[:, k], errs[:, k]
    return out


def _crossing(b, y1, y2) -> float:
    d = np.asarray(y1) - np.asarray(y2)
    idx = np.nonzero(np.diff(np.sign(d)))[0]
    if not len(idx):
        return float("nan")
    k = idx[np.argmin(np.abs(idx - len(b) / 2))]
    return float(b[k] - d[k] * (b[k + 1] - b[k]) / (d[k + 1] - d[k]))


def histograms(traces: list[np.ndarray], n: int) -> dict:
    """Per chain, the energy histograms of every beta and the sums of m^2, m^4 at each energy:
    ``counts [chains, K, 2n + 1]`` over the number of equal neighbour pairs (E = -that, J = 1),
    ``m2``, ``m4 [chains, 2n + 1]`` (pooled over beta: at fixed E they do not depend on it)."""
    same = np.rint(-np.stack([t[..., 0] for t in traces], 1) * n).astype(np.int64)
    m = np.stack([t[..., 1] for t in traces], 1).astype(np.float64)      # [c, K, T]
    chains, K, _ = same.shape
    counts = np.zeros((chains, K, 2 * n + 1))
    m2, m4 = np.zeros((chains, 2 * n + 1)), np.zeros((chains, 2 * n + 1))
    for c in range(chains):
        for k in range(K):
            counts[c, k] = np.bincount(same[c, k], minlength=2 * n + 1)
        m2[c] = np.bincount(same[c].ravel(), weights=m[c].ravel() ** 2, minlength=2 * n + 1)
        m4[c] = np.bincount(same[c].ravel(), weights=m[c].ravel() ** 4, minlength=2 * n + 1)
    return {"counts": counts, "m2": m2, "m4": m4}


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.squeeze(top, axis) + np.log(np.sum(np.exp(a - top), axis=axis))


def density_of_states(counts: np.ndarray, betas: np.ndarray, iters: int = 2000) -> np.ndarray:
    """ln Omega(E) by multiple-histogram reweighting (Ferrenberg and Swendsen 1989): the
    self-consistent solution of Omega(E) = sum_k H_k(E) / sum_k n_k exp(f_k - beta_k E),
    exp(-f_k) = sum_E Omega(E) exp(-beta_k E), in logs; ``counts [K, bins]`` over S = -E (the
    equal neighbour pairs, J = 1); -inf where nothing was seen. PRL 63, 1195."""
    s = np.arange(counts.shape[1], dtype=np.float64)
    total = counts.sum(0)
    seen = total > 0
    log_h, log_n = np.log(total[seen]), np.log(counts.sum(1))
    bs = betas[:, None] * s[seen][None]                                  # -beta_k E
    f = np.zeros(len(betas))
    for _ in range(iters):
        log_omega = log_h - _logsumexp(log_n[:, None] + f[:, None] + bs, 0)
        f_new = -_logsumexp(log_omega[None] + bs, 1)
        f_new -= f_new[0]
        if np.max(np.abs(f_new - f)) < 1e-10:
            f = f_new
            break
        f = f_new
    out = np.full(counts.shape[1], -np.inf)
    out[seen] = log_h - _logsumexp(log_n[:, None] + f[:, None] + bs, 0)
    return out


def reweighted(h: dict, betas: np.ndarray, grid: np.ndarray, n: int,
               keep: np.ndarray | None = None) -> dict:
    """e, C/N and U on a fine ``grid`` inside the sampled betas from the chains ``keep``
    (default all: the jackknife leaves one out), and P(E) at every grid point."""
    keep = np.ones(len(h["counts"]), bool) if keep is None else keep
    counts = h["counts"][keep].sum(0)
    log_omega = density_of_states(counts, betas)
    seen = np.isfinite(log_omega)
    s = np.arange(len(log_omega), dtype=np.float64)[seen]
    pooled = counts.sum(0)[seen]
    mm2, mm4 = h["m2"][keep].sum(0)[seen] / pooled, h["m4"][keep].sum(0)[seen] / pooled
    logw = log_omega[seen][None] + grid[:, None] * s[None]
    p = np.exp(logw - _logsumexp(logw, 1)[:, None])
    e1, e2 = p @ (-s / n), p @ (s / n) ** 2
    m2, m4 = p @ mm2, p @ mm4
    return {"energy": e1, "heat_capacity": grid ** 2 * n * (e2 - e1 ** 2),
            "cumulant": 1 - m4 / (3 * m2 ** 2), "p": p, "e": -s / n}


def estimate_beta_c(q: int, hists: dict, betas: dict, sizes: tuple,
                    keep: np.ndarray | None = None) -> tuple[float, str, np.ndarray]:
    """beta_c from the reweighted curves on the larger lattice's range of beta: the cumulant
    crossing of the two sizes (q <= 4, if they cross there), else the heat-capacity peak of
    the larger lattice. ``hists`` and ``betas`` per size."""
    small, large = sizes
    grid = np.linspace(betas[large][0], betas[large][-1], 801)
    big = reweighted(hists[large], betas[large], grid, large * large, keep)
    if q <= 4:
        little = reweighted(hists[small], betas[small], grid, small * small, keep)
        estimate = _crossing(grid, little["cumulant"], big["cumulant"])
        if math.isfinite(estimate):
            return estimate, "cumulant crossing", grid
    return float(grid[np.argmax(big["heat_capacity"])]), "C peak", grid


def smoothed(e: np.ndarray, p: np.ndarray, width: float = 0.03) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """A distribution ``p`` over energies per site ``e``, sorted by e and smoothed by a
    Gaussian of ``width`` (the lattice's allowed energies are not evenly populated)."""
    order = np.argsort(e)
    e, p = np.asarray(e)[order], np.asarray(p)[order]
    step = float(np.median(np.diff(e))) if len(e) > 1 else 1.0
    half = max(1, int(3 * width / step))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * step / width) ** 2)
    return e, np.convolve(p, kernel / kernel.sum(), mode="same")


def histogram_peaks(e: np.ndarray, p: np.ndarray, width: float = 0.03
                    ) -> tuple[list[float], float]:
    """The phases in a distribution ``p`` over energies per site ``e``, smoothed
    (:func:`smoothed`): the two highest local maxima and the depth of the dip between them,
    b = 1 - min(p between) / min(p at the two); two peaks when b >= BIMODAL, else the highest.
    Returns (peak energies, b); b = 0 for a single maximum."""
    e, smooth = smoothed(e, p, width)
    maxima = [i for i in range(1, len(e) - 1)
              if smooth[i] >= smooth[i - 1] and smooth[i] > smooth[i + 1]]
    if not maxima:
        return [float(e[int(np.argmax(smooth))])], 0.0
    top = sorted(sorted(maxima, key=lambda i: smooth[i])[-2:])
    if len(top) < 2:
        return [float(e[top[0]])], 0.0
    a, c = top
    b = 1.0 - smooth[a:c + 1].min() / min(smooth[a], smooth[c])
    if b >= BIMODAL:
        return [float(e[a]), float(e[c])], float(b)
    return [float(e[a] if smooth[a] >= smooth[c] else e[c])], float(b)


def most_bimodal(h: dict, betas: np.ndarray, grid: np.ndarray, n: int) -> tuple[float, dict]:
    """The beta of ``grid`` where the reweighted energy distribution is most bimodal (deepest
    dip between its two highest maxima; Lee and Kosterlitz's equal-height point at a first-order
    transition), and that distribution."""
    rw = reweighted(h, betas, grid, n)
    dips = [histogram_peaks(rw["e"], p)[1] for p in rw["p"]]
    k = int(np.argmax(dips))
    return float(grid[k]), {"e": rw["e"], "p": rw["p"][k]}


def _plot(results: dict, path: str) -> None:
    fig, axes = figure(2, 4, figsize=(16, 7))
    for col, q in enumerate(QS):
        r = results["per_q"][str(q)]
        what = "cumulant" if r["method"] == "cumulant crossing" else "heat_capacity"
        ax = axes[0, col]
        for i, L in enumerate(r["sizes"]):
            c, w = r["curves"][str(L)], r["reweighted"][str(L)]
            ax.errorbar(c["beta"], c[what], yerr=c[f"{what}_err"], fmt="os"[i], color=f"C{i}",
                        label=f"L = {L}, simulated")
            ax.plot(w["beta"], w[what], "-", color=f"C{i}", lw=0.8,
                    label=f"L = {L}, reweighted")
        ax.axvline(r["beta_c_exact"], color="k", ls=":", lw=1,
                   label=f"exact ln(1+sqrt q) = {r['beta_c_exact']:.4f}")
        ax.axvspan(r["beta_c_estimate"] - r["beta_c_err"], r["beta_c_estimate"] + r["beta_c_err"],
                   color="C3", alpha=0.25, lw=0)
        ax.axvline(r["beta_c_estimate"], color="C3", lw=1,
                   label=f"estimate {r['beta_c_estimate']:.4f} +- {r['beta_c_err']:.4f}")
        lo, hi = np.asarray(r["reweighted"][str(r["sizes"][1])]["beta"])[[0, -1]]
        ax.set_xlim(lo - 0.01 * (hi - lo) - 0.005, hi + 0.01 * (hi - lo) + 0.005)
        ax.set_xlabel("beta  (units of 1 / J)")
        ax.set_ylabel("U = 1 - <m^4> / 3<m^2>^2" if what == "cumulant" else "C / N")
        ax.set_title(f"q = {q}: {r['method']}")
        ax.legend(fontsize=6.5)
        ax = axes[1, col]
        e, p = np.asarray(r["histogram_e"]), np.asarray(r["histogram_p"])
        ax.plot(e, p, "-", color="0.7", lw=0.6, label="each energy level")
        ax.plot(*smoothed(e, p), "-", color="C0", lw=1.4, label="smoothed (width 0.03)")
        ax.legend(fontsize=6.5)
        for p in r["histogram_peaks"]:
            ax.axvline(p, color="C3", lw=1)
        ax.set_xlabel("E / N  (units of J)")
        ax.set_ylabel("P(E / N), reweighted")
        ax.set_title(f"L = {r['sizes'][-1]}, beta = {r['histogram_beta']:.4f}: "
                     f"{len(r['histogram_peaks'])} peak(s), dip {r['histogram_dip']:.2f}")
    fig.suptitle("q-state Potts, Swendsen-Wang + multiple-histogram reweighting. Top: beta_c "
                 "from the data. Bottom: P(E) at its most bimodal within 2 % of the estimate")
    save_figure(fig, path)


def run(args: argparse.Namespace) -> dict:
    """Every q: the broad grid on the smaller lattice, the grid around its C peak on the
    larger, reweighting, the estimate with a jackknife error over chains, the energy
    distribution there; results and figure."""
    settings = _settings(args)
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    t0 = time.perf_counter()
    per_q = {}
    small, large = settings["sizes"]
    for q in QS:
        bc = beta_c_exact(q)
        betas = {small: BROAD}
        curves, hists = {}, {}
        for L in settings["sizes"]:
            if L == large:
                grid = np.linspace(BROAD[0], BROAD[-1], 701)
                c_small = reweighted(hists[small], BROAD, grid, small * small)["heat_capacity"]
                beta_0 = float(grid[np.argmax(c_small)])
                betas[large] = beta_0 * (1.0 + np.linspace(*WINDOW, settings["betas"]))
            tr = simulate(q, L, betas[L], settings["chains"], settings["burn"],
                          settings["sweeps"], jax.random.fold_in(jax.random.fold_in(key, q), L),
                          show)
            curves[L], hists[L] = _curves(tr, betas[L], L * L), histograms(tr, L * L)
        estimate, method, grid = estimate_beta_c(q, hists, betas, settings["sizes"])
        chains = settings["chains"]
        jack = np.array([estimate_beta_c(q, hists, betas, settings["sizes"],
                                         np.arange(chains) != c)[0] for c in range(chains)])
        err = float(np.sqrt((chains - 1) / chains * np.nansum((jack - np.nanmean(jack)) ** 2)))
        rw = {L: reweighted(hists[L], betas[L], grid, L * L) for L in settings["sizes"]}
        near = grid[np.abs(grid / estimate - 1) <= 0.02]
        beta_h, dist = most_bimodal(hists[large], betas[large], near, large * large)
        peaks, dip = histogram_peaks(dist["e"], dist["p"])
        per_q[str(q)] = {
            "beta_c_exact": bc, "beta_c_estimate": estimate, "beta_c_err": err,
            "method": method, "small_lattice_c_peak": beta_0, "relative_error": estimate / bc - 1.0,
            "sizes": list(settings["sizes"]),
            "curves": {str(L): curves[L] for L in settings["sizes"]},
            "reweighted": {str(L): {"beta": grid[::8], "cumulant": rw[L]["cumulant"][::8],
                                    "heat_capacity": rw[L]["heat_capacity"][::8],
                                    "energy": rw[L]["energy"][::8]}
                           for L in settings["sizes"]},
            "histogram_beta": beta_h, "histogram_peaks": peaks, "histogram_dip": dip,
            "histogram_e": dist["e"], "histogram_p": dist["p"],
        }
    seconds = time.perf_counter() - t0
    q10 = per_q["10"]
    results = {
        "experiment": "potts", "quick": bool(args.quick), "seed": args.seed,
        "settings": settings,
        "beta_c_estimate": {q: per_q[q]["beta_c_estimate"] for q in per_q},
        "beta_c_err": {q: per_q[q]["beta_c_err"] for q in per_q},
        "beta_c_exact": {q: per_q[q]["beta_c_exact"] for q in per_q},
        "q10_two_peaks": len(q10["histogram_peaks"]) >= 2,
        "q10_peak_energies": q10["histogram_peaks"],
        "histogram_peak_counts": {q: len(per_q[q]["histogram_peaks"]) for q in per_q},
        "per_q": per_q, "seconds": seconds, "backend": jax.default_backend(),
    }
    print(f"q-state Potts, Swendsen-Wang, L = {settings['sizes']} ({seconds:.1f} s)")
    for q in per_q:
        r = per_q[q]
        print(f"  q = {q:>2}: beta_c {r['beta_c_estimate']:.4f} +- {r['beta_c_err']:.4f} "
              f"({r['method']}) vs exact {r['beta_c_exact']:.4f} "
              f"({100 * r['relative_error']:+.2f} %); P(E) peaks at "
              f"{', '.join(f'{p:.3f}' for p in r['histogram_peaks'])} "
              f"(dip {r['histogram_dip']:.2f})")
    return publish(results, _plot, args.out, "potts")
