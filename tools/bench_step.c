/*
 * liblstmsent's side of the benchmark (tools/benchmark.sh runs it beside bench_torch.py):
 * the tutorial's SentimentRNN on train.tsv's vocabulary, real batches of train.tsv padded
 * to T, one full training step (zero_grad, forward, loss, backward, clip_grad_norm, Adam)
 * timed as the median of --steps after --warmup; batched inference on dev.tsv in phrases
 * per second; the peak resident memory; and the throughput of a large cblas_sgemm in the
 * same process, the yardstick for the machine's limit. One JSON object per measurement on
 * stdout, as bench_torch.py prints them.
 *
 *   bench_step [--train data/train.tsv] [--dev data/dev.tsv] [--threads 1] [--steps 30]
 *              [--warmup 5] [--shapes 32x30,32x60] [--inference-batch 256]
 *              [--no-inference] [--no-sgemm] [--parts] [--embed E] [--hidden H]
 */
#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <lstmsent/lstmsent.h>

#ifdef LSTMSENT_HAVE_OPENBLAS_THREADS
void openblas_set_num_threads(int num_threads);
#endif

#ifndef LSTMSENT_DATA_DIR
#define LSTMSENT_DATA_DIR "data"
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;   // Linux: kilobytes
}

#define CHECK(call)                                                                        \
    do {                                                                                   \
        lstmsent_status st_ = (call);                                                      \
        if (st_ != LSTMSENT_OK) {                                                          \
            fprintf(stderr, "bench_step: %s: %s\n", #call, lstmsent_last_error());         \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

enum { PARTS = 6 };
static const char *part_names[PARTS] = {"zero_grad", "forward", "loss", "backward", "clip",
                                        "adam"};

/* The median step of the tutorial's training loop at batch B and length T. */
static void bench_train(const lstmsent_corpus *corpus, int B, int T, int E, int H, int steps,
                        int warmup, int threads, int parts)
{
    lstmsent_dataset_options dopts;
    lstmsent_dataset_options_default(&dopts);
    dopts.seq_len = T;
    lstmsent_dataset *data;
    CHECK(lstmsent_dataset_create(&data, corpus, &dopts));
    lstmsent_sampler *sampler;
    CHECK(lstmsent_sampler_create(&sampler, data, 0));

    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, lstmsent_corpus_vocab_size(corpus));
    if (E > 0)
        mo.embed_dim = E;
    if (H > 0)
        mo.hidden_dim = H;
    lstmsent_model *net;
    CHECK(lstmsent_model_create(&net, &mo));
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = 0.01;
    lstmsent_optim *adam;
    CHECK(lstmsent_optim_create_adam(&adam, net, &ao));
    lstmsent_hidden *h;
    CHECK(lstmsent_model_init_hidden(net, B, &h));

    int32_t *ids = malloc(sizeof(int32_t) * (size_t)B * (size_t)T);
    int32_t *labels = malloc(sizeof(int32_t) * (size_t)B);
    float *out = malloc(sizeof(float) * (size_t)B * (size_t)mo.output_size);
    double *total = malloc(sizeof(double) * (size_t)steps);
    double *pt = malloc(sizeof(double) * (size_t)steps * PARTS);
    if (ids == NULL || labels == NULL || out == NULL || total == NULL || pt == NULL) {
        fprintf(stderr, "bench_step: out of memory\n");
        exit(1);
    }

    CHECK(lstmsent_sampler_draw(sampler, (size_t)(warmup + steps) * (size_t)B));
    for (int s = 0; s < warmup + steps; s++) {
        size_t got;
        CHECK(lstmsent_sampler_next_batch(sampler, (size_t)B, 1, ids, (size_t)B * T, labels,
                                          (size_t)B, NULL, 0, &got));
        float loss, norm;
        double t[PARTS + 1];
        t[0] = now_s();
        CHECK(lstmsent_optim_zero_grad(adam, net));
        t[1] = now_s();
        CHECK(lstmsent_model_forward(net, ids, B, T, NULL, h, out,
                                     (size_t)B * (size_t)mo.output_size, h));
        t[2] = now_s();
        CHECK(lstmsent_model_loss(net, labels, (size_t)B, &loss, NULL));
        t[3] = now_s();
        CHECK(lstmsent_model_backward(net));
        t[4] = now_s();
        CHECK(lstmsent_model_clip_grad_norm(net, 5.0f, 0, &norm));
        t[5] = now_s();
        CHECK(lstmsent_optim_step(adam, net));
        t[6] = now_s();
        if (s >= warmup) {
            total[s - warmup] = t[PARTS] - t[0];
            for (int k = 0; k < PARTS; k++)
                pt[(size_t)k * steps + (s - warmup)] = t[k + 1] - t[k];
        }
    }
    double med = median(total, (size_t)steps);
    printf("{\"impl\": \"liblstmsent\", \"version\": \"%s\", \"threads\": %d, \"what\": \"step\", "
           "\"B\": %d, \"T\": %d, \"median_ms\": %.3f, \"steps\": %d, \"peak_rss_mb\": %.1f",
           lstmsent_version_string(), threads, B, T, med * 1e3, steps, peak_rss_mb());
    if (parts) {
        printf(", \"parts_ms\": {");
        for (int k = 0; k < PARTS; k++)
            printf("%s\"%s\": %.3f", k ? ", " : "", part_names[k],
                   median(pt + (size_t)k * steps, (size_t)steps) * 1e3);
        printf("}");
    }
    printf("}\n");
    fflush(stdout);

    free(ids);
    free(labels);
    free(out);
    free(total);
    free(pt);
    lstmsent_hidden_free(h);
    lstmsent_optim_free(adam);
    lstmsent_model_free(net);
    lstmsent_sampler_free(sampler);
    lstmsent_dataset_free(data);
}

/* Phrases per second of evaluation-mode forwards over all of dev.tsv, each batch from a
 * zero state, after one warm-up batch (as bench_torch.py does). */
static void bench_inference(const lstmsent_corpus *corpus, const char *dev_path, int batch,
                            int threads)
{
    lstmsent_corpus_options copts;
    lstmsent_corpus_options_default(&copts);
    copts.vocabulary = corpus;
    copts.unknown = LSTMSENT_UNKNOWN_PAD;
    lstmsent_corpus *dev_corpus;
    CHECK(lstmsent_corpus_load_tsv(&dev_corpus, dev_path, &copts));
    lstmsent_dataset *dev;
    CHECK(lstmsent_dataset_create(&dev, dev_corpus, NULL));
    const size_t n = lstmsent_dataset_rows(dev);
    const int32_t T = lstmsent_dataset_seq_len(dev);
    const int32_t *ids = lstmsent_dataset_ids(dev);

    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, lstmsent_corpus_vocab_size(corpus));
    lstmsent_model *net;
    CHECK(lstmsent_model_create(&net, &mo));
    CHECK(lstmsent_model_set_training(net, 0));
    float *out = malloc(sizeof(float) * (size_t)batch * (size_t)mo.output_size);
    if (out == NULL)
        exit(1);
    int32_t b0 = (int32_t)(n < (size_t)batch ? n : (size_t)batch);
    CHECK(lstmsent_model_forward(net, ids, b0, T, NULL, NULL, out,
                                 (size_t)batch * (size_t)mo.output_size, NULL));
    double t0 = now_s();
    for (size_t s = 0; s < n; s += (size_t)batch) {
        int32_t b = (int32_t)(n - s < (size_t)batch ? n - s : (size_t)batch);
        CHECK(lstmsent_model_forward(net, ids + s * (size_t)T, b, T, NULL, NULL, out,
                                     (size_t)b * (size_t)mo.output_size, NULL));
    }
    double elapsed = now_s() - t0;
    printf("{\"impl\": \"liblstmsent\", \"version\": \"%s\", \"threads\": %d, "
           "\"what\": \"inference\", \"batch\": %d, \"phrases_per_s\": %.1f, \"phrases\": %zu, "
           "\"peak_rss_mb\": %.1f}\n",
           lstmsent_version_string(), threads, batch, (double)n / elapsed, n, peak_rss_mb());
    fflush(stdout);
    free(out);
    lstmsent_model_free(net);
    lstmsent_dataset_free(dev);
    lstmsent_corpus_free(dev_corpus);
}

/* The best of several (n, n) x (n, n) sgemm calls, in GFLOP/s, with OpenBLAS itself at
 * `threads` threads (lstmsent_set_threads leaves it at one: the library splits the work). */
static void bench_sgemm(int n, int threads)
{
#ifdef LSTMSENT_HAVE_OPENBLAS_THREADS
    openblas_set_num_threads(threads);
#endif
    size_t nn = (size_t)n * (size_t)n;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    if (a == NULL || b == NULL || c == NULL)
        exit(1);
    for (size_t i = 0; i < nn; i++) {
        a[i] = (float)(i % 7) * 0.125f;
        b[i] = (float)(i % 5) * 0.25f;
        c[i] = 0.0f;
    }
    double best = 1e30;
    for (int r = 0; r < 6; r++) {
        double t0 = now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                    c, n);
        double t = now_s() - t0;
        if (r > 0 && t < best)   // the first call warms up the threads and the caches
            best = t;
    }
    printf("{\"impl\": \"cblas_sgemm\", \"threads\": %d, \"what\": \"sgemm\", \"n\": %d, "
           "\"gflops\": %.1f}\n",
           threads, n, 2.0 * (double)n * n * n / best * 1e-9);
    fflush(stdout);
    free(a);
    free(b);
    free(c);
}

