"""The sampling driver: run a kernel under ``lax.scan``, accumulating streaming moments."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from statmech.mcmc.base import SamplingAlgorithm, check_params
from statmech.validate import check_beta, check_chain_axis, check_static_int

__all__ = ["Moments", "SampleResult", "sample", "sample_chains"]


class Moments(NamedTuple):
    """Streaming (Welford) moments of each observable over the recorded samples.

    Attributes:
      count: number of recorded samples.
      mean: running mean (pytree like the observables).
      m2: running sum of squared deviations; variance = m2 / count.
    """

    count: jax.Array
    mean: Any
    m2: Any

    @property
    def variance(self):
        """Population variance of each observable over the recorded samples."""
        return jax.tree_util.tree_map(lambda m: m / self.count, self.m2)


class SampleResult(NamedTuple):
    """What :func:`sample` returns.

    Attributes:
      state: the final state (continue the chain from it).
      moments: :class:`Moments` of the observables over the recorded samples.
      trace: the recorded observables, leading axis n_steps // thin (``None`` unless
        ``keep_trace``); use it for autocorrelation times and error bars.
      states: the recorded states, leading axis n_steps // thin (``None`` unless
        ``keep_states``).
      info: the kernel's Info averaged over all steps.
    """

    state: Any
    moments: Moments
    trace: Any
    states: Any
    info: Any


def _welford(moments: Moments, x) -> Moments:
    count = moments.count + 1
    delta = jax.tree_util.tree_map(lambda m, v: v - m, moments.mean, x)
    mean = jax.tree_util.tree_map(lambda m, d: m + d / count, moments.mean, delta)
    m2 = jax.tree_util.tree_map(lambda s, d, v, mn: s + d * (v - mn), moments.m2, delta, x, mean)
    return Moments(count, mean, m2)


def sample(kernel: SamplingAlgorithm | Callable, key: jax.Array, state: Any, n_steps: int, *,
           params: Any, beta: Any, thin: int = 1,
           observe: Callable[[Any, Any, Any], Any] | None = None,
           keep_trace: bool = True, keep_states: bool = False) -> SampleResult:
    """Run ``n_steps`` sweeps of a kernel in one compiled ``lax.scan``.

    Every ``thin`` sweeps the observables ``observe(state, params, beta)`` are recorded: their
    moments are accumulated in a streaming (Welford) update, so memory does not grow with the
    run length; optionally the observable trace (scalars, for tau_int) and the configurations
    are kept too.

    Args:
      kernel: a :class:`SamplingAlgorithm` or its ``step(key, state, params, beta)``.
      key: a ``jax.random.key``.
      state: the initial state (from ``kernel.init``).
      n_steps: number of sweeps, a multiple of ``thin``.
      params: model parameters passed to the kernel (traced).
      beta: inverse temperature (traced: changing it does not recompile).
      thin: record every ``thin``-th sweep.
      observe: ``observe(state, params, beta) -> pytree of arrays``; default: no observables.
      keep_trace: keep the recorded observables (leading axis n_steps // thin).
      keep_states: keep the recorded states.

    Returns:
      :class:`SampleResult` ``(state, moments, trace, states, info)``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.mcmc import heat_bath, sample, LatticeParams
      >>> algo = heat_bath("lattice")
      >>> m = lambda s, p, b: jnp.abs(jnp.mean(s.spins.astype(jnp.float32)))
      >>> res = sample(algo, jax.random.key(0), algo.init(jnp.ones((8, 8))), 100,
      ...              params=LatticeParams(), beta=0.6, observe=m)
      >>> res.trace.shape, bool(res.moments.mean > 0.8)
      ((100,), True)
    """
    step = kernel.step if isinstance(kernel, SamplingAlgorithm) else kernel
    if not callable(step):
        raise TypeError(f"kernel must be a SamplingAlgorithm or a step function, got "
                        f"{type(kernel).__name__}")
    n_steps = check_static_int(n_steps, "n_steps", minimum=1)
    thin = check_static_int(thin, "thin", minimum=1)
    if n_steps % thin:
        raise ValueError(f"n_steps must be a multiple of thin, got n_steps={n_steps}, "
                         f"thin={thin}")
    check_beta(beta)
    check_params(params, state)
    if observe is not None and not callable(observe):
        raise TypeError(f"observe must be callable, got {type(observe).__name__}")
    observe = observe if observe is not None else _no_observables
    return _sample(step, key, state, params, jnp.asarray(beta, dtype=float), n_steps, thin,
                   observe, bool(keep_trace), bool(keep_states))


def _no_observables(state, params, beta):
    return ()


@functools.partial(jax.jit, static_argnums=(0, 5, 6, 7, 8, 9))
def _sample(step, key, state, params, beta, n_steps, thin, observe, keep_trace, keep_states):
    obs0 = observe(state, params, beta)
    zeros = jax.tree_util.tree_map(lambda o: jnp.zeros_like(jnp.asarray(o, dtype=float)), obs0)
    moments = Moments(jnp.zeros((), jnp.int32), zeros, zeros)
    info0 = jax.eval_shape(lambda: step(key, state, params, beta)[1])
    info_zero = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, jnp.float32), info0)

    def sweep(carry, k):
        st, info_sum = carry
        st, info = step(k, st, params, beta)
        info_sum = jax.tree_util.tree_map(lambda a, b: a + b.astype(a.dtype), info_sum, info)
        return (st, info_sum), None

    def record(carry, k):
        st, mom, info_sum = carry
        (st, info_sum), _ = lax.scan(sweep, (st, info_sum), jax.random.split(k, thin))
        obs = jax.tree_util.tree_map(lambda o: jnp.asarray(o, dtype=float),
                                     observe(st, params, beta))
        mom = _welford(mom, obs)
        out = (obs if keep_trace else None, st if keep_states else None)
        return (st, mom, info_sum), out

    n_records = n_steps // thin
    (state, moments, info_sum), (trace, states) = lax.scan(
        record, (state, moments, info_zero), jax.random.split(key, n_records))
    info = jax.tree_util.tree_map(lambda a: a / n_steps, info_sum)
    return SampleResult(state, moments, trace, states, info)


@functools.lru_cache(maxsize=64)
def _compiled_chains(step: Callable, n_steps: int, kwargs: tuple, shardings: tuple | None):
    kw = dict(kwargs)

    def run(keys, states, params, beta):
        one = lambda k, s: sample(step, k, s, n_steps, params=params, beta=beta, **kw)  # noqa: E731
        return jax.vmap(one)(keys, states)

    if shardings is None:
        return jax.jit(run)
    chains, replicated = shardings
    return jax.jit(run, in_shardings=(chains, chains, replicated, replicated),
                   out_shardings=chains)


def sample_chains(kernel: SamplingAlgorithm | Callable, keys: jax.Array, states: Any,
                  n_steps: int, *, params: Any, beta: Any, shardings: tuple | None = None,
                  **sample_kwargs: Any) -> SampleResult:
    """:func:`sample` for a batch of independent chains, in one compiled program.

    Equal to ``jax.vmap(lambda k, s: sample(kernel, k, s, n_steps, params=params, beta=beta,
    **sample_kwargs))(keys, states)`` bit for bit, compiled once per (kernel, n_steps,
    options): ``params`` and ``beta`` are traced and shared by every chain, so sweeping beta or
    changing the couplings never recompiles. :mod:`models.ising`, :mod:`models.potts` and
    :func:`statmech.sharding.sample_chains` (chains on a device mesh) all run through it.

    Args:
      kernel: a :class:`SamplingAlgorithm` or its ``step``.
      keys: one key per chain, leading axis n_chains (``jax.random.split(key, n)``).
      states: the initial states, a pytree with leading axis n_chains (``vmap(kernel.init)``).
      n_steps: sweeps per chain.
      params: model parameters (traced, shared).
      beta: inverse temperature (traced, shared).
      shardings: optional ``(chain_sharding, replicated_sharding)``, ``jax.sharding``
        objects for the chain axis and for ``params``/``beta`` (see
        :func:`statmech.sharding.sample_chains`); default: no placement.
      **sample_kwargs: ``thin``, ``observe``, ``keep_trace``, ``keep_states`` of
        :func:`sample`; they are static and must be hashable.

    Returns:
      :class:`SampleResult` with every leaf's leading axis n_chains.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from statmech.mcmc import heat_bath, LatticeParams
      >>> algo = heat_bath("lattice")
      >>> keys = jax.random.split(jax.random.key(0), 3)
      >>> states = jax.vmap(algo.init)(jnp.ones((3, 8, 8), jnp.int8))
      >>> res = sample_chains(algo, keys, states, 20, params=LatticeParams(), beta=0.4,
      ...                     keep_trace=False)
      >>> res.state.spins.shape
      (3, 8, 8)
    """
    step = kernel.step if isinstance(kernel, SamplingAlgorithm) else kernel
    if not callable(step):
        raise TypeError(f"kernel must be a SamplingAlgorithm or a step function, got "
                        f"{type(kernel).__name__}")
    n_steps = check_static_int(n_steps, "n_steps", minimum=1)
    n_chains = check_chain_axis(keys, "keys")
    n_states = check_chain_axis(states, "states")
    if n_states != n_chains:
        raise ValueError(f"keys and states must have the same n_chains, got {n_chains} keys and "
                         f"{n_states} states")
    check_beta(beta)
    try:
        kwargs = tuple(sorted(sample_kwargs.items()))
        hash(kwargs)
    except TypeError as err:
        raise TypeError(f"sample_kwargs must be hashable (they are static), got "
                        f"{sample_kwargs!r}") from err
    return _compiled_chains(step, n_steps, kwargs, shardings)(keys, states, params, beta)
