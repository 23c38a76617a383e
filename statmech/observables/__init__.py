"""Observables and Monte Carlo diagnostics, as pure JAX functions (jit- and vmap-compatible).

- ``spin_observables``: magnetization, ``|m|``, susceptibility, heat capacity, Binder cumulant
  (with optional importance weights for exact enumeration and reweighting), two-point
  correlation by FFT.
- ``autocorr``: autocorrelation, integrated autocorrelation time (Sokal window), effective
  sample size, mean with its standard error, split-R-hat, blocking error, block jackknife.
"""

from statmech.observables.autocorr import (
    Estimate,
    autocorrelation,
    blocking_error,
    effective_sample_size,
    integrated_autocorr_time,
    jackknife,
    mean_and_stderr,
    split_rhat,
)
from statmech.observables.spin_observables import (
    abs_magnetization,
    binder_cumulant,
    heat_capacity,
    magnetization,
    susceptibility,
    two_point_correlation,
)

__all__ = [
    "magnetization",
    "abs_magnetization",
    "susceptibility",
    "heat_capacity",
    "binder_cumulant",
    "two_point_correlation",
    "Estimate",
    "autocorrelation",
    "integrated_autocorr_time",
    "effective_sample_size",
    "mean_and_stderr",
    "split_rhat",
    "blocking_error",
    "jackknife",
]
