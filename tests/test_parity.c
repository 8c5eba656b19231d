/* Parity with PyTorch on the committed tiny fixtures (tests/fixtures/tiny_*.lstf, made by
 * gen_model_fixtures.py): outputs, state out and loss within 1e-5, every gradient within
 * 1e-4, as max |c - torch| / max |torch| per tensor. Both heads, both poolings. */
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "internal.h"
#include "tap_main.h"

static const char *const cases[] = {
    "tiny_sigmoid_last_step",
    "tiny_sigmoid_last_token",
    "tiny_logits_last_step",
    "tiny_logits_last_token",
};

static void check_case(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/fixtures/%s.lstf", TEST_SRC_DIR, name);
    parity_report rep;
    int rc = parity_run(path, &rep);
    if (rc != 0 || rep.failures > 0)
        parity_print(stderr, path, &rep);
    ck_assert_msg(rc == 0, "%s: %s", path, rep.error);
    ck_assert_int_eq(rep.failures, 0);
    ck_assert_int_ge(rep.n, 4 + 1 + 4 * 2 + 2);
}

START_TEST(test_tiny_fixture)
{
    check_case(cases[_i]);
}
END_TEST

START_TEST(test_tiny_fixture_reference_gemm)
{
    /* The same with the reference GEMM loop: a kernel bug, not a BLAS quirk, would show. */
    lstmsent__gemm_use_reference(1);
    check_case(cases[_i]);
    lstmsent__gemm_use_reference(0);
}
END_TEST

START_TEST(test_missing_fixture_is_reported)
{
    parity_report rep;
    ck_assert_int_eq(parity_run("/nonexistent/x.lstf", &rep), -1);
    ck_assert_str_ne(rep.error, "");
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("parity");
    TCase *tc = tcase_create("tiny");
    int n = (int)(sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_tiny_fixture, 0, n);
    tcase_add_loop_test(tc, test_tiny_fixture_reference_gemm, 0, n);
    tcase_add_test(tc, test_missing_fixture_is_reported);
    suite_add_tcase(s, tc);
    return s;
}
