/*
 * eval_loops.c -- run the ufunc inner loops (the baseline table, the only
 * one off x86) on inputs from files, without Python or NumPy: the program
 * that tools/cross_aarch64.py cross-compiles and runs under qemu, so that
 * an aarch64 build is checked through the same code the ufuncs call there
 * (vector kernels as the compiler vectorised them for NEON, hard lanes,
 * blocks).
 *
 * Usage: eval_loops MANIFEST [THREADS]
 * Each manifest line:  <name> <f|d> <n> <in files...> <out files...>
 * with the loop's inputs and outputs as raw native-endian float32 (f) or
 * float64 (d) arrays of n elements; <name> is a ufunc name (sigmoid,
 * sigmoid_grad, swish, geglu_grad, ...), with as many files as the loop has
 * inputs and outputs (swish: x, beta -> y; geglu_grad: a, b -> da, db).
 *
 * For each line it prints "flags <line number> <bits>": the floating-point
 * flags the call raised (1 invalid, 2 divide-by-zero, 4 overflow), for the
 * caller to compare with the reference's expected flags.
 *
 * Not a test_*.c program: `make test` does not run it (it needs its input).
 */
#include <fenv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loops.h"
#include "threads.h"

typedef struct {
    const char *name;
    int nin, nout;
    const pyactx_loop *loops;   /* float16, float32, float64, longdouble */
} entry;

/* the baseline table unless told (-DPYACTX_EVAL_TABLE=pyactx_loops_avx2 with
 * loops_avx2.c, to count an x86 vector build's instructions beside it) */
#ifndef PYACTX_EVAL_TABLE
#  define PYACTX_EVAL_TABLE pyactx_loops_baseline
#endif
#define L PYACTX_EVAL_TABLE
static const entry ENTRIES[] = {
#define PYACTX_UNARY(name, doc, gdoc) {#name, 1, 1, L.name}, {#name "_grad", 1, 1, L.name##_grad},
#define PYACTX_PARAM(name, doc, gdoc) {#name, 2, 1, L.name}, {#name "_grad", 2, 1, L.name##_grad},
#define PYACTX_PAIR PYACTX_PARAM
#define PYACTX_GATE(name, doc, gdoc) {#name, 2, 1, L.name}, {#name "_grad", 2, 2, L.name##_grad},
#include "pyactx/table.inc"
#include "pyactx/table_end.inc"
};
#undef L

static const entry *find(const char *name)
{
    for (size_t i = 0; i < sizeof ENTRIES / sizeof ENTRIES[0]; i++)
        if (strcmp(ENTRIES[i].name, name) == 0) return &ENTRIES[i];
    return NULL;
}

static void *read_file(const char *path, size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    FILE *f = fopen(path, "rb");
    if (!p || !f || fread(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "eval_loops: cannot read %zu bytes from %s\n", bytes, path);
        exit(2);
    }
    fclose(f);
    return p;
}

static void write_file(const char *path, const void *p, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, bytes, f) != bytes || fclose(f) != 0) {
        fprintf(stderr, "eval_loops: cannot write %s\n", path);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: eval_loops MANIFEST [THREADS]\n");
        return 2;
    }
    pyactx_set_num_threads(argc > 2 ? atoi(argv[2]) : 1);
    FILE *m = fopen(argv[1], "r");
    if (!m) {
        fprintf(stderr, "eval_loops: cannot open %s\n", argv[1]);
        return 2;
    }
    char name[64], type[4], files[4][1024];
    long n;
    int cases = 0;
    while (fscanf(m, "%63s %3s %ld", name, type, &n) == 3) {
        const entry *e = find(name);
        if (!e || (type[0] != 'f' && type[0] != 'd') || n < 0) {
            fprintf(stderr, "eval_loops: bad manifest line for %s\n", name);
            return 2;
        }
        int nargs = e->nin + e->nout;
        for (int i = 0; i < nargs; i++)
            if (fscanf(m, "%1023s", files[i]) != 1) {
                fprintf(stderr, "eval_loops: %s: missing file names\n", name);
                return 2;
            }
        size_t sz = type[0] == 'f' ? sizeof(float) : sizeof(double);
        char *args[4];
        ptrdiff_t dims[1] = {n}, steps[4];
        for (int i = 0; i < nargs; i++) {
            args[i] = i < e->nin ? read_file(files[i], (size_t)n * sz) : malloc((size_t)n * sz + 1);
            steps[i] = (ptrdiff_t)sz;
        }
        feclearexcept(FE_ALL_EXCEPT);
        e->loops[type[0] == 'f' ? 1 : 2](args, dims, steps, NULL);
        printf("flags %d %d\n", cases,
               (fetestexcept(FE_INVALID) ? 1 : 0) | (fetestexcept(FE_DIVBYZERO) ? 2 : 0)
               | (fetestexcept(FE_OVERFLOW) ? 4 : 0));
        for (int i = 0; i < nargs; i++) {
            if (i >= e->nin) write_file(files[i], args[i], (size_t)n * sz);
            free(args[i]);
        }
        cases++;
    }
    fclose(m);
    printf("eval_loops: %d cases\n", cases);
    return 0;
}
