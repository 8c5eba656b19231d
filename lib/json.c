/*
 * The strict JSON reader and the small writer of json.h. The reader checks the whole input
 * as UTF-8 first (as the reference safetensors reader does), then tokenises it in one
 * loop: containers go on an explicit stack whose size is the depth limit, so neither deep
 * nesting nor long input can recurse or run past the buffer.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* ---- reader ---------------------------------------------------------------------------- */

typedef struct parser {
    lstmsent__json_doc *doc;
    const unsigned char *s;
    size_t n;
    size_t pos;
    uint32_t *stack; /* token indices of the open containers */
    int depth;
    int max_depth;
} parser;

static lstmsent_status syntax_error(parser *p, size_t at, const char *fmt, ...)
    LSTMSENT__PRINTF(3, 4);

static lstmsent_status syntax_error(parser *p, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->doc->error, sizeof p->doc->error, fmt, ap);
    va_end(ap);
    p->doc->error_offset = at;
    return LSTMSENT_ERR_FORMAT;
}

static lstmsent_status out_of_memory(parser *p)
{
    snprintf(p->doc->error, sizeof p->doc->error, "out of memory");
    p->doc->error_offset = p->pos;
    return LSTMSENT_ERR_NOMEM;
}

/* A character for a message: itself when printable ASCII, else its byte value. */
static void describe_byte(unsigned c, char *buf, size_t cap)
{
    if (c >= 0x21 && c <= 0x7E)
        snprintf(buf, cap, "'%c'", (char)c);
    else
        snprintf(buf, cap, "byte 0x%02X", c);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->n) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static lstmsent_status push_token(parser *p, lstmsent__json_type type, uint32_t a, uint32_t b,
                                  size_t *index)
{
    lstmsent__json_doc *doc = p->doc;
    if (doc->n_tokens == doc->cap_tokens) {
        /* Every token takes at least one byte of input, so this never passes UINT32_MAX. */
        size_t cap = doc->cap_tokens ? doc->cap_tokens * 2 : 16;
        lstmsent__json_token *t = realloc(doc->tokens, cap * sizeof *t);
        if (t == NULL)
            return out_of_memory(p);
        doc->tokens = t;
        doc->cap_tokens = cap;
    }
    doc->tokens[doc->n_tokens] = (lstmsent__json_token){(uint32_t)type, a, b};
    if (index != NULL)
        *index = doc->n_tokens;
    doc->n_tokens++;
    return LSTMSENT_OK;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The four hex digits at s[at, at + 4) as a code unit, or -1. */
static long hex4(const parser *p, size_t at)
{
    if (p->n - at < 4)
        return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hex_value(p->s[at + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The string starting at the '"' at p->pos, decoded into doc->strings. The decoded form
 * never outgrows the source (an escape shrinks or keeps its size; the two quotes make room
 * for the NUL), so doc->strings, sized once to the input, cannot overflow. */
static lstmsent_status parse_string(parser *p)
{
    lstmsent__json_doc *doc = p->doc;
    if (doc->strings == NULL) {
        doc->strings = malloc(p->n + 1);
        if (doc->strings == NULL)
            return out_of_memory(p);
    }
    size_t open = p->pos++;
    size_t start = doc->strings_len;
    char *out = doc->strings + start;
    size_t o = 0;
    for (;;) {
        if (p->pos >= p->n)
            return syntax_error(p, open, "unterminated string");
        unsigned char c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            return syntax_error(p, p->pos,
                                "control character 0x%02X in a string must be escaped", c);
        }
        if (c != '\\') {
            /* The input was checked as UTF-8 up front: copy the sequence whole. */
            size_t len = c < 0x80 ? 1 : lstmsent__utf8_seq_len(p->s + p->pos, p->n - p->pos);
            memcpy(out + o, p->s + p->pos, len);
            o += len;
            p->pos += len;
            continue;
        }
        size_t esc = p->pos;
        if (p->n - p->pos < 2)
            return syntax_error(p, open, "unterminated string");
        unsigned char e = p->s[p->pos + 1];
        p->pos += 2;
        switch (e) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            long cp = hex4(p, p->pos);
            if (cp < 0)
                return syntax_error(p, esc, "\\u must be followed by four hex digits");
            p->pos += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return syntax_error(p, esc, "\\u%04lX is a low surrogate with no high one "
                                            "before it", cp);
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = -1;
                if (p->n - p->pos >= 2 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u')
                    lo = hex4(p, p->pos + 2);
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    return syntax_error(p, esc, "\\u%04lX is a high surrogate not followed "
                                                "by a \\u escape of a low one", cp);
                }
                p->pos += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            o += put_utf8(out + o, (unsigned long)cp);
            break;
        }
        default: {
            char what[16];
            describe_byte(e, what, sizeof what);
            return syntax_error(p, esc, "invalid escape: backslash followed by %s", what);
        }
        }
    }
    out[o] = '\0';
    doc->strings_len += o + 1;
    return push_token(p, LSTMSENT__JSON_STRING, (uint32_t)start, (uint32_t)o, NULL);
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and nothing else (RFC 8259, section 6). */
static lstmsent_status parse_number(parser *p)
{
    size_t start = p->pos;
    if (p->s[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->n || !is_digit(p->s[p->pos]))
        return syntax_error(p, start, "a number needs a digit after its sign");
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->n && is_digit(p->s[p->pos]))
            return syntax_error(p, start, "a number may not have a leading zero");
    } else {
        while (p->pos < p->n && is_digit(p->s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->n && p->s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->n || !is_digit(p->s[p->pos]))
            return syntax_error(p, start, "a number needs a digit after its '.'");
        while (p->pos < p->n && is_digit(p->s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->n || !is_digit(p->s[p->pos]))
            return syntax_error(p, start, "a number needs a digit in its exponent");
        while (p->pos < p->n && is_digit(p->s[p->pos]))
            p->pos++;
    }
    return push_token(p, LSTMSENT__JSON_NUMBER, (uint32_t)start, (uint32_t)(p->pos - start),
                      NULL);
}

static lstmsent_status parse_literal(parser *p, const char *word, lstmsent__json_type type)
{
    size_t len = strlen(word);
    if (p->n - p->pos < len || memcmp(p->s + p->pos, word, len) != 0) {
        char what[16];
        describe_byte(p->s[p->pos], what, sizeof what);
        return syntax_error(p, p->pos, "unexpected %s where a value should be", what);
    }
    p->pos += len;
    return push_token(p, type, 0, 0, NULL);
}

/* After '{' or ',' in an object: a key, then ':'. */
static lstmsent_status parse_key(parser *p)
{
    skip_ws(p);
    if (p->pos >= p->n)
        return syntax_error(p, p->pos, "unexpected end of input where an object key should be");
    if (p->s[p->pos] != '"') {
        char what[16];
        describe_byte(p->s[p->pos], what, sizeof what);
        return syntax_error(p, p->pos, "unexpected %s where an object key (a string) should be",
                            what);
    }
    lstmsent_status st = parse_string(p);
    if (st != LSTMSENT_OK)
        return st;
    skip_ws(p);
    if (p->pos >= p->n || p->s[p->pos] != ':')
        return syntax_error(p, p->pos, "expected ':' after an object key");
    p->pos++;
    return LSTMSENT_OK;
}

static lstmsent_status parse_all(parser *p)
{
    lstmsent__json_doc *doc = p->doc;
    lstmsent_status st;
    for (;;) {
        /* One value starts here. */
        skip_ws(p);
        if (p->pos >= p->n)
            return syntax_error(p, p->pos, "unexpected end of input where a value should be");
        unsigned char c = p->s[p->pos];
        if (c == '{' || c == '[') {
            if (p->depth >= p->max_depth) {
                return syntax_error(p, p->pos, "arrays and objects nest deeper than %d",
                                    p->max_depth);
            }
            size_t idx;
            st = push_token(p, c == '{' ? LSTMSENT__JSON_OBJECT : LSTMSENT__JSON_ARRAY, 0, 0,
                            &idx);
            if (st != LSTMSENT_OK)
                return st;
            p->stack[p->depth++] = (uint32_t)idx;
            p->pos++;
            skip_ws(p);
            if (p->pos < p->n && p->s[p->pos] == (c == '{' ? '}' : ']')) {
                p->pos++;
                doc->tokens[idx].b = (uint32_t)doc->n_tokens;
                p->depth--;
            } else {
                if (c == '{' && (st = parse_key(p)) != LSTMSENT_OK)
                    return st;
                continue; /* to the first element or member value */
            }
        } else if (c == '"') {
            if ((st = parse_string(p)) != LSTMSENT_OK)
                return st;
        } else if (c == '-' || is_digit(c)) {
            if ((st = parse_number(p)) != LSTMSENT_OK)
                return st;
        } else if (c == 't') {
            if ((st = parse_literal(p, "true", LSTMSENT__JSON_TRUE)) != LSTMSENT_OK)
                return st;
        } else if (c == 'f') {
            if ((st = parse_literal(p, "false", LSTMSENT__JSON_FALSE)) != LSTMSENT_OK)
                return st;
        } else if (c == 'n') {
            if ((st = parse_literal(p, "null", LSTMSENT__JSON_NULL)) != LSTMSENT_OK)
                return st;
        } else {
            char what[16];
            describe_byte(c, what, sizeof what);
            return syntax_error(p, p->pos, "unexpected %s where a value should be", what);
        }

        /* A value is complete: it belongs to the innermost open container, which then
         * goes on with ',' or closes, and a close completes that container in turn. */
        for (;;) {
            if (p->depth == 0) {
                skip_ws(p);
                if (p->pos != p->n)
                    return syntax_error(p, p->pos, "unexpected text after the JSON value");
                return LSTMSENT_OK;
            }
            uint32_t top = p->stack[p->depth - 1];
            int is_object = doc->tokens[top].type == LSTMSENT__JSON_OBJECT;
            doc->tokens[top].a++;
            skip_ws(p);
            if (p->pos >= p->n) {
                return syntax_error(p, p->pos, "unexpected end of input inside an %s",
                                    is_object ? "object" : "array");
            }
            c = p->s[p->pos];
            if (c == ',') {
                p->pos++;
                if (is_object && (st = parse_key(p)) != LSTMSENT_OK)
                    return st;
                break; /* to the next value */
            }
            if (c == (is_object ? '}' : ']')) {
                p->pos++;
                doc->tokens[top].b = (uint32_t)doc->n_tokens;
                p->depth--;
                continue;
            }
            char what[16];
            describe_byte(c, what, sizeof what);
            return syntax_error(p, p->pos, "unexpected %s: expected ',' or '%c'", what,
                                is_object ? '}' : ']');
        }
    }
}

lstmsent_status lstmsent__json_parse(lstmsent__json_doc *doc, const char *text, size_t len,
                                     int max_depth)
{
    memset(doc, 0, sizeof *doc);
    doc->input = text;
    doc->input_len = len;
    parser p = {doc, (const unsigned char *)text, len, 0, NULL, 0, max_depth < 0 ? 0 : max_depth};
    if (len > LSTMSENT__JSON_MAX_INPUT)
        return syntax_error(&p, 0, "input of %zu bytes is too long", len);
    size_t bad;
    if (!lstmsent__utf8_valid(text, len, &bad))
        return syntax_error(&p, bad, "not valid UTF-8");
    /* Each open container has at least one byte of input behind it. */
    size_t stack_len = (size_t)p.max_depth < len ? (size_t)p.max_depth : len;
    p.stack = malloc((stack_len + 1) * sizeof *p.stack);
    if (p.stack == NULL)
        return out_of_memory(&p);
    lstmsent_status st = parse_all(&p);
    free(p.stack);
    return st;
}

void lstmsent__json_doc_free(lstmsent__json_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->tokens);
    free(doc->strings);
    doc->tokens = NULL;
    doc->strings = NULL;
    doc->n_tokens = doc->cap_tokens = doc->strings_len = 0;
}

/* ---- walking --------------------------------------------------------------------------- */

lstmsent__json_type lstmsent__json_type_of(const lstmsent__json_doc *doc, size_t i)
{
    return (lstmsent__json_type)doc->tokens[i].type;
}

size_t lstmsent__json_count(const lstmsent__json_doc *doc, size_t i)
{
    uint32_t type = doc->tokens[i].type;
    if (type == LSTMSENT__JSON_ARRAY || type == LSTMSENT__JSON_OBJECT)
        return doc->tokens[i].a;
    return 0;
}

size_t lstmsent__json_skip(const lstmsent__json_doc *doc, size_t i)
{
    uint32_t type = doc->tokens[i].type;
    if (type == LSTMSENT__JSON_ARRAY || type == LSTMSENT__JSON_OBJECT)
        return doc->tokens[i].b;
    return i + 1;
}

const char *lstmsent__json_string(const lstmsent__json_doc *doc, size_t i, size_t *len)
{
    if (doc->tokens[i].type != LSTMSENT__JSON_STRING)
        return NULL;
    if (len != NULL)
        *len = doc->tokens[i].b;
    return doc->strings + doc->tokens[i].a;
}

static const char *number_text(const lstmsent__json_doc *doc, size_t i, size_t *len)
{
    if (doc->tokens[i].type != LSTMSENT__JSON_NUMBER)
        return NULL;
    *len = doc->tokens[i].b;
    return doc->input + doc->tokens[i].a;
}

/* Digits only, into *out; 0 when there are none, something else, or the value passes max. */
static int digits_to_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0)
        return 0;
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++) {
        if (!is_digit((unsigned char)s[k]))
            return 0;
        unsigned d = (unsigned)(s[k] - '0');
        if (v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int lstmsent__json_get_u64(const lstmsent__json_doc *doc, size_t i, uint64_t *out)
{
    size_t n;
    const char *s = number_text(doc, i, &n);
    return s != NULL && digits_to_u64(s, n, UINT64_MAX, out);
}

int lstmsent__json_get_i64(const lstmsent__json_doc *doc, size_t i, int64_t *out)
{
    size_t n;
    const char *s = number_text(doc, i, &n);
    if (s == NULL)
        return 0;
    uint64_t mag;
    if (s[0] == '-') {
        if (!digits_to_u64(s + 1, n - 1, (uint64_t)INT64_MAX + 1, &mag))
            return 0;
        /* -2^63 has no positive counterpart: build it without overflowing. */
        *out = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
        return 1;
    }
    if (!digits_to_u64(s, n, (uint64_t)INT64_MAX, &mag))
        return 0;
    *out = (int64_t)mag;
    return 1;
}

int lstmsent__json_get_double(const lstmsent__json_doc *doc, size_t i, double *out)
{
    size_t n;
    const char *s = number_text(doc, i, &n);
    if (s == NULL)
        return 0;
    /* strtod reads the locale's decimal point, so swap JSON's '.' for it. */
    const char *point = localeconv()->decimal_point;
    if (point == NULL || point[0] == '\0')
        point = ".";
    size_t point_len = strlen(point);
    char small[128];
    size_t need = n + point_len + 1;
    char *buf = need <= sizeof small ? small : malloc(need);
    if (buf == NULL)
        return 0;
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] == '.') {
            memcpy(buf + o, point, point_len);
            o += point_len;
        } else {
            buf[o++] = s[k];
        }
    }
    buf[o] = '\0';
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    int ok = end == buf + o && !(errno == ERANGE && isinf(v));
    if (buf != small)
        free(buf);
    if (ok)
        *out = v;
    return ok;
}

