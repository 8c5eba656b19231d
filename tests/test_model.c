/*
 * The model's API: options and their defaults, parameters by name, initialisation laws,
 * the hidden state, every bad input with its error code and an unchanged model, the order
 * of calls, gradient accumulation, padding_idx, dropout statistics, evaluation mode as the
 * identity, determinism, pooling and clipping. Numbers against PyTorch are test_parity's,
 * derivatives test_gradcheck's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"
#include "tap_main.h"

/* A small model: V=20, E=4, H=3, L=2, O=5 unless changed; B=2, T=4 inputs. */
enum { SV = 20, SE = 4, SH = 3, SL = 2, SO = 5, SB = 2, ST = 4 };
static const int32_t s_ids[SB * ST] = {1, 5, 19, 0, 7, 7, 0, 0};
static const int32_t s_lengths[SB] = {3, 2};
static const int32_t s_labels[SB] = {1, 4};

static lstmsent_model_options small_options(void)
{
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, SV - 1);
    o.embed_dim = SE;
    o.hidden_dim = SH;
    o.num_layers = SL;
    o.output_size = SO;
    o.seed = 3;
    return o;
}

static lstmsent_model *small_model(const lstmsent_model_options *o)
{
    lstmsent_model *m = NULL;
    ck_assert_int_eq(lstmsent_model_create(&m, o), LSTMSENT_OK);
    return m;
}

/* forward + loss (+ backward) on the small inputs; returns the loss. */
static float step(lstmsent_model *m, float *out, int backward)
{
    float buf[SB * SO], loss;
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, s_lengths, NULL,
                                            out ? out : buf, SB * SO, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_loss(m, s_labels, SB, &loss, NULL), LSTMSENT_OK);
    if (backward)
        ck_assert_int_eq(lstmsent_model_backward(m), LSTMSENT_OK);
    return loss;
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* ---- options, create ----------------------------------------------------------------- */

START_TEST(test_defaults_are_the_tutorial)
{
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, 16579);
    ck_assert_int_eq(o.num_embeddings, 16580);
    ck_assert_int_eq(o.embed_dim, 400);
    ck_assert_int_eq(o.hidden_dim, 256);
    ck_assert_int_eq(o.num_layers, 2);
    ck_assert_int_eq(o.output_size, 5);
    ck_assert_float_eq(o.lstm_dropout, 0.5f);
    ck_assert_float_eq(o.output_dropout, 0.3f);
    ck_assert_int_eq(o.head, LSTMSENT_HEAD_SIGMOID);
    ck_assert_int_eq(o.pooling, LSTMSENT_POOL_LAST_STEP);
    ck_assert_int_eq(o.padding_idx, -1);
    ck_assert_uint_eq(o.seed, 0);
    ck_assert_int_eq(o.seq_len, 30);
    lstmsent_model_options_default(NULL, 3);   // no crash
}
END_TEST

START_TEST(test_bad_options)
{
    lstmsent_model *m = (lstmsent_model *)&m;
    lstmsent_model_options o = small_options();
    ck_assert_int_eq(lstmsent_model_create(NULL, &o), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_create(&m, NULL), LSTMSENT_ERR_NULL);
    ck_assert_ptr_null(m);
    lstmsent_model_options bad[15];
    for (int i = 0; i < 15; i++)
        bad[i] = o;
    bad[0].num_embeddings = 0;
    bad[1].embed_dim = 0;
    bad[2].hidden_dim = -1;
    bad[3].num_layers = 0;
    bad[4].output_size = 0;
    bad[5].lstm_dropout = -0.1f;
    bad[6].output_dropout = NAN;
    bad[7].output_dropout = 1.5f;
    bad[8].head = (lstmsent_head)7;
    bad[9].pooling = (lstmsent_pooling)-1;
    bad[10].padding_idx = SV;
    bad[11].padding_idx = -2;
    bad[12].seq_len = 0;
    bad[13].seq_len = 4097;
    bad[14].seq_len = -30;
    for (int i = 0; i < 15; i++) {
        ck_assert_int_eq(lstmsent_model_create(&m, &bad[i]), LSTMSENT_ERR_INVALID);
        ck_assert_ptr_null(m);
        ck_assert_str_ne(lstmsent_last_error(), "");
    }
    ck_assert_int_eq(lstmsent_model_create(&m, &bad[13]), LSTMSENT_ERR_INVALID);
    ck_assert_str_eq(lstmsent_last_error(), "seq_len = 4097 is not 1..4096");
    /* Both ends of the range are models. */
    o.seq_len = 1;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    lstmsent_model_free(m);
    o.seq_len = 4096;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    lstmsent_model_options got;
    lstmsent_model_get_options(m, &got);
    ck_assert_int_eq(got.seq_len, 4096);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_get_options_and_mode)
{
    lstmsent_model_options o = small_options(), back;
    o.head = LSTMSENT_HEAD_LOGITS;
    lstmsent_model *m = small_model(&o);
    ck_assert_int_eq(lstmsent_model_get_options(m, &back), LSTMSENT_OK);
    ck_assert_mem_eq(&o, &back, sizeof o);
    ck_assert_int_eq(lstmsent_model_get_options(m, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_is_training(m), 1);
    ck_assert_int_eq(lstmsent_model_set_training(m, 0), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_is_training(m), 0);
    ck_assert_int_eq(lstmsent_model_set_training(NULL, 1), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_is_training(NULL), 0);
    lstmsent_model_free(m);
    lstmsent_model_free(NULL);
    lstmsent_hidden_free(NULL);
}
END_TEST

START_TEST(test_model_ids_are_unique)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *a = small_model(&o), *b = small_model(&o);
    ck_assert_uint_ne(lstmsent__model_id(a), 0);
    ck_assert_uint_ne(lstmsent__model_id(a), lstmsent__model_id(b));
    lstmsent_model_free(a);
    lstmsent_model_free(b);
}
END_TEST

/* ---- parameters ---------------------------------------------------------------------- */

