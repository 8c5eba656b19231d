/*
 * libFuzzer target for the model loader: any byte string is parsed as a safetensors file
 * (lstmsent__st_parse) and, when that succeeds, loaded as a model (lstmsent__model_from_st,
 * with the default options and with unknown tensors allowed and non-finite values
 * rejected) and restored as a checkpoint into a fixed small model, optimizer and sampler
 * (lstmsent__checkpoint_from_st). Each must succeed or fail with a status and a message,
 * leaving nothing allocated (LeakSanitizer) and, for the checkpoint, the handles as they
 * were unless it succeeded. A loaded model runs one forward pass, and its vocabulary
 * encodes a phrase. The seeds (tests/fuzz/corpus_model/) are written by
 * tests/fuzz/gen_model_seeds.py and match the fixed handles here.
 * Build and run with tests/fuzz/run.sh model.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

/* The handles a checkpoint is restored into: gen_model_seeds.py's "fuzz" configuration. */
static lstmsent_corpus *corpus;
static lstmsent_dataset *dataset;
static lstmsent_sampler *sampler;
static lstmsent_model *model;
static lstmsent_optim *optim;

static void make_handles(void)
{
    static const char *const phrases[] = {"a good film", "a bad film", "not good"};
    static const int32_t labels[] = {3, 1, 1};
    REQUIRE(lstmsent_corpus_create(&corpus, phrases, labels, 3, NULL) == LSTMSENT_OK);
    REQUIRE(lstmsent_dataset_create(&dataset, corpus, NULL) == LSTMSENT_OK);
    REQUIRE(lstmsent_sampler_create(&sampler, dataset, 1) == LSTMSENT_OK);
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, lstmsent_corpus_vocab_size(corpus));
    o.embed_dim = 3;
    o.hidden_dim = 2;
    o.num_layers = 1;
    o.output_size = 2;
    REQUIRE(lstmsent_model_create(&model, &o) == LSTMSENT_OK);
    REQUIRE(lstmsent_optim_create_adam(&optim, model, NULL) == LSTMSENT_OK);
}

static void use_model(lstmsent_model *m, const lstmsent_corpus *vocab)
{
    lstmsent_model_options o;
    REQUIRE(lstmsent_model_get_options(m, &o) == LSTMSENT_OK);
    REQUIRE(lstmsent_model_set_training(m, 0) == LSTMSENT_OK);
    int32_t ids[2] = {0, (int32_t)(o.num_embeddings - 1)}, lengths[1] = {2};
    float *out = malloc((size_t)o.output_size * sizeof *out);
    REQUIRE(out != NULL);
    lstmsent_status st = lstmsent_model_forward(m, ids, 1, 2, lengths, NULL, out,
                                                (size_t)o.output_size, NULL);
    REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_NOMEM);
    free(out);
    if (vocab != NULL) {
        REQUIRE((int64_t)lstmsent_corpus_vocab_size(vocab) + 1 == o.num_embeddings ||
                (int64_t)lstmsent_corpus_vocab_size(vocab) + 2 == o.num_embeddings);
        int32_t enc[8];
        size_t n;
        st = lstmsent_corpus_encode(vocab, "a good film", LSTMSENT_UNKNOWN_ID, enc, 8, &n);
        REQUIRE(st == LSTMSENT_OK && n == 3);
        for (size_t i = 0; i < n; i++)
            REQUIRE(enc[i] >= 1 && enc[i] < o.num_embeddings + 1);
    }
}

static void try_checkpoint(const lstmsent__st_file *f)
{
    size_t n;
    const float *p = lstmsent__model_params(model, &n);
    float *before = malloc(n * sizeof *before);
    REQUIRE(before != NULL);
    memcpy(before, p, n * sizeof *before);
    int64_t steps = lstmsent_optim_step_count(optim), epoch = -7, step = -7;
    lstmsent_status st = lstmsent__checkpoint_from_st(f, "<fuzz>", model, optim, sampler,
                                                      &epoch, &step);
    if (st != LSTMSENT_OK) {
        REQUIRE(st < 0 && lstmsent_last_error()[0] != '\0');
        REQUIRE(memcmp(before, p, n * sizeof *before) == 0);
        REQUIRE(lstmsent_optim_step_count(optim) == steps && epoch == -7 && step == -7);
    } else {
        size_t rows;
        const size_t *order = lstmsent_sampler_rows(sampler, &rows);
        for (size_t i = 0; i < rows; i++)
            REQUIRE(order[i] < lstmsent_dataset_rows(dataset));
        /* The restored state must train: one batch from the restored epoch, if any. */
        int32_t ids[30], y[1];
        size_t got;
        REQUIRE(lstmsent_sampler_next_batch(sampler, 1, 1, ids, 30, y, 1, NULL, 0, &got) ==
                LSTMSENT_OK);
    }
    free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (model == NULL)
        make_handles();
    lstmsent__st_file *f = NULL;
    if (lstmsent__st_parse(&f, data, size) != LSTMSENT_OK) {
        REQUIRE(f == NULL);
        return 0;
    }
    for (int pass = 0; pass < 2; pass++) {
        lstmsent_load_options lo;
        lstmsent_load_options_default(&lo);
        lo.allow_unknown_tensors = pass;
        lo.reject_nonfinite = pass;
        lstmsent_model *m = (lstmsent_model *)&m;
        lstmsent_corpus *v = (lstmsent_corpus *)&v;
        lstmsent_status st = lstmsent__model_from_st(&m, pass ? &v : NULL, f, "<fuzz>", &lo);
        if (st != LSTMSENT_OK) {
            REQUIRE(st < 0 && lstmsent_last_error()[0] != '\0');
            continue;
        }
        use_model(m, pass ? v : NULL);
        if (pass)
            lstmsent_corpus_free(v);
        lstmsent_model_free(m);
    }
    try_checkpoint(f);
    lstmsent__st_free(f);
    return 0;
}
