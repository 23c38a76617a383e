"""The conv-rg experiment's figures: pooling against block-spin RG (conv_rg.png) and the
convolutional energy's filters (conv_rg_energy.png)."""

from __future__ import annotations

import numpy as np

from models.experiments._common import figure, save_figure

__all__ = ["plot", "plot_energy"]

METHODS = ("majority", "average", "max")
STYLE = {"majority": ("C0", "o-"), "average": ("C1", "s--"), "max": ("C3", "^:")}


def _strip(ax, run: dict) -> None:
    """One configuration and its three poolings (one level), each drawn at the full size,
    as a 2 x 2 mosaic."""
    x = np.asarray(run["example"], float)
    L = x.shape[0]
    p = [x] + [np.kron(np.asarray(run["example_pooled"][m], float), np.ones((2, 2)))
               for m in METHODS]
    gap_v, gap_h = np.full((L, 2), np.nan), np.full((2, 2 * L + 2), np.nan)
    mosaic = np.concatenate([np.concatenate([p[0], gap_v, p[1]], 1), gap_h,
                             np.concatenate([p[2], gap_v, p[3]], 1)], 0)
    ax.imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([L / 2, 1.5 * L + 2])
    ax.set_xticklabels(["spins (top)\naverage (bottom)", "majority (top)\nmax (bottom)"],
                       fontsize=7)
    ax.set_yticks([])
    ax.set_title(f"T = {run['T_over_Tc']:.2f} T_c: a sample, pooled once", fontsize=9)


def _distributions(ax, run: dict, method: str) -> None:
    d = run["methods"][method]
    edges = np.asarray(run["edges"])
    mids = 0.5 * (edges[1:] + edges[:-1])
    for level, (h, L, u) in enumerate(zip(d["hist"], d["L"], d["binder"], strict=True)):
        ax.plot(mids, h, "-", color=f"C{level}", lw=1,
                label=f"L' = {L}: U = {u:.3f}")
    ax.set_xlabel("magnetization per site m")
    ax.set_ylabel("P(m)")
    ax.set_title(f"{method} pooling, level by level")
    ax.legend(fontsize=6)


def _lengths(ax, run: dict, critical: float) -> None:
    levels = np.arange(len(run["methods"]["majority"]["L"]))
    at_tc = run["xi_exact"] is None
    for method in METHODS:
        d = run["methods"][method]
        color, fmt = STYLE[method]
        y = d["xi_over_L"] if at_tc else d["xi"]
        ax.plot(levels, y, fmt, color=color, label=f"{method} pooling")
    if at_tc:
        ax.axhline(critical, color="k", lw=1,
                   label=f"fixed point xi/L = {critical:.4f} (Salas-Sokal)")
        ax.set_ylabel("xi_2nd / L'  (max pooling runs off the top)")
        ax.set_ylim(0, 1.6)
    else:
        xi0 = run["methods"]["majority"]["xi"][0]
        ax.plot(levels, xi0 / 2.0**levels, "k-", lw=1, label="xi_2nd(level 0) / 2^level")
        ax.plot(levels, run["xi_exact"] / 2.0**levels, "k:", lw=1,
                label=f"exact exponential xi = {run['xi_exact']:.2f}, / 2^level")
        ax.set_yscale("log")
        ax.set_ylabel("xi_2nd (block lattice units)")
    ax.set_xticks(levels)
    ax.set_xticklabels([f"{k}\n(L'={L})" for k, L in zip(levels, run["methods"]["majority"]["L"],
                                                           strict=True)], fontsize=7)
    ax.set_xlabel("pooling level")
    ax.set_title("correlation length: an RG step divides it by b = 2")
    ax.legend(fontsize=6)


def plot(r: dict, path: str) -> None:
    runs = r["runs"]
    fig, axes = figure(len(runs), 4, figsize=(17, 4.2 * len(runs)))
    for row, run in zip(axes, runs, strict=True):
        _strip(row[0], run)
        _distributions(row[1], run, "majority")
        _distributions(row[2], run, "max")
        _lengths(row[3], run, r["xi_over_L_critical"])
    fig.suptitle(f"Pooling as coarse-graining, {r['settings']['L']} x {r['settings']['L']} "
                 f"Ising: majority pooling is the block-spin RG (U* = {r['binder_critical']} "
                 f"kept at T_c); average pooling keeps m exactly; max pooling breaks the "
                 f"up-down symmetry")
    save_figure(fig, path)


def plot_energy(r: dict, path: str) -> None:
    e = r["energy"]
    filters = np.asarray(e["filters"])
    n = len(filters)
    fig = figure(figsize=(14, 4.5))[0]
    fig.clf()
    grid = fig.add_gridspec(2, n // 2 + 3)
    lim = np.abs(filters).max()
    for i, w in enumerate(filters):
        ax = fig.add_subplot(grid[i % 2, i // 2])
        ax.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_xticks([])
        ax.set_yticks([])
        if i == 0:
            ax.set_title("first-layer 3x3 filters", fontsize=8, loc="left")
    ax = fig.add_subplot(grid[:, n // 2:n // 2 + 2])
    names = ["nn correlation", "<|m|>"]
    model, data = [e["nn_model"], e["m_abs_model"]], [e["nn_data"], e["m_abs_data"]]
    x = np.arange(2)
    ax.bar(x - 0.2, data, 0.4, color="grey", label="training samples")
    ax.bar(x + 0.2, model, 0.4, color="C0", label="ConvEnergy's persistent chains")
    ax.plot([-0.4, 0.4], [e["nn_exact"]] * 2, "k-", lw=2, label="exact (Kaufman)")
    ax.set_xticks(x)
    ax.set_xticklabels(names)
    ax.set_title(f"ConvEnergy on {e['L']} x {e['L']} Ising at beta_c")
    ax.legend(fontsize=7, loc="lower center")
    ax = fig.add_subplot(grid[:, n // 2 + 2])
    ax.bar([0, 1], [e["cross_fraction"], e["cross_fraction_random"]], color=["C0", "grey"])
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["trained", "uniform"])
    ax.set_ylabel("filter weight^2 on the nn cross")
    ax.set_title("locality of the filters")
    fig.suptitle("A convolutional energy (conv, average pool, conv) trained by maximum "
                 "likelihood with Gibbs-with-Gradients chains")
    save_figure(fig, path)
