"""The exact renormalized Hamiltonian: against brute force, the invariance of ln Z, and the
free energy a truncated coupling space misses."""

import jax
import numpy as np
import pytest

from statmech import rg
from statmech.exact import BETA_C, ising2d_log_z


def test_block_weights_equal_brute_force_on_the_4x4_torus():
    """All 2^16 configurations, blocked by hand (ties weighted 1/2 to either sign)."""
    K = 0.4
    log_w = np.asarray(rg.block_log_weights(4, K))
    configs = rg.block_configurations(4)
    idx = np.arange(2**16)[:, None]
    s = (1 - 2 * ((idx >> np.arange(16)) & 1)).reshape(-1, 4, 4).astype(float)
    boltzmann = np.exp(K * np.sum(s * np.roll(s, -1, 1) + s * np.roll(s, -1, 2), axis=(1, 2)))
    sums = s.reshape(-1, 2, 2, 2, 2).sum(axis=(2, 4))                      # [n, Y, X]
    for c, block in enumerate(configs):
        agree = sums * block[None]
        t = np.where(agree > 0, 1.0, np.where(sums == 0, 0.5, 0.0)).prod(axis=(1, 2))
        assert abs(np.log(np.sum(t * boltzmann)) - log_w[c]) < 1e-12


@pytest.mark.parametrize("L", [2, 4, 6, 8])
@pytest.mark.parametrize("K", [0.1, float(BETA_C), 0.9])
def test_the_free_energy_is_invariant(x64, L, K):
    """sum over block configurations of W' = Z (Kaufman), to float64 rounding."""
    log_w = rg.block_log_weights(L, K)
    assert abs(float(jax.nn.logsumexp(log_w) - ising2d_log_z(L, L, K))) < 1e-11


@pytest.mark.parametrize("K", [0.3, float(BETA_C)])
def test_truncation_error_is_the_kl_and_shrinks_as_couplings_are_added(K):
    """Nested maximum-likelihood fits: KL(P' || P_K) >= 0 and non-increasing with every coupling
    added, and ln Z = G + ln Z'(K) - KL exactly; adding the next-nearest neighbour removes most
    of the nearest-neighbour-only error (measured: 5x at K_c, 4.7x at K = 0.3)."""
    log_w = rg.block_log_weights(8, K)
    configs = rg.block_configurations(8)
    log_z = float(np.logaddexp.reduce(np.asarray(log_w)))
    kls = []
    for k in range(1, 5):
        p = rg.project_couplings(log_w, configs, rg.EVEN_COUPLINGS[:k])
        assert abs(p.constant + p.log_z - p.kl - log_z) < 1e-9
        kls.append(p.kl)
    assert kls[0] > 0 and np.all(np.diff(kls) <= 1e-12), kls
    assert kls[1] < kls[0] / 3, kls


def test_projection_recovers_couplings_in_its_span():
    configs = rg.block_configurations(6)
    S = np.asarray(jax.vmap(lambda c: rg.coupling_sums(c, ("nn", "plaquette")))(configs))
    log_w = S @ np.array([0.25, -0.1]) - 3.0
    p = rg.project_couplings(log_w, configs, ("nn", "plaquette"))
    np.testing.assert_allclose(p.K, [0.25, -0.1], atol=1e-9)
    assert abs(p.constant + 3.0) < 1e-9 and abs(p.kl) < 1e-9


@pytest.mark.parametrize("call,match", [
    (lambda: rg.block_log_weights(5, 0.4), "L must be even"),
    (lambda: rg.block_log_weights(10, 0.4), "L must be <= 8"),
    (lambda: rg.block_log_weights(4, -0.4), "K must be >= 0"),
    (lambda: rg.project_couplings(np.zeros(3), np.ones((4, 2, 2)), ("nn",)), "must match"),
])
def test_bad_input_is_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
