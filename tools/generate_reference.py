#!/usr/bin/env python
"""Generate the committed high-precision reference data under tests/data/.

    python tools/generate_reference.py            # all formats, 2 worker processes
    python tools/generate_reference.py --jobs 4 --only float16

The values come from ``tests/reference.py`` (mpmath, evaluated from the
mathematical definitions with a Ziv loop to 100 correct bits); see
``tests/data/README.md`` for what each file holds.  Installing ``gmpy2`` makes
mpmath about twice as fast; the results do not depend on it.  Everything is
deterministic (fixed seeds).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import mpmath  # noqa: E402
from mpmath import mpf  # noqa: E402

import reference as R  # noqa: E402

# Auxiliary arithmetic here (tails, flags, tie checks) runs at mp.prec; the
# references themselves are evaluated by R.evaluate at their own precision.
mpmath.mp.prec = 256


def _load_spec():
    spec = importlib.util.spec_from_file_location("_pyactx_spec", os.path.join(ROOT, "pyactx", "_spec.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


SPEC = _load_spec()
DATA = os.path.join(ROOT, "tests", "data")

#: the non-default parameter value tested for each parameterised activation
#: (the spec's Param.alt)
ALT_PARAM = {a.name: a.params[0].alt for a in SPEC.ACTIVATION_TABLE if a.params}
ACT = {a.name: a for a in SPEC.ACTIVATION_TABLE}

NP_DTYPE = {"float16": np.float16, "float32": np.float32, "float64": np.float64,
            "longdouble": np.longdouble}

FLAG_INVALID, FLAG_DIVIDE, FLAG_OVERFLOW, FLAG_EITHER = 1, 2, 4, 8


def tag_of(name, param):
    return name if param is None else f"{name}@{param!r}"


def unary_tags(default_only=False):
    """[(tag, name, nominal param or None)] for ACTIVATION_TABLE."""
    out = []
    for act in SPEC.ACTIVATION_TABLE:
        if act.params:
            vals = [act.params[0].default] + ([] if default_only else [ALT_PARAM[act.name]])
            out += [(tag_of(act.name, p), act.name, p) for p in vals]
        else:
            out.append((act.name, act.name, None))
    return out


# ---------------------------------------------------------------------------
# Exact conversions between numpy values and mpf
# ---------------------------------------------------------------------------

def ld_to_mpf(v):
    v = np.longdouble(v)
    if np.isnan(v):
        return mpmath.nan
    if np.isinf(v):
        return mpmath.inf if v > 0 else -mpmath.inf
    if v == 0:
        return mpf(0)
    m, e = np.frexp(v)                       # |m| in [0.5, 1)
    M = np.ldexp(m, 64)                      # integer valued, |M| < 2**64
    hi = np.floor(np.abs(M) / np.longdouble(2.0 ** 32))
    lo = np.abs(M) - hi * np.longdouble(2.0 ** 32)
    n = (int(float(hi)) << 32) + int(float(lo))
    return mpmath.mp.make_mpf(mpmath.libmp.from_man_exp(-n if M < 0 else n, int(e) - 64))


def mpf_to_ld(r):
    """An mpf that is exactly representable in long double -> np.longdouble."""
    if mpmath.isnan(r):
        return np.longdouble("nan")
    if mpmath.isinf(r):
        return np.longdouble("inf") if r > 0 else np.longdouble("-inf")
    if not r:
        return np.longdouble(0)
    sign, man, exp, bc = r._mpf_
    # normalise to a 64-bit integer mantissa (exact: r is representable)
    if bc > 64:
        assert man & ((1 << (bc - 64)) - 1) == 0
        man, exp = man >> (bc - 64), exp + (bc - 64)
    v = np.longdouble(man >> 32) * np.longdouble(2.0 ** 32) + np.longdouble(man & 0xFFFFFFFF)
    v = np.ldexp(v, exp)
    return -v if sign else v


def to_mpf(v, fmt):
    if fmt == "longdouble":
        return ld_to_mpf(v)
    return mpf(float(v))


def ld_str(v):
    s = np.format_float_scientific(np.longdouble(v), unique=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # strtold's ERANGE near the limits
        back = np.longdouble(s)
    assert (np.isnan(back) and np.isnan(v)) or (back == v and np.signbit(back) == np.signbit(v)), s
    return s


# ---------------------------------------------------------------------------
# Point sets
# ---------------------------------------------------------------------------

SIZES = {  # counts for the generic set: float32/float64 vs long double
    "full": dict(lin8=801, lin40=321, lin120=241, lin800=161, lin12k=0, small=400, large=300,
                 subn=24, unif=300, unif1=200, bits=400, pow2=8, kink_ulps=6, kink_rel=3),
    "small": dict(lin8=81, lin40=41, lin120=21, lin800=21, lin12k=21, small=60, large=50,
                  subn=6, unif=40, unif1=30, bits=60, pow2=512, kink_ulps=3, kink_rel=8),
}


def _both(a):
    return np.concatenate([a, -a])


def _finite(a):
    return a[np.isfinite(a)]


def random_bits(dt, n, rng):
    if dt == np.longdouble:
        # random sign, 64-bit mantissa with the top bit set, exponent over the whole range
        fi = np.finfo(np.longdouble)
        out = []
        for _ in range(n):
            man = int(rng.integers(1 << 62, 1 << 63)) * 2 + int(rng.integers(0, 2))
            e = int(rng.integers(fi.minexp - 63, fi.maxexp)) - 63
            r = R.round_to_format(mpmath.ldexp(mpf(man), e), "longdouble")
            if mpmath.isinf(r) or not r:
                continue
            v = mpf_to_ld(r)
            out.append(-v if rng.integers(0, 2) else v)
        return np.array(out, dtype=np.longdouble)
    it = {np.float16: np.uint16, np.float32: np.uint32, np.float64: np.uint64}[dt]
    b = rng.integers(0, np.iinfo(it).max, size=n, dtype=it, endpoint=True)
    return _finite(b.view(dt))


def neighbours(c, dt, k):
    """c and k successive neighbours on each side (nextafter)."""
    c = np.array(c, dtype=dt)
    out = [c]
    for d in (np.inf, -np.inf):
        v = c
        for _ in range(k):
            v = np.nextafter(v, np.array(d, dtype=dt))
            out.append(v)
    return out


def approach(c, dt, step):
    """Points c * (1 +- 2^-j) (or +- 2^-j for c == 0) for j = 1, 1+step, ... < p."""
    c = np.array(c, dtype=dt)
    p = np.finfo(dt).nmant + 1
    out = []
    for j in range(1, p, step):
        d = np.ldexp(np.abs(c) if c != 0 else np.array(1, dt), -j).astype(dt)
        out += [c + d, c - d]
    return out


def ulp_walk(c, dt, max_pow):
    """c +- 2^j ULPs for j = 0..max_pow (dense approach to an interior root)."""
    c = np.array(c, dtype=dt)
    u = np.spacing(np.abs(c)).astype(dt)
    out = []
    for j in range(0, max_pow + 1):
        d = (u * np.array(2.0 ** j, dtype=dt)).astype(dt)
        out += [c + d, c - d]
    for k in (3, 5, 7):
        out += [c + k * u, c - k * u]
    return out


#: float64 inputs where a kernel once broke its bar (found by python
#: benchmarks/peer_accuracy.py and a denser search next to the roots; the
#: measured error of the kernel then, and the cancellation factor kappa)
REGRESSION = {
    "silu": [-1.278198392761487,      # 4.05 ULP, kappa 7514
             -1.2787332502320181,     # 5.06 ULP, kappa 7444
             -1.278740874936359],     # 7.10 ULP, kappa 7238
    "binary_cross_entropy": [(-0.9917026258472137, 0.1488752814568738)],      # 4.49 ULP, kappa 3.45
    "swiglu": [(-1.2789213223350033, -0.5888398349015702)],                    # d/da 6.41 ULP, kappa 4379
}
REGRESSION["swish"] = REGRESSION["silu"]      # swish' at beta = 1 is silu' (the same kernel)


def root_band(c, dt, n, seed):
    """n points c (1 + d), |d| = 2^-k with k uniform in [2, p - 2], either
    sign: random distances to an interior root, where the cancellation factor
    kappa crosses the suite's limits (4, 4 * 2^11) at random rather than at
    ulp_walk's powers of two -- the kernels' error grows like kappa times a
    rounding of the terms, and four points per binade missed float64 silu',
    swish' and swiglu d/da at 4-10 ULP (python benchmarks/peer_accuracy.py).
    k stops at 24: closer points have kappa beyond every limit but float32's
    (4 * 2^29), which ulp_walk covers."""
    rng = np.random.default_rng(seed)
    p = np.finfo(dt).nmant + 1
    k = rng.uniform(2, min(p - 2, 24), n)
    sign = rng.choice([-1.0, 1.0], n)
    c = np.array(c, dtype=dt)
    return [(c + (c * np.exp2(-k).astype(dt)) * sign.astype(dt)).astype(dt)]


def generic_points(dt, size, seed):
    n = SIZES[size]
    fi = np.finfo(dt)
    rng = np.random.default_rng(seed)
    sub, tiny, big = fi.smallest_subnormal, fi.tiny, fi.max
    one = np.array(1, dtype=dt)
    parts = [np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=dt)]
    for lim, key in ((8, "lin8"), (40, "lin40"), (120, "lin120"), (800, "lin800"), (12000, "lin12k")):
        if n[key] and lim < big:
            parts.append(np.linspace(-np.array(lim, dt), np.array(lim, dt), n[key], dtype=dt))
    parts.append(_both(np.geomspace(np.array(sub, dt), one, n["small"], dtype=dt)))
    parts.append(_both(_finite(np.geomspace(one, np.array(big, dt), n["large"], dtype=dt))))
    sublist = [sub * k for k in range(1, 9)] + [tiny - sub, tiny, np.nextafter(tiny, big), tiny * 2]
    k = rng.integers(1, min(int(tiny / sub), 2 ** 62), size=n["subn"])
    sublist += list((sub * k.astype(dt)).astype(dt))
    parts.append(_both(np.array(sublist, dtype=dt)))
    parts.append(_both(np.array([big, np.nextafter(big, 0), big / 2, big / 4, np.sqrt(big),
                                 np.sqrt(np.sqrt(big))], dtype=dt)))
    parts.append(rng.uniform(-20, 20, n["unif"]).astype(dt))
    parts.append(rng.uniform(-1, 1, n["unif1"]).astype(dt))
    parts.append(random_bits(dt, n["bits"], rng))
    emin, emax = int(np.log2(fi.tiny)) - fi.nmant, int(np.log2(big))
    parts.append(_both(np.ldexp(one, np.arange(emin, emax + 1, n["pow2"])).astype(dt)))
    parts.append(_both(np.array([0.5, 1, 1.5, 2, 3, 4, 5, 6, 10, 20, 30, 50, 100], dtype=dt)))
    return parts


def unique_sorted(parts, dt):
    a = np.concatenate([np.asarray(p, dtype=dt).ravel() for p in parts])
    nan = np.isnan(a)
    a = a[~nan]
    # unique by (value, signbit) so that -0.0 and 0.0 both stay
    order = np.lexsort((~np.signbit(a), a))
    a = a[order]
    sb = np.signbit(a)
    keep = np.ones(len(a), bool)
    keep[1:] = (a[1:] != a[:-1]) | (sb[1:] != sb[:-1])
    a = a[keep]
    if nan.any():
        a = np.concatenate([a, np.array([np.nan], dtype=dt)])
    return a


def kinks_of(name, p):
    """Exact non-differentiable / special points (the spec's kink_points, with
    "p" / "-p" the parameter value p in the dtype)."""
    return [{"p": p, "-p": -p}[k] if isinstance(k, str) else k for k in ACT[name].kink_points]


_ROOTS = {}


def grad_roots(name, param):
    """Interior roots of the derivative (mpf), cached."""
    key = (name, param)
    if key not in _ROOTS:
        guess = ACT[name].grad_root
        if guess is None:
            _ROOTS[key] = []
        else:
            g = R.functions(name)[1]
            extra = () if param is None else (mpf(param),)
            x0 = eval(guess, {"p": param})          # an expression in p (spec)
            with mpmath.workprec(300):
                r = mpmath.findroot(lambda x: g(x, *extra), mpf(x0))
            _ROOTS[key] = [r]
    return _ROOTS[key]


def mpf_to_dtype(r, fmt):
    rr = R.round_to_format(r, fmt)
    return mpf_to_ld(rr) if fmt == "longdouble" else NP_DTYPE[fmt](float(rr))


def unary_points(fmt, name, pval, size, seed):
    dt = NP_DTYPE[fmt]
    n = SIZES[size]
    parts = generic_points(dt, size, seed)
    for c in kinks_of(name, pval):
        parts.append(neighbours(c, dt, n["kink_ulps"]))
        parts.append(approach(c, dt, n["kink_rel"]))
    if name == "logit":
        one = np.array(1, dt)
        eps = np.finfo(dt).eps
        parts.append(np.linspace(0, one, 401 if size == "full" else 51, dtype=dt))
        parts.append(one - np.geomspace(np.array(eps / 2, dt), np.array(0.5, dt), 200 if size == "full" else 30, dtype=dt))
        parts.append(np.array(0.5, dt) + _both(np.geomspace(np.array(eps / 4, dt), np.array(0.25, dt), 100 if size == "full" else 20, dtype=dt)))
    for r in grad_roots(name, None if pval is None else float(pval)):
        parts.append(ulp_walk(mpf_to_dtype(r, fmt), dt, np.finfo(dt).nmant + 1 if size == "full" else 20))
        parts += root_band(mpf_to_dtype(r, fmt), dt, 256 if size == "full" else 48, seed + 7919)
    if fmt == "float64" and pval in (None, 1.0):
        parts.append(np.array(REGRESSION.get(name, []), dtype=dt))
    return unique_sorted(parts, dt)


# ----- binary sets ----------------------------------------------------------

def secondary_values(dt):
    fi = np.finfo(dt)
    v = [0.0, 1, 0.5, 2.5, 1e-3, 1e3, 0.3, 7, fi.smallest_subnormal, fi.tiny, fi.max / 8, fi.max,
         np.inf, 1e-30 if fi.tiny < 1e-30 else fi.tiny * 4]
    a = np.array(v, dtype=dt)
    return np.concatenate([a, -a, np.array([np.nan], dtype=dt)])


def main_values(dt, size, rng, root=None):
    fi = np.finfo(dt)
    one = np.array(1, dt)
    full = size == "full"
    parts = [np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=dt),
             np.linspace(-np.array(10, dt), np.array(10, dt), 41 if full else 13, dtype=dt),
             _both(np.geomspace(np.array(fi.smallest_subnormal, dt), one, 15 if full else 6, dtype=dt)),
             _both(_finite(np.geomspace(one, np.array(fi.max, dt), 15 if full else 6, dtype=dt))),
             _both(np.array([30, 100, 700, 800, 1e4] if full else [30, 800], dtype=dt)),
             rng.uniform(-6, 6, 12 if full else 3).astype(dt)]
    if root is not None:
        parts.append(ulp_walk(mpf_to_dtype(root, fmt_of(dt)), dt, 12 if full else 4))
    return unique_sorted(parts, dt)


def fmt_of(dt):
    return {np.float16: "float16", np.float32: "float32", np.float64: "float64",
            np.longdouble: "longdouble"}[dt]


def _bad_pair(u, v, name):
    """Pairs left out of the binary sets.  An infinite input is paired only
    with a moderate partner (+-0.3, +-0.5, +-1, +-2.5, +-7 or NaN): with
    (+-inf, +-inf), (+-inf, 0) there is no limit, and with a huge or tiny
    partner, or one next to a root of silu' / gelu', the limit (e.g.
    glu(inf, -1e300) = +inf, since sigmoid(-1e300) > 0) hinges on a factor
    that underflows or is lost to rounding, where IEEE arithmetic gives
    inf * 0 = NaN.  The logit x of binary_cross_entropy is exempt: its target
    t in [0, 1] only weights the terms."""
    with np.errstate(all="ignore"):
        nice = np.array([0.3, 0.5, 1, 2.5, 7], dtype=u.dtype)

        def moderate(w):
            return np.isnan(w) | np.isin(np.abs(w), nice)
        iu, iv = np.isinf(u), np.isinf(v)
        if name == "binary_cross_entropy":
            return iv | (iu & ~((v >= 0) & (v <= 1) | np.isnan(v)))
        return (iu & ~moderate(v)) | (iv & ~moderate(u))


def binary_points(fmt, name, size, seed):
    dt = NP_DTYPE[fmt]
    rng = np.random.default_rng(seed)
    full = size == "full"
    if name == "binary_cross_entropy":
        xs = unique_sorted(generic_points(dt, "small", seed) + [main_values(dt, size, rng)], dt)
        xs = xs[np.unique(np.linspace(0, len(xs) - 1, 560 if full else 70).round().astype(int))]
        if not np.isnan(xs[-1]):
            xs = np.concatenate([xs, np.array([np.nan], dtype=dt)])
        ts = np.array([0, 1, 0.3, 0.5, 0.999, 1e-3] + list(rng.uniform(0, 1, 4 if full else 1)),
                      dtype=dt)
        X, T = np.meshgrid(xs, ts, indexing="ij")
        X, T = [X.ravel()], [T.ravel()]
        for t in ts:
            if 0 < t < 1:  # around the root sigmoid(x) = t
                r = R.evaluate(R.logit, (to_mpf(t, fmt),))
                xr = np.array(ulp_walk(mpf_to_dtype(r, fmt), dt, 20 if full else 4), dtype=dt)
                X.append(xr)
                T.append(np.full(len(xr), t, dtype=dt))
        # random x and t = sigmoid(x) (1 +- 2^-k): the terms cancel by a
        # random factor, relative bar (kappa <= 4) and beyond (float64 bce'
        # measured 4.49 ULP at kappa 3.45 before its double-double kernel)
        nb = 240 if full else 48
        xb = rng.uniform(-8, 8, nb)
        tb = (1 / (1 + np.exp(-xb))) * (1 + rng.choice([-1.0, 1.0], nb) * np.exp2(-rng.uniform(-1.5, np.finfo(dt).nmant - 1, nb)))
        okb = (tb >= 0) & (tb <= 1)
        X.append(xb[okb].astype(dt))
        T.append(tb[okb].astype(dt))
        if fmt == "float64":
            X.append(np.array([v[0] for v in REGRESSION[name]], dtype=dt))
            T.append(np.array([v[1] for v in REGRESSION[name]], dtype=dt))
        X.append(np.array([1.0, -1.0, 0.0], dtype=dt))
        T.append(np.array([np.nan, np.nan, np.nan], dtype=dt))
        a, b = np.concatenate(X), np.concatenate(T)
    else:
        root = None
        if name == "swiglu":
            root = grad_roots("silu", None)[0]
        elif name == "geglu":
            root = grad_roots("gelu", None)[0]
        main = main_values(dt, size, rng, root)
        sec = secondary_values(dt) if full else secondary_values(dt)[::2]
        if name == "glu":
            A, B = np.meshgrid(sec, main, indexing="ij")
        else:
            A, B = np.meshgrid(main, sec, indexing="ij")
        nr = 400 if full else 40
        a = np.concatenate([A.ravel(), rng.uniform(-30, 30, nr).astype(dt)])
        b = np.concatenate([B.ravel(), rng.uniform(-30, 30, nr).astype(dt)])
        if root is not None:
            # d/da next to its root, at random distances, times random b
            band = root_band(mpf_to_dtype(root, fmt_of(dt)), dt, 256 if full else 48, seed + 7919)[0]
            a = np.concatenate([a, band])
            b = np.concatenate([b, rng.uniform(-3, 3, band.size).astype(dt)])
        if fmt_of(dt) == "float64" and name in REGRESSION:
            a = np.concatenate([a, np.array([v[0] for v in REGRESSION[name]], dtype=dt)])
            b = np.concatenate([b, np.array([v[1] for v in REGRESSION[name]], dtype=dt)])
    keep = ~_bad_pair(a, b, name)
    return a[keep], b[keep]


def float16_binary_grid(name, seed):
    rng = np.random.default_rng(seed)
    allv = np.arange(65536, dtype=np.uint16).view(np.float16)
    fin = allv[np.isfinite(allv)]
    main = unique_sorted([fin[rng.choice(len(fin), 200, replace=False)],
                          np.array([0, -0.0, np.inf, -np.inf, np.nan, 1, -1, 65504, -65504,
                                    6e-8, -6e-8], dtype=np.float16),
                          np.linspace(-8, 8, 41).astype(np.float16)], np.float16)
    if name == "binary_cross_entropy":
        sec = np.array([0, 1, 0.3, 0.5, 0.999, 1e-3, 0.1, 0.9, 0.25, 0.75], dtype=np.float16)
        X, T = np.meshgrid(main, sec, indexing="ij")
        a, b = X.ravel(), T.ravel()
    else:
        sec = unique_sorted([secondary_values(np.float16),
                             fin[rng.choice(len(fin), 24, replace=False)]], np.float16)
        if name == "glu":
            A, B = np.meshgrid(sec, main, indexing="ij")
        else:
            A, B = np.meshgrid(main, sec, indexing="ij")
        a, b = A.ravel(), B.ravel()
    keep = ~_bad_pair(a, b, name)
    return a[keep], b[keep]


# ---------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------

def _proxy(v, fmt):
    """Inputs +-inf are evaluated at +-2^(emax+1000): every function has
    reached its limit there to far below the format's resolution."""
    if mpmath.isinf(v):
        e = R.FORMATS[fmt][2] + 1000
        return mpmath.ldexp(mpf(1 if v > 0 else -1), e)
    return v


