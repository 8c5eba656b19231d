/*
 * Safetensors reading, validation and atomic writing (see safetensors.h for the contract
 * and docs/model-files.md for the rules). A parse either returns a file whose every offset
 * has been checked against the buffer, so later code may index the data without further
 * checks, or returns NULL with nothing allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "json.h"
#include "safetensors.h"

/* Data is little-endian on disk; a big-endian host swaps each element. Both branches are
 * compiled everywhere so the swapping code cannot rot unseen. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ST_BIG_ENDIAN 1
#else
#define ST_BIG_ENDIAN 0
#endif

/* ---- dtypes ---------------------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t size;
} dtypes[LSTMSENT__ST_DTYPE_COUNT] = {
    [LSTMSENT__ST_BOOL] = {"BOOL", 1},       [LSTMSENT__ST_U8] = {"U8", 1},
    [LSTMSENT__ST_I8] = {"I8", 1},           [LSTMSENT__ST_F8_E5M2] = {"F8_E5M2", 1},
    [LSTMSENT__ST_F8_E4M3] = {"F8_E4M3", 1}, [LSTMSENT__ST_F8_E8M0] = {"F8_E8M0", 1},
    [LSTMSENT__ST_I16] = {"I16", 2},         [LSTMSENT__ST_U16] = {"U16", 2},
    [LSTMSENT__ST_F16] = {"F16", 2},         [LSTMSENT__ST_BF16] = {"BF16", 2},
    [LSTMSENT__ST_I32] = {"I32", 4},         [LSTMSENT__ST_U32] = {"U32", 4},
    [LSTMSENT__ST_F32] = {"F32", 4},         [LSTMSENT__ST_I64] = {"I64", 8},
    [LSTMSENT__ST_U64] = {"U64", 8},         [LSTMSENT__ST_F64] = {"F64", 8},
    [LSTMSENT__ST_C64] = {"C64", 8},
};

const char *lstmsent__st_dtype_name(lstmsent__st_dtype dtype)
{
    if ((unsigned)dtype >= LSTMSENT__ST_DTYPE_COUNT)
        return NULL;
    return dtypes[dtype].name;
}

size_t lstmsent__st_dtype_size(lstmsent__st_dtype dtype)
{
    if ((unsigned)dtype >= LSTMSENT__ST_DTYPE_COUNT)
        return 0;
    return dtypes[dtype].size;
}

int lstmsent__st_dtype_from_name(const char *name, size_t len, lstmsent__st_dtype *out)
{
    for (int d = 0; d < LSTMSENT__ST_DTYPE_COUNT; d++) {
        if (strlen(dtypes[d].name) == len && memcmp(dtypes[d].name, name, len) == 0) {
            *out = (lstmsent__st_dtype)d;
            return 1;
        }
    }
    return 0;
}

/* ---- small helpers --------------------------------------------------------------------- */

static const char *errno_text(int err, char *buf, size_t cap)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, buf, cap);
#else
    if (strerror_r(err, buf, cap) != 0)
        snprintf(buf, cap, "error %d", err);
    return buf;
#endif
}

static void format_shape(char *buf, size_t cap, const int64_t *shape, int ndim)
{
    size_t o = 0;
    o += (size_t)snprintf(buf, cap, "[");
    for (int k = 0; k < ndim && o < cap; k++)
        o += (size_t)snprintf(buf + o, cap - o, k ? ", %" PRId64 : "%" PRId64, shape[k]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
}

static uint64_t read_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--)
        v = v << 8 | p[k];
    return v;
}

static void write_le64(unsigned char *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

/* One little-endian float from 4 bytes anywhere (the data section has no alignment). */
static float load_le_f32(const unsigned char *p)
{
    unsigned char b[4];
    if (ST_BIG_ENDIAN) {
        b[0] = p[3], b[1] = p[2], b[2] = p[1], b[3] = p[0];
    } else {
        memcpy(b, p, 4);
    }
    float f;
    memcpy(&f, b, 4);
    return f;
}

/* Copy count floats to dst in little-endian order. src may be NULL when count is 0. */
static void store_le_f32(unsigned char *dst, const float *src, size_t count)
{
    if (count == 0)
        return;
    if (!ST_BIG_ENDIAN) {
        memcpy(dst, src, count * sizeof(float));
        return;
    }
    for (size_t i = 0; i < count; i++) {
        unsigned char b[4];
        memcpy(b, &src[i], 4);
        dst[4 * i] = b[3], dst[4 * i + 1] = b[2], dst[4 * i + 2] = b[1], dst[4 * i + 3] = b[0];
    }
}

/* A name, key or dtype from the file, for a message (lstmsent__quote: control bytes
 * escaped, at most 60 bytes). */
static const char *quote(char *buf, const char *s, size_t len)
{
    return lstmsent__quote(buf, s, len, 60);
}

/* ---- reading --------------------------------------------------------------------------- */

void lstmsent__st_free(lstmsent__st_file *file)
{
    if (file == NULL)
        return;
    free(file->tensors);
    free(file->meta);
    free(file->names);
    free(file->owned);
    free(file);
}

/* Copies strings out of the JSON document into the file's one block of names. */
typedef struct name_block {
    char *base;
    size_t used;
} name_block;

static const char *keep(name_block *b, const char *s, size_t len)
{
    char *dst = b->base + b->used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    b->used += len + 1;
    return dst;
}

static lstmsent_status parse_metadata(lstmsent__st_file *f, const lstmsent__json_doc *doc,
                                      size_t obj, name_block *names)
{
    if (lstmsent__json_type_of(doc, obj) != LSTMSENT__JSON_OBJECT)
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "'__metadata__' is not an object");
    size_t dup;
    int d = lstmsent__json_find_duplicate_key(doc, obj, &dup);
    if (d < 0)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory checking '__metadata__'");
    char q[LSTMSENT__QUOTE_CAP];
    if (d > 0) {
        size_t len;
        const char *key = lstmsent__json_string(doc, dup, &len);
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "'__metadata__' has the key '%s' twice",
                              quote(q, key, len));
    }
    size_t k = obj + 1;
    for (size_t m = 0; m < lstmsent__json_count(doc, obj); m++) {
        size_t key_len, value_len;
        const char *key = lstmsent__json_string(doc, k, &key_len);
        const char *value = lstmsent__json_string(doc, k + 1, &value_len);
        if (value == NULL) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "'__metadata__' value of '%s' is not a string",
                                  quote(q, key, key_len));
        }
        if (strlen(key) != key_len || strlen(value) != value_len) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "'__metadata__' entry '%s' holds a NUL character (\\u0000)",
                                  quote(q, key, strlen(key)));
        }
        f->meta[f->n_meta].key = keep(names, key, key_len);
        f->meta[f->n_meta].value = keep(names, value, value_len);
        f->n_meta++;
        k = lstmsent__json_skip(doc, k + 1);
    }
    return LSTMSENT_OK;
}

