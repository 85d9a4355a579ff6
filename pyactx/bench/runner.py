"""The run loop: every selected function, dtype, size and thread setting, each
contender timed back to back on the same arrays through ``timing.measure``,
its result checked against pyactx's; ``run`` returns the JSON's dict."""
from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from typing import Dict, List

import numpy as np

from .cases import (FLOOR, JAC_MAX_SIZE, JAC_ROW, PEERS, ROW, SOFTMAX_2D, Ctx, _size_label,
                    all_funcs, select_funcs)
from .libs import Libs
from .machine import _so_fingerprint, machine_info
from .peers import MAPPINGS, floor_callable, pyactx_callable, softmax_into
from .report import _sig, summarize
from .timing import measure

SCHEMA = "pyactx-bench/1"


def _flat(r):
    if isinstance(r, (tuple, list)):
        return np.concatenate([_flat(v) for v in r])
    return np.asarray(r, dtype=np.float64).reshape(-1)


def _agree(ref, r, dtype):
    try:
        a, b = _flat(ref), _flat(r)
    except Exception:
        return None
    if a.shape != b.shape:
        return False
    rtol = 2e-3 if dtype == np.float32 else 1e-6
    atol = rtol * max(1.0, float(np.nanmax(np.abs(a))) if a.size else 1.0)
    return bool(np.allclose(b, a, rtol=rtol, atol=atol, equal_nan=True))


def _set_threads(n, libs: Libs, pyactx):
    if libs.torch is not None:
        libs.torch.set_num_threads(n)
    if libs.ne is not None:
        libs.ne.set_num_threads(n)
    fn = getattr(pyactx, "set_num_threads", None)
    if fn is not None:
        fn(n)


_SINGLE_THREADED = ("numpy", "scipy", "jax", FLOOR)


class _Runner:
    def __init__(self, cfg, pyactx, libs, has_threads):
        self.cfg, self.pyactx, self.libs, self.has_threads = cfg, pyactx, libs, has_threads
        self.cases: List[dict] = []
        self.measured_1: Dict[tuple, dict] = {}
        self.skipped: Dict[str, Dict[str, str]] = {}
        self.warmed: set = set()
        self.last_call: Dict[tuple, tuple] = {}     # (func, impl, dtype, threads) -> (size, s/call)
        self.floor_cache: Dict[tuple, tuple] = {}

    def reusable(self, name):
        return name in _SINGLE_THREADED or (name == "pyactx" and not self.has_threads)

    def time_case(self, fname, dtype, size, shape, tlabel, nthreads, impls, check):
        """Time every (name, callable) of `impls` on one case, back to back."""
        cfg = self.cfg
        rec = {"func": fname, "dtype": dtype, "size": size, "shape": list(shape),
               "threads": tlabel, "nthreads": nthreads, "ns_per_el": {}, "ns_per_el_cpu": {},
               "samples": {}}
        key = (fname, dtype, size)
        old = self.measured_1.get(key) if tlabel != "1" else None
        ref, reused, disagree = None, [], []
        for name, fn in impls:
            if old is not None and self.reusable(name) and name in old["ns_per_el"]:
                for k in ("ns_per_el", "ns_per_el_cpu", "samples"):
                    if name in old[k]:
                        rec[k][name] = old[k][name]
                if name in old.get("disagree", []):
                    disagree.append(name)
                reused.append(name)
                continue
            wkey = (fname, name, dtype, tlabel)
            fkey = (dtype, size, tlabel, tuple(shape) if fname.endswith("_axis1") else None)
            prev = self.last_call.get(wkey)
            if prev is not None and prev[1] * size / prev[0] > cfg.max_call:
                est = prev[1] * size / prev[0]
                rec.setdefault("too_slow", {})[name] = _sig(est / size * 1e9, 3)
                continue
            try:
                if name == FLOOR and fkey in self.floor_cache:     # np.negative: once per group
                    med, mn, cpu, reps, inner, r = self.floor_cache[fkey]
                else:
                    warm = not (size >= 10**6 and name != "jax" and wkey in self.warmed)
                    med, mn, cpu, reps, inner, r = measure(fn, cfg.budget, cfg.repeats, warm=warm,
                                                           slow_cap=cfg.slow_cap)
                    self.warmed.add(wkey)
                    self.last_call[wkey] = (size, med)
                    if name == FLOOR:
                        self.floor_cache[fkey] = (med, mn, cpu, reps, inner, None)
            except Exception as e:   # an op this version of a peer lacks: a note, not a failure
                self.skipped.setdefault(fname, {})[name] = f"{type(e).__name__}: {str(e)[:200]}"
                continue
            rec["ns_per_el"][name] = _sig(med / size * 1e9)
            rec["ns_per_el_cpu"][name] = _sig(cpu / size * 1e9, 3)
            rec["samples"][name] = reps
            if check:
                if name == "pyactx":
                    ref = [np.array(v, copy=True) for v in (r if isinstance(r, tuple) else (r,))]
                elif ref is not None and name != FLOOR and _agree(ref, r, np.dtype(dtype)) is False:
                    disagree.append(name)
            r = None
        p = rec["ns_per_el"].get("pyactx")
        rec["speedup"] = {k: _sig(v / p, 3) for k, v in rec["ns_per_el"].items()
                          if p and k not in ("pyactx", FLOOR) and v}
        fl = rec["ns_per_el"].get(FLOOR)
        rec["x_floor"] = _sig(p / fl, 3) if (p and fl) else None
        if reused:
            rec["reused_from_1_thread"] = reused
        if disagree:
            rec["disagree"] = disagree
        if tlabel == "1":
            self.measured_1[key] = rec
        self.cases.append(rec)
        return rec


