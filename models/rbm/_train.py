"""Gradient estimators of RBM maximum-likelihood training and their persistent chains.

The log-likelihood gradient of an RBM is a difference of two expectations,

    d ln p(v) / d theta = -<dF/dtheta>_data + <dF/dtheta>_model,

and the gradient estimators differ only in where the model term comes from: exact enumeration
of the smaller layer (``"exact"``), k Gibbs steps started at the data (CD-k, Hinton 2002),
persistent chains (PCD, Tieleman 2008) or persistent chains tempered along a ladder of inverse
temperatures by :func:`statmech.mcmc.parallel_tempering` on the joint energy (PT-PCD,
Desjardins et al. 2010). Dropout (Srivastava et al. 2014, sec. 8) thins the hidden layer with a
fresh Bernoulli mask at every step; L2 weight decay and L1 sparsity act on W. Every Gibbs update
is the package's one block-Gibbs mechanism (:mod:`models.rbm._gibbs`) with counter-based
uniforms; :func:`models.rbm.fit` runs the estimators through :func:`models.train.train`.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from models.rbm._gibbs import (
    _bernoulli,
    _draw_hidden,
    _draw_visible,
    _joint_init,
    _joint_step,
    _Thinned,
    _visible_probs,
)
from models.rbm._model import RBMParams, _free_energy, _joint_energy, _log_z
from statmech.mcmc import SamplingAlgorithm, parallel_tempering
from statmech.random import fold_word, hash_key_words, hash_uniform
from statmech.validate import as_float, check_finite, check_static_int

__all__ = ["METHODS", "grad_fn", "init_chains"]

METHODS = ("exact", "cd", "pcd", "pt")
"""Gradient estimators of :func:`fit`: exact enumeration, CD-k, PCD-k, PT-PCD."""

N_BETAS = 10
"""Rungs of the default PT ladder, ``linspace(0, 1, N_BETAS)``."""


# ----------------------------------------------------------------------------------------------
# the statistics


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


def _add(a: RBMParams, b: RBMParams) -> RBMParams:
    return jax.tree.map(jnp.add, a, b)


def _mask(shape: tuple, dropout: float, w0, w1, dtype) -> jax.Array:
    """Dropout keep-mask: 1 with probability 1 - dropout."""
    return (hash_uniform(shape, w0, w1, dtype) >= dropout).astype(dtype)


# ----------------------------------------------------------------------------------------------
# parallel tempering of the joint energy, one ladder per chain


def _thinned_energy(params: _Thinned, x: jax.Array) -> jax.Array:
    return _joint_energy(params.params, x)       # dropped hidden units are 0 in x


@functools.lru_cache(maxsize=16)
def _tempering(k: int, thinned: bool) -> SamplingAlgorithm:
    """parallel_tempering over the RBM's joint block-Gibbs kernel (k sweeps per step); with
    ``thinned`` the params are :class:`_Thinned`."""
    return parallel_tempering(SamplingAlgorithm(_joint_init, _joint_step(k)),
                              _thinned_energy if thinned else _joint_energy)


def _check_betas(betas: Any) -> np.ndarray:
    """An ascending ladder ending at the target beta = 1 (default linspace(0, 1, 10))."""
    if betas is None:
        return np.linspace(0.0, 1.0, N_BETAS)
    try:
        arr = np.asarray(betas, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("betas must be a 1-D array of floats, got "
                        f"{type(betas).__name__}") from None
    check_finite(arr, "betas")
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"betas must be a 1-D ladder of >= 2 inverse temperatures, got shape "
                         f"{arr.shape}")
    if arr[-1] != 1.0 or np.any(np.diff(arr) <= 0) or arr[0] < 0:
        raise ValueError("betas must increase strictly from a value >= 0 to 1 (ascending, the "
                         f"target beta = 1 last), got {arr.tolist()}")
    return arr


# ----------------------------------------------------------------------------------------------
# the estimators


def grad_fn(method: str = "pcd", *, k: int = 1, dropout: float = 0.0, l1: float = 0.0,
            l2: float = 0.0, betas: Any = None, track: bool = True):
    """The gradient function of an RBM training method, for :func:`models.train.train`.

    g = <dF/dtheta>_data - <dF/dtheta>_model + l2 W + l1 sign(W), the gradient of the mean
    negative log-likelihood plus penalties, with the model term from the chosen estimator.

    Args:
      method: "exact" (enumeration, min(nv, nh) <= 30), "cd" (CD-k from the batch), "pcd"
        (persistent chains, k sweeps per step: each chain keeps its hidden state h, draws
        v' ~ p(v | h), and the statistics of v' give the model term and its next h, the
        scheme of scikit-learn's BernoulliRBM) or "pt" (PT-PCD: every chain is a ladder of
        joint states (v, h) at the inverse temperatures ``betas``, advanced by one step of
        :func:`statmech.mcmc.parallel_tempering` per step (k sweeps at every rung, then
        neighbour swaps on the joint energy); the statistics come from the beta = 1 rung).
      k: Gibbs sweeps per step, >= 1.
      dropout: probability of dropping each hidden unit per example and step, in [0, 1).
      l1: L1 penalty on W (sparsity), >= 0.
      l2: L2 penalty on W (weight decay), >= 0.
      betas: PT ladder, strictly increasing to 1 (default: 10 evenly spaced in [0, 1]).
      track: also return the per-step metrics (costs a few kernels per step; ``fit`` turns
        it on only with a progress bar).

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)``; ``chains`` is ``()``
      for "exact" and "cd", ``h [n_chains, nh]`` for "pcd", a
      :class:`statmech.mcmc.PTState` with leading axis n_chains for "pt" (see
      :func:`init_chains`). Metrics: "free_energy_gap" (<F>_data - <F>_model; the "exact"
      method reports "recon", the batch reconstruction error), and "swap_rate" for "pt".
      Equal settings return the same function object, so the training loop's compiled steps
      are reused.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from models.rbm import init_params
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
    ladder = tuple(_check_betas(betas).tolist()) if method == "pt" else None
    return _grad_fn(method, k, dropout, l1, l2, ladder, bool(track))


