/*
 * _typegen.h -- type-generic vocabulary for the kernel family files.
 * Included by pyactx.h with PYACTX_T (the type) and PYACTX_S (the suffix)
 * defined; undone by _typegen_end.h.  Not for direct use.
 *
 *   T               the floating type
 *   NAME(sigmoid)   -> pyactx_sigmoid_d / pyactx_sigmoid_l
 *   M(exp)          -> exp / expl (the libm function for T)
 *   C(0.5)          -> a literal of type T (written with an L suffix, so
 *                      that long double gets all its digits)
 *   CDD(name)       -> the double-T split constant name##_hi / name##_lo
 */
#define T PYACTX_T
#define PYACTX_CAT3_(a, b, c) a##b##c
#define PYACTX_CAT3(a, b, c) PYACTX_CAT3_(a, b, c)
#define PYACTX_CAT_(a, b) a##b
#define PYACTX_CAT(a, b) PYACTX_CAT_(a, b)
#define NAME(n) PYACTX_CAT3(pyactx_, n, PYACTX_CAT(_, PYACTX_S))
#define C(lit) ((T)(lit##L))
#ifdef PYACTX_LONG_DOUBLE
#  define M(fn) fn##l
#  define PYACTX_MANT_DIG LDBL_MANT_DIG
#  define PYACTX_MAX LDBL_MAX
#  define PYACTX_EPS LDBL_EPSILON
#else
#  define M(fn) fn
#  define PYACTX_MANT_DIG DBL_MANT_DIG
#  define PYACTX_MAX DBL_MAX
#  define PYACTX_EPS DBL_EPSILON
#endif
