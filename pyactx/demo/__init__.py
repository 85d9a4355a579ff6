"""``python -m pyactx demo``: the notebooks' experiments at classroom size, in the terminal.

Each section prints its key table to stdout and, for each point of the note it
tests, the claim, what this run measured and -- where the two differ, or where a
figure would otherwise mislead -- sentences built from the numbers that say why.
Anything slower than about a second draws a progress bar on stderr.  Figures are
saved as PNG (matplotlib's Agg backend) in the output folder, and one
self-contained ``index.html`` beside them holds the tables, claims and figures in
order (images embedded), ready to project.  Everything is seeded: two runs print
the same tables, except the timings of the speed section.

    python -m pyactx demo [--out DIR] [--quick] [--only SECTION ...]

Each section is a module (``gallery``, ``vanishing``, ``zero_centred``, ``empirical``,
``output``, ``gates``, ``speed``) with a ``run(ctx)`` that prints and a ``figures(...)``
that returns ``{file name: matplotlib Figure}``; :class:`~pyactx.demo.context.Figures`
saves them and calls its ``hooks`` first (the tests use one to inspect every figure).
:mod:`pyactx.demo.report` holds the report and the figure helpers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Optional

import pyactx
from pyactx import lab

from . import empirical, gallery, gates, output, speed, vanishing, zero_centred
from .context import Context, Figures
from .report import Report

SECTIONS = ("gallery", "vanishing", "zero-centred", "empirical", "output", "gates", "speed")

RUN = {"gallery": gallery.run, "vanishing": vanishing.run, "zero-centred": zero_centred.run,
       "empirical": empirical.run, "output": output.run, "gates": gates.run, "speed": speed.run}


def main(argv=None, *, on_figure: Optional[Callable] = None) -> int:
    """Run the demo.  ``on_figure(name, fig)``, if given, sees every figure before it is saved."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:
        argv = argv[1:]
    ap = argparse.ArgumentParser(
        prog="python -m pyactx demo",
        description="Run the experiments of the pyactx notebooks at classroom size: print their tables, "
                    "each claim of the note next to what was measured, and save the figures plus one "
                    "self-contained index.html.")
    ap.add_argument("--out", default="pyactx-demo-figures", metavar="DIR",
                    help="folder for the figures and index.html (default: ./pyactx-demo-figures)")
    ap.add_argument("--quick", action="store_true",
                    help="smaller runs (fewer seeds, epochs and timings; about half the time)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                    help=f"run only these sections: {', '.join(SECTIONS)}")
    args = ap.parse_args(argv)
    report = Report(f"pyactx {getattr(pyactx, '__version__', '?')} demo{' (quick)' if args.quick else ''}")
    figs = Figures(args.out, report, hooks=[on_figure] if on_figure else ())
    ctx = Context(report, figs, args.quick)
    t0 = time.perf_counter()
    report.say(f"{report.title}: {len(lab.activation_names())} activations in the registry")
    with lab.blas_threads(1):
        for name in args.only or SECTIONS:
            RUN[name](ctx)
    print(f"\nDone in {time.perf_counter() - t0:.1f} s.")
    if figs.saved:
        index = report.write_html(os.path.join(args.out, "index.html"))
        print(f"{len(figs.saved)} figures written to {os.path.abspath(args.out)}:")
        for p in figs.saved:
            print(f"  {os.path.basename(p)}")
        print(f"Everything on one page (tables, claims, figures): {os.path.abspath(index)}")
    return 0
