/*
 * threads.c -- see threads.h.
 *
 * Design: workers sleep on a condition variable; a call publishes a job
 * (fn, ctx, range split) under the pool mutex, bumps a generation counter
 * and wakes them; each worker runs its range and decrements `pending`; the
 * caller runs range 0 and then waits for pending == 0.  One job at a time:
 * a second concurrent caller (another Python thread; the GIL is released in
 * ufunc loops) finds the pool busy with trylock and runs inline instead.
 * After fork() the child has no workers; pthread_atfork marks the pool
 * unstarted so that it is rebuilt lazily.
 */
#include "threads.h"

#include <fenv.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#  define PYACTX_PTHREADS 1
#  include <pthread.h>
#  include <unistd.h>
#  if defined(__linux__)
#    include <sched.h>
#  endif
#endif

#define FLAG_MASK (FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW)

#if defined(__SSE__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 1)
#  include <xmmintrin.h>
#  define PYACTX_HAVE_MXCSR 1
#endif

/* The caller's floating-point mode, carried to the workers so that the
 * thread count never changes a result: the rounding mode and precision
 * control (fenv_t: x87 and SSE control) and, on x86, MXCSR's
 * flush-to-zero / denormals-are-zero bits, which some libraries set
 * (torch.set_flush_denormal) and which fesetenv need not restore.  The
 * status flags are not carried: each worker starts with none raised. */
typedef struct {
    fenv_t env;
#ifdef PYACTX_HAVE_MXCSR
    unsigned int mxcsr;
#endif
} fp_mode;

static void fp_mode_get(fp_mode *m)
{
    fegetenv(&m->env);
#ifdef PYACTX_HAVE_MXCSR
    m->mxcsr = _mm_getcsr() & ~0x3fu;          /* control bits only, no flags */
#endif
}

static void fp_mode_set(const fp_mode *m)
{
    fesetenv(&m->env);
#ifdef PYACTX_HAVE_MXCSR
    _mm_setcsr(m->mxcsr);
#endif
    feclearexcept(FE_ALL_EXCEPT);
}

/* 0: not yet initialised from the environment.  Read by the loops without
 * the GIL, written by set_num_threads: relaxed atomics (no ordering needed). */
static int num_threads = 0;
#if defined(__GNUC__) || defined(__clang__)
#  define NT_LOAD() __atomic_load_n(&num_threads, __ATOMIC_RELAXED)
#  define NT_STORE(v) __atomic_store_n(&num_threads, (v), __ATOMIC_RELAXED)
#else
#  define NT_LOAD() (*(volatile int *)&num_threads)
#  define NT_STORE(v) (*(volatile int *)&num_threads = (v))
#endif

int pyactx_available_cpus(void)
{
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int c = CPU_COUNT(&set);
        if (c > 0) return c;
    }
#endif
#ifdef PYACTX_PTHREADS
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    if (c > 0) return (int)c;
#endif
    return 1;
}

static int clamp_threads(long n)
{
    if (n < 1) return 1;
    if (n > PYACTX_MAX_THREADS) return PYACTX_MAX_THREADS;
    return (int)n;
}

int pyactx_get_num_threads(void)
{
    int n_now = NT_LOAD();
    if (n_now == 0) {
        const char *env = getenv("PYACTX_NUM_THREADS");
        long n = env && *env ? strtol(env, NULL, 10) : 0;
        n_now = clamp_threads(n > 0 ? n : pyactx_available_cpus());
        NT_STORE(n_now);
    }
    return n_now;
}

int pyactx_set_num_threads(int n)
{
    int v = clamp_threads(n);
    NT_STORE(v);
    return v;
}

#ifdef PYACTX_PTHREADS

typedef struct {
    pthread_mutex_t mu;           /* protects everything below */
    pthread_cond_t wake, done;
    pthread_mutex_t busy;         /* held by the caller owning the pool */
    int started;                  /* workers created */
    int nworkers;
    unsigned long generation;
    /* the job */
    pyactx_range_fn fn;
    void *ctx;
    ptrdiff_t n, chunk;
    int nparts;                   /* ranges in this job, range 0 = caller */
    int pending;
    int flags;                    /* FP flags raised on workers */
    fp_mode mode;                 /* the caller's floating-point mode */
} pool_t;

static pool_t pool = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0,
};

