/*
 * The padded dataset and the sampler through the public API: padding and truncation both
 * ways, lengths and labels aligned with rows, T = 0 and other bad options; the sampler's
 * seeded draws over every row, permutations, batches copied into the caller's buffers with
 * capacity checks, and the tutorial's rule that the last partial batch is dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lstmsent/lstmsent.h>

#include "tap_main.h"

#define DS_SENTINEL ((lstmsent_dataset *)(uintptr_t)0x5a5a)
#define SA_SENTINEL ((lstmsent_sampler *)(uintptr_t)0x5a5a)

/* Phrases of 0, 2 and 5 tokens: "", "b a", "a b c d e". a and b are seen twice, b first:
 * b 1, a 2, c 3, d 4, e 5. */
static lstmsent_corpus *three_phrases(void)
{
    const char *phrases[] = {"", "b a", "a b c d e"};
    const int32_t labels[] = {4, 0, 3};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, labels, 3, NULL), LSTMSENT_OK);
    return c;
}

static void assert_row(const lstmsent_dataset *d, size_t r, const int32_t *want)
{
    int32_t T = lstmsent_dataset_seq_len(d);
    const int32_t *row = lstmsent_dataset_ids(d) + r * (size_t)T;
    for (int32_t t = 0; t < T; t++)
        ck_assert_msg(row[t] == want[t], "row %zu col %d: %d, want %d", r, t, row[t], want[t]);
}

START_TEST(test_defaults_pad_right_truncate_end)
{
    lstmsent_dataset_options o;
    lstmsent_dataset_options_default(&o);
    ck_assert_int_eq(o.seq_len, 30);
    ck_assert_int_eq(o.padding, LSTMSENT_PAD_RIGHT);
    ck_assert_int_eq(o.truncation, LSTMSENT_TRUNCATE_END);
    lstmsent_corpus *c = three_phrases();
    lstmsent_dataset *d;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_dataset_rows(d), 3);
    ck_assert_int_eq(lstmsent_dataset_seq_len(d), 30);
    ck_assert_int_eq(lstmsent_dataset_ids(d)[30 + 0], 1);
    ck_assert_int_eq(lstmsent_dataset_ids(d)[30 + 1], 2);
    ck_assert_int_eq(lstmsent_dataset_ids(d)[30 + 2], 0);
    lstmsent_dataset_free(d);

    o.seq_len = 3;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_OK);
    lstmsent_corpus_free(c); /* the dataset keeps its own copy */
    assert_row(d, 0, (const int32_t[]){0, 0, 0});
    assert_row(d, 1, (const int32_t[]){1, 2, 0});
    assert_row(d, 2, (const int32_t[]){2, 1, 3});
    const int32_t *len = lstmsent_dataset_lengths(d), *lab = lstmsent_dataset_labels(d);
    ck_assert_int_eq(len[0], 0);
    ck_assert_int_eq(len[1], 2);
    ck_assert_int_eq(len[2], 3);
    ck_assert_int_eq(lab[0], 4);
    ck_assert_int_eq(lab[1], 0);
    ck_assert_int_eq(lab[2], 3);
    lstmsent_dataset_free(d);
}
END_TEST

