"""``statmech potts --quick``: beta_c within 3 % of ln(1 + sqrt q) for q = 2, 3, 4, 10, two
energy peaks (phase coexistence) at q = 10 and one for q <= 4."""

import math

import pytest

from tests.models.experiments import assert_exits_2_with_one_line, quick_results


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return quick_results("potts", tmp_path_factory)


def test_beta_c_within_three_percent_for_every_q(quick_run):
    _, res = quick_run
    for q in ("2", "3", "4", "10"):
        est, exact = res["beta_c_estimate"][q], res["beta_c_exact"][q]
        assert exact == pytest.approx(math.log(1 + math.sqrt(int(q))))
        assert abs(est / exact - 1) < 0.03, (q, est, exact)


def test_first_order_only_at_q10(quick_run):
    out, res = quick_run
    assert res["q10_two_peaks"] is True and len(res["q10_peak_energies"]) == 2
    low, high = sorted(res["q10_peak_energies"])
    assert high - low > 0.3                  # the latent heat per site of q = 10 is ~0.7
    for q in ("2", "3", "4"):
        assert res["histogram_peak_counts"][q] == 1, (q, res["per_q"][q]["histogram_peaks"])
    assert (out / "potts.png").stat().st_size > 50_000


@pytest.mark.parametrize("argv, message", [
    (["potts", "--sizes", "8", "8"], "--sizes must be two different sizes"),
    (["potts", "--sizes", "2", "8"], "--sizes must be an integer >= 4"),
    (["potts", "--chains", "1"], "--chains must be an integer >= 2"),
    (["potts", "--sweeps", "0"], "--sweeps must be an integer >= 20"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    assert_exits_2_with_one_line(argv, message, capsys, tmp_path)


def test_multiple_histogram_reweighting_recovers_the_exact_density_of_states():
    """Fed the exact energy histograms of a 3x3 q = 3 Potts model at three betas, the
    Ferrenberg-Swendsen solution is the enumerated density of states up to a constant."""
    import itertools

    import numpy as np

    from models.experiments.potts import density_of_states

    states = np.array(list(itertools.product(range(3), repeat=9))).reshape(-1, 3, 3)
    same = (states == np.roll(states, 1, 1)).sum((1, 2)) + (states == np.roll(states, 1, 2)).sum(
        (1, 2))
    omega = np.bincount(same, minlength=19).astype(float)
    betas = np.array([0.6, 1.0, 1.4])
    w = omega[None] * np.exp(betas[:, None] * np.arange(19)[None])
    counts = 1e4 * w / w.sum(1, keepdims=True)
    log_omega = density_of_states(counts, betas)
    seen = omega > 0
    assert np.all(np.isfinite(log_omega[seen])) and np.all(np.isneginf(log_omega[~seen]))
    diff = log_omega[seen] - np.log(omega[seen])
    assert np.ptp(diff) < 1e-6, diff


def test_histogram_peaks_finds_two_phases_only_behind_a_deep_dip():
    import numpy as np

    from models.experiments.potts import histogram_peaks

    e = np.linspace(-2, 0, 400)
    one = np.exp(-0.5 * ((e + 1) / 0.1) ** 2) + 0.02 * np.sin(40 * e) ** 2
    two = np.exp(-0.5 * ((e + 1.6) / 0.08) ** 2) + 0.8 * np.exp(-0.5 * ((e + 0.9) / 0.08) ** 2)
    shoulder = np.exp(-0.5 * ((e + 1.2) / 0.12) ** 2) + 0.8 * np.exp(-0.5 * ((e + 0.95) / 0.12)
                                                                       ** 2)
    assert len(histogram_peaks(e, one)[0]) == 1
    assert len(histogram_peaks(e, shoulder)[0]) == 1
    peaks, dip = histogram_peaks(e[::-1], two[::-1])
    assert len(peaks) == 2 and abs(peaks[0] + 1.6) < 0.02 and abs(peaks[1] + 0.9) < 0.02
    assert dip > 0.9
