/*
 * Safetensors reading, validation and atomic writing (see safetensors.h for the contract
 * and docs/model-files.md for the rules). A parse either returns a file whose every offset
 * has been checked against the buffer, so later code may index the data without further
 * checks, or returns NULL with nothing allocated.
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include <xxhash.h>

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

/* ---- the header's JSON ------------------------------------------------------------------
 * jansson parses the header, refusing a key twice in one object (JSON_REJECT_DUPLICATES)
 * and letting a \u0000 inside a value through (JSON_ALLOW_NUL) to the rule that names it.
 * Where jansson's reading differs from the rules of docs/model-files.md, a scan of the text
 * before it settles the difference:
 *   - containers nest at most ST_MAX_DEPTH deep here, JSON_PARSER_MAX_DEPTH (2048) there;
 *   - a shape or an offset must be written as plain digits, but jansson reads -0 as 0, and
 *     fails the whole header on an integer past json_int_t (9223372036854775808) or a real
 *     past DBL_MAX. The scan replaces each number that is not a plain integer
 *     0..INT64_MAX by -1 padded with spaces to the same length (so that jansson's
 *     positions stay right): no rule accepts a negative number where one accepts a number
 *     at all, so the replacement is refused where the original would have been;
 *   - a NUL byte outside a string is refused here: jansson skips one that follows a number
 *     or a literal.
 * And where jansson refuses a key (twice in one object, or holding a NUL), another scan
 * finds the object the key is in, so that the message names the rule it breaks. */

#define ST_MAX_DEPTH 64

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The index after the string whose opening quote is at h[i]; n when it is not closed. */
static size_t skip_string(const char *h, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (h[i] == '\\')
            i++;
        else if (h[i] == '"')
            return i + 1;
    }
    return n;
}

static int number_char(char c)
{
    return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* The length of the number at s[0, n) in RFC 8259's grammar, with no character after it
 * that could continue it (so it is the token jansson reads there too); 0 when there is no
 * such number. *plain says whether it is digits only. */
static size_t number_token(const char *s, size_t n, int *plain)
{
    size_t i = 0;
    *plain = s[0] != '-';
    if (s[0] == '-')
        i++;
    if (i >= n || !is_digit(s[i]))
        return 0;
    if (s[i] == '0') {
        i++;
    } else {
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && s[i] == '.') {
        *plain = 0;
        if (++i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *plain = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    return i < n && number_char(s[i]) ? 0 : i;
}

/* Plain digits (no leading zero) whose value is at most INT64_MAX. */
static int fits_int64(const char *s, size_t len)
{
    static const char max[] = "9223372036854775807";
    return len < sizeof max - 1 || (len == sizeof max - 1 && memcmp(s, max, len) <= 0);
}

/* The nesting limit, and the numbers jansson must not see as written (see above): on
 * success *patched is NULL when nothing was replaced, else a malloc'd copy of h[0, n) with
 * the replacements. LSTMSENT_ERR_FORMAT when containers nest deeper than ST_MAX_DEPTH. */
static lstmsent_status scan_header(const char *h, size_t n, char **patched)
{
    *patched = NULL;
    size_t depth = 0;
    size_t i = 0;
    while (i < n) {
        char c = h[i];
        if (c == '"') {
            i = skip_string(h, n, i);
            continue;
        }
        if (c == '-' || is_digit(c)) {
            int plain;
            size_t len = number_token(h + i, n - i, &plain);
            if (len == 0) {
                /* Not a number jansson would read: it fails there, whatever we do. */
                while (i < n && number_char(h[i]))
                    i++;
                continue;
            }
            if (!plain || !fits_int64(h + i, len)) {
                /* len >= 2: a sign, a '.' or an 'e' comes with a digit, and an integer
                 * past INT64_MAX has 19 digits or more. */
                if (*patched == NULL) {
                    *patched = malloc(n);
                    if (*patched == NULL)
                        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory reading a "
                                              "header of %zu bytes", n);
                    memcpy(*patched, h, n);
                }
                memcpy(*patched + i, "-1", 2);
                memset(*patched + i + 2, ' ', len - 2);
            }
            i += len;
            continue;
        }
        if (c == '\0') {
            /* Never JSON, and jansson drops a NUL that follows a number or a word (its
             * lexer's look-ahead byte doubles as an end marker): "[1\0]" would read. */
            free(*patched);
            *patched = NULL;
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "header is not valid JSON: a NUL byte "
                                  "(at header byte %zu)", i);
        }
        if (c == '[' || c == '{') {
            if (++depth > ST_MAX_DEPTH) {
                free(*patched);
                *patched = NULL;
                return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                      "header is not valid JSON: arrays and objects nest "
                                      "deeper than %d (at header byte %zu)", ST_MAX_DEPTH, i);
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
        i++;
    }
    return LSTMSENT_OK;
}

/* The failure jansson reports, in the header's terms. */
static lstmsent_status json_failure(const json_error_t *e, size_t n)
{
    if (e->text[0] == '\0' || json_error_code(e) == json_error_out_of_memory)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory parsing a header of %zu bytes",
                              n);
    return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                          "header is not valid JSON: %s (line %d, column %d, %d bytes into "
                          "the header)", e->text, e->line, e->column, e->position);
}

