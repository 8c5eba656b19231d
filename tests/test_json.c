/* The JSON of safetensors headers, which jansson reads and writes: the grammar (escapes,
 * UTF-8, numbers, structure, trailing text), the limits the library adds to jansson's
 * (nesting, numbers that are not plain integers, keys twice or holding a NUL) and the
 * messages they give, jansson's positions, the writer's bytes, and the numbers in metadata
 * values (lstmsent__st_number). Headers go through lstmsent__st_parse_header, or through
 * lstmsent__st_parse as whole files, from exact-size heap copies so that a read past the
 * end shows up under valgrind or ASan. */
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"
#include "tap_main.h"

/* ---- helpers --------------------------------------------------------------------------- */

static lstmsent_status parse_header_n(json_t **root, const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, len);
    lstmsent_status st = lstmsent__st_parse_header(root, copy, len);
    free(copy); /* the tree holds no pointer into the text */
    return st;
}

/* The header parses; the caller json_decrefs the object. */
static json_t *header_ok(const char *text)
{
    json_t *root = (json_t *)&root;
    lstmsent_status st = parse_header_n(&root, text, strlen(text));
    ck_assert_msg(st == LSTMSENT_OK, "'%s' should parse: %s", text, lstmsent_last_error());
    ck_assert(json_is_object(root));
    return root;
}

static void header_fails_n(const char *text, size_t len, const char *want)
{
    json_t *root = (json_t *)&root;
    lstmsent_status st = parse_header_n(&root, text, len);
    ck_assert_msg(st == LSTMSENT_ERR_FORMAT, "'%s' should fail with '%s' (got %d: %s)", text,
                  want, st, lstmsent_last_error());
    ck_assert_ptr_null(root);
    ck_assert_msg(strstr(lstmsent_last_error(), want) != NULL, "'%s': message '%s' lacks '%s'",
                  text, lstmsent_last_error(), want);
}

static void header_fails(const char *text, const char *want)
{
    header_fails_n(text, strlen(text), want);
}

/* A whole file: the 8-byte length, the header, data_len zero bytes. */
static lstmsent_status parse_file(lstmsent__st_file **f, const char *header, size_t data_len)
{
    size_t hlen = strlen(header), len = 8 + hlen + data_len;
    unsigned char *img = calloc(1, len);
    ck_assert_ptr_nonnull(img);
    for (int k = 0; k < 8; k++)
        img[k] = (unsigned char)((uint64_t)hlen >> (8 * k));
    memcpy(img + 8, header, hlen);
    lstmsent_status st = lstmsent__st_parse(f, img, len);
    free(img); /* a parsed file points into the image: only its text is kept below */
    return st;
}

static void file_fails(const char *header, size_t data_len, const char *want)
{
    lstmsent__st_file *f = (lstmsent__st_file *)&f;
    lstmsent_status st = parse_file(&f, header, data_len);
    ck_assert_msg(st == LSTMSENT_ERR_FORMAT, "'%s' should fail with '%s' (got %d: %s)", header,
                  want, st, lstmsent_last_error());
    ck_assert_ptr_null(f);
    ck_assert_msg(strstr(lstmsent_last_error(), want) != NULL, "'%s': message '%s' lacks '%s'",
                  header, lstmsent_last_error(), want);
}

/* The metadata value of a header {"__metadata__":{"k":"<escaped>"}} decodes to want. */
static void assert_meta_value(const char *escaped, const char *want, size_t want_len)
{
    char header[512];
    snprintf(header, sizeof header, "{\"__metadata__\":{\"k\":\"%s\"}}", escaped);
    json_t *root = header_ok(header);
    json_t *v = json_object_get(json_object_get(root, "__metadata__"), "k");
    ck_assert(json_is_string(v));
    ck_assert_uint_eq(json_string_length(v), want_len);
    ck_assert(memcmp(json_string_value(v), want, want_len) == 0);
    json_decref(root);
    /* And through the whole file, when no NUL makes it refused there. */
    if (strlen(want) == want_len) {
        lstmsent__st_file *f = NULL;
        ck_assert_msg(parse_file(&f, header, 0) == LSTMSENT_OK, "%s: %s", header,
                      lstmsent_last_error());
        ck_assert_str_eq(lstmsent__st_meta_get(f, "k"), want);
        lstmsent__st_free(f);
    }
}

