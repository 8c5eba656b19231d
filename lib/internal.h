/*
 * What the library's files share and users never see: the error helpers, the RNG, the
 * one GEMM wrapper every matrix product goes through, and small allocation helpers.
 * Names here are lstmsent__*; none is exported from the shared library.
 */
#ifndef LSTMSENT_INTERNAL_H
#define LSTMSENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lstmsent/lstmsent.h"

#if defined(__GNUC__)
#define LSTMSENT__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LSTMSENT__PRINTF(a, b)
#endif

/* ---- errors (status.c) -------------------------------------------------------------- */

/* Record a detailed message for this thread's last failure and return status, so that
 * `return lstmsent__fail(LSTMSENT_ERR_X, "...", ...);` reads as one statement. */
lstmsent_status lstmsent__fail(lstmsent_status status, const char *fmt, ...)
    LSTMSENT__PRINTF(2, 3);
/* Every public entry point that can fail calls this first, so a success leaves "" behind. */
void lstmsent__clear_error(void);

/* Fail with LSTMSENT_ERR_NULL naming the argument when p is NULL. */
#define LSTMSENT__CHECK_NULL(p)                                                  \
    do {                                                                         \
        if ((p) == NULL)                                                         \
            return lstmsent__fail(LSTMSENT_ERR_NULL, "%s: argument '%s' is NULL", \
                                  __func__, #p);                                 \
    } while (0)

/* Input quoted in a message, as the text between the quotes of "word '%s' is ...": at most
 * max bytes of s[0, n) (max <= 60; cut before a character that would start past them, with
 * "..." after), each byte that could garble a message or a terminal written as an escape:
 * \t \n \r, \\ for a backslash (so that an escape is never ambiguous), \xNN for every
 * other byte below 0x20, for 0x7f and for a byte that is not part of valid UTF-8. buf holds
 * LSTMSENT__QUOTE_CAP bytes; returns buf. */
#define LSTMSENT__QUOTE_CAP 256
const char *lstmsent__quote(char *buf, const char *s, size_t n, size_t max);

/* ---- allocation --------------------------------------------------------------------- */

/* malloc(n * size) with an overflow check; NULL on overflow or failure. */
void *lstmsent__alloc_array(size_t n, size_t size);
/* calloc with the same contract. */
void *lstmsent__calloc_array(size_t n, size_t size);
/* 64-byte aligned, zeroed memory for float buffers; free with lstmsent__free_aligned. */
float *lstmsent__alloc_floats(size_t n);
void lstmsent__free_aligned(void *p);
/* a * b into *out, 0 on overflow, 1 otherwise. */
int lstmsent__mul_size(size_t a, size_t b, size_t *out);

/* ---- reading files (file.c) -----------------------------------------------------------
 * Every reader of the library opens files here. The file at path is read whole into a
 * new buffer (*data, *len bytes, a NUL after them; free it with free). Only a regular file
 * is read: anything else (a directory, a FIFO or pipe, a character device such as
 * /dev/null or a terminal, a socket) fails at once with LSTMSENT_ERR_IO, "not a regular
 * file (a FIFO or pipe)", without waiting for a writer. Messages name the path in the
 * caller's layout: QUOTED "cannot open 'p': No such file or directory", PREFIX
 * "p: cannot open: No such file or directory". */
typedef enum lstmsent__path_style {
    LSTMSENT__PATH_QUOTED,
    LSTMSENT__PATH_PREFIX
} lstmsent__path_style;
lstmsent_status lstmsent__read_file(char **data, size_t *len, const char *path,
                                    lstmsent__path_style style);

/* Write path atomically: write_fn fills "<path>.tmp.XXXXXX" (created 0666 & ~umask)
 * through fd, returning 0, or -1 with errno set; the file is then fsync'd, closed, renamed
 * over path and its directory synced. Any failure removes the temporary file and leaves
 * the previous file at path as it was (LSTMSENT_ERR_IO, the step named in the message,
 * laid out by style). */
typedef int (*lstmsent__write_fn)(int fd, void *ctx);
lstmsent_status lstmsent__write_file_atomic(const char *path, lstmsent__path_style style,
                                           lstmsent__write_fn write_fn, void *ctx);
/* write(2) until done, retrying short writes and EINTR; -1 with errno on failure. */
int lstmsent__write_all(int fd, const void *buf, size_t n);
/* Tests only: make this thread's writes (every save) fail with ENOSPC once n more bytes
 * have been written (n < 0, the default, turns it off). It stays armed until turned off. */
void lstmsent__st_fail_after_bytes(int64_t n);

/* ---- UTF-8 (utf8.c) --------------------------------------------------------------------
 * Strict UTF-8, as Python's decoder: no overlong forms, no surrogates, nothing above
 * U+10FFFF. 1 when s[0, n) is valid; else 0 with *bad_offset (may be NULL) set to the
 * first byte of the first invalid sequence. */
int lstmsent__utf8_valid(const char *s, size_t n, size_t *bad_offset);

/* ---- RNG (rng.c): xoshiro256** seeded through splitmix64 ------------------------------
 * Each handle that needs randomness owns one; there is no global state. */

typedef struct lstmsent__rng {
    uint64_t s[4];
} lstmsent__rng;

void lstmsent__rng_seed(lstmsent__rng *rng, uint64_t seed);
uint64_t lstmsent__rng_u64(lstmsent__rng *rng);
/* Uniform integer in [0, n), n >= 1, without modulo bias (Lemire's method). */
uint64_t lstmsent__rng_below(lstmsent__rng *rng, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double lstmsent__rng_double(lstmsent__rng *rng);
/* Uniform float in [0, 1) with 24 random bits. */
float lstmsent__rng_float(lstmsent__rng *rng);
/* Standard normal (Box-Muller in double precision). */
double lstmsent__rng_normal(lstmsent__rng *rng);

/* ---- GEMM (gemm.c) -------------------------------------------------------------------
 * Row-major C (M, N) = alpha * op(A) op(B) + beta * C, op(A) (M, K), op(B) (K, N).
 * trans_a / trans_b: 0 for the matrix as stored, 1 for its transpose. lda, ldb, ldc are
 * the row strides of A, B and C as stored. */
void lstmsent__gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c,
                    int ldc);
/* Route lstmsent__gemm through a plain reference loop (1) or cblas_sgemm (0, default),
 * so tests can tell a kernel bug from a BLAS one. Not thread-safe: tests only. */
void lstmsent__gemm_use_reference(int on);

/* Small-M products (the recurrent step) against B packed into panels of 32 columns:
 * lstmsent__gemm_panels_ok says whether this path runs here for (M, N) (AVX-512, M % 8 and
 * N % 32 zero, not in reference mode); if not, use lstmsent__gemm. pack_panels writes
 * op(B) (K, N) (trans_b as for lstmsent__gemm) into panels (K * N floats); gemm_panels
 * does C (M, N) = A (M, K) op(B) (+ C when accumulate), for any M >= 1 once
 * lstmsent__gemm_panels_ok(8, N) holds (rows in blocks of 8, then a shorter last one; each
 * row's arithmetic the same either way). */
int lstmsent__gemm_panels_ok(int m, int n);
void lstmsent__gemm_pack_panels(float *panels, int trans_b, int k, int n, const float *b,
                                int ldb);
void lstmsent__gemm_panels(int m, int n, int k, const float *a, int lda, const float *panels,
                           int accumulate, float *c, int ldc);
/* Packs op(B) (K, N) into rows k0 .. k0 + K of panels k_total high, so that two matrices
 * stacked along K ([W_ih | W_hh]^T) become one panel set for one product. */
void lstmsent__gemm_pack_panels_rows(float *panels, int k_total, int k0, int trans_b, int k,
                                     int n, const float *b, int ldb);

/* ---- threads (threads.c) -------------------------------------------------------------
 * lstmsent__parallel runs fn(ctx, p, parts) for p = 0..parts-1 (parts at most the count of
 * lstmsent_set_threads), part 0 on the calling thread, and returns when all are done. Inside
 * a task, nested calls run inline. Not for concurrent use by several caller threads. */
typedef void (*lstmsent__task)(void *ctx, int part, int parts);
void lstmsent__parallel(lstmsent__task fn, void *ctx, int parts);
int lstmsent__threads(void);

/* The largest lstmsent_model_options.seq_len (model.c checks it, model files read it). */
#define LSTMSENT__MAX_SEQ_LEN 4096

/* ---- model internals (model.c) -------------------------------------------------------
 * For the optimizer and the tests. None of these checks its arguments. */

/* The ONE contiguous parameter buffer, in state_dict order (lstmsent_model_param_info gives
 * each tensor's place), and the gradient buffer of the same layout; *n gets the number of
 * floats (lstmsent_model_num_floats). Valid while the model lives. Handing the parameters
 * out marks them changed (an evaluation forward repacks the weights it keeps packed), so
 * call it again before writing through an old pointer. */
float *lstmsent__model_params(lstmsent_model *m, size_t *n);
/* Evaluation forwards share the states of common prefixes (1, the default unless
 * LSTMSENT_SHARE_PREFIX=0) or run every row on its own (0). Not thread-safe: tests only. */
void lstmsent__model_share_prefix(int on);
/* The row steps the last evaluation forward ran (B rounded up to 8, times T, unless rows
 * shared prefixes); 0 after any other forward. Tests. */
size_t lstmsent__model_eval_row_steps(const lstmsent_model *m);
float *lstmsent__model_grads(lstmsent_model *m, size_t *n);
/* The gradient buffer for reading only (the optimizer). lstmsent__model_grads hands out a
 * writable buffer, so after it the model no longer assumes that only the embedding rows
 * of its batches hold gradient (zero_grad and clip then visit the whole table). */
const float *lstmsent__model_grads_read(const lstmsent_model *m, size_t *n);
/* A number unique to this model instance in the process (never 0), so that an object
 * made for one model can tell when it is handed another. */
uint64_t lstmsent__model_id(const lstmsent_model *m);
/* Tests: with on, every training-mode forward from now draws the same dropout masks (the
 * generator restarts from its state at this call), so finite differences see fixed masks. */
void lstmsent__model_freeze_dropout(lstmsent_model *m, int on);
/* Tests: the dropout mask (0 or 1/(1-p) per element) of the last forward: which = 0..L-2
 * the output of LSTM layer `which`, (N, H) by packed row (lstmsent__model_packed_row);
 * which = L-1 the output dropout, (B, H). NULL when that dropout did not run (evaluation
 * mode, p = 0, no forward). */
const float *lstmsent__model_dropout_mask(const lstmsent_model *m, int32_t which, size_t *n);
/* Tests: the packed row of batch row b at step t in the last training forward (t * B + b
 * with last-step pooling), or -1 when that step did not run for that row. */
int64_t lstmsent__model_packed_row(const lstmsent_model *m, int32_t t, int32_t b);

/* ---- checkpoint accessors (model.c, optim.c, dataset.c) ----------------------------------
 * The state a checkpoint saves and restores beyond the parameters. None checks its
 * arguments. */

/* The dropout generator's xoshiro256** state. */
void lstmsent__model_get_rng(const lstmsent_model *m, uint64_t state[4]);
void lstmsent__model_set_rng(lstmsent_model *m, const uint64_t state[4]);

/* Adam's options, moments m and v (n floats each, the model's parameter layout; valid while
 * the optimizer lives) and step count. */
void lstmsent__optim_get_state(const lstmsent_optim *o, lstmsent_adam_options *opts,
                               const float **m, const float **v, size_t *n, int64_t *step);
/* Copy n floats of m and v in (n as lstmsent__optim_get_state gives) and set the step. */
void lstmsent__optim_set_state(lstmsent_optim *o, const float *m, const float *v, int64_t step);
/* lstmsent__model_id of the model the optimizer was made for. */
uint64_t lstmsent__optim_model_id(const lstmsent_optim *o);

/* The sampler's generator, its epoch's rows order[0, n) (NULL before the first epoch), the
 * position of the next batch, and the number of rows of its dataset. */
void lstmsent__sampler_get_state(const lstmsent_sampler *s, uint64_t rng[4],
                                 const size_t **order, size_t *n, size_t *next,
                                 size_t *dataset_rows);
/* Replace that state; the sampler takes over order (malloc'd, n values < dataset rows, or
 * NULL with n = 0) and frees its old one. next <= n. Cannot fail. */
void lstmsent__sampler_set_state(lstmsent_sampler *s, const uint64_t rng[4], size_t *order,
                                 size_t n, size_t next);

#endif /* LSTMSENT_INTERNAL_H */
