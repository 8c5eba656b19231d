/*
 * libFuzzer target for the TSV reader: any byte string is parsed as a phrase file
 * (lstmsent__corpus_parse_tsv, the bytes of lstmsent_corpus_load_tsv after the read, in an
 * exact-size copy with no NUL after it). It must succeed or fail with a status and a
 * message and nothing allocated. An accepted corpus is walked whole (every id within the
 * vocabulary, labels 0..4), padded into a dataset, and parsed again with its own
 * vocabulary borrowed and unknown words refused, which must give the same ids.
 * Build and run with tests/fuzz/run.sh tsv.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    REQUIRE(copy != NULL);
    if (size > 0)
        memcpy(copy, data, size);
    lstmsent_corpus *c = NULL;
    lstmsent_status st = lstmsent__corpus_parse_tsv(&c, "<fuzz>", copy, size, NULL);
    if (st != LSTMSENT_OK) {
        REQUIRE(st < 0 && lstmsent_last_error()[0] != '\0');
        free(copy);
        return 0;
    }
    size_t n = lstmsent_corpus_phrase_count(c), V = lstmsent_corpus_vocab_size(c);
    REQUIRE(n >= 1);
    const int32_t *labels = lstmsent_corpus_labels(c);
    for (size_t i = 0; i < n; i++) {
        const int32_t *ids;
        size_t len;
        REQUIRE(lstmsent_corpus_phrase_ids(c, i, &ids, &len) == LSTMSENT_OK);
        for (size_t k = 0; k < len; k++)
            REQUIRE(ids[k] >= 1 && (size_t)ids[k] <= V);
        if (labels != NULL)
            REQUIRE(labels[i] >= 0 && labels[i] <= 4);
    }
    for (int32_t id = 1; id <= (int32_t)V; id++) {
        const char *w;
        int32_t back;
        REQUIRE(lstmsent_corpus_word(c, id, &w) == LSTMSENT_OK && w[0] != '\0');
        REQUIRE(lstmsent_corpus_word_id(c, w, &back) == LSTMSENT_OK && back == id);
    }
    lstmsent_dataset *d = NULL;
    st = lstmsent_dataset_create(&d, c, NULL);
    REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_NOMEM);
    lstmsent_dataset_free(d);

    lstmsent_corpus_options o;
    lstmsent_corpus_options_default(&o);
    o.vocabulary = c;
    o.unknown = LSTMSENT_UNKNOWN_ERROR;
    lstmsent_corpus *again = NULL;
    st = lstmsent__corpus_parse_tsv(&again, "<fuzz>", copy, size, &o);
    REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_NOMEM);
    if (st == LSTMSENT_OK) {
        REQUIRE(lstmsent_corpus_phrase_count(again) == n);
        for (size_t i = 0; i < n; i++) {
            const int32_t *a, *b;
            size_t la, lb;
            lstmsent_corpus_phrase_ids(c, i, &a, &la);
            lstmsent_corpus_phrase_ids(again, i, &b, &lb);
            REQUIRE(la == lb && (la == 0 || memcmp(a, b, la * sizeof *a) == 0));
        }
    }
    lstmsent_corpus_free(again);
    lstmsent_corpus_free(c);
    free(copy);
    return 0;
}
