"""Gradient flow through a deep stack: per-layer gradient and activation statistics of one
forward/backward pass (:func:`gradient_probe`) and their tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .activations import SEED
from .models import MLP
from .text import format_table
from .training import blas_threads, loss_and_grads


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
