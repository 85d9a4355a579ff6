"""The activations of the registry as the lab uses them: ``(f, f')`` pairs with their
parameters bound, the list of names, a domain to draw each on, the weight initialisation
that suits each, and a table of their properties.  Also the lab's defaults :data:`SEED`
and :data:`CORE`.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

import pyactx


SEED = 0

#: The activations the comparisons in the notebooks focus on.
CORE = ("sigmoid", "tanh", "relu", "gelu", "silu")


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
