/*
 * Using a trained model: its loss and metrics over a labelled dataset
 * (lstmsent_model_evaluate), and the classifier handle that pairs a model with its
 * vocabulary to label raw text. Both sit on the public calls of the model, dataset and
 * corpus (forward, loss, encode): the model stays free of words and files, and what is
 * scored here is exactly what lstmsent_model_forward computes.
 *
 * Letters: N rows, T sequence length, B batch rows, O classes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define DEFAULT_BATCH 256

/* A model of a classifier (or the model being evaluated) and the mode it had when a call
 * began. */
typedef struct member {
    lstmsent_model *model;
    int owned;      /* loaded by the classifier: freed with it */
    int training;   /* its mode before the current call */
} member;

/* Evaluation mode for every model, each one's mode kept. */
static void modes_to_eval(member *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        m[i].training = lstmsent_model_is_training(m[i].model);
        lstmsent_model_set_training(m[i].model, 0);
    }
}

/* Put the models back in their modes, last first (a model listed twice gets its first
 * mode back). set_training clears the thread's message, so a failure's message is kept
 * across it. */
static lstmsent_status restore_modes(member *m, size_t n, lstmsent_status st)
{
    char msg[1024];
    if (st != LSTMSENT_OK)
        snprintf(msg, sizeof msg, "%s", lstmsent_last_error());
    lstmsent_status rs = LSTMSENT_OK;
    for (size_t i = n; i-- > 0;) {
        lstmsent_status r = lstmsent_model_set_training(m[i].model, m[i].training);
        rs = rs != LSTMSENT_OK ? rs : r;
    }
    if (st != LSTMSENT_OK)
        return lstmsent__fail(st, "%s", msg);
    return rs;
}

/* The first of equal maxima, as torch.argmax (and lstmsent_model_loss's accuracy). */
static int32_t argmax(const float *y, int32_t n)
{
    int32_t best = 0;
    for (int32_t k = 1; k < n; k++)
        best = y[k] > y[best] ? k : best;
    return best;
}

/* ---- evaluation ------------------------------------------------------------------------ */

typedef struct sentence_row {
    int64_t sid;
    size_t row;
} sentence_row;

static int sentence_row_cmp(const void *pa, const void *pb)
{
    const sentence_row *a = pa, *b = pb;
    if (a->sid != b->sid)
        return a->sid < b->sid ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* first[i] = 1 for the first row (in dataset order) of each nonzero SentenceId; the
 * number of those rows. -1 when out of memory. */
static int64_t mark_sentences(const int64_t *sid, size_t n, uint8_t *first)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += sid[i] != 0;
    memset(first, 0, n);
    if (k == 0)
        return 0;
    sentence_row *r = lstmsent__alloc_array(k, sizeof *r);
    if (r == NULL)
        return -1;
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (sid[i] != 0)
            r[k++] = (sentence_row){sid[i], i};
    qsort(r, k, sizeof *r, sentence_row_cmp);
    int64_t count = 0;
    for (size_t i = 0; i < k; i++) {
        if (i == 0 || r[i].sid != r[i - 1].sid) {
            first[r[i].row] = 1;
            count++;
        }
    }
    free(r);
    return count;
}

/* The dataset's rows fit a model of these options: T is its seq_len, every id a row of
 * its embedding. fn names the call in the messages. */
static lstmsent_status check_rows(const char *fn, const lstmsent_model_options *o,
                                  const lstmsent_dataset *data)
{
    const size_t N = lstmsent_dataset_rows(data);
    const int32_t T = lstmsent_dataset_seq_len(data);
    if (T != o->seq_len)
        return lstmsent__fail(LSTMSENT_ERR_SHAPE, "%s: the dataset's rows are %d ids long, "
                              "the model's seq_len is %d (make the dataset with seq_len %d)",
                              fn, (int)T, (int)o->seq_len, (int)o->seq_len);
    const int32_t *ids = lstmsent_dataset_ids(data);
    for (size_t i = 0; i < N * (size_t)T; i++) {
        if (ids[i] < 0 || ids[i] >= o->num_embeddings)
            return lstmsent__fail(LSTMSENT_ERR_TOKEN, "%s: row %zu, step %zu: id %d is outside "
                                  "the model's embedding 0..%lld (a dataset made with another "
                                  "vocabulary?)", fn, i / (size_t)T, i % (size_t)T, (int)ids[i],
                                  (long long)o->num_embeddings - 1);
    }
    return LSTMSENT_OK;
}

/* The rows of a batch: 0 is the default, more than the dataset has is all of them. */
static size_t batch_rows(size_t batch, size_t N)
{
    if (batch == 0)
        batch = DEFAULT_BATCH;
    return batch > N && N > 0 ? N : batch;
}