/* One dimension of a tensor's shape written as `number`: the file fails with want. */
static void shape_fails(const char *number, const char *want)
{
    char header[256];
    snprintf(header, sizeof header,
             "{\"w\":{\"dtype\":\"U8\",\"shape\":[%s],\"data_offsets\":[0,0]}}", number);
    file_fails(header, 0, want);
}

/* ---- grammar --------------------------------------------------------------------------- */

START_TEST(test_accepts_json)
{
    json_t *root = header_ok("{\"a\":[1,2,{\"b\":null}],\"c\":\"d\",\"e\":{},\"f\":true,"
                             "\"g\":false,\"h\":0}");
    ck_assert_uint_eq(json_object_size(root), 6);
    json_t *a = json_object_get(root, "a");
    ck_assert(json_is_array(a));
    ck_assert_uint_eq(json_array_size(a), 3);
    ck_assert(json_is_null(json_object_get(json_array_get(a, 2), "b")));
    ck_assert_str_eq(json_string_value(json_object_get(root, "c")), "d");
    ck_assert(json_is_true(json_object_get(root, "f")));
    ck_assert(json_is_false(json_object_get(root, "g")));
    ck_assert_int_eq(json_integer_value(json_object_get(root, "h")), 0);
    json_decref(root);

    /* White space anywhere JSON allows it, and as padding after the object. */
    static const char *const spaced[] = {"{}", "{ }", "{\t\r\n}", "{} \n\t\r", "{}      ",
                                         "{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\n"};
    for (size_t i = 0; i < sizeof spaced / sizeof spaced[0]; i++)
        json_decref(header_ok(spaced[i]));
}
END_TEST

/* The loader keeps the header's order (tensors and metadata "in header order"). */
START_TEST(test_member_order)
{
    json_t *root = header_ok("{\"z\":1,\"a\":2,\"__metadata__\":{\"y\":\"1\",\"b\":\"2\"},"
                             "\"m\":3}");
    static const char *const order[] = {"z", "a", "__metadata__", "m"};
    size_t i = 0;
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        ck_assert_uint_lt(i, 4);
        ck_assert_str_eq(key, order[i++]);
    }
    ck_assert_uint_eq(i, 4);
    json_decref(root);

    lstmsent__st_file *f = NULL;
    ck_assert_int_eq(parse_file(&f, "{\"z\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]},"
                                    "\"__metadata__\":{\"y\":\"1\",\"b\":\"2\"},"
                                    "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                                2),
                     LSTMSENT_OK);
    ck_assert_str_eq(f->tensors[0].name, "z");
    ck_assert_str_eq(f->tensors[1].name, "a");
    ck_assert_str_eq(f->meta[0].key, "y");
    ck_assert_str_eq(f->meta[1].key, "b");
    lstmsent__st_free(f);
}
END_TEST

START_TEST(test_escapes)
{
    assert_meta_value("\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t", 8);
    assert_meta_value("\\u0041\\u00e9\\u20AC", "A\xC3\xA9\xE2\x82\xAC", 6);
    /* U+1F600 as a surrogate pair, upper and lower case hex */
    assert_meta_value("\\uD83D\\uDE00", "\xF0\x9F\x98\x80", 4);
    assert_meta_value("\\ud83d\\ude00x", "\xF0\x9F\x98\x80x", 5);
    /* the highest code point, U+10FFFF */
    assert_meta_value("\\uDBFF\\uDFFF", "\xF4\x8F\xBF\xBF", 4);
    /* \u0000 decodes to a NUL inside the string (the file's rule then refuses it) */
    assert_meta_value("a\\u0000b", "a\0b", 3);
    assert_meta_value("", "", 0);
    /* raw UTF-8 passes through */
    assert_meta_value("\xC3\xA9\xF0\x9F\x98\x80", "\xC3\xA9\xF0\x9F\x98\x80", 6);
    /* keys are decoded the same way */
    json_t *root = header_ok("{\"a\\u00e9\\n\":1}");
    ck_assert_ptr_nonnull(json_object_get(root, "a\xC3\xA9\n"));
    json_decref(root);
}
END_TEST