START_TEST(test_param_names_shapes_layout)
{
    lstmsent_model_options o = small_options();
    o.num_layers = 3;
    lstmsent_model *m = small_model(&o);
    const char *expect[] = {
        "embedding.weight",
        "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
        "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
        "lstm.weight_ih_l2", "lstm.weight_hh_l2", "lstm.bias_ih_l2", "lstm.bias_hh_l2",
        "fc.weight", "fc.bias",
    };
    const int64_t shapes[][2] = {
        {SV, SE}, {4 * SH, SE}, {4 * SH, SH}, {4 * SH, 1}, {4 * SH, 1},
        {4 * SH, SH}, {4 * SH, SH}, {4 * SH, 1}, {4 * SH, 1},
        {4 * SH, SH}, {4 * SH, SH}, {4 * SH, 1}, {4 * SH, 1}, {SO, SH}, {SO, 1},
    };
    ck_assert_uint_eq(lstmsent_model_param_count(m), 15);
    size_t total = 0;
    for (size_t i = 0; i < 15; i++) {
        const char *name;
        int32_t ndim;
        int64_t shape[2];
        size_t numel;
        ck_assert_int_eq(lstmsent_model_param_info(m, i, &name, &ndim, shape, &numel),
                         LSTMSENT_OK);
        ck_assert_str_eq(name, expect[i]);
        ck_assert_int_eq(shape[0], shapes[i][0]);
        ck_assert_int_eq(shape[1], shapes[i][1]);
        ck_assert_int_eq(ndim, shapes[i][1] == 1 ? 1 : 2);
        ck_assert_uint_eq(numel, (size_t)(shape[0] * shape[1]));
        /* The named tensor is the slice of the one buffer at the running offset. */
        float *v = malloc(numel * sizeof *v);
        ck_assert_int_eq(lstmsent_model_get_param(m, name, v, numel), LSTMSENT_OK);
        size_t n;
        ck_assert(same_floats(v, lstmsent__model_params(m, &n) + total, numel));
        free(v);
        total += numel;
    }
    ck_assert_uint_eq(lstmsent_model_num_floats(m), total);
    size_t n1, n2;
    lstmsent__model_params(m, &n1);
    lstmsent__model_grads(m, &n2);
    ck_assert_uint_eq(n1, total);
    ck_assert_uint_eq(n2, total);
    ck_assert_int_eq(lstmsent_model_param_info(m, 15, NULL, NULL, NULL, NULL),
                     LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_model_param_info(m, 0, NULL, NULL, NULL, NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_model_param_count(NULL), 0);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_get_set_by_name)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    float w[SO * SH], back[SO * SH];
    for (int i = 0; i < SO * SH; i++)
        w[i] = (float)i * 0.25f;
    ck_assert_int_eq(lstmsent_model_set_param(m, "fc.weight", w, SO * SH), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_get_param(m, "fc.weight", back, SO * SH), LSTMSENT_OK);
    ck_assert(same_floats(w, back, SO * SH));
    ck_assert_int_eq(lstmsent_model_set_grad(m, "fc.weight", w, SO * SH), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_get_grad(m, "fc.weight", back, SO * SH), LSTMSENT_OK);
    ck_assert(same_floats(w, back, SO * SH));

    /* Bad names and sizes fail and change nothing. */
    size_t n = lstmsent_model_num_floats(m);
    float *before = malloc(n * sizeof *before);
    memcpy(before, lstmsent__model_params(m, &n), n * sizeof *before);
    ck_assert_int_eq(lstmsent_model_set_param(m, "fc.weights", w, SO * SH),
                     LSTMSENT_ERR_NO_PARAM);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "fc.weights"));
    ck_assert_int_eq(lstmsent_model_set_param(m, "lstm.weight_ih_l2", w, SO * SH),
                     LSTMSENT_ERR_NO_PARAM);
    ck_assert_int_eq(lstmsent_model_get_param(m, "", back, SO * SH), LSTMSENT_ERR_NO_PARAM);
    ck_assert_int_eq(lstmsent_model_set_param(m, "fc.weight", w, SO * SH - 1),
                     LSTMSENT_ERR_BUFFER);
    ck_assert_int_eq(lstmsent_model_set_param(m, "fc.weight", w, SO * SH + 1),
                     LSTMSENT_ERR_BUFFER);
    ck_assert_int_eq(lstmsent_model_get_grad(m, "fc.bias", back, SO * SH), LSTMSENT_ERR_BUFFER);
    ck_assert_int_eq(lstmsent_model_set_grad(m, "nope", w, 1), LSTMSENT_ERR_NO_PARAM);
    ck_assert_int_eq(lstmsent_model_set_param(m, NULL, w, 1), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_set_param(m, "fc.bias", NULL, SO), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_get_param(NULL, "fc.bias", back, SO), LSTMSENT_ERR_NULL);
    ck_assert(same_floats(before, lstmsent__model_params(m, &n), n));
    free(before);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_init_distributions)
{
    /* E = 400 rows of N(0, 1) and U(-1/sqrt(H), 1/sqrt(H)) elsewhere, H = 64. */
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, 999);
    o.hidden_dim = 64;
    o.padding_idx = 0;
    o.seed = 11;
    lstmsent_model *m = small_model(&o);
    size_t n, ne = 1000 * 400;
    const float *p = lstmsent__model_params(m, &n);
    double sum = 0, sq = 0;
    for (size_t i = 400; i < ne; i++) {
        sum += p[i];
        sq += (double)p[i] * p[i];
    }
    double cnt = (double)(ne - 400), mean = sum / cnt, var = sq / cnt - mean * mean;
    ck_assert_double_lt(fabs(mean), 0.02);
    ck_assert_double_lt(fabs(var - 1.0), 0.03);
    int nonzero = 0;
    for (int e = 0; e < 400; e++)
        nonzero += p[e] != 0.0f;   // the padding_idx row
    ck_assert_int_eq(nonzero, 0);
    double bound = 1.0 / 8.0, maxabs = 0, usum = 0, usq = 0;
    for (size_t i = ne; i < n; i++) {
        maxabs = fmax(maxabs, fabs(p[i]));
        usum += p[i];
        usq += (double)p[i] * p[i];
    }
    double un = (double)(n - ne);
    ck_assert_double_le(maxabs, bound);
    ck_assert_double_gt(maxabs, 0.99 * bound);
    ck_assert_double_lt(fabs(usum / un), 0.01 * bound);
    ck_assert_double_lt(fabs(usq / un - bound * bound / 3.0), 0.02 * bound * bound);
    /* The same seed gives the same weights; another seed others. */
    lstmsent_model *same = small_model(&o);
    ck_assert(same_floats(p, lstmsent__model_params(same, &n), n));
    o.seed = 12;
    lstmsent_model *other = small_model(&o);
    ck_assert(!same_floats(p, lstmsent__model_params(other, &n), n));
    lstmsent_model_free(m);
    lstmsent_model_free(same);
    lstmsent_model_free(other);
}
END_TEST

/* ---- hidden state -------------------------------------------------------------------- */

START_TEST(test_hidden)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    lstmsent_hidden *h = NULL;
    ck_assert_int_eq(lstmsent_model_init_hidden(m, 7, &h), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_hidden_num_layers(h), SL);
    ck_assert_int_eq(lstmsent_hidden_batch(h), 7);
    ck_assert_int_eq(lstmsent_hidden_dim(h), SH);
    for (int i = 0; i < SL * 7 * SH; i++) {
        ck_assert(lstmsent_hidden_h(h)[i] == 0.0f);
        ck_assert(lstmsent_hidden_c(h)[i] == 0.0f);
    }
    lstmsent_hidden_free(h);
    ck_assert_int_eq(lstmsent_model_init_hidden(m, 0, &h), LSTMSENT_ERR_INVALID);
    ck_assert_ptr_null(h);
    ck_assert_int_eq(lstmsent_model_init_hidden(NULL, 1, &h), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_hidden_create(&h, 1, 1, 0), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_hidden_create(NULL, 1, 1, 1), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_hidden_batch(NULL), 0);
    ck_assert_ptr_null(lstmsent_hidden_h(NULL));
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_hidden_out_may_be_hidden_in)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    lstmsent_model_set_training(m, 0);
    lstmsent_hidden *a, *b, *out;
    lstmsent_model_init_hidden(m, SB, &a);
    lstmsent_model_init_hidden(m, SB, &b);
    lstmsent_model_init_hidden(m, SB, &out);
    for (int i = 0; i < SL * SB * SH; i++) {
        lstmsent_hidden_h(a)[i] = lstmsent_hidden_h(b)[i] = 0.1f * (float)i;
        lstmsent_hidden_c(a)[i] = lstmsent_hidden_c(b)[i] = -0.05f * (float)i;
    }
    float y1[SB * SO], y2[SB * SO];
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, NULL, a, y1, SB * SO, a),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, NULL, b, y2, SB * SO, out),
                     LSTMSENT_OK);
    ck_assert(same_floats(y1, y2, SB * SO));
    ck_assert(same_floats(lstmsent_hidden_h(a), lstmsent_hidden_h(out), SL * SB * SH));
    ck_assert(same_floats(lstmsent_hidden_c(a), lstmsent_hidden_c(out), SL * SB * SH));
    /* The state moved, and NULL hidden_in means zeros. */
    ck_assert(!same_floats(lstmsent_hidden_h(a), lstmsent_hidden_h(b), SL * SB * SH));
    lstmsent_hidden *zero;
    lstmsent_model_init_hidden(m, SB, &zero);
    lstmsent_model_forward(m, s_ids, SB, ST, NULL, zero, y1, SB * SO, NULL);
    lstmsent_model_forward(m, s_ids, SB, ST, NULL, NULL, y2, SB * SO, NULL);
    ck_assert(same_floats(y1, y2, SB * SO));
    lstmsent_hidden_free(a);
    lstmsent_hidden_free(b);
    lstmsent_hidden_free(out);
    lstmsent_hidden_free(zero);
    lstmsent_model_free(m);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------------- */

