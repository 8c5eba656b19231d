/*
 * The element-wise hot loops with runtime CPU dispatch: the LSTM cell of one time step
 * (the gate nonlinearities and the state update) and Adam's update. Each has a portable
 * C version, which is the reference and what any other CPU runs, and AVX2+FMA and
 * AVX-512 versions compiled with target attributes, chosen once by __builtin_cpu_supports.
 *
 * Adam's vector versions do exactly the scalar float operations in the same order (no
 * fused multiply-add: the library is built with -ffp-contract=off), so they give the same
 * bits. The cell's vector versions compute exp with a Cephes-style polynomial (about
 * 1 ulp) instead of libm's expf/tanhf: sigmoid(x) = 1 / (1 + exp(-x)) and
 * tanh(x) = 2 / (1 + exp(-2x)) - 1 (absolute error ~1e-7). Every path is deterministic;
 * the level can be forced for tests (lstmsent__simd_set_level) or with the environment
 * variable LSTMSENT_SIMD=scalar|avx2|avx512 (never above what the CPU has).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LSTMSENT__X86 1
#endif

/* ---- level ----------------------------------------------------------------------------- */

static int level = -1;   // -1: not chosen yet

static int cpu_level(void)
{
#ifdef LSTMSENT__X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return LSTMSENT__SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return LSTMSENT__SIMD_AVX2;
#endif
    return LSTMSENT__SIMD_SCALAR;
}

int lstmsent__simd_level(void)
{
    if (level < 0) {
        int best = cpu_level(), want = best;
        const char *env = getenv("LSTMSENT_SIMD");
        if (env != NULL) {
            if (strcmp(env, "scalar") == 0)
                want = LSTMSENT__SIMD_SCALAR;
            else if (strcmp(env, "avx2") == 0)
                want = LSTMSENT__SIMD_AVX2;
        }
        level = want < best ? want : best;
    }
    return level;
}

int lstmsent__simd_set_level(int want)
{
    int best = cpu_level();
    level = want < 0 || want > best ? best : want;
    return level;
}

/* ---- the LSTM cell ---------------------------------------------------------------------- */

static float sigmoidf_ref(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* One element of the cell, libm's functions: the portable path and the vector tails. */
static inline void cell_one(float *g4, int H, int k, const float *c_prev, float *c, float *tc,
                            float *h, size_t bk)
{
    float i = sigmoidf_ref(g4[k]);
    float f = sigmoidf_ref(g4[H + k]);
    float g = tanhf(g4[2 * H + k]);
    float o = sigmoidf_ref(g4[3 * H + k]);
    g4[k] = i;
    g4[H + k] = f;
    g4[2 * H + k] = g;
    g4[3 * H + k] = o;
    float cn = f * (c_prev != NULL ? c_prev[bk] : 0.0f) + i * g;
    float t = tanhf(cn);
    c[bk] = cn;
    if (tc != NULL)
        tc[bk] = t;
    h[bk] = o * t;
}

static void cell_scalar(float *gt, const float *c_prev, float *c, float *tc, float *h, int B,
                        int H)
{
    for (int b = 0; b < B; b++) {
        float *g4 = gt + (size_t)b * 4 * H;
        for (int k = 0; k < H; k++)
            cell_one(g4, H, k, c_prev, c, tc, h, (size_t)b * H + k);
    }
}

#ifdef LSTMSENT__X86

/* exp(x) for x in [-87.3, 88.4] (clamped outside; NaN stays NaN): x = n ln2 + r with
 * |r| <= ln2/2 (ln2 in two parts), e^r by Cephes' degree-6 polynomial, then times 2^n.
 * EXP_POLY sets fx = n and y = e^r; the two levels differ only in rounding and 2^n. */
#define EXP_POLY(V, pre, round)                                                            \
    x = pre##_min_ps(pre##_set1_ps(88.3762626647949f), x);                                 \
    x = pre##_max_ps(pre##_set1_ps(-87.3365447504f), x);                                   \
    V fx = round(pre##_mul_ps(x, pre##_set1_ps(1.44269504088896341f)),                     \
                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);                           \
    V r = pre##_fnmadd_ps(fx, pre##_set1_ps(0.693359375f), x);                             \
    r = pre##_fnmadd_ps(fx, pre##_set1_ps(-2.12194440e-4f), r);                            \
    V y = pre##_set1_ps(1.9875691500E-4f);                                                 \
    y = pre##_fmadd_ps(y, r, pre##_set1_ps(1.3981999507E-3f));                             \
    y = pre##_fmadd_ps(y, r, pre##_set1_ps(8.3334519073E-3f));                             \
    y = pre##_fmadd_ps(y, r, pre##_set1_ps(4.1665795894E-2f));                             \
    y = pre##_fmadd_ps(y, r, pre##_set1_ps(1.6666665459E-1f));                             \
    y = pre##_fmadd_ps(y, r, pre##_set1_ps(5.0000001201E-1f));                             \
    y = pre##_fmadd_ps(y, pre##_mul_ps(r, r), pre##_add_ps(r, pre##_set1_ps(1.0f)));

__attribute__((target("avx2,fma"))) static inline __m256 exp_avx2(__m256 x)
{
    EXP_POLY(__m256, _mm256, _mm256_round_ps)
    __m256i n = _mm256_cvtps_epi32(fx);
    n = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(n));
}

