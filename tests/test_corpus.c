/*
 * The corpus through the public API only: vocabulary order and queries, encoding and the
 * unknown-word policies, the vocabulary file, the TSV reader's rules, and every bad input
 * with its own status code and message. Small TSV files live in tests/data/; inputs that
 * are awkward to keep in git (invalid UTF-8, NUL bytes, megabyte lines) are written to a
 * temporary directory by the test itself.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lstmsent/lstmsent.h>

#include "tap_main.h"

#define SENTINEL ((lstmsent_corpus *)(uintptr_t)0x5a5a)

static const char *data_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/data/%s", TEST_SRC_DIR, name);
    return path;
}

/* A temporary directory for the files a test writes; removed by tmp_cleanup. */
static char tmpdir[64];

static const char *tmp_write(const char *name, const void *bytes, size_t n)
{
    static char path[256];
    if (tmpdir[0] == '\0') {
        strcpy(tmpdir, "/tmp/lstmsent-corpus-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    }
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static void tmp_cleanup(void)
{
    if (tmpdir[0] == '\0')
        return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    tmpdir[0] = '\0';
}

/* The id of a word, or -1. */
static int32_t id_of(const lstmsent_corpus *c, const char *w)
{
    int32_t id = -1;
    if (lstmsent_corpus_word_id(c, w, &id) != LSTMSENT_OK)
        return -1;
    return id;
}

static void assert_phrase(const lstmsent_corpus *c, size_t i, const int32_t *want, size_t n)
{
    const int32_t *ids;
    size_t len;
    ck_assert_int_eq(lstmsent_corpus_phrase_ids(c, i, &ids, &len), LSTMSENT_OK);
    ck_assert_uint_eq(len, n);
    for (size_t k = 0; k < n; k++)
        ck_assert_int_eq(ids[k], want[k]);
}

/* A load that must fail with status st, a message holding `msg`, and no handle. */
static void assert_load_fails(const char *path, const lstmsent_corpus_options *o,
                              lstmsent_status st, const char *msg)
{
    lstmsent_corpus *c = SENTINEL;
    lstmsent_status got = lstmsent_corpus_load_tsv(&c, path, o);
    ck_assert_msg(got == st, "%s: status %d (%s), want %d", path, got, lstmsent_last_error(), st);
    ck_assert_ptr_eq(c, SENTINEL);
    ck_assert_msg(strstr(lstmsent_last_error(), msg) != NULL, "message '%s' lacks '%s'",
                  lstmsent_last_error(), msg);
}

/* ---- vocabulary and queries ------------------------------------------------------------ */

START_TEST(test_vocab_by_count_then_first_appearance)
{
    /* the, cat and dog are seen twice, sat and bird once: ties keep first appearance. */
    const char *phrases[] = {"The cat sat", "the dog", "cat DOG bird"};
    const int32_t labels[] = {0, 4, 2};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, labels, 3, NULL), LSTMSENT_OK);
    ck_assert_str_eq(lstmsent_last_error(), "");
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(c), 5);
    ck_assert_int_eq(lstmsent_corpus_unknown_id(c), 6);
    const char *order[] = {"the", "cat", "dog", "sat", "bird"};
    const int64_t counts[] = {2, 2, 2, 1, 1};
    for (int32_t id = 1; id <= 5; id++) {
        const char *w;
        int64_t n;
        ck_assert_int_eq(lstmsent_corpus_word(c, id, &w), LSTMSENT_OK);
        ck_assert_str_eq(w, order[id - 1]);
        ck_assert_int_eq(lstmsent_corpus_word_count(c, id, &n), LSTMSENT_OK);
        ck_assert_int_eq(n, counts[id - 1]);
        ck_assert_int_eq(id_of(c, order[id - 1]), id);
    }
    assert_phrase(c, 0, (const int32_t[]){1, 2, 4}, 3);
    assert_phrase(c, 1, (const int32_t[]){1, 3}, 2);
    assert_phrase(c, 2, (const int32_t[]){2, 3, 5}, 3);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(c), 3);
    ck_assert_int_eq(lstmsent_corpus_has_labels(c), 1);
    ck_assert_int_eq(lstmsent_corpus_labels(c)[1], 4);
    ck_assert_int_eq(lstmsent_corpus_phrase_ids_column(c)[2], 3);
    ck_assert_int_eq(lstmsent_corpus_sentence_ids(c)[2], 0);
    lstmsent_corpus_free(c);
}
END_TEST

/* min_count: the words seen fewer times leave the vocabulary (the others keep their order,
 * ids and counts) and are encoded, in the corpus's own phrases too, by its policy. */
