"""Training: mini-batch loops (:func:`train`, and :func:`fit` with Adam and a cosine decay),
evaluation, a fixed validation split, and the BLAS thread limit they run under.
"""

from __future__ import annotations

import contextlib
import math
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from .activations import SEED
from .heads import HEADS, predict_labels
from .optim import Adam, cosine_lr


def blas_threads(n: int = 1):
    """Context manager limiting the BLAS thread pool to ``n`` threads (via threadpoolctl,
    which scikit-learn installs; a no-op without it).

    The matrices here are small (at most a few hundred rows and columns), where extra BLAS
    threads gain little, and on a busy 2-core machine OpenBLAS's spinning threads can make
    training ten times slower.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def loss_and_grads(model, X, y, head: str = "softmax"):
    logits = model.forward(X)
    loss, dlogits = HEADS[head](logits, y)
    return loss, model.backward(dlogits)


def evaluate(model, X, y, head: str = "softmax", batch_size: int = 4096) -> Tuple[float, float]:
    """(mean loss, accuracy) of ``model`` on (X, y), without touching the model's cache."""
    total, correct, n = 0.0, 0, len(y)
    cache = getattr(model, "_cache", None)
    for s in range(0, n, batch_size):
        logits = model.forward(X[s:s + batch_size])
        loss, _ = HEADS[head](logits, y[s:s + batch_size])
        total += loss * len(logits)
        correct += int(np.sum(predict_labels(logits, head) == np.asarray(y[s:s + batch_size]).ravel()))
    model._cache = cache
    return total / n, correct / n


def _record(hist: Dict[str, list], split: str, model, X, y, head: str):
    """Append :func:`evaluate`'s loss and accuracy on (X, y) to ``hist[split + "_loss"]`` and
    ``hist[split + "_acc"]``."""
    lo, acc = evaluate(model, X, y, head)
    hist[split + "_loss"].append(lo)
    hist[split + "_acc"].append(acc)


def train(model, X, y, *, epochs: int = 10, batch_size: int = 64, optimizer=None,
          head: str = "softmax", seed: int = SEED, X_test=None, y_test=None,
          progress: Optional[Callable[[], None]] = None) -> Dict[str, np.ndarray]:
    """Mini-batch training; returns per-epoch curves (entry 0 is before training).

    Keys: ``train_loss``, ``train_acc`` and, with test data, ``test_loss``, ``test_acc``.
    ``progress`` (no argument) is called after every epoch.
    """
    optimizer = optimizer if optimizer is not None else Adam()
    rng = np.random.default_rng(seed)
    hist = {k: [] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}

    def record():
        _record(hist, "train", model, X, y, head)
        if X_test is not None:
            _record(hist, "test", model, X_test, y_test, head)

    n = len(y)
    with blas_threads(1):
        record()
        for _ in range(epochs):
            order = rng.permutation(n)
            for s in range(0, n, batch_size):
                bi = order[s:s + batch_size]
                _, grads = loss_and_grads(model, X[bi], y[bi], head)
                optimizer.step(model.params, grads)
            record()
            if progress:
                progress()
    return {k: np.asarray(v) for k, v in hist.items() if v}


def flatten_params_(model) -> np.ndarray:
    """Move ``model.params`` into one contiguous buffer (the list then holds views of it) and
    return the buffer: an optimiser can update all parameters with a handful of NumPy calls
    instead of a handful per array, which is most of the cost of a deep, narrow network."""
    dtype = np.result_type(*model.params)
    flat = np.concatenate([p.ravel() for p in model.params]).astype(dtype, copy=False)
    views, at = [], 0
    for p in model.params:
        views.append(flat[at:at + p.size].reshape(p.shape))
        at += p.size
    model.params[:] = views
    return flat


def split_validation(X, y, fraction: float = 0.25, seed: int = SEED):
    """``(X_fit, y_fit, X_val, y_val)``: a fixed random ``fraction`` of (X, y) held out."""
    order = np.random.default_rng(seed + 12345).permutation(len(y))
    n_val = int(round(fraction * len(y)))
    va, fi = order[:n_val], order[n_val:]
    return X[fi], y[fi], X[va], y[va]


def fit(model, X, y, *, lr: float, epochs: int = 50, batch_size: int = 128, seed: int = SEED,
        schedule: Optional[str] = "cosine", warmup: int = 0, X_val=None, y_val=None, X_test=None,
        y_test=None, head: str = "softmax", eval_every: int = 1) -> Dict[str, np.ndarray]:
    """Adam with a cosine learning-rate decay (``schedule=None``: constant ``lr``).

    ``seed`` fixes the order of the mini-batches, so models trained with the same seed see the
    same batches in the same order (paired runs).  Returns per-epoch ``train_loss`` (mean of the
    epoch's mini-batch losses; entry 0 is before training, on the whole set), ``val_loss`` and
    ``val_acc`` (with validation data, every ``eval_every`` epochs and at the end; ``epoch``
    lists where) and the scalars ``final_train_loss``, ``final_train_acc`` (the whole training set
    after training), ``test_loss``, ``test_acc`` (with test data) and ``diverged`` (a non-finite
    loss stopped the run early; the remaining entries are NaN).
    """
    flat = flatten_params_(model)
    opt = Adam(lr=lr)
    rng = np.random.default_rng(seed)
    n = len(y)
    steps_per_epoch = -(-n // batch_size)
    total = epochs * steps_per_epoch
    hist = {"train_loss": [], "val_loss": [], "val_acc": [], "epoch": []}
    nan = float("nan")
    diverged = False
    with blas_threads(1), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        hist["train_loss"].append(evaluate(model, X, y, head)[0])

        def record(ep):
            if X_val is not None:
                _record(hist, "val", model, X_val, y_val, head)
                hist["epoch"].append(ep)

        record(0)
        step = 0
        for ep in range(1, epochs + 1):
            order = rng.permutation(n)
            tot = 0.0
            for s in range(0, n, batch_size):
                bi = order[s:s + batch_size]
                loss, grads = loss_and_grads(model, X[bi], y[bi], head)
                tot += loss * len(bi)
                if schedule == "cosine":
                    opt.lr = lr * cosine_lr(step, total, warmup)
                opt.step([flat], [np.concatenate([g.ravel() for g in grads])])
                step += 1
            hist["train_loss"].append(tot / n)
            if not math.isfinite(tot):
                diverged = True
                break
            if ep % eval_every == 0 or ep == epochs:
                record(ep)
        out = {k: np.asarray(v, dtype=float) for k, v in hist.items()}
        if diverged:
            out["train_loss"] = np.concatenate([out["train_loss"], np.full(epochs + 1 - len(out["train_loss"]), nan)])
            out["final_train_loss"], out["final_train_acc"] = nan, nan
            out["test_loss"], out["test_acc"] = nan, nan
        else:
            out["final_train_loss"], out["final_train_acc"] = evaluate(model, X, y, head)
            if X_test is not None:
                out["test_loss"], out["test_acc"] = evaluate(model, X_test, y_test, head)
        out["diverged"] = diverged
    return out
