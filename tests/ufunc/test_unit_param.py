"""The loops' kernels at parameter 1 (spec ``unit_param``) give the bits of
the general kernel.

For a one-parameter function marked ``unit_param`` (swish, softplus), the
float32 and float64 loops take separate vector kernels when the parameter is
the scalar 1, its default (csrc/loops/elementwise.inc, range_2_1): they skip
the exact product p x that the general kernel forms.  A parameter given as an
array of ones goes through the general kernel, so comparing the two calls bit
for bit checks that the fast path changes nothing -- on every instruction-set
path, over the whole range (both tails, the hard lanes the scalar kernel
recomputes, the root of the derivative, signed zeros, subnormals, +-inf, NaN),
with floating-point errors raised.
"""
from __future__ import annotations

import numpy as np
import pytest

import pyactx
from pyactx import _spec

pytestmark = pytest.mark.usefixtures("each_dispatch")

UNIT = [a.name for a in _spec.ACTIVATION_TABLE if a.unit_param]
OUTPUTS = [n for name in UNIT for n in (name, name + "_grad")]
UINT = {np.float16: np.uint16, np.float32: np.uint32, np.float64: np.uint64}


def test_the_spec_marks_functions():
    # swish (beta = 1 is silu) and softplus: the registry drives the tests
    assert {"swish", "softplus"} <= set(UNIT)
    for a in _spec.ACTIVATION_TABLE:
        if a.unit_param:
            assert len(a.params) == 1 and a.params[0].default == 1.0


def _inputs(dt):
    rng = np.random.default_rng(20261205)
    fi = np.finfo(dt)
    sign = rng.choice([-1.0, 1.0], 40_000)
    parts = [
        rng.normal(0, 3, 60_000),
        rng.normal(0, 40, 40_000),
        rng.uniform(-800, 800, 40_000),                  # both tails, the hard lanes
        sign * np.exp(rng.uniform(-110, 110, 40_000)),   # every magnitude
        -1.2784645427610738 + np.linspace(-1e-3, 1e-3, 4001),   # silu''s root
        [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -85.0, -85.5, -104.0, -700.0,
         -707.5, -708.0, 2.0**40, -(2.0**40), 2.0**41, -(2.0**41)],
    ]
    with np.errstate(over="ignore", under="ignore"):
        x = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts]).astype(dt)
    tiny = np.array([fi.max, -fi.max, fi.tiny, -fi.tiny, fi.smallest_subnormal,
                     -fi.smallest_subnormal], dtype=dt)
    return np.concatenate([x, tiny])


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", OUTPUTS)
def test_scalar_one_gives_the_general_kernels_bits(name, dt):
    f = getattr(pyactx.ufuncs, name)
    x = _inputs(dt)
    with np.errstate(all="raise"):
        fast = f(x, dt(1.0))                   # the parameter a scalar 1
        general = f(x, np.ones_like(x))        # an array: the general kernel
    u = UINT[dt]
    bad = np.flatnonzero(fast.view(u) != general.view(u))
    assert bad.size == 0, (name, dt, x[bad[:5]], fast[bad[:5]], general[bad[:5]])


@pytest.mark.parametrize("name", OUTPUTS)
def test_other_scalar_parameters_take_the_general_kernel(name):
    # a scalar parameter other than 1 (and the keyword default) stays exact:
    # the same bits as the same value given as an array
    f = getattr(pyactx.ufuncs, name)
    x = _inputs(np.float32)
    for beta in (np.float32(2.5), np.float32(0.999999940), np.float32(1.00000012)):
        with np.errstate(all="raise"):
            a = f(x, beta)
            b = f(x, np.full_like(x, beta))
        np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))
    wrapped = getattr(pyactx, name)
    np.testing.assert_array_equal(wrapped(x).view(np.uint32),
                                  f(x, np.ones_like(x)).view(np.uint32))
