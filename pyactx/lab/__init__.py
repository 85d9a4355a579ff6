"""Experiment code behind the notebooks and ``python -m pyactx demo``.

Everything here is plain NumPy plus pyactx (no deep-learning framework): a
multi-layer perceptron with a hand-written backward pass that accepts any
activation of the registry, two optimisers, a gradient-flow probe for deep
stacks, softmax / sigmoid output heads, gated feed-forward layers, an LSTM
cell, and two small data sets that need no network access.

Optional packages are imported only by the functions that need them:
scikit-learn (:func:`load_digits`), matplotlib (the ``plot_*`` helpers),
SciPy and PyTorch (the peers of :func:`speed_table`, skipped when missing).

Every function that draws random numbers takes a ``seed`` (default
:data:`SEED`), so each result is reproducible run to run.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import platform
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

import pyactx
from pyactx.bench.timing import time_call

SEED = 0

#: The activations the comparisons in the notebooks focus on.
CORE = ("sigmoid", "tanh", "relu", "gelu", "silu")


# ---------------------------------------------------------------------------
# Activations from the registry
# ---------------------------------------------------------------------------

def activation_params(name: str, **params) -> Dict[str, float]:
    """The keyword parameters of activation ``name``: its defaults updated by ``params``."""
    entry = pyactx.ACTIVATIONS[name]
    known = dict(entry.params)
    unknown = set(params) - set(known)
    if unknown:
        raise TypeError(f"{name} has no parameter(s) {sorted(unknown)}; it takes {sorted(known)}")
    known.update(params)
    return known


def activation_pair(name: str, **params) -> Tuple[Callable, Callable]:
    """``(f, f_grad)`` for a registry activation, with its parameter bound."""
    entry = pyactx.ACTIVATIONS[name]
    kw = activation_params(name, **params)
    if not kw:
        return entry.forward, entry.grad
    return (lambda x: entry.forward(x, **kw)), (lambda x: entry.grad(x, **kw))


def activation_names() -> List[str]:
    """Registry names, each activation once (aliases dropped), in registry order."""
    seen, out = set(), []
    for key, entry in pyactx.ACTIVATIONS.items():
        if entry.name not in seen:
            seen.add(entry.name)
            out.append(entry.name)
    return out


def plot_domain(name: str, n: int = 801) -> np.ndarray:
    """A grid of inputs to draw ``name`` on: (-5, 5), or (0, 1) for the logit."""
    if name == "logit":
        return np.linspace(0.005, 0.995, n)
    return np.linspace(-5.0, 5.0, n)


#: Weight initialisation that keeps signals at a sensible scale for each
#: activation: Glorot/Xavier for the squashing ones, LeCun for SELU, He for the
#: rectifier-like rest.
_XAVIER = {"sigmoid", "tanh", "softsign", "hard_sigmoid", "hard_tanh", "log_sigmoid", "logit",
           "tanhshrink"}


def default_init(name: str) -> str:
    if name in _XAVIER:
        return "xavier"
    if name == "selu":
        return "lecun"
    return "he"


def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of normally distributed initial weights."""
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    if scheme == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if scheme == "lecun":
        return math.sqrt(1.0 / fan_in)
    raise ValueError(f"unknown init {scheme!r} (he, xavier, lecun)")


# ---------------------------------------------------------------------------
# Output heads: (loss, d loss / d logits), the loss averaged over the batch
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Models with hand-written backward passes
# ---------------------------------------------------------------------------

class MLP:
    """Fully connected network ``sizes[0] -> ... -> sizes[-1]``.

    Every hidden layer is ``h = f(h_prev @ W + b)`` with ``f`` a registry
    activation; the last layer is linear (logits).  ``params`` is the flat
    list ``[W1, b1, W2, b2, ...]`` that the optimisers update in place, and
    :meth:`backward` returns the gradients in the same order.

    With ``onehot_vocab=V`` the input is an integer array of shape (n, k) of
    token ids, read as the concatenation of k one-hot vectors of length V
    (``sizes[0]`` must be k*V); each batch is expanded to that one-hot matrix.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", *, init: Optional[str] = None,
                 seed: int = SEED, dtype=np.float64, onehot_vocab: Optional[int] = None,
                 **act_params):
        if len(sizes) < 2:
            raise ValueError("need at least an input and an output size")
        self.sizes = tuple(int(s) for s in sizes)
        self.activation = activation
        self.act_params = activation_params(activation, **act_params)
        self.f, self.df = activation_pair(activation, **act_params)
        self.init = init or default_init(activation)
        self.dtype = np.dtype(dtype)
        self.onehot_vocab = onehot_vocab
        rng = np.random.default_rng(seed)
        self.params: List[np.ndarray] = []
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            std = init_std(self.init, fan_in, fan_out)
            if i == 0 and onehot_vocab:
                # k concatenated one-hot vectors have k non-zero inputs, not k * V
                std = init_std(self.init, fan_in // onehot_vocab, fan_out)
            self.params.append((rng.standard_normal((fan_in, fan_out)) * std).astype(self.dtype))
            self.params.append(np.zeros(fan_out, dtype=self.dtype))
        self._cache = None
        self.dh: List[np.ndarray] = []

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def _dense_input(self, X):
        """The input as a float matrix: token ids become concatenated one-hot rows."""
        if not self.onehot_vocab:
            return np.asarray(X, dtype=self.dtype)
        X = np.asarray(X)
        n, k = X.shape
        dense = np.zeros((n, k * self.onehot_vocab), dtype=self.dtype)
        dense[np.arange(n)[:, None], X + np.arange(k) * self.onehot_vocab] = 1.0
        return dense

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Logits for inputs ``X``; keeps what :meth:`backward` needs."""
        h = self._dense_input(X)
        hs, zs = [h], []
        z = h @ self.params[0] + self.params[1]
        for i in range(1, self.n_layers):
            zs.append(z)
            h = self.f(z)
            hs.append(h)
            z = h @ self.params[2 * i] + self.params[2 * i + 1]
        self._cache = (hs, zs)
        return z

    __call__ = forward

    def backward(self, dout: np.ndarray) -> List[np.ndarray]:
        """Gradients of the loss w.r.t. ``params`` given d loss / d logits.

        Also stores ``self.dh[j]``, the gradient w.r.t. the output of hidden layer j+1.
        """
        hs, zs = self._cache
        grads: List[Optional[np.ndarray]] = [None] * len(self.params)
        self.dh = [None] * len(zs)
        d = dout
        for i in reversed(range(self.n_layers)):
            grads[2 * i] = hs[i].T @ d
            grads[2 * i + 1] = d.sum(axis=0)
            if i > 0:
                dh = d @ self.params[2 * i].T
                self.dh[i - 1] = dh
                d = dh * self.df(zs[i - 1])
        return grads

    def lsuv_(self, X: np.ndarray, target_std: float = 1.0) -> "MLP":
        """Data-dependent init (Mishkin & Matas, 2016, "All you need is a good init"):
        rescale each hidden layer's weights, first to last, so that its pre-activations
        have standard deviation ``target_std`` on the batch ``X``.  Removes the forward-signal
        scale from a comparison of activations; the read-out layer is left as it is."""
        z = self._dense_input(X) @ self.params[0] + self.params[1]
        for i in range(self.n_layers - 1):
            s = float(z.std())
            if s > 0:
                self.params[2 * i] *= target_std / s
                self.params[2 * i + 1] *= target_std / s
                z = z * (target_std / s)
            h = self.f(z)
            z = h @ self.params[2 * i + 2] + self.params[2 * i + 3]
        self.init += "+lsuv"
        return self

    def hidden(self) -> Tuple[List[np.ndarray], List[np.ndarray]]:
        """(pre-activations, activations) of the hidden layers from the last forward pass."""
        hs, zs = self._cache
        return zs, hs[1:]


#: The gated units of the GLU family, by name: (gate, gate_grad).
def gate_pair(name: str) -> Tuple[Callable, Callable]:
    return getattr(pyactx, name), getattr(pyactx, name + "_grad")


class GatedMLP:
    """One gated feed-forward block and a linear read-out.

    ``h = gate(X @ Wa + ba, X @ Wb + bb)`` with ``gate`` one of ``glu`` (a * sigmoid(b)),
    ``swiglu`` (silu(a) * b) or ``geglu`` (gelu(a) * b); ``logits = h @ Wo + bo``.
    """

    def __init__(self, d_in: int, d_hidden: int, d_out: int, gate: str = "swiglu", *,
                 seed: int = SEED, dtype=np.float64):
        self.gate = gate
        self.g, self.g_grad = gate_pair(gate)
        rng = np.random.default_rng(seed)
        std_in = init_std("xavier", d_in, d_hidden)
        std_out = init_std("xavier", d_hidden, d_out)
        self.params = [
            (rng.standard_normal((d_in, d_hidden)) * std_in).astype(dtype), np.zeros(d_hidden, dtype),
            (rng.standard_normal((d_in, d_hidden)) * std_in).astype(dtype), np.zeros(d_hidden, dtype),
            (rng.standard_normal((d_hidden, d_out)) * std_out).astype(dtype), np.zeros(d_out, dtype),
        ]
        self._cache = None

    def forward(self, X):
        Wa, ba, Wb, bb, Wo, bo = self.params
        X = np.asarray(X, dtype=Wa.dtype)
        a, b = X @ Wa + ba, X @ Wb + bb
        h = self.g(a, b)
        self._cache = (X, a, b, h)
        return h @ Wo + bo

    __call__ = forward

    def backward(self, dout):
        X, a, b, h = self._cache
        Wo = self.params[4]
        dh = dout @ Wo.T
        ga, gb = self.g_grad(a, b)
        da, db = dh * ga, dh * gb
        return [X.T @ da, da.sum(0), X.T @ db, db.sum(0), h.T @ dout, dout.sum(0)]


# ---------------------------------------------------------------------------
# Layer normalisation and residual (pre-LN) networks
# ---------------------------------------------------------------------------