size_t lstmsent__json_object_get(const lstmsent__json_doc *doc, size_t obj, const char *key,
                                 size_t key_len)
{
    if (doc->tokens[obj].type != LSTMSENT__JSON_OBJECT)
        return 0;
    size_t k = obj + 1;
    for (size_t m = 0; m < doc->tokens[obj].a; m++) {
        size_t len = 0;
        const char *name = lstmsent__json_string(doc, k, &len);
        if (len == key_len && memcmp(name, key, len) == 0)
            return k + 1;
        k = lstmsent__json_skip(doc, k + 1);
    }
    return 0;
}

typedef struct key_ref {
    const char *s;
    size_t len;
    size_t index;
} key_ref;

static int compare_keys(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

int lstmsent__json_find_duplicate_key(const lstmsent__json_doc *doc, size_t obj,
                                      size_t *dup_key)
{
    size_t count = lstmsent__json_count(doc, obj);
    if (doc->tokens[obj].type != LSTMSENT__JSON_OBJECT || count < 2)
        return 0;
    key_ref *keys = lstmsent__alloc_array(count, sizeof *keys);
    if (keys == NULL)
        return -1;
    size_t k = obj + 1;
    for (size_t m = 0; m < count; m++) {
        keys[m].s = lstmsent__json_string(doc, k, &keys[m].len);
        keys[m].index = k;
        k = lstmsent__json_skip(doc, k + 1);
    }
    qsort(keys, count, sizeof *keys, compare_keys);
    /* Sorted by text then position: every key but the first of an equal run repeats an
     * earlier one. Report the repeat that comes first in the document. */
    int found = 0;
    size_t best = 0;
    for (size_t m = 1; m < count; m++) {
        if (keys[m].len == keys[m - 1].len && memcmp(keys[m].s, keys[m - 1].s, keys[m].len) == 0
            && (!found || keys[m].index < best)) {
            best = keys[m].index;
            found = 1;
        }
    }
    free(keys);
    if (found)
        *dup_key = best;
    return found;
}

/* ---- writer ---------------------------------------------------------------------------- */

void lstmsent__json_writer_init(lstmsent__json_writer *w)
{
    w->data = NULL;
    w->len = 0;
    w->cap = 0;
    w->status = LSTMSENT_OK;
}

void lstmsent__json_writer_free(lstmsent__json_writer *w)
{
    free(w->data);
    lstmsent__json_writer_init(w);
}

/* Room for n more bytes and a NUL; 0 once anything has failed. */
static int reserve(lstmsent__json_writer *w, size_t n)
{
    if (w->status != LSTMSENT_OK)
        return 0;
    if (n > SIZE_MAX - 1 - w->len) {
        w->status = LSTMSENT_ERR_NOMEM;
        return 0;
    }
    size_t need = w->len + n + 1;
    if (need <= w->cap)
        return 1;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *d = realloc(w->data, cap);
    if (d == NULL) {
        w->status = LSTMSENT_ERR_NOMEM;
        return 0;
    }
    w->data = d;
    w->cap = cap;
    return 1;
}

void lstmsent__json_write_raw(lstmsent__json_writer *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->data + w->len, s, n);
    w->len += n;
    w->data[w->len] = '\0';
}

