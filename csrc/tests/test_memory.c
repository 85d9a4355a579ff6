/*
 * test_memory.c -- memory-safety and layout checks of the C core, written
 * for tools/sanitize.sh (AddressSanitizer, UBSan, valgrind memcheck) but
 * self-checking and quick (~0.1 s), so it also runs in `make -C csrc test`.
 *
 * 1. Every row kernel of rows.h, every storage type (h f d l), n in
 *    {0, 1, 2, 3, 5, 17}, input strides +1 +2 -1 -3 and 0 (broadcast),
 *    output strides +1 -1 +3, and the output aliasing its input: each buffer
 *    is malloc'ed with exactly the elements the layout touches, so a read or
 *    write one element out is a sanitizer / memcheck report; outputs start
 *    uninitialised, so a kernel reading an output before writing it is a
 *    memcheck report.  Every layout must give the contiguous result bit for
 *    bit (values compared as values for long double: its padding bytes are
 *    never written; NaN payloads are free, see SAME_D).
 * 2. Every elementwise kernel of the X-macro table (d, l, f) on a grid of
 *    special values: evaluated twice, same bits up to NaN payloads (a read
 *    of uninitialised memory would show under memcheck, a nondeterminism
 *    here).
 * 3. The float16 conversions: all 65536 bit patterns round-trip exactly
 *    (NaN stays NaN, quiet), and, where the compiler has _Float16,
 *    pyactx_double_to_half agrees with the hardware conversion on 10^5
 *    random doubles (round to nearest even, subnormals, overflow).
 *
 * No floating-point flag is checked here: valgrind does not emulate them.
 */
#ifndef TM_TEMPLATE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyactx/pyactx.h"
#include "pyactx/rows.h"
#include "check.h"

/* xorshift64*: deterministic, no libc state */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_u64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}
static double rng_unit(void) { return (double)(rng_u64() >> 11) * 0x1p-53; }

/* exactly the elements a layout (n, stride) touches; base points at element 0 */
typedef struct { void *buf; char *base; } tm_layout;

static tm_layout tm_alloc(ptrdiff_t n, ptrdiff_t stride, size_t size)
{
    tm_layout L;
    ptrdiff_t a = stride < 0 ? -stride : stride;
    size_t len = n == 0 ? 0 : (size_t)(a * (n - 1) + 1);
    L.buf = malloc(len ? len * size : 1);
    if (L.buf == NULL) { perror("malloc"); exit(2); }
    L.base = (char *)L.buf + (stride < 0 && n > 0 ? (size_t)(a * (n - 1)) * size : 0);
    return L;
}

static const ptrdiff_t NS[] = {0, 1, 2, 3, 5, 17};
static const ptrdiff_t IN_STRIDES[] = {1, 2, -1, -3, 0};
static const ptrdiff_t OUT_STRIDES[] = {1, -1, 3};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* a row of logits: mostly finite, sometimes with -inf, +inf or NaN, and
 * sometimes with a huge spread so that the far-entry paths run */
static double tm_logit(int kind, ptrdiff_t i)
{
    double v = (rng_unit() - 0.5) * 20.0;
    switch (kind) {
    case 1: return i == 1 ? -INFINITY : v;
    case 2: return i == 2 ? INFINITY : v;
    case 3: return i == 0 ? NAN : v;
    case 4: return -INFINITY;
    case 5: return i % 2 ? -1e300 : v;        /* far entries */
    case 6: return 5.0;                        /* ties for the max */
    default: return v;
    }
}
#define TM_KINDS 7

#if defined(__FLT16_MANT_DIG__) && !defined(__cplusplus)
#  define TM_HAVE_FLOAT16 1
#else
#  define TM_HAVE_FLOAT16 0
#endif

#define TM_TEMPLATE 1
/* ------------------------------------------------------------ instances */
#define TM_IO uint16_t
#define TM_S h
#define TM_LOAD(v) pyactx_half_to_double(v)
#define TM_STORE(v) pyactx_double_to_half(v)
/* bits, except that any NaN equals any NaN (see SAME_D below) */
#define TM_SAME(a, b) ((a) == (b) || (((a) & 0x7c00u) == 0x7c00u && ((a) & 0x3ffu) \
                                      && ((b) & 0x7c00u) == 0x7c00u && ((b) & 0x3ffu)))
