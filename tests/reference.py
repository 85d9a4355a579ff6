"""Independent high-precision reference for every elementwise pyactx function.

Everything here is written from the mathematical definitions with mpmath, *not*
from the floating-point formulas of the C kernels.  The only rearrangements are
exact identities used so that mpmath never has to evaluate ``exp`` of a huge
positive argument (for instance ``1/(1+e^-z) = e^z/(1+e^z)`` for ``z < 0`` and
``log(1+e^z) = z + log(1+e^-z)`` for ``z > 0``); they change nothing about the
value, only how long mpmath takes.

Precision
---------
:func:`evaluate` runs a Ziv loop: a function is evaluated at a working
precision of ``target + 60`` bits plus a per-function *cancellation hint*
(extra bits where the definition cancels catastrophically, e.g. ``x - tanh(x)``
for tiny ``x`` or ``x + sqrt(x^2 + b)`` for ``x << 0``), then again at 1.5x the
precision, and the result is accepted only when both agree to ``target`` bits
(default 100 bits, i.e. far below one ULP of float64 or of the x86 80-bit long
double).  Otherwise the precision keeps growing.

Tiny values
-----------
``exp(z)`` for ``z < -2**20`` and ``erfc(z)`` for ``z > 2**10`` are replaced by
the positive surrogate ``TINY = 2**-(2**62)``.  The true values are below
``2**-1400000`` -- far below half the smallest subnormal of every format
(long double: ``2**-16445``), and they only ever enter the results multiplied
by quantities of at most ``2**16384`` or added to O(1) terms -- so every rounded
result, and every stored tail, is exactly what the exact value gives; only the
cost of evaluating (mpmath would otherwise need a ~32000-bit argument
reduction) changes.

Conventions at kinks are those of the ``kinks`` field of ``pyactx/_spec.py``
(PyTorch's backward conventions); their values are tabulated in
``tests/function_facts.py``.

The module also holds the small exact-rounding helpers used by
``tools/generate_reference.py`` and by the tests.
"""

from __future__ import annotations

import mpmath
from mpmath import mp, mpf

import function_facts

__all__ = [
    "UNARY", "PARAM", "GATE", "PAIR", "TERM_SCALE", "FORMATS",
    "evaluate", "value", "round_to_format", "ulp_of", "zero_sign_rule",
]

# --------------------------------------------------------------------------
# Constants (strings: converted at the working precision of each evaluation)
# --------------------------------------------------------------------------
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_LAMBDA = "1.0507009873554804934193349852946"
GELU_TANH_K = "0.044715"          # the exact decimal

EXP_CUTOFF = -(2 ** 20)           # exp(z) below this -> TINY
ERFC_CUTOFF = 2 ** 10             # erfc(z) above this -> TINY
TINY = mpmath.ldexp(mpf(1), -(2 ** 62))

NAN = mpmath.nan
INF = mpmath.inf


def _isnan(v):
    return mpmath.isnan(v)


# --------------------------------------------------------------------------
# Building blocks (all at the current mp.prec)
# --------------------------------------------------------------------------

def _exp(z):
    """exp(z) for z <= 0 (callers never pass large positive z)."""
    if z < EXP_CUTOFF:
        return TINY
    return mpmath.exp(z)


def _expm1(z):
    """exp(z) - 1 for z <= 0."""
    if z < EXP_CUTOFF:
        return -1 + TINY
    return mpmath.expm1(z)


def _sigmoid(z):
    """1 / (1 + exp(-z))."""
    if z >= 0:
        return 1 / (1 + _exp(-z))
    e = _exp(z)
    return e / (1 + e)


def _softplus(z):
    """log(1 + exp(z))."""
    if z > 0:
        return z + mpmath.log1p(_exp(-z))
    return mpmath.log1p(_exp(z))


