"""Training the fully-visible Boltzmann machine: exact ML, pseudo-likelihood and PCD.

Re-exported by :mod:`models.boltzmann` (``models.boltzmann.fit`` is the public name). Each
estimator is a ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)`` factory for
:func:`models.train.train`; the gradients are those of a loss to *minimise*:

- exact maximum likelihood (n <= 20): loss = <E>_data + ln Z, ln Z by enumeration, ``jax.grad``;
- pseudo-likelihood (any n): loss = -(1/B) sum_k sum_i ln p(x_ki | x_k,-i) (Besag 1975);
- persistent contrastive divergence (any n): <grad E>_data - <grad E>_chains, the chains
  advanced by k heat-bath sweeps per step and kept between steps (Tieleman 2008).

The chains' sampler, :func:`~models.boltzmann_sampling.init_chains` and exact sampling are in
models/boltzmann_sampling.py.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from models.boltzmann import (
    BoltzmannParams,
    _cast,
    _check_params,
    _check_units,
    _energy,
    _log_z,
    _moments,
    init_params,
)
from models.boltzmann_sampling import _check_exact_n, _flat, _gibbs, _offdiag, init_chains
from models.train import train
from statmech._validate import (
    check_binary_units,
    check_finite,
    check_static_int,
    float_dtype,
    is_concrete,
)

__all__ = [
    "moment_matching_grad",
    "pseudo_log_likelihood",
    "exact_grad_fn",
    "pl_grad_fn",
    "pcd_grad_fn",
    "fit",
]

# --------------------------------------------------------------------------------------------
# checks and pure (jit-friendly) pieces
# --------------------------------------------------------------------------------------------

def _check_l2(l2: Any) -> Any:
    check_finite(l2, "l2")
    if jnp.ndim(l2) != 0:
        raise ValueError(f"l2 must be a scalar, got shape {jnp.shape(l2)}")
    if is_concrete(l2) and float(np.asarray(l2)) < 0:
        raise ValueError(f"l2 must be >= 0, got {float(np.asarray(l2))}")
    return l2


def _with_l2(grads: BoltzmannParams, params: BoltzmannParams, l2) -> BoltzmannParams:
    """Adds the gradient of (l2 / 2) sum_{i != j} W_ij^2 (the biases are not penalised)."""
    return grads._replace(W=grads.W + l2 * _offdiag(jnp.asarray(params.W, grads.W.dtype)))


def _exact_loss(params: BoltzmannParams, batch: jax.Array) -> jax.Array:
    one = jnp.ones((), dtype=float_dtype())
    return jnp.mean(_energy(params, batch)) + _log_z(_cast(params), one)


def _moment_grad(params: BoltzmannParams, batch: jax.Array) -> BoltzmannParams:
    x = _flat(batch, params.b.shape[0])
    model = _moments(_cast(params), jnp.ones((), dtype=float_dtype()))
    data_corr = x.T @ x / x.shape[0]
    gW = 0.5 * _offdiag(model.correlation - data_corr)
    gb = model.mean - jnp.mean(x, axis=0)
    return BoltzmannParams(gW.astype(jnp.result_type(params.W)),
                           gb.astype(jnp.result_type(params.b)))


def _pseudo_ll(params: BoltzmannParams, batch: jax.Array) -> jax.Array:
    """Mean over samples of sum_i ln sigmoid((2 x_i - 1) phi_i), phi = W_sym x + b."""
    p = _cast(params)
    W = _offdiag(0.5 * (p.W + p.W.T))       # symmetrised: the gradient stays symmetric
    x = _flat(batch, p.b.shape[0])
    phi = x @ W + p.b
    return -jnp.mean(jnp.sum(jax.nn.softplus(-(2.0 * x - 1.0) * phi), axis=-1))


# --------------------------------------------------------------------------------------------
# losses and gradients
# --------------------------------------------------------------------------------------------

def moment_matching_grad(params: BoltzmannParams, data: Any) -> BoltzmannParams:
    """Analytic gradient of the exact negative log-likelihood (the moment-matching rule).

    d(-L)/db_i = <x_i>_model - <x_i>_data,
    d(-L)/dW_ij = 1/2 (<x_i x_j>_model - <x_i x_j>_data) for i != j, 0 on the diagonal,
    with the model moments by enumeration; equal to ``jax.grad`` of ``-log_likelihood``.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])`` with n <= 20.
      data: ``[B, n]`` (or one sample ``[n]``) of 0/1.

    Returns:
      ``BoltzmannParams`` of gradients (W symmetric with a zero diagonal), dtype of ``params``.

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((2, 2)), jnp.zeros(2))
      >>> g = moment_matching_grad(p, jnp.array([[1, 1], [1, 0]]))
      >>> g.b.tolist(), g.W[0, 1].item()    # sigmoid(0) - data mean; 1/2 (1/4 - 1/2)
      ([-0.5, 0.0], -0.125)

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    n = _check_params(params)
    _check_exact_n(n, "moment_matching_grad")
    _check_units(data, n, "data")
    return _jit_moment_grad(params, data)