/* A model after a good training step: the snapshot of parameters, gradients and
 * outputs a failed call must leave as they were. */
typedef struct snapshot {
    float *params, *grads;
    size_t n;
} snapshot;

static void take(snapshot *s, lstmsent_model *m)
{
    const float *p = lstmsent__model_params(m, &s->n);
    s->params = malloc(s->n * sizeof(float));
    s->grads = malloc(s->n * sizeof(float));
    memcpy(s->params, p, s->n * sizeof(float));
    memcpy(s->grads, lstmsent__model_grads(m, &s->n), s->n * sizeof(float));
}

static void same_as(const snapshot *s, lstmsent_model *m)
{
    size_t n;
    ck_assert(same_floats(s->params, lstmsent__model_params(m, &n), s->n));
    ck_assert(same_floats(s->grads, lstmsent__model_grads(m, &n), s->n));
}

START_TEST(test_forward_bad_input)
{
    lstmsent_model_options o = small_options();
    o.pooling = LSTMSENT_POOL_LAST_TOKEN;
    lstmsent_model *m = small_model(&o), *twin = small_model(&o);
    /* After a good forward + loss, every bad forward must leave the model able to run
     * backward on that step, with the dropout stream untouched (compare with a twin). */
    step(m, NULL, 0);
    step(twin, NULL, 0);
    snapshot snap;
    take(&snap, m);
    float y[SB * SO];
    int32_t ids[SB * ST];
    memcpy(ids, s_ids, sizeof ids);

    ids[1 * ST + 2] = SV;
    ck_assert_int_eq(lstmsent_model_forward(m, ids, SB, ST, s_lengths, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_TOKEN);
    ck_assert_str_eq(lstmsent_last_error(),
                     "forward: ids[1][2] = 20 is outside the embedding's 0..19");
    ids[1 * ST + 2] = -1;
    ck_assert_int_eq(lstmsent_model_forward(m, ids, SB, ST, s_lengths, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_TOKEN);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "ids[1][2] = -1"));
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, 0, ST, s_lengths, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, 0, s_lengths, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, -1, ST, s_lengths, NULL, y, 0, NULL),
                     LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, s_lengths, NULL, y,
                                            SB * SO - 1, NULL), LSTMSENT_ERR_BUFFER);
    ck_assert_int_eq(lstmsent_model_forward(m, NULL, SB, ST, s_lengths, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, s_lengths, NULL, NULL, SB * SO,
                                            NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_forward(NULL, s_ids, SB, ST, s_lengths, NULL, y, SB * SO,
                                            NULL), LSTMSENT_ERR_NULL);
    /* lengths: needed for last-token pooling, each in 0..T. */
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, NULL, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_NULL);
    int32_t lens[SB] = {3, ST + 1};
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, lens, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_INVALID);
    lens[1] = -1;
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, lens, NULL, y, SB * SO, NULL),
                     LSTMSENT_ERR_INVALID);
    /* Hidden states of the wrong shape, coming in or going out. */
    lstmsent_hidden *bad[3];
    lstmsent_hidden_create(&bad[0], SL + 1, SB, SH);
    lstmsent_hidden_create(&bad[1], SL, SB + 1, SH);
    lstmsent_hidden_create(&bad[2], SL, SB, SH + 1);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, s_lengths, bad[i], y,
                                                SB * SO, NULL), LSTMSENT_ERR_SHAPE);
        ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, s_lengths, NULL, y, SB * SO,
                                                bad[i]), LSTMSENT_ERR_SHAPE);
        lstmsent_hidden_free(bad[i]);
    }
    same_as(&snap, m);

    /* The earlier step is still there: backward works and equals the twin's. */
    ck_assert_int_eq(lstmsent_model_backward(m), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_backward(twin), LSTMSENT_OK);
    size_t n = lstmsent_model_num_floats(m);
    ck_assert(same_floats(lstmsent__model_grads(m, &n), lstmsent__model_grads(twin, &n), n));
    /* And the dropout stream did not move: the next steps agree too. */
    float a[SB * SO], b[SB * SO];
    step(m, a, 0);
    step(twin, b, 0);
    ck_assert(same_floats(a, b, SB * SO));
    free(snap.params);
    free(snap.grads);
    lstmsent_model_free(m);
    lstmsent_model_free(twin);
}
END_TEST

START_TEST(test_loss_bad_input)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    float loss = -1.0f;
    ck_assert_int_eq(lstmsent_model_loss(m, s_labels, SB, &loss, NULL), LSTMSENT_ERR_STATE);
    step(m, NULL, 0);
    int32_t labels[SB] = {1, SO};
    ck_assert_int_eq(lstmsent_model_loss(m, labels, SB, &loss, NULL), LSTMSENT_ERR_LABEL);
    ck_assert_str_eq(lstmsent_last_error(), "loss: labels[1] = 5 is outside 0..4");
    labels[1] = -1;
    ck_assert_int_eq(lstmsent_model_loss(m, labels, SB, &loss, NULL), LSTMSENT_ERR_LABEL);
    ck_assert_int_eq(lstmsent_model_loss(m, s_labels, SB + 1, &loss, NULL), LSTMSENT_ERR_SHAPE);
    ck_assert_int_eq(lstmsent_model_loss(m, NULL, SB, &loss, NULL), LSTMSENT_ERR_NULL);
    ck_assert_float_eq(loss, -1.0f);
    ck_assert_int_eq(lstmsent_model_loss(m, s_labels, SB, NULL, NULL), LSTMSENT_OK);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_backward_call_order)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    float y[SB * SO];
    ck_assert_int_eq(lstmsent_model_backward(m), LSTMSENT_ERR_STATE);   // no forward
    ck_assert_int_eq(lstmsent_model_forward(m, s_ids, SB, ST, NULL, NULL, y, SB * SO, NULL),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_backward(m), LSTMSENT_ERR_STATE);   // no loss
    step(m, NULL, 1);
    ck_assert_int_eq(lstmsent_model_backward(m), LSTMSENT_ERR_STATE);   // twice
    /* Evaluation mode: loss is fine, backward is not. */
    lstmsent_model_set_training(m, 0);
    step(m, NULL, 0);
    snapshot snap;
    take(&snap, m);
    ck_assert_int_eq(lstmsent_model_backward(m), LSTMSENT_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "evaluation"));
    same_as(&snap, m);
    /* A switch back to training does not make that eval forward differentiable. */
    lstmsent_model_set_training(m, 1);
    ck_assert_int_eq(lstmsent_model_backward(m), LSTMSENT_ERR_STATE);
    ck_assert_int_eq(lstmsent_model_backward(NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_zero_grad(NULL), LSTMSENT_ERR_NULL);
    free(snap.params);
    free(snap.grads);
    lstmsent_model_free(m);
}
END_TEST

