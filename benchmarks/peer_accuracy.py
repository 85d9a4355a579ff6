"""How accurate each peer is on the benchmark's own inputs: the other half of
every speed ratio (issue 12: "where one case still loses, say why, measured").

    python benchmarks/peer_accuracy.py [--funcs gelu,silu] [--n 100000]
        [--speed benchmarks/results/bench-full.json] [--out benchmarks/results]

For every function, derivative, gate and softmax-family member that
``python -m pyactx bench`` times, this runs pyactx and each peer's mapping
(the same code the benchmark times: ``pyactx.bench.peers.MAPPINGS``) once on
the benchmark's inputs -- ``pyactx.bench.cases.Ctx`` with its seed, N(0, 3^2)
for x and the gates, uniform for logit's p and the BCE targets -- and
measures each result's error in ULPs of the exact value, in the result's
format:

    error = |computed - exact| / 2^(e - p + 1),  e = floor(log2 |exact|),

p = 24 (float32) / 53 (float64), the smallest subnormal's spacing below the
normal range; NaN against a non-NaN (or an infinity against a finite
value) counts as an infinite error.  "exact" is pyactx's own loop one format
wider on the same inputs (float32 cases: the float64 loop; float64 cases:
the long double loop, where long double is wider than double -- x86-64
Linux -- and the float64 rows are skipped elsewhere).  Those loops are
checked against mpmath by the accuracy suite (tests/numerics), within 4 of
their own ULPs: 2^-27 of a float32 ULP and 2^-9 of a float64 ULP, so they
stand in for the exact value here as in tools/exhaustive_f32.py.

Next to an interior root of a derivative (silu' at -1.28, gelu' at -0.75,
sigmoid(x) = t for BCE, the gates' d/da) a relative bound is unattainable in
working precision, and every contender is measured there as the accuracy
suite measures pyactx (tests/numerics/test_accuracy.py): at a point whose
cancellation factor kappa = S/|f| (S the sum of the absolute values of the
definition's terms, tests/reference.py TERM_SCALE) is beyond the suite's
kappa_limit --
4 * 2^29 for float32 (double working precision), 4 for float64 (4 * 2^11
for the derivatives the suite holds to 64 bits) -- the error is counted in
ULPs of S instead of ULPs of f.  softmax_vjp, log_softmax_vjp and logsumexp
are measured in ULPs of their term scale everywhere, as
tests/softmax/test_softmax_family.py measures them.  At the derivatives the exact value and S
come from mpmath (tests/reference.py) at every point, not from the wider
loop, whose own error grows with kappa (~0.1 ms a point: the derivatives
take most of the run's few minutes).

--speed joins the table with a benchmark run: the cases where a peer was
faster than pyactx (1 thread, 1e5 or 1e6 elements) are listed with that
peer's error on the same inputs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

import pyactx
from pyactx.bench.cases import JAC_MAX_SIZE, Ctx, all_funcs, select_funcs
from pyactx.bench.libs import Libs
from pyactx.bench.peers import MAPPINGS, pyactx_callable

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests")
PEERS = ("numpy", "scipy", "torch")
#: the arrays of a Ctx that hold inputs (the rest are outputs and scratch)
INPUTS = ("x", "p", "AB", "t", "gv")
BOUND = 4.0


def wide_dtype(dtype):
    """The format one step wider than dtype that pyactx computes in, or None."""
    if np.dtype(dtype) == np.float32:
        return np.dtype(np.float64)
    if np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant:
        return np.dtype(np.longdouble)
    return None


def ulp_error(computed, exact, dtype):
    """|computed - exact| in ULPs of exact's binade in dtype (see the module doc)."""
    fi = np.finfo(dtype)
    p = fi.nmant + 1
    e = np.asarray(exact, dtype=np.longdouble).reshape(-1)
    c = np.asarray(computed, dtype=np.longdouble).reshape(-1)
    if c.shape != e.shape:
        raise ValueError(f"shape {c.shape} against {e.shape}")
    with np.errstate(all="ignore"):
        ae = np.abs(e)
        normal = ae >= np.longdouble(fi.tiny)
        expo = np.floor(np.log2(np.where(normal, ae, 1))).astype(np.int64)
        ulp = np.where(normal, np.ldexp(np.longdouble(1), expo - (p - 1)),
                       np.longdouble(fi.smallest_subnormal))
        err = np.abs(c - e) / ulp
    same = (c == e) | (np.isnan(c) & np.isnan(e))
    err = np.where(same, 0, err)
    # a NaN or an infinity where the exact value differs: infinitely wrong
    err = np.where(~same & ~(np.isfinite(c) & np.isfinite(e)), np.inf, err)
    # exact values beyond the format's range: only the rounded infinity is right
    big = np.isfinite(e) & (ae > np.longdouble(fi.max))
    err = np.where(big, np.where(c == np.copysign(np.inf, e), 0, np.inf), err)
    return err.astype(np.float64)


