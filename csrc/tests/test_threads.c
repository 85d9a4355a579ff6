/*
 * test_threads.c -- the thread pool of the inner loops (loops/threads.c) on
 * its own, on whichever threads the platform has (POSIX or Win32; the
 * Windows build is checked by cross-compiling with mingw-w64 and running
 * under wine, tools/check_builds.py windows):
 *   - every element is computed exactly once, over several ranges (up
 *     to PYACTX_PARTS_PER_THREAD a thread, claimed by whichever thread is
 *     free; the workers take some of them);
 *   - the results are those of one thread, bit for bit, also under a
 *     non-default rounding mode set by the caller (the workers take the
 *     caller's floating-point mode);
 *   - a flag raised on a worker reaches the caller;
 *   - a second job on the same pool works (workers wait for the next one).
 */
/* threads.c needs clock_gettime: POSIX, before the first system header */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#  define _POSIX_C_SOURCE 200809L
#endif
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../loops/threads.c"
#include "check.h"

enum { N = 1 << 20, CHUNK = 1 << 16 };
static double out[N], ref[N];
static unsigned char hits[N];
static unsigned char range_seen[N / CHUNK + 1];
static unsigned char range_on_worker[N / CHUNK + 1];
static _Thread_local int on_caller;      /* set on the calling thread only */
/* With several threads the caller's ranges wait (up to 10 s) until a
 * worker has started one, so that some range always runs on a worker --
 * whatever the load -- and the comparisons below check the workers'
 * rounding mode and flags too (without the wait, a worker woken late
 * found every range taken: a loaded machine failed the check) */
static int worker_started, wait_for_worker;

typedef struct {
    double num;
    ptrdiff_t bad;   /* the element that raises invalid (-1: none) */
} job;

static void fill(void *ctx, ptrdiff_t b, ptrdiff_t e)
{
    const job *j = (const job *)ctx;
    volatile double num = j->num;
    range_seen[b / CHUNK] = 1;
    range_on_worker[b / CHUNK] = !on_caller;
    if (!on_caller) {
        __atomic_store_n(&worker_started, 1, __ATOMIC_RELEASE);
    }
    else if (wait_for_worker) {
        time_t end = time(NULL) + 10;
        while (!__atomic_load_n(&worker_started, __ATOMIC_ACQUIRE) && time(NULL) < end) {}
    }
    for (ptrdiff_t i = b; i < e; i++) {
        out[i] = num / (double)(3 + i % 7);     /* inexact: depends on the rounding mode */
        hits[i]++;
        if (i == j->bad) {
            volatile double m1 = -1.0;
            out[i] = sqrt(m1);                  /* invalid */
        }
    }
}

static int ranges(void)
{
    int r = 0;
    for (size_t k = 0; k < sizeof range_seen; k++) r += range_seen[k];
    return r;
}

static int worker_ranges(void)
{
    int r = 0;
    for (size_t k = 0; k < sizeof range_on_worker; k++) r += range_on_worker[k];
    return r;
}

static void run(int threads, int round, const job *j, double *dst)
{
    memset(hits, 0, sizeof hits);
    memset(range_seen, 0, sizeof range_seen);
    memset(range_on_worker, 0, sizeof range_on_worker);
    worker_started = 0;
    wait_for_worker = threads > 1;
    pyactx_set_num_threads(threads);
    fesetround(round);
    feclearexcept(FE_ALL_EXCEPT);
    pyactx_parallel_for(N, CHUNK, fill, (void *)j);
    fesetround(FE_TONEAREST);
    if (dst != out) memcpy(dst, out, sizeof out);
}

int main(void)
{
    on_caller = 1;
    CHECK(pyactx_available_cpus() >= 1, "available cpus %d", pyactx_available_cpus());
    CHECK(pyactx_set_num_threads(4) == 4 && pyactx_get_num_threads() == 4, "set/get 4 threads");

    const int modes[2] = {FE_TONEAREST, FE_UPWARD};
    for (int m = 0; m < 2; m++) {
        job j = {1.0, -1};
        run(1, modes[m], &j, ref);
        CHECK(ranges() == 1, "1 thread: %d ranges", ranges());
        for (int rep = 0; rep < 2; rep++) {             /* the second job reuses the workers */
            run(4, modes[m], &j, out);
            CHECK(ranges() == 4 * PYACTX_PARTS_PER_THREAD, "4 threads: %d ranges, want %d",
                  ranges(), 4 * PYACTX_PARTS_PER_THREAD);
            CHECK(worker_ranges() > 0, "mode %d: no range ran on a worker", m);
            int once = 1, same = 1;
            for (ptrdiff_t i = 0; i < N; i++) {
                once &= hits[i] == 1;
                same &= memcmp(&out[i], &ref[i], sizeof(double)) == 0;
            }
            CHECK(once, "mode %d: an element computed zero or several times", m);
            CHECK(same, "mode %d: 4 threads differ from 1 thread", m);
        }
    }
    /* the rounding mode really reached the workers: upward differs from nearest */
    {
        job j = {1.0, -1};
        ptrdiff_t k = N - 1 - (N - 1) % 7;              /* 1/3: rounds down to nearest */
        run(4, FE_UPWARD, &j, out);
        double up_last = out[k];
        run(4, FE_TONEAREST, &j, out);
        double near_last = out[k];
        CHECK(up_last > near_last, "the last range ignored FE_UPWARD (%a)", up_last);
    }
    /* invalid raised on the last worker's range reaches the caller, and only it */
    {
        job j = {1.0, N - 5};
        run(4, FE_TONEAREST, &j, out);
        CHECK(fetestexcept(FE_INVALID) != 0, "invalid raised on a worker was lost");
        CHECK(fetestexcept(FE_DIVBYZERO | FE_OVERFLOW) == 0, "spurious flags");
        CHECK(isnan(out[N - 5]), "the NaN element");
    }
    printf("test_threads: %ld checks, %ld failures (%s threads)\n", checks, failures,
#if defined(PYACTX_PTHREADS)
           "POSIX"
#elif defined(PYACTX_WIN32_THREADS)
           "Win32"
#else
           "no"
#endif
    );
    return failures != 0;
}
