"""Interleaved loops change no bit.

The contiguous elementwise loops take 1, 2 or 4 consecutive elements an
iteration as the spec's ``interleave`` / ``interleave_grad`` say
(csrc/loops/elementwise.inc, PYACTX_ILV_EACH): the elements of a group are
loaded, then computed, then stored, and the few left at the end of a range
go one at a time.  Each element must still get exactly the bits the kernel
gives it alone.  So every output of every function and derivative with an
interleaved loop is compared, on every instruction-set path, with the same
function called on each element as an array of one (which never enters a
group), over arrays whose lengths and start offsets cross the group and
vector boundaries, with the hard lanes, tails and special values in them.
"""
from __future__ import annotations

import numpy as np
import pytest

import pyactx
from pyactx import _spec

pytestmark = pytest.mark.usefixtures("each_dispatch")

UINT = {np.float32: np.uint32, np.float64: np.uint64}
LETTER = {np.float32: "f", np.float64: "d"}


def _interleaved():
    """(output name, dtype) of every loop the spec interleaves somewhere."""
    cases = []
    for entry in _spec.ACTIVATION_TABLE + _spec.BINARY_TABLE:
        for name, flags in ((entry.name, entry.interleave),
                            (entry.name + "_grad", entry.interleave_grad)):
            for e in flags.split():
                dt = {"f": np.float32, "d": np.float64}[e[0]]
                cases.append((name, dt))
    return cases


CASES = _interleaved()


def test_the_spec_interleaves_loops():
    # the measured choice (tools/interleave_survey.py) names loops of both
    # dtypes, and the parser rejects what the loops cannot take
    assert {dt for _, dt in CASES} == {np.float32, np.float64}
    with pytest.raises(ValueError):
        _spec.Binary(name="x", title="", inputs=("a", "b"), formula="", latex="",
                     grad_formula="", grad_latex="", kind="pair", family="gates",
                     interleave="f3")


def _inputs(dt, n, rng):
    x = rng.normal(0, 3, n)
    pick = rng.random(n)
    x[pick < 0.15] = rng.uniform(-800, 800, int(np.sum(pick < 0.15)))
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, -1.2784645427610738, -0.7518, 1e-300,
               -1e-300, 3.0, -3.0, 6.0, 0.5, 1.0]
    x[rng.integers(0, n, 40)] = rng.choice(special, 40)
    with np.errstate(over="ignore", under="ignore"):
        return x.astype(dt)


def second_operands(obj, f, dt, n, rng):
    """What a function's second input takes in these tests (also
    test_short_calls.py): None for one input; for a parameter the scalar 1
    (its fast path), 0.7 and an array; else two arrays of operands."""
    if f.nin == 1:
        return [None]
    if obj is not f:
        return [dt(1.0), dt(0.7), rng.uniform(0.1, 3.0, n).astype(dt)]
    return [_inputs(dt, n, rng), rng.random(n).astype(dt)]


@pytest.mark.parametrize("name,dt", CASES, ids=[f"{n}-{np.dtype(d).name}" for n, d in CASES])
def test_each_element_gets_its_own_bits(name, dt):
    obj = getattr(pyactx, name)
    f = getattr(obj, "ufunc", obj)
    rng = np.random.default_rng(20261207)
    n = 333
    x = _inputs(dt, n, rng)
    if name.startswith("logit"):
        x = rng.uniform(-0.1, 1.1, n).astype(dt)
    seconds = second_operands(obj, f, dt, n, rng)
    u = UINT[dt]
    for p in seconds:
        with np.errstate(all="ignore"):
            whole = f(x) if p is None else f(x, p)
            whole = whole if isinstance(whole, tuple) else (whole,)
            for start, length in ((0, n), (1, 300), (3, 97), (5, 64), (7, 33), (0, 31)):
                sl = slice(start, start + length)
                part = f(x[sl]) if p is None else f(x[sl], p if np.ndim(p) == 0 else p[sl])
                part = part if isinstance(part, tuple) else (part,)
                for w, q in zip(whole, part):
                    np.testing.assert_array_equal(q.view(u), w[sl].view(u), err_msg=name)
            for k in range(n):
                one = f(x[k:k + 1]) if p is None else f(x[k:k + 1],
                                                        p if np.ndim(p) == 0 else p[k:k + 1])
                one = one if isinstance(one, tuple) else (one,)
                for w, o in zip(whole, one):
                    assert o.view(u)[0] == w.view(u)[k], (name, k, x[k])