def _reference():
    """tests/reference.py (mpmath) and tests/function_facts.py, the suite's own."""
    if TESTS not in sys.path:
        sys.path.insert(0, TESTS)
    import function_facts
    import reference
    return reference, function_facts


def root_output(f):
    """The TERM_SCALE key of an output with an interior root (a derivative,
    or a gate's d/da: the first part of the flat (d/da, d/db)), else None."""
    if f.group == "activation_grad" or f.group == "binary_grad":
        return (f.base, 1)
    return None


def root_inputs(f, c, dtype):
    """The inputs, one array each, of a root output's reference function."""
    if f.group == "activation_grad":
        return [c.x] + [np.full(c.x.shape, v, dtype) for v in f.params.values()]
    if f.base == "binary_cross_entropy":
        return [c.x, c.t]
    return [c.a, c.b]


def root_reference(f, c, dtype):
    """(exact value as long double, kappa limit, term scale S) at every point
    of a root output, from mpmath (tests/reference.py), or None.  At these
    outputs the wide loop is not exact enough where the terms cancel (the
    long double kernels are held to 4 of their ULPs of S there), so mpmath
    gives the value itself too."""
    key = root_output(f)
    if key is None:
        return None
    reference, facts = _reference()
    scale = reference.TERM_SCALE.get(key)
    if scale is None:
        return None
    p_work = 53
    if np.dtype(dtype) == np.float64 and key in facts.f64_extended_working():
        p_work = 64
    limit = 4.0 * 2.0 ** (p_work - (np.finfo(dtype).nmant + 1))
    args = root_inputs(f, c, dtype)
    n = args[0].size
    exact = np.empty(n, np.longdouble)
    S = np.empty(n, np.float64)
    nstr = reference.mpmath.nstr
    for i in range(n):
        a = [float(v[i]) for v in args]
        exact[i] = np.longdouble(nstr(reference.value(key[0], *a, output=1), 25))
        S[i] = float(scale(*[reference.mpf(v) for v in a]))
    return exact, limit, S


def root_error(got, ref, dtype):
    """ulp_error on a root output, in ULPs of S where kappa = S/|f| > limit."""
    exact, limit, S = ref
    n = exact.size
    err = ulp_error(got[:n], exact, dtype)
    err_s = scaled_error(got[:n], exact, S, dtype)
    with np.errstate(all="ignore"):
        kappa = S / np.abs(exact.astype(np.float64))
    return np.where((kappa > limit) & np.isfinite(err_s), err_s, err)