/* Where a key lies: its string token h[start, end), the depth of the object holding it
 * (1: the header itself) and, at depth 2, the key of the header's member that object is
 * the value of (h[parent_start, parent_end)). */
typedef struct key_place {
    size_t start, end;
    size_t parent_start, parent_end;
    size_t depth;
} key_place;

/* The key whose closing quote ends at h[end - 1], found by reading from the start as
 * scan_header does (jansson read everything up to there, so both see the same tokens).
 * 0 when there is no string ending there. */
static int locate_key(const char *h, size_t n, size_t end, key_place *kp)
{
    size_t depth = 0, top_start = 0, top_end = 0;
    size_t i = 0;
    while (i < end && i < n) {
        char c = h[i];
        if (c == '"') {
            size_t e = skip_string(h, n, i);
            if (e == end) {
                *kp = (key_place){i, e, top_start, top_end, depth};
                return 1;
            }
            size_t j = e;
            while (j < n && is_json_space(h[j]))
                j++;
            if (depth == 1 && j < n && h[j] == ':') {
                top_start = i;
                top_end = e;
            }
            i = e;
            continue;
        }
        if (c == '[' || c == '{')
            depth++;
        else if ((c == ']' || c == '}') && depth > 0)
            depth--;
        i++;
    }
    return 0;
}

/* The string token h[start, end) decoded (a new reference), or NULL. */
static json_t *decode_string(const char *h, size_t start, size_t end)
{
    json_error_t e;
    json_t *s = json_loadb(h + start, end - start, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (s != NULL && !json_is_string(s)) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static int field_index(const char *key, size_t len);

/* jansson refused a key (twice in one object, or holding a NUL): the message of the rule
 * the key breaks, as the walk below would have put it. */
static lstmsent_status key_failure(const char *h, size_t n, const json_error_t *e)
{
    key_place kp;
    json_t *key = NULL, *parent = NULL;
    if (e->position > 0 && locate_key(h, n, (size_t)e->position, &kp) &&
        (kp.depth == 1 || kp.depth == 2)) {
        key = decode_string(h, kp.start, kp.end);
        if (kp.depth == 2 && kp.parent_end > kp.parent_start)
            parent = decode_string(h, kp.parent_start, kp.parent_end);
    }
    if (key == NULL || (kp.depth == 2 && parent == NULL)) {
        json_decref(key);
        json_decref(parent);
        return json_failure(e, n);
    }
    int twice = json_error_code(e) == json_error_duplicate_key;
    const char *k = json_string_value(key);
    size_t klen = json_string_length(key);
    char q[LSTMSENT__QUOTE_CAP], qp[LSTMSENT__QUOTE_CAP];
    lstmsent_status st;
    if (kp.depth == 1) {
        if (twice && strcmp(k, "__metadata__") == 0)
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT, "the header has '__metadata__' twice");
        else if (twice)
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor name '%s' appears twice in the "
                                "header", quote(q, k, klen));
        else
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor name '%s' holds a NUL character "
                                "(\\u0000)", quote(q, k, strlen(k)));
    } else if (strcmp(json_string_value(parent), "__metadata__") == 0) {
        if (twice)
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT, "'__metadata__' has the key '%s' twice",
                                quote(q, k, klen));
        else
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT, "'__metadata__' entry '%s' holds a NUL "
                                "character (\\u0000)", quote(q, k, strlen(k)));
    } else {
        const char *p = json_string_value(parent);
        quote(qp, p, strlen(p));
        if (twice && field_index(k, klen) >= 0)
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': field '%s' appears twice",
                                qp, k);
        else
            st = lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': unknown field '%s'", qp,
                                quote(q, k, klen));
    }
    json_decref(key);
    json_decref(parent);
    return st;
}

