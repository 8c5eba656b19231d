/* Model files and checkpoints: round trips, a bare state_dict, one hand-made bad file per
 * rule of the loader (each with its own status, no model and no corpus left behind), the
 * atomic save under an injected write error, and resuming from a checkpoint bit for bit. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "model_file.h"
#include "safetensors.h"
#include "tap_main.h"

/* ---- helpers --------------------------------------------------------------------------- */

static char dir[64];
static char path_a[128], path_b[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/lstmsent-mf-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path_a, sizeof path_a, "%s/a.safetensors", dir);
    snprintf(path_b, sizeof path_b, "%s/b.safetensors", dir);
}

/* Files left in the directory (temporaries of failed saves would show here). */
static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[400];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static const char *const phrases[] = {
    "a good film", "a bad film", "not good at all", "the best film of the year",
    "bad acting , bad plot", "good good good", "i did not like it", "a fine , fine film",
    "worst of the year", "the plot is thin", "it is good", "not the best",
};
static const int32_t labels[] = {3, 1, 1, 4, 0, 4, 1, 3, 0, 2, 3, 2};
#define N_PHRASES (sizeof phrases / sizeof phrases[0])

static lstmsent_corpus *small_corpus(void)
{
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, labels, N_PHRASES, NULL), LSTMSENT_OK);
    return c;
}

static void small_options(lstmsent_model_options *o, const lstmsent_corpus *c, uint64_t seed)
{
    lstmsent_model_options_default(o, lstmsent_corpus_vocab_size(c));
    o->embed_dim = 6;
    o->hidden_dim = 5;
    o->num_layers = 2;
    o->seed = seed;
}

static lstmsent_model *small_model(const lstmsent_corpus *c, uint64_t seed)
{
    lstmsent_model_options o;
    small_options(&o, c, seed);
    lstmsent_model *m;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    return m;
}

/* A copy of every parameter, in the buffer's order. */
static float *params_copy(lstmsent_model *m, size_t *n)
{
    const float *p = lstmsent__model_params(m, n);
    float *c = malloc(*n * sizeof *c);
    ck_assert_ptr_nonnull(c);
    memcpy(c, p, *n * sizeof *c);
    return c;
}

static void assert_same_params(lstmsent_model *a, lstmsent_model *b)
{
    size_t na, nb;
    const float *pa = lstmsent__model_params(a, &na), *pb = lstmsent__model_params(b, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(pa, pb, na * sizeof *pa) == 0);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_all(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* A valid model file with its vocabulary, as an image. */
static unsigned char *valid_image(size_t *len)
{
    lstmsent_corpus *c = small_corpus();
    lstmsent_model *m = small_model(c, 5);
    ck_assert_int_eq(lstmsent_model_save(m, c, path_a), LSTMSENT_OK);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
    return read_all(path_a, len);
}

/* Load img as a file; expect status want and a message containing text, and that nothing
 * is handed back. */
static void expect_load_fails(const void *img, size_t len, const lstmsent_load_options *opts,
                              lstmsent_status want, const char *text)
{
    write_all(path_b, img, len);
    lstmsent_model *m = (lstmsent_model *)&m;
    lstmsent_corpus *v = (lstmsent_corpus *)&v;
    lstmsent_status st = lstmsent_model_load(&m, &v, path_b, opts);
    ck_assert_msg(st == want, "expected %d (%s), got %d: %s", want, text, st,
                  lstmsent_last_error());
    ck_assert_ptr_null(m);
    ck_assert_ptr_null(v);
    ck_assert_msg(strstr(lstmsent_last_error(), text) != NULL, "message '%s' lacks '%s'",
                  lstmsent_last_error(), text);
    ck_assert_msg(strstr(lstmsent_last_error(), path_b) != NULL, "message '%s' lacks the path",
                  lstmsent_last_error());
}

static void expect_load_ok(const void *img, size_t len, const lstmsent_load_options *opts)
{
    write_all(path_b, img, len);
    lstmsent_model *m;
    lstmsent_corpus *v;
    lstmsent_status st = lstmsent_model_load(&m, &v, path_b, opts);
    ck_assert_msg(st == LSTMSENT_OK, "load failed: %s", lstmsent_last_error());
    lstmsent_model_free(m);
    lstmsent_corpus_free(v);
}

/* A rewrite of a valid file: every tensor and metadata entry copied, with these changes. */
typedef struct edit {
    const char *drop;        /* leave this tensor out */
    const char *flatten;     /* make this 2-D tensor 1-D */
    const char *add;         /* add a tensor of this name (3 floats) */
    const char *nan_in;      /* element 1 of this tensor becomes NaN */
    int no_meta;             /* leave all metadata out */
    const char *meta[8];     /* key, value pairs to set (value NULL: remove the key) */
} edit;

static unsigned char *rewrite(const unsigned char *img, size_t len, const edit *e,
                              size_t *out_len)
{
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    size_t nt = f->n_tensors;
    lstmsent__st_out_tensor *t = calloc(nt + 1, sizeof *t);
    float **vals = calloc(nt + 1, sizeof *vals);
    int64_t (*shapes)[8] = calloc(nt + 1, sizeof *shapes);
    size_t k = 0;
    for (size_t i = 0; i < nt; i++) {
        const lstmsent__st_tensor *s = &f->tensors[i];
        if (e->drop != NULL && strcmp(s->name, e->drop) == 0)
            continue;
        vals[k] = malloc(s->numel * sizeof(float) + 4);
        ck_assert_int_eq(lstmsent__st_load_f32(f, s->name, s->ndim, s->shape, vals[k], 0),
                         LSTMSENT_OK);
        memcpy(shapes[k], s->shape, sizeof shapes[k]);
        int ndim = s->ndim;
        if (e->flatten != NULL && strcmp(s->name, e->flatten) == 0) {
            shapes[k][0] *= shapes[k][1];
            ndim = 1;
        }
        if (e->nan_in != NULL && strcmp(s->name, e->nan_in) == 0)
            vals[k][1] = NAN;
        t[k] = (lstmsent__st_out_tensor){s->name, ndim, shapes[k], vals[k]};
        k++;
    }
    if (e->add != NULL) {
        vals[k] = calloc(3, sizeof(float));
        shapes[k][0] = 3;
        t[k] = (lstmsent__st_out_tensor){e->add, 1, shapes[k], vals[k]};
        k++;
    }
    lstmsent__st_pair meta[64];
    size_t nm = 0;
    for (size_t i = 0; !e->no_meta && i < f->n_meta; i++) {
        const char *value = f->meta[i].value;
        int keep = 1;
        for (int j = 0; j < 8 && e->meta[j] != NULL; j += 2) {
            if (strcmp(e->meta[j], f->meta[i].key) == 0) {
                value = e->meta[j + 1];
                keep = value != NULL;
            }
        }
        if (keep)
            meta[nm++] = (lstmsent__st_pair){f->meta[i].key, value};
    }
    /* Keys the file did not have. */
    for (int j = 0; !e->no_meta && j < 8 && e->meta[j] != NULL; j += 2) {
        if (e->meta[j + 1] != NULL && lstmsent__st_meta_get(f, e->meta[j]) == NULL)
            meta[nm++] = (lstmsent__st_pair){e->meta[j], e->meta[j + 1]};
    }
    unsigned char *out;
    ck_assert_int_eq(lstmsent__st_serialize_f32(&out, out_len, t, k, meta, nm), LSTMSENT_OK);
    for (size_t i = 0; i < k; i++)
        free(vals[i]);
    free(vals);
    free(shapes);
    free(t);
    lstmsent__st_free(f);
    return out;
}

static void expect_edit_fails(const edit *e, const lstmsent_load_options *opts,
                              lstmsent_status want, const char *text)
{
    size_t len, elen;
    unsigned char *img = valid_image(&len);
    unsigned char *bad = rewrite(img, len, e, &elen);
    expect_load_fails(bad, elen, opts, want, text);
    free(bad);
    free(img);
}

/* ---- round trips ------------------------------------------------------------------------ */

START_TEST(test_round_trip_with_vocab)
{
    lstmsent_corpus *c = small_corpus();
    lstmsent_model *m = small_model(c, 9);
    ck_assert_int_eq(lstmsent_model_save(m, c, path_a), LSTMSENT_OK);
    ck_assert_int_eq(files_in_dir(), 1);

    lstmsent_model *back;
    lstmsent_corpus *v;
    ck_assert_int_eq(lstmsent_model_load(&back, &v, path_a, NULL), LSTMSENT_OK);
    assert_same_params(m, back);
    lstmsent_model_options a, b;
    lstmsent_model_get_options(m, &a);
    lstmsent_model_get_options(back, &b);
    ck_assert(memcmp(&a, &b, sizeof a) == 0);

    /* The vocabulary encodes text as the training corpus does. */
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(v), lstmsent_corpus_vocab_size(c));
    for (int32_t id = 1; id <= (int32_t)lstmsent_corpus_vocab_size(c); id++) {
        const char *w1, *w2;
        lstmsent_corpus_word(c, id, &w1);
        lstmsent_corpus_word(v, id, &w2);
        ck_assert_str_eq(w1, w2);
    }
    int32_t ids1[8], ids2[8];
    size_t n1, n2;
    ck_assert_int_eq(lstmsent_corpus_encode(c, "The best PLOT", LSTMSENT_UNKNOWN_PAD, ids1, 8,
                                            &n1), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_encode(v, "The best PLOT", LSTMSENT_UNKNOWN_PAD, ids2, 8,
                                            &n2), LSTMSENT_OK);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(ids1, ids2, n1 * sizeof *ids1) == 0);

    /* Same outputs in evaluation mode. */
    float o1[5], o2[5];
    lstmsent_model_set_training(m, 0);
    lstmsent_model_set_training(back, 0);
    ck_assert_int_eq(lstmsent_model_forward(m, ids1, 1, 3, NULL, NULL, o1, 5, NULL),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_forward(back, ids2, 1, 3, NULL, NULL, o2, 5, NULL),
                     LSTMSENT_OK);
    ck_assert(memcmp(o1, o2, sizeof o1) == 0);

    lstmsent_model_free(back);
    lstmsent_corpus_free(v);
    /* vocab_out NULL: the vocabulary is checked and dropped. */
    ck_assert_int_eq(lstmsent_model_load(&back, NULL, path_a, NULL), LSTMSENT_OK);
    lstmsent_model_free(back);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_round_trip_options)
{
    /* Every option survives, the non-default ones included. */
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, 20);
    o.num_embeddings = 23;
    o.embed_dim = 3;
    o.hidden_dim = 4;
    o.num_layers = 3;
    o.output_size = 2;
    o.lstm_dropout = 0.1f;
    o.output_dropout = 0.7f;
    o.head = LSTMSENT_HEAD_LOGITS;
    o.pooling = LSTMSENT_POOL_LAST_TOKEN;
    o.padding_idx = 0;
    o.seed = UINT64_MAX;
    o.seq_len = 57;
    lstmsent_model *m, *back;
    lstmsent_corpus *v = (lstmsent_corpus *)&v;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(m, NULL, path_a), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_load(&back, &v, path_a, NULL), LSTMSENT_OK);
    ck_assert_ptr_null(v);   /* saved without a vocabulary */
    lstmsent_model_options b;
    lstmsent_model_get_options(back, &b);
    ck_assert(memcmp(&o, &b, sizeof o) == 0);
    assert_same_params(m, back);
    lstmsent_model_free(m);
    lstmsent_model_free(back);
}
END_TEST