_jit_moment_grad = jax.jit(_moment_grad)


def pseudo_log_likelihood(params: BoltzmannParams, data: Any) -> jax.Array:
    """Mean pseudo-log-likelihood of binary data, the sum of the single-unit conditionals.

    PL = (1/B) sum_k sum_i ln p(x_ki | x_k,-i),  p(x_i = 1 | x_{-i}) = sigmoid(phi_i),
    phi_i = sum_{j != i} W_ij x_j + b_i. Costs O(B n^2) for any n; W enters as (W + W.T) / 2.

    Args:
      params: ``BoltzmannParams(W [n, n], b [n])``, any n.
      data: ``[B, n]`` (or one sample ``[n]``) of 0/1.

    Returns:
      The mean pseudo-log-likelihood in nats, a scalar (<= 0).

    Example:
      >>> import jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> round(float(pseudo_log_likelihood(p, jnp.array([[0, 1, 1]]))), 6)    # -3 ln 2
      -2.079442

    References:
      J. Besag, The Statistician 24, 179 (1975); A. Hyvarinen, Neural Computation 18, 2283
      (2006) (consistency of pseudo-likelihood for Boltzmann machines).
    """
    n = _check_params(params)
    _check_units(data, n, "data")
    return _jit_pseudo_ll(params, data)


_jit_pseudo_ll = jax.jit(_pseudo_ll)


def exact_grad_fn(*, l2: Any = 0.0):
    """Gradient estimator of exact maximum likelihood, for :func:`models.train.train`.

    loss = (1/B) sum_k E(x_k) + ln Z + (l2 / 2) sum_{i != j} W_ij^2, ln Z by enumeration and the
    gradient by ``jax.grad``: the moment-matching rule of :func:`moment_matching_grad`.

    Args:
      l2: weight decay on the couplings, a finite scalar >= 0.

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, {"nll": loss without l2})``;
      ``key`` and ``chains`` are unused (pass ``chains=()``). Needs n <= 20.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> g, _, m = jax.jit(exact_grad_fn())(jax.random.key(0), p, (), jnp.ones((4, 3)))
      >>> g.b.tolist(), round(float(m["nll"]), 6)      # sigmoid(0) - 1; 3 ln 2
      ([-0.5, -0.5, -0.5], 2.079442)

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985).
    """
    l2 = _check_l2(l2)

    def grad_fn(key, params, chains, batch):
        _check_exact_n(params.b.shape[0], "exact_grad_fn")
        loss, grads = jax.value_and_grad(_exact_loss)(params, batch)
        return _with_l2(grads, params, l2), chains, {"nll": loss}

    return grad_fn


