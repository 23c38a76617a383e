"""Timing helpers and the result row shared by all benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import jax


@dataclass
class Row:
    """One benchmark result: our time against a baseline's, measured in the same run."""

    name: str
    seconds: float
    first_call_seconds: float
    baseline: str = ""
    baseline_seconds: float | None = None
    target_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Speed-up over the baseline (baseline time / our time)."""
        if self.baseline_seconds is None:
            return None
        return self.baseline_seconds / self.seconds

    @property
    def meets_target(self) -> bool | None:
        return None if self.target_seconds is None else self.seconds <= self.target_seconds

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio"] = self.ratio
        d["meets_target"] = self.meets_target
        return d


def time_call(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, float, Any]:
    """(first-call seconds, best steady-state seconds, result) of ``fn``, blocking on results."""
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - t0)
    return first, best, out
