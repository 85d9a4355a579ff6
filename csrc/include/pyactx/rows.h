/*
 * rows.h -- the softmax family: row kernels, Python-free.
 *
 * One template, kernels/softmax.inc, is included here four times, once per
 * storage type, with the same type-generic vocabulary as the elementwise
 * kernels (pyactx/_typegen.h: T, NAME, M) plus the SM_* parameters below:
 *
 *     suffix  storage (IO)     working type (WT)   load / store
 *     _h      uint16_t (half)  double              pyactx_half_to_double / pyactx_double_to_half
 *     _f      float            double              widen / round once
 *     _d      double           double              identity
 *     _l      long double      long double         identity
 *
 * Functions (strides in ELEMENTS, any sign, 0 allowed for inputs; n >= 0):
 *
 *   void pyactx_softmax_row_<s>(n, x, sx, y, sy)
 *   void pyactx_log_softmax_row_<s>(n, x, sx, y, sy)
 *   void pyactx_logsumexp_row_<s>(n, x, sx, out)
 *   void pyactx_softmax_jacobian_row_<s>(n, x, sx, J, sj_i, sj_j)
 *   void pyactx_softmax_vjp_row_<s>(n, x, sx, g, sg, y, sy)
 *   void pyactx_log_softmax_vjp_row_<s>(n, x, sx, g, sg, y, sy)
 *   void pyactx_cross_entropy_row_<s>(n, x, sx, label, out)      0 <= label < n
 *   void pyactx_cross_entropy_grad_row_<s>(n, x, sx, label, y, sy)
 *
 *
 * and, for each, X_row_ws(ws, ...) with a caller's workspace of
 * PYACTX_SM_WS_LEN(n) doubles (or NULL; see "Scratch" below).
 *
 * Outputs may alias an input exactly (same pointer, same stride): every
 * kernel reads an element before it writes the same index.  The Jacobian's
 * scalar path (float16, long double, and float32/float64 rows longer than
 * PYACTX_SM_JAC_MAX) uses its own first two rows as scratch, so J must not
 * overlap x; the vectorised one keeps y in the workspace.
 *
 * Edge cases (pyactx/_spec.py, SOFTMAX_ROW_NOTES): -inf entries give exactly
 * 0; a row of all -inf gives NaN (logsumexp: -inf); a row containing +inf or
 * NaN gives NaN (logsumexp: +inf for +inf without NaN); n == 0 writes
 * nothing (logsumexp: -inf); n == 1 gives softmax = 1.  For the two vjp
 * kernels, a non-finite entry of g also gives a row of NaN.  These NaN are
 * written as constants: no floating-point flag is raised for them.
 *
 * Flags: no invalid, divide-by-zero or overflow for any input except a
 * genuine overflow (a finite input whose exact result is beyond the largest
 * finite value, e.g. log_softmax([1e308, -1e308])).  Underflow may be raised
 * where a result or a negligible correction term is tiny; the NumPy loops
 * clear it.  See kernels/softmax.inc for the numerics.
 */
#ifndef PYACTX_ROWS_H
#define PYACTX_ROWS_H

/* the double-T helpers pyactx_two_sum_{d,l}, pyactx_exp_dd_{d,l} and the
 * half conversions; harmless if pyactx.h is the one including us */
#include "pyactx/pyactx.h"

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#  include <immintrin.h>   /* pyactx_sm_f_sum_wide, f_load_part (softmax.inc) */
#endif

#ifdef PYACTX_NO_LONG_DOUBLE
/* as in pyactx.h: `long double` in the float16/32/64 rows does not compile */
#  define long PYACTX_NO_LONG_DOUBLE_build__long_double_is_not_allowed_here
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Row classification after the max scan (see softmax.inc). */
#define PYACTX_ROW_OK 0     /* finite max: the normal path */
#define PYACTX_ROW_NAN 1    /* contains a NaN */
#define PYACTX_ROW_PINF 2   /* contains +inf, no NaN */
#define PYACTX_ROW_EMPTY 3  /* n == 0 or every entry -inf */

