"""Independent high-precision reference for the softmax family (mpmath).

Everything here is computed from the textbook definitions,

    softmax_i      = exp(x_i) / sum_j exp(x_j)
    log_softmax_i  = log(softmax_i)  (= x_i - log(sum_j exp(x_j)))
    logsumexp      = log(sum_j exp(x_j))
    J[i][j]        = d softmax_i / d x_j = y_i (delta_ij - y_j)
    softmax_vjp_i  = sum_j g_j J[j][i]
    log_softmax_vjp_i = sum_j g_j d log_softmax_j / d x_i = g_i - y_i sum_j g_j
    cross_entropy  = -log(softmax_label)
    cross_entropy_grad_i = softmax_i - [i == label]

in binary floating point of a precision large enough for the row, and NOT
with the formulas of the C kernels (no max shift, no log1p, no double-T
tricks).  mpmath's exponent range is unbounded, so exp(1e300) and
exp(-1e300) are plain numbers here.

Precision: a result such as log_softmax_0 of [0, -11000] is -log(1 + e^-11000)
~ -1e-4777, which the definition only resolves when the working precision
exceeds ~11000 / ln 2 bits.  The working precision is therefore 256 bits +
the bits of the largest |x| + the spread of the finite entries in bits,
with the spread capped at 12000 nats (exp(-12000) ~ 1e-5212 is below every
float format's smallest subnormal, so what the cap drops cannot show in any
rounded result).  Every evaluation is repeated with 128 more bits and must
agree to 2^-120 relative: a sanity check that the precision rule holds.

The derivative definitions (Jacobian, vjp, cross_entropy_grad) are checked
against mpmath numerical differentiation (``fd_*`` functions), so the tests
compare the C kernels with values that do not rely on the analytic
derivative formulas either.
"""
from __future__ import annotations

import math
from typing import Callable, List, Sequence

import mpmath
from mpmath import mp

SPREAD_CAP_NATS = 12000.0


def _to_mpf(v) -> mpmath.mpf:
    """Exact conversion of a Python float / NumPy float (incl. longdouble)."""
    if isinstance(v, mpmath.mpf):
        return v
    try:
        import numpy as np
        if isinstance(v, np.floating) and np.dtype(type(v)).itemsize > 8:
            if not np.isfinite(v):
                return mpmath.mpf(float(v))
            # mantissa m in [0.5, 1) as hi + lo (lo = m - hi is exact: at most
            # 64 - 53 bits), then the exponent: exact for every long double
            m, e = np.frexp(v)
            hi = np.float64(m)
            lo = np.float64(m - np.longdouble(hi))
            return mpmath.ldexp(mpmath.fadd(float(hi), float(lo), exact=True), int(e))
    except ImportError:  # pragma: no cover
        pass
    return mpmath.mpf(float(v))


def working_prec(x: Sequence[float]) -> int:
    finite = [float(v) for v in x if math.isfinite(float(v))]
    if not finite:
        return 256
    emax = max(math.frexp(v)[1] for v in finite)
    spread = min(max(finite) - min(finite), SPREAD_CAP_NATS)
    return 256 + max(emax, 0) + int(spread / math.log(2)) + 16


#: below every format's smallest subnormal (long double: 2^-16445); a
#: reference smaller than this rounds to 0 in every dtype, whatever its digits
NEGLIGIBLE = mpmath.mpf(2) ** -16600


def _agree(a, b, scale=None) -> bool:
    if isinstance(a, (list, tuple)):
        sc = scale if scale is not None else [None] * len(a)
        return len(a) == len(b) and all(_agree(u, v, w) for u, v, w in zip(a, b, sc))
    if mpmath.isnan(a) or mpmath.isnan(b):
        return bool(mpmath.isnan(a) and mpmath.isnan(b))
    if mpmath.isinf(a) or mpmath.isinf(b):
        return a == b
    size = abs(b) if scale is None else max(abs(b), abs(scale))
    d = abs(a - b)
    return d <= size * mpmath.mpf(2) ** -120 or d < NEGLIGIBLE


def checked(fn: Callable, x: Sequence[float], *args, scale: Callable = None):
    """fn(*args) at the row's working precision, confirmed at +128 bits.

    With `scale` (a function of the same arguments), agreement is measured
    relative to it: results that are exactly 0 (softmax_vjp with a constant
    g) come out as noise ~2^-prec times the scale, different at each
    precision, which is the right answer to that accuracy."""
    p = working_prec(x)
    with mp.workprec(p):
        r1 = fn(*args)
    with mp.workprec(p + 128):
        r2 = fn(*args)
        sc = scale(*args) if scale is not None else None
    if not _agree(r1, r2, sc):
        raise ArithmeticError(f"reference unstable at {p} bits for {fn.__name__}")
    return r2