def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    """LayerNorm over the last axis (Ba, Kiros & Hinton, 2016): ``gamma * xhat + beta`` with
    ``xhat = (x - mean) / sqrt(var + eps)``, mean and variance per row.  Returns ``(y, cache)``;
    :func:`layer_norm_backward` takes the cache."""
    inv_n = np.asarray(1.0 / x.shape[-1], dtype=x.dtype)
    xc = x - np.add.reduce(x, axis=-1, keepdims=True) * inv_n
    var = np.add.reduce(xc * xc, axis=-1, keepdims=True) * inv_n
    rstd = 1.0 / np.sqrt(var + np.asarray(eps, dtype=x.dtype))
    xhat = xc * rstd
    return xhat * gamma + beta, (xhat, rstd, gamma)


def layer_norm_backward(dy: np.ndarray, cache) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dx, dgamma, dbeta)`` of :func:`layer_norm` given ``dy`` = d loss / d y."""
    xhat, rstd, gamma = cache
    lead = tuple(range(dy.ndim - 1))
    dgamma = np.add.reduce(dy * xhat, axis=lead)
    dbeta = np.add.reduce(dy, axis=lead)
    g = dy * gamma
    inv_n = np.asarray(1.0 / dy.shape[-1], dtype=dy.dtype)
    dx = rstd * (g - np.add.reduce(g, axis=-1, keepdims=True) * inv_n
                 - xhat * (np.add.reduce(g * xhat, axis=-1, keepdims=True) * inv_n))
    return dx, dgamma, dbeta


class ResidualMLP:
    """An MLP of ``depth`` residual blocks, the transformer recipe without attention.

    ``h = X @ W_in + b_in``, then per block ``h = h + f(LN(h) @ W1 + b1) @ W2 + b2`` (pre-LN:
    the normalisation sits inside the branch, the skip path is the identity), then
    ``logits = LN(h) @ W_out + b_out``.  Each block has one activation, so depth ``d`` is
    compared with an :class:`MLP` of ``d`` hidden layers; a block has two weight matrices
    (as a transformer's feed-forward sublayer), so about twice the weights of a plain layer.

    ``norm=False`` drops both LayerNorms (residual connections alone).  W1 uses the
    activation's :func:`default_init`; W2 is scaled down by ``sqrt(2 * depth)`` (as GPT-2
    scales its residual projections) so the sum over blocks starts at a moderate scale.

    ``params`` is the flat list ``[W_in, b_in, (g, be, W1, b1, W2, b2) * depth, g_f, be_f,
    W_out, b_out]`` (``g``/``be``: LayerNorm gain and bias, absent with ``norm=False``).
    """

    def __init__(self, d_in: int, width: int, depth: int, d_out: int, activation: str = "relu", *,
                 norm: bool = True, init: Optional[str] = None, seed: int = SEED, dtype=np.float64,
                 **act_params):
        if depth < 1:
            raise ValueError("need at least one block")
        self.d_in, self.width, self.depth, self.d_out = int(d_in), int(width), int(depth), int(d_out)
        self.sizes = (self.d_in,) + (self.width,) * self.depth + (self.d_out,)
        self.activation, self.norm = activation, bool(norm)
        self.act_params = activation_params(activation, **act_params)
        self.f, self.df = activation_pair(activation, **act_params)
        self.init = init or default_init(activation)
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        w, dt = self.width, self.dtype

        def weights(fan_in, fan_out, std):
            return (rng.standard_normal((fan_in, fan_out)) * std).astype(dt)

        self.params: List[np.ndarray] = [weights(d_in, w, init_std("lecun", d_in, w)), np.zeros(w, dt)]
        for _ in range(self.depth):
            if self.norm:
                self.params += [np.ones(w, dt), np.zeros(w, dt)]
            self.params += [weights(w, w, init_std(self.init, w, w)), np.zeros(w, dt),
                            weights(w, w, init_std("lecun", w, w) / math.sqrt(2 * self.depth)),
                            np.zeros(w, dt)]
        if self.norm:
            self.params += [np.ones(w, dt), np.zeros(w, dt)]
        self.params += [weights(w, d_out, init_std("xavier", w, d_out)), np.zeros(d_out, dt)]
        self._cache = None

    @property
    def n_layers(self) -> int:
        return self.depth + 1

    def _blocks(self):
        """Index of each block's first parameter, and of the final LayerNorm / read-out."""
        per = 6 if self.norm else 4
        return [2 + per * l for l in range(self.depth)], 2 + per * self.depth

    def forward(self, X: np.ndarray) -> np.ndarray:
        P = self.params
        X = np.asarray(X, dtype=self.dtype)
        h = X @ P[0] + P[1]
        starts, last = self._blocks()
        caches = []
        for k in starts:
            if self.norm:
                u, ln = layer_norm(h, P[k], P[k + 1])
                k += 2
            else:
                u, ln = h, None
            z = u @ P[k] + P[k + 1]
            a = self.f(z)
            h = h + a @ P[k + 2] + P[k + 3]
            caches.append((u, ln, z, a))
        if self.norm:
            u, ln = layer_norm(h, P[last], P[last + 1])
            last += 2
        else:
            u, ln = h, None
        self._cache = (X, caches, u, ln)
        return u @ P[last] + P[last + 1]

    __call__ = forward

    def backward(self, dout: np.ndarray) -> List[np.ndarray]:
        P = self.params
        X, caches, u, ln = self._cache
        grads: List[Optional[np.ndarray]] = [None] * len(P)
        starts, last = self._blocks()
        o = last + 2 if self.norm else last
        grads[o], grads[o + 1] = u.T @ dout, dout.sum(0)
        du = dout @ P[o].T
        if self.norm:
            dh, grads[last], grads[last + 1] = layer_norm_backward(du, ln)
        else:
            dh = du
        self.dh = [None] * self.depth
        for l in reversed(range(self.depth)):
            k = starts[l]
            ub, lnb, z, a = caches[l]
            self.dh[l] = dh
            w = k + 2 if self.norm else k
            grads[w + 2], grads[w + 3] = a.T @ dh, dh.sum(0)
            dz = (dh @ P[w + 2].T) * self.df(z)
            grads[w], grads[w + 1] = ub.T @ dz, dz.sum(0)
            dub = dz @ P[w].T
            if self.norm:
                dxb, grads[k], grads[k + 1] = layer_norm_backward(dub, lnb)
            else:
                dxb = dub
            dh = dh + dxb
        grads[0], grads[1] = X.T @ dh, dh.sum(0)
        return grads

    def hidden(self) -> Tuple[List[np.ndarray], List[np.ndarray]]:
        """(pre-activations, activations) of the blocks from the last forward pass."""
        _, caches, _, _ = self._cache
        return [c[2] for c in caches], [c[3] for c in caches]


def make_mlp(d_in: int, width: int, depth: int, d_out: int, activation: str = "relu", *,
             residual: bool = False, seed: int = SEED, dtype=np.float64, **kw):
    """A plain :class:`MLP` with ``depth`` hidden layers of ``width`` units, or with
    ``residual=True`` a :class:`ResidualMLP` (pre-LN) with ``depth`` blocks."""
    if residual:
        return ResidualMLP(d_in, width, depth, d_out, activation, seed=seed, dtype=dtype, **kw)
    return MLP([d_in] + [width] * depth + [d_out], activation, seed=seed, dtype=dtype, **kw)


def n_parameters(model) -> int:
    return int(sum(p.size for p in model.params))


# ---------------------------------------------------------------------------
# Optimisers (update the parameter arrays in place)
# ---------------------------------------------------------------------------

class SGD:
    """Stochastic gradient descent, optionally with (heavy-ball) momentum."""

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        self.lr, self.momentum = lr, momentum
        self._v = None

    def step(self, params, grads):
        if self.momentum:
            if self._v is None:
                self._v = [np.zeros_like(p) for p in params]
            for p, g, v in zip(params, grads, self._v):
                v *= self.momentum
                v += g
                p -= self.lr * v
        else:
            for p, g in zip(params, grads):
                p -= self.lr * g


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self._m = self._v = None
        self.t = 0

    def step(self, params, grads):
        if self._m is None:
            self._m = [np.zeros_like(p) for p in params]
            self._v = [np.zeros_like(p) for p in params]
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        for p, g, m, v in zip(params, grads, self._m, self._v):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * (g * g)
            p -= (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps)


def make_optimizer(name: str, **kw):
    return {"sgd": SGD, "adam": Adam}[name](**kw)


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------

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
        lo, acc = evaluate(model, X, y, head)
        hist["train_loss"].append(lo)
        hist["train_acc"].append(acc)
        if X_test is not None:
            lo, acc = evaluate(model, X_test, y_test, head)
            hist["test_loss"].append(lo)
            hist["test_acc"].append(acc)

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


def cosine_lr(step: int, total: int, warmup: int = 0) -> float:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then cosine decay from 1 to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


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
                lo, acc = evaluate(model, X_val, y_val, head)
                hist["val_loss"].append(lo)
                hist["val_acc"].append(acc)
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


# ---------------------------------------------------------------------------
# A fair comparison: per-model learning rate, paired seeds, training to convergence
# ---------------------------------------------------------------------------

def _mean_std(v) -> Tuple[float, float]:
    v = np.asarray(v, dtype=float)
    return float(np.mean(v)), float(np.std(v, ddof=1)) if v.size > 1 else 0.0


def _pm(v, digits: int = 4, scale: float = 1.0) -> str:
    m, s = _mean_std(np.asarray(v) * scale)
    return f"{m:.{digits}f} ± {s:.{digits}f}"


