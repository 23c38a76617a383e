"""models.boltzmann training: exact ML, pseudo-likelihood, PCD, exact sampling and fit.

Exact references by enumeration (numpy, float64); statistical asserts use fixed keys and
tolerances of several standard errors, so a failure reproduces. Each fit compiles its own
training loop (a few seconds on a 2-core CPU), so there is one fit per method.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import boltzmann
from models.boltzmann import BoltzmannParams
from tests.compiles import compile_counter


def _planted(seed, n, w_scale=0.5, b_scale=0.1, dtype=np.float32):
    """W_ij = W_ji ~ N(0, w_scale^2) (zero diagonal), b ~ N(0, b_scale^2)."""
    rng = np.random.default_rng(seed)
    A = np.triu(rng.normal(0.0, w_scale, (n, n)), 1)
    return BoltzmannParams(jnp.asarray(A + A.T, dtype), jnp.asarray(rng.normal(0.0, b_scale, n),
                                                                  dtype))


def _neg_energy(params, X):
    W, b = np.asarray(params.W, np.float64), np.asarray(params.b, np.float64)
    W = W - np.diag(np.diag(W))
    return 0.5 * np.einsum("ki,ij,kj->k", X, W, X) + X @ b


def _probabilities(params):
    """All 2**n states (row k = bits of k, LSB = unit 0) and their exact probabilities."""
    n = np.shape(params.b)[0]
    X = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float64)
    logw = _neg_energy(params, X)
    p = np.exp(logw - logw.max())
    return X, p / p.sum()


# --------------------------------------------------------------------------------------------
# exact gradient
# --------------------------------------------------------------------------------------------

def test_autodiff_gradient_equals_moment_matching(x64):
    n = 12
    params = _planted(0, n, dtype=np.float64)
    data = np.random.default_rng(1).integers(0, 2, size=(200, n))
    key = jax.random.key(0)
    grads, chains, metrics = jax.jit(boltzmann.grad_fn("exact"))(key, params, (), data)
    rule = jax.jit(boltzmann.moment_matching_grad)(params, data)
    np.testing.assert_allclose(grads.W, rule.W, rtol=0, atol=1e-6)
    np.testing.assert_allclose(grads.b, rule.b, rtol=0, atol=1e-6)
    assert float(jnp.max(jnp.abs(grads.W - rule.W))) < 1e-12     # measured ~5e-16
    # the moment-matching rule itself, from the brute-force moments
    X, p = _probabilities(params)
    data_f = data.astype(np.float64)
    off = 1.0 - np.eye(n)
    np.testing.assert_allclose(rule.W, -0.5 * off * (data_f.T @ data_f / len(data_f)
                                                      - np.einsum("k,ki,kj->ij", p, X, X)),
                               atol=1e-12)
    np.testing.assert_allclose(rule.b, p @ X - data_f.mean(0), atol=1e-12)
    log_z = np.logaddexp.reduce(_neg_energy(params, X))
    np.testing.assert_allclose(metrics["nll"], log_z - _neg_energy(params, data_f).mean(),
                               rtol=1e-12)
    assert chains == ()


# --------------------------------------------------------------------------------------------
# pseudo-likelihood
# --------------------------------------------------------------------------------------------

def test_pseudo_log_likelihood_matches_brute_force(x64):
    n = 6
    params = _planted(6, n, w_scale=0.8, b_scale=0.5, dtype=np.float64)
    data = np.random.default_rng(7).integers(0, 2, size=(30, n)).astype(np.float64)
    # ln p(x_i | x_-i) = -E(x) - ln(exp(-E(x)) + exp(-E(x with unit i flipped)))
    own = _neg_energy(params, data)
    expected = 0.0
    for i in range(n):
        flipped = data.copy()
        flipped[:, i] = 1 - flipped[:, i]
        expected = expected + own - np.logaddexp(own, _neg_energy(params, flipped))
    pll = jax.jit(boltzmann.pseudo_log_likelihood)
    np.testing.assert_allclose(pll(params, data), expected.mean(), rtol=1e-12)
    np.testing.assert_allclose(pll(params, data[0]), expected[0], rtol=1e-12)
    grads, chains, metrics = jax.jit(boltzmann.grad_fn("pl", l2=0.3))(jax.random.key(0), params,
                                                                       (), data)
    np.testing.assert_allclose(metrics["pseudo_nll"], -expected.mean(), rtol=1e-12)
    ref = jax.grad(boltzmann.pseudo_log_likelihood)(params, data)
    np.testing.assert_allclose(grads.W, -ref.W + 0.3 * params.W, atol=1e-12)   # l2 W decay
    np.testing.assert_allclose(grads.b, -ref.b, atol=1e-12)
    np.testing.assert_allclose(grads.W, np.asarray(grads.W).T, atol=1e-14)
    np.testing.assert_array_equal(np.diag(np.asarray(grads.W)), 0.0)
    assert chains == ()


# --------------------------------------------------------------------------------------------
# exact sampling and PCD chains
# --------------------------------------------------------------------------------------------

def test_sample_exact_matches_enumeration():
    n, n_samples = 5, 40_000
    sample = jax.jit(boltzmann.sample_exact, static_argnums=2)
    # a strong bias on one unit at a time pins it: the bit order of both halves of the split
    for i in range(n):
        pinned = BoltzmannParams(jnp.zeros((n, n)), jnp.full(n, -30.0).at[i].set(30.0))
        np.testing.assert_array_equal(sample(jax.random.key(i), pinned, n_samples),
                                      np.broadcast_to(np.eye(n, dtype=np.int8)[i], (n_samples, n)))
    params = _planted(8, n, w_scale=0.8, b_scale=0.5)
    x = sample(jax.random.key(9), params, n_samples)
    assert x.shape == (n_samples, n) and x.dtype == jnp.int8
    _, p = _probabilities(params)
    index = np.asarray(x, np.int64) @ (1 << np.arange(n))
    counts = np.bincount(index, minlength=2**n)
    expected = n_samples * p
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    df = 2**n - 1
    assert chi2 < df + 5 * np.sqrt(2 * df), chi2            # 31 + 39
    # one unit: the split has no high block
    one = BoltzmannParams(jnp.zeros((1, 1)), jnp.array([0.7]))
    y = boltzmann.sample_exact(jax.random.key(10), one, 20_000)
    assert abs(float(y.mean()) - float(jax.nn.sigmoid(0.7))) < 5 * 0.5 / np.sqrt(20_000)


def test_pcd_chains_sample_the_model_and_give_the_moment_gradient():
    n, n_chains = 6, 4000
    params = _planted(11, n, w_scale=0.8, b_scale=0.3)
    data = np.random.default_rng(13).integers(0, 2, size=(64, n)).astype(np.float32)
    chains = jax.jit(boltzmann.init_chains, static_argnums=(1, 3))(jax.random.key(12), "pcd",
                                                                    data, n_chains)
    grads, chains, metrics = jax.jit(boltzmann.grad_fn("pcd", k=25, l2=0.3))(
        jax.random.key(14), params, chains, data)
    assert chains.shape == (n_chains, n) and chains.dtype == jnp.int8
    X, p = _probabilities(params)
    mean, corr = p @ X, np.einsum("k,ki,kj->ij", p, X, X)
    x = np.asarray(chains, np.float64)
    tol = 5 * 0.5 / np.sqrt(n_chains)                         # 5 standard errors (at most)
    np.testing.assert_allclose(x.mean(0), mean, atol=tol)
    np.testing.assert_allclose(x.T @ x / n_chains, corr, atol=tol)
    # the gradient is <grad E>_data - <grad E>_chains, with the chains it returned
    off = 1.0 - np.eye(n)
    # (float32 sums over 4000 chains: atol 1e-4)
    np.testing.assert_allclose(grads.W, -0.5 * off * (data.T @ data / len(data) - x.T @ x
                                                      / n_chains) + 0.3 * params.W, atol=1e-4)
    np.testing.assert_allclose(grads.b, x.mean(0) - data.mean(0), atol=1e-4)
    assert set(metrics) == {"pseudo_nll", "energy_gap"}


def test_init_chains_matches_data_marginals():
    data = np.zeros((10, 3), np.int8)
    data[:, 0] = 1
    data[:5, 2] = 1
    chains = jax.jit(boltzmann.init_chains, static_argnums=(1, 3))(jax.random.key(0), "pcd",
                                                                    data, 4000)
    means = np.asarray(chains, np.float64).mean(0)
    np.testing.assert_allclose(means, [0.99, 0.01, 0.5], atol=0.03)   # clipped to [0.01, 0.99]


# --------------------------------------------------------------------------------------------
# fit: recovery of planted couplings
# --------------------------------------------------------------------------------------------

N_FIT = 10


@pytest.fixture(scope="module")
def planted_data():
    params = _planted(20, N_FIT, w_scale=0.6)
    X, p = _probabilities(params)                  # exact samples, drawn by numpy
    rng = np.random.default_rng(21)
    return params, X[rng.choice(len(p), size=5000, p=p)].astype(np.int8)


@pytest.mark.parametrize(("method", "extra"), [("exact", {}), ("pl", {"l2": 1e-4}),
                                               ("pcd", {"n_chains": 200, "k": 1})])
def test_fit_recovers_planted_couplings(planted_data, method, extra):
    planted, data = planted_data
    fitted = boltzmann.fit(jax.random.key(22), data, method=method, epochs=10, batch_size=500,
                           learning_rate=2.0, **extra)
    assert isinstance(fitted, BoltzmannParams)
    W = np.asarray(fitted.W)
    np.testing.assert_allclose(W, W.T, atol=1e-6)
    np.testing.assert_array_equal(np.diag(W), 0.0)
    iu = np.triu_indices(N_FIT, 1)
    r = np.corrcoef(W[iu], np.asarray(planted.W)[iu])[0, 1]
    assert r > 0.9, r                              # measured 0.968 / 0.984 / 0.965


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------

def test_fit_rejects_bad_input():
    key = jax.random.key(0)
    data = np.random.default_rng(0).integers(0, 2, size=(20, 4))
    kw = {"epochs": 1, "batch_size": 10, "learning_rate": 0.1}
    with pytest.raises(ValueError, match="only 0 and 1"):
        boltzmann.fit(key, data * 2 - 1, **kw)
    with pytest.raises(ValueError, match="data must be finite"):
        boltzmann.fit(key, np.where(data == 1, np.nan, 0.0), **kw)
    with pytest.raises(ValueError, match="batch_size"):
        boltzmann.fit(key, data, **{**kw, "batch_size": 21})
    with pytest.raises(ValueError, match="n must be <= 20"):
        boltzmann.fit(key, np.zeros((20, 21)), **kw, method="exact")
    with pytest.raises(ValueError, match="params has n = 5"):
        boltzmann.fit(key, data, **kw, params=boltzmann.init_params(key, 5))
    with pytest.raises(ValueError, match="2-D"):
        boltzmann.fit(key, data[0], **kw)
    with pytest.raises(ValueError, match="method"):
        boltzmann.fit(key, data, **kw, method="cd")
    with pytest.raises(ValueError, match="learning_rate"):
        boltzmann.fit(key, data, epochs=1, batch_size=10)
    with pytest.raises(ValueError, match="epochs"):
        boltzmann.fit(key, data, **{**kw, "epochs": 0})


def test_estimators_reject_bad_input():
    key = jax.random.key(0)
    big = BoltzmannParams(jnp.zeros((21, 21)), jnp.zeros(21))
    with pytest.raises(ValueError, match="n must be <= 20"):
        boltzmann.sample_exact(key, big, 10)
    with pytest.raises(ValueError, match="n must be <= 20"):
        boltzmann.moment_matching_grad(big, np.zeros((2, 21)))
    small = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        boltzmann.sample_exact(key, small, 0)
    with pytest.raises(ValueError, match=r"data must have shape \[..., 3\]"):
        boltzmann.pseudo_log_likelihood(small, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="only 0 and 1"):
        boltzmann.moment_matching_grad(small, np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="k must be >= 1"):
        boltzmann.grad_fn("pcd", k=0)
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        boltzmann.grad_fn("exact", l2=-1.0)
    with pytest.raises(ValueError, match="l2 must be finite"):
        boltzmann.grad_fn("pl", l2=float("nan"))
    with pytest.raises(ValueError, match="n_chains must be >= 1"):
        boltzmann.init_chains(key, "pcd", np.zeros((2, 3)), 0)
    with pytest.raises(ValueError, match="n must be <= 20"):     # exact ML traced at n > 20
        boltzmann.grad_fn("exact")(key, big, (), jnp.zeros((2, 21)))


@pytest.mark.parametrize("method", ["exact", "pl", "pcd"])
def test_repeated_fit_with_the_same_shapes_compiles_once(method):
    """The estimator and the default optimizer are cached objects, so the training loop's
    compiled program is reused: a second fit (other key, other data of the same shape)
    compiles nothing at all."""
    rng = np.random.default_rng(30)
    kw = {"method": method, "epochs": 2, "batch_size": 10, "learning_rate": 0.1, "n_chains": 20}
    boltzmann.fit(jax.random.key(0), rng.integers(0, 2, size=(40, 5)), **kw)
    with compile_counter() as compiles:
        fitted = boltzmann.fit(jax.random.key(1), rng.integers(0, 2, size=(40, 5)), **kw)
    assert sum(compiles.values()) == 0, compiles
    assert np.all(np.isfinite(fitted.W))
