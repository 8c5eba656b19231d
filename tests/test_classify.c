/*
 * Evaluation and classification through the public API: lstmsent_model_evaluate against
 * metrics the test computes itself from the model's own forward outputs (row by row, so a
 * wrong count, formula or row choice fails), the sentence measure's first-row rule, the
 * mode and parameters left as they were, and every refusal with its status; the
 * classifier against the model's own forward, and an ensemble of classifiers against the
 * mean of its models' own answers.
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

/* ---- the classifier ------------------------------------------------------------------- */

/* The classifier's result for one text, made by hand: lstmsent_corpus_encode with the
 * vocabulary's policy, the first T ids padded with 0 on the right, one forward in
 * evaluation mode over the full T, argmax and a softmax in double. */
static int32_t manual_predict(lstmsent_model *m, const lstmsent_corpus *vocab, const char *text,
                              double *p)
{
    lstmsent_model_options o;
    lstmsent_model_get_options(m, &o);
    const int32_t T = o.seq_len, O = o.output_size;
    int32_t ids[64] = {0}, all[64];
    size_t n;
    ck_assert_int_eq(lstmsent_corpus_encode(vocab, text, lstmsent_corpus_unknown_policy(vocab),
                                            all, 64, &n), LSTMSENT_OK);
    int32_t len = n < (size_t)T ? (int32_t)n : T;
    memcpy(ids, all, (size_t)len * sizeof *ids);
    float y[LSTMSENT_MAX_CLASSES];
    int training = lstmsent_model_is_training(m);
    lstmsent_model_set_training(m, 0);
    ck_assert_int_eq(lstmsent_model_forward(m, ids, 1, T, &len, NULL, y, (size_t)O, NULL),
                     LSTMSENT_OK);
    lstmsent_model_set_training(m, training);
    double mx = y[0], sum = 0.0;
    for (int k = 1; k < O; k++)
        mx = y[k] > mx ? y[k] : mx;
    for (int k = 0; k < O; k++)
        sum += exp((double)y[k] - mx);
    for (int k = 0; k < O; k++)
        p[k] = exp((double)y[k] - mx) / sum;
    return ref_argmax(y, O);
}

static const char *const texts[] = {
    "A gorgeous , witty , seductive movie .",
    "the story is bland and the acting worse",
    /* 21 tokens: cut to the first 12 */
    "An engaging , if uneven , film about grief , loss , and the dull , dull story of a film",
    "",
    " \t\n ",
    "zyzzyva quux",                /* unseen words only */
    "NOT BAD at all zyzzyva .",    /* upper case, and one unseen word */
    "dull",
};
#define N_TEXTS (sizeof texts / sizeof texts[0])

/* Without texts[2], every text is shorter than T: a batch that last-token pooling runs
 * for fewer steps. */
static const char *const short_texts[] = {
    "the story", "A gorgeous , witty , seductive movie .", "", "bland", "zyzzyva", "dull , dull",
};

/* labels and probs of list[i % count] for i < n against manual_predict. */
static void assert_list_matches(lstmsent_classifier *k, const char *const *list, size_t count,
                                size_t n)
{
    lstmsent_model *m = lstmsent_classifier_model(k);
    const lstmsent_corpus *v = lstmsent_classifier_vocab(k);
    const int32_t O = lstmsent_classifier_num_classes(k);
    const char **in = malloc(n * sizeof *in);
    int32_t *labels = malloc(n * sizeof *labels);
    float *probs = malloc(n * (size_t)O * sizeof *probs);
    ck_assert(in && labels && probs);
    for (size_t i = 0; i < n; i++)
        in[i] = list[i % count];
    ck_assert_int_eq(lstmsent_classifier_predict(k, in, n, labels, probs, n * (size_t)O),
                     LSTMSENT_OK);
    for (size_t i = 0; i < count && i < n; i++) {
        double p[LSTMSENT_MAX_CLASSES], sum = 0.0;
        int32_t want = manual_predict(m, v, list[i], p);
        for (size_t r = i; r < n; r += count) {
            ck_assert_msg(labels[r] == want, "text %zu (row %zu): label %d, by hand %d", i, r,
                          labels[r], want);
            for (int32_t c = 0; c < O; c++)
                ck_assert_msg(fabs(probs[r * O + c] - p[c]) < 1e-6, "text %zu class %d: %.9g, "
                              "by hand %.9g", i, c, probs[r * O + c], p[c]);
        }
        for (int32_t c = 0; c < O; c++)
            sum += probs[i * O + c];
        ck_assert_double_eq_tol(sum, 1.0, 1e-5);
    }
    free(in);
    free(labels);
    free(probs);
}

static void assert_predict_matches(lstmsent_classifier *k, size_t n)
{
    assert_list_matches(k, texts, N_TEXTS, n);
    assert_list_matches(k, short_texts, sizeof short_texts / sizeof short_texts[0], n);
}

static lstmsent_corpus *eval_corpus(const lstmsent_corpus_options *o)
{
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("eval.tsv"), o), LSTMSENT_OK);
    return c;
}

/* Both heads, both poolings, one text and batches past the 256-row chunk. */
START_TEST(test_predict_equals_manual_forward)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    const lstmsent_head heads[2] = {LSTMSENT_HEAD_SIGMOID, LSTMSENT_HEAD_LOGITS};
    const lstmsent_pooling pools[2] = {LSTMSENT_POOL_LAST_STEP, LSTMSENT_POOL_LAST_TOKEN};
    for (int v = 0; v < 4; v++) {
        lstmsent_model *m = tiny_model(lstmsent_corpus_vocab_size(c), heads[v % 2],
                                       pools[v / 2], 21 + (uint64_t)v);
        lstmsent_classifier *k;
        ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_classifier_num_classes(k), 5);
        ck_assert_int_eq(lstmsent_classifier_seq_len(k), TINY_T);
        ck_assert_ptr_eq(lstmsent_classifier_model(k), m);
        ck_assert_ptr_eq(lstmsent_classifier_vocab(k), c);
        assert_predict_matches(k, 1);
        assert_predict_matches(k, N_TEXTS);
        assert_predict_matches(k, 300);
        /* The mode comes back: training before, training after. */
        ck_assert_int_eq(lstmsent_model_is_training(m), 1);
        lstmsent_model_set_training(m, 0);
        assert_predict_matches(k, 3);
        ck_assert_int_eq(lstmsent_model_is_training(m), 0);
        /* labels alone, probs alone. */
        int32_t lab[N_TEXTS];
        float pr[N_TEXTS * 5];
        ck_assert_int_eq(lstmsent_classifier_predict(k, texts, N_TEXTS, lab, NULL, 0), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_classifier_predict(k, texts, N_TEXTS, NULL, pr, N_TEXTS * 5),
                         LSTMSENT_OK);
        for (size_t i = 0; i < N_TEXTS; i++) {
            double p[5];
            ck_assert_int_eq(lab[i], manual_predict(m, c, texts[i], p));
        }
        lstmsent_classifier_free(k);
        lstmsent_model_free(m);
    }
    lstmsent_corpus_free(c);
}
END_TEST

