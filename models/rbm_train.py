"""Maximum-likelihood training of the binary RBM: gradient estimators and ``fit``.

The log-likelihood gradient of an RBM is a difference of two expectations,

    d ln p(v) / d theta = -<dF/dtheta>_data + <dF/dtheta>_model,

and the gradient estimators differ only in where the model term comes from: exact enumeration
of the smaller layer (``"exact"``), k Gibbs steps started at the data (CD-k, Hinton 2002),
persistent chains (PCD, Tieleman 2008) or persistent chains swapped along a ladder of
temperatures (PT-PCD, Desjardins et al. 2010). Dropout (Srivastava et al. 2014, sec. 8) thins
the hidden layer with a fresh Bernoulli mask at every step; L2 weight decay and L1 sparsity act
on W. :func:`fit` runs any of them through :func:`models.train.train` with an optax optimizer.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from models import train as _train
from models.rbm import (
    RBMParams,
    _cast,
    _check_exact_size,
    _check_params,
    _check_units,
    _free_energy,
    _log_z,
    _units,
    init_params,
)
from models.rbm_ais import _base_rate, log_likelihood_ais
from models.rbm_gibbs import _bernoulli, _hidden_probs, _pseudo_ll, _visible_probs
from statmech._validate import check_finite, check_static_int, is_concrete
from statmech.mcmc import hash_uniform, mix32

__all__ = [
    "METHODS",
    "grad_fn",
    "init_chains",
    "fit",
    "fit_result",
]

METHODS = ("exact", "cd", "pcd", "pt")
"""Gradient estimators of :func:`fit`: exact enumeration, CD-k, PCD-k, PT-PCD."""


# ----------------------------------------------------------------------------------------------
# gradient estimators


def _difference_of_moments(p: RBMParams, v: jax.Array, neg: jax.Array, mask, neg_mask):
    """<dF/dtheta>_data - <dF/dtheta>_model, with the stacked hidden probabilities and inputs.

    Data and model samples go through one stacked matrix product each way (the training hot
    loop is dominated by per-kernel overhead); dropped hidden units count as absent.
    """
    b, c = v.shape[0], neg.shape[0]
    x = jnp.concatenate([v, neg])
    act = p.c + x @ p.W
    ph = jax.nn.sigmoid(act)
    if mask is not None:
        ph = ph * jnp.concatenate([mask, neg_mask])
    w = jnp.concatenate([jnp.full((b, 1), -1.0 / b, x.dtype), jnp.full((c, 1), 1.0 / c, x.dtype)])
    grads = RBMParams(x.T @ (ph * w), jnp.sum(w * x, axis=0), jnp.sum(w * ph, axis=0))
    return grads, ph, act


def _free_energy_gap(p: RBMParams, v, neg, act, mask, neg_mask) -> jax.Array:
    """<F>_data - <F>_model of the (thinned) RBM, from the inputs already computed."""
    sp = jax.nn.softplus(act)
    if mask is not None:
        sp = sp * jnp.concatenate([mask, neg_mask])
    free = -jnp.sum(jnp.concatenate([v, neg]) * p.b, axis=-1) - jnp.sum(sp, axis=-1)
    b = v.shape[0]
    return jnp.mean(free[:b]) - jnp.mean(free[b:])


def _penalty(p: RBMParams, l1: float, l2: float) -> RBMParams:
    dW = l2 * p.W + l1 * jnp.sign(p.W) if (l1 or l2) else jnp.zeros_like(p.W)
    return RBMParams(dW, jnp.zeros_like(p.b), jnp.zeros_like(p.c))


def _pt_swaps(w0: jax.Array, w1: jax.Array, p: RBMParams, v: jax.Array, betas: jax.Array,
              parity: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Metropolis swaps of neighbouring temperatures (pairs (m, m+1) with m = parity mod 2).

    Chains hold visible states; p_beta(v) ∝ exp(-F_beta(v)) with the hidden layer summed out,
    so a swap of v_m and v_{m+1} is accepted with min(1, exp(F_m(v_m) + F_{m+1}(v_{m+1}) -
    F_m(v_{m+1}) - F_{m+1}(v_m))).
    """
    M = betas.shape[0]

    def free(beta, x):
        return _free_energy(RBMParams(beta * p.W, beta * p.b, beta * p.c), x)

    f_own = jax.vmap(free)(betas, v)                          # [M, C]
    v_up = jnp.roll(v, -1, axis=0)                            # v_{m+1} at slot m
    f_mine_theirs = jax.vmap(free)(betas, v_up)               # F_m(v_{m+1})
    f_theirs_mine = jax.vmap(free)(jnp.roll(betas, -1), v)   # F_{m+1}(v_m)
    log_acc = f_own + jnp.roll(f_own, -1, axis=0) - f_mine_theirs - f_theirs_mine
    m = jnp.arange(M)
    active = ((m % 2) == parity) & (m < M - 1)
    u = _hash_uniform(log_acc.shape, w0, w1, log_acc.dtype)
    swap = active[:, None] & (jnp.log(u) < log_acc)           # swap slot m with m+1
    from_below = jnp.roll(swap, 1, axis=0)                    # slot m+1 takes v_m
    v_down = jnp.roll(v, 1, axis=0)
    new = jnp.where(swap[..., None], v_up, jnp.where(from_below[..., None], v_down, v))
    rate = jnp.sum(swap) / jnp.maximum(jnp.sum(active) * v.shape[1], 1)
    return new, rate


