"""The softmax family (generalized ufuncs): accuracy against mpmath, edge cases,
gufunc mechanics (axis=, axes=, keepdims=, out=, broadcasting, strides) and
floating-point flags.

Reference data: tests/data/softmax_<dtype>.npz, written by
tools/generate_softmax_reference.py from tests/reference_softmax.py (the
textbook definitions in mpmath at a precision chosen per row).

Error measure (``ulp_errors``): |computed - exact| in ULPs of the dtype at
the exact value ("relative ULP").  Where the exact value can cancel to an
interior root -- softmax_vjp = y_i (g_i - sum y g), log_softmax_vjp =
g_i - y_i sum g, logsumexp = max + log(sum exp(x - max)) with max < 0 -- an
ULP relative to the result itself is unbounded for any finite-precision
method, and the unit is the ULP at the size of the terms instead:
    softmax_vjp_i      y_i (|g_i| + sum_j y_j |g_j|)
    log_softmax_vjp_i  |g_i| + y_i |sum_j g_j|
    logsumexp          |max| + (logsumexp - max)
(these are the condition-number scales of the formulas; they equal the
result itself when nothing cancels).  Softmax, log_softmax, the Jacobian,
cross_entropy and cross_entropy_grad have no interior roots and are
measured relative to themselves.

Bounds (``BOUND``):
* float16 and float32 are computed in float64 (within a few float64 ULP,
  i.e. 2^-40 float16 / 2^-27 float32 ULP) and rounded once, so they are
  within 0.5 ULP of exact plus that.  The Jacobian keeps y_j in its own
  first two rows as the bits of a float32 (float16 case) or of a float64
  (float32 case): 2^-13 float16 ULP at most; float32 rows of up to 1024
  entries take y and the diagonal in plain double (kernels/softmax.inc,
  v_jacobian): a few 2^-53 each, 2^-26 float32 ULP.  Bound: 0.51 ULP.
* float32 rows of up to 65536 entries (the scratch, SCRATCH) of softmax,
  cross_entropy_grad, log_softmax, logsumexp and cross_entropy take their
  exponentials and sum in float arithmetic (kernels/softmax.inc, f_sums:
  e^(x - max) 2^64 from the lean float exponential, its rounding error
  kept in a second float, the sum in double), as the speed issue allows
  for the family in float32: within 2 ULP of exact.  Measured maxima: see
  the report test (softmax 1.25 ULP with FMA, 1.63 on SSE2).  Bound: 2 ULP
  (``FUNC_BOUND``).  Longer rows, the vjps and the Jacobian keep 0.51.
* float64 and long double are computed in their own precision: each entry
  is a few roundings away from exact (exp ~0.5-1, the quotient by the sum,
  products for the derivatives); measured maxima 2.3 (float64) and 1.9 (x87
  long double), see ``pytest -s -k report``.  Bound: 4 ULP, the library's
  contract.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
import zlib

import mpmath

import numpy as np
import pytest

import pyactx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # tests/
import reference_softmax as ref  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
L = np.longdouble
DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64,
          "longdouble": np.longdouble}
FLOATS = list(DTYPES.values())
BOUND = {"float16": 0.51, "float32": 0.51, "float64": 4.0, "longdouble": 4.0}
#: PYACTX_SM_SCR (rows.h): rows up to this length keep their exponentials
#: (float32: the float path of FUNC_BOUND); longer ones take the online form
SCRATCH = 65536
#: (dtype, function) pairs with their own bound (see above)
FUNC_BOUND = {("float32", f): 2.0
              for f in ("softmax", "cross_entropy_grad", "log_softmax", "logsumexp",
                        "cross_entropy")}
MAP_FUNCS = ("softmax", "log_softmax", "softmax_vjp", "log_softmax_vjp", "cross_entropy_grad")
ROW_FUNCS = ("logsumexp", "cross_entropy")
ALL_FUNCS = MAP_FUNCS + ROW_FUNCS + ("softmax_jacobian",)
SCALED = {"softmax_vjp": "softmax_vjp_scale", "log_softmax_vjp": "log_softmax_vjp_scale",
          "logsumexp": "logsumexp_scale"}
# pyactx.cross_entropy / cross_entropy_grad are Python functions with PyTorch's
# semantics (tests/ufunc/test_conventions.py); this file tests the raw gufuncs.
GUFUNCS = [pyactx.softmax, pyactx.log_softmax, pyactx.logsumexp, pyactx.softmax_jacobian,
           pyactx.softmax_vjp, pyactx.log_softmax_vjp, pyactx.ufuncs.cross_entropy,
           pyactx.ufuncs.cross_entropy_grad]

#: every test runs on every instruction-set path this CPU supports: the row
#: kernels of float32 and float64 are vectorised per path (and use FMA where
#: the path has it), so each compiled loop table must meet the bounds
pytestmark = pytest.mark.usefixtures("each_dispatch")

#: the references are double-double (~106 bits): enough to measure a 64-bit
#: x87 long double to a small fraction of an ULP, not a 113-bit binary128 one
# (and the build has long double loops: not a PYACTX_NO_LONG_DOUBLE=1 one)
LONGDOUBLE_IS_X87 = (np.finfo(np.longdouble).nmant == 63
                     and np.finfo(np.longdouble).maxexp == 16384
                     and "g->g" in pyactx.ufuncs.softmax.types)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _load(name):
    with np.load(os.path.join(DATA, f"softmax_{name}.npz"), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


_CACHE = {}


def data(name):
    if name not in _CACHE:
        _CACHE[name] = _load(name)
    return _CACHE[name]


def _field(d, f):
    hi = d[f + "_hi"]
    lo = d.get(f + "_lo", np.zeros_like(hi))
    e2 = d.get(f + "_e2", np.zeros(hi.shape, np.int32))
    return hi, lo, e2


def ulp_errors(got, d, f, dtype, scale=None):
    """|got - exact| in ULPs of `dtype` at |exact| (or at the scale field).

    exact = ldexp(hi + lo, e2); the difference is formed in long double
    after scaling got by 2^-e2 (exact), so (got - hi) is exact near the
    reference and the measure resolves a small fraction of an ULP.
    NaN/inf references must be matched exactly (error 0, else inf)."""
    hi, lo, e2 = _field(d, f)
    got = np.asarray(got)
    with np.errstate(all="ignore"):
        diff = (np.ldexp(got.astype(L), -e2) - hi.astype(L)) - lo.astype(L)
        sh, se = (np.abs(hi), e2) if scale is None else (np.abs(_field(d, scale)[0]), _field(d, scale)[2])
        size = np.ldexp(sh.astype(L), se).astype(dtype)
        unit = np.ldexp(np.spacing(np.abs(size)).astype(L), -e2)
        err = (np.abs(diff) / unit).astype(np.float64)
    special = ~np.isfinite(hi)
    same = (got[special].astype(L) == hi[special]) | (np.isnan(got[special]) & np.isnan(hi[special]))
    err[special] = np.where(same, 0.0, np.inf)
    return err


def rows(d, dtype):
    off = d["offsets"]
    x = d["x"].astype(dtype)
    g = d["g"].astype(dtype)
    for r in range(len(off) - 1):
        yield r, x[off[r]:off[r + 1]], g[off[r]:off[r + 1]], np.int64(d["label"][r])


def compute(name, func):
    """Evaluate `func` on every reference row of dtype `name` (one call per
    row, under errstate(all='raise')); concatenated like the reference."""
    dtype = DTYPES[name]
    d = data(name)
    uf = getattr(pyactx.ufuncs, func)
    out = []
    with np.errstate(all="raise"):
        for r, x, g, lab in rows(d, dtype):
            if func in ("softmax", "log_softmax"):
                y = uf(x)
            elif func == "logsumexp":
                y = np.atleast_1d(uf(x))
            elif func in ("softmax_vjp", "log_softmax_vjp"):
                y = uf(x, g)
            elif func == "cross_entropy":
                y = np.atleast_1d(uf(x, lab))
            elif func == "cross_entropy_grad":
                y = uf(x, lab)
            else:
                if len(x) > 17:
                    continue
                y = uf(x).ravel()
            assert y.dtype == dtype
            out.append(y)
    return np.concatenate(out)


def max_ulp(name, func):
    got = compute(name, func)
    d = data(name)
    err = ulp_errors(got, d, func, DTYPES[name], SCALED.get(func))
    return err, got


def I(v):
    """Labels as int64 arrays: the loop's own label type (Python ints and other
    integer widths are the subject of test_label_integer_types_accepted)."""
    return np.asarray(v, dtype=np.int64)


def _bits_equal(a, b):
    """Identical values, signs of zeros and NaN positions.  (Not tobytes():
    the x86 long double has 6 bytes of padding that need not agree.)"""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype != np.longdouble:
        return a.tobytes() == b.tobytes()
    same = (a == b) & (np.signbit(a) == np.signbit(b))
    return bool(np.all(same | (np.isnan(a) & np.isnan(b))))


# ---------------------------------------------------------------------------
# Accuracy against the mpmath reference data
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("func", ALL_FUNCS)
@pytest.mark.parametrize("name", list(DTYPES))
def test_accuracy_against_mpmath(name, func):
    if name == "longdouble" and not LONGDOUBLE_IS_X87:
        pytest.skip("long double is not the x87 format: the double-double references "
                    "cannot measure it (float64-like long double is covered by float64)")
    err, got = max_ulp(name, func)
    worst = int(np.argmax(err))
    assert err[worst] <= FUNC_BOUND.get((name, func), BOUND[name]), (
        f"{func}[{name}]: {err[worst]:.3g} ULP at entry {worst} (got {got[worst]!r})")


def test_report_max_ulp(capsys):
    """Prints the measured maxima (run with -s to see them)."""
    lines = []
    for name in DTYPES:
        if name == "longdouble" and not LONGDOUBLE_IS_X87:
            continue
        parts = []
        for func in ALL_FUNCS:
            err, _ = max_ulp(name, func)
            parts.append(f"{func} {err.max():.3g}")
        lines.append(f"{name}: " + ", ".join(parts))
    with capsys.disabled():
        print("\nmax ULP errors (scaled units for vjp / logsumexp):\n  " + "\n  ".join(lines))


@pytest.mark.parametrize("name", list(DTYPES))
def test_reference_rows_cover_the_edge_regimes(name):
    d = data(name)
    names = list(d["names"])
    assert any("cut-off" in s for s in names) and any("-inf" in s for s in names)
    assert any("huge" in s for s in names) and any("subnormal" in s for s in names)
    lens = np.diff(d["offsets"])
    assert {1, 2, 3, 17, 1000} <= set(lens.tolist())


# ---------------------------------------------------------------------------
# Rows sum to 1
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.longdouble])
@pytest.mark.parametrize("sigma", [1.0, 100.0, 1e-3])
@pytest.mark.parametrize("n", [SCRATCH, 100_000])        # the scratch path and the online one
def test_long_rows_sum_to_one(dtype, sigma, n):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(n) * sigma).astype(dtype)
    with np.errstate(all="raise"):
        y = pyactx.softmax(x)
    s = mpmath.fsum(ref._to_mpf(v) for v in y)
    eps = float(np.finfo(dtype).eps)
    # each y_i within ~2 ULP of exact: the sum within a few eps of 1
    assert abs(float(s - 1)) <= 4 * eps, float(s - 1)


# ---------------------------------------------------------------------------
# float32 softmax in float arithmetic: the three ways x - max enters exp
# ---------------------------------------------------------------------------
#
# f_sums (kernels/softmax.inc) takes e^x 2^eb directly where |max| <= 40,
# x - max with its TwoSum rounding error where |max| < 256, and x - max
# (exact there by Sterbenz) beyond; every entry is raised to max - 130 (or
# x - max to -128) first.  Rows around each switch, with spreads that give
# subnormal and zero results, against the long double definition.

@pytest.mark.parametrize("n", [1007, 13, 29])
@pytest.mark.parametrize("spread", [0.01, 3.0, 30.0, 400.0])
@pytest.mark.parametrize("top", [0.0, 12.5, -39.9, 40.0, 40.01, -40.01, 100.0, -170.0,
                                 255.9, -255.9, 256.0, -256.0, 3e4, 2.0 ** 21, -1e30, 3e38])
def test_float32_softmax_regimes(top, spread, n):
    # n: a partial last block of 16 after many (1007) or one (29) whole
    # ones, computed as the row's last 16 entries; or no whole block (13),
    # loaded with the missing lanes set to the max
    rng = np.random.default_rng(zlib.crc32(f"{top}/{spread}".encode() + (b"" if n == 1007 else b"%d" % n)))
    x = (top - np.abs(rng.standard_normal(n) * spread)).astype(np.float32)
    k0 = rng.integers(n)
    x[k0] = np.float32(top)                        # the max itself
    x[rng.integers(n, size=5 if n > 100 else 2)] = -np.inf
    x[k0] = np.float32(top)
    ninf = np.isneginf(x)
    y_ref, ls_ref, lse_ref, lse_scale, e_ref, T_ref = _long_reference(x)   # e = 0 at -inf
    k = int(np.argmax(x))
    with np.errstate(all="raise"):
        y = pyactx.softmax(x)
        ls = pyactx.log_softmax(x)
        lse = pyactx.logsumexp(x)
        # the label at the max (its term may dominate: such rows take the
        # double path) and elsewhere
        labels = [k, int(np.flatnonzero(~ninf)[n // 3])]
        cg = [pyactx.ufuncs.cross_entropy_grad(x, I(lab)) for lab in labels]
    assert np.all(y[ninf] == 0) and not np.any(np.signbit(y[ninf]))
    err = _ulps(y, y_ref, np.float32).max()
    assert err <= FUNC_BOUND[("float32", "softmax")], (top, spread, err)
    fin = ~ninf
    assert np.all(np.isneginf(ls[ninf]))
    errs = {"log_softmax": _ulps(ls[fin], ls_ref[fin], np.float32).max(),
            "logsumexp": _ulps(lse, lse_ref, np.float32, lse_scale)}
    for lab in labels:
        errs[f"cross_entropy[{lab}]"] = _ulps(pyactx.ufuncs.cross_entropy(x, I(lab)),
                                              -ls_ref[lab], np.float32)
    assert max(errs.values()) <= 2.0, (top, spread, errs)
    for lab, c in zip(labels, cg):
        want = y_ref.copy()
        want[lab] = -(T_ref if lab == k else (1 - e_ref[lab]) + T_ref) / (1 + T_ref)
        err = _ulps(c, want, np.float32).max()
        assert err <= FUNC_BOUND[("float32", "cross_entropy_grad")], (top, spread, lab, err)
    # the same bits for a strided row, a reversed one (rows are summed in
    # lanes by index, never by address) and in place
    assert _bits_equal(pyactx.softmax(np.repeat(x, 3)[::3]), y)
    assert _bits_equal(pyactx.softmax(x[::-1].copy())[::-1], pyactx.softmax(x[::-1])[::-1])
    z = x.copy()
    pyactx.softmax(z, out=z)
    assert _bits_equal(z, y)


# log_softmax writes y = x - (m + L) by Fast2Sum where the row allows it
# (v_log_out, kernels/softmax.inc): every |x| <= m + L (max + L >= 0 and
# min >= -(max + L)), or max + L < 0, all finite, and |max + L| <= 2^16 L.
# Rows on both sides of each condition (no -inf entries, which send a row to
# the previous forms), against the long double definition.

@pytest.mark.parametrize("low", [None, "just_in", "just_out", "far"])
@pytest.mark.parametrize("spread", [0.01, 3.0, 10.0, 30.0])
@pytest.mark.parametrize("top", [0.0, 5.0, -5.0, 12.5, 20.0, 50.0, -39.9, -170.0, 3e4, -3e4,
                                 2.0 ** 21])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_output_forms(dtype, top, spread, low):
    rng = np.random.default_rng(zlib.crc32(f"ls/{top}/{spread}/{low}".encode()))
    rows, n = 8, 500 + 9
    x = (top - np.abs(rng.standard_normal((rows, n)) * spread)).astype(dtype)
    x[:, 3] = dtype(top)
    for r in range(rows):
        c = _long_reference(x[r])[2]                  # max + L
        if low == "just_in":    # the min at -(max + L), rounded up: |x| <= max + L
            x[r, 5] = np.nextafter(dtype(-c), dtype(np.inf))
        elif low == "just_out":  # just below it: |x| > max + L for one entry
            x[r, 5] = np.nextafter(dtype(-c), dtype(-np.inf))
        elif low == "far":
            x[r, 5] = dtype(-abs(c) * 1e6 - 1e3)
    with np.errstate(all="raise"):
        ls = pyactx.log_softmax(x)
    bar = FUNC_BOUND.get((np.dtype(dtype).name, "log_softmax"), BOUND[np.dtype(dtype).name])
    for r in range(rows):
        _, ls_ref, *_ = _long_reference(x[r])
        err = _ulps(ls[r], ls_ref, dtype)
        assert err.max() <= bar, (top, spread, low, r, err.max())
        # y rounded once: where |y| >= 4 L, L's own error (float32 ~2^-25
        # L) is below 2^-27 |y|, 1/8 ULP, so the entry is within 0.5 + 1/8
        # ULP (float32 without Fast2Sum's error term, a second rounding:
        # up to 0.93 here).  float32's other form rounds once too; float64's far
        # form ((x - m) - L) rounds twice, so float64 rows are checked where
        # they clearly take this form (margins around its conditions).
        lg = -ls_ref[3]
        c = L(x[r].max()) + lg
        clear = (abs(c) <= 2.0 ** 15 * lg
                 and (c < 0 or x[r].min() >= -c * (1 - 2.0 ** -20)))
        far = np.abs(ls_ref) >= 4 * lg
        if far.any() and (dtype == np.float32 or clear):
            assert err[far].max() <= 0.65, (top, spread, low, r, err[far].max())
    assert _bits_equal(pyactx.log_softmax(np.repeat(x, 3, axis=1)[:, ::3]), ls)
    z = x.copy()
    pyactx.log_softmax(z, out=z)
    assert _bits_equal(z, ls)


# float64 rows whose every entry is within 700 of the max take the
# exponential with one scale factor (v_exp's one_scale, kernels/softmax.inc),
# the others the general one with two; both must give the same bits.  An
# entry appended at max - 800 (e = 0 either way) sends a row to the general
# form without changing any other output; rows whose min is on either side
# of max - 700, or whose small terms are subnormal, are checked against the
# long double definition.

@pytest.mark.parametrize("low", [-699.99, -700.01, -708.5, -720.0, -745.0])
@pytest.mark.parametrize("top", [0.0, 3.5, -1e4, 7e5])
def test_float64_one_scale_rows(top, low):
    rng = np.random.default_rng(zlib.crc32(f"one_scale/{top}/{low}".encode()))
    rows, n = 6, 300
    x = top + rng.standard_normal((rows, n)) * 3
    m = x.max(axis=1)
    x[:, 7] = m + low
    g = rng.standard_normal((rows, n))
    labels = np.array([7, 0, 1, 2, int(np.argmax(x[4])), 9])
    far = np.concatenate([x, (m - 800)[:, None]], axis=1)
    g_far = np.concatenate([g, np.ones((rows, 1))], axis=1)
    with np.errstate(all="raise"):
        y, y_far = pyactx.softmax(x), pyactx.softmax(far)
        cg, cg_far = (pyactx.ufuncs.cross_entropy_grad(v, labels) for v in (x, far))
        vjp, vjp_far = pyactx.softmax_vjp(x, g), pyactx.softmax_vjp(far, g_far)
        lse, lse_far = pyactx.logsumexp(x), pyactx.logsumexp(far)
        ls = pyactx.log_softmax(x)
    assert _bits_equal(y_far[:, :n], y) and np.all(y_far[:, n] == 0)
    assert _bits_equal(cg_far[:, :n], cg)
    assert _bits_equal(vjp_far[:, :n], vjp)
    assert _bits_equal(lse_far, lse)
    if not LONGDOUBLE_IS_X87:
        return
    for r in range(rows):
        y_ref, ls_ref, lse_ref, lse_scale, *_ = _long_reference(x[r])
        errs = (_ulps(y[r], y_ref, np.float64).max(), _ulps(ls[r], ls_ref, np.float64).max(),
                _ulps(lse[r], lse_ref, np.float64, lse_scale))
        assert max(errs) <= BOUND["float64"], (top, low, r, errs)


# float64 softmax, log_softmax, logsumexp and cross_entropy on rows of up
# to 65536 entries (SCRATCH) with a max of magnitude <= 700 take e^x 2^eb without the
# subtraction x - max (d_sums, kernels/softmax.inc), entries more than 746
# below the max (-inf included) as 0; rows with an entry between 746 and
# 700 below the max, and log rows where one entry dominates the rest by
# more than 2^40, take v_prepare.  Rows on both sides of each condition:
# |max| around 700, the min around max - 700 and max - 746, the others 20,
# 30 or 40 below the max (T ~ 2^-20 and 2^-34 need the low part of the
# compensated sum: dropping it fails this test), -inf entries, a partial
# last chunk, against the long double definition where that is x87
# (measured maxima with pytest -s: the report test).  The same rows with an
# entry at max - 700.01 appended (which sends them to v_prepare) agree
# within twice the bar: both near the same exact values.  An entry appended
# at max - 800 (e = 0) changes no other bit on either path, as a mask.

@pytest.mark.parametrize("shape", ["plain", "gap20", "gap30", "dominant", "low_edge",
                                   "ninf"])
@pytest.mark.parametrize("spread", [0.01, 3.0, 30.0, 300.0])
@pytest.mark.parametrize("top", [0.0, 3.5, -40.0, 699.9, 700.0, 700.01, -699.9, -700.01, 1e4])
def test_float64_near_rows(top, spread, shape):
    rng = np.random.default_rng(zlib.crc32(f"dnear/{top}/{spread}/{shape}".encode()))
    rows, n = 4, 512 + 7                          # a second, partial chunk
    x = top - np.abs(rng.standard_normal((rows, n)) * spread)
    x[:, 11] = top
    if shape in ("gap20", "gap30", "dominant"):
        gap = {"gap20": 20.0, "gap30": 30.0, "dominant": 40.0}[shape]
        x[:, 12:] = np.minimum(x[:, 12:], top - gap)
        x[:, :11] = np.minimum(x[:, :11], top - gap)
    elif shape == "low_edge":   # the min at max - 700 and max - 746, inside and out
        x[0, 5], x[1, 5], x[2, 5], x[3, 5] = (top - 699.99, top - 700.01, top - 745.99,
                                              top - 746.01)
    elif shape == "ninf":
        x[:, 5] = -np.inf
    labels = np.array([11, 0, 5, n - 1])
    funcs = {"softmax": pyactx.softmax, "log_softmax": pyactx.log_softmax,
             "logsumexp": pyactx.logsumexp,
             "cross_entropy": lambda v: pyactx.ufuncs.cross_entropy(v, labels),
             "cross_entropy_grad": lambda v: pyactx.ufuncs.cross_entropy_grad(v, labels)}

    def appended(v):
        return np.concatenate([x, np.full((rows, 1), top + v)], axis=1)

    with np.errstate(all="raise"):
        got = {f: fn(x) for f, fn in funcs.items()}
        got_far = {f: fn(appended(-800.0)) for f, fn in funcs.items()}
        got_band = {f: fn(appended(-700.01)) for f, fn in funcs.items()}
    y, ls, lse, ce = got["softmax"], got["log_softmax"], got["logsumexp"], got["cross_entropy"]
    cg = got["cross_entropy_grad"]
    fin = np.isfinite(x)
    assert np.all(np.isneginf(ls[~fin])) and np.all(y[~fin] == 0)
    # cross_entropy_grad is softmax but at the label, bit for bit (also where
    # the label's term dominates: "dominant", label 11)
    others = np.ones_like(x, dtype=bool)
    others[np.arange(rows), labels] = False
    assert _bits_equal(cg[others], y[others])
    assert np.all(got_far["softmax"][:, n] == 0)
    for f in funcs:
        far = got_far[f][:, :n] if got_far[f].ndim == 2 else got_far[f]
        assert _bits_equal(far, got[f]), (f, top, spread, shape)
    for f, scale in (("softmax", None), ("log_softmax", None), ("logsumexp", np.abs(lse) + 1),
                     ("cross_entropy", None), ("cross_entropy_grad", None)):
        a, b = got[f], got_band[f]
        b = b[:, :n] if b.ndim == 2 else b
        if f == "log_softmax":
            a, b = a[fin], b[fin]
        unit = np.spacing(np.abs(a if scale is None else scale))
        with np.errstate(invalid="ignore"):       # inf - inf: a label at -inf
            close = (a == b) | (np.abs(a - b) <= 2 * BOUND["float64"] * unit)
        assert np.all(close), (f, top, spread, shape)
    # strided, reversed (lanes by index, not address) and in place: the same bits
    assert _bits_equal(pyactx.log_softmax(np.repeat(x, 3, axis=1)[:, ::3]), ls)
    assert _bits_equal(pyactx.softmax(np.repeat(x, 3, axis=1)[:, ::3]), y)
    assert _bits_equal(pyactx.logsumexp(x[:, ::-1].copy()), pyactx.logsumexp(x[:, ::-1]))
    for f in ("softmax", "log_softmax"):
        z = x.copy()
        funcs[f](z, out=z)
        assert _bits_equal(z, got[f]), f
    if not LONGDOUBLE_IS_X87:
        return
    for r in range(rows):
        y_ref, ls_ref, lse_ref, lse_scale, e_ref, T_ref = _long_reference(x[r])
        lab, k = labels[r], int(np.argmax(x[r]))
        cg_ref = -(T_ref if lab == k else (1 - e_ref[lab]) + T_ref) / (1 + T_ref)
        errs = {"softmax": _ulps(y[r], y_ref, np.float64).max(),
                "cross_entropy_grad": _ulps(cg[r, lab], cg_ref, np.float64),
                "log_softmax": _ulps(ls[r][fin[r]], ls_ref[fin[r]], np.float64).max(),
                "logsumexp": _ulps(lse[r], lse_ref, np.float64, lse_scale),
                "cross_entropy": (_ulps(ce[r], -ls_ref[labels[r]], np.float64)
                                  if fin[r, labels[r]] else 0.0)}
        assert fin[r, labels[r]] or ce[r] == np.inf
        assert max(errs.values()) <= BOUND["float64"], (top, spread, shape, r, errs)


# ---------------------------------------------------------------------------
# Long rows: the one-pass (online) max + sum of rows beyond the scratch
# ---------------------------------------------------------------------------
#
# float32 / float64 rows longer than PYACTX_SM_SCR (SCRATCH, 65536) rescale
# their sums whenever a chunk's max exceeds the running max; rows of 10^4
# take the scratch path (float32: in float arithmetic, FUNC_BOUND).  The reference is the
# definition in long double (x87: 64-bit mantissa, every error far below a
# float64 ULP: x - max exact or nearly, exp and the pairwise sum ~2^-63
# relative), measured in the units of ``ulp_errors`` against ``BOUND``.

def _long_row(kind, n, dtype):
    # a stable seed: hash() of a str changes with every process
    # (PYTHONHASHSEED), which made this data -- and the test -- differ per run
    rng = np.random.default_rng(zlib.crc32(f"{kind}/{n}".encode()))
    if kind == "random":
        x = rng.standard_normal(n) * 4
    elif kind == "max_near_end":            # one late rescale by a large factor
        x = rng.standard_normal(n) * 2
        x[n - 7] = 25.0
    elif kind == "increasing":              # the max grows in every chunk
        x = np.linspace(-30.0, 30.0, n)
    elif kind == "tiny_steps":              # ... by factors within 2^-20 of 1
        x = 1 + np.arange(n) * (2.0 ** -22 if dtype == np.float32 else 2.0 ** -40)
    elif kind == "wide":                    # far entries, far (zero) rescales
        x = np.sort(rng.uniform(-2000, 2000, n))[::-1].copy()
        x[::3] = rng.uniform(-2000, 2000, len(x[::3]))
        x[n // 2] = 2500.0
    else:                                   # "huge_jump": m_old - m_new overflows
        big = float(np.finfo(dtype).max) / 2
        x = rng.standard_normal(n)
        x[: n // 3] = -big
        x[n // 3] = big / 4
    return x.astype(dtype)


def _long_reference(x):
    """softmax, log_softmax, logsumexp (and its scale), e_i = exp(x_i - max)
    and T = sum over i != argmax of e_i, in long double (log1p(T), not
    log(1 + T): T may be tiny)."""
    xl = x.astype(L)
    k = int(np.argmax(xl))
    m = xl[k]
    with np.errstate(under="ignore"):
        e = np.exp(xl - m)
    T = np.sum(e[:k]) + np.sum(e[k + 1:])
    S = 1 + T
    lg = np.log1p(T)
    return e / S, (xl - m) - lg, m + lg, abs(m) + lg, e, T


def _ulps(got, exact, dtype, scale=None):
    size = np.abs(exact if scale is None else scale).astype(dtype)
    unit = np.spacing(size).astype(L)
    with np.errstate(all="ignore"):
        return (np.abs(np.asarray(got).astype(L) - exact) / unit).astype(np.float64)


@pytest.mark.parametrize("kind", ["random", "max_near_end", "increasing", "tiny_steps",
                                  "wide", "huge_jump"])
@pytest.mark.parametrize("n", [10_000, SCRATCH, 100_000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_rows_online_accuracy(dtype, n, kind):
    if dtype == np.float64 and not LONGDOUBLE_IS_X87:
        pytest.skip("the long double reference needs more precision than float64")
    name = np.dtype(dtype).name
    x = _long_row(kind, n, dtype)
    y_ref, ls_ref, lse_ref, lse_scale, e_ref, T_ref = _long_reference(x)
    S_ref = 1 + T_ref
    k = int(np.argmax(x))
    labels = sorted({0, k, n // 2 + 1, n - 1})
    g = np.random.default_rng(5).standard_normal(n).astype(dtype)
    with np.errstate(all="raise"):
        y = pyactx.softmax(x)
        ls = pyactx.log_softmax(x)
        lse = pyactx.logsumexp(x)
        ce = [pyactx.ufuncs.cross_entropy(x, I(lab)) for lab in labels]
        cg = [pyactx.ufuncs.cross_entropy_grad(x, I(lab)) for lab in labels]
        sv = pyactx.softmax_vjp(x, g)
        lv = pyactx.log_softmax_vjp(x, g)
    bar = BOUND[name]
    errs = {"softmax": _ulps(y, y_ref, dtype).max(),
            "logsumexp": _ulps(lse, lse_ref, dtype, lse_scale).max()}
    fin = np.isfinite(ls_ref)
    errs["log_softmax"] = _ulps(ls[fin], ls_ref[fin], dtype).max()
    for lab, c, cgr in zip(labels, ce, cg):
        errs[f"cross_entropy[{lab}]"] = _ulps(c, -ls_ref[lab], dtype).max()
        want = y_ref.copy()
        # y - 1 = -(sum over j != lab of e_j) / S, without cancellation
        want[lab] = -(T_ref if lab == k else (1 - e_ref[lab]) + T_ref) / S_ref
        errs[f"cross_entropy_grad[{lab}]"] = _ulps(cgr, want, dtype).max()
    gl = g.astype(L)
    P = np.sum(y_ref * gl)
    errs["softmax_vjp"] = _ulps(sv, y_ref * (gl - P), dtype,
                                y_ref * (np.abs(gl) + np.sum(y_ref * np.abs(gl)))).max()
    G = np.sum(gl)
    errs["log_softmax_vjp"] = _ulps(lv, gl - y_ref * G, dtype, np.abs(gl) + y_ref * abs(G)).max()
    def bar_of(f):
        # the float32 float path (rows within the scratch) has its own bar
        f = f.split("[")[0]
        return FUNC_BOUND.get((name, f), bar) if n <= SCRATCH else bar
    bad = {f: e for f, e in errs.items() if not e <= bar_of(f)}
    assert not bad, (kind, n, name, bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_rows_online_edge_cases(dtype):
    n = SCRATCH + 2 * 512 + 5                # beyond the scratch, a partial last chunk
    rng = np.random.default_rng(11)
    base = rng.standard_normal(n).astype(dtype)

    def row(**at):
        x = base.copy()
        for i, v in at.items():
            x[int(i[1:])] = v
        return x

    def check_nan_row(x, lse_want):
        r = {}
        with np.errstate(all="raise"):
            r["softmax"] = pyactx.softmax(x)
            r["log_softmax"] = pyactx.log_softmax(x)
            r["cross_entropy_grad"] = pyactx.ufuncs.cross_entropy_grad(x, I(3))
            r["cross_entropy"] = pyactx.ufuncs.cross_entropy(x, I(3))
            r["softmax_vjp"] = pyactx.softmax_vjp(x, np.ones_like(x))
            lse = pyactx.logsumexp(x)
        for f, v in r.items():
            assert np.all(np.isnan(v)), f
        assert (np.isnan(lse) and np.isnan(lse_want)) or lse == lse_want

    check_nan_row(row(i9000=NAN), NAN)                      # NaN in a late chunk
    check_nan_row(row(i5=INF), INF)                         # +inf in the first chunk
    check_nan_row(row(i5=INF, i12800=NAN), NAN)             # NaN after +inf wins
    check_nan_row(row(i12800=-NAN), NAN)                    # negative NaN
    check_nan_row(np.full(n, -INF, dtype=dtype), -INF)      # all -inf
    check_nan_row(row(i0=-INF, i700=INF, i9999=-INF), INF)

    # -inf entries, among them a whole first chunk: exact 0, the rest as the
    # long double definition (no flags)
    x = base.copy()
    x[:600] = -INF
    x[5000:5010] = -INF
    x[-1] = -INF
    ninf = np.isneginf(x)
    y_ref, ls_ref, lse_ref, lse_scale, _, _ = _long_reference(x[~ninf])
    with np.errstate(all="raise"):
        y = pyactx.softmax(x)
        ls = pyactx.log_softmax(x)
        lse = pyactx.logsumexp(x)
        assert pyactx.ufuncs.cross_entropy(x, I(3)) == INF
        cg = pyactx.ufuncs.cross_entropy_grad(x, I(3))
    bar = BOUND[np.dtype(dtype).name]
    assert np.all(y[ninf] == 0) and not np.any(np.signbit(y[ninf]))
    assert np.all(np.isneginf(ls[ninf])) and cg[3] == -1
    assert _ulps(y[~ninf], y_ref, dtype).max() <= bar
    assert _ulps(ls[~ninf], ls_ref, dtype).max() <= bar
    assert _ulps(lse, lse_ref, dtype, lse_scale) <= bar


@pytest.mark.parametrize("n", [9000, SCRATCH + 3000])     # the scratch path and the online one
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_rows_bit_for_bit(dtype, n):
    """Strided vs contiguous rows and 1 vs several threads: identical bits."""
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((6, n)) * 3).astype(dtype)
    x[1] = np.linspace(-20, 20, n)
    x[2, 8000] = 40.0
    g = rng.standard_normal((6, n)).astype(dtype)
    lab = np.array([0, n - 1, 8000, 5, 4096, 1])
    funcs = [
        (pyactx.softmax, lambda t: (t(x),)),
        (pyactx.log_softmax, lambda t: (t(x),)),
        (pyactx.logsumexp, lambda t: (t(x),)),
        (pyactx.softmax_vjp, lambda t: (t(x), t(g))),
        (pyactx.log_softmax_vjp, lambda t: (t(x), t(g))),
        (pyactx.ufuncs.cross_entropy, lambda t: (t(x), lab)),
        (pyactx.ufuncs.cross_entropy_grad, lambda t: (t(x), lab)),
    ]
    variants = [lambda a: a[:, ::-1][:, ::-1], lambda a: np.repeat(a, 2, axis=1)[:, ::2],
                lambda a: np.asfortranarray(a)]
    threads = pyactx.get_num_threads()
    try:
        for uf, make in funcs:
            pyactx.set_num_threads(1)
            want = uf(*make(lambda a: a))
            for t in variants:
                assert _bits_equal(np.ascontiguousarray(uf(*make(t))), want), uf.__name__
            pyactx.set_num_threads(max(2, threads))
            assert _bits_equal(uf(*make(lambda a: a)), want), uf.__name__
    finally:
        pyactx.set_num_threads(threads)


def test_float16_rows_sum_to_one_within_rounding():
    rng = np.random.default_rng(8)
    for n in (2, 3, 17, 300):
        x = rng.standard_normal(n).astype(np.float16)
        y = pyactx.softmax(x)
        s = math.fsum(y.astype(np.float64))
        # every y_i is the correctly rounded value (<= half a spacing off)
        tol = 0.6 * float(np.sum(np.spacing(y).astype(np.float64)))
        assert abs(s - 1) <= tol


# ---------------------------------------------------------------------------
# Edge cases (SOFTMAX_ROW_NOTES), no floating-point flags
# ---------------------------------------------------------------------------

INF, NAN = np.inf, np.nan


def _all(x, g=None, label=0):
    """Every gufunc on the row x (under errstate(all='raise'))."""
    x = np.asarray(x)
    g = np.ones_like(x) if g is None else np.asarray(g, dtype=x.dtype)
    with np.errstate(all="raise"):
        return {
            "softmax": pyactx.softmax(x),
            "log_softmax": pyactx.log_softmax(x),
            "logsumexp": pyactx.logsumexp(x),
            "softmax_jacobian": pyactx.softmax_jacobian(x),
            "softmax_vjp": pyactx.softmax_vjp(x, g),
            "log_softmax_vjp": pyactx.log_softmax_vjp(x, g),
            "cross_entropy": pyactx.ufuncs.cross_entropy(x, I(label)),
            "cross_entropy_grad": pyactx.ufuncs.cross_entropy_grad(x, I(label)),
        }


@pytest.mark.parametrize("dtype", FLOATS)
def test_neg_inf_entries_give_exact_zero(dtype):
    x = np.array([-INF, 0.5, -INF, 2.0, -1.0], dtype=dtype)
    r = _all(x, g=[1.0, -2.0, 3.0, 0.5, 0.25], label=3)
    ninf = np.isneginf(x)
    assert np.all(r["softmax"][ninf] == 0) and not np.any(np.signbit(r["softmax"][ninf]))
    assert np.all(np.isneginf(r["log_softmax"][ninf]))
    assert np.all(r["softmax_jacobian"][ninf, :] == 0) and np.all(r["softmax_jacobian"][:, ninf] == 0)
    assert np.all(r["softmax_vjp"][ninf] == 0)
    lv = r["log_softmax_vjp"]
    gx = np.array([1.0, -2.0, 3.0, 0.5, 0.25], dtype=dtype)
    np.testing.assert_array_equal(lv[ninf], gx[ninf])        # g_i - 0 * sum(g)
    assert np.all(r["cross_entropy_grad"][ninf] == 0)
    # the finite entries are softmax of the finite sub-row
    finite = pyactx.softmax(x[~ninf])
    np.testing.assert_array_equal(r["softmax"][~ninf], finite)
    np.testing.assert_array_equal(r["logsumexp"], pyactx.logsumexp(x[~ninf]))
    # one finite entry: log_softmax there is log 1 = +0 exactly (the float32
    # rows gave -0 until issue 12: the masked entries' clamped terms counted)
    for row in ([0.0, -INF], [-INF, 2.5, -INF]):
        one = np.array(row, dtype=dtype)
        k = int(np.flatnonzero(np.isfinite(one))[0])
        ls1 = pyactx.log_softmax(one)
        assert ls1[k] == 0 and not np.signbit(ls1[k]), (row, ls1)
        assert pyactx.softmax(one)[k] == 1
    # a label on a -inf logit: infinite loss, gradient -1 there
    with np.errstate(all="raise"):
        assert pyactx.ufuncs.cross_entropy(x, I(0)) == INF
        ge = pyactx.ufuncs.cross_entropy_grad(x, I(0))
    assert ge[0] == -1 and np.all(ge[1:][~ninf[1:]] > 0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("row, lse", [
    ([-INF, -INF, -INF], -INF),        # all -inf: NaN (logsumexp -inf)
    ([0.0, INF, 1.0], INF),            # +inf: NaN (logsumexp +inf)
    ([INF, INF], INF),
    ([0.0, NAN, 1.0], NAN),            # NaN: NaN
    ([INF, NAN, -INF], NAN),           # NaN wins over +inf
    ([-INF, INF], INF),
])
def test_nan_rows(dtype, row, lse):
    x = np.array(row, dtype=dtype)
    r = _all(x, label=1)
    for k, v in r.items():
        v = np.asarray(v)
        if k == "logsumexp":
            if np.isnan(lse):
                assert np.isnan(v)
            else:
                assert v == lse
        else:
            assert np.all(np.isnan(v)), (k, v)


@pytest.mark.parametrize("dtype", FLOATS)
def test_nonfinite_cotangent_gives_nan_row(dtype):
    x = np.array([0.5, 1.0, -2.0], dtype=dtype)
    for g in ([1.0, INF, 0.0], [NAN, 1.0, 2.0], [-INF, 0.0, 0.0]):
        with np.errstate(all="raise"):
            assert np.all(np.isnan(pyactx.softmax_vjp(x, np.array(g, dtype=dtype))))
            assert np.all(np.isnan(pyactx.log_softmax_vjp(x, np.array(g, dtype=dtype))))


@pytest.mark.parametrize("dtype", FLOATS)
def test_length_one_rows(dtype):
    for v in (0.0, -12.5, 3.0e3, -INF):
        x = np.array([v], dtype=dtype)
        if v == -INF:
            r = _all(x)
            assert all(np.all(np.isnan(a)) for k, a in r.items() if k != "logsumexp")
            assert r["logsumexp"] == -INF
            continue
        r = _all(x, g=[2.5])
        assert r["softmax"][0] == 1 and r["log_softmax"][0] == 0
        assert r["logsumexp"] == x[0]
        assert r["softmax_jacobian"].shape == (1, 1) and r["softmax_jacobian"][0, 0] == 0
        assert r["softmax_vjp"][0] == 0 and r["log_softmax_vjp"][0] == 0
        assert r["cross_entropy"] == 0 and r["cross_entropy_grad"][0] == 0


@pytest.mark.parametrize("dtype", FLOATS)
def test_zero_length_rows(dtype):
    x = np.empty((3, 0), dtype=dtype)
    with np.errstate(all="raise"):
        assert pyactx.softmax(x).shape == (3, 0)
        assert pyactx.log_softmax(x).shape == (3, 0)
        lse = pyactx.logsumexp(x)
        assert lse.shape == (3,) and lse.dtype == dtype and np.all(lse == -INF)
        assert pyactx.softmax_jacobian(x).shape == (3, 0, 0)
        assert pyactx.softmax_vjp(x, x).shape == (3, 0)
        assert pyactx.log_softmax_vjp(x, x).shape == (3, 0)
        # no label is valid for 0 classes
        with pytest.raises(ValueError):
            pyactx.ufuncs.cross_entropy(x, np.zeros(3, dtype=np.int64))
        with pytest.raises(ValueError):
            pyactx.ufuncs.cross_entropy_grad(x, I(0))
        # no rows at all: nothing to check, empty results
        assert pyactx.ufuncs.cross_entropy(np.empty((0, 4), dtype), np.empty(0, np.int64)).shape == (0,)
        assert pyactx.logsumexp(np.empty((0, 4), dtype)).shape == (0,)


@pytest.mark.parametrize("dtype", FLOATS)
def test_extreme_rows_raise_no_flags(dtype):
    fi = np.finfo(dtype)
    big, tiny = fi.max, fi.smallest_subnormal        # scalars of dtype (long double max > float max)
    rows_ = [
        [big, big],                       # logsumexp = max + log 2, finite
        [-big, -big, -big],
        [tiny, -tiny, 0.0],
        [1000.0, 1001.0], [-1000.0, -1001.0],
        [0.0, -1e4, -2e4],                # exp(x - max) == 0 exactly
        [big / 4, -big / 4, 0.0],         # x - max = -big/2: finite
    ]
    for row in rows_:
        x = np.array(row, dtype=dtype)
        g = np.array([1.0, -0.5, 0.25][:len(row)], dtype=dtype)
        r = _all(x, g=g, label=len(row) - 1)       # raises FloatingPointError on a flag
        assert np.all(np.isfinite(r["softmax"])) and abs(float(np.sum(r["softmax"], dtype=L)) - 1) < 1e-2
        assert np.isfinite(r["logsumexp"])
    # x - max overflows here: the log-type results (-2 max) genuinely do, and
    # are tested in test_genuine_overflow_is_reported; the others must not
    for row in ([big, -big, 0.0], [-INF, big, -big]):
        x = np.array(row, dtype=dtype)
        with np.errstate(all="raise"):
            pyactx.softmax(x), pyactx.logsumexp(x), pyactx.softmax_jacobian(x)
            pyactx.softmax_vjp(x, np.ones_like(x)), pyactx.log_softmax_vjp(x, np.ones_like(x))
            pyactx.ufuncs.cross_entropy_grad(x, I(1)), pyactx.ufuncs.cross_entropy(x, I(0))
    with np.errstate(all="raise"):
        assert pyactx.logsumexp(np.array([big, big], dtype=dtype)) == np.array(big, dtype)
        y = pyactx.softmax(np.array([big, -big, 0.0], dtype=dtype))
        np.testing.assert_array_equal(y, np.array([1, 0, 0], dtype=dtype))


def test_known_values():
    x = np.array([1000.0, 1001.0])
    np.testing.assert_allclose(pyactx.softmax(x), [0.2689414213699951, 0.7310585786300049],
                               rtol=2e-16)
    np.testing.assert_allclose(pyactx.softmax(-x), [0.7310585786300049, 0.2689414213699951],
                               rtol=2e-16)
    assert pyactx.logsumexp(np.array([1e308, 1e308])) == 1e308
    np.testing.assert_allclose(pyactx.log_softmax(x), [-1.3132616875182228, -0.31326168751822286],
                               rtol=2e-16)


def test_genuine_overflow_is_reported():
    # log_softmax(-1e308 | max 1e308) = -2e308: a finite input, an infinite result
    x = np.array([1e308, -1e308])
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            pyactx.log_softmax(x)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(pyactx.log_softmax(x), [0.0, -INF])
        assert pyactx.ufuncs.cross_entropy(x, I(1)) == INF


# ---------------------------------------------------------------------------
# Derivatives against mpmath finite differences
# ---------------------------------------------------------------------------

FD_ROWS = [
    [0.5, -1.25, 3.0, 0.0],
    [1000.0, 1001.0, 999.5],
    [-3.0, -3.0, 2.0, -40.0],
    [7.0, -INF, 6.5],
]


def _fd(fn, x, *args):
    with mpmath.workprec(ref.working_prec(x) + 64):
        return fn(x, *args)


def _close(got, want, scale, ulps=8):
    """|got - want| <= ulps * eps * scale, entrywise (float64)."""
    got = np.asarray(got, dtype=np.float64).ravel()
    want = [float(v) for v in np.ravel(want)]
    scale = [float(v) for v in np.ravel(scale)]
    for a, b, s in zip(got, want, scale):
        assert abs(a - b) <= ulps * 2.0 ** -52 * s + 1e-300, (a, b, s)


@pytest.mark.parametrize("row", FD_ROWS, ids=str)
def test_jacobian_against_finite_differences(row):
    x = np.array(row)
    fd = _fd(ref.fd_softmax_jacobian, list(row))
    J = pyactx.softmax_jacobian(x)
    _close(J, fd, [abs(v) for r in fd for v in r])
    # and the definition used for the reference data agrees with the FD
    with mpmath.workprec(300):
        an = ref.softmax_jacobian(list(row))
        for i in range(len(row)):
            for j in range(len(row)):
                assert abs(an[i][j] - fd[i][j]) <= mpmath.mpf(2) ** -90 * (abs(an[i][j]) + 2 ** -1000)


@pytest.mark.parametrize("row", FD_ROWS, ids=str)
def test_vjps_against_finite_differences(row):
    x = np.array(row)
    g = np.array([0.75, -2.0, 1.5, 0.125][:len(row)])
    fd = _fd(ref.fd_softmax_vjp, list(row), list(g))
    with mpmath.workprec(300):
        sc = ref.softmax_vjp_scale(list(row), list(g))
    _close(pyactx.softmax_vjp(x, g), fd, sc)
    if not np.all(np.isfinite(x)):
        return      # sum_j g_j log_softmax_j is -inf: no finite differences
    fd = _fd(ref.fd_log_softmax_vjp, list(row), list(g))
    with mpmath.workprec(300):
        sc = ref.log_softmax_vjp_scale(list(row), list(g))
    _close(pyactx.log_softmax_vjp(x, g), fd, sc)


@pytest.mark.parametrize("row", FD_ROWS, ids=str)
def test_cross_entropy_grad_against_finite_differences(row):
    x = np.array(row)
    for label in range(len(row)):
        if row[label] == -INF:
            continue            # loss +inf: no derivative
        fd = _fd(ref.fd_cross_entropy_grad, list(row), label)
        _close(pyactx.ufuncs.cross_entropy_grad(x, I(label)), fd, [abs(v) for v in fd])


# ---------------------------------------------------------------------------
# gufunc mechanics: axis / axes / keepdims, out=, in place, broadcasting, strides
# ---------------------------------------------------------------------------

def _x2d(dtype=np.float64, shape=(4, 7), seed=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_axis_and_keepdims(dtype):
    x = _x2d(dtype)
    for uf in (pyactx.softmax, pyactx.log_softmax):
        assert _bits_equal(uf(x, axis=0), uf(x.T).T)
        assert _bits_equal(uf(x, axis=-1), uf(x))
        assert _bits_equal(uf(x, axes=[(0,), (0,)]), uf(x.T).T)
    lse = pyactx.logsumexp(x, axis=0)
    assert _bits_equal(lse, pyactx.logsumexp(x.T))
    k = pyactx.logsumexp(x, axis=0, keepdims=True)
    assert k.shape == (1, 7) and _bits_equal(k[0], lse)
    k = pyactx.logsumexp(x, keepdims=True)
    assert k.shape == (4, 1) and _bits_equal(k[:, 0], pyactx.logsumexp(x))
    x3 = _x2d(dtype, (2, 3, 5))
    assert _bits_equal(pyactx.softmax(x3, axis=1), np.moveaxis(pyactx.softmax(np.moveaxis(x3, 1, -1)), -1, 1))
    # Jacobian: axes for the input core axis and the two output core axes
    J = pyactx.softmax_jacobian(x, axes=[(0,), (0, 1)])
    assert J.shape == (4, 4, 7)
    for r in range(7):
        assert _bits_equal(J[:, :, r], pyactx.softmax_jacobian(x[:, r]))
    Jref = pyactx.softmax_jacobian(x.T)
    J = pyactx.softmax_jacobian(x, axes=[(0,), (1, 2)])
    assert J.shape == (7, 4, 4) and _bits_equal(J, Jref)
    # vjp: the same axis for x, g and the result
    g = _x2d(dtype, seed=5)
    v = pyactx.softmax_vjp(x, g, axis=0)
    assert _bits_equal(v, pyactx.softmax_vjp(x.T, g.T).T)
    v = pyactx.log_softmax_vjp(x, g, axes=[(0,), (0,), (0,)])
    assert _bits_equal(v, pyactx.log_softmax_vjp(x.T, g.T).T)
    # cross_entropy: the label has no core axis
    lab = np.array([0, 3, 1, 2, 0, 1, 3])
    ce = pyactx.ufuncs.cross_entropy(x, lab, axes=[(0,), (), ()])
    assert _bits_equal(ce, pyactx.ufuncs.cross_entropy(x.T, lab))
    cg = pyactx.ufuncs.cross_entropy_grad(x, lab, axes=[(0,), (), (0,)])
    assert _bits_equal(cg, pyactx.ufuncs.cross_entropy_grad(x.T, lab).T)


@pytest.mark.parametrize("dtype", FLOATS)
def test_out_and_in_place(dtype):
    x = _x2d(dtype)
    g = _x2d(dtype, seed=9)
    lab = np.array([1, 0, 6, 3])
    for uf, args in ((pyactx.softmax, (x,)), (pyactx.log_softmax, (x,)),
                     (pyactx.softmax_vjp, (x, g)), (pyactx.log_softmax_vjp, (x, g)),
                     (pyactx.ufuncs.cross_entropy_grad, (x, lab))):
        want = uf(*args)
        out = np.full_like(x, -7)
        assert uf(*args, out=out) is out and _bits_equal(out, want)
        # in place on each float input (out = x, out = g)
        for k, a in enumerate(args):
            if a.dtype != dtype:
                continue
            b = [c.copy() for c in args]
            r = uf(*b, out=b[k])
            assert r is b[k] and _bits_equal(b[k], want), (uf.__name__, k)
        # a non-contiguous, reversed out
        big = np.full((4, 14), -7, dtype=dtype)
        o = big[::-1, ::-2]
        uf(*args, out=o)
        assert _bits_equal(np.ascontiguousarray(o), want)
        assert np.all(big[:, ::2] == -7)
    out = np.full(4, -7, dtype=dtype)
    assert pyactx.logsumexp(x, out=out) is out and _bits_equal(out, pyactx.logsumexp(x))
    out = np.full(4, -7, dtype=dtype)
    assert pyactx.ufuncs.cross_entropy(x, lab, out=out) is out
    assert _bits_equal(out, pyactx.ufuncs.cross_entropy(x, lab))
    J = np.full((4, 7, 7), -7, dtype=dtype)
    assert pyactx.softmax_jacobian(x, out=J) is J and _bits_equal(J, pyactx.softmax_jacobian(x))
    assert _bits_equal(J, J.transpose(0, 2, 1))                     # exactly symmetric
    Jt = np.full((4, 7, 7), -7, dtype=dtype).transpose(0, 2, 1)
    pyactx.softmax_jacobian(x, out=Jt)
    assert _bits_equal(np.ascontiguousarray(Jt), pyactx.softmax_jacobian(x))


@pytest.mark.parametrize("dtype", FLOATS)
def test_strides_bit_for_bit(dtype):
    x = _x2d(dtype, (6, 9))
    g = _x2d(dtype, (6, 9), seed=11)
    lab = np.array([0, 8, 4, 2, 1, 7])
    variants = [
        lambda a: a[:, ::-1],                                   # negative stride
        lambda a: np.repeat(a, 2, axis=1)[:, ::2],              # strided
        lambda a: np.asfortranarray(a),                         # row axis not contiguous
        lambda a: np.ascontiguousarray(a[::-1])[::-1],          # negative outer stride
    ]
    funcs = [
        (pyactx.softmax, lambda t: (t(x),)),
        (pyactx.log_softmax, lambda t: (t(x),)),
        (pyactx.logsumexp, lambda t: (t(x),)),
        (pyactx.softmax_jacobian, lambda t: (t(x),)),
        (pyactx.softmax_vjp, lambda t: (t(x), t(g))),
        (pyactx.log_softmax_vjp, lambda t: (t(x), t(g))),
        (pyactx.ufuncs.cross_entropy, lambda t: (t(x), lab)),
        (pyactx.ufuncs.cross_entropy_grad, lambda t: (t(x), lab)),
    ]
    for uf, make in funcs:
        for k, t in enumerate(variants):
            args = make(t)
            # the same logical arrays, contiguous: the results must be identical
            cont = [np.ascontiguousarray(a) for a in args]
            got, want = uf(*args), uf(*cont)
            assert _bits_equal(np.ascontiguousarray(got), want), (uf.__name__, k)
    # zero stride along the row: a broadcast row of equal values
    row = np.broadcast_to(np.array(2.5, dtype=dtype), (9,))
    assert _bits_equal(pyactx.softmax(row), pyactx.softmax(np.full(9, 2.5, dtype=dtype)))


def test_broadcasting():
    x = _x2d(np.float64, (3, 5))
    g = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    v = pyactx.softmax_vjp(x, g)
    for r in range(3):
        assert _bits_equal(v[r], pyactx.softmax_vjp(x[r], g))
    v = pyactx.log_softmax_vjp(x[0], np.stack([g, 2 * g]))
    assert v.shape == (2, 5) and _bits_equal(v[1], pyactx.log_softmax_vjp(x[0], 2 * g))
    ce = pyactx.ufuncs.cross_entropy(x, I(2))
    assert ce.shape == (3,) and all(ce[r] == pyactx.ufuncs.cross_entropy(x[r], I(2)) for r in range(3))
    ce = pyactx.ufuncs.cross_entropy(x[:1], np.array([0, 4, 4]))
    assert ce.shape == (3,) and ce[2] == ce[1] == pyactx.ufuncs.cross_entropy(x[0], I(4))
    cg = pyactx.ufuncs.cross_entropy_grad(x[0], np.array([[0], [3]]))
    assert cg.shape == (2, 1, 5) and _bits_equal(cg[1, 0], pyactx.ufuncs.cross_entropy_grad(x[0], I(3)))
    # integer logits promote like np.exp
    assert pyactx.softmax(np.array([1, 2, 3])).dtype == np.float64
    assert pyactx.softmax(np.array([1, 2, 3], dtype=np.int8)).dtype == np.exp(np.int8(1)).dtype


# ---------------------------------------------------------------------------
# Labels: validation before anything is written
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("uf", [pyactx.ufuncs.cross_entropy, pyactx.ufuncs.cross_entropy_grad], ids=lambda u: u.__name__)
@pytest.mark.parametrize("dtype", FLOATS)
def test_labels_out_of_range(uf, dtype):
    x = _x2d(dtype, (3, 5))
    n = x.shape[-1]
    shape = (3,) if uf is pyactx.ufuncs.cross_entropy else (3, 5)
    for bad in (n, -1, -n - 1, 10 ** 6, -(10 ** 6), -100):
        labels = np.array([0, bad, 1])
        out = np.full(shape, -7, dtype=dtype)
        with pytest.raises(ValueError):
            uf(x, labels, out=out)
        assert np.all(out == -7), "output written before the labels were validated"
        with pytest.raises(ValueError):
            uf(x[0], I(bad))
    # every negative label is an error for the raw gufunc (PyTorch's rule;
    # ignore_index is handled by pyactx.cross_entropy, tests/ufunc/test_conventions.py)
    assert uf(x, np.array([0, n - 1, 2])).shape == shape


@pytest.mark.parametrize("uf", [pyactx.ufuncs.cross_entropy, pyactx.ufuncs.cross_entropy_grad], ids=lambda u: u.__name__)
def test_float_labels_refused(uf):
    x = _x2d(np.float64, (3, 5))
    out = np.full((3,) if uf is pyactx.ufuncs.cross_entropy else (3, 5), -7.0)
    for lab in (np.array([0.0, 1.0, 2.0]), 1.0, np.float32(2)):
        with pytest.raises(TypeError):
            uf(x, lab, out=out)
        assert np.all(out == -7)


@pytest.mark.parametrize("uf", [pyactx.ufuncs.cross_entropy, pyactx.ufuncs.cross_entropy_grad], ids=lambda u: u.__name__)
def test_label_integer_types_accepted(uf):
    """A label is "an integer" (spec): Python ints, NumPy integer scalars and
    arrays of any signed/unsigned width that casts safely to int64."""
    x = _x2d(np.float64, (3, 5))
    want = uf(x, I([0, 1, 2]))
    for it in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32):
        np.testing.assert_array_equal(uf(x, np.array([0, 1, 2], dtype=it)), want)
    np.testing.assert_array_equal(uf(x, [0, 1, 2]), want)
    np.testing.assert_array_equal(uf(x, 2), uf(x, I(2)))
    np.testing.assert_array_equal(uf(x[1], 1), uf(x[1], I(1)))
    # integer logits promote to float64 as for np.exp
    np.testing.assert_array_equal(uf(np.array([1, 2, 3]), 0), uf(np.array([1.0, 2.0, 3.0]), I(0)))


# ---------------------------------------------------------------------------
# Consistency between members (sanity, in addition to the reference data)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_family_consistency(dtype):
    x = _x2d(dtype, (5, 11))
    eps = float(np.finfo(dtype).eps)
    y, ls, lse = pyactx.softmax(x), pyactx.log_softmax(x), pyactx.logsumexp(x)
    np.testing.assert_allclose(np.log(y.astype(np.float64)), ls, rtol=8 * eps, atol=0)
    np.testing.assert_allclose(x - lse[:, None], ls, rtol=0, atol=16 * eps * np.max(np.abs(x)))
    lab = np.arange(5)
    np.testing.assert_allclose(pyactx.ufuncs.cross_entropy(x, lab), -ls[np.arange(5), lab], rtol=4 * eps)
    cg = pyactx.ufuncs.cross_entropy_grad(x, lab)
    np.testing.assert_allclose(np.sum(cg, axis=-1, dtype=np.float64), 0, atol=8 * eps)
    g = _x2d(dtype, (5, 11), seed=2)
    J = pyactx.softmax_jacobian(x)
    np.testing.assert_allclose(pyactx.softmax_vjp(x, g), np.einsum("rj,rji->ri", g.astype(np.float64), J),
                               rtol=0, atol=16 * eps * float(np.max(np.abs(g))))


@pytest.mark.parametrize("n", [40, 300, 3000])
def test_softmax_vjp_subnormal_q_short_rows(n):
    """The same entries in rows short enough for the two-pass path (rows of
    10^4 above take the online one), which looks for them only where the
    row's min is below their range: entries with q = e/S between 2^-1026
    and 2^-1021 (x - max from -711 to -708) and g = +-7.5, the others
    with |g| ~0.01, so that y = q (g - s) is normal and q's rounding at the
    subnormal spacing shows: without the recomputation (the search never
    run) rows of 300 and 3000 measured 4.61 and 4.08 ULP here."""
    if not LONGDOUBLE_IS_X87:
        pytest.skip("the long double reference needs more precision than float64")
    rng = np.random.default_rng(n)
    x = rng.standard_normal((4, n))
    g = rng.standard_normal((4, n)) * 0.01
    k = np.arange(1, n, max(1, n // 12))
    x[:, k] = x.max(axis=1, keepdims=True) - rng.uniform(708.0, 711.0, (4, k.size))
    g[:, k] = 7.5 * np.sign(rng.standard_normal((4, k.size)))
    with np.errstate(all="raise"):
        got = pyactx.softmax_vjp(x, g)
    for r in range(4):
        y_ref = _long_reference(x[r])[0]
        gl = g[r].astype(L)
        P = np.sum(y_ref * gl)
        err = _ulps(got[r], y_ref * (gl - P), np.float64,
                    y_ref * (np.abs(gl) + np.sum(y_ref * np.abs(gl)))).max()
        assert err <= BOUND["float64"], (r, err)


@pytest.mark.parametrize("seed", [1130, 1821])
def test_softmax_vjp_subnormal_q_times_large_g(seed):
    """'Wide' rows (found when the long-row seeds were per-process) whose
    softmax y_i is subnormal in double where |g_i - s| is ~7: y_i's rounding
    at the subnormal spacing, times that factor, reached 4.90 ULP (seed
    1130) and 4.25 ULP (1821) of a normal result.  Those entries are now
    recomputed with a scaled exp (softmax.inc, v_vjp_tiny): measured 1.85
    ULP at most over 41 such rows and every ISA path.  Also in place
    (out=x), where the recomputation must still see x."""
    if not LONGDOUBLE_IS_X87:
        pytest.skip("the long double reference needs more precision than float64")
    n = 10_000
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2000, 2000, n))[::-1].copy()
    x[::3] = rng.uniform(-2000, 2000, len(x[::3]))
    x[n // 2] = 2500.0
    y_ref = _long_reference(x)[0]
    g = np.random.default_rng(5).standard_normal(n)
    gl = g.astype(L)
    P = np.sum(y_ref * gl)
    with np.errstate(all="raise"):
        got = pyactx.softmax_vjp(x, g)
    err = _ulps(got, y_ref * (gl - P), np.float64,
                y_ref * (np.abs(gl) + np.sum(y_ref * np.abs(gl)))).max()
    assert err <= BOUND["float64"], err
    inplace = x.copy()
    pyactx.ufuncs.softmax_vjp(inplace, g, out=inplace)
    np.testing.assert_array_equal(inplace, got)
