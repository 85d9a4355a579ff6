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

Each section builds its figures in a ``*_figures`` function that returns
``{file name: matplotlib Figure}``; :class:`_Figures` saves them and calls its
``hooks`` first (the tests use one to inspect every figure).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, List, Optional

import numpy as np

import pyactx
from pyactx import lab
from pyactx.demo.report import Report, ensure, finish, integer_ticks, join, probe_sentence

SECTIONS = ("gallery", "vanishing", "zero-centred", "empirical", "output", "gates", "speed")


class _Figures:
    """Saves figures into ``out`` and lists them in the report (or does nothing when
    matplotlib is missing).  Every callable in ``hooks`` (the class list, then the
    instance's) is called as ``hook(name, fig)`` before the figure is saved and closed."""

    hooks: List[Callable] = []

    def __init__(self, out: str, report: Optional[Report] = None, hooks=()):
        self.out = out
        self.report = report
        self.saved: List[str] = []
        self.instance_hooks = list(hooks)
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            self.plt = plt
        except ImportError:
            self.plt = None
            print("(matplotlib is not installed: tables only, no figures)")

    @property
    def enabled(self) -> bool:
        return self.plt is not None

    def save_all(self, build: Callable[[], Dict[str, object]], captions: Optional[Dict[str, str]] = None):
        """``build()`` returns ``{file name: Figure}``; each is handed to the hooks, saved, closed."""
        if self.plt is None:
            return
        os.makedirs(self.out, exist_ok=True)
        for name, fig in build().items():
            for hook in list(type(self).hooks) + self.instance_hooks:
                hook(name, fig)
            path = os.path.join(self.out, name)
            fig.savefig(path, dpi=90)
            self.plt.close(fig)
            self.saved.append(path)
            if self.report is not None:
                self.report.figure(path, (captions or {}).get(name, ""))

    # the single-figure form of earlier versions
    def save(self, name: str, make: Callable):
        self.save_all(lambda: {name: make()})


class _Ctx:
    """What the sections share: the report, the figures, the mode, and results that a later
    section's explanation refers to."""

    def __init__(self, report: Report, figs: _Figures, quick: bool):
        self.report, self.figs, self.quick = report, figs, quick
        self.say = report.say
        self.results: Dict[str, object] = {}


# ---------------------------------------------------------------------------
# 1. Gallery
# ---------------------------------------------------------------------------

