"""Energy-based GANs (Zhao, Mathieu and LeCun 2016) and the standard GAN they are compared with,
in flax NNX, trained for several seeds at once (the seeds are a ``vmap`` axis: one compiled
program per model, whatever their number).

EBGAN: the discriminator is an energy, the autoencoder's reconstruction error
D(x) = ||Dec(Enc(x)) - x||^2, low on data. With margin m and [u]^+ = max(0, u):

    L_D = D(x) + [m - D(G(z))]^+,        L_G = D(G(z)) + lambda_PT f_PT(Enc(G(z))),

f_PT(S) = 1 / (N (N - 1)) sum_(i != j) cos^2(S_i, S_j), the pulling-away term that pushes the
codes of one generated batch apart (against mode collapse). The baseline GAN (Goodfellow et al.
2014) has a classifier D(x) (a logit) and the non-saturating losses
L_D = softplus(-D(x)) + softplus(D(G(z))), L_G = softplus(-D(G(z))).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from statmech.validate import check_key, check_static_int

__all__ = ["Generator", "AutoencoderEnergy", "Discriminator", "pulling_away", "ebgan_losses",
           "gan_losses", "train_gan", "GANFit", "GAN_KINDS"]

GAN_KINDS = ("ebgan", "gan")
"""The two models :func:`train_gan` trains."""


def _mlp(sizes: Sequence[int], rngs: nnx.Rngs) -> nnx.List:
    return nnx.List([nnx.Linear(a, b, rngs=rngs) for a, b in zip(sizes[:-1], sizes[1:],
                                                                  strict=True)])


def _forward(layers, h: jax.Array, last=None) -> jax.Array:
    for layer in layers[:-1]:
        h = nnx.leaky_relu(layer(h), 0.2)
    h = layers[-1](h)
    return h if last is None else last(h)


class Generator(nnx.Module):
    """x = sigmoid(MLP(z)): noise z ~ N(0, 1)^latent to an image with pixels in [0, 1].

    Args:
      latent: the noise dimension.
      n: the pixels of an image.
      hidden: the hidden widths (default (128, 128)), leaky ReLU (slope 0.2).
      rngs: ``nnx.Rngs``.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> Generator(8, 64, rngs=nnx.Rngs(0))(jnp.zeros((5, 8))).shape
      (5, 64)
    """

    def __init__(self, latent: int, n: int, hidden: Sequence[int] = (128, 128), *,
                 rngs: nnx.Rngs):
        self.layers = _mlp((latent, *hidden, n), rngs)

    def __call__(self, z: jax.Array) -> jax.Array:
        return _forward(self.layers, z, jax.nn.sigmoid)


class AutoencoderEnergy(nnx.Module):
    """EBGAN's discriminator: the energy D(x) = sum_i (Dec(Enc(x))_i - x_i)^2.

    Args:
      n: the pixels of an image.
      hidden: the encoder's widths, the last one the code (default (128, 32)); the decoder
        mirrors them.
      rngs: ``nnx.Rngs``.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> m = AutoencoderEnergy(64, rngs=nnx.Rngs(0))
      >>> m(jnp.zeros((3, 64))).shape, m.encode(jnp.zeros((3, 64))).shape
      ((3,), (3, 32))

    References:
      J. Zhao, M. Mathieu and Y. LeCun, arXiv:1609.03126 (ICLR 2017).
    """

    def __init__(self, n: int, hidden: Sequence[int] = (128, 32), *, rngs: nnx.Rngs):
        self.encoder = _mlp((n, *hidden), rngs)
        self.decoder = _mlp((*hidden[::-1], n), rngs)

    def encode(self, x: jax.Array) -> jax.Array:
        """The code Enc(x)."""
        return _forward(self.encoder, x)

    def reconstruct(self, x: jax.Array) -> jax.Array:
        """Dec(Enc(x)), pixels in [0, 1]."""
        return _forward(self.decoder, nnx.leaky_relu(self.encode(x), 0.2), jax.nn.sigmoid)

    def __call__(self, x: jax.Array) -> jax.Array:
        return jnp.sum((self.reconstruct(x) - x) ** 2, axis=-1)


class Discriminator(nnx.Module):
    """The baseline GAN's discriminator: a logit D(x), data against generated.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> Discriminator(64, rngs=nnx.Rngs(0))(jnp.zeros((3, 64))).shape
      (3,)
    """

    def __init__(self, n: int, hidden: Sequence[int] = (128, 128), *, rngs: nnx.Rngs):
        self.layers = _mlp((n, *hidden, 1), rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return _forward(self.layers, x)[..., 0]


def pulling_away(codes: jax.Array) -> jax.Array:
    """f_PT = 1 / (N (N - 1)) sum_(i != j) cos^2(S_i, S_j) over a batch of codes S [N, d].

    0 for mutually orthogonal codes, 1 when all are parallel.

    Example:
      >>> import jax.numpy as jnp
      >>> float(pulling_away(jnp.eye(3))), float(pulling_away(jnp.ones((4, 2))))
      (0.0, 1.0)

    References:
      J. Zhao, M. Mathieu and Y. LeCun, arXiv:1609.03126 (ICLR 2017), eq. (6).
    """
    s = codes / (jnp.linalg.norm(codes, axis=-1, keepdims=True) + 1e-8)
    cos2 = (s @ s.T) ** 2
    n = codes.shape[0]
    return (jnp.sum(cos2) - jnp.sum(jnp.diagonal(cos2))) / (n * (n - 1))


def ebgan_losses(d: AutoencoderEnergy, real: jax.Array, fake: jax.Array, margin: float,
                 pt_weight: float) -> tuple[jax.Array, jax.Array]:
    """(L_D, L_G) of EBGAN, batch means: L_D = D(x) + [m - D(G(z))]^+ and
    L_G = D(G(z)) + pt_weight f_PT(Enc(G(z))) (each differentiated only in its own network's
    parameters by :func:`train_gan`).

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> d = AutoencoderEnergy(4, (8, 2), rngs=nnx.Rngs(0))
      >>> l_d, l_g = ebgan_losses(d, jnp.zeros((3, 4)), jnp.ones((3, 4)), 1e6, 0.1)
      >>> bool(l_d > 1e5), bool(l_g >= 0)                 # the margin term dominates L_D
      (True, True)
    """
    d_fake = d(fake)
    loss_d = jnp.mean(d(real)) + jnp.mean(jax.nn.relu(margin - d_fake))
    loss_g = jnp.mean(d_fake) + pt_weight * pulling_away(d.encode(fake))
    return loss_d, loss_g


def gan_losses(d: Discriminator, real: jax.Array, fake: jax.Array
               ) -> tuple[jax.Array, jax.Array]:
    """(L_D, L_G) of the non-saturating GAN, batch means: L_D = softplus(-D(x)) +
    softplus(D(G(z))), L_G = softplus(-D(G(z))).

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> d = Discriminator(4, (8,), rngs=nnx.Rngs(0))
      >>> [round(float(v), 4) for v in gan_losses(d, jnp.zeros((2, 4)), jnp.zeros((2, 4)))]
      [1.3863, 0.6931]

    References:
      I. Goodfellow et al., NeurIPS 2014 (the non-saturating generator loss).
    """
    d_fake = d(fake)
    loss_d = jnp.mean(jax.nn.softplus(-d(real))) + jnp.mean(jax.nn.softplus(d_fake))
    return loss_d, jnp.mean(jax.nn.softplus(-d_fake))


class GANFit(NamedTuple):
    """What :func:`train_gan` returns, run by run (learning rate by seed, the leading axis of
    the parameters and of the loss curves [runs, steps])."""

    kind: str
    generator: nnx.GraphDef
    generator_params: Any
    discriminator: nnx.GraphDef
    discriminator_params: Any
    learning_rates: np.ndarray
    seeds: np.ndarray
    loss_d: np.ndarray
    loss_g: np.ndarray

    def sample(self, key: jax.Array, n: int, latent: int) -> jax.Array:
        """n images of every run's generator, [runs, n, pixels]."""
        n = check_static_int(n, "n", minimum=1)
        z = jax.random.normal(key, (len(self.seeds), n, latent))
        return _generate(self.generator, self.generator_params, z)