@dataclass
class TunedComparison:
    """Result of :func:`tuned_comparison`.  Arrays are indexed [learning rate, seed] (``grid_*``)
    or [seed] (the runs at the chosen rate)."""
    dataset: str
    names: List[str]
    lrs: np.ndarray
    seeds: Tuple[int, ...]
    tune_seeds: Tuple[int, ...]
    epochs: int
    grid_val_loss: Dict[str, np.ndarray]      # final validation loss, [lr, tune seed]
    chosen_lr: Dict[str, float]
    runs: Dict[str, List[dict]]               # fit() histories at the chosen rate, one per seed
    n_params: Dict[str, int]
    seconds: float
    reference: Optional[str] = None

    def values(self, name: str, key: str = "test_loss") -> np.ndarray:
        return np.array([float(r[key]) for r in self.runs[name]])

    def curve(self, name: str, key: str = "val_loss") -> np.ndarray:
        return np.stack([r[key] for r in self.runs[name]])

    def flatness(self, name: str, key: str = "val_loss", tail: float = 0.2) -> np.ndarray:
        """Per seed: relative change of ``key`` over the last ``tail`` of the epochs,
        (value at the end - value at epoch (1 - tail) * epochs) / value at that epoch."""
        r0 = self.runs[name][0]
        ep = r0["epoch"] if key.startswith("val") else np.arange(len(r0["train_loss"]))
        i0 = int(np.searchsorted(ep, (1 - tail) * self.epochs))
        c = self.curve(name, key)
        return (c[:, -1] - c[:, i0]) / c[:, i0]

    def paired_diff(self, name: str, key: str = "test_loss", ref: Optional[str] = None) -> np.ndarray:
        """Per seed: ``key`` of ``name`` minus ``key`` of ``ref`` (same seed, same batches)."""
        return self.values(name, key) - self.values(ref or self.reference, key)

    def concentration(self, name: str, X, y, k: int = 5) -> Dict[str, np.ndarray]:
        """Per seed, for the model trained at the chosen rate: see :func:`loss_concentration`."""
        rows = [loss_concentration(r["model"], X, y, k) for r in self.runs[name]]
        return {key: np.array([r[key] for r in rows]) for key in rows[0]}

    def lr_table(self) -> str:
        rows = []
        for n in self.names:
            m = self.grid_val_loss[n].mean(axis=1)
            rows.append([n] + [float(v) for v in m] + [f"{self.chosen_lr[n]:g}"])
        return format_table(rows, ["model"] + [f"lr {lr:g}" for lr in self.lrs] + ["chosen"])

    def table(self) -> str:
        ref = self.reference
        rows = []
        for n in self.names:
            row = [n, n_params_str(self.n_params[n]), f"{self.chosen_lr[n]:g}",
                   _pm(self.values(n, "final_train_loss")), _pm(self.values(n, "test_loss")),
                   _pm(self.values(n, "test_acc"), 2, 100.0)]
            if ref:
                row += ["-" if n == ref else _pm(self.paired_diff(n, "test_loss"), 4),
                        "-" if n == ref else _pm(self.paired_diff(n, "test_acc"), 2, 100.0)]
            row.append(f"{100 * np.mean(self.flatness(n)):+.2f}")
            rows.append(row)
        head = ["model", "params", "lr", "train loss", "test loss", "test acc %"]
        if ref:
            head += [f"Δ test loss vs {ref}", f"Δ acc vs {ref} (pts)"]
        head.append("val-loss change, last 20% (%)")
        return format_table(rows, head)

    def ranking(self, key: str = "test_loss") -> List[str]:
        sign = -1.0 if key.endswith("acc") else 1.0
        return sorted(self.names, key=lambda n: sign * float(np.mean(self.values(n, key))))

    def sentences(self, key: str = "test_loss") -> List[str]:
        """Statements generated from the numbers: ranking, paired differences against the
        reference (a difference counts as clear when its mean is more than two standard errors
        from 0), the chosen rates and whether the curves have flattened."""
        what = key.replace("_", " ")
        pct = key.endswith("acc")
        fmt = (lambda v: f"{100 * v:.2f}%") if pct else (lambda v: f"{v:.4f}")
        rank = self.ranking(key)
        out = [f"{self.dataset}: final {what} over {len(self.seeds)} paired seeds, best first: "
               + ", ".join(f"{n} {fmt(np.mean(self.values(n, key)))}" for n in rank) + "."]
        ref = self.reference
        if ref:
            better, worse, tied = [], [], []
            for n in self.names:
                if n == ref:
                    continue
                d = self.paired_diff(n, key)
                m, s = _mean_std(d)
                se = s / math.sqrt(len(d))
                good = (m > 0) if pct else (m < 0)
                txt = f"{n} ({'+' if m >= 0 else ''}{fmt(m)} ± {fmt(s)})"
                if abs(m) > 2 * se:
                    (better if good else worse).append(txt)
                else:
                    tied.append(txt)
            out.append(f"Paired differences of {what} against {ref} (mean ± std over seeds): "
                       + "; ".join(x for x in (
                           ("clearly better than " + ref + ": " + ", ".join(better)) if better else "",
                           ("clearly worse: " + ", ".join(worse)) if worse else "",
                           ("not distinguishable from " + ref + " (|mean| ≤ 2 standard errors): "
                            + ", ".join(tied)) if tied else "") if x) + ".")
        edge = [n for n in self.names if self.chosen_lr[n] in (self.lrs[0], self.lrs[-1])]
        out.append("Chosen learning rates: " + ", ".join(f"{n} {self.chosen_lr[n]:g}" for n in self.names)
                   + (f"; at the edge of the grid for {', '.join(edge)}." if edge else
                      "; none at the edge of the grid."))
        fl = {n: 100 * float(np.max(np.abs(self.flatness(n)))) for n in self.names}
        worst = max(fl, key=fl.get)
        out.append(f"Over the last 20% of the {self.epochs} epochs the validation loss changes by at most "
                   f"{fl[worst]:.2f}% (largest: {worst}), so the runs have flattened out"
                   if fl[worst] < 5 else
                   f"Over the last 20% of the {self.epochs} epochs the validation loss of {worst} still "
                   f"changes by {fl[worst]:.1f}%: not converged")
        out[-1] += "."
        return out


def loss_concentration(model, X, y, k: int = 5) -> Dict[str, float]:
    """How a mean cross-entropy is made up: ``mean_loss``, ``top_share`` (the share of the summed
    loss that comes from the ``k`` worst examples), ``max_loss`` and ``max_abs_logit``."""
    X = np.asarray(X, dtype=model.params[0].dtype)
    cache = getattr(model, "_cache", None)
    with np.errstate(over="ignore"):
        logits = model.forward(X)
    model._cache = cache
    per = np.asarray(pyactx.cross_entropy(logits, np.asarray(y, dtype=np.int64)), dtype=float)
    worst = np.sort(per)[::-1]
    return {"mean_loss": float(per.mean()), "top_share": float(worst[:k].sum() / per.sum()),
            "max_loss": float(worst[0]), "max_abs_logit": float(np.max(np.abs(logits)))}


def n_params_str(n: int) -> str:
    return f"{n:,}"


def tuned_comparison(ds: Dataset, factories: Dict[str, Callable[[int], object]], *,
                     lrs: Sequence[float] = (1e-3, 3e-3, 1e-2, 3e-2), seeds: Sequence[int] = (0, 1, 2, 3, 4),
                     tune_seeds: Optional[Sequence[int]] = None, epochs: int = 50, batch_size: int = 128,
                     val_fraction: float = 0.25, reference: Optional[str] = None, schedule: str = "cosine",
                     dtype=np.float32, progress: Optional[Callable[[], None]] = None) -> TunedComparison:
    """Tune and compare ``factories[name](seed)`` fairly on ``ds``.

    A fixed ``val_fraction`` of the training set becomes a validation set.  Every model is
    trained (:func:`fit`: Adam, cosine decay) at every learning rate of ``lrs`` with each of
    ``tune_seeds`` (default: all ``seeds``); its rate is the one with the lowest mean final
    validation loss.  Then it runs at that rate with every seed in ``seeds`` (runs already done
    are reused).  The seed fixes the initial weights and the batch order, identically for every
    model.  The test set is used only for the final numbers.
    """
    t0 = time.perf_counter()
    Xf, yf, Xv, yv = split_validation(ds.X_train, ds.y_train, val_fraction)
    Xf, Xv, Xt = (np.asarray(a, dtype=dtype) for a in (Xf, Xv, ds.X_test))
    seeds = tuple(seeds)
    tune_seeds = tuple(tune_seeds) if tune_seeds is not None else seeds
    lrs = np.asarray(lrs, dtype=float)
    grid, chosen, runs, nparams = {}, {}, {}, {}

    def run(make, lr, s):
        model = make(s)
        nparams[name] = n_parameters(model)
        r = fit(model, Xf, yf, lr=float(lr), epochs=epochs, batch_size=batch_size, seed=s,
                schedule=schedule, X_val=Xv, y_val=yv, X_test=Xt, y_test=ds.y_test)
        r["model"] = model
        if progress:
            progress()
        return r

    for name, make in factories.items():
        done = {}
        g = np.empty((len(lrs), len(tune_seeds)))
        for i, lr in enumerate(lrs):
            for j, s in enumerate(tune_seeds):
                r = run(make, lr, s)
                done[(i, s)] = r
                v = r["val_loss"][-1] if not r["diverged"] else np.inf
                g[i, j] = v if np.isfinite(v) else np.inf
        grid[name] = g
        best = int(np.argmin(g.mean(axis=1)))
        chosen[name] = float(lrs[best])
        runs[name] = [done[(best, s)] if (best, s) in done else run(make, lrs[best], s) for s in seeds]
    return TunedComparison(ds.name, list(factories), lrs, seeds, tune_seeds, epochs, grid, chosen, runs,
                           nparams, time.perf_counter() - t0, reference)


def tuned_activations(ds: Dataset, names: Sequence[str] = CORE, *, hidden: Sequence[int] = (64, 64),
                      reference: Optional[str] = "relu", dtype=np.float32, **kw) -> TunedComparison:
    """:func:`tuned_comparison` of the same MLP (``hidden`` sizes, each activation's
    :func:`default_init`) with each activation in ``names``."""
    factories = {n: (lambda s, n=n: MLP([ds.n_features, *hidden, ds.n_classes], n, seed=s, dtype=dtype))
                 for n in names}
    return tuned_comparison(ds, factories, reference=reference if reference in names else None,
                            dtype=dtype, **kw)


def tuned_gates(ds: Dataset, gates: Sequence[str] = ("glu", "swiglu", "geglu"), *, hidden: int = 32,
                baseline: Optional[str] = "relu", dtype=np.float32, **kw) -> TunedComparison:
    """:func:`tuned_comparison` of one gated block of width ``hidden`` per gate and (``baseline``)
    a plain one-hidden-layer MLP whose width is chosen to match the gated block's parameter
    count as closely as possible."""
    d, c = ds.n_features, ds.n_classes
    factories = {g: (lambda s, g=g: GatedMLP(d, hidden, c, g, seed=s, dtype=dtype)) for g in gates}
    ref = None
    if baseline:
        n_gated = 2 * (d + 1) * hidden + (hidden + 1) * c
        width = int(round((n_gated - c) / (d + 1 + c)))
        ref = f"{baseline} MLP"
        factories[ref] = lambda s: MLP([d, width, c], baseline, seed=s, dtype=dtype)
    return tuned_comparison(ds, factories, reference=ref, dtype=dtype, **kw)


