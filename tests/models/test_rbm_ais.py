"""models.rbm.ais_log_z: Salakhutdinov-Murray AIS against exact ln Z (nv = 64, nh <= 20).

Every estimate uses a fixed key, so a failure reproduces. Shapes (nv, nh, n_chains, n_betas) are
shared between tests where possible: each new one costs a ~2 s compile on a 2-core CPU.
"""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import rbm
from models.rbm import RBMParams
from models.rbm import _ais as rbm_ais


def _random_rbm(seed, nv, nh, w_scale, b_scale=0.1):
    """W ~ N(0, w_scale^2), b ~ N(0, b_scale^2), c ~ N(0, 0.1^2), float32."""
    rng = np.random.default_rng(seed)
    return RBMParams(jnp.asarray(rng.normal(0.0, w_scale, (nv, nh)), jnp.float32),
                     jnp.asarray(rng.normal(0.0, b_scale, nv), jnp.float32),
                     jnp.asarray(rng.normal(0.0, 0.1, nh), jnp.float32))


def _exact_samples(params, n, seed):
    """n exact samples of v: h ~ p(h) by enumerating the 2^nh hidden states, then v | h."""
    W, b, c = (np.asarray(a, np.float64) for a in params)
    nh = W.shape[1]
    H = ((np.arange(2**nh)[:, None] >> np.arange(nh)) & 1).astype(np.float64)
    log_p = H @ c + np.logaddexp(0.0, b + H @ W.T).sum(axis=1)
    prob = np.exp(log_p - log_p.max())
    rng = np.random.default_rng(seed)
    h = H[rng.choice(len(H), size=n, p=prob / prob.sum())]
    return (rng.random((n, W.shape[0])) < 1.0 / (1.0 + np.exp(-(b + h @ W.T)))).astype(np.int8)


# (weight scale, nh, n_betas, n_chains). Scale 1 is genuinely hard: hidden inputs c + vW have
# standard deviation ~ sqrt(nv / 2) ~ 5.7; at 100 betas the stderr is ~0.3 nats, ESS ~ 18 / 256.
# The budgets below are the smallest measured to give stderr <~ 0.03 nats (3 stderr < 0.1).
CASES = [(0.1, 16, 100, 64), (1.0, 16, 2000, 512), (1.0, 20, 3000, 256)]


@pytest.mark.parametrize("scale,nh,n_betas,n_chains", CASES)
def test_matches_exact(scale, nh, n_betas, n_chains):
    p = _random_rbm(0, 64, nh, scale)
    exact = float(rbm.log_z_exact(p))
    est = rbm.ais_log_z(jax.random.key(0), p, n_chains=n_chains, n_betas=n_betas)
    err, se = abs(float(est.log_z) - exact), float(est.stderr)
    assert err < 3 * se and err < 0.1, (err, se)
    assert est.log_z.dtype == jnp.float32 and est.log_weights.shape == (n_chains,)
    assert 1.0 <= float(est.ess) <= n_chains


def test_other_schedules_match_exact():
    """Linear, geometric and an explicit array (same length: the same compiled scan)."""
    p = _random_rbm(0, 64, 16, 0.1)
    exact = float(rbm.log_z_exact(p))
    for schedule in ("linear", "geometric", np.linspace(0.0, 1.0, 101) ** 2):
        est = rbm.ais_log_z(jax.random.key(1), p, n_chains=64, n_betas=100, schedule=schedule)
        err = abs(float(est.log_z) - exact)
        assert err < 3 * float(est.stderr) and err < 0.1, (schedule, err, float(est.stderr))