START_TEST(test_min_count_cuts_rare_words)
{
    /* the 3, cat 2, dog 2, sat 1, bird 1, ran 1 (in order of first appearance). */
    const char *phrases[] = {"The cat sat", "the dog ran", "cat DOG bird the"};
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    ck_assert_int_eq(o.min_count, 1);
    lstmsent_corpus *all, *pad, *idp;
    ck_assert_int_eq(lstmsent_corpus_create(&all, phrases, NULL, 3, &o), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(all), 6);
    o.min_count = 2;
    ck_assert_int_eq(lstmsent_corpus_create(&pad, phrases, NULL, 3, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(pad), LSTMSENT_UNKNOWN_PAD);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(pad), 3);
    const char *order[] = {"the", "cat", "dog"};
    const int64_t counts[] = {3, 2, 2};
    for (int32_t id = 1; id <= 3; id++) {
        const char *w;
        int64_t n;
        ck_assert_int_eq(lstmsent_corpus_word(pad, id, &w), LSTMSENT_OK);
        ck_assert_str_eq(w, order[id - 1]);
        ck_assert_int_eq(lstmsent_corpus_word_count(pad, id, &n), LSTMSENT_OK);
        ck_assert_int_eq(n, counts[id - 1]);
        ck_assert_int_eq(id_of(pad, order[id - 1]), id);
        ck_assert_int_eq(id_of(all, order[id - 1]), id);   /* the same ids as without a cut */
    }
    ck_assert_int_eq(id_of(pad, "sat"), -1);
    ck_assert_int_eq(lstmsent_corpus_word(pad, 4, &(const char *){NULL}), LSTMSENT_ERR_INVALID);
    /* Rare words keep their place as padding ... */
    assert_phrase(pad, 0, (const int32_t[]){1, 2, 0}, 3);
    assert_phrase(pad, 1, (const int32_t[]){1, 3, 0}, 3);
    assert_phrase(pad, 2, (const int32_t[]){2, 3, 0, 1}, 4);
    /* ... or as the unknown id, vocabulary size + 1. */
    o.unknown = LSTMSENT_UNKNOWN_ID;
    ck_assert_int_eq(lstmsent_corpus_create(&idp, phrases, NULL, 3, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(idp), LSTMSENT_UNKNOWN_ID);
    ck_assert_int_eq(lstmsent_corpus_unknown_id(idp), 4);
    assert_phrase(idp, 0, (const int32_t[]){1, 2, 4}, 3);
    assert_phrase(idp, 1, (const int32_t[]){1, 3, 4}, 3);
    assert_phrase(idp, 2, (const int32_t[]){2, 3, 4, 1}, 4);
    /* Other text meets the cut vocabulary like any unseen word. */
    int32_t ids[4];
    size_t n;
    ck_assert_int_eq(lstmsent_corpus_encode(idp, "bird the", LSTMSENT_UNKNOWN_ID, ids, 4, &n),
                     LSTMSENT_OK);
    ck_assert_int_eq(ids[0], 4);
    ck_assert_int_eq(ids[1], 1);
    /* A cut above every count leaves no word. */
    o.min_count = 4;
    lstmsent_corpus *none;
    ck_assert_int_eq(lstmsent_corpus_create(&none, phrases, NULL, 3, &o), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(none), 0);
    assert_phrase(none, 2, (const int32_t[]){1, 1, 1, 1}, 4);
    lstmsent_corpus_free(none);
    /* With a given vocabulary min_count does nothing: the vocabulary is copied whole. */
    o.vocabulary = pad;
    o.min_count = 99;
    o.unknown = LSTMSENT_UNKNOWN_PAD;
    lstmsent_corpus *borrowed;
    ck_assert_int_eq(lstmsent_corpus_create(&borrowed, phrases, NULL, 3, &o), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(borrowed), 3);
    assert_phrase(borrowed, 2, (const int32_t[]){2, 3, 0, 1}, 4);
    lstmsent_corpus_free(borrowed);

    /* Bad values. */
    lstmsent_corpus *c = SENTINEL;
    lstmsent_corpus_options_default(&o);
    o.min_count = 0;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 3, &o), LSTMSENT_ERR_INVALID);
    ck_assert_str_eq(lstmsent_last_error(), "corpus options: min_count 0; it must be at least 1");
    o.min_count = -3;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 3, &o), LSTMSENT_ERR_INVALID);
    o.min_count = 2;
    o.unknown = LSTMSENT_UNKNOWN_ERROR;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 3, &o), LSTMSENT_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "LSTMSENT_UNKNOWN_ERROR would refuse"));
    ck_assert_ptr_eq(c, SENTINEL);
    assert_load_fails(data_path("small.tsv"), &o, LSTMSENT_ERR_INVALID, "min_count 2");
    /* ... though min_count 1 with it is today's corpus. */
    o.min_count = 1;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 3, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(c), LSTMSENT_UNKNOWN_ERROR);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(c), 6);
    lstmsent_corpus_free(c);

    /* A TSV file takes the option too. */
    lstmsent_corpus_options_default(&o);
    o.min_count = 2;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("small.tsv"), &o), LSTMSENT_OK);
    lstmsent_corpus *full;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&full, data_path("small.tsv"), NULL), LSTMSENT_OK);
    size_t kept = lstmsent_corpus_vocab_size(c);
    ck_assert_uint_lt(kept, lstmsent_corpus_vocab_size(full));
    for (int32_t id = 1; id <= (int32_t)lstmsent_corpus_vocab_size(full); id++) {
        int64_t count;
        lstmsent_corpus_word_count(full, id, &count);
        ck_assert_int_eq(count >= 2, (size_t)id <= kept);
    }
    lstmsent_corpus_free(full);
    lstmsent_corpus_free(c);
    lstmsent_corpus_free(idp);
    lstmsent_corpus_free(pad);
    lstmsent_corpus_free(all);
}
END_TEST

/* Every way of making a corpus tells its policy. */
START_TEST(test_unknown_policy_is_kept)
{
    const char *phrases[] = {"a b", "b"};
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    lstmsent_corpus *a, *b, *v;
    ck_assert_int_eq(lstmsent_corpus_create(&a, phrases, NULL, 2, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(a), LSTMSENT_UNKNOWN_PAD);
    o.vocabulary = a;
    o.unknown = LSTMSENT_UNKNOWN_ID;
    ck_assert_int_eq(lstmsent_corpus_create(&b, phrases, NULL, 2, &o), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(b), LSTMSENT_UNKNOWN_ID);
    /* A vocabulary file holds words only: it reads back with the default policy. */
    const char *path = tmp_write("v.txt", "", 0);
    ck_assert_int_eq(lstmsent_corpus_save_vocab(b, path), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, path), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(v), LSTMSENT_UNKNOWN_PAD);
    ck_assert_int_eq(lstmsent_corpus_unknown_policy(NULL), LSTMSENT_UNKNOWN_PAD);
    lstmsent_corpus_free(v);
    lstmsent_corpus_free(b);
    lstmsent_corpus_free(a);
    tmp_cleanup();
}
END_TEST

