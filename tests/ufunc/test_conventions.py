"""Conventions of the Python layer over the raw ufuncs:

* ``pyactx.cross_entropy`` / ``pyactx.cross_entropy_grad``: plain functions
  with PyTorch's semantics (``F.cross_entropy(..., reduction="none")``:
  ignore_index, label_smoothing, probability targets), label validation
  before anything is written, dtype=, duck arrays (Dask) kept lazy;
* the keyword wrappers of the parameterised activations: parameter checks
  (as PyTorch, decisions in each wrapper's docstring), the second positional
  argument is the parameter, a clear TypeError for a non-array ``out``;
* RuntimeWarnings from the keyword wrappers are reported at the caller's
  line, while errstate 'raise' / 'ignore' / 'call' / 'log' behave as for the
  raw ufuncs.

PyTorch (when installed) is the reference for the semantics; the raw ufuncs
in ``pyactx.ufuncs`` keep NumPy semantics (no checks).
"""
from __future__ import annotations

import inspect
import pickle
import warnings

import numpy as np
import pytest

import pyactx
from pyactx import _spec

import function_facts as facts

HERE = __file__
ACTS = [a for a in _spec.ACTIVATION_TABLE if a.params]
WRAPPERS = [(a.name + s, a.name, a.params[0].name) for a in ACTS for s in ("", "_grad")]
LOSSES = [pyactx.cross_entropy, pyactx.cross_entropy_grad]


def _torch():
    return pytest.importorskip("torch")


def _x(shape=(4, 5), seed=0, dtype=np.float64):
    return (np.random.default_rng(seed).standard_normal(shape) * 2).astype(dtype)


# ===========================================================================
# cross_entropy / cross_entropy_grad
# ===========================================================================

def test_losses_are_functions_with_the_raw_gufunc_as_ufunc():
    for fn, raw in ((pyactx.cross_entropy, pyactx.ufuncs.cross_entropy),
                    (pyactx.cross_entropy_grad, pyactx.ufuncs.cross_entropy_grad)):
        assert not isinstance(fn, np.ufunc) and isinstance(raw, np.ufunc)
        assert fn.ufunc is raw
        assert fn.__module__ == "pyactx" and fn.__qualname__ == raw.__name__
        assert pickle.loads(pickle.dumps(fn)) is fn
        assert "ignore_index" in fn.__doc__ and "label_smoothing" in fn.__doc__
    assert pyactx.SOFTMAX_FAMILY["cross_entropy"].signature == "(n),()->()"


def _torch_ce(torch, x, target, axis, **kw):
    """loss and d(sum loss)/dx from torch (class axis moved to dim 1)."""
    xt = torch.tensor(np.moveaxis(x, axis, 1) if x.ndim > 1 else x, requires_grad=True)
    if np.asarray(target).dtype.kind == "f":
        tt = torch.tensor(np.moveaxis(target, axis, 1) if x.ndim > 1 else target)
    else:
        tt = torch.tensor(np.asarray(target, dtype=np.int64))
    loss = torch.nn.functional.cross_entropy(xt, tt, reduction="none", **kw)
    loss.sum().backward()
    g = xt.grad.numpy()
    return loss.detach().numpy(), (np.moveaxis(g, 1, axis) if x.ndim > 1 else g)


def _close(a, b, dtype=np.float64):
    tol = 64 * float(np.finfo(dtype).eps)
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_class_indices_match_torch(eps, ignore_index):
    torch = _torch()
    x = _x((6, 5))
    x[3, 1] = -np.inf                                 # a -inf logit (not the label's)
    lab = np.array([0, -100, 4, 2, 1, 3])
    kw = dict(ignore_index=ignore_index, label_smoothing=eps)
    if ignore_index != -100:                          # -100 is then an ordinary bad label
        with pytest.raises(ValueError, match="label -100"):
            pyactx.cross_entropy(x, lab, **kw)
        lab = np.where(lab == -100, 3, lab)
    want_l, want_g = _torch_ce(torch, x, lab, -1, **kw)
    with np.errstate(all="raise"):
        got_l = pyactx.cross_entropy(x, lab, **kw)
        got_g = pyactx.cross_entropy_grad(x, lab, **kw)
    ign = lab == ignore_index
    assert np.all(got_l[ign] == 0) and np.all(got_g[ign] == 0)
    _close(got_l, want_l)
    _close(got_g, want_g)


