/*
 * Evaluation and classification through the public API: lstmsent_model_evaluate against
 * metrics the test computes itself from the model's own forward outputs (row by row, so a
 * wrong count, formula or row choice fails), the sentence measure's first-row rule, the
 * mode and parameters left as they were, and every refusal with its status.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lstmsent/lstmsent.h>

#include "tap_main.h"

#define TINY_T 12

static const char *data_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/data/%s", TEST_SRC_DIR, name);
    return path;
}

/* A temporary directory for the files a test writes, made and removed by the fixture. */
static char tmpdir[64];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/lstmsent-classify-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}

static void tiny_options(lstmsent_model_options *o, size_t vocab_size, lstmsent_head head,
                         lstmsent_pooling pooling, uint64_t seed)
{
    lstmsent_model_options_default(o, vocab_size);
    o->embed_dim = 8;
    o->hidden_dim = 8;
    o->num_layers = 2;
    o->head = head;
    o->pooling = pooling;
    o->seed = seed;
    o->seq_len = TINY_T;
}

/* Multiply every element of a parameter by k. */
static void scale_param(lstmsent_model *m, const char *name, float k)
{
    for (size_t i = 0; i < lstmsent_model_param_count(m); i++) {
        const char *n;
        size_t numel;
        ck_assert_int_eq(lstmsent_model_param_info(m, i, &n, NULL, NULL, &numel), LSTMSENT_OK);
        if (strcmp(n, name) != 0)
            continue;
        float *p = malloc(numel * sizeof *p);
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(lstmsent_model_get_param(m, n, p, numel), LSTMSENT_OK);
        for (size_t j = 0; j < numel; j++)
            p[j] *= k;
        ck_assert_int_eq(lstmsent_model_set_param(m, n, p, numel), LSTMSENT_OK);
        free(p);
        return;
    }
    ck_abort_msg("no parameter %s", name);
}

/* A fresh tiny model answers one class for everything (the state barely moves, the bias
 * decides); larger weights make its answers depend on the text, so that confusion
 * matrices have rows and columns to get wrong. */
static lstmsent_model *tiny_model(size_t vocab_size, lstmsent_head head,
                                  lstmsent_pooling pooling, uint64_t seed)
{
    lstmsent_model_options o;
    tiny_options(&o, vocab_size, head, pooling, seed);
    lstmsent_model *m;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    scale_param(m, "lstm.weight_ih_l0", 4.0f);
    scale_param(m, "lstm.weight_ih_l1", 4.0f);
    scale_param(m, "fc.weight", 8.0f);
    scale_param(m, "fc.bias", 0.0f);
    return m;
}

static lstmsent_dataset *dataset_of(const lstmsent_corpus *c, int32_t T)
{
    lstmsent_dataset_options o;
    lstmsent_dataset_options_default(&o);
    o.seq_len = T;
    lstmsent_dataset *d;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_OK);
    return d;
}

/* ---- the reference: metrics from one forward per row ---------------------------------- */

/* The outputs (O) of dataset row i alone, in evaluation mode from a zero state. */
static void row_outputs(lstmsent_model *m, const lstmsent_dataset *d, size_t i, float *y)
{
    const int32_t T = lstmsent_dataset_seq_len(d);
    lstmsent_model_options o;
    lstmsent_model_get_options(m, &o);
    int training = lstmsent_model_is_training(m);
    ck_assert_int_eq(lstmsent_model_set_training(m, 0), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_forward(m, lstmsent_dataset_ids(d) + i * (size_t)T, 1, T,
                                            lstmsent_dataset_lengths(d) + i, NULL, y,
                                            (size_t)o.output_size, NULL),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_set_training(m, training), LSTMSENT_OK);
}

static int ref_argmax(const float *y, int n)
{
    int best = 0;
    for (int k = 1; k < n; k++)
        if (y[k] > y[best])
            best = k;
    return best;
}

