"""Property-based and fuzz tests (hypothesis) of every pyactx ufunc.

Layout invariance: for random shapes, dtypes (float16/32/64/longdouble),
values (NaN payloads, +-inf, +-0, subnormals, huge), strides (negative,
non-contiguous, zero-stride broadcast views, transposed, unaligned), out=
(itself strided), where= masks, broadcasting and in-place aliasing, the
result is the one of the same call on contiguous copies, bit for bit.  The
softmax family is checked the same way on random axes, and against the
documented row contract (NaN / +inf / all -inf rows).

Garbage in: wrong dtypes, read-only or wrong-shape out, bad parameters and
labels out of range give a clear Python exception (or the documented value)
-- never a crash, never a partial write of out= on error.

Budget: the profile below keeps the file at ~30 s on the CI machine (2
cores).  PYACTX_FUZZ=<factor> multiplies every max_examples for a longer
local run (e.g. PYACTX_FUZZ=20).  The number of examples run is printed at
the end of the module (and `pytest --hypothesis-show-statistics` gives
hypothesis' own per-test statistics).
"""
from __future__ import annotations

import collections
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import pyactx  # noqa: E402
from pyactx import _spec  # noqa: E402

import function_facts as facts  # noqa: E402

# ---------------------------------------------------------------------------
# Profile and bookkeeping.
# ---------------------------------------------------------------------------
FACTOR = float(os.environ.get("PYACTX_FUZZ", "1"))
if os.environ.get("PYACTX_SANITIZED"):          # tools/sanitize.sh: ASan is ~3x slower
    FACTOR *= 0.5


def profile(n):
    return settings(max_examples=max(1, int(n * FACTOR)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


EXAMPLES = collections.Counter()


def count(name):
    EXAMPLES[name] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_examples(request):
    yield
    total = sum(EXAMPLES.values())
    lines = [f"hypothesis examples run in {os.path.basename(__file__)}: {total}"]
    lines += [f"    {k}: {v}" for k, v in sorted(EXAMPLES.items())]
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capman is not None and reporter is not None:
        with capman.global_and_fixture_disabled():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)
    else:
        print("\n".join(lines))


# ---------------------------------------------------------------------------
# The functions, from the spec.
# ---------------------------------------------------------------------------
ACTS = _spec.ACTIVATION_TABLE
UNARY = [getattr(pyactx.ufuncs, n) for a in ACTS if not a.params for n in (a.name, a.name + "_grad")]
PARAM = [getattr(pyactx.ufuncs, n) for a in ACTS if a.params for n in (a.name, a.name + "_grad")]
BINARY = [getattr(pyactx.ufuncs, n) for b in _spec.BINARY_TABLE for n in (b.name, b.name + "_grad")]
ELEMENTWISE = UNARY + PARAM + BINARY
WRAPPERS = [(a.name, a.params[0].name) for a in ACTS if a.params]
G = {g.name: getattr(pyactx.ufuncs, g.name) for g in _spec.GUFUNC_TABLE}   # the raw gufuncs
FLOATS = [np.float16, np.float32, np.float64, np.longdouble]

name_of = {id(u): u.__name__ for u in ELEMENTWISE}

# ---------------------------------------------------------------------------
# Values.
# ---------------------------------------------------------------------------


def nan_with_payload(dtype, payload, negative=False, quiet=True):
    """A NaN of `dtype` with the given mantissa payload, quiet (the quiet bit
    set) or signalling (quiet=False; the payload is then made nonzero)."""
    dtype = np.dtype(dtype)
    if dtype == np.longdouble:
        return np.longdouble(-np.nan if negative else np.nan)
    ibits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dtype.itemsize]
    nexp = {2: 5, 4: 8, 8: 11}[dtype.itemsize]
    nman = dtype.itemsize * 8 - 1 - nexp
    qbit = 1 << (nman - 1)
    payload = int(payload) % qbit
    if quiet:
        payload |= qbit
    else:
        payload = payload or 1
    bits = (((1 << nexp) - 1) << nman) | payload | ((1 << (dtype.itemsize * 8 - 1)) if negative else 0)
    return np.array(bits, dtype=ibits).view(dtype)[()]