START_TEST(test_invalid_escapes)
{
    static const char *const bad[] = {
        "\\x", "\\a", "\\'", "\\u12", "\\u12G4", "\\u", "\\u00",
        "\\uD83D",            /* lone high surrogate */
        "\\uD83Dx",
        "\\uD83D\\u0041",     /* high, then not a low one */
        "\\uD83D\\uD83D",     /* high, then high */
        "\\uD83D\\n",
        "\\uD83D\\uDE0",      /* the low one cut short */
        "\\uDE00",            /* lone low surrogate */
        "\\uDE00\\uD83D",     /* reversed pair */
        "a\nb",               /* raw control characters */
        "a\tb",
        "\x1f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char header[128];
        snprintf(header, sizeof header, "{\"__metadata__\":{\"k\":\"%s\"}}", bad[i]);
        header_fails(header, "header is not valid JSON");
    }
    /* unterminated strings, as a value and as a key */
    header_fails("{\"k\":\"abc", "header is not valid JSON");
    header_fails("{\"k\":\"abc\\", "header is not valid JSON");
    header_fails("{\"k", "header is not valid JSON");
    header_fails("{\"", "header is not valid JSON");
}
END_TEST

START_TEST(test_utf8)
{
    static const char *const bad[] = {
        "\xC3\x28",         /* bad continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong, 3 bytes */
        "\xF0\x80\x80\xAF", /* overlong, 4 bytes */
        "\xED\xA0\x80",     /* an encoded surrogate */
        "\xF4\x90\x80\x80", /* past U+10FFFF */
        "\xF5\x80\x80\x80",
        "\xFF",
        "\x80",             /* a lone continuation byte */
        "\xE2\x82",         /* cut short before the quote */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char header[64];
        snprintf(header, sizeof header, "{\"k\":\"%s\"}", bad[i]);
        header_fails(header, "header is not valid UTF-8 (at header byte 6)");
    }
    /* cut short at the very end of the header */
    header_fails_n("{\"k\":\"\xE2\x82", 8, "header is not valid UTF-8 (at header byte 6)");
    /* valid UTF-8 that is not JSON: checked, still refused */
    header_fails("{\"k\":\xE2\x82\xAC}", "header is not valid JSON");

    size_t at = 0;
    ck_assert_int_eq(lstmsent__utf8_valid("ab\xC3\xA9\xED\xA0\x80", 7, &at), 0);
    ck_assert_uint_eq(at, 4);
    ck_assert_int_eq(lstmsent__utf8_valid("\xEF\xBF\xBF\xF4\x8F\xBF\xBF", 7, NULL), 1);
    ck_assert_int_eq(lstmsent__utf8_valid("\xF0\x9F\x98", 3, &at), 0);
    ck_assert_uint_eq(at, 0);
    ck_assert_int_eq(lstmsent__utf8_valid("abcdefgh\xF0\x9F\x98\x80", 12, NULL), 1);
}
END_TEST

/* ---- limits ---------------------------------------------------------------------------- */

START_TEST(test_depth_limit)
{
    /* The header's object and 63 arrays in it: 64 levels, the most allowed. */
    enum { DEEP = 100000 };
    const char *head = "{\"__metadata__\":";
    size_t hn = strlen(head);
    char *text = malloc(hn + 2 * DEEP + 2);
    ck_assert_ptr_nonnull(text);
    memcpy(text, head, hn);
    memset(text + hn, '[', 63);
    memset(text + hn + 63, ']', 63);
    memcpy(text + hn + 126, "}", 2);
    json_decref(header_ok(text));
    file_fails(text, 0, "'__metadata__' is not an object"); /* past the JSON: the rules */

    /* One more: refused at the 65th opening bracket, byte 16 + 63. */
    memset(text + hn, '[', 64);
    memset(text + hn + 64, ']', 64);
    memcpy(text + hn + 128, "}", 2);
    header_fails(text, "header is not valid JSON: arrays and objects nest deeper than 64 "
                       "(at header byte 79)");
    /* Unclosed, and far past jansson's own limit of 2048, closed or not: the same. */
    memset(text + hn, '[', DEEP);
    header_fails_n(text, hn + DEEP, "nest deeper than 64 (at header byte 79)");
    memset(text + hn + DEEP, ']', DEEP);
    memcpy(text + hn + 2 * DEEP, "}", 2);
    header_fails(text, "nest deeper than 64 (at header byte 79)");
    free(text);

    /* Brackets inside strings are text, not nesting. */
    char deep_string[200] = "{\"k\":\"";
    memset(deep_string + 6, '[', 150);
    memcpy(deep_string + 156, "\"}", 3);
    json_decref(header_ok(deep_string));
    /* ... including after an escaped quote. */
    json_decref(header_ok("{\"k\\\"[[[[\":\"\\\\\",\"\\\"{{{{\":1}"));
}
END_TEST

