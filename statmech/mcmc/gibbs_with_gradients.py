"""Gibbs-with-Gradients: a locally balanced single-flip proposal from the energy's gradient.

With f = -beta E and d_i = delta_i df/dx_i the first-order estimate of f(flip_i x) - f(x),
the unit to flip is drawn from q(i | x) = softmax(d / 2) (a locally balanced proposal,
Zanella 2020), and the flip is accepted with probability

  min(1, exp(f(x') - f(x)) q(i | x') / q(i | x)),

which makes the chain exact for any differentiable energy on binary units. One step is one
proposal and costs two energy gradients; for a smooth energy it flips the units that matter
far more often than a uniformly random Metropolis flip.

References:
  W. Grathwohl, K. Swersky, M. Hashemi, D. Duvenaud and C. J. Maddison, "Oops I took a
  gradient: scalable sampling for discrete distributions", ICML 2021; G. Zanella, JASA 115,
  852 (2020).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from statmech.mcmc import _gradient
from statmech.mcmc._gradient import GradientInfo
from statmech.mcmc.base import SamplingAlgorithm, SpinState
from statmech.validate import float_dtype

__all__ = ["gibbs_with_gradients", "build_kernel"]


def build_kernel(energy_fn: Callable, domain: tuple[float, float]):
    """The ``step(key, state, params, beta) -> (SpinState, GradientInfo)`` of one proposal."""
    def step(key: jax.Array, state: SpinState, params: Any, beta: Any):
        x = state.spins.astype(float_dtype())
        beta = jnp.asarray(beta, float_dtype())
        shape = x.shape
        f, g = _gradient.log_prob_and_grad(energy_fn, params, x, beta)
        logits = (_gradient.flip(x, domain) * g).reshape(-1) / 2.0
        k_pick, k_accept = jax.random.split(key)
        i = jax.random.categorical(k_pick, logits)
        flat = x.reshape(-1)
        proposal = flat.at[i].set(domain[0] + domain[1] - flat[i]).reshape(shape)
        f_new, g_new = _gradient.log_prob_and_grad(energy_fn, params, proposal, beta)
        logits_new = (_gradient.flip(proposal, domain) * g_new).reshape(-1) / 2.0
        log_ratio = (f_new - f + jax.nn.log_softmax(logits_new)[i]
                     - jax.nn.log_softmax(logits)[i])
        accept = jnp.log(jax.random.uniform(k_accept, dtype=log_ratio.dtype)) < log_ratio
        new = jnp.where(accept, proposal, x).astype(state.spins.dtype)
        return SpinState(new), GradientInfo(accept.astype(float_dtype()),
                                            accept.astype(jnp.int32))

    return step


def gibbs_with_gradients(energy_fn: Callable, *, spins: tuple[int, int] = (-1, 1)
                         ) -> SamplingAlgorithm:
    """Gibbs-with-Gradients sampler for any differentiable energy of binary units.

    q(i | x) = softmax_i(delta_i df/dx_i / 2), f = -beta E, then a Metropolis-Hastings
    correction, so p(x) proportional to exp(-beta E(params, x)) is exactly invariant.

    Args:
      energy_fn: ``energy_fn(params, x) -> scalar``, differentiable in x (x is passed as
        floats of the unit values, any shape).
      spins: the unit values, (-1, 1) (default) or (0, 1).

    Returns:
      ``SamplingAlgorithm(init, step)``; ``init(position)`` takes int8 (or any integer) units,
      ``step(key, state, params, beta)`` makes one proposal; Info: :class:`GradientInfo`.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> energy = lambda w, x: -jnp.sum(w * x)               # independent units, fields w
      >>> algo = gibbs_with_gradients(energy)
      >>> state = algo.init(jnp.ones(4, jnp.int8))
      >>> state, info = jax.jit(algo.step)(jax.random.key(0), state, jnp.zeros(4), 1.0)
      >>> int(jnp.sum(state.spins != 1)), float(info.acceptance_rate)   # flat: always accepted
      (1, 1.0)

    References:
      Grathwohl, Swersky, Hashemi, Duvenaud and Maddison, ICML 2021.
    """
    energy_fn = _gradient.check_energy_fn(energy_fn)
    domain = _gradient.check_domain(spins)

    def init(position: Any) -> SpinState:
        return _gradient.init(position, domain)

    return SamplingAlgorithm(init, build_kernel(energy_fn, domain))
