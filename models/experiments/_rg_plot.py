"""The rg experiment's two figures: the flow (rg.png) and the RBM stack (rg_rbm.png)."""

from __future__ import annotations

import numpy as np

from models.experiments._common import figure, save_figure

__all__ = ["plot_flow", "plot_rbm"]


def _chain_panel(ax, chain: dict) -> None:
    f = chain["flow"]
    steps = np.arange(len(f["K"]))
    n = chain["n"]
    acc, rem = np.asarray(f["accumulated"]) / n, np.asarray(f["remainder"]) / n
    ax.plot(steps, acc, "o-", color="C0", label="accumulated constants sum (N_k/2) g_k / N")
    ax.plot(steps, rem, "s-", color="C1", label="coarse chain ln Z_(N/2^k)(K_k, h_k) / N")
    ax.plot(steps, acc + rem, "D", color="C2", mfc="none", ms=6, label="sum of the two")
    ax.axhline(f["log_z_exact"] / n, color="k", lw=1,
               label=f"exact ln Z / N (transfer matrix); max error "
                     f"{chain['free_energy_1d_error']:.0e}")
    ax.set_xlabel("decimation step k  (chain of N / 2^k spins)")
    ax.set_ylabel("per original spin (nats)")
    ax.set_title(f"1D chain, N = {n}, K = 1, h = 0.3: F is kept, step by step")
    top = float(f["log_z_exact"]) / n
    ax.set_ylim(-0.05 * top, 1.6 * top)
    ax.legend(fontsize=6.5, loc="upper center")
    inset = ax.inset_axes((0.55, 0.18, 0.4, 0.35))
    for K0, Ks in chain["zero_field_flows"].items():
        inset.plot(Ks, "o-", ms=2, lw=0.8, label=f"K = {K0}")
    inset.set_xlabel("step", fontsize=6)
    inset.set_ylabel("K_k (h = 0)", fontsize=6)
    inset.tick_params(labelsize=6)
    inset.set_title("tanh K' = tanh^2 K -> 0", fontsize=6)


def _matching_panel(ax, r: dict) -> None:
    m = r["matching"]
    betas = np.asarray(m["betas"])
    L = r["settings"]["L"]
    for i, (level, curves) in enumerate(m["difference"].items()):
        n = int(level.split()[-1])
        ax.plot(betas, curves[0], "o-", color=f"C{i}", lw=0.9,
                label=f"nn, {L} blocked {n}x vs {L // 2} blocked {n - 1}x "
                      f"(-> {L // 2**n} x {L // 2**n})")
    ax.axhline(0, color="grey", lw=0.6)
    ax.axvline(r["beta_c_exact"], color="k", ls=":", lw=1, label="exact K_c (Onsager)")
    ax.axvspan(r["beta_c_estimate"] - r["beta_c_err"], r["beta_c_estimate"] + r["beta_c_err"],
               color="C3", alpha=0.25,
               label=f"matched K_c = {r['beta_c_estimate']:.4f} +- {r['beta_c_err']:.4f}")
    ax.set_xlabel("K = beta J of the nearest-neighbour model")
    ax.set_ylabel("<S_nn>_L - <S_nn>_(L/2) per block site")
    ax.set_title("two-lattice matching (Swendsen 1984)")
    ax.legend(fontsize=6.5)


def _flow_panel(ax, r: dict) -> None:
    cf = r["coupling_flow"]
    betas, K = np.asarray(cf["betas"]), np.asarray(cf["couplings"])    # [grid, levels, a]
    cmap = __import__("matplotlib").colormaps["coolwarm"]
    span = max(abs(betas / r["beta_c_exact"] - 1).max(), 1e-9)
    for i, b in enumerate(betas):
        xs = np.concatenate([[b], K[i, :, 0]])
        ys = np.concatenate([[0.0], K[i, :, 1]])
        color = cmap(0.5 + 0.5 * (b / r["beta_c_exact"] - 1) / span)
        ax.plot(xs, ys, "-", color=color, lw=1)
        ax.plot(xs[1:], ys[1:], "o", color=color, ms=3)
        ax.annotate("", xy=(xs[-1], ys[-1]), xytext=(xs[-2], ys[-2]),
                    arrowprops={"arrowstyle": "->", "color": color, "lw": 1})
    ax.plot([], [], "-", color=cmap(0.0), label="K < K_c: flows to the disordered point")
    ax.plot([], [], "-", color=cmap(1.0), label="K > K_c: flows to the ordered point")
    exact = next((run for run in r["accounting"]["runs"]
                  if abs(run["K"] - r["beta_c_exact"]) < 1e-9), None)
    if exact is not None and len(exact["fits"]) >= 2:
        k = exact["fits"][1]["K"]
        a = r["accounting"]["L"]
        ax.plot(k[0], k[1], "*", color="k", ms=10,
                label=f"exact {a}x{a} -> {a // 2}x{a // 2} step at K_c (ML, nn + nnn)")
    ax.set_xlabel("K_nn (nearest neighbour)")
    ax.set_ylabel("K_nnn (next-nearest neighbour)")
    ax.set_title("the flow: couplings of each blocking level (correlation matching)")
    ax.legend(fontsize=6.5)


