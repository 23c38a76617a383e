"""Renormalization: block spins, the exact 1D decimation flow and Monte Carlo RG.

- :func:`block_spin`: b x b (x b) majority rule (ties by a coin from the key) or decimation.
- :func:`ising_1d_decimation`, :func:`ising_1d_flow`, :func:`ising_1d_log_z_rg`: the exact
  RG of the periodic chain, ln Z_N(K, h) = (N/2) g + ln Z_(N/2)(K', h'), with the free energy
  kept as the accumulated constants.
- :data:`COUPLINGS`, :func:`coupling_sums`, :func:`local_fields`: the operators of a
  renormalized square-lattice Hamiltonian, -beta H = sum_a K_a S_a.
- :func:`mcrg_sample`, :func:`renormalized_couplings`, :func:`linearized_rg`,
  :func:`rg_eigenvalues`: Swendsen's Monte Carlo RG (couplings by correlation matching,
  exponents from the linearized flow).
- :func:`block_log_weights`: the exact renormalized Hamiltonian of a small torus, every block
  configuration's Boltzmann weight by a transfer matrix.
"""

from statmech.rg.block import RULES, block_spin
from statmech.rg.chain import ising_1d_decimation, ising_1d_flow, ising_1d_log_z_rg
from statmech.rg.exact_block import (
    MAX_BLOCK_L,
    Projection,
    block_configurations,
    block_log_weights,
    project_couplings,
)
from statmech.rg.mcrg import (
    MCRGSamples,
    linearized_rg,
    mcrg_sample,
    renormalized_couplings,
    rg_eigenvalues,
)
from statmech.rg.operators import COUPLINGS, EVEN_COUPLINGS, coupling_sums, local_fields

__all__ = [
    "RULES", "block_spin", "ising_1d_decimation", "ising_1d_flow", "ising_1d_log_z_rg",
    "COUPLINGS", "EVEN_COUPLINGS", "coupling_sums", "local_fields", "MCRGSamples",
    "mcrg_sample", "renormalized_couplings", "linearized_rg", "rg_eigenvalues", "MAX_BLOCK_L",
    "block_log_weights", "block_configurations", "Projection", "project_couplings",
]
