/*
 * The corpus and padded matrix of the full data/train.tsv against the tutorial's own
 * Corpus_Extr and Pad_sequences run by /usr/bin/python3 (tests/gen_corpus_fixture.py):
 * every word's id and count, every row of the (N, 30) matrix (hashed in blocks of 1000 rows,
 * and written out for the first rows and every truncated one), every phrase's untruncated
 * ids, the labels, and dev.tsv encoded with the training vocabulary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lstmsent/lstmsent.h>

#include "tap_main.h"

static lstmsent_corpus *train;
static lstmsent_dataset *padded;

static void load_train(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/train.tsv", TEST_DATA_DIR);
    ck_assert_msg(lstmsent_corpus_load_tsv(&train, path, NULL) == LSTMSENT_OK, "%s",
                  lstmsent_last_error());
    ck_assert_int_eq(lstmsent_dataset_create(&padded, train, NULL), LSTMSENT_OK);
}

static void free_train(void)
{
    lstmsent_dataset_free(padded);
    lstmsent_corpus_free(train);
    train = NULL;
    padded = NULL;
}

static FILE *open_fixture(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fixtures/%s", TEST_SRC_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    return f;
}

/* The FNV-1a 64 of int32 values as little-endian bytes (the fixture's hashes). */
static uint64_t hash_i32(uint64_t h, const int32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)v[i];
        for (int b = 0; b < 4; b++) {
            h ^= (u >> (8 * b)) & 0xff;
            h *= 0x100000001b3ULL;
        }
    }
    return h;
}

#define FNV_START 0xcbf29ce484222325ULL

START_TEST(test_counts_match_the_tutorial)
{
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(train), 159274);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(train), 16579);
    ck_assert_uint_eq(lstmsent_dataset_rows(padded), 159274);
    ck_assert_int_eq(lstmsent_dataset_seq_len(padded), 30);
    ck_assert(lstmsent_corpus_has_labels(train));
}
END_TEST

START_TEST(test_every_word_id_and_count)
{
    FILE *f = open_fixture("train_vocab.txt");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got = getline(&line, &cap, f); /* the comment line */
    ck_assert_int_gt(got, 0);
    /* Mismatches are counted and the first one reported: a passing ck_assert per word
     * would cost a Check mark point each, which valgrind makes slow. */
    int32_t id = 0;
    int bad = 0;
    char first[512] = "";
    while ((got = getline(&line, &cap, f)) > 0) {
        id++;
        line[got - 1] = '\0';
        char *tab = strrchr(line, '\t');
        ck_assert_ptr_nonnull(tab);
        *tab = '\0';
        const char *word = "";
        int64_t count = -1;
        int32_t back = -1;
        int ok = lstmsent_corpus_word(train, id, &word) == LSTMSENT_OK &&
                 strcmp(word, line) == 0 &&
                 lstmsent_corpus_word_count(train, id, &count) == LSTMSENT_OK &&
                 count == atoll(tab + 1) &&
                 lstmsent_corpus_word_id(train, line, &back) == LSTMSENT_OK && back == id;
        if (!ok && bad++ == 0)
            snprintf(first, sizeof first, "id %d: '%s' (count %lld, id back %d), Python '%s' "
                     "(count %s)", id, word, (long long)count, back, line, tab + 1);
    }
    ck_assert_msg(bad == 0, "%d words differ from Python's; the first: %s", bad, first);
    ck_assert_int_eq(id, 16579);
    free(line);
    fclose(f);
}
END_TEST

