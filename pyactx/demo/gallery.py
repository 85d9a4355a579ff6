"""Section 1 of ``python -m pyactx demo``: every activation and its derivative, and a table of their properties."""

from __future__ import annotations

from typing import Dict

import numpy as np

import pyactx
from pyactx import lab

from .context import Context
from .report import ensure, finish


def figures() -> Dict[str, object]:
    fig = lab.plot_gallery()
    names = lab.activation_names()
    for ax, name in zip(fig.axes, names):
        ensure(ax, "p" if name == "logit" else "x", "f, f'", fontsize=6, loc="best")
    ncols = 6
    nrows = -(-len(names) // ncols)
    return {"01_gallery.png": finish(fig, "Every activation f (solid) and its derivative f' (dashed)",
                                     size=(3.0 * ncols, 2.6 * nrows))}


def run(ctx: Context):
    ctx.report.heading("1. The activations and their derivatives")
    rows, headers = lab.properties_table()
    ctx.say(lab.format_table(rows, headers))
    by = {r[0]: r for r in rows}
    ctx.say(f"\nsup |f'|: sigmoid {by['sigmoid'][6]:g}, tanh {by['tanh'][6]:g}, relu {by['relu'][6]:g}, "
            f"gelu {by['gelu'][6]:.4f}, silu {by['silu'][6]:.4f}.")
    ds = pyactx.sigmoid_grad(np.array([0.0, 2.0, 5.0, 10.0]))
    ctx.say(f"sigmoid'(z) at z = 0, 2, 5, 10: {ds[0]:.4f}, {ds[1]:.4f}, {ds[2]:.4f}, {ds[3]:.1e} "
            f"(saturation: the derivative is never above 1/4 and nearly 0 once |z| > 5).")
    ctx.results["sigmoid_grad"] = ds
    ctx.figs.save_all(figures)
