"""Crash-safe checkpoints of a training run: orbax writes, integrity digests, clear errors.

A checkpoint is one step directory written by orbax-checkpoint: the whole
:class:`models.train.TrainState` (step, parameters, optimizer state, sampler chains and key) as
one item, and a JSON ``meta`` item with the signatures (shape and dtype of every leaf) of the
parameters, chains and optimizer state, the batch size, the data shape, the run's ``config``
and a SHA-256 ``digest`` of the state's bytes.

* **Atomic.** orbax writes a step into a temporary directory and renames it into place when
  every file is complete (``CheckpointManager``; synchronous here). A process killed at any
  point leaves either the previous checkpoints or the new complete one; unfinished temporary
  directories are never read.
* **Verified.** :func:`restore` checks the signatures against the run that resumes (a different
  model shape, batch size or data shape is a ``ValueError``), reads the state, and recomputes
  the digest. A checkpoint that cannot be read (truncated, missing files, broken JSON) or whose
  bytes do not match the digest raises :class:`CheckpointError`, a ``ValueError`` naming the
  directory, the step and what is wrong, instead of an exception from deep inside orbax or a
  silent load of damaged numbers.

Re-exported by :mod:`models.train`.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["CheckpointError", "latest_checkpoint_step", "state_digest"]

_SIGNATURE_FIELDS = (("params", "model shape"), ("chains", "sampler chains"),
                     ("opt_state", "optimizer state"), ("batch_size", "batch_size"),
                     ("data", "data shape"))


class CheckpointError(ValueError):
    """A checkpoint that cannot be restored: unreadable, truncated or failing its digest."""


def signature(tree: Any) -> list:
    """Shape and dtype of every leaf, in tree order (compared on resume)."""
    return [[list(np.shape(x)), str(jnp.asarray(x).dtype)] for x in jax.tree.leaves(tree)]


def state_digest(tree: Any) -> str:
    """SHA-256 of every leaf's shape, dtype and bytes, in tree order (hex string).

    Keys are hashed through their key data. Two states with equal digests are bit-identical.

    Example:
      >>> import jax.numpy as jnp
      >>> state_digest({"a": jnp.zeros(2)}) == state_digest({"b": jnp.zeros(2)})
      True
      >>> state_digest(jnp.zeros(2)) == state_digest(jnp.zeros(3))
      False
    """
    h = hashlib.sha256()
    for leaf in jax.tree.leaves(tree):
        if jnp.issubdtype(jnp.asarray(leaf).dtype, jax.dtypes.prng_key):
            leaf = jax.random.key_data(leaf)
        arr = np.ascontiguousarray(np.asarray(leaf))
        h.update(f"{arr.shape}|{arr.dtype.str}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def manager(checkpoint_dir: str | os.PathLike, read_only: bool = False):
    """An orbax ``CheckpointManager`` for a run: synchronous, atomic, the newest two kept."""
    import orbax.checkpoint as ocp

    options = ocp.CheckpointManagerOptions(
        max_to_keep=2, enable_async_checkpointing=False, create=not read_only,
        read_only=read_only)
    return ocp.CheckpointManager(os.path.abspath(checkpoint_dir), options=options,
                                 item_names=("state", "meta"))


def latest_checkpoint_step(checkpoint_dir: str | os.PathLike) -> int | None:
    """The newest complete checkpoint step in a directory written by :func:`models.train.train`,
    or None when there is none.

    Example:
      >>> latest_checkpoint_step("/nonexistent/run") is None
      True
    """
    if not os.path.isdir(checkpoint_dir):
        return None
    with manager(checkpoint_dir, read_only=True) as mngr:
        return mngr.latest_step()


def save(mngr, state: Any, meta: dict) -> None:
    """Write ``state`` with ``meta`` (plus the state's digest) at step ``state.step``."""
    import orbax.checkpoint as ocp

    meta = {**meta, "digest": state_digest(state)}
    mngr.save(int(state.step), args=ocp.args.Composite(
        state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)), force=True)
    mngr.wait_until_finished()


def _broken(mngr, checkpoint_dir, step: int, what: str) -> CheckpointError:
    older = [s for s in mngr.all_steps() if s < step]
    hint = (f"; delete {os.path.join(os.fspath(checkpoint_dir), str(step))!r} to resume from "
            f"step {max(older)}" if older else "; use a fresh checkpoint_dir")
    return CheckpointError(f"checkpoint_dir {os.fspath(checkpoint_dir)!r}: the checkpoint of "
                           f"step {step} is {what}{hint}")


def _summary(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:200] if text else ''}"


def restore(mngr, step: int, template: Any, meta: dict, checkpoint_dir) -> Any:
    """Read the checkpoint of ``step`` into the structure of ``template``, verified.

    Raises:
      ValueError: the checkpoint was written by a run with a different model shape, sampler
        chains, optimizer state, batch size or data shape.
      CheckpointError: the checkpoint is unreadable (truncated, files missing, broken JSON) or
        its bytes do not match the digest written with it.
    """
    import orbax.checkpoint as ocp

    try:
        saved = mngr.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore()))["meta"]
    except Exception as err:  # noqa: BLE001 - any failure to read is reported the same way
        raise _broken(mngr, checkpoint_dir, step, f"unreadable ({_summary(err)})") from None
    if not isinstance(saved, dict) or "digest" not in saved:
        raise _broken(mngr, checkpoint_dir, step, "missing its metadata or integrity digest")
    for field, what in _SIGNATURE_FIELDS:
        if saved.get(field) != meta[field]:
            raise ValueError(
                f"checkpoint_dir {os.fspath(checkpoint_dir)!r} holds a checkpoint (step {step}) "
                f"written with a different {what}: saved {saved.get(field)}, this run "
                f"{meta[field]}; use a fresh checkpoint_dir")
    abstract = jax.tree.map(lambda x: jax.ShapeDtypeStruct(np.shape(x), jnp.asarray(x).dtype),
                            template)
    try:
        restored = mngr.restore(step, args=ocp.args.Composite(
            state=ocp.args.StandardRestore(abstract)))["state"]
    except Exception as err:  # noqa: BLE001
        raise _broken(mngr, checkpoint_dir, step, f"unreadable ({_summary(err)})") from None
    restored = type(template)(*restored) if isinstance(template, tuple) else restored
    if state_digest(restored) != saved["digest"]:
        raise _broken(mngr, checkpoint_dir, step, "corrupted: its bytes do not match the SHA-256 "
                      "digest written with it")
    return restored
