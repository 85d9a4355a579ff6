"""Finite differences: central-difference gradients and the check of a model's backward pass.
"""

from __future__ import annotations

from typing import Callable, List, Sequence

import numpy as np

from .heads import HEADS
from .training import loss_and_grads


def numerical_gradient(fun: Callable[[], float], arrays: Sequence[np.ndarray],
                       eps: float = 1e-6) -> List[np.ndarray]:
    """Central differences of the scalar ``fun()`` w.r.t. every entry of ``arrays`` (perturbed in place)."""
    out = []
    for a in arrays:
        g = np.zeros_like(a, dtype=np.float64)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = fun()
            flat[i] = old - eps
            fm = fun()
            flat[i] = old
            gflat[i] = (fp - fm) / (2 * eps)
        out.append(g)
    return out


def relative_error(a, b) -> float:
    """max |a - b| / max(1e-12, max |a|, max |b|) over a list of arrays."""
    a = np.concatenate([np.ravel(x) for x in a])
    b = np.concatenate([np.ravel(x) for x in b])
    scale = max(1e-12, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return float(np.max(np.abs(a - b)) / scale)


def gradient_check(model, X, y, head: str = "softmax", eps: float = 1e-6) -> float:
    """Relative error between ``model.backward`` and central differences (float64 models)."""
    _, grads = loss_and_grads(model, X, y, head)
    num = numerical_gradient(lambda: HEADS[head](model.forward(X), y)[0], model.params, eps)
    return relative_error(grads, num)
