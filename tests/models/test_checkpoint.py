"""Crash-safe training: SIGKILL at a random point and resume bit for bit; damaged checkpoints
are reported with a clear error (issue 6)."""

import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from models.checkpoint import CheckpointError, latest_checkpoint_step, state_digest
from models.train import train
from tests.models import _train_worker

WORKER = os.path.join(os.path.dirname(__file__), "_train_worker.py")


def _run(ckpt, out, pause=0.0):
    return subprocess.Popen([sys.executable, WORKER, str(ckpt), str(out), str(pause)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _leaves(path):
    with np.load(path) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


def test_sigkill_at_a_random_point_then_resume_is_bit_identical(tmp_path):
    """A worker process killed with SIGKILL at a random moment after its first checkpoint
    (seeded, so a failure reproduces the same schedule), a second process resuming its
    directory, and an uninterrupted run of the same worker code in this process: every leaf
    of the final state (step, parameters, momentum, PCD chains, key) must be equal bit for
    bit."""
    rng = random.Random(20261201)
    killed = _run(tmp_path / "ckpt", tmp_path / "killed.npz", pause=0.1)
    deadline = time.monotonic() + 240
    while latest_checkpoint_step(tmp_path / "ckpt") is None:
        assert killed.poll() is None, killed.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the worker wrote no checkpoint in 240 s"
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 1.0))             # 20 checkpoints 0.1 s apart lie ahead
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=60) == -signal.SIGKILL
    last = latest_checkpoint_step(tmp_path / "ckpt")
    assert last is not None and last < 1000 and not (tmp_path / "killed.npz").exists()

    resumed = _run(tmp_path / "ckpt", tmp_path / "resumed.npz")
    _train_worker.main(str(tmp_path / "ref"), str(tmp_path / "ref.npz"))
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read().decode()[-2000:]
    ref, res = _leaves(tmp_path / "ref.npz"), _leaves(tmp_path / "resumed.npz")
    assert len(ref) == len(res) and int(ref[0]) == 1000
    for a, b in zip(ref, res, strict=True):
        np.testing.assert_array_equal(a, b)


def _grad_fn(key, p, chains, batch):
    return p - jnp.mean(batch), chains, {}


_KW = dict(batch_size=3, optimizer=optax.sgd(0.1), checkpoint_every=4, progress=False)


def _fit(ckpt, steps):
    return train(jax.random.key(0), _grad_fn, jnp.zeros(3), jnp.ones((12, 3)),
                 checkpoint_dir=str(ckpt), steps=steps, **_KW)


@pytest.fixture(scope="module")
def two_checkpoints(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("ckpt") / "run"
    _fit(ckpt, 8)
    assert latest_checkpoint_step(ckpt) == 8
    return ckpt


def _truncate_data(d):
    for f in glob.glob(f"{d}/8/state/**/d/*", recursive=True):
        with open(f, "r+b") as fh:
            fh.truncate(os.path.getsize(f) // 2)


def _flip_a_byte(d):
    for f in glob.glob(f"{d}/8/state/**/d/*", recursive=True):
        data = bytearray(open(f, "rb").read())
        data[len(data) // 2] ^= 0xFF
        open(f, "wb").write(bytes(data))


def _break_json(d):
    open(f"{d}/8/meta/metadata", "w").write("{not json")


def _delete_state(d):
    shutil.rmtree(f"{d}/8/state")


def _other_digest(d):
    """Numbers that orbax would load happily but that are not the ones written."""
    path = f"{d}/8/meta/metadata"
    meta = json.load(open(path))
    meta["digest"] = state_digest(jnp.ones(3))
    json.dump(meta, open(path, "w"))


@pytest.mark.parametrize("damage, what", [
    (_truncate_data, "unreadable"), (_flip_a_byte, "unreadable"), (_break_json, "unreadable"),
    (_delete_state, "unreadable"), (_other_digest, "do not match the SHA-256 digest"),
])
def test_a_damaged_checkpoint_is_reported_not_loaded(two_checkpoints, tmp_path, damage, what):
    ckpt = tmp_path / "run"
    shutil.copytree(two_checkpoints, ckpt)
    damage(ckpt)
    with pytest.raises(CheckpointError, match=what) as info:
        _fit(ckpt, 12)
    message = str(info.value)
    assert "step 8" in message and "to resume from step 4" in message
    err = info.value                               # no orbax traceback chained to it
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    shutil.rmtree(ckpt / "8")                      # the advice works: resume from step 4
    assert int(_fit(ckpt, 12).state.step) == 12


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)


def test_state_digest_sees_every_bit():
    a = {"w": jnp.arange(4.0), "k": jax.random.key(1)}
    b = {"w": jnp.arange(4.0).at[2].set(jnp.nextafter(2.0, 3.0)), "k": jax.random.key(1)}
    c = {"w": jnp.arange(4.0), "k": jax.random.key(2)}
    assert state_digest(a) == state_digest(dict(a))
    assert len({state_digest(a), state_digest(b), state_digest(c)}) == 3
