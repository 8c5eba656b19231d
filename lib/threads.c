/*
 * The one threading knob: OpenBLAS's thread count. The library runs its own loops on the
 * calling thread, so the BLAS's workers are the only other threads it uses.
 */
#include "internal.h"

#ifdef LSTMSENT_HAVE_OPENBLAS_THREADS
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

lstmsent_status lstmsent_set_threads(int n)
{
    lstmsent__clear_error();
    if (n < 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "lstmsent_set_threads: n = %d is not >= 1",
                              n);
#ifdef LSTMSENT_HAVE_OPENBLAS_THREADS
    openblas_set_num_threads(n);
#else
    if (n != 1)
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "lstmsent_set_threads: this build's BLAS has no thread control");
#endif
    return LSTMSENT_OK;
}

int lstmsent_get_threads(void)
{
#ifdef LSTMSENT_HAVE_OPENBLAS_THREADS
    return openblas_get_num_threads();
#else
    return 1;
#endif
}
