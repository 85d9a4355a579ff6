"""Figures of the lab's results (matplotlib, imported lazily when a ``plot_*`` function is called).
"""

from __future__ import annotations

import math
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

import pyactx

from .activations import CORE, SEED, activation_names, activation_pair, plot_domain
from .compare import Comparison, TunedComparison, _mean_std
from .depth import DepthSweep
from .gradient_flow import Probe
from .output_layer import mse_sigmoid_grad, naive_bce, with_warnings
from .zero_centred import ZigZag


def _plt():
    import matplotlib
    if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def integer_ticks(ax, axis: str = "x"):
    """Only whole numbers as ticks on the ``axis`` ("x" or "y") of ``ax`` (epochs, layers)."""
    from matplotlib.ticker import MaxNLocator
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def plot_lr_curves(tc: "TunedComparison"):
    """Final validation loss against the learning rate (log-log), one line per model, mean over
    the tuning seeds with min-max bars; the chosen rate circled."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for j, n in enumerate(tc.names):
        g = np.where(np.isfinite(tc.grid_val_loss[n]), tc.grid_val_loss[n], np.nan)
        m = np.nanmean(g, axis=1)
        ax.errorbar(tc.lrs, m, yerr=[m - np.nanmin(g, axis=1), np.nanmax(g, axis=1) - m], color=f"C{j}",
                    marker="o", ms=4, capsize=2, label=f"{n} (chosen {tc.chosen_lr[n]:g})")
        k = int(np.argmin(np.abs(tc.lrs - tc.chosen_lr[n])))
        ax.plot(tc.lrs[k], m[k], "o", ms=11, mfc="none", color=f"C{j}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Adam learning rate (peak of the cosine schedule)")
    ax.set_ylabel("final validation loss (cross-entropy, nats)")
    ax.set_title(f"{tc.dataset}: validation loss vs learning rate\n"
                 f"(mean and range over {len(tc.tune_seeds)} seeds; circle = chosen)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_tuned_curves(tc: "TunedComparison"):
    """Training and validation loss per epoch at each model's chosen rate: mean over the seeds
    (line) and min-max (band); the shaded last 20% is where flatness is measured."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, lab_ in zip(axes, ("train_loss", "val_loss"), ("training loss (mean over the epoch)",
                                                                  "validation loss")):
        for j, n in enumerate(tc.names):
            c = tc.curve(n, key)
            ep = tc.runs[n][0]["epoch"] if key == "val_loss" else np.arange(c.shape[1])
            ax.plot(ep, np.nanmean(c, 0), color=f"C{j}", label=f"{n} (lr {tc.chosen_lr[n]:g})")
            ax.fill_between(ep, np.nanmin(c, 0), np.nanmax(c, 0), color=f"C{j}", alpha=0.2)
        ax.axvspan(0.8 * tc.epochs, tc.epochs, color="0.9", zorder=0)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(lab_ + " (nats)")
        integer_ticks(ax)
        ax.set_title(f"{tc.dataset}: {lab_}, {len(tc.seeds)} seeds\n(grey: last 20% of the epochs)",
                     fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_paired(tc: "TunedComparison", key: str = "test_loss"):
    """Per seed: ``key`` of each model minus that of the reference (same seed and batches)."""
    plt = _plt()
    others = [n for n in tc.names if n != tc.reference]
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    scale = 100.0 if key.endswith("acc") else 1.0
    for j, n in enumerate(others):
        d = tc.paired_diff(n, key) * scale
        ax.plot(np.full(len(d), j) + np.linspace(-0.12, 0.12, len(d)), d, "o", color="C0", ms=4,
                label="one seed" if j == 0 else None)
        m, s = _mean_std(d)
        ax.errorbar(j + 0.3, m, yerr=s, fmt="s", color="C3", capsize=3, label="mean ± std" if j == 0 else None)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(others)), others)
    ax.set_xlabel("activation")
    what = key.replace("_", " ") + (" (percentage points)" if scale != 1 else " (nats)")
    ax.set_ylabel(f"Δ {what}\nminus {tc.reference}, same seed")
    ax.set_title(f"{tc.dataset}: paired differences against {tc.reference}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_depth_sweep(sw: "DepthSweep"):
    """Final training loss (top) and test accuracy (bottom) against depth, one line per
    activation (mean over seeds, min-max bars); left plain MLPs, right residual + pre-LN."""
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharey="row")
    for col, arch in enumerate(sw.ARCHS):
        for row, (key, yl) in enumerate((("final_train_loss", "final training loss (nats, log)"),
                                          ("test_acc", "test accuracy (%)"))):
            ax = axes[row, col]
            scale = 100.0 if key.endswith("acc") else 1.0
            for j, n in enumerate(sw.names):
                v = sw.results[(arch, n)][key] * scale
                m = np.nanmean(v, 1)
                ax.errorbar(sw.depths, m, yerr=[m - np.nanmin(v, 1), np.nanmax(v, 1) - m], color=f"C{j}",
                            marker="o", ms=4, capsize=2, label=n)
            ref = sw.chance_loss if row == 0 else 100.0 / math.exp(sw.chance_loss)
            ax.axhline(ref, color="k", ls=":", lw=1, label="chance")
            if row == 0:
                ax.set_yscale("log")
                ax.set_title(f"{arch}: training loss after {sw.epochs} epochs", fontsize=10)
            else:
                ax.set_title(f"{arch}: test accuracy", fontsize=10)
            ax.set_xlabel("depth (hidden layers / residual blocks)")
            ax.set_xscale("log", base=2)
            ax.set_xticks(sw.depths, [str(d) for d in sw.depths])
            ax.set_ylabel(yl)
            ax.yaxis.set_tick_params(labelleft=True)
            ax.legend(fontsize=7)
    fig.suptitle(f"{sw.dataset}: depth sweep, width {sw.width}, {len(sw.seeds)} seed{'s' if len(sw.seeds) > 1 else ''} "
                 f"(mean, min-max bars)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_gallery(names: Optional[Sequence[str]] = None, ncols: int = 6):
    """Every activation (solid) and its derivative (dashed) on one grid of small panels."""
    plt = _plt()
    names = list(names) if names is not None else activation_names()
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.8 * ncols, 2.5 * nrows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        f, df = activation_pair(name)
        x = plot_domain(name)
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0 if name != "logit" else 0.5, color="0.85", lw=0.8)
        ax.plot(x, f(x), lw=1.6, label="f")
        ax.plot(x, df(x), lw=1.2, ls="--", label="f'")
        if name == "logit":
            ax.set_ylim(-6, 10)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("p" if name == "logit" else "x", fontsize=8, labelpad=1)
        ax.set_ylabel("f(x), f'(x)", fontsize=8, labelpad=1)
        ax.legend(fontsize=6, loc="best")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.suptitle("Each activation f (solid) and its derivative f' (dashed)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_probes(probes: Sequence[Probe], bound: bool = True):
    """Per-layer weight-gradient norm (log scale) and mean |f'(z)| for each probe."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
    depth = probes[0].depth
    layers = np.arange(1, depth + 1)
    for p in probes:
        a1.semilogy(layers, p.grad_norm, label=f"{p.activation} ({p.init})")
        a2.plot(layers, p.mean_abs_fprime, label=p.activation)
    if bound:
        sig = [p for p in probes if p.activation == "sigmoid"]
        ref = sig[0].grad_norm[-1] if sig else probes[0].grad_norm[-1]
        a1.semilogy(layers, ref * 0.25 ** (depth - layers), "k:", label=r"$0.25^{L-l}$ (from layer L)")
    a1.set_xlabel("layer l (1 = next to the input)")
    a1.set_ylabel(r"$\|\partial L/\partial W_l\|_F$")
    a1.set_title(f"Gradient norm per layer, {depth}-layer MLP")
    a1.legend(fontsize=8)
    a2.set_xlabel("layer l")
    a2.set_ylabel("mean |f'(z)|")
    a2.set_title("Mean derivative of the activation per layer")
    a2.set_ylim(bottom=0)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_output_hist(names: Sequence[str] = CORE, n: int = 100_000, seed: int = SEED):
    plt = _plt()
    z = np.random.default_rng(seed).standard_normal(n)
    fig, axes = plt.subplots(1, len(names), figsize=(2.8 * len(names), 2.6), sharey=True)
    for ax, name in zip(np.atleast_1d(axes), names):
        h = activation_pair(name)[0](z)
        ax.hist(h, bins=80, density=True, color="C0")
        ax.axvline(0, color="k", lw=0.8)
        ax.axvline(h.mean(), color="C3", lw=1.5, ls="--")
        ax.set_title(f"{name}: mean {h.mean():+.3f}", fontsize=9)
        ax.set_xlabel(f"{name}(z)")
        ax.set_ylabel("density")
        ax.yaxis.set_tick_params(labelleft=True)
    fig.suptitle("Distribution of f(z) for z ~ N(0, 1); black = 0, dashed red = mean", fontsize=10)
    fig.tight_layout()
    return fig


def plot_zigzag(results: Sequence[ZigZag], ncols: Optional[int] = None):
    """The weight path of each :func:`zigzag` run, one panel per run."""
    plt = _plt()
    ncols = ncols or len(results)
    nrows = -(-len(results) // ncols)
    side = 5.2 if ncols <= 2 else 3.4
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols, (side - 0.4) * nrows), squeeze=False)
    for ax in axes.ravel()[len(results):]:
        ax.axis("off")
    axes = axes.reshape(1, -1)
    for ax, r in zip(axes[0], results):
        p = r.path
        ax.plot(p[:, 0], p[:, 1], "-", lw=0.8, color="C0")
        ax.plot(p[:, 0], p[:, 1], ".", ms=2.5, color="C0")
        ax.plot(*p[0], "ko", label="start")
        ax.plot(*r.w_star, "r*", ms=14, label="w*")
        steps = r.steps_to_converge if r.steps_to_converge > 0 else f">{len(p) - 1}"
        ax.set_title(f"inputs = {r.inputs}(z): {steps} steps,\n"
                     f"{100 * r.same_sign_frac:.0f}% same-sign, {100 * r.opposite_sign_frac:.0f}% opposite-sign updates",
                     fontsize=9)
        ax.set_xlabel("weight w1")
        ax.set_ylabel("weight w2")
        ax.set_aspect("equal", adjustable="datalim")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_comparison(cmp: Comparison, keys=("train_loss", "test_loss", "test_acc")):
    """Mean curves (lines) with min-max over seeds (bands)."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.8), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for j, (name, c) in enumerate(cmp.curves.items()):
            v = c[key]
            ep = np.arange(v.shape[1])
            ax.plot(ep, v.mean(0), color=f"C{j}", label=name)
            ax.fill_between(ep, v.min(0), v.max(0), color=f"C{j}", alpha=0.2)
        ax.set_xlabel("epoch")
        integer_ticks(ax)
        ax.set_ylabel(key.replace("_", " ") + (" (nats)" if "loss" in key else " (fraction correct)"))
        ax.set_title(f"{cmp.dataset}: {key.replace('_', ' ')} per epoch\n(mean over {len(cmp.seeds)} seeds, "
                     f"band = min-max)", fontsize=10)
        lo, hi = min(float(c[key].min()) for c in cmp.curves.values()), \
            max(float(c[key].max()) for c in cmp.curves.values())
        if "loss" in key and lo > 0 and hi / lo > 10:
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_speed(rows: List[dict], dtype: str = "float32"):
    plt = _plt()
    rs = [r for r in rows if r["dtype"] == dtype]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rs) + 1.8))
    labels = [f"{r['function']} | {r['implementation']}" for r in rs]
    colors = ["C2" if r["implementation"] == "pyactx" else "C0" for r in rs]
    ax.barh(range(len(rs)), [r["ns_per_element"] for r in rs], color=colors)
    ax.set_yticks(range(len(rs)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ns per element (lower is faster)")
    ax.set_ylabel("function | implementation")
    ax.set_title(f"Time per element, {dtype}, one thread (log scale; green = pyactx)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_vocab_outputs(logits: np.ndarray):
    """Per-token sigmoids versus softmax over one vocabulary-sized logit vector."""
    plt = _plt()
    s, p = pyactx.sigmoid(logits), pyactx.softmax(logits)
    order = np.argsort(logits)[::-1]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6))
    a1.plot(s[order], lw=1)
    a1.set_title(f"sigmoid per token: sum = {s.sum():,.1f}", fontsize=10)
    a1.set_ylabel("sigmoid(z_i), one per token")
    a2.semilogy(p[order], lw=1, color="C1")
    a2.set_title(f"softmax: sum = {p.sum():.15f}", fontsize=10)
    a2.set_ylabel("softmax(z)_i (log scale)")
    for a in (a1, a2):
        a.set_xlabel("token, sorted by logit")
    fig.tight_layout()
    return fig


def plot_jacobian(x: np.ndarray):
    plt = _plt()
    J = pyactx.softmax_jacobian(np.asarray(x, dtype=float))
    m = float(np.abs(J).max())
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [1, 1.2]})
    a1.bar(range(len(x)), pyactx.softmax(x), color="C1")
    a1.set_title("softmax(x)", fontsize=10)
    a1.set_xlabel("class i")
    a1.set_ylabel("probability y_i")
    im = a2.imshow(J, cmap="RdBu_r", vmin=-m, vmax=m)
    a2.set_title(r"Jacobian $J_{ij}=y_i(\delta_{ij}-y_j)$", fontsize=10)
    a2.set_xlabel("j")
    a2.set_ylabel("i")
    cb = fig.colorbar(im, ax=a2)
    cb.set_label(r"$J_{ij} = \partial y_i / \partial x_j$")
    fig.tight_layout()
    return fig


