/* autopkgtest training-step: the installed library trains. A tiny model over eight
 * phrases: backward's gradients agree with central differences of the loss, Adam steps
 * on one batch drive the loss down until every phrase is classified right, and the model
 * saved with its vocabulary and loaded back as a classifier labels the raw text the same
 * way. argv[1] is a scratch directory. */
#include <lstmsent/lstmsent.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B 8   /* phrases, one batch */
#define T 8   /* padded length */
#define O 5   /* classes */

#define CHECK(call)                                                                    \
    do {                                                                               \
        lstmsent_status st_ = (call);                                                  \
        if (st_ != LSTMSENT_OK) {                                                      \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call,         \
                    lstmsent_strerror(st_), lstmsent_last_error());                    \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static const char *const phrases[B] = {
    "a gorgeous , witty , seductive movie .",
    "a dull , lifeless mess .",
    "the plot is thin but the actors are fine .",
    "one of the best films of the year .",
    "it is a movie .",
    "boring and far too long .",
    "a fine , touching film .",
    "the worst film of the year .",
};
static const int32_t phrase_labels[B] = {4, 0, 2, 4, 2, 1, 3, 0};

static lstmsent_model *net;
static int32_t ids[B * T], lengths[B], labels[B];

static float loss_now(void)
{
    float out[B * O], loss;
    CHECK(lstmsent_model_forward(net, ids, B, T, lengths, NULL, out, B * O, NULL));
    CHECK(lstmsent_model_loss(net, labels, B, &loss, NULL));
    return loss;
}

/* Every parameter moved by s along the gradient direction u = g / |g|. */
static void move(float **w, float **g, double norm, float s)
{
    for (size_t p = 0; p < lstmsent_model_param_count(net); p++) {
        const char *name;
        size_t numel;
        CHECK(lstmsent_model_param_info(net, p, &name, NULL, NULL, &numel));
        float *moved = malloc(numel * sizeof *moved);
        if (!moved)
            exit(1);
        for (size_t i = 0; i < numel; i++)
            moved[i] = w[p][i] + (float)(s * g[p][i] / norm);
        CHECK(lstmsent_model_set_param(net, name, moved, numel));
        free(moved);
    }
}

/* backward's gradient against central differences of the loss: a few entries of every
 * parameter, and the derivative along the gradient itself, which must be its norm. */
static int check_gradients(void)
{
    const size_t np = lstmsent_model_param_count(net);
    float **w = calloc(np, sizeof *w), **g = calloc(np, sizeof *g);
    double norm2 = 0;
    int bad = 0;
    if (!w || !g)
        exit(1);
    CHECK(lstmsent_model_zero_grad(net));
    loss_now();
    CHECK(lstmsent_model_backward(net));
    for (size_t p = 0; p < np; p++) {
        const char *name;
        size_t numel;
        int64_t shape[2];
        CHECK(lstmsent_model_param_info(net, p, &name, NULL, shape, &numel));
        w[p] = malloc(numel * sizeof **w);
        g[p] = malloc(numel * sizeof **g);
        if (!w[p] || !g[p])
            exit(1);
        CHECK(lstmsent_model_get_param(net, name, w[p], numel));
        CHECK(lstmsent_model_get_grad(net, name, g[p], numel));
        for (size_t i = 0; i < numel; i++)
            norm2 += (double)g[p][i] * g[p][i];
        for (size_t k = 0; k < 3; k++) {
            /* Spread over the tensor; in the embedding, row 1 (the word "a", in the batch:
             * rows of words not in it get no gradient). */
            size_t i = strcmp(name, "embedding.weight") == 0 ? (size_t)shape[1] + k
                                                             : (k * 7919 + 13) % numel;
            const float h = 1e-2f, saved = w[p][i];
            w[p][i] = saved + h;
            CHECK(lstmsent_model_set_param(net, name, w[p], numel));
            float up = loss_now();
            w[p][i] = saved - h;
            CHECK(lstmsent_model_set_param(net, name, w[p], numel));
            float down = loss_now();
            w[p][i] = saved;
            CHECK(lstmsent_model_set_param(net, name, w[p], numel));
            /* float losses near 1.6 differ in steps of about 1e-7: 1e-5 of slack. */
            double numeric = ((double)up - down) / (2.0 * h);
            int ok = fabs(numeric - g[p][i]) <= 1e-5 + 0.03 * fabs(numeric);
            printf("grad %-22s [%5zu] backward % .6f numeric % .6f %s\n", name, i, g[p][i],
                   numeric, ok ? "ok" : "MISMATCH");
            bad += !ok;
        }
    }
    double norm = sqrt(norm2);
    const float h = 1e-2f;
    move(w, g, norm, h);
    float up = loss_now();
    move(w, g, norm, -h);
    float down = loss_now();
    move(w, g, norm, 0.0f);
    double numeric = ((double)up - down) / (2.0 * h);
    int ok = norm > 1e-3 && fabs(numeric - norm) <= 0.01 * norm;
    printf("grad along the gradient: |g| %.6f numeric %.6f %s\n", norm, numeric,
           ok ? "ok" : "MISMATCH");
    bad += !ok;
    for (size_t p = 0; p < np; p++) {
        free(w[p]);
        free(g[p]);
    }
    free(w);
    free(g);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: train_step DIR\n");
        return 2;
    }
    lstmsent_corpus *corpus;
    lstmsent_dataset *data;
    lstmsent_dataset_options dopts;
    CHECK(lstmsent_corpus_create(&corpus, phrases, phrase_labels, B, NULL));
    lstmsent_dataset_options_default(&dopts);
    dopts.seq_len = T;
    CHECK(lstmsent_dataset_create(&data, corpus, &dopts));
    memcpy(ids, lstmsent_dataset_ids(data), sizeof ids);
    memcpy(lengths, lstmsent_dataset_lengths(data), sizeof lengths);
    memcpy(labels, lstmsent_dataset_labels(data), sizeof labels);

    /* Small and deterministic: no dropout, so every forward of the same batch is equal. */
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, lstmsent_corpus_vocab_size(corpus));
    mo.embed_dim = 8;
    mo.hidden_dim = 8;
    mo.num_layers = 2;
    mo.lstm_dropout = 0.0f;
    mo.output_dropout = 0.0f;
    mo.head = LSTMSENT_HEAD_LOGITS;
    mo.pooling = LSTMSENT_POOL_LAST_TOKEN;
    mo.padding_idx = 0;
    mo.seq_len = T;
    mo.seed = 1;
    CHECK(lstmsent_model_create(&net, &mo));
    CHECK(lstmsent_set_threads(1));

    int bad = check_gradients();

    lstmsent_optim *adam;
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = 0.02;
    CHECK(lstmsent_optim_create_adam(&adam, net, &ao));
    float first_loss = 0, loss = 0, acc = 0, norm, out[B * O], before[O * 8], after[O * 8];
    CHECK(lstmsent_model_get_param(net, "fc.weight", before, (size_t)O * 8));
    for (int step = 0; step < 200; step++) {
        CHECK(lstmsent_optim_zero_grad(adam, net));
        CHECK(lstmsent_model_forward(net, ids, B, T, lengths, NULL, out, B * O, NULL));
        CHECK(lstmsent_model_loss(net, labels, B, &loss, &acc));
        CHECK(lstmsent_model_backward(net));
        CHECK(lstmsent_model_clip_grad_norm(net, 5.0f, 1, &norm));
        CHECK(lstmsent_optim_step(adam, net));
        if (step == 0)
            first_loss = loss;
        if (step % 40 == 0)
            printf("step %3d loss %.4f acc %.3f grad norm %.4f\n", step, loss, acc, norm);
    }
    CHECK(lstmsent_model_get_param(net, "fc.weight", after, (size_t)O * 8));
    loss = loss_now();
    printf("after %lld steps: loss %.4f (first %.4f)\n",
           (long long)lstmsent_optim_step_count(adam), loss, first_loss);
    if (lstmsent_optim_step_count(adam) != 200 || memcmp(before, after, sizeof after) == 0) {
        fprintf(stderr, "Adam did not step\n");
        bad++;
    }
    if (!(isfinite(loss) && loss < 0.25f * first_loss)) {
        fprintf(stderr, "the loss did not fall: %.4f -> %.4f\n", first_loss, loss);
        bad++;
    }

    /* Saved with its vocabulary, loaded as a classifier: raw text in, the labels out. */
    char path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", argv[1]);
    CHECK(lstmsent_model_save(net, corpus, path));
    lstmsent_classifier *clf;
    int32_t predicted[B];
    float probs[B * O];
    CHECK(lstmsent_classifier_load(&clf, path, NULL));
    CHECK(lstmsent_classifier_predict(clf, phrases, B, predicted, probs, B * O));
    for (int i = 0; i < B; i++) {
        printf("%d  %.3f  %s\n", predicted[i], probs[i * O + predicted[i]], phrases[i]);
        if (predicted[i] != phrase_labels[i]) {
            fprintf(stderr, "phrase %d: label %d, expected %d\n", i, predicted[i],
                    phrase_labels[i]);
            bad++;
        }
    }
    lstmsent_classifier_free(clf);
    lstmsent_optim_free(adam);
    lstmsent_model_free(net);
    lstmsent_dataset_free(data);
    lstmsent_corpus_free(corpus);
    if (bad) {
        fprintf(stderr, "%d check(s) failed\n", bad);
        return 1;
    }
    printf("training step: OK\n");
    return 0;
}
