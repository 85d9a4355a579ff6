/* The inner loops compiled for the avx2 instruction set (flags in setup.py). */
#define PYACTX_LOOP_TABLE pyactx_loops_avx2
#include "loops.inc"