START_TEST(test_unicode_case_and_spaces)
{
    /* Python: "ÉCOLE école".lower().split() == ["école", "école"]; U+00A0 and U+3000
     * split, U+200B does not; U+0130 lowers to "i" + U+0307; final sigma. */
    const char *phrases[] = {"\xc3\x89" "COLE \xc3\xa9" "cole", "a\xc2\xa0" "b\xe3\x80\x80" "c",
                             "x\xe2\x80\x8by", "\xc4\xb0", ("\xce\x9f\xce\x94\xce\xa5\xce\xa3"
                             "\xce\xa3\xce\x95\xce\xa5\xce\xa3")};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 5, NULL), LSTMSENT_OK);
    ck_assert_int_eq(id_of(c, "\xc3\xa9" "cole"), 1);
    ck_assert_int_gt(id_of(c, "a"), 0);
    ck_assert_int_gt(id_of(c, "b"), 0);
    ck_assert_int_gt(id_of(c, "c"), 0);
    ck_assert_int_gt(id_of(c, "x\xe2\x80\x8by"), 0);
    ck_assert_int_gt(id_of(c, "i\xcc\x87"), 0);
    /* "οδυσσευς": the last sigma is final (U+03C2), the middle ones are not. */
    ck_assert_int_gt(id_of(c, "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x82"), 0);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(c), 7);
    ck_assert_int_eq(lstmsent_corpus_has_labels(c), 0);
    ck_assert_ptr_null(lstmsent_corpus_labels(c));
    /* The query takes a word as it stands in the vocabulary: no lower-casing. */
    ck_assert_int_eq(id_of(c, "\xc3\x89" "cole"), -1);
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_empty_phrases_are_kept)
{
    const char *phrases[] = {"", " \t ", "word"};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 3, NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(c), 3);
    assert_phrase(c, 0, NULL, 0);
    assert_phrase(c, 1, NULL, 0);
    assert_phrase(c, 2, (const int32_t[]){1}, 1);
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_query_errors)
{
    const char *phrases[] = {"a b"};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 1, NULL), LSTMSENT_OK);
    int32_t id = 77;
    const char *w = "unchanged";
    int64_t n = 77;
    const int32_t *ids;
    size_t len;
    ck_assert_int_eq(lstmsent_corpus_word_id(c, "zebra", &id), LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_str_eq(lstmsent_last_error(), "word 'zebra' is not in the vocabulary");
    ck_assert_int_eq(id, 77);
    ck_assert_int_eq(lstmsent_corpus_word(c, 0, &w), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_corpus_word(c, 3, &w), LSTMSENT_ERR_INVALID);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_corpus_word: id 3 is outside 1..2");
    ck_assert_str_eq(w, "unchanged");
    ck_assert_int_eq(lstmsent_corpus_word_count(c, -1, &n), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent_corpus_phrase_ids(c, 1, &ids, &len), LSTMSENT_ERR_INVALID);
    /* A success clears the message. */
    ck_assert_int_eq(lstmsent_corpus_word(c, 2, &w), LSTMSENT_OK);
    ck_assert_str_eq(lstmsent_last_error(), "");
    lstmsent_corpus_free(c);
    /* Getters on NULL answer "nothing"; free(NULL) is a no-op. */
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(NULL), 0);
    ck_assert_int_eq(lstmsent_corpus_unknown_id(NULL), 0);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(NULL), 0);
    ck_assert_int_eq(lstmsent_corpus_has_labels(NULL), 0);
    ck_assert_ptr_null(lstmsent_corpus_labels(NULL));
    ck_assert_ptr_null(lstmsent_corpus_sentence_ids(NULL));
    ck_assert_ptr_null(lstmsent_corpus_phrase_ids_column(NULL));
    lstmsent_corpus_free(NULL);
}
END_TEST

START_TEST(test_null_arguments)
{
    const char *phrases[] = {"a b"};
    lstmsent_corpus *c = SENTINEL, *ok;
    ck_assert_int_eq(lstmsent_corpus_create(&ok, phrases, NULL, 1, NULL), LSTMSENT_OK);
    int32_t id, buf[4];
    const char *w;
    int64_t n64;
    const int32_t *ids;
    size_t len;
    ck_assert_int_eq(lstmsent_corpus_create(NULL, phrases, NULL, 1, NULL), LSTMSENT_ERR_NULL);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_corpus_create: argument 'out' is NULL");
    ck_assert_int_eq(lstmsent_corpus_create(&c, NULL, NULL, 1, NULL), LSTMSENT_ERR_NULL);
    const char *with_null[] = {"a", NULL};
    ck_assert_int_eq(lstmsent_corpus_create(&c, with_null, NULL, 2, NULL), LSTMSENT_ERR_NULL);
    ck_assert_str_eq(lstmsent_last_error(), "lstmsent_corpus_create: phrases[1] is NULL");
    ck_assert_int_eq(lstmsent_corpus_load_tsv(NULL, "x", NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, NULL, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_load_vocab(NULL, "x"), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&c, NULL), LSTMSENT_ERR_NULL);
    ck_assert_ptr_eq(c, SENTINEL);
    ck_assert_int_eq(lstmsent_corpus_save_vocab(NULL, "x"), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_save_vocab(ok, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_word_id(NULL, "a", &id), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_word_id(ok, NULL, &id), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_word_id(ok, "a", NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_word(NULL, 1, &w), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_word(ok, 1, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_word_count(NULL, 1, &n64), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_word_count(ok, 1, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_phrase_ids(NULL, 0, &ids, &len), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_phrase_ids(ok, 0, NULL, &len), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_phrase_ids(ok, 0, &ids, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_encode(NULL, "a", LSTMSENT_UNKNOWN_PAD, buf, 4, &len),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_encode(ok, NULL, LSTMSENT_UNKNOWN_PAD, buf, 4, &len),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_encode(ok, "a", LSTMSENT_UNKNOWN_PAD, buf, 4, NULL),
                     LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent_corpus_encode(ok, "a", LSTMSENT_UNKNOWN_PAD, NULL, 4, &len),
                     LSTMSENT_ERR_NULL);
    lstmsent_corpus_options_default(NULL); /* a no-op, not a crash */
    lstmsent_corpus_free(ok);
}
END_TEST

START_TEST(test_create_bad_input)
{
    const char *phrases[] = {"good", "bad \xff byte"};
    const int32_t labels[] = {2, 5};
    lstmsent_corpus *c = SENTINEL;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 0, NULL), LSTMSENT_ERR_EMPTY);
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, labels, 1, NULL), LSTMSENT_OK);
    lstmsent_corpus_free(c);
    c = SENTINEL;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, labels + 1, 1, NULL), LSTMSENT_ERR_LABEL);
    ck_assert_str_eq(lstmsent_last_error(),
                     "lstmsent_corpus_create: labels[0] = 5 is not an integer 0..4");
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 2, NULL), LSTMSENT_ERR_UTF8);
    ck_assert_str_eq(lstmsent_last_error(), "phrases[1]: invalid UTF-8 at byte 5 of the phrase");
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    o.unknown = (lstmsent_unknown)7;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 1, &o), LSTMSENT_ERR_INVALID);
    ck_assert_ptr_eq(c, SENTINEL);
}
END_TEST

/* ---- encoding and borrowed vocabularies ------------------------------------------------ */