/* Scratch for the Jacobian (see softmax_jacobian_row in softmax.inc): a
 * working-type y_j = hi + lo kept in two storage-type slots of J.  float16
 * and float32 slots hold the *bit pattern* of a wider number (moved with
 * memcpy, never through floating-point arithmetic): a float32 in two
 * float16 slots, a double in two float32 slots, so that y_j keeps 24 / 53
 * bits and its full exponent range.  double and long double hold hi and lo
 * themselves. */
static inline void pyactx_rows_put_h(uint16_t *a, uint16_t *b, double hi, double lo)
{
    float f = (float)hi;
    uint32_t u;
    (void)lo;
    memcpy(&u, &f, sizeof u);
    *a = (uint16_t)(u >> 16);
    *b = (uint16_t)(u & 0xffffu);
}
static inline double pyactx_rows_get_h(const uint16_t *a, const uint16_t *b, double *lo)
{
    uint32_t u = ((uint32_t)*a << 16) | *b;
    float f;
    memcpy(&f, &u, sizeof f);
    *lo = 0;
    return f;
}
static inline void pyactx_rows_put_f(float *a, float *b, double hi, double lo)
{
    uint64_t u;
    uint32_t w;
    (void)lo;
    memcpy(&u, &hi, sizeof u);
    w = (uint32_t)(u >> 32);
    memcpy(a, &w, sizeof w);
    w = (uint32_t)(u & 0xffffffffu);
    memcpy(b, &w, sizeof w);
}
static inline double pyactx_rows_get_f(const float *a, const float *b, double *lo)
{
    uint32_t wa, wb;
    uint64_t u;
    double d;
    memcpy(&wa, a, sizeof wa);
    memcpy(&wb, b, sizeof wb);
    u = ((uint64_t)wa << 32) | wb;
    memcpy(&d, &u, sizeof d);
    *lo = 0;
    return d;
}

/* ------------------------------------------- vector helpers (f and d) */
/*
 * float32 and float64 rows take the vectorised kernels of softmax.inc
 * (SM_VEC): a row is processed in chunks of PYACTX_SM_CH elements (a strided
 * row is gathered into a contiguous chunk first, so that every stride gives
 * bit-identical results), exp is the branch-free vmath core (vectorised by
 * the compiler per instruction set), and sums are accumulated in
 * PYACTX_SM_L fixed lanes (element i of a chunk in lane i % L), combined in
 * a fixed order at the end: the result depends neither on the stride nor
 * on the number of threads.  Rows of up to PYACTX_SM_SCR elements keep
 * their exponentials in a scratch array, so that softmax computes one exp
 * per element and reads x from memory once.  Longer rows find the max and
 * the sum in one pass (the online form, v_online in softmax.inc: the sums
 * are rescaled, in double-double, when the max grows) and compute exp
 * again in the output pass: x is read twice.  The scratch reaches 65536
 * entries (a vocabulary: GPT-2's 50257, LLaMA's 32000): a float32 row and
 * its kept exponentials, 768 KiB, still fit a 2 MiB L2, and the max pass
 * and the exp pass over them (float32: in float arithmetic) take half the
 * time of the online form: rows of 10^4 and 5 10^4 entries 1.9-2.9x
 * (float32) and 1.7-2.5x (float64) less time than with a scratch of 4096
 * (Intel Xeon, AVX-512).
 *
 * Scratch and chunk buffers live in a workspace of PYACTX_SM_WS_LEN(n)
 * doubles, never in big stack arrays (a thread may have a 64 KiB stack):
 * the NumPy loops allocate one per call and thread and pass it to the
 * X_row_ws kernels; the plain X_row API uses a 4 KiB stack buffer for rows
 * of up to ~64 entries and a heap block for longer ones.  Stack use of a
 * row kernel call: about 6 KiB at most (that buffer and the lane sums).
 */
#define PYACTX_SM_L 32
#define PYACTX_SM_CH 512
#define PYACTX_SM_SCR 65536
#define PYACTX_SM_JAC_MAX 1024
/* chunk buffer length for a row of n */
#define PYACTX_SM_CHUNK_LEN(n) ((n) < PYACTX_SM_CH ? (n) : (ptrdiff_t)PYACTX_SM_CH)
/* the max/sum pass (v_prepare): a chunk of x, of e and of g */
#define PYACTX_SM_WS_PREP(n) (3 * PYACTX_SM_CHUNK_LEN(n))
/* every kernel: the prepare part, then the larger of softmax / vjp (the
 * kept e_j and four chunks) and the Jacobian (four rows of n) */
