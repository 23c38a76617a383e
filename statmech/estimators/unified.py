"""``statmech.log_z``: one differentiable entry point to every ln Z method.

Exact methods (enumeration, Kaufman, transfer matrix) are differentiated straight through by
autodiff and return stderr 0. Monte Carlo methods (AIS, reverse AIS, thermodynamic integration)
return their error bar, and their gradient is the score-function identity
d ln Z / d theta = -beta E_p[dE/dtheta] (and d ln Z / d beta = -<E>) from their own samples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from statmech.estimators.ais import ais, reverse_ais
from statmech.estimators.base import LogZEstimate
from statmech.estimators.schedules import linear
from statmech.estimators.ti import thermodynamic_integration
from statmech.exact import (
    MAX_ENUMERATE,
    MAX_WIDTH_SPARSE,
    ising2d_log_z,
    log_z_enumerate,
    transfer_matrix_log_z,
)
from statmech.lattice.params import LatticeParams, SquareLattice, lattice_energy
from statmech.validate import check_beta, check_static_int, is_concrete

__all__ = ["SquareLattice", "log_z", "METHODS"]

METHODS = ("auto", "enumerate", "kaufman", "transfer_matrix", "ais", "reverse_ais", "ti")
_MC = ("ais", "reverse_ais", "ti")


def _exact(value) -> LogZEstimate:
    value = jnp.asarray(value)
    return LogZEstimate(value, jnp.zeros_like(value), jnp.full_like(value, jnp.inf), None)


def _concrete_zero(x) -> bool:
    return is_concrete(x) and bool(np.all(np.asarray(x) == 0))


def _kaufman_applies(params: LatticeParams) -> str | None:
    """None when Kaufman applies, else the reason (isotropic scalar J, h = 0)."""
    jr, jd, h = params
    if jnp.ndim(jr) or jnp.ndim(jd):
        return "J_right and J_down must be scalars (uniform couplings)"
    if jr is not jd and not (is_concrete(jr) and is_concrete(jd) and float(jr) == float(jd)):
        return "J_down must equal J_right (pass the same value or array for both)"
    if not _concrete_zero(h):
        return "h must be 0 (known at call time); Kaufman's solution has no field"
    return None


def log_z(model: Any, params: Any, beta: Any = 1.0, *, method: str = "auto",
          key: jax.Array | None = None, **options) -> LogZEstimate:
    """ln Z(params, beta) = ln sum_x exp(-beta E(x)) by the method asked for, as a LogZEstimate.

    Args:
      model: a :class:`SquareLattice` (Ising on the periodic square lattice, params
        :class:`~statmech.mcmc.LatticeParams`), or an energy function ``energy_fn(params, x)``.
      params: model parameters (traced: differentiable, never recompiles).
      beta: inverse temperature >= 0 (traced; ``grad`` in beta gives -<E>).
      method: one of ``METHODS``:

        - ``"enumerate"``: exact, n <= 32 units (energy functions need ``n=``; optional
          ``spins=``);
        - ``"kaufman"``: exact, SquareLattice with uniform isotropic J and h = 0;
        - ``"transfer_matrix"``: exact, SquareLattice with min(L, M) <= 20 (any J, h);
        - ``"ais"``, ``"reverse_ais"``, ``"ti"``: Monte Carlo, need ``key``; energy functions
          also need ``algo=`` (a sampler) and ``shape=``; ``reverse_ais`` needs ``samples=``.
          Other options go to :func:`~statmech.estimators.ais`,
          :func:`~statmech.estimators.reverse_ais` or
          :func:`~statmech.estimators.thermodynamic_integration` (defaults: 256 chains, a
          1000-step linear schedule; TI 16 chains, 32 nodes);
        - ``"auto"``: Kaufman when it applies, else the transfer matrix when the lattice is
          narrow enough, else enumeration for n <= 20 energy functions, else AIS.

      key: a ``jax.random.key`` for the Monte Carlo methods.

    Returns:
      :class:`LogZEstimate`; exact methods have stderr 0 and ess inf.

    Example:
      >>> import jax, statmech
      >>> from statmech.estimators import SquareLattice
      >>> from statmech.mcmc import LatticeParams
      >>> est = statmech.log_z(SquareLattice(4), LatticeParams(), 0.3, method="kaufman")
      >>> round(float(est.log_z), 4), float(est.stderr)
      (12.7855, 0.0)
      >>> g = jax.grad(lambda b: statmech.log_z(SquareLattice(4), LatticeParams(), b).log_z)
      >>> round(float(g(0.3)), 4)                       # -<E>
      13.5049
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    check_beta(beta)
    if isinstance(model, SquareLattice):
        return _lattice(model, params, beta, method, key, options)
    if callable(model):
        return _energy_fn(model, params, beta, method, key, options)
    raise TypeError(f"model must be a statmech.estimators.SquareLattice or an energy function "
                    f"energy_fn(params, x), got {type(model).__name__}")


