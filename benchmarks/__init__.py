"""Benchmarks: ``python -m benchmarks [--quick] [--json FILE]``.

Each benchmark measures the library and a baseline in the same run and prints the ratio, so
the figures are comparable whatever the machine. Timings are wall-clock seconds of the steady
state (compiled) call, best of a few repeats; the first call, which includes compilation, is
reported separately.
"""
