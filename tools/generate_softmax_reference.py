#!/usr/bin/env python3
"""Generate tests/data/softmax_<dtype>.npz: mpmath references for the softmax family.

    python tools/generate_softmax_reference.py            # all four dtypes
    python tools/generate_softmax_reference.py float32    # one

For each of float16, float32, float64 and longdouble a set of rows is drawn
(values representable in that dtype, stored as float64 -- every row of every
dtype is exactly a float64 row) and every gufunc of the family is evaluated
on it by tests/reference_softmax.py (the definitions at high precision).

File layout (np.load(..., allow_pickle=False)):

    names      (R,) str       what each row is
    offsets    (R+1,) int64   row r is x[offsets[r]:offsets[r+1]]
    x, g       (N,) float64   inputs (g: the cotangent of the vjp gufuncs)
    label      (R,) int64     class label of the row, 0 <= label < n
    <f>_hi, <f>_lo, <f>_e2    reference = ldexp(hi + lo, e2)

Each reference is a double-double (hi, lo), with an exponent e2 (int32,
normally 0) for values outside the float64 range -- long double results
such as exp(-11000) -- or in its subnormal range.  For float16/float32 the
lo part is dropped (hi alone has 53 bits, ample to measure errors of a
24-bit result) and <f>_lo is absent; <f>_e2 is absent when all zero.

    map functions   softmax, log_softmax, softmax_vjp, log_softmax_vjp,
                    cross_entropy_grad: one value per x entry (layout of x)
    row functions   logsumexp, cross_entropy: one value per row
    softmax_jacobian  rows with n <= 17 only: jac_rows (indices of those
                    rows), jac_offsets, values row-major n*n per row
    scales          logsumexp_scale, softmax_vjp_scale, log_softmax_vjp_scale
                    (hi, e2): the size of the terms that can cancel, used by
                    the tests as the ULP unit where the exact value can be
                    near an interior root

The random draws use a fixed seed, so the output is reproducible.
"""
from __future__ import annotations

import math
import os
import sys

import mpmath
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import reference_softmax as ref  # noqa: E402

DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64,
          "longdouble": np.longdouble}
JACOBIAN_MAX_N = 17
MAP_FUNCS = ("softmax", "log_softmax", "softmax_vjp", "log_softmax_vjp", "cross_entropy_grad")
ROW_FUNCS = ("logsumexp", "cross_entropy")
INF = math.inf

# per dtype: (a huge scale, a subnormal-ish scale, the cut-off row: exp of
# these differences straddles the smallest subnormal of the dtype)
PARAMS = {
    "float16": (1.0e4, 6.0e-5, [0.0, -10.0, -15.0, -16.0, -16.5, -17.0, -17.5, -18.0, -20.0]),
    "float32": (1.0e37, 1.0e-42, [0.0, -87.0, -90.0, -100.0, -103.0, -103.5, -104.0, -105.0, -110.0]),
    "float64": (1.0e300, 1.0e-320, [0.0, -700.0, -708.5, -720.0, -740.0, -744.0, -745.0, -746.0, -800.0]),
    "longdouble": (1.0e300, 1.0e-320,
                   [0.0, -11000.0, -11350.0, -11390.0, -11398.0, -11399.0, -11400.0, -11410.0, -12000.0]),
}


def _rows(name: str):
    """(description, x, g, label) for the dtype `name`; values exact in it."""
    dt = DTYPES[name]
    huge, tiny, cutoff = PARAMS[name]
    rng = np.random.default_rng(20240611 + list(DTYPES).index(name))

    def cast(a):
        a = np.asarray(a, dtype=np.float64)
        with np.errstate(over="ignore", under="ignore"):
            return [float(v) for v in a.astype(dt).astype(np.float64)]

    def normal(n, s=1.0):
        return cast(rng.standard_normal(n) * s)

    rows = []

    def add(desc, x, g=None, label="random"):
        x = cast(x)
        n = len(x)
        g = normal(n) if g is None else cast(g)
        finite = [v for v in x if math.isfinite(v)]
        if label == "random":
            lab = int(rng.integers(n))
        elif label == "argmax":
            lab = int(np.argmax(x))
        elif label == "argmin":
            lab = int(np.argmin(x))
        else:
            lab = int(label)
        assert finite and 0 <= lab < n
        rows.append((desc, x, g, lab))

    add("[1000, 1001]", [1000.0, 1001.0], label=0)
    add("[-1000, -1001]", [-1000.0, -1001.0], label=1)
    add("[1000, 1001] argmax", [1000.0, 1001.0], label=1)
    for n in (1, 2, 3, 17, 1000):
        add(f"N(0,1) n={n}", normal(n))
    for n in (2, 3, 17):
        add(f"N(0,100^2) n={n}", normal(n, 100.0), label="argmax")
        add(f"N(0,100^2) n={n} label=argmin", normal(n, 100.0), label="argmin")
    add("N(0,1) n=17 label=argmax", normal(17), label="argmax")
    add(f"huge N(0,{huge:g}^2) n=17", normal(17, huge))
    add(f"huge N(0,{huge:g}^2) n=3 label=argmin", normal(3, huge), label="argmin")
    add(f"spread [h, -h, 0, h/2], h={huge:g}", [huge, -huge, 0.0, huge / 2], label=2)
    add(f"subnormal-scale N(0,{tiny:g}^2) n=17", normal(17, tiny))
    add(f"subnormal-scale [t, -t, 0], t={tiny:g}", [tiny, -tiny, 0.0], label=1)
    add("cut-off spread", cutoff, label="argmin")
    add("cut-off spread, label at max", cutoff, label=0)
    add("cut-off spread reversed", cutoff[::-1], label=3)
    xm = normal(17)
    for i in (2, 9, 16):
        xm[i] = -INF
    add("N(0,1) n=17 with 3 -inf", xm, label=9)
    add("N(0,1) n=17 with 3 -inf, random label", xm, label=4)
    add("[-inf, 0]", [-INF, 0.0], label=0)
    add("[-inf, -inf, 3.5]", [-INF, -INF, 3.5], label=2)
    add("ties [3, 3, 3]", [3.0, 3.0, 3.0], label=1)
    add("ties [5, 5, -1, 5]", [5.0, 5.0, -1.0, 5.0], label=3)
    add("one dominant [0, -40, -50]", [0.0, -40.0, -50.0], label=0)
    # logsumexp near 0 (max < 0: m + log(sum) cancels), e.g. 3 x -log 3
    add("3 x -log(3)", [-math.log(3.0)] * 3, label=0)
    add("negative n=3", cast(-np.abs(rng.standard_normal(3)) - 0.7), label="argmax")
    add("negative n=17", cast(-np.abs(rng.standard_normal(17)) - 2.8))
    # vjp / log_softmax_vjp with exactly-zero and cancelling results
    add("N(0,1) n=17, g constant", normal(17), g=[1.5] * 17)
    add("N(0,1) n=17, g one-hot", normal(17), g=[0.0] * 5 + [1.0] + [0.0] * 11)
    add("N(0,1) n=17, g = huge scale", normal(17), g=normal(17, huge))
    return rows


