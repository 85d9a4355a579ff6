"""Coefficients of the float32 tanh kernel's small branch (kernels/tanh.inc,
tanh_v): tanh(x) = x + x z P(z), z = x^2, |x| <= 0.625, P of degree 4.

    python tools/tanh_f32_coeffs.py

P is the weighted least-squares fit, on 400 Chebyshev nodes in z, of
(tanh(x)/x - 1)/z (mpmath, 40 digits), weighted by z so that the residual
is the relative error of tanh itself; its coefficients are then rounded to
float32, and the branch is evaluated in float32 arithmetic (Horner with
single roundings, as the kernel's FMAs round no worse) on 200001 points of
(0, 0.625] against float64 tanh.  Prints the error in float32 ULPs and the
coefficients as C hex literals.
"""
import mpmath as mp
import numpy as np

B = 0.625
DEG = 4


def target(z):
    x = mp.sqrt(z)
    return (mp.tanh(x) / x - 1) / z


def main():
    mp.mp.dps = 40
    n = 400
    t = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    z = (t + 1) / 2 * B * B
    f = np.array([float(target(mp.mpf(float(v)))) for v in z])
    A = np.vstack([z ** k for k in range(DEG + 1)]).T
    c, *_ = np.linalg.lstsq(A * z[:, None], f * z, rcond=None)
    c32 = c.astype(np.float32)
    xs = np.linspace(1e-4, B, 200001).astype(np.float32)
    zf = xs * xs
    P = np.float32(0)
    for k in range(DEG, -1, -1):
        P = (P * zf + c32[k]).astype(np.float32)
    y = (xs + xs * (zf * P)).astype(np.float32)
    ref = np.tanh(xs.astype(np.float64))
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    print(f"max error {np.max(np.abs(y - ref) / ulp):.3f} ULP")
    for k, v in enumerate(c32):
        print(f"    const T c{k} = C({float(v).hex().replace('0000000p', 'p')});")


if __name__ == "__main__":
    main()
