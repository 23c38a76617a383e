"""The ``statmech`` console script: ``statmech list`` and ``statmech EXPERIMENT [options]``."""

from __future__ import annotations

import argparse
import os
import sys

from models.experiments import EXPERIMENTS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statmech", description="Differentiable statistical mechanics: experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("list", help="list the experiments")
    for name, module in EXPERIMENTS.items():
        p = sub.add_parser(name, help=module.DESCRIPTION, description=module.DESCRIPTION)
        p.add_argument("--quick", action="store_true", help="a small, fast version of the run")
        p.add_argument("--out", default=os.path.join("results", name),
                       help="output directory for results.json and plots (default: %(default)s)")
        module.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in (None, "list"):
        if args.command is None:
            parser.print_help()
            return 0
        for name, module in EXPERIMENTS.items():
            print(f"{name:12s} {module.DESCRIPTION}")
        return 0
    try:
        EXPERIMENTS[args.command].run(args)
    except ValueError as err:
        parser.error(str(err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
