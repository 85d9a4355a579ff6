#!/usr/bin/env python3
"""Check pyactx's C core as other compilers and machines build it.

Four targets, each run by ``python tools/check_builds.py <target>``:

``aarch64``
    Debian's cross toolchain and user-mode emulator
    (``apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user``;
    .ci/run installs them):

    1. **C tests**: ``make -C csrc test`` cross-compiled (warnings as errors),
       every ``csrc/tests/test_*.c`` program run under ``qemu-aarch64``.
    2. **Accuracy and flags through the ufunc loops**: ``csrc/tests/eval_loops.c``
       with the baseline loop table (the only one off x86; ``loops_baseline.c``
       at -O3, as setup.py compiles it) evaluates every elementwise function,
       derivative and gate output in float64 and float32 on the committed
       mpmath reference inputs (``tests/data/ref_*.npz``).  The errors are
       measured exactly as ``tests/numerics/test_accuracy.py`` measures the x86
       build (same cases, ULP measure, bound and rule near interior roots),
       and each call's floating-point flags are compared with the reference's
       expected flags (per group of points expecting the same flags).
    3. **NEON**: the loops' vector instructions counted in the disassembly,
       and (``--count``) the instructions executed per float64 element,
       measured from qemu's execution trace (``-d in_asm,exec,nochain``) as the
       difference between two array lengths, so start-up and call overhead
       cancel.

``clang``
    Check 2 with ``eval_loops`` compiled natively by clang, once per x86
    loop table this CPU runs (baseline, avx2, avx512 with setup.py's flags):
    the compiler of every Mac, whose defaults (FP operations speculated,
    a*b + c contracted) broke the flags before pyactx.h's
    PYACTX_FP_STRICT_BEGIN.  (The whole Python suite on a clang-built
    extension: ``CC=clang python setup.py build_ext --inplace``.)

``windows``
    x86-64 Windows as mingw-w64 builds it, run under wine (``apt-get install
    gcc-mingw-w64-x86-64 wine64``): checks 1 (the C tests, among them
    ``test_threads`` on the Win32 thread pool) and 2 (the baseline loops).
    mingw's long double is x87's, as on Linux; MSVC's is double -- that case
    is the ``no-long-double`` target.

``no-long-double``
    The extension as ``PYACTX_NO_LONG_DOUBLE=1 python setup.py build_ext``
    builds it -- what float64, float32 and float16 compute where long double
    is only double (MSVC, Apple Silicon), since no kernel of theirs uses it:

    0. **The guard**: a copy of the sources with ``long double`` put into a
       double kernel, and one with a call to a long double kernel
       (``pyactx_sigmoid_l``), must both fail to compile with
       ``-DPYACTX_NO_LONG_DOUBLE``; the sources as they are compile.
    1. **The build**: the extension, built into a scratch folder, imports
       and has no long double loops (``np.longdouble`` input: TypeError).
    2. **The accuracy suite on it**: ``tests/numerics/test_accuracy.py``
       (every float16/32/64 case: ULP errors against the mpmath data, special
       values, flags, on every instruction-set table) and the softmax
       family's tests, ``-k "not longdouble"``.

Exit status 0 when every check passes, 3 when the toolchain is missing.
``--keep DIR`` leaves the binaries and data there.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(ROOT, "csrc")
CC = "aarch64-linux-gnu-gcc"
NATIVE_CC = os.environ.get("CC", "cc")
MINGW = "x86_64-w64-mingw32-gcc"


def wine():
    """Debian installs wine64 outside PATH (/usr/lib/wine)."""
    for w in ("wine64", "/usr/lib/wine/wine64", "wine"):
        if shutil.which(w):
            return [shutil.which(w)]
    return None
OBJDUMP = "aarch64-linux-gnu-objdump"
QEMU = "qemu-aarch64"
SYSROOT = "/usr/aarch64-linux-gnu"
# setup.py's flags for the loops (COMMON + the baseline -O3), warnings fatal
CFLAGS = ["-O2", "-std=c11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Wextra",
          "-Wno-unused-function", "-Wno-missing-field-initializers", "-Werror"]
LOOP_CFLAGS = CFLAGS + ["-O3"]


def toolchain_missing(target):
    """The missing pieces of the target's toolchain, [] when complete."""
    if target == "clang":
        return [t for t in ("clang",) if shutil.which(t) is None]
    if target == "no-long-double":
        return [t for t in (NATIVE_CC,) if shutil.which(t) is None]
    if target == "windows":
        return [t for t in (MINGW, "make") if shutil.which(t) is None] + ([] if wine() else ["wine64"])
    missing = [t for t in (CC, QEMU, OBJDUMP, "make") if shutil.which(t) is None]
    if not os.path.isdir(os.path.join(SYSROOT, "lib")):
        missing.append(SYSROOT)
    return missing


