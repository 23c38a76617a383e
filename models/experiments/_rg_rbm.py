"""RBMs as variational RG (Mehta and Schwab 2014): a stack of L1-regularized RBMs trained
layer by layer on 2D Ising samples at K = 0.408, and the three things the essay says to look
at: receptive fields that are local and grow with depth, hidden units that behave like block
spins, and the free-energy difference between layers."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from models import data, rbm
from models.experiments._common import progress
from statmech import rg
from statmech.exact import ising2d_log_z

__all__ = ["K_DATA", "ising_samples", "train_stack", "receptive_fields", "locality",
           "block_correlations", "free_energy_gaps", "window_fraction"]

K_DATA = 0.408
"""Mehta and Schwab's coupling (slightly above T_c: correlation length of a few sites)."""
THIN = 5
"""Swendsen-Wang sweeps between kept samples (tau_int(|m|) ~ 3 sweeps at this K and L)."""


def ising_samples(key: jax.Array, L: int, n_chains: int, per_chain: int, burn: int
                  ) -> np.ndarray:
    """Nearly independent +-1 samples [n_chains * per_chain, L, L] of the L x L torus at
    K_DATA: Swendsen-Wang chains from random starts, ``burn`` sweeps dropped, then every
    THIN-th sweep kept (:func:`models.data.ising_samples`)."""
    return np.asarray(data.ising_samples(key, L, K_DATA, n_chains * per_chain, n_sweeps=burn,
                                         per_chain=per_chain, thin=THIN))


def train_stack(key: jax.Array, v: np.ndarray, sizes: tuple[int, ...], settings: dict,
                show: bool) -> tuple[list, list]:
    """RBMs trained greedily (CD-1, L1 on W): layer l on samples h ~ p(h | data of layer l).
    Returns the parameters and each layer's training data (0/1)."""
    params, data = [], [v]
    for i in progress(range(len(sizes) - 1), enabled=show, desc="RBM stack"):
        p = rbm.fit(jax.random.fold_in(key, i), data[-1], n_hidden=sizes[i + 1],
                    epochs=settings["epochs"], batch_size=settings["batch"],
                    learning_rate=settings["learning_rate"], method="cd", k=1,
                    l1=settings["l1"], init_scale=0.01)
        params.append(p)
        h = rbm.sample_hidden(jax.random.fold_in(key, 100 + i), p, data[-1])
        data.append(np.asarray(h, np.float32))
    return params, data


def receptive_fields(params: list, shuffle_key: np.random.Generator | None = None
                     ) -> list[np.ndarray]:
    """The receptive field of every unit of layer l in the visible lattice: the product
    W_1 W_2 ... W_l, [n_visible, n_l] (Mehta and Schwab's figure). With ``shuffle_key`` every
    W is first permuted within each column: the same weights with their spatial order lost."""
    fields, product = [], None
    for p in params:
        W = np.asarray(p.W, np.float64)
        if shuffle_key is not None:
            W = np.stack([shuffle_key.permutation(col) for col in W.T], 1)
        product = W if product is None else product @ W
        fields.append(product)
    return fields


def window_fraction(field: np.ndarray, side: int, w: int) -> np.ndarray:
    """Per unit, the largest fraction of sum(field^2) inside any w x w window of the periodic
    side x side lattice (squares: the weights' energy, not diluted by a floor of small ones)."""
    energy = (field**2).reshape(side, side, -1)
    padded = np.concatenate([energy, energy[: w - 1]], 0)
    padded = np.concatenate([padded, padded[:, : w - 1]], 1)
    c = np.pad(np.cumsum(np.cumsum(padded, 0), 1), ((1, 0), (1, 0), (0, 0)))
    boxes = c[w:, w:] - c[:-w, w:] - c[w:, :-w] + c[:-w, :-w]          # [side, side, n]
    return boxes.reshape(-1, energy.shape[-1]).max(0) / energy.sum((0, 1))


def locality(params: list, side: int, windows: tuple[int, ...], seed: int) -> dict:
    """Per layer: the mean best-window fraction in a w x w window for each w, against the same
    for shuffled weights, and the receptive-field size (the smallest window holding half of a
    unit's weight energy, mean over units); ``shown``: per layer the units at the 0, 1/3, 2/3
    and 1 quantiles of their 4 x 4 fraction, the ones the figure draws."""
    rng = np.random.default_rng(seed)
    real, shuffled = receptive_fields(params), receptive_fields(params, rng)
    out, shown = [], []
    for layer, (f, g) in enumerate(zip(real, shuffled, strict=True), start=1):
        sizes = np.arange(1, side + 1)
        curve = np.stack([window_fraction(f, side, int(w)) for w in sizes])      # [w, n]
        curve_shuffled = np.stack([window_fraction(g, side, int(w)) for w in sizes])
        out.append({
            "layer": layer, "windows": list(windows),
            "fraction": [float(curve[w - 1].mean()) for w in windows],
            "shuffled": [float(curve_shuffled[w - 1].mean()) for w in windows],
            "field_size": float(np.mean(sizes[np.argmax(curve >= 0.5, axis=0)])),
            "field_size_shuffled": float(np.mean(sizes[np.argmax(curve_shuffled >= 0.5, 0)])),
        })
        order = np.argsort(curve[3] if side >= 4 else curve[-1])
        shown.append(order[np.round(np.linspace(0, len(order) - 1, 4)).astype(int)])
    return {"layers": out, "fields": real, "shown": shown}