@pytest.mark.parametrize("eps", [0.0, 0.2, 1.0])
def test_probability_targets_match_torch(eps):
    torch = _torch()
    rng = np.random.default_rng(3)
    x = _x((5, 4))
    t = rng.random((5, 4))
    t[1, 2] = 0.0
    t[2] = [0.0, 1.0, 0.0, 0.0]
    t /= t.sum(axis=1, keepdims=True)
    x[1, 2] = -np.inf                                 # p = 0 on a -inf logit: no 0 * -inf
    x[2, 0] = -np.inf
    want_l, want_g = _torch_ce(torch, x, t, -1, label_smoothing=eps)
    with np.errstate(all="raise"):
        got_l = pyactx.cross_entropy(x, t, label_smoothing=eps)
        got_g = pyactx.cross_entropy_grad(x, t, label_smoothing=eps)
    # rows 1 and 2 have t_c = 0 on a -inf logit: PyTorch forms 0 * -inf = NaN
    # (without smoothing), pyactx the limit 0 (t log t -> 0): the other terms
    # of those rows are the loss
    nan_rows = np.isnan(want_l)
    assert list(np.flatnonzero(nan_rows)) == ([1, 2] if eps == 0 else [])
    if eps == 0:
        assert np.all(np.isfinite(got_l))
    _close(got_l[~nan_rows], want_l[~nan_rows])
    for r in np.flatnonzero(nan_rows):
        fin = np.isfinite(x[r])
        want_r, _ = _torch_ce(torch, x[r][fin], t[r][fin], -1)
        _close(got_l[r], want_r)
    _close(got_g, want_g)
    # unnormalised "probabilities": torch's formula as is (grad = softmax * sum t - t)
    t2 = 2 * t
    x = np.where(np.isinf(x), -3.0, x)
    want_l, want_g = _torch_ce(torch, x, t2, -1)
    with np.errstate(all="raise"):
        _close(pyactx.cross_entropy(x, t2), want_l)
        _close(pyactx.cross_entropy_grad(x, t2), want_g)


def test_class_axis_and_float32_match_torch():
    torch = _torch()
    x = _x((3, 5, 4), seed=1)                           # classes on axis 1, as torch
    lab = np.array([[0, 4, -100, 2], [1, 1, 3, 0], [4, -100, 0, 2]])
    for axis in (1, np.int64(1), -2):
        want_l, want_g = _torch_ce(torch, x, lab, 1, label_smoothing=0.1)
        _close(pyactx.cross_entropy(x, lab, axis, label_smoothing=0.1), want_l)
        _close(pyactx.cross_entropy_grad(x, lab, axis=axis, label_smoothing=0.1), want_g)
    x32 = x.astype(np.float32)
    want_l, want_g = _torch_ce(torch, x32, lab, 1)
    got = pyactx.cross_entropy(x, lab, axis=1, dtype=np.float32)
    assert got.dtype == np.float32
    _close(got, want_l, np.float32)
    g = pyactx.cross_entropy_grad(x, lab, axis=1, dtype=np.float32)
    assert g.dtype == np.float32
    _close(g, want_g, np.float32)


def test_plain_loss_is_the_raw_kernel_bit_for_bit():
    x = _x((7, 9), seed=4)
    lab = np.array([0, 8, 3, 3, 1, 7, 2])
    assert pyactx.cross_entropy(x, lab).tobytes() == pyactx.ufuncs.cross_entropy(x, lab).tobytes()
    assert (pyactx.cross_entropy_grad(x, lab).tobytes()
            == pyactx.ufuncs.cross_entropy_grad(x, lab).tobytes())
    # ignored rows: 0; the other rows are still the raw kernel's bits
    lab2 = lab.copy()
    lab2[[1, 4]] = -100
    got = pyactx.cross_entropy(x, lab2)
    raw = pyactx.ufuncs.cross_entropy(x, np.where(lab2 == -100, 0, lab2))
    keep = lab2 != -100
    assert got[keep].tobytes() == raw[keep].tobytes() and np.all(got[~keep] == 0)
    g = pyactx.cross_entropy_grad(x, lab2)
    assert np.all(g[~keep] == 0) and not np.any(np.signbit(g[~keep]))


