/*
 * The tutorial's tokeniser, phrase.lower().split(), for UTF-8 text. Python's str.lower()
 * is full lower-casing: simple case mapping (utf8proc's tables) except that U+0130 becomes
 * "i" + U+0307 and capital sigma becomes final sigma at the end of a word (the Final_Sigma
 * context of Unicode's SpecialCasing.txt, which CPython checks on the whole string).
 * str.split() splits on runs of str.isspace() characters. ASCII takes a fast path; every
 * other code point goes through utf8proc. tests/test_tokenize.c compares every code point
 * with what /usr/bin/python3 does (fixtures from tests/gen_unicode_fixture.py).
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "text.h"

int lstmsent__buf_reserve(lstmsent__buf *b, size_t extra)
{
    if (extra >= SIZE_MAX - b->len)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

void lstmsent__buf_free(lstmsent__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint64_t lstmsent__fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* str.isspace() for ASCII: \t \n \v \f \r, the separators \x1c-\x1f, and the space. */
static int ascii_space(uint8_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

int lstmsent__is_space(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 0 && ascii_space((uint8_t)cp);
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    return p->category == UTF8PROC_CATEGORY_ZS || p->bidi_class == UTF8PROC_BIDI_CLASS_WS ||
           p->bidi_class == UTF8PROC_BIDI_CLASS_B || p->bidi_class == UTF8PROC_BIDI_CLASS_S;
}

int lstmsent__has_space(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            if (ascii_space(u[i]))
                return 1;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k < 0)
            return 0;
        if (lstmsent__is_space(cp))
            return 1;
        i += (size_t)k;
    }
    return 0;
}

int lstmsent__is_case_ignorable(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_SK:
        return 1;
    default:
        break;
    }
    /* The rest of Case_Ignorable: Word_Break MidLetter, MidNumLet and Single_Quote, which
     * utf8proc does not record (its boundclass is the grapheme one). */
    switch (cp) {
    case 0x0027: case 0x002E: case 0x003A: case 0x00B7: case 0x0387: case 0x055F:
    case 0x05F4: case 0x2018: case 0x2019: case 0x2024: case 0x2027: case 0xFE13:
    case 0xFE52: case 0xFE55: case 0xFF07: case 0xFF0E: case 0xFF1A:
        return 1;
    default:
        return 0;
    }
}

int lstmsent__is_cased(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
        return 1;
    default:
        break;
    }
    /* Other_Lowercase / Other_Uppercase: most have a case mapping (Roman numerals, circled
     * letters) or are modifier letters, which are case-ignorable and so never asked. */
    if (utf8proc_tolower(cp) != cp || utf8proc_toupper(cp) != cp || utf8proc_totitle(cp) != cp)
        return 1;
    return cp == 0x00AA || cp == 0x00BA || (cp >= 0x1F130 && cp <= 0x1F149) ||
           (cp >= 0x1F150 && cp <= 0x1F169) || (cp >= 0x1F170 && cp <= 0x1F189);
}

int lstmsent__lower_cp(int32_t cp, int32_t out[3])
{
    if (cp < 0x80) {
        out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        return 1;
    }
    if (cp == 0x0130) {
        /* SpecialCasing.txt's one unconditional lower-case expansion. */
        out[0] = 0x0069;
        out[1] = 0x0307;
        return 2;
    }
    out[0] = utf8proc_tolower(cp);
    return 1;
}

/* CPython's handle_capital_sigma: the sigma at s[at..after) is final when a cased letter
 * comes before it, case-ignorable characters apart, and none comes after it. Everything
 * before `at` has been validated already; an invalid byte after it stops the scan (the
 * tokeniser reports it when it gets there). */
static int final_sigma(const uint8_t *s, size_t at, size_t after, size_t len)
{
    utf8proc_int32_t cp = -1;
    size_t j = at;
    int found = 0;
    while (j > 0) {
        size_t k = j - 1;
        while (k > 0 && (s[k] & 0xC0) == 0x80)
            k--;
        utf8proc_iterate(s + k, (utf8proc_ssize_t)(j - k), &cp);
        if (!lstmsent__is_case_ignorable(cp)) {
            found = 1;
            break;
        }
        j = k;
    }
    if (!found || !lstmsent__is_cased(cp))
        return 0;
    j = after;
    while (j < len) {
        utf8proc_ssize_t k = utf8proc_iterate(s + j, (utf8proc_ssize_t)(len - j), &cp);
        if (k < 0)
            return 1;
        if (!lstmsent__is_case_ignorable(cp))
            return !lstmsent__is_cased(cp);
        j += (size_t)k;
    }
    return 1;
}

void lstmsent__tokenizer_reset(lstmsent__tokenizer *t, const char *text, size_t len)
{
    t->text = (const uint8_t *)text;
    t->len = len;
    t->pos = 0;
    t->tok.len = 0;
}

int lstmsent__tokenizer_next(lstmsent__tokenizer *t, size_t *bad)
{
    const uint8_t *s = t->text;
    size_t n = t->len, i = t->pos;
    utf8proc_int32_t cp;
    utf8proc_ssize_t k;

    /* Skip the white space before the token. */
    for (;;) {
        if (i >= n) {
            t->pos = i;
            return 0;
        }
        if (s[i] < 0x80) {
            if (!ascii_space(s[i]))
                break;
            i++;
            continue;
        }
        k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k < 0) {
            *bad = i;
            t->pos = i;
            return LSTMSENT_ERR_UTF8;
        }
        if (!lstmsent__is_space(cp))
            break;
        i += (size_t)k;
    }

    lstmsent__buf *tok = &t->tok;
    tok->len = 0;
    while (i < n) {
        /* Room for one code point's lower case: at most 2 code points, 6 bytes. */
        if (tok->cap - tok->len < 8 && lstmsent__buf_reserve(tok, 8) != 0)
            return LSTMSENT_ERR_NOMEM;
        uint8_t c = s[i];
        if (c < 0x80) {
            if (ascii_space(c))
                break;
            tok->data[tok->len++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
            i++;
            continue;
        }
        k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k < 0) {
            *bad = i;
            t->pos = i;
            return LSTMSENT_ERR_UTF8;
        }
        if (lstmsent__is_space(cp))
            break;
        int32_t lo[3];
        int m;
        if (cp == 0x03A3) {
            lo[0] = final_sigma(s, i, i + (size_t)k, n) ? 0x03C2 : 0x03C3;
            m = 1;
        } else {
            m = lstmsent__lower_cp(cp, lo);
        }
        for (int q = 0; q < m; q++)
            tok->len += (size_t)utf8proc_encode_char(lo[q], (utf8proc_uint8_t *)tok->data + tok->len);
        i += (size_t)k;
    }
    tok->data[tok->len] = '\0';
    t->pos = i;
    return 1;
}
