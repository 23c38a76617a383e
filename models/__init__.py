"""models: energy-based models built on the statmech engine.

A model is data (a params pytree) plus pure functions of it. ``models`` imports ``statmech``;
never the other way round.
"""

from models import boltzmann, data, grbm, hopfield, ising, potts, rbm, train

__all__ = ["boltzmann", "data", "grbm", "hopfield", "ising", "potts", "rbm", "train"]
