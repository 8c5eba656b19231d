/* The error model and the version: texts for every code, the per-thread message. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tap_main.h"

START_TEST(test_version_matches_header)
{
    ck_assert_uint_eq(lstmsent_version_number(), LSTMSENT_VERSION_NUMBER);
    ck_assert_str_eq(lstmsent_version_string(), LSTMSENT_VERSION_STRING);
    ck_assert_int_eq(LSTMSENT_VERSION_NUMBER, LSTMSENT_VERSION_MAJOR * 10000 +
                                                  LSTMSENT_VERSION_MINOR * 100 +
                                                  LSTMSENT_VERSION_PATCH);
}
END_TEST

START_TEST(test_strerror_every_code)
{
    /* Every code from OK down to the last has its own text, distinct from the others. */
    const char *seen[64];
    int n = 0;
    for (int code = 0; code >= LSTMSENT_ERR_CHECKSUM; code--) {
        const char *s = lstmsent_strerror(code);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_ne(s, "unknown status");
        for (int i = 0; i < n; i++)
            ck_assert_str_ne(s, seen[i]);
        seen[n++] = s;
    }
    ck_assert_str_eq(lstmsent_strerror(LSTMSENT_ERR_CHECKSUM - 1), "unknown status");
    ck_assert_int_eq(LSTMSENT_ERR_CHECKSUM, -27);
    ck_assert_str_eq(lstmsent_strerror(1), "unknown status");
}
END_TEST

START_TEST(test_fail_records_message)
{
    lstmsent__clear_error();
    ck_assert_str_eq(lstmsent_last_error(), "");
    lstmsent_status st = lstmsent__fail(LSTMSENT_ERR_LABEL, "train.tsv:%d: Sentiment '%s'", 12, "x");
    ck_assert_int_eq(st, LSTMSENT_ERR_LABEL);
    ck_assert_str_eq(lstmsent_last_error(), "train.tsv:12: Sentiment 'x'");
}
END_TEST

START_TEST(test_long_message_is_cut_not_overflowed)
{
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    lstmsent__fail(LSTMSENT_ERR_IO, "%s", big);
    size_t len = strlen(lstmsent_last_error());
    ck_assert_uint_gt(len, 100);
    ck_assert_uint_lt(len, sizeof big - 1);
}
END_TEST

static void *other_thread(void *arg)
{
    (void)arg;
    lstmsent__fail(LSTMSENT_ERR_NOMEM, "from the other thread");
    return NULL;
}

START_TEST(test_message_is_per_thread)
{
    lstmsent__fail(LSTMSENT_ERR_IO, "from the main thread");
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_str_eq(lstmsent_last_error(), "from the main thread");
}
END_TEST

/* Input in messages: control bytes, backslashes and broken UTF-8 escaped, cuts at a
 * character boundary. */
START_TEST(test_quote_escapes_and_cuts)
{
    char q[LSTMSENT__QUOTE_CAP];
    ck_assert_str_eq(lstmsent__quote(q, "2\r", 2, 40), "2\\r");
    ck_assert_str_eq(lstmsent__quote(q, "a\tb\nc\\d", 7, 40), "a\\tb\\nc\\\\d");
    ck_assert_str_eq(lstmsent__quote(q, "\x01\x1b[31m\x7f", 7, 40), "\\x01\\x1b[31m\\x7f");
    ck_assert_str_eq(lstmsent__quote(q, "\0x", 2, 40), "\\x00x");
    ck_assert_str_eq(lstmsent__quote(q, "caf\xc3\xa9 \xe2\x82\xac", 9, 40), "caf\xc3\xa9 \xe2\x82\xac");
    ck_assert_str_eq(lstmsent__quote(q, "\xff\xc3", 2, 40), "\\xff\\xc3");
    ck_assert_str_eq(lstmsent__quote(q, "\xed\xa0\x80", 3, 40), "\\xed\\xa0\\x80"); /* surrogate */
    ck_assert_str_eq(lstmsent__quote(q, "", 0, 40), "");
    ck_assert_str_eq(lstmsent__quote(q, "abcdef", 6, 4), "abcd...");
    /* 'a' and 40 two-byte characters, cut at 60 bytes: the character that starts at byte 59
     * is kept whole, not split. */
    char word[1 + 80];
    word[0] = 'a';
    for (int i = 0; i < 40; i++)
        memcpy(word + 1 + 2 * i, "\xc3\xa9", 2);
    lstmsent__quote(q, word, sizeof word, 60);
    ck_assert_uint_eq(strlen(q), 1 + 60 + 3);
    ck_assert_str_eq(q + 1 + 58, "\xc3\xa9...");
    ck_assert(lstmsent__utf8_valid(q, strlen(q), NULL));
    /* The worst case fits: every byte escaped, the longest cut asked for. */
    char ctl[100];
    memset(ctl, 1, sizeof ctl);
    lstmsent__quote(q, ctl, sizeof ctl, 1000);
    ck_assert_uint_eq(strlen(q), 60 * 4 + 3);
}
END_TEST

START_TEST(test_mul_size_overflow)
{
    size_t out = 7;
    ck_assert_int_eq(lstmsent__mul_size(SIZE_MAX / 2 + 1, 2, &out), 0);
    ck_assert_uint_eq(out, 7);
    ck_assert_int_eq(lstmsent__mul_size(3, 5, &out), 1);
    ck_assert_uint_eq(out, 15);
    ck_assert_ptr_null(lstmsent__alloc_array(SIZE_MAX / 4, 8));
}
END_TEST

START_TEST(test_aligned_floats_zeroed)
{
    float *p = lstmsent__alloc_floats(1000);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 64, 0);
    for (int i = 0; i < 1000; i++)
        ck_assert(p[i] == 0.0f);
    lstmsent__free_aligned(p);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_version_matches_header);
    tcase_add_test(tc, test_strerror_every_code);
    tcase_add_test(tc, test_fail_records_message);
    tcase_add_test(tc, test_long_message_is_cut_not_overflowed);
    tcase_add_test(tc, test_message_is_per_thread);
    tcase_add_test(tc, test_quote_escapes_and_cuts);
    tcase_add_test(tc, test_mul_size_overflow);
    tcase_add_test(tc, test_aligned_floats_zeroed);
    suite_add_tcase(s, tc);
    return s;
}
