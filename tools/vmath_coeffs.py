"""Coefficients of the libm-free vector math cores in
csrc/include/pyactx/kernels/vmath.inc (reproducible; needs only mpmath).

    python tools/vmath_coeffs.py            # every table (about 30 s)
    python tools/vmath_coeffs.py exp        # one of: consts exp log1p erfc
    python tools/vmath_coeffs.py survey     # error against degree

Each approximation is a weighted minimax (Remez exchange) fit computed at
120-bit precision, rounded to the target type (double: 53 bits, float: 24
bits) and printed as exact hexadecimal literals for C(...), ready to paste
into the function bodies.  The printed "minimax error" is that of the exact
(unrounded) fit; the effect of rounding the coefficients and of evaluating
in floating point is measured by csrc/tests/test_vmath.c.

Fits (r, s, z, q: the reduced arguments of vmath.inc):

  exp   e^r = 1 + r + r^2 Q(r),  |r| <= ln2/2 (1 + 2^-10),  weight r^2/|e^r - 1|
        (the relative error of expm1(r) = r + r^2 Q(r), which bounds the
        relative error of e^r as well, since |e^r - 1| < e^r here).
        Q of degree 10 (double) / 5 (float).
  log1p log1p(f) = f - (f^2/2 - s (f^2/2 + R(s^2))),  s = f/(2+f),
        f in [sqrt(2)/2 - 1, sqrt(2) - 1]  <=>  |s| <= 3 - 2 sqrt(2),
        R(z) = sum_k l_k z^k (k >= 1) approximates (2 atanh(s) - 2 s)/s,
        absolute weight (s R is a relative correction of size R/2).
        Degree 7 (double) / 3 (float).
  erfc  1 + P(q) ~ (1 + 2x) e^(x^2) erfc(x),  q = (x-4)/(x+4), x in [0, X]
        (X where erfc underflows), relative weight; degree 23 / 11.  After
        rounding, e0 and e1 are refitted against the rounded higher
        coefficients and printed as head + tail (see erfc_fit_rounded).
        Also: S(z) = erf(sqrt z)/sqrt z on [0, 1/16] for x < 1/4 (degree
        6 / 3), and a quadratic for P'(q) on [-1, -1/2] (see erfc_dfit);
        and degree 12 on x in [0, 24] with double coefficients for the
        float32 gelu kernels, which compute in double (gelu.inc, gvd_parts).
  consts  Cody-Waite splits of ln 2, the overflow thresholds, and the
        thresholds beyond which erfc, tanh, expm1 round to 0, 1, -1.
"""
import sys
import mpmath as mp

mp.mp.prec = 120


# ----------------------------------------------------------------- Remez
def _solve(A, y):
    return mp.lu_solve(mp.matrix(A), mp.matrix(y))


def remez(f, basis, weight, a, b, iters=40, grid=4000, tol=mp.mpf(2) ** -20):
    """Minimise max_{x in [a,b]} |weight(x) (f(x) - sum_j c_j basis[j](x))|.

    Classic exchange: solve on n+1 reference points for the coefficients and
    the levelled error E, then move the reference to the n+1 alternating
    extrema of the error (grid search refined by golden section).  Returns
    (coefficients, max weighted error)."""
    a, b = mp.mpf(a), mp.mpf(b)
    n = len(basis)
    # Chebyshev-like dense grid (clusters near the ends, where extrema sit)
    xs = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / (grid - 1)) for i in range(grid)]
    ref = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / n) for i in range(n + 1)]
    # a weight that vanishes inside (exp: at r = 0) must not carry a node
    wmax = max(abs(weight(x)) for x in ref)
    ref = [x if abs(weight(x)) > wmax * mp.mpf(2) ** -20 else x + (b - a) / (4 * n)
           for x in ref]
    fx = {}

    def F(x):
        if x not in fx:
            fx[x] = (f(x), weight(x))
        return fx[x]

    def err(c, x):
        fv, wv = F(x)
        return wv * (fv - sum(cj * bj(x) for cj, bj in zip(c, basis)))

    best = None
    for _ in range(iters):
        A, y = [], []
        for i, x in enumerate(ref):
            fv, wv = F(x)
            A.append([bj(x) for bj in basis] + [(-1) ** i / wv])
            y.append(fv)
        sol = _solve(A, y)
        c = [sol[j] for j in range(n)]
        E = abs(sol[n])
        e = [err(c, x) for x in xs]
        # local extrema of |e| on the grid, then golden-section refinement
        ext = []
        for i in range(grid):
            left = e[i - 1] if i > 0 else None
            right = e[i + 1] if i < grid - 1 else None
            ai = abs(e[i])
            if (left is None or ai >= abs(left)) and (right is None or ai >= abs(right)):
                if i == 0 or i == grid - 1:
                    ext.append((xs[i], e[i]))
                else:
                    lo, hi = xs[i - 1], xs[i + 1]
                    g = (mp.sqrt(5) - 1) / 2
                    for _k in range(40):
                        m1 = hi - g * (hi - lo)
                        m2 = lo + g * (hi - lo)
                        if abs(err(c, m1)) > abs(err(c, m2)):
                            hi = m2
                        else:
                            lo = m1
                    xm = (lo + hi) / 2
                    ext.append((xm, err(c, xm)))
        # merge runs of equal sign, keeping the largest
        alt = []
        for x, v in ext:
            if alt and mp.sign(alt[-1][1]) == mp.sign(v):
                if abs(v) > abs(alt[-1][1]):
                    alt[-1] = (x, v)
            else:
                alt.append((x, v))
        while len(alt) > n + 1:            # drop the smaller end point
            if abs(alt[0][1]) < abs(alt[-1][1]):
                alt.pop(0)
            else:
                alt.pop()
        emax = max(abs(v) for _, v in alt)
        best = (c, emax)
        if len(alt) < n + 1:
            break                           # cannot level further (degenerate)
        ref = [x for x, _ in alt]
        if emax - E <= tol * emax:
            break
    return best


