"""Exact partition functions: enumeration, Kaufman/Onsager, transfer matrix.

All are pure JAX functions of (params, beta, J, h): jit-compatible, vmappable over beta and
differentiable to any order, so thermodynamics follows by ``jax.grad``.
"""

from statmech.exact.chain import ising1d_log_z
from statmech.exact.dense import log_z_dense
from statmech.exact.enumerate import (
    MAX_ENUMERATE,
    EnumerationMoments,
    all_states,
    enumerate_expectation,
    enumerate_moments,
    log_z_enumerate,
)
from statmech.exact.kaufman import ising2d_log_z
from statmech.exact.onsager import (
    BETA_C,
    onsager_energy_per_site,
    onsager_log_z_per_site,
    yang_magnetization,
)
from statmech.exact.transfer_matrix import MAX_WIDTH_DENSE, MAX_WIDTH_SPARSE, transfer_matrix_log_z

__all__ = [
    "MAX_ENUMERATE",
    "EnumerationMoments",
    "all_states",
    "enumerate_expectation",
    "enumerate_moments",
    "log_z_enumerate",
    "log_z_dense",
    "ising1d_log_z",
    "ising2d_log_z",
    "BETA_C",
    "onsager_log_z_per_site",
    "onsager_energy_per_site",
    "yang_magnetization",
    "MAX_WIDTH_DENSE",
    "MAX_WIDTH_SPARSE",
    "transfer_matrix_log_z",
]
