/*
 * vmath_float.h -- the float cores of kernels/vmath.inc (pyactx_vexp_f, ...)
 * for the C test and benchmark of the cores.  pyactx.h now instantiates
 * them itself (for the float32 vector kernels); kept as the tests' include.
 */
#ifndef PYACTX_TESTS_VMATH_FLOAT_H
#define PYACTX_TESTS_VMATH_FLOAT_H
#include "pyactx/pyactx.h"
#endif
