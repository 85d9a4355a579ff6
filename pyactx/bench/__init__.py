"""python -m pyactx bench -- pyactx side by side with its peers, in one process.

Every function and derivative of the registry (``pyactx.ACTIVATIONS`` at the
default parameter, the gates and binary_cross_entropy of ``pyactx.BINARY``,
the softmax family of ``pyactx.SOFTMAX_FAMILY``) is timed on the same arrays,
with preallocated outputs, next to

  numpy    the composite a user writes by hand with NumPy ufuncs and ``out=``
           (``1/(1+np.exp(-x))``, ...; GELU needs an erf, taken from
           scipy.special because NumPy has none)
  scipy    scipy.special where it has the function or its building block
           (expit, log_expit, erfc/ndtr-based GELU, logit, softmax,
           log_softmax, logsumexp)
  torch    PyTorch CPU: the functional form's ATen kernel through its ``out=``
           overload, derivatives through ``torch.ops.aten.*_backward``
  numexpr  the same expression as a numexpr string, where it can be written
  jax      the jax.nn function, ``jax.jit``-compiled, ``block_until_ready``
  floor    ``np.negative(x, out=y)``: what any unary ufunc pays to read and
           write memory (the bandwidth floor)

Each peer that is not installed is skipped with a note.  The exact mapping
used for every function is in ``--list`` and in the JSON (``mappings``).

Timing: same arrays and preallocated outputs for everyone, one warm-up call
(JAX compiles there), then the median of at least --repeats samples, more
while they fit in --budget seconds; fast calls are looped inside a sample.
The CPU time of each sample is recorded too (``ns_per_el_cpu``): on a shared,
busy machine it is the steadier number for one thread.  A full run takes
about 8-10 minutes on a 2-core machine with the current build.

Output: a table on stdout, and ``bench-<tag>.json``, ``bench-<tag>.txt`` and
``bench-<tag>.png`` (speed-up vs size) in ``--out``.  Numbers are ns per
element (median of repeats after a warm-up); ``speed-up = peer ns / pyactx
ns``, so a value below 1 means the peer is faster.

Options
  --quick               sigmoid, gelu, silu, softmax (with grads), sizes 1e3,
                        1e5, 1e6: under a minute
  --funcs a,b           only these (``sigmoid`` selects sigmoid and
                        sigmoid_grad; ``sigmoid_grad`` only the derivative;
                        ``softmax_2d`` the float32 1000x1000 axis=1 case)
  --sizes 1e3,1e6       element counts (default 1e3,1e5,1e6,1e7)
  --dtypes float32      (default float32,float64)
  --threads 1,all       thread settings (default both)
  --peers numpy,torch   peers to run (default all)
  --budget S            seconds of timing per (function, case, implementation)
                        (default 0.04; at least --repeats calls are timed)
  --repeats N           minimum timed repeats (default 3)
  --slow-cap S          calls so slow that N of them pass S seconds get fewer
                        samples, never fewer than 2 (default 0.5)
  --max-call S          do not time an implementation at a size where one
                        call, scaled from the previous size, would pass S
                        seconds; reported as too_slow (default 5)
  --check-max N         compare each peer's result with pyactx's (a guard
                        against a wrong mapping) up to this size (1e5)
  --out DIR             where to write the files (default ./pyactx-bench)
  --tag NAME            file name tag (default full / quick / custom)
  --no-plot             do not write the PNG
  --keep-openblas-env   do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
  --list                print the mapping of every function to each peer

Threads: ``1`` sets torch.set_num_threads(1) and numexpr.set_num_threads(1);
``all`` sets both to every core this process may run on.  pyactx is set via
``pyactx.set_num_threads`` where that exists, and otherwise runs
single-threaded in both settings (noted).  NumPy, SciPy and np.negative are
single-threaded, so the ``all`` setting reuses their ``1`` numbers.  XLA's CPU
thread pool cannot be changed once JAX is loaded: JAX is started
single-threaded (XLA_FLAGS, unless XLA_FLAGS is already set) and its numbers
are reused for ``all`` (noted).

Environment: OpenBLAS builds are told OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE on
some machines here, which slows a current NumPy; unless --keep-openblas-env is
given, the benchmark re-executes itself once with both unset, for its own
process only, and records the original values in the JSON.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from .timing import measure

SCHEMA = "pyactx-bench/1"
PEERS = ("numpy", "scipy", "torch", "numexpr", "jax")
FLOOR = "floor"
DEFAULT_SIZES = (1_000, 100_000, 1_000_000, 10_000_000)
QUICK_FUNCS = ("sigmoid", "gelu", "silu", "softmax")
QUICK_SIZES = (1_000, 100_000, 1_000_000)
ROW = 1000            # row length of the softmax family (a row per 1000 elements)
JAC_ROW = 16          # row length for softmax_jacobian, whose output is n times larger
JAC_MAX_SIZE = 1_000_000
SOFTMAX_2D = "softmax_2d"   # the float32 (1000, 1000) axis=1 case
_CHILD_ENV = "_PYACTX_BENCH_CHILD"
_OPENBLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

SQRT1_2 = 0.70710678118654752440
INV_SQRT_2PI = 0.39894228040143267794
S2PI = 0.79788456080286535588        # sqrt(2/pi)
GELU_C = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# ---------------------------------------------------------------------------
# What is benchmarked
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Peers (imported lazily; each missing one is a note, not an error)
# ---------------------------------------------------------------------------

class Libs:
    def __init__(self, wanted):
        self.notes: List[str] = []
        self.info: Dict[str, dict] = {}
        self.scipy_special = self.torch = self.F = self.A = self.ne = self.jax = self.jnp = None
        if "scipy" in wanted or "numpy" in wanted:
            try:
                import scipy
                import scipy.special as sp
                self.scipy_special = sp
                self.info["scipy"] = {"version": scipy.__version__}
            except ImportError:
                self.notes.append("scipy not installed: scipy peer and the erf-based NumPy "
                                  "GELU composites skipped")
        if "torch" in wanted:
            try:
                import torch
                import torch.nn.functional as F
                self.torch, self.F, self.A = torch, F, torch.ops.aten
                cap = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
                self.info["torch"] = {"version": torch.__version__,
                                      "default_threads": torch.get_num_threads(),
                                      "cpu_capability": cap() if cap else None}
            except ImportError:
                self.notes.append("torch not installed: torch peer skipped "
                                  "(pip install torch==2.13.0 for the CPU wheel)")
        if "numexpr" in wanted:
            try:
                import numexpr
                self.ne = numexpr
                self.info["numexpr"] = {"version": numexpr.__version__,
                                        "use_vml": bool(getattr(numexpr, "use_vml", False)),
                                        "default_threads": numexpr.get_num_threads()}
            except ImportError:
                self.notes.append("numexpr not installed: numexpr peer skipped")
        if "jax" in wanted:
            set_flags = "jax" not in sys.modules and "XLA_FLAGS" not in os.environ
            if set_flags:     # read once, when XLA's CPU client starts (jax.devices() below)
                os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                                           "intra_op_parallelism_threads=1")
            try:
                import jax
                jax.config.update("jax_enable_x64", True)
                jax.config.update("jax_platforms", "cpu")
                import jax.numpy as jnp
                self.jax, self.jnp = jax, jnp
                import jaxlib
                self.info["jax"] = {"version": jax.__version__, "jaxlib": jaxlib.__version__,
                                    "XLA_FLAGS": os.environ.get("XLA_FLAGS"),
                                    "devices": [str(d) for d in jax.devices()]}
            except Exception as e:   # ImportError, or a jaxlib that cannot start
                self.notes.append(f"jax not usable ({type(e).__name__}: {e}): jax peer skipped")
            finally:
                if set_flags:
                    os.environ.pop("XLA_FLAGS", None)
        self.available = {"numpy": True, "scipy": self.scipy_special is not None,
                          "torch": self.torch is not None, "numexpr": self.ne is not None,
                          "jax": self.jax is not None}


# ---------------------------------------------------------------------------
# Per-(dtype, size) data, shared by every function and peer
# ---------------------------------------------------------------------------

class Ctx:
    """Inputs, outputs and temporaries for one (dtype, size), allocated once
    and touched before any timing, with torch views and JAX copies made on
    demand."""

    def __init__(self, dtype, n, libs: Libs, seed=12345):
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


# ---------------------------------------------------------------------------
# The implementations: MAPPINGS[func][peer] = (description, maker); a maker
# takes (ctx, libs, params) and returns a zero-argument callable that runs the
# computation once and returns its result(s).
# ---------------------------------------------------------------------------

MAPPINGS: Dict[str, Dict[str, tuple]] = {}


def impl(func, peer, desc):
    def deco(maker):
        MAPPINGS.setdefault(func, {})[peer] = (desc, maker)
        return maker
    return deco


def _ne(expr, names=("x",), casting="safe", out="y", consts=None):
    """numexpr maker: evaluate `expr` into ctx.<out> with ctx arrays `names`."""
    # numexpr evaluates a float literal in double precision and so would
    # upcast a float32 expression: float literals become typed constants.
    lits = {}

    def _lit(m):
        lits[f"k{len(lits)}_"] = float(m.group(0))
        return f"k{len(lits) - 1}_"
    expr = re.sub(r"(?<![\w.])(\d+\.\d*(?:e[+-]?\d+)?|\d*\.\d+(?:e[+-]?\d+)?)", _lit, expr)

    def maker(c, L, P):
        d = {k: getattr(c, k) for k in names}
        for k, v in list((consts or {}).items()) + list(lits.items()):
            d[k] = c.dtype.type(v)
        y = getattr(c, out)
        ev = L.ne.evaluate

        def f():
            ev(expr, local_dict=d, out=y, casting=casting)
            return y
        return f
    return maker


def _reg_ne(func, expr, **kw):
    impl(func, "numexpr", f'ne.evaluate("{expr}", out=y)')(_ne(expr, **kw))


def _jax(func, desc, build, args=("x",)):
    """JAX maker: build(jax, jnp, params) returns the function to jit."""
    def maker(c, L, P):
        fn = L.jax.jit(build(L.jax, L.jnp, P))
        J = c.J
        vals = [getattr(J, a) for a in args]

        def f():
            r = fn(*vals)
            return L.jax.block_until_ready(r)
        return f
    impl(func, "jax", desc)(maker)


def _jgrad(jax, jnp, f):
    return jax.grad(lambda x: jnp.sum(f(x)))


# ----- sigmoid -------------------------------------------------------------

@impl("sigmoid", "numpy", "1/(1+np.exp(-x)) with out=: np.negative, np.exp, += 1, np.divide")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.negative(x, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)
        return y
    return f


@impl("sigmoid", "scipy", "scipy.special.expit(x, out=y)")
def _(c, L, P):
    x, y, expit = c.x, c.y, L.scipy_special.expit
    return lambda: expit(x, out=y)


@impl("sigmoid", "torch", "torch.sigmoid(x, out=y)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.sigmoid(T.x, out=T.y)


_reg_ne("sigmoid", "1/(1+exp(-x))")
_jax("sigmoid", "jax.nn.sigmoid", lambda jax, jnp, P: jax.nn.sigmoid)


@impl("sigmoid_grad", "numpy", "s = 1/(1+np.exp(-x)) (with out=); s*(1-s)")
def _(c, L, P):
    x, y, t = c.x, c.y, c.tmp(0)

    def f():
        np.negative(x, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)
        np.subtract(1, y, out=t); np.multiply(y, t, out=y)
        return y
    return f


@impl("sigmoid_grad", "scipy", "s = expit(x, out=y); y *= 1 - s")
def _(c, L, P):
    x, y, t, expit = c.x, c.y, c.tmp(0), L.scipy_special.expit

    def f():
        expit(x, out=y); np.subtract(1, y, out=t); np.multiply(y, t, out=y)
        return y
    return f


@impl("sigmoid_grad", "torch",
      "torch.sigmoid(x, out=s); aten.sigmoid_backward(ones, s) (from x: forward + backward kernel)")
def _(c, L, P):
    T, torch, A = c.T, L.torch, L.A

    def f():
        torch.sigmoid(T.x, out=T.y)
        return A.sigmoid_backward.grad_input(T.ones, T.y, grad_input=T.y2)
    return f


_reg_ne("sigmoid_grad", "exp(-x)/(1+exp(-x))**2")
_jax("sigmoid_grad", "jax.grad(sum(jax.nn.sigmoid))", lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.sigmoid))

# ----- log_sigmoid ---------------------------------------------------------


@impl("log_sigmoid", "numpy", "-np.logaddexp(0, -x) with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.negative(x, out=y); np.logaddexp(0, y, out=y); np.negative(y, out=y)
        return y
    return f


@impl("log_sigmoid", "scipy", "scipy.special.log_expit(x, out=y)")
def _(c, L, P):
    x, y, fn = c.x, c.y, L.scipy_special.log_expit
    return lambda: fn(x, out=y)


@impl("log_sigmoid", "torch", "F.logsigmoid's kernel: torch._C._nn.log_sigmoid(x, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.log_sigmoid(T.x, out=T.y)


_reg_ne("log_sigmoid", "where(x<0, x, 0) - log1p(exp(-abs(x)))")
_jax("log_sigmoid", "jax.nn.log_sigmoid", lambda jax, jnp, P: jax.nn.log_sigmoid)


@impl("log_sigmoid_grad", "numpy", "1/(1+np.exp(x)) with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.exp(x, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)
        return y
    return f


@impl("log_sigmoid_grad", "scipy", "expit(-x) with out=")
def _(c, L, P):
    x, y, expit = c.x, c.y, L.scipy_special.expit

    def f():
        np.negative(x, out=y); expit(y, out=y)
        return y
    return f


@impl("log_sigmoid_grad", "torch",
      "torch.sigmoid(-x) with out= (aten.log_sigmoid_backward needs the forward's buffer: "
      "forward + backward would be slower)")
def _(c, L, P):
    T, torch = c.T, L.torch

    def f():
        torch.neg(T.x, out=T.y)
        return torch.sigmoid(T.y, out=T.y)
    return f


_reg_ne("log_sigmoid_grad", "1/(1+exp(x))")
_jax("log_sigmoid_grad", "jax.grad(sum(jax.nn.log_sigmoid))",
     lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.log_sigmoid))

# ----- tanh ----------------------------------------------------------------


@impl("tanh", "numpy", "np.tanh(x, out=y)")
def _(c, L, P):
    x, y = c.x, c.y
    return lambda: np.tanh(x, out=y)


@impl("tanh", "torch", "torch.tanh(x, out=y)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.tanh(T.x, out=T.y)


_reg_ne("tanh", "tanh(x)")
_jax("tanh", "jnp.tanh", lambda jax, jnp, P: jnp.tanh)


@impl("tanh_grad", "numpy", "t = np.tanh(x, out=y); 1 - t*t with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.tanh(x, out=y); np.square(y, out=y); np.subtract(1, y, out=y)
        return y
    return f


@impl("tanh_grad", "torch", "torch.tanh(x, out=t); aten.tanh_backward(ones, t) (from x)")
def _(c, L, P):
    T, torch, A = c.T, L.torch, L.A

    def f():
        torch.tanh(T.x, out=T.y)
        return A.tanh_backward.grad_input(T.ones, T.y, grad_input=T.y2)
    return f


_reg_ne("tanh_grad", "1 - tanh(x)**2")
_jax("tanh_grad", "jax.grad(sum(jnp.tanh))", lambda jax, jnp, P: _jgrad(jax, jnp, jnp.tanh))

# ----- relu, relu6 -----------------------------------------------------------


@impl("relu", "numpy", "np.maximum(x, 0, out=y)")
def _(c, L, P):
    x, y = c.x, c.y
    return lambda: np.maximum(x, 0, out=y)


@impl("relu", "torch", "F.relu's kernel (clamp_min 0): torch.clamp_min(x, 0, out=y)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.clamp_min(T.x, 0, out=T.y)


_reg_ne("relu", "where(x>0, x, 0)")
_jax("relu", "jax.nn.relu", lambda jax, jnp, P: jax.nn.relu)


@impl("relu_grad", "numpy", "np.greater(x, 0, out=y)")
def _(c, L, P):
    x, y = c.x, c.y
    return lambda: np.greater(x, 0, out=y)


@impl("relu_grad", "torch", "aten.threshold_backward(ones, x, 0)")
def _(c, L, P):
    T, A = c.T, c.libs.A
    return lambda: A.threshold_backward.grad_input(T.ones, T.x, 0, grad_input=T.y)


_reg_ne("relu_grad", "where(x>0, one, zero)", consts={"one": 1, "zero": 0})
_jax("relu_grad", "jax.grad(sum(jax.nn.relu))", lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.relu))


@impl("relu6", "numpy", "np.clip(x, 0, 6, out=y)")
def _(c, L, P):
    x, y = c.x, c.y
    return lambda: np.clip(x, 0, 6, out=y)


@impl("relu6", "torch", "F.relu6's kernel: torch._C._nn.hardtanh(x, 0, 6, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.hardtanh(T.x, 0.0, 6.0, out=T.y)


_reg_ne("relu6", "where(x<0, 0, where(x>6, 6, x))")
_jax("relu6", "jax.nn.relu6", lambda jax, jnp, P: jax.nn.relu6)


@impl("relu6_grad", "numpy", "y[...] = (x > 0) & (x < 6)")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        y[...] = (x > 0) & (x < 6)
        return y
    return f


@impl("relu6_grad", "torch", "aten.hardtanh_backward(ones, x, 0, 6)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.hardtanh_backward.grad_input(T.ones, T.x, 0.0, 6.0, grad_input=T.y)


_reg_ne("relu6_grad", "where((x>0) & (x<6), one, zero)", consts={"one": 1, "zero": 0})
_jax("relu6_grad", "jax.grad(sum(jax.nn.relu6))", lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.relu6))

# ----- selu --------------------------------------------------------------------


@impl("selu", "numpy", "np.expm1(x, out=y); y *= scale*alpha; np.copyto(y, scale*x, where=x > 0)")
def _(c, L, P):
    x, y, t = c.x, c.y, c.tmp(0)

    def f():
        np.expm1(x, out=y); np.multiply(y, SELU_SCALE * SELU_ALPHA, out=y)
        np.multiply(x, SELU_SCALE, out=t); np.copyto(y, t, where=x > 0)
        return y
    return f


@impl("selu", "torch", "F.selu's kernel: torch._C._nn.elu(x, alpha, scale, 1, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.elu(T.x, SELU_ALPHA, SELU_SCALE, 1.0, out=T.y)


_reg_ne("selu", "S*where(x>0, x, A*expm1(x))", consts={"S": SELU_SCALE, "A": SELU_ALPHA})
_jax("selu", "jax.nn.selu", lambda jax, jnp, P: jax.nn.selu)


@impl("selu_grad", "numpy", "np.exp(x, out=y); y *= scale*alpha; np.copyto(y, scale, where=x > 0)")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.exp(x, out=y); np.multiply(y, SELU_SCALE * SELU_ALPHA, out=y); np.copyto(y, SELU_SCALE, where=x > 0)
        return y
    return f


@impl("selu_grad", "torch", "aten.elu_backward(ones, alpha, scale, 1, False, x)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.elu_backward.grad_input(T.ones, SELU_ALPHA, SELU_SCALE, 1.0, False, T.x,
                                             grad_input=T.y)


_reg_ne("selu_grad", "where(x>0, S, SA*exp(x))", consts={"S": SELU_SCALE, "SA": SELU_SCALE * SELU_ALPHA})
_jax("selu_grad", "jax.grad(sum(jax.nn.selu))", lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.selu))

# ----- gelu (exact) -------------------------------------------------------------


@impl("gelu", "numpy", "0.5*x*(1 + erf(x/sqrt(2))) with out=, erf from scipy.special")
def _(c, L, P):
    x, y, erf = c.x, c.y, L.scipy_special.erf

    def f():
        np.multiply(x, SQRT1_2, out=y); erf(y, out=y); np.add(y, 1, out=y); np.multiply(y, x, out=y); np.multiply(y, 0.5, out=y)
        return y
    return f


@impl("gelu", "scipy", "0.5*x*erfc(-x/sqrt(2)) with out= (scipy.special.erfc)")
def _(c, L, P):
    x, y, erfc = c.x, c.y, L.scipy_special.erfc

    def f():
        np.multiply(x, -SQRT1_2, out=y); erfc(y, out=y); np.multiply(y, x, out=y); np.multiply(y, 0.5, out=y)
        return y
    return f


@impl("gelu", "torch", "F.gelu(approximate='none')'s kernel: torch._C._nn.gelu(x, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.gelu(T.x, approximate="none", out=T.y)


_jax("gelu", "jax.nn.gelu(x, approximate=False)",
     lambda jax, jnp, P: (lambda x: jax.nn.gelu(x, approximate=False)))


@impl("gelu_grad", "numpy", "0.5*(1 + erf(x/sqrt(2))) + x*exp(-x*x/2)/sqrt(2*pi) with out=")
def _(c, L, P):
    x, y, t, erf = c.x, c.y, c.tmp(0), L.scipy_special.erf

    def f():
        np.multiply(x, SQRT1_2, out=y); erf(y, out=y); np.add(y, 1, out=y); np.multiply(y, 0.5, out=y)
        np.square(x, out=t); np.multiply(t, -0.5, out=t); np.exp(t, out=t); np.multiply(t, x, out=t); np.multiply(t, INV_SQRT_2PI, out=t); np.add(y, t, out=y)
        return y
    return f


@impl("gelu_grad", "scipy", "ndtr(x) + x*exp(-x*x/2)/sqrt(2*pi) with out= (scipy.special.ndtr)")
def _(c, L, P):
    x, y, t, ndtr = c.x, c.y, c.tmp(0), L.scipy_special.ndtr

    def f():
        ndtr(x, out=y)
        np.square(x, out=t); np.multiply(t, -0.5, out=t); np.exp(t, out=t); np.multiply(t, x, out=t); np.multiply(t, INV_SQRT_2PI, out=t); np.add(y, t, out=y)
        return y
    return f


@impl("gelu_grad", "torch", "aten.gelu_backward(ones, x, approximate='none')")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.gelu_backward.grad_input(T.ones, T.x, approximate="none", grad_input=T.y)


_jax("gelu_grad", "jax.grad(sum(jax.nn.gelu(approximate=False)))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jax.nn.gelu(x, approximate=False)))

# ----- gelu_tanh --------------------------------------------------------------------


@impl("gelu_tanh", "numpy",
      "0.5*x*(1 + np.tanh(sqrt(2/pi)*(x + 0.044715*x**3))) with out=")
def _(c, L, P):
    x, y, t = c.x, c.y, c.tmp(0)

    def f():
        np.multiply(x, x, out=t); np.multiply(t, x, out=t); np.multiply(t, GELU_C, out=t); np.add(t, x, out=t); np.multiply(t, S2PI, out=t)
        np.tanh(t, out=t); np.add(t, 1, out=t); np.multiply(t, x, out=t); np.multiply(t, 0.5, out=y)
        return y
    return f


@impl("gelu_tanh", "torch", "F.gelu(approximate='tanh')'s kernel: torch._C._nn.gelu(x, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.gelu(T.x, approximate="tanh", out=T.y)


_reg_ne("gelu_tanh", f"0.5*x*(1 + tanh({S2PI!r}*(x + {GELU_C}*x**3)))")
_jax("gelu_tanh", "jax.nn.gelu(x, approximate=True)",
     lambda jax, jnp, P: (lambda x: jax.nn.gelu(x, approximate=True)))


@impl("gelu_tanh_grad", "numpy",
      "th = tanh(u); 0.5*(1+th) + 0.5*x*(1-th**2)*sqrt(2/pi)*(1+3*0.044715*x**2) with out=")
def _(c, L, P):
    x, y, t, t2 = c.x, c.y, c.tmp(0), c.tmp(1)

    def f():
        np.square(x, out=t2)                       # x^2
        np.multiply(t2, GELU_C, out=t); np.add(t, 1, out=t); np.multiply(t, x, out=t); np.multiply(t, S2PI, out=t); np.tanh(t, out=t)  # th
        np.multiply(t2, 3 * GELU_C, out=t2); np.add(t2, 1, out=t2); np.multiply(t2, S2PI, out=t2)  # u'
        np.square(t, out=y); np.subtract(1, y, out=y); np.multiply(y, t2, out=y); np.multiply(y, x, out=y)  # x (1-th^2) u'
        np.add(t, 1, out=t); np.add(y, t, out=y); np.multiply(y, 0.5, out=y)
        return y
    return f


@impl("gelu_tanh_grad", "torch", "aten.gelu_backward(ones, x, approximate='tanh')")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.gelu_backward.grad_input(T.ones, T.x, approximate="tanh", grad_input=T.y)


_reg_ne("gelu_tanh_grad",
        f"0.5*(1 + tanh({S2PI!r}*(x + {GELU_C}*x**3))) + 0.5*x*(1 - tanh({S2PI!r}*(x + {GELU_C}*x**3))**2)"
        f"*{S2PI!r}*(1 + {3 * GELU_C!r}*x**2)")
_jax("gelu_tanh_grad", "jax.grad(sum(jax.nn.gelu(approximate=True)))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jax.nn.gelu(x, approximate=True)))

# ----- silu, swish ------------------------------------------------------------------


def _np_silu(c, L, P, beta=1.0):
    x, y = c.x, c.y

    def f():
        np.negative(x, out=y)
        if beta != 1.0:
            np.multiply(y, beta, out=y)
        np.exp(y, out=y); np.add(y, 1, out=y); np.divide(x, y, out=y)
        return y
    return f


def _sp_silu(c, L, P, beta=1.0):
    x, y, expit = c.x, c.y, L.scipy_special.expit

    def f():
        if beta != 1.0:
            np.multiply(x, beta, out=y); expit(y, out=y)
        else:
            expit(x, out=y)
        np.multiply(y, x, out=y)
        return y
    return f


def _np_silu_grad(c, L, P, beta=1.0, scipy=False):
    x, y, t = c.x, c.y, c.tmp(0)

    def f():
        if scipy:
            np.multiply(x, beta, out=y); L.scipy_special.expit(y, out=y)
        else:
            np.multiply(x, -beta, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)
        np.subtract(1, y, out=t); np.multiply(t, x, out=t)
        if beta != 1.0:
            np.multiply(t, beta, out=t)
        np.add(t, 1, out=t); np.multiply(y, t, out=y)
        return y
    return f


impl("silu", "numpy", "x/(1+np.exp(-x)) with out=")(_np_silu)
impl("silu", "scipy", "expit(x, out=y); y *= x")(_sp_silu)
impl("silu_grad", "numpy", "s = 1/(1+exp(-x)); s*(1 + x*(1-s)) with out=")(_np_silu_grad)
impl("silu_grad", "scipy", "s = expit(x); s*(1 + x*(1-s)) with out=")(
    lambda c, L, P: _np_silu_grad(c, L, P, scipy=True))
impl("swish", "numpy", "x/(1+np.exp(-beta*x)) with out= (beta=1)")(
    lambda c, L, P: _np_silu(c, L, P, P["beta"]))
impl("swish", "scipy", "x*expit(beta*x) with out= (beta=1)")(
    lambda c, L, P: _sp_silu(c, L, P, P["beta"]))
impl("swish_grad", "numpy", "s = sigmoid(beta*x); s*(1 + beta*x*(1-s)) with out=")(
    lambda c, L, P: _np_silu_grad(c, L, P, P["beta"]))
impl("swish_grad", "scipy", "s = expit(beta*x); s*(1 + beta*x*(1-s)) with out=")(
    lambda c, L, P: _np_silu_grad(c, L, P, P["beta"], scipy=True))


def _torch_silu(c, L, P):
    T, nn = c.T, L.torch._C._nn
    if P.get("beta", 1.0) != 1.0:
        raise NotImplementedError("torch has no swish with beta != 1")
    return lambda: nn.silu(T.x, out=T.y)


def _torch_silu_grad(c, L, P):
    T, A = c.T, L.A
    if P.get("beta", 1.0) != 1.0:
        raise NotImplementedError("torch has no swish with beta != 1")
    return lambda: A.silu_backward.grad_input(T.ones, T.x, grad_input=T.y)


impl("silu", "torch", "F.silu's kernel: torch._C._nn.silu(x, out=y)")(_torch_silu)
impl("swish", "torch", "F.silu (beta=1): torch._C._nn.silu(x, out=y)")(_torch_silu)
impl("silu_grad", "torch", "aten.silu_backward(ones, x)")(_torch_silu_grad)
impl("swish_grad", "torch", "aten.silu_backward(ones, x) (beta=1)")(_torch_silu_grad)
for _n in ("silu", "swish"):
    _reg_ne(_n, "x/(1+exp(-x))")
    _reg_ne(_n + "_grad", "(1 + exp(-x) + x*exp(-x))/(1 + exp(-x))**2")
    _jax(_n, f"jax.nn.{_n}", lambda jax, jnp, P: jax.nn.silu)
    _jax(_n + "_grad", f"jax.grad(sum(jax.nn.{_n}))", lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.silu))

# ----- mish -------------------------------------------------------------------------


@impl("mish", "numpy", "x*np.tanh(np.logaddexp(0, x)) with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.logaddexp(0, x, out=y); np.tanh(y, out=y); np.multiply(y, x, out=y)
        return y
    return f


@impl("mish", "torch", "F.mish's kernel: torch._C._nn.mish(x, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.mish(T.x, out=T.y)


_reg_ne("mish", "x*tanh(log1p(exp(x)))")
_jax("mish", "jax.nn.mish", lambda jax, jnp, P: jax.nn.mish)


@impl("mish_grad", "numpy", "th = tanh(logaddexp(0, x)); th + x*sigmoid(x)*(1 - th**2) with out=")
def _(c, L, P):
    x, y, t, t2 = c.x, c.y, c.tmp(0), c.tmp(1)

    def f():
        np.logaddexp(0, x, out=t); np.tanh(t, out=t)
        np.negative(x, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(x, y, out=y)
        np.square(t, out=t2); np.subtract(1, t2, out=t2); np.multiply(y, t2, out=y); np.add(y, t, out=y)
        return y
    return f


@impl("mish_grad", "torch", "aten.mish_backward(ones, x) (no out= overload)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.mish_backward(T.ones, T.x)


_reg_ne("mish_grad", "tanh(log1p(exp(x))) + x*(1 - tanh(log1p(exp(x)))**2)/(1 + exp(-x))")
_jax("mish_grad", "jax.grad(sum(jax.nn.mish))", lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.mish))

# ----- softsign -----------------------------------------------------------------------


@impl("softsign", "numpy", "x/(1 + np.abs(x)) with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.abs(x, out=y); np.add(y, 1, out=y); np.divide(x, y, out=y)
        return y
    return f


@impl("softsign", "torch", "F.softsign's formula x/(x.abs()+1) with out=")
def _(c, L, P):
    T, torch = c.T, L.torch

    def f():
        torch.abs(T.x, out=T.y); T.y.add_(1)
        return torch.div(T.x, T.y, out=T.y)
    return f


_reg_ne("softsign", "x/(1 + abs(x))")
_jax("softsign", "jax.nn.soft_sign", lambda jax, jnp, P: jax.nn.soft_sign)


@impl("softsign_grad", "numpy", "1/(1 + np.abs(x))**2 with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.abs(x, out=y); np.add(y, 1, out=y); np.square(y, out=y); np.divide(1, y, out=y)
        return y
    return f


@impl("softsign_grad", "torch", "1/(1 + x.abs())**2 with out= (no aten backward op)")
def _(c, L, P):
    T, torch = c.T, L.torch

    def f():
        torch.abs(T.x, out=T.y)
        return T.y.add_(1).square_().reciprocal_()
    return f


_reg_ne("softsign_grad", "1/(1 + abs(x))**2")
_jax("softsign_grad", "jax.grad(sum(jax.nn.soft_sign))",
     lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.soft_sign))

# ----- hard_sigmoid, hard_silu, hard_tanh -------------------------------------------


@impl("hard_sigmoid", "numpy", "np.clip(x + 3, 0, 6, out=y); y /= 6")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.add(x, 3, out=y); np.clip(y, 0, 6, out=y); np.divide(y, 6, out=y)
        return y
    return f


@impl("hard_sigmoid", "torch", "F.hardsigmoid's kernel: torch._C._nn.hardsigmoid(x, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.hardsigmoid(T.x, out=T.y)


_reg_ne("hard_sigmoid", "where(x<-3, 0, where(x>3, 1, x/6 + 0.5))")
_jax("hard_sigmoid", "jax.nn.hard_sigmoid", lambda jax, jnp, P: jax.nn.hard_sigmoid)


@impl("hard_sigmoid_grad", "numpy", "y[...] = (x > -3) & (x < 3); y /= 6")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        y[...] = (x > -3) & (x < 3); np.divide(y, 6, out=y)
        return y
    return f


@impl("hard_sigmoid_grad", "torch", "aten.hardsigmoid_backward(ones, x)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.hardsigmoid_backward.grad_input(T.ones, T.x, grad_input=T.y)


_reg_ne("hard_sigmoid_grad", "where((x>-3) & (x<3), k, zero)", consts={"k": 1 / 6, "zero": 0})
_jax("hard_sigmoid_grad", "jax.grad(sum(jax.nn.hard_sigmoid))",
     lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.hard_sigmoid))


@impl("hard_silu", "numpy", "x*np.clip(x + 3, 0, 6)/6 with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.add(x, 3, out=y); np.clip(y, 0, 6, out=y); np.multiply(y, x, out=y); np.divide(y, 6, out=y)
        return y
    return f


@impl("hard_silu", "torch", "F.hardswish's kernel: torch._C._nn.hardswish(x, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.hardswish(T.x, out=T.y)


_reg_ne("hard_silu", "x*where(x<-3, 0, where(x>3, 1, x/6 + 0.5))")
_jax("hard_silu", "jax.nn.hard_silu", lambda jax, jnp, P: jax.nn.hard_silu)


@impl("hard_silu_grad", "numpy",
      "np.divide(x, 3, out=y); y += 0.5; np.copyto(y, 0, where=x < -3); np.copyto(y, 1, where=x > 3)")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.divide(x, 3, out=y); np.add(y, 0.5, out=y)
        np.copyto(y, 0, where=x < -3); np.copyto(y, 1, where=x > 3)
        return y
    return f


@impl("hard_silu_grad", "torch", "aten.hardswish_backward(ones, x)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.hardswish_backward.out(T.ones, T.x, out=T.y)


_reg_ne("hard_silu_grad", "where(x<-3, 0, where(x>3, 1, x/3 + 0.5))")
_jax("hard_silu_grad", "jax.grad(sum(jax.nn.hard_silu))",
     lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.hard_silu))


@impl("hard_tanh", "numpy", "np.clip(x, -1, 1, out=y)")
def _(c, L, P):
    x, y = c.x, c.y
    return lambda: np.clip(x, -1, 1, out=y)


@impl("hard_tanh", "torch", "F.hardtanh's kernel: torch._C._nn.hardtanh(x, -1, 1, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    return lambda: nn.hardtanh(T.x, -1.0, 1.0, out=T.y)


_reg_ne("hard_tanh", "where(x<-1, -1, where(x>1, 1, x))")
_jax("hard_tanh", "jax.nn.hard_tanh", lambda jax, jnp, P: jax.nn.hard_tanh)


@impl("hard_tanh_grad", "numpy", "y[...] = (x > -1) & (x < 1)")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        y[...] = (x > -1) & (x < 1)
        return y
    return f


@impl("hard_tanh_grad", "torch", "aten.hardtanh_backward(ones, x, -1, 1)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.hardtanh_backward.grad_input(T.ones, T.x, -1.0, 1.0, grad_input=T.y)


_reg_ne("hard_tanh_grad", "where((x>-1) & (x<1), one, zero)", consts={"one": 1, "zero": 0})
_jax("hard_tanh_grad", "jax.grad(sum(jax.nn.hard_tanh))",
     lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.hard_tanh))

# ----- tanhshrink ------------------------------------------------------------------------


@impl("tanhshrink", "numpy", "x - np.tanh(x) with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.tanh(x, out=y); np.subtract(x, y, out=y)
        return y
    return f


@impl("tanhshrink", "torch", "F.tanhshrink's formula x - x.tanh() with out=")
def _(c, L, P):
    T, torch = c.T, L.torch

    def f():
        torch.tanh(T.x, out=T.y)
        return torch.sub(T.x, T.y, out=T.y)
    return f


_reg_ne("tanhshrink", "x - tanh(x)")
_jax("tanhshrink", "x - jnp.tanh(x) (jax.nn has none)", lambda jax, jnp, P: (lambda x: x - jnp.tanh(x)))


@impl("tanhshrink_grad", "numpy", "np.tanh(x)**2 with out=")
def _(c, L, P):
    x, y = c.x, c.y

    def f():
        np.tanh(x, out=y); np.square(y, out=y)
        return y
    return f


@impl("tanhshrink_grad", "torch", "torch.tanh(x, out=y).square_() (no aten backward op)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.tanh(T.x, out=T.y).square_()


_reg_ne("tanhshrink_grad", "tanh(x)**2")
_jax("tanhshrink_grad", "jax.grad(sum(x - jnp.tanh(x)))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: x - jnp.tanh(x)))

# ----- logit (input p in (0, 1)) ------------------------------------------------------------


@impl("logit", "numpy", "np.log(p/(1-p)) with out=")
def _(c, L, P):
    p, y = c.p, c.y

    def f():
        np.subtract(1, p, out=y); np.divide(p, y, out=y); np.log(y, out=y)
        return y
    return f


@impl("logit", "scipy", "scipy.special.logit(p, out=y)")
def _(c, L, P):
    p, y, fn = c.p, c.y, L.scipy_special.logit
    return lambda: fn(p, out=y)


@impl("logit", "torch", "torch.logit(p, out=y)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.logit(T.p, out=T.y)


_reg_ne("logit", "log(p/(1-p))", names=("p",))
_jax("logit", "jax.scipy.special.logit", lambda jax, jnp, P: __import__("jax.scipy.special").scipy.special.logit,
     args=("p",))


@impl("logit_grad", "numpy", "1/(p*(1-p)) with out=")
def _(c, L, P):
    p, y = c.p, c.y

    def f():
        np.subtract(1, p, out=y); np.multiply(y, p, out=y); np.divide(1, y, out=y)
        return y
    return f


@impl("logit_grad", "torch", "aten.logit_backward(ones, p)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.logit_backward.grad_input(T.ones, T.p, None, grad_input=T.y)


_reg_ne("logit_grad", "1/(p*(1-p))", names=("p",))
_jax("logit_grad", "jax.grad(sum(jax.scipy.special.logit))",
     lambda jax, jnp, P: _jgrad(jax, jnp, __import__("jax.scipy.special").scipy.special.logit),
     args=("p",))

# ----- leaky_relu, elu, celu ----------------------------------------------------------------


@impl("leaky_relu", "numpy", "np.multiply(x, a, out=y); np.copyto(y, x, where=x > 0)")
def _(c, L, P):
    x, y, a = c.x, c.y, P["negative_slope"]

    def f():
        np.multiply(x, a, out=y); np.copyto(y, x, where=x > 0)
        return y
    return f


@impl("leaky_relu", "torch", "F.leaky_relu's kernel: torch._C._nn.leaky_relu(x, 0.01, out=y)")
def _(c, L, P):
    T, nn, a = c.T, L.torch._C._nn, P["negative_slope"]
    return lambda: nn.leaky_relu(T.x, a, out=T.y)


_reg_ne("leaky_relu", "where(x>0, x, 0.01*x)")
_jax("leaky_relu", "jax.nn.leaky_relu(x, 0.01)",
     lambda jax, jnp, P: (lambda x: jax.nn.leaky_relu(x, P["negative_slope"])))


@impl("leaky_relu_grad", "numpy", "y.fill(a); np.copyto(y, 1, where=x > 0)")
def _(c, L, P):
    x, y, a = c.x, c.y, P["negative_slope"]

    def f():
        y.fill(a); np.copyto(y, 1, where=x > 0)
        return y
    return f


@impl("leaky_relu_grad", "torch", "aten.leaky_relu_backward(ones, x, 0.01, False)")
def _(c, L, P):
    T, A, a = c.T, L.A, P["negative_slope"]
    return lambda: A.leaky_relu_backward.grad_input(T.ones, T.x, a, False, grad_input=T.y)


_reg_ne("leaky_relu_grad", "where(x>0, one, a)", consts={"one": 1, "a": 0.01})
_jax("leaky_relu_grad", "jax.grad(sum(jax.nn.leaky_relu))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jax.nn.leaky_relu(x, P["negative_slope"])))


@impl("elu", "numpy", "np.expm1(x, out=y); y *= alpha; np.copyto(y, x, where=x > 0)")
def _(c, L, P):
    x, y, a = c.x, c.y, P["alpha"]

    def f():
        np.expm1(x, out=y)
        if a != 1.0:
            np.multiply(y, a, out=y)
        np.copyto(y, x, where=x > 0)
        return y
    return f


@impl("elu", "torch", "F.elu's kernel: torch._C._nn.elu(x, alpha, 1, 1, out=y)")
def _(c, L, P):
    T, nn, a = c.T, L.torch._C._nn, P["alpha"]
    return lambda: nn.elu(T.x, a, 1.0, 1.0, out=T.y)


_reg_ne("elu", "where(x>0, x, expm1(x))")
_jax("elu", "jax.nn.elu", lambda jax, jnp, P: (lambda x: jax.nn.elu(x, P["alpha"])))


@impl("elu_grad", "numpy", "np.exp(x, out=y); y *= alpha; np.copyto(y, 1, where=x > 0)")
def _(c, L, P):
    x, y, a = c.x, c.y, P["alpha"]

    def f():
        np.exp(x, out=y)
        if a != 1.0:
            np.multiply(y, a, out=y)
        np.copyto(y, 1, where=x > 0)
        return y
    return f


@impl("elu_grad", "torch", "aten.elu_backward(ones, alpha, 1, 1, False, x)")
def _(c, L, P):
    T, A, a = c.T, L.A, P["alpha"]
    return lambda: A.elu_backward.grad_input(T.ones, a, 1.0, 1.0, False, T.x, grad_input=T.y)


_reg_ne("elu_grad", "where(x>0, 1, exp(x))")
_jax("elu_grad", "jax.grad(sum(jax.nn.elu))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jax.nn.elu(x, P["alpha"])))


@impl("celu", "numpy", "np.maximum(x, 0) + np.minimum(0, alpha*np.expm1(x/alpha)) with out=")
def _(c, L, P):
    x, y, t, a = c.x, c.y, c.tmp(0), P["alpha"]

    def f():
        np.divide(x, a, out=y); np.expm1(y, out=y); np.multiply(y, a, out=y); np.minimum(y, 0, out=y)
        np.maximum(x, 0, out=t); np.add(y, t, out=y)
        return y
    return f


@impl("celu", "torch",
      "F.celu's kernel (torch.celu = elu with input_scale 1/alpha): torch._C._nn.elu(x, alpha, 1, 1/alpha, out=y)")
def _(c, L, P):
    T, nn, a = c.T, L.torch._C._nn, P["alpha"]
    return lambda: nn.elu(T.x, a, 1.0, 1.0 / a, out=T.y)


_reg_ne("celu", "where(x>0, x, A*expm1(x/A))", consts={"A": 1.0})
_jax("celu", "jax.nn.celu", lambda jax, jnp, P: (lambda x: jax.nn.celu(x, P["alpha"])))


@impl("celu_grad", "numpy", "np.exp(x/alpha) with out=; np.copyto(y, 1, where=x > 0)")
def _(c, L, P):
    x, y, a = c.x, c.y, P["alpha"]

    def f():
        np.divide(x, a, out=y); np.exp(y, out=y); np.copyto(y, 1, where=x > 0)
        return y
    return f


@impl("celu_grad", "torch", "aten.elu_backward(ones, alpha, 1, 1/alpha, False, x)")
def _(c, L, P):
    T, A, a = c.T, L.A, P["alpha"]
    return lambda: A.elu_backward.grad_input(T.ones, a, 1.0, 1.0 / a, False, T.x, grad_input=T.y)


_reg_ne("celu_grad", "where(x>0, 1, exp(x/A))", consts={"A": 1.0})
_jax("celu_grad", "jax.grad(sum(jax.nn.celu))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jax.nn.celu(x, P["alpha"])))

# ----- softplus ------------------------------------------------------------------------------


@impl("softplus", "numpy", "np.logaddexp(0, x, out=y) (beta=1)")
def _(c, L, P):
    x, y, beta = c.x, c.y, P["beta"]

    def f():
        if beta != 1.0:
            np.multiply(x, beta, out=y); np.logaddexp(0, y, out=y); np.divide(y, beta, out=y)
        else:
            np.logaddexp(0, x, out=y)
        return y
    return f


@impl("softplus", "scipy", "-log_expit(-x) with out= (beta=1)")
def _(c, L, P):
    x, y, fn = c.x, c.y, L.scipy_special.log_expit

    def f():
        np.negative(x, out=y); fn(y, out=y); np.negative(y, out=y)
        return y
    return f


@impl("softplus", "torch",
      "F.softplus's kernel: torch._C._nn.softplus(x, 1, 20, out=y) (threshold 20: identity above)")
def _(c, L, P):
    T, nn, beta = c.T, L.torch._C._nn, P["beta"]
    return lambda: nn.softplus(T.x, beta, 20.0, out=T.y)


_reg_ne("softplus", "where(x>0, x, 0) + log1p(exp(-abs(x)))")
_jax("softplus", "jax.nn.softplus", lambda jax, jnp, P: jax.nn.softplus)


# softplus_grad at beta = 1 is the sigmoid: the same NumPy and SciPy peers
for _peer in ("numpy", "scipy"):
    _desc, _maker = MAPPINGS["sigmoid"][_peer]
    impl("softplus_grad", _peer, _desc + " (beta=1)")(_maker)


@impl("softplus_grad", "torch", "aten.softplus_backward(ones, x, 1, 20)")
def _(c, L, P):
    T, A, beta = c.T, L.A, P["beta"]
    return lambda: A.softplus_backward.grad_input(T.ones, T.x, beta, 20.0, grad_input=T.y)


_reg_ne("softplus_grad", "1/(1+exp(-x))")
_jax("softplus_grad", "jax.grad(sum(jax.nn.softplus))",
     lambda jax, jnp, P: _jgrad(jax, jnp, jax.nn.softplus))

# ----- softshrink, hardshrink --------------------------------------------------------------


@impl("softshrink", "numpy", "np.copysign(np.maximum(np.abs(x) - lambd, 0), x) with out=")
def _(c, L, P):
    x, y, lam = c.x, c.y, P["lambd"]

    def f():
        np.abs(x, out=y); np.subtract(y, lam, out=y); np.maximum(y, 0, out=y); np.copysign(y, x, out=y)
        return y
    return f


@impl("softshrink", "torch", "F.softshrink's kernel: torch._C._nn.softshrink(x, 0.5, out=y)")
def _(c, L, P):
    T, nn, lam = c.T, L.torch._C._nn, P["lambd"]
    return lambda: nn.softshrink(T.x, lam, out=T.y)


_reg_ne("softshrink", "where(x>L, x-L, where(x<-L, x+L, 0))", consts={"L": 0.5})
_jax("softshrink", "jnp.where composite (jax.nn has none)",
     lambda jax, jnp, P: (lambda x: jnp.where(x > P["lambd"], x - P["lambd"],
                                              jnp.where(x < -P["lambd"], x + P["lambd"], 0))))


def _np_shrink_grad(c, L, P):
    x, y, lam = c.x, c.y, P["lambd"]

    def f():
        np.abs(x, out=y); np.greater(y, lam, out=y)
        return y
    return f


impl("softshrink_grad", "numpy", "np.greater(np.abs(x), lambd) with out=")(_np_shrink_grad)
impl("hardshrink_grad", "numpy", "np.greater(np.abs(x), lambd) with out=")(_np_shrink_grad)


@impl("softshrink_grad", "torch", "aten.softshrink_backward(ones, x, 0.5)")
def _(c, L, P):
    T, A, lam = c.T, L.A, P["lambd"]
    return lambda: A.softshrink_backward.grad_input(T.ones, T.x, lam, grad_input=T.y)


_reg_ne("softshrink_grad", "where(abs(x)>L, one, zero)", consts={"L": 0.5, "one": 1, "zero": 0})
_reg_ne("hardshrink_grad", "where(abs(x)>L, one, zero)", consts={"L": 0.5, "one": 1, "zero": 0})
_jax("softshrink_grad", "jax.grad of the jnp.where composite",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jnp.where(
         x > P["lambd"], x - P["lambd"], jnp.where(x < -P["lambd"], x + P["lambd"], 0))))


@impl("hardshrink", "numpy", "np.multiply(x, np.abs(x) > lambd, out=y)")
def _(c, L, P):
    x, y, lam = c.x, c.y, P["lambd"]
    return lambda: np.multiply(x, np.abs(x) > lam, out=y)


@impl("hardshrink", "torch", "F.hardshrink: torch.hardshrink(x, 0.5, out=y)")
def _(c, L, P):
    T, torch, lam = c.T, L.torch, P["lambd"]
    return lambda: torch.hardshrink(T.x, lam, out=T.y)


@impl("hardshrink_grad", "torch", "aten.hardshrink_backward(ones, x, 0.5)")
def _(c, L, P):
    T, A, lam = c.T, L.A, P["lambd"]
    return lambda: A.hardshrink_backward.grad_input(T.ones, T.x, lam, grad_input=T.y)


_reg_ne("hardshrink", "where(abs(x)>L, x, 0)", consts={"L": 0.5})
_jax("hardshrink", "jnp.where(abs(x) > lambd, x, 0) (jax.nn has none)",
     lambda jax, jnp, P: (lambda x: jnp.where(jnp.abs(x) > P["lambd"], x, 0)))
_jax("hardshrink_grad", "jax.grad of the jnp.where composite",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jnp.where(jnp.abs(x) > P["lambd"], x, 0)))

# ----- squareplus ----------------------------------------------------------------------------


@impl("squareplus", "numpy", "(x + np.sqrt(x*x + b))/2 with out=")
def _(c, L, P):
    x, y, b = c.x, c.y, P["b"]

    def f():
        np.square(x, out=y); np.add(y, b, out=y); np.sqrt(y, out=y); np.add(y, x, out=y); np.multiply(y, 0.5, out=y)
        return y
    return f


@impl("squareplus", "torch", "(x + sqrt(x*x + b))/2 with out= (torch has none)")
def _(c, L, P):
    T, torch, b = c.T, L.torch, P["b"]

    def f():
        torch.mul(T.x, T.x, out=T.y)
        return T.y.add_(b).sqrt_().add_(T.x).mul_(0.5)
    return f


_reg_ne("squareplus", "(x + sqrt(x*x + 4))/2")
_jax("squareplus", "jax.nn.squareplus(x, b=4)", lambda jax, jnp, P: (lambda x: jax.nn.squareplus(x, P["b"])))


@impl("squareplus_grad", "numpy", "(1 + x/np.sqrt(x*x + b))/2 with out=")
def _(c, L, P):
    x, y, b = c.x, c.y, P["b"]

    def f():
        np.square(x, out=y); np.add(y, b, out=y); np.sqrt(y, out=y); np.divide(x, y, out=y); np.add(y, 1, out=y); np.multiply(y, 0.5, out=y)
        return y
    return f


@impl("squareplus_grad", "torch", "(1 + x/sqrt(x*x + b))/2 with out=")
def _(c, L, P):
    T, torch, b = c.T, L.torch, P["b"]

    def f():
        torch.mul(T.x, T.x, out=T.y); T.y.add_(b).sqrt_()
        torch.div(T.x, T.y, out=T.y)
        return T.y.add_(1).mul_(0.5)
    return f


_reg_ne("squareplus_grad", "(1 + x/sqrt(x*x + 4))/2")
_jax("squareplus_grad", "jax.grad(sum(jax.nn.squareplus))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda x: jax.nn.squareplus(x, P["b"])))

# ----- gates: glu, swiglu, geglu (a, b are the two rows of one (2, n) array) ----------------


@impl("glu", "numpy", "a/(1+np.exp(-b)) with out=")
def _(c, L, P):
    a, b, y = c.a, c.b, c.y

    def f():
        np.negative(b, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(a, y, out=y)
        return y
    return f


@impl("glu", "scipy", "expit(b, out=y); y *= a")
def _(c, L, P):
    a, b, y, expit = c.a, c.b, c.y, L.scipy_special.expit

    def f():
        expit(b, out=y); np.multiply(y, a, out=y)
        return y
    return f


@impl("glu", "torch", "F.glu on the (2, n) array, dim=0: torch._C._nn.glu(ab, 0, out=y)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn
    y1 = T.y.view(1, c.n)
    return lambda: nn.glu(T.AB, 0, out=y1)


_reg_ne("glu", "a/(1+exp(-b))", names=("a", "b"))
_jax("glu", "jax.nn.glu(ab, axis=0)", lambda jax, jnp, P: (lambda ab: jax.nn.glu(ab, axis=0)),
     args=("AB",))


@impl("glu_grad", "numpy", "s = 1/(1+exp(-b)); (s, a*s*(1-s)) with out=")
def _(c, L, P):
    a, b, y, y2 = c.a, c.b, c.y, c.y2

    def f():
        np.negative(b, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)
        np.subtract(1, y, out=y2); np.multiply(y2, y, out=y2); np.multiply(y2, a, out=y2)
        return y, y2
    return f


@impl("glu_grad", "scipy", "s = expit(b); (s, a*s*(1-s)) with out=")
def _(c, L, P):
    a, b, y, y2, expit = c.a, c.b, c.y, c.y2, L.scipy_special.expit

    def f():
        expit(b, out=y); np.subtract(1, y, out=y2); np.multiply(y2, y, out=y2); np.multiply(y2, a, out=y2)
        return y, y2
    return f


@impl("glu_grad", "torch", "aten.glu_backward(ones, ab, 0) -> (2, n)")
def _(c, L, P):
    T, A = c.T, L.A
    return lambda: A.glu_backward.grad_input(T.ones1, T.AB, 0, grad_input=T.YY)


_jax("glu_grad", "jax.grad(sum(jax.nn.glu(ab, axis=0)))",
     lambda jax, jnp, P: _jgrad(jax, jnp, lambda ab: jax.nn.glu(ab, axis=0)), args=("AB",))


@impl("swiglu", "numpy", "a/(1+np.exp(-a))*b with out=")
def _(c, L, P):
    a, b, y = c.a, c.b, c.y

    def f():
        np.negative(a, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(a, y, out=y); np.multiply(y, b, out=y)
        return y
    return f


@impl("swiglu", "scipy", "expit(a, out=y); y *= a; y *= b")
def _(c, L, P):
    a, b, y, expit = c.a, c.b, c.y, L.scipy_special.expit

    def f():
        expit(a, out=y); np.multiply(y, a, out=y); np.multiply(y, b, out=y)
        return y
    return f


@impl("swiglu", "torch", "torch._C._nn.silu(a, out=y); y.mul_(b)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn

    def f():
        nn.silu(T.a, out=T.y)
        return T.y.mul_(T.b)
    return f


_reg_ne("swiglu", "a/(1+exp(-a))*b", names=("a", "b"))
_jax("swiglu", "jax.nn.silu(a)*b", lambda jax, jnp, P: (lambda a, b: jax.nn.silu(a) * b), args=("a", "b"))


@impl("swiglu_grad", "numpy", "s = 1/(1+exp(-a)); (s*(1 + a*(1-s))*b, a*s) with out=")
def _(c, L, P):
    a, b, y, y2, t = c.a, c.b, c.y, c.y2, c.tmp(0)

    def f():
        np.negative(a, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)  # s
        np.multiply(a, y, out=y2)                                                  # db = a s
        np.subtract(a, y2, out=t); np.add(t, 1, out=t); np.multiply(y, t, out=y); np.multiply(y, b, out=y)  # da
        return y, y2
    return f


@impl("swiglu_grad", "scipy", "s = expit(a); (s*(1 + a*(1-s))*b, a*s) with out=")
def _(c, L, P):
    a, b, y, y2, t, expit = c.a, c.b, c.y, c.y2, c.tmp(0), L.scipy_special.expit

    def f():
        expit(a, out=y); np.multiply(a, y, out=y2); np.subtract(a, y2, out=t)
        np.add(t, 1, out=t); np.multiply(y, t, out=y); np.multiply(y, b, out=y)
        return y, y2
    return f


@impl("swiglu_grad", "torch", "(aten.silu_backward(b, a), silu(a)) with out=")
def _(c, L, P):
    T, A, nn = c.T, L.A, L.torch._C._nn

    def f():
        A.silu_backward.grad_input(T.b, T.a, grad_input=T.y)
        nn.silu(T.a, out=T.y2)
        return T.y, T.y2
    return f


_jax("swiglu_grad", "jax.grad(sum(jax.nn.silu(a)*b), argnums=(0, 1))",
     lambda jax, jnp, P: jax.grad(lambda a, b: jnp.sum(jax.nn.silu(a) * b), argnums=(0, 1)),
     args=("a", "b"))


@impl("geglu", "numpy", "0.5*a*(1 + erf(a/sqrt(2)))*b with out=, erf from scipy.special")
def _(c, L, P):
    a, b, y, erf = c.a, c.b, c.y, L.scipy_special.erf

    def f():
        np.multiply(a, SQRT1_2, out=y); erf(y, out=y); np.add(y, 1, out=y); np.multiply(y, a, out=y); np.multiply(y, 0.5, out=y); np.multiply(y, b, out=y)
        return y
    return f


@impl("geglu", "scipy", "0.5*a*erfc(-a/sqrt(2))*b with out=")
def _(c, L, P):
    a, b, y, erfc = c.a, c.b, c.y, L.scipy_special.erfc

    def f():
        np.multiply(a, -SQRT1_2, out=y); erfc(y, out=y); np.multiply(y, a, out=y); np.multiply(y, 0.5, out=y); np.multiply(y, b, out=y)
        return y
    return f


@impl("geglu", "torch", "torch._C._nn.gelu(a, out=y); y.mul_(b)")
def _(c, L, P):
    T, nn = c.T, L.torch._C._nn

    def f():
        nn.gelu(T.a, approximate="none", out=T.y)
        return T.y.mul_(T.b)
    return f


_jax("geglu", "jax.nn.gelu(a, approximate=False)*b",
     lambda jax, jnp, P: (lambda a, b: jax.nn.gelu(a, approximate=False) * b), args=("a", "b"))


def _np_geglu_grad(c, L, P, scipy):
    a, b, y, y2, t = c.a, c.b, c.y, c.y2, c.tmp(0)
    sp = L.scipy_special

    def f():
        if scipy:
            sp.ndtr(a, out=y)                                          # Phi
        else:
            np.multiply(a, SQRT1_2, out=y); sp.erf(y, out=y); np.add(y, 1, out=y); np.multiply(y, 0.5, out=y)
        np.multiply(a, y, out=y2)                                      # db = a Phi
        np.square(a, out=t); np.multiply(t, -0.5, out=t); np.exp(t, out=t); np.multiply(t, a, out=t); np.multiply(t, INV_SQRT_2PI, out=t)
        np.add(y, t, out=y); np.multiply(y, b, out=y)  # da
        return y, y2
    return f


impl("geglu_grad", "numpy", "(gelu'(a)*b, gelu(a)) from erf composites with out=")(
    lambda c, L, P: _np_geglu_grad(c, L, P, False))
impl("geglu_grad", "scipy", "(gelu'(a)*b, gelu(a)) from ndtr with out=")(
    lambda c, L, P: _np_geglu_grad(c, L, P, True))


@impl("geglu_grad", "torch", "(aten.gelu_backward(b, a), gelu(a)) with out=")
def _(c, L, P):
    T, A, nn = c.T, L.A, L.torch._C._nn

    def f():
        A.gelu_backward.grad_input(T.b, T.a, approximate="none", grad_input=T.y)
        nn.gelu(T.a, approximate="none", out=T.y2)
        return T.y, T.y2
    return f


_jax("geglu_grad", "jax.grad(sum(jax.nn.gelu(a)*b), argnums=(0, 1))",
     lambda jax, jnp, P: jax.grad(lambda a, b: jnp.sum(jax.nn.gelu(a, approximate=False) * b),
                                  argnums=(0, 1)), args=("a", "b"))

# ----- binary_cross_entropy (logits x, targets t) ---------------------------------------------


@impl("binary_cross_entropy", "numpy",
      "np.maximum(x, 0) - x*t + np.log1p(np.exp(-np.abs(x))) with out= (the stable textbook form)")
def _(c, L, P):
    x, t, y, u = c.x, c.t, c.y, c.tmp(0)

    def f():
        np.abs(x, out=u); np.negative(u, out=u); np.exp(u, out=u); np.log1p(u, out=u)
        np.maximum(x, 0, out=y); np.add(y, u, out=y); np.multiply(x, t, out=u); np.subtract(y, u, out=y)
        return y
    return f


@impl("binary_cross_entropy", "scipy", "-log_expit(-x) - x*t with out=")
def _(c, L, P):
    x, t, y, u, fn = c.x, c.t, c.y, c.tmp(0), L.scipy_special.log_expit

    def f():
        np.negative(x, out=y); fn(y, out=y); np.negative(y, out=y)
        np.multiply(x, t, out=u); np.subtract(y, u, out=y)
        return y
    return f


@impl("binary_cross_entropy", "torch", "F.binary_cross_entropy_with_logits(x, t, reduction='none')")
def _(c, L, P):
    T, F = c.T, L.F
    return lambda: F.binary_cross_entropy_with_logits(T.x, T.t, reduction="none")


_reg_ne("binary_cross_entropy", "where(x>0, x, 0) - x*t + log1p(exp(-abs(x)))", names=("x", "t"))
_jax("binary_cross_entropy", "-t*log_sigmoid(x) - (1-t)*log_sigmoid(-x) (optax's form)",
     lambda jax, jnp, P: (lambda x, t: -t * jax.nn.log_sigmoid(x) - (1 - t) * jax.nn.log_sigmoid(-x)),
     args=("x", "t"))


@impl("binary_cross_entropy_grad", "numpy", "1/(1+np.exp(-x)) - t with out=")
def _(c, L, P):
    x, t, y = c.x, c.t, c.y

    def f():
        np.negative(x, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y); np.subtract(y, t, out=y)
        return y
    return f


@impl("binary_cross_entropy_grad", "scipy", "expit(x, out=y); y -= t")
def _(c, L, P):
    x, t, y, expit = c.x, c.t, c.y, L.scipy_special.expit

    def f():
        expit(x, out=y); np.subtract(y, t, out=y)
        return y
    return f


@impl("binary_cross_entropy_grad", "torch",
      "torch.sigmoid(x, out=y).sub_(t) (BCE-with-logits has no aten backward op: autograd runs this)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.sigmoid(T.x, out=T.y).sub_(T.t)


_reg_ne("binary_cross_entropy_grad", "1/(1+exp(-x)) - t", names=("x", "t"))
_jax("binary_cross_entropy_grad", "jax.grad(sum(bce), argnums=0)",
     lambda jax, jnp, P: jax.grad(lambda x, t: jnp.sum(-t * jax.nn.log_sigmoid(x)
                                                       - (1 - t) * jax.nn.log_sigmoid(-x))),
     args=("x", "t"))

# ----- softmax family: X of shape (n // 1000, 1000), along the last axis ---------------------


def _np_softmax_into(X, Y):
    m = X.max(axis=-1, keepdims=True)
    np.subtract(X, m, out=Y); np.exp(Y, out=Y); np.divide(Y, Y.sum(axis=-1, keepdims=True), out=Y)
    return Y


@impl("softmax", "numpy", "e = np.exp(x - x.max(-1, keepdims=True)) (out=); e /= e.sum(-1, keepdims=True)")
def _(c, L, P):
    return lambda: _np_softmax_into(c.X, c.Y)


@impl("softmax", "scipy", "scipy.special.softmax(x, axis=-1) (no out=)")
def _(c, L, P):
    X, fn = c.X, L.scipy_special.softmax
    return lambda: fn(X, axis=-1)


@impl("softmax", "torch", "torch.softmax(x, -1, out=y)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.softmax(T.X, -1, out=T.Y)


_jax("softmax", "jax.nn.softmax(x, axis=-1)", lambda jax, jnp, P: (lambda X: jax.nn.softmax(X, axis=-1)),
     args=("X",))


@impl("log_softmax", "numpy", "y = x - m (out=); y -= np.log(np.exp(y).sum(-1, keepdims=True))")
def _(c, L, P):
    X, Y, T = c.X, c.Y, c.tmp(0)[: c.X.size].reshape(c.X.shape)

    def f():
        m = X.max(axis=-1, keepdims=True)
        np.subtract(X, m, out=Y); np.exp(Y, out=T); np.subtract(Y, np.log(T.sum(axis=-1, keepdims=True)), out=Y)
        return Y
    return f


@impl("log_softmax", "scipy", "scipy.special.log_softmax(x, axis=-1) (no out=)")
def _(c, L, P):
    X, fn = c.X, L.scipy_special.log_softmax
    return lambda: fn(X, axis=-1)


@impl("log_softmax", "torch", "torch.log_softmax(x, -1, out=y)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.log_softmax(T.X, -1, out=T.Y)


_jax("log_softmax", "jax.nn.log_softmax(x, axis=-1)",
     lambda jax, jnp, P: (lambda X: jax.nn.log_softmax(X, axis=-1)), args=("X",))


def _np_lse(X, T, s):
    m = X.max(axis=-1, keepdims=True)
    np.subtract(X, m, out=T); np.exp(T, out=T); np.sum(T, axis=-1, out=s); np.log(s, out=s)
    np.add(s, m[..., 0], out=s)
    return s


@impl("logsumexp", "numpy", "m + np.log(np.exp(x - m).sum(-1)) with out=")
def _(c, L, P):
    X, s, T = c.X, c.s, c.tmp(0)[: c.X.size].reshape(c.X.shape)
    return lambda: _np_lse(X, T, s)


@impl("logsumexp", "scipy", "scipy.special.logsumexp(x, axis=-1) (no out=)")
def _(c, L, P):
    X, fn = c.X, L.scipy_special.logsumexp
    return lambda: fn(X, axis=-1)


@impl("logsumexp", "torch", "torch.logsumexp(x, -1, out=s)")
def _(c, L, P):
    T, torch = c.T, L.torch
    return lambda: torch.logsumexp(T.X, -1, out=T.s)


_jax("logsumexp", "jax.nn.logsumexp(x, axis=-1)",
     lambda jax, jnp, P: (lambda X: jax.nn.logsumexp(X, axis=-1)), args=("X",))


@impl("softmax_jacobian", "numpy", "y = softmax(x); np.subtract(eye, y[:, None, :], out=J); J *= y[:, :, None]")
def _(c, L, P):
    x16, y16, J, eye = c.jac()

    def f():
        _np_softmax_into(x16, y16)
        np.subtract(eye, y16[:, None, :], out=J); np.multiply(J, y16[:, :, None], out=J)
        return J
    return f


@impl("softmax_jacobian", "torch", "y = torch.softmax(x, -1, out=); J = diag_embed(y) - y y^T with out=")
def _(c, L, P):
    x16, y16, J, eye = c.jac()
    torch = L.torch
    tx, ty, tJ = torch.from_numpy(x16), torch.from_numpy(y16), torch.from_numpy(J)

    def f():
        torch.softmax(tx, -1, out=ty)
        torch.mul(ty.unsqueeze(-1), ty.unsqueeze(-2), out=tJ); tJ.neg_()
        tJ.diagonal(dim1=-2, dim2=-1).add_(ty)
        return tJ
    return f


def _jax_jac(c, L, P):
    x16 = c.jac()[0]
    jax = L.jax
    fn = jax.jit(jax.vmap(jax.jacfwd(jax.nn.softmax)))
    jx = jax.device_put(x16)
    return lambda: jax.block_until_ready(fn(jx))


impl("softmax_jacobian", "jax", "jax.vmap(jax.jacfwd(jax.nn.softmax))")(_jax_jac)


@impl("softmax_vjp", "numpy", "y = softmax(x); y *= g - (y*g).sum(-1, keepdims=True) with out=")
def _(c, L, P):
    X, G, Y, Tm = c.X, c.G, c.Y, c.tmp(0)[: c.X.size].reshape(c.X.shape)

    def f():
        _np_softmax_into(X, Y)
        np.multiply(Y, G, out=Tm); s = Tm.sum(axis=-1, keepdims=True)
        np.subtract(G, s, out=Tm); np.multiply(Y, Tm, out=Y)
        return Y
    return f


@impl("softmax_vjp", "scipy", "y = scipy.special.softmax(x, axis=-1); y * (g - (y*g).sum(-1, keepdims=True))")
def _(c, L, P):
    X, G, fn = c.X, c.G, L.scipy_special.softmax

    def f():
        y = fn(X, axis=-1)
        np.multiply(y, G - (y * G).sum(axis=-1, keepdims=True), out=y)
        return y
    return f


@impl("softmax_vjp", "torch", "torch.softmax(x, -1, out=y); aten._softmax_backward_data(g, y, -1) (from x)")
def _(c, L, P):
    T, torch, A = c.T, L.torch, L.A

    def f():
        torch.softmax(T.X, -1, out=T.Y)
        return A._softmax_backward_data.out(T.G, T.Y, -1, T.dtype, grad_input=T.Y2)
    return f


_jax("softmax_vjp", "jax.vjp(jax.nn.softmax, x)[1](g)",
     lambda jax, jnp, P: (lambda X, G: jax.vjp(lambda z: jax.nn.softmax(z, axis=-1), X)[1](G)[0]),
     args=("X", "G"))


@impl("log_softmax_vjp", "numpy", "g - softmax(x)*g.sum(-1, keepdims=True) with out=")
def _(c, L, P):
    X, G, Y = c.X, c.G, c.Y

    def f():
        _np_softmax_into(X, Y); np.multiply(Y, G.sum(axis=-1, keepdims=True), out=Y); np.subtract(G, Y, out=Y)
        return Y
    return f


@impl("log_softmax_vjp", "torch",
      "torch.log_softmax(x, -1, out=y); aten._log_softmax_backward_data(g, y, -1) (from x)")
def _(c, L, P):
    T, torch, A = c.T, L.torch, L.A

    def f():
        torch.log_softmax(T.X, -1, out=T.Y)
        return A._log_softmax_backward_data.out(T.G, T.Y, -1, T.dtype, out=T.Y2)
    return f


_jax("log_softmax_vjp", "jax.vjp(jax.nn.log_softmax, x)[1](g)",
     lambda jax, jnp, P: (lambda X, G: jax.vjp(lambda z: jax.nn.log_softmax(z, axis=-1), X)[1](G)[0]),
     args=("X", "G"))


@impl("cross_entropy", "numpy", "logsumexp composite - np.take_along_axis(x, label[:, None], -1)")
def _(c, L, P):
    X, s, lab, T = c.X, c.s, c.lab, c.tmp(0)[: c.X.size].reshape(c.X.shape)
    lab2 = lab[:, None]

    def f():
        _np_lse(X, T, s); np.subtract(s, np.take_along_axis(X, lab2, -1)[:, 0], out=s)
        return s
    return f


@impl("cross_entropy", "scipy", "scipy.special.logsumexp(x, axis=-1) - x[arange, label]")
def _(c, L, P):
    X, lab, ar, fn = c.X, c.lab, c.rows_ar, L.scipy_special.logsumexp
    return lambda: fn(X, axis=-1) - X[ar, lab]


@impl("cross_entropy", "torch", "F.cross_entropy(x, label, reduction='none')")
def _(c, L, P):
    T, F = c.T, L.F
    return lambda: F.cross_entropy(T.X, T.lab, reduction="none")


_jax("cross_entropy", "jax.nn.logsumexp(x, -1) - jnp.take_along_axis(x, label[:, None], -1)[:, 0]",
     lambda jax, jnp, P: (lambda X, lab: jax.nn.logsumexp(X, axis=-1)
                          - jnp.take_along_axis(X, lab[:, None], axis=-1)[:, 0]),
     args=("X", "lab"))


@impl("cross_entropy_grad", "numpy", "softmax composite (out=); y[arange, label] -= 1")
def _(c, L, P):
    X, Y, lab, ar = c.X, c.Y, c.lab, c.rows_ar

    def f():
        _np_softmax_into(X, Y); Y[ar, lab] -= 1
        return Y
    return f


@impl("cross_entropy_grad", "scipy", "y = scipy.special.softmax(x, axis=-1); y[arange, label] -= 1")
def _(c, L, P):
    X, lab, ar, fn = c.X, c.lab, c.rows_ar, L.scipy_special.softmax

    def f():
        y = fn(X, axis=-1); y[ar, lab] -= 1
        return y
    return f


@impl("cross_entropy_grad", "torch", "torch.softmax(x, -1, out=y); y[arange, label] -= 1")
def _(c, L, P):
    T, torch = c.T, L.torch

    def f():
        torch.softmax(T.X, -1, out=T.Y); T.Y[T.rows_ar, T.lab] -= 1
        return T.Y
    return f


_jax("cross_entropy_grad", "jax.grad(sum(cross_entropy))",
     lambda jax, jnp, P: jax.grad(lambda X, lab: jnp.sum(
         jax.nn.logsumexp(X, axis=-1) - jnp.take_along_axis(X, lab[:, None], axis=-1)[:, 0])),
     args=("X", "lab"))


# ---------------------------------------------------------------------------
# pyactx itself
# ---------------------------------------------------------------------------

def pyactx_callable(pyactx, f: Func, c: Ctx):
    """pyactx's public API with preallocated out=, on the arrays the peers use."""
    if f.group == "activation":
        fn = getattr(pyactx, f.name)
        x = c.p if f.name == "logit" else c.x
        return lambda: fn(x, out=c.y)
    if f.group == "activation_grad":
        fn = getattr(pyactx, f.name)
        x = c.p if f.base == "logit" else c.x
        return lambda: fn(x, out=c.y)
    if f.group in ("binary", "binary_grad"):
        fn = getattr(pyactx, f.name)
        u, v = (c.x, c.t) if f.base == "binary_cross_entropy" else (c.a, c.b)
        if f.group == "binary_grad" and pyactx.BINARY[f.base].kind == "gate":
            out = (c.y, c.y2)
        else:
            out = c.y
        return lambda: fn(u, v, out=out)
    fn = getattr(pyactx, f.name)
    if f.name == "softmax_jacobian":
        x16, _, J, _ = c.jac()
        return lambda: fn(x16, out=J)
    if f.name in ("softmax", "log_softmax"):
        return lambda: fn(c.X, out=c.Y)
    if f.name == "logsumexp":
        return lambda: fn(c.X, out=c.s)
    if f.name in ("softmax_vjp", "log_softmax_vjp"):
        return lambda: fn(c.X, c.G, out=c.Y)
    if f.name == "cross_entropy":
        return lambda: fn(c.X, c.lab, out=c.s)
    if f.name == "cross_entropy_grad":
        return lambda: fn(c.X, c.lab, out=c.Y)
    raise KeyError(f.name)


def floor_callable(c: Ctx):
    return lambda: np.negative(c.x, out=c.y)


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------

def _flat(r):
    if isinstance(r, (tuple, list)):
        return np.concatenate([_flat(v) for v in r])
    return np.asarray(r, dtype=np.float64).reshape(-1)


def _agree(ref, r, dtype):
    try:
        a, b = _flat(ref), _flat(r)
    except Exception:
        return None
    if a.shape != b.shape:
        return False
    rtol = 2e-3 if dtype == np.float32 else 1e-6
    atol = rtol * max(1.0, float(np.nanmax(np.abs(a))) if a.size else 1.0)
    return bool(np.allclose(b, a, rtol=rtol, atol=atol, equal_nan=True))


def _sig(v, n=4):
    if v is None or not math.isfinite(v) or v == 0:
        return v
    return float(f"{v:.{n}g}")


# ---------------------------------------------------------------------------
# Machine information
# ---------------------------------------------------------------------------

def machine_info(libs: Optional[Libs], pyactx) -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "cores_os": os.cpu_count()}
    try:
        info["cores_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["cores_usable"] = os.cpu_count()
    try:
        with open("/proc/cpuinfo") as fh:
            txt = fh.read()
        for line in txt.splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in txt.splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                info["cpu_flags"] = sorted(flags & {"avx2", "fma", "f16c", "avx512f", "avx512dq",
                                                    "avx512vl", "avx512bw", "avx512_fp16"})
                break
        for line in txt.splitlines():
            if line.startswith("cpu MHz"):
                info["cpu_mhz"] = float(line.split(":", 1)[1])
                break
    except OSError:
        info["cpu"] = platform.processor() or platform.machine()
    try:
        with open("/proc/meminfo") as fh:
            info["mem_total_gib"] = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        info["loadavg_start"] = list(os.getloadavg())
    except OSError:
        pass
    try:
        from numpy._core import _multiarray_umath as mu
        info["numpy_simd"] = {"baseline": list(mu.__cpu_baseline__),
                              "dispatch_usable": [k for k in mu.__cpu_dispatch__
                                                  if mu.__cpu_features__.get(k)]}
    except Exception:
        pass
    env = {k: os.environ.get(k) for k in _OPENBLAS_ENV + ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                          "OPENBLAS_NUM_THREADS", "XLA_FLAGS")}
    info["env"] = env
    unset = os.environ.get(_CHILD_ENV)
    info["openblas_env_unset_for_benchmark"] = json.loads(unset) if unset else None
    try:
        import threadpoolctl
        info["threadpools"] = [{k: d.get(k) for k in ("internal_api", "version", "num_threads",
                                                      "architecture", "threading_layer")}
                               for d in threadpoolctl.threadpool_info()]
    except Exception:
        pass
    info["pyactx"] = {"version": pyactx.__version__, "path": os.path.dirname(pyactx.__file__),
                      "set_num_threads": hasattr(pyactx, "set_num_threads")}
    for key, fname in (("dispatch", "get_dispatch"), ("num_threads", "get_num_threads"),
                       ("available_dispatch", "available_dispatch")):
        fn = getattr(pyactx, fname, None)
        if fn is not None:
            try:
                info["pyactx"][key] = fn()
            except Exception as e:
                info["pyactx"][key] = repr(e)
    if libs is not None:
        info.update({k: v for k, v in libs.info.items()})
    try:
        import matplotlib
        info["matplotlib"] = matplotlib.__version__
    except ImportError:
        pass
    return info


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def _size_label(n):
    e = int(round(math.log10(n))) if n > 0 else 0
    return f"1e{e}" if 10 ** e == n else str(n)


def _parse_sizes(s):
    return [int(float(v)) for v in s.split(",") if v.strip()]


def _set_threads(n, libs: Libs, pyactx):
    if libs.torch is not None:
        libs.torch.set_num_threads(n)
    if libs.ne is not None:
        libs.ne.set_num_threads(n)
    fn = getattr(pyactx, "set_num_threads", None)
    if fn is not None:
        fn(n)


_SINGLE_THREADED = ("numpy", "scipy", "jax", FLOOR)


def _so_fingerprint(pyactx):
    """Size, mtime and a hash of the compiled extension: a rebuild during the
    run (several people share a tree) shows up as a change."""
    import hashlib
    path = getattr(pyactx._core, "__file__", None)
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:16]
        return {"path": path, "size": st.st_size,
                "mtime": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(st.st_mtime)),
                "sha256_16": digest}
    except (OSError, TypeError):
        return {"path": path}


class _Runner:
    def __init__(self, cfg, pyactx, libs, has_threads):
        self.cfg, self.pyactx, self.libs, self.has_threads = cfg, pyactx, libs, has_threads
        self.cases: List[dict] = []
        self.measured_1: Dict[tuple, dict] = {}
        self.skipped: Dict[str, Dict[str, str]] = {}
        self.warmed: set = set()
        self.last_call: Dict[tuple, tuple] = {}     # (func, impl, dtype, threads) -> (size, s/call)
        self.floor_cache: Dict[tuple, tuple] = {}

    def reusable(self, name):
        return name in _SINGLE_THREADED or (name == "pyactx" and not self.has_threads)

    def time_case(self, fname, dtype, size, shape, tlabel, nthreads, impls, check):
        """Time every (name, callable) of `impls` on one case, back to back."""
        cfg = self.cfg
        rec = {"func": fname, "dtype": dtype, "size": size, "shape": list(shape),
               "threads": tlabel, "nthreads": nthreads, "ns_per_el": {}, "ns_per_el_cpu": {},
               "samples": {}}
        key = (fname, dtype, size)
        old = self.measured_1.get(key) if tlabel != "1" else None
        ref, reused, disagree = None, [], []
        for name, fn in impls:
            if old is not None and self.reusable(name) and name in old["ns_per_el"]:
                for k in ("ns_per_el", "ns_per_el_cpu", "samples"):
                    if name in old[k]:
                        rec[k][name] = old[k][name]
                if name in old.get("disagree", []):
                    disagree.append(name)
                reused.append(name)
                continue
            wkey = (fname, name, dtype, tlabel)
            fkey = (dtype, size, tlabel, tuple(shape) if fname.endswith("_axis1") else None)
            prev = self.last_call.get(wkey)
            if prev is not None and prev[1] * size / prev[0] > cfg.max_call:
                est = prev[1] * size / prev[0]
                rec.setdefault("too_slow", {})[name] = _sig(est / size * 1e9, 3)
                continue
            try:
                if name == FLOOR and fkey in self.floor_cache:     # np.negative: once per group
                    med, mn, cpu, reps, inner, r = self.floor_cache[fkey]
                else:
                    warm = not (size >= 10**6 and name != "jax" and wkey in self.warmed)
                    med, mn, cpu, reps, inner, r = measure(fn, cfg.budget, cfg.repeats, warm=warm,
                                                           slow_cap=cfg.slow_cap)
                    self.warmed.add(wkey)
                    self.last_call[wkey] = (size, med)
                    if name == FLOOR:
                        self.floor_cache[fkey] = (med, mn, cpu, reps, inner, None)
            except Exception as e:   # an op this version of a peer lacks: a note, not a failure
                self.skipped.setdefault(fname, {})[name] = f"{type(e).__name__}: {str(e)[:200]}"
                continue
            rec["ns_per_el"][name] = _sig(med / size * 1e9)
            rec["ns_per_el_cpu"][name] = _sig(cpu / size * 1e9, 3)
            rec["samples"][name] = reps
            if check:
                if name == "pyactx":
                    ref = [np.array(v, copy=True) for v in (r if isinstance(r, tuple) else (r,))]
                elif ref is not None and name != FLOOR and _agree(ref, r, np.dtype(dtype)) is False:
                    disagree.append(name)
            r = None
        p = rec["ns_per_el"].get("pyactx")
        rec["speedup"] = {k: _sig(v / p, 3) for k, v in rec["ns_per_el"].items()
                          if p and k not in ("pyactx", FLOOR) and v}
        fl = rec["ns_per_el"].get(FLOOR)
        rec["x_floor"] = _sig(p / fl, 3) if (p and fl) else None
        if reused:
            rec["reused_from_1_thread"] = reused
        if disagree:
            rec["disagree"] = disagree
        if tlabel == "1":
            self.measured_1[key] = rec
        self.cases.append(rec)
        return rec


def run(cfg) -> dict:
    import pyactx

    t_start = time.perf_counter()
    load_start = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    so_start = _so_fingerprint(pyactx)
    libs = Libs([p for p in cfg.peers if p in PEERS])
    funcs = select_funcs(all_funcs(pyactx), cfg.funcs)
    want_2d = (not cfg.funcs) or any(n in cfg.funcs for n in (SOFTMAX_2D, "softmax", "log_softmax"))
    want_2d = want_2d and "float32" in cfg.dtypes
    ncores = machine_info(None, pyactx)["cores_usable"]
    has_threads = hasattr(pyactx, "set_num_threads")
    notes = list(libs.notes)
    if has_threads:
        notes.append("pyactx threads set with pyactx.set_num_threads(n) for each setting")
    else:
        notes.append("pyactx has no set_num_threads yet: pyactx runs single-threaded in every "
                     "thread setting (its 'all' numbers are its 1-thread numbers)")
    if libs.jax is not None:
        notes.append("JAX/XLA CPU threads are fixed when JAX starts; it was started with XLA_FLAGS="
                     f"{libs.info['jax'].get('XLA_FLAGS')!r} and its numbers are reused for 'all'")
    notes.append("numpy, scipy and the np.negative floor are single-threaded: 'all' reuses their "
                 "1-thread numbers")
    notes.append("torch derivatives call aten.*_backward with grad_output = ones (they read one "
                 "array more than pyactx's f'(x)); ops that need the forward's output (sigmoid, tanh, "
                 "softmax, log_softmax) are timed as forward + backward, from x")
    notes.append(f"softmax family: rows of {ROW} along the last axis (shape (n/{ROW}, {ROW})); "
                 f"softmax_jacobian: rows of {JAC_ROW} (its output is {JAC_ROW}x the input), only "
                 f"for n <= {JAC_MAX_SIZE:.0e}")
    threads_list = [(t, ncores if t == "all" else int(t)) for t in cfg.threads]
    peers_on = [p for p in cfg.peers if p in PEERS and libs.available.get(p)]
    R = _Runner(cfg, pyactx, libs, has_threads)

    def progress(msg):
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    for tlabel, nthreads in threads_list:
        _set_threads(nthreads, libs, pyactx)
        for dtype in cfg.dtypes:
            for size in cfg.sizes:
                progress(f"threads={tlabel} {dtype} n={_size_label(size)}")
                c = Ctx(dtype, size, libs)
                floor_fn = floor_callable(c)
                for f in funcs:
                    if f.name == "softmax_jacobian" and size > JAC_MAX_SIZE:
                        continue
                    impls = [("pyactx", pyactx_callable(pyactx, f, c))]
                    for peer in peers_on:
                        entry = MAPPINGS.get(f.name, {}).get(peer)
                        if entry is None:
                            continue
                        if peer == "numpy" and f.base in ("gelu", "geglu") and libs.scipy_special is None:
                            continue
                        try:
                            impls.append((peer, entry[1](c, libs, f.params)))
                        except NotImplementedError as e:
                            R.skipped.setdefault(f.name, {})[peer] = str(e)
                    if FLOOR in cfg.peers:
                        impls.append((FLOOR, floor_fn))
                    shape = ((size // JAC_ROW, JAC_ROW) if f.name == "softmax_jacobian"
                             else c.X.shape if f.group == "family" else (size,))
                    R.time_case(f.name, dtype, size, shape, tlabel, nthreads, impls,
                                check=size <= cfg.check_max)
                del c, floor_fn
                gc.collect()
        if want_2d:
            progress(f"threads={tlabel} float32 softmax/log_softmax (1000, 1000) axis=1")
            _softmax_2d(R, peers_on, tlabel, nthreads)
    _set_threads(ncores, libs, pyactx)

    machine = machine_info(libs, pyactx)
    machine["loadavg_start"] = load_start
    try:
        machine["loadavg_end"] = list(os.getloadavg())
    except OSError:
        pass
    so_end = _so_fingerprint(pyactx)
    machine["pyactx"]["extension"] = so_start
    if so_end != so_start:
        notes.append(f"WARNING: pyactx's extension file changed during the run (rebuilt?): "
                     f"{so_start} -> {so_end}; the numbers are those of the build loaded at start")
    cows = [r["ns_per_el_cpu"][k] / v for r in R.cases for k, v in r["ns_per_el"].items()
            if v and r["nthreads"] == 1 and r["ns_per_el_cpu"].get(k)]
    if cows:
        med = statistics.median(cows)
        machine["median_cpu_over_wall_1_thread"] = _sig(med, 2)
        if med < 0.85:
            notes.append(f"WARNING: the machine was busy: single-threaded timings got a median "
                         f"{med:.2f} of a core (CPU time / wall time); wall-clock numbers are noisier "
                         f"and slower than on an idle machine (ns_per_el_cpu in the JSON is the "
                         f"process CPU time, closer to an idle machine's for 1 thread)")
    peers_info = {p: {"available": bool(libs.available.get(p)),
                      **({"version": libs.info[p].get("version")} if p in libs.info else {})}
                  for p in PEERS if p in cfg.peers}
    used = {r["func"] for r in R.cases}
    mappings = {fn: {peer: MAPPINGS[fn][peer][0] for peer in MAPPINGS.get(fn, {})
                     if peer in cfg.peers} for fn in sorted(used) if fn in MAPPINGS}
    if want_2d:
        mappings[SOFTMAX_2D] = {"note": "softmax / log_softmax of a float32 (1000, 1000) array along "
                                "axis=1: pyactx.softmax(x, axis=1, out=y), scipy.special.softmax(x, "
                                "axis=1), torch.softmax(x, 1, out=y), the NumPy composite, "
                                "jax.nn.softmax(x, axis=1)"}
    result = {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": cfg.command,
        "config": {"funcs": cfg.funcs, "sizes": cfg.sizes, "dtypes": cfg.dtypes,
                   "threads": cfg.threads, "peers": cfg.peers, "budget_s": cfg.budget,
                   "min_repeats": cfg.repeats, "slow_cap_s": cfg.slow_cap,
                   "max_call_s": cfg.max_call,
                   "check_max": cfg.check_max},
        "definitions": {
            "ns_per_el": "median wall time of one call / number of input elements (per input array "
                         "for the two-input functions), in ns",
            "samples": "timed samples behind each median (each sample: one call, or an inner loop of "
                       "calls for fast ones)",
            "speedup": "peer ns_per_el / pyactx ns_per_el: above 1 pyactx is faster, below 1 the peer is",
            "x_floor": "pyactx ns_per_el / np.negative(x, out=y) ns_per_el",
            "ns_per_el_cpu": "median process CPU time per call / elements: equal to ns_per_el for one "
                             "thread on an idle machine, smaller when other processes held the "
                             "cores, larger with several threads (their CPU time adds up)",
            "disagree": "peers whose result did not match pyactx's (rtol 2e-3 float32, 1e-6 float64) "
                        "on sizes up to check_max: a guard against a wrong mapping, not an accuracy test",
            "reused_from_1_thread": "single-threaded implementations whose 1-thread numbers stand "
                                    "for the 'all' setting",
            "too_slow": "implementations not timed at this size because one call, scaled from the "
                        "previous size, would take more than max_call_s: the value is that estimate "
                        "in ns/element (not a measurement)",
        },
        "machine": machine,
        "peers": peers_info,
        "notes": notes,
        "skipped": R.skipped,
        "mappings": mappings,
        "cases": R.cases,
    }
    result["summary"] = summarize(result)
    result["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    return result


def _softmax_2d(R: _Runner, peers_on, tlabel, nthreads):
    pyactx, libs, cfg = R.pyactx, R.libs, R.cfg
    rng = np.random.default_rng(7)
    X = (rng.standard_normal((1000, 1000)) * 3).astype(np.float32)
    Y = np.zeros_like(X)
    Tm = np.zeros_like(X)

    def np_log_softmax():
        m = X.max(axis=1, keepdims=True)
        np.subtract(X, m, out=Y); np.exp(Y, out=Tm)
        np.subtract(Y, np.log(Tm.sum(axis=1, keepdims=True)), out=Y)
        return Y

    for name in ("softmax", "log_softmax"):
        if cfg.funcs and not any(n in cfg.funcs for n in (name, SOFTMAX_2D)):
            continue
        pa = getattr(pyactx, name)
        impls = [("pyactx", lambda pa=pa: pa(X, axis=1, out=Y))]
        if "numpy" in peers_on:
            impls.append(("numpy", (lambda: _np_softmax_into(X, Y)) if name == "softmax" else np_log_softmax))
        if "scipy" in peers_on:
            fn = getattr(libs.scipy_special, name)
            impls.append(("scipy", lambda fn=fn: fn(X, axis=1)))
        if "torch" in peers_on:
            torch = libs.torch
            tX, tY, tf = torch.from_numpy(X), torch.from_numpy(Y), getattr(torch, name)
            impls.append(("torch", lambda tf=tf, tX=tX, tY=tY: tf(tX, 1, out=tY)))
        if "jax" in peers_on:
            jax = libs.jax
            jf = jax.jit(lambda z, g=getattr(jax.nn, name): g(z, axis=1))
            jX = jax.device_put(X)
            impls.append(("jax", lambda jf=jf, jX=jX: jax.block_until_ready(jf(jX))))
        if FLOOR in cfg.peers:
            impls.append((FLOOR, lambda: np.negative(X, out=Y)))
        R.time_case(f"{name}_1000x1000_axis1", "float32", X.size, X.shape, tlabel, nthreads,
                    impls, check=True)


# ---------------------------------------------------------------------------
# Summary: the issue's targets and the to-do list
# ---------------------------------------------------------------------------

def _find(cases, func, dtype, size, threads="1"):
    for r in cases:
        if r["func"] == func and r["dtype"] == dtype and r["size"] == size and r["threads"] == threads:
            return r
    return None


def summarize(res) -> dict:
    cases = res["cases"]
    targets = []

    def target(title, func, dtype, size, peers, threads="1"):
        r = _find(cases, func, dtype, size, threads)
        if r is None:
            return
        targets.append({"target": title, "func": func, "dtype": dtype, "size": size,
                        "threads": threads,
                        "pyactx_ns": r["ns_per_el"].get("pyactx"),
                        "pyactx_cpu_ns": r["ns_per_el_cpu"].get("pyactx"),
                        "peers": {p: {"ns": r["ns_per_el"].get(p), "speedup": r["speedup"].get(p),
                                      "cpu_ns": r["ns_per_el_cpu"].get(p)}
                                  for p in peers if p in r["ns_per_el"]},
                        "floor_ns": r["ns_per_el"].get(FLOOR), "x_floor": r.get("x_floor")})

    target("float32 sigmoid, 1e6, 1 thread", "sigmoid", "float32", 10**6, ("torch", "scipy", "numpy"))
    target("float64 exact gelu, 1e6, 1 thread", "gelu", "float64", 10**6, ("torch", "scipy", "numpy"))
    for fn in ("sigmoid", "silu", "gelu_tanh"):
        for dt in ("float32", "float64"):
            target(f"{dt} {fn}, 1e7, vs np.negative floor", fn, dt, 10**7, ())
    for fn in ("softmax", "log_softmax"):
        target(f"float32 {fn} 1000x1000 axis=1, 1 thread", f"{fn}_1000x1000_axis1", "float32", 10**6,
               ("scipy", "torch", "numpy", "jax"))
    r1 = _find(cases, "gelu", "float64", 10**7, "1")
    ra = _find(cases, "gelu", "float64", 10**7, "all")
    scal = None
    if r1 and ra:
        p1, pa = r1["ns_per_el"].get("pyactx"), ra["ns_per_el"].get("pyactx")
        reused = "pyactx" in ra.get("reused_from_1_thread", [])
        scal = {"target": f"float64 gelu 1e7: pyactx speed-up with {ra['nthreads']} threads",
                "pyactx_1_thread_ns": p1, "pyactx_all_ns": pa,
                "speedup": None if reused or not (p1 and pa) else _sig(p1 / pa, 3),
                "note": "n/a: pyactx has no set_num_threads yet" if reused else None}
        tr1, tra = r1["ns_per_el"].get("torch"), ra["ns_per_el"].get("torch")
        if tr1 and tra:
            scal["torch_speedup"] = _sig(tr1 / tra, 3)
    todo = {}
    for r in cases:
        if r["size"] not in (10**5, 10**6) or r["func"].endswith("_axis1"):
            continue
        faster = {p: s for p, s in r["speedup"].items() if s is not None and s < 1}
        key = f'{r["func"]} {r["dtype"]} {_size_label(r["size"])} threads={r["threads"]}'
        if faster:
            todo[key] = dict(sorted(faster.items(), key=lambda kv: kv[1]))
    return {"targets": targets, "threads_scaling": scal, "peers_faster_at_1e5_1e6": todo}


# ---------------------------------------------------------------------------
# Text output
# ---------------------------------------------------------------------------

def _fmt_ns(v):
    if v is None:
        return "-"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def render(res) -> str:
    m = res["machine"]
    lines = []
    lines.append(f"pyactx benchmark ({res['created']}): {res.get('command', '')}")
    lines.append(f"CPU: {m.get('cpu')} ({m.get('cores_usable')} usable cores, flags "
                 f"{' '.join(m.get('cpu_flags', []))}); {m.get('mem_total_gib')} GiB; {m.get('platform')}")
    vers = [f"python {m['python']}", f"numpy {m['numpy']}"]
    for k in ("scipy", "torch", "numexpr", "jax"):
        if k in m and isinstance(m[k], dict):
            vers.append(f"{k} {m[k].get('version')}")
    vers.append(f"pyactx {m['pyactx']['version']}")
    lines.append("versions: " + ", ".join(vers))
    env = m.get("env", {})
    lines.append("env: " + (", ".join(f"{k}={v}" for k, v in env.items() if v is not None) or "(none set)") +
                 (f"; unset for this run: {m['openblas_env_unset_for_benchmark']}"
                  if m.get("openblas_env_unset_for_benchmark") else ""))
    if m.get("loadavg_start"):
        la = lambda v: "/".join(f"{x:.1f}" for x in v) if v else "?"   # noqa: E731
        lines.append(f"load average (1/5/15 min) at start {la(m['loadavg_start'])}, at end "
                     f"{la(m.get('loadavg_end'))}; median CPU/wall of 1-thread timings "
                     f"{m.get('median_cpu_over_wall_1_thread')}")
    ext = m.get("pyactx", {}).get("extension", {})
    lines.append(f"pyactx dispatch {m['pyactx'].get('dispatch')} (available "
                 f"{m['pyactx'].get('available_dispatch')}), extension {ext.get('sha256_16')} "
                 f"built {ext.get('mtime')}")
    for n in res["notes"]:
        lines.append(f"note: {n}")
    if res.get("skipped"):
        for fn, d in res["skipped"].items():
            for p, why in d.items():
                lines.append(f"skipped: {fn} / {p}: {why}")
    lines.append("")
    lines.append("ns/element = median time per call / elements.  Peer cells: ns/el (speed-up = "
                 "peer/pyactx; < 1 means the peer is faster).  floor = np.negative(x, out=y); "
                 "xfl = pyactx / floor.  * = measured at 1 thread and reused;  ! = result did not "
                 "match pyactx's;  ~N slow / ~Ns = not timed: one call would take over "
                 f"{res['config']['max_call_s']} s (N = ns/el scaled from the previous size).")
    s = res["summary"]
    lines.append("")
    lines.append("== The issue's targets ==")
    for t in s["targets"]:
        peers = "  ".join(f"{p} {_fmt_ns(v['ns'])} ({v['speedup']}x)" for p, v in t["peers"].items())
        lines.append(f"{t['target']:52s} pyactx {_fmt_ns(t['pyactx_ns'])} ns/el "
                     f"[cpu {_fmt_ns(t['pyactx_cpu_ns'])}]  {peers}"
                     f"  floor {_fmt_ns(t['floor_ns'])} -> {t['x_floor']}x floor")
    if s.get("threads_scaling"):
        sc = s["threads_scaling"]
        lines.append(f"{sc['target']}: {sc['speedup'] if sc['speedup'] else 'n/a'}"
                     f" (1 thread {sc['pyactx_1_thread_ns']} ns/el, all {sc['pyactx_all_ns']} ns/el)"
                     + (f"; {sc['note']}" if sc.get("note") else "")
                     + (f"; torch's own speed-up {sc['torch_speedup']}" if sc.get("torch_speedup") else ""))
    lines.append("")
    lines.append("== Peers faster than pyactx at 1e5 and 1e6 (speed-up < 1) ==")
    if not s["peers_faster_at_1e5_1e6"]:
        lines.append("(none)")
    for k, d in s["peers_faster_at_1e5_1e6"].items():
        lines.append(f"{k:48s} " + ", ".join(f"{p} {v}x" for p, v in d.items()))
    lines.append("")
    lines.append("== All cases ==")
    cols = [p for p in PEERS if any(p in r["ns_per_el"] for r in res["cases"])]
    head = f"{'function':28s} {'dtype':7s} {'n':>5s} {'thr':>3s} {'pyactx':>8s}"
    for p in cols:
        head += f" {p:>15s}"
    head += f" {'floor':>7s} {'xfl':>6s}"
    lines.append(head)
    lines.append("-" * len(head))
    for r in res["cases"]:
        reused = set(r.get("reused_from_1_thread", []))
        pcell = (f"~{_fmt_ns(r['too_slow']['pyactx'])}s" if "pyactx" in r.get("too_slow", {})
                 else _fmt_ns(r['ns_per_el'].get('pyactx')) + ('*' if 'pyactx' in reused else ''))
        row = (f"{r['func'][:28]:28s} {r['dtype']:7s} {_size_label(r['size']):>5s} {r['threads']:>3s} "
               f"{pcell:>8s}")
        for p in cols:
            v = r["ns_per_el"].get(p)
            if v is None and p in r.get("too_slow", {}):
                cell = f"~{_fmt_ns(r['too_slow'][p])} slow"
            elif v is None:
                cell = "-"
            else:
                cell = f"{_fmt_ns(v)} ({r['speedup'].get(p)})"
                if p in r.get("disagree", ()):
                    cell += "!"
                if p in reused:
                    cell += "*"
            row += f" {cell:>15s}"
        row += f" {_fmt_ns(r['ns_per_el'].get(FLOOR)):>7s} {str(r.get('x_floor') or '-'):>6s}"
        lines.append(row)
    lines.append("")
    lines.append(f"elapsed: {res.get('elapsed_s')} s")
    return "\n".join(lines)


def plot(res, path) -> Optional[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cases = [r for r in res["cases"] if r["threads"] == "1" and not r["func"].endswith("_axis1")]
    dtypes = [d for d in ("float32", "float64") if any(r["dtype"] == d for r in cases)]
    peers = [p for p in PEERS if any(p in r["speedup"] for r in cases)]
    if not dtypes or not (peers or any(r.get("x_floor") for r in cases)):
        return None
    cols = peers + ["floor"]
    fig, axes = plt.subplots(len(dtypes), len(cols), figsize=(3.2 * len(cols), 3.0 * len(dtypes)),
                             squeeze=False, sharex=True)
    highlight = {"sigmoid": "C0", "gelu": "C1", "silu": "C2", "softmax": "C3", "gelu_tanh": "C4"}
    for i, dt in enumerate(dtypes):
        for j, peer in enumerate(cols):
            ax = axes[i][j]
            by_func: Dict[str, list] = {}
            for r in cases:
                if r["dtype"] != dt:
                    continue
                v = r.get("x_floor") if peer == "floor" else r["speedup"].get(peer)
                if v:
                    by_func.setdefault(r["func"], []).append((r["size"], v))
            for fn, pts in by_func.items():
                pts.sort()
                xs, ys = zip(*pts)
                if fn in highlight:
                    ax.plot(xs, ys, "-o", color=highlight[fn], lw=1.8, ms=3, label=fn, zorder=3)
                else:
                    ax.plot(xs, ys, "-", color="0.6", lw=0.6, alpha=0.6, zorder=1)
            ax.axhline(1.0, color="k", lw=0.8, ls="--")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(True, which="major", alpha=0.3)
            if peer == "floor":
                ax.set_title(f"{dt}: pyactx / np.negative", fontsize=9)
            else:
                ax.set_title(f"{dt}: {peer} / pyactx", fontsize=9)
            if i == len(dtypes) - 1:
                ax.set_xlabel("elements")
            if j == 0:
                ax.set_ylabel("time ratio (>1: pyactx faster)")
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle("pyactx vs peers, 1 thread (grey: every other function and derivative)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)
    try:                                    # a palette PNG is a third of the size
        from PIL import Image
        with Image.open(path) as im:
            im.convert("RGB").quantize(colors=64).save(path, optimize=True)
    except Exception:
        pass
    return path


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _list_mappings():
    import pyactx
    for f in all_funcs(pyactx):
        print(f.name + (f"  (at {f.params})" if f.params else ""))
        print(f"    {'pyactx':8s} pyactx.{f.name}(..., out=...)")
        for peer in PEERS:
            e = MAPPINGS.get(f.name, {}).get(peer)
            print(f"    {peer:8s} {e[0] if e else '-- (no equivalent)'}")
    print(f"{SOFTMAX_2D}\n    softmax / log_softmax float32 (1000, 1000) along axis=1: every peer's own form")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m pyactx bench",
                                 description="pyactx side by side with NumPy, SciPy, PyTorch, numexpr, JAX",
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="sigmoid, gelu, silu, softmax (with grads) at sizes 1e3, 1e5, 1e6: under a minute")
    ap.add_argument("--funcs", metavar="A,B",
                    help="only these functions (sigmoid selects sigmoid and sigmoid_grad; sigmoid_grad "
                         "only the derivative; softmax_2d the float32 1000x1000 axis=1 case)")
    ap.add_argument("--sizes", metavar="1e3,1e6", help="element counts (default 1e3,1e5,1e6,1e7)")
    ap.add_argument("--dtypes", metavar="float32,float64",
                    help="float32 and/or float64 (default both)")
    ap.add_argument("--threads", metavar="1,all",
                    help="thread settings: a number or 'all' (every core this process may use); "
                         "default 1,all")
    ap.add_argument("--peers", metavar="numpy,torch",
                    help="peers to run, from numpy, scipy, torch, numexpr, jax, floor (default all)")
    ap.add_argument("--budget", type=float, metavar="S",
                    help="seconds of timing per (function, case, implementation); default 0.04, "
                         "0.02 with --quick (at least --repeats calls are timed)")
    ap.add_argument("--repeats", type=int, default=3, metavar="N",
                    help="minimum number of timed repeats (default 3)")
    ap.add_argument("--max-call", type=float, default=5.0,
                    help="seconds: skip an implementation at a size where its time per call, "
                         "scaled from the last smaller size, would pass this (noted as too_slow)")
    ap.add_argument("--slow-cap", type=float, default=0.5,
                    help="seconds: calls so slow that --repeats of them pass this get fewer "
                         "samples (never fewer than 2)")
    ap.add_argument("--check-max", type=int, default=100_000,
                    help="compare each peer's result with pyactx's up to this size")
    ap.add_argument("--out", default="pyactx-bench", metavar="DIR",
                    help="folder for bench-<tag>.json/.txt/.png (default ./pyactx-bench)")
    ap.add_argument("--tag", metavar="NAME",
                    help="file-name tag (default: full, quick or custom, from the other options)")
    ap.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    ap.add_argument("--keep-openblas-env", action="store_true",
                    help="do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for the benchmark process")
    ap.add_argument("--list", action="store_true",
                    help="print the mapping of every function to each peer, then exit")
    a = ap.parse_args(argv)
    a.command = "python -m pyactx bench " + " ".join(argv)
    a.funcs = [s.strip() for s in a.funcs.split(",") if s.strip()] if a.funcs else (
        list(QUICK_FUNCS) if a.quick else None)
    if a.funcs:
        import pyactx
        select_funcs(all_funcs(pyactx), a.funcs)      # exits on an unknown name
    a.sizes = _parse_sizes(a.sizes) if a.sizes else list(QUICK_SIZES if a.quick else DEFAULT_SIZES)
    a.dtypes = [s.strip() for s in a.dtypes.split(",")] if a.dtypes else ["float32", "float64"]
    for d in a.dtypes:
        if d not in ("float32", "float64"):
            raise SystemExit(f"--dtypes: float32 and/or float64, not {d!r}")
    a.threads = [s.strip() for s in a.threads.split(",")] if a.threads else ["1", "all"]
    for t in a.threads:
        if t != "all" and not t.isdigit():
            raise SystemExit(f"--threads: 'all' or a number, not {t!r}")
    a.peers = [s.strip() for s in a.peers.split(",")] if a.peers else list(PEERS) + [FLOOR]
    for p in a.peers:
        if p not in PEERS + (FLOOR,):
            raise SystemExit(f"--peers: from {PEERS + (FLOOR,)}, not {p!r}")
    if a.budget is None:
        a.budget = 0.02 if a.quick else 0.04
    if a.tag is None:
        custom = any(x is not None for x in (a.funcs if not a.quick else None,))
        a.tag = "quick" if a.quick else ("custom" if custom or argv_has_filters(argv) else "full")
    return a


def argv_has_filters(argv):
    return any(s.split("=")[0] in ("--funcs", "--sizes", "--dtypes", "--threads", "--peers")
               for s in argv)


def _reexec_without_openblas_env(argv) -> None:
    if os.environ.get(_CHILD_ENV) is not None:
        return
    present = {k: os.environ[k] for k in _OPENBLAS_ENV if k in os.environ}
    if not present:
        return
    env = dict(os.environ)
    for k in _OPENBLAS_ENV:      # both together, for this process only
        env.pop(k, None)
    env[_CHILD_ENV] = json.dumps(present)
    print(f"pyactx bench: re-running with {' and '.join(present)} unset (for this benchmark "
          f"process only; --keep-openblas-env to keep them)", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "pyactx.bench", *argv], env)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_args(argv)
    if cfg.list:
        _list_mappings()
        return 0
    if not cfg.keep_openblas_env:
        _reexec_without_openblas_env(argv)
    res = run(cfg)
    text = render(res)
    print(text)
    os.makedirs(cfg.out, exist_ok=True)
    base = os.path.join(cfg.out, f"bench-{cfg.tag}")
    png = None if cfg.no_plot else plot(res, base + ".png")
    res["files"] = {"json": base + ".json", "txt": base + ".txt", "png": png}
    with open(base + ".json", "w") as fh:
        _dump_json(res, fh)
    with open(base + ".txt", "w") as fh:
        fh.write(text + "\n")
    print(f"\nwrote {base}.json, {base}.txt" + (f", {png}" if png else ""), file=sys.stderr)
    return 0


def _dump_json(res, fh):
    """Compact but diff-friendly: one case per line."""
    cases = res["cases"]
    head = {k: v for k, v in res.items() if k != "cases"}
    txt = json.dumps(head, indent=1, sort_keys=False)
    body = ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases)
    fh.write(txt[:-2] + ',\n "cases": [\n' + body + "\n ]\n}\n")


if __name__ == "__main__":
    sys.exit(main())

