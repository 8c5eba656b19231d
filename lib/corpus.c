/*
 * The corpus: phrases as ids and the vocabulary they were numbered with, as the tutorial's
 * Corpus_Extr builds them. Words are counted over all phrases' tokens and sorted by count,
 * most frequent first, ties in order of first appearance (Python's stable sort over a
 * Counter, which keeps insertion order); ids run 1..V in that order and 0 is padding.
 * Words live in one byte arena and are found through an open-addressing hash table
 * (FNV-1a, linear probing, at most half full). Reading files is tsv.c's job.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Ids are int32 and LSTMSENT_UNKNOWN_ID takes V + 1. */
#define MAX_WORDS ((size_t)INT32_MAX - 1)

/* Quote at most this many bytes of a word or field in a message. */
#define QUOTE 60

typedef struct vocab {
    size_t size;          /* V: ids 1..V */
    size_t cap;           /* entries in off, len, hash and count; > V */
    lstmsent__buf arena;  /* the words, each followed by a NUL */
    size_t *off;          /* (cap) where word id starts in the arena; [0] unused */
    size_t *len;          /* (cap) its length in bytes */
    uint64_t *hash;       /* (cap) its FNV-1a hash */
    int64_t *count;       /* (cap) its number of occurrences */
    int32_t *table;       /* (mask + 1) ids, 0 for a free slot */
    size_t mask;
} vocab;

struct lstmsent_corpus {
    vocab v;
    lstmsent_unknown unknown;  /* the policy its phrases were encoded with */
    size_t n;               /* phrases */
    int32_t *ids;           /* every phrase's ids, one phrase after the other */
    size_t *start;          /* (n + 1) phrase i is ids[start[i] .. start[i + 1]) */
    int32_t *labels;        /* (n), NULL when unlabelled */
    int64_t *sentence_ids;  /* (n) */
    int64_t *phrase_ids;    /* (n) */
};

struct lstmsent__builder {
    lstmsent_corpus *c;
    int own_vocab;          /* 1: count and sort; 0: a borrowed vocabulary, look up only */
    lstmsent_unknown unknown;
    int64_t min_count;      /* own vocabulary: words seen fewer times are left out */
    const char *source;
    lstmsent__tokenizer tok;
    size_t ids_cap, rows_cap;
};

/* ---- vocabulary ---------------------------------------------------------------------- */

static void vocab_free(vocab *v)
{
    lstmsent__buf_free(&v->arena);
    free(v->off);
    free(v->len);
    free(v->hash);
    free(v->count);
    free(v->table);
    memset(v, 0, sizeof *v);
}

static int vocab_init(vocab *v, size_t words_hint)
{
    memset(v, 0, sizeof *v);
    size_t slots = 64;
    while (slots / 2 < words_hint + 1 && slots < (SIZE_MAX >> 2))
        slots *= 2;
    v->cap = words_hint + 1;
    v->off = lstmsent__alloc_array(v->cap, sizeof *v->off);
    v->len = lstmsent__alloc_array(v->cap, sizeof *v->len);
    v->hash = lstmsent__alloc_array(v->cap, sizeof *v->hash);
    v->count = lstmsent__calloc_array(v->cap, sizeof *v->count);
    v->table = lstmsent__calloc_array(slots, sizeof *v->table);
    v->mask = slots - 1;
    if (!v->off || !v->len || !v->hash || !v->count || !v->table) {
        vocab_free(v);
        return -1;
    }
    return 0;
}

static const char *vocab_word(const vocab *v, int32_t id)
{
    return v->arena.data + v->off[id];
}

static int32_t vocab_find(const vocab *v, const char *w, size_t n, uint64_t h)
{
    for (size_t i = (size_t)h & v->mask;; i = (i + 1) & v->mask) {
        int32_t id = v->table[i];
        if (id == 0)
            return 0;
        if (v->hash[id] == h && v->len[id] == n && memcmp(vocab_word(v, id), w, n) == 0)
            return id;
    }
}