def run(cfg) -> dict:
    import pyactx

    t_start = time.perf_counter()
    load_start = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    so_start = _so_fingerprint(pyactx)
    libs = Libs([p for p in cfg.peers if p in PEERS])
    funcs = select_funcs(all_funcs(pyactx), cfg.funcs)
    want_2d = (not cfg.funcs) or any(n in cfg.funcs for n in (SOFTMAX_2D, "softmax", "log_softmax"))
    want_2d = want_2d and "float32" in cfg.dtypes
    ncores = machine_info(None, pyactx)["cores_usable"]
    has_threads = hasattr(pyactx, "set_num_threads")
    notes = list(libs.notes)
    if has_threads:
        notes.append("pyactx threads set with pyactx.set_num_threads(n) for each setting")
    else:
        notes.append("pyactx has no set_num_threads yet: pyactx runs single-threaded in every "
                     "thread setting (its 'all' numbers are its 1-thread numbers)")
    if libs.jax is not None:
        notes.append("JAX/XLA CPU threads are fixed when JAX starts; it was started with XLA_FLAGS="
                     f"{libs.info['jax'].get('XLA_FLAGS')!r} and its numbers are reused for 'all'")
    notes.append("numpy, scipy and the np.negative floor are single-threaded: 'all' reuses their "
                 "1-thread numbers")
    notes.append("torch derivatives call aten.*_backward with grad_output = ones (they read one "
                 "array more than pyactx's f'(x)); ops that need the forward's output (sigmoid, tanh, "
                 "softmax, log_softmax) are timed as forward + backward, from x")
    notes.append(f"softmax family: rows of {ROW} along the last axis (shape (n/{ROW}, {ROW})); "
                 f"softmax_jacobian: rows of {JAC_ROW} (its output is {JAC_ROW}x the input), only "
                 f"for n <= {JAC_MAX_SIZE:.0e}")
    threads_list = [(t, ncores if t == "all" else int(t)) for t in cfg.threads]
    peers_on = [p for p in cfg.peers if p in PEERS and libs.available.get(p)]
    R = _Runner(cfg, pyactx, libs, has_threads)

    def progress(msg):
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    for tlabel, nthreads in threads_list:
        _set_threads(nthreads, libs, pyactx)
        for dtype in cfg.dtypes:
            for size in cfg.sizes:
                progress(f"threads={tlabel} {dtype} n={_size_label(size)}")
                c = Ctx(dtype, size, libs)
                floor_fn = floor_callable(c)
                for f in funcs:
                    if f.name == "softmax_jacobian" and size > JAC_MAX_SIZE:
                        continue
                    impls = [("pyactx", pyactx_callable(pyactx, f, c))]
                    for peer in peers_on:
                        entry = MAPPINGS.get(f.name, {}).get(peer)
                        if entry is None:
                            continue
                        if peer == "numpy" and f.base in ("gelu", "geglu") and libs.scipy_special is None:
                            continue
                        try:
                            impls.append((peer, entry[1](c, libs, f.params)))
                        except NotImplementedError as e:
                            R.skipped.setdefault(f.name, {})[peer] = str(e)
                    if FLOOR in cfg.peers:
                        impls.append((FLOOR, floor_fn))
                    shape = ((size // JAC_ROW, JAC_ROW) if f.name == "softmax_jacobian"
                             else c.X.shape if f.group == "family" else (size,))
                    R.time_case(f.name, dtype, size, shape, tlabel, nthreads, impls,
                                check=size <= cfg.check_max)
                del c, floor_fn
                gc.collect()
        if want_2d:
            progress(f"threads={tlabel} float32 softmax/log_softmax (1000, 1000) axis=1")
            _softmax_2d(R, peers_on, tlabel, nthreads)
    _set_threads(ncores, libs, pyactx)

    machine = machine_info(libs, pyactx)
    machine["loadavg_start"] = load_start
    try:
        machine["loadavg_end"] = list(os.getloadavg())
    except OSError:
        pass
    so_end = _so_fingerprint(pyactx)
    machine["pyactx"]["extension"] = so_start
    if so_end != so_start:
        notes.append(f"WARNING: pyactx's extension file changed during the run (rebuilt?): "
                     f"{so_start} -> {so_end}; the numbers are those of the build loaded at start")
    cows = [r["ns_per_el_cpu"][k] / v for r in R.cases for k, v in r["ns_per_el"].items()
            if v and r["nthreads"] == 1 and r["ns_per_el_cpu"].get(k)]
    if cows:
        med = statistics.median(cows)
        machine["median_cpu_over_wall_1_thread"] = _sig(med, 2)
        if med < 0.85:
            notes.append(f"WARNING: the machine was busy: single-threaded timings got a median "
                         f"{med:.2f} of a core (CPU time / wall time); wall-clock numbers are noisier "
                         f"and slower than on an idle machine (ns_per_el_cpu in the JSON is the "
                         f"process CPU time, closer to an idle machine's for 1 thread)")
    peers_info = {p: {"available": bool(libs.available.get(p)),
                      **({"version": libs.info[p].get("version")} if p in libs.info else {})}
                  for p in PEERS if p in cfg.peers}
    used = {r["func"] for r in R.cases}
    mappings = {fn: {peer: MAPPINGS[fn][peer][0] for peer in MAPPINGS.get(fn, {})
                     if peer in cfg.peers} for fn in sorted(used) if fn in MAPPINGS}
    if want_2d:
        mappings[SOFTMAX_2D] = {"note": "softmax / log_softmax of a float32 (1000, 1000) array along "
                                "axis=1: pyactx.softmax(x, axis=1, out=y), scipy.special.softmax(x, "
                                "axis=1), torch.softmax(x, 1, out=y), the NumPy composite, "
                                "jax.nn.softmax(x, axis=1)"}
    result = {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": cfg.command,
        "config": {"funcs": cfg.funcs, "sizes": cfg.sizes, "dtypes": cfg.dtypes,
                   "threads": cfg.threads, "peers": cfg.peers, "budget_s": cfg.budget,
                   "min_repeats": cfg.repeats, "slow_cap_s": cfg.slow_cap,
                   "max_call_s": cfg.max_call,
                   "check_max": cfg.check_max},
        "definitions": {
            "ns_per_el": "median wall time of one call / number of input elements (per input array "
                         "for the two-input functions), in ns",
            "samples": "timed samples behind each median (each sample: one call, or an inner loop of "
                       "calls for fast ones)",
            "speedup": "peer ns_per_el / pyactx ns_per_el: above 1 pyactx is faster, below 1 the peer is",
            "x_floor": "pyactx ns_per_el / np.negative(x, out=y) ns_per_el",
            "ns_per_el_cpu": "median process CPU time per call / elements: equal to ns_per_el for one "
                             "thread on an idle machine, smaller when other processes held the "
                             "cores, larger with several threads (their CPU time adds up)",
            "disagree": "peers whose result did not match pyactx's (rtol 2e-3 float32, 1e-6 float64) "
                        "on sizes up to check_max: a guard against a wrong mapping, not an accuracy test",
            "reused_from_1_thread": "single-threaded implementations whose 1-thread numbers stand "
                                    "for the 'all' setting",
            "too_slow": "implementations not timed at this size because one call, scaled from the "
                        "previous size, would take more than max_call_s: the value is that estimate "
                        "in ns/element (not a measurement)",
        },
        "machine": machine,
        "peers": peers_info,
        "notes": notes,
        "skipped": R.skipped,
        "mappings": mappings,
        "cases": R.cases,
    }
    result["summary"] = summarize(result)
    result["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    return result


def _softmax_2d(R: _Runner, peers_on, tlabel, nthreads):
    pyactx, libs, cfg = R.pyactx, R.libs, R.cfg
    rng = np.random.default_rng(7)
    X = (rng.standard_normal((1000, 1000)) * 3).astype(np.float32)
    Y = np.zeros_like(X)
    Tm = np.zeros_like(X)

    def np_log_softmax():
        m = X.max(axis=1, keepdims=True)
        np.subtract(X, m, out=Y); np.exp(Y, out=Tm)
        np.subtract(Y, np.log(Tm.sum(axis=1, keepdims=True)), out=Y)
        return Y

    for name in ("softmax", "log_softmax"):
        if cfg.funcs and not any(n in cfg.funcs for n in (name, SOFTMAX_2D)):
            continue
        pa = getattr(pyactx, name)
        impls = [("pyactx", lambda pa=pa: pa(X, axis=1, out=Y))]
        if "numpy" in peers_on:
            impls.append(("numpy", (lambda: softmax_into(X, Y)) if name == "softmax" else np_log_softmax))
        if "scipy" in peers_on:
            fn = getattr(libs.scipy_special, name)
            impls.append(("scipy", lambda fn=fn: fn(X, axis=1)))
        if "torch" in peers_on:
            torch = libs.torch
            tX, tY, tf = torch.from_numpy(X), torch.from_numpy(Y), getattr(torch, name)
            impls.append(("torch", lambda tf=tf, tX=tX, tY=tY: tf(tX, 1, out=tY)))
        if "jax" in peers_on:
            jax = libs.jax
            jf = jax.jit(lambda z, g=getattr(jax.nn, name): g(z, axis=1))
            jX = jax.device_put(X)
            impls.append(("jax", lambda jf=jf, jX=jX: jax.block_until_ready(jf(jX))))
        if FLOOR in cfg.peers:
            impls.append((FLOOR, lambda: np.negative(X, out=Y)))
        R.time_case(f"{name}_1000x1000_axis1", "float32", X.size, X.shape, tlabel, nthreads,
                    impls, check=True)
