/*
 * test_rows.c -- hard checks of the softmax-family row kernels (rows.h),
 * plain C, no Python.  Build and run:
 *
 *     cc -O2 -std=c11 -Iinclude tests/test_rows.c -o test_rows -lm && ./test_rows
 *
 * (or `make -C csrc test`).  Exit status 0 when every check passes.  The
 * exhaustive accuracy tests against mpmath references live in
 * tests/softmax/test_softmax_family.py; these are the checks that must hold in any
 * build of the C core.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyactx/rows.h"
#include "check.h"


/* the spacing of floats at |v| (normal v) */
static double ulp_f(double v)
{
    int e;
    frexp(v, &e);
    return ldexp(1.0, e - 24);
}

/* distance in ULP between two finite doubles of the same sign */
static double ulp_diff(double got, double want)
{
    if (got == want) return 0;
    if (isnan(got) || isnan(want)) return INFINITY;
    double u = nextafter(fabs(want), INFINITY) - fabs(want);
    return fabs(got - want) / u;
}

/* flags that must never be raised for these inputs */
#define BAD_FLAGS (FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW)

static int bad_flags_raised(void)
{
    return fetestexcept(BAD_FLAGS) != 0;
}

/* deterministic N(0, 1) (xorshift + Box-Muller), no rand() dependence */
static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;
static double uniform01(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((rng_state >> 11) + 0.5) * 0x1.0p-53;
}
static double normal01(void)
{
    return sqrt(-2 * log(uniform01())) * cos(6.283185307179586 * uniform01());
}

static void test_known_values(void)
{
    double x[2] = {1000.0, 1001.0}, y[2], ls[2], lse;
    /* exact: 1/(1+e) and e/(1+e) */
    const double y0 = 0.26894142136999512074988, y1 = 0.73105857863000487925012;
    feclearexcept(FE_ALL_EXCEPT);
    pyactx_softmax_row_d(2, x, 1, y, 1);
    CHECK(ulp_diff(y[0], y0) <= 1 && ulp_diff(y[1], y1) <= 1,
          "softmax([1000,1001]) = [%.17g, %.17g]", y[0], y[1]);
    double xn[2] = {-1000.0, -1001.0};
    pyactx_softmax_row_d(2, xn, 1, y, 1);
    CHECK(ulp_diff(y[0], y1) <= 1 && ulp_diff(y[1], y0) <= 1,
          "softmax([-1000,-1001]) = [%.17g, %.17g]", y[0], y[1]);
    /* log_softmax = -log1p(e^-1) - [1, 0] */
    pyactx_log_softmax_row_d(2, x, 1, ls, 1);
    CHECK(ulp_diff(ls[0], -1.3132616875182228340489) <= 1
          && ulp_diff(ls[1], -0.31326168751822283404887) <= 1,
          "log_softmax([1000,1001]) = [%.17g, %.17g]", ls[0], ls[1]);
    pyactx_logsumexp_row_d(2, x, 1, &lse);
    CHECK(ulp_diff(lse, 1001.3132616875182228340) <= 1, "logsumexp([1000,1001]) = %.17g", lse);
    double big[2] = {1e308, 1e308};
    pyactx_logsumexp_row_d(2, big, 1, &lse);
    CHECK(lse == 1e308, "logsumexp([1e308,1e308]) = %.17g, want 1e308 (+log 2 rounds away)", lse);
    double ce;
    pyactx_cross_entropy_row_d(2, x, 1, 0, &ce);
    CHECK(ulp_diff(ce, 1.3132616875182228340489) <= 1, "cross_entropy([1000,1001], 0) = %.17g", ce);
    CHECK(!bad_flags_raised(), "flags raised by finite rows");

    /* float, float16, long double on the same row */
    float xf[2] = {1000.0f, 1001.0f}, yf[2];
    pyactx_softmax_row_f(2, xf, 1, yf, 1);
    /* float arithmetic (the 2-ULP bar of float32 softmax rows, softmax.inc) */
    CHECK(fabs(yf[0] - y0) <= 2 * ulp_f(y0) && fabs(yf[1] - y1) <= 2 * ulp_f(y1),
          "softmax_f = [%.9g, %.9g]", yf[0], yf[1]);
    uint16_t xh[2] = {0x63d0 /* 1000 */, 0x63d1 /* 1000.5 */}, yh[2];
    pyactx_softmax_row_h(2, xh, 1, yh, 1);
    /* 1/(1+e^0.5) = 0.3775406687981454 -> half 0x360a (0.37744...) or 0x360b */
    double h0 = pyactx_half_to_double(yh[0]), h1 = pyactx_half_to_double(yh[1]);
    CHECK(fabs(h0 - 0.3775406687981454) <= 0x1p-12 && fabs(h1 - 0.6224593312018546) <= 0x1p-11,
          "softmax_h = [%.6g, %.6g]", h0, h1);
    long double xl[2] = {1000.0L, 1001.0L}, yl[2];
    pyactx_softmax_row_l(2, xl, 1, yl, 1);
    CHECK(fabsl(yl[0] - 0.268941421369995120748840758178163726L) <= 4 * LDBL_EPSILON * yl[0],
          "softmax_l[0] = %.21Lg", yl[0]);
}