/* Everything an evaluation can refuse, checked before the first forward. */
static lstmsent_status check_evaluate(const char *fn, const lstmsent_model_options *o,
                                      const lstmsent_dataset *data, size_t batch)
{
    const size_t N = lstmsent_dataset_rows(data);
    const int32_t T = lstmsent_dataset_seq_len(data), O = o->output_size;
    if (O > LSTMSENT_MAX_CLASSES)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: the model has %d classes; "
                              "lstmsent_eval_result holds at most %d", fn, (int)O,
                              LSTMSENT_MAX_CLASSES);
    if (T != o->seq_len)
        return check_rows(fn, o, data);
    if (N == 0)
        return lstmsent__fail(LSTMSENT_ERR_EMPTY, "%s: the dataset has no rows", fn);
    const int32_t *labels = lstmsent_dataset_labels(data);
    if (labels == NULL)
        return lstmsent__fail(LSTMSENT_ERR_LABEL, "%s: the dataset has no labels (its corpus "
                              "had no Sentiment column)", fn);
    if (batch > (size_t)INT32_MAX / (size_t)T)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: batches of %zu rows of %d ids are "
                              "more than %d ids", fn, batch, (int)T, INT32_MAX);
    for (size_t i = 0; i < N; i++) {
        if (labels[i] < 0 || labels[i] >= O)
            return lstmsent__fail(LSTMSENT_ERR_LABEL, "%s: row %zu has label %d, the model's "
                                  "classes are 0..%d", fn, i, (int)labels[i], (int)O - 1);
    }
    return check_rows(fn, o, data);
}

/* Precision, recall and F1 per class, macro F1 and the accuracies from the counts. */
static void finish_metrics(lstmsent_eval_result *r)
{
    const int32_t O = r->num_classes;
    int64_t correct = 0, sentence_correct = 0, predicted[LSTMSENT_MAX_CLASSES] = {0};
    for (int32_t t = 0; t < O; t++) {
        correct += r->confusion[t][t];
        sentence_correct += r->sentence_confusion[t][t];
        for (int32_t p = 0; p < O; p++) {
            r->support[t] += r->confusion[t][p];
            predicted[p] += r->confusion[t][p];
        }
    }
    double f1_sum = 0.0;
    int32_t present = 0;
    for (int32_t k = 0; k < O; k++) {
        const double tp = (double)r->confusion[k][k];
        r->precision[k] = predicted[k] > 0 ? tp / (double)predicted[k] : 0.0;
        r->recall[k] = r->support[k] > 0 ? tp / (double)r->support[k] : 0.0;
        const double pr = r->precision[k] + r->recall[k];
        r->f1[k] = pr > 0.0 ? 2.0 * r->precision[k] * r->recall[k] / pr : 0.0;
        if (r->support[k] > 0 || predicted[k] > 0) {
            f1_sum += r->f1[k];
            present++;
        }
    }
    r->macro_f1 = present > 0 ? f1_sum / present : 0.0;
    r->accuracy = (double)correct / (double)r->phrases;
    r->sentence_accuracy =
        r->sentences > 0 ? (double)sentence_correct / (double)r->sentences : (double)NAN;
}

/* One batch of an evaluation, rows [start, start + B) of the dataset: each row's
 * prediction into pred (B) and the sum of the rows' losses into *loss_sum. */
typedef lstmsent_status (*eval_batch_fn)(void *ctx, const lstmsent_dataset *data, size_t start,
                                         size_t B, int32_t *pred, double *loss_sum);

/* The metrics of an evaluation whose checks have passed (check_evaluate): the batches
 * in dataset order, their predictions counted, then the derived metrics. Shared by the
 * model's and the classifier's evaluation, which differ only in run. */
static lstmsent_status eval_run(const char *fn, const lstmsent_dataset *data, size_t batch,
                                int32_t O, eval_batch_fn run, void *ctx,
                                lstmsent_eval_result *out)
{
    const size_t N = lstmsent_dataset_rows(data);
    const int32_t *labels = lstmsent_dataset_labels(data);
    int32_t *pred = lstmsent__alloc_array(batch, sizeof *pred);
    uint8_t *first = lstmsent__alloc_array(N, 1);
    int64_t sentences = first != NULL ? mark_sentences(lstmsent_dataset_sentence_ids(data), N,
                                                       first) : -1;
    if (pred == NULL || sentences < 0) {
        free(pred);
        free(first);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", fn);
    }
    lstmsent_eval_result r;
    memset(&r, 0, sizeof r);
    r.phrases = (int64_t)N;
    r.sentences = sentences;
    r.num_classes = O;
    double loss_sum = 0.0;
    lstmsent_status st = LSTMSENT_OK;
    for (size_t start = 0; start < N && st == LSTMSENT_OK; start += batch) {
        const size_t B = N - start < batch ? N - start : batch;
        st = run(ctx, data, start, B, pred, &loss_sum);
        for (size_t b = 0; b < B && st == LSTMSENT_OK; b++) {
            const int32_t y = labels[start + b], p = pred[b];
            r.confusion[y][p]++;
            if (first[start + b])
                r.sentence_confusion[y][p]++;
        }
    }
    free(pred);
    free(first);
    if (st != LSTMSENT_OK)
        return st;
    r.loss = loss_sum / (double)N;
    finish_metrics(&r);
    *out = r;
    return LSTMSENT_OK;
}