def _encode(vals, keep_lo):
    hi = np.empty(len(vals))
    lo = np.zeros(len(vals))
    e2 = np.zeros(len(vals), dtype=np.int32)
    for k, v in enumerate(vals):
        if mpmath.isnan(v) or mpmath.isinf(v) or v == 0:
            hi[k] = float(v)
            continue
        e = mpmath.frexp(v)[1]
        if e < -16600:                # below every format's subnormals: a signed 0
            hi[k] = math.copysign(0.0, float(v))
            continue
        assert e < 16400, v
        if not -960 < e < 1000:       # outside float64's normal range: scale
            e2[k] = e
            v = mpmath.ldexp(v, -e)
        h = float(v)
        hi[k] = h
        lo[k] = float(v - h)
    out = {"hi": hi}
    if keep_lo:
        out["lo"] = lo
    if np.any(e2):
        out["e2"] = e2
    return out


def generate(name: str) -> dict:
    rows = _rows(name)
    keep_lo = name in ("float64", "longdouble")
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    for r, (_, x, _, _) in enumerate(rows):
        offsets[r + 1] = offsets[r] + len(x)
    vals = {f: [] for f in MAP_FUNCS + ROW_FUNCS}
    scales = {"logsumexp_scale": [], "softmax_vjp_scale": [], "log_softmax_vjp_scale": []}
    jac, jac_rows, jac_offsets = [], [], [0]
    for r, (desc, x, g, lab) in enumerate(rows):
        c = ref.checked
        vals["softmax"] += c(ref.softmax, x, x)
        vals["log_softmax"] += c(ref.log_softmax, x, x)
        vals["softmax_vjp"] += c(ref.softmax_vjp, x, x, g, scale=ref.softmax_vjp_scale)
        vals["log_softmax_vjp"] += c(ref.log_softmax_vjp, x, x, g,
                                     scale=ref.log_softmax_vjp_scale)
        vals["cross_entropy_grad"] += c(ref.cross_entropy_grad, x, x, lab)
        vals["logsumexp"].append(c(ref.logsumexp, x, x, scale=ref.logsumexp_scale))
        vals["cross_entropy"].append(c(ref.cross_entropy, x, x, lab))
        scales["logsumexp_scale"].append(c(ref.logsumexp_scale, x, x))
        scales["softmax_vjp_scale"] += c(ref.softmax_vjp_scale, x, x, g)
        scales["log_softmax_vjp_scale"] += c(ref.log_softmax_vjp_scale, x, x, g)
        if len(x) <= JACOBIAN_MAX_N:
            J = c(ref.softmax_jacobian, x, x)
            jac += [v for row in J for v in row]
            jac_rows.append(r)
            jac_offsets.append(jac_offsets[-1] + len(x) ** 2)
    out = {
        "names": np.array([d for d, _, _, _ in rows]),
        "offsets": offsets,
        "x": np.array([v for _, x, _, _ in rows for v in x]),
        "g": np.array([v for _, _, g, _ in rows for v in g]),
        "label": np.array([lab for _, _, _, lab in rows], dtype=np.int64),
        "jac_rows": np.array(jac_rows, dtype=np.int64),
        "jac_offsets": np.array(jac_offsets, dtype=np.int64),
    }
    for f, v in vals.items():
        for k, a in _encode(v, keep_lo).items():
            out[f"{f}_{k}"] = a
    for k, a in _encode(jac, keep_lo).items():
        out[f"softmax_jacobian_{k}"] = a
    for f, v in scales.items():
        enc = _encode(v, False)
        for k, a in enc.items():
            out[f"{f}_{k}"] = a
    return out


def main(argv):
    names = argv or list(DTYPES)
    outdir = os.path.join(ROOT, "tests", "data")
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        data = generate(name)
        path = os.path.join(outdir, f"softmax_{name}.npz")
        np.savez_compressed(path, **data)
        print(f"{path}: {len(data['names'])} rows, {data['x'].size} entries, "
              f"{os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
