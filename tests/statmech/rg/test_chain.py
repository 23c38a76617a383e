"""The exact 1D decimation flow against the transfer matrix: ln Z and its beta-gradient."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.exact import ising1d_log_z
from statmech.rg import ising_1d_decimation, ising_1d_flow, ising_1d_log_z_rg


def _brute_log_z(n, K, h):
    z = 0.0
    for s in itertools.product((-1, 1), repeat=n):
        s = np.array(s)
        z += math.exp(K * np.sum(s * np.roll(s, -1)) + h * s.sum())
    return math.log(z)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("K,h", [(0.5, 0.3), (-0.7, 0.2), (1.3, 0.0), (0.1, -0.4)])
def test_transfer_matrix_chain_matches_enumeration(x64, n, K, h):
    assert abs(float(ising1d_log_z(n, K, h)) - _brute_log_z(n, K, h)) < 1e-12


@pytest.mark.parametrize("K", [0.05, 0.5, 1.0, 3.0])
def test_zero_field_recursion_is_tanh_squared(x64, K):
    Kp, hp, g = ising_1d_decimation(K)
    assert abs(math.tanh(float(Kp)) - math.tanh(K) ** 2) < 1e-14
    assert float(hp) == 0.0
    assert abs(float(g) - (math.log(2) + 0.5 * math.log(math.cosh(2 * K)))) < 1e-14


@pytest.mark.parametrize("n", [2, 4, 8, 16])
@pytest.mark.parametrize("K,h", [(0.5, 0.3), (-0.7, 0.2), (2.0, -0.1)])
def test_one_step_keeps_the_free_energy(x64, n, K, h):
    """ln Z_N(K, h) = (N/2) g + ln Z_(N/2)(K', h'), the RG identity, for any sign of K."""
    Kp, hp, g = ising_1d_decimation(K, h)
    lhs = ising1d_log_z(n, K, h)
    rhs = n / 2 * g + ising1d_log_z(n // 2, Kp, hp)
    assert abs(float(lhs - rhs)) < 1e-12


@pytest.mark.parametrize("K", [0.1, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("h", [0.0, 0.3])
def test_iterated_decimation_is_exact_and_its_gradient_is_the_energy(x64, K, h):
    """The acceptance check: N = 2^10, to 1e-12 in x64 (ln Z is ~700-2400 here, so this is a
    few units in the last place), and d ln Z / d beta = -<E> exactly."""
    n = 1024
    flow = ising_1d_log_z_rg(n, K, h)
    exact = ising1d_log_z(n, K, h)
    assert abs(float(flow - exact)) <= 1e-12

    def by_flow(beta):
        return ising_1d_log_z_rg(n, beta * K, beta * h)

    def by_matrix(beta):
        return ising1d_log_z(n, beta * K, beta * h)

    energy_flow, energy_exact = -jax.grad(by_flow)(1.0), -jax.grad(by_matrix)(1.0)
    assert abs(float(energy_flow - energy_exact)) <= 1e-10 * abs(float(energy_exact))
    if h == 0.0:                       # the closed form: Z = (2 cosh K)^N + (2 sinh K)^N
        t = math.tanh(K)
        closed = -n * K * (t + t ** (n - 1)) / (1 + t**n)
        assert abs(float(energy_flow) - closed) <= 1e-10 * abs(closed)


def test_flow_goes_to_the_trivial_fixed_point(x64):
    Ks, hs, gs = ising_1d_flow(12, 2.0)
    Ks = np.asarray(Ks)
    assert np.all(np.diff(Ks) <= 0) and np.all(np.diff(Ks[Ks > 1e-12]) < 0)
    assert float(Ks[-1]) < 1e-12
    tiny = ising_1d_decimation(1e-3)[0]                      # K' = tanh^-1(tanh^2 K) ~ K^2
    assert abs(float(tiny) / np.arctanh(np.tanh(1e-3) ** 2) - 1) < 1e-12
    np.testing.assert_array_equal(np.asarray(hs), 0.0)
    assert jnp.shape(gs) == (13,)


@pytest.mark.parametrize("K,h", [(1.0, 0.3), (0.01, 0.0), (0.3, 0.05)])
def test_float32_flow_stays_accurate(K, h):
    rel = abs(float(ising_1d_log_z_rg(1024, K, h) / ising1d_log_z(1024, K, h)) - 1)
    assert rel < 1e-6
    assert abs(float(ising_1d_decimation(K, h)[0]) / np.arctanh(np.tanh(K) ** 2) - 1) < 1e-5 \
        or h != 0.0


@pytest.mark.parametrize("call,match", [
    (lambda: ising_1d_log_z_rg(12, 0.5), "power of 2"),
    (lambda: ising_1d_log_z_rg(0, 0.5), "n must be >= 1"),
    (lambda: ising_1d_decimation(float("nan")), "K must be finite"),
    (lambda: ising_1d_decimation(0.5, jnp.ones(3)), "h must be a scalar"),
    (lambda: ising_1d_flow(0, 0.5), "n_steps must be >= 1"),
    (lambda: ising1d_log_z(4, float("inf")), "K must be finite"),
])
def test_bad_input_is_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_jit_and_vmap_over_couplings_compile_once():
    """K and h are traced: a grid of couplings is one compiled program."""
    traces = []

    def log_z(K, h):
        traces.append(1)
        return ising_1d_log_z_rg(64, K, h)

    f = jax.jit(jax.vmap(log_z))
    Ks, hs = jnp.linspace(0.1, 2.0, 5), jnp.linspace(0.0, 0.3, 5)
    np.testing.assert_allclose(np.asarray(f(Ks, hs)),
                               [float(ising1d_log_z(64, K, h))
                                for K, h in zip(Ks, hs, strict=True)],
                               rtol=1e-6)
    f(Ks + 0.1, hs)
    assert len(traces) == 1
    Kp, hp, g = jax.jit(ising_1d_decimation)(0.7, 0.2)
    assert np.allclose([float(Kp), float(hp), float(g)],
                       [float(x) for x in ising_1d_decimation(0.7, 0.2)])
