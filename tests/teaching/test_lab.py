"""Tests of pyactx.lab, the experiment code behind the notebooks and the demo."""

import io

import numpy as np
import pytest

import pyactx
from pyactx import _spec, lab

ALL = [a.name for a in _spec.ACTIVATION_TABLE]

# Non-default parameters, to check that the parameter reaches both f and f'.
PARAM_VARIANTS = [
    ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}),
    ("swish", {"beta": 1.7}), ("softplus", {"beta": 3.0}), ("softshrink", {"lambd": 0.3}),
    ("hardshrink", {"lambd": 0.3}), ("squareplus", {"b": 1.0}),
]


def _small_net(name, seed=1, **params):
    """A 4-5-5-3 float64 network and a batch of 6 for finite differences."""
    model = lab.MLP([4, 5, 5, 3], name, seed=seed, **params)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((6, 4))
    y = rng.integers(0, 3, 6)
    if name == "logit":
        # the logit is defined on (0, 1): keep every pre-activation near 1/2
        for i in range(0, len(model.params), 2):
            model.params[i] *= 0.1
        for i in range(1, len(model.params) - 2, 2):
            model.params[i][:] = 0.5
    return model, X, y


def test_registry_is_covered():
    assert set(lab.activation_names()) == set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_backward_matches_finite_differences(name):
    model, X, y = _small_net(name)
    model.forward(X)
    zs, _ = model.hidden()
    for z in zs:  # the check must not be vacuous: some units pass gradient in every layer
        assert np.any(model.df(z) != 0)
        assert np.all(np.isfinite(model.f(z)))
    err = lab.gradient_check(model, X, y)
    assert err < 1e-6, f"{name}: relative error {err:.3g}"


@pytest.mark.parametrize("name,params", PARAM_VARIANTS, ids=[p[0] for p in PARAM_VARIANTS])
def test_backward_with_parameters(name, params):
    model, X, y = _small_net(name, seed=3, **params)
    assert model.act_params == {**dict(pyactx.ACTIVATIONS[name].params), **params}
    assert lab.gradient_check(model, X, y) < 1e-6


def test_unknown_parameter_is_rejected():
    with pytest.raises(TypeError):
        lab.MLP([2, 2], "relu", alpha=1.0)


def test_sigmoid_head_gradient():
    model = lab.MLP([3, 4, 1], "tanh", seed=2)
    rng = np.random.default_rng(2)
    X, t = rng.standard_normal((7, 3)), rng.integers(0, 2, 7)
    assert lab.gradient_check(model, X, t, head="sigmoid") < 1e-6


@pytest.mark.parametrize("gate", ["glu", "swiglu", "geglu"])
def test_gated_mlp_gradient(gate):
    model = lab.GatedMLP(4, 5, 3, gate, seed=4)
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    assert lab.gradient_check(model, X, y) < 1e-6


def test_onehot_input_equals_dense_onehot():
    V, k, n = 5, 3, 8
    rng = np.random.default_rng(5)
    ids = rng.integers(0, V, (n, k))
    y = rng.integers(0, V, n)
    dense = np.zeros((n, k * V))
    for j in range(k):
        dense[np.arange(n), j * V + ids[:, j]] = 1.0
    m1 = lab.MLP([k * V, 6, V], "gelu", seed=0, onehot_vocab=V)
    m2 = lab.MLP([k * V, 6, V], "gelu", seed=0)
    for p1, p2 in zip(m1.params, m2.params):
        p2[...] = p1
    l1, g1 = lab.loss_and_grads(m1, ids, y)
    l2, g2 = lab.loss_and_grads(m2, dense, y)
    assert l1 == pytest.approx(l2, rel=1e-12)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_heads_match_their_formulas():
    rng = np.random.default_rng(6)
    logits, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    loss, grad = lab.softmax_cross_entropy(logits, y)
    m = logits.max(1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(1, keepdims=True))
    assert loss == pytest.approx(-logp[np.arange(5), y].mean(), rel=1e-12)
    onehot = np.eye(4)[y]
    np.testing.assert_allclose(grad, (np.exp(logp) - onehot) / 5, rtol=1e-10, atol=1e-15)
    x, t = rng.standard_normal((5, 1)), rng.integers(0, 2, 5)
    loss, grad = lab.sigmoid_cross_entropy(x, t)
    s = 1 / (1 + np.exp(-x[:, 0]))
    assert loss == pytest.approx(np.mean(-t * np.log(s) - (1 - t) * np.log(1 - s)), rel=1e-12)
    np.testing.assert_allclose(grad[:, 0], (s - t) / 5, rtol=1e-10)


