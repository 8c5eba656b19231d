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

/* Put the model back in its mode. set_training clears the thread's message, so a
 * failure's message is kept across it. */
static lstmsent_status restore_mode(lstmsent_model *model, int training, lstmsent_status st)
{
    if (st == LSTMSENT_OK)
        return lstmsent_model_set_training(model, training);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", lstmsent_last_error());
    lstmsent_model_set_training(model, training);
    return lstmsent__fail(st, "%s", msg);
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

/* Everything evaluate can refuse, checked before the first forward. */
static lstmsent_status check_evaluate(const lstmsent_model_options *o,
                                      const lstmsent_dataset *data, size_t batch)
{
    static const char fn[] = "lstmsent_model_evaluate";
    const size_t N = lstmsent_dataset_rows(data);
    const int32_t T = lstmsent_dataset_seq_len(data), O = o->output_size;
    if (O > LSTMSENT_MAX_CLASSES)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: the model has %d classes; "
                              "lstmsent_eval_result holds at most %d", fn, (int)O,
                              LSTMSENT_MAX_CLASSES);
    if (T != o->seq_len)
        return lstmsent__fail(LSTMSENT_ERR_SHAPE, "%s: the dataset's rows are %d ids long, "
                              "the model's seq_len is %d (make the dataset with seq_len %d)",
                              fn, (int)T, (int)o->seq_len, (int)o->seq_len);
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

lstmsent_status lstmsent_model_evaluate(lstmsent_model *model, const lstmsent_dataset *data,
                                        size_t batch, lstmsent_eval_result *out)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(data);
    LSTMSENT__CHECK_NULL(out);
    lstmsent_model_options o;
    lstmsent_model_get_options(model, &o);
    const size_t N = lstmsent_dataset_rows(data);
    if (batch == 0)
        batch = DEFAULT_BATCH;
    if (batch > N && N > 0)
        batch = N;
    lstmsent_status st = check_evaluate(&o, data, batch);
    if (st != LSTMSENT_OK)
        return st;

    const int32_t T = o.seq_len, O = o.output_size;
    const int32_t *ids = lstmsent_dataset_ids(data), *lengths = lstmsent_dataset_lengths(data);
    const int32_t *labels = lstmsent_dataset_labels(data);
    float *outputs = lstmsent__alloc_array(batch * (size_t)O, sizeof *outputs);   // (B, O)
    uint8_t *first = lstmsent__alloc_array(N, 1);
    int64_t sentences = first != NULL ? mark_sentences(lstmsent_dataset_sentence_ids(data), N,
                                                       first) : -1;
    if (outputs == NULL || sentences < 0) {
        free(outputs);
        free(first);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "lstmsent_model_evaluate: out of memory");
    }

    lstmsent_eval_result r;
    memset(&r, 0, sizeof r);
    r.phrases = (int64_t)N;
    r.sentences = sentences;
    r.num_classes = O;
    double loss_sum = 0.0;
    const int training = lstmsent_model_is_training(model);
    lstmsent_model_set_training(model, 0);
    for (size_t start = 0; start < N && st == LSTMSENT_OK; start += batch) {
        const size_t B = N - start < batch ? N - start : batch;
        float loss;
        st = lstmsent_model_forward(model, ids + start * (size_t)T, (int32_t)B, T,
                                    lengths + start, NULL, outputs, B * (size_t)O, NULL);
        if (st == LSTMSENT_OK)
            st = lstmsent_model_loss(model, labels + start, B, &loss, NULL);
        if (st != LSTMSENT_OK)
            break;
        loss_sum += (double)loss * (double)B;
        for (size_t b = 0; b < B; b++) {
            const int32_t y = labels[start + b], p = argmax(outputs + b * (size_t)O, O);
            r.confusion[y][p]++;
            if (first[start + b])
                r.sentence_confusion[y][p]++;
        }
    }
    st = restore_mode(model, training, st);
    free(outputs);
    free(first);
    if (st != LSTMSENT_OK)
        return st;
    r.loss = loss_sum / (double)N;
    finish_metrics(&r);
    *out = r;
    return LSTMSENT_OK;
}

/* ---- the classifier -------------------------------------------------------------------- */

#define PREDICT_BATCH 256

