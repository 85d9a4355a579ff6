/*
 * threads.c -- see threads.h.
 *
 * Design: workers sleep on a condition variable; a call publishes a job
 * (fn, ctx, range split) under the pool mutex, bumps a generation counter
 * and wakes them.  The ranges are claimed, one at a time, by whoever comes
 * first -- the caller takes range 0 and then every range no worker has
 * claimed yet -- and each finished range decrements `pending`; the caller
 * returns once pending == 0.  So a call whose workers are slow to wake (a
 * sleeping thread took ~50 us to wake here) costs little more than running
 * it alone: the caller does their ranges itself.  The ranges are fixed by
 * (n, parts) alone, so which thread runs one never changes a result.  A
 * claim names the job's generation (claim_part), so a worker that wakes
 * late can never take a range of a later job.  One job at a time:
 * a second concurrent caller (another Python thread; the GIL is released in
 * ufunc loops) finds the pool busy with trylock and runs inline instead.
 * After fork() the child has no workers; pthread_atfork marks the pool
 * unstarted so that it is rebuilt lazily.  POSIX threads or Win32 threads
 * (the pa_* primitives below); elsewhere every call runs inline.
 *
 * Waiting spins before it sleeps: a worker that has run its range polls the
 * generation for up to PYACTX_SPIN_NS before it blocks on the condition
 * variable, and the caller polls `pending` as long before it blocks on
 * `done`.  Waking a sleeping thread took ~50 us on the 2-core test machine
 * (a VM): 2 threads made float32 sigmoid at 2^17 elements slower than 1
 * (76.6 against 43.4 us a call) and relu twice as slow.  Calls that follow
 * each other within the window (a loop over batches) find the worker
 * awake; a worker idle longer sleeps as before, so an idle process does not
 * burn a core.  (OpenMP runtimes do the same: GOMP_SPINCOUNT.)
 */
/* clock_gettime(CLOCK_MONOTONIC) under -std=c11 (glibc hides POSIX
 * declarations in strict ISO mode) */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#  define _POSIX_C_SOURCE 200809L
#endif
#include "threads.h"

#include <fenv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#  define PYACTX_PTHREADS 1
#  include <pthread.h>
#  include <sched.h>
#  include <time.h>
#  include <unistd.h>
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

/* 0 until read: then the threshold in bytes, SIZE_MAX for "never" */
static size_t stream_min = 0;
#if defined(__GNUC__) || defined(__clang__)
#  define SM_LOAD_() __atomic_load_n(&stream_min, __ATOMIC_RELAXED)
#  define SM_STORE_(v) __atomic_store_n(&stream_min, (v), __ATOMIC_RELAXED)
#else
#  define SM_LOAD_() (*(volatile size_t *)&stream_min)
#  define SM_STORE_(v) (*(volatile size_t *)&stream_min = (v))
#endif

size_t pyactx_get_stream_min_bytes(void)
{
    size_t v = SM_LOAD_();
    if (v == 0) {
        const char *env = getenv("PYACTX_STREAM_MIN_BYTES");
        v = PYACTX_STREAM_MIN_DEFAULT;
        if (env && *env) {
            char *end;
            double d = strtod(env, &end);
            if (end != env && d >= 0)
                v = d == 0 || d >= (double)SIZE_MAX ? SIZE_MAX : (d < 1 ? 1 : (size_t)d);
        }
        SM_STORE_(v);
    }
    return v == SIZE_MAX ? 0 : v;
}

size_t pyactx_set_stream_min_bytes(size_t bytes)
{
    size_t old = pyactx_get_stream_min_bytes();
    SM_STORE_(bytes == 0 ? SIZE_MAX : bytes);
    return old;
}

#ifdef PYACTX_HAVE_POOL

/* How long a waiting thread polls before it sleeps (see the top). */
#define PYACTX_SPIN_NS 200000L
/* ranges a thread (see pyactx_parallel_for) */
#define PYACTX_PARTS_PER_THREAD 4

#if defined(__GNUC__) || defined(__clang__)
#  define PYACTX_SPIN 1
#  define AT_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#  define AT_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#  define AT_SUB(p, k) __atomic_sub_fetch((p), (k), __ATOMIC_ACQ_REL)
#  define AT_ADD(p, k) __atomic_add_fetch((p), (k), __ATOMIC_ACQ_REL)
#  if defined(__x86_64__) || defined(__i386__)
#    define PA_PAUSE() __builtin_ia32_pause()
#  elif defined(__aarch64__)
#    define PA_PAUSE() __asm__ __volatile__("yield")
#  else
#    define PA_PAUSE() ((void)0)
#  endif
#else
/* (other compilers: no polling, the condition variables alone, and the
 * ranges claimed under the mutex) */