/* The criterion, in double: -log(softmax(y)[label] (+ 1e-10 for the sigmoid head)). */
static double ref_loss(const float *y, int n, int label, lstmsent_head head)
{
    double mx = y[0], sum = 0.0;
    for (int k = 1; k < n; k++)
        mx = y[k] > mx ? y[k] : mx;
    for (int k = 0; k < n; k++)
        sum += exp((double)y[k] - mx);
    double p = exp((double)y[label] - mx) / sum;
    return -log(p + (head == LSTMSENT_HEAD_SIGMOID ? 1e-10 : 0.0));
}

typedef struct ref_result {
    int64_t confusion[LSTMSENT_MAX_CLASSES][LSTMSENT_MAX_CLASSES];
    int64_t sentence_confusion[LSTMSENT_MAX_CLASSES][LSTMSENT_MAX_CLASSES];
    int64_t sentences;
    double loss;
    int32_t pred[64];
} ref_result;

static void reference(lstmsent_model *m, const lstmsent_dataset *d, ref_result *r)
{
    memset(r, 0, sizeof *r);
    lstmsent_model_options o;
    lstmsent_model_get_options(m, &o);
    const int O = o.output_size;
    const size_t N = lstmsent_dataset_rows(d);
    ck_assert_uint_le(N, 64);
    const int64_t *sid = lstmsent_dataset_sentence_ids(d);
    const int32_t *labels = lstmsent_dataset_labels(d);
    int64_t seen[64];
    size_t n_seen = 0;
    for (size_t i = 0; i < N; i++) {
        float y[LSTMSENT_MAX_CLASSES];
        row_outputs(m, d, i, y);
        int p = ref_argmax(y, O);
        r->pred[i] = p;
        r->confusion[labels[i]][p]++;
        r->loss += ref_loss(y, O, labels[i], o.head);
        /* A sentence is scored by its first row in dataset order. */
        int is_new = sid[i] != 0;
        for (size_t k = 0; k < n_seen && is_new; k++)
            is_new = seen[k] != sid[i];
        if (is_new) {
            seen[n_seen++] = sid[i];
            r->sentence_confusion[labels[i]][p]++;
        }
    }
    r->sentences = (int64_t)n_seen;
    r->loss /= (double)N;
}

/* Every field of res against the reference, the derived metrics recomputed here. */
static void assert_matches(const lstmsent_eval_result *res, const ref_result *r, int O,
                           size_t N)
{
    ck_assert_int_eq(res->phrases, (int64_t)N);
    ck_assert_int_eq(res->num_classes, O);
    ck_assert_int_eq(res->sentences, r->sentences);
    int64_t correct = 0, s_correct = 0;
    double f1_sum = 0.0;
    int present = 0;
    for (int t = 0; t < LSTMSENT_MAX_CLASSES; t++) {
        for (int p = 0; p < LSTMSENT_MAX_CLASSES; p++) {
            ck_assert_msg(res->confusion[t][p] == r->confusion[t][p], "confusion[%d][%d] %lld, "
                          "want %lld", t, p, (long long)res->confusion[t][p],
                          (long long)r->confusion[t][p]);
            ck_assert_int_eq(res->sentence_confusion[t][p], r->sentence_confusion[t][p]);
        }
        correct += r->confusion[t][t];
        s_correct += r->sentence_confusion[t][t];
    }
    for (int k = 0; k < LSTMSENT_MAX_CLASSES; k++) {
        int64_t support = 0, predicted = 0;
        for (int j = 0; j < LSTMSENT_MAX_CLASSES; j++) {
            support += r->confusion[k][j];
            predicted += r->confusion[j][k];
        }
        double tp = (double)r->confusion[k][k];
        double prec = predicted ? tp / (double)predicted : 0.0;
        double rec = support ? tp / (double)support : 0.0;
        double f1 = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0.0;
        ck_assert_int_eq(res->support[k], support);
        ck_assert_double_eq_tol(res->precision[k], prec, 1e-12);
        ck_assert_double_eq_tol(res->recall[k], rec, 1e-12);
        ck_assert_double_eq_tol(res->f1[k], f1, 1e-12);
        if (support > 0 || predicted > 0) {
            f1_sum += f1;
            present++;
        }
    }
    ck_assert_double_eq_tol(res->macro_f1, f1_sum / present, 1e-12);
    ck_assert_double_eq_tol(res->accuracy, (double)correct / (double)N, 1e-12);
    if (r->sentences > 0)
        ck_assert_double_eq_tol(res->sentence_accuracy,
                                (double)s_correct / (double)r->sentences, 1e-12);
    else
        ck_assert(isnan(res->sentence_accuracy));
    ck_assert_msg(fabs(res->loss - r->loss) <= 1e-5 * fabs(r->loss), "loss %.9g, want %.9g",
                  res->loss, r->loss);
}

