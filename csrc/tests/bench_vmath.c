/*
 * bench_vmath.c -- throughput of the vector math cores (kernels/vmath.inc)
 * against glibc, in ns per element, for contiguous loops y[i] = f(x[i]) over
 * 10^6 elements (8 MB in + out for double: L2/L3; "copy" is the memory
 * floor).  Rows: exp, exp(-|x|) (vexp_negabs), expm1, log1p, log1p on
 * (-1, inf) without special cases (vlog1p_fin), erfc, tanh; inputs uniform
 * in [-10, 10] (log1p: [-0.9, 10]; erfc: [-10, 10]/sqrt 2, as in GELU --
 * float erfc beyond 9.2 is subnormal, and each subnormal result costs a
 * microcode assist of ~150 cycles on x86 without FTZ, which alone made
 * float erfc on [-10, 10] ~4 ns/element).
 *
 * Not a test (not named test_*): build it once per ISA and compare, e.g.
 *
 *   cd csrc
 *   F="-O3 -std=c11 -fno-math-errno -Iinclude tests/bench_vmath.c -lm"
 *   cc $F -o build/bench_sse2                                   # baseline
 *   cc $F -mavx2 -mfma -o build/bench_avx2
 *   cc $F -mavx512f -mavx512dq -mavx512vl -mfma -o build/bench_avx512
 *   for b in build/bench_*; do $b; done
 *
 * and check that every loop vectorised by adding -fopt-info-vec-optimized
 * (one "loop vectorized" line per bench_* function).  The glibc columns are
 * scalar calls (libmvec is only used under -ffast-math), the same in every
 * build.
 */
#define _POSIX_C_SOURCE 199309L     /* clock_gettime under -std=c11 */
#include "pyactx/pyactx.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vmath_float.h"   /* double cores come from pyactx.h */

#define N 1000000
#define REPS 15

#define NOINLINE __attribute__((noinline))
#define LOOP(name, T, expr)                                                    \
    static NOINLINE void bench_##name(T *restrict y, const T *restrict x,     \
                                      size_t n)                                \
    { for (size_t i = 0; i < n; i++) { T v = x[i]; y[i] = (expr); } }

LOOP(vexp_d, double, pyactx_vexp_d(v))
LOOP(vexpnegabs_d, double, pyactx_vexp_negabs_d(v))
LOOP(vlog1pfin_d, double, pyactx_vlog1p_fin_d(v))
LOOP(libm_expnegabs_d, double, exp(-fabs(v)))
LOOP(vexpm1_d, double, pyactx_vexpm1_d(v))
LOOP(vlog1p_d, double, pyactx_vlog1p_d(v))
LOOP(verfc_d, double, pyactx_verfc_d(v))
LOOP(vtanh_d, double, pyactx_vtanh_d(v))
LOOP(libm_exp_d, double, exp(v))
LOOP(libm_expm1_d, double, expm1(v))
LOOP(libm_log1p_d, double, log1p(v))
LOOP(libm_erfc_d, double, erfc(v))
LOOP(libm_tanh_d, double, tanh(v))
LOOP(copy_d, double, v)
LOOP(vexp_f, float, pyactx_vexp_f(v))
LOOP(vexpnegabs_f, float, pyactx_vexp_negabs_f(v))
LOOP(vlog1pfin_f, float, pyactx_vlog1p_fin_f(v))
LOOP(libm_expnegabs_f, float, expf(-fabsf(v)))
LOOP(vexpm1_f, float, pyactx_vexpm1_f(v))
LOOP(vlog1p_f, float, pyactx_vlog1p_f(v))
LOOP(verfc_f, float, pyactx_verfc_f(v))
LOOP(vtanh_f, float, pyactx_vtanh_f(v))
LOOP(libm_exp_f, float, expf(v))
LOOP(libm_expm1_f, float, expm1f(v))
LOOP(libm_log1p_f, float, log1pf(v))
LOOP(libm_erfc_f, float, erfcf(v))
LOOP(libm_tanh_f, float, tanhf(v))
LOOP(copy_f, float, v)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double sink;

/* best of REPS, ns per element */
static double time_d(void (*fn)(double *restrict, const double *restrict, size_t),
                     double *y, const double *x)
{
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        fn(y, x, N);
        double t = now() - t0;
        if (t < best) best = t;
        sink += y[r * 7919 % N];
    }
    return best * 1e9 / N;
}

static double time_f(void (*fn)(float *restrict, const float *restrict, size_t),
                     float *y, const float *x)
{
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        fn(y, x, N);
        double t = now() - t0;
        if (t < best) best = t;
        sink += (double)y[r * 7919 % N];
    }
    return best * 1e9 / N;
}

int main(void)
{
    const char *isa =
#if defined(__AVX512F__)
        "AVX-512"
#elif defined(__AVX2__)
        "AVX2"
#else
        "baseline (SSE2)"
#endif
#if defined(PYACTX_FAST_FMA)
        " + FMA";
#else
        ", no FMA";
#endif
    static double xd[N], yd[N], xl[N], xe[N];
    static float xf[N], yf[N], xlf[N], xef[N];
    srand(12345);
    for (int i = 0; i < N; i++) {
        double u = (double)rand() / RAND_MAX;
        xd[i] = -10.0 + 20.0 * u;               /* typical activation inputs */
        xl[i] = -0.9 + 10.9 * u;                /* log1p: (-1, 10] */
        xe[i] = xd[i] * 0.70710678118654752;    /* erfc(x/sqrt 2): GELU */
        xf[i] = (float)xd[i];
        xlf[i] = (float)xl[i];
        xef[i] = (float)xe[i];
    }
    printf("bench_vmath: %s, %d elements, best of %d, ns/element\n", isa, N, REPS);
    printf("  %-9s %10s %10s %10s %10s\n", "", "vmath d", "glibc d", "vmath f", "glibc f");
#define ROW(nm, xd_, xf_)                                                      \
    printf("  %-9s %10.3f %10.3f %10.3f %10.3f\n", #nm,                        \
           time_d(bench_v##nm##_d, yd, xd_), time_d(bench_libm_##nm##_d, yd, xd_), \
           time_f(bench_v##nm##_f, yf, xf_), time_f(bench_libm_##nm##_f, yf, xf_))
    ROW(exp, xd, xf);
    ROW(expnegabs, xd, xf);
    ROW(expm1, xd, xf);
    ROW(log1p, xl, xlf);
    printf("  %-9s %10.3f %10.3f %10.3f %10.3f\n", "log1pfin",
           time_d(bench_vlog1pfin_d, yd, xl), time_d(bench_libm_log1p_d, yd, xl),
           time_f(bench_vlog1pfin_f, yf, xlf), time_f(bench_libm_log1p_f, yf, xlf));
    ROW(erfc, xe, xef);
    ROW(tanh, xd, xf);
    printf("  %-9s %10.3f %10s %10.3f\n", "copy", time_d(bench_copy_d, yd, xd), "",
           time_f(bench_copy_f, yf, xf));
    if (sink == 12345.678) printf("%g\n", sink);
    return 0;
}
