"""Section 5 of ``python -m pyactx demo``: the output layer over a 50,000-token vocabulary."""

from __future__ import annotations

from typing import Dict

import numpy as np

import pyactx
from pyactx import lab

from .context import Context
from .report import ensure, finish


def figures(z) -> Dict[str, object]:
    v = lab.plot_vocab_outputs(z)
    a1, a2 = v.axes
    ensure(a1, None, "sigmoid(z_i), one per token")
    ensure(a2, None, "softmax(z)_i (log scale)")
    finish(v, f"{len(z):,} logits z ~ N(0, 2²): per-token sigmoids do not form a distribution, softmax does")
    j = lab.plot_jacobian(np.array([2.0, 1.0, 0.1, -1.0, 0.5, 3.0]))
    ax1 = j.axes[0]
    ensure(ax1, None, "probability y_i")
    ax1.set_xlabel("class i")
    for ax in j.axes:
        if ax.get_label() == "<colorbar>":
            ax.set_ylabel(r"$J_{ij} = \partial y_i / \partial x_j$")
    finish(j, "softmax of x = (2, 1, 0.1, -1, 0.5, 3) and its Jacobian")
    return {"05_sigmoid_vs_softmax.png": v, "05_softmax_jacobian.png": j}


def run(ctx: Context):
    ctx.report.heading("5. The output layer over a 50,000-token vocabulary")
    z = lab.vocabulary_logits(50_000)
    s, p = pyactx.sigmoid(z), pyactx.softmax(z)
    ctx.say(f"sum of 50,000 per-token sigmoids: {s.sum():,.2f};  sum of softmax: {p.sum():.15f}")
    big = z * 500.0
    naive, msgs = lab.with_warnings(lab.naive_softmax, big)
    ours, msgs2 = lab.with_warnings(pyactx.softmax, big)
    ctx.say(f"logits scaled to max {big.max():.0f}: naive exp(x)/sum(exp(x)) gives {np.isnan(naive).sum()} NaN "
            f"with {len(msgs)} warning(s) {sorted(set(msgs))}; pyactx.softmax gives "
            f"{np.isnan(ours).sum()} NaN, {len(msgs2)} warnings, sum {ours.sum():.15f}")
    x = np.array([1000.0, 999.0, 998.0])
    exact = -np.log1p(np.exp(-1.0) + np.exp(-2.0)) - np.array([0.0, 1.0, 2.0])
    ctx.say(f"log_softmax([1000, 999, 998]) = {pyactx.log_softmax(x)} (exact {exact}); naive: "
            f"{lab.with_warnings(lab.naive_log_softmax, x)[0]}")
    logits = np.random.default_rng(1).standard_normal(10)
    label = 3
    g = pyactx.cross_entropy_grad(logits, label)
    num = lab.numerical_gradient(lambda: float(pyactx.cross_entropy(logits, label)), [logits])[0]
    ctx.say(f"cross_entropy_grad vs central differences: max |difference| = {np.max(np.abs(g - num)):.2e}; "
            f"it equals softmax - onehot to {np.max(np.abs(g - (pyactx.softmax(logits) - np.eye(10)[3]))):.1e}")
    ctx.figs.save_all(lambda: figures(z))
    half = float(np.mean(s > 0.5))
    ctx.report.claim(
        "Over a vocabulary the output must be one probability distribution: softmax, not a sigmoid per token.",
        f"The {len(z):,} per-token sigmoids sum to {s.sum():,.0f} ({100 * half:.0f}% of the tokens get a "
        f"probability above 1/2); the softmax sums to {p.sum():.15f}.",
        abs(s.sum() - 1) > 1 and abs(p.sum() - 1) < 1e-9,
        [f"Each sigmoid answers its own yes/no question, so with logits of spread {z.std():.1f} about half "
         f"the tokens say 'yes'; the softmax divides by one shared sum, so the tokens compete (the left "
         f"panel of 05_sigmoid_vs_softmax is near 1 for the first {int(np.sum(s > 0.99)):,} tokens, the right "
         f"panel's largest probability is {p.max():.1e})."])
