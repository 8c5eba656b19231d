/*
 * Model files and training checkpoints: the model's parameters as safetensors under their
 * PyTorch state_dict names, the model options and the vocabulary in the metadata, and for
 * a checkpoint Adam's state, the generators and the counters as well. Saving builds on the
 * atomic writer of safetensors.c; loading on its reader, which has already checked the
 * file's structure, and then checks what a model needs, in this order: the format and its
 * version, the options, every expected tensor (present, F32, its shape), no unknown
 * tensor, the vocabulary, the checksums (when the file has them), and only then
 * allocates. A failed load leaves nothing behind;
 * a checkpoint is checked whole and copied into temporary buffers before any handle
 * changes. The rules and their messages are in docs/model-files.md.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_file.h"
#include "text.h"

/* Sizes the loader accepts, as model.c's option check: every GEMM dimension fits an int. */
#define MAX_DIM ((int64_t)1 << 24)
#define MAX_LAYERS 1000

/* A value or name from the file, for a message (control bytes escaped, at most 40 bytes). */
static const char *quote(char *buf, const char *s)
{
    return lstmsent__quote(buf, s, strlen(s), 40);
}

/* ---- metadata to write ------------------------------------------------------------------ */

/* Key-value pairs whose values are owned here; the first failure sticks in st. */
typedef struct meta_list {
    lstmsent__st_pair *p;
    size_t n, cap;
    lstmsent_status st;
} meta_list;

static void meta_free(meta_list *ml)
{
    for (size_t i = 0; i < ml->n; i++)
        free((char *)ml->p[i].value);
    free(ml->p);
}

/* Append key (a literal) with value, which the list takes over (freed if it fails). */
static void meta_take(meta_list *ml, const char *key, char *value)
{
    if (ml->st == LSTMSENT_OK && value == NULL)
        ml->st = LSTMSENT_ERR_NOMEM;
    if (ml->st == LSTMSENT_OK && ml->n == ml->cap) {
        size_t cap = ml->cap ? ml->cap * 2 : 32;
        lstmsent__st_pair *p = realloc(ml->p, cap * sizeof *p);
        if (p == NULL) {
            ml->st = LSTMSENT_ERR_NOMEM;
        } else {
            ml->p = p;
            ml->cap = cap;
        }
    }
    if (ml->st != LSTMSENT_OK) {
        free(value);
        return;
    }
    ml->p[ml->n++] = (lstmsent__st_pair){key, value};
}

static void meta_addf(meta_list *ml, const char *key, const char *fmt, ...)
    LSTMSENT__PRINTF(3, 4);

static void meta_addf(meta_list *ml, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s != NULL) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    meta_take(ml, key, s);
}

/* A double with enough digits to read back the same (prec 9 for a float, 17 for a double),
 * with a '.' whatever the locale's decimal point. */
static void meta_add_double(meta_list *ml, const char *key, int prec, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '.';
    meta_addf(ml, key, "%s", buf);
}

static void meta_add_rng(meta_list *ml, const char *key, const uint64_t s[4])
{
    meta_addf(ml, key, "%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64, s[0], s[1],
              s[2], s[3]);
}

static const char *head_name(lstmsent_head h)
{
    return h == LSTMSENT_HEAD_LOGITS ? "logits" : "sigmoid";
}

static const char *pooling_name(lstmsent_pooling p)
{
    return p == LSTMSENT_POOL_LAST_TOKEN ? "last_token" : "last_step";
}

static const char *unknown_name(lstmsent_unknown u)
{
    return u == LSTMSENT_UNKNOWN_ID ? "id" : u == LSTMSENT_UNKNOWN_ERROR ? "error" : "pad";
}

void lstmsent__vocab_digest(const char *text, size_t len, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, lstmsent__fnv1a(text, len));
}

/* The vocabulary's words in id order, joined by "\n". */
static char *vocab_text(const lstmsent_corpus *vocab, size_t *len)
{
    size_t V = lstmsent_corpus_vocab_size(vocab), total = 0;
    for (size_t id = 1; id <= V; id++) {
        const char *w;
        lstmsent_corpus_word(vocab, (int32_t)id, &w);
        total += strlen(w) + 1;
    }
    char *s = malloc(total ? total : 1);
    if (s == NULL)
        return NULL;
    size_t o = 0;
    for (size_t id = 1; id <= V; id++) {
        const char *w;
        lstmsent_corpus_word(vocab, (int32_t)id, &w);
        size_t n = strlen(w);
        if (id > 1)
            s[o++] = '\n';
        memcpy(s + o, w, n);
        o += n;
    }
    s[o] = '\0';
    *len = o;
    return s;
}

/* The metadata every file of the format carries: format, versions, options, vocabulary. */
static lstmsent_status model_meta(meta_list *ml, const lstmsent_model_options *o,
                                  const lstmsent_corpus *vocab, const char *format,
                                  const char *path)
{
    meta_addf(ml, "format", "%s", format);
    meta_addf(ml, "format_version", "%s", LSTMSENT__FORMAT_VERSION);
    meta_addf(ml, "library_version", "%s", lstmsent_version_string());
    meta_addf(ml, "num_embeddings", "%" PRId64, o->num_embeddings);
    meta_addf(ml, "embed_dim", "%" PRId32, o->embed_dim);
    meta_addf(ml, "hidden_dim", "%" PRId32, o->hidden_dim);
    meta_addf(ml, "num_layers", "%" PRId32, o->num_layers);
    meta_addf(ml, "output_size", "%" PRId32, o->output_size);
    meta_add_double(ml, "lstm_dropout", 9, (double)o->lstm_dropout);
    meta_add_double(ml, "output_dropout", 9, (double)o->output_dropout);
    meta_addf(ml, "head", "%s", head_name(o->head));
    meta_addf(ml, "pooling", "%s", pooling_name(o->pooling));
    meta_addf(ml, "padding_idx", "%" PRId64, o->padding_idx);
    meta_addf(ml, "seed", "%" PRIu64, o->seed);
    meta_addf(ml, "seq_len", "%" PRId32, o->seq_len);
    if (vocab != NULL && ml->st == LSTMSENT_OK) {
        size_t V = lstmsent_corpus_vocab_size(vocab);
        if (V == 0)
            return lstmsent__fail(LSTMSENT_ERR_EMPTY, "%s: the vocabulary has no words", path);
        if ((int64_t)V + 1 != o->num_embeddings && (int64_t)V + 2 != o->num_embeddings)
            return lstmsent__fail(LSTMSENT_ERR_MISMATCH,
                                  "%s: the vocabulary's %zu words need %zu embedding rows (%zu "
                                  "with an unknown id), the model has %" PRId64, path, V, V + 1,
                                  V + 2, o->num_embeddings);
        lstmsent_unknown unknown = lstmsent_corpus_unknown_policy(vocab);
        if (unknown == LSTMSENT_UNKNOWN_ID && (int64_t)V + 2 != o->num_embeddings)
            return lstmsent__fail(LSTMSENT_ERR_MISMATCH,
                                  "%s: the vocabulary's policy LSTMSENT_UNKNOWN_ID maps unseen "
                                  "words to id %zu, which needs %zu embedding rows, the model "
                                  "has %" PRId64, path, V + 1, V + 2, o->num_embeddings);
        size_t len = 0;
        char *text = vocab_text(vocab, &len);
        char digest[17] = "";
        if (text != NULL)
            lstmsent__vocab_digest(text, len, digest);
        meta_addf(ml, "vocab_size", "%zu", V);
        meta_addf(ml, "vocab_digest", "%s", digest);
        meta_addf(ml, "unknown", "%s", unknown_name(unknown));
        meta_take(ml, "vocab", text);
    }
    if (ml->st != LSTMSENT_OK)
        return lstmsent__fail(ml->st, "%s: out of memory building the metadata", path);
    return LSTMSENT_OK;
}