#define PYACTX_SM_WS_KEEP(n) (((n) <= PYACTX_SM_SCR ? (n) : 0) + 4 * PYACTX_SM_CHUNK_LEN(n))
#define PYACTX_SM_WS_JAC(n) ((n) <= PYACTX_SM_JAC_MAX ? 4 * (n) : 0)
#define PYACTX_SM_WS_LEN(n)                                                    \
    ((size_t)(PYACTX_SM_WS_PREP(n) + (PYACTX_SM_WS_KEEP(n) > PYACTX_SM_WS_JAC(n)  \
                                      ? PYACTX_SM_WS_KEEP(n) : PYACTX_SM_WS_JAC(n))))
#define PYACTX_SM_WS_STACK 512

#if defined(PYACTX_FAST_FMA)
#  define PYACTX_SM_FMA(a, b, c) fma((a), (b), (c))
#else
#  define PYACTX_SM_FMA(a, b, c) ((a) * (b) + (c))
#endif
#if defined(PYACTX_FAST_FMAF)
#  define PYACTX_SM_FMAF(a, b, c) fmaf((a), (b), (c))
#else
#  define PYACTX_SM_FMAF(a, b, c) ((a) * (b) + (c))
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define PYACTX_SM_VEXT 1
typedef double pyactx_sm_v8 __attribute__((vector_size(64)));
#endif

/* s[k] += e[j + k], widened to double, for the blocks of 16 floats in
 * e[0..len) (len a multiple of 16; the float32 rows' exponentials, lane k
 * the element at index j + k).  With AVX-512 each half-block is widened
 * straight from memory (vcvtps2pd zmm, m256: one uop beside the load; see
 * f_exp in softmax.inc); elsewhere the compiler's loop, the same sums in
 * the same order. */
PYACTX_VM_INLINE void pyactx_sm_f_sum_wide(const float *e, ptrdiff_t len, double *s)
{
#if defined(__AVX512F__)
    __m512d a = _mm512_loadu_pd(s), b = _mm512_loadu_pd(s + 8);
    for (ptrdiff_t j = 0; j < len; j += 16) {
        a = _mm512_add_pd(a, _mm512_cvtps_pd(_mm256_loadu_ps(e + j)));
        b = _mm512_add_pd(b, _mm512_cvtps_pd(_mm256_loadu_ps(e + j + 8)));
    }
    _mm512_storeu_pd(s, a);
    _mm512_storeu_pd(s + 8, b);
#else
    for (ptrdiff_t j = 0; j < len; j += 16)
        for (int k = 0; k < 16; k++) s[k] += (double)e[j + k];
#endif
}

/* lane accumulators of a compensated sum: the sum is sum(s) + sum(c) */
typedef struct {
    double s[PYACTX_SM_L], c[PYACTX_SM_L];
} pyactx_sm_acc;

static inline void pyactx_sm_acc_init(pyactx_sm_acc *a)
{
    for (int l = 0; l < PYACTX_SM_L; l++) a->s[l] = a->c[l] = 0;
}

/* TwoSum, Knuth: s + err == a + b exactly */
#define PYACTX_SM_TWO_SUM(s, err, a, b)                                        \
    do { (s) = (a) + (b); double bb_ = (s) - (a);                              \
         (err) = ((a) - ((s) - bb_)) + ((b) - bb_); } while (0)

/* how pyactx_sm_acc_add sums: plain sums in the s lanes; TwoSum; or
 * Fast2Sum, for terms in [0, base] in lanes that start at base (see
 * pyactx_sm_acc_init_based) */
#define PYACTX_SM_SUM_PLAIN 0
#define PYACTX_SM_SUM_TWO 1
#define PYACTX_SM_SUM_BASED 2

/* acc += e[0..len) in the way `comp` says (PYACTX_SM_SUM_*), with e[i] *
 * g[i] instead of e[i] when g != NULL.  len is a multiple of PYACTX_SM_L
 * except for the last chunk of a row. */