START_TEST(test_bare_state_dict_infers_sizes)
{
    size_t len, blen;
    unsigned char *img = valid_image(&len);
    edit e = {.no_meta = 1};
    unsigned char *bare = rewrite(img, len, &e, &blen);
    write_all(path_b, bare, blen);
    lstmsent_model *m;
    lstmsent_corpus *v;
    ck_assert_int_eq(lstmsent_model_load(&m, &v, path_b, NULL), LSTMSENT_OK);
    ck_assert_ptr_null(v);
    lstmsent_corpus *c = small_corpus();
    lstmsent_model_options want, got;
    small_options(&want, c, 0);
    lstmsent_model_get_options(m, &got);
    ck_assert_int_eq(got.num_embeddings, want.num_embeddings);
    ck_assert_int_eq(got.embed_dim, 6);
    ck_assert_int_eq(got.hidden_dim, 5);
    ck_assert_int_eq(got.num_layers, 2);
    ck_assert_int_eq(got.output_size, 5);
    ck_assert_int_eq(got.head, LSTMSENT_HEAD_SIGMOID);
    ck_assert_int_eq(got.padding_idx, -1);
    lstmsent_model *orig;
    ck_assert_int_eq(lstmsent_model_load(&orig, NULL, path_a, NULL), LSTMSENT_OK);
    assert_same_params(orig, m);
    lstmsent_model_free(orig);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);

    /* PyTorch's save_file metadata ({"format": "pt"}) is a foreign file too; an option key
     * it carries still counts. */
    edit pt = {.meta = {"format", "pt", "format_version", NULL, "head", "logits"}};
    unsigned char *ptimg = rewrite(img, len, &pt, &blen);
    write_all(path_b, ptimg, blen);
    ck_assert_int_eq(lstmsent_model_load(&m, NULL, path_b, NULL), LSTMSENT_OK);
    lstmsent_model_get_options(m, &got);
    ck_assert_int_eq(got.head, LSTMSENT_HEAD_LOGITS);
    lstmsent_model_free(m);
    free(ptimg);
    free(bare);
    free(img);
}
END_TEST

/* ---- bad files: the safetensors layer ---------------------------------------------------- */

START_TEST(test_truncated_at_several_points)
{
    size_t len;
    unsigned char *img = valid_image(&len);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | img[k];
    const size_t cuts[] = {0, 1, 7, 8, 9, 8 + (size_t)n / 2, 8 + (size_t)n - 1, 8 + (size_t)n,
                           8 + (size_t)n + 1, 8 + (size_t)n + 50, len - 4, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        ck_assert_uint_lt(cuts[i], len);
        expect_load_fails(img, cuts[i], NULL, LSTMSENT_ERR_FORMAT,
                          cuts[i] < 8 ? "too short for the 8-byte header length"
                          : cuts[i] < 8 + n ? "exceeds the file's"
                                            : "file truncated");
    }
    free(img);
}
END_TEST

START_TEST(test_wrong_header_length_and_magic)
{
    size_t len;
    unsigned char *img = valid_image(&len);
    unsigned char *bad = malloc(len);
    /* Longer than the file, beyond the reference limit, and shorter (the JSON is cut). */
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | img[k];
    const struct {
        uint64_t n;
        const char *text;
    } lengths[] = {
        {len - 7, "exceeds the file's"},
        {n + 30000, "exceeds the file's"},
        {(uint64_t)1 << 48, "exceeds the limit"},
        {UINT64_MAX, "exceeds the limit"},
        {n - 16, "header is not valid JSON"},
        {0, "does not start with '{'"},
    };
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        memcpy(bad, img, len);
        for (int k = 0; k < 8; k++)
            bad[k] = (unsigned char)(lengths[i].n >> (8 * k));
        expect_load_fails(bad, len, NULL, LSTMSENT_ERR_FORMAT, lengths[i].text);
    }
    /* Not a safetensors file at all: text, or a header that is not an object. */
    const char *text = "PhraseId\tSentenceId\tPhrase\tSentiment\n1\t1\tgood\t3\n";
    expect_load_fails(text, strlen(text), NULL, LSTMSENT_ERR_FORMAT, "header length");
    memcpy(bad, img, len);
    bad[8] = '[';
    expect_load_fails(bad, len, NULL, LSTMSENT_ERR_FORMAT, "does not start with '{'");
    free(bad);
    free(img);
}
END_TEST

START_TEST(test_bad_json)
{
    size_t len;
    unsigned char *img = valid_image(&len);
    unsigned char *p = memchr(img + 8, ':', len - 8);
    ck_assert_ptr_nonnull(p);
    *p = ';';
    expect_load_fails(img, len, NULL, LSTMSENT_ERR_FORMAT, "header is not valid JSON");
    free(img);
}
END_TEST

/* Replace the first occurrence of from with to (same length) in the image's header. */
static void patch(unsigned char *img, size_t len, const char *from, const char *to)
{
    size_t n = strlen(from);
    ck_assert_uint_eq(n, strlen(to));
    for (size_t i = 8; i + n <= len; i++) {
        if (memcmp(img + i, from, n) == 0) {
            memcpy(img + i, to, n);
            return;
        }
    }
    ck_abort_msg("'%s' not in the image", from);
}

START_TEST(test_overlapping_offsets)
{
    size_t len;
    unsigned char *img = valid_image(&len);
    /* fc.bias (20 bytes) comes last; point it at the start of the data instead. */
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    const lstmsent__st_tensor *t = lstmsent__st_find(f, "fc.bias");
    char from[80], to[80];
    snprintf(from, sizeof from, "\"data_offsets\":[%zu,%zu]", t->begin, t->end);
    int pad = (int)(strlen(from) - strlen("\"data_offsets\":[0,20]"));
    snprintf(to, sizeof to, "\"data_offsets\":[%*s0,20]", pad, "");
    lstmsent__st_free(f);
    patch(img, len, from, to);
    expect_load_fails(img, len, NULL, LSTMSENT_ERR_FORMAT, "overlap");
    free(img);
}
END_TEST

/* ---- bad files: what the model needs ----------------------------------------------------- */

START_TEST(test_missing_tensor)
{
    edit e = {.drop = "lstm.bias_hh_l1"};
    expect_edit_fails(&e, NULL, LSTMSENT_ERR_MISSING_TENSOR, "no tensor 'lstm.bias_hh_l1'");
    edit e2 = {.drop = "fc.bias"};
    expect_edit_fails(&e2, NULL, LSTMSENT_ERR_MISSING_TENSOR, "no tensor 'fc.bias'");
    /* A bare file without the tensor the sizes come from. */
    edit e3 = {.drop = "embedding.weight", .no_meta = 1};
    expect_edit_fails(&e3, NULL, LSTMSENT_ERR_MISSING_TENSOR, "no tensor 'embedding.weight'");
}
END_TEST

START_TEST(test_wrong_shape)
{
    edit e = {.flatten = "lstm.weight_hh_l0"};
    expect_edit_fails(&e, NULL, LSTMSENT_ERR_TENSOR_SHAPE,
                      "tensor 'lstm.weight_hh_l0' has shape [100], not [20, 5]");
    /* Metadata and shapes that disagree: a model of 3 layers. */
    edit e2 = {.meta = {"num_layers", "3"}};
    expect_edit_fails(&e2, NULL, LSTMSENT_ERR_MISSING_TENSOR, "no tensor 'lstm.weight_ih_l2'");
    edit e3 = {.meta = {"hidden_dim", "4"}};
    expect_edit_fails(&e3, NULL, LSTMSENT_ERR_TENSOR_SHAPE, "has shape [20, 6], not [16, 6]");
}
END_TEST

