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

int lstmsent__all_zero(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0.0f)
            return 0;
    return 1;
}

/* The time loops over the plan's parts (lstmsent__seq_plan): each row's recurrence is
 * independent of the others, so each thread takes one part, a set of batch positions, and
 * runs all steps on it without meeting the others; every row gets the same arithmetic for
 * any split. At step t a part runs the first cnt of its positions, whose rows lie together
 * in step t's block of the packed layout, in position order. */
typedef struct time_job {
    const lstmsent__seq_plan *plan;
    float *gates, *hs, *cs, *tanh_c, *wpack, *dgates, *dh_next, *dc_next;
    const float *w_hh, *dout, *cgates, *ccs, *ctanh_c;
    int H, h0_zero, c0_zero, packed;
} time_job;

/* Part p's rows at step t: the first packed row and the count; *prev gets the row (in
 * hs / cs, whose first B rows are the incoming state by position) of their h_{t-1}. */
static int step_rows(const lstmsent__seq_plan *pl, int t, int p, size_t *row, size_t *prev)
{
    const int P = pl->parts;
    *row = (size_t)pl->B + (size_t)pl->at[(size_t)t * P + p];
    *prev = t == 0 ? (size_t)pl->base[p] : (size_t)pl->B + (size_t)pl->at[(size_t)(t - 1) * P + p];
    return pl->cnt[(size_t)t * P + p];
}

static void forward_rows(void *ctx, int part, int parts)
{
    (void)parts;
    const time_job *j = ctx;
    const lstmsent__seq_plan *pl = j->plan;
    const int H = j->H, G = 4 * H, B = pl->B;
    for (int t = 0; t < pl->T; t++) {
        size_t row, prev;
        const int R = step_rows(pl, t, part, &row, &prev);
        if (R == 0)
            break;   // a part's counts never grow
        float *gt = j->gates + (row - B) * G;               // (R, G)
        const float *h_prev = j->hs + prev * H, *c_prev = j->cs + prev * H;
        float *h = j->hs + row * H, *c = j->cs + row * H;   // (R, H)
        float *tc = j->tanh_c != NULL ? j->tanh_c + (row - B) * H : NULL;
        if (t > 0 || !j->h0_zero) {
            if (j->packed)
                lstmsent__gemm_panels(R, G, H, h_prev, H, j->wpack, 1, gt, G);
            else
                lstmsent__gemm(0, 1, R, G, H, 1.0f, h_prev, H, j->w_hh, H, 1.0f, gt, G);
        }
        lstmsent__lstm_cell_forward(gt, t == 0 && j->c0_zero ? NULL : c_prev, c, tc, h, R, H);
    }
}

static void backward_rows(void *ctx, int part, int parts)
{
    (void)parts;
    const time_job *j = ctx;
    const lstmsent__seq_plan *pl = j->plan;
    const int H = j->H, G = 4 * H, B = pl->B;
    const int r0 = pl->base[part], R0 = pl->base[part + 1] - r0;
    float *dh_next = j->dh_next + (size_t)r0 * H;   // (R0, H) by position
    float *dc_next = j->dc_next + (size_t)r0 * H;
    /* Nothing flows back from beyond a row's last step: the loss reads only the outputs. */
    memset(dh_next, 0, (size_t)R0 * H * sizeof(float));
    memset(dc_next, 0, (size_t)R0 * H * sizeof(float));
    for (int t = pl->T - 1; t >= 0; t--) {
        size_t row, prev;
        const int R = step_rows(pl, t, part, &row, &prev);
        if (R == 0)
            continue;
        const float *gt = j->cgates + (row - B) * G;        // (R, G)
        const float *c_prev = j->ccs + prev * H;            // (R, H)
        const float *tc = j->ctanh_c + (row - B) * H;       // (R, H)
        const float *dh_t = j->dout + (row - B) * H;        // (R, H)
        float *dg = j->dgates + (row - B) * G;              // (R, G)

        lstmsent__lstm_cell_backward(dg, gt, c_prev, tc, dh_t, dh_next, dc_next, R, H);
        /* The incoming state is a constant (the tutorial detaches it): no dh for t = 0. */
        if (t > 0 && j->packed)
            lstmsent__gemm_panels(R, H, G, dg, G, j->wpack, 0, dh_next, H);
        else if (t > 0)
            lstmsent__gemm(0, 0, R, H, G, 1.0f, dg, G, j->w_hh, H, 0.0f, dh_next, H);
    }
}

