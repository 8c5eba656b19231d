/* Safetensors reading and writing: a round trip, then one hand-made bad file for each
 * rule the reader enforces, and the atomic save under injected and real write failures.
 * Images are built in exact-size heap blocks so a read past the end shows under valgrind. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetensors.h"
#include "tap_main.h"

/* ---- helpers --------------------------------------------------------------------------- */

/* 8-byte length `declared`, then header, then data: an exact-size heap block. */
static unsigned char *image_with_length(uint64_t declared, const char *header,
                                        const void *data, size_t data_len, size_t *len)
{
    size_t hlen = strlen(header);
    *len = 8 + hlen + data_len;
    unsigned char *img = malloc(*len);
    ck_assert_ptr_nonnull(img);
    for (int k = 0; k < 8; k++)
        img[k] = (unsigned char)(declared >> (8 * k));
    memcpy(img + 8, header, hlen);
    if (data_len > 0)
        memcpy(img + 8 + hlen, data, data_len);
    return img;
}

static unsigned char *image(const char *header, const void *data, size_t data_len, size_t *len)
{
    return image_with_length(strlen(header), header, data, data_len, len);
}

/* data_len zero bytes after the header. */
static unsigned char *image_zeros(const char *header, size_t data_len, size_t *len)
{
    void *zeros = calloc(1, data_len ? data_len : 1);
    unsigned char *img = image(header, zeros, data_len, len);
    free(zeros);
    return img;
}

/* Parse img[0, len) expecting LSTMSENT_ERR_FORMAT with a message containing want. */
static void expect_format(const unsigned char *img, size_t len, const char *want)
{
    lstmsent__st_file *f = (lstmsent__st_file *)&f; /* not NULL: the call must clear it */
    lstmsent_status st = lstmsent__st_parse(&f, img, len);
    ck_assert_msg(st == LSTMSENT_ERR_FORMAT, "expected a format error with '%s', got %d (%s)",
                  want, st, lstmsent_last_error());
    ck_assert_ptr_null(f);
    ck_assert_msg(strstr(lstmsent_last_error(), want) != NULL, "message '%s' lacks '%s'",
                  lstmsent_last_error(), want);
}

static void expect_header_format(const char *header, size_t data_len, const char *want)
{
    size_t len;
    unsigned char *img = image_zeros(header, data_len, &len);
    expect_format(img, len, want);
    free(img);
}

static lstmsent__st_file *parse_ok(const unsigned char *img, size_t len)
{
    lstmsent__st_file *f = NULL;
    lstmsent_status st = lstmsent__st_parse(&f, img, len);
    ck_assert_msg(st == LSTMSENT_OK, "parse failed: %s", lstmsent_last_error());
    ck_assert_ptr_nonnull(f);
    return f;
}

/* A small model-like set of tensors, the file every round trip uses. */
static const float emb[2 * 3] = {0.5f, -1.25f, 3.0f, -0.0f, 1e-30f, 65504.0f};
static const float bias[4] = {1.0f, 2.0f, 3.0f, 4.0f};
static const float scalar[1] = {42.0f};
static const int64_t emb_shape[2] = {2, 3};
static const int64_t bias_shape[1] = {4};
static const int64_t empty_shape[2] = {0, 5};

static const lstmsent__st_out_tensor tensors_v1[] = {
    {"embedding.weight", 2, emb_shape, emb},
    {"fc.bias", 1, bias_shape, bias},
    {"empty", 2, empty_shape, NULL},
    {"step", 0, NULL, scalar},
};
static const lstmsent__st_pair meta_v1[] = {
    {"format", "lstmsent"},
    {"vocab", "the\na \"quoted\" word\t\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80 back\\slash"},
    {"empty", ""},
};
#define N_TENSORS_V1 (sizeof tensors_v1 / sizeof tensors_v1[0])
#define N_META_V1 (sizeof meta_v1 / sizeof meta_v1[0])

static unsigned char *serialize_v1(size_t *len)
{
    unsigned char *img = NULL;
    lstmsent_status st = lstmsent__st_serialize_f32(&img, len, tensors_v1, N_TENSORS_V1,
                                                    meta_v1, N_META_V1);
    ck_assert_msg(st == LSTMSENT_OK, "%s", lstmsent_last_error());
    return img;
}