/* ---- evaluation ------------------------------------------------------------------------ */

/* eval.tsv with tiny models of both heads and poolings, in batches of several sizes. */
START_TEST(test_evaluate_matches_reference)
{
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("eval.tsv"), NULL), LSTMSENT_OK);
    lstmsent_dataset *d = dataset_of(c, TINY_T);
    const size_t N = lstmsent_dataset_rows(d);
    ck_assert_uint_eq(N, 20);
    const lstmsent_head heads[2] = {LSTMSENT_HEAD_SIGMOID, LSTMSENT_HEAD_LOGITS};
    const lstmsent_pooling pools[2] = {LSTMSENT_POOL_LAST_STEP, LSTMSENT_POOL_LAST_TOKEN};
    int classes_predicted = 0;
    for (int v = 0; v < 4; v++) {
        lstmsent_model *m = tiny_model(lstmsent_corpus_vocab_size(c), heads[v % 2],
                                       pools[v / 2], 11 + (uint64_t)v);
        ref_result ref;
        reference(m, d, &ref);
        const size_t batches[4] = {0, 1, 3, 1000};
        for (int b = 0; b < 4; b++) {
            lstmsent_eval_result res;
            memset(&res, 0xab, sizeof res);
            ck_assert_int_eq(lstmsent_model_evaluate(m, d, batches[b], &res), LSTMSENT_OK);
            assert_matches(&res, &ref, 5, N);
            ck_assert_int_eq(res.sentences, 6);   /* SentenceIds 1..6; the 0 is no sentence */
        }
        int seen[5] = {0};
        for (size_t i = 0; i < N; i++)
            seen[ref.pred[i]] = 1;
        for (int k = 0; k < 5; k++)
            classes_predicted += seen[k];
        lstmsent_model_free(m);
    }
    /* The models do not all answer one class, so the counts are not trivially diagonal. */
    ck_assert_int_ge(classes_predicted, 9);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

/* A sentence is scored by its FIRST row in dataset order: labels are made here from the
 * model's own predictions so that every first row is right and every later row wrong. */