__attribute__((target("avx512f"))) static inline __m512 exp_avx512(__m512 x)
{
    EXP_POLY(__m512, _mm512, _mm512_roundscale_ps)
    return _mm512_scalef_ps(y, fx);
}

/* sigmoid(x) = 1 / (1 + e^-x) and tanh(x) = 2 / (1 + e^-2x) - 1 on exp_<sfx>, and the cell
 * of a step over those: the same code for AVX2 (W = 8) and AVX-512 (W = 16). */
#define SIGMOID_TANH(V, pre, sfx, tgt)                                                     \
    __attribute__((target(tgt))) static inline V sigmoid_##sfx(V x)                        \
    {                                                                                      \
        V one = pre##_set1_ps(1.0f);                                                       \
        return pre##_div_ps(one, pre##_add_ps(one, exp_##sfx(pre##_sub_ps(                 \
                                                       pre##_setzero_ps(), x))));          \
    }                                                                                      \
    __attribute__((target(tgt))) static inline V tanh_##sfx(V x)                           \
    {                                                                                      \
        V one = pre##_set1_ps(1.0f), two = pre##_set1_ps(2.0f);                            \
        V e = exp_##sfx(pre##_mul_ps(x, pre##_set1_ps(-2.0f)));                            \
        return pre##_sub_ps(pre##_div_ps(two, pre##_add_ps(one, e)), one);                 \
    }

#define CELL_KERNEL(V, W, pre, sfx, tgt)                                                   \
    __attribute__((target(tgt))) static void cell_##sfx(float *gt, const float *c_prev,    \
                                                        float *c, float *tc, float *h,     \
                                                        int B, int H)                      \
    {                                                                                      \
        for (int b = 0; b < B; b++) {                                                      \
            float *g4 = gt + (size_t)b * 4 * H;                                            \
            int k = 0;                                                                     \
            for (; k + W <= H; k += W) {                                                   \
                size_t bk = (size_t)b * H + k;                                             \
                V i = sigmoid_##sfx(pre##_loadu_ps(g4 + k));                               \
                V f = sigmoid_##sfx(pre##_loadu_ps(g4 + H + k));                           \
                V g = tanh_##sfx(pre##_loadu_ps(g4 + 2 * H + k));                          \
                V o = sigmoid_##sfx(pre##_loadu_ps(g4 + 3 * H + k));                       \
                pre##_storeu_ps(g4 + k, i);                                                \
                pre##_storeu_ps(g4 + H + k, f);                                            \
                pre##_storeu_ps(g4 + 2 * H + k, g);                                        \
                pre##_storeu_ps(g4 + 3 * H + k, o);                                        \
                V cp = c_prev != NULL ? pre##_loadu_ps(c_prev + bk) : pre##_setzero_ps();  \
                V cn = pre##_add_ps(pre##_mul_ps(f, cp), pre##_mul_ps(i, g));              \
                V t = tanh_##sfx(cn);                                                      \
                pre##_storeu_ps(c + bk, cn);                                               \
                if (tc != NULL)                                                            \
                    pre##_storeu_ps(tc + bk, t);                                           \
                pre##_storeu_ps(h + bk, pre##_mul_ps(o, t));                               \
            }                                                                              \
            for (; k < H; k++)                                                             \
                cell_one(g4, H, k, c_prev, c, tc, h, (size_t)b * H + k);                   \
        }                                                                                  \
    }

