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
    return s;
}