@functools.lru_cache(maxsize=64)
def _grad_fn(method: str, k: int, dropout: float, l1: float, l2: float, betas: tuple | None,
             track: bool):
    """The gradient function for validated, hashable settings (cached: equal settings give the
    same function object, so :func:`models.train.train` reuses its compiled steps)."""

    def fn(key, params, chains, batch):
        p = as_float(params)
        v = as_float(batch)
        words = hash_key_words(key, 8)
        nh = p.W.shape[1]
        mask = None
        if dropout:
            mask = _mask((v.shape[0], nh), dropout, words[0], words[1], v.dtype)
        if method == "exact":
            ph = _draw_probs(p, v, mask)
            metrics = {"recon": jnp.mean((v - _visible_probs(p, ph)) ** 2)}

            def nll(q):
                return jnp.mean(_free_energy(q, v)) + _log_z(q, jnp.asarray(1.0, v.dtype))
            grads = jax.grad(nll)(p)
            return _add(grads, _penalty(p, l1, l2)), chains, metrics
        metrics = {}
        neg_mask = mask
        if dropout and method != "cd":
            n_chains = jax.tree.leaves(chains)[0].shape[0]
            neg_mask = _mask((n_chains, nh), dropout, words[2], words[3], v.dtype)
        if method == "pcd":        # chains hold hidden states: h -> v' (-> h'...) -> stats
            h = chains
            for i in range(k):
                u = hash_uniform(h.shape[:-1] + (v.shape[-1] + nh,), fold_word(words[4], i),
                                 words[5], v.dtype)
                neg = _draw_visible(p, h, u[..., nh:])
                if i < k - 1:
                    h = _draw_hidden(p, neg, u[..., :nh], mask=neg_mask)
            grads, ph_all, act = _difference_of_moments(p, v, neg, mask, neg_mask)
            new_chains = _bernoulli(u[..., :nh], ph_all[v.shape[0]:])
        elif method == "cd":
            neg = v
            for i in range(k):
                u = hash_uniform(v.shape[:-1] + (nh + v.shape[-1],), fold_word(words[6], i),
                                 words[5], v.dtype)
                neg = _draw_visible(p, _draw_hidden(p, neg, u[..., :nh], mask=mask),
                                    u[..., nh:])
            new_chains = chains
            grads, ph_all, act = _difference_of_moments(p, v, neg, mask, neg_mask)
        else:                      # "pt": one tempering step of every chain's ladder
            ladder = jnp.asarray(betas, v.dtype)
            pt = _tempering(k, bool(dropout))
            n_chains = chains.walker.shape[0]
            keys = jax.random.split(key, n_chains)
            if dropout:
                step = jax.vmap(pt.step, in_axes=(0, 0, _Thinned(None, 0), None))
                new_chains, info = step(keys, chains, _Thinned(p, neg_mask), ladder)
            else:
                step = jax.vmap(pt.step, in_axes=(0, 0, None, None))
                new_chains, info = step(keys, chains, p, ladder)
            neg = new_chains.states.spins[:, -1, :v.shape[-1]].astype(v.dtype)
            metrics["swap_rate"] = (jnp.sum(info.swap_accepted)
                                    / jnp.maximum(jnp.sum(info.swap_attempted), 1.0))
            grads, ph_all, act = _difference_of_moments(p, v, neg, mask, neg_mask)
        if track:
            metrics["free_energy_gap"] = _free_energy_gap(p, v, neg, act, mask, neg_mask)
        return _add(grads, _penalty(p, l1, l2)), new_chains, metrics

    return fn