SIGMOID_TANH(__m256, _mm256, avx2, "avx2,fma")
SIGMOID_TANH(__m512, _mm512, avx512, "avx512f")
CELL_KERNEL(__m256, 8, _mm256, avx2, "avx2,fma")
CELL_KERNEL(__m512, 16, _mm512, avx512, "avx512f")

#endif /* LSTMSENT__X86 */

void lstmsent__lstm_cell_forward(float *gt, const float *c_prev, float *c, float *tanh_c,
                                 float *h, int B, int H)
{
    switch (lstmsent__simd_level()) {
#ifdef LSTMSENT__X86
    case LSTMSENT__SIMD_AVX512:
        cell_avx512(gt, c_prev, c, tanh_c, h, B, H);
        return;
    case LSTMSENT__SIMD_AVX2:
        cell_avx2(gt, c_prev, c, tanh_c, h, B, H);
        return;
#endif
    default:
        cell_scalar(gt, c_prev, c, tanh_c, h, B, H);
    }
}

/* ---- the cell's backward ------------------------------------------------------------------
 * The same float operations in the same order on every path (no fused multiply-add), so the
 * vector paths give the scalar path's bits. */

static inline void cell_back_one(float *d4, const float *g4, const float *c_prev,
                                 const float *tc, const float *dh_t, float *dh_next,
                                 float *dc_next, int H, int k, size_t bk)
{
    float i = g4[k], f = g4[H + k], g = g4[2 * H + k], o = g4[3 * H + k];
    float dh = dh_t[bk] + dh_next[bk];
    float dc = dc_next[bk] + dh * o * (1.0f - tc[bk] * tc[bk]);
    d4[k] = dc * g * i * (1.0f - i);
    d4[H + k] = dc * c_prev[bk] * f * (1.0f - f);
    d4[2 * H + k] = dc * i * (1.0f - g * g);
    d4[3 * H + k] = dh * tc[bk] * o * (1.0f - o);
    dc_next[bk] = dc * f;
}

static void cell_back_scalar(float *dg, const float *gt, const float *c_prev, const float *tc,
                             const float *dh_t, float *dh_next, float *dc_next, int B, int H)
{
    for (int b = 0; b < B; b++)
        for (int k = 0; k < H; k++)
            cell_back_one(dg + (size_t)b * 4 * H, gt + (size_t)b * 4 * H, c_prev, tc, dh_t,
                          dh_next, dc_next, H, k, (size_t)b * H + k);
}

#ifdef LSTMSENT__X86
#define CELL_BACK_BODY(V, W, pre)                                                          \
    for (int b = 0; b < B; b++) {                                                          \
        float *d4 = dg + (size_t)b * 4 * H;                                                \
        const float *g4 = gt + (size_t)b * 4 * H;                                          \
        const V one = pre##_set1_ps(1.0f);                                                 \
        int k = 0;                                                                         \
        for (; k + W <= H; k += W) {                                                       \
            size_t bk = (size_t)b * H + k;                                                 \
            V i = pre##_loadu_ps(g4 + k), f = pre##_loadu_ps(g4 + H + k);                  \
            V g = pre##_loadu_ps(g4 + 2 * H + k), o = pre##_loadu_ps(g4 + 3 * H + k);      \
            V t = pre##_loadu_ps(tc + bk);                                                 \
            V dh = pre##_add_ps(pre##_loadu_ps(dh_t + bk), pre##_loadu_ps(dh_next + bk));  \
            V dc = pre##_add_ps(pre##_loadu_ps(dc_next + bk),                              \
                                pre##_mul_ps(pre##_mul_ps(dh, o),                          \
                                             pre##_sub_ps(one, pre##_mul_ps(t, t))));      \
            pre##_storeu_ps(d4 + k, pre##_mul_ps(pre##_mul_ps(pre##_mul_ps(dc, g), i),     \
                                                 pre##_sub_ps(one, i)));                   \
            pre##_storeu_ps(d4 + H + k,                                                    \
                            pre##_mul_ps(pre##_mul_ps(pre##_mul_ps(dc,                     \
                                                      pre##_loadu_ps(c_prev + bk)), f),    \
                                         pre##_sub_ps(one, f)));                           \
            pre##_storeu_ps(d4 + 2 * H + k,                                                \
                            pre##_mul_ps(pre##_mul_ps(dc, i),                              \
                                         pre##_sub_ps(one, pre##_mul_ps(g, g))));          \
            pre##_storeu_ps(d4 + 3 * H + k,                                                \
                            pre##_mul_ps(pre##_mul_ps(pre##_mul_ps(dh, t), o),             \
                                         pre##_sub_ps(one, o)));                           \
            pre##_storeu_ps(dc_next + bk, pre##_mul_ps(dc, f));                            \
        }                                                                                  \
        for (; k < H; k++)                                                                 \
            cell_back_one(d4, g4, c_prev, tc, dh_t, dh_next, dc_next, H, k,                \
                          (size_t)b * H + k);                                              \
    }

