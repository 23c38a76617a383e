"""Tests of the experiments: each runs ``statmech NAME --quick`` as a user would, in its own
process, at XLA's default optimisation level unless it is compile-bound (the suite compiles at
level 0, where the cluster kernels run about five times slower), and checks the physics in what
it wrote."""

from __future__ import annotations

import os
import subprocess
import sys

OPT_LEVEL_0 = ("rbm", "rg")
"""Experiments whose quick run is compile-bound: they keep the suite's optimisation level 0
(measured: rbm --quick 25 s at level 0 against 30-33 s at the default level, rg --quick 33 s
against 50 s; dropout,
optimizers and hopfield are faster at the default level, phase and potts five times)."""


def run_cli(argv: list[str], timeout: float = 300.0) -> str:
    """Run ``python -m models.cli ARGV --no-progress`` in a fresh process; returns its stdout
    and fails the test with the output if it exits non-zero."""
    env = dict(os.environ)
    if argv[0] not in OPT_LEVEL_0:
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