static void check_v1(const lstmsent__st_file *f)
{
    ck_assert_uint_eq(f->n_tensors, 4);
    ck_assert_uint_eq(f->n_meta, 3);
    for (size_t i = 0; i < N_META_V1; i++) {
        ck_assert_str_eq(f->meta[i].key, meta_v1[i].key);
        ck_assert_str_eq(f->meta[i].value, meta_v1[i].value);
        ck_assert_str_eq(lstmsent__st_meta_get(f, meta_v1[i].key), meta_v1[i].value);
    }
    ck_assert_ptr_null(lstmsent__st_meta_get(f, "nope"));

    const lstmsent__st_tensor *t = lstmsent__st_find(f, "embedding.weight");
    ck_assert_ptr_eq(t, &f->tensors[0]);
    ck_assert_int_eq(t->dtype, LSTMSENT__ST_F32);
    ck_assert_int_eq(t->ndim, 2);
    ck_assert_int_eq(t->shape[0], 2);
    ck_assert_int_eq(t->shape[1], 3);
    ck_assert_uint_eq(t->numel, 6);
    ck_assert_uint_eq(t->begin, 0);
    ck_assert_uint_eq(t->end, 24);
    float got[6];
    ck_assert_int_eq(lstmsent__st_load_f32(f, "embedding.weight", 2, emb_shape, got, 1),
                     LSTMSENT_OK);
    ck_assert(memcmp(got, emb, sizeof emb) == 0); /* bit for bit, -0.0 included */

    t = lstmsent__st_find(f, "fc.bias");
    ck_assert_uint_eq(t->begin, 24);
    ck_assert_uint_eq(t->end, 40);
    ck_assert_int_eq(lstmsent__st_load_f32(f, "fc.bias", 1, bias_shape, got, 1), LSTMSENT_OK);
    ck_assert(memcmp(got, bias, sizeof bias) == 0);

    t = lstmsent__st_find(f, "empty");
    ck_assert_uint_eq(t->numel, 0);
    ck_assert_uint_eq(t->begin, t->end);
    ck_assert_int_eq(lstmsent__st_load_f32(f, "empty", 2, empty_shape, NULL, 1), LSTMSENT_OK);

    t = lstmsent__st_find(f, "step");
    ck_assert_int_eq(t->ndim, 0);
    ck_assert_uint_eq(t->numel, 1);
    ck_assert_int_eq(lstmsent__st_load_f32(f, "step", 0, NULL, got, 1), LSTMSENT_OK);
    ck_assert(got[0] == 42.0f);
    ck_assert_uint_eq(f->data_len, 44);
}

static char *temp_dir(void)
{
    char *dir = strdup("/tmp/lstmsent-st-XXXXXX");
    ck_assert_ptr_nonnull(dir);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Number of entries in dir other than . and .., and whether any is a temporary file. */
static int count_entries(const char *dir, int *temps)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    *temps = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        if (strstr(e->d_name, ".tmp.") != NULL)
            (*temps)++;
    }
    closedir(d);
    return n;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = join(dir, e->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    ck_assert_int_ge(n, 0);
    rewind(fp);
    unsigned char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

/* ---- round trips and valid files ------------------------------------------------------- */

START_TEST(test_round_trip_memory)
{
    size_t len;
    unsigned char *img = serialize_v1(&len);
    /* The header: length first, then JSON starting with the metadata, padded to 8. */
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | img[k];
    ck_assert_uint_eq(n % 8, 0);
    ck_assert_uint_eq(len, 8 + n + 44);
    ck_assert(memcmp(img + 8, "{\"__metadata__\":{\"format\":\"lstmsent\"", 36) == 0);
    lstmsent__st_file *f = parse_ok(img, len);
    ck_assert_uint_eq(f->header_len, n);
    check_v1(f);
    lstmsent__st_free(f);
    free(img);
    lstmsent__st_free(NULL);
}
END_TEST

START_TEST(test_round_trip_file)
{
    char *dir = temp_dir();
    char *path = join(dir, "model.safetensors");
    umask(022);
    ck_assert_int_eq(lstmsent__st_save_f32(path, tensors_v1, N_TENSORS_V1, meta_v1, N_META_V1),
                     LSTMSENT_OK);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0644); /* as any new file, not mkstemp's 0600 */

    /* The file is exactly the in-memory image. */
    size_t len, file_len;
    unsigned char *img = serialize_v1(&len);
    unsigned char *bytes = read_all(path, &file_len);
    ck_assert_uint_eq(file_len, len);
    ck_assert(memcmp(bytes, img, len) == 0);

    lstmsent__st_file *f = NULL;
    ck_assert_int_eq(lstmsent__st_read_file(&f, path), LSTMSENT_OK);
    ck_assert_ptr_nonnull(f->owned);
    check_v1(f);
    lstmsent__st_free(f);

    /* Saving again replaces the file; nothing else is left in the directory. */
    const lstmsent__st_out_tensor one[] = {{"w", 1, bias_shape, bias}};
    ck_assert_int_eq(lstmsent__st_save_f32(path, one, 1, NULL, 0), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent__st_read_file(&f, path), LSTMSENT_OK);
    ck_assert_uint_eq(f->n_tensors, 1);
    ck_assert_uint_eq(f->n_meta, 0);
    lstmsent__st_free(f);
    int temps;
    ck_assert_int_eq(count_entries(dir, &temps), 1);
    ck_assert_int_eq(temps, 0);

    /* A relative path (no directory part) works too. */
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_int_eq(lstmsent__st_save_f32("rel.safetensors", one, 1, NULL, 0), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent__st_read_file(&f, "rel.safetensors"), LSTMSENT_OK);
    lstmsent__st_free(f);
    ck_assert_int_eq(chdir(cwd), 0);

    free(bytes);
    free(img);
    free(path);
    remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(test_valid_edge_cases)
{
    size_t len;
    /* No tensors at all, with and without the reference writer's padding. */
    unsigned char *img = image("{}", NULL, 0, &len);
    lstmsent__st_file *f = parse_ok(img, len);
    ck_assert_uint_eq(f->n_tensors, 0);
    ck_assert_uint_eq(f->data_len, 0);
    lstmsent__st_free(f);
    free(img);
    img = image("{}      ", NULL, 0, &len);
    lstmsent__st_free(parse_ok(img, len));
    free(img);
    /* Any JSON white space may follow the object. */
    img = image("{} \n\t\r", NULL, 0, &len);
    lstmsent__st_free(parse_ok(img, len));
    free(img);

    /* Entries in any order, zero-size tensors anywhere, every dtype's size, an odd header
     * length (so F32 data starts unaligned), escapes in names, fields in any order. */
    const char *h = "{\"b\":{\"data_offsets\":[8,14],\"shape\":[3],\"dtype\":\"BF16\"},"
                    "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
                    "\"a\\u00e9\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                    "\"c\":{\"dtype\":\"BOOL\",\"shape\":[2,1],\"data_offsets\":[14,16]},"
                    "\"f\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[16,20]},"
                    "\"__metadata__\":{}}";
    unsigned char data[20] = {0};
    float v = -2.5f;
    memcpy(data + 16, &v, 4);
    img = image(h, data, sizeof data, &len);
    ck_assert_uint_ne(strlen(h) % 4, 0);
    f = parse_ok(img, len);
    ck_assert_uint_eq(f->n_tensors, 5);
    ck_assert_str_eq(f->tensors[2].name, "a\xC3\xA9");
    ck_assert_int_eq(f->tensors[0].dtype, LSTMSENT__ST_BF16);
    ck_assert_ptr_eq(f->tensors[4].data, f->data + 16);
    int64_t shape[2] = {1, 1};
    float out = 0;
    ck_assert_int_eq(lstmsent__st_load_f32(f, "f", 2, shape, &out, 1), LSTMSENT_OK);
    ck_assert(out == -2.5f);
    lstmsent__st_free(f);
    free(img);

    for (int d = 0; d < LSTMSENT__ST_DTYPE_COUNT; d++) {
        const char *name = lstmsent__st_dtype_name((lstmsent__st_dtype)d);
        lstmsent__st_dtype back;
        ck_assert(lstmsent__st_dtype_from_name(name, strlen(name), &back));
        ck_assert_int_eq(back, d);
        ck_assert_uint_ge(lstmsent__st_dtype_size(back), 1);
    }
    ck_assert_uint_eq(lstmsent__st_dtype_size(LSTMSENT__ST_F64), 8);
    ck_assert_uint_eq(lstmsent__st_dtype_size(LSTMSENT__ST_BF16), 2);
    ck_assert_ptr_null(lstmsent__st_dtype_name(LSTMSENT__ST_DTYPE_COUNT));
    ck_assert_uint_eq(lstmsent__st_dtype_size(LSTMSENT__ST_DTYPE_COUNT), 0);
}
END_TEST

/* ---- each rule, with its own bad file -------------------------------------------------- */

START_TEST(test_truncated_everywhere)
{
    size_t len;
    unsigned char *img = serialize_v1(&len);
    size_t header_end = 8 + (size_t)img[0] + ((size_t)img[1] << 8);
    /* Every proper prefix fails, with the message of the part it stops in. */
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *part = malloc(cut ? cut : 1);
        memcpy(part, img, cut);
        const char *want = cut < 8 ? "too short for the 8-byte header length"
                           : cut < header_end ? "exceeds the file's"
                                              : "file truncated: the tensors need 44 bytes";
        expect_format(part, cut, want);
        free(part);
    }
    expect_format(img, 0, "file truncated: 0 bytes");
    expect_format(img, 4, "file truncated: 4 bytes");
    expect_format(img, 7, "file truncated: 7 bytes");
    expect_format(img, 8, "header length");
    expect_format(img, header_end, "holds 0");
    expect_format(img, len - 1, "holds 43");
    lstmsent__st_file *f = (lstmsent__st_file *)&f;
    ck_assert_int_eq(lstmsent__st_parse(&f, NULL, 0), LSTMSENT_ERR_FORMAT);
    ck_assert_ptr_null(f);
    free(img);
}
END_TEST

