"""Zero-centred outputs and the zig-zag of gradient descent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Sequence

import numpy as np

from .activations import CORE, SEED, activation_pair


def output_stats(names: Sequence[str] = CORE, n: int = 200_000, seed: int = SEED) -> List[dict]:
    """Mean, standard deviation and fraction of positive outputs of f(z), z ~ N(0, 1)."""
    z = np.random.default_rng(seed).standard_normal(n)
    out = []
    for name in names:
        f, _ = activation_pair(name)
        h = f(z)
        out.append({"activation": name, "mean": float(h.mean()), "std": float(h.std()),
                    "frac_positive": float(np.mean(h > 0)), "min": float(h.min())})
    return out


@dataclass
class ZigZag:
    inputs: str
    path: np.ndarray            # (steps + 1, 2) weights after each update
    steps_to_converge: int      # first step with |w - w*| < tol (-1: not within max_steps)
    same_sign_frac: float       # fraction of updates whose two components share a sign
    eigenvalues: np.ndarray     # of the input second-moment matrix E[x x^T]
    gd_steps: int               # full-batch GD steps with its best fixed step size
    w_star: np.ndarray = field(default_factory=lambda: np.array([1.0, -1.0]))
    opposite_sign_frac: float = float("nan")  # fraction of updates with components of opposite sign

    @property
    def condition_number(self) -> float:
        return float(self.eigenvalues.max() / self.eigenvalues.min())


def zigzag(inputs: str = "sigmoid", *, w_star=(1.0, -1.0), w0=(0.0, 0.0), lr: float = 0.5,
           n: int = 2000, max_steps: int = 5000, tol: float = 1e-2, seed: int = SEED) -> ZigZag:
    """A single linear neuron ``y = w . x`` learns ``w_star`` by per-example gradient descent
    on the squared error, where the inputs ``x = f(z)``, ``z ~ N(0, I_2)``, are the outputs of a
    previous layer with activation ``f`` (``inputs``).

    The update for one example is ``-lr * (w . x - t) * x``: with all-positive ``x`` (sigmoid)
    both components always move in the same direction, so reaching ``w_star = (1, -1)``
    takes a staircase.  Also counts full-batch GD steps with the optimal fixed step size
    ``2 / (lambda_min + lambda_max)`` for comparison.
    """
    f, _ = activation_pair(inputs)
    rng = np.random.default_rng(seed)
    x = f(rng.standard_normal((n, 2)))
    w_star = np.asarray(w_star, dtype=float)
    t = x @ w_star
    w = np.asarray(w0, dtype=float).copy()
    path, same, opp, conv = [w.copy()], 0, 0, -1
    for k in range(max_steps):
        i = k % n
        upd = -lr * (w @ x[i] - t[i]) * x[i]
        same += bool(upd[0] * upd[1] > 0)
        opp += bool(upd[0] * upd[1] < 0)
        w = w + upd
        path.append(w.copy())
        if conv < 0 and np.linalg.norm(w - w_star) < tol:
            conv = k + 1
            break
    H = x.T @ x / n
    ev = np.linalg.eigvalsh(H)
    step = 2.0 / (ev[0] + ev[-1])
    wg, gd = np.asarray(w0, dtype=float).copy(), -1
    for k in range(max_steps):
        wg = wg - step * (H @ (wg - w_star))
        if np.linalg.norm(wg - w_star) < tol:
            gd = k + 1
            break
    return ZigZag(inputs, np.array(path), conv, same / max(1, len(path) - 1), ev, gd, w_star,
                  opp / max(1, len(path) - 1))
