"""Concurrency: pyactx called from many Python threads at once.

The GIL is released inside the ufunc loops, so Python threads really run
pyactx in parallel; large contiguous calls also use pyactx's own worker pool
(csrc/loops/threads.c: one call owns the pool, a concurrent caller runs
inline).  The global state of the C core is (read from csrc/):

* the loop table chosen by set_dispatch (static arrays of function
  pointers, rewritten under the GIL; NumPy reads them under the GIL when it
  selects a loop, so a call in flight keeps the loop it started with; the
  paths may differ in the last bit, FMA or not);
* the thread count (set_num_threads) and the worker pool (mutex-protected);
* nothing else: kernels are pure functions of their arguments (no caches,
  no static buffers, no errno; FP flags are per thread and those raised on
  pool workers are handed back to the calling thread).

These tests check that every thread gets, bit for bit, the result of a
serial run: small and large arrays, every thread count, shared inputs,
out= into per-thread buffers, dispatch switched while others compute, FP
flags raised on a worker reaching the caller, and fork() after the pool
has started.  Cost: ~5 s.
"""
from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import pyactx
from pyactx import _spec

N_THREADS = 8
BIG = 1 << 17            # 8 PYACTX_PAR_MIN: the worker pool is used even when its workers sleep
MID = 40_000             # above 2 PYACTX_PAR_MIN (2^15): split only while the workers are awake