def specials(dtype):
    fi = np.finfo(dtype)
    vals = [0.0, -0.0, np.inf, -np.inf, np.nan, fi.max, -fi.max, fi.tiny, -fi.tiny,
            fi.smallest_subnormal, -fi.smallest_subnormal, fi.eps, 1.0, -1.0, 0.5, 3.0, -3.0,
            6.0, 40.0, -40.0, 710.0, -710.0, 1e-8]
    out = [np.asarray(v).astype(dtype)[()] for v in vals]
    out += [nan_with_payload(dtype, 0x2A), nan_with_payload(dtype, 1, quiet=False),
            nan_with_payload(dtype, 0x155, True)]
    return out


def value_arrays(dtype, shape):
    """Arrays of `dtype` mixing ordinary values and every special value."""
    sp = specials(dtype)
    n = int(np.prod(shape)) if shape else 1
    ordinary = st.floats(-50, 50, allow_nan=False, width=64)
    wild = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True, width=64)
    elem = st.one_of(ordinary, ordinary, wild, st.sampled_from(range(len(sp))).map(lambda i: ("s", i)))

    def build(items):
        a = np.empty(n, dtype=dtype)
        with np.errstate(all="ignore"):
            for i, v in enumerate(items):
                a[i] = sp[v[1]] if isinstance(v, tuple) else dtype(v)
        return a.reshape(shape)

    return st.lists(elem, min_size=n, max_size=n).map(build)


# ---------------------------------------------------------------------------
# Layouts: the same values in a different memory layout.
# ---------------------------------------------------------------------------
LAYOUTS = ["contiguous", "strided", "reversed", "transposed", "fortran", "unaligned", "broadcast"]


