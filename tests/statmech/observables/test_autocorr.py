"""Monte Carlo diagnostics on AR(1) processes with known tau_int, jackknife, R-hat, errors, jit."""

import functools

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from statmech.observables import (
    Estimate,
    autocorrelation,
    binder_cumulant,
    blocking_error,
    effective_sample_size,
    heat_capacity,
    integrated_autocorr_time,
    jackknife,
    mean_and_stderr,
    split_rhat,
)

PHIS = (0.0, 0.5, 0.9)
N = 200_000


@functools.partial(jax.jit, static_argnums=2)
def ar1(key, phis, n):
    """Stationary AR(1) series x_t = phi x_{t-1} + N(0, 1), one per phi: shape [len(phis), n]."""
    k0, k1 = jax.random.split(key)
    x0 = jax.random.normal(k0, phis.shape) / jnp.sqrt(1 - phis**2)

    def step(x, e):
        x = phis * x + e
        return x, x

    return jax.lax.scan(step, x0, jax.random.normal(k1, (n,) + phis.shape))[1].T


@functools.lru_cache(maxsize=1)
def ar1_series():
    return ar1(jax.random.key(42), jnp.asarray(PHIS), N)


@functools.lru_cache(maxsize=1)
def chains():
    """Three independent chains [3, N] of the phi = 0.5 process."""
    return ar1(jax.random.key(1), jnp.asarray([0.5] * 3), N)


def exact_tau(phi):
    return (1 + phi) / (2 * (1 - phi))


def exact_stderr(phi, n):
    return np.sqrt(1 / (1 - phi**2) * (1 + phi) / (1 - phi) / n)


def test_autocorrelation_matches_direct_and_ar1():
    x = np.random.default_rng(0).normal(size=(3, 50)).astype(np.float32)
    x[2] = 0.1                                            # constant: rho = [1, 0, 0, ...]
    got = autocorrelation(x)
    xc = x[:2] - x[:2].mean(-1, keepdims=True)
    direct = np.stack([[np.sum(r[: 50 - t] * r[t:]) for t in range(50)] for r in xc])
    np.testing.assert_allclose(got[:2], direct / direct[:, :1], atol=1e-5)
    np.testing.assert_array_equal(got[2], np.eye(50)[0])
    rho = autocorrelation(ar1_series())
    np.testing.assert_allclose(rho[:, :5], np.asarray(PHIS)[:, None] ** np.arange(5), atol=0.02)


@pytest.mark.parametrize("i, phi", list(enumerate(PHIS)))
def test_tau_ess_and_stderr_on_ar1(i, phi):
    x = ar1_series()[i]
    tau = float(integrated_autocorr_time(x))
    assert tau == pytest.approx(exact_tau(phi), rel=0.10)
    ess = float(effective_sample_size(x))
    assert ess == pytest.approx(N / (2 * tau), rel=1e-5)
    assert ess == pytest.approx(N / (2 * exact_tau(phi)), rel=0.10)
    mean, err = mean_and_stderr(x)
    assert float(err) == pytest.approx(exact_stderr(phi, N), rel=0.15)
    assert abs(float(mean)) < 4 * exact_stderr(phi, N)
    assert float(blocking_error(x)) == pytest.approx(exact_stderr(phi, N), rel=0.15)


def test_multiple_chains_pool():
    x = chains()
    assert float(integrated_autocorr_time(x)) == pytest.approx(exact_tau(0.5), rel=0.10)
    ess = float(effective_sample_size(x))
    assert ess == pytest.approx(3 * N / (2 * exact_tau(0.5)), rel=0.10)
    assert float(blocking_error(x)) == pytest.approx(exact_stderr(0.5, 3 * N), rel=0.15)
    assert float(mean_and_stderr(x).stderr) == pytest.approx(exact_stderr(0.5, 3 * N), rel=0.15)


def test_tau_edge_cases():
    slow, anti, _ = ar1(jax.random.key(7), jnp.asarray([0.99999, -0.9, 0.0]), N)
    # far longer correlation time than the series: finite (an underestimate, as documented)
    assert 0.5 < float(integrated_autocorr_time(slow)) < N
    # anti-correlated: positive (clipped) rather than negative
    assert 0 < float(integrated_autocorr_time(anti)) <= 0.5
    assert float(integrated_autocorr_time(np.full(N, 0.3))) == pytest.approx(0.5)
    assert float(mean_and_stderr(np.full(N, 0.3)).stderr) < 1e-7


def test_split_rhat():
    x = chains()
    assert float(split_rhat(x)) < 1.01
    assert float(split_rhat(x + jnp.arange(3.0)[:, None])) > 1.1          # different means
    assert float(split_rhat(x + jnp.linspace(0.0, 5.0, N))) > 1.1          # drift within chains
    ones = jnp.ones_like(x)
    assert float(split_rhat(ones)) == 1.0
    assert float(split_rhat(ones * jnp.arange(3.0)[:, None])) == np.inf


def test_split_rhat_matches_bda3_formula_odd_length():
    x = np.random.default_rng(9).normal(size=(3, 101)) + np.array([[0.0], [0.1], [0.3]])
    halves = np.concatenate([x[:, :50], x[:, 51:]])     # the middle sample is dropped
    k = 50
    b = k * np.var(halves.mean(1), ddof=1)
    w = np.mean(np.var(halves, axis=1, ddof=1))
    np.testing.assert_allclose(split_rhat(x), np.sqrt(((k - 1) / k * w + b / k) / w), rtol=1e-5)


