"""Shared test configuration.

Tests marked ``slow`` (larger sizes of checks that also run at a smaller size) are skipped
unless ``pytest --runslow`` is given, to keep the default suite inside CI's 15-minute budget.

Tests that need float64 use the ``x64`` fixture, which enables x64 for the duration of the test
only, so float32 behaviour (the library default) is what every other test sees.
"""

import jax
import pytest


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