def _need_key(key, method):
    if key is None:
        raise ValueError(f"method={method!r} is a Monte Carlo method: pass key=jax.random.key(...)")


def _lattice(model: SquareLattice, params, beta, method, key, options) -> LogZEstimate:
    L, M = model.shape
    check_static_int(L, "L", minimum=2)
    check_static_int(M, "M", minimum=2)
    if not isinstance(params, LatticeParams):
        raise TypeError(f"params must be statmech.mcmc.LatticeParams for a SquareLattice, got "
                        f"{type(params).__name__}")
    if method == "auto":
        if _kaufman_applies(params) is None:
            method = "kaufman"
        elif min(L, M) <= MAX_WIDTH_SPARSE:
            method = "transfer_matrix"
        else:
            method = "ais"
    if method == "kaufman":
        reason = _kaufman_applies(params)
        if reason is not None:
            raise ValueError(f"method='kaufman' does not apply to these params: {reason}")
        return _exact(ising2d_log_z(L, M, beta, params.J_right))
    if method == "transfer_matrix":
        full = [jnp.broadcast_to(jnp.asarray(p, dtype=float), (L, M)) for p in params]
        return _exact(transfer_matrix_log_z(*full, beta))
    if method == "enumerate":
        if L * M > MAX_ENUMERATE:
            raise ValueError(f"method='enumerate' needs L*M <= {MAX_ENUMERATE}, got {L}x{M}")
        return _exact(log_z_enumerate(lambda p, x: lattice_energy(p, x.reshape(L, M)), params,
                                      L * M, beta))
    from statmech.mcmc.heat_bath import heat_bath

    options.setdefault("algo", heat_bath("lattice"))
    options.setdefault("shape", (L, M))
    return _monte_carlo(lattice_energy, params, beta, method, key, options)


def _energy_fn(energy_fn: Callable, params, beta, method, key, options) -> LogZEstimate:
    if method in ("kaufman", "transfer_matrix"):
        raise ValueError(f"method={method!r} needs a statmech.estimators.SquareLattice model, "
                         f"not an energy function")
    if method == "auto":
        n = options.get("n")
        method = "enumerate" if n is not None and n <= 20 else "ais"
    if method == "enumerate":
        if "n" not in options:
            raise ValueError("method='enumerate' with an energy function needs n= (the number "
                             "of units)")
        n = options.pop("n")
        spins = options.pop("spins", (-1, 1))
        if options:
            raise TypeError(f"unexpected options for method='enumerate': {sorted(options)}")
        return _exact(log_z_enumerate(energy_fn, params, n, beta, spins=spins))
    options.pop("n", None)
    for name in ("algo", "shape") if method != "reverse_ais" else ("algo",):
        if name not in options:
            raise ValueError(f"method={method!r} with an energy function needs {name}=")
    return _monte_carlo(energy_fn, params, beta, method, key, options)


def _monte_carlo(energy_fn, params, beta, method, key, options) -> LogZEstimate:
    _need_key(key, method)
    algo = options.pop("algo")
    if method == "ais":
        options.setdefault("n_chains", 256)
        options.setdefault("schedule", linear(1000))
        return ais(key, algo, energy_fn, params, beta, **options)
    if method == "reverse_ais":
        if "samples" not in options:
            raise ValueError("method='reverse_ais' needs samples= (configurations from the "
                             "target distribution, [n_chains, *shape])")
        options.pop("shape", None)
        samples = options.pop("samples")
        options.setdefault("schedule", linear(1000))
        return reverse_ais(key, algo, energy_fn, params, beta, samples, **options)
    options.setdefault("n_chains", 16)
    return thermodynamic_integration(key, algo, energy_fn, params, beta, **options)
