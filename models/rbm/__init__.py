"""The restricted Boltzmann machine: binary visible v in {0,1}^nv and hidden h in {0,1}^nh.

E(v, h) = -v.W.h - b.v - c.h. The hidden (or visible) layer sums out exactly, so free energies,
exact ln Z (enumerating the smaller layer), conditionals and block-Gibbs sampling are closed
form; :func:`ais_log_z` is Salakhutdinov and Murray's annealed importance sampling for RBMs too
wide to enumerate; :func:`fit` trains by exact ML, CD-k, PCD or PT-PCD through
:func:`models.train.train`. The verbs are those of every model package: ``init_params``,
``energy``, ``free_energy``, ``log_z_exact``, ``log_likelihood``, ``METHODS``, ``grad_fn``,
``init_chains``, ``fit``, ``fit_result`` and ``sampler``.

Modules: ``_model`` (params, checks, energies, exact ln Z), ``_gibbs`` (conditionals, the one
block-Gibbs sweep, the sampler), ``_monitor`` (pseudo-likelihood, reconstruction error),
``_ais`` (AIS), ``_train`` (gradient estimators, chains), ``_fit`` (fit).
"""

from models.rbm._ais import ais_log_z, log_likelihood_ais
from models.rbm._fit import fit, fit_result
from models.rbm._gibbs import (
    gibbs_step,
    hidden_probs,
    sample,
    sample_hidden,
    sample_visible,
    sampler,
    visible_probs,
)
from models.rbm._model import (
    BASE_RATE_CLIP,
    MAX_EXACT_UNITS,
    RBMParams,
    base_rate_bias,
    energy,
    free_energy,
    free_energy_hidden,
    init_params,
    joint_energy,
    log_likelihood,
    log_z_exact,
)
from models.rbm._monitor import pseudo_log_likelihood, reconstruction_error
from models.rbm._train import METHODS, grad_fn, init_chains

__all__ = [
    "MAX_EXACT_UNITS",
    "BASE_RATE_CLIP",
    "RBMParams",
    "energy",
    "joint_energy",
    "free_energy",
    "free_energy_hidden",
    "init_params",
    "log_z_exact",
    "log_likelihood",
    "ais_log_z",
    "log_likelihood_ais",
    "base_rate_bias",
    "METHODS",
    "hidden_probs",
    "visible_probs",
    "sample_hidden",
    "sample_visible",
    "gibbs_step",
    "sample",
    "sampler",
    "pseudo_log_likelihood",
    "reconstruction_error",
    "grad_fn",
    "init_chains",
    "fit",
    "fit_result",
]
