"""Thermodynamic integration: ln Z(beta) = ln Z(0) - integral_0^beta <E>_b db.

<E>_b is estimated at quadrature nodes b_k by ``n_chains`` independent chains of any
:class:`statmech.mcmc.SamplingAlgorithm` (``vmap`` over chains), annealed through the nodes in
increasing b (``lax.scan``), all in one compiled program. Each chain gives its own integral; the
error bar is the spread of those (independent) integrals, which accounts for the correlation
between the nodes of one chain. The quadrature error is not in the error bar: use enough nodes
that it is small against it (the integrand is smooth on a finite lattice).

References:
  J. G. Kirkwood, J. Chem. Phys. 3, 300 (1935); D. Frenkel and B. Smit, Understanding
  Molecular Simulation, ch. 7 (2002).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from statmech._types import EnergyFn
from statmech.estimators._common import (
    check_common,
    init_all,
    uniform_positions,
    unit_values,
)
from statmech.estimators.base import LogZEstimate
from statmech.estimators.score import with_score_gradient
from statmech.mcmc.base import SamplingAlgorithm, check_params, position_of
from statmech.validate import check_static_int, float_dtype

__all__ = ["thermodynamic_integration", "quadrature"]


def quadrature(n_nodes: int, rule: str = "gauss_legendre") -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on [0, 1]: Gauss-Legendre (exact for polynomials of degree
    2 n - 1) or the trapezoid rule on equally spaced nodes (including both ends).

    Example:
      >>> x, w = quadrature(3); round(float(w.sum()), 12)
      1.0
    """
    n_nodes = check_static_int(n_nodes, "n_nodes", minimum=2)
    if rule == "gauss_legendre":
        x, w = np.polynomial.legendre.leggauss(n_nodes)
        return (x + 1.0) / 2.0, w / 2.0
    if rule == "trapezoid":
        x = np.linspace(0.0, 1.0, n_nodes)
        w = np.full(n_nodes, 1.0 / (n_nodes - 1))
        w[[0, -1]] /= 2.0
        return x, w
    raise ValueError(f"quadrature must be 'gauss_legendre' or 'trapezoid', got {rule!r}")