# ---------------------------------------------------------------------------
# Depth: plain MLPs against residual + LayerNorm networks
# ---------------------------------------------------------------------------

@dataclass
class DepthSweep:
    dataset: str
    names: List[str]
    depths: Tuple[int, ...]
    seeds: Tuple[int, ...]
    lrs: Dict
    epochs: int
    width: int
    # (architecture, activation) -> key -> array [depth, seed]; architecture "plain" or "residual+LN"
    results: Dict[Tuple[str, str], Dict[str, np.ndarray]]
    seconds: float
    chance_loss: float

    ARCHS = ("plain", "residual+LN")

    def mean(self, arch: str, name: str, key: str = "test_acc") -> np.ndarray:
        return np.nanmean(self.results[(arch, name)][key], axis=1)

    def trains(self, arch: str, name: str, frac: float = 0.5) -> np.ndarray:
        """Per depth: does the mean final training loss fall below ``frac`` times the chance
        loss ln(classes)?"""
        v = self.results[(arch, name)]["final_train_loss"]
        m = np.array([np.nanmean(r) if np.any(np.isfinite(r)) else np.inf for r in v])
        return m < frac * self.chance_loss

    def table(self, key: str = "test_acc") -> str:
        pct = key.endswith("acc")
        rows = []
        for arch in self.ARCHS:
            for n in self.names:
                r = self.results[(arch, n)][key]
                rows.append([arch, n] + [f"{100 * np.nanmean(v):.1f}" if pct else f"{np.nanmean(v):.3f}"
                                         for v in r])
        return format_table(rows, ["network", "activation"] + [f"depth {d}" for d in self.depths])

    def status(self, arch: str, name: str) -> List[str]:
        """Per depth: "trains" (mean final training loss below a quarter of the chance loss
        ln(classes)), "chance" (above 90% of it) or "partly" (in between)."""
        v = self.results[(arch, name)]["final_train_loss"]
        out = []
        for r in v:
            m = np.nanmean(r) if np.any(np.isfinite(r)) else np.inf
            out.append("trains" if m < 0.25 * self.chance_loss else
                       "chance" if m > 0.9 * self.chance_loss else "partly")
        return out

    def sentences(self) -> List[str]:
        out = [f"Criterion: a network 'trains' when its mean final training loss is below a quarter of "
               f"the chance loss ln {int(round(math.exp(self.chance_loss)))} = {self.chance_loss:.2f}, and is "
               f"'at chance' above 90% of it."]
        for arch in self.ARCHS:
            parts = []
            for n in self.names:
                st = self.status(arch, n)
                ok = [d for d, x in zip(self.depths, st) if x == "trains"]
                ch = [d for d, x in zip(self.depths, st) if x == "chance"]
                if len(ok) == len(self.depths):
                    parts.append(f"{n} trains at every depth")
                    continue
                txt = f"{n} trains up to depth {ok[-1]}" if ok and ok == list(self.depths[:len(ok)]) else \
                    (f"{n} trains at depths {', '.join(map(str, ok))}" if ok else f"{n} trains at no depth")
                if ch:
                    txt += f", at chance from depth {ch[0]}" if ch == list(self.depths[-len(ch):]) else \
                        f", at chance at depths {', '.join(map(str, ch))}"
                parts.append(txt)
            out.append(f"{arch}: " + "; ".join(parts) + ".")
        deepest = self.depths[-1]
        acc = {(a, n): 100 * self.mean(a, n)[-1] for a in self.ARCHS for n in self.names}
        out.append(f"At depth {deepest}, test accuracy plain → residual+LN: " +
                   ", ".join(f"{n} {acc[('plain', n)]:.1f}% → {acc[('residual+LN', n)]:.1f}%" for n in self.names)
                   + ".")
        return out


def tune_depth_lrs(ds: Dataset, names: Sequence[str] = CORE, depth: int = 4, *,
                   lrs: Sequence[float] = (3e-3, 1e-2, 3e-2), width: int = 32, seed: int = SEED,
                   epochs: int = 12, batch_size: int = 256, archs: Sequence[str] = ("plain", "residual+LN"),
                   val_fraction: float = 0.25, dtype=np.float32,
                   progress: Optional[Callable[[], None]] = None) -> Tuple[Dict, Dict]:
    """One learning rate per (architecture, activation) for :func:`depth_sweep`: the rate of
    ``lrs`` with the lowest final validation loss at depth ``depth`` (one seed, the sweep's
    budget).  Returns ``(chosen, val_loss)``, both keyed by (arch, name); ``val_loss`` holds
    one value per rate (inf where training diverged)."""
    Xf, yf, Xv, yv = split_validation(ds.X_train, ds.y_train, val_fraction)
    Xf, Xv = np.asarray(Xf, dtype=dtype), np.asarray(Xv, dtype=dtype)
    chosen, losses = {}, {}
    for arch in archs:
        for n in names:
            v = []
            for lr in lrs:
                model = make_mlp(ds.n_features, width, depth, ds.n_classes, n, residual=(arch != "plain"),
                                 seed=seed, dtype=dtype)
                r = fit(model, Xf, yf, lr=float(lr), epochs=epochs, batch_size=batch_size, seed=seed,
                        X_val=Xv, y_val=yv, eval_every=epochs)
                loss = r["val_loss"][-1] if not r["diverged"] else np.inf
                v.append(loss if np.isfinite(loss) else np.inf)
                if progress:
                    progress()
            losses[(arch, n)] = np.array(v)
            chosen[(arch, n)] = float(lrs[int(np.argmin(v))])
    return chosen, losses


def depth_sweep(ds: Dataset, names: Sequence[str] = CORE, depths: Sequence[int] = (2, 4, 8, 16, 32), *,
                lrs: Dict[str, float], width: int = 32, seeds: Sequence[int] = (0, 1, 2), epochs: int = 20,
                batch_size: int = 128, archs: Sequence[str] = ("plain", "residual+LN"), dtype=np.float32,
                progress: Optional[Callable[[], None]] = None) -> DepthSweep:
    """Final training loss, test loss and test accuracy of plain MLPs (``depth`` hidden layers
    of ``width``) and pre-LN residual networks (``depth`` blocks) trained with :func:`fit`
    (Adam, cosine decay) at ``lrs[(arch, name)]`` (or ``lrs[name]``), for every activation, depth
    and seed.  Trained on the whole training set; no learning rate is chosen here (see
    :func:`tune_depth_lrs`)."""
    t0 = time.perf_counter()
    X, Xt = np.asarray(ds.X_train, dtype=dtype), np.asarray(ds.X_test, dtype=dtype)
    keys = ("final_train_loss", "final_train_acc", "test_loss", "test_acc")
    results = {}
    for arch in archs:
        for n in names:
            res = {k: np.full((len(depths), len(seeds)), np.nan) for k in keys}
            for i, d in enumerate(depths):
                for j, s in enumerate(seeds):
                    model = make_mlp(ds.n_features, width, d, ds.n_classes, n, residual=(arch != "plain"),
                                     seed=s, dtype=dtype)
                    lr = lrs[(arch, n)] if (arch, n) in lrs else lrs[n]
                    r = fit(model, X, ds.y_train, lr=lr, epochs=epochs, batch_size=batch_size, seed=s,
                            X_test=Xt, y_test=ds.y_test)
                    for k in keys:
                        res[k][i, j] = r[k]
                    if progress:
                        progress()
            results[(arch, n)] = res
    return DepthSweep(ds.name, list(names), tuple(depths), tuple(seeds), dict(lrs), epochs, width, results,
                      time.perf_counter() - t0, math.log(ds.n_classes))


# ---------------------------------------------------------------------------
# Finite differences
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Gradient flow through a deep stack
# ---------------------------------------------------------------------------

@dataclass
class Probe:
    activation: str
    init: str
    depth: int
    grad_norm: np.ndarray      # (depth,) Frobenius norm of dL/dW for hidden layers 1..depth
    signal_norm: np.ndarray    # (depth,) RMS of dL/dh over the batch, h = output of layer l
    act_mean: np.ndarray       # (depth,) mean of the hidden activations of each layer
    act_std: np.ndarray        # (depth,) standard deviation of the hidden activations
    preact_std: np.ndarray     # (depth,) standard deviation of the pre-activations
    small_grad_frac: np.ndarray  # (depth,) fraction of units with |f'(z)| < 0.01 (saturated or dead)
    mean_abs_fprime: np.ndarray  # (depth,) mean |f'(z)| per layer

    @property
    def first_layer_grad(self) -> float:
        return float(self.grad_norm[0])

    @property
    def decay_per_layer(self) -> float:
        """Geometric-mean factor by which the weight-gradient norm changes per layer,
        going backwards from layer ``depth`` to layer 1."""
        g = self.grad_norm
        if g[0] <= 0 or g[-1] <= 0:
            return 0.0
        return float(np.exp((np.log(g[0]) - np.log(g[-1])) / (len(g) - 1)))


def gradient_probe(activation: str, depth: int = 100, width: int = 64, n: int = 256,
                   n_classes: int = 10, init: Optional[str] = None, seed: int = SEED,
                   dtype=np.float64, **act_params) -> Probe:
    """One forward/backward pass of a ``depth``-hidden-layer MLP on N(0, 1) inputs with
    random labels; per-layer gradient and activation statistics.

    ``init`` is ``he``, ``xavier``, ``lecun``, ``None`` (the rule of :func:`default_init`)
    or ``"lsuv"``: the default rule followed by :meth:`MLP.lsuv_` on the probe batch."""
    lsuv = init == "lsuv"
    model = MLP([width] * (depth + 1) + [n_classes], activation, init=None if lsuv else init,
                seed=seed, dtype=dtype, **act_params)
    rng = np.random.default_rng(seed + 1)
    X = rng.standard_normal((n, width)).astype(dtype)
    y = rng.integers(0, n_classes, n)
    with blas_threads(1):
        if lsuv:
            model.lsuv_(X)
        _, grads = loss_and_grads(model, X, y)
    zs, hs = model.hidden()
    fprime = [np.abs(model.df(z)) for z in zs]
    return Probe(
        activation=activation, init=model.init, depth=depth,
        grad_norm=np.array([np.linalg.norm(grads[2 * i]) for i in range(depth)]),
        signal_norm=np.array([np.sqrt(np.mean(d * d)) for d in model.dh]),
        act_mean=np.array([h.mean() for h in hs]),
        act_std=np.array([h.std() for h in hs]),
        preact_std=np.array([z.std() for z in zs]),
        small_grad_frac=np.array([np.mean(fp < 0.01) for fp in fprime]),
        mean_abs_fprime=np.array([fp.mean() for fp in fprime]),
    )