/* The integers of a shape or of data_offsets: each a plain non-negative integer <= max. */
static int get_index(const lstmsent__json_doc *doc, size_t i, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (!lstmsent__json_get_u64(doc, i, &v) || v > max)
        return 0;
    *out = v;
    return 1;
}

static lstmsent_status parse_tensor(lstmsent__st_tensor *t, const lstmsent__json_doc *doc,
                                    size_t obj)
{
    char qn[LSTMSENT__QUOTE_CAP], q[LSTMSENT__QUOTE_CAP];
    const char *name = quote(qn, t->name, strlen(t->name));   /* for the messages */
    if (lstmsent__json_type_of(doc, obj) != LSTMSENT__JSON_OBJECT) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': its entry is not an object of dtype, shape and "
                              "data_offsets", name);
    }
    static const char *const fields[3] = {"dtype", "shape", "data_offsets"};
    size_t at[3] = {0, 0, 0};
    size_t k = obj + 1;
    for (size_t m = 0; m < lstmsent__json_count(doc, obj); m++) {
        size_t len;
        const char *key = lstmsent__json_string(doc, k, &len);
        int which = -1;
        for (int w = 0; w < 3; w++) {
            if (strlen(fields[w]) == len && memcmp(fields[w], key, len) == 0)
                which = w;
        }
        if (which < 0)
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': unknown field '%s'", name,
                                  quote(q, key, len));
        if (at[which] != 0) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': field '%s' appears twice",
                                  name, key);
        }
        at[which] = k + 1;
        k = lstmsent__json_skip(doc, k + 1);
    }
    for (int w = 0; w < 3; w++) {
        if (at[w] == 0)
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': no '%s' field", name,
                                  fields[w]);
    }

    size_t len;
    const char *dtype = lstmsent__json_string(doc, at[0], &len);
    if (dtype == NULL)
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': dtype is not a string", name);
    if (!lstmsent__st_dtype_from_name(dtype, len, &t->dtype))
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': unknown dtype '%s'", name,
                              quote(q, dtype, len));

    size_t shape = at[1];
    if (lstmsent__json_type_of(doc, shape) != LSTMSENT__JSON_ARRAY)
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': shape is not an array", name);
    size_t ndim = lstmsent__json_count(doc, shape);
    if (ndim > LSTMSENT__ST_MAX_DIMS) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': shape has %zu dimensions, more than the %d "
                              "supported", name, ndim, LSTMSENT__ST_MAX_DIMS);
    }
    t->ndim = (int)ndim;
    for (size_t d = 0; d < ndim; d++) {
        uint64_t v;
        if (!get_index(doc, shape + 1 + d, INT64_MAX, &v)) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "tensor '%s': shape[%zu] is not an integer 0..%" PRId64,
                                  name, d, INT64_MAX);
        }
        t->shape[d] = (int64_t)v;
    }

    size_t offsets = at[2];
    if (lstmsent__json_type_of(doc, offsets) != LSTMSENT__JSON_ARRAY ||
        lstmsent__json_count(doc, offsets) != 2) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': data_offsets is not an array [begin, end]", name);
    }
    uint64_t range[2];
    for (size_t e = 0; e < 2; e++) {
        if (!get_index(doc, offsets + 1 + e, SIZE_MAX, &range[e])) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "tensor '%s': data_offsets[%zu] is not an integer 0..%zu",
                                  name, e, (size_t)SIZE_MAX);
        }
    }
    t->begin = (size_t)range[0];
    t->end = (size_t)range[1];
    if (t->begin > t->end) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': data_offsets [%zu, %zu] end before they begin",
                              name, t->begin, t->end);
    }

    /* The byte size, with every product checked: a hostile shape must not wrap around to
     * the size of the slot it claims. */
    char shape_text[200];
    format_shape(shape_text, sizeof shape_text, t->shape, t->ndim);
    size_t numel = 1, bytes;
    for (int d = 0; d < t->ndim; d++) {
        if ((uint64_t)t->shape[d] > SIZE_MAX || !lstmsent__mul_size(numel, (size_t)t->shape[d],
                                                                     &numel)) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "tensor '%s': shape %s has more elements than can be "
                                  "counted (overflow)", name, shape_text);
        }
    }
    if (!lstmsent__mul_size(numel, lstmsent__st_dtype_size(t->dtype), &bytes)) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': dtype %s and shape %s need more bytes than can be "
                              "counted (overflow)", name, dtype, shape_text);
    }
    t->numel = numel;
    if (t->end - t->begin != bytes) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': data_offsets [%zu, %zu] hold %zu bytes but dtype %s "
                              "and shape %s need %zu", name, t->begin, t->end,
                              t->end - t->begin, dtype, shape_text, bytes);
    }
    return LSTMSENT_OK;
}

