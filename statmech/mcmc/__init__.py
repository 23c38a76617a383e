"""Markov chain Monte Carlo kernels and the sampling driver.

Every kernel is a :class:`SamplingAlgorithm` ``(init, step)`` with
``step(key, state, params, beta) -> (State, Info)``; ``sample`` runs one under ``lax.scan``.
"""

from statmech.mcmc._gradient import GradientInfo
from statmech.mcmc.base import (
    DenseParams,
    GraphParams,
    LatticeParams,
    LocalInfo,
    SamplingAlgorithm,
    SpinState,
    lattice_energy,
)
from statmech.mcmc.dmala import dmala
from statmech.mcmc.driver import Moments, SampleResult, sample, sample_chains
from statmech.mcmc.gibbs_with_gradients import gibbs_with_gradients
from statmech.mcmc.heat_bath import heat_bath
from statmech.mcmc.metropolis import metropolis
from statmech.mcmc.parallel_tempering import PTInfo, PTState, parallel_tempering
from statmech.mcmc.swendsen_wang import SwendsenWangInfo, swendsen_wang
from statmech.mcmc.wolff import WolffInfo, wolff
from statmech.random import hash_uniform, key_words, mix32

__all__ = [
    "hash_uniform",
    "key_words",
    "mix32",
    "lattice_energy",
    "SamplingAlgorithm",
    "SpinState",
    "LocalInfo",
    "LatticeParams",
    "GraphParams",
    "DenseParams",
    "Moments",
    "SampleResult",
    "sample",
    "sample_chains",
    "heat_bath",
    "metropolis",
    "gibbs_with_gradients",
    "dmala",
    "GradientInfo",
    "parallel_tempering",
    "PTState",
    "PTInfo",
    "swendsen_wang",
    "wolff",
    "SwendsenWangInfo",
    "WolffInfo",
]
