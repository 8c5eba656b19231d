/* The hand-written kernels against their portable references, at every SIMD level this CPU
 * has: the packed-panel GEMM against the reference loop, the LSTM cell against libm's
 * functions, and the cell's backward and Adam bit for bit against the scalar loops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"
#include "tap_main.h"

static void fill(float *x, size_t n, uint64_t seed, float scale)
{
    lstmsent__rng r;
    lstmsent__rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = (2.0f * lstmsent__rng_float(&r) - 1.0f) * scale;
}

START_TEST(test_gemm_panels_match_reference)
{
    /* M not a multiple of 8 too (1..7 rows after the blocks of 8), which the kernel takes
     * once lstmsent__gemm_panels_ok(8, N) holds; and rows that must not depend on M. */
    static const int shapes[][3] = {{8, 32, 1}, {32, 1024, 256}, {32, 256, 1024},
                                    {128, 64, 7}, {16, 96, 33}, {1, 64, 40}, {13, 1024, 256},
                                    {7, 32, 5}, {4099, 32, 9}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        if (!lstmsent__gemm_panels_ok(8, n))
            return;   // no AVX-512 here (or under valgrind): the cblas path is used instead
        float *a = malloc(sizeof(float) * m * k), *w = malloc(sizeof(float) * n * k);
        float *pk = malloc(sizeof(float) * n * k);
        float *c = malloc(sizeof(float) * m * n), *ref = malloc(sizeof(float) * m * n);
        fill(a, (size_t)m * k, 1, 1.0f);
        fill(w, (size_t)n * k, 2, 1.0f);
        for (int trans = 0; trans <= 1; trans++) {
            for (int acc = 0; acc <= 1; acc++) {
                fill(c, (size_t)m * n, 3, 1.0f);
                memcpy(ref, c, sizeof(float) * m * n);
                int ldb = trans ? k : n;
                lstmsent__gemm_pack_panels(pk, trans, k, n, w, ldb);
                lstmsent__gemm_panels(m, n, k, a, k, pk, acc, c, n);
                lstmsent__gemm_use_reference(1);
                lstmsent__gemm(0, trans, m, n, k, 1.0f, a, k, w, ldb, acc ? 1.0f : 0.0f, ref,
                               n);
                lstmsent__gemm_use_reference(0);
                for (int i = 0; i < m * n; i++)
                    ck_assert_float_le(fabsf(c[i] - ref[i]), 1e-5f * (1.0f + (float)k));
                /* The first row alone gets the same bits as within all M rows. */
                float row[1024];
                fill(row, (size_t)n, 3, 1.0f);
                lstmsent__gemm_panels(1, n, k, a, k, pk, acc, row, n);
                ck_assert_mem_eq(row, c, (size_t)n * sizeof(float));
            }
        }
        free(a);
        free(w);
        free(pk);
        free(c);
        free(ref);
    }
}
END_TEST

START_TEST(test_cell_every_level)
{
    enum { B = 5, H = 37 };   // not a multiple of any vector width: tails too
    float pre[B * 4 * H], cp[B * H];
    fill(pre, B * 4 * H, 4, 6.0f);
    fill(cp, B * H, 5, 2.0f);
    pre[0] = 200.0f;    // saturating inputs
    pre[H] = -200.0f;
    float ref_g[B * 4 * H], ref_c[B * H], ref_t[B * H], ref_h[B * H];
    lstmsent__simd_set_level(LSTMSENT__SIMD_SCALAR);
    memcpy(ref_g, pre, sizeof pre);
    lstmsent__lstm_cell_forward(ref_g, cp, ref_c, ref_t, ref_h, B, H);
    int best = lstmsent__simd_set_level(-1);
    for (int lv = LSTMSENT__SIMD_SCALAR; lv <= best; lv++) {
        ck_assert_int_eq(lstmsent__simd_set_level(lv), lv);
        float g[B * 4 * H], c[B * H], t[B * H], h[B * H], h2[B * H];
        memcpy(g, pre, sizeof pre);
        lstmsent__lstm_cell_forward(g, cp, c, t, h, B, H);
        for (int i = 0; i < B * 4 * H; i++)
            ck_assert_float_le(fabsf(g[i] - ref_g[i]), 2e-7f);
        for (int i = 0; i < B * H; i++) {
            ck_assert_float_le(fabsf(c[i] - ref_c[i]), 1e-6f);
            ck_assert_float_le(fabsf(t[i] - ref_t[i]), 2e-7f);
            ck_assert_float_le(fabsf(h[i] - ref_h[i]), 2e-7f);
        }
        /* No tanh(c) kept, and a zero state as NULL: the same h as with explicit zeros. */
        float zero[B * H] = {0}, c2[B * H];
        memcpy(g, pre, sizeof pre);
        lstmsent__lstm_cell_forward(g, zero, c, t, h, B, H);
        memcpy(g, pre, sizeof pre);
        lstmsent__lstm_cell_forward(g, NULL, c2, NULL, h2, B, H);
        ck_assert_mem_eq(h, h2, sizeof h);
        ck_assert_mem_eq(c, c2, sizeof c);
    }
    lstmsent__simd_set_level(-1);
}
END_TEST

