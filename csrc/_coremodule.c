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
 * np.exp.  float16 loops convert blocks to float32 and run the float32
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
    TEMPLATE(name##_loop_g, name, 3)                                           \
    static pyactx_method_loop *name##_method_loops[4] = {                     \
        name##_loop_e, name##_loop_f, name##_loop_d, name##_loop_g};

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
        loops, (void **)null_data, (char *)types, 4, nin, nout, PyUFunc_None,
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
    for (int k = 0; k < 4; k++) {
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

static PyMethodDef pyactx_methods[] = {
    {"get_num_threads", py_get_num_threads, METH_NOARGS,
     "get_num_threads()\n\nThreads used to split large contiguous arrays (default: the "
     "CPUs available to the process, or PYACTX_NUM_THREADS)."},
    {"set_num_threads", py_set_num_threads, METH_O,
     "set_num_threads(n)\n\nUse n threads (n >= 1) for large arrays; results are "
     "bit-identical for any n.  Returns the value now in use."},
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
