/* Threads: distinct handles used from distinct application threads at once, with the
 * library's own pool of threads (lstmsent_set_threads(2)), give the same bits as the same
 * calls made one after the other. Before the pool had an owner, two callers shared its one
 * job slot and crashed. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lstmsent/lstmsent.h>

#include "tap_main.h"

enum { B = 16, T = 12, ROUNDS = 10, V = 200, O = 5 };

typedef struct run {
    uint64_t seed;
    float out[B * O];
    float grad_norm;
    lstmsent_status st;
} run;

/* A model of its own, ROUNDS training steps on fixed batches; the last outputs and
 * gradient norm are kept to compare. */
static void *train(void *arg)
{
    run *r = arg;
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, V - 1);
    mo.embed_dim = 16;
    mo.hidden_dim = 32;
    mo.seed = r->seed;
    mo.pooling = LSTMSENT_POOL_LAST_TOKEN;
    lstmsent_model *net = NULL;
    lstmsent_optim *adam = NULL;
    r->st = lstmsent_model_create(&net, &mo);
    if (r->st == LSTMSENT_OK)
        r->st = lstmsent_optim_create_adam(&adam, net, NULL);
    int32_t ids[B * T], labels[B], lengths[B];
    for (int k = 0; k < ROUNDS && r->st == LSTMSENT_OK; k++) {
        for (int i = 0; i < B * T; i++)
            ids[i] = (int32_t)((i * 7 + k * 13 + (int)r->seed) % (V - 1)) + 1;
        for (int b = 0; b < B; b++) {
            labels[b] = (b + k) % O;
            lengths[b] = 1 + (b * 3 + k) % T;
        }
        if ((r->st = lstmsent_optim_zero_grad(adam, net)) != LSTMSENT_OK ||
            (r->st = lstmsent_model_forward(net, ids, B, T, lengths, NULL, r->out, B * O,
                                            NULL)) != LSTMSENT_OK ||
            (r->st = lstmsent_model_loss(net, labels, B, NULL, NULL)) != LSTMSENT_OK ||
            (r->st = lstmsent_model_backward(net)) != LSTMSENT_OK ||
            (r->st = lstmsent_model_clip_grad_norm(net, 5.0f, 0, &r->grad_norm)) !=
                LSTMSENT_OK ||
            (r->st = lstmsent_optim_step(adam, net)) != LSTMSENT_OK)
            break;
    }
    lstmsent_optim_free(adam);
    lstmsent_model_free(net);
    return NULL;
}

START_TEST(test_distinct_models_in_distinct_threads)
{
    ck_assert_int_eq(lstmsent_set_threads(2), LSTMSENT_OK);
    run alone[3], together[3];
    for (int i = 0; i < 3; i++) {
        alone[i].seed = together[i].seed = (uint64_t)i + 1;
        train(&alone[i]);
        ck_assert_int_eq(alone[i].st, LSTMSENT_OK);
    }
    for (int rep = 0; rep < 2; rep++) {
        pthread_t th[3];
        for (int i = 0; i < 3; i++)
            ck_assert_int_eq(pthread_create(&th[i], NULL, train, &together[i]), 0);
        for (int i = 0; i < 3; i++) {
            pthread_join(th[i], NULL);
            ck_assert_int_eq(together[i].st, LSTMSENT_OK);
            ck_assert_mem_eq(together[i].out, alone[i].out, sizeof alone[i].out);
            ck_assert_mem_eq(&together[i].grad_norm, &alone[i].grad_norm, sizeof(float));
        }
    }
    ck_assert_int_eq(lstmsent_set_threads(1), LSTMSENT_OK);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("concurrent");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_distinct_models_in_distinct_threads);
    suite_add_tcase(s, tc);
    return s;
}
