/*
 * threads.h -- a small persistent thread pool for the inner loops,
 * Python-free (POSIX or Win32 threads; on platforms without either everything runs in the
 * calling thread).
 *
 * pyactx_parallel_for(n, fn, ctx) calls fn(ctx, begin, end) on disjoint
 * ranges covering [0, n): the calling thread takes the first range, pool
 * workers the others, each range a multiple of 64 elements (cache lines),
 * so every element is computed by the same code whatever the thread count:
 * results are bit-identical for any number of threads.
 *
 * Below 2 PYACTX_PAR_MIN elements, with one thread, or when another call
 * already owns the pool (concurrent Python threads), it runs fn(ctx, 0, n)
 * inline -- small calls are never slower than single-threaded; so does a
 * call under 8 PYACTX_PAR_MIN whose workers are asleep (threads.c).  The
 * ranges are n / PYACTX_PAR_MIN, at most 4 a thread, claimed one at a time.
 * (PYACTX_PAR_MIN was 2^16 when a call waited for its workers to wake: 2
 * threads were slower than 1 below ~2^18 elements for the cheap kernels.
 * With the workers polling between calls, 2^14: float32 1e5 elements in a
 * loop, 2 threads against 1, relu 1.85x, sigmoid 1.89x, gelu 1.98x.)
 *
 * Floating-point flags raised on a worker (e.g. invalid for logit(2)) are
 * collected and re-raised on the calling thread, where NumPy reads them;
 * underflow and inexact are dropped (see loops.inc).  The caller's
 * floating-point mode (rounding mode, x87 precision, MXCSR's flush-to-zero
 * and denormals-are-zero) is set on each worker for the job, so the thread
 * count never changes a result.
 *
 * The ranges run concurrently and in any order: a loop must not call it
 * when an output shares memory with an input other than element for
 * element (loops.inc: pyactx_in_order runs such calls in order, inline).
 */
#ifndef PYACTX_THREADS_H
#define PYACTX_THREADS_H

#include <stddef.h>

#define PYACTX_PAR_MIN ((ptrdiff_t)1 << 14)
#define PYACTX_MAX_THREADS 64

typedef void (*pyactx_range_fn)(void *ctx, ptrdiff_t begin, ptrdiff_t end);

/* Run fn over [0, n) in parallel chunks of at least min_chunk items
 * (items may be elements or rows; pass the per-item cost scale in
 * min_chunk: e.g. PYACTX_PAR_MIN / row_length for rows). */
void pyactx_parallel_for(ptrdiff_t n, ptrdiff_t min_chunk, pyactx_range_fn fn, void *ctx);

int pyactx_get_num_threads(void);
/* n >= 1; values above PYACTX_MAX_THREADS are clamped.  Returns the new value. */
int pyactx_set_num_threads(int n);
/* CPUs available to this process (affinity mask), >= 1 */
int pyactx_available_cpus(void);

/* Outputs of at least this many bytes are written with streaming
 * (non-temporal) stores where the instruction set has them (loops.inc,
 * pyactx_stream_range).  The default, 32 MiB, is the last-level cache of
 * the machine the figures come from (relu, 1 and 2 threads, 1.13-1.35x
 * faster from 32 MiB of output up; at 16 MiB, float64 0.33-0.64x, float32
 * 0.68-1.10x): a machine with a larger cache wants a larger value, and the
 * environment variable PYACTX_STREAM_MIN_BYTES, read once, sets it (0:
 * never stream). */
#define PYACTX_STREAM_MIN_DEFAULT ((size_t)32 << 20)
size_t pyactx_get_stream_min_bytes(void);
/* sets it (0: never); returns the previous value */
size_t pyactx_set_stream_min_bytes(size_t bytes);

#endif /* PYACTX_THREADS_H */
