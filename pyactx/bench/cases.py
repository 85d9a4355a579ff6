"""What the benchmark times and on which arrays: the functions of the registry
(``Func``), the contenders' names, and ``Ctx``, the inputs and outputs of one
(dtype, size) that every contender shares."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

PEERS = ("numpy", "scipy", "torch", "numexpr", "jax")
FLOOR = "floor"
ROW = 1000            # row length of the softmax family (a row per 1000 elements)
JAC_ROW = 16          # row length for softmax_jacobian, whose output is n times larger
JAC_MAX_SIZE = 1_000_000
SOFTMAX_2D = "softmax_2d"   # the float32 (1000, 1000) axis=1 case


@dataclass
class Func:
    name: str          # e.g. "sigmoid", "sigmoid_grad", "glu_grad", "softmax"
    base: str          # registry name ("sigmoid" for sigmoid_grad)
    group: str         # "activation" | "activation_grad" | "binary" | "binary_grad" | "family"
    params: dict = field(default_factory=dict)


def all_funcs(pyactx) -> List[Func]:
    out = []
    for name, info in pyactx.ACTIVATIONS.items():
        out.append(Func(name, name, "activation", dict(info.params)))
        out.append(Func(name + "_grad", name, "activation_grad", dict(info.params)))
    for name in pyactx.BINARY:
        out.append(Func(name, name, "binary"))
        out.append(Func(name + "_grad", name, "binary_grad"))
    for name in pyactx.SOFTMAX_FAMILY:
        out.append(Func(name, name, "family"))
    return out


def select_funcs(funcs: List[Func], names: Optional[List[str]]) -> List[Func]:
    if not names:
        return funcs
    known = {f.name for f in funcs} | {f.base for f in funcs} | {SOFTMAX_2D}
    bad = [n for n in names if n not in known]
    if bad:
        raise SystemExit(f"unknown function(s) {bad}; known: {sorted(known)}")
    return [f for f in funcs if f.name in names or f.base in names]


class Ctx:
    """Inputs, outputs and temporaries for one (dtype, size), allocated once
    and touched before any timing, with torch views and JAX copies made on
    demand."""

    def __init__(self, dtype, n, libs, seed=12345):
        self.dtype, self.n, self.libs = np.dtype(dtype), n, libs
        rng = np.random.default_rng(seed)
        dt = self.dtype
        self.x = (rng.standard_normal(n) * 3).astype(dt)
        self.p = rng.uniform(0.001, 0.999, n).astype(dt)             # logit's domain
        self.AB = (rng.standard_normal((2, n)) * 3).astype(dt)        # gate inputs a, b
        self.a, self.b = self.AB[0], self.AB[1]
        self.t = rng.uniform(0.0, 1.0, n).astype(dt)                  # BCE targets
        self.gv = rng.standard_normal(n).astype(dt)                   # vjp cotangent
        self.YY = np.ones((2, n), dt)            # ones, not zeros: pages touched now
        self.y, self.y2 = self.YY[0], self.YY[1]
        self.ones = np.ones(n, dt)
        self._tmp: List[np.ndarray] = []
        # softmax family: rows of ROW elements
        self.row = min(ROW, n)
        self.R = n // self.row
        self.X = self.x[: self.R * self.row].reshape(self.R, self.row)
        self.G = self.gv[: self.R * self.row].reshape(self.R, self.row)
        self.Y = self.y[: self.R * self.row].reshape(self.R, self.row)
        self.Y2 = self.y2[: self.R * self.row].reshape(self.R, self.row)
        self.lab = rng.integers(0, self.row, self.R).astype(np.int64)
        self.s = np.ones(self.R, dt)
        self.rows_ar = np.arange(self.R)
        self._jac = None
        self._t = None
        self._j = None

    def tmp(self, i):
        while len(self._tmp) <= i:
            self._tmp.append(np.ones(self.n, self.dtype))
        return self._tmp[i]

    def jac(self):
        """(x16, y16, J) for softmax_jacobian: rows of JAC_ROW."""
        if self._jac is None:
            r = self.n // JAC_ROW
            x16 = self.x[: r * JAC_ROW].reshape(r, JAC_ROW)
            y16 = self.y[: r * JAC_ROW].reshape(r, JAC_ROW)
            J = np.ones((r, JAC_ROW, JAC_ROW), self.dtype)
            self._jac = (x16, y16, J, np.eye(JAC_ROW, dtype=self.dtype))
        return self._jac

    @property
    def T(self):
        """torch.from_numpy views of the same memory."""
        if self._t is None:
            torch = self.libs.torch
            fn = torch.from_numpy
            ns = type("T", (), {})()
            for k in ("x", "p", "AB", "a", "b", "t", "gv", "YY", "y", "y2", "ones",
                      "X", "G", "Y", "Y2", "lab", "s"):
                setattr(ns, k, fn(getattr(self, k)))
            ns.rows_ar = fn(self.rows_ar)
            ns.ones1 = ns.ones.view(1, self.n)
            ns.y1 = ns.y.view(1, self.n)
            ns.dtype = torch.float32 if self.dtype == np.float32 else torch.float64
            self._t = ns
        return self._t

    @property
    def J(self):
        """JAX device copies."""
        if self._j is None:
            jnp = self.libs.jnp
            ns = type("J", (), {})()
            for k in ("x", "p", "AB", "a", "b", "t", "X", "G", "lab"):
                setattr(ns, k, self.libs.jax.device_put(jnp.asarray(getattr(self, k))))
            self._j = ns
        return self._j


def _size_label(n):
    e = int(round(math.log10(n))) if n > 0 else 0
    return f"1e{e}" if 10 ** e == n else str(n)
