/* model_file_check: the C side of the PyTorch interop tests (tests/parity_model_files.sh),
 * on the public API only.
 *
 *   model_file_check load MODEL REF
 *       Load MODEL (written by tests/torch_export.py) with its vocabulary, encode each
 *       phrase of REF ("phrase<TAB>outputs") with that vocabulary, and compare the model's
 *       outputs (evaluation mode, zero state, T = 30) with PyTorch's in REF.
 *   model_file_check train-save TRAIN.tsv PHRASES OUT.safetensors OUT_REF
 *       Train a small model for a few steps on TRAIN.tsv (dropout on, Adam), save it with
 *       its vocabulary to OUT, and write its outputs on the phrases of PHRASES (a REF file;
 *       its numbers are ignored) to OUT_REF, for tests/torch_import.py.
 *
 * Exit 0 on success, 1 when outputs differ by more than 1e-5, 2 on any other failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lstmsent/lstmsent.h>

enum { T = 30, MAX_PHRASES = 256, O_MAX = 16 };

#define CHECK(call)                                                                        \
    do {                                                                                   \
        lstmsent_status st_ = (call);                                                      \
        if (st_ != LSTMSENT_OK) {                                                          \
            fprintf(stderr, "model_file_check: %s: %s (%s)\n", #call, lstmsent_last_error(), \
                    lstmsent_strerror(st_));                                               \
            exit(2);                                                                       \
        }                                                                                  \
    } while (0)

typedef struct ref {
    char *phrase[MAX_PHRASES];
    float out[MAX_PHRASES][O_MAX];
    int n;
} ref;

static void read_ref(const char *path, ref *r, int O)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    char line[8192];
    r->n = 0;
    while (r->n < MAX_PHRASES && fgets(line, sizeof line, f) != NULL) {
        char *tab = strchr(line, '\t');
        if (tab == NULL) {
            fprintf(stderr, "%s: a line without a tab\n", path);
            exit(2);
        }
        *tab = '\0';
        r->phrase[r->n] = strdup(line);
        char *p = tab + 1;
        for (int k = 0; k < O; k++)
            r->out[r->n][k] = strtof(p, &p);
        r->n++;
    }
    fclose(f);
}

static void free_ref(ref *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->phrase[i]);
}

/* Outputs (n, O) of the model on the phrases, encoded with vocab as the tutorial pads. */
static float *outputs_on(lstmsent_model *m, const lstmsent_corpus *vocab, const ref *r, int O)
{
    int32_t *ids = calloc((size_t)r->n * T, sizeof *ids), *lengths = calloc((size_t)r->n, 4);
    float *out = malloc((size_t)r->n * O * sizeof *out);
    int32_t buf[512];
    for (int i = 0; i < r->n; i++) {
        size_t n;
        CHECK(lstmsent_corpus_encode(vocab, r->phrase[i], LSTMSENT_UNKNOWN_PAD, buf, 512, &n));
        size_t keep = n < T ? n : T;
        memcpy(ids + (size_t)i * T, buf, keep * sizeof *buf);
        lengths[i] = (int32_t)keep;
    }
    CHECK(lstmsent_model_set_training(m, 0));
    CHECK(lstmsent_model_forward(m, ids, r->n, T, lengths, NULL, out, (size_t)r->n * O, NULL));
    free(ids);
    free(lengths);
    return out;
}

