/*
 * Numeric gradient check of the model on a tiny config (V=50, E=8, H=6, O=5, B=3, T=5,
 * a nonzero incoming state), dropout off and on with fixed masks, both heads, both
 * poolings, one to three layers.
 *
 * The test carries its own forward of the model in double precision (ref_loss below), an
 * independent transcription of PyTorch's equations. Central differences of that function
 * (step 1e-5, errors ~1e-10) give the gradient of every parameter, which the C backward must
 * match to 1e-4 (max |c - numeric| / max |numeric| per tensor); the C forward's loss must
 * match the reference's, so both compute the same function. Dropout masks are read from the
 * C model's last forward and applied in the reference. A second check perturbs the C
 * model's own float parameters (masks frozen) for a sample of entries, with tolerances
 * that suit float.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tap_main.h"

enum { V = 50, E = 8, H = 6, O = 5, B = 3, T = 5, MAXL = 3 };

typedef struct gc_case {
    const char *name;
    int layers;
    lstmsent_head head;
    lstmsent_pooling pooling;
    int64_t padding_idx;
    int dropout;
} gc_case;

static const gc_case cases[] = {
    {"sigmoid/last-step", 2, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, -1, 0},
    {"sigmoid/last-step/dropout", 2, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, -1, 1},
    {"sigmoid/last-token", 2, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_TOKEN, 0, 0},
    {"sigmoid/last-token/dropout", 2, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_TOKEN, 0, 1},
    {"logits/last-step", 2, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_STEP, -1, 0},
    {"logits/last-step/dropout", 2, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_STEP, 0, 1},
    {"logits/last-token", 2, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, -1, 0},
    {"logits/last-token/dropout", 2, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 0, 1},
    {"one layer/dropout", 1, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, -1, 1},
    {"three layers/dropout", 3, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, -1, 1},
};

/* The inputs: ids with right padding (0), a repeated id, the last row of the table. */
static const int32_t ids[B * T] = {
    7, 49, 12, 30, 3,
    30, 8, 41, 0, 0,
    19, 0, 0, 0, 0,
};
static const int32_t lengths[B] = {5, 3, 1};
static const int32_t labels[B] = {2, 0, 4};

/* Everything the reference needs besides the parameters. */
typedef struct ref_setup {
    int L;
    lstmsent_head head;
    lstmsent_pooling pooling;
    size_t off[1 + 4 * MAXL + 2];   // offset of each tensor in the flat buffer
    const double *h0, *c0;          // (L, B, H)
    const float *lstm_mask[MAXL];   // (N, H) per layer but the last, or NULL
    int64_t row[T][B];              // the mask's row of each position; -1: not run
    const float *out_mask;          // (B, H) or NULL
} ref_setup;