def test_jackknife_linear_equals_mean_and_sem():
    x = np.random.default_rng(5).normal(size=200).astype(np.float32)
    est, err = jackknife(jnp.mean, x, n_blocks=200)       # delete-one
    np.testing.assert_allclose(est, jnp.mean(x), atol=1e-5)
    np.testing.assert_allclose(err, np.std(np.asarray(x), ddof=1) / np.sqrt(200), rtol=1e-4)
    est, err = jackknife(jnp.mean, x, n_blocks=20)        # blocks: SEM of the block means
    bm = np.asarray(x).reshape(20, 10).mean(1)
    np.testing.assert_allclose(est, jnp.mean(x), atol=1e-5)
    np.testing.assert_allclose(err, np.std(bm, ddof=1) / np.sqrt(20), rtol=1e-4)


def test_jackknife_drops_leading_remainder_and_handles_pytrees():
    x = jnp.arange(23.0)                                  # 3 leading samples dropped
    est, _ = jackknife(jnp.mean, x, n_blocks=4)
    assert float(est) == pytest.approx(float(jnp.mean(x[3:])))
    data = {"a": jnp.arange(20.0), "b": 2 * jnp.arange(20.0).reshape(1, 20)}
    out = jackknife(lambda d: (jnp.mean(d["a"]), jnp.mean(d["b"], -1)), data, n_blocks=5)
    assert isinstance(out, Estimate)
    np.testing.assert_allclose(out.value[1], 2 * out.value[0], rtol=1e-6)
    np.testing.assert_allclose(out.stderr[1], 2 * out.stderr[0], rtol=1e-6)
    assert out.value[1].shape == (1,)


def test_jackknife_binder_of_gaussian_is_zero():
    m = np.random.default_rng(6).normal(size=N).astype(np.float32)
    est, err = jackknife(binder_cumulant, m, n_blocks=20)
    assert 0 < float(err) < 0.02
    assert abs(float(est)) < 3 * float(err)


def test_jackknife_heat_capacity_of_gaussian_energy():
    e = 3.0 * np.random.default_rng(7).normal(size=20_000)  # Var E = 9: C/N = 0.25 * 9 / 4
    est, err = jackknife(lambda s: heat_capacity(s, 0.5, 4), e)
    assert abs(float(est) - 0.5625) < 3 * float(err)


@pytest.mark.parametrize("call, name", [
    (lambda: integrated_autocorr_time(jnp.ones(3)), "x"),
    (lambda: effective_sample_size(jnp.ones((2, 3))), "x"),
    (lambda: mean_and_stderr(jnp.ones((2, 2, 8))), "x"),
    (lambda: autocorrelation(jnp.ones(2)), "x"),
    (lambda: autocorrelation(jnp.array(1.0)), "x"),
    (lambda: blocking_error(jnp.ones(3)), "x"),
    (lambda: integrated_autocorr_time(jnp.array([0.0, 1.0, jnp.nan, 2.0])), "x"),
    (lambda: blocking_error(jnp.array([0.0, 1.0, jnp.inf, 2.0])), "x"),
    (lambda: integrated_autocorr_time(jnp.ones(10), c=0.0), "c"),
    (lambda: integrated_autocorr_time(jnp.ones(10), c=jnp.ones(2)), "c"),
    (lambda: split_rhat(jnp.ones((1, 100))), "x"),
    (lambda: split_rhat(jnp.ones(100)), "x"),
    (lambda: split_rhat(jnp.ones((4, 3))), "x"),
    (lambda: split_rhat(jnp.array([[0.0, 1.0, 2.0, jnp.nan]] * 2)), "x"),
    (lambda: jackknife(jnp.mean, jnp.ones(10), n_blocks=1), "n_blocks"),
    (lambda: jackknife(jnp.mean, jnp.ones(10), n_blocks=11), "n_blocks"),
    (lambda: jackknife(jnp.mean, jnp.array([1.0, jnp.nan, 2.0]), n_blocks=2), "x"),
    (lambda: jackknife(jnp.mean, {"a": jnp.ones(4), "b": jnp.ones(5)}, n_blocks=2), "x"),
])
def test_bad_input_value_errors(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


@pytest.mark.parametrize("call, name", [
    (lambda: jackknife("mean", jnp.ones(10)), "fn"),
    (lambda: jackknife(jnp.mean, jnp.ones(10), n_blocks=2.0), "n_blocks"),
    (lambda: autocorrelation(jnp.ones(8, dtype=bool)), "x"),
    (lambda: split_rhat("chains"), "x"),
])
def test_bad_input_type_errors(call, name):
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        call()


def test_jit_every_function():
    xs, x = ar1_series(), chains()                # shapes the other tests already compiled
    one = xs[1]

    def everything(xs, one, x, c):
        return (autocorrelation(xs), integrated_autocorr_time(one), integrated_autocorr_time(x, c),
                effective_sample_size(x), mean_and_stderr(x), split_rhat(x), blocking_error(one),
                blocking_error(x), jackknife(binder_cumulant, one, n_blocks=20))

    jitted = jax.jit(chex.assert_max_traces(everything, n=1))   # a retrace would raise
    jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6),
                           jitted(xs, one, x, 5.0), everything(xs, one, x, 5.0))
    jitted(xs, one, x, 6.0)                       # the window constant is traced: no recompile
    taus = jax.vmap(integrated_autocorr_time)(xs)  # vmap over independent analyses
    np.testing.assert_allclose(taus, [integrated_autocorr_time(r) for r in xs], rtol=1e-5)
