"""NumPy's ufunc machinery driven the way users drive it, against a slow
element-by-element reference (hypothesis).

Every check compares a real call -- random shapes, strides (negative,
offset, transposed), dtypes (float16/32/64/longdouble, mixed, integer
inputs), broadcasting, out= (strided, other dtype, overlapping the inputs in
either direction), where= masks, ufunc.accumulate / reduce / at / outer, the
softmax-family gufuncs on a random axis, and 1, 2 or 4 threads on large
contiguous arrays -- with a reference that evaluates the *same raw ufunc* on
each element separately, as a fresh 1-element (or 0-d) contiguous array.  The
reference therefore does not depend on the layout, on the threads or on any
overlap, and the comparison is bit for bit (bit patterns via ``.view(uint)``;
for the x87 long double only its 10 significant bytes).  NaN payloads are not
compared here (any NaN equals any NaN) except in ``test_nan_payloads``, where
only the "both inputs NaN with different payloads" case is an expected
failure (the payload rule is being settled separately).

NumPy semantics for aliasing: a call whose out= overlaps an input must give
what the same call gives on copies of the inputs, so every reference is
computed from copies taken before the call.

Budget: derandomized, fixed example counts; ~25 s on 2 cores when everything
passes (~35 s while some tests fail and hypothesis shrinks).
PYACTX_FUZZ=<factor> multiplies every max_examples for a longer local run.
Floating-point flags are tested elsewhere: everything runs under
``np.errstate(all="ignore")``.
"""
from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, example, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import pyactx  # noqa: E402
from pyactx import _spec  # noqa: E402
from pyactx import ufuncs as U  # noqa: E402

# ---------------------------------------------------------------------------
# Settings.
# ---------------------------------------------------------------------------
FACTOR = float(os.environ.get("PYACTX_FUZZ", "1"))


