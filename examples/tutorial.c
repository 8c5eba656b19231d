/*
 * The tutorial's training loop with liblstmsent's public API: 200 epochs, each of 1000
 * rows of train.tsv drawn with replacement, batch 32 (the last partial batch dropped), the
 * hidden state carried from batch to batch within an epoch, Adam(lr = 0.01), gradients
 * clipped at 5. It prints the tutorial's two lines at batches 0 and 20 of every epoch, then
 * the accuracy on dev.tsv and the wall time. Unlike the tutorial, every sampled row keeps
 * its own label (docs/tutorial.md explains the difference).
 *
 *   build/examples/tutorial [--epochs 200] [--samples 1000] [--batch 32] [--seed 1]
 *                           [--train data/train.tsv] [--dev data/dev.tsv]
 *                           [--metrics tutorial-metrics.csv] [--threads 1]
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lstmsent/lstmsent.h>

#ifndef LSTMSENT_DATA_DIR
#define LSTMSENT_DATA_DIR "data"
#endif

typedef struct args {
    long epochs, samples, batch, threads;
    uint64_t seed;
    const char *train, *dev, *metrics;
} args;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tutorial [--epochs N] [--samples N] [--batch N] [--seed N] [--train PATH]\n"
            "                [--dev PATH] [--metrics CSV] [--threads N]\n"
            "The tutorial's loop: defaults 200 epochs of 1000 rows, batch 32, seed 1,\n"
            "data from " LSTMSENT_DATA_DIR ", metrics to tutorial-metrics.csv, 1 thread.\n");
}

static int parse_long(const char *flag, const char *s, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || v < min) {
        fprintf(stderr, "tutorial: %s needs an integer >= %ld, not '%s'\n", flag, min, s);
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_args(int argc, char **argv, args *a)
{
    a->epochs = 200;
    a->samples = 1000;
    a->batch = 32;
    a->threads = 1;
    a->seed = 1;
    a->train = LSTMSENT_DATA_DIR "/train.tsv";
    a->dev = LSTMSENT_DATA_DIR "/dev.tsv";
    a->metrics = "tutorial-metrics.csv";
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (strcmp(f, "-h") == 0 || strcmp(f, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "tutorial: %s needs a value\n", f);
            return 0;
        }
        const char *v = argv[++i];
        long seed;
        int ok = 1;
        if (strcmp(f, "--epochs") == 0)
            ok = parse_long(f, v, 1, &a->epochs);
        else if (strcmp(f, "--samples") == 0)
            ok = parse_long(f, v, 1, &a->samples);
        else if (strcmp(f, "--batch") == 0)
            ok = parse_long(f, v, 1, &a->batch);
        else if (strcmp(f, "--threads") == 0)
            ok = parse_long(f, v, 1, &a->threads);
        else if (strcmp(f, "--seed") == 0) {
            ok = parse_long(f, v, 0, &seed);
            a->seed = (uint64_t)seed;
        } else if (strcmp(f, "--train") == 0)
            a->train = v;
        else if (strcmp(f, "--dev") == 0)
            a->dev = v;
        else if (strcmp(f, "--metrics") == 0)
            a->metrics = v;
        else {
            fprintf(stderr, "tutorial: unknown flag %s\n", f);
            usage(stderr);
            return 0;
        }
        if (!ok)
            return 0;
    }
    if (a->batch > a->samples) {
        fprintf(stderr, "tutorial: --batch %ld is larger than --samples %ld: no batch would run\n",
                a->batch, a->samples);
        return 0;
    }
    return 1;
}

/* Print a value as Python prints a float (the shortest text that reads back the same
 * double), as the tutorial's f'acc:{...}' does for its 0-d tensor. */