static void vocab_place(vocab *v, int32_t id)
{
    size_t i = (size_t)v->hash[id] & v->mask;
    while (v->table[i] != 0)
        i = (i + 1) & v->mask;
    v->table[i] = id;
}

static int grow(void **p, size_t n, size_t size)
{
    size_t bytes;
    if (!lstmsent__mul_size(n, size, &bytes))
        return -1;
    void *q = realloc(*p, bytes);
    if (q == NULL)
        return -1;
    *p = q;
    return 0;
}

/* Append a word known to be absent; its id (V + 1) or 0 when out of memory or ids. */
static int32_t vocab_add(vocab *v, const char *w, size_t n, uint64_t h)
{
    if (v->size >= MAX_WORDS)
        return 0;
    if (v->size + 1 >= v->cap) {
        size_t cap = v->cap * 2;
        if (grow((void **)&v->off, cap, sizeof *v->off) || grow((void **)&v->len, cap, sizeof *v->len) ||
            grow((void **)&v->hash, cap, sizeof *v->hash) ||
            grow((void **)&v->count, cap, sizeof *v->count))
            return 0;
        v->cap = cap;
    }
    if ((v->size + 1) * 2 > v->mask + 1) {
        size_t slots = (v->mask + 1) * 2;
        int32_t *t = lstmsent__calloc_array(slots, sizeof *t);
        if (t == NULL)
            return 0;
        free(v->table);
        v->table = t;
        v->mask = slots - 1;
        for (size_t id = 1; id <= v->size; id++)
            vocab_place(v, (int32_t)id);
    }
    if (lstmsent__buf_reserve(&v->arena, n + 1) != 0)
        return 0;
    int32_t id = (int32_t)++v->size;
    v->off[id] = v->arena.len;
    v->len[id] = n;
    v->hash[id] = h;
    v->count[id] = 0;
    memcpy(v->arena.data + v->arena.len, w, n);
    v->arena.data[v->arena.len + n] = '\0';
    v->arena.len += n + 1;
    vocab_place(v, id);
    return id;
}

static int vocab_copy(vocab *dst, const vocab *src)
{
    if (vocab_init(dst, src->size) != 0)
        return -1;
    if (lstmsent__buf_reserve(&dst->arena, src->arena.len) != 0) {
        vocab_free(dst);
        return -1;
    }
    /* An empty vocabulary has no arena at all: memcpy may not be given its NULL. */
    if (src->arena.len > 0)
        memcpy(dst->arena.data, src->arena.data, src->arena.len);
    dst->arena.len = src->arena.len;
    size_t n = src->size + 1;
    memcpy(dst->off, src->off, n * sizeof *dst->off);
    memcpy(dst->len, src->len, n * sizeof *dst->len);
    memcpy(dst->hash, src->hash, n * sizeof *dst->hash);
    memcpy(dst->count, src->count, n * sizeof *dst->count);
    dst->size = src->size;
    for (size_t id = 1; id <= dst->size; id++)
        vocab_place(dst, (int32_t)id);
    return 0;
}

typedef struct rank {
    int64_t count;
    int32_t id;  /* provisional id = order of first appearance */
} rank;

/* sorted(counter, key=counter.get, reverse=True): count descending; Python's sort is
 * stable, so equal counts keep the Counter's order, which is first appearance. */