def _draw_probs(p: RBMParams, v: jax.Array, mask) -> jax.Array:
    """The (thinned) hidden probabilities of the batch, for the reconstruction metric."""
    ph = jax.nn.sigmoid(p.c + v @ p.W)
    return ph if mask is None else ph * mask


def init_chains(key: jax.Array, method: str, data: Any, n_chains: int, *,
                n_hidden: int | None = None, betas: Any = None) -> Any:
    """Initial persistent chains for ``grad_fn(method)``.

    "pcd" chains hold hidden states and start at h = 0, so their first visible states are drawn
    from p(v | h = 0), the base-rate model when b holds the data's log-odds (as :func:`fit`
    initialises it). "pt" chains are one tempering ladder each (a
    :class:`statmech.mcmc.PTState`), every rung holding a joint state (v, h) with v drawn from
    the data's pixel means and h = 0.

    Args:
      key: a ``jax.random.key``.
      method: a method of :data:`METHODS`.
      data: training data ``[n, nv]`` of 0/1 (its base rates seed the "pt" chains).
      n_chains: chains (ladders, for "pt"), >= 1.
      n_hidden: hidden units (methods "pcd" and "pt").
      betas: the PT ladder of :func:`grad_fn` (method "pt"; default 10 rungs in [0, 1]).

    Returns:
      ``()`` for "exact"/"cd", ``[n_chains, n_hidden]`` for "pcd", a ``PTState`` whose
      ``states.spins`` are int8 ``[n_chains, n_betas, nv + n_hidden]`` for "pt".

    Example:
      >>> import jax, jax.numpy as jnp
      >>> chains = init_chains(jax.random.key(0), "pt", jnp.ones((5, 3)), 4, n_hidden=2,
      ...                      betas=[0.5, 1.0])
      >>> chains.states.spins.shape
      (4, 2, 5)
      >>> init_chains(jax.random.key(0), "pcd", jnp.ones((5, 3)), 4, n_hidden=2).tolist()[0]
      [0.0, 0.0]
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    if method in ("exact", "cd"):
        return ()
    data = as_float(data)
    if n_hidden is None:
        raise ValueError(f"init_chains needs n_hidden for method {method!r} (chains hold hidden "
                         "units)")
    nh = check_static_int(n_hidden, "n_hidden", minimum=1)
    if method == "pcd":
        return jnp.zeros((n_chains, nh), data.dtype)
    ladder = _check_betas(betas)
    nv = data.shape[-1]
    probs = jnp.mean(data.reshape(-1, nv), axis=0)
    v = jax.random.bernoulli(key, jnp.broadcast_to(probs, (n_chains, len(ladder), nv)))
    x = jnp.concatenate([v, jnp.zeros((n_chains, len(ladder), nh), bool)], -1).astype(jnp.int8)
    pt = _tempering(1, False)
    return jax.vmap(lambda pos: pt.init(pos, ladder))(x)
