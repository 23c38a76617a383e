"""``fit``: Boltzmann-machine training through the one training loop.

:func:`fit_result` checks the data and settings, starts the parameters and the persistent
chains, and runs :func:`models.train.train` with the gradient estimator of ``method`` and the
optimizer (default :func:`models.train.default_optimizer`); the estimator and the default
optimizer are cached objects, so a repeated fit with the same shapes reuses the compiled loop.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from models import train as _train
from models.boltzmann._model import (
    BoltzmannParams,
    _check_params,
    init_params,
    log_likelihood,
)
from models.boltzmann._sampling import _check_exact_n
from models.boltzmann._train import METHODS, _pseudo_ll, grad_fn, init_chains
from statmech.validate import (
    as_float,
    check_binary_units,
    check_static_int,
    float_dtype,
)

__all__ = ["fit", "fit_result"]


def _check_data(data: Any, name: str = "data") -> int:
    """A 2-D [n_samples, n] array of 0/1 (concrete); returns n."""
    shape = tuple(jnp.shape(data))
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{name} must be a 2-D array [n_samples, n] with n_samples, n >= 1, "
                         f"got shape {shape}")
    check_binary_units(data, shape[1], name, "n units")
    return shape[1]


def fit_result(key: jax.Array, data: Any, *, method: str = "exact", epochs: int,
               batch_size: int, learning_rate: float | None = None, optimizer: Any = None,
               l2: Any = 0.0, n_chains: int = 100, k: int = 1,
               params: BoltzmannParams | None = None, init_scale: float = 0.01,
               test_data: Any = None, monitor: str | None = None,
               monitor_every: int | None = None,
               checkpoint_dir: str | os.PathLike | None = None,
               checkpoint_every: int | None = None,
               progress: bool = False) -> _train.TrainResult:
    """:func:`fit` returning the whole :class:`models.train.TrainResult` (state and history).

    Same arguments as :func:`fit`, plus ``test_data`` ([m, n] of 0/1), ``monitor`` (None,
    "exact" (n <= 20) or "pl": train/test log-likelihood or pseudo-log-likelihood in the
    history every ``monitor_every`` steps), ``checkpoint_dir`` and ``checkpoint_every``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> x = jnp.array([[1, 1, 0], [1, 1, 1], [0, 0, 0], [1, 1, 0]])
      >>> out = fit_result(jax.random.key(0), x, epochs=3, batch_size=2, learning_rate=0.1,
      ...                  monitor="exact")
      >>> int(out.state.step), sorted(out.history[-1])
      (6, ['nll', 'step', 'train_ll', 'train_pl'])
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not hasattr(data, "shape"):
        data = np.asarray(data)
    n = _check_data(data)
    n_samples = int(jnp.shape(data)[0])
    epochs = check_static_int(epochs, "epochs", minimum=1)
    batch_size = check_static_int(batch_size, "batch_size", minimum=1)
    if batch_size > n_samples:
        raise ValueError(f"batch_size must be <= the number of samples ({n_samples}), got "
                         f"batch_size={batch_size}")
    if monitor not in (None, "exact", "pl"):
        raise ValueError(f"monitor must be None, 'exact' or 'pl', got {monitor!r}")
    if method == "exact" or monitor == "exact":
        _check_exact_n(n, f"{'method' if method == 'exact' else 'monitor'}='exact'")
    if optimizer is None:
        if learning_rate is None:
            raise ValueError("learning_rate is required when no optimizer is given")
        optimizer = _train.default_optimizer(learning_rate)
    fn = grad_fn(method, k=k, l2=l2)
    k_init, k_chains, k_train = jax.random.split(key, 3)
    if params is None:
        params = init_params(k_init, n, init_scale)
    else:
        n_params = _check_params(params)
        if n_params != n:
            raise ValueError(f"data has {n} units per sample (shape {tuple(jnp.shape(data))}) "
                             f"but params has n = {n_params}")
        params = as_float(params)
    x = jnp.asarray(data)
    chains = init_chains(k_chains, method, x, check_static_int(n_chains, "n_chains", minimum=1))
    test = None
    if test_data is not None:
        if _check_data(test_data, "test_data") != n:
            raise ValueError(f"test_data must have shape [m, {n}] (data.shape[1]), got shape "
                             f"{tuple(jnp.shape(test_data))}")
        test = jnp.asarray(test_data).astype(float_dtype())
    metrics = {"ll": log_likelihood} if monitor == "exact" else {}
    mon = None if monitor is None else _train.data_monitor(
        x.astype(float_dtype()), test, **metrics, pl=_pseudo_ll)
    config = {"model": "boltzmann", "n_units": n, "method": method, "k": k,
              "l2": float(np.asarray(l2))}
    return _train.train(k_train, fn, params, x, batch_size=batch_size, epochs=epochs,
                        optimizer=optimizer, chains=chains, monitor=mon,
                        monitor_every=monitor_every, checkpoint_dir=checkpoint_dir,
                        checkpoint_every=checkpoint_every, config=config, progress=progress)