START_TEST(test_cell_backward_bitwise_every_level)
{
    enum { B = 3, H = 37 };
    float gt[B * 4 * H], cp[B * H], tc[B * H], dh_t[B * H], dh0[B * H], dc0[B * H];
    fill(gt, B * 4 * H, 10, 1.0f);
    fill(cp, B * H, 11, 2.0f);
    fill(tc, B * H, 12, 1.0f);
    fill(dh_t, B * H, 13, 0.5f);
    fill(dh0, B * H, 14, 0.5f);
    fill(dc0, B * H, 15, 0.5f);
    float rdg[B * 4 * H], rdc[B * H];
    memcpy(rdc, dc0, sizeof rdc);
    lstmsent__simd_set_level(LSTMSENT__SIMD_SCALAR);
    lstmsent__lstm_cell_backward(rdg, gt, cp, tc, dh_t, dh0, rdc, B, H);
    int best = lstmsent__simd_set_level(-1);
    for (int lv = LSTMSENT__SIMD_SCALAR; lv <= best; lv++) {
        lstmsent__simd_set_level(lv);
        float dg[B * 4 * H], dc[B * H];
        memcpy(dc, dc0, sizeof dc);
        lstmsent__lstm_cell_backward(dg, gt, cp, tc, dh_t, dh0, dc, B, H);
        ck_assert_mem_eq(dg, rdg, sizeof dg);
        ck_assert_mem_eq(dc, rdc, sizeof dc);
    }
    lstmsent__simd_set_level(-1);
}
END_TEST

START_TEST(test_sumsq_every_level)
{
    enum { N = 1000 + 7 };
    float x[N];
    fill(x, N, 16, 3.0f);
    lstmsent__simd_set_level(LSTMSENT__SIMD_SCALAR);
    double ref = lstmsent__sumsq(x, N), plain = 0.0;
    for (int i = 0; i < N; i++)
        plain += (double)x[i] * x[i];
    ck_assert_double_le(fabs(ref - plain), 1e-12 * plain);
    int best = lstmsent__simd_set_level(-1);
    for (int lv = LSTMSENT__SIMD_SCALAR; lv <= best; lv++) {
        lstmsent__simd_set_level(lv);
        double v = lstmsent__sumsq(x, N);
        ck_assert_mem_eq(&v, &ref, sizeof v);
    }
    lstmsent__simd_set_level(-1);
}
END_TEST

START_TEST(test_adam_bitwise_every_level)
{
    enum { N = 1000 + 13 };
    float p0[N], g[N], m0[N], v0[N];
    fill(p0, N, 6, 1.0f);
    fill(g, N, 7, 0.1f);
    fill(m0, N, 8, 0.01f);
    fill(v0, N, 9, 0.001f);
    for (int i = 0; i < N; i++)
        v0[i] = fabsf(v0[i]);
    g[3] = 0.0f;
    for (int wd = 0; wd <= 1; wd++) {
        lstmsent__adam_consts k = {0.9f, 0.1f, 0.999f, 0.001f, wd ? 0.01f : 0.0f, 0.0123f,
                                   0.0447f, 1e-8f};
        float rp[N], rm[N], rv[N];
        memcpy(rp, p0, sizeof rp);
        memcpy(rm, m0, sizeof rm);
        memcpy(rv, v0, sizeof rv);
        lstmsent__simd_set_level(LSTMSENT__SIMD_SCALAR);
        lstmsent__adam_update(rp, g, rm, rv, N, &k);
        int best = lstmsent__simd_set_level(-1);
        for (int lv = LSTMSENT__SIMD_SCALAR; lv <= best; lv++) {
            lstmsent__simd_set_level(lv);
            float p[N], m[N], v[N];
            memcpy(p, p0, sizeof p);
            memcpy(m, m0, sizeof m);
            memcpy(v, v0, sizeof v);
            lstmsent__adam_update(p, g, m, v, N, &k);
            ck_assert_mem_eq(p, rp, sizeof p);
            ck_assert_mem_eq(m, rm, sizeof m);
            ck_assert_mem_eq(v, rv, sizeof v);
        }
    }
    lstmsent__simd_set_level(-1);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("simd");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_gemm_panels_match_reference);
    tcase_add_test(tc, test_cell_every_level);
    tcase_add_test(tc, test_cell_backward_bitwise_every_level);
    tcase_add_test(tc, test_sumsq_every_level);
    tcase_add_test(tc, test_adam_bitwise_every_level);
    suite_add_tcase(s, tc);
    return s;
}