/* A shape or an offset must be a plain integer 0..2^63-1: every other JSON number gets the
 * rule's message, not jansson's (which reads -0 as 0 and cannot hold 2^63 or 1e400). */
START_TEST(test_numbers)
{
    static const char *const not_plain[] = {
        "-0", "-1", "1.0", "1e0", "0e0", "0.0", "-0.0E-0", "1.5", "-1.5e-3", "1E+2", "1e-400",
        "1e400", "-1e400", "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "123456789012345678901234567890", "-9223372036854775808", "-9223372036854775809",
    };
    for (size_t i = 0; i < sizeof not_plain / sizeof not_plain[0]; i++)
        shape_fails(not_plain[i], "tensor 'w': shape[0] is not an integer 0..9223372036854775807");

    /* The largest, and 0, are fine (a zero dimension makes the size 0). */
    lstmsent__st_file *f = NULL;
    ck_assert_int_eq(parse_file(&f, "{\"w\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807,0],"
                                    "\"data_offsets\":[0,0]}}", 0),
                     LSTMSENT_OK);
    ck_assert_int_eq(f->tensors[0].shape[0], INT64_MAX);
    lstmsent__st_free(f);

    /* data_offsets the same, up to 2^63-1 (read as json_int_t; no file is that large). */
    file_fails("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[-0,0]}}", 0,
               "tensor 'w': data_offsets[0] is not an integer 0..9223372036854775807");
    file_fails("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,1e0]}}", 0,
               "data_offsets[1] is not an integer");
    file_fails("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],"
               "\"data_offsets\":[0,9223372036854775808]}}", 0,
               "data_offsets[1] is not an integer 0..9223372036854775807");
    file_fails("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],"
               "\"data_offsets\":[0,9223372036854775807]}}", 0,
               "data_offsets [0, 9223372036854775807] hold 9223372036854775807 bytes");

    /* Such numbers stand where any number is refused: the rule of the place speaks. */
    file_fails("{\"w\":99999999999999999999}", 0, "tensor 'w': its entry is not an object");
    file_fails("{\"__metadata__\":{\"k\":1e400}}", 0,
               "'__metadata__' value of 'k' is not a string");

    /* What lstmsent__st_parse_header hands on: each such number as -1. */
    json_t *root = header_ok("{\"a\":[1.5,-0,7,99999999999999999999,0,-2,1e400]}");
    json_t *a = json_object_get(root, "a");
    static const json_int_t want[] = {-1, -1, 7, -1, 0, -1, -1};
    ck_assert_uint_eq(json_array_size(a), 7);
    for (size_t i = 0; i < 7; i++) {
        ck_assert(json_is_integer(json_array_get(a, i)));
        ck_assert_int_eq(json_integer_value(json_array_get(a, i)), want[i]);
    }
    json_decref(root);

    /* Not JSON numbers at all: jansson's complaint. */
    static const char *const bad[] = {"01", "-01", "00", "-", "+1", ".5", "1.", "1.e3", "1e",
                                      "1e+", "-a", "0x10", "Infinity", "-Infinity", "NaN",
                                      "1..2", "--1", "1e2e3", "- 1", "1.5.3", "2-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        shape_fails(bad[i], "header is not valid JSON");
}
END_TEST

START_TEST(test_trailing_and_structure_errors)
{
    static const char *const bad[] = {
        "{", "{\"a\":}", "{} x", "{}{}", "{},", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "{a:1}",
        "{'a':1}", "{\"a\"}", "{\"a\":1 \"b\":2}", "{\"a\":[1 2]}", "{\"a\":tru}",
        "{\"a\":nul}", "{\"a\":fals}", "{\"a\":truex}", "{\"a\":True}", "{}//c", "{/*c*/}",
        "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":[,]}", "{\"a\":1]", "{\"a\":[1}", "{]", "{}}",
        "{,}", "{\"a\":[1]]}", "{\"a\":{\"b\":1}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        header_fails(bad[i], "header is not valid JSON");
    /* A NUL is not white space: not as padding, not inside. */
    header_fails_n("{}\0", 3, "header is not valid JSON");
    header_fails_n("{}  \0   ", 8, "header is not valid JSON");
    header_fails_n("{\"a\":[1,\0]}", 11, "header is not valid JSON");
    /* jansson alone skips a NUL right after a number or a literal: not here. */
    header_fails_n("{\"a\":[1\0]}", 10, "header is not valid JSON: a NUL byte (at header "
                                         "byte 7)");
    header_fails_n("{\"a\":true\0}", 11, "a NUL byte (at header byte 9)");
    header_fails_n("{\"a\":-2.5e3\0}", 13, "a NUL byte (at header byte 11)");
    /* Only an object: anything else, or anything before it, is refused first. */
    static const char *const not_object[] = {"[]", "\"{}\"", " {}", "\n{}", "1", "null",
                                             "\xEF\xBB\xBF{}", ""};
    for (size_t i = 0; i < sizeof not_object / sizeof not_object[0]; i++)
        header_fails(not_object[i], "header does not start with '{'");
}
END_TEST

/* jansson's message keeps its text and says where it stopped: line, column (1-based, in
 * characters) and the bytes read. */
START_TEST(test_error_position)
{
    header_fails("{\"a\":[1, x]}", "header is not valid JSON: invalid token near 'x' (line 1, "
                                   "column 10, 10 bytes into the header)");
    header_fails("{\n\"a\":\n  x}", "invalid token near 'x' (line 3, column 3, 10 bytes into "
                                    "the header)");
    /* Columns count characters, bytes count bytes. */
    header_fails("{\"\xC3\xA9\":x}", "(line 1, column 6, 7 bytes into the header)");
    header_fails("{\"k\": \"a\\qb\"}", "invalid escape");
    /* The message quotes the number as written, not the -1 that replaced it. */
    header_fails("{\"a\" 1.5}", "':' expected near '1.5'");
    header_fails("{\"a\" -0}", "':' expected near '-0'");
}
END_TEST

/* ---- keys ------------------------------------------------------------------------------ */

START_TEST(test_duplicate_keys)
{
    static const struct {
        const char *header;
        const char *want;
    } cases[] = {
        {"{\"w\":{},\"w\":{}}", "tensor name 'w' appears twice in the header"},
        /* escapes are compared decoded: "\u0077" is "w" */
        {"{\"w\":{},\"\\u0077\":{}}", "tensor name 'w' appears twice"},
        {"{\"a\\\"b\":1,\"a\\\"b\":2}", "tensor name 'a\"b' appears twice"},
        {"{\"a\\u001b\":1,\"a\\u001b\":2}", "tensor name 'a\\x1b' appears twice"},
        {"{\"__metadata__\":{},\"w\":1,\"__metadata__\":{}}", "the header has '__metadata__' twice"},
        {"{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", "'__metadata__' has the key 'k' twice"},
        /* strings before the key hold brackets, colons and escaped quotes */
        {"{\"__metadata__\":{\"x\":\"]}{[:\\\"\",\"x\":\"2\"}}",
         "'__metadata__' has the key 'x' twice"},
        {"{\"a\":\"{\",\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}",
         "tensor 'w': field 'dtype' appears twice"},
        {"{\"w\":{\"data_offsets\":[0,4],\"data_offsets\":[0,4]}}",
         "tensor 'w': field 'data_offsets' appears twice"},
        /* an unknown field is refused as unknown, twice or not */
        {"{\"w\":{\"x\":1,\"x\":2}}", "tensor 'w': unknown field 'x'"},
        /* deeper than any rule looks: jansson's words */
        {"{\"w\":[{\"a\":1,\"a\":2}]}", "header is not valid JSON: duplicate object key near "
                                       "'\"a\"'"},
        {"{\"w\":{\"shape\":{\"a\":1,\"a\":2}}}", "duplicate object key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        header_fails(cases[i].header, cases[i].want);
    /* Keys that differ in a byte are distinct. */
    json_decref(header_ok("{\"a\":1,\"ab\":2,\"b\":3,\"\":4,\"A\":5,\"__metadata__\":{\"a\":\"1\","
                          "\"b\":\"2\"},\"c\":{\"a\":1,\"b\":2}}"));
    /* The same key in different objects is fine. */
    json_decref(header_ok("{\"a\":{\"a\":1},\"b\":{\"a\":{\"a\":1}}}"));
}
END_TEST

START_TEST(test_nul_characters)
{
    /* jansson refuses a NUL in any key; the message still names the key's place. */
    header_fails("{\"w\\u0000x\":{}}", "tensor name 'w' holds a NUL character (\\u0000)");
    header_fails("{\"__metadata__\":{\"k\\u0000\":\"v\"}}",
                 "'__metadata__' entry 'k' holds a NUL character (\\u0000)");
    header_fails("{\"w\":{\"dt\\u0000ype\":\"F32\"}}", "tensor 'w': unknown field 'dt\\x00ype'");
    header_fails("{\"a\":1,\"a\\u0000\":1}", "tensor name 'a' holds a NUL character");
    header_fails("{\"w\":[{\"a\\u0000\":1}]}", "header is not valid JSON: NUL byte in object key");
    /* In a value jansson lets it through (JSON_ALLOW_NUL) to the file's rules. */
    file_fails("{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0,
               "'__metadata__' entry 'k' holds a NUL character (\\u0000)");
    file_fails("{\"w\":{\"dtype\":\"F32\\u0000\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
               "tensor 'w': unknown dtype 'F32\\x00'");
}
END_TEST

/* ---- writing --------------------------------------------------------------------------- */

/* The writer's bytes: jansson's compact form, "__metadata__" first, the tensors in the
 * order given, the escapes JSON requires and no others, spaces to a multiple of 8. These
 * are the bytes the library wrote before it used jansson. */
START_TEST(test_writer_bytes)
{
    static const float data[7] = {0};
    static const int64_t shape[2] = {2, 3};
    const lstmsent__st_out_tensor t[] = {{"w", 2, shape, data}, {"s\xC3\xA9/", 0, NULL, data}};
    const lstmsent__st_pair meta[] = {{"k", "v\n\"\x01\x7f/\\"}, {"empty", ""}};
    unsigned char *img;
    size_t len;
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, t, 2, meta, 2), LSTMSENT_OK);
    const char *want = "{\"__metadata__\":{\"k\":\"v\\n\\\"\\u0001\x7f/\\\\\",\"empty\":\"\"},"
                       "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                       "\"s\xC3\xA9/\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[24,28]}}";
    size_t wn = strlen(want), padded = (wn + 7) / 8 * 8;
    ck_assert_uint_eq(len, 8 + padded + 28);
    ck_assert_uint_eq(img[0] | (size_t)img[1] << 8, padded);
    ck_assert_msg(memcmp(img + 8, want, wn) == 0, "header %.*s", (int)wn, (const char *)img + 8);
    for (size_t i = wn; i < padded; i++)
        ck_assert_int_eq(img[8 + i], ' ');
    free(img);

    /* The largest dimension there is, written in full and read back. */
    static const int64_t huge[2] = {INT64_MAX, 0};
    const lstmsent__st_out_tensor h[] = {{"h", 2, huge, NULL}};
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, h, 1, NULL, 0), LSTMSENT_OK);
    ck_assert(memcmp(img + 8, "{\"h\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807,0],"
                              "\"data_offsets\":[0,0]}}", 74) == 0);
    lstmsent__st_file *f = NULL;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    ck_assert_int_eq(f->tensors[0].shape[0], INT64_MAX);
    lstmsent__st_free(f);
    free(img);
}
END_TEST

