/*
 * pyactx_half.h -- IEEE binary16 <-> double and <-> float conversions,
 * Python-free.
 *
 * The double converters serve the float16 rows of the softmax family
 * (rows.h: pyactx_<name>_row_h, working type double) and the C tests:
 *     h -> double (exact) -> kernel -> double -> h (round to nearest even)
 * so a result that is within a few double ULP of the exact value lands on
 * the correctly rounded float16 or, at a near-tie, its neighbour: <= 1 ULP.
 * No elementwise float16 kernel goes through double.
 * Integer arithmetic only.  The one flag the double converter raises is
 * overflow, when a finite value rounds to +-inf (a genuine overflow of the
 * float16 result, as the float32 conversion would report); underflow is not
 * raised (see the loops' flag policy).
 *
 * The elementwise float16 loops (unary, parameterised, binary:
 * elementwise_half.inc) go through float in blocks instead: h -> float (exact)
 * -> the float32 kernel (<= 4 float ULP, i.e. 2^-11 float16 ULP) -> h,
 * again within 1 step of the
 * correctly rounded float16.  Conversions: F16C where the loop table is
 * compiled for it, otherwise the branch-free float converters below, which
 * GCC vectorises (integer masks and selects, and one exact or sanitised
 * float operation each) and which give the same bits as F16C.
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

/* Branch-free helpers: an all-ones/zero mask from an integer condition, and
 * a select by mask (GCC if-converts these where it keeps ?: as branches). */
static inline uint32_t pyactx_hmask(int cond) { return (uint32_t)0 - (uint32_t)(cond != 0); }
static inline uint32_t pyactx_hsel(uint32_t m, uint32_t a, uint32_t b) { return (a & m) | (b & ~m); }

/* h -> float, exact; NaN payload kept and made quiet (no flag: the
 * quieting is an integer OR, not a float operation on a signalling NaN). */
static inline float pyactx_half_to_float(uint16_t h)
{
    uint32_t a = h & 0x7fffu;
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t norm = (a << 13) + (112u << 23);            /* rebias 15 -> 127 */
    uint32_t spec = (a << 13) | 0x7f800000u | (pyactx_hmask(a > 0x7c00u) & 0x00400000u);
    /* zero and subnormals: m * 2^-24, exact (m < 2^15) and a normal float,
     * so no flag; computed for every lane, used for a < 0x400 only */
    float subf = (float)(int32_t)a * 0x1p-24f;
    uint32_t sub;
    memcpy(&sub, &subf, sizeof sub);
    uint32_t r = pyactx_hsel(pyactx_hmask(a >= 0x7c00u), spec,
                             pyactx_hsel(pyactx_hmask(a < 0x0400u), sub, norm));
    r |= sign;
    float f;
    memcpy(&f, &r, sizeof f);
    return f;
}

/* float -> h, round to nearest even (the float addition of the subnormal
 * path assumes the default rounding mode, as NumPy runs).  Returns the bits
 * in the low 16 bits, and bit 16 set where a finite value rounds to +-inf:
 * the caller raises overflow once per block (a flag per lane would stop
 * vectorisation).  Flags raised here: inexact only. */
static inline uint32_t pyactx_float_to_half_ovf(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t a = u & 0x7fffffffu;
    /* normal half (2^-14 <= |f| < 2^16): rebias 127 -> 15 and round at bit
     * 13 (+0xfff, +1 when the kept part is odd); a carry bumps the exponent,
     * 65520 and above give 0x7c00 = inf.  Wraps (unused) below 2^-14. */
    uint32_t norm = (a - (112u << 23) + 0xfffu + ((a >> 13) & 1u)) >> 13;
    /* subnormal half (|f| < 2^-14): 0.5 + |f| rounds at 2^-24, the half
     * quantum; the sum's low bits are the result (1024 = the least normal).
     * The operand is sanitised (0 on other lanes): no invalid from a NaN */
    uint32_t small = pyactx_hmask(a < (113u << 23));
    uint32_t as = a & small;
    float fs;
    memcpy(&fs, &as, sizeof fs);
    fs += 0.5f;
    uint32_t sub;
    memcpy(&sub, &fs, sizeof sub);
    sub -= 126u << 23;
    uint32_t nan = 0x7e00u | ((a >> 13) & 0x3ffu);
    uint32_t r = pyactx_hsel(pyactx_hmask(a >= (143u << 23)),
                             pyactx_hsel(pyactx_hmask(a > 0x7f800000u), nan, 0x7c00u),
                             pyactx_hsel(small, sub, norm));
    uint32_t ovf = pyactx_hmask(r == 0x7c00u) & pyactx_hmask(a < 0x7f800000u) & 0x10000u;
    return sign | r | ovf;
}

static inline uint16_t pyactx_float_to_half(float f, uint32_t *ovf)
{
    uint32_t r = pyactx_float_to_half_ovf(f);
    *ovf |= r >> 16;
    return (uint16_t)r;
}

#endif /* PYACTX_HALF_H */
