"""Helpers of ``python -m pyactx demo``: the report (terminal text plus one
self-contained ``index.html``), the claim / measured / why blocks, and the
finishing touches that make every figure readable by a class (labelled axes,
legends, titles; integer epoch ticks come from :func:`pyactx.lab.plots.integer_ticks`).

Nothing here runs an experiment; the sections of :mod:`pyactx.demo` do, with :mod:`pyactx.lab`.
"""

from __future__ import annotations

import base64
import html
import os
import textwrap
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np


# ---------------------------------------------------------------------------
# The report: stdout and index.html, in the same order
# ---------------------------------------------------------------------------

class Report:
    """Prints to stdout and remembers what it printed, so that :meth:`write_html`
    can lay out the same tables, claims and figures, in order, in one HTML page."""

    def __init__(self, title: str, stream=None):
        self.title = title
        self.items: List[Tuple[str, object]] = []
        self.stream = stream

    def _print(self, s: str = ""):
        print(s, file=self.stream)

    def heading(self, title: str):
        self._print()
        self._print(title)
        self._print("=" * len(title))
        self.items.append(("h2", title))

    def say(self, text: str = ""):
        """Plain text or a table: printed as is, shown preformatted in the HTML."""
        self._print(text)
        if self.items and self.items[-1][0] == "pre":
            self.items[-1] = ("pre", self.items[-1][1] + "\n" + text)
        else:
            self.items.append(("pre", text))

    def claim(self, claim: str, measured: str, agrees: bool, why: Sequence[str] = ()):
        """One of the note's points: what it claims, what the run measured, and (where the
        two differ, or where a figure needs it) why, in sentences built from the numbers."""
        verdict = "agrees with the claim" if agrees else "differs from the claim"
        lines = [("Claim", claim), ("Measured", measured), ("Verdict", verdict)]
        lines += [("Why", w) for w in why if w]
        self._print()
        for key, val in lines:
            wrapped = textwrap.wrap(val, width=96, initial_indent="", subsequent_indent=" " * 10) or [""]
            self._print(f"{key + ':':<10}{wrapped[0]}")
            for w in wrapped[1:]:
                self._print(w)
        self.items.append(("claim", lines))

    def figure(self, path: str, caption: str = ""):
        self.items.append(("img", (path, caption)))

    def write_html(self, path: str) -> str:
        """One self-contained page (images embedded as base64 data URIs)."""
        out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
               f"<title>{html.escape(self.title)}</title>",
               "<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;"
               "font-size:18px;line-height:1.4}pre{font-size:14px;background:#f6f6f6;padding:.6em;"
               "overflow-x:auto}img{max-width:100%;display:block;margin:1em 0}"
               ".claim{border-left:6px solid #4a7;padding:.4em 1em;background:#f3faf5;margin:1em 0}"
               ".claim.differs{border-color:#d84;background:#fdf6f0}.claim dt{font-weight:bold}"
               ".claim dd{margin:0 0 .4em 1.5em}figcaption{font-size:15px;color:#444}</style>",
               "</head><body>", f"<h1>{html.escape(self.title)}</h1>"]
        for kind, val in self.items:
            if kind == "h2":
                out.append(f"<h2>{html.escape(val)}</h2>")
            elif kind == "pre":
                out.append(f"<pre>{html.escape(val)}</pre>")
            elif kind == "claim":
                differs = any(k == "Verdict" and v.startswith("differs") for k, v in val)
                out.append(f"<div class=\"claim{' differs' if differs else ''}\"><dl>")
                out += [f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in val]
                out.append("</dl></div>")
            elif kind == "img":
                p, caption = val
                with open(p, "rb") as fh:
                    data = base64.b64encode(fh.read()).decode("ascii")
                alt = html.escape(caption or os.path.basename(p))
                out.append(f"<figure><img alt=\"{alt}\" src=\"data:image/png;base64,{data}\">"
                           f"<figcaption>{html.escape(os.path.basename(p))}"
                           f"{': ' + html.escape(caption) if caption else ''}</figcaption></figure>")
        out.append("</body></html>")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(out) + "\n")
        return path


# ---------------------------------------------------------------------------
# Sentences built from numbers
# ---------------------------------------------------------------------------

def join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def probe_sentence(p, depth: int) -> str:
    """What a gradient probe shows, in one sentence: vanishing, exploding or kept, and
    whether the whole scale is tiny because the forward signal died."""
    g1, gl = float(p.grad_norm[0]), float(p.grad_norm[-1])
    ratio = g1 / gl if gl > 0 else 0.0
    s0, sl = float(p.preact_std[0]), float(p.preact_std[-1])
    if ratio < 0.1:
        flow = (f"the gradient {'vanishes' if ratio < 1e-3 else 'shrinks'} towards the input: layer 1 gets "
                f"{ratio:.1e} of layer {depth}'s (x{p.decay_per_layer:.3f} per layer)")
    elif ratio > 10:
        flow = (f"the gradient grows towards the input{' (explodes)' if ratio > 1e3 else ''}: layer 1 gets "
                f"{ratio:.2g} times layer {depth}'s (x{p.decay_per_layer:.3f} per layer)")
    else:
        flow = f"the gradient keeps its size across layers (layer 1 / layer {depth} = {ratio:.2g})"
    scale = ""
    if max(g1, gl) < 1e-6:
        scale = (f"; but every layer's gradient is tiny (about {gl:.0e}) because the forward signal dies: "
                 f"the pre-activations' standard deviation falls from {s0:.2g} in layer 1 to {sl:.1e} "
                 f"in layer {depth}")
    return f"{p.activation} ({p.init}): {flow}{scale}."


