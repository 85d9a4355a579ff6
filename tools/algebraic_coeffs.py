"""Coefficients of the vector kernels in csrc/include/pyactx/kernels/tanh.inc (tanhshrink)
(reproducible; needs only mpmath; uses the Remez exchange of tools/vmath_coeffs.py).

    python tools/algebraic_coeffs.py            # every table
    python tools/algebraic_coeffs.py survey     # error against degree

  tanhshrink  (x - tanh x) / x^3 = P(z), z = x^2 in [0, TS_C^2], relative
              weight; P of degree 12 (double) / 6 (float), s0 (~1/3) carried as
              head + tail (its rounding alone would be a 2^-53.4 offset).  Used for
              |x| < TS_C, where x - tanh x cancels (|x| >= TS_C subtracts a
              double-length tanh instead).
"""
import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vmath_coeffs import emit, hexlit, log2err, remez, rnd  # noqa: E402

mp.mp.prec = 120
TS_C = mp.mpf("0.625")
DEGREES = {"double": 12, "float": 6}
TYPES = (("double", 53), ("float", 24))


def tanhshrink_g(z):
    if z < mp.mpf(2) ** -40:
        return mp.mpf(1) / 3 - 2 * z / 15 + 17 * z * z / 315
    with mp.workprec(400):
        x = mp.sqrt(z)
        v = (x - mp.tanh(x)) / (x * z)
    return +v


def tanhshrink_fit(deg):
    basis = [(lambda z, j=j: z ** j) for j in range(deg + 1)]
    return remez(tanhshrink_g, basis, lambda z: 1 / tanhshrink_g(z), 0, TS_C ** 2)


def rounded_err(c, bits, n=3000):
    """max relative error of the fit with coefficients rounded to `bits`
    (exact evaluation)."""
    cr = [rnd(v, bits) for v in c]
    cr[0] = rnd(c[0], bits) + rnd(c[0] - rnd(c[0], bits), bits)   # head + tail
    e = 0
    for i in range(n + 1):
        z = TS_C ** 2 * i / n
        g = tanhshrink_g(z)
        p = sum(cj * z ** j for j, cj in enumerate(cr))
        e = max(e, abs(p / g - 1))
    return e


def main(args):
    if args and args[0] == "survey":
        for deg in range(3, 14):
            c, e = tanhshrink_fit(deg)
            print(deg, log2err(e))
        return
    for tname, bits in TYPES:
        c, e = tanhshrink_fit(DEGREES[tname])
        print(f"tanhshrink, {tname}: |x| < {mp.nstr(TS_C, 6)}; "
              f"rounded coefficients: 2^{log2err(rounded_err(c, bits))}")
        emit("s", c, bits, e)
        print(f"    const T s0l = C({hexlit(c[0] - rnd(c[0], bits), bits)});  /* tail of s0 */")


if __name__ == "__main__":
    main(sys.argv[1:])
