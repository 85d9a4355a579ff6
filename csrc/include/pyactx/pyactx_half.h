/*
 * pyactx_half.h -- IEEE binary16 <-> double conversions, Python-free.
 *
 * float16 kernels evaluate the double kernel and round once:
 *     h -> double (exact) -> kernel -> double -> h (round to nearest even)
 * so a result that is within a few double ULP of the exact value lands on
 * the correctly rounded float16 or, at a near-tie, its neighbour: <= 1 ULP.
 * Included by pyactx.h; integer arithmetic only.  The one flag it raises
 * is overflow, when a finite value rounds to +-inf (a genuine overflow of
 * the float16 result, as the float32 conversion would report); underflow
 * is not raised (see the loops' flag policy).
 */
#ifndef PYACTX_HALF_H
#define PYACTX_HALF_H

#include <stdint.h>
#include <string.h>
#include <fenv.h>

static inline double pyactx_half_to_double(uint16_t h)
{
    uint64_t sign = (uint64_t)(h & 0x8000u) << 48;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint64_t bits;
    if (exp == 0x1f) {                       /* inf or NaN (payload kept, made quiet) */
        bits = sign | 0x7ff0000000000000ull | ((uint64_t)man << 42);
        if (man) bits |= 0x0008000000000000ull;
    }
    else if (exp == 0) {
        if (man == 0) {
            bits = sign;                     /* +-0 */
        }
        else {                               /* subnormal: normalise */
            int e = -14;
            while (!(man & 0x400u)) { man <<= 1; e--; }
            man &= 0x3ffu;
            bits = sign | ((uint64_t)(e + 1023) << 52) | ((uint64_t)man << 42);
        }
    }
    else {
        bits = sign | ((uint64_t)(exp - 15 + 1023) << 52) | ((uint64_t)man << 42);
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline uint16_t pyactx_double_to_half(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    uint16_t sign = (uint16_t)((bits >> 48) & 0x8000u);
    uint64_t abits = bits & 0x7fffffffffffffffull;
    if (abits >= 0x7ff0000000000000ull) {    /* inf or NaN */
        if (abits == 0x7ff0000000000000ull) return sign | 0x7c00u;
        return sign | 0x7e00u | (uint16_t)((abits >> 42) & 0x3ffu);
    }
    int e = (int)(abits >> 52) - 1023;       /* unbiased exponent */
    uint64_t m = (abits & 0x000fffffffffffffull) | 0x0010000000000000ull; /* 53-bit significand */
    if (e >= 16) {                           /* >= 65536: overflows even before rounding */
        feraiseexcept(FE_OVERFLOW);
        return sign | 0x7c00u;
    }
    int shift;                               /* bits of m to drop */
    uint16_t base;
    if (e >= -14) {                          /* normal half: keep 11 bits */
        shift = 42;
        base = (uint16_t)((e + 15) << 10);
        m &= 0x000fffffffffffffull;          /* drop the implicit bit; carry may bump exponent */
    }
    else {                                   /* subnormal half: value = q * 2^-24 */
        if (e < -25) return sign;            /* < 2^-25: rounds to 0 (half-way is 2^-25) */
        shift = 42 + (-14 - e);
        base = 0;
    }
    uint64_t q = m >> shift;
    uint64_t rem = m & ((1ull << shift) - 1);
    uint64_t half = 1ull << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    /* for normals, q carrying into bit 10 correctly increments the exponent
     * (and 65504 + carry gives 0x7c00 = inf). */
    uint16_t h = (uint16_t)(sign | (uint16_t)(base + q));
    if ((h & 0x7fffu) == 0x7c00u) feraiseexcept(FE_OVERFLOW);
    return h;
}

#endif /* PYACTX_HALF_H */