def _sech(z):
    """1 / cosh(z) = 2 e^-|z| / (1 + e^-2|z|)."""
    a = abs(z)
    return 2 * _exp(-a) / (1 + _exp(-2 * a))


def _ncdf(x):
    """Phi(x) = erfc(-x / sqrt(2)) / 2."""
    if x > 0:
        return 1 - _ncdf(-x)
    z = -x / mpmath.sqrt(2)
    if z > ERFC_CUTOFF:
        return TINY
    return mpmath.erfc(z) / 2


def _npdf(x):
    """phi(x) = exp(-x^2/2) / sqrt(2 pi)."""
    return _exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)


def _mag(x):
    """floor(log2|x|) + 1 as an int (0 for x == 0)."""
    if not x:
        return 0
    return int(mpmath.mag(x))


def _hint(fn):
    def deco(h):
        fn.hint = h
        return h
    return deco


# --------------------------------------------------------------------------
# Unary activations f(x) and their derivatives
# --------------------------------------------------------------------------

def sigmoid(x):
    return _sigmoid(x)


def sigmoid_grad(x):
    return _sigmoid(x) * _sigmoid(-x)


def log_sigmoid(x):
    # log(sigmoid(x)) = -log(1 + exp(-x))
    return -_softplus(-x)


def log_sigmoid_grad(x):
    return _sigmoid(-x)


def tanh(x):
    return mpmath.tanh(x)


def tanh_grad(x):
    return _sech(x) ** 2


def relu(x):
    return x if x > 0 else mpf(0)


def relu_grad(x):
    return mpf(1) if x > 0 else mpf(0)          # relu_grad(0) = 0


def relu6(x):
    return min(max(x, mpf(0)), mpf(6))


def relu6_grad(x):
    return mpf(1) if 0 < x < 6 else mpf(0)      # 0 at x = 0 and x = 6


def selu(x):
    lam = mpf(SELU_LAMBDA)
    if x > 0:
        return lam * x
    return lam * mpf(SELU_ALPHA) * _expm1(x)


def selu_grad(x):
    lam = mpf(SELU_LAMBDA)
    if x > 0:
        return lam
    return lam * mpf(SELU_ALPHA) * _exp(x)      # selu_grad(0) = lambda * alpha


def gelu(x):
    return x * _ncdf(x)


def gelu_grad(x):
    return _ncdf(x) + x * _npdf(x)


def _gelu_tanh_2u(x):
    # 2u = 2 sqrt(2/pi) (x + 0.044715 x^3)
    return 2 * mpmath.sqrt(2 / mpmath.pi) * (x + mpf(GELU_TANH_K) * x ** 3)


def gelu_tanh(x):
    # 0.5 x (1 + tanh(u)) = x sigmoid(2u)   (1 + tanh u = 2 sigmoid(2u), an identity)
    return x * _sigmoid(_gelu_tanh_2u(x))


def gelu_tanh_grad(x):
    t = _gelu_tanh_2u(x)
    dt = 2 * mpmath.sqrt(2 / mpmath.pi) * (1 + 3 * mpf(GELU_TANH_K) * x ** 2)
    s, sm = _sigmoid(t), _sigmoid(-t)
    return s + x * s * sm * dt


def silu(x):
    return x * _sigmoid(x)


def silu_grad(x):
    s = _sigmoid(x)
    return s + x * s * _sigmoid(-x)


def mish(x):
    return x * mpmath.tanh(_softplus(x))


def mish_grad(x):
    sp = _softplus(x)
    return mpmath.tanh(sp) + x * _sech(sp) ** 2 * _sigmoid(x)


def softsign(x):
    return x / (1 + abs(x))


def softsign_grad(x):
    return 1 / (1 + abs(x)) ** 2


def hard_sigmoid(x):
    return min(max(x + 3, mpf(0)), mpf(6)) / 6


def hard_sigmoid_grad(x):
    return mpf(1) / 6 if -3 < x < 3 else mpf(0)    # 0 at x = -3 and x = 3


