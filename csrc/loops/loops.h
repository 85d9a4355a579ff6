/*
 * loops.h -- NumPy-style strided inner loops over the kernels, Python-free.
 *
 * A loop has NumPy's PyUFuncGenericFunction shape with plain C types
 * (npy_intp is ptrdiff_t on every supported platform; the module checks):
 *     void loop(char **args, const ptrdiff_t *dims, const ptrdiff_t *steps, void *data)
 *
 * loops.inc is written once and compiled once per instruction set
 * (loops_baseline.c, loops_avx2.c, loops_avx512.c) with that ISA's flags, so
 * the compiler vectorises the contiguous paths for it.  Each compilation
 * exports one table of loop pointers; the module picks a table at import
 * (CPU detection, or PYACTX_DISPATCH) and can switch tables at run time.
 *
 * Table layout: for every function, 4 loops in NumPy's dtype order
 * float16, float32, float64, longdouble (NULL without long double).
 *
 * Stack budget: a loop call keeps at most ~23 KiB on the caller's stack
 * (gcc -fstack-usage, AVX-512 table: a strided float16 gate gradient's
 * gathered blocks, 12.7 KiB, then the float32 range function, 9.7 KiB;
 * block buffers of <= 2 KiB each); the row kernels' scratch is a heap workspace per call and thread (rows.h).  Threads with
 * a 64 KiB stack are tested (tests/ufunc/test_robustness.py).
 */
#ifndef PYACTX_LOOPS_H
#define PYACTX_LOOPS_H

#include <stddef.h>

/* Loop dtypes: PYACTX_NTYPES of them, the first ones of NumPy's float16,
 * float32, float64, longdouble.  A build with PYACTX_NO_LONG_DOUBLE has no
 * long double loops: their table slots are NULL (PYACTX_LOOP_G) and the
 * module registers three dtypes. */
#ifdef PYACTX_NO_LONG_DOUBLE
#  define PYACTX_NTYPES 3
#  define PYACTX_LOOP_G(loop) NULL
#else
#  define PYACTX_NTYPES 4
#  define PYACTX_LOOP_G(loop) loop
#endif

typedef void (*pyactx_loop)(char **args, const ptrdiff_t *dims, const ptrdiff_t *steps, void *data);

typedef struct {
#define PYACTX_UNARY(name, doc, gdoc) pyactx_loop name[4]; pyactx_loop name##_grad[4];
#define PYACTX_PARAM PYACTX_UNARY
#define PYACTX_PAIR PYACTX_UNARY
#define PYACTX_GATE PYACTX_UNARY
#define PYACTX_ROWS_MAP(name, sig, doc) pyactx_loop name[4];
#define PYACTX_ROWS_REDUCE PYACTX_ROWS_MAP
#define PYACTX_ROWS_JACOBIAN PYACTX_ROWS_MAP
#define PYACTX_ROWS_VJP PYACTX_ROWS_MAP
/* label gufuncs: the row loops, called by the module's ArrayMethod loops
 * after they have validated the labels */
#define PYACTX_ROWS_LABEL_MAP PYACTX_ROWS_MAP
#define PYACTX_ROWS_LABEL_REDUCE PYACTX_ROWS_MAP
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"
} pyactx_loop_table;

/* ISA tables; those not compiled for this platform are absent (see
 * PYACTX_HAVE_X86_DISPATCH, defined by the build on x86-64). */
extern const pyactx_loop_table pyactx_loops_baseline;
#ifdef PYACTX_HAVE_X86_DISPATCH
extern const pyactx_loop_table pyactx_loops_avx2;
extern const pyactx_loop_table pyactx_loops_avx512;
#endif

#endif /* PYACTX_LOOPS_H */