def thermodynamic_integration(key: jax.Array, algo: SamplingAlgorithm, energy_fn: EnergyFn,
                              params: Any, beta: Any, *, shape: tuple[int, ...], n_chains: int,
                              n_nodes: int = 32, n_burn: int = 200, n_steps: int = 1000,
                              quadrature_rule: str = "gauss_legendre",
                              spins: tuple[int, ...] = (-1, 1), anneal: bool = True
                              ) -> LogZEstimate:
    """ln Z(beta) = n ln 2 - beta sum_k w_k <E>_(x_k beta), the mean energies from Monte Carlo.

    ``n_chains`` independent chains start uniform at random and are annealed through the nodes
    (``anneal=True``, a ``lax.scan`` over increasing b), or every node runs its own fresh chains
    in parallel (``anneal=False``, ``vmap`` over b: faster on many cores, but below a critical
    point random starts can stay in metastable domain states). At each node ``n_burn`` sweeps
    are discarded and ``n_steps`` averaged. A last node at beta
    itself supplies the gradient (custom_vjp): -beta <dE/dtheta> and -<E> from its samples.

    Args:
      key: a ``jax.random.key``.
      algo: the sampler, e.g. ``statmech.mcmc.heat_bath("lattice")``.
      energy_fn: ``energy_fn(params, x) -> scalar``, the energy the sampler samples.
      params: model parameters (traced).
      beta: inverse temperature >= 0 (traced).
      shape: shape of one configuration.
      n_chains: chains per node, >= 2.
      n_nodes: quadrature nodes, >= 2.
      n_burn, n_steps: sweeps discarded and averaged per chain.
      quadrature_rule: ``"gauss_legendre"`` or ``"trapezoid"``.
      spins: unit values (2, or the q states of a Potts model); ln Z(0) = n ln len(spins).
      anneal: carry the chains from node to node (default) or start every node afresh.

    Returns:
      :class:`LogZEstimate`; ``ess`` is the number of chains per node, ``log_weights`` None.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.estimators import thermodynamic_integration
      >>> from statmech.mcmc import heat_bath, LatticeParams
      >>> E = lambda p, s: -jnp.sum(s * (jnp.roll(s, 1, 0) + jnp.roll(s, 1, 1)))
      >>> est = thermodynamic_integration(jax.random.key(0), heat_bath("lattice"), E,
      ...     LatticeParams(), 0.3, shape=(4, 4), n_chains=16, n_nodes=8, n_steps=300)
      >>> bool(abs(est.log_z - 12.7855) < 4 * est.stderr + 0.02)    # exact (Kaufman): 12.7855
      True
    """
    n_chains, n_steps = check_common(algo, energy_fn, beta, n_chains, n_steps)
    n_burn = check_static_int(n_burn, "n_burn", minimum=0)
    x_nodes, w_nodes = quadrature(n_nodes, quadrature_rule)
    pair = unit_values(spins)
    shape = tuple(int(d) for d in shape)
    log_z0 = int(np.prod(shape)) * np.log(len(pair))
    k_init, k_run = jax.random.split(key)
    n_runs = n_nodes + 1
    positions = uniform_positions(k_init, shape, n_chains, pair)
    states = init_all(algo, positions, check_every=False)
    check_params(params, jax.tree_util.tree_map(lambda x: x[0], states))
    t = jnp.asarray(np.append(x_nodes, 1.0), float_dtype())
    w = jnp.asarray(w_nodes, float_dtype())

    def chain(key, state, params, b):
        energy = lambda s: energy_fn(params, position_of(s).astype(float_dtype()))

        def sweep(st, k):
            return algo.step(k, st, params, b)[0], None

        k_burn, k_keep = jax.random.split(key)
        if n_burn:
            state = lax.scan(sweep, state, jax.random.split(k_burn, n_burn))[0]

        def record(st, k):
            st = algo.step(k, st, params, b)[0]
            return st, energy(st)

        state, energies = lax.scan(record, state, jax.random.split(k_keep, n_steps))
        return state, jnp.mean(energies)

    def run(params, beta, aux):
        k_run, states = aux
        # Chains are annealed through the nodes in increasing order (each node starts from the
        # previous node's states, then n_burn sweeps), which avoids the metastable domain
        # states that random starts fall into below T_c.
        def node(st, xs):
            b, keys = xs
            st, means = jax.vmap(lambda k, s: chain(k, s, params, b))(keys, st)
            return st, means

        keys = jax.random.split(k_run, n_runs * n_chains).reshape(n_runs, n_chains)
        if anneal:
            final, chain_means = lax.scan(node, states, (t * beta, keys))  # [n_runs, n_chains]
        else:
            final, chain_means = jax.vmap(lambda b, ks: node(states, (b, ks)))(t * beta, keys)
            final = jax.tree_util.tree_map(lambda x: x[-1], final)
        # per-chain integrals: the nodes of one chain are correlated, the chains independent
        per_chain = log_z0 - beta * jnp.sum(w[:, None] * chain_means[:-1], axis=0)
        log_z = jnp.mean(per_chain)
        stderr = jnp.std(per_chain, ddof=1) / jnp.sqrt(n_chains)
        zeros = jnp.zeros((n_chains,), float_dtype())
        return log_z, stderr, jnp.asarray(n_chains, float_dtype()), zeros, final, zeros

    log_z, stderr, ess, _ = with_score_gradient(run, energy_fn)(
        params, jnp.asarray(beta, float_dtype()), (k_run, states))
    return LogZEstimate(log_z, lax.stop_gradient(stderr), lax.stop_gradient(ess), None)