def _jobs(size, rng):
    """(name, callable, args, kwargs) covering every function."""
    x = rng.standard_normal(size) * 8
    p = np.clip(rng.random(size), 1e-6, 1 - 1e-6)           # logit's domain
    jobs = []
    for a in _spec.ACTIVATION_TABLE:
        arg = p if a.name == "logit" else x
        for suffix in ("", "_grad"):
            fn = getattr(pyactx, a.name + suffix)
            kw = {a.params[0].name: 0.3} if a.params else {}
            jobs.append((a.name + suffix, fn, (arg,), kw))
    for b in _spec.BINARY_TABLE:
        for suffix in ("", "_grad"):
            jobs.append((b.name + suffix, getattr(pyactx, b.name + suffix), (x, x[::-1].copy()), {}))
    rows = x[: (size // 64) * 64].reshape(-1, 64)
    labels = rng.integers(0, 64, size=rows.shape[0])
    for g in _spec.GUFUNC_TABLE:
        fn = getattr(pyactx, g.name)
        if g.label_input is not None:
            jobs.append((g.name, fn, (rows, labels), {}))
        elif len(g.inputs) == 2:
            jobs.append((g.name, fn, (rows, rows[::-1].copy()), {}))
        elif g.signature == "(n)->(n,n)":
            jobs.append((g.name, fn, (rows[:8, :16],), {}))
        else:
            jobs.append((g.name, fn, (rows,), {}))
    for args in (tuple(j[2]) for j in jobs):
        for a in args:
            a.flags.writeable = False                # shared inputs: nobody may write them
    return jobs


def _run(job, out=None):
    _, fn, args, kw = job
    with np.errstate(all="ignore"):
        if out is not None:
            return fn(*args, out=out, **kw)
        return fn(*args, **kw)


def _same(a, b):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    return all(np.array_equal(u, v, equal_nan=True) and u.dtype == v.dtype for u, v in zip(a, b))


@pytest.fixture
def restore_globals():
    nt, disp = pyactx.get_num_threads(), pyactx.get_dispatch()
    yield
    pyactx.set_num_threads(nt)
    pyactx.set_dispatch(disp)


# one function of each kind for the big arrays (every function runs on small ones)
BIG_SUBSET = {"gelu", "leaky_relu_grad", "glu_grad", "binary_cross_entropy", "softmax",
              "logsumexp", "softmax_vjp", "cross_entropy_grad"}


@pytest.mark.parametrize("size", [37, BIG], ids=["small", "big"])
@pytest.mark.parametrize("num_threads", [1, 4])
def test_threads_match_serial(size, num_threads, restore_globals):
    pyactx.set_num_threads(num_threads)
    jobs = _jobs(size, np.random.default_rng(size))
    if size == BIG:
        jobs = [j for j in jobs if j[0] in BIG_SUBSET]
    serial = [_run(j) for j in jobs]
    nthreads = N_THREADS if size != BIG else 4
    barrier = threading.Barrier(nthreads)

    def worker(t):
        barrier.wait()                       # start together: maximal overlap
        order = list(range(len(jobs)))
        np.random.default_rng(t).shuffle(order)
        results = {}
        for i in order:
            results[i] = _run(jobs[i])
            # out= into a buffer of this thread
            ref = serial[i]
            outs = tuple(np.empty_like(r) for r in (ref if isinstance(ref, tuple) else (ref,)))
            _run(jobs[i], out=outs if len(outs) > 1 else outs[0])
            results[(i, "out")] = outs if len(outs) > 1 else outs[0]
        return results

    with ThreadPoolExecutor(nthreads) as ex:
        all_results = list(ex.map(worker, range(nthreads)))
    for t, results in enumerate(all_results):
        for i, job in enumerate(jobs):
            assert _same(results[i], serial[i]), f"thread {t}: {job[0]} differs from the serial run"
            assert _same(results[(i, "out")], serial[i]), f"thread {t}: {job[0]} out= differs"


def test_thread_count_does_not_change_bits(restore_globals):
    """results are bit-identical for any number of pool threads (threads.h)"""
    jobs = [j for j in _jobs(BIG + 123, np.random.default_rng(7)) if j[0] in BIG_SUBSET]
    pyactx.set_num_threads(1)
    ref = [_run(j) for j in jobs]
    for nt in (2, 3, 8):
        pyactx.set_num_threads(nt)
        for j, r in zip(jobs, ref):
            assert _same(_run(j), r), f"{j[0]} with {nt} threads"


def test_calls_in_a_loop_match_one_thread(restore_globals):
    """A loop of mid-sized calls (split once the workers are awake: the
    first calls run on the caller alone, later ones are claimed range by
    range by whichever thread is free) gives the bits of one thread on
    every call, whichever way each call went."""
    jobs = [j for j in _jobs(MID, np.random.default_rng(11)) if j[0] in BIG_SUBSET]
    pyactx.set_num_threads(1)
    ref = [_run(j) for j in jobs]
    for nt in (2, 4):
        pyactx.set_num_threads(nt)
        for rep in range(30):
            for j, r in zip(jobs, ref):
                assert _same(_run(j), r), f"{j[0]} with {nt} threads, call {rep}"


def test_dispatch_switched_while_others_compute(restore_globals):
    """set_dispatch rewrites the loop tables under the GIL while other threads
    are inside loops: every result must be, bit for bit, the serial result of
    one of the dispatch paths (the paths may differ in the last bit: the
    vectorised kernels use FMA where the ISA has it) -- never a mixture, a
    crash or garbage."""
    paths = pyactx.available_dispatch()
    jobs = _jobs(4096, np.random.default_rng(3))
    serial = {}
    for p in paths:
        pyactx.set_dispatch(p)
        serial[p] = [_run(j) for j in jobs]
    stop = threading.Event()

    def switcher():
        k = 0
        while not stop.is_set():
            pyactx.set_dispatch(paths[k % len(paths)])
            k += 1

    def worker(t):
        bad = []
        for _ in range(3):
            for i, j in enumerate(jobs):
                r = _run(j)
                if not any(_same(r, serial[p][i]) for p in paths):
                    bad.append(j[0])
        return bad

    sw = threading.Thread(target=switcher)
    sw.start()
    try:
        with ThreadPoolExecutor(4) as ex:
            bad = sum(ex.map(worker, range(4)), [])
    finally:
        stop.set()
        sw.join()
    assert not bad, bad


def test_flags_raised_on_workers_reach_the_caller(restore_globals):
    """logit's invalid flag for an input in the part computed by a pool
    worker still becomes NumPy's FloatingPointError in the calling thread."""
    pyactx.set_num_threads(4)
    p = np.full(4 * BIG, 0.5)
    p[-1] = 2.0                               # out of [0, 1]: invalid, in the last range
    with np.errstate(invalid="raise"):
        with pytest.raises(FloatingPointError):
            pyactx.logit(p)
    with np.errstate(invalid="ignore"):
        r = pyactx.logit(p)
    assert np.isnan(r[-1]) and np.all(r[:-1] == 0)
    # ... and from several Python threads at once, each sees its own flag only
    good = np.full(4 * BIG, 0.5)

    def call(k):
        arr = p if k % 2 else good
        with np.errstate(invalid="raise"):
            try:
                pyactx.logit(arr)
            except FloatingPointError:
                return "raised"
        return "clean"

    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(call, range(8)))
    assert got == ["clean", "raised"] * 4


def _last_pool_job_from_a_dead_thread():
    # the pool's last job is published from this thread's stack, which is
    # unmapped once the thread has exited
    t = threading.Thread(target=lambda: pyactx.gelu(np.linspace(-5, 5, 4 * BIG)))
    t.start()
    t.join()


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"), reason="needs fork()")
def test_fork_after_pool_started(restore_globals):
    """threads.c rebuilds the pool in a forked child (pthread_atfork): the
    child must compute the right result, never crash or hang."""
    pyactx.set_num_threads(4)
    x = np.linspace(-5, 5, 4 * BIG)
    want = pyactx.gelu(x).tobytes()
    failures = []
    for _ in range(6):
        _last_pool_job_from_a_dead_thread()
        pid = os.fork()
        if pid == 0:                          # child: no pytest machinery, just _exit
            code = 1
            try:
                import faulthandler
                faulthandler.disable()        # a crash shows as a signal, not a dump
                pyactx.set_num_threads(4)
                code = 0 if pyactx.gelu(x).tobytes() == want else 3
            finally:
                os._exit(code)
        status = _wait(pid, 60)
        if status != 0:
            failures.append(status)
    assert not failures, f"forked children failed (wait statuses {failures}; 11 = SIGSEGV)"


def _wait(pid, timeout):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status) << 8
        time.sleep(0.01)
    os.kill(pid, 9)                           # hung child (deadlock): fail, don't hang
    os.waitpid(pid, 0)
    return "hung"