def _flag(E, args, fmt):
    if any(mpmath.isnan(a) for a in args):
        return 0
    if mpmath.isnan(E):
        return FLAG_INVALID
    anyinf = any(mpmath.isinf(a) for a in args)
    if mpmath.isinf(E):
        return 0 if anyinf else FLAG_DIVIDE
    if anyinf:
        return 0
    p, emin, emax = R.FORMATS[fmt]
    top = mpmath.ldexp(mpf(1), emax - p + 1)
    thr = mpmath.ldexp(mpf(1), emax + 1) - top / 2
    if abs(abs(E) - thr) <= 4 * top:
        return FLAG_EITHER
    return FLAG_OVERFLOW if abs(E) > thr else 0


def _encode_hi_lo(E, fmt_hi):
    """(rounded value as mpf/inf/nan, tail in ULPs of the rounded value's binade)."""
    if mpmath.isnan(E):
        return E, 0.0
    if mpmath.isinf(E):
        return E, 0.0
    hi = R.round_to_format(E, fmt_hi)
    u = R.ulp_of(hi, fmt_hi)
    if mpmath.isinf(hi):
        p, emin, emax = R.FORMATS[fmt_hi]
        virt = mpmath.ldexp(mpf(1), emax + 1)
        lo = (abs(E) - virt) / u
        lo = lo if hi > 0 else -lo
    else:
        lo = (E - hi) / u
    return hi, float(lo)


