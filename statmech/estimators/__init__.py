"""Partition-function estimators: AIS, reverse AIS, thermodynamic integration.

Every estimator returns a :class:`LogZEstimate` ``(log_z, stderr, ess, log_weights)`` whose
``log_z`` is differentiable in the model parameters and beta (score-function gradients from the
estimator's own samples, :func:`with_score_gradient`, which model-specific estimators such as
the RBM's AIS use too).
"""

from statmech.estimators.ais import ais, reverse_ais, uniform_positions
from statmech.estimators.base import LogZEstimate, log_mean_exp_stats
from statmech.estimators.schedules import (
    adaptive,
    check_schedule,
    conditional_ess,
    geometric,
    linear,
    piecewise,
)
from statmech.estimators.score import score_gradient, with_score_gradient
from statmech.estimators.ti import quadrature, thermodynamic_integration
from statmech.estimators.unified import METHODS, log_z
from statmech.lattice.params import SquareLattice

__all__ = [
    "LogZEstimate", "log_mean_exp_stats", "ais", "reverse_ais", "uniform_positions",
    "thermodynamic_integration", "linear", "geometric", "piecewise", "adaptive",
    "check_schedule", "conditional_ess", "quadrature", "log_z", "SquareLattice", "METHODS",
    "with_score_gradient", "score_gradient",
]
