"""Short and misaligned calls: every element by the vector code, nothing
written outside ``out``.

The contiguous loops (csrc/loops/elementwise.inc, span_*) run whole vectors
in place and the last ``n % 16`` float32 (``n % 8`` float64) elements as a
second pass over a buffer of one vector, padded with copies of the last
element; the part before x's first 64-byte boundary is such a span of its
own.  So for every elementwise function and derivative, on every
instruction-set path, at every length up to a few vectors and several start
offsets: each element gets the bits it gets inside a long array, the output
elements just before and after the view keep their bit pattern, and no
floating-point flag is raised that the long array does not raise.
"""
from __future__ import annotations

import numpy as np
import pytest

import pyactx
from pyactx import _spec
from test_interleave import _inputs, second_operands

pytestmark = pytest.mark.usefixtures("each_dispatch")

UINT = {np.float32: np.uint32, np.float64: np.uint64}
GUARD = {np.float32: np.uint32(0x7FC0BEEF), np.float64: np.uint64(0x7FF8DEADBEEFCAFE)}
LENGTHS = list(range(0, 41)) + [47, 48, 49, 63, 64, 65, 79, 80, 81]
OFFSETS = (0, 1, 3, 4, 7)


def _names():
    names = []
    for entry in _spec.ACTIVATION_TABLE + _spec.BINARY_TABLE:
        names += [entry.name, entry.name + "_grad"]
    return names


def _call(f, x, p, sl, out=None):
    args = (x[sl],) if p is None else (x[sl], p if np.ndim(p) == 0 else p[sl])
    return f(*args, out=out) if out is not None else f(*args)


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", _names())
def test_short_calls_get_the_long_arrays_bits(name, dt):
    obj = getattr(pyactx, name)
    f = getattr(obj, "ufunc", obj)
    rng = np.random.default_rng(20261207)
    n = max(LENGTHS) + max(OFFSETS)
    x = rng.uniform(-0.1, 1.1, n).astype(dt) if name.startswith("logit") else _inputs(dt, n, rng)
    seconds = second_operands(obj, f, dt, n, rng)
    u = UINT[dt]
    for p in seconds:
        with np.errstate(all="ignore"):
            whole = _call(f, x, p, slice(0, n))
        whole = whole if isinstance(whole, tuple) else (whole,)
        for start in OFFSETS:
            for length in LENGTHS:
                if start + length > n:
                    continue
                sl = slice(start, start + length)
                # the outputs at the same offset in buffers one vector longer
                # on each side, filled with a NaN payload
                bufs = [np.full(length + 32 + start, GUARD[dt], dtype=u) for _ in whole]
                outs = tuple(b[16 + start:16 + start + length].view(dt) for b in bufs)
                with np.errstate(all="ignore"):
                    _call(f, x, p, sl, out=outs if len(outs) > 1 else outs[0])
                for w, o, b in zip(whole, outs, bufs):
                    np.testing.assert_array_equal(o.view(u), w[sl].view(u),
                                                  err_msg=f"{name} {start} {length}")
                    assert (b[:16 + start] == GUARD[dt]).all(), (name, start, length)
                    assert (b[16 + start + length:] == GUARD[dt]).all(), (name, start, length)


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
def test_the_padding_raises_no_flag_of_its_own(dt):
    # the padded lanes repeat the last element: a short call whose elements
    # raise nothing raises nothing, at every length and offset
    x = np.linspace(-3, 3, 90).astype(dt)
    for name in ("sigmoid", "gelu", "silu_grad", "logit", "softplus", "elu_grad"):
        f = getattr(pyactx, name)
        xs = (x + 3.5) / 7 if name == "logit" else x
        with np.errstate(all="raise"):
            for start in OFFSETS:
                for length in LENGTHS:
                    if start + length <= xs.size:
                        f(xs[start:start + length])