START_TEST(test_header_length)
{
    const char *h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    size_t hl = strlen(h), len;
    unsigned char data[4] = {0};
    /* One more than the header: the first data byte becomes part of the JSON. */
    unsigned char *img = image_with_length(hl + 1, h, data, 4, &len);
    expect_format(img, len, "header is not valid JSON");
    free(img);
    /* One less: the JSON is cut. */
    img = image_with_length(hl - 1, h, data, 4, &len);
    expect_format(img, len, "header is not valid JSON");
    free(img);
    /* Past the file. */
    img = image_with_length(hl + 5, h, data, 4, &len);
    expect_format(img, len, "header length 59 exceeds the file's 58 bytes after the length");
    free(img);
    /* The reference limit, 100,000,000 bytes, and far beyond. */
    img = image_with_length(100000001, h, data, 4, &len);
    expect_format(img, len, "header length 100000001 exceeds the limit of 100000000 bytes");
    free(img);
    img = image_with_length(100000000, h, data, 4, &len);
    expect_format(img, len, "header length 100000000 exceeds the file's");
    free(img);
    img = image_with_length(123456789012u, h, data, 4, &len);
    expect_format(img, len, "header length 123456789012 exceeds the limit");
    free(img);
    img = image_with_length(UINT64_MAX, h, data, 4, &len);
    expect_format(img, len, "header length 18446744073709551615 exceeds the limit");
    free(img);
    /* An empty header. */
    img = image_with_length(0, "", NULL, 0, &len);
    expect_format(img, len, "header does not start with '{'");
    free(img);
}
END_TEST