# ------------------------------------------------------------ rounding/print
def rnd(v, bits):
    if v == 0:
        return mp.mpf(0)
    m, e = mp.frexp(v)
    return mp.ldexp(mp.nint(mp.ldexp(m, bits)), e - bits)


def hexlit(v, bits):
    """Exact C hexadecimal literal of v rounded to `bits` significant bits."""
    v = rnd(v, bits)
    if v == 0:
        return "0x0p+0"
    h = float(v).hex()                      # exact: bits <= 53
    mant, exp = h.split("p")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}p{exp}"


def log2err(e):
    return mp.nstr(mp.log(e, 2), 5) if e > 0 else "-inf"


# ----------------------------------------------------------------- fits
LN2 = mp.log(2)


def exp_fit(deg, rmax):
    """Q(r) = sum_{j<=deg} c_j r^j  ~  (e^r - 1 - r) / r^2."""
    def f(r):
        if abs(r) < mp.mpf(2) ** -30:
            return mp.mpf(1) / 2 + r / 6 + r * r / 24
        return (mp.expm1(r) - r) / (r * r)
    basis = [(lambda j: (lambda r: r ** j))(j) for j in range(deg + 1)]
    w = lambda r: r * r / abs(mp.expm1(r)) if r != 0 else mp.mpf(0)
    return remez(f, basis, w, -rmax, rmax)


def atanh_r(z):
    """(2 atanh(s) - 2 s)/s as a function of z = s^2: the R of log1p's core
    (here) and of logit's kernel (tools/algebraic_coeffs.py)"""
    if z < mp.mpf(2) ** -40:
        return 2 * z / 3 + 2 * z * z / 5
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) - 2 * s) / s


def log1p_fit(deg):
    """R(z) = sum_{k=1..deg} c_k z^k  ~  (2 atanh(s) - 2 s)/s, z = s^2."""
    smax = 3 - 2 * mp.sqrt(2)
    basis = [(lambda k: (lambda z: z ** k))(k) for k in range(1, deg + 1)]
    return remez(atanh_r, basis, lambda z: mp.mpf(1), 0, smax * smax * (1 + mp.mpf(2) ** -20))


def erfc_F(K):
    K = mp.mpf(K)

    def f(q):
        x = K * (1 + q) / (1 - q)
        return (1 + 2 * x) * mp.erfc(x) * mp.exp(x * x) - 1
    return f


def erfc_fit(deg, K, xmax):
    """1 + P(q) ~ (1 + 2x) erfcx(x),  x = K (1+q)/(1-q),  q in [-1, q(xmax)].

    (1 + 2x) exp(x^2) erfc(x) is flat: 1 at x = 0, -> 2/sqrt(pi) as x -> oo
    (Shepherd & Laframboise, Math. Comp. 36 (1981) 249-253, who expand it in
    Chebyshev polynomials of the same q).  P of degree deg, fitted with
    weight 1/F (the relative error of 1 + P).  In this monomial basis the
    evaluation is well conditioned (sum |c_j q^j| <= 0.78 (1 + P))."""
    f = erfc_F(K)
    basis = [(lambda j: (lambda q: q ** j))(j) for j in range(deg + 1)]
    qmax = (mp.mpf(xmax) - K) / (mp.mpf(xmax) + K)
    return remez(f, basis, lambda q: 1 / (1 + f(q)), -1, qmax, grid=1500)


