"""Generate the C that registers and loops over every function, from
pyactx/_spec.py:

    csrc/include/pyactx/table.inc      the X-macro table (names, docstrings,
                                       kinds) the module and headers read
    csrc/loops/loop_instances.inc      every ufunc loop, <name>_loop_<dtype>,
                                       calling the templates of csrc/loops/
    csrc/include/pyactx/kernels/families.inc
                                       the kernel family files in include
                                       order, with the map of which
                                       function each holds (spec FAMILIES
                                       and each entry's ``family``)

    python tools/generate_table.py            # write the files
    python tools/generate_table.py --check    # exit 1 if one is out of date

Both files are committed (the C core builds without Python) and the build
does not regenerate them: `python tools/regenerate.py` runs this with the
other generators, and tests/packaging/test_generated.py fails while any is
out of date.
"""
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derived import write_or_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC_PATH = os.path.join(ROOT, "pyactx", "_spec.py")
OUT_PATH = os.path.join(ROOT, "csrc", "include", "pyactx", "table.inc")
LOOPS_PATH = os.path.join(ROOT, "csrc", "loops", "loop_instances.inc")
FAMILIES_PATH = os.path.join(ROOT, "csrc", "include", "pyactx", "kernels", "families.inc")

_SPEC = runpy.run_path(SPEC_PATH)
F32, F32_VIA_F64, F64 = _SPEC["F32"], _SPEC["F32_VIA_F64"], _SPEC["F64"]
F32_HARD_VIA_F64 = _SPEC["F32_HARD_VIA_F64"]
SIMD_CHOICES = _SPEC["SIMD_CHOICES"]

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


LOOP_HEADER = """\
/* Generated from pyactx/_spec.py by tools/generate_table.py -- do not edit.
 *
 * Every ufunc loop: for each function and dtype, <name>_loop_<dtype>
 * (dtype: e float16, f float32, d float64, g long double) and, for the
 * contiguous path the thread pool runs, <name>_range_<dtype>.  Each calls a
 * template of elementwise.inc / elementwise_half.inc / rows_loops.inc with
 * the kernels the spec chooses (simd, vhard):
 *
 *   kernel  vectorisable where the spec's `simd` says so, else scalar
 *   hard    the predicate of the lanes the vector kernel leaves to the
 *           scalar one (spec `vhard`), else no_hard
 *   slow    the accurate scalar kernel for those lanes
 *   fb      1 if there is such a predicate, else 0; 2 where the float32
 *           loop's hard lanes go to the float64 vector kernel first (spec
 *           F32_HARD_VIA_F64: the wide kernels <name>_wf / _whf, passed to
 *           the two-input ranges after fb)
 *   fn1, hard1  (one-parameter functions, after fb) the vector kernel and
 *           predicate at parameter 1 (spec `unit_param`: <name>_v1,
 *           <name>_vhard1), taken when the parameter is the scalar 1; else
 *           NULL
 *   stream  (the loop function's last argument, but float16's and a gate
 *           gradient's) 1 where outputs of 32 MiB and more are written with
 *           streaming stores (spec `stream` / `stream_grad`: the dtype
 *           letters of the float32 and float64 loops that do), 2 where they
 *           are only when the call runs on one thread (spec `tiled` /
 *           `tiled_grad`), else 0
 *
 * float16 loops run the float32 loop's range function on converted blocks.  Long
 * double loops run the scalar kernel on every path; a PYACTX_NO_LONG_DOUBLE
 * build compiles them out (their table slots are NULL).  Included by loops.inc.
 */
"""

# dtype letters of the loops, in the order of a table entry (NumPy's order)
LOOP_DTYPES = ("e", "f", "d", "g")


def face(ret, name, params, body):
    """The two lines of a forced-inline wrapper: `ret name(params) { body }`
    (a kernel's float32 face, its predicate's uint32_t one, ...)."""
    return [f"PYACTX_VM_INLINE {ret} {name}({params})", f"{{ {body} }}"]


