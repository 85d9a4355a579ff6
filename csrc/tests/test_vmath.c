/*
 * test_vmath.c -- accuracy and flag cleanliness of the vector math cores
 * (kernels/vmath.inc): vexp, vexp_negabs, vexp_dd, vexpm1, vlog1p,
 * vlog1p_fin, verfc, vtanh for double (suffix d) and float (suffix f).
 *
 * Accuracy: max error in ULP of the result type over ~10^6 points per
 * function and type (a dense grid of the whole domain, log-uniform random
 * magnitudes of both signs, and the tails: overflow/underflow thresholds,
 * subnormal results, the neighbourhoods of 0 and -1), against long double
 * libm for double (64-bit significand on x86: ~2^-11 of a double ULP) and
 * double libm for float.  The ULP of a reference value r is that of the
 * result type at r (2^-1074 / 2^-149 below the normal range), so subnormal
 * results are held to the same absolute standard.
 *
 * Flags: every sweep and a list of special inputs (NaN, +-inf, +-0, huge,
 * subnormal, the thresholds) must leave FE_INVALID, FE_OVERFLOW and
 * FE_DIVBYZERO clear; the special results are checked exactly.
 *
 * The functions are applied through plain array loops, so building this file
 * with -O3 and an ISA tests the vectorised code, e.g.
 *     cc -O3 -mavx512f -mavx512dq -mavx512vl -mfma -std=c11 -fno-math-errno \
 *        -Iinclude tests/test_vmath.c -lm && ./a.out
 * (`make test` builds it at -O2 without FMA: the baseline code path).  The
 * flag checks matter most there: GCC's vectorised code is where spurious
 * FE_INVALID came from.  Runtime ~1.5 s; -DNS=30 for a 30x longer run.
 */
#include "pyactx/pyactx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmath_float.h"   /* double cores come from pyactx.h */

#define BAD_FLAGS (FE_INVALID | FE_OVERFLOW | FE_DIVBYZERO)

static int failures = 0;

/* ------------------------------------------------------------ random */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static double urand(void) { return (double)(rng() >> 11) * 0x1p-53; }

/* ------------------------------------------------------- array appliers */
#define APPLY1(fn, T)                                                         \
    static void apply_##fn(T *restrict y, const T *restrict x, size_t n)     \
    { for (size_t i = 0; i < n; i++) y[i] = fn(x[i]); }
APPLY1(pyactx_vexp_d, double)
APPLY1(pyactx_vexp_negabs_d, double)
APPLY1(pyactx_vlog1p_fin_d, double)
APPLY1(pyactx_vexp_negabs_f, float)
APPLY1(pyactx_vlog1p_fin_f, float)
APPLY1(pyactx_vexpm1_d, double)
APPLY1(pyactx_vlog1p_d, double)
APPLY1(pyactx_verfc_d, double)
APPLY1(pyactx_vtanh_d, double)
APPLY1(pyactx_vexp_f, float)
APPLY1(pyactx_vexpm1_f, float)
APPLY1(pyactx_vlog1p_f, float)
APPLY1(pyactx_verfc_f, float)
APPLY1(pyactx_vtanh_f, float)

static void apply_vexp_dd_d(double *restrict y, const double *restrict h,
                            const double *restrict l, size_t n)
{ for (size_t i = 0; i < n; i++) y[i] = pyactx_vexp_dd_d(h[i], l[i]); }
static void apply_vexp_dd_f(float *restrict y, const float *restrict h,
                            const float *restrict l, size_t n)
{ for (size_t i = 0; i < n; i++) y[i] = pyactx_vexp_dd_f(h[i], l[i]); }

/* ------------------------------------------------------------- ULP */
static long double ulp_d(long double r)
{
    int e;
    if (r == 0.0L) return 0x1p-1074L;
    frexpl(r, &e);
    return ldexpl(1.0L, e - 53 < -1074 ? -1074 : e - 53);
}
static double ulp_f(double r)
{
    int e;
    if (r == 0.0) return 0x1p-149;
    frexp(r, &e);
    return ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
}