def hard_silu(x):
    return x * min(max(x + 3, mpf(0)), mpf(6)) / 6


def hard_silu_grad(x):
    if x <= -3:
        return mpf(0)                              # PyTorch: 0 at x = -3
    if x < 3:
        return (2 * x + 3) / 6                     # x/3 + 1/2
    return mpf(1)                                  # PyTorch: 1 at x = 3


def hard_tanh(x):
    return min(max(x, mpf(-1)), mpf(1))


def hard_tanh_grad(x):
    return mpf(1) if -1 < x < 1 else mpf(0)      # 0 at x = -1 and x = 1


def tanhshrink(x):
    return x - mpmath.tanh(x)


@_hint(tanhshrink)
def _tanhshrink_hint(x):
    # x - tanh x ~ x^3/3: about 2*log2(1/|x|) bits cancel for |x| < 1
    return 2 * max(0, -_mag(x)) + 8


def tanhshrink_grad(x):
    return mpmath.tanh(x) ** 2


def logit(p):
    if p < 0 or p > 1:
        return NAN
    if p == 0:
        return -INF                                 # pole
    if p == 1:
        return INF                                  # pole
    return mpmath.log(p / (1 - p))


def logit_grad(p):
    if p < 0 or p > 1:
        return NAN
    if p == 0 or p == 1:
        return INF                                  # pole
    return 1 / (p * (1 - p))


# --------------------------------------------------------------------------
# Activations with one parameter f(x, p)
# --------------------------------------------------------------------------

def leaky_relu(x, a):
    return x if x > 0 else a * x


def leaky_relu_grad(x, a):
    return mpf(1) if x > 0 else +a                  # negative_slope at x = 0


def elu(x, alpha):
    return x if x > 0 else alpha * _expm1(x)


def elu_grad(x, alpha):
    return mpf(1) if x > 0 else alpha * _exp(x)     # alpha at x = 0


def celu(x, alpha):
    # max(x, 0) + min(0, alpha * expm1(x / alpha))   (alpha > 0)
    return x if x > 0 else alpha * _expm1(x / alpha)


def celu_grad(x, alpha):
    return mpf(1) if x > 0 else _exp(x / alpha)     # 1 at x = 0


def swish(x, beta):
    return x * _sigmoid(beta * x)


def swish_grad(x, beta):
    s = _sigmoid(beta * x)
    return s + beta * x * s * _sigmoid(-beta * x)


def softplus(x, beta):
    return _softplus(beta * x) / beta


def softplus_grad(x, beta):
    return _sigmoid(beta * x)


def softshrink(x, lambd):
    if x > lambd:
        return x - lambd
    if x < -lambd:
        return x + lambd
    return mpf(0)


def softshrink_grad(x, lambd):
    return mpf(1) if abs(x) > lambd else mpf(0)     # 0 at x = +-lambd


def hardshrink(x, lambd):
    return x if abs(x) > lambd else mpf(0)


def hardshrink_grad(x, lambd):
    return mpf(1) if abs(x) > lambd else mpf(0)     # 0 at x = +-lambd


def squareplus(x, b):
    d = x * x + b
    if d < 0:
        return NAN
    return (x + mpmath.sqrt(d)) / 2


def squareplus_grad(x, b):
    d = x * x + b
    if d < 0:
        return NAN
    if d == 0:
        if x == 0:
            return mpf(1) / 2                       # b = 0: relu with grad 1/2 at 0
        return INF if x > 0 else -INF               # pole (only for b < 0)
    return (1 + x / mpmath.sqrt(d)) / 2


def _squareplus_hint(x, b):
    # x + sqrt(x^2 + b) ~ b / (2|x|) for x << 0: about log2(x^2 / b) bits cancel
    if x < 0 and b > 0:
        return max(0, 2 * _mag(x) - _mag(b)) + 8
    return 0


