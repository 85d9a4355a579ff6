"""Regression tests: correct under every call NumPy allows.

Each test reproduces a failure found by trying to break pyactx on purpose
(overlapping out= with threads, accumulate, small thread stacks, the
caller's floating-point mode, spurious flags, NaN payloads, builds with
-O0 / -ffast-math, a kink convention), run on every instruction-set path and
for 1, 2 and many threads where that matters.
"""
import ctypes
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pyactx
from pyactx import _spec

import function_facts as facts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOATS = [np.float16, np.float32, np.float64, np.longdouble]
THREADS = [1, 2, 5]
N_BIG = 200_001          # above the thread pool's split size (2**16 per part)

UNARY = [a.name for a in _spec.ACTIVATION_TABLE if not a.params]
PARAM = [a.name for a in _spec.ACTIVATION_TABLE if a.params]
BINARY = [b.name for b in _spec.BINARY_TABLE]
GATES = [b.name for b in _spec.BINARY_TABLE if b.kind == "gate"]
TWO_IN_ONE_OUT = PARAM + [p + "_grad" for p in PARAM] + BINARY + [
    b.name + "_grad" for b in _spec.BINARY_TABLE if b.kind != "gate"]


@pytest.fixture(params=pyactx.available_dispatch())
def isa(request):
    old = pyactx.get_dispatch()
    pyactx.set_dispatch(request.param)
    yield request.param
    pyactx.set_dispatch(old)


@pytest.fixture(params=THREADS)
def threads(request):
    old = pyactx.get_num_threads()
    pyactx.set_num_threads(request.param)
    yield request.param
    pyactx.set_num_threads(old)


def _bits(a):
    a = np.asarray(a)
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize]) if a.itemsize <= 8 else a


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == np.longdouble:
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(_bits(a), _bits(b))


# --------------------------------------------------------------------------
# 1. out= overlapping the input, with threads: in order, or not at all.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shift", [1, -1, 3, -64, 65])
@pytest.mark.parametrize("dt", FLOATS)
def test_overlapping_out_unary(isa, threads, dt, shift):
    base = np.linspace(-5, 5, N_BIG + abs(shift)).astype(dt)
    k = abs(shift)
    # shift > 0: output trails the input (NumPy passes it to the loop);
    # shift < 0: output leads it (NumPy copies first).  Both must be right.
    src, dst = (slice(k, None), slice(None, -k)) if shift > 0 else (slice(None, -k), slice(k, None))
    for name in ("sigmoid", "gelu", "silu_grad", "relu"):
        uf = getattr(pyactx.ufuncs, name)
        b = base.copy()
        with np.errstate(all="ignore"):
            ref = uf(b[src].copy())
            uf(b[src], out=b[dst])
        assert _same(b[dst], ref), (name, dt, shift)


@pytest.mark.parametrize("dt", FLOATS)
def test_overlapping_out_two_inputs(isa, threads, dt):
    rng = np.random.default_rng(1)
    for name in ("swish", "softplus", "glu", "binary_cross_entropy_grad"):
        uf = getattr(pyactx.ufuncs, name)
        base = rng.standard_normal(N_BIG + 1).astype(dt)
        p = np.abs(rng.standard_normal(N_BIG)).astype(dt) + dt(0.5)
        with np.errstate(all="ignore"):
            ref = uf(base[1:].copy(), p)
            uf(base[1:], p, out=base[:-1])
        assert _same(base[:-1], ref), (name, dt)
        # the second input overlapping the output
        base = rng.standard_normal(N_BIG + 1).astype(dt)
        x = rng.standard_normal(N_BIG).astype(dt)
        with np.errstate(all="ignore"):
            ref = uf(x, base[1:].copy())
            uf(x, base[1:], out=base[:-1])
        assert _same(base[:-1], ref), (name, dt, "second")


@pytest.mark.parametrize("dt", FLOATS)
def test_overlapping_out_gate_grads(isa, threads, dt):
    rng = np.random.default_rng(2)
    for name in GATES:
        uf = getattr(pyactx.ufuncs, name + "_grad")
        base = rng.standard_normal(2 * N_BIG + 3).astype(dt)
        a, b = base[2:N_BIG + 2], base[N_BIG + 3:]
        ra, rb = uf(a.copy(), b.copy())
        o0, o1 = base[1:N_BIG + 1], base[N_BIG + 2:-1]     # each trails an input by one
        with np.errstate(all="ignore"):
            uf(a, b, out=(o0, o1))
        assert _same(o0, ra) and _same(o1, rb), (name, dt)


# --------------------------------------------------------------------------
# 2. accumulate / reduce: element i - 1 is written before element i is read.
# --------------------------------------------------------------------------
ACC_NAMES = ["softplus", "swish", "celu", "squareplus", "glu", "swiglu", "elu_grad",
             "softplus_grad"]


