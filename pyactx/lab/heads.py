"""Output heads: ``(loss, d loss / d logits)`` from the logits, the loss averaged over the batch.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

import pyactx


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> Tuple[float, np.ndarray]:
    """Mean cross-entropy of integer ``labels`` under softmax(``logits``) and its gradient."""
    n = logits.shape[0]
    labels = np.asarray(labels).astype(np.int64, copy=False)
    loss = pyactx.cross_entropy(logits, labels)
    grad = pyactx.cross_entropy_grad(logits, labels)
    return float(np.mean(loss)), grad / np.asarray(n, dtype=grad.dtype)


def sigmoid_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> Tuple[float, np.ndarray]:
    """Mean binary cross-entropy from logits of shape (n, 1) or (n,), targets in [0, 1]."""
    t = np.asarray(targets, dtype=logits.dtype).reshape(logits.shape)
    n = logits.shape[0]
    loss = pyactx.binary_cross_entropy(logits, t)
    grad = pyactx.binary_cross_entropy_grad(logits, t)
    return float(np.mean(loss)), grad / np.asarray(n, dtype=grad.dtype)


HEADS = {"softmax": softmax_cross_entropy, "sigmoid": sigmoid_cross_entropy}


def predict_labels(logits: np.ndarray, head: str = "softmax") -> np.ndarray:
    if head == "sigmoid":
        return (logits.reshape(logits.shape[0], -1)[:, 0] > 0).astype(np.int64)
    return np.argmax(logits, axis=-1)
