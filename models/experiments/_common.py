"""What every experiment shares: the common options, argument checks that name the option,
atomic writing of ``results.json`` and figures, progress bars and one plotting style."""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from tqdm.auto import tqdm

__all__ = ["add_common_arguments", "check_out", "positive_int", "positive_float", "write_json",
           "save_figure", "figure", "progress", "jsonable", "merged_settings", "mean_and_error",
           "publish"]

STYLE = {
    "figure.dpi": 110, "savefig.dpi": 130, "font.size": 9, "axes.titlesize": 10,
    "axes.labelsize": 9, "legend.fontsize": 8, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.alpha": 0.25, "lines.markersize": 3.5, "errorbar.capsize": 2.0,
}
"""The one matplotlib style of every experiment's figures."""


def add_common_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    """``--quick``, ``--out``, ``--seed`` and ``--no-progress``, shared by every experiment."""
    parser.add_argument("--quick", action="store_true", help="a small, fast version of the run")
    parser.add_argument("--out", default=os.path.join("results", name),
                        help="output directory for results.json and plots (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed: the run is a deterministic function of it")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def positive_int(value: Any, option: str, minimum: int = 1) -> int:
    """An int option >= ``minimum``, or a ValueError naming it."""
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{option} must be an integer >= {minimum}, got {value}")
    return int(value)


def positive_float(value: Any, option: str) -> float:
    """A finite float option > 0, or a ValueError naming it."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{option} must be a finite number > 0, got {value}")
    return float(value)


def merged_settings(args: argparse.Namespace, quick: dict, defaults: dict) -> dict:
    """The run's settings: ``quick`` or ``defaults`` by ``--quick``, overridden by every option
    of the same name the user gave (not None); the caller checks them."""
    base = dict(quick if args.quick else defaults)
    for key in base:
        if getattr(args, key, None) is not None:
            base[key] = getattr(args, key)
    return base


def check_out(out: str) -> str:
    """Create the output directory if needed and check it is writable (ValueError if not)."""
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as err:
        raise ValueError(f"--out {out!r} is not a writable directory ({err.strerror})") from None
    return out


def jsonable(x: Any) -> Any:
    """Arrays and NumPy scalars as lists and floats, recursively (NaN and inf as strings are
    not valid JSON: they are written as null)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if hasattr(x, "tolist"):
        return jsonable(x.tolist())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, (bool, int, float, str)) or x is None:
        return x
    return float(x)


def _publish(tmp: str, path: str) -> None:
    """Give a finished temporary file the permissions of a normal new file, rename it."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, path)


def write_json(results: dict, path: str) -> None:
    """``results`` as JSON, written to a temporary file and renamed into place."""
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".json.tmp",
                                     delete=False) as f:
        json.dump(jsonable(results), f, indent=1, allow_nan=False)
        tmp = f.name
    _publish(tmp, path)


def figure(*args: Any, **kwargs: Any):
    """``matplotlib.pyplot.subplots`` in the shared style (Agg backend, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)
    return plt.subplots(*args, **kwargs)


def save_figure(fig: Any, path: str) -> None:
    """Save a figure atomically (temporary file renamed into place) and close it."""
    import matplotlib.pyplot as plt

    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".png.tmp", delete=False) as f:
        tmp = f.name
    fig.tight_layout()
    fig.savefig(tmp, format="png")
    plt.close(fig)
    _publish(tmp, path)


def progress(items: Iterable, *, enabled: bool, desc: str, total: int | None = None
             ) -> Iterator:
    """A tqdm bar on stderr over ``items`` (nothing when not ``enabled``)."""
    return iter(tqdm(items, desc=desc, total=total, disable=not enabled, leave=False,
                     dynamic_ncols=True))


def mean_and_error(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of independent values."""
    values = np.asarray(values, float)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def publish(results: dict, plot: Any, out: str, name: str) -> dict:
    """Write ``results.json`` and ``NAME.png`` (drawn by ``plot(results, path)``) into ``out``,
    both atomically, say so on stdout and return ``results``."""
    write_json(results, f"{out}/results.json")
    plot(results, f"{out}/{name}.png")
    print(f"wrote {out}/results.json and {out}/{name}.png")
    return results
