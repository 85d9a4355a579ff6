"""A tiny decoder-only character-level transformer in NumPy, with a hand-written backward pass.

This module is teaching code behind ``notebooks/08_transformer.ipynb``; ``import pyactx`` does
not import it.  The model is the GPT recipe at toy size:

* token embeddings + learned position embeddings,
* ``n_layers`` pre-LayerNorm blocks, each ``x = x + Attn(LN(x))`` then ``x = x + FFN(LN(x))``,
  with causal multi-head self-attention (its softmax and softmax VJP are pyactx's gufuncs),
* an FFN ``act(LN(x) @ W1 + b1) @ W2 + b2`` whose activation is any registry activation
  (``pyactx.ACTIVATIONS``: forward and gradient ufuncs) or a gated unit ``glu``, ``swiglu``,
  ``geglu`` (``u = LN(x) @ W1 + b1`` is split into halves ``a, b`` and the FFN applies
  ``pyactx.<gate>(a, b)``: ``a * sigmoid(b)``, ``silu(a) * b``, ``gelu(a) * b``),
* a final LayerNorm and a linear output head, trained either with softmax cross-entropy
  (``pyactx.ufuncs.cross_entropy`` and ``cross_entropy_grad``, class indices) or with one
  sigmoid per vocabulary entry (one-vs-rest ``pyactx.binary_cross_entropy``, summed over the
  vocabulary, averaged over positions).

Gated FFNs have three weight matrices' worth of parameters for a hidden width ``h``
(``W1`` is ``d x 2h``), so, as in Shazeer (2020), "GLU Variants Improve Transformer", their
hidden width is 2/3 of the plain FFN's: the parameter counts match (up to the biases).

Parameters live in an ordered ``dict`` name -> array; :meth:`CharTransformer.loss_and_grads`
returns the gradients under the same names, :class:`Adam` updates the dict in place, and
:func:`gradient_check` compares every tensor's gradient with central differences.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

import pyactx
from pyactx import ufuncs as _uf

from .activations import activation_pair
from .data import CHAR_VOCAB, char_ids
from .gradcheck import numerical_gradient
from .optim import adam_update_

#: The gated FFN units: name -> (gate, gate_grad); gate(a, b), gate_grad(a, b) -> (da, db).
GATES = {
    "glu": (pyactx.glu, pyactx.glu_grad),
    "swiglu": (pyactx.swiglu, pyactx.swiglu_grad),
    "geglu": (pyactx.geglu, pyactx.geglu_grad),
}

HEADS = ("softmax", "sigmoid")


def is_gated(activation: str) -> bool:
    return activation in GATES


@dataclass(frozen=True)
class Config:
    """Shape of a :class:`CharTransformer`.

    ``d_ff`` is the hidden width of a plain (ungated) FFN, ``4 * d_model`` by default; a gated
    FFN uses ``round(2/3 * d_ff)`` so that its parameter count matches.
    """

    vocab: int
    d_model: int = 48
    n_heads: int = 4
    n_layers: int = 2
    context: int = 32
    activation: str = "gelu"
    d_ff: Optional[int] = None
    head: str = "softmax"

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} is not a multiple of n_heads={self.n_heads}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, not {self.head!r}")
        if not is_gated(self.activation) and self.activation not in pyactx.ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}: a registry name or one of {sorted(GATES)}")

    @property
    def hidden(self) -> int:
        """The FFN's hidden width (after the gate, for a gated FFN)."""
        h = self.d_ff or 4 * self.d_model
        return int(round(2 * h / 3)) if is_gated(self.activation) else h


def _layer_norm(x, g, b, eps):
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
    xh = xc * rstd
    return xh * g + b, (xh, rstd)


def _layer_norm_backward(dy, g, cache):
    xh, rstd = cache
    dg = (dy * xh).sum(axis=0)
    db = dy.sum(axis=0)
    d = dy * g
    dx = rstd * (d - d.mean(axis=-1, keepdims=True) - xh * (d * xh).mean(axis=-1, keepdims=True))
    return dx, dg, db


