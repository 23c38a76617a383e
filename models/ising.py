"""The Ising model: energies on the periodic square lattice and on any graph, and its exact ln Z.

Spins are +-1 (any integer or float dtype; ``int8`` is the storage convention) and the arithmetic
is done in the default float dtype. Couplings ``J`` and fields ``h`` are traced arguments, so
sweeping or differentiating them never recompiles. Write for one configuration; batch with
``jax.vmap``.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from statmech import mcmc
from statmech.exact import ising2d_log_z, transfer_matrix_log_z
from statmech.lattice import Graph
from statmech.validate import (
    check_beta,
    check_finite,
    check_pm1,
    check_real_array,
    check_shape,
    check_static_int,
    float_dtype,
    is_concrete,
)

__all__ = ["ALGORITHMS", "energy", "graph_energy", "log_z", "sample"]

ALGORITHMS = ("metropolis", "heat_bath", "wolff", "swendsen_wang")
"""The ``algorithm`` names accepted by :func:`sample`."""


def _check_field(h: Any, shape: tuple[int, ...], name: str = "h") -> None:
    """A finite real scalar, or a finite real array of exactly ``shape``."""
    check_finite(h, name)
    if jnp.ndim(h) != 0:
        check_shape(h, shape, name)


def energy(spins: Any, J: Any = 1.0, h: Any = 0.0) -> jax.Array:
    """Ising energy of one configuration of the periodic L x M square lattice.

    E(s) = -J sum_{ij} s_{ij} (s_{i,j+1} + s_{i+1,j}) - sum_{ij} h_{ij} s_{ij}, indices mod
    (L, M): every site's bond to the right and the bond below, 2LM bonds in all (an axis of size
    2 therefore counts each of its bonds twice, as ``jnp.roll`` does).

    Args:
      spins: ``[L, M]`` array of -1/+1 (any int or float dtype), L, M >= 2.
      J: coupling, a finite real scalar (J > 0 ferromagnetic).
      h: external field, a finite real scalar or an ``[L, M]`` array.

    Returns:
      The energy, a scalar in the default float dtype.

    Example:
      >>> import jax.numpy as jnp
      >>> float(energy(jnp.ones((4, 4), dtype=jnp.int8)))   # ground state: -2 N J
      -32.0
      >>> float(energy(jnp.ones((4, 4)), J=1.0, h=0.5))
      -40.0

    References:
      E. Ising, Z. Phys. 31, 253 (1925); L. Onsager, Phys. Rev. 65, 117 (1944).
    """
    check_real_array(spins, "spins")
    shape = tuple(jnp.shape(spins))
    if len(shape) != 2 or shape[0] < 2 or shape[1] < 2:
        raise ValueError(f"spins must be a 2-D array [L, M] with L, M >= 2, got shape {shape}")
    check_pm1(spins)
    check_finite(J, "J")
    check_shape(J, (), "J")
    _check_field(h, shape)
    return _energy(spins, J, h)


def _energy(spins: Any, J: Any, h: Any) -> jax.Array:
    dtype = float_dtype()
    s = jnp.asarray(spins).astype(dtype)
    J = jnp.asarray(J, dtype=dtype)
    h = jnp.asarray(h, dtype=dtype)
    bonds = jnp.sum(s * (jnp.roll(s, -1, axis=1) + jnp.roll(s, -1, axis=0)))
    return -J * bonds - jnp.sum(h * s)


def graph_energy(graph: Graph, spins: Any, J: Any = 1.0, h: Any = 0.0) -> jax.Array:
    """Ising energy of one configuration on an arbitrary graph.

    E(s) = -sum_{e=(a,b)} J_e s_a s_b - sum_i h_i s_i, over the edges of ``graph`` (each bond
    once, as stored in ``graph.edges``).

    Args:
      graph: a :class:`statmech.lattice.Graph` (static; close over it rather than tracing it).
      spins: ``[n_nodes]`` array of -1/+1 (any int or float dtype).
      J: coupling, a finite real scalar or a per-edge array ``[E]``.
      h: field, a finite real scalar or a per-node array ``[n_nodes]``.

    Returns:
      The energy, a scalar in the default float dtype.

    Example:
      >>> import jax.numpy as jnp
      >>> import statmech
      >>> g = statmech.lattice.square(4)
      >>> float(graph_energy(g, jnp.ones(16)))    # = energy(jnp.ones((4, 4)))
      -32.0

    References:
      E. Ising, Z. Phys. 31, 253 (1925); S. F. Edwards and P. W. Anderson, J. Phys. F 5, 965
      (1975) (site- and bond-dependent couplings).
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a statmech.lattice.Graph, got {type(graph).__name__}")
    n, n_edges = int(graph.n_nodes), int(np.shape(graph.edges)[0])
    check_real_array(spins, "spins")
    check_shape(spins, (n,), "spins")
    check_pm1(spins)
    _check_field(J, (n_edges,), "J")
    _check_field(h, (n,), "h")
    dtype = float_dtype()
    s = jnp.asarray(spins).astype(dtype)
    edges = np.asarray(graph.edges, dtype=np.int32).reshape(-1, 2)
    J = jnp.asarray(J, dtype=dtype)
    h = jnp.asarray(h, dtype=dtype)
    return -jnp.sum(J * s[edges[:, 0]] * s[edges[:, 1]]) - jnp.sum(h * s)