def kernel_choice(n, simd, vhard, args, two_out, lines):
    """{'f': (kernel, hard, slow, fb), 'd': ...} for output n; appends to
    `lines` the small wrappers some choices need (a float32 face on a
    vector kernel, its predicate)."""
    wide = F32_HARD_VIA_F64 in vhard
    vhard = tuple(v for v in vhard if v != F32_HARD_VIA_F64)
    bad = set(simd + vhard) - set(SIMD_CHOICES)
    if (bad or not set(vhard) <= set(simd) or (F32 in simd and F32_VIA_F64 in simd)
            or (wide and not (len(args) == 2 and F32 in vhard and F64 in simd))):
        raise SystemExit(f"{n}: bad simd={simd!r} vhard={vhard!r}")
    nh = "no_hard2" if len(args) == 2 else "no_hard1"

    def params(ty, outs=True):
        tail = f", {ty} *da, {ty} *db" if two_out and outs else ""
        return ", ".join(f"{ty} {a}" for a in args) + tail

    def call(fn, cast=""):
        return f"{fn}({', '.join(f'{cast}({a})' for a in args)})"

    choice = {}
    # float32 (and float16): through the float or the double vector kernel
    lo = F32 if F32 in simd else (F32_VIA_F64 if F32_VIA_F64 in simd else None)
    if lo:
        vt, vs = ("float", "f") if lo == F32 else ("double", "d")
        if two_out:
            lines += [f"PYACTX_VM_INLINE void pyactx_{n}_vf({params('float')})",
                      f"{{ {vt} ga, gb; {call(f'pyactx_{n}_v_{vs}', f'({vt})')[:-1]}, &ga, &gb);",
                      "  *da = (float)ga; *db = (float)gb; }"]
        else:
            lines += face("float", f"pyactx_{n}_vf", params("float"),
                          f"return (float){call(f'pyactx_{n}_v_{vs}', f'({vt})')};")
        hard = f"pyactx_{nh}_f"
        if lo in vhard:
            lines += face("uint32_t", f"pyactx_{n}_vhf", params("float", outs=False),
                          f"return (uint32_t){call(f'pyactx_{n}_vhard_{vs}', f'({vt})')};")
            hard = f"pyactx_{n}_vhf"
        choice["f"] = (f"pyactx_{n}_vf", hard, f"pyactx_{n}_f", 2 if wide else int(lo in vhard))
    else:
        choice["f"] = (f"pyactx_{n}_f", f"pyactx_{nh}_f", f"pyactx_{n}_f", 0)
    if F64 in simd:
        hard = f"pyactx_{nh}_d"
        if F64 in vhard:
            lines += face("uint32_t", f"pyactx_{n}_vhd", params("double", outs=False),
                          f"return (uint32_t){call(f'pyactx_{n}_vhard_d')};")
            hard = f"pyactx_{n}_vhd"
        choice["d"] = (f"pyactx_{n}_v_d", hard, f"pyactx_{n}_d", int(F64 in vhard))
    else:
        choice["d"] = (f"pyactx_{n}_d", f"pyactx_{nh}_d", f"pyactx_{n}_d", 0)
    choice["g"] = (f"pyactx_{n}_l", f"pyactx_{nh}_l", f"pyactx_{n}_l", 0)
    return choice


def nan2_wrap(n, choice, two_out, lines, nan2_hard=False):
    """Wrap the float32 and float64 kernels of a two-input output n so that
    two NaN inputs give the first one, quieted (pyactx_nan2_*, loops.inc).
    With nan2_hard (spec: Binary.nan2_hard, nan2_hard_grad) the hard-lane
    predicate marks every lane where both inputs are NaN, the scalar kernel
    recomputes those lanes, and only it is wrapped."""
    for s, ty in (("f", "float"), ("d", "double")):
        kern, hard, slow, fb = choice[s]
        if nan2_hard and not fb:
            raise ValueError(f"{n}: nan2_hard without hard lanes for {ty}")
        if nan2_hard and fb == 2 and not choice["d"][3]:
            # float32's hard lanes run the (unwrapped) float64 vector kernel
            # first: its predicate must send them on to the scalar kernel
            raise ValueError(f"{n}: nan2_hard with F32_HARD_VIA_F64 but no float64 hard lanes")
        pairs = [(f"pyactx_{n}_nan2slow_{s}", slow)]
        if not nan2_hard:
            pairs.insert(0, (f"pyactx_{n}_nan2_{s}", kern))
        for wrapped, inner in pairs:
            if two_out:
                lines += [f"PYACTX_VM_INLINE void {wrapped}({ty} a, {ty} b, {ty} *da, {ty} *db)",
                          f"{{ {inner}(a, b, da, db); *da = pyactx_nan2_{s}(*da, a, b);"
                          f" *db = pyactx_nan2_{s}(*db, a, b); }}"]
            else:
                lines += [f"PYACTX_VM_INLINE {ty} {wrapped}({ty} a, {ty} b)",
                          f"{{ return pyactx_nan2_{s}({inner}(a, b), a, b); }}"]
        choice[s] = (kern if nan2_hard else f"pyactx_{n}_nan2_{s}", hard,
                     f"pyactx_{n}_nan2slow_{s}", fb)