def test_base_rate_from_data_cuts_the_stderr():
    """Strong visible biases: the base-rate start (from exact samples of the RBM) gives a 5x
    smaller stderr than the uniform start, on every seed (measured: ~0.03 vs 0.17-0.36)."""
    p = _random_rbm(1, 64, 16, 0.5, b_scale=2.0)
    exact = float(rbm.log_z_exact(p))
    b_data = rbm.base_rate_bias(_exact_samples(p, 500, 2))
    keys = jax.random.split(jax.random.key(7), 4)

    def run(b_a):
        return jax.vmap(lambda k: rbm.ais_log_z(k, p, n_chains=64, n_betas=100,
                                                 base_visible_bias=b_a))(keys)

    est = jax.jit(jax.vmap(run))(jnp.stack([jnp.zeros(64), b_data]))
    se_uniform, se_data = np.asarray(est.stderr)
    assert se_data.max() < 0.2 * se_uniform.min(), (se_data, se_uniform)
    err = np.abs(np.asarray(est.log_z[1]) - exact)
    assert np.all(err < 3 * se_data) and np.all(err < 0.1), (err, se_data)
    # vmap over keys and base rates is the same computation as one call
    one = rbm.ais_log_z(keys[2], p, n_chains=64, n_betas=100, base_visible_bias=b_data)
    np.testing.assert_allclose(one.log_weights, est.log_weights[1, 2], rtol=1e-5, atol=1e-5)
    # data= is the same as base_visible_bias=base_rate_bias(data)
    samples = _exact_samples(p, 500, 2)
    via_data = rbm.ais_log_z(keys[2], p, n_chains=64, n_betas=100, data=samples)
    np.testing.assert_array_equal(via_data.log_weights, one.log_weights)


def test_exact_when_the_base_is_the_target():
    """W = 0 and b_A = b: every p*_k is p_B times a v-independent factor, so all weights are
    equal and AIS is exact (checks Z_0 = 2^nh prod(1 + e^b_A)), also through the coarse-step
    branch (|c| = 40 > 30 at one step)."""
    rng = np.random.default_rng(3)
    b = jnp.asarray(rng.normal(0.0, 2.0, 10), jnp.float32)
    for c in (jnp.asarray(rng.normal(0.0, 1.0, 6), jnp.float32), jnp.full(6, 40.0)):
        p = RBMParams(jnp.zeros((10, 6)), b, c)
        exact = float(rbm.log_z_exact(p))
        for n_betas, schedule in ((1, "linear"), (3, "piecewise")):
            est = rbm.ais_log_z(jax.random.key(0), p, n_chains=4, n_betas=n_betas,
                                schedule=schedule, base_visible_bias=b)
            np.testing.assert_allclose(float(est.log_z), exact, rtol=1e-6)
            assert float(est.stderr) < 1e-5 and float(est.ess) == pytest.approx(4.0, rel=1e-4)


def test_softplus_step_is_accurate():
    """softplus(x + d) - softplus(x) to float32 precision for |d| from 1e-7 to 30."""
    x = np.linspace(-60.0, 60.0, 241).astype(np.float32)[:, None]
    mag = np.geomspace(1e-7, 30.0, 50).astype(np.float32)
    d = np.concatenate([-mag, mag])[None, :]
    got = np.asarray(rbm_ais._softplus_step(jnp.asarray(x), jnp.asarray(d)), np.float64)
    x64, d64 = x.astype(np.float64), d.astype(np.float64)
    want = np.logaddexp(0.0, x64 + d64) - np.logaddexp(0.0, x64)
    # relative error ~ the rounding of x + d (|x| ulp); atol: denormals flush to zero
    np.testing.assert_allclose(got, want, rtol=5e-6, atol=1e-20)
    plain = np.asarray(jax.nn.softplus(x + d) - jax.nn.softplus(x), np.float64)
    assert np.max(np.abs(plain - want) / np.abs(want)) > 1e-2     # what the formula avoids


def test_float32_matches_float64_on_the_same_path():
    """20000 steps: the float32 weights (log-space, stable increments, compensated sum) agree
    with float64 along the same Markov path (identical uniforms) to ~1e-5 nats."""
    raw = _random_rbm(4, 16, 8, 1.0)

    def weights():
        p = RBMParams(*(jnp.asarray(np.asarray(a), float) for a in raw))
        est = rbm.ais_log_z(jax.random.key(5), p, n_chains=8, n_betas=20000)
        return np.asarray(est.log_weights, np.float64)

    w32 = weights()
    with jax.enable_x64(True):
        w64 = weights()
    diff = np.abs(w32 - w64)
    # a chain whose float32 and float64 comparisons u < sigmoid(.) ever differ leaves the path
    assert np.median(diff) < 1e-4, diff