def fit(key: jax.Array, data: Any, *, method: str = "exact", epochs: int,
        batch_size: int, learning_rate: float | None = None, optimizer: Any = None,
        l2: Any = 0.0, n_chains: int = 100, k: int = 1, params: BoltzmannParams | None = None,
        init_scale: float = 0.01, **options: Any) -> BoltzmannParams:
    """Fit a fully-visible Boltzmann machine to binary data with :func:`models.train.train`.

    Minimises -(1/B) sum_k ln p(x_k) + (l2 / 2) sum_{i != j} W_ij^2 by minibatch steps, the
    gradient from exact enumeration (``"exact"``, n <= 20), the pseudo-likelihood surrogate
    (``"pl"``) or persistent contrastive divergence (``"pcd"``: ``n_chains`` chains, ``k`` Gibbs
    sweeps per step); see :func:`grad_fn`.

    Args:
      key: a ``jax.random.key`` (initial parameters, chains and minibatch order).
      data: ``[n_samples, n]`` array of 0/1.
      method: ``"exact"``, ``"pl"`` or ``"pcd"``.
      epochs: passes over the data, an int >= 1 (the remainder of each epoch is dropped).
      batch_size: samples per step, 1 <= batch_size <= n_samples.
      learning_rate: the step of the default optimizer
        (:func:`models.train.default_optimizer`); required unless ``optimizer`` is given.
      optimizer: an ``optax.GradientTransformation`` (overrides ``learning_rate``).
      l2: weight decay on the couplings, a finite scalar >= 0.
      n_chains: persistent chains for ``"pcd"``.
      k: Gibbs sweeps per step for ``"pcd"``.
      params: starting parameters (default :func:`init_params` with ``init_scale``).
      init_scale: standard deviation of the random initial couplings.
      **options: ``test_data``, ``monitor``, ``monitor_every``, ``checkpoint_dir``,
        ``checkpoint_every``, ``progress`` (default False) — as in :func:`fit_result`.

    Returns:
      The fitted ``BoltzmannParams(W [n, n], b [n])``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from models.boltzmann import sample_exact
      >>> planted = BoltzmannParams(jnp.array([[0.0, 1.5], [1.5, 0.0]]), jnp.array([-1.0, -1.0]))
      >>> data = sample_exact(jax.random.key(0), planted, 4000)
      >>> p = fit(jax.random.key(1), data, epochs=30, batch_size=400, learning_rate=5.0)
      >>> bool(abs(p.W[0, 1] - 1.5) < 0.2), bool(jnp.all(abs(p.b + 1.0) < 0.2))
      (True, True)

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985);
      J. Besag (1975); T. Tieleman, ICML (2008).
    """
    return fit_result(key, data, method=method, epochs=epochs, batch_size=batch_size,
                      learning_rate=learning_rate, optimizer=optimizer, l2=l2,
                      n_chains=n_chains, k=k, params=params, init_scale=init_scale,
                      **options).params
