/* The inner loops compiled for the avx512 instruction set (flags in setup.py). */
#define PYACTX_LOOP_TABLE pyactx_loops_avx512
#include "loops.inc"