/* ---- gradients ----------------------------------------------------------------------- */

START_TEST(test_backward_accumulates_and_zero_grad)
{
    lstmsent_model_options o = small_options();
    o.lstm_dropout = 0.0f;
    o.output_dropout = 0.0f;
    lstmsent_model *m = small_model(&o);
    size_t n = lstmsent_model_num_floats(m);
    step(m, NULL, 1);
    float *once = malloc(n * sizeof *once);
    memcpy(once, lstmsent__model_grads(m, &n), n * sizeof *once);
    step(m, NULL, 1);
    const float *g = lstmsent__model_grads(m, &n);
    size_t nonzero = 0, off = 0;
    for (size_t i = 0; i < n; i++) {
        off += fabsf(g[i] - 2.0f * once[i]) > 1e-6f + 1e-6f * fabsf(once[i]);
        nonzero += once[i] != 0.0f;
    }
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_gt(nonzero, n / 3);
    ck_assert_int_eq(lstmsent_model_zero_grad(m), LSTMSENT_OK);
    size_t left = 0;
    for (size_t i = 0; i < n; i++)
        left += g[i] != 0.0f;
    ck_assert_uint_eq(left, 0);
    free(once);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_padding_idx_row_gets_no_gradient)
{
    lstmsent_model_options o = small_options();
    o.padding_idx = 0;
    lstmsent_model *m = small_model(&o);
    step(m, NULL, 1);
    size_t n;
    const float *g = lstmsent__model_grads(m, &n);
    const float *p = lstmsent__model_params(m, &n);
    for (int e = 0; e < SE; e++) {
        ck_assert(g[e] == 0.0f);
        ck_assert(p[e] == 0.0f);
    }
    /* Rows the ids use get gradient (7 appears twice), rows they do not use get none. */
    int used7 = 0;
    for (int e = 0; e < SE; e++) {
        used7 |= g[7 * SE + e] != 0.0f;
        ck_assert(g[2 * SE + e] == 0.0f);
    }
    ck_assert(used7);
    /* Without padding_idx, row 0 (in the ids) gets its gradient. */
    o.padding_idx = -1;
    lstmsent_model *plain = small_model(&o);
    step(plain, NULL, 1);
    g = lstmsent__model_grads(plain, &n);
    int any = 0;
    for (int e = 0; e < SE; e++)
        any |= g[e] != 0.0f;
    ck_assert(any);
    lstmsent_model_free(m);
    lstmsent_model_free(plain);
}
END_TEST

START_TEST(test_clip_grad_norm)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    size_t n;
    float *g = lstmsent__model_grads(m, &n);
    /* Gradients 3 and 4 somewhere: norm 5. */
    g[1] = 3.0f;
    g[n - 1] = 4.0f;
    float norm = 0.0f;
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, 10.0f, 1, &norm), LSTMSENT_OK);
    ck_assert_float_eq(norm, 5.0f);
    ck_assert_float_eq(g[1], 3.0f);   // coef >= 1: untouched
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, 1.0f, 1, &norm), LSTMSENT_OK);
    ck_assert_float_eq(norm, 5.0f);
    float coef = 1.0f / (5.0f + 1e-6f);
    ck_assert_float_eq(g[1], 3.0f * coef);
    ck_assert_float_eq(g[n - 1], 4.0f * coef);
    /* Clipping again shrinks a little more (the total is now just under 1, and
     * 1 / (total + 1e-6) < 1), as PyTorch's does. */
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, 1.0f, 0, &norm), LSTMSENT_OK);
    ck_assert_float_eq_tol(norm, 1.0f, 1e-6f);
    ck_assert_float_eq(g[1], 3.0f * coef * (1.0f / (norm + 1e-6f)));
    const float g1 = g[1];
    /* Non-finite: an error when asked, the gradients unchanged. */
    g[2] = INFINITY;
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, 1.0f, 1, &norm), LSTMSENT_ERR_NONFINITE);
    ck_assert(g[1] == g1);
    g[2] = NAN;
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, 1.0f, 1, NULL), LSTMSENT_ERR_NONFINITE);
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, 1.0f, 0, &norm), LSTMSENT_OK);
    ck_assert(isnan(norm));
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, -1.0f, 0, NULL), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, NAN, 0, NULL), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(NULL, 1.0f, 0, NULL), LSTMSENT_ERR_NULL);
    lstmsent_model_free(m);
}
END_TEST

/* ---- dropout ------------------------------------------------------------------------- */

START_TEST(test_dropout_kernel_statistics)
{
    /* n = 200,000 draws: the kept fraction is 1 - p within 5 sigma, kept values are
     * exactly inp / (1 - p)'s float, dropped ones 0; p = 0 keeps all, p = 1 drops all. */
    const size_t n = 200000;
    float *inp = malloc(n * sizeof *inp), *out = malloc(n * sizeof *out),
          *mask = malloc(n * sizeof *mask);
    for (size_t i = 0; i < n; i++)
        inp[i] = 1.0f + (float)(i % 7);
    const float ps[] = {0.0f, 0.3f, 0.5f, 0.9f, 1.0f};
    lstmsent__rng rng;
    lstmsent__rng_seed(&rng, 8);
    for (int k = 0; k < 5; k++) {
        float p = ps[k], scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
        lstmsent__dropout_forward(out, mask, inp, p, &rng, n);
        size_t kept = 0, wrong = 0;
        for (size_t i = 0; i < n; i++) {
            if (mask[i] != 0.0f) {
                kept++;
                wrong += mask[i] != scale || out[i] != inp[i] * scale;
            } else {
                wrong += out[i] != 0.0f;
            }
        }
        ck_assert_uint_eq(wrong, 0);
        double q = 1.0 - p, sigma = sqrt(n * q * (1.0 - q));
        ck_assert_double_le(fabs((double)kept - n * q), 5.0 * sigma + 0.5);
        /* Backward passes the gradient where kept, scaled the same way. */
        lstmsent__dropout_backward(out, mask, inp, n);
        for (size_t i = 0; i < n; i++)
            wrong += out[i] != inp[i] * mask[i];
        ck_assert_uint_eq(wrong, 0);
    }
    free(inp);
    free(out);
    free(mask);
}
END_TEST

