/*
 * The one place matrix products happen. Everything goes through cblas_sgemm, except when
 * a test switches to the reference loop to check a kernel independently of the BLAS.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"

static int use_reference;

void lstmsent__gemm_use_reference(int on)
{
    use_reference = on;
}

static void gemm_reference(int trans_a, int trans_b, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb, float beta,
                           float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double acc = 0.0;
            for (int p = 0; p < k; p++) {
                float av = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float bv = trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                acc += (double)av * bv;
            }
            float *cij = &c[(size_t)i * ldc + j];
            /* beta == 0 overwrites, as BLAS does, so NaN garbage in C never leaks through. */
            *cij = (float)(alpha * acc + (beta == 0.0f ? 0.0f : beta * *cij));
        }
    }
}

static int own_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c,
                    int ldc);

static void gemm_block(int trans_a, int trans_b, int m, int n, int k, float alpha,
                       const float *a, int lda, const float *b, int ldb, float beta, float *c,
                       int ldc)
{
    if (own_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
}

/* A large product over the threads: part p computes a block of C's columns (a multiple of
 * 32 wide, so the panel kernel still applies), with B's matching columns. */
typedef struct gemm_job {
    int trans_a, trans_b, m, n, k;
    float alpha;
    const float *a;
    int lda;
    const float *b;
    int ldb;
    float beta;
    float *c;
    int ldc;
} gemm_job;

static void gemm_part(void *ctx, int part, int parts)
{
    const gemm_job *j = ctx;
    int per = (j->n / 32 + parts - 1) / parts * 32;
    int n0 = part * per, n1 = n0 + per < j->n ? n0 + per : j->n;
    if (part == parts - 1)
        n1 = j->n;
    if (n1 <= n0)
        return;
    const float *b = j->trans_b ? j->b + (size_t)n0 * j->ldb : j->b + n0;
    gemm_block(j->trans_a, j->trans_b, j->m, n1 - n0, j->k, j->alpha, j->a, j->lda, b, j->ldb,
               j->beta, j->c + n0, j->ldc);
}

void lstmsent__gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c,
                    int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (use_reference) {
        gemm_reference(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    int parts = lstmsent__threads();
    if (parts > 1 && (double)m * n * k >= 4e6 && n >= 64) {
        gemm_job job = {trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
        lstmsent__parallel(gemm_part, &job, parts);
        return;
    }
    gemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* ---- small-M products against packed panels ------------------------------------------
 * The recurrent products of the time loop (M = B rows, e.g. 32) are where OpenBLAS is
 * furthest from the machine's peak. Here B (K, N) is packed once per layer into panels of
 * 32 columns, each (K, 32) contiguous, and an AVX-512 kernel keeps an 8 x 32 block of C in
 * 16 registers over the whole K loop, with the panel reused from L1/L2 for every block of
 * rows. Used only on AVX-512 CPUs for M % 8 == 0 and N % 32 == 0 and never in reference
 * mode; everything else goes to lstmsent__gemm. */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMM_X86 1
#endif

enum { PANEL = 32, ROWS = 8 };

int lstmsent__gemm_panels_ok(int m, int n)
{
#ifdef GEMM_X86
    return !use_reference && lstmsent__simd_level() >= LSTMSENT__SIMD_AVX512 && m > 0 &&
           m % ROWS == 0 && n > 0 && n % PANEL == 0;
#else
    (void)m;
    (void)n;
    return 0;
#endif
}

void lstmsent__gemm_pack_panels_rows(float *panels, int k_total, int k0, int trans_b, int k,
                                     int n, const float *b, int ldb)
{
    // panels (n / 32, k_total, 32), rows k0 .. k0 + k written; b (k, n), or (n, k) if trans_b
    for (int jb = 0; jb < n / PANEL; jb++) {
        float *dst = panels + ((size_t)jb * k_total + k0) * PANEL;
        if (trans_b) {
            /* Read each of the 32 rows of b contiguously; the writes stride by a panel row. */
            for (int c = 0; c < PANEL; c++) {
                const float *src = b + (size_t)(jb * PANEL + c) * ldb;
                for (int p = 0; p < k; p++)
                    dst[(size_t)p * PANEL + c] = src[p];
            }
        } else {
            for (int p = 0; p < k; p++)
                memcpy(dst + (size_t)p * PANEL, b + (size_t)p * ldb + (size_t)jb * PANEL,
                       PANEL * sizeof(float));
        }
    }
}

void lstmsent__gemm_pack_panels(float *panels, int trans_b, int k, int n, const float *b,
                                int ldb)
{
    lstmsent__gemm_pack_panels_rows(panels, k, 0, trans_b, k, n, b, ldb);
}

#ifdef GEMM_X86
/* One nr x 32 block of C at (i, 32 jb) over the whole K, nr = 8 or, for the last rows of
 * an M that is not a multiple of 8, 1..7 (a constant at every call, so each size is
 * unrolled on its own); op(A) is A or, with trans_a, the transpose of the stored (K, M)
 * matrix (8 consecutive floats per p: still contiguous). Each row's arithmetic is the same
 * whatever nr. */
__attribute__((target("avx512f"), always_inline)) static inline void
block_avx512(int nr, int i, int k, const float *a, int lda, int trans_a, const float *bp,
             int accumulate, float *c, int ldc)
{
    __m512 acc[ROWS][2];
#pragma GCC unroll 8
    for (int r = 0; r < nr; r++) {
        float *cr = c + (size_t)(i + r) * ldc;
        acc[r][0] = accumulate ? _mm512_loadu_ps(cr) : _mm512_setzero_ps();
        acc[r][1] = accumulate ? _mm512_loadu_ps(cr + 16) : _mm512_setzero_ps();
    }
    for (int p = 0; p < k; p++) {
        __m512 b0 = _mm512_loadu_ps(bp + (size_t)p * PANEL);
        __m512 b1 = _mm512_loadu_ps(bp + (size_t)p * PANEL + 16);
        const float *ap = trans_a ? a + (size_t)p * lda + i : a + (size_t)i * lda + p;
#pragma GCC unroll 8
        for (int r = 0; r < nr; r++) {
            __m512 av = _mm512_set1_ps(trans_a ? ap[r] : ap[(size_t)r * lda]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < nr; r++) {
        float *cr = c + (size_t)(i + r) * ldc;
        _mm512_storeu_ps(cr, acc[r][0]);
        _mm512_storeu_ps(cr + 16, acc[r][1]);
    }
}

__attribute__((target("avx512f"))) static void panels_avx512(int m, int n, int k,
                                                              const float *a, int lda,
                                                              int trans_a,
                                                              const float *panels,
                                                              int accumulate, float *c,
                                                              int ldc)
{
    /* Rows in chunks of about 128 KB of A, so that a chunk stays in L2 while every panel
     * passes over it (for large M the panels are re-read instead of A). */
    int chunk = (32768 / (k > 0 ? k : 1)) / ROWS * ROWS;
    chunk = chunk < ROWS ? ROWS : chunk;
    for (int i0 = 0; i0 < m; i0 += chunk) {
        int i1 = m - i0 < chunk ? m : i0 + chunk;
        for (int jb = 0; jb < n / PANEL; jb++) {
            const float *bp = panels + (size_t)jb * k * PANEL;
            float *cj = c + (size_t)jb * PANEL;
            int i = i0;
            if (trans_a) {
                for (; i + ROWS <= i1; i += ROWS)
                    block_avx512(ROWS, i, k, a, lda, 1, bp, accumulate, cj, ldc);
            } else {
                for (; i + ROWS <= i1; i += ROWS)
                    block_avx512(ROWS, i, k, a, lda, 0, bp, accumulate, cj, ldc);
            }
            switch (i1 - i) {   // the last rows of an M that is not a multiple of 8
#define TAIL(nr)                                                                        \
    case nr:                                                                            \
        block_avx512(nr, i, k, a, lda, trans_a, bp, accumulate, cj, ldc);               \
        break;
                TAIL(1) TAIL(2) TAIL(3) TAIL(4) TAIL(5) TAIL(6) TAIL(7)
#undef TAIL
            default:
                break;
            }
        }
    }
}
#endif

void lstmsent__gemm_panels(int m, int n, int k, const float *a, int lda, const float *panels,
                           int accumulate, float *c, int ldc)
{
#ifdef GEMM_X86
    panels_avx512(m, n, k, a, lda, 0, panels, accumulate, c, ldc);
#else
    (void)m, (void)n, (void)k, (void)a, (void)lda, (void)panels, (void)accumulate, (void)c,
        (void)ldc;
#endif
}

/* ---- the same kernel for the large products ------------------------------------------
 * On AVX-512 CPUs the products of lstmsent__gemm with op(A) = A that fit the panel kernel
 * (alpha 1, beta 0 or 1, M % 8 and N % 32 zero) go through it, B packed into a per-thread
 * buffer that only grows (it lives until the thread ends). Measured against OpenBLAS for
 * the step's shapes, one thread: about OpenBLAS's own AVX-512 kernels (160-190 GFLOP/s)
 * and 2-3x its Haswell kernels. With op(A) = A^T (the weight gradients) the kernel's
 * strided reads of A lose to OpenBLAS, so those stay with cblas_sgemm.
 * LSTMSENT_OWN_GEMM=0 turns this routing off (for A/B measurements). */
static _Thread_local float *pack_buf;
static _Thread_local size_t pack_cap;
static int own_policy = -1;

static int own_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c,
                    int ldc)
{
    if (own_policy < 0) {
        const char *e = getenv("LSTMSENT_OWN_GEMM");
        own_policy = !(e != NULL && e[0] == '0');
    }
    if (!own_policy || trans_a || alpha != 1.0f || (beta != 0.0f && beta != 1.0f) || k < 1 ||
        !lstmsent__gemm_panels_ok(m, n))
        return 0;
    size_t need = (size_t)k * (size_t)n;
    if (need > pack_cap) {
        float *p = realloc(pack_buf, need * sizeof(float));
        if (p == NULL)
            return 0;
        pack_buf = p;
        pack_cap = need;
    }
    lstmsent__gemm_pack_panels(pack_buf, trans_b, k, n, b, ldb);
#ifdef GEMM_X86
    panels_avx512(m, n, k, a, lda, trans_a, pack_buf, beta == 1.0f, c, ldc);
    return 1;
#else
    (void)trans_a, (void)a, (void)lda, (void)c, (void)ldc;
    return 0;
#endif
}