squareplus.hint = _squareplus_hint
squareplus_grad.hint = _squareplus_hint


# --------------------------------------------------------------------------
# Binary functions
# --------------------------------------------------------------------------

def glu(a, b):
    return a * _sigmoid(b)


def glu_grad_a(a, b):
    return _sigmoid(b)


def glu_grad_b(a, b):
    return a * _sigmoid(b) * _sigmoid(-b)


def swiglu(a, b):
    return silu(a) * b


def swiglu_grad_a(a, b):
    return silu_grad(a) * b


def swiglu_grad_b(a, b):
    return silu(a)


def geglu(a, b):
    return gelu(a) * b


def geglu_grad_a(a, b):
    return gelu_grad(a) * b


def geglu_grad_b(a, b):
    return gelu(a)


def binary_cross_entropy(x, t):
    return t * _softplus(-x) + (1 - t) * _softplus(x)


def binary_cross_entropy_grad(x, t):
    # sigmoid(x) - t, written with sigmoid(x) + sigmoid(-x) = 1 as
    # (1 - t) sigmoid(x) - t sigmoid(-x) so that t = 1 and x >> 0 (where the
    # value is -sigmoid(-x) ~ -e^-x) does not cancel to a spurious 0.
    return (1 - t) * _sigmoid(x) - t * _sigmoid(-x)


@_hint(binary_cross_entropy_grad)
def _bce_grad_hint(x, t):
    # for t = 1/2 the value is ~x/4: about log2(1/|x|) bits cancel for tiny x
    return max(0, -_mag(x)) + 8


# --------------------------------------------------------------------------
# Registries
# --------------------------------------------------------------------------

UNARY = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "log_sigmoid": (log_sigmoid, log_sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "relu6": (relu6, relu6_grad),
    "selu": (selu, selu_grad),
    "gelu": (gelu, gelu_grad),
    "gelu_tanh": (gelu_tanh, gelu_tanh_grad),
    "silu": (silu, silu_grad),
    "mish": (mish, mish_grad),
    "softsign": (softsign, softsign_grad),
    "hard_sigmoid": (hard_sigmoid, hard_sigmoid_grad),
    "hard_silu": (hard_silu, hard_silu_grad),
    "hard_tanh": (hard_tanh, hard_tanh_grad),
    "tanhshrink": (tanhshrink, tanhshrink_grad),
    "logit": (logit, logit_grad),
}

PARAM = {
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "celu": (celu, celu_grad),
    "swish": (swish, swish_grad),
    "softplus": (softplus, softplus_grad),
    "softshrink": (softshrink, softshrink_grad),
    "hardshrink": (hardshrink, hardshrink_grad),
    "squareplus": (squareplus, squareplus_grad),
}

#: gate functions: (f, d/da, d/db)
GATE = {
    "glu": (glu, glu_grad_a, glu_grad_b),
    "swiglu": (swiglu, swiglu_grad_a, swiglu_grad_b),
    "geglu": (geglu, geglu_grad_a, geglu_grad_b),
}

#: pair functions: (f, d/dx)
PAIR = {
    "binary_cross_entropy": (binary_cross_entropy, binary_cross_entropy_grad),
}


# Local scale of the outputs that have an interior root (a zero at x != 0 that
# comes from cancellation between terms of the definition): the sum of the
# absolute values of those terms.  Near such a root the relative error of any
# fixed-precision evaluation is amplified by kappa = scale / |f|; the accuracy
# test measures those points (and only those, where kappa is large) in ULPs of
# the scale.  Keys: (function name, output index); output 1 is the derivative
# (for gates: 1 = d/da).

def _silu_grad_scale(x, beta=1):
    s = _sigmoid(beta * x)
    return s + abs(beta * x) * s * _sigmoid(-beta * x)


def _gelu_grad_scale(x):
    return _ncdf(x) + abs(x) * _npdf(x)