typedef struct model_eval {
    lstmsent_model *model;
    float *outputs;   /* (batch, O) */
    int32_t T, O;
} model_eval;

/* A batch of lstmsent_model_evaluate: the model's forward, lstmsent_model_loss of it
 * weighted by the rows, the argmax of each row's outputs. */
static lstmsent_status model_eval_batch(void *ctx, const lstmsent_dataset *data, size_t start,
                                        size_t B, int32_t *pred, double *loss_sum)
{
    model_eval *e = ctx;
    const int32_t T = e->T, O = e->O;
    float loss;
    lstmsent_status st = lstmsent_model_forward(e->model,
                                                lstmsent_dataset_ids(data) + start * (size_t)T,
                                                (int32_t)B, T,
                                                lstmsent_dataset_lengths(data) + start, NULL,
                                                e->outputs, B * (size_t)O, NULL);
    if (st == LSTMSENT_OK)
        st = lstmsent_model_loss(e->model, lstmsent_dataset_labels(data) + start, B, &loss,
                                 NULL);
    if (st != LSTMSENT_OK)
        return st;
    *loss_sum += (double)loss * (double)B;
    for (size_t b = 0; b < B; b++)
        pred[b] = argmax(e->outputs + b * (size_t)O, O);
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_model_evaluate(lstmsent_model *model, const lstmsent_dataset *data,
                                        size_t batch, lstmsent_eval_result *out)
{
    static const char fn[] = "lstmsent_model_evaluate";
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(data);
    LSTMSENT__CHECK_NULL(out);
    lstmsent_model_options o;
    lstmsent_model_get_options(model, &o);
    batch = batch_rows(batch, lstmsent_dataset_rows(data));
    lstmsent_status st = check_evaluate(fn, &o, data, batch);
    if (st != LSTMSENT_OK)
        return st;
    model_eval e = {model, lstmsent__alloc_array(batch * (size_t)o.output_size, sizeof(float)),
                    o.seq_len, o.output_size};
    if (e.outputs == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", fn);
    member m = {model, 0, 0};
    modes_to_eval(&m, 1);
    st = eval_run(fn, data, batch, o.output_size, model_eval_batch, &e, out);
    st = restore_modes(&m, 1, st);
    free(e.outputs);
    return st;
}

/* ---- the classifier -------------------------------------------------------------------- */

#define PREDICT_BATCH 256

/* With one model a batch's answers are read from that model's outputs, as they always
 * were (no copy, nothing more allocated); with K > 1 each model's softmax is added into
 * avg and the sum divided by K. */
struct lstmsent_classifier {
    lstmsent_model *model;        /* models[0].model */
    member *models;               /* (n_models) all read the same encoded rows */
    size_t n_models, models_cap;
    const lstmsent_corpus *vocab;
    lstmsent_corpus *own_vocab;   /* lstmsent_classifier_load*: freed with the classifier */
    lstmsent_unknown unknown;     /* the vocabulary's policy */
    int32_t T, O;
    int64_t rows;                 /* every model's num_embeddings */
    int last_token;               /* every model pools at the last token: steps after the
                                     longest text of a batch need not run */
    lstmsent__tokenizer tok;      /* its token buffer kept from call to call */
    size_t cap;                   /* rows the scratch below holds */
    int32_t *ids;                 /* (cap, T) */
    int32_t *lengths;             /* (cap) */
    float *out;                   /* (cap, O) one model's outputs */
    double *avg;                  /* (cap, O) with K > 1 models: their mean probabilities */
};

lstmsent_status lstmsent_classifier_create(lstmsent_classifier **out, lstmsent_model *model,
                                           const lstmsent_corpus *vocab)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(vocab);
    lstmsent_model_options o;
    lstmsent_model_get_options(model, &o);
    const size_t V = lstmsent_corpus_vocab_size(vocab);
    const lstmsent_unknown unknown = lstmsent_corpus_unknown_policy(vocab);
    const int64_t rows = o.num_embeddings, one = (int64_t)V + 1, two = (int64_t)V + 2;
    if (unknown == LSTMSENT_UNKNOWN_ID && rows != two)
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "lstmsent_classifier_create: the "
                              "vocabulary's %zu words and its policy LSTMSENT_UNKNOWN_ID need "
                              "%lld embedding rows, the model has %lld", V, (long long)two,
                              (long long)rows);
    if (rows != one && rows != two)
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "lstmsent_classifier_create: the "
                              "vocabulary's %zu words need %lld embedding rows (%lld with an "
                              "unknown id), the model has %lld", V, (long long)one,
                              (long long)two, (long long)rows);
    lstmsent_classifier *c = calloc(1, sizeof *c);
    member *models = calloc(1, sizeof *models);
    if (c == NULL || models == NULL) {
        free(c);
        free(models);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "lstmsent_classifier_create: out of memory");
    }
    models[0].model = model;
    c->model = model;
    c->models = models;
    c->n_models = c->models_cap = 1;
    c->vocab = vocab;
    c->unknown = unknown;
    c->T = o.seq_len;
    c->O = o.output_size;
    c->rows = o.num_embeddings;
    c->last_token = o.pooling == LSTMSENT_POOL_LAST_TOKEN;
    *out = c;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_classifier_add_model(lstmsent_classifier *classifier,
                                              lstmsent_model *model)
{
    static const char fn[] = "lstmsent_classifier_add_model";
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(classifier);
    LSTMSENT__CHECK_NULL(model);
    lstmsent_classifier *c = classifier;
    lstmsent_model_options o;
    lstmsent_model_get_options(model, &o);
    /* Texts are encoded once, with the classifier's vocabulary and T, for every model. */
    if (o.num_embeddings != c->rows)
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the model has %lld embedding rows "
                              "(num_embeddings), the classifier's models %lld: it was trained "
                              "on another vocabulary", fn, (long long)o.num_embeddings,
                              (long long)c->rows);
    if (o.output_size != c->O)
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the model has %d classes "
                              "(output_size), the classifier's models %d", fn,
                              (int)o.output_size, (int)c->O);
    if (o.seq_len != c->T)
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the model's seq_len is %d, the "
                              "classifier's models' %d (texts are padded once, to one "
                              "length)", fn, (int)o.seq_len, (int)c->T);
    if (c->n_models == c->models_cap) {
        const size_t cap = 2 * c->models_cap;
        member *m = lstmsent__alloc_array(cap, sizeof *m);
        if (m == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", fn);
        memcpy(m, c->models, c->n_models * sizeof *m);
        free(c->models);
        c->models = m;
        c->models_cap = cap;
    }
    c->models[c->n_models++] = (member){model, 0, 0};
    c->last_token = c->last_token && o.pooling == LSTMSENT_POOL_LAST_TOKEN;
    return LSTMSENT_OK;
}