def qemu(*argv):
    return [QEMU, "-L", SYSROOT, *argv]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.stdout.write(r.stdout[-6000:] + r.stderr[-6000:])
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)[:300]}")
    return r


# ------------------------------------------------------------------ 1. C tests
def c_tests(work, cc=CC, runner=None, exe_suffix=""):
    build = os.path.join(work, "csrc")
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(CSRC, build, ignore=shutil.ignore_patterns("build"))
    runner = qemu() if runner is None else runner
    t0 = time.time()
    r = run(["make", "-C", build, "test", f"CC={cc}", "CFLAGS=" + " ".join(CFLAGS),
             "RUN=" + " ".join(runner), f"EXE={exe_suffix}"], timeout=1800)
    lines = [ln for ln in r.stdout.splitlines()
             if ln.startswith("test_") or "passed" in ln or "failures" in ln]
    if "FAIL " in r.stdout:
        sys.stdout.write(r.stdout[-6000:])
        raise SystemExit(f"C tests failed under {runner[0]}")
    name = next(os.path.basename(a) for a in runner if a != "env" and "=" not in a)
    print(f"1. C tests, {cc} -Werror, run under {name} ({time.time() - t0:.0f} s):")
    for ln in lines:
        print("   " + ln)


# ----------------------------------------------------- 2. accuracy via the loops
# setup.py's per-ISA flags of the x86 loop tables, and the CPU flags they need
X86_TABLES = {
    "baseline": ([], []),
    "avx2": (["-mavx2", "-mfma", "-mf16c"], ["avx2", "fma", "f16c"]),
    "avx512": (["-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512dq", "-mavx512vl",
                "-mavx512bw", "-mprefer-vector-width=512"],
               ["avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512vl", "avx512bw"]),
}


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("flags"):
                    return set(ln.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def eval_command(work, cc=CC, table="baseline"):
    """(path, compile command) of eval_loops for one compiler and loop table."""
    exe = os.path.join(work, f"eval_loops_{os.path.basename(cc)}_{table}")
    isa_flags = X86_TABLES[table][0] if cc != CC else []
    defs = [] if table == "baseline" else ["-DPYACTX_HAVE_X86_DISPATCH=1",
                                           f"-DPYACTX_EVAL_TABLE=pyactx_loops_{table}"]
    cmd = [cc, *LOOP_CFLAGS, *isa_flags, *defs,
           "-I" + os.path.join(CSRC, "include"), "-I" + os.path.join(CSRC, "loops"),
           os.path.join(CSRC, "tests", "eval_loops.c"), os.path.join(CSRC, "loops", f"loops_{table}.c"),
           os.path.join(CSRC, "loops", "threads.c"), "-lm",
           *([] if cc == MINGW else ["-pthread"]), "-o", exe + (".exe" if cc == MINGW else "")]
    return exe + (".exe" if cc == MINGW else ""), cmd


def build_evals(work, specs):
    """Compile eval_loops for each (cc, table) in specs, as many at
    once as there are CPUs (each takes ~40 s: every loop of every function);
    returns the executables in order."""
    t0 = time.time()
    jobs = [eval_command(work, *spec) for spec in specs]
    running, pending = [], list(jobs)
    width = max(1, os.cpu_count() or 1)
    while pending or running:
        while pending and len(running) < width:
            exe, cmd = pending.pop(0)
            running.append((cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                                  stderr=subprocess.STDOUT, text=True)))
        cmd, p = running.pop(0)
        out, _ = p.communicate(timeout=1800)
        if p.returncode != 0:
            sys.stdout.write(out[-6000:])
            raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)[:300]}")
    print(f"   (eval_loops built {len(jobs)} times in {time.time() - t0:.0f} s)")
    return [exe for exe, _ in jobs]