static void test_sums_to_one(void)
{
    enum { N = 100000 };
    static double x[N], y[N];
    static float xf[N], yf[N];
    for (int scale = 0; scale < 3; scale++) {
        const double sig = scale == 0 ? 1.0 : (scale == 1 ? 100.0 : 1e-3);
        for (int i = 0; i < N; i++) { x[i] = sig * normal01(); xf[i] = (float)x[i]; }
        feclearexcept(FE_ALL_EXCEPT);
        pyactx_softmax_row_d(N, x, 1, y, 1);
        pyactx_softmax_row_f(N, xf, 1, yf, 1);
        CHECK(!bad_flags_raised(), "flags raised by a random row");
        long double s = 0, sf = 0;
        for (int i = 0; i < N; i++) { s += y[i]; sf += yf[i]; }
        /* each y_i is within ~2 ULP of exact: the sum is within ~2 eps of 1 */
        CHECK(fabsl(s - 1) <= 4 * DBL_EPSILON, "sigma %g: double row sums to 1 + %Lg", sig, s - 1);
        CHECK(fabsl(sf - 1) <= 4 * FLT_EPSILON, "sigma %g: float row sums to 1 + %Lg", sig, sf - 1);
    }
}

static void test_edge_cases(void)
{
    double y[4], out;
    const double inf = INFINITY;

    feclearexcept(FE_ALL_EXCEPT);
    double a[3] = {-inf, 0.0, 1.0};
    pyactx_softmax_row_d(3, a, 1, y, 1);
    CHECK(y[0] == 0 && !signbit(y[0]) && ulp_diff(y[1] + y[2], 1) <= 1,
          "softmax([-inf,0,1]) = [%g, %.17g, %.17g]", y[0], y[1], y[2]);
    pyactx_log_softmax_row_d(3, a, 1, y, 1);
    CHECK(y[0] == -inf, "log_softmax([-inf,0,1])[0] = %g", y[0]);
    pyactx_cross_entropy_row_d(3, a, 1, 0, &out);
    CHECK(out == inf, "cross_entropy([-inf,0,1], 0) = %g", out);
    pyactx_cross_entropy_grad_row_d(3, a, 1, 0, y, 1);
    CHECK(y[0] == -1.0, "cross_entropy_grad([-inf,0,1], 0)[0] = %.17g", y[0]);

    double allneg[3] = {-inf, -inf, -inf};
    pyactx_softmax_row_d(3, allneg, 1, y, 1);
    CHECK(isnan(y[0]) && isnan(y[1]) && isnan(y[2]), "softmax(all -inf) not NaN");
    pyactx_log_softmax_row_d(3, allneg, 1, y, 1);
    CHECK(isnan(y[0]) && isnan(y[2]), "log_softmax(all -inf) not NaN");
    pyactx_logsumexp_row_d(3, allneg, 1, &out);
    CHECK(out == -inf, "logsumexp(all -inf) = %g", out);

    double pinf[3] = {0.0, inf, 1.0};
    pyactx_softmax_row_d(3, pinf, 1, y, 1);
    CHECK(isnan(y[0]) && isnan(y[1]) && isnan(y[2]), "softmax with +inf not NaN");
    pyactx_logsumexp_row_d(3, pinf, 1, &out);
    CHECK(out == inf, "logsumexp with +inf = %g", out);

    double withnan[3] = {inf, NAN, 1.0};
    pyactx_softmax_row_d(3, withnan, 1, y, 1);
    CHECK(isnan(y[0]) && isnan(y[1]) && isnan(y[2]), "softmax with NaN not NaN");
    pyactx_logsumexp_row_d(3, withnan, 1, &out);
    CHECK(isnan(out), "logsumexp with NaN and +inf = %g, want NaN", out);

    pyactx_logsumexp_row_d(0, a, 1, &out);
    CHECK(out == -inf, "logsumexp of an empty row = %g", out);
    y[0] = 42;
    pyactx_softmax_row_d(0, a, 1, y, 1);
    CHECK(y[0] == 42, "softmax of an empty row wrote something");

    double one = -12345.678;
    pyactx_softmax_row_d(1, &one, 1, y, 1);
    CHECK(y[0] == 1.0, "softmax of a length-1 row = %.17g", y[0]);
    pyactx_log_softmax_row_d(1, &one, 1, y, 1);
    CHECK(y[0] == 0.0, "log_softmax of a length-1 row = %.17g", y[0]);
    pyactx_logsumexp_row_d(1, &one, 1, &out);
    CHECK(out == one, "logsumexp of a length-1 row = %.17g", out);

    /* extreme spreads: no overflow from x_i - max, exact zeros */
    double spread[3] = {1e308, -1e308, 0.0};
    pyactx_softmax_row_d(3, spread, 1, y, 1);
    CHECK(y[0] == 1.0 && y[1] == 0.0 && y[2] == 0.0, "softmax([1e308,-1e308,0]) = [%g %g %g]",
          y[0], y[1], y[2]);
    CHECK(!bad_flags_raised(), "flags raised by the edge cases (NaN/inf rows must be quiet)");

    /* log_softmax(-1e308 | max 1e308) = -2e308 is a genuine overflow */
    pyactx_log_softmax_row_d(3, spread, 1, y, 1);
    CHECK(y[0] == 0.0 && y[1] == -inf && y[2] == -1e308, "log_softmax([1e308,-1e308,0]) = [%g %g %g]",
          y[0], y[1], y[2]);

    /* float16 and long double edge rows: quiet NaN, exact 0 */
    feclearexcept(FE_ALL_EXCEPT);
    uint16_t hx[3] = {0xfc00 /* -inf */, 0x0000, 0x7e00 /* NaN */}, hy[3];
    pyactx_softmax_row_h(3, hx, 1, hy, 1);
    CHECK((hy[0] & 0x7fff) > 0x7c00 && (hy[2] & 0x7fff) > 0x7c00, "softmax_h with NaN not NaN");
    pyactx_softmax_row_h(2, hx, 1, hy, 1);
    CHECK(hy[0] == 0 && hy[1] == 0x3c00, "softmax_h([-inf, 0]) = [%04x %04x]", hy[0], hy[1]);
    long double lx[3] = {-INFINITY, -INFINITY, NAN}, ly[3];
    pyactx_softmax_row_l(2, lx, 1, ly, 1);
    CHECK(isnan(ly[0]) && isnan(ly[1]), "softmax_l(all -inf) not NaN");
    pyactx_softmax_row_l(3, lx, 1, ly, 1);
    CHECK(isnan(ly[2]), "softmax_l with NaN not NaN");
    CHECK(!bad_flags_raised(), "flags raised by float16/long double edge rows");
}