def erfc_fit_rounded(deg, K, xmax, bits, nlow=2):
    """erfc_fit, then rounding-aware: the coefficients of degree >= nlow are
    rounded to `bits`, and the nlow lowest ones refitted (minimax, same
    weight) against what the rounded ones leave, then rounded.  This removes
    most of the systematic offset the coefficient rounding would leave (in
    the unrefitted fit it was ~0.2 ULP of the result everywhere)."""
    c, e = erfc_fit(deg, K, xmax)
    hi = [rnd(v, bits) for v in c[nlow:]]
    f = erfc_F(K)
    g = lambda q: f(q) - sum(v * q ** (j + nlow) for j, v in enumerate(hi))
    basis = [(lambda j: (lambda q: q ** j))(j) for j in range(nlow)]
    qmax = (mp.mpf(xmax) - K) / (mp.mpf(xmax) + K)
    lo, e2 = remez(g, basis, lambda q: 1 / (1 + f(q)), -1, qmax, grid=1500)
    # the refitted ones as head + tail (the C code adds the tails exactly)
    tails = [rnd(v - rnd(v, bits), bits) for v in lo]
    return [rnd(v, bits) for v in lo] + hi, tails, e, e2


ERF_SMALL = mp.mpf(1) / 4


def erf_small_fit(deg):
    """erfc(x) = 1 - x S(x^2) for x < 1/4:  S(z) = erf(sqrt z)/sqrt z on
    [0, 1/16], relative error.  (1 - erf has no cancellation there:
    erf(1/4) = 0.276.)"""
    def f(z):
        if z < mp.mpf(2) ** -60:
            return 2 / mp.sqrt(mp.pi) * (1 - z / 3)
        r = mp.sqrt(z)
        return mp.erf(r) / r
    basis = [(lambda j: (lambda z: z ** j))(j) for j in range(deg + 1)]
    return remez(f, basis, lambda z: 1 / f(z), 0, ERF_SMALL ** 2, grid=400)


def erfc_dfit(deg, K):
    """P'(q) on [-1, -1/2], absolute error: only used to apply the rounding
    error ql of q = (1 + q) - 1, which is nonzero only for 1 + q < 1/2."""
    f = erfc_F(K)
    df = lambda q: mp.diff(f, q)
    basis = [(lambda j: (lambda q: q ** j))(j) for j in range(deg + 1)]
    return remez(df, basis, lambda q: mp.mpf(1), -1, mp.mpf(-1) / 2, grid=200)


def emit(name, coefs, bits, err, start=0):
    """C declarations `const T name<j> = C(...)` for a function body."""
    print(f"    /* minimax error 2^{log2err(err)} (before rounding to {bits} bits) */")
    for j, c in enumerate(coefs, start):
        print(f"    const T {name}{j} = C({hexlit(c, bits)});")


TYPES = (("double", 53, 1023, 1074), ("float", 24, 127, 149))
DEGREES = {"exp": {"double": 10, "float": 5},
           "log1p": {"double": 7, "float": 3},
           "erfc": {"double": 23, "float": 11},
           "erf_small": {"double": 6, "float": 3}}
ERFC_K = 4
ERFC_XMAX = {"double": "27.3", "float": "10.15"}


def split_hi(v, bits):
    """v truncated to `bits` significant bits (Cody-Waite head)."""
    m, e = mp.frexp(v)
    return mp.ldexp(mp.floor(mp.ldexp(m, bits)), e - bits)


