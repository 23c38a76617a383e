"""Neural energy functions in flax (NNX): E_theta(x) for binary data, trained by maximum
likelihood with persistent chains of gradient-informed samplers.

- :class:`MLPEnergy`, :class:`ConvEnergy` (convolution and average pooling, periodic
  padding), :class:`RBMEnergy` (the RBM's free energy as a module, equal to
  :func:`models.rbm.free_energy`).
- :func:`energy_fn`: a module as ``(energy_fn, params)``, a pure function of an ordinary pytree
  (``nnx.split``), so ``statmech`` samplers, ``statmech.log_z`` and ``jax.grad`` apply.
- :func:`check_energy`: the boundary checks (binary data, one finite scalar per example).
- :func:`grad_fn`, :func:`fit`: persistent-chain ML through :func:`models.train.train` with
  :func:`statmech.mcmc.gibbs_with_gradients` or :func:`statmech.mcmc.dmala` chains.
- :func:`train_gan`: EBGAN (an autoencoder energy as the discriminator, margin loss,
  pulling-away term) and the standard GAN with the same generator and budget, several seeds
  in one vmapped program.
"""

from models.neural._gan import (
    GAN_KINDS,
    AutoencoderEnergy,
    Discriminator,
    GANFit,
    Generator,
    ebgan_losses,
    gan_losses,
    pulling_away,
    train_gan,
)
from models.neural._modules import ConvEnergy, MLPEnergy, RBMEnergy
from models.neural._train import SAMPLERS, NeuralFit, check_energy, energy_fn, fit, grad_fn

__all__ = ["MLPEnergy", "ConvEnergy", "RBMEnergy", "energy_fn", "check_energy", "grad_fn",
           "fit", "NeuralFit", "SAMPLERS", "Generator", "AutoencoderEnergy", "Discriminator",
           "pulling_away", "ebgan_losses", "gan_losses", "train_gan", "GANFit", "GAN_KINDS"]