START_TEST(test_encode_and_unknown_policies)
{
    const char *phrases[] = {"the cat", "the dog"};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 2, NULL), LSTMSENT_OK);
    int32_t ids[8] = {0};
    size_t n = 99;
    /* Tokenised as the vocabulary was: lower-cased, split on any white space. */
    ck_assert_int_eq(lstmsent_corpus_encode(c, " THE\xc2\xa0zebra  Cat ", LSTMSENT_UNKNOWN_PAD,
                                            ids, 8, &n), LSTMSENT_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(ids[0], 1);
    ck_assert_int_eq(ids[1], 0);
    ck_assert_int_eq(ids[2], 2);
    ck_assert_int_eq(lstmsent_corpus_encode(c, "zebra the", LSTMSENT_UNKNOWN_ID, ids, 8, &n),
                     LSTMSENT_OK);
    ck_assert_int_eq(ids[0], 4);
    ck_assert_int_eq(ids[0], lstmsent_corpus_unknown_id(c));
    n = 99;
    ck_assert_int_eq(lstmsent_corpus_encode(c, "the zebra", LSTMSENT_UNKNOWN_ERROR, ids, 8, &n),
                     LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_str_eq(lstmsent_last_error(),
                     "lstmsent_corpus_encode: word 'zebra' is not in the vocabulary");
    ck_assert_uint_eq(n, 99);
    /* cap = 0 asks for the size; too small a buffer says how much is needed. */
    ck_assert_int_eq(lstmsent_corpus_encode(c, "the cat dog", LSTMSENT_UNKNOWN_PAD, NULL, 0, &n),
                     LSTMSENT_ERR_BUFFER);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(lstmsent_corpus_encode(c, "the cat dog", LSTMSENT_UNKNOWN_PAD, ids, 2, &n),
                     LSTMSENT_ERR_BUFFER);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(lstmsent_corpus_encode(c, "", LSTMSENT_UNKNOWN_PAD, NULL, 0, &n), LSTMSENT_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(lstmsent_corpus_encode(c, "the \xe2\x82", LSTMSENT_UNKNOWN_PAD, ids, 8, &n),
                     LSTMSENT_ERR_UTF8);
    ck_assert_str_eq(lstmsent_last_error(),
                     "lstmsent_corpus_encode: invalid UTF-8 at byte 5 of the text");
    ck_assert_int_eq(lstmsent_corpus_encode(c, "the", (lstmsent_unknown)-1, ids, 8, &n),
                     LSTMSENT_ERR_INVALID);
    lstmsent_corpus_free(c);
}
END_TEST

/* Found by fuzz_tsv: borrowing a vocabulary of no words (phrases of white space only). */
START_TEST(test_borrowed_empty_vocabulary)
{
    const char *blank[] = {"", "  "};
    const char *dev[] = {"good film"};
    lstmsent_corpus *t, *d;
    ck_assert_int_eq(lstmsent_corpus_create(&t, blank, NULL, 2, NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(t), 0);
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    o.vocabulary = t;
    o.unknown = LSTMSENT_UNKNOWN_ID;
    ck_assert_int_eq(lstmsent_corpus_create(&d, dev, NULL, 1, &o), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(d), 0);
    assert_phrase(d, 0, (const int32_t[]){1, 1}, 2);
    lstmsent_corpus_free(d);
    lstmsent_corpus_free(t);
}
END_TEST

START_TEST(test_borrowed_vocabulary)
{
    const char *train[] = {"good film", "bad film", "film"};
    const char *dev[] = {"Good plot", "FILM film"};
    lstmsent_corpus *t, *d;
    ck_assert_int_eq(lstmsent_corpus_create(&t, train, NULL, 3, NULL), LSTMSENT_OK);
    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    ck_assert_ptr_null(o.vocabulary);
    ck_assert_int_eq(o.unknown, LSTMSENT_UNKNOWN_PAD);
    o.vocabulary = t;
    o.unknown = LSTMSENT_UNKNOWN_ID;
    ck_assert_int_eq(lstmsent_corpus_create(&d, dev, NULL, 2, &o), LSTMSENT_OK);
    lstmsent_corpus_free(t); /* the vocabulary was copied */
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(d), 3);
    const char *w;
    int64_t count;
    ck_assert_int_eq(lstmsent_corpus_word(d, 1, &w), LSTMSENT_OK);
    ck_assert_str_eq(w, "film");
    ck_assert_int_eq(lstmsent_corpus_word_count(d, 1, &count), LSTMSENT_OK);
    ck_assert_int_eq(count, 3); /* counted in the phrases the vocabulary came from */
    assert_phrase(d, 0, (const int32_t[]){2, 4}, 2);
    assert_phrase(d, 1, (const int32_t[]){1, 1}, 2);
    lstmsent_corpus_free(d);

    ck_assert_int_eq(lstmsent_corpus_create(&t, train, NULL, 3, NULL), LSTMSENT_OK);
    o.vocabulary = t;
    o.unknown = LSTMSENT_UNKNOWN_PAD;
    ck_assert_int_eq(lstmsent_corpus_create(&d, dev, NULL, 2, &o), LSTMSENT_OK);
    assert_phrase(d, 0, (const int32_t[]){2, 0}, 2);
    lstmsent_corpus_free(d);
    o.unknown = LSTMSENT_UNKNOWN_ERROR;
    d = SENTINEL;
    ck_assert_int_eq(lstmsent_corpus_create(&d, dev, NULL, 2, &o), LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_str_eq(lstmsent_last_error(), "phrases[0]: word 'plot' is not in the vocabulary");
    ck_assert_ptr_eq(d, SENTINEL);
    /* A file names the line. */
    assert_load_fails(data_path("unlabelled.tsv"), &o, LSTMSENT_ERR_UNKNOWN_WORD,
                      "unlabelled.tsv:2: word 'effective' is not in the vocabulary");
    lstmsent_corpus_free(t);
}
END_TEST

/* ---- TSV files ------------------------------------------------------------------------- */

START_TEST(test_load_small_tsv)
{
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("small.tsv"), NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(c), 8);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(c), 13);
    /* The tutorial's Corpus_Extr on this file gives (tests/gen_corpus_fixture.py):
     * a 1, series 2, none 3, na 4, of 5, ..., andré 10, ist 11, straße 12, nicht 13. */
    assert_phrase(c, 0, (const int32_t[]){1, 2, 5, 6, 7, 8, 9}, 7);
    assert_phrase(c, 4, (const int32_t[]){10, 11, 12, 13}, 4);
    assert_phrase(c, 5, NULL, 0); /* the empty phrase is a row with no tokens */
    assert_phrase(c, 6, (const int32_t[]){3}, 1);
    assert_phrase(c, 7, (const int32_t[]){4, 3, 4}, 3);
    ck_assert_int_eq(id_of(c, "andr\xc3\xa9"), 10);
    ck_assert_int_eq(id_of(c, "none"), 3);
    const int32_t labels[] = {1, 2, 2, 2, 3, 2, 2, 4};
    const int64_t sentences[] = {1, 1, 1, 1, 2, 2, 3, 3};
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(lstmsent_corpus_labels(c)[i], labels[i]);
        ck_assert_int_eq(lstmsent_corpus_sentence_ids(c)[i], sentences[i]);
        ck_assert_int_eq(lstmsent_corpus_phrase_ids_column(c)[i], i + 1);
    }
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_load_layouts)
{
    lstmsent_corpus *c;
    /* test.tsv's layout: no Sentiment column. */
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("unlabelled.tsv"), NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_has_labels(c), 0);
    ck_assert_ptr_null(lstmsent_corpus_labels(c));
    ck_assert_int_eq(lstmsent_corpus_phrase_ids_column(c)[2], 12);
    ck_assert_int_eq(lstmsent_corpus_sentence_ids(c)[2], 8);
    lstmsent_corpus_free(c);
    /* Columns found by name in any order; other columns ignored. */
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("reordered.tsv"), NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_labels(c)[0], 4);
    ck_assert_int_eq(lstmsent_corpus_labels(c)[1], 0);
    ck_assert_int_eq(lstmsent_corpus_phrase_ids_column(c)[1], 101);
    ck_assert_int_eq(lstmsent_corpus_sentence_ids(c)[1], 9);
    assert_phrase(c, 0, (const int32_t[]){1, 1}, 2);
    lstmsent_corpus_free(c);
    /* Only a Phrase column: a blank line inside is an empty phrase, ids count rows. */
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("phrase_only.tsv"), NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(c), 3);
    assert_phrase(c, 1, NULL, 0);
    ck_assert_int_eq(lstmsent_corpus_phrase_ids_column(c)[2], 3);
    ck_assert_int_eq(lstmsent_corpus_sentence_ids(c)[2], 0);
    lstmsent_corpus_free(c);
    /* Blank lines at the end of a file are not rows. */
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("trailing_blank.tsv"), NULL), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(c), 2);
    lstmsent_corpus_free(c);
}
END_TEST