typedef struct by_offset {
    size_t begin, end, index;
} by_offset;

static int compare_offsets(const void *pa, const void *pb)
{
    const by_offset *a = pa, *b = pb;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorted by offset, the tensors must tile the data from byte 0 with no gap and no overlap
 * (the reference reader's rule); *total gets where the last one ends. */
static lstmsent_status check_tiling(const lstmsent__st_file *f, size_t *total)
{
    *total = 0;
    if (f->n_tensors == 0)
        return LSTMSENT_OK;
    by_offset *order = lstmsent__alloc_array(f->n_tensors, sizeof *order);
    if (order == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory sorting %zu tensors",
                              f->n_tensors);
    for (size_t i = 0; i < f->n_tensors; i++)
        order[i] = (by_offset){f->tensors[i].begin, f->tensors[i].end, i};
    qsort(order, f->n_tensors, sizeof *order, compare_offsets);
    lstmsent_status st = LSTMSENT_OK;
    size_t expected = 0;
    const lstmsent__st_tensor *prev = NULL;
    char qa[LSTMSENT__QUOTE_CAP], qb[LSTMSENT__QUOTE_CAP];
    for (size_t i = 0; i < f->n_tensors; i++) {
        const lstmsent__st_tensor *t = &f->tensors[order[i].index];
        if (t->begin > expected) {
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                "tensor '%s': data_offsets [%zu, %zu] leave a gap: bytes "
                                "[%zu, %zu) of the data belong to no tensor",
                                quote(qa, t->name, strlen(t->name)), t->begin, t->end,
                                expected, t->begin);
            break;
        }
        if (t->begin < expected) {
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                "tensor '%s': data_offsets [%zu, %zu] overlap tensor '%s' at "
                                "[%zu, %zu]", quote(qa, t->name, strlen(t->name)), t->begin,
                                t->end, quote(qb, prev->name, strlen(prev->name)),
                                prev->begin, prev->end);
            break;
        }
        expected = t->end;
        prev = t;
    }
    free(order);
    *total = expected;
    return st;
}

/* Everything after the JSON parse: the header's structure, then the data's layout. */
static lstmsent_status build_file(lstmsent__st_file *f, const lstmsent__json_doc *doc)
{
    size_t dup;
    int d = lstmsent__json_find_duplicate_key(doc, 0, &dup);
    if (d < 0)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory checking tensor names");
    char q[LSTMSENT__QUOTE_CAP];
    if (d > 0) {
        size_t len;
        const char *name = lstmsent__json_string(doc, dup, &len);
        if (strcmp(name, "__metadata__") == 0)
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "the header has '__metadata__' twice");
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor name '%s' appears twice in the header",
                              quote(q, name, len));
    }

    /* Count, then allocate once: the tensors, the metadata, one block for all text. */
    size_t members = lstmsent__json_count(doc, 0);
    size_t meta_obj = lstmsent__json_object_get(doc, 0, "__metadata__", 12);
    size_t text = 0, n_meta = 0;
    size_t k = 1;
    for (size_t m = 0; m < members; m++) {
        size_t len;
        const char *key = lstmsent__json_string(doc, k, &len);
        if (k + 1 != meta_obj) {
            if (strlen(key) != len) {
                return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                      "tensor name '%s' holds a NUL character (\\u0000)",
                                      quote(q, key, strlen(key)));
            }
            text += len + 1;
        }
        k = lstmsent__json_skip(doc, k + 1);
    }
    if (meta_obj != 0 && lstmsent__json_type_of(doc, meta_obj) == LSTMSENT__JSON_OBJECT) {
        n_meta = lstmsent__json_count(doc, meta_obj);
        k = meta_obj + 1;
        for (size_t m = 0; m < n_meta; m++) {
            size_t len;
            lstmsent__json_string(doc, k, &len);
            text += len + 1;
            if (lstmsent__json_string(doc, k + 1, &len) != NULL)
                text += len + 1;
            k = lstmsent__json_skip(doc, k + 1);
        }
    }
    size_t n_tensors = members - (meta_obj != 0);
    f->tensors = lstmsent__calloc_array(n_tensors, sizeof *f->tensors);
    f->meta = lstmsent__calloc_array(n_meta, sizeof *f->meta);
    f->names = malloc(text ? text : 1);
    if (f->tensors == NULL || f->meta == NULL || f->names == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory for %zu tensor entries",
                              n_tensors);
    name_block names = {f->names, 0};

    lstmsent_status st;
    k = 1;
    for (size_t m = 0; m < members; m++) {
        size_t len;
        const char *key = lstmsent__json_string(doc, k, &len);
        if (k + 1 == meta_obj) {
            st = parse_metadata(f, doc, k + 1, &names);
        } else {
            lstmsent__st_tensor *t = &f->tensors[f->n_tensors++];
            t->name = keep(&names, key, len);
            st = parse_tensor(t, doc, k + 1);
        }
        if (st != LSTMSENT_OK)
            return st;
        k = lstmsent__json_skip(doc, k + 1);
    }

    size_t total;
    if ((st = check_tiling(f, &total)) != LSTMSENT_OK)
        return st;
    if (f->data_len < total) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "file truncated: the tensors need %zu bytes of data but the file "
                              "holds %zu", total, f->data_len);
    }
    if (f->data_len > total) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "the file holds %zu bytes of data but the tensors end at byte "
                              "%zu: %zu trailing bytes", f->data_len, total,
                              f->data_len - total);
    }
    for (size_t i = 0; i < f->n_tensors; i++)
        f->tensors[i].data = f->data + f->tensors[i].begin;
    return LSTMSENT_OK;
}