/* error of y against reference r, in ULP of the result type */
static double err_d(double y, long double r)
{
    if (isnan(r)) return isnan(y) ? 0.0 : INFINITY;
    if (fabsl(r) > (long double)DBL_MAX) {          /* overflows: expect inf */
        if (isinf(y) && !signbit(y) == !signbit(r)) return 0.0;
        if (fabs(y) == DBL_MAX) return 0.5;          /* r within half an ULP above MAX */
        return INFINITY;
    }
    if (isinf(y) || isnan(y)) return INFINITY;
    return (double)(fabsl((long double)y - r) / ulp_d(r));
}
static double err_f(float y, double r)
{
    if (isnan(r)) return isnan(y) ? 0.0 : INFINITY;
    if (fabs(r) > (double)FLT_MAX) {
        if (isinf(y) && !signbit(y) == !signbit(r)) return 0.0;
        if (fabsf(y) == FLT_MAX) return 0.5;
        return INFINITY;
    }
    if (isinf(y) || isnan(y)) return INFINITY;
    return fabs((double)y - r) / ulp_f(r);
}

/* --------------------------------------------------------- sweeps */
typedef struct {
    const char *name;
    double bound;       /* ULP */
    double maxerr;
    double argmax;
    long count;
    int flags;
} stat_t;

#define CHUNK 4096

typedef void (*apply_d_t)(double *restrict, const double *restrict, size_t);
typedef void (*apply_f_t)(float *restrict, const float *restrict, size_t);
typedef long double (*ref_d_t)(long double);
typedef double (*ref_f_t)(double);

/* sample generators: fill x[0..n) for a domain [lo, hi] */
enum { DENSE, LOGRAND, UNIFORM };

static double gen(int kind, double lo, double hi, long i, long n)
{
    switch (kind) {
    case DENSE:                                     /* i/n across [lo, hi] */
        return lo + (hi - lo) * ((double)i + 0.5 * urand()) / (double)n;
    case UNIFORM:
        return lo + (hi - lo) * urand();
    default: {                                      /* log-uniform magnitude in [lo, hi] > 0 */
        double l = log(lo), h = log(hi);
        return exp(l + (h - l) * urand());
    }
    }
}

static void sweep_d(stat_t *st, apply_d_t f, ref_d_t ref, int kind, int sign,
                    double lo, double hi, long n)
{
    static double x[CHUNK], y[CHUNK];
    for (long done = 0; done < n; done += CHUNK) {
        long m = n - done < CHUNK ? n - done : CHUNK;
        for (long i = 0; i < m; i++) {
            double v = gen(kind, lo, hi, done + i, n);
            if (sign && (rng() & 1)) v = -v;
            x[i] = v;
        }
        feclearexcept(FE_ALL_EXCEPT);
        f(y, x, (size_t)m);
        st->flags |= fetestexcept(BAD_FLAGS);
        for (long i = 0; i < m; i++) {
            double e = err_d(y[i], ref((long double)x[i]));
            if (e > st->maxerr) { st->maxerr = e; st->argmax = x[i]; }
        }
        st->count += m;
    }
}

static void sweep_f(stat_t *st, apply_f_t f, ref_f_t ref, int kind, int sign,
                    double lo, double hi, long n)
{
    static float x[CHUNK], y[CHUNK];
    for (long done = 0; done < n; done += CHUNK) {
        long m = n - done < CHUNK ? n - done : CHUNK;
        for (long i = 0; i < m; i++) {
            float v = (float)gen(kind, lo, hi, done + i, n);
            if (sign && (rng() & 1)) v = -v;
            x[i] = v;
        }
        feclearexcept(FE_ALL_EXCEPT);
        f(y, x, (size_t)m);
        st->flags |= fetestexcept(BAD_FLAGS);
        for (long i = 0; i < m; i++) {
            double e = err_f(y[i], ref((double)x[i]));
            if (e > st->maxerr) { st->maxerr = e; st->argmax = x[i]; }
        }
        st->count += m;
    }
}

static void report(stat_t *st)
{
    int ok = st->maxerr <= st->bound && !st->flags;
    printf("  %-12s max %.3f ULP (bound %.1f) at x = %-24.17g  n = %ld%s%s\n",
           st->name, st->maxerr, st->bound, st->argmax, st->count,
           st->flags ? "  FLAGS RAISED" : "", ok ? "" : "  FAIL");
    if (!ok) failures++;
}