START_TEST(test_wrong_dtype)
{
    size_t len;
    unsigned char *img = valid_image(&len);
    patch(img, len, "\"fc.bias\":{\"dtype\":\"F32\"", "\"fc.bias\":{\"dtype\":\"I32\"");
    expect_load_fails(img, len, NULL, LSTMSENT_ERR_TENSOR_DTYPE,
                      "tensor 'fc.bias' has dtype I32, not F32");
    free(img);
}
END_TEST

START_TEST(test_unknown_tensor)
{
    edit e = {.add = "fc.extra"};
    expect_edit_fails(&e, NULL, LSTMSENT_ERR_UNKNOWN_TENSOR, "unknown tensor 'fc.extra'");
    size_t len, elen;
    unsigned char *img = valid_image(&len);
    unsigned char *more = rewrite(img, len, &e, &elen);
    lstmsent_load_options lo;
    lstmsent_load_options_default(&lo);
    lo.allow_unknown_tensors = 1;
    expect_load_ok(more, elen, &lo);
    free(more);
    free(img);
}
END_TEST

START_TEST(test_nonfinite)
{
    size_t len, elen;
    unsigned char *img = valid_image(&len);
    edit e = {.nan_in = "lstm.weight_ih_l1"};
    unsigned char *bad = rewrite(img, len, &e, &elen);
    expect_load_ok(bad, elen, NULL);   /* taken as it is by default */
    lstmsent_load_options lo;
    lstmsent_load_options_default(&lo);
    lo.reject_nonfinite = 1;
    expect_load_fails(bad, elen, &lo, LSTMSENT_ERR_NONFINITE,
                      "tensor 'lstm.weight_ih_l1': element 1 is nan");
    free(bad);
    free(img);
}
END_TEST

START_TEST(test_vocabulary_checks)
{
    /* A count that disagrees with the words. */
    edit e = {.meta = {"vocab_size", "3"}};
    expect_edit_fails(&e, NULL, LSTMSENT_ERR_VOCAB, "'vocab_size' says 3");
    /* A digest that disagrees with the words. */
    edit e2 = {.meta = {"vocab_digest", "0123456789abcdef"}};
    expect_edit_fails(&e2, NULL, LSTMSENT_ERR_DIGEST, "the metadata says '0123456789abcdef'");
    /* Words, count and digest consistent, but one word too many for the embedding. */
    size_t len;
    unsigned char *img = valid_image(&len);
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    const char *words = lstmsent__st_meta_get(f, "vocab");
    size_t V = strtoul(lstmsent__st_meta_get(f, "vocab_size"), NULL, 10);
    char *more = malloc(strlen(words) + 32), count[32], digest[17];
    sprintf(more, "%s\nzzz\nyyy", words);
    snprintf(count, sizeof count, "%zu", V + 2);
    lstmsent__vocab_digest(more, strlen(more), digest);
    edit e3 = {.meta = {"vocab", more, "vocab_size", count, "vocab_digest", digest}};
    expect_edit_fails(&e3, NULL, LSTMSENT_ERR_MISMATCH, "need");
    /* A duplicate word. */
    sprintf(more, "%s\nfilm", words);
    snprintf(count, sizeof count, "%zu", V + 1);
    lstmsent__vocab_digest(more, strlen(more), digest);
    edit e4 = {.meta = {"vocab", more, "vocab_size", count, "vocab_digest", digest}};
    expect_edit_fails(&e4, NULL, LSTMSENT_ERR_VOCAB, "duplicate word 'film'");
    /* A count or digest without the words. */
    edit e5 = {.meta = {"vocab", NULL}};
    expect_edit_fails(&e5, NULL, LSTMSENT_ERR_METADATA, "but no 'vocab'");
    free(more);
    lstmsent__st_free(f);
    free(img);
}
END_TEST

/* The vocabulary's unknown-word policy goes into the file (key unknown) and comes back
 * on the loaded vocabulary; files without the key read as 'pad'. */
START_TEST(test_unknown_policy_round_trip)
{
    static const lstmsent_unknown policies[3] = {LSTMSENT_UNKNOWN_PAD, LSTMSENT_UNKNOWN_ID,
                                                 LSTMSENT_UNKNOWN_ERROR};
    static const char *const names[3] = {"pad", "id", "error"};
    lstmsent_corpus *base = small_corpus();
    for (int k = 0; k < 3; k++) {
        lstmsent_corpus_options co;
        lstmsent_corpus_options_default(&co);
        co.vocabulary = base;
        co.unknown = policies[k];
        lstmsent_corpus *c;
        ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, labels, N_PHRASES, &co), LSTMSENT_OK);
        lstmsent_model_options o;
        small_options(&o, c, 2);
        o.num_embeddings += policies[k] == LSTMSENT_UNKNOWN_ID;
        lstmsent_model *m;
        ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_model_save(m, c, path_a), LSTMSENT_OK);
        size_t len;
        unsigned char *img = read_all(path_a, &len);
        lstmsent__st_file *f;
        ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
        ck_assert_str_eq(lstmsent__st_meta_get(f, "unknown"), names[k]);
        lstmsent__st_free(f);
        lstmsent_model *back;
        lstmsent_corpus *v;
        ck_assert_int_eq(lstmsent_model_load(&back, &v, path_a, NULL), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_corpus_unknown_policy(v), policies[k]);
        lstmsent_corpus_free(v);
        lstmsent_model_free(back);
        /* A file from before the key: the padding policy. */
        edit drop = {.meta = {"unknown", NULL}};
        size_t elen;
        unsigned char *old = rewrite(img, len, &drop, &elen);
        write_all(path_b, old, elen);
        if (policies[k] == LSTMSENT_UNKNOWN_ID) {
            ck_assert_int_eq(lstmsent_model_load(&back, &v, path_b, NULL), LSTMSENT_OK);
            ck_assert_int_eq(lstmsent_corpus_unknown_policy(v), LSTMSENT_UNKNOWN_PAD);
            lstmsent_corpus_free(v);
            lstmsent_model_free(back);
            /* The id policy needs the extra row: refused at save and at load. */
            lstmsent_model *short_m;
            o.num_embeddings--;
            ck_assert_int_eq(lstmsent_model_create(&short_m, &o), LSTMSENT_OK);
            ck_assert_int_eq(lstmsent_model_save(short_m, c, path_b), LSTMSENT_ERR_MISMATCH);
            ck_assert_msg(strstr(lstmsent_last_error(), "LSTMSENT_UNKNOWN_ID maps unseen words") !=
                              NULL, "%s", lstmsent_last_error());
            ck_assert_int_eq(lstmsent_model_save(short_m, base, path_b), LSTMSENT_OK);
            ck_assert_int_eq(lstmsent_model_load(&back, &v, path_b, NULL), LSTMSENT_OK);
            lstmsent_corpus_free(v);
            lstmsent_model_free(back);
            free(old);
            old = read_all(path_b, &elen);
            edit to_id = {.meta = {"unknown", "id"}};
            size_t blen;
            unsigned char *bad = rewrite(old, elen, &to_id, &blen);
            expect_load_fails(bad, blen, NULL, LSTMSENT_ERR_MISMATCH, "policy 'id' maps unseen");
            free(bad);
            lstmsent_model_free(short_m);
        }
        free(old);
        free(img);
        lstmsent_model_free(m);
        lstmsent_corpus_free(c);
    }
    lstmsent_corpus_free(base);
    edit e1 = {.meta = {"unknown", "skip"}};
    expect_edit_fails(&e1, NULL, LSTMSENT_ERR_METADATA,
                      "metadata 'unknown' = 'skip' is none of 'pad', 'id', 'error'");
    edit e2 = {.meta = {"vocab", NULL, "vocab_size", NULL, "vocab_digest", NULL}};
    expect_edit_fails(&e2, NULL, LSTMSENT_ERR_METADATA, "metadata has 'unknown' but no 'vocab'");
}
END_TEST

START_TEST(test_metadata_checks)
{
    edit e1 = {.meta = {"embed_dim", "six"}};
    expect_edit_fails(&e1, NULL, LSTMSENT_ERR_METADATA, "'embed_dim' = 'six' is not an integer");
    edit e2 = {.meta = {"hidden_dim", NULL}};
    expect_edit_fails(&e2, NULL, LSTMSENT_ERR_METADATA, "metadata has no 'hidden_dim'");
    edit e3 = {.meta = {"lstm_dropout", "1.5"}};
    expect_edit_fails(&e3, NULL, LSTMSENT_ERR_METADATA, "'lstm_dropout' = 1.5 is not in [0, 1]");
    edit e4 = {.meta = {"head", "softmax"}};
    expect_edit_fails(&e4, NULL, LSTMSENT_ERR_METADATA, "'head' = 'softmax'");
    edit e5 = {.meta = {"padding_idx", "999"}};
    expect_edit_fails(&e5, NULL, LSTMSENT_ERR_METADATA, "'padding_idx' = '999'");
    edit e6 = {.meta = {"format_version", "2"}};
    expect_edit_fails(&e6, NULL, LSTMSENT_ERR_VERSION, "format version '2' is not supported");
    edit e7 = {.meta = {"format", "lstmsent-tokenizer"}};
    expect_edit_fails(&e7, NULL, LSTMSENT_ERR_VERSION, "format 'lstmsent-tokenizer'");
    edit e8 = {.meta = {"format_version", NULL}};
    expect_edit_fails(&e8, NULL, LSTMSENT_ERR_METADATA, "no 'format_version'");
    edit e9 = {.meta = {"lstm_dropout", "nan"}};
    expect_edit_fails(&e9, NULL, LSTMSENT_ERR_METADATA, "is not a finite number");
    edit e10 = {.meta = {"seq_len", "0"}};
    expect_edit_fails(&e10, NULL, LSTMSENT_ERR_METADATA,
                      "metadata 'seq_len' = '0' is not an integer 1..4096");
    edit e11 = {.meta = {"seq_len", "4097"}};
    expect_edit_fails(&e11, NULL, LSTMSENT_ERR_METADATA, "'seq_len' = '4097'");
    edit e12 = {.meta = {"seq_len", "30x"}};
    expect_edit_fails(&e12, NULL, LSTMSENT_ERR_METADATA, "'seq_len' = '30x'");
}
END_TEST