def plot_lstm(memory: Dict[float, dict]):
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.8))
    for j, (fb, res) in enumerate(memory.items()):
        a1.semilogy(res["retention"], color=f"C{j}", label=f"forget bias {fb:+g}")
        a2.hist(res["gate_values"]["forget"], bins=60, range=(0, 1), histtype="step", color=f"C{j}",
                density=True, label=f"forget bias {fb:+g}")
    a1.set_xlabel("time step t")
    a1.set_ylabel(r"mean $\prod_{s\leq t} f_s$")
    a1.set_title("What is left of the cell state of step 0", fontsize=10)
    a1.legend(fontsize=8)
    integer_ticks(a1)
    a2.set_xlabel("forget-gate value f = sigmoid(.)")
    a2.set_ylabel("probability density")
    a2.set_title("Forget-gate values: soft switches in (0, 1)", fontsize=10)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_gates(a: np.ndarray = None, bs=(-2.0, 0.0, 2.0)):
    """glu(a, b) = a sigmoid(b), swiglu = silu(a) b, geglu = gelu(a) b as functions of a, for a few b."""
    plt = _plt()
    a = np.linspace(-4, 4, 401) if a is None else a
    gates = ("glu", "swiglu", "geglu")
    role = {"glu": "b is the gate (through sigmoid), a the signal",
            "swiglu": "a is gated (silu(a)), b is a plain multiplier",
            "geglu": "a is gated (gelu(a)), b is a plain multiplier"}
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    for ax, g in zip(axes, gates):
        fn = getattr(pyactx, g)
        for j, b in enumerate(bs):
            ax.plot(a, fn(a, np.full_like(a, b)), color=f"C{j}", label=f"b = {b:+g}")
        ax.axhline(0, color="0.85", lw=0.8)
        ax.set_title(f"{g}(a, b) = {pyactx.BINARY[g].formula}\n{role[g]}", fontsize=9)
        ax.set_xlabel("first argument a")
        ax.set_ylabel(f"{g}(a, b)")
        ax.yaxis.set_tick_params(labelleft=True)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_bce(x: np.ndarray = None):
    """Loss and gradient for a positive example (t = 1) as the logit goes from wrong to right."""
    plt = _plt()
    x = np.linspace(-50, 50, 1001) if x is None else x
    t = np.ones_like(x)
    naive, _ = with_warnings(naive_bce, x, t)
    exact = pyactx.binary_cross_entropy(x, t)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11.5, 4))
    pos = exact > 0
    a1.semilogy(x[pos], exact[pos], lw=2.5, label="pyactx.binary_cross_entropy (softplus, from the logit)")
    ok = np.isfinite(naive) & (naive > 0)
    a1.semilogy(x[ok], naive[ok], "--", label="naive -t·log(s) - (1-t)·log(1-s), s = sigmoid(x)")
    bad = ~np.isfinite(naive)
    if bad.any():
        a1.plot(x[bad], np.full(bad.sum(), exact[pos].min()), "|", color="C3", ms=10,
                label="naive gives NaN: (1-t)·log(1-s) = 0·log(0) = 0·(-inf) once s rounds to 1")
    zero = np.isfinite(naive) & (naive == 0) & (exact > 0)
    if zero.any():
        a1.plot(x[zero], np.full(zero.sum(), exact[pos].min()), "|", color="C4", ms=10,
                label="naive gives exactly 0 (s rounds to 1)")
    a1.set_xlabel("logit x (target t = 1)")
    a1.set_ylabel("loss (nats, log scale)")
    a1.set_title("BCE loss for a positive example: exact vs naive formula", fontsize=10)
    a1.legend(fontsize=7, loc="lower left")
    a2.plot(x, -pyactx.binary_cross_entropy_grad(x, t), label="-dBCE/dx = t - sigmoid(x)")
    a2.plot(x, -mse_sigmoid_grad(x, t), label="-dMSE(sigmoid)/dx")
    a2.set_xlabel("logit x (target t = 1)")
    a2.set_ylabel("-d loss / d x")
    a2.set_title("Gradient pushing the logit up", fontsize=10)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig
