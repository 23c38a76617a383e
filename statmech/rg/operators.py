"""The coupling operators of a renormalized square-lattice Ising Hamiltonian.

-beta H(s) = sum_a K_a S_a(s), S_a(s) = sum over lattice translations x and symmetry-related
orientations o of prod_{d in shape_(a, o)} s_(x + d). The even operators below are those of
Swendsen's Monte Carlo renormalization-group studies of the 2D Ising model, in his order;
``magnetization`` and the three-spin corner are the odd ones (a field direction).
On a periodic lattice every product wraps around.

References:
  R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979); Phys. Rev. B 20, 2080 (1979);
  Phys. Rev. Lett. 52, 1165 (1984).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

__all__ = ["COUPLINGS", "EVEN_COUPLINGS", "check_couplings", "coupling_sums", "local_fields"]

COUPLINGS: dict[str, tuple[tuple[tuple[int, int], ...], ...]] = {
    "nn": (((0, 0), (0, 1)), ((0, 0), (1, 0))),
    "nnn": (((0, 0), (1, 1)), ((0, 0), (1, -1))),
    "plaquette": (((0, 0), (0, 1), (1, 0), (1, 1)),),
    "third": (((0, 0), (0, 2)), ((0, 0), (2, 0))),
    "knight": (((0, 0), (1, 2)), ((0, 0), (2, 1)), ((0, 0), (1, -2)), ((0, 0), (2, -1))),
    "fourth": (((0, 0), (2, 2)), ((0, 0), (2, -2))),
    "magnetization": (((0, 0),),),
    "corner": (((0, 0), (0, 1), (1, 0)), ((0, 0), (0, 1), (1, 1)),
               ((0, 0), (1, 0), (1, 1)), ((0, 1), (1, 0), (1, 1))),
}
"""Name -> orientations -> the (row, column) offsets of one product of spins."""

EVEN_COUPLINGS = ("nn", "nnn", "plaquette", "third", "knight", "fourth")
"""The even (spin-flip symmetric) operators, the truncated coupling space in Swendsen's order."""


def check_couplings(couplings: Sequence[str]) -> tuple[str, ...]:
    """A non-empty tuple of distinct names of :data:`COUPLINGS` (ValueError otherwise)."""
    if isinstance(couplings, str):
        couplings = (couplings,)
    names = tuple(couplings)
    unknown = [c for c in names if c not in COUPLINGS]
    if not names or unknown or len(set(names)) != len(names):
        raise ValueError(f"couplings must be distinct names from {list(COUPLINGS)}, got "
                         f"{list(names)}")
    return names


def _shift(s: jax.Array, d: tuple[int, int]) -> jax.Array:
    """s_(x + d) at every x (periodic)."""
    return jnp.roll(s, (-d[0], -d[1]), axis=(0, 1))


def _products(s: jax.Array, name: str):
    for shape in COUPLINGS[name]:
        prod = _shift(s, shape[0])
        for d in shape[1:]:
            prod = prod * _shift(s, d)
        yield shape, prod


def coupling_sums(spins: jax.Array, couplings: Sequence[str] = EVEN_COUPLINGS) -> jax.Array:
    """S_a(s) for every named operator: sums over the periodic [L, M] lattice, [n_couplings].

    A pure function for compiled code (no checks; ``spins`` +-1, any dtype); vmap for batches.

    Example:
      >>> import jax.numpy as jnp
      >>> coupling_sums(jnp.ones((4, 4)), ("nn", "plaquette", "magnetization")).tolist()
      [32.0, 16.0, 16.0]
    """
    s = jnp.asarray(spins, jnp.float32)
    return jnp.stack([sum(jnp.sum(p) for _, p in _products(s, name)) for name in couplings])


def local_fields(spins: jax.Array, couplings: Sequence[str] = EVEN_COUPLINGS) -> jax.Array:
    """dS_a / ds_i at every site: the local fields of the operators, [n_couplings, L, M].

    For a product of +-1 spins d(prod)/ds_i = prod * s_i, so the field of operator a at i is
    s_i times the sum of the products that contain i; -beta H = sum_a K_a S_a gives
    p(s_i = +1 | rest) = sigmoid(2 sum_a K_a g_(a,i)) for operators linear in each spin.

    Example:
      >>> import jax.numpy as jnp
      >>> local_fields(jnp.ones((4, 4)), ("nn", "plaquette"))[:, 0, 0].tolist()
      [4.0, 4.0]
    """
    s = jnp.asarray(spins, jnp.float32)
    fields = []
    for name in couplings:
        total = jnp.zeros_like(s)
        for shape, prod in _products(s, name):
            for d in shape:
                total = total + _shift(prod, (-d[0], -d[1]))
        fields.append(total * s)
    return jnp.stack(fields)