@partial(jax.jit, static_argnums=0)
def _generate(g_def, params, z):
    return jax.vmap(lambda p, zz: nnx.merge(g_def, p)(zz))(params, z)


def _networks(kind: str, n: int, latent: int, key: jax.Array) -> tuple[nnx.Module, nnx.Module]:
    k_g, k_d = jax.random.split(key)
    g = Generator(latent, n, rngs=nnx.Rngs(k_g))
    d = (AutoencoderEnergy(n, rngs=nnx.Rngs(k_d)) if kind == "ebgan"
         else Discriminator(n, rngs=nnx.Rngs(k_d)))
    return g, d


def _adam(learning_rate):
    """Both networks' optimizer (Radford et al.'s b1 = 0.5); its state does not depend on the
    learning rate, which may be traced (one per run)."""
    return optax.adam(learning_rate, b1=0.5)


@partial(jax.jit, static_argnums=(0, 1, 2))
def _init(kind: str, n: int, latent: int, keys: jax.Array):
    """Every run's parameters and optimizer states, one compiled program."""
    def one(k):
        g, d = (nnx.state(m, nnx.Param) for m in _networks(kind, n, latent, k))
        return g, d, _adam(1.0).init(g), _adam(1.0).init(d)
    return jax.vmap(one)(keys)