/* ---- saving ----------------------------------------------------------------------------- */

/* The model's tensors as out-tensors pointing into its parameter buffer, then, when
 * m and v are given, "optim.m.<name>" and "optim.v.<name>" pointing into them. names
 * holds the generated names (freed by the caller). */
static lstmsent_status model_tensors(const lstmsent_model *model, const float *m,
                                     const float *v, lstmsent__st_out_tensor **out,
                                     size_t *n_out, char **names, int64_t **shapes)
{
    size_t P = lstmsent_model_param_count(model), n = m != NULL ? 3 * P : P;
    /* Parameters are only read here; the accessor is not const because training writes
     * through it. */
    const float *params = lstmsent__model_params((lstmsent_model *)model, NULL);
    lstmsent__st_out_tensor *t = calloc(n, sizeof *t);
    char *nm = calloc(2 * P, 48);
    int64_t *sh = calloc(P, 2 * sizeof *sh);
    if (t == NULL || nm == NULL || sh == NULL) {
        free(t);
        free(nm);
        free(sh);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory listing the tensors");
    }
    size_t offset = 0;
    for (size_t i = 0; i < P; i++) {
        const char *name;
        int32_t ndim;
        size_t numel;
        lstmsent_model_param_info(model, i, &name, &ndim, sh + 2 * i, &numel);
        t[i] = (lstmsent__st_out_tensor){name, ndim, sh + 2 * i, params + offset};
        if (m != NULL) {
            char *mn = nm + 2 * i * 48, *vn = mn + 48;
            snprintf(mn, 48, "optim.m.%s", name);
            snprintf(vn, 48, "optim.v.%s", name);
            t[P + i] = (lstmsent__st_out_tensor){mn, ndim, sh + 2 * i, m + offset};
            t[2 * P + i] = (lstmsent__st_out_tensor){vn, ndim, sh + 2 * i, v + offset};
        }
        offset += numel;
    }
    *out = t;
    *n_out = n;
    *names = nm;
    *shapes = sh;
    return LSTMSENT_OK;
}

static lstmsent_status save(const char *path, const lstmsent_model *model,
                            const float *m, const float *v, meta_list *ml)
{
    /* Listing the keys asks the writer for the checksums of what it writes. */
    meta_addf(ml, LSTMSENT__ST_SUM_HEADER, "%s", "");
    meta_addf(ml, LSTMSENT__ST_SUM_DATA, "%s", "");
    if (ml->st != LSTMSENT_OK)
        return lstmsent__fail(ml->st, "%s: out of memory building the metadata", path);
    lstmsent__st_out_tensor *t = NULL;
    size_t n = 0;
    char *names = NULL;
    int64_t *shapes = NULL;
    lstmsent_status st = model_tensors(model, m, v, &t, &n, &names, &shapes);
    if (st == LSTMSENT_OK) {
        st = lstmsent__st_save_f32(path, t, n, ml->p, ml->n);
        free(t);
        free(names);
        free(shapes);
    }
    return st;
}

lstmsent_status lstmsent_model_save(const lstmsent_model *model, const lstmsent_corpus *vocab,
                                    const char *path)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(path);
    lstmsent_model_options o;
    lstmsent_model_get_options(model, &o);
    meta_list ml = {0};
    lstmsent_status st = model_meta(&ml, &o, vocab, LSTMSENT__FORMAT_MODEL, path);
    if (st == LSTMSENT_OK)
        st = save(path, model, NULL, NULL, &ml);
    meta_free(&ml);
    return st;
}

lstmsent_status lstmsent_checkpoint_save(const char *path, const lstmsent_model *model,
                                         const lstmsent_optim *optim,
                                         const lstmsent_sampler *sampler,
                                         const lstmsent_corpus *vocab, int64_t epoch,
                                         int64_t step)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(path);
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(optim);
    if (lstmsent__optim_model_id(optim) != lstmsent__model_id(model))
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH,
                              "%s: the optimizer was made for another model", path);
    lstmsent_model_options o;
    lstmsent_model_get_options(model, &o);
    lstmsent_adam_options ao;
    const float *m, *v;
    size_t n;
    int64_t adam_step;
    lstmsent__optim_get_state(optim, &ao, &m, &v, &n, &adam_step);

    meta_list ml = {0};
    lstmsent_status st = model_meta(&ml, &o, vocab, LSTMSENT__FORMAT_CHECKPOINT, path);
    if (st != LSTMSENT_OK) {
        meta_free(&ml);
        return st;
    }
    meta_add_double(&ml, "adam.lr", 17, ao.lr);
    meta_add_double(&ml, "adam.beta1", 17, ao.beta1);
    meta_add_double(&ml, "adam.beta2", 17, ao.beta2);
    meta_add_double(&ml, "adam.eps", 17, ao.eps);
    meta_add_double(&ml, "adam.weight_decay", 17, ao.weight_decay);
    meta_addf(&ml, "adam.step", "%" PRId64, adam_step);
    uint64_t rng[4];
    lstmsent__model_get_rng(model, rng);
    meta_add_rng(&ml, "model.rng", rng);
    meta_addf(&ml, "epoch", "%" PRId64, epoch);
    meta_addf(&ml, "step", "%" PRId64, step);
    if (sampler != NULL) {
        const size_t *order;
        size_t rows, next, count;
        lstmsent__sampler_get_state(sampler, rng, &order, &count, &next, &rows);
        meta_add_rng(&ml, "sampler.rng", rng);
        meta_addf(&ml, "sampler.rows", "%zu", rows);
        meta_addf(&ml, "sampler.next", "%zu", next);
        /* At most 20 digits and a comma per row. */
        size_t cap;
        char *text = lstmsent__mul_size(count, 21, &cap) ? malloc(cap + 1) : NULL;
        if (text != NULL) {
            size_t o2 = 0;
            for (size_t i = 0; i < count; i++)
                o2 += (size_t)snprintf(text + o2, cap + 1 - o2, i ? ",%zu" : "%zu", order[i]);
            text[o2] = '\0';
        }
        meta_take(&ml, "sampler.order", text);
    }
    if (ml.st != LSTMSENT_OK)
        st = lstmsent__fail(ml.st, "%s: out of memory building the metadata", path);
    if (st == LSTMSENT_OK)
        st = save(path, model, m, v, &ml);
    meta_free(&ml);
    return st;
}

