/*
 * _coremodule.c -- the extension module pyactx._core, and the only file
 * that includes Python.h and NumPy.
 *
 * It registers the Python-free inner loops of loops/ (one per function and
 * dtype, compiled once per instruction set) as NumPy ufuncs and gufuncs,
 * with the names and docstrings of the X-macro table
 * include/pyactx/table.inc (generated from pyactx/_spec.py), and picks the
 * instruction set's loop table at import.
 *
 * Loop dtypes are float16, float32, float64 and longdouble, in that order,
 * so NumPy's type resolver promotes integer and bool inputs exactly as for
 * np.exp.  A build with PYACTX_NO_LONG_DOUBLE (loops/loops.h) registers the
 * first three only.  float16 loops convert blocks to float32 and run the float32
 * kernels (loops/elementwise_half.inc).
 *
 * Floating-point flags: NumPy reads the FPU status after the loops and
 * turns set flags into warnings/errors.  Kernels raise invalid, divide and
 * overflow only for domain errors, poles and genuine overflow; the only flag
 * they may raise spuriously is underflow (tails computed through a tiny
 * exp, results still accurate), which every loop clears before returning.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#define NPY_TARGET_VERSION NPY_2_0_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>
#include <numpy/dtype_api.h>

#include <fenv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loops/loops.h"
#include "loops/threads.h"

/* The loops (loops/loops.h) use plain C types; NumPy's must be the same. */
typedef char pyactx_check_intp[(sizeof(npy_intp) == sizeof(ptrdiff_t)) ? 1 : -1];

/* ---------------------------------------------------------------------
 * Dispatch: the loop table in use, chosen at import from the CPU (or the
 * PYACTX_DISPATCH environment variable) and switchable at run time, which
 * is how the test suite runs every path this machine supports.  The ufuncs
 * read their loop pointers from the static arrays below on every call.
 * ------------------------------------------------------------------ */
typedef struct {
    const char *name;
    const pyactx_loop_table *table;
    int (*supported)(void);
} pyactx_isa;

static int isa_always(void) { return 1; }
#ifdef PYACTX_HAVE_X86_DISPATCH
#include <cpuid.h>
/* F16C (CPUID.1:ECX bit 29) from the cpuid instruction: clang (14 and
 * earlier) does not know "f16c" as a __builtin_cpu_supports feature.  It is
 * only asked together with AVX2, whose test already covers the operating
 * system's support for the YMM state that F16C uses. */
static int cpu_has_f16c(void)
{
    unsigned int a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)) != 0;
}
static int isa_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
}
static int isa_avx512(void)
{
    __builtin_cpu_init();
    return isa_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
           && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
}
#endif

/* best first */
static const pyactx_isa pyactx_isas[] = {
#ifdef PYACTX_HAVE_X86_DISPATCH
    {"avx512", &pyactx_loops_avx512, isa_avx512},
    {"avx2", &pyactx_loops_avx2, isa_avx2},
#endif
    {"baseline", &pyactx_loops_baseline, isa_always},
};
#define PYACTX_NISAS ((int)(sizeof pyactx_isas / sizeof pyactx_isas[0]))

static const pyactx_isa *pyactx_active_isa = NULL;

/* Loop arrays handed to NumPy, one per ufunc (filled by pyactx_fill_loops). */
#define PYACTX_UNARY(name, doc, gdoc)                                          \
    static PyUFuncGenericFunction name##_loops[4], name##_grad_loops[4];
#define PYACTX_PARAM PYACTX_UNARY
#define PYACTX_PAIR PYACTX_UNARY
#define PYACTX_GATE PYACTX_UNARY
#define PYACTX_ROWS_MAP(name, sig, doc) static PyUFuncGenericFunction name##_loops[4];
#define PYACTX_ROWS_REDUCE PYACTX_ROWS_MAP
#define PYACTX_ROWS_JACOBIAN PYACTX_ROWS_MAP
#define PYACTX_ROWS_VJP PYACTX_ROWS_MAP
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"