START_TEST(test_crlf_bom_and_no_final_newline)
{
    const char lf[] = "PhraseId\tSentenceId\tPhrase\tSentiment\n1\t1\tThe Rock\t2\n2\t1\trock ON\t3\n";
    const char crlf[] = "\xef\xbb\xbfPhraseId\tSentenceId\tPhrase\tSentiment\r\n1\t1\tThe Rock\t2"
                        "\r\n2\t1\trock ON\t3";
    lstmsent_corpus *a, *b;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&a, tmp_write("lf.tsv", lf, sizeof lf - 1), NULL),
                     LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&b, tmp_write("crlf.tsv", crlf, sizeof crlf - 1), NULL),
                     LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(a), 3);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(b), 3);
    for (int32_t id = 1; id <= 3; id++) {
        const char *wa, *wb;
        lstmsent_corpus_word(a, id, &wa);
        lstmsent_corpus_word(b, id, &wb);
        ck_assert_str_eq(wa, wb);
    }
    ck_assert_int_eq(lstmsent_corpus_labels(b)[1], 3);
    assert_phrase(b, 1, (const int32_t[]){1, 3}, 2);
    lstmsent_corpus_free(a);
    lstmsent_corpus_free(b);
    tmp_cleanup();
}
END_TEST

START_TEST(test_long_lines_have_no_limit)
{
    /* One phrase of 300,000 tokens and one 2 MB word: nothing is cut. */
    size_t words = 300000, big = 2 << 20;
    size_t cap = 64 + words * 2 + big + 64, n = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    n += (size_t)sprintf(s + n, "Phrase\tSentiment\n");
    for (size_t i = 0; i < words; i++) {
        s[n++] = (char)('a' + i % 3);
        s[n++] = ' ';
    }
    n += (size_t)sprintf(s + n, "\t1\n");
    memset(s + n, 'W', big);
    n += big;
    n += (size_t)sprintf(s + n, "\t2\n");
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, tmp_write("long.tsv", s, n), NULL), LSTMSENT_OK);
    free(s);
    const int32_t *ids;
    size_t len;
    ck_assert_int_eq(lstmsent_corpus_phrase_ids(c, 0, &ids, &len), LSTMSENT_OK);
    ck_assert_uint_eq(len, words);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(c), 4);
    const char *w;
    ck_assert_int_eq(lstmsent_corpus_word(c, 4, &w), LSTMSENT_OK);
    ck_assert_uint_eq(strlen(w), big);
    ck_assert_int_eq(w[big - 1], 'w');
    lstmsent_corpus_free(c);
    tmp_cleanup();
}
END_TEST

START_TEST(test_file_errors_each_have_a_code)
{
    assert_load_fails("/nonexistent/train.tsv", NULL, LSTMSENT_ERR_IO,
                      "cannot open '/nonexistent/train.tsv': No such file or directory");
    assert_load_fails(TEST_SRC_DIR, NULL, LSTMSENT_ERR_IO, "cannot read");
    assert_load_fails(data_path("empty.tsv"), NULL, LSTMSENT_ERR_EMPTY, "empty.tsv: the file is empty");
    assert_load_fails(data_path("err_header_only.tsv"), NULL, LSTMSENT_ERR_EMPTY,
                      "err_header_only.tsv: no rows after the header");
    assert_load_fails(data_path("err_no_header.tsv"), NULL, LSTMSENT_ERR_HEADER,
                      "err_no_header.tsv:1: no header line with a 'Phrase' column (the first "
                      "line is '1\\t1\\tThe Rock\\t2')");
    assert_load_fails(data_path("err_no_phrase_column.tsv"), NULL, LSTMSENT_ERR_HEADER,
                      "err_no_phrase_column.tsv:1: no header line with a 'Phrase' column");
    assert_load_fails(data_path("err_duplicate_column.tsv"), NULL, LSTMSENT_ERR_HEADER,
                      "err_duplicate_column.tsv:1: two columns named 'Phrase'");
    assert_load_fails(data_path("err_too_few_fields.tsv"), NULL, LSTMSENT_ERR_FIELDS,
                      "err_too_few_fields.tsv:3: 3 fields, the header has 4");
    assert_load_fails(data_path("err_too_many_fields.tsv"), NULL, LSTMSENT_ERR_FIELDS,
                      "err_too_many_fields.tsv:3: 5 fields, the header has 4");
    assert_load_fails(data_path("err_blank_line.tsv"), NULL, LSTMSENT_ERR_FIELDS,
                      "err_blank_line.tsv:3: blank line (the header has 4 fields)");
    assert_load_fails(data_path("err_label_word.tsv"), NULL, LSTMSENT_ERR_LABEL,
                      "err_label_word.tsv:3: Sentiment 'x' is not an integer 0..4");
    assert_load_fails(data_path("err_label_range.tsv"), NULL, LSTMSENT_ERR_LABEL,
                      "err_label_range.tsv:3: Sentiment '5' is not an integer 0..4");
    assert_load_fails(data_path("err_phrase_id.tsv"), NULL, LSTMSENT_ERR_FIELDS,
                      "err_phrase_id.tsv:3: PhraseId '2x' is not an integer");
}
END_TEST

