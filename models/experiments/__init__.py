"""The article's experiments, each a function ``run(args) -> dict`` behind ``statmech NAME``.

Every experiment writes ``results.json`` and its PNG plots into the output directory and returns
the results dictionary, so tests can call it directly.
"""

from models.experiments import (
    conv_rg,
    dropout,
    ebgan,
    exact,
    hopfield,
    optimizers,
    phase,
    potts,
    rbm,
    rg,
)
from models.experiments._common import add_common_arguments, check_out

EXPERIMENTS = {
    "phase": phase,
    "potts": potts,
    "rbm": rbm,
    "optimizers": optimizers,
    "dropout": dropout,
    "hopfield": hopfield,
    "rg": rg,
    "ebgan": ebgan,
    "conv-rg": conv_rg,
    "exact": exact,
}
"""Name -> module with ``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args)``."""

__all__ = ["EXPERIMENTS", "exact", "phase", "potts", "rbm", "optimizers", "dropout", "hopfield",
           "rg", "ebgan", "conv_rg", "add_common_arguments", "check_out"]
