"""Maximum-likelihood training of a neural energy with persistent chains of a gradient-informed
sampler, through :func:`models.train.train`.

d/dtheta [-ln p(x)] = dE(x)/dtheta - E_p[dE/dtheta]: the data term on the minibatch, the model
term on persistent chains (Tieleman 2008) advanced by ``k`` steps of Gibbs-with-Gradients or
DMALA per update. Dropout inside the network (train mode) draws a fresh mask per step for the
data and the chain energies alike; the sampler always sees the deterministic (eval-mode)
energy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from models import train as _train
from statmech import mcmc
from statmech.validate import check_static_int

__all__ = ["SAMPLERS", "energy_fn", "check_energy", "grad_fn", "fit", "NeuralFit"]

SAMPLERS = ("gwg", "dmala")
"""The chain kernels :func:`fit` can use."""


def energy_fn(module: nnx.Module, *, train: bool = False
              ) -> tuple[Callable[..., jax.Array], nnx.State]:
    """A module as ``(energy_fn, params)``: a pure function of an ordinary pytree.

    ``params`` is the module's ``nnx.Param`` state (``nnx.split``); ``energy_fn(params, x)``
    rebuilds the module around it (eval mode unless ``train``), so ``jax.grad``, ``jax.jit``
    and every ``statmech`` sampler or estimator apply unchanged. With ``train=True`` the
    function is ``energy_fn(params, x, key)``: dropout draws its mask from ``key``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from flax import nnx
      >>> from models.neural import MLPEnergy
      >>> fn, params = energy_fn(MLPEnergy(4, (8,), rngs=nnx.Rngs(0)))
      >>> jax.grad(lambda p: fn(p, jnp.ones(4)))(params)["bias"][...].tolist()
      [-1.0, -1.0, -1.0, -1.0]
    """
    if not isinstance(module, nnx.Module):
        raise TypeError(f"module must be a flax nnx.Module, got {type(module).__name__}")
    graphdef, params, rest = nnx.split(module, nnx.Param, ...)

    if not train:
        def fn(p, x):
            m = nnx.merge(graphdef, p, rest)
            m.eval()
            return m(x)
        return fn, params

    def fn_train(p, x, key):
        m = nnx.merge(graphdef, p, rest)
        m.train()
        return m(x, rngs=nnx.Rngs(dropout=key))

    return fn_train, params


def check_energy(module: nnx.Module, data: Any) -> np.ndarray:
    """The module's energies of the first (up to 8) examples, checked: binary data, one finite
    scalar per example (ValueError naming what is wrong)."""
    x = np.asarray(data, np.float32)
    shape = tuple(getattr(module, "input_shape", x.shape[1:]))
    if x.ndim < 1 + len(shape) or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"data must have shape [n, {', '.join(map(str, shape))}] for this "
                         f"module, got {x.shape}")
    values = np.unique(x)
    if not (set(values.tolist()) <= {0.0, 1.0} or set(values.tolist()) <= {-1.0, 1.0}):
        raise ValueError(f"data must be binary, all {{0, 1}} or all {{-1, +1}}, got values such "
                         f"as {values[:4].tolist()}")
    fn, params = energy_fn(module)
    head = x.reshape((-1,) + shape)[:8]
    e = np.asarray(fn(params, jnp.asarray(head)))
    if e.shape != (len(head),):
        raise ValueError(f"the module's energy must be one scalar per example: for "
                         f"{len(head)} examples it returned shape {e.shape}")
    if not np.all(np.isfinite(e)):
        raise ValueError(f"the module's energy is not finite on the data (e.g. {e[:3]})")
    return e


def _sampler(kind: str, fn: Callable, domain: tuple[int, int], step_size: float):
    if kind == "gwg":
        return mcmc.gibbs_with_gradients(fn, spins=domain)
    if kind == "dmala":
        return mcmc.dmala(fn, step_size, spins=domain)
    raise ValueError(f"sampler must be one of {list(SAMPLERS)}, got {kind!r}")


def grad_fn(module: nnx.Module, *, sampler: str = "gwg", k: int = 10,
            domain: tuple[int, int] = (0, 1), step_size: float = 0.5) -> Callable:
    """The persistent-chain ML gradient ``(key, params, chains, batch) -> (grads, chains,
    metrics)`` for :func:`models.train.train`; ``chains`` a batched ``SpinState``."""
    k = check_static_int(k, "k", minimum=1)
    fn, _ = energy_fn(module)
    fn_train, _ = energy_fn(module, train=True)
    algo = _sampler(sampler, fn, domain, step_size)

    def advance(key, chains, params):
        def one(c, kk):
            return jax.vmap(algo.step, in_axes=(0, 0, None, None))(
                jax.random.split(kk, c.spins.shape[0]), c, params, 1.0)[0], None
        return jax.lax.scan(one, chains, jax.random.split(key, k))[0]

    def gradient(key, params, chains, batch):
        k_chain, k_data, k_model = jax.random.split(key, 3)
        chains = advance(k_chain, chains, params)
        negatives = jax.lax.stop_gradient(chains.spins.astype(batch.dtype))

        def loss(p):
            return (jnp.mean(fn_train(p, batch, k_data))
                    - jnp.mean(fn_train(p, negatives, k_model)))

        value, grads = jax.value_and_grad(loss)(params)
        return grads, chains, {"energy_gap": value}

    return gradient


class NeuralFit(NamedTuple):
    """What :func:`fit` returns: the trained module, the chains and the training history."""

    module: nnx.Module
    chains: Any
    history: list


def fit(key: jax.Array, module: nnx.Module, data: Any, *, epochs: int, batch_size: int,
        optimizer: optax.GradientTransformation | None = None, learning_rate: float = 1e-3,
        sampler: str = "gwg", k: int = 10, n_chains: int | None = None,
        step_size: float = 0.5, monitor: Callable | None = None,
        monitor_every: int | None = None, checkpoint_dir: Any = None,
        checkpoint_every: int | None = None, progress: bool = False) -> NeuralFit:
    """Train a neural energy by maximum likelihood with persistent chains.

    Args:
      key: a ``jax.random.key``.
      module: an ``nnx.Module`` energy (updated in place with the trained parameters and
        returned).
      data: training examples [n, ...] (each of the module's input_shape), {0, 1} or +-1.
      epochs, batch_size: as :func:`models.train.train`.
      optimizer: any optax transformation (default ``optax.adam(learning_rate)``).
      learning_rate: the default optimizer's step (default 1e-3).
      sampler: "gwg" (default) or "dmala".
      k: sampler steps per update (default 10).
      n_chains: persistent chains (default ``batch_size``), started at data examples.
      step_size: DMALA's alpha (default 0.5).
      monitor, monitor_every, checkpoint_dir, checkpoint_every, progress: as
        :func:`models.train.train` (``monitor`` receives the params pytree).

    Returns:
      :class:`NeuralFit` ``(module, chains, history)``.

    References:
      T. Tieleman, ICML 2008 (persistent chains); W. Grathwohl et al., ICML 2021.
    """
    check_energy(module, data)
    x = jnp.asarray(data, jnp.float32)
    domain = (-1, 1) if float(jnp.min(x)) < 0 else (0, 1)
    n_chains = batch_size if n_chains is None else check_static_int(n_chains, "n_chains",
                                                                    minimum=1)
    if optimizer is None:
        optimizer = optax.adam(_train.check_learning_rate(learning_rate))
    gradient = grad_fn(module, sampler=sampler, k=k, domain=domain, step_size=step_size)
    _, params = energy_fn(module)
    start = x[jax.random.randint(jax.random.fold_in(key, 1), (n_chains,), 0, len(x))]
    chains = jax.vmap(mcmc.SpinState)(start.astype(jnp.int8))
    res = _train.train(key, gradient, params, x, batch_size=batch_size, epochs=epochs,
                       optimizer=optimizer, chains=chains, monitor=monitor,
                       monitor_every=monitor_every, checkpoint_dir=checkpoint_dir,
                       checkpoint_every=checkpoint_every, progress=progress)
    nnx.update(module, res.params)
    return NeuralFit(module, res.state.chains, res.history)
