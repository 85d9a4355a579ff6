"""Generate csrc/include/pyactx/table.inc from pyactx/_spec.py.

    python tools/generate_table.py            # write the file
    python tools/generate_table.py --check    # exit 1 if it is out of date

setup.py runs this before every build, so a build can never use a stale
table; the file is also committed so that the C core (make -C csrc test)
builds without Python.  tests/packaging/test_registry.py checks it is up to date.
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


def emit_kernel(lines, X, n, kernel, hard=None):
    """the four PYACTX_K<X>*_<n> macros of one loop (see render_map)"""
    lines.append(f"#define PYACTX_K{X}_{n} {kernel}")
    if hard:
        lines.extend([f"#define PYACTX_K{X}B_{n} 1", f"#define PYACTX_K{X}H_{n} {hard}"])
    else:
        lines.extend([f"#define PYACTX_K{X}B_{n} 0", f"#define PYACTX_K{X}H_{n} PYACTX_NOHARD"])
    lines.append(f"#define PYACTX_K{X}S_{n} pyactx_{n}_{X.lower()}")


def map_entries(lines, n, simd, vhard, args, two_out=False):
    """kernel_map.inc lines of one output n whose kernels take `args` (and,
    for a gate's gradient, two output pointers)."""
    if set(simd + vhard) - set("fFd") or not set(vhard) <= set(simd) \
            or ("f" in simd and "F" in simd):
        raise SystemExit(f"{n}: bad simd={simd!r} vhard={vhard!r}")

    def params(ty):
        outs = f", {ty} *da, {ty} *db" if two_out else ""
        return ", ".join(f"{ty} {a}" for a in args) + outs

    def call(fn, cast=""):
        return f"{fn}({', '.join(f'{cast}({a})' for a in args)})"

    # float32 (and float16, which runs the float32 kernels on converted
    # blocks): through the double or the float vector kernel
    lo = "F" if "F" in simd else ("f" if "f" in simd else "")
    if lo:
        vt, vs = ("float", "f") if lo == "F" else ("double", "d")
        if two_out:
            lines += [f"PYACTX_VM_INLINE void pyactx_{n}_vf({params('float')})",
                      f"{{ {vt} ga, gb; {call(f'pyactx_{n}_v_{vs}', f'({vt})')[:-1]}, &ga, &gb);",
                      "  *da = (float)ga; *db = (float)gb; }"]
        else:
            lines += [f"PYACTX_VM_INLINE float pyactx_{n}_vf({params('float')})",
                      f"{{ return (float){call(f'pyactx_{n}_v_{vs}', f'({vt})')}; }}"]
        hf = None
        if lo in vhard:
            lines += [f"PYACTX_VM_INLINE int pyactx_{n}_vhf({', '.join(f'float {a}' for a in args)})",
                      f"{{ return {call(f'pyactx_{n}_vhard_{vs}', f'({vt})')} != 0; }}"]
            hf = f"pyactx_{n}_vhf"
        emit_kernel(lines, "F", n, f"pyactx_{n}_vf", hf)
    else:
        emit_kernel(lines, "F", n, f"pyactx_{n}_f")
    if "d" in simd:
        hd = None
        if "d" in vhard:
            lines += [f"PYACTX_VM_INLINE int pyactx_{n}_vhd({', '.join(f'double {a}' for a in args)})",
                      f"{{ return {call(f'pyactx_{n}_vhard_d')} != 0; }}"]
            hd = f"pyactx_{n}_vhd"
        emit_kernel(lines, "D", n, f"pyactx_{n}_v_d", hd)
    else:
        emit_kernel(lines, "D", n, f"pyactx_{n}_d")


def render_map():
    """kernel_map.inc: which kernel each loop calls.  For every unary,
    parameterised and two-input function and derivative, per loop type X in
    F (float32; the float16 loops convert blocks to float and use the float32
    kernels, loops_half.inc) and D (float64):

        PYACTX_KX_<name>    the kernel: the vectorised one where the spec's
                            `simd` says so, else the scalar one
        PYACTX_KXB_<name>   1 if that kernel has a hard-lane predicate (spec
                            `vhard`), else 0
        PYACTX_KXH_<name>   the predicate (nonzero: recompute this element)
        PYACTX_KXS_<name>   the scalar kernel that recomputes those elements

    A gate's gradient kernel is void f(T a, T b, T *da, T *db) (LOOP_2_2).
    """
    spec = runpy.run_path(SPEC_PATH)
    lines = ["/* Generated from pyactx/_spec.py by tools/generate_table.py -- do not edit.",
             " * Included by loops.inc after pyactx.h and pyactx_half.h. */"]
    for act in spec["ACTIVATION_TABLE"]:
        if act.kind not in ("unary", "param"):
            continue
        args = ("x", "p") if act.kind == "param" else ("x",)
        map_entries(lines, act.name, act.simd, act.vhard, args)
        map_entries(lines, act.name + "_grad", act.simd_grad, act.vhard_grad, args)
    for b in spec["BINARY_TABLE"]:
        map_entries(lines, b.name, b.simd, b.vhard, ("a", "b"))
        map_entries(lines, b.name + "_grad", b.simd_grad, b.vhard_grad, ("a", "b"),
                    two_out=b.kind == "gate")
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