def accuracy(work, exe, formats, runner):
    """Every output's ULP errors on the reference points, and the flags of
    the calls, as tests/numerics/test_accuracy.py checks them on x86."""
    for p in (os.path.join(ROOT, "tests"), os.path.join(ROOT, "tests", "numerics")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import _ulp as U
    import test_accuracy as A       # the x86 suite's cases and error measure

    data = os.path.join(work, "data")
    os.makedirs(data, exist_ok=True)
    lines, plan, flag_plan = [], [], []

    def add(case, arrays, tag):
        """One loop call on `arrays`; returns the output files."""
        n = len(arrays[0])
        ufunc = case.name if case.out == 0 else case.name + "_grad"
        nout = 2 if (case.kind == "gate" and case.out > 0) else 1
        ins = [os.path.join(data, f"{tag}_in{k}") for k in range(len(arrays))]
        outs = [os.path.join(data, f"{tag}_out{k}") for k in range(nout)]
        for a, path in zip(arrays, ins):
            np.ascontiguousarray(a).tofile(path)
        t = "f" if case.dtype == np.float32 else "d"
        lines.append(" ".join([ufunc, t, str(n), *ins, *outs]))
        return outs

    for i, case in enumerate(A._cases(formats)):
        args = case.args()
        n = len(args[0])
        arrays = [np.broadcast_to(a, (n,)).astype(case.dtype) for a in args]
        outs = add(case, arrays, f"c{i}")
        plan.append((case, outs[case.out - 1 if len(outs) == 2 else 0], n))
        if case.kind == "gate" and case.out == 2:
            continue                     # the same call as output 1
        flags = np.zeros(n, np.uint8)
        for o in ((1, 2) if (case.kind == "gate" and case.out == 1) else (case.out,)):
            flags |= case.data[f"{case.tag}/{o}/flags"]
        for v in np.unique(flags):
            sel = np.flatnonzero(flags == v)
            add(case, [a[sel] for a in arrays], f"c{i}_f{v}")
            flag_plan.append((case, int(v), len(lines) - 1, len(sel)))

    manifest = os.path.join(data, "manifest")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    t0 = time.time()
    r = run(runner + [exe, manifest], timeout=3600)
    seconds = time.time() - t0
    raised = {int(m.group(1)): int(m.group(2)) for m in re.finditer(r"^flags (\d+) (\d+)$", r.stdout, re.M)}

    worst, failures, points = {}, [], 0
    for case, out, n in plan:
        c = np.fromfile(out, dtype=case.dtype, count=n)
        case.call = (lambda c: lambda args, sel=None: c)(c)
        args, c, hi, err, near = A.measured_errors(case)
        points += len(err)
        bound = A.ULP_BOUND[case.fmt]
        m = float(np.max(np.where(np.isnan(err), np.inf, err))) if len(err) else 0.0
        if m > worst.get(case.fmt, (-1, ""))[0]:
            worst[case.fmt] = (m, case.label)
        if not m <= bound:
            bad = np.flatnonzero(~(err <= bound))
            j = bad[np.argmax(np.where(np.isnan(err[bad]), np.inf, err[bad]))]
            failures.append(f"   {case.label}: {len(bad)} of {len(err)} points above {bound} ULP, "
                            f"worst {err[j]:.3g} at {A._fmt_point(args, j)} "
                            f"(got {c[j]!r}, exact ~{hi[j]!r})")
    names = {U.FLAG_INVALID: "invalid", U.FLAG_DIVIDE: "divide", U.FLAG_OVERFLOW: "overflow"}
    for case, v, line, count in flag_plan:
        got = raised[line]
        allowed = (v & 7) | (U.FLAG_OVERFLOW if v & U.FLAG_EITHER else 0)
        spurious = got & ~allowed
        absent = (v & 7) & ~got
        for what, bits in (("spurious", spurious), ("missing", absent)):
            if bits:
                kinds = [k for b, k in names.items() if bits & b]
                failures.append(f"   {case.label}: {what} {'/'.join(kinds)} on the {count} points "
                                f"expecting flags {v}")
    print(f"2. accuracy and flags through the loops ({os.path.basename(exe)}): {len(plan)} outputs, {points} points, "
          f"{len(flag_plan)} flag groups, {seconds:.0f} s")
    for fmt in formats:
        if fmt in worst:
            print(f"   {fmt}: worst {worst[fmt][0]:.3f} ULP ({worst[fmt][1]}), "
                  f"bound {A.ULP_BOUND[fmt]}")
    for ln in failures:
        print(ln)
    return not failures


# ------------------------------------------------------------ no-long-double
NO_LD_MARK = "PYACTX_NO_LONG_DOUBLE_build__long_double_is_not_allowed_here"


def no_long_double_guard(work):
    """0: the build refuses long double in the float64/32/16 kernels."""
    probes = {
        "sources as they are": ("", None),
        "a long double variable in sigmoid": ("    long double probe_ = x; (void)probe_;\n", NO_LD_MARK),
        "a call to pyactx_sigmoid_l": ("    (void)pyactx_sigmoid_l(x);\n", "pyactx_sigmoid_l"),
    }
    ok = True
    for what, (line, expect) in probes.items():
        src = os.path.join(work, "guard", "csrc")
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(CSRC, src, ignore=shutil.ignore_patterns("build"))
        kern = os.path.join(src, "include", "pyactx", "kernels", "sigmoid.inc")
        with open(kern) as f:
            text = f.read()
        anchor = "PYACTX_INLINE T NAME(sigmoid)(T x)\n{\n"
        assert anchor in text, "sigmoid.inc changed: update the guard probe"
        with open(kern, "w") as f:
            f.write(text.replace(anchor, anchor + line, 1))
        r = subprocess.run([NATIVE_CC, *LOOP_CFLAGS, "-fsyntax-only", "-DPYACTX_NO_LONG_DOUBLE=1",
                            "-Werror=implicit-function-declaration",
                            "-I" + os.path.join(src, "include"), "-I" + src,
                            os.path.join(src, "loops", "loops_baseline.c")],
                           capture_output=True, text=True)
        good = r.returncode == 0 if expect is None else (r.returncode != 0 and expect in r.stderr)
        ok &= good
        print(f"0. {what}: " + ("compiles" if r.returncode == 0 else "does not compile")
              + ("" if good else "  <-- WRONG\n" + r.stderr[-3000:]))
    return ok


def no_long_double_build(work):
    """1 and 2: build the extension without long double, run the suite on it."""
    lib = os.path.join(work, "lib")
    env = dict(os.environ, PYACTX_NO_LONG_DOUBLE="1")
    t0 = time.time()
    run([sys.executable, "setup.py", "-q", "build_ext", "--build-lib", lib,
         "--build-temp", os.path.join(work, "tmp")], cwd=ROOT, env=env, timeout=3000)
    shutil.copytree(os.path.join(ROOT, "pyactx"), os.path.join(lib, "pyactx"), dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("_core*.so", "_core*.pyd", "__pycache__"))
    print(f"1. PYACTX_NO_LONG_DOUBLE=1 python setup.py build_ext ({time.time() - t0:.0f} s)")
    env = dict(os.environ, PYTHONPATH=lib)
    probe = (
        "import numpy as np, pyactx, sys\n"
        "assert pyactx.__file__.startswith(sys.argv[1]), pyactx.__file__\n"
        "try:\n    pyactx.sigmoid(np.ones(3, np.longdouble)); sys.exit('longdouble loop found')\n"
        "except TypeError as e:\n    print('   np.longdouble input:', str(e).splitlines()[0][:90])\n"
        "print('   dtypes:', ', '.join(t for t in pyactx.gelu.types))\n")
    r = run([sys.executable, "-c", probe, lib], cwd=work, env=env)
    sys.stdout.write(r.stdout)
    t0 = time.time()
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        os.path.join(ROOT, "tests", "numerics", "test_accuracy.py"),
                        os.path.join(ROOT, "tests", "softmax", "test_softmax_family.py"),
                        "-k", "not longdouble"], cwd=work, env=env, capture_output=True, text=True,
                       timeout=3000)
    tail = [ln for ln in r.stdout.splitlines() if ln.strip()][-1:]
    print(f"2. accuracy suite on that build ({time.time() - t0:.0f} s): " + " ".join(tail))
    if r.returncode != 0:
        sys.stdout.write(r.stdout[-8000:] + r.stderr[-3000:])
    return r.returncode == 0