/* A long text keeps its first T tokens; an empty text is an empty phrase's dataset row; a
 * text of unseen words keeps one (padding) step per word. */
START_TEST(test_truncation_empty_and_unknown_texts)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    for (int pool = 0; pool < 2; pool++) {
        lstmsent_model *m = tiny_model(lstmsent_corpus_vocab_size(c), LSTMSENT_HEAD_LOGITS,
                                       (lstmsent_pooling)pool, 31);
        lstmsent_classifier *k;
        ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_OK);
        size_t tokens = 0, unknown = 9;
        ck_assert_int_eq(lstmsent_classifier_count_tokens(k, texts[2], &tokens, &unknown),
                         LSTMSENT_OK);
        ck_assert_uint_eq(tokens, 21);
        ck_assert_uint_eq(unknown, 2);   /* loss, of */
        /* The same as the text cut by hand after its 12th token. */
        const char *cut = "An engaging , if uneven , film about grief , loss ,";
        ck_assert_int_eq(lstmsent_classifier_count_tokens(k, cut, &tokens, NULL), LSTMSENT_OK);
        ck_assert_uint_eq(tokens, TINY_T);
        const char *pair[2] = {texts[2], cut};
        float p[10];
        ck_assert_int_eq(lstmsent_classifier_predict(k, pair, 2, NULL, p, 10), LSTMSENT_OK);
        for (int j = 0; j < 5; j++)
            ck_assert_float_eq(p[j], p[5 + j]);

        /* Empty and white-space texts: the row of an empty phrase in a dataset. */
        lstmsent_corpus_options o;
        lstmsent_corpus_options_default(&o);
        o.vocabulary = c;
        const char *phr[3] = {"", "zyzzyva quux", "  "};
        lstmsent_corpus *ec;
        ck_assert_int_eq(lstmsent_corpus_create(&ec, phr, NULL, 3, &o), LSTMSENT_OK);
        lstmsent_dataset *d = dataset_of(ec, TINY_T);
        ck_assert_int_eq(lstmsent_dataset_lengths(d)[0], 0);
        ck_assert_int_eq(lstmsent_dataset_lengths(d)[1], 2);
        float probs[15];
        int32_t lab[3];
        ck_assert_int_eq(lstmsent_classifier_predict(k, phr, 3, lab, probs, 15), LSTMSENT_OK);
        for (int r = 0; r < 3; r++) {
            float y[5];
            row_outputs(m, d, (size_t)r, y);
            ck_assert_int_eq(lab[r], ref_argmax(y, 5));
            double mx = y[0], sum = 0;
            for (int j = 1; j < 5; j++)
                mx = y[j] > mx ? y[j] : mx;
            for (int j = 0; j < 5; j++)
                sum += exp(y[j] - mx);
            for (int j = 0; j < 5; j++)
                ck_assert(fabs(probs[r * 5 + j] - exp(y[j] - mx) / sum) < 1e-6);
        }
        for (int j = 0; j < 5; j++)
            ck_assert_float_eq(probs[j], probs[10 + j]);
        /* Under last-token pooling "zyzzyva quux" is read after two padding steps, the
         * empty text after one: not the same answer. */
        if (pool == LSTMSENT_POOL_LAST_TOKEN) {
            int same = 1;
            for (int j = 0; j < 5; j++)
                same = same && probs[j] == probs[5 + j];
            ck_assert(!same);
        }
        lstmsent_dataset_free(d);
        lstmsent_corpus_free(ec);
        lstmsent_classifier_free(k);
        lstmsent_model_free(m);
    }
    lstmsent_corpus_free(c);
}
END_TEST

/* The vocabulary's policy decides what an unseen word is. */
START_TEST(test_predict_uses_the_vocabulary_policy)
{
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    o.unknown = LSTMSENT_UNKNOWN_ID;
    o.min_count = 2;                  /* rare words of eval.tsv become unknown as well */
    lstmsent_corpus *c = eval_corpus(&o);
    const size_t V = lstmsent_corpus_vocab_size(c);
    lstmsent_model_options mo;
    tiny_options(&mo, V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_TOKEN, 41);
    lstmsent_model *m;
    lstmsent_classifier *k = (lstmsent_classifier *)&k;
    /* V + 1 rows have no room for the unknown id. */
    ck_assert_int_eq(lstmsent_model_create(&m, &mo), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_ERR_MISMATCH);
    ck_assert_ptr_null(k);
    ck_assert_msg(strstr(lstmsent_last_error(), "policy LSTMSENT_UNKNOWN_ID need") != NULL, "%s",
                  lstmsent_last_error());
    lstmsent_model_free(m);
    mo.num_embeddings = (int64_t)V + 2;
    ck_assert_int_eq(lstmsent_model_create(&m, &mo), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_OK);
    assert_predict_matches(k, N_TEXTS);
    /* "zyzzyva quux" is two unknown ids here. */
    int32_t ids[2];
    size_t n;
    ck_assert_int_eq(lstmsent_corpus_encode(c, "zyzzyva quux", LSTMSENT_UNKNOWN_ID, ids, 2, &n),
                     LSTMSENT_OK);
    ck_assert_int_eq(ids[0], (int32_t)V + 1);
    lstmsent_classifier_free(k);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);

    /* LSTMSENT_UNKNOWN_ERROR refuses the whole call, naming the text and the word. */
    o.unknown = LSTMSENT_UNKNOWN_ERROR;
    o.min_count = 1;
    c = eval_corpus(&o);
    m = tiny_model(lstmsent_corpus_vocab_size(c), LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 2);
    ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_OK);
    int32_t lab[3] = {-7, -7, -7};
    float pr[15];
    for (int j = 0; j < 15; j++)
        pr[j] = -7.0f;
    const char *in[3] = {"a gorgeous movie", "bland", "a splendid movie"};
    ck_assert_int_eq(lstmsent_classifier_predict(k, in, 3, lab, pr, 15),
                     LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_classifier_predict: texts[2]: word "
                     "'splendid' is not in the vocabulary (its policy is LSTMSENT_UNKNOWN_ERROR)");
    for (int j = 0; j < 3; j++)
        ck_assert_int_eq(lab[j], -7);
    for (int j = 0; j < 15; j++)
        ck_assert_float_eq(pr[j], -7.0f);
    ck_assert_int_eq(lstmsent_classifier_predict(k, in, 2, lab, pr, 10), LSTMSENT_OK);
    size_t tokens, unknown;
    ck_assert_int_eq(lstmsent_classifier_count_tokens(k, in[2], &tokens, &unknown), LSTMSENT_OK);
    ck_assert_uint_eq(tokens, 3);
    ck_assert_uint_eq(unknown, 1);
    lstmsent_classifier_free(k);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
}
END_TEST