START_TEST(test_left_padding_and_start_truncation)
{
    lstmsent_corpus *c = three_phrases();
    lstmsent_dataset_options o;
    lstmsent_dataset_options_default(&o);
    o.seq_len = 3;
    o.padding = LSTMSENT_PAD_LEFT;
    lstmsent_dataset *d;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_OK);
    assert_row(d, 0, (const int32_t[]){0, 0, 0});
    assert_row(d, 1, (const int32_t[]){0, 1, 2});
    assert_row(d, 2, (const int32_t[]){2, 1, 3});
    lstmsent_dataset_free(d);
    o.truncation = LSTMSENT_TRUNCATE_START;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_OK);
    assert_row(d, 2, (const int32_t[]){3, 4, 5});
    ck_assert_int_eq(lstmsent_dataset_lengths(d)[2], 3);
    lstmsent_dataset_free(d);
    o.padding = LSTMSENT_PAD_RIGHT;
    o.seq_len = 1;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_OK);
    assert_row(d, 1, (const int32_t[]){2});
    assert_row(d, 2, (const int32_t[]){5});
    lstmsent_dataset_free(d);
    o.truncation = LSTMSENT_TRUNCATE_END;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_OK);
    assert_row(d, 1, (const int32_t[]){1});
    assert_row(d, 2, (const int32_t[]){2});
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_dataset_bad_options)
{
    lstmsent_corpus *c = three_phrases();
    lstmsent_dataset *d = DS_SENTINEL;
    lstmsent_dataset_options o;
    lstmsent_dataset_options_default(&o);
    o.seq_len = 0;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_ERR_INVALID);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_dataset_create: seq_len 0; it must be at least 1");
    o.seq_len = -5;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_ERR_INVALID);
    lstmsent_dataset_options_default(&o);
    o.padding = (lstmsent_padding)2;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_ERR_INVALID);
    lstmsent_dataset_options_default(&o);
    o.truncation = (lstmsent_truncation)-1;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_dataset_create(NULL, c, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_dataset_create(&d, NULL, NULL), LSTMSENT_ERR_NULL);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_dataset_create: argument 'corpus' is NULL");
    ck_assert_ptr_eq(d, DS_SENTINEL);
    ck_assert_uint_eq(lstmsent_dataset_rows(NULL), 0);
    ck_assert_int_eq(lstmsent_dataset_seq_len(NULL), 0);
    ck_assert_ptr_null(lstmsent_dataset_ids(NULL));
    ck_assert_ptr_null(lstmsent_dataset_lengths(NULL));
    ck_assert_ptr_null(lstmsent_dataset_labels(NULL));
    lstmsent_dataset_free(NULL);
    lstmsent_dataset_options_default(NULL);
    lstmsent_corpus_free(c);
}
END_TEST

/* n phrases, phrase i = i + 1 copies of its own word, so every row is distinct. */
static lstmsent_dataset *numbered_rows(size_t n, int labelled)
{
    char **phrases = malloc(n * sizeof *phrases);
    int32_t *labels = malloc(n * sizeof *labels);
    ck_assert_ptr_nonnull(phrases);
    ck_assert_ptr_nonnull(labels);
    for (size_t i = 0; i < n; i++) {
        phrases[i] = malloc(16 * (i + 1));
        ck_assert_ptr_nonnull(phrases[i]);
        phrases[i][0] = '\0';
        for (size_t k = 0; k <= i; k++)
            sprintf(phrases[i] + strlen(phrases[i]), "w%zu ", i);
        labels[i] = (int32_t)(i % 5);
    }
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, (const char *const *)phrases,
                                            labelled ? labels : NULL, n, NULL), LSTMSENT_OK);
    lstmsent_dataset_options o;
    lstmsent_dataset_options_default(&o);
    o.seq_len = 4;
    lstmsent_dataset *d;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, &o), LSTMSENT_OK);
    lstmsent_corpus_free(c);
    for (size_t i = 0; i < n; i++)
        free(phrases[i]);
    free(phrases);
    free(labels);
    return d;
}

