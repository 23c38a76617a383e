"""The hot paths whose speed a change must not hurt, as small timed functions.

Each path builds its inputs once, runs once untimed (compiles), then returns the best of a few
timed runs in seconds. They use only public names that every version of the library since the
RBM and Boltzmann-machine training landed provides (``models.rbm.fit``,
``models.rbm.ais_log_z``, ``models.boltzmann.fit``, ``statmech.mcmc`` kernels, ...), with
explicit optimizers, so :mod:`benchmarks.compare` can time the same path on two versions of the
library in one run.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks._timing import best_seconds, marginal_per_epoch

REPEATS = 5


def lattice_heat_bath(L: int, n_sweeps: int) -> float:
    """Seconds for ``n_sweeps`` heat-bath sweeps of one L x L lattice at beta = 0.44."""
    from statmech.mcmc import LatticeParams, heat_bath, sample

    algo = heat_bath("lattice")
    state = algo.init(jnp.ones((L, L), jnp.int8))
    key = jax.random.key(0)
    return best_seconds(lambda: sample(algo, key, state, n_sweeps, params=LatticeParams(),
                                       beta=0.44, keep_trace=False).state, REPEATS)


def lattice_batch(n_lattices: int, L: int, n_sweeps: int) -> float:
    """Seconds for ``n_sweeps`` heat-bath sweeps of ``n_lattices`` independent L x L chains
    (``models.ising.sample``: the vectorised chain runner)."""
    from models import ising

    key = jax.random.key(0)
    return best_seconds(lambda: ising.sample(key, L, 0.44, n_sweeps=n_sweeps,
                                             n_chains=n_lattices), REPEATS)


def cluster(algorithm: str, L: int, n_sweeps: int) -> float:
    """Seconds for ``n_sweeps`` Swendsen-Wang sweeps (or Wolff clusters) at beta_c, L x L."""
    from models import ising

    key = jax.random.key(0)
    return best_seconds(lambda: ising.sample(key, L, 0.4406868, n_sweeps=n_sweeps, n_chains=1,
                                             algorithm=algorithm), REPEATS)


def _digits():
    from models.data import digits

    return digits()[0]


def rbm_epoch(method: str, n_hidden: int, batch_size: int, momentum: float = 0.0,
              epochs: int = 40) -> float:
    """Seconds per epoch of ``method`` ("pcd", "cd", "pt": 10 rungs) with k = 1 on digits
    (1437 x 64), SGD with ``momentum``."""
    from models import rbm

    train = _digits()
    opt = optax.sgd(0.05, momentum=momentum or None)
    return marginal_per_epoch(lambda e: rbm.fit(
        jax.random.key(0), train, n_hidden=n_hidden, epochs=e, batch_size=batch_size,
        learning_rate=0.05, method=method, optimizer=opt, progress=False), epochs, REPEATS)


def rbm_ais(n_hidden: int, n_chains: int, n_betas: int) -> float:
    """Seconds for one RBM AIS estimate (64 visible units, base-rate schedule 'piecewise')."""
    from models import rbm

    p = rbm.init_params(jax.random.key(0), 64, n_hidden, scale=0.3)
    key = jax.random.key(1)
    return best_seconds(lambda: rbm.ais_log_z(key, p, n_chains=n_chains, n_betas=n_betas).log_z,
                        REPEATS)


def _planted(n: int, n_samples: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 2, size=(n_samples, n)).astype(np.float32)


def _boltzmann_estimator(method: str, n: int, data: np.ndarray, n_chains: int):
    """(grad_fn, chains) of a Boltzmann-machine method, through either version's names
    (``grad_fn(method)`` and ``init_chains(key, method, data, n_chains)``, or the earlier
    ``exact_grad_fn`` / ``pl_grad_fn`` / ``pcd_grad_fn`` and ``init_chains(key, n, n_chains,
    data)``)."""
    from models import boltzmann

    key = jax.random.key(1)
    if hasattr(boltzmann, "grad_fn"):
        return (boltzmann.grad_fn(method),
                boltzmann.init_chains(key, method, data, n_chains))
    fn = {"exact": boltzmann.exact_grad_fn, "pl": boltzmann.pl_grad_fn,
          "pcd": boltzmann.pcd_grad_fn}[method]()
    return fn, (boltzmann.init_chains(key, n, n_chains, data) if method == "pcd" else ())


def boltzmann_epoch(method: str, n: int, n_chains: int = 100) -> float:
    """Seconds per epoch of Boltzmann-machine training (5000 samples of n units, batch 100,
    plain SGD) in the training loop, the estimator built once."""
    from models import boltzmann
    from models.train import train

    data = _planted(n, 5000)
    fn, chains = _boltzmann_estimator(method, n, data, n_chains)
    params = boltzmann.init_params(jax.random.key(0), n, 0.01)
    opt = optax.sgd(0.1)
    return marginal_per_epoch(lambda e: train(
        jax.random.key(0), fn, params, jnp.asarray(data), batch_size=100, epochs=e,
        optimizer=opt, chains=chains, progress=False).params, 10, REPEATS)


PATHS: dict[str, Callable[[], float]] = {
    "lattice heat bath L=256, 200 sweeps": lambda: lattice_heat_bath(256, 200),
    "lattice heat bath L=1024, 100 sweeps": lambda: lattice_heat_bath(1024, 100),
    "ising.sample 192 x 32^2, 200 sweeps": lambda: lattice_batch(192, 32, 200),
    "ising.sample Swendsen-Wang L=64, 100 sweeps": lambda: cluster("swendsen_wang", 64, 100),
    "ising.sample Wolff L=64, 200 clusters": lambda: cluster("wolff", 64, 200),
    "rbm.fit PCD-1 nh=16 b=10 sgd (s/epoch)": lambda: rbm_epoch("pcd", 16, 10),
    "rbm.fit PCD-1 nh=16 b=20 momentum 0.9 (s/epoch)": lambda: rbm_epoch("pcd", 16, 20, 0.9),
    "rbm.fit PCD-1 nh=100 b=10 sgd (s/epoch)": lambda: rbm_epoch("pcd", 100, 10),
    "rbm.fit CD-1 nh=16 b=10 sgd (s/epoch)": lambda: rbm_epoch("cd", 16, 10),
    "rbm.fit PT-PCD nh=16 b=20 sgd (s/epoch)": lambda: rbm_epoch("pt", 16, 20, epochs=10),
    "rbm.ais_log_z nh=16, 100 chains, 1000 betas": lambda: rbm_ais(16, 100, 1000),
    "rbm.ais_log_z nh=100, 100 chains, 10^4 betas": lambda: rbm_ais(100, 100, 10_000),
    "boltzmann training exact n=12 (s/epoch)": lambda: boltzmann_epoch("exact", 12),
    "boltzmann training pl n=64 (s/epoch)": lambda: boltzmann_epoch("pl", 64),
    "boltzmann training pcd n=64, 100 chains (s/epoch)": lambda: boltzmann_epoch("pcd", 64),
}
"""Every path by name (seconds; lower is better)."""