void lstmsent__lstm_forward(float *gates, float *hs, float *cs, float *tanh_c, float *wpack,
                            const float *inp, const float *w_ih, const float *w_hh,
                            const float *b_ih, const float *b_hh,
                            const lstmsent__seq_plan *plan, int C, int H)
{
    // gates (N, G), hs (B + N, H), cs (B + N, H), tanh_c (N, H), inp (N, C)
    // w_ih (G, C), w_hh (G, H), b_ih (G), b_hh (G)
    const int G = 4 * H, B = plan->B;
    const size_t N = (size_t)plan->off[plan->T], M = (size_t)plan->rows, BH = (size_t)B * H;

    /* Both biases first, then the input projection of every row of every step at once
     * (over M >= N rows); without inp the caller has put both there already. */
    if (inp != NULL) {
        for (size_t r = 0; r < M; r++) {
            float *row = gates + r * G;
            for (int j = 0; j < G; j++)
                row[j] = b_ih[j] + b_hh[j];
        }
        lstmsent__gemm(0, 1, (int)M, G, C, 1.0f, inp, C, w_ih, C, 1.0f, gates, G);
    }
    /* The output's rows past N are the next layer's input there: zero. */
    memset(hs + BH + N * H, 0, (M - N) * H * sizeof(float));

    /* A zero incoming state (every epoch's first batch, every evaluation batch) adds
     * nothing at t = 0: skip that product. */
    time_job job = {
        .plan = plan, .gates = gates, .hs = hs, .cs = cs, .tanh_c = tanh_c, .wpack = wpack,
        .w_hh = w_hh, .H = H,
        .h0_zero = lstmsent__all_zero(hs, BH), .c0_zero = lstmsent__all_zero(cs, BH),
        .packed = plan->packed,
    };
    if (job.packed)
        lstmsent__gemm_pack_panels(wpack, 1, H, G, w_hh, H);   // W_hh^T (H, G)
    lstmsent__parallel(forward_rows, &job, plan->parts);
}

void lstmsent__lstm_backward(float *dinp, float *dw_ih, float *dw_hh, float *db_ih,
                             float *db_hh, float *dgates, float *dh_next, float *dc_next,
                             float *wpack, float *hprev,
                             const float *dout, const float *gates, const float *hs,
                             const float *cs, const float *tanh_c, const float *inp,
                             const float *w_ih, const float *w_hh,
                             const lstmsent__seq_plan *plan, int C, int H)
{
    // dinp (N, C), dw_ih (G, C), dw_hh (G, H), db_ih (G), db_hh (G)
    // dgates (N, G), dh_next (B, H), dc_next (B, H), hprev (N, H): scratch
    // dout (N, H), gates (N, G), hs (B + N, H), cs (B + N, H), tanh_c (N, H)
    // inp (N, C), w_ih (G, C), w_hh (G, H)
    const int G = 4 * H, N = plan->off[plan->T], M = plan->rows;
    /* The products run over M >= N rows: those past N add nothing. */
    memset(dgates + (size_t)N * G, 0, (size_t)(M - N) * G * sizeof(float));

    time_job job = {
        .plan = plan, .wpack = wpack, .dgates = dgates, .dh_next = dh_next,
        .dc_next = dc_next, .w_hh = w_hh, .dout = dout, .cgates = gates, .ccs = cs,
        .ctanh_c = tanh_c, .H = H, .packed = plan->packed,
    };
    if (job.packed)
        lstmsent__gemm_pack_panels(wpack, 0, G, H, w_hh, H);   // W_hh (G, H)
    lstmsent__parallel(backward_rows, &job, plan->parts);

    /* Over all rows of all steps at once: dW_hh += dgates^T h_{t-1}, dW_ih += dgates^T x_t,
     * dinp = dgates W_ih; both biases get the column sums of dgates. Each row's h_{t-1}
     * is the row before it in time: in a full plan the rows of hs line up with dgates
     * shifted by one step; in a shrinking one they are gathered into hprev first. */
    const float *hp = hs;
    if (!plan->full) {
        memset(hprev + (size_t)N * H, 0, (size_t)(M - N) * H * sizeof(float));
        for (int t = 0; t < plan->T; t++) {
            for (int p = 0; p < plan->parts; p++) {
                size_t row, prev;
                const int R = step_rows(plan, t, p, &row, &prev);
                memcpy(hprev + (row - (size_t)plan->B) * H, hs + prev * H,
                       (size_t)R * H * sizeof(float));
            }
        }
        hp = hprev;
    }
    lstmsent__gemm(1, 0, G, H, M, 1.0f, dgates, G, hp, H, 1.0f, dw_hh, H);
    if (inp != NULL) {
        lstmsent__gemm(1, 0, G, C, M, 1.0f, dgates, G, inp, C, 1.0f, dw_ih, C);
        lstmsent__gemm(0, 0, M, C, G, 1.0f, dgates, G, w_ih, C, 0.0f, dinp, C);
    }
    for (int r = 0; r < N; r++) {
        const float *row = dgates + (size_t)r * G;
        for (int j = 0; j < G; j++) {
            db_ih[j] += row[j];
            db_hh[j] += row[j];
        }
    }
}