/* seq_len came after format version 1: a file without it is a model for T = 30; a foreign
 * file may carry the key like any option; checkpoints compare it. */
START_TEST(test_seq_len_missing_is_30)
{
    lstmsent_corpus *c = small_corpus();
    lstmsent_model_options o;
    small_options(&o, c, 4);
    o.seq_len = 12;
    lstmsent_model *m;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(m, c, path_a), LSTMSENT_OK);
    size_t len, elen;
    unsigned char *img = read_all(path_a, &len);
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    ck_assert_str_eq(lstmsent__st_meta_get(f, "seq_len"), "12");
    lstmsent__st_free(f);
    lstmsent_model *back;
    lstmsent_model_options b;
    ck_assert_int_eq(lstmsent_model_load(&back, NULL, path_a, NULL), LSTMSENT_OK);
    lstmsent_model_get_options(back, &b);
    ck_assert_int_eq(b.seq_len, 12);
    lstmsent_model_free(back);

    edit drop = {.meta = {"seq_len", NULL}};
    unsigned char *old = rewrite(img, len, &drop, &elen);
    write_all(path_b, old, elen);
    ck_assert_int_eq(lstmsent_model_load(&back, NULL, path_b, NULL), LSTMSENT_OK);
    lstmsent_model_get_options(back, &b);
    ck_assert_int_eq(b.seq_len, 30);
    lstmsent_model_free(back);
    free(old);

    edit bare = {.no_meta = 1};
    unsigned char *bimg = rewrite(img, len, &bare, &elen);
    write_all(path_b, bimg, elen);
    ck_assert_int_eq(lstmsent_model_load(&back, NULL, path_b, NULL), LSTMSENT_OK);
    lstmsent_model_get_options(back, &b);
    ck_assert_int_eq(b.seq_len, 30);
    lstmsent_model_free(back);
    free(bimg);
    edit foreign = {.meta = {"format", "pt"}};
    bimg = rewrite(img, len, &foreign, &elen);
    write_all(path_b, bimg, elen);
    ck_assert_int_eq(lstmsent_model_load(&back, NULL, path_b, NULL), LSTMSENT_OK);
    lstmsent_model_get_options(back, &b);
    ck_assert_int_eq(b.seq_len, 12);
    lstmsent_model_free(back);
    free(bimg);
    free(img);

    /* A checkpoint compares it like every option. */
    lstmsent_optim *opt, *opt30;
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, m, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, m, opt, NULL, NULL, 0, 0), LSTMSENT_OK);
    lstmsent_model *m30 = small_model(c, 4);
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt30, m30, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, m30, opt30, NULL, NULL, NULL),
                     LSTMSENT_ERR_MISMATCH);
    ck_assert_msg(strstr(lstmsent_last_error(), "seq_len is 12, the model's 30") != NULL, "%s",
                  lstmsent_last_error());
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, m, opt, NULL, NULL, NULL), LSTMSENT_OK);
    lstmsent_optim_free(opt30);
    lstmsent_optim_free(opt);
    lstmsent_model_free(m30);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
}
END_TEST

/* Metadata values and tensor names from the file are quoted with control bytes escaped. */
START_TEST(test_messages_escape_file_text)
{
    edit e1 = {.meta = {"head", "soft\x1b[31mmax"}};
    expect_edit_fails(&e1, NULL, LSTMSENT_ERR_METADATA, "'head' = 'soft\\x1b[31mmax' is neither");
    edit e2 = {.meta = {"format_version", "1\r"}};
    expect_edit_fails(&e2, NULL, LSTMSENT_ERR_VERSION, "format version '1\\r' is not supported");
    edit e3 = {.meta = {"seed", "7\n"}};
    expect_edit_fails(&e3, NULL, LSTMSENT_ERR_METADATA, "'seed' = '7\\n' is not an integer");
    edit e4 = {.add = "fc.\textra"};
    expect_edit_fails(&e4, NULL, LSTMSENT_ERR_UNKNOWN_TENSOR, "unknown tensor 'fc.\\textra'");
    edit e5 = {.meta = {"unknown", "p\x7f" "ad"}};
    expect_edit_fails(&e5, NULL, LSTMSENT_ERR_METADATA, "'unknown' = 'p\\x7fad' is none of");
}
END_TEST

START_TEST(test_load_arguments)
{
    lstmsent_model *m = (lstmsent_model *)&m;
    ck_assert_int_eq(lstmsent_model_load(NULL, NULL, path_a, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_model_load(&m, NULL, NULL, NULL), LSTMSENT_ERR_NULL);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(lstmsent_model_load(&m, NULL, "/nonexistent/x.safetensors", NULL),
                     LSTMSENT_ERR_IO);
    ck_assert_int_eq(lstmsent_model_load(&m, NULL, dir, NULL), LSTMSENT_ERR_IO);
    ck_assert_int_eq(lstmsent_model_save(NULL, NULL, path_a), LSTMSENT_ERR_NULL);
    lstmsent_load_options_default(NULL);
    /* A vocabulary that does not fit the model is refused at save time. */
    lstmsent_corpus *c = small_corpus();
    lstmsent_model_options o;
    small_options(&o, c, 1);
    o.num_embeddings += 5;
    lstmsent_model *big;
    ck_assert_int_eq(lstmsent_model_create(&big, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(big, c, path_a), LSTMSENT_ERR_MISMATCH);
    ck_assert_int_eq(files_in_dir(), 0);
    lstmsent_model_free(big);
    lstmsent_corpus_free(c);
}
END_TEST

/* ---- atomic saves ----------------------------------------------------------------------- */

/* The vocabulary list goes through the same atomic write: a save that fails half-way
 * leaves the previous list whole, and no temporary file (it used to delete the list). */
START_TEST(test_failed_vocab_save_keeps_previous_file)
{
    lstmsent_corpus *c = small_corpus();
    const char *one = "first";
    lstmsent_corpus *other;
    ck_assert_int_eq(lstmsent_corpus_create(&other, &one, NULL, 1, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_save_vocab(other, path_a), LSTMSENT_OK);
    size_t len;
    unsigned char *before = read_all(path_a, &len);
    ck_assert_uint_eq(len, 6);
    const int64_t at[] = {0, 1, 5};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        lstmsent__st_fail_after_bytes(at[i]);
        ck_assert_int_eq(lstmsent_corpus_save_vocab(c, path_a), LSTMSENT_ERR_IO);
        lstmsent__st_fail_after_bytes(-1);
        ck_assert_msg(strstr(lstmsent_last_error(), "No space left on device") != NULL, "%s",
                      lstmsent_last_error());
        ck_assert_int_eq(files_in_dir(), 1);
        size_t len2;
        unsigned char *after = read_all(path_a, &len2);
        ck_assert(len2 == len && memcmp(before, after, len) == 0);
        free(after);
    }
    ck_assert_int_eq(lstmsent_corpus_save_vocab(c, path_a), LSTMSENT_OK);
    lstmsent_corpus *back;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&back, path_a), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(back), lstmsent_corpus_vocab_size(c));
    lstmsent_corpus_free(back);
    free(before);
    lstmsent_corpus_free(other);
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_failed_save_keeps_previous_file)
{
    lstmsent_corpus *c = small_corpus();
    lstmsent_model *first = small_model(c, 1), *second = small_model(c, 2);
    ck_assert_int_eq(lstmsent_model_save(first, c, path_a), LSTMSENT_OK);
    size_t len;
    unsigned char *before = read_all(path_a, &len);
    /* Fail in the length field, in the header, in the data, and on the last byte. */
    const int64_t at[] = {0, 4, 100, (int64_t)len / 2, (int64_t)len - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        lstmsent__st_fail_after_bytes(at[i]);
        ck_assert_int_eq(lstmsent_model_save(second, c, path_a), LSTMSENT_ERR_IO);
        lstmsent__st_fail_after_bytes(-1);
        ck_assert_msg(strstr(lstmsent_last_error(), "No space left on device") != NULL, "%s",
                      lstmsent_last_error());
        ck_assert_int_eq(files_in_dir(), 1);   /* no temporary file left */
        size_t len2;
        unsigned char *after = read_all(path_a, &len2);
        ck_assert_uint_eq(len, len2);
        ck_assert(memcmp(before, after, len) == 0);
        free(after);
        lstmsent_model *back;
        ck_assert_int_eq(lstmsent_model_load(&back, NULL, path_a, NULL), LSTMSENT_OK);
        assert_same_params(first, back);
        lstmsent_model_free(back);
    }
    /* The same for a checkpoint. */
    lstmsent_optim *opt;
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, second, NULL), LSTMSENT_OK);
    lstmsent__st_fail_after_bytes(300);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, second, opt, NULL, c, 0, 0),
                     LSTMSENT_ERR_IO);
    lstmsent__st_fail_after_bytes(-1);
    size_t len3;
    unsigned char *after = read_all(path_a, &len3);
    ck_assert(len3 == len && memcmp(before, after, len) == 0);
    free(after);
    /* A directory that does not exist. */
    char missing[200];
    snprintf(missing, sizeof missing, "%s/no/such/dir.safetensors", dir);
    ck_assert_int_eq(lstmsent_model_save(first, c, missing), LSTMSENT_ERR_IO);
    lstmsent_optim_free(opt);
    free(before);
    lstmsent_model_free(first);
    lstmsent_model_free(second);
    lstmsent_corpus_free(c);
}
END_TEST

