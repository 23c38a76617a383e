"""models.neural's EBGAN and GAN: the losses and the pulling-away term against their formulas,
seeds as a vmap axis, and loud bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from models.neural import (
    AutoencoderEnergy,
    Discriminator,
    ebgan_losses,
    gan_losses,
    pulling_away,
    train_gan,
)


def test_pulling_away_is_the_mean_squared_cosine_off_the_diagonal():
    s = jax.random.normal(jax.random.key(0), (6, 5))
    u = np.asarray(s, np.float64)
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    cos2 = (u @ u.T) ** 2
    expected = (cos2.sum() - np.trace(cos2)) / (6 * 5)
    assert float(pulling_away(s)) == pytest.approx(expected, rel=1e-5)
    assert float(pulling_away(3.0 * s)) == pytest.approx(expected, rel=1e-5)   # scale-free


def test_ebgan_losses_are_the_margin_loss_and_the_reconstruction_energy():
    d = AutoencoderEnergy(6, (8, 3), rngs=nnx.Rngs(1))
    real = jax.random.uniform(jax.random.key(0), (5, 6))
    fake = jax.random.uniform(jax.random.key(1), (5, 6))
    recon = np.asarray(d.reconstruct(real))
    np.testing.assert_allclose(d(real), ((recon - np.asarray(real)) ** 2).sum(1), rtol=1e-5)
    for margin in (0.01, 100.0):                      # hinge off, then on
        l_d, l_g = ebgan_losses(d, real, fake, margin, 0.5)
        hinge = np.maximum(0.0, margin - np.asarray(d(fake)))
        assert float(l_d) == pytest.approx(float(jnp.mean(d(real))) + hinge.mean(), rel=1e-5)
        assert float(l_g) == pytest.approx(float(jnp.mean(d(fake)))
                                           + 0.5 * float(pulling_away(d.encode(fake))), rel=1e-5)


def test_gan_losses_are_the_non_saturating_losses():
    d = Discriminator(4, (8,), rngs=nnx.Rngs(0))
    real, fake = jnp.ones((3, 4)), jnp.zeros((3, 4))
    sp = lambda t: np.log1p(np.exp(t))                                  # noqa: E731
    a, b = np.asarray(d(real), np.float64), np.asarray(d(fake), np.float64)
    l_d, l_g = gan_losses(d, real, fake)
    assert float(l_d) == pytest.approx(sp(-a).mean() + sp(b).mean(), rel=1e-5)
    assert float(l_g) == pytest.approx(sp(-b).mean(), rel=1e-5)


def test_runs_are_independent_and_reproducible():
    """The same seed at two learning rates starts from the same networks (equal first losses);
    a rerun is identical; a larger rate moves the losses differently."""
    x = np.random.default_rng(0).random((40, 16)).astype(np.float32)
    a, b = (train_gan(jax.random.key(3), "gan", x, seeds=2, steps=6, batch_size=8,
                      learning_rate=(1e-3, 1e-2), chunk=3) for _ in range(2))
    np.testing.assert_array_equal(a.loss_d, b.loss_d)
    assert a.seeds.tolist() == [0, 1, 0, 1] and a.learning_rates.tolist() == [1e-3, 1e-3,
                                                                               1e-2, 1e-2]
    np.testing.assert_allclose(a.loss_d[:2, 0], a.loss_d[2:, 0], rtol=1e-6)
    assert not np.allclose(a.loss_d[:2, -1], a.loss_d[2:, -1])
    assert a.loss_d[0, 0] != a.loss_d[1, 0]                             # two seeds differ
    imgs = np.asarray(a.sample(jax.random.key(0), 7, 16))
    assert imgs.shape == (4, 7, 16) and imgs.min() >= 0 and imgs.max() <= 1


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "wgan"}, "kind must be one of"),
    ({"data": np.full((4, 3), 2.0)}, "data must be finite images"),
    ({"data": np.full((4, 3), np.nan)}, "data must be finite images"),
    ({"learning_rate": 0.0}, "learning_rate must be finite numbers > 0"),
    ({"learning_rate": (1e-3, -1.0)}, "learning_rate must be finite numbers > 0"),
    ({"margin": -1.0}, "margin must be a finite number > 0"),
    ({"pt_weight": float("nan")}, "pt_weight must be a finite number >= 0"),
    ({"seeds": 0}, "seeds"),
])
def test_bad_input_is_loud(kwargs, message):
    args = {"kind": "ebgan", "data": np.zeros((4, 3))} | kwargs
    with pytest.raises(ValueError, match=message):
        train_gan(jax.random.key(0), args.pop("kind"), args.pop("data"),
                  **({"seeds": 1, "steps": 2, "batch_size": 2} | args))
