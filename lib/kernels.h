/*
 * The model's kernels: plain forward and backward functions over float buffers, in the
 * llm.c manner (outputs first, a `d` prefix for gradients, sizes last). model.c strings them
 * together; tests call some of them directly. Internal, like internal.h.
 *
 * Letters: V embedding rows, E embedding dim, H hidden dim, G = 4H (the gates i, f, g, o
 * stacked in that order, as PyTorch does), O outputs, B batch, T time steps, N rows of a
 * matrix, C a row's width. Activations are time-major, (T, B, C): the B rows of one time
 * step are one contiguous (B, C) block, so the recurrent GEMM of a step reads and writes
 * plain matrices. Ids stay as the caller gives them, (B, T).
 *
 * Backward kernels ADD into parameter gradients (dw, db: PyTorch's accumulation) and SET
 * gradients of activations (dinp), unless a comment says otherwise.
 */
#ifndef LSTMSENT_KERNELS_H
#define LSTMSENT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* ---- layers.c ------------------------------------------------------------------------ */

/* out (T, B, E) = w[ids[b][t]]; ids (B, T) already checked to lie in 0..V-1; w (V, E). */
void lstmsent__embedding_forward(float *out, const int32_t *ids, const float *w, int B, int T,
                                 int E);
/* dw (V, E) += dout (T, B, E) scattered to the rows ids (B, T) name, in (t, b) order;
 * the row padding_idx (if >= 0) gets nothing. */
void lstmsent__embedding_backward(float *dw, const float *dout, const int32_t *ids,
                                  int64_t padding_idx, int B, int T, int E);

/* Inverted dropout: one draw u = lstmsent__rng_float per element in index order, dropped
 * when u < p; mask (n) gets 0 for a dropped element and 1/(1-p) for a kept one, and
 * out (n) = inp * mask. out may be inp. p in [0, 1]; p == 1 drops everything. */
void lstmsent__dropout_forward(float *out, float *mask, const float *inp, float p,
                               lstmsent__rng *rng, size_t n);
/* dinp (n) = dout * mask; dinp may be dout. */
void lstmsent__dropout_backward(float *dinp, const float *mask, const float *dout, size_t n);

/* out (N, O) = inp (N, C) w^T + b; w (O, C), b (O). */
void lstmsent__linear_forward(float *out, const float *inp, const float *w, const float *b,
                              int N, int C, int O);
/* dinp (N, C) = dout w (set); dw (O, C) += dout^T inp; db (O) += the column sums of
 * dout (N, O). */
void lstmsent__linear_backward(float *dinp, float *dw, float *db, const float *dout,
                               const float *inp, const float *w, int N, int C, int O);

/* out (n) = 1 / (1 + exp(-inp)); out may be inp. */
void lstmsent__sigmoid_forward(float *out, const float *inp, size_t n);
/* dinp (n) = dout * out * (1 - out), from the forward's output; dinp may be dout. */
void lstmsent__sigmoid_backward(float *dinp, const float *out, const float *dout, size_t n);

/* Softmax cross-entropy per row of logits (N, C) against labels (N) in 0..C-1: returns
 * the sum over rows of -log(softmax(logits)[label] + eps) and sets probs (N, C) to the
 * softmax. eps = 1e-10 is the tutorial's criterion; eps = 0 is ordinary cross-entropy,
 * computed as logsumexp - logit so that it stays finite for any logits. Rows in double. */
double lstmsent__softmax_xent_forward(float *probs, const float *logits,
                                      const int32_t *labels, double eps, int N, int C);
/* dlogits (N, C) = dloss * d(loss of the row)/d(logits) (set): with r = p_l / (p_l + eps)
 * (1 for eps = 0), dlogits = dloss * r * (probs - onehot). dloss = 1/N gives the mean. */
void lstmsent__softmax_xent_backward(float *dlogits, const float *probs,
                                     const int32_t *labels, double eps, float dloss, int N,
                                     int C);

/* ---- lstm.c -------------------------------------------------------------------------- */

/* Whether x (n) is all zeros (a zero incoming state: the t = 0 products are skipped). */
int lstmsent__all_zero(const float *x, size_t n);

