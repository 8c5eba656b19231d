/*
 * Times corpus building on a TSV file the way the tutorial's Corpus_Extr + Pad_sequences
 * do it: lstmsent_corpus_load_tsv (read, tokenise, count, sort, number the phrases) and
 * lstmsent_dataset_create (the (N, 30) matrix). tools/bench_corpus.py times the Python
 * reference; docs/corpus.md has both figures and how to rerun them.
 *
 *   bench_corpus [file.tsv] [repeats]      (defaults: data/train.tsv, 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <lstmsent/lstmsent.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall time, and the process's CPU time: on a busy machine the second is the steadier. */
static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static double cpu(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "data/train.tsv";
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (repeats < 1 || repeats > 1000) {
        fprintf(stderr, "usage: %s [file.tsv] [repeats 1..1000]\n", argv[0]);
        return 2;
    }
    double *load = malloc(sizeof(double) * (size_t)repeats);
    double *pad = malloc(sizeof(double) * (size_t)repeats);
    double *cpu_total = malloc(sizeof(double) * (size_t)repeats);
    if (load == NULL || pad == NULL || cpu_total == NULL)
        return 1;
    size_t phrases = 0, words = 0;
    for (int r = 0; r < repeats; r++) {
        lstmsent_corpus *c;
        lstmsent_dataset *d;
        double c0 = cpu(), t0 = now();
        if (lstmsent_corpus_load_tsv(&c, path, NULL) != LSTMSENT_OK) {
            fprintf(stderr, "%s\n", lstmsent_last_error());
            return 1;
        }
        double t1 = now();
        if (lstmsent_dataset_create(&d, c, NULL) != LSTMSENT_OK) {
            fprintf(stderr, "%s\n", lstmsent_last_error());
            return 1;
        }
        double t2 = now(), c2 = cpu();
        cpu_total[r] = c2 - c0;
        load[r] = t1 - t0;
        pad[r] = t2 - t1;
        phrases = lstmsent_corpus_phrase_count(c);
        words = lstmsent_corpus_vocab_size(c);
        lstmsent_dataset_free(d);
        lstmsent_corpus_free(c);
    }
    double total_min = 1e30;
    for (int r = 0; r < repeats; r++)
        total_min = load[r] + pad[r] < total_min ? load[r] + pad[r] : total_min;
    qsort(load, (size_t)repeats, sizeof *load, cmp_double);
    qsort(cpu_total, (size_t)repeats, sizeof *cpu_total, cmp_double);
    qsort(pad, (size_t)repeats, sizeof *pad, cmp_double);
    printf("%s: %zu phrases, %zu words, %d runs\n", path, phrases, words, repeats);
    printf("load_tsv (read + tokenise + vocabulary + ids): min %.1f ms, median %.1f ms\n",
           1e3 * load[0], 1e3 * load[repeats / 2]);
    printf("dataset_create (N, 30):                         min %.1f ms, median %.1f ms\n",
           1e3 * pad[0], 1e3 * pad[repeats / 2]);
    printf("total, best run:                                %.1f ms\n", 1e3 * total_min);
    printf("total CPU time:                                 min %.1f ms, median %.1f ms\n",
           1e3 * cpu_total[0], 1e3 * cpu_total[repeats / 2]);
    free(load);
    free(pad);
    free(cpu_total);
    return 0;
}
