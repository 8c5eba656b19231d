/*
 * Safetensors files, the format model parameters are saved in: an 8-byte little-endian
 * header length N, N bytes of JSON header, then the raw little-endian tensor data. The
 * reader trusts nothing in a file: it applies every rule of the reference reader (and a
 * few stricter ones, see docs/model-files.md) and fails with LSTMSENT_ERR_FORMAT and a
 * message naming the rule, the tensor and the numbers. The writer saves atomically: a
 * failed save leaves the previous file as it was.
 *
 * Internal to the library (lstmsent__st_*); the model and checkpoint code builds on it.
 */
#ifndef LSTMSENT_SAFETENSORS_H
#define LSTMSENT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define LSTMSENT__ST_MAX_DIMS 8
/* The reference reader's limit on the JSON header. */
#define LSTMSENT__ST_MAX_HEADER 100000000u

/* The dtypes of the format whose elements are whole bytes. Sub-byte types (F4, F6_*) are
 * not supported and read as unknown. */
typedef enum lstmsent__st_dtype {
    LSTMSENT__ST_BOOL = 0,
    LSTMSENT__ST_U8,
    LSTMSENT__ST_I8,
    LSTMSENT__ST_F8_E5M2,
    LSTMSENT__ST_F8_E4M3,
    LSTMSENT__ST_F8_E8M0,
    LSTMSENT__ST_I16,
    LSTMSENT__ST_U16,
    LSTMSENT__ST_F16,
    LSTMSENT__ST_BF16,
    LSTMSENT__ST_I32,
    LSTMSENT__ST_U32,
    LSTMSENT__ST_F32,
    LSTMSENT__ST_I64,
    LSTMSENT__ST_U64,
    LSTMSENT__ST_F64,
    LSTMSENT__ST_C64,
    LSTMSENT__ST_DTYPE_COUNT
} lstmsent__st_dtype;

/* "F32" and such; NULL for a value out of range. */
const char *lstmsent__st_dtype_name(lstmsent__st_dtype dtype);
/* Bytes per element; 0 for a value out of range. */
size_t lstmsent__st_dtype_size(lstmsent__st_dtype dtype);
/* 1 and *out set when name[0, len) is a dtype's name; else 0. */
int lstmsent__st_dtype_from_name(const char *name, size_t len, lstmsent__st_dtype *out);

typedef struct lstmsent__st_tensor {
    const char *name;            /* UTF-8, NUL-terminated, owned by the file */
    lstmsent__st_dtype dtype;
    int ndim;                    /* 0..LSTMSENT__ST_MAX_DIMS; 0 is a scalar */
    int64_t shape[LSTMSENT__ST_MAX_DIMS];
    uint64_t numel;              /* product of the shape (1 for a scalar) */
    size_t begin, end;           /* data_offsets: [begin, end) within the data section */
    const unsigned char *data;   /* the tensor's bytes, little-endian, maybe unaligned */
} lstmsent__st_tensor;

typedef struct lstmsent__st_meta {
    const char *key;             /* UTF-8, NUL-terminated, owned by the file */
    const char *value;
} lstmsent__st_meta;

/* A parsed, fully validated file. Tensors and metadata are in header order. */
typedef struct lstmsent__st_file {
    lstmsent__st_tensor *tensors;
    size_t n_tensors;
    lstmsent__st_meta *meta;
    size_t n_meta;
    size_t header_len;           /* N, the JSON header's bytes (with any padding) */
    const unsigned char *data;   /* the data section, data_len bytes */
    size_t data_len;
    unsigned char *owned;        /* the whole file when read by lstmsent__st_read_file */
    char *names;                 /* one block holding every name, key and value */
} lstmsent__st_file;

/* Parse and validate the file image buf[0, len). The result points into buf, which must
 * outlive it. On success *out is a new file (free with lstmsent__st_free); on failure
 * *out is NULL, nothing is left allocated, and the message says what is wrong:
 * LSTMSENT_ERR_FORMAT for any malformed file, LSTMSENT_ERR_NOMEM, LSTMSENT_ERR_NULL. */
lstmsent_status lstmsent__st_parse(lstmsent__st_file **out, const void *buf, size_t len);
/* The JSON of a header, text[0, len) (the N bytes after the length field), parsed by
 * jansson under the reader's rules (docs/model-files.md): valid UTF-8, an object first,
 * nested at most 64 deep, no key twice in an object, no NUL in a key. Every number that is
 * not a plain integer 0..INT64_MAX comes out as the integer -1 (jansson could not hold
 * some of them, and no rule accepts any of them). On success *out is the object (a new
 * reference: json_decref it); else *out is NULL and the status is LSTMSENT_ERR_FORMAT
 * (with a message naming the rule or jansson's complaint and where), LSTMSENT_ERR_NOMEM or
 * LSTMSENT_ERR_NULL. The tensors and the metadata are not checked here. */
struct json_t;
lstmsent_status lstmsent__st_parse_header(struct json_t **out, const char *text, size_t len);
/* A metadata value that holds a number, such as "0.5": 1 and *out set when s is one JSON
 * number (white space around it allowed) that is finite as a double (read as strtod
 * reads, whatever the locale; an integer of any length included); 0 when it is not; -1
 * when out of memory. Records no message: the caller knows which key it read. */
