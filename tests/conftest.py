"""Shared test configuration.

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
