"""Why is momentum faster than SGD where the curvature is high?

Gradient descent on a quadratic with Hessian eigenvalues in [lambda_min, lambda_max] needs
O(kappa) steps, kappa = lambda_max / lambda_min; heavy-ball momentum (Polyak 1964) and Nesterov's
method (1983), with the momentum tuned, need O(sqrt kappa): the velocity carries the step along
the shallow, slow directions. Near its optimum every smooth loss is such a quadratic, so the
question is answered on a real one: the exact negative log-likelihood of a fully visible
Boltzmann machine (n <= 16 units, 2^n states enumerated, gradient by autodiff through the exact
ln Z). The data are the exact distribution of a target machine with random couplings of
strength s; the Hessian at the optimum is the covariance of the sufficient statistics (x_i,
x_i x_j), whose condition number kappa grows as the couplings freeze the units, and s is chosen
to put kappa on a log grid over two or more decades (``jax.hessian``). From theta = 0, SGD,
heavy ball, Nesterov and Adam each run at every learning rate (and momentum) of a fixed grid;
the best setting's number of steps to bring the excess loss below a fixed fraction of its start
is fitted as steps ~ kappa^a. Beside it, the same optimizers train an RBM on digits by PCD, where
the gradient is noisy and what matters is the effective step lr / (1 - mu).
"""

from __future__ import annotations

import argparse
import itertools
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from models import boltzmann, rbm
from models.data import digits
from models.experiments._common import (
    figure,
    mean_and_error,
    merged_settings,
    positive_int,
    progress,
    publish,
    save_figure,
)

DESCRIPTION = "SGD, momentum, Nesterov, Adam: steps to the optimum against the condition number"

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
LEARNING_RATES = 2.0 ** np.arange(-8, 8.5, 0.5)
"""The learning-rate grid of SGD, heavy ball and Nesterov (2^-8 .. 2^8)."""
ADAM_RATES = 2.0 ** np.arange(-12, 1.5, 0.5)
MOMENTA = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998)
TOLERANCE = 1e-2
"""Converged: |theta - theta*| below TOLERANCE |theta*| (the distance at the start, theta = 0).
A distance, not the loss: the loss hardly sees the shallow directions that make kappa large."""
DEFAULTS = {"units": 8, "kappas": 8, "kappa_max": 3000.0, "max_steps": 60_000,
            "rbm_epochs": 20, "rbm_seeds": 3}
QUICK = {"units": 6, "kappas": 4, "kappa_max": 1000.0, "max_steps": 12_000,
         "rbm_epochs": 2, "rbm_seeds": 1, "rbm_settings": 2}
KAPPA_MIN = 10.0
CHUNK = 500
RBM_SETTINGS = (("sgd", 0.05, 0.0), ("momentum 0.5 (default)", 0.025, 0.5),
                ("momentum 0.9, same lr", 0.05, 0.9), ("momentum 0.9, same lr / (1 - mu)",
                                                        0.005, 0.9))