def _accumulate_slow(uf, x):
    out = [x[0]]
    for v in x[1:]:
        out.append(uf(np.asarray(out[-1]), v)[()])
    return np.array(out, dtype=x.dtype)


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("name", ACC_NAMES)
def test_accumulate_reads_what_it_wrote(isa, dt, name):
    uf = getattr(pyactx.ufuncs, name)
    for x in (np.array([.5, .25, .75, .1, .3], dtype=dt),
              np.random.default_rng(3).uniform(0.05, 1.0, 1000).astype(dt)):
        with np.errstate(all="ignore"):
            ref = _accumulate_slow(uf, x)
            for fill in (0.0, 7.0):
                got = uf.accumulate(x, out=np.full(x.shape, fill, dtype=dt))
                assert _same(got, ref), (name, dt, fill)
            # strided output
            out = np.full(2 * len(x), 7.0, dtype=dt)[::2]
            uf.accumulate(x, out=out)
            assert _same(out, ref), (name, dt, "strided")
            # reduce is the last element of accumulate
            assert _same(uf.reduce(x), ref[-1])


def test_accumulate_issue_example():
    x = np.array([.5, .25, .75, .1, .3])
    want = _accumulate_slow(pyactx.ufuncs.softplus, x)
    np.testing.assert_allclose(want, [.5, 3.03, 3.16, 8.64, 8.88], atol=0.01)
    for fill in (0.0, 7.0):
        assert _same(pyactx.ufuncs.softplus.accumulate(x, out=np.full(5, fill)), want)