#  define PYACTX_SPIN 0
#  define AT_LOAD(p) (*(p))
#  define AT_STORE(p, v) (*(p) = (v))
#  define AT_SUB(p, k) (*(p) -= (k))
#  define AT_ADD(p, k) (*(p) += (k))
#endif

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
static void pa_yield(void) { sched_yield(); }
static long long pa_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}
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
static void pa_yield(void) { SwitchToThread(); }
static long long pa_now_ns(void)
{
    LARGE_INTEGER freq, t;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (long long)(t.QuadPart / freq.QuadPart) * 1000000000LL
         + (long long)(t.QuadPart % freq.QuadPart) * 1000000000LL / freq.QuadPart;
}
#endif

/* Poll until ready(arg), for at most PYACTX_SPIN_NS; 1 if it became
 * ready.  Called without the mutex: the fields polled are written with
 * atomic stores, and the caller takes the mutex afterwards before it reads
 * anything else of the job.  Every 1024 polls the thread yields: where the caller and a
 * worker share a core (the scheduler put a woken worker there), a poll
 * that never yields holds up the very thread it waits for -- calls of 1e5
 * elements took 100-140 us instead of 17 until the two were moved apart.
 * (Yielding every 64 polls delayed the answer to a new job: float32 relu
 * on 32768 elements, 2 threads, 2.9 us a call against 2.2.) */
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
    /* the claims: the job's generation (low 32 bits), its number of ranges
     * and the next unclaimed range, in one word (claim_part) */
    uint64_t claim;
    int pending;                  /* ranges not yet finished */
    int polling;                  /* workers polling for a job (awake) */
    long long last_call_ns;       /* when the last call that could split began */
    int flags;                    /* FP flags raised on workers */
    fp_mode mode;                 /* the caller's floating-point mode */
} pool_t;

#define CLAIM_WORD(gen, parts) (((uint64_t)(uint32_t)(gen) << 32) | ((uint64_t)(parts) << 16))

static pool_t pool = {
    .mu = PA_MUTEX_INIT, .wake = PA_COND_INIT, .done = PA_COND_INIT, .busy = PA_MUTEX_INIT,
};

static int poll_until(int (*ready)(unsigned long), unsigned long arg)
{
#if PYACTX_SPIN
    long long end = pa_now_ns() + PYACTX_SPIN_NS;
    for (unsigned round = 1;; round++) {
        for (int i = 0; i < 64; i++) {
            if (ready(arg)) return 1;
            PA_PAUSE();
        }
        if (pa_now_ns() > end) return 0;
        if (round % 16 == 0) pa_yield();
    }
#else
    (void)ready; (void)arg;
    return 0;
#endif
}

/* the two things polled for: a new job (generation != seen), and every
 * range of the caller's job finished */
static int generation_changed(unsigned long seen) { return AT_LOAD(&pool.generation) != seen; }
static int ranges_finished(unsigned long unused) { (void)unused; return AT_LOAD(&pool.pending) == 0; }

/* Publish job `gen` with `parts` ranges (0: an empty job, which only wakes
 * the workers) and wake the sleeping workers; called with pool.mu held,
 * the job's other fields already set. */
static void publish(unsigned long gen, int parts)
{
    AT_STORE(&pool.pending, parts);
    AT_STORE(&pool.claim, CLAIM_WORD(gen, parts));
    AT_STORE(&pool.generation, gen);
    pa_broadcast(&pool.wake);
}

/* start_generation: the job generation when the worker was created, so that a
 * worker started later (e.g. in a forked child) does not replay an old job */
typedef struct { unsigned long start_generation; } worker_arg;
static worker_arg worker_args[PYACTX_MAX_THREADS];

static void run_part(pyactx_range_fn fn, void *ctx, ptrdiff_t n, ptrdiff_t chunk, int part)
{
    ptrdiff_t b = (ptrdiff_t)part * chunk;
    ptrdiff_t e = b + chunk < n ? b + chunk : n;
    if (b < e) fn(ctx, b, e);
}

/* The next unclaimed range of job `gen`, or -1 if it has none left or is
 * no longer the current job.  Called without the mutex. */