/* ---- checkpoints ------------------------------------------------------------------------ */

typedef struct run {
    lstmsent_corpus *corpus;
    lstmsent_dataset *data;
    lstmsent_sampler *sampler;
    lstmsent_model *model;
    lstmsent_optim *optim;
} run;

enum { BATCH = 4, SEQ = 6, EPOCH_ROWS = 22 };

static void run_create(run *r, uint64_t model_seed, uint64_t sampler_seed, double lr)
{
    r->corpus = small_corpus();
    lstmsent_dataset_options dopts;
    lstmsent_dataset_options_default(&dopts);
    dopts.seq_len = SEQ;
    ck_assert_int_eq(lstmsent_dataset_create(&r->data, r->corpus, &dopts), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_create(&r->sampler, r->data, sampler_seed), LSTMSENT_OK);
    r->model = small_model(r->corpus, model_seed);
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = lr;
    ck_assert_int_eq(lstmsent_optim_create_adam(&r->optim, r->model, &ao), LSTMSENT_OK);
}

static void run_free(run *r)
{
    lstmsent_optim_free(r->optim);
    lstmsent_model_free(r->model);
    lstmsent_sampler_free(r->sampler);
    lstmsent_dataset_free(r->data);
    lstmsent_corpus_free(r->corpus);
}

/* n training steps, dropout on, a new epoch of EPOCH_ROWS drawn rows when one runs out
 * (5 batches and 2 rows dropped per epoch). */
static void train(run *r, int n, int64_t *epoch)
{
    int32_t ids[BATCH * SEQ], y[BATCH];
    float out[BATCH * 5], loss;
    for (int s = 0; s < n; s++) {
        size_t rows;
        ck_assert_int_eq(lstmsent_sampler_next_batch(r->sampler, BATCH, 1, ids, sizeof ids / 4,
                                                     y, BATCH, NULL, 0, &rows), LSTMSENT_OK);
        if (rows == 0) {
            ck_assert_int_eq(lstmsent_sampler_draw(r->sampler, EPOCH_ROWS), LSTMSENT_OK);
            ++*epoch;
            ck_assert_int_eq(lstmsent_sampler_next_batch(r->sampler, BATCH, 1, ids,
                                                         sizeof ids / 4, y, BATCH, NULL, 0,
                                                         &rows), LSTMSENT_OK);
        }
        ck_assert_uint_eq(rows, BATCH);
        ck_assert_int_eq(lstmsent_optim_zero_grad(r->optim, r->model), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_model_forward(r->model, ids, BATCH, SEQ, NULL, NULL, out,
                                                sizeof out / 4, NULL), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_model_loss(r->model, y, BATCH, &loss, NULL), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_model_backward(r->model), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_model_clip_grad_norm(r->model, 5.0f, 0, NULL), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_optim_step(r->optim, r->model), LSTMSENT_OK);
    }
}

static void resume_case(int before, int after)
{
    /* Uninterrupted: before steps, a checkpoint, after more steps -> P1. */
    run a;
    run_create(&a, 3, 77, 0.01);
    int64_t epoch_a = 0;
    train(&a, before, &epoch_a);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, a.model, a.optim, a.sampler, a.corpus,
                                              epoch_a, before), LSTMSENT_OK);
    train(&a, after, &epoch_a);

    /* Fresh handles (other seeds: the checkpoint must overwrite all they drew), the
     * checkpoint, the same after steps -> P2. */
    run b;
    run_create(&b, 1234, 999, 0.01);
    int64_t epoch_b = -1, step_b = -1;
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, b.model, b.optim, b.sampler, &epoch_b,
                                              &step_b), LSTMSENT_OK);
    ck_assert_int_eq(step_b, before);
    ck_assert_int_eq(lstmsent_optim_step_count(b.optim), before);
    train(&b, after, &epoch_b);

    assert_same_params(a.model, b.model);
    ck_assert_int_eq(epoch_a, epoch_b);
    ck_assert_int_eq(lstmsent_optim_step_count(a.optim), lstmsent_optim_step_count(b.optim));
    /* And the state past the last step too: the next epoch draws the same rows. */
    size_t na, nb;
    const size_t *ra = lstmsent_sampler_rows(a.sampler, &na);
    const size_t *rb = lstmsent_sampler_rows(b.sampler, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(ra, rb, na * sizeof *ra) == 0);
    run_free(&a);
    run_free(&b);
}

/* A learning-rate schedule: the rate changed with lstmsent_optim_set_lr before the save is
 * the rate after the load, and training resumes bit for bit (the schedule continuing). */
START_TEST(test_resume_after_set_lr_is_bit_identical)
{
    run a;
    run_create(&a, 3, 77, 0.01);
    int64_t epoch_a = 0;
    train(&a, 3, &epoch_a);
    ck_assert_int_eq(lstmsent_optim_set_lr(a.optim, 0.004), LSTMSENT_OK);
    train(&a, 2, &epoch_a);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, a.model, a.optim, a.sampler, NULL,
                                              epoch_a, 5), LSTMSENT_OK);
    train(&a, 2, &epoch_a);
    ck_assert_int_eq(lstmsent_optim_set_lr(a.optim, 0.001), LSTMSENT_OK);
    train(&a, 3, &epoch_a);

    run b;
    run_create(&b, 1234, 999, 0.01);   /* made with the schedule's first rate */
    int64_t epoch_b = -1;
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, b.model, b.optim, b.sampler, &epoch_b,
                                              NULL), LSTMSENT_OK);
    ck_assert(lstmsent_optim_get_lr(b.optim) == 0.004);
    train(&b, 2, &epoch_b);
    ck_assert_int_eq(lstmsent_optim_set_lr(b.optim, 0.001), LSTMSENT_OK);
    train(&b, 3, &epoch_b);
    assert_same_params(a.model, b.model);

    /* The rate is in the file at full precision; a rate that is none is refused. */
    size_t len, elen;
    unsigned char *img = read_all(path_a, &len);
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    ck_assert_str_eq(lstmsent__st_meta_get(f, "adam.lr"), "0.0040000000000000001");
    lstmsent__st_free(f);
    const char *bad_lr[3] = {"0", "-0.01", "x"};
    for (int i = 0; i < 3; i++) {
        edit e = {.meta = {"adam.lr", bad_lr[i]}};
        unsigned char *bad = rewrite(img, len, &e, &elen);
        write_all(path_b, bad, elen);
        free(bad);
        ck_assert_int_eq(lstmsent_optim_set_lr(b.optim, 0.3), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_checkpoint_load(path_b, b.model, b.optim, NULL, NULL, NULL),
                         LSTMSENT_ERR_METADATA);
        ck_assert_msg(strstr(lstmsent_last_error(), "'adam.lr'") != NULL, "%s",
                      lstmsent_last_error());
        ck_assert(lstmsent_optim_get_lr(b.optim) == 0.3);
    }
    free(img);
    run_free(&a);
    run_free(&b);
}
END_TEST

START_TEST(test_resume_mid_epoch_is_bit_identical)
{
    resume_case(7, 9);   /* saved after batch 2 of epoch 2, continued across two epochs */
}
END_TEST

START_TEST(test_resume_at_epoch_boundary_is_bit_identical)
{
    resume_case(5, 6);
}
END_TEST

START_TEST(test_resume_before_any_epoch)
{
    resume_case(0, 3);
}
END_TEST