def still_falling(curve: np.ndarray) -> float:
    """Fraction of the total drop of a (mean) loss curve that happened in its last epoch."""
    total = float(curve[0] - curve.min())
    return float((curve[-2] - curve[-1]) / total) if total > 0 and len(curve) > 1 else 0.0


# ---------------------------------------------------------------------------
# Figures a class can read
# ---------------------------------------------------------------------------

def labelled_artists(ax) -> List:
    """Lines, patches and collections of ``ax`` with a label a legend would show."""
    arts = list(ax.lines) + list(ax.collections) + list(ax.patches)
    seen, out = set(), []
    for a in arts:
        lab = a.get_label()
        if lab and not lab.startswith("_") and lab not in seen:
            seen.add(lab)
            out.append(a)
    return out


def ensure(ax, xlabel: Optional[str] = None, ylabel: Optional[str] = None, title: Optional[str] = None,
           legend: bool = True, fontsize: float = 8, **legend_kw):
    """Set the labels that are missing (never overwrite one that is there), and draw a legend
    when two or more artists carry labels."""
    if xlabel and not ax.get_xlabel():
        ax.set_xlabel(xlabel)
    if ylabel and not ax.get_ylabel():
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title, fontsize=10)
    if legend and len(labelled_artists(ax)) >= 2 and ax.get_legend() is None:
        ax.legend(fontsize=fontsize, **legend_kw)


def data_axes(fig) -> Iterable:
    """The Axes of ``fig`` that show data (not colour bars, not switched-off panels)."""
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>" or not ax.axison:
            continue
        if ax.lines or ax.collections or ax.patches or ax.images:
            yield ax


#: the resolution the demo saves its figures at.  Layout is computed at it too: text
#: extents do not scale exactly with the dpi (font hinting), and a layout made at 100
#: dpi pushed 07_speed's y label 6 pixels off the left edge of the 90-dpi PNG.
SAVE_DPI = 90


def finish(fig, suptitle: Optional[str] = None, size: Optional[Tuple[float, float]] = None):
    fig.set_dpi(SAVE_DPI)
    if size is not None:
        fig.set_size_inches(*size)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout()
    return fig


def figure_problems(fig, name: str = "figure") -> List[str]:
    """What keeps ``fig`` from being readable: unlabelled axes, a missing legend, fractional
    epoch ticks, or text outside the canvas.  Used by the tests."""
    problems = []
    if not hasattr(fig.canvas, "get_renderer"):     # a closed pyplot figure: draw it with Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    tol = 1.0
    for i, ax in enumerate(data_axes(fig)):
        where = f"{name} axes {i} ({ax.get_title() or ax.get_label() or '?'})"
        if not ax.get_xlabel().strip():
            problems.append(f"{where}: no x label")
        if not ax.get_ylabel().strip():
            problems.append(f"{where}: no y label")
        n_lab = len(labelled_artists(ax))
        if n_lab >= 2 and ax.get_legend() is None and not fig.legends:
            problems.append(f"{where}: {n_lab} labelled lines but no legend")
        if "epoch" in ax.get_xlabel().lower():
            lo, hi = sorted(ax.get_xlim())
            ticks = [t for t in ax.get_xticks() if lo - 1e-9 <= t <= hi + 1e-9]
            if any(abs(t - round(t)) > 1e-9 for t in ticks):
                problems.append(f"{where}: fractional epoch ticks {ticks}")
        bb = ax.get_tightbbox(r)
        if bb is not None and (bb.x0 < -tol or bb.y0 < -tol or bb.x1 > W + tol or bb.y1 > H + tol):
            problems.append(f"{where}: labels outside the canvas ({bb.x0:.0f}, {bb.y0:.0f}, {bb.x1:.0f}, "
                            f"{bb.y1:.0f}) vs {W:.0f} x {H:.0f}")
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            if not (ax.get_ylabel().strip() or ax.get_xlabel().strip()):
                problems.append(f"{name}: colour bar without a label")
    for t in list(fig.texts) + [l for l in fig.legends] + ([fig._suptitle] if fig._suptitle else []):
        if not t.get_visible():
            continue
        bb = t.get_window_extent(r)
        if bb.x0 < -tol or bb.y0 < -tol or bb.x1 > W + tol or bb.y1 > H + tol:
            problems.append(f"{name}: figure text outside the canvas: {getattr(t, 'get_text', lambda: t)()!r}")
    return problems
