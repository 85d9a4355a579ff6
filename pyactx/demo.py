"""``python -m pyactx demo``: the notebooks' experiments at classroom size, in the terminal.

Each section prints its key table to stdout, draws a progress bar on stderr for
anything slower than about a second, and saves its figures (PNG, matplotlib's
Agg backend) in the output folder.  Everything is seeded: two runs print the
same tables, except the timings of the speed section.

    python -m pyactx demo [--out DIR] [--quick] [--only SECTION ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, List

import numpy as np

import pyactx
from pyactx import lab

SECTIONS = ("gallery", "vanishing", "zero-centred", "empirical", "output", "gates", "speed")


class _Figures:
    """Saves figures into ``out`` (or does nothing when matplotlib is missing)."""

    def __init__(self, out: str):
        self.out = out
        self.saved: List[str] = []
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            self.plt = plt
        except ImportError:
            self.plt = None
            print("(matplotlib is not installed: tables only, no figures)")

    def save(self, name: str, make: Callable):
        if self.plt is None:
            return
        os.makedirs(self.out, exist_ok=True)
        fig = make()
        path = os.path.join(self.out, name)
        fig.savefig(path, dpi=90)
        self.plt.close(fig)
        self.saved.append(path)


def _heading(title: str):
    print()
    print(title)
    print("=" * len(title))


# ---------------------------------------------------------------------------

def gallery(figs: _Figures, quick: bool):
    _heading("1. The activations and their derivatives")
    rows, headers = lab.properties_table()
    print(lab.format_table(rows, headers))
    by = {r[0]: r for r in rows}
    print(f"\nsup |f'|: sigmoid {by['sigmoid'][6]:g}, tanh {by['tanh'][6]:g}, relu {by['relu'][6]:g}, "
          f"gelu {by['gelu'][6]:.4f}, silu {by['silu'][6]:.4f}.")
    figs.save("01_gallery.png", lab.plot_gallery)


def vanishing(figs: _Figures, quick: bool):
    depth = 100
    _heading(f"2. Gradient flow through a {depth}-layer MLP (width 64, batch 256)")
    results: Dict[str, list] = {}
    with lab.Progress(2 * len(lab.CORE), "gradient probes") as bar:
        for init in (None, "lsuv"):
            results[init or "textbook"] = []
            for name in lab.CORE:
                results[init or "textbook"].append(lab.gradient_probe(name, depth=depth, init=init))
                bar()
    print("Textbook init (Xavier for sigmoid/tanh, He for relu/gelu/silu):")
    print(lab.probe_table(results["textbook"]))
    print("\nLSUV: each layer rescaled so its pre-activations have unit variance:")
    print(lab.probe_table(results["lsuv"]))
    sig = results["textbook"][0]
    print(f"\nsigmoid: the gradient of layer 1 is {sig.first_layer_grad / sig.grad_norm[-1]:.2e} times that "
          f"of layer {depth}; 0.25^{depth - 1} = {0.25 ** (depth - 1):.2e}.")
    figs.save("02_vanishing_gradients.png", lambda: lab.plot_probes(results["textbook"]))
    figs.save("02_vanishing_gradients_lsuv.png", lambda: lab.plot_probes(results["lsuv"]))


def zero_centred(figs: _Figures, quick: bool):
    _heading("3. Zero-centred outputs and the zig-zag")
    stats = lab.output_stats()
    print("f(z) for z ~ N(0, 1):")
    print(lab.format_table([[r["activation"], r["mean"], r["std"], r["frac_positive"]] for r in stats],
                           ["activation", "mean", "std", "fraction > 0"]))
    zz = [lab.zigzag("sigmoid"), lab.zigzag("tanh")]
    print("\nOne linear neuron learning w* = (1, -1) from inputs x = f(z) (per-example GD, lr 0.5):")
    print(lab.format_table([[z.inputs, z.steps_to_converge, 100 * z.same_sign_frac, z.condition_number,
                             z.gd_steps] for z in zz],
                           ["inputs", "steps to |w-w*|<0.01", "same-sign updates %",
                            "cond(E[xx^T])", "full-batch GD steps"]))
    figs.save("03_output_distributions.png", lab.plot_output_hist)
    figs.save("03_zigzag.png", lambda: lab.plot_zigzag(zz))


def empirical(figs: _Figures, quick: bool):
    _heading("4. The same network, different activations")
    seeds = (0, 1) if quick else (0, 1, 2)
    d_epochs = 6 if quick else 8
    c_epochs, c_seeds, n_chars = (2, (0,), 6000) if quick else (2, (0, 1), 12000)
    digits = lab.load_digits()
    chars = lab.load_chars(context=8, n_train=n_chars, n_test=3000)
    total = len(lab.CORE) * (len(seeds) * d_epochs + len(c_seeds) * c_epochs)
    with lab.Progress(total, "training") as bar:
        cd = lab.compare_activations(digits, hidden=(64, 64, 64, 64), seeds=seeds, epochs=d_epochs,
                                     progress=bar)
        cc = lab.compare_activations(chars, hidden=(128, 128), seeds=c_seeds, epochs=c_epochs,
                                     batch_size=128, dtype=np.float32, progress=bar)
    print(f"digits (8x8 images, {len(digits.y_train)} train / {len(digits.y_test)} test), MLP 64-64-64-64, "
          f"Adam, {d_epochs} epochs, seeds {seeds} (mean ± std):")
    print(cd.table())
    print(f"\nnext character of pydoc text ({len(chars.y_train)} train / {len(chars.y_test)} test, "
          f"{chars.context} characters of context, {chars.n_classes} symbols), MLP 128-128, Adam, "
          f"{c_epochs} epochs, seeds {c_seeds}:")
    print(cc.table())
    print(f"(a model that ignores the context reaches a test loss of {lab.unigram_entropy(chars):.4f})")
    for c in (cd, cc):
        print(f"{c.dataset}: ranking by test loss: {' < '.join(c.ranking())}")
    figs.save("04_digits.png", lambda: lab.plot_comparison(cd))
    figs.save("04_chars.png", lambda: lab.plot_comparison(cc))


def output(figs: _Figures, quick: bool):
    _heading("5. The output layer over a 50,000-token vocabulary")
    z = lab.vocabulary_logits(50_000)
    s, p = pyactx.sigmoid(z), pyactx.softmax(z)
    print(f"sum of 50,000 per-token sigmoids: {s.sum():,.2f};  sum of softmax: {p.sum():.15f}")
    big = z * 500.0
    naive, msgs = lab.with_warnings(lab.naive_softmax, big)
    ours, msgs2 = lab.with_warnings(pyactx.softmax, big)
    print(f"logits scaled to max {big.max():.0f}: naive exp(x)/sum(exp(x)) gives {np.isnan(naive).sum()} NaN "
          f"with {len(msgs)} warning(s) {sorted(set(msgs))}; pyactx.softmax gives "
          f"{np.isnan(ours).sum()} NaN, {len(msgs2)} warnings, sum {ours.sum():.15f}")
    x = np.array([1000.0, 999.0, 998.0])
    exact = -np.log1p(np.exp(-1.0) + np.exp(-2.0)) - np.array([0.0, 1.0, 2.0])
    print(f"log_softmax([1000, 999, 998]) = {pyactx.log_softmax(x)} (exact {exact}); naive: "
          f"{lab.with_warnings(lab.naive_log_softmax, x)[0]}")
    logits = np.random.default_rng(1).standard_normal(10)
    label = 3
    g = pyactx.cross_entropy_grad(logits, label)
    num = lab.numerical_gradient(lambda: float(pyactx.cross_entropy(logits, label)), [logits])[0]
    print(f"cross_entropy_grad vs central differences: max |difference| = {np.max(np.abs(g - num)):.2e}; "
          f"it equals softmax - onehot to {np.max(np.abs(g - (pyactx.softmax(logits) - np.eye(10)[3]))):.1e}")
    figs.save("05_sigmoid_vs_softmax.png", lambda: lab.plot_vocab_outputs(z))
    figs.save("05_softmax_jacobian.png", lambda: lab.plot_jacobian(np.array([2.0, 1.0, 0.1, -1.0, 0.5, 3.0])))


def gates(figs: _Figures, quick: bool):
    _heading("6. Where the sigmoid lives: gates and binary outputs")
    mem = lab.lstm_memory()
    print("LSTM cell (random weights, random inputs): what is left of c_0 after t steps = mean prod f_s")
    print(lab.format_table([[fb, float(r["gate_values"]["forget"].mean()), r["retention"][10],
                             r["retention"][50]] for fb, r in mem.items()],
                           ["forget bias", "mean forget gate", "t = 10", "t = 50"]))
    digits = lab.load_digits()
    seeds, epochs = ((0,), 5) if quick else ((0, 1), 10)
    with lab.Progress(4 * len(seeds) * epochs, "gated blocks") as bar:
        cg = lab.compare_gates(digits, hidden=32, seeds=seeds, epochs=epochs, progress=bar)
    print(f"\nOne gated block (width 32) on digits, Adam, {epochs} epochs, seeds {seeds}:")
    print(cg.table())
    xs = np.array([-800.0, -40.0, -20.0, 0.0, 20.0, 40.0, 800.0])
    t = np.ones_like(xs)
    naive, _ = lab.with_warnings(lab.naive_bce, xs, t)
    print("\nBinary cross-entropy of a positive example (t = 1) from its logit:")
    print(lab.format_table([[x, float(a), float(b), float(c), float(d)] for x, a, b, c, d in
                            zip(xs, pyactx.binary_cross_entropy(xs, t), naive,
                                pyactx.binary_cross_entropy_grad(xs, t), lab.mse_sigmoid_grad(xs, t))],
                           ["logit", "pyactx BCE", "-log(sigmoid)", "BCE grad", "MSE-on-sigmoid grad"]))
    bd = lab.binary_digits(3, 8)
    cb = lab.compare_models(bd, {"relu MLP + sigmoid/BCE head": lambda s: lab.MLP([64, 32, 1], "relu", seed=s)},
                            seeds=(0,), epochs=10, head="sigmoid")
    print(f"digits 3 vs 8 with one sigmoid output and BCE from logits: test accuracy "
          f"{100 * cb.final('relu MLP + sigmoid/BCE head', 'test_acc')[0]:.2f}%")
    figs.save("06_lstm.png", lambda: lab.plot_lstm(mem))
    figs.save("06_gates.png", lab.plot_gates)
    figs.save("06_bce.png", lab.plot_bce)


def speed(figs: _Figures, quick: bool):
    _heading("7. Speed (ns per element, median of repeats, one thread)")
    info = lab.machine_info()
    print("; ".join(f"{k}: {v}" for k, v in info.items()))
    n = 100_000 if quick else 1_000_000
    dtypes = (np.float32,) if quick else (np.float32, np.float64)
    n_impl = len(lab._peers(np.zeros(4), np.zeros((2, 2))))
    with lab.Progress(n_impl * len(dtypes), "timing") as bar:
        rows = lab.speed_table(n=n, dtypes=dtypes, repeat=5, min_time=0.01, progress=bar)
    print(f"{n:,} values:")
    print(lab.speed_text(rows))
    if info["torch"] == "not installed":
        print("(PyTorch is not installed: its rows are skipped)")
    figs.save("07_speed.png", lambda: lab.plot_speed(rows))


RUN = {"gallery": gallery, "vanishing": vanishing, "zero-centred": zero_centred, "empirical": empirical,
       "output": output, "gates": gates, "speed": speed}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:
        argv = argv[1:]
    ap = argparse.ArgumentParser(
        prog="python -m pyactx demo",
        description="Run the experiments of the pyactx notebooks at classroom size: print their tables "
                    "and save their figures.")
    ap.add_argument("--out", default="pyactx-demo-figures", help="folder for the figures "
                    "(default: ./pyactx-demo-figures)")
    ap.add_argument("--quick", action="store_true", help="smaller runs (about half the time)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                    help=f"run only these sections: {', '.join(SECTIONS)}")
    args = ap.parse_args(argv)
    figs = _Figures(args.out)
    t0 = time.perf_counter()
    print(f"pyactx {getattr(pyactx, '__version__', '?')} demo{' (quick)' if args.quick else ''}: "
          f"{len(lab.activation_names())} activations in the registry")
    for name in args.only or SECTIONS:
        RUN[name](figs, args.quick)
    print(f"\nDone in {time.perf_counter() - t0:.1f} s.")
    if figs.saved:
        print(f"{len(figs.saved)} figures written to {os.path.abspath(args.out)}:")
        for p in figs.saved:
            print(f"  {os.path.basename(p)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
