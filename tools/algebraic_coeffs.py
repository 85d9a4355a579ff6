"""Coefficients of the vector kernels in csrc/include/pyactx/kernels/tanh.inc (tanhshrink
and its derivative) and sigmoid.inc (logit, and float32 log1p on [0, 1]); reproducible;
needs only mpmath; uses the Remez exchange of tools/vmath_coeffs.py.

    python tools/algebraic_coeffs.py            # every table
    python tools/algebraic_coeffs.py survey     # error against degree

  tanhshrink  (x - tanh x) / x^3 = P(z), z = x^2 in [0, TS_C^2], relative
              weight; P of degree 19 (double) / 9 (float), s0 = 1/3 carried as
              head + tail (its rounding alone would be a 2^-53.4 offset), the
              other coefficients rounded one at a time (fit_rounded).  Used for
              |x| < TS_C, where x - tanh x cancels (above it the kernel adds
              2e / (1 + e), e = e^-2|x|, to |x| - 1).
  tanhsq      (tanh^2 x / z - 1) / z = R(z), z = x^2 in [0, TSQ_C^2], weighted
              by 1/|R| (R's relative error enters tanh^2 x = z (1 + z R) at most
              |z R| / (1 + z R) < 0.58 times); R of degree 15 (double) / 7
              (float), r0 from that fit, the others rounded one at a time
              against y's relative error.  tanhshrink'(x) = tanh^2 x for
              |x| < TSQ_C (above it, 1 - sech^2 x).
  logit       (2 atanh(s) - 2 s) / s = R(z), z = s^2 in [0, LOGIT_Z], absolute
              weight (s R is a relative correction of size R/2, as in
              vmath_coeffs.py's log1p), R(0) = 0; degree 8 (double) / 3
              (float), coefficients rounded one at a time.  |s| <= 0.2004:
              the kernel reduces p / (1 - p) by 2^k, k rounded from the
              difference of the bit patterns (Mitchell's log2, off by at
              most 0.0861 per operand), so |log2 r| <= 1/2 + 0.0861.
  log1pu      (log1p(e) - e) / e^2 = R(e), e in [0, 1] (float only: softplus,
              log_sigmoid and binary_cross_entropy take log1p(e^-|x|) as
              e + e^2 R(e), sigmoid.inc sp_log1p_unit), weighted by
              e / (1 + e R) (an absolute error of R is that many times a
              relative error of log1p(e)); degree 8, r0 from the plain fit,
              the others rounded one at a time.
"""
import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vmath_coeffs import atanh_r, hexlit, log2err, remez, rnd  # noqa: E402

mp.mp.prec = 120
TS_C = mp.mpf("1.25")
DEGREES = {"double": 19, "float": 9}
TSQ_C = mp.mpf("0.9")
TSQ_DEGREES = {"double": 15, "float": 7}
LOGIT_DEGREES = {"double": 8, "float": 3}
LOG1PU_DEGREE = 8
TYPES = (("double", 53), ("float", 24))


def logit_smax():
    """|s| bound of the logit kernel: |log2 r| <= 1/2 + Mitchell's largest
    error max(log2(1 + m) - m) (at m = 1/ln 2 - 1)"""
    m = 1 / mp.log(2) - 1
    r = mp.mpf(2) ** (mp.mpf(1) / 2 + mp.log(1 + m, 2) - m)
    return (r - 1) / (r + 1)


LOGIT_Z = mp.mpf("0.0403")   # > logit_smax()^2 = 0.040148


def tanhshrink_g(z):
    if z < mp.mpf(2) ** -40:
        return mp.mpf(1) / 3 - 2 * z / 15 + 17 * z * z / 315
    with mp.workprec(400):
        x = mp.sqrt(z)
        v = (x - mp.tanh(x)) / (x * z)
    return +v


