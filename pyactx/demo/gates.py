"""Section 6 of ``python -m pyactx demo``: where the sigmoid lives: gates and binary outputs."""

from __future__ import annotations

from typing import Dict

import numpy as np

import pyactx
from pyactx import lab

from .context import Context
from .report import ensure, finish, join


_GATE_TITLE = {"glu": "glu(a, b) = a·sigmoid(b): b is the gate",
               "swiglu": "swiglu(a, b) = silu(a)·b: b multiplies",
               "geglu": "geglu(a, b) = gelu(a)·b: b multiplies"}


def figures(mem) -> Dict[str, object]:
    lstm = lab.plot_lstm(mem)
    ensure(lstm.axes[0], None, None)
    ensure(lstm.axes[1], None, "density")
    finish(lstm, "LSTM cell with random weights: the forget gate's bias decides how long the memory lasts")
    g = lab.plot_gates()
    for ax in g.axes:
        name = ax.get_title()
        ensure(ax, "a", f"{name}(a, b)", title=_GATE_TITLE.get(name, name))
        ax.yaxis.set_tick_params(labelleft=True)
    finish(g, "The GLU family as functions of a, for three values of b", size=(13, 3.8))
    b = lab.plot_bce()
    a1, a2 = b.axes
    x = np.linspace(-50, 50, 1001)
    naive, _ = lab.with_warnings(lab.naive_bce, x, np.ones_like(x))
    for line in a1.lines:
        if "naive" in line.get_label():
            line.set_label("naive -[t·log s + (1-t)·log(1-s)], s = sigmoid(x)")
    bad = x[~np.isfinite(naive)]
    if bad.size:
        a1.axvspan(bad.min(), bad.max(), color="C3", alpha=0.15,
                   label=f"naive formula gives NaN (x ≥ {bad.min():.0f}): (1-t)·log(1-s) = 0·(-inf)")
    if a1.get_legend() is not None:
        a1.get_legend().remove()
    a1.legend(fontsize=7, loc="upper right")
    ensure(a1, None, "loss (nats)", title="Binary cross-entropy of a positive example")
    ensure(a2, None, "gradient (per unit of logit)")
    finish(b, "Binary outputs: the loss from the logit, and the gradient with and without the sigmoid's "
              "saturation", size=(13, 4.2))
    return {"06_lstm.png": lstm, "06_gates.png": g, "06_bce.png": b}