/* --------------------------------------------------- references */
static long double ref_exp_d(long double x) { return expl(x); }
static long double ref_expnegabs_d(long double x) { return expl(-fabsl(x)); }
static double ref_expnegabs_f(double x) { return exp(-fabs(x)); }
static long double ref_expm1_d(long double x) { return expm1l(x); }
static long double ref_log1p_d(long double x) { return log1pl(x); }
static long double ref_erfc_d(long double x) { return erfcl(x); }
static long double ref_tanh_d(long double x) { return tanhl(x); }
static double ref_exp_f(double x) { return exp(x); }
static double ref_expm1_f(double x) { return expm1(x); }
static double ref_log1p_f(double x) { return log1p(x); }
static double ref_erfc_f(double x) { return erfc(x); }
static double ref_tanh_f(double x) { return tanh(x); }

/* ------------------------------------------------------ accuracy */
#ifndef NS                /* scale the sample counts: -DNS=30 for a longer run */
#define NS 1              /* (~10^6 points per function, ~1.5 s in all) */
#endif

static void accuracy_double(void)
{
    printf("double (%s FMA):\n",
#if defined(PYACTX_FAST_FMA)
           "with"
#else
           "without"
#endif
           );
    stat_t s;

    s = (stat_t){"vexp", 1.0, 0, 0, 0, 0};
    sweep_d(&s, apply_pyactx_vexp_d, ref_exp_d, DENSE, 0, -746.0, 710.0, 400000 * NS);
    sweep_d(&s, apply_pyactx_vexp_d, ref_exp_d, LOGRAND, 1, 0x1p-60, 746.0, 300000 * NS);
    sweep_d(&s, apply_pyactx_vexp_d, ref_exp_d, DENSE, 0, -745.2, -707.0, 150000 * NS);
    sweep_d(&s, apply_pyactx_vexp_d, ref_exp_d, DENSE, 0, 700.0, 709.8, 100000 * NS);
    sweep_d(&s, apply_pyactx_vexp_d, ref_exp_d, DENSE, 0, -1.0, 1.0, 50000 * NS);
    report(&s);

    s = (stat_t){"vexp_negabs", 1.0, 0, 0, 0, 0};
    sweep_d(&s, apply_pyactx_vexp_negabs_d, ref_expnegabs_d, DENSE, 0, -750.0, 750.0, 200000 * NS);
    sweep_d(&s, apply_pyactx_vexp_negabs_d, ref_expnegabs_d, LOGRAND, 1, 0x1p-1074, DBL_MAX, 100000 * NS);
    report(&s);

    {   /* vexp_dd(h, l): h = -x^2 (rounded), l = its exact tail; ref e^h e^l */
        stat_t t = {"vexp_dd", 1.0, 0, 0, 0, 0};
        static double h[CHUNK], l[CHUNK], y[CHUNK];
        for (long done = 0; done < 200000; done += CHUNK) {
            for (long i = 0; i < CHUNK; i++) {
                double x = 27.3 * urand();
                h[i] = -(x * x);
                l[i] = -fma(x, x, -(x * x));
            }
            feclearexcept(FE_ALL_EXCEPT);
            apply_vexp_dd_d(y, h, l, CHUNK);
            t.flags |= fetestexcept(BAD_FLAGS);
            for (long i = 0; i < CHUNK; i++) {
                long double r = expl((long double)h[i]) * expl((long double)l[i]);
                double e = err_d(y[i], r);
                if (e > t.maxerr) { t.maxerr = e; t.argmax = h[i]; }
            }
            t.count += CHUNK;
        }
        report(&t);
    }

    s = (stat_t){"vexpm1", 1.5, 0, 0, 0, 0};
    sweep_d(&s, apply_pyactx_vexpm1_d, ref_expm1_d, DENSE, 0, -40.0, 710.0, 300000 * NS);
    sweep_d(&s, apply_pyactx_vexpm1_d, ref_expm1_d, DENSE, 0, -3.0, 3.0, 200000 * NS);
    sweep_d(&s, apply_pyactx_vexpm1_d, ref_expm1_d, LOGRAND, 1, 0x1p-1074, 746.0, 300000 * NS);
    sweep_d(&s, apply_pyactx_vexpm1_d, ref_expm1_d, LOGRAND, 1, 0x1p-30, 2.0, 150000 * NS);
    sweep_d(&s, apply_pyactx_vexpm1_d, ref_expm1_d, DENSE, 0, 700.0, 709.8, 50000 * NS);
    report(&s);

    s = (stat_t){"vlog1p", 1.5, 0, 0, 0, 0};
    sweep_d(&s, apply_pyactx_vlog1p_d, ref_log1p_d, DENSE, 0, -1.0, 4.0, 300000 * NS);
    sweep_d(&s, apply_pyactx_vlog1p_d, ref_log1p_d, LOGRAND, 0, 0x1p-1074, DBL_MAX, 300000 * NS);
    sweep_d(&s, apply_pyactx_vlog1p_d, ref_log1p_d, LOGRAND, 0, 0x1p-1074, 1.0, 150000 * NS);
    {   /* (-1, 0): -t, t log-uniform */
        static double x[CHUNK], y[CHUNK];
        for (long done = 0; done < 250000 * NS; done += CHUNK) {
            for (long i = 0; i < CHUNK; i++)
                x[i] = (rng() & 1) ? -gen(LOGRAND, 0x1p-1074, 1.0, 0, 1)     /* near 0 */
                                   : -1.0 + gen(LOGRAND, 0x1p-53, 1.0, 0, 1); /* near -1 */
            feclearexcept(FE_ALL_EXCEPT);
            apply_pyactx_vlog1p_d(y, x, CHUNK);
            s.flags |= fetestexcept(BAD_FLAGS);
            for (long i = 0; i < CHUNK; i++) {
                double e = err_d(y[i], log1pl((long double)x[i]));
                if (e > s.maxerr) { s.maxerr = e; s.argmax = x[i]; }
            }
            s.count += CHUNK;
        }
    }
    report(&s);

    s = (stat_t){"vlog1p_fin", 1.5, 0, 0, 0, 0};   /* -1 < x < inf: the bare core */
    sweep_d(&s, apply_pyactx_vlog1p_fin_d, ref_log1p_d, DENSE, 0, -0.999, 1.0, 200000 * NS);
    sweep_d(&s, apply_pyactx_vlog1p_fin_d, ref_log1p_d, LOGRAND, 0, 0x1p-1074, DBL_MAX, 100000 * NS);
    report(&s);

    s = (stat_t){"verfc", 2.0, 0, 0, 0, 0};
    sweep_d(&s, apply_pyactx_verfc_d, ref_erfc_d, DENSE, 0, -6.0, 27.3, 500000 * NS);
    sweep_d(&s, apply_pyactx_verfc_d, ref_erfc_d, LOGRAND, 1, 0x1p-60, 28.0, 300000 * NS);
    sweep_d(&s, apply_pyactx_verfc_d, ref_erfc_d, DENSE, 0, 25.0, 27.3, 100000 * NS);
    sweep_d(&s, apply_pyactx_verfc_d, ref_erfc_d, DENSE, 0, -0.5, 0.5, 100000 * NS);
    report(&s);

    s = (stat_t){"vtanh", 1.5, 0, 0, 0, 0};
    sweep_d(&s, apply_pyactx_vtanh_d, ref_tanh_d, DENSE, 0, -20.0, 20.0, 400000 * NS);
    sweep_d(&s, apply_pyactx_vtanh_d, ref_tanh_d, DENSE, 0, -1.0, 1.0, 200000 * NS);
    sweep_d(&s, apply_pyactx_vtanh_d, ref_tanh_d, LOGRAND, 1, 0x1p-1074, 40.0, 400000 * NS);
    report(&s);
}