def budget(n):
    return settings(max_examples=max(1, int(n * FACTOR)), deadline=None, derandomize=True,
                    database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------------------
# The functions under test, from the spec.
# ---------------------------------------------------------------------------
UNARY = []          # 1 in, 1 out
TWO_IN = []         # 2 in, 1 or 2 out
for _a in _spec.ACTIVATION_TABLE:
    (UNARY if _a.kind == "unary" else TWO_IN).extend([_a.name, _a.name + "_grad"])
for _b in _spec.BINARY_TABLE:
    TWO_IN.extend([_b.name, _b.name + "_grad"])
ELEMENTWISE = UNARY + TWO_IN
TWO_IN_ONE_OUT = [n for n in TWO_IN if getattr(U, n).nout == 1]
AT_OK = UNARY + TWO_IN_ONE_OUT          # ufunc.at needs a single output
GUFUNCS = [g.name for g in _spec.GUFUNC_TABLE]
GU_SPEC = {g.name: g for g in _spec.GUFUNC_TABLE}

FLOATS = (np.float16, np.float32, np.float64, np.longdouble)
INTS = (np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_)
THREADS = (1, 2, 4)
# Threads split a contiguous loop of n elements when n >= 2 * 65536 (csrc/loops/threads.h):
# 70_000 is large but single-threaded, the others are split in 2 or 3 parts.
BIG_SIZES = (70_000, 131_072, 165_001, 200_000)

# Weights of the value categories: normal(0, 3), tails ~1e3, +-0, +-inf, NaN, subnormal.
MIXES = (
    (0.60, 0.10, 0.08, 0.07, 0.08, 0.07),
    (0.90, 0.04, 0.02, 0.02, 0.01, 0.01),     # mostly finite: the vector paths
    (0.25, 0.15, 0.15, 0.15, 0.15, 0.15),     # mostly special
)


def test_spec_coverage():
    """The lists above really cover the spec (guards the filters)."""
    assert UNARY and TWO_IN and GUFUNCS
    for n in UNARY:
        assert (getattr(U, n).nin, getattr(U, n).nout) == (1, 1), n
    for n in TWO_IN:
        assert getattr(U, n).nin == 2, n
    assert any(getattr(U, n).nout == 2 for n in TWO_IN)


@contextlib.contextmanager
def num_threads(n):
    before = pyactx.get_num_threads()
    pyactx.set_num_threads(n)
    try:
        yield
    finally:
        pyactx.set_num_threads(before)


# ---------------------------------------------------------------------------
# Values.
# ---------------------------------------------------------------------------
_NAN_BITS = {2: (np.uint16, 0x7E00, 9), 4: (np.uint32, 0x7FC00000, 22),
             8: (np.uint64, 0x7FF8000000000000, 51)}


def nans(rng, dtype, n):
    """Quiet NaNs with random sign and payload."""
    dt = np.dtype(dtype)
    if dt.itemsize in _NAN_BITS and dt.kind == "f":
        ut, quiet, pbits = _NAN_BITS[dt.itemsize]
        payload = rng.integers(0, 1 << pbits, n, dtype=np.uint64).astype(ut)
        sign = (rng.integers(0, 2, n).astype(ut) << ut(8 * dt.itemsize - 1))
        return (ut(quiet) | payload | sign).view(dt)
    # long double: from float64 NaNs (the conversion keeps sign and payload)
    with np.errstate(all="ignore"):
        return nans(rng, np.float64, n).astype(dt)


def float_values(rng, dtype, n, mix):
    dt = np.dtype(dtype)
    cat = rng.choice(len(mix), size=n, p=np.asarray(mix) / sum(mix))
    with np.errstate(all="ignore"):
        hi = rng.normal(0.0, 3.0, n)
        lo = rng.normal(0.0, 1.0, n) * 2.0 ** -55          # extra bits for long double
        v = hi.astype(dt) + (lo * np.abs(hi)).astype(dt)
        sign = np.where(rng.integers(0, 2, n) == 1, -1.0, 1.0)
        tails = (sign * 10.0 ** rng.uniform(2.0, 3.5, n)).astype(dt)
        zeros = (sign * 0.0).astype(dt)
        infs = (sign * np.inf).astype(dt)
        tiny = np.finfo(dt).smallest_normal
        subn = (rng.uniform(0.0, 1.0, n).astype(dt) * tiny * sign.astype(dt)).astype(dt)
        subn[::7] = (np.finfo(dt).smallest_subnormal * sign[::7].astype(dt)).astype(dt)
        out = np.select([cat == 0, cat == 1, cat == 2, cat == 3, cat == 4, cat == 5],
                        [v, tails, zeros, infs, nans(rng, dt, n), subn]).astype(dt)
        # np.select goes through arithmetic-free copies, but make sure NaN payloads survived
        m = cat == 4
        out[m] = nans(rng, dt, int(m.sum()))
    return out


def int_values(rng, dtype, n):
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.integers(0, 2, n).astype(bool)
    info = np.iinfo(dt)
    v = rng.integers(max(info.min, -60), min(info.max, 60) + 1, n).astype(dt)
    ext = rng.integers(0, 20, n) == 0
    v[ext] = rng.choice(np.array([info.min, info.max], dtype=dt), int(ext.sum()))
    return v


def values(rng, dtype, n, mix, pool=None):
    """n values of dtype; with pool=P, drawn from P distinct values (so that
    the reference of a large array needs only a few distinct evaluations)."""
    dt = np.dtype(dtype)
    if pool is not None and n > pool:
        return values(rng, dt, pool, mix)[rng.integers(0, pool, n)]
    if dt.kind == "f":
        return float_values(rng, dt, n, mix)
    return int_values(rng, dt, n)


# ---------------------------------------------------------------------------
# Layouts: a view of a bigger base array (offsets, steps, flips, transposes).
# ---------------------------------------------------------------------------
@st.composite
def layouts(draw, ndim, simple=False):
    if simple:
        steps = tuple(draw(st.sampled_from((1, 1, 1, -1, 2))) for _ in range(ndim))
        return steps, (draw(st.integers(0, 3)),) * ndim, tuple(range(ndim)), "C"
    steps = tuple(draw(st.sampled_from((1, 1, 2, -1, -2, 3))) for _ in range(ndim))
    offs = tuple(draw(st.integers(0, 2)) for _ in range(ndim))
    perm = tuple(draw(st.permutations(range(ndim)))) if ndim > 1 else tuple(range(ndim))
    return steps, offs, perm, draw(st.sampled_from("CF"))


def make_view(rng, dtype, shape, layout, mix, pool=None):
    steps, offs, perm, order = layout
    pshape = [shape[p] for p in perm]
    bshape = [n * abs(s) + o + 1 for n, s, o in zip(pshape, steps, offs)]
    base = values(rng, dtype, int(np.prod(bshape)), mix, pool).reshape(bshape, order=order)
    v = base[tuple(slice(o, o + n * abs(s), abs(s)) for n, s, o in zip(pshape, steps, offs))]
    v = v[tuple(slice(None, None, -1) if s < 0 else slice(None) for s in steps)]
    v = v.transpose(np.argsort(perm)) if shape else base[...]
    assert v.shape == tuple(shape)
    return v


@st.composite
def small_shapes(draw):
    ndim = draw(st.integers(0, 3))
    top = {0: 0, 1: 70, 2: 40, 3: 12}[ndim]
    return tuple(draw(st.integers(0, top)) for _ in range(ndim))


# ---------------------------------------------------------------------------
# Bit-exact comparison.
# ---------------------------------------------------------------------------
def _sig_bytes(dt):
    dt = np.dtype(dt)
    if dt == np.longdouble and dt.itemsize > 10 and np.finfo(dt).nmant == 63:
        return 10                       # x87 extended: the rest is padding
    return dt.itemsize


def bit_rows(a):
    a = np.ascontiguousarray(a).reshape(-1)
    k = _sig_bytes(a.dtype)
    return a.view(np.uint8).reshape(a.size, a.dtype.itemsize)[:, :k]


def _hex(a):
    a = np.ascontiguousarray(a).reshape(-1)
    k = _sig_bytes(a.dtype)
    return "0x" + a.view(np.uint8)[:k][::-1].tobytes().hex()


def assert_bits_equal(actual, expected, what="", nan_payload=False):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    ra, re_ = bit_rows(actual), bit_rows(expected)
    same = (ra == re_).all(axis=1)
    if not nan_payload:
        same |= (np.isnan(actual) & np.isnan(expected)).reshape(-1)
    if same.all():
        return
    bad = np.flatnonzero(~same)
    fa, fe = actual.reshape(-1), expected.reshape(-1)
    lines = [f"{what}: {bad.size} of {same.size} elements differ (actual != expected), first ones:"]
    for i in bad[:8]:
        idx = np.unravel_index(i, actual.shape) if actual.ndim else ()
        lines.append(f"  at {tuple(int(t) for t in idx)}: {fa[i]!r} ({_hex(fa[i:i+1])}) != "
                     f"{fe[i]!r} ({_hex(fe[i:i+1])})")
    raise AssertionError("\n".join(lines))


# ---------------------------------------------------------------------------
# The slow references.
# ---------------------------------------------------------------------------
def loop_dtypes(uf, inputs):
    """The loop NumPy picks for these inputs (Python scalars stay weak)."""
    key = tuple(type(x) if type(x) in (float, int) else np.asarray(x).dtype for x in inputs)
    return uf.resolve_dtypes(key + (None,) * uf.nout)


def reference(uf, inputs):
    """uf applied to every element on its own, as a fresh 1-element contiguous
    array of the loop dtype; identical input tuples are evaluated once."""
    dts = loop_dtypes(uf, inputs)
    with np.errstate(all="ignore"):
        cast = [np.asarray(x).astype(dt) if type(x) not in (float, int)
                else np.asarray(x, dtype=dt) for x, dt in zip(inputs, dts)]
    cast = np.broadcast_arrays(*cast)
    shape = cast[0].shape
    flat = [np.ascontiguousarray(c).reshape(-1) for c in cast]
    n = flat[0].size
    outs = [np.empty(n, dt) for dt in dts[uf.nin:]]
    if n == 0:
        return tuple(o.reshape(shape) for o in outs)
    keys = np.ascontiguousarray(np.concatenate([bit_rows(f) for f in flat], axis=1))
    keys = keys.view(np.dtype((np.void, keys.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    uniq = [np.empty(first.size, dt) for dt in dts[uf.nin:]]
    with np.errstate(all="ignore"):
        for u, i in enumerate(first):
            r = uf(*[f[i:i + 1].copy() for f in flat])
            r = r if isinstance(r, tuple) else (r,)
            for dst, val in zip(uniq, r):
                dst[u] = val[0]
    return tuple(q[inverse.reshape(-1)].reshape(shape) for q in uniq)


def scalar_ufunc(uf, *xs, dtype):
    """uf on 0-d arrays of the loop dtype (for the accumulate/reduce/at folds)."""
    r = uf(*[np.array(x, dtype=dtype) for x in xs])
    return np.asarray(r, dtype=dtype)[()]


def reference_accumulate(uf, x, axis, dtype, initial=None, where=None):
    """Rows along `axis`: out[0] = x[0] (or f(initial, x[0])), out[i] = f(out[i-1], x[i]).
    Returns (accumulated, reduced) arrays with the axis moved to the end / removed."""
    with np.errstate(all="ignore"):
        xc = np.moveaxis(np.asarray(x).astype(dtype), axis, -1)
        wc = None if where is None else np.moveaxis(np.broadcast_to(where, np.shape(x)), axis, -1)
        acc = np.empty(xc.shape, dtype)
        red = np.empty(xc.shape[:-1], dtype)
        for idx in np.ndindex(*xc.shape[:-1]):
            row = xc[idx]
            cur = initial
            for i in range(row.shape[0]):
                if wc is not None and not wc[idx][i]:
                    continue
                cur = row[i] if cur is None else scalar_ufunc(uf, cur, row[i], dtype=dtype)
                acc[idx + (i,)] = cur
            red[idx] = np.nan if cur is None else cur
    return acc, red


# ---------------------------------------------------------------------------
# 1. Elementwise calls: shapes, strides, dtypes, broadcasting, out=, where=, threads.
# ---------------------------------------------------------------------------
@st.composite
def operand_dtype(draw, first_dtype=None):
    if first_dtype is not None and draw(st.integers(0, 2)):
        return first_dtype
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(INTS))
    return draw(st.sampled_from(FLOATS))


def _bcast_shape(draw, shape):
    """A shape broadcasting to `shape`: some axes 1, some leading axes dropped."""
    drop = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.booleans()) else n for n in shape[drop:])


@budget(400)
@given(data=st.data())
def test_elementwise_matches_reference(data):
    name = data.draw(st.sampled_from(ELEMENTWISE), label="name")
    uf = getattr(U, name)
    big = data.draw(st.integers(0, 14), label="big?") == 0
    shape = (data.draw(st.sampled_from(BIG_SIZES)),) if big else data.draw(small_shapes(), "shape")
    pool = 64 if big else None
    nthreads = data.draw(st.sampled_from(THREADS), label="threads")
    mix = data.draw(st.sampled_from(MIXES), label="mix")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    ndim = len(shape)

    dt0 = data.draw(operand_dtype(), label="dtype x")
    inputs = [make_view(rng, dt0, shape, data.draw(layouts(ndim, big), "layout x"), mix, pool)]
    if uf.nin == 2:
        how = data.draw(st.sampled_from(["full", "full", "bcast", "0d", "pyfloat"]), "2nd")
        if how == "pyfloat":
            inputs.append(float(values(rng, np.float64, 1, mix)[0]))
        else:
            dt1 = data.draw(operand_dtype(dt0), label="dtype 2nd")
            s1 = {"full": shape, "bcast": _bcast_shape(data.draw, shape), "0d": ()}[how]
            lay = data.draw(layouts(len(s1), big), "layout 2nd")
            inputs.append(make_view(rng, dt1, s1, lay, mix, pool))
    dts = loop_dtypes(uf, inputs)
    out_shape = np.broadcast_shapes(*[np.shape(x) for x in inputs])

    mode = data.draw(st.sampled_from(["none", "none", "out", "out", "where"]), label="out mode")
    kw, outs, mask = {}, None, None
    if mode != "none":
        outs = []
        for dt in dts[uf.nin:]:
            odt = dt if data.draw(st.integers(0, 3)) else data.draw(st.sampled_from(FLOATS))
            lay = data.draw(layouts(len(out_shape), big), "layout out")
            outs.append(make_view(rng, odt, out_shape, lay, MIXES[0], pool))
        kw["out"] = tuple(outs)
        if mode == "where":
            mshape = _bcast_shape(data.draw, out_shape)
            mask = rng.integers(0, 2, mshape).astype(bool) if mshape else bool(rng.integers(0, 2))
            kw["where"] = mask
    event(f"out={mode}" + (", large" if big else ""))
    note(f"{name} shape={out_shape} loop={dts} inputs={[getattr(x, 'dtype', x) for x in inputs]} "
         f"out={[o.dtype for o in outs] if outs else None} where={mask is not None}")

    copies = [x.copy() if isinstance(x, np.ndarray) else x for x in inputs]
    expected = reference(uf, copies)
    before = [o.copy() for o in outs] if outs else None
    with num_threads(nthreads), np.errstate(all="ignore"):
        res = uf(*inputs, **kw)
    res = res if isinstance(res, tuple) else (res,)
    for i, (r, e) in enumerate(zip(res, expected)):
        if outs:
            assert r is outs[i]
            with np.errstate(all="ignore"):
                e = e.astype(outs[i].dtype)
            full = before[i].copy()
            np.copyto(full, e, where=True if mask is None else mask)
            e = full
        assert_bits_equal(r, e, f"{name} output {i}")
    for x, c in zip(inputs, copies):
        if isinstance(x, np.ndarray):
            assert_bits_equal(x, c, "input modified", nan_payload=True)


# ---------------------------------------------------------------------------
# 2. out= overlapping the input (same base, any offset, either direction).
# ---------------------------------------------------------------------------
def _slice(base, start, n, step):
    v = base[start:start + n * abs(step):abs(step)]
    return v[::-1] if step < 0 else v


# The interesting overlaps are over-weighted: out one element behind or ahead
# of the input (shift -1 / +1), same direction, large enough for the threads.
SHIFTS = (-1, -1, 1, 1, 0, -2, 2, -3, 3)
STEP_PAIRS = ((1, 1), (1, 1), (1, 1), (-1, -1), (2, 2), (1, -1), (-1, 1), (1, 2), (2, 1))


@budget(220)
@given(name=st.sampled_from(ELEMENTWISE), dtype=st.sampled_from(FLOATS),
       n=st.integers(0, 70) | st.sampled_from(BIG_SIZES),
       j=st.integers(3, 6), shift=st.sampled_from(SHIFTS), m=st.integers(0, 6),
       steps=st.sampled_from(STEP_PAIRS),
       second=st.sampled_from(("scalar", "same_base", "other_base")),
       nthreads=st.sampled_from((1, 2, 2, 4)), seed=st.integers(0, 2**32 - 1))
# out= one element behind the input (out = base[2:], x = base[3:]), 2 threads, large:
# the chunk boundaries of the thread split
@example(name="sigmoid", dtype=np.float64, n=200_000, j=3, shift=-1, m=0, steps=(1, 1),
         second="scalar", nthreads=2, seed=1)
@example(name="leaky_relu", dtype=np.float32, n=200_000, j=3, shift=-1, m=5, steps=(1, 1),
         second="other_base", nthreads=2, seed=2)
@example(name="sigmoid", dtype=np.float64, n=200_000, j=3, shift=1, m=0, steps=(1, 1),
         second="scalar", nthreads=2, seed=3)
def test_out_overlapping_input(name, dtype, n, j, shift, m, steps, second, nthreads, seed):
    """out = base[k:k+n] (any step), x = base[j:j+n] of the same base, k = j + shift;
    the result must be the one computed on copies."""
    uf = getattr(U, name)
    rng = np.random.default_rng(seed)
    pool = 64 if n > 70 else None
    mix = MIXES[seed % len(MIXES)]
    in_step, out_step = steps
    k = j + shift
    length = 2 * n + 16
    base = values(rng, dtype, length, mix, pool)
    base2 = values(rng, dtype, length, mix, pool)
    x = _slice(base, j, n, in_step)
    out = [_slice(base, k, n, out_step)]
    inputs = [x]
    if uf.nin == 2:
        if second == "scalar":
            inputs.append(values(rng, dtype, 1, mix).reshape(()))
        elif second == "same_base":
            inputs.append(_slice(base, m, n, in_step))
        else:
            inputs.append(_slice(base2, m, n, in_step))
    if uf.nout == 2:                # the second output overlaps the second base
        out.append(_slice(base2, k, n, out_step))
    note(f"x=base[{j}::{in_step}] out=base[{k}::{out_step}] n={n}")
    if n > 70 and nthreads > 1 and in_step == out_step and abs(in_step) == 1:
        event(f"threaded, shift {shift}")
    copies = [a.copy() for a in inputs]
    expected = reference(uf, copies)
    with num_threads(nthreads), np.errstate(all="ignore"):
        res = uf(*inputs, out=tuple(out))
    res = res if isinstance(res, tuple) else (res,)
    for i, (r, e) in enumerate(zip(res, expected)):
        assert r is out[i]
        assert_bits_equal(r, e, f"{name} output {i} (overlapping out=)")


def test_out_trailing_input_by_one_threaded():
    """Regression: out = base[0:n], x = base[1:n+1] (out one element behind the
    input, the in-order overlap NumPy does not copy) with 2 threads and
    200_000 elements, every float dtype and a unary / parameterised ufunc."""
    failures = []
    for dtype in FLOATS:
        for name, extra in (("sigmoid", ()), ("relu", ()), ("leaky_relu", (0.01,))):
            uf = getattr(U, name)
            rng = np.random.default_rng(7)
            n = 200_000
            base = values(rng, dtype, n + 1, MIXES[1], pool=64)
            x, out = base[1:], base[:-1]
            ins = [x] + [np.array(e, dtype=dtype) for e in extra]
            expected = reference(uf, [a.copy() for a in ins])[0]
            with num_threads(2), np.errstate(all="ignore"):
                uf(*ins, out=out)
            try:
                assert_bits_equal(out, expected, f"{name} {np.dtype(dtype)}")
            except AssertionError as e:
                failures.append(str(e))
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------
# 3. accumulate and reduce (2 inputs, 1 output).
# ---------------------------------------------------------------------------
def draw_fold_case(data):
    """A two-input function, an array (any dtype, shape, layout, value mix)
    and an axis to fold it along: what accumulate and reduce tests share."""
    name = data.draw(st.sampled_from(TWO_IN_ONE_OUT), label="name")
    uf = getattr(U, name)
    dtype = data.draw(st.sampled_from(FLOATS), label="dtype")
    ndim = data.draw(st.integers(1, 3), label="ndim")
    top = {1: 70, 2: 20, 3: 8}[ndim]
    shape = tuple(data.draw(st.integers(0, top)) for _ in range(ndim))
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    mix = data.draw(st.sampled_from(MIXES), label="mix")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x = make_view(rng, dtype, shape, data.draw(layouts(ndim)), mix)
    return name, uf, dtype, ndim, shape, axis, mix, rng, x


@budget(160)
@given(data=st.data())
def test_accumulate_matches_fold(data):
    name, uf, dtype, ndim, shape, axis, mix, rng, x = draw_fold_case(data)
    acc_dtype = None
    if data.draw(st.integers(0, 4)) == 0:
        acc_dtype = data.draw(st.sampled_from(FLOATS), label="dtype=")
    loop = np.dtype(acc_dtype or dtype)
    mode = data.draw(st.sampled_from(["none", "fresh", "strided", "inplace"]), label="out")
    if mode == "inplace" and acc_dtype is not None and loop != x.dtype:
        mode = "fresh"
    expected = np.moveaxis(reference_accumulate(uf, x.copy(), axis, loop)[0], -1, axis)
    kw = {} if acc_dtype is None else {"dtype": acc_dtype}
    if mode == "fresh":
        kw["out"] = np.zeros(shape, loop)
    elif mode == "strided":
        kw["out"] = make_view(rng, loop, shape, data.draw(layouts(ndim)), mix)
    elif mode == "inplace":
        kw["out"] = x
    nthreads = data.draw(st.sampled_from(THREADS), label="threads")
    event(f"out={mode}")
    note(f"{name}.accumulate shape={shape} axis={axis} dtype={loop} out={mode}")
    with num_threads(nthreads), np.errstate(all="ignore"):
        res = uf.accumulate(x, axis=axis, **kw)
    if "out" in kw:
        assert res is kw["out"]
    assert_bits_equal(res, expected, f"{name}.accumulate(axis={axis}, out={mode})")


@pytest.mark.parametrize("out", ["none", "zeros", "inplace"])
def test_accumulate_known_case(out):
    """Regression: the loop must not read output slots before they are written
    (accumulate's first input is the output, one element behind)."""
    x = np.array([.5, .25, .75, .1, .3])
    expected = np.moveaxis(reference_accumulate(U.softplus, x.copy(), 0, np.float64)[0], -1, 0)
    kw = {"none": {}, "zeros": {"out": np.zeros(5)}, "inplace": {"out": x}}[out]
    with np.errstate(all="ignore"):
        res = U.softplus.accumulate(x, **kw)
    assert_bits_equal(res, expected, f"softplus.accumulate(out={out})")


@pytest.fixture(scope="module")
def large_accumulate_case():
    rng = np.random.default_rng(11)
    x = values(rng, np.float64, 140_000, MIXES[1], pool=64)
    return x, reference_accumulate(U.leaky_relu, x, 0, np.float64)[0]


@pytest.mark.parametrize("nthreads", THREADS)
def test_accumulate_large_threaded(nthreads, large_accumulate_case):
    """accumulate over 140_000 contiguous elements: the inner loop gets one long
    call (large enough to be split) whose first input is its own output shifted
    by one."""
    x, expected = large_accumulate_case
    with num_threads(nthreads), np.errstate(all="ignore"):
        res = U.leaky_relu.accumulate(x, out=np.zeros_like(x))
    assert_bits_equal(res, expected, f"leaky_relu.accumulate, {nthreads} threads")


@budget(160)
@given(data=st.data())
def test_reduce_matches_fold(data):
    name, uf, dtype, ndim, shape, axis, mix, rng, x = draw_fold_case(data)
    keepdims = data.draw(st.booleans(), label="keepdims")
    kw = {"axis": axis, "keepdims": keepdims}
    initial = where = None
    if data.draw(st.booleans(), label="initial?"):
        initial = values(rng, dtype, 1, mix)[0]
        kw["initial"] = initial
        if data.draw(st.booleans(), label="where?"):
            where = rng.integers(0, 2, shape).astype(bool)
            kw["where"] = where
    loop = np.dtype(dtype)
    red = reference_accumulate(uf, x.copy(), axis, loop, initial=initial, where=where)[1]
    if keepdims:
        red = np.expand_dims(red, axis)
    use_out = data.draw(st.booleans(), label="out?")
    if use_out:
        kw["out"] = make_view(rng, loop, red.shape, data.draw(layouts(red.ndim)), mix)
    nthreads = data.draw(st.sampled_from(THREADS), label="threads")
    note(f"{name}.reduce shape={shape} {kw}")
    if shape[axis] == 0 and initial is None:
        with pytest.raises(ValueError):
            uf.reduce(x, **kw)
        return
    with num_threads(nthreads), np.errstate(all="ignore"):
        res = uf.reduce(x, **kw)
    if use_out:
        assert res is kw["out"]
    assert_bits_equal(np.asarray(res), red, f"{name}.reduce({sorted(kw)})")


# ---------------------------------------------------------------------------
# 4. ufunc.at and ufunc.outer.
# ---------------------------------------------------------------------------
@budget(130)
@given(data=st.data())
def test_at_matches_sequential_updates(data):
    name = data.draw(st.sampled_from(AT_OK), label="name")
    uf = getattr(U, name)
    dtype = data.draw(st.sampled_from(FLOATS), label="dtype")
    mix = data.draw(st.sampled_from(MIXES), label="mix")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    two_d = data.draw(st.booleans(), label="2-d")
    shape = (data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))) if two_d \
        else (data.draw(st.integers(1, 70)),)
    a = make_view(rng, dtype, shape, data.draw(layouts(len(shape))), mix)
    k = data.draw(st.integers(0, 40), label="#indices")
    idx = tuple(rng.integers(-n, n, k) for n in shape)      # repeats and negatives
    index = idx if two_d else idx[0]
    args = [a, index]
    b = None
    if uf.nin == 2:
        bkind = data.draw(st.sampled_from(["array", "scalar", "other dtype"]), label="b")
        bdt = data.draw(st.sampled_from(FLOATS)) if bkind == "other dtype" else dtype
        b = values(rng, bdt, 1 if bkind == "scalar" else k, mix)
        b = b.reshape(()) if bkind == "scalar" else b
        args.append(b)
    loop = loop_dtypes(uf, [a] + ([] if b is None else [b]))
    expected = a.copy()
    with np.errstate(all="ignore"):
        for t in range(k):
            pos = tuple(int(i[t]) for i in idx)
            cur = [expected[pos]]
            if b is not None:
                cur.append(b if b.ndim == 0 else b[t])
            expected[pos] = scalar_ufunc(uf, *cur, dtype=loop[0]) if b is None else \
                np.asarray(uf(*[np.array(c, dtype=d) for c, d in zip(cur, loop)]))[()]
    nthreads = data.draw(st.sampled_from(THREADS), label="threads")
    with num_threads(nthreads), np.errstate(all="ignore"):
        uf.at(*args)
    assert_bits_equal(a, expected, f"{name}.at")


