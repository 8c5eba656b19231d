/*
 * Every code point against Python itself: str.lower(), str.isspace() and the final-sigma
 * class, from fixtures that /usr/bin/python3 wrote (tests/gen_unicode_fixture.py). Code
 * points that Python's Unicode leaves unassigned are skipped, since utf8proc may know a
 * newer Unicode. Pure table look-ups with nothing for valgrind to find, but a few minutes
 * under it: hence the 'slow' suite, which the valgrind setup leaves out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap_main.h"
#include "text.h"

#define NCP 0x110000

/* 1 for each code point Python's Unicode database leaves unassigned. */
static unsigned char *unassigned_map(void)
{
    unsigned char *skip = calloc(NCP, 1);
    ck_assert_ptr_nonnull(skip);
    char *text = test_slurp("unicode_unassigned.txt"), *cur = text, *line;
    while ((line = test_next_line(&cur)) != NULL) {
        unsigned long a, b;
        ck_assert_int_eq(sscanf(line, "%lx %lx", &a, &b), 2);
        for (unsigned long cp = a; cp <= b; cp++)
            skip[cp] = 1;
    }
    free(text);
    for (int cp = 0xD800; cp <= 0xDFFF; cp++)
        skip[cp] = 1;
    return skip;
}

START_TEST(test_lower_every_code_point)
{
    /* Expected lower case of every code point: itself unless the fixture says otherwise. */
    int32_t *exp = malloc(sizeof(int32_t) * NCP * 3);
    unsigned char *nexp = malloc(NCP);
    ck_assert_ptr_nonnull(exp);
    ck_assert_ptr_nonnull(nexp);
    for (int32_t cp = 0; cp < NCP; cp++) {
        exp[cp * 3] = cp;
        nexp[cp] = 1;
    }
    char *text = test_slurp("unicode_lower.txt"), *cur = text, *line;
    int mappings = 0;
    while ((line = test_next_line(&cur)) != NULL) {
        char *p = line, *end;
        long cp = strtol(p, &end, 16);
        nexp[cp] = 0;
        for (p = end; *p != '\0'; p = end) {
            long v = strtol(p, &end, 16);
            ck_assert_ptr_ne(end, p);
            exp[cp * 3 + nexp[cp]++] = (int32_t)v;
        }
        mappings++;
    }
    free(text);
    ck_assert_int_gt(mappings, 1000);
    unsigned char *skip = unassigned_map();
    int checked = 0;
    for (int32_t cp = 0; cp < NCP; cp++) {
        if (skip[cp])
            continue;
        int32_t got[3];
        int n = lstmsent__lower_cp(cp, got);
        ck_assert_msg(n == nexp[cp], "U+%04X: %d code points, Python %d", (unsigned)cp, n,
                      nexp[cp]);
        for (int i = 0; i < n; i++)
            ck_assert_msg(got[i] == exp[cp * 3 + i], "U+%04X lowers to U+%04X, Python U+%04X",
                          (unsigned)cp, (unsigned)got[i], (unsigned)exp[cp * 3 + i]);
        checked++;
    }
    ck_assert_int_gt(checked, 280000);
    free(skip);
    free(exp);
    free(nexp);
}
END_TEST

START_TEST(test_space_every_code_point)
{
    unsigned char *want = calloc(NCP, 1);
    ck_assert_ptr_nonnull(want);
    char *text = test_slurp("unicode_space.txt"), *cur = text, *line;
    int spaces = 0;
    while ((line = test_next_line(&cur)) != NULL) {
        want[strtol(line, NULL, 16)] = 1;
        spaces++;
    }
    free(text);
    ck_assert_int_eq(spaces, 29);
    ck_assert(want[0xA0] && want[0x85] && want[0x1C] && want[0x3000] && !want[0x200B]);
    unsigned char *skip = unassigned_map();
    for (int32_t cp = 0; cp < NCP; cp++) {
        if (!skip[cp])
            ck_assert_msg(lstmsent__is_space(cp) == want[cp], "U+%04X: isspace %d, Python %d",
                          (unsigned)cp, lstmsent__is_space(cp), want[cp]);
    }
    free(skip);
    free(want);
}
END_TEST

START_TEST(test_sigma_classes_every_code_point)
{
    /* 'I' case-ignorable, 'C' cased and not case-ignorable, 0 neither: all that the final
     * sigma rule can tell apart. */
    char *want = calloc(NCP, 1);
    ck_assert_ptr_nonnull(want);
    char *text = test_slurp("unicode_sigma.txt"), *cur = text, *line;
    while ((line = test_next_line(&cur)) != NULL) {
        unsigned long a, b;
        char k;
        ck_assert_int_eq(sscanf(line, "%lx %lx %c", &a, &b, &k), 3);
        for (unsigned long cp = a; cp <= b; cp++)
            want[cp] = k;
    }
    free(text);
    unsigned char *skip = unassigned_map();
    for (int32_t cp = 0; cp < NCP; cp++) {
        if (skip[cp])
            continue;
        char got = lstmsent__is_case_ignorable(cp) ? 'I' : lstmsent__is_cased(cp) ? 'C' : 0;
        ck_assert_msg(got == want[cp], "U+%04X: class '%c', Python '%c'", (unsigned)cp,
                      got ? got : '-', want[cp] ? want[cp] : '-');
    }
    free(skip);
    free(want);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("unicode");
    TCase *tc = tcase_create("every code point");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_lower_every_code_point);
    tcase_add_test(tc, test_space_every_code_point);
    tcase_add_test(tc, test_sigma_classes_every_code_point);
    suite_add_tcase(s, tc);
    return s;
}