static void accuracy_float(void)
{
    printf("float (%s FMA):\n",
#if defined(PYACTX_FAST_FMAF)
           "with"
#else
           "without"
#endif
           );
    stat_t s;

    s = (stat_t){"vexp", 1.0, 0, 0, 0, 0};
    sweep_f(&s, apply_pyactx_vexp_f, ref_exp_f, DENSE, 0, -104.0, 89.0, 400000 * NS);
    sweep_f(&s, apply_pyactx_vexp_f, ref_exp_f, LOGRAND, 1, 0x1p-30, 104.0, 300000 * NS);
    sweep_f(&s, apply_pyactx_vexp_f, ref_exp_f, DENSE, 0, -104.0, -87.0, 150000 * NS);
    sweep_f(&s, apply_pyactx_vexp_f, ref_exp_f, DENSE, 0, 85.0, 88.8, 100000 * NS);
    sweep_f(&s, apply_pyactx_vexp_f, ref_exp_f, DENSE, 0, -1.0, 1.0, 50000 * NS);
    report(&s);

    s = (stat_t){"vexp_negabs", 1.0, 0, 0, 0, 0};
    sweep_f(&s, apply_pyactx_vexp_negabs_f, ref_expnegabs_f, DENSE, 0, -110.0, 110.0, 200000 * NS);
    sweep_f(&s, apply_pyactx_vexp_negabs_f, ref_expnegabs_f, LOGRAND, 1, 0x1p-149, FLT_MAX, 100000 * NS);
    report(&s);

    {
        stat_t t = {"vexp_dd", 1.0, 0, 0, 0, 0};
        static float h[CHUNK], l[CHUNK], y[CHUNK];
        for (long done = 0; done < 200000; done += CHUNK) {
            for (long i = 0; i < CHUNK; i++) {
                float x = (float)(10.15 * urand());
                double x2 = (double)x * (double)x;  /* exact (48 bits) */
                h[i] = -(float)x2;
                l[i] = -(float)(x2 - (double)(float)x2);
            }
            feclearexcept(FE_ALL_EXCEPT);
            apply_vexp_dd_f(y, h, l, CHUNK);
            t.flags |= fetestexcept(BAD_FLAGS);
            for (long i = 0; i < CHUNK; i++) {
                double r = exp((double)h[i] + (double)l[i]);
                double e = err_f(y[i], r);
                if (e > t.maxerr) { t.maxerr = e; t.argmax = h[i]; }
            }
            t.count += CHUNK;
        }
        report(&t);
    }

    s = (stat_t){"vexpm1", 1.5, 0, 0, 0, 0};
    sweep_f(&s, apply_pyactx_vexpm1_f, ref_expm1_f, DENSE, 0, -20.0, 89.0, 300000 * NS);
    sweep_f(&s, apply_pyactx_vexpm1_f, ref_expm1_f, DENSE, 0, -3.0, 3.0, 200000 * NS);
    sweep_f(&s, apply_pyactx_vexpm1_f, ref_expm1_f, LOGRAND, 1, 0x1p-149, 104.0, 300000 * NS);
    sweep_f(&s, apply_pyactx_vexpm1_f, ref_expm1_f, LOGRAND, 1, 0x1p-30, 2.0, 150000 * NS);
    sweep_f(&s, apply_pyactx_vexpm1_f, ref_expm1_f, DENSE, 0, 85.0, 88.8, 50000 * NS);
    report(&s);

    s = (stat_t){"vlog1p", 1.5, 0, 0, 0, 0};
    sweep_f(&s, apply_pyactx_vlog1p_f, ref_log1p_f, DENSE, 0, -1.0, 4.0, 300000 * NS);
    sweep_f(&s, apply_pyactx_vlog1p_f, ref_log1p_f, LOGRAND, 0, 0x1p-149, FLT_MAX, 300000 * NS);
    sweep_f(&s, apply_pyactx_vlog1p_f, ref_log1p_f, LOGRAND, 0, 0x1p-149, 1.0, 150000 * NS);
    {
        static float x[CHUNK], y[CHUNK];
        for (long done = 0; done < 250000 * NS; done += CHUNK) {
            for (long i = 0; i < CHUNK; i++)
                x[i] = (rng() & 1) ? -(float)gen(LOGRAND, 0x1p-149, 1.0, 0, 1)
                                   : (float)(-1.0 + gen(LOGRAND, 0x1p-24, 1.0, 0, 1));
            feclearexcept(FE_ALL_EXCEPT);
            apply_pyactx_vlog1p_f(y, x, CHUNK);
            s.flags |= fetestexcept(BAD_FLAGS);
            for (long i = 0; i < CHUNK; i++) {
                double e = err_f(y[i], log1p((double)x[i]));
                if (e > s.maxerr) { s.maxerr = e; s.argmax = x[i]; }
            }
            s.count += CHUNK;
        }
    }
    report(&s);

    s = (stat_t){"vlog1p_fin", 1.5, 0, 0, 0, 0};
    sweep_f(&s, apply_pyactx_vlog1p_fin_f, ref_log1p_f, DENSE, 0, -0.999, 1.0, 200000 * NS);
    sweep_f(&s, apply_pyactx_vlog1p_fin_f, ref_log1p_f, LOGRAND, 0, 0x1p-149, FLT_MAX, 100000 * NS);
    report(&s);

    s = (stat_t){"verfc", 2.0, 0, 0, 0, 0};
    sweep_f(&s, apply_pyactx_verfc_f, ref_erfc_f, DENSE, 0, -4.0, 10.2, 500000 * NS);
    sweep_f(&s, apply_pyactx_verfc_f, ref_erfc_f, LOGRAND, 1, 0x1p-30, 11.0, 300000 * NS);
    sweep_f(&s, apply_pyactx_verfc_f, ref_erfc_f, DENSE, 0, 9.0, 10.2, 100000 * NS);
    sweep_f(&s, apply_pyactx_verfc_f, ref_erfc_f, DENSE, 0, -0.5, 0.5, 100000 * NS);
    report(&s);

    s = (stat_t){"vtanh", 1.5, 0, 0, 0, 0};
    sweep_f(&s, apply_pyactx_vtanh_f, ref_tanh_f, DENSE, 0, -10.0, 10.0, 400000 * NS);
    sweep_f(&s, apply_pyactx_vtanh_f, ref_tanh_f, DENSE, 0, -1.0, 1.0, 200000 * NS);
    sweep_f(&s, apply_pyactx_vtanh_f, ref_tanh_f, LOGRAND, 1, 0x1p-149, 20.0, 400000 * NS);
    report(&s);
}

