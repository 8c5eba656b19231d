/*
 * The one threading knob, lstmsent_set_threads(n), and the library's own workers.
 *
 * One scheme: the library splits its own work over n threads, the calling thread being
 * one of them: the LSTM time loops by batch rows, every large product by column blocks
 * (each block one single-threaded cblas_sgemm or packed-panel call), Adam by ranges.
 * OpenBLAS itself is set to one thread once lstmsent_set_threads is called. The split is static (part p of n always gets the same rows), so
 * results are bit-identical from run to run for a given n; the time loops are even
 * identical for every n, since each row's arithmetic does not depend on the split.
 *
 * Workers spin for a short while after a job (the time loops hand out many small jobs),
 * then sleep on a condition variable.
 *
 * The pool has one job slot, so it has one owner at a time: a call that finds it taken by
 * another application thread (two models trained from two threads at once) runs its parts
 * one after the other on its own thread. Each part computes the same thing wherever it
 * runs, so the results are the same bits either way.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "internal.h"

#ifdef LSTMSENT_HAVE_OPENBLAS_THREADS
void openblas_set_num_threads(int num_threads);
#endif

enum { MAX_THREADS = 64, SPIN = 1 << 16 };

static int n_threads = 1;          // threads a job is split over, the caller included
static int n_workers;              // workers started (n_threads - 1 at most)
static pthread_t workers[MAX_THREADS];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static _Atomic unsigned job_gen;   // bumped for each job
static _Atomic int pending;        // workers still running the current job
static _Atomic int sleeping;       // workers waiting on the condition variable
static lstmsent__task job_fn;
static void *job_ctx;
static int job_parts;
static _Thread_local int in_job;   // no nested jobs: a task runs its inner jobs inline
static atomic_flag pool_busy = ATOMIC_FLAG_INIT;  // held by the thread whose job is out

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *worker_main(void *arg)
{
    int part = (int)(intptr_t)arg;
    unsigned seen = 0;
    in_job = 1;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&job_gen, memory_order_acquire)) == seen) {
            if (++spins < SPIN) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&lock);
            atomic_fetch_add(&sleeping, 1);
            while (atomic_load(&job_gen) == seen)
                pthread_cond_wait(&wake, &lock);
            atomic_fetch_sub(&sleeping, 1);
            pthread_mutex_unlock(&lock);
            spins = 0;
        }
        seen = g;
        if (part < job_parts)
            job_fn(job_ctx, part, job_parts);
        atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
    }
    return NULL;
}

int lstmsent__threads(void)
{
    return n_threads;
}

void lstmsent__parallel(lstmsent__task fn, void *ctx, int parts)
{
    if (parts > n_threads)
        parts = n_threads;
    if (parts <= 1 || in_job || n_workers < parts - 1 ||
        atomic_flag_test_and_set_explicit(&pool_busy, memory_order_acquire)) {
        for (int p = 0; p < parts; p++)
            fn(ctx, p, parts);
        if (parts < 1)
            fn(ctx, 0, 1);
        return;
    }
    job_fn = fn;
    job_ctx = ctx;
    job_parts = parts;
    atomic_store(&pending, n_workers);
    atomic_fetch_add(&job_gen, 1);   // seq_cst: ordered before the read of sleeping
    if (atomic_load(&sleeping) > 0) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    in_job = 1;
    fn(ctx, 0, parts);
    in_job = 0;
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0)
        cpu_relax();
    atomic_flag_clear_explicit(&pool_busy, memory_order_release);
}

lstmsent_status lstmsent_set_threads(int n)
{
    lstmsent__clear_error();
    if (n < 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "lstmsent_set_threads: n = %d is not >= 1",
                              n);
    if (n > MAX_THREADS)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "lstmsent_set_threads: n = %d is more "
                              "than %d", n, MAX_THREADS);
#ifdef LSTMSENT_HAVE_OPENBLAS_THREADS
    /* Ours is the one scheme: OpenBLAS runs single-threaded inside our parts (its own
     * spinning workers would compete with ours for the same cores). */
    openblas_set_num_threads(1);
#else
    if (n != 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "lstmsent_set_threads: this build's BLAS has no thread control");
#endif
    /* Workers are started once and kept; a lower n just leaves some idle. */
    while (n_workers < n - 1) {
        if (pthread_create(&workers[n_workers], NULL, worker_main,
                           (void *)(intptr_t)(n_workers + 1)) != 0)
            return lstmsent__fail(LSTMSENT_ERR_NOMEM,
                                  "lstmsent_set_threads: cannot start thread %d", n_workers + 1);
        pthread_detach(workers[n_workers]);
        n_workers++;
    }
    n_threads = n;
    return LSTMSENT_OK;
}

int lstmsent_get_threads(void)
{
    return n_threads;
}
