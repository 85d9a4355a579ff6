"""Generate csrc/include/pyactx/table.inc from pyactx/_spec.py.

    python tools/generate_table.py            # write the file
    python tools/generate_table.py --check    # exit 1 if it is out of date

setup.py runs this before every build, so a build can never use a stale
table; the file is also committed so that the C core (make -C csrc test)
builds without Python.  tests/test_registry.py checks it is up to date.
"""
import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC_PATH = os.path.join(ROOT, "pyactx", "_spec.py")
OUT_PATH = os.path.join(ROOT, "csrc", "include", "pyactx", "table.inc")
MAP_PATH = os.path.join(ROOT, "csrc", "include", "pyactx", "kernel_map.inc")

# gufunc signature -> the shape of its row kernel (see rows.h)
ROW_KINDS = {
    "(n)->(n)": "MAP",
    "(n)->()": "REDUCE",
    "(n)->(n,n)": "JACOBIAN",
    "(n),(n)->(n)": "VJP",
    "(n),()->()": "LABEL_REDUCE",
    "(n),()->(n)": "LABEL_MAP",
}


def c_string(text):
    out = []
    for line in text.split("\n"):
        esc = line.replace("\\", "\\\\").replace('"', '\\"')
        out.append(f'"{esc}\\n"')
    out[-1] = out[-1][:-3] + '"'
    return "\n    ".join(out)


def render():
    spec = runpy.run_path(SPEC_PATH)
    lines = [
        "/* Generated from pyactx/_spec.py by tools/generate_table.py -- do not edit.",
        " *",
        " * X-macro table of every function.  Define the macros you need before",
        " * including; undefined ones expand to nothing:",
        " *   PYACTX_UNARY(name, doc, grad_doc)        T f(T), T f_grad(T)",
        " *   PYACTX_PARAM(name, doc, grad_doc)        T f(T, T p), T f_grad(T, T p)",
        " *   PYACTX_GATE(name, doc, grad_doc)         T f(T, T), void f_grad(T, T, T*, T*)",
        " *   PYACTX_PAIR(name, doc, grad_doc)         T f(T, T), T f_grad(T, T)",
        " *   PYACTX_ROWS_<KIND>(name, signature, doc) softmax family (rows.h)",
        " */",
    ]
    macros = ["PYACTX_UNARY", "PYACTX_PARAM", "PYACTX_GATE", "PYACTX_PAIR"] + [
        f"PYACTX_ROWS_{k}" for k in sorted(set(ROW_KINDS.values()))]
    for m in macros:
        lines += [f"#ifndef {m}", f"#define {m}(...)", f"#define PYACTX_UNDEF_{m}", "#endif"]
    for act in spec["ACTIVATION_TABLE"]:
        macro = "PYACTX_UNARY" if act.kind == "unary" else "PYACTX_PARAM"
        lines.append(f"{macro}({act.name},\n    {c_string(spec['activation_doc'](act))},\n"
                     f"    {c_string(spec['activation_grad_doc'](act))})")
    for b in spec["BINARY_TABLE"]:
        macro = "PYACTX_GATE" if b.kind == "gate" else "PYACTX_PAIR"
        lines.append(f"{macro}({b.name},\n    {c_string(spec['binary_doc'](b))},\n"
                     f"    {c_string(spec['binary_grad_doc'](b))})")
    for g in spec["GUFUNC_TABLE"]:
        kind = ROW_KINDS[g.signature]
        lines.append(f'PYACTX_ROWS_{kind}({g.name}, "{g.signature}",\n    {c_string(spec["gufunc_doc"](g))})')
    for m in macros:
        lines += [f"#ifdef PYACTX_UNDEF_{m}", f"#undef {m}", f"#undef PYACTX_UNDEF_{m}", "#endif"]
    return "\n".join(lines) + "\n"


def render_map():
    """kernel_map.inc: which kernel each loop calls.  PYACTX_K<h|f|d>_<name>
    names the float16 / float32 / float64 kernel of every unary function: the
    vectorised one of kernels/fast.inc where the spec's `simd` says so, else
    the scalar one."""
    spec = runpy.run_path(SPEC_PATH)
    lines = ["/* Generated from pyactx/_spec.py by tools/generate_table.py -- do not edit.",
             " * Included by loops.inc after pyactx.h and pyactx_half.h. */"]
    for act in spec["ACTIVATION_TABLE"]:
        if act.kind != "unary":
            continue
        for n, simd in ((act.name, act.simd), (act.name + "_grad", act.simd_grad)):
            if "f" in simd:
                lines += [f"PYACTX_VM_INLINE float pyactx_{n}_vf(float x) {{ return (float)pyactx_{n}_v_d(x); }}",
                          f"PYACTX_VM_INLINE uint16_t pyactx_{n}_vh(uint16_t x)",
                          f"{{ return pyactx_double_to_half(pyactx_{n}_v_d(pyactx_half_to_double(x))); }}",
                          f"#define PYACTX_KF_{n} pyactx_{n}_vf", f"#define PYACTX_KH_{n} pyactx_{n}_vh"]
            else:
                lines += [f"#define PYACTX_KF_{n} pyactx_{n}_f", f"#define PYACTX_KH_{n} pyactx_{n}_h"]
            lines.append(f"#define PYACTX_KD_{n} pyactx_{n}_{'v_d' if 'd' in simd else 'd'}")
    return "\n".join(lines) + "\n"


def main(argv):
    outputs = {OUT_PATH: render(), MAP_PATH: render_map()}
    if "--check" in argv:
        for path, text in outputs.items():
            with open(path) as f:
                if f.read() != text:
                    print(f"{path} is out of date: run python tools/generate_table.py")
                    return 1
        return 0
    for path, text in outputs.items():
        with open(path, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