def relayout(a, kind, rnd, writable=False):
    """A view with the values of `a` laid out as `kind` (`rnd`: a numpy Generator)."""
    if kind == "broadcast" and writable:
        kind = "strided"
    if kind == "contiguous" or a.ndim == 0 and kind != "unaligned":
        return a.copy()
    if kind in ("strided", "reversed"):
        steps = [int(rnd.choice([1, 2, 3, -1, -2])) if kind == "strided" else -1 for _ in a.shape]
        base = np.empty([abs(s) * n + 1 for s, n in zip(steps, a.shape)], dtype=a.dtype)
        index = tuple(slice(None, abs(s) * n, s) if s > 0 else slice(abs(s) * n - 1, None, s)
                      for s, n in zip(steps, a.shape))
        if any(n == 0 for n in a.shape):
            index = tuple(slice(0, 0) if n == 0 else i for n, i in zip(a.shape, index))
        v = base[index]
        v[...] = a
        return v
    if kind == "transposed":
        perm = rnd.permutation(a.ndim)
        inv = np.argsort(perm)
        v = contig(a.transpose(perm)).transpose(inv)
        return v
    if kind == "fortran":
        return np.asfortranarray(a)
    if kind == "unaligned":
        if a.dtype.itemsize == 1:
            return a.copy()
        buf = np.empty(a.nbytes + 1, dtype=np.uint8)
        v = np.frombuffer(buf.data, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
        v[...] = a
        return v
    if kind == "broadcast":
        # values constant along a random subset of axes: a zero-stride view
        small_shape = [1 if (n > 0 and rnd.random() < 0.5) else n for n in a.shape]
        small = a[tuple(slice(0, s) for s in small_shape)].copy()
        return np.broadcast_to(small, a.shape)
    raise AssertionError(kind)


def contig(a):
    """A C-contiguous copy, keeping 0-d arrays 0-d (np.ascontiguousarray
    makes them 1-d)."""
    return np.array(a, order="C", copy=True)


def same_bits(got, want):
    """Bit for bit, except that a NaN may be any NaN: which payload survives
    when two NaN operands meet (NaN * NaN) depends on the operand order, and
    C lets the compiler commute differently in the contiguous (vectorised)
    and strided copies of a loop -- seen in the ASan build.  IEEE 754 leaves
    that payload unspecified too.  Everything else, -0.0 included, must match
    to the bit."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    gnan, wnan = np.isnan(got), np.isnan(want)
    if not np.array_equal(gnan, wnan):
        return False
    if got.dtype == np.longdouble:
        # compare as values (the padding bytes of long double are never written)
        ok = wnan | ((got == want) & (np.signbit(got) == np.signbit(want)))
        return bool(np.all(ok))
    ib = {2: np.uint16, 4: np.uint32, 8: np.uint64}[got.dtype.itemsize]
    gb = np.ascontiguousarray(got).view(ib)
    wb = np.ascontiguousarray(want).view(ib)
    return bool(np.all((gb == wb) | wnan))


def assert_same_bits(got, want, what=""):
    if not same_bits(got, want):
        raise AssertionError(f"{what}: results differ\n got  {np.asarray(got)!r}\n want {np.asarray(want)!r}")


shapes = st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple)
layouts = st.sampled_from(LAYOUTS)
dtypes = st.sampled_from(FLOATS)
seeds = st.integers(0, 2**32 - 1)


def as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


# ---------------------------------------------------------------------------
# 1. Elementwise: layout invariance, out=, where=, broadcasting, aliasing.
# ---------------------------------------------------------------------------
@profile(500)
@given(st.sampled_from(ELEMENTWISE), dtypes, shapes, st.data(), layouts, layouts, seeds)
def test_elementwise_layout_invariance(uf, dtype, shape, data, lay0, lay1, seed):
    count("elementwise layout")
    rnd = np.random.default_rng(seed)
    values = [data.draw(value_arrays(dtype, shape), label=f"x{i}") for i in range(uf.nin)]
    views = [relayout(v, (lay0, lay1)[i], rnd) for i, v in enumerate(values)]
    contiguous = [contig(v) for v in views]
    with np.errstate(all="ignore"):
        want = as_tuple(uf(*contiguous))
        got = as_tuple(uf(*views))
    for g, w in zip(got, want):
        assert_same_bits(g, w, f"{uf.__name__} {lay0}/{lay1} {np.dtype(dtype).name}")


@profile(300)
@given(st.sampled_from(ELEMENTWISE), dtypes, shapes, st.data(), layouts, seeds, st.booleans())
def test_elementwise_out_and_where(uf, dtype, shape, data, lay, seed, use_where):
    count("elementwise out/where")
    rnd = np.random.default_rng(seed)
    xs = [relayout(data.draw(value_arrays(dtype, shape)), lay, rnd) for _ in range(uf.nin)]
    with np.errstate(all="ignore"):
        want = as_tuple(uf(*[contig(x) for x in xs]))
    sentinel = np.asarray(-7.25, dtype=dtype)
    outs = tuple(relayout(np.full(shape, sentinel, dtype=dtype), data.draw(layouts), rnd, writable=True)
                 for _ in range(uf.nout))
    kw = {}
    if use_where:
        # a mask broadcast along a random subset of leading axes
        mshape = tuple(1 if rnd.random() < 0.3 else n for n in shape)
        mask = rnd.random(mshape) < 0.5
        kw["where"] = mask
    with np.errstate(all="ignore"):
        r = uf(*xs, out=outs if uf.nout > 1 else outs[0], **kw)
    for res, o in zip(as_tuple(r), outs):
        assert res is o
    for o, w in zip(outs, want):
        if use_where:
            m = np.broadcast_to(kw["where"], shape)
            assert_same_bits(o[m], w[m], f"{uf.__name__} where=True part")
            assert_same_bits(o[~m], np.full(int((~m).sum()), sentinel, dtype=dtype),
                             f"{uf.__name__} where=False part untouched")
        else:
            assert_same_bits(o, w, f"{uf.__name__} out=")


@profile(250)
@given(st.sampled_from(ELEMENTWISE), dtypes, st.integers(1, 9), st.data(), seeds,
       st.sampled_from(["exact", "shifted_fwd", "shifted_back", "both_inputs"]))
def test_elementwise_inplace_aliasing(uf, dtype, n, data, seed, mode):
    """out= is an input (exactly, or shifted by one element: partial overlap)."""
    count("elementwise aliasing")
    assume(uf.nout == 1)
    rnd = np.random.default_rng(seed)
    vals = [data.draw(value_arrays(dtype, (n,))) for _ in range(uf.nin)]
    if mode == "both_inputs":
        vals = [vals[0]] * uf.nin
    with np.errstate(all="ignore"):
        want = uf(*[v.copy() for v in vals])
    k = int(rnd.integers(uf.nin))
    step = int(rnd.choice([1, 2, -1]))
    if mode == "exact" or mode == "both_inputs":
        base = np.empty(abs(step) * n, dtype=dtype)
        x = base[::step]
        x[...] = vals[k]
        args = [x if (i == k or mode == "both_inputs") else vals[i] for i in range(uf.nin)]
        with np.errstate(all="ignore"):
            r = uf(*args, out=x)
        assert r is x
        assert_same_bits(x, want, f"{uf.__name__} in place ({mode}, step {step})")
    else:
        base = np.empty(n + 1, dtype=dtype)
        if mode == "shifted_fwd":
            x, out = base[1:], base[:-1]
        else:
            x, out = base[:-1], base[1:]
        x[...] = vals[k]
        args = [x if i == k else vals[i] for i in range(uf.nin)]
        with np.errstate(all="ignore"):
            uf(*args, out=out)
        assert_same_bits(out, want, f"{uf.__name__} partial overlap ({mode})")


@profile(150)
@given(st.sampled_from(PARAM + BINARY), dtypes, dtypes, st.data(), seeds)
def test_elementwise_broadcasting_and_mixed_dtypes(uf, dt0, dt1, data, seed):
    """Second input broadcast (scalar, row, column) and of another float
    dtype: same bits as the explicitly broadcast, promoted, contiguous call."""
    count("elementwise broadcasting")
    rnd = np.random.default_rng(seed)
    shape = (int(rnd.integers(0, 4)), int(rnd.integers(1, 5)))
    x = data.draw(value_arrays(dt0, shape))
    pshape = [(), (1,), (shape[1],), (shape[0], 1), (1, shape[1])][int(rnd.integers(5))]
    p = data.draw(value_arrays(dt1, pshape))
    with np.errstate(all="ignore"):
        got = as_tuple(uf(x, p))
        rt = np.result_type(x, p)
        want = as_tuple(uf(contig(x.astype(rt)),
                           contig(np.broadcast_to(p.astype(rt), shape))))
    for g, w in zip(got, want):
        assert_same_bits(g, w, f"{uf.__name__} broadcast {pshape}")


@profile(200)
@given(st.sampled_from(ELEMENTWISE), dtypes, st.data())
def test_nan_in_nan_out_without_flags(uf, dtype, data):
    """Documented (pyactx.h): a quiet NaN input gives NaN and raises no
    flag (the other inputs inside every function's domain)."""
    count("elementwise NaN in")
    payload = data.draw(st.integers(0, 500))
    nan = nan_with_payload(dtype, payload, data.draw(st.booleans()))
    others = [data.draw(st.sampled_from([0.25, 0.5, 0.75])) for _ in range(uf.nin)]
    k = data.draw(st.integers(0, uf.nin - 1))
    args = [np.asarray(nan if i == k else others[i], dtype=dtype) for i in range(uf.nin)]
    with np.errstate(all="raise"):
        r = as_tuple(uf(*args))
    # gate gradients: d/da of a * sigmoid(b) does not depend on a (NaN a gives
    # a number for da), so one of the two outputs is required to be NaN there
    if uf.nout == 1:
        assert np.isnan(r[0]), f"{uf.__name__}({args}) = {r[0]}"
    else:
        assert np.isnan(r[0]) or np.isnan(r[1]), f"{uf.__name__}({args}) = {r}"


@pytest.mark.parametrize("uf", ELEMENTWISE, ids=lambda u: u.__name__)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_signalling_nan_gives_nan(uf, dtype):
    """A signalling NaN is still a NaN out; it may raise 'invalid' (IEEE 754,
    as np.multiply does), which under errstate(raise) is FloatingPointError."""
    count("elementwise signalling NaN (parametrized cases)")
    snan = nan_with_payload(dtype, 0x15, quiet=False)
    for k in range(uf.nin):
        args = [np.full(3, snan if i == k else 0.5, dtype=dtype) for i in range(uf.nin)]
        with np.errstate(all="ignore"):
            r = as_tuple(uf(*args))
        assert any(np.isnan(x).all() for x in r), (uf.__name__, r)
        with np.errstate(all="raise"):
            try:
                uf(*args)
            except FloatingPointError:
                pass


PARAM_GARBAGE = [0.0, -0.0, -1.0, -1e-300, 1e-300, 5e-324, 1e300, -1e300, np.inf, -np.inf,
                 np.nan, 1.7976931348623157e308, -2.0]


@profile(250)
@given(st.sampled_from(WRAPPERS), st.booleans(), dtypes, st.sampled_from(PARAM_GARBAGE), st.data())
def test_garbage_parameters(wrapper, grad, dtype, p, data):
    """Huge / tiny / negative / zero / NaN parameters: a value (NaN with
    'invalid' where documented) or FloatingPointError under
    errstate(raise) -- never a crash; same as the raw ufunc, bit for bit."""
    count("garbage parameters")
    name, pname = wrapper
    fn = getattr(pyactx, name + ("_grad" if grad else ""))
    uf = getattr(pyactx.ufuncs, name + ("_grad" if grad else ""))
    x = data.draw(value_arrays(dtype, (7,)))
    # the keyword wrappers refuse some parameters (PyTorch's checks, see
    # tests/ufunc/test_conventions.py; the ``param_refused`` facts of
    # function_facts.py); the raw ufunc takes them all
    refused = facts.param_refused(name, p)
    if refused:
        with pytest.raises(ValueError, match=pname):
            fn(x, **{pname: p})
        with np.errstate(all="ignore"):
            uf(x, np.asarray(p).astype(dtype))
        return
    with np.errstate(all="ignore"):
        r = fn(x, **{pname: p})
        raw = uf(x, np.asarray(p).astype(dtype))
    assert r.shape == x.shape and r.dtype == np.dtype(dtype)
    assert_same_bits(r, raw, f"{name} {pname}={p}")
    with np.errstate(all="raise"):
        try:
            fn(x, **{pname: p})
        except FloatingPointError:
            pass


# ---------------------------------------------------------------------------
# 2. Softmax family on random axes.
# ---------------------------------------------------------------------------
def _row_values(dtype, shape):
    return value_arrays(dtype, shape)


gu_shapes = st.lists(st.integers(0, 5), min_size=1, max_size=3).map(tuple)


@profile(300)
@given(st.sampled_from(["softmax", "log_softmax", "logsumexp"]), dtypes, gu_shapes, st.data(),
       layouts, seeds)
def test_softmax_family_axis_and_layout(name, dtype, shape, data, lay, seed):
    count("gufunc axis/layout")
    f = G[name]
    rnd = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(_row_values(dtype, shape))
    xv = relayout(x, lay, rnd)
    with np.errstate(all="ignore"):
        got = f(xv, axis=axis)
        want = f(contig(xv), axis=axis)
        # the same rows moved to the last axis
        moved = f(contig(np.moveaxis(xv, axis, -1)))
    assert_same_bits(got, want, f"{name} axis={axis} {lay}")
    if name != "logsumexp":
        moved = np.moveaxis(moved, -1, axis)
    assert_same_bits(got, moved, f"{name} axis={axis} vs moveaxis")


@profile(200)
@given(st.sampled_from(["softmax", "log_softmax", "logsumexp", "softmax_jacobian"]), dtypes,
       gu_shapes, st.data(), seeds, st.booleans())
def test_softmax_family_out(name, dtype, shape, data, seed, inplace):
    count("gufunc out/in place")
    f = G[name]
    rnd = np.random.default_rng(seed)
    x = data.draw(_row_values(dtype, shape))
    with np.errstate(all="ignore"):
        want = f(x.copy())
    if inplace and name in ("softmax", "log_softmax"):
        xv = relayout(x, data.draw(layouts), rnd, writable=True)
        with np.errstate(all="ignore"):
            r = f(xv, out=xv)
        assert r is xv
        assert_same_bits(xv, want, f"{name} in place")
        return
    out = relayout(np.full(want.shape, -7.25, dtype=dtype), data.draw(layouts), rnd, writable=True)
    with np.errstate(all="ignore"):
        r = f(x, out=out)
    assert r is out
    assert_same_bits(out, want, f"{name} out=")


@profile(200)
@given(st.sampled_from(["softmax_vjp", "log_softmax_vjp"]), dtypes, gu_shapes, st.data(), layouts,
       layouts, seeds, st.sampled_from(["none", "x", "g"]))
def test_vjp_layout_and_aliasing(name, dtype, shape, data, lay0, lay1, seed, alias):
    count("gufunc vjp")
    f = G[name]
    rnd = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(_row_values(dtype, shape))
    g = data.draw(_row_values(dtype, shape))
    xv, gv = relayout(x, lay0, rnd, writable=alias == "x"), relayout(g, lay1, rnd, writable=alias == "g")
    with np.errstate(all="ignore"):
        want = f(contig(xv), contig(gv), axis=axis)
        if alias == "none":
            got = f(xv, gv, axis=axis)
        else:
            target = xv if alias == "x" else gv
            got = f(xv, gv, axis=axis, out=target)
            assert got is target
    assert_same_bits(got, want, f"{name} axis={axis} {lay0}/{lay1} out={alias}")


@profile(250)
@given(st.sampled_from(["cross_entropy", "cross_entropy_grad"]), dtypes, gu_shapes, st.data(), layouts,
       seeds, st.booleans())
def test_cross_entropy_layouts(name, dtype, shape, data, lay, seed, scalar_label):
    count("gufunc cross_entropy")
    f = G[name]
    rnd = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    assume(n > 0)
    batch = tuple(s for i, s in enumerate(shape) if i != axis % len(shape))
    x = data.draw(_row_values(dtype, shape))
    if scalar_label:
        labels = np.int64(rnd.integers(0, n))
    else:
        labels = rnd.integers(0, n, size=batch).astype(np.int64)
    xv = relayout(x, lay, rnd)
    lv = relayout(np.asarray(labels), data.draw(layouts), rnd)
    with np.errstate(all="ignore"):
        want = f(contig(xv), contig(lv), axis=axis)
        got = f(xv, lv, axis=axis)
    assert_same_bits(got, want, f"{name} axis={axis} {lay}")


@profile(200)
@given(dtypes, st.integers(1, 6), st.data())
def test_softmax_row_contract(dtype, n, data):
    """SOFTMAX_ROW_NOTES: -inf entries give exactly 0; a row of all -inf gives
    NaN (log_softmax NaN, logsumexp -inf); a row with NaN gives NaN; a row
    with +inf (no NaN) gives NaN (logsumexp +inf) -- and no flag for these."""
    count("gufunc row contract")
    pool = [np.nan, np.inf, -np.inf, 0.0, 1.0, -1.0, 30.0, -30.0]
    row = np.array(data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)), dtype=dtype)
    with np.errstate(invalid="raise", divide="raise", over="raise"):
        sm = pyactx.softmax(row)
        lsm = pyactx.log_softmax(row)
        lse = pyactx.logsumexp(row)
    if np.isnan(row).any():
        assert np.isnan(sm).all() and np.isnan(lsm).all() and np.isnan(lse)
    elif np.isposinf(row).any():
        assert np.isnan(sm).all() and np.isnan(lsm).all() and lse == np.inf
    elif np.isneginf(row).all():
        assert np.isnan(sm).all() and np.isnan(lsm).all() and lse == -np.inf
    else:
        fin = np.isfinite(row)
        assert np.all(sm[~fin] == 0) and np.all(lsm[~fin] == -np.inf)
        assert np.all(np.isfinite(sm[fin]))
        tol = 4 * n * max(float(np.finfo(dtype).eps), float(np.finfo(np.float64).eps))
        assert abs(float(sm.astype(np.float64).sum()) - 1.0) < tol