static double sigm(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* The model's loss in double precision, straight from PyTorch's definitions. */
static double ref_loss(const double *th, const ref_setup *s)
{
    double x[T][B][H > E ? H : E];      // the current layer's input
    double out[T][B][H];
    int C = E;
    const double *emb = th + s->off[0];
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (int e = 0; e < E; e++)
                x[t][b][e] = emb[ids[b * T + t] * E + e];
    for (int l = 0; l < s->L; l++) {
        const double *wih = th + s->off[1 + 4 * l], *whh = th + s->off[2 + 4 * l];
        const double *bih = th + s->off[3 + 4 * l], *bhh = th + s->off[4 + 4 * l];
        for (int b = 0; b < B; b++) {
            double h[H], c[H];
            for (int k = 0; k < H; k++) {
                h[k] = s->h0[(l * B + b) * H + k];
                c[k] = s->c0[(l * B + b) * H + k];
            }
            for (int t = 0; t < T; t++) {
                double z[4 * H];
                for (int j = 0; j < 4 * H; j++) {
                    double acc = bih[j] + bhh[j];
                    for (int k = 0; k < C; k++)
                        acc += wih[j * C + k] * x[t][b][k];
                    for (int k = 0; k < H; k++)
                        acc += whh[j * H + k] * h[k];
                    z[j] = acc;
                }
                for (int k = 0; k < H; k++) {
                    double i = sigm(z[k]), f = sigm(z[H + k]), g = tanh(z[2 * H + k]),
                           o = sigm(z[3 * H + k]);
                    c[k] = f * c[k] + i * g;
                    h[k] = o * tanh(c[k]);
                    out[t][b][k] = h[k];
                }
            }
        }
        for (int t = 0; t < T; t++)
            for (int b = 0; b < B; b++)
                for (int k = 0; k < H; k++) {
                    /* A step a row did not run cannot reach the loss: any mask will do. */
                    double m = s->lstm_mask[l] && s->row[t][b] >= 0
                                   ? s->lstm_mask[l][s->row[t][b] * H + k]
                                   : 1.0;
                    x[t][b][k] = out[t][b][k] * (l < s->L - 1 ? m : 1.0);
                }
        C = H;
    }
    const double *fw = th + s->off[1 + 4 * s->L], *fb = th + s->off[2 + 4 * s->L];
    double total = 0.0;
    for (int b = 0; b < B; b++) {
        int t = T - 1;
        if (s->pooling == LSTMSENT_POOL_LAST_TOKEN)
            t = lengths[b] > 0 ? lengths[b] - 1 : 0;
        double y[O], zmax = -INFINITY, sum = 0.0;
        for (int o = 0; o < O; o++) {
            double acc = fb[o];
            for (int k = 0; k < H; k++)
                acc += fw[o * H + k] * x[t][b][k] * (s->out_mask ? s->out_mask[b * H + k] : 1.0);
            y[o] = s->head == LSTMSENT_HEAD_SIGMOID ? sigm(acc) : acc;
            zmax = y[o] > zmax ? y[o] : zmax;
        }
        for (int o = 0; o < O; o++)
            sum += exp(y[o] - zmax);
        if (s->head == LSTMSENT_HEAD_SIGMOID)
            total += -log(exp(y[labels[b]] - zmax) / sum + 1e-10);
        else
            total += log(sum) + zmax - y[labels[b]];
    }
    return total / B;
}

/* A model for the case with its state, trained-mode forward + loss + backward done. */
typedef struct gc_run {
    lstmsent_model *net;
    lstmsent_hidden *h;
    double h0[MAXL * B * H], c0[MAXL * B * H];
    float loss;
} gc_run;

static void run_setup(gc_run *r, const gc_case *c)
{
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, V - 1);
    mo.embed_dim = E;
    mo.hidden_dim = H;
    mo.num_layers = c->layers;
    mo.output_size = O;
    mo.head = c->head;
    mo.pooling = c->pooling;
    mo.padding_idx = c->padding_idx;
    mo.seed = 99;
    if (!c->dropout) {
        mo.lstm_dropout = 0.0f;
        mo.output_dropout = 0.0f;
    }
    ck_assert_int_eq(lstmsent_model_create(&r->net, &mo), LSTMSENT_OK);
    /* Larger than the default U(-0.41, 0.41) for the LSTM, so the gates leave their
     * linear middle and every term of the backward matters. */
    size_t n;
    float *p = lstmsent__model_params(r->net, &n);
    lstmsent__rng rng;
    lstmsent__rng_seed(&rng, 5);
    size_t emb = (size_t)V * E;
    for (size_t i = emb; i < n; i++)
        p[i] = (float)(2.0 * lstmsent__rng_double(&rng) - 1.0);
    ck_assert_int_eq(lstmsent_model_init_hidden(r->net, B, &r->h), LSTMSENT_OK);
    float *hh = lstmsent_hidden_h(r->h), *hc = lstmsent_hidden_c(r->h);
    for (int i = 0; i < c->layers * B * H; i++) {
        hh[i] = (float)(lstmsent__rng_double(&rng) - 0.5);
        hc[i] = (float)(2.0 * lstmsent__rng_double(&rng) - 1.0);
        r->h0[i] = hh[i];
        r->c0[i] = hc[i];
    }
    lstmsent__model_freeze_dropout(r->net, 1);
    float out[B * O];
    ck_assert_int_eq(lstmsent_model_forward(r->net, ids, B, T, lengths, r->h, out, B * O, NULL),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_loss(r->net, labels, B, &r->loss, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_backward(r->net), LSTMSENT_OK);
}

static void fill_setup(ref_setup *s, const gc_run *r, const gc_case *c)
{
    memset(s, 0, sizeof *s);
    s->L = c->layers;
    s->head = c->head;
    s->pooling = c->pooling;
    size_t np = lstmsent_model_param_count(r->net), off = 0;
    for (size_t i = 0; i < np; i++) {
        size_t n;
        lstmsent_model_param_info(r->net, i, NULL, NULL, NULL, &n);
        s->off[i] = off;
        off += n;
    }
    s->h0 = r->h0;
    s->c0 = r->c0;
    for (int l = 0; l < c->layers - 1; l++)
        s->lstm_mask[l] = lstmsent__model_dropout_mask(r->net, l, NULL);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            s->row[t][b] = lstmsent__model_packed_row(r->net, t, b);
    s->out_mask = lstmsent__model_dropout_mask(r->net, c->layers - 1, NULL);
    if (c->dropout) {
        for (int l = 0; l < c->layers - 1; l++)
            ck_assert_ptr_nonnull(s->lstm_mask[l]);
        ck_assert_ptr_nonnull(s->out_mask);
    }
}

START_TEST(test_gradients_match_central_differences)
{
    const gc_case *c = &cases[_i];
    gc_run r;
    run_setup(&r, c);
    ref_setup s;
    fill_setup(&s, &r, c);

    size_t n;
    float *p = lstmsent__model_params(r.net, &n);
    const float *g = lstmsent__model_grads(r.net, &n);
    double *th = malloc(n * sizeof *th), *num = malloc(n * sizeof *num);
    ck_assert_ptr_nonnull(th);
    ck_assert_ptr_nonnull(num);
    for (size_t i = 0; i < n; i++)
        th[i] = p[i];

    double f0 = ref_loss(th, &s);
    ck_assert_msg(fabs(f0 - r.loss) <= 1e-5 * fabs(f0), "%s: loss C %.9g, reference %.9g",
                  c->name, (double)r.loss, f0);

    const double step = 1e-5;
    for (size_t i = 0; i < n; i++) {
        double keep = th[i];
        th[i] = keep + step;
        double fp = ref_loss(th, &s);
        th[i] = keep - step;
        double fm = ref_loss(th, &s);
        th[i] = keep;
        num[i] = (fp - fm) / (2.0 * step);
    }
    /* PyTorch's padding_idx: that row gets no gradient, whatever the calculus says. */
    if (c->padding_idx >= 0) {
        for (int e = 0; e < E; e++) {
            ck_assert(g[c->padding_idx * E + e] == 0.0f);
            num[c->padding_idx * E + e] = 0.0;
        }
    }

    size_t np = lstmsent_model_param_count(r.net);
    double worst = 0.0;
    for (size_t t = 0; t < np; t++) {
        const char *name;
        size_t cnt;
        lstmsent_model_param_info(r.net, t, &name, NULL, NULL, &cnt);
        double diff = 0.0, scale = 0.0;
        for (size_t k = s.off[t]; k < s.off[t] + cnt; k++) {
            diff = fmax(diff, fabs(g[k] - num[k]));
            scale = fmax(scale, fabs(num[k]));
        }
        ck_assert_msg(scale > 0.0, "%s: %s has no gradient at all", c->name, name);
        ck_assert_msg(diff / scale <= 1e-4, "%s: %s: max |c - numeric| / max |numeric| = %.3g",
                      c->name, name, diff / scale);
        worst = fmax(worst, diff / scale);
    }
    /* GRADCHECK_VERBOSE=1 prints what was reached (the numbers in docs/model.md). */
    if (getenv("GRADCHECK_VERBOSE") != NULL)
        fprintf(stderr, "gradcheck %-28s loss |C - ref| / ref %.1e, worst tensor %.1e\n",
                c->name, fabs(f0 - r.loss) / fabs(f0), worst);
    free(th);
    free(num);
    lstmsent_hidden_free(r.h);
    lstmsent_model_free(r.net);
}
END_TEST

static float c_loss(lstmsent_model *net, const lstmsent_hidden *h)
{
    float out[B * O], loss;
    ck_assert_int_eq(lstmsent_model_forward(net, ids, B, T, lengths, h, out, B * O, NULL),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_loss(net, labels, B, &loss, NULL), LSTMSENT_OK);
    return loss;
}

START_TEST(test_float_differences_through_the_c_model)
{
    /* The C forward itself, perturbed in float with the masks frozen: a step of 1e-2
     * and a tolerance of 2e-3 absolute plus 2% suit float's 1e-7 relative precision. */
    const gc_case *c = &cases[_i];
    gc_run r;
    run_setup(&r, c);
    size_t n;
    float *p = lstmsent__model_params(r.net, &n);
    const float *g = lstmsent__model_grads(r.net, &n);
    double gmax = 0.0;
    for (size_t i = 0; i < n; i++)
        gmax = fmax(gmax, fabs(g[i]));
    lstmsent__rng rng;
    lstmsent__rng_seed(&rng, 17);
    const float step = 1e-2f;
    for (int k = 0; k < 60; k++) {
        /* Half of the samples among the embedding rows the ids use, half elsewhere. */
        size_t i = k % 2 == 0 ? (size_t)ids[lstmsent__rng_below(&rng, B * T)] * E +
                                    lstmsent__rng_below(&rng, E)
                              : (size_t)V * E + lstmsent__rng_below(&rng, n - (size_t)V * E);
        float keep = p[i];
        p[i] = keep + step;
        double fp = c_loss(r.net, r.h);
        p[i] = keep - step;
        double fm = c_loss(r.net, r.h);
        p[i] = keep;
        double numeric = (fp - fm) / (2.0 * (double)step);
        if (c->padding_idx >= 0 && i / E == (size_t)c->padding_idx)
            numeric = 0.0;
        ck_assert_msg(fabs(numeric - g[i]) <= 2e-3 * gmax + 0.02 * fabs(numeric),
                      "%s: param %zu: numeric %.6g, backward %.6g", c->name, i, numeric,
                      (double)g[i]);
    }
    /* Frozen masks: the same loss as the first forward. */
    ck_assert_float_eq_tol(c_loss(r.net, r.h), r.loss, 1e-6f);
    lstmsent_hidden_free(r.h);
    lstmsent_model_free(r.net);
}
END_TEST

START_TEST(test_reference_gemm_gives_the_same_gradients)
{
    /* BLAS and the reference loop agree to float rounding on the whole backward. */
    const gc_case *c = &cases[1];
    gc_run a, b;
    run_setup(&a, c);
    lstmsent__gemm_use_reference(1);
    run_setup(&b, c);
    lstmsent__gemm_use_reference(0);
    size_t n;
    const float *ga = lstmsent__model_grads(a.net, &n), *gb = lstmsent__model_grads(b.net, &n);
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs(ga[i] - gb[i]));
        scale = fmax(scale, fabs(ga[i]));
    }
    ck_assert_double_le(diff / scale, 1e-5);
    lstmsent_hidden_free(a.h);
    lstmsent_model_free(a.net);
    lstmsent_hidden_free(b.h);
    lstmsent_model_free(b.net);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("gradcheck");
    TCase *tc = tcase_create("tiny");
    int n = (int)(sizeof cases / sizeof cases[0]);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_gradients_match_central_differences, 0, n);
    tcase_add_loop_test(tc, test_float_differences_through_the_c_model, 0, n);
    tcase_add_test(tc, test_reference_gemm_gives_the_same_gradients);
    suite_add_tcase(s, tc);
    return s;
}