START_TEST(test_writer_round_trip)
{
    /* Every control character, the characters JSON escapes, and UTF-8 of every length. */
    char text[64];
    size_t n = 0;
    for (int c = 1; c < 0x20; c++)
        text[n++] = (char)c;
    memcpy(text + n, "\"\\/ \x7f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z", 16);
    n += 16;
    text[n] = '\0';
    const lstmsent__st_out_tensor t[] = {{text, 0, NULL, (const float[]){1.0f}}};
    const lstmsent__st_pair meta[] = {{text, text}};
    unsigned char *img;
    size_t len;
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, t, 1, meta, 1), LSTMSENT_OK);
    size_t hlen = img[0] | (size_t)img[1] << 8;
    char *header = strndup((const char *)img + 8, hlen);
    ck_assert_ptr_nonnull(strstr(header, "\\u001F"));
    ck_assert_ptr_nonnull(strstr(header, "\\n"));
    ck_assert_ptr_nonnull(strstr(header, "\\\""));
    ck_assert_ptr_nonnull(strstr(header, "\\b\\t\\n\\u000B\\f\\r"));
    free(header);
    lstmsent__st_file *f = NULL;
    ck_assert_int_eq(lstmsent__st_parse(&f, img, len), LSTMSENT_OK);
    ck_assert_str_eq(f->tensors[0].name, text);
    ck_assert_str_eq(f->meta[0].key, text);
    ck_assert_str_eq(f->meta[0].value, text);
    lstmsent__st_free(f);
    free(img);
}
END_TEST