START_TEST(test_byte_level_errors)
{
    const char bad_utf8[] = "Phrase\tSentiment\nfine\t1\nalso fine\t2\nbro\xc3\x28ken\t3\n";
    assert_load_fails(tmp_write("utf8.tsv", bad_utf8, sizeof bad_utf8 - 1), NULL, LSTMSENT_ERR_UTF8,
                      "utf8.tsv:4: invalid UTF-8 at byte 4 of the line");
    const char surrogate[] = "Phrase\n\xed\xa0\x80\n";
    assert_load_fails(tmp_write("surrogate.tsv", surrogate, sizeof surrogate - 1), NULL,
                      LSTMSENT_ERR_UTF8, "surrogate.tsv:2: invalid UTF-8 at byte 1 of the line");
    const char nul[] = "Phrase\tSentiment\nnul\0here\t1\n";
    assert_load_fails(tmp_write("nul.tsv", nul, sizeof nul - 1), NULL, LSTMSENT_ERR_UTF8,
                      "nul.tsv:2: NUL byte at byte 4 of the line");
    const char signs[] = "Phrase\tSentiment\nok\t-1\n";
    assert_load_fails(tmp_write("signs.tsv", signs, sizeof signs - 1), NULL, LSTMSENT_ERR_LABEL,
                      "signs.tsv:2: Sentiment '-1' is not an integer 0..4");
    const char blank[] = "\r\n\n";
    assert_load_fails(tmp_write("blank.tsv", blank, sizeof blank - 1), NULL, LSTMSENT_ERR_EMPTY,
                      "blank.tsv: the file is empty (blank lines only)");
    const char spaced[] = "Phrase\tSentiment\nok\t 1\n";
    assert_load_fails(tmp_write("spaced.tsv", spaced, sizeof spaced - 1), NULL, LSTMSENT_ERR_LABEL,
                      "Sentiment ' 1' is not an integer 0..4");
    tmp_cleanup();
}
END_TEST

/* Columns are found by name, so every name must be there and unique. Any repeated name
 * used to load ("X\tPhrase\tX") unless it was one of the four known ones. */
START_TEST(test_header_column_names)
{
    const char dup[] = "X\tPhrase\tX\n1\tgood\t2\n";
    assert_load_fails(tmp_write("dup.tsv", dup, sizeof dup - 1), NULL, LSTMSENT_ERR_HEADER,
                      "dup.tsv:1: two columns named 'X' (columns 1 and 3)");
    /* The repeat a reader meets first, left to right. */
    const char two[] = "B\tPhrase\tA\tA\tB\nb\tgood\ta\ta\tb\n";
    assert_load_fails(tmp_write("two.tsv", two, sizeof two - 1), NULL, LSTMSENT_ERR_HEADER,
                      "two.tsv:1: two columns named 'A' (columns 3 and 4)");
    const char known[] = "Sentiment\tPhrase\tSentiment\n1\tgood\t2\n";
    assert_load_fails(tmp_write("known.tsv", known, sizeof known - 1), NULL, LSTMSENT_ERR_HEADER,
                      "two columns named 'Sentiment' (columns 1 and 3)");
    /* An empty name (a stray tab) and a name holding a control character, here the '\r'
     * that would turn Sentiment into an ignored column and the corpus into an unlabelled
     * one. */
    const char empty[] = "PhraseId\t\tPhrase\n1\t\tgood\n";
    assert_load_fails(tmp_write("empty.tsv", empty, sizeof empty - 1), NULL, LSTMSENT_ERR_HEADER,
                      "empty.tsv:1: column 2 has no name (an empty field in the header)");
    const char trailing[] = "Phrase\tSentiment\t\ngood\t3\t\n";
    assert_load_fails(tmp_write("trailing.tsv", trailing, sizeof trailing - 1), NULL,
                      LSTMSENT_ERR_HEADER, "trailing.tsv:1: column 3 has no name");
    const char empties[] = "\t\tPhrase\n\t\tgood\n";
    assert_load_fails(tmp_write("empties.tsv", empties, sizeof empties - 1), NULL,
                      LSTMSENT_ERR_HEADER, "empties.tsv:1: column 1 has no name");
    const char cr[] = "Phrase\tSentiment\r\r\ngood\t3\n";
    assert_load_fails(tmp_write("cr.tsv", cr, sizeof cr - 1), NULL, LSTMSENT_ERR_HEADER,
                      "cr.tsv:1: column 2 is named 'Sentiment\\r', with a control character");
    /* Many columns: found by sorting, not by comparing every pair. */
    size_t cols = 50000, cap = cols * 16 + 64, n = 0;
    char *big = malloc(cap);
    ck_assert_ptr_nonnull(big);
    n += (size_t)sprintf(big + n, "Phrase");
    for (size_t k = 0; k < cols; k++)
        n += (size_t)sprintf(big + n, "\tc%zu", k);
    n += (size_t)sprintf(big + n, "\tc7\ngood");
    for (size_t k = 0; k <= cols; k++)
        big[n++] = '\t';
    big[n++] = '\n';
    assert_load_fails(tmp_write("big.tsv", big, n), NULL, LSTMSENT_ERR_HEADER,
                      "big.tsv:1: two columns named 'c7' (columns 9 and 50002)");
    free(big);
    tmp_cleanup();
}
END_TEST

/* One line-end rule for every line: "\n" or "\r\n" (a lone '\r' just before the end of the
 * file too). The trimming of blank lines at the end used to strip every '\r' as well, so a
 * last row "ok\t2\r\r\n" was accepted while the same row elsewhere was not. */
START_TEST(test_carriage_returns_one_rule)
{
    const char last[] = "Phrase\tSentiment\nfine\t3\nok\t2\r\r\n";
    assert_load_fails(tmp_write("last.tsv", last, sizeof last - 1), NULL, LSTMSENT_ERR_LABEL,
                      "last.tsv:3: Sentiment '2\\r' is not an integer 0..4");
    const char then_blank[] = "Phrase\tSentiment\nfine\t3\nok\t2\r\r\n\r\n\n";
    assert_load_fails(tmp_write("tb.tsv", then_blank, sizeof then_blank - 1), NULL,
                      LSTMSENT_ERR_LABEL, "tb.tsv:3: Sentiment '2\\r' is not an integer 0..4");
    const char unterminated[] = "Phrase\tSentiment\nfine\t3\nok\t2\r\r";
    assert_load_fails(tmp_write("un.tsv", unterminated, sizeof unterminated - 1), NULL,
                      LSTMSENT_ERR_LABEL, "un.tsv:3: Sentiment '2\\r' is not an integer 0..4");
    const char only_cr[] = "\r\r\n";
    assert_load_fails(tmp_write("cr.tsv", only_cr, sizeof only_cr - 1), NULL, LSTMSENT_ERR_HEADER,
                      "(the first line is '\\r')");

    /* What stays accepted: CRLF line ends, blank CRLF lines at the end, and a last line
     * whose CRLF lost its LF. */
    const char ok[] = "Phrase\tSentiment\r\nfine\t3\r\nok\t2\r\n\r\n\r\n\n\r";
    const char lost_lf[] = "Phrase\tSentiment\r\nfine\t3\r\nok\t2\r";
    const char *good[] = {ok, lost_lf};
    const size_t size[] = {sizeof ok - 1, sizeof lost_lf - 1};
    for (int i = 0; i < 2; i++) {
        lstmsent_corpus *c;
        ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, tmp_write("ok.tsv", good[i], size[i]), NULL),
                         LSTMSENT_OK);
        ck_assert_uint_eq(lstmsent_corpus_phrase_count(c), 2);
        ck_assert_int_eq(lstmsent_corpus_labels(c)[1], 2);
        lstmsent_corpus_free(c);
    }

    /* The vocabulary reader shares the rule. */
    lstmsent_corpus *v = SENTINEL;
    const char words[] = "the\nrock\r\r\n";
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, tmp_write("v.txt", words, sizeof words - 1)),
                     LSTMSENT_ERR_VOCAB);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "v.txt:2: word 'rock\\r' holds white space"));
    ck_assert_ptr_eq(v, SENTINEL);
    const char crlf_words[] = "the\r\nrock\r\n\r\n\r";
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, tmp_write("w.txt", crlf_words,
                                                              sizeof crlf_words - 1)), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(v), 2);
    lstmsent_corpus_free(v);
    tmp_cleanup();
}
END_TEST

