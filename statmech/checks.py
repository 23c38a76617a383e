"""Checked variants for use under ``jit``: the value checks that a traced argument defers.

Every public function checks its arguments at the call boundary, before any tracing: shapes
and dtypes always, values (finite, beta >= 0, spins +-1, units 0/1) whenever they are concrete.
Inside ``jit``, ``vmap`` or ``grad`` the values are tracers and those checks cannot run ahead.
:func:`checked` wraps any function with the same value checks written as
:func:`jax.experimental.checkify.check` calls, plus a check that every floating-point output
is finite, and functionalises them with :func:`jax.experimental.checkify.checkify`: the wrapped
function returns ``(error, out)`` and works under ``jit``; ``error.throw()`` raises a
``checkify.JaxRuntimeError`` whose message names the argument and the offending value.

Only the checks asked for (and the output check) are added: the computation itself is not
checked op by op, so the guarded paths inside the library (double-``where``, masked
log-sum-exp), which produce and discard NaN by design, raise no false alarm.

Ready-made variants of the exact partition functions: :data:`log_z_enumerate`,
:data:`ising2d_log_z`, :data:`onsager_log_z_per_site` and :data:`transfer_matrix_log_z`.

Example:
  >>> import jax, jax.numpy as jnp
  >>> from statmech import checks
  >>> f = jax.jit(checks.ising2d_log_z, static_argnums=(0, 1))
  >>> err, out = f(4, 4, jnp.float32(0.4))
  >>> err.get() is None, round(float(out), 4)
  (True, 14.5611)
  >>> err, out = f(4, 4, jnp.float32(-0.4))
  >>> print(err.get().split(" (`check` failed)")[0])
  beta must be >= 0 (an inverse temperature), got -0.4000000059604645
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.experimental import checkify

from statmech import exact

__all__ = ["KINDS", "checked", "log_z_enumerate", "ising2d_log_z", "onsager_log_z_per_site",
           "transfer_matrix_log_z"]


def _first_bad(x: jax.Array, ok: jax.Array) -> jax.Array:
    """The first entry of ``x`` where ``ok`` is False (or x's first entry)."""
    x, ok = jnp.ravel(x), jnp.ravel(ok)
    return x[jnp.argmin(ok)]


def _finite(x, name):
    ok = jnp.isfinite(x)
    checkify.check(jnp.all(ok), f"{name} must be finite, got {{bad}}", bad=_first_bad(x, ok))


def _beta(x, name):
    _finite(x, name)
    ok = x >= 0
    checkify.check(jnp.all(ok), f"{name} must be >= 0 (an inverse temperature), got {{bad}}",
                   bad=_first_bad(x, ok))


def _pm1(x, name):
    ok = (x == -1) | (x == 1)
    checkify.check(jnp.all(ok), f"{name} must contain only -1 and +1, got {{bad}}",
                   bad=_first_bad(x, ok))


def _units(x, name):
    ok = (x == 0) | (x == 1)
    checkify.check(jnp.all(ok), f"{name} must contain only 0 and 1, got {{bad}}",
                   bad=_first_bad(x, ok))


KINDS: dict[str, Callable[[jax.Array, str], None]] = {
    "finite": _finite, "beta": _beta, "pm1": _pm1, "units": _units}
"""The value checks :func:`checked` knows: ``finite`` (no NaN or inf), ``beta`` (finite and
>= 0), ``pm1`` (every entry -1 or +1), ``units`` (every entry 0 or 1)."""


def _apply(kind: str, value: Any, name: str) -> None:
    leaves = jax.tree_util.tree_leaves_with_path(value)
    for path, leaf in leaves:
        label = name + jax.tree_util.keystr(path) if len(leaves) > 1 else name
        KINDS[kind](jnp.asarray(leaf), label)


def checked(fn: Callable, **checks: str) -> Callable:
    """``fn`` with in-graph value checks of named arguments, returning ``(error, out)``.

    ``g(*args, **kwargs) = checkify(checks(args); out = fn(*args, **kwargs); isfinite(out))``.

    Args:
      fn: any function.
      **checks: argument name -> a kind of :data:`KINDS` (``"finite"``, ``"beta"``, ``"pm1"``,
        ``"units"``); a pytree argument is checked leaf by leaf.

    Returns:
      A function with ``fn``'s signature returning ``(checkify.Error, out)``; jit it with the
      same static arguments as ``fn``. ``error.get()`` is None when every check passed;
      ``error.throw()`` raises otherwise.

    Raises:
      TypeError: ``fn`` is not callable.
      ValueError: a name that is not a parameter of ``fn``, or an unknown kind.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> energy = lambda J, s: -J * jnp.sum(s * jnp.roll(s, 1))
      >>> g = jax.jit(checked(energy, J="finite", s="pm1"))
      >>> err, e = g(1.0, jnp.array([1.0, -1.0, 1.0, 1.0]))
      >>> err.get() is None, float(e)
      (True, -0.0)
      >>> err, _ = g(1.0, jnp.array([1.0, 0.0, 1.0, 1.0]))
      >>> err.get().startswith("s must contain only -1 and +1, got 0.0")
      True

    References:
      JAX documentation, "The checkify transformation" (jax.experimental.checkify).
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    sig = inspect.signature(fn)
    for name, kind in checks.items():
        if kind not in KINDS:
            raise ValueError(f"check for {name!r} must be one of {sorted(KINDS)}, got {kind!r}")
        if name not in sig.parameters:
            raise ValueError(f"{name!r} is not a parameter of {getattr(fn, '__name__', fn)}; "
                             f"its parameters are {list(sig.parameters)}")

    def body(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        for name, kind in checks.items():
            _apply(kind, bound.arguments[name], name)
        out = fn(*args, **kwargs)
        for path, leaf in jax.tree_util.tree_leaves_with_path(out):
            leaf = jnp.asarray(leaf)
            if jnp.issubdtype(leaf.dtype, jnp.inexact):
                _finite(leaf, "the result" + jax.tree_util.keystr(path))
        return out

    return functools.wraps(fn)(checkify.checkify(body, errors=checkify.user_checks))


log_z_enumerate = checked(exact.log_z_enumerate, beta="beta", params="finite")
""":func:`statmech.exact.log_z_enumerate` with beta and params checked in-graph."""

ising2d_log_z = checked(exact.ising2d_log_z, beta="beta", J="finite")
""":func:`statmech.exact.ising2d_log_z` with beta and J checked in-graph."""

onsager_log_z_per_site = checked(exact.onsager_log_z_per_site, beta="beta", J="finite")
""":func:`statmech.exact.onsager_log_z_per_site` with beta and J checked in-graph."""

transfer_matrix_log_z = checked(exact.transfer_matrix_log_z, J_right="finite", J_down="finite",
                                h="finite", beta="beta")
""":func:`statmech.exact.transfer_matrix_log_z` with couplings, fields and beta checked
in-graph."""