def _toy_problem(seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    y = rng.integers(0, 3, 300)
    X = centres[y] + 0.5 * rng.standard_normal((300, 2))
    return X, y


@pytest.mark.parametrize("opt", [lab.SGD(lr=0.2), lab.SGD(lr=0.05, momentum=0.9), lab.Adam(lr=0.01)],
                         ids=["sgd", "sgd-momentum", "adam"])
def test_optimisers_reduce_the_loss(opt):
    X, y = _toy_problem()
    model = lab.MLP([2, 16, 3], "relu", seed=0)
    hist = lab.train(model, X, y, epochs=10, batch_size=32, optimizer=opt, seed=0)
    assert hist["train_loss"].shape == (11,)
    assert hist["train_loss"][-1] < 0.25 * hist["train_loss"][0]
    assert hist["train_acc"][-1] > 0.95


def test_training_is_reproducible():
    X, y = _toy_problem()
    runs = [lab.train(lab.MLP([2, 8, 3], "silu", seed=3), X, y, epochs=3, optimizer=lab.Adam(), seed=3)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0]["train_loss"], runs[1]["train_loss"])


def test_digits_loader_is_deterministic():
    pytest.importorskip("sklearn")
    a, b = lab.load_digits(), lab.load_digits()
    for k in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    assert a.X_train.shape[1] == 64 and len(a.y_train) + len(a.y_test) == 1797
    np.testing.assert_allclose(a.X_train.mean(0), 0, atol=1e-12)
    assert set(np.unique(a.y_train)) == set(range(10))
    c = lab.load_digits(seed=1)
    assert not np.array_equal(a.y_test, c.y_test)
    d = lab.binary_digits(3, 8)
    assert set(np.unique(d.y_train)) == {0, 1} and d.n_classes == 2


def test_char_loader_is_deterministic_and_consistent():
    a = lab.load_chars(context=5, n_train=2000, n_test=300)
    b = lab.load_chars(context=5, n_train=2000, n_test=300)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.X_train.shape == (2000, 5) and a.X_test.shape == (300, 5)
    assert a.n_features == 5 * len(lab.CHAR_VOCAB) and a.n_classes == len(lab.CHAR_VOCAB)
    text = lab.char_corpus()
    decode = lambda ids: "".join(a.vocab[i] for i in ids)
    # each example is a window of the corpus and its label the character after it; with blocks of
    # 1000 characters, windows 0..994 come from block 0 and test windows start in block 4
    for i in (0, 17, 994):
        assert decode(a.X_train[i]) + a.vocab[a.y_train[i]] == text[i:i + 6]
    assert decode(a.X_train[995]) + a.vocab[a.y_train[995]] == text[1000:1006]
    assert decode(a.X_test[0]) + a.vocab[a.y_test[0]] == text[4000:4006]
    assert set(text) <= set(lab.CHAR_VOCAB)
    assert 0 < lab.unigram_entropy(a) < np.log(len(lab.CHAR_VOCAB))


@pytest.mark.parametrize("init", [None, "lsuv"])
def test_gradient_probe_shapes(init):
    p = lab.gradient_probe("tanh", depth=7, width=8, n=16, init=init)
    for arr in (p.grad_norm, p.signal_norm, p.act_mean, p.act_std, p.preact_std, p.small_grad_frac,
                p.mean_abs_fprime):
        assert arr.shape == (7,) and np.all(np.isfinite(arr))
    if init == "lsuv":
        np.testing.assert_allclose(p.preact_std, 1.0, rtol=1e-10)
        assert p.init.endswith("+lsuv")


def test_sigmoid_gradient_vanishes_with_depth():
    sig = lab.gradient_probe("sigmoid", depth=30, width=16, n=32)
    relu = lab.gradient_probe("relu", depth=30, width=16, n=32)
    assert sig.grad_norm[0] < 1e-12 * sig.grad_norm[-1]
    assert sig.decay_per_layer < 0.3
    assert 0.5 < relu.decay_per_layer < 2.0