/* The unknown word of a refusal is quoted with its control bytes escaped. */
START_TEST(test_predict_unknown_word_is_escaped)
{
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    o.unknown = LSTMSENT_UNKNOWN_ERROR;
    o.min_count = 1;
    lstmsent_corpus *c = eval_corpus(&o);
    lstmsent_model *m = tiny_model(lstmsent_corpus_vocab_size(c), LSTMSENT_HEAD_SIGMOID,
                                   LSTMSENT_POOL_LAST_STEP, 2);
    lstmsent_classifier *k;
    ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_OK);
    int32_t lab[1];
    float pr[5];
    const char *in[1] = {"a \x1b[2Jmovie"};
    ck_assert_int_eq(lstmsent_classifier_predict(k, in, 1, lab, pr, 5), LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_classifier_predict: texts[0]: word "
                     "'\\x1b[2jmovie' is not in the vocabulary (its policy is "
                     "LSTMSENT_UNKNOWN_ERROR)");
    lstmsent_classifier_free(k);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_predict_refusals)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    const size_t V = lstmsent_corpus_vocab_size(c);
    lstmsent_model *m = tiny_model(V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 3);
    lstmsent_classifier *k = (lstmsent_classifier *)&k;
    ck_assert_int_eq(lstmsent_classifier_create(NULL, m, c), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_classifier_create(&k, NULL, c), LSTMSENT_ERR_NULL);
    ck_assert_ptr_null(k);
    ck_assert_int_eq(lstmsent_classifier_create(&k, m, NULL), LSTMSENT_ERR_NULL);
    /* A vocabulary that is not the model's: too few or too many rows. */
    lstmsent_model *big = tiny_model(V + 2, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 3);
    k = (lstmsent_classifier *)&k;
    ck_assert_int_eq(lstmsent_classifier_create(&k, big, c), LSTMSENT_ERR_MISMATCH);
    ck_assert_ptr_null(k);
    ck_assert_msg(strstr(lstmsent_last_error(), "need") != NULL, "%s", lstmsent_last_error());
    lstmsent_model_free(big);
    lstmsent_model *small = tiny_model(3, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 3);
    ck_assert_int_eq(lstmsent_classifier_create(&k, small, c), LSTMSENT_ERR_MISMATCH);
    lstmsent_model_free(small);
    /* V + 2 rows with the padding policy are fine (the last row is never read). */
    lstmsent_model *spare = tiny_model(V + 1, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 3);
    ck_assert_int_eq(lstmsent_classifier_create(&k, spare, c), LSTMSENT_OK);
    lstmsent_classifier_free(k);
    lstmsent_model_free(spare);

    ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_OK);
    int32_t lab[4] = {-7, -7, -7, -7};
    float pr[20];
    for (int j = 0; j < 20; j++)
        pr[j] = -7.0f;
    /* Invalid UTF-8 in one text: nothing written, the text named. */
    const char *in[4] = {"good", "fine", "caf\xc3", "bad"};
    ck_assert_int_eq(lstmsent_classifier_predict(k, in, 4, lab, pr, 20), LSTMSENT_ERR_UTF8);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_classifier_predict: texts[2]: invalid UTF-8 "
                     "at byte 4 of the text");
    const char *in2[2] = {"good", NULL};
    ck_assert_int_eq(lstmsent_classifier_predict(k, in2, 2, lab, pr, 20), LSTMSENT_ERR_NULL);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "texts[1] is NULL"));
    ck_assert_int_eq(lstmsent_classifier_predict(k, in, 2, lab, pr, 9), LSTMSENT_ERR_BUFFER);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "probs holds 9 floats"));
    for (int j = 0; j < 4; j++)
        ck_assert_int_eq(lab[j], -7);
    for (int j = 0; j < 20; j++)
        ck_assert_float_eq(pr[j], -7.0f);
    ck_assert_int_eq(lstmsent_model_is_training(m), 1);
    ck_assert_int_eq(lstmsent_classifier_predict(NULL, in, 1, lab, NULL, 0), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_classifier_predict(k, NULL, 1, lab, NULL, 0), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_classifier_predict(k, NULL, 0, NULL, NULL, 0), LSTMSENT_OK);
    size_t tokens;
    ck_assert_int_eq(lstmsent_classifier_count_tokens(k, "caf\xc3", &tokens, NULL),
                     LSTMSENT_ERR_UTF8);
    ck_assert_int_eq(lstmsent_classifier_count_tokens(k, NULL, &tokens, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_classifier_count_tokens(k, "", NULL, NULL), LSTMSENT_OK);
    lstmsent_classifier_free(k);
    lstmsent_classifier_free(NULL);
    ck_assert_ptr_null(lstmsent_classifier_model(NULL));
    ck_assert_ptr_null(lstmsent_classifier_vocab(NULL));
    ck_assert_int_eq(lstmsent_classifier_num_classes(NULL), 0);
    ck_assert_int_eq(lstmsent_classifier_seq_len(NULL), 0);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
}
END_TEST

/* One call from a model file: the same answers as the model and vocabulary it was saved
 * from, the policy and seq_len carried by the file. */