# ---------------------------------------------------------------------------
# 3. Garbage in: exceptions, and out= untouched when one is raised.
# ---------------------------------------------------------------------------
def _call_args(uf, x):
    return [x] * uf.nin


BAD_INPUTS = [
    ("complex", lambda: np.array([1 + 2j, 3j]), TypeError),
    ("str", lambda: np.array(["a", "b"]), TypeError),
    ("object", lambda: np.array([object(), object()], dtype=object), TypeError),
    ("datetime", lambda: np.array(["2020-01-01", "2021-01-01"], dtype="M8[D]"), TypeError),
    ("timedelta", lambda: np.array([1, 2], dtype="m8[s]"), TypeError),
    ("bytes", lambda: np.array([b"a", b"b"]), TypeError),
]


@pytest.mark.parametrize("uf", ELEMENTWISE + [G[k] for k in ("softmax", "log_softmax", "softmax_vjp")],
                         ids=lambda u: u.__name__)
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=lambda b: b[0])
def test_wrong_input_dtypes_raise_typeerror(uf, bad):
    count("garbage dtype (parametrized cases)")
    _, make, exc = bad
    x = make()
    out = tuple(np.full(x.shape, -7.25) for _ in range(uf.nout))
    before = [o.copy() for o in out]
    with pytest.raises(exc):
        uf(*_call_args(uf, x), out=out if uf.nout > 1 else out[0])
    for o, b in zip(out, before):
        assert_same_bits(o, b, "out untouched")


