"""A NaN input gives the same NaN out whatever the path: every instruction
set, contiguous or strided, one element or a vectorised block.  The result
is the input NaN, quieted, with its payload; its sign is the input's, except
where the definition takes it away (log_sigmoid_grad = sigmoid(-x) negates
it, logit_grad's 1/(x(1-x)) clears it).  Two-input functions are covered by
the NaN-payload tests of the ufunc machinery."""
import numpy as np
import pytest

import pyactx
from pyactx import ufuncs as U

UNARY = sorted(n for n in dir(U) if isinstance(getattr(U, n), np.ufunc)
               and getattr(U, n).signature is None and getattr(U, n).nin == 1)
#: functions whose definition changes a NaN's sign: sigmoid(-x) negates it,
#: 1/(x(1-x)) clears it.  Every other function returns x's NaN, quieted.
SIGN_RULE = {"log_sigmoid_grad": "negated", "logit_grad": "cleared"}
BITS = {np.float16: (np.uint16, 9), np.float32: (np.uint32, 22), np.float64: (np.uint64, 51)}


def nans(dt):
    it, qbit = BITS[dt]
    nbits = np.dtype(dt).itemsize * 8
    expo = ((1 << (nbits - 1)) - 1) & ~((1 << (qbit + 1)) - 1)    # all-ones exponent
    payloads = [1 << qbit, (1 << qbit) | 0x2A, (1 << qbit) | 1]
    out = [expo | p for p in payloads] + [(1 << (nbits - 1)) | expo | p for p in payloads]
    return np.array(out, dtype=it).view(dt)


@pytest.mark.parametrize("dt", list(BITS), ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", UNARY)
def test_nan_in_same_nan_out_on_every_path(name, dt):
    it, qbit = BITS[dt]
    f = getattr(U, name)
    x = nans(dt)
    sign = np.array(1 << (np.dtype(dt).itemsize * 8 - 1), dtype=it)
    before = pyactx.get_dispatch()
    try:
        pyactx.set_dispatch("baseline")
        want = np.array([f(x[i:i + 1]).view(it)[0] for i in range(len(x))], dtype=it)
        rule = SIGN_RULE.get(name, "kept")
        expect = {"kept": x.view(it), "negated": x.view(it) ^ sign,
                  "cleared": x.view(it) & ~sign}[rule]
        assert np.array_equal(want, expect), (rule, [hex(v) for v in want])
        for isa in pyactx.available_dispatch():
            pyactx.set_dispatch(isa)
            for n in (1, 7, 300):
                got = f(np.resize(x, n)).view(it)
                assert np.array_equal(got, np.resize(want, n)), (isa, n, [hex(v) for v in got[:6]])
                strided = np.resize(x, 2 * n)[::2]
                assert np.array_equal(f(strided).view(it), np.resize(want, 2 * n)[::2]), (isa, n)
    finally:
        pyactx.set_dispatch(before)
