"""bfloat16 (ml_dtypes, the optional ``bfloat16`` extra): every elementwise
function, derivative and the softmax family keep the dtype, computing in
float32 and rounding once (csrc/_coremodule.c, bf16_*_loop).

Checked, on every instruction-set path:

* **all 65,536 bfloat16 inputs** of every unary function and derivative (and
  every input as the first operand of the two-input ones, paired with a
  shuffled second operand) are within 1 bfloat16 step of the correctly
  rounded exact value.  The exact value is taken from the float64 kernels
  (<= 4 float64 ULP of it, tests/numerics/test_accuracy.py against mpmath);
  where that leaves the rounding undecided (the value within 2^-38 relative
  of a midpoint between two bfloat16 numbers) the result must be one of the
  two;
* the bits are exactly the float32 loop's result rounded to nearest even,
  for the softmax family too (rows of every length kind, the Jacobian and
  the vector-Jacobian products; pyactx.cross_entropy and its gradient
  compute in float32 and round once in Python, their raw gufuncs return
  float32);
* promotion as ml_dtypes defines it (bfloat16 with float32 is float32), a
  Python scalar parameter keeps bfloat16 (as float16 does), out=, where=,
  strided and in-place operands, overflow to inf raising the flag.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pyactx
from pyactx import _spec

ml_dtypes = pytest.importorskip("ml_dtypes", reason="bfloat16 needs ml_dtypes (the test extra)")

pytestmark = pytest.mark.usefixtures("each_dispatch")

BF = np.dtype(ml_dtypes.bfloat16)
ALL = np.arange(1 << 16, dtype=np.uint16).view(BF)          # every bfloat16
BF_MAX = float(ml_dtypes.finfo(ml_dtypes.bfloat16).max)

UNARY = [(a.name, ()) for a in _spec.ACTIVATION_TABLE if not a.params]
UNARY += [(a.name, tuple(p.default for p in a.params)) for a in _spec.ACTIVATION_TABLE if a.params]
ELEMENTWISE = [(n + g, p) for n, p in UNARY for g in ("", "_grad")]
BINARY = [b.name + g for b in _spec.BINARY_TABLE for g in ("", "_grad")]


def correctly_rounded(v):
    """(lo, hi, undecided): v (float64) rounded to bfloat16 by hand -- 8
    significant bits, float32's exponent range, subnormals at 2^-133, ties to
    even, overflow past the largest finite value plus half a step -- and,
    where v is within 2^-38 relative of a midpoint, both neighbours."""
    v = np.asarray(v, np.float64)
    out = np.where(np.isnan(v), np.nan, v)
    fin = np.isfinite(v) & (v != 0)
    a = np.abs(np.where(fin, v, 1.0))
    _, e = np.frexp(a)
    q = np.ldexp(1.0, np.maximum(e - 1, -126) - 7)                     # the step at |v|
    s = a / q
    lo_mag, hi_mag = np.floor(s) * q, np.ceil(s) * q
    near = np.rint(s) * q                                               # ties to even
    frac = s - np.floor(s)
    undecided = fin & (np.abs(frac - 0.5) <= 2.0 ** -38 * s)
    big = BF_MAX * (1 + 2.0 ** -9)                                      # rounds to inf
    fix = lambda m: np.where(m >= big, np.inf, m)                       # noqa: E731
    sign = np.sign(v)
    r = np.where(fin, sign * fix(near), out)
    rlo = np.where(fin, sign * fix(lo_mag), out)
    rhi = np.where(fin, sign * fix(hi_mag), out)
    rlo = np.where(undecided, rlo, r)
    rhi = np.where(undecided, rhi, r)
    return rlo, rhi, undecided


def ordinal(b):
    """bfloat16 values -> integers in order, adjacent values one apart (+-0 both 0)."""
    u = b.view(np.uint16).astype(np.int64)
    return np.where(u & 0x8000, -(u & 0x7FFF), u)


def steps_from_correctly_rounded(got, exact64):
    """Distance, in bfloat16 steps, of each result from the correctly rounded
    exact value; where the rounding is undecided, from the farther of the
    two candidates (a bound on the distance from the true one).  NaN against
    NaN is 0, NaN against a number a large distance."""
    lo, hi, _ = correctly_rounded(exact64)
    with np.errstate(all="ignore"):
        lo_b, hi_b = lo.astype(BF), hi.astype(BF)          # exact: representable
    og = ordinal(np.asarray(got))
    d = np.maximum(np.abs(og - ordinal(lo_b)), np.abs(og - ordinal(hi_b)))
    nan_ref, nan_got = np.isnan(exact64), np.isnan(np.asarray(got).astype(np.float64))
    return np.where(nan_ref | nan_got, np.where(nan_ref & nan_got, 0, 1 << 20), d)


def assert_within_one_step(name, got, exact64, xs):
    assert got.dtype == BF, f"{name}: {got.dtype}"
    d = steps_from_correctly_rounded(got, exact64)
    bad = np.flatnonzero(d > 1)
    assert bad.size == 0, (f"{name}: {bad.size} inputs more than 1 step from the correctly "
                           f"rounded result, e.g. x={[x[bad[:4]] for x in xs]} got={got[bad[:4]]} "
                           f"exact~{exact64[bad[:4]]}")


def results(name, params=()):
    """[(label, bfloat16 result, float64 result, float32 result)] of one ufunc
    on every bfloat16 input (the first operand of a two-input function; the
    second a shuffle of them, or targets in [0, 1]); parameters as bfloat16
    holds them."""
    f = getattr(pyactx.ufuncs, name)
    if f.nin == 2 and not params:
        b = np.random.default_rng(7).permutation(ALL)
        if name.startswith("binary_cross_entropy"):
            b = np.random.default_rng(7).random(ALL.size).astype(BF)   # targets in [0, 1]
        ops = [b]
    else:
        ops = [np.asarray(p, BF) for p in params]
    with np.errstate(all="ignore"):
        got = f(ALL, *ops)
        exact = f(ALL.astype(np.float64), *[o.astype(np.float64) for o in ops])
        r32 = f(ALL.astype(np.float32), *[o.astype(np.float32) for o in ops])
    if f.nout == 1:
        return [(name, got, exact, r32)]
    return [(f"{name}[{k}]", g, e, r) for k, (g, e, r) in enumerate(zip(got, exact, r32))]


def rounded_float32(r32):
    """The float32 results rounded to nearest even by ml_dtypes' cast."""
    with np.errstate(all="ignore"):
        return np.asarray(r32, np.float32).astype(BF)