static void
pyactx_fill_loops(const pyactx_loop_table *t)
{
#define COPY4(dst, src) for (int k_ = 0; k_ < 4; k_++) dst[k_] = (PyUFuncGenericFunction)src[k_];
#define PYACTX_UNARY(name, doc, gdoc) COPY4(name##_loops, t->name) COPY4(name##_grad_loops, t->name##_grad)
#define PYACTX_PARAM PYACTX_UNARY
#define PYACTX_PAIR PYACTX_UNARY
#define PYACTX_GATE PYACTX_UNARY
#define PYACTX_ROWS_MAP(name, sig, doc) COPY4(name##_loops, t->name)
#define PYACTX_ROWS_REDUCE PYACTX_ROWS_MAP
#define PYACTX_ROWS_JACOBIAN PYACTX_ROWS_MAP
#define PYACTX_ROWS_VJP PYACTX_ROWS_MAP
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"
#undef COPY4
}

/* Select an ISA by name ("auto" = the best supported).  Returns 0, or -1
 * with a Python exception set. */
static int
pyactx_select_isa(const char *name)
{
    int is_auto = !strcmp(name, "auto");
    for (int i = 0; i < PYACTX_NISAS; i++) {
        const pyactx_isa *isa = &pyactx_isas[i];
        if (!is_auto && strcmp(name, isa->name)) continue;
        if (!isa->supported()) {
            if (is_auto) continue;
            PyErr_Format(PyExc_RuntimeError,
                         "pyactx: dispatch path '%s' is not supported by this CPU", name);
            return -1;
        }
        pyactx_fill_loops(isa->table);
        pyactx_active_isa = isa;
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "pyactx: unknown dispatch path '%s' (known: %s)", name,
#ifdef PYACTX_HAVE_X86_DISPATCH
                 "auto, avx512, avx2, baseline"
#else
                 "auto, baseline"
#endif
    );
    return -1;
}

static PyObject *
py_get_dispatch(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    return PyUnicode_FromString(pyactx_active_isa->name);
}

static PyObject *
py_set_dispatch(PyObject *NPY_UNUSED(self), PyObject *arg)
{
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == NULL) return NULL;
    if (pyactx_select_isa(name) < 0) return NULL;
    return PyUnicode_FromString(pyactx_active_isa->name);
}

static PyObject *
py_available_dispatch(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    for (int i = 0; i < PYACTX_NISAS; i++) {
        if (!pyactx_isas[i].supported()) continue;
        PyObject *s = PyUnicode_FromString(pyactx_isas[i].name);
        if (s == NULL || PyList_Append(out, s) < 0) { Py_XDECREF(s); Py_DECREF(out); return NULL; }
        Py_DECREF(s);
    }
    return out;
}

/* ---------------------------------------------------------------------
 * Label gufuncs (cross_entropy, cross_entropy_grad): registered through
 * the ArrayMethod API because they must be able to fail.  Each inner-loop
 * call validates its labels before writing anything: a label outside
 * [0, n) raises ValueError.  Labels are int64 (the promoter below maps
 * every integer/bool label type to it; float labels are refused by the
 * casting rule with NumPy's TypeError).  A call that NumPy splits into
 * several inner-loop calls (two or more batch axes it cannot coalesce) can
 * have written earlier chunks when a later one fails: pyactx.cross_entropy
 * (pyactx/_losses.py) validates every label of the call first, and adds
 * PyTorch's ignore_index, label_smoothing and probability targets.
 * ------------------------------------------------------------------ */
static int
pyactx_check_labels(const char *ufunc_name, npy_intp nrows, npy_intp n,
                    const char *lab, npy_intp lstep)
{
    for (npy_intp r = 0; r < nrows; r++, lab += lstep) {
        npy_int64 l = *(const npy_int64 *)lab;
        if (l < 0 || l >= (npy_int64)n) {
            NPY_ALLOW_C_API_DEF
            NPY_ALLOW_C_API
            PyErr_Format(PyExc_ValueError,
                         "%s: label %lld out of range for %lld classes "
                         "(valid: 0 <= label < %lld)", ufunc_name,
                         (long long)l, (long long)n, (long long)n);
            NPY_DISABLE_C_API
            return -1;
        }
    }
    return 0;
}

/* The rows themselves are computed by the active instruction set's loop
 * (loops/loops.inc, threaded like the other row loops) once the labels
 * are known to be valid. */