static void test_strides_and_aliasing(void)
{
    enum { N = 17 };
    double x[N], y[N], yr[2 * N], z[N], xr[2 * N];
    for (int i = 0; i < N; i++) x[i] = 3 * normal01();
    pyactx_softmax_row_d(N, x, 1, y, 1);
    /* reversed, strided input and output */
    for (int i = 0; i < N; i++) xr[2 * (N - 1 - i)] = x[i];
    pyactx_softmax_row_d(N, xr + 2 * (N - 1), -2, yr + 2 * (N - 1), -2);
    int same = 1;
    for (int i = 0; i < N; i++) same &= (yr[2 * (N - 1 - i)] == y[i]);
    CHECK(same, "negative/strided softmax differs from contiguous");
    /* in place */
    memcpy(z, x, sizeof x);
    pyactx_softmax_row_d(N, z, 1, z, 1);
    CHECK(memcmp(z, y, sizeof y) == 0, "in-place softmax differs");
    /* every map kernel in place, double and float */
    double ref[N], g[N];
    for (int i = 0; i < N; i++) g[i] = normal01();
    pyactx_log_softmax_row_d(N, x, 1, ref, 1);
    memcpy(z, x, sizeof x);
    pyactx_log_softmax_row_d(N, z, 1, z, 1);
    CHECK(memcmp(z, ref, sizeof ref) == 0, "in-place log_softmax differs");
    pyactx_cross_entropy_grad_row_d(N, x, 1, 5, ref, 1);
    memcpy(z, x, sizeof x);
    pyactx_cross_entropy_grad_row_d(N, z, 1, 5, z, 1);
    CHECK(memcmp(z, ref, sizeof ref) == 0, "in-place cross_entropy_grad differs");
    pyactx_softmax_vjp_row_d(N, x, 1, g, 1, ref, 1);
    memcpy(z, x, sizeof x);
    pyactx_softmax_vjp_row_d(N, z, 1, g, 1, z, 1);
    CHECK(memcmp(z, ref, sizeof ref) == 0, "softmax_vjp with out = x differs");
    memcpy(z, g, sizeof g);
    pyactx_softmax_vjp_row_d(N, x, 1, z, 1, z, 1);
    CHECK(memcmp(z, ref, sizeof ref) == 0, "softmax_vjp with out = g differs");
    pyactx_log_softmax_vjp_row_d(N, x, 1, g, 1, ref, 1);
    memcpy(z, g, sizeof g);
    pyactx_log_softmax_vjp_row_d(N, x, 1, z, 1, z, 1);
    CHECK(memcmp(z, ref, sizeof ref) == 0, "log_softmax_vjp with out = g differs");
    float xf[N], rf[N], zf[N];
    for (int i = 0; i < N; i++) xf[i] = (float)x[i];
    pyactx_softmax_row_f(N, xf, 1, rf, 1);
    memcpy(zf, xf, sizeof xf);
    pyactx_softmax_row_f(N, zf, 1, zf, 1);
    CHECK(memcmp(zf, rf, sizeof rf) == 0, "in-place float softmax differs");
    /* zero stride: a row of N equal values */
    double c = 7.5;
    pyactx_softmax_row_d(N, &c, 0, y, 1);
    same = 1;
    for (int i = 0; i < N; i++) same &= (ulp_diff(y[i], 1.0 / N) <= 1);
    CHECK(same, "softmax of a zero-stride row is not 1/N");
}

