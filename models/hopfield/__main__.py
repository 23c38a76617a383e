"""``python -m models.hopfield [--n N] [--trials T] [--starts S] [--alphas LO HI STEP]``: the
storage-capacity measurement of :func:`models.hopfield.capacity`, printed as tables."""

from models.hopfield._capacity import main

main()