#define LABEL_LOOP(loop, name, k)                                              \
static int loop(PyArrayMethod_Context *NPY_UNUSED(ctx), char *const *args,    \
                npy_intp const *dims, npy_intp const *steps,                  \
                NpyAuxData *NPY_UNUSED(aux))                                  \
{                                                                              \
    if (pyactx_check_labels(#name, dims[0], dims[1], args[1], steps[1]) < 0)  \
        return -1;                                                            \
    pyactx_active_isa->table->name[k]((char **)args, dims, steps, NULL);       \
    return 0;                                                                  \
}

typedef int (pyactx_method_loop)(PyArrayMethod_Context *, char *const *,
                                 npy_intp const *, npy_intp const *, NpyAuxData *);

#define LABEL_FOUR(TEMPLATE, name)                                             \
    TEMPLATE(name##_loop_e, name, 0)                                           \
    TEMPLATE(name##_loop_f, name, 1)                                           \
    TEMPLATE(name##_loop_d, name, 2)                                           \
    LABEL_LOOP_G(TEMPLATE, name)                                              \
    static pyactx_method_loop *name##_method_loops[PYACTX_NTYPES] = {         \
        name##_loop_e, name##_loop_f, name##_loop_d LABEL_G(name##_loop_g)};
#ifdef PYACTX_NO_LONG_DOUBLE
#  define LABEL_LOOP_G(TEMPLATE, name)
#  define LABEL_G(loop)
#else
#  define LABEL_LOOP_G(TEMPLATE, name) TEMPLATE(name##_loop_g, name, 3)
#  define LABEL_G(loop) , loop
#endif

#define PYACTX_ROWS_LABEL_REDUCE(name, sig, doc) LABEL_FOUR(LABEL_LOOP, name)
#define PYACTX_ROWS_LABEL_MAP(name, sig, doc) LABEL_FOUR(LABEL_LOOP, name)
#include "pyactx/table.inc"
#undef PYACTX_ROWS_LABEL_REDUCE
#undef PYACTX_ROWS_LABEL_MAP

/* ---------------------------------------------------------------------
 * Registration.
 * ------------------------------------------------------------------ */
static void *const null_data[4] = {NULL, NULL, NULL, NULL};

static const char types_1[8] = {
    NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT,
    NPY_DOUBLE, NPY_DOUBLE, NPY_LONGDOUBLE, NPY_LONGDOUBLE};
static const char types_2_1[12] = {
    NPY_HALF, NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT, NPY_FLOAT,
    NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE,
    NPY_LONGDOUBLE, NPY_LONGDOUBLE, NPY_LONGDOUBLE};
static const char types_2_2[16] = {
    NPY_HALF, NPY_HALF, NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT, NPY_FLOAT, NPY_FLOAT,
    NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE,
    NPY_LONGDOUBLE, NPY_LONGDOUBLE, NPY_LONGDOUBLE, NPY_LONGDOUBLE};
static const int float_typenums[4] = {NPY_HALF, NPY_FLOAT, NPY_DOUBLE, NPY_LONGDOUBLE};

/* The DType class of a builtin type number (new reference). */
static PyArray_DTypeMeta *
dtype_of(int typenum)
{
    PyArray_Descr *descr = PyArray_DescrFromType(typenum);
    if (descr == NULL) return NULL;
    PyArray_DTypeMeta *dt = NPY_DTYPE(descr);
    Py_INCREF(dt);
    Py_DECREF(descr);
    return dt;
}

static int
add_ufunc(PyObject *module, PyUFuncGenericFunction *loops, const char *types,
          int nin, int nout, const char *name, const char *doc, const char *signature)
{
    PyObject *uf = PyUFunc_FromFuncAndDataAndSignature(
        loops, (void **)null_data, (char *)types, PYACTX_NTYPES, nin, nout, PyUFunc_None,
        name, doc, 0, signature);
    if (uf == NULL) return -1;
    int rc = PyModule_AddObjectRef(module, name, uf);
    Py_DECREF(uf);
    return rc;
}

/* Promoter of the label gufuncs: any integer or bool label goes to int64
 * (a float label then fails NumPy's casting check with its TypeError), and
 * non-float logits promote as for np.exp (the smallest float type that holds
 * them: the common DType with float16).  Complex or object logits find no
 * loop and raise NumPy's TypeError. */
static int
label_promoter(PyObject *NPY_UNUSED(ufunc), PyArray_DTypeMeta *const op_dtypes[],
               PyArray_DTypeMeta *const signature[], PyArray_DTypeMeta *new_op_dtypes[])
{
    PyArray_DTypeMeta *logits = signature[0];
    if (logits != NULL) {
        Py_INCREF(logits);
    }
    else {
        logits = PyArray_CommonDType(op_dtypes[0], &PyArray_HalfDType);
        if (logits == NULL) return -1;
    }
    PyArray_DTypeMeta *label = signature[1] ? signature[1] : &PyArray_Int64DType;
    /* uint64 labels stay uint64: there is no loop for them, so NumPy raises
     * TypeError instead of wrapping 2**64 - 1 to -1 (the last class) */
    if (signature[1] == NULL && (op_dtypes[1] == &PyArray_UInt64DType
                                 || op_dtypes[1] == &PyArray_ULongLongDType))
        label = op_dtypes[1];
    PyArray_DTypeMeta *out = signature[2] ? signature[2] : logits;
    Py_INCREF(label);
    Py_INCREF(out);
    new_op_dtypes[0] = logits;
    new_op_dtypes[1] = label;
    new_op_dtypes[2] = out;
    return 0;
}

static int
add_label_promoter(PyObject *uf)
{
    PyObject *dtypes = PyTuple_Pack(3, Py_None, Py_None, Py_None);
    if (dtypes == NULL) return -1;
    PyObject *cap = PyCapsule_New((void *)&label_promoter, "numpy._ufunc_promoter", NULL);
    if (cap == NULL) { Py_DECREF(dtypes); return -1; }
    int rc = PyUFunc_AddPromoter(uf, dtypes, cap);
    Py_DECREF(dtypes);
    Py_DECREF(cap);
    return rc;
}

/* A label gufunc: created empty, then one ArrayMethod loop per float type
 * with an int64 label, and the promoter above. */
static int
add_label_gufunc(PyObject *module, pyactx_method_loop **loops, const char *name,
                 const char *doc, const char *signature)
{
    PyObject *uf = PyUFunc_FromFuncAndDataAndSignature(
        NULL, NULL, NULL, 0, 2, 1, PyUFunc_None, name, doc, 0, signature);
    if (uf == NULL) return -1;
    for (int k = 0; k < PYACTX_NTYPES; k++) {
        PyArray_DTypeMeta *ft = dtype_of(float_typenums[k]);
        PyArray_DTypeMeta *it = dtype_of(NPY_INT64);
        if (ft == NULL || it == NULL) {
            Py_XDECREF(ft); Py_XDECREF(it); Py_DECREF(uf);
            return -1;
        }
        PyArray_DTypeMeta *dtypes[3] = {ft, it, ft};
        PyType_Slot slots[] = {{NPY_METH_strided_loop, (void *)loops[k]}, {0, NULL}};
        PyArrayMethod_Spec spec = {
            .name = name, .nin = 2, .nout = 1, .casting = NPY_NO_CASTING,
            .flags = 0, .dtypes = dtypes, .slots = slots,
        };
        int rc = PyUFunc_AddLoopFromSpec(uf, &spec);
        Py_DECREF(ft);
        Py_DECREF(it);
        if (rc < 0) { Py_DECREF(uf); return -1; }
    }
    if (add_label_promoter(uf) < 0) { Py_DECREF(uf); return -1; }
    int rc = PyModule_AddObjectRef(module, name, uf);
    Py_DECREF(uf);
    return rc;
}

static int
pyactx_exec(PyObject *m)
{
    /* nin, nout, types per kind; the table drives the names and docs */
#define PYACTX_UNARY(name, doc, gdoc)                                          \
    if (add_ufunc(m, name##_loops, types_1, 1, 1, #name, doc, NULL) < 0)      \
        return -1;                                                            \
    if (add_ufunc(m, name##_grad_loops, types_1, 1, 1, #name "_grad", gdoc, NULL) < 0) \
        return -1;
#define PYACTX_PARAM(name, doc, gdoc)                                          \
    if (add_ufunc(m, name##_loops, types_2_1, 2, 1, #name, doc, NULL) < 0)    \
        return -1;                                                            \
    if (add_ufunc(m, name##_grad_loops, types_2_1, 2, 1, #name "_grad", gdoc, NULL) < 0) \
        return -1;
#define PYACTX_PAIR PYACTX_PARAM
#define PYACTX_GATE(name, doc, gdoc)                                           \
    if (add_ufunc(m, name##_loops, types_2_1, 2, 1, #name, doc, NULL) < 0)    \
        return -1;                                                            \
    if (add_ufunc(m, name##_grad_loops, types_2_2, 2, 2, #name "_grad", gdoc, NULL) < 0) \
        return -1;
#define PYACTX_ROWS_MAP(name, sig, doc)                                        \
    if (add_ufunc(m, name##_loops, types_1, 1, 1, #name, doc, sig) < 0) return -1;
#define PYACTX_ROWS_REDUCE PYACTX_ROWS_MAP
#define PYACTX_ROWS_JACOBIAN PYACTX_ROWS_MAP
#define PYACTX_ROWS_VJP(name, sig, doc)                                        \
    if (add_ufunc(m, name##_loops, types_2_1, 2, 1, #name, doc, sig) < 0) return -1;
#define PYACTX_ROWS_LABEL_REDUCE(name, sig, doc)                               \
    if (add_label_gufunc(m, name##_method_loops, #name, doc, sig) < 0) return -1;
#define PYACTX_ROWS_LABEL_MAP PYACTX_ROWS_LABEL_REDUCE
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"
    return 0;
}

static int
pyactx_module_exec(PyObject *m)
{
    if (PyArray_ImportNumPyAPI() < 0) return -1;
    if (PyUFunc_ImportUFuncAPI() < 0) return -1;
    const char *want = getenv("PYACTX_DISPATCH");
    if (pyactx_select_isa((want && *want) ? want : "auto") < 0) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        Py_XDECREF(t); Py_XDECREF(tb);
        PyErr_Format(PyExc_ImportError, "pyactx: PYACTX_DISPATCH=%s cannot be used: %S",
                     want, v ? v : Py_None);
        Py_XDECREF(v);
        return -1;
    }
    return pyactx_exec(m);
}

static PyModuleDef_Slot pyactx_slots[] = {
    {Py_mod_exec, (void *)pyactx_module_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL},
};

static PyObject *
py_get_num_threads(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    return PyLong_FromLong(pyactx_get_num_threads());
}

static PyObject *
py_set_num_threads(PyObject *NPY_UNUSED(self), PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n < 1) {
        PyErr_Format(PyExc_ValueError, "set_num_threads: n must be >= 1, got %ld", n);
        return NULL;
    }
    return PyLong_FromLong(pyactx_set_num_threads(n > PYACTX_MAX_THREADS ? PYACTX_MAX_THREADS : (int)n));
}

/* the output size from which the elementwise loops use streaming stores
 * (threads.h); private: for the tests and for tuning on another machine */
static PyObject *
py_stream_min_bytes(PyObject *NPY_UNUSED(self), PyObject *args)
{
    PyObject *arg = NULL;
    if (!PyArg_ParseTuple(args, "|O:_stream_min_bytes", &arg)) return NULL;
    if (arg == NULL || arg == Py_None)
        return PyLong_FromSize_t(pyactx_get_stream_min_bytes());
    Py_ssize_t v = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (v == -1 && PyErr_Occurred()) return NULL;
    if (v < 0) {
        PyErr_Format(PyExc_ValueError, "_stream_min_bytes: bytes must be >= 0, got %zd", v);
        return NULL;
    }
    return PyLong_FromSize_t(pyactx_set_stream_min_bytes((size_t)v));
}

/* ---------------------------------------------------------------------
 * bfloat16 (ml_dtypes, an optional dependency): pyactx/__init__.py calls
 * _register_bfloat16(typenum) when ml_dtypes imports, and every ufunc and
 * gufunc gets a loop for that (user-defined) type -- but the label gufuncs
 * (cross_entropy, cross_entropy_grad: ArrayMethod loops with a promoter
 * that sends bfloat16 logits to float32), whose Python wrappers compute in
 * float32 and round once (pyactx/_losses.py).  A bfloat16 is the top
 * half of a float32, so widening is exact; each loop converts a block of
 * its operands to float32, runs the active instruction set's float32 loop
 * of the same function on it (the slot of name##_loops, which set_dispatch
 * refills), and rounds each result once to nearest even.  float32 is within
 * 4 float32 ULP of the exact value (2^-14 of a bfloat16 step), so the
 * result is within 1 bfloat16 step of the correctly rounded one.  A finite
 * float32 result that rounds to inf raises overflow, as float16's loops do.
 * Mixed bfloat16/float32 operands find the float32 loop (ml_dtypes makes
 * the cast bfloat16 -> float32 safe): the result is float32, as
 * np.result_type(bfloat16, float32) says.
 * ------------------------------------------------------------------ */
static inline float bf16_to_float(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint16_t float_to_bf16(float f, int *overflow)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x0040u);           /* NaN, kept quiet */
    uint32_t r = u + 0x7fffu + ((u >> 16) & 1u);          /* nearest, ties to even */
    /* a finite float that rounds up to the infinity of bfloat16 */
    *overflow |= (u & 0x7f800000u) != 0x7f800000u && (r & 0x7fffffffu) >= 0x7f800000u;
    return (uint16_t)(r >> 16);
}

#define BF16_BLOCK 256          /* elements a block: 1 KiB a float buffer (stack: 4 KiB) */

typedef struct {
    PyUFuncGenericFunction *f32;   /* the float32 loop's slot in name##_loops */
    int nin, nout;
    int kind;                      /* gufuncs: BF16_MAP, ...; 0 elementwise */
} bf16_info;

enum { BF16_ELEMENTWISE = 0, BF16_MAP, BF16_REDUCE, BF16_JACOBIAN, BF16_VJP };

/* [lo, hi) of the bytes an operand touches: n elements of 2 bytes, stride s */
static void bf16_span(const char *p, npy_intp n, npy_intp s, const char **lo, const char **hi)
{
    const char *last = p + (n - 1) * s;
    *lo = s >= 0 ? p : last;
    *hi = (s >= 0 ? last : p) + 2;
}

/* Elementwise: blocks of BF16_BLOCK, or one element at a time where an
 * output overlaps an input other than exactly (the order matters there,
 * e.g. ufunc.accumulate). */
static void bf16_elementwise_loop(char **args, const npy_intp *dims, const npy_intp *steps,
                                  void *data)
{
    const bf16_info *info = (const bf16_info *)data;
    const int nargs = info->nin + info->nout;
    const npy_intp n = dims[0];
    if (n <= 0) return;
    npy_intp block = BF16_BLOCK;
    for (int o = info->nin; o < nargs; o++)
        for (int i = 0; i < info->nin; i++) {
            const char *a0, *a1, *b0, *b1;
            bf16_span(args[i], n, steps[i], &a0, &a1);
            bf16_span(args[o], n, steps[o], &b0, &b1);
            if (a0 < b1 && b0 < a1 && !(args[i] == args[o] && steps[i] == steps[o]))
                block = 1;
        }
    float buf[4][BF16_BLOCK];
    char *ptr[4];
    for (int k = 0; k < nargs; k++) ptr[k] = args[k];
    int overflow = 0;
    for (npy_intp i0 = 0; i0 < n; i0 += block) {
        npy_intp m = n - i0 < block ? n - i0 : block;
        for (int k = 0; k < info->nin; k++)
            for (npy_intp j = 0; j < m; j++)
                buf[k][j] = bf16_to_float(*(const uint16_t *)(ptr[k] + j * steps[k]));
        char *fargs[4] = {(char *)buf[0], (char *)buf[1], (char *)buf[2], (char *)buf[3]};
        npy_intp fdims[1] = {m};
        npy_intp fsteps[4] = {sizeof(float), sizeof(float), sizeof(float), sizeof(float)};
        (*info->f32)(fargs, fdims, fsteps, NULL);
        for (int k = info->nin; k < nargs; k++)
            for (npy_intp j = 0; j < m; j++)
                *(uint16_t *)(ptr[k] + j * steps[k]) = float_to_bf16(buf[k][j], &overflow);
        for (int k = 0; k < nargs; k++) ptr[k] += m * steps[k];
    }
    if (overflow) feraiseexcept(FE_OVERFLOW);
}

/* The softmax family: row by row, each row converted to a float32 buffer
 * (heap: rows can be long), the float32 gufunc loop run on that one row,
 * the results rounded back.  Core layouts: MAP (n)->(n), REDUCE (n)->(),
 * JACOBIAN (n)->(n,n), VJP (n),(n)->(n). */
static void bf16_rows_loop(char **args, const npy_intp *dims, const npy_intp *steps, void *data)
{
    const bf16_info *info = (const bf16_info *)data;
    const npy_intp N = dims[0], n = dims[1];
    const int nin = info->nin, nargs = nin + 1;
    /* core strides follow the outer ones: one per core dimension */
    const npy_intp *cs = steps + nargs;
    npy_intp out_len = info->kind == BF16_REDUCE ? 1 : info->kind == BF16_JACOBIAN ? n * n : n;
    float *buf = (float *)malloc(sizeof(float) * (size_t)(nin * (n > 0 ? n : 1) + (out_len > 0 ? out_len : 1)));
    if (buf == NULL) {
        NPY_ALLOW_C_API_DEF
        NPY_ALLOW_C_API
        PyErr_NoMemory();
        NPY_DISABLE_C_API
        return;
    }
    float *out = buf + nin * (n > 0 ? n : 1);
    int overflow = 0;
    for (npy_intp r = 0; r < N; r++) {
        for (int k = 0; k < nin; k++)
            for (npy_intp j = 0; j < n; j++)
                buf[k * n + j] = bf16_to_float(*(const uint16_t *)(args[k] + r * steps[k] + j * cs[k]));
        char *fargs[3];
        for (int k = 0; k < nin; k++) fargs[k] = (char *)(buf + k * n);
        fargs[nin] = (char *)out;
        npy_intp fdims[2] = {1, n};
        /* outer steps (one row: unused), then the core strides */
        npy_intp fsteps[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int q = nargs;
        for (int k = 0; k < nin; k++) fsteps[q++] = sizeof(float);
        if (info->kind == BF16_JACOBIAN) { fsteps[q++] = n * (npy_intp)sizeof(float); fsteps[q++] = sizeof(float); }
        else if (info->kind != BF16_REDUCE) fsteps[q++] = sizeof(float);
        (*info->f32)(fargs, fdims, fsteps, NULL);
        char *o = args[nin] + r * steps[nin];
        if (info->kind == BF16_REDUCE)
            *(uint16_t *)o = float_to_bf16(out[0], &overflow);
        else if (info->kind == BF16_JACOBIAN)
            for (npy_intp i = 0; i < n; i++)
                for (npy_intp j = 0; j < n; j++)
                    *(uint16_t *)(o + i * cs[nin] + j * cs[nin + 1]) = float_to_bf16(out[i * n + j], &overflow);
        else
            for (npy_intp j = 0; j < n; j++)
                *(uint16_t *)(o + j * cs[nin]) = float_to_bf16(out[j], &overflow);
    }
    free(buf);
    if (overflow) feraiseexcept(FE_OVERFLOW);
}

/* one info per ufunc, from the table */
#define PYACTX_UNARY(name, doc, gdoc)                                          \
    static const bf16_info name##_bf16 = {&name##_loops[1], 1, 1, BF16_ELEMENTWISE}; \
    static const bf16_info name##_grad_bf16 = {&name##_grad_loops[1], 1, 1, BF16_ELEMENTWISE};
#define PYACTX_PARAM(name, doc, gdoc)                                          \
    static const bf16_info name##_bf16 = {&name##_loops[1], 2, 1, BF16_ELEMENTWISE}; \
    static const bf16_info name##_grad_bf16 = {&name##_grad_loops[1], 2, 1, BF16_ELEMENTWISE};
#define PYACTX_PAIR PYACTX_PARAM
#define PYACTX_GATE(name, doc, gdoc)                                           \
    static const bf16_info name##_bf16 = {&name##_loops[1], 2, 1, BF16_ELEMENTWISE}; \
    static const bf16_info name##_grad_bf16 = {&name##_grad_loops[1], 2, 2, BF16_ELEMENTWISE};
#define PYACTX_ROWS_MAP(name, sig, doc) static const bf16_info name##_bf16 = {&name##_loops[1], 1, 1, BF16_MAP};
#define PYACTX_ROWS_REDUCE(name, sig, doc) static const bf16_info name##_bf16 = {&name##_loops[1], 1, 1, BF16_REDUCE};
#define PYACTX_ROWS_JACOBIAN(name, sig, doc) static const bf16_info name##_bf16 = {&name##_loops[1], 1, 1, BF16_JACOBIAN};
#define PYACTX_ROWS_VJP(name, sig, doc) static const bf16_info name##_bf16 = {&name##_loops[1], 2, 1, BF16_VJP};
#define PYACTX_ROWS_LABEL_REDUCE(name, sig, doc)
#define PYACTX_ROWS_LABEL_MAP(name, sig, doc)
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"

static int
bf16_register(PyObject *module, const char *name, int typenum, const bf16_info *info)
{
    PyObject *uf = PyObject_GetAttrString(module, name);
    if (uf == NULL) return -1;
    int types[4] = {typenum, typenum, typenum, typenum};
    int rc = PyUFunc_RegisterLoopForType(
        (PyUFuncObject *)uf, typenum,
        info->kind == BF16_ELEMENTWISE ? bf16_elementwise_loop : bf16_rows_loop, types,
        (void *)info);
    Py_DECREF(uf);
    return rc;
}

/* the type number registered, or -1: written once, under the GIL */
static int bf16_registered = -1;

static PyObject *
py_register_bfloat16(PyObject *module, PyObject *arg)
{
    int typenum = (int)PyLong_AsLong(arg);
    if (typenum == -1 && PyErr_Occurred()) return NULL;
    PyArray_Descr *d = PyArray_DescrFromType(typenum);
    if (d == NULL) return NULL;
    int ok = typenum >= NPY_USERDEF && PyDataType_ELSIZE(d) == 2;
    Py_DECREF(d);
    if (!ok) {
        PyErr_Format(PyExc_ValueError, "_register_bfloat16: type %d is not a 2-byte user dtype",
                     typenum);
        return NULL;
    }
    if (bf16_registered == typenum) Py_RETURN_NONE;
    if (bf16_registered != -1) {
        PyErr_SetString(PyExc_RuntimeError, "_register_bfloat16: another type is registered");
        return NULL;
    }
#define PYACTX_UNARY(name, doc, gdoc)                                          \
    if (bf16_register(module, #name, typenum, &name##_bf16) < 0) return NULL;  \
    if (bf16_register(module, #name "_grad", typenum, &name##_grad_bf16) < 0) return NULL;
#define PYACTX_PARAM PYACTX_UNARY
#define PYACTX_PAIR PYACTX_UNARY
#define PYACTX_GATE PYACTX_UNARY
#define PYACTX_ROWS_MAP(name, sig, doc)                                        \
    if (bf16_register(module, #name, typenum, &name##_bf16) < 0) return NULL;
#define PYACTX_ROWS_REDUCE PYACTX_ROWS_MAP
#define PYACTX_ROWS_JACOBIAN PYACTX_ROWS_MAP
#define PYACTX_ROWS_VJP PYACTX_ROWS_MAP
#define PYACTX_ROWS_LABEL_REDUCE(name, sig, doc)
#define PYACTX_ROWS_LABEL_MAP(name, sig, doc)
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"
    bf16_registered = typenum;
    Py_RETURN_NONE;
}

static PyMethodDef pyactx_methods[] = {
    {"_register_bfloat16", py_register_bfloat16, METH_O,
     "_register_bfloat16(typenum)\n\nAdd bfloat16 loops (ml_dtypes' type number) to every "
     "ufunc; pyactx does this at import when ml_dtypes is installed."},
    {"get_num_threads", py_get_num_threads, METH_NOARGS,
     "get_num_threads()\n\nThreads used to split large contiguous arrays (default: the "
     "CPUs available to the process, or PYACTX_NUM_THREADS)."},
    {"set_num_threads", py_set_num_threads, METH_O,
     "set_num_threads(n)\n\nUse n threads (n >= 1) for large arrays; results are "
     "bit-identical for any n.  Returns the value now in use."},
    {"_stream_min_bytes", py_stream_min_bytes, METH_VARARGS,
     "_stream_min_bytes([bytes])\n\nThe output size (bytes) from which the elementwise loops "
     "write with streaming stores (default 32 MiB, or PYACTX_STREAM_MIN_BYTES); with an "
     "argument, set it (0: never) and return the previous value."},
    {"get_dispatch", py_get_dispatch, METH_NOARGS,
     "get_dispatch()\n\nName of the instruction-set path whose loops are in use."},
    {"set_dispatch", py_set_dispatch, METH_O,
     "set_dispatch(name)\n\nSwitch every ufunc to the loops of `name` ('auto', 'avx512', "
     "'avx2' or 'baseline'); returns the path now in use.  Raises if the CPU lacks it."},
    {"available_dispatch", py_available_dispatch, METH_NOARGS,
     "available_dispatch()\n\nThe paths this CPU supports, best first."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef pyactx_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyactx._core",
    .m_doc = "pyactx C core: activation functions, derivatives and the softmax "
             "family as NumPy ufuncs.  Use the pyactx package, not this module.",
    .m_size = 0,
    .m_methods = pyactx_methods,
    .m_slots = pyactx_slots,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&pyactx_module);
}
