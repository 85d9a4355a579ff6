"""An LSTM cell and how long its forget gate keeps the cell state.
"""

from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

import pyactx

from .activations import SEED, init_std


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