/* Which rows a training forward runs at each step, and where they live: the layout of
 * PyTorch's PackedSequence, cut into parts for the threads. The B batch rows are placed at
 * positions 0 .. B-1; part p (one thread) owns positions base[p] .. base[p+1] - 1. At step
 * t it runs the first cnt[t][p] of them (never more than at step t - 1), and their rows
 * are packed rows at[t][p] .. at[t][p] + cnt - 1, in position order, inside step t's block
 * off[t] .. off[t+1] - 1. N = off[T] rows in all. A full plan runs every row at every step
 * (at[t][p] = t*B + base[p]: the plain (T, B) layout, what the tutorial's last-step pooling
 * needs); a shrinking one drops rows as their phrases end (last-token pooling). With packed
 * the panel kernel runs the products (a full plan's counts are then multiples of 8) and
 * the large ones run over `rows` >= N rows, the ones past N kept at zero in the layers'
 * outputs and gradients; otherwise parts is 1 and lstmsent__gemm runs them over N rows.
 * parts is at most lstmsent__threads(). */
typedef struct lstmsent__seq_plan {
    int B, T, parts, packed, full;
    int rows;              // the large products' M: N, or (packed) N rounded up to 8
    const int32_t *base;   // (parts + 1)
    const int32_t *off;    // (T + 1)
    const int32_t *at;     // (T, parts)
    const int32_t *cnt;    // (T, parts)
} lstmsent__seq_plan;

/* One LSTM layer over the plan's steps, PyTorch's equations:
 *   (i, f, g, o) = (sig, sig, tanh, sig)(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 *   c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)
 * gates  (N, G) out: the activated i, f, g, o (what backward needs), by packed row
 * hs     (B + N, H): rows 0 .. B-1 the incoming h by position (read), then h_t of each
 *                    packed row (written), so hs + B*H is the layer's output (N, H)
 * cs     (B + N, H): likewise for c
 * tanh_c (N, H) out: tanh(c_t)
 * inp    (N, C); w_ih (G, C), w_hh (G, H), b_ih (G), b_hh (G).
 * The input projection of all rows is one GEMM with M = N; with inp NULL the caller
 * has already put b_ih + b_hh + x_t W_ih^T into gates (model.c does, per distinct id).
 * tanh_c may be NULL (nothing kept for backward). wpack (G * H floats) is scratch for W_hh
 * packed for lstmsent__gemm_panels (backward too). The recurrent product of t = 0 is
 * skipped when the incoming h is all zeros. */
void lstmsent__lstm_forward(float *gates, float *hs, float *cs, float *tanh_c, float *wpack,
                            const float *inp, const float *w_ih, const float *w_hh,
                            const float *b_ih, const float *b_hh,
                            const lstmsent__seq_plan *plan, int C, int H);
/* One layer of an evaluation forward (lstmsent__lstm_eval). */
typedef struct lstmsent__eval_layer {
    const float *w_ih, *w_hh;   // (G, C), (G, H)
    const float *bias;          // (G) b_ih + b_hh; unused for layer 0 (its gates come from proj)
    float *wpack;               // ((C + H) * G) [W_ih | W_hh]^T packed (see repack)
    float *xh;                  // (rows, C + H): x_t | h_{t-1}, by position (see the plan)
    float *c;                   // (rows, H): c, by position
    int C;                      // input width; 0 for layer 0
} lstmsent__eval_layer;

/* Who runs what in an evaluation forward. Rows are in positions 0 .. rows - 1 (a multiple
 * of 8), perm[q] the batch row at position q (-1: a filler); part p (one thread) owns
 * positions base[p] .. base[p + 1] - 1 (multiples of 8), and its blocks of 8 positions join
 * in order: block k runs from step join[k] on (T: never), all earlier blocks of the part
 * having joined no later. A row joining at t > 0 starts from the step t - 1 state of
 * position src[q] (a row of the same part that ran at t - 1 and whose first t ids are the
 * same; -1: zero). parts is at most lstmsent__threads(). */
typedef struct lstmsent__eval_plan {
    int parts;
    const int32_t *base;   // (parts + 1)
    const int32_t *perm;   // (rows)
    const int32_t *join;   // (rows / 8)
    const int32_t *steps;  // (rows) position q runs steps before steps[q] only (T: all);
                           // within a part, the positions that stop earlier come later
    const int32_t *src;    // (rows)
} lstmsent__eval_plan;