static lstmsent_status parse_image(lstmsent__st_file **out, const unsigned char *buf,
                                   size_t len)
{
    if (len < 8) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "file truncated: %zu bytes, too short for the 8-byte header "
                              "length", len);
    }
    uint64_t n = read_le64(buf);
    if (n > LSTMSENT__ST_MAX_HEADER) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "header length %" PRIu64 " exceeds the limit of %u bytes", n,
                              LSTMSENT__ST_MAX_HEADER);
    }
    if (n > len - 8) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "header length %" PRIu64 " exceeds the file's %zu bytes after the "
                              "length field (file truncated?)", n, len - 8);
    }
    const char *header = (const char *)buf + 8;
    size_t bad;
    if (!lstmsent__utf8_valid(header, (size_t)n, &bad)) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "header is not valid UTF-8 (at header byte "
                              "%zu)", bad);
    }
    if (n == 0 || header[0] != '{')
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "header does not start with '{'");

    lstmsent__json_doc doc;
    lstmsent_status st = lstmsent__json_parse(&doc, header, (size_t)n,
                                              LSTMSENT__JSON_DEFAULT_DEPTH);
    if (st == LSTMSENT_ERR_NOMEM) {
        lstmsent__json_doc_free(&doc);
        return lstmsent__fail(st, "out of memory parsing a header of %" PRIu64 " bytes", n);
    }
    if (st != LSTMSENT_OK) {
        st = lstmsent__fail(st, "header is not valid JSON: %s (at header byte %zu)", doc.error,
                            doc.error_offset);
        lstmsent__json_doc_free(&doc);
        return st;
    }

    lstmsent__st_file *f = calloc(1, sizeof *f);
    if (f == NULL) {
        lstmsent__json_doc_free(&doc);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory");
    }
    f->header_len = (size_t)n;
    f->data = buf + 8 + n;
    f->data_len = len - 8 - (size_t)n;
    st = build_file(f, &doc);
    lstmsent__json_doc_free(&doc);
    if (st != LSTMSENT_OK) {
        lstmsent__st_free(f);
        return st;
    }
    *out = f;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent__st_parse(lstmsent__st_file **out, const void *buf, size_t len)
{
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    if (len > 0)
        LSTMSENT__CHECK_NULL(buf);
    return parse_image(out, buf, len);
}

/* Prefix the message of the failure just recorded with the file's path. */
static lstmsent_status with_path(lstmsent_status st, const char *path)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", lstmsent_last_error());
    return lstmsent__fail(st, "%s: %s", path, msg);
}

lstmsent_status lstmsent__st_read_file(lstmsent__st_file **out, const char *path)
{
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    LSTMSENT__CHECK_NULL(path);
    char *bytes;
    size_t got;
    lstmsent_status st = lstmsent__read_file(&bytes, &got, path, LSTMSENT__PATH_PREFIX);
    if (st != LSTMSENT_OK)
        return st;
    unsigned char *buf = (unsigned char *)bytes;
    lstmsent__st_file *f = NULL;
    st = parse_image(&f, buf, got);
    if (st != LSTMSENT_OK) {
        free(buf);
        return with_path(st, path);
    }
    f->owned = buf;
    *out = f;
    return LSTMSENT_OK;
}

const lstmsent__st_tensor *lstmsent__st_find(const lstmsent__st_file *file, const char *name)
{
    if (file == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < file->n_tensors; i++) {
        if (strcmp(file->tensors[i].name, name) == 0)
            return &file->tensors[i];
    }
    return NULL;
}

const char *lstmsent__st_meta_get(const lstmsent__st_file *file, const char *key)
{
    if (file == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < file->n_meta; i++) {
        if (strcmp(file->meta[i].key, key) == 0)
            return file->meta[i].value;
    }
    return NULL;
}

static lstmsent_status nonfinite(const char *what, size_t i, float v)
{
    return lstmsent__fail(LSTMSENT_ERR_NONFINITE, "tensor '%s': element %zu is %s", what, i,
                          isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

lstmsent_status lstmsent__st_check_finite_f32(const char *what, const float *x, size_t n)
{
    if (n > 0)
        LSTMSENT__CHECK_NULL(x);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return nonfinite(what, i, x[i]);
    }
    return LSTMSENT_OK;
}

lstmsent_status lstmsent__st_load_f32(const lstmsent__st_file *file, const char *name, int ndim,
                                      const int64_t *shape, float *dst, int reject_nonfinite)
{
    LSTMSENT__CHECK_NULL(file);
    LSTMSENT__CHECK_NULL(name);
    if (ndim < 0 || ndim > LSTMSENT__ST_MAX_DIMS)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: ndim %d is not 0..%d", __func__, ndim,
                              LSTMSENT__ST_MAX_DIMS);
    if (ndim > 0)
        LSTMSENT__CHECK_NULL(shape);
    const lstmsent__st_tensor *t = lstmsent__st_find(file, name);
    if (t == NULL)
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "no tensor '%s'", name);
    if (t->dtype != LSTMSENT__ST_F32) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s' has dtype %s, not F32", name,
                              lstmsent__st_dtype_name(t->dtype));
    }
    int same = t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = t->shape[d] == shape[d];
    if (!same) {
        char have[200], want[200];
        format_shape(have, sizeof have, t->shape, t->ndim);
        format_shape(want, sizeof want, shape, ndim);
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s' has shape %s, not %s", name,
                              have, want);
    }
    if (t->numel > 0)
        LSTMSENT__CHECK_NULL(dst);
    if (reject_nonfinite) {
        for (size_t i = 0; i < t->numel; i++) {
            float v = load_le_f32(t->data + 4 * i);
            if (!isfinite(v))
                return nonfinite(name, i, v);
        }
    }
    for (size_t i = 0; i < t->numel; i++)
        dst[i] = load_le_f32(t->data + 4 * i);
    return LSTMSENT_OK;
}

