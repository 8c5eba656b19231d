/* Parity fixtures written by tests/gen_model_fixtures.py (its docstring has the format),
 * and the comparison of a C model against one of them. Shared by test_parity.c (the
 * committed tiny fixtures) and parity_check.c (the tutorial-size ones, made at test time). */
#ifndef LSTMSENT_TESTS_FIXTURE_H
#define LSTMSENT_TESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct fx_tensor {
    char *name;
    int dtype;          // 0 float32, 1 int32
    int ndim;
    int64_t dims[4];
    size_t n;           // number of elements
    void *data;         // float or int32_t
} fx_tensor;

typedef struct fx_file {
    size_t count;
    fx_tensor *t;
} fx_file;

/* 0 on success; -1 with a message in err otherwise (f is then empty). */
int fx_load(fx_file *f, const char *path, char *err, size_t errlen);
void fx_free(fx_file *f);
/* The tensor of that name, or NULL. */
const fx_tensor *fx_get(const fx_file *f, const char *name);

/* Tolerances of the parity promise, as max |c - torch| / max |torch| per tensor. */
#define PARITY_TOL_VALUES 1e-5
#define PARITY_TOL_GRADS 1e-4

typedef struct parity_row {
    char name[192];
    double err;         // max |c - torch| / max |torch| (absolute when torch is all zero)
    double tol;
    double ref;         // PyTorch's own error on the same measure, where one applies (else 0)
} parity_row;

typedef struct parity_report {
    int n;
    parity_row rows[512];
    int failures;       // rows with err > tol (or NaN)
    char error[512];    // why the case could not be run, when parity_run returns -1
} parity_report;

/* Build a model from the fixture's config and weights (dropout off, training mode), run
 * forward, loss and backward on its inputs, and compare every result; then the forward
 * again in evaluation mode (outputs and final state). 0 when the case ran
 * (rep->failures says whether it passed), -1 when it could not run (rep->error). */
int parity_run(const char *path, parity_report *rep);
void parity_print(FILE *out, const char *path, const parity_report *rep);

/* The same for a training-step fixture (tests/gen_optim_fixtures.py): K steps of
 * zero_grad, forward, loss, backward, clip and Adam from its weights, comparing the loss,
 * the gradient norm and every parameter after each step within PARITY_TOL_VALUES. */
int adam_parity_run(const char *path, parity_report *rep);

#endif