START_TEST(test_wrong_magic)
{
    /* Not a safetensors file at all: a PyTorch zip checkpoint, text, a GGUF file. */
    static const char starts[][26] = {"PK\x03\x04\x14\x00\x08\x08 more bytes after",
                                      "hello, world: this is tex",
                                      "GGUF\x03\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00"};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        size_t len = 26;
        unsigned char *img = malloc(len);
        memcpy(img, starts[i], len);
        expect_format(img, len, "header length");
        free(img);
    }
    /* A sane length but a header that is not an object. */
    expect_header_format("[]", 0, "header does not start with '{'");
    expect_header_format(" {}", 0, "header does not start with '{'");
    expect_header_format("\"{}\"", 0, "header does not start with '{'");
}
END_TEST

START_TEST(test_bad_json)
{
    static const char *const bad[] = {
        "{",
        "{\"a\":}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},}",
        "{} x",
        "{}{}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}",
        "{'a':1}",
        "{\"a\\q\":1}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\" \"shape\":[1],\"data_offsets\":[0,4]}}",
        "{\"\\uD800\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_header_format(bad[i], 4, "header is not valid JSON");
    /* A NUL inside the header, and nesting past the depth limit. */
    size_t len;
    unsigned char *img = image_with_length(3, "{}", NULL, 0, &len);
    unsigned char *longer = realloc(img, len + 1);
    longer[len] = '\0';
    expect_format(longer, len + 1, "header is not valid JSON");
    free(longer);
    char deep[300] = "{\"__metadata__\":";
    size_t n = strlen(deep);
    for (int k = 0; k < 100; k++)
        deep[n++] = '[';
    deep[n] = '\0';
    expect_header_format(deep, 0, "nest deeper than");
}
END_TEST

START_TEST(test_invalid_utf8)
{
    expect_header_format("{\"a\xC0\xAF\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}",
                         4, "header is not valid UTF-8 (at header byte 3)");
    expect_header_format("{\"__metadata__\":{\"k\":\"\xED\xA0\x80\"}}", 0,
                         "header is not valid UTF-8");
    expect_header_format("{\xFF}", 0, "not valid UTF-8");
}
END_TEST

START_TEST(test_duplicates)
{
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                         "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                         8, "tensor name 'w' appears twice");
    /* Escapes are decoded before names are compared. */
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                         "\"\\u0077\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                         8, "tensor name 'w' appears twice");
    expect_header_format("{\"__metadata__\":{},\"__metadata__\":{}}", 0,
                         "the header has '__metadata__' twice");
    expect_header_format("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0,
                         "'__metadata__' has the key 'k' twice");
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],"
                         "\"data_offsets\":[0,4]}}",
                         4, "tensor 'w': field 'dtype' appears twice");
}
END_TEST

START_TEST(test_offsets_overlap_and_gap)
{
    expect_header_format("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                         12, "tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8]");
    /* Two tensors on the same bytes. */
    expect_header_format("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                         8, "overlap");
    /* A zero-size tensor inside another one's bytes. */
    expect_header_format("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                         "\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
                         8, "tensor 'b': data_offsets [4, 4] overlap");
    expect_header_format("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
                         20, "tensor 'b': data_offsets [12, 20] leave a gap: bytes [8, 12)");
    /* The first tensor must start at 0. */
    expect_header_format("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
                         "bytes [0, 4) of the data belong to no tensor");
    expect_header_format("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8,
                         "tensor 'a': data_offsets [8, 4] end before they begin");
}
END_TEST

START_TEST(test_wrong_byte_size)
{
    size_t len;
    unsigned char *img = image_zeros(
        "{\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[0,12]}}", 12, &len);
    lstmsent__st_file *f = NULL;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_ERR_FORMAT);
    ck_assert_str_eq(lstmsent_last_error(), "tensor 'fc.bias': data_offsets [0, 12] hold 12 "
                                            "bytes but dtype F32 and shape [5] need 20");
    free(img);
    expect_header_format("{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
                         24, "hold 24 bytes but dtype F16 and shape [2, 3] need 12");
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}", 0,
                         "hold 0 bytes but dtype F32 and shape [] need 4");
}
END_TEST

START_TEST(test_shape_overflow)
{
    /* 2^32 * 2^32 wraps a 64-bit count to 0, which would match [0, 0] if unchecked. */
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                         "\"data_offsets\":[0,0]}}",
                         0, "shape [4294967296, 4294967296, 16] has more elements than can be "
                            "counted (overflow)");
    /* The count fits but the byte size does not: 2^62 F32 elements. */
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],"
                         "\"data_offsets\":[0,0]}}",
                         0, "dtype F32 and shape [4611686018427387904] need more bytes than "
                            "can be counted (overflow)");
    /* A dimension past INT64_MAX, and one past UINT64_MAX. */
    expect_header_format("{\"w\":{\"dtype\":\"U8\",\"shape\":[9223372036854775808],"
                         "\"data_offsets\":[0,0]}}",
                         0, "tensor 'w': shape[0] is not an integer 0..9223372036854775807");
    expect_header_format("{\"w\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999999],"
                         "\"data_offsets\":[0,0]}}", 0, "shape[0] is not an integer");
    /* A zero anywhere makes the size 0, however large the rest. */
    size_t len;
    unsigned char *img = image(
        "{\"w\":{\"dtype\":\"F64\",\"shape\":[9223372036854775807,0,9223372036854775807],"
        "\"data_offsets\":[0,0]}}", NULL, 0, &len);
    lstmsent__st_free(parse_ok(img, len));
    free(img);
}
END_TEST