START_TEST(test_classifier_load)
{
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    o.unknown = LSTMSENT_UNKNOWN_ID;
    lstmsent_corpus *c = eval_corpus(&o);
    lstmsent_model_options mo;
    tiny_options(&mo, lstmsent_corpus_vocab_size(c), LSTMSENT_HEAD_LOGITS,
                 LSTMSENT_POOL_LAST_TOKEN, 51);
    mo.num_embeddings++;
    mo.seq_len = 9;
    lstmsent_model *m;
    ck_assert_int_eq(lstmsent_model_create(&m, &mo), LSTMSENT_OK);
    scale_param(m, "fc.weight", 8.0f);
    lstmsent_classifier *a, *b = (lstmsent_classifier *)&b;
    ck_assert_int_eq(lstmsent_classifier_create(&a, m, c), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(m, c, tmp_path("m.safetensors")), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_load(&b, tmp_path("m.safetensors"), NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_seq_len(b), 9);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(lstmsent_classifier_vocab(b)),
                     LSTMSENT_UNKNOWN_ID);
    ck_assert_int_eq(lstmsent_model_is_training(lstmsent_classifier_model(b)), 1);
    int32_t la[N_TEXTS], lb[N_TEXTS];
    float pa[N_TEXTS * 5], pb[N_TEXTS * 5];
    ck_assert_int_eq(lstmsent_classifier_predict(a, texts, N_TEXTS, la, pa, N_TEXTS * 5),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_predict(b, texts, N_TEXTS, lb, pb, N_TEXTS * 5),
                     LSTMSENT_OK);
    ck_assert(memcmp(la, lb, sizeof la) == 0);
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    assert_predict_matches(b, N_TEXTS);
    lstmsent_classifier_free(b);

    /* Without a vocabulary there is nothing to encode text with. */
    ck_assert_int_eq(lstmsent_model_save(m, NULL, tmp_path("bare.safetensors")), LSTMSENT_OK);
    b = (lstmsent_classifier *)&b;
    ck_assert_int_eq(lstmsent_classifier_load(&b, tmp_path("bare.safetensors"), NULL),
                     LSTMSENT_ERR_METADATA);
    ck_assert_ptr_null(b);
    ck_assert_msg(strstr(lstmsent_last_error(), "bare.safetensors: the file holds no "
                         "vocabulary") != NULL, "%s", lstmsent_last_error());
    /* The loader's own checks, such as the vocabulary's digest. */
    FILE *f = fopen(tmp_path("m.safetensors"), "rb");
    ck_assert_ptr_nonnull(f);
    char *img = malloc(1 << 16);
    size_t len = fread(img, 1, 1 << 16, f);
    fclose(f);
    char *at = memmem(img, len, "\"vocab_digest\":\"", 16);
    ck_assert_ptr_nonnull(at);
    at[16] = at[16] == '0' ? '1' : '0';
    f = fopen(tmp_path("digest.safetensors"), "wb");
    ck_assert_uint_eq(fwrite(img, 1, len, f), len);
    fclose(f);
    free(img);
    ck_assert_int_eq(lstmsent_classifier_load(&b, tmp_path("digest.safetensors"), NULL),
                     LSTMSENT_ERR_DIGEST);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(lstmsent_classifier_load(&b, tmp_path("missing.safetensors"), NULL),
                     LSTMSENT_ERR_IO);
    ck_assert_int_eq(lstmsent_classifier_load(NULL, tmp_path("m.safetensors"), NULL),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_classifier_load(&b, NULL, NULL), LSTMSENT_ERR_NULL);
    lstmsent_classifier_free(a);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
}
END_TEST

/* ---- ensembles ------------------------------------------------------------------------- */

/* Each model's own classifier over vocab; labels and probs of list[i % count], i < n. */
static void predict_alone(lstmsent_model *m, const lstmsent_corpus *vocab,
                          const char *const *list, size_t n, int32_t *labels, float *probs)
{
    lstmsent_classifier *k;
    ck_assert_int_eq(lstmsent_classifier_create(&k, m, vocab), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_predict(k, list, n, labels, probs, n * 5), LSTMSENT_OK);
    lstmsent_classifier_free(k);
}

/* The ensemble's answers for list[0, n) against the mean of m1's and m2's own predict
 * probabilities, computed here; the two models must disagree somewhere, so that an
 * ensemble reading only one of them fails. */
static void assert_ensemble_of(lstmsent_classifier *k, lstmsent_model *m1, lstmsent_model *m2,
                               const lstmsent_corpus *vocab, const char *const *list, size_t n)
{
    int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    int32_t *le = malloc(n * sizeof *le);
    float *p1 = malloc(n * 5 * sizeof *p1), *p2 = malloc(n * 5 * sizeof *p2);
    float *pe = malloc(n * 5 * sizeof *pe);
    ck_assert(l1 && l2 && le && p1 && p2 && pe);
    predict_alone(m1, vocab, list, n, l1, p1);
    predict_alone(m2, vocab, list, n, l2, p2);
    ck_assert_int_eq(lstmsent_classifier_predict(k, list, n, le, pe, n * 5), LSTMSENT_OK);
    double apart = 0.0;
    for (size_t i = 0; i < n; i++) {
        double avg[5], sum = 0.0;
        int best = 0;
        for (int c = 0; c < 5; c++) {
            avg[c] = 0.5 * ((double)p1[i * 5 + c] + (double)p2[i * 5 + c]);
            apart = fmax(apart, fabs((double)p1[i * 5 + c] - (double)p2[i * 5 + c]));
            ck_assert_msg(fabs(pe[i * 5 + c] - avg[c]) < 1e-6, "text %zu class %d: %.9g, the "
                          "mean of the models %.9g", i, c, pe[i * 5 + c], avg[c]);
            sum += pe[i * 5 + c];
            best = avg[c] > avg[best] ? c : best;
        }
        ck_assert_double_eq_tol(sum, 1.0, 1e-5);
        /* The argmax of the mean, unless two classes tie within the rounding. */
        int tie = 0;
        for (int c = 0; c < 5; c++)
            tie |= c != best && avg[best] - avg[c] < 1e-6;
        if (!tie)
            ck_assert_msg(le[i] == best, "text %zu: label %d, the mean's argmax %d", i, le[i],
                          best);
    }
    ck_assert_msg(apart > 1e-2, "the two models agree everywhere (%g): the test proves "
                  "nothing", apart);
    free(l1);
    free(l2);
    free(le);
    free(p1);
    free(p2);
    free(pe);
}

/* Texts on which the two models' labels differ make the argmax of the mean matter. */
static const char *const many_texts[] = {
    "A gorgeous , witty , seductive movie .", "the story is bland and the acting worse",
    "An engaging , if uneven , film about grief , loss , and the dull , dull story of a film",
    "", "zyzzyva quux", "NOT BAD at all zyzzyva .", "dull", "the story", "bland",
    "dull , dull", "a film", "witty", "the acting", "grief", "seductive movie", "uneven",
    "engaging story", "the film is bland", "loss", "a gorgeous film",
};
#define N_MANY (sizeof many_texts / sizeof many_texts[0])

/* Two models of other heads and poolings (last-token pairs, whose batches run only to
 * their longest text, and a mixed pair, which must run the full T) against the mean of
 * their own predictions; in one call, in batches past 256, modes restored. */
