/*
 * The main() every Check suite shares: it runs the suite that the test file's
 * make_suite() builds and exits 0 only when every test passed. meson reads the results as
 * TAP (tests/meson.build points CK_TAP_LOG_FILE_NAME at stdout), so each test counts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap_main.h"

/* Read a fixture into memory, NUL-terminated. */
char *test_slurp(const char *name)
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
char *test_next_line(char **cursor)
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

int main(void)
{
    SRunner *runner = srunner_create(make_suite());
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
