/* Adam: PyTorch's defaults, the update against a double-precision reference of PyTorch's
 * formula, bad options, an optimizer used with another model, and training-step parity
 * on the committed tiny fixtures (five steps of forward, loss, backward, clip and Adam). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lstmsent/lstmsent.h>

#include "fixture.h"
#include "tap_main.h"

static lstmsent_model *tiny_model(uint64_t seed)
{
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, 20);
    mo.embed_dim = 4;
    mo.hidden_dim = 3;
    mo.seed = seed;
    lstmsent_model *m = NULL;
    ck_assert_int_eq(lstmsent_model_create(&m, &mo), LSTMSENT_OK);
    return m;
}

static float *all_params(const lstmsent_model *m)
{
    size_t n = lstmsent_model_num_floats(m), at = 0;
    float *p = malloc(n * sizeof *p);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < lstmsent_model_param_count(m); i++) {
        const char *name;
        size_t k;
        lstmsent_model_param_info(m, i, &name, NULL, NULL, &k);
        ck_assert_int_eq(lstmsent_model_get_param(m, name, p + at, k), LSTMSENT_OK);
        at += k;
    }
    return p;
}

START_TEST(test_defaults_are_pytorchs)
{
    lstmsent_adam_options o;
    memset(&o, 0xff, sizeof o);
    lstmsent_adam_options_default(&o);
    ck_assert(o.lr == 1e-3);
    ck_assert(o.beta1 == 0.9);
    ck_assert(o.beta2 == 0.999);
    ck_assert(o.eps == 1e-8);
    ck_assert(o.weight_decay == 0.0);
    lstmsent_adam_options_default(NULL); /* a no-op, not a crash */
}
END_TEST

