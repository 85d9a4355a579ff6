"""Reference leaks and memory growth.

For every ufunc, gufunc and keyword wrapper of pyactx, in every call form
(plain, out=, where=, axis= for the gufuncs, and the error paths: labels out
of range, unsupported dtypes, bad out=), 10^4 calls leave sys.getrefcount of
the inputs, the outputs, the callables and the ufunc objects unchanged, and
a fresh result holds no extra reference.  Then the resident set size stays
flat over 10^5 small calls mixing all of them.

Cost: ~10 s on the CI machine.  Under tools/sanitize.sh (PYACTX_SANITIZED)
the loops are 10x shorter and the RSS test is skipped (ASan's quarantine
grows the heap by design).
"""
from __future__ import annotations

import gc
import os
import sys
import weakref

import numpy as np
import pytest

import pyactx
from pyactx import _spec

SANITIZED = bool(os.environ.get("PYACTX_SANITIZED"))
N = 1_000 if SANITIZED else 10_000
N_RSS = 100_000

ACTS = _spec.ACTIVATION_TABLE


def _cases():
    """(id, callable, ufunc, args builder, kinds of call) for every function."""
    x = np.linspace(0.05, 0.95, 6)          # inside logit's domain
    cases = []
    for a in ACTS:
        for suffix in ("", "_grad"):
            uf = getattr(pyactx.ufuncs, a.name + suffix)
            if a.params:
                p = a.params[0]
                cases.append((a.name + suffix, uf, uf, (x, p.default), "elementwise"))
                cases.append((a.name + suffix + "[kw]", getattr(pyactx, a.name + suffix), uf,
                              (x,), "wrapper:" + p.name))
            else:
                cases.append((a.name + suffix, uf, uf, (x,), "elementwise"))
    for b in _spec.BINARY_TABLE:
        for suffix in ("", "_grad"):
            uf = getattr(pyactx.ufuncs, b.name + suffix)
            cases.append((b.name + suffix, uf, uf, (x, x[::-1].copy()), "elementwise"))
    rows = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    for g in _spec.GUFUNC_TABLE:
        uf = getattr(pyactx.ufuncs, g.name)       # the raw gufuncs (pyactx.cross_entropy is a function)
        if g.label_input is not None:
            args = (rows, np.array([0, 3, 2], dtype=np.int64))
        elif len(g.inputs) == 2:
            args = (rows, rows[::-1].copy())
        else:
            args = (rows,)
        cases.append((g.name, uf, uf, args, "gufunc"))
    return cases


CASES = _cases()
FORMS = ["plain", "out", "where", "axis", "bad_dtype", "bad_out", "bad_label"]


def _applicable(case, form):
    _, _, uf, _, kind = case
    if form == "where":
        return kind != "gufunc"
    if form == "axis":
        return kind == "gufunc" and uf.signature != "(n)->(n,n)"
    if form == "bad_label":
        return uf.__name__.startswith("cross_entropy")
    return True


PARAMS = [pytest.param(c, f, id=f"{c[0]}-{f}") for c in CASES for f in FORMS if _applicable(c, f)]


def _prepare(case, form):
    """The callable, its positional args and keywords, and the exception the
    call must raise (None if it must succeed)."""
    _, fn, uf, args, kind = case
    kw = {}
    if kind.startswith("wrapper:"):
        kw[kind.split(":", 1)[1]] = 0.3
    exc = None
    if form in ("out", "where"):
        template = uf(*args) if not kind.startswith("wrapper") else fn(*args, **kw)
        outs = tuple(np.empty_like(t) for t in (template if isinstance(template, tuple) else (template,)))
        kw["out"] = outs if len(outs) > 1 else outs[0]
        if form == "where":
            kw["where"] = np.arange(args[0].shape[-1]) % 2 == 0
    elif form == "axis":
        args = tuple(np.ascontiguousarray(a.T) if a.ndim == 2 else a for a in args)
        if uf.__name__.startswith("cross_entropy"):
            args = (np.ascontiguousarray(case[3][0].T), case[3][1])
        kw["axis"] = 0
    elif form == "bad_dtype":
        args = (np.array([1 + 2j, 3j]),) + tuple(np.array([1 + 2j, 3j]) for _ in args[1:])
        if uf.__name__.startswith("cross_entropy"):
            args = (np.array([[1 + 2j, 3j]]), np.array([0]))
        exc = TypeError
    elif form == "bad_out":
        kw["out"] = np.empty((7, 7, 7)) if uf.nout == 1 else (np.empty((7, 7, 7)),) * uf.nout
        exc = ValueError
    elif form == "bad_label":
        args = (args[0], np.array([0, 99, 1], dtype=np.int64))
        exc = ValueError
    return fn, uf, args, kw, exc


def _refs(objs):
    return [sys.getrefcount(o) for o in objs]


@pytest.mark.parametrize("case,form", PARAMS)
def test_no_reference_leak(case, form):
    fn, uf, args, kw, exc = _prepare(case, form)
    watched = [fn, uf, type(uf), *args, *[v for v in kw.values() if isinstance(v, np.ndarray)]]
    if isinstance(kw.get("out"), tuple):
        watched += list(kw["out"])
    # warm up (first-call caches in NumPy: dtype promotion, loop lookup)
    for _ in range(20):
        try:
            r = fn(*args, **kw)
        except Exception:
            pass
    r = None
    # no gc.collect() here (12 ms each, 400 cases): nothing in these calls
    # makes reference cycles, and the collector is paused so that it cannot
    # run in the middle of a measurement
    gc.disable()
    try:
        _measure(case, form, fn, args, kw, exc, watched)
    finally:
        gc.enable()


def _measure(case, form, fn, args, kw, exc, watched):
    before = _refs(watched)
    if exc is None:
        for _ in range(N):
            r = fn(*args, **kw)
        # a fresh result is referenced by `r` alone: dropping it frees it
        if "out" not in kw:
            results = r if isinstance(r, tuple) else (r,)
            refs = [weakref.ref(a) for a in results if isinstance(a, np.ndarray)]
            assert refs
            r = results = None
            assert all(w() is None for w in refs), f"{case[0]} {form}: result kept alive"
        r = None
    else:
        for _ in range(N):
            try:
                fn(*args, **kw)
            except exc:
                pass
            else:
                raise AssertionError(f"{case[0]} {form}: no {exc.__name__}")
    after = _refs(watched)
    assert after == before, f"{case[0]} {form}: refcounts {before} -> {after} after {N} calls"


def _rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource
        # ru_maxrss: a high-water mark (KiB on Linux, bytes on macOS); growth still shows
        r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return r if sys.platform == "darwin" else r * 1024


@pytest.mark.skipif(SANITIZED, reason="ASan's quarantine grows RSS by design")
def test_rss_stable_over_many_small_calls():
    calls = [_prepare(c, f) for c, f in (p.values for p in PARAMS)]

    def run(n):
        k = len(calls)
        for i in range(n):
            fn, _, args, kw, exc = calls[i % k]
            try:
                fn(*args, **kw)
            except Exception:
                if exc is None:
                    raise
    run(20_000)                 # warm up: NumPy caches, pymalloc arenas
    gc.collect()
    rss0 = _rss_bytes()
    run(N_RSS)
    gc.collect()
    grown = _rss_bytes() - rss0
    # a leak of even one small array per call would be > 10 MB here
    assert grown < 2 * 2**20, f"RSS grew by {grown / 2**20:.2f} MiB over {N_RSS} calls"
