"""The one timing harness of pyactx: the benchmark (``python -m pyactx bench``)
and the teaching module's speed tables (``pyactx.lab``) both time through it.

Wall time of a call is noisy on a shared machine; what makes these numbers
comparable is that every contender is timed the same way, in one process, on
the same arrays: a warm-up call, then repeated samples, fast calls looped
inside a sample so the timer's resolution does not matter, and the median.
"""
from __future__ import annotations

import gc
import statistics
import time
from typing import Callable


def measure(fn, budget, min_rep, max_rep=50, min_sample=2e-3, warm=True, slow_cap=0.5):
    """Median seconds per call.  A warm-up call (compiles for JAX, faults pages
    in; skipped with warm=False, for a callable already run on smaller
    arrays), then repeated samples; calls faster than `min_sample` are run in
    an inner loop so the timer's resolution does not matter.  At least
    `min_rep` samples, more while they fit in `budget` seconds -- except that
    calls so slow that `min_rep` of them would pass `slow_cap` seconds get
    only as many as fit in it, and never fewer than 2: this is what bounds a
    full run.  Each sample also records the process's CPU time, which for a
    single thread is what the call costs when other processes share the cores.
    Returns (median wall, min wall, median cpu, number of samples, inner loop
    count, last result)."""
    if warm:
        r = fn()
    c0, t0 = time.process_time(), time.perf_counter()
    r = fn()
    t, ct = time.perf_counter() - t0, time.process_time() - c0
    inner = 1 if t >= min_sample else min(100_000, int(min_sample / max(t, 5e-8)) + 1)
    reps = int(budget / max(t * inner, 1e-9))
    reps = max(min_rep, min(max_rep, reps))
    if inner == 1 and t * min_rep > slow_cap:
        reps = max(2, min(reps, int(slow_cap / t)))
    samples, cpus = ([t], [ct]) if inner == 1 else ([], [])
    gc_was = gc.isenabled()
    gc.disable()
    try:
        while len(samples) < reps:
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(inner):
                r = fn()
            samples.append((time.perf_counter() - t0) / inner)
            cpus.append((time.process_time() - c0) / inner)
    finally:
        if gc_was:
            gc.enable()
    return (statistics.median(samples), min(samples), statistics.median(cpus), len(samples),
            inner, r)


def time_call(fn: Callable[[], object], repeat: int = 7, min_time: float = 0.02) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` samples, each at least
    ``min_time`` seconds long (a warm-up call first)."""
    return measure(fn, budget=0.0, min_rep=repeat, max_rep=repeat, min_sample=min_time)[0]