static void test_derivatives(void)
{
    enum { N = 6 };
    double x[N] = {0.5, -1.25, 3.0, 3.0, -40.0, 0.0}, y[N], J[N * N], Jt[N * N], g[N], v[N];
    for (int i = 0; i < N; i++) g[i] = (double)(i * i) - 2.5;
    pyactx_softmax_row_d(N, x, 1, y, 1);
    feclearexcept(FE_ALL_EXCEPT);
    pyactx_softmax_jacobian_row_d(N, x, 1, J, N, 1);
    pyactx_softmax_jacobian_row_d(N, x, 1, Jt, 1, N);     /* transposed layout */
    int sym = 1, rows_zero = 1, vjp_ok = 1, diag_ok = 1;
    pyactx_softmax_vjp_row_d(N, x, 1, g, 1, v, 1);
    for (int i = 0; i < N; i++) {
        long double rs = 0, gv = 0, scale = 0;
        for (int j = 0; j < N; j++) {
            sym &= (J[i * N + j] == J[j * N + i]) && (Jt[j * N + i] == J[i * N + j]);
            rs += J[i * N + j];
            gv += (long double)g[j] * J[j * N + i];
            scale += fabs(g[j] * J[j * N + i]);
        }
        rows_zero &= fabsl(rs) <= 4 * DBL_EPSILON * y[i];
        vjp_ok &= fabsl(gv - v[i]) <= 8 * DBL_EPSILON * scale;
        diag_ok &= ulp_diff(J[i * N + i], (double)((long double)y[i] * (1.0L - y[i]))) <= 8;
    }
    CHECK(sym, "softmax_jacobian is not symmetric / transposed layout differs");
    CHECK(rows_zero, "softmax_jacobian rows do not sum to 0");
    CHECK(vjp_ok, "softmax_vjp differs from g @ J");
    CHECK(diag_ok, "softmax_jacobian diagonal differs from y (1 - y)");
    double lg[N], G = 0;
    pyactx_log_softmax_vjp_row_d(N, x, 1, g, 1, lg, 1);
    for (int j = 0; j < N; j++) G += g[j];
    int lv = 1;
    for (int i = 0; i < N; i++) lv &= fabs(lg[i] - (g[i] - y[i] * G)) <= 8 * DBL_EPSILON * (fabs(g[i]) + y[i] * fabs(G));
    CHECK(lv, "log_softmax_vjp differs from g - y sum(g)");
    double cg[N];
    pyactx_cross_entropy_grad_row_d(N, x, 1, 2, cg, 1);
    /* x[2] == x[3] is the max: y_2 - 1 = -(1 - y_2) */
    CHECK(ulp_diff(cg[2], (double)((long double)y[2] - 1.0L)) <= 4 && cg[3] == y[3] && cg[0] == y[0],
          "cross_entropy_grad label entry %.17g vs %.17g", cg[2], y[2] - 1);
    CHECK(!bad_flags_raised(), "flags raised by the derivative kernels");
    /* the Jacobian of a NaN row is NaN, of a length-1 row 0 */
    double nanrow[2] = {NAN, 1.0}, J2[4];
    pyactx_softmax_jacobian_row_d(2, nanrow, 1, J2, 2, 1);
    CHECK(isnan(J2[0]) && isnan(J2[3]), "softmax_jacobian of a NaN row not NaN");
    pyactx_softmax_jacobian_row_d(1, nanrow + 1, 1, J2, 1, 1);
    CHECK(J2[0] == 0.0, "softmax_jacobian of a length-1 row = %g", J2[0]);
    CHECK(!bad_flags_raised(), "flags raised by a NaN Jacobian row");
}

int main(void)
{
    test_known_values();
    test_sums_to_one();
    test_edge_cases();
    test_strides_and_aliasing();
    test_derivatives();
    printf("test_rows: %ld checks, %ld failures\n", checks, failures);
    return failures ? 1 : 0;
}