def grad_fn(method: str = "pcd", *, k: int = 1, dropout: float = 0.0, l1: float = 0.0,
            l2: float = 0.0, betas: Any = None, track: bool = True):
    """The gradient function of an RBM training method, for :func:`models.train.train`.

    g = <dF/dtheta>_data - <dF/dtheta>_model + l2 W + l1 sign(W), the gradient of the mean
    negative log-likelihood plus penalties, with the model term from the chosen estimator.

    Args:
      method: "exact" (enumeration, min(nv, nh) <= 30), "cd" (CD-k from the batch), "pcd"
        (persistent chains, k sweeps per step: each chain keeps its hidden state h, draws
        v' ~ p(v | h), and the statistics of v' give the model term and its next h, the
        scheme of scikit-learn's BernoulliRBM) or "pt" (PT-PCD: persistent chains at every
        inverse temperature of ``betas``, k sweeps then one round of neighbour swaps per step;
        the statistics come from the beta = 1 chains).
      k: Gibbs sweeps per step, >= 1.
      dropout: probability of dropping each hidden unit per example and step, in [0, 1).
      l1: L1 penalty on W (sparsity), >= 0.
      l2: L2 penalty on W (weight decay), >= 0.
      betas: PT ladder, decreasing from 1 (default: 10 evenly spaced in [1, 0]).
      track: also return the per-step metrics (costs a few kernels per step; ``fit`` turns
        it on only with a progress bar).

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)``; ``chains`` is ``()``
      for "exact" and "cd", ``h [n_chains, nh]`` for "pcd", ``v [n_betas, n_chains, nv]`` for
      "pt" (see :func:`init_chains`). Metrics: "free_energy_gap" (<F>_data - <F>_model; the
      "exact" method reports "recon", the batch reconstruction error), and "swap_rate" for
      "pt".

    Example:
      >>> import jax, jax.numpy as jnp
      >>> g = grad_fn("cd", k=1)
      >>> p = init_params(jax.random.key(0), 4, 3)
      >>> grads, _, m = g(jax.random.key(1), p, (), jnp.ones((8, 4)))
      >>> grads.W.shape, sorted(m)
      ((4, 3), ['free_energy_gap'])

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002) (CD); T. Tieleman, ICML (2008) (PCD);
      G. Desjardins et al., AISTATS (2010) (PT); N. Srivastava et al., JMLR 15, 1929 (2014),
      sec. 8 (dropout RBM).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    k = check_static_int(k, "k", minimum=1)
    for name, value, upper in (("dropout", dropout, 1.0), ("l1", l1, None), ("l2", l2, None)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            raise TypeError(f"{name} must be a float, got {type(value).__name__}")
        if not np.isfinite(value) or value < 0 or (upper is not None and value >= upper):
            bound = f"in [0, {upper})" if upper is not None else ">= 0"
            raise ValueError(f"{name} must be {bound}, got {value}")
    dropout, l1, l2 = float(dropout), float(l1), float(l2)
    if method == "exact" and dropout:
        raise ValueError("dropout needs a sampled negative phase: use method 'cd', 'pcd' or "
                         "'pt', not 'exact'")
    ladder = tuple(np.asarray(_check_betas(betas)).tolist()) if method == "pt" else None
    return _grad_fn(method, k, dropout, l1, l2, ladder, bool(track))


@functools.lru_cache(maxsize=64)
def _grad_fn(method: str, k: int, dropout: float, l1: float, l2: float, betas: tuple | None,
             track: bool):
    """The gradient function for validated, hashable settings (cached: equal settings give the
    same function object, so :func:`models.train.train` reuses its compiled steps)."""
    ladder = None if betas is None else jnp.asarray(betas)

    def fn(key, params, chains, batch):
        p = _cast(params)
        v = _units(batch)
        words = _words(key)
        mask = None
        if dropout:
            mask = _hash_mask((v.shape[0], p.W.shape[1]), dropout, words[0], words[1], v.dtype)
        if method == "exact":
            ph = _hidden_probs(p, v)
            ph = ph if mask is None else ph * mask
            metrics = {"recon": jnp.mean((v - _visible_probs(p, ph)) ** 2)}

            def nll(q):
                return jnp.mean(_free_energy(q, v)) + _log_z(q, jnp.asarray(1.0, v.dtype))
            grads = jax.grad(nll)(p)
            return _add(grads, _penalty(p, l1, l2)), chains, metrics
        metrics = {}
        nh = p.W.shape[1]
        neg_mask = mask
        if dropout and method != "cd":
            shape = chains.shape[:-1] + (nh,)
            neg_mask = _hash_mask(shape, dropout, words[2], words[3], v.dtype)
        if method == "pcd":        # chains hold hidden states: h -> v' (-> h'...) -> stats
            h = chains
            for i in range(k):
                u = _hash_uniform(h.shape[:-1] + (v.shape[-1] + nh,), _mix(words[4], i),
                                  words[5], v.dtype)
                neg = (u[..., nh:] < _visible_probs(p, h)).astype(v.dtype)
                if i < k - 1:
                    ph_chain = _hidden_probs(p, neg)
                    ph_chain = ph_chain if neg_mask is None else ph_chain * neg_mask
                    h = (u[..., :nh] < ph_chain).astype(v.dtype)
            grads, ph_all, act = _difference_of_moments(p, v, neg, mask, neg_mask)
            new_chains = (u[..., :nh] < ph_all[v.shape[0]:]).astype(v.dtype)
        else:
            neg = v if method == "cd" else chains
            if method == "pt":     # every rung its own random numbers (independent chains)
                scaled = jax.vmap(_scale, in_axes=(None, 0))(p, ladder.astype(v.dtype))
                sweep = jax.vmap(_hash_gibbs, in_axes=(0, 0, 0 if dropout else None, 0, None))
                rungs = jnp.arange(ladder.shape[0], dtype=jnp.uint32)
            else:
                scaled, sweep, rungs = p, _hash_gibbs, jnp.uint32(0)
            for i in range(k):
                neg = sweep(scaled, neg, neg_mask, _mix(words[4] ^ mix32(rungs + 1), i),
                            words[5])
            if method == "pt":
                parity = (words[6] & 1).astype(jnp.int32)
                neg, rate = _pt_swaps(_mix(words[7], 0), words[6], p, neg,
                                      ladder.astype(v.dtype), parity)
                metrics["swap_rate"] = rate
            new_chains = chains if method == "cd" else neg
            if method == "pt":
                neg = neg[0]
                neg_mask = None if neg_mask is None else neg_mask[0]
            grads, ph_all, act = _difference_of_moments(p, v, neg, mask, neg_mask)
        if track:
            metrics["free_energy_gap"] = _free_energy_gap(p, v, neg, act, mask, neg_mask)
        return _add(grads, _penalty(p, l1, l2)), new_chains, metrics

    return fn


def _words(key: jax.Array) -> jax.Array:
    """Eight 32-bit words from a step key by hashing its key data (no threefry call per step)."""
    data = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    data = data.astype(jnp.uint32).reshape(-1)
    lanes = jnp.arange(8, dtype=jnp.uint32) * jnp.uint32(0x9E3779B9)
    return mix32(mix32(data[0] ^ lanes) + data[-1])


def _mix(word: jax.Array, i: int) -> jax.Array:
    """A new 32-bit key word for sweep i (decorrelated by the lowbias32 finaliser)."""
    return mix32(word + jnp.uint32((0x9E3779B9 * (i + 1)) & 0xFFFFFFFF))


def _hash_uniform(shape: tuple, w0: jax.Array, w1: jax.Array, dtype) -> jax.Array:
    """Counter-hash uniforms of any shape (statmech.mcmc.hash_uniform on a 2-D view)."""
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    return hash_uniform((rows, shape[-1]), w0, w1).reshape(shape).astype(dtype)


def _hash_mask(shape: tuple, dropout: float, w0, w1, dtype) -> jax.Array:
    return (_hash_uniform(shape, w0, w1, dtype) >= dropout).astype(dtype)


def _hash_gibbs(p: RBMParams, v: jax.Array, mask: jax.Array | None, w0: jax.Array,
                w1: jax.Array) -> jax.Array:
    """One block-Gibbs sweep v -> h -> v' with counter-hash uniforms (the training hot loop)."""
    nh = p.W.shape[1]
    u = _hash_uniform(v.shape[:-1] + (nh + v.shape[-1],), w0, w1, v.dtype)
    ph = _hidden_probs(p, v)
    if mask is not None:
        ph = ph * mask
    h = (u[..., :nh] < ph).astype(v.dtype)
    return (u[..., nh:] < _visible_probs(p, h)).astype(v.dtype)