PYACTX_VM_INLINE void pyactx_sm_acc_add(pyactx_sm_acc *a, const double *e, const double *g,
                                        ptrdiff_t len, int comp)
{
    ptrdiff_t i = 0;
#ifdef PYACTX_SM_VEXT
    pyactx_sm_v8 s[4], c[4];
    memcpy(s, a->s, sizeof s);
    memcpy(c, a->c, sizeof c);
    for (; i + PYACTX_SM_L <= len; i += PYACTX_SM_L) {
        for (int k = 0; k < 4; k++) {
            pyactx_sm_v8 v, w, t, err;
            memcpy(&v, e + i + 8 * k, sizeof v);
            if (g) { memcpy(&w, g + i + 8 * k, sizeof w); v = v * w; }
            if (comp == PYACTX_SM_SUM_BASED) {
                t = s[k] + v;
                err = v - (t - s[k]);
                s[k] = t;
                c[k] += err;
            }
            else if (comp) {
                t = s[k] + v;
                pyactx_sm_v8 bb = t - s[k];
                err = (s[k] - (t - bb)) + (v - bb);
                s[k] = t;
                c[k] += err;
            }
            else {
                s[k] += v;
            }
        }
    }
    memcpy(a->s, s, sizeof s);
    memcpy(a->c, c, sizeof c);
#endif
    for (; i < len; i++) {
        int l = (int)(i % PYACTX_SM_L);
        double v = g ? e[i] * g[i] : e[i];
        if (comp == PYACTX_SM_SUM_BASED) {
            double t = a->s[l] + v;
            a->c[l] += v - (t - a->s[l]);
            a->s[l] = t;
        }
        else if (comp) {
            double t, err;
            PYACTX_SM_TWO_SUM(t, err, a->s[l], v);
            a->s[l] = t;
            a->c[l] += err;
        }
        else {
            a->s[l] += v;
        }
    }
}

/* the total as hi + *lo (|lo| <= ulp(hi)/2): the lanes are combined
 * pairwise (TwoSum, errors into the c lanes) in a fixed order */
static inline double pyactx_sm_acc_total(const pyactx_sm_acc *a, double *lo)
{
    double s[PYACTX_SM_L], c[PYACTX_SM_L], hi;
    memcpy(s, a->s, sizeof s);
    memcpy(c, a->c, sizeof c);
    for (int w = PYACTX_SM_L / 2; w >= 1; w /= 2) {
        for (int l = 0; l < w; l++) {
            double t, err;
            PYACTX_SM_TWO_SUM(t, err, s[l], s[l + w]);
            s[l] = t;
            c[l] = (c[l] + c[l + w]) + err;
        }
    }
    hi = s[0] + c[0];
    *lo = c[0] - (hi - s[0]);
    return hi;
}

/* A sum of terms in [0, base] whose lanes start at base (the e_j of a
 * row: base 1 for v_prepare's e^(x - m) <= 1, 2 for d_sums' e^x 2^eb <=
 * sqrt(2)): each s lane is then >= base >= the next term, so Fast2Sum's
 * error term is exact (pyactx_sm_acc_add with PYACTX_SM_SUM_BASED: 3
 * operations where TwoSum takes 6), and the total takes the PYACTX_SM_L
 * bases off again, by TwoSum. */
static inline void pyactx_sm_acc_init_based(pyactx_sm_acc *a, double base)
{
    for (int l = 0; l < PYACTX_SM_L; l++) {
        a->s[l] = base;
        a->c[l] = 0;
    }
}

static inline double pyactx_sm_acc_total_based(const pyactx_sm_acc *a, double base, double *lo)
{
    double l1, h2, l2, hi = pyactx_sm_acc_total(a, &l1);
    PYACTX_SM_TWO_SUM(h2, l2, hi, -base * PYACTX_SM_L);
    l2 += l1;
    hi = h2 + l2;
    *lo = l2 - (hi - h2);
    return hi;
}

