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


def best_seconds(call: Callable[[], Any], repeats: int = 3) -> float:
    """Best wall time of ``repeats`` calls of ``call`` (results blocked on), after one untimed
    call (so that compiles are not timed)."""
    jax.block_until_ready(call())
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(call())
        best = min(best, time.perf_counter() - t0)
    return best


def marginal_per_epoch(fit: Callable[[int], Any], epochs: int, repeats: int = 3) -> float:
    """(T(2E) - T(E)) / E of a training call ``fit(epochs)``, each T the best of ``repeats``
    (the fixed per-call costs cancel). The minimum of each time, not of the differences: the
    minimum of a noisy difference is biased low."""
    return (best_seconds(lambda: fit(2 * epochs), repeats)
            - best_seconds(lambda: fit(epochs), repeats)) / epochs