@partial(jax.jit, static_argnums=2)
def _block_levels(spins: jax.Array, keys: jax.Array, n: int) -> tuple[jax.Array, ...]:
    """The majority-rule block spins of every sample at levels 1 .. n (b = 2), one program."""
    out = []
    for level in range(n):
        step = jax.vmap(lambda s, k, level=level: rg.block_spin(
            s, 2, key=jax.random.fold_in(k, level)))
        spins = step(spins, keys)
        out.append(spins)
    return tuple(out)


def block_correlations(key: jax.Array, params: list, spins: np.ndarray) -> list[dict]:
    """Hidden activations against majority-rule block spins of the same samples: layer l of
    the stack (2^(2l) fewer units; p(h = 1 | input), propagated layer to layer as mean-field
    probabilities) beside blocking level l (b = 2). Per hidden unit the largest
    |corr| with any block spin, and the ratio of that to its mean |corr| over blocks (a unit
    that is a block spin singles one block out); baseline: the samples' order shuffled."""
    x = (spins.reshape(len(spins), -1) + 1) / 2.0
    levels = _block_levels(jnp.asarray(spins), jax.random.split(key, len(spins)), len(params))
    out = []
    rng = np.random.default_rng(0)
    for level, p in enumerate(params, start=1):
        x = 1.0 / (1.0 + np.exp(-(np.asarray(p.c) + x @ np.asarray(p.W))))   # mean field
        b = np.asarray(levels[level - 1], np.float64).reshape(len(x), -1)

        def corr(a, c):
            a = (a - a.mean(0)) / (a.std(0) + 1e-12)
            c = (c - c.mean(0)) / (c.std(0) + 1e-12)
            return np.abs(a.T @ c / len(a))                            # [units, blocks]

        real, null = corr(x, b), corr(x[rng.permutation(len(x))], b)
        out.append({"layer": level, "units": x.shape[1], "blocks": b.shape[1],
                    "max_corr": float(real.max(1).mean()),
                    "max_corr_shuffled": float(null.max(1).mean()),
                    "peak_to_mean": float((real.max(1) / real.mean(1)).mean()),
                    "peak_to_mean_shuffled": float((null.max(1) / null.mean(1)).mean())})
    return out


def _log_z(key: jax.Array, p, settings: dict, data: np.ndarray) -> tuple[float, float, str]:
    nv, nh = np.shape(p.W)
    if min(nv, nh) <= settings["exact_units"]:
        return float(rbm.log_z_exact(p)), 0.0, "exact"
    est = rbm.ais_log_z(key, p, n_chains=settings["ais_chains"], n_betas=settings["ais_betas"],
                        data=data)
    return float(est.log_z), float(est.stderr), "AIS"


def free_energy_gaps(key: jax.Array, params: list, data: list, spins: np.ndarray,
                     settings: dict) -> list[dict]:
    """Per layer l: F_l = -ln Z_l of the RBM (exact where the smaller layer has at most
    ``exact_units`` units, else AIS with its error), the Mehta-Schwab free-energy difference
    dF_l = F_l - F_(l-1) (F_0 = -ln Z of the Ising data, Kaufman's exact ln Z), and the gap in
    the loss training minimises, <ln q_l - ln p_l>_data per input unit, with q_1 the Ising
    Boltzmann distribution (the gap is then KL(q_1 || p_1) >= 0) and q_l (l > 1) the hidden
    marginal of RBM l - 1 (the gap is then the cross-entropy of the layer's data under RBM l
    less that under the previous model: how much worse, or better, the new layer describes
    the aggregated posterior it was trained on). Errors from the ln Z estimates only."""
    L = spins.shape[-1]
    with jax.enable_x64(True):
        log_z_prev = float(ising2d_log_z(L, L, K_DATA))
    s = spins.astype(np.float64)
    minus_h = K_DATA * np.sum(s * np.roll(s, -1, 1) + s * np.roll(s, -1, 2), axis=(1, 2))
    err_prev, out = 0.0, []
    for layer, p in enumerate(params, start=1):
        log_z, err, how = _log_z(jax.random.fold_in(key, layer), p, settings, data[layer - 1])
        v = data[layer - 1]
        log_p_model = -np.asarray(rbm.free_energy(p, v), np.float64) - log_z
        log_q = minus_h - log_z_prev
        units = v.shape[1]
        out.append({"layer": layer, "log_z": log_z, "log_z_err": err, "method": how,
                    "delta_F": log_z_prev - log_z, "delta_F_err": float(np.hypot(err, err_prev)),
                    "delta_F_per_unit": (log_z_prev - log_z) / units,
                    "loss_gap_per_unit": float(np.mean(log_q - log_p_model)) / units,
                    "loss_gap_per_unit_err": float(np.hypot(err, err_prev)) / units,
                    "units": units})
        minus_h = -np.asarray(rbm.free_energy_hidden(p, data[layer]), np.float64)
        log_z_prev, err_prev = log_z, err
    return out