def gallery_figures() -> Dict[str, object]:
    fig = lab.plot_gallery()
    names = lab.activation_names()
    for ax, name in zip(fig.axes, names):
        ensure(ax, "p" if name == "logit" else "x", "f, f'", fontsize=6, loc="best")
    ncols = 6
    nrows = -(-len(names) // ncols)
    return {"01_gallery.png": finish(fig, "Every activation f (solid) and its derivative f' (dashed)",
                                     size=(3.0 * ncols, 2.6 * nrows))}


def gallery(ctx: _Ctx):
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
    ctx.figs.save_all(gallery_figures)


# ---------------------------------------------------------------------------
# 2. Vanishing gradients
# ---------------------------------------------------------------------------

_OTHER_INIT = {"xavier": "he", "he": "xavier", "lecun": "he"}


def _probe_figure(probes, title):
    fig = lab.plot_probes(probes)
    for ax in fig.axes:
        ensure(ax, "layer l", None)
        integer_ticks(ax)
    return finish(fig, title)


def _signal_figure(textbook, other):
    plt = lab._plt()
    fig, ax = plt.subplots(figsize=(9, 4.4))
    layers = np.arange(1, textbook[0].depth + 1)
    for j, p in enumerate(textbook):
        ax.semilogy(layers, p.preact_std, color=f"C{j}", label=f"{p.activation} ({p.init})")
    for j, p in enumerate(other):
        ax.semilogy(layers, p.preact_std, color=f"C{j}", ls=":", label=f"{p.activation} ({p.init})")
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel("std of the pre-activations z_l")
    ax.set_title("Forward signal per layer: textbook init (solid), the other init (dotted)", fontsize=10)
    integer_ticks(ax)
    ax.legend(fontsize=7, ncol=2)
    return finish(fig)


def vanishing_figures(textbook, other, lsuv) -> Dict[str, object]:
    depth = textbook[0].depth
    return {
        "02_vanishing_gradients.png": _probe_figure(
            textbook, f"{depth} layers, textbook init (Xavier for sigmoid/tanh, He for relu/gelu/silu)"),
        "02_forward_signal.png": _signal_figure(textbook, other),
        "02_vanishing_gradients_lsuv.png": _probe_figure(
            lsuv, f"{depth} layers, LSUV: every layer rescaled to unit pre-activation variance"),
    }


def vanishing(ctx: _Ctx):
    depth = 100
    ctx.report.heading(f"2. Gradient flow through a {depth}-layer MLP (width 64, batch 256)")
    results: Dict[str, list] = {"textbook": [], "other": [], "lsuv": []}
    with lab.Progress(3 * len(lab.CORE), "gradient probes") as bar:
        for name in lab.CORE:
            results["textbook"].append(lab.gradient_probe(name, depth=depth))
            bar()
            results["other"].append(lab.gradient_probe(name, depth=depth,
                                                       init=_OTHER_INIT[lab.default_init(name)]))
            bar()
            results["lsuv"].append(lab.gradient_probe(name, depth=depth, init="lsuv"))
            bar()
    tb, ot, ls = results["textbook"], results["other"], results["lsuv"]
    ctx.results["probes"] = results
    ctx.say("Textbook init, each activation with its proper one (Xavier for sigmoid/tanh, He for "
            "relu/gelu/silu):")
    ctx.say(lab.probe_table(tb))
    for p in tb:
        ctx.say("  " + probe_sentence(p, depth))
    ctx.say("\nThe other init (He for sigmoid/tanh, Xavier for relu/gelu/silu):")
    ctx.say(lab.probe_table(ot))
    for p in ot:
        ctx.say("  " + probe_sentence(p, depth))
    ctx.say("\nLSUV: each layer rescaled so its pre-activations have unit variance (removes the forward "
            "signal's scale):")
    ctx.say(lab.probe_table(ls))
    for p in ls:
        ctx.say("  " + probe_sentence(p, depth))
    ctx.figs.save_all(lambda: vanishing_figures(tb, ot, ls), {
        "02_vanishing_gradients.png": "weight-gradient norm and mean |f'| per layer, textbook init",
        "02_forward_signal.png": "why gelu's and silu's gradients are tiny in every layer under He init",
        "02_vanishing_gradients_lsuv.png": "the same probe after LSUV rescaling"})

    by = {p.activation: p for p in tb}
    sig, tanh, relu = by["sigmoid"], by["tanh"], by["relu"]
    ratio = lambda p: p.first_layer_grad / p.grad_norm[-1] if p.grad_norm[-1] else 0.0
    ds = ctx.results.get("sigmoid_grad", pyactx.sigmoid_grad(np.array([0.0, 2.0, 5.0, 10.0])))
    agrees = ratio(sig) < 1e-3 and 1e-2 < ratio(relu) < 1e2
    why = []
    dying = [p for p in tb if max(p.grad_norm[0], p.grad_norm[-1]) < 1e-6]
    if dying:
        names = [p.activation for p in dying]
        f0 = [float(lab.activation_pair(n)[1](0.0)) for n in names]
        per = [float((p.preact_std[-1] / p.preact_std[0]) ** (1.0 / (depth - 1))) for p in dying]
        lsuv_by = {p.activation: p for p in ls}
        why.append(
            f"The figure's {join(names)} curves sit near "
            f"{join([f'{p.grad_norm[-1]:.0e}' for p in dying])} in every layer, yet their layer-1/layer-{depth} "
            f"ratios are {join([f'{ratio(p):.2g}' for p in dying])}: their gradients do not vanish with depth, "
            f"their forward signal does. Near z = 0, {join(names)} behave like f'(0)·z with f'(0) = "
            f"{join([f'{v:g}' for v in f0])}, so with He's weight variance 2/fan-in a layer multiplies the "
            f"signal's variance by about 2·f'(0)² = {2 * f0[0] ** 2:g} (relu, exactly max(z, 0), keeps it at "
            f"1); measured, the pre-activation std shrinks by x{join([f'{v:.3f}' for v in per])} per layer.")
        why.append(
            "With LSUV (third table, last figure) the signal keeps unit variance and the layer-1 gradient of "
            + join([f"{n} is {lsuv_by[n].first_layer_grad:.3g}" for n in names if n in lsuv_by])
            + f"; Xavier, which suits sigmoid and tanh, makes it worse for them (layer-{depth} gradients "
            + join([f"{p.grad_norm[-1]:.0e}" for p in ot if p.activation in names]) + ").")
    growing = [p for p in ot + ls if ratio(p) > 10]
    if growing:
        why.append("Growing rather than vanishing: " + join([f"{p.activation} ({p.init}), x{p.decay_per_layer:.3f}"
                                                            f" per layer, {ratio(p):.2g} over {depth} layers"
                                                            for p in growing])
                   + ". There the weights are larger than the activation needs (He's variance 2/fan-in for "
                     "tanh, whose slope at 0 is 1; LSUV scales tanh's weights up by about "
                   + join([f"1/{p.act_std.mean():.2f}" for p in growing if p.activation == "tanh"
                           and "lsuv" in p.init] or ["1/std(f(z))"])
                   + " to keep unit variance forwards), and backwards that gain outweighs what f' takes away; "
                     f"{depth} layers compound the small excess per layer.")
    ctx.report.claim(
        "The sigmoid saturates (its derivative is at most 1/4 and almost 0 for |z| > 5), so through many "
        "sigmoid layers the gradient vanishes towards the input.",
        f"sigmoid'(0) = {ds[0]:.2f}, sigmoid'(5) = {ds[2]:.4f}. With its proper (Xavier) init, layer 1 of the "
        f"{depth}-layer sigmoid MLP gets {ratio(sig):.1e} of layer {depth}'s gradient (x{sig.decay_per_layer:.3f} "
        f"per layer; 0.25^{depth - 1} = {0.25 ** (depth - 1):.1e}); tanh (Xavier) keeps a ratio of "
        f"{ratio(tanh):.2g} and relu (He) {ratio(relu):.2g}.",
        agrees, why)


# ---------------------------------------------------------------------------
# 3. Zero-centred outputs
# ---------------------------------------------------------------------------

def zero_centred_figures(zz) -> Dict[str, object]:
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


def zero_centred(ctx: _Ctx):
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
    ctx.figs.save_all(lambda: zero_centred_figures(zz))
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


# ---------------------------------------------------------------------------
# 4. Empirical comparison
# ---------------------------------------------------------------------------

def empirical_figures(tc, sw) -> Dict[str, object]:
    lr = lab.plot_lr_curves(tc)
    finish(lr, None)
    curves = lab.plot_tuned_curves(tc)
    for ax in curves.axes:
        integer_ticks(ax)
    finish(curves, f"{tc.dataset}: each activation at its own learning rate, mean over {len(tc.seeds)} paired "
                   f"seed{'s' if len(tc.seeds) > 1 else ''} (line), min-max (band)", size=(12, 4.6))
    paired = lab.plot_paired(tc, "test_acc")
    finish(paired, None)
    depth = lab.plot_depth_sweep(sw)
    finish(depth, None)
    return {"04_digits_lr.png": lr, "04_digits.png": curves, "04_digits_paired.png": paired,
            "04_depth.png": depth}


def _clear(d: np.ndarray) -> bool:
    """A paired difference is clear when its mean is more than two standard errors from 0."""
    if d.size < 2:
        return False
    return abs(float(d.mean())) > 2 * float(d.std(ddof=1)) / np.sqrt(d.size)


def _depth_phrase(sw, arch: str, name: str) -> str:
    """'sigmoid trains at depth 2, only partly at depth 8 and is at chance at depth 16 (test accuracy ...)'."""
    st = sw.status(arch, name)
    accs = ", ".join(f"{a:.0f}%" for a in 100 * sw.mean(arch, name))
    if all(x == "trains" for x in st):
        return f"{name} trains at every depth (test accuracy {accs})"
    at = lambda kind: [str(d) for d, x in zip(sw.depths, st) if x == kind]
    parts = []
    for kind, words in (("trains", "trains at"), ("partly", "only partly at"), ("chance", "is at chance at")):
        ds = at(kind)
        if ds:
            parts.append(f"{words} depth{'s' if len(ds) > 1 else ''} {join(ds)}")
    if not at("trains"):
        parts.insert(0, "trains at no depth")
    return f"{name} {join(parts)} (test accuracy {accs})"


def empirical(ctx: _Ctx):
    ctx.report.heading("4. The same network, different activations: a fair comparison, then depth")
    quick = ctx.quick
    if quick:
        lrs, seeds, tune_seeds, epochs = (3e-3, 1e-2, 3e-2), (0, 1), (0,), 15
        depths, d_seeds, d_epochs, d_lrs = (2, 8, 16), (0,), 8, (1e-2, 3e-2)
    else:
        lrs, seeds, tune_seeds, epochs = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1), (0, 1, 2, 3, 4), (0, 1, 2), 40
        depths, d_seeds, d_epochs, d_lrs = (2, 8, 16), (0, 1, 2), 12, (3e-3, 1e-2, 3e-2, 1e-1)
    hidden, width, tune_depth = (64, 64), 32, 4
    names, d_names = lab.CORE, ("sigmoid", "relu", "gelu")
    archs = lab.DepthSweep.ARCHS
    digits = lab.load_digits()
    n_runs = len(names) * (len(lrs) * len(tune_seeds) + len(set(seeds) - set(tune_seeds)))
    with lab.Progress(n_runs, "tuned comparison") as bar:
        tc = lab.tuned_activations(digits, names, hidden=hidden, lrs=lrs, seeds=seeds, tune_seeds=tune_seeds,
                                   epochs=epochs, batch_size=128, reference="relu", progress=bar)
    n_fit = len(digits.y_train) - int(round(0.25 * len(digits.y_train)))
    ctx.say(f"digits (8x8 images): {n_fit} to fit, {len(digits.y_train) - n_fit} to validate, "
            f"{len(digits.y_test)} to test. MLP {'-'.join(map(str, hidden))}, Adam with cosine decay, "
            f"{epochs} epochs, batches of 128, float32.")
    ctx.say(f"Each activation's learning rate: the one of the grid with the lowest mean final validation "
            f"loss over seed{'s' if len(tune_seeds) > 1 else ''} {', '.join(map(str, tune_seeds))}:")
    ctx.say(tc.lr_table())
    ctx.say(f"\nAt the chosen rates, {len(seeds)} paired seeds (same initial weights and batches for every "
            f"activation; mean ± std; Δ = paired difference against relu):")
    ctx.say(tc.table())
    for line in tc.sentences("test_loss") + tc.sentences("test_acc")[:2]:
        ctx.say("  " + line)

    with lab.Progress(len(archs) * len(d_names) * (len(d_lrs) + len(depths) * len(d_seeds)), "depth sweep") as bar:
        d_lr, d_val = lab.tune_depth_lrs(digits, d_names, depth=tune_depth, lrs=d_lrs, width=width,
                                         epochs=d_epochs, batch_size=256, progress=bar)
        sw = lab.depth_sweep(digits, d_names, depths, lrs=d_lr, width=width, seeds=d_seeds, epochs=d_epochs,
                             batch_size=256, progress=bar)
    ctx.say(f"\nDepth: plain MLPs of width {width} against pre-LN residual networks (h <- h + W2 f(W1 LN(h))) "
            f"with the same number of activation layers, {d_epochs} epochs, batches of 256, "
            f"seed{'s' if len(d_seeds) > 1 else ''} {', '.join(map(str, d_seeds))}. Learning rate per network "
            f"and activation: best validation loss at depth {tune_depth}:")
    ctx.say(lab.format_table([[a, n] + [float(v) for v in d_val[(a, n)]] + [f"{d_lr[(a, n)]:g}"]
                              for a in archs for n in d_names],
                             ["network", "activation"] + [f"val loss @ {lr:g}" for lr in d_lrs] + ["chosen"]))
    ctx.say(f"\nFinal training loss (mean over seeds; chance = ln 10 = {sw.chance_loss:.3f}):")
    ctx.say(sw.table("final_train_loss"))
    ctx.say("\nTest accuracy % (mean over seeds):")
    ctx.say(sw.table("test_acc"))
    for line in sw.sentences():
        ctx.say("  " + line)
    ctx.results["tuned"], ctx.results["depth_sweep"] = tc, sw
    ctx.figs.save_all(lambda: empirical_figures(tc, sw), {
        "04_digits_lr.png": "validation loss against the learning rate: each activation's rate is chosen here",
        "04_digits.png": "training and validation loss per epoch at the chosen rates (the curves flatten)",
        "04_digits_paired.png": "test accuracy minus relu's, seed by seed",
        "04_depth.png": "plain MLPs against residual + LayerNorm networks, by depth"})

    # --- the claim, from the numbers -------------------------------------------------------
    rf = [n for n in ("relu", "gelu", "silu") if n in tc.names]
    acc = {n: 100 * tc.values(n, "test_acc") for n in tc.names}
    d_sig = 100 * tc.paired_diff("sigmoid", "test_acc")
    shallow_worse = [n for n in rf if n != "sigmoid" and _clear(acc["sigmoid"] - acc[n])
                     and float(np.mean(acc["sigmoid"] - acc[n])) < 0]
    st_plain = {n: sw.status("plain", n) for n in d_names}
    first_stop = {n: next((d for d, x in zip(depths, st_plain[n]) if x != "trains"), None) for n in d_names}
    others = [n for n in d_names if n != "sigmoid"]
    deep_worse = first_stop["sigmoid"] is not None and all(
        first_stop[n] is None or first_stop[n] > first_stop["sigmoid"] for n in others)
    res_acc = {n: 100 * sw.mean("residual+LN", n) for n in d_names}
    plain_acc = {n: 100 * sw.mean("plain", n) for n in d_names}
    dmax = depths[-1]
    measured = (
        f"Two hidden layers, each activation at its own rate (sigmoid {tc.chosen_lr['sigmoid']:g}, "
        + join([f"{n} {tc.chosen_lr[n]:g}" for n in rf]) + f"), {len(seeds)} paired seeds: test accuracy "
        + join([f"{n} {acc[n].mean():.1f} ± {acc[n].std(ddof=1) if len(seeds) > 1 else 0:.1f}%"
                for n in ["sigmoid"] + rf])
        + f"; sigmoid minus relu, seed by seed: {d_sig.mean():+.2f} ± "
          f"{d_sig.std(ddof=1) if d_sig.size > 1 else 0:.2f} points "
        + ("(clear)" if _clear(d_sig) else "(within two standard errors of 0)")
        + f". Plain MLPs of width {width}: " + "; ".join(_depth_phrase(sw, "plain", n) for n in d_names)
        + f". With residual connections + LayerNorm at depth {dmax}: "
        + join([f"{n} {res_acc[n][-1]:.1f}%" for n in d_names]) + ".")
    why = []
    vs = {n: 100 * (tc.values("sigmoid", "test_acc") - tc.values(n, "test_acc")) for n in rf}
    sd = lambda d: float(d.std(ddof=1)) if d.size > 1 else 0.0
    behind = shallow_worse
    level = [n for n in rf if not _clear(vs[n])]
    ahead = [n for n in rf if _clear(vs[n]) and float(vs[n].mean()) > 0]
    fmt = lambda ns: join([f"{n} ({vs[n].mean():+.2f} ± {sd(vs[n]):.2f} points)" for n in ns])
    parts = []
    if behind:
        parts.append(f"clearly behind {fmt(behind)}")
    if level:
        parts.append(f"within two standard errors of {fmt(level)}")
    if ahead:
        parts.append(f"clearly ahead of {fmt(ahead)}")
    bits = [f"At two hidden layers, each activation at its own learning rate, the sigmoid's test accuracy is "
            f"{join(parts)}, seed by seed; the largest mean gap is "
            f"{max(abs(float(v.mean())) for v in vs.values()):.2f} points."]
    bits.append(f"Its chosen rate, {tc.chosen_lr['sigmoid']:g}, is {tc.chosen_lr['sigmoid'] / tc.chosen_lr['relu']:g} "
                f"times relu's ({tc.chosen_lr['relu']:g}).")
    if 1e-3 in list(tc.lrs) and tc.chosen_lr["sigmoid"] != 1e-3:
        g = tc.grid_val_loss["sigmoid"].mean(axis=1)
        i = list(tc.lrs).index(1e-3)
        bits.append(f"At Adam's default rate 1e-3, shared by every activation in a naive comparison, the "
                    f"sigmoid's validation loss is {g[i] / g.min():.1f} times its tuned value; that is what makes "
                    f"it look far worse with one shared rate.")
    bits.append("Its derivative is at most 1/4 (section 1), so each step moves its weights less, and a "
                "larger rate makes up for it.")
    why.append(" ".join(bits))
    best = tc.ranking("test_acc")[0]
    if best not in ("sigmoid", *rf):
        d_best = 100 * tc.paired_diff(best, "test_acc")
        why.append(f"{best}, which the claim does not mention, has the best mean test accuracy in this run "
                   f"({acc[best].mean():.1f}%); seed by seed it is {d_best.mean():+.2f} ± "
                   f"{d_best.std(ddof=1) if d_best.size > 1 else 0:.2f} points from relu, "
                   + ("a clear difference" if _clear(d_best) else "within two standard errors of 0")
                   + f". That ranking holds for this small data set ({len(digits.y_train)} training images) "
                     f"and two hidden layers, not in general.")
    if first_stop["sigmoid"] is not None:
        probes = ctx.results.get("probes", {}).get("textbook")
        sp = {p.activation: p for p in probes}.get("sigmoid") if probes else None
        fs = first_stop["sigmoid"]
        per = (f" (x{sp.decay_per_layer:.2f} per layer in section 2's probe, so {sp.decay_per_layer ** fs:.0e} "
               f"over {fs} layers)" if sp is not None else "")
        deep_sent = (f"Depth is where the sigmoid loses: in a plain stack each sigmoid layer scales the "
                     f"gradient by at most 1/4{per}, and the sigmoid is the first to stop training "
                     f"(at depth {fs}; " + join([f"{n} {'trains at every depth tried' if first_stop[n] is None else 'stops at depth ' + str(first_stop[n])}"
                                               for n in others]) + ").")
        deep_sent += (f" Residual connections give the gradient a path around every activation and LayerNorm "
                      f"keeps each block's input at unit scale: with both, the sigmoid goes from "
                      f"{plain_acc['sigmoid'][-1]:.1f}% to {res_acc['sigmoid'][-1]:.1f}% test accuracy at depth "
                      f"{dmax}, and the spread between the three activations there is "
                      f"{max(v[-1] for v in res_acc.values()) - min(v[-1] for v in res_acc.values()):.1f} points "
                      f"(in a plain stack {max(v[-1] for v in plain_acc.values()) - min(v[-1] for v in plain_acc.values()):.1f}).")
        why.append(deep_sent)
    elif not deep_worse:
        why.append(f"In these runs the plain sigmoid network still trains at depth {dmax}; the sweep is short "
                   f"({d_epochs} epochs), so deeper stacks would be needed to see it fail.")
    ctx.report.claim("The sigmoid trains worse than relu, gelu and silu, which is why they replaced it in "
                     "hidden layers.", measured, deep_worse and not ahead, why)