lstmsent_status lstmsent__st_parse_header(json_t **out, const char *text, size_t len)
{
    LSTMSENT__CHECK_NULL(out);
    *out = NULL;
    if (len > 0)
        LSTMSENT__CHECK_NULL(text);
    size_t bad;
    if (!lstmsent__utf8_valid(text, len, &bad))
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "header is not valid UTF-8 (at header byte "
                              "%zu)", bad);
    if (len == 0 || text[0] != '{')
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "header does not start with '{'");
    char *patched;
    lstmsent_status st = scan_header(text, len, &patched);
    if (st != LSTMSENT_OK)
        return st;
    const char *h = patched != NULL ? patched : text;
    /* No JSON_DISABLE_EOF_CHECK: what follows the object may only be white space, which
     * is how the reference writer pads (a NUL there is refused). */
    json_error_t e;
    json_t *root = json_loadb(h, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
    if (root == NULL) {
        enum json_error_code code = json_error_code(&e);
        if (code == json_error_duplicate_key || code == json_error_null_byte_in_key) {
            st = key_failure(h, len, &e);
        } else if (patched != NULL && e.text[0] != '\0' && code != json_error_out_of_memory) {
            /* jansson's message quotes the token it stopped at: take it from the text as
             * written, not from a -1 that replaced a number. That text fails too (at the
             * same place, or at a number jansson cannot hold before it). */
            json_error_t as_written;
            json_t *again = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                                       &as_written);
            if (again == NULL)
                e = as_written;
            json_decref(again);
            st = json_failure(&e, len);
        } else {
            st = json_failure(&e, len);
        }
    }
    free(patched);
    if (root != NULL)
        *out = root;
    return root != NULL ? LSTMSENT_OK : st;
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

/* Keys come from jansson, which refuses a NUL in one: strlen is their length. */
static lstmsent_status parse_metadata(lstmsent__st_file *f, json_t *obj, name_block *names)
{
    if (!json_is_object(obj))
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "'__metadata__' is not an object");
    char q[LSTMSENT__QUOTE_CAP];
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        size_t key_len = strlen(key);
        if (!json_is_string(value)) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "'__metadata__' value of '%s' is not a string",
                                  quote(q, key, key_len));
        }
        const char *text = json_string_value(value);
        size_t value_len = json_string_length(value);
        if (strlen(text) != value_len) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "'__metadata__' entry '%s' holds a NUL character (\\u0000)",
                                  quote(q, key, key_len));
        }
        f->meta[f->n_meta].key = keep(names, key, key_len);
        f->meta[f->n_meta].value = keep(names, text, value_len);
        f->n_meta++;
    }
    return LSTMSENT_OK;
}

/* The integers of a shape or of data_offsets: each a plain non-negative integer <= max
 * (the scan has made every other number -1). */
static int get_index(const json_t *v, uint64_t max, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

static const char *const fields[3] = {"dtype", "shape", "data_offsets"};

/* Which of the three fields key[0, len) is, or -1. */
static int field_index(const char *key, size_t len)
{
    for (int w = 0; w < 3; w++) {
        if (strlen(fields[w]) == len && memcmp(fields[w], key, len) == 0)
            return w;
    }
    return -1;
}

/* data_offsets are read as json_int_t, so they end at INT64_MAX (or SIZE_MAX, if less):
 * no file is larger. */
#define ST_MAX_OFFSET ((uint64_t)INT64_MAX < (uint64_t)SIZE_MAX ? (uint64_t)INT64_MAX \
                                                                 : (uint64_t)SIZE_MAX)

