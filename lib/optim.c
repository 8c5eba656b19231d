/*
 * Adam as torch.optim.Adam (PyTorch 1.13, single-tensor path): the first and second
 * moments and the step count per parameter, over the model's one contiguous parameter
 * buffer, so an update is one loop over matching buffers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"

struct lstmsent_optim {
    uint64_t model_id;           /* the model this optimizer was made for */
    lstmsent_adam_options opts;
    size_t n;                    /* floats in the model's parameter buffer */
    float *m;                    /* (n) first moment, same layout as the parameters */
    float *v;                    /* (n) second moment */
    int64_t step;                /* PyTorch keeps one per tensor; all tensors move together */
};

void lstmsent_adam_options_default(lstmsent_adam_options *opts)
{
    if (opts == NULL)
        return;
    opts->lr = 1e-3;
    opts->beta1 = 0.9;
    opts->beta2 = 0.999;
    opts->eps = 1e-8;
    opts->weight_decay = 0.0;
}

static lstmsent_status check_options(const lstmsent_adam_options *o)
{
    if (!(isfinite(o->lr) && o->lr > 0.0))
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "Adam: lr = %g must be a finite number > 0",
                              o->lr);
    if (!(o->beta1 >= 0.0 && o->beta1 < 1.0))
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "Adam: beta1 = %g is outside [0, 1)",
                              o->beta1);
    if (!(o->beta2 >= 0.0 && o->beta2 < 1.0))
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "Adam: beta2 = %g is outside [0, 1)",
                              o->beta2);
    if (!(isfinite(o->eps) && o->eps >= 0.0))
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "Adam: eps = %g must be finite and >= 0",
                              o->eps);
    if (!(isfinite(o->weight_decay) && o->weight_decay >= 0.0))
        return lstmsent__fail(LSTMSENT_ERR_INVALID,
                              "Adam: weight_decay = %g must be finite and >= 0",
                              o->weight_decay);
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_optim_create_adam(lstmsent_optim **out, lstmsent_model *model,
                                           const lstmsent_adam_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    LSTMSENT__CHECK_NULL(model);
    lstmsent_adam_options o;
    lstmsent_adam_options_default(&o);
    if (opts != NULL)
        o = *opts;
    lstmsent_status st = check_options(&o);
    if (st != LSTMSENT_OK)
        return st;

    size_t n;
    (void)lstmsent__model_params(model, &n);
    lstmsent_optim *opt = calloc(1, sizeof *opt);
    if (opt == NULL)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "Adam: no memory for the optimizer");
    opt->m = lstmsent__alloc_floats(n);
    opt->v = lstmsent__alloc_floats(n);
    if (opt->m == NULL || opt->v == NULL) {
        lstmsent_optim_free(opt);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "Adam: no memory for 2 x %zu floats of state",
                              n);
    }
    opt->model_id = lstmsent__model_id(model);
    opt->opts = o;
    opt->n = n;
    *out = opt;
    return LSTMSENT_OK;
}

void lstmsent_optim_free(lstmsent_optim *optim)
{
    if (optim == NULL)
        return;
    lstmsent__free_aligned(optim->m);
    lstmsent__free_aligned(optim->v);
    free(optim);
}

static lstmsent_status check_model(const lstmsent_optim *optim, const lstmsent_model *model,
                                   const char *what)
{
    if (lstmsent__model_id(model) != optim->model_id)
        return lstmsent__fail(LSTMSENT_ERR_MISMATCH,
                              "%s: this optimizer was made for another model", what);
    return LSTMSENT_OK;
}

/* One Adam update is lstmsent__adam_update (simd.c), in PyTorch's order of float operations:
 *   g = grad + wd * p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g
 *   p -= step_size * m / (sqrt(v) / sqrt(bc2) + eps)
 * with the bias corrections computed in double, as Python does, then used as floats. */