/*
 * e^(dh + dl) = hi + *lo to ~2^-100 relative, for finite -1500 < dh <= 0,
 * |dl| <= ulp(dh): the rescaling factor of the one-pass (online) sums of
 * long rows (v_online in softmax.inc), called at most once per chunk, so
 * plain scalar double-double arithmetic.  dh < -746 gives 0 (the factor
 * of a sum that is negligible next to the new one, S >= 1).
 * Reduction n = rint(dh / ln 2), r = dh + dl - n ln 2 in double-double (ln 2
 * in three parts; n L1 and dh - n L1 are exact, |n| <= 1077 < 2^21); then
 * e^r = 1 + r (1 + r/2 (1 + r/3 (... (1 + r/24)))) in double-double
 * (|r| <= 0.35: the first term left out, r^25/25!, is below 2^-115), and
 * the scaling by 2^n (exact unless the result is subnormal).
 */
static inline double pyactx_sm_exp_ddd(double dh, double dl, double *lo)
{
    const double L1 = 0x1.62e42fee00000p-1, L2 = 0x1.a39ef35793c76p-33,
                 L3 = 0x1.cc01f97b57a08p-87, shift = 0x1.8p52;
    const int far = !(dh >= -746.0);
    const double hc = far ? -746.0 : dh, lc = far ? 0.0 : dl;
    double z = hc * 0x1.71547652b82fep+0 + shift;
    double kd = z - shift;
    double a = hc - kd * L1;                 /* exact */
    double pl, p = pyactx_vm_two_prod_d(kd, L2, &pl);
    double s, se, rh, rl, qh = 1, ql = 0;
    PYACTX_SM_TWO_SUM(s, se, a, -p);
    PYACTX_SM_TWO_SUM(rh, rl, s, ((se - pl) - kd * L3) + lc);
    for (int i = 24; i >= 1; i--) {
        /* q = 1 + (r q) / i */
        double ml, mh = pyactx_vm_two_prod_d(rh, qh, &ml), dv, dvl, u, ul;
        ml += rh * ql + rl * qh;
        dv = mh / i;
        dvl = (pyactx_vm_fnma_d(dv, (double)i, mh) + ml) / i;   /* remainder exact */
        PYACTX_SM_TWO_SUM(u, ul, 1.0, dv);
        ul += dvl;
        qh = u + ul;                          /* fast two-sum: |ul| << u */
        ql = ul - (qh - u);
    }
    {
        int k = (int)kd;
        double h = ldexp(qh, k), l = ldexp(ql, k);
        *lo = far ? 0.0 : l;
        return far ? 0.0 : h;
    }
}

/* acc *= fh + fl (to ~2^-100 relative per lane; the s lanes keep the
 * leading product, the c lanes its exact error and the rest) */
static inline void pyactx_sm_acc_scale(pyactx_sm_acc *a, double fh, double fl)
{
    for (int l = 0; l < PYACTX_SM_L; l++) {
        double pe, p = pyactx_vm_two_prod_d(a->s[l], fh, &pe);
        a->c[l] = a->c[l] * fh + (pe + a->s[l] * fl);
        a->s[l] = p;
    }
}

/* 2^n from the bits kb of z = 1.5 2^52 + n (the shift trick): kb's low 12
 * bits are n mod 2^12, so shifting them into the exponent field and adding
 * the bias gives 2^n for -1022 <= n <= 1023 */
PYACTX_VM_INLINE double pyactx_sm_pow2(uint64_t kb)
{
    uint64_t sb = (kb << 52) + ((uint64_t)0x3ff << 52);
    double sc;
    memcpy(&sc, &sb, sizeof sc);
    return sc;
}

/*
 * e^d for -inf <= d <= 0 (never NaN), for float32 rows: relative error
 * below 2^-37 (the polynomial, a Chebyshev fit of degree 8: 2^-37.8 after
 * rounding the coefficients; the one-step reduction adds < 2^-45 and the
 * evaluation ~2^-52), so that a float32 result computed from it and
 * rounded once stays within 0.5 + 2^-13 ULP.  d < -708 gives e^-708
 * (~2^-1021.4 instead of a smaller or subnormal value): 2^-870 of a
 * float32 ULP of any sum it enters (S >= 1), and quotients by S >= 1
 * round to 0 in float32 either way.  Cheaper than vexp (no special cases
 * but the clamp; one scale factor), which float64 rows use.
 */
