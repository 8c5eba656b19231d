/*
 * Strict UTF-8 checking (RFC 3629, as Python's decoder): every reader of text calls it,
 * the TSV reader and the safetensors header among them, and the messages quote with it.
 */
#include <string.h>

#include "internal.h"

/* Length (1..4) of the well-formed UTF-8 sequence at s[0, n) (no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0 when there is none. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    /* The second byte's range depends on the first: that is what rules out overlong forms
     * (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points past U+10FFFF
     * (F4 90..BF). Table 3-7 of the Unicode standard. */
    unsigned lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++) {
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    }
    return len;
}

int lstmsent__utf8_valid(const char *s, size_t n, size_t *bad_offset)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* Eight ASCII bytes at a time: the phrases are nearly all ASCII. */
        if (n - i >= 8) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = seq_len(u + i, n - i);
        if (len == 0) {
            if (bad_offset != NULL)
                *bad_offset = i;
            return 0;
        }
        i += len;
    }
    return 1;
}
