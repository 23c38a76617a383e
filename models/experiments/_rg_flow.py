"""The renormalization-group flow of the rg experiment: the exact 1D chain, Swendsen's Monte
Carlo RG for the 2D Ising model (two-lattice matching, y_t, the coupling flow) and the exact
free-energy accounting of a small torus."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from statmech import rg
from statmech.exact import BETA_C, ising1d_log_z, ising2d_log_z

__all__ = ["chain_1d", "simulate_grid", "matching", "thermal_exponent", "coupling_flow",
           "accounting", "FLOW_COUPLINGS"]

CHAIN_N = 1024
CHAIN_POINTS = ((0.1, 0.0), (0.5, 0.0), (1.0, 0.0), (2.0, 0.0), (0.1, 0.3), (0.5, 0.3),
                (1.0, 0.3), (2.0, 0.3))
"""The chain (N = 2^10) and the (K, h) of the acceptance check."""
FLOW_COUPLINGS = ("nn", "nnn", "plaquette")
"""The couplings estimated along the 2D flow (the diagram is drawn in the first two)."""
NEWTON_STEPS = 10
"""Newton iterations of the coupling fits (measured: 6 agree with 20 to 2e-7 on 16 x 16 at
K = 0.42 .. 0.46)."""
MATCH_COUPLINGS = 3
"""Two-lattice matching averages the estimates of the first three operators."""


def _chain_checks(K, h):
    """(ln Z by the flow, by the transfer matrix, and their beta-derivatives) at (K, h)."""
    def by_flow(beta):
        return rg.ising_1d_log_z_rg(CHAIN_N, beta * K, beta * h)

    def by_matrix(beta):
        return ising1d_log_z(CHAIN_N, beta * K, beta * h)

    return (by_flow(1.0), by_matrix(1.0), jax.grad(by_flow)(1.0), jax.grad(by_matrix)(1.0))


def chain_1d() -> dict:
    """Iterated decimation against the transfer matrix at every CHAIN_POINTS (float64, one
    compiled program), and the bookkeeping of one flow (K = 1, h = 0.3) step by step."""
    k = int(math.log2(CHAIN_N))
    with jax.enable_x64(True):
        K, h = (jnp.asarray(x, jnp.float64) for x in zip(*CHAIN_POINTS, strict=True))
        z_flow, z_tm, d_flow, d_tm = (np.asarray(x) for x in
                                      jax.jit(jax.vmap(_chain_checks))(K, h))
        Ks, hs, gs = (np.asarray(x) for x in rg.ising_1d_flow(k, 1.0, 0.3))
        sizes = CHAIN_N / 2.0 ** np.arange(k + 1)
        accumulated = np.concatenate([[0.0], np.cumsum(sizes[1:] * gs[:k])])
        # the coarse chains' own ln Z, by the transfer matrix (closed form, float64)
        r = np.sqrt(np.sinh(hs) ** 2 + np.exp(-4 * Ks))
        top = np.cosh(hs) + r
        remainder = sizes * (Ks + np.log(top)) + np.log1p((-np.expm1(-4 * Ks) / top**2)
                                                          ** sizes)
        zero_field = np.asarray(jax.vmap(lambda K0: rg.ising_1d_flow(8, K0)[0])(
            jnp.array([0.5, 1.0, 2.0, 4.0])))
    errors, grad_errors = np.abs(z_flow - z_tm), np.abs(d_flow - d_tm)
    return {"n": CHAIN_N, "points": [list(p) for p in CHAIN_POINTS], "errors": errors,
            "energy_errors": grad_errors, "free_energy_1d_error": float(errors.max()),
            "energy_1d_error": float(grad_errors.max()),
            "flow": {"K": Ks, "h": hs, "g": gs, "sites": sizes, "accumulated": accumulated,
                     "remainder": remainder, "log_z_exact": float(z_tm[6])},
            "zero_field_flows": {f"{K0}": row for K0, row in
                                 zip((0.5, 1.0, 2.0, 4.0), zero_field.tolist(), strict=True)}}


def simulate_grid(settings: dict, key: jax.Array, extra: tuple[float, int] | None = None
                  ) -> dict:
    """At every K of the grid, chains of the L x L lattice (blocked ``levels`` times, block
    configurations kept for the coupling flow) and of the L/2 x L/2 lattice (levels - 1): all
    couplings at once, one chain batch (and one compiled program) per lattice. ``extra``
    = (K, n) adds n chains at K to the L x L batch, their configurations returned whole
    (``grid["extra"]``, [n, samples, L, L]): other samples of the same lattice at no extra
    compile."""
    L, levels, c = settings["L"], settings["levels"], settings["chains"]
    betas = BETA_C * (1.0 + np.linspace(-settings["window"], settings["window"],
                                        settings["points"]))
    n = len(betas) * c
    per_chain = np.repeat(betas, c)
    if extra is not None:
        per_chain = np.concatenate([per_chain, np.full(extra[1], extra[0])])
    k_big, k_small = jax.random.split(key)
    common = {"thin": 1, "burn": settings["burn"]}
    kept = tuple(range(0 if extra else 1, levels + 1))
    out = rg.mcrg_sample(k_big, jnp.ones((len(per_chain), L, L), jnp.int8), settings["samples"],
                         beta=jnp.asarray(per_chain, jnp.float32), levels=levels,
                         keep_levels=kept, **common)
    big = np.asarray(out.sums)[:n].reshape((len(betas), c) + out.sums.shape[1:])
    kept_blocks = out.blocks[1:] if extra else out.blocks
    blocks = [[np.asarray(b)[:n].reshape((len(betas), c) + b.shape[1:])[i, :,
                                                                         ::settings["flow_thin"]]
               for b in kept_blocks] for i in range(len(betas))]
    more = np.asarray(out.blocks[0])[n:] if extra else None
    out = rg.mcrg_sample(k_small, jnp.ones((n, L // 2, L // 2), jnp.int8), settings["samples"],
                         beta=jnp.asarray(per_chain[:n], jnp.float32), levels=levels - 1,
                         **common)
    small = np.asarray(out.sums).reshape((len(betas), c) + out.sums.shape[1:])
    return {"betas": betas, "big": list(big), "small": list(small), "blocks": blocks,
            "extra": more}


def _crossing(betas: np.ndarray, d: np.ndarray) -> float:
    """The zero of D(K) nearest beta_c: a quadratic through the five points around the sign
    change (D saturates away from K_c, so a global polynomial would be biased)."""
    sign = np.nonzero(np.diff(np.sign(d)))[0]
    if not len(sign):
        return float("nan")
    i = int(sign[np.argmin(np.abs(betas[sign] - BETA_C))])
    lo, hi = max(0, i - 2), min(len(d), i + 3)
    x = betas[lo:hi] - BETA_C
    coeffs = np.polyfit(x, d[lo:hi], min(2, len(x) - 1))
    roots = np.roots(coeffs)
    roots = roots[np.isreal(roots)].real
    inside = roots[(roots >= x[0]) & (roots <= x[-1])]
    if not len(inside):
        return float(betas[i] - d[i] * (betas[i + 1] - betas[i]) / (d[i + 1] - d[i]))
    return float(BETA_C + inside[np.argmin(np.abs(inside))])


def matching(grid: dict, settings: dict) -> dict:
    """Two-lattice matching (Swendsen 1984): the L lattice blocked n times and the L/2 lattice
    blocked n - 1 times end on the same L / 2^n lattice; where their per-site operators agree
    the Hamiltonians coincide, K = K' at the fixed point. The zero of
    D_a(K) = <S_a^(n)>_L - <S_a^(n-1)>_(L/2) per operator and level, errors by a jackknife over
    chains; the estimate is the mean over the first MATCH_COUPLINGS operators at the deepest
    level."""
    betas, L, levels = grid["betas"], settings["L"], settings["levels"]
    big = np.stack([b.mean(1) for b in grid["big"]])          # [K, chains, levels+1, a]
    small = np.stack([s.mean(1) for s in grid["small"]])      # [K, chains, levels, a]
    chains = big.shape[1]

    def crossings(bg, sm):
        out = np.full((levels, bg.shape[-1]), np.nan)
        for n in range(1, levels + 1):
            sites = (L // 2**n) ** 2
            for a in range(bg.shape[-1]):
                out[n - 1, a] = _crossing(betas, (bg[:, n, a] - sm[:, n - 1, a]) / sites)
        return out

    full = crossings(big.mean(1), small.mean(1))
    jack = np.stack([crossings(np.delete(big, c, 1).mean(1), np.delete(small, c, 1).mean(1))
                     for c in range(chains)])
    err = np.sqrt((chains - 1) / chains * np.nansum((jack - np.nanmean(jack, 0))**2, 0))
    head = jack[:, -1, :MATCH_COUPLINGS].mean(1)
    estimate = float(full[-1, :MATCH_COUPLINGS].mean())
    head_err = float(np.sqrt((chains - 1) / chains * np.sum((head - head.mean())**2)))
    per_site = {f"level {n}": [((big.mean(1)[:, n, a] - small.mean(1)[:, n - 1, a])
                                / (L // 2**n) ** 2).tolist() for a in range(big.shape[-1])]
                for n in range(1, levels + 1)}
    return {"beta_c_estimate": estimate, "beta_c_err": head_err,
            "beta_c_relative_error": estimate / BETA_C - 1.0, "crossings": full,
            "crossings_err": err, "difference": per_site, "betas": betas}


def thermal_exponent(sums: np.ndarray, b: int = 2) -> dict:
    """y_t = ln(lambda_max) / ln b of the linearized RG T^(n -> n+1) from the samples at K_c,
    for every level and number of couplings (Swendsen 1979), jackknife errors over chains."""
    chains, _, n_levels, n_ops = sums.shape

    def y(s, n, k):
        T = rg.linearized_rg(s[:, :, n, :k].reshape(-1, k), s[:, :, n + 1, :k].reshape(-1, k))
        return math.log(max(rg.rg_eigenvalues(T)[0], 1e-300)) / math.log(b)

    table, errors = np.zeros((n_levels - 1, n_ops)), np.zeros((n_levels - 1, n_ops))
    for n in range(n_levels - 1):
        for k in range(1, n_ops + 1):
            table[n, k - 1] = y(sums, n, k)
            jack = np.array([y(np.delete(sums, c, 0), n, k) for c in range(chains)])
            errors[n, k - 1] = math.sqrt((chains - 1) / chains * np.sum((jack - jack.mean())**2))
    return {"table": table, "errors": errors}


def headline_exponent(exponent: dict, L: int, n_couplings: int = 4) -> tuple[float, float, str]:
    """The reported y_t: the deepest step whose blocked lattice is still >= 8 x 8, with the
    first ``n_couplings`` operators."""
    levels = exponent["table"].shape[0]
    n = max(m for m in range(levels) if L // 2 ** (m + 1) >= 8) if L >= 16 else 0
    k = min(n_couplings, exponent["table"].shape[1])
    return (float(exponent["table"][n, k - 1]), float(exponent["errors"][n, k - 1]),
            f"{L // 2**n} -> {L // 2**(n + 1)}, {k} couplings")


def coupling_flow(grid: dict, settings: dict) -> dict:
    """The renormalized couplings (FLOW_COUPLINGS) of every blocking level at every K of the
    grid, by Swendsen's correlation matching on the kept block configurations (one compiled
    Newton solve per level; NEWTON_STEPS from K = 0 converge to float32 rounding)."""
    n_levels = len(grid["blocks"][0])
    per_level = []
    for level in range(n_levels):
        per_level.append(np.stack([np.asarray(rg.renormalized_couplings(
            blocks[level].reshape((-1,) + blocks[level].shape[2:]), FLOW_COUPLINGS,
            n_iter=NEWTON_STEPS)) for blocks in grid["blocks"]]))                    # [K, a]
    return {"betas": grid["betas"], "couplings": np.stack(per_level, 1), "names": FLOW_COUPLINGS}


def accounting(L: int, betas: tuple[float, ...], n_couplings: int) -> dict:
    """The exact block Hamiltonian of the L x L torus at each K, projected on 1 .. n_couplings
    operators: ln Z / N (Kaufman, = logsumexp of the block weights) against (G + ln Z') / N
    and the error KL / N."""
    configs = rg.block_configurations(L)
    names = rg.EVEN_COUPLINGS[:n_couplings]
    sums = np.asarray(jax.jit(jax.vmap(lambda c: rg.coupling_sums(c, names)))(configs))
    out = []
    for K in betas:
        log_w = np.asarray(rg.block_log_weights(L, K))
        log_z = float(np.logaddexp.reduce(log_w))
        rows = []
        for k in range(1, n_couplings + 1):
            p = rg.project_couplings(log_w, configs, names[:k], sums=sums[:, :k])
            rows.append({"couplings": list(names[:k]), "K": p.K,
                         "constant_per_site": p.constant / L**2,
                         "coarse_log_z_per_site": p.log_z / L**2,
                         "error_per_site": p.kl / L**2})
        with jax.enable_x64(True):
            kaufman = float(ising2d_log_z(L, L, K))
        out.append({"K": K, "log_z_per_site": log_z / L**2,
                    "log_z_kaufman_per_site": kaufman / L**2, "fits": rows})
    return {"L": L, "runs": out}