def pl_grad_fn(*, l2: Any = 0.0):
    """Gradient estimator of maximum pseudo-likelihood, for :func:`models.train.train`.

    loss = -(1/B) sum_k sum_i ln p(x_ki | x_k,-i) + (l2 / 2) sum_{i != j} W_ij^2, by ``jax.grad``.
    Consistent (Besag 1975) and O(B n^2) per step for any n, with no sampling and no ln Z.

    Args:
      l2: weight decay on the couplings, a finite scalar >= 0.

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, {"pseudo_nll": loss})``; ``key``
      and ``chains`` are unused (pass ``chains=()``).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> g, _, m = jax.jit(pl_grad_fn())(jax.random.key(0), p, (), jnp.ones((4, 3)))
      >>> g.b.tolist(), round(float(m["pseudo_nll"]), 6)
      ([-0.5, -0.5, -0.5], 2.079442)

    References:
      J. Besag, The Statistician 24, 179 (1975).
    """
    l2 = _check_l2(l2)

    def grad_fn(key, params, chains, batch):
        loss, grads = jax.value_and_grad(lambda p: -_pseudo_ll(p, batch))(params)
        return _with_l2(grads, params, l2), chains, {"pseudo_nll": loss}

    return grad_fn


def pcd_grad_fn(k: int = 1, *, l2: Any = 0.0):
    """Gradient estimator of persistent contrastive divergence, for :func:`models.train.train`.

    grad = <grad E>_data - <grad E>_chains + l2 W: the persistent chains are advanced by ``k``
    sequential heat-bath (Gibbs) sweeps under the current parameters, then stand in for the
    model; this is ``jax.grad`` of <E>_data - <E>_chains with the chains under stop_gradient.

    Args:
      k: Gibbs sweeps per step, an int >= 1.
      l2: weight decay on the couplings, a finite scalar >= 0.

    Returns:
      ``grad_fn(key, params, chains, batch) -> (grads, chains, metrics)`` with ``chains`` the
      ``[n_chains, n]`` int8 array of :func:`~models.boltzmann_sampling.init_chains`; metrics
      ``"pseudo_nll"`` of the batch and ``"energy_gap"`` = <E>_data - <E>_chains.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> p = BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(3))
      >>> chains = init_chains(jax.random.key(1), 3, 8)
      >>> g, chains, m = jax.jit(pcd_grad_fn(k=2))(jax.random.key(0), p, chains, jnp.ones((4, 3)))
      >>> chains.shape, chains.dtype, g.W.shape
      ((8, 3), dtype('int8'), (3, 3))

    References:
      T. Tieleman, ICML (2008); L. Younes, Stochastics 65, 177 (1999); G. E. Hinton, Neural
      Computation 14, 1771 (2002).
    """
    k = check_static_int(k, "k", minimum=1)
    l2 = _check_l2(l2)

    def grad_fn(key, params, chains, batch):
        chains = _gibbs(key, params, chains, k)
        negative = lax.stop_gradient(chains)

        def surrogate(p):
            return jnp.mean(_energy(p, batch)) - jnp.mean(_energy(p, negative))

        gap, grads = jax.value_and_grad(surrogate)(params)
        metrics = {"pseudo_nll": -_pseudo_ll(params, batch), "energy_gap": gap}
        return _with_l2(grads, params, l2), chains, metrics

    return grad_fn


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------

_METHODS = ("exact", "pl", "pcd")


def _check_data(data: Any) -> int:
    """A 2-D [n_samples, n] array of 0/1 (concrete); returns n."""
    shape = tuple(jnp.shape(data))
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"data must be a 2-D array [n_samples, n] with n_samples, n >= 1, got "
                         f"shape {shape}")
    check_binary_units(data, shape[1], "data", "n units")
    return shape[1]