START_TEST(test_model_dropout_masks)
{
    /* The masks a training forward draws: inter-layer p = 0.5 on (T, B, H), output
     * p = 0.3 on (B, H); kept fractions within 5 sigma. */
    lstmsent_model_options o = small_options();
    o.hidden_dim = 50;
    lstmsent_model *m = small_model(&o);
    enum { B = 40, T = 25 };
    int32_t ids[B * T];
    for (int i = 0; i < B * T; i++)
        ids[i] = i % SV;
    float y[B * SO];
    ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, NULL, NULL, y, B * SO, NULL),
                     LSTMSENT_OK);
    size_t n0, n1;
    const float *m0 = lstmsent__model_dropout_mask(m, 0, &n0);
    const float *m1 = lstmsent__model_dropout_mask(m, 1, &n1);
    ck_assert_ptr_nonnull(m0);
    ck_assert_ptr_nonnull(m1);
    ck_assert_uint_eq(n0, (size_t)T * B * 50);
    ck_assert_uint_eq(n1, (size_t)B * 50);
    const float *masks[2] = {m0, m1};
    size_t ns[2] = {n0, n1};
    double ps[2] = {0.5, 0.3};
    for (int k = 0; k < 2; k++) {
        size_t kept = 0, wrong = 0;
        float scale = 1.0f / (1.0f - (float)ps[k]);
        for (size_t i = 0; i < ns[k]; i++) {
            wrong += masks[k][i] != 0.0f && masks[k][i] != scale;
            kept += masks[k][i] != 0.0f;
        }
        ck_assert_uint_eq(wrong, 0);
        double q = 1.0 - ps[k], sigma = sqrt(ns[k] * q * (1.0 - q));
        ck_assert_double_le(fabs((double)kept - ns[k] * q), 5.0 * sigma);
    }
    ck_assert_ptr_null(lstmsent__model_dropout_mask(m, 2, NULL));
    /* Evaluation mode draws none. */
    lstmsent_model_set_training(m, 0);
    lstmsent_model_forward(m, ids, B, T, NULL, NULL, y, B * SO, NULL);
    ck_assert_ptr_null(lstmsent__model_dropout_mask(m, 0, NULL));
    ck_assert_ptr_null(lstmsent__model_dropout_mask(m, 1, NULL));
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_eval_mode_is_the_identity)
{
    /* Evaluation with dropout 0.5/0.3 = training with dropout 0 = the same every time;
     * training with dropout differs from call to call. */
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    o.lstm_dropout = 0.0f;
    o.output_dropout = 0.0f;
    lstmsent_model *plain = small_model(&o);
    float a[SB * SO], b[SB * SO], c[SB * SO];
    lstmsent_model_set_training(m, 0);
    step(m, a, 0);
    step(m, b, 0);
    step(plain, c, 0);
    ck_assert(same_floats(a, b, SB * SO));
    ck_assert(same_floats(a, c, SB * SO));
    lstmsent_model_set_training(m, 1);
    step(m, a, 0);
    step(m, b, 0);
    ck_assert(!same_floats(a, b, SB * SO));
    ck_assert(!same_floats(a, c, SB * SO));
    lstmsent_model_free(m);
    lstmsent_model_free(plain);
}
END_TEST

START_TEST(test_eval_path_matches_training_path)
{
    /* Evaluation runs every layer step by step with one [x | h] product per layer above
     * the first (lstmsent__lstm_eval), training mode layer by layer: with dropout 0 both
     * must give the same outputs and final state, from a zero or a given state, for a
     * batch that is not a multiple of 8 (filler rows), both poolings; and evaluation the
     * same bits at 1 and 2 threads. H = 16 so that the packed kernel applies on AVX-512. */
    enum { B = 13, T = 7, H = 16 };
    lstmsent_model_options o = small_options();
    o.hidden_dim = H;
    o.lstm_dropout = 0.0f;
    o.output_dropout = 0.0f;
    int32_t ids[B * T], lens[B];
    for (int32_t b = 0; b < B; b++) {
        lens[b] = 1 + b % T;
        for (int32_t t = 0; t < T; t++)
            ids[b * T + t] = t < lens[b] ? 1 + (b * 5 + t * 3) % (SV - 1) : 0;
    }
    for (int pool = 0; pool < 2; pool++) {
        o.pooling = pool ? LSTMSENT_POOL_LAST_TOKEN : LSTMSENT_POOL_LAST_STEP;
        lstmsent_model *m = small_model(&o);
        for (int given = 0; given < 2; given++) {
            lstmsent_hidden *hin, *hout;
            ck_assert_int_eq(lstmsent_model_init_hidden(m, B, &hin), 0);
            ck_assert_int_eq(lstmsent_model_init_hidden(m, B, &hout), 0);
            for (int i = 0; given && i < SL * B * H; i++) {
                lstmsent_hidden_h(hin)[i] = 0.3f * sinf(0.7f * (float)i);
                lstmsent_hidden_c(hin)[i] = 0.5f * cosf(0.3f * (float)i);
            }
            float y[3][B * SO], hn[3][SL * B * H], cn[3][SL * B * H];
            for (int run = 0; run < 3; run++) {   // training; evaluation at 1, 2 threads
                ck_assert_int_eq(lstmsent_set_threads(run == 2 ? 2 : 1), 0);
                lstmsent_model_set_training(m, run == 0);
                ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, lens,
                                                        given ? hin : NULL, y[run], B * SO,
                                                        hout), 0);
                memcpy(hn[run], lstmsent_hidden_h(hout), sizeof hn[run]);
                memcpy(cn[run], lstmsent_hidden_c(hout), sizeof cn[run]);
            }
            for (int i = 0; i < B * SO; i++)
                ck_assert_float_eq_tol(y[1][i], y[0][i], 1e-6f);
            for (int i = 0; i < SL * B * H; i++) {
                ck_assert_float_eq_tol(hn[1][i], hn[0][i], 1e-6f);
                ck_assert_float_eq_tol(cn[1][i], cn[0][i], 1e-6f);
            }
            ck_assert(same_floats(y[1], y[2], B * SO));
            ck_assert(same_floats(hn[1], hn[2], SL * B * H));
            ck_assert(same_floats(cn[1], cn[2], SL * B * H));
            lstmsent_hidden_free(hin);
            lstmsent_hidden_free(hout);
        }
        lstmsent_model_free(m);
    }
    ck_assert_int_eq(lstmsent_set_threads(1), 0);
}
END_TEST

