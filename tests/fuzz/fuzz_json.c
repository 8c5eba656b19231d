/*
 * libFuzzer target for the JSON of safetensors headers (whose file target reaches it only
 * through a length field that most mutations break): any bytes are a header's text, read
 * by lstmsent__st_parse_header (jansson, with the library's own limits), checked against
 * jansson reading the same bytes plainly, and as the header of a whole file. An accepted
 * header is written back by jansson and read again, which must give the same tree; and
 * every string in it is written by the file writer, as a tensor name, a metadata key and
 * a metadata value, and read back, which must give the same bytes.
 * Build and run with tests/fuzz/run.sh json.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

/* Our tree against jansson's plain reading of the same text: the same, except that every
 * number that is not a plain integer 0..INT64_MAX is -1 in ours. */
static void same_tree(const json_t *ours, const json_t *plain)
{
    if (json_is_number(plain)) {
        REQUIRE(json_is_integer(ours));
        json_int_t v = json_integer_value(ours);
        if (json_is_integer(plain) && json_integer_value(plain) > 0)
            REQUIRE(v == json_integer_value(plain));
        else if (json_is_integer(plain) && json_integer_value(plain) == 0)
            REQUIRE(v == 0 || v == -1);   /* 0, or -0 */
        else
            REQUIRE(v == -1);
        return;
    }
    REQUIRE(json_typeof(ours) == json_typeof(plain));
    if (json_is_array(plain)) {
        REQUIRE(json_array_size(ours) == json_array_size(plain));
        for (size_t i = 0; i < json_array_size(plain); i++)
            same_tree(json_array_get(ours, i), json_array_get(plain, i));
    } else if (json_is_object(plain)) {
        REQUIRE(json_object_size(ours) == json_object_size(plain));
        /* the same keys in the same order */
        void *a = json_object_iter((json_t *)ours), *b = json_object_iter((json_t *)plain);
        for (; b != NULL; a = json_object_iter_next((json_t *)ours, a),
                          b = json_object_iter_next((json_t *)plain, b)) {
            REQUIRE(a != NULL && strcmp(json_object_iter_key(a), json_object_iter_key(b)) == 0);
            same_tree(json_object_iter_value(a), json_object_iter_value(b));
        }
    } else {
        REQUIRE(json_equal((json_t *)ours, (json_t *)plain));
    }
}

static size_t depth_of(const json_t *v)
{
    size_t most = 0;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t d = depth_of(json_array_get(v, i));
            most = d > most ? d : most;
        }
        return most + 1;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)v, key, value) {
            size_t d = depth_of(value);
            most = d > most ? d : most;
        }
        return most + 1;
    }
    return 0;
}

/* s as a tensor name (unless it is the reserved one), a metadata value, and a metadata
 * key (unless it is a checksum key, whose value the writer fills in), through the file
 * writer and back. */
static void string_round_trip(const char *s)
{
    static const float one = 1.0f;
    lstmsent__st_out_tensor t = {s, 0, NULL, &one};
    int as_name = strcmp(s, "__metadata__") != 0;
    int as_key = strcmp(s, "k") != 0 && strcmp(s, LSTMSENT__ST_SUM_HEADER) != 0 &&
                 strcmp(s, LSTMSENT__ST_SUM_DATA) != 0;
    lstmsent__st_pair meta[2] = {{"k", s}, {s, "v"}};
    unsigned char *img = NULL;
    size_t len;
    lstmsent_status st = lstmsent__st_serialize_f32(&img, &len, &t, (size_t)as_name, meta,
                                                    1 + (size_t)as_key);
    if (st != LSTMSENT_OK) {
        REQUIRE(st == LSTMSENT_ERR_NOMEM);
        return;
    }
    lstmsent__st_file *f = NULL;
    st = lstmsent__st_parse(&f, img, len);
    REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_NOMEM);
    if (st == LSTMSENT_OK) {
        REQUIRE(f->n_meta == 1 + (size_t)as_key);
        REQUIRE(strcmp(lstmsent__st_meta_get(f, "k"), s) == 0);
        if (as_key)
            REQUIRE(strcmp(lstmsent__st_meta_get(f, s), "v") == 0);
        REQUIRE(f->n_tensors == (size_t)as_name);
        if (as_name)
            REQUIRE(strcmp(f->tensors[0].name, s) == 0);
        lstmsent__st_free(f);
    }
    free(img);
}

static void strings_round_trip(const json_t *v)
{
    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) == json_string_length(v))
            string_round_trip(json_string_value(v));
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            strings_round_trip(json_array_get(v, i));
    } else if (json_is_object(v)) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)v, key, value) {
            string_round_trip(key);
            strings_round_trip(value);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > LSTMSENT__ST_MAX_HEADER)
        return 0;
    const char *text = (const char *)data;
    json_t *root = NULL;
    lstmsent_status st = lstmsent__st_parse_header(&root, text, size);
    REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_FORMAT || st == LSTMSENT_ERR_NOMEM);
    char message[1024];
    strncpy(message, lstmsent_last_error(), sizeof message - 1);
    message[sizeof message - 1] = '\0';

    /* jansson alone: where it reads an object of at most 64 levels from valid UTF-8 text
     * starting with '{' and holding no NUL byte (jansson skips one after a number), so do
     * we, and the same tree; where we read one, it does too, unless a number was past
     * what it can hold. */
    json_error_t e;
    json_t *plain = json_loadb(text, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
    if (plain != NULL && json_is_object(plain) && depth_of(plain) <= 64 && size > 0 &&
        text[0] == '{' && lstmsent__utf8_valid(text, size, NULL) &&
        memchr(text, '\0', size) == NULL)
        REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_NOMEM);
    if (st == LSTMSENT_OK)
        REQUIRE(plain != NULL || json_error_code(&e) == json_error_numeric_overflow ||
                json_error_code(&e) == json_error_out_of_memory);
    if (st == LSTMSENT_OK && plain != NULL)
        same_tree(root, plain);
    json_decref(plain);

    if (st != LSTMSENT_OK) {
        REQUIRE(root == NULL && message[0] != '\0');
    } else {
        REQUIRE(json_is_object(root) && depth_of(root) <= 64);
        /* Written back by jansson and read again: the same tree. */
        char *back = json_dumps(root, JSON_COMPACT);
        if (back != NULL) {
            json_t *again = NULL;
            lstmsent_status st2 = lstmsent__st_parse_header(&again, back, strlen(back));
            REQUIRE(st2 == LSTMSENT_OK || st2 == LSTMSENT_ERR_NOMEM);
            if (st2 == LSTMSENT_OK)
                REQUIRE(json_equal(root, again));
            json_decref(again);
            free(back);
        }
        strings_round_trip(root);
    }

    /* As a whole file with no data: the header's verdict comes first. */
    unsigned char *img = malloc(8 + size);
    if (img != NULL) {
        for (int k = 0; k < 8; k++)
            img[k] = (unsigned char)((uint64_t)size >> (8 * k));
        if (size > 0)
            memcpy(img + 8, data, size);
        lstmsent__st_file *f = NULL;
        lstmsent_status fst = lstmsent__st_parse(&f, img, 8 + size);
        if (st != LSTMSENT_OK && st != LSTMSENT_ERR_NOMEM)
            REQUIRE(fst == st && strcmp(lstmsent_last_error(), message) == 0);
        else
            REQUIRE(fst == LSTMSENT_OK || fst == LSTMSENT_ERR_FORMAT || fst == LSTMSENT_ERR_NOMEM);
        lstmsent__st_free(f);
        free(img);
    }
    json_decref(root);
    return 0;
}