def wide_wrap(n, choice, two_out, lines):
    """fb == 2 (spec F32_HARD_VIA_F64): the float32 loop's hard lanes go to
    the float64 vector kernel, on converted lanes and rounded once
    (pyactx_<n>_wf), except where the float64 predicate marks them too
    (pyactx_<n>_whf)."""
    d = choice["d"]
    if two_out:
        lines += [f"PYACTX_VM_INLINE void pyactx_{n}_wf(float a, float b, float *da, float *db)",
                  f"{{ double ga, gb; {d[0]}((double)a, (double)b, &ga, &gb);",
                  "  *da = (float)ga; *db = (float)gb; }"]
    else:
        lines += [f"PYACTX_VM_INLINE float pyactx_{n}_wf(float a, float b)",
                  f"{{ return (float){d[0]}((double)a, (double)b); }}"]
    lines += [f"PYACTX_VM_INLINE uint32_t pyactx_{n}_whf(float a, float b)",
              f"{{ return (uint32_t){d[1]}((double)a, (double)b); }}"]
    return (f"pyactx_{n}_wf", f"pyactx_{n}_whf")


def unit_wrap(n, simd, vhard, lines):
    """spec `unit_param`: {'f': (kernel, hard), 'd': ...}, the float32 and
    float64 loops' kernels at parameter 1 (<n>_v1, <n>_vhard1), wrapped to
    the two-input shape of range_2_1 (the parameter, 1, unused)."""
    vhard = tuple(v for v in vhard if v != F32_HARD_VIA_F64)
    unit = {}
    lo = F32 if F32 in simd else (F32_VIA_F64 if F32_VIA_F64 in simd else None)
    for s, ty, kind in (("f", "float", lo), ("d", "double", F64 if F64 in simd else None)):
        if kind is None:
            raise SystemExit(f"{n}: unit_param needs vectorised float32 and float64 loops")
        vs = "f" if kind == F32 else "d"
        vt = "float" if vs == "f" else "double"
        lines += face(ty, f"pyactx_{n}_v1{s}", f"{ty} x, {ty} p",
                      f"(void)p; return ({ty})pyactx_{n}_v1_{vs}(({vt})x);")
        hard = f"pyactx_no_hard2_{s}"
        if kind in vhard:
            lines += face("uint32_t", f"pyactx_{n}_vh1{s}", f"{ty} x, {ty} p",
                          f"(void)p; return (uint32_t)pyactx_{n}_vhard1_{vs}(({vt})x);")
            hard = f"pyactx_{n}_vh1{s}"
        unit[s] = (f"pyactx_{n}_v1{s}", hard)
    return unit


def stream_kind(dt, stream, tiled):
    """The loop's `stream` argument (loops.inc, pyactx_run_contiguous): 1
    streams large outputs, 2 only on one thread (spec `tiled`), 0 never;
    float32 ("f") and float64 ("d") loops only."""
    if dt not in "fd":
        return 0
    return 1 if dt in stream else 2 if dt in tiled else 0


def ilv_arg(dt, interleave):
    """The range's `ilv` argument (elementwise.inc): PYACTX_ILV(avx512, avx2)
    from the spec's `interleave` entry for this dtype ("f" float32, "d"
    float64; e.g. "f21 d41"), 1 for the other loops."""
    for entry in interleave.split():
        if entry[0] == dt:
            return f"PYACTX_ILV({entry[1]}, {entry[2]})"
    return "1"


