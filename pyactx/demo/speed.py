"""Section 7 of ``python -m pyactx demo``: ns per element against NumPy, SciPy and PyTorch, one thread."""

from __future__ import annotations

from typing import Dict

import numpy as np

from pyactx import lab

from .context import Context
from .report import ensure, finish


def figures(rows) -> Dict[str, object]:
    fig = lab.plot_speed(rows)
    ensure(fig.axes[0], None, "function | implementation")
    n_rows = len([r for r in rows if r["dtype"] == "float32"])
    # (the axes' own title already says what this is: no figure title above it)
    return {"07_speed.png": finish(fig, None, size=(10, 0.3 * n_rows + 1.6))}


def run(ctx: Context):
    ctx.report.heading("7. Speed (ns per element, median of repeats, one thread)")
    info = lab.machine_info()
    ctx.say("; ".join(f"{k}: {v}" for k, v in info.items()))
    n = 100_000 if ctx.quick else 1_000_000
    dtypes = (np.float32,) if ctx.quick else (np.float32, np.float64)
    n_impl = len(lab._peers(np.zeros(4), np.zeros((2, 2))))
    with lab.Progress(n_impl * len(dtypes), "timing") as bar:
        rows = lab.speed_table(n=n, dtypes=dtypes, repeat=5, min_time=0.01, progress=bar)
    ctx.say(f"{n:,} values:")
    ctx.say(lab.speed_text(rows))
    if info["torch"] == "not installed":
        ctx.say("(PyTorch is not installed: its rows are skipped)")
    ctx.figs.save_all(lambda: figures(rows))
