"""statmech.validate: the public argument checks model authors build on."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.validate import (
    as_float,
    check_chain_axis,
    check_key,
    check_lattice_spins,
    check_symmetric,
    check_values,
)


def test_check_key():
    check_key(jax.random.key(0))
    check_key(jax.random.PRNGKey(0))                       # legacy uint32[2]
    with pytest.raises(TypeError, match="key must be a jax.random.key"):
        check_key(0)
    with pytest.raises(ValueError, match="key must be a single key"):
        check_key(jax.random.split(jax.random.key(0), 2))
    with pytest.raises(TypeError, match="rng must be a jax.random.key"):
        check_key(jnp.zeros(3, jnp.uint32), "rng")


def test_check_symmetric_scales_its_tolerance():
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    check_symmetric(w, "W")
    check_symmetric(1e3 * w + np.array([[0.0, 1e-4], [0.0, 0.0]]), "W")   # 1e-7 relative
    with pytest.raises(ValueError, match=r"W must be symmetric, got max \|W - W.T\| = 0.01"):
        check_symmetric(w + np.array([[0.0, 0.01], [0.0, 0.0]]), "W")
    bad = w + np.array([[0.0, 1.0], [0.0, 0.0]])
    assert jax.jit(lambda x: check_symmetric(x, "W") or x)(bad).shape == (2, 2)  # traced: skip


def test_check_values_and_lattice_spins():
    check_values(np.array([0, 2, 1]), (0, 1, 2), "colours")
    with pytest.raises(ValueError, match=r"colours must contain only \[0, 1\], got values such "
                                         r"as \[2\]"):
        check_values(np.array([0, 2, 1]), (0, 1), "colours")
    check_lattice_spins(np.ones((4, 6)), checkerboard=True)
    with pytest.raises(ValueError, match="even L and M"):
        check_lattice_spins(np.ones((3, 4)), checkerboard=True)
    check_lattice_spins(np.ones((3, 4)), checkerboard=False)
    with pytest.raises(ValueError, match="2-D array"):
        check_lattice_spins(np.ones(4), checkerboard=False)


def test_check_chain_axis():
    assert check_chain_axis({"a": jnp.zeros((3, 2)), "b": jnp.zeros(3)}, "states") == 3
    with pytest.raises(ValueError, match="same leading"):
        check_chain_axis((jnp.zeros((3, 2)), jnp.zeros(4)), "states")
    with pytest.raises(ValueError, match="at least one array"):
        check_chain_axis((), "keys")


class _Params(NamedTuple):
    W: object
    b: object
    c: object


def test_as_float_keeps_the_container():
    p = as_float(_Params(np.ones((2, 1), np.int8), [True, False], 3))
    assert isinstance(p, _Params) and p.W.dtype == p.c.dtype == jnp.float32
    assert [x.dtype for x in p.b] == [jnp.float32, jnp.float32]
    with jax.enable_x64(True):
        assert as_float(np.int8(1)).dtype == jnp.float64
