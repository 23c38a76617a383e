"""Argument checks for the public boundary, for the engine and for model authors.

Every public function calls these *outside* ``jit`` on its raw arguments. Shapes and dtypes are
always checked; values (finiteness, signs, domains) are checked whenever the argument is concrete,
i.e. not a JAX tracer. Under an outer ``jit``/``vmap`` the value checks are skipped silently (the
caller's transformation hides the values), never turned into a NaN.

Messages name the argument, what was expected and what was received.
"""

from __future__ import annotations

import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "is_concrete",
    "check_static_int",
    "check_beta",
    "check_real_array",
    "check_finite",
    "check_shape",
    "check_spins_pair",
    "check_binary_units",
    "check_pm1",
    "check_values",
    "check_lattice_spins",
    "check_symmetric",
    "check_key",
    "check_chain_axis",
    "float_dtype",
    "as_float",
]


def is_concrete(x: Any) -> bool:
    """True when ``x`` carries values (a number or an array), False for a JAX tracer."""
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))


def float_dtype() -> jnp.dtype:
    """The default float dtype: float64 when x64 is enabled, else float32."""
    return jnp.zeros((), dtype=float).dtype


def as_float(tree: Any) -> Any:
    """Every array (or number) of a pytree in the default float dtype, the container kept:
    how parameters and configurations enter the arithmetic of a model.

    Example:
      >>> import jax.numpy as jnp
      >>> as_float((jnp.int8(1), [True]))[0].dtype
      dtype('float32')
    """
    dtype = float_dtype()
    return jax.tree_util.tree_map(lambda x: jnp.asarray(x).astype(dtype), tree)


def check_static_int(value: Any, name: str, *, minimum: int | None = None,
                     maximum: int | None = None, why_max: str = "") -> int:
    """A Python integer (static size) within ``[minimum, maximum]``; returns it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be a Python int, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        extra = f" ({why_max})" if why_max else ""
        raise ValueError(f"{name} must be <= {maximum}{extra}, got {value}")
    return value


def _describe(x: Any) -> str:
    arr = np.asarray(x)
    if arr.size <= 6:
        return repr(arr.tolist())
    bad = arr[~np.isfinite(arr)] if np.issubdtype(arr.dtype, np.floating) else arr
    return f"array of shape {arr.shape} (e.g. {bad.ravel()[:3].tolist()})"


def check_real_array(x: Any, name: str) -> None:
    """``x`` must be a real number or real array (bool and complex are rejected)."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a real number or array, got {type(x).__name__}")
    try:
        dtype = jnp.result_type(x)
    except TypeError as err:
        raise TypeError(f"{name} must be a real number or array, got {type(x).__name__}") from err
    if dtype == jnp.bool_ or jnp.issubdtype(dtype, jnp.complexfloating):
        raise TypeError(f"{name} must be real-valued, got dtype {dtype}")
    if not (jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer)):
        raise TypeError(f"{name} must be a real number or array, got dtype {dtype}")


def check_finite(x: Any, name: str) -> None:
    """Real, and finite wherever the value is concrete."""
    check_real_array(x, name)
    if is_concrete(x):
        arr = np.asarray(x)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite, got {_describe(arr)}")


def check_beta(beta: Any, name: str = "beta") -> None:
    """Inverse temperature: real, finite and >= 0 (a scalar or an array of them)."""
    check_finite(beta, name)
    if is_concrete(beta):
        arr = np.asarray(beta)
        if np.any(arr < 0):
            raise ValueError(f"{name} must be >= 0 (an inverse temperature), got {_describe(arr)}")


def check_shape(x: Any, shape: tuple[int, ...], name: str) -> None:
    """``jnp.shape(x) == shape``; a scalar is accepted where ``shape == ()``."""
    got = tuple(jnp.shape(x))
    if got != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got shape {got}")


def check_spins_pair(spins: Any, name: str = "spins") -> tuple[float, float]:
    """A pair of two distinct finite numbers, e.g. (-1, 1) or (0, 1)."""
    try:
        pair = tuple(float(v) for v in spins)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a pair of numbers such as (-1, 1), got {spins!r}") from err
    if len(pair) != 2 or pair[0] == pair[1] or not all(np.isfinite(pair)):
        raise ValueError(
            f"{name} must be two distinct finite values such as (-1, 1), got {spins!r}")
    return pair