def _f16_bits(E):
    r = R.round_to_format(E, "float16")
    if mpmath.isnan(r):
        return 0x7E00
    if mpmath.isinf(r):
        return 0x7C00 if r > 0 else 0xFC00
    return int(np.float16(float(r)).view(np.uint16))


def _near_tie(E, fmt, exact_too=False, bits=90):
    """True if E is within 2^-bits (relative) of a rounding midpoint of fmt but
    not on it (with ``exact_too``: or exactly on it)."""
    if mpmath.isnan(E) or mpmath.isinf(E) or not E:
        return False
    p, emin, emax = R.FORMATS[fmt]
    sign, man, exp, bc = E._mpf_
    e = exp + bc - 1
    q = max(e, emin) - p          # half-quantum
    m = mpmath.ldexp(mpf(1), q)
    k = mpmath.floor(abs(E) / m)
    # midpoints are odd multiples of the half quantum
    if int(k) % 2 == 1:
        mid = k * m
    else:
        mid = (k + 1) * m
    d = abs(abs(E) - mid)
    return (exact_too or d != 0) and d < abs(E) * mpmath.ldexp(mpf(1), -bits)


def work(task):
    """task = (key, fn_index, fmt, list of argument tuples (mpf), scale_fn or None, kind)."""
    key, fname, out_idx, fmt, argl, want_scale = task
    fn = R.functions(fname)[out_idx]
    dep = R.DEPENDS.get((fname, out_idx))
    sfn = R.TERM_SCALE.get((fname, out_idx)) if want_scale else None
    res = []
    for args in argl:
        pargs = tuple(_proxy(a, fmt) for a in args)
        E = R.evaluate(fn, pargs, depends=dep)
        if fmt == "float16" and _near_tie(E, "float16", exact_too=True):
            # on or next to a rounding midpoint: decide with 1200 bits (a value
            # that is still exactly a midpoint then is a true tie, e.g. rational)
            with mpmath.workprec(1400):
                E = R.evaluate(fn, pargs, target=1200, depends=dep)
                near = _near_tie(E, "float16", bits=1150)
            if near:
                print(f"WARNING: {fname}[{out_idx}]{args}: within 2^-1200 of a float16 midpoint",
                      file=sys.stderr)
        flag = _flag(E, args, fmt)
        if fmt == "float16":
            res.append((_f16_bits(E), flag))
            continue
        fmt_hi = "longdouble" if fmt == "longdouble" else "float64"
        hi, lo = _encode_hi_lo(E, fmt_hi)
        if fmt == "longdouble":
            hi = ld_str(mpf_to_ld(hi) if not mpmath.isnan(hi) else np.longdouble("nan"))
        else:
            hi = float(hi)
        sc = (np.nan, np.nan)            # log2 S (see reference.TERM_SCALE), log2(S / |E|)
        if sfn is not None and not any(mpmath.isnan(a) for a in args) and not mpmath.isnan(E):
            with mpmath.workprec(80):
                S = sfn(*pargs)
                ls = float(mpmath.log(S, 2)) if S > 0 else -np.inf
                if mpmath.isinf(E) or mpmath.isinf(S):
                    lk = np.nan
                elif E == 0:
                    lk = np.inf
                else:
                    lk = float(mpmath.log(S / abs(E), 2))
                sc = (ls, lk)
        res.append((hi, lo, flag, sc))
    return key, res


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def build_jobs(fmt, fixed_x=None):
    """-> (arrays to store, list of (store_key, fname, out_idx, args list, want_scale, n)).

    fixed_x: tag -> the committed x of that unary entry, used instead of the
    regenerated points (--functions: the points of a committed file are kept
    even where a newer NumPy would draw a last digit differently)."""
    store = {}
    jobs = []
    size = "small" if fmt == "longdouble" else "full"
    dt = NP_DTYPE[fmt]
    seed = {"float16": 16, "float32": 32, "float64": 64, "longdouble": 80}[fmt]
    conv = (lambda v: ld_to_mpf(v)) if fmt == "longdouble" else (lambda v: mpf(float(v)))
    xstore = (lambda a: np.array([ld_str(v) for v in a])) if fmt == "longdouble" else (lambda a: a)

    if fmt == "float16":
        xs = np.arange(65536, dtype=np.uint16).view(np.float16)
        xm = [mpf(float(v)) for v in xs]
        for tag, name, p in unary_tags(default_only=True):
            extra = () if p is None else (mpf(float(np.float16(p))),)
            if p is not None:
                store[f"{tag}/param"] = np.array(p)
            args = [(x,) + extra for x in xm]
            for oi in (0, 1):
                jobs.append((f"{tag}/{oi}", name, oi, args, False))
        for b in SPEC.BINARY_TABLE:
            a_, b_ = float16_binary_grid(b.name, seed + len(b.name))
            store[f"{b.name}/{b.inputs[0]}"], store[f"{b.name}/{b.inputs[1]}"] = a_, b_
            args = [(mpf(float(u)), mpf(float(v))) for u, v in zip(a_, b_)]
            for oi in range(3 if b.kind == "gate" else 2):
                jobs.append((f"{b.name}/{oi}", b.name, oi, args, False))
        return store, jobs

    for i, (tag, name, p) in enumerate(unary_tags()):
        pv = None if p is None else dt(p)
        if fixed_x and tag in fixed_x:
            xs = np.asarray(fixed_x[tag]).astype(dt)      # long double: exact strtold parse
        else:
            xs = unary_points(fmt, name, pv, size, seed + i)
        store[f"{tag}/x"] = xstore(xs)
        extra = () if p is None else (conv(pv),)
        if p is not None:
            store[f"{tag}/param"] = np.array(p)
        args = [(conv(x),) + extra for x in xs]
        for oi in (0, 1):
            jobs.append((f"{tag}/{oi}", name, oi, args, (name, oi) in R.TERM_SCALE))
    for b in SPEC.BINARY_TABLE:
        a_, b_ = binary_points(fmt, b.name, size, seed + 1000 + len(b.name))
        store[f"{b.name}/{b.inputs[0]}"], store[f"{b.name}/{b.inputs[1]}"] = xstore(a_), xstore(b_)
        args = [(conv(u), conv(v)) for u, v in zip(a_, b_)]
        for oi in range(3 if b.kind == "gate" else 2):
            jobs.append((f"{b.name}/{oi}", b.name, oi, args, (b.name, oi) in R.TERM_SCALE))
    return store, jobs