/* ---- reading metadata ------------------------------------------------------------------- */

static lstmsent_status no_key(const char *src, const char *key)
{
    return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata has no '%s'", src, key);
}

/* A decimal integer: an optional '-', then 1 to 19 digits, nothing else. */
static int parse_i64(const char *s, int64_t *out)
{
    int neg = *s == '-';
    const char *p = s + neg;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (*p == '\0')
        return 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* An integer min..max under key; present = 0 leaves *out alone when the key is absent. */
static lstmsent_status meta_i64(const lstmsent__st_file *f, const char *src, const char *key,
                                int64_t min, int64_t max, int required, int64_t *out)
{
    const char *s = lstmsent__st_meta_get(f, key);
    if (s == NULL)
        return required ? no_key(src, key) : LSTMSENT_OK;
    int64_t v;
    char q[LSTMSENT__QUOTE_CAP];
    if (!parse_i64(s, &v) || v < min || v > max)
        return lstmsent__fail(LSTMSENT_ERR_METADATA,
                              "%s: metadata '%s' = '%s' is not an integer %" PRId64
                              "..%" PRId64, src, key, quote(q, s), min, max);
    *out = v;
    return LSTMSENT_OK;
}

static lstmsent_status meta_i32(const lstmsent__st_file *f, const char *src, const char *key,
                                int64_t min, int64_t max, int required, int32_t *out)
{
    int64_t v = *out;
    lstmsent_status st = meta_i64(f, src, key, min, max, required, &v);
    *out = (int32_t)v;
    return st;
}

/* A finite number in JSON's syntax (lstmsent__st_number). */
static lstmsent_status meta_double(const lstmsent__st_file *f, const char *src, const char *key,
                                   int required, double *out)
{
    const char *s = lstmsent__st_meta_get(f, key);
    if (s == NULL)
        return required ? no_key(src, key) : LSTMSENT_OK;
    double v = 0.0;
    int ok = lstmsent__st_number(s, &v);
    if (ok < 0)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory reading metadata '%s'",
                              src, key);
    char q[LSTMSENT__QUOTE_CAP];
    if (!ok)
        return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata '%s' = '%s' is not a "
                              "finite number", src, key, quote(q, s));
    *out = v;
    return LSTMSENT_OK;
}

/* Four 64-bit words as 16 hex digits each, comma-separated: a generator's state. */
static lstmsent_status meta_rng(const lstmsent__st_file *f, const char *src, const char *key,
                                uint64_t out[4])
{
    const char *s = lstmsent__st_meta_get(f, key);
    if (s == NULL)
        return no_key(src, key);
    int ok = strlen(s) == 4 * 16 + 3;
    uint64_t v[4] = {0, 0, 0, 0};
    for (int k = 0; ok && k < 4; k++) {
        const char *p = s + 17 * k;
        for (int d = 0; ok && d < 16; d++) {
            char c = p[d];
            unsigned x = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                                : 16u;
            ok = x < 16;
            v[k] = v[k] << 4 | (x & 15u);
        }
        ok = ok && (k == 3 || p[16] == ',');
    }
    /* xoshiro's one forbidden state: all zero never leaves zero. */
    if (ok && (v[0] | v[1] | v[2] | v[3]) == 0)
        ok = 0;
    if (!ok)
        return lstmsent__fail(LSTMSENT_ERR_METADATA,
                              "%s: metadata '%s' is not a generator state (4 comma-separated "
                              "16-digit lowercase hex numbers, not all zero)", src, key);
    memcpy(out, v, sizeof v);
    return LSTMSENT_OK;
}

/* The model options from the metadata. required = 1: every key must be there (a file of
 * this format); 0: keys present override what *o holds (a foreign file). */