# ------------------------------------------------------------------- 3. NEON
NEON_FP = re.compile(r"\b(fmla|fmls|fmul|fadd|fsub|fdiv|fsqrt|fneg|fabs|fmax|fmin|frint\w*|fcvt\w*|"
                     r"scvtf|ucvtf|bsl|bit|bif|and|orr|eor|bic|cmeq|cmgt|cmhi|cmge|cmhs|shl|sshr|ushr|"
                     r"add|sub|mul)\s+v\d+\.(2d|4s)")


def neon(work, exe, funcs):
    r = run([OBJDUMP, "-d", "--no-show-raw-insn", exe], timeout=600)
    blocks = re.split(r"\n(?=[0-9a-f]+ <)", r.stdout)
    print("3. NEON in the baseline loops (objdump of the aarch64 binary):")
    ok = True
    for fn in funcs:
        sym = f"{fn}_range_d"
        body = next((b for b in blocks if re.match(rf"[0-9a-f]+ <{sym}>:", b)), None)
        if body is None:
            print(f"   {sym}: not found (inlined?)")
            continue
        insns = [ln for ln in body.splitlines()[1:] if re.match(r"\s+[0-9a-f]+:\t", ln)]
        vec = [ln for ln in insns if NEON_FP.search(ln)]
        calls = sorted({m.group(1) for ln in insns for m in [re.search(r"\bbl\s+[0-9a-f]+ <([^>]+)>", ln)] if m})
        print(f"   {sym}: {len(insns)} instructions, {len(vec)} NEON vector operations on "
              f".2d/.4s lanes; calls: {', '.join(calls) or 'none'}")
        ok &= len(vec) > 0
    return ok


