"""pyactx ufuncs behave as NumPy ufuncs do (np.exp is the yardstick):
broadcasting, strides, 0-d, empty, out=, where=, dtype=, casting=, type
promotion and refusal of unsupported types.  Parametrised over the registry."""
import numpy as np
import pytest

import pyactx
from pyactx import _spec

ACTS = _spec.ACTIVATION_TABLE
UNARY_UFUNCS = [getattr(pyactx.ufuncs, n) for a in ACTS if not a.params
                for n in (a.name, a.name + "_grad")]
PARAM_UFUNCS = [(getattr(pyactx.ufuncs, n), a.params[0].default) for a in ACTS if a.params
                for n in (a.name, a.name + "_grad")]
BINARY_UFUNCS = [getattr(pyactx.ufuncs, b.name) for b in _spec.BINARY_TABLE]
FLOATS = [np.float16, np.float32, np.float64, np.longdouble]


def _inputs(dtype, n=37):
    # inside logit's domain for every function
    return np.linspace(0.01, 0.99, n).astype(dtype)


def _call(uf, x, *extra, **kw):
    return uf(x, *extra, **kw)


ALL_1D = ([(uf, ()) for uf in UNARY_UFUNCS] + [(uf, (p,)) for uf, p in PARAM_UFUNCS]
          + [(uf, (0.7,)) for uf in BINARY_UFUNCS])


def _id(case):
    return case[0].__name__


@pytest.mark.parametrize("case", ALL_1D, ids=_id)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_dtype_preserved_and_strides(case, dtype):
    uf, extra = case
    x = _inputs(dtype)
    y = uf(x, *extra)
    assert y.dtype == dtype and y.shape == x.shape
    # non-contiguous and negative strides give the same values
    big = np.repeat(x, 3)[::3]
    np.testing.assert_array_equal(uf(big, *extra), y)
    np.testing.assert_array_equal(uf(x[::-1], *extra), y[::-1])
    # 2-D with a transposed layout
    x2 = np.stack([x, x[::-1]]).T
    np.testing.assert_array_equal(uf(x2, *extra)[:, 0], y)


@pytest.mark.parametrize("case", ALL_1D, ids=_id)
def test_zero_d_empty_and_scalars(case):
    uf, extra = case
    r = uf(np.float64(0.25), *extra)
    assert isinstance(r, np.float64)
    r = uf(0.25, *extra)
    assert isinstance(r, np.float64)
    assert uf(np.float32(0.25), *extra).dtype == np.float32
    e = uf(np.empty((0, 3)), *extra)
    assert e.shape == (0, 3) and e.dtype == np.float64


@pytest.mark.parametrize("case", ALL_1D, ids=_id)
def test_out_where_inplace(case):
    uf, extra = case
    x = _inputs(np.float64)
    ref = uf(x, *extra)
    out = np.full_like(x, -7.0)
    r = uf(x, *extra, out=out)
    assert r is out
    np.testing.assert_array_equal(out, ref)
    out = np.full_like(x, -7.0)
    mask = np.arange(x.size) % 2 == 0
    uf(x, *extra, out=out, where=mask)
    np.testing.assert_array_equal(out[mask], ref[mask])
    assert np.all(out[~mask] == -7.0)
    xc = x.copy()
    uf(xc, *extra, out=xc)
    np.testing.assert_array_equal(xc, ref)


@pytest.mark.parametrize("case", ALL_1D, ids=_id)
def test_dtype_and_casting_keywords(case):
    uf, extra = case
    x = _inputs(np.float64)
    r32 = uf(x, *extra, dtype=np.float32)
    assert r32.dtype == np.float32
    np.testing.assert_array_equal(r32, uf(x.astype(np.float32), *extra))
    with pytest.raises(TypeError):          # float -> int output is not same_kind
        uf(x, *extra, out=np.empty(x.shape, dtype=np.int64))
    out16 = np.empty(x.shape, dtype=np.float16)
    with pytest.raises(TypeError):
        uf(x, *extra, out=out16, casting="safe")
    uf(x, *extra, out=out16, casting="same_kind")


@pytest.mark.parametrize("case", ALL_1D, ids=_id)
def test_integer_and_bool_promotion_follows_numpy(case):
    # yardsticks with the same loop set (e, f, d, g): np.exp for one input,
    # np.arctan2 for two (a Python float parameter is a "weak" scalar, NEP 50)
    uf, extra = case
    ref = np.exp if not extra else np.arctan2
    for dt in (np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64):
        x = np.array([0, 1], dtype=dt)
        with np.errstate(all="ignore"):
            got = uf(x, *extra)
            want = ref(x, *extra)
        assert got.dtype == want.dtype, (dt, got.dtype, want.dtype)


@pytest.mark.parametrize("case", ALL_1D, ids=_id)
def test_unsupported_types_raise_typeerror(case):
    uf, extra = case
    for bad in (np.array([1 + 2j]), np.array([0.5], dtype=object), np.array(["a"]),
                np.array(["2020-01-01"], dtype="datetime64[D]")):
        with pytest.raises(TypeError):
            uf(bad, *extra)


@pytest.mark.parametrize("uf,p", PARAM_UFUNCS, ids=lambda c: getattr(c, "__name__", ""))
def test_parameter_broadcasts(uf, p):
    x = np.linspace(-3, 3, 7)
    ps = np.array([[p], [p * 0.5 + 0.25]])
    r = uf(x, ps)
    assert r.shape == (2, 7)
    np.testing.assert_array_equal(r[0], uf(x, p))
    np.testing.assert_array_equal(r[1], uf(x, p * 0.5 + 0.25))
    # keyword wrapper passes out/where/dtype/casting through
    name = uf.__name__
    w = getattr(pyactx, name)
    out = np.zeros(7)
    assert w(x, out=out) is out
    np.testing.assert_array_equal(out, uf(x, p))
    assert w(x, dtype=np.float32).dtype == np.float32
    out = np.full(7, 5.0)
    w(x, out=out, where=x > 0)
    np.testing.assert_array_equal(out[x <= 0], 5.0)


def test_gate_grads_return_pairs():
    a = np.linspace(-3, 3, 9)
    b = np.linspace(2, -2, 9)
    for g in ("glu", "swiglu", "geglu"):
        da, db = getattr(pyactx, g + "_grad")(a, b)
        assert da.shape == db.shape == (9,)
        h = 1e-6
        f = getattr(pyactx, g)
        np.testing.assert_allclose(da, (f(a + h, b) - f(a - h, b)) / (2 * h), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(db, (f(a, b + h) - f(a, b - h)) / (2 * h), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_grad_matches_central_difference(act):
    """Cheap consistency check of every derivative (the accuracy tests check
    each against mpmath); kinks are avoided."""
    info = pyactx.ACTIVATIONS[act.name]
    if act.name == "logit":
        x = np.linspace(0.05, 0.95, 37)
    else:
        x = np.linspace(-5.3, 5.3, 41) + 0.0123
    h = 1e-6
    fd = (info.forward(x + h) - info.forward(x - h)) / (2 * h)
    np.testing.assert_allclose(info.grad(x), fd, rtol=1e-5, atol=1e-8)