START_TEST(test_unknown_dtype)
{
    expect_header_format("{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                         "tensor 'w': unknown dtype 'F33'");
    expect_header_format("{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                         "unknown dtype 'f32'");
    expect_header_format("{\"w\":{\"dtype\":\"float32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                         4, "unknown dtype 'float32'");
    expect_header_format("{\"w\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1,
                         "unknown dtype 'F4'");
    expect_header_format("{\"w\":{\"dtype\":\"\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                         "unknown dtype ''");
    expect_header_format("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                         "tensor 'w': dtype is not a string");
}
END_TEST

START_TEST(test_data_longer_than_declared)
{
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 5,
                         "the file holds 5 bytes of data but the tensors end at byte 4: 1 "
                         "trailing bytes");
    expect_header_format("{}", 1, "1 trailing bytes");
    expect_header_format("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 3,
                         "file truncated: the tensors need 4 bytes of data but the file holds 3");
}
END_TEST

START_TEST(test_entry_schema)
{
    static const struct {
        const char *header;
        const char *want;
    } cases[] = {
        {"{\"w\":[]}", "tensor 'w': its entry is not an object"},
        {"{\"w\":\"F32\"}", "tensor 'w': its entry is not an object"},
        {"{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'w': no 'dtype' field"},
        {"{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "tensor 'w': no 'shape' field"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "tensor 'w': no 'data_offsets' field"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
         "tensor 'w': unknown field 'x'"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}",
         "tensor 'w': shape is not an array"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
         "tensor 'w': shape[0] is not an integer"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}",
         "shape[0] is not an integer"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}",
         "shape[0] is not an integer"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1,\"2\"],\"data_offsets\":[0,4]}}",
         "shape[1] is not an integer"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}}",
         "shape[0] is not an integer"},
        {"{\"w\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
         "tensor 'w': shape has 9 dimensions, more than the 8 supported"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
         "tensor 'w': data_offsets is not an array [begin, end]"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
         "data_offsets is not an array [begin, end]"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"0\":4}}}",
         "data_offsets is not an array [begin, end]"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
         "tensor 'w': data_offsets[0] is not an integer"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551616]}}",
         "data_offsets[1] is not an integer"},
        {"{\"__metadata__\":[]}", "'__metadata__' is not an object"},
        {"{\"__metadata__\":null}", "'__metadata__' is not an object"},
        {"{\"__metadata__\":{\"k\":1}}", "'__metadata__' value of 'k' is not a string"},
        {"{\"__metadata__\":{\"k\":[\"v\"]}}", "'__metadata__' value of 'k' is not a string"},
        {"{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", "holds a NUL character"},
        {"{\"w\\u0000x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
         "tensor name 'w' holds a NUL character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_header_format(cases[i].header, 4, cases[i].want);
}
END_TEST

/* ---- what the model loader builds on --------------------------------------------------- */

/* Names, keys and dtypes from the file appear in messages with control bytes escaped
 * (a tensor named with an escape sequence must not drive the terminal that prints it). */
START_TEST(test_messages_escape_names)
{
    expect_header_format("{\"a\\u001b[2J\":{\"dtype\":\"F32\",\"shape\":[1],"
                         "\"data_offsets\":[4,8]}}", 8,
                         "tensor 'a\\x1b[2J': data_offsets [4, 8] leave a gap");
    expect_header_format("{\"w\":{\"dtype\":\"F\\r32\",\"shape\":[],\"data_offsets\":[0,4]}}",
                         4, "tensor 'w': unknown dtype 'F\\r32'");
    expect_header_format("{\"w\\t1\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],"
                         "\"x\\u007f\":1}}", 4, "tensor 'w\\t1': unknown field 'x\\x7f'");
    expect_header_format("{\"__metadata__\":{\"k\\n\":1},\"w\":{\"dtype\":\"F32\",\"shape\":[],"
                         "\"data_offsets\":[0,4]}}", 4,
                         "'__metadata__' value of 'k\\n' is not a string");
    expect_header_format("{\"a\\u0001\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                         "\"a\\u0001\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}", 8,
                         "tensor name 'a\\x01' appears twice");
}
END_TEST