static int rank_cmp(const void *pa, const void *pb)
{
    const rank *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Renumber the words in sorted order; remap[old id] = new id, remap[0] = 0. */
static int vocab_sort(vocab *v, int32_t **remap_out)
{
    size_t n = v->size;
    rank *r = lstmsent__alloc_array(n + 1, sizeof *r);
    int32_t *remap = lstmsent__alloc_array(n + 1, sizeof *remap);
    size_t *off = lstmsent__alloc_array(v->cap, sizeof *off);
    size_t *len = lstmsent__alloc_array(v->cap, sizeof *len);
    uint64_t *hash = lstmsent__alloc_array(v->cap, sizeof *hash);
    int64_t *count = lstmsent__calloc_array(v->cap, sizeof *count);
    if (!r || !remap || !off || !len || !hash || !count) {
        free(r);
        free(remap);
        free(off);
        free(len);
        free(hash);
        free(count);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        r[i].count = v->count[i + 1];
        r[i].id = (int32_t)(i + 1);
    }
    qsort(r, n, sizeof *r, rank_cmp);
    remap[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t old = r[i].id;
        size_t id = i + 1;
        remap[old] = (int32_t)id;
        off[id] = v->off[old];
        len[id] = v->len[old];
        hash[id] = v->hash[old];
        count[id] = v->count[old];
    }
    free(r);
    free(v->off);
    free(v->len);
    free(v->hash);
    free(v->count);
    v->off = off;
    v->len = len;
    v->hash = hash;
    v->count = count;
    memset(v->table, 0, (v->mask + 1) * sizeof *v->table);
    for (size_t id = 1; id <= n; id++)
        vocab_place(v, (int32_t)id);
    *remap_out = remap;
    return 0;
}

/* ---- the corpus object ---------------------------------------------------------------- */

static lstmsent_corpus *corpus_alloc(size_t rows_cap, size_t ids_cap, int labelled)
{
    lstmsent_corpus *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->ids = lstmsent__alloc_array(ids_cap, sizeof *c->ids);
    c->start = lstmsent__alloc_array(rows_cap + 1, sizeof *c->start);
    c->sentence_ids = lstmsent__alloc_array(rows_cap, sizeof *c->sentence_ids);
    c->phrase_ids = lstmsent__alloc_array(rows_cap, sizeof *c->phrase_ids);
    if (labelled)
        c->labels = lstmsent__alloc_array(rows_cap, sizeof *c->labels);
    if (!c->ids || !c->start || !c->sentence_ids || !c->phrase_ids || (labelled && !c->labels)) {
        lstmsent_corpus_free(c);
        return NULL;
    }
    c->start[0] = 0;
    return c;
}

void lstmsent_corpus_free(lstmsent_corpus *corpus)
{
    if (corpus == NULL)
        return;
    vocab_free(&corpus->v);
    free(corpus->ids);
    free(corpus->start);
    free(corpus->labels);
    free(corpus->sentence_ids);
    free(corpus->phrase_ids);
    free(corpus);
}

void lstmsent_corpus_options_default(lstmsent_corpus_options *opts)
{
    if (opts == NULL)
        return;
    opts->vocabulary = NULL;
    opts->unknown = LSTMSENT_UNKNOWN_PAD;
    opts->min_count = 1;
}

static lstmsent_status check_unknown(lstmsent_unknown unknown, const char *fn)
{
    if (unknown != LSTMSENT_UNKNOWN_PAD && unknown != LSTMSENT_UNKNOWN_ID &&
        unknown != LSTMSENT_UNKNOWN_ERROR)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: unknown-word policy %d is none of "
                              "LSTMSENT_UNKNOWN_PAD, _ID, _ERROR", fn, (int)unknown);
    return LSTMSENT_OK;
}

/* ---- the builder ------------------------------------------------------------------- */

void lstmsent__builder_free(lstmsent__builder *b)
{
    if (b == NULL)
        return;
    lstmsent_corpus_free(b->c);
    lstmsent__buf_free(&b->tok.tok);
    free(b);
}

