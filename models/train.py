"""One training loop for every energy-based model: compiled minibatch loops, optax, checkpoints.

A model supplies a *gradient function* ``grad_fn(key, params, chains, batch) -> (grads, chains,
metrics)``: the gradient of the loss it minimises (the negative log-likelihood or a surrogate
such as CD, PCD or pseudo-likelihood), the updated persistent sampler state (``()`` if it keeps
none) and a dict of scalar metrics. :func:`train` does the rest:

* each epoch visits the data in a fresh random order (``n // batch_size`` minibatches, the
  remainder dropped), drawn from the run key, so a run is a pure function of its key;
* the steps between two host visits (a *chunk*: by default whole epochs, at least 4096 steps,
  or ``checkpoint_every`` / ``monitor_every`` steps) run inside one jitted ``fori_loop`` whose
  trip count is a run-time value, so every chunk of a run is the same compiled program; the
  permutations of the epochs a chunk touches and every step's key are drawn before the loop;
* any optax transformation updates the parameters;
* a tqdm bar shows the chunk-mean metrics, and ``history`` keeps them;
* with ``checkpoint_dir`` the whole state (step, params, optimizer state, chains, key) is saved
  by orbax every ``checkpoint_every`` steps, atomically and with a SHA-256 digest, and a later
  call with the same directory resumes from the newest checkpoint after verifying it
  (:mod:`models.checkpoint`). Chunk boundaries depend only on the global step, so the
  resumed run executes exactly the same compiled steps on the same inputs as an uninterrupted
  one and ends with bit-identical parameters.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from models import checkpoint as _checkpoint
from models.checkpoint import CheckpointError, latest_checkpoint_step
from models.fitting import check_learning_rate, data_monitor, default_optimizer
from statmech.random import permutation
from statmech.validate import check_finite, check_static_int, is_concrete

__all__ = ["TrainState", "TrainResult", "train", "minibatch_count", "default_optimizer",
           "check_learning_rate", "data_monitor", "latest_checkpoint_step", "CheckpointError"]

GradFn = Callable[[jax.Array, Any, Any, jax.Array], tuple[Any, Any, dict]]

_DATA_STREAM, _GRAD_STREAM = 0, 1

_MIN_CHUNK = 4096
"""Default steps per host visit: whole epochs, at least this many steps when epochs are short
(fewer for large batches, so that a chunk's index table stays under _MAX_CHUNK_INDICES)."""

_MAX_CHUNK_INDICES = 1 << 22


class TrainState(NamedTuple):
    """Everything a run needs to continue (a pytree; what a checkpoint holds).

    Attributes:
      step: number of minibatch updates done, an int32 scalar.
      params: the model parameters.
      opt_state: the optax state.
      chains: persistent sampler state of the gradient function (``()`` if none).
      key: the run key as raw ``uint32`` key data (``jax.random.key_data``).
    """

    step: jax.Array
    params: Any
    opt_state: Any
    chains: Any
    key: jax.Array


class TrainResult(NamedTuple):
    """What :func:`train` returns.

    Attributes:
      params: the trained parameters (``state.params``).
      state: the final :class:`TrainState`.
      history: one dict per chunk run in this call: ``step``, the chunk-mean metrics and the
        monitor's values where it ran (plus a ``step`` 0 record of the monitor on a fresh start).
    """

    params: Any
    state: TrainState
    history: list


def minibatch_count(n_examples: int, batch_size: int) -> int:
    """Minibatches per epoch, ``n_examples // batch_size`` (the remainder is dropped).

    Example:
      >>> minibatch_count(1437, 10)
      143
    """
    return n_examples // batch_size


def _check_data(data: Any, batch_size: Any) -> tuple[jax.Array, int]:
    if not hasattr(data, "shape"):
        data = np.asarray(data)
    if jnp.ndim(data) < 1:
        raise ValueError("data must be an array [n_examples, ...], got a scalar")
    if not (jnp.issubdtype(data.dtype, jnp.floating) or jnp.issubdtype(data.dtype, jnp.integer)
            or data.dtype == bool):
        raise TypeError(f"data must be a real array, got dtype {data.dtype}")
    check_finite(data, "data")
    n = int(jnp.shape(data)[0])
    b = check_static_int(batch_size, "batch_size", minimum=1)
    if b > n:
        raise ValueError(f"batch_size must be <= the number of examples ({n}), got {b}")
    return jnp.asarray(data), b


def _key_data(key: Any) -> jax.Array:
    key = jnp.asarray(key) if not isinstance(key, jax.Array) else key
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise ValueError(f"key must be a single key, got shape {key.shape}")
        return jax.random.key_data(key)
    if key.dtype != jnp.uint32 or key.shape != (2,):
        raise TypeError("key must be a jax.random.key (or legacy uint32[2] PRNGKey), "
                        f"got dtype {key.dtype} and shape {key.shape}")
    return key


@functools.lru_cache(maxsize=64)
def _make_chunk(grad_fn: GradFn, optimizer: optax.GradientTransformation, batch_size: int,
                n_batches: int, capacity: int, options: tuple = ()) -> Callable:
    """The jitted ``(state, data, n_steps) -> (state, metric_sums)`` that runs n_steps updates.

    ``n_steps`` is a traced int32 in ``[1, capacity]``: every chunk of a run (full ones, the
    last partial one, those of a resumed run) executes the same compiled program, a
    ``fori_loop`` whose trip count is a run-time value. The metrics are summed over the steps.
    Cached on its (hashable) arguments, so repeated runs with the same gradient function and
    optimizer objects reuse the compiled program; ``options`` are XLA compiler options.
    """

    def chunk(state: TrainState, data: jax.Array, n_steps: jax.Array):
        key = jax.random.wrap_key_data(state.key)
        data_key = jax.random.fold_in(key, _DATA_STREAM)
        grad_key = jax.random.fold_in(key, _GRAD_STREAM)
        n = data.shape[0]
        # Every index a chunk of up to `capacity` steps can read, drawn before the loop: the
        # permutations of the (at most capacity // n_batches + 2) epochs it touches, then one
        # row of indices and one key per step.
        n_epochs = capacity // n_batches + 2
        first_epoch = state.step // n_batches
        epochs = first_epoch + jnp.arange(n_epochs, dtype=jnp.int32)
        orders = jax.vmap(lambda e: _permutation(jax.random.fold_in(data_key, e), n))(epochs)
        steps = state.step + jnp.arange(capacity, dtype=jnp.int32)
        cols = (steps % n_batches)[:, None] * batch_size + jnp.arange(batch_size)
        idx = orders[(steps // n_batches - first_epoch)[:, None], cols]      # [capacity, B]
        keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(grad_key, steps)
        metric_shapes = jax.eval_shape(grad_fn, keys[0], state.params, state.chains,
                                       data[:batch_size])[2]

        def body(i, carry):
            params, opt_state, chains, sums = carry
            batch = jnp.take(data, idx[i], axis=0)
            grads, chains, metrics = grad_fn(keys[i], params, chains, batch)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            sums = jax.tree.map(jnp.add, sums, metrics)
            return params, opt_state, chains, sums

        sums0 = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), metric_shapes)
        carry = (state.params, state.opt_state, state.chains, sums0)
        params, opt_state, chains, sums = jax.lax.fori_loop(0, n_steps, body, carry)
        new = TrainState(state.step + n_steps, params, opt_state, chains, state.key)
        return new, sums

    return jax.jit(chunk, compiler_options=dict(options) or None)


_SMALL_CPU_OPTIONS = (("xla_cpu_multi_thread_eigen", False),
                      ("xla_cpu_experimental_ynn_fusion_type", ""))
"""XLA:CPU options for small models: single-threaded matrix products emitted inline (tiled LLVM
IR GEMM) instead of library calls, which at a few thousand weights cost more to dispatch than
to compute (benchmarks/RESULTS.md, RBM training)."""

_SMALL_PARAMS = 1 << 16
"""Models with at most this many parameters (and batches of at most 256) get the small-model
options on the CPU backend."""


@functools.lru_cache(maxsize=1)
def _small_cpu_options_supported() -> bool:
    """Whether this jaxlib accepts :data:`_SMALL_CPU_OPTIONS` (option names change between
    XLA versions; without them the defaults are used)."""
    try:
        jax.jit(lambda x: x + 1, compiler_options=dict(_SMALL_CPU_OPTIONS)).lower(
            np.float32(0)).compile()
    except Exception:  # noqa: BLE001 - any rejection means "not supported here"
        return False
    return True


def _compiler_options(params: Any, batch_size: int) -> tuple:
    """XLA options for the training chunk: the small-model set on CPU for small models."""
    if jax.default_backend() != "cpu" or batch_size > 256:
        return ()
    if sum(int(np.size(x)) for x in jax.tree.leaves(params)) > _SMALL_PARAMS:
        return ()
    return _SMALL_CPU_OPTIONS if _small_cpu_options_supported() else ()


def _permutation(key: jax.Array, n: int) -> jax.Array:
    """A uniformly random permutation of ``range(n)`` (int32) drawn from ``key``: the
    single-sort permutation of :func:`statmech.random.permutation` keyed by three words of it
    (about 7x faster than ``jax.random.permutation`` at n = 1437 on XLA:CPU)."""
    return permutation(jax.random.bits(key, (3,), jnp.uint32), n)


def train(key: jax.Array, grad_fn: GradFn, params: Any, data: Any, *, batch_size: int,
          epochs: int | None = None, steps: int | None = None,
          optimizer: optax.GradientTransformation, chains: Any = (),
          monitor: Callable[[Any], dict] | None = None, monitor_every: int | None = None,
          checkpoint_dir: str | os.PathLike | None = None, checkpoint_every: int | None = None,
          config: dict | None = None, progress: bool = True) -> TrainResult:
    """Minimise a model's loss by minibatch gradient steps; deterministic given the key.

    theta_{t+1} = theta_t + optimizer(g_t),  g_t = grad_fn(key_t, theta_t, chains_t, batch_t),
    batch_t the t-th minibatch of a per-epoch permutation of ``data``.

    Args:
      key: a ``jax.random.key``; data order and every step's key derive from it.
      grad_fn: ``(key, params, chains, batch) -> (grads, chains, metrics)``, jit-traceable;
        ``grads`` has the structure of ``params``; ``metrics`` maps names to scalars.
      params: initial parameters (any pytree of arrays).
      data: training examples ``[n, ...]``, finite.
      batch_size: examples per minibatch, ``1 <= batch_size <= n``.
      epochs: passes over the data (``n // batch_size`` steps each); or give ``steps``.
      steps: total minibatch updates (instead of ``epochs``).
      optimizer: an optax ``GradientTransformation`` (``optax.sgd``, ``optax.adam``, ...).
      chains: initial persistent sampler state for ``grad_fn`` (default ``()``).
      monitor: optional ``params -> dict`` of floats, run on the host (e.g. exact
        log-likelihood on held-out data) every ``monitor_every`` steps and at the end.
      monitor_every: steps between monitor calls (default: whole epochs, >= 256 steps).
      checkpoint_dir: directory for orbax checkpoints; if it already holds one of this run, the
        run resumes from the newest.
      checkpoint_every: steps between checkpoints (default as ``monitor_every``); the final
        state is always saved.
      config: JSON-serialisable dict stored with each checkpoint (e.g. hyperparameters).
      progress: show a tqdm progress bar.

    Returns:
      ``TrainResult(params, state, history)``.

    Raises:
      ValueError: non-finite data, ``batch_size`` outside ``[1, n]``, neither or both of
        ``epochs`` / ``steps``, or a checkpoint from a different model shape.
      CheckpointError: (a ``ValueError``) the newest checkpoint in ``checkpoint_dir`` is
        unreadable or fails its SHA-256 digest (see :mod:`models.checkpoint`).

    Example:
      >>> import jax, jax.numpy as jnp, optax
      >>> data = jnp.arange(8.0)[:, None]
      >>> def grad_fn(key, p, chains, batch):   # least squares: the mean of the data
      ...     return p - jnp.mean(batch), chains, {"loss": jnp.mean((batch - p) ** 2)}
      >>> out = train(jax.random.key(0), grad_fn, jnp.zeros(()), data, batch_size=8,
      ...             epochs=30, optimizer=optax.sgd(0.5), progress=False)
      >>> round(float(out.params), 3)
      3.5

    References:
      H. Robbins and S. Monro, Ann. Math. Stat. 22, 400 (1951); optax (DeepMind, 2020);
      orbax-checkpoint (Google, 2023).
    """
    if not callable(grad_fn):
        raise TypeError(f"grad_fn must be callable, got {type(grad_fn).__name__}")
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError("optimizer must be an optax GradientTransformation (with init and "
                        f"update), got {type(optimizer).__name__}")
    data, batch_size = _check_data(data, batch_size)
    n = int(data.shape[0])
    n_batches = minibatch_count(n, batch_size)
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs and steps")
    if epochs is not None:
        total = check_static_int(epochs, "epochs", minimum=1) * n_batches
    else:
        total = check_static_int(steps, "steps", minimum=1)
    if checkpoint_every is not None and checkpoint_dir is None:
        raise ValueError("checkpoint_every needs a checkpoint_dir")
    default_chunk = n_batches * max(1, -(-min(_MIN_CHUNK, _MAX_CHUNK_INDICES // batch_size)
                                         // n_batches))
    mon_every = (check_static_int(monitor_every, "monitor_every", minimum=1)
                 if monitor_every is not None else default_chunk)
    ckpt_every = (check_static_int(checkpoint_every, "checkpoint_every", minimum=1)
                  if checkpoint_every is not None else mon_every)
    for leaf in jax.tree.leaves(params):
        if not is_concrete(leaf):
            raise TypeError("train is a host loop: params must be concrete arrays, not tracers")

    state = TrainState(jnp.asarray(0, jnp.int32), params, optimizer.init(params), chains,
                       _key_data(key))
    meta = {"params": _checkpoint.signature(params), "chains": _checkpoint.signature(chains),
            "opt_state": _checkpoint.signature(state.opt_state), "batch_size": batch_size,
            "data": list(data.shape), "config": config or {}}
    try:
        json.dumps(meta)
    except TypeError as err:
        raise TypeError(f"config must be JSON-serialisable: {err}") from None

    mngr = None
    if checkpoint_dir is not None:
        mngr = _checkpoint.manager(checkpoint_dir)
        last = mngr.latest_step()
        if last is not None:
            state = _checkpoint.restore(mngr, last, state, meta, checkpoint_dir)
            meta_step = int(state.step)
            if meta_step > total:
                raise ValueError(f"checkpoint_dir holds step {meta_step}, beyond this run's "
                                 f"{total} steps")

    every = min(mon_every, ckpt_every) if mngr is not None else mon_every
    run_chunk = _make_chunk(grad_fn, optimizer, batch_size, n_batches, min(every, total),
                            _compiler_options(params, batch_size))
    history: list[dict] = []
    step = int(state.step)
    if monitor is not None and step == 0:
        history.append({"step": 0, **_host(monitor(state.params))})
    bar = tqdm(total=total, initial=step, disable=not progress, unit="step", leave=False)
    try:
        while step < total:
            stop = min(_next_multiple(step, mon_every), total)
            if mngr is not None:
                stop = min(stop, _next_multiple(step, ckpt_every))
            state, sums = run_chunk(state, data, jnp.asarray(stop - step, jnp.int32))
            record = {"step": stop,
                      **{k: float(v) / (stop - step) for k, v in sums.items()}}
            step = stop
            if monitor is not None and (step % mon_every == 0 or step == total):
                record.update(_host(monitor(state.params)))
            history.append(record)
            if mngr is not None and (step % ckpt_every == 0 or step == total):
                _checkpoint.save(mngr, state, meta)
            bar.update(record["step"] - bar.n)
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k != "step"})
    finally:
        bar.close()
        if mngr is not None:
            mngr.close()
    return TrainResult(state.params, state, history)


def _next_multiple(step: int, every: int) -> int:
    return (step // every + 1) * every


def _host(values: dict) -> dict:
    if not isinstance(values, dict):
        raise TypeError(f"monitor must return a dict of floats, got {type(values).__name__}")
    return {k: float(v) for k, v in values.items()}

