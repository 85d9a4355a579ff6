/* The inner loops compiled for the baseline instruction set (flags in setup.py). */
#define PYACTX_LOOP_TABLE pyactx_loops_baseline
#include "loops.inc"
