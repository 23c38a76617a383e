"""The q-state Potts model on the periodic square lattice: energy and cluster-algorithm sampling.

E(s) = -J sum_<ij> delta(s_i, s_j), colours s_i in {0, ..., q-1} (int8), bonds to the right and
below every site. The transition at beta_c = ln(1 + sqrt q) / J is continuous for q <= 4 and
first order for q > 4 (Baxter 1973).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from statmech import mcmc
from statmech.validate import (
    check_beta,
    check_finite,
    check_real_array,
    check_shape,
    check_static_int,
    float_dtype,
    is_concrete,
)

__all__ = ["ALGORITHMS", "beta_c", "energy", "sample"]

ALGORITHMS = ("swendsen_wang", "wolff")
"""The ``algorithm`` names accepted by :func:`sample`."""


def beta_c(q: int, J: float = 1.0) -> float:
    """Critical inverse temperature of the square-lattice Potts model, ln(1 + sqrt q) / J.

    Args:
      q: number of colours, >= 2.
      J: ferromagnetic coupling, > 0.

    Returns:
      beta_c as a Python float.

    Example:
      >>> round(beta_c(3), 6)
      1.005053

    References:
      R. B. Potts (1952); R. J. Baxter, J. Phys. C 6, L445 (1973).
    """
    q = check_static_int(q, "q", minimum=2)
    if not (isinstance(J, (int, float)) and J > 0 and math.isfinite(J)):
        raise ValueError(f"J must be a finite number > 0, got {J!r}")
    return math.log1p(math.sqrt(q)) / J


def _check_colours(spins: Any, q: int) -> None:
    check_real_array(spins, "spins")
    if len(jnp.shape(spins)) != 2 or min(jnp.shape(spins)) < 2:
        raise ValueError(f"spins must be a 2-D array [L, M] with L, M >= 2, got shape "
                         f"{jnp.shape(spins)}")
    if is_concrete(spins):
        arr = np.asarray(spins)
        ok = (arr >= 0) & (arr < q) & (arr == np.round(arr))
        if not np.all(ok):
            raise ValueError(f"spins must be colours 0..{q - 1}, got values such as "
                             f"{np.unique(arr[~ok])[:3].tolist()}")


def energy(spins: Any, q: int, J: Any = 1.0) -> jax.Array:
    """Potts energy E = -J sum_<ij> delta(s_i, s_j) of one periodic L x M configuration.

    Args:
      spins: [L, M] colours in 0..q-1.
      q: number of colours (static, used to validate ``spins``).
      J: coupling (scalar).

    Returns:
      E as a scalar float array.

    Example:
      >>> import jax.numpy as jnp
      >>> float(energy(jnp.zeros((4, 4), jnp.int8), 3))   # ground state: -2N J
      -32.0
    """
    q = check_static_int(q, "q", minimum=2)
    _check_colours(spins, q)
    check_finite(J, "J")
    check_shape(J, (), "J")
    s = jnp.asarray(spins)
    same = (s == jnp.roll(s, -1, 0)).astype(float_dtype()) + (s == jnp.roll(s, -1, 1))
    return -jnp.asarray(J, float_dtype()) * jnp.sum(same)


@functools.cache
def _kernel(algorithm: str, q: int) -> mcmc.SamplingAlgorithm:
    return mcmc.swendsen_wang(q) if algorithm == "swendsen_wang" else mcmc.wolff(q)


def sample(key: jax.Array, L: int, q: int, beta: Any, *, n_sweeps: int, n_chains: int = 1,
           algorithm: str = "swendsen_wang", J: Any = 1.0) -> jax.Array:
    """Equilibrium samples of the periodic L x L q-state Potts model, one per chain.

    The twin of :func:`models.ising.sample`: independent chains from uniformly random colours,
    ``n_sweeps`` cluster updates each (Swendsen-Wang sweeps, or single Wolff clusters), run as
    one compiled program by :func:`statmech.mcmc.sample_chains`.

    Args:
      key: a ``jax.random.key``.
      L: linear size, >= 2.
      q: number of colours, 2 <= q <= 127 (q = 2 is the Ising model with colours {0, 1}).
      beta: inverse temperature, finite and >= 0 (traced).
      n_sweeps: updates per chain, >= 1.
      n_chains: independent chains, >= 1.
      algorithm: ``"swendsen_wang"`` or ``"wolff"``.
      J: ferromagnetic coupling (scalar, >= 0).

    Returns:
      int8 array [n_chains, L, L] of colours 0..q-1.

    Example:
      >>> import jax
      >>> s = sample(jax.random.key(0), 8, 3, 1.2, n_sweeps=50, n_chains=2)
      >>> s.shape, s.dtype
      ((2, 8, 8), dtype('int8'))

    References:
      Swendsen & Wang (1987); Wolff (1989).
    """
    L = check_static_int(L, "L", minimum=2)
    q = check_static_int(q, "q", minimum=2, maximum=127)
    n_sweeps = check_static_int(n_sweeps, "n_sweeps", minimum=1)
    n_chains = check_static_int(n_chains, "n_chains", minimum=1)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    check_beta(beta)
    check_shape(beta, (), "beta")
    check_finite(J, "J")
    check_shape(J, (), "J")
    if is_concrete(J) and float(np.asarray(J)) < 0:
        raise ValueError(f"J must be >= 0 for the cluster algorithms, got {float(J)}")
    dtype = float_dtype()
    # q = 2 runs the Ising kernel (+-1 spins, E = -J_I sum s s'): delta(s, s') = (1 + s s') / 2,
    # so the Potts coupling J is the Ising coupling J_I = J / 2 (up to a constant).
    Jf = jnp.asarray(J, dtype) * (0.5 if q == 2 else 1.0)
    params = mcmc.LatticeParams(Jf, Jf, jnp.zeros((), dtype))
    return _run(_kernel(algorithm, q), key, jnp.asarray(beta, dtype), params, L, q, n_sweeps,
                n_chains)


@functools.partial(jax.jit, static_argnums=(0, 4, 5, 6, 7))
def _run(kernel, key, beta, params, L, q, n_sweeps, n_chains):
    """Uniformly random starts, then the chains, in one program (the q = 2 kernels use +-1
    spins; the colours are {0, 1})."""
    k_init, k_run = jax.random.split(key)
    starts = jax.random.randint(k_init, (n_chains, L, L), 0, q).astype(jnp.int8)
    if q == 2:
        starts = 2 * starts - 1
    out = mcmc.sample_chains(kernel, jax.random.split(k_run, n_chains),
                             jax.vmap(kernel.init)(starts), n_sweeps, params=params, beta=beta,
                             keep_trace=False).state.spins
    return ((out + 1) // 2).astype(jnp.int8) if q == 2 else out.astype(jnp.int8)