def layer_table(probes: Sequence[Probe], attr: str = "act_std", layers=(1, 10, 50, 100)) -> str:
    """One row per probe: ``attr`` (a per-layer array of :class:`Probe`) at the given layers."""
    layers = [l for l in layers if l <= probes[0].depth]
    return format_table([[p.activation, p.init] + [float(getattr(p, attr)[l - 1]) for l in layers]
                         for p in probes], ["activation", "init"] + [f"layer {l}" for l in layers])


def probe_table(probes: Sequence[Probe]) -> str:
    rows = [[p.activation, p.init, p.first_layer_grad, p.grad_norm[-1],
             p.first_layer_grad / p.grad_norm[-1] if p.grad_norm[-1] else 0.0, p.decay_per_layer,
             float(np.mean(p.mean_abs_fprime)), float(p.act_mean[-1])] for p in probes]
    return format_table(rows, ["activation", "init", "|dW| layer 1", f"|dW| layer {probes[0].depth}",
                               "ratio 1/last", "factor/layer", "mean |f'|", "mean h (last)"])


# ---------------------------------------------------------------------------
# Zero-centred outputs and the zig-zag of gradient descent
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Data sets (offline)
# ---------------------------------------------------------------------------

@dataclass
class Dataset:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    vocab: Optional[str] = None      # character data: token id -> character
    context: Optional[int] = None    # character data: characters of context

    @property
    def n_features(self) -> int:
        if self.vocab is not None:
            return self.context * len(self.vocab)
        return self.X_train.shape[1]


def load_digits(test_fraction: float = 0.25, seed: int = SEED, dtype=np.float64) -> Dataset:
    """scikit-learn's bundled 8x8 digits (1797 images, 10 classes; no download).

    Pixels are standardised with the training set's mean and standard deviation;
    the split is a fixed random permutation.
    """
    from sklearn.datasets import load_digits as _ld

    d = _ld()
    X, y = d.data.astype(np.float64), d.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    te, tr = order[:n_test], order[n_test:]
    mu, sd = X[tr].mean(0), X[tr].std(0)
    sd[sd == 0] = 1.0
    X = ((X - mu) / sd).astype(dtype)
    return Dataset("digits", X[tr], y[tr], X[te], y[te], 10)


def binary_digits(a: int = 3, b: int = 8, test_fraction: float = 0.25, seed: int = SEED) -> Dataset:
    """Digits ``a`` (label 0) versus ``b`` (label 1) from :func:`load_digits`."""
    d = load_digits(test_fraction, seed)
    def pick(X, y):
        m = (y == a) | (y == b)
        return X[m], (y[m] == b).astype(np.int64)
    Xtr, ytr = pick(d.X_train, d.y_train)
    Xte, yte = pick(d.X_test, d.y_test)
    return Dataset(f"digits {a} vs {b}", Xtr, ytr, Xte, yte, 2)


#: Characters of the next-token data set; anything else becomes '#'.
CHAR_VOCAB = " abcdefghijklmnopqrstuvwxyz0123456789.,:;()[]'\"-_=*<>+#"


def char_corpus() -> str:
    """The text of CPython's ``pydoc_data.topics`` (the ``help()`` pages), normalised:
    topics in sorted order, lower case, reST underline rows dropped, whitespace runs collapsed
    to one space, characters outside :data:`CHAR_VOCAB` replaced by '#'."""
    from pydoc_data.topics import topics

    text = "\n".join(topics[k] for k in sorted(topics))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    lines = [ln for ln in text.splitlines() if not re.fullmatch(r"\s*([-=*~^+#])\1{2,}\s*", ln)]
    text = " ".join(" ".join(lines).split()).lower()
    allowed = set(CHAR_VOCAB)
    return "".join(c if c in allowed else "#" for c in text)


