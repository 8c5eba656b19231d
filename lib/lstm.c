/*
 * One LSTM layer, forward and backward through time, with PyTorch's equations, gate order
 * (i, f, g, o) and two bias vectors. The matrix products go through lstmsent__gemm: one
 * GEMM for the input projection of all steps, one per step for the recurrence, and after
 * the backward time loop one GEMM each for dW_ih, dW_hh and the input gradient. Shapes and
 * letters are explained in kernels.h (activations are time-major, G = 4H).
 */
#include <math.h>
#include <string.h>

#include "kernels.h"

static int all_zero(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0.0f)
            return 0;
    return 1;
}

void lstmsent__lstm_forward(float *gates, float *hs, float *cs, float *tanh_c, float *wpack,
                            const float *inp, const float *w_ih, const float *w_hh,
                            const float *b_ih, const float *b_hh, int B, int T, int C, int H)
{
    // gates (T, B, G), hs (T+1, B, H), cs (T+1, B, H), tanh_c (T, B, H), inp (T, B, C)
    // w_ih (G, C), w_hh (G, H), b_ih (G), b_hh (G)
    const int G = 4 * H;
    const size_t BH = (size_t)B * H;

    /* Both biases first, then the input projection of every step at once (M = T*B);
     * without inp the caller has put both there already. */
    if (inp != NULL) {
        for (size_t r = 0; r < (size_t)T * B; r++) {
            float *row = gates + r * G;
            for (int j = 0; j < G; j++)
                row[j] = b_ih[j] + b_hh[j];
        }
        lstmsent__gemm(0, 1, T * B, G, C, 1.0f, inp, C, w_ih, C, 1.0f, gates, G);
    }

    /* A zero incoming state (every epoch's first batch, every evaluation batch) adds
     * nothing at t = 0: skip that product. */
    const int h0_zero = all_zero(hs, BH), c0_zero = all_zero(cs, BH);
    const int packed = lstmsent__gemm_panels_ok(B, G);
    if (packed)
        lstmsent__gemm_pack_panels(wpack, 1, H, G, w_hh, H);   // W_hh^T (H, G)
    for (int t = 0; t < T; t++) {
        float *gt = gates + (size_t)t * B * G;        // (B, G)
        const float *h_prev = hs + (size_t)t * BH;    // (B, H)
        const float *c_prev = cs + (size_t)t * BH;    // (B, H)
        float *h = hs + (size_t)(t + 1) * BH;         // (B, H)
        float *c = cs + (size_t)(t + 1) * BH;         // (B, H)
        float *tc = tanh_c != NULL ? tanh_c + (size_t)t * BH : NULL;   // (B, H)

        if (packed && (t > 0 || !h0_zero))
            lstmsent__gemm_panels(B, G, H, h_prev, H, wpack, 1, gt, G);
        else if (t > 0 || !h0_zero)
            lstmsent__gemm(0, 1, B, G, H, 1.0f, h_prev, H, w_hh, H, 1.0f, gt, G);
        lstmsent__lstm_cell_forward(gt, t == 0 && c0_zero ? NULL : c_prev, c, tc, h, B, H);
    }
}

void lstmsent__lstm_backward(float *dinp, float *dw_ih, float *dw_hh, float *db_ih,
                             float *db_hh, float *dgates, float *dh_next, float *dc_next,
                             float *wpack,
                             const float *dout, const float *gates, const float *hs,
                             const float *cs, const float *tanh_c, const float *inp,
                             const float *w_ih, const float *w_hh, int B, int T, int C, int H)
{
    // dinp (T, B, C), dw_ih (G, C), dw_hh (G, H), db_ih (G), db_hh (G)
    // dgates (T, B, G), dh_next (B, H), dc_next (B, H): scratch
    // dout (T, B, H), gates (T, B, G), hs (T+1, B, H), cs (T+1, B, H), tanh_c (T, B, H)
    // inp (T, B, C), w_ih (G, C), w_hh (G, H)
    const int G = 4 * H;
    const size_t BH = (size_t)B * H;

    /* Nothing flows back from beyond the last step: the loss reads only the outputs. */
    memset(dh_next, 0, BH * sizeof(float));
    memset(dc_next, 0, BH * sizeof(float));
    const int packed = lstmsent__gemm_panels_ok(B, H);
    if (packed)
        lstmsent__gemm_pack_panels(wpack, 0, G, H, w_hh, H);   // W_hh (G, H)

    for (int t = T - 1; t >= 0; t--) {
        const float *gt = gates + (size_t)t * B * G;  // (B, G)
        const float *c_prev = cs + (size_t)t * BH;    // (B, H)
        const float *tc = tanh_c + (size_t)t * BH;    // (B, H)
        const float *dh_t = dout + (size_t)t * BH;    // (B, H)
        float *dg = dgates + (size_t)t * B * G;       // (B, G)

        for (int b = 0; b < B; b++) {
            const float *g4 = gt + (size_t)b * G;
            float *d4 = dg + (size_t)b * G;
            for (int k = 0; k < H; k++) {
                size_t bk = (size_t)b * H + k;
                float i = g4[k], f = g4[H + k], g = g4[2 * H + k], o = g4[3 * H + k];
                float dh = dh_t[bk] + dh_next[bk];
                float dc = dc_next[bk] + dh * o * (1.0f - tc[bk] * tc[bk]);
                d4[k] = dc * g * i * (1.0f - i);
                d4[H + k] = dc * c_prev[bk] * f * (1.0f - f);
                d4[2 * H + k] = dc * i * (1.0f - g * g);
                d4[3 * H + k] = dh * tc[bk] * o * (1.0f - o);
                dc_next[bk] = dc * f;
            }
        }
        /* The incoming state is a constant (the tutorial detaches it): no dh for t = 0. */
        if (t > 0 && packed)
            lstmsent__gemm_panels(B, H, G, dg, G, wpack, 0, dh_next, H);
        else if (t > 0)
            lstmsent__gemm(0, 0, B, H, G, 1.0f, dg, G, w_hh, H, 0.0f, dh_next, H);
    }

    /* Over all steps at once: dW_hh += dgates^T h_{t-1}, dW_ih += dgates^T x_t,
     * dinp = dgates W_ih; both biases get the column sums of dgates. */
    const int M = T * B;
    lstmsent__gemm(1, 0, G, H, M, 1.0f, dgates, G, hs, H, 1.0f, dw_hh, H);
    if (inp != NULL) {
        lstmsent__gemm(1, 0, G, C, M, 1.0f, dgates, G, inp, C, 1.0f, dw_ih, C);
        lstmsent__gemm(0, 0, M, C, G, 1.0f, dgates, G, w_ih, C, 0.0f, dinp, C);
    }
    for (int r = 0; r < M; r++) {
        const float *row = dgates + (size_t)r * G;
        for (int j = 0; j < G; j++) {
            db_ih[j] += row[j];
            db_hh[j] += row[j];
        }
    }
}
