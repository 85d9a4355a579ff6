/*
 * pyactx.h -- the Python-free C core of pyactx.
 *
 * Every kernel is written once, in the file of its family under kernels/
 * (one file per family, its scalar and vector kernels together; the list
 * and a table of which function is where: kernels/families.inc), against
 * the type-generic vocabulary of _typegen.h (T, NAME(...), M(...), C(...)),
 * and included here once per floating type:
 *
 *     double       suffix _d   libm: exp, expm1, erfc, ...
 *     long double  suffix _l   libm: expl, expm1l, erfcl, ...
 *
 * Only the long double kernels use long double.  The double kernels carry
 * the extra precision they need in double-double (kernels/dd.inc) and
 * recompute subnormal tails with a scaled exp (mul_exp, kernels/common.inc),
 * so float64, float32 and float16 give the same results whether long double
 * is x87's 64-bit significand (Linux, mingw), IEEE quad (aarch64 Linux) or
 * just double (MSVC, Apple Silicon).  Defining PYACTX_NO_LONG_DOUBLE (setup.py
 * does for the environment variable PYACTX_NO_LONG_DOUBLE=1) builds without
 * the long double kernels and loops, and makes any use of long double in the
 * other kernels a compile error: the check that this stays true.
 *
 * The scalar float32 kernels (suffix _f, pyactx_float.h) evaluate the double
 * kernel (_d) and round once, so they are within 0.5 ULP + a vanishing
 * double-rounding term of the exact value; the NumPy loops use faster
 * vector kernels (double rounded once, or native float) where the spec says
 * so (csrc/loops/loop_instances.inc).  float16 loops convert blocks to float32 and run the
 * float32 loops' kernels (loops/elementwise_half.inc); no float16 kernel goes
 * through double, except the softmax family's rows (rows.h).
 *
 * Naming (mirrors pyactx/_spec.py, the single table every list derives from):
 *   unary : T pyactx_<name>_<s>(T x),      T pyactx_<name>_grad_<s>(T x)
 *   param : T pyactx_<name>_<s>(T x, T p), T pyactx_<name>_grad_<s>(T x, T p)
 *   gate  : T pyactx_<name>_<s>(T a, T b),
 *           void pyactx_<name>_grad_<s>(T a, T b, T *da, T *db)
 *   pair  : T pyactx_<name>_<s>(T x, T t), T pyactx_<name>_grad_<s>(T x, T t)
 *   rows  : softmax family, see kernels/softmax.inc
 *
 * Floating-point flags: kernels raise invalid only for a domain error (e.g.
 * logit(2)), divide-by-zero only at a pole (logit(0)), overflow only when a
 * finite input has an infinite result; NaN inputs raise nothing.  They may
 * raise underflow (tails evaluated through a tiny exp); callers that report
 * flags (the NumPy loops) clear it, since the results stay accurate there.
 */
#ifndef PYACTX_H
#define PYACTX_H

/* The kernels need IEEE semantics: NaN and inf tests, signed zeros, and the
 * error-free transformations (two_sum, two_prod) that -ffast-math lets the
 * compiler "simplify" away -- softmax([1, 2, 3]) then returns wrong values.
 * Refuse such a build instead of computing garbage. */
#if defined(__FAST_MATH__)
#  error "pyactx: do not compile with -ffast-math (it breaks NaN/inf handling and the error-free transformations the kernels rely on)"
#endif
#if defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__
#  error "pyactx: do not compile with -ffinite-math-only (the kernels must see NaN and inf)"
#endif
#if defined(__ASSOCIATIVE_MATH__) || defined(__RECIPROCAL_MATH__)
#  error "pyactx: do not compile with -fassociative-math / -freciprocal-math (they break the compensated sums)"
#endif

#include <math.h>
#include <fenv.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <float.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PYACTX_INLINE static inline

/* A hardware fused multiply-add: fma() is then one instruction, and the
 * kernels use it for their exact products.  GCC says so with __FP_FAST_FMA
 * (-mfma, AVX-512, aarch64); clang does not define that macro, so its
 * target macros are read instead (__FMA__ on x86 with -mfma,
 * __ARM_FEATURE_FMA on aarch64).  Without it the kernels form exact
 * products with Dekker's algorithm (a plain fma() would be a slow libm
 * call). */
