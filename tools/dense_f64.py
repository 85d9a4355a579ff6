"""float64 vector kernels (those on the lean exponential core, the gelu
family on the erfc core, and logit), against the long double kernels.

    python tools/dense_f64.py [--n 2000000] [--dispatch avx512,avx2,baseline]

The float64 vector kernels of silu, tanh, swish, softplus, softplus', glu,
glu', swiglu, elu', selu' and celu' run on the lean core of kernels/vmath.inc
(swf_expn: e^x = 2^n (1 + q) rounded once, |x| clamped at 707.5, x below
the hard-lane start to the scalar kernel), and elu, selu and celu on its
expm1 (swf_expm1_neg); those of gelu, gelu', geglu and
geglu' on the erfc core (vm_erfc_G) and the double-T exponential.  float64
has too many inputs to try them all, so this draws 5 n of them per
function -- N(0, 3^2), uniform on [-40, 40], [-800, 800] and [-3, 1], and
signed log-uniform magnitudes e^[-40, 7] (the gates' second operand from a
similar mix) -- at several values of the parameter (beta, alpha), and
reports the largest error in
float64 ULPs of the long double kernel's value, per function and
instruction-set path.  The long double kernels are within a few ULP of a
64-bit significand (test_accuracy checks them against mpmath), 2^-11 of a
float64 ULP, so they stand in for the exact value.  Needs x87 long double.
logit takes p = 1 / (1 + e^-x) of the same sample instead (see UNIT).

The README's float64 figures for these functions came from --n 2000000
(10^7 points); tests/numerics/test_lean_core.py runs a 2 * 10^4 sample.
"""
import argparse
import sys

import numpy as np

#: function -> (arity, parameter values); a parameter list of (None,) means
#: the function takes none
FUNCS = {
    "silu": (1, (None,)),
    "tanh": (1, (None,)),
    "tanhshrink": (1, (None,)),
    "tanhshrink_grad": (1, (None,)),
    "swish": (1, (1.0, 1.7, 0.3)),
    "softplus": (1, (1.0, 1.7, 0.3)),
    "softplus_grad": (1, (1.0, 1.7, 0.3)),
    "glu": (2, (None,)),
    "glu_grad": (2, (None,)),
    "swiglu": (2, (None,)),
    "elu": (1, (1.0, 0.7, 3.0)),
    "selu": (1, (None,)),
    "celu": (1, (1.0, 0.7, 3.0)),
    "elu_grad": (1, (1.0, 0.7, 3.0)),
    "selu_grad": (1, (None,)),
    "celu_grad": (1, (1.0, 0.7, 3.0)),
    "logit": (1, (None,)),
    # on the erfc core (vm_erfc_G) and the double-T exponential
    "gelu": (1, (None,)),
    "gelu_grad": (1, (None,)),
    "geglu": (2, (None,)),
    "geglu_grad": (2, (None,)),
}

#: functions of a probability: the sample's x becomes p = 1 / (1 + e^-x)
#: (long double, rounded to float64), which covers (0, 1) with its tails at
#: both ends (p down into the subnormals, which are hard lanes, 1 - p down
#: to 2^-53) and the middle densely; p that round to 0 or 1 (hard lanes
#: that raise divide-by-zero) are dropped
UNIT = {"logit"}


def to_unit(x):
    ld = np.asarray(x, np.longdouble)
    with np.errstate(over="ignore"):
        p = (1 / (1 + np.exp(-ld))).astype(np.float64)
    return p[(p > 0) & (p < 1)]


def sample(n, seed=1):
    """5 n float64 inputs x and second operands b (see the module doc)"""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.standard_normal(n) * 3, rng.uniform(-40, 40, n),
                        rng.uniform(-800, 800, n), rng.uniform(-3, 1, n),
                        np.sign(rng.standard_normal(n)) * np.exp(rng.uniform(-40, 7, n))])
    b = np.concatenate([rng.standard_normal(n) * 3,
                        np.exp(rng.uniform(-30, 30, n)) * np.sign(rng.standard_normal(n)),
                        rng.uniform(-5, 5, n), rng.standard_normal(n), rng.uniform(-800, 800, n)])
    return x, b


def ulp_err(y, ref):
    """|y - ref| in float64 ULPs of ref (the subnormal ULP at the bottom)"""
    with np.errstate(all="ignore"):
        sp = np.spacing(np.abs(ref.astype(np.float64))).astype(np.longdouble)
        sp = np.maximum(sp, np.longdouble(np.spacing(0.0)))
        e = np.abs((y.astype(np.longdouble) - ref) / sp)
    both_nan = np.isnan(y) & np.isnan(ref)
    return np.where(both_nan, 0.0, np.where(np.isnan(e), np.inf, e)).astype(np.float64)


def worst(name, x, b):
    """{label: (max ULP, at x)} for one function over the sample (x, b),
    computed under errstate(all="raise")"""
    import pyactx
    f = getattr(pyactx, name)
    arity, params = FUNCS[name]
    if name in UNIT:
        x = to_unit(x)
    out = {}
    for p in params:
        args = (x, b) if arity == 2 else ((x,) if p is None else (x, p))
        ld = tuple(np.asarray(a, np.longdouble) for a in args)
        with np.errstate(all="raise"):
            y = f(*args)
        ref = f(*ld)
        ys, refs = (y, ref) if isinstance(y, tuple) else ((y,), (ref,))
        for k, (yk, rk) in enumerate(zip(ys, refs)):
            e = ulp_err(yk, rk)
            i = int(np.argmax(e))
            label = name + ("" if p is None else f"[{p:g}]") + (f"[{k}]" if len(ys) > 1 else "")
            out[label] = (float(e[i]), float(x[i]))
    return out


def main(argv=None):
    import pyactx
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2_000_000, help="points per distribution (5 n in all)")
    ap.add_argument("--dispatch", default=",".join(pyactx.available_dispatch()))
    ap.add_argument("--funcs", default=",".join(FUNCS))
    a = ap.parse_args(argv)
    if np.finfo(np.longdouble).nmant != 63:
        print("needs the x87 long double kernels as the reference")
        return 2
    x, b = sample(a.n)
    before = pyactx.get_dispatch()
    bad = False
    try:
        for d in a.dispatch.split(","):
            pyactx.set_dispatch(d)
            for name in a.funcs.split(","):
                for label, (m, at) in worst(name, x, b).items():
                    bad |= m > 4.0
                    print(f"{label:22s} {d:9s} {m:6.3f} ULP  at x = {at:.6g}")
    finally:
        pyactx.set_dispatch(before)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