def test_no_static_state_in_kernels():
    """The kernels and loops keep no mutable static state: the only 'static'
    non-const objects in csrc are the loop tables, the thread count and the
    pool (documented above).  A new one must be added here consciously."""
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "csrc")
    if not os.path.isdir(root):
        pytest.skip("no csrc/ beside the tests (installed package)")
    import re
    found = []
    pat = re.compile(r"^\s*static\s+(?!inline|const|void|int\s+\w+\s*\(|PyObject|PyArray|"
                     r"struct PyModuleDef|PyMethodDef|PyModuleDef_Slot)[^;(]*?(\w+)\s*(\[[^\]]*\])?\s*(=|;)")
    for d, _, files in os.walk(root):
        if "tests" in d.split(os.sep) or "build" in d.split(os.sep):
            continue
        for f in files:
            if f.endswith((".c", ".h", ".inc")):
                for line in open(os.path.join(d, f), encoding="utf-8"):
                    m = pat.match(line)
                    if m:
                        found.append(m.group(1))
    # numpy_ufunc_vectorcall: NumPy's ufunc call entry, written once during
    # module initialisation (under the GIL), read-only afterwards
    # bf16_registered: the bfloat16 type number, written once by
    # _register_bfloat16 under the GIL (the loops' data is const)
    # stream_min: the streaming-store threshold (threads.c), like num_threads
    # read and written with relaxed atomics; a call reads it once
    allowed = {"num_threads", "pool", "worker_args", "atfork_done", "pyactx_active_isa",
               "numpy_ufunc_vectorcall", "bf16_registered", "stream_min"}
    unknown = sorted(set(n for n in found if n not in allowed and not n.endswith("_loops")))
    assert not unknown, f"new mutable static state in csrc: {unknown} (review thread safety)"