START_TEST(test_every_row_of_the_padded_matrix)
{
    FILE *f = open_fixture("train_padded.txt");
    const int32_t *ids = lstmsent_dataset_ids(padded);
    const int32_t *lengths = lstmsent_dataset_lengths(padded);
    char *line = NULL;
    size_t cap = 0;
    int blocks = 0, rows = 0, hashes = 0;
    size_t covered = 0;
    while (getline(&line, &cap, f) > 0) {
        unsigned long long first, count, n, t, h;
        char name[16];
        int used;
        if (line[0] == '#')
            continue;
        if (sscanf(line, "shape %llu %llu", &n, &t) == 2) {
            ck_assert_uint_eq(n, lstmsent_dataset_rows(padded));
            ck_assert_uint_eq(t, 30);
        } else if (sscanf(line, "block %llu %llu %llx", &first, &count, &h) == 3) {
            ck_assert_uint_eq(first, covered);
            ck_assert_msg(hash_i32(FNV_START, ids + first * 30, count * 30) == h,
                          "rows %llu..%llu differ from Python's", first, first + count - 1);
            covered += count;
            blocks++;
        } else if (sscanf(line, "row %llu %llu%n", &first, &n, &used) == 2) {
            const char *p = line + used;
            int differ = -1;
            for (int j = 0; j < 30; j++) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p || ids[first * 30 + (size_t)j] != v)
                    differ = differ < 0 ? j : differ;
                p = end;
            }
            ck_assert_msg(differ < 0, "row %llu differs from Python's from column %d: %s",
                          first, differ, line);
            ck_assert_int_eq(lengths[first], n < 30 ? (int32_t)n : 30);
            const int32_t *phrase;
            size_t len;
            ck_assert_int_eq(lstmsent_corpus_phrase_ids(train, first, &phrase, &len), LSTMSENT_OK);
            ck_assert_uint_eq(len, n);
            rows++;
        } else if (sscanf(line, "%15s %llx", name, &h) == 2 && strcmp(name, "phrases") == 0) {
            uint64_t mine = FNV_START;
            for (size_t i = 0; i < lstmsent_corpus_phrase_count(train); i++) {
                const int32_t *phrase;
                size_t len;
                ck_assert_int_eq(lstmsent_corpus_phrase_ids(train, i, &phrase, &len), LSTMSENT_OK);
                int32_t l32 = (int32_t)len;
                mine = hash_i32(hash_i32(mine, &l32, 1), phrase, len);
            }
            ck_assert_msg(mine == h, "phrase ids differ from Python's");
            hashes++;
        } else if (sscanf(line, "%15s %llx", name, &h) == 2 && strcmp(name, "labels") == 0) {
            ck_assert(hash_i32(FNV_START, lstmsent_dataset_labels(padded), covered) == h);
            ck_assert(hash_i32(FNV_START, lstmsent_corpus_labels(train), covered) == h);
            hashes++;
        } else if (sscanf(line, "dev %llu %llx", &n, &h) == 2) {
            char path[4096];
            snprintf(path, sizeof path, "%s/dev.tsv", TEST_DATA_DIR);
            lstmsent_corpus_options o;
            lstmsent_corpus_options_default(&o);
            o.vocabulary = train;
            lstmsent_corpus *dev;
            lstmsent_dataset *dm;
            ck_assert_int_eq(lstmsent_corpus_load_tsv(&dev, path, &o), LSTMSENT_OK);
            ck_assert_int_eq(lstmsent_dataset_create(&dm, dev, NULL), LSTMSENT_OK);
            ck_assert_uint_eq(lstmsent_dataset_rows(dm), n);
            ck_assert_uint_eq(lstmsent_corpus_vocab_size(dev), 16579);
            ck_assert_msg(hash_i32(FNV_START, lstmsent_dataset_ids(dm), n * 30) == h,
                          "dev.tsv's matrix differs from Python's");
            lstmsent_dataset_free(dm);
            lstmsent_corpus_free(dev);
            hashes++;
        } else {
            ck_abort_msg("unexpected fixture line: %s", line);
        }
    }
    ck_assert_uint_eq(covered, 159274);
    ck_assert_int_eq(blocks, 160);
    ck_assert_int_eq(rows, 2410); /* the first 200, and the 2218 truncated less 8 among them */
    ck_assert_int_eq(hashes, 3);
    free(line);
    fclose(f);
}
END_TEST

/* min_count on the real data: the kept words are the tutorial's first words, under the
 * tutorial's ids, and every phrase is the tutorial's encoding with the others replaced by
 * the unknown id (min_count 1 being the corpus the tests above check against Python). */
START_TEST(test_min_count_keeps_the_tutorial_ids)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/train.tsv", TEST_DATA_DIR);
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    ck_assert_int_eq(o.min_count, 1);
    o.min_count = 3;
    o.unknown = LSTMSENT_UNKNOWN_ID;
    lstmsent_corpus *cut;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&cut, path, &o), LSTMSENT_OK);
    size_t kept = 0;
    for (int32_t id = 1; id <= 16579; id++) {
        int64_t count;
        ck_assert_int_eq(lstmsent_corpus_word_count(train, id, &count), LSTMSENT_OK);
        kept += count >= 3;
    }
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(cut), kept);
    ck_assert_uint_gt(kept, 5000);
    ck_assert_uint_lt(kept, 16579);
    int bad = 0;
    for (int32_t id = 1; id <= (int32_t)kept; id++) {
        const char *a, *b;
        int64_t ca, cb;
        lstmsent_corpus_word(train, id, &a);
        lstmsent_corpus_word(cut, id, &b);
        lstmsent_corpus_word_count(train, id, &ca);
        lstmsent_corpus_word_count(cut, id, &cb);
        bad += strcmp(a, b) != 0 || ca != cb;
    }
    ck_assert_int_eq(bad, 0);
    const int32_t unk = (int32_t)kept + 1;
    for (size_t i = 0; i < lstmsent_corpus_phrase_count(train); i++) {
        const int32_t *x, *y;
        size_t nx, ny;
        lstmsent_corpus_phrase_ids(train, i, &x, &nx);
        lstmsent_corpus_phrase_ids(cut, i, &y, &ny);
        bad += nx != ny;
        for (size_t k = 0; k < nx && k < ny; k++)
            bad += y[k] != (x[k] <= (int32_t)kept ? x[k] : unk);
    }
    ck_assert_msg(bad == 0, "%d ids differ from the tutorial's with the rare words cut", bad);
    lstmsent_corpus_free(cut);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("corpus_train");
    TCase *tc = tcase_create("train.tsv");
    tcase_add_unchecked_fixture(tc, load_train, free_train);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_counts_match_the_tutorial);
    tcase_add_test(tc, test_every_word_id_and_count);
    tcase_add_test(tc, test_every_row_of_the_padded_matrix);
    tcase_add_test(tc, test_min_count_keeps_the_tutorial_ids);
    suite_add_tcase(s, tc);
    return s;
}
