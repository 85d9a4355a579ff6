"""ULP-error helpers and loaders for the elementwise reference data.

The data (``tests/data/ref_<format>.npz``, written by
``tools/generate_reference.py``; see ``tests/data/README.md``) store each exact
value ``E`` as

* ``hi``: ``E`` rounded to nearest in the *storage* format -- float64 for the
  float32 and float64 sets, the x86 80-bit long double (as a decimal string)
  for the long double set -- with IEEE overflow to +-inf;
* ``lo``: ``(E - hi) / ulp(hi)`` in units of the ULP of ``hi``'s binade in the
  storage format (for ``hi = +-inf``: measured from the "virtual" value
  ``+-2^(emax+1)`` in units of the top binade's ULP).  Absent for the float32
  set, where ``hi`` alone resolves a float32 ULP to 2^-29.

``ulp_error(c, hi, lo, dtype)`` returns ``(c - E) / ulp_dtype(E)``, where
``ulp_dtype(E)`` is the ULP of the binade of ``E`` in ``dtype`` (the subnormal
ULP for subnormal and zero ``E``; the top binade's ULP beyond the largest
finite value).  A computed +-inf counts as the virtual ``+-2^(emax+1)``,
except that it is exact (error 0) where ``E`` itself rounds to that infinity.
"""

from __future__ import annotations

import json
import os
import warnings
from functools import lru_cache

import numpy as np

import pyactx

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

#: (precision incl. hidden bit, emin, emax)
FORMAT = {
    np.dtype(np.float16): (11, -14, 15),
    np.dtype(np.float32): (24, -126, 127),
    np.dtype(np.float64): (53, -1022, 1023),
    np.dtype(np.longdouble): (64, -16382, 16383),
}

FLAG_INVALID, FLAG_DIVIDE, FLAG_OVERFLOW, FLAG_EITHER = 1, 2, 4, 8

#: the build has long double loops (not one made with PYACTX_NO_LONG_DOUBLE=1)
HAVE_LONGDOUBLE_LOOPS = "g->g" in pyactx.ufuncs.sigmoid.types
#: long double cases can run: the loops exist and long double is the x87
#: format of the reference data
LONGDOUBLE_IS_X87 = (np.finfo(np.longdouble).nmant == 63
                     and np.finfo(np.longdouble).maxexp == 16384 and HAVE_LONGDOUBLE_LOOPS)


@lru_cache(maxsize=None)
def load(fmt):
    """The reference set of ``fmt`` as a dict (longdouble strings parsed)."""
    path = os.path.join(DATA, f"ref_{fmt}.npz")
    with np.load(path) as z:
        d = {k: z[k] for k in z.files}
    if fmt == "longdouble":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # strtold ERANGE near the limits
            for k, v in list(d.items()):
                if v.dtype.kind == "U" and k != "_meta":
                    d[k] = np.array([np.longdouble(s) for s in v], dtype=np.longdouble)
    d["_meta"] = json.loads(str(d["_meta"]))
    return d


def _storage(dtype):
    return np.dtype(np.longdouble) if dtype == np.longdouble else np.dtype(np.float64)


def ulp_exponent(v, dtype):
    """log2 of the ULP of the binade of the finite values ``v`` in ``dtype``
    (subnormal ULP for subnormals and 0; the top binade's for larger values)."""
    p, emin, emax = FORMAT[np.dtype(dtype)]
    v = np.asarray(v)
    with np.errstate(all="ignore"):
        _, e = np.frexp(np.where(np.isfinite(v), v, 0))
    e = e.astype(np.int64) - 1
    e = np.where(v == 0, emin, e)
    return np.clip(e, emin, emax) - p + 1


def ulp_error(c, hi, lo, dtype):
    """Signed error of the computed ``c`` in ULPs of ``dtype`` (see module doc).

    NaN handling: 0 where both the reference and ``c`` are NaN, inf where
    exactly one of them is.
    """
    dtype = np.dtype(dtype)
    st = _storage(dtype)
    W = st.type
    p, emin, emax = FORMAT[dtype]
    ps, emins, emaxs = FORMAT[st]
    c = np.asarray(c).astype(W)
    hi = np.asarray(hi).astype(W)
    lo = np.zeros(hi.shape, W) if lo is None else np.asarray(lo).astype(W)

    with np.errstate(all="ignore"):
        hinf = np.isinf(hi)
        # exponent of the storage ULP of hi (the unit of lo)
        k_hi = np.where(hinf, emaxs - ps + 1, ulp_exponent(hi, st))
        # floor(log2|E|): from hi, one less when hi is a power of two and E < |hi|
        m, e = np.frexp(np.where(np.isfinite(hi), hi, 1))
        eE = e.astype(np.int64) - 1
        pow2_below = (np.abs(m) == 0.5) & (np.sign(lo) * np.sign(hi) < 0)
        eE = np.where(pow2_below, eE - 1, eE)
        eE = np.where(hi == 0, emin, eE)
        eE = np.where(hinf, emax + 1, eE)
        k = np.clip(eE, emin, emax) - p + 1                 # ULP exponent of E in dtype
        k_top = emax - p + 1

        # E / 2^k as hi' + lo' (hi = +-inf stands for the virtual +-2^(emaxs+1))
        hv = np.where(hinf, np.sign(hi) * np.ldexp(W(1), (emaxs + 1 - k).astype(np.int64)),
                      np.ldexp(np.where(hinf, 0, hi), -k))
        lv = np.ldexp(lo, (k_hi - k).astype(np.int64))

        # does E round to +-inf in dtype?  |E| / 2^k_top >= 2^p - 1/2
        big = eE >= emax
        top = np.ldexp(W(1), p) - W(1)                      # largest significand 2^p - 1
        overflows = big & (k == k_top) & (((np.abs(hv) - top) + np.sign(hv) * lv) >= W(0.5))

        cinf = np.isinf(c)
        cv = np.where(cinf, np.sign(c) * np.ldexp(W(1), (emax + 1 - k).astype(np.int64)),
                      np.ldexp(np.where(cinf, 0, c), -k))
        err = (cv - hv) - lv
        exact_inf = cinf & overflows & (np.sign(c) == np.sign(hv))
        err = np.where(exact_inf, 0, err)

        cn, rn = np.isnan(c), np.isnan(hi)
        err = np.where(cn & rn, 0, err)
        err = np.where(cn ^ rn, np.inf, err)
        err = np.where(np.isnan(err), np.inf, err)
    return err.astype(np.float64)


def f16_ordinal(bits):
    """Map float16 bit patterns to integers monotone in the value (+0 and -0 -> 0,
    +-inf -> +-(max + 1 ULP))."""
    b = np.asarray(bits).astype(np.int32)
    mag = b & 0x7FFF
    return np.where(b & 0x8000, -mag, mag)


def f16_is_nan(bits):
    b = np.asarray(bits).astype(np.int32)
    return ((b & 0x7C00) == 0x7C00) & ((b & 0x03FF) != 0)
