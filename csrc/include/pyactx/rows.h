/*
 * rows.h -- the softmax family: row kernels, Python-free.
 *
 * One template, kernels/softmax.inc, is included here four times, once per
 * storage type:
 *
 *     suffix  storage (IO)     working type (WT)   load / store
 *     _h      uint16_t (half)  double              pyactx_half_to_double / pyactx_double_to_half
 *     _f      float            double              widen / round once
 *     _d      double           double              identity
 *     _l      long double      long double         identity
 *
 * Functions (strides in ELEMENTS, any sign, 0 allowed for inputs; n >= 0):
 *
 *   void pyactx_softmax_row_<s>(n, x, sx, y, sy)
 *   void pyactx_log_softmax_row_<s>(n, x, sx, y, sy)
 *   void pyactx_logsumexp_row_<s>(n, x, sx, out)
 *   void pyactx_softmax_jacobian_row_<s>(n, x, sx, J, sj_i, sj_j)
 *   void pyactx_softmax_vjp_row_<s>(n, x, sx, g, sg, y, sy)
 *   void pyactx_log_softmax_vjp_row_<s>(n, x, sx, g, sg, y, sy)
 *   void pyactx_cross_entropy_row_<s>(n, x, sx, label, out)      0 <= label < n
 *   void pyactx_cross_entropy_grad_row_<s>(n, x, sx, label, y, sy)
 *
 * Outputs may alias an input exactly (same pointer, same stride): every
 * kernel reads an element before it writes the same index, and keeps no
 * scratch buffer (no malloc).  The Jacobian uses its own first two rows as
 * scratch, so J must not overlap x.
 *
 * Edge cases (pyactx/_spec.py, SOFTMAX_ROW_NOTES): -inf entries give exactly
 * 0; a row of all -inf gives NaN (logsumexp: -inf); a row containing +inf or
 * NaN gives NaN (logsumexp: +inf for +inf without NaN); n == 0 writes
 * nothing (logsumexp: -inf); n == 1 gives softmax = 1.  For the two vjp
 * kernels, a non-finite entry of g also gives a row of NaN.  These NaN are
 * written as constants: no floating-point flag is raised for them.
 *
 * Flags: no invalid, divide-by-zero or overflow for any input except a
 * genuine overflow (a finite input whose exact result is beyond the largest
 * finite value, e.g. log_softmax([1e308, -1e308])).  Underflow may be raised
 * where a result or a negligible correction term is tiny; the NumPy loops
 * clear it.  See kernels/softmax.inc for the numerics.
 */
#ifndef PYACTX_ROWS_H
#define PYACTX_ROWS_H

/* the double-T helpers pyactx_two_sum_{d,l}, pyactx_exp_dd_{d,l} and the
 * half conversions; harmless if pyactx.h is the one including us */
#include "pyactx/pyactx.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Row classification after the max scan (see softmax.inc). */
#define PYACTX_ROW_OK 0     /* finite max: the normal path */
#define PYACTX_ROW_NAN 1    /* contains a NaN */
#define PYACTX_ROW_PINF 2   /* contains +inf, no NaN */
#define PYACTX_ROW_EMPTY 3  /* n == 0 or every entry -inf */

/* Scratch for the Jacobian (see softmax_jacobian_row in softmax.inc): a
 * working-type y_j = hi + lo kept in two storage-type slots of J.  float16
 * and float32 slots hold the *bit pattern* of a wider number (moved with
 * memcpy, never through floating-point arithmetic): a float32 in two
 * float16 slots, a double in two float32 slots, so that y_j keeps 24 / 53
 * bits and its full exponent range.  double and long double hold hi and lo
 * themselves. */