def load_chars(context: int = 8, n_train: int = 40_000, n_test: int = 5_000, block: int = 1000,
               test_every: int = 5) -> Dataset:
    """Next-character prediction on :func:`char_corpus`: the input is the previous
    ``context`` characters as token ids (n, context), the label the next character.

    The corpus is cut into consecutive blocks of ``block`` characters; every
    ``test_every``-th block is test text, the others training text, and every window lies
    inside one block.  So training and test text come from the same topics, yet no test
    window overlaps a training window.  Windows are taken in corpus order until ``n_train``
    and ``n_test`` are reached.
    """
    text = char_corpus()
    lut = np.full(128, len(CHAR_VOCAB) - 1, dtype=np.int64)
    for i, c in enumerate(CHAR_VOCAB):
        lut[ord(c)] = i
    ids = lut[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    per_block = block - context
    starts = {True: [], False: []}
    for j in range(len(ids) // block):
        is_test = j % test_every == test_every - 1
        if len(starts[is_test]) * per_block < (n_test if is_test else n_train):
            starts[is_test].append(j * block + np.arange(per_block))
    have_train, have_test = len(starts[False]) * per_block, len(starts[True]) * per_block
    if have_train < n_train or have_test < n_test:
        raise ValueError(f"the corpus gives {have_train} training and {have_test} test windows; "
                         f"{n_train} and {n_test} requested")

    def windows(first, count):
        first = np.concatenate(first)[:count]
        return ids[first[:, None] + np.arange(context)], ids[first + context]

    Xtr, ytr = windows(starts[False], n_train)
    Xte, yte = windows(starts[True], n_test)
    return Dataset("pydoc chars", Xtr, ytr, Xte, yte, len(CHAR_VOCAB), vocab=CHAR_VOCAB, context=context)


def unigram_entropy(ds: Dataset) -> float:
    """Cross-entropy (nats) of predicting the test set with the training set's character
    frequencies: the loss a model that ignores its context can reach."""
    counts = np.bincount(ds.y_train, minlength=ds.n_classes) + 1.0
    p = counts / counts.sum()
    return float(-np.mean(np.log(p[ds.y_test])))


# ---------------------------------------------------------------------------
# Comparing activations on a task
# ---------------------------------------------------------------------------

@dataclass
class Comparison:
    dataset: str
    optimizer: str
    epochs: int
    seeds: Tuple[int, ...]
    curves: Dict[str, Dict[str, np.ndarray]]   # activation -> key -> (seeds, epochs + 1)
    seconds: Dict[str, float]

    def final(self, name: str, key: str = "test_loss") -> Tuple[float, float]:
        v = self.curves[name][key][:, -1]
        return float(v.mean()), float(v.std())

    def table(self) -> str:
        rows = []
        for name, c in self.curves.items():
            tl, ta = c["train_loss"][:, -1], c["test_loss"][:, -1]
            acc = c["test_acc"][:, -1]
            rows.append([name, f"{tl.mean():.4f} ± {tl.std():.4f}", f"{ta.mean():.4f} ± {ta.std():.4f}",
                         f"{100 * acc.mean():.2f} ± {100 * acc.std():.2f}"])
        return format_table(rows, ["activation", "train loss", "test loss", "test acc %"])

    def ranking(self, key: str = "test_loss") -> List[str]:
        """Names from best to worst by the final mean of ``key`` (accuracy: highest first)."""
        sign = -1.0 if key.endswith("acc") else 1.0
        return sorted(self.curves, key=lambda n: sign * self.final(n, key)[0])

    def summary(self, key: str = "test_loss") -> str:
        """Sentences generated from the numbers: ranking, gap and which runs overlap the best."""
        rank = self.ranking(key)
        what = key.replace("_", " ")
        pct = key.endswith("acc")
        fmt = (lambda v: f"{100 * v:.2f}%") if pct else (lambda v: f"{v:.4f}")
        (mb, sb), (mw, sw) = self.final(rank[0], key), self.final(rank[-1], key)
        close = [n for n in rank[1:] if abs(self.final(n, key)[0] - mb) <= sb + self.final(n, key)[1]]
        lines = [
            f"{self.dataset}, {self.optimizer}, {self.epochs} epochs, {len(self.seeds)} seed(s), final {what} "
            f"(best first): " + ", ".join(f"{n} {fmt(self.final(n, key)[0])}" for n in rank) + ".",
            f"Best {rank[0]} ({fmt(mb)} ± {fmt(sb)}), worst {rank[-1]} ({fmt(mw)} ± {fmt(sw)}).",
        ]
        if close:
            lines.append("Within one standard deviation (summed) of the best: " + ", ".join(close) + ".")
        else:
            lines.append(f"No other run is within one standard deviation of {rank[0]}.")
        return "\n".join(lines)


def compare_models(ds: Dataset, factories: Dict[str, Callable[[int], object]], *,
                   seeds: Sequence[int] = (0, 1, 2), epochs: int = 10, batch_size: int = 64,
                   optimizer: str = "adam", lr: Optional[float] = None, head: str = "softmax",
                   progress: Optional[Callable[[], None]] = None) -> Comparison:
    """Train ``factories[name](seed)`` for every name and seed on ``ds``; collect the curves.

    The seed fixes the initial weights and the order of the mini-batches, so with the same
    seed every model sees the batches in the same order.
    """
    curves, seconds = {}, {}
    for name, make in factories.items():
        runs = []
        t0 = time.perf_counter()
        for s in seeds:
            opt = make_optimizer(optimizer, **({} if lr is None else {"lr": lr}))
            runs.append(train(make(s), ds.X_train, ds.y_train, epochs=epochs, batch_size=batch_size,
                              optimizer=opt, seed=s, X_test=ds.X_test, y_test=ds.y_test, head=head,
                              progress=progress))
        seconds[name] = time.perf_counter() - t0
        curves[name] = {k: np.stack([r[k] for r in runs]) for k in runs[0]}
    return Comparison(ds.name, optimizer, epochs, tuple(seeds), curves, seconds)


def compare_activations(ds: Dataset, names: Sequence[str] = CORE, *, hidden: Sequence[int] = (64, 64),
                        seeds: Sequence[int] = (0, 1, 2), epochs: int = 10, batch_size: int = 64,
                        optimizer: str = "adam", lr: Optional[float] = None, dtype=np.float32,
                        progress: Optional[Callable[[], None]] = None) -> Comparison:
    """The same MLP (``hidden`` layer sizes, each activation's :func:`default_init`) trained
    with each activation in ``names`` and each seed.  Trained in float32, as networks
    are (the gradient checks of the tests use float64 models)."""
    vocab = len(ds.vocab) if ds.vocab else None
    factories = {name: (lambda s, name=name: MLP([ds.n_features, *hidden, ds.n_classes], name, seed=s,
                                                 dtype=dtype, onehot_vocab=vocab))
                 for name in names}
    return compare_models(ds, factories, seeds=seeds, epochs=epochs, batch_size=batch_size,
                          optimizer=optimizer, lr=lr, progress=progress)


def compare_gates(ds: Dataset, gates: Sequence[str] = ("glu", "swiglu", "geglu"), *, hidden: int = 32,
                  baseline: Optional[str] = "relu", seeds: Sequence[int] = (0, 1, 2), epochs: int = 10,
                  batch_size: int = 64, optimizer: str = "adam", lr: Optional[float] = None,
                  progress: Optional[Callable[[], None]] = None) -> Comparison:
    """One gated block of width ``hidden`` per gate, plus (``baseline``) a plain MLP with one
    hidden layer of ``2 * hidden`` units, which has about the same number of weights."""
    factories = {g: (lambda s, g=g: GatedMLP(ds.n_features, hidden, ds.n_classes, g, seed=s)) for g in gates}
    if baseline:
        factories[f"{baseline} MLP"] = lambda s: MLP([ds.n_features, 2 * hidden, ds.n_classes], baseline,
                                                     seed=s)
    return compare_models(ds, factories, seeds=seeds, epochs=epochs, batch_size=batch_size,
                          optimizer=optimizer, lr=lr, progress=progress)


# ---------------------------------------------------------------------------
# The output layer: sigmoid vs softmax over a vocabulary
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# LSTM cell
# ---------------------------------------------------------------------------

class LSTMCell:
    """A standard LSTM cell; gates ``i, f, o = sigmoid(.)``, candidate ``g = tanh(.)``.

    ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)``.
    """

    def __init__(self, d_in: int, d_hidden: int, *, forget_bias: float = 1.0, seed: int = SEED):
        rng = np.random.default_rng(seed)
        self.d_hidden = d_hidden
        self.W = rng.standard_normal((d_in + d_hidden, 4 * d_hidden)) * init_std("xavier", d_in + d_hidden, d_hidden)
        self.b = np.zeros(4 * d_hidden)
        self.b[d_hidden:2 * d_hidden] = forget_bias

    def step(self, x, h, c):
        z = np.concatenate([x, h], axis=-1) @ self.W + self.b
        H = self.d_hidden
        i = pyactx.sigmoid(z[..., :H])
        f = pyactx.sigmoid(z[..., H:2 * H])
        o = pyactx.sigmoid(z[..., 2 * H:3 * H])
        g = pyactx.tanh(z[..., 3 * H:])
        c = f * c + i * g
        h = o * pyactx.tanh(c)
        return h, c, {"input": i, "forget": f, "output": o, "candidate": g}


def lstm_memory(forget_biases: Sequence[float] = (-2.0, 0.0, 1.0, 3.0), steps: int = 50,
                d_in: int = 8, d_hidden: int = 32, batch: int = 64, seed: int = SEED) -> Dict[float, dict]:
    """Run an LSTM cell on random inputs; for each forget-gate bias return the mean gate values
    and ``retention[t]`` = mean over units of prod_{s<=t} f_s = d c_t / d c_0 along the cell path
    (the part of the gradient that does not pass through any sigmoid derivative)."""
    out = {}
    xs = np.random.default_rng(seed + 1).standard_normal((steps, batch, d_in))
    for fb in forget_biases:
        cell = LSTMCell(d_in, d_hidden, forget_bias=fb, seed=seed)
        h = np.zeros((batch, d_hidden))
        c = np.zeros((batch, d_hidden))
        keep = np.ones((batch, d_hidden))
        retention, gates = [1.0], {k: [] for k in ("input", "forget", "output", "candidate")}
        for t in range(steps):
            h, c, g = cell.step(xs[t], h, c)
            keep = keep * g["forget"]
            retention.append(float(keep.mean()))
            for k in gates:
                gates[k].append(g[k])
        out[fb] = {"retention": np.array(retention),
                   "gate_values": {k: np.concatenate([v.ravel() for v in vs]) for k, vs in gates.items()}}
    return out


# ---------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------

def machine_info() -> Dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {"cpu": cpu, "logical cpus": str(os.cpu_count()), "os": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "pyactx": getattr(pyactx, "__version__", "?")}
    for mod in ("scipy", "torch"):
        m = _optional(mod)
        info[mod] = m.__version__ if m is not None else "not installed"
    return info


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def _peers(x: np.ndarray, rows: np.ndarray):
    """(function, implementation, callable) for every implementation available here."""
    sp = _optional("scipy.special")
    torch = _optional("torch")
    s2 = math.sqrt(2.0)
    out = [
        ("sigmoid", "pyactx", lambda: pyactx.sigmoid(x)),
        ("sigmoid", "numpy 1/(1+exp(-x))", lambda: 1 / (1 + np.exp(-x))),
        ("sigmoid_grad", "pyactx", lambda: pyactx.sigmoid_grad(x)),
        ("sigmoid_grad", "numpy s*(1-s)", lambda: (lambda s: s * (1 - s))(1 / (1 + np.exp(-x)))),
        ("tanh", "pyactx", lambda: pyactx.tanh(x)),
        ("tanh", "numpy np.tanh", lambda: np.tanh(x)),
        ("relu", "pyactx", lambda: pyactx.relu(x)),
        ("relu", "numpy np.maximum(x, 0)", lambda: np.maximum(x, 0)),
        ("gelu", "pyactx", lambda: pyactx.gelu(x)),
        ("silu", "pyactx", lambda: pyactx.silu(x)),
        ("silu", "numpy x/(1+exp(-x))", lambda: x / (1 + np.exp(-x))),
        ("softplus", "pyactx", lambda: pyactx.softplus(x)),
        ("softplus", "numpy logaddexp(0, x)", lambda: np.logaddexp(0, x)),
        ("softmax (1000 x 1000)", "pyactx", lambda: pyactx.softmax(rows)),
        ("softmax (1000 x 1000)", "numpy (stable, 4 passes)",
         lambda: (lambda e: e / e.sum(-1, keepdims=True))(np.exp(rows - rows.max(-1, keepdims=True)))),
        ("log_softmax (1000 x 1000)", "pyactx", lambda: pyactx.log_softmax(rows)),
        ("logsumexp (1000 x 1000)", "pyactx", lambda: pyactx.logsumexp(rows)),
    ]
    if sp is not None:
        out += [
            ("sigmoid", "scipy expit", lambda: sp.expit(x)),
            ("gelu", "scipy 0.5*x*erfc(-x/sqrt2)", lambda: 0.5 * x * sp.erfc(-x / s2)),
            ("softmax (1000 x 1000)", "scipy softmax", lambda: sp.softmax(rows, axis=-1)),
            ("log_softmax (1000 x 1000)", "scipy log_softmax", lambda: sp.log_softmax(rows, axis=-1)),
            ("logsumexp (1000 x 1000)", "scipy logsumexp", lambda: sp.logsumexp(rows, axis=-1)),
        ]
    if torch is not None:
        tx, tr = torch.from_numpy(x), torch.from_numpy(rows)
        F = torch.nn.functional
        out += [
            ("sigmoid", "torch", lambda: torch.sigmoid(tx)),
            ("tanh", "torch", lambda: torch.tanh(tx)),
            ("relu", "torch", lambda: torch.relu(tx)),
            ("gelu", "torch", lambda: F.gelu(tx)),
            ("silu", "torch", lambda: F.silu(tx)),
            ("softplus", "torch", lambda: F.softplus(tx)),
            ("softmax (1000 x 1000)", "torch", lambda: torch.softmax(tr, -1)),
            ("log_softmax (1000 x 1000)", "torch", lambda: torch.log_softmax(tr, -1)),
            ("logsumexp (1000 x 1000)", "torch", lambda: torch.logsumexp(tr, -1)),
        ]
    order = {}
    for fn, _, _ in out:
        order.setdefault(fn, len(order))
    return sorted(out, key=lambda r: (order[r[0]], r[1] != "pyactx"))


def speed_table(n: int = 1_000_000, dtypes=(np.float32, np.float64), repeat: int = 7,
                min_time: float = 0.02, seed: int = SEED, functions: Optional[Sequence[str]] = None,
                progress: Optional[Callable[[], None]] = None) -> List[dict]:
    """Time pyactx and every available peer on ``n`` N(0, 3) values (rows: a 1000 x 1000
    array scaled to ``n``) and return rows with ns per element and the ratio to pyactx.

    Every implementation runs on one thread: PyTorch (when installed) and pyactx (if it
    offers ``set_num_threads``) are set to one thread for the measurement and restored after.
    """
    torch = _optional("torch")
    threads = ours = None
    if torch is not None:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
    if hasattr(pyactx, "set_num_threads") and hasattr(pyactx, "get_num_threads"):
        ours = pyactx.get_num_threads()
        pyactx.set_num_threads(1)
    rng = np.random.default_rng(seed)
    rows_out = []
    try:
        for dt in dtypes:
            x = (rng.standard_normal(n) * 3).astype(dt)
            side = int(round(math.sqrt(n)))
            rows = (rng.standard_normal((side, side)) * 3).astype(dt)
            base = {}
            for fname, impl, fn in _peers(x, rows):
                if functions is not None and fname.split(" ")[0] not in functions:
                    continue
                label = fname.replace("1000 x 1000", f"{side} x {side}")
                with np.errstate(all="ignore"):
                    sec = time_call(fn, repeat=repeat, min_time=min_time)
                ns = sec * 1e9 / (rows.size if "(" in fname else x.size)
                if impl == "pyactx":
                    base[fname] = ns
                rows_out.append({"function": label, "implementation": impl, "dtype": np.dtype(dt).name,
                                 "ns_per_element": ns, "vs_pyactx": ns / base.get(fname, float("nan"))})
                if progress:
                    progress()
    finally:
        if threads is not None:
            torch.set_num_threads(threads)
        if ours is not None:
            pyactx.set_num_threads(ours)
    return rows_out


def speed_text(rows: List[dict]) -> str:
    return format_table([[r["function"], r["implementation"], r["dtype"], r["ns_per_element"],
                          r["vs_pyactx"]] for r in rows],
                        ["function", "implementation", "dtype", "ns/element", "time / pyactx"])


# ---------------------------------------------------------------------------
# Text output
# ---------------------------------------------------------------------------

def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if v == 0 or not math.isfinite(v):
            return str(v)
        if 1e-3 <= abs(v) < 1e5:
            return f"{v:.4g}"
        return f"{v:.3e}"
    return str(v)


def format_table(rows: Sequence[Sequence], headers: Sequence[str]) -> str:
    """A plain-text table with aligned columns (numbers right-aligned)."""
    cells = [[_fmt(v) for v in r] for r in rows]
    numeric = [all(isinstance(r[j], (int, float, np.number)) and not isinstance(r[j], bool)
                   for r in rows) for j in range(len(headers))]
    widths = [max([len(h)] + [len(c[j]) for c in cells]) for j, h in enumerate(headers)]

    def line(vals):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(vals, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(c) for c in cells])


def properties_table(names: Optional[Sequence[str]] = None) -> Tuple[List[list], List[str]]:
    """Rows of registry properties plus max |f'| measured with pyactx on a fine grid."""
    names = list(names) if names is not None else activation_names()
    rows = []
    for name in names:
        e = pyactx.ACTIVATIONS[name]
        _, df = activation_pair(name)
        x = np.linspace(0.001, 0.999, 200_001) if name == "logit" else np.linspace(-10, 10, 200_001)
        rows.append([name, e.output_range, e.zero_centred, e.monotonic, e.smooth, e.bounded,
                     float(e.max_abs_grad), float(np.max(np.abs(df(x))))])
    return rows, ["activation", "range", "zero-centred", "monotonic", "smooth", "bounded",
                  "sup|f'|", "max|f'| on grid"]


class Progress:
    """A one-line text progress bar on stderr, redrawn in place (``\\r``) on a terminal;
    elsewhere (a log file, CI) only the final line is written."""

    def __init__(self, total: int, label: str = "", width: int = 30, stream=None,
                 live: Optional[bool] = None):
        self.total, self.label, self.width = max(1, total), label, width
        self.stream = stream if stream is not None else sys.stderr
        if live is None:
            live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.live = live
        self.done = 0
        self.t0 = time.perf_counter()
        if self.live:
            self._draw()

    def _draw(self):
        frac = min(1.0, self.done / self.total)
        bar = "#" * int(round(frac * self.width))
        self.stream.write(f"\r{self.label:<28} [{bar:<{self.width}}] {100 * frac:5.1f}% "
                          f"{time.perf_counter() - self.t0:6.1f}s")
        self.stream.flush()

    def __call__(self, k: int = 1):
        self.done += k
        if self.live:
            self._draw()

    def close(self):
        self.done = self.total
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------
# Figures (matplotlib imported lazily)
# ---------------------------------------------------------------------------

def _plt():
    import matplotlib
    if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _int_ticks(ax, axis: str = "x"):
    from matplotlib.ticker import MaxNLocator
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def plot_lr_curves(tc: "TunedComparison"):
    """Final validation loss against the learning rate (log-log), one line per model, mean over
    the tuning seeds with min-max bars; the chosen rate circled."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for j, n in enumerate(tc.names):
        g = np.where(np.isfinite(tc.grid_val_loss[n]), tc.grid_val_loss[n], np.nan)
        m = np.nanmean(g, axis=1)
        ax.errorbar(tc.lrs, m, yerr=[m - np.nanmin(g, axis=1), np.nanmax(g, axis=1) - m], color=f"C{j}",
                    marker="o", ms=4, capsize=2, label=f"{n} (chosen {tc.chosen_lr[n]:g})")
        k = int(np.argmin(np.abs(tc.lrs - tc.chosen_lr[n])))
        ax.plot(tc.lrs[k], m[k], "o", ms=11, mfc="none", color=f"C{j}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Adam learning rate (peak of the cosine schedule)")
    ax.set_ylabel("final validation loss (cross-entropy, nats)")
    ax.set_title(f"{tc.dataset}: validation loss vs learning rate\n"
                 f"(mean and range over {len(tc.tune_seeds)} seeds; circle = chosen)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_tuned_curves(tc: "TunedComparison"):
    """Training and validation loss per epoch at each model's chosen rate: mean over the seeds
    (line) and min-max (band); the shaded last 20% is where flatness is measured."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, lab_ in zip(axes, ("train_loss", "val_loss"), ("training loss (mean over the epoch)",
                                                                  "validation loss")):
        for j, n in enumerate(tc.names):
            c = tc.curve(n, key)
            ep = tc.runs[n][0]["epoch"] if key == "val_loss" else np.arange(c.shape[1])
            ax.plot(ep, np.nanmean(c, 0), color=f"C{j}", label=f"{n} (lr {tc.chosen_lr[n]:g})")
            ax.fill_between(ep, np.nanmin(c, 0), np.nanmax(c, 0), color=f"C{j}", alpha=0.2)
        ax.axvspan(0.8 * tc.epochs, tc.epochs, color="0.9", zorder=0)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(lab_ + " (nats)")
        _int_ticks(ax)
        ax.set_title(f"{tc.dataset}: {lab_}, {len(tc.seeds)} seeds\n(grey: last 20% of the epochs)",
                     fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_paired(tc: "TunedComparison", key: str = "test_loss"):
    """Per seed: ``key`` of each model minus that of the reference (same seed and batches)."""
    plt = _plt()
    others = [n for n in tc.names if n != tc.reference]
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    scale = 100.0 if key.endswith("acc") else 1.0
    for j, n in enumerate(others):
        d = tc.paired_diff(n, key) * scale
        ax.plot(np.full(len(d), j) + np.linspace(-0.12, 0.12, len(d)), d, "o", color="C0", ms=4,
                label="one seed" if j == 0 else None)
        m, s = _mean_std(d)
        ax.errorbar(j + 0.3, m, yerr=s, fmt="s", color="C3", capsize=3, label="mean ± std" if j == 0 else None)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(others)), others)
    ax.set_xlabel("activation")
    what = key.replace("_", " ") + (" (percentage points)" if scale != 1 else " (nats)")
    ax.set_ylabel(f"Δ {what}\nminus {tc.reference}, same seed")
    ax.set_title(f"{tc.dataset}: paired differences against {tc.reference}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_depth_sweep(sw: "DepthSweep"):
    """Final training loss (top) and test accuracy (bottom) against depth, one line per
    activation (mean over seeds, min-max bars); left plain MLPs, right residual + pre-LN."""
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharey="row")
    for col, arch in enumerate(sw.ARCHS):
        for row, (key, yl) in enumerate((("final_train_loss", "final training loss (nats, log)"),
                                          ("test_acc", "test accuracy (%)"))):
            ax = axes[row, col]
            scale = 100.0 if key.endswith("acc") else 1.0
            for j, n in enumerate(sw.names):
                v = sw.results[(arch, n)][key] * scale
                m = np.nanmean(v, 1)
                ax.errorbar(sw.depths, m, yerr=[m - np.nanmin(v, 1), np.nanmax(v, 1) - m], color=f"C{j}",
                            marker="o", ms=4, capsize=2, label=n)
            ref = sw.chance_loss if row == 0 else 100.0 / math.exp(sw.chance_loss)
            ax.axhline(ref, color="k", ls=":", lw=1, label="chance")
            if row == 0:
                ax.set_yscale("log")
                ax.set_title(f"{arch}: training loss after {sw.epochs} epochs", fontsize=10)
            else:
                ax.set_title(f"{arch}: test accuracy", fontsize=10)
            ax.set_xlabel("depth (hidden layers / residual blocks)")
            ax.set_xscale("log", base=2)
            ax.set_xticks(sw.depths, [str(d) for d in sw.depths])
            ax.set_ylabel(yl)
            ax.yaxis.set_tick_params(labelleft=True)
            ax.legend(fontsize=7)
    fig.suptitle(f"{sw.dataset}: depth sweep, width {sw.width}, {len(sw.seeds)} seed{'s' if len(sw.seeds) > 1 else ''} "
                 f"(mean, min-max bars)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_gallery(names: Optional[Sequence[str]] = None, ncols: int = 6):
    """Every activation (solid) and its derivative (dashed) on one grid of small panels."""
    plt = _plt()
    names = list(names) if names is not None else activation_names()
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.8 * ncols, 2.5 * nrows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        f, df = activation_pair(name)
        x = plot_domain(name)
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0 if name != "logit" else 0.5, color="0.85", lw=0.8)
        ax.plot(x, f(x), lw=1.6, label="f")
        ax.plot(x, df(x), lw=1.2, ls="--", label="f'")
        if name == "logit":
            ax.set_ylim(-6, 10)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("p" if name == "logit" else "x", fontsize=8, labelpad=1)
        ax.set_ylabel("f(x), f'(x)", fontsize=8, labelpad=1)
        ax.legend(fontsize=6, loc="best")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.suptitle("Each activation f (solid) and its derivative f' (dashed)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_probes(probes: Sequence[Probe], bound: bool = True):
    """Per-layer weight-gradient norm (log scale) and mean |f'(z)| for each probe."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
    depth = probes[0].depth
    layers = np.arange(1, depth + 1)
    for p in probes:
        a1.semilogy(layers, p.grad_norm, label=f"{p.activation} ({p.init})")
        a2.plot(layers, p.mean_abs_fprime, label=p.activation)
    if bound:
        sig = [p for p in probes if p.activation == "sigmoid"]
        ref = sig[0].grad_norm[-1] if sig else probes[0].grad_norm[-1]
        a1.semilogy(layers, ref * 0.25 ** (depth - layers), "k:", label=r"$0.25^{L-l}$ (from layer L)")
    a1.set_xlabel("layer l (1 = next to the input)")
    a1.set_ylabel(r"$\|\partial L/\partial W_l\|_F$")
    a1.set_title(f"Gradient norm per layer, {depth}-layer MLP")
    a1.legend(fontsize=8)
    a2.set_xlabel("layer l")
    a2.set_ylabel("mean |f'(z)|")
    a2.set_title("Mean derivative of the activation per layer")
    a2.set_ylim(bottom=0)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_output_hist(names: Sequence[str] = CORE, n: int = 100_000, seed: int = SEED):
    plt = _plt()
    z = np.random.default_rng(seed).standard_normal(n)
    fig, axes = plt.subplots(1, len(names), figsize=(2.8 * len(names), 2.6), sharey=True)
    for ax, name in zip(np.atleast_1d(axes), names):
        h = activation_pair(name)[0](z)
        ax.hist(h, bins=80, density=True, color="C0")
        ax.axvline(0, color="k", lw=0.8)
        ax.axvline(h.mean(), color="C3", lw=1.5, ls="--")
        ax.set_title(f"{name}: mean {h.mean():+.3f}", fontsize=9)
        ax.set_xlabel(f"{name}(z)")
        ax.set_ylabel("density")
        ax.yaxis.set_tick_params(labelleft=True)
    fig.suptitle("Distribution of f(z) for z ~ N(0, 1); black = 0, dashed red = mean", fontsize=10)
    fig.tight_layout()
    return fig


def plot_zigzag(results: Sequence[ZigZag], ncols: Optional[int] = None):
    """The weight path of each :func:`zigzag` run, one panel per run."""
    plt = _plt()
    ncols = ncols or len(results)
    nrows = -(-len(results) // ncols)
    side = 5.2 if ncols <= 2 else 3.4
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols, (side - 0.4) * nrows), squeeze=False)
    for ax in axes.ravel()[len(results):]:
        ax.axis("off")
    axes = axes.reshape(1, -1)
    for ax, r in zip(axes[0], results):
        p = r.path
        ax.plot(p[:, 0], p[:, 1], "-", lw=0.8, color="C0")
        ax.plot(p[:, 0], p[:, 1], ".", ms=2.5, color="C0")
        ax.plot(*p[0], "ko", label="start")
        ax.plot(*r.w_star, "r*", ms=14, label="w*")
        steps = r.steps_to_converge if r.steps_to_converge > 0 else f">{len(p) - 1}"
        ax.set_title(f"inputs = {r.inputs}(z): {steps} steps,\n"
                     f"{100 * r.same_sign_frac:.0f}% same-sign, {100 * r.opposite_sign_frac:.0f}% opposite-sign updates",
                     fontsize=9)
        ax.set_xlabel("weight w1")
        ax.set_ylabel("weight w2")
        ax.set_aspect("equal", adjustable="datalim")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_comparison(cmp: Comparison, keys=("train_loss", "test_loss", "test_acc")):
    """Mean curves (lines) with min-max over seeds (bands)."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.8), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for j, (name, c) in enumerate(cmp.curves.items()):
            v = c[key]
            ep = np.arange(v.shape[1])
            ax.plot(ep, v.mean(0), color=f"C{j}", label=name)
            ax.fill_between(ep, v.min(0), v.max(0), color=f"C{j}", alpha=0.2)
        ax.set_xlabel("epoch")
        _int_ticks(ax)
        ax.set_ylabel(key.replace("_", " ") + (" (nats)" if "loss" in key else " (fraction correct)"))
        ax.set_title(f"{cmp.dataset}: {key.replace('_', ' ')} per epoch\n(mean over {len(cmp.seeds)} seeds, "
                     f"band = min-max)", fontsize=10)
        lo, hi = min(float(c[key].min()) for c in cmp.curves.values()), \
            max(float(c[key].max()) for c in cmp.curves.values())
        if "loss" in key and lo > 0 and hi / lo > 10:
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_speed(rows: List[dict], dtype: str = "float32"):
    plt = _plt()
    rs = [r for r in rows if r["dtype"] == dtype]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rs) + 1.8))
    labels = [f"{r['function']} | {r['implementation']}" for r in rs]
    colors = ["C2" if r["implementation"] == "pyactx" else "C0" for r in rs]
    ax.barh(range(len(rs)), [r["ns_per_element"] for r in rs], color=colors)
    ax.set_yticks(range(len(rs)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ns per element (lower is faster)")
    ax.set_ylabel("function | implementation")
    ax.set_title(f"Time per element, {dtype}, one thread (log scale; green = pyactx)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_vocab_outputs(logits: np.ndarray):
    """Per-token sigmoids versus softmax over one vocabulary-sized logit vector."""
    plt = _plt()
    s, p = pyactx.sigmoid(logits), pyactx.softmax(logits)
    order = np.argsort(logits)[::-1]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6))
    a1.plot(s[order], lw=1)
    a1.set_title(f"sigmoid per token: sum = {s.sum():,.1f}", fontsize=10)
    a1.set_ylabel("sigmoid(z_i), one per token")
    a2.semilogy(p[order], lw=1, color="C1")
    a2.set_title(f"softmax: sum = {p.sum():.15f}", fontsize=10)
    a2.set_ylabel("softmax(z)_i (log scale)")
    for a in (a1, a2):
        a.set_xlabel("token, sorted by logit")
    fig.tight_layout()
    return fig


def plot_jacobian(x: np.ndarray):
    plt = _plt()
    J = pyactx.softmax_jacobian(np.asarray(x, dtype=float))
    m = float(np.abs(J).max())
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [1, 1.2]})
    a1.bar(range(len(x)), pyactx.softmax(x), color="C1")
    a1.set_title("softmax(x)", fontsize=10)
    a1.set_xlabel("class i")
    a1.set_ylabel("probability y_i")
    im = a2.imshow(J, cmap="RdBu_r", vmin=-m, vmax=m)
    a2.set_title(r"Jacobian $J_{ij}=y_i(\delta_{ij}-y_j)$", fontsize=10)
    a2.set_xlabel("j")
    a2.set_ylabel("i")
    cb = fig.colorbar(im, ax=a2)
    cb.set_label(r"$J_{ij} = \partial y_i / \partial x_j$")
    fig.tight_layout()
    return fig


