/*
 * The tokeniser against Python itself: phrases with non-ASCII capitals, final sigmas and
 * Unicode spaces, and which byte strings are valid UTF-8, as /usr/bin/python3 sees them
 * (tests/gen_unicode_fixture.py, tests/README.md); the tokeniser's buffers and error
 * offsets. test_unicode.c checks every code point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "tap_main.h"
#include "text.h"

/* Bytes from hex digits; returns the length. */
static size_t unhex(const char *hex, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i + 2 <= n; i += 2) {
        unsigned v;
        char two[3] = {hex[i], hex[i + 1], '\0'};
        ck_assert_int_eq(sscanf(two, "%x", &v), 1);
        out[len++] = (char)v;
    }
    return len;
}

START_TEST(test_phrases_and_utf8_like_python)
{
    char *text = test_slurp("tokenize_cases.txt"), *cur = text, *line;
    int phrases = 0, byte_strings = 0;
    lstmsent__tokenizer t;
    memset(&t, 0, sizeof t);
    while ((line = test_next_line(&cur)) != NULL) {
        char *f1 = strchr(line, '\t');
        ck_assert_ptr_nonnull(f1);
        char *f2 = strchr(f1 + 1, '\t');
        ck_assert_ptr_nonnull(f2);
        char bytes[1024];
        size_t n = unhex(f1 + 1, (size_t)(f2 - f1 - 1), bytes);
        if (strncmp(line, "utf8\t", 5) == 0) {
            size_t bad = 0;
            ck_assert_msg(lstmsent__utf8_valid(bytes, n, &bad) == atoi(f2 + 1),
                          "validity of %.*s", (int)(f2 - f1 - 1), f1 + 1);
            byte_strings++;
            continue;
        }
        ck_assert(strncmp(line, "phrase\t", 7) == 0);
        lstmsent__tokenizer_reset(&t, bytes, n);
        char *want = f2 + 1;
        size_t bad;
        int r;
        while ((r = lstmsent__tokenizer_next(&t, &bad)) == 1) {
            char *sp = strchr(want, ' ');
            size_t wl = sp ? (size_t)(sp - want) : strlen(want);
            ck_assert_msg(wl > 0, "extra token '%s' in phrase %d", t.tok.data, phrases);
            char w[1024];
            size_t wn = unhex(want, wl, w);
            ck_assert_msg(wn == t.tok.len && memcmp(w, t.tok.data, wn) == 0,
                          "phrase %d: token '%s', Python '%.*s'", phrases, t.tok.data, (int)wn, w);
            want = sp ? sp + 1 : want + wl;
        }
        ck_assert_int_eq(r, 0);
        ck_assert_msg(*want == '\0', "phrase %d: missing tokens %s", phrases, want);
        phrases++;
    }
    lstmsent__buf_free(&t.tok);
    free(text);
    ck_assert_int_ge(phrases, 20);
    ck_assert_int_ge(byte_strings, 30);
}
END_TEST

START_TEST(test_tokenizer_reports_bad_utf8_offset)
{
    const char s[] = "good w\xc3(rd";
    lstmsent__tokenizer t;
    memset(&t, 0, sizeof t);
    lstmsent__tokenizer_reset(&t, s, sizeof s - 1);
    size_t bad = 0;
    ck_assert_int_eq(lstmsent__tokenizer_next(&t, &bad), 1);
    ck_assert_str_eq(t.tok.data, "good");
    ck_assert_int_eq(lstmsent__tokenizer_next(&t, &bad), LSTMSENT_ERR_UTF8);
    ck_assert_uint_eq(bad, 6);
    ck_assert_int_eq(lstmsent__utf8_valid(s, sizeof s - 1, &bad), 0);
    ck_assert_uint_eq(bad, 6);
    lstmsent__buf_free(&t.tok);
}
END_TEST

START_TEST(test_long_token_grows_buffer)
{
    /* No fixed limit: a 100,000-byte word of capitals, with a final sigma at its end. */
    size_t n = 100000;
    char *s = malloc(n + 3);
    ck_assert_ptr_nonnull(s);
    memset(s, 'A', n);
    memcpy(s + n, "\xce\xa3", 2); /* U+03A3 */
    lstmsent__tokenizer t;
    memset(&t, 0, sizeof t);
    lstmsent__tokenizer_reset(&t, s, n + 2);
    size_t bad;
    ck_assert_int_eq(lstmsent__tokenizer_next(&t, &bad), 1);
    ck_assert_uint_eq(t.tok.len, n + 2);
    ck_assert_int_eq(t.tok.data[0], 'a');
    ck_assert_int_eq(t.tok.data[n - 1], 'a');
    ck_assert_int_eq((unsigned char)t.tok.data[n + 1], 0x82); /* U+03C2, final sigma */
    ck_assert_int_eq(lstmsent__tokenizer_next(&t, &bad), 0);
    lstmsent__buf_free(&t.tok);
    free(s);
}
END_TEST

START_TEST(test_fnv1a_known_values)
{
    ck_assert_uint_eq(lstmsent__fnv1a("", 0), 0xcbf29ce484222325ULL);
    ck_assert_uint_eq(lstmsent__fnv1a("a", 1), 0xaf63dc4c8601ec8cULL);
    ck_assert_uint_eq(lstmsent__fnv1a("foobar", 6), 0x85944171f73967e8ULL);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("tokenize");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_phrases_and_utf8_like_python);
    tcase_add_test(tc, test_tokenizer_reports_bad_utf8_offset);
    tcase_add_test(tc, test_long_token_grows_buffer);
    tcase_add_test(tc, test_fnv1a_known_values);
    suite_add_tcase(s, tc);
    return s;
}
