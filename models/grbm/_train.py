"""Training the Gaussian-Bernoulli RBM: gradient estimators and ``fit``.

The gradient of the
mean negative log-likelihood is <dF/dtheta>_data - <dF/dtheta>_model; the estimators differ in
where the model term comes from: exact enumeration of the 2**nh hidden states (``"exact"``), k
block-Gibbs sweeps started at the batch (CD-k, Hinton 2002) or persistent chains (PCD,
Tieleman 2008). :func:`grad_fn` returns a gradient function for :func:`models.train.train`;
:func:`fit` and :func:`fit_result` run the whole loop with an optax optimizer.
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
from models.grbm._gibbs import _gibbs_chain, _hidden_probs, _visible_mean
from models.grbm._init import _check_data, init_from_data
from models.grbm._model import (
    GaussianRBMParams,
    _check_exact_size,
    _check_params,
    _free_energy,
    _log_likelihood,
)
from statmech.validate import as_float, check_key, check_static_int, is_concrete

__all__ = [
    "METHODS",
    "grad_fn",
    "init_chains",
    "fit",
    "fit_result",
]

# ------------------------------------------------------------------------------------------------
# gradient estimators: grad_fn(key, params, chains, batch) -> (grads, chains, metrics)

METHODS = ("exact", "cd", "pcd")
"""Gradient estimators of :func:`grad_fn` and :func:`fit`: exact enumeration, CD-k, PCD-k."""


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _contrastive(params: GaussianRBMParams, batch: jax.Array,
                 negatives: jax.Array) -> tuple[GaussianRBMParams, dict]:
    """d/dtheta [mean F(batch) - mean F(negatives)], the negatives held fixed."""
    negatives = jax.lax.stop_gradient(negatives)

    def loss(p):
        return jnp.mean(_free_energy(p, batch)) - jnp.mean(_free_energy(p, negatives))

    gap, grads = jax.value_and_grad(loss)(params)
    recon = _visible_mean(params, _hidden_probs(params, batch))
    metrics = {"recon": jnp.mean((batch - recon) ** 2), "free_energy_gap": gap}
    return grads, metrics


def grad_fn(method: str = "pcd", *, k: int = 1, learn_sigma: bool = True):
    """The gradient function of a Gaussian-RBM training method, for :func:`models.train.train`.

    g = <dF/dtheta>_data - <dF/dtheta>_model, the gradient of the mean negative log-likelihood
    (to minimise). "cd"/"pcd" take it as the autodiff of mean F(v_data) - mean F(v_model) with
    the model samples under stop_gradient, so the data term uses the exact p(h | v).

    Args:
      method: "exact" (autodiff of -:func:`~models.grbm.log_likelihood`, ln Z over all
        2**nh hidden states; nh <= ``MAX_EXACT_HIDDEN``, cheap to about 16), "cd" (CD-k: k
        Gibbs sweeps started at the batch) or "pcd" (persistent chains, k sweeps per step;
        Tieleman 2008).
      k: Gibbs sweeps per step, an int >= 1 (unused by "exact").
      learn_sigma: if False, the ``log_sigma`` gradient is zero, so sigma keeps its initial
        value (e.g. 1 for standardised data, as in Hinton's practical guide).

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)``, jit-compiled (and
      shared between calls with equal ``method`` and ``k``); ``chains`` is ``()`` for "exact"
      and "cd" and ``v [n_chains, nv]`` for "pcd" (see :func:`init_chains`). Metrics: "nll"
      (the batch's negative mean log-likelihood) for "exact"; "recon" (mean squared error of
      the mean-field reconstruction b + W p(h | v)) and "free_energy_gap" (mean F(data) - mean
      F(samples)) for "cd" and "pcd".

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from models.grbm import init_params
      >>> p = init_params(jax.random.key(0), 3, 2)
      >>> grads, _, metrics = grad_fn("cd", k=1)(jax.random.key(1), p, (), jnp.ones((4, 3)))
      >>> grads.W.shape, sorted(metrics)
      ((3, 2), ['free_energy_gap', 'recon'])

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002) (CD); T. Tieleman, ICML (2008) (PCD);
      Cho, Ilin and Raiko, ICANN (2011) (Gaussian-Bernoulli RBM).
    """
    method = _check_method(method)
    k = check_static_int(k, "k", minimum=1)
    if not isinstance(learn_sigma, (bool, np.bool_)):
        raise TypeError(f"learn_sigma must be a bool, got {type(learn_sigma).__name__}")
    return _grad_fn(method, 1 if method == "exact" else k, bool(learn_sigma))


@functools.cache
def _grad_fn(method: str, k: int, learn_sigma: bool):
    """The jitted gradient function (cached: equal settings share one object, so its
    compilations, and models.train's, are reused)."""
    if not learn_sigma:
        core = _grad_fn(method, k, True)

        def fixed_sigma(key, params, chains, batch):
            grads, chains, metrics = core(key, params, chains, batch)
            return grads._replace(log_sigma=jnp.zeros_like(grads.log_sigma)), chains, metrics

        return fixed_sigma
    if method == "exact":
        def fn(key, params, chains, batch):
            del key
            batch = as_float(batch)
            nll, grads = jax.value_and_grad(lambda p: -_log_likelihood(p, batch))(params)
            return grads, chains, {"nll": nll}
    elif method == "cd":
        def fn(key, params, chains, batch):
            batch = as_float(batch)
            grads, metrics = _contrastive(params, batch, _gibbs_chain(key, params, batch, k))
            return grads, chains, metrics
    else:
        def fn(key, params, chains, batch):
            chains = _gibbs_chain(key, params, chains, k)
            grads, metrics = _contrastive(params, as_float(batch), chains)
            return grads, chains, metrics

    return jax.jit(fn)


def init_chains(key: jax.Array, method: str, data: Any, n_chains: int) -> Any:
    """Initial persistent chains for ``grad_fn(method)``: random rows of the data.

    Args:
      key: a ``jax.random.key``.
      method: a method of :data:`METHODS`.
      data: training data ``[n, nv]``, real and finite.
      n_chains: number of chains, an int >= 1 (rows are drawn with replacement if > n).

    Returns:
      ``()`` for "exact" and "cd"; ``v [n_chains, nv]`` for "pcd".

    Example:
      >>> import jax, jax.numpy as jnp
      >>> init_chains(jax.random.key(0), "pcd", jnp.full((6, 3), 2.0), 4).shape
      (4, 3)
      >>> init_chains(jax.random.key(0), "cd", jnp.ones((6, 3)), 4)
      ()

    References:
      Tieleman, ICML (2008).
    """
    check_key(key)
    method = _check_method(method)
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    data = _check_data(data)
    if method != "pcd":
        return ()
    n = data.shape[0]
    rows = jax.random.choice(key, n, (n_chains,), replace=n_chains > n)
    return data[rows]


def fit_result(key: jax.Array, data: Any, *, n_hidden: int, epochs: int, batch_size: int,
               learning_rate: float, method: str = "pcd", k: int = 1,
               optimizer: optax.GradientTransformation | None = None, learn_sigma: bool = True,
               n_chains: int | None = None, init_scale: float = 0.01,
               params: GaussianRBMParams | None = None, test_data: Any = None,
               monitor: str | None = None, monitor_every: int | None = None,
               checkpoint_dir: str | os.PathLike | None = None,
               checkpoint_every: int | None = None,
               progress: bool = False) -> _train.TrainResult:
    """:func:`fit` returning the whole :class:`models.train.TrainResult` (state and history).

    Same arguments as :func:`fit`; see there. Raises ``FloatingPointError`` if the parameters
    become non-finite (the run diverged) instead of returning them.

    Example:
      >>> import jax, numpy as np
      >>> rng = np.random.default_rng(0)
      >>> x = 3.0 * (rng.integers(0, 2, size=(400, 1)) - 0.5) + 0.3 * rng.normal(size=(400, 3))
      >>> out = fit_result(jax.random.key(0), x, n_hidden=2, epochs=12, batch_size=20,
      ...                  learning_rate=0.01, method="exact", progress=False)
      >>> int(out.state.step), sorted(out.history[-1])
      (240, ['nll', 'step'])
    """
    if not is_concrete(data):
        raise TypeError("fit is a host loop: data must be a concrete array, not a tracer")
    x = _check_data(data)
    n, nv = x.shape
    nh = check_static_int(n_hidden, "n_hidden", minimum=1)
    b = check_static_int(batch_size, "batch_size", minimum=1)
    if b > n:
        raise ValueError(f"batch_size must be <= the number of examples ({n}), got {b}")
    check_static_int(epochs, "epochs", minimum=1)
    learning_rate = _train.check_learning_rate(learning_rate)
    method = _check_method(method)
    if monitor not in (None, "exact"):
        raise ValueError(f"monitor must be None or 'exact', got {monitor!r}")
    if method == "exact" or monitor == "exact":
        _check_exact_size(nh)
    test = None
    if test_data is not None:
        test = _check_data(test_data, "test_data")
        if test.shape[1] != nv:
            raise ValueError(f"test_data must have shape [m, {nv}] (data.shape[1]), got shape "
                             f"{test.shape}")
    fn = grad_fn(method, k=k, learn_sigma=learn_sigma)
    k_init, k_chains, k_train = jax.random.split(key, 3)
    if params is None:
        p0 = init_from_data(k_init, x, nh, scale=init_scale)
    else:
        shape = _check_params(params)
        if shape != (nv, nh):
            raise ValueError(f"params have shape (nv, nh) = {shape}, but data has {nv} visible "
                             f"units and n_hidden = {nh}")
        p0 = as_float(params)
    chains = init_chains(k_chains, method, x, b if n_chains is None else n_chains)
    opt = optimizer if optimizer is not None else _train.default_optimizer(float(learning_rate))
    mon = None if monitor is None else _train.data_monitor(x, test, ll=_log_likelihood)
    config = {"model": "grbm", "n_visible": nv, "n_hidden": nh, "method": method, "k": k,
              "learn_sigma": bool(learn_sigma), "learning_rate": float(learning_rate)}
    out = _train.train(k_train, fn, p0, x, batch_size=b, epochs=epochs, optimizer=opt,
                       chains=chains, monitor=mon, monitor_every=monitor_every,
                       checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every,
                       config=config, progress=progress)
    bad = [name for name, value in zip(GaussianRBMParams._fields, out.params, strict=True)
           if not np.isfinite(np.asarray(value)).all()]
    if bad:
        raise FloatingPointError(
            f"training diverged: params.{', params.'.join(bad)} are not finite after "
            f"{int(out.state.step)} steps (a shrinking sigma scales the gradients by "
            "1/sigma^2); lower learning_rate, clip the gradients (e.g. optimizer=optax.chain("
            "optax.clip_by_global_norm(1.0), optax.sgd(...))) or pass learn_sigma=False")
    return out


def fit(key: jax.Array, data: Any, *, n_hidden: int, epochs: int, batch_size: int,
        learning_rate: float, method: str = "pcd", k: int = 1,
        optimizer: optax.GradientTransformation | None = None, learn_sigma: bool = True,
        **options: Any) -> GaussianRBMParams:
    """Train a Gaussian-Bernoulli RBM on real-valued data by (approximate) maximum likelihood.

    theta <- optimizer(<dF/dtheta>_data - <dF/dtheta>_model), minibatches of a fresh
    permutation each epoch, the model term from ``method`` (see :func:`grad_fn`). The start is
    :func:`~models.grbm.init_from_data`: W ~ N(0, init_scale^2), c = 0, b and sigma the data's
    per-unit mean and standard deviation (so training begins at the best independent-Gaussian
    fit); PCD chains start at random data rows.

    Args:
      key: a ``jax.random.key``; the run is a deterministic function of it.
      data: training data ``[n, nv]``, real and finite (standardising each unit helps).
      n_hidden: hidden units, >= 1.
      epochs: passes over the data.
      batch_size: examples per step, in [1, n].
      learning_rate: step size of the default optimizer, > 0.
      method: "pcd" (default), "cd" or "exact".
      k: Gibbs sweeps per step.
      optimizer: any optax transformation (default
        :func:`models.train.default_optimizer` of ``learning_rate``).
      learn_sigma: learn the standard deviations (default) or keep the initial ones.
      **options: ``n_chains`` (default ``batch_size``), ``init_scale`` (0.01), ``params`` (warm
        start), ``test_data``, ``monitor`` ("exact" or None: exact train/test log-likelihood in
        the history), ``monitor_every``, ``checkpoint_dir``, ``checkpoint_every``,
        ``progress`` (default False) — as in :func:`fit_result`.

    Returns:
      The trained ``GaussianRBMParams``.

    Example:
      >>> import jax, numpy as np
      >>> from models.grbm import init_from_data, log_likelihood
      >>> rng = np.random.default_rng(0)                          # two clusters in 3-d
      >>> x = 3.0 * (rng.integers(0, 2, size=(400, 1)) - 0.5) + 0.3 * rng.normal(size=(400, 3))
      >>> p0 = init_from_data(jax.random.key(1), x, 2, scale=0.1)   # b, sigma from the data
      >>> p = fit(jax.random.key(0), x, n_hidden=2, epochs=24, batch_size=20,
      ...         learning_rate=0.1, method="exact", params=p0)
      >>> bool(log_likelihood(p, x) > log_likelihood(p0, x) + 1.0)
      True

    References:
      G. E. Hinton and R. Salakhutdinov, Science 313, 504 (2006); Cho, Ilin and Raiko,
      ICANN (2011); T. Tieleman, ICML (2008).
    """
    return fit_result(key, data, n_hidden=n_hidden, epochs=epochs, batch_size=batch_size,
                      learning_rate=learning_rate, method=method, k=k, optimizer=optimizer,
                      learn_sigma=learn_sigma, **options).params