START_TEST(test_bad_options)
{
    lstmsent_model *m = tiny_model(1);
    struct {
        const char *field;
        double value;
    } bad[] = {
        {"lr", 0.0},       {"lr", -0.01},      {"lr", NAN},       {"lr", INFINITY},
        {"beta1", 1.0},    {"beta1", -0.1},    {"beta1", NAN},    {"beta2", 1.0},
        {"beta2", -1e-9},  {"eps", -1e-8},     {"eps", INFINITY}, {"weight_decay", -1.0},
        {"weight_decay", NAN},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lstmsent_adam_options o;
        lstmsent_adam_options_default(&o);
        double *f = strcmp(bad[i].field, "lr") == 0      ? &o.lr
                    : strcmp(bad[i].field, "beta1") == 0 ? &o.beta1
                    : strcmp(bad[i].field, "beta2") == 0 ? &o.beta2
                    : strcmp(bad[i].field, "eps") == 0   ? &o.eps
                                                         : &o.weight_decay;
        *f = bad[i].value;
        lstmsent_optim *opt = (lstmsent_optim *)&o; /* a sentinel that must stay untouched */
        ck_assert_int_eq(lstmsent_optim_create_adam(&opt, m, &o), LSTMSENT_ERR_INVALID);
        ck_assert_ptr_eq(opt, (lstmsent_optim *)&o);
        ck_assert_msg(strstr(lstmsent_last_error(), bad[i].field) != NULL, "message '%s'",
                      lstmsent_last_error());
    }
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_null_arguments)
{
    lstmsent_model *m = tiny_model(1);
    lstmsent_optim *opt = NULL;
    ck_assert_int_eq(lstmsent_optim_create_adam(NULL, m, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, NULL, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, m, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_step(NULL, m), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_optim_step(opt, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_optim_zero_grad(NULL, m), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_optim_zero_grad(opt, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_optim_step_count(NULL), 0);
    lstmsent_optim_free(NULL);
    lstmsent_optim_free(opt);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_other_model_is_refused_and_untouched)
{
    lstmsent_model *a = tiny_model(1), *b = tiny_model(1);
    lstmsent_optim *opt;
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, a, NULL), LSTMSENT_OK);
    size_t n = lstmsent_model_num_floats(b);
    float *grad = malloc(n * sizeof *grad);
    for (size_t i = 0; i < lstmsent_model_param_count(b); i++) {
        const char *name;
        size_t k;
        lstmsent_model_param_info(b, i, &name, NULL, NULL, &k);
        for (size_t j = 0; j < k; j++)
            grad[j] = 0.5f;
        lstmsent_model_set_grad(b, name, grad, k);
    }
    float *before = all_params(b);
    ck_assert_int_eq(lstmsent_optim_step(opt, b), LSTMSENT_ERR_MISMATCH);
    ck_assert_int_eq(lstmsent_optim_zero_grad(opt, b), LSTMSENT_ERR_MISMATCH);
    float *after = all_params(b);
    ck_assert_int_eq(memcmp(before, after, n * sizeof *before), 0);
    ck_assert_int_eq(lstmsent_optim_step_count(opt), 0);
    /* b's gradients are still there: zero_grad refused to touch them. */
    ck_assert_int_eq(lstmsent_model_get_grad(b, "fc.bias", grad, 5), LSTMSENT_OK);
    ck_assert(grad[0] == 0.5f);
    free(before);
    free(after);
    free(grad);
    lstmsent_optim_free(opt);
    lstmsent_model_free(a);
    lstmsent_model_free(b);
}
END_TEST

/* Three steps on every parameter with gradients set by hand, against PyTorch's formula
 * evaluated in double: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), with weight decay added to
 * the gradient. */
START_TEST(test_update_matches_the_formula)
{
    lstmsent_model *m = tiny_model(3);
    lstmsent_adam_options o;
    lstmsent_adam_options_default(&o);
    o.lr = 0.01;
    o.weight_decay = 0.1;
    lstmsent_optim *opt;
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, m, &o), LSTMSENT_OK);
    size_t n = lstmsent_model_num_floats(m);
    float *p0 = all_params(m);
    double *p = malloc(n * sizeof *p), *mm = calloc(n, sizeof *mm), *vv = calloc(n, sizeof *vv);
    float *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++)
        p[i] = p0[i];
    for (int t = 1; t <= 3; t++) {
        size_t at = 0;
        for (size_t i = 0; i < lstmsent_model_param_count(m); i++) {
            const char *name;
            size_t k;
            lstmsent_model_param_info(m, i, &name, NULL, NULL, &k);
            for (size_t j = 0; j < k; j++)
                g[at + j] = (float)(0.01 * sin(0.37 * (double)(at + j) + t)) +
                            ((at + j) % 7 == 0 ? 1e-9f : 0.0f);
            ck_assert_int_eq(lstmsent_model_set_grad(m, name, g + at, k), LSTMSENT_OK);
            at += k;
        }
        ck_assert_int_eq(lstmsent_optim_step(opt, m), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_optim_step_count(opt), t);
        double bc1 = 1.0 - pow(o.beta1, t), bc2 = 1.0 - pow(o.beta2, t);
        for (size_t i = 0; i < n; i++) {
            double gi = (double)g[i] + o.weight_decay * p[i];
            mm[i] = o.beta1 * mm[i] + (1.0 - o.beta1) * gi;
            vv[i] = o.beta2 * vv[i] + (1.0 - o.beta2) * gi * gi;
            p[i] -= o.lr / bc1 * mm[i] / (sqrt(vv[i]) / sqrt(bc2) + o.eps);
        }
        float *c = all_params(m);
        double worst = 0.0;
        for (size_t i = 0; i < n; i++) {
            double d = fabs((double)c[i] - p[i]);
            worst = d > worst ? d : worst;
        }
        free(c);
        /* Every parameter moves by about lr per step; float32 keeps ~1e-7 of that. */
        ck_assert_msg(worst < 2e-7, "step %d: max |c - ref| = %g", t, worst);
    }
    free(p0);
    free(p);
    free(mm);
    free(vv);
    free(g);
    lstmsent_optim_free(opt);
    lstmsent_model_free(m);
}
END_TEST

START_TEST(test_zero_grad)
{
    lstmsent_model *m = tiny_model(1);
    lstmsent_optim *opt;
    ck_assert_int_eq(lstmsent_optim_create_adam(&opt, m, NULL), LSTMSENT_OK);
    float g[5] = {1, 2, 3, 4, 5};
    ck_assert_int_eq(lstmsent_model_set_grad(m, "fc.bias", g, 5), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_zero_grad(opt, m), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_model_get_grad(m, "fc.bias", g, 5), LSTMSENT_OK);
    for (int i = 0; i < 5; i++)
        ck_assert(g[i] == 0.0f);
    lstmsent_optim_free(opt);
    lstmsent_model_free(m);
}
END_TEST

