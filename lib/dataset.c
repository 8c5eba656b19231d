/*
 * The padded dataset and the training loop's sampling. A dataset is the tutorial's
 * Pad_sequences matrix (N, T) of ids, with each row's true length and its label; it knows
 * ids, not words. A sampler draws an epoch of row numbers from its own seeded RNG (the
 * tutorial's np.random.choice over every row, with replacement, then DataLoader's shuffle)
 * and copies batches of rows into the caller's buffers.
 *
 * Letters in shape comments: N rows, T sequence length, B batch size.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct lstmsent_dataset {
    size_t rows;       /* N */
    int32_t seq_len;   /* T */
    int32_t *ids;      /* (N, T) */
    int32_t *lengths;  /* (N) */
    int32_t *labels;   /* (N), NULL when unlabelled */
    int64_t *sentence_ids;  /* (N) the corpus's SentenceIds, so that evaluation need not */
    int64_t *phrase_ids;    /* (N) ... trust corpus and dataset to be in the same order */
};

struct lstmsent_sampler {
    const lstmsent_dataset *data;
    lstmsent__rng rng;
    size_t *order;     /* (n) the epoch's row numbers in batch order */
    size_t n;
    size_t next;       /* the first row of the next batch */
};

void lstmsent_dataset_options_default(lstmsent_dataset_options *opts)
{
    if (opts == NULL)
        return;
    opts->seq_len = 30;
    opts->padding = LSTMSENT_PAD_RIGHT;
    opts->truncation = LSTMSENT_TRUNCATE_END;
}

void lstmsent_dataset_free(lstmsent_dataset *dataset)
{
    if (dataset == NULL)
        return;
    free(dataset->ids);
    free(dataset->lengths);
    free(dataset->labels);
    free(dataset->sentence_ids);
    free(dataset->phrase_ids);
    free(dataset);
}

lstmsent_status lstmsent_dataset_create(lstmsent_dataset **out, const lstmsent_corpus *corpus,
                                        const lstmsent_dataset_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    LSTMSENT__CHECK_NULL(corpus);
    lstmsent_dataset_options o;
    lstmsent_dataset_options_default(&o);
    if (opts != NULL)
        o = *opts;
    if (o.seq_len < 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: seq_len %ld; it must be at least 1",
                              __func__, (long)o.seq_len);
    if (o.padding != LSTMSENT_PAD_RIGHT && o.padding != LSTMSENT_PAD_LEFT)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: padding %d is neither "
                              "LSTMSENT_PAD_RIGHT nor LSTMSENT_PAD_LEFT", __func__, (int)o.padding);
    if (o.truncation != LSTMSENT_TRUNCATE_END && o.truncation != LSTMSENT_TRUNCATE_START)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: truncation %d is neither "
                              "LSTMSENT_TRUNCATE_END nor LSTMSENT_TRUNCATE_START", __func__,
                              (int)o.truncation);

    size_t n = lstmsent_corpus_phrase_count(corpus), T = (size_t)o.seq_len, cells;
    const int32_t *labels = lstmsent_corpus_labels(corpus);
    lstmsent_dataset *d = calloc(1, sizeof *d);
    if (d == NULL || !lstmsent__mul_size(n, T, &cells)) {
        free(d);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: no room for %zu rows of %zu ids",
                              __func__, n, T);
    }
    d->rows = n;
    d->seq_len = o.seq_len;
    d->ids = lstmsent__calloc_array(cells, sizeof *d->ids);
    d->lengths = lstmsent__alloc_array(n, sizeof *d->lengths);
    if (labels != NULL)
        d->labels = lstmsent__alloc_array(n, sizeof *d->labels);
    d->sentence_ids = lstmsent__alloc_array(n, sizeof *d->sentence_ids);
    d->phrase_ids = lstmsent__alloc_array(n, sizeof *d->phrase_ids);
    if (!d->ids || !d->lengths || (labels && !d->labels) || !d->sentence_ids ||
        !d->phrase_ids) {
        lstmsent_dataset_free(d);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: no room for %zu rows of %zu ids",
                              __func__, n, T);
    }
    for (size_t i = 0; i < n; i++) {
        const int32_t *ids;
        size_t len;
        lstmsent_corpus_phrase_ids(corpus, i, &ids, &len);
        size_t keep = len < T ? len : T;
        const int32_t *src = o.truncation == LSTMSENT_TRUNCATE_END ? ids : ids + (len - keep);
        int32_t *dst = d->ids + i * T + (o.padding == LSTMSENT_PAD_RIGHT ? 0 : T - keep);
        if (keep > 0)
            memcpy(dst, src, keep * sizeof *dst);
        d->lengths[i] = (int32_t)keep;
    }
    if (labels != NULL && n > 0)
        memcpy(d->labels, labels, n * sizeof *d->labels);
    if (n > 0) {
        memcpy(d->sentence_ids, lstmsent_corpus_sentence_ids(corpus), n * sizeof(int64_t));
        memcpy(d->phrase_ids, lstmsent_corpus_phrase_ids_column(corpus), n * sizeof(int64_t));
    }
    *out = d;
    return LSTMSENT_OK;
}

