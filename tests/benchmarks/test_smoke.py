"""The benchmark runner works end to end (smoke test; speed is not asserted here)."""

import json

from benchmarks.__main__ import main


def test_quick_benchmarks_run_and_agree(tmp_path, capsys):
    out = tmp_path / "bench.json"
    # the engine suites only: the RBM suites time whole training and AIS runs (minutes); their
    # functions are tested in tests/models
    assert main(["--quick", "--only", "exact", "--only", "sampling", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    rows = {r["name"]: r for r in data["results"]["exact"]}
    dense = rows["sk20 log_z_dense, value+grad"]
    generic = rows["sk20 generic log_z_enumerate, value+grad"]
    # the runner cross-checks values against its baselines; both paths report the same ln Z
    lz_fast, lz_generic = dense["extra"]["log_z"], generic["extra"]["log_z"]
    assert abs(lz_fast - lz_generic) < 1e-4 * abs(lz_generic)
    assert all(r["seconds"] > 0 for r in rows.values())
    assert "ratio" in capsys.readouterr().out
    sampling = data["results"]["sampling"]
    throughput = [r for r in sampling if r["name"].startswith("heat bath")]
    assert throughput and all(r["extra"]["updates_per_ns"] > 0 for r in throughput)
    taus = [r["extra"]["tau_int_sweeps"] for r in sampling if r["name"].startswith("tau_int")]
    assert len(taus) == 6 and all(t >= 0.5 for t in taus)
    memory = [r for r in sampling if r["name"].startswith("memory")]
    assert memory and memory[0]["extra"]["peak_rss_gb"] > 0
