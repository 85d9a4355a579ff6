"""The output layer: the textbook softmax and binary cross-entropy next to pyactx's, a
vocabulary of logits, and NumPy's warnings recorded rather than printed.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

import pyactx

from .activations import SEED


def naive_softmax(x, axis=-1):
    """The textbook formula ``exp(x) / sum(exp(x))``: overflows for large logits."""
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def naive_log_softmax(x, axis=-1):
    return np.log(naive_softmax(x, axis))


def with_warnings(fn: Callable, *args, **kw):
    """``(result, [warning messages])``: runs ``fn`` under NumPy's default error state
    (overflow, divide-by-zero and invalid warn; underflow is ignored) and records every
    warning instead of printing it."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            out = fn(*args, **kw)
    return out, [f"{w.category.__name__}: {w.message}" for w in rec]


def vocabulary_logits(vocab: int = 50_000, scale: float = 2.0, seed: int = SEED) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(vocab) * scale


def naive_bce(x, t):
    """Binary cross-entropy through ``log(sigmoid(x))``: -inf/NaN once sigmoid rounds to 0 or 1."""
    s = pyactx.sigmoid(x)
    return -(t * np.log(s) + (1 - t) * np.log(1 - s))


def mse_sigmoid_grad(x, t):
    """d/dx of 0.5 (sigmoid(x) - t)^2: vanishes when the sigmoid saturates, right or wrong."""
    return (pyactx.sigmoid(x) - t) * pyactx.sigmoid_grad(x)