START_TEST(test_draw_is_seeded_and_covers_every_row)
{
    /* 5 rows, 50,000 draws: each row 10,000 +- 5 sigma (sigma ~ 89); the last row too
     * (the tutorial's np.random.choice(len - 1) never draws it). */
    lstmsent_dataset *d = numbered_rows(5, 1);
    lstmsent_sampler *a, *b, *other;
    ck_assert_int_eq(lstmsent_sampler_create(&a, d, 42), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_create(&b, d, 42), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_create(&other, d, 43), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_draw(a, 50000), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_draw(b, 50000), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_draw(other, 50000), LSTMSENT_OK);
    size_t n, nb, no;
    const size_t *ra = lstmsent_sampler_rows(a, &n), *rb = lstmsent_sampler_rows(b, &nb);
    const size_t *ro = lstmsent_sampler_rows(other, &no);
    ck_assert_uint_eq(n, 50000);
    ck_assert_uint_eq(nb, 50000);
    /* Plain tests in the loops: each passing ck_assert costs a Check mark point. */
    int counts[5] = {0};
    size_t differ = 0, out_of_range = 0, unlike_b = 0;
    for (size_t i = 0; i < n; i++) {
        out_of_range += ra[i] >= 5;
        unlike_b += ra[i] != rb[i];
        differ += ra[i] != ro[i];
        counts[ra[i] < 5 ? ra[i] : 0]++;
    }
    ck_assert_uint_eq(out_of_range, 0);
    ck_assert_uint_eq(unlike_b, 0);
    for (int k = 0; k < 5; k++)
        ck_assert_int_lt(abs(counts[k] - 10000), 450);
    ck_assert_uint_gt(differ, 30000);
    /* The next epoch continues the stream: it differs from the first. */
    ck_assert_int_eq(lstmsent_sampler_draw(a, 1000), LSTMSENT_OK);
    ra = lstmsent_sampler_rows(a, &n);
    ck_assert_uint_eq(n, 1000);
    differ = 0;
    for (size_t i = 0; i < n; i++)
        differ += ra[i] != rb[i];
    ck_assert_uint_gt(differ, 600);
    lstmsent_sampler_free(a);
    lstmsent_sampler_free(b);
    lstmsent_sampler_free(other);
    lstmsent_dataset_free(d);
}
END_TEST

START_TEST(test_permute_and_sequential)
{
    lstmsent_dataset *d = numbered_rows(100, 1);
    lstmsent_sampler *s;
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 7), LSTMSENT_OK);
    size_t n;
    ck_assert_ptr_null(lstmsent_sampler_rows(s, &n)); /* no epoch yet */
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(lstmsent_sampler_permute(s), LSTMSENT_OK);
    const size_t *r = lstmsent_sampler_rows(s, &n);
    ck_assert_uint_eq(n, 100);
    int seen[100] = {0};
    size_t moved = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(r[i], 100);
        seen[r[i]]++;
        moved += r[i] != i;
    }
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_uint_gt(moved, 80);
    ck_assert_int_eq(lstmsent_sampler_sequential(s), LSTMSENT_OK);
    r = lstmsent_sampler_rows(s, &n);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(r[i], i);
    ck_assert_ptr_null(lstmsent_sampler_rows(NULL, &n));
    ck_assert_uint_eq(n, 0);
    lstmsent_sampler_free(s);
    lstmsent_sampler_free(NULL);
    lstmsent_dataset_free(d);
}
END_TEST

START_TEST(test_batches_copy_rows_and_drop_last)
{
    /* 10 rows in batches of 4: 4, 4, then the last 2 dropped, or kept without drop_last. */
    lstmsent_dataset *d = numbered_rows(10, 1);
    const int32_t *ids = lstmsent_dataset_ids(d);
    lstmsent_sampler *s;
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 1), LSTMSENT_OK);
    for (int drop = 1; drop >= 0; drop--) {
        ck_assert_int_eq(lstmsent_sampler_permute(s), LSTMSENT_OK);
        size_t n;
        const size_t *order = lstmsent_sampler_rows(s, &n);
        int32_t x[4 * 4], y[4], len[4];
        size_t got, at = 0;
        const size_t want[3] = {4, 4, 2};
        for (int b = 0; b < 3; b++) {
            memset(x, 0x7f, sizeof x);
            ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, drop, x, 16, y, 4, len, 4, &got),
                             LSTMSENT_OK);
            if (b == 2 && drop) {
                ck_assert_uint_eq(got, 0);
                ck_assert_int_eq(x[0], 0x7f7f7f7f); /* nothing written */
                break;
            }
            ck_assert_uint_eq(got, want[b]);
            for (size_t i = 0; i < got; i++, at++) {
                size_t r = order[at];
                ck_assert_int_eq(memcmp(x + i * 4, ids + r * 4, 4 * sizeof *x), 0);
                ck_assert_int_eq(y[i], (int32_t)(r % 5));
                ck_assert_int_eq(len[i], r + 1 < 4 ? (int32_t)r + 1 : 4);
            }
        }
        /* The epoch is over. */
        ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, drop, x, 16, NULL, 0, NULL, 0, &got),
                         LSTMSENT_OK);
        ck_assert_uint_eq(got, 0);
    }
    lstmsent_sampler_free(s);
    lstmsent_dataset_free(d);
}
END_TEST

