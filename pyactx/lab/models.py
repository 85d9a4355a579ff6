"""Models with hand-written backward passes: :class:`MLP`, :class:`GatedMLP` and the pre-LN
:class:`ResidualMLP` with its :func:`layer_norm`.

Every model keeps ``params``, a flat list of arrays that the optimisers update in place;
``forward(X)`` returns the logits and ``backward(dout)`` the gradients in the order of ``params``.
"""

from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

import pyactx

from .activations import SEED, activation_pair, activation_params, default_init, init_std


# ---------------------------------------------------------------------------
# Plain and gated feed-forward networks
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

    def _norm(self, h: np.ndarray, k: int):
        """The optional pre-LN at parameter index ``k`` (gain ``params[k]``, bias ``params[k + 1]``):
        ``(LN(h) or h, its cache or None, index of the next parameter)``."""
        if not self.norm:
            return h, None, k
        u, ln = layer_norm(h, self.params[k], self.params[k + 1])
        return u, ln, k + 2

    def _norm_backward(self, du: np.ndarray, ln, grads: List[Optional[np.ndarray]], k: int) -> np.ndarray:
        """Backward of :meth:`_norm`: d loss / d h from ``du`` = d loss / d u; stores the gain and
        bias gradients at ``grads[k]``, ``grads[k + 1]``."""
        if not self.norm:
            return du
        dh, grads[k], grads[k + 1] = layer_norm_backward(du, ln)
        return dh

    def forward(self, X: np.ndarray) -> np.ndarray:
        P = self.params
        X = np.asarray(X, dtype=self.dtype)
        h = X @ P[0] + P[1]
        starts, last = self._blocks()
        caches = []
        for k in starts:
            u, ln, k = self._norm(h, k)
            z = u @ P[k] + P[k + 1]
            a = self.f(z)
            h = h + a @ P[k + 2] + P[k + 3]
            caches.append((u, ln, z, a))
        u, ln, last = self._norm(h, last)
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
        dh = self._norm_backward(dout @ P[o].T, ln, grads, last)
        self.dh = [None] * self.depth
        for l in reversed(range(self.depth)):
            k = starts[l]
            ub, lnb, z, a = caches[l]
            self.dh[l] = dh
            w = k + 2 if self.norm else k
            grads[w + 2], grads[w + 3] = a.T @ dh, dh.sum(0)
            dz = (dh @ P[w + 2].T) * self.df(z)
            grads[w], grads[w + 1] = ub.T @ dz, dz.sum(0)
            dh = dh + self._norm_backward(dz @ P[w].T, lnb, grads, k)
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