lstmsent_status lstmsent__builder_create(lstmsent__builder **out,
                                         const lstmsent_corpus_options *opts,
                                         const char *source, int labelled, size_t rows_hint,
                                         size_t ids_hint)
{
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    if (opts != NULL)
        o = *opts;
    lstmsent_status st = check_unknown(o.unknown, "corpus options");
    if (st != LSTMSENT_OK)
        return st;
    if (o.min_count < 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "corpus options: min_count %lld; it must "
                              "be at least 1", (long long)o.min_count);
    /* Rare words are left out of the vocabulary but stay in the phrases, where the policy
     * encodes them: one that refuses unknown words could never build such a corpus. */
    if (o.vocabulary == NULL && o.min_count > 1 && o.unknown == LSTMSENT_UNKNOWN_ERROR)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "corpus options: min_count %lld leaves "
                              "words of these phrases out of the vocabulary, which "
                              "LSTMSENT_UNKNOWN_ERROR would refuse: use LSTMSENT_UNKNOWN_PAD or "
                              "LSTMSENT_UNKNOWN_ID", (long long)o.min_count);
    lstmsent__builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building a corpus");
    b->own_vocab = o.vocabulary == NULL;
    b->unknown = o.unknown;
    b->min_count = o.min_count;
    b->source = source;
    b->rows_cap = rows_hint > 0 ? rows_hint : 1;
    b->ids_cap = ids_hint > 0 ? ids_hint : 1;
    b->c = corpus_alloc(b->rows_cap, b->ids_cap, labelled);
    int fail = b->c == NULL;
    if (!fail)
        fail = b->own_vocab ? vocab_init(&b->c->v, 1024) : vocab_copy(&b->c->v, &o.vocabulary->v);
    if (fail) {
        lstmsent__builder_free(b);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building a corpus");
    }
    b->c->unknown = o.unknown;
    *out = b;
    return LSTMSENT_OK;
}

/* "path:line" or "phrases[i]", the place of a message. */
static void where_text(const lstmsent__builder *b, size_t where, char *buf, size_t cap)
{
    if (b->source != NULL)
        snprintf(buf, cap, "%s:%zu", b->source, where);
    else
        snprintf(buf, cap, "phrases[%zu]", where);
}

