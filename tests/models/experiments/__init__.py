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