def count_per_element(work, exe, funcs, n1=2048, n2=6144):
    """Instructions executed per float64 element: aarch64 from qemu's exec
    trace; beside it, where valgrind and gcc are installed, x86-64 from
    callgrind on eval_loops built natively with the baseline (SSE2) and the
    AVX2 tables.  Each is the difference between n2 and n1 elements."""
    data = os.path.join(work, "count")
    os.makedirs(data, exist_ok=True)
    x = np.random.default_rng(0).normal(0.0, 3.0, n2)
    manifests = {}
    for fn in funcs:
        for n in (n1, n2):
            xin = os.path.join(data, f"{fn}_{n}_x")
            x[:n].tofile(xin)
            manifests[fn, n] = man = os.path.join(data, f"{fn}_{n}.txt")
            with open(man, "w") as f:
                f.write(f"{fn} d {n} {xin} {xin}_y\n")

    def qemu_count(fn, n):
        log = os.path.join(data, f"{fn}_{n}.log")
        run(qemu("-d", "in_asm,exec,nochain", "-D", log, exe, manifests[fn, n]), timeout=1800)
        return trace_instructions(log)

    columns = {"aarch64 (NEON, qemu)": qemu_count}
    if shutil.which("valgrind") and shutil.which("gcc"):
        for table, label in (("baseline", "x86-64 SSE2"), ("avx2", "x86-64 AVX2")):
            native, = build_evals(work, [("gcc", table)])

            def cg_count(fn, n, native=native):
                out = os.path.join(data, "cg.out")
                r = run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                         native, manifests[fn, n]], timeout=1800)
                return int(re.search(r"Collected : (\d+)", r.stderr).group(1))
            columns[f"{label} (callgrind)"] = cg_count
    print(f"   instructions executed per float64 element (N(0, 3^2) inputs, "
          f"{n2} - {n1} elements):")
    print("     function      " + "  ".join(f"{c:>26}" for c in columns))
    result = {}
    for fn in funcs:
        row = [(count(fn, n2) - count(fn, n1)) / (n2 - n1) for count in columns.values()]
        result[fn] = row
        print(f"     {fn:12s}  " + "  ".join(f"{v:26.1f}" for v in row))
    return result


