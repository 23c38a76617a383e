"""Counting XLA compilations, for the tests that a call does not recompile.

``jax.monitoring`` reports every backend compilation with the name of the jitted function
(``fun_name="jit(f)"``); :func:`compile_counter` tallies them inside a ``with`` block.
"""

from __future__ import annotations

import collections
import contextlib

import jax

_BACKEND_COMPILE = "/jax/core/compile/backend_compile_duration"


@contextlib.contextmanager
def compile_counter():
    """Yields a ``collections.Counter`` of backend compilations by function name
    (``"jit(name)"``), filled while the block runs; ``sum(c.values())`` counts them all."""
    counts: collections.Counter = collections.Counter()

    def listener(event, duration, fun_name=None, **_):
        if event == _BACKEND_COMPILE:
            counts[fun_name] += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield counts
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
