/*
 * The tokeniser against Python itself: every code point's str.lower(), str.isspace() and
 * final-sigma class, phrases with non-ASCII capitals and Unicode spaces, and which byte
 * strings are valid UTF-8. The expectations come from /usr/bin/python3 through
 * tests/gen_unicode_fixture.py (tests/README.md); code points that Python's Unicode leaves
 * unassigned are skipped, since utf8proc may know a newer Unicode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "tap_main.h"
#include "text.h"

#define NCP 0x110000

/* Read a fixture into memory, NUL-terminated. */
static char *slurp(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fixtures/%s", TEST_SRC_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Next line of a fixture (comments skipped), cut at its newline; NULL at the end. */
static char *next_line(char **cursor)
{
    while (**cursor != '\0') {
        char *line = *cursor;
        char *nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl = '\0';
            *cursor = nl + 1;
        } else {
            *cursor = line + strlen(line);
        }
        if (line[0] != '#' && line[0] != '\0')
            return line;
    }
    return NULL;
}

/* 1 for each code point Python's Unicode database leaves unassigned. */
static unsigned char *unassigned_map(void)
{
    unsigned char *skip = calloc(NCP, 1);
    ck_assert_ptr_nonnull(skip);
    char *text = slurp("unicode_unassigned.txt"), *cur = text, *line;
    while ((line = next_line(&cur)) != NULL) {
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
    char *text = slurp("unicode_lower.txt"), *cur = text, *line;
    int mappings = 0;
    while ((line = next_line(&cur)) != NULL) {
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
    char *text = slurp("unicode_space.txt"), *cur = text, *line;
    int spaces = 0;
    while ((line = next_line(&cur)) != NULL) {
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
    char *text = slurp("unicode_sigma.txt"), *cur = text, *line;
    while ((line = next_line(&cur)) != NULL) {
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

START_TEST(test_phrases_and_utf8_like_python)
{
    char *text = slurp("tokenize_cases.txt"), *cur = text, *line;
    int phrases = 0, byte_strings = 0;
    lstmsent__tokenizer t;
    memset(&t, 0, sizeof t);
    while ((line = next_line(&cur)) != NULL) {
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
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lower_every_code_point);
    tcase_add_test(tc, test_space_every_code_point);
    tcase_add_test(tc, test_sigma_classes_every_code_point);
    tcase_add_test(tc, test_phrases_and_utf8_like_python);
    tcase_add_test(tc, test_tokenizer_reports_bad_utf8_offset);
    tcase_add_test(tc, test_long_token_grows_buffer);
    tcase_add_test(tc, test_fnv1a_known_values);
    suite_add_tcase(s, tc);
    return s;
}