#if defined(__FP_FAST_FMA) || defined(FP_FAST_FMA) || defined(__FMA__) \
    || defined(__ARM_FEATURE_FMA)
#  define PYACTX_FAST_FMA 1
#endif
#if defined(__FP_FAST_FMAF) || defined(FP_FAST_FMAF) || defined(__FMA__) \
    || defined(__ARM_FEATURE_FMA)
#  define PYACTX_FAST_FMAF 1
#endif

/* The scalar kernels rely on the floating-point flags: they raise invalid,
 * divide-by-zero and overflow exactly where the result is a domain error,
 * a pole or an overflow, and test for NaN with the quiet comparisons
 * (isless, isgreater) before any arithmetic that could raise.  GCC keeps
 * that order by default (-ftrapping-math).  clang by default assumes that
 * nobody reads the flags: it evaluates both sides of a branch
 * (spuriously overflowing in the side not taken) and lowers isless() to
 * signalling compares (CMPLESD) that raise invalid on a NaN operand -- 37
 * flag tests failed on a clang 14 build.  So the scalar kernels are
 * compiled with clang's strict exception semantics, from
 * PYACTX_FP_STRICT_BEGIN to PYACTX_FP_STRICT_END.  Not the vector kernels:
 * they are written to raise nothing in any lane whatever the compiler
 * speculates (integer compares, sanitised operands), and strict semantics
 * would stop their vectorisation (measured: 30-45x slower loops). */
#if defined(__clang__) && __clang_major__ >= 12
#  define PYACTX_FP_STRICT_BEGIN _Pragma("clang fp exceptions(strict)")
#  define PYACTX_FP_STRICT_END _Pragma("clang fp exceptions(ignore)")
#else
#  define PYACTX_FP_STRICT_BEGIN
#  define PYACTX_FP_STRICT_END
#endif

/* which part of a family file kernels/families.inc includes (PYACTX_PART) */
#define PYACTX_SCALAR_PART 1
#define PYACTX_VECTOR_PART 2

/* ----------------------------------------------------------- long double */
#ifndef PYACTX_NO_LONG_DOUBLE
#define PYACTX_T long double
#define PYACTX_S l
#define PYACTX_LONG_DOUBLE 1
#include "pyactx/_typegen.h"
#include "pyactx/kernels/all.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_LONG_DOUBLE
#undef PYACTX_T
#undef PYACTX_S
#else
/* From here to the end of the kernels (PYACTX_END_NO_LONG_DOUBLE), the word
 * `long` is a macro whose name says why the compilation stops: `long
 * double` in a float64/float32/float16 kernel is then a syntax error.  (No
 * kernel uses `long` for an integer; they use the <stdint.h> types.) */
#  define long PYACTX_NO_LONG_DOUBLE_build__long_double_is_not_allowed_here
#endif

/* ---------------------------------------------------------------- double */
#define PYACTX_T double
#define PYACTX_S d
#include "pyactx/_typegen.h"
#include "pyactx/kernels/all.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_T
#undef PYACTX_S

PYACTX_FP_STRICT_BEGIN
#include "pyactx/pyactx_float.h"
PYACTX_FP_STRICT_END
#include "pyactx/pyactx_half.h"

/* ------------------------------------------- float: vector kernels only */
/* The vectorisable cores (kernels/vmath.inc) and the vector part of every
 * family (kernels/families.inc) once more in native float arithmetic
 * (suffix _f: pyactx_vexp_f, pyactx_sigmoid_v_f; twice the lanes of
 * double), for the float32 loops whose spec says "F" (pyactx/_spec.py).
 * The scalar float kernels above (pyactx_sigmoid_f) stay the
 * double-evaluated ones. */
#define PYACTX_T float
#define PYACTX_S f
#define PYACTX_FLOAT 1
#include "pyactx/_typegen.h"
#include "pyactx/kernels/vmath.inc"
#define PYACTX_PART PYACTX_VECTOR_PART
#include "pyactx/kernels/families.inc"
#undef PYACTX_PART
#include "pyactx/kernels/vmath_end.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_FLOAT
#undef PYACTX_T
#undef PYACTX_S

#ifdef PYACTX_NO_LONG_DOUBLE
#  undef long
#endif

#ifdef __cplusplus
}
#endif
#endif /* PYACTX_H */
