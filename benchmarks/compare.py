"""``python -m benchmarks.compare REV [--rounds N] [--only TEXT ...] [--json FILE]``: the hot
paths of :mod:`benchmarks.paths` timed on git revision REV ("before") and on the working tree
("after"), in one run.

Each side runs in its own process, the library of REV or of the working tree placed first on
the path, the benchmark code always that of the working tree. The sides alternate round by
round (before, after, after, before, ...), so a drift of the machine's speed hits both; each
path reports the best time of each side over the rounds and the spread of its rounds (max/min),
a measure of the noise. A ratio after/before above 1 means slower.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.paths import PATHS

ROOT = Path(__file__).resolve().parents[1]
_CHILD = ("import json, sys\nfrom benchmarks.paths import PATHS\n"
          "names = json.loads(sys.argv[1])\n"
          "print(json.dumps({n: PATHS[n]() for n in names}))\n")


def _overlay(library: Path, where: Path) -> Path:
    """A directory whose ``statmech`` and ``models`` are those of ``library`` and whose
    ``benchmarks`` is the working tree's."""
    where.mkdir(parents=True)
    for name in ("statmech", "models"):
        (where / name).symlink_to(library / name)
    (where / "benchmarks").symlink_to(ROOT / "benchmarks")
    return where


def _side(overlay: Path, names: list[str]) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(overlay))
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(names)], cwd=overlay,
                         env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the 'before' git revision (e.g. HEAD~1 or a commit)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per side (default 2)")
    parser.add_argument("--only", action="append", default=[],
                        help="only paths whose name contains this text (repeatable)")
    parser.add_argument("--json", metavar="FILE", help="also write every round as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be >= 1, got {args.rounds}")
    names = [n for n in PATHS if not args.only or any(t in n for t in args.only)]
    if not names:
        parser.error(f"no path matches {args.only}; paths: {list(PATHS)}")
    rev = subprocess.run(["git", "rev-parse", "--short", args.rev], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), rev], cwd=ROOT,
                       check=True)
        try:
            sides = {"before": _overlay(old, Path(tmp) / "before"),
                     "after": _overlay(ROOT, Path(tmp) / "after")}
            rounds: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
            for r in range(args.rounds):
                for side in ("before", "after") if r % 2 == 0 else ("after", "before"):
                    rounds[side].append(_side(sides[side], names))
                    print(f"round {r + 1}/{args.rounds}: {side} done", file=sys.stderr,
                          flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                           check=False)
    print(f"before = {rev}, after = working tree; seconds, best of {args.rounds} rounds "
          f"(spread = max/min over rounds)")
    print(f"{'path':50s} {'before':>9s} {'spread':>7s} {'after':>9s} {'spread':>7s} "
          f"{'after/before':>12s}")
    for name in names:
        b = [x[name] for x in rounds["before"]]
        a = [x[name] for x in rounds["after"]]
        print(f"{name:50s} {min(b):9.4f} {max(b) / min(b):7.2f} {min(a):9.4f} "
              f"{max(a) / min(a):7.2f} {min(a) / min(b):12.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"before": rev, "rounds": rounds}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
