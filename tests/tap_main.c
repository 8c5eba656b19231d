/*
 * The main() every Check suite shares: it runs the suite that the test file's
 * make_suite() builds and exits 0 only when every test passed. meson reads the results as
 * TAP (tests/meson.build points CK_TAP_LOG_FILE_NAME at stdout), so each test counts.
 */
#include <check.h>
#include <stdlib.h>

#include "tap_main.h"

int main(void)
{
    SRunner *runner = srunner_create(make_suite());
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