__attribute__((target("avx2,fma"))) static void cell_back_avx2(float *dg, const float *gt,
                                                               const float *c_prev,
                                                               const float *tc,
                                                               const float *dh_t,
                                                               float *dh_next, float *dc_next,
                                                               int B, int H)
{
    CELL_BACK_BODY(__m256, 8, _mm256)
}

__attribute__((target("avx512f"))) static void cell_back_avx512(float *dg, const float *gt,
                                                                 const float *c_prev,
                                                                 const float *tc,
                                                                 const float *dh_t,
                                                                 float *dh_next,
                                                                 float *dc_next, int B, int H)
{
    CELL_BACK_BODY(__m512, 16, _mm512)
}
#endif

void lstmsent__lstm_cell_backward(float *dg, const float *gt, const float *c_prev,
                                  const float *tanh_c, const float *dh_t, float *dh_next,
                                  float *dc_next, int B, int H)
{
    switch (lstmsent__simd_level()) {
#ifdef LSTMSENT__X86
    case LSTMSENT__SIMD_AVX512:
        cell_back_avx512(dg, gt, c_prev, tanh_c, dh_t, dh_next, dc_next, B, H);
        return;
    case LSTMSENT__SIMD_AVX2:
        cell_back_avx2(dg, gt, c_prev, tanh_c, dh_t, dh_next, dc_next, B, H);
        return;
#endif
    default:
        cell_back_scalar(dg, gt, c_prev, tanh_c, dh_t, dh_next, dc_next, B, H);
    }
}

/* ---- the sum of squares of clip_grad_norm ----------------------------------------------
 * In double, as PyTorch's norm is compared in the tests; 16 partial sums (lanes) added in a
 * fixed order at the end, on every path, so the result does not depend on the level. */

static double sumsq_scalar(const float *x, size_t n)
{
    double lane[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++)
            lane[l] += (double)x[i + l] * x[i + l];
    for (int l = 0; i < n; i++, l++)
        lane[l] += (double)x[i] * x[i];
    double s = 0.0;
    for (int l = 0; l < 16; l++)
        s += lane[l];
    return s;
}

#ifdef LSTMSENT__X86
__attribute__((target("avx512f"))) static double sumsq_avx512(const float *x, size_t n)
{
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d lo = _mm512_cvtps_pd(_mm256_loadu_ps(x + i));
        __m512d hi = _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8));
        a0 = _mm512_add_pd(a0, _mm512_mul_pd(lo, lo));
        a1 = _mm512_add_pd(a1, _mm512_mul_pd(hi, hi));
    }
    double lane[16];
    _mm512_storeu_pd(lane, a0);
    _mm512_storeu_pd(lane + 8, a1);
    for (int l = 0; i < n; i++, l++)
        lane[l] += (double)x[i] * x[i];
    double s = 0.0;
    for (int l = 0; l < 16; l++)
        s += lane[l];
    return s;
}
#endif

