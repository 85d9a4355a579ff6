"""Section 3 of ``python -m pyactx demo``: zero-centred outputs and the zig-zag of gradient descent."""

from __future__ import annotations

from typing import Dict

import numpy as np

from pyactx import lab

from .context import Context
from .report import ensure, finish, join


def figures(zz) -> Dict[str, object]:
    hist = lab.plot_output_hist()
    for ax in hist.axes:
        ensure(ax, "f(z)", "density")
        ax.yaxis.set_tick_params(labelleft=True)
    finish(hist, "Outputs f(z) for z ~ N(0, 1): black line = 0, dashed red line = mean",
           size=(3.2 * len(hist.axes), 3.0))
    zig = lab.plot_zigzag(zz)
    finish(zig, "Path of the weights (w1, w2) of one linear neuron from (0, 0) to w* = (1, -1), "
                "inputs x = f(z)", size=(4.4 * len(zz), 4.6))
    return {"03_output_distributions.png": hist, "03_zigzag.png": zig}


def run(ctx: Context):
    ctx.report.heading("3. Zero-centred outputs and the zig-zag")
    stats = lab.output_stats()
    ctx.say("f(z) for z ~ N(0, 1):")
    ctx.say(lab.format_table([[r["activation"], r["mean"], r["std"], r["mean"] / r["std"], r["min"],
                               r["frac_positive"]] for r in stats],
                             ["activation", "mean", "std", "mean/std", "min", "fraction > 0"]))
    seeds = range(5)
    runs = {name: [lab.zigzag(name, seed=s) for s in seeds] for name in lab.CORE}
    zz = [runs[name][0] for name in lab.CORE]
    steps = {n: np.array([z.steps_to_converge for z in r], dtype=float) for n, r in runs.items()}
    same = {n: np.mean([z.same_sign_frac for z in r]) for n, r in runs.items()}
    cond = {n: np.mean([z.condition_number for z in r]) for n, r in runs.items()}
    gd = {n: np.mean([z.gd_steps for z in r]) for n, r in runs.items()}
    ctx.say(f"\nOne linear neuron learning w* = (1, -1) from inputs x = f(z) (per-example GD, lr 0.5), "
            f"{len(seeds)} seeds (mean ± std):")
    ctx.say(lab.format_table([[n, f"{steps[n].mean():.0f} ± {steps[n].std():.0f}", 100 * same[n], cond[n], gd[n]]
                              for n in lab.CORE],
                             ["inputs", "steps to |w-w*|<0.01", "same-sign updates %", "cond(E[xx^T])",
                              "full-batch GD steps"]))
    ctx.figs.save_all(lambda: figures(zz))
    st = {r["activation"]: r for r in stats}
    mean = {n: st[n]["mean"] for n in st}
    sd = {n: st[n]["std"] for n in st}
    agrees = steps["sigmoid"].mean() > 2 * steps["tanh"].mean() and same["sigmoid"] > 0.95
    others = [n for n in ("relu", "gelu", "silu")]
    by_cond = sorted(lab.CORE, key=lambda n: cond[n])
    by_steps = sorted(lab.CORE, key=lambda n: steps[n].mean())
    follow = ("and the step counts rank the same way" if by_cond == by_steps else
              f"and the step counts rank nearly so ({' < '.join(by_steps)})")
    why = [
        f"relu, gelu and silu are not zero-centred either (means {join([f'{mean[n]:.2f}' for n in others])}; "
        f"relu's minimum is {st['relu']['min']:g}, so it is never negative, like the sigmoid) and take "
        f"{join([f'{steps[n].mean():.0f}' for n in others])} steps: between tanh and the sigmoid.",
        f"What sets the cost is the mean relative to the spread (mean/std: "
        f"{join([f'{n} {mean[n] / sd[n]:.2f}' for n in lab.CORE])}): it sets the condition number "
        f"of E[xx^T] ({' < '.join(f'{n} {cond[n]:.3g}' for n in by_cond)}), {follow}. "
        f"'Roughly zero-centred' for gelu means a mean of {mean['gelu']:.2f} against a std of "
        f"{sd['gelu']:.2f}: much closer to 0 than the sigmoid's {mean['sigmoid']:.2f} against "
        f"{sd['sigmoid']:.2f}, not zero.",
    ]
    ctx.report.claim(
        "Sigmoid outputs are not zero-centred (all positive), so all weight updates of the next neuron share "
        "one sign and gradient descent zig-zags.",
        f"With sigmoid inputs {100 * same['sigmoid']:.0f}% of the updates have both components of one sign and "
        f"reaching w* takes {steps['sigmoid'].mean():.0f} steps; with tanh inputs (mean "
        f"{st['tanh']['mean']:.1e}) {100 * same['tanh']:.0f}% and {steps['tanh'].mean():.0f} steps.",
        agrees, why)