START_TEST(test_sentence_accuracy_uses_first_row)
{
    static const char *const phrases[] = {
        "the plot thickens", "the plot", "a fine cast", "thickens",
        "fine", "a cast of fine actors", "orphan words", "cast",
    };
    /* Sentence 2's rows are not contiguous; row 6 belongs to no sentence. */
    static const int64_t sid[] = {1, 1, 2, 1, 3, 2, 0, 2};
    const size_t N = 8;
    lstmsent_corpus *mem;
    ck_assert_int_eq(lstmsent_corpus_create(&mem, phrases, NULL, N, NULL), LSTMSENT_OK);
    lstmsent_model *m = tiny_model(lstmsent_corpus_vocab_size(mem), LSTMSENT_HEAD_LOGITS,
                                   LSTMSENT_POOL_LAST_TOKEN, 3);
    lstmsent_dataset *dm = dataset_of(mem, TINY_T);
    int32_t pred[8];
    for (size_t i = 0; i < N; i++) {
        float y[5];
        row_outputs(m, dm, i, y);
        pred[i] = ref_argmax(y, 5);
    }
    char tsv[2048] = "PhraseId\tSentenceId\tPhrase\tSentiment\n";
    int64_t first_seen[8];
    size_t n_first = 0;
    int32_t want_label[8];
    for (size_t i = 0; i < N; i++) {
        int first = sid[i] != 0;
        for (size_t k = 0; k < n_first && first; k++)
            first = first_seen[k] != sid[i];
        if (first)
            first_seen[n_first++] = sid[i];
        want_label[i] = first ? pred[i] : (pred[i] + 1) % 5;
        char row[256];
        snprintf(row, sizeof row, "%zu\t%lld\t%s\t%d\n", 100 + i, (long long)sid[i], phrases[i],
                 (int)want_label[i]);
        strcat(tsv, row);
    }
    ck_assert_uint_eq(n_first, 3);
    write_text(tmp_path("first.tsv"), tsv);
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, tmp_path("first.tsv"), NULL), LSTMSENT_OK);
    /* The same phrases in the same order: the same vocabulary, so the same predictions. */
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(c), lstmsent_corpus_vocab_size(mem));
    lstmsent_dataset *d = dataset_of(c, TINY_T);
    ck_assert(memcmp(lstmsent_dataset_ids(d), lstmsent_dataset_ids(dm),
                     N * TINY_T * sizeof(int32_t)) == 0);
    lstmsent_eval_result res;
    ck_assert_int_eq(lstmsent_model_evaluate(m, d, 3, &res), LSTMSENT_OK);
    ck_assert_int_eq(res.sentences, 3);
    ck_assert_double_eq(res.sentence_accuracy, 1.0);
    ck_assert_double_eq_tol(res.accuracy, 3.0 / 8.0, 1e-15);
    int64_t total = 0;
    for (int t = 0; t < 5; t++)
        for (int p = 0; p < 5; p++) {
            total += res.sentence_confusion[t][p];
            if (t != p)
                ck_assert_int_eq(res.sentence_confusion[t][p], 0);
        }
    ck_assert_int_eq(total, 3);
    for (size_t i = 0; i < N; i++)
        ck_assert_int_ge(res.confusion[want_label[i]][pred[i]], 1);
    ref_result ref;
    reference(m, d, &ref);
    assert_matches(&res, &ref, 5, N);
    lstmsent_dataset_free(d);
    lstmsent_dataset_free(dm);
    lstmsent_corpus_free(c);
    lstmsent_corpus_free(mem);
    lstmsent_model_free(m);
}
END_TEST

/* Without SentenceIds there are no sentences: sentence_accuracy is NaN. */
START_TEST(test_no_sentences_is_nan)
{
    static const char *const phrases[] = {"good", "bad film", "a film"};
    static const int32_t labels[] = {3, 0, 2};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, labels, 3, NULL), LSTMSENT_OK);
    lstmsent_model *m = tiny_model(lstmsent_corpus_vocab_size(c), LSTMSENT_HEAD_SIGMOID,
                                   LSTMSENT_POOL_LAST_STEP, 5);
    lstmsent_dataset *d = dataset_of(c, TINY_T);
    lstmsent_eval_result res;
    ck_assert_int_eq(lstmsent_model_evaluate(m, d, 0, &res), LSTMSENT_OK);
    ck_assert_int_eq(res.sentences, 0);
    ck_assert(isnan(res.sentence_accuracy));
    ref_result ref;
    reference(m, d, &ref);
    assert_matches(&res, &ref, 5, 3);
    lstmsent_dataset_free(d);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
}
END_TEST