START_TEST(test_tutorial_epoch_is_31_batches)
{
    /* np.random.choice(N, 1000) in batches of 32 with the partial one dropped: 31 steps. */
    lstmsent_dataset *d = numbered_rows(50, 1);
    lstmsent_sampler *s;
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 2024), LSTMSENT_OK);
    int32_t x[32 * 4], y[32];
    size_t got;
    for (int epoch = 0; epoch < 3; epoch++) {
        ck_assert_int_eq(lstmsent_sampler_draw(s, 1000), LSTMSENT_OK);
        int steps = 0;
        while (lstmsent_sampler_next_batch(s, 32, 1, x, 32 * 4, y, 32, NULL, 0, &got) ==
                   LSTMSENT_OK && got == 32)
            steps++;
        ck_assert_int_eq(steps, 31);
        ck_assert_uint_eq(got, 0);
    }
    lstmsent_sampler_free(s);
    lstmsent_dataset_free(d);
}
END_TEST

START_TEST(test_batch_buffer_checks)
{
    lstmsent_dataset *d = numbered_rows(10, 1);
    lstmsent_sampler *s;
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 3), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_sequential(s), LSTMSENT_OK);
    int32_t x[4 * 4], y[4], len[4];
    size_t got = 99;
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, 1, x, 15, y, 4, len, 4, &got),
                     LSTMSENT_ERR_BUFFER);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_sampler_next_batch: ids holds 15 values, "
                     "a batch of 4 rows of 4 needs 16");
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, 1, x, 16, y, 3, len, 4, &got),
                     LSTMSENT_ERR_BUFFER);
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, 1, x, 16, y, 4, len, 3, &got),
                     LSTMSENT_ERR_BUFFER);
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 0, 1, x, 16, y, 4, len, 4, &got),
                     LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_sampler_next_batch(NULL, 4, 1, x, 16, y, 4, len, 4, &got),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, 1, NULL, 16, y, 4, len, 4, &got),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, 1, x, 16, y, 4, len, 4, NULL),
                     LSTMSENT_ERR_NULL);
    /* A batch larger than the whole epoch would silently never come with drop_last. */
    int32_t big[11 * 4], bigy[11];
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 11, 1, big, 44, bigy, 11, NULL, 0, &got),
                     LSTMSENT_ERR_INVALID);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_sampler_next_batch: a batch of 11 rows "
                     "is larger than the epoch's 10 rows, so with drop_last no batch would "
                     "ever come");
    ck_assert_uint_eq(got, 99);
    /* The failures consumed nothing: the first batch is still rows 0..3. */
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 4, 1, x, 16, y, 4, len, 4, &got), LSTMSENT_OK);
    ck_assert_uint_eq(got, 4);
    ck_assert_int_eq(len[0], 1);
    ck_assert_int_eq(y[3], 3);
    lstmsent_sampler_free(s);
    lstmsent_dataset_free(d);

    /* An unlabelled dataset has no labels to give. */
    d = numbered_rows(3, 0);
    ck_assert_ptr_null(lstmsent_dataset_labels(d));
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 3), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_sequential(s), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 2, 0, x, 16, y, 4, NULL, 0, &got),
                     LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 2, 0, x, 16, NULL, 0, NULL, 0, &got),
                     LSTMSENT_OK);
    ck_assert_uint_eq(got, 2);
    lstmsent_sampler_free(s);

    lstmsent_sampler *none = SA_SENTINEL;
    ck_assert_int_eq(lstmsent_sampler_create(&none, NULL, 1), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_sampler_create(NULL, d, 1), LSTMSENT_ERR_NULL);
    ck_assert_ptr_eq(none, SA_SENTINEL);
    ck_assert_int_eq(lstmsent_sampler_draw(NULL, 3), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_sampler_permute(NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_sampler_sequential(NULL), LSTMSENT_ERR_NULL);
    lstmsent_dataset_free(d);
}
END_TEST

