"""Training data for energy-based models, all generated or loaded offline.

* :func:`digits`: scikit-learn's 8x8 handwritten digits (shipped with scikit-learn, no
  download), pixels scaled to [0, 1] and binarized at 0.5, with a fixed train/test split.
* :func:`bars_and_stripes`: every n x n bars-and-stripes image, the classic exact-likelihood toy
  (MacKay 2003), whose ideal model is uniform over ``2**(n+1) - 2`` patterns.
* :func:`ising_samples`: equilibrium 2D Ising configurations from the ``statmech`` samplers.
"""

from __future__ import annotations

import itertools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from statmech.validate import check_beta, check_pm1, check_static_int

__all__ = ["digits", "digit_labels", "bars_and_stripes", "ising_samples", "spins_to_units",
           "DIGITS_TEST_FRACTION", "DIGITS_SPLIT_SEED"]

DIGITS_TEST_FRACTION = 0.2
"""Fraction of the 1797 digits held out for testing (360 images; 1437 for training)."""

DIGITS_SPLIT_SEED = 0
"""Seed of the fixed train/test permutation of the digits."""


def digits(*, binarize: bool = True, threshold: float = 0.5,
           dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits as ``(train, test)`` arrays of flattened 8x8 images.

    x = pixel / 16 in [0, 1]; binarized, x -> 1[x > threshold]. The split is a fixed permutation
    (seed ``DIGITS_SPLIT_SEED``): 1437 training and 360 test images, the same on every machine.

    Args:
      binarize: threshold the images to {0, 1} (default), or keep the grey levels in [0, 1].
      threshold: binarization threshold in (0, 1), default 0.5.
      dtype: NumPy dtype of the returned arrays (default float32).

    Returns:
      ``(train [1437, 64], test [360, 64])``.

    Example:
      >>> train, test = digits()
      >>> train.shape, test.shape, sorted(set(train.ravel().tolist()))
      ((1437, 64), (360, 64), [0.0, 1.0])

    References:
      E. Alpaydin and C. Kaynak, UCI Optical Recognition of Handwritten Digits (1998), as
      packaged in scikit-learn's ``load_digits``.
    """
    from sklearn.datasets import load_digits

    if not isinstance(threshold, (int, float)) or not 0.0 < float(threshold) < 1.0:
        raise ValueError(f"threshold must be a number in (0, 1), got {threshold!r}")
    x = load_digits().data / 16.0
    if binarize:
        x = (x > threshold)
    x = np.asarray(x, dtype=dtype)
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(x))
    n_test = int(np.ceil(DIGITS_TEST_FRACTION * len(x)))
    return x[order[n_test:]], x[order[:n_test]]


def digit_labels() -> tuple[np.ndarray, np.ndarray]:
    """The classes 0-9 of :func:`digits`' images, ``(train [1437], test [360])``, same split.

    Example:
      >>> y_train, y_test = digit_labels()
      >>> y_train.shape, y_test.shape, sorted(set(y_train.tolist())) == list(range(10))
      ((1437,), (360,), True)
    """
    from sklearn.datasets import load_digits

    y = load_digits().target.astype(np.int64)
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(y))
    n_test = int(np.ceil(DIGITS_TEST_FRACTION * len(y)))
    return y[order[n_test:]], y[order[:n_test]]


def bars_and_stripes(n: int = 4, *, dtype: Any = np.float32) -> np.ndarray:
    """Every n x n bars-and-stripes image, flattened, without duplicates.

    A pattern sets whole rows (bars) or whole columns (stripes) to 1; the all-0 and all-1 images
    are both, so there are 2**(n+1) - 2 distinct patterns and the best possible mean
    log-likelihood of the set is -ln(2**(n+1) - 2).

    Args:
      n: side of the square image, an int in [2, 8].
      dtype: NumPy dtype of the result (default float32).

    Returns:
      ``[2**(n+1) - 2, n*n]`` array of 0/1, stripes first then bars, in a fixed order.

    Example:
      >>> x = bars_and_stripes(3)
      >>> x.shape
      (14, 9)
      >>> x[3].reshape(3, 3).astype(int).tolist()     # a stripe pattern: columns 1 and 2 on
      [[0, 1, 1], [0, 1, 1], [0, 1, 1]]

    References:
      D. J. C. MacKay, Information Theory, Inference and Learning Algorithms (2003), ch. 43;
      the standard test of exactly-evaluated RBMs and Boltzmann machines.
    """
    n = check_static_int(n, "n", minimum=2, maximum=8, why_max="2**(n+1) patterns")
    seen, patterns = set(), []
    for orientation in ("stripes", "bars"):
        for on in itertools.product((0, 1), repeat=n):
            line = np.asarray(on, dtype=np.uint8)
            img = np.tile(line, (n, 1)) if orientation == "stripes" else np.tile(line[:, None],
                                                                                 (1, n))
            flat = img.ravel()
            if flat.tobytes() not in seen:
                seen.add(flat.tobytes())
                patterns.append(flat)
    return np.asarray(patterns, dtype=dtype)


def ising_samples(key: jax.Array, L: int, beta: Any, n_samples: int, *, n_sweeps: int = 200,
                  algorithm: str = "swendsen_wang", per_chain: int = 1,
                  thin: int = 5) -> jax.Array:
    """Equilibrium configurations of the periodic L x L Ising model (J = 1, h = 0).

    p(s) ∝ exp(beta sum_<ij> s_i s_j); one configuration from each of ``n_samples`` independent
    chains after ``n_sweeps`` sweeps from random starts (cluster updates equilibrate fast even
    at beta_c).

    Args:
      key: a ``jax.random.key``.
      L: side of the lattice (even for the local algorithms).
      beta: inverse temperature, finite and >= 0.
      n_samples: number of independent configurations, >= 1.
      n_sweeps: sweeps of burn-in per chain (default 200).
      algorithm: one of ``models.ising.sample``'s algorithms (default "swendsen_wang").
      per_chain: configurations per chain, dividing ``n_samples`` (default 1: independent
        chains); with more, n_samples / per_chain chains each keep one every ``thin`` sweeps
        after their burn-in, far cheaper for large sets.
      thin: sweeps between the configurations of one chain (default 5, a few tau_int of
        Swendsen-Wang near beta_c).

    Returns:
      int8 spins ``[n_samples, L, L]`` of +-1; :func:`spins_to_units` maps them to {0, 1}.

    Example:
      >>> import jax
      >>> s = ising_samples(jax.random.key(0), 8, 0.2, 4, n_sweeps=10)
      >>> s.shape, s.dtype
      ((4, 8, 8), dtype('int8'))

    References:
      R. H. Swendsen and J.-S. Wang, Phys. Rev. Lett. 58, 86 (1987); P. Mehta and D. J. Schwab,
      arXiv:1410.3831 (2014) (RBMs trained on 2D Ising samples).
    """
    from models import ising

    n_samples = check_static_int(n_samples, "n_samples", minimum=1)
    per_chain = check_static_int(per_chain, "per_chain", minimum=1)
    if n_samples % per_chain:
        raise ValueError(f"per_chain = {per_chain} must divide n_samples = {n_samples}")
    check_beta(beta)
    return ising.sample(key, L, beta, n_sweeps=n_sweeps, n_chains=n_samples // per_chain,
                        algorithm=algorithm, per_chain=per_chain, thin=thin)


def spins_to_units(spins: Any) -> jax.Array:
    """Map +-1 spins to {0, 1} units, flattening each configuration: v = (s + 1) / 2.

    Example:
      >>> import jax.numpy as jnp
      >>> spins_to_units(jnp.array([[[1, -1], [-1, 1]]], dtype=jnp.int8)).tolist()
      [[1.0, 0.0, 0.0, 1.0]]
    """
    if jnp.ndim(spins) < 2:
        raise ValueError("spins must be [n_samples, ...] configurations, got shape "
                         f"{jnp.shape(spins)}")
    check_pm1(spins, "spins")
    s = jnp.asarray(spins)
    return ((s.reshape(s.shape[0], -1).astype(jnp.float32) + 1.0) / 2.0)