/* A copy of every parameter. */
static float *params_copy(const lstmsent_model *m, size_t *total)
{
    size_t n = lstmsent_model_num_floats(m), off = 0;
    float *p = malloc(n * sizeof *p);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < lstmsent_model_param_count(m); i++) {
        const char *name;
        size_t numel;
        ck_assert_int_eq(lstmsent_model_param_info(m, i, &name, NULL, NULL, &numel), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_model_get_param(m, name, p + off, numel), LSTMSENT_OK);
        off += numel;
    }
    *total = n;
    return p;
}

/* The caller's mode comes back, the parameters and the dropout stream do not move. */
START_TEST(test_evaluate_restores_mode_and_keeps_model)
{
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("eval.tsv"), NULL), LSTMSENT_OK);
    lstmsent_dataset *d = dataset_of(c, TINY_T);
    size_t V = lstmsent_corpus_vocab_size(c);
    lstmsent_model *m = tiny_model(V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 8);
    lstmsent_model *twin = tiny_model(V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 8);
    size_t n;
    float *before = params_copy(m, &n);
    lstmsent_eval_result res;
    ck_assert_int_eq(lstmsent_model_is_training(m), 1);
    ck_assert_int_eq(lstmsent_model_evaluate(m, d, 4, &res), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_is_training(m), 1);
    ck_assert_int_eq(lstmsent_model_set_training(m, 0), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_evaluate(m, d, 4, &res), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_is_training(m), 0);
    ck_assert_int_eq(lstmsent_model_set_training(m, 1), LSTMSENT_OK);
    float *after = params_copy(m, &n);
    ck_assert(memcmp(before, after, n * sizeof *before) == 0);
    /* A training forward draws the same dropout masks as the twin that never evaluated. */
    const int32_t *ids = lstmsent_dataset_ids(d);
    float ya[4 * 5], yb[4 * 5];
    ck_assert_int_eq(lstmsent_model_forward(m, ids, 4, TINY_T, NULL, NULL, ya, 20, NULL),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_forward(twin, ids, 4, TINY_T, NULL, NULL, yb, 20, NULL),
                     LSTMSENT_OK);
    ck_assert(memcmp(ya, yb, sizeof ya) == 0);
    /* The mode comes back after a refusal too. */
    lstmsent_corpus *u;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&u, data_path("unlabelled.tsv"), NULL), LSTMSENT_OK);
    lstmsent_dataset *du = dataset_of(u, TINY_T);
    ck_assert_int_eq(lstmsent_model_evaluate(m, du, 0, &res), LSTMSENT_ERR_LABEL);
    ck_assert_int_eq(lstmsent_model_is_training(m), 1);
    lstmsent_dataset_free(du);
    lstmsent_corpus_free(u);
    free(before);
    free(after);
    lstmsent_model_free(twin);
    lstmsent_model_free(m);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

/* Each refusal: its status, its message, *out untouched, the mode kept. */
static void expect_refused(lstmsent_model *m, const lstmsent_dataset *d, size_t batch,
                           lstmsent_status want, const char *text)
{
    lstmsent_eval_result res, pristine;
    memset(&res, 0x5a, sizeof res);
    memcpy(&pristine, &res, sizeof res);
    int training = lstmsent_model_is_training(m);
    ck_assert_int_eq(lstmsent_model_evaluate(m, d, batch, &res), want);
    ck_assert_msg(strstr(lstmsent_last_error(), text) != NULL, "message '%s' lacks '%s'",
                  lstmsent_last_error(), text);
    ck_assert(memcmp(&res, &pristine, sizeof res) == 0);
    ck_assert_int_eq(lstmsent_model_is_training(m), training);
}