/* Whether two vocabularies encode text alike: the same policy and the same word for
 * every id. When not, the reason in why. */
static int same_vocab(const lstmsent_corpus *a, const lstmsent_corpus *b, char *why,
                      size_t cap)
{
    const size_t V = lstmsent_corpus_vocab_size(a);
    if (lstmsent_corpus_vocab_size(b) != V) {
        snprintf(why, cap, "%zu words, not %zu", lstmsent_corpus_vocab_size(b), V);
        return 0;
    }
    if (lstmsent_corpus_unknown_policy(a) != lstmsent_corpus_unknown_policy(b)) {
        snprintf(why, cap, "another policy for unseen words");
        return 0;
    }
    for (size_t id = 1; id <= V; id++) {
        const char *wa, *wb;
        lstmsent_corpus_word(a, (int32_t)id, &wa);
        lstmsent_corpus_word(b, (int32_t)id, &wb);
        if (strcmp(wa, wb) != 0) {
            char qa[LSTMSENT__QUOTE_CAP], qb[LSTMSENT__QUOTE_CAP];
            snprintf(why, cap, "word %zu is '%s', not '%s'", id,
                     lstmsent__quote(qb, wb, strlen(wb), 40),
                     lstmsent__quote(qa, wa, strlen(wa), 40));
            return 0;
        }
    }
    return 1;
}

