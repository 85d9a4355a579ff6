"""python -m pyactx bench -- pyactx side by side with its peers, in one process.

Every function and derivative of the registry (``pyactx.ACTIVATIONS`` at the
default parameter, the gates and binary_cross_entropy of ``pyactx.BINARY``,
the softmax family of ``pyactx.SOFTMAX_FAMILY``) is timed on the same arrays,
with preallocated outputs, next to

  numpy    the composite a user writes by hand with NumPy ufuncs and ``out=``
           (``1/(1+np.exp(-x))``, ...; GELU needs an erf, taken from
           scipy.special because NumPy has none)
  scipy    scipy.special where it has the function or its building block
           (expit, log_expit, erfc/ndtr-based GELU, logit, softmax,
           log_softmax, logsumexp)
  torch    PyTorch CPU: the functional form's ATen kernel through its ``out=``
           overload, derivatives through ``torch.ops.aten.*_backward``
  numexpr  the same expression as a numexpr string, where it can be written
  jax      the jax.nn function, ``jax.jit``-compiled, ``block_until_ready``
  floor    ``np.negative(x, out=y)``: what any unary ufunc pays to read and
           write memory (the bandwidth floor)

Each peer that is not installed is skipped with a note.  The exact mapping
used for every function is in ``--list`` and in the JSON (``mappings``).

Timing: same arrays and preallocated outputs for everyone, one warm-up call
(JAX compiles there), then the median of at least --repeats samples, more
while they fit in --budget seconds; fast calls are looped inside a sample.
The CPU time of each sample is recorded too (``ns_per_el_cpu``): on a shared,
busy machine it is the steadier number for one thread.  A full run takes
about 8-10 minutes on a 2-core machine with the current build.

Output: a table on stdout, and ``bench-<tag>.json``, ``bench-<tag>.txt`` and
``bench-<tag>.png`` (speed-up vs size) in ``--out``.  Numbers are ns per
element (median of repeats after a warm-up); ``speed-up = peer ns / pyactx
ns``, so a value below 1 means the peer is faster.

Options
  --quick               sigmoid, gelu, silu, softmax (with grads), sizes 1e3,
                        1e5, 1e6: under a minute
  --funcs a,b           only these (``sigmoid`` selects sigmoid and
                        sigmoid_grad; ``sigmoid_grad`` only the derivative;
                        ``softmax_2d`` the float32 1000x1000 axis=1 case)
  --sizes 1e3,1e6       element counts (default 1e3,1e5,1e6,1e7)
  --dtypes float32      (default float32,float64)
  --threads 1,all       thread settings (default both)
  --peers numpy,torch   peers to run (default all)
  --budget S            seconds of timing per (function, case, implementation)
                        (default 0.04; at least --repeats calls are timed)
  --repeats N           minimum timed repeats (default 3)
  --slow-cap S          calls so slow that N of them pass S seconds get fewer
                        samples, never fewer than 2 (default 0.5)
  --max-call S          do not time an implementation at a size where one
                        call, scaled from the previous size, would pass S
                        seconds; reported as too_slow (default 5)
  --check-max N         compare each peer's result with pyactx's (a guard
                        against a wrong mapping) up to this size (1e5)
  --out DIR             where to write the files (default ./pyactx-bench)
  --tag NAME            file name tag (default full / quick / custom)
  --no-plot             do not write the PNG
  --keep-openblas-env   do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
  --list                print the mapping of every function to each peer

Threads: ``1`` sets torch.set_num_threads(1) and numexpr.set_num_threads(1);
``all`` sets both to every core this process may run on.  pyactx is set via
``pyactx.set_num_threads`` where that exists, and otherwise runs
single-threaded in both settings (noted).  NumPy, SciPy and np.negative are
single-threaded, so the ``all`` setting reuses their ``1`` numbers.  XLA's CPU
thread pool cannot be changed once JAX is loaded: JAX is started
single-threaded (XLA_FLAGS, unless XLA_FLAGS is already set) and its numbers
are reused for ``all`` (noted).

Environment: OpenBLAS builds are told OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE on
some machines here, which slows a current NumPy; unless --keep-openblas-env is
given, the benchmark re-executes itself once with both unset, for its own
process only, and records the original values in the JSON.
"""
# The package: cases.py (what is timed, on which arrays), libs.py (the peers'
# imports), peers.py (pyactx, the floor and the table of peer implementations),
# timing.py (the one timing harness), runner.py (the run loop), report.py
# (summary, text, PNG, JSON), machine.py (what the JSON records about the
# machine); this file is the command line.
from __future__ import annotations

