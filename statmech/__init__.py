"""statmech: differentiable statistical mechanics in JAX.

Exact and Monte Carlo partition functions as ordinary JAX functions: ``jit``, ``vmap`` and
``grad`` work on them, and their derivatives are the thermodynamics.

- ``statmech.lattice``: graphs, lattices and colourings as static int32 tables.
- ``statmech.exact``: enumeration, Kaufman/Onsager, transfer matrix.
- ``statmech.mcmc``: Monte Carlo kernels (heat bath, Metropolis, cluster, tempering) and driver.
- ``statmech.estimators``: AIS, reverse AIS and thermodynamic integration of ln Z.
- ``statmech.observables``: observables and Monte Carlo diagnostics (tau_int, ESS, R-hat).
- ``statmech.rg``: block spins, the exact 1D decimation flow, Monte Carlo RG (Swendsen).
- ``statmech.sharding``: chains and domain-decomposed lattices on a ``jax.sharding.Mesh``.
- ``statmech.log_z``: one differentiable ln Z entry point (exact or Monte Carlo), a
  ``LogZEstimate``.
- ``statmech.thermodynamics``: U, C, F, S from any differentiable ln Z(beta).
- ``statmech.checks``: checkify-based checked variants for use under ``jit``.
- ``statmech.validate``: the argument checks of the public boundary, for model authors too.
- ``statmech.random``: the counter-based generator (uniforms, Bernoulli, signs, permutations).
- ``statmech.EnergyFn``: the protocol ``energy_fn(params, x) -> scalar`` every estimator takes.
"""

from statmech import (
    checks,
    estimators,
    exact,
    lattice,
    mcmc,
    observables,
    random,
    rg,
    sharding,
    validate,
)
from statmech._types import EnergyFn
from statmech.estimators import LogZEstimate, log_z
from statmech.thermo import Thermodynamics, thermodynamics

__all__ = [
    "checks", "estimators", "exact", "lattice", "mcmc", "observables", "rg", "sharding",
    "thermodynamics",
    "Thermodynamics", "log_z", "LogZEstimate", "validate", "random", "EnergyFn",
]
__version__ = "0.1.0"
