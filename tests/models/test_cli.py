"""The console script: `statmech list` and `statmech exact` end to end."""

import json
import math

import numpy as np
import pytest

from models.cli import main
from statmech.exact import BETA_C


def test_list(capsys):
    assert main(["list"]) == 0
    assert "exact" in capsys.readouterr().out


def test_exact_writes_results_and_plot(tmp_path, capsys, x64):
    out = tmp_path / "exact"
    assert main(["exact", "--quick", "--L", "4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Kaufman" in printed and "results.json" in printed
    res = json.loads((out / "results.json").read_text())
    assert (out / "exact.png").stat().st_size > 10_000
    T = np.array(res["T"])
    assert len(T) == 13 and res["L"] == 4
    assert res["T_c"] == pytest.approx(1 / BETA_C)
    # the 4x4 row at T = 2.5 (K = 0.4): REFERENCES.md values, from the CLI's own output file
    i = int(np.argmin(np.abs(T - 2.5)))
    assert T[i] == pytest.approx(2.5)
    assert res["log_z_per_site"][i] == pytest.approx(14.561093023844043 / 16, abs=1e-12)
    assert res["energy_per_site"][i] == pytest.approx(-1.37911648225935, abs=1e-12)
    assert res["heat_capacity_per_site"][i] == pytest.approx(0.812515229440458, abs=1e-11)
    assert res["onsager_log_z_per_site"][i] == pytest.approx(0.879363820774948, abs=1e-12)
    # Yang's magnetization vanishes above T_c and is positive below
    m = np.array(res["yang_magnetization"])
    assert np.all(m[T > 1 / BETA_C] == 0) and np.all(m[T < 1 / BETA_C] > 0)
    assert all(math.isfinite(v) for v in res["heat_capacity_per_site"])


@pytest.mark.parametrize("argv, msg", [
    (["exact", "--L", "1"], "--L must be >= 2"),
    (["exact", "--t-min", "3", "--t-max", "2"], "--t-min < --t-max"),
    (["exact", "--n-t", "1"], "--n-t must be >= 2"),
])
def test_exact_bad_arguments(argv, msg, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--out", str(tmp_path)])
    assert exc.value.code == 2
    assert msg in capsys.readouterr().err
