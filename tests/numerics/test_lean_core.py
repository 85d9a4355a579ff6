"""The kernels on the lean exponential core (kernels/vmath.inc, swf_expn:
e^x = 2^n (1 + q) rounded once, |x| clamped at K = 85 (float) / 707.5
(double), x below the hard-lane start -- PYACTX_SW_TAIL: 85 / 700;
celu': -84 alpha / -707 alpha -- to the scalar kernel): silu, swish,
softplus, softplus', glu, glu', swiglu, elu', selu', celu'; float32
tanh_grad (hard lanes |x| > 42.5); tanh, tanhshrink and tanhshrink' (no
hard lanes: |x| clamped at 9.5 / 22; the last two switch from a
polynomial to the exponential at |x| = 1.25 / 0.9).  Also logit, whose
kernel (sigmoid.inc) reduces p / (1 - p) by a power of two read off the
bit patterns, and binary_cross_entropy_grad (sigmoid.inc, bv_bce_grad: the
lean core with the reduced argument's rounding error carried; float64 hard
lanes past |x| = 700, its e^-|x| tail dropped past 300), next to its root
sigmoid(x) = t at every cancellation factor.

The mpmath reference data holds few points near those boundaries, so here:
  - dense grids across each boundary, float32 and float64, where a lane
    switches between the vector core (just above) and the scalar kernel
    (just below), or between two branches of a vector kernel: each result within the 4-ULP contract of the long double
    kernel, no floating-point flag, the same bits in a strided call (which
    goes through the loop's other path);
  - a random float64 sample (tools/dense_f64.py, 2 * 10^4 points per
    function and parameter, logit's mapped into (0, 1); the tool's default
    10^7 gave the README's figures);
  - swiglu's other hard lanes (a tiny nonzero a times a huge b) and the
    special values whose a the gates' kernels replace before the quotient.
The long double kernels stand in for the exact value (test_accuracy checks
them against mpmath: a few ULP of a 64-bit significand).  Runs on every
instruction-set path."""
import os
import sys

import numpy as np
import pytest

import _ulp as U
import pyactx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import dense_f64 as D  # noqa: E402

pytestmark = [pytest.mark.usefixtures("each_dispatch"),
              pytest.mark.skipif(not U.LONGDOUBLE_IS_X87,
                                 reason="needs the x87 long-double kernel as the reference")]

BAR = 4.0


def _err(got, ref, dtype):
    """|error| in ULPs of dtype against the long double reference"""
    hi = ref.astype(np.float64)
    if np.dtype(dtype) == np.float32:
        return np.abs(U.ulp_error(got, hi, None, "float32"))
    lo = (ref - hi.astype(np.longdouble)).astype(np.float64)
    return np.abs(U.ulp_error(got, hi, np.ldexp(lo, -U.ulp_exponent(hi, np.float64)), "float64"))


#: (function, parameter or None) -> the x (for a gate: b) where its hard
#: lanes start, per dtype
def _boundaries(name, p, dtype):
    tail = 85.0 if dtype == np.float32 else 700.0
    clamp = 85.0 if dtype == np.float32 else 707.5
    if name == "tanh_grad":
        return [-42.5, 42.5]                            # float32 only
    if name == "tanh":
        # no hard lanes: |x| is clamped (float 9.5, double 22) and tanh
        # rounds to 1 from 9.01 / 19.06; e^-2|x| = 2^n (1 + q) with 2^n +- 1
        # no longer exact from 8.3 / 18.4
        edges = [8.5, 9.5] if dtype == np.float32 else [18.5, 20.5, 22.0]
        return sorted(edges + [-e for e in edges])
    if name in ("tanhshrink", "tanhshrink_grad"):
        # tanh's clamp, and the switch from the polynomial in x^2 to the
        # exponential (tanh.inc: PYACTX_TS_C, PYACTX_TSQ_C)
        edges = [1.25 if name == "tanhshrink" else 0.9]
        edges += [9.5] if dtype == np.float32 else [20.5, 22.0]
        return sorted(edges + [-e for e in edges])
    if name == "celu_grad":
        k = 84.0 if dtype == np.float32 else 707.0
        return [-k * p]
    if name in ("swish", "softplus", "softplus_grad"):
        return sorted({-tail / p, -clamp / p})
    return sorted({-tail, -clamp})


CASES = [("silu", None), ("swish", 1.0), ("swish", 1.7), ("softplus", 1.0), ("softplus", 0.3),
         ("softplus_grad", 1.0), ("softplus_grad", 1.7), ("elu_grad", 1.0), ("elu_grad", 3.0),
         ("selu_grad", None), ("celu_grad", 1.0), ("celu_grad", 0.7), ("celu_grad", 3.0),
         ("glu", None), ("glu_grad", None), ("swiglu", None), ("tanh_grad", None),
         ("tanh", None), ("tanhshrink", None), ("tanhshrink_grad", None)]


def _call(name, dtype, x, p, rng):
    """(outputs, long double references, the same call on a strided view)"""
    f = getattr(pyactx, name)
    if name in ("glu", "glu_grad", "swiglu"):
        a = (rng.choice([-1.0, 1.0], x.size) * 2.0 ** rng.uniform(-10, 60, x.size)).astype(dtype)
        args = (a, x)                                   # the gate is b
    else:
        args = (x,) if p is None else (x, dtype(p))
    with np.errstate(all="raise"):
        y = f(*args)
        wide = tuple(np.repeat(v, 2)[::2] if np.ndim(v) else v for v in args)
        ys = f(*wide)
    ref = f(*(np.asarray(v, np.longdouble) for v in args))
    tup = isinstance(y, tuple)
    return (y if tup else (y,)), (ref if tup else (ref,)), (ys if tup else (ys,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,p", CASES, ids=[n + ("" if p is None else f"[{p:g}]") for n, p in CASES])
def test_across_the_hard_lane_boundaries(name, p, dtype):
    if name == "tanh_grad" and dtype == np.float64:
        pytest.skip("float64 tanh_grad is not on the lean core")
    rng = np.random.default_rng(5)
    for edge in _boundaries(name, p, dtype):
        # 3 * 10^4 points on [edge - 2, edge + 2] and the 2000 representable
        # numbers on each side of the edge itself
        e = np.array(edge, dtype)
        itype = np.int32 if dtype == np.float32 else np.int64
        near = (e.view(itype) + np.arange(-2000, 2001, dtype=itype)).view(dtype)
        x = np.concatenate([np.linspace(edge - 2, edge + 2, 30_001).astype(dtype), near])
        ys, refs, strided = _call(name, dtype, x, p, rng)
        for k, (y, ref, s) in enumerate(zip(ys, refs, strided)):
            err = _err(y, ref, dtype)
            i = int(np.argmax(err))
            assert err[i] <= BAR, (f"{name}({p}) {np.dtype(dtype)} output {k}: {err[i]:.2f} ULP "
                                   f"at x = {x[i]!r} (edge {edge:g})")
            assert np.array_equal(y, s), f"{name}: a strided call differs near {edge:g}"


@pytest.mark.parametrize("name", list(D.FUNCS))
def test_float64_random_sample(name):
    x, b = D.sample(4000, seed=7)
    for label, (m, at) in D.worst(name, x, b).items():
        assert m <= BAR, f"{label}: {m:.2f} ULP at x = {at!r}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_swiglu_tiny_a_and_special_values(dtype):
    # swiglu's vector kernel is silu(a) * b; where silu(a) ~ a/2 is
    # subnormal it has lost bits that a huge b would show, so a tiny nonzero
    # a (0 < |a| < 2^-124 / 2^-1020) is a hard lane, recomputed by the
    # scalar kernel as (a b) sigmoid(a).  Without it, the smallest
    # subnormal a times b = 1.3e33 came out 0 (silu(a) rounded to 0).
    fi = np.finfo(dtype)
    itype = np.int32 if dtype == np.float32 else np.int64
    edge = np.array(2.0 ** (-124 if dtype == np.float32 else -1020), dtype)
    near = (edge.view(itype) + np.arange(-3000, 3001, dtype=itype)).view(dtype)
    sub = (np.arange(1, 3001, dtype=itype)).view(dtype)           # the smallest subnormals
    a = np.concatenate([near, sub, -near, -sub, [0.0, -0.0]]).astype(dtype)
    big = dtype(2.0 ** (110 if dtype == np.float32 else 1000))
    for b in (big, -big, dtype(1e-3) * big):
        bb = np.full(a.shape, b, dtype)
        with np.errstate(all="raise"):
            y = pyactx.swiglu(a, bb)
            ys = pyactx.swiglu(np.repeat(a, 2)[::2], np.repeat(bb, 2)[::2])
        ref = pyactx.swiglu(a.astype(np.longdouble), bb.astype(np.longdouble))
        err = _err(y, ref, dtype)
        i = int(np.argmax(err))
        assert err[i] <= BAR, f"swiglu {fi.dtype}: {err[i]:.2f} ULP at a = {a[i]!r}, b = {b!r}"
        assert np.array_equal(y, ys)
    # the lanes whose a the kernel replaces by 1 (|a| > BIG, +-inf, NaN):
    # the scalar kernel's values, and no flag (-inf * 0 would be invalid)
    a = np.array([-np.inf, -np.inf, np.inf, 3e30, -3e30, np.nan, 2.0] * 3, dtype)
    b = np.array([0.0, 2.0, 2.0, 0.5, 0.5, 0.0, np.nan] * 3, dtype)
    with np.errstate(all="raise"):
        y = pyactx.swiglu(a, b)
        g = pyactx.glu(b, a)                   # glu gates its second operand
    ref = pyactx.swiglu(a.astype(np.longdouble), b.astype(np.longdouble)).astype(dtype)
    refg = pyactx.glu(b.astype(np.longdouble), a.astype(np.longdouble)).astype(dtype)
    np.testing.assert_array_equal(y, ref)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(ref))
    np.testing.assert_array_equal(g, refg)
    # a NaN gate comes back with its own sign (the scalar kernel that now
    # recomputes those lanes negated it: -|b|)
    for nan in (np.nan, -np.nan):
        b = np.full(40, nan, dtype)
        assert np.array_equal(np.signbit(pyactx.glu(np.full(40, 2.0, dtype), b)), np.signbit(b))
        assert np.array_equal(np.signbit(pyactx.sigmoid(b)), np.signbit(b))
        assert np.signbit(pyactx.sigmoid(np.longdouble(nan))) == np.signbit(nan)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_logit_across_its_reduction_and_hard_lanes(dtype):
    # logit's vector kernel (sigmoid.inc) writes p / (1 - p) = 2^k r with k
    # rounded from the difference of the bit patterns of p and 1 - p, so k
    # steps where those patterns' difference crosses a half exponent, and
    # the smallest normal p and the p just below 1 border the hard lanes.
    # The 1500 representable p on each side of each of those, and a grid
    # over [0.001, 0.999] (k = 0, +-1 in the middle, where the result is
    # smallest and k ln 2 + 2 atanh(s) cancels most).
    itype = np.int32 if dtype == np.float32 else np.int64
    fi = np.finfo(dtype)
    x = np.linspace(0.001, 0.999, 40_001).astype(dtype)
    # the first p above each k step, found on the grid, and the edges
    E = (x.view(itype) - (1 - x).view(itype) + (1 << (fi.nmant - 1))) >> fi.nmant
    steps = x[1:][np.diff(E) != 0]
    assert len(steps) >= 19                      # k from -10 to 10 on [0.001, 0.999]
    edges = np.concatenate([steps, np.array([fi.smallest_normal, 0.5, 1.0 / 3, 2.0 / 3], dtype)])
    near = (edges.view(itype)[:, None] + np.arange(-1500, 1501, dtype=itype)).ravel().view(dtype)
    ones = (np.array(1.0, dtype).view(itype) - np.arange(1, 3001, dtype=itype)).view(dtype)
    p = np.concatenate([x, near, ones])
    p = p[(p >= fi.smallest_normal) & (p < 1)]
    with np.errstate(all="raise"):
        y = pyactx.logit(p)
        ys = pyactx.logit(np.repeat(p, 2)[::2])
    ref = pyactx.logit(p.astype(np.longdouble))
    err = _err(y, ref, dtype)
    i = int(np.argmax(err))
    assert err[i] <= BAR, f"logit {fi.dtype}: {err[i]:.2f} ULP at p = {p[i]!r}"
    assert np.array_equal(y, ys)
    assert np.array_equal(pyactx.logit(np.array([0.5] * 33, dtype)), np.zeros(33, dtype))
    assert not np.signbit(pyactx.logit(np.array([0.5] * 33, dtype))).any()


#: binary_cross_entropy_grad's largest error on the points below, measured on
#: every path and rounded up (kernels/sigmoid.inc, bv_bce_grad: float32 is
#: computed in double and rounded once, 0.60; float64 1.68, at x = -300 - 7e-11
#: where e's tail is dropped -- the kernel it replaced: float32 1.93 at kappa
#: 1.7e9, float64 1.34)
BCE_BAR = {"float32": 0.65, "float64": 1.75}


def _bce_points(dtype, rng):
    """x across the kernel's switches, each with a t: next to the root
    sigmoid(x) = t at every cancellation factor kappa from 1 to ~2^52, or
    one of the special targets"""
    itype = np.int32 if dtype == np.float32 else np.int64
    # float64: e^-|x| drops below 2^-53 at 36.7 (1 + e rounds to 1), the
    # far lanes start at 300, the hard lanes at 700; float32 clamps |x| at
    # 112 and its results underflow past 104
    edges = [36.7, 104.0, 112.0] if dtype == np.float32 else [36.7, 300.0, 700.0]
    near = [(np.array(s * e, dtype).view(itype) + np.arange(-1500, 1501, dtype=itype)).view(dtype)
            for e in edges for s in (1, -1)]
    grid = np.linspace(-40, 40, 40_001).astype(dtype)
    x = np.concatenate([grid] + near)
    s = pyactx.sigmoid(x.astype(np.longdouble))
    delta = rng.choice([-1.0, 1.0], x.size) * 2.0 ** -rng.uniform(0, 52, x.size)
    t = (s * (1 + delta)).astype(dtype)
    tiny = 2.0 ** (-140 if dtype == np.float32 else -199)   # float64: tiny / 4 is below the kernel's 2^-200
    special = np.array([0.0, 1.0, 0.5, 0.25, -0.5, 2.0, tiny, tiny / 4, 2.0 ** 59, 2.0 ** 60, 1e30,
                        np.inf, -np.inf, np.nan], dtype)
    pick = rng.random(x.size) < 0.3
    t[pick] = rng.choice(special, int(pick.sum()))
    # every special target with the special x and a few others
    xs = np.array([0.0, -0.0, 0.7, -0.7, 5.0, -5.0, 350.0, -350.0, 710.0, -710.0, np.inf, -np.inf,
                   np.nan], dtype)
    X, T = np.meshgrid(xs, special)
    # (+-inf, +-inf) is inf - inf for the scalar kernels (invalid, NaN)
    keep = ~(np.isinf(X) & np.isinf(T))
    X, T = X[keep], T[keep]
    # only the results that are not subnormal: a subnormal result raises
    # underflow, rightly (float64: sigmoid(x) - t with t that close to
    # sigmoid(x) > 2^-1010 does not occur above)
    return np.concatenate([x, X.ravel()]), np.concatenate([t, T.ravel()])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_binary_cross_entropy_grad_next_to_its_root_and_across_its_switches(dtype):
    x, t = _bce_points(dtype, np.random.default_rng(11))
    with np.errstate(all="raise"):
        y = pyactx.binary_cross_entropy_grad(x, t)
        ys = pyactx.binary_cross_entropy_grad(np.repeat(x, 2)[::2], np.repeat(t, 2)[::2])
    xl, tl = x.astype(np.longdouble), t.astype(np.longdouble)
    with np.errstate(all="ignore"):
        ref = pyactx.binary_cross_entropy_grad(xl, tl)
        S = pyactx.sigmoid(xl) + np.abs(tl)
        kappa = S / np.abs(ref)
    # ULPs of the exact value, or of the term scale S past the suite's
    # kappa limit (test_accuracy: 4 2^(53 - p))
    fin = np.isfinite(ref) & np.isfinite(S)
    limit = 4.0 * 2.0 ** (53 - (24 if dtype == np.float32 else 53))
    unit = np.where(kappa > limit, S, ref)
    e = U.ulp_exponent(np.where(fin, unit, 0).astype(np.float64), dtype)
    with np.errstate(all="ignore"):
        err = np.where(fin, np.abs(y.astype(np.longdouble) - ref) / np.ldexp(np.longdouble(1), e), 0)
    bar = BCE_BAR[np.dtype(dtype).name]
    i = int(np.argmax(err))
    assert err[i] <= bar, (f"{np.dtype(dtype)}: {err[i]:.2f} ULP at x = {x[i]!r}, t = {t[i]!r} "
                           f"(kappa {kappa[i]:.3g})")
    # the infinities and NaN where the long double kernel has them (its
    # inf - inf cases included), and the sign of every zero
    same = ~fin
    np.testing.assert_array_equal(np.isnan(y[same]), np.isnan(ref[same]))
    np.testing.assert_array_equal(y[same & ~np.isnan(y)], ref[same & ~np.isnan(y)].astype(dtype))
    z = fin & (ref.astype(dtype) == 0)
    np.testing.assert_array_equal(np.signbit(y[z]), np.signbit(ref[z].astype(dtype)))
    np.testing.assert_array_equal(y.view(np.uint8), ys.view(np.uint8))