import argparse
import json
import os
import sys

from .cases import (FLOOR, JAC_MAX_SIZE, JAC_ROW, PEERS, ROW, SOFTMAX_2D, Ctx, Func, all_funcs,
                    select_funcs)
from .libs import Libs
from .machine import _CHILD_ENV, _OPENBLAS_ENV, machine_info
from .peers import MAPPINGS, floor_callable, pyactx_callable
from .report import dump_json, plot, render, summarize
from .runner import SCHEMA, run
from .timing import measure, time_call

__all__ = ["FLOOR", "JAC_MAX_SIZE", "JAC_ROW", "PEERS", "ROW", "SOFTMAX_2D", "Ctx", "Func",
           "all_funcs", "select_funcs", "Libs", "machine_info", "MAPPINGS", "floor_callable",
           "pyactx_callable", "dump_json", "plot", "render", "summarize", "SCHEMA", "run",
           "measure", "time_call", "parse_args", "main"]

DEFAULT_SIZES = (1_000, 100_000, 1_000_000, 10_000_000)
QUICK_FUNCS = ("sigmoid", "gelu", "silu", "softmax")
QUICK_SIZES = (1_000, 100_000, 1_000_000)


def _parse_sizes(s):
    return [int(float(v)) for v in s.split(",") if v.strip()]


