"""Block-spin transformations (Kadanoff): a b x b (x b) block of +-1 spins becomes one spin.

Majority rule: the block spin is the sign of the block's sum; where the sum is 0 (b^d even)
the tie is broken by a fair coin drawn from ``key``, so the map is unbiased under the global
flip s -> -s. Decimation: the block spin is the block's first (top-left) spin.

References:
  L. P. Kadanoff, Physics 2, 263 (1966); Th. Niemeijer and J. M. J. van Leeuwen, Physica 71,
  17 (1974); R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from statmech.validate import check_key, check_pm1, check_static_int

__all__ = ["RULES", "block_spin", "check_block_args"]

RULES = ("majority", "decimation")
"""The block-spin rules :func:`block_spin` knows."""


def check_block_args(spins: Any, b: Any, rule: Any, key: Any) -> int:
    """The public checks of :func:`block_spin`; returns b as an int (ValueError/TypeError
    naming the argument otherwise)."""
    b = check_static_int(b, "b", minimum=2)
    if rule not in RULES:
        raise ValueError(f"rule must be one of {list(RULES)}, got {rule!r}")
    check_pm1(spins, "spins")
    shape = tuple(jnp.shape(spins))
    if len(shape) not in (2, 3):
        raise ValueError(f"spins must be one square-lattice [L, M] or cubic-lattice [L, M, K] "
                         f"configuration (vmap for batches), got shape {shape}")
    if any(n % b for n in shape):
        raise ValueError(f"every side of spins must be divisible by b = {b}, got shape {shape}")
    if rule == "majority" and b ** len(shape) % 2 == 0:
        if key is None:
            raise ValueError(f"rule='majority' with b**d = {b ** len(shape)} even has ties: "
                             f"pass key (a jax.random.key) to break them")
        check_key(key)
    return b


def block_spin(spins: Any, b: int, *, rule: str = "majority", key: jax.Array | None = None
               ) -> jax.Array:
    """Coarse-grain one +-1 configuration by b x b (x b) blocks.

    s'_B = sign(sum_{i in B} s_i), ties -> a fair coin from ``key`` (rule "majority"), or
    s'_B = s_{first site of B} (rule "decimation"). jit-compatible (``b`` and ``rule`` are
    static); ``jax.vmap`` over ``spins`` and ``key`` for a batch.

    Args:
      spins: one configuration of +-1, [L, M] (square lattice) or [L, M, K] (cubic); every
        side divisible by ``b``. Any real dtype; the result has the same dtype.
      b: the block side, an int >= 2.
      rule: "majority" (default) or "decimation".
      key: a ``jax.random.key`` for the ties; required by "majority" when b^d is even
        (otherwise unused).

    Returns:
      The block configuration, [L/b, M/b] or [L/b, M/b, K/b], of +-1.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> s = jnp.ones((6, 6), jnp.int8).at[0, 0].set(-1)
      >>> block_spin(s, 3).tolist()
      [[1, 1], [1, 1]]
      >>> block_spin(s, 2, rule="decimation")[0, 0].item()
      -1

    References:
      L. P. Kadanoff, Physics 2, 263 (1966); R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).
    """
    b = check_block_args(spins, b, rule, key)
    needs_key = rule == "majority" and b ** jnp.ndim(spins) % 2 == 0
    return _block(jnp.asarray(spins), key if needs_key else None, b, rule)


@partial(jax.jit, static_argnums=(2, 3))
def _block(spins: jax.Array, key: jax.Array | None, b: int, rule: str) -> jax.Array:
    if rule == "decimation":
        return spins[(slice(None, None, b),) * spins.ndim]
    return majority(spins, key, b)


def majority(spins: jax.Array, key: jax.Array | None, b: int) -> jax.Array:
    """Majority rule without checks (for use inside compiled code); ``key`` may be None only
    when b^d is odd."""
    d = spins.ndim
    split = []
    for n in spins.shape:
        split += [n // b, b]
    total = jnp.sum(spins.reshape(split).astype(jnp.int32), axis=tuple(range(1, 2 * d, 2)))
    if key is None:
        coin = jnp.ones_like(total)
    else:
        coin = 2 * jax.random.bernoulli(key, 0.5, total.shape).astype(jnp.int32) - 1
    return jnp.where(total == 0, coin, jnp.sign(total)).astype(spins.dtype)
