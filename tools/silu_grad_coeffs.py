"""Root constants and polynomial of the float32 silu' vector kernel
(silu_grad_fv in csrc/include/pyactx/kernels/swish.inc); reproducible,
needs only mpmath.

    python tools/silu_grad_coeffs.py

silu'(a) = s (1 + a (1 - s)), s = sigmoid(a), has one root, a0 = -1.27846,
where 1 + a (1 - s) cancels.  The float kernel evaluates the formula with
one FMA outside [a0 - 0.28, a0 + 0.32] (the cancellation factor
sum|terms| / |1 + a (1-s)| is at most 2.1 there) and inside it

    silu'(a) = d Q(d),   d = a - a0,

with a0 in three float parts (the nearest float to a0 is 2^-25.7 away from
it, so a two-part a0 would leave d with a relative error near 2^-23) and Q
a near-minimax (Chebyshev economised) polynomial of degree 6.

Printed: hexadecimal float literals (24 bits), the fit's relative error
before rounding, and its Horner condition number.
"""
import mpmath as mp

from gelu_v_coeffs import chex, fit, rnd

mp.mp.dps = 60

LO, HI = mp.mpf(-0.28), mp.mpf(0.32)      # the window, as d = a - a0
DEGREE = 6


def silu_grad(a):
    s = 1 / (1 + mp.exp(-a))
    return s * (1 + a * (1 - s))


def main():
    a0 = mp.findroot(silu_grad, -1.28)
    h = rnd(a0, 24)
    l = rnd(a0 - h, 24)
    l2 = rnd(a0 - h - l, 24)
    print(f"/* a0 = {mp.nstr(a0, 25)} */")
    print(f"#define PYACTX_SWF_A0_HI C({chex(h, 24)})")
    print(f"#define PYACTX_SWF_A0_LO C({chex(l, 24)})")
    print(f"#define PYACTX_SWF_A0_LO2 C({chex(l2, 24)})")
    # the window's ends as a, for the kernel's compare on |a|
    print(f"/* window: a in [{mp.nstr(a0 + LO, 10)}, {mp.nstr(a0 + HI, 10)}] */")
    co, rel, cond = fit(silu_grad, a0, a0 + LO, a0 + HI, a0, DEGREE + 1)
    print(f"/* Q: degree {DEGREE}, relative error 2^{float(mp.log(rel, 2)):.1f}, "
          f"Horner condition {float(cond):.2f} */")
    print("\n".join(f"const T q{j} = C({chex(cj, 24)});" for j, cj in enumerate(co)))


if __name__ == "__main__":
    main()