size_t lstmsent_dataset_rows(const lstmsent_dataset *dataset)
{
    return dataset ? dataset->rows : 0;
}

int32_t lstmsent_dataset_seq_len(const lstmsent_dataset *dataset)
{
    return dataset ? dataset->seq_len : 0;
}

const int32_t *lstmsent_dataset_ids(const lstmsent_dataset *dataset)
{
    return dataset ? dataset->ids : NULL;
}

const int32_t *lstmsent_dataset_lengths(const lstmsent_dataset *dataset)
{
    return dataset ? dataset->lengths : NULL;
}

const int32_t *lstmsent_dataset_labels(const lstmsent_dataset *dataset)
{
    return dataset ? dataset->labels : NULL;
}

const int64_t *lstmsent_dataset_sentence_ids(const lstmsent_dataset *dataset)
{
    return dataset && dataset->rows > 0 ? dataset->sentence_ids : NULL;
}

const int64_t *lstmsent_dataset_phrase_ids(const lstmsent_dataset *dataset)
{
    return dataset && dataset->rows > 0 ? dataset->phrase_ids : NULL;
}

/* ---- sampler ---------------------------------------------------------------------------- */

lstmsent_status lstmsent_sampler_create(lstmsent_sampler **out, const lstmsent_dataset *dataset,
                                        uint64_t seed)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    LSTMSENT__CHECK_NULL(dataset);
    lstmsent_sampler *s = calloc(1, sizeof *s);
    if (s == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", __func__);
    s->data = dataset;
    lstmsent__rng_seed(&s->rng, seed);
    *out = s;
    return LSTMSENT_OK;
}

void lstmsent_sampler_free(lstmsent_sampler *sampler)
{
    if (sampler == NULL)
        return;
    free(sampler->order);
    free(sampler);
}

/* Swap in a new epoch of n row numbers; the old one stays on failure. */
static lstmsent_status new_epoch(lstmsent_sampler *s, size_t n, const char *fn)
{
    size_t *order = lstmsent__alloc_array(n, sizeof *order);
    if (order == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: no room for %zu row numbers", fn, n);
    free(s->order);
    s->order = order;
    s->n = n;
    s->next = 0;
    return LSTMSENT_OK;
}

/* Fisher-Yates, from the last position down. */
static void shuffle(lstmsent__rng *rng, size_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)lstmsent__rng_below(rng, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

lstmsent_status lstmsent_sampler_draw(lstmsent_sampler *sampler, size_t n)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(sampler);
    size_t rows = sampler->data->rows;
    if (rows == 0 && n > 0)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: %zu rows asked of an empty dataset",
                              __func__, n);
    lstmsent_status st = new_epoch(sampler, n, __func__);
    if (st != LSTMSENT_OK)
        return st;
    /* The tutorial draws from len(train) - 1 rows, so its last row is never seen; every
     * row can be drawn here. */
    for (size_t i = 0; i < n; i++)
        sampler->order[i] = (size_t)lstmsent__rng_below(&sampler->rng, rows);
    shuffle(&sampler->rng, sampler->order, n);
    return LSTMSENT_OK;
}

