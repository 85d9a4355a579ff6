"""Coefficients of the vector kernels in csrc/include/pyactx/kernels/tanh.inc (tanhshrink
and its derivative; reproducible; needs only mpmath; uses the Remez exchange of
tools/vmath_coeffs.py).

    python tools/algebraic_coeffs.py            # every table
    python tools/algebraic_coeffs.py survey     # error against degree

  tanhshrink  (x - tanh x) / x^3 = P(z), z = x^2 in [0, TS_C^2], relative
              weight; P of degree 12 (double) / 6 (float), s0 (~1/3) carried as
              head + tail (its rounding alone would be a 2^-53.4 offset).  Used for
              |x| < TS_C, where x - tanh x cancels (|x| >= TS_C subtracts a
              double-length tanh instead).
  tanhsq      (tanh^2 x / z - 1) / z = R(z), z = x^2 in [0, TSQ_C^2], weighted
              by 1/|R| (R's relative error enters tanh^2 x = z (1 + z R) at most
              |z R| / (1 + z R) < 0.58 times); R of degree 15 (double) / 7
              (float).  tanhshrink'(x) = tanh^2 x for |x| < TSQ_C (above it,
              1 - sech^2 x).
"""
import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vmath_coeffs import emit, hexlit, log2err, remez, rnd  # noqa: E402

mp.mp.prec = 120
TS_C = mp.mpf("0.625")
DEGREES = {"double": 12, "float": 6}
TSQ_C = mp.mpf("0.9")
TSQ_DEGREES = {"double": 15, "float": 7}
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


def tanhsq_r(z):
    if z < mp.mpf(2) ** -40:
        return -mp.mpf(2) / 3 + 17 * z / 45
    with mp.workprec(400):
        x = mp.sqrt(z)
        v = (mp.tanh(x) ** 2 / z - 1) / z
    return +v


def tanhsq_fit(deg, bits=None):
    """R's minimax fit of degree deg; with `bits`, rounded to that precision
    one coefficient at a time from r0 up, each remaining one refitted to the
    error of y = z (1 + z R) (weight z / (1 + z R)) after the roundings so
    far: r0 = -2/3 alone rounds to 2^-26 relative, which the plain fit leaves
    as ~0.6 u of tanh^2 at z = TSQ_C^2."""
    basis = [(lambda z, j=j: z ** j) for j in range(deg + 1)]
    c, e = remez(tanhsq_r, basis, lambda z: 1 / abs(tanhsq_r(z)), 0, TSQ_C ** 2)
    if bits is None:
        return c, e
    fixed = []
    for k in range(deg + 1):
        fixed.append(rnd(c[k], bits))
        if k == deg:
            break
        basis = [(lambda z, j=j: z ** j) for j in range(k + 1, deg + 1)]

        def rest(z, f=tuple(fixed)):
            return tanhsq_r(z) - sum(cj * z ** j for j, cj in enumerate(f))

        def weight(z):
            return z / (1 + z * tanhsq_r(z))
        ck, e = remez(rest, basis, weight, 0, TSQ_C ** 2)
        c = fixed + list(ck)
    return fixed, e


def tanhsq_rounded_err(c, bits, n=3000):
    """max relative error of z (1 + z R) with R's coefficients rounded to
    `bits` (exact evaluation)."""
    cr = [rnd(v, bits) for v in c]
    e = 0
    for i in range(1, n + 1):
        z = TSQ_C ** 2 * i / n
        r = tanhsq_r(z)
        p = sum(cj * z ** j for j, cj in enumerate(cr))
        e = max(e, abs(z * (p - r) / (1 + z * r)))
    return e


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
            print("tanhshrink", deg, log2err(e))
        for deg in range(4, 17):
            c, e = tanhsq_fit(deg)
            print("tanhsq", deg, log2err(e))
        return
    for tname, bits in TYPES:
        c, e = tanhshrink_fit(DEGREES[tname])
        print(f"tanhshrink, {tname}: |x| < {mp.nstr(TS_C, 6)}; "
              f"rounded coefficients: 2^{log2err(rounded_err(c, bits))}")
        emit("s", c, bits, e)
        print(f"    const T s0l = C({hexlit(c[0] - rnd(c[0], bits), bits)});  /* tail of s0 */")
    for tname, bits in TYPES:
        c, e = tanhsq_fit(TSQ_DEGREES[tname], bits)
        print(f"tanh^2, {tname}: |x| < {mp.nstr(TSQ_C, 6)}; coefficients rounded "
              f"one at a time and the rest refitted")
        print(f"    /* relative error of z (1 + z R) with these coefficients: "
              f"2^{log2err(tanhsq_rounded_err(c, bits))} */")
        for j, cj in enumerate(c):
            print(f"    const T r{j} = C({hexlit(cj, bits)});")


if __name__ == "__main__":
    main(sys.argv[1:])