def family_scale(f, w):
    """The term scale of the softmax family's outputs that can cancel to an
    interior root, in the wide context w (tests/softmax/test_softmax_family.py
    measures them in ULPs of it always):
        softmax_vjp_i      y_i (|g_i| + sum_j y_j |g_j|)
        log_softmax_vjp_i  |g_i| + y_i |sum_j g_j|
        logsumexp          |max| + (logsumexp - max)
    or None for the other outputs."""
    X, G = w.X, w.G
    if f.name == "softmax_vjp":
        y = pyactx.softmax(X)
        return (y * (np.abs(G) + np.sum(y * np.abs(G), axis=-1, keepdims=True))).reshape(-1)
    if f.name == "log_softmax_vjp":
        y = pyactx.softmax(X)
        return (np.abs(G) + y * np.abs(np.sum(G, axis=-1, keepdims=True))).reshape(-1)
    if f.name == "logsumexp":
        m = np.max(X, axis=-1)
        return (np.abs(m) + (pyactx.logsumexp(X) - m)).reshape(-1)
    return None


def scaled_error(got, exact, S, dtype):
    """|got - exact| in ULPs of S (in dtype)."""
    fi = np.finfo(dtype)
    with np.errstate(all="ignore"):
        s = np.maximum(np.asarray(S, np.float64), fi.tiny)
        ulp_s = np.ldexp(np.longdouble(1), np.floor(np.log2(s)).astype(np.int64) - fi.nmant)
        err = (np.abs(np.asarray(got, np.longdouble) - np.asarray(exact, np.longdouble))
               / ulp_s).astype(np.float64)
    plain = ulp_error(got, exact, dtype)
    # equal values (infinities too) and the NaN / infinity rules of the plain measure
    return np.where(plain == 0, 0.0, np.where(np.isfinite(plain), err, plain))


def _flat(r):
    if isinstance(r, (tuple, list)):
        return np.concatenate([_flat(v) for v in r])
    return np.asarray(r).copy().reshape(-1)


def twin_contexts(dtype, n, libs):
    """A Ctx of dtype and one of its wide format holding the same input values."""
    c = Ctx(dtype, n, libs)
    wide = wide_dtype(dtype)
    if wide is None:
        return c, None
    w = Ctx(wide, n, libs)
    for k in INPUTS:
        getattr(w, k)[...] = getattr(c, k)
    return c, w


def measure(func_names, dtypes, n, peers):
    libs = Libs(peers)
    pyactx.set_num_threads(1)
    funcs = select_funcs(all_funcs(pyactx), func_names)
    rows = []
    for dtype in dtypes:
        c, w = twin_contexts(dtype, n, libs)
        if w is None:
            print(f"{dtype}: no wider format here (long double is double): skipped",
                  file=sys.stderr)
            continue
        for f in funcs:
            if f.name == "softmax_jacobian" and n > JAC_MAX_SIZE:
                continue
            with np.errstate(all="ignore"):
                exact = _flat(pyactx_callable(pyactx, f, w)())
            root = root_reference(f, c, dtype)
            with np.errstate(all="ignore"):
                fam = family_scale(f, w)
            impls = [("pyactx", pyactx_callable(pyactx, f, c))]
            for peer in peers:
                entry = MAPPINGS.get(f.name, {}).get(peer)
                if entry is None or not libs.available.get(peer):
                    continue
                try:
                    impls.append((peer, entry[1](c, libs, f.params)))
                except NotImplementedError:
                    continue
            for name, fn in impls:
                try:
                    with np.errstate(all="ignore"):
                        got = _flat(fn())
                except Exception as e:   # an op this version of a peer lacks
                    print(f"{f.name} {dtype} {name}: {type(e).__name__}: {e}", file=sys.stderr)
                    continue
                err = (ulp_error(got, exact, dtype) if fam is None
                       else scaled_error(got, exact, fam, dtype))
                if root is not None:
                    err[: root[0].size] = root_error(got, root, dtype)
                i = int(np.argmax(err))
                rows.append({"func": f.name, "dtype": dtype, "impl": name,
                             "max_ulp": float(err[i]),
                             "over_4_ulp": float(np.mean(err > BOUND)),
                             "p99_9_ulp": float(np.quantile(err, 0.999)),
                             "worst_index": i})
    return rows


