/* Shared by every Check suite: the suite a test file defines, and helpers for paths. */
#ifndef LSTMSENT_TESTS_TAP_MAIN_H
#define LSTMSENT_TESTS_TAP_MAIN_H

#include <check.h>

/* Each tests/test_<part>.c defines this. */
Suite *make_suite(void);

/* The shipped data directory and this tests directory, from the environment meson sets
 * (LSTMSENT_DATA_DIR, LSTMSENT_TEST_DIR); the fallbacks suit running from the top. */
#define TEST_DATA_DIR (getenv("LSTMSENT_DATA_DIR") ? getenv("LSTMSENT_DATA_DIR") : "data")
/* tests/fixtures/NAME read into memory, NUL-terminated (the test fails if it cannot be). */
char *test_slurp(const char *name);
/* The next line of a slurped fixture (comment lines starting with '#' and blank lines
 * skipped), cut at its newline; NULL at the end. */
char *test_next_line(char **cursor);

#define TEST_SRC_DIR (getenv("LSTMSENT_TEST_DIR") ? getenv("LSTMSENT_TEST_DIR") : "tests")

#endif
