"""Every float32 input of a unary function, against its float64 kernel.

    python tools/exhaustive_f32.py silu_grad silu [--stride 1] [--dispatch avx512,avx2,baseline]

A unary float32 function has 2^32 inputs, few enough to try them all: this
runs each one through pyactx's float32 loop and through the float64 loop on
the same (exact) value, and reports the largest error in float32 ULPs of
the float64 result.  The float64 kernels are within 4 double ULPs of the
exact value (the accuracy suite checks them against mpmath), 2^-49 of a
float32 ULP, so the float64 result stands in for the exact one.  NaN must
give NaN, +-inf and values beyond float32's range must agree with the
float64 result rounded to float32.

An error is measured in units of 2^(e - 23), e = floor(log2 |exact|)
(subnormal results: 2^-149), the same unit as tests/_ulp.py.  --stride k
takes every k-th bit pattern (a quick run); the default 1 is all of them:
about 1 min per function and dispatch path on two cores.
"""
import argparse
import multiprocessing as mp
import os
import sys

import numpy as np

CHUNK = 1 << 24


def _worker(args):
    name, dispatch, start, stride = args
    import pyactx
    pyactx.set_num_threads(1)
    pyactx.set_dispatch(dispatch)
    f = getattr(pyactx, name)
    bits = np.arange(start, min(start + CHUNK * stride, 1 << 32), stride, dtype=np.uint64)
    x = bits.astype(np.uint32).view(np.float32)
    with np.errstate(all="ignore"):
        c = f(x).astype(np.float64)
        ref = f(x.astype(np.float64))
        r32 = ref.astype(np.float32).astype(np.float64)
        fin = np.isfinite(r32) & np.isfinite(c)
        a = np.abs(ref)
        e = np.floor(np.log2(np.where(a > 0, a, 1.0)))
        unit = np.ldexp(1.0, (np.maximum(e, -126) - 23).astype(np.int64))
        err = np.where(fin, np.abs(c - ref) / unit, 0.0)
        # non-finite: exact agreement (NaN with NaN, inf with the rounded inf)
        bad = ~fin & ~((np.isnan(c) & np.isnan(ref)) | (c == r32))
        err[bad] = np.inf
    i = int(np.argmax(err))
    over = int(np.count_nonzero(err > 1.0))
    return float(err[i]), float(x[i]), int(err.size), over


def run(name, dispatch, stride, pool):
    starts = range(0, 1 << 32, CHUNK * stride)
    res = pool.map(_worker, [(name, dispatch, s, stride) for s in starts])
    worst = max(res, key=lambda r: r[0])
    n = sum(r[2] for r in res)
    over = sum(r[3] for r in res)
    return worst[0], worst[1], n, over


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("funcs", nargs="+")
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--dispatch", default=None,
                    help="comma-separated paths (default: every path this CPU has)")
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args(argv)
    import pyactx
    paths = a.dispatch.split(",") if a.dispatch else list(pyactx.available_dispatch())
    print(f"{'function':16s} {'path':9s} {'inputs':>11s} {'max ULP':>8s}  at x            > 1 ULP")
    worst_all = 0.0
    with mp.get_context("spawn").Pool(a.procs) as pool:
        for name in a.funcs:
            for d in paths:
                m, x, n, over = run(name, d, a.stride, pool)
                worst_all = max(worst_all, m)
                print(f"{name:16s} {d:9s} {n:11d} {m:8.3f}  {x!r:15s} {over}", flush=True)
    return 0 if worst_all <= 4.0 else 1


if __name__ == "__main__":
    sys.exit(main())