def _scale(p: RBMParams, beta: jax.Array) -> RBMParams:
    return RBMParams(beta * p.W, beta * p.b, beta * p.c)


def _add(a: RBMParams, b: RBMParams) -> RBMParams:
    return jax.tree.map(jnp.add, a, b)


def _check_betas(betas: Any) -> jax.Array:
    if betas is None:
        return jnp.linspace(1.0, 0.0, 10)
    try:
        arr = np.asarray(betas, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("betas must be a 1-D array of floats, got "
                        f"{type(betas).__name__}") from None
    check_finite(arr, "betas")
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"betas must be a 1-D ladder of >= 2 inverse temperatures, got shape "
                         f"{arr.shape}")
    if arr[0] != 1.0 or np.any(np.diff(arr) >= 0) or arr[-1] < 0:
        raise ValueError("betas must start at 1 and decrease strictly to a value >= 0, got "
                         f"{arr.tolist()}")
    return jnp.asarray(arr)


def init_chains(key: jax.Array, method: str, data: Any, n_chains: int, n_betas: int = 10, *,
                n_hidden: int | None = None) -> Any:
    """Initial persistent chains for ``grad_fn(method)``.

    "pcd" chains hold hidden states and start at h = 0, so their first visible states are drawn
    from p(v | h = 0), the base-rate model when b holds the data's log-odds (as :func:`fit`
    initialises it). "pt" chains hold visible states drawn from the data's pixel means.

    Args:
      key: a ``jax.random.key``.
      method: a method of :data:`METHODS`.
      data: training data ``[n, nv]`` of 0/1 (its base rates seed the "pt" chains).
      n_chains: chains per temperature, >= 1.
      n_betas: rungs of the PT ladder (method "pt").
      n_hidden: hidden units (method "pcd").

    Returns:
      ``()`` for "exact"/"cd", ``[n_chains, n_hidden]`` for "pcd", ``[n_betas, n_chains, nv]``
      for "pt".

    Example:
      >>> import jax, jax.numpy as jnp
      >>> init_chains(jax.random.key(0), "pt", jnp.ones((5, 3)), 4, n_betas=2).shape
      (2, 4, 3)
      >>> init_chains(jax.random.key(0), "pcd", jnp.ones((5, 3)), 4, n_hidden=2).tolist()[0]
      [0.0, 0.0]
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    if method in ("exact", "cd"):
        return ()
    data = _units(data)
    if method == "pcd":
        if n_hidden is None:
            raise ValueError("init_chains needs n_hidden for method 'pcd' (chains of hidden "
                             "states)")
        nh = check_static_int(n_hidden, "n_hidden", minimum=1)
        return jnp.zeros((n_chains, nh), data.dtype)
    n_betas = check_static_int(n_betas, "n_betas", minimum=2)
    probs = jnp.mean(data.reshape(-1, data.shape[-1]), axis=0)
    return _bernoulli(key, jnp.broadcast_to(probs, (n_betas, n_chains, data.shape[-1])))


# ----------------------------------------------------------------------------------------------
# fit


def _monitor(kind: str, data: jax.Array, test_data: jax.Array | None, key: jax.Array,
             ais_chains: int, ais_betas: int):
    def evaluate(params):
        out = {}
        for name, x in (("train", data), ("test", test_data)):
            if x is None:
                continue
            if kind == "exact":
                out[f"{name}_ll"] = float(-jnp.mean(_free_energy(params, x))
                                          - _log_z(_cast(params), jnp.asarray(1.0, x.dtype)))
            elif kind == "ais":
                ll, _ = log_likelihood_ais(key, params, x, n_chains=ais_chains,
                                           n_betas=ais_betas, data=data)
                out[f"{name}_ll"] = float(jnp.mean(ll))
            out[f"{name}_pl"] = float(_pseudo_ll(_cast(params), x))
        return out
    return evaluate


@functools.lru_cache(maxsize=16)
def _default_optimizer(learning_rate: float) -> optax.GradientTransformation:
    """SGD with momentum 0.9 (one object per learning rate, so compiled steps are reused)."""
    return optax.sgd(learning_rate, momentum=0.9)


def fit_result(key: jax.Array, data: Any, *, n_hidden: int, epochs: int, batch_size: int,
               learning_rate: float, method: str = "pcd", k: int = 1,
               optimizer: optax.GradientTransformation | None = None, dropout: float = 0.0,
               l1: float = 0.0, l2: float = 0.0, n_chains: int | None = None,
               betas: Any = None, init_scale: float = 0.01, params: RBMParams | None = None,
               test_data: Any = None, monitor: str | None = None,
               monitor_every: int | None = None, ais_chains: int = 100, ais_betas: int = 1000,
               checkpoint_dir: str | os.PathLike | None = None,
               checkpoint_every: int | None = None,
               progress: bool = True) -> _train.TrainResult:
    """:func:`fit` returning the whole :class:`models.train.TrainResult` (state and history).

    Same arguments as :func:`fit`; see there.

    Example:
      >>> import jax
      >>> from models.data import bars_and_stripes
      >>> out = fit_result(jax.random.key(0), bars_and_stripes(3), n_hidden=4, epochs=2,
      ...                  batch_size=7, learning_rate=0.1, monitor="exact", progress=False)
      >>> [sorted(h) for h in out.history][-1]
      ['step', 'train_ll', 'train_pl']
    """
    if not is_concrete(data):
        raise TypeError("fit is a host loop: data must be a concrete array, not a tracer")
    data_arr = np.asarray(data)
    if data_arr.ndim != 2:
        raise ValueError(f"data must be a 2-D array [n_examples, n_visible], got shape "
                         f"{data_arr.shape}")
    nv = data_arr.shape[1]
    _check_units(data_arr, nv, "data", "n_visible")
    nh = check_static_int(n_hidden, "n_hidden", minimum=1)
    b = check_static_int(batch_size, "batch_size", minimum=1)
    if b > data_arr.shape[0]:
        raise ValueError(f"batch_size must be <= the number of examples ({data_arr.shape[0]}), "
                         f"got {b}")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not (
            np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    if monitor not in (None, "exact", "ais", "pl"):
        raise ValueError(f"monitor must be None, 'exact', 'ais' or 'pl', got {monitor!r}")
    if method == "exact" or monitor == "exact":
        _check_exact_size(nv, nh)
    test = None
    if test_data is not None:
        test_arr = np.asarray(test_data)
        _check_units(test_arr, nv, "test_data", "data.shape[1]")
        test = _units(test_arr.reshape(-1, nv))
    fn = grad_fn(method, k=k, dropout=dropout, l1=l1, l2=l2, betas=betas, track=progress)
    k_init, k_chains, k_train, k_mon = jax.random.split(key, 4)
    x = _units(data_arr)
    if params is None:
        p0 = init_params(k_init, nv, nh, scale=init_scale)
        p0 = RBMParams(p0.W, _base_rate(x).astype(p0.W.dtype), p0.c)
    else:
        pv, ph = _check_params(params)
        if (pv, ph) != (nv, nh):
            raise ValueError(f"params have shape (nv, nh) = ({pv}, {ph}), but data has "
                             f"{nv} visible units and n_hidden = {nh}")
        p0 = _cast(params)
    n_betas = len(_check_betas(betas)) if method == "pt" else 10
    chains = init_chains(k_chains, method, x, n_chains or b, n_betas, n_hidden=nh)
    opt = optimizer if optimizer is not None else _default_optimizer(float(learning_rate))
    mon = None if monitor is None else _monitor(monitor, x, test, k_mon, ais_chains, ais_betas)
    config = {"model": "rbm", "n_visible": nv, "n_hidden": nh, "method": method, "k": k,
              "dropout": dropout, "l1": l1, "l2": l2, "learning_rate": float(learning_rate)}
    return _train.train(k_train, fn, p0, x, batch_size=b, epochs=epochs, optimizer=opt,
                        chains=chains, monitor=mon, monitor_every=monitor_every,
                        checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every,
                        config=config, progress=progress)


def fit(key: jax.Array, data: Any, *, n_hidden: int, epochs: int, batch_size: int,
        learning_rate: float, method: str = "pcd", k: int = 1,
        optimizer: optax.GradientTransformation | None = None, dropout: float = 0.0,
        **options: Any) -> RBMParams:
    """Train a binary RBM on 0/1 data by (approximate) maximum likelihood.

    theta <- optimizer(<dF/dtheta>_data - <dF/dtheta>_model + penalties), minibatches of a
    fresh permutation each epoch, the model term from ``method`` (see :func:`grad_fn`).
    Weights start at N(0, init_scale^2), hidden biases at 0 and visible biases at the data's
    log-odds (Hinton's practical guide); persistent chains start from the data's pixel means.

    Args:
      key: a ``jax.random.key``; the run is a deterministic function of it.
      data: training data ``[n, nv]`` of 0/1.
      n_hidden: hidden units, >= 1.
      epochs: passes over the data.
      batch_size: examples per step, in [1, n].
      learning_rate: step size of the default optimizer, > 0.
      method: "pcd" (default), "cd", "pt" or "exact".
      k: Gibbs sweeps per step.
      optimizer: any optax transformation (default ``optax.sgd(learning_rate, momentum=0.9)``).
      dropout: hidden-unit dropout probability in [0, 1).
      **options: ``l1``, ``l2``, ``n_chains`` (default ``batch_size``), ``betas`` (PT ladder),
        ``init_scale``, ``params`` (warm start), ``test_data``, ``monitor`` ("exact", "ais",
        "pl" or None), ``monitor_every``, ``ais_chains``, ``ais_betas``, ``checkpoint_dir``,
        ``checkpoint_every``, ``progress`` — as in :func:`fit_result`.

    Returns:
      The trained ``RBMParams``.

    Example:
      >>> import jax
      >>> from models.data import bars_and_stripes
      >>> from models.rbm import log_likelihood
      >>> x = bars_and_stripes(3)
      >>> p = fit(jax.random.key(0), x, n_hidden=8, epochs=300, batch_size=14,
      ...         learning_rate=0.2, method="exact", progress=False)
      >>> bool(log_likelihood(p, x) > -3.0)     # the optimum is -ln 14 = -2.64
      True

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002); T. Tieleman, ICML (2008);
      G. Desjardins et al., AISTATS (2010); N. Srivastava et al., JMLR 15, 1929 (2014).
    """
    return fit_result(key, data, n_hidden=n_hidden, epochs=epochs, batch_size=batch_size,
                      learning_rate=learning_rate, method=method, k=k, optimizer=optimizer,
                      dropout=dropout, **options).params