OUT_ERRORS = ["readonly", "wrong_shape", "int_dtype", "too_small_broadcast", "wrong_count"]


@pytest.mark.parametrize("uf", ELEMENTWISE + list(G.values()), ids=lambda u: u.__name__)
@pytest.mark.parametrize("err", OUT_ERRORS)
def test_bad_out_raises_and_writes_nothing(uf, err):
    count("garbage out (parametrized cases)")
    x = np.linspace(0.1, 0.9, 12).reshape(3, 4)
    args = [x] * uf.nin
    if uf is G["cross_entropy"] or uf is G["cross_entropy_grad"]:
        args = [x, np.array([0, 1, 2])]
    want = as_tuple(uf(*args))
    outs = [np.full(w.shape, -7.25) for w in want]
    if err == "readonly":
        for o in outs:
            o.flags.writeable = False
        exc = ValueError
    elif err == "wrong_shape":
        outs = [np.full(w.shape + (2,), -7.25) for w in want]
        exc = ValueError
    elif err == "int_dtype":
        outs = [np.full(w.shape, -7, dtype=np.int64) for w in want]
        exc = TypeError
    elif err == "too_small_broadcast":
        outs = [np.full(w.shape[:-1] + (1,) if w.ndim else (2,), -7.25) for w in want]
        exc = ValueError
    else:  # wrong number of outputs
        outs = outs + [np.full(want[0].shape, -7.25)]
        exc = (ValueError, TypeError)
    before = [o.copy() for o in outs]
    with pytest.raises(exc):
        uf(*args, out=tuple(outs))
    for o, b in zip(outs, before):
        assert_same_bits(o, b, f"{uf.__name__} {err}: out untouched")