lstmsent_status lstmsent__st_check_no_unknown(const lstmsent__st_file *file,
                                              const char *const *names, size_t n)
{
    LSTMSENT__CHECK_NULL(file);
    if (n > 0)
        LSTMSENT__CHECK_NULL(names);
    for (size_t i = 0; i < file->n_tensors; i++) {
        size_t j = 0;
        while (j < n && strcmp(file->tensors[i].name, names[j]) != 0)
            j++;
        char q[LSTMSENT__QUOTE_CAP];
        if (j == n)
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "unknown tensor '%s'",
                                  quote(q, file->tensors[i].name, strlen(file->tensors[i].name)));
    }
    return LSTMSENT_OK;
}

/* ---- checksums ------------------------------------------------------------------------- */

/* One tensor or metadata entry as the canonical form sees it. A tensor's bytes are either
 * little-endian already (a file read) or host floats (a file being written). */
typedef struct sum_item {
    const char *name;            /* tensor name, or metadata key */
    const char *text;            /* dtype name, or metadata value */
    int ndim;
    const int64_t *shape;
    const unsigned char *le;
    const float *host;
    size_t bytes;
} sum_item;

static int sum_item_cmp(const void *pa, const void *pb)
{
    return strcmp(((const sum_item *)pa)->name, ((const sum_item *)pb)->name);
}

static int is_sum_key(const char *key)
{
    return strcmp(key, LSTMSENT__ST_SUM_HEADER) == 0 || strcmp(key, LSTMSENT__ST_SUM_DATA) == 0;
}

static void sum_u64(XXH3_state_t *st, uint64_t v)
{
    unsigned char b[8];
    write_le64(b, v);
    XXH3_64bits_update(st, b, 8);
}

static void sum_text(XXH3_state_t *st, const char *s)
{
    XXH3_64bits_update(st, s, strlen(s) + 1);   /* with its NUL: names never hold one */
}

/* The canonical form of safetensors.h over t[0, nt) and m[0, nm) (no checksum keys among
 * them), which are sorted here. */
static lstmsent_status sum_items(sum_item *t, size_t nt, sum_item *m, size_t nm,
                                 uint64_t *header, uint64_t *data)
{
    XXH3_state_t *hs = XXH3_createState(), *ds = XXH3_createState();
    if (hs == NULL || ds == NULL) {
        XXH3_freeState(hs);
        XXH3_freeState(ds);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory computing checksums");
    }
    qsort(t, nt, sizeof *t, sum_item_cmp);
    qsort(m, nm, sizeof *m, sum_item_cmp);
    XXH3_64bits_reset(hs);
    XXH3_64bits_reset(ds);
    sum_u64(hs, nt);
    for (size_t i = 0; i < nt; i++) {
        sum_text(hs, t[i].name);
        sum_text(hs, t[i].text);
        sum_u64(hs, (uint64_t)t[i].ndim);
        for (int d = 0; d < t[i].ndim; d++)
            sum_u64(hs, (uint64_t)t[i].shape[d]);
        if (t[i].bytes == 0)
            continue;
        if (t[i].le != NULL || !ST_BIG_ENDIAN) {
            XXH3_64bits_update(ds, t[i].le != NULL ? (const void *)t[i].le
                                                   : (const void *)t[i].host, t[i].bytes);
        } else {
            unsigned char buf[4096];
            for (size_t o = 0; o < t[i].bytes / 4; o += sizeof buf / 4) {
                size_t k = t[i].bytes / 4 - o < sizeof buf / 4 ? t[i].bytes / 4 - o
                                                               : sizeof buf / 4;
                store_le_f32(buf, t[i].host + o, k);
                XXH3_64bits_update(ds, buf, 4 * k);
            }
        }
    }
    sum_u64(hs, nm);
    for (size_t i = 0; i < nm; i++) {
        sum_text(hs, m[i].name);
        sum_text(hs, m[i].text);
    }
    *header = XXH3_64bits_digest(hs);
    *data = XXH3_64bits_digest(ds);
    XXH3_freeState(hs);
    XXH3_freeState(ds);
    return LSTMSENT_OK;
}