def log_z(L: int, beta: Any, J: Any = 1.0, h: Any = 0.0, M: int | None = None) -> jax.Array:
    """Exact ln Z of the Ising model on the periodic L x M square lattice (the :func:`energy`).

    ln Z = ln sum_s exp(-beta E(s)). The method is chosen from what is known before tracing:

    * ``h`` concretely zero (a Python 0, or a concrete array of zeros): Kaufman's closed form
      (:func:`statmech.exact.ising2d_log_z`), any size; except J < 0 (concrete) on a lattice with
      an odd side, which has no closed form and goes to the transfer matrix.
    * otherwise (a non-zero or traced ``h``, e.g. under ``jax.grad`` w.r.t. ``h``): the exact
      transfer matrix (:func:`statmech.exact.transfer_matrix_log_z`) with uniform couplings,
      limited to min(L, M) <= 12.

    Both are exact and differentiable in ``beta``, ``J`` and ``h``.

    Args:
      L: rows, an int >= 2 (static).
      beta: inverse temperature, a finite scalar >= 0 (traced).
      J: coupling, a finite real scalar (traced).
      h: field, a finite real scalar or an ``[L, M]`` array (traced).
      M: columns, an int >= 2 (static); ``None`` means M = L.

    Returns:
      ln Z as a scalar array.

    Example:
      >>> round(float(log_z(4, 0.4)), 6)          # Kaufman; REFERENCES.md: 14.561093023844043
      14.561093
      >>> round(float(log_z(4, 0.4, h=0.1)), 6)   # transfer matrix
      14.690293

    References:
      B. Kaufman, Phys. Rev. 76, 1232 (1949); H. A. Kramers and G. H. Wannier, Phys. Rev. 60,
      252 (1941).
    """
    L = check_static_int(L, "L", minimum=2)
    M = L if M is None else check_static_int(M, "M", minimum=2)
    check_finite(J, "J")
    check_shape(J, (), "J")
    _check_field(h, (L, M))
    zero_field = is_concrete(h) and bool(np.all(np.asarray(h) == 0))
    frustrated = (L % 2 == 1 or M % 2 == 1) and is_concrete(J) and float(np.asarray(J)) < 0
    if zero_field and not frustrated:
        return ising2d_log_z(L, M, beta, J)
    dtype = float_dtype()
    couplings = jnp.asarray(J, dtype=dtype) * jnp.ones((L, M), dtype=dtype)
    return transfer_matrix_log_z(couplings, couplings, h, beta)


@functools.cache
def _kernel(algorithm: str) -> mcmc.SamplingAlgorithm:
    """The fastest correct lattice kernel for ``algorithm`` (built once per process)."""
    if algorithm == "heat_bath":
        return mcmc.heat_bath("lattice")
    if algorithm == "metropolis":
        return mcmc.metropolis("lattice")
    if algorithm == "wolff" and hasattr(mcmc, "wolff"):
        return mcmc.wolff()
    if algorithm == "swendsen_wang" and hasattr(mcmc, "swendsen_wang"):
        return mcmc.swendsen_wang()
    raise ValueError(f"algorithm {algorithm!r} is not available in this build")