def fit(key: jax.Array, data: Any, *, method: str = "exact", epochs: int,
        batch_size: int, learning_rate: float | None = None, optimizer: Any = None,
        l2: Any = 0.0, n_chains: int = 100, k: int = 1, params: BoltzmannParams | None = None,
        init_scale: float = 0.01, progress: bool = False) -> BoltzmannParams:
    """Fit a fully-visible Boltzmann machine to binary data with :func:`models.train.train`.

    Minimises -(1/B) sum_k ln p(x_k) + (l2 / 2) sum_{i != j} W_ij^2 by minibatch steps, the
    gradient from exact enumeration (``"exact"``, n <= 20), the pseudo-likelihood surrogate
    (``"pl"``) or persistent contrastive divergence (``"pcd"``: ``n_chains`` chains, ``k`` Gibbs
    sweeps per step).

    Args:
      key: a ``jax.random.key`` (initial parameters, chains and minibatch order).
      data: ``[n_samples, n]`` array of 0/1.
      method: ``"exact"``, ``"pl"`` or ``"pcd"``.
      epochs: passes over the data, an int >= 1 (the remainder of each epoch is dropped).
      batch_size: samples per step, 1 <= batch_size <= n_samples.
      learning_rate: step size of the default optimizer ``optax.sgd(learning_rate,
        momentum=0.9)``; required unless ``optimizer`` is given.
      optimizer: an ``optax.GradientTransformation`` (overrides ``learning_rate``).
      l2: weight decay on the couplings, a finite scalar >= 0.
      n_chains: persistent chains for ``"pcd"``.
      k: Gibbs sweeps per step for ``"pcd"``.
      params: starting parameters (default :func:`init_params` with ``init_scale``).
      init_scale: standard deviation of the random initial couplings.
      progress: show the training loop's progress output.

    Returns:
      The fitted ``BoltzmannParams(W [n, n], b [n])``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from models.boltzmann import sample_exact
      >>> planted = BoltzmannParams(jnp.array([[0.0, 1.5], [1.5, 0.0]]), jnp.array([-1.0, -1.0]))
      >>> data = sample_exact(jax.random.key(0), planted, 4000)
      >>> p = fit(jax.random.key(1), data, epochs=30, batch_size=400, learning_rate=0.5)
      >>> bool(abs(p.W[0, 1] - 1.5) < 0.2), bool(jnp.all(abs(p.b + 1.0) < 0.2))
      (True, True)

    References:
      D. H. Ackley, G. E. Hinton and T. J. Sejnowski, Cognitive Science 9, 147 (1985);
      J. Besag (1975); T. Tieleman, ICML (2008).
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if not hasattr(data, "shape"):
        data = np.asarray(data)
    n = _check_data(data)
    n_samples = int(jnp.shape(data)[0])
    epochs = check_static_int(epochs, "epochs", minimum=1)
    batch_size = check_static_int(batch_size, "batch_size", minimum=1)
    if batch_size > n_samples:
        raise ValueError(f"batch_size must be <= the number of samples ({n_samples}), got "
                         f"batch_size={batch_size}")
    if method == "exact":
        _check_exact_n(n, "method='exact'")
    if optimizer is None:
        if learning_rate is None:
            raise ValueError("learning_rate is required when no optimizer is given")
        check_finite(learning_rate, "learning_rate")
        if float(np.asarray(learning_rate)) <= 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
        optimizer = optax.sgd(learning_rate, momentum=0.9)
    k_init, k_chains, k_train = jax.random.split(key, 3)
    if params is None:
        params = init_params(k_init, n, init_scale)
    else:
        n_params = _check_params(params)
        if n_params != n:
            raise ValueError(f"data has {n} units per sample (shape {tuple(jnp.shape(data))}) "
                             f"but params has n = {n_params}")
        params = _cast(params)
    chains = ()
    if method == "exact":
        grad_fn = exact_grad_fn(l2=l2)
    elif method == "pl":
        grad_fn = pl_grad_fn(l2=l2)
    else:
        grad_fn = pcd_grad_fn(k, l2=l2)
        chains = init_chains(k_chains, n, check_static_int(n_chains, "n_chains", minimum=1),
                             data)
    result = train(k_train, grad_fn, params, jnp.asarray(data), batch_size=batch_size,
                   epochs=epochs, optimizer=optimizer, chains=chains, progress=progress)
    return result.params