struct lstmsent_classifier {
    lstmsent_model *model;
    const lstmsent_corpus *vocab;
    lstmsent_model *own_model;    /* lstmsent_classifier_load: freed with the classifier */
    lstmsent_corpus *own_vocab;
    lstmsent_unknown unknown;     /* the vocabulary's policy */
    int32_t T, O;
    int last_token;               /* LSTMSENT_POOL_LAST_TOKEN: steps after the longest
                                     text of a batch need not run */
    lstmsent__tokenizer tok;      /* its token buffer kept from call to call */
    size_t cap;                   /* rows the scratch below holds */
    int32_t *ids;                 /* (cap, T) */
    int32_t *lengths;             /* (cap) */
    float *out;                   /* (cap, O) */
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
    if (c == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "lstmsent_classifier_create: out of memory");
    c->model = model;
    c->vocab = vocab;
    c->unknown = unknown;
    c->T = o.seq_len;
    c->O = o.output_size;
    c->last_token = o.pooling == LSTMSENT_POOL_LAST_TOKEN;
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
    lstmsent_model *m;
    lstmsent_corpus *v;
    lstmsent_status st = lstmsent_model_load(&m, &v, path, opts);
    if (st != LSTMSENT_OK)
        return st;
    if (v == NULL) {
        lstmsent_model_free(m);
        return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: the file holds no vocabulary, so it "
                              "cannot classify text (save the model with its vocabulary: "
                              "lstmsent_model_save(model, vocab, path))", path);
    }
    lstmsent_classifier *c;
    /* The loader has checked the vocabulary against the embedding already. */
    st = lstmsent_classifier_create(&c, m, v);
    if (st != LSTMSENT_OK) {
        lstmsent_model_free(m);
        lstmsent_corpus_free(v);
        return st;
    }
    c->own_model = m;
    c->own_vocab = v;
    *out = c;
    return LSTMSENT_OK;
}

void lstmsent_classifier_free(lstmsent_classifier *classifier)
{
    if (classifier == NULL)
        return;
    lstmsent__buf_free(&classifier->tok.tok);
    free(classifier->ids);
    free(classifier->lengths);
    free(classifier->out);
    lstmsent_model_free(classifier->own_model);
    lstmsent_corpus_free(classifier->own_vocab);
    free(classifier);
}

lstmsent_model *lstmsent_classifier_model(const lstmsent_classifier *classifier)
{
    return classifier ? classifier->model : NULL;
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

/* Scratch for batches of `rows` texts; on failure the old scratch stays. */
static lstmsent_status reserve_rows(lstmsent_classifier *c, size_t rows)
{
    if (rows <= c->cap)
        return LSTMSENT_OK;
    int32_t *ids = lstmsent__alloc_array(rows * (size_t)c->T, sizeof *ids);
    int32_t *lengths = lstmsent__alloc_array(rows, sizeof *lengths);
    float *out = lstmsent__alloc_array(rows * (size_t)c->O, sizeof *out);
    if (ids == NULL || lengths == NULL || out == NULL) {
        free(ids);
        free(lengths);
        free(out);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "lstmsent_classifier_predict: out of memory "
                              "for %zu rows", rows);
    }
    free(c->ids);
    free(c->lengths);
    free(c->out);
    c->ids = ids;
    c->lengths = lengths;
    c->out = out;
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

/* Softmax of y (O) into p, in double. */
static void softmax_row(float *p, const float *y, int32_t O)
{
    float mx = y[0];
    for (int32_t k = 1; k < O; k++)
        mx = y[k] > mx ? y[k] : mx;
    double sum = 0.0;
    for (int32_t k = 0; k < O; k++)
        sum += exp((double)y[k] - (double)mx);
    for (int32_t k = 0; k < O; k++)
        p[k] = (float)(exp((double)y[k] - (double)mx) / sum);
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
    lstmsent_status st = lstmsent_model_forward(c->model, c->ids, (int32_t)B, run, c->lengths,
                                                NULL, c->out, B * (size_t)O, NULL);
    if (st != LSTMSENT_OK)
        return st;
    for (size_t b = 0; b < B; b++) {
        const float *y = c->out + b * (size_t)O;
        if (labels != NULL)
            labels[first + b] = argmax(y, O);
        if (probs != NULL)
            softmax_row(probs + (first + b) * (size_t)O, y, O);
    }
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_classifier_predict(lstmsent_classifier *classifier,
                                            const char *const *texts, size_t n,
                                            int32_t *labels, float *probs, size_t probs_cap)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(classifier);
    if (n == 0)
        return LSTMSENT_OK;
    LSTMSENT__CHECK_NULL(texts);
    lstmsent_classifier *c = classifier;
    size_t need;
    if (probs != NULL && (!lstmsent__mul_size(n, (size_t)c->O, &need) || probs_cap < need))
        return lstmsent__fail(LSTMSENT_ERR_BUFFER, "lstmsent_classifier_predict: probs holds "
                              "%zu floats, %zu texts of %d classes need %zu", probs_cap, n,
                              (int)c->O, n * (size_t)c->O);
    lstmsent_status st = check_texts(c, texts, n);
    if (st == LSTMSENT_OK)
        st = reserve_rows(c, n < PREDICT_BATCH ? n : PREDICT_BATCH);
    if (st != LSTMSENT_OK)
        return st;
    const int training = lstmsent_model_is_training(c->model);
    lstmsent_model_set_training(c->model, 0);
    for (size_t first = 0; first < n && st == LSTMSENT_OK; first += PREDICT_BATCH) {
        const size_t B = n - first < PREDICT_BATCH ? n - first : PREDICT_BATCH;
        st = predict_batch(c, texts, first, B, labels, probs);
    }
    return restore_mode(c->model, training, st);
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
