/*
 * What the model files' checksums cost on load: saves a tutorial-size model
 * (lstmsent_model_options_default with a vocabulary of 16,579 words: a 31 MB file) twice,
 * once as lstmsent_model_save writes it (with checksums) and once with the same contents
 * but without the two checksum keys (which loads unchecked), then times
 * lstmsent_model_load on the two in turn, and the checksum computation alone on the file
 * in memory. docs/benchmarks.md has the figures and how to rerun them.
 *
 *   bench_load [directory] [runs]      (defaults: /tmp, 15)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lstmsent/lstmsent.h>

#include "safetensors.h"

enum { WORDS = 16579 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

#define CHECK(call)                                                                        \
    do {                                                                                   \
        lstmsent_status st_ = (call);                                                      \
        if (st_ != LSTMSENT_OK) {                                                          \
            fprintf(stderr, "bench_load: %s: %s\n", #call, lstmsent_last_error());         \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

/* The file at from, rewritten to `to` with every tensor and metadata entry but the two
 * checksum keys: the same model, loaded unchecked. */
static void strip_checksums(const char *from, const char *to)
{
    lstmsent__st_file *f;
    CHECK(lstmsent__st_read_file(&f, from));
    lstmsent__st_out_tensor *t = calloc(f->n_tensors, sizeof *t);
    float **vals = calloc(f->n_tensors, sizeof *vals);
    lstmsent__st_pair *meta = calloc(f->n_meta, sizeof *meta);
    if (t == NULL || vals == NULL || meta == NULL)
        exit(1);
    for (size_t i = 0; i < f->n_tensors; i++) {
        const lstmsent__st_tensor *x = &f->tensors[i];
        vals[i] = malloc(x->numel * sizeof(float) + 1);
        if (vals[i] == NULL)
            exit(1);
        CHECK(lstmsent__st_load_f32(f, x->name, x->ndim, x->shape, vals[i], 0));
        t[i] = (lstmsent__st_out_tensor){x->name, x->ndim, x->shape, vals[i]};
    }
    size_t nm = 0;
    for (size_t i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, LSTMSENT__ST_SUM_HEADER) != 0 &&
            strcmp(f->meta[i].key, LSTMSENT__ST_SUM_DATA) != 0)
            meta[nm++] = (lstmsent__st_pair){f->meta[i].key, f->meta[i].value};
    CHECK(lstmsent__st_save_f32(to, t, f->n_tensors, meta, nm));
    for (size_t i = 0; i < f->n_tensors; i++)
        free(vals[i]);
    free(vals);
    free(t);
    free(meta);
    lstmsent__st_free(f);
}

static double time_load(const char *path)
{
    lstmsent_model *m;
    lstmsent_corpus *v;
    double t0 = now();
    CHECK(lstmsent_model_load(&m, &v, path, NULL));
    double t = now() - t0;
    lstmsent_model_free(m);
    lstmsent_corpus_free(v);
    return t;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    int runs = argc > 2 ? atoi(argv[2]) : 15;
    if (runs < 1 || runs > 200) {
        fprintf(stderr, "usage: %s [directory] [runs 1..200]\n", argv[0]);
        return 2;
    }
    char with[4096], without[4096];
    snprintf(with, sizeof with, "%s/bench_load_checked.safetensors", dir);
    snprintf(without, sizeof without, "%s/bench_load_unchecked.safetensors", dir);

    /* A vocabulary of the tutorial's size: 16,579 distinct words of 4 to 9 bytes. */
    char **phrases = malloc(WORDS * sizeof *phrases);
    if (phrases == NULL)
        return 1;
    for (int i = 0; i < WORDS; i++) {
        phrases[i] = malloc(16);
        if (phrases[i] == NULL)
            return 1;
        snprintf(phrases[i], 16, "w%d", i * 7919 % 1000003);
    }
    lstmsent_corpus *vocab;
    CHECK(lstmsent_corpus_create(&vocab, (const char *const *)phrases, NULL, WORDS, NULL));
    lstmsent_model_options o;
    lstmsent_model_options_default(&o, lstmsent_corpus_vocab_size(vocab));
    lstmsent_model *model;
    CHECK(lstmsent_model_create(&model, &o));
    CHECK(lstmsent_model_save(model, vocab, with));
    lstmsent_model_free(model);
    lstmsent_corpus_free(vocab);
    for (int i = 0; i < WORDS; i++)
        free(phrases[i]);
    free(phrases);
    strip_checksums(with, without);

    lstmsent__st_file *f;
    CHECK(lstmsent__st_read_file(&f, with));
    size_t bytes = 8 + f->header_len + f->data_len;
    printf("file: %zu bytes (header %zu, data %zu), %d words, %zu tensors\n", bytes,
           f->header_len, f->data_len, WORDS, f->n_tensors);

    /* Once each first, so both files are in the page cache; then in turn. */
    time_load(with);
    time_load(without);
    double *a = malloc(sizeof(double) * (size_t)runs), *b = malloc(sizeof(double) * (size_t)runs);
    double *s = malloc(sizeof(double) * (size_t)runs), *rd = malloc(sizeof(double) * (size_t)runs);
    if (a == NULL || b == NULL || s == NULL || rd == NULL)
        return 1;
    for (int r = 0; r < runs; r++) {
        a[r] = time_load(with);
        b[r] = time_load(without);
        uint64_t h, d;
        double t0 = now();
        CHECK(lstmsent__st_checksums(f, &h, &d));
        s[r] = now() - t0;
        lstmsent__st_file *g;
        t0 = now();
        CHECK(lstmsent__st_read_file(&g, with));
        rd[r] = now() - t0;
        lstmsent__st_free(g);
    }
    lstmsent__st_free(f);
    double ma = median(a, runs), mb = median(b, runs), ms = median(s, runs);
    double mr = median(rd, runs);
    printf("lstmsent_model_load, median of %d: with checksums %.2f ms (min %.2f), without "
           "%.2f ms (min %.2f): %+.2f ms (%+.1f%%)\n", runs, 1e3 * ma, 1e3 * a[0], 1e3 * mb,
           1e3 * b[0], 1e3 * (ma - mb), 100.0 * (ma - mb) / mb);
    printf("lstmsent__st_checksums alone (file in memory), median of %d: %.2f ms (min %.2f), "
           "%.1f GB/s\n", runs, 1e3 * ms, 1e3 * s[0], (double)bytes / ms / 1e9);
    printf("of a load, reading and parsing the file (lstmsent__st_read_file), median of %d: "
           "%.2f ms (min %.2f)\n", runs, 1e3 * mr, 1e3 * rd[0]);
    remove(with);
    remove(without);
    free(a);
    free(b);
    free(s);
    free(rd);
    return 0;
}
