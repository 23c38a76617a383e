"""``fit``: RBM training by (approximate) maximum likelihood through the one training loop.

:func:`fit_result` checks the data and settings, starts the parameters (visible biases at the
data's log-odds, Hinton's practical guide) and the persistent chains, and runs
:func:`models.train.train` with the gradient estimator of ``method``, the optimizer (default
:func:`models.train.default_optimizer`), optional monitors (exact, AIS or pseudo-likelihood)
and checkpoints. :func:`fit` returns the trained parameters only.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from models import train as _train
from models.rbm._ais import log_likelihood_ais
from models.rbm._model import (
    RBMParams,
    _base_rate,
    _check_exact_size,
    _check_params,
    _check_units,
    _free_energy,
    _log_z,
    init_params,
)
from models.rbm._monitor import _pseudo_ll
from models.rbm._train import grad_fn, init_chains
from statmech.validate import as_float, check_static_int, is_concrete

__all__ = ["fit", "fit_result"]


def _monitor(kind: str, data: jax.Array, test_data: jax.Array | None, key: jax.Array,
             ais_chains: int, ais_betas: int):
    """Exact or AIS log-likelihood (unless ``kind`` is "pl") and pseudo-log-likelihood."""
    metrics = {}
    if kind == "exact":
        metrics["ll"] = lambda p, x: (-jnp.mean(_free_energy(p, x))
                                      - _log_z(as_float(p), jnp.asarray(1.0, x.dtype)))
    elif kind == "ais":
        metrics["ll"] = lambda p, x: jnp.mean(log_likelihood_ais(
            key, p, x, n_chains=ais_chains, n_betas=ais_betas, data=data)[0])
    metrics["pl"] = lambda p, x: _pseudo_ll(as_float(p), x)
    return _train.data_monitor(data, test_data, **metrics)


def fit_result(key: jax.Array, data: Any, *, n_hidden: int, epochs: int, batch_size: int,
               learning_rate: float, method: str = "pcd", k: int = 1,
               optimizer: optax.GradientTransformation | None = None, dropout: float = 0.0,
               l1: float = 0.0, l2: float = 0.0, n_chains: int | None = None,
               betas: Any = None, init_scale: float = 0.01, params: RBMParams | None = None,
               test_data: Any = None, monitor: str | None = None,
               monitor_every: int | None = None, ais_chains: int = 100, ais_betas: int = 1000,
               checkpoint_dir: str | os.PathLike | None = None,
               checkpoint_every: int | None = None,
               progress: bool = False) -> _train.TrainResult:
    """:func:`fit` returning the whole :class:`models.train.TrainResult` (state and history).

    Same arguments as :func:`fit`; see there.

    Example:
      >>> import jax
      >>> from models.data import bars_and_stripes
      >>> out = fit_result(jax.random.key(0), bars_and_stripes(3), n_hidden=4, epochs=2,
      ...                  batch_size=7, learning_rate=0.1, monitor="exact")
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
    learning_rate = _train.check_learning_rate(learning_rate)
    if monitor not in (None, "exact", "ais", "pl"):
        raise ValueError(f"monitor must be None, 'exact', 'ais' or 'pl', got {monitor!r}")
    if method == "exact" or monitor == "exact":
        _check_exact_size(nv, nh)
    test = None
    if test_data is not None:
        test_arr = np.asarray(test_data)
        _check_units(test_arr, nv, "test_data", "data.shape[1]")
        test = as_float(test_arr.reshape(-1, nv))
    fn = grad_fn(method, k=k, dropout=dropout, l1=l1, l2=l2, betas=betas, track=progress)
    k_init, k_chains, k_train, k_mon = jax.random.split(key, 4)
    x = as_float(data_arr)
    if params is None:
        p0 = init_params(k_init, nv, nh, scale=init_scale)
        p0 = RBMParams(p0.W, _base_rate(x).astype(p0.W.dtype), p0.c)
    else:
        pv, ph = _check_params(params)
        if (pv, ph) != (nv, nh):
            raise ValueError(f"params have shape (nv, nh) = ({pv}, {ph}), but data has "
                             f"{nv} visible units and n_hidden = {nh}")
        p0 = as_float(params)
    chains = init_chains(k_chains, method, x, n_chains or b, n_hidden=nh, betas=betas)
    opt = optimizer if optimizer is not None else _train.default_optimizer(float(learning_rate))
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
      optimizer: any optax transformation (default
        :func:`models.train.default_optimizer` of ``learning_rate``).
      dropout: hidden-unit dropout probability in [0, 1).
      **options: ``l1``, ``l2``, ``n_chains`` (default ``batch_size``), ``betas`` (PT ladder),
        ``init_scale``, ``params`` (warm start), ``test_data``, ``monitor`` ("exact", "ais",
        "pl" or None), ``monitor_every``, ``ais_chains``, ``ais_betas``, ``checkpoint_dir``,
        ``checkpoint_every``, ``progress`` (default False; the command line turns it on) — as
        in :func:`fit_result`.

    Returns:
      The trained ``RBMParams``.

    Example:
      >>> import jax
      >>> from models.data import bars_and_stripes
      >>> from models.rbm import log_likelihood
      >>> x = bars_and_stripes(3)
      >>> p = fit(jax.random.key(0), x, n_hidden=8, epochs=300, batch_size=14,
      ...         learning_rate=2.0, method="exact")
      >>> bool(log_likelihood(p, x) > -3.0)     # the optimum is -ln 14 = -2.64
      True

    References:
      G. E. Hinton, Neural Computation 14, 1771 (2002); T. Tieleman, ICML (2008);
      G. Desjardins et al., AISTATS (2010); N. Srivastava et al., JMLR 15, 1929 (2014).
    """
    return fit_result(key, data, n_hidden=n_hidden, epochs=epochs, batch_size=batch_size,
                      learning_rate=learning_rate, method=method, k=k, optimizer=optimizer,
                      dropout=dropout, **options).params