/* A new epoch of every row once, in order. */
static lstmsent_status all_rows(lstmsent_sampler *sampler, const char *fn)
{
    size_t rows = sampler->data->rows;
    lstmsent_status st = new_epoch(sampler, rows, fn);
    if (st != LSTMSENT_OK)
        return st;
    for (size_t i = 0; i < rows; i++)
        sampler->order[i] = i;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_sampler_permute(lstmsent_sampler *sampler)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(sampler);
    lstmsent_status st = all_rows(sampler, __func__);
    if (st == LSTMSENT_OK)
        shuffle(&sampler->rng, sampler->order, sampler->data->rows);
    return st;
}

lstmsent_status lstmsent_sampler_sequential(lstmsent_sampler *sampler)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(sampler);
    return all_rows(sampler, __func__);
}

lstmsent_status lstmsent_sampler_next_batch(lstmsent_sampler *sampler, size_t batch,
                                            int drop_last, int32_t *ids, size_t ids_cap,
                                            int32_t *labels, size_t labels_cap,
                                            int32_t *lengths, size_t lengths_cap, size_t *rows)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(sampler);
    LSTMSENT__CHECK_NULL(ids);
    LSTMSENT__CHECK_NULL(rows);
    const lstmsent_dataset *d = sampler->data;
    size_t T = (size_t)d->seq_len, need;
    if (batch == 0)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: batch size 0", __func__);
    if (!lstmsent__mul_size(batch, T, &need) || ids_cap < need)
        return lstmsent__fail(LSTMSENT_ERR_BUFFER, "%s: ids holds %zu values, a batch of %zu "
                              "rows of %zu needs %zu", __func__, ids_cap, batch, T, batch * T);
    if (labels != NULL && d->labels == NULL)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: labels asked of an unlabelled "
                              "dataset; pass NULL", __func__);
    if (labels != NULL && labels_cap < batch)
        return lstmsent__fail(LSTMSENT_ERR_BUFFER, "%s: labels holds %zu values, the batch "
                              "has %zu rows", __func__, labels_cap, batch);
    if (lengths != NULL && lengths_cap < batch)
        return lstmsent__fail(LSTMSENT_ERR_BUFFER, "%s: lengths holds %zu values, the batch "
                              "has %zu rows", __func__, lengths_cap, batch);

    if (drop_last && sampler->n > 0 && batch > sampler->n)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: a batch of %zu rows is larger than "
                              "the epoch's %zu rows, so with drop_last no batch would ever "
                              "come", __func__, batch, sampler->n);

    size_t left = sampler->n - sampler->next;
    size_t take = left < batch ? left : batch;
    if (take < batch && drop_last) {
        /* The tutorial's `if inputs.shape[0] != batch_size: break`. */
        sampler->next = sampler->n;
        take = 0;
    }
    for (size_t b = 0; b < take; b++) {
        size_t r = sampler->order[sampler->next + b];
        memcpy(ids + b * T, d->ids + r * T, T * sizeof *ids);       /* (B, T) */
        if (labels != NULL)
            labels[b] = d->labels[r];
        if (lengths != NULL)
            lengths[b] = d->lengths[r];
    }
    sampler->next += take;
    *rows = take;
    return LSTMSENT_OK;
}

const size_t *lstmsent_sampler_rows(const lstmsent_sampler *sampler, size_t *n)
{
    if (sampler == NULL) {
        if (n != NULL)
            *n = 0;
        return NULL;
    }
    if (n != NULL)
        *n = sampler->n;
    return sampler->order;
}

/* ---- checkpoint accessors (internal.h) ----------------------------------------------- */

void lstmsent__sampler_get_state(const lstmsent_sampler *s, uint64_t rng[4],
                                 const size_t **order, size_t *n, size_t *next,
                                 size_t *dataset_rows)
{
    for (int k = 0; k < 4; k++)
        rng[k] = s->rng.s[k];
    *order = s->order;
    *n = s->n;
    *next = s->next;
    *dataset_rows = s->data->rows;
}

void lstmsent__sampler_set_state(lstmsent_sampler *s, const uint64_t rng[4], size_t *order,
                                 size_t n, size_t next)
{
    for (int k = 0; k < 4; k++)
        s->rng.s[k] = rng[k];
    free(s->order);
    s->order = order;
    s->n = n;
    s->next = next;
}
