"""Optimisers (they update the parameter arrays in place) and the learning-rate schedule.
"""

from __future__ import annotations

import math

import numpy as np


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
            adam_update_(p, g, m, v, self.lr / c1, self.beta1, self.beta2, c2, self.eps)


def adam_update_(p, g, m, v, step: float, beta1: float, beta2: float, c2: float, eps: float):
    """One Adam update in place: the moments ``m``, ``v`` take in the gradient ``g``, then
    ``p -= step * m / (sqrt(v / c2) + eps)`` with ``step = lr / (1 - beta1^t)`` and
    ``c2 = 1 - beta2^t`` (the bias corrections).  Shared with :class:`pyactx.lab.transformer.Adam`."""
    m *= beta1
    m += (1.0 - beta1) * g
    v *= beta2
    v += (1.0 - beta2) * (g * g)
    p -= step * m / (np.sqrt(v / c2) + eps)


def make_optimizer(name: str, **kw):
    return {"sgd": SGD, "adam": Adam}[name](**kw)


def cosine_lr(step: int, total: int, warmup: int = 0) -> float:
    """Learning-rate factor: linear warm-up over ``warmup`` steps, then cosine decay from 1 to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
