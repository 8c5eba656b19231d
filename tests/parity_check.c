/* parity_check [--threads N] FILE...: run each parity fixture (tests/gen_model_fixtures.py, and the
 * training-step ones of tests/gen_optim_fixtures.py) through the
 * C model and print the error of every tensor. Exit 0 when all are within tolerance, 1 when
 * one is not, 2 when a fixture cannot be run. The tutorial-size parity test runs it on the
 * fixtures the generator writes at test time; run it by hand to see the errors reached
 * (--threads N: with lstmsent_set_threads(N) first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lstmsent/lstmsent.h>

#include "fixture.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURE.lstf...\n", argv[0]);
        return 2;
    }
    int status = 0, first = 1;
    if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
        if (lstmsent_set_threads(atoi(argv[2])) != LSTMSENT_OK) {
            fprintf(stderr, "%s: %s\n", argv[0], lstmsent_last_error());
            return 2;
        }
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        parity_report rep;
        /* Training-step fixtures are named adam_*.lstf by gen_optim_fixtures.py. */
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        int rc = strncmp(base, "adam_", 5) == 0 ? adam_parity_run(argv[i], &rep)
                                                 : parity_run(argv[i], &rep);
        parity_print(stdout, argv[i], &rep);
        if (rc != 0)
            status = 2;
        else if (rep.failures > 0 && status == 0)
            status = 1;
    }
    return status;
}