def test_zigzag_same_sign_updates():
    s = lab.zigzag("sigmoid")
    t = lab.zigzag("tanh")
    assert s.same_sign_frac == 1.0 and t.same_sign_frac < 0.8
    assert s.steps_to_converge > 2 * t.steps_to_converge > 0
    assert s.condition_number > 5 * t.condition_number
    np.testing.assert_allclose(s.path[-1], s.w_star, atol=1e-2)


def test_output_stats():
    rows = {r["activation"]: r for r in lab.output_stats(n=20_000)}
    assert rows["sigmoid"]["frac_positive"] == 1.0 and rows["sigmoid"]["mean"] == pytest.approx(0.5, abs=0.01)
    assert abs(rows["tanh"]["mean"]) < 0.02


def test_numerical_gradient_and_relative_error():
    a = np.array([1.0, -2.0, 0.5])
    g = lab.numerical_gradient(lambda: float(np.sum(a ** 3)), [a])[0]
    np.testing.assert_allclose(g, 3 * a ** 2, rtol=1e-8)
    np.testing.assert_array_equal(a, [1.0, -2.0, 0.5])
    assert lab.relative_error([g], [3 * a ** 2]) < 1e-8


def test_naive_softmax_overflows_where_pyactx_does_not():
    x = np.array([1000.0, 999.0, 0.0])
    y, msgs = lab.with_warnings(lab.naive_softmax, x)
    assert np.isnan(y).any() and any("overflow" in m for m in msgs)
    z, msgs2 = lab.with_warnings(pyactx.softmax, x)
    assert not msgs2 and np.all(np.isfinite(z)) and z.sum() == pytest.approx(1.0)
    b, _ = lab.with_warnings(lab.naive_bce, np.array([-800.0]), np.array([1.0]))
    assert not np.isfinite(b[0])
    assert pyactx.binary_cross_entropy(-800.0, 1.0) == pytest.approx(800.0)


def test_lstm_memory():
    out = lab.lstm_memory((-2.0, 3.0), steps=10, d_hidden=8, batch=4)
    for res in out.values():
        r = res["retention"]
        assert r.shape == (11,) and r[0] == 1.0 and np.all(np.diff(r) <= 0) and r[-1] > 0
        for k in ("input", "forget", "output"):
            v = res["gate_values"][k]
            assert np.all((v > 0) & (v < 1))
    assert out[3.0]["retention"][-1] > out[-2.0]["retention"][-1]


def test_compare_activations_shapes():
    X, y = _toy_problem()
    ds = lab.Dataset("toy", X[:200], y[:200], X[200:], y[200:], 3)
    cmp = lab.compare_activations(ds, ("relu", "tanh"), hidden=(8,), seeds=(0, 1), epochs=2)
    assert set(cmp.curves) == {"relu", "tanh"}
    assert cmp.curves["relu"]["test_acc"].shape == (2, 3)
    assert "test acc" in cmp.table()
    assert sorted(cmp.ranking()) == ["relu", "tanh"]


def test_speed_table_runs():
    rows = lab.speed_table(n=4096, dtypes=(np.float32,), repeat=1, min_time=0.0,
                           functions=("sigmoid", "softmax"))
    impls = {(r["function"].split(" ")[0], r["implementation"]) for r in rows}
    assert ("sigmoid", "pyactx") in impls and ("softmax", "pyactx") in impls
    assert all(r["ns_per_element"] > 0 for r in rows)
    assert all(r["vs_pyactx"] == 1.0 for r in rows if r["implementation"] == "pyactx")
    assert "ns/element" in lab.speed_text(rows)
    assert "numpy" in lab.machine_info()


def test_properties_table_agrees_with_registry():
    rows, headers = lab.properties_table()
    by = {r[0]: dict(zip(headers, r)) for r in rows}
    assert by["sigmoid"]["sup|f'|"] == 0.25 and by["tanh"]["sup|f'|"] == 1.0
    for name, row in by.items():  # the registry's sup |f'| is an upper bound (to 4-5 digits)
        if np.isfinite(row["sup|f'|"]):
            assert row["max|f'| on grid"] <= row["sup|f'|"] * (1 + 1e-4), name