def _list_mappings():
    import pyactx
    for f in all_funcs(pyactx):
        print(f.name + (f"  (at {f.params})" if f.params else ""))
        print(f"    {'pyactx':8s} pyactx.{f.name}(..., out=...)")
        for peer in PEERS:
            e = MAPPINGS.get(f.name, {}).get(peer)
            print(f"    {peer:8s} {e[0] if e else '-- (no equivalent)'}")
    print(f"{SOFTMAX_2D}\n    softmax / log_softmax float32 (1000, 1000) along axis=1: every peer's own form")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m pyactx bench",
                                 description="pyactx side by side with NumPy, SciPy, PyTorch, numexpr, JAX",
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="sigmoid, gelu, silu, softmax (with grads) at sizes 1e3, 1e5, 1e6: under a minute")
    ap.add_argument("--funcs", metavar="A,B",
                    help="only these functions (sigmoid selects sigmoid and sigmoid_grad; sigmoid_grad "
                         "only the derivative; softmax_2d the float32 1000x1000 axis=1 case)")
    ap.add_argument("--sizes", metavar="1e3,1e6", help="element counts (default 1e3,1e5,1e6,1e7)")
    ap.add_argument("--dtypes", metavar="float32,float64",
                    help="float32 and/or float64 (default both)")
    ap.add_argument("--threads", metavar="1,all",
                    help="thread settings: a number or 'all' (every core this process may use); "
                         "default 1,all")
    ap.add_argument("--peers", metavar="numpy,torch",
                    help="peers to run, from numpy, scipy, torch, numexpr, jax, floor (default all)")
    ap.add_argument("--budget", type=float, metavar="S",
                    help="seconds of timing per (function, case, implementation); default 0.04, "
                         "0.02 with --quick (at least --repeats calls are timed)")
    ap.add_argument("--repeats", type=int, default=3, metavar="N",
                    help="minimum number of timed repeats (default 3)")
    ap.add_argument("--max-call", type=float, default=5.0,
                    help="seconds: skip an implementation at a size where its time per call, "
                         "scaled from the last smaller size, would pass this (noted as too_slow)")
    ap.add_argument("--slow-cap", type=float, default=0.5,
                    help="seconds: calls so slow that --repeats of them pass this get fewer "
                         "samples (never fewer than 2)")
    ap.add_argument("--check-max", type=int, default=100_000,
                    help="compare each peer's result with pyactx's up to this size")
    ap.add_argument("--out", default="pyactx-bench", metavar="DIR",
                    help="folder for bench-<tag>.json/.txt/.png (default ./pyactx-bench)")
    ap.add_argument("--tag", metavar="NAME",
                    help="file-name tag (default: full, quick or custom, from the other options)")
    ap.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    ap.add_argument("--keep-openblas-env", action="store_true",
                    help="do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for the benchmark process")
    ap.add_argument("--list", action="store_true",
                    help="print the mapping of every function to each peer, then exit")
    a = ap.parse_args(argv)
    a.command = "python -m pyactx bench " + " ".join(argv)
    a.funcs = [s.strip() for s in a.funcs.split(",") if s.strip()] if a.funcs else (
        list(QUICK_FUNCS) if a.quick else None)
    if a.funcs:
        import pyactx
        select_funcs(all_funcs(pyactx), a.funcs)      # exits on an unknown name
    a.sizes = _parse_sizes(a.sizes) if a.sizes else list(QUICK_SIZES if a.quick else DEFAULT_SIZES)
    a.dtypes = [s.strip() for s in a.dtypes.split(",")] if a.dtypes else ["float32", "float64"]
    for d in a.dtypes:
        if d not in ("float32", "float64"):
            raise SystemExit(f"--dtypes: float32 and/or float64, not {d!r}")
    a.threads = [s.strip() for s in a.threads.split(",")] if a.threads else ["1", "all"]
    for t in a.threads:
        if t != "all" and not t.isdigit():
            raise SystemExit(f"--threads: 'all' or a number, not {t!r}")
    a.peers = [s.strip() for s in a.peers.split(",")] if a.peers else list(PEERS) + [FLOOR]
    for p in a.peers:
        if p not in PEERS + (FLOOR,):
            raise SystemExit(f"--peers: from {PEERS + (FLOOR,)}, not {p!r}")
    if a.budget is None:
        a.budget = 0.02 if a.quick else 0.04
    if a.tag is None:
        custom = any(x is not None for x in (a.funcs if not a.quick else None,))
        a.tag = "quick" if a.quick else ("custom" if custom or argv_has_filters(argv) else "full")
    return a


def argv_has_filters(argv):
    return any(s.split("=")[0] in ("--funcs", "--sizes", "--dtypes", "--threads", "--peers")
               for s in argv)


def _reexec_without_openblas_env(argv) -> None:
    if os.environ.get(_CHILD_ENV) is not None:
        return
    present = {k: os.environ[k] for k in _OPENBLAS_ENV if k in os.environ}
    if not present:
        return
    env = dict(os.environ)
    for k in _OPENBLAS_ENV:      # both together, for this process only
        env.pop(k, None)
    env[_CHILD_ENV] = json.dumps(present)
    print(f"pyactx bench: re-running with {' and '.join(present)} unset (for this benchmark "
          f"process only; --keep-openblas-env to keep them)", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "pyactx.bench", *argv], env)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_args(argv)
    if cfg.list:
        _list_mappings()
        return 0
    if not cfg.keep_openblas_env:
        _reexec_without_openblas_env(argv)
    res = run(cfg)
    text = render(res)
    print(text)
    os.makedirs(cfg.out, exist_ok=True)
    base = os.path.join(cfg.out, f"bench-{cfg.tag}")
    png = None if cfg.no_plot else plot(res, base + ".png")
    res["files"] = {"json": base + ".json", "txt": base + ".txt", "png": png}
    with open(base + ".json", "w") as fh:
        dump_json(res, fh)
    with open(base + ".txt", "w") as fh:
        fh.write(text + "\n")
    print(f"\nwrote {base}.json, {base}.txt" + (f", {png}" if png else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
