"""Shared test configuration.

Tests marked ``slow`` (larger sizes of checks that also run at a smaller size) are skipped
unless ``pytest --runslow`` is given, to keep the default suite inside CI's 15-minute budget.

Tests that need float64 use the ``x64`` fixture, which enables x64 for the duration of the test
only, so float32 behaviour (the library default) is what every other test sees.

The suite compiles with ``--xla_backend_optimization_level=0`` (added to ``XLA_FLAGS`` here,
before JAX starts its backend, unless ``XLA_FLAGS`` already sets a level; subprocesses started
by tests inherit it). Compiling is most of the suite's time on a 2-core machine, and LLVM's
optimisation passes are most of the compiling: the full suite took 11 min 13 s instead of
16 min 4 s on the 2-core CPU (2026-12-01). The level changes how fast the generated code runs;
results can differ only in rounding (XLA fixes the operations and their order; LLVM may fuse a
multiply and an add differently), and the whole suite passes at both levels. Benchmarks and
users run at the default level.
"""

import os

_LEVEL = "--xla_backend_optimization_level"
if _LEVEL not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_LEVEL}=0".strip()

if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    # One persistent compilation cache for the whole run, shared by the xdist workers and the
    # subprocesses the tests start (they inherit the environment): a program compiled by one
    # process (a kernel, a training loop, an experiment's quick run) is loaded by the others.
    # A fresh directory per run, so that a run never depends on an earlier one.
    import tempfile

    os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="statmech-jax-cache-")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.3")

import jax  # noqa: E402 - after XLA_FLAGS, which XLA reads when its backend starts
import pytest  # noqa: E402


@pytest.fixture
def x64():
    """Enable float64 for one test."""
    with jax.enable_x64(True):
        yield


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run tests marked slow (larger lattices of the same checks)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: larger-size repeat of a check; needs --runslow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with pytest --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
