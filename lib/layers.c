/*
 * The model's layers other than the LSTM: embedding lookup, inverted dropout, the linear
 * head, the sigmoid and the softmax cross-entropy of the tutorial's criterion, each as a
 * forward and a backward function. Shapes and the letters are explained in kernels.h.
 */
#include <math.h>
#include <string.h>

#include "kernels.h"

/* ---- embedding ----------------------------------------------------------------------- */

void lstmsent__embedding_forward(float *out, const int32_t *ids, const float *w, int B, int T,
                                 int E)
{
    // out (T, B, E), ids (B, T), w (V, E)
    for (int t = 0; t < T; t++) {
        for (int b = 0; b < B; b++) {
            const float *row = w + (size_t)ids[(size_t)b * T + t] * E;
            memcpy(out + ((size_t)t * B + b) * E, row, (size_t)E * sizeof(float));
        }
    }
}

void lstmsent__embedding_backward(float *dw, const float *dout, const int32_t *ids,
                                  int64_t padding_idx, int B, int T, int E)
{
    // dw (V, E), dout (T, B, E), ids (B, T)
    for (int t = 0; t < T; t++) {
        for (int b = 0; b < B; b++) {
            int32_t id = ids[(size_t)b * T + t];
            if (id == padding_idx)
                continue;
            float *drow = dw + (size_t)id * E;
            const float *d = dout + ((size_t)t * B + b) * E;
            for (int e = 0; e < E; e++)
                drow[e] += d[e];
        }
    }
}

/* ---- dropout ------------------------------------------------------------------------- */

void lstmsent__dropout_forward(float *out, float *mask, const float *inp, float p,
                               lstmsent__rng *rng, size_t n)
{
    // out, mask, inp (n)
    /* PyTorch's inverted dropout: keep with probability 1 - p and scale what is kept by
     * 1/(1 - p), so the expectation is unchanged and evaluation is the identity. */
    float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        mask[i] = lstmsent__rng_float(rng) < p ? 0.0f : scale;
        out[i] = inp[i] * mask[i];
    }
}

void lstmsent__dropout_backward(float *dinp, const float *mask, const float *dout, size_t n)
{
    // dinp, mask, dout (n)
    for (size_t i = 0; i < n; i++)
        dinp[i] = dout[i] * mask[i];
}

/* ---- linear -------------------------------------------------------------------------- */

void lstmsent__linear_forward(float *out, const float *inp, const float *w, const float *b,
                              int N, int C, int O)
{
    // out (N, O), inp (N, C), w (O, C), b (O)
    for (int n = 0; n < N; n++)
        memcpy(out + (size_t)n * O, b, (size_t)O * sizeof(float));
    lstmsent__gemm(0, 1, N, O, C, 1.0f, inp, C, w, C, 1.0f, out, O);
}

void lstmsent__linear_backward(float *dinp, float *dw, float *db, const float *dout,
                               const float *inp, const float *w, int N, int C, int O)
{
    // dinp (N, C), dw (O, C), db (O), dout (N, O), inp (N, C), w (O, C)
    lstmsent__gemm(0, 0, N, C, O, 1.0f, dout, O, w, C, 0.0f, dinp, C);
    lstmsent__gemm(1, 0, O, C, N, 1.0f, dout, O, inp, C, 1.0f, dw, C);
    for (int o = 0; o < O; o++) {
        double sum = 0.0;
        for (int n = 0; n < N; n++)
            sum += dout[(size_t)n * O + o];
        db[o] += (float)sum;
    }
}

/* ---- sigmoid ------------------------------------------------------------------------- */

void lstmsent__sigmoid_forward(float *out, const float *inp, size_t n)
{
    // out, inp (n)
    for (size_t i = 0; i < n; i++)
        out[i] = 1.0f / (1.0f + expf(-inp[i]));
}

void lstmsent__sigmoid_backward(float *dinp, const float *out, const float *dout, size_t n)
{
    // dinp, out, dout (n)
    for (size_t i = 0; i < n; i++)
        dinp[i] = dout[i] * out[i] * (1.0f - out[i]);
}

/* ---- softmax cross-entropy ----------------------------------------------------------- */

double lstmsent__softmax_xent_forward(float *probs, const float *logits,
                                      const int32_t *labels, double eps, int N, int C)
{
    // probs (N, C), logits (N, C), labels (N)
    double total = 0.0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * C;
        float *p = probs + (size_t)n * C;
        double zmax = z[0];
        for (int c = 1; c < C; c++)
            zmax = z[c] > zmax ? z[c] : zmax;
        double sum = 0.0;
        for (int c = 0; c < C; c++)
            sum += exp(z[c] - zmax);
        for (int c = 0; c < C; c++)
            p[c] = (float)(exp(z[c] - zmax) / sum);
        int label = labels[n];
        if (eps > 0.0)
            total += -log(exp(z[label] - zmax) / sum + eps);
        else
            total += log(sum) + zmax - z[label];
    }
    return total;
}

void lstmsent__softmax_xent_backward(float *dlogits, const float *probs,
                                     const int32_t *labels, double eps, float dloss, int N,
                                     int C)
{
    // dlogits (N, C), probs (N, C), labels (N)
    /* d/dz_j of -log(p_l + eps) is (p_l / (p_l + eps)) (p_j - [j == l]); the factor is
     * what the tutorial's 1e-10 changes, and it is exactly 1 without it. */
    for (int n = 0; n < N; n++) {
        const float *p = probs + (size_t)n * C;
        float *dz = dlogits + (size_t)n * C;
        int label = labels[n];
        double r = eps > 0.0 ? p[label] / (p[label] + eps) : 1.0;
        for (int c = 0; c < C; c++)
            dz[c] = (float)(dloss * r * ((double)p[c] - (c == label ? 1.0 : 0.0)));
    }
}