static lstmsent_status options_from_meta(const lstmsent__st_file *f, const char *src,
                                         int required, lstmsent_model_options *o)
{
    lstmsent_status st;
    char q[LSTMSENT__QUOTE_CAP];
    if ((st = meta_i64(f, src, "num_embeddings", 1, INT32_MAX, required, &o->num_embeddings)) ||
        (st = meta_i32(f, src, "embed_dim", 1, MAX_DIM, required, &o->embed_dim)) ||
        (st = meta_i32(f, src, "hidden_dim", 1, MAX_DIM, required, &o->hidden_dim)) ||
        (st = meta_i32(f, src, "num_layers", 1, MAX_LAYERS, required, &o->num_layers)) ||
        (st = meta_i32(f, src, "output_size", 1, MAX_DIM, required, &o->output_size)) ||
        (st = meta_i64(f, src, "padding_idx", -1, o->num_embeddings - 1, required,
                       &o->padding_idx)))
        return st;
    static const char *const drops[2] = {"lstm_dropout", "output_dropout"};
    float *dst[2] = {&o->lstm_dropout, &o->output_dropout};
    for (int k = 0; k < 2; k++) {
        double d = *dst[k];
        if ((st = meta_double(f, src, drops[k], required, &d)) != LSTMSENT_OK)
            return st;
        if (!(d >= 0.0 && d <= 1.0))
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata '%s' = %g is not in "
                                  "[0, 1]", src, drops[k], d);
        *dst[k] = (float)d;
    }
    const char *s = lstmsent__st_meta_get(f, "head");
    if (s == NULL && required)
        return no_key(src, "head");
    if (s != NULL) {
        if (strcmp(s, "sigmoid") == 0)
            o->head = LSTMSENT_HEAD_SIGMOID;
        else if (strcmp(s, "logits") == 0)
            o->head = LSTMSENT_HEAD_LOGITS;
        else
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata 'head' = '%s' is "
                                  "neither 'sigmoid' nor 'logits'", src, quote(q, s));
    }
    s = lstmsent__st_meta_get(f, "pooling");
    if (s == NULL && required)
        return no_key(src, "pooling");
    if (s != NULL) {
        if (strcmp(s, "last_step") == 0)
            o->pooling = LSTMSENT_POOL_LAST_STEP;
        else if (strcmp(s, "last_token") == 0)
            o->pooling = LSTMSENT_POOL_LAST_TOKEN;
        else
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata 'pooling' = '%s' is "
                                  "neither 'last_step' nor 'last_token'", src, quote(q, s));
    }
    s = lstmsent__st_meta_get(f, "seed");
    if (s == NULL && required)
        return no_key(src, "seed");
    if (s != NULL && !parse_u64(s, &o->seed))
        return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata 'seed' = '%s' is not an "
                              "integer 0..%" PRIu64, src, quote(q, s), UINT64_MAX);
    /* Never required: files written before the option existed were made for T = 30, the
     * default *o already holds. */
    return meta_i32(f, src, "seq_len", 1, LSTMSENT__MAX_SEQ_LEN, 0, &o->seq_len);
}

/* 1 for a file of this format (whose version must then be ours), 0 for any other. */
static lstmsent_status file_format(const lstmsent__st_file *f, const char *src, int *ours,
                                   int *checkpoint)
{
    const char *format = lstmsent__st_meta_get(f, "format");
    char q[LSTMSENT__QUOTE_CAP];
    *ours = 0;
    *checkpoint = 0;
    if (format == NULL || strncmp(format, "lstmsent-", 9) != 0)
        return LSTMSENT_OK;
    if (strcmp(format, LSTMSENT__FORMAT_MODEL) != 0 &&
        strcmp(format, LSTMSENT__FORMAT_CHECKPOINT) != 0)
        return lstmsent__fail(LSTMSENT_ERR_VERSION, "%s: format '%s' is not one this "
                              "library reads ('%s' or '%s')", src, quote(q, format),
                              LSTMSENT__FORMAT_MODEL, LSTMSENT__FORMAT_CHECKPOINT);
    const char *version = lstmsent__st_meta_get(f, "format_version");
    if (version == NULL)
        return no_key(src, "format_version");
    if (strcmp(version, LSTMSENT__FORMAT_VERSION) != 0)
        return lstmsent__fail(LSTMSENT_ERR_VERSION, "%s: %s format version '%s' is not "
                              "supported (this library reads version %s)", src, format,
                              quote(q, version), LSTMSENT__FORMAT_VERSION);
    *ours = 1;
    *checkpoint = strcmp(format, LSTMSENT__FORMAT_CHECKPOINT) == 0;
    return LSTMSENT_OK;
}

/* ---- expected tensors ------------------------------------------------------------------- */

typedef struct expect {
    char name[48];
    int ndim;
    int64_t shape[2];
    size_t numel;
} expect;

/* The state_dict of SentimentRNN for options o, in its order (model.c builds the same):
 * at most 1 + 4 * MAX_LAYERS + 2 entries, sizes small enough that nothing overflows. */
static expect *expected_tensors(const lstmsent_model_options *o, size_t *n)
{
    size_t L = (size_t)o->num_layers, k = 0;
    expect *e = calloc(1 + 4 * L + 2, sizeof *e);
    if (e == NULL)
        return NULL;
    const int64_t G = 4 * (int64_t)o->hidden_dim;
#define ADD(nd, r, c, ...)                                                  \
    do {                                                                    \
        snprintf(e[k].name, sizeof e[k].name, __VA_ARGS__);                 \
        e[k].ndim = nd;                                                     \
        e[k].shape[0] = r;                                                  \
        e[k].shape[1] = c;                                                  \
        e[k].numel = (size_t)(r) * (size_t)(c);                             \
        k++;                                                                \
    } while (0)
    ADD(2, o->num_embeddings, o->embed_dim, "embedding.weight");
    for (size_t l = 0; l < L; l++) {
        ADD(2, G, l == 0 ? o->embed_dim : o->hidden_dim, "lstm.weight_ih_l%zu", l);
        ADD(2, G, o->hidden_dim, "lstm.weight_hh_l%zu", l);
        ADD(1, G, 1, "lstm.bias_ih_l%zu", l);
        ADD(1, G, 1, "lstm.bias_hh_l%zu", l);
    }
    ADD(2, o->output_size, o->hidden_dim, "fc.weight");
    ADD(1, o->output_size, 1, "fc.bias");
#undef ADD
    *n = k;
    return e;
}

static void shape_text(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (int d = 0; d < ndim && o < cap; d++)
        o += (size_t)snprintf(buf + o, cap - o, d ? ", %" PRId64 : "%" PRId64, shape[d]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
}

/* The tensor called name (prefix + e->name) must be there, F32, with e's shape. */
static lstmsent_status check_tensor(const lstmsent__st_file *f, const char *src,
                                    const char *prefix, const expect *e,
                                    const lstmsent__st_tensor **out)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", prefix, e->name);
    const lstmsent__st_tensor *t = lstmsent__st_find(f, name);
    if (t == NULL)
        return lstmsent__fail(LSTMSENT_ERR_MISSING_TENSOR, "%s: no tensor '%s'", src, name);
    if (t->dtype != LSTMSENT__ST_F32)
        return lstmsent__fail(LSTMSENT_ERR_TENSOR_DTYPE, "%s: tensor '%s' has dtype %s, not F32",
                              src, name, lstmsent__st_dtype_name(t->dtype));
    int same = t->ndim == e->ndim;
    for (int d = 0; same && d < e->ndim; d++)
        same = t->shape[d] == e->shape[d];
    if (!same) {
        char have[200], want[64];
        shape_text(have, sizeof have, t->ndim, t->shape);
        shape_text(want, sizeof want, e->ndim, e->shape);
        return lstmsent__fail(LSTMSENT_ERR_TENSOR_SHAPE, "%s: tensor '%s' has shape %s, not %s",
                              src, name, have, want);
    }
    if (out != NULL)
        *out = t;
    return LSTMSENT_OK;
}