@pytest.mark.parametrize("name,params", ELEMENTWISE + [(n, ()) for n in BINARY],
                         ids=[n for n, _ in ELEMENTWISE] + BINARY)
def test_every_bfloat16_input_within_one_step(name, params):
    for label, got, exact, r32 in results(name, params):
        assert_within_one_step(label, got, exact, [ALL])
        same = ~np.isnan(r32)
        assert np.array_equal(np.isnan(got.astype(np.float32)), ~same), f"{label}: NaN positions"
        assert np.array_equal(got[same].view(np.uint16), rounded_float32(r32[same]).view(np.uint16)), \
            f"{label}: not the float32 result rounded once"


SOFTMAX = [g.name for g in _spec.GUFUNC_TABLE if not g.name.startswith("cross_entropy")]


@pytest.mark.parametrize("name", SOFTMAX)
@pytest.mark.parametrize("n", [1, 7, 300])
def test_softmax_family_is_the_float32_result_rounded_once(name, n):
    f = getattr(pyactx.ufuncs, name)
    rng = np.random.default_rng(n)
    x = (rng.normal(0, 4, (5, n)) * np.array([1, 1, 10, 100, 1])[:, None]).astype(BF)
    args = (x, rng.normal(0, 1, (5, n)).astype(BF)) if f.nin == 2 else (x,)
    with np.errstate(all="raise"):
        got = f(*args)
        r32 = f(*[a.astype(np.float32) for a in args])
    assert got.dtype == BF
    assert np.array_equal(got.view(np.uint16), rounded_float32(r32).view(np.uint16))
    # strided rows and the axis= keyword take the same loop
    t = f(*[np.ascontiguousarray(a.T).T for a in args])
    assert np.array_equal(t.view(np.uint16), got.view(np.uint16))


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("name", ["cross_entropy", "cross_entropy_grad"])
def test_cross_entropy_keeps_bfloat16(name, smoothing):
    """The label gufuncs have no bfloat16 loop (their raw ufuncs return
    float32); the wrappers compute in float32 and round once."""
    rng = np.random.default_rng(5)
    x = rng.normal(0, 3, (6, 11)).astype(BF)
    lab = np.array([0, 3, 10, -100, 5, 7])
    f = getattr(pyactx, name)
    got = f(x, lab, label_smoothing=smoothing)
    r32 = f(x.astype(np.float32), lab, label_smoothing=smoothing)
    assert got.dtype == BF
    assert np.array_equal(got.view(np.uint16), rounded_float32(r32).view(np.uint16))
    out = np.empty(got.shape, BF)
    assert f(x, lab, label_smoothing=smoothing, out=out) is out
    assert np.array_equal(out.view(np.uint16), got.view(np.uint16))
    with pytest.raises(ValueError):
        f(x, np.array([0, 3, 11, 0, 0, 0]))                 # label out of range
    assert getattr(pyactx.ufuncs, name)(x, lab.clip(0)).dtype == np.float32