def test_reference_formulas_without_torch():
    x = _x((4, 6), seed=5)
    lab = np.array([5, 0, -100, 2])
    eps, n = 0.3, 6
    ls = pyactx.log_softmax(x)
    y = pyactx.softmax(x)
    want = np.array([(1 - eps) * -ls[r, lab[r]] + eps * -ls[r].mean() if lab[r] != -100 else 0.0
                     for r in range(4)])
    np.testing.assert_allclose(pyactx.cross_entropy(x, lab, label_smoothing=eps), want, rtol=1e-14)
    onehot = np.zeros_like(x)
    onehot[[0, 1, 3], lab[[0, 1, 3]]] = 1
    wg = y - (1 - eps) * onehot - eps / n
    wg[2] = 0
    np.testing.assert_allclose(pyactx.cross_entropy_grad(x, lab, label_smoothing=eps), wg,
                               rtol=1e-14, atol=1e-16)


def test_one_row_gives_a_scalar():
    x = np.array([1.0, 2.0, 0.5])
    r = pyactx.cross_entropy(x, 1)
    assert isinstance(r, np.float64) and r == pyactx.ufuncs.cross_entropy(x, 1)
    z = pyactx.cross_entropy(x, -100)
    assert isinstance(z, np.float64) and z == 0
    assert isinstance(pyactx.cross_entropy(x, 1, label_smoothing=0.5), np.float64)
    assert np.all(pyactx.cross_entropy_grad(x, -100) == 0)


def _bad_case():
    x = np.zeros((3, 4, 5))
    lab = np.zeros((3, 4), np.int64)
    lab[2, 3] = 99
    return x, lab


class _LabelArray(np.ndarray):
    pass


@pytest.mark.parametrize("form", ["ndarray", "memoryview", "list", "subclass", "tuple-out"])
@pytest.mark.parametrize("fn", LOSSES, ids=lambda f: f.__name__)
def test_bad_label_raises_before_writing_out(fn, form):
    x, lab = _bad_case()
    if fn is pyactx.cross_entropy:
        base = np.full((3, 9), -7.0)
        out = base[:, ::2][:, :4]                       # non-contiguous (3, 4)
    else:
        base = np.full((3, 4, 11), -7.0)
        out = base[:, :, ::2][:, :, :5]                 # non-contiguous (3, 4, 5)
    assert not out.flags.c_contiguous
    labels = {"ndarray": lab, "memoryview": memoryview(lab), "list": lab.tolist(),
              "subclass": lab.view(_LabelArray), "tuple-out": lab}[form]
    o = (out,) if form == "tuple-out" else out
    with pytest.raises(ValueError, match=r"label 99 out of range for 5 classes.*0 <= label < 5"):
        fn(x, labels, axis=np.int64(-1), out=o)
    assert np.all(base == -7.0), "out written before the labels were validated"
    # with label smoothing too, and for every other bad label (negatives included)
    for bad in (5, -1, -101, 2 ** 62):
        lab2 = lab.copy()
        lab2[2, 3] = bad
        with pytest.raises(ValueError, match=f"label {bad} out of range"):
            fn(x, lab2, out=out, label_smoothing=0.1)
        assert np.all(base == -7.0)
    # valid labels: out is filled and returned
    lab[2, 3] = 4
    assert fn(x, lab, out=o) is out
    np.testing.assert_array_equal(out, fn(x, lab))


def test_label_integer_types():
    x = _x((3, 5))
    want = pyactx.cross_entropy(x, np.array([0, 4, 2]))
    for it in (np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32, np.uint64):
        np.testing.assert_array_equal(pyactx.cross_entropy(x, np.array([0, 4, 2], dtype=it)), want)
    np.testing.assert_array_equal(pyactx.cross_entropy(x, [0, 4, 2]), want)
    np.testing.assert_array_equal(pyactx.cross_entropy(x, (0, 4, 2)), want)
    # uint64 beyond int64: out of range, never wrapped into a valid label
    for big in (2 ** 63, 2 ** 64 - 1, 2 ** 64 - 100):
        with pytest.raises(ValueError, match=f"label {big} out of range"):
            pyactx.cross_entropy(x, np.array([0, big, 1], dtype=np.uint64))
        with pytest.raises(ValueError, match=f"label {big} out of range"):
            pyactx.cross_entropy_grad(x, np.array([0, big, 1], dtype=np.uint64))
    # Python ints beyond uint64 (object arrays)
    with pytest.raises(ValueError, match=f"label {2 ** 70} out of range"):
        pyactx.cross_entropy(x, [0, 2 ** 70, 1])