static int claim_part(unsigned long gen)
{
#if PYACTX_SPIN
    uint64_t w = __atomic_load_n(&pool.claim, __ATOMIC_ACQUIRE);
    for (;;) {
        int next = (int)(w & 0xffff), parts = (int)((w >> 16) & 0xffff);
        if ((uint32_t)(w >> 32) != (uint32_t)gen || next >= parts) return -1;
        if (__atomic_compare_exchange_n(&pool.claim, &w, w + 1, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return next;
    }
#else
    int k = -1;
    pa_lock(&pool.mu);
    uint64_t w = pool.claim;
    if ((uint32_t)(w >> 32) == (uint32_t)gen && (w & 0xffff) < ((w >> 16) & 0xffff)) {
        k = (int)(w & 0xffff);
        pool.claim = w + 1;
    }
    pa_unlock(&pool.mu);
    return k;
#endif
}

static void worker_loop(worker_arg *p)
{
    pa_lock(&pool.mu);
    unsigned long seen = p->start_generation;
    for (;;) {
        if (PYACTX_SPIN && pool.generation == seen) {
            /* poll a while before sleeping (see the top) */
            pa_unlock(&pool.mu);
            AT_ADD(&pool.polling, 1);
            poll_until(generation_changed, seen);
            AT_SUB(&pool.polling, 1);
            pa_lock(&pool.mu);
        }
        while (pool.generation == seen)
            pa_wait(&pool.wake, &pool.mu);
        seen = pool.generation;
        pyactx_range_fn fn = pool.fn;
        void *ctx = pool.ctx;
        ptrdiff_t n = pool.n, chunk = pool.chunk;
        fp_mode mode = pool.mode;
        pa_unlock(&pool.mu);

        int ran = 0, raised = 0;
        for (int k; (k = claim_part(seen)) >= 0; ran++) {
            if (ran == 0) fp_mode_set(&mode);
            run_part(fn, ctx, n, chunk, k);
        }
        if (ran) raised = fetestexcept(FLAG_MASK);

        pa_lock(&pool.mu);
        if (ran) {
            pool.flags |= raised;
            if (AT_SUB(&pool.pending, ran) == 0) pa_signal(&pool.done);
        }
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
    pool.claim = 0;
    pool.pending = 0;
    pool.polling = 0;
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
    /* up to PYACTX_PARTS_PER_THREAD ranges a thread, claimed one at a
     * time: a worker that starts late (woken from sleep) then takes a
     * smaller share instead of holding the caller up with a whole half */
    long long most = (long long)nt * PYACTX_PARTS_PER_THREAD;
    int parts = (int)(n / min_chunk < most ? n / min_chunk : most);
    int workers = ensure_workers(nt - 1);
    if (workers + 1 < nt && parts > (workers + 1) * PYACTX_PARTS_PER_THREAD)
        parts = (workers + 1) * PYACTX_PARTS_PER_THREAD;
    if (workers == 0 || parts <= 1) {
        pa_unlock(&pool.busy);
        fn(ctx, 0, n);
        return;
    }
    /* A short job (under 8 min_chunk: 2^17 elements) whose workers are
     * asleep runs here alone: waking them costs more than it saves (a cold
     * worker starts late, on cold caches, and the wake-up itself is a
     * system call).  If the previous call was recent (a loop over batches),
     * they are woken all the same, with an empty job, so that the calls
     * that follow find them awake; an isolated call does not wake them. */
    long long now = PYACTX_SPIN ? pa_now_ns() : 0;
    long long last = pool.last_call_ns;
    pool.last_call_ns = now;                  /* (under pool.busy) */
    if (PYACTX_SPIN && n < 8 * min_chunk && AT_LOAD(&pool.polling) == 0) {
        if (now - last > PYACTX_SPIN_NS) {
            pa_unlock(&pool.busy);
            fn(ctx, 0, n);
            return;
        }
        pa_lock(&pool.mu);
        publish(pool.generation + 1, 0);
        pa_unlock(&pool.mu);
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
    pool.flags = 0;
    unsigned long gen = pool.generation + 1;
    publish(gen, parts);
    pa_unlock(&pool.mu);

    /* range 0 first (claimed here before any worker is awake, as a rule),
     * then whatever no worker has taken */
    int ran = 0;
    for (int k; (k = claim_part(gen)) >= 0; ran++)
        run_part(fn, ctx, n, chunk, k);
#if PYACTX_SPIN
    if (ran) AT_SUB(&pool.pending, ran);
    poll_until(ranges_finished, 0);           /* poll a while before sleeping */
    pa_lock(&pool.mu);
#else
    pa_lock(&pool.mu);
    pool.pending -= ran;
#endif
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
