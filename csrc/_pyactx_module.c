/*
 * _pyactx_module.c -- the only file that includes Python.h and NumPy.
 *
 * It turns the Python-free kernels of include/pyactx/ into NumPy ufuncs:
 * one strided loop per (function, dtype), generated from the X-macro table
 * include/pyactx/table.inc (itself generated from pyactx/_spec.py), and
 * registers them in the extension module pyactx._core.
 *
 * Loop dtypes are float16, float32, float64 and longdouble, in that order,
 * so NumPy's type resolver promotes integer and bool inputs exactly as for
 * np.exp.  float16 and float32 evaluate the double kernel and round once.
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
#include <numpy/halffloat.h>

#include <fenv.h>

#include "pyactx/pyactx.h"
#include "pyactx/rows.h"

static inline void
pyactx_clear_underflow(void)
{
    feclearexcept(FE_UNDERFLOW);
}

/* ---------------------------------------------------------------------
 * float16 wrappers: h -> double -> kernel -> h (one rounding).
 * ------------------------------------------------------------------ */
#define H2D pyactx_half_to_double
#define D2H pyactx_double_to_half

#define PYACTX_UNARY(name, doc, gdoc)                                          \
    static inline npy_half pyactx_##name##_h(npy_half x)                      \
    { return D2H(pyactx_##name##_d(H2D(x))); }                                \
    static inline npy_half pyactx_##name##_grad_h(npy_half x)                 \
    { return D2H(pyactx_##name##_grad_d(H2D(x))); }
#define PYACTX_PARAM(name, doc, gdoc)                                          \
    static inline npy_half pyactx_##name##_h(npy_half x, npy_half p)          \
    { return D2H(pyactx_##name##_d(H2D(x), H2D(p))); }                        \
    static inline npy_half pyactx_##name##_grad_h(npy_half x, npy_half p)     \
    { return D2H(pyactx_##name##_grad_d(H2D(x), H2D(p))); }
#define PYACTX_PAIR PYACTX_PARAM
#define PYACTX_GATE(name, doc, gdoc)                                           \
    static inline npy_half pyactx_##name##_h(npy_half a, npy_half b)          \
    { return D2H(pyactx_##name##_d(H2D(a), H2D(b))); }                        \
    static inline void pyactx_##name##_grad_h(npy_half a, npy_half b,         \
                                              npy_half *da, npy_half *db)     \
    { double ga, gb; pyactx_##name##_grad_d(H2D(a), H2D(b), &ga, &gb);        \
      *da = D2H(ga); *db = D2H(gb); }
#include "pyactx/table.inc"
#undef PYACTX_UNARY
#undef PYACTX_PARAM
#undef PYACTX_PAIR
#undef PYACTX_GATE

/* ---------------------------------------------------------------------
 * Loop templates.  Byte strides throughout; a contiguous fast path (the
 * shape a vectorised kernel will take over) and a generic strided path.
 * ------------------------------------------------------------------ */

/* y = f(x) */
#define LOOP_1_1(loop, Tp, fn)                                                 \
static void loop(char **args, npy_intp const *dims, npy_intp const *steps,    \
                 void *NPY_UNUSED(data))                                      \
{                                                                              \
    npy_intp n = dims[0], is = steps[0], os = steps[1];                       \
    char *ip = args[0], *op = args[1];                                        \
    if (is == sizeof(Tp) && os == sizeof(Tp)) {                               \
        const Tp *x = (const Tp *)ip;                                         \
        Tp *y = (Tp *)op;                                                     \
        for (npy_intp i = 0; i < n; i++) y[i] = fn(x[i]);                     \
    }                                                                          \
    else {                                                                     \
        for (npy_intp i = 0; i < n; i++, ip += is, op += os)                  \
            *(Tp *)op = fn(*(const Tp *)ip);                                  \
    }                                                                          \
    pyactx_clear_underflow();                                                  \
}

/* y = f(x, p): fast paths for contiguous x with a scalar (stride 0) or a
 * contiguous second input. */
#define LOOP_2_1(loop, Tp, fn)                                                 \
static void loop(char **args, npy_intp const *dims, npy_intp const *steps,    \
                 void *NPY_UNUSED(data))                                      \
{                                                                              \
    npy_intp n = dims[0], s0 = steps[0], s1 = steps[1], s2 = steps[2];        \
    char *a = args[0], *b = args[1], *o = args[2];                            \
    if (s0 == sizeof(Tp) && s2 == sizeof(Tp) && s1 == 0) {                    \
        const Tp *x = (const Tp *)a, p = *(const Tp *)b;                      \
        Tp *y = (Tp *)o;                                                      \
        for (npy_intp i = 0; i < n; i++) y[i] = fn(x[i], p);                  \
    }                                                                          \
    else if (s0 == sizeof(Tp) && s1 == sizeof(Tp) && s2 == sizeof(Tp)) {      \
        const Tp *x = (const Tp *)a, *p = (const Tp *)b;                      \
        Tp *y = (Tp *)o;                                                      \
        for (npy_intp i = 0; i < n; i++) y[i] = fn(x[i], p[i]);               \
    }                                                                          \
    else {                                                                     \
        for (npy_intp i = 0; i < n; i++, a += s0, b += s1, o += s2)           \
            *(Tp *)o = fn(*(const Tp *)a, *(const Tp *)b);                    \
    }                                                                          \
    pyactx_clear_underflow();                                                  \
}

/* (da, db) = f(a, b) */
#define LOOP_2_2(loop, Tp, fn)                                                 \
static void loop(char **args, npy_intp const *dims, npy_intp const *steps,    \
                 void *NPY_UNUSED(data))                                      \
{                                                                              \
    npy_intp n = dims[0];                                                     \
    char *a = args[0], *b = args[1], *o0 = args[2], *o1 = args[3];            \
    for (npy_intp i = 0; i < n; i++) {                                        \
        Tp r0, r1;                                                            \
        fn(*(const Tp *)a, *(const Tp *)b, &r0, &r1);                         \
        *(Tp *)o0 = r0;                                                       \
        *(Tp *)o1 = r1;                                                       \
        a += steps[0]; b += steps[1]; o0 += steps[2]; o1 += steps[3];         \
    }                                                                          \
    pyactx_clear_underflow();                                                  \
}

#define FOUR_LOOPS(TEMPLATE, name)                                             \
    TEMPLATE(name##_loop_e, npy_half, pyactx_##name##_h)                      \
    TEMPLATE(name##_loop_f, float, pyactx_##name##_f)                         \
    TEMPLATE(name##_loop_d, double, pyactx_##name##_d)                        \
    TEMPLATE(name##_loop_g, npy_longdouble, pyactx_##name##_l)                \
    static PyUFuncGenericFunction name##_loops[4] = {                         \
        name##_loop_e, name##_loop_f, name##_loop_d, name##_loop_g};

#define PYACTX_UNARY(name, doc, gdoc)                                          \
    FOUR_LOOPS(LOOP_1_1, name) FOUR_LOOPS(LOOP_1_1, name##_grad)
#define PYACTX_PARAM(name, doc, gdoc)                                          \
    FOUR_LOOPS(LOOP_2_1, name) FOUR_LOOPS(LOOP_2_1, name##_grad)
#define PYACTX_PAIR PYACTX_PARAM
#define PYACTX_GATE(name, doc, gdoc)                                           \
    FOUR_LOOPS(LOOP_2_1, name) FOUR_LOOPS(LOOP_2_2, name##_grad)
#include "pyactx/table.inc"
#undef PYACTX_UNARY
#undef PYACTX_PARAM
#undef PYACTX_PAIR
#undef PYACTX_GATE

/* ---------------------------------------------------------------------
 * Softmax family: gufunc loops over rows.  NumPy passes byte strides; the
 * row kernels take element strides (operands of ufunc loops are aligned, so
 * every stride is a multiple of the item size).
 * dims[0] = number of rows, dims[1] = n; steps = outer strides of every
 * operand, then core strides in signature order.
 * ------------------------------------------------------------------ */
#define ES(s, Tp) ((ptrdiff_t)((s) / (npy_intp)sizeof(Tp)))

#define ROWS_MAP_LOOP(loop, Tp, fn)                                            \
static void loop(char **args, npy_intp const *dims, npy_intp const *steps,    \
                 void *NPY_UNUSED(data))                                      \
{                                                                              \
    char *x = args[0], *y = args[1];                                          \
    for (npy_intp r = 0; r < dims[0]; r++, x += steps[0], y += steps[1])      \
        fn(dims[1], (const Tp *)x, ES(steps[2], Tp), (Tp *)y, ES(steps[3], Tp)); \
    pyactx_clear_underflow();                                                  \
}
#define ROWS_REDUCE_LOOP(loop, Tp, fn)                                         \
static void loop(char **args, npy_intp const *dims, npy_intp const *steps,    \
                 void *NPY_UNUSED(data))                                      \
{                                                                              \
    char *x = args[0], *y = args[1];                                          \
    for (npy_intp r = 0; r < dims[0]; r++, x += steps[0], y += steps[1])      \
        fn(dims[1], (const Tp *)x, ES(steps[2], Tp), (Tp *)y);                \
    pyactx_clear_underflow();                                                  \
}
#define ROWS_JACOBIAN_LOOP(loop, Tp, fn)                                       \
static void loop(char **args, npy_intp const *dims, npy_intp const *steps,    \
                 void *NPY_UNUSED(data))                                      \
{                                                                              \
    char *x = args[0], *J = args[1];                                          \
    for (npy_intp r = 0; r < dims[0]; r++, x += steps[0], J += steps[1])      \
        fn(dims[1], (const Tp *)x, ES(steps[2], Tp), (Tp *)J,                 \
           ES(steps[3], Tp), ES(steps[4], Tp));                               \
    pyactx_clear_underflow();                                                  \
}
#define ROWS_VJP_LOOP(loop, Tp, fn)                                            \
static void loop(char **args, npy_intp const *dims, npy_intp const *steps,    \
                 void *NPY_UNUSED(data))                                      \
{                                                                              \
    char *x = args[0], *g = args[1], *y = args[2];                            \
    for (npy_intp r = 0; r < dims[0];                                         \
         r++, x += steps[0], g += steps[1], y += steps[2])                    \
        fn(dims[1], (const Tp *)x, ES(steps[3], Tp), (const Tp *)g,           \
           ES(steps[4], Tp), (Tp *)y, ES(steps[5], Tp));                      \
    pyactx_clear_underflow();                                                  \
}

#define ROWS_FOUR(TEMPLATE, name)                                              \
    TEMPLATE(name##_loop_e, npy_half, pyactx_##name##_row_h)                  \
    TEMPLATE(name##_loop_f, float, pyactx_##name##_row_f)                     \
    TEMPLATE(name##_loop_d, double, pyactx_##name##_row_d)                    \
    TEMPLATE(name##_loop_g, npy_longdouble, pyactx_##name##_row_l)            \
    static PyUFuncGenericFunction name##_loops[4] = {                         \
        name##_loop_e, name##_loop_f, name##_loop_d, name##_loop_g};

#define PYACTX_ROWS_MAP(name, sig, doc) ROWS_FOUR(ROWS_MAP_LOOP, name)
#define PYACTX_ROWS_REDUCE(name, sig, doc) ROWS_FOUR(ROWS_REDUCE_LOOP, name)
#define PYACTX_ROWS_JACOBIAN(name, sig, doc) ROWS_FOUR(ROWS_JACOBIAN_LOOP, name)
#define PYACTX_ROWS_VJP(name, sig, doc) ROWS_FOUR(ROWS_VJP_LOOP, name)
#include "pyactx/table.inc"
#undef PYACTX_ROWS_MAP
#undef PYACTX_ROWS_REDUCE
#undef PYACTX_ROWS_JACOBIAN
#undef PYACTX_ROWS_VJP

/* ---------------------------------------------------------------------
 * Label gufuncs (cross_entropy, cross_entropy_grad): registered through
 * the ArrayMethod API because they must be able to fail.  Every label of
 * the call is validated before anything is written, so a bad label raises
 * ValueError and leaves the output untouched.  Labels are int64 (NumPy
 * casts other integer types safely; float labels are refused by the
 * casting rule with NumPy's TypeError).  Negative labels count from the
 * end, as in NumPy indexing.
 * ------------------------------------------------------------------ */
static int
pyactx_check_labels(const char *ufunc_name, npy_intp nrows, npy_intp n,
                    const char *lab, npy_intp lstep)
{
    for (npy_intp r = 0; r < nrows; r++, lab += lstep) {
        npy_int64 l = *(const npy_int64 *)lab;
        if (l < -(npy_int64)n || l >= (npy_int64)n) {
            NPY_ALLOW_C_API_DEF
            NPY_ALLOW_C_API
            PyErr_Format(PyExc_ValueError,
                         "%s: label %lld out of range for %lld classes "
                         "(valid: -%lld <= label < %lld)", ufunc_name,
                         (long long)l, (long long)n, (long long)n, (long long)n);
            NPY_DISABLE_C_API
            return -1;
        }
    }
    return 0;
}

static inline ptrdiff_t
pyactx_label_index(const char *lab, npy_intp n)
{
    npy_int64 l = *(const npy_int64 *)lab;
    return (ptrdiff_t)(l < 0 ? l + n : l);
}

#define LABEL_REDUCE_LOOP(loop, Tp, fn, uname)                                 \
static int loop(PyArrayMethod_Context *NPY_UNUSED(ctx), char *const *args,    \
                npy_intp const *dims, npy_intp const *steps,                  \
                NpyAuxData *NPY_UNUSED(aux))                                  \
{                                                                              \
    if (pyactx_check_labels(uname, dims[0], dims[1], args[1], steps[1]) < 0)  \
        return -1;                                                            \
    const char *x = args[0], *l = args[1];                                    \
    char *y = args[2];                                                        \
    for (npy_intp r = 0; r < dims[0];                                         \
         r++, x += steps[0], l += steps[1], y += steps[2])                    \
        fn(dims[1], (const Tp *)x, ES(steps[3], Tp),                          \
           pyactx_label_index(l, dims[1]), (Tp *)y);                          \
    pyactx_clear_underflow();                                                  \
    return 0;                                                                  \
}
#define LABEL_MAP_LOOP(loop, Tp, fn, uname)                                    \
static int loop(PyArrayMethod_Context *NPY_UNUSED(ctx), char *const *args,    \
                npy_intp const *dims, npy_intp const *steps,                  \
                NpyAuxData *NPY_UNUSED(aux))                                  \
{                                                                              \
    if (pyactx_check_labels(uname, dims[0], dims[1], args[1], steps[1]) < 0)  \
        return -1;                                                            \
    const char *x = args[0], *l = args[1];                                    \
    char *y = args[2];                                                        \
    for (npy_intp r = 0; r < dims[0];                                         \
         r++, x += steps[0], l += steps[1], y += steps[2])                    \
        fn(dims[1], (const Tp *)x, ES(steps[3], Tp),                          \
           pyactx_label_index(l, dims[1]), (Tp *)y, ES(steps[4], Tp));        \
    pyactx_clear_underflow();                                                  \
    return 0;                                                                  \
}

typedef int (pyactx_method_loop)(PyArrayMethod_Context *, char *const *,
                                 npy_intp const *, npy_intp const *, NpyAuxData *);

#define LABEL_FOUR(TEMPLATE, name)                                             \
    TEMPLATE(name##_loop_e, npy_half, pyactx_##name##_row_h, #name)           \
    TEMPLATE(name##_loop_f, float, pyactx_##name##_row_f, #name)              \
    TEMPLATE(name##_loop_d, double, pyactx_##name##_row_d, #name)             \
    TEMPLATE(name##_loop_g, npy_longdouble, pyactx_##name##_row_l, #name)     \
    static pyactx_method_loop *name##_method_loops[4] = {                     \
        name##_loop_e, name##_loop_f, name##_loop_d, name##_loop_g};

#define PYACTX_ROWS_LABEL_REDUCE(name, sig, doc) LABEL_FOUR(LABEL_REDUCE_LOOP, name)
#define PYACTX_ROWS_LABEL_MAP(name, sig, doc) LABEL_FOUR(LABEL_MAP_LOOP, name)
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

/* A label gufunc: created empty, then one ArrayMethod loop per float type
 * with an int64 label. */
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
#undef PYACTX_UNARY
#undef PYACTX_PARAM
#undef PYACTX_PAIR
#undef PYACTX_GATE
#undef PYACTX_ROWS_MAP
#undef PYACTX_ROWS_REDUCE
#undef PYACTX_ROWS_JACOBIAN
#undef PYACTX_ROWS_VJP
#undef PYACTX_ROWS_LABEL_REDUCE
#undef PYACTX_ROWS_LABEL_MAP
    return 0;
}

static int
pyactx_module_exec(PyObject *m)
{
    if (PyArray_ImportNumPyAPI() < 0) return -1;
    if (PyUFunc_ImportUFuncAPI() < 0) return -1;
    return pyactx_exec(m);
}

static PyModuleDef_Slot pyactx_slots[] = {
    {Py_mod_exec, (void *)pyactx_module_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef pyactx_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyactx._core",
    .m_doc = "pyactx C core: activation functions, derivatives and the softmax "
             "family as NumPy ufuncs.  Use the pyactx package, not this module.",
    .m_size = 0,
    .m_slots = pyactx_slots,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&pyactx_module);
}