static inline void pyactx_rows_put_h(uint16_t *a, uint16_t *b, double hi, double lo)
{
    float f = (float)hi;
    uint32_t u;
    (void)lo;
    memcpy(&u, &f, sizeof u);
    *a = (uint16_t)(u >> 16);
    *b = (uint16_t)(u & 0xffffu);
}
static inline double pyactx_rows_get_h(const uint16_t *a, const uint16_t *b, double *lo)
{
    uint32_t u = ((uint32_t)*a << 16) | *b;
    float f;
    memcpy(&f, &u, sizeof f);
    *lo = 0;
    return f;
}
static inline void pyactx_rows_put_f(float *a, float *b, double hi, double lo)
{
    uint64_t u;
    uint32_t w;
    (void)lo;
    memcpy(&u, &hi, sizeof u);
    w = (uint32_t)(u >> 32);
    memcpy(a, &w, sizeof w);
    w = (uint32_t)(u & 0xffffffffu);
    memcpy(b, &w, sizeof w);
}
static inline double pyactx_rows_get_f(const float *a, const float *b, double *lo)
{
    uint32_t wa, wb;
    uint64_t u;
    double d;
    memcpy(&wa, a, sizeof wa);
    memcpy(&wb, b, sizeof wb);
    u = ((uint64_t)wa << 32) | wb;
    memcpy(&d, &u, sizeof d);
    *lo = 0;
    return d;
}

/* ------------------------------------------------------------- float16 */
#define SM_IO uint16_t
#define SM_WT double
#define SM_S h
#define SM_WS d
#define SM_WT_LONG 0
#define SM_LOAD(v) pyactx_half_to_double(v)
#define SM_STORE(v) pyactx_double_to_half(v)
#define SM_IO_MIN_EXP (-13)
#define SM_IO_MANT_DIG 11
#define SM_IO_IS_WT 0
#define SM_PUT(a, b, hi, lo) pyactx_rows_put_h((a), (b), (hi), (lo))
#define SM_GET(a, b, lo) pyactx_rows_get_h((a), (b), (lo))
#include "pyactx/kernels/softmax.inc"

/* --------------------------------------------------------------- float */
#define SM_IO float
#define SM_WT double
#define SM_S f
#define SM_WS d
#define SM_WT_LONG 0
#define SM_LOAD(v) ((double)(v))
#define SM_STORE(v) ((float)(v))
#define SM_IO_MIN_EXP FLT_MIN_EXP
#define SM_IO_MANT_DIG FLT_MANT_DIG
#define SM_IO_IS_WT 0
#define SM_PUT(a, b, hi, lo) pyactx_rows_put_f((a), (b), (hi), (lo))
#define SM_GET(a, b, lo) pyactx_rows_get_f((a), (b), (lo))
#include "pyactx/kernels/softmax.inc"

/* -------------------------------------------------------------- double */
#define SM_IO double
#define SM_WT double
#define SM_S d
#define SM_WS d
#define SM_WT_LONG 0
#define SM_LOAD(v) (v)
#define SM_STORE(v) (v)
#define SM_IO_MIN_EXP DBL_MIN_EXP
#define SM_IO_MANT_DIG DBL_MANT_DIG
#define SM_IO_IS_WT 1
#define SM_PUT(a, b, hi, lo) (*(a) = (hi), *(b) = (lo))
#define SM_GET(a, b, lo) (*(lo) = *(b), *(a))
#include "pyactx/kernels/softmax.inc"

/* --------------------------------------------------------- long double */
#define SM_IO long double
#define SM_WT long double
#define SM_S l
#define SM_WS l
#define SM_WT_LONG 1
#define SM_LOAD(v) (v)
#define SM_STORE(v) (v)
#define SM_IO_MIN_EXP LDBL_MIN_EXP
#define SM_IO_MANT_DIG LDBL_MANT_DIG
#define SM_IO_IS_WT 1
#define SM_PUT(a, b, hi, lo) (*(a) = (hi), *(b) = (lo))
#define SM_GET(a, b, lo) (*(lo) = *(b), *(a))
#include "pyactx/kernels/softmax.inc"

#ifdef __cplusplus
}
#endif
#endif /* PYACTX_ROWS_H */