lstmsent_status lstmsent__st_checksums(const lstmsent__st_file *file, uint64_t *header,
                                       uint64_t *data)
{
    LSTMSENT__CHECK_NULL(file);
    LSTMSENT__CHECK_NULL(header);
    LSTMSENT__CHECK_NULL(data);
    sum_item *t = lstmsent__calloc_array(file->n_tensors, sizeof *t);
    sum_item *m = lstmsent__calloc_array(file->n_meta, sizeof *m);
    lstmsent_status st = LSTMSENT_OK;
    if (t == NULL || m == NULL)
        st = lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory computing checksums");
    size_t nm = 0;
    for (size_t i = 0; st == LSTMSENT_OK && i < file->n_tensors; i++) {
        const lstmsent__st_tensor *x = &file->tensors[i];
        t[i] = (sum_item){x->name, lstmsent__st_dtype_name(x->dtype), x->ndim, x->shape,
                          x->data, NULL, x->end - x->begin};
    }
    for (size_t i = 0; st == LSTMSENT_OK && i < file->n_meta; i++)
        if (!is_sum_key(file->meta[i].key))
            m[nm++] = (sum_item){file->meta[i].key, file->meta[i].value, 0, NULL, NULL, NULL, 0};
    if (st == LSTMSENT_OK)
        st = sum_items(t, file->n_tensors, m, nm, header, data);
    free(t);
    free(m);
    return st;
}

/* ---- writing --------------------------------------------------------------------------- */

typedef struct name_ref {
    const char *s;
    size_t index;
} name_ref;

static int compare_names(const void *pa, const void *pb)
{
    const name_ref *a = pa, *b = pb;
    int c = strcmp(a->s, b->s);
    return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

/* LSTMSENT_ERR_INVALID naming the first string of refs[0, n) that appears twice. */
static lstmsent_status check_distinct(name_ref *refs, size_t n, const char *what)
{
    qsort(refs, n, sizeof *refs, compare_names);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(refs[i].s, refs[i - 1].s) == 0)
            return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s '%s' appears twice", what,
                                  refs[i].s);
    }
    return LSTMSENT_OK;
}

static lstmsent_status check_text(const char *s, const char *what, size_t index)
{
    if (s == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NULL, "%s %zu is NULL", what, index);
    size_t bad;
    if (!lstmsent__utf8_valid(s, strlen(s), &bad))
        return lstmsent__fail(LSTMSENT_ERR_UTF8, "%s %zu is not valid UTF-8 (at byte %zu)",
                              what, index, bad);
    return LSTMSENT_OK;
}

/* Check the arguments of a save and count each tensor's elements into numel[]. */
static lstmsent_status check_out_tensors(const lstmsent__st_out_tensor *tensors, size_t n,
                                         const lstmsent__st_pair *meta, size_t n_meta,
                                         size_t *numel, size_t *data_len)
{
    if (n > 0)
        LSTMSENT__CHECK_NULL(tensors);
    if (n_meta > 0)
        LSTMSENT__CHECK_NULL(meta);
    lstmsent_status st;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const lstmsent__st_out_tensor *t = &tensors[i];
        if ((st = check_text(t->name, "tensor name", i)) != LSTMSENT_OK)
            return st;
        if (strcmp(t->name, "__metadata__") == 0)
            return lstmsent__fail(LSTMSENT_ERR_INVALID,
                                  "tensor %zu: '__metadata__' is reserved, not a tensor name", i);
        if (t->ndim < 0 || t->ndim > LSTMSENT__ST_MAX_DIMS)
            return lstmsent__fail(LSTMSENT_ERR_INVALID, "tensor '%s': ndim %d is not 0..%d",
                                  t->name, t->ndim, LSTMSENT__ST_MAX_DIMS);
        if (t->ndim > 0 && t->shape == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NULL, "tensor '%s': shape is NULL", t->name);
        size_t count = 1, bytes;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] < 0)
                return lstmsent__fail(LSTMSENT_ERR_INVALID,
                                      "tensor '%s': shape[%d] is %" PRId64 ", negative", t->name,
                                      d, t->shape[d]);
            if ((uint64_t)t->shape[d] > SIZE_MAX ||
                !lstmsent__mul_size(count, (size_t)t->shape[d], &count))
                return lstmsent__fail(LSTMSENT_ERR_INVALID, "tensor '%s': shape overflows",
                                      t->name);
        }
        if (!lstmsent__mul_size(count, sizeof(float), &bytes) || bytes > SIZE_MAX - total)
            return lstmsent__fail(LSTMSENT_ERR_INVALID, "tensor '%s': data size overflows",
                                  t->name);
        if (count > 0 && t->data == NULL)
            return lstmsent__fail(LSTMSENT_ERR_NULL, "tensor '%s': data is NULL", t->name);
        numel[i] = count;
        total += bytes;
    }
    for (size_t i = 0; i < n_meta; i++) {
        if ((st = check_text(meta[i].key, "metadata key", i)) != LSTMSENT_OK ||
            (st = check_text(meta[i].value, "metadata value", i)) != LSTMSENT_OK)
            return st;
    }

    size_t most = n > n_meta ? n : n_meta;
    name_ref *refs = lstmsent__alloc_array(most, sizeof *refs);
    if (refs == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        refs[i] = (name_ref){tensors[i].name, i};
    st = check_distinct(refs, n, "tensor name");
    for (size_t i = 0; st == LSTMSENT_OK && i < n_meta; i++)
        refs[i] = (name_ref){meta[i].key, i};
    if (st == LSTMSENT_OK)
        st = check_distinct(refs, n_meta, "metadata key");
    free(refs);
    *data_len = total;
    return st;
}

