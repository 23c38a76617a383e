"""The benchmark runner works end to end (smoke test; speed is not asserted here)."""

import json

from benchmarks import sampling
from benchmarks.__main__ import main


def test_quick_benchmarks_run_and_agree(tmp_path, capsys):
    out = tmp_path / "bench.json"
    # the runner end to end on the exact suite; the sampling suite's three parts are called
    # directly below at their smallest sizes (its --quick run compiles six tau_int programs,
    # about 40 s); the RBM suites time whole training and AIS runs (minutes) and their
    # functions are tested in tests/models
    assert main(["--quick", "--only", "exact", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    rows = {r["name"]: r for r in data["results"]["exact"]}
    dense = rows["sk20 log_z_dense, value+grad"]
    generic = rows["sk20 generic log_z_enumerate, value+grad"]
    # the runner cross-checks values against its baselines; both paths report the same ln Z
    lz_fast, lz_generic = dense["extra"]["log_z"], generic["extra"]["log_z"]
    assert abs(lz_fast - lz_generic) < 1e-4 * abs(lz_generic)
    assert all(r["seconds"] > 0 for r in rows.values())
    assert "ratio" in capsys.readouterr().out


def test_sampling_suite_parts_run():
    throughput = [r.as_dict() for r in sampling.bench_throughput(16, 4, 1, None)]
    assert throughput and all(r["extra"]["updates_per_ns"] > 0 for r in throughput)
    taus = [r.as_dict()["extra"]["tau_int_sweeps"]
            for r in sampling.bench_tau(True, {"wolff": [(4, 4, 10, 50), (8, 4, 10, 50)]})]
    assert len(taus) == 2 and all(t >= 0.5 for t in taus)
    memory = sampling.bench_memory(64, 1)[0].as_dict()
    assert memory["extra"]["peak_rss_gb"] > 0


def test_gradient_sampler_benchmark_part_runs():
    from benchmarks import gradient_samplers as gs
    from statmech import mcmc

    seconds, ess, trace = gs._run(mcmc.dmala(gs.ising_energy, 1.0), 1.0, 2, 10, 40, gs._observe)
    assert seconds > 0 and trace.shape == (2, 40, 2) and ess["energy"] > 0