def emit_loops(n, choice, shape, lines, wide=None, unit=None, stream="", tiled="", interleave=""):
    """<n>_range_<dtype> and <n>_loop_<dtype> for the four dtypes.  shape:
    1_1 (unary), 2_1 (parameterised), b2_1 (two inputs), 2_2 (gate grad).
    The b2_1 and 2_2 ranges also take the wide kernels (wide_wrap) of the
    float32 loop: the other loops pass their own kernel and predicate, which
    fb < 2 never calls."""
    tmpl = {"1_1": ("1_1", "1_1"), "2_1": ("2_1", "2_1"), "b2_1": ("b2_1", "2_1"),
            "2_2": ("2_2", "2_2")}[shape]
    half_tmpl = {"1_1": "1_1", "2_1": "2_1", "b2_1": "2_1", "2_2": "2_2"}[shape]
    for dt in LOOP_DTYPES:
        kern, hard, slow, fb = choice["f" if dt == "e" else dt]
        ks = f"{kern}, {hard}, {slow}, {fb}"
        rks = ks
        if dt == "e":
            # float16 blocks run the float32 loop's own range function
            rng, loop = f"pyactx_range_{half_tmpl}_h", f"pyactx_loop_{half_tmpl}_h"
            rks = ks = f"{n}_range_f"
            lines.append(f"static void {n}_range_f(void *ctx, ptrdiff_t b, ptrdiff_t e);")
        else:
            s = "l" if dt == "g" else dt
            rng, loop = f"pyactx_range_{tmpl[0]}_{s}", f"pyactx_loop_{tmpl[1]}_{s}"
            if shape in ("b2_1", "2_2"):
                rks += ", " + (", ".join(wide) if dt == "f" and fb == 2 else f"{kern}, {hard}")
            if shape == "2_1":
                rks += ", " + (", ".join(unit[dt]) if unit and dt in unit else "NULL, NULL")
            rks += ", " + ilv_arg(dt, interleave)
        lines += long_double_guard(dt, [
            f"static void {n}_range_{dt}(void *ctx, ptrdiff_t b, ptrdiff_t e)",
            f"{{ {rng}(ctx, b, e, {rks}); }}",
            f"static void {n}_loop_{dt}(char **args, const ptrdiff_t *dims, "
            f"const ptrdiff_t *steps, void *data)",
            f"{{ (void)data; {loop}(args, dims, steps, {n}_range_{dt}, {ks}"
            + ("" if dt == "e" or shape == "2_2" else f", {stream_kind(dt, stream, tiled)}")
            + "); }"])


def long_double_guard(dt, code):
    """The long double loops are compiled out of a PYACTX_NO_LONG_DOUBLE build."""
    return ["#ifndef PYACTX_NO_LONG_DOUBLE", *code, "#endif"] if dt == "g" else code


def table_entry(n, dt):
    """A loop in the exported table: PYACTX_LOOP_G (loops.h) is NULL without long double."""
    return f"PYACTX_LOOP_G({n}_loop_{dt})" if dt == "g" else f"{n}_loop_{dt}"


ROW_TEMPLATES = {"MAP": "rows_map", "REDUCE": "rows_reduce", "JACOBIAN": "rows_jacobian",
                 "VJP": "rows_vjp", "LABEL_REDUCE": "rows_label_reduce",
                 "LABEL_MAP": "rows_label_map"}


def render_loops():
    spec = runpy.run_path(SPEC_PATH)
    lines = [LOOP_HEADER.rstrip("\n")]
    names = []

    def output(n, simd, vhard, args, shape, unit_param=False, stream="", tiled="",
               nan2_hard=False, interleave=""):
        lines.append(f"\n/* {n} */")
        choice = kernel_choice(n, simd, vhard, args, shape == "2_2", lines)
        if len(args) == 2:
            nan2_wrap(n, choice, shape == "2_2", lines, nan2_hard)
        wide = wide_wrap(n, choice, shape == "2_2", lines) if choice["f"][3] == 2 else None
        unit = unit_wrap(n, simd, vhard, lines) if unit_param else None
        emit_loops(n, choice, shape, lines, wide, unit, stream, tiled, interleave)
        names.append(n)

    for act in spec["ACTIVATION_TABLE"]:
        args, shape = (("x", "p"), "2_1") if act.kind == "param" else (("x",), "1_1")
        output(act.name, act.simd, act.vhard, args, shape, act.unit_param, act.stream, act.tiled,
               interleave=act.interleave)
        output(act.name + "_grad", act.simd_grad, act.vhard_grad, args, shape, act.unit_param,
               act.stream_grad, act.tiled_grad, interleave=act.interleave_grad)
    for b in spec["BINARY_TABLE"]:
        output(b.name, b.simd, b.vhard, ("a", "b"), "b2_1", nan2_hard=b.nan2_hard,
               interleave=b.interleave)
        output(b.name + "_grad", b.simd_grad, b.vhard_grad, ("a", "b"),
               "2_2" if b.kind == "gate" else "b2_1", nan2_hard=b.nan2_hard_grad,
               interleave=b.interleave_grad)
    for g in spec["GUFUNC_TABLE"]:
        tmpl = ROW_TEMPLATES[ROW_KINDS[g.signature]]
        lines.append(f"\n/* {g.name} {g.signature} */")
        for dt in LOOP_DTYPES:
            ks = {"e": "h", "g": "l"}.get(dt, dt)
            s = {"g": "l"}.get(dt, dt)
            lines += long_double_guard(dt, [
                f"static void {g.name}_range_{dt}(void *ctx, ptrdiff_t b, ptrdiff_t e)",
                f"{{ pyactx_{tmpl}_{s}(ctx, b, e, pyactx_{g.name}_row_ws_{ks}); }}",
                f"static void {g.name}_loop_{dt}(char **args, const ptrdiff_t *dims, "
                f"const ptrdiff_t *steps, void *data)",
                f"{{ (void)data; pyactx_rows_loop(args, dims, steps, {g.name}_range_{dt}); }}"])
        names.append(g.name)
    lines.append("\n/* the exported table (loops.h): four loops per function, float16 to long double */")
    lines.append("const pyactx_loop_table PYACTX_LOOP_TABLE = {")
    for n in names:
        lines.append(f"    .{n} = {{{', '.join(table_entry(n, dt) for dt in LOOP_DTYPES)}}},")
    lines.append("};")
    return "\n".join(lines) + "\n"


