"""Hopfield networks: +-1 neurons with symmetric couplings, zero-temperature recall, the exact
finite-beta Boltzmann distribution, dense associative memories and the storage capacity.

E(s) = -1/2 s.W.s - h.s with W symmetric (its diagonal ignored); couplings from the Hebbian or
the projection rule (Hopfield 1982; Kanter and Sompolinsky 1987); synchronous and random-order
asynchronous recall; p(s) = exp(-beta E(s)) / Z exact by enumeration for small N and sampled by
:func:`sampler` (heat bath) for any N; dense associative memories (Krotov and Hopfield 2016) and
the modern continuous network (Ramsauer et al. 2021); the capacity measurement against Amit,
Gutfreund and Sompolinsky (``python -m models.hopfield``). The model-package verbs that apply
here are ``energy``, ``log_z_exact`` and ``sampler`` (the params are the couplings ``W``).

Modules: ``_model`` (checks, energy, storage rules, exact distribution, sampler), ``_recall``
(recall dynamics, random patterns), ``_dense`` (dense and modern networks), ``_capacity``.
"""

from models.hopfield._capacity import AGS_ALPHA_C, AGS_OVERLAP_C, CapacityResult, capacity
from models.hopfield._dense import (
    dense_capacity_estimate,
    dense_energy,
    dense_recall_async,
    modern_energy,
    modern_update,
)
from models.hopfield._model import (
    MAX_EXACT_NEURONS,
    energy,
    hebbian,
    log_prob,
    log_z_exact,
    overlap,
    pseudo_inverse,
    sampler,
)
from models.hopfield._recall import random_patterns, recall_async, recall_sync

__all__ = [
    "MAX_EXACT_NEURONS",
    "random_patterns",
    "hebbian",
    "pseudo_inverse",
    "energy",
    "overlap",
    "recall_sync",
    "recall_async",
    "log_z_exact",
    "log_prob",
    "sampler",
    "dense_energy",
    "dense_recall_async",
    "dense_capacity_estimate",
    "modern_update",
    "modern_energy",
    "AGS_ALPHA_C",
    "AGS_OVERLAP_C",
    "CapacityResult",
    "capacity",
]