def _fmt(v):
    if v == np.inf:
        return "inf"
    return f"{v:.3g}" if v < 1e4 else f"{v:.2e}"


def table(rows):
    out = ["| function | dtype | implementation | max ULP | 99.9 % ULP | share > 4 ULP |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['func']} | {r['dtype']} | {r['impl']} | {_fmt(r['max_ulp'])} | "
                   f"{_fmt(r['p99_9_ulp'])} | {100 * r['over_4_ulp']:.2g} % |")
    return "\n".join(out)


def losses(rows, speed_json):
    """The cases where a peer was faster (1 thread, 1e5/1e6), with its error."""
    with open(speed_json) as fh:
        bench = json.load(fh)
    acc = {(r["func"], r["dtype"], r["impl"]): r for r in rows}
    out, counted = [], {"accurate": 0, "inaccurate": 0, "unmeasured": 0}
    for case in bench["cases"]:
        if case["nthreads"] != 1 or case["size"] not in (10**5, 10**6):
            continue
        for peer, s in sorted(case.get("speedup", {}).items()):
            if peer not in PEERS or s is None or s >= 1:
                continue
            a = acc.get((case["func"], case["dtype"], peer))
            mine = acc.get((case["func"], case["dtype"], "pyactx"))
            if a is None:
                counted["unmeasured"] += 1
                out.append((case["func"], case["dtype"], case["size"], peer, s, None, None, None))
                continue
            counted["inaccurate" if a["max_ulp"] > BOUND else "accurate"] += 1
            out.append((case["func"], case["dtype"], case["size"], peer, s, a["max_ulp"],
                        a["over_4_ulp"], mine["max_ulp"] if mine else None))
    out.sort(key=lambda t: (t[5] is None or t[5] > BOUND, t[0], t[1], t[2]))
    lines = ["| function | dtype | n | faster peer | pyactx speed-up | peer max ULP | "
             "peer share > 4 ULP | pyactx max ULP |", "|---|---|---|---|---|---|---|---|"]
    for fn, dt, size, peer, s, mx, share, mine in out:
        lines.append(f"| {fn} | {dt} | {size:.0e} | {peer} | {s:.2f} | "
                     f"{'-' if mx is None else _fmt(mx)} | "
                     f"{'-' if share is None else f'{100 * share:.2g} %'} | "
                     f"{'-' if mine is None else _fmt(mine)} |")
    head = (f"cases where a peer is faster (threads=1, 1e5 and 1e6): {sum(counted.values())}; "
            f"the peer stays within {BOUND:g} ULP on every input in {counted['accurate']}, "
            f"exceeds it in {counted['inaccurate']}, not measured in {counted['unmeasured']}")
    return head, "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--funcs", help="comma-separated function names (default: all)")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--n", type=float, default=1e5, help="elements (default 1e5, the "
                    "benchmark's inputs at that size)")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--speed", help="a bench-*.json to join with (the losses table)")
    ap.add_argument("--out", help="folder for peer-accuracy.json and peer-accuracy.md")
    args = ap.parse_args(argv)
    rows = measure(args.funcs.split(",") if args.funcs else None, args.dtypes.split(","),
                   int(args.n), [p for p in args.peers.split(",") if p])
    text = [f"Peer accuracy on the benchmark's inputs ({int(args.n):.0e} elements per case), "
            "max error in ULPs of the exact value (python benchmarks/peer_accuracy.py)", "",
            table(rows)]
    if args.speed:
        head, body = losses(rows, args.speed)
        text = [head, "", body, "", *text]
    print("\n".join(text))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "peer-accuracy.json"), "w") as fh:
            json.dump({"n": int(args.n), "bound_ulp": BOUND, "rows": rows}, fh, indent=1)
        with open(os.path.join(args.out, "peer-accuracy.md"), "w") as fh:
            fh.write("\n".join(text) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