/* The checksums of the file these tensors and metadata make, as 16 hex digits each. */
static lstmsent_status out_checksums(const lstmsent__st_out_tensor *tensors, size_t n,
                                     const size_t *numel, const lstmsent__st_pair *meta,
                                     size_t n_meta, char sums[2][17])
{
    sum_item *t = lstmsent__calloc_array(n, sizeof *t);
    sum_item *m = lstmsent__calloc_array(n_meta, sizeof *m);
    lstmsent_status st = LSTMSENT_OK;
    if (t == NULL || m == NULL)
        st = lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory computing checksums");
    size_t nm = 0;
    for (size_t i = 0; st == LSTMSENT_OK && i < n; i++)
        t[i] = (sum_item){tensors[i].name, "F32", tensors[i].ndim, tensors[i].shape, NULL,
                          tensors[i].data, numel[i] * sizeof(float)};
    for (size_t i = 0; st == LSTMSENT_OK && i < n_meta; i++)
        if (!is_sum_key(meta[i].key))
            m[nm++] = (sum_item){meta[i].key, meta[i].value, 0, NULL, NULL, NULL, 0};
    uint64_t header = 0, data = 0;
    if (st == LSTMSENT_OK)
        st = sum_items(t, n, m, nm, &header, &data);
    snprintf(sums[0], 17, "%016" PRIx64, header);
    snprintf(sums[1], 17, "%016" PRIx64, data);
    free(t);
    free(m);
    return st;
}

/* The 8-byte length and the padded JSON header, into *w. */
static lstmsent_status build_header(lstmsent__json_writer *w,
                                    const lstmsent__st_out_tensor *tensors, size_t n,
                                    const size_t *numel, const lstmsent__st_pair *meta,
                                    size_t n_meta)
{
    /* The checksum keys a caller lists get the checksums of what is written. */
    char sums[2][17] = {"", ""};
    int sums_wanted = 0;
    for (size_t i = 0; i < n_meta; i++)
        sums_wanted |= is_sum_key(meta[i].key);
    if (sums_wanted) {
        lstmsent_status st = out_checksums(tensors, n, numel, meta, n_meta, sums);
        if (st != LSTMSENT_OK)
            return st;
    }
    lstmsent__json_writer_init(w);
    lstmsent__json_write_raw(w, "\0\0\0\0\0\0\0\0{", 9);
    int first = 1;
    if (n_meta > 0) {
        lstmsent__json_write_raw(w, "\"__metadata__\":{", 16);
        for (size_t i = 0; i < n_meta; i++) {
            if (i > 0)
                lstmsent__json_write_raw(w, ",", 1);
            const char *value = strcmp(meta[i].key, LSTMSENT__ST_SUM_HEADER) == 0 ? sums[0]
                                : strcmp(meta[i].key, LSTMSENT__ST_SUM_DATA) == 0   ? sums[1]
                                                                                   : meta[i].value;
            lstmsent__json_write_string(w, meta[i].key, strlen(meta[i].key));
            lstmsent__json_write_raw(w, ":", 1);
            lstmsent__json_write_string(w, value, strlen(value));
        }
        lstmsent__json_write_raw(w, "}", 1);
        first = 0;
    }
    size_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        const lstmsent__st_out_tensor *t = &tensors[i];
        if (!first)
            lstmsent__json_write_raw(w, ",", 1);
        first = 0;
        lstmsent__json_write_string(w, t->name, strlen(t->name));
        lstmsent__json_write_raw(w, ":{\"dtype\":\"F32\",\"shape\":[", 25);
        for (int d = 0; d < t->ndim; d++) {
            if (d > 0)
                lstmsent__json_write_raw(w, ",", 1);
            lstmsent__json_write_i64(w, t->shape[d]);
        }
        lstmsent__json_write_raw(w, "],\"data_offsets\":[", 18);
        lstmsent__json_write_u64(w, offset);
        lstmsent__json_write_raw(w, ",", 1);
        offset += numel[i] * sizeof(float);
        lstmsent__json_write_u64(w, offset);
        lstmsent__json_write_raw(w, "]}", 2);
    }
    lstmsent__json_write_raw(w, "}", 1);
    /* The reference writer pads with spaces so that the data starts 8-byte aligned. */
    while (w->status == LSTMSENT_OK && (w->len - 8) % 8 != 0)
        lstmsent__json_write_raw(w, " ", 1);
    if (w->status != LSTMSENT_OK) {
        lstmsent_status st = w->status;
        lstmsent__json_writer_free(w);
        return lstmsent__fail(st, "out of memory building the header");
    }
    if (w->len - 8 > LSTMSENT__ST_MAX_HEADER) {
        lstmsent__json_writer_free(w);
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "the header would pass the %u-byte limit readers accept",
                              LSTMSENT__ST_MAX_HEADER);
    }
    write_le64((unsigned char *)w->data, (uint64_t)(w->len - 8));
    return LSTMSENT_OK;
}

lstmsent_status lstmsent__st_serialize_f32(unsigned char **out, size_t *out_len,
                                           const lstmsent__st_out_tensor *tensors, size_t n,
                                           const lstmsent__st_pair *meta, size_t n_meta)
{
    LSTMSENT__CHECK_NULL(out);
    LSTMSENT__CHECK_NULL(out_len);
    size_t *numel = lstmsent__alloc_array(n, sizeof *numel);
    if (numel == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory");
    size_t data_len;
    lstmsent__json_writer w;
    lstmsent_status st = check_out_tensors(tensors, n, meta, n_meta, numel, &data_len);
    if (st == LSTMSENT_OK)
        st = build_header(&w, tensors, n, numel, meta, n_meta);
    if (st != LSTMSENT_OK) {
        free(numel);
        return st;
    }
    unsigned char *image = NULL;
    if (data_len <= SIZE_MAX - w.len)
        image = malloc(w.len + data_len);
    if (image == NULL) {
        free(numel);
        lstmsent__json_writer_free(&w);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory for a %zu-byte file",
                              data_len);
    }
    memcpy(image, w.data, w.len);
    size_t o = w.len;
    for (size_t i = 0; i < n; i++) {
        store_le_f32(image + o, tensors[i].data, numel[i]);
        o += numel[i] * sizeof(float);
    }
    *out = image;
    *out_len = o;
    free(numel);
    lstmsent__json_writer_free(&w);
    return LSTMSENT_OK;
}