/* ------------------------------------------------- special inputs */
static int same_d(double a, double b)
{
    return (isnan(a) && isnan(b)) || (a == b && !signbit(a) == !signbit(b));
}

#define NSPEC_D 20
static const double spec_in_d[NSPEC_D] = {
    NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 0x1p-1074, -0x1p-1074,
    DBL_MIN, -DBL_MIN, DBL_MAX, -DBL_MAX, 1e300, -1e300, 709.8, -745.2,
    -1.0, -2.0, 27.3, 1.0,
};

struct expect_d { const char *name; apply_d_t f; double out[NSPEC_D]; };

static void specials_double(void)
{
    const double I = INFINITY, N = NAN;
    const struct expect_d tab[] = {
        {"vexp", apply_pyactx_vexp_d,
         {N, N, I, 0, 1, 1, 1, 1, 1, 1, I, 0, I, 0, I, 0, -2, -2, -2, -2}},
        {"vexp_negabs", apply_pyactx_vexp_negabs_d,
         {N, N, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -2, 0, -2, -2, -2, -2}},
        {"vexpm1", apply_pyactx_vexpm1_d,
         {N, N, I, -1, 0, -0.0, 0x1p-1074, -0x1p-1074, DBL_MIN, -DBL_MIN, I, -1, I, -1,
          I, -1, -2, -2, -2, -2}},
        {"vlog1p", apply_pyactx_vlog1p_d,
         {N, N, I, N, 0, -0.0, 0x1p-1074, -0x1p-1074, DBL_MIN, -DBL_MIN, -2, N, -2, N,
          -2, N, -I, N, -2, -2}},
        {"verfc", apply_pyactx_verfc_d,
         {N, N, 0, 2, 1, 1, 1, 1, 1, 1, 0, 2, 0, 2, 0, 2, -2, -2, 0, -2}},
        {"vtanh", apply_pyactx_vtanh_d,
         {N, N, 1, -1, 0, -0.0, 0x1p-1074, -0x1p-1074, DBL_MIN, -DBL_MIN, 1, -1, 1, -1,
          1, -1, -2, -2, 1, -2}},
    };
    /* -2 in the table: "not checked exactly" (covered by the sweeps) */
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        double y[NSPEC_D];
        feclearexcept(FE_ALL_EXCEPT);
        tab[k].f(y, spec_in_d, NSPEC_D);
        int fl = fetestexcept(BAD_FLAGS);
        if (fl) {
            printf("  %s (double): flags raised on special inputs:%s%s%s\n", tab[k].name,
                   fl & FE_INVALID ? " invalid" : "", fl & FE_OVERFLOW ? " overflow" : "",
                   fl & FE_DIVBYZERO ? " divbyzero" : "");
            failures++;
            for (int i = 0; i < NSPEC_D; i++) {       /* which input? */
                double one;
                feclearexcept(FE_ALL_EXCEPT);
                tab[k].f(&one, &spec_in_d[i], 1);
                if (fetestexcept(BAD_FLAGS)) printf("     raised by x = %g\n", spec_in_d[i]);
            }
        }
        for (int i = 0; i < NSPEC_D; i++) {
            if (tab[k].out[i] == -2.0) continue;
            if (!same_d(y[i], tab[k].out[i])) {
                printf("  %s(%g) = %.17g, expected %.17g  FAIL\n", tab[k].name,
                       spec_in_d[i], y[i], tab[k].out[i]);
                failures++;
            }
        }
    }
    printf("  special inputs (double): checked\n");
}

