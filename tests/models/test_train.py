"""models.train: minibatching, determinism, optimizers, checkpoints and bit-identical resume."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from models import rbm
from models import train as train_module
from models.data import digits
from models.train import TrainState, latest_checkpoint_step, minibatch_count, train
from tests.compiles import compile_counter


def _least_squares(key, p, chains, batch):
    noise = 0.01 * jax.random.normal(key, p.shape, p.dtype)
    return p - jnp.mean(batch, axis=0) + noise, chains + 1, {"sum": jnp.sum(batch)}


def test_each_epoch_visits_every_example_once_and_chains_persist():
    data = jnp.arange(24.0)[:, None]
    out = train(jax.random.key(0), _least_squares, jnp.zeros(1), data, batch_size=6, epochs=3,
                optimizer=optax.sgd(0.1), chains=jnp.zeros(()), monitor_every=4, progress=False)
    assert [h["step"] for h in out.history] == [4, 8, 12]
    for h in out.history:               # chunk = epoch: the mean batch sum times 4 batches
        assert h["sum"] * 4 == pytest.approx(float(jnp.sum(data)))
    assert int(out.state.step) == 12 and float(out.state.chains) == 12.0


def test_remainder_is_dropped_and_order_changes_between_epochs():
    data = jnp.arange(10.0)[:, None]
    seen = []

    def record(key, p, chains, batch):
        return jnp.zeros_like(p), chains, {"first": batch[0, 0]}

    out = train(jax.random.key(1), record, jnp.zeros(1), data, batch_size=4, steps=6,
                optimizer=optax.sgd(0.1), monitor_every=1, progress=False)
    seen = [h["first"] for h in out.history]
    assert minibatch_count(10, 4) == 2 and len(seen) == 6
    assert len(set(seen)) > 2           # a fresh permutation each epoch


@pytest.mark.parametrize("n", [1, 2, 3, 1437, 2**14 + 1])
def test_epoch_order_is_a_permutation(n):
    perm = np.asarray(jax.jit(train_module._permutation, static_argnums=1)(jax.random.key(n), n))
    assert perm.dtype == np.int32 and sorted(perm.tolist()) == list(range(n))


def test_epoch_order_is_uniform():
    """All 24 orders of 4 examples equally likely, and every example equally likely at every
    position of 50 (chi-square against uniform, fixed seeds; the bounds are p ~ 1e-4)."""
    draw = jax.jit(jax.vmap(train_module._permutation, in_axes=(0, None)), static_argnums=1)
    perms = np.asarray(draw(jax.random.split(jax.random.key(0), 24_000), 4))
    _, counts = np.unique(perms, axis=0, return_counts=True)
    assert len(counts) == 24
    assert np.sum((counts - 1000.0) ** 2 / 1000.0) < 58.0          # 23 dof
    perms = np.asarray(draw(jax.random.split(jax.random.key(1), 10_000), 50))
    table = np.stack([np.bincount(perms[:, j], minlength=50) for j in range(50)])
    chi2 = np.sum((table - 200.0) ** 2 / 200.0)                    # 49^2 = 2401 dof
    assert abs(chi2 - 2401) < 4.0 * np.sqrt(2 * 2401)


def test_every_chunk_of_a_run_is_one_compiled_program():
    """Chunks of 4, 4 and 2 steps run the same program: the trip count is a run-time value."""
    data = jnp.arange(12.0)[:, None]
    opt = optax.sgd(0.1)
    with compile_counter() as compiles:
        out = train(jax.random.key(0), _least_squares, jnp.zeros(1), data, batch_size=3,
                    steps=10, optimizer=opt, chains=jnp.zeros(()), monitor_every=4,
                    progress=False)
    assert [h["step"] for h in out.history] == [4, 8, 10]
    assert compiles["jit(chunk)"] == 1


def test_small_models_get_the_small_cpu_options():
    small = train_module._compiler_options({"W": jnp.zeros((64, 16))}, 10)
    assert small == (train_module._SMALL_CPU_OPTIONS if jax.default_backend() == "cpu" and
                     train_module._small_cpu_options_supported() else ())
    assert train_module._compiler_options({"W": jnp.zeros((784, 500))}, 10) == ()
    assert train_module._compiler_options({"W": jnp.zeros((64, 16))}, 1000) == ()


def test_deterministic_given_key_and_different_keys_differ():
    data = jax.random.normal(jax.random.key(5), (40, 3))
    kw = dict(batch_size=8, epochs=4, optimizer=optax.adam(0.05), chains=jnp.zeros(()),
              progress=False)
    a = train(jax.random.key(0), _least_squares, jnp.zeros(3), data, **kw)
    b = train(jax.random.key(0), _least_squares, jnp.zeros(3), data, **kw)
    c = train(jax.random.key(1), _least_squares, jnp.zeros(3), data, **kw)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


@pytest.mark.parametrize("opt", [optax.sgd(0.2), optax.sgd(0.05, momentum=0.9),
                                 optax.sgd(0.05, momentum=0.9, nesterov=True), optax.adam(0.1)])
def test_optimizers_reach_the_data_mean(opt):
    data = jax.random.normal(jax.random.key(2), (64, 2)) + jnp.array([1.0, -2.0])
    out = train(jax.random.key(0), _least_squares, jnp.zeros(2), data, batch_size=64,
                epochs=150, optimizer=opt, chains=jnp.zeros(()), progress=False)
    np.testing.assert_allclose(out.params, jnp.mean(data, axis=0), atol=0.03)


def test_monitor_runs_at_start_and_every_n_steps():
    data = jnp.ones((12, 1))
    out = train(jax.random.key(0), _least_squares, jnp.zeros(1), data, batch_size=3, steps=8,
                optimizer=optax.sgd(0.5), chains=jnp.zeros(()), monitor=lambda p: {"p": p[0]},
                monitor_every=4, progress=False)
    steps = [h["step"] for h in out.history if "p" in h]
    assert steps == [0, 4, 8] and out.history[0]["p"] == 0.0 and out.history[-1]["p"] > 0.9


def _pcd_run(tmp, total, stop=None):
    """PCD on digits with momentum: params, optimizer state and chains all in the checkpoint."""
    train_x, _ = digits()
    x = train_x[:200]
    p0 = rbm.init_params(jax.random.key(3), 64, 8)
    fn = rbm.grad_fn("pcd", k=1, dropout=0.2, l2=1e-4)
    chains = rbm.init_chains(jax.random.key(4), "pcd", x, 10, n_hidden=8)
    return train(jax.random.key(0), fn, p0, x, batch_size=10, steps=stop or total,
                 optimizer=optax.sgd(0.05, momentum=0.9), chains=chains,
                 checkpoint_dir=tmp, checkpoint_every=7 if tmp else None, progress=False)


def test_resume_is_bit_identical(tmp_path):
    full = _pcd_run(str(tmp_path / "uninterrupted"), 45)
    ckpt = str(tmp_path / "ckpt")
    part = _pcd_run(ckpt, 45, stop=21)          # "killed" after step 21, a checkpoint step
    assert latest_checkpoint_step(ckpt) == 21 and int(part.state.step) == 21
    resumed = _pcd_run(ckpt, 45)
    assert int(resumed.state.step) == 45 and resumed.history[0]["step"] == 28
    for a, b in zip(jax.tree.leaves(full.state), jax.tree.leaves(resumed.state), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_checkpoint_from_a_different_model_shape_is_refused(tmp_path):
    data = jnp.ones((12, 3))
    kw = dict(batch_size=3, steps=4, optimizer=optax.sgd(0.1), chains=jnp.zeros(()),
              checkpoint_dir=str(tmp_path), progress=False)
    train(jax.random.key(0), _least_squares, jnp.zeros(3), data, **kw)
    with pytest.raises(ValueError, match="different model shape"):
        train(jax.random.key(0), _least_squares, jnp.zeros((2, 3)), data, **kw)
    with pytest.raises(ValueError, match="different batch_size"):
        train(jax.random.key(0), _least_squares, jnp.zeros(3), data, **{**kw, "batch_size": 4})


def test_state_is_a_pytree_of_arrays():
    out = train(jax.random.key(0), _least_squares, jnp.zeros(2), jnp.ones((4, 2)), batch_size=2,
                steps=2, optimizer=optax.sgd(0.1), chains=jnp.zeros(()), progress=False)
    assert isinstance(out.state, TrainState) and out.state.key.dtype == jnp.uint32


@pytest.mark.parametrize("kwargs, err, match", [
    ({"batch_size": 13}, ValueError, "batch_size must be <= the number of examples"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ({"batch_size": 2.0}, TypeError, "batch_size must be a Python int"),
    ({"epochs": None}, ValueError, "exactly one of epochs and steps"),
    ({"steps": 3}, ValueError, "exactly one of epochs and steps"),
    ({"epochs": 0}, ValueError, "epochs must be >= 1"),
    ({"optimizer": "sgd"}, TypeError, "optimizer must be an optax"),
    ({"checkpoint_every": 2}, ValueError, "checkpoint_every needs a checkpoint_dir"),
    ({"config": {"f": object()}}, TypeError, "config must be JSON-serialisable"),
])
def test_bad_arguments(kwargs, err, match):
    kw = dict(batch_size=3, epochs=1, optimizer=optax.sgd(0.1), chains=jnp.zeros(()),
              progress=False)
    kw.update(kwargs)
    with pytest.raises(err, match=match):
        train(jax.random.key(0), _least_squares, jnp.zeros(1), jnp.ones((12, 1)), **kw)


def test_bad_data():
    kw = dict(batch_size=2, epochs=1, optimizer=optax.sgd(0.1), progress=False)
    with pytest.raises(ValueError, match="data must be finite"):
        train(jax.random.key(0), _least_squares, jnp.zeros(1),
              jnp.array([[1.0], [jnp.nan], [0.0]]), **kw)
    with pytest.raises(TypeError, match="grad_fn must be callable"):
        train(jax.random.key(0), None, jnp.zeros(1), jnp.ones((4, 1)), **kw)