def run(ctx: Context):
    ctx.report.heading("6. Where the sigmoid lives: gates and binary outputs")
    quick = ctx.quick
    mem = lab.lstm_memory()
    ctx.say("LSTM cell (random weights, random inputs): what is left of c_0 after t steps = mean prod f_s")
    ctx.say(lab.format_table([[fb, float(r["gate_values"]["forget"].mean()), r["retention"][10],
                               r["retention"][50]] for fb, r in mem.items()],
                             ["forget bias", "mean forget gate", "t = 10", "t = 50"]))
    digits = lab.load_digits()
    seeds, epochs = ((0,), 5) if quick else ((0, 1), 10)
    with lab.Progress(4 * len(seeds) * epochs, "gated blocks") as bar:
        cg = lab.compare_gates(digits, hidden=32, seeds=seeds, epochs=epochs, progress=bar)
    ctx.say(f"\nOne gated block (width 32) on digits, Adam, {epochs} epochs, seeds {seeds}:")
    ctx.say(cg.table())
    xs = np.array([-800.0, -40.0, -20.0, 0.0, 20.0, 40.0, 800.0])
    t = np.ones_like(xs)
    naive, _ = lab.with_warnings(lab.naive_bce, xs, t)
    ctx.say("\nBinary cross-entropy of a positive example (t = 1) from its logit (naive: "
            "-[t·log s + (1-t)·log(1-s)] with s = sigmoid(x)):")
    ctx.say(lab.format_table([[x, float(a), float(b), float(c), float(d)] for x, a, b, c, d in
                              zip(xs, pyactx.binary_cross_entropy(xs, t), naive,
                                  pyactx.binary_cross_entropy_grad(xs, t), lab.mse_sigmoid_grad(xs, t))],
                             ["logit", "pyactx BCE", "naive formula", "BCE grad", "MSE-on-sigmoid grad"]))
    bd = lab.binary_digits(3, 8)
    cb = lab.compare_models(bd, {"relu MLP + sigmoid/BCE head": lambda s: lab.MLP([64, 32, 1], "relu", seed=s)},
                            seeds=(0,), epochs=10, head="sigmoid")
    bin_acc = cb.final("relu MLP + sigmoid/BCE head", "test_acc")[0]
    ctx.say(f"digits 3 vs 8 with one sigmoid output and BCE from logits: test accuracy {100 * bin_acc:.2f}%")
    ctx.figs.save_all(lambda: figures(mem))

    fbs = list(mem)
    hi, zero = max(fbs), (0.0 if 0.0 in mem else min(fbs, key=abs))
    why = []
    nan_at = [float(x) for x, v in zip(xs, naive) if np.isnan(v)]
    inf_at = [float(x) for x, v in zip(xs, naive) if np.isinf(v)]
    if nan_at or inf_at:
        why.append(
            "The naive BCE column: "
            + (f"at x = {join([f'{v:g}' for v in nan_at])} sigmoid(x) rounds to 1, so log(1-s) = -inf and "
               f"(1-t)·log(1-s) = 0·(-inf) = NaN (the -log(s) term is fine)" if nan_at else "")
            + ("; " if nan_at and inf_at else "")
            + (f"at x = {join([f'{v:g}' for v in inf_at])} sigmoid(x) rounds to 0 and -log(s) = inf" if inf_at else "")
            + ". pyactx computes the loss from the logit and stays finite. In 06_bce the two loss curves coincide "
              "wherever the naive one is finite; the shaded band marks where it is NaN.")
    gate_names = [n for n in ("swiglu", "geglu") if n in cg.curves]
    if "glu" in cg.curves and gate_names:
        glu_loss = cg.final("glu")[0]
        worse = [n for n in gate_names if cg.final(n)[0] > glu_loss]
        if worse:
            per_seed = {n: cg.curves[n]["test_loss"][:, -1] for n in worse}
            train = {n: cg.final(n, "train_loss")[0] for n in worse + ["glu"]}
            acc = {n: cg.final(n, "test_acc")[0] for n in worse + ["glu"]}
            why.append(
                f"The gated blocks: {join(worse)} end with a higher test loss than glu ({glu_loss:.3f}); per seed "
                + join([f"{n} {', '.join(f'{v:.3f}' for v in per_seed[n])}" for n in worse])
                + f", at training losses {join([f'{n} {train[n]:.3f}' for n in worse + ['glu']])} and test "
                  f"accuracies {join([f'{n} {100 * acc[n]:.1f}%' for n in worse + ['glu']])}. "
                + ("Lower training loss with higher test loss means overfitting: the unbounded product silu(a)·b "
                   "or gelu(a)·b lets a seed make a few very confident mistakes, which cross-entropy punishes. "
                   if any(train[n] <= train["glu"] for n in worse) else
                   "They also train more slowly here: one block of width 32, a shared learning rate and "
                   f"{epochs} epochs are far from a transformer's FFN. ")
                + f"With {len(seeds)} seed{'s' if len(seeds) > 1 else ''} and {len(digits.y_train)} images this is not the setting in which "
                  "SwiGLU/GEGLU beat GLU (Shazeer 2020 trained transformers on billions of tokens).")
    ctx.report.claim(
        "The sigmoid survives where a value in (0, 1) is the point: gates (LSTM, GLU) and binary outputs.",
        f"LSTM forget gate: with bias {hi:+g} the cell keeps {mem[hi]['retention'][50]:.1e} of c_0 after 50 steps, "
        f"with bias {zero:+g} only {mem[zero]['retention'][50]:.1e}; the sigmoid-gated glu block reaches "
        f"{100 * cg.final('glu', 'test_acc')[0]:.1f}% on digits; a sigmoid/BCE output separates 3 from 8 with "
        f"{100 * bin_acc:.1f}% test accuracy.",
        True, why)