/* start_generation: the job generation when the worker was created, so that a
 * worker started later (e.g. in a forked child) does not replay an old job */
typedef struct { int index; unsigned long start_generation; } worker_arg;
static worker_arg worker_args[PYACTX_MAX_THREADS];

static void run_part(pyactx_range_fn fn, void *ctx, ptrdiff_t n, ptrdiff_t chunk, int part)
{
    ptrdiff_t b = (ptrdiff_t)part * chunk;
    ptrdiff_t e = b + chunk < n ? b + chunk : n;
    if (b < e) fn(ctx, b, e);
}

static void *worker_main(void *p)
{
    int index = ((worker_arg *)p)->index;     /* 1 .. nworkers */
    pthread_mutex_lock(&pool.mu);
    unsigned long seen = ((worker_arg *)p)->start_generation;
    for (;;) {
        while (pool.generation == seen)
            pthread_cond_wait(&pool.wake, &pool.mu);
        seen = pool.generation;
        if (index >= pool.nparts) continue;       /* not needed for this job */
        pyactx_range_fn fn = pool.fn;
        void *ctx = pool.ctx;
        ptrdiff_t n = pool.n, chunk = pool.chunk;
        fp_mode mode = pool.mode;
        pthread_mutex_unlock(&pool.mu);

        fp_mode_set(&mode);
        run_part(fn, ctx, n, chunk, index);
        int raised = fetestexcept(FLAG_MASK);

        pthread_mutex_lock(&pool.mu);
        pool.flags |= raised;
        if (--pool.pending == 0) pthread_cond_signal(&pool.done);
    }
    return NULL;
}

static void after_fork_child(void)
{
    pthread_mutex_init(&pool.mu, NULL);
    pthread_mutex_init(&pool.busy, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.started = 0;
    pool.nworkers = 0;
    pool.fn = NULL;
    pool.ctx = NULL;
    pool.nparts = 0;
    pool.pending = 0;
    pool.flags = 0;
}

/* Start workers up to `want` (called with pool.busy held). */
static int ensure_workers(int want)
{
    static int atfork_done = 0;
    if (!atfork_done) {
        pthread_atfork(NULL, NULL, after_fork_child);
        atfork_done = 1;
    }
    pthread_mutex_lock(&pool.mu);
    while (pool.nworkers < want) {
        int i = pool.nworkers + 1;
        worker_args[i - 1].index = i;
        worker_args[i - 1].start_generation = pool.generation;
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&th, &attr, worker_main, &worker_args[i - 1]);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        pool.nworkers = i;
    }
    pool.started = 1;
    int have = pool.nworkers;
    pthread_mutex_unlock(&pool.mu);
    return have;
}

void pyactx_parallel_for(ptrdiff_t n, ptrdiff_t min_chunk, pyactx_range_fn fn, void *ctx)
{
    int nt = pyactx_get_num_threads();
    if (min_chunk < 1) min_chunk = 1;
    if (nt <= 1 || n < 2 * min_chunk || pthread_mutex_trylock(&pool.busy) != 0) {
        fn(ctx, 0, n);
        return;
    }
    int parts = (int)(n / min_chunk);
    if (parts > nt) parts = nt;
    int workers = ensure_workers(parts - 1);
    if (parts > workers + 1) parts = workers + 1;
    if (parts <= 1) {
        pthread_mutex_unlock(&pool.busy);
        fn(ctx, 0, n);
        return;
    }
    /* equal ranges rounded up to 64 items */
    ptrdiff_t chunk = (n + parts - 1) / parts;
    chunk = (chunk + 63) & ~(ptrdiff_t)63;

    fp_mode mode;
    fp_mode_get(&mode);
    pthread_mutex_lock(&pool.mu);
    pool.mode = mode;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.chunk = chunk;
    pool.nparts = parts;
    pool.pending = parts - 1;
    pool.flags = 0;
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);

    run_part(fn, ctx, n, chunk, 0);

    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    int flags = pool.flags;
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&pool.busy);
    if (flags) feraiseexcept(flags);
}

#else  /* no pthreads: always inline */

void pyactx_parallel_for(ptrdiff_t n, ptrdiff_t min_chunk, pyactx_range_fn fn, void *ctx)
{
    (void)min_chunk;
    fn(ctx, 0, n);
}

#endif
