/*
 * vmath_float.h -- the float instantiation of kernels/vmath.inc, for the C
 * test and benchmark of the cores.  pyactx.h instantiates vmath.inc for
 * double only: the loops evaluate float32/float16 in double (see fast.inc),
 * so the float cores are measured here, ready for native float kernels.
 */
#ifndef PYACTX_TESTS_VMATH_FLOAT_H
#define PYACTX_TESTS_VMATH_FLOAT_H
#include "pyactx/pyactx.h"
#define PYACTX_T float
#define PYACTX_S f
#define PYACTX_FLOAT 1
#include "pyactx/_typegen.h"
#include "pyactx/kernels/vmath.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_FLOAT
#undef PYACTX_T
#undef PYACTX_S
#endif