/* Load path's model and vocabulary, the vocabulary required. */
static lstmsent_status load_with_vocab(lstmsent_model **m, lstmsent_corpus **v,
                                       const char *path, const lstmsent_load_options *opts)
{
    lstmsent_status st = lstmsent_model_load(m, v, path, opts);
    if (st != LSTMSENT_OK)
        return st;
    if (*v == NULL) {
        lstmsent_model_free(*m);
        *m = NULL;
        return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: the file holds no vocabulary, so it "
                              "cannot classify text (save the model with its vocabulary: "
                              "lstmsent_model_save(model, vocab, path))", path);
    }
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_classifier_load_ensemble(lstmsent_classifier **out,
                                                  const char *const *paths, size_t n,
                                                  const lstmsent_load_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    LSTMSENT__CHECK_NULL(paths);
    if (n == 0)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: no model file (n = 0)", __func__);
    for (size_t i = 0; i < n; i++)
        if (paths[i] == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NULL, "%s: paths[%zu] is NULL", __func__, i);
    lstmsent_model *m;
    lstmsent_corpus *v;
    lstmsent_status st = load_with_vocab(&m, &v, paths[0], opts);
    if (st != LSTMSENT_OK)
        return st;
    lstmsent_classifier *c;
    /* The loader has checked the vocabulary against the embedding already. */
    st = lstmsent_classifier_create(&c, m, v);
    if (st != LSTMSENT_OK) {
        lstmsent_model_free(m);
        lstmsent_corpus_free(v);
        return st;
    }
    c->models[0].owned = 1;
    c->own_vocab = v;
    for (size_t i = 1; i < n && st == LSTMSENT_OK; i++) {
        lstmsent_corpus *vi;
        st = load_with_vocab(&m, &vi, paths[i], opts);
        if (st != LSTMSENT_OK)
            break;
        char why[256];
        if (!same_vocab(c->vocab, vi, why, sizeof why)) {
            st = lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: its vocabulary is not that of %s "
                                "(%s): the models of an ensemble must be trained on one "
                                "vocabulary", paths[i], paths[0], why);
        } else if ((st = lstmsent_classifier_add_model(c, m)) != LSTMSENT_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", lstmsent_last_error());
            st = lstmsent__fail(st, "%s: %s", paths[i], msg);
        } else {
            c->models[c->n_models - 1].owned = 1;
        }
        lstmsent_corpus_free(vi);
        if (st != LSTMSENT_OK)
            lstmsent_model_free(m);
    }
    if (st != LSTMSENT_OK) {
        lstmsent_classifier_free(c);
        return st;
    }
    *out = c;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_classifier_load(lstmsent_classifier **out, const char *path,
                                         const lstmsent_load_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    LSTMSENT__CHECK_NULL(path);
    return lstmsent_classifier_load_ensemble(out, &path, 1, opts);
}

void lstmsent_classifier_free(lstmsent_classifier *classifier)
{
    if (classifier == NULL)
        return;
    lstmsent__buf_free(&classifier->tok.tok);
    free(classifier->ids);
    free(classifier->lengths);
    free(classifier->out);
    free(classifier->avg);
    for (size_t i = 0; i < classifier->n_models; i++)
        if (classifier->models[i].owned)
            lstmsent_model_free(classifier->models[i].model);
    free(classifier->models);
    lstmsent_corpus_free(classifier->own_vocab);
    free(classifier);
}

lstmsent_model *lstmsent_classifier_model(const lstmsent_classifier *classifier)
{
    return classifier ? classifier->model : NULL;
}

size_t lstmsent_classifier_model_count(const lstmsent_classifier *classifier)
{
    return classifier ? classifier->n_models : 0;
}

lstmsent_model *lstmsent_classifier_model_at(const lstmsent_classifier *classifier, size_t i)
{
    return classifier && i < classifier->n_models ? classifier->models[i].model : NULL;
}

const lstmsent_corpus *lstmsent_classifier_vocab(const lstmsent_classifier *classifier)
{
    return classifier ? classifier->vocab : NULL;
}

int32_t lstmsent_classifier_num_classes(const lstmsent_classifier *classifier)
{
    return classifier ? classifier->O : 0;
}

int32_t lstmsent_classifier_seq_len(const lstmsent_classifier *classifier)
{
    return classifier ? classifier->T : 0;
}

/* Scratch for batches of `rows` texts (and the averages once there are two models); on
 * failure the old scratch stays. */
static lstmsent_status reserve_rows(lstmsent_classifier *c, size_t rows, const char *fn)
{
    const int need_avg = c->n_models > 1;
    if (rows <= c->cap && (!need_avg || c->avg != NULL))
        return LSTMSENT_OK;
    rows = rows > c->cap ? rows : c->cap;
    int32_t *ids = lstmsent__alloc_array(rows * (size_t)c->T, sizeof *ids);
    int32_t *lengths = lstmsent__alloc_array(rows, sizeof *lengths);
    float *out = lstmsent__alloc_array(rows * (size_t)c->O, sizeof *out);
    double *avg = need_avg ? lstmsent__alloc_array(rows * (size_t)c->O, sizeof *avg) : NULL;
    if (ids == NULL || lengths == NULL || out == NULL || (need_avg && avg == NULL)) {
        free(ids);
        free(lengths);
        free(out);
        free(avg);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory for %zu rows", fn, rows);
    }
    free(c->ids);
    free(c->lengths);
    free(c->out);
    free(c->avg);
    c->ids = ids;
    c->lengths = lengths;
    c->out = out;
    c->avg = avg;
    c->cap = rows;
    return LSTMSENT_OK;
}

/* The message for a failed encoding of texts[i]. */
static lstmsent_status encode_failure(const lstmsent_classifier *c, int r, size_t i,
                                      size_t bad)
{
    static const char fn[] = "lstmsent_classifier_predict";
    if (r == LSTMSENT_ERR_UTF8)
        return lstmsent__fail(LSTMSENT_ERR_UTF8, "%s: texts[%zu]: invalid UTF-8 at byte %zu of "
                              "the text", fn, i, bad + 1);
    if (r == LSTMSENT_ERR_UNKNOWN_WORD) {
        char q[LSTMSENT__QUOTE_CAP];
        return lstmsent__fail(LSTMSENT_ERR_UNKNOWN_WORD, "%s: texts[%zu]: word '%s' is not "
                              "in the vocabulary (its policy is LSTMSENT_UNKNOWN_ERROR)", fn, i,
                              lstmsent__quote(q, c->tok.tok.data, c->tok.tok.len, 60));
    }
    return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", fn);
}

