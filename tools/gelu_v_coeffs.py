"""Constants and root polynomials of the gelu vector kernels
(the vector part of csrc/include/pyactx/kernels/gelu.inc); reproducible, needs only mpmath.

    python tools/gelu_v_coeffs.py

The float32 kernels of gelu and gelu' in float arithmetic (gvf_parts) write
erfc(a) = e^(-a^2) H(q) / (a + 1), q = (a - 1)/(a + 1), with H a minimax
polynomial (relative weight, vmath_coeffs.remez) whose coefficients are
rounded to float; its error after rounding and the Horner condition
sum |h_j q^j| / H are printed with it.

The derivatives gelu_grad and gelu_tanh_grad have an interior root near
x = -0.75 where the two terms of their definitions cancel.  Around it the
kernels evaluate

    gelu_grad(x)      = (x - x0) Q(x - c) e^(-x^2/2),   x in [-2.25, -0.25]
    gelu_tanh_grad(x) = (x - x1) R(x - c) sigmoid(2u),  x in [-0.8, -0.7]

with x0, x1 the roots (head + tail in the type) and Q, R near-minimax
(Chebyshev economised, mpmath.chebyfit) polynomials in the centred variable
x - c.  Factoring e^(-x^2/2) out of gelu_grad (the kernel has it anyway)
leaves a flat Q (Horner condition 1.26 instead of 11).  Outside its
interval the cancellation factor sum|terms| / |f| is below 1.45 and the
direct formula keeps the 4-ULP bar.  gelu_tanh_grad evaluates 1 + x (1-s) 2u'
in double-T arithmetic from sigmoids accurate to ~2^-58 (float: 2^-29)
relative, which is good for a cancellation factor up to ~25 (~22 at the
ends of its interval), so its polynomial covers only [-0.8, -0.7].

Printed: hexadecimal literals exact in the type (double: 53 bits, float: 24
bits), and the fit's relative error before rounding.  The constant terms q0,
r0 also get a tail (q0l, r0l): the kernels add them in the double-T last
Horner step, since rounding q0 alone would cost up to half an ULP.
"""
import os
import sys

import mpmath as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vmath_coeffs import remez  # noqa: E402

mp.mp.dps = 60

K = mp.mpf("0.044715")
C2 = 2 * mp.sqrt(2 / mp.pi)


def gelu_grad(x):
    return mp.ncdf(x) + x * mp.npdf(x)


def gelu_tanh_grad_inner(x):
    # gelu_tanh_grad = sigmoid(2u) (1 + x sigmoid(-2u) 2u')
    t = C2 * (x + K * x ** 3)
    return 1 + x * C2 * (1 + 3 * K * x * x) / (1 + mp.exp(t))


def rnd(v, p):
    """v rounded to p significand bits (nearest)."""
    v = mp.mpf(v)
    if v == 0:
        return v
    m, e = mp.frexp(v)
    return mp.ldexp(mp.nint(mp.ldexp(m, p)), e - p)


def chex(v, p):
    """C hexadecimal literal of v (exact at p bits)."""
    v = rnd(v, p)
    if v == 0:
        return "0.0"
    s = "-" if v < 0 else ""
    v = abs(v)
    m, e = mp.frexp(v)          # v = m 2^e, m in [1/2, 1)
    m, e = m * 2, e - 1         # m in [1, 2)
    frac = int(mp.nint((m - 1) * 2 ** 52))
    h = f"{frac:013x}".rstrip("0") or "0"
    return f"{s}0x1.{h}p{e:+d}".replace("p+", "p+") if h != "0" else f"{s}0x1p{e:+d}"


def hilo(v, p):
    h = rnd(v, p)
    return h, rnd(v - h, p)


def fit(f, root, a, b, c, n, scale=None):
    """Coefficients (lowest first) of P(u) ~ f(c + u) / (c + u - root)."""
    def P(u):
        x = c + u
        v = f(x) * (scale(x) if scale else 1)
        if abs(x - root) < mp.mpf(10) ** -40:
            return mp.diff(lambda y: f(y) * (scale(y) if scale else 1), root)
        return v / (x - root)
    co = mp.chebyfit(P, [a - c, b - c], n)[::-1]
    us = mp.linspace(a - c, b - c, 400)
    rel = max(abs(mp.polyval(co[::-1], u) - P(u)) / abs(P(u)) for u in us)
    cond = max(sum(abs(cj) * abs(u) ** j for j, cj in enumerate(co)) / abs(P(u)) for u in us)
    return co, rel, cond


#: float32 gelu, gelu' in float arithmetic (gvf_parts): |x| <= XMAX = 14.75
GVF_XMAX = mp.mpf("14.75")


def gvf_h(q):
    """H(q) = (a + 1) e^(a^2) erfc(a), a = (1 + q)/(1 - q)"""
    a = (1 + q) / (1 - q)
    return (a + 1) * mp.erfc(a) * mp.exp(a * a)