class CharTransformer:
    """Decoder-only transformer over token ids; see the module docstring.

    ``params`` is an ordered dict of arrays of ``dtype``.  Initialisation: embeddings
    N(0, 0.02^2); every weight matrix N(0, 1/fan_in), the two matrices that write into the
    residual stream (attention output and FFN output) further scaled by 1/sqrt(2 n_layers)
    (as GPT-2); biases 0, LayerNorm gains 1.
    """

    def __init__(self, cfg: Config, seed: int = 0, dtype=np.float32):
        self.cfg = cfg
        self.dtype = np.dtype(dtype)
        self.eps = np.asarray(1e-5, dtype=self.dtype)
        rng = np.random.default_rng(seed)
        D, V, T, H, L = cfg.d_model, cfg.vocab, cfg.context, cfg.hidden, cfg.n_layers
        H_in = 2 * H if is_gated(cfg.activation) else H
        res = 1.0 / math.sqrt(2 * L)

        def normal(shape, std):
            return (rng.standard_normal(shape) * std).astype(self.dtype)

        p: Dict[str, np.ndarray] = {"wte": normal((V, D), 0.02), "wpe": normal((T, D), 0.02)}
        for i in range(L):
            p[f"h{i}.ln1.g"] = np.ones(D, self.dtype)
            p[f"h{i}.ln1.b"] = np.zeros(D, self.dtype)
            p[f"h{i}.attn.wqkv"] = normal((D, 3 * D), 1 / math.sqrt(D))
            p[f"h{i}.attn.bqkv"] = np.zeros(3 * D, self.dtype)
            p[f"h{i}.attn.wo"] = normal((D, D), res / math.sqrt(D))
            p[f"h{i}.attn.bo"] = np.zeros(D, self.dtype)
            p[f"h{i}.ln2.g"] = np.ones(D, self.dtype)
            p[f"h{i}.ln2.b"] = np.zeros(D, self.dtype)
            p[f"h{i}.ffn.w1"] = normal((D, H_in), 1 / math.sqrt(D))
            p[f"h{i}.ffn.b1"] = np.zeros(H_in, self.dtype)
            p[f"h{i}.ffn.w2"] = normal((H, D), res / math.sqrt(H))
            p[f"h{i}.ffn.b2"] = np.zeros(D, self.dtype)
        p["lnf.g"] = np.ones(D, self.dtype)
        p["lnf.b"] = np.zeros(D, self.dtype)
        p["head.w"] = normal((D, V), 1 / math.sqrt(D))
        p["head.b"] = np.zeros(V, self.dtype)
        self.params = p
        if is_gated(cfg.activation):
            self._gate, self._gate_grad = GATES[cfg.activation]
        else:
            self._f, self._df = activation_pair(cfg.activation)   # parameters at their defaults
        mask = np.triu(np.ones((T, T), dtype=bool), k=1)
        self._mask = np.where(mask, -np.inf, 0.0).astype(self.dtype)

    # -- sizes ---------------------------------------------------------------
    def n_params(self, part: Optional[str] = None) -> int:
        """Number of parameters, all of them or those whose name contains ``part`` (e.g. 'ffn')."""
        return int(sum(a.size for k, a in self.params.items() if part is None or part in k))

    # -- forward -------------------------------------------------------------
    def _attention(self, i, h, B, T):
        p, D, nh = self.params, self.cfg.d_model, self.cfg.n_heads
        hd = D // nh
        qkv = h @ p[f"h{i}.attn.wqkv"] + p[f"h{i}.attn.bqkv"]                 # (B*T, 3D)
        q, k, v = qkv.reshape(B, T, 3, nh, hd).transpose(2, 0, 3, 1, 4)        # (B, nh, T, hd)
        scale = np.asarray(1.0 / math.sqrt(hd), dtype=self.dtype)
        s = (q @ k.swapaxes(-1, -2)) * scale + self._mask[:T, :T]             # (B, nh, T, T)
        a = _uf.softmax(s)
        y = (a @ v).transpose(0, 2, 1, 3).reshape(B * T, D)
        out = y @ p[f"h{i}.attn.wo"] + p[f"h{i}.attn.bo"]
        return out, (h, q, k, v, s, a, y, scale)

    def _attention_backward(self, i, dout, cache, B, T, g):
        p, D, nh = self.params, self.cfg.d_model, self.cfg.n_heads
        hd = D // nh
        h, q, k, v, s, a, y, scale = cache
        g[f"h{i}.attn.wo"] = y.T @ dout
        g[f"h{i}.attn.bo"] = dout.sum(axis=0)
        dy = (dout @ p[f"h{i}.attn.wo"].T).reshape(B, T, nh, hd).transpose(0, 2, 1, 3)
        da = dy @ v.swapaxes(-1, -2)
        dv = a.swapaxes(-1, -2) @ dy
        ds = _uf.softmax_vjp(s, da) * scale
        dq = ds @ k
        dk = ds.swapaxes(-1, -2) @ q
        dqkv = np.stack([dq, dk, dv]).transpose(1, 3, 0, 2, 4).reshape(B * T, 3 * D)
        g[f"h{i}.attn.wqkv"] = h.T @ dqkv
        g[f"h{i}.attn.bqkv"] = dqkv.sum(axis=0)
        return dqkv @ p[f"h{i}.attn.wqkv"].T

    def _ffn(self, i, h):
        p = self.params
        u = h @ p[f"h{i}.ffn.w1"] + p[f"h{i}.ffn.b1"]
        if is_gated(self.cfg.activation):
            H = self.cfg.hidden
            z = self._gate(u[:, :H], u[:, H:])
        else:
            z = self._f(u)
        return z @ p[f"h{i}.ffn.w2"] + p[f"h{i}.ffn.b2"], (h, u, z)

    def _ffn_backward(self, i, dout, cache, g):
        p = self.params
        h, u, z = cache
        g[f"h{i}.ffn.w2"] = z.T @ dout
        g[f"h{i}.ffn.b2"] = dout.sum(axis=0)
        dz = dout @ p[f"h{i}.ffn.w2"].T
        if is_gated(self.cfg.activation):
            H = self.cfg.hidden
            ga, gb = self._gate_grad(u[:, :H], u[:, H:])
            du = np.concatenate([dz * ga, dz * gb], axis=1)
        else:
            du = dz * self._df(u)
        g[f"h{i}.ffn.w1"] = h.T @ du
        g[f"h{i}.ffn.b1"] = du.sum(axis=0)
        return du @ p[f"h{i}.ffn.w1"].T

    def _forward(self, idx):
        idx = np.asarray(idx)
        B, T = idx.shape
        if T > self.cfg.context:
            raise ValueError(f"sequence length {T} exceeds the context {self.cfg.context}")
        p, D = self.params, self.cfg.d_model
        x = (p["wte"][idx] + p["wpe"][:T]).reshape(B * T, D)
        caches = []
        for i in range(self.cfg.n_layers):
            h, c1 = _layer_norm(x, p[f"h{i}.ln1.g"], p[f"h{i}.ln1.b"], self.eps)
            o, ca = self._attention(i, h, B, T)
            x = x + o
            h, c2 = _layer_norm(x, p[f"h{i}.ln2.g"], p[f"h{i}.ln2.b"], self.eps)
            o, cf = self._ffn(i, h)
            x = x + o
            caches.append((c1, ca, c2, cf))
        hf, cn = _layer_norm(x, p["lnf.g"], p["lnf.b"], self.eps)
        logits = hf @ p["head.w"] + p["head.b"]                                # (B*T, V)
        return logits, (idx, caches, hf, cn)

    def logits(self, idx) -> np.ndarray:
        """Logits of shape (B, T, vocab) for token ids ``idx`` of shape (B, T)."""
        lg, _ = self._forward(idx)
        return lg.reshape(*np.shape(idx), self.cfg.vocab)

    def probabilities(self, idx) -> np.ndarray:
        """Next-token distributions (B, T, vocab): softmax of the logits, or, for the sigmoid
        head, the per-token sigmoids normalised by their sum."""
        lg = self.logits(idx)
        if self.cfg.head == "softmax":
            return _uf.softmax(lg)
        s = pyactx.sigmoid(lg)
        return s / s.sum(axis=-1, keepdims=True)

    # -- loss ----------------------------------------------------------------
    def _head_loss(self, logits, targets, grad):
        n = logits.shape[0]
        if self.cfg.head == "softmax":
            loss = float(np.mean(_uf.cross_entropy(logits, targets), dtype=np.float64))
            d = _uf.cross_entropy_grad(logits, targets) / np.asarray(n, self.dtype) if grad else None
        else:
            onehot = np.zeros_like(logits)
            onehot[np.arange(n), targets] = 1
            loss = float(np.sum(pyactx.binary_cross_entropy(logits, onehot), dtype=np.float64) / n)
            d = pyactx.binary_cross_entropy_grad(logits, onehot) / np.asarray(n, self.dtype) if grad else None
        return loss, d

    def loss(self, idx, targets) -> float:
        """Mean training loss per position (nats): cross-entropy, or for the sigmoid head the
        binary cross-entropy summed over the vocabulary."""
        logits, _ = self._forward(idx)
        return self._head_loss(logits, np.asarray(targets).reshape(-1).astype(np.intp), False)[0]

    def loss_and_grads(self, idx, targets) -> Tuple[float, Dict[str, np.ndarray]]:
        """The loss of :meth:`loss` and its gradient for every tensor of ``params``."""
        logits, (idx, caches, hf, cn) = self._forward(idx)
        B, T = idx.shape
        p, g = self.params, {}
        loss, dlogits = self._head_loss(logits, np.asarray(targets).reshape(-1).astype(np.intp), True)
        g["head.w"] = hf.T @ dlogits
        g["head.b"] = dlogits.sum(axis=0)
        dx, g["lnf.g"], g["lnf.b"] = _layer_norm_backward(dlogits @ p["head.w"].T, p["lnf.g"], cn)
        for i in reversed(range(self.cfg.n_layers)):
            c1, ca, c2, cf = caches[i]
            dh = self._ffn_backward(i, dx, cf, g)
            dres, g[f"h{i}.ln2.g"], g[f"h{i}.ln2.b"] = _layer_norm_backward(dh, p[f"h{i}.ln2.g"], c2)
            dx = dx + dres
            dh = self._attention_backward(i, dx, ca, B, T, g)
            dres, g[f"h{i}.ln1.g"], g[f"h{i}.ln1.b"] = _layer_norm_backward(dh, p[f"h{i}.ln1.g"], c1)
            dx = dx + dres
        dx = dx.reshape(B, T, -1)
        g["wpe"] = np.zeros_like(p["wpe"])
        g["wpe"][:T] = dx.sum(axis=0)
        # embedding gradient as a (V x B*T) one-hot matrix product: faster than np.add.at here
        onehot = np.zeros((self.cfg.vocab, B * T), dtype=self.dtype)
        onehot[idx.reshape(-1), np.arange(B * T)] = 1
        g["wte"] = onehot @ dx.reshape(B * T, -1)
        return loss, {k: g[k] for k in p}

    # -- sampling ------------------------------------------------------------
    def generate(self, prompt: Sequence[int], n: int, seed: int = 0, temperature: float = 1.0) -> List[int]:
        """Sample ``n`` further token ids after ``prompt`` (at least one id)."""
        rng = np.random.default_rng(seed)
        ids = list(prompt)
        for _ in range(n):
            window = np.asarray(ids[-self.cfg.context:])[None, :]
            lg = self.logits(window)[0, -1].astype(np.float64)
            if self.cfg.head == "softmax":
                pr = _uf.softmax(lg / temperature)
            else:
                s = pyactx.sigmoid(lg / temperature)
                pr = s / s.sum()
            ids.append(int(rng.choice(len(pr), p=pr / pr.sum())))
        return ids


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction over a dict of parameters, and an
    optional clip of the global gradient norm."""

    def __init__(self, params: Dict[str, np.ndarray], lr: float = 1e-3, beta1: float = 0.9,
                 beta2: float = 0.99, eps: float = 1e-8, clip: Optional[float] = 1.0):
        self.params, self.lr, self.beta1, self.beta2, self.eps, self.clip = params, lr, beta1, beta2, eps, clip
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: Dict[str, np.ndarray]) -> float:
        """Update the parameters in place; returns the gradient norm before clipping."""
        norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
        scale = self.clip / norm if self.clip and norm > self.clip else 1.0
        self.t += 1
        step = self.lr / (1.0 - self.beta1 ** self.t)
        c2 = 1.0 - self.beta2 ** self.t
        for k, p in self.params.items():
            g = grads[k] * scale if scale != 1.0 else grads[k]
            adam_update_(p, g, self.m[k], self.v[k], step, self.beta1, self.beta2, c2, self.eps)
        return norm


# ---------------------------------------------------------------------------
# Gradient check
# ---------------------------------------------------------------------------

def gradient_check(model: CharTransformer, idx, targets, h: float = 1e-6) -> Dict[str, float]:
    """Relative error ``|num - ana| / max(|num|, |ana|)`` (Euclidean norms over the tensor) of
    every parameter tensor's gradient against central differences ``(L(p+h) - L(p-h)) / 2h``
    taken element by element.  Use a float64 model."""
    _, ana = model.loss_and_grads(idx, targets)
    out = {}
    for name, p in model.params.items():
        num = numerical_gradient(lambda: model.loss(idx, targets), [p], h)[0].astype(p.dtype)
        denom = max(np.linalg.norm(num), np.linalg.norm(ana[name]), 1e-300)
        out[name] = float(np.linalg.norm(num - ana[name]) / denom)
    return out


# ---------------------------------------------------------------------------
# Data: the pydoc character corpus, split into train / validation / test text
# ---------------------------------------------------------------------------

@dataclass
class CharData:
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    vocab: str

    @property
    def n_vocab(self) -> int:
        return len(self.vocab)

    def decode(self, ids) -> str:
        return "".join(self.vocab[i] for i in ids)

    def encode(self, text: str) -> List[int]:
        return [self.vocab.index(c) if c in self.vocab else len(self.vocab) - 1 for c in text]

    def batches(self, context: int, batch: int, seed: int):
        """Endless random training windows (x, y), y the next characters; the order depends
        only on ``seed`` (so runs with the same seed see the same batches)."""
        rng = np.random.default_rng([seed, 7])
        offs = np.arange(context + 1)
        while True:
            starts = rng.integers(0, len(self.train) - context - 1, size=batch)
            w = self.train[starts[:, None] + offs]
            yield w[:, :-1], w[:, 1:]

    def windows(self, split: str, context: int, n: int) -> Tuple[np.ndarray, np.ndarray]:
        """``n`` fixed windows (x, y) spread evenly over the validation or test text."""
        ids = getattr(self, split)
        starts = np.linspace(0, len(ids) - context - 1, n).astype(np.int64)
        w = ids[starts[:, None] + np.arange(context + 1)]
        return w[:, :-1], w[:, 1:]


def char_data(block: int = 1000, every: int = 10) -> CharData:
    """:func:`pyactx.lab.char_corpus` as token ids, cut into blocks of ``block`` characters:
    of every ``every`` consecutive blocks, the second-to-last is validation text, the last
    test text and the others training text (so all three cover the same topics)."""
    ids, vocab = char_ids(), CHAR_VOCAB
    nb = len(ids) // block
    blocks = ids[: nb * block].reshape(nb, block)
    j = np.arange(nb) % every
    return CharData(blocks[j < every - 2].ravel(), blocks[j == every - 2].ravel(),
                    blocks[j == every - 1].ravel(), vocab)


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------

def evaluate(model: CharTransformer, x, y, batch: int = 128) -> Dict[str, float]:
    """On windows (x, y): ``nll``, the mean negative log-likelihood (nats per character) of
    the model's normalised prediction (:meth:`CharTransformer.probabilities`), ``ppl`` =
    exp(nll), and for the sigmoid head ``sum_dev``, the mean |sum of the sigmoids - 1|."""
    nll, dev, n = 0.0, 0.0, 0
    for s in range(0, len(x), batch):
        xb, yb = x[s:s + batch], y[s:s + batch]
        lg = model.logits(xb).reshape(-1, model.cfg.vocab)
        t = yb.reshape(-1).astype(np.intp)
        if model.cfg.head == "softmax":
            nll += float(np.sum(_uf.cross_entropy(lg, t), dtype=np.float64))
        else:
            sig = pyactx.sigmoid(lg.astype(np.float64))
            tot = sig.sum(axis=-1)
            nll += float(np.sum(np.log(tot) - np.log(sig[np.arange(len(t)), t])))
            dev += float(np.sum(np.abs(tot - 1.0)))
        n += t.size
    out = {"nll": nll / n, "ppl": math.exp(nll / n)}
    if model.cfg.head == "sigmoid":
        out["sum_dev"] = dev / n
    return out


@dataclass
class Run:
    """One training run: configuration, learning rate, seed, curves and final numbers."""

    cfg: Config
    lr: float
    seed: int
    steps: List[int]
    val_nll: List[float]
    train_loss: List[float]
    sum_dev: List[float]
    tokens_per_s: float
    n_params: int
    model: Optional[CharTransformer] = None

    @property
    def final_val(self) -> float:
        return self.val_nll[-1]


def train(cfg: Config, data: CharData, *, lr: float, steps: int = 300, batch: int = 16, seed: int = 0,
          eval_every: int = 50, n_val: int = 64, clip: Optional[float] = 1.0, warmup: int = 20,
          dtype=np.float32, keep_model: bool = False) -> Run:
    """Train with Adam (linear warm-up over ``warmup`` steps, then constant ``lr``) on random
    windows of the training text; evaluate on ``n_val`` fixed validation windows at step 0,
    every ``eval_every`` steps and at the end.  ``seed`` sets both the initial weights and
    the batch order.  ``tokens_per_s`` counts training steps only (evaluations excluded)."""
    model = CharTransformer(cfg, seed=seed, dtype=dtype)
    opt = Adam(model.params, lr=lr, clip=clip)
    xv, yv = data.windows("val", cfg.context, n_val)
    it = data.batches(cfg.context, batch, seed)
    steps_log, val_log, train_log, dev_log = [], [], [], []
    run_loss, seen, t_train = 0.0, 0, 0.0

    def record(step):
        ev = evaluate(model, xv, yv)
        steps_log.append(step)
        val_log.append(ev["nll"])
        dev_log.append(ev.get("sum_dev", float("nan")))
        train_log.append(run_loss / seen if seen else float("nan"))

    record(0)
    for step in range(1, steps + 1):
        x, y = next(it)
        t0 = time.perf_counter()
        opt.lr = lr * min(1.0, step / warmup) if warmup else lr
        loss, grads = model.loss_and_grads(x, y)
        opt.step(grads)
        t_train += time.perf_counter() - t0
        run_loss += loss
        seen += 1
        if not math.isfinite(loss):  # diverged: record it and stop
            steps_log.append(step)
            val_log.append(float("nan"))
            train_log.append(float("nan"))
            dev_log.append(float("nan"))
            break
        if step % eval_every == 0 or step == steps:
            record(step)
            run_loss, seen = 0.0, 0
    return Run(cfg, lr, seed, steps_log, val_log, train_log, dev_log,
               tokens_per_s=batch * cfg.context * step / t_train, n_params=model.n_params(),
               model=model if keep_model else None)