static int load(const char *model_path, const char *ref_path)
{
    lstmsent_model *m;
    lstmsent_corpus *vocab;
    lstmsent_load_options lo;
    lstmsent_load_options_default(&lo);
    lo.reject_nonfinite = 1;
    CHECK(lstmsent_model_load(&m, &vocab, model_path, &lo));
    if (vocab == NULL) {
        fprintf(stderr, "%s: no vocabulary in the file\n", model_path);
        return 2;
    }
    lstmsent_model_options o;
    CHECK(lstmsent_model_get_options(m, &o));
    if (o.output_size > O_MAX)
        return 2;
    ref r;
    read_ref(ref_path, &r, o.output_size);
    float *out = outputs_on(m, vocab, &r, o.output_size);
    double err = 0.0;
    for (int i = 0; i < r.n; i++)
        for (int k = 0; k < o.output_size; k++)
            err = fmax(err, fabs((double)out[i * o.output_size + k] - r.out[i][k]));
    int ok = err <= 1e-5;
    printf("PyTorch -> %s: V=%lld E=%d H=%d L=%d, %d phrases, max |error| %.3g (tolerance "
           "1e-5): %s\n", model_path, (long long)o.num_embeddings, (int)o.embed_dim,
           (int)o.hidden_dim, (int)o.num_layers, r.n, err, ok ? "ok" : "FAIL");
    free(out);
    free_ref(&r);
    lstmsent_corpus_free(vocab);
    lstmsent_model_free(m);
    return ok ? 0 : 1;
}

static int train_save(const char *train, const char *phrases, const char *out_path,
                      const char *ref_path)
{
    enum { B = 32, STEPS = 12 };
    lstmsent_corpus *corpus;
    lstmsent_dataset *data;
    lstmsent_sampler *s;
    lstmsent_model *m;
    lstmsent_optim *adam;
    CHECK(lstmsent_corpus_load_tsv(&corpus, train, NULL));
    CHECK(lstmsent_dataset_create(&data, corpus, NULL));
    CHECK(lstmsent_sampler_create(&s, data, 11));
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, lstmsent_corpus_vocab_size(corpus));
    mo.embed_dim = 40;
    mo.hidden_dim = 32;
    mo.seed = 7;
    CHECK(lstmsent_model_create(&m, &mo));
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = 0.01;
    CHECK(lstmsent_optim_create_adam(&adam, m, &ao));
    int32_t ids[B * T], labels[B];
    float out[B * 5], loss;
    size_t got;
    CHECK(lstmsent_sampler_draw(s, B * STEPS));
    for (int step = 0; step < STEPS; step++) {
        CHECK(lstmsent_sampler_next_batch(s, B, 1, ids, B * T, labels, B, NULL, 0, &got));
        CHECK(lstmsent_optim_zero_grad(adam, m));
        CHECK(lstmsent_model_forward(m, ids, B, T, NULL, NULL, out, B * 5, NULL));
        CHECK(lstmsent_model_loss(m, labels, B, &loss, NULL));
        CHECK(lstmsent_model_backward(m));
        CHECK(lstmsent_model_clip_grad_norm(m, 5.0f, 0, NULL));
        CHECK(lstmsent_optim_step(adam, m));
    }
    CHECK(lstmsent_model_save(m, corpus, out_path));

    ref r;
    read_ref(phrases, &r, 0);
    float *y = outputs_on(m, corpus, &r, 5);
    FILE *f = fopen(ref_path, "w");
    if (f == NULL) {
        perror(ref_path);
        return 2;
    }
    for (int i = 0; i < r.n; i++) {
        fprintf(f, "%s\t", r.phrase[i]);
        for (int k = 0; k < 5; k++)
            fprintf(f, k ? " %.9g" : "%.9g", (double)y[i * 5 + k]);
        fprintf(f, "\n");
    }
    if (fclose(f) != 0)
        return 2;
    printf("%s: trained %d steps (last loss %.4f), saved with %zu words; %d phrases in %s\n",
           out_path, STEPS, (double)loss, lstmsent_corpus_vocab_size(corpus), r.n, ref_path);
    free(y);
    free_ref(&r);
    lstmsent_optim_free(adam);
    lstmsent_model_free(m);
    lstmsent_sampler_free(s);
    lstmsent_dataset_free(data);
    lstmsent_corpus_free(corpus);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "load") == 0)
        return load(argv[2], argv[3]);
    if (argc == 6 && strcmp(argv[1], "train-save") == 0)
        return train_save(argv[2], argv[3], argv[4], argv[5]);
    fprintf(stderr, "usage: model_file_check load MODEL REF\n"
                    "       model_file_check train-save TRAIN.tsv PHRASES OUT REF_OUT\n");
    return 2;
}
