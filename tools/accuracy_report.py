"""Print the measured accuracy table of README.md: the largest error of every
elementwise output against the committed mpmath references, per dtype, on
the instruction-set path in use (or each path with --all-paths).

    python tools/accuracy_report.py [--all-paths | --path avx2]
    python tools/accuracy_report.py --readme    # rewrite README.md's table

--readme writes the table of the path in use between README.md's markers
ACCURACY TABLE (needs the built extension, so regenerate.py cannot run it).

float32/float64/longdouble: max |error| in ULPs of the exact value (points
next to an interior root of a derivative in ULPs of the sum of |terms|, as
tests/numerics/test_accuracy.py measures them).  float16: max distance, in float16
steps, from the correctly rounded result over all 65,536 inputs; bfloat16
likewise (tests/numerics/test_bfloat16.py, where ml_dtypes is installed).
"""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))              # the shared helpers
sys.path.insert(0, os.path.join(ROOT, "tests", "numerics"))  # test_accuracy

import pyactx  # noqa: E402
import test_accuracy as T  # noqa: E402
import _ulp as U  # noqa: E402

try:                                                          # ml_dtypes installed
    import test_bfloat16 as B  # noqa: E402
except BaseException:                                         # pytest.skip's exception too
    B = None


def f16_error(case):
    args = case.args()
    ref = case.data[case.key("bits")]
    with np.errstate(all="ignore"):
        c = case.call(args)
    bits = np.asarray(c, dtype=np.float16).view(np.uint16)
    ok = ~(U.f16_is_nan(ref) | U.f16_is_nan(bits))
    d = np.abs(U.f16_ordinal(bits[ok]).astype(np.int64) - U.f16_ordinal(ref[ok]).astype(np.int64))
    return int(d.max()) if d.size else 0


def table():
    rows = {}
    for case in T.ULP_CASES + T.F16_CASES:
        if case.param is not None and case.param != dict(
                (a.name, a.params[0].default) for a in T._spec.ACTIVATION_TABLE if a.params).get(case.name):
            continue
        if case.fmt == "longdouble" and not U.LONGDOUBLE_IS_X87:
            continue
        label = case.label.split("-", 1)[1].split("@")[0]
        if case.fmt == "float16":
            v = f16_error(case)
        else:
            v = float(np.nanmax(T.measured_errors(case)[3]))
        rows.setdefault(label, {})[case.fmt] = v
    if B is not None:
        for name, params in B.ELEMENTWISE + [(n, ()) for n in B.BINARY]:
            for label, got, exact, _ in B.results(name, params):
                if label in rows:
                    rows[label]["bfloat16"] = int(B.steps_from_correctly_rounded(got, exact).max())
    return rows


def render(path):
    pyactx.set_dispatch(path)
    rows = table()
    out = [f"max error, path {path} (float64/float32/longdouble: ULP; float16, bfloat16: "
           f"steps from the correctly rounded result)", "",
           "| output | float64 | float32 | longdouble | float16 | bfloat16 |",
           "|---|---|---|---|---|---|"]
    for label, r in rows.items():
        cells = [f"{r[f]:.2f}" if f in r else "–" for f in ("float64", "float32", "longdouble")]
        cells.append(str(r.get("float16", "–")))
        cells.append(str(r.get("bfloat16", "–")))
        out.append(f"| `{label}` | " + " | ".join(cells) + " |")
    worst = {f: max(r.get(f, 0) for r in rows.values()) for f in ("float64", "float32", "longdouble")}
    out += ["", f"worst over all outputs: float64 {worst['float64']:.2f}, float32 {worst['float32']:.2f}, "
                f"longdouble {worst['longdouble']:.2f} ULP; float16 "
                f"{max(r.get('float16', 0) for r in rows.values())} step(s), bfloat16 "
                f"{max(r.get('bfloat16', 0) for r in rows.values())} step(s) (all 65,536 inputs)"]
    return "\n".join(out)


BEGIN, END = "<!-- BEGIN ACCURACY TABLE -->", "<!-- END ACCURACY TABLE -->"


def write_readme(text):
    readme = os.path.join(ROOT, "README.md")
    with open(readme, encoding="utf-8") as f:
        old = f.read()
    head, rest = old.split(BEGIN + "\n", 1)
    _, tail = rest.split(END, 1)
    with open(readme, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + text + "\n" + END + tail)
    print("wrote the accuracy table of README.md")


def main(argv):
    if "--readme" in argv:
        write_readme(render(pyactx.get_dispatch()))
        return 0
    if "--path" in argv:
        paths = [argv[argv.index("--path") + 1]]
    elif "--all-paths" in argv:
        paths = pyactx.available_dispatch()
    else:
        paths = [pyactx.get_dispatch()]
    for path in paths:
        print(render(path) + ("\n" if len(paths) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
