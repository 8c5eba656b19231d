/*
 * libFuzzer target for the model-file reader: any byte string goes to lstmsent__st_parse,
 * which must return either a fully valid file or a format error with nothing allocated;
 * never crash, leak, read out of bounds or hit undefined behaviour. An accepted file is
 * walked whole (every tensor byte, every name) and, when all of it is F32, written back
 * out and read again, which must succeed and give the same tensors, metadata and
 * checksums.
 * Build and run with tests/fuzz/run.sh safetensors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A crash libFuzzer reports with the input, for a broken invariant. */
#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

static void rewrite_and_compare(const lstmsent__st_file *f)
{
    lstmsent__st_out_tensor *out = calloc(f->n_tensors ? f->n_tensors : 1, sizeof *out);
    lstmsent__st_pair *meta = calloc(f->n_meta ? f->n_meta : 1, sizeof *meta);
    float **values = calloc(f->n_tensors ? f->n_tensors : 1, sizeof *values);
    REQUIRE(out != NULL && meta != NULL && values != NULL);
    for (size_t i = 0; i < f->n_tensors; i++) {
        const lstmsent__st_tensor *t = &f->tensors[i];
        values[i] = malloc(t->numel ? t->numel * sizeof(float) : 1);
        REQUIRE(values[i] != NULL);
        REQUIRE(lstmsent__st_load_f32(f, t->name, t->ndim, t->shape, values[i], 0) ==
                LSTMSENT_OK);
        out[i] = (lstmsent__st_out_tensor){t->name, t->ndim, t->shape, values[i]};
    }
    for (size_t i = 0; i < f->n_meta; i++)
        meta[i] = (lstmsent__st_pair){f->meta[i].key, f->meta[i].value};

    unsigned char *img = NULL;
    size_t len = 0;
    lstmsent_status st = lstmsent__st_serialize_f32(&img, &len, out, f->n_tensors, meta,
                                                    f->n_meta);
    /* A parsed file holds only valid, distinct names, so only memory may stop a rewrite. */
    REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_NOMEM);
    if (st == LSTMSENT_OK) {
        lstmsent__st_file *g = NULL;
        REQUIRE(lstmsent__st_parse(&g, img, len) == LSTMSENT_OK);
        REQUIRE(g->n_tensors == f->n_tensors && g->n_meta == f->n_meta);
        for (size_t i = 0; i < f->n_tensors; i++) {
            const lstmsent__st_tensor *a = &f->tensors[i], *b = &g->tensors[i];
            REQUIRE(strcmp(a->name, b->name) == 0 && a->ndim == b->ndim);
            REQUIRE(memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof a->shape[0]) == 0);
            REQUIRE(b->end - b->begin == a->end - a->begin);
            REQUIRE(memcmp(a->data, b->data, a->end - a->begin) == 0);
        }
        /* Metadata comes back as it was, except the checksum keys, which the writer fills
         * with the checksums of what it wrote; those are the checksums of the input too,
         * as the canonical form ignores the header's layout and the data's order. */
        uint64_t fh, fd, gh, gd;
        int sums = 0;
        for (size_t i = 0; i < f->n_meta; i++) {
            const char *key = f->meta[i].key, *value = lstmsent__st_meta_get(g, key);
            if (strcmp(key, LSTMSENT__ST_SUM_HEADER) == 0 || strcmp(key, LSTMSENT__ST_SUM_DATA) == 0)
                sums = 1;
            else
                REQUIRE(strcmp(f->meta[i].value, value) == 0);
        }
        st = lstmsent__st_checksums(f, &fh, &fd);
        REQUIRE(st == LSTMSENT_OK || st == LSTMSENT_ERR_NOMEM);
        if (st == LSTMSENT_OK && lstmsent__st_checksums(g, &gh, &gd) == LSTMSENT_OK) {
            REQUIRE(fh == gh && fd == gd);
            if (sums) {
                char text[17];
                const char *h = lstmsent__st_meta_get(g, LSTMSENT__ST_SUM_HEADER);
                const char *d = lstmsent__st_meta_get(g, LSTMSENT__ST_SUM_DATA);
                snprintf(text, sizeof text, "%016llx", (unsigned long long)gh);
                REQUIRE(h == NULL || strcmp(h, text) == 0);
                snprintf(text, sizeof text, "%016llx", (unsigned long long)gd);
                REQUIRE(d == NULL || strcmp(d, text) == 0);
            }
        }
        lstmsent__st_free(g);
        free(img);
    }
    for (size_t i = 0; i < f->n_tensors; i++)
        free(values[i]);
    free(values);
    free(meta);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lstmsent__st_file *f = (lstmsent__st_file *)&f;
    lstmsent_status st = lstmsent__st_parse(&f, data, size);
    if (st != LSTMSENT_OK) {
        REQUIRE(f == NULL);
        REQUIRE(st == LSTMSENT_ERR_FORMAT || st == LSTMSENT_ERR_NOMEM);
        REQUIRE(lstmsent_last_error()[0] != '\0');
        return 0;
    }
    REQUIRE(f->data + f->data_len == data + size);
    int all_f32 = 1;
    unsigned sum = 0;
    for (size_t i = 0; i < f->n_tensors; i++) {
        const lstmsent__st_tensor *t = &f->tensors[i];
        REQUIRE(t->begin <= t->end && t->end <= f->data_len);
        REQUIRE(t->numel * lstmsent__st_dtype_size(t->dtype) == t->end - t->begin);
        for (size_t b = t->begin; b < t->end; b++) /* every byte is inside the input */
            sum += f->data[b];
        REQUIRE(strlen(t->name) < size);
        all_f32 &= t->dtype == LSTMSENT__ST_F32;
    }
    for (size_t i = 0; i < f->n_meta; i++)
        REQUIRE(lstmsent__st_meta_get(f, f->meta[i].key) != NULL);
    (void)sum;
    if (all_f32)
        rewrite_and_compare(f);
    lstmsent__st_free(f);
    return 0;
}