/* Every check predict makes before writing anything: the texts are there, valid UTF-8
 * and, under LSTMSENT_UNKNOWN_ERROR, free of unseen words. */
static lstmsent_status check_texts(lstmsent_classifier *c, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (texts[i] == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NULL, "lstmsent_classifier_predict: texts[%zu] "
                                  "is NULL", i);
        const size_t len = strlen(texts[i]);
        size_t bad = 0, tokens;
        if (c->unknown == LSTMSENT_UNKNOWN_ERROR) {
            int r = lstmsent__corpus_encode_prefix(c->vocab, &c->tok, texts[i], len, c->unknown,
                                                   NULL, 0, &tokens, NULL, &bad);
            if (r != 0)
                return encode_failure(c, r, i, bad);
        } else if (!lstmsent__utf8_valid(texts[i], len, &bad)) {
            return encode_failure(c, LSTMSENT_ERR_UTF8, i, bad);
        }
    }
    return LSTMSENT_OK;
}

/* The sum of exp(y[k] - max) over y (O), in double, and that max: the common part of a
 * softmax and of a log-sum-exp. */
static double exp_sum(const float *y, int32_t O, float *max)
{
    float mx = y[0];
    for (int32_t k = 1; k < O; k++)
        mx = y[k] > mx ? y[k] : mx;
    double sum = 0.0;
    for (int32_t k = 0; k < O; k++)
        sum += exp((double)y[k] - (double)mx);
    *max = mx;
    return sum;
}

/* Softmax of y (O) into p, in double. */
static void softmax_row(float *p, const float *y, int32_t O)
{
    float mx;
    const double sum = exp_sum(y, O, &mx);
    for (int32_t k = 0; k < O; k++)
        p[k] = (float)(exp((double)y[k] - (double)mx) / sum);
}

/* log(sum(exp(y))) of y (O), in double: log softmax(y)[k] = y[k] - it. */
static double log_sum_exp(const float *y, int32_t O)
{
    float mx;
    const double sum = exp_sum(y, O, &mx);
    return (double)mx + log(sum);
}

/* Add softmax(y) (O) into acc, in double; its log_sum_exp. */
static double softmax_add(double *acc, const float *y, int32_t O)
{
    const double lse = log_sum_exp(y, O);
    for (int32_t k = 0; k < O; k++)
        acc[k] += exp((double)y[k] - lse);
    return lse;
}

static int32_t argmax_d(const double *y, int32_t n)
{
    int32_t best = 0;
    for (int32_t k = 1; k < n; k++)
        best = y[k] > y[best] ? k : best;
    return best;
}

/* Every model's evaluation-mode forward over B encoded rows, ids (B, run) and lengths (B).
 * One model: its outputs are left in c->out. K > 1: c->avg gets the mean of their
 * softmaxes. With labels (B), logp (B) gets log of that mean at each row's label, in the
 * log domain (log-sum-exp over the models) so that no probability underflows. */
static lstmsent_status run_models(lstmsent_classifier *c, const int32_t *ids, size_t B,
                                  int32_t run, const int32_t *lengths, const int32_t *labels,
                                  double *logp)
{
    const int32_t O = c->O;
    const size_t K = c->n_models;
    if (K > 1)
        memset(c->avg, 0, B * (size_t)O * sizeof *c->avg);
    for (size_t m = 0; m < K; m++) {
        lstmsent_status st = lstmsent_model_forward(c->models[m].model, ids, (int32_t)B, run,
                                                    lengths, NULL, c->out, B * (size_t)O, NULL);
        if (st != LSTMSENT_OK)
            return st;
        if (K == 1 && labels == NULL)
            break;   /* the answers are read from c->out */
        for (size_t b = 0; b < B; b++) {
            const float *y = c->out + b * (size_t)O;
            const double lse = K > 1 ? softmax_add(c->avg + b * (size_t)O, y, O)
                                     : log_sum_exp(y, O);
            if (labels == NULL)
                continue;
            const double lp = (double)y[labels[b]] - lse;
            if (m == 0) {
                logp[b] = lp;
            } else {   /* log(exp(lp) + exp(logp[b])) */
                const double hi = lp > logp[b] ? lp : logp[b];
                const double lo = lp > logp[b] ? logp[b] : lp;
                logp[b] = hi + log1p(exp(lo - hi));
            }
        }
    }
    if (K > 1) {
        const double inv = 1.0 / (double)K, logk = log((double)K);
        for (size_t i = 0; i < B * (size_t)O; i++)
            c->avg[i] *= inv;
        if (labels != NULL)
            for (size_t b = 0; b < B; b++)
                logp[b] -= logk;
    }
    return LSTMSENT_OK;
}

