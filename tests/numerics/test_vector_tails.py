"""Dense grids over the subnormal tails that the gelu family's vector kernels
compute themselves (no hard lanes: the last 2^n scale applied last, so a
subnormal result rounds once; see kernels/gelu.inc).

The mpmath reference data holds only 6-39 points per function in these
ranges, so here each float32 / float64 result on 10^5 points per range is
compared with the long-double kernel, which test_accuracy checks against
mpmath (within a few ULP of a 64-bit significand: 2^-11 of a float64 ULP
and less).  A tail rounded twice (e times x, each at the subnormal spacing)
costs up to ~|x| ~ 10-38 ULP, far past the bar; the sign of every zero must
be the exact value's.  Runs on every instruction-set path."""
import numpy as np
import pytest

import _ulp as U
import pyactx

pytestmark = [pytest.mark.usefixtures("each_dispatch"),
              pytest.mark.skipif(not U.LONGDOUBLE_IS_X87,
                                 reason="needs the x87 long-double kernel as the reference")]

#: (function, dtype, range): the negative tail where results turn subnormal
#: and then round to -0, past each kernel's clamp; the positive side where
#: e^(-x^2/2) (or e^-2u) is masked to 0
TAILS = [(f, "float32", r) for f in ("gelu", "gelu_grad") for r in ((-16.0, -11.0), (6.0, 16.0))]
TAILS += [(f, "float64", r) for f in ("gelu", "gelu_grad") for r in ((-40.0, -35.0), (9.0, 40.0))]
TAILS += [(f, "float32", r) for f in ("gelu_tanh", "gelu_tanh_grad") for r in ((-11.5, -8.0), (8.0, 12.0))]
TAILS += [(f, "float64", r) for f in ("gelu_tanh", "gelu_tanh_grad") for r in ((-23.0, -16.0), (16.0, 23.0))]


@pytest.mark.parametrize("name,dtype,rng", TAILS, ids=[f"{n}-{d}-{r[0]:g}..{r[1]:g}" for n, d, r in TAILS])
def test_tail_against_the_long_double_kernel(name, dtype, rng):
    f = getattr(pyactx, name)
    x = np.linspace(rng[0], rng[1], 100_001).astype(dtype)
    with np.errstate(all="raise"):
        y = f(x)
    ref = f(x.astype(np.longdouble))
    hi = ref.astype(np.float64)
    lo = (ref - hi.astype(np.longdouble)).astype(np.float64)
    err = np.abs(U.ulp_error(y, hi, lo, dtype))
    worst = int(np.argmax(err))
    assert err[worst] <= 2.0, f"{name} {dtype}: {err[worst]:.2f} ULP at x = {x[worst]!r}"
    assert np.array_equal(np.signbit(y), np.signbit(ref.astype(dtype))), "sign of a zero"