def sample(key: jax.Array, L: int, beta: Any, *, n_sweeps: int, n_chains: int = 1,
           algorithm: str = "heat_bath", J: Any = 1.0, h: Any = 0.0, per_chain: int = 1,
           thin: int = 1) -> jax.Array:
    """Equilibrium samples of the periodic L x L Ising model, one (or more) per chain.

    Each chain starts from independent uniformly random spins (infinite temperature) and runs
    ``n_sweeps`` sweeps of ``algorithm`` at inverse temperature ``beta``; the chains run as one
    compiled program (:func:`statmech.mcmc.sample_chains`). E = -J sum s s - h sum s.

    Args:
      key: a ``jax.random.key``.
      L: linear size, an int >= 2 (even for the checkerboard kernels "heat_bath" and
        "metropolis").
      beta: inverse temperature, finite and >= 0 (traced: changing it does not recompile).
      n_sweeps: sweeps per chain, >= 1 (for "wolff", cluster updates).
      n_chains: independent chains, >= 1.
      algorithm: one of :data:`ALGORITHMS`.
      J: coupling (scalar; > 0 for the cluster algorithms).
      h: field (scalar; 0 for the cluster algorithms).
      per_chain: configurations kept per chain (default 1: the final one); with more, each
        chain continues after its ``n_sweeps`` and keeps one configuration every ``thin``
        sweeps (a few autocorrelation times apart for nearly independent samples).
      thin: sweeps between kept configurations when ``per_chain`` > 1.

    Returns:
      int8 array [n_chains * per_chain, L, L] of +-1 spins, chain by chain (the final
      configuration of each chain by default).

    Example:
      >>> import jax
      >>> s = sample(jax.random.key(0), 8, 0.6, n_sweeps=200, n_chains=4)
      >>> s.shape, s.dtype
      ((4, 8, 8), dtype('int8'))

    References:
      Geman & Geman (1984) heat bath; Metropolis et al. (1953); Wolff (1989);
      Swendsen & Wang (1987).
    """
    L = check_static_int(L, "L", minimum=2)
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=1)
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    if algorithm in ("heat_bath", "metropolis") and L % 2:
        raise ValueError(f"L must be even for the checkerboard {algorithm} kernel, got L={L}")
    check_beta(beta)
    check_shape(beta, (), "beta")
    check_finite(J, "J")
    check_shape(J, (), "J")
    check_finite(h, "h")
    check_shape(h, (), "h")
    if algorithm in ("wolff", "swendsen_wang"):
        if is_concrete(J) and float(np.asarray(J)) < 0:
            raise ValueError(f"J must be >= 0 for the cluster algorithm {algorithm}, got {J}")
        if is_concrete(h) and float(np.asarray(h)) != 0:
            raise ValueError(f"h must be 0 for the cluster algorithm {algorithm}, got {h}")
    per_chain = check_static_int(per_chain, "per_chain", minimum=1)
    thin = check_static_int(thin, "thin", minimum=1)
    kernel = _kernel(algorithm)
    dtype = float_dtype()
    params = mcmc.LatticeParams(jnp.asarray(J, dtype), jnp.asarray(J, dtype), jnp.asarray(h, dtype))
    return _run(kernel, key, jnp.asarray(beta, dtype), params, L, n_sweeps, n_chains, per_chain,
                thin)


@functools.partial(jax.jit, static_argnums=(0, 4, 5, 6, 7, 8))
def _run(kernel, key, beta, params, L, n_sweeps, n_chains, per_chain, thin):
    """Uniformly random (infinite-temperature) starts, then the chains, in one program."""
    k_init, k_run, k_keep = jax.random.split(key, 3)
    starts = jax.random.rademacher(k_init, (n_chains, L, L), dtype=jnp.int8)
    state = mcmc.sample_chains(kernel, jax.random.split(k_run, n_chains),
                               jax.vmap(kernel.init)(starts), n_sweeps, params=params,
                               beta=beta, keep_trace=False).state
    if per_chain == 1:
        return state.spins
    kept = mcmc.sample_chains(kernel, jax.random.split(k_keep, n_chains), state,
                              per_chain * thin, params=params, beta=beta, thin=thin,
                              keep_trace=False, keep_states=True).states.spins
    return kept.reshape(n_chains * per_chain, L, L)