lstmsent_status lstmsent__builder_add(lstmsent__builder *b, const char *phrase, size_t len,
                                      int32_t label, int64_t phrase_id, int64_t sentence_id,
                                      size_t where)
{
    lstmsent_corpus *c = b->c;
    vocab *v = &c->v;
    char at[512];
    if (c->n == b->rows_cap) {
        size_t cap = b->rows_cap * 2;
        if (grow((void **)&c->start, cap + 1, sizeof *c->start) ||
            grow((void **)&c->sentence_ids, cap, sizeof *c->sentence_ids) ||
            grow((void **)&c->phrase_ids, cap, sizeof *c->phrase_ids) ||
            (c->labels && grow((void **)&c->labels, cap, sizeof *c->labels)))
            return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building a corpus");
        b->rows_cap = cap;
    }
    size_t k = c->start[c->n];
    lstmsent__tokenizer_reset(&b->tok, phrase, len);
    size_t bad;
    int r;
    while ((r = lstmsent__tokenizer_next(&b->tok, &bad)) == 1) {
        const char *w = b->tok.tok.data;
        size_t wn = b->tok.tok.len;
        uint64_t h = lstmsent__fnv1a(w, wn);
        int32_t id = vocab_find(v, w, wn, h);
        if (id == 0 && b->own_vocab) {
            id = vocab_add(v, w, wn, h);
            if (id == 0) {
                return v->size >= MAX_WORDS
                           ? lstmsent__fail(LSTMSENT_ERR_INVALID, "more than %zu words",
                                            MAX_WORDS)
                           : lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building a corpus");
            }
        }
        if (id == 0) {
            if (b->unknown == LSTMSENT_UNKNOWN_ERROR) {
                char q[LSTMSENT__QUOTE_CAP];
                where_text(b, where, at, sizeof at);
                return lstmsent__fail(LSTMSENT_ERR_UNKNOWN_WORD,
                                      "%s: word '%s' is not in the vocabulary", at,
                                      lstmsent__quote(q, w, wn, QUOTE));
            }
            id = b->unknown == LSTMSENT_UNKNOWN_ID ? (int32_t)v->size + 1 : 0;
        } else {
            if (b->own_vocab)
                v->count[id]++;
        }
        if (k == b->ids_cap) {
            if (grow((void **)&c->ids, b->ids_cap * 2, sizeof *c->ids))
                return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building a corpus");
            b->ids_cap *= 2;
        }
        c->ids[k++] = id;
    }
    if (r != 0) {
        where_text(b, where, at, sizeof at);
        if (r == LSTMSENT_ERR_UTF8)
            return lstmsent__fail(LSTMSENT_ERR_UTF8, "%s: invalid UTF-8 at byte %zu of the phrase",
                                  at, bad + 1);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building a corpus");
    }
    if (c->labels)
        c->labels[c->n] = label;
    c->phrase_ids[c->n] = phrase_id;
    c->sentence_ids[c->n] = sentence_id;
    c->start[++c->n] = k;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent__builder_finish(lstmsent__builder *b, lstmsent_corpus **out)
{
    lstmsent_corpus *c = b->c;
    if (b->own_vocab) {
        int32_t *remap;
        size_t all = c->v.size;
        if (vocab_sort(&c->v, &remap) != 0) {
            lstmsent__builder_free(b);
            return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building a corpus");
        }
        /* Sorted by count, so the words seen fewer than min_count times are the tail:
         * the kept ones keep their ids, the others become unknown words. */
        size_t kept = all;
        while (kept > 0 && c->v.count[kept] < b->min_count)
            kept--;
        if (kept < all) {
            int32_t unknown = b->unknown == LSTMSENT_UNKNOWN_ID ? (int32_t)kept + 1 : 0;
            for (size_t old = 1; old <= all; old++)
                if ((size_t)remap[old] > kept)
                    remap[old] = unknown;
            c->v.size = kept;
            memset(c->v.table, 0, (c->v.mask + 1) * sizeof *c->v.table);
            for (size_t id = 1; id <= kept; id++)
                vocab_place(&c->v, (int32_t)id);
        }
        for (size_t i = 0; i < c->start[c->n]; i++)
            c->ids[i] = remap[c->ids[i]];
        free(remap);
    }
    /* Give back what the size hint over-estimated (if the system will not, keep it). */
    size_t total = c->start[c->n];
    if (total < b->ids_cap) {
        int32_t *ids = realloc(c->ids, (total ? total : 1) * sizeof *ids);
        if (ids != NULL)
            c->ids = ids;
    }
    b->c = NULL;
    lstmsent__builder_free(b);
    *out = c;
    return LSTMSENT_OK;
}

/* ---- public: building and queries -------------------------------------------------- */

lstmsent_status lstmsent_corpus_create(lstmsent_corpus **out, const char *const *phrases,
                                       const int32_t *labels, size_t n,
                                       const lstmsent_corpus_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    LSTMSENT__CHECK_NULL(phrases);
    if (n == 0)
        return lstmsent__fail(LSTMSENT_ERR_EMPTY, "lstmsent_corpus_create: no phrases (n = 0)");
    for (size_t i = 0; i < n; i++) {
        if (phrases[i] == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NULL, "lstmsent_corpus_create: phrases[%zu] is NULL", i);
        if (labels != NULL && (labels[i] < 0 || labels[i] > 4))
            return lstmsent__fail(LSTMSENT_ERR_LABEL,
                                  "lstmsent_corpus_create: labels[%zu] = %ld is not an integer 0..4",
                                  i, (long)labels[i]);
    }
    /* A token takes at least one byte and one byte of space after it. */
    size_t ids_hint = 0;
    for (size_t i = 0; i < n; i++)
        ids_hint += strlen(phrases[i]) / 2 + 1;
    lstmsent__builder *b;
    lstmsent_status st = lstmsent__builder_create(&b, opts, NULL, labels != NULL, n, ids_hint);
    if (st != LSTMSENT_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        st = lstmsent__builder_add(b, phrases[i], strlen(phrases[i]), labels ? labels[i] : 0,
                                   (int64_t)i + 1, 0, i);
        if (st != LSTMSENT_OK) {
            lstmsent__builder_free(b);
            return st;
        }
    }
    return lstmsent__builder_finish(b, out);
}

size_t lstmsent_corpus_vocab_size(const lstmsent_corpus *corpus)
{
    return corpus ? corpus->v.size : 0;
}

int32_t lstmsent_corpus_unknown_id(const lstmsent_corpus *corpus)
{
    return corpus ? (int32_t)corpus->v.size + 1 : 0;
}

size_t lstmsent_corpus_phrase_count(const lstmsent_corpus *corpus)
{
    return corpus ? corpus->n : 0;
}

int lstmsent_corpus_has_labels(const lstmsent_corpus *corpus)
{
    return corpus != NULL && corpus->labels != NULL;
}

lstmsent_unknown lstmsent_corpus_unknown_policy(const lstmsent_corpus *corpus)
{
    return corpus ? corpus->unknown : LSTMSENT_UNKNOWN_PAD;
}

void lstmsent__corpus_set_unknown(lstmsent_corpus *corpus, lstmsent_unknown unknown)
{
    corpus->unknown = unknown;
}

lstmsent_status lstmsent_corpus_word_id(const lstmsent_corpus *corpus, const char *word,
                                        int32_t *id)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(corpus);
    LSTMSENT__CHECK_NULL(word);
    LSTMSENT__CHECK_NULL(id);
    size_t n = strlen(word);
    int32_t found = vocab_find(&corpus->v, word, n, lstmsent__fnv1a(word, n));
    char q[LSTMSENT__QUOTE_CAP];
    if (found == 0)
        return lstmsent__fail(LSTMSENT_ERR_UNKNOWN_WORD, "word '%s' is not in the vocabulary",
                              lstmsent__quote(q, word, n, QUOTE));
    *id = found;
    return LSTMSENT_OK;
}