START_TEST(test_eval_pack_follows_parameter_changes)
{
    /* Evaluation keeps its packed weights between forwards: after set_param, after an Adam
     * step and after a write through the raw buffer, an evaluation forward must give what a
     * new model with the same parameters gives, bit for bit. H = 16: the packed kernel. */
    enum { B = 8, T = 5, H = 16 };
    lstmsent_model_options o = small_options();
    o.hidden_dim = H;
    o.pooling = LSTMSENT_POOL_LAST_TOKEN;
    int32_t ids[B * T], lens[B], labels[B];
    for (int32_t b = 0; b < B; b++) {
        lens[b] = 1 + b % T;
        labels[b] = b % SO;
        for (int32_t t = 0; t < T; t++)
            ids[b * T + t] = t < lens[b] ? 1 + (b * 3 + t * 7) % (SV - 1) : 0;
    }
    lstmsent_model *m = small_model(&o);
    lstmsent_optim *adam;
    ck_assert_int_eq(lstmsent_optim_create_adam(&adam, m, NULL), 0);
    float y0[B * SO], y[B * SO], ref[B * SO];
    size_t n;
    lstmsent_model_set_training(m, 0);
    ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, lens, NULL, y0, B * SO, NULL), 0);
    for (int change = 0; change < 3; change++) {
        if (change == 0) {   // set_param
            float w[4 * H * H];
            ck_assert_int_eq(lstmsent_model_get_param(m, "lstm.weight_hh_l1", w, 4 * H * H), 0);
            for (int i = 0; i < 4 * H * H; i++)
                w[i] *= -1.5f;
            ck_assert_int_eq(lstmsent_model_set_param(m, "lstm.weight_hh_l1", w, 4 * H * H), 0);
        } else if (change == 1) {   // a training step
            lstmsent_model_set_training(m, 1);
            float out[B * SO];
            ck_assert_int_eq(lstmsent_optim_zero_grad(adam, m), 0);
            ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, lens, NULL, out, B * SO, NULL),
                             0);
            ck_assert_int_eq(lstmsent_model_loss(m, labels, B, NULL, NULL), 0);
            ck_assert_int_eq(lstmsent_model_backward(m), 0);
            ck_assert_int_eq(lstmsent_optim_step(adam, m), 0);
            lstmsent_model_set_training(m, 0);
        } else {   // the raw buffer
            float *p = lstmsent__model_params(m, &n);
            for (size_t i = n / 2; i < n; i++)
                p[i] *= 0.5f;
        }
        ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, lens, NULL, y, B * SO, NULL), 0);
        lstmsent_model *fresh = small_model(&o);
        float *dst = lstmsent__model_params(fresh, &n);
        memcpy(dst, lstmsent__model_params(m, &n), n * sizeof(float));
        lstmsent_model_set_training(fresh, 0);
        ck_assert_int_eq(lstmsent_model_forward(fresh, ids, B, T, lens, NULL, ref, B * SO, NULL),
                         0);
        ck_assert(same_floats(y, ref, B * SO));
        ck_assert(!same_floats(y, y0, B * SO));
        memcpy(y0, y, sizeof y);
        lstmsent_model_free(fresh);
    }
    lstmsent_optim_free(adam);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_shared_prefixes_give_the_same_bits)
{
    /* Evaluation from a zero state runs each row only from where it differs from the
     * row before it in sorted order (model.c, plan_eval): outputs and final state must be
     * bit for bit those of every row run on its own, with many shared prefixes, repeated
     * rows, rows differing only in the last step, batches that are not multiples of 8, and
     * 1 or 2 threads. */
    enum { T = 9, H = 16 };
    static const int32_t batches[] = {1, 7, 37, 64};
    lstmsent_model_options o = small_options();
    o.hidden_dim = H;
    lstmsent_model *m = small_model(&o);
    lstmsent_model_set_training(m, 0);
    for (size_t bi = 0; bi < sizeof batches / sizeof *batches; bi++) {
        const int32_t B = batches[bi];
        int32_t ids[64 * T];
        for (int32_t b = 0; b < B; b++) {
            int32_t len = 1 + (b * 7) % T;
            for (int32_t t = 0; t < T; t++)   // a few words only: long shared prefixes
                ids[b * T + t] = t < len ? 1 + ((b / 3) * (t + 1) + t) % 4 : 0;
        }
        memcpy(ids + (B - 1) * T, ids, T * sizeof *ids);   // row B-1 repeats row 0
        if (B > 2)
            ids[1 * T + T - 1] = 7;   // row 1 differs from its look-alikes at the last step
        for (int threads = 1; threads <= 2; threads++) {
            ck_assert_int_eq(lstmsent_set_threads(threads), 0);
            float y[2][64 * SO], hn[2][SL * 64 * H], cn[2][SL * 64 * H];
            size_t steps[2];
            for (int share = 0; share < 2; share++) {
                lstmsent__model_share_prefix(share);
                lstmsent_hidden *h;
                ck_assert_int_eq(lstmsent_model_init_hidden(m, B, &h), 0);
                ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, NULL, NULL, y[share],
                                                        (size_t)B * SO, h), 0);
                steps[share] = lstmsent__model_eval_row_steps(m);
                memcpy(hn[share], lstmsent_hidden_h(h), sizeof(float) * SL * B * H);
                memcpy(cn[share], lstmsent_hidden_c(h), sizeof(float) * SL * B * H);
                lstmsent_hidden_free(h);
            }
            /* Without sharing every row runs every step; with it (only where the packed
             * kernel runs, AVX-512) the larger batches skip at least a quarter of the row
             * steps (this data has few distinct rows). */
            ck_assert_uint_eq(steps[0], (size_t)(B + 7) / 8 * 8 * T);
            if (!lstmsent__gemm_panels_ok(8, 4 * H))
                ck_assert_uint_eq(steps[1], steps[0]);
            else if (B >= 37)
                ck_assert_uint_lt(4 * steps[1], 3 * steps[0]);
            ck_assert(same_floats(y[0], y[1], (size_t)B * SO));
            ck_assert(same_floats(hn[0], hn[1], (size_t)SL * B * H));
            ck_assert(same_floats(cn[0], cn[1], (size_t)SL * B * H));
        }
    }
    lstmsent__model_share_prefix(1);
    ck_assert_int_eq(lstmsent_set_threads(1), 0);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_same_seed_bit_identical)
{
    /* Same seed and data: the same outputs and gradients to the bit, dropout on, over
     * several steps; another seed gives other masks. */
    lstmsent_model_options o = small_options();
    lstmsent_model *a = small_model(&o), *b = small_model(&o);
    o.seed = 4;
    lstmsent_model *c = small_model(&o);
    size_t n = lstmsent_model_num_floats(a);
    memcpy(lstmsent__model_params(c, &n), lstmsent__model_params(a, &n), n * sizeof(float));
    float ya[SB * SO], yb[SB * SO], yc[SB * SO];
    int differ = 0;
    for (int s = 0; s < 3; s++) {
        ck_assert_float_eq(step(a, ya, 1), step(b, yb, 1));
        step(c, yc, 1);
        ck_assert(same_floats(ya, yb, SB * SO));
        ck_assert(same_floats(lstmsent__model_grads(a, &n), lstmsent__model_grads(b, &n), n));
        differ += !same_floats(ya, yc, SB * SO);
    }
    ck_assert_int_gt(differ, 0);
    lstmsent_model_free(a);
    lstmsent_model_free(b);
    lstmsent_model_free(c);
}
END_TEST

/* ---- pooling, heads, workspace ------------------------------------------------------- */

START_TEST(test_last_token_pooling_reads_the_last_real_step)
{
    /* Row b pooled at lengths[b] - 1 equals the last-step output of the same row cut to
     * that length (the LSTM is causal); length 0 reads step 0. */
    lstmsent_model_options o = small_options();
    o.pooling = LSTMSENT_POOL_LAST_TOKEN;
    lstmsent_model *tok = small_model(&o);
    o.pooling = LSTMSENT_POOL_LAST_STEP;
    lstmsent_model *last = small_model(&o);
    lstmsent_model_set_training(tok, 0);
    lstmsent_model_set_training(last, 0);
    const int32_t lens[SB] = {3, 0};
    float y[SB * SO];
    ck_assert_int_eq(lstmsent_model_forward(tok, s_ids, SB, ST, lens, NULL, y, SB * SO, NULL),
                     LSTMSENT_OK);
    for (int b = 0; b < SB; b++) {
        int len = lens[b] > 0 ? lens[b] : 1;
        float yb[SO];
        ck_assert_int_eq(lstmsent_model_forward(last, s_ids + b * ST, 1, len, NULL, NULL, yb,
                                                SO, NULL), LSTMSENT_OK);
        for (int k = 0; k < SO; k++)
            ck_assert_float_eq_tol(y[b * SO + k], yb[k], 1e-6f);
    }
    lstmsent_model_free(tok);
    lstmsent_model_free(last);
}
END_TEST