def _gelu_tanh_grad_scale(x):
    t = _gelu_tanh_2u(x)
    dt = 2 * mpmath.sqrt(2 / mpmath.pi) * (1 + 3 * mpf(GELU_TANH_K) * x ** 2)
    s, sm = _sigmoid(t), _sigmoid(-t)
    return s + abs(x) * s * sm * dt


def _mish_grad_scale(x):
    sp = _softplus(x)
    return mpmath.tanh(sp) + abs(x) * _sech(sp) ** 2 * _sigmoid(x)


TERM_SCALE = {
    ("silu", 1): _silu_grad_scale,
    ("swish", 1): lambda x, beta: _silu_grad_scale(x, beta),
    ("gelu", 1): _gelu_grad_scale,
    ("gelu_tanh", 1): _gelu_tanh_grad_scale,
    ("mish", 1): _mish_grad_scale,
    ("swiglu", 1): lambda a, b: _silu_grad_scale(a) * abs(b),
    ("geglu", 1): lambda a, b: _gelu_grad_scale(a) * abs(b),
    ("binary_cross_entropy", 1): lambda x, t: _sigmoid(x) + abs(t),
}


#: Gate derivative outputs that do not depend on one of the inputs:
#: (name, output index) -> indices of the inputs the output depends on.  A NaN
#: in an input an output does not depend on need not propagate to it.  Stated
#: in tests/function_facts.py (the ``depends`` facts).
DEPENDS = function_facts.depends()


def functions(name):
    """The tuple of reference callables (f, derivative outputs...) of ``name``."""
    for table in (UNARY, PARAM, GATE, PAIR):
        if name in table:
            return table[name]
    if name == "hard_swish":
        return UNARY["hard_silu"]
    raise KeyError(name)


# --------------------------------------------------------------------------
# Evaluation with a Ziv loop
# --------------------------------------------------------------------------

MAX_PREC = 1 << 18


def exact_mpf(a):
    """``a`` (mpf, Python float or int) as an mpf, without rounding.

    (``mpf(a)`` and even ``-a`` round to the *current* mp.prec, 53 bits by
    default, which would silently cut a 64-bit long double significand.)"""
    if isinstance(a, mpf):
        return a
    if isinstance(a, int):
        return mp.make_mpf(mpmath.libmp.from_int(a))
    return mpf(float(a))        # a binary64 value: exact at any precision >= 53


def _run(fn, args, prec):
    with mp.workprec(prec):
        v = fn(*args)
        return +mpf(v) if not isinstance(v, mpf) else +v


def _agree(v1, v2, target):
    if _isnan(v1) or _isnan(v2):
        return _isnan(v1) and _isnan(v2)
    if v1 == v2:
        return True
    if not v1 or not v2 or mpmath.isinf(v1) or mpmath.isinf(v2):
        return False
    return abs(v1 - v2) <= abs(v2) * mpmath.ldexp(mpf(1), -target)