@budget(130)
@given(data=st.data())
def test_outer_matches_reference(data):
    name = data.draw(st.sampled_from(TWO_IN), label="name")
    uf = getattr(U, name)
    mix = data.draw(st.sampled_from(MIXES), label="mix")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    big = data.draw(st.integers(0, 14), label="big?") == 0
    if big:
        sa, sb = (data.draw(st.integers(1, 2)),), (data.draw(st.sampled_from(BIG_SIZES)),)
    else:
        sa = tuple(data.draw(st.integers(0, 9)) for _ in range(data.draw(st.integers(0, 2))))
        sb = tuple(data.draw(st.integers(0, 9)) for _ in range(data.draw(st.integers(0, 2))))
    da = data.draw(operand_dtype(), label="dtype a")
    db = data.draw(operand_dtype(da), label="dtype b")
    a = make_view(rng, da, sa, data.draw(layouts(len(sa), big)), mix, 64 if big else None)
    b = make_view(rng, db, sb, data.draw(layouts(len(sb), big)), mix, 64 if big else None)
    expected = reference(uf, [a.copy()[(...,) + (None,) * b.ndim], b.copy()])
    nthreads = data.draw(st.sampled_from(THREADS), label="threads")
    with num_threads(nthreads), np.errstate(all="ignore"):
        res = uf.outer(a, b)
    res = res if isinstance(res, tuple) else (res,)
    for i, (r, e) in enumerate(zip(res, expected)):
        assert_bits_equal(r, e, f"{name}.outer output {i}")


