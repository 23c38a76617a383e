"""The 2D Ising phase transition from the library's own Monte Carlo, against the exact answers.

For each size L (periodic L x L, J = 1) and each temperature of a grid that is dense near T_c
(a window shrinking like 1/L, the finite-size scaling width for nu = 1) and sparse elsewhere,
independent chains measure U/N, C/N, <|m|>, chi and Binder's U_4. Each chain moves by the
cheaper tool per independent sample, measured on this 2-core CPU at T_c: inside the critical
window of the lattices with L >= 16, Swendsen-Wang cluster updates (0.23 ms per sweep of a
32 x 32 lattice, tau_int(|m|) ~ 3.5 sweeps, and equilibrated in a few sweeps); elsewhere, and at
L = 8, the heat-bath lattice kernel (0.025 ms per sweep at L = 32, but tau_int(|m|) ~ 35 there,
growing like L^2.17). Swendsen-Wang runs a quarter of the heat-bath sweeps. The temperatures
are visited from hot to cold, each continuing from the last one's states. Error bars come from the
chain-to-chain spread
(independent chains, each many integrated autocorrelation times long, tau_int reported): a
jackknife over chains for the nonlinear C, chi and U_4, a bootstrap for the fitted numbers.
The measurement is set against Kaufman's exact U/N and C/N for the same L and Onsager's and
Yang's infinite lattice, and three numbers are extracted and checked against their exact
values:

- T_c from the crossings of U_4(T) of successive sizes (exact 2 / ln(1 + sqrt 2) = 2.269185);
- the slope of the heat-capacity peak against ln L (exact 8 K_c^2 / pi = 0.4945, Ferdinand and
  Fisher 1969);
- gamma / nu from the susceptibility peak against L (exact 7/4).
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
    save_figure,
    write_json,
)
from statmech import mcmc, thermodynamics
from statmech.exact import BETA_C, ising2d_log_z, onsager_log_z_per_site, yang_magnetization
from statmech.observables import integrated_autocorr_time

DESCRIPTION = "the 2D Ising transition from Monte Carlo: U, C, |m|, chi, U4 vs Kaufman/Onsager"

TC = 1.0 / BETA_C
C_PEAK_SLOPE_EXACT = 8.0 * BETA_C**2 / math.pi
GAMMA_OVER_NU_EXACT = 7.0 / 4.0
CLUSTER_MIN_L = 16
CLUSTER_WINDOW = 2.0
"""Swendsen-Wang where L >= CLUSTER_MIN_L and |T / T_c - 1| L <= CLUSTER_WINDOW (with
1 / CLUSTER_SWEEP_DIVISOR of the heat-bath sweeps); heat bath elsewhere."""
CLUSTER_SWEEP_DIVISOR = 4

DEFAULTS = {"sizes": (8, 16, 32, 64), "chains": 24, "sweeps": 800, "burn": 150,
            "near": 7, "broad": 7}
QUICK = {"sizes": (8, 16, 32), "chains": 32, "sweeps": 600, "burn": 100, "near": 5,
         "broad": 3}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="lattice sizes L (default 8 16 32 64; quick 8 16 32)")
    parser.add_argument("--chains", type=int, default=None,
                        help="independent chains per temperature (default 24, quick 32)")
    parser.add_argument("--sweeps", type=int, default=None,
                        help="recorded heat-bath sweeps per chain and temperature (Swendsen-"
                             f"Wang: 1/{CLUSTER_SWEEP_DIVISOR} as many; default 800, quick 600)")
    parser.add_argument("--burn", type=int, default=None,
                        help="discarded heat-bath sweeps per chain and temperature (default "
                             "150, quick 100)")


def _settings(args: argparse.Namespace) -> dict:
    base = merged_settings(args, QUICK, DEFAULTS)
    sizes = tuple(sorted({positive_int(L, "--sizes", minimum=4) for L in base["sizes"]}))
    if len(sizes) < 2:
        raise ValueError(f"--sizes needs at least 2 different sizes, got {list(base['sizes'])}")
    if any(L % 2 for L in sizes):
        raise ValueError(f"--sizes must be even (checkerboard heat bath), got {list(sizes)}")
    base["sizes"] = sizes
    base["chains"] = positive_int(base["chains"], "--chains", minimum=2)
    base["sweeps"] = positive_int(base["sweeps"], "--sweeps", minimum=4 * CLUSTER_SWEEP_DIVISOR)
    base["burn"] = positive_int(base["burn"], "--burn", minimum=0)
    return base


def temperatures(L: int, n_near: int, n_broad: int) -> np.ndarray:
    """The broad grid on [1.6, 3.4] and a window T_c (1 + x / L), x in [-0.6, 1.4], merged."""
    near = TC * (1.0 + np.linspace(-0.6, 1.4, n_near) / L)
    broad = np.linspace(1.6, 3.4, n_broad)
    broad = broad[np.min(np.abs(broad[:, None] - near[None, :]), axis=1) > 0.02]
    return np.sort(np.concatenate([near, broad]))


def _observe(state, params, beta):
    s = state.spins.astype(jnp.float32)
    n = s.size
    e = mcmc.lattice_energy(params, s) / n
    return jnp.stack([e, jnp.abs(jnp.mean(s))])


def kernel_name(L: int, T: float) -> str:
    """Swendsen-Wang inside the critical window of the larger lattices, heat bath elsewhere."""
    window = abs(T / TC - 1.0) * L <= CLUSTER_WINDOW
    return "swendsen_wang" if L >= CLUSTER_MIN_L and window else "heat_bath"


def simulate(L: int, temps: np.ndarray, settings: dict, key: jax.Array, show: bool
             ) -> list[np.ndarray]:
    """Per temperature, the trace [chains, samples, 2] of (E/N, |m|), hot to cold."""
    kernels = {"swendsen_wang": mcmc.swendsen_wang(), "heat_bath": mcmc.heat_bath("lattice")}
    c = settings["chains"]
    params = mcmc.LatticeParams(jnp.float32(1.0), jnp.float32(1.0), jnp.float32(0.0))
    key = jax.random.fold_in(key, L)
    states = jax.vmap(kernels["heat_bath"].init)(jnp.ones((c, L, L), jnp.int8))  # at T = 3.4
    traces: list = [None] * len(temps)
    order = np.argsort(temps)[::-1]
    for i in progress(order, enabled=show, desc=f"L={L}", total=len(order)):
        name = kernel_name(L, temps[i])
        divisor = CLUSTER_SWEEP_DIVISOR if name == "swendsen_wang" else 1
        n_burn, n_rec = settings["burn"] // divisor, settings["sweeps"] // divisor
        keys = jax.random.split(jax.random.fold_in(key, int(i)), c)
        res = mcmc.sample_chains(kernels[name], keys, states, n_burn + n_rec, params=params,
                                 beta=jnp.float32(1.0 / temps[i]), observe=_observe)
        states = res.state
        traces[i] = np.asarray(res.trace)[:, n_burn:]
    return traces


def chain_moments(trace: np.ndarray) -> np.ndarray:
    """Per chain, the means over its samples of (e, e^2, |m|, m^2, m^4): [chains, 5]. Every
    estimate below is a function of these pooled over chains, so jackknife and bootstrap
    replicates are weighted sums of them."""
    e, a = trace[..., 0].astype(np.float64), trace[..., 1].astype(np.float64)
    return np.stack([e.mean(1), (e**2).mean(1), a.mean(1), (a**2).mean(1), (a**4).mean(1)], 1)


def estimates(pooled: np.ndarray, beta: float, n: int) -> np.ndarray:
    """(U/N, C/N, <|m|>, chi, U_4) from pooled moments [..., 5] (e = E/N, m = M/N):
    C/N = beta^2 N (<e^2> - <e>^2), chi = beta N (<m^2> - <|m|>^2), U_4 = 1 - <m^4>/3<m^2>^2."""
    me, me2, ma, ma2, ma4 = np.moveaxis(pooled, -1, 0)
    return np.stack([me, beta**2 * n * (me2 - me**2), ma, beta * n * (ma2 - ma**2),
                     1.0 - ma4 / (3.0 * ma2**2)], -1)


def analyse_size(L: int, temps: np.ndarray, traces: list[np.ndarray]) -> dict:
    """Estimates and jackknife errors over chains at every temperature, and tau_int."""
    n = L * L
    values, errors, tau = [], [], []
    for i, T in enumerate(temps):
        moments = chain_moments(traces[i])
        c = len(moments)
        values.append(estimates(moments.mean(0), 1.0 / T, n))
        leave_one_out = (moments.sum(0) - moments) / (c - 1)               # [c, 5]
        jack = estimates(leave_one_out, 1.0 / T, n)
        errors.append(np.sqrt((c - 1) / c * np.sum((jack - jack.mean(0))**2, axis=0)))
        e, a = traces[i][..., 0], traces[i][..., 1]
        tau.append([float(integrated_autocorr_time(e)), float(integrated_autocorr_time(a))])
    values, errors = np.array(values), np.array(errors)
    names = ("energy", "heat_capacity", "abs_magnetization", "susceptibility", "binder")
    out = {"T": temps}
    for k, name in enumerate(names):
        out[name], out[f"{name}_err"] = values[:, k], errors[:, k]
    out["tau_int_energy"], out["tau_int_abs_m"] = np.array(tau).T
    out["kernel"] = [kernel_name(L, T) for T in temps]
    out["samples_per_chain"] = [int(traces[i].shape[1]) for i in range(len(temps))]
    return out


def _peak(T: np.ndarray, y: np.ndarray, level: float = 0.85) -> float:
    """The maximum of a least-squares parabola through the points above ``level`` times the
    largest value (at least the largest and its two neighbours): more points than three make
    the peak less noisy."""
    i = int(np.clip(np.argmax(y), 1, len(y) - 2))
    use = (y >= level * y[i]) & (np.abs(np.arange(len(y)) - i) <= 3)
    use[i - 1:i + 2] = True
    coeffs = np.polyfit(T[use], y[use], 2)
    t_top = -coeffs[1] / (2 * coeffs[0]) if coeffs[0] < 0 else np.nan
    if not (T[use].min() <= t_top <= T[use].max()):
        return float(y[i])
    return float(np.polyval(coeffs, t_top))


def _crossing(Ta, ya, Tb, yb) -> float:
    """T where two piecewise-linear curves cross, inside their common window near T_c."""
    grid = np.linspace(max(Ta[0], Tb[0], 0.9 * TC), min(Ta[-1], Tb[-1], 1.1 * TC), 2001)
    d = np.interp(grid, Ta, ya) - np.interp(grid, Tb, yb)
    sign = np.nonzero(np.diff(np.sign(d)))[0]
    if not len(sign):
        return float("nan")
    k = sign[np.argmin(np.abs(grid[sign] - TC))]          # the crossing nearest T_c
    return float(grid[k] - d[k] * (grid[k + 1] - grid[k]) / (d[k + 1] - d[k]))


def _fits(sizes, per_size, weights=None) -> dict:
    """tc_binder (the crossings of successive sizes, averaged with ``weights``, default
    equal), the C-peak slope in ln L and gamma/nu from one set of per-size curves."""
    crossings = [_crossing(per_size[a]["T"], per_size[a]["binder"],
                           per_size[b]["T"], per_size[b]["binder"])
                 for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    w = np.ones(len(crossings)) if weights is None else np.asarray(weights, float)
    ok = np.isfinite(crossings)
    c_peaks = [_peak(per_size[L]["T"], per_size[L]["heat_capacity"]) for L in sizes]
    chi_peaks = [_peak(per_size[L]["T"], per_size[L]["susceptibility"]) for L in sizes]
    logs = np.log(np.asarray(sizes, float))
    tc = float(np.sum(w[ok] * np.asarray(crossings)[ok]) / np.sum(w[ok])) if ok.any() \
        else float("nan")
    return {"crossings": crossings, "tc_binder": tc,
            "c_peak": c_peaks, "c_peak_slope": float(np.polyfit(logs, c_peaks, 1)[0]),
            "chi_peak": chi_peaks,
            "gamma_over_nu": float(np.polyfit(logs, np.log(chi_peaks), 1)[0])}


def _bootstrap(sizes, temps, moments, n_boot: int, seed: int) -> dict:
    """Standard errors of the fitted numbers: chains resampled with replacement, independently
    for every size and temperature, and the whole analysis redone."""
    rng = np.random.default_rng(seed)
    curves = {}
    for L in sizes:
        reps = []
        for i, T in enumerate(temps[L]):
            m = moments[L][i]
            counts = rng.multinomial(len(m), np.full(len(m), 1.0 / len(m)), size=n_boot)
            reps.append(estimates(counts @ m / len(m), 1.0 / T, L * L))        # [B, 5]
        curves[L] = np.stack(reps, 1)                                          # [B, T, 5]
    fits = [_fits(sizes, {L: {"T": temps[L], "heat_capacity": curves[L][r, :, 1],
                              "susceptibility": curves[L][r, :, 3],
                              "binder": curves[L][r, :, 4]} for L in sizes})
            for r in range(n_boot)]
    crossings = np.array([f["crossings"] for f in fits])                     # [B, pairs]
    weights = 1.0 / np.nanvar(crossings, axis=0, ddof=1)
    tc = [np.nansum(weights * c) / np.sum(weights[np.isfinite(c)]) for c in crossings]
    out = {"crossing_weights": (weights / weights.sum()).tolist(),
           "crossings_err": np.nanstd(crossings, axis=0, ddof=1).tolist(),
           "tc_binder_err": float(np.nanstd(tc, ddof=1))}
    out.update({f"{key}_err": float(np.nanstd([f[key] for f in fits], ddof=1))
                for key in ("c_peak_slope", "gamma_over_nu")})
    out["c_peak_err"] = np.nanstd([f["c_peak"] for f in fits], axis=0, ddof=1).tolist()
    out["chi_peak_err"] = np.nanstd([f["chi_peak"] for f in fits], axis=0, ddof=1).tolist()
    return out


EXACT_STEP = 1e-4
"""Central-difference step in beta for the exact finite-L curves (float64: the truncation error
is ~1e-8 per site and the rounding error ~1e-9 at L = 64)."""


def exact_curves(L: int | None, temps: np.ndarray) -> dict:
    """Kaufman's U/N and C/N for the L x L torus (or Onsager's and Yang's, L None).

    Finite L: central differences of Kaufman's exact ln Z(beta) in float64, U = -d ln Z /
    d beta, C = beta^2 d^2 ln Z / d beta^2 (one compile of ln Z per L; its autodiff second
    derivative, :func:`statmech.thermodynamics`, compiles five times slower)."""
    with jax.enable_x64(True):
        betas = jnp.asarray(1.0 / np.asarray(temps, np.float64))
        if L is None:
            t = jax.vmap(lambda b: thermodynamics(onsager_log_z_per_site, b))(betas)
            return {"energy": np.asarray(t.energy),
                    "heat_capacity": np.asarray(t.heat_capacity),
                    "abs_magnetization": np.asarray(jax.vmap(yang_magnetization)(betas))}
        h = EXACT_STEP
        grid = jnp.concatenate([betas - h, betas, betas + h])
        lz = np.asarray(jax.jit(jax.vmap(lambda b: ising2d_log_z(L, L, b)))(grid))
        lo, mid, hi = np.split(lz, 3)
        b = np.asarray(betas)
        n = L * L
        return {"energy": -(hi - lo) / (2 * h) / n,
                "heat_capacity": b**2 * (hi - 2 * mid + lo) / h**2 / n}


FINE = np.linspace(1.5, 3.5, 401)
"""The temperatures of the exact curves drawn in the figure."""
PEAK_GRID = np.linspace(2.1, 2.6, 501)
"""Where the exact finite-L heat-capacity peak is looked for."""


def _plot(sizes, per_size, fits, exact, path: str) -> None:
    fig, axes = figure(2, 3, figsize=(13, 7.2))
    fine = FINE
    inf = exact["inf"]
    colors = {L: f"C{k}" for k, L in enumerate(sizes)}
    panels = [("energy", "U / N  (units of J)"), ("heat_capacity", "C / N  (units of k_B)"),
              ("abs_magnetization", "<|m|>"), ("susceptibility", "chi = beta N (<m^2> - <|m|>^2)"),
              ("binder", "U_4 = 1 - <m^4> / 3<m^2>^2")]
    for ax, (name, label) in zip(axes.flat, panels, strict=False):
        for L in sizes:
            r = per_size[L]
            joined = name in ("susceptibility", "binder")       # curves to read crossings off
            ax.errorbar(r["T"], r[name], yerr=r[f"{name}_err"], fmt="o-" if joined else "o",
                        lw=0.6, color=colors[L], label=f"L = {L}, Monte Carlo")
            if name in ("energy", "heat_capacity"):
                ax.plot(fine, exact[L]["fine"][name], "--", color=colors[L], lw=1,
                        label=f"L = {L}, Kaufman (exact)")
        if name in inf:
            ax.plot(fine, inf[name], "k-", lw=1.2,
                    label="Yang (L = inf)" if name == "abs_magnetization" else "Onsager (L = inf)")
        ax.axvline(TC, color="grey", ls=":", lw=1)
        ax.set_xlabel("T  (units of J / k_B)")
        ax.set_ylabel(label)
        if name == "susceptibility":
            ax.set_yscale("log")
            ax.set_title(f"chi peak ~ L^(gamma/nu): gamma/nu = {fits['gamma_over_nu']:.3f} "
                         f"+- {fits['gamma_over_nu_err']:.3f} (exact 1.75)")
        if name == "binder":
            ax.axvspan(fits["tc_binder"] - fits["tc_binder_err"],
                       fits["tc_binder"] + fits["tc_binder_err"], color="k", alpha=0.15,
                       label=f"crossings: T_c = {fits['tc_binder']:.4f} +- "
                             f"{fits['tc_binder_err']:.4f}")
            ax.set_xlim(TC * 0.95, TC * 1.08)
            ax.set_ylim(0.3, 0.7)
            ax.set_title(f"Binder U_4 crossings (exact T_c = {TC:.4f}, dotted)")
        ax.legend(fontsize=6.5, ncol=1 if name != "energy" else 2,
                  loc="lower right" if name == "energy" else "best")
    ax = axes.flat[5]
    logs = np.log(np.asarray(sizes, float))
    ax.errorbar(logs, fits["c_peak"], yerr=fits["c_peak_err"], fmt="o", color="C3",
                label="C/N peak (Monte Carlo)")
    exact_peaks = [exact[L]["c_peak"] for L in sizes]
    ax.plot(logs, exact_peaks, "s", mfc="none", color="k", label="C/N peak (Kaufman, exact)")
    line = np.polyval(np.polyfit(logs, fits["c_peak"], 1), logs)
    ax.plot(logs, line, "C3-", lw=1, label=f"fit: slope {fits['c_peak_slope']:.3f} +- "
                                            f"{fits['c_peak_slope_err']:.3f}")
    ax.plot(logs, exact_peaks[0] + C_PEAK_SLOPE_EXACT * (logs - logs[0]), "k:", lw=1,
            label=f"slope 8 K_c^2 / pi = {C_PEAK_SLOPE_EXACT:.4f}")
    ax.set_xlabel("ln L")
    ax.set_ylabel("peak of C / N  (units of k_B)")
    ax.set_title("heat-capacity peak against ln L (Ferdinand-Fisher)")
    ax.legend(fontsize=6.5)
    fig.suptitle("2D Ising model, periodic L x L: Monte Carlo (points) against the exact "
                 "solutions (lines)")
    save_figure(fig, path)


def run(args: argparse.Namespace) -> dict:
    """Simulate every size, analyse, print the summary, write results.json and phase.png."""
    settings = _settings(args)
    sizes = settings["sizes"]
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    t0 = time.perf_counter()
    temps = {L: temperatures(L, settings["near"], settings["broad"]) for L in sizes}
    traces, per_size = {}, {}
    exact: dict = {"inf": exact_curves(None, FINE)}
    for L in sizes:
        traces[L] = simulate(L, temps[L], settings, key, show)
        per_size[L] = analyse_size(L, temps[L], traces[L])
        n_t = len(temps[L])
        curves = exact_curves(L, np.concatenate([temps[L], FINE, PEAK_GRID]))   # one compile
        exact[L] = {"fine": {k: v[n_t:n_t + len(FINE)] for k, v in curves.items()},
                    "c_peak": float(np.max(curves["heat_capacity"][n_t + len(FINE):]))}
        per_size[L]["energy_exact"] = curves["energy"][:n_t]
        per_size[L]["heat_capacity_exact"] = curves["heat_capacity"][:n_t]
    moments = {L: [chain_moments(t) for t in traces[L]] for L in sizes}
    errors = _bootstrap(sizes, temps, moments, 200, args.seed)
    fits = {**_fits(sizes, per_size, errors["crossing_weights"]), **errors}
    seconds = time.perf_counter() - t0
    c_peak_exact = [exact[L]["c_peak"] for L in sizes]
    pairs = [f"{a}-{b}" for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    results = {
        "experiment": "phase", "quick": bool(args.quick), "seed": args.seed,
        "settings": {**settings, "cluster_min_L": CLUSTER_MIN_L,
                     "cluster_window": CLUSTER_WINDOW,
                     "cluster_sweep_divisor": CLUSTER_SWEEP_DIVISOR},
        "tc_exact": TC, "tc_binder": fits["tc_binder"], "tc_binder_err": fits["tc_binder_err"],
        "binder_crossings": dict(zip(pairs, fits["crossings"], strict=True)),
        "binder_crossings_err": dict(zip(pairs, fits["crossings_err"], strict=True)),
        "binder_crossing_weights": dict(zip(pairs, fits["crossing_weights"], strict=True)),
        "c_peak": dict(zip(map(str, sizes), fits["c_peak"], strict=True)),
        "c_peak_err": dict(zip(map(str, sizes), fits["c_peak_err"], strict=True)),
        "c_peak_exact": dict(zip(map(str, sizes), c_peak_exact, strict=True)),
        "c_peak_slope": fits["c_peak_slope"], "c_peak_slope_err": fits["c_peak_slope_err"],
        "c_peak_slope_exact": C_PEAK_SLOPE_EXACT,
        "chi_peak": dict(zip(map(str, sizes), fits["chi_peak"], strict=True)),
        "gamma_over_nu": fits["gamma_over_nu"], "gamma_over_nu_err": fits["gamma_over_nu_err"],
        "gamma_over_nu_exact": GAMMA_OVER_NU_EXACT,
        "per_size": {str(L): per_size[L] for L in sizes},
        "seconds": seconds, "backend": jax.default_backend(),
    }
    print(f"2D Ising transition, Monte Carlo on L = {', '.join(map(str, sizes))} "
          f"({settings['chains']} chains per temperature, {settings['sweeps']} heat-bath or "
          f"{settings['sweeps'] // CLUSTER_SWEEP_DIVISOR} Swendsen-Wang sweeps each; "
          f"{seconds:.1f} s)")
    print(f"  T_c from Binder crossings   {fits['tc_binder']:.4f} +- {fits['tc_binder_err']:.4f}"
          f"   exact {TC:.6f}")
    print(f"  C peak slope in ln L        {fits['c_peak_slope']:.3f} +- "
          f"{fits['c_peak_slope_err']:.3f}     exact {C_PEAK_SLOPE_EXACT:.4f}")
    print(f"  gamma / nu (chi peaks)      {fits['gamma_over_nu']:.3f} +- "
          f"{fits['gamma_over_nu_err']:.3f}     exact 1.75")
    write_json(results, f"{args.out}/results.json")
    _plot(sizes, per_size, fits, exact, f"{args.out}/phase.png")
    print(f"wrote {args.out}/results.json and {args.out}/phase.png")
    return results