# ---------------------------------------------------------------------------
# 5. Output layer
# ---------------------------------------------------------------------------

def output_figures(z) -> Dict[str, object]:
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


def output(ctx: _Ctx):
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
    ctx.figs.save_all(lambda: output_figures(z))
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


# ---------------------------------------------------------------------------
# 6. Gates and binary outputs
# ---------------------------------------------------------------------------

_GATE_TITLE = {"glu": "glu(a, b) = a·sigmoid(b): b is the gate",
               "swiglu": "swiglu(a, b) = silu(a)·b: b multiplies",
               "geglu": "geglu(a, b) = gelu(a)·b: b multiplies"}


def gates_figures(mem) -> Dict[str, object]:
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


def gates(ctx: _Ctx):
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
    ctx.figs.save_all(lambda: gates_figures(mem))

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


# ---------------------------------------------------------------------------
# 7. Speed
# ---------------------------------------------------------------------------

def speed_figures(rows) -> Dict[str, object]:
    fig = lab.plot_speed(rows)
    ensure(fig.axes[0], None, "function | implementation")
    n_rows = len([r for r in rows if r["dtype"] == "float32"])
    return {"07_speed.png": finish(fig, "Time per element, float32, one thread (log scale)",
                                   size=(10, 0.3 * n_rows + 1.6))}


def speed(ctx: _Ctx):
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
    ctx.figs.save_all(lambda: speed_figures(rows))


RUN = {"gallery": gallery, "vanishing": vanishing, "zero-centred": zero_centred, "empirical": empirical,
       "output": output, "gates": gates, "speed": speed}


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
    figs = _Figures(args.out, report, hooks=[on_figure] if on_figure else ())
    ctx = _Ctx(report, figs, args.quick)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