"""RBM on digits, PCD-1, nh = 16, batch 20: (label, learning rate, momentum); the effective
step lr / (1 - mu) is 0.05 for all but "momentum 0.9, same lr" (0.5)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--units", type=int, default=None,
                        help="units of the Boltzmann machine, 2..16 (default 8; quick 6)")
    parser.add_argument("--kappas", type=int, default=None,
                        help="condition numbers on the log grid from 10 (default 8; quick 4)")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="step budget per optimizer and kappa (default 60000)")


def _settings(args: argparse.Namespace) -> dict:
    base = merged_settings(args, QUICK, DEFAULTS)
    base["units"] = positive_int(base["units"], "--units", minimum=2)
    if base["units"] > 16:
        raise ValueError(f"--units must be <= 16 (exact enumeration), got {base['units']}")
    base["kappas"] = positive_int(base["kappas"], "--kappas", minimum=3)
    base["max_steps"] = positive_int(base["max_steps"], "--max-steps", minimum=CHUNK)
    return base


# ---------------------------------------------------------------- the exact Boltzmann loss
def _unpack(theta: jax.Array, n: int) -> boltzmann.BoltzmannParams:
    """Spin coordinates theta = (J_ij for i < j, h_i) of E = -sum J s_i s_j - sum h s_i with
    s = 2x - 1, as the machine's (W, b) on x in {0, 1}: W = 4J, b = 2h - 2 sum_j J_ij (up to
    a constant). Uncoupled, the statistics s_i, s_i s_j are orthonormal: kappa = 1 at J = 0."""
    iu = np.triu_indices(n, 1)
    upper = jnp.zeros((n, n), theta.dtype).at[iu].set(theta[: len(iu[0])])
    J = upper + upper.T
    return boltzmann.BoltzmannParams(4.0 * J, 2.0 * theta[len(iu[0]):] - 2.0 * J.sum(1))


def _states(n: int) -> jax.Array:
    return jnp.asarray(list(itertools.product((0.0, 1.0), repeat=n)), jnp.float32)


def excess_loss(theta: jax.Array, target: jax.Array, states: jax.Array) -> jax.Array:
    """KL(p* || p_theta) = sum_x p*(x) [ln p*(x) - ln p_theta(x)], the negative log-likelihood
    of the exact data distribution p* less its minimum, the entropy of p*."""
    n = states.shape[1]
    log_p = -boltzmann.energy(_unpack(theta, n), states) - boltzmann.log_z_exact(
        _unpack(theta, n))
    log_target = -boltzmann.energy(_unpack(target, n), states) - boltzmann.log_z_exact(
        _unpack(target, n))
    return jnp.sum(jnp.exp(log_target) * (log_target - log_p))


_hessian = jax.jit(jax.hessian(excess_loss))


def condition_number(target: jax.Array, states: jax.Array) -> float:
    """lambda_max / lambda_min of the Hessian of the loss at its optimum theta = target."""
    ev = np.linalg.eigvalsh(np.asarray(_hessian(target, target, states), np.float64))
    return float(ev[-1] / ev[0])


def targets_for(kappas: np.ndarray, n: int, key: jax.Array) -> tuple[np.ndarray, np.ndarray]:
    """Targets s * (J, h = 0), J_ij ~ N(0, 1 / n), with condition numbers near ``kappas``: a
    scan of the strength s interpolated in ln kappa; returns the targets and their kappa."""
    states = _states(n)
    m = n * (n - 1) // 2
    direction = jnp.concatenate([jax.random.normal(key, (m,)) / np.sqrt(n), jnp.zeros(n)])
    scan = np.linspace(0.0, 3.0, 31)[1:]
    ks = np.array([condition_number(s * direction, states) for s in scan])
    valid = int(np.argmax(~((ks > 0) & (ks < 1e6)))) if not ((ks > 0) & (ks < 1e6)).all() \
        else len(ks)                                # float32 Hessians fail past ~1e6
    scan, log_k = scan[:valid], np.maximum.accumulate(np.log(ks[:valid]))
    out, measured = [], []
    for k in kappas:
        if np.log(k) > log_k[-1]:
            raise ValueError(f"kappa {k:.3g} is beyond the largest reachable "
                             f"{np.exp(log_k[-1]):.3g} at --units {n}")
        s = float(np.interp(np.log(k), log_k, scan))
        out.append(np.asarray(s * direction))
        measured.append(condition_number(s * direction, states))
    return np.array(out), np.array(measured)


# ---------------------------------------------------------------- optimizer runs
def _transform(kind: str, lr: jax.Array, mu: jax.Array) -> optax.GradientTransformation:
    if kind == "adam":
        return optax.adam(lr)
    return optax.sgd(lr, momentum=mu, nesterov=kind == "nesterov")


def _grid(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(learning rates, momenta) of every configuration run for ``kind``; SGD is mu = 0."""
    if kind == "adam":
        return ADAM_RATES, np.zeros_like(ADAM_RATES)
    mus = (0.0,) if kind == "sgd" else MOMENTA
    pairs = [(lr, mu) for mu in mus for lr in LEARNING_RATES]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