void lstmsent__json_write_string(lstmsent__json_writer *w, const char *s, size_t n)
{
    if (w->status != LSTMSENT_OK)
        return;
    if (!lstmsent__utf8_valid(s, n, NULL)) {
        w->status = LSTMSENT_ERR_UTF8;
        return;
    }
    lstmsent__json_write_raw(w, "\"", 1);
    size_t run = 0; /* bytes at s[run_start...] that need no escape, written in one go */
    size_t run_start = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        const char *esc = NULL;
        char buf[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(buf, sizeof buf, "\\u%04X", c);
                esc = buf;
            }
        }
        if (esc == NULL) {
            run++;
            continue;
        }
        lstmsent__json_write_raw(w, s + run_start, run);
        lstmsent__json_write_raw(w, esc, strlen(esc));
        run = 0;
        run_start = k + 1;
    }
    lstmsent__json_write_raw(w, s + run_start, run);
    lstmsent__json_write_raw(w, "\"", 1);
}

void lstmsent__json_write_u64(lstmsent__json_writer *w, uint64_t v)
{
    char buf[24];
    size_t k = sizeof buf;
    do {
        buf[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    lstmsent__json_write_raw(w, buf + k, sizeof buf - k);
}

void lstmsent__json_write_i64(lstmsent__json_writer *w, int64_t v)
{
    if (v < 0) {
        lstmsent__json_write_raw(w, "-", 1);
        /* -(v + 1) + 1 keeps INT64_MIN in range. */
        lstmsent__json_write_u64(w, (uint64_t)(-(v + 1)) + 1);
    } else {
        lstmsent__json_write_u64(w, (uint64_t)v);
    }
}