/* Bytes a save may still write before the injected failure; < 0 when none is armed. */
static _Thread_local int64_t fail_after = -1;

void lstmsent__st_fail_after_bytes(int64_t n)
{
    fail_after = n < 0 ? -1 : n;
}

/* write(2) until done, retrying short writes and EINTR; -1 with errno on failure. */
static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        size_t chunk = n < ((size_t)1 << 30) ? n : (size_t)1 << 30;
        if (fail_after >= 0) {
            if (fail_after == 0) {
                errno = ENOSPC;
                return -1;
            }
            if ((uint64_t)fail_after < chunk)
                chunk = (size_t)fail_after;
        }
        ssize_t r = write(fd, p, chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (fail_after >= 0)
            fail_after -= r;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_floats(int fd, const float *x, size_t count)
{
    if (!ST_BIG_ENDIAN)
        return write_all(fd, x, count * sizeof(float));
    unsigned char buf[4096];
    while (count > 0) {
        size_t k = count < sizeof buf / 4 ? count : sizeof buf / 4;
        store_le_f32(buf, x, k);
        if (write_all(fd, buf, k * 4) != 0)
            return -1;
        x += k;
        count -= k;
    }
    return 0;
}

/* Create "<path>.tmp.XXXXXX" exclusively. Not mkstemp: that creates the file 0600, and a
 * saved model should get the usual 0666 & ~umask like any other file the user writes. */
static int open_temp(const char *path, char *tmp, size_t cap)
{
    static atomic_uint_fast64_t counter;
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t x = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ (uint64_t)now.tv_nsec ^
                     ((uint64_t)now.tv_sec << 20) ^ atomic_fetch_add(&counter, 1) * 0xBF58476D1CE4E5B9u;
        x ^= x >> 31;
        x *= 0x94D049BB133111EBu;
        x ^= x >> 29;
        char suffix[7];
        for (int k = 0; k < 6; k++) {
            suffix[k] = alphabet[x % (sizeof alphabet - 1)];
            x /= sizeof alphabet - 1;
        }
        suffix[6] = '\0';
        snprintf(tmp, cap, "%s.tmp.%s", path, suffix);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* fsync the directory holding path, so that the rename itself survives a crash. A file
 * system that cannot sync directories (EINVAL) has nothing more to give, and a directory
 * we may write but not read (EACCES on open) cannot be synced by us at all. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash == NULL) {
        dir = malloc(2);
        if (dir != NULL)
            strcpy(dir, ".");
    } else {
        size_t len = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(len + 1);
        if (dir != NULL) {
            memcpy(dir, path, len);
            dir[len] = '\0';
        }
    }
    if (dir == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return errno == EACCES ? 0 : -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0 && err != EINVAL) {
        errno = err;
        return -1;
    }
    return 0;
}

lstmsent_status lstmsent__st_save_f32(const char *path, const lstmsent__st_out_tensor *tensors,
                                      size_t n, const lstmsent__st_pair *meta, size_t n_meta)
{
    LSTMSENT__CHECK_NULL(path);
    size_t *numel = lstmsent__alloc_array(n, sizeof *numel);
    if (numel == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory");
    size_t data_len;
    lstmsent__json_writer w;
    lstmsent_status st = check_out_tensors(tensors, n, meta, n_meta, numel, &data_len);
    if (st == LSTMSENT_OK)
        st = build_header(&w, tensors, n, numel, meta, n_meta);
    if (st != LSTMSENT_OK) {
        free(numel);
        return with_path(st, path);
    }

    size_t cap = strlen(path) + 16;
    char *tmp = malloc(cap);
    if (tmp == NULL) {
        free(numel);
        lstmsent__json_writer_free(&w);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory", path);
    }
    const char *step = "cannot create a temporary file beside it";
    int fd = open_temp(path, tmp, cap);
    int created = fd >= 0;
    int ok = created;
    if (ok) {
        step = "cannot write";
        ok = write_all(fd, w.data, w.len) == 0;
        for (size_t i = 0; ok && i < n; i++)
            ok = write_floats(fd, tensors[i].data, numel[i]) == 0;
    }
    if (ok) {
        step = "cannot sync";
        ok = fsync(fd) == 0;
    }
    int err = errno;
    if (created && close(fd) != 0 && ok) {
        err = errno;
        step = "cannot close";
        ok = 0;
    }
    if (ok) {
        step = "cannot rename the temporary file over it";
        ok = rename(tmp, path) == 0;
        err = errno;
    }
    if (!ok && created)
        unlink(tmp);
    free(tmp);
    free(numel);
    lstmsent__json_writer_free(&w);
    char why[256];
    if (!ok)
        return lstmsent__fail(LSTMSENT_ERR_IO, "%s: %s: %s", path, step,
                              errno_text(err, why, sizeof why));
    /* The new file is in place; only its durability across a crash is left to secure. */
    if (sync_dir(path) != 0)
        return lstmsent__fail(LSTMSENT_ERR_IO, "%s: saved, but syncing its directory failed: %s",
                              path, errno_text(errno, why, sizeof why));
    return LSTMSENT_OK;
}