START_TEST(test_ensemble_predict_is_the_mean)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    const size_t V = lstmsent_corpus_vocab_size(c);
    const lstmsent_pooling pairs[3][2] = {
        {LSTMSENT_POOL_LAST_TOKEN, LSTMSENT_POOL_LAST_TOKEN},
        {LSTMSENT_POOL_LAST_STEP, LSTMSENT_POOL_LAST_TOKEN},
        {LSTMSENT_POOL_LAST_TOKEN, LSTMSENT_POOL_LAST_STEP},
    };
    for (int v = 0; v < 3; v++) {
        lstmsent_model *m1 = tiny_model(V, LSTMSENT_HEAD_LOGITS, pairs[v][0], 61 + (uint64_t)v);
        lstmsent_model *m2 = tiny_model(V, LSTMSENT_HEAD_SIGMOID, pairs[v][1], 71 + (uint64_t)v);
        lstmsent_classifier *k;
        ck_assert_int_eq(lstmsent_classifier_create(&k, m1, c), LSTMSENT_OK);
        ck_assert_uint_eq(lstmsent_classifier_model_count(k), 1);
        ck_assert_int_eq(lstmsent_classifier_add_model(k, m2), LSTMSENT_OK);
        ck_assert_uint_eq(lstmsent_classifier_model_count(k), 2);
        ck_assert_ptr_eq(lstmsent_classifier_model(k), m1);
        ck_assert_ptr_eq(lstmsent_classifier_model_at(k, 0), m1);
        ck_assert_ptr_eq(lstmsent_classifier_model_at(k, 1), m2);
        ck_assert_ptr_null(lstmsent_classifier_model_at(k, 2));
        assert_ensemble_of(k, m1, m2, c, many_texts, N_MANY);
        assert_ensemble_of(k, m1, m2, c, short_texts, sizeof short_texts / sizeof *short_texts);
        assert_ensemble_of(k, m1, m2, c, many_texts, 1);
        const char *big[300];
        for (size_t i = 0; i < 300; i++)
            big[i] = many_texts[i % N_MANY];
        assert_ensemble_of(k, m1, m2, c, big, 300);
        ck_assert_int_eq(lstmsent_model_is_training(m1), 1);
        ck_assert_int_eq(lstmsent_model_is_training(m2), 1);
        lstmsent_model_set_training(m2, 0);
        assert_ensemble_of(k, m1, m2, c, many_texts, N_MANY);
        ck_assert_int_eq(lstmsent_model_is_training(m1), 1);
        ck_assert_int_eq(lstmsent_model_is_training(m2), 0);
        lstmsent_classifier_free(k);
        lstmsent_model_free(m1);
        lstmsent_model_free(m2);
    }
    ck_assert_uint_eq(lstmsent_classifier_model_count(NULL), 0);
    ck_assert_ptr_null(lstmsent_classifier_model_at(NULL, 0));
    lstmsent_corpus_free(c);
}
END_TEST

/* The classifier's answers to many_texts, for comparing before and after. */
static void snapshot(lstmsent_classifier *k, int32_t *labels, float *probs)
{
    ck_assert_int_eq(lstmsent_classifier_predict(k, many_texts, N_MANY, labels, probs,
                                                 N_MANY * 5), LSTMSENT_OK);
}

static void expect_add_refused(lstmsent_classifier *k, lstmsent_model *m, lstmsent_status want,
                               const char *text)
{
    const size_t count = lstmsent_classifier_model_count(k);
    int32_t la[N_MANY], lb[N_MANY];
    float pa[N_MANY * 5], pb[N_MANY * 5];
    snapshot(k, la, pa);
    ck_assert_int_eq(lstmsent_classifier_add_model(k, m), want);
    ck_assert_msg(strstr(lstmsent_last_error(), text) != NULL, "message '%s' lacks '%s'",
                  lstmsent_last_error(), text);
    ck_assert_uint_eq(lstmsent_classifier_model_count(k), count);
    ck_assert_ptr_null(lstmsent_classifier_model_at(k, count));
    snapshot(k, lb, pb);
    ck_assert(memcmp(la, lb, sizeof la) == 0);
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
}

/* A model that reads other rows than the first is refused, naming the option, and the
 * classifier answers as before; with one model and with two. */
START_TEST(test_add_model_refusals)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    const size_t V = lstmsent_corpus_vocab_size(c);
    lstmsent_model *m1 = tiny_model(V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 81);
    lstmsent_model *m2 = tiny_model(V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_STEP, 82);
    lstmsent_model_options o;
    tiny_options(&o, V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 83);
    o.num_embeddings++;   /* V + 2 rows: still a fit for the vocabulary alone */
    lstmsent_model *rows, *classes, *steps;
    ck_assert_int_eq(lstmsent_model_create(&rows, &o), LSTMSENT_OK);
    tiny_options(&o, V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 83);
    o.output_size = 3;
    ck_assert_int_eq(lstmsent_model_create(&classes, &o), LSTMSENT_OK);
    tiny_options(&o, V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 83);
    o.seq_len = TINY_T + 1;
    ck_assert_int_eq(lstmsent_model_create(&steps, &o), LSTMSENT_OK);

    lstmsent_classifier *k;
    ck_assert_int_eq(lstmsent_classifier_create(&k, m1, c), LSTMSENT_OK);
    for (int round = 0; round < 2; round++) {
        expect_add_refused(k, rows, LSTMSENT_ERR_MISMATCH, "num_embeddings");
        expect_add_refused(k, classes, LSTMSENT_ERR_MISMATCH, "output_size");
        expect_add_refused(k, steps, LSTMSENT_ERR_MISMATCH, "seq_len");
        expect_add_refused(k, NULL, LSTMSENT_ERR_NULL, "model");
        if (round == 0) {
            ck_assert_int_eq(lstmsent_classifier_add_model(k, m2), LSTMSENT_OK);
            ck_assert_uint_eq(lstmsent_classifier_model_count(k), 2);
        }
    }
    assert_ensemble_of(k, m1, m2, c, many_texts, N_MANY);
    ck_assert_int_eq(lstmsent_classifier_add_model(NULL, m2), LSTMSENT_ERR_NULL);
    lstmsent_classifier_free(k);
    lstmsent_model_free(rows);
    lstmsent_model_free(classes);
    lstmsent_model_free(steps);
    lstmsent_model_free(m1);
    lstmsent_model_free(m2);
    lstmsent_corpus_free(c);
}
END_TEST

static void expect_load_refused(const char *const *paths, size_t n, lstmsent_status want,
                                const char *text)
{
    lstmsent_classifier *k = (lstmsent_classifier *)&k;
    ck_assert_int_eq(lstmsent_classifier_load_ensemble(&k, paths, n, NULL), want);
    ck_assert_ptr_null(k);
    ck_assert_msg(strstr(lstmsent_last_error(), text) != NULL, "message '%s' lacks '%s'",
                  lstmsent_last_error(), text);
}

/* Files of one vocabulary make an ensemble that answers as the models it was saved from;
 * another vocabulary (same size, two words swapped), a file without one, a missing file and
 * another seq_len are refused, naming the file, with nothing left allocated (valgrind). */
