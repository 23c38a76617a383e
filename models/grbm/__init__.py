"""The Gaussian-Bernoulli RBM: real visible v in R^nv, binary hidden h in {0,1}^nh.

E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_ij (v_i / sigma_i^2) W_ij h_j - c.h
(Cho, Ilin and Raiko 2011), sigma = exp(log_sigma) learned. The hidden layer sums out and the
visible Gaussians integrate out in closed form, so both free energies and ln Z (2**nh hidden
states) are exact. The verbs are those of every model package: ``init_params``, ``energy``,
``free_energy``, ``log_z_exact``, ``log_likelihood``, ``METHODS``, ``grad_fn``, ``init_chains``,
``fit``, ``fit_result`` and ``sampler``.

Modules: ``_model`` (params, checks, energies, exact ln Z), ``_init`` (initial parameters),
``_gibbs`` (conditionals, Gibbs
sampling, the sampler), ``_train`` (gradient estimators, chains, fit).
"""

from models.grbm._gibbs import (
    gibbs_step,
    hidden_probs,
    sample_hidden,
    sample_visible,
    sampler,
    visible_mean,
)
from models.grbm._init import init_from_data, init_params
from models.grbm._model import (
    MAX_EXACT_HIDDEN,
    GaussianRBMParams,
    energy,
    free_energy,
    free_energy_hidden,
    joint_energy,
    log_likelihood,
    log_z_exact,
)
from models.grbm._train import METHODS, fit, fit_result, grad_fn, init_chains

__all__ = [
    "MAX_EXACT_HIDDEN",
    "GaussianRBMParams",
    "energy",
    "joint_energy",
    "free_energy",
    "free_energy_hidden",
    "init_params",
    "init_from_data",
    "log_z_exact",
    "log_likelihood",
    "hidden_probs",
    "visible_mean",
    "sample_hidden",
    "sample_visible",
    "gibbs_step",
    "sampler",
    "METHODS",
    "grad_fn",
    "init_chains",
    "fit",
    "fit_result",
]
