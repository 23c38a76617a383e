"""Monte Carlo renormalization group (Swendsen): block the samples, then read the flow off them.

- :func:`mcrg_sample`: chains of the nearest-neighbour Ising model on an L x L torus; every
  recorded configuration is blocked ``levels`` times (b x b majority rule, ties by coin) and the
  coupling operators S_a of every level are kept, plus the block configurations of one level.
- :func:`renormalized_couplings`: the couplings K'_a of the block Hamiltonian from its samples by
  Swendsen's (1984) correlation matching, <s_i g_(a,i)> = <tanh(sum_b K'_b g_(b,i)) g_(a,i)>
  (the stationarity condition of the pseudo-likelihood), solved by Newton's method.
- :func:`linearized_rg`: T_ab = dK^(n+1)_a / dK^(n)_b from the same samples (Swendsen 1979):
  d<S^(n+1)_c> / dK^(n)_b = sum_a d<S^(n+1)_c> / dK^(n+1)_a T_ab, both sides connected
  correlations, so T = A^-1 B with A = cov(S^(n+1), S^(n+1)) and B = cov(S^(n+1), S^(n)).
  Its leading eigenvalue is b^(y_t); y_t = 1 / nu (= 1 for the 2D Ising model).

References:
  R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979); R. H. Swendsen, Phys. Rev. Lett. 52, 1165
  (1984); G. S. Pawley, R. H. Swendsen, D. J. Wallace and K. G. Wilson, Phys. Rev. B 29, 4030
  (1984).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from statmech.mcmc import LatticeParams, SamplingAlgorithm, swendsen_wang
from statmech.rg.block import majority
from statmech.rg.operators import EVEN_COUPLINGS, check_couplings, coupling_sums, local_fields
from statmech.validate import check_beta, check_key, check_pm1, check_static_int

__all__ = ["MCRGSamples", "mcrg_sample", "renormalized_couplings", "linearized_rg",
           "rg_eigenvalues"]


class MCRGSamples(NamedTuple):
    """What :func:`mcrg_sample` records.

    Attributes:
      sums: the operators S_a at every blocking level, [n_chains, n_samples, levels + 1,
        n_couplings] (level 0: the lattice itself).
      blocks: the configurations of the levels ``keep_levels``, one int8 array
        [n_chains, n_samples, L / b^k, L / b^k] per kept level k (an empty tuple when none).
      spins: the chains' last configurations, [n_chains, L, L] (to continue from).
    """

    sums: jax.Array
    blocks: tuple[jax.Array, ...]
    spins: jax.Array


def mcrg_sample(key: jax.Array, spins: Any, n_samples: int, *, beta: Any, levels: int,
                b: int = 2, couplings: Sequence[str] = EVEN_COUPLINGS, thin: int = 1,
                burn: int = 0, keep_levels: Sequence[int] = (),
                kernel: SamplingAlgorithm | None = None) -> MCRGSamples:
    """Sample the nearest-neighbour Ising model (J = 1) and block every sample ``levels`` times.

    Chains run ``burn`` sweeps, then ``n_samples`` x ``thin`` sweeps of ``kernel`` (default
    Swendsen-Wang: near beta_c it decorrelates in a few sweeps), recording every ``thin``-th
    configuration and its majority-rule block spins s^(1), ..., s^(levels) (b x b blocks,
    ties by a coin drawn from the key). One compile per (shape, options); ``beta`` is traced.

    Args:
      key: a ``jax.random.key``.
      spins: the initial configurations, +-1, [n_chains, L, L]; L divisible by b^levels.
      n_samples: recorded samples per chain, an int >= 2.
      beta: the inverse temperature K of the nearest-neighbour model, >= 0: a scalar, or one
        per chain [n_chains] (a whole grid of couplings in one compiled program).
      levels: the blocking steps, an int >= 1.
      b: the block side, an int >= 2 (default 2).
      couplings: the operator names of :data:`statmech.rg.COUPLINGS` to record.
      thin: sweeps between recorded samples (default 1).
      burn: sweeps discarded first (default 0).
      keep_levels: the levels whose configurations to keep (default none).
      kernel: a lattice :class:`statmech.mcmc.SamplingAlgorithm` (default
        :func:`statmech.mcmc.swendsen_wang`).

    Returns:
      :class:`MCRGSamples`.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> out = mcrg_sample(jax.random.key(0), jnp.ones((2, 8, 8), jnp.int8), 5, beta=0.44,
      ...                   levels=2, couplings=("nn", "nnn"), keep_levels=(1,))
      >>> out.sums.shape, out.blocks[0].shape
      ((2, 5, 3, 2), (2, 5, 4, 4))

    References:
      R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).
    """
    check_key(key)
    check_pm1(spins, "spins")
    shape = tuple(jnp.shape(spins))
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"spins must be a batch of square configurations [n_chains, L, L], "
                         f"got shape {shape}")
    n_samples = check_static_int(n_samples, "n_samples", minimum=2)
    levels = check_static_int(levels, "levels", minimum=1)
    b = check_static_int(b, "b", minimum=2)
    thin = check_static_int(thin, "thin", minimum=1)
    burn = check_static_int(burn, "burn", minimum=0)
    if shape[1] % b**levels:
        raise ValueError(f"L = {shape[1]} must be divisible by b**levels = {b**levels}")
    keep_levels = tuple(check_static_int(k, "keep_levels", minimum=0, maximum=levels)
                        for k in keep_levels)
    check_beta(beta)
    if jnp.shape(beta) not in ((), (shape[0],)):
        raise ValueError(f"beta must be a scalar or one value per chain [{shape[0]}], got shape "
                         f"{jnp.shape(beta)}")
    names = check_couplings(couplings)
    kernel = _swendsen_wang() if kernel is None else kernel
    if not isinstance(kernel, SamplingAlgorithm):
        raise TypeError(f"kernel must be a statmech.mcmc.SamplingAlgorithm, got "
                        f"{type(kernel).__name__}")
    keys = jax.random.split(key, shape[0])
    betas = jnp.broadcast_to(jnp.asarray(beta, jnp.float32), (shape[0],))
    return _sample(keys, jnp.asarray(spins, jnp.int8), betas,
                   kernel, n_samples, levels, b, names, thin, burn, keep_levels)


_swendsen_wang = cache(swendsen_wang)
"""One default kernel object, so that repeated calls hit the same compiled program."""


@partial(jax.jit, static_argnums=(3, 4, 5, 6, 7, 8, 9, 10))
def _sample(keys, spins, betas, kernel, n_samples, levels, b, names, thin, burn, keep_levels):
    params = LatticeParams(jnp.float32(1.0), jnp.float32(1.0), jnp.float32(0.0))

    def sweeps(key, state, n, beta):
        def body(st, k):
            return kernel.step(k, st, params, beta)[0], None
        return jax.lax.scan(body, state, jax.random.split(key, n))[0] if n else state

    def record(state, key, beta):
        k_move, k_ties = jax.random.split(key)
        state = sweeps(k_move, state, thin, beta)
        s = state.spins
        sums, kept = [coupling_sums(s, names)], [s] if 0 in keep_levels else []
        for level, k in enumerate(jax.random.split(k_ties, levels), start=1):
            s = majority(s, k, b)
            sums.append(coupling_sums(s, names))
            if level in keep_levels:
                kept.append(s)
        return state, (jnp.stack(sums), tuple(kept))

    def chain(key, s0, beta):
        k_burn, k_run = jax.random.split(key)
        state = sweeps(k_burn, kernel.init(s0), burn, beta)
        state, (sums, kept) = jax.lax.scan(lambda st, k: record(st, k, beta), state,
                                           jax.random.split(k_run, n_samples))
        return sums, kept, state.spins

    sums, kept, last = jax.vmap(chain)(keys, spins, betas)
    return MCRGSamples(sums, tuple(kept), last)


def renormalized_couplings(blocks: Any, couplings: Sequence[str] = EVEN_COUPLINGS, *,
                           n_iter: int = 20, chunk: int = 512) -> jax.Array:
    """The couplings K_a of -beta H = sum_a K_a S_a from samples of it (Swendsen 1984).

    Solves sum_i <g_(a,i) (s_i - tanh(sum_b K_b g_(b,i)))> = 0 for every a (g = dS/ds_i, see
    :func:`statmech.rg.local_fields`) by Newton's method from K = 0: the gradient of the
    concave pseudo-log-likelihood sum_i [s_i phi_i - ln 2 cosh phi_i], phi_i = K.g_i, whose
    Hessian is -sum_i (1 - tanh^2 phi_i) g_i g_i^T. Exact (consistent) when the sampled
    distribution lies in the span of the operators; otherwise the truncation's projection.

    Args:
      blocks: samples, +-1, [n, L, M] (periodic).
      couplings: the operator names (default :data:`statmech.rg.EVEN_COUPLINGS`).
      n_iter: Newton iterations, an int >= 1 (default 20).
      chunk: samples per accumulated block (memory), an int >= 1.

    Returns:
      K, [n_couplings] (float32).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> s = jnp.where(jax.random.bernoulli(jax.random.key(0), 0.5, (64, 8, 8)), 1, -1)
      >>> bool(jnp.all(jnp.abs(renormalized_couplings(s, ("nn", "nnn"))) < 0.05))  # K = 0
      True

    References:
      R. H. Swendsen, Phys. Rev. Lett. 52, 1165 (1984); J. Besag, The Statistician 24, 179
      (1975) (pseudo-likelihood).
    """
    check_pm1(blocks, "blocks")
    shape = tuple(jnp.shape(blocks))
    if len(shape) != 3 or shape[0] < 1:
        raise ValueError(f"blocks must be samples [n, L, M], got shape {shape}")
    names = check_couplings(couplings)
    n_iter = check_static_int(n_iter, "n_iter", minimum=1)
    chunk = min(check_static_int(chunk, "chunk", minimum=1), shape[0])
    return _newton(jnp.asarray(blocks, jnp.int8), names, n_iter, chunk)


@partial(jax.jit, static_argnums=(1, 2, 3))
def _newton(x, names, n_iter, chunk):
    n = x.shape[0]
    n_chunks = -(-n // chunk)
    pad = n_chunks * chunk - n
    x = jnp.concatenate([x, jnp.ones((pad,) + x.shape[1:], jnp.int8)]) if pad else x
    x = x.reshape((n_chunks, chunk) + x.shape[1:])
    weight = (jnp.arange(n_chunks * chunk) < n).astype(jnp.float32).reshape(n_chunks, chunk)

    def moments(K):
        def add(acc, xs):
            s, w = xs
            g = jax.vmap(lambda c: local_fields(c, names))(s)             # [m, a, L, M]
            t = jnp.tanh(jnp.einsum("a,mali->mli", K, g))
            sf = s.astype(jnp.float32)
            grad = jnp.einsum("m,mali,mli->a", w, g, sf - t)
            hess = jnp.einsum("m,mali,mbli,mli->ab", w, g, g, 1.0 - t * t)
            return (acc[0] + grad, acc[1] + hess), None
        a = len(names)
        return jax.lax.scan(add, (jnp.zeros(a), jnp.zeros((a, a))), (x, weight))[0]

    def step(K, _):
        grad, hess = moments(K)
        scale = jnp.maximum(jnp.max(jnp.abs(jnp.diag(hess))), 1.0)
        hess = hess + 1e-6 * scale * jnp.eye(len(names))
        return K + jnp.linalg.solve(hess, grad), None

    return jax.lax.scan(step, jnp.zeros(len(names)), None, length=n_iter)[0]


def linearized_rg(fine: Any, coarse: Any) -> np.ndarray:
    """T_ab = dK^(n+1)_a / dK^(n)_b from the operators of the same samples at two levels.

    T = A^-1 B with A_ca = <S'_c S'_a> - <S'_c><S'_a> and B_cb = <S'_c S_b> - <S'_c><S_b>
    (S = S^(n), S' = S^(n+1); totals over the lattice, not per site), in float64.

    Args:
      fine: S^(n), [n_samples, n_couplings] (lattice sums).
      coarse: S^(n+1) of the same samples, [n_samples, n_couplings'].

    Returns:
      T, [n_couplings', n_couplings] (a NumPy array).

    Example:
      >>> import numpy as np
      >>> x = np.random.default_rng(0).normal(size=(1000, 2))
      >>> np.allclose(linearized_rg(x, 2 * x), 0.5 * np.eye(2))
      True

    References:
      R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).
    """
    fine, coarse = np.asarray(fine, np.float64), np.asarray(coarse, np.float64)
    if fine.ndim != 2 or coarse.ndim != 2 or len(fine) != len(coarse) or len(fine) < 2:
        raise ValueError(f"fine and coarse must be [n_samples, n_couplings] of the same samples "
                         f"(n_samples >= 2), got shapes {fine.shape} and {coarse.shape}")
    if not (np.all(np.isfinite(fine)) and np.all(np.isfinite(coarse))):
        raise ValueError("fine and coarse must be finite")
    dc, df = coarse - coarse.mean(0), fine - fine.mean(0)
    A, B = dc.T @ dc, dc.T @ df
    return np.linalg.solve(A, B)


def rg_eigenvalues(T: Any) -> np.ndarray:
    """The eigenvalues of a linearized RG matrix, largest real part first (real parts).

    Example:
      >>> rg_eigenvalues([[2.0, 0.0], [0.0, 0.5]]).tolist()
      [2.0, 0.5]
    """
    T = np.asarray(T, np.float64)
    if T.ndim != 2 or T.shape[0] != T.shape[1]:
        raise ValueError(f"T must be a square matrix, got shape {T.shape}")
    return np.sort(np.linalg.eigvals(T).real)[::-1]