def train_gan(key: jax.Array, kind: str, data: Any, *, seeds: int, steps: int,
              batch_size: int = 64, latent: int = 16, learning_rate: Any = 2e-4,
              margin: float = 5.0, pt_weight: float = 0.1, chunk: int = 250,
              progress: Any = None) -> GANFit:
    """Train EBGAN (``kind="ebgan"``) or the baseline GAN (``"gan"``) on images in [0, 1]:
    ``seeds`` independent runs at each learning rate, all at once.

    Every step: a minibatch of data (drawn with replacement) and of noise; one Adam step of the
    discriminator on L_D, then one of the generator on L_G against the updated discriminator.
    Both models share the generator architecture, the optimizer (Adam, b1 = 0.5), the batch and
    the number of steps, and their discriminators have nearly the same number of parameters
    (24.7k against 24.9k for 64 pixels): the same budget. Runs are a vmap axis: one compiled
    program, whatever their number.

    Args:
      key: a ``jax.random.key``.
      kind: "ebgan" or "gan".
      data: images [n_examples, pixels], floats in [0, 1].
      seeds: independent runs per learning rate, an int >= 1 (the same seeds at every rate).
      steps: training steps, an int >= 1 (rounded up to a multiple of ``chunk``).
      batch_size: the minibatch (default 64).
      latent: the noise dimension (default 16).
      learning_rate: Adam's step for both networks, one value or several (default 2e-4).
      margin: EBGAN's m (default 5.0, in squared-error units of one image).
      pt_weight: EBGAN's lambda_PT (default 0.1; 0 turns the pulling-away term off).
      chunk: steps per compiled call (default 250).
      progress: an optional callable ``progress(done_steps)`` called after every chunk.

    Returns:
      :class:`GANFit`, runs ordered learning rate by seed.

    Example:
      >>> import jax, numpy as np
      >>> x = np.random.default_rng(0).random((32, 16)).astype(np.float32)
      >>> fit = train_gan(jax.random.key(0), "ebgan", x, seeds=2, steps=4, batch_size=8,
      ...                 learning_rate=(1e-3, 1e-2), chunk=2)
      >>> fit.loss_d.shape, fit.sample(jax.random.key(1), 5, 16).shape, fit.seeds.tolist()
      ((4, 4), (4, 5, 16), [0, 1, 0, 1])

    References:
      J. Zhao, M. Mathieu and Y. LeCun, arXiv:1609.03126 (ICLR 2017); I. Goodfellow et al.,
      NeurIPS 2014; A. Radford, L. Metz and S. Chintala, arXiv:1511.06434 (2015).
    """
    check_key(key)
    if kind not in GAN_KINDS:
        raise ValueError(f"kind must be one of {GAN_KINDS}, got {kind!r}")
    x = np.asarray(data, np.float32)
    if x.ndim != 2 or not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise ValueError(f"data must be finite images [n_examples, pixels] in [0, 1], got shape "
                         f"{x.shape}")
    seeds = check_static_int(seeds, "seeds", minimum=1)
    steps = check_static_int(steps, "steps", minimum=1)
    batch_size = check_static_int(batch_size, "batch_size", minimum=2)
    latent = check_static_int(latent, "latent", minimum=1)
    chunk = min(check_static_int(chunk, "chunk", minimum=1), steps)
    rates = np.atleast_1d(np.asarray(learning_rate, np.float64))
    if rates.ndim != 1 or not np.all(np.isfinite(rates) & (rates > 0)):
        raise ValueError(f"learning_rate must be finite numbers > 0, got {learning_rate!r}")
    if not (np.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a finite number > 0, got {margin}")
    if not (np.isfinite(pt_weight) and pt_weight >= 0):
        raise ValueError(f"pt_weight must be a finite number >= 0, got {pt_weight}")
    n = x.shape[1]
    g_def, d_def = (nnx.graphdef(m) for m in nnx.eval_shape(
        lambda: _networks(kind, n, latent, jax.random.key(0))))
    seed_ids = np.tile(np.arange(seeds), len(rates))
    run_rates = np.repeat(rates, seeds)
    keys = jax.random.split(key, seeds)[seed_ids]          # the same seeds at every rate
    carry = _init(kind, n, latent, keys)
    hyper = (jnp.asarray(run_rates, jnp.float32), float(margin), float(pt_weight))
    curves, done = [], 0
    while done < steps:
        carry, losses = _chunk(kind, g_def, d_def, batch_size, latent, chunk, carry, keys,
                               done, jnp.asarray(x), hyper)
        curves.append(np.asarray(losses))                       # [2, runs, chunk]
        done += chunk
        if progress is not None:
            progress(done)
    loss = np.concatenate(curves, -1)
    if not np.all(np.isfinite(loss)):
        bad = sorted({float(r) for r in run_rates[~np.all(np.isfinite(loss), (0, 2))]})
        raise FloatingPointError(f"{kind} training diverged (a loss became NaN or inf) at "
                                 f"learning_rate {bad}")
    return GANFit(kind, g_def, carry[0], d_def, carry[1], run_rates, seed_ids, loss[0],
                  loss[1])


@partial(jax.jit, static_argnums=(0, 1, 2, 3, 4, 5))
def _chunk(kind, g_def, d_def, batch, latent, length, carry, keys, offset, x, hyper):
    """``length`` training steps of every run: vmap over runs of a scan over steps."""
    rates, margin, pt_weight = hyper

    def losses(g_p, d_p, real, z):
        d, fake = nnx.merge(d_def, d_p), nnx.merge(g_def, g_p)(z)
        if kind == "ebgan":
            return ebgan_losses(d, real, fake, margin, pt_weight)
        return gan_losses(d, real, fake)

    def one_run(c, key, rate):
        opt = _adam(rate)

        def step(c, t):
            g_p, d_p, g_s, d_s = c
            k_b, k_z = jax.random.split(jax.random.fold_in(key, offset + t))
            real = x[jax.random.randint(k_b, (batch,), 0, x.shape[0])]
            z = jax.random.normal(k_z, (batch, latent))
            loss_d, grad = jax.value_and_grad(lambda p: losses(g_p, p, real, z)[0])(d_p)
            update, d_s = opt.update(grad, d_s, d_p)
            d_p = optax.apply_updates(d_p, update)
            loss_g, grad = jax.value_and_grad(lambda p: losses(p, d_p, real, z)[1])(g_p)
            update, g_s = opt.update(grad, g_s, g_p)
            g_p = optax.apply_updates(g_p, update)
            return (g_p, d_p, g_s, d_s), jnp.stack([loss_d, loss_g])

        c, out = jax.lax.scan(step, c, jnp.arange(length))
        return c, out.T                                          # [2, length]

    carry, out = jax.vmap(one_run)(carry, keys, rates)
    return carry, jnp.moveaxis(out, 1, 0)                        # [2, runs, length]
