"""The fully-visible Boltzmann machine: n binary units x in {0, 1}^n with pairwise couplings.

E(x) = -1/2 x.W.x - b.x with W symmetric and a zero diagonal (Ackley, Hinton and Sejnowski
1985). Exact ln Z, moments, likelihood and samples by enumeration for small n; training by exact
maximum likelihood, pseudo-likelihood or PCD. The verbs are those of every model package:
``init_params``, ``energy``, ``log_z_exact``, ``log_likelihood``, ``METHODS``, ``grad_fn``,
``init_chains``, ``fit``, ``fit_result`` and ``sampler`` (no ``free_energy``: there are no
latent units).

Modules: ``_model`` (params, checks, energy, exact ln Z and moments), ``_sampling`` (the dense
heat-bath sampler, exact sampling), ``_train`` (gradient estimators, chains), ``_fit`` (fit).
"""

from models.boltzmann._fit import fit, fit_result
from models.boltzmann._model import (
    MAX_UNITS,
    BoltzmannMoments,
    BoltzmannParams,
    energy,
    init_params,
    log_likelihood,
    log_z_exact,
    moments_exact,
)
from models.boltzmann._sampling import MAX_EXACT_FIT_UNITS, sample_exact, sampler
from models.boltzmann._train import (
    METHODS,
    grad_fn,
    init_chains,
    moment_matching_grad,
    pseudo_log_likelihood,
)

__all__ = [
    "MAX_UNITS",
    "MAX_EXACT_FIT_UNITS",
    "BoltzmannParams",
    "BoltzmannMoments",
    "energy",
    "init_params",
    "log_z_exact",
    "moments_exact",
    "log_likelihood",
    "moment_matching_grad",
    "pseudo_log_likelihood",
    "METHODS",
    "grad_fn",
    "init_chains",
    "sampler",
    "sample_exact",
    "fit",
    "fit_result",
]