/* Is name one of e[0, n), optionally after "optim.m." or "optim.v."? */
static int known_name(const char *name, const expect *e, size_t n, int with_optim)
{
    if (with_optim && (strncmp(name, "optim.m.", 8) == 0 || strncmp(name, "optim.v.", 8) == 0))
        name += 8;
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, e[i].name) == 0)
            return 1;
    return 0;
}

static lstmsent_status check_tensors(const lstmsent__st_file *f, const char *src,
                                     const expect *e, size_t n, int with_optim,
                                     int allow_unknown)
{
    lstmsent_status st;
    char q[LSTMSENT__QUOTE_CAP];
    for (size_t i = 0; i < n; i++)
        if ((st = check_tensor(f, src, "", &e[i], NULL)) != LSTMSENT_OK)
            return st;
    if (with_optim) {
        for (size_t i = 0; i < n; i++) {
            if ((st = check_tensor(f, src, "optim.m.", &e[i], NULL)) != LSTMSENT_OK ||
                (st = check_tensor(f, src, "optim.v.", &e[i], NULL)) != LSTMSENT_OK)
                return st;
        }
    }
    if (!allow_unknown) {
        for (size_t i = 0; i < f->n_tensors; i++) {
            if (!known_name(f->tensors[i].name, e, n, with_optim))
                return lstmsent__fail(LSTMSENT_ERR_UNKNOWN_TENSOR, "%s: unknown tensor '%s'",
                                      src, quote(q, f->tensors[i].name));
        }
    }
    return LSTMSENT_OK;
}

/* A tensor's 2-D shape for the inference of sizes, each size 1..max. */
static lstmsent_status infer_dims(const lstmsent__st_file *f, const char *src, const char *name,
                                  int64_t max0, int64_t max1, int64_t *rows, int64_t *cols)
{
    const lstmsent__st_tensor *t = lstmsent__st_find(f, name);
    if (t == NULL)
        return lstmsent__fail(LSTMSENT_ERR_MISSING_TENSOR, "%s: no tensor '%s' (and no "
                              "metadata to say the model's sizes)", src, name);
    if (t->ndim != 2 || t->shape[0] < 1 || t->shape[0] > max0 || t->shape[1] < 1 ||
        t->shape[1] > max1) {
        char have[200];
        shape_text(have, sizeof have, t->ndim, t->shape);
        return lstmsent__fail(LSTMSENT_ERR_TENSOR_SHAPE, "%s: tensor '%s' has shape %s, not "
                              "[1..%" PRId64 ", 1..%" PRId64 "]", src, name, have, max0, max1);
    }
    *rows = t->shape[0];
    *cols = t->shape[1];
    return LSTMSENT_OK;
}

/* A bare state_dict: V and E from embedding.weight, L from the lstm.weight_ih_l<k> present
 * (k = 0, 1, ... until one is missing), H from lstm.weight_hh_l0, O from fc.weight. */
static lstmsent_status infer_sizes(const lstmsent__st_file *f, const char *src,
                                   lstmsent_model_options *o)
{
    int64_t r, c, g;
    lstmsent_status st = infer_dims(f, src, "embedding.weight", INT32_MAX, MAX_DIM, &r, &c);
    if (st != LSTMSENT_OK)
        return st;
    o->num_embeddings = r;
    o->embed_dim = (int32_t)c;
    if ((st = infer_dims(f, src, "lstm.weight_hh_l0", 4 * MAX_DIM, MAX_DIM, &g, &c)) != LSTMSENT_OK)
        return st;
    o->hidden_dim = (int32_t)c;
    int32_t L = 0;
    char name[48];
    for (;;) {
        snprintf(name, sizeof name, "lstm.weight_ih_l%d", (int)L);
        if (L >= MAX_LAYERS || lstmsent__st_find(f, name) == NULL)
            break;
        L++;
    }
    o->num_layers = L > 0 ? L : 1;
    if ((st = infer_dims(f, src, "fc.weight", MAX_DIM, MAX_DIM, &r, &c)) != LSTMSENT_OK)
        return st;
    o->output_size = (int32_t)r;
    return LSTMSENT_OK;
}

/* ---- the vocabulary --------------------------------------------------------------------- */

/* *out gets the vocabulary of the metadata, or NULL when there is none; checked for its
 * count, its digest, and against the embedding's rows. */
static lstmsent_status vocab_from_meta(const lstmsent__st_file *f, const char *src,
                                       int64_t num_embeddings, lstmsent_corpus **out)
{
    *out = NULL;
    const char *text = lstmsent__st_meta_get(f, "vocab");
    const char *size = lstmsent__st_meta_get(f, "vocab_size");
    const char *digest = lstmsent__st_meta_get(f, "vocab_digest");
    const char *policy = lstmsent__st_meta_get(f, "unknown");
    if (text == NULL) {
        if (size != NULL || digest != NULL || policy != NULL)
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata has '%s' but no 'vocab'",
                                  src, size != NULL     ? "vocab_size"
                                       : digest != NULL ? "vocab_digest"
                                                        : "unknown");
        return LSTMSENT_OK;
    }
    /* Files written before the key existed encoded unseen words as padding. */
    lstmsent_unknown unknown = LSTMSENT_UNKNOWN_PAD;
    char q[LSTMSENT__QUOTE_CAP];
    if (policy != NULL) {
        if (strcmp(policy, "id") == 0)
            unknown = LSTMSENT_UNKNOWN_ID;
        else if (strcmp(policy, "error") == 0)
            unknown = LSTMSENT_UNKNOWN_ERROR;
        else if (strcmp(policy, "pad") != 0)
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata 'unknown' = '%s' is "
                                  "none of 'pad', 'id', 'error'", src, quote(q, policy));
    }
    int64_t count;
    lstmsent_status st = meta_i64(f, src, "vocab_size", 1, INT32_MAX - 1, 1, &count);
    if (st != LSTMSENT_OK)
        return st;
    if (digest == NULL)
        return no_key(src, "vocab_digest");
    size_t len = strlen(text);
    char want[17];
    lstmsent__vocab_digest(text, len, want);
    if (strcmp(digest, want) != 0)
        return lstmsent__fail(LSTMSENT_ERR_DIGEST, "%s: the vocabulary's FNV-1a digest is %s, "
                              "the metadata says '%s'", src, want, quote(q, digest));
    char where[300];
    snprintf(where, sizeof where, "%s: metadata 'vocab'", src);
    lstmsent_corpus *c;
    if ((st = lstmsent__corpus_from_words(&c, where, text, len)) != LSTMSENT_OK)
        return st;
    size_t V = lstmsent_corpus_vocab_size(c);
    if ((int64_t)V != count) {
        lstmsent_corpus_free(c);
        return lstmsent__fail(LSTMSENT_ERR_VOCAB, "%s: metadata 'vocab' holds %zu words, "
                              "'vocab_size' says %" PRId64, src, V, count);
    }
    if ((int64_t)V + 1 != num_embeddings && (int64_t)V + 2 != num_embeddings) {
        lstmsent_corpus_free(c);
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the vocabulary's %zu words need %zu "
                              "embedding rows (%zu with an unknown id), the model has %" PRId64,
                              src, V, V + 1, V + 2, num_embeddings);
    }
    if (unknown == LSTMSENT_UNKNOWN_ID && (int64_t)V + 2 != num_embeddings) {
        lstmsent_corpus_free(c);
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the vocabulary's policy 'id' maps "
                              "unseen words to id %zu, which needs %zu embedding rows, the "
                              "model has %" PRId64, src, V + 1, V + 2, num_embeddings);
    }
    lstmsent__corpus_set_unknown(c, unknown);
    *out = c;
    return LSTMSENT_OK;
}

