/*
 * pyactx_float.h -- float32 kernels: evaluate the double kernel (_d) and
 * round once.  The double kernels are within a few double ULP (2^-52) of the exact
 * value, so the float result is the correctly rounded one or, within 2^-29
 * of a tie, its neighbour: <= 0.5 + 2^-28 float ULP.  (The vectorised float
 * kernels of a later stage must keep this bar within the 4-ULP contract.)
 * Generated from the X-macro table, so every function has one.
 */
#ifndef PYACTX_FLOAT_H
#define PYACTX_FLOAT_H

#define PYACTX_UNARY(name, doc, gdoc)                                          \
    static inline float pyactx_##name##_f(float x)                            \
    { return (float)pyactx_##name##_d((double)x); }                           \
    static inline float pyactx_##name##_grad_f(float x)                       \
    { return (float)pyactx_##name##_grad_d((double)x); }
#define PYACTX_PARAM(name, doc, gdoc)                                          \
    static inline float pyactx_##name##_f(float x, float p)                   \
    { return (float)pyactx_##name##_d((double)x, (double)p); }                \
    static inline float pyactx_##name##_grad_f(float x, float p)              \
    { return (float)pyactx_##name##_grad_d((double)x, (double)p); }
#define PYACTX_PAIR PYACTX_PARAM
#define PYACTX_GATE(name, doc, gdoc)                                           \
    static inline float pyactx_##name##_f(float a, float b)                   \
    { return (float)pyactx_##name##_d((double)a, (double)b); }                \
    static inline void pyactx_##name##_grad_f(float a, float b, float *da, float *db) \
    { double ga, gb; pyactx_##name##_grad_d((double)a, (double)b, &ga, &gb);  \
      *da = (float)ga; *db = (float)gb; }
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"

#endif /* PYACTX_FLOAT_H */