START_TEST(test_writer_refuses_bad_utf8)
{
    const lstmsent__st_out_tensor good[] = {{"w", 0, NULL, (const float[]){1.0f}}};
    const lstmsent__st_out_tensor bad_name[] = {{"w\xED\xA0\x80", 0, NULL, (const float[]){1.0f}}};
    const lstmsent__st_pair bad_key[] = {{"ok\xC0\xAF", "v"}}, bad_value[] = {{"k", "\xFF"}};
    unsigned char *img = NULL;
    size_t len;
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, bad_name, 1, NULL, 0),
                     LSTMSENT_ERR_UTF8);
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, good, 1, bad_key, 1),
                     LSTMSENT_ERR_UTF8);
    ck_assert_str_eq(lstmsent_last_error(), "metadata key 0 is not valid UTF-8 (at byte 2)");
    ck_assert_int_eq(lstmsent__st_serialize_f32(&img, &len, good, 1, bad_value, 1),
                     LSTMSENT_ERR_UTF8);
    ck_assert_ptr_null(img);
}
END_TEST

/* ---- numbers in metadata values -------------------------------------------------------- */

static void assert_number(const char *s, int ok, double want)
{
    double v = -7.0;
    ck_assert_msg(lstmsent__st_number(s, &v) == ok, "'%s'", s);
    if (ok)
        ck_assert_msg(v == want && signbit(v) == signbit(want), "'%s' read as %.17g", s, v);
    else
        ck_assert(v == -7.0);
}

