"""models.hopfield: Hebbian and projection rules, recall dynamics, exact Boltzmann distribution,
dense associative memory, modern continuous Hopfield network and the capacity measurement."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import hopfield as hf
from models.hopfield import _capacity as hc
from models.hopfield import _dense as hd
from models.hopfield import _model as hm
from statmech.exact import log_z_enumerate
from statmech.mcmc import DenseParams, heat_bath, sample
from tests.compiles import compile_counter


def _np_patterns(seed, p, n):
    return np.random.default_rng(seed).choice([-1, 1], size=(p, n)).astype(np.int8)


def _random_couplings(seed, n, scale=1.0):
    a = np.random.default_rng(seed).normal(scale=scale, size=(n, n))
    return np.triu(a, 1) + np.triu(a, 1).T


def _np_energy(W, s, h):
    W = np.asarray(W, np.float64) * (1 - np.eye(len(W)))
    s = np.asarray(s, np.float64)
    return -0.5 * np.einsum("...i,ij,...j->...", s, W, s) - s @ np.broadcast_to(h, (len(W),))


def _all_states(n):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))


# -- classical network ------------------------------------------------------------------------

def test_hebbian_and_overlap_match_formulas():
    xi = _np_patterns(0, 5, 12)
    W = jax.jit(hf.hebbian)(xi)
    expected = xi.T.astype(float) @ xi / 12
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(W, expected, atol=1e-6)
    s = _np_patterns(1, 3, 12)
    np.testing.assert_allclose(jax.jit(hf.overlap)(xi, s), s @ xi.T.astype(float) / 12,
                               atol=1e-6)
    pats = jax.jit(hf.random_patterns, static_argnums=(1, 2))(jax.random.key(0), 200, 50)
    assert pats.dtype == jnp.int8 and abs(float(jnp.mean(pats))) < 4 / np.sqrt(pats.size)


def test_pseudo_inverse_stores_half_n_patterns_where_hebbian_fails():
    xi = _np_patterns(3, 32, 64)                                      # P / N = 0.5
    W = jax.jit(hf.pseudo_inverse)(xi)
    np.testing.assert_allclose(W, W.T, atol=1e-6)
    np.testing.assert_array_equal(np.diag(np.asarray(W)), 0.0)
    np.testing.assert_array_equal(hf.recall_sync(W, xi, 1), xi)   # every pattern a fixed point
    hebb = hf.recall_sync(hf.hebbian(xi), xi, 1)
    assert np.mean(np.all(np.asarray(hebb) == np.asarray(xi), axis=1)) < 0.2
    # W is the projector onto the span of the patterns (W xi = xi) with its diagonal removed
    x = np.asarray(xi, np.float64)
    proj = x.T @ np.linalg.solve(x @ x.T, x)
    np.testing.assert_allclose(W, proj * (1 - np.eye(64)), atol=2e-5)


def test_pseudo_inverse_of_orthogonal_patterns_is_hebbian():
    had = np.array([[1]])
    for _ in range(6):
        had = np.block([[had, had], [had, -had]])                       # 64 x 64 Hadamard
    xi = had[1:33]                                                      # [32, 64] as above
    np.testing.assert_allclose(hf.pseudo_inverse(xi), hf.hebbian(xi), atol=1e-5)


def test_energy_matches_numpy_and_ignores_the_diagonal(x64):
    W = _random_couplings(4, 9)
    h = np.random.default_rng(5).normal(size=9)
    s = _np_patterns(6, 7, 9)
    np.testing.assert_allclose(jax.jit(hf.energy)(W, s, h), _np_energy(W, s, h), rtol=1e-12)
    np.testing.assert_allclose(hf.energy(W + np.diag(np.arange(9.0)), s[0], 0.5),
                               _np_energy(W, s[0], 0.5), rtol=1e-12)
    xi = _np_patterns(7, 1, 10)
    assert float(hf.energy(hf.hebbian(xi), xi[0])) == pytest.approx(-4.5)   # -(N - 1) / 2


def test_recall_sync_ties_keep_the_current_spin_and_two_cycles():
    s = jnp.array([1, -1, -1, 1], jnp.int8)
    np.testing.assert_array_equal(hf.recall_sync(jnp.zeros((4, 4)), s, 3), s)
    # two antiferromagnetic neurons started parallel flip together forever (a 2-cycle)
    W = jnp.array([[0.0, -1.0], [-1.0, 0.0]])
    start = jnp.array([1, 1])
    step = jax.jit(hf.recall_sync, static_argnums=2)
    np.testing.assert_array_equal(step(W, start, 1), [-1, -1])
    np.testing.assert_array_equal(step(W, start, 2), [1, 1])
    assert float(hf.energy(W, start)) == float(hf.energy(W, step(W, start, 1))) == 1.0


def _recall_batch(keys, W, starts, n_sweeps, h=0.0):
    """recall_async vmapped over (key, start); one compiled program per (batch, N)."""
    return jax.vmap(lambda k, s: hf.recall_async(k, W, s, n_sweeps, h=h))(keys, starts)


def test_recall_async_energy_never_increases_and_ends_at_a_fixed_point():
    n = 64
    W = _random_couplings(8, n) / np.sqrt(n)
    h = np.random.default_rng(9).normal(scale=0.3, size=n)
    starts = _np_patterns(10, 16, n)
    keys = jax.random.split(jax.random.key(11), 16)
    energies = np.array([_np_energy(W, np.asarray(_recall_batch(keys, W, starts, t, h)), h)
                         for t in range(10)])                           # [sweeps, starts]
    assert np.all(np.diff(energies, axis=0) <= 1e-9 * np.abs(energies[1:]))
    assert np.all(energies[-1] < energies[0] - 1.0)
    final = _recall_batch(keys, W, starts, 100, h)
    np.testing.assert_array_equal(hf.recall_sync(W, final, 1, h=h), final)   # fixed points
    assert np.any(np.asarray(final) != np.asarray(_recall_batch(keys, W, starts, 1, h)))


def test_recall_async_retrieves_and_does_not_recompile():
    xi = _np_patterns(12, 3, 64)
    noisy = xi.copy()
    noisy[:, :12] *= -1                                                 # 19 % of the bits
    run = jax.jit(hf.recall_async, static_argnums=3)
    W = hf.hebbian(xi)
    for mu in range(3):
        out = run(jax.random.fold_in(jax.random.key(13), mu), W, noisy[mu], 30)
        np.testing.assert_array_equal(out, xi[mu])
    with compile_counter() as compiles:
        for t, scale in ((5, 1.0), (9, 2.0), (30, 0.5)):
            hf.recall_async(jax.random.key(14), scale * W, noisy[0], t, h=0.1 * t)
    assert compiles["jit(_recall_async)"] <= 1                         # couplings, sweeps traced


# -- finite temperature ------------------------------------------------------------------------

def _brute(W, beta, h):
    x = _all_states(len(W))
    logw = -beta * _np_energy(W, x, h)
    log_z = np.logaddexp.reduce(logw)
    p = np.exp(logw - log_z)
    return log_z, x, p


def test_log_z_and_log_prob_match_brute_force(x64):
    n = 10
    W = _random_couplings(14, n, 0.4)
    h = np.random.default_rng(15).normal(scale=0.3, size=n)
    for beta in (0.0, 0.7, 2.0):
        log_z, x, _ = _brute(W, beta, h)
        np.testing.assert_allclose(jax.jit(hf.log_z_exact)(W, beta, h), log_z, rtol=1e-12)
        lp = jax.jit(hf.log_prob)(W, x, beta, h)
        np.testing.assert_allclose(lp, -beta * _np_energy(W, x, h) - log_z, rtol=1e-10)
        np.testing.assert_allclose(np.logaddexp.reduce(np.asarray(lp)), 0.0, atol=1e-10)
    ref = log_z_enumerate(lambda p, s: hm._energy(p[0], s, p[1]), (W, h), n, 0.7)
    np.testing.assert_allclose(hf.log_z_exact(W, 0.7, h), ref, rtol=1e-12)
    # <E> = -d ln Z / d beta, and a beta sweep does not recompile
    _, x, p = _brute(W, 0.7, h)
    np.testing.assert_allclose(-jax.grad(hf.log_z_exact, argnums=1)(W, 0.7, h),
                               p @ _np_energy(W, x, h), rtol=1e-10)
    with compile_counter() as compiles:
        for beta in (0.3, 0.9, 1.7):
            hf.log_z_exact(W, beta, h)
    assert compiles["jit(_log_z)"] == 0


def test_heat_bath_sample_reproduces_exact_correlations():
    n, beta, n_chains = 8, 1.2, 32
    W = np.asarray(hf.hebbian(_np_patterns(16, 2, n)), np.float64)
    h = np.random.default_rng(17).normal(scale=0.2, size=n)
    _, x, p = _brute(W, beta, h)
    exact = np.einsum("k,ki,kj->ij", p, x, x)
    # chains start from exact samples, so there is no burn-in to discard
    starts = x[np.random.default_rng(18).choice(len(x), size=n_chains, p=p)].astype(np.int8)
    algo = heat_bath("dense")
    params = DenseParams(jnp.asarray(W, jnp.float32), jnp.asarray(h, jnp.float32))
    observe = lambda st, prm, b: jnp.outer(st.spins, st.spins).astype(jnp.float32)
    chain = lambda k, s0: sample(algo, k, algo.init(s0), 1000, params=params, beta=beta,
                                 observe=observe, keep_trace=False).moments.mean
    means = np.asarray(jax.vmap(chain)(jax.random.split(jax.random.key(19), n_chains), starts))
    mc = means.mean(0)
    err = means.std(0, ddof=1) / np.sqrt(n_chains)
    off = ~np.eye(n, dtype=bool)
    z = (mc - exact)[off] / err[off]
    assert np.max(err[off]) < 0.03                                      # a sharp test
    assert np.max(np.abs(z)) < 4.5, z
    assert np.mean(z ** 2) < 2.5                                        # error bars are honest


# -- dense associative memory -------------------------------------------------------------------

def test_dense_memory_stores_far_beyond_hebbian_capacity_and_descends():
    n, p = 100, 40                                                       # P = 0.4 N
    xi = _np_patterns(20, p, n)
    flip = np.random.default_rng(21).random((p, n)) < 0.1
    noisy = np.where(flip, -xi, xi).astype(np.int8)
    keys = jax.random.split(jax.random.key(22), p)

    def dense(t, rectified):
        run = lambda k, s: hf.dense_recall_async(k, xi, s, t, n=3, rectified=rectified)
        return jax.vmap(run)(keys, noisy)

    for rectified in (False, True):
        np.testing.assert_array_equal(jnp.diagonal(hf.overlap(xi, dense(20, rectified))), 1.0)
        e = np.array([hf.dense_energy(xi, dense(t, rectified), 3, rectified=rectified)
                      for t in range(3)])
        assert np.all(np.diff(e, axis=0) <= 0) and np.all(e[2] < e[0])
    hebb = _recall_batch(keys, hf.hebbian(xi), xi, 50)                  # even from xi itself
    m = np.asarray(jnp.diagonal(hf.overlap(xi, hebb)))
    assert np.mean(m >= 0.95) < 0.1 and m.mean() < 0.7
    assert p < hd.dense_capacity_estimate(n, 3) / 5


def test_dense_energy_formula_and_n2_is_hebbian(x64):
    xi = _np_patterns(23, 5, 12)
    s = _np_patterns(24, 6, 12)
    m = s.astype(float) @ xi.T
    np.testing.assert_allclose(jax.jit(hf.dense_energy, static_argnums=2)(xi, s, 4),
                               -np.sum(m ** 4, -1))
    np.testing.assert_allclose(hf.dense_energy(xi, s, 3, rectified=True),
                               -np.sum(np.maximum(m, 0) ** 3, -1))
    e_hop = hf.energy(hf.hebbian(xi), s)
    np.testing.assert_allclose(hf.dense_energy(xi, s, 2), 2 * 12 * e_hop - 12 * 5, rtol=1e-10)


def test_dense_recall_n2_equals_hebbian_recall():
    n, p = 64, 9                      # N even, P odd: P (N - 1) odd, the field is never zero
    xi = _np_patterns(25, p, n)
    starts = _np_patterns(26, 16, n)
    keys = jax.random.split(jax.random.key(27), 16)
    hebbian_w = hf.hebbian(xi)
    d = jax.vmap(lambda k, s: hf.dense_recall_async(k, xi, s, 1, n=2))(keys, starts)
    np.testing.assert_array_equal(d, _recall_batch(keys, hebbian_w, starts, 1))
    d = jax.jit(jax.vmap(lambda k, s: hf.dense_recall_async(k, xi, s, 30, n=2)))(keys, starts)
    np.testing.assert_array_equal(d, _recall_batch(keys, hebbian_w, starts, 30))
    assert np.any(np.asarray(d) != np.asarray(starts))


# -- modern continuous Hopfield network ---------------------------------------------------------

_MODERN_UPDATE = jax.jit(hf.modern_update)
_MODERN_ENERGY = jax.jit(hf.modern_energy)


def test_modern_update_retrieves_a_noisy_pattern_in_one_step():
    d, p = 64, 32
    X = jnp.asarray(_np_patterns(28, p, d).T, jnp.float32)              # [d, P] columns
    noise = np.random.default_rng(29).normal(size=(p, d))
    noisy = X.T + 0.5 * noise                                           # [P, d] a batch of states
    np.testing.assert_allclose(_MODERN_UPDATE(X, noisy, 1.0), X.T, atol=1e-4)
    np.testing.assert_allclose(hf.modern_update(X, noisy[3], 1.0), X[:, 3], atol=1e-4)  # one [d]
    # beta -> 0 averages the patterns
    np.testing.assert_allclose(_MODERN_UPDATE(X, noisy, 0.0)[3], X.mean(1), atol=1e-5)


def test_modern_energy_decreases_and_is_finite_in_float32():
    d, p = 64, 32                                                       # shapes as above
    rng = np.random.default_rng(30)
    X = jnp.asarray(rng.normal(size=(d, p)) / 4, jnp.float32)
    xi = jnp.asarray(rng.normal(size=(p, d)) / 2, jnp.float32)
    for beta in (0.05, 0.5, 5.0):
        e = [_MODERN_ENERGY(X, xi, beta)]
        state = xi
        for _ in range(4):
            state = _MODERN_UPDATE(X, state, beta)
            e.append(_MODERN_ENERGY(X, state, beta))
        e = np.array(e)
        assert np.all(np.diff(e, axis=0) <= 1e-4 * (1 + np.abs(e[:-1])))
        assert np.all(e[-1] < e[0]) and np.all(e >= -1e-4)
    # against a float64 log-sum-exp reference at both ends of the beta range
    x64, s64 = np.asarray(X, np.float64), np.asarray(xi, np.float64)
    z = s64 @ x64
    for beta in (1e-3, 100.0):
        lse = np.logaddexp.reduce(beta * z, axis=-1) / beta
        ref = (-lse + 0.5 * np.sum(s64 ** 2, -1) + np.log(p) / beta
               + 0.5 * np.max(np.sum(x64 ** 2, 0)))
        got = np.asarray(_MODERN_ENERGY(X, xi, beta))
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-4)


# -- capacity -------------------------------------------------------------------------------------

def test_capacity_dynamics_is_recall_async_from_each_pattern():
    n, p, max_sweeps = 64, 9, 50                                          # no ties (P (N-1) odd)
    key = jax.random.key(32)
    m, valid, conv = jax.jit(hc._trial, static_argnums=(2, 3, 4))(
        key, jnp.asarray(p), n, 11, 11, jnp.asarray(max_sweeps))
    k_pat, k_run = jax.random.split(key)
    xi = hf.random_patterns(k_pat, 11, n)[:p]                            # the stored patterns
    starts = xi[np.arange(16) % p]
    out = _recall_batch(jnp.stack([k_run] * 16), hf.hebbian(xi), starts, max_sweeps)
    np.testing.assert_array_equal(valid, np.arange(11) < p)
    np.testing.assert_allclose(np.asarray(m)[:p], np.diagonal(hf.overlap(xi, out[:p])))
    assert bool(np.all(np.asarray(conv)[:p]))
    assert np.mean(np.asarray(m)[:p] < 1) > 0.2                           # not all trivial


# Reference from the full measurement (docs/guides/hopfield.md, 40 networks per load on a grid
# of step 0.01): N = 200, retrieval criterion m >= 0.95.
_ALPHA_C_200, _ALPHA_C_200_ERR = 0.1892, 0.0016
_GRID_BIAS = 0.005             # linear interpolation across the coarse grid of loads used here
_CAPACITY_ARGS = dict(n_trials=8, n_bootstrap=100)


def test_capacity_small_measurement():
    r = hf.capacity(jax.random.key(33), 200, (0.08, 0.17, 0.21, 0.25), **_CAPACITY_ARGS)
    np.testing.assert_allclose(r.alphas, [0.08, 0.17, 0.21, 0.25])
    np.testing.assert_array_equal(r.n_patterns, [16, 34, 42, 50])
    assert np.all(np.asarray(r.converged) == 1.0)
    assert float(r.retrieval[0]) > 0.97 and float(r.overlap[0]) > 0.99       # alpha = 0.08
    assert float(r.retrieval[-1]) < 0.3 and float(r.overlap[-1]) < 0.7        # alpha = 0.25
    assert np.all(np.diff(np.asarray(r.overlap)) < 0)
    assert np.all(np.asarray(r.retrieval_err)[1:] > 0)
    err = float(r.alpha_c_err)
    assert 0.0 < err < 0.01
    assert abs(float(r.alpha_c) - _ALPHA_C_200) < 4 * np.hypot(err, _ALPHA_C_200_ERR) + _GRID_BIAS
    # the estimate is the interpolated 1/2 crossing of the retrieval curve
    a, f = np.asarray(r.alphas), np.asarray(r.retrieval)
    k = int(np.argmax(f < 0.5))
    expected = a[k - 1] + (f[k - 1] - 0.5) / (f[k - 1] - f[k]) * (a[k] - a[k - 1])
    np.testing.assert_allclose(float(r.alpha_c), expected, rtol=1e-5)
    # the mean-overlap estimate crosses AGS_OVERLAP_C, below the retrieval-fraction one
    a_m = float(r.alpha_c_overlap)
    assert float(r.overlap[0]) > hf.AGS_OVERLAP_C > float(r.overlap[1]) and 0.08 < a_m < 0.17


def test_capacity_crossing_outside_the_grid_is_nan_with_a_warning():
    # the same static sizes as above (N, largest P, trials): no new compilation
    with pytest.warns(UserWarning, match="does not cross 1/2"):
        r = hf.capacity(jax.random.key(34), 200, (0.22, 0.23, 0.24, 0.25), **_CAPACITY_ARGS)
    assert np.isnan(float(r.alpha_c)) and np.isnan(float(r.alpha_c_err))
    assert np.all(np.asarray(r.retrieval) < 0.5)


# -- validation -----------------------------------------------------------------------------------

_W = np.zeros((4, 4))
_S = np.array([1, -1, 1, 1])
_XI = np.array([[1, -1, 1, 1], [1, 1, -1, 1]])


@pytest.mark.parametrize("call, exc, match", [
    (lambda: hf.hebbian(np.array([[1, 0, 1]])), ValueError, r"patterns must contain only -1"),
    (lambda: hf.hebbian(np.ones(5)), ValueError, r"patterns must be a 2-D array \[P, N\]"),
    (lambda: hf.hebbian(np.ones((0, 5))), ValueError, r"P >= 1 patterns, got P=0"),
    (lambda: hf.hebbian(np.ones((3, 1))), ValueError, r"N >= 2 neurons, got N=1"),
    (lambda: hf.hebbian(np.ones((2, 3), bool)), TypeError, r"patterns must be real"),
    (lambda: hf.pseudo_inverse(np.ones((4, 4))), ValueError, r"P < N .* got P=4, N=4"),
    (lambda: hf.pseudo_inverse(np.ones((2, 4))), ValueError, r"linearly independent.*rank 1"),
    (lambda: hf.energy(np.ones((3, 4)), _S), ValueError, r"W must be a square matrix"),
    (lambda: hf.energy(np.triu(np.ones((4, 4))), _S), ValueError, r"W must be symmetric"),
    (lambda: hf.energy(np.full((4, 4), np.nan), _S), ValueError, r"W must be finite"),
    (lambda: hf.energy(_W, np.array([1, -1, 1])), ValueError, r"s must have shape \[\.\.\., 4\]"),
    (lambda: hf.energy(_W, np.array([1, 0.5, 1, 1])), ValueError, r"s must contain only -1"),
    (lambda: hf.energy(_W, _S, np.ones(3)), ValueError, r"h must have shape \(4,\)"),
    (lambda: hf.energy(_W, _S, np.nan), ValueError, r"h must be finite"),
    (lambda: hf.overlap(_XI, np.array([1, np.nan, 1, 1])), ValueError, r"s must contain only"),
    (lambda: hf.overlap(_XI, np.ones(3)), ValueError, r"s must have shape"),
    (lambda: hf.recall_sync(_W, _S, -1), ValueError, r"n_steps must be >= 0, got -1"),
    (lambda: hf.recall_sync(_W, _S, 2.0), TypeError, r"n_steps must be a Python int"),
    (lambda: jax.jit(hf.recall_sync)(_W, _S, 2), TypeError, r"n_steps must be a Python int"),
    (lambda: hf.recall_async(jax.random.key(0), _W, np.ones((2, 4)), 3), ValueError,
     r"s must have shape \(4,\)"),
    (lambda: hf.log_z_exact(_W, -1.0), ValueError, r"beta must be >= 0"),
    (lambda: hf.log_z_exact(_W, np.ones(2)), ValueError, r"beta must have shape \(\)"),
    (lambda: hf.log_z_exact(np.zeros((31, 31))), ValueError, r"N=31 .* N <= 30"),
    (lambda: hf.log_prob(_W, _S, np.nan), ValueError, r"beta must be finite"),
    (lambda: hf.dense_energy(_XI, _S, 1), ValueError, r"n must be >= 2, got 1"),
    (lambda: hf.dense_energy(_XI, _S, 2.5), TypeError, r"n must be a Python int"),
    (lambda: hf.dense_energy(_XI, _S, 3, rectified=1), TypeError, r"rectified must be a bool"),
    (lambda: hf.dense_recall_async(jax.random.key(0), _XI, _S, 3, n=0), ValueError,
     r"n must be >= 2"),
    (lambda: hf.modern_update(np.ones(4), np.ones(4), 1.0), ValueError,
     r"X must be a 2-D array \[d, P\]"),
    (lambda: hf.modern_update(np.ones((4, 2)), np.ones(3), 1.0), ValueError,
     r"xi must have shape \[\.\.\., 4\]"),
    (lambda: hf.modern_energy(np.ones((4, 2)), np.ones(4), 0.0), ValueError, r"beta must be > 0"),
    (lambda: hf.modern_update(np.ones((4, 2)), np.ones(4), -2.0), ValueError, r"beta must be >= 0"),
    (lambda: hf.capacity(jax.random.key(0), 100, [0.1, 0.05]), ValueError,
     r"alphas must be strictly increasing"),
    (lambda: hf.capacity(jax.random.key(0), 100, [0.001, 0.1]), ValueError,
     r"P = round\(alpha N\) >= 1"),
    (lambda: hf.capacity(jax.random.key(0), 100, [0.1, 0.2], n_trials=1), ValueError,
     r"n_trials must be >= 2"),
    (lambda: hf.capacity(jax.random.key(0), 100, [0.1, 0.2], threshold=1.5), ValueError,
     r"threshold must be in \(0, 1\]"),
    (lambda: hf.random_patterns(jax.random.key(0), 0, 10), ValueError, r"n_patterns must be >= 1"),
])
def test_validation(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_public_api_is_exported():
    import models

    assert models.hopfield is hf
    for name in hf.__all__:
        assert hasattr(hf, name), name