START_TEST(test_load_f32_checks)
{
    size_t len;
    float data[3] = {1.0f, NAN, 3.0f};
    unsigned char *img = image(
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
        "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
        data, sizeof data, &len);
    lstmsent__st_file *f = parse_ok(img, len);
    float dst[2] = {-7.0f, -7.0f};
    int64_t two[1] = {2}, three[1] = {3}, one_two[2] = {1, 2};

    ck_assert_int_eq(lstmsent__st_load_f32(f, "missing", 1, two, dst, 1), LSTMSENT_ERR_FORMAT);
    ck_assert_str_eq(lstmsent_last_error(), "no tensor 'missing'");
    ck_assert_int_eq(lstmsent__st_load_f32(f, "h", 1, two, dst, 1), LSTMSENT_ERR_FORMAT);
    ck_assert_str_eq(lstmsent_last_error(), "tensor 'h' has dtype F16, not F32");
    ck_assert_int_eq(lstmsent__st_load_f32(f, "w", 1, three, dst, 1), LSTMSENT_ERR_FORMAT);
    ck_assert_str_eq(lstmsent_last_error(), "tensor 'w' has shape [2], not [3]");
    ck_assert_int_eq(lstmsent__st_load_f32(f, "w", 2, one_two, dst, 1), LSTMSENT_ERR_FORMAT);
    ck_assert_str_eq(lstmsent_last_error(), "tensor 'w' has shape [2], not [1, 2]");
    ck_assert_int_eq(lstmsent__st_load_f32(f, "w", 1, two, dst, 1), LSTMSENT_ERR_NONFINITE);
    ck_assert_str_eq(lstmsent_last_error(), "tensor 'w': element 0 is nan");
    ck_assert(dst[0] == -7.0f && dst[1] == -7.0f); /* untouched by every failure */
    ck_assert_int_eq(lstmsent__st_load_f32(f, "w", 1, two, dst, 0), LSTMSENT_OK);
    ck_assert(isnan(dst[0]) && dst[1] == 3.0f);
    ck_assert_int_eq(lstmsent__st_load_f32(f, "w", 9, two, dst, 0), LSTMSENT_ERR_INVALID);
    ck_assert_int_eq(lstmsent__st_load_f32(f, "w", 1, NULL, dst, 0), LSTMSENT_ERR_NULL);

    /* Only "w" and "h" are expected: fine; only "w": "h" is unknown. */
    const char *both[] = {"w", "h"};
    ck_assert_int_eq(lstmsent__st_check_no_unknown(f, both, 2), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent__st_check_no_unknown(f, both, 1), LSTMSENT_ERR_FORMAT);
    ck_assert_str_eq(lstmsent_last_error(), "unknown tensor 'h'");
    lstmsent__st_free(f);
    free(img);
}
END_TEST

START_TEST(test_check_finite)
{
    float x[4] = {0.0f, -1.0f, 3.0e38f, 1e-45f};
    ck_assert_int_eq(lstmsent__st_check_finite_f32("x", x, 4), LSTMSENT_OK);
    ck_assert_int_eq(lstmsent__st_check_finite_f32("x", NULL, 0), LSTMSENT_OK);
    x[2] = INFINITY;
    ck_assert_int_eq(lstmsent__st_check_finite_f32("lstm.weight_ih_l0", x, 4),
                     LSTMSENT_ERR_NONFINITE);
    ck_assert_str_eq(lstmsent_last_error(), "tensor 'lstm.weight_ih_l0': element 2 is inf");
    x[2] = -INFINITY;
    lstmsent__st_check_finite_f32("x", x, 4);
    ck_assert_str_eq(lstmsent_last_error(), "tensor 'x': element 2 is -inf");
}
END_TEST

START_TEST(test_read_file_errors)
{
    char *dir = temp_dir();
    char *missing = join(dir, "missing.safetensors");
    lstmsent__st_file *f = (lstmsent__st_file *)&f;
    ck_assert_int_eq(lstmsent__st_read_file(&f, missing), LSTMSENT_ERR_IO);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "missing.safetensors: cannot open: "));
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), strerror(ENOENT)));

    ck_assert_int_eq(lstmsent__st_read_file(&f, dir), LSTMSENT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "not a regular file"));
    /* A FIFO with no writer is refused at once, not waited on. */
    char *fifo = join(dir, "fifo");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(lstmsent__st_read_file(&f, fifo), LSTMSENT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "not a regular file"));
    free(fifo);

    /* A malformed file: the format message, prefixed with the path. */
    char *bad = join(dir, "bad.safetensors");
    write_bytes(bad, "\x02\0\0\0\0\0\0\0{}x", 11);
    ck_assert_int_eq(lstmsent__st_read_file(&f, bad), LSTMSENT_ERR_FORMAT);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "bad.safetensors: the file holds 1"));
    write_bytes(bad, "", 0);
    ck_assert_int_eq(lstmsent__st_read_file(&f, bad), LSTMSENT_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "file truncated: 0 bytes"));

    ck_assert_int_eq(lstmsent__st_read_file(&f, NULL), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent__st_read_file(NULL, bad), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent__st_parse(NULL, "", 0), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent__st_parse(&f, NULL, 8), LSTMSENT_ERR_NULL);
    free(missing);
    free(bad);
    remove_dir(dir);
    free(dir);
}
END_TEST

/* ---- atomic saves ---------------------------------------------------------------------- */

