"""The ``statmech`` console script: ``statmech list`` and ``statmech EXPERIMENT [options]``.

Every experiment takes ``--quick``, ``--out DIR`` (default ``results/NAME``), ``--seed N`` and
``--no-progress`` plus its own options; a bad argument exits with code 2 and one line naming it.
"""

from __future__ import annotations

import argparse
import sys

from models.experiments import EXPERIMENTS, add_common_arguments, check_out


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``statmech: error: ...`` and exit code 2 (no usage)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="statmech",
                     description="Differentiable statistical mechanics: experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("list", help="list the experiments")
    for name, module in EXPERIMENTS.items():
        p = sub.add_parser(name, help=module.DESCRIPTION, description=module.DESCRIPTION)
        add_common_arguments(p, name)
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
    args.progress = not args.no_progress
    try:
        check_out(args.out)
        EXPERIMENTS[args.command].run(args)
    except ValueError as err:
        parser.error(str(err).splitlines()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