/* Row b's answer after run_models: the argmax of the one model's outputs, or of the mean
 * probabilities (the first of equal maxima); its probabilities (O) into p when p is not
 * NULL. */
static int32_t row_answer(const lstmsent_classifier *c, size_t b, float *p)
{
    const int32_t O = c->O;
    if (c->n_models == 1) {
        const float *y = c->out + b * (size_t)O;
        if (p != NULL)
            softmax_row(p, y, O);
        return argmax(y, O);
    }
    const double *a = c->avg + b * (size_t)O;
    if (p != NULL)
        for (int32_t k = 0; k < O; k++)
            p[k] = (float)a[k];
    return argmax_d(a, O);
}

/* Encode, run and write out texts[0, B): one batch. */
static lstmsent_status predict_batch(lstmsent_classifier *c, const char *const *texts,
                                     size_t first, size_t B, int32_t *labels, float *probs)
{
    const int32_t T = c->T, O = c->O;
    int32_t run = 1;   // the steps the forward runs
    for (size_t b = 0; b < B; b++) {
        int32_t *row = c->ids + b * (size_t)T;
        size_t tokens = 0, bad = 0;
        const char *text = texts[first + b];
        int r = lstmsent__corpus_encode_prefix(c->vocab, &c->tok, text, strlen(text), c->unknown,
                                               row, (size_t)T, &tokens, NULL, &bad);
        if (r != 0)
            return encode_failure(c, r, first + b, bad);
        const int32_t len = tokens < (size_t)T ? (int32_t)tokens : T;
        for (int32_t t = len; t < T; t++)
            row[t] = 0;
        c->lengths[b] = len;
        run = len > run ? len : run;
    }
    /* The output at a row's last token does not depend on the steps after it. */
    if (!c->last_token)
        run = T;
    else if (run < T)
        for (size_t b = 1; b < B; b++)
            memmove(c->ids + b * (size_t)run, c->ids + b * (size_t)T, (size_t)run * sizeof(int32_t));
    lstmsent_status st = run_models(c, c->ids, B, run, c->lengths, NULL, NULL);
    if (st != LSTMSENT_OK)
        return st;
    for (size_t b = 0; b < B; b++) {
        const int32_t label = row_answer(c, b, probs ? probs + (first + b) * (size_t)O : NULL);
        if (labels != NULL)
            labels[first + b] = label;
    }
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_classifier_predict(lstmsent_classifier *classifier,
                                            const char *const *texts, size_t n,
                                            int32_t *labels, float *probs, size_t probs_cap)
{
    static const char fn[] = "lstmsent_classifier_predict";
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(classifier);
    if (n == 0)
        return LSTMSENT_OK;
    LSTMSENT__CHECK_NULL(texts);
    lstmsent_classifier *c = classifier;
    size_t need;
    if (probs != NULL && (!lstmsent__mul_size(n, (size_t)c->O, &need) || probs_cap < need))
        return lstmsent__fail(LSTMSENT_ERR_BUFFER, "%s: probs holds %zu floats, %zu texts of "
                              "%d classes need %zu", fn, probs_cap, n, (int)c->O,
                              n * (size_t)c->O);
    lstmsent_status st = check_texts(c, texts, n);
    if (st == LSTMSENT_OK)
        st = reserve_rows(c, n < PREDICT_BATCH ? n : PREDICT_BATCH, fn);
    if (st != LSTMSENT_OK)
        return st;
    modes_to_eval(c->models, c->n_models);
    for (size_t first = 0; first < n && st == LSTMSENT_OK; first += PREDICT_BATCH) {
        const size_t B = n - first < PREDICT_BATCH ? n - first : PREDICT_BATCH;
        st = predict_batch(c, texts, first, B, labels, probs);
    }
    return restore_modes(c->models, c->n_models, st);
}

/* What a dataset must be for the classifier (labelled: for an evaluation), checked
 * against the first model: every model has its T, O and embedding rows. */
static lstmsent_status dataset_checks(const char *fn, lstmsent_classifier *c,
                                      const lstmsent_dataset *data, size_t batch,
                                      int labelled)
{
    lstmsent_model_options o;
    lstmsent_model_get_options(c->model, &o);
    if (labelled)
        return check_evaluate(fn, &o, data, batch);
    lstmsent_status st = check_rows(fn, &o, data);
    if (st == LSTMSENT_OK && batch > (size_t)INT32_MAX / (size_t)o.seq_len)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: batches of %zu rows of %d ids are "
                              "more than %d ids", fn, batch, (int)o.seq_len, INT32_MAX);
    return st;
}