PROGRAMS = {"sgd": "heavy_ball", "momentum": "heavy_ball", "nesterov": "nesterov",
            "adam": "adam"}
"""The compiled program of each optimizer: SGD is heavy ball at mu = 0, so the two share one."""


def _chunk_fn(program: str, n: int):
    """A compiled chunk of CHUNK steps for a batch of (lr, mu) configurations; returns the new
    states and the relative distance |theta - theta*| / |theta*| after every step."""
    states = _states(n)
    kind = {"heavy_ball": "sgd"}.get(program, program)

    def one(theta, opt_state, lr, mu, target):
        tx = _transform(kind, lr, mu)

        def step(carry, _):
            th, st = carry
            g = jax.grad(excess_loss)(th, target, states)
            upd, st = tx.update(g, st, th)
            th = optax.apply_updates(th, upd)
            return (th, st), jnp.linalg.norm(th - target) / jnp.linalg.norm(target)

        (theta, opt_state), losses = jax.lax.scan(step, (theta, opt_state), None, CHUNK)
        return theta, opt_state, losses

    def init(theta, lr, mu):
        return _transform(kind, lr, mu).init(theta)

    return (jax.jit(jax.vmap(init, (None, 0, 0))),
            jax.jit(jax.vmap(one, (0, 0, 0, 0, None))))


def steps_to_tolerance(program: str, target: np.ndarray, n: int, max_steps: int,
                       compiled: dict) -> dict:
    """Run every configuration of the optimizers of ``program`` from theta = 0; per optimizer,
    the first configuration to come within TOLERANCE |theta*| of the optimum theta* = target is
    its best (fewest steps). Returns {optimizer: {steps (None if never), lr, momentum, curve}},
    the curve being the relative distance after each step of the best configuration."""
    if program not in compiled:
        compiled[program] = _chunk_fn(program, n)
    init, chunk = compiled[program]
    kinds = [k for k in OPTIMIZERS if PROGRAMS[k] == program]
    grids = [_grid(k) for k in kinds]
    lrs = np.concatenate([g[0] for g in grids])
    mus = np.concatenate([g[1] for g in grids])
    label = np.concatenate([np.full(len(g[0]), i) for i, g in enumerate(grids)])
    lr_a, mu_a = jnp.asarray(lrs, jnp.float32), jnp.asarray(mus, jnp.float32)
    tgt = jnp.asarray(target, jnp.float32)
    theta0 = jnp.zeros_like(tgt)
    theta = jnp.broadcast_to(theta0, (len(lrs),) + theta0.shape)
    opt_state = init(theta0, lr_a, mu_a)
    curves = [np.ones((len(lrs), 1))]
    first: dict[int, tuple[int, int]] = {}
    for done in range(0, max_steps, CHUNK):
        theta, opt_state, losses = chunk(theta, opt_state, lr_a, mu_a, tgt)
        losses = np.asarray(losses)
        curves.append(losses)
        hit = losses <= TOLERANCE                            # NaN (diverged) is never a hit
        for i in range(len(kinds)):
            rows, cols = np.nonzero(hit & (label == i)[:, None])
            if i not in first and len(rows):
                j = int(np.argmin(cols))
                first[i] = int(rows[j]), done + int(cols[j]) + 1
        if len(first) == len(kinds):
            break
    curve = np.concatenate(curves, axis=1)
    out = {}
    for i, kind in enumerate(kinds):
        if i in first:
            best, steps = first[i]
        else:
            final = np.where((label == i) & np.isfinite(curve[:, -1]), curve[:, -1], np.inf)
            best, steps = int(np.argmin(final)), None
        out[kind] = {"steps": steps, "lr": float(lrs[best]), "momentum": float(mus[best]),
                     "curve": curve[best, : (steps or curve.shape[1] - 1) + 1]}
    return out