START_TEST(test_metadata_numbers)
{
    assert_number("0.5", 1, 0.5);
    assert_number("1.5", 1, 1.5);
    assert_number("-2.5e-3", 1, -2.5e-3);
    assert_number("0.1", 1, 0.1);
    assert_number("1E2", 1, 100.0);
    assert_number("3", 1, 3.0);
    assert_number("-0", 1, -0.0);
    assert_number(" \t0.25\r\n", 1, 0.25);
    assert_number("0.300000012", 1, 0.300000012);
    /* an integer longer than any integer type, and an underflow to zero (as strtod) */
    assert_number("123456789012345678901234567890", 1, 1.2345678901234568e29);
    assert_number("1e-400", 1, 0.0);
    assert_number("1.000000000000000000000000000000000000000000000000000000000000000000000000"
                  "00000000000000000000000000000000000000000000000000000000000000000000000001",
                  1, 1.0);
    static const char *const bad[] = {"", " ", "1e400", "-1e400", "0x10", "NaN", "nan", "inf",
                                      "Infinity", "1.", ".5", "01", "+1", "1 2", "1,5", "\"1\"",
                                      "[1]", "1e", "--1", "0.5x", "\xC2\xA0" "1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_number(bad[i], 0, 0.0);

    /* A locale with a decimal comma (or a point of two bytes, ps_AF's U+066B) must not
     * change how the numbers read. */
    static const char *const locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "ps_AF.UTF-8", "de_DE",
                                          "C.UTF-8"};
    for (size_t i = 0; i < sizeof locales / sizeof locales[0]; i++) {
        if (setlocale(LC_NUMERIC, locales[i]) != NULL) {
            assert_number("1.25", 1, 1.25);
            assert_number("-2.5e-3", 1, -2.5e-3);
            assert_number("1,25", 0, 0.0);
        }
    }
    setlocale(LC_NUMERIC, "C");
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_accepts_json);
    tcase_add_test(tc, test_member_order);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_invalid_escapes);
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_trailing_and_structure_errors);
    tcase_add_test(tc, test_error_position);
    tcase_add_test(tc, test_duplicate_keys);
    tcase_add_test(tc, test_nul_characters);
    tcase_add_test(tc, test_writer_bytes);
    tcase_add_test(tc, test_writer_round_trip);
    tcase_add_test(tc, test_writer_refuses_bad_utf8);
    tcase_add_test(tc, test_metadata_numbers);
    suite_add_tcase(s, tc);
    return s;
}
