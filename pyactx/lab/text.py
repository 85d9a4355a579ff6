"""Text output: aligned plain-text tables and a progress bar on stderr.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Optional, Sequence

import numpy as np


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if v == 0 or not math.isfinite(v):
            return str(v)
        if 1e-3 <= abs(v) < 1e5:
            return f"{v:.4g}"
        return f"{v:.3e}"
    return str(v)


def format_table(rows: Sequence[Sequence], headers: Sequence[str]) -> str:
    """A plain-text table with aligned columns (numbers right-aligned)."""
    cells = [[_fmt(v) for v in r] for r in rows]
    numeric = [all(isinstance(r[j], (int, float, np.number)) and not isinstance(r[j], bool)
                   for r in rows) for j in range(len(headers))]
    widths = [max([len(h)] + [len(c[j]) for c in cells]) for j, h in enumerate(headers)]

    def line(vals):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(vals, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(c) for c in cells])


class Progress:
    """A one-line text progress bar on stderr, redrawn in place (``\\r``) on a terminal;
    elsewhere (a log file, CI) only the final line is written."""

    def __init__(self, total: int, label: str = "", width: int = 30, stream=None,
                 live: Optional[bool] = None):
        self.total, self.label, self.width = max(1, total), label, width
        self.stream = stream if stream is not None else sys.stderr
        if live is None:
            live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.live = live
        self.done = 0
        self.t0 = time.perf_counter()
        if self.live:
            self._draw()

    def _draw(self):
        frac = min(1.0, self.done / self.total)
        bar = "#" * int(round(frac * self.width))
        self.stream.write(f"\r{self.label:<28} [{bar:<{self.width}}] {100 * frac:5.1f}% "
                          f"{time.perf_counter() - self.t0:6.1f}s")
        self.stream.flush()

    def __call__(self, k: int = 1):
        self.done += k
        if self.live:
            self._draw()

    def close(self):
        self.done = self.total
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