# ---------------------------------------------------------------------------
# 5. The softmax-family gufuncs: random axis, strided input, aliasing out=.
# ---------------------------------------------------------------------------
_OUT_CORE = {"(n)->(n)": 1, "(n),(n)->(n)": 1, "(n),()->(n)": 1, "(n)->()": 0,
             "(n),()->()": 0, "(n)->(n,n)": 2}


def gu_reference(gf, spec, x, other, axis):
    """The gufunc on each row separately (contiguous copies), assembled with the
    output core axis where the call puts it (at `axis` for one core dim, last
    for the Jacobian's two)."""
    label = spec.label_input is not None
    xc = np.moveaxis(x, axis, -1)
    oc = None if other is None else (other if label else np.moveaxis(other, axis, -1))
    loop_shape = xc.shape[:-1] if oc is None else \
        np.broadcast_shapes(xc.shape[:-1], oc.shape if label else oc.shape[:-1])
    n = xc.shape[-1]
    xc = np.broadcast_to(xc, loop_shape + (n,))
    if oc is not None:
        oc = np.broadcast_to(oc, loop_shape + (() if label else (n,)))

    def row(idx):
        args = [np.ascontiguousarray(xc[idx]).copy()]
        if oc is not None:
            args.append(np.array(oc[idx]) if label else np.ascontiguousarray(oc[idx]).copy())
        return np.asarray(gf(*args))

    with np.errstate(all="ignore"):
        if int(np.prod(loop_shape)) == 0:       # no rows: the dtype from a dummy row
            dummy = [np.zeros(max(n, 1), x.dtype)]
            if oc is not None:
                dummy.append(np.zeros((), oc.dtype) if label else np.zeros(max(n, 1), oc.dtype))
            dt = np.asarray(gf(*dummy)).dtype
            ref = np.empty(loop_shape + (n,) * _OUT_CORE[spec.signature], dt)
        else:
            rows = {idx: row(idx) for idx in np.ndindex(*loop_shape)}
            first = next(iter(rows.values()))
            ref = np.empty(loop_shape + first.shape, first.dtype)
            for idx, r in rows.items():
                ref[idx] = r
    if _OUT_CORE[spec.signature] == 1:
        ref = np.moveaxis(ref, -1, axis)
    return ref