def test_gufuncs_refuse_where():
    # NumPy gufuncs take no where=: a clear TypeError, not a silent ignore
    x = np.ones((2, 3))
    with pytest.raises(TypeError):
        pyactx.softmax(x, where=np.ones((2, 3), bool))


BAD_LABELS = [-(2**63), -6, -4, 3, 4, 2**63 - 1]


@profile(250)
@given(st.sampled_from(["cross_entropy", "cross_entropy_grad"]), dtypes, st.integers(0, 4),
       st.integers(1, 6), st.data(), seeds)
def test_bad_labels_raise_and_write_nothing(name, dtype, rows, n, data, seed):
    """Labels out of [0, n): ValueError naming the label, out= untouched.
    One batch axis here (one inner-loop call); several batch axes: see the
    test below."""
    count("garbage labels")
    f = G[name]
    rnd = np.random.default_rng(seed)
    x = rnd.standard_normal((rows, n)).astype(dtype)
    labels = rnd.integers(0, n, size=rows).astype(np.int64)
    bad = data.draw(st.sampled_from([-(2**63), 2**63 - 1, n, n + 1, -1, -n, -n - 1, 10**9]))
    if rows:
        labels[data.draw(st.integers(0, rows - 1))] = bad
    out_shape = (rows,) if name == "cross_entropy" else (rows, n)
    out = relayout(np.full(out_shape, -7.25, dtype=dtype), data.draw(layouts), rnd, writable=True)
    before = out.copy()
    if rows == 0:
        f(x, labels, out=out)
        return
    with pytest.raises(ValueError, match=f"label {bad} out of range for {n} classes"):
        f(x, labels, out=out)
    assert_same_bits(out, before, "out untouched")


