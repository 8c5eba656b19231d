/*
 * The one place matrix products happen. Everything goes through cblas_sgemm, except when
 * a test switches to the reference loop to check a kernel independently of the BLAS.
 */
#include <cblas.h>

#include "internal.h"

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
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
}