/* ---- evaluation: every layer, step by step ----------------------------------------------
 * No backward follows, so nothing of size T is kept: each part (thread) takes its rows
 * through all T steps, and at each step through all L layers, with every buffer it touches
 * (the gates of its rows, each layer's [x_t | h_{t-1}] and c) small enough to stay in
 * cache. A layer above the first gets its gates from ONE product per step,
 * [x_t | h_{t-1}] (R, C + H) times [W_ih | W_hh]^T packed as (C + H, G), instead of a
 * (T, B, G) buffer of input projections written by one product and read back by another.
 * The plan (kernels.h) lets a block of rows join at a later step, from other rows' states. */
typedef struct eval_job {
    const lstmsent__eval_layer *layers;
    const lstmsent__eval_plan *plan;
    const float *proj;
    const int32_t *slot, *pool_t;
    float *gates, *hbuf, *pooled, *state_h, *state_c;
    int L, H, ids_rows, T, state_zero, packed;
} eval_job;

/* Row q (a position of the plan) takes row `from`'s state in every layer: h and c. */
static void take_state(const eval_job *j, int q, int from)
{
    const size_t row = (size_t)j->H * sizeof(float);
    for (int l = 0; l < j->L; l++) {
        const lstmsent__eval_layer *y = &j->layers[l];
        const size_t K = (size_t)y->C + j->H;
        float *h = y->xh + (size_t)q * K + y->C, *c = y->c + (size_t)q * j->H;
        if (from < 0) {
            memset(h, 0, row);
            memset(c, 0, row);
        } else {
            memcpy(h, y->xh + (size_t)from * K + y->C, row);
            memcpy(c, y->c + (size_t)from * j->H, row);
        }
    }
}