def plot_lstm(memory: Dict[float, dict]):
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.8))
    for j, (fb, res) in enumerate(memory.items()):
        a1.semilogy(res["retention"], color=f"C{j}", label=f"forget bias {fb:+g}")
        a2.hist(res["gate_values"]["forget"], bins=60, range=(0, 1), histtype="step", color=f"C{j}",
                density=True, label=f"forget bias {fb:+g}")
    a1.set_xlabel("time step t")
    a1.set_ylabel(r"mean $\prod_{s\leq t} f_s$")
    a1.set_title("What is left of the cell state of step 0", fontsize=10)
    a1.legend(fontsize=8)
    _int_ticks(a1)
    a2.set_xlabel("forget-gate value f = sigmoid(.)")
    a2.set_ylabel("probability density")
    a2.set_title("Forget-gate values: soft switches in (0, 1)", fontsize=10)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_gates(a: np.ndarray = None, bs=(-2.0, 0.0, 2.0)):
    """glu(a, b) = a sigmoid(b), swiglu = silu(a) b, geglu = gelu(a) b as functions of a, for a few b."""
    plt = _plt()
    a = np.linspace(-4, 4, 401) if a is None else a
    gates = ("glu", "swiglu", "geglu")
    role = {"glu": "b is the gate (through sigmoid), a the signal",
            "swiglu": "a is gated (silu(a)), b is a plain multiplier",
            "geglu": "a is gated (gelu(a)), b is a plain multiplier"}
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    for ax, g in zip(axes, gates):
        fn = getattr(pyactx, g)
        for j, b in enumerate(bs):
            ax.plot(a, fn(a, np.full_like(a, b)), color=f"C{j}", label=f"b = {b:+g}")
        ax.axhline(0, color="0.85", lw=0.8)
        ax.set_title(f"{g}(a, b) = {pyactx.BINARY[g].formula}\n{role[g]}", fontsize=9)
        ax.set_xlabel("first argument a")
        ax.set_ylabel(f"{g}(a, b)")
        ax.yaxis.set_tick_params(labelleft=True)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_bce(x: np.ndarray = None):
    """Loss and gradient for a positive example (t = 1) as the logit goes from wrong to right."""
    plt = _plt()
    x = np.linspace(-50, 50, 1001) if x is None else x
    t = np.ones_like(x)
    naive, _ = with_warnings(naive_bce, x, t)
    exact = pyactx.binary_cross_entropy(x, t)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11.5, 4))
    pos = exact > 0
    a1.semilogy(x[pos], exact[pos], lw=2.5, label="pyactx.binary_cross_entropy (softplus, from the logit)")
    ok = np.isfinite(naive) & (naive > 0)
    a1.semilogy(x[ok], naive[ok], "--", label="naive -t·log(s) - (1-t)·log(1-s), s = sigmoid(x)")
    bad = ~np.isfinite(naive)
    if bad.any():
        a1.plot(x[bad], np.full(bad.sum(), exact[pos].min()), "|", color="C3", ms=10,
                label="naive gives NaN: (1-t)·log(1-s) = 0·log(0) = 0·(-inf) once s rounds to 1")
    zero = np.isfinite(naive) & (naive == 0) & (exact > 0)
    if zero.any():
        a1.plot(x[zero], np.full(zero.sum(), exact[pos].min()), "|", color="C4", ms=10,
                label="naive gives exactly 0 (s rounds to 1)")
    a1.set_xlabel("logit x (target t = 1)")
    a1.set_ylabel("loss (nats, log scale)")
    a1.set_title("BCE loss for a positive example: exact vs naive formula", fontsize=10)
    a1.legend(fontsize=7, loc="lower left")
    a2.plot(x, -pyactx.binary_cross_entropy_grad(x, t), label="-dBCE/dx = t - sigmoid(x)")
    a2.plot(x, -mse_sigmoid_grad(x, t), label="-dMSE(sigmoid)/dx")
    a2.set_xlabel("logit x (target t = 1)")
    a2.set_ylabel("-d loss / d x")
    a2.set_title("Gradient pushing the logit up", fontsize=10)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig
