"""The contenders: pyactx itself, the np.negative floor, and the peers as a
table.

``MAPPINGS[func][peer] = (description, maker)``: the description is what
``--list`` and the JSON's ``mappings`` show; a maker takes (ctx, libs,
params) and returns a zero-argument callable that runs the computation once
and returns its result(s).  Every row is written with one of three builders:

  py(desc, src)     Python statements on the case's arrays -- a NumPy
                    composite with ``out=``, a scipy.special function, a torch
                    ``out=`` overload or a ``torch.ops.aten.*_backward`` op.
                    ``src`` (``desc`` itself where that is valid code) is
                    compiled once into a closure over the names it reads, so
                    each call costs what the hand-written statements cost; the
                    value of its last expression is the result.  Names: the
                    function's parameters (alpha, beta, lambd, b, ...); the
                    ``Ctx`` arrays (x, y, y2, p, a, b, t, X, Y, Y2, G, s, lab);
                    u, v (scratch arrays), U (u as X's shape), ar (row
                    indices), lab_col (labels as a column), x16, y16, J, eye
                    (softmax_jacobian's rows of 16) and NAME_t (torch's view of
                    NAME); T (torch views of the Ctx arrays), torch, nn
                    (torch._C._nn), A (torch.ops.aten), F
                    (torch.nn.functional); erf, erfc, ndtr, expit, log_expit,
                    logit, softmax, log_softmax, logsumexp (scipy.special); and
                    the module's np, constants and softmax_into / lse_into.
  ne(expr)          the same expression as a numexpr string, into y.
  jx(desc, src)     the JAX function ``src`` evaluates to (``desc`` itself by
                    default), ``jax.jit``-compiled, on device copies of
                    ``args``; ``jgrad(f)`` is ``jax.grad(sum(f))``.
"""
from __future__ import annotations

import ast
import importlib
import re
import textwrap
from typing import Callable, Dict, NamedTuple

import numpy as np

from .cases import Ctx, Func

SQRT1_2 = 0.70710678118654752440
INV_SQRT_2PI = 0.39894228040143267794
S2PI = 0.79788456080286535588        # sqrt(2/pi)
GELU_C = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class Peer(NamedTuple):
    desc: str
    make: Callable


def softmax_into(X, Y):
    m = X.max(axis=-1, keepdims=True)
    np.subtract(X, m, out=Y); np.exp(Y, out=Y); np.divide(Y, Y.sum(axis=-1, keepdims=True), out=Y)
    return Y


def lse_into(X, T, s):
    m = X.max(axis=-1, keepdims=True)
    np.subtract(X, m, out=T); np.exp(T, out=T); np.sum(T, axis=-1, out=s); np.log(s, out=s)
    np.add(s, m[..., 0], out=s)
    return s


# ---------------------------------------------------------------------------
# The builders
# ---------------------------------------------------------------------------

_CODE_GLOBALS = {"np": np, "SQRT1_2": SQRT1_2, "INV_SQRT_2PI": INV_SQRT_2PI, "S2PI": S2PI,
                 "GELU_C": GELU_C, "SELU_ALPHA": SELU_ALPHA, "SELU_SCALE": SELU_SCALE,
                 "softmax_into": softmax_into, "lse_into": lse_into}
_SCIPY = ("erf", "erfc", "ndtr", "expit", "log_expit", "logit", "softmax", "log_softmax",
          "logsumexp")
_JAC = ("x16", "y16", "J", "eye")
_BIND: Dict[str, Callable] = {
    "u": lambda c, L: c.tmp(0),
    "v": lambda c, L: c.tmp(1),
    "U": lambda c, L: c.tmp(0)[: c.X.size].reshape(c.X.shape),
    "ar": lambda c, L: c.rows_ar,
    "lab_col": lambda c, L: c.lab[:, None],
    **{k: (lambda c, L, i=i: c.jac()[i]) for i, k in enumerate(_JAC)},
    "T": lambda c, L: c.T,
    "torch": lambda c, L: L.torch,
    "nn": lambda c, L: L.torch._C._nn,
    "A": lambda c, L: L.A,
    "F": lambda c, L: L.F,
    **{k: (lambda c, L, k=k: getattr(L.scipy_special, k)) for k in _SCIPY},
}


def _resolve(name, c: Ctx, L, env):
    """The value a row's name stands for in case `c` (see the module's doc)."""
    if name in env:
        return env[name]
    if name in _BIND:
        return _BIND[name](c, L)
    if name.endswith("_t"):
        return L.torch.from_numpy(_resolve(name[:-2], c, L, env))
    value = getattr(c, name, None)
    if not isinstance(value, np.ndarray):
        raise NameError(f"a peer row reads {name!r}, which names no array or library")
    return value


def _compile(src):
    """(outer, names): outer(*values of names) returns the closure running `src`."""
    tree = ast.parse(textwrap.dedent(src))
    if not isinstance(tree.body[-1], ast.Expr):
        raise ValueError(f"a peer row must end with the expression it returns: {src!r}")
    tree.body[-1] = ast.Return(tree.body[-1].value)
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names = list(dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                               and n.id not in stored and n.id not in _CODE_GLOBALS))
    body = textwrap.indent(ast.unparse(ast.fix_missing_locations(tree)), " " * 8)
    text = f"def outer({', '.join(names)}):\n    def f():\n{body}\n    return f\n"
    scope: dict = {}
    exec(compile(text, "<pyactx.bench peer>", "exec"), _CODE_GLOBALS, scope)
    return scope["outer"], names


def py(desc, src=None, need=None, **defaults):
    """A row of Python statements (NumPy, scipy.special or torch).  `defaults`
    give parameters the function does not have (silu's beta); `need` =
    (condition, reason): the peer cannot run where the condition is false."""
    outer, names = _compile(src or desc)

    def make(c, L, P):
        env = {**defaults, **P}
        if need is not None and not eval(need[0], {}, dict(env)):
            raise NotImplementedError(need[1])
        return outer(*[_resolve(n, c, L, env) for n in names])
    return Peer(desc, make)


def ne(expr, names=("x",), consts=None):
    """numexpr: evaluate `expr` into ctx.y with ctx arrays `names`."""
    # numexpr evaluates a float literal in double precision and so would
    # upcast a float32 expression: float literals become typed constants.
    lits = {}

    def _lit(m):
        lits[f"k{len(lits)}_"] = float(m.group(0))
        return f"k{len(lits) - 1}_"
    typed = re.sub(r"(?<![\w.])(\d+\.\d*(?:e[+-]?\d+)?|\d*\.\d+(?:e[+-]?\d+)?)", _lit, expr)

    def make(c, L, P):
        d = {k: getattr(c, k) for k in names}
        for k, v in list((consts or {}).items()) + list(lits.items()):
            d[k] = c.dtype.type(v)
        y = c.y
        ev = L.ne.evaluate

        def f():
            ev(typed, local_dict=d, out=y, casting="safe")
            return y
        return f
    return Peer(f'ne.evaluate("{expr}", out=y)', make)


_JAX_ARRAYS = ("x", "p", "AB", "a", "b", "t", "X", "G", "lab")    # Ctx.J's device copies


def jx(desc, src=None, args=("x",)):
    """JAX: jit what `src` evaluates to (jax, jnp, grad_sum and the
    function's parameters are its names) and call it on `args`."""
    src = src or desc

    def make(c, L, P):
        jax, jnp = L.jax, L.jnp
        if "jax.scipy" in src:
            importlib.import_module("jax.scipy.special")
        env = {"jax": jax, "jnp": jnp, **P,
               "grad_sum": lambda f: jax.grad(lambda x: jnp.sum(f(x)))}
        fn = jax.jit(eval(src, env))
        vals = [getattr(c.J, a) if a in _JAX_ARRAYS else jax.device_put(_resolve(a, c, L, P))
                for a in args]
        return lambda: jax.block_until_ready(fn(*vals))
    return Peer(desc, make)


def jgrad(fn, args=("x",)):
    """JAX: jax.grad of the sum of the jax.nn (or jnp) function `fn`."""
    return jx(f"jax.grad(sum({fn}))", f"grad_sum({fn})", args)


# ---------------------------------------------------------------------------
# The table: MAPPINGS[func][peer], peers in the order --list and the JSON show
# ---------------------------------------------------------------------------

SIGMOID = "np.negative(x, out=y); np.exp(y, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)"
SIGMOID_DESC = "1/(1+np.exp(-x)) with out=: np.negative, np.exp, += 1, np.divide"
PDF_X = ("np.square(x, out=u); np.multiply(u, -0.5, out=u); np.exp(u, out=u); "
         "np.multiply(u, x, out=u); np.multiply(u, INV_SQRT_2PI, out=u); np.add(y, u, out=y)")
SILU_NP = """
    np.negative(x, out=y)
    if beta != 1.0: np.multiply(y, beta, out=y)
    np.exp(y, out=y); np.add(y, 1, out=y); np.divide(x, y, out=y)
"""
SILU_SP = """
    if beta != 1.0: np.multiply(x, beta, out=y); expit(y, out=y)
    else: expit(x, out=y)
    np.multiply(y, x, out=y)
"""
SILU_GRAD = """
np.subtract(1, y, out=u); np.multiply(u, x, out=u)
if beta != 1.0: np.multiply(u, beta, out=u)
np.add(u, 1, out=u); np.multiply(y, u, out=y)"""
SILU_GRAD_NP = ("np.multiply(x, -beta, out=y); np.exp(y, out=y); np.add(y, 1, out=y); "
                "np.divide(1, y, out=y)" + SILU_GRAD)
SILU_GRAD_SP = "np.multiply(x, beta, out=y); expit(y, out=y)" + SILU_GRAD
SOFTSHRINK_J = ("lambda x: jnp.where(x > lambd, x - lambd, "
                "jnp.where(x < -lambd, x + lambd, 0))")
HARDSHRINK_J = "lambda x: jnp.where(jnp.abs(x) > lambd, x, 0)"
SHRINK_GRAD_NP = py("np.greater(np.abs(x), lambd) with out=",
                    "np.abs(x, out=y); np.greater(y, lambd, out=y)")
SHRINK_GRAD_NE = ne("where(abs(x)>L, one, zero)", consts={"L": 0.5, "one": 1, "zero": 0})
GEGLU_GRAD = ("np.multiply(a, y, out=y2); np.square(a, out=u); np.multiply(u, -0.5, out=u); "
              "np.exp(u, out=u); np.multiply(u, a, out=u); np.multiply(u, INV_SQRT_2PI, out=u); "
              "np.add(y, u, out=y); np.multiply(y, b, out=y); y, y2")
BCE_J = "-t * jax.nn.log_sigmoid(x) - (1 - t) * jax.nn.log_sigmoid(-x)"
CE_J = "jax.nn.logsumexp(X, axis=-1) - jnp.take_along_axis(X, lab[:, None], axis=-1)[:, 0]"
GELU_TANH_NE = f"tanh({S2PI!r}*(x + {GELU_C}*x**3))"
ONE_ZERO = {"one": 1, "zero": 0}


def _silu_rows(name, np_desc, sp_desc, torch_desc):
    """silu and swish: swish at beta = 1 is silu, with the same implementations."""
    return {"numpy": py(np_desc, SILU_NP, beta=1.0), "scipy": py(sp_desc, SILU_SP, beta=1.0),
            "torch": py(torch_desc, "nn.silu(T.x, out=T.y)", beta=1.0,
                        need=("beta == 1.0", "torch has no swish with beta != 1")),
            "numexpr": ne("x/(1+exp(-x))"), "jax": jx(f"jax.nn.{name}", "jax.nn.silu")}


def _silu_grad_rows(name, np_desc, sp_desc, torch_desc):
    return {"numpy": py(np_desc, SILU_GRAD_NP, beta=1.0),
            "scipy": py(sp_desc, SILU_GRAD_SP, beta=1.0),
            "torch": py(torch_desc, "A.silu_backward.grad_input(T.ones, T.x, grad_input=T.y)",
                        beta=1.0, need=("beta == 1.0", "torch has no swish with beta != 1")),
            "numexpr": ne("(1 + exp(-x) + x*exp(-x))/(1 + exp(-x))**2"),
            "jax": jx(f"jax.grad(sum(jax.nn.{name}))", "grad_sum(jax.nn.silu)")}


def _hardtanh_rows(name, lo, hi, kernel):
    """relu6 and hard_tanh are hardtanh(x, lo, hi): the rows of name and name_grad."""
    flo, fhi = float(lo), float(hi)
    return {
        name: {
            "numpy": py(f"np.clip(x, {lo}, {hi}, out=y)"),
            "torch": py(f"{kernel}: torch._C._nn.hardtanh(x, {lo}, {hi}, out=y)",
                        f"nn.hardtanh(T.x, {flo!r}, {fhi!r}, out=T.y)"),
            "numexpr": ne(f"where(x<{lo}, {lo}, where(x>{hi}, {hi}, x))"),
            "jax": jx(f"jax.nn.{name}")},
        name + "_grad": {
            "numpy": py(f"y[...] = (x > {lo}) & (x < {hi})", f"y[...] = (x > {lo}) & (x < {hi}); y"),
            "torch": py(f"aten.hardtanh_backward(ones, x, {lo}, {hi})",
                        f"A.hardtanh_backward.grad_input(T.ones, T.x, {flo!r}, {fhi!r}, grad_input=T.y)"),
            "numexpr": ne(f"where((x>{lo}) & (x<{hi}), one, zero)", consts=ONE_ZERO),
            "jax": jgrad(f"jax.nn.{name}")}}


MAPPINGS: Dict[str, Dict[str, Peer]] = {
    "sigmoid": {
        "numpy": py(SIGMOID_DESC, SIGMOID),
        "scipy": py("scipy.special.expit(x, out=y)", "expit(x, out=y)"),
        "torch": py("torch.sigmoid(x, out=y)", "torch.sigmoid(T.x, out=T.y)"),
        "numexpr": ne("1/(1+exp(-x))"),
        "jax": jx("jax.nn.sigmoid")},
    "sigmoid_grad": {
        "numpy": py("s = 1/(1+np.exp(-x)) (with out=); s*(1-s)",
                    SIGMOID + "; np.subtract(1, y, out=u); np.multiply(y, u, out=y)"),
        "scipy": py("s = expit(x, out=y); y *= 1 - s",
                    "expit(x, out=y); np.subtract(1, y, out=u); np.multiply(y, u, out=y)"),
        "torch": py("torch.sigmoid(x, out=s); aten.sigmoid_backward(ones, s) (from x: forward + "
                    "backward kernel)", "torch.sigmoid(T.x, out=T.y); "
                    "A.sigmoid_backward.grad_input(T.ones, T.y, grad_input=T.y2)"),
        "numexpr": ne("exp(-x)/(1+exp(-x))**2"),
        "jax": jgrad("jax.nn.sigmoid")},
    "log_sigmoid": {
        "numpy": py("-np.logaddexp(0, -x) with out=",
                    "np.negative(x, out=y); np.logaddexp(0, y, out=y); np.negative(y, out=y)"),
        "scipy": py("scipy.special.log_expit(x, out=y)", "log_expit(x, out=y)"),
        "torch": py("F.logsigmoid's kernel: torch._C._nn.log_sigmoid(x, out=y)",
                    "nn.log_sigmoid(T.x, out=T.y)"),
        "numexpr": ne("where(x<0, x, 0) - log1p(exp(-abs(x)))"),
        "jax": jx("jax.nn.log_sigmoid")},
    "log_sigmoid_grad": {
        "numpy": py("1/(1+np.exp(x)) with out=",
                    "np.exp(x, out=y); np.add(y, 1, out=y); np.divide(1, y, out=y)"),
        "scipy": py("expit(-x) with out=", "np.negative(x, out=y); expit(y, out=y)"),
        "torch": py("torch.sigmoid(-x) with out= (aten.log_sigmoid_backward needs the forward's "
                    "buffer: forward + backward would be slower)",
                    "torch.neg(T.x, out=T.y); torch.sigmoid(T.y, out=T.y)"),
        "numexpr": ne("1/(1+exp(x))"),
        "jax": jgrad("jax.nn.log_sigmoid")},
    "tanh": {
        "numpy": py("np.tanh(x, out=y)"),
        "torch": py("torch.tanh(x, out=y)", "torch.tanh(T.x, out=T.y)"),
        "numexpr": ne("tanh(x)"),
        "jax": jx("jnp.tanh")},
    "tanh_grad": {
        "numpy": py("t = np.tanh(x, out=y); 1 - t*t with out=",
                    "np.tanh(x, out=y); np.square(y, out=y); np.subtract(1, y, out=y)"),
        "torch": py("torch.tanh(x, out=t); aten.tanh_backward(ones, t) (from x)",
                    "torch.tanh(T.x, out=T.y); "
                    "A.tanh_backward.grad_input(T.ones, T.y, grad_input=T.y2)"),
        "numexpr": ne("1 - tanh(x)**2"),
        "jax": jgrad("jnp.tanh")},
    "relu": {
        "numpy": py("np.maximum(x, 0, out=y)"),
        "torch": py("F.relu's kernel (clamp_min 0): torch.clamp_min(x, 0, out=y)",
                    "torch.clamp_min(T.x, 0, out=T.y)"),
        "numexpr": ne("where(x>0, x, 0)"),
        "jax": jx("jax.nn.relu")},
    "relu_grad": {
        "numpy": py("np.greater(x, 0, out=y)"),
        "torch": py("aten.threshold_backward(ones, x, 0)",
                    "A.threshold_backward.grad_input(T.ones, T.x, 0, grad_input=T.y)"),
        "numexpr": ne("where(x>0, one, zero)", consts=ONE_ZERO),
        "jax": jgrad("jax.nn.relu")},
    **_hardtanh_rows("relu6", 0, 6, "F.relu6's kernel"),
    "selu": {
        "numpy": py("np.expm1(x, out=y); y *= scale*alpha; np.copyto(y, scale*x, where=x > 0)",
                    "np.expm1(x, out=y); np.multiply(y, SELU_SCALE * SELU_ALPHA, out=y); "
                    "np.multiply(x, SELU_SCALE, out=u); np.copyto(y, u, where=x > 0); y"),
        "torch": py("F.selu's kernel: torch._C._nn.elu(x, alpha, scale, 1, out=y)",
                    "nn.elu(T.x, SELU_ALPHA, SELU_SCALE, 1.0, out=T.y)"),
        "numexpr": ne("S*where(x>0, x, A*expm1(x))", consts={"S": SELU_SCALE, "A": SELU_ALPHA}),
        "jax": jx("jax.nn.selu")},
    "selu_grad": {
        "numpy": py("np.exp(x, out=y); y *= scale*alpha; np.copyto(y, scale, where=x > 0)",
                    "np.exp(x, out=y); np.multiply(y, SELU_SCALE * SELU_ALPHA, out=y); "
                    "np.copyto(y, SELU_SCALE, where=x > 0); y"),
        "torch": py("aten.elu_backward(ones, alpha, scale, 1, False, x)",
                    "A.elu_backward.grad_input(T.ones, SELU_ALPHA, SELU_SCALE, 1.0, False, T.x, "
                    "grad_input=T.y)"),
        "numexpr": ne("where(x>0, S, SA*exp(x))",
                      consts={"S": SELU_SCALE, "SA": SELU_SCALE * SELU_ALPHA}),
        "jax": jgrad("jax.nn.selu")},
    "gelu": {
        "numpy": py("0.5*x*(1 + erf(x/sqrt(2))) with out=, erf from scipy.special",
                    "np.multiply(x, SQRT1_2, out=y); erf(y, out=y); np.add(y, 1, out=y); "
                    "np.multiply(y, x, out=y); np.multiply(y, 0.5, out=y)"),
        "scipy": py("0.5*x*erfc(-x/sqrt(2)) with out= (scipy.special.erfc)",
                    "np.multiply(x, -SQRT1_2, out=y); erfc(y, out=y); np.multiply(y, x, out=y); "
                    "np.multiply(y, 0.5, out=y)"),
        "torch": py("F.gelu(approximate='none')'s kernel: torch._C._nn.gelu(x, out=y)",
                    "nn.gelu(T.x, approximate='none', out=T.y)"),
        "jax": jx("jax.nn.gelu(x, approximate=False)",
                  "lambda x: jax.nn.gelu(x, approximate=False)")},
    "gelu_grad": {
        "numpy": py("0.5*(1 + erf(x/sqrt(2))) + x*exp(-x*x/2)/sqrt(2*pi) with out=",
                    "np.multiply(x, SQRT1_2, out=y); erf(y, out=y); np.add(y, 1, out=y); "
                    "np.multiply(y, 0.5, out=y); " + PDF_X),
        "scipy": py("ndtr(x) + x*exp(-x*x/2)/sqrt(2*pi) with out= (scipy.special.ndtr)",
                    "ndtr(x, out=y); " + PDF_X),
        "torch": py("aten.gelu_backward(ones, x, approximate='none')",
                    "A.gelu_backward.grad_input(T.ones, T.x, approximate='none', grad_input=T.y)"),
        "jax": jx("jax.grad(sum(jax.nn.gelu(approximate=False)))",
                  "grad_sum(lambda x: jax.nn.gelu(x, approximate=False))")},
    "gelu_tanh": {
        "numpy": py("0.5*x*(1 + np.tanh(sqrt(2/pi)*(x + 0.044715*x**3))) with out=",
                    "np.multiply(x, x, out=u); np.multiply(u, x, out=u); "
                    "np.multiply(u, GELU_C, out=u); np.add(u, x, out=u); np.multiply(u, S2PI, out=u); "
                    "np.tanh(u, out=u); np.add(u, 1, out=u); np.multiply(u, x, out=u); "
                    "np.multiply(u, 0.5, out=y)"),
        "torch": py("F.gelu(approximate='tanh')'s kernel: torch._C._nn.gelu(x, out=y)",
                    "nn.gelu(T.x, approximate='tanh', out=T.y)"),
        "numexpr": ne(f"0.5*x*(1 + {GELU_TANH_NE})"),
        "jax": jx("jax.nn.gelu(x, approximate=True)",
                  "lambda x: jax.nn.gelu(x, approximate=True)")},
    "gelu_tanh_grad": {
        "numpy": py("th = tanh(u); 0.5*(1+th) + 0.5*x*(1-th**2)*sqrt(2/pi)*(1+3*0.044715*x**2) "
                    "with out=", """
                    np.square(x, out=v)
                    np.multiply(v, GELU_C, out=u); np.add(u, 1, out=u); np.multiply(u, x, out=u)
                    np.multiply(u, S2PI, out=u); np.tanh(u, out=u)
                    np.multiply(v, 3 * GELU_C, out=v); np.add(v, 1, out=v); np.multiply(v, S2PI, out=v)
                    np.square(u, out=y); np.subtract(1, y, out=y); np.multiply(y, v, out=y)
                    np.multiply(y, x, out=y); np.add(u, 1, out=u); np.add(y, u, out=y)
                    np.multiply(y, 0.5, out=y)"""),
        "torch": py("aten.gelu_backward(ones, x, approximate='tanh')",
                    "A.gelu_backward.grad_input(T.ones, T.x, approximate='tanh', grad_input=T.y)"),
        "numexpr": ne(f"0.5*(1 + {GELU_TANH_NE}) + 0.5*x*(1 - {GELU_TANH_NE}**2)"
                      f"*{S2PI!r}*(1 + {3 * GELU_C!r}*x**2)"),
        "jax": jx("jax.grad(sum(jax.nn.gelu(approximate=True)))",
                  "grad_sum(lambda x: jax.nn.gelu(x, approximate=True))")},
    "silu": _silu_rows("silu", "x/(1+np.exp(-x)) with out=", "expit(x, out=y); y *= x",
                       "F.silu's kernel: torch._C._nn.silu(x, out=y)"),
    "silu_grad": _silu_grad_rows("silu", "s = 1/(1+exp(-x)); s*(1 + x*(1-s)) with out=",
                                 "s = expit(x); s*(1 + x*(1-s)) with out=",
                                 "aten.silu_backward(ones, x)"),
    "swish": _silu_rows("swish", "x/(1+np.exp(-beta*x)) with out= (beta=1)",
                        "x*expit(beta*x) with out= (beta=1)",
                        "F.silu (beta=1): torch._C._nn.silu(x, out=y)"),
    "swish_grad": _silu_grad_rows("swish", "s = sigmoid(beta*x); s*(1 + beta*x*(1-s)) with out=",
                                  "s = expit(beta*x); s*(1 + beta*x*(1-s)) with out=",
                                  "aten.silu_backward(ones, x) (beta=1)"),
    "mish": {
        "numpy": py("x*np.tanh(np.logaddexp(0, x)) with out=",
                    "np.logaddexp(0, x, out=y); np.tanh(y, out=y); np.multiply(y, x, out=y)"),
        "torch": py("F.mish's kernel: torch._C._nn.mish(x, out=y)", "nn.mish(T.x, out=T.y)"),
        "numexpr": ne("x*tanh(log1p(exp(x)))"),
        "jax": jx("jax.nn.mish")},
    "mish_grad": {
        "numpy": py("th = tanh(logaddexp(0, x)); th + x*sigmoid(x)*(1 - th**2) with out=",
                    "np.logaddexp(0, x, out=u); np.tanh(u, out=u); np.negative(x, out=y); "
                    "np.exp(y, out=y); np.add(y, 1, out=y); np.divide(x, y, out=y); "
                    "np.square(u, out=v); np.subtract(1, v, out=v); np.multiply(y, v, out=y); "
                    "np.add(y, u, out=y)"),
        "torch": py("aten.mish_backward(ones, x) (no out= overload)", "A.mish_backward(T.ones, T.x)"),
        "numexpr": ne("tanh(log1p(exp(x))) + x*(1 - tanh(log1p(exp(x)))**2)/(1 + exp(-x))"),
        "jax": jgrad("jax.nn.mish")},
    "softsign": {
        "numpy": py("x/(1 + np.abs(x)) with out=",
                    "np.abs(x, out=y); np.add(y, 1, out=y); np.divide(x, y, out=y)"),
        "torch": py("F.softsign's formula x/(x.abs()+1) with out=",
                    "torch.abs(T.x, out=T.y); T.y.add_(1); torch.div(T.x, T.y, out=T.y)"),
        "numexpr": ne("x/(1 + abs(x))"),
        "jax": jx("jax.nn.soft_sign")},
    "softsign_grad": {
        "numpy": py("1/(1 + np.abs(x))**2 with out=", "np.abs(x, out=y); np.add(y, 1, out=y); "
                    "np.square(y, out=y); np.divide(1, y, out=y)"),
        "torch": py("1/(1 + x.abs())**2 with out= (no aten backward op)",
                    "torch.abs(T.x, out=T.y); T.y.add_(1).square_().reciprocal_()"),
        "numexpr": ne("1/(1 + abs(x))**2"),
        "jax": jgrad("jax.nn.soft_sign")},
    "hard_sigmoid": {
        "numpy": py("np.clip(x + 3, 0, 6, out=y); y /= 6",
                    "np.add(x, 3, out=y); np.clip(y, 0, 6, out=y); np.divide(y, 6, out=y)"),
        "torch": py("F.hardsigmoid's kernel: torch._C._nn.hardsigmoid(x, out=y)",
                    "nn.hardsigmoid(T.x, out=T.y)"),
        "numexpr": ne("where(x<-3, 0, where(x>3, 1, x/6 + 0.5))"),
        "jax": jx("jax.nn.hard_sigmoid")},
    "hard_sigmoid_grad": {
        "numpy": py("y[...] = (x > -3) & (x < 3); y /= 6",
                    "y[...] = (x > -3) & (x < 3); np.divide(y, 6, out=y)"),
        "torch": py("aten.hardsigmoid_backward(ones, x)",
                    "A.hardsigmoid_backward.grad_input(T.ones, T.x, grad_input=T.y)"),
        "numexpr": ne("where((x>-3) & (x<3), k, zero)", consts={"k": 1 / 6, "zero": 0}),
        "jax": jgrad("jax.nn.hard_sigmoid")},
    "hard_silu": {
        "numpy": py("x*np.clip(x + 3, 0, 6)/6 with out=", "np.add(x, 3, out=y); "
                    "np.clip(y, 0, 6, out=y); np.multiply(y, x, out=y); np.divide(y, 6, out=y)"),
        "torch": py("F.hardswish's kernel: torch._C._nn.hardswish(x, out=y)",
                    "nn.hardswish(T.x, out=T.y)"),
        "numexpr": ne("x*where(x<-3, 0, where(x>3, 1, x/6 + 0.5))"),
        "jax": jx("jax.nn.hard_silu")},
    "hard_silu_grad": {
        "numpy": py("np.divide(x, 3, out=y); y += 0.5; np.copyto(y, 0, where=x < -3); "
                    "np.copyto(y, 1, where=x > 3)",
                    "np.divide(x, 3, out=y); np.add(y, 0.5, out=y); "
                    "np.copyto(y, 0, where=x < -3); np.copyto(y, 1, where=x > 3); y"),
        "torch": py("aten.hardswish_backward(ones, x)",
                    "A.hardswish_backward.out(T.ones, T.x, out=T.y)"),
        "numexpr": ne("where(x<-3, 0, where(x>3, 1, x/3 + 0.5))"),
        "jax": jgrad("jax.nn.hard_silu")},
    **_hardtanh_rows("hard_tanh", -1, 1, "F.hardtanh's kernel"),
    "tanhshrink": {
        "numpy": py("x - np.tanh(x) with out=", "np.tanh(x, out=y); np.subtract(x, y, out=y)"),
        "torch": py("F.tanhshrink's formula x - x.tanh() with out=",
                    "torch.tanh(T.x, out=T.y); torch.sub(T.x, T.y, out=T.y)"),
        "numexpr": ne("x - tanh(x)"),
        "jax": jx("x - jnp.tanh(x) (jax.nn has none)", "lambda x: x - jnp.tanh(x)")},
    "tanhshrink_grad": {
        "numpy": py("np.tanh(x)**2 with out=", "np.tanh(x, out=y); np.square(y, out=y)"),
        "torch": py("torch.tanh(x, out=y).square_() (no aten backward op)",
                    "torch.tanh(T.x, out=T.y).square_()"),
        "numexpr": ne("tanh(x)**2"),
        "jax": jx("jax.grad(sum(x - jnp.tanh(x)))", "grad_sum(lambda x: x - jnp.tanh(x))")},
    "logit": {     # input p in (0, 1)
        "numpy": py("np.log(p/(1-p)) with out=",
                    "np.subtract(1, p, out=y); np.divide(p, y, out=y); np.log(y, out=y)"),
        "scipy": py("scipy.special.logit(p, out=y)", "logit(p, out=y)"),
        "torch": py("torch.logit(p, out=y)", "torch.logit(T.p, out=T.y)"),
        "numexpr": ne("log(p/(1-p))", names=("p",)),
        "jax": jx("jax.scipy.special.logit", args=("p",))},
    "logit_grad": {
        "numpy": py("1/(p*(1-p)) with out=",
                    "np.subtract(1, p, out=y); np.multiply(y, p, out=y); np.divide(1, y, out=y)"),
        "torch": py("aten.logit_backward(ones, p)",
                    "A.logit_backward.grad_input(T.ones, T.p, None, grad_input=T.y)"),
        "numexpr": ne("1/(p*(1-p))", names=("p",)),
        "jax": jgrad("jax.scipy.special.logit", args=("p",))},
    "leaky_relu": {
        "numpy": py("np.multiply(x, a, out=y); np.copyto(y, x, where=x > 0)",
                    "np.multiply(x, negative_slope, out=y); np.copyto(y, x, where=x > 0); y"),
        "torch": py("F.leaky_relu's kernel: torch._C._nn.leaky_relu(x, 0.01, out=y)",
                    "nn.leaky_relu(T.x, negative_slope, out=T.y)"),
        "numexpr": ne("where(x>0, x, 0.01*x)"),
        "jax": jx("jax.nn.leaky_relu(x, 0.01)", "lambda x: jax.nn.leaky_relu(x, negative_slope)")},
    "leaky_relu_grad": {
        "numpy": py("y.fill(a); np.copyto(y, 1, where=x > 0)",
                    "y.fill(negative_slope); np.copyto(y, 1, where=x > 0); y"),
        "torch": py("aten.leaky_relu_backward(ones, x, 0.01, False)",
                    "A.leaky_relu_backward.grad_input(T.ones, T.x, negative_slope, False, "
                    "grad_input=T.y)"),
        "numexpr": ne("where(x>0, one, a)", consts={"one": 1, "a": 0.01}),
        "jax": jx("jax.grad(sum(jax.nn.leaky_relu))",
                  "grad_sum(lambda x: jax.nn.leaky_relu(x, negative_slope))")},
    "elu": {
        "numpy": py("np.expm1(x, out=y); y *= alpha; np.copyto(y, x, where=x > 0)", """
                    np.expm1(x, out=y)
                    if alpha != 1.0: np.multiply(y, alpha, out=y)
                    np.copyto(y, x, where=x > 0); y"""),
        "torch": py("F.elu's kernel: torch._C._nn.elu(x, alpha, 1, 1, out=y)",
                    "nn.elu(T.x, alpha, 1.0, 1.0, out=T.y)"),
        "numexpr": ne("where(x>0, x, expm1(x))"),
        "jax": jx("jax.nn.elu", "lambda x: jax.nn.elu(x, alpha)")},
    "elu_grad": {
        "numpy": py("np.exp(x, out=y); y *= alpha; np.copyto(y, 1, where=x > 0)", """
                    np.exp(x, out=y)
                    if alpha != 1.0: np.multiply(y, alpha, out=y)
                    np.copyto(y, 1, where=x > 0); y"""),
        "torch": py("aten.elu_backward(ones, alpha, 1, 1, False, x)",
                    "A.elu_backward.grad_input(T.ones, alpha, 1.0, 1.0, False, T.x, grad_input=T.y)"),
        "numexpr": ne("where(x>0, 1, exp(x))"),
        "jax": jx("jax.grad(sum(jax.nn.elu))", "grad_sum(lambda x: jax.nn.elu(x, alpha))")},
    "celu": {
        "numpy": py("np.maximum(x, 0) + np.minimum(0, alpha*np.expm1(x/alpha)) with out=",
                    "np.divide(x, alpha, out=y); np.expm1(y, out=y); np.multiply(y, alpha, out=y); "
                    "np.minimum(y, 0, out=y); np.maximum(x, 0, out=u); np.add(y, u, out=y)"),
        "torch": py("F.celu's kernel (torch.celu = elu with input_scale 1/alpha): "
                    "torch._C._nn.elu(x, alpha, 1, 1/alpha, out=y)",
                    "nn.elu(T.x, alpha, 1.0, 1.0 / alpha, out=T.y)"),
        "numexpr": ne("where(x>0, x, A*expm1(x/A))", consts={"A": 1.0}),
        "jax": jx("jax.nn.celu", "lambda x: jax.nn.celu(x, alpha)")},
    "celu_grad": {
        "numpy": py("np.exp(x/alpha) with out=; np.copyto(y, 1, where=x > 0)",
                    "np.divide(x, alpha, out=y); np.exp(y, out=y); np.copyto(y, 1, where=x > 0); y"),
        "torch": py("aten.elu_backward(ones, alpha, 1, 1/alpha, False, x)",
                    "A.elu_backward.grad_input(T.ones, alpha, 1.0, 1.0 / alpha, False, T.x, "
                    "grad_input=T.y)"),
        "numexpr": ne("where(x>0, 1, exp(x/A))", consts={"A": 1.0}),
        "jax": jx("jax.grad(sum(jax.nn.celu))", "grad_sum(lambda x: jax.nn.celu(x, alpha))")},
    "softplus": {
        "numpy": py("np.logaddexp(0, x, out=y) (beta=1)", """
                    if beta != 1.0:
                        np.multiply(x, beta, out=y); np.logaddexp(0, y, out=y)
                        np.divide(y, beta, out=y)
                    else:
                        np.logaddexp(0, x, out=y)
                    y"""),
        "scipy": py("-log_expit(-x) with out= (beta=1)",
                    "np.negative(x, out=y); log_expit(y, out=y); np.negative(y, out=y)"),
        "torch": py("F.softplus's kernel: torch._C._nn.softplus(x, 1, 20, out=y) (threshold 20: "
                    "identity above)", "nn.softplus(T.x, beta, 20.0, out=T.y)"),
        "numexpr": ne("where(x>0, x, 0) + log1p(exp(-abs(x)))"),
        "jax": jx("jax.nn.softplus")},
    "softplus_grad": {     # at beta = 1 the sigmoid: the same NumPy and SciPy peers
        "numpy": py(SIGMOID_DESC + " (beta=1)", SIGMOID),
        "scipy": py("scipy.special.expit(x, out=y) (beta=1)", "expit(x, out=y)"),
        "torch": py("aten.softplus_backward(ones, x, 1, 20)",
                    "A.softplus_backward.grad_input(T.ones, T.x, beta, 20.0, grad_input=T.y)"),
        "numexpr": ne("1/(1+exp(-x))"),
        "jax": jgrad("jax.nn.softplus")},
    "softshrink": {
        "numpy": py("np.copysign(np.maximum(np.abs(x) - lambd, 0), x) with out=",
                    "np.abs(x, out=y); np.subtract(y, lambd, out=y); np.maximum(y, 0, out=y); "
                    "np.copysign(y, x, out=y)"),
        "torch": py("F.softshrink's kernel: torch._C._nn.softshrink(x, 0.5, out=y)",
                    "nn.softshrink(T.x, lambd, out=T.y)"),
        "numexpr": ne("where(x>L, x-L, where(x<-L, x+L, 0))", consts={"L": 0.5}),
        "jax": jx("jnp.where composite (jax.nn has none)", SOFTSHRINK_J)},
    "softshrink_grad": {
        "numpy": SHRINK_GRAD_NP,
        "torch": py("aten.softshrink_backward(ones, x, 0.5)",
                    "A.softshrink_backward.grad_input(T.ones, T.x, lambd, grad_input=T.y)"),
        "numexpr": SHRINK_GRAD_NE,
        "jax": jx("jax.grad of the jnp.where composite", f"grad_sum({SOFTSHRINK_J})")},
    "hardshrink": {
        "numpy": py("np.multiply(x, np.abs(x) > lambd, out=y)"),
        "torch": py("F.hardshrink: torch.hardshrink(x, 0.5, out=y)",
                    "torch.hardshrink(T.x, lambd, out=T.y)"),
        "numexpr": ne("where(abs(x)>L, x, 0)", consts={"L": 0.5}),
        "jax": jx("jnp.where(abs(x) > lambd, x, 0) (jax.nn has none)", HARDSHRINK_J)},
    "hardshrink_grad": {
        "numpy": SHRINK_GRAD_NP,
        "numexpr": SHRINK_GRAD_NE,
        "torch": py("aten.hardshrink_backward(ones, x, 0.5)",
                    "A.hardshrink_backward.grad_input(T.ones, T.x, lambd, grad_input=T.y)"),
        "jax": jx("jax.grad of the jnp.where composite", f"grad_sum({HARDSHRINK_J})")},
    "squareplus": {
        "numpy": py("(x + np.sqrt(x*x + b))/2 with out=",
                    "np.square(x, out=y); np.add(y, b, out=y); np.sqrt(y, out=y); "
                    "np.add(y, x, out=y); np.multiply(y, 0.5, out=y)"),
        "torch": py("(x + sqrt(x*x + b))/2 with out= (torch has none)",
                    "torch.mul(T.x, T.x, out=T.y); T.y.add_(b).sqrt_().add_(T.x).mul_(0.5)"),
        "numexpr": ne("(x + sqrt(x*x + 4))/2"),
        "jax": jx("jax.nn.squareplus(x, b=4)", "lambda x: jax.nn.squareplus(x, b)")},
    "squareplus_grad": {
        "numpy": py("(1 + x/np.sqrt(x*x + b))/2 with out=",
                    "np.square(x, out=y); np.add(y, b, out=y); np.sqrt(y, out=y); "
                    "np.divide(x, y, out=y); np.add(y, 1, out=y); np.multiply(y, 0.5, out=y)"),
        "torch": py("(1 + x/sqrt(x*x + b))/2 with out=",
                    "torch.mul(T.x, T.x, out=T.y); T.y.add_(b).sqrt_(); "
                    "torch.div(T.x, T.y, out=T.y); T.y.add_(1).mul_(0.5)"),
        "numexpr": ne("(1 + x/sqrt(x*x + 4))/2"),
        "jax": jx("jax.grad(sum(jax.nn.squareplus))",
                  "grad_sum(lambda x: jax.nn.squareplus(x, b))")},
    # gates: a, b are the two rows of one (2, n) array AB
    "glu": {
        "numpy": py("a/(1+np.exp(-b)) with out=", "np.negative(b, out=y); np.exp(y, out=y); "
                    "np.add(y, 1, out=y); np.divide(a, y, out=y)"),
        "scipy": py("expit(b, out=y); y *= a", "expit(b, out=y); np.multiply(y, a, out=y)"),
        "torch": py("F.glu on the (2, n) array, dim=0: torch._C._nn.glu(ab, 0, out=y)",
                    "nn.glu(T.AB, 0, out=T.y1)"),
        "numexpr": ne("a/(1+exp(-b))", names=("a", "b")),
        "jax": jx("jax.nn.glu(ab, axis=0)", "lambda ab: jax.nn.glu(ab, axis=0)", args=("AB",))},
    "glu_grad": {
        "numpy": py("s = 1/(1+exp(-b)); (s, a*s*(1-s)) with out=",
                    "np.negative(b, out=y); np.exp(y, out=y); np.add(y, 1, out=y); "
                    "np.divide(1, y, out=y); np.subtract(1, y, out=y2); "
                    "np.multiply(y2, y, out=y2); np.multiply(y2, a, out=y2); y, y2"),
        "scipy": py("s = expit(b); (s, a*s*(1-s)) with out=",
                    "expit(b, out=y); np.subtract(1, y, out=y2); np.multiply(y2, y, out=y2); "
                    "np.multiply(y2, a, out=y2); y, y2"),
        "torch": py("aten.glu_backward(ones, ab, 0) -> (2, n)",
                    "A.glu_backward.grad_input(T.ones1, T.AB, 0, grad_input=T.YY)"),
        "jax": jx("jax.grad(sum(jax.nn.glu(ab, axis=0)))",
                  "grad_sum(lambda ab: jax.nn.glu(ab, axis=0))", args=("AB",))},
    "swiglu": {
        "numpy": py("a/(1+np.exp(-a))*b with out=", "np.negative(a, out=y); np.exp(y, out=y); "
                    "np.add(y, 1, out=y); np.divide(a, y, out=y); np.multiply(y, b, out=y)"),
        "scipy": py("expit(a, out=y); y *= a; y *= b",
                    "expit(a, out=y); np.multiply(y, a, out=y); np.multiply(y, b, out=y)"),
        "torch": py("torch._C._nn.silu(a, out=y); y.mul_(b)", "nn.silu(T.a, out=T.y); T.y.mul_(T.b)"),
        "numexpr": ne("a/(1+exp(-a))*b", names=("a", "b")),
        "jax": jx("jax.nn.silu(a)*b", "lambda a, b: jax.nn.silu(a) * b", args=("a", "b"))},
    "swiglu_grad": {
        "numpy": py("s = 1/(1+exp(-a)); (s*(1 + a*(1-s))*b, a*s) with out=",
                    "np.negative(a, out=y); np.exp(y, out=y); np.add(y, 1, out=y); "
                    "np.divide(1, y, out=y); np.multiply(a, y, out=y2); np.subtract(a, y2, out=u); "
                    "np.add(u, 1, out=u); np.multiply(y, u, out=y); np.multiply(y, b, out=y); y, y2"),
        "scipy": py("s = expit(a); (s*(1 + a*(1-s))*b, a*s) with out=",
                    "expit(a, out=y); np.multiply(a, y, out=y2); np.subtract(a, y2, out=u); "
                    "np.add(u, 1, out=u); np.multiply(y, u, out=y); np.multiply(y, b, out=y); y, y2"),
        "torch": py("(aten.silu_backward(b, a), silu(a)) with out=",
                    "A.silu_backward.grad_input(T.b, T.a, grad_input=T.y); "
                    "nn.silu(T.a, out=T.y2); T.y, T.y2"),
        "jax": jx("jax.grad(sum(jax.nn.silu(a)*b), argnums=(0, 1))",
                  "jax.grad(lambda a, b: jnp.sum(jax.nn.silu(a) * b), argnums=(0, 1))",
                  args=("a", "b"))},
    "geglu": {
        "numpy": py("0.5*a*(1 + erf(a/sqrt(2)))*b with out=, erf from scipy.special",
                    "np.multiply(a, SQRT1_2, out=y); erf(y, out=y); np.add(y, 1, out=y); "
                    "np.multiply(y, a, out=y); np.multiply(y, 0.5, out=y); np.multiply(y, b, out=y)"),
        "scipy": py("0.5*a*erfc(-a/sqrt(2))*b with out=",
                    "np.multiply(a, -SQRT1_2, out=y); erfc(y, out=y); np.multiply(y, a, out=y); "
                    "np.multiply(y, 0.5, out=y); np.multiply(y, b, out=y)"),
        "torch": py("torch._C._nn.gelu(a, out=y); y.mul_(b)",
                    "nn.gelu(T.a, approximate='none', out=T.y); T.y.mul_(T.b)"),
        "jax": jx("jax.nn.gelu(a, approximate=False)*b",
                  "lambda a, b: jax.nn.gelu(a, approximate=False) * b", args=("a", "b"))},
    "geglu_grad": {
        "numpy": py("(gelu'(a)*b, gelu(a)) from erf composites with out=",
                    "np.multiply(a, SQRT1_2, out=y); erf(y, out=y); np.add(y, 1, out=y); "
                    "np.multiply(y, 0.5, out=y); " + GEGLU_GRAD),
        "scipy": py("(gelu'(a)*b, gelu(a)) from ndtr with out=", "ndtr(a, out=y); " + GEGLU_GRAD),
        "torch": py("(aten.gelu_backward(b, a), gelu(a)) with out=",
                    "A.gelu_backward.grad_input(T.b, T.a, approximate='none', grad_input=T.y); "
                    "nn.gelu(T.a, approximate='none', out=T.y2); T.y, T.y2"),
        "jax": jx("jax.grad(sum(jax.nn.gelu(a)*b), argnums=(0, 1))",
                  "jax.grad(lambda a, b: jnp.sum(jax.nn.gelu(a, approximate=False) * b), "
                  "argnums=(0, 1))", args=("a", "b"))},
    # binary_cross_entropy: logits x, targets t
    "binary_cross_entropy": {
        "numpy": py("np.maximum(x, 0) - x*t + np.log1p(np.exp(-np.abs(x))) with out= (the stable "
                    "textbook form)", "np.abs(x, out=u); np.negative(u, out=u); np.exp(u, out=u); "
                    "np.log1p(u, out=u); np.maximum(x, 0, out=y); np.add(y, u, out=y); "
                    "np.multiply(x, t, out=u); np.subtract(y, u, out=y)"),
        "scipy": py("-log_expit(-x) - x*t with out=",
                    "np.negative(x, out=y); log_expit(y, out=y); np.negative(y, out=y); "
                    "np.multiply(x, t, out=u); np.subtract(y, u, out=y)"),
        "torch": py("F.binary_cross_entropy_with_logits(x, t, reduction='none')",
                    "F.binary_cross_entropy_with_logits(T.x, T.t, reduction='none')"),
        "numexpr": ne("where(x>0, x, 0) - x*t + log1p(exp(-abs(x)))", names=("x", "t")),
        "jax": jx("-t*log_sigmoid(x) - (1-t)*log_sigmoid(-x) (optax's form)",
                  f"lambda x, t: {BCE_J}", args=("x", "t"))},
    "binary_cross_entropy_grad": {
        "numpy": py("1/(1+np.exp(-x)) - t with out=", SIGMOID + "; np.subtract(y, t, out=y)"),
        "scipy": py("expit(x, out=y); y -= t", "expit(x, out=y); np.subtract(y, t, out=y)"),
        "torch": py("torch.sigmoid(x, out=y).sub_(t) (BCE-with-logits has no aten backward op: "
                    "autograd runs this)", "torch.sigmoid(T.x, out=T.y).sub_(T.t)"),
        "numexpr": ne("1/(1+exp(-x)) - t", names=("x", "t")),
        "jax": jx("jax.grad(sum(bce), argnums=0)", f"jax.grad(lambda x, t: jnp.sum({BCE_J}))",
                  args=("x", "t"))},
    # softmax family: X of shape (n // 1000, 1000), along the last axis
    "softmax": {
        "numpy": py("e = np.exp(x - x.max(-1, keepdims=True)) (out=); e /= e.sum(-1, keepdims=True)",
                    "softmax_into(X, Y)"),
        "scipy": py("scipy.special.softmax(x, axis=-1) (no out=)", "softmax(X, axis=-1)"),
        "torch": py("torch.softmax(x, -1, out=y)", "torch.softmax(T.X, -1, out=T.Y)"),
        "jax": jx("jax.nn.softmax(x, axis=-1)", "lambda X: jax.nn.softmax(X, axis=-1)",
                  args=("X",))},
    "log_softmax": {
        "numpy": py("y = x - m (out=); y -= np.log(np.exp(y).sum(-1, keepdims=True))",
                    "m = X.max(axis=-1, keepdims=True); np.subtract(X, m, out=Y); np.exp(Y, out=U); "
                    "np.subtract(Y, np.log(U.sum(axis=-1, keepdims=True)), out=Y)"),
        "scipy": py("scipy.special.log_softmax(x, axis=-1) (no out=)", "log_softmax(X, axis=-1)"),
        "torch": py("torch.log_softmax(x, -1, out=y)", "torch.log_softmax(T.X, -1, out=T.Y)"),
        "jax": jx("jax.nn.log_softmax(x, axis=-1)", "lambda X: jax.nn.log_softmax(X, axis=-1)",
                  args=("X",))},
    "logsumexp": {
        "numpy": py("m + np.log(np.exp(x - m).sum(-1)) with out=", "lse_into(X, U, s)"),
        "scipy": py("scipy.special.logsumexp(x, axis=-1) (no out=)", "logsumexp(X, axis=-1)"),
        "torch": py("torch.logsumexp(x, -1, out=s)", "torch.logsumexp(T.X, -1, out=T.s)"),
        "jax": jx("jax.nn.logsumexp(x, axis=-1)", "lambda X: jax.nn.logsumexp(X, axis=-1)",
                  args=("X",))},
    "softmax_jacobian": {      # rows of JAC_ROW
        "numpy": py("y = softmax(x); np.subtract(eye, y[:, None, :], out=J); J *= y[:, :, None]",
                    "softmax_into(x16, y16); np.subtract(eye, y16[:, None, :], out=J); "
                    "np.multiply(J, y16[:, :, None], out=J)"),
        "torch": py("y = torch.softmax(x, -1, out=); J = diag_embed(y) - y y^T with out=",
                    "torch.softmax(x16_t, -1, out=y16_t); "
                    "torch.mul(y16_t.unsqueeze(-1), y16_t.unsqueeze(-2), out=J_t); J_t.neg_(); "
                    "J_t.diagonal(dim1=-2, dim2=-1).add_(y16_t); J_t"),
        "jax": jx("jax.vmap(jax.jacfwd(jax.nn.softmax))", args=("x16",))},
    "softmax_vjp": {
        "numpy": py("y = softmax(x); y *= g - (y*g).sum(-1, keepdims=True) with out=",
                    "softmax_into(X, Y); np.multiply(Y, G, out=U); s = U.sum(axis=-1, keepdims=True); "
                    "np.subtract(G, s, out=U); np.multiply(Y, U, out=Y)"),
        "scipy": py("y = scipy.special.softmax(x, axis=-1); y * (g - (y*g).sum(-1, keepdims=True))",
                    "y = softmax(X, axis=-1); "
                    "np.multiply(y, G - (y * G).sum(axis=-1, keepdims=True), out=y)"),
        "torch": py("torch.softmax(x, -1, out=y); aten._softmax_backward_data(g, y, -1) (from x)",
                    "torch.softmax(T.X, -1, out=T.Y); "
                    "A._softmax_backward_data.out(T.G, T.Y, -1, T.dtype, grad_input=T.Y2)"),
        "jax": jx("jax.vjp(jax.nn.softmax, x)[1](g)",
                  "lambda X, G: jax.vjp(lambda z: jax.nn.softmax(z, axis=-1), X)[1](G)[0]",
                  args=("X", "G"))},
    "log_softmax_vjp": {
        "numpy": py("g - softmax(x)*g.sum(-1, keepdims=True) with out=",
                    "softmax_into(X, Y); np.multiply(Y, G.sum(axis=-1, keepdims=True), out=Y); "
                    "np.subtract(G, Y, out=Y)"),
        "torch": py("torch.log_softmax(x, -1, out=y); aten._log_softmax_backward_data(g, y, -1) "
                    "(from x)", "torch.log_softmax(T.X, -1, out=T.Y); "
                    "A._log_softmax_backward_data.out(T.G, T.Y, -1, T.dtype, out=T.Y2)"),
        "jax": jx("jax.vjp(jax.nn.log_softmax, x)[1](g)",
                  "lambda X, G: jax.vjp(lambda z: jax.nn.log_softmax(z, axis=-1), X)[1](G)[0]",
                  args=("X", "G"))},
    "cross_entropy": {
        "numpy": py("logsumexp composite - np.take_along_axis(x, label[:, None], -1)",
                    "lse_into(X, U, s); np.subtract(s, np.take_along_axis(X, lab_col, -1)[:, 0], out=s)"),
        "scipy": py("scipy.special.logsumexp(x, axis=-1) - x[arange, label]",
                    "logsumexp(X, axis=-1) - X[ar, lab]"),
        "torch": py("F.cross_entropy(x, label, reduction='none')",
                    "F.cross_entropy(T.X, T.lab, reduction='none')"),
        "jax": jx("jax.nn.logsumexp(x, -1) - jnp.take_along_axis(x, label[:, None], -1)[:, 0]",
                  f"lambda X, lab: {CE_J}", args=("X", "lab"))},
    "cross_entropy_grad": {
        "numpy": py("softmax composite (out=); y[arange, label] -= 1",
                    "softmax_into(X, Y); Y[ar, lab] -= 1; Y"),
        "scipy": py("y = scipy.special.softmax(x, axis=-1); y[arange, label] -= 1",
                    "y = softmax(X, axis=-1); y[ar, lab] -= 1; y"),
        "torch": py("torch.softmax(x, -1, out=y); y[arange, label] -= 1",
                    "torch.softmax(T.X, -1, out=T.Y); T.Y[T.rows_ar, T.lab] -= 1; T.Y"),
        "jax": jx("jax.grad(sum(cross_entropy))", f"jax.grad(lambda X, lab: jnp.sum({CE_J}))",
                  args=("X", "lab"))},
}


# ---------------------------------------------------------------------------
# pyactx itself and the floor
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