def fit_exponent(kappa: np.ndarray, steps: list) -> tuple[float, float]:
    """Least-squares slope a of ln steps = a ln kappa + c and its standard error."""
    ok = np.array([s is not None for s in steps])
    x, y = np.log(np.asarray(kappa)[ok]), np.log(np.array([s for s in steps if s is not None],
                                                          float))
    if len(x) < 3:
        return float("nan"), float("nan")
    coef, cov = np.polyfit(x, y, 1, cov=True)
    return float(coef[0]), float(np.sqrt(cov[0, 0]))


# ---------------------------------------------------------------- the RBM beside it
def rbm_runs(settings: dict, key: jax.Array, show: bool) -> dict:
    """RBM_SETTINGS on digits (nh = 16, PCD-1, batch 20): exact test log-likelihood per epoch,
    mean and standard error over seeds."""
    train, test = digits()
    steps_per_epoch = -(-len(train) // 20)
    out = {}
    chosen = RBM_SETTINGS[: settings.get("rbm_settings", len(RBM_SETTINGS))]
    for label, lr, mu in progress(chosen, enabled=show, desc="rbm"):
        curves = []
        for seed in range(settings["rbm_seeds"]):
            res = rbm.fit_result(jax.random.fold_in(key, seed), train, n_hidden=16,
                                 epochs=settings["rbm_epochs"], batch_size=20, learning_rate=lr,
                                 method="pcd", optimizer=optax.sgd(lr, momentum=mu or None),
                                 test_data=test, monitor="exact",
                                 monitor_every=steps_per_epoch)
            curves.append([h["test_ll"] for h in res.history])
        curves = np.array(curves)
        final = mean_and_error(curves[:, -1]) if len(curves) > 1 else (curves[0, -1], 0.0)
        out[label] = {"learning_rate": lr, "momentum": mu, "effective_step": lr / (1 - mu),
                      "test_ll_curve": curves.mean(0), "test_ll": final[0],
                      "test_ll_err": final[1]}
    return out


def _plot(results: dict, path: str) -> None:
    fig, axes = figure(1, 3, figsize=(15, 4.6))
    kappa = np.array(results["kappa"])
    ax = axes[0]
    for i, kind in enumerate(OPTIMIZERS):
        steps = results["steps_to_tol"][kind]
        ok = [s is not None for s in steps]
        a, da = results["exponent"][kind], results["exponent_err"][kind]
        ax.loglog(kappa[ok], np.array(steps, dtype=float)[ok], "o", color=f"C{i}",
                  label=f"{kind}: a = {a:.2f} +- {da:.2f}")
        if np.isfinite(a):
            c = np.polyfit(np.log(kappa[ok]), np.log(np.array(steps, float)[ok]), 1)
            ax.loglog(kappa, np.exp(np.polyval(c, np.log(kappa))), "-", color=f"C{i}", lw=0.8)
    ref = np.array(results["steps_to_tol"]["sgd"][0] or 1.0, float)
    for a, style in ((1.0, "k--"), (0.5, "k:")):
        ax.loglog(kappa, ref * (kappa / kappa[0]) ** a, style, lw=1,
                  label=f"theory for quadratics: steps ~ kappa^{a:g}")
    ax.set_xlabel("condition number kappa of the Hessian at the optimum")
    ax.set_ylabel(f"steps to |theta - theta*| < {TOLERANCE:g} |theta*|")
    ax.set_title(f"Boltzmann machine, n = {results['settings']['units']} units, exact gradient")
    ax.legend(fontsize=7)
    ax = axes[1]
    for i, kind in enumerate(OPTIMIZERS):
        r = results["best_runs_at_max_kappa"][kind]
        c = np.asarray(r["curve"], float)
        ax.semilogy(np.arange(len(c)), c, color=f"C{i}", lw=0.9,
                    label=f"{kind} (lr {r['lr']:.3g}"
                          + (f", mu {r['momentum']:g})" if kind in ("momentum", "nesterov")
                             else ")"))
    ax.axhline(TOLERANCE, color="k", ls=":", lw=1, label="tolerance")
    ax.set_xscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("|theta - theta*| / |theta*|")
    ax.set_title(f"best run of each optimizer at kappa = {kappa[-1]:.0f}")
    ax.legend(fontsize=7)
    ax = axes[2]
    for i, (label, r) in enumerate(results["rbm"].items()):
        c = np.asarray(r["test_ll_curve"])
        ax.plot(np.arange(len(c)), c, "o-", color=f"C{i}", lw=0.9,
                label=f"{label}: lr/(1-mu) = {r['effective_step']:g}")
        ax.errorbar([len(c) - 1], [r["test_ll"]], yerr=[r["test_ll_err"]], color=f"C{i}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("exact test log-likelihood per image (nats)")
    ax.set_title("RBM on digits, nh = 16, PCD-1: noisy gradients")
    ax.legend(fontsize=7)
    fig.suptitle("Momentum on high curvature: steps ~ kappa for SGD, ~ sqrt(kappa) with tuned "
                 "momentum")
    save_figure(fig, path)


def run(args: argparse.Namespace) -> dict:
    """Targets on the kappa grid, every optimizer's best steps, the exponents, the RBM."""
    settings = _settings(args)
    show = getattr(args, "progress", True)
    key = jax.random.key(args.seed)
    n = settings["units"]
    t0 = time.perf_counter()
    grid = np.geomspace(KAPPA_MIN, settings["kappa_max"], settings["kappas"])
    targets, kappa = targets_for(grid, n, jax.random.fold_in(key, 1))
    compiled: dict = {}
    per_kappa = []
    for target in progress(targets, enabled=show, desc="kappa"):
        row = {}
        for program in dict.fromkeys(PROGRAMS.values()):
            row.update(steps_to_tolerance(program, target, n, settings["max_steps"], compiled))
        per_kappa.append(row)
    steps = {k: [r[k]["steps"] for r in per_kappa] for k in OPTIMIZERS}
    fits = {k: fit_exponent(kappa, steps[k]) for k in OPTIMIZERS}
    rbm_part = rbm_runs(settings, jax.random.fold_in(key, 2), show)
    seconds = time.perf_counter() - t0
    results = {
        "experiment": "optimizers", "quick": bool(args.quick), "seed": args.seed,
        "settings": settings, "tolerance": TOLERANCE, "kappa": kappa,
        "steps_to_tol": steps,
        "exponent": {k: fits[k][0] for k in OPTIMIZERS},
        "exponent_err": {k: fits[k][1] for k in OPTIMIZERS},
        "exponent_theory": {"sgd": 1.0, "momentum": 0.5, "nesterov": 0.5},
        "best_lr": {k: [r[k]["lr"] for r in per_kappa] for k in OPTIMIZERS},
        "best_momentum": {k: [r[k]["momentum"] for r in per_kappa] for k in OPTIMIZERS},
        "best_runs_at_max_kappa": per_kappa[-1],
        "rbm": rbm_part, "seconds": seconds, "backend": jax.default_backend(),
    }
    print(f"Boltzmann machine, n = {n}, exact gradient ({seconds:.1f} s)")
    print("  kappa      " + "".join(f"{k:>10}" for k in OPTIMIZERS))
    for i, k in enumerate(kappa):
        print(f"  {k:9.1f}  " + "".join(f"{str(steps[o][i]):>10}" for o in OPTIMIZERS))
    print("  exponent a " + "".join(f"{fits[o][0]:>10.2f}" for o in OPTIMIZERS))
    print("RBM on digits, nh = 16, PCD-1, exact test log-likelihood:")
    for label, r in rbm_part.items():
        print(f"  {label:34s} {r['test_ll']:8.3f} +- {r['test_ll_err']:.3f}")
    return publish(results, _plot, args.out, "optimizers")