lstmsent_status lstmsent_classifier_predict_dataset(lstmsent_classifier *classifier,
                                                    const lstmsent_dataset *data, size_t batch,
                                                    int32_t *labels, float *probs,
                                                    size_t probs_cap)
{
    static const char fn[] = "lstmsent_classifier_predict_dataset";
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(classifier);
    LSTMSENT__CHECK_NULL(data);
    lstmsent_classifier *c = classifier;
    const size_t N = lstmsent_dataset_rows(data);
    const int32_t T = c->T, O = c->O;
    size_t need;
    if (probs != NULL && (!lstmsent__mul_size(N, (size_t)O, &need) || probs_cap < need))
        return lstmsent__fail(LSTMSENT_ERR_BUFFER, "%s: probs holds %zu floats, %zu rows of "
                              "%d classes need %zu", fn, probs_cap, N, (int)O, N * (size_t)O);
    batch = batch_rows(batch, N);
    lstmsent_status st = dataset_checks(fn, c, data, batch, 0);
    if (st == LSTMSENT_OK && N > 0)
        st = reserve_rows(c, batch, fn);
    if (st != LSTMSENT_OK || N == 0)
        return st;
    const int32_t *ids = lstmsent_dataset_ids(data), *lengths = lstmsent_dataset_lengths(data);
    modes_to_eval(c->models, c->n_models);
    for (size_t start = 0; start < N && st == LSTMSENT_OK; start += batch) {
        const size_t B = N - start < batch ? N - start : batch;
        st = run_models(c, ids + start * (size_t)T, B, T, lengths + start, NULL, NULL);
        for (size_t b = 0; b < B && st == LSTMSENT_OK; b++) {
            const int32_t label = row_answer(c, b, probs ? probs + (start + b) * (size_t)O
                                                         : NULL);
            if (labels != NULL)
                labels[start + b] = label;
        }
    }
    return restore_modes(c->models, c->n_models, st);
}

typedef struct classifier_eval {
    lstmsent_classifier *c;
    double *logp;   /* (batch) */
} classifier_eval;

/* A batch of lstmsent_classifier_evaluate: every model's forward, the answer of the mean
 * probabilities and -log of the mean at the label. */
static lstmsent_status classifier_eval_batch(void *ctx, const lstmsent_dataset *data,
                                             size_t start, size_t B, int32_t *pred,
                                             double *loss_sum)
{
    classifier_eval *e = ctx;
    lstmsent_classifier *c = e->c;
    const int32_t T = c->T;
    lstmsent_status st = run_models(c, lstmsent_dataset_ids(data) + start * (size_t)T, B, T,
                                    lstmsent_dataset_lengths(data) + start,
                                    lstmsent_dataset_labels(data) + start, e->logp);
    if (st != LSTMSENT_OK)
        return st;
    for (size_t b = 0; b < B; b++) {
        pred[b] = row_answer(c, b, NULL);
        *loss_sum -= e->logp[b];
    }
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_classifier_evaluate(lstmsent_classifier *classifier,
                                             const lstmsent_dataset *data, size_t batch,
                                             lstmsent_eval_result *out)
{
    static const char fn[] = "lstmsent_classifier_evaluate";
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(classifier);
    LSTMSENT__CHECK_NULL(data);
    LSTMSENT__CHECK_NULL(out);
    lstmsent_classifier *c = classifier;
    batch = batch_rows(batch, lstmsent_dataset_rows(data));
    lstmsent_status st = dataset_checks(fn, c, data, batch, 1);
    if (st == LSTMSENT_OK)
        st = reserve_rows(c, batch, fn);
    if (st != LSTMSENT_OK)
        return st;
    classifier_eval e = {c, lstmsent__alloc_array(batch, sizeof(double))};
    if (e.logp == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", fn);
    modes_to_eval(c->models, c->n_models);
    st = eval_run(fn, data, batch, c->O, classifier_eval_batch, &e, out);
    st = restore_modes(c->models, c->n_models, st);
    free(e.logp);
    return st;
}

lstmsent_status lstmsent_classifier_count_tokens(lstmsent_classifier *classifier,
                                                 const char *text, size_t *tokens,
                                                 size_t *unknown)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(classifier);
    LSTMSENT__CHECK_NULL(text);
    size_t count = 0, missing = 0, bad = 0;
    /* Counting only: the padding policy never refuses a word. */
    int r = lstmsent__corpus_encode_prefix(classifier->vocab, &classifier->tok, text,
                                           strlen(text), LSTMSENT_UNKNOWN_PAD, NULL, 0, &count,
                                           &missing, &bad);
    if (r == LSTMSENT_ERR_UTF8)
        return lstmsent__fail(LSTMSENT_ERR_UTF8, "%s: invalid UTF-8 at byte %zu of the text",
                              __func__, bad + 1);
    if (r != 0)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", __func__);
    if (tokens != NULL)
        *tokens = count;
    if (unknown != NULL)
        *unknown = missing;
    return LSTMSENT_OK;
}