/* Messages that quote input show control bytes escaped: a stray '\r' used to print raw,
 * as "Sentiment '2' is not ..." with the cursor sent back over the line. */
START_TEST(test_messages_escape_control_bytes)
{
    const char cr[] = "Phrase\tSentiment\nok\t2\r\r\nfine\t3\n";
    assert_load_fails(tmp_write("cr.tsv", cr, sizeof cr - 1), NULL, LSTMSENT_ERR_LABEL,
                      "cr.tsv:2: Sentiment '2\\r' is not an integer 0..4");
    const char ctl[] = "Phr\x01" "ase\tSentiment\nok\t2\n";
    assert_load_fails(tmp_write("ctl.tsv", ctl, sizeof ctl - 1), NULL, LSTMSENT_ERR_HEADER,
                      "(the first line is 'Phr\\x01ase\\tSentiment')");
    const char id[] = "PhraseId\tPhrase\n1\\\x7f\tok\n";
    assert_load_fails(tmp_write("id.tsv", id, sizeof id - 1), NULL, LSTMSENT_ERR_FIELDS,
                      "id.tsv:2: PhraseId '1\\\\\\x7f' is not an integer");

    /* A terminal escape inside a word (not white space, so a token) stays inert. */
    const char *phrases[] = {"the red"};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 1, NULL), LSTMSENT_OK);
    int32_t ids[4];
    size_t n;
    ck_assert_int_eq(lstmsent_corpus_encode(c, "the \x1b[31mred", LSTMSENT_UNKNOWN_ERROR, ids, 4,
                                            &n), LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_str_eq(lstmsent_last_error(),
                     "lstmsent_corpus_encode: word '\\x1b[31mred' is not in the vocabulary");
    ck_assert_int_eq(lstmsent_corpus_word_id(c, "r\x7f" "ed", ids), LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_str_eq(lstmsent_last_error(), "word 'r\\x7fed' is not in the vocabulary");
    /* A long word is cut at a character boundary, so the message stays UTF-8. */
    char word[1 + 80 + 1];
    word[0] = 'a';
    for (int i = 0; i < 40; i++)
        memcpy(word + 1 + 2 * i, "\xc3\xa9", 2);
    word[81] = '\0';
    ck_assert_int_eq(lstmsent_corpus_word_id(c, word, ids), LSTMSENT_ERR_UNKNOWN_WORD);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "\xc3\xa9...' is not in the vocabulary"));
    lstmsent_corpus_free(c);

    const char dup[] = "a\x01" "b\nc\na\x01" "b\n";
    lstmsent_corpus *v = SENTINEL;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, tmp_write("dup.txt", dup, sizeof dup - 1)),
                     LSTMSENT_ERR_VOCAB);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "dup.txt:3: duplicate word 'a\\x01b' (line 1)"));
    const char sp[] = "a\nb\x0b" "c\n";
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, tmp_write("sp.txt", sp, sizeof sp - 1)),
                     LSTMSENT_ERR_VOCAB);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "sp.txt:2: word 'b\\x0bc' holds white space"));
    ck_assert_ptr_eq(v, SENTINEL);
    tmp_cleanup();
}
END_TEST

/* ---- the vocabulary file ----------------------------------------------------------------- */

START_TEST(test_vocab_file_round_trip)
{
    lstmsent_corpus *c, *v;
    ck_assert_int_eq(lstmsent_corpus_load_tsv(&c, data_path("small.tsv"), NULL), LSTMSENT_OK);
    const char *path = tmp_write("vocab.txt", "", 0);
    ck_assert_int_eq(lstmsent_corpus_save_vocab(c, path), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, path), LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(v), 13);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(v), 0);
    for (int32_t id = 1; id <= 13; id++) {
        const char *a, *b;
        int64_t count = -1;
        lstmsent_corpus_word(c, id, &a);
        lstmsent_corpus_word(v, id, &b);
        ck_assert_str_eq(a, b);
        ck_assert_int_eq(lstmsent_corpus_word_count(v, id, &count), LSTMSENT_OK);
        ck_assert_int_eq(count, 0);
    }
    /* Text encodes the same with the reloaded vocabulary. */
    int32_t x[8], y[8];
    size_t nx, ny;
    const char *text = "ANDR\xc3\x89 none of the unknown";
    ck_assert_int_eq(lstmsent_corpus_encode(c, text, LSTMSENT_UNKNOWN_ID, x, 8, &nx), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_encode(v, text, LSTMSENT_UNKNOWN_ID, y, 8, &ny), LSTMSENT_OK);
    ck_assert_uint_eq(nx, ny);
    ck_assert_int_eq(memcmp(x, y, nx * sizeof *x), 0);
    ck_assert_int_eq(x[4], 14);
    /* The file: one word per line in id order. */
    FILE *f = fopen(path, "rb");
    char line[64];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "a\n");
    fclose(f);
    lstmsent_corpus_free(v);
    lstmsent_corpus_free(c);
    /* CRLF and trailing blank lines are fine. */
    const char crlf[] = "the\r\nrock\r\n\r\n";
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, tmp_write("crlf.txt", crlf, sizeof crlf - 1)),
                     LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_vocab_size(v), 2);
    ck_assert_int_eq(id_of(v, "rock"), 2);
    lstmsent_corpus_free(v);
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, data_path("vocab_ok.txt")), LSTMSENT_OK);
    ck_assert_int_eq(id_of(v, "is"), 3);
    lstmsent_corpus_free(v);
    tmp_cleanup();
}
END_TEST