START_TEST(test_checkpoint_mismatch_leaves_handles)
{
    run a;
    run_create(&a, 3, 77, 0.01);
    int64_t epoch = 0;
    train(&a, 3, &epoch);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, a.model, a.optim, a.sampler, NULL, 1, 3),
                     LSTMSENT_OK);

    /* A model with another hidden size, and its optimizer. */
    lstmsent_model_options o;
    small_options(&o, a.corpus, 3);
    o.hidden_dim = 7;
    lstmsent_model *other;
    lstmsent_optim *other_opt;
    ck_assert_int_eq(lstmsent_model_create(&other, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_create_adam(&other_opt, other, NULL), LSTMSENT_OK);
    size_t n;
    float *before = params_copy(other, &n);
    int64_t e = 42, s = 43;
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, other, other_opt, NULL, &e, &s),
                     LSTMSENT_ERR_MISMATCH);
    ck_assert_msg(strstr(lstmsent_last_error(), "hidden_dim is 5, the model's 7") != NULL, "%s",
                  lstmsent_last_error());
    ck_assert(memcmp(before, lstmsent__model_params(other, NULL), n * sizeof *before) == 0);
    ck_assert_int_eq(lstmsent_optim_step_count(other_opt), 0);
    ck_assert_int_eq(e, 42);
    ck_assert_int_eq(s, 43);
    free(before);

    /* Same model options, another learning rate: the checkpoint's rate is restored (a
     * schedule may have moved it), so the load succeeds. */
    run b;
    run_create(&b, 3, 5, 0.02);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, b.model, b.optim, b.sampler, NULL, NULL),
                     LSTMSENT_OK);
    ck_assert(lstmsent_optim_get_lr(b.optim) == 0.01);
    /* Other betas: refused, nothing changed. */
    lstmsent_optim *beta_opt;
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = 0.01;
    ao.beta1 = 0.8;
    lstmsent_model *beta_model = small_model(a.corpus, 3);
    ck_assert_int_eq(lstmsent_optim_create_adam(&beta_opt, beta_model, &ao), LSTMSENT_OK);
    before = params_copy(beta_model, &n);
    ck_assert_int_eq(lstmsent_optim_set_lr(beta_opt, 0.3), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, beta_model, beta_opt, NULL, NULL, NULL),
                     LSTMSENT_ERR_MISMATCH);
    ck_assert_msg(strstr(lstmsent_last_error(), "adam.beta1") != NULL, "%s", lstmsent_last_error());
    ck_assert(memcmp(before, lstmsent__model_params(beta_model, NULL), n * sizeof *before) == 0);
    ck_assert(lstmsent_optim_get_lr(beta_opt) == 0.3);   /* a refusal leaves the rate */
    ck_assert_int_eq(lstmsent_optim_step_count(beta_opt), 0);
    lstmsent_optim_free(beta_opt);
    lstmsent_model_free(beta_model);
    /* A rate set since is replaced by the checkpoint's. */
    ck_assert_int_eq(lstmsent_optim_set_lr(b.optim, 0.5), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, b.model, b.optim, NULL, NULL, NULL),
                     LSTMSENT_OK);
    ck_assert(lstmsent_optim_get_lr(b.optim) == 0.01);
    size_t rows;
    lstmsent_sampler_rows(b.sampler, &rows);
    ck_assert_uint_gt(rows, 0);

    /* An optimizer of another model. */
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, a.model, b.optim, NULL, NULL, NULL),
                     LSTMSENT_ERR_MISMATCH);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_b, a.model, b.optim, NULL, NULL, 0, 0),
                     LSTMSENT_ERR_MISMATCH);

    /* A sampler over a dataset of another size. */
    lstmsent_corpus *c2;
    const char *few[] = {"good", "bad"};
    ck_assert_int_eq(lstmsent_corpus_create(&c2, few, NULL, 2, NULL), LSTMSENT_OK);
    lstmsent_dataset *d2;
    lstmsent_sampler *s2;
    ck_assert_int_eq(lstmsent_dataset_create(&d2, c2, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_create(&s2, d2, 1), LSTMSENT_OK);
    run c;
    run_create(&c, 3, 5, 0.01);
    before = (free(before), params_copy(c.model, &n));
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, c.model, c.optim, s2, NULL, NULL),
                     LSTMSENT_ERR_MISMATCH);
    ck_assert(memcmp(before, lstmsent__model_params(c.model, NULL), n * sizeof *before) == 0);

    /* A model file is not a checkpoint; a checkpoint saved without a sampler cannot restore
     * one. */
    ck_assert_int_eq(lstmsent_model_save(a.model, NULL, path_b), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_b, c.model, c.optim, NULL, NULL, NULL),
                     LSTMSENT_ERR_VERSION);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_b, a.model, a.optim, NULL, NULL, 0, 0),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_b, c.model, c.optim, c.sampler, NULL, NULL),
                     LSTMSENT_ERR_METADATA);
    ck_assert(memcmp(before, lstmsent__model_params(c.model, NULL), n * sizeof *before) == 0);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_b, c.model, c.optim, NULL, NULL, NULL),
                     LSTMSENT_OK);
    assert_same_params(a.model, c.model);

    free(before);
    lstmsent_sampler_free(s2);
    lstmsent_dataset_free(d2);
    lstmsent_corpus_free(c2);
    lstmsent_optim_free(other_opt);
    lstmsent_model_free(other);
    run_free(&a);
    run_free(&b);
    run_free(&c);
}
END_TEST

START_TEST(test_checkpoint_bad_files)
{
    run a;
    run_create(&a, 3, 77, 0.01);
    int64_t epoch = 0;
    train(&a, 2, &epoch);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, a.model, a.optim, a.sampler, a.corpus,
                                              1, 2), LSTMSENT_OK);
    size_t len, elen;
    unsigned char *img = read_all(path_a, &len);

    /* A checkpoint loads as a model, with its vocabulary. */
    lstmsent_model *m;
    lstmsent_corpus *v;
    ck_assert_int_eq(lstmsent_model_load(&m, &v, path_a, NULL), LSTMSENT_OK);
    assert_same_params(a.model, m);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(v), lstmsent_corpus_vocab_size(a.corpus));
    lstmsent_model_free(m);
    lstmsent_corpus_free(v);

    run b;
    run_create(&b, 3, 77, 0.01);
    size_t n;
    float *before = params_copy(b.model, &n);
    static const struct {
        edit e;
        lstmsent_status want;
        const char *text;
    } cases[] = {
        {{.drop = "optim.v.fc.bias"}, LSTMSENT_ERR_MISSING_TENSOR, "no tensor 'optim.v.fc.bias'"},
        {{.flatten = "optim.m.fc.weight"}, LSTMSENT_ERR_TENSOR_SHAPE, "'optim.m.fc.weight'"},
        {{.add = "optim.x"}, LSTMSENT_ERR_UNKNOWN_TENSOR, "unknown tensor 'optim.x'"},
        {{.meta = {"model.rng", "00"}}, LSTMSENT_ERR_METADATA, "'model.rng' is not a generator"},
        {{.meta = {"sampler.rng", NULL}}, LSTMSENT_ERR_METADATA, "no 'sampler.rng'"},
        {{.meta = {"sampler.order", "1,2,x"}}, LSTMSENT_ERR_METADATA, "entry 2 is not a row"},
        {{.meta = {"sampler.order", "1,2,12"}}, LSTMSENT_ERR_METADATA, "entry 2 is not a row"},
        {{.meta = {"sampler.next", "99"}}, LSTMSENT_ERR_METADATA, "'sampler.next' = '99'"},
        {{.meta = {"adam.step", "-1"}}, LSTMSENT_ERR_METADATA, "'adam.step' = '-1'"},
        {{.meta = {"adam.beta1", NULL}}, LSTMSENT_ERR_METADATA, "no 'adam.beta1'"},
        {{.meta = {"epoch", "1.5"}}, LSTMSENT_ERR_METADATA, "'epoch' = '1.5'"},
        {{.meta = {"vocab_size", "2"}}, LSTMSENT_ERR_VOCAB, "'vocab_size' says 2"},
        {{.meta = {"format_version", "0"}}, LSTMSENT_ERR_VERSION, "format version '0'"},
        {{.meta = {"output_dropout", "0.25"}}, LSTMSENT_ERR_MISMATCH, "output_dropout"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *bad = rewrite(img, len, &cases[i].e, &elen);
        write_all(path_b, bad, elen);
        free(bad);
        ck_assert_int_eq(lstmsent_sampler_draw(b.sampler, 3), LSTMSENT_OK);
        lstmsent_status st = lstmsent_checkpoint_load(path_b, b.model, b.optim, b.sampler, NULL,
                                                      NULL);
        ck_assert_msg(st == cases[i].want, "case %zu: expected %d, got %d: %s", i,
                      cases[i].want, st, lstmsent_last_error());
        ck_assert_msg(strstr(lstmsent_last_error(), cases[i].text) != NULL,
                      "case %zu: message '%s' lacks '%s'", i, lstmsent_last_error(),
                      cases[i].text);
        ck_assert(memcmp(before, lstmsent__model_params(b.model, NULL), n * sizeof *before) == 0);
        ck_assert_int_eq(lstmsent_optim_step_count(b.optim), 0);
        size_t rows;
        lstmsent_sampler_rows(b.sampler, &rows);
        ck_assert_uint_eq(rows, 3);
    }
    /* Truncated: a format error, nothing changed. */
    write_all(path_b, img, len / 2);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_b, b.model, b.optim, b.sampler, NULL, NULL),
                     LSTMSENT_ERR_FORMAT);
    ck_assert(memcmp(before, lstmsent__model_params(b.model, NULL), n * sizeof *before) == 0);
    ck_assert_int_eq(lstmsent_checkpoint_load(NULL, b.model, b.optim, NULL, NULL, NULL),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, b.model, NULL, NULL, NULL, NULL),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_b, b.model, NULL, NULL, NULL, 0, 0),
                     LSTMSENT_ERR_NULL);
    free(before);
    free(img);
    run_free(&a);
    run_free(&b);
}
END_TEST

/* ---- checksums -------------------------------------------------------------------------- */

/* A tiny model of the fuzz target's sizes (a file of about 1 KB), saved with its
 * vocabulary, as an image. */
static unsigned char *tiny_image(size_t *len)
{
    static const char *const few[] = {"a good film", "a bad film", "not good"};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, few, NULL, 3, NULL), LSTMSENT_OK);
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, lstmsent_corpus_vocab_size(c));
    o.embed_dim = 3;
    o.hidden_dim = 2;
    o.num_layers = 1;
    o.output_size = 2;
    o.seed = 7;
    lstmsent_model *m;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_save(m, c, path_a), LSTMSENT_OK);
    lstmsent_model_free(m);
    lstmsent_corpus_free(c);
    return read_all(path_a, len);
}

/* Where the value of metadata key in img starts, and its length. */
static size_t meta_value_at(const unsigned char *img, size_t len, const char *key, size_t *n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    size_t k = strlen(pat);
    for (size_t i = 8; i + k <= len; i++) {
        if (memcmp(img + i, pat, k) == 0) {
            const unsigned char *end = memchr(img + i + k, '"', len - i - k);
            ck_assert_ptr_nonnull(end);
            *n = (size_t)(end - (img + i + k));
            return i + k;
        }
    }
    ck_abort_msg("no metadata '%s'", key);
    return 0;
}

