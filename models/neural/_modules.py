"""Energy functions as flax NNX modules: E_theta(x) for binary x, lower energy more probable.

Each module maps one configuration (shape ``input_shape``) or a batch ``[..., *input_shape]``
to energies of shape ``x.shape[:x.ndim - len(input_shape)]``; x holds the unit values as
floats (+-1 or {0, 1}). Dropout, where a module has it, acts only in train mode
(``module.train()``) and draws from the ``rngs`` given at the call (or the module's own);
``module.eval()`` makes the energy deterministic, as sampling and estimating ln Z need.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

__all__ = ["MLPEnergy", "ConvEnergy", "RBMEnergy"]


class MLPEnergy(nnx.Module):
    """E(x) = MLP(x) - b.x: a multilayer perceptron energy on n binary units.

    The hidden layers are ``Linear -> activation -> Dropout``; the output is one linear unit.
    The visible bias b makes the independent-units model (all weights 0) exactly reachable.

    Args:
      n: the number of units, an int >= 1.
      hidden: the hidden widths (default (64,)).
      rngs: ``nnx.Rngs`` for the initial weights and dropout.
      dropout: dropout rate on every hidden layer in train mode (default 0).
      activation: the nonlinearity (default ``nnx.swish``).

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> m = MLPEnergy(16, (32,), rngs=nnx.Rngs(0))
      >>> m(jnp.ones(16)).shape, m(jnp.ones((5, 16))).shape
      ((), (5,))

    References:
      Y. LeCun, S. Chopra, R. Hadsell, M. Ranzato and F. J. Huang, "A tutorial on energy-based
      learning" (2006); Y. Du and I. Mordatch, NeurIPS 2019 (deep EBMs).
    """

    def __init__(self, n: int, hidden: Sequence[int] = (64,), *, rngs: nnx.Rngs,
                 dropout: float = 0.0, activation: Any = nnx.swish):
        sizes = (int(n), *(int(h) for h in hidden))
        self.layers = nnx.List([nnx.Linear(a, b, rngs=rngs)
                                for a, b in zip(sizes[:-1], sizes[1:], strict=True)])
        self.out = nnx.Linear(sizes[-1], 1, rngs=rngs)
        self.bias = nnx.Param(jnp.zeros((int(n),)))
        self.dropout = nnx.Dropout(dropout, rngs=rngs)
        self.activation = activation
        self.input_shape = (int(n),)

    def __call__(self, x: jax.Array, *, rngs: nnx.Rngs | None = None) -> jax.Array:
        h = x
        for layer in self.layers:
            h = self.dropout(self.activation(layer(h)), rngs=rngs)
        return self.out(h)[..., 0] - x @ self.bias[...]


class ConvEnergy(nnx.Module):
    """E(x) = Linear(mean over space of Conv -> act -> AvgPool -> Conv -> act) - b.x, for
    binary images [H, W] (periodic padding: a torus, like the lattices).

    Convolution shares one local filter over the image (translation symmetry), and the
    average pooling halves the resolution between the layers: a coarse-graining step.

    Args:
      shape: (H, W), both divisible by ``pool``.
      channels: (C1, C2), the filters of the two convolutions (default (16, 32)).
      rngs: ``nnx.Rngs``.
      kernel: the filters' side (default 3).
      pool: the average-pooling window and stride (default 2).
      dropout: dropout rate after each convolution in train mode (default 0).
      activation: the nonlinearity (default ``nnx.swish``).

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> m = ConvEnergy((8, 8), (4, 8), rngs=nnx.Rngs(0))
      >>> m(jnp.ones((8, 8))).shape, m(jnp.ones((3, 8, 8))).shape
      ((), (3,))

    References:
      Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, Proc. IEEE 86, 2278 (1998); J. Xie,
      Y. Lu, S.-C. Zhu and Y. N. Wu, ICML 2016 (convolutional energies).
    """

    def __init__(self, shape: Sequence[int], channels: Sequence[int] = (16, 32), *,
                 rngs: nnx.Rngs, kernel: int = 3, pool: int = 2, dropout: float = 0.0,
                 activation: Any = nnx.swish):
        H, W = (int(v) for v in shape)
        c1, c2 = (int(c) for c in channels)
        self.conv1 = nnx.Conv(1, c1, (kernel, kernel), padding="CIRCULAR", rngs=rngs)
        self.conv2 = nnx.Conv(c1, c2, (kernel, kernel), padding="CIRCULAR", rngs=rngs)
        self.out = nnx.Linear(c2, 1, rngs=rngs)
        self.bias = nnx.Param(jnp.zeros((H, W)))
        self.dropout = nnx.Dropout(dropout, rngs=rngs)
        self.activation = activation
        self.pool = int(pool)
        self.input_shape = (H, W)

    def features(self, x: jax.Array, *, rngs: nnx.Rngs | None = None) -> list[jax.Array]:
        """The activations after each convolution, [B, H, W, C1] and [B, H/p, W/p, C2]."""
        H, W = self.input_shape
        p = self.pool
        h1 = self.dropout(self.activation(self.conv1(x.reshape(-1, H, W, 1))), rngs=rngs)
        pooled = h1.reshape(-1, H // p, p, W // p, p, h1.shape[-1]).mean((2, 4))
        h2 = self.dropout(self.activation(self.conv2(pooled)), rngs=rngs)
        return [h1, h2]

    def __call__(self, x: jax.Array, *, rngs: nnx.Rngs | None = None) -> jax.Array:
        lead = x.shape[:-2]
        h2 = self.features(x, rngs=rngs)[-1]
        e = self.out(h2.mean((1, 2)))[:, 0]
        linear = jnp.sum(x.reshape(-1, *self.input_shape) * self.bias[...], axis=(1, 2))
        return (e - linear).reshape(lead)


class RBMEnergy(nnx.Module):
    """The RBM's free energy as a module: F(v) = -b.v - sum_j softplus(c_j + (v W)_j).

    The same energy as :func:`models.rbm.free_energy` (to float rounding), so an RBM trained
    either way is one model; ``to_params`` gives the :class:`models.rbm.RBMParams`.

    Args:
      n_visible: visible units.
      n_hidden: hidden units.
      rngs: ``nnx.Rngs`` for W ~ N(0, scale^2).
      scale: the initial weights' standard deviation (default 0.01).

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> from models import rbm
      >>> m = RBMEnergy(6, 3, rngs=nnx.Rngs(0), scale=0.5)
      >>> v = jnp.array([1.0, 0, 1, 1, 0, 0])
      >>> bool(jnp.allclose(m(v), rbm.free_energy(m.to_params(), v)))
      True

    References:
      P. Smolensky (1986); G. E. Hinton, Neural Comput. 14, 1771 (2002).
    """

    def __init__(self, n_visible: int, n_hidden: int, *, rngs: nnx.Rngs, scale: float = 0.01):
        self.W = nnx.Param(scale * jax.random.normal(rngs.params(), (n_visible, n_hidden)))
        self.b = nnx.Param(jnp.zeros((n_visible,)))
        self.c = nnx.Param(jnp.zeros((n_hidden,)))
        self.input_shape = (int(n_visible),)

    def __call__(self, v: jax.Array, *, rngs: nnx.Rngs | None = None) -> jax.Array:
        return -(v @ self.b[...]) - jnp.sum(jax.nn.softplus(self.c[...] + v @ self.W[...]), -1)

    def to_params(self):
        """The same RBM as :class:`models.rbm.RBMParams`."""
        from models.rbm import RBMParams

        return RBMParams(self.W[...], self.b[...], self.c[...])