CHUNK = 400


def run_format(fmt, pool, functions=None):
    t0 = time.time()
    if functions:
        # recompute only these functions' entries, at the committed points,
        # and keep every other entry of the committed file
        # (a function new to the spec gets fresh points)
        keep = set(functions)

        def base(key):                  # "celu@0.7/x" -> "celu"
            return key.split("/")[0].split("@")[0]

        old = dict(np.load(os.path.join(DATA, f"ref_{fmt}.npz")))
        fixed = {k[:-2]: v for k, v in old.items() if k.endswith("/x") and base(k) in keep}
        new_store, jobs = build_jobs(fmt, fixed)
        jobs = [j for j in jobs if base(j[0]) in keep]
        store = {k: v for k, v in old.items() if base(k) not in keep or k.endswith(("/x", "/param"))}
        store.update({k: v for k, v in new_store.items() if base(k) in keep and k not in store})
    else:
        store, jobs = build_jobs(fmt)
    tasks = []
    sizes = {}
    for key, fname, oi, args, want_scale in jobs:
        sizes[key] = len(args)
        for s in range(0, len(args), CHUNK):
            tasks.append(((key, s), fname, oi, fmt, args[s:s + CHUNK], want_scale))
    npts = sum(sizes.values())
    print(f"[{fmt}] {len(jobs)} outputs, {npts} evaluations, {len(tasks)} tasks", flush=True)
    results = {}
    done = 0
    for (key, s), res in pool.imap_unordered(work, tasks, chunksize=1):
        results.setdefault(key, {})[s] = res
        done += 1
        if done % 200 == 0:
            print(f"[{fmt}]   {done}/{len(tasks)} tasks, {time.time() - t0:.0f} s", flush=True)
    for key, parts in results.items():
        rows = [r for s in sorted(parts) for r in parts[s]]
        assert len(rows) == sizes[key]
        if fmt == "float16":
            store[f"{key}/bits"] = np.array([r[0] for r in rows], dtype=np.uint16)
            store[f"{key}/flags"] = np.array([r[1] for r in rows], dtype=np.uint8)
            continue
        if fmt == "longdouble":
            store[f"{key}/hi"] = np.array([r[0] for r in rows])
        else:
            store[f"{key}/hi"] = np.array([r[0] for r in rows], dtype=np.float64)
        if fmt != "float32":
            lo = np.array([r[1] for r in rows], dtype=np.float64)
            store[f"{key}/lo"] = np.clip(lo, -3e38, 3e38).astype(np.float32)
        store[f"{key}/flags"] = np.array([r[2] for r in rows], dtype=np.uint8)
        sc = np.array([r[3] for r in rows], dtype=np.float64)
        if not np.all(np.isnan(sc)):
            store[f"{key}/log2scale"] = sc[:, 0]
            store[f"{key}/log2kappa"] = sc[:, 1]
    meta = dict(format=fmt, generator="tools/generate_reference.py", mpmath=mpmath.__version__,
                numpy=np.__version__, target_bits=100, seconds=round(time.time() - t0, 1),
                alt_param=ALT_PARAM,
                flags=dict(invalid=FLAG_INVALID, divide=FLAG_DIVIDE, overflow=FLAG_OVERFLOW,
                           either=FLAG_EITHER))
    store["_meta"] = np.array(json.dumps(meta))
    path = os.path.join(DATA, f"ref_{fmt}.npz")
    np.savez_compressed(path, **store)
    print(f"[{fmt}] wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB) in {time.time() - t0:.0f} s",
          flush=True)


def check_longdouble_platform():
    fi = np.finfo(np.longdouble)
    if fi.nmant != 63 or fi.maxexp != 16384:
        raise SystemExit("long double data needs the x86 80-bit format")
    # exact parse of decimal strings (strtold)
    rng = np.random.default_rng(1)
    for _ in range(2000):
        v = random_bits(np.longdouble, 1, rng)
        if len(v):
            s = ld_str(v[0])
            assert ld_to_mpf(np.longdouble(s)) == ld_to_mpf(v[0])
            assert mpf_to_ld(ld_to_mpf(v[0])) == v[0]


def main():
    warnings.simplefilter("ignore", RuntimeWarning)   # numpy overflow warnings while building grids
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=["float64", "float32", "longdouble", "float16"])
    ap.add_argument("--functions", nargs="*", default=None,
                    help="recompute only these functions (spec names) and merge them into the "
                         "committed files, e.g. after a kink convention changes")
    args = ap.parse_args()
    os.makedirs(DATA, exist_ok=True)
    t0 = time.time()
    if "longdouble" in args.only:
        check_longdouble_platform()
    with multiprocessing.Pool(args.jobs) as pool:
        for fmt in args.only:
            run_format(fmt, pool, args.functions)
    print(f"total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