int lstmsent__st_number(const char *s, double *out);
/* Read the file at path whole (LSTMSENT_ERR_IO with the system's reason when it cannot)
 * and parse it as lstmsent__st_parse does; the file then owns its bytes. Messages start
 * with the path. */
lstmsent_status lstmsent__st_read_file(lstmsent__st_file **out, const char *path);
void lstmsent__st_free(lstmsent__st_file *file);

/* The tensor of that name, or NULL. */
const lstmsent__st_tensor *lstmsent__st_find(const lstmsent__st_file *file, const char *name);
/* The metadata value of that key, or NULL. */
const char *lstmsent__st_meta_get(const lstmsent__st_file *file, const char *key);

/* Copy an F32 tensor that must have exactly this shape into dst (ndim * shape elements,
 * host byte order). LSTMSENT_ERR_FORMAT when the tensor is missing ("no tensor 'x'"), is
 * not F32, or has another shape; with reject_nonfinite, LSTMSENT_ERR_NONFINITE when a
 * value is NaN or infinite. dst is written only on success. */
lstmsent_status lstmsent__st_load_f32(const lstmsent__st_file *file, const char *name, int ndim,
                                      const int64_t *shape, float *dst, int reject_nonfinite);
/* LSTMSENT_ERR_FORMAT naming the first tensor of the file that is not among names[0, n)
 * ("unknown tensor 'x'"); LSTMSENT_OK when every tensor is expected. */
lstmsent_status lstmsent__st_check_no_unknown(const lstmsent__st_file *file,
                                              const char *const *names, size_t n);
/* LSTMSENT_ERR_NONFINITE ("tensor 'what': element 3 is nan") at the first NaN or
 * infinity of x[0, n); LSTMSENT_OK when all are finite. */
lstmsent_status lstmsent__st_check_finite_f32(const char *what, const float *x, size_t n);

/* ---- checksums -----------------------------------------------------------------------
 * XXH3-64 of a file's contents in a canonical form (docs/model-files.md#checksums), the same
 * whatever the header's order, spacing and escapes and wherever each tensor's bytes lie,
 * but changed by any change to a name, dtype, shape, metadata entry or data byte:
 *   header: the number of tensors, then per tensor in order of name (bytewise) its name,
 *           NUL, its dtype's name, NUL, ndim and each size; then the number of metadata
 *           entries and per entry in order of key its key, NUL, value, NUL; the two
 *           checksum keys themselves left out; numbers as 8-byte little-endian integers;
 *   data:   every tensor's bytes as stored (little-endian), in order of name.
 * The writer fills the keys in; the model loader checks them (model_file.c). */
#define LSTMSENT__ST_SUM_HEADER "checksum.header"
#define LSTMSENT__ST_SUM_DATA "checksum.data"

/* Both checksums of a parsed file. LSTMSENT_ERR_NOMEM is the only failure. */
lstmsent_status lstmsent__st_checksums(const lstmsent__st_file *file, uint64_t *header,
                                       uint64_t *data);

/* ---- writing ------------------------------------------------------------------------- */

typedef struct lstmsent__st_out_tensor {
    const char *name;            /* UTF-8, not "__metadata__", distinct within a file */
    int ndim;                    /* 0..LSTMSENT__ST_MAX_DIMS */
    const int64_t *shape;        /* ndim sizes >= 0; may be NULL when ndim == 0 */
    const float *data;           /* product-of-shape floats, host byte order */
} lstmsent__st_out_tensor;

typedef struct lstmsent__st_pair {
    const char *key;             /* UTF-8 */
    const char *value;           /* UTF-8 */
} lstmsent__st_pair;

/* The complete file image of these F32 tensors (data in the order given, header keys in
 * the order given, "__metadata__" first when n_meta > 0, the header padded with spaces to
 * a multiple of 8 bytes as the reference writer does). Metadata is written as given, with
 * one exception: the value of a key LSTMSENT__ST_SUM_HEADER or LSTMSENT__ST_SUM_DATA is
 * replaced by that checksum of what is written (16 lowercase hex digits), so a caller asks
 * for checksums by listing the keys, and a file rewritten with its old metadata still
 * carries checksums that match. *out is malloc'd, *out_len its size. LSTMSENT_ERR_INVALID for a bad name, shape or a duplicate; LSTMSENT_ERR_UTF8 for
 * text that is not UTF-8; LSTMSENT_ERR_NULL; LSTMSENT_ERR_NOMEM. */
lstmsent_status lstmsent__st_serialize_f32(unsigned char **out, size_t *out_len,
                                           const lstmsent__st_out_tensor *tensors, size_t n,
                                           const lstmsent__st_pair *meta, size_t n_meta);

/* Save the same image to path atomically: written to a new temporary file in the same
 * directory ("<path>.tmp.XXXXXX"), flushed and fsync'd, renamed over path, and the
 * directory fsync'd. On failure the temporary file is removed, path is left as it was,
 * and the result is LSTMSENT_ERR_IO with the system's reason (or an error of
 * lstmsent__st_serialize_f32). */
lstmsent_status lstmsent__st_save_f32(const char *path, const lstmsent__st_out_tensor *tensors,
                                      size_t n, const lstmsent__st_pair *meta, size_t n_meta);

#endif /* LSTMSENT_SAFETENSORS_H */