START_TEST(test_injected_write_failure_keeps_old_file)
{
    char *dir = temp_dir();
    char *path = join(dir, "model.safetensors");
    const lstmsent__st_out_tensor old[] = {{"w", 1, bias_shape, bias}};
    ck_assert_int_eq(lstmsent__st_save_f32(path, old, 1, NULL, 0), LSTMSENT_OK);
    size_t old_len, new_len;
    unsigned char *old_bytes = read_all(path, &old_len);
    unsigned char *new_image = serialize_v1(&new_len);

    /* Fail after 0 bytes, inside the length, inside the header, at its end, inside the
     * data, and one byte short of the whole file. */
    size_t header_end = new_len - 44;
    const int64_t cuts[] = {0, 1, 7, 8, 20, (int64_t)header_end - 1, (int64_t)header_end,
                            (int64_t)header_end + 10, (int64_t)new_len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        lstmsent__st_fail_after_bytes(cuts[i]);
        lstmsent_status st = lstmsent__st_save_f32(path, tensors_v1, N_TENSORS_V1, meta_v1,
                                                   N_META_V1);
        lstmsent__st_fail_after_bytes(-1);
        ck_assert_int_eq(st, LSTMSENT_ERR_IO);
        ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "cannot write"));
        ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), strerror(ENOSPC)));
        size_t len;
        unsigned char *now = read_all(path, &len);
        ck_assert_uint_eq(len, old_len);
        ck_assert_msg(memcmp(now, old_bytes, len) == 0, "file changed by a save failing after "
                      "%lld bytes", (long long)cuts[i]);
        free(now);
        lstmsent__st_file *f = NULL;
        ck_assert_int_eq(lstmsent__st_read_file(&f, path), LSTMSENT_OK); /* still loadable */
        lstmsent__st_free(f);
        int temps;
        ck_assert_int_eq(count_entries(dir, &temps), 1);
        ck_assert_int_eq(temps, 0);
    }

    /* With exactly enough bytes allowed, the save goes through. */
    lstmsent__st_fail_after_bytes((int64_t)new_len);
    ck_assert_int_eq(lstmsent__st_save_f32(path, tensors_v1, N_TENSORS_V1, meta_v1, N_META_V1),
                     LSTMSENT_OK);
    lstmsent__st_fail_after_bytes(-1);
    size_t len;
    unsigned char *now = read_all(path, &len);
    ck_assert_uint_eq(len, new_len);
    ck_assert(memcmp(now, new_image, len) == 0);
    free(now);
    free(old_bytes);
    free(new_image);
    free(path);
    remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(test_save_into_bad_directory)
{
    const lstmsent__st_out_tensor one[] = {{"w", 1, bias_shape, bias}};
    char *dir = temp_dir();

    char *missing = join(dir, "no/such/dir/model.safetensors");
    ck_assert_int_eq(lstmsent__st_save_f32(missing, one, 1, NULL, 0), LSTMSENT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "cannot create a temporary file"));
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), strerror(ENOENT)));

    /* A "directory" that is a regular file. */
    char *file = join(dir, "plain");
    write_bytes(file, "x", 1);
    char *under_file = join(file, "model.safetensors");
    ck_assert_int_eq(lstmsent__st_save_f32(under_file, one, 1, NULL, 0), LSTMSENT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), strerror(ENOTDIR)));

    /* A target that is a directory: everything is written, the rename fails, and the
     * temporary file is removed. */
    char *sub = join(dir, "sub");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(lstmsent__st_save_f32(sub, one, 1, NULL, 0), LSTMSENT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "cannot rename"));
    int temps;
    ck_assert_int_eq(count_entries(dir, &temps), 2);
    ck_assert_int_eq(temps, 0);

    /* A read-only directory. Root writes there anyway, so it is checked only for others;
     * /proc refuses new files even to root. */
    char *ro = join(dir, "ro");
    ck_assert_int_eq(mkdir(ro, 0555), 0);
    if (access(ro, W_OK) != 0) {
        char *target = join(ro, "model.safetensors");
        ck_assert_int_eq(lstmsent__st_save_f32(target, one, 1, NULL, 0), LSTMSENT_ERR_IO);
        ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), strerror(EACCES)));
        free(target);
    }
    struct stat sb;
    if (stat("/proc/self", &sb) == 0) {
        ck_assert_int_eq(lstmsent__st_save_f32("/proc/lstmsent-test.safetensors", one, 1, NULL,
                                               0), LSTMSENT_ERR_IO);
        ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "cannot create a temporary file"));
    }
    rmdir(ro);
    rmdir(sub);
    free(ro);
    free(sub);
    free(missing);
    free(under_file);
    free(file);
    remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(test_writer_rejects_bad_arguments)
{
    char *dir = temp_dir();
    char *path = join(dir, "model.safetensors");
    const lstmsent__st_out_tensor one[] = {{"w", 1, bias_shape, bias}};
    ck_assert_int_eq(lstmsent__st_save_f32(path, one, 1, NULL, 0), LSTMSENT_OK);
    size_t old_len;
    unsigned char *old_bytes = read_all(path, &old_len);

    static const int64_t neg[1] = {-1};
    static const int64_t big[2] = {INT64_MAX, INT64_MAX};
    static const struct {
        lstmsent__st_out_tensor t[2];
        size_t n;
        lstmsent_status st;
        const char *want;
    } cases[] = {
        {{{"w", 1, bias_shape, bias}, {"w", 1, bias_shape, bias}}, 2, LSTMSENT_ERR_INVALID,
         "tensor name 'w' appears twice"},
        {{{"__metadata__", 1, bias_shape, bias}}, 1, LSTMSENT_ERR_INVALID, "reserved"},
        {{{"w", 9, bias_shape, bias}}, 1, LSTMSENT_ERR_INVALID, "ndim 9 is not 0..8"},
        {{{"w", -1, bias_shape, bias}}, 1, LSTMSENT_ERR_INVALID, "ndim -1"},
        {{{"w", 1, neg, bias}}, 1, LSTMSENT_ERR_INVALID, "shape[0] is -1, negative"},
        {{{"w", 2, big, bias}}, 1, LSTMSENT_ERR_INVALID, "overflows"},
        {{{"w\xC0\xAF", 1, bias_shape, bias}}, 1, LSTMSENT_ERR_UTF8,
         "tensor name 0 is not valid UTF-8"},
        {{{NULL, 1, bias_shape, bias}}, 1, LSTMSENT_ERR_NULL, "tensor name 0 is NULL"},
        {{{"w", 1, NULL, bias}}, 1, LSTMSENT_ERR_NULL, "shape is NULL"},
        {{{"w", 1, bias_shape, NULL}}, 1, LSTMSENT_ERR_NULL, "data is NULL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lstmsent_status st = lstmsent__st_save_f32(path, cases[i].t, cases[i].n, NULL, 0);
        ck_assert_msg(st == cases[i].st, "case %zu: %d (%s)", i, st, lstmsent_last_error());
        ck_assert_msg(strstr(lstmsent_last_error(), cases[i].want) != NULL, "case %zu: '%s'", i,
                      lstmsent_last_error());
    }
    const lstmsent__st_pair dup_meta[] = {{"k", "1"}, {"k", "2"}};
    ck_assert_int_eq(lstmsent__st_save_f32(path, one, 1, dup_meta, 2), LSTMSENT_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(lstmsent_last_error(), "metadata key 'k' appears twice"));
    const lstmsent__st_pair bad_meta[] = {{"k", "\xFF"}};
    ck_assert_int_eq(lstmsent__st_save_f32(path, one, 1, bad_meta, 1), LSTMSENT_ERR_UTF8);
    const lstmsent__st_pair null_meta[] = {{"k", NULL}};
    ck_assert_int_eq(lstmsent__st_save_f32(path, one, 1, null_meta, 1), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent__st_save_f32(path, NULL, 1, NULL, 0), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent__st_save_f32(path, one, 1, NULL, 1), LSTMSENT_ERR_NULL);
    ck_assert_int_eq(lstmsent__st_save_f32(NULL, one, 1, NULL, 0), LSTMSENT_ERR_NULL);
    unsigned char *img;
    size_t len;
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, NULL, one, 1, NULL, 0), LSTMSENT_ERR_NULL);

    /* None of these touched the file. */
    unsigned char *now = read_all(path, &len);
    ck_assert_uint_eq(len, old_len);
    ck_assert(memcmp(now, old_bytes, len) == 0);
    int temps;
    ck_assert_int_eq(count_entries(dir, &temps), 1);
    free(now);
    free(old_bytes);
    free(path);
    remove_dir(dir);
    free(dir);
}
END_TEST