/* Adam is element-wise: the threads take contiguous ranges (multiples of 16 floats), and
 * every element gets the same arithmetic for any split. */
typedef struct adam_job {
    float *p;
    const float *g;
    float *m, *v;
    size_t n;
    const lstmsent__adam_consts *k;
} adam_job;

static void adam_part(void *ctx, int part, int parts)
{
    const adam_job *j = ctx;
    size_t per = (j->n / 16 + (size_t)parts - 1) / (size_t)parts * 16;
    size_t i0 = (size_t)part * per, i1 = part == parts - 1 ? j->n : i0 + per;
    if (i0 >= j->n)
        return;
    if (i1 > j->n)
        i1 = j->n;
    lstmsent__adam_update(j->p + i0, j->g + i0, j->m + i0, j->v + i0, i1 - i0, j->k);
}

lstmsent_status lstmsent_optim_step(lstmsent_optim *optim, lstmsent_model *model)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(optim);
    LSTMSENT__CHECK_NULL(model);
    lstmsent_status st = check_model(optim, model, "lstmsent_optim_step");
    if (st != LSTMSENT_OK)
        return st;

    size_t n;
    float *p = lstmsent__model_params(model, &n);
    const float *g = lstmsent__model_grads_read(model, &n);
    const lstmsent_adam_options *o = &optim->opts;
    int64_t t = optim->step + 1;
    double bc1 = 1.0 - pow(o->beta1, (double)t);
    double bc2 = 1.0 - pow(o->beta2, (double)t);
    lstmsent__adam_consts k = {
        .beta1 = (float)o->beta1, .one_minus_beta1 = (float)(1.0 - o->beta1),
        .beta2 = (float)o->beta2, .one_minus_beta2 = (float)(1.0 - o->beta2),
        .weight_decay = (float)o->weight_decay, .step_size = (float)(o->lr / bc1),
        .bc2_sqrt = (float)sqrt(bc2), .eps = (float)o->eps,
    };
    adam_job job = {p, g, optim->m, optim->v, n, &k};
    lstmsent__parallel(adam_part, &job, lstmsent__threads());
    optim->step = t;
    return LSTMSENT_OK;
}

lstmsent_status lstmsent_optim_zero_grad(lstmsent_optim *optim, lstmsent_model *model)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(optim);
    LSTMSENT__CHECK_NULL(model);
    lstmsent_status st = check_model(optim, model, "lstmsent_optim_zero_grad");
    if (st != LSTMSENT_OK)
        return st;
    return lstmsent_model_zero_grad(model);
}

int64_t lstmsent_optim_step_count(const lstmsent_optim *optim)
{
    return optim == NULL ? 0 : optim->step;
}

lstmsent_status lstmsent_optim_set_lr(lstmsent_optim *optim, double lr)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(optim);
    if (!(isfinite(lr) && lr > 0.0))
        return lstmsent__fail(LSTMSENT_ERR_INVALID, "%s: lr = %g must be a finite number > 0",
                              __func__, lr);
    optim->opts.lr = lr;
    return LSTMSENT_OK;
}

double lstmsent_optim_get_lr(const lstmsent_optim *optim)
{
    return optim == NULL ? 0.0 : optim->opts.lr;
}

/* ---- checkpoint accessors (internal.h) ----------------------------------------------- */

void lstmsent__optim_get_state(const lstmsent_optim *o, lstmsent_adam_options *opts,
                               const float **m, const float **v, size_t *n, int64_t *step)
{
    *opts = o->opts;
    *m = o->m;
    *v = o->v;
    *n = o->n;
    *step = o->step;
}

void lstmsent__optim_set_state(lstmsent_optim *o, const float *m, const float *v, int64_t step)
{
    memcpy(o->m, m, o->n * sizeof(float));
    memcpy(o->v, v, o->n * sizeof(float));
    o->step = step;
}

uint64_t lstmsent__optim_model_id(const lstmsent_optim *o)
{
    return o->model_id;
}