def fit_rounded(f, weight, deg, bits, hi, head=()):
    """Coefficients c_0..c_deg of sum c_j z^j ~ f(z) on [0, hi], rounded to
    `bits` one at a time from the lowest up, the ones not yet rounded
    refitted (minimax, `weight`) to what the rounded ones leave: rounding a
    plain fit's coefficients costs far more than its minimax error (float
    tanhshrink, degree 9: 2^-24.3 against 2^-29.4).  `head`: values already
    fixed for c_0, ... (exact sums, e.g. a head + tail)."""
    fixed = list(head)
    for k in range(len(fixed), deg + 1):
        basis = [(lambda z, j=j: z ** j) for j in range(k, deg + 1)]

        def rest(z, c=tuple(fixed)):
            return f(z) - sum(cj * z ** j for j, cj in enumerate(c))
        ck, _ = remez(rest, basis, weight, 0, hi)
        fixed.append(rnd(ck[0], bits))
    return fixed


def max_err(c, err, hi, n=3000, lo=0):
    """max of |err(z, p(z))| over the grid z = i hi / n, i = lo..n (p: the
    polynomial with coefficients c, evaluated exactly)"""
    return max(abs(err(z, sum(cj * z ** j for j, cj in enumerate(c))))
               for z in (i * hi / n for i in range(lo, n + 1)))


def tanhshrink_fit(deg):
    """P's minimax fit (relative weight), unrounded: (coefficients, error)"""
    basis = [(lambda z, j=j: z ** j) for j in range(deg + 1)]
    return remez(tanhshrink_g, basis, lambda z: 1 / tanhshrink_g(z), 0, TS_C ** 2)


def tanhshrink_rounded(deg, bits):
    """P's coefficients for the kernel: s0 = 1/3 as head + tail, the rest
    rounded one at a time (fit_rounded), relative weight.  Returns (s0, s1,
    ..., s_deg) and the tail s0l."""
    third = mp.mpf(1) / 3
    s0 = rnd(third, bits)
    s0l = rnd(third - s0, bits)
    c = fit_rounded(tanhshrink_g, lambda z: 1 / tanhshrink_g(z), deg, bits, TS_C ** 2,
                    head=(s0 + s0l,))
    return [s0] + c[1:], s0l


def tanhshrink_rel(z, p):
    return p / tanhshrink_g(z) - 1


def tanhsq_r(z):
    if z < mp.mpf(2) ** -40:
        return -mp.mpf(2) / 3 + 17 * z / 45
    with mp.workprec(400):
        x = mp.sqrt(z)
        v = (mp.tanh(x) ** 2 / z - 1) / z
    return +v


def tanhsq_weight(z):
    """R's error enters y = z (1 + z R) relatively z / (1 + z R) times"""
    return z / (1 + z * tanhsq_r(z))


def tanhsq_fit(deg):
    """R's minimax fit (weight 1/|R|), unrounded: (coefficients, error)"""
    basis = [(lambda z, j=j: z ** j) for j in range(deg + 1)]
    return remez(tanhsq_r, basis, lambda z: 1 / abs(tanhsq_r(z)), 0, TSQ_C ** 2)


def tanhsq_rounded(deg, bits):
    """R's coefficients for the kernel: r0 from tanhsq_fit, rounded (y's
    weight vanishes at z = 0, where r0 is all of R), the others rounded one
    at a time (fit_rounded) against y's relative error: r0 = -2/3 alone
    rounds to 2^-26 relative, which rounding the plain fit's coefficients
    leaves as ~0.6 u of tanh^2 at z = TSQ_C^2."""
    c, _ = tanhsq_fit(deg)
    return fit_rounded(tanhsq_r, tanhsq_weight, deg, bits, TSQ_C ** 2, head=(rnd(c[0], bits),))


def tanhsq_rel(z, p):
    return (p - tanhsq_r(z)) * tanhsq_weight(z)


def logit_rounded(deg, bits):
    """R's coefficients r1..r_deg (r0 = 0; R = vmath_coeffs.atanh_r, fitted
    on logit's wider |s|), rounded one at a time"""
    return fit_rounded(atanh_r, lambda z: 1, deg, bits, LOGIT_Z, head=(mp.mpf(0),))[1:]