/* The fuzzing seeds say what they are: valid-* files load, bad-* files fail as format
 * errors. */
START_TEST(test_seed_corpus_labels)
{
    char *dir = join(TEST_SRC_DIR, "fuzz/corpus_safetensors");
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
    int valid = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int is_valid = strncmp(e->d_name, "valid-", 6) == 0;
        if (!is_valid && strncmp(e->d_name, "bad-", 4) != 0)
            continue;
        char *path = join(dir, e->d_name);
        lstmsent__st_file *f = NULL;
        lstmsent_status st = lstmsent__st_read_file(&f, path);
        ck_assert_msg(st == (is_valid ? LSTMSENT_OK : LSTMSENT_ERR_FORMAT), "%s: %s", e->d_name,
                      lstmsent_last_error());
        lstmsent__st_free(f);
        free(path);
        valid += is_valid;
        bad += !is_valid;
    }
    closedir(d);
    free(dir);
    ck_assert_int_ge(valid, 3);
    ck_assert_int_ge(bad, 10);
}
END_TEST

START_TEST(test_empty_save)
{
    unsigned char *img;
    size_t len;
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, NULL, 0, NULL, 0), LSTMSENT_OK);
    ck_assert_uint_eq(len, 16);
    ck_assert(memcmp(img, "\x08\0\0\0\0\0\0\0{}      ", 16) == 0);
    lstmsent__st_free(parse_ok(img, len));
    free(img);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_round_trip_memory);
    tcase_add_test(tc, test_round_trip_file);
    tcase_add_test(tc, test_valid_edge_cases);
    tcase_add_test(tc, test_truncated_everywhere);
    tcase_add_test(tc, test_header_length);
    tcase_add_test(tc, test_wrong_magic);
    tcase_add_test(tc, test_bad_json);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_duplicates);
    tcase_add_test(tc, test_offsets_overlap_and_gap);
    tcase_add_test(tc, test_wrong_byte_size);
    tcase_add_test(tc, test_shape_overflow);
    tcase_add_test(tc, test_unknown_dtype);
    tcase_add_test(tc, test_data_longer_than_declared);
    tcase_add_test(tc, test_entry_schema);
    tcase_add_test(tc, test_messages_escape_names);
    tcase_add_test(tc, test_load_f32_checks);
    tcase_add_test(tc, test_check_finite);
    tcase_add_test(tc, test_read_file_errors);
    tcase_add_test(tc, test_injected_write_failure_keeps_old_file);
    tcase_add_test(tc, test_save_into_bad_directory);
    tcase_add_test(tc, test_writer_rejects_bad_arguments);
    tcase_add_test(tc, test_seed_corpus_labels);
    tcase_add_test(tc, test_empty_save);
    suite_add_tcase(s, tc);
    return s;
}