START_TEST(test_evaluate_refusals)
{
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("eval.tsv"), NULL), LSTMSENT_OK);
    const size_t V = lstmsent_corpus_vocab_size(c);
    lstmsent_dataset *d = dataset_of(c, TINY_T);
    lstmsent_model *m = tiny_model(V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 1);
    lstmsent_eval_result res;

    ck_assert_int_eq(lstmsent_model_evaluate(NULL, d, 0, &res), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_evaluate(m, NULL, 0, &res), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_evaluate(m, d, 0, NULL), LSTMSENT_ERR_NULL);

    /* A dataset of another T than the model's seq_len. */
    lstmsent_dataset *d30 = dataset_of(c, 30);
    expect_refused(m, d30, 0, LSTMSENT_ERR_SHAPE,
                   "the dataset's rows are 30 ids long, the model's seq_len is 12");
    lstmsent_dataset_free(d30);

    /* An unlabelled dataset. */
    lstmsent_corpus *u;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&u, data_path("unlabelled.tsv"), NULL), LSTMSENT_OK);
    lstmsent_dataset *du = dataset_of(u, TINY_T);
    lstmsent_model *mu = tiny_model(lstmsent_corpus_vocab_size(u), LSTMSENT_HEAD_SIGMOID,
                                    LSTMSENT_POOL_LAST_STEP, 1);
    expect_refused(mu, du, 0, LSTMSENT_ERR_LABEL, "the dataset has no labels");
    lstmsent_model_free(mu);
    lstmsent_dataset_free(du);
    lstmsent_corpus_free(u);

    /* Labels the model has no class for (eval.tsv has 4s, the model 3 classes). */
    lstmsent_model_options o;
    tiny_options(&o, V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_STEP, 1);
    o.output_size = 3;
    lstmsent_model *m3;
    ck_assert_int_eq(lstmsent_model_create(&m3, &o), LSTMSENT_OK);
    lstmsent_model_set_training(m3, 0);
    expect_refused(m3, d, 0, LSTMSENT_ERR_LABEL, "row 0 has label 4, the model's classes are 0..2");
    lstmsent_model_free(m3);

    /* More classes than the result holds. */
    o.output_size = LSTMSENT_MAX_CLASSES + 1;
    lstmsent_model *m17;
    ck_assert_int_eq(lstmsent_model_create(&m17, &o), LSTMSENT_OK);
    expect_refused(m17, d, 0, LSTMSENT_ERR_INVALID, "the model has 17 classes");
    lstmsent_model_free(m17);
    /* ... while exactly LSTMSENT_MAX_CLASSES is fine. */
    o.output_size = LSTMSENT_MAX_CLASSES;
    lstmsent_model *m16;
    ck_assert_int_eq(lstmsent_model_create(&m16, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_evaluate(m16, d, 0, &res), LSTMSENT_OK);
    ck_assert_int_eq(res.num_classes, LSTMSENT_MAX_CLASSES);
    lstmsent_model_free(m16);

    /* Ids outside the embedding: a model with fewer rows than the dataset's vocabulary. */
    tiny_options(&o, 3, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 1);
    lstmsent_model *small;
    ck_assert_int_eq(lstmsent_model_create(&small, &o), LSTMSENT_OK);
    expect_refused(small, d, 0, LSTMSENT_ERR_TOKEN, "is outside the model's embedding 0..3");
    lstmsent_model_free(small);

    /* A dataset of no rows (a vocabulary-only corpus). */
    write_text(tmp_path("v.txt"), "good\nbad\n");
    lstmsent_corpus *vc;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&vc, tmp_path("v.txt")), LSTMSENT_OK);
    lstmsent_dataset *empty = dataset_of(vc, TINY_T);
    lstmsent_model *m2 = tiny_model(2, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 1);
    expect_refused(m2, empty, 0, LSTMSENT_ERR_EMPTY, "the dataset has no rows");
    lstmsent_model_free(m2);
    lstmsent_dataset_free(empty);
    lstmsent_corpus_free(vc);

    lstmsent_model_free(m);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("evaluate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_evaluate_matches_reference);
    tcase_add_test(tc, test_sentence_accuracy_uses_first_row);
    tcase_add_test(tc, test_no_sentences_is_nan);
    tcase_add_test(tc, test_evaluate_restores_mode_and_keeps_model);
    tcase_add_test(tc, test_evaluate_refusals);
    suite_add_tcase(s, tc);
    return s;
}
