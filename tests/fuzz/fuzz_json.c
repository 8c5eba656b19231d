/*
 * libFuzzer target for the JSON reader under the safetensors header (whose own target
 * reaches it only through a length field that most mutations break). Any bytes are parsed;
 * an accepted document is walked whole through every getter, every object is checked for
 * duplicate keys, and every string is written back with the JSON writer and read again,
 * which must give the same bytes.
 * Build and run with tests/fuzz/run.sh json.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

static void string_round_trip(const char *s, size_t len)
{
    lstmsent__json_writer w;
    lstmsent__json_writer_init(&w);
    lstmsent__json_write_string(&w, s, len);
    if (w.status == LSTMSENT_OK) {
        lstmsent__json_doc doc;
        REQUIRE(lstmsent__json_parse(&doc, w.data, w.len, 1) == LSTMSENT_OK);
        size_t back_len;
        const char *back = lstmsent__json_string(&doc, 0, &back_len);
        REQUIRE(back != NULL && back_len == len && memcmp(back, s, len) == 0);
        lstmsent__json_doc_free(&doc);
    } else {
        REQUIRE(w.status == LSTMSENT_ERR_NOMEM);
    }
    lstmsent__json_writer_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lstmsent__json_doc doc;
    lstmsent_status st = lstmsent__json_parse(&doc, (const char *)data, size, 32);
    if (st != LSTMSENT_OK) {
        REQUIRE(st == LSTMSENT_ERR_FORMAT || st == LSTMSENT_ERR_NOMEM);
        REQUIRE(doc.error[0] != '\0' && doc.error_offset <= size);
        lstmsent__json_doc_free(&doc);
        return 0;
    }
    REQUIRE(doc.n_tokens >= 1 && lstmsent__json_skip(&doc, 0) == doc.n_tokens);
    for (size_t i = 0; i < doc.n_tokens; i++) {
        size_t next = lstmsent__json_skip(&doc, i);
        REQUIRE(next > i && next <= doc.n_tokens);
        switch (lstmsent__json_type_of(&doc, i)) {
        case LSTMSENT__JSON_STRING: {
            size_t len;
            const char *s = lstmsent__json_string(&doc, i, &len);
            REQUIRE(s != NULL && s[len] == '\0' && lstmsent__utf8_valid(s, len, NULL));
            string_round_trip(s, len);
            break;
        }
        case LSTMSENT__JSON_NUMBER: {
            uint64_t u;
            int64_t v;
            double d;
            int is_u = lstmsent__json_get_u64(&doc, i, &u);
            int is_i = lstmsent__json_get_i64(&doc, i, &v);
            if (is_u && is_i)
                REQUIRE((uint64_t)v == u);
            (void)lstmsent__json_get_double(&doc, i, &d);
            break;
        }
        case LSTMSENT__JSON_OBJECT: {
            size_t dup;
            REQUIRE(lstmsent__json_find_duplicate_key(&doc, i, &dup) >= 0);
            /* Each member's key leads back to a value (the first of that key). */
            size_t k = i + 1;
            for (size_t m = 0; m < lstmsent__json_count(&doc, i); m++) {
                size_t len;
                const char *key = lstmsent__json_string(&doc, k, &len);
                REQUIRE(key != NULL);
                REQUIRE(lstmsent__json_object_get(&doc, i, key, len) != 0);
                k = lstmsent__json_skip(&doc, k + 1);
            }
            REQUIRE(k == next);
            break;
        }
        case LSTMSENT__JSON_ARRAY: {
            size_t k = i + 1;
            for (size_t m = 0; m < lstmsent__json_count(&doc, i); m++)
                k = lstmsent__json_skip(&doc, k);
            REQUIRE(k == next);
            break;
        }
        default:
            break;
        }
    }
    lstmsent__json_doc_free(&doc);
    return 0;
}