static const char *const step_cases[] = {"adam_tiny_tutorial", "adam_tiny_logits_wd"};

START_TEST(test_steps_match_pytorch)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/fixtures/%s.lstf", TEST_SRC_DIR, step_cases[_i]);
    parity_report rep;
    int rc = adam_parity_run(path, &rep);
    if (rc != 0 || rep.failures > 0)
        parity_print(stderr, path, &rep);
    ck_assert_msg(rc == 0, "%s: %s", path, rep.error);
    ck_assert_int_eq(rep.failures, 0);
    /* 5 steps x (loss, norm, 11 parameters) rows were compared. */
    ck_assert_int_eq(rep.n, 5 * 13);
}
END_TEST

/* A schedule's rate: checked, read back, and used by the next step exactly as a rate given
 * at creation. */
START_TEST(test_set_lr)
{
    lstmsent_adam_options o;
    lstmsent_adam_options_default(&o);
    o.lr = 0.05;
    lstmsent_model *a = tiny_model(4), *b = tiny_model(4);
    lstmsent_optim *oa, *ob;
    ck_assert_int_eq(lstmsent_optim_create_adam(&oa, a, &o), LSTMSENT_OK);
    ck_assert(lstmsent_optim_get_lr(oa) == 0.05);
    o.lr = 0.003;
    ck_assert_int_eq(lstmsent_optim_create_adam(&ob, b, &o), LSTMSENT_OK);
    const double bad[5] = {0.0, -1e-3, NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(lstmsent_optim_set_lr(oa, bad[i]), LSTMSENT_ERR_INVALID);
        ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "must be a finite number > 0"));
        ck_assert(lstmsent_optim_get_lr(oa) == 0.05);
    }
    ck_assert_int_eq(lstmsent_optim_set_lr(NULL, 0.1), LSTMSENT_ERR_NULL);
    ck_assert(lstmsent_optim_get_lr(NULL) == 0.0);
    ck_assert_int_eq(lstmsent_optim_set_lr(oa, 0.003), LSTMSENT_OK);
    ck_assert(lstmsent_optim_get_lr(oa) == 0.003);
    /* The same gradient, two steps: a's rate was set, b's given at creation. */
    const char *name;
    size_t numel;
    for (int step = 0; step < 2; step++) {
        for (size_t i = 0; i < lstmsent_model_param_count(a); i++) {
            lstmsent_model_param_info(a, i, &name, NULL, NULL, &numel);
            float *g = malloc(numel * sizeof *g);
            for (size_t j = 0; j < numel; j++)
                g[j] = (float)((j * 7 + i * 3 + (size_t)step) % 11) * 0.01f - 0.05f;
            ck_assert_int_eq(lstmsent_model_set_grad(a, name, g, numel), LSTMSENT_OK);
            ck_assert_int_eq(lstmsent_model_set_grad(b, name, g, numel), LSTMSENT_OK);
            free(g);
        }
        ck_assert_int_eq(lstmsent_optim_step(oa, a), LSTMSENT_OK);
        ck_assert_int_eq(lstmsent_optim_step(ob, b), LSTMSENT_OK);
    }
    float *pa = all_params(a), *pb = all_params(b);
    ck_assert(memcmp(pa, pb, lstmsent_model_num_floats(a) * sizeof *pa) == 0);
    /* And the rate does move the parameters: a third step at another rate differs. */
    ck_assert_int_eq(lstmsent_optim_set_lr(oa, 0.03), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_step(oa, a), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_optim_step(ob, b), LSTMSENT_OK);
    free(pa);
    free(pb);
    pa = all_params(a);
    pb = all_params(b);
    ck_assert(memcmp(pa, pb, lstmsent_model_num_floats(a) * sizeof *pa) != 0);
    free(pa);
    free(pb);
    lstmsent_optim_free(oa);
    lstmsent_optim_free(ob);
    lstmsent_model_free(a);
    lstmsent_model_free(b);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("adam");
    tcase_add_test(tc, test_defaults_are_pytorchs);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_null_arguments);
    tcase_add_test(tc, test_other_model_is_refused_and_untouched);
    tcase_add_test(tc, test_update_matches_the_formula);
    tcase_add_test(tc, test_zero_grad);
    tcase_add_test(tc, test_set_lr);
    tcase_add_loop_test(tc, test_steps_match_pytorch, 0,
                        (int)(sizeof step_cases / sizeof step_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