@budget(250)
@given(data=st.data())
def test_gufuncs_match_row_by_row(data):
    name = data.draw(st.sampled_from(GUFUNCS), label="name")
    gf, spec = getattr(U, name), GU_SPEC[name]
    dtype = data.draw(st.sampled_from(FLOATS), label="dtype")
    mix = data.draw(st.sampled_from(MIXES), label="mix")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    big = data.draw(st.integers(0, 14), label="big?") == 0
    nthreads = data.draw(st.sampled_from(THREADS), label="threads")
    ndim = data.draw(st.integers(1, 3), label="ndim")
    if big:
        ndim = 2
        # rows * n >= 2 * 65536: the rows are split across the threads
        shape = (data.draw(st.sampled_from((2100, 3000))), data.draw(st.sampled_from((48, 64))))
    else:
        shape = tuple(data.draw(st.integers(0, 9)) for _ in range(ndim - 1))
        shape = shape + (data.draw(st.integers(0, 70)),)
        shape = tuple(np.roll(shape, data.draw(st.integers(0, ndim - 1))))
    if name == "softmax_jacobian":
        axis = -1 if big else data.draw(st.integers(-ndim, ndim - 1), label="axis")
        shape = tuple(min(s, 12) for s in shape) if not big else (12_000, 12)
    else:
        axis = -1 if big else data.draw(st.integers(-ndim, ndim - 1), label="axis")
    n = shape[axis]
    pool = 64 if big else None
    x = make_view(rng, dtype, shape, data.draw(layouts(ndim, big), "layout x"), mix, pool)
    other = None
    if spec.label_input is not None:
        if n == 0:
            shape = shape[:axis % ndim] + (1,) + shape[axis % ndim + 1:]
            x = make_view(rng, dtype, shape, data.draw(layouts(ndim, big)), mix, pool)
            n = 1
        lshape = tuple(np.delete(shape, axis % ndim))
        ldt = data.draw(st.sampled_from((np.int64, np.int32, np.int8)), label="label dtype")
        # labels in [0, n): the range rule itself (negative labels) is tested elsewhere
        other = rng.integers(0, n, lshape).astype(ldt)
    elif gf.nin == 2:
        other = make_view(rng, dtype, shape, data.draw(layouts(ndim, big), "layout g"), mix, pool)

    if name == "softmax_jacobian":
        kw = {"axes": [(axis,), (-2, -1)]}
    else:
        kw = {"axis": axis}
    inputs = [x] + ([] if other is None else [other])
    expected = gu_reference(gf, spec, x.copy(), None if other is None else other.copy(), axis)

    # out=: none, fresh strided, the input itself, or overlapping the input's base shifted.
    same_shape = expected.shape == x.shape and expected.dtype == x.dtype
    modes = ["none", "fresh"] + (["alias", "alias", "shifted"] if same_shape else [])
    mode = data.draw(st.sampled_from(modes), label="out")
    if mode == "fresh":
        kw["out"] = make_view(rng, expected.dtype, expected.shape,
                              data.draw(layouts(expected.ndim, big)), mix, pool)
    elif mode == "alias":
        target = data.draw(st.sampled_from([0, 1] if gf.nin == 2 and spec.label_input is None
                                           else [0]), label="alias of")
        kw["out"] = inputs[target]
    elif mode == "shifted":
        # out and x are views of one flat buffer, out shifted by `d` elements
        d = data.draw(st.integers(-3, 3), label="shift")
        buf = values(rng, dtype, x.size + 8, mix, pool)
        order = data.draw(st.sampled_from("CF"))
        xv = buf[4:4 + x.size].reshape(x.shape, order=order)
        xv[...] = x
        x = inputs[0] = xv
        kw["out"] = buf[4 + d:4 + d + x.size].reshape(x.shape, order=order)
    event(f"out={mode}" + (", large" if big else ""))
    note(f"{name} shape={x.shape} axis={axis} dtype={np.dtype(dtype)} out={mode}")
    with num_threads(nthreads), np.errstate(all="ignore"):
        res = gf(*inputs, **kw)
    if "out" in kw:
        assert res is kw["out"]
    assert_bits_equal(res, expected, f"{name}(axis={axis}, out={mode})")


