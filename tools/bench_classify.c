/*
 * Classification speed from raw text, through the public API only (lstmsent_classifier):
 * the throughput over every phrase of a TSV file (tokenising, encoding, padding and the
 * evaluation forward included; the best of --runs passes), and the latency of one call
 * classifying a single sentence (median and 99th percentile over --calls calls after
 * --warmup). One JSON object per measurement on stdout (tools/benchmark_epoch.sh).
 *
 *   bench_classify MODEL DATA.tsv [--threads 2] [--runs 3] [--calls 1000] [--warmup 50]
 *                  [--sentence TEXT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <lstmsent/lstmsent.h>

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

static int fail(const char *what)
{
    fprintf(stderr, "bench_classify: %s: %s\n", what, lstmsent_last_error());
    return 1;
}

/* The Phrase column of a Kaggle-layout TSV, read as bytes (the classifier does the rest). */
static char **read_phrases(const char *path, size_t *n_out, char **buf_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[size] = '\0';
    size_t lines = 0;
    for (long i = 0; i < size; i++)
        lines += buf[i] == '\n';
    char **phrases = malloc((lines + 1) * sizeof *phrases);
    if (phrases == NULL) {
        free(buf);
        return NULL;
    }
    int col = -1, line = 0;
    size_t n = 0;
    for (char *p = buf, *next; p != NULL && *p != '\0'; p = next, line++) {
        next = strchr(p, '\n');
        if (next != NULL)
            *next++ = '\0';
        size_t len = strlen(p);
        if (len > 0 && p[len - 1] == '\r')
            p[--len] = '\0';
        int field = 0;
        for (char *q = p, *end; q != NULL; q = end, field++) {
            end = strchr(q, '\t');
            if (end != NULL)
                *end++ = '\0';
            if (line == 0 && strcmp(q, "Phrase") == 0)
                col = field;
            else if (line > 0 && field == col)
                phrases[n++] = q;
        }
        if (line == 0 && col < 0)
            break;
    }
    if (col < 0) {
        free(phrases);
        free(buf);
        return NULL;
    }
    *n_out = n;
    *buf_out = buf;
    return phrases;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_classify MODEL DATA.tsv [--threads N] [--runs N] "
                        "[--calls N] [--warmup N] [--sentence TEXT]\n");
        return 2;
    }
    int threads = 2, runs = 3, calls = 1000, warmup = 50;
    const char *sentence = "a charming , often funny look at life in paris";   // 10 tokens
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--calls") == 0)
            calls = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--sentence") == 0)
            sentence = argv[i + 1];
    }
    if (lstmsent_set_threads(threads) != LSTMSENT_OK)
        return fail("set_threads");
    lstmsent_classifier *c;
    if (lstmsent_classifier_load(&c, argv[1], NULL) != LSTMSENT_OK)
        return fail(argv[1]);
    size_t n = 0;
    char *buf = NULL;
    char **phrases = read_phrases(argv[2], &n, &buf);
    if (phrases == NULL || n == 0) {
        fprintf(stderr, "bench_classify: %s: cannot read its Phrase column\n", argv[2]);
        return 1;
    }
    int32_t *labels = malloc(n * sizeof *labels);
    if (labels == NULL)
        return 1;

    /* Throughput: every phrase in one call (the classifier batches by 256). */
    double best = 0.0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        if (lstmsent_classifier_predict(c, (const char *const *)phrases, n, labels, NULL, 0) !=
            LSTMSENT_OK)
            return fail("predict");
        double dt = now_s() - t0;
        best = best == 0.0 || dt < best ? dt : best;
    }
    printf("{\"what\": \"classify_throughput\", \"threads\": %d, \"phrases\": %zu, "
           "\"seconds\": %.4f, \"phrases_per_s\": %.0f}\n",
           threads, n, best, (double)n / best);

    /* Latency: one sentence per call. */
    size_t tokens = 0, unknown = 0;
    lstmsent_classifier_count_tokens(c, sentence, &tokens, &unknown);
    double *lat = malloc((size_t)calls * sizeof *lat);
    float probs[LSTMSENT_MAX_CLASSES];
    int32_t label;
    if (lat == NULL)
        return 1;
    for (int i = 0; i < warmup + calls; i++) {
        double t0 = now_s();
        if (lstmsent_classifier_predict(c, &sentence, 1, &label, probs,
                                        LSTMSENT_MAX_CLASSES) != LSTMSENT_OK)
            return fail("predict");
        if (i >= warmup)
            lat[i - warmup] = now_s() - t0;
    }
    qsort(lat, (size_t)calls, sizeof *lat, cmp_double);
    size_t p99 = (size_t)((double)calls * 0.99);
    p99 = p99 < (size_t)calls ? p99 : (size_t)calls - 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"what\": \"classify_latency\", \"threads\": %d, \"tokens\": %zu, "
           "\"unknown\": %zu, \"calls\": %d, \"median_ms\": %.4f, \"p99_ms\": %.4f, "
           "\"label\": %d, \"peak_rss_mb\": %.1f}\n",
           threads, tokens, unknown, calls, 1e3 * lat[calls / 2], 1e3 * lat[p99], (int)label,
           (double)ru.ru_maxrss / 1024.0);
    free(lat);
    free(labels);
    free(phrases);
    free(buf);
    lstmsent_classifier_free(c);
    return 0;
}
