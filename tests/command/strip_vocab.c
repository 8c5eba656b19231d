/*
 * A test helper for the lstmsent command: copy a model file without its vocabulary
 * (lstmsent train always saves one), so that the tests can check that eval and predict
 * refuse a model that cannot encode text.
 *
 *   strip_vocab IN.safetensors OUT.safetensors
 */
#include <stdio.h>

#include <lstmsent/lstmsent.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: strip_vocab IN OUT\n");
        return 2;
    }
    lstmsent_model *m = NULL;
    lstmsent_status st = lstmsent_model_load(&m, NULL, argv[1], NULL);
    if (st == LSTMSENT_OK)
        st = lstmsent_model_save(m, NULL, argv[2]);
    if (st != LSTMSENT_OK)
        fprintf(stderr, "strip_vocab: %s\n", lstmsent_last_error());
    lstmsent_model_free(m);
    return st == LSTMSENT_OK ? 0 : 1;
}