/* An evaluation forward through all L layers and T steps, keeping only what the next step
 * needs: for each step and layer, gates (rows, G) = layer 0: proj[slot[t][b]] (b_ih + b_hh
 * + x W_ih^T made per distinct id, slot (T, ids_rows)); above: bias + [x_t | h_{t-1}]
 * [W_ih | W_hh]^T as one product; then the cell. Each layer's xh and c are indexed by
 * position and hold the incoming state before (zero, or the batch row's), the last state
 * after (for the rows that ran). Fillers read row 0's ids. The top layer's h_t goes to
 * pooled (ids_rows, H) row b when t == pool_t[b]. state_zero says the incoming state is
 * zero (the t = 0 products are skipped). gates (rows, G) and hbuf (rows, H) are scratch.
 * Each layer's wpack holds its weights packed from an earlier call unless repack (then
 * they are packed first).
 * state_h and state_c (L, ids_rows, H; both NULL or neither) get each batch row's state of
 * every layer at its pool_t step, for plans whose rows may run past it.
 * Each row's arithmetic is the same whatever the plan. */
void lstmsent__lstm_eval(const lstmsent__eval_layer *layers, int L, int H,
                         const lstmsent__eval_plan *plan, int ids_rows, int T,
                         const float *proj, const int32_t *slot, const int32_t *pool_t,
                         float *pooled, float *gates, float *hbuf, int state_zero, int repack,
                         float *state_h, float *state_c);

/* Backward through the plan's steps from dout (N, H), the loss's gradient with respect to
 * the layer's output h_t; the incoming state is a constant (no gradient flows into it).
 * dinp (N, C) set; dw_ih, dw_hh, db_ih, db_hh added. Scratch: dgates (N, G), dh_next and
 * dc_next (B, H), hprev (N, H; only for a plan that is not full, NULL otherwise). The
 * weight gradients and dinp are GEMMs over all rows after the time loop; with inp NULL,
 * dw_ih and dinp are left to the caller (which reads dgates). */
void lstmsent__lstm_backward(float *dinp, float *dw_ih, float *dw_hh, float *db_ih,
                             float *db_hh, float *dgates, float *dh_next, float *dc_next,
                             float *wpack, float *hprev,
                             const float *dout, const float *gates, const float *hs,
                             const float *cs, const float *tanh_c, const float *inp,
                             const float *w_ih, const float *w_hh,
                             const lstmsent__seq_plan *plan, int C, int H);

/* ---- simd.c: element-wise loops with runtime CPU dispatch ----------------------------- */

enum { LSTMSENT__SIMD_SCALAR = 0, LSTMSENT__SIMD_AVX2 = 1, LSTMSENT__SIMD_AVX512 = 2 };
/* The level in use: the best the CPU has, or lower through LSTMSENT_SIMD. */
int lstmsent__simd_level(void);
/* Tests: use level want (clamped to what the CPU has; < 0 for the best); returns the
 * level now in use. Not thread-safe. */
int lstmsent__simd_set_level(int want);

/* The LSTM cell of one step for B rows: gt (B, G) holds the pre-activations and gets the
 * activated i, f, g, o; c = f c_prev + i g, tanh_c = tanh(c), h = o tanh(c), each (B, H).
 * c_prev NULL means a zero state; c may be c_prev; tanh_c may be NULL (evaluation keeps
 * nothing). */
void lstmsent__lstm_cell_forward(float *gt, const float *c_prev, float *c, float *tanh_c,
                                 float *h, int B, int H);

/* The cell's backward for one step of B rows (the loop of lstmsent__lstm_backward):
 * dg (B, G) set from the activated gates gt (B, G), c_prev, tanh_c, the output's gradient
 * dh_t and the gradients from step t+1 dh_next, dc_next (B, H); dc_next is updated to
 * the gradient for step t-1. Every level gives the same bits. */
void lstmsent__lstm_cell_backward(float *dg, const float *gt, const float *c_prev,
                                  const float *tanh_c, const float *dh_t, float *dh_next,
                                  float *dc_next, int B, int H);

/* The sum of x[i]^2 in double (16 partial sums, the same bits on every level). */
double lstmsent__sumsq(const float *x, size_t n);

/* Adam's constants for one step, as floats (optim.c computes them in double). */
typedef struct lstmsent__adam_consts {
    float beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay, step_size, bc2_sqrt,
        eps;
} lstmsent__adam_consts;
/* One Adam update of n parameters p with gradients grad and moments m, v (see optim.c). */
void lstmsent__adam_update(float *p, const float *grad, float *m, float *v, size_t n,
                           const lstmsent__adam_consts *k);

#endif /* LSTMSENT_KERNELS_H */