def test_format_table_and_progress():
    t = lab.format_table([["a", 1.5], ["bb", 2e-7]], ["name", "value"])
    lines = t.splitlines()
    assert lines[0].startswith("name") and "2.000e-07" in t and len(lines) == 4
    buf = io.StringIO()
    with lab.Progress(4, "work", stream=buf, live=True) as bar:
        for _ in range(4):
            bar()
    assert "100.0%" in buf.getvalue() and buf.getvalue().endswith("\n")
    assert buf.getvalue().count("\r") == 6  # start, four steps, close
    buf = io.StringIO()  # not a terminal: one final line only
    with lab.Progress(4, "work", stream=buf) as bar:
        for _ in range(4):
            bar()
    assert buf.getvalue().count("%") == 1 and "100.0%" in buf.getvalue()


# ---------------------------------------------------------------------------
# LayerNorm, residual networks, fair comparisons, depth sweeps
# ---------------------------------------------------------------------------

def test_layer_norm_backward_matches_finite_differences():
    rng = np.random.default_rng(7)
    x, gamma, beta = rng.standard_normal((4, 6)), rng.standard_normal(6), rng.standard_normal(6)
    w = rng.standard_normal((4, 6))  # loss = sum(w * LN(x))
    y, cache = lab.layer_norm(x, gamma, beta)
    xhat = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, xhat * gamma + beta, rtol=1e-12, atol=1e-12)
    dx, dg, db = lab.layer_norm_backward(w, cache)
    num = lab.numerical_gradient(lambda: float(np.sum(w * lab.layer_norm(x, gamma, beta)[0])), [x, gamma, beta])
    assert lab.relative_error([dx, dg, db], num) < 1e-7


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "gelu", "silu"])
@pytest.mark.parametrize("norm", [True, False], ids=["preLN", "no-norm"])
def test_residual_mlp_gradient(name, norm):
    model = lab.ResidualMLP(4, 5, 3, 3, name, norm=norm, seed=8)
    rng = np.random.default_rng(8)
    for p in model.params:  # move gains/biases away from 1/0 so that every term is exercised
        p += 0.1 * rng.standard_normal(p.shape)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    assert len(model.params) == 2 + (6 if norm else 4) * 3 + (2 if norm else 0) + 2
    assert lab.gradient_check(model, X, y) < 1e-6


def test_make_mlp_and_flat_params():
    plain = lab.make_mlp(5, 4, 3, 2, "relu", seed=0)
    assert isinstance(plain, lab.MLP) and plain.sizes == (5, 4, 4, 4, 2)
    res = lab.make_mlp(5, 4, 3, 2, "relu", residual=True, seed=0)
    assert isinstance(res, lab.ResidualMLP) and res.depth == 3
    X = np.random.default_rng(0).standard_normal((3, 5))
    before = res.forward(X).copy()
    flat = lab.flatten_params_(res)
    assert flat.size == lab.n_parameters(res)
    np.testing.assert_array_equal(res.forward(X), before)
    flat[:] = 0.0
    assert all(np.all(p == 0) for p in res.params)


def test_fit_is_paired_and_reproducible():
    X, y = _toy_problem()
    Xv, yv = X[:50], y[:50]
    runs = [lab.fit(lab.MLP([2, 8, 3], "silu", seed=3), X, y, lr=3e-2, epochs=5, batch_size=64, seed=3,
                    X_val=Xv, y_val=yv, X_test=Xv, y_test=yv) for _ in range(2)]
    np.testing.assert_array_equal(runs[0]["val_loss"], runs[1]["val_loss"])
    r = runs[0]
    assert r["train_loss"].shape == (6,) and r["val_loss"].shape == (6,) and not r["diverged"]
    assert r["val_loss"][-1] < 0.5 * r["val_loss"][0] and 0 <= r["test_acc"] <= 1
    assert lab.cosine_lr(0, 10) == 1.0 and lab.cosine_lr(10, 10) == pytest.approx(0.0, abs=1e-12)