def evaluate(fn, args, target=100, depends=None):
    """``fn(*args)`` (mpf arguments, taken as exact) to ``target`` bits.

    Returns an mpf (possibly nan or +-inf for domain errors and poles).  A NaN
    argument gives NaN, unless its index is not in ``depends`` (the indices of
    the arguments the function depends on; default: all); such arguments are
    replaced by 0.
    """
    args = tuple(exact_mpf(a) for a in args)
    if depends is not None:
        if any(_isnan(a) for i, a in enumerate(args) if i in depends):
            return NAN
        args = tuple(a if i in depends else mpf(0) for i, a in enumerate(args))
    if any(_isnan(a) for a in args):
        return NAN
    hint = getattr(fn, "hint", None)
    extra = hint(*args) if hint is not None else 0
    prec = target + 60 + extra
    v1 = _run(fn, args, prec)
    while True:
        prec2 = prec + max(prec // 2, 64)
        v2 = _run(fn, args, prec2)
        if _agree(v1, v2, target):
            if v2 == 0 and v1 == 0:
                # guard against a cancellation to a spurious exact 0 at both
                # precisions: confirm at 4x the precision
                v3 = _run(fn, args, 4 * prec2)
                if v3 != 0:
                    prec, v1 = 4 * prec2, v3
                    continue
            return v2
        prec, v1 = prec2, v2
        if prec > MAX_PREC:
            raise RuntimeError(f"{fn.__name__}{args}: no convergence")


def value(name, *args, output=0, target=100):
    """Reference value of output ``output`` of function ``name`` at exact
    arguments (Python floats / mpf).  ``output`` 0 is the function itself."""
    return evaluate(functions(name)[output], args, target, DEPENDS.get((name, output)))


# --------------------------------------------------------------------------
# Floating-point formats and exact rounding
# --------------------------------------------------------------------------

#: name -> (precision p incl. the hidden bit, emin, emax)
FORMATS = {
    "float16": (11, -14, 15),
    "float32": (24, -126, 127),
    "float64": (53, -1022, 1023),
    "longdouble": (64, -16382, 16383),   # x86 80-bit extended
}


def round_to_format(v, fmt):
    """Round the mpf ``v`` to nearest-even in ``fmt`` (a FORMATS key or a
    (p, emin, emax) triple), with IEEE overflow to +-inf.  Returns an mpf
    (exact, representable), +-inf or nan.  Zeros come back unsigned."""
    p, emin, emax = FORMATS[fmt] if isinstance(fmt, str) else fmt
    if _isnan(v) or mpmath.isinf(v) or not v:
        return v
    sign, man, exp, bc = v._mpf_                  # value = (-1)^sign man 2^exp
    e = exp + bc - 1                              # floor(log2 |v|)
    q = max(e, emin) - (p - 1)                    # quantum of v's binade
    shift = q - exp
    if shift <= 0:
        n = man << (-shift)
    elif shift > bc:                              # |v| < half a quantum: rounds to 0
        n = 0
    else:
        n = man >> shift
        rem = man - (n << shift)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and n & 1):
            n += 1
    if n == 0:
        return mpf(0)
    if n.bit_length() + q > emax + 1:
        return -INF if sign else INF
    # exact construction (no rounding to the current mp.prec)
    return mp.make_mpf(mpmath.libmp.from_man_exp(-n if sign else n, q))


def ulp_of(hi, fmt):
    """ULP of the binade of the format value ``hi`` (subnormal ULP for
    subnormals and zero; 2^(emax-p+1) for +-inf, the 'virtual' next binade)."""
    p, emin, emax = FORMATS[fmt] if isinstance(fmt, str) else fmt
    if mpmath.isinf(hi):
        return mpmath.ldexp(mpf(1), emax - p + 1)
    if not hi:
        return mpmath.ldexp(mpf(1), emin - p + 1)
    e = hi._mpf_[2] + hi._mpf_[3] - 1           # floor(log2 |hi|)
    return mpmath.ldexp(mpf(1), max(e, emin) - p + 1)


def zero_sign_rule(name, param=None, output=0):
    """Sign rule for f(-0.0) and f(+0.0).

    Returns ``(s_minus, s_plus)``: for each side, -1 or +1 if f(0) == 0 and f
    is non-zero just on that side of 0 (then the zero returned for the signed
    zero input must carry the sign of f on that side), or None (no rule: f(0)
    != 0, or f vanishes identically on that side, as relu does for x < 0).
    """
    fn = functions(name)[output]
    extra = () if param is None else (param,)
    if evaluate(fn, (mpf(0),) + extra) != 0:
        return (None, None)
    eps = mpmath.ldexp(mpf(1), -200)
    out = []
    for x in (-eps, eps):
        v = evaluate(fn, (x,) + extra)
        out.append(None if v == 0 else (1 if v > 0 else -1))
    return tuple(out)