def gvf_h_fit(deg=12):
    """H's minimax fit on q in [-1, q(XMAX/sqrt 2)], relative weight, the
    coefficients rounded to float; returns (coefficients, fit error, error
    after rounding, Horner condition)."""
    with mp.workprec(120):
        a_max = GVF_XMAX / mp.sqrt(2)
        q_max = (a_max - 1) / (a_max + 1)
        basis = [(lambda q, j=j: q ** j) for j in range(deg + 1)]
        co, err = remez(gvf_h, basis, lambda q: 1 / gvf_h(q), -1, q_max, grid=1500)
        cr = [rnd(c, 24) for c in co]
        qs = mp.linspace(-1, q_max, 3000)
        rerr = max(abs(mp.polyval(cr[::-1], q) / gvf_h(q) - 1) for q in qs)
        cond = max(sum(abs(cj * q ** j) for j, cj in enumerate(cr)) / gvf_h(q) for q in qs[::10])
        return cr, err, rerr, cond


def main():
    x0 = mp.findroot(gelu_grad, -0.75)
    x1 = mp.findroot(gelu_tanh_grad_inner, -0.75)
    consts = {
        "ISQ2": 1 / mp.sqrt(2),            # 1/sqrt 2
        "ISQ2PI": 1 / mp.sqrt(2 * mp.pi),  # 1/sqrt(2 pi)
        "TSQPI": 2 / mp.sqrt(mp.pi),       # 2/sqrt(pi)
        "C2": C2,                          # 2 sqrt(2/pi)
        "K": K,                            # 0.044715
        "K3": 3 * K,
        "X0": x0,                          # root of gelu_grad
        "X1": x1,                          # root of gelu_tanh_grad
    }
    for tname, p, ng, nh in (("double", 53, 20, 9), ("float", 24, 11, 5)):
        print(f"/* ---- {tname} ---- */")
        for k, v in consts.items():
            h, l = hilo(v, p)
            print(f"#  define PYACTX_GV_{k}_HI C({chex(h, p)})")
            print(f"#  define PYACTX_GV_{k}_LO C({chex(l, p)})")
            if k in ("X0", "X1"):       # the roots: a third part (float needs it)
                print(f"#  define PYACTX_GV_{k}_LO2 C({chex(v - h - l, p)})")
        co, rel, cond = fit(gelu_grad, x0, mp.mpf(-2.25), mp.mpf(-0.25), mp.mpf(-1.25), ng,
                            scale=lambda x: mp.exp(x * x / 2))
        print(f"    /* Q: degree {ng - 1}, relative error 2^{float(mp.log(rel, 2)):.1f}, "
              f"Horner condition {float(cond):.2f} */")
        print("    " + "\n    ".join(f"const T q{j} = C({chex(cj, p)});" for j, cj in enumerate(co)))
        print(f"    const T q0l = C({chex(co[0] - rnd(co[0], p), p)});")
        co, rel, cond = fit(gelu_tanh_grad_inner, x1, mp.mpf(-0.8), mp.mpf(-0.7), mp.mpf(-0.75), nh)
        print(f"    /* R: degree {nh - 1}, relative error 2^{float(mp.log(rel, 2)):.1f}, "
              f"Horner condition {float(cond):.2f} */")
        print("    " + "\n    ".join(f"const T r{j} = C({chex(cj, p)});" for j, cj in enumerate(co)))
        print(f"    const T r0l = C({chex(co[0] - rnd(co[0], p), p)});")
    # float32 gelu' computes in double (gelu.inc, gvd_gelu_grad): the float
    # degree with double coefficients (rounding them to float cost ~0.04 ULP)
    print("/* ---- float32 in double (gvd_gelu_grad) ---- */")
    co, rel, cond = fit(gelu_grad, x0, mp.mpf(-2.25), mp.mpf(-0.25), mp.mpf(-1.25), 11,
                        scale=lambda x: mp.exp(x * x / 2))
    print(f"    /* Q: degree 10, relative error 2^{float(mp.log(rel, 2)):.1f} */")
    print("    " + ",\n    ".join(f"q{j} = {chex(cj, 53)}" for j, cj in enumerate(co)))
    # float32 gelu and gelu' in float arithmetic (gelu.inc, gvf_parts): H,
    # and gelu''s root polynomial Q of degree 9 with q0 as head + tail
    print("/* ---- float32 in float (gvf_parts, gelu_grad_v) ---- */")
    cr, err, rerr, cond = gvf_h_fit()
    print(f"    /* H: degree 12, relative error 2^{float(mp.log(abs(err), 2)):.1f}, "
          f"2^{float(mp.log(rerr, 2)):.1f} with float coefficients, "
          f"Horner condition {float(cond):.2f} */")
    print("    " + ",\n    ".join(f"h{j} = C({chex(cj, 24)})" for j, cj in enumerate(cr)))
    co, rel, cond = fit(gelu_grad, x0, mp.mpf(-2.25), mp.mpf(-0.25), mp.mpf(-1.25), 10,
                        scale=lambda x: mp.exp(x * x / 2))
    print(f"    /* Q: degree 9, relative error 2^{float(mp.log(rel, 2)):.1f} */")
    print("    " + ",\n    ".join(f"q{j} = C({chex(cj, 24)})" for j, cj in enumerate(co))
          + f",\n    q0l = C({chex(co[0] - rnd(co[0], 24), 24)})")


if __name__ == "__main__":
    main()