double lstmsent__sumsq(const float *x, size_t n)
{
#ifdef LSTMSENT__X86
    if (lstmsent__simd_level() >= LSTMSENT__SIMD_AVX512)
        return sumsq_avx512(x, n);
#endif
    return sumsq_scalar(x, n);
}

/* ---- Adam ------------------------------------------------------------------------------- */

/* PyTorch's order of float operations, one element (see optim.c). */
static inline void adam_one(float *p, const float *grad, float *m, float *v, size_t i,
                            const lstmsent__adam_consts *k)
{
    float g = grad[i];
    if (k->weight_decay != 0.0f)
        g = g + k->weight_decay * p[i];
    float mi = m[i] * k->beta1;
    mi = mi + k->one_minus_beta1 * g;
    float vi = v[i] * k->beta2;
    vi = vi + k->one_minus_beta2 * (g * g);
    m[i] = mi;
    v[i] = vi;
    float denom = sqrtf(vi) / k->bc2_sqrt + k->eps;
    p[i] = p[i] + -k->step_size * (mi / denom);
}

static void adam_scalar(float *p, const float *grad, float *m, float *v, size_t n,
                        const lstmsent__adam_consts *k)
{
    for (size_t i = 0; i < n; i++)
        adam_one(p, grad, m, v, i, k);
}

#ifdef LSTMSENT__X86
/* The same float operations as adam_one, W elements at a time (AVX2: 8, AVX-512: 16). */
#define ADAM_KERNEL(V, W, pre, sfx, tgt)                                                   \
    __attribute__((target(tgt))) static void adam_##sfx(float *p, const float *grad,       \
                                                        float *m, float *v, size_t n,      \
                                                        const lstmsent__adam_consts *k)    \
    {                                                                                      \
        const V b1 = pre##_set1_ps(k->beta1), omb1 = pre##_set1_ps(k->one_minus_beta1);    \
        const V b2 = pre##_set1_ps(k->beta2), omb2 = pre##_set1_ps(k->one_minus_beta2);    \
        const V wd = pre##_set1_ps(k->weight_decay), bc2 = pre##_set1_ps(k->bc2_sqrt);     \
        const V eps = pre##_set1_ps(k->eps), nss = pre##_set1_ps(-k->step_size);           \
        const int decay = k->weight_decay != 0.0f;                                         \
        size_t i = 0;                                                                      \
        for (; i + W <= n; i += W) {                                                       \
            V pi = pre##_loadu_ps(p + i);                                                  \
            V g = pre##_loadu_ps(grad + i);                                                \
            if (decay)                                                                     \
                g = pre##_add_ps(g, pre##_mul_ps(wd, pi));                                 \
            V mi = pre##_add_ps(pre##_mul_ps(pre##_loadu_ps(m + i), b1),                   \
                                pre##_mul_ps(omb1, g));                                    \
            V vi = pre##_add_ps(pre##_mul_ps(pre##_loadu_ps(v + i), b2),                   \
                                pre##_mul_ps(omb2, pre##_mul_ps(g, g)));                   \
            pre##_storeu_ps(m + i, mi);                                                    \
            pre##_storeu_ps(v + i, vi);                                                    \
            V denom = pre##_add_ps(pre##_div_ps(pre##_sqrt_ps(vi), bc2), eps);             \
            pre##_storeu_ps(p + i,                                                         \
                            pre##_add_ps(pi, pre##_mul_ps(nss, pre##_div_ps(mi, denom)))); \
        }                                                                                  \
        for (; i < n; i++)                                                                 \
            adam_one(p, grad, m, v, i, k);                                                 \
    }

ADAM_KERNEL(__m256, 8, _mm256, avx2, "avx2,fma")
ADAM_KERNEL(__m512, 16, _mm512, avx512, "avx512f")
#endif

void lstmsent__adam_update(float *p, const float *grad, float *m, float *v, size_t n,
                           const lstmsent__adam_consts *k)
{
    switch (lstmsent__simd_level()) {
#ifdef LSTMSENT__X86
    case LSTMSENT__SIMD_AVX512:
        adam_avx512(p, grad, m, v, n, k);
        return;
    case LSTMSENT__SIMD_AVX2:
        adam_avx2(p, grad, m, v, n, k);
        return;
#endif
    default:
        adam_scalar(p, grad, m, v, n, k);
    }
}