/* Saving writes both checksums, and they are those of the file's contents. */
START_TEST(test_checksums_are_written)
{
    size_t len;
    unsigned char *img = tiny_image(&len);
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    uint64_t h, d;
    ck_assert_int_eq(lstmsent__st_checksums(f, &h, &d), LSTMSENT_OK);
    char want[17];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)h);
    ck_assert_str_eq(lstmsent__st_meta_get(f, "checksum.header"), want);
    snprintf(want, sizeof want, "%016llx", (unsigned long long)d);
    ck_assert_str_eq(lstmsent__st_meta_get(f, "checksum.data"), want);
    lstmsent__st_free(f);
    free(img);

    /* A checkpoint too. */
    run a;
    run_create(&a, 3, 77, 0.01);
    int64_t epoch = 0;
    train(&a, 2, &epoch);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, a.model, a.optim, a.sampler, a.corpus, 1,
                                              2), LSTMSENT_OK);
    img = read_all(path_a, &len);
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent__st_checksums(f, &h, &d), LSTMSENT_OK);
    snprintf(want, sizeof want, "%016llx", (unsigned long long)d);
    ck_assert_str_eq(lstmsent__st_meta_get(f, "checksum.data"), want);
    snprintf(want, sizeof want, "%016llx", (unsigned long long)h);
    ck_assert_str_eq(lstmsent__st_meta_get(f, "checksum.header"), want);
    lstmsent__st_free(f);
    free(img);
    run_free(&a);
}
END_TEST

static void put_u64(unsigned char **p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        *(*p)++ = (unsigned char)(v >> (8 * k));
}

static void put_text(unsigned char **p, const char *s)
{
    memcpy(*p, s, strlen(s) + 1);
    *p += strlen(s) + 1;
}

/* The canonical form of docs/model-files.md, rebuilt here byte by byte: tensors and
 * metadata by name, whatever their order in the file; the data by tensor name, whatever
 * its layout. */
START_TEST(test_checksum_canonical_form)
{
    const float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {-1, 0.5f};
    const int64_t ws[2] = {2, 3}, bs[1] = {2};
    const lstmsent__st_out_tensor order1[2] = {{"w", 2, ws, w}, {"b", 1, bs, b}};
    const lstmsent__st_out_tensor order2[2] = {{"b", 1, bs, b}, {"w", 2, ws, w}};
    const lstmsent__st_pair meta1[4] = {{"checksum.data", "x"}, {"zeta", "1"},
                                        {"alpha", "two\nlines"}, {"checksum.header", ""}};
    const lstmsent__st_pair meta2[4] = {{"alpha", "two\nlines"}, {"checksum.header", "y"},
                                        {"zeta", "1"}, {"checksum.data", ""}};
    unsigned char canon[512], *p = canon;
    put_u64(&p, 2);
    put_text(&p, "b");
    put_text(&p, "F32");
    put_u64(&p, 1);
    put_u64(&p, 2);
    put_text(&p, "w");
    put_text(&p, "F32");
    put_u64(&p, 2);
    put_u64(&p, 2);
    put_u64(&p, 3);
    put_u64(&p, 2);
    put_text(&p, "alpha");
    put_text(&p, "two\nlines");
    put_text(&p, "zeta");
    put_text(&p, "1");
    unsigned char le[32];   /* b then w, little-endian */
    for (int i = 0; i < 8; i++) {
        float v = i < 2 ? b[i] : w[i - 2];
        uint32_t u;
        memcpy(&u, &v, 4);
        for (int k = 0; k < 4; k++)
            le[4 * i + k] = (unsigned char)(u >> (8 * k));
    }
    char want_h[17], want_d[17];
    snprintf(want_h, sizeof want_h, "%016llx",
             (unsigned long long)XXH3_64bits(canon, (size_t)(p - canon)));
    snprintf(want_d, sizeof want_d, "%016llx", (unsigned long long)XXH3_64bits(le, sizeof le));

    const lstmsent__st_out_tensor *orders[2] = {order1, order2};
    const lstmsent__st_pair *metas[2] = {meta1, meta2};
    for (int k = 0; k < 2; k++) {
        unsigned char *img;
        size_t len;
        ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, orders[k], 2, metas[k], 4),
                         LSTMSENT_OK);
        lstmsent__st_file *f;
        ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
        ck_assert_str_eq(lstmsent__st_meta_get(f, "checksum.header"), want_h);
        ck_assert_str_eq(lstmsent__st_meta_get(f, "checksum.data"), want_d);
        uint64_t h, d;
        ck_assert_int_eq(lstmsent__st_checksums(f, &h, &d), LSTMSENT_OK);
        ck_assert_uint_eq(h, XXH3_64bits(canon, (size_t)(p - canon)));
        ck_assert_uint_eq(d, XXH3_64bits(le, sizeof le));
        lstmsent__st_free(f);
        free(img);
    }
    /* Without the keys the writer adds none. */
    unsigned char *img;
    size_t len;
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, order1, 2, meta1 + 1, 2),
                     LSTMSENT_OK);
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    ck_assert_uint_eq(f->n_meta, 2);
    ck_assert_ptr_null(lstmsent__st_meta_get(f, "checksum.header"));
    lstmsent__st_free(f);
    free(img);
}
END_TEST

/* Load img from memory as a model: the status, and nothing handed back on failure. */
static lstmsent_status load_image(const unsigned char *img, size_t len)
{
    lstmsent__st_file *f = NULL;
    lstmsent_status st = lstmsent__st_parse(&f, img, len);
    if (st != LSTMSENT_OK)
        return st;
    lstmsent_model *m = NULL;
    lstmsent_corpus *v = NULL;
    st = lstmsent__model_from_st(&m, &v, f, "flip", NULL);
    if (st == LSTMSENT_OK) {
        lstmsent_model_free(m);
        lstmsent_corpus_free(v);
    } else {
        ck_assert_ptr_null(m);
        ck_assert_ptr_null(v);
    }
    lstmsent__st_free(f);
    return st;
}

/* Every single flipped bit anywhere in a model file is refused: the length, the header's
 * tensor table, the metadata (the seed and the library version among it, which nothing
 * else checks), the padding and every bit of the data, which only the checksum sees. */
START_TEST(test_every_flipped_bit_is_refused)
{
    size_t len;
    unsigned char *img = tiny_image(&len);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | img[k];
    size_t seed_n, ver_n;
    size_t seed_at = meta_value_at(img, len, "seed", &seed_n);
    size_t ver_at = meta_value_at(img, len, "library_version", &ver_n);
    ck_assert_uint_eq(seed_n, 1);
    ck_assert_int_eq(load_image(img, len), LSTMSENT_OK);
    size_t by_checksum = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            img[i] ^= (unsigned char)(1u << bit);
            lstmsent_status st = load_image(img, len);
            unsigned char c = img[i];
            img[i] ^= (unsigned char)(1u << bit);
            ck_assert_msg(st != LSTMSENT_OK, "byte %zu bit %d (of %zu; data from %zu): loaded",
                          i, bit, len, (size_t)(8 + n));
            by_checksum += st == LSTMSENT_ERR_CHECKSUM;
            if (i >= 8 + n)   /* the data */
                ck_assert_msg(st == LSTMSENT_ERR_CHECKSUM, "data byte %zu bit %d: status %d: %s",
                              i - 8 - (size_t)n, bit, st, lstmsent_last_error());
            int printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
            if (i == seed_at && c >= '0' && c <= '9')
                ck_assert_msg(st == LSTMSENT_ERR_CHECKSUM, "seed '%c': status %d", c, st);
            if (i >= ver_at && i < ver_at + ver_n && printable)
                ck_assert_msg(st == LSTMSENT_ERR_CHECKSUM, "library_version byte %zu '%c': "
                              "status %d", i - ver_at, c, st);
        }
    }
    ck_assert_uint_ge(by_checksum, 8 * (len - 8 - n));
    free(img);
}
END_TEST