def show_consts():
    for label, bits, emax, _emin in TYPES:
        print(f"/* ---- {label} */")
        print(f"    INVLN2  C({hexlit(1 / LN2, bits)})")
        # n*LN2HI exact for |n| < 2^11 (double) / 2^8 (float)
        hb = bits - (11 if bits == 53 else 8)
        hi = split_hi(LN2, hb)
        print(f"    LN2HI   C({hexlit(hi, bits)})   /* {hb} bits */")
        print(f"    LN2LO   C({hexlit(LN2 - hi, bits)})")
        tmax = (2 - mp.mpf(2) ** (1 - bits)) * mp.mpf(2) ** emax
        lnmax = mp.log(tmax)
        h = rnd(lnmax, bits)
        if h > lnmax:
            h = h - mp.ldexp(1, mp.frexp(h)[1] - bits)
        print(f"    EXP_HI  C({hexlit(h, bits)})   /* largest {label} < ln(MAX) = {mp.nstr(lnmax, 20)} */")
        print(f"    SQRT1_2 {hexlit(mp.sqrt(2) / 2, bits)}")
        tiny = mp.mpf(2) ** (-_emin - 1)        # half the smallest subnormal
        xu = mp.findroot(lambda x: mp.erfc(x) - tiny, 27 if bits == 53 else 10)
        print(f"    erfc(x) < 2^-{_emin + 1} (rounds to 0) for x > {mp.nstr(xu, 12)}")
        xs = mp.atanh(1 - mp.mpf(2) ** (-bits - 1))
        print(f"    tanh(x) rounds to 1 for x > {mp.nstr(xs, 12)}")
        xm = mp.log(mp.mpf(2) ** (-bits - 1))
        print(f"    expm1(x) rounds to -1 for x < {mp.nstr(xm, 12)}")


def show_exp():
    # |r| <= ln2/2 * (1 + 2^-10): covers the rounding of n = rint(x/ln2).
    rmax = LN2 / 2 * (1 + mp.mpf(2) ** -10)
    for label, bits, _e, _m in TYPES:
        deg = DEGREES["exp"][label]
        c, e = exp_fit(deg, rmax)
        print(f"/* exp, {label}: Q of degree {deg} (e^r of degree {deg + 2}), |r| <= {mp.nstr(rmax, 8)} */")
        emit("q", c, bits, e)


def show_log1p():
    for label, bits, _e, _m in TYPES:
        deg = DEGREES["log1p"][label]
        c, e = log1p_fit(deg)
        print(f"/* log1p, {label}: R(z) = z (l1 + z (l2 + ...)), degree {deg} in z = s^2 */")
        emit("l", c, bits, e, start=1)


def show_erfc():
    for label, bits, _e, _m in TYPES:
        deg = DEGREES["erfc"][label]
        c, tails, e, e2 = erfc_fit_rounded(deg, ERFC_K, ERFC_XMAX[label], bits)
        print(f"/* erfc, {label}: P of degree {deg} in q = (x-{ERFC_K})/(x+{ERFC_K}), "
              f"x in [0, {ERFC_XMAX[label]}]; e0, e1 refitted after rounding the others "
              f"(then 2^{log2err(e2)}) and carried as head + tail */")
        emit("e", c, bits, e)
        for j, t in enumerate(tails):
            print(f"    const T e{j}l = C({hexlit(t, bits)});")
    for label, bits, _e, _m in TYPES:
        deg = DEGREES["erf_small"][label]
        c, e = erf_small_fit(deg)
        print(f"/* erfc, {label}, x < 1/4: 1 - x S(x^2), S of degree {deg} */")
        emit("t", c, bits, e)
    c, e = erfc_dfit(2, ERFC_K)
    print("/* erfc: P'(q) on [-1, -1/2] (absolute error; both types) */")
    emit("d", c, 24, e)
    # float32 gelu / geglu compute in double (kernels/gelu.inc, gvd_parts):
    # float accuracy from double coefficients, and x up to 24, where gelu(a) b
    # can still be a normal float
    c, e = erfc_fit(12, ERFC_K, 24)
    print("/* erfc for float32 in double (gelu.inc, gvd_parts): P of degree 12, "
          "x in [0, 24], double coefficients */")
    emit("e", c, 53, e)


def survey():
    rmax = LN2 / 2 * (1 + mp.mpf(2) ** -10)
    for deg in range(3, 11):
        c, e = exp_fit(deg, rmax)
        print("exp Q degree", deg, "err 2^", log2err(e))
    for deg in range(2, 9):
        c, e = log1p_fit(deg)
        print("log1p R degree", deg, "err 2^", log2err(e))
    for deg in range(2, 9):
        c, e = erf_small_fit(deg)
        print("erf_small S degree", deg, "err 2^", log2err(e))
    for label in ("float", "double"):
        for deg in ((9, 10, 11, 12) if label == "float" else (21, 22, 23, 24)):
            c, e = erfc_fit(deg, ERFC_K, ERFC_XMAX[label])
            print("erfc", label, "degree", deg, "err 2^", log2err(e))


if __name__ == "__main__":
    what = sys.argv[1:] or ["consts", "exp", "log1p", "erfc"]
    for w in what:
        {"consts": show_consts, "exp": show_exp, "log1p": show_log1p,
         "erfc": show_erfc, "survey": survey}[w]()