/* ---- checksums -------------------------------------------------------------------------- */

/* 16 lowercase hex digits, as the writer makes them. */
static int parse_sum(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int k = 0;
    for (; k < 16 && ((s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f')); k++)
        v = v << 4 | (uint64_t)(s[k] <= '9' ? s[k] - '0' : s[k] - 'a' + 10);
    if (k != 16 || s[16] != '\0')
        return 0;
    *out = v;
    return 1;
}

/* A file that carries checksums must match them; one without (a PyTorch export, a file of
 * an earlier version) is read as before. Both keys or none: one alone means the other was
 * lost or damaged. Run once the header has passed the checks that read it, so that a
 * file edited on purpose still gets the message of the rule it breaks, and this catches
 * whatever damage those checks cannot see (a seed, a version, any data byte). */
static lstmsent_status check_checksums(const lstmsent__st_file *f, const char *src)
{
    const char *keys[2] = {LSTMSENT__ST_SUM_HEADER, LSTMSENT__ST_SUM_DATA};
    const char *text[2] = {lstmsent__st_meta_get(f, keys[0]), lstmsent__st_meta_get(f, keys[1])};
    if (text[0] == NULL && text[1] == NULL)
        return LSTMSENT_OK;
    uint64_t want[2];
    for (int k = 0; k < 2; k++) {
        char q[LSTMSENT__QUOTE_CAP];
        if (text[k] == NULL)
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata has '%s' but no '%s'",
                                  src, keys[1 - k], keys[k]);
        if (!parse_sum(text[k], &want[k]))
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata '%s' = '%s' is not 16 "
                                  "lowercase hex digits", src, keys[k],
                                  quote(q, text[k]));
    }
    uint64_t have[2];
    lstmsent_status st = lstmsent__st_checksums(f, &have[0], &have[1]);
    if (st != LSTMSENT_OK)
        return lstmsent__fail(st, "%s: out of memory computing the checksums", src);
    if (have[0] != want[0])
        return lstmsent__fail(LSTMSENT_ERR_CHECKSUM, "%s: the header (tensor names, dtypes, "
                              "shapes and metadata) does not match its checksum: XXH3-64 %016"
                              PRIx64 ", '%s' says %016" PRIx64 " (the file is damaged)", src,
                              have[0], keys[0], want[0]);
    if (have[1] != want[1])
        return lstmsent__fail(LSTMSENT_ERR_CHECKSUM, "%s: the tensor data does not match its "
                              "checksum: XXH3-64 %016" PRIx64 ", '%s' says %016" PRIx64
                              " (the file is damaged)", src, have[1], keys[1], want[1]);
    return LSTMSENT_OK;
}

/* ---- loading a model -------------------------------------------------------------------- */

void lstmsent_load_options_default(lstmsent_load_options *opts)
{
    if (opts == NULL)
        return;
    opts->allow_unknown_tensors = 0;
    opts->reject_nonfinite = 0;
}

/* Copy the tensors e[0, n) (with prefix) from the file into dst, one after the other. */
static lstmsent_status copy_tensors(const lstmsent__st_file *f, const char *src,
                                    const char *prefix, const expect *e, size_t n, float *dst,
                                    int reject_nonfinite)
{
    for (size_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", prefix, e[i].name);
        lstmsent_status st = lstmsent__st_load_f32(f, name, e[i].ndim, e[i].shape, dst,
                                                   reject_nonfinite);
        if (st != LSTMSENT_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", lstmsent_last_error());
            return lstmsent__fail(st, "%s: %s", src, msg);
        }
        dst += e[i].numel;
    }
    return LSTMSENT_OK;
}

/* The options of a file: from the metadata of this format, else inferred (and overridden
 * by whatever option keys a foreign file's metadata has). */
static lstmsent_status file_options(const lstmsent__st_file *f, const char *src, int ours,
                                    lstmsent_model_options *o)
{
    lstmsent_model_options_default(o, 0);
    if (!ours) {
        lstmsent_status st = infer_sizes(f, src, o);
        if (st != LSTMSENT_OK)
            return st;
    }
    return options_from_meta(f, src, ours, o);
}

lstmsent_status lstmsent__model_from_st(lstmsent_model **out, lstmsent_corpus **vocab_out,
                                        const lstmsent__st_file *f, const char *src,
                                        const lstmsent_load_options *opts)
{
    lstmsent_load_options lo;
    lstmsent_load_options_default(&lo);
    if (opts != NULL)
        lo = *opts;
    int ours, checkpoint;
    lstmsent_model_options o;
    lstmsent_status st = file_format(f, src, &ours, &checkpoint);
    if (st == LSTMSENT_OK)
        st = file_options(f, src, ours, &o);
    if (st != LSTMSENT_OK)
        return st;
    size_t n;
    expect *e = expected_tensors(&o, &n);
    if (e == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", src);
    /* A checkpoint loads as a model: its optimizer tensors are known, not needed. */
    char q[LSTMSENT__QUOTE_CAP];
    if ((st = check_tensors(f, src, e, n, 0, lo.allow_unknown_tensors || checkpoint)) ==
            LSTMSENT_OK &&
        checkpoint && !lo.allow_unknown_tensors) {
        for (size_t i = 0; i < f->n_tensors && st == LSTMSENT_OK; i++)
            if (!known_name(f->tensors[i].name, e, n, 1))
                st = lstmsent__fail(LSTMSENT_ERR_UNKNOWN_TENSOR, "%s: unknown tensor '%s'", src,
                                    quote(q, f->tensors[i].name));
    }
    lstmsent_corpus *vocab = NULL;
    if (st == LSTMSENT_OK)
        st = vocab_from_meta(f, src, o.num_embeddings, &vocab);
    if (st == LSTMSENT_OK)
        st = check_checksums(f, src);
    lstmsent_model *m = NULL;
    if (st == LSTMSENT_OK) {
        /* The tensors are all there, so the file's size bounds what this allocates. */
        st = lstmsent_model_create(&m, &o);
        if (st == LSTMSENT_ERR_INVALID) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", lstmsent_last_error());
            st = lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: the options are not valid: %s", src,
                                msg);
        }
    }
    if (st == LSTMSENT_OK) {
        float *params = lstmsent__model_params(m, NULL);
        st = copy_tensors(f, src, "", e, n, params, lo.reject_nonfinite);
    }
    free(e);
    if (st != LSTMSENT_OK) {
        lstmsent_model_free(m);
        lstmsent_corpus_free(vocab);
        return st;
    }
    *out = m;
    if (vocab_out != NULL)
        *vocab_out = vocab;
    else
        lstmsent_corpus_free(vocab);
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_model_load(lstmsent_model **out, lstmsent_corpus **vocab_out,
                                    const char *path, const lstmsent_load_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    if (vocab_out != NULL)
        *vocab_out = NULL;
    LSTMSENT__CHECK_NULL(path);
    lstmsent__st_file *f;
    lstmsent_status st = lstmsent__st_read_file(&f, path);
    if (st != LSTMSENT_OK)
        return st;
    st = lstmsent__model_from_st(out, vocab_out, f, path, opts);
    lstmsent__st_free(f);
    return st;
}

/* ---- loading a checkpoint --------------------------------------------------------------- */

/* "a,b,c": n row numbers each < rows, into a new array (NULL for none). */
static lstmsent_status parse_order(const char *s, const char *src, size_t rows, size_t **out,
                                   size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (*s == '\0')
        return LSTMSENT_OK;
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    size_t *order = lstmsent__alloc_array(n, sizeof *order);
    if (order == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory for %zu rows", src, n);
    const char *p = s;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9' && p - start < 20) {
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                break;
            v = v * 10 + d;
            p++;
        }
        int ok = p > start && (*p == ',' || *p == '\0') && v < rows;
        if (!ok) {
            free(order);
            return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata 'sampler.order' entry "
                                  "%zu is not a row number 0..%zu", src, i,
                                  rows > 0 ? rows - 1 : 0);
        }
        order[i] = (size_t)v;
        if (*p == ',')
            p++;
    }
    *out = order;
    *n_out = n;
    return LSTMSENT_OK;
}