PYACTX_VM_INLINE double pyactx_sm_exp_f(double d)
{
    const double q0 = 0x1.0000000000000p-1, q1 = 0x1.555555676b751p-3,
                 q2 = 0x1.5555555c90cacp-5, q3 = 0x1.1110c5ef4b02bp-7,
                 q4 = 0x1.6c168555a0e60p-10, q5 = 0x1.a15205debbad7p-13,
                 q6 = 0x1.a113900e06879p-16;
    const double shift = 0x1.8p52;
    /* clamp to -708 on the bit pattern: d <= 0 (-0, +0 included), and
     * for those the bits order like -d (one unsigned min) */
    uint64_t db, cb = 0xc086200000000000u;    /* bits of -708.0 */
    memcpy(&db, &d, sizeof db);
    db = db < cb ? db : cb;
    double dc;
    memcpy(&dc, &db, sizeof dc);
    double z = PYACTX_SM_FMA(dc, 0x1.71547652b82fep+0, shift);
    double kd = z - shift;
    /* ln 2 rounded to double: |kd| (ln 2 - LN2) < 2^-45, far below what
     * float32 rows need (no Cody-Waite second step) */
    double r = PYACTX_SM_FMA(-kd, 0x1.62e42fefa39efp-1, dc);
    double Q = PYACTX_SM_FMA(q6, r, q5);
    Q = PYACTX_SM_FMA(Q, r, q4);
    Q = PYACTX_SM_FMA(Q, r, q3);
    Q = PYACTX_SM_FMA(Q, r, q2);
    Q = PYACTX_SM_FMA(Q, r, q1);
    Q = PYACTX_SM_FMA(Q, r, q0);
    double p = 1.0 + PYACTX_SM_FMA(r * r, Q, r);
    uint64_t kb;
    memcpy(&kb, &z, sizeof kb);
    return p * pyactx_sm_pow2(kb);              /* -1022 <= n <= 0 */
}

/* e^(hi + lo) for -1500 < hi <= 0 (never NaN), |lo| <= 2^-40: vexp_dd's
 * core (kernels/vmath.inc, <= 0.78 ULP) without its special cases, which a
 * classified row cannot have; hi < -746 gives 0. */
PYACTX_VM_INLINE double pyactx_sm_exp_d(double hi, double lo)
{
    double hc = hi > -746.0 ? hi : -746.0, ql, s1, s2, s2i;
    uint64_t kb;
    double qh = pyactx_vm_exp_core_d(hc, lo, 1, &ql, &kb);
    pyactx_vm_exp_scales_d(kb, &s1, &s2, &s2i);
    (void)ql;
    (void)s2i;
    return ((1.0 + qh) * s1) * s2;
}

/* pyactx_sm_exp_d for hi >= -700 (a row whose every entry is that close to
 * its max, v_exp's `one_scale`): 2^n is then one normal factor (n >= -1010)
 * and (1 + qh) 2^n a normal result, so the two factors of pyactx_sm_exp_d
 * give the same bits; no clamp either. */
PYACTX_VM_INLINE double pyactx_sm_exp_d_near(double hi, double lo)
{
    double ql;
    uint64_t kb;
    double qh = pyactx_vm_exp_core_d(hi, lo, 1, &ql, &kb);
    (void)ql;
    return (1.0 + qh) * pyactx_sm_pow2(kb);
}

/*
 * e^x 2^eb for the float64 log path (d_prepare_log in softmax.inc): x
 * itself, not x - m, so no TwoSum and no tail -- nine of the ~45
 * instructions an entry of pyactx_sm_exp_d_near.  The caller keeps |x| <=
 * 1400 (|n| < 2^11: n LN2HI exact in vm_exp_core's reduction) and n + eb
 * in [-1022, 1023], so that 2^(n + eb) is one normal factor and the
 * result (1 + qh) 2^(n + eb) is rounded once: ~0.5 ULP, as vexp.  With
 * elo, also the rounding error of 1 + qh plus the core's tail ql, scaled
 * (the result's low part, to ~2^-59 relative). */
