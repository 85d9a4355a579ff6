"""Regenerate the function tables of README.md from pyactx/_spec.py.

    python tools/generate_readme.py           # rewrite the tables in place
    python tools/generate_readme.py --check   # exit 1 if README is stale

The tables sit between <!-- BEGIN FUNCTIONS --> and <!-- END FUNCTIONS -->;
tests/packaging/test_registry.py checks they match the spec.
"""
import os
import re
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derived import write_or_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")


def esc(s):
    return s.replace("|", "\\|")


def render():
    spec = runpy.run_path(os.path.join(ROOT, "pyactx", "_spec.py"))
    out = ["| function | f(x) | default | f'(x) (`<name>_grad`) | range | zero-centred | monotonic | "
           "C¹ | max \\|f'\\| | at kinks |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for a in spec["ACTIVATION_TABLE"]:
        name = a.name + "".join(f" (alias `{al}`)" for al in a.aliases)
        default = ", ".join(f"{p.name}={p.default}" for p in a.params) or "–"
        mag = "∞" if a.max_abs_grad == float("inf") else f"{a.max_abs_grad:.6g}"
        out.append(f"| `{name}` | {esc(a.formula)} | {default} | {esc(a.grad_formula)} | "
                   f"{esc(a.output_range)} | {a.zero_centred} | {'yes' if a.monotonic else 'no'} | "
                   f"{'yes' if a.smooth else 'no'} | {mag} | {esc(a.kinks)} |")
    out += ["", "Two-input functions (elementwise, broadcasting):", "",
            "| function | formula | gradient (`<name>_grad`) |", "|---|---|---|"]
    for b in spec["BINARY_TABLE"]:
        out.append(f"| `{b.name}({', '.join(b.inputs)})` | {esc(b.formula)} | {esc(b.grad_formula)} |")
    out += ["", "Softmax family (generalized ufuncs; `axis=`/`axes=`, default last axis):", "",
            "| function | signature | formula |", "|---|---|---|"]
    for g in spec["GUFUNC_TABLE"]:
        out.append(f"| `{g.name}({', '.join(g.inputs)})` | `{g.signature}` | {esc(g.formula)} |")
    out += ["", spec["SOFTMAX_ROW_NOTES"]]
    return "\n".join(out) + "\n"


def main(argv):
    with open(README) as f:
        text = f.read()
    new = re.sub(r"(<!-- BEGIN FUNCTIONS -->\n).*?(<!-- END FUNCTIONS -->)",
                 lambda m: m.group(1) + render() + m.group(2), text, flags=re.S)
    return write_or_check({README: new}, argv, "generate_readme.py")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