# --------------------------------------------------------------------------
# Definitions (call through `checked`, or inside an mp.workprec block).
# --------------------------------------------------------------------------

def _exps(x):
    return [mp.exp(_to_mpf(v)) for v in x]


def softmax(x) -> List[mpmath.mpf]:
    e = _exps(x)
    s = mp.fsum(e)
    return [v / s for v in e]


def logsumexp(x) -> mpmath.mpf:
    if len(x) == 0:
        return mpmath.mpf("-inf")
    return mp.log(mp.fsum(_exps(x)))


def log_softmax(x) -> List[mpmath.mpf]:
    # log of the softmax itself, not x_i - logsumexp(x): that difference
    # would leave noise of 2^-prec |x_i| where the exact value is 0 (n == 1)
    return [mp.log(v) if v != 0 else mpmath.mpf("-inf") for v in softmax(x)]


def softmax_jacobian(x) -> List[List[mpmath.mpf]]:
    y = softmax(x)
    n = len(y)
    return [[y[i] * ((1 if i == j else 0) - y[j]) for j in range(n)] for i in range(n)]


def softmax_vjp(x, g) -> List[mpmath.mpf]:
    # (g^T J)_i = sum_j g_j y_j (delta_ji - y_i) = y_i g_i - y_i sum_j g_j y_j
    y = softmax(x)
    gg = [_to_mpf(v) for v in g]
    s = mp.fsum(gj * yj for gj, yj in zip(gg, y))
    return [y[i] * gg[i] - y[i] * s for i in range(len(y))]


def log_softmax_vjp(x, g) -> List[mpmath.mpf]:
    # sum_j g_j (delta_ji - y_i) = g_i - y_i sum_j g_j
    y = softmax(x)
    gg = [_to_mpf(v) for v in g]
    G = mp.fsum(gg)
    return [gg[i] - y[i] * G for i in range(len(y))]


def cross_entropy(x, label: int) -> mpmath.mpf:
    y = softmax(x)
    yl = y[label]
    return mpmath.mpf("inf") if yl == 0 else -mp.log(yl)


def cross_entropy_grad(x, label: int) -> List[mpmath.mpf]:
    y = softmax(x)
    return [v - (1 if i == label else 0) for i, v in enumerate(y)]


# --------------------------------------------------------------------------
# Scales for results that can cancel to an interior root.
# --------------------------------------------------------------------------

def softmax_vjp_scale(x, g) -> List[mpmath.mpf]:
    """y_i (|g_i| + sum_j y_j |g_j|): the size of the two terms of the vjp."""
    y = softmax(x)
    gg = [abs(_to_mpf(v)) for v in g]
    s = mp.fsum(gj * yj for gj, yj in zip(gg, y))
    return [y[i] * (gg[i] + s) for i in range(len(y))]


def log_softmax_vjp_scale(x, g) -> List[mpmath.mpf]:
    """|g_i| + y_i |sum_j g_j|."""
    y = softmax(x)
    gg = [_to_mpf(v) for v in g]
    G = abs(mp.fsum(gg))
    return [abs(gg[i]) + y[i] * G for i in range(len(y))]


def logsumexp_scale(x) -> mpmath.mpf:
    """|max x| + (logsumexp - max x): the size of the terms of m + log(sum)."""
    finite = [_to_mpf(v) for v in x if math.isfinite(float(v))]
    if len(finite) != len(x) or not finite:
        return abs(logsumexp(x))
    m = max(finite)
    return abs(m) + (logsumexp(x) - m)


# --------------------------------------------------------------------------
# Finite differences (mpmath.diff) for the derivative definitions.
# --------------------------------------------------------------------------

def _shift(x, i, t):
    return [(_to_mpf(v) + t) if k == i else _to_mpf(v) for k, v in enumerate(x)]


def fd_softmax_jacobian(x) -> List[List[mpmath.mpf]]:
    """J[i][j] = d softmax_i / d x_j by numerical differentiation."""
    n = len(x)
    return [[mp.diff(lambda t: softmax(_shift(x, j, t))[i], 0) for j in range(n)]
            for i in range(n)]


def fd_softmax_vjp(x, g) -> List[mpmath.mpf]:
    gg = [_to_mpf(v) for v in g]
    return [mp.diff(lambda t: mp.fsum(a * b for a, b in zip(gg, softmax(_shift(x, i, t)))), 0)
            for i in range(len(x))]


def fd_log_softmax_vjp(x, g) -> List[mpmath.mpf]:
    gg = [_to_mpf(v) for v in g]
    return [mp.diff(lambda t: mp.fsum(a * b for a, b in zip(gg, log_softmax(_shift(x, i, t)))), 0)
            for i in range(len(x))]


def fd_cross_entropy_grad(x, label: int) -> List[mpmath.mpf]:
    return [mp.diff(lambda t: cross_entropy(_shift(x, i, t), label), 0) for i in range(len(x))]