def log1pu_r(e):
    if e < mp.mpf(2) ** -40:
        return -mp.mpf(1) / 2 + e / 3 - e * e / 4
    with mp.workprec(400):
        v = (mp.log1p(e) - e) / (e * e)
    return +v


def log1pu_weight(e):
    """an absolute error d of R is a relative error e d / (1 + e R) of
    log1p(e) = e (1 + e R)"""
    return e / (1 + e * log1pu_r(e))


def log1pu_rounded(deg, bits):
    """R's coefficients for sp_log1p_unit: r0 from the plain fit (relative
    weight; log1p(e)'s weight vanishes at e = 0), rounded, the others
    rounded one at a time against log1p(e)'s relative error"""
    basis = [(lambda z, j=j: z ** j) for j in range(deg + 1)]
    c, _ = remez(log1pu_r, basis, lambda z: 1 / abs(log1pu_r(z)), 0, 1)
    return fit_rounded(log1pu_r, log1pu_weight, deg, bits, 1, head=(rnd(c[0], bits),))


def main(args):
    if args and args[0] == "survey":
        for deg in range(3, 22):
            c, e = tanhshrink_fit(deg)
            print("tanhshrink", deg, log2err(e))
        for deg in range(4, 17):
            c, e = tanhsq_fit(deg)
            print("tanhsq", deg, log2err(e))
        return
    assert logit_smax() ** 2 < LOGIT_Z
    for tname, bits in TYPES:
        c, s0l = tanhshrink_rounded(DEGREES[tname], bits)
        err = max_err([c[0] + s0l] + c[1:], tanhshrink_rel, TS_C ** 2)
        print(f"tanhshrink, {tname}: |x| < {mp.nstr(TS_C, 6)}; coefficients rounded one "
              f"at a time and the rest refitted")
        print(f"    /* relative error of P with these coefficients (s0 + s0l): "
              f"2^{log2err(err)} */")
        for j, cj in enumerate(c):
            print(f"    const T s{j} = C({hexlit(cj, bits)});")
        print(f"    const T s0l = C({hexlit(s0l, bits)});  /* tail of s0 */")
    for tname, bits in TYPES:
        c = tanhsq_rounded(TSQ_DEGREES[tname], bits)
        err = max_err(c, tanhsq_rel, TSQ_C ** 2, lo=1)
        print(f"tanh^2, {tname}: |x| < {mp.nstr(TSQ_C, 6)}; coefficients rounded "
              f"one at a time and the rest refitted")
        print(f"    /* relative error of z (1 + z R) with these coefficients: "
              f"2^{log2err(err)} */")
        for j, cj in enumerate(c):
            print(f"    const T r{j} = C({hexlit(cj, bits)});")
    for tname, bits in TYPES:
        c = logit_rounded(LOGIT_DEGREES[tname], bits)
        err = max_err([0] + c, lambda z, p: atanh_r(z) - p, LOGIT_Z)
        print(f"logit, {tname}: |s| <= {mp.nstr(logit_smax(), 6)}, z < {mp.nstr(LOGIT_Z, 6)}; "
              f"coefficients rounded one at a time")
        print(f"    /* absolute error of R with these coefficients: 2^{log2err(err)} */")
        for j, cj in enumerate(c, 1):
            print(f"    const T r{j} = C({hexlit(cj, bits)});")
    c = log1pu_rounded(LOG1PU_DEGREE, 24)
    err = max_err(c, lambda z, p: (p - log1pu_r(z)) * log1pu_weight(z), 1, lo=1)
    print("log1p(e) = e + e^2 R(e), float: e in [0, 1]; coefficients rounded one at a time")
    print(f"    /* relative error of log1p(e) with these coefficients: 2^{log2err(err)} */")
    for j, cj in enumerate(c):
        print(f"    const T r{j} = C({hexlit(cj, 24)});")


if __name__ == "__main__":
    main(sys.argv[1:])