def test_tuned_comparison_chooses_per_model_rates():
    X, y = _toy_problem()
    ds = lab.Dataset("toy", X[:200], y[:200], X[200:], y[200:], 3)
    tc = lab.tuned_activations(ds, ("relu", "tanh"), hidden=(8,), lrs=(1e-3, 3e-2), seeds=(0, 1, 2),
                               tune_seeds=(0, 1), epochs=4)
    for n in ("relu", "tanh"):
        g = tc.grid_val_loss[n]
        assert g.shape == (2, 2)
        assert tc.chosen_lr[n] == tc.lrs[int(np.argmin(g.mean(1)))]
        assert len(tc.runs[n]) == 3 and tc.flatness(n).shape == (3,)
    np.testing.assert_array_equal(tc.paired_diff("relu"), 0.0)
    assert "Δ test loss vs relu" in tc.table() and "chosen" in tc.lr_table()
    assert any("Paired differences" in s for s in tc.sentences())
    c = tc.concentration("tanh", ds.X_test, ds.y_test)
    assert np.all((c["top_share"] > 0) & (c["top_share"] <= 1))


def test_tuned_gates_match_parameter_counts():
    X, y = _toy_problem()
    ds = lab.Dataset("toy", X[:200], y[:200], X[200:], y[200:], 3)
    tg = lab.tuned_gates(ds, ("glu", "swiglu"), hidden=6, lrs=(1e-2,), seeds=(0,), epochs=2)
    n = tg.n_params
    assert abs(n["relu MLP"] - n["glu"]) <= 2 + 1 + 3 and n["glu"] == n["swiglu"]


def test_depth_sweep_small():
    X, y = _toy_problem()
    ds = lab.Dataset("toy", X[:200], y[:200], X[200:], y[200:], 3)
    lrs, val = lab.tune_depth_lrs(ds, ("relu",), depth=2, lrs=(1e-2, 3e-2), width=6, epochs=2)
    assert set(lrs) == {("plain", "relu"), ("residual+LN", "relu")} and val[("plain", "relu")].shape == (2,)
    sw = lab.depth_sweep(ds, ("relu", "sigmoid"), (1, 3), lrs={"relu": 3e-2, "sigmoid": 3e-2}, width=6,
                         seeds=(0, 1), epochs=3)
    assert sw.results[("residual+LN", "sigmoid")]["test_acc"].shape == (2, 2)
    assert len(sw.status("plain", "relu")) == 2 and "depth 3" in sw.table()
    assert len(sw.sentences()) == 4


def test_zigzag_opposite_sign_updates():
    for name in ("sigmoid", "relu"):  # never-negative inputs: no update moves the weights apart
        assert lab.zigzag(name).opposite_sign_frac == 0.0
    assert lab.zigzag("tanh").opposite_sign_frac > 0.2


def _check_figure(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    W, H = fig.canvas.get_width_height()
    for ax in fig.axes:
        if not ax.axison:
            continue
        assert ax.get_xlabel() and ax.get_title(), ax
        lines = [l for l in ax.get_lines() if not l.get_label().startswith("_")]
        if len(lines) + len(ax.containers) >= 2:
            assert ax.get_legend() is not None, ax.get_title()
    bb = fig.get_tightbbox(renderer)
    dpi = fig.dpi
    assert bb.x0 * dpi >= -1 and bb.y0 * dpi >= -1 and bb.x1 * dpi <= W + 1 and bb.y1 * dpi <= H + 1


def test_new_and_fixed_figures_are_labelled():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    X, y = _toy_problem()
    ds = lab.Dataset("toy", X[:200], y[:200], X[200:], y[200:], 3)
    tc = lab.tuned_activations(ds, ("relu", "tanh"), hidden=(8,), lrs=(1e-3, 3e-2), seeds=(0, 1), epochs=3)
    sw = lab.depth_sweep(ds, ("relu", "tanh"), (1, 2), lrs={"relu": 1e-2, "tanh": 1e-2}, width=4, seeds=(0,),
                         epochs=2)
    cmp = lab.compare_activations(ds, ("relu", "tanh"), hidden=(8,), seeds=(0,), epochs=2)
    figs = [lab.plot_lr_curves(tc), lab.plot_tuned_curves(tc), lab.plot_paired(tc), lab.plot_depth_sweep(sw),
            lab.plot_comparison(cmp), lab.plot_bce(), lab.plot_gates(),
            lab.plot_lstm(lab.lstm_memory((0.0, 2.0), steps=5, d_hidden=4, batch=2)),
            lab.plot_zigzag([lab.zigzag(n) for n in ("sigmoid", "tanh", "relu")], ncols=2),
            lab.plot_output_hist(("relu", "tanh"), n=1000)]
    for fig in figs:
        _check_figure(fig)
        plt.close(fig)