#define MISMATCH(what, fmt, a, b)                                                          \
    lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the checkpoint's %s is " fmt ", the %s's " fmt, \
                   src, what, a, "model", b)

static lstmsent_status compare_options(const lstmsent_model_options *f,
                                       const lstmsent_model_options *m, const char *src)
{
    if (f->num_embeddings != m->num_embeddings)
        return MISMATCH("num_embeddings", "%" PRId64, f->num_embeddings, m->num_embeddings);
    if (f->embed_dim != m->embed_dim)
        return MISMATCH("embed_dim", "%" PRId32, f->embed_dim, m->embed_dim);
    if (f->hidden_dim != m->hidden_dim)
        return MISMATCH("hidden_dim", "%" PRId32, f->hidden_dim, m->hidden_dim);
    if (f->num_layers != m->num_layers)
        return MISMATCH("num_layers", "%" PRId32, f->num_layers, m->num_layers);
    if (f->output_size != m->output_size)
        return MISMATCH("output_size", "%" PRId32, f->output_size, m->output_size);
    if (f->lstm_dropout != m->lstm_dropout)
        return MISMATCH("lstm_dropout", "%g", (double)f->lstm_dropout, (double)m->lstm_dropout);
    if (f->output_dropout != m->output_dropout)
        return MISMATCH("output_dropout", "%g", (double)f->output_dropout,
                        (double)m->output_dropout);
    if (f->head != m->head)
        return MISMATCH("head", "%s", head_name(f->head), head_name(m->head));
    if (f->pooling != m->pooling)
        return MISMATCH("pooling", "%s", pooling_name(f->pooling), pooling_name(m->pooling));
    if (f->padding_idx != m->padding_idx)
        return MISMATCH("padding_idx", "%" PRId64, f->padding_idx, m->padding_idx);
    if (f->seq_len != m->seq_len)
        return MISMATCH("seq_len", "%" PRId32, f->seq_len, m->seq_len);
    return LSTMSENT_OK;
}

/* The optimizer must have the checkpoint's betas, eps and weight decay. The learning rate
 * is not compared but restored (*lr): a schedule changes it during training, and a resume
 * continues with the rate in force when the checkpoint was saved. */
static lstmsent_status compare_adam(const lstmsent__st_file *f, const char *src,
                                    const lstmsent_adam_options *a, double *lr)
{
    static const char *const keys[4] = {"adam.beta1", "adam.beta2", "adam.eps",
                                         "adam.weight_decay"};
    const double have[4] = {a->beta1, a->beta2, a->eps, a->weight_decay};
    lstmsent_status st = meta_double(f, src, "adam.lr", 1, lr);
    if (st != LSTMSENT_OK)
        return st;
    if (!(*lr > 0.0))
        return lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: metadata 'adam.lr' = %.17g is not a "
                              "learning rate (> 0)", src, *lr);
    for (int k = 0; k < 4; k++) {
        double v;
        if ((st = meta_double(f, src, keys[k], 1, &v)) != LSTMSENT_OK)
            return st;
        if (v != have[k])
            return lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the checkpoint's %s is %.17g, the "
                                  "optimizer's %.17g", src, keys[k], v, have[k]);
    }
    return LSTMSENT_OK;
}

