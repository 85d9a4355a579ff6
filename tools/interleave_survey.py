"""Measure the loops' interleaving and propose the spec's `interleave` entries.

    python tools/interleave_survey.py [--rounds 3] [--dispatch avx512,avx2]
                                      [--dtypes float32,float64] [--funcs a,b]
                                      [--threshold 1.06] [--keep DIR]

The contiguous elementwise loops take 1, 2 or 4 consecutive elements an
iteration (csrc/loops/elementwise.inc, `ilv`), per function, dtype and
instruction set as pyactx/_spec.py's `interleave` / `interleave_grad` say.
This builds this checkout three times, each with every AVX-512 and AVX2
loop at one interleaving (PYACTX_CFLAGS=-DPYACTX_ILV_ALL=k, csrc/loops/
loops.inc), in copies under a temporary folder (or --keep DIR), then times
every vectorised elementwise function in each build, side by side, in
alternating rounds (a fresh process per build and round, 1 thread, 1e5
elements of N(0, 3^2); logit and logit' on uniform (0.001, 0.999), a second
operand uniform on [0, 1), a parameter the scalar 1), the minimum of 30
calls per round and the minimum over rounds.  A loop takes interleaving 2
or 4 where that build was at least --threshold times faster than 1 (the
faster of the two), else 1.  It prints the times, the speed-ups and, per
function, the entries to put in the spec.  About 4 minutes a (dtype,
instruction set) at --rounds 3 on a 2-core machine, after ~4 minutes of
building; run it on an idle machine (the builds run first, the timing
after).

Not part of the test suite: the speed of a loop is measured, not asserted.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = (1, 2, 4)

TIMER = r'''
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
import pyactx
pyactx.set_num_threads(1)
pyactx.set_dispatch(sys.argv[3])
dt, n = sys.argv[2], 100000
rng = np.random.default_rng(0)
x = (rng.standard_normal(n) * 3).astype(dt)
t = rng.random(n).astype(dt)
u = rng.uniform(0.001, 0.999, n).astype(dt)
out = {}
for name in sys.argv[4].split(","):
    obj = getattr(pyactx, name)
    f = getattr(obj, "ufunc", obj)
    xx = u if name.startswith("logit") else x
    if f.nin == 1:
        args = (xx,)
    elif obj is not f:          # a parameterised function: its parameter, 1
        args = (xx, 1.0)
    else:
        args = (xx, t)
    outs = tuple(np.empty_like(x) for _ in range(f.nout))
    o = outs if f.nout > 1 else outs[0]
    with np.errstate(all="ignore"):
        f(*args, out=o)
        r = []
        for _ in range(30):
            t0 = time.perf_counter()
            f(*args, out=o)
            r.append(time.perf_counter() - t0)
    out[name] = min(r) / n * 1e9
print(json.dumps(out))
'''


def vectorised_functions():
    """Names of the elementwise functions (and derivatives) with a
    vectorised float32 or float64 loop, from the spec."""
    sys.path.insert(0, ROOT)
    from pyactx import _spec
    names = []
    for a in _spec.ACTIVATION_TABLE + _spec.BINARY_TABLE:
        if a.simd:
            names.append(a.name)
        if a.simd_grad:
            names.append(a.name + "_grad")
    return names


def build(dest, level):
    """A copy of the checkout's tracked files (as they are in the work
    tree) at `dest`, built in place with every AVX-512 / AVX2 loop at
    interleaving `level`."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for f in files:
        src, dst = os.path.join(ROOT, f), os.path.join(dest, f)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(src, "rb") as a, open(dst, "wb") as b:
            b.write(a.read())
    env = dict(os.environ, PYACTX_CFLAGS=f"-DPYACTX_ILV_ALL={level}")
    subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=dest, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def survey(dirs, dtype, dispatch, funcs, rounds):
    """{level: {function: ns per element}}, alternating the builds."""
    best = {lv: {} for lv in dirs}
    env = {"OPENBLAS_NUM_THREADS": "1", "PATH": os.environ.get("PATH", "/usr/bin")}
    for r in range(rounds):
        order = list(dirs) if r % 2 == 0 else list(dirs)[::-1]
        for lv in order:
            res = subprocess.run([sys.executable, "-c", TIMER, dirs[lv], dtype, dispatch,
                                  ",".join(funcs)], capture_output=True, text=True, env=env,
                                 check=True)
            for name, v in json.loads(res.stdout).items():
                best[lv][name] = min(best[lv].get(name, v), v)
    return best


def pick(times, threshold):
    """The interleaving of one loop: 2 or 4 where it beats 1 by threshold."""
    t1 = times[1]
    choice, bt = 1, t1
    for lv in (2, 4):
        if t1 / times[lv] >= threshold and times[lv] < bt:
            choice, bt = lv, times[lv]
    return choice


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dispatch", default="avx512,avx2")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--funcs", default="")
    ap.add_argument("--threshold", type=float, default=1.06)
    ap.add_argument("--keep", default="", help="build in DIR/ilv<k> and keep the builds "
                                              "(reused when they exist)")
    args = ap.parse_args(argv)
    if not set(args.dispatch.split(",")) <= {"avx512", "avx2"}:
        ap.error("--dispatch: avx512 and/or avx2 (the other tables always take 1)")
    funcs = args.funcs.split(",") if args.funcs else vectorised_functions()
    base = args.keep or tempfile.mkdtemp(prefix="pyactx-ilv-")
    dirs = {lv: os.path.join(base, f"ilv{lv}") for lv in LEVELS}
    for lv, d in dirs.items():
        if not (args.keep and os.path.isdir(os.path.join(d, "pyactx"))):
            print(f"building interleaving {lv} in {d}", file=sys.stderr, flush=True)
            build(d, lv)
    isa_of = {"avx512": 0, "avx2": 1}
    chosen = {}      # (function, dtype letter) -> [avx512, avx2]
    for dtype in args.dtypes.split(","):
        for disp in args.dispatch.split(","):
            times = survey(dirs, dtype, disp, funcs, args.rounds)
            print(f"\n{dtype} {disp}: ns/el at interleaving 1 / 2 / 4, speed-up over 1, choice")
            for f in funcs:
                t = {lv: times[lv][f] for lv in LEVELS}
                c = pick(t, args.threshold)
                print(f"  {f:28s} " + " ".join(f"{t[lv]:7.3f}" for lv in LEVELS)
                      + "   " + " ".join(f"{t[1] / t[lv]:5.2f}" for lv in (2, 4)) + f"   {c}")
                chosen.setdefault((f, {"float32": "f", "float64": "d"}[dtype]), [1, 1])[isa_of[disp]] = c
    print("\nspec entries (interleave / interleave_grad; omitted: 1 everywhere):")
    for f in funcs:
        ent = [f"{d}{chosen[(f, d)][0]}{chosen[(f, d)][1]}" for d in "fd"
               if (f, d) in chosen and chosen[(f, d)] != [1, 1]]
        if ent:
            print(f"  {f:28s} \"{' '.join(ent)}\"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