FAMILIES_HEADER = """\
/* Generated from pyactx/_spec.py (FAMILIES, and each entry's family) by
 * tools/generate_table.py -- do not edit.
 *
 * The elementwise kernel families, one file each, holding the family's
 * scalar and vector kernels together.  Included with PYACTX_PART set to
 *
 *   PYACTX_SCALAR_PART  by all.inc, once per type: long double (_l) and
 *                       double (_d).  The accurate reference kernels; every
 *                       function has one (float32 evaluates _d and rounds
 *                       once, pyactx_float.h).
 *   PYACTX_VECTOR_PART  after the vmath cores (vmath.inc, which also holds
 *                       the helpers several families share), for double
 *                       (_d, by all.inc) and float (_f, by pyactx.h): the
 *                       branch-free kernels <name>_v and their hard-lane
 *                       predicates <name>_vhard.
 *
 * Which loop uses which kernel (vectorised, with or without hard-lane
 * fallback, or scalar) is declared per function in pyactx/_spec.py (simd,
 * vhard) and generated into csrc/loops/loop_instances.inc.  A float32 loop
 * uses either the double vector kernel rounded once (spec F32_VIA_F64: 8
 * double lanes per AVX-512 vector, every result within 0.5 ULP + 2^-28) or
 * the float one (spec F32: 16 lanes, a few ULP).
 *
 * Rules of the vector kernels (see vmath.inc): no floating-point comparison
 * (they vectorise to signalling compares that raise invalid on NaN); selects
 * through bit masks (vm_sel); every lane computes something finite or a
 * quiet NaN.
 *
 * Shared pieces: constants.inc (double-T constants), dd.inc (double-T
 * arithmetic), common.inc (scalar helpers: denan, PYACTX_POS/NEG,
 * sigmoid_dd, scaled_arg), all.inc (the long-double rescue macros),
 * vmath.inc (vector cores and shared vector helpers), vmath_end.inc.  The
 * softmax family (row kernels) is kernels/softmax.inc, included by rows.h.
 * tests/packaging/test_families.py checks that each file defines the
 * kernels of exactly the functions listed for it below.
 *
"""


def render_families():
    spec = runpy.run_path(SPEC_PATH)
    entries = spec["ACTIVATION_TABLE"] + spec["BINARY_TABLE"]
    width = max(len(f) for f, _ in spec["FAMILIES"]) + len(".inc") + 2
    lines = [FAMILIES_HEADER.rstrip("\n"),
             " *   " + "file".ljust(width) + "functions (each with its _grad)"]
    for fam, what in spec["FAMILIES"]:
        names = [e.name + (f" (alias {', '.join(e.aliases)})" if getattr(e, "aliases", ()) else "")
                 for e in entries if e.family == fam]
        lines.append(" *   " + (fam + ".inc").ljust(width) + what + ":")
        text = ""
        for n in names:
            piece = (", " if text else "") + n
            if len(" *   " + " " * width + "  " + text + piece) > 78:
                lines.append(" *   " + " " * width + "  " + text.rstrip() + ",")
                text, piece = "", n
            text += piece
        lines.append(" *   " + " " * width + "  " + text)
    lines += [" */",
              "#if !defined(PYACTX_PART) \\",
              "    || (PYACTX_PART != PYACTX_SCALAR_PART && PYACTX_PART != PYACTX_VECTOR_PART)",
              '#  error "families.inc: define PYACTX_PART as PYACTX_SCALAR_PART or '
              'PYACTX_VECTOR_PART"',
              "#endif"]
    lines += [f'#include "pyactx/kernels/{fam}.inc"' for fam, _ in spec["FAMILIES"]]
    return "\n".join(lines) + "\n"


def main(argv):
    return write_or_check({OUT_PATH: render(), LOOPS_PATH: render_loops(),
                           FAMILIES_PATH: render_families()}, argv,
                          "generate_table.py")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
