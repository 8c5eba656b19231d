/*
 * A small strict JSON reader and writer for the library's own file headers (safetensors),
 * which come from untrusted files. The reader follows RFC 8259 exactly: no comments, no
 * trailing commas, no NaN, strings checked to be valid UTF-8, \uXXXX escapes (surrogate
 * pairs included) decoded to UTF-8. Input is a pointer and a length, never read past, and
 * need not end in NUL. Parsing is a loop over an explicit stack bounded by a depth limit,
 * so no input can exhaust the C stack.
 *
 * A parsed document is a flat array of tokens in document order (as jsmn does): a
 * container's children follow it, and each container knows where its subtree ends, so a
 * caller walks the tree without pointers. Token 0 is the top-level value. An object's
 * children alternate key (a STRING token) and value. Numbers keep their text, so integers
 * are read exactly.
 */
#ifndef LSTMSENT_JSON_H
#define LSTMSENT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

typedef enum lstmsent__json_type {
    LSTMSENT__JSON_NULL = 0,
    LSTMSENT__JSON_FALSE,
    LSTMSENT__JSON_TRUE,
    LSTMSENT__JSON_NUMBER,
    LSTMSENT__JSON_STRING,
    LSTMSENT__JSON_ARRAY,
    LSTMSENT__JSON_OBJECT
} lstmsent__json_type;

/* 12 bytes, so a hostile input of "0,0,0,..." costs at most 6 times its size. */
typedef struct lstmsent__json_token {
    uint32_t type; /* an lstmsent__json_type */
    uint32_t a;    /* STRING: offset in doc->strings; NUMBER: offset in the input;
                      ARRAY / OBJECT: number of elements / members */
    uint32_t b;    /* STRING / NUMBER: length in bytes; ARRAY / OBJECT: index of the first
                      token after the container's subtree */
} lstmsent__json_token;

typedef struct lstmsent__json_doc {
    lstmsent__json_token *tokens;
    size_t n_tokens;
    size_t cap_tokens;
    char *strings;      /* decoded strings, each followed by a NUL */
    size_t strings_len;
    const char *input;  /* the text parsed, borrowed */
    size_t input_len;
    /* After a failed parse: what went wrong and at which byte of the input. */
    size_t error_offset;
    char error[160];
} lstmsent__json_doc;

/* The depth limit callers use unless they have a reason: far more than any header needs. */
#define LSTMSENT__JSON_DEFAULT_DEPTH 64
/* Inputs longer than this are refused (token fields are 32-bit). */
#define LSTMSENT__JSON_MAX_INPUT ((size_t)UINT32_MAX - 1)

/* Parse exactly one JSON value from text[0, len), allowing white space around it.
 * Containers nest at most max_depth deep (1 = a flat array or object).
 * Returns LSTMSENT_OK; LSTMSENT_ERR_FORMAT for text that is not JSON (doc->error and
 * doc->error_offset say why and where); LSTMSENT_ERR_NOMEM. Does not record a
 * thread-wide message: the caller knows the context and does. The doc is always left
 * ready for lstmsent__json_doc_free, also after a failure. */
lstmsent_status lstmsent__json_parse(lstmsent__json_doc *doc, const char *text, size_t len,
                                     int max_depth);
void lstmsent__json_doc_free(lstmsent__json_doc *doc);

/* ---- walking a parsed document (i is a token index < doc->n_tokens) ---------------- */

lstmsent__json_type lstmsent__json_type_of(const lstmsent__json_doc *doc, size_t i);
/* Elements of an array, members of an object, 0 for anything else. */
size_t lstmsent__json_count(const lstmsent__json_doc *doc, size_t i);
/* The token after i and everything inside it: the next sibling, if there is one. */
size_t lstmsent__json_skip(const lstmsent__json_doc *doc, size_t i);
/* A STRING's decoded bytes (NUL-terminated; *len excludes the NUL and counts any NUL
 * that came from a \u0000 escape). NULL for any other type. */
const char *lstmsent__json_string(const lstmsent__json_doc *doc, size_t i, size_t *len);
/* 1 and *out set when the token is a NUMBER written as a plain non-negative integer
 * (digits only: no sign, fraction or exponent) that fits; else 0 and *out untouched. */
int lstmsent__json_get_u64(const lstmsent__json_doc *doc, size_t i, uint64_t *out);
/* 1 and *out set when the token is a NUMBER written as an integer (an optional '-', then
 * digits) that fits an int64_t; else 0. */
int lstmsent__json_get_i64(const lstmsent__json_doc *doc, size_t i, int64_t *out);
/* 1 and *out set for any NUMBER whose value is finite as a double (rounded as strtod
 * does, whatever the locale); 0 for other tokens or magnitudes past DBL_MAX. */
int lstmsent__json_get_double(const lstmsent__json_doc *doc, size_t i, double *out);
/* The value of the first member of object obj whose key is key[0, key_len); 0 (never a
 * member value's index) when there is none or obj is not an object. */
size_t lstmsent__json_object_get(const lstmsent__json_doc *doc, size_t obj, const char *key,
                                 size_t key_len);
/* Duplicate keys are valid JSON but ambiguous, so the parser keeps them and this finds
 * them: 1 with *dup_key = the index of a key token that repeats an earlier key of object
 * obj; 0 when the keys are distinct; -1 when out of memory. O(n log n). */
int lstmsent__json_find_duplicate_key(const lstmsent__json_doc *doc, size_t obj,
                                      size_t *dup_key);

/* ---- writing ------------------------------------------------------------------------- */

/* A growing text buffer with a sticky status: after the first failure every call is a
 * no-op and status says what failed, so a writer checks once at the end. */
typedef struct lstmsent__json_writer {
    char *data;             /* NUL-terminated while status is OK */
    size_t len;
    size_t cap;
    lstmsent_status status; /* LSTMSENT_OK, LSTMSENT_ERR_NOMEM or LSTMSENT_ERR_UTF8 */
} lstmsent__json_writer;

void lstmsent__json_writer_init(lstmsent__json_writer *w);
void lstmsent__json_writer_free(lstmsent__json_writer *w);
/* Append bytes as they are (punctuation, padding). */
void lstmsent__json_write_raw(lstmsent__json_writer *w, const char *s, size_t n);
/* Append s[0, n) as a quoted JSON string: '"' and '\\' escaped, control characters as
 * \b \f \n \r \t or \u00XX, everything else (valid UTF-8) as it is. Text that is not
 * valid UTF-8 sets status to LSTMSENT_ERR_UTF8, since no JSON string could hold it. */
void lstmsent__json_write_string(lstmsent__json_writer *w, const char *s, size_t n);
void lstmsent__json_write_u64(lstmsent__json_writer *w, uint64_t v);
void lstmsent__json_write_i64(lstmsent__json_writer *w, int64_t v);

#endif /* LSTMSENT_JSON_H */