def trace_instructions(log):
    """Sum over executed translation blocks of their guest instruction counts."""
    size, total, cur = {}, 0, None
    with open(log, errors="replace") as f:
        for ln in f:
            if ln.startswith("IN:"):
                cur = None
            elif cur is None and re.match(r"0x[0-9a-f]+:\s", ln):
                cur = int(ln.split(":")[0], 16)
                size[cur] = 1
            elif cur is not None and re.match(r"0x[0-9a-f]+:\s", ln):
                size[cur] += 1
            elif ln.startswith("Trace "):
                m = re.search(r"/(?:0x)?([0-9a-f]{8,16})/", ln)
                if m:
                    total += size.get(int(m.group(1), 16), 0)
                cur = None
            elif not ln.strip():
                cur = None
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", choices=["aarch64", "clang", "no-long-double", "windows"])
    ap.add_argument("--formats", default="float64,float32")
    ap.add_argument("--skip-c-tests", action="store_true")
    ap.add_argument("--count", action="store_true",
                    help="aarch64: also measure instructions per element under qemu's trace")
    ap.add_argument("--keep", metavar="DIR")
    args = ap.parse_args(argv)
    missing = toolchain_missing(args.target)
    if missing:
        print(f"check_builds {args.target}: missing " + ", ".join(missing))
        return 3
    work = args.keep or tempfile.mkdtemp(prefix=f"pyactx-{args.target}-")
    os.makedirs(work, exist_ok=True)
    formats = args.formats.split(",")
    ok = True
    try:
        if args.target == "aarch64":
            if not args.skip_c_tests:
                c_tests(work)
            exe, = build_evals(work, [(CC, "baseline")])
            ok &= accuracy(work, exe, formats, qemu())
            funcs = ["sigmoid", "gelu", "silu", "tanh", "relu"]
            ok &= neon(work, exe, funcs)
            if args.count:
                count_per_element(work, exe, funcs)
        elif args.target == "no-long-double":
            ok &= no_long_double_guard(work)
            ok &= no_long_double_build(work)
        elif args.target == "windows":
            w = ["env", "WINEDEBUG=-all", *wine()]
            if not args.skip_c_tests:
                c_tests(work, MINGW, w, ".exe")
            exe, = build_evals(work, [(MINGW, "baseline")])
            ok &= accuracy(work, exe, formats, w)
        else:
            have = cpu_flags()
            tables = []
            for table, (isa_flags, needs) in X86_TABLES.items():
                if set(needs) <= have:
                    tables.append(table)
                else:
                    print(f"   {table}: this CPU lacks {', '.join(sorted(set(needs) - have))}; skipped")
            specs = [("clang", t) for t in tables]
            for exe in build_evals(work, specs):
                ok &= accuracy(work, exe, formats, [])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"check_builds {args.target}: " + ("all checks passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
