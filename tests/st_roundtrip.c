/*
 * The C side of tests/st_reference_check.py, which checks the safetensors code against an
 * independent reader and writer written from the spec in Python:
 *   st_roundtrip write PATH         save a known file (the values the script expects)
 *   st_roundtrip dump PATH          read a file and print it as JSON: metadata, and per
 *                                   tensor its dtype, shape and data bytes in hex
 *   st_roundtrip expect-error PATH  exit 0 only if reading fails with a format error
 * and for tests/st_checksum_check.py:
 *   st_roundtrip write-checked PATH the known file with both checksum keys filled in
 *   st_roundtrip sums PATH          read a file and print its two checksums, header and
 *                                   data, as 16 hex digits each on one line
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "safetensors.h"

/* The known file; st_reference_check.py builds the same values. */
static int write_known(const char *path, int checked)
{
    float emb[3 * 4], bias[8], scalar[1] = {3.14159274f};
    for (int i = 0; i < 12; i++)
        emb[i] = (float)i * 0.25f - 1.0f;
    for (int i = 0; i < 8; i++)
        bias[i] = 1.0f / (float)(i + 1);
    bias[7] = -0.0f;
    static const int64_t emb_shape[2] = {3, 4}, bias_shape[1] = {8}, empty_shape[2] = {0, 2};
    const lstmsent__st_out_tensor tensors[] = {
        {"embedding.weight", 2, emb_shape, emb},
        {"lstm.bias_ih_l0", 1, bias_shape, bias},
        {"scalar", 0, NULL, scalar},
        {"empty", 2, empty_shape, NULL},
    };
    const lstmsent__st_pair meta[] = {
        {"library", "lstmsent"},
        {"vocab", "a\nb\t\"c\" \\ \xC3\xA9 \xF0\x9F\x98\x80 \x01"},
        {LSTMSENT__ST_SUM_HEADER, ""},
        {LSTMSENT__ST_SUM_DATA, ""},
    };
    lstmsent_status st = lstmsent__st_save_f32(path, tensors, 4, meta, checked ? 4 : 2);
    if (st != LSTMSENT_OK) {
        fprintf(stderr, "save: %s\n", lstmsent_last_error());
        return 1;
    }
    return 0;
}

static int dump(const char *path)
{
    lstmsent__st_file *f;
    if (lstmsent__st_read_file(&f, path) != LSTMSENT_OK) {
        fprintf(stderr, "read: %s\n", lstmsent_last_error());
        return 1;
    }
    /* Out of memory, an entry would go missing (jansson's *_new calls take NULL as a
     * failure), which the script reports as a mismatch. */
    json_t *meta = json_object(), *tensors = json_object();
    for (size_t i = 0; i < f->n_meta; i++)
        json_object_set_new(meta, f->meta[i].key, json_string(f->meta[i].value));
    for (size_t i = 0; i < f->n_tensors; i++) {
        const lstmsent__st_tensor *t = &f->tensors[i];
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++)
            json_array_append_new(shape, json_integer(t->shape[d]));
        char *hex = malloc(2 * (t->end - t->begin) + 1);
        if (hex == NULL)
            return 1;
        for (size_t b = t->begin; b < t->end; b++)
            snprintf(hex + 2 * (b - t->begin), 3, "%02x", f->data[b]);
        hex[2 * (t->end - t->begin)] = '\0';
        json_object_set_new(tensors, t->name,
                            json_pack("{s:s,s:o,s:s}", "dtype", lstmsent__st_dtype_name(t->dtype),
                                      "shape", shape, "hex", hex));
        free(hex);
    }
    json_t *all = json_pack("{s:o,s:o}", "metadata", meta, "tensors", tensors);
    int rc = all != NULL && json_dumpf(all, stdout, JSON_COMPACT) == 0 ? 0 : 1;
    if (rc == 0)
        putchar('\n');
    json_decref(all);
    lstmsent__st_free(f);
    return rc;
}

static int sums(const char *path)
{
    lstmsent__st_file *f;
    uint64_t h, d;
    if (lstmsent__st_read_file(&f, path) != LSTMSENT_OK ||
        lstmsent__st_checksums(f, &h, &d) != LSTMSENT_OK) {
        fprintf(stderr, "sums: %s\n", lstmsent_last_error());
        return 1;
    }
    printf("%016llx %016llx\n", (unsigned long long)h, (unsigned long long)d);
    lstmsent__st_free(f);
    return 0;
}

static int expect_error(const char *path)
{
    lstmsent__st_file *f;
    lstmsent_status st = lstmsent__st_read_file(&f, path);
    if (st == LSTMSENT_OK) {
        lstmsent__st_free(f);
        fprintf(stderr, "%s: read without error\n", path);
        return 1;
    }
    printf("%s\n", lstmsent_last_error());
    return st == LSTMSENT_ERR_FORMAT ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write") == 0)
        return write_known(argv[2], 0);
    if (argc == 3 && strcmp(argv[1], "write-checked") == 0)
        return write_known(argv[2], 1);
    if (argc == 3 && strcmp(argv[1], "sums") == 0)
        return sums(argv[2]);
    if (argc == 3 && strcmp(argv[1], "dump") == 0)
        return dump(argv[2]);
    if (argc == 3 && strcmp(argv[1], "expect-error") == 0)
        return expect_error(argv[2]);
    fprintf(stderr, "usage: %s write|write-checked|dump|sums|expect-error PATH\n", argv[0]);
    return 2;
}