@pytest.mark.parametrize("fn", LOSSES, ids=lambda f: f.__name__)
def test_bad_targets_are_type_errors(fn):
    x = _x((3, 5))
    out = np.full((3,) if fn is pyactx.cross_entropy else (3, 5), -7.0)
    msg = "labels must be integer class indices or probability targets shaped like the logits"
    for t in (np.array([0.0, 1.0, 2.0]), 1.0, np.float32(2), np.ones((3, 4)), np.ones((1, 5)),
              np.array([True, False, True]), np.array([1j, 0, 0])):
        with pytest.raises(TypeError, match=msg):
            fn(x, t, out=out)
        assert np.all(out == -7)
    with pytest.raises(TypeError, match=msg):
        fn(np.array([1.0, 2.0, 3.0]), 0.5)


@pytest.mark.parametrize("fn", LOSSES, ids=lambda f: f.__name__)
def test_bad_label_smoothing(fn):
    x = _x((3, 5))
    for eps in (-0.1, 1.5, np.nan, np.inf):
        with pytest.raises(ValueError, match="label_smoothing must be in"):
            fn(x, np.array([0, 1, 2]), label_smoothing=eps)


@pytest.mark.parametrize("fn", LOSSES, ids=lambda f: f.__name__)
def test_no_floating_point_flags(fn):
    x = np.array([[0.0, -np.inf, 3.0], [-np.inf, -np.inf, 1.0], [1e308, -1e300, 0.0],
                  [np.nan, 0.0, 1.0]])
    t = np.array([[0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    with np.errstate(all="raise"):
        for eps in (0.0, 0.25, 1.0):
            fn(x, t, label_smoothing=eps)
            fn(x, np.array([0, 2, -100, 1]), label_smoothing=eps)
            fn(x, np.array([1, 0, 0, -100]), label_smoothing=eps)      # labels on -inf logits
    with np.errstate(all="raise"):
        r = pyactx.cross_entropy(x, t)
        assert r[1] == 0 or np.isfinite(r[1])
        assert np.isnan(r[3])
        assert np.isinf(pyactx.cross_entropy(x, np.array([1, 0, 0, 0]))[0])


def test_empty_cases():
    x = np.empty((0, 4))
    assert pyactx.cross_entropy(x, np.empty(0, np.int64)).shape == (0,)
    assert pyactx.cross_entropy(x, []).shape == (0,)
    assert pyactx.cross_entropy_grad(x, np.empty(0, np.int64)).shape == (0, 4)
    z = np.empty((3, 0))
    with pytest.raises(ValueError, match="out of range for 0 classes"):
        pyactx.cross_entropy(z, np.array([0, 0, 0]))
    # zero classes, every row ignored: zeros (as torch), no error
    r = pyactx.cross_entropy(z, np.full(3, -100))
    assert r.shape == (3,) and np.all(r == 0)
    assert pyactx.cross_entropy_grad(z, np.full(3, -100)).shape == (3, 0)


def test_dask_inputs_stay_lazy():
    da = pytest.importorskip("dask.array")
    x = _x((6, 5), seed=7)
    lab = np.array([0, 4, -100, 1, 3, -100])
    t = np.abs(_x((6, 5), seed=8))
    t /= t.sum(1, keepdims=True)
    dx = da.from_array(x, chunks=(3, 5))
    dl = da.from_array(lab, chunks=3)
    dt = da.from_array(t, chunks=(3, 5))
    # a NumPy operand is one chunk for Dask: the other one must be one chunk too
    dx1, dl1 = da.from_array(x, chunks=(6, 5)), da.from_array(lab, chunks=6)
    for fn in LOSSES:
        for kw in ({}, {"label_smoothing": 0.2}):
            for args, plain in (((dx, dl), (x, lab)), ((dx1, lab), (x, lab)), ((x, dl1), (x, lab)),
                                ((dx, dt), (x, t))):
                r = fn(*args, **kw)
                assert type(r).__module__.startswith("dask"), (fn.__name__, kw)
                np.testing.assert_allclose(r.compute(), fn(*plain, **kw), rtol=1e-15, atol=1e-300)
    # an out-of-range label inside a Dask array is refused when computed
    # (numpy labels are checked at the call: see test_bad_label_raises_before_writing_out)
    bad = da.from_array(np.array([0, 7, 1, 1, 1, 1]), chunks=3)
    with pytest.raises(ValueError):
        pyactx.cross_entropy(dx, bad).compute()


# ===========================================================================
# keyword wrappers: parameter checks
# ===========================================================================

#: the decisions (see each wrapper's docstring): the ``param_refused`` facts
#: of function_facts.py; a parameter value not listed there must be accepted
_refused = facts.param_refused


PROBES = [np.nan, 0.0, -0.0, 1e-300, -1e-300, -1.0, 2.0, np.inf, -np.inf]


def test_every_parameterised_activation_is_known():
    """Each parameterised activation has its decided parameter checks in
    tests/function_facts.py (FACTS[name]["param_refused"])."""
    missing = sorted(a.name for a in ACTS if "param_refused" not in facts.FACTS.get(a.name, {}))
    assert not missing, f"add a 'param_refused' fact to tests/function_facts.py for {missing}"


@pytest.mark.parametrize("name,base,pname", WRAPPERS, ids=[w[0] for w in WRAPPERS])
def test_parameter_checks(name, base, pname):
    fn = getattr(pyactx, name)
    raw = getattr(pyactx.ufuncs, name)
    x = np.linspace(-3, 3, 7)
    assert "Parameter check" in fn.__doc__ and "NaN" in fn.__doc__
    for v in PROBES:
        if not _refused(base, v):
            with np.errstate(all="ignore"):
                want = raw(x, v)
                for form in (v, np.float64(v), np.array(v)):
                    np.testing.assert_array_equal(fn(x, **{pname: form}), raw(x, form))
                np.testing.assert_array_equal(fn(x, v), want)
                col = np.array([v, 0.5])[:, None]
                np.testing.assert_array_equal(fn(x, col), raw(x, col))
            continue
        forms = [v, np.float64(v), np.array(v), np.longdouble(v)]
        if float(np.float32(v)) == v or v != v:                # (float32 rounds 1e-300 to 0)
            forms.append(np.float32(v))
        for form in forms:
            with pytest.raises(ValueError, match=f"{name}: {pname} must"):
                fn(x, **{pname: form})
            with pytest.raises(ValueError, match=f"{name}: {pname} must"):
                fn(x, form)                                  # positional
        # array parameters: checked elementwise (NumPy arrays and lists)
        with pytest.raises(ValueError, match=f"{name}: {pname} must.*an array containing"):
            fn(x, np.array([[0.5], [v]]))
        with pytest.raises(ValueError, match=f"{name}: {pname} must"):
            fn(x, [[0.5], [v]])
        with np.errstate(all="ignore"):
            raw(x, v)                                        # the raw ufunc: NumPy semantics
    # integer parameters are fine
    np.testing.assert_array_equal(fn(x, 2), raw(x, 2.0))


def test_parameter_checks_agree_with_torch():
    """Where PyTorch has the function, it refuses what we refuse, except the
    documented deviations: NaN (PyTorch computes on, except softshrink) and
    hardshrink lambd < 0 (PyTorch returns x unchanged)."""
    torch = _torch()
    F = torch.nn.functional
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    tfuncs = {"leaky_relu": lambda p: F.leaky_relu(x, p), "elu": lambda p: F.elu(x, p),
              "celu": lambda p: F.celu(x, p), "softplus": lambda p: F.softplus(x, p),
              "softshrink": lambda p: F.softshrink(x, p), "hardshrink": lambda p: F.hardshrink(x, p)}
    for name, tf in tfuncs.items():
        for v in PROBES:
            try:
                tf(v)
                torch_refuses = False
            except (RuntimeError, ValueError, ZeroDivisionError):
                torch_refuses = True
            ours = _refused(name, v)
            deviation = facts.torch_param_deviation(name, v)
            if deviation:
                assert ours and not torch_refuses, (name, v)
            else:
                assert ours == torch_refuses, (name, v, torch_refuses)


def test_dask_parameter_is_not_inspected():
    da = pytest.importorskip("dask.array")
    x = np.linspace(-3, 3, 6)
    p = da.from_array(np.array([0.5, -1.0, 0.5, 0.5, 0.5, 0.5]), chunks=3)
    r = pyactx.softshrink(x, lambd=p)                     # no compute to look at p
    assert type(r).__module__.startswith("dask")


def test_second_positional_argument_is_the_parameter():
    x = np.linspace(-3, 3, 7)
    np.testing.assert_array_equal(pyactx.softplus(x, 2), pyactx.softplus(x, beta=2))
    np.testing.assert_array_equal(pyactx.leaky_relu_grad(x, 0.3),
                                  pyactx.leaky_relu_grad(x, negative_slope=0.3))
    out = np.empty(7)
    assert pyactx.softplus(x, 2, out) is out
    assert pyactx.softplus(x, 2, (out,)) is out
    np.testing.assert_array_equal(out, pyactx.softplus(x, beta=2))
    for bad in (20, 2.5, "x", [1.0] * 7):
        with pytest.raises(TypeError, match=r"softplus: out must be an array.*did you mean a "
                                            r"parameter\?.*beta="):
            pyactx.softplus(x, 2, bad)
        with pytest.raises(TypeError, match="out must be an array"):
            pyactx.softplus(x, beta=2, out=bad)


# ===========================================================================
# keyword wrappers: warnings at the caller's line
# ===========================================================================

def _warn_cases():
    x = np.array([-1.0, 0.5])
    return [(pyactx.celu, x, {"alpha": np.inf}, "invalid value encountered in celu"),
            (pyactx.celu_grad, x, {"alpha": np.inf}, "invalid value encountered in celu_grad"),
            (pyactx.softplus, x, {"beta": 0.0}, "divide by zero encountered in softplus")]


@pytest.mark.parametrize("case", range(3))
def test_warnings_point_at_the_caller(case):
    fn, x, kw, msg = _warn_cases()[case]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn(x, **kw); line = inspect.currentframe().f_lineno            # noqa: E702
        fn(x, **kw, out=np.empty(2))                       # the keyword-forwarding path
        fn(x, *kw.values())                                # positional parameter
    assert len(w) == 3, [str(r.message) for r in w]
    for r in w:
        assert r.category is RuntimeWarning and str(r.message) == msg
        assert r.filename == HERE, r.filename
    assert [r.lineno for r in w] == [line, line + 1, line + 2]
    # the same message as the raw ufunc's own warning
    with warnings.catch_warnings(record=True) as w2:
        warnings.simplefilter("always")
        fn.ufunc(x, *kw.values())
    assert [str(r.message) for r in w2] == [msg]


def test_errstate_modes_are_kept():
    fn, x, kw, msg = _warn_cases()[0]
    before = np.geterr()
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match=msg):
            fn(x, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            fn(x, **kw)                                        # silent
        with pytest.raises(RuntimeWarning, match=msg):
            fn(x, **kw)                                        # a warnings filter "error"
    assert np.geterr() == before
    # 'call' (with 'warn' for another category): the user's callback sees it
    seen = []
    with np.errstate(invalid="call", divide="warn", call=lambda e, f: seen.append(e)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fn(x, **kw)
            pyactx.softplus(x, beta=0.0)
        assert np.geterr()["invalid"] == "call"
    assert seen == ["invalid value"]
    assert [(str(r.message), r.filename) for r in w] == [
        ("divide by zero encountered in softplus", HERE)]

    class Log:
        def __init__(self):
            self.lines = []

        def write(self, m):
            self.lines.append(m)

    log = Log()
    with np.errstate(invalid="log", divide="warn", call=log):
        fn(x, **kw)
    assert log.lines == [f"Warning: {msg}\n"]
    assert np.geterr() == before


def test_warnings_from_threads_point_at_the_caller():
    from concurrent.futures import ThreadPoolExecutor
    fn, x, kw, msg = _warn_cases()[0]

    def job(_):
        with np.errstate(all="raise"):
            try:
                fn(x, **kw)
            except FloatingPointError:
                pass
        return np.geterr()

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with ThreadPoolExecutor(4) as ex:
            states = list(ex.map(job, range(16)))
        fn(x, **kw)
    assert all(s == np.geterr() for s in states)
    assert [(str(r.message), r.filename) for r in w] == [(msg, HERE)]
