"""Section 2 of ``python -m pyactx demo``: gradient flow through a 100-layer MLP under three initialisations."""

from __future__ import annotations

from typing import Dict

import numpy as np

import pyactx
from pyactx import lab
from pyactx.lab.plots import integer_ticks

from .context import Context
from .report import ensure, finish, join, probe_sentence


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


def figures(textbook, other, lsuv) -> Dict[str, object]:
    depth = textbook[0].depth
    return {
        "02_vanishing_gradients.png": _probe_figure(
            textbook, f"{depth} layers, textbook init (Xavier for sigmoid/tanh, He for relu/gelu/silu)"),
        "02_forward_signal.png": _signal_figure(textbook, other),
        "02_vanishing_gradients_lsuv.png": _probe_figure(
            lsuv, f"{depth} layers, LSUV: every layer rescaled to unit pre-activation variance"),
    }


def run(ctx: Context):
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
    for intro, probes in (
            ("Textbook init, each activation with its proper one (Xavier for sigmoid/tanh, He for "
             "relu/gelu/silu):", tb),
            ("\nThe other init (He for sigmoid/tanh, Xavier for relu/gelu/silu):", ot),
            ("\nLSUV: each layer rescaled so its pre-activations have unit variance (removes the forward "
             "signal's scale):", ls)):
        ctx.say(intro)
        ctx.say(lab.probe_table(probes))
        for p in probes:
            ctx.say("  " + probe_sentence(p, depth))
    ctx.figs.save_all(lambda: figures(tb, ot, ls), {
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
