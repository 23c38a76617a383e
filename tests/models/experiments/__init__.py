"""Tests of the experiments: each runs ``statmech NAME --quick`` as a user would, in its own
process at XLA's default optimisation level (the suite compiles at level 0, where the cluster
kernels run about five times slower), and checks the physics in what it wrote."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(argv: list[str], timeout: float = 300.0) -> str:
    """Run ``python -m models.cli ARGV --no-progress`` in a fresh process; returns its stdout
    and fails the test with the output if it exits non-zero."""
    env = dict(os.environ)
    flags = [f for f in env.get("XLA_FLAGS", "").split()
             if not f.startswith("--xla_backend_optimization_level")]
    env["XLA_FLAGS"] = " ".join(flags)
    proc = subprocess.run([sys.executable, "-m", "models.cli", *argv, "--no-progress"],
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"statmech {' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def quick_results(name: str, tmp_path_factory) -> tuple:
    """``statmech NAME --quick`` into a fresh directory: (that directory, its results.json)."""
    import json

    out = tmp_path_factory.mktemp(name)
    run_cli([name, "--quick", "--out", str(out)])
    return out, json.loads((out / "results.json").read_text())


def assert_exits_2_with_one_line(argv: list[str], message: str, capsys, tmp_path) -> None:
    """``statmech ARGV`` (in this process) exits with code 2 and one line holding ``message``."""
    import pytest

    from models.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv + ["--out", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