START_TEST(test_heads_and_loss_values)
{
    /* The sigmoid head's outputs lie in (0, 1) and its loss is the tutorial's criterion;
     * the logits head's loss is ordinary cross-entropy. Both recomputed here in double. */
    for (int head = 0; head < 2; head++) {
        lstmsent_model_options o = small_options();
        o.head = (lstmsent_head)head;
        lstmsent_model *m = small_model(&o);
        lstmsent_model_set_training(m, 0);
        float y[SB * SO], loss, acc;
        lstmsent_model_forward(m, s_ids, SB, ST, NULL, NULL, y, SB * SO, NULL);
        ck_assert_int_eq(lstmsent_model_loss(m, s_labels, SB, &loss, &acc), LSTMSENT_OK);
        double expect = 0.0;
        int correct = 0;
        for (int b = 0; b < SB; b++) {
            double sum = 0.0;
            int best = 0;
            for (int k = 0; k < SO; k++) {
                if (head == 0)
                    ck_assert(y[b * SO + k] > 0.0f && y[b * SO + k] < 1.0f);
                sum += exp(y[b * SO + k]);
                best = y[b * SO + k] > y[b * SO + best] ? k : best;
            }
            double p = exp(y[b * SO + s_labels[b]]) / sum;
            expect += -log(p + (head == 0 ? 1e-10 : 0.0));
            correct += best == s_labels[b];
        }
        ck_assert_double_eq_tol(loss, expect / SB, 1e-6);
        ck_assert_float_eq(acc, (float)correct / SB);
        lstmsent_model_free(m);
    }
}
END_TEST

START_TEST(test_workspace_grows_and_shrinks)
{
    /* Forwards of different shapes in any order give what a fresh model gives. */
    lstmsent_model_options o = small_options();
    o.lstm_dropout = o.output_dropout = 0.0f;
    lstmsent_model *m = small_model(&o);
    enum { B = 6, T = 9 };
    int32_t ids[B * T];
    for (int i = 0; i < B * T; i++)
        ids[i] = (i * 7) % SV;
    float small1[SB * SO], small2[SB * SO], big1[B * SO], big2[B * SO];
    step(m, small1, 1);
    ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, NULL, NULL, big1, B * SO, NULL),
                     LSTMSENT_OK);
    step(m, small2, 1);
    ck_assert(same_floats(small1, small2, SB * SO));
    lstmsent_model *fresh = small_model(&o);
    lstmsent_model_forward(fresh, ids, B, T, NULL, NULL, big2, B * SO, NULL);
    ck_assert(same_floats(big1, big2, B * SO));
    lstmsent_model_free(m);
    lstmsent_model_free(fresh);
}
END_TEST

/* The embedding gradient is tracked by rows: zero_grad must still zero rows written with
 * set_grad, and clip must still see them. */
START_TEST(test_sparse_embedding_gradient_bookkeeping)
{
    lstmsent_model_options o = small_options();
    lstmsent_model *m = small_model(&o);
    const size_t V = (size_t)o.num_embeddings, E = (size_t)o.embed_dim;
    int32_t ids[2 * 3] = {1, 2, 3, 1, 1, 4};
    int32_t labels[2] = {0, 1};
    float out[2 * SO];
    float *emb = malloc(V * E * sizeof *emb);
    ck_assert_ptr_nonnull(emb);
    ck_assert_int_eq(lstmsent_model_forward(m, ids, 2, 3, NULL, NULL, out, 2 * SO, NULL), 0);
    ck_assert_int_eq(lstmsent_model_loss(m, labels, 2, NULL, NULL), 0);
    ck_assert_int_eq(lstmsent_model_backward(m), 0);
    /* set_grad writes a row no batch touched; zero_grad must clear it too. */
    ck_assert_int_eq(lstmsent_model_get_grad(m, "embedding.weight", emb, V * E), 0);
    emb[(V - 1) * E] = 3.0f;
    ck_assert_int_eq(lstmsent_model_set_grad(m, "embedding.weight", emb, V * E), 0);
    float norm_all;
    ck_assert_int_eq(lstmsent_model_clip_grad_norm(m, 1e30f, 0, &norm_all), 0);
    ck_assert_float_ge(norm_all, 3.0f);
    ck_assert_int_eq(lstmsent_model_zero_grad(m), 0);
    ck_assert_int_eq(lstmsent_model_get_grad(m, "embedding.weight", emb, V * E), 0);
    for (size_t i = 0; i < V * E; i++)
        ck_assert_float_eq(emb[i], 0.0f);
    /* Two batches, zero_grad between them: only the second batch's rows hold gradient. */
    int32_t ids2[2 * 3] = {5, 6, 5, 6, 5, 7};
    ck_assert_int_eq(lstmsent_model_forward(m, ids2, 2, 3, NULL, NULL, out, 2 * SO, NULL), 0);
    ck_assert_int_eq(lstmsent_model_loss(m, labels, 2, NULL, NULL), 0);
    ck_assert_int_eq(lstmsent_model_backward(m), 0);
    ck_assert_int_eq(lstmsent_model_get_grad(m, "embedding.weight", emb, V * E), 0);
    for (size_t r = 0; r < V; r++) {
        int used = r == 5 || r == 6 || r == 7, nonzero = 0;
        for (size_t e = 0; e < E; e++)
            nonzero |= emb[r * E + e] != 0.0f;
        ck_assert_int_eq(nonzero, used);
    }
    free(emb);
    lstmsent_model_free(m);
}
END_TEST

/* With two threads the time loops split the batch by rows and Adam by ranges: the results
 * are the same bits as with one thread, and the same from run to run. */