/* The same for a checkpoint, restored into handles that stay as they were. */
START_TEST(test_every_flipped_bit_in_a_checkpoint_is_refused)
{
    static const char *const few[] = {"a good film", "a bad film", "not good"};
    lstmsent_corpus *c;
    lstmsent_dataset *d;
    lstmsent_sampler *s;
    ck_assert_int_eq(lstmsent_corpus_create(&c, few, NULL, 3, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 1), LSTMSENT_OK);
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, lstmsent_corpus_vocab_size(c));
    o.embed_dim = 3;
    o.hidden_dim = 2;
    o.num_layers = 1;
    o.output_size = 2;
    lstmsent_model *m;
    lstmsent_optim *opt;
    ck_assert_int_eq(lstmsent_model_create(&m, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, m, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_draw(s, 5), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_checkpoint_save(path_a, m, opt, s, c, 12, 345), LSTMSENT_OK);
    size_t len;
    unsigned char *img = read_all(path_a, &len);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | img[k];
    /* Other handles of the same shapes; a new epoch, so that a restore would show. */
    o.seed = 99;
    lstmsent_model *m2;
    lstmsent_optim *opt2;
    ck_assert_int_eq(lstmsent_model_create(&m2, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt2, m2, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_draw(s, 2), LSTMSENT_OK);
    size_t np;
    float *before = params_copy(m2, &np);
    lstmsent__st_file *f;
    size_t by_checksum = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            img[i] ^= (unsigned char)(1u << bit);
            lstmsent_status st = lstmsent__st_parse(&f, img, len);
            if (st == LSTMSENT_OK) {
                int64_t epoch = -1, step = -1;
                st = lstmsent__checkpoint_from_st(f, "flip", m2, opt2, s, &epoch, &step);
                lstmsent__st_free(f);
                ck_assert(epoch == -1 && step == -1);
            }
            img[i] ^= (unsigned char)(1u << bit);
            ck_assert_msg(st != LSTMSENT_OK, "byte %zu bit %d: restored", i, bit);
            by_checksum += st == LSTMSENT_ERR_CHECKSUM;
            if (i >= 8 + n)
                ck_assert_msg(st == LSTMSENT_ERR_CHECKSUM, "data byte %zu bit %d: status %d",
                              i - 8 - (size_t)n, bit, st);
            ck_assert(memcmp(before, lstmsent__model_params(m2, NULL), np * sizeof *before) == 0);
            ck_assert_int_eq(lstmsent_optim_step_count(opt2), 0);
            size_t rows;
            lstmsent_sampler_rows(s, &rows);
            ck_assert_uint_eq(rows, 2);
        }
    }
    ck_assert_uint_gt(by_checksum, 8 * (len - 8 - n));   /* the data, and the metadata */
    ck_assert_int_eq(lstmsent_checkpoint_load(path_a, m2, opt2, s, NULL, NULL), LSTMSENT_OK);
    free(before);
    free(img);
    lstmsent_optim_free(opt2);
    lstmsent_model_free(m2);
    lstmsent_optim_free(opt);
    lstmsent_model_free(m);
    lstmsent_sampler_free(s);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

/* Files without the keys load as before; keys that are there must be well formed, both
 * of them, and match; the messages say which. */
START_TEST(test_checksum_keys)
{
    size_t len, elen;
    unsigned char *img = valid_image(&len);
    edit none = {.meta = {"checksum.header", NULL, "checksum.data", NULL}};
    unsigned char *bare = rewrite(img, len, &none, &elen);
    expect_load_ok(bare, elen, NULL);
    lstmsent__st_file *f;
    ck_assert_int_eq(lstmsent__st_parse(&f, bare, elen), LSTMSENT_OK);
    ck_assert_ptr_null(lstmsent__st_meta_get(f, "checksum.data"));
    lstmsent__st_free(f);
    free(bare);

    edit one = {.meta = {"checksum.data", NULL}};
    expect_edit_fails(&one, NULL, LSTMSENT_ERR_METADATA,
                      "metadata has 'checksum.header' but no 'checksum.data'");
    edit other = {.meta = {"checksum.header", NULL}};
    expect_edit_fails(&other, NULL, LSTMSENT_ERR_METADATA,
                      "metadata has 'checksum.data' but no 'checksum.header'");

    /* Values patched in place (a rewrite would compute them anew). */
    size_t hn, dn;
    size_t h_at = meta_value_at(img, len, "checksum.header", &hn);
    size_t d_at = meta_value_at(img, len, "checksum.data", &dn);
    ck_assert_uint_eq(hn, 16);
    ck_assert_uint_eq(dn, 16);
    unsigned char *bad = malloc(len);
    const struct {
        size_t at;
        const char *value;
        lstmsent_status want;
        const char *text;
    } cases[] = {
        {h_at, "0123456789abcdeG", LSTMSENT_ERR_METADATA,
         "metadata 'checksum.header' = '0123456789abcdeG' is not 16 lowercase hex digits"},
        {d_at, "0123456789ABCDEF", LSTMSENT_ERR_METADATA,
         "metadata 'checksum.data' = '0123456789ABCDEF' is not 16 lowercase hex digits"},
        {d_at, "\\r23456789abcdef", LSTMSENT_ERR_METADATA, "= '\\r23456789abcdef' is not"},
        {h_at, "0000000000000000", LSTMSENT_ERR_CHECKSUM,
         "the header (tensor names, dtypes, shapes and metadata) does not match its checksum"},
        {d_at, "0000000000000000", LSTMSENT_ERR_CHECKSUM,
         "the tensor data does not match its checksum"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(bad, img, len);
        size_t vn = strlen(cases[i].value);
        if (vn == 16) {
            memcpy(bad + cases[i].at, cases[i].value, 16);
            expect_load_fails(bad, len, NULL, cases[i].want, cases[i].text);
        } else {
            /* "\r" escaped in JSON: two bytes for one character, so the value is 16 long. */
            ck_assert_uint_eq(vn, 17);
            memcpy(bad + cases[i].at, cases[i].value, 17);
            expect_load_fails(bad, len, NULL, cases[i].want, cases[i].text);
        }
    }
    /* A changed seed, which no other rule checks, is caught by the header's checksum. */
    memcpy(bad, img, len);
    size_t sn;
    size_t s_at = meta_value_at(bad, len, "seed", &sn);
    bad[s_at] = bad[s_at] == '5' ? '6' : '5';
    expect_load_fails(bad, len, NULL, LSTMSENT_ERR_CHECKSUM, "the header");
    free(bad);
    free(img);
}
END_TEST

/* ---- the fuzz seeds --------------------------------------------------------------------- */

/* tests/fuzz/corpus_model/ (tests/fuzz/gen_model_seeds.py): every valid-* seed loads as a
 * model, every bad-* seed fails, and the checkpoint seeds restore (or not) into handles of
 * the fuzz target's configuration. */
START_TEST(test_seed_corpus_labels)
{
    static const char *const phrases3[] = {"a good film", "a bad film", "not good"};
    lstmsent_corpus *c;
    lstmsent_dataset *d;
    lstmsent_sampler *s;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases3, NULL, 3, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 1), LSTMSENT_OK);
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, lstmsent_corpus_vocab_size(c));
    o.embed_dim = 3;
    o.hidden_dim = 2;
    o.num_layers = 1;
    o.output_size = 2;
    lstmsent_model *fm;
    lstmsent_optim *fo;
    ck_assert_int_eq(lstmsent_model_create(&fm, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_create_adam(&fo, fm, NULL), LSTMSENT_OK);

    char seeds[512];
    snprintf(seeds, sizeof seeds, "%s/fuzz/corpus_model", TEST_SRC_DIR);
    DIR *dd = opendir(seeds);
    ck_assert_ptr_nonnull(dd);
    struct dirent *e;
    int valid = 0, bad = 0;
    while ((e = readdir(dd)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", seeds, e->d_name);
        int is_valid = strncmp(e->d_name, "valid-", 6) == 0;
        int is_checkpoint = strstr(e->d_name, "checkpoint") != NULL;
        lstmsent_model *m = NULL;
        lstmsent_load_options lo;
        lstmsent_load_options_default(&lo);
        lo.reject_nonfinite = 1;
        lstmsent_status st = is_checkpoint
                                 ? lstmsent_checkpoint_load(p, fm, fo, s, NULL, NULL)
                                 : lstmsent_model_load(&m, NULL, p, &lo);
        ck_assert_msg((st == LSTMSENT_OK) == is_valid, "%s: status %d (%s)", e->d_name, st,
                      lstmsent_last_error());
        lstmsent_model_free(m);
        valid += is_valid;
        bad += !is_valid;
    }
    closedir(dd);
    ck_assert_int_ge(valid, 5);
    ck_assert_int_ge(bad, 10);
    lstmsent_optim_free(fo);
    lstmsent_model_free(fm);
    lstmsent_sampler_free(s);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("model_files");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_round_trip_with_vocab);
    tcase_add_test(tc, test_round_trip_options);
    tcase_add_test(tc, test_bare_state_dict_infers_sizes);
    tcase_add_test(tc, test_truncated_at_several_points);
    tcase_add_test(tc, test_wrong_header_length_and_magic);
    tcase_add_test(tc, test_bad_json);
    tcase_add_test(tc, test_overlapping_offsets);
    tcase_add_test(tc, test_missing_tensor);
    tcase_add_test(tc, test_wrong_shape);
    tcase_add_test(tc, test_wrong_dtype);
    tcase_add_test(tc, test_unknown_tensor);
    tcase_add_test(tc, test_nonfinite);
    tcase_add_test(tc, test_vocabulary_checks);
    tcase_add_test(tc, test_metadata_checks);
    tcase_add_test(tc, test_messages_escape_file_text);
    tcase_add_test(tc, test_unknown_policy_round_trip);
    tcase_add_test(tc, test_seq_len_missing_is_30);
    tcase_add_test(tc, test_load_arguments);
    tcase_add_test(tc, test_failed_save_keeps_previous_file);
    tcase_add_test(tc, test_failed_vocab_save_keeps_previous_file);
    tcase_add_test(tc, test_resume_mid_epoch_is_bit_identical);
    tcase_add_test(tc, test_resume_at_epoch_boundary_is_bit_identical);
    tcase_add_test(tc, test_resume_before_any_epoch);
    tcase_add_test(tc, test_resume_after_set_lr_is_bit_identical);
    tcase_add_test(tc, test_checkpoint_mismatch_leaves_handles);
    tcase_add_test(tc, test_checkpoint_bad_files);
    tcase_add_test(tc, test_seed_corpus_labels);
    tcase_add_test(tc, test_checksums_are_written);
    tcase_add_test(tc, test_checksum_canonical_form);
    tcase_add_test(tc, test_checksum_keys);
    suite_add_tcase(s, tc);
    /* Every bit of two small files (1,280 and 3,424 bytes) flipped in turn: 37,632 loads. */
    tc = tcase_create("flipped bits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_every_flipped_bit_is_refused);
    tcase_add_test(tc, test_every_flipped_bit_in_a_checkpoint_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