static lstmsent_status check_id(const lstmsent_corpus *corpus, int32_t id, const char *fn)
{
    if (id < 1 || (size_t)id > corpus->v.size)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: id %ld is outside 1..%zu", fn, (long)id,
                              corpus->v.size);
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_corpus_word(const lstmsent_corpus *corpus, int32_t id, const char **word)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(corpus);
    LSTMSENT__CHECK_NULL(word);
    lstmsent_status st = check_id(corpus, id, __func__);
    if (st == LSTMSENT_OK)
        *word = vocab_word(&corpus->v, id);
    return st;
}

lstmsent_status lstmsent_corpus_word_count(const lstmsent_corpus *corpus, int32_t id,
                                           int64_t *count)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(corpus);
    LSTMSENT__CHECK_NULL(count);
    lstmsent_status st = check_id(corpus, id, __func__);
    if (st == LSTMSENT_OK)
        *count = corpus->v.count[id];
    return st;
}

lstmsent_status lstmsent_corpus_phrase_ids(const lstmsent_corpus *corpus, size_t i,
                                           const int32_t **ids, size_t *len)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(corpus);
    LSTMSENT__CHECK_NULL(ids);
    LSTMSENT__CHECK_NULL(len);
    if (i >= corpus->n)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: phrase %zu of %zu", __func__, i,
                              corpus->n);
    *ids = corpus->ids + corpus->start[i];
    *len = corpus->start[i + 1] - corpus->start[i];
    return LSTMSENT_OK;
}

const int32_t *lstmsent_corpus_labels(const lstmsent_corpus *corpus)
{
    return corpus ? corpus->labels : NULL;
}

const int64_t *lstmsent_corpus_sentence_ids(const lstmsent_corpus *corpus)
{
    return corpus ? corpus->sentence_ids : NULL;
}

const int64_t *lstmsent_corpus_phrase_ids_column(const lstmsent_corpus *corpus)
{
    return corpus ? corpus->phrase_ids : NULL;
}

int lstmsent__corpus_encode_prefix(const lstmsent_corpus *corpus, lstmsent__tokenizer *t,
                                   const char *text, size_t len, lstmsent_unknown policy,
                                   int32_t *ids, size_t cap, size_t *tokens, size_t *unknown,
                                   size_t *bad)
{
    const vocab *v = &corpus->v;
    const int32_t unknown_id = policy == LSTMSENT_UNKNOWN_ID ? (int32_t)v->size + 1 : 0;
    size_t count = 0, missing = 0;
    int r;
    lstmsent__tokenizer_reset(t, text, len);
    while ((r = lstmsent__tokenizer_next(t, bad)) == 1) {
        int32_t id = vocab_find(v, t->tok.data, t->tok.len, lstmsent__fnv1a(t->tok.data, t->tok.len));
        if (id == 0) {
            if (policy == LSTMSENT_UNKNOWN_ERROR)
                return LSTMSENT_ERR_UNKNOWN_WORD;
            id = unknown_id;
            missing++;
        }
        if (count < cap)
            ids[count] = id;
        count++;
    }
    if (r != 0)
        return r;
    *tokens = count;
    if (unknown != NULL)
        *unknown = missing;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_corpus_encode(const lstmsent_corpus *corpus, const char *text,
                                       lstmsent_unknown unknown, int32_t *ids, size_t cap,
                                       size_t *n)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(corpus);
    LSTMSENT__CHECK_NULL(text);
    LSTMSENT__CHECK_NULL(n);
    if (ids == NULL && cap > 0)
        return lstmsent__fail(LSTMSENT_ERR_NULL, "%s: argument 'ids' is NULL with cap %zu",
                              __func__, cap);
    lstmsent_status st = check_unknown(unknown, __func__);
    if (st != LSTMSENT_OK)
        return st;
    lstmsent__tokenizer t;
    memset(&t, 0, sizeof t);
    size_t count = 0, bad = 0;
    int r = lstmsent__corpus_encode_prefix(corpus, &t, text, strlen(text), unknown, ids, cap,
                                           &count, NULL, &bad);
    char q[LSTMSENT__QUOTE_CAP];
    if (r == LSTMSENT_ERR_UNKNOWN_WORD)
        st = lstmsent__fail(LSTMSENT_ERR_UNKNOWN_WORD, "%s: word '%s' is not in the "
                            "vocabulary", __func__, lstmsent__quote(q, t.tok.data, t.tok.len, QUOTE));
    else if (r == LSTMSENT_ERR_UTF8)
        st = lstmsent__fail(LSTMSENT_ERR_UTF8, "%s: invalid UTF-8 at byte %zu of the text",
                            __func__, bad + 1);
    else if (r != 0)
        st = lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", __func__);
    lstmsent__buf_free(&t.tok);
    if (st != LSTMSENT_OK)
        return st;
    *n = count;
    if (count > cap)
        return lstmsent__fail(LSTMSENT_ERR_BUFFER, "%s: %zu tokens, room for %zu", __func__,
                              count, cap);
    return LSTMSENT_OK;
}

/* ---- the vocabulary as a file --------------------------------------------------------- */

/* The vocabulary file: one word per line in id order, through a buffer of 64 KiB. */
static int write_vocab(int fd, void *ctx)
{
    const vocab *v = ctx;
    char buf[1 << 16];
    size_t used = 0;
    for (size_t id = 1; id <= v->size; id++) {
        size_t len = v->len[id];
        if (used + len + 1 > sizeof buf) {
            if (lstmsent__write_all(fd, buf, used) != 0)
                return -1;
            used = 0;
        }
        if (len + 1 > sizeof buf) {     /* a word longer than the buffer: written alone */
            if (lstmsent__write_all(fd, vocab_word(v, (int32_t)id), len) != 0 ||
                lstmsent__write_all(fd, "\n", 1) != 0)
                return -1;
            continue;
        }
        memcpy(buf + used, vocab_word(v, (int32_t)id), len);
        used += len;
        buf[used++] = '\n';
    }
    return lstmsent__write_all(fd, buf, used);
}

lstmsent_status lstmsent_corpus_save_vocab(const lstmsent_corpus *corpus, const char *path)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(corpus);
    LSTMSENT__CHECK_NULL(path);
    return lstmsent__write_file_atomic(path, LSTMSENT__PATH_QUOTED, write_vocab,
                                       (void *)&corpus->v);
}

lstmsent_status lstmsent__corpus_from_words(lstmsent_corpus **out, const char *source,
                                           const char *s, size_t len)
{
    /* Blank lines at the end are no words; any other blank line is an empty word. */
    size_t end = lstmsent__text_end(s, 0, len);
    if (end == 0)
        return lstmsent__fail(LSTMSENT_ERR_EMPTY, "%s: no words", source);
    lstmsent_corpus *c = corpus_alloc(0, 0, 0);
    if (c == NULL || vocab_init(&c->v, 1024) != 0) {
        lstmsent_corpus_free(c);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory reading '%s'", source);
    }
    lstmsent_status st = LSTMSENT_OK;
    size_t line = 0;
    for (size_t pos = 0; pos < end && st == LSTMSENT_OK;) {
        line++;
        const char *nl = memchr(s + pos, '\n', end - pos);
        size_t stop = nl ? (size_t)(nl - s) : end, next = stop + 1;
        if (stop > pos && s[stop - 1] == '\r')
            stop--;
        const char *w = s + pos;
        size_t n = stop - pos;
        char q[LSTMSENT__QUOTE_CAP];
        pos = next;
        if (n == 0) {
            st = lstmsent__fail(LSTMSENT_ERR_VOCAB, "%s:%zu: empty word", source, line);
            break;
        }
        /* A word holding white space could never come out of the tokeniser. */
        if (lstmsent__has_space(w, n)) {
            st = lstmsent__fail(LSTMSENT_ERR_VOCAB, "%s:%zu: word '%s' holds white space",
                                source, line, lstmsent__quote(q, w, n, QUOTE));
            break;
        }
        uint64_t h = lstmsent__fnv1a(w, n);
        int32_t dup = vocab_find(&c->v, w, n, h);
        if (dup != 0) {
            st = lstmsent__fail(LSTMSENT_ERR_VOCAB, "%s:%zu: duplicate word '%s' (line %ld)",
                                source, line, lstmsent__quote(q, w, n, QUOTE), (long)dup);
            break;
        }
        if (vocab_add(&c->v, w, n, h) == 0)
            st = c->v.size >= MAX_WORDS
                     ? lstmsent__fail(LSTMSENT_ERR_VOCAB, "%s: more than %zu words", source,
                                      MAX_WORDS)
                     : lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory reading '%s'", source);
    }
    if (st != LSTMSENT_OK) {
        lstmsent_corpus_free(c);
        return st;
    }
    *out = c;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_corpus_load_vocab(lstmsent_corpus **out, const char *path)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    LSTMSENT__CHECK_NULL(path);
    char *data;
    size_t len;
    lstmsent_status st = lstmsent__read_file(&data, &len, path, LSTMSENT__PATH_QUOTED);
    if (st != LSTMSENT_OK)
        return st;
    const char *s = lstmsent__skip_bom(data, &len);
    if ((st = lstmsent__check_text(path, s, len)) == LSTMSENT_OK)
        st = lstmsent__corpus_from_words(out, path, s, len);
    free(data);
    return st;
}