# --------------------------------------------------------------------------
# 3. A thread with a 64 KiB stack (legal; the row kernels once kept ~56 KB
#    of scratch on the stack).  Run in a subprocess: a crash kills it.
# --------------------------------------------------------------------------
def test_small_thread_stack_runs_everything():
    code = textwrap.dedent("""
        import threading, numpy as np, pyactx
        from pyactx import _spec
        pyactx.set_num_threads(1)
        errors = []
        def work():
            try:
                rng = np.random.default_rng(0)
                dts = (np.float16, np.float32, np.float64, np.longdouble)
                try:
                    import ml_dtypes            # registers pyactx's bfloat16 loops
                    dts += (ml_dtypes.bfloat16,)
                except ImportError:
                    pass
                for dt in dts:
                    x = rng.standard_normal(3000).astype(dt)
                    for a in _spec.ACTIVATION_TABLE:
                        for n in (a.name, a.name + "_grad"):
                            f = getattr(pyactx.ufuncs, n)
                            f(x) if not a.params else f(x, dt(a.params[0].default))
                            f(x[::3]) if not a.params else f(x[::3], dt(a.params[0].default))
                    for b in _spec.BINARY_TABLE:
                        getattr(pyactx.ufuncs, b.name)(x, x)
                        getattr(pyactx.ufuncs, b.name + "_grad")(x, x)
                        # strided: gathered blocks, then the range function
                        getattr(pyactx.ufuncs, b.name + "_grad")(x[::3], x[::3])
                    for n in (3, 100, 3000, 5000):
                        r = rng.standard_normal((2, n)).astype(dt)
                        pyactx.ufuncs.softmax(r); pyactx.ufuncs.log_softmax(r)
                        pyactx.ufuncs.logsumexp(r); pyactx.ufuncs.softmax_vjp(r, r)
                        pyactx.ufuncs.log_softmax_vjp(r, r)
                        pyactx.ufuncs.cross_entropy(r, np.array([0, 1]))
                        pyactx.ufuncs.cross_entropy_grad(r, np.array([0, 1]))
                        pyactx.ufuncs.softmax(r[:, ::2])
                        if n <= 1000:
                            pyactx.ufuncs.softmax_jacobian(r)
            except BaseException as e:
                errors.append(repr(e))
        threading.stack_size(64 * 1024)
        t = threading.Thread(target=work)
        t.start(); t.join()
        print("ERRORS", errors)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert "ERRORS []" in r.stdout, r.stdout[-2000:]


# --------------------------------------------------------------------------
# 5. The caller's floating-point mode is the workers' mode.
# --------------------------------------------------------------------------
def _libm():
    try:
        return ctypes.CDLL("libm.so.6")
    except OSError:
        pytest.skip("no libm.so.6 to change the rounding mode with")


FE_UPWARD = 0x800          # x86 / glibc values
FE_TOWARDZERO = 0xc00


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.uname().machine != "x86_64",
                    reason="x86-64 glibc rounding-mode constants")
@pytest.mark.parametrize("mode", [FE_UPWARD, FE_TOWARDZERO])
def test_rounding_mode_does_not_depend_on_threads(mode):
    libm = _libm()
    x = np.random.default_rng(4).standard_normal(300_000)
    old = pyactx.get_num_threads()
    results = []
    try:
        for nt in THREADS:
            pyactx.set_num_threads(nt)
            assert libm.fesetround(mode) == 0
            try:
                with np.errstate(all="ignore"):
                    results.append([pyactx.sigmoid(x), pyactx.gelu(x.astype(np.float32)),
                                    pyactx.ufuncs.softplus(x, 2.0)])
            finally:
                libm.fesetround(0)
    finally:
        pyactx.set_num_threads(old)
    for r in results[1:]:
        for a, b in zip(results[0], r):
            assert _same(a, b)


def _mxcsr_lib(tmp_path_factory):
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None or os.uname().machine != "x86_64":
        pytest.skip("needs a C compiler on x86-64")
    d = tmp_path_factory.mktemp("mxcsr")
    src = d / "mxcsr.c"
    src.write_text("#include <xmmintrin.h>\n"
                   "unsigned get_csr(void) { return _mm_getcsr(); }\n"
                   "void set_csr(unsigned v) { _mm_setcsr(v); }\n")
    so = d / "mxcsr.so"
    subprocess.run([cc, "-shared", "-fPIC", "-O1", str(src), "-o", str(so)], check=True)
    lib = ctypes.CDLL(str(so))
    lib.get_csr.restype = ctypes.c_uint
    lib.set_csr.argtypes = [ctypes.c_uint]
    return lib


def test_flush_to_zero_does_not_depend_on_threads(tmp_path_factory):
    """As after torch.set_flush_denormal(True): FTZ and DAZ set in MXCSR."""
    lib = _mxcsr_lib(tmp_path_factory)
    x = np.full(200_000, 1e-310)
    x32 = np.full(200_000, 1e-40, dtype=np.float32)
    old_nt, old_csr = pyactx.get_num_threads(), lib.get_csr()
    results = []
    try:
        for nt in THREADS:
            pyactx.set_num_threads(nt)
            lib.set_csr(old_csr | 0x8040)                 # FTZ | DAZ
            try:
                with np.errstate(all="ignore"):
                    results.append([pyactx.silu(x), pyactx.silu(x32), pyactx.gelu(-x * 1e310 * 30)])
            finally:
                lib.set_csr(old_csr)
    finally:
        pyactx.set_num_threads(old_nt)
    assert np.all(results[0][0] == 0)                    # DAZ: the input reads as 0
    for r in results[1:]:
        for a, b in zip(results[0], r):
            assert _same(a, b)


# --------------------------------------------------------------------------
# 6. No spurious flag from swiglu_grad with an infinite b.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 7, 8, 64, 1000])
def test_swiglu_grad_infinite_b(isa, dt, n):
    for a0 in (-1000.0, -1e5, -80.0, 5.0):
        for binf in (np.inf, -np.inf):
            a, b = np.full(n, a0, dtype=dt), np.full(n, binf, dtype=dt)
            with np.errstate(all="raise"):
                da, db = pyactx.swiglu_grad(a, b)
            # silu'(a) < 0 for a < -1.2785, > 0 above; never exactly 0
            want = -binf if a0 < 0 else binf
            assert np.all(da == want), (a0, binf, da[:3])
            # db = silu(a) (the gate's own kernel may differ in the last bit)
            np.testing.assert_allclose(db, pyactx.silu(a), rtol=4 * np.finfo(dt).eps)


# --------------------------------------------------------------------------
# 7. The C headers refuse -ffast-math; the C tests pass at -O0.
# --------------------------------------------------------------------------
HAVE_CC = shutil.which("make") is not None and shutil.which(os.environ.get("CC", "cc")) is not None


@pytest.mark.skipif(not HAVE_CC, reason="no C compiler / make")
@pytest.mark.parametrize("flag", ["-ffast-math", "-ffinite-math-only", "-Ofast"])
def test_headers_refuse_fast_math(tmp_path, flag):
    src = tmp_path / "t.c"
    src.write_text('#include "pyactx/rows.h"\nint main(void) { return 0; }\n')
    r = subprocess.run([os.environ.get("CC", "cc"), flag, "-std=c11", "-I",
                        os.path.join(ROOT, "csrc", "include"), "-c", str(src), "-o",
                        str(tmp_path / "t.o")], capture_output=True, text=True)
    assert r.returncode != 0
    assert "#error" in r.stderr and "pyactx" in r.stderr


@pytest.mark.skipif(not HAVE_CC, reason="no C compiler / make")
def test_c_core_tests_pass_at_O0(tmp_path):
    build = tmp_path / "csrc"
    shutil.copytree(os.path.join(ROOT, "csrc"), build, ignore=shutil.ignore_patterns("build"))
    r = subprocess.run(["make", "-C", str(build), "test",
                        "CFLAGS=-O0 -std=c11 -Wall -Wextra -Wno-unused-function -fno-math-errno -ffp-contract=off"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "FAIL " not in r.stdout


# --------------------------------------------------------------------------
# 8. NaN payloads: the same bits for any layout.
# --------------------------------------------------------------------------
def _payload_nans(dt, n, tag):
    u = {np.float32: np.uint32, np.float64: np.uint64, np.float16: np.uint16}[dt]
    a = np.full(n, np.nan, dtype=dt).view(u) | u(tag)
    return a.view(dt)


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", TWO_IN_ONE_OUT + [g + "_grad" for g in GATES])
def test_nan_payload_independent_of_layout(isa, dt, name):
    uf = getattr(pyactx.ufuncs, name)
    n = 37
    a, b = _payload_nans(dt, n, 1), _payload_nans(dt, n, 2)
    with np.errstate(all="ignore"):
        contiguous = uf(a, b)
        strided = uf(np.repeat(a, 2)[::2], np.repeat(b, 2)[::2])
        single = [uf(a[:1], b[:1])]
    if uf.nout == 1:
        contiguous, strided, single = (contiguous,), (strided,), (single[0],)
    else:
        single = single[0]
    for c, s, one in zip(contiguous, strided, single):
        assert _same(c, s), name
        assert _same(c[:1], one), name
        assert _same(c, np.repeat(c[:1], n))
        # the first input's payload, quieted
        assert _same(c[:1], (a[:1].view(_bits(a).dtype) | _bits(np.array(np.nan, dt))).view(dt))


# --------------------------------------------------------------------------
# 9. hard_silu_grad at the kinks follows PyTorch (autograd and
#    aten.hardswish_backward): 0 at -3, 1 at 3 (the ``kinks`` facts of
#    function_facts.py).
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dt", FLOATS)
def test_hard_silu_grad_kinks_follow_pytorch(isa, dt):
    (k0, want0), (k1, want1) = facts.kinks("hard_silu")
    assert (k0, k1) == (-3.0, 3.0)
    x = np.array([k0, k1, -np.nextafter(dt(3), dt(4)), np.nextafter(dt(3), dt(0))], dtype=dt)
    g = pyactx.hard_silu_grad(x)
    assert g[0] == want0 and g[1] == want1
    assert g[2] == 0
    assert np.isclose(g[3], 1.5, rtol=1e-3)


def test_hard_silu_grad_matches_torch():
    torch = pytest.importorskip("torch")
    x = torch.tensor([-3.5, -3.0, -1.5, 0.0, 2.9, 3.0, 3.5], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.hardswish(x).sum().backward()
    np.testing.assert_array_equal(pyactx.hard_silu_grad(x.detach().numpy()), x.grad.numpy())


# --------------------------------------------------------------------------
# 10. Values at +-0 and +-inf where pyactx deliberately differs from PyTorch
#     (README, "Special values"): pyactx's values are checked always, the
#     PyTorch column whenever torch is installed, so the table stays true.
# --------------------------------------------------------------------------
def _special_vs_torch():
    """(label, pyactx call, torch call, pyactx result, torch result), from the
    ``vs_torch`` facts of function_facts.py: the raw ufunc with the parameter
    positionally; torch.nn.functional.<name> with it by the spec's name."""
    pnames = {a.name: a.params[0].name for a in _spec.ACTIVATION_TABLE if a.params}
    out = []
    for label, name, x, p, ours, theirs in facts.vs_torch():
        args = () if p is None else (p,)
        kw = {} if p is None else {pnames[name]: p}
        out.append((label,
                    lambda name=name, x=x, args=args: getattr(pyactx.ufuncs, name)(np.array(x), *args),
                    lambda fn, t, name=name, x=x, kw=kw: getattr(fn, name)(t(x), **kw),
                    ours, theirs))
    return out


SPECIAL_VS_TORCH = _special_vs_torch()


def _same_signed(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(
        np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)])) and np.array_equal(
        a[~np.isnan(a)], b[~np.isnan(b)])


@pytest.mark.parametrize("case", SPECIAL_VS_TORCH, ids=lambda c: c[0])
def test_documented_special_values(case):
    label, ours, _, want, _ = case
    with np.errstate(all="ignore"):
        assert _same_signed(ours(), want), label


@pytest.mark.parametrize("case", SPECIAL_VS_TORCH, ids=lambda c: c[0])
def test_documented_special_values_torch_column(case):
    torch = pytest.importorskip("torch")
    label, _, theirs, _, want = case
    t = lambda v: torch.tensor(v, dtype=torch.float64)           # noqa: E731
    assert _same_signed(theirs(torch.nn.functional, t).numpy(), want), label
