/*
 * The error model: status texts, the per-thread detailed message of the last failure,
 * the quoting of input in messages, the version getters, and the small allocation helpers
 * every module uses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* One message buffer per thread, so concurrent users of distinct handles do not overwrite
 * each other's messages. Long messages are cut; the status code is never lost. */
static _Thread_local char last_error[1024];

unsigned lstmsent_version_number(void)
{
    return LSTMSENT_VERSION_NUMBER;
}

const char *lstmsent_version_string(void)
{
    return LSTMSENT_VERSION_STRING;
}

const char *lstmsent_strerror(int status)
{
    switch (status) {
    case LSTMSENT_OK: return "success";
    case LSTMSENT_ERR_NOMEM: return "out of memory";
    case LSTMSENT_ERR_NULL: return "a required argument is NULL";
    case LSTMSENT_ERR_INVALID: return "an argument or option is out of range";
    case LSTMSENT_ERR_IO: return "a file cannot be read or written";
    case LSTMSENT_ERR_EMPTY: return "the input holds no data";
    case LSTMSENT_ERR_HEADER: return "missing header line or required column";
    case LSTMSENT_ERR_FIELDS: return "a row has the wrong number of fields";
    case LSTMSENT_ERR_LABEL: return "a label is not an integer in its range";
    case LSTMSENT_ERR_UTF8: return "invalid UTF-8";
    case LSTMSENT_ERR_UNKNOWN_WORD: return "a word is not in the vocabulary";
    case LSTMSENT_ERR_VOCAB: return "malformed vocabulary (empty or duplicate word)";
    case LSTMSENT_ERR_SHAPE: return "sizes that must agree do not";
    case LSTMSENT_ERR_BUFFER: return "a buffer is too small or of the wrong size";
    case LSTMSENT_ERR_TOKEN: return "a token id is outside the embedding";
    case LSTMSENT_ERR_STATE: return "calls made out of order";
    case LSTMSENT_ERR_NO_PARAM: return "no parameter of that name";
    case LSTMSENT_ERR_NONFINITE: return "a value is NaN or infinite";
    case LSTMSENT_ERR_MISMATCH: return "objects that do not belong together";
    case LSTMSENT_ERR_FORMAT: return "malformed model file";
    case LSTMSENT_ERR_MISSING_TENSOR: return "a tensor is missing from the model file";
    case LSTMSENT_ERR_TENSOR_SHAPE: return "a tensor of the model file has the wrong shape";
    case LSTMSENT_ERR_TENSOR_DTYPE: return "a tensor of the model file is not float32";
    case LSTMSENT_ERR_UNKNOWN_TENSOR: return "the model file holds an unknown tensor";
    case LSTMSENT_ERR_METADATA: return "missing or malformed metadata in the model file";
    case LSTMSENT_ERR_VERSION: return "unsupported model file format or version";
    case LSTMSENT_ERR_DIGEST: return "the vocabulary does not match its digest";
    case LSTMSENT_ERR_CHECKSUM: return "a model file's checksum does not match its contents";
    default: return "unknown status";
    }
}

const char *lstmsent_last_error(void)
{
    return last_error;
}

lstmsent_status lstmsent__fail(lstmsent_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

void lstmsent__clear_error(void)
{
    last_error[0] = '\0';
}

const char *lstmsent__quote(char *buf, const char *s, size_t n, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    if (max > 60)
        max = 60;
    /* Room for the longest step (4 bytes: a \xNN or a 4-byte character), "..." and NUL. */
    while (i < n && i < max && o + 4 + 3 + 1 <= LSTMSENT__QUOTE_CAP) {
        unsigned char c = u[i];
        size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (c >= 0x80 && (k == 1 || i + k > n || !lstmsent__utf8_valid(s + i, k, NULL)))
            k = 0;   /* not a character: escaped byte by byte */
        if (k > 1 || (k == 1 && c >= 0x20 && c != 0x7f && c != '\\')) {
            memcpy(buf + o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        buf[o++] = '\\';
        if (c == '\t' || c == '\n' || c == '\r' || c == '\\') {
            buf[o++] = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
        } else {
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
        i++;
    }
    if (i < n) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

int lstmsent__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

void *lstmsent__alloc_array(size_t n, size_t size)
{
    size_t bytes;
    if (!lstmsent__mul_size(n, size, &bytes))
        return NULL;
    return malloc(bytes ? bytes : 1);
}

void *lstmsent__calloc_array(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    return calloc(n, size);
}

/* calloc, over-allocated by one 64-byte line and aligned inside it, the pointer calloc gave
 * kept just before the aligned block. calloc rather than aligned_alloc + a loop of zeros:
 * for a large block it maps fresh pages that the kernel zeroes when they are first touched,
 * so memory that is reserved and never used (a workspace sized for the longest possible
 * batch) stays out of the resident set. */
float *lstmsent__alloc_floats(size_t n)
{
    size_t bytes;
    if (!lstmsent__mul_size(n ? n : 1, sizeof(float), &bytes) || bytes > SIZE_MAX - 128)
        return NULL;
    unsigned char *raw = calloc(1, bytes + 64 + sizeof(void *));
    if (raw == NULL)
        return NULL;
    uintptr_t at = ((uintptr_t)(raw + sizeof(void *)) + 63) / 64 * 64;
    memcpy((unsigned char *)at - sizeof(void *), &raw, sizeof raw);
    return (float *)at;
}

void lstmsent__free_aligned(void *p)
{
    if (p == NULL)
        return;
    void *raw;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof raw);
    free(raw);
}