START_TEST(test_last_token_skips_padding_exactly)
{
    /* Last-token pooling runs each row only up to its last token (a shrinking plan, as
     * pack_padded_sequence): the outputs, the state out and every gradient must not depend
     * on what the padding positions hold, nor on the thread count, for a batch the packed
     * kernel takes in whole blocks of 8 (B = 16, H = 16 on AVX-512) and one with a short
     * block (B = 13); and no step past a row's end may run. */
    enum { T = 9, H = 16, MAXB = 16 };
    lstmsent_model_options o = small_options();
    o.hidden_dim = H;
    o.pooling = LSTMSENT_POOL_LAST_TOKEN;
    o.padding_idx = 0;
    const int32_t Bs[2] = {16, 13};
    for (int bi = 0; bi < 2; bi++) {
        const int32_t B = Bs[bi];
        int32_t ids[MAXB * T], lens[MAXB], labels[MAXB];
        for (int32_t b = 0; b < B; b++) {
            lens[b] = (b * 5) % (T + 1);   // 0 .. T, unsorted; an empty row reads step 0
            labels[b] = b % SO;
        }
        float *res[4] = {0};
        size_t n = 0, nout = (size_t)B * SO + 2 * (size_t)SL * B * H;
        for (int run = 0; run < 4; run++) {   // padding 0 / other ids, x 1 / 2 threads
            ck_assert_int_eq(lstmsent_set_threads(run < 2 ? 1 : 2), 0);
            for (int32_t b = 0; b < B; b++)
                for (int32_t t = 0; t < T; t++)
                    ids[b * T + t] = t < lens[b] ? 1 + (b * 7 + t * 3) % (SV - 1)
                                     : run % 2 && t > 0 ? 1 + (b + t * 11) % (SV - 1) : 0;
            lstmsent_model *m = small_model(&o);
            lstmsent_hidden *h;
            ck_assert_int_eq(lstmsent_model_init_hidden(m, B, &h), 0);
            for (int i = 0; i < SL * B * H; i++)
                lstmsent_hidden_h(h)[i] = 0.2f * sinf((float)i);
            float out[MAXB * SO];
            ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, lens, h, out, B * SO, h), 0);
            ck_assert_int_eq(lstmsent_model_loss(m, labels, B, NULL, NULL), 0);
            ck_assert_int_eq(lstmsent_model_backward(m), 0);
            for (int32_t b = 0; b < B; b++)
                for (int32_t t = 0; t < T; t++)
                    ck_assert_int_eq(lstmsent__model_packed_row(m, t, b) >= 0,
                                     t < (lens[b] > 0 ? lens[b] : 1));
            const float *g = lstmsent__model_grads_read(m, &n);
            res[run] = malloc((nout + n) * sizeof(float));
            ck_assert_ptr_nonnull(res[run]);
            memcpy(res[run], out, (size_t)B * SO * sizeof(float));
            memcpy(res[run] + B * SO, lstmsent_hidden_h(h), (size_t)SL * B * H * sizeof(float));
            memcpy(res[run] + B * SO + SL * B * H, lstmsent_hidden_c(h),
                   (size_t)SL * B * H * sizeof(float));
            memcpy(res[run] + nout, g, n * sizeof(float));
            /* Evaluation mode: the same independence of the padding. */
            lstmsent_model_set_training(m, 0);
            float eout[MAXB * SO];
            ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, lens, NULL, eout, B * SO,
                                                    NULL), 0);
            lstmsent_hidden_free(h);
            lstmsent_model_free(m);
            float *grown = realloc(res[run], (nout + n + (size_t)B * SO) * sizeof(float));
            ck_assert_ptr_nonnull(grown);
            res[run] = grown;
            memcpy(res[run] + nout + n, eout, (size_t)B * SO * sizeof(float));
        }
        ck_assert_int_eq(lstmsent_set_threads(1), 0);
        for (int run = 1; run < 4; run++)
            ck_assert(same_floats(res[0], res[run], nout + n + (size_t)B * SO));
        for (int run = 0; run < 4; run++)
            free(res[run]);
    }
}
END_TEST

START_TEST(test_two_threads_same_bits)
{
    enum { B = 16, T = 4 };
    lstmsent_model_options o = small_options();
    o.hidden_dim = 16;   // 4H = 64: the packed recurrent kernel applies on AVX-512 CPUs
    int32_t ids[B * T], labels[B];
    for (int i = 0; i < B * T; i++)
        ids[i] = (i * 7) % (int)o.num_embeddings;
    for (int b = 0; b < B; b++)
        labels[b] = b % SO;
    float *res[3];
    size_t n = 0;
    for (int run = 0; run < 3; run++) {
        ck_assert_int_eq(lstmsent_set_threads(run == 0 ? 1 : 2), 0);
        lstmsent_model *m = small_model(&o);
        lstmsent_optim *adam;
        ck_assert_int_eq(lstmsent_optim_create_adam(&adam, m, NULL), 0);
        float out[B * SO];
        for (int step = 0; step < 2; step++) {
            ck_assert_int_eq(lstmsent_optim_zero_grad(adam, m), 0);
            ck_assert_int_eq(lstmsent_model_forward(m, ids, B, T, NULL, NULL, out, B * SO, NULL),
                             0);
            ck_assert_int_eq(lstmsent_model_loss(m, labels, B, NULL, NULL), 0);
            ck_assert_int_eq(lstmsent_model_backward(m), 0);
            ck_assert_int_eq(lstmsent_optim_step(adam, m), 0);
        }
        const float *p = lstmsent__model_params(m, &n);
        res[run] = malloc(n * sizeof(float));
        ck_assert_ptr_nonnull(res[run]);
        memcpy(res[run], p, n * sizeof(float));
        lstmsent_optim_free(adam);
        lstmsent_model_free(m);
    }
    ck_assert_int_eq(lstmsent_set_threads(1), 0);
    ck_assert(same_floats(res[0], res[1], n));
    ck_assert(same_floats(res[1], res[2], n));
    for (int run = 0; run < 3; run++)
        free(res[run]);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("model");
    TCase *api = tcase_create("api");
    tcase_add_test(api, test_defaults_are_the_tutorial);
    tcase_add_test(api, test_bad_options);
    tcase_add_test(api, test_get_options_and_mode);
    tcase_add_test(api, test_model_ids_are_unique);
    tcase_add_test(api, test_param_names_shapes_layout);
    tcase_add_test(api, test_get_set_by_name);
    tcase_add_test(api, test_init_distributions);
    tcase_add_test(api, test_hidden);
    tcase_add_test(api, test_hidden_out_may_be_hidden_in);
    suite_add_tcase(s, api);

    TCase *bad = tcase_create("bad input");
    tcase_add_test(bad, test_forward_bad_input);
    tcase_add_test(bad, test_loss_bad_input);
    tcase_add_test(bad, test_backward_call_order);
    suite_add_tcase(s, bad);

    TCase *grad = tcase_create("gradients");
    tcase_add_test(grad, test_backward_accumulates_and_zero_grad);
    tcase_add_test(grad, test_padding_idx_row_gets_no_gradient);
    tcase_add_test(grad, test_clip_grad_norm);
    tcase_add_test(grad, test_sparse_embedding_gradient_bookkeeping);
    tcase_add_test(grad, test_two_threads_same_bits);
    tcase_add_test(grad, test_last_token_skips_padding_exactly);
    tcase_add_test(grad, test_eval_pack_follows_parameter_changes);
    suite_add_tcase(s, grad);

    TCase *drop = tcase_create("dropout");
    tcase_add_test(drop, test_dropout_kernel_statistics);
    tcase_add_test(drop, test_model_dropout_masks);
    tcase_add_test(drop, test_eval_mode_is_the_identity);
    tcase_add_test(drop, test_eval_path_matches_training_path);
    tcase_add_test(drop, test_shared_prefixes_give_the_same_bits);
    tcase_add_test(drop, test_same_seed_bit_identical);
    suite_add_tcase(s, drop);

    TCase *more = tcase_create("pooling and heads");
    tcase_add_test(more, test_last_token_pooling_reads_the_last_real_step);
    tcase_add_test(more, test_heads_and_loss_values);
    tcase_add_test(more, test_workspace_grows_and_shrinks);
    suite_add_tcase(s, more);
    return s;
}