def test_gradient_matches_exact():
    """Score-function gradient E_p[-dF/dtheta] over the weighted final samples, against
    grad(log_z_exact): per-component z-scores over 8 independent runs, and chi-square."""
    p = _random_rbm(5, 12, 6, 0.5, b_scale=0.5)
    g_exact = jax.grad(rbm.log_z_exact)(p)
    grad = jax.jit(jax.vmap(lambda k: jax.grad(lambda q: rbm.ais_log_z(
        k, q, n_chains=256, n_betas=100).log_z)(p)))
    runs = grad(jax.random.split(jax.random.key(2), 8))
    z2 = []
    for name, a, e in zip("Wbc", runs, g_exact, strict=True):
        a = np.asarray(a, np.float64)
        assert a.shape[1:] == e.shape and a.dtype == np.float64
        se = a.std(0, ddof=1) / np.sqrt(a.shape[0])
        z = (a.mean(0) - np.asarray(e)) / se
        assert np.max(np.abs(z)) < 4.5, (name, z)
        z2.extend(z.ravel() ** 2)
    assert np.mean(z2) < 1.8, np.mean(z2)          # chi-square per degree of freedom (90 dof)


def test_jit_params_and_schedule_traced_without_recompiling():
    key = jax.random.key(3)

    @jax.jit
    @chex.assert_max_traces(n=1)
    def f(p, schedule):
        return rbm.ais_log_z(key, p, n_chains=8, n_betas=10, schedule=schedule).log_z

    schedules = [np.linspace(0.0, 1.0, 11), np.linspace(0.0, 1.0, 11) ** 3]
    params = [_random_rbm(s, 12, 6, 0.5) for s in (6, 7)]
    for p, s in zip(params, schedules, strict=True):
        eager = rbm.ais_log_z(key, p, n_chains=8, n_betas=10, schedule=s).log_z
        np.testing.assert_allclose(f(p, s), eager, rtol=1e-5)      # a second trace would raise


def test_log_likelihood_ais():
    p = _random_rbm(0, 64, 16, 0.1)
    v = np.random.default_rng(8).integers(0, 2, size=(2, 3, 64))
    log_p, se = rbm.log_likelihood_ais(jax.random.key(4), p, v, n_chains=64, n_betas=100)
    want = -np.asarray(rbm.free_energy(p, v)) - float(rbm.log_z_exact(p))
    assert log_p.shape == (2, 3) and se.shape == ()
    np.testing.assert_allclose(log_p, want, atol=3 * float(se))
    # the mean agrees with the exact log_likelihood
    np.testing.assert_allclose(float(jnp.mean(log_p)), float(rbm.log_likelihood(p, v)),
                               atol=3 * float(se))