#include "test_memory.c"

#define TM_IO float
#define TM_S f
#define TM_LOAD(v) ((double)(v))
#define TM_STORE(v) ((float)(v))
#define TM_SAME(a, b) ((isnan(a) && isnan(b)) || memcmp(&(a), &(b), sizeof(float)) == 0)
#include "test_memory.c"

#define TM_IO double
#define TM_S d
#define TM_LOAD(v) (v)
#define TM_STORE(v) (v)
#define TM_SAME(a, b) ((isnan(a) && isnan(b)) || memcmp(&(a), &(b), sizeof(double)) == 0)
#include "test_memory.c"

#define TM_IO long double
#define TM_S l
#define TM_LOAD(v) ((double)(v))
#define TM_STORE(v) ((long double)(v))
/* by value (padding bytes are never written); NaN == NaN, -0 != +0 */
#define TM_SAME(a, b) ((isnan(a) && isnan(b)) || ((a) == (b) && !signbit(a) == !signbit(b)))
#include "test_memory.c"
#undef TM_TEMPLATE

/* ------------------------------------------------------- elementwise */
static void elementwise(void)
{
    static const double vals[] = {-INFINITY, -1e308, -710.0, -40.0, -3.0, -1.0, -0.5,
                                  -1e-310, -0.0, 0.0, 1e-310, 1e-8, 0.25, 0.5, 1.0,
                                  3.0, 6.0, 40.0, 710.0, 1e308, INFINITY, NAN};
    const size_t nv = COUNT(vals);
/* Bits, except that any NaN equals any NaN: when two NaN operands meet
 * (NaN * NaN), which payload survives depends on the operand order, and C
 * lets the compiler commute a product differently in two inlined copies of
 * the same kernel (seen under -fsanitize=address -O1 for glu_grad(nan, nan)).
 * IEEE 754 leaves that payload unspecified too. */
#define SAME_D(a, b) ((isnan(a) && isnan(b)) || memcmp(&(a), &(b), sizeof(double)) == 0)
#define SAME_F(a, b) ((isnan(a) && isnan(b)) || memcmp(&(a), &(b), sizeof(float)) == 0)
#define SAME_L(a, b) ((isnan(a) && isnan(b)) || ((a) == (b) && !signbit(a) == !signbit(b)))
#define TWICE1(fn, T, SAME, x)                                                 \
    do { T r1_ = fn(x), r2_ = fn(x);                                          \
         CHECK(SAME(r1_, r2_), "%s(%g) not deterministic", #fn, (double)(x)); } while (0)
#define TWICE2(fn, T, SAME, x, p)                                              \
    do { T r1_ = fn(x, p), r2_ = fn(x, p);                                    \
         CHECK(SAME(r1_, r2_), "%s(%g, %g) not deterministic", #fn,           \
               (double)(x), (double)(p)); } while (0)
#define TWICEG(fn, T, SAME, a, b)                                              \
    do { T *d1_ = malloc(4 * sizeof(T));                                       \
         if (!d1_) exit(2);                                                    \
         fn(a, b, &d1_[0], &d1_[1]); fn(a, b, &d1_[2], &d1_[3]);              \
         CHECK(SAME(d1_[0], d1_[2]) && SAME(d1_[1], d1_[3]),                  \
               "%s(%g, %g) not deterministic", #fn, (double)(a), (double)(b)); \
         free(d1_); } while (0)
    for (size_t i = 0; i < nv; i++) {
        double x = vals[i];
        long double xl = (long double)x;
        float xf = (float)x;
#define PYACTX_UNARY(name, doc, gdoc)                                          \
        TWICE1(pyactx_##name##_d, double, SAME_D, x);                         \
        TWICE1(pyactx_##name##_grad_d, double, SAME_D, x);                    \
        TWICE1(pyactx_##name##_l, long double, SAME_L, xl);                   \
        TWICE1(pyactx_##name##_grad_l, long double, SAME_L, xl);              \
        TWICE1(pyactx_##name##_f, float, SAME_F, xf);                         \
        TWICE1(pyactx_##name##_grad_f, float, SAME_F, xf);
#define PYACTX_PARAM(name, doc, gdoc)                                          \
        for (size_t j = 0; j < nv; j++) {                                     \
            double p = vals[j];                                               \
            TWICE2(pyactx_##name##_d, double, SAME_D, x, p);                  \
            TWICE2(pyactx_##name##_grad_d, double, SAME_D, x, p);             \
            TWICE2(pyactx_##name##_l, long double, SAME_L, xl, (long double)p); \
            TWICE2(pyactx_##name##_grad_l, long double, SAME_L, xl, (long double)p); \
            TWICE2(pyactx_##name##_f, float, SAME_F, xf, (float)p);           \
            TWICE2(pyactx_##name##_grad_f, float, SAME_F, xf, (float)p);      \
        }
#define PYACTX_PAIR PYACTX_PARAM
#define PYACTX_GATE(name, doc, gdoc)                                           \
        for (size_t j = 0; j < nv; j++) {                                     \
            double p = vals[j];                                               \
            TWICE2(pyactx_##name##_d, double, SAME_D, x, p);                  \
            TWICE2(pyactx_##name##_l, long double, SAME_L, xl, (long double)p); \
            TWICE2(pyactx_##name##_f, float, SAME_F, xf, (float)p);           \
            TWICEG(pyactx_##name##_grad_d, double, SAME_D, x, p);             \
            TWICEG(pyactx_##name##_grad_l, long double, SAME_L, xl, (long double)p); \
            TWICEG(pyactx_##name##_grad_f, float, SAME_F, xf, (float)p);      \
        }
#include "pyactx/table.inc"
#undef PYACTX_UNARY
#undef PYACTX_PARAM
#undef PYACTX_PAIR
#undef PYACTX_GATE
    }
}

/* ------------------------------------------------------------- float16 */
static void half_conversions(void)
{
    for (uint32_t h = 0; h < 0x10000u; h++) {
        double d = pyactx_half_to_double((uint16_t)h);
        uint16_t back = pyactx_double_to_half(d);
        int is_nan = (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0;
        if (is_nan) {
            CHECK(isnan(d) && (back & 0x7c00u) == 0x7c00u && (back & 0x3ffu) != 0
                  && (back & 0x200u) && (back & 0x8000u) == (h & 0x8000u),
                  "half NaN 0x%04x -> %g -> 0x%04x", (unsigned)h, d, (unsigned)back);
        }
        else {
            CHECK(back == h, "half 0x%04x -> %.17g -> 0x%04x", (unsigned)h, d, (unsigned)back);
        }
    }
#if TM_HAVE_FLOAT16
    for (int i = 0; i < 100000; i++) {
        /* doubles around every float16 binade, ties included */
        double d;
        if (i % 4 == 0) {
            uint16_t h = (uint16_t)rng_u64();
            double a = pyactx_half_to_double(h), b = pyactx_half_to_double((uint16_t)(h + 1));
            d = isfinite(a) && isfinite(b) ? a + (b - a) * 0.5 : a;   /* a tie */
        }
        else {
            d = ldexp(rng_unit() * 2.0 - 1.0, (int)(rng_u64() % 50) - 30);
        }
        _Float16 hw = (_Float16)d;
        uint16_t want, got = pyactx_double_to_half(d);
        memcpy(&want, &hw, sizeof want);
        if (isnan(d)) continue;
        CHECK(got == want, "double_to_half(%.17g) = 0x%04x, hardware 0x%04x",
              d, (unsigned)got, (unsigned)want);
    }
#endif
}

int main(void)
{
    rows_h();
    rows_f();
    rows_d();
    rows_l();
    elementwise();
    half_conversions();
    if (failures) {
        printf("test_memory: %ld checks, %ld FAILED\n", checks, failures);
        return 1;
    }
    printf("test_memory: %ld checks passed (float16 vs hardware _Float16: %s)\n", checks,
           TM_HAVE_FLOAT16 ? "yes" : "not available");
    return 0;
}

#else /* TM_TEMPLATE: one instance of the row checks per storage type */

#define TM_CAT_(a, b) a##b
#define TM_CAT(a, b) TM_CAT_(a, b)
#define TM_K(name) TM_CAT(TM_CAT(pyactx_, name), TM_CAT(_row_, TM_S))
#define TM_FN(name) TM_CAT(name, TM_CAT(_, TM_S))
#define TM_XSTR_(a) #a
#define TM_XSTR(a) TM_XSTR_(a)
#define TM_SFX TM_XSTR(TM_S)

/* fill a layout with the row v (n values) */
static void TM_FN(tm_fill)(tm_layout L, ptrdiff_t n, ptrdiff_t s, const TM_IO *v)
{
    TM_IO *p = (TM_IO *)L.base;
    if (s == 0) { if (n > 0) p[0] = v[0]; return; }
    for (ptrdiff_t i = 0; i < n; i++) p[i * s] = v[i];
}

static int TM_FN(tm_same_row)(const TM_IO *a, ptrdiff_t sa, const TM_IO *b, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        TM_IO x = a[i * sa], y = b[i];
        if (!(TM_SAME(x, y))) return 0;
    }
    return 1;
}

static void TM_CAT(rows_, TM_S)(void)
{
    for (size_t in = 0; in < COUNT(NS); in++) {
        ptrdiff_t n = NS[in];
        for (int kind = 0; kind < TM_KINDS; kind++) {
            /* the logical rows: x, g (for the vjps) and a label */
            TM_IO x[17], g[17], xb[17], gb[17];
            for (ptrdiff_t i = 0; i < n; i++) {
                x[i] = TM_STORE(tm_logit(kind, i));
                g[i] = TM_STORE((rng_unit() - 0.5) * 4.0);
            }
            ptrdiff_t label = n > 0 ? (ptrdiff_t)(rng_u64() % (uint64_t)n) : 0;
            /* references: contiguous, not aliased */
            TM_IO ref_sm[17], ref_lsm[17], ref_vjp[17], ref_lvjp[17], ref_ceg[17];
            TM_IO ref_lse, ref_ce = TM_STORE(0.0), *ref_J = malloc((size_t)(n * n + 1) * sizeof(TM_IO));
            if (ref_J == NULL) exit(2);
            TM_K(softmax)(n, x, 1, ref_sm, 1);
            TM_K(log_softmax)(n, x, 1, ref_lsm, 1);
            TM_K(logsumexp)(n, x, 1, &ref_lse);
            TM_K(softmax_vjp)(n, x, 1, g, 1, ref_vjp, 1);
            TM_K(log_softmax_vjp)(n, x, 1, g, 1, ref_lvjp, 1);
            TM_K(softmax_jacobian)(n, x, 1, ref_J, n, 1);
            if (n > 0) {
                TM_K(cross_entropy)(n, x, 1, label, &ref_ce);
                TM_K(cross_entropy_grad)(n, x, 1, label, ref_ceg, 1);
            }

            for (size_t a = 0; a < COUNT(IN_STRIDES); a++) {
                ptrdiff_t sx = IN_STRIDES[a];
                /* a zero stride broadcasts x[0]: the reference is then a
                 * constant row, computed contiguously here */
                const TM_IO *xr = x;
                TM_IO bsm[17], blsm[17], bvjp[17], blvjp[17], bceg[17], blse, bce = TM_STORE(0.0);
                TM_IO *bJ = ref_J;
                int own_J = 0;
                if (sx == 0) {
                    for (ptrdiff_t i = 0; i < n; i++) { xb[i] = x[0]; gb[i] = g[0]; }
                    xr = xb;
                    bJ = malloc((size_t)(n * n + 1) * sizeof(TM_IO));
                    if (bJ == NULL) exit(2);
                    own_J = 1;
                    TM_K(softmax)(n, xr, 1, bsm, 1);
                    TM_K(log_softmax)(n, xr, 1, blsm, 1);
                    TM_K(logsumexp)(n, xr, 1, &blse);
                    TM_K(softmax_vjp)(n, xr, 1, gb, 1, bvjp, 1);
                    TM_K(log_softmax_vjp)(n, xr, 1, gb, 1, blvjp, 1);
                    TM_K(softmax_jacobian)(n, xr, 1, bJ, n, 1);
                    if (n > 0) {
                        TM_K(cross_entropy)(n, xr, 1, label, &bce);
                        TM_K(cross_entropy_grad)(n, xr, 1, label, bceg, 1);
                    }
                }
                else {
                    memcpy(bsm, ref_sm, sizeof bsm); memcpy(blsm, ref_lsm, sizeof blsm);
                    memcpy(bvjp, ref_vjp, sizeof bvjp); memcpy(blvjp, ref_lvjp, sizeof blvjp);
                    memcpy(bceg, ref_ceg, sizeof bceg);
                    blse = ref_lse; bce = ref_ce;
                }
                const TM_IO *gsrc = sx == 0 ? gb : g;

                tm_layout X = tm_alloc(n, sx, sizeof(TM_IO));
                tm_layout G = tm_alloc(n, sx, sizeof(TM_IO));
                TM_FN(tm_fill)(X, n, sx, xr);
                TM_FN(tm_fill)(G, n, sx, gsrc);
                const TM_IO *xp = (const TM_IO *)X.base, *gp = (const TM_IO *)G.base;

                /* reductions: one output element, exactly allocated */
                TM_IO *o1 = malloc(sizeof(TM_IO));
                if (o1 == NULL) exit(2);
                TM_K(logsumexp)(n, xp, sx, o1);
                CHECK(TM_SAME(*o1, blse), "logsumexp_" TM_SFX " n=%td sx=%td kind=%d", n, sx, kind);
                if (n > 0) {
                    TM_K(cross_entropy)(n, xp, sx, label, o1);
                    CHECK(TM_SAME(*o1, bce), "cross_entropy_" TM_SFX " n=%td sx=%td kind=%d", n, sx, kind);
                }
                free(o1);

                for (size_t b = 0; b < COUNT(OUT_STRIDES); b++) {
                    ptrdiff_t sy = OUT_STRIDES[b];
                    tm_layout Y = tm_alloc(n, sy, sizeof(TM_IO));
                    TM_IO *yp = (TM_IO *)Y.base;
#define TM_MAP(call, ref, what)                                                \
                    do { call;                                                 \
                         CHECK(TM_FN(tm_same_row)(yp, sy, ref, n),             \
                               what "_" TM_SFX " n=%td sx=%td sy=%td kind=%d",  \
                               n, sx, sy, kind); } while (0)
                    TM_MAP(TM_K(softmax)(n, xp, sx, yp, sy), bsm, "softmax");
                    TM_MAP(TM_K(log_softmax)(n, xp, sx, yp, sy), blsm, "log_softmax");
                    TM_MAP(TM_K(softmax_vjp)(n, xp, sx, gp, sx, yp, sy), bvjp, "softmax_vjp");
                    TM_MAP(TM_K(log_softmax_vjp)(n, xp, sx, gp, sx, yp, sy), blvjp,
                           "log_softmax_vjp");
                    if (n > 0)
                        TM_MAP(TM_K(cross_entropy_grad)(n, xp, sx, label, yp, sy), bceg,
                               "cross_entropy_grad");
#undef TM_MAP
                    free(Y.buf);

                    /* Jacobian: n x n with row stride si = sy * n * (1 or 2)
                     * and column stride sy, exactly allocated */
                    if (n > 0) {
                        ptrdiff_t si = sy * n;
                        ptrdiff_t asi = si < 0 ? -si : si, asy = sy < 0 ? -sy : sy;
                        size_t len = (size_t)(asi * (n - 1) + asy * (n - 1) + 1);
                        TM_IO *Jbuf = malloc(len * sizeof(TM_IO));
                        if (Jbuf == NULL) exit(2);
                        TM_IO *J = Jbuf + (si < 0 ? asi * (n - 1) : 0) + (sy < 0 ? asy * (n - 1) : 0);
                        TM_K(softmax_jacobian)(n, xp, sx, J, si, sy);
                        int ok = 1;
                        for (ptrdiff_t i = 0; i < n && ok; i++)
                            ok = TM_FN(tm_same_row)(J + i * si, sy, bJ + i * n, n);
                        CHECK(ok, "softmax_jacobian_" TM_SFX " n=%td sx=%td si=%td sj=%td kind=%d",
                              n, sx, si, sy, kind);
                        /* transposed layout (column-major) */
                        TM_K(softmax_jacobian)(n, xp, sx, J, sy, si);
                        ok = 1;
                        for (ptrdiff_t i = 0; i < n && ok; i++)
                            ok = TM_FN(tm_same_row)(J + i * sy, si, bJ + i * n, n);
                        CHECK(ok, "softmax_jacobian_" TM_SFX " transposed n=%td sx=%td kind=%d",
                              n, sx, kind);
                        free(Jbuf);
                    }
                }

                /* in place: the output is the input (same pointer, same stride) */
                if (sx != 0) {
#define TM_INPLACE(call, ref, what)                                            \
                    do { TM_FN(tm_fill)(X, n, sx, xr); call;                   \
                         CHECK(TM_FN(tm_same_row)((TM_IO *)X.base, sx, ref, n), \
                               what "_" TM_SFX " in place n=%td sx=%td kind=%d", n, sx, kind); \
                    } while (0)
                    TM_IO *xw = (TM_IO *)X.base;
                    TM_INPLACE(TM_K(softmax)(n, xw, sx, xw, sx), bsm, "softmax");
                    TM_INPLACE(TM_K(log_softmax)(n, xw, sx, xw, sx), blsm, "log_softmax");
                    TM_INPLACE(TM_K(softmax_vjp)(n, xw, sx, gp, sx, xw, sx), bvjp, "softmax_vjp(y=x)");
                    TM_INPLACE(TM_K(log_softmax_vjp)(n, xw, sx, gp, sx, xw, sx), blvjp,
                               "log_softmax_vjp(y=x)");
                    if (n > 0)
                        TM_INPLACE(TM_K(cross_entropy_grad)(n, xw, sx, label, xw, sx), bceg,
                                   "cross_entropy_grad");
#undef TM_INPLACE
                    /* the vjps with y aliasing g */
                    TM_FN(tm_fill)(X, n, sx, xr);
                    TM_IO *gw = (TM_IO *)G.base;
                    TM_FN(tm_fill)(G, n, sx, gsrc);
                    TM_K(softmax_vjp)(n, xp, sx, gw, sx, gw, sx);
                    CHECK(TM_FN(tm_same_row)(gw, sx, bvjp, n),
                          "softmax_vjp_" TM_SFX " y=g n=%td sx=%td kind=%d", n, sx, kind);
                    TM_FN(tm_fill)(G, n, sx, gsrc);
                    TM_K(log_softmax_vjp)(n, xp, sx, gw, sx, gw, sx);
                    CHECK(TM_FN(tm_same_row)(gw, sx, blvjp, n),
                          "log_softmax_vjp_" TM_SFX " y=g n=%td sx=%td kind=%d", n, sx, kind);
                }
                free(X.buf);
                free(G.buf);
                if (own_J) free(bJ);
            }
            free(ref_J);
        }
    }
}

#undef TM_CAT_
#undef TM_CAT
#undef TM_K
#undef TM_FN
#undef TM_XSTR_
#undef TM_XSTR
#undef TM_SFX
#undef TM_IO
#undef TM_S
#undef TM_LOAD
#undef TM_STORE
#undef TM_SAME
#endif /* TM_TEMPLATE */