@pytest.mark.parametrize("name", ["cross_entropy", "cross_entropy_grad"])
@pytest.mark.parametrize("form", ["axis=-1", "axis=2", "axis=np.int64", "class axis 0"])
def test_bad_label_multi_batch_writes_nothing(name, form):
    """Two batch axes NumPy cannot coalesce (a non-contiguous out=) make it
    call the loop once per outer index; pyactx.cross_entropy checks the
    labels of the whole call before that, so the bad label in the last chunk
    leaves out= untouched.  (The raw gufunc checks each chunk before it
    writes it.)"""
    f = getattr(pyactx, name)
    x = np.random.default_rng(0).standard_normal((2, 3, 5))
    labels = np.zeros((2, 6), dtype=np.int64)[:, ::2]      # (2, 3), not coalescable
    labels[1, 2] = 99
    kw = {}
    if form == "axis=2":
        kw = {"axis": 2}
    elif form == "axis=np.int64":
        kw = {"axis": np.int64(-1)}
    elif form == "class axis 0":
        x = np.moveaxis(x, 2, 0)
        kw = {"axis": 0}
    shape = (2, 3) if name == "cross_entropy" else ((5, 2, 3) if form == "class axis 0" else (2, 3, 5))
    big = np.full((shape[0] * 2,) + shape[1:], -7.25)
    out = big[::2]                                           # non-contiguous: splits the loop
    with pytest.raises(ValueError, match="label 99 out of range for 5 classes"):
        f(x, labels, out=out, **kw)
    assert np.all(big == -7.25)
    # the same call with the label fixed works and fills out=
    labels[1, 2] = 4
    f(x, labels, out=out, **kw)
    assert_same_bits(out, f(np.ascontiguousarray(x), np.ascontiguousarray(labels), **kw), "fixed")