# ---------------------------------------------------------------------------
# 6. NaN payloads (compared exactly).
# ---------------------------------------------------------------------------
NAN_CASES = [
    pytest.param("unary", id="one-input-nan"),
    pytest.param("first", id="2in-first-nan"),
    pytest.param("second", id="2in-second-nan"),
    pytest.param("both-same", id="2in-both-nan-same-payload"),
    # both NaN: the first input's payload, quieted, on every layout (loops.inc)
    pytest.param("both-diff", id="2in-both-nan-different-payloads"),
]


@pytest.mark.parametrize("case", NAN_CASES)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_nan_payloads(case, dtype):
    """Exact bits, NaN payloads included, against the per-element reference,
    on contiguous (vector path, threads), strided and reversed layouts."""
    rng = np.random.default_rng(5)
    names = UNARY if case == "unary" else TWO_IN
    n = 1000
    no_nan = (0.6, 0.1, 0.1, 0.1, 0.0, 0.1)      # NaNs only where the case puts them
    failures = []
    for name in names:
        uf = getattr(U, name)
        a = float_values(rng, dtype, n, no_nan)
        b = float_values(rng, dtype, n, no_nan)
        if case in ("unary", "first"):
            a[::3] = nans(rng, dtype, len(a[::3]))
        if case == "second":
            b[::3] = nans(rng, dtype, len(b[::3]))
        if case.startswith("both"):
            a[::3] = nans(rng, dtype, len(a[::3]))
            b[::3] = a[::3].copy() if case == "both-same" else nans(rng, dtype, len(b[::3]))
        ins = [a] if uf.nin == 1 else [a, b]
        expected = reference(uf, [c.copy() for c in ins])
        for layout in ("contiguous", "strided", "reversed", "threaded"):
            if layout == "contiguous":
                args = [c.copy() for c in ins]
            elif layout == "strided":
                args = [np.repeat(c, 2)[::2] for c in ins]
            elif layout == "reversed":
                args = [c[::-1].copy()[::-1] for c in ins]
            else:
                args = [np.tile(c, 100) for c in ins]
            with num_threads(2), np.errstate(all="ignore"):
                res = uf(*args)
            res = res if isinstance(res, tuple) else (res,)
            for i, (r, e) in enumerate(zip(res, expected)):
                if layout == "threaded":
                    e = np.tile(e, 100)
                try:
                    assert_bits_equal(r, e, f"{name} out {i} {layout}", nan_payload=True)
                except AssertionError as err:
                    failures.append(str(err).split("\n")[0] + "\n" + str(err).split("\n")[1])
    assert not failures, "\n".join(failures)