START_TEST(test_load_ensemble)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    const size_t V = lstmsent_corpus_vocab_size(c);
    lstmsent_model *m1 = tiny_model(V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 91);
    lstmsent_model *m2 = tiny_model(V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 92);
    char a[256], b[256], other[256], bare[256], t13[256];
    snprintf(a, sizeof a, "%s", tmp_path("a.safetensors"));
    snprintf(b, sizeof b, "%s", tmp_path("b.safetensors"));
    snprintf(other, sizeof other, "%s", tmp_path("other.safetensors"));
    snprintf(bare, sizeof bare, "%s", tmp_path("bare.safetensors"));
    snprintf(t13, sizeof t13, "%s", tmp_path("t13.safetensors"));
    ck_assert_int_eq(lstmsent_model_save(m1, c, a), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(m2, c, b), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(m2, NULL, bare), LSTMSENT_OK);
    /* The same words, 1 and 2 swapped: the same size, another vocabulary. */
    FILE *f = fopen(tmp_path("swapped.txt"), "wb");
    ck_assert_ptr_nonnull(f);
    for (int32_t id = 1; id <= (int32_t)V; id++) {
        const char *w;
        ck_assert_int_eq(lstmsent_corpus_word(c, id == 1 ? 2 : id == 2 ? 1 : id, &w),
                         LSTMSENT_OK);
        fprintf(f, "%s\n", w);
    }
    ck_assert_int_eq(fclose(f), 0);
    lstmsent_corpus *swapped;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&swapped, tmp_path("swapped.txt")), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(swapped), V);
    ck_assert_int_eq(lstmsent_model_save(m2, swapped, other), LSTMSENT_OK);
    lstmsent_model_options o;
    tiny_options(&o, V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 93);
    o.seq_len = 13;
    lstmsent_model *m13;
    ck_assert_int_eq(lstmsent_model_create(&m13, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(m13, c, t13), LSTMSENT_OK);

    /* The loaded ensemble answers as the in-memory one. */
    const char *ab[2] = {a, b};
    lstmsent_classifier *k, *mem;
    ck_assert_int_eq(lstmsent_classifier_load_ensemble(&k, ab, 2, NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_classifier_model_count(k), 2);
    ck_assert_ptr_eq(lstmsent_classifier_model(k), lstmsent_classifier_model_at(k, 0));
    ck_assert_int_eq(lstmsent_classifier_create(&mem, m1, c), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_add_model(mem, m2), LSTMSENT_OK);
    int32_t lk[N_MANY], lm[N_MANY];
    float pk[N_MANY * 5], pm[N_MANY * 5];
    snapshot(k, lk, pk);
    snapshot(mem, lm, pm);
    ck_assert(memcmp(lk, lm, sizeof lk) == 0);
    ck_assert(memcmp(pk, pm, sizeof pk) == 0);
    assert_ensemble_of(k, m1, m2, c, many_texts, N_MANY);
    lstmsent_classifier_free(mem);
    lstmsent_classifier_free(k);
    /* n = 1 is lstmsent_classifier_load. */
    ck_assert_int_eq(lstmsent_classifier_load_ensemble(&k, ab, 1, NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_classifier_model_count(k), 1);
    lstmsent_classifier_free(k);

    const char *swap[3] = {a, b, other};
    expect_load_refused(swap, 3, LSTMSENT_ERR_MISMATCH, "other.safetensors: its vocabulary is "
                        "not that of");
    const char *nov[2] = {a, bare};
    expect_load_refused(nov, 2, LSTMSENT_ERR_METADATA, "bare.safetensors: the file holds no "
                        "vocabulary");
    const char *gone[3] = {a, b, tmp_path("missing.safetensors")};
    char missing[256];
    snprintf(missing, sizeof missing, "%s", gone[2]);
    gone[2] = missing;
    expect_load_refused(gone, 3, LSTMSENT_ERR_IO, "missing.safetensors");
    const char *first_gone[2] = {missing, a};
    expect_load_refused(first_gone, 2, LSTMSENT_ERR_IO, "missing.safetensors");
    const char *steps[2] = {a, t13};
    expect_load_refused(steps, 2, LSTMSENT_ERR_MISMATCH, "t13.safetensors: "
                        "lstmsent_classifier_add_model: the model's seq_len is 13");
    const char *holes[2] = {a, NULL};
    expect_load_refused(holes, 2, LSTMSENT_ERR_NULL, "paths[1] is NULL");
    expect_load_refused(ab, 0, LSTMSENT_ERR_INVALID, "n = 0");
    expect_load_refused(NULL, 1, LSTMSENT_ERR_NULL, "paths");
    ck_assert_int_eq(lstmsent_classifier_load_ensemble(NULL, ab, 2, NULL), LSTMSENT_ERR_NULL);

    lstmsent_model_free(m13);
    lstmsent_corpus_free(swapped);
    lstmsent_model_free(m1);
    lstmsent_model_free(m2);
    lstmsent_corpus_free(c);
}
END_TEST

/* One model: the classifier's evaluation is lstmsent_model_evaluate's, counts and
 * accuracies exactly, the loss to 1e-5 (both heads: the sigmoid's 1e-10 is far below). */
START_TEST(test_classifier_evaluate_one_model)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    lstmsent_dataset *d = dataset_of(c, TINY_T);
    const lstmsent_head heads[2] = {LSTMSENT_HEAD_SIGMOID, LSTMSENT_HEAD_LOGITS};
    const lstmsent_pooling pools[2] = {LSTMSENT_POOL_LAST_STEP, LSTMSENT_POOL_LAST_TOKEN};
    const size_t batches[4] = {0, 1, 5, 7};
    for (int v = 0; v < 4; v++) {
        lstmsent_model *m = tiny_model(lstmsent_corpus_vocab_size(c), heads[v % 2],
                                       pools[v / 2], 101 + (uint64_t)v);
        lstmsent_classifier *k;
        ck_assert_int_eq(lstmsent_classifier_create(&k, m, c), LSTMSENT_OK);
        for (int b = 0; b < 4; b++) {
            lstmsent_eval_result rm, rk;
            ck_assert_int_eq(lstmsent_model_evaluate(m, d, batches[b], &rm), LSTMSENT_OK);
            ck_assert_int_eq(lstmsent_classifier_evaluate(k, d, batches[b], &rk), LSTMSENT_OK);
            ck_assert(memcmp(rm.confusion, rk.confusion, sizeof rm.confusion) == 0);
            ck_assert(memcmp(rm.sentence_confusion, rk.sentence_confusion,
                             sizeof rm.sentence_confusion) == 0);
            ck_assert(memcmp(rm.support, rk.support, sizeof rm.support) == 0);
            ck_assert_int_eq(rm.phrases, rk.phrases);
            ck_assert_int_eq(rm.sentences, rk.sentences);
            ck_assert_int_eq(rm.num_classes, rk.num_classes);
            ck_assert(rm.accuracy == rk.accuracy);
            ck_assert(rm.sentence_accuracy == rk.sentence_accuracy);
            ck_assert(rm.macro_f1 == rk.macro_f1);
            for (int j = 0; j < LSTMSENT_MAX_CLASSES; j++)
                ck_assert(rm.precision[j] == rk.precision[j] && rm.recall[j] == rk.recall[j] &&
                          rm.f1[j] == rk.f1[j]);
            ck_assert_msg(fabs(rm.loss - rk.loss) <= 1e-5 * rm.loss, "loss %.9g, the model's "
                          "%.9g", rk.loss, rm.loss);
        }
        lstmsent_classifier_free(k);
        lstmsent_model_free(m);
    }
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

/* The reference for an ensemble: every row alone through each model, the mean of their
 * softmaxes, its argmax, -log of it at the label, the first row of each sentence. */
static void reference_mean(lstmsent_model *const *models, int K, const lstmsent_dataset *d,
                           ref_result *r)
{
    memset(r, 0, sizeof *r);
    const size_t N = lstmsent_dataset_rows(d);
    ck_assert_uint_le(N, 64);
    const int64_t *sid = lstmsent_dataset_sentence_ids(d);
    const int32_t *labels = lstmsent_dataset_labels(d);
    int64_t seen[64];
    size_t n_seen = 0;
    for (size_t i = 0; i < N; i++) {
        double avg[5] = {0};
        for (int m = 0; m < K; m++) {
            float y[5];
            row_outputs(models[m], d, i, y);
            double mx = y[0], sum = 0.0;
            for (int c = 1; c < 5; c++)
                mx = y[c] > mx ? y[c] : mx;
            for (int c = 0; c < 5; c++)
                sum += exp((double)y[c] - mx);
            for (int c = 0; c < 5; c++)
                avg[c] += exp((double)y[c] - mx) / sum / K;
        }
        int p = 0;
        for (int c = 1; c < 5; c++)
            p = avg[c] > avg[p] ? c : p;
        r->pred[i] = p;
        r->confusion[labels[i]][p]++;
        r->loss -= log(avg[labels[i]]);
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

/* Two models: every metric from the mean probabilities, recomputed here; not the metrics
 * of either model alone; modes and parameters as they were; the same refusals. */
START_TEST(test_classifier_evaluate_ensemble)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    lstmsent_dataset *d = dataset_of(c, TINY_T);
    const size_t V = lstmsent_corpus_vocab_size(c), N = lstmsent_dataset_rows(d);
    lstmsent_model *m[2] = {tiny_model(V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 111),
                            tiny_model(V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 112)};
    lstmsent_classifier *k;
    ck_assert_int_eq(lstmsent_classifier_create(&k, m[0], c), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_add_model(k, m[1]), LSTMSENT_OK);
    lstmsent_model_set_training(m[1], 0);
    size_t n0, n1;
    float *before0 = params_copy(m[0], &n0), *before1 = params_copy(m[1], &n1);
    ref_result ref, alone;
    reference_mean(m, 2, d, &ref);
    const size_t batches[3] = {0, 1, 5};
    for (int b = 0; b < 3; b++) {
        lstmsent_eval_result res;
        ck_assert_int_eq(lstmsent_classifier_evaluate(k, d, batches[b], &res), LSTMSENT_OK);
        assert_matches(&res, &ref, 5, N);
        ck_assert_int_eq(lstmsent_model_is_training(m[0]), 1);
        ck_assert_int_eq(lstmsent_model_is_training(m[1]), 0);
    }
    /* The mean is neither model: both differ from it in the loss. */
    for (int i = 0; i < 2; i++) {
        reference_mean(m + i, 1, d, &alone);
        ck_assert_msg(fabs(alone.loss - ref.loss) > 1e-3, "model %d alone has the ensemble's "
                      "loss %.6g", i, ref.loss);
    }
    float *after0 = params_copy(m[0], &n0), *after1 = params_copy(m[1], &n1);
    ck_assert(memcmp(before0, after0, n0 * sizeof(float)) == 0);
    ck_assert(memcmp(before1, after1, n1 * sizeof(float)) == 0);

    /* The refusals of lstmsent_model_evaluate, *out untouched, the modes kept. */
    lstmsent_eval_result res, pristine;
    memset(&res, 0x5a, sizeof res);
    memcpy(&pristine, &res, sizeof res);
    lstmsent_dataset *d30 = dataset_of(c, 30);
    ck_assert_int_eq(lstmsent_classifier_evaluate(k, d30, 0, &res), LSTMSENT_ERR_SHAPE);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "lstmsent_classifier_evaluate: the "
                                 "dataset's rows are 30 ids long, the model's seq_len is 12"));
    lstmsent_dataset_free(d30);
    lstmsent_corpus *u;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&u, data_path("unlabelled.tsv"), NULL), LSTMSENT_OK);
    lstmsent_corpus_options co;
    lstmsent_corpus_options_default(&co);
    co.vocabulary = c;
    lstmsent_corpus *uc;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&uc, data_path("unlabelled.tsv"), &co),
                     LSTMSENT_OK);
    lstmsent_dataset *du = dataset_of(uc, TINY_T);
    ck_assert_int_eq(lstmsent_classifier_evaluate(k, du, 0, &res), LSTMSENT_ERR_LABEL);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "the dataset has no labels"));
    write_text(tmp_path("v.txt"), "good\nbad\n");
    lstmsent_corpus *vc;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&vc, tmp_path("v.txt")), LSTMSENT_OK);
    lstmsent_dataset *empty = dataset_of(vc, TINY_T);
    ck_assert_int_eq(lstmsent_classifier_evaluate(k, empty, 0, &res), LSTMSENT_ERR_EMPTY);
    ck_assert(memcmp(&res, &pristine, sizeof res) == 0);
    ck_assert_int_eq(lstmsent_model_is_training(m[0]), 1);
    ck_assert_int_eq(lstmsent_model_is_training(m[1]), 0);
    ck_assert_int_eq(lstmsent_classifier_evaluate(NULL, d, 0, &res), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_classifier_evaluate(k, NULL, 0, &res), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_classifier_evaluate(k, d, 0, NULL), LSTMSENT_ERR_NULL);
    lstmsent_classifier_free(k);

    /* Labels past the classes and ids past the embedding: a 3-class pair and a pair of
     * small embeddings over eval.tsv's rows. */
    lstmsent_model_options o;
    tiny_options(&o, V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_STEP, 114);
    o.output_size = 3;
    lstmsent_model *c3[2];
    ck_assert_int_eq(lstmsent_model_create(&c3[0], &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_create(&c3[1], &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_create(&k, c3[0], c), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_add_model(k, c3[1]), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_evaluate(k, d, 0, &res), LSTMSENT_ERR_LABEL);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "row 0 has label 4, the model's "
                                 "classes are 0..2"));
    lstmsent_classifier_free(k);
    lstmsent_model_free(c3[0]);
    lstmsent_model_free(c3[1]);
    tiny_options(&o, 2, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_STEP, 115);
    lstmsent_model *s2[2];
    ck_assert_int_eq(lstmsent_model_create(&s2[0], &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_create(&s2[1], &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_create(&k, s2[0], vc), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_add_model(k, s2[1]), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_evaluate(k, d, 0, &res), LSTMSENT_ERR_TOKEN);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "is outside the model's embedding 0..2"));
    ck_assert(memcmp(&res, &pristine, sizeof res) == 0);
    lstmsent_classifier_free(k);
    lstmsent_model_free(s2[0]);
    lstmsent_model_free(s2[1]);

    lstmsent_dataset_free(empty);
    lstmsent_corpus_free(vc);
    lstmsent_dataset_free(du);
    lstmsent_corpus_free(uc);
    lstmsent_corpus_free(u);
    free(before0);
    free(before1);
    free(after0);
    free(after1);
    lstmsent_model_free(m[0]);
    lstmsent_model_free(m[1]);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