static lstmsent_status parse_tensor(lstmsent__st_tensor *t, json_t *obj)
{
    char qn[LSTMSENT__QUOTE_CAP], q[LSTMSENT__QUOTE_CAP];
    const char *name = quote(qn, t->name, strlen(t->name));   /* for the messages */
    if (!json_is_object(obj)) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': its entry is not an object of dtype, shape and "
                              "data_offsets", name);
    }
    json_t *at[3] = {NULL, NULL, NULL};   /* jansson has refused a field given twice */
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        int which = field_index(key, strlen(key));
        if (which < 0)
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': unknown field '%s'", name,
                                  quote(q, key, strlen(key)));
        at[which] = value;
    }
    for (int w = 0; w < 3; w++) {
        if (at[w] == NULL)
            return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': no '%s' field", name,
                                  fields[w]);
    }

    if (!json_is_string(at[0]))
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': dtype is not a string", name);
    const char *dtype = json_string_value(at[0]);
    size_t len = json_string_length(at[0]);
    if (!lstmsent__st_dtype_from_name(dtype, len, &t->dtype))
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': unknown dtype '%s'", name,
                              quote(q, dtype, len));

    const json_t *shape = at[1];
    if (!json_is_array(shape))
        return lstmsent__fail(LSTMSENT_ERR_FORMAT, "tensor '%s': shape is not an array", name);
    size_t ndim = json_array_size(shape);
    if (ndim > LSTMSENT__ST_MAX_DIMS) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': shape has %zu dimensions, more than the %d "
                              "supported", name, ndim, LSTMSENT__ST_MAX_DIMS);
    }
    t->ndim = (int)ndim;
    for (size_t d = 0; d < ndim; d++) {
        uint64_t v;
        if (!get_index(json_array_get(shape, d), INT64_MAX, &v)) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "tensor '%s': shape[%zu] is not an integer 0..%" PRId64,
                                  name, d, INT64_MAX);
        }
        t->shape[d] = (int64_t)v;
    }

    const json_t *offsets = at[2];
    if (!json_is_array(offsets) || json_array_size(offsets) != 2) {
        return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                              "tensor '%s': data_offsets is not an array [begin, end]", name);
    }
    uint64_t range[2];
    for (size_t e = 0; e < 2; e++) {
        if (!get_index(json_array_get(offsets, e), ST_MAX_OFFSET, &range[e])) {
            return lstmsent__fail(LSTMSENT_ERR_FORMAT,
                                  "tensor '%s': data_offsets[%zu] is not an integer 0..%" PRIu64,
                                  name, e, ST_MAX_OFFSET);
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

/* Everything after the JSON parse: the header's structure, then the data's layout. Members
 * come in the header's order (jansson keeps it), each key once (jansson has made sure). */
static lstmsent_status build_file(lstmsent__st_file *f, json_t *root)
{
    /* Count, then allocate once: the tensors, the metadata, one block for all text. */
    json_t *meta_obj = json_object_get(root, "__metadata__");
    size_t text = 0, n_meta = 0;
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        if (value != meta_obj)
            text += strlen(key) + 1;
    }
    if (json_is_object(meta_obj)) {
        n_meta = json_object_size(meta_obj);
        json_object_foreach(meta_obj, key, value) {
            text += strlen(key) + 1;
            if (json_is_string(value))
                text += json_string_length(value) + 1;
        }
    }
    size_t n_tensors = json_object_size(root) - (meta_obj != NULL);
    f->tensors = lstmsent__calloc_array(n_tensors, sizeof *f->tensors);
    f->meta = lstmsent__calloc_array(n_meta, sizeof *f->meta);
    f->names = malloc(text ? text : 1);
    if (f->tensors == NULL || f->meta == NULL || f->names == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory for %zu tensor entries",
                              n_tensors);
    name_block names = {f->names, 0};

    lstmsent_status st;
    json_object_foreach(root, key, value) {
        if (value == meta_obj) {
            st = parse_metadata(f, value, &names);
        } else {
            lstmsent__st_tensor *t = &f->tensors[f->n_tensors++];
            t->name = keep(&names, key, strlen(key));
            st = parse_tensor(t, value);
        }
        if (st != LSTMSENT_OK)
            return st;
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
    json_t *root;
    lstmsent_status st = lstmsent__st_parse_header(&root, (const char *)buf + 8, (size_t)n);
    if (st != LSTMSENT_OK)
        return st;

    lstmsent__st_file *f = calloc(1, sizeof *f);
    if (f == NULL) {
        json_decref(root);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory");
    }
    f->header_len = (size_t)n;
    f->data = buf + 8 + n;
    f->data_len = len - 8 - (size_t)n;
    st = build_file(f, root);
    json_decref(root);
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

int lstmsent__st_number(const char *s, double *out)
{
    /* Not jansson: its strtod swaps '.' for the first byte of the locale's decimal point,
     * which fails (and asserts) where that point is more than a byte (ps_AF). The grammar
     * is the header scan's, the conversion strtod's in the C locale of this thread. */
    size_t n = strlen(s), i = 0;
    while (i < n && is_json_space(s[i]))
        i++;
    int plain;
    size_t len = i < n ? number_token(s + i, n - i, &plain) : 0;
    size_t end = i + len;
    while (end < n && is_json_space(s[end]))
        end++;
    if (len == 0 || end != n)
        return 0;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return -1;
    locale_t was = uselocale(c);
    errno = 0;
    char *stop;
    double v = strtod(s + i, &stop);
    int ok = stop == s + i + len && !(errno == ERANGE && isinf(v));
    uselocale(was);
    freelocale(c);
    if (ok)
        *out = v;
    return ok;
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
        /* The offsets are written as json_int_t: the data may not pass INT64_MAX. */
        if (!lstmsent__mul_size(count, sizeof(float), &bytes) || bytes > SIZE_MAX - total ||
            (uint64_t)(total + bytes) > (uint64_t)INT64_MAX)
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

/* The file's first bytes: the 8-byte length, then the header, padded. */
typedef struct header_image {
    unsigned char *data;
    size_t len, cap;
} header_image;

static void header_image_free(header_image *w)
{
    free(w->data);
    *w = (header_image){NULL, 0, 0};
}

/* jansson's dump callback: append to the image; -1 (jansson gives up) when out of memory. */
static int append_to_image(const char *text, size_t size, void *data)
{
    header_image *w = data;
    if (size > w->cap - w->len) {
        size_t cap = w->cap;
        while (size > cap - w->len) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        unsigned char *d = realloc(w->data, cap);
        if (d == NULL)
            return -1;
        w->data = d;
        w->cap = cap;
    }
    memcpy(w->data + w->len, text, size);
    w->len += size;
    return 0;
}

/* A tensor's entry, {"dtype":"F32","shape":[...],"data_offsets":[begin,end]} in that
 * order; NULL when out of memory. (jansson's *_new calls take the reference they are
 * given even when they fail, and take NULL as a failure.) */
static json_t *tensor_entry(const lstmsent__st_out_tensor *t, size_t begin, size_t end)
{
    json_t *entry = json_object(), *shape = json_array(), *offsets = json_array();
    int ok = entry != NULL && shape != NULL && offsets != NULL;
    for (int d = 0; ok && d < t->ndim; d++)
        ok = json_array_append_new(shape, json_integer(t->shape[d])) == 0;
    ok = ok && json_array_append_new(offsets, json_integer((json_int_t)begin)) == 0 &&
         json_array_append_new(offsets, json_integer((json_int_t)end)) == 0 &&
         json_object_set_new(entry, "dtype", json_string("F32")) == 0;
    if (ok) {
        ok = json_object_set_new(entry, "shape", shape) == 0;
        shape = NULL;
    }
    if (ok) {
        ok = json_object_set_new(entry, "data_offsets", offsets) == 0;
        offsets = NULL;
    }
    json_decref(shape);
    json_decref(offsets);
    if (!ok) {
        json_decref(entry);
        return NULL;
    }
    return entry;
}

/* The header as a jansson object: "__metadata__" first when there is any, then the
 * tensors in the order given (jansson keeps the order of insertion when it writes). NULL
 * when out of memory. */
static json_t *header_object(const lstmsent__st_out_tensor *tensors, size_t n,
                             const size_t *numel, const lstmsent__st_pair *meta,
                             size_t n_meta, char sums[2][17])
{
    json_t *root = json_object();
    int ok = root != NULL;
    if (ok && n_meta > 0) {
        json_t *m = json_object();
        for (size_t i = 0; m != NULL && i < n_meta; i++) {
            const char *value = strcmp(meta[i].key, LSTMSENT__ST_SUM_HEADER) == 0 ? sums[0]
                                : strcmp(meta[i].key, LSTMSENT__ST_SUM_DATA) == 0   ? sums[1]
                                                                                   : meta[i].value;
            if (json_object_set_new(m, meta[i].key, json_string(value)) != 0) {
                json_decref(m);
                m = NULL;
            }
        }
        ok = json_object_set_new(root, "__metadata__", m) == 0;
    }
    size_t offset = 0;
    for (size_t i = 0; ok && i < n; i++) {
        size_t end = offset + numel[i] * sizeof(float);
        ok = json_object_set_new(root, tensors[i].name, tensor_entry(&tensors[i], offset, end))
             == 0;
        offset = end;
    }
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* The 8-byte length and the padded JSON header, into *w: jansson's compact form (no
 * space, the escapes JSON requires and no others: the bytes the library wrote before it
 * used jansson). */
static lstmsent_status build_header(header_image *w, const lstmsent__st_out_tensor *tensors,
                                    size_t n, const size_t *numel,
                                    const lstmsent__st_pair *meta, size_t n_meta)
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
    *w = (header_image){malloc(256), 8, 256};
    json_t *root = header_object(tensors, n, numel, meta, n_meta, sums);
    int ok = w->data != NULL && root != NULL &&
             json_dump_callback(root, append_to_image, w, JSON_COMPACT) == 0;
    json_decref(root);
    /* The reference writer pads with spaces so that the data starts 8-byte aligned. */
    while (ok && (w->len - 8) % 8 != 0)
        ok = append_to_image(" ", 1, w) == 0;
    if (!ok) {
        header_image_free(w);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory building the header");
    }
    if (w->len - 8 > LSTMSENT__ST_MAX_HEADER) {
        header_image_free(w);
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "the header would pass the %u-byte limit readers accept",
                              LSTMSENT__ST_MAX_HEADER);
    }
    write_le64(w->data, (uint64_t)(w->len - 8));
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
    header_image w;
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
        header_image_free(&w);
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
    header_image_free(&w);
    return LSTMSENT_OK;
}

static int write_floats(int fd, const float *x, size_t count)
{
    if (!ST_BIG_ENDIAN)
        return lstmsent__write_all(fd, x, count * sizeof(float));
    unsigned char buf[4096];
    while (count > 0) {
        size_t k = count < sizeof buf / 4 ? count : sizeof buf / 4;
        store_le_f32(buf, x, k);
        if (lstmsent__write_all(fd, buf, k * 4) != 0)
            return -1;
        x += k;
        count -= k;
    }
    return 0;
}

typedef struct save_job {
    const header_image *w;
    const lstmsent__st_out_tensor *tensors;
    size_t n;
    const size_t *numel;
} save_job;

static int write_model(int fd, void *ctx)
{
    const save_job *j = ctx;
    if (lstmsent__write_all(fd, j->w->data, j->w->len) != 0)
        return -1;
    for (size_t i = 0; i < j->n; i++)
        if (write_floats(fd, j->tensors[i].data, j->numel[i]) != 0)
            return -1;
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
    header_image w;
    lstmsent_status st = check_out_tensors(tensors, n, meta, n_meta, numel, &data_len);
    if (st == LSTMSENT_OK)
        st = build_header(&w, tensors, n, numel, meta, n_meta);
    if (st != LSTMSENT_OK) {
        free(numel);
        return with_path(st, path);
    }

    save_job job = {&w, tensors, n, numel};
    st = lstmsent__write_file_atomic(path, LSTMSENT__PATH_PREFIX, write_model, &job);
    free(numel);
    header_image_free(&w);
    return st;
}
