/*
 * How often this core issues the 512-bit operations the kernels are made
 * of: independent streams of one instruction each (8 registers, so that
 * latency does not limit them), in cycles per instruction, with the clock
 * taken from a chain of dependent integer additions (one a cycle).
 * x86-64 with AVX-512F and GCC or clang only; not part of the build:
 *
 *     cc -O2 -mavx512f benchmarks/instruction_rates.c -o /tmp/rates && /tmp/rates
 *
 * AMD EPYC (Zen 4), issue 12, four runs (clock 3.40-3.66 GHz): FMA and
 * vmulps 1.0, vpaddd 0.5, vdivps 5.7-6.1, vdivpd 8.4-9.1 cycles (README,
 * speed section: what bounds the loops).
 */
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define EIGHT(op) \
    op " %%zmm1, %%zmm0, %%zmm2\n\t" op " %%zmm1, %%zmm0, %%zmm3\n\t" \
    op " %%zmm1, %%zmm0, %%zmm4\n\t" op " %%zmm1, %%zmm0, %%zmm5\n\t" \
    op " %%zmm1, %%zmm0, %%zmm6\n\t" op " %%zmm1, %%zmm0, %%zmm7\n\t" \
    op " %%zmm1, %%zmm0, %%zmm8\n\t" op " %%zmm1, %%zmm0, %%zmm9\n\t"
#define CLOBBERS "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9"
/* the operands are set again before each stream: printf and the C code
 * in between may use zmm0 and zmm1 (a zero or subnormal divisor could
 * take a slow path) */
#define RATE(name, op)                                                    \
    do {                                                                  \
        double t0 = now();                                                \
        __asm__ volatile("vbroadcastss %0, %%zmm1\n\tvmovaps %%zmm1, %%zmm0" \
                         ::"m"(one) : "xmm0", "xmm1");                    \
        for (long i = 0; i < n; i++)                                      \
            __asm__ volatile(EIGHT(op) ::: CLOBBERS);                     \
        printf("%-8s %5.2f cycles\n", name, (now() - t0) * hz / (8.0 * n)); \
    } while (0)

int main(void)
{
    const long n = 20000000;
    float one = 1.0f;
    /* the clock: four dependent additions an iteration */
    long x = 0;
    double t0 = now();
    for (long i = 0; i < 10 * n; i++)
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    double hz = 40.0 * n / (now() - t0);
    printf("clock    %5.2f GHz\n", hz * 1e-9);
    /* FMA accumulates into its destination: each of the 8 streams is a
     * chain, 8 chains cover a latency of 4 at 2 a cycle */
    RATE("vfmadd", "vfmadd231ps");
    RATE("vpaddd", "vpaddd");
    RATE("vmulps", "vmulps");
    RATE("vdivps", "vdivps");
    RATE("vdivpd", "vdivpd");
    return 0;
}
