/*
 * test_half.c -- the branch-free float <-> float16 converters of
 * pyactx_half.h (the baseline loops' bulk conversion) against the reference
 * double converters, bit for bit, with their flags.  Plain C, no Python:
 *
 *     cc -O2 -std=c11 -Iinclude tests/test_half.c -o test_half -lm && ./test_half
 *
 * (or `make -C csrc test`).  half -> float: all 65536 patterns.  float ->
 * half: every 997th float pattern, and every float within 4 ULP of each
 * rounding boundary (midpoints between consecutive halves, both signs, the
 * overflow threshold 65520 and the zero/subnormal boundary 2^-25).  Define
 * TEST_HALF_ALL_FLOATS to check all 2^32 float patterns (slow: tens of
 * minutes, the flags are read per value).
 */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pyactx/pyactx_half.h"

static long failures = 0, checks = 0;

static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float bitsf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* the flags the converters may raise besides the ones under test */
#define BAD (FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW)

static void check_f2h(uint32_t u)
{
    float f = bitsf(u);
    feclearexcept(FE_ALL_EXCEPT);
    uint16_t want = pyactx_double_to_half((double)f);
    int want_ovf = fetestexcept(FE_OVERFLOW) != 0;
    feclearexcept(FE_ALL_EXCEPT);
    uint32_t ovf = 0;
    uint16_t got = pyactx_float_to_half(f, &ovf);
    int flags = fetestexcept(BAD);
    checks++;
    if (got != want || (int)ovf != want_ovf || flags) {
        if (failures++ < 20)
            printf("FAIL float->half %08x (%.9g): got %04x ovf %u flags %#x, want %04x ovf %d\n",
                   (unsigned)u, (double)f, got, (unsigned)ovf, flags, want, want_ovf);
    }
}

int main(void)
{
    /* half -> float, exhaustive: exact, NaNs quiet with their payload, no flag */
    for (uint32_t h = 0; h < 65536; h++) {
        feclearexcept(FE_ALL_EXCEPT);
        float got = pyactx_half_to_float((uint16_t)h);
        int flags = fetestexcept(FE_ALL_EXCEPT);
        float want = (float)pyactx_half_to_double((uint16_t)h);
        checks++;
        if (fbits(got) != fbits(want) || flags) {
            if (failures++ < 20)
                printf("FAIL half->float %04x: got %08x flags %#x, want %08x\n", (unsigned)h,
                       (unsigned)fbits(got), flags, (unsigned)fbits(want));
        }
    }

#ifdef TEST_HALF_ALL_FLOATS
    for (uint64_t u = 0; u < (1ull << 32); u++) check_f2h((uint32_t)u);
#else
    for (uint64_t u = 0; u < (1ull << 32); u += 997) check_f2h((uint32_t)u);
    /* around every rounding boundary: the midpoint between consecutive
     * positive halves h, h + 1 (h = 0x7bff: the overflow threshold), and
     * around each half itself */
    for (uint32_t h = 0; h < 0x7c00u; h++) {
        double lo = pyactx_half_to_double((uint16_t)h);
        double hi = h == 0x7bffu ? 65536.0 : pyactx_half_to_double((uint16_t)(h + 1));
        uint32_t centres[2] = {fbits((float)((lo + hi) / 2)), fbits((float)lo)};
        for (int c = 0; c < 2; c++)
            for (int k = -4; k <= 4; k++) {
                uint32_t v = centres[c] + (uint32_t)k;
                if (centres[c] == 0 && k < 0) continue;
                check_f2h(v);
                check_f2h(v | 0x80000000u);
            }
    }
    /* infinities and NaNs (quiet and signalling payloads) */
    uint32_t special[] = {0x7f800000u, 0x7f800001u, 0x7fa00001u, 0x7fc00000u, 0x7fffffffu,
                          0x7fc02000u, 0x7f802000u, 0x477fefffu, 0x477ff000u, 0x477ff001u};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++) {
        check_f2h(special[i]);
        check_f2h(special[i] | 0x80000000u);
    }
#endif

    printf("test_half: %ld checks, %ld failures\n", checks, failures);
    return failures != 0;
}