lstmsent_status lstmsent__checkpoint_from_st(const lstmsent__st_file *f, const char *src,
                                             lstmsent_model *model, lstmsent_optim *optim,
                                             lstmsent_sampler *sampler, int64_t *epoch,
                                             int64_t *step)
{
    int ours, checkpoint;
    lstmsent_status st = file_format(f, src, &ours, &checkpoint);
    if (st != LSTMSENT_OK)
        return st;
    if (!checkpoint) {
        const char *format = lstmsent__st_meta_get(f, "format");
        char q[LSTMSENT__QUOTE_CAP];
        return lstmsent__fail(LSTMSENT_ERR_VERSION, "%s: not a checkpoint (format '%s')", src,
                              format != NULL ? quote(q, format) : "none");
    }
    if (lstmsent__optim_model_id(optim) != lstmsent__model_id(model))
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH,
                              "%s: the optimizer was made for another model", src);
    lstmsent_model_options fo, mo;
    lstmsent_model_get_options(model, &mo);
    if ((st = file_options(f, src, 1, &fo)) != LSTMSENT_OK ||
        (st = compare_options(&fo, &mo, src)) != LSTMSENT_OK)
        return st;
    lstmsent_adam_options ao;
    const float *cur_m, *cur_v;
    size_t n_floats;
    int64_t cur_step;
    lstmsent__optim_get_state(optim, &ao, &cur_m, &cur_v, &n_floats, &cur_step);
    double lr;
    if ((st = compare_adam(f, src, &ao, &lr)) != LSTMSENT_OK)
        return st;

    size_t n;
    expect *e = expected_tensors(&fo, &n);
    if (e == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", src);
    lstmsent_corpus *vocab = NULL;
    int64_t adam_step = 0, ep = 0, sp = 0;
    uint64_t model_rng[4], sampler_rng[4];
    size_t *order = NULL, n_order = 0;
    int64_t next = 0;
    float *buf = NULL;
    if ((st = check_tensors(f, src, e, n, 1, 0)) != LSTMSENT_OK ||
        (st = vocab_from_meta(f, src, fo.num_embeddings, &vocab)) != LSTMSENT_OK ||
        (st = meta_i64(f, src, "adam.step", 0, INT64_MAX, 1, &adam_step)) != LSTMSENT_OK ||
        (st = meta_rng(f, src, "model.rng", model_rng)) != LSTMSENT_OK ||
        (st = meta_i64(f, src, "epoch", INT64_MIN, INT64_MAX, 1, &ep)) != LSTMSENT_OK ||
        (st = meta_i64(f, src, "step", INT64_MIN, INT64_MAX, 1, &sp)) != LSTMSENT_OK)
        goto done;
    lstmsent_corpus_free(vocab);   /* checked, not needed: lstmsent_model_load returns it */
    vocab = NULL;
    if (sampler != NULL) {
        const size_t *cur_order;
        size_t cur_n, cur_next, rows;
        lstmsent__sampler_get_state(sampler, sampler_rng, &cur_order, &cur_n, &cur_next, &rows);
        const char *text = lstmsent__st_meta_get(f, "sampler.order");
        int64_t file_rows;
        if (text == NULL) {
            st = lstmsent__fail(LSTMSENT_ERR_METADATA, "%s: the checkpoint holds no sampler "
                                "state (it was saved without a sampler)", src);
            goto done;
        }
        if ((st = meta_rng(f, src, "sampler.rng", sampler_rng)) != LSTMSENT_OK ||
            (st = meta_i64(f, src, "sampler.rows", 0, INT64_MAX, 1, &file_rows)) != LSTMSENT_OK)
            goto done;
        if ((uint64_t)file_rows != rows) {
            st = lstmsent__fail(LSTMSENT_ERR_MISMATCH, "%s: the checkpoint's sampler drew from "
                                "%" PRId64 " rows, this sampler's dataset has %zu", src,
                                file_rows, rows);
            goto done;
        }
        if ((st = parse_order(text, src, rows, &order, &n_order)) != LSTMSENT_OK ||
            (st = meta_i64(f, src, "sampler.next", 0, (int64_t)n_order, 1, &next)) !=
                LSTMSENT_OK)
            goto done;
    }
    if ((st = check_checksums(f, src)) != LSTMSENT_OK)
        goto done;
    /* Everything is checked; read the numbers into new buffers, then commit. */
    buf = lstmsent__alloc_floats(n_floats);
    float *bm = lstmsent__alloc_floats(n_floats), *bv = lstmsent__alloc_floats(n_floats);
    if (buf == NULL || bm == NULL || bv == NULL)
        st = lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory for 3 x %zu floats", src,
                            n_floats);
    if (st == LSTMSENT_OK &&
        (st = copy_tensors(f, src, "", e, n, buf, 0)) == LSTMSENT_OK &&
        (st = copy_tensors(f, src, "optim.m.", e, n, bm, 0)) == LSTMSENT_OK &&
        (st = copy_tensors(f, src, "optim.v.", e, n, bv, 0)) == LSTMSENT_OK) {
        size_t np;
        float *params = lstmsent__model_params(model, &np);
        memcpy(params, buf, np * sizeof(float));
        lstmsent__optim_set_state(optim, bm, bv, adam_step);
        (void)lstmsent_optim_set_lr(optim, lr);   /* checked above: cannot fail */
        lstmsent__model_set_rng(model, model_rng);
        if (sampler != NULL) {
            lstmsent__sampler_set_state(sampler, sampler_rng, order, n_order, (size_t)next);
            order = NULL;
        }
        if (epoch != NULL)
            *epoch = ep;
        if (step != NULL)
            *step = sp;
    }
    lstmsent__free_aligned(bm);
    lstmsent__free_aligned(bv);
done:
    lstmsent_corpus_free(vocab);
    lstmsent__free_aligned(buf);
    free(order);
    free(e);
    return st;
}

lstmsent_status lstmsent_checkpoint_load(const char *path, lstmsent_model *model,
                                         lstmsent_optim *optim, lstmsent_sampler *sampler,
                                         int64_t *epoch, int64_t *step)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(path);
    LSTMSENT__CHECK_NULL(model);
    LSTMSENT__CHECK_NULL(optim);
    lstmsent__st_file *f;
    lstmsent_status st = lstmsent__st_read_file(&f, path);
    if (st != LSTMSENT_OK)
        return st;
    st = lstmsent__checkpoint_from_st(f, path, model, optim, sampler, epoch, step);
    lstmsent__st_free(f);
    return st;
}
