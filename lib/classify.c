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

#include "internal.h"

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
