"""models: energy-based models built on the statmech engine.

A model is data (a params pytree) plus pure functions of it. ``models`` imports ``statmech``;
never the other way round.
"""

from models import boltzmann, ising, potts, rbm

__all__ = ["boltzmann", "ising", "potts", "rbm"]