def _exponent_panel(ax, r: dict) -> None:
    t = r["thermal"]
    table, err = np.asarray(t["table"]), np.asarray(t["errors"])
    L = t["L"]
    x = np.arange(1, table.shape[1] + 1)
    for n in range(table.shape[0]):
        ax.errorbar(x + 0.06 * n, table[n], yerr=err[n], fmt="o-", lw=0.8, color=f"C{n}",
                    label=f"step {L // 2**n} -> {L // 2**(n + 1)}")
    ax.axhline(1.0, color="k", lw=1, label="exact y_t = 1 / nu = 1")
    ax.axhspan(0.85, 1.15, color="grey", alpha=0.12, label="acceptance band +- 0.15")
    ax.set_xlabel("number of even couplings in the linearized RG")
    ax.set_ylabel("y_t = ln lambda_max / ln 2")
    ax.set_title(f"thermal eigenvalue at K_c: {r['y_t']:.3f} +- {r['y_t_err']:.3f} "
                 f"({r['y_t_headline']})")
    ax.set_ylim(0.6, 1.3)
    ax.legend(fontsize=6.5)


def _accounting_panel(ax, r: dict) -> None:
    a = r["accounting"]
    for i, run in enumerate(a["runs"]):
        errs = [f["error_per_site"] for f in run["fits"]]
        ax.semilogy(np.arange(1, len(errs) + 1), errs, "o-", color=f"C{i}",
                    label=f"K = {run['K']:.4f}: ln Z/N = {run['log_z_kaufman_per_site']:.6f} "
                          f"(Kaufman)")
    names = a["runs"][0]["fits"][-1]["couplings"]
    ax.set_xticks(np.arange(1, len(names) + 1))
    ax.set_xticklabels([f"+{n}" if i else n for i, n in enumerate(names)], fontsize=7)
    ax.set_xlabel("couplings kept in the block Hamiltonian")
    ax.set_ylabel("ln Z/N - (G + ln Z'(K'))/N  = -KL / N")
    ax.set_ylabel("free-energy error per site, KL(P' || P_K') / N")
    ax.set_title(f"exact {a['L']}x{a['L']} -> {a['L'] // 2}x{a['L'] // 2} step: "
                 f"truncation error")
    ax.legend(fontsize=6.5)


def plot_flow(r: dict, path: str) -> None:
    fig, axes = figure(2, 3, figsize=(15, 8.5))
    _chain_panel(axes[0, 0], r["chain_1d"])
    _matching_panel(axes[0, 1], r)
    _flow_panel(axes[0, 2], r)
    _exponent_panel(axes[1, 0], r)
    _accounting_panel(axes[1, 1], r)
    ax = axes[1, 2]
    ax.axis("off")
    lines = [f"K_c (two-lattice matching): {r['beta_c_estimate']:.4f} +- {r['beta_c_err']:.4f}",
             f"   exact {r['beta_c_exact']:.6f} ({100 * r['beta_c_relative_error']:+.2f} %)",
             f"y_t: {r['y_t']:.3f} +- {r['y_t_err']:.3f}  (exact 1)",
             f"1D: |ln Z_RG - ln Z_TM| <= {r['free_energy_1d_error']:.1e} (float64)", ""]
    for run in r["accounting"]["runs"]:
        lines.append(f"K = {run['K']:.4f}: ln Z/N = {run['log_z_per_site']:.6f}")
        for f in run["fits"]:
            lines.append(f"   {len(f['couplings'])} couplings: G/N + ln Z'/N = "
                         f"{f['constant_per_site'] + f['coarse_log_z_per_site']:.6f}")
    ax.text(0.0, 1.0, "\n".join(lines), va="top", family="monospace", fontsize=7.5)
    fig.suptitle("Renormalization: the free energy kept along the flow (1D exact, 2D Monte "
                 "Carlo RG against Onsager, exact truncation error)")
    save_figure(fig, path)