@pytest.mark.parametrize("name", ["cross_entropy", "cross_entropy_grad"])
def test_float_labels_refused(name):
    x = np.ones((2, 3))
    for lab in (np.array([0.0, 1.0]), np.array([0.5, 1.0]), np.array([1 + 0j, 0j])):
        with pytest.raises(TypeError):
            G[name](x, lab)
    with pytest.raises(ValueError):          # empty class axis: no label is valid
        G[name](np.ones((2, 0)), np.array([0, 0]))
    assert G[name](np.ones((0, 3)), np.zeros(0, dtype=np.int64)).shape[0] == 0


@pytest.mark.parametrize("name", ["cross_entropy", "cross_entropy_grad"])
@pytest.mark.parametrize("ltype", [np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32])
def test_other_integer_labels_accepted(name, ltype):
    """spec: 'label must be an integer in [-n, n)' -- any integer type that
    converts to int64 exactly gives the int64 result"""
    x = np.random.default_rng(1).standard_normal((3, 4))
    want = G[name](x, np.array([0, 3, 1], dtype=np.int64))
    got = G[name](x, np.array([0, 3, 1], dtype=ltype))
    assert_same_bits(got, want, f"{np.dtype(ltype).name} labels")


@pytest.mark.parametrize("name", ["cross_entropy", "cross_entropy_grad"])
def test_uint64_labels_do_not_wrap_around(name):
    x = np.random.default_rng(1).standard_normal((3, 4))
    with pytest.raises((TypeError, ValueError)):
        G[name](x, np.array([0, 1, 2**64 - 1], dtype=np.uint64))