/* A dataset's rows get the answers its texts get from predict: texts written to a TSV,
 * read with the classifier's vocabulary; one model and two; and its refusals. */
START_TEST(test_predict_dataset_equals_predict)
{
    lstmsent_corpus *c = eval_corpus(NULL);
    const size_t V = lstmsent_corpus_vocab_size(c);
    FILE *f = fopen(tmp_path("t.tsv"), "wb");
    ck_assert_ptr_nonnull(f);
    fputs("PhraseId\tSentenceId\tPhrase\n", f);
    for (size_t i = 0; i < N_MANY; i++)
        fprintf(f, "%zu\t1\t%s\n", i + 1, many_texts[i]);
    ck_assert_int_eq(fclose(f), 0);
    lstmsent_corpus_options co;
    lstmsent_corpus_options_default(&co);
    co.vocabulary = c;
    lstmsent_corpus *tc;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&tc, tmp_path("t.tsv"), &co), LSTMSENT_OK);
    lstmsent_dataset *d = dataset_of(tc, TINY_T);
    ck_assert_uint_eq(lstmsent_dataset_rows(d), N_MANY);
    lstmsent_model *m1 = tiny_model(V, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_TOKEN, 121);
    lstmsent_model *m2 = tiny_model(V, LSTMSENT_HEAD_SIGMOID, LSTMSENT_POOL_LAST_STEP, 122);
    lstmsent_classifier *k;
    ck_assert_int_eq(lstmsent_classifier_create(&k, m1, c), LSTMSENT_OK);
    for (int round = 0; round < 2; round++) {
        int32_t lt[N_MANY], ld[N_MANY];
        float pt[N_MANY * 5], pd[N_MANY * 5];
        snapshot(k, lt, pt);
        const size_t batches[3] = {0, 1, 7};
        for (int b = 0; b < 3; b++) {
            ck_assert_int_eq(lstmsent_classifier_predict_dataset(k, d, batches[b], ld, pd,
                                                                 N_MANY * 5), LSTMSENT_OK);
            for (size_t i = 0; i < N_MANY * 5; i++)
                ck_assert_msg(fabs(pt[i] - pd[i]) < 1e-6, "row %zu: %.9g, predict %.9g",
                              i / 5, pd[i], pt[i]);
            ck_assert(memcmp(lt, ld, sizeof lt) == 0);
        }
        ck_assert_int_eq(lstmsent_classifier_predict_dataset(k, d, 0, ld, NULL, 0),
                         LSTMSENT_OK);
        ck_assert(memcmp(lt, ld, sizeof lt) == 0);
        if (round == 0)
            ck_assert_int_eq(lstmsent_classifier_add_model(k, m2), LSTMSENT_OK);
    }
    /* Refusals, nothing written. */
    int32_t ld[N_MANY];
    float pd[N_MANY * 5];
    memset(ld, 0x5a, sizeof ld);
    ck_assert_int_eq(lstmsent_classifier_predict_dataset(k, d, 0, ld, pd, N_MANY * 5 - 1),
                     LSTMSENT_ERR_BUFFER);
    lstmsent_dataset *d30 = dataset_of(tc, 30);
    ck_assert_int_eq(lstmsent_classifier_predict_dataset(k, d30, 0, ld, NULL, 0),
                     LSTMSENT_ERR_SHAPE);
    for (size_t i = 0; i < N_MANY; i++)
        ck_assert_int_eq(ld[i], 0x5a5a5a5a);
    lstmsent_dataset_free(d30);
    ck_assert_int_eq(lstmsent_classifier_predict_dataset(k, NULL, 0, ld, NULL, 0),
                     LSTMSENT_ERR_NULL);
    lstmsent_classifier_free(k);
    lstmsent_dataset *d_all = dataset_of(c, TINY_T);
    lstmsent_model_options o;
    tiny_options(&o, 2, LSTMSENT_HEAD_LOGITS, LSTMSENT_POOL_LAST_STEP, 123);
    lstmsent_model *small;
    ck_assert_int_eq(lstmsent_model_create(&small, &o), LSTMSENT_OK);
    write_text(tmp_path("v.txt"), "good\nbad\n");
    lstmsent_corpus *vc;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&vc, tmp_path("v.txt")), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_create(&k, small, vc), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_classifier_predict_dataset(k, d_all, 0, NULL, NULL, 0),
                     LSTMSENT_ERR_TOKEN);
    lstmsent_classifier_free(k);
    lstmsent_model_free(small);
    lstmsent_corpus_free(vc);
    lstmsent_dataset_free(d_all);

    lstmsent_model_free(m1);
    lstmsent_model_free(m2);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(tc);
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
    tc = tcase_create("classifier");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_predict_equals_manual_forward);
    tcase_add_test(tc, test_truncation_empty_and_unknown_texts);
    tcase_add_test(tc, test_predict_uses_the_vocabulary_policy);
    tcase_add_test(tc, test_predict_unknown_word_is_escaped);
    tcase_add_test(tc, test_predict_refusals);
    tcase_add_test(tc, test_classifier_load);
    suite_add_tcase(s, tc);
    tc = tcase_create("ensemble");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ensemble_predict_is_the_mean);
    tcase_add_test(tc, test_add_model_refusals);
    tcase_add_test(tc, test_load_ensemble);
    tcase_add_test(tc, test_classifier_evaluate_one_model);
    tcase_add_test(tc, test_classifier_evaluate_ensemble);
    tcase_add_test(tc, test_predict_dataset_equals_predict);
    suite_add_tcase(s, tc);
    return s;
}
