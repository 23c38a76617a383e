"""Wolff single-cluster sampling of the Ising (q = 2) and q-state Potts models.

One cluster update picks a uniformly random seed site and flips the Fortuin-Kasteleyn cluster
containing it: bonds between equal neighbours are active with probability
p = 1 - exp(-2 beta J) (Ising, +-1 spins) or p = 1 - exp(-beta J) (Potts,
E = -J sum delta(s_i, s_j)). The cluster is found with static shapes: all bonds are drawn
once, as in Swendsen-Wang, the lattice is labelled, and only the seed's cluster is changed; the
seed's FK cluster has exactly the distribution of Wolff's grown cluster, so this is Wolff's
update. Ising: the cluster is flipped, accepted with probability min(1, exp(-2 beta H_C)),
H_C = sum_{i in C} h_i s_i (always at h = 0); Potts: the cluster is recoloured to a uniformly
random *different* colour. One ``step`` does ``n_clusters`` such updates.

Couplings are :class:`LatticeParams` with ``J_right``, ``J_down`` scalars or per-bond [L, M]
arrays, all >= 0 (checked when concrete; under ``jit`` a negative coupling cannot be detected
and gives p < 0, i.e. no bond); the Potts kernels take no field (``h`` must be 0).

References:
  U. Wolff, Phys. Rev. Lett. 62, 361 (1989); C. M. Fortuin and P. W. Kasteleyn, Physica 57,
  536 (1972).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from statmech.mcmc._clusters import (
    check_params,
    check_q,
    draw_bonds,
    init,
    label_clusters,
    uniform_int,
    uniform_site,
    uniforms,
)
from statmech.mcmc.base import SamplingAlgorithm, SpinState
from statmech.validate import check_static_int, float_dtype

__all__ = ["WolffInfo", "init", "build_kernel", "wolff"]


class WolffInfo(NamedTuple):
    """Per-step diagnostics of the Wolff kernel.

    Attributes:
      cluster_size: mean size of the ``n_clusters`` clusters built in this step (at h = 0
        its average is the improved estimator of chi = beta N <m^2> for Ising).
      acceptance_rate: fraction of those cluster flips accepted (1 unless an Ising field h).
    """

    cluster_size: jax.Array
    acceptance_rate: jax.Array


def build_kernel(q: int = 2, n_clusters: int = 1):
    """The Wolff ``step(key, state, params, beta) -> (SpinState, WolffInfo)``.

    Args:
      q: 2 for the Ising model (+-1 spins), 3..127 for the q-state Potts model.
      n_clusters: cluster updates per step (under ``lax.scan``).

    Returns:
      The ``step`` function; ``params`` is a :class:`LatticeParams`, ``beta`` a scalar (both
      traced: changing them does not recompile).
    """
    q = check_q(q)
    n_clusters = check_static_int(n_clusters, "n_clusters", minimum=1)

    def one_cluster(spins, key, params, beta):
        n = spins.size
        u = uniforms(key, 2 * n + 3)
        bonds = draw_bonds(u[:2 * n].reshape(2, *spins.shape), spins, params, beta, q)
        labels = label_clusters(bonds).labels
        seed = uniform_site(u[2 * n], u[2 * n + 1], n)
        inside = labels == labels.reshape(-1)[seed]
        size = jnp.sum(inside)
        u_new = u[2 * n + 2]
        if q == 2:
            dtype = float_dtype()
            h = jnp.asarray(params.h, dtype)
            field = jnp.sum(jnp.where(inside, h * spins.astype(dtype), 0.0))
            accept = jnp.log(u_new) < -2.0 * jnp.asarray(beta, dtype) * field
            new = jnp.where(inside & accept, -spins, spins)
        else:
            shift = 1 + uniform_int(u_new, q - 1)
            new = jnp.where(inside, (spins.astype(jnp.int32) + shift) % q, spins)
            accept = jnp.bool_(True)
        return new.astype(spins.dtype), (size, accept)

    def step(key: jax.Array, state: SpinState, params, beta) -> tuple[SpinState, WolffInfo]:
        spins = state.spins
        check_params(params, spins.shape, beta, q)

        def body(s, k):
            return one_cluster(s, k, params, beta)

        spins_new, (sizes, accepted) = lax.scan(body, spins, jax.random.split(key, n_clusters))
        dtype = float_dtype()
        info = WolffInfo(jnp.mean(sizes.astype(dtype)), jnp.mean(accepted.astype(dtype)))
        return SpinState(spins_new), info

    return step


def wolff(q: int = 2, n_clusters: int = 1) -> SamplingAlgorithm:
    """Wolff sampler: flip the FK cluster of a random seed site, ``n_clusters`` times a step.

    p_bond = 1 - exp(-2 beta J) (Ising, E = -sum J s s - sum h s) or 1 - exp(-beta J) (Potts,
    E = -sum J delta(s, s')) between equal neighbours of the periodic L x M lattice. Ising:
    flip the cluster C with probability min(1, exp(-2 beta sum_C h s)) (1 at h = 0); Potts:
    recolour C to a uniformly random different colour.

    Args:
      q: 2 for Ising (+-1 spins), 3..127 for the q-state Potts model (colours 0..q-1).
      n_clusters: cluster updates per ``step``; a sweep-equivalent is about
        N / <cluster size> of them.

    Returns:
      ``SamplingAlgorithm(init, step)``; ``init(position)``, ``step(key, state, params, beta)``
      with ``params`` a :class:`LatticeParams` of couplings >= 0 (scalars or [L, M]).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.mcmc import LatticeParams
      >>> from statmech.mcmc.wolff import wolff
      >>> algo = wolff(n_clusters=4)
      >>> state = algo.init(jnp.ones((8, 8), jnp.int8))
      >>> state, info = jax.jit(algo.step)(jax.random.key(0), state, LatticeParams(), 0.6)
      >>> state.spins.dtype, bool(info.cluster_size >= 1)
      (dtype('int8'), True)

    References:
      U. Wolff, Phys. Rev. Lett. 62, 361 (1989); C. M. Fortuin and P. W. Kasteleyn,
      Physica 57, 536 (1972).
    """
    q = check_q(q)
    step = build_kernel(q, n_clusters)

    def init_q(position: Any) -> SpinState:
        return init(position, q)

    return SamplingAlgorithm(init_q, step)