static long parse_int(const char *flag, const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || v < 1) {
        fprintf(stderr, "bench_step: %s needs an integer >= 1, not '%s'\n", flag, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *train = LSTMSENT_DATA_DIR "/train.tsv", *dev = LSTMSENT_DATA_DIR "/dev.tsv";
    const char *shapes = "32x30";
    int threads = 1, steps = 30, warmup = 5, inf_batch = 256, inference = 1, sgemm = 1;
    int parts = 0, embed = 0, hidden = 0;   /* 0: the tutorial's 400 and 256 */
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (strcmp(f, "--no-inference") == 0) {
            inference = 0;
            continue;
        }
        if (strcmp(f, "--no-sgemm") == 0) {
            sgemm = 0;
            continue;
        }
        if (strcmp(f, "--parts") == 0) {
            parts = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench_step: %s needs a value\n", f);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(f, "--train") == 0)
            train = v;
        else if (strcmp(f, "--dev") == 0)
            dev = v;
        else if (strcmp(f, "--shapes") == 0)
            shapes = v;
        else if (strcmp(f, "--threads") == 0)
            threads = (int)parse_int(f, v);
        else if (strcmp(f, "--steps") == 0)
            steps = (int)parse_int(f, v);
        else if (strcmp(f, "--warmup") == 0)
            warmup = (int)parse_int(f, v);
        else if (strcmp(f, "--inference-batch") == 0)
            inf_batch = (int)parse_int(f, v);
        else if (strcmp(f, "--embed") == 0)
            embed = (int)parse_int(f, v);
        else if (strcmp(f, "--hidden") == 0)
            hidden = (int)parse_int(f, v);
        else {
            fprintf(stderr, "bench_step: unknown flag %s\n", f);
            return 2;
        }
    }

    CHECK(lstmsent_set_threads(threads));
    lstmsent_corpus *corpus;
    CHECK(lstmsent_corpus_load_tsv(&corpus, train, NULL));
    /* Shapes in the order given: the peak RSS of the first is the tutorial's training. */
    const char *s = shapes;
    while (*s != '\0') {
        int B, T, used;
        if (sscanf(s, "%dx%d%n", &B, &T, &used) != 2 || B < 1 || T < 1) {
            fprintf(stderr, "bench_step: bad shape list '%s' (BxT,BxT,...)\n", shapes);
            return 2;
        }
        bench_train(corpus, B, T, embed, hidden, steps, warmup, threads, parts);
        s += used;
        if (*s == ',')
            s++;
    }
    if (inference)
        bench_inference(corpus, dev, inf_batch, threads);
    if (sgemm)
        bench_sgemm(2048, threads);
    lstmsent_corpus_free(corpus);
    return 0;
}