static void eval_rows(void *ctx, int part, int parts)
{
    (void)parts;
    const eval_job *j = ctx;
    const lstmsent__eval_plan *pl = j->plan;
    const int H = j->H, G = 4 * H, L = j->L;
    const int r0 = pl->base[part], r1 = pl->base[part + 1];
    if (r1 <= r0)
        return;
    float *g = j->gates + (size_t)r0 * G, *hb = j->hbuf + (size_t)r0 * H;
    int R = 0;        // rows running: r0 .. r0 + R
    int lim = r1;     // positions from lim on have run all their steps
    for (int t = 0; t < j->T; t++) {
        while (lim > r0 && pl->steps[lim - 1] <= t)
            lim--;
        /* Blocks joining now take their sources' states of step t - 1 (not yet advanced);
         * at t = 0 every row starts from its incoming state, already in place. */
        while (r0 + R < lim && pl->join[(r0 + R) / 8] <= t) {
            for (int q = r0 + R; t > 0 && q < r0 + R + 8; q++)
                take_state(j, q, pl->src[q]);
            R += 8;
        }
        R = R < lim - r0 ? R : lim - r0;
        if (R == 0)
            continue;
        const int fresh = t == 0 && j->state_zero;   // h_{t-1} = c_{t-1} = 0
        for (int l = 0; l < L; l++) {
            const lstmsent__eval_layer *y = &j->layers[l];
            const int C = y->C, K = C + H;
            float *xh = y->xh + (size_t)r0 * K, *c = y->c + (size_t)r0 * H;
            if (l == 0) {
                /* Layer 0's input projection and biases, made once per distinct id. */
                for (int r = 0; r < R; r++) {
                    int b = pl->perm[r0 + r] >= 0 ? pl->perm[r0 + r] : 0;   // fillers: row 0's
                    memcpy(g + (size_t)r * G,
                           j->proj + (size_t)j->slot[(size_t)t * j->ids_rows + b] * G,
                           (size_t)G * sizeof(float));
                }
            } else {
                for (int r = 0; r < R; r++)
                    memcpy(g + (size_t)r * G, y->bias, (size_t)G * sizeof(float));
            }
            if (j->packed) {
                if (C > 0 || !fresh)
                    lstmsent__gemm_panels(R, G, K, xh, K, y->wpack, 1, g, G);
            } else {
                if (C > 0)
                    lstmsent__gemm(0, 1, R, G, C, 1.0f, xh, K, y->w_ih, C, 1.0f, g, G);
                if (!fresh)
                    lstmsent__gemm(0, 1, R, G, H, 1.0f, xh + C, K, y->w_hh, H, 1.0f, g, G);
            }
            lstmsent__lstm_cell_forward(g, fresh ? NULL : c, c, NULL, hb, R, H);
            /* h_t becomes this layer's h_{t-1} of the next step and the next layer's x_t. */
            const lstmsent__eval_layer *up = l + 1 < L ? &j->layers[l + 1] : NULL;
            for (int r = 0; r < R; r++) {
                const float *hr = hb + (size_t)r * H;
                int b = pl->perm[r0 + r];
                memcpy(xh + (size_t)r * K + C, hr, (size_t)H * sizeof(float));
                if (up != NULL)
                    memcpy(up->xh + (size_t)(r0 + r) * (up->C + H), hr, (size_t)H * sizeof(float));
                else if (b >= 0 && j->pool_t[b] == t)
                    memcpy(j->pooled + (size_t)b * H, hr, (size_t)H * sizeof(float));
            }
        }
        /* A row's state at its pooled step, before it may run on with its block. */
        for (int r = 0; j->state_h != NULL && r < R; r++) {
            int b = pl->perm[r0 + r];
            if (b < 0 || j->pool_t[b] != t)
                continue;
            for (int l = 0; l < L; l++) {
                const lstmsent__eval_layer *y = &j->layers[l];
                const size_t dst = ((size_t)l * j->ids_rows + b) * H;
                memcpy(j->state_h + dst, y->xh + (size_t)(r0 + r) * (y->C + H) + y->C,
                       (size_t)H * sizeof(float));
                memcpy(j->state_c + dst, y->c + (size_t)(r0 + r) * H, (size_t)H * sizeof(float));
            }
        }
    }
}

void lstmsent__lstm_eval(const lstmsent__eval_layer *layers, int L, int H,
                         const lstmsent__eval_plan *plan, int ids_rows, int T,
                         const float *proj, const int32_t *slot, const int32_t *pool_t,
                         float *pooled, float *gates, float *hbuf, int state_zero, int repack,
                         float *state_h, float *state_c)
{
    const int G = 4 * H;
    eval_job job = {
        .layers = layers, .plan = plan, .proj = proj, .slot = slot, .pool_t = pool_t,
        .gates = gates, .hbuf = hbuf, .pooled = pooled, .state_h = state_h,
        .state_c = state_c, .L = L, .H = H, .ids_rows = ids_rows,
        .T = T, .state_zero = state_zero, .packed = lstmsent__gemm_panels_ok(8, G),
    };
    if (job.packed && repack) {
        for (int l = 0; l < L; l++) {
            const lstmsent__eval_layer *y = &layers[l];
            const int K = y->C + H;
            if (y->C > 0)
                lstmsent__gemm_pack_panels_rows(y->wpack, K, 0, 1, y->C, G, y->w_ih, y->C);
            lstmsent__gemm_pack_panels_rows(y->wpack, K, y->C, 1, H, G, y->w_hh, H);
        }
    }
    lstmsent__parallel(eval_rows, &job, plan->parts);
}
