"""A training run in its own process, for the kill-and-resume test (test_checkpoint.py).

``python _train_worker.py CHECKPOINT_DIR OUT.npz [PAUSE_SECONDS]`` trains a PCD RBM on digits
with momentum, dropout and L2 (so parameters, optimizer state and chains all matter), saving a
checkpoint every 50 steps, and writes every leaf of the final state to OUT.npz. A non-empty
CHECKPOINT_DIR is resumed. The host pauses PAUSE_SECONDS at every checkpoint (a monitor that
only sleeps), which leaves time to kill the process mid-run; it changes no number.
"""

import sys
import time

TOTAL_STEPS = 1000
EVERY = 50


def main(checkpoint_dir: str, out: str, pause: float = 0.0) -> None:
    import jax
    import numpy as np
    import optax

    from models import rbm
    from models.data import digits
    from models.train import train

    x = digits()[0][:400]
    params = rbm.init_params(jax.random.key(3), 64, 12)
    chains = rbm.init_chains(jax.random.key(4), "pcd", x, 10, n_hidden=12)
    result = train(jax.random.key(0), rbm.grad_fn("pcd", dropout=0.2, l2=1e-4, track=False),
                   params, x, batch_size=10, steps=TOTAL_STEPS,
                   optimizer=optax.sgd(0.05, momentum=0.9), chains=chains,
                   monitor=lambda p: time.sleep(pause) or {}, monitor_every=EVERY,
                   checkpoint_dir=checkpoint_dir, checkpoint_every=EVERY, progress=False)
    leaves = jax.tree.leaves(result.state)
    np.savez(out, *[np.asarray(leaf) for leaf in leaves])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
