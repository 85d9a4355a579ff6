"""Tests of pyactx.lab.transformer: the tiny character-level transformer behind notebook 08."""

import math
import sys

import numpy as np
import pytest

import pyactx
from pyactx.lab import transformer as tr

SMALL = dict(vocab=11, d_model=8, n_heads=2, n_layers=2, context=5)


def _small_model(activation, head="softmax", seed=1):
    """A float64 model at gradient-check size, every parameter moved off its initial value
    (LayerNorm gains of exactly 1 and zero biases would hide mistakes in their gradients)."""
    model = tr.CharTransformer(tr.Config(activation=activation, head=head, **SMALL), seed=seed,
                               dtype=np.float64)
    rng = np.random.default_rng(seed + 100)
    for p in model.params.values():
        p += 0.1 * rng.standard_normal(p.shape)
    rng = np.random.default_rng(seed + 200)
    x = rng.integers(0, SMALL["vocab"], (3, SMALL["context"]))
    y = rng.integers(0, SMALL["vocab"], (3, SMALL["context"]))
    return model, x, y


def test_not_imported_by_pyactx():
    import subprocess

    code = "import sys, pyactx; print('pyactx.lab.transformer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("activation,head", [
    ("relu", "softmax"), ("gelu", "softmax"), ("silu", "softmax"), ("tanh", "softmax"),
    ("swiglu", "softmax"), ("geglu", "softmax"), ("glu", "softmax"),
    ("gelu", "sigmoid"), ("swiglu", "sigmoid"),
])
def test_backward_matches_central_differences(activation, head):
    model, x, y = _small_model(activation, head)
    errors = tr.gradient_check(model, x, y, h=1e-6)
    assert set(errors) == set(model.params)  # every parameter tensor is checked
    bad = {k: v for k, v in errors.items() if not v < 1e-6}
    assert not bad, bad


def test_gradients_cover_all_parameters_with_matching_shapes():
    model, x, y = _small_model("gelu")
    loss, grads = model.loss_and_grads(x, y)
    assert list(grads) == list(model.params)
    for k, g in grads.items():
        assert g.shape == model.params[k].shape and g.dtype == np.float64, k
    assert math.isclose(loss, model.loss(x, y), rel_tol=1e-12)


def test_float32_stays_float32():
    model = tr.CharTransformer(tr.Config(activation="swiglu", **SMALL), seed=0, dtype=np.float32)
    x = np.zeros((2, 5), dtype=np.int64)
    _, grads = model.loss_and_grads(x, x)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert model.logits(x).dtype == np.float32


def test_attention_is_causal():
    model, x, _ = _small_model("gelu")
    before = model.logits(x)
    x2 = x.copy()
    x2[:, 3] = (x2[:, 3] + 1) % SMALL["vocab"]
    after = model.logits(x2)
    np.testing.assert_array_equal(before[:, :3], after[:, :3])
    assert not np.allclose(before[:, 3:], after[:, 3:])


@pytest.mark.parametrize("d_model,d_ff", [(48, 192), (24, 96)])
def test_gated_ffn_matches_parameter_count(d_model, d_ff):
    counts = {}
    for act in ("relu", "gelu", "swiglu", "geglu", "glu"):
        cfg = tr.Config(vocab=20, d_model=d_model, n_heads=4, n_layers=2, context=8, activation=act, d_ff=d_ff)
        counts[act] = tr.CharTransformer(cfg).n_params("ffn")
        assert cfg.hidden == (d_ff * 2 // 3 if tr.is_gated(act) else d_ff)
    # weights match exactly; only the extra d_ff/3 first-layer biases per block differ
    assert counts["relu"] == counts["gelu"]
    assert counts["swiglu"] == counts["geglu"] == counts["glu"] == counts["relu"] + 2 * (d_ff // 3)


def test_sigmoid_head_normalised_probabilities():
    model, x, _ = _small_model("gelu", head="sigmoid")
    p = model.probabilities(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    s = pyactx.sigmoid(model.logits(x))
    np.testing.assert_allclose(p, s / s.sum(axis=-1, keepdims=True), rtol=1e-12)


def test_unknown_activation_and_head_raise():
    with pytest.raises(ValueError):
        tr.Config(vocab=5, activation="nope")
    with pytest.raises(ValueError):
        tr.Config(vocab=5, head="nope")
    with pytest.raises(ValueError):
        tr.Config(vocab=5, d_model=10, n_heads=4)


def _toy_data(n=4000, seed=0):
    """A periodic text over 7 symbols plus noise: easy to learn from context."""
    rng = np.random.default_rng(seed)
    ids = np.tile(np.arange(7), n // 7 + 1)[:n]
    flip = rng.random(n) < 0.05
    ids[flip] = rng.integers(0, 7, flip.sum())
    return tr.CharData(ids[: 3 * n // 4], ids[3 * n // 4: 7 * n // 8], ids[7 * n // 8:], "abcdefg")


@pytest.mark.parametrize("activation,head", [("gelu", "softmax"), ("swiglu", "softmax"), ("relu", "sigmoid")])
def test_training_reduces_loss(activation, head):
    data = _toy_data()
    cfg = tr.Config(vocab=7, d_model=16, n_heads=2, n_layers=1, context=8, activation=activation, head=head)
    run = tr.train(cfg, data, lr=1e-2, steps=40, batch=8, seed=0, eval_every=20, n_val=16, warmup=5)
    assert run.steps == [0, 20, 40]
    assert all(np.isfinite(run.val_nll))
    assert run.val_nll[-1] < run.val_nll[0] - 0.5, run.val_nll
    assert run.tokens_per_s > 0
    if head == "sigmoid":
        assert all(np.isfinite(run.sum_dev))


def test_same_seed_same_batches():
    data = _toy_data()
    a, b = data.batches(8, 4, seed=3), data.batches(8, 4, seed=3)
    for _ in range(3):
        (xa, ya), (xb, yb) = next(a), next(b)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(xa[:, 1:], ya[:, :-1])


def test_char_data_splits_are_disjoint_and_cover_vocab():
    data = tr.char_data()
    assert data.n_vocab == len(data.vocab)
    n = len(data.train) + len(data.val) + len(data.test)
    assert len(data.val) == len(data.test) and 0.15 < 2 * len(data.val) / n < 0.25
    assert data.decode(data.encode("abc (x)")) == "abc (x)"