def plot_rbm(r: dict, path: str) -> None:
    fig = figure(figsize=(15, 8))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 4)
    fields = r["receptive_fields"]
    sub = grid[:, 0:2].subgridspec(len(fields), 4, hspace=0.25, wspace=0.05)
    sizes = r["rbm_sizes"]
    for layer, images in enumerate(fields):
        for c in range(min(4, len(images))):
            a = fig.add_subplot(sub[layer, c])
            img = np.asarray(images[c])
            lim = np.abs(img).max() or 1.0
            a.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
            a.set_xticks([])
            a.set_yticks([])
            if c == 0:
                a.set_ylabel(f"layer {layer + 1}\n({sizes[layer + 1]} units)", fontsize=8)
            if layer == 0 and c == 0:
                a.set_title("receptive fields W1...Wl: per layer the units at the 0, 1/3, 2/3 "
                            "and 1 quantiles of locality (4x4 window)", fontsize=8, loc="left")
    loc = r["rbm_locality"]
    layers = [d["layer"] for d in loc]
    ax = fig.add_subplot(grid[0, 2])
    for j, w in enumerate(loc[0]["windows"]):
        ax.plot(layers, [d["fraction"][j] for d in loc], "o-", color=f"C{j}",
                label=f"{w}x{w} window, trained")
        ax.plot(layers, [d["shuffled"][j] for d in loc], "x:", color=f"C{j}",
                label=f"{w}x{w}, shuffled weights")
    ax.set_xticks(layers)
    ax.set_xlabel("layer")
    ax.set_ylabel("weight energy in the best window")
    ax.set_title("locality of the receptive fields")
    ax.legend(fontsize=6.5)
    ax = fig.add_subplot(grid[0, 3])
    ax.plot(layers, [d["field_size"] for d in loc], "o-", label="trained")
    ax.plot(layers, [d["field_size_shuffled"] for d in loc], "x:", label="shuffled weights")
    ax.set_xticks(layers)
    ax.set_xlabel("layer")
    ax.set_ylabel("window side holding half the weight energy")
    ax.set_title("receptive-field size by depth")
    ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[1, 2])
    c = r["block_correlations"]
    ax.plot(layers, [d["max_corr"] for d in c], "o-", label="max |corr| with a block spin")
    ax.plot(layers, [d["max_corr_shuffled"] for d in c], "x:", label="samples shuffled")
    ax.set_xticks(layers)
    ax.set_xlabel("layer l  (block-spin level l, b = 2)")
    ax.set_ylabel("per hidden unit, mean over units")
    ax.set_title("hidden units against majority-rule block spins")
    ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[1, 3])
    gaps = r["layer_free_energy_gaps"]
    ax.errorbar(layers, [g["delta_F_per_unit"] for g in gaps],
                yerr=[g["delta_F_err"] / g["units"] for g in gaps], fmt="o-", color="C0",
                label="dF_l / n = (ln Z_(l-1) - ln Z_l) / n  (left)")
    ax.axhline(0, color="C0", lw=0.8, ls=":")
    ax.set_xticks(layers)
    ax.set_xlabel("layer  (n = input units of the layer)")
    ax.set_ylabel("free-energy difference per input unit (nats)", color="C0")
    twin = ax.twinx()
    twin.errorbar(layers, [g["loss_gap_per_unit"] for g in gaps],
                  yerr=[g["loss_gap_per_unit_err"] for g in gaps], fmt="s--", color="C3",
                  label="<ln q_l - ln p_l>_data / n  (right; layer 1: the KL)")
    twin.axhline(0, color="C3", lw=0.8, ls=":")
    twin.set_ylabel("loss gap per input unit (nats)", color="C3")
    twin.grid(False)
    ax.set_title("free energy between layers (" + ", ".join(g["method"] for g in gaps) + ")")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=6.5, loc="upper left")
    fig.suptitle(f"RBMs as RG (Mehta & Schwab): {'-'.join(map(str, sizes))} on Ising samples "
                 f"at K = 0.408")
    save_figure(fig, path)
