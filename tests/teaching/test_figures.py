"""Figures a class can read (issue 10, F): every figure of ``python -m pyactx demo`` and
every ``plot_*`` function of :mod:`pyactx.lab` has labelled axes, a legend wherever two
or more labelled lines are drawn, integer epoch ticks, and no text outside the canvas.

The demo's figures are collected in-process from a ``--quick`` run through the
``on_figure`` hook of :func:`pyactx.demo.main` (called before each figure is saved
and closed)."""
import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
pytest.importorskip("sklearn")

from pyactx import demo, lab  # noqa: E402
from pyactx.demo.report import figure_problems  # noqa: E402


@pytest.fixture(scope="module")
def demo_figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    figs = {}
    rc = demo.main(["--quick", "--out", str(out)], on_figure=lambda name, fig: figs.setdefault(name, fig))
    assert rc == 0
    return out, figs


EXPECTED = ["01_gallery.png", "02_vanishing_gradients.png", "02_forward_signal.png",
            "02_vanishing_gradients_lsuv.png", "03_output_distributions.png", "03_zigzag.png",
            "04_digits_lr.png", "04_digits.png", "04_digits_paired.png",
            "04_depth.png", "05_sigmoid_vs_softmax.png", "05_softmax_jacobian.png",
            "06_lstm.png", "06_gates.png", "06_bce.png", "07_speed.png"]


def test_demo_produces_every_figure_and_index(demo_figures):
    out, figs = demo_figures
    assert set(EXPECTED) <= set(figs), sorted(set(EXPECTED) - set(figs))
    for name in figs:
        assert (out / name).is_file()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(figs)
    assert "Claim" in page and "Measured" in page


@pytest.mark.parametrize("name", EXPECTED)
def test_demo_figure_is_readable(demo_figures, name):
    _, figs = demo_figures
    fig = figs[name]
    assert fig.axes, name
    assert not figure_problems(fig, name), figure_problems(fig, name)


# --- every plot_* function of lab, with small inputs -------------------------------------

def _small_comparison():
    return lab.compare_activations(_small_digits(), names=("tanh", "relu"), hidden=(8,), seeds=(0,), epochs=2)


def _small_digits():
    d = lab.load_digits()
    d.X_train, d.y_train = d.X_train[:200], d.y_train[:200]
    return d


def _small_tuned():
    return lab.tuned_activations(_small_digits(), names=("tanh", "relu"), hidden=(8,), lrs=(1e-3, 1e-2),
                                 seeds=(0, 1), epochs=2)


def _lab_plot(name):
    if name in ("plot_lr_curves", "plot_tuned_curves", "plot_paired"):
        return getattr(lab, name)(_small_tuned())
    if name == "plot_depth_sweep":
        return lab.plot_depth_sweep(lab.depth_sweep(_small_digits(), names=("tanh", "relu"), depths=(2, 4),
                                                    lrs={"tanh": 1e-3, "relu": 1e-3}, width=8, seeds=(0,),
                                                    epochs=2))
    if name == "plot_gallery":
        return lab.plot_gallery(["sigmoid", "relu", "gelu"], ncols=3)
    if name == "plot_probes":
        return lab.plot_probes([lab.gradient_probe(n, depth=6, width=8, n=16) for n in ("sigmoid", "relu")])
    if name == "plot_output_hist":
        return lab.plot_output_hist(("sigmoid", "tanh"), n=1000)
    if name == "plot_zigzag":
        return lab.plot_zigzag([lab.zigzag("sigmoid", max_steps=200), lab.zigzag("tanh", max_steps=200)])
    if name == "plot_comparison":
        return lab.plot_comparison(_small_comparison())
    if name == "plot_speed":
        rows = [{"function": f, "implementation": i, "dtype": "float32", "ns_per_element": v, "vs_pyactx": 1.0}
                for f, i, v in (("sigmoid", "pyactx", 0.4), ("sigmoid", "numpy 1/(1+exp(-x))", 1.0))]
        return lab.plot_speed(rows)
    if name == "plot_vocab_outputs":
        return lab.plot_vocab_outputs(lab.vocabulary_logits(500))
    if name == "plot_jacobian":
        return lab.plot_jacobian(np.array([2.0, 1.0, 0.1]))
    if name == "plot_lstm":
        return lab.plot_lstm(lab.lstm_memory((0.0, 3.0), steps=5, d_hidden=4, batch=4))
    if name == "plot_gates":
        return lab.plot_gates()
    if name == "plot_bce":
        return lab.plot_bce()
    raise KeyError(name)


LAB_PLOTS = sorted(n for n in dir(lab) if n.startswith("plot_") and callable(getattr(lab, n))
                   and n != "plot_domain")      # plot_domain returns an x grid, not a figure


def test_every_lab_plot_function_is_covered():
    known = {"plot_gallery", "plot_probes", "plot_output_hist", "plot_zigzag", "plot_comparison", "plot_speed",
             "plot_vocab_outputs", "plot_jacobian", "plot_lstm", "plot_gates", "plot_bce",
             "plot_lr_curves", "plot_tuned_curves", "plot_paired", "plot_depth_sweep"}
    assert set(LAB_PLOTS) <= known, f"new plot_* functions need a case here: {set(LAB_PLOTS) - known}"


@pytest.mark.parametrize("name", LAB_PLOTS)
def test_lab_plot_is_readable(name):
    import matplotlib.pyplot as plt
    fig = _lab_plot(name)
    try:
        problems = figure_problems(fig, name)
        assert not problems, problems
    finally:
        plt.close(fig)