def test_softmax_rows_of_bfloat16_are_within_one_step():
    x = np.random.default_rng(3).normal(0, 5, (200, 33)).astype(BF)
    got = pyactx.softmax(x)
    exact = pyactx.softmax(x.astype(np.float64))
    assert_within_one_step("softmax", got.ravel(), exact.ravel(), [x.ravel()])


def test_promotion_and_keywords():
    x = np.linspace(-4, 4, 41).astype(BF)
    assert pyactx.gelu(x).dtype == BF
    assert pyactx.gelu(x[::3]).dtype == BF
    # mixed operands promote as ml_dtypes defines
    for other in (np.float32, np.float64, np.float16):
        want = np.result_type(BF, other)
        assert pyactx.geglu(x, x.astype(other)).dtype == want, other
    # a Python scalar parameter keeps bfloat16 (NEP 50, as for float16)
    assert pyactx.leaky_relu(x).dtype == BF
    assert pyactx.leaky_relu(x, 0.2).dtype == BF
    assert pyactx.elu(x, alpha=2).dtype == BF
    # dtype=, out=, where=, in place
    assert pyactx.ufuncs.sigmoid(x, dtype=np.float32).dtype == np.float32
    out = np.full(x.shape, 7, BF)
    pyactx.sigmoid(x, out=out, where=x > 0)
    assert np.all(out[x <= 0] == 7)
    assert np.array_equal(out[x > 0].view(np.uint16), pyactx.sigmoid(x[x > 0]).view(np.uint16))
    y = x.copy()
    pyactx.silu(y, out=y)
    assert np.array_equal(y.view(np.uint16), pyactx.silu(x).view(np.uint16))
    assert pyactx.softmax(x.reshape(1, -1), axis=0).dtype == BF


def test_overflow_to_infinity_raises_the_flag():
    big = np.array([3.0e38], BF)                 # softplus(x) = x, finite; x + 1 rounds
    assert np.isfinite(pyactx.softplus(big))[0]
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        pyactx.geglu(big, np.array([2.0], BF))   # 6e38: finite in float32, inf in bfloat16
    with np.errstate(all="raise"):                # NaN and inf inputs raise nothing
        pyactx.gelu(np.array([np.nan, np.inf, -np.inf], BF))


def test_accumulate_keeps_the_order():
    """ufunc.accumulate passes the output shifted by one as the first
    input: the loop must go element by element (not in blocks)."""
    x = np.linspace(-3, 3, 2000).astype(BF)
    got = pyactx.ufuncs.glu.accumulate(x)
    ref = np.empty_like(x)
    ref[0] = x[0]
    for i in range(1, x.size):
        ref[i] = pyactx.ufuncs.glu(ref[i - 1], x[i])
    assert np.array_equal(got.view(np.uint16), ref.view(np.uint16))


@pytest.mark.parametrize("order", ["pyactx first", "ml_dtypes first"])
def test_loops_registered_whichever_is_imported_first(order):
    """import pyactx does not import ml_dtypes (its extension takes ~0.5 s to
    initialise): the loops are registered when ml_dtypes is imported, before
    or after pyactx."""
    first, second = (("pyactx", "ml_dtypes") if order == "pyactx first"
                     else ("ml_dtypes", "pyactx"))
    code = textwrap.dedent(f"""
        import sys, numpy as np
        import {first}
        if "{first}" == "pyactx":
            assert "ml_dtypes" not in sys.modules and pyactx.BFLOAT16 is None
        import {second}
        import ml_dtypes, pyactx
        x = np.linspace(-3, 3, 7).astype(ml_dtypes.bfloat16)
        assert pyactx.BFLOAT16 == x.dtype
        assert pyactx.gelu(x).dtype == x.dtype and pyactx.leaky_relu(x, 0.1).dtype == x.dtype
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]