START_TEST(test_empty_dataset)
{
    /* A vocabulary-only corpus has no phrases: a dataset of 0 rows, nothing to draw. */
    char path[] = "/tmp/lstmsent-vocab-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "a\nb\n", 4), 4);
    close(fd);
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&c, path), LSTMSENT_OK);
    unlink(path);
    lstmsent_dataset *d;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_dataset_rows(d), 0);
    ck_assert_ptr_null(lstmsent_dataset_sentence_ids(d));
    ck_assert_ptr_null(lstmsent_dataset_phrase_ids(d));
    lstmsent_sampler *s;
    ck_assert_int_eq(lstmsent_sampler_create(&s, d, 1), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_draw(s, 5), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_sampler_draw(s, 0), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_sampler_permute(s), LSTMSENT_OK);
    int32_t x[30];
    size_t got = 9;
    ck_assert_int_eq(lstmsent_sampler_next_batch(s, 1, 0, x, 30, NULL, 0, NULL, 0, &got),
                     LSTMSENT_OK);
    ck_assert_uint_eq(got, 0);
    lstmsent_sampler_free(s);
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
}
END_TEST

static const char *data_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/data/%s", TEST_SRC_DIR, name);
    return path;
}

/* The dataset keeps each row's SentenceId and PhraseId, row for row with ids and labels,
 * and they outlive the corpus. */
START_TEST(test_sentence_and_phrase_ids)
{
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("reordered.tsv"), NULL), LSTMSENT_OK);
    lstmsent_dataset *d;
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, NULL), LSTMSENT_OK);
    lstmsent_corpus_free(c);
    const int64_t *sid = lstmsent_dataset_sentence_ids(d), *pid = lstmsent_dataset_phrase_ids(d);
    ck_assert_ptr_nonnull(sid);
    ck_assert_ptr_nonnull(pid);
    ck_assert_int_eq(sid[0], 9);
    ck_assert_int_eq(sid[1], 9);
    ck_assert_int_eq(pid[0], 100);
    ck_assert_int_eq(pid[1], 101);
    ck_assert_int_eq(lstmsent_dataset_labels(d)[0], 4);
    lstmsent_dataset_free(d);

    /* small.tsv: SentenceIds 1 1 1 1 2 2 3 3, PhraseIds 1..8. */
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("small.tsv"), NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, NULL), LSTMSENT_OK);
    const int64_t want_sid[8] = {1, 1, 1, 1, 2, 2, 3, 3};
    sid = lstmsent_dataset_sentence_ids(d);
    pid = lstmsent_dataset_phrase_ids(d);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(sid[i], want_sid[i]);
        ck_assert_int_eq(pid[i], i + 1);
        ck_assert_int_eq(sid[i], lstmsent_corpus_sentence_ids(c)[i]);
    }
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);

    /* Phrases from memory: no SentenceId (0), phrase ids 1..n. */
    c = three_phrases();
    ck_assert_int_eq(lstmsent_dataset_create(&d, c, NULL), LSTMSENT_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(lstmsent_dataset_sentence_ids(d)[i], 0);
        ck_assert_int_eq(lstmsent_dataset_phrase_ids(d)[i], i + 1);
    }
    lstmsent_dataset_free(d);
    lstmsent_corpus_free(c);
    ck_assert_ptr_null(lstmsent_dataset_sentence_ids(NULL));
    ck_assert_ptr_null(lstmsent_dataset_phrase_ids(NULL));
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("padding");
    tcase_add_test(tc, test_defaults_pad_right_truncate_end);
    tcase_add_test(tc, test_left_padding_and_start_truncation);
    tcase_add_test(tc, test_dataset_bad_options);
    tcase_add_test(tc, test_sentence_and_phrase_ids);
    suite_add_tcase(s, tc);
    tc = tcase_create("sampler");
    tcase_add_test(tc, test_draw_is_seeded_and_covers_every_row);
    tcase_add_test(tc, test_permute_and_sequential);
    tcase_add_test(tc, test_batches_copy_rows_and_drop_last);
    tcase_add_test(tc, test_tutorial_epoch_is_31_batches);
    tcase_add_test(tc, test_batch_buffer_checks);
    tcase_add_test(tc, test_empty_dataset);
    suite_add_tcase(s, tc);
    return s;
}