def test_bad_inputs():
    p = _random_rbm(0, 8, 4, 0.5)
    key = jax.random.key(0)

    def ais(**kw):
        args = {"n_chains": 4, "n_betas": 10} | kw
        return rbm.ais_log_z(key, p, **args)

    with pytest.raises(ValueError, match="n_chains must be >= 2"):
        ais(n_chains=1)
    with pytest.raises(TypeError, match="n_chains must be a Python int"):
        ais(n_chains=4.0)
    with pytest.raises(ValueError, match="n_betas must be >= 1"):
        ais(n_betas=0)
    with pytest.raises(ValueError, match="n_betas must be >= 3 for the 'piecewise'"):
        ais(n_betas=2)
    with pytest.raises(ValueError, match="schedule must be one of"):
        ais(schedule="cosine")
    with pytest.raises(ValueError, match="schedule must start at 0"):
        ais(schedule=np.linspace(0.1, 1.0, 11))
    with pytest.raises(ValueError, match="schedule must end at 1"):
        ais(schedule=np.linspace(0.0, 0.9, 11))
    with pytest.raises(ValueError, match="schedule must be strictly increasing"):
        ais(schedule=np.array([0.0, 0.5, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0]))
    with pytest.raises(ValueError, match="schedule must have n_betas \\+ 1 = 11"):
        ais(schedule=np.linspace(0.0, 1.0, 5))
    with pytest.raises(ValueError, match="data must contain only 0 and 1"):
        ais(data=np.full((3, 8), 2))
    with pytest.raises(ValueError, match="data must have shape"):
        ais(data=np.zeros((3, 7)))
    with pytest.raises(ValueError, match="data must be finite"):
        ais(data=np.zeros((3, 8)) * np.nan)
    with pytest.raises(ValueError, match="at least one example"):
        ais(data=np.zeros((0, 8)))
    with pytest.raises(ValueError, match="at most one of data and base_visible_bias"):
        ais(data=np.zeros((3, 8)), base_visible_bias=np.zeros(8))
    with pytest.raises(ValueError, match="base_visible_bias must have shape \\(8,\\)"):
        ais(base_visible_bias=np.zeros(7))
    with pytest.raises(ValueError, match="base_visible_bias must be finite"):
        ais(base_visible_bias=np.full(8, np.inf))
    with pytest.raises(ValueError, match="params.b"):
        rbm.ais_log_z(key, p._replace(b=jnp.zeros(5)), n_chains=4, n_betas=10)
    with pytest.raises(ValueError, match="v must contain only 0 and 1"):
        rbm.log_likelihood_ais(key, p, np.full(8, 3), n_chains=4, n_betas=10)
    with pytest.raises(ValueError, match="data must have shape"):
        rbm.base_rate_bias(np.zeros((3, 7)), 8)


def test_reverse_ais_and_ais_bracket_the_rbm_log_z():
    """The generic estimators on the RBM as a bipartite {0, 1} Boltzmann machine of nv + nh
    units (dense heat bath): E[ln Z_AIS] <= ln Z <= E[ln Z_reverse AIS], reverse AIS started
    from exact joint samples (h by enumerating 2^nh states, then v | h). A short schedule and
    4 chains per estimate make the biases dominate; 128 independent estimates are averaged."""
    from statmech.estimators import ais, linear, reverse_ais
    from statmech.mcmc import DenseParams, heat_bath

    nv, nh = 64, 16
    p = _random_rbm(11, nv, nh, 0.5)
    exact = float(rbm.log_z_exact(p))
    W = np.zeros((nv + nh, nv + nh), np.float32)
    W[:nv, nv:] = np.asarray(p.W)
    W[nv:, :nv] = np.asarray(p.W).T
    params = DenseParams(jnp.asarray(W), jnp.concatenate([p.b, p.c]))

    def energy(q, x):
        return -0.5 * x @ q.W @ x - q.b @ x

    Wd, b, c = (np.asarray(a, np.float64) for a in p)
    H = ((np.arange(2**nh)[:, None] >> np.arange(nh)) & 1).astype(np.float64)
    log_p = H @ c + np.logaddexp(0.0, b + H @ Wd.T).sum(axis=1)
    prob = np.exp(log_p - log_p.max())
    rng = np.random.default_rng(12)
    h = H[rng.choice(len(H), size=512, p=prob / prob.sum())]
    v = rng.random((512, nv)) < 1.0 / (1.0 + np.exp(-(b + h @ Wd.T)))
    joint = jnp.asarray(np.concatenate([v, h], axis=1).reshape(128, 4, nv + nh), jnp.int8)

    algo, short = heat_bath("dense", spins=(0, 1)), linear(10)
    keys = jax.random.split(jax.random.key(13), 128)
    fwd = jax.vmap(lambda k: ais(k, algo, energy, params, 1.0, shape=(nv + nh,), n_chains=4,
                                 schedule=short, spins=(0, 1)).log_z)(keys)
    rev = jax.vmap(lambda k, x: reverse_ais(k, algo, energy, params, 1.0, x,
                                            schedule=short).log_z)(keys, joint)
    fwd, rev = np.asarray(fwd, float), np.asarray(rev, float)
    se_f, se_r = fwd.std(ddof=1) / np.sqrt(128), rev.std(ddof=1) / np.sqrt(128)
    assert fwd.mean() + 3 * se_f < exact < rev.mean() - 3 * se_r, (fwd.mean(), se_f, exact,
                                                                   rev.mean(), se_r)