def check_binary_units(x: Any, n: int, name: str, what: str) -> None:
    """Real, last axis of length ``n``, finite, and every entry 0 or 1 wherever concrete."""
    check_real_array(x, name)
    shape = tuple(jnp.shape(x))
    if len(shape) == 0 or shape[-1] != n:
        raise ValueError(f"{name} must have shape [..., {n}] ({what}), got shape {shape}")
    check_finite(x, name)
    if is_concrete(x):
        arr = np.asarray(x)
        ok = (arr == 0) | (arr == 1)
        if not np.all(ok):
            raise ValueError(f"{name} must contain only 0 and 1, got values such as "
                             f"{arr[~ok].ravel()[:3].tolist()}")


def check_pm1(x: Any, name: str = "spins") -> None:
    """Real, and every entry -1 or +1 wherever the value is concrete."""
    check_real_array(x, name)
    if is_concrete(x):
        arr = np.asarray(x)
        ok = (arr == -1) | (arr == 1)
        if not np.all(ok):
            raise ValueError(f"{name} must contain only -1 and +1, got values such as "
                             f"{arr[~ok].ravel()[:3].tolist()}")


def check_values(x: Any, allowed: tuple[int, ...], name: str = "spins") -> None:
    """Every entry of ``x`` is one of ``allowed`` (when concrete); chunked, so that a huge
    lattice needs only bounded temporaries."""
    if is_concrete(x):
        arr = np.asarray(x).reshape(-1)
        chunk = 1 << 22
        for start in range(0, arr.size, chunk):
            part = arr[start:start + chunk]
            ok = np.isin(part, allowed)
            if not np.all(ok):
                raise ValueError(f"{name} must contain only {list(allowed)}, got values such "
                                 f"as {np.unique(part[~ok])[:3].tolist()}")


def check_lattice_spins(spins: Any, *, checkerboard: bool) -> None:
    """+-1 spins [L, M] with L, M >= 2, both even when a checkerboard update is needed."""
    shape = jnp.shape(spins)
    if len(shape) != 2:
        raise ValueError(f"spins must be a 2-D array [L, M] for the lattice kernels, got shape "
                         f"{shape}")
    L, M = shape
    check_static_int(L, "L (spins.shape[0])", minimum=2)
    check_static_int(M, "M (spins.shape[1])", minimum=2)
    if checkerboard and (L % 2 or M % 2):
        raise ValueError(f"the checkerboard update needs even L and M (a bipartite periodic "
                         f"lattice), got spins of shape {shape}; use scan='random' or a Graph")
    check_values(spins, (-1, 1))


def check_symmetric(W: Any, name: str = "W", *, rtol: float = 1e-6) -> None:
    """A concrete matrix must equal its transpose to ``rtol`` times its largest entry (at
    least 1): couplings of energies -1/2 x.W.x, where only the symmetric part counts."""
    if is_concrete(W):
        w = np.asarray(W, dtype=np.float64)
        scale = max(float(np.max(np.abs(w))), 1.0) if w.size else 1.0
        if not np.allclose(w, w.T, rtol=0.0, atol=rtol * scale):
            raise ValueError(f"{name} must be symmetric, got max |{name} - {name}.T| = "
                             f"{float(np.max(np.abs(w - w.T))):.3g}")


def check_key(key: Any, name: str = "key") -> None:
    """A single JAX PRNG key: a typed ``jax.random.key`` or a legacy ``uint32[2]`` key."""
    if not isinstance(key, jax.Array):
        raise TypeError(f"{name} must be a jax.random.key, got {type(key).__name__}")
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise ValueError(f"{name} must be a single key, got shape {key.shape}")
    elif key.dtype != jnp.uint32 or key.shape != (2,):
        raise TypeError(f"{name} must be a jax.random.key (or legacy uint32[2] PRNGKey), got "
                        f"dtype {key.dtype} and shape {key.shape}")


def check_chain_axis(tree: Any, name: str) -> int:
    """Every array of a pytree (a batch of chain states or keys) has the same leading axis;
    returns its length, n_chains."""
    leaves = jax.tree_util.tree_leaves(tree)
    if not leaves:
        raise ValueError(f"{name} must contain at least one array")
    sizes = {int(jnp.shape(leaf)[0]) if jnp.ndim(leaf) else -1 for leaf in leaves}
    if -1 in sizes or len(sizes) != 1:
        raise ValueError(f"every array in {name} must have the same leading (chain) axis, got "
                         f"leading sizes {sorted(sizes)} (-1: a scalar)")
    return sizes.pop()
