"""Scaling out on a ``jax.sharding.Mesh``: sharded chains and domain-decomposed lattices.

- :func:`chain_mesh`, :func:`shard_chains`, :func:`sample_chains`: independent chains with the
  chain axis sharded over devices (``jit`` with shardings; bit-identical to ``jax.vmap``).
- :func:`domain_mesh`, :func:`domain_heat_bath_sweeps`, :func:`domain_local_field`: one large
  periodic Ising lattice split into row strips with halo exchange (``jax.shard_map`` +
  ``lax.ppermute``).

Multi-host runs add ``jax.distributed.initialize()`` and nothing else.

References:
  JAX documentation, "Distributed arrays and automatic parallelization" and "SPMD
  multi-device parallelism with shard_map"; D. Romero et al., Comput. Phys. Commun. 256,
  107473 (2020).
"""

from statmech.sharding.chains import CHAIN_AXIS, chain_mesh, sample_chains, shard_chains
from statmech.sharding.domain import (
    ROW_AXIS,
    DomainResult,
    domain_heat_bath_sweeps,
    domain_local_field,
    domain_mesh,
)

__all__ = ["CHAIN_AXIS", "chain_mesh", "shard_chains", "sample_chains", "ROW_AXIS",
           "DomainResult", "domain_mesh", "domain_local_field", "domain_heat_bath_sweeps"]