static int same_f(float a, float b)
{
    return (isnan(a) && isnan(b)) || (a == b && !signbit(a) == !signbit(b));
}

#define NSPEC_F 20
static const float spec_in_f[NSPEC_F] = {
    NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 0x1p-149f, -0x1p-149f,
    FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX, 1e30f, -1e30f, 88.8f, -104.0f,
    -1.0f, -2.0f, 10.15f, 1.0f,
};

struct expect_f { const char *name; apply_f_t f; float out[NSPEC_F]; };

static void specials_float(void)
{
    const float I = INFINITY, N = NAN;
    const struct expect_f tab[] = {
        {"vexp", apply_pyactx_vexp_f,
         {N, N, I, 0, 1, 1, 1, 1, 1, 1, I, 0, I, 0, I, 0, -2, -2, -2, -2}},
        {"vexp_negabs", apply_pyactx_vexp_negabs_f,
         {N, N, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -2, 0, -2, -2, -2, -2}},
        {"vexpm1", apply_pyactx_vexpm1_f,
         {N, N, I, -1, 0, -0.0f, 0x1p-149f, -0x1p-149f, FLT_MIN, -FLT_MIN, I, -1, I, -1,
          I, -1, -2, -2, -2, -2}},
        {"vlog1p", apply_pyactx_vlog1p_f,
         {N, N, I, N, 0, -0.0f, 0x1p-149f, -0x1p-149f, FLT_MIN, -FLT_MIN, -2, N, -2, N,
          -2, N, -I, N, -2, -2}},
        {"verfc", apply_pyactx_verfc_f,
         {N, N, 0, 2, 1, 1, 1, 1, 1, 1, 0, 2, 0, 2, 0, 2, -2, -2, 0, -2}},
        {"vtanh", apply_pyactx_vtanh_f,
         {N, N, 1, -1, 0, -0.0f, 0x1p-149f, -0x1p-149f, FLT_MIN, -FLT_MIN, 1, -1, 1, -1,
          1, -1, -2, -2, 1, -2}},
    };
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        float y[NSPEC_F];
        feclearexcept(FE_ALL_EXCEPT);
        tab[k].f(y, spec_in_f, NSPEC_F);
        int fl = fetestexcept(BAD_FLAGS);
        if (fl) {
            printf("  %s (float): flags raised on special inputs:%s%s%s\n", tab[k].name,
                   fl & FE_INVALID ? " invalid" : "", fl & FE_OVERFLOW ? " overflow" : "",
                   fl & FE_DIVBYZERO ? " divbyzero" : "");
            failures++;
            for (int i = 0; i < NSPEC_F; i++) {
                float one;
                feclearexcept(FE_ALL_EXCEPT);
                tab[k].f(&one, &spec_in_f[i], 1);
                if (fetestexcept(BAD_FLAGS)) printf("     raised by x = %g\n", spec_in_f[i]);
            }
        }
        for (int i = 0; i < NSPEC_F; i++) {
            if (tab[k].out[i] == -2.0f) continue;
            if (!same_f(y[i], tab[k].out[i])) {
                printf("  %s(%g) = %.9g, expected %.9g  FAIL\n", tab[k].name,
                       spec_in_f[i], y[i], tab[k].out[i]);
                failures++;
            }
        }
    }
    printf("  special inputs (float): checked\n");
}

int main(void)
{
    printf("test_vmath: max error in ULP, flags (invalid/overflow/divbyzero) must stay clear\n");
    accuracy_double();
    specials_double();
    accuracy_float();
    specials_float();
    if (failures) {
        printf("test_vmath: %d FAILURE(S)\n", failures);
        return 1;
    }
    printf("test_vmath: all passed\n");
    return 0;
}