PYACTX_VM_INLINE double pyactx_sm_exp_d_scaled(double x, int64_t eb, double *elo)
{
    double ql;
    uint64_t kb;
    double qh = pyactx_vm_exp_core_d(x, 0.0, 0, &ql, &kb);
    double sc = pyactx_sm_pow2(kb + (uint64_t)eb), u = 1.0 + qh;
    if (elo) *elo = (((1.0 - u) + qh) + ql) * sc;      /* Fast2Sum: |qh| < 1 */
    return u * sc;
}

/* ------------------------------------------------------------- float16 */
#define PYACTX_T uint16_t
#define PYACTX_S h
#include "pyactx/_typegen.h"
#define SM_WT double
#define SM_WS d
#define SM_LOAD(v) pyactx_half_to_double(v)
#define SM_STORE(v) pyactx_double_to_half(v)
#define SM_IO_MIN_EXP (-13)
#define SM_IO_MANT_DIG 11
#define SM_IO_IS_WT 0
#define SM_VEC 0
#define SM_PUT(a, b, hi, lo) pyactx_rows_put_h((a), (b), (hi), (lo))
#define SM_GET(a, b, lo) pyactx_rows_get_h((a), (b), (lo))
#include "pyactx/kernels/softmax.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_T
#undef PYACTX_S

/* --------------------------------------------------------------- float */
#define PYACTX_T float
#define PYACTX_S f
#include "pyactx/_typegen.h"
#define SM_WT double
#define SM_WS d
#define SM_LOAD(v) ((double)(v))
#define SM_STORE(v) ((float)(v))
#define SM_IO_MIN_EXP FLT_MIN_EXP
#define SM_IO_MANT_DIG FLT_MANT_DIG
#define SM_IO_IS_WT 0
#define SM_VEC 1
#define SM_VEC_F 1
#define SM_KT int32_t
#define SM_UT uint32_t
#define SM_KW 32
#define SM_PUT(a, b, hi, lo) pyactx_rows_put_f((a), (b), (hi), (lo))
#define SM_GET(a, b, lo) pyactx_rows_get_f((a), (b), (lo))
#include "pyactx/kernels/softmax.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_T
#undef PYACTX_S

/* -------------------------------------------------------------- double */
#define PYACTX_T double
#define PYACTX_S d
#include "pyactx/_typegen.h"
#define SM_WT double
#define SM_WS d
#define SM_LOAD(v) (v)
#define SM_STORE(v) (v)
#define SM_IO_MIN_EXP DBL_MIN_EXP
#define SM_IO_MANT_DIG DBL_MANT_DIG
#define SM_IO_IS_WT 1
#define SM_VEC 1
#define SM_VEC_F 0
#define SM_KT int64_t
#define SM_UT uint64_t
#define SM_KW 64
#define SM_PUT(a, b, hi, lo) (*(a) = (hi), *(b) = (lo))
#define SM_GET(a, b, lo) (*(lo) = *(b), *(a))
#include "pyactx/kernels/softmax.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_T
#undef PYACTX_S

/* --------------------------------------------------------- long double */
#ifdef PYACTX_NO_LONG_DOUBLE
#  undef long
#else
#define PYACTX_T long double
#define PYACTX_S l
#define PYACTX_LONG_DOUBLE 1
#include "pyactx/_typegen.h"
#define SM_WT long double
#define SM_WS l
#define SM_LOAD(v) (v)
#define SM_STORE(v) (v)
#define SM_IO_MIN_EXP LDBL_MIN_EXP
#define SM_IO_MANT_DIG LDBL_MANT_DIG
#define SM_IO_IS_WT 1
#define SM_VEC 0
#define SM_PUT(a, b, hi, lo) (*(a) = (hi), *(b) = (lo))
#define SM_GET(a, b, lo) (*(lo) = *(b), *(a))
#include "pyactx/kernels/softmax.inc"
#include "pyactx/_typegen_end.h"
#undef PYACTX_LONG_DOUBLE
#undef PYACTX_T
#undef PYACTX_S
#endif /* PYACTX_NO_LONG_DOUBLE */

#ifdef __cplusplus
}
#endif
#endif /* PYACTX_ROWS_H */
