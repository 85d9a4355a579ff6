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
 * unstarted so that it is rebuilt lazily.  POSIX threads or Win32 threads
 * (the pa_* primitives below); elsewhere every call runs inline.
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
#elif defined(_WIN32)
#  define PYACTX_WIN32_THREADS 1
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <windows.h>
#  include <process.h>
#endif
#if defined(PYACTX_PTHREADS) || defined(PYACTX_WIN32_THREADS)
#  define PYACTX_HAVE_POOL 1
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
#ifdef PYACTX_WIN32_THREADS
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    if (info.dwNumberOfProcessors > 0) return (int)info.dwNumberOfProcessors;
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

#ifdef PYACTX_HAVE_POOL

/* The few primitives the pool needs, on POSIX threads or on Win32 (slim
 * reader-writer locks used exclusively, condition variables, Vista and
 * later): the pool below is written once against them. */
#ifdef PYACTX_PTHREADS
typedef pthread_mutex_t pa_mutex;
typedef pthread_cond_t pa_cond;
#  define PA_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#  define PA_COND_INIT PTHREAD_COND_INITIALIZER
static void pa_lock(pa_mutex *m) { pthread_mutex_lock(m); }
static void pa_unlock(pa_mutex *m) { pthread_mutex_unlock(m); }
static int pa_trylock(pa_mutex *m) { return pthread_mutex_trylock(m) == 0; }
static void pa_wait(pa_cond *c, pa_mutex *m) { pthread_cond_wait(c, m); }
static void pa_signal(pa_cond *c) { pthread_cond_signal(c); }
static void pa_broadcast(pa_cond *c) { pthread_cond_broadcast(c); }
#else
typedef SRWLOCK pa_mutex;
typedef CONDITION_VARIABLE pa_cond;
#  define PA_MUTEX_INIT SRWLOCK_INIT
#  define PA_COND_INIT CONDITION_VARIABLE_INIT
static void pa_lock(pa_mutex *m) { AcquireSRWLockExclusive(m); }
static void pa_unlock(pa_mutex *m) { ReleaseSRWLockExclusive(m); }
static int pa_trylock(pa_mutex *m) { return TryAcquireSRWLockExclusive(m) != 0; }
static void pa_wait(pa_cond *c, pa_mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
static void pa_signal(pa_cond *c) { WakeConditionVariable(c); }
static void pa_broadcast(pa_cond *c) { WakeAllConditionVariable(c); }
#endif

typedef struct {
    pa_mutex mu;                  /* protects everything below */
    pa_cond wake, done;
    pa_mutex busy;                /* held by the caller owning the pool */
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
    .mu = PA_MUTEX_INIT, .wake = PA_COND_INIT, .done = PA_COND_INIT, .busy = PA_MUTEX_INIT,
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

static void worker_loop(worker_arg *p)
{
    int index = p->index;                     /* 1 .. nworkers */
    pa_lock(&pool.mu);
    unsigned long seen = p->start_generation;
    for (;;) {
        while (pool.generation == seen)
            pa_wait(&pool.wake, &pool.mu);
        seen = pool.generation;
        if (index >= pool.nparts) continue;       /* not needed for this job */
        pyactx_range_fn fn = pool.fn;
        void *ctx = pool.ctx;
        ptrdiff_t n = pool.n, chunk = pool.chunk;
        fp_mode mode = pool.mode;
        pa_unlock(&pool.mu);

        fp_mode_set(&mode);
        run_part(fn, ctx, n, chunk, index);
        int raised = fetestexcept(FLAG_MASK);

        pa_lock(&pool.mu);
        pool.flags |= raised;
        if (--pool.pending == 0) pa_signal(&pool.done);
    }
}

/* Start one detached worker; 0 on success. */
#ifdef PYACTX_PTHREADS
static void *worker_main(void *p)
{
    worker_loop((worker_arg *)p);
    return NULL;
}

static int start_worker(worker_arg *arg)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, worker_main, arg);
    pthread_attr_destroy(&attr);
    return rc;
}
#else
static unsigned __stdcall worker_main(void *p)
{
    worker_loop((worker_arg *)p);
    return 0;
}

static int start_worker(worker_arg *arg)
{
    uintptr_t h = _beginthreadex(NULL, 0, worker_main, arg, 0, NULL);
    if (h == 0) return -1;
    CloseHandle((HANDLE)h);                   /* detached: the thread runs on */
    return 0;
}
#endif

#ifdef PYACTX_PTHREADS
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
#endif

/* Start workers up to `want` (called with pool.busy held). */
static int ensure_workers(int want)
{
#ifdef PYACTX_PTHREADS
    static int atfork_done = 0;
    if (!atfork_done) {
        pthread_atfork(NULL, NULL, after_fork_child);
        atfork_done = 1;
    }
#endif
    pa_lock(&pool.mu);
    while (pool.nworkers < want) {
        int i = pool.nworkers + 1;
        worker_args[i - 1].index = i;
        worker_args[i - 1].start_generation = pool.generation;
        if (start_worker(&worker_args[i - 1]) != 0) break;
        pool.nworkers = i;
    }
    pool.started = 1;
    int have = pool.nworkers;
    pa_unlock(&pool.mu);
    return have;
}

void pyactx_parallel_for(ptrdiff_t n, ptrdiff_t min_chunk, pyactx_range_fn fn, void *ctx)
{
    int nt = pyactx_get_num_threads();
    if (min_chunk < 1) min_chunk = 1;
    if (nt <= 1 || n < 2 * min_chunk || !pa_trylock(&pool.busy)) {
        fn(ctx, 0, n);
        return;
    }
    int parts = (int)(n / min_chunk);
    if (parts > nt) parts = nt;
    int workers = ensure_workers(parts - 1);
    if (parts > workers + 1) parts = workers + 1;
    if (parts <= 1) {
        pa_unlock(&pool.busy);
        fn(ctx, 0, n);
        return;
    }
    /* equal ranges rounded up to 64 items */
    ptrdiff_t chunk = (n + parts - 1) / parts;
    chunk = (chunk + 63) & ~(ptrdiff_t)63;

    fp_mode mode;
    fp_mode_get(&mode);
    pa_lock(&pool.mu);
    pool.mode = mode;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.chunk = chunk;
    pool.nparts = parts;
    pool.pending = parts - 1;
    pool.flags = 0;
    pool.generation++;
    pa_broadcast(&pool.wake);
    pa_unlock(&pool.mu);

    run_part(fn, ctx, n, chunk, 0);

    pa_lock(&pool.mu);
    while (pool.pending > 0)
        pa_wait(&pool.done, &pool.mu);
    int flags = pool.flags;
    pa_unlock(&pool.mu);
    pa_unlock(&pool.busy);
    if (flags) feraiseexcept(flags);
}

#else  /* no threads: always inline */

void pyactx_parallel_for(ptrdiff_t n, ptrdiff_t min_chunk, pyactx_range_fn fn, void *ctx)
{
    (void)min_chunk;
    fn(ctx, 0, n);
}

#endif
