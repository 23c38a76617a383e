"""What every model's ``fit`` shares around :func:`models.train.train`: the default optimizer,
the learning-rate check and the train/test monitor. Re-exported by :mod:`models.train`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import optax

from statmech.validate import is_concrete

__all__ = ["DEFAULT_MOMENTUM", "default_optimizer", "check_learning_rate", "data_monitor"]


DEFAULT_MOMENTUM = 0.5
"""Momentum of :func:`default_optimizer`."""


def default_optimizer(learning_rate: float) -> optax.GradientTransformation:
    """The optimizer every model's ``fit`` uses unless given one: SGD with momentum 0.5 whose
    *effective* step is ``learning_rate``.

    theta <- theta + v,  v <- 0.5 v - (1 - 0.5) learning_rate g, i.e.
    ``optax.sgd((1 - 0.5) * learning_rate, momentum=0.5)``: on a slowly varying gradient the
    step is learning_rate g, as plain SGD with the same rate (scikit-learn's ``BernoulliRBM``),
    with the noise of minibatch and sampled gradients averaged over about two steps. So the
    learning rate a user would give scikit-learn means the same here. Chosen by measurement
    over learning rates 0.005-0.1, batches 10-100 and 16 or 100 hidden units on digits (PCD-1,
    30 epochs): within noise of scikit-learn's held-out likelihood or above it in all 30
    settings and strictly above in 23, where momentum 0.9 at the same nominal rate (an
    effective step 10x larger) and Adam each fell below in 7-12 (benchmarks/RESULTS.md,
    "Default optimizer"). One object per learning rate, so repeated fits reuse the compiled
    training loop.

    Args:
      learning_rate: the effective step, a finite float > 0.

    Returns:
      An ``optax.GradientTransformation``.

    Example:
      >>> opt = default_optimizer(0.05)
      >>> opt is default_optimizer(0.05)
      True

    References:
      B. T. Polyak, USSR Comp. Math. and Math. Phys. 4, 1 (1964); I. Sutskever et al., ICML
      (2013) (momentum in deep learning).
    """
    return _default_optimizer(check_learning_rate(learning_rate))


@functools.lru_cache(maxsize=64)
def _default_optimizer(learning_rate: float) -> optax.GradientTransformation:
    return optax.sgd((1.0 - DEFAULT_MOMENTUM) * learning_rate, momentum=DEFAULT_MOMENTUM)


def check_learning_rate(learning_rate: Any) -> float:
    """A learning rate: a finite number > 0 (not a bool; a concrete 0-d array is accepted);
    returns it as a Python float.

    Example:
      >>> check_learning_rate(0.05)
      0.05
    """
    ok = not isinstance(learning_rate, (bool, np.bool_)) and is_concrete(learning_rate)
    try:
        value = float(np.asarray(learning_rate)) if ok and np.ndim(learning_rate) == 0 else None
    except (TypeError, ValueError):
        value = None
    if value is None or not (np.isfinite(value) and value > 0):
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    return value


def data_monitor(data: Any, test_data: Any = None,
                 **metrics: Callable[[Any, Any], Any]) -> Callable[[Any], dict]:
    """A ``monitor`` for :func:`train`: each metric on the training and (if given) test data.

    monitor(params) = {"train_<name>": metric(params, data), "test_<name>": metric(params,
    test_data), ...} as floats, the metrics in the order given, the training split first.

    Args:
      data: the training examples.
      test_data: held-out examples, or None.
      **metrics: ``name=fn(params, x) -> scalar``.

    Returns:
      ``monitor(params) -> dict`` of floats.

    Example:
      >>> import jax.numpy as jnp
      >>> mon = data_monitor(jnp.ones(3), jnp.zeros(2), mean=lambda p, x: p * jnp.mean(x))
      >>> mon(2.0)
      {'train_mean': 2.0, 'test_mean': 0.0}
    """

    def monitor(params):
        out = {}
        for split, x in (("train", data), ("test", test_data)):
            if x is not None:
                out.update({f"{split}_{name}": float(fn(params, x))
                            for name, fn in metrics.items()})
        return out

    return monitor