static void print_python_float(FILE *f, double x)
{
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    if (strpbrk(buf, ".eninf") == NULL)
        strcat(buf, ".0");
    fputs(buf, f);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Report a failed call with the library's message and leave. */
#define CHECK(call)                                                                        \
    do {                                                                                   \
        lstmsent_status st_ = (call);                                                      \
        if (st_ != LSTMSENT_OK) {                                                          \
            fprintf(stderr, "tutorial: %s: %s (%s)\n", #call, lstmsent_last_error(),       \
                    lstmsent_strerror(st_));                                               \
            goto done;                                                                     \
        }                                                                                  \
    } while (0)

/* Accuracy on a labelled dataset in evaluation mode, each batch from a zero state. */
static lstmsent_status evaluate(lstmsent_model *net, const lstmsent_dataset *data, double *acc)
{
    enum { EVAL_BATCH = 256 };
    const size_t n = lstmsent_dataset_rows(data);
    const int32_t t = lstmsent_dataset_seq_len(data);
    const int32_t *ids = lstmsent_dataset_ids(data);
    const int32_t *lengths = lstmsent_dataset_lengths(data);
    const int32_t *labels = lstmsent_dataset_labels(data);
    lstmsent_model_options mo;
    lstmsent_model_get_options(net, &mo);
    float *out = malloc(sizeof(float) * EVAL_BATCH * (size_t)mo.output_size);
    if (out == NULL)
        return LSTMSENT_ERR_NOMEM;
    lstmsent_status st = lstmsent_model_set_training(net, 0);
    size_t correct = 0;
    for (size_t s = 0; s < n && st == LSTMSENT_OK; s += EVAL_BATCH) {
        int32_t b = (int32_t)(n - s < EVAL_BATCH ? n - s : EVAL_BATCH);
        st = lstmsent_model_forward(net, ids + s * (size_t)t, b, t, lengths + s, NULL, out,
                                    (size_t)b * (size_t)mo.output_size, NULL);
        for (int32_t i = 0; i < b && st == LSTMSENT_OK; i++) {
            const float *row = out + (size_t)i * (size_t)mo.output_size;
            int32_t best = 0;
            for (int32_t k = 1; k < mo.output_size; k++)
                if (row[k] > row[best])
                    best = k;
            correct += best == labels[s + (size_t)i];
        }
    }
    lstmsent_status st2 = lstmsent_model_set_training(net, 1);
    free(out);
    *acc = n ? (double)correct / (double)n : 0.0;
    return st != LSTMSENT_OK ? st : st2;
}

int main(int argc, char **argv)
{
    args a;
    if (!parse_args(argc, argv, &a))
        return 2;

    int rc = 1;
    lstmsent_corpus *corpus = NULL, *dev_corpus = NULL;
    lstmsent_dataset *data = NULL, *dev = NULL;
    lstmsent_sampler *sampler = NULL;
    lstmsent_model *net = NULL;
    lstmsent_optim *adam = NULL;
    lstmsent_hidden *h = NULL;
    FILE *metrics = NULL;
    int32_t *ids = NULL, *labels = NULL;
    float *out = NULL;
    const int32_t batch = (int32_t)a.batch, print_every = 20;

    CHECK(lstmsent_set_threads((int)a.threads));
    double t0 = now_seconds();
    CHECK(lstmsent_corpus_load_tsv(&corpus, a.train, NULL));
    lstmsent_corpus_options dev_opts;
    lstmsent_corpus_options_default(&dev_opts);
    dev_opts.vocabulary = corpus;           /* dev encoded with the training vocabulary */
    dev_opts.unknown = LSTMSENT_UNKNOWN_PAD;
    CHECK(lstmsent_corpus_load_tsv(&dev_corpus, a.dev, &dev_opts));
    CHECK(lstmsent_dataset_create(&data, corpus, NULL));   /* Pad_sequences(..., 30) */
    CHECK(lstmsent_dataset_create(&dev, dev_corpus, NULL));
    if (lstmsent_dataset_labels(data) == NULL || lstmsent_dataset_labels(dev) == NULL) {
        fprintf(stderr, "tutorial: %s and %s need a Sentiment column\n", a.train, a.dev);
        goto done;
    }
    const int32_t t = lstmsent_dataset_seq_len(data);
    CHECK(lstmsent_sampler_create(&sampler, data, a.seed));

    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, lstmsent_corpus_vocab_size(corpus));
    mo.seed = a.seed;
    CHECK(lstmsent_model_create(&net, &mo));
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = 0.01;
    CHECK(lstmsent_optim_create_adam(&adam, net, &ao));
    CHECK(lstmsent_model_init_hidden(net, batch, &h));
    printf("SentimentRNN(\n  (embedding): Embedding(%" PRId64 ", %d)\n"
           "  (lstm): LSTM(%d, %d, num_layers=%d, batch_first=True, dropout=%g)\n"
           "  (dropout): Dropout(p=%g, inplace=False)\n"
           "  (fc): Linear(in_features=%d, out_features=%d, bias=True)\n  (act): Sigmoid()\n)\n",
           mo.num_embeddings, mo.embed_dim, mo.embed_dim, mo.hidden_dim, mo.num_layers,
           (double)mo.lstm_dropout, (double)mo.output_dropout, mo.hidden_dim, mo.output_size);
    fflush(stdout);

    ids = malloc(sizeof(int32_t) * (size_t)batch * (size_t)t);
    labels = malloc(sizeof(int32_t) * (size_t)batch);
    out = malloc(sizeof(float) * (size_t)batch * (size_t)mo.output_size);
    if (ids == NULL || labels == NULL || out == NULL) {
        fprintf(stderr, "tutorial: out of memory\n");
        goto done;
    }
    metrics = fopen(a.metrics, "w");
    if (metrics == NULL) {
        fprintf(stderr, "tutorial: cannot write %s: %s\n", a.metrics, strerror(errno));
        goto done;
    }
    fprintf(metrics, "kind,epoch,step,batch,loss,acc\n");

    double train_start = now_seconds();
    long counter = 0;
    double acc_tail = 0.0;
    long tail_epochs = 0;
    for (long e = 0; e < a.epochs; e++) {
        CHECK(lstmsent_sampler_draw(sampler, (size_t)a.samples));
        CHECK(lstmsent_hidden_zero(h));     /* h = net.init_hidden(32), once per epoch */
        double running_loss = 0.0;
        float running_acc = 0.0f;            /* a float32 tensor in the tutorial */
        long idx = 0;
        size_t got;
        for (;; idx++) {
            CHECK(lstmsent_sampler_next_batch(sampler, (size_t)batch, 1, ids,
                                              (size_t)batch * (size_t)t, labels,
                                              (size_t)batch, NULL, 0, &got));
            if (got == 0)
                break;
            counter++;
            CHECK(lstmsent_optim_zero_grad(adam, net));
            CHECK(lstmsent_model_forward(net, ids, batch, t, NULL, h, out,
                                         (size_t)batch * (size_t)mo.output_size, h));
            float loss, acc, norm;
            CHECK(lstmsent_model_loss(net, labels, (size_t)batch, &loss, &acc));
            CHECK(lstmsent_model_backward(net));
            running_loss += loss;
            running_acc += acc;
            CHECK(lstmsent_model_clip_grad_norm(net, 5.0f, 0, &norm));
            CHECK(lstmsent_optim_step(adam, net));
            if (idx % print_every == 0) {
                printf("Epoch: %ld/%ld... Step: %ld... Loss: %.6f...\n", e + 1, a.epochs,
                       counter, running_loss / (double)(idx + 1));
                printf("acc:");
                print_python_float(stdout, (double)(running_acc / (float)(idx + 1)));
                printf("\n");
                fflush(stdout);
                fprintf(metrics, "print,%ld,%ld,%ld,%.6f,%.6f\n", e + 1, counter, idx,
                        running_loss / (double)(idx + 1),
                        (double)(running_acc / (float)(idx + 1)));
            }
        }
        /* The tutorial's loader also yields the partial batch it breaks on: it counts. */
        if (a.samples % a.batch != 0)
            counter++;
        double epoch_acc = idx ? (double)running_acc / (double)idx : 0.0;
        fprintf(metrics, "epoch,%ld,%ld,%ld,%.6f,%.6f\n", e + 1, counter, idx,
                idx ? running_loss / (double)idx : 0.0, epoch_acc);
        fflush(metrics);   /* a long run's curve survives an interruption */
        if (e >= a.epochs - 20) {
            acc_tail += epoch_acc;
            tail_epochs++;
        }
    }
    double wall = now_seconds() - train_start;

    double dev_acc;
    CHECK(evaluate(net, dev, &dev_acc));
    printf("dev accuracy: %.4f (%zu phrases)\n", dev_acc, lstmsent_dataset_rows(dev));
    printf("train accuracy, mean of the last %ld epochs: %.4f\n", tail_epochs,
           tail_epochs ? acc_tail / (double)tail_epochs : 0.0);
    printf("wall time: %.1f s for %ld epochs (%.1f ms per step), %d thread(s); "
           "%.1f s in all with loading\n",
           wall, a.epochs, counter ? 1000.0 * wall / (double)counter : 0.0,
           lstmsent_get_threads(), now_seconds() - t0);
    fprintf(metrics, "summary,%ld,%ld,0,%.1f,%.6f\n", a.epochs, counter, wall, dev_acc);
    rc = 0;

done:
    if (metrics != NULL && fclose(metrics) != 0 && rc == 0) {
        fprintf(stderr, "tutorial: writing %s failed\n", a.metrics);
        rc = 1;
    }
    free(ids);
    free(labels);
    free(out);
    lstmsent_hidden_free(h);
    lstmsent_optim_free(adam);
    lstmsent_model_free(net);
    lstmsent_sampler_free(sampler);
    lstmsent_dataset_free(dev);
    lstmsent_dataset_free(data);
    lstmsent_corpus_free(dev_corpus);
    lstmsent_corpus_free(corpus);
    return rc;
}