START_TEST(test_vocab_file_errors)
{
    lstmsent_corpus *v = SENTINEL;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, data_path("err_vocab_duplicate.txt")),
                     LSTMSENT_ERR_VOCAB);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(),
                                 "err_vocab_duplicate.txt:3: duplicate word 'the' (line 1)"));
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, data_path("err_vocab_empty_word.txt")),
                     LSTMSENT_ERR_VOCAB);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "err_vocab_empty_word.txt:2: empty word"));
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, data_path("err_vocab_space.txt")),
                     LSTMSENT_ERR_VOCAB);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(),
                                 "err_vocab_space.txt:2: word 'rock star' holds white space"));
    const char nbsp[] = "the\nrock\xc2\xa0star\n";
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, tmp_write("nbsp.txt", nbsp, sizeof nbsp - 1)),
                     LSTMSENT_ERR_VOCAB);
    const char bad[] = "the\nro\xff" "ck\n";
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, tmp_write("bad.txt", bad, sizeof bad - 1)),
                     LSTMSENT_ERR_UTF8);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "bad.txt:2: invalid UTF-8 at byte 3"));
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, data_path("empty.tsv")), LSTMSENT_ERR_EMPTY);
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, "/nonexistent/vocab.txt"), LSTMSENT_ERR_IO);
    ck_assert_ptr_eq(v, SENTINEL);

    const char *phrases[] = {"a"};
    lstmsent_corpus *c;
    ck_assert_int_eq(lstmsent_corpus_create(&c, phrases, NULL, 1, NULL), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent_corpus_save_vocab(c, "/nonexistent/dir/vocab.txt"), LSTMSENT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "cannot write '/nonexistent/dir/vocab.txt'"));
    lstmsent_corpus_free(c);
    tmp_cleanup();
}
END_TEST

/* ---- special files ----------------------------------------------------------------------- */

/* A FIFO with no writer used to block both readers for ever in open(); a character device
 * was read as if it were a file (/dev/null as an empty one, /dev/zero without end). Both
 * readers now refuse anything but a regular file, at once. */
START_TEST(test_special_files_are_refused)
{
    tmp_write("x", "", 0);   /* makes tmpdir */
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/f.tsv", tmpdir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    assert_load_fails(fifo, NULL, LSTMSENT_ERR_IO, "not a regular file (a FIFO or pipe)");
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), fifo));
    lstmsent_corpus *v = SENTINEL;
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, fifo), LSTMSENT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "not a regular file (a FIFO or pipe)"));
    ck_assert_ptr_eq(v, SENTINEL);

    assert_load_fails("/dev/null", NULL, LSTMSENT_ERR_IO,
                      "cannot read '/dev/null': not a regular file (a character device)");
    ck_assert_int_eq(lstmsent_corpus_load_vocab(&v, "/dev/null"), LSTMSENT_ERR_IO);
    ck_assert_ptr_eq(v, SENTINEL);
    assert_load_fails(TEST_SRC_DIR, NULL, LSTMSENT_ERR_IO, "not a regular file (a directory)");
    tmp_cleanup();
}
END_TEST

/* /dev/stdin is whatever standard input is: a file redirected with '<' reads, a pipe is
 * refused like any FIFO (docs/corpus.md). */
START_TEST(test_dev_stdin)
{
    if (access("/dev/stdin", F_OK) != 0)
        return;   /* no /dev/stdin on this system: nothing to check */
    const char tsv[] = "Phrase\tSentiment\ngood\t3\n";
    const char *path = tmp_write("in.tsv", tsv, sizeof tsv - 1);
    int saved = dup(0);
    ck_assert_int_ge(saved, 0);

    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(dup2(fd, 0), 0);
    close(fd);
    lstmsent_corpus *c = SENTINEL;
    lstmsent_status st = lstmsent_corpus_load_tsv(&c, "/dev/stdin", NULL);

    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(dup2(p[0], 0), 0);
    close(p[0]);
    ck_assert_int_eq((int)write(p[1], tsv, sizeof tsv - 1), (int)(sizeof tsv - 1));
    lstmsent_corpus *d = SENTINEL;
    lstmsent_status piped = lstmsent_corpus_load_tsv(&d, "/dev/stdin", NULL);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", lstmsent_last_error());
    close(p[1]);
    ck_assert_int_eq(dup2(saved, 0), 0);
    close(saved);

    ck_assert_int_eq(st, LSTMSENT_OK);
    ck_assert_uint_eq(lstmsent_corpus_phrase_count(c), 1);
    lstmsent_corpus_free(c);
    ck_assert_int_eq(piped, LSTMSENT_ERR_IO);
    ck_assert_ptr_eq(d, SENTINEL);
    ck_assert_msg(strstr(msg, "not a regular file (a FIFO or pipe)") != NULL, "%s", msg);
    tmp_cleanup();
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("vocabulary");
    tcase_add_test(tc, test_vocab_by_count_then_first_appearance);
    tcase_add_test(tc, test_min_count_cuts_rare_words);
    tcase_add_test(tc, test_unknown_policy_is_kept);
    tcase_add_test(tc, test_unicode_case_and_spaces);
    tcase_add_test(tc, test_empty_phrases_are_kept);
    tcase_add_test(tc, test_query_errors);
    tcase_add_test(tc, test_null_arguments);
    tcase_add_test(tc, test_create_bad_input);
    tcase_add_test(tc, test_encode_and_unknown_policies);
    tcase_add_test(tc, test_borrowed_vocabulary);
    tcase_add_test(tc, test_borrowed_empty_vocabulary);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_load_small_tsv);
    tcase_add_test(tc, test_load_layouts);
    tcase_add_test(tc, test_crlf_bom_and_no_final_newline);
    tcase_add_test(tc, test_long_lines_have_no_limit);
    tcase_add_test(tc, test_file_errors_each_have_a_code);
    tcase_add_test(tc, test_byte_level_errors);
    tcase_add_test(tc, test_messages_escape_control_bytes);
    tcase_add_test(tc, test_carriage_returns_one_rule);
    tcase_add_test(tc, test_header_column_names);
    tcase_add_test(tc, test_vocab_file_round_trip);
    tcase_add_test(tc, test_vocab_file_errors);
    suite_add_tcase(s, tc);
    /* Before the shared open path, a FIFO blocked for ever: the timeout makes that a
     * failure rather than a hang. */
    tc = tcase_create("special files");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_special_files_are_refused);
    tcase_add_test(tc, test_dev_stdin);
    suite_add_tcase(s, tc);
    return s;
}
