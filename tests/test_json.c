/* The strict JSON reader and writer: grammar, escapes, UTF-8, limits, duplicate keys.
 * Every input is copied into a heap block of exactly its length with no NUL after it, so
 * a read past the end shows up under valgrind or ASan. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap_main.h"

/* Parse text[0, len) from an exact-size copy; the copy is freed after the doc. */
typedef struct parsed {
    lstmsent__json_doc doc;
    char *copy;
    lstmsent_status st;
} parsed;

static parsed parse_n(const char *text, size_t len, int depth)
{
    parsed p;
    p.copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p.copy);
    memcpy(p.copy, text, len);
    p.st = lstmsent__json_parse(&p.doc, p.copy, len, depth);
    return p;
}

static parsed parse(const char *text)
{
    return parse_n(text, strlen(text), LSTMSENT__JSON_DEFAULT_DEPTH);
}

static void done(parsed *p)
{
    lstmsent__json_doc_free(&p->doc);
    free(p->copy);
}

static void assert_valid(const char *text)
{
    parsed p = parse(text);
    ck_assert_msg(p.st == LSTMSENT_OK, "'%s' should parse: %s", text, p.doc.error);
    done(&p);
}

static void assert_invalid(const char *text)
{
    parsed p = parse(text);
    ck_assert_msg(p.st == LSTMSENT_ERR_FORMAT, "'%s' should fail (got %d)", text, p.st);
    ck_assert_msg(p.doc.error[0] != '\0', "'%s' failed without a message", text);
    ck_assert_uint_le(p.doc.error_offset, strlen(text));
    done(&p);
}

/* The decoded string of a document that is one string. */
static void assert_string(const char *text, const char *want, size_t want_len)
{
    parsed p = parse(text);
    ck_assert_msg(p.st == LSTMSENT_OK, "'%s' should parse: %s", text, p.doc.error);
    size_t len = 99;
    const char *s = lstmsent__json_string(&p.doc, 0, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(len, want_len);
    ck_assert(memcmp(s, want, want_len) == 0);
    ck_assert_int_eq(s[len], '\0');
    done(&p);
}

START_TEST(test_scalars)
{
    static const struct {
        const char *text;
        lstmsent__json_type type;
    } cases[] = {
        {"true", LSTMSENT__JSON_TRUE},       {"false", LSTMSENT__JSON_FALSE},
        {"null", LSTMSENT__JSON_NULL},       {"0", LSTMSENT__JSON_NUMBER},
        {" -1.5e3 ", LSTMSENT__JSON_NUMBER}, {"\"x\"", LSTMSENT__JSON_STRING},
        {"[]", LSTMSENT__JSON_ARRAY},        {"{}", LSTMSENT__JSON_OBJECT},
        {"\t\r\n {} \n", LSTMSENT__JSON_OBJECT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed p = parse(cases[i].text);
        ck_assert_msg(p.st == LSTMSENT_OK, "%s: %s", cases[i].text, p.doc.error);
        ck_assert_uint_eq(p.doc.n_tokens, 1);
        ck_assert_int_eq(lstmsent__json_type_of(&p.doc, 0), cases[i].type);
        ck_assert_uint_eq(lstmsent__json_count(&p.doc, 0), 0);
        ck_assert_uint_eq(lstmsent__json_skip(&p.doc, 0), 1);
        done(&p);
    }
}
END_TEST

START_TEST(test_structure_walk)
{
    parsed p = parse("{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\", \"e\": {}}");
    ck_assert_int_eq(p.st, LSTMSENT_OK);
    lstmsent__json_doc *d = &p.doc;
    ck_assert_int_eq(lstmsent__json_type_of(d, 0), LSTMSENT__JSON_OBJECT);
    ck_assert_uint_eq(lstmsent__json_count(d, 0), 3);
    ck_assert_uint_eq(lstmsent__json_skip(d, 0), d->n_tokens);

    size_t a = lstmsent__json_object_get(d, 0, "a", 1);
    ck_assert_uint_eq(a, 2);
    ck_assert_int_eq(lstmsent__json_type_of(d, a), LSTMSENT__JSON_ARRAY);
    ck_assert_uint_eq(lstmsent__json_count(d, a), 3);
    size_t third = lstmsent__json_skip(d, lstmsent__json_skip(d, a + 1));
    ck_assert_int_eq(lstmsent__json_type_of(d, third), LSTMSENT__JSON_OBJECT);
    size_t b = lstmsent__json_object_get(d, third, "b", 1);
    ck_assert_int_eq(lstmsent__json_type_of(d, b), LSTMSENT__JSON_NULL);

    size_t c = lstmsent__json_object_get(d, 0, "c", 1);
    ck_assert_str_eq(lstmsent__json_string(d, c, NULL), "d");
    size_t e = lstmsent__json_object_get(d, 0, "e", 1);
    ck_assert_int_eq(lstmsent__json_type_of(d, e), LSTMSENT__JSON_OBJECT);
    ck_assert_uint_eq(lstmsent__json_count(d, e), 0);
    ck_assert_uint_eq(lstmsent__json_skip(d, e), d->n_tokens);

    ck_assert_uint_eq(lstmsent__json_object_get(d, 0, "z", 1), 0);
    ck_assert_uint_eq(lstmsent__json_object_get(d, 0, "ab", 2), 0);
    ck_assert_uint_eq(lstmsent__json_object_get(d, a, "a", 1), 0); /* not an object */
    ck_assert_ptr_null(lstmsent__json_string(d, a, NULL));
    done(&p);
}
END_TEST

START_TEST(test_escapes)
{
    assert_string("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
    assert_string("\"\\u0041\\u00e9\\u20AC\"", "A\xC3\xA9\xE2\x82\xAC", 6);
    /* U+1F600 as a surrogate pair, upper and lower case hex */
    assert_string("\"\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80", 4);
    assert_string("\"\\ud83d\\ude00x\"", "\xF0\x9F\x98\x80x", 5);
    /* the highest code point, U+10FFFF */
    assert_string("\"\\uDBFF\\uDFFF\"", "\xF4\x8F\xBF\xBF", 4);
    /* \u0000 decodes to a NUL inside the string; the length counts it */
    assert_string("\"a\\u0000b\"", "a\0b", 3);
    assert_string("\"\"", "", 0);
    /* raw UTF-8 passes through */
    assert_string("\"\xC3\xA9\xF0\x9F\x98\x80\"", "\xC3\xA9\xF0\x9F\x98\x80", 6);
}
END_TEST

START_TEST(test_invalid_escapes)
{
    assert_invalid("\"\\x\"");
    assert_invalid("\"\\a\"");
    assert_invalid("\"\\'\"");
    assert_invalid("\"\\u12\"");
    assert_invalid("\"\\u12G4\"");
    assert_invalid("\"\\u\"");
    assert_invalid("\"\\");
    assert_invalid("\"\\u00");
    assert_invalid("\"\\uD83D\"");           /* lone high surrogate */
    assert_invalid("\"\\uD83Dx\"");
    assert_invalid("\"\\uD83D\\u0041\"");    /* high, then not a low one */
    assert_invalid("\"\\uD83D\\uD83D\"");    /* high, then high */
    assert_invalid("\"\\uD83D\\n\"");
    assert_invalid("\"\\uD83D\\uDE0\"");     /* the low one cut short */
    assert_invalid("\"\\uDE00\"");           /* lone low surrogate */
    assert_invalid("\"\\uDE00\\uD83D\"");    /* reversed pair */
    assert_invalid("\"a\nb\"");              /* raw control characters */
    assert_invalid("\"a\tb\"");
    assert_invalid("\"\x1f\"");
    assert_invalid("\"abc");                 /* unterminated */
    assert_invalid("\"");
}
END_TEST

START_TEST(test_utf8)
{
    static const char *const bad[] = {
        "\"\xC3\x28\"",         /* bad continuation */
        "\"\xC0\xAF\"",         /* overlong '/' */
        "\"\xC1\xBF\"",         /* overlong */
        "\"\xE0\x80\xAF\"",     /* overlong, 3 bytes */
        "\"\xF0\x80\x80\xAF\"", /* overlong, 4 bytes */
        "\"\xED\xA0\x80\"",     /* an encoded surrogate */
        "\"\xF4\x90\x80\x80\"", /* past U+10FFFF */
        "\"\xF5\x80\x80\x80\"",
        "\"\xFF\"",
        "\"\x80\"",             /* a lone continuation byte */
        "\"\xE2\x82\"",         /* cut short before the quote */
        "\xE2\x82\xAC",         /* valid UTF-8 but not JSON: checked, still refused */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_invalid(bad[i]);
    /* cut short at the very end of the input */
    parsed p = parse_n("\"\xE2\x82", 3, 8);
    ck_assert_int_eq(p.st, LSTMSENT_ERR_FORMAT);
    ck_assert_uint_eq(p.doc.error_offset, 1);
    ck_assert_ptr_nonnull(strstr(p.doc.error, "UTF-8"));
    done(&p);

    size_t at = 0;
    ck_assert_int_eq(lstmsent__utf8_valid("ab\xC3\xA9\xED\xA0\x80", 7, &at), 0);
    ck_assert_uint_eq(at, 4);
    ck_assert_int_eq(lstmsent__utf8_valid("\xEF\xBF\xBF\xF4\x8F\xBF\xBF", 7, NULL), 1);
    ck_assert_uint_eq(lstmsent__utf8_seq_len((const unsigned char *)"\xF0\x9F\x98", 3), 0);
}
END_TEST

START_TEST(test_depth_limit)
{
    enum { DEEP = 100000 };
    char *text = malloc(2 * DEEP);
    ck_assert_ptr_nonnull(text);
    memset(text, '[', DEEP);
    memset(text + DEEP, ']', DEEP);

    parsed p = parse_n(text + DEEP - 64, 2 * 64, 64); /* exactly 64 levels: fine */
    ck_assert_int_eq(p.st, LSTMSENT_OK);
    ck_assert_uint_eq(p.doc.n_tokens, 64);
    ck_assert_uint_eq(lstmsent__json_skip(&p.doc, 0), 64);
    done(&p);

    /* 65 opening brackets in a row under a limit of 64 */
    char *mid = text + DEEP - 65;
    p = parse_n(mid, 130, 64);
    ck_assert_int_eq(p.st, LSTMSENT_ERR_FORMAT);
    ck_assert_uint_eq(p.doc.error_offset, 64);
    ck_assert_ptr_nonnull(strstr(p.doc.error, "deeper than 64"));
    done(&p);

    /* very deep input fails at the limit; there is no recursion to blow the stack */
    p = parse_n(text, 2 * DEEP, 64);
    ck_assert_int_eq(p.st, LSTMSENT_ERR_FORMAT);
    done(&p);
    p = parse_n(text, 2 * DEEP, DEEP); /* and passes when the limit allows it */
    ck_assert_int_eq(p.st, LSTMSENT_OK);
    done(&p);
    p = parse_n(text, DEEP, DEEP);     /* unclosed */
    ck_assert_int_eq(p.st, LSTMSENT_ERR_FORMAT);
    done(&p);
    /* depth 0 allows scalars only */
    p = parse_n("[1]", 3, 0);
    ck_assert_int_eq(p.st, LSTMSENT_ERR_FORMAT);
    done(&p);
    p = parse_n("1", 1, 0);
    ck_assert_int_eq(p.st, LSTMSENT_OK);
    done(&p);
    free(text);
}
END_TEST

START_TEST(test_numbers)
{
    static const char *const good[] = {"0", "-0", "1", "10", "123456789", "1.5", "-1.5e-3",
                                       "1E+2", "0e0", "0.0", "-0.0E-0",
                                       "123456789012345678901234567890"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_valid(good[i]);
    static const char *const bad[] = {"01", "-01", "00", "-", "+1", ".5", "1.", "1.e3", "1e",
                                      "1e+", "-a", "0x10", "Infinity", "-Infinity", "NaN",
                                      "1..2", "--1", "1e2e3", "- 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_invalid(bad[i]);
}
END_TEST

START_TEST(test_integer_getters)
{
    static const struct {
        const char *text;
        int u64_ok;
        uint64_t u;
        int i64_ok;
        int64_t i;
    } cases[] = {
        {"0", 1, 0, 1, 0},
        {"-0", 0, 0, 1, 0},
        {"42", 1, 42, 1, 42},
        {"18446744073709551615", 1, UINT64_MAX, 0, 0},
        {"18446744073709551616", 0, 0, 0, 0},
        {"99999999999999999999", 0, 0, 0, 0},
        {"9223372036854775807", 1, 9223372036854775807u, 1, INT64_MAX},
        {"9223372036854775808", 1, 9223372036854775808u, 0, 0},
        {"-9223372036854775808", 0, 0, 1, INT64_MIN},
        {"-9223372036854775809", 0, 0, 0, 0},
        {"-1", 0, 0, 1, -1},
        {"1.0", 0, 0, 0, 0},
        {"1e2", 0, 0, 0, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        parsed p = parse(cases[k].text);
        ck_assert_int_eq(p.st, LSTMSENT_OK);
        uint64_t u = 7;
        int64_t i = 7;
        ck_assert_msg(lstmsent__json_get_u64(&p.doc, 0, &u) == cases[k].u64_ok, "u64 %s",
                      cases[k].text);
        ck_assert_uint_eq(u, cases[k].u64_ok ? cases[k].u : 7);
        ck_assert_msg(lstmsent__json_get_i64(&p.doc, 0, &i) == cases[k].i64_ok, "i64 %s",
                      cases[k].text);
        ck_assert_int_eq(i, cases[k].i64_ok ? cases[k].i : 7);
        done(&p);
    }
    parsed p = parse("\"1\"");
    uint64_t u;
    ck_assert_int_eq(lstmsent__json_get_u64(&p.doc, 0, &u), 0);
    done(&p);
}
END_TEST

static void assert_double(const char *text, int ok, double want)
{
    parsed p = parse(text);
    ck_assert_int_eq(p.st, LSTMSENT_OK);
    double v = 0;
    ck_assert_int_eq(lstmsent__json_get_double(&p.doc, 0, &v), ok);
    if (ok)
        ck_assert_msg(v == want, "%s read as %.17g", text, v);
    done(&p);
}

START_TEST(test_double_getter)
{
    assert_double("1.5", 1, 1.5);
    assert_double("-2.5e-3", 1, -2.5e-3);
    assert_double("0.1", 1, 0.1);
    assert_double("1E2", 1, 100.0);
    assert_double("1e400", 0, 0);
    assert_double("-1e400", 0, 0);
    assert_double("1e-400", 1, 0.0); /* underflow rounds to zero, as strtod does */
    /* a number longer than the small buffer */
    assert_double("1.000000000000000000000000000000000000000000000000000000000000000000000000"
                  "00000000000000000000000000000000000000000000000000000000000000000000000001",
                  1, 1.0);
    /* A locale with a decimal comma must not change how JSON reads. */
    const char *locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "C.UTF-8"};
    for (size_t i = 0; i < sizeof locales / sizeof locales[0]; i++) {
        if (setlocale(LC_NUMERIC, locales[i]) != NULL) {
            assert_double("1.25", 1, 1.25);
            break;
        }
    }
    setlocale(LC_NUMERIC, "C");
}
END_TEST

START_TEST(test_trailing_and_structure_errors)
{
    static const char *const bad[] = {
        "", "   ", "{} x", "[1]]", "1 2", "{},", "{}{}", "[1,]", "[,1]", "[,]",
        "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "{a:1}", "{'a':1}", "[", "{", "]", "}",
        "{\"a\":}", "{\"a\"}", "{\"a\":1 \"b\":2}", "[1 2]", "tru", "nul", "fals", "truex",
        "True", "[1]//c", "/*c*/[1]", "[1,\x00]", "\xEF\xBB\xBF{}", "{\"a\":1]", "[1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_invalid(bad[i]);
    /* An embedded NUL ends nothing: the length does. */
    parsed p = parse_n("[1]\0", 4, 8);
    ck_assert_int_eq(p.st, LSTMSENT_ERR_FORMAT);
    ck_assert_uint_eq(p.doc.error_offset, 3);
    done(&p);
    p = parse_n("[1]\0garbage", 3, 8);
    ck_assert_int_eq(p.st, LSTMSENT_OK);
    done(&p);
}
END_TEST

START_TEST(test_error_offset)
{
    parsed p = parse("[1, x]");
    ck_assert_int_eq(p.st, LSTMSENT_ERR_FORMAT);
    ck_assert_uint_eq(p.doc.error_offset, 4);
    ck_assert_ptr_nonnull(strstr(p.doc.error, "'x'"));
    done(&p);
    p = parse("{\"k\": \"a\\qb\"}");
    ck_assert_uint_eq(p.doc.error_offset, 8);
    ck_assert_ptr_nonnull(strstr(p.doc.error, "escape"));
    done(&p);
}
END_TEST

START_TEST(test_duplicate_keys)
{
    parsed p = parse("{\"a\":1,\"b\":{\"x\":1,\"x\":2},\"c\":3,\"b\":4,\"a\":5}");
    ck_assert_int_eq(p.st, LSTMSENT_OK);
    size_t dup = 0;
    ck_assert_int_eq(lstmsent__json_find_duplicate_key(&p.doc, 0, &dup), 1);
    /* The first repeat in document order is the second "b". */
    ck_assert_str_eq(lstmsent__json_string(&p.doc, dup, NULL), "b");
    ck_assert_int_eq(lstmsent__json_type_of(&p.doc, dup + 1), LSTMSENT__JSON_NUMBER);
    size_t inner = lstmsent__json_object_get(&p.doc, 0, "b", 1);
    ck_assert_int_eq(lstmsent__json_find_duplicate_key(&p.doc, inner, &dup), 1);
    ck_assert_str_eq(lstmsent__json_string(&p.doc, dup, NULL), "x");
    ck_assert_uint_eq(dup, inner + 3);
    done(&p);

    p = parse("{\"a\":1,\"ab\":2,\"b\":3,\"\":4,\"a\\u0000\":5}");
    ck_assert_int_eq(lstmsent__json_find_duplicate_key(&p.doc, 0, &dup), 0);
    done(&p);
    /* Escapes are compared decoded: "\u0061" is "a". */
    p = parse("{\"a\":1,\"\\u0061\":2}");
    ck_assert_int_eq(lstmsent__json_find_duplicate_key(&p.doc, 0, &dup), 1);
    done(&p);
    p = parse("[1,1]");
    ck_assert_int_eq(lstmsent__json_find_duplicate_key(&p.doc, 0, &dup), 0);
    done(&p);
}
END_TEST

START_TEST(test_writer_round_trip)
{
    char text[64];
    size_t n = 0;
    for (int c = 1; c < 0x20; c++)
        text[n++] = (char)c;
    memcpy(text + n, "\"\\/ \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 14);
    n += 14;
    text[n++] = '\0'; /* a NUL inside the string, written as \u0000 */
    text[n++] = 'z';

    lstmsent__json_writer w;
    lstmsent__json_writer_init(&w);
    lstmsent__json_write_raw(&w, "[", 1);
    lstmsent__json_write_string(&w, text, n);
    lstmsent__json_write_raw(&w, ",", 1);
    lstmsent__json_write_u64(&w, UINT64_MAX);
    lstmsent__json_write_raw(&w, ",", 1);
    lstmsent__json_write_i64(&w, INT64_MIN);
    lstmsent__json_write_raw(&w, ",", 1);
    lstmsent__json_write_i64(&w, 0);
    lstmsent__json_write_raw(&w, "]", 1);
    ck_assert_int_eq(w.status, LSTMSENT_OK);
    ck_assert_uint_eq(strlen(w.data), w.len);
    ck_assert_ptr_nonnull(strstr(w.data, "\\u001F"));
    ck_assert_ptr_nonnull(strstr(w.data, "\\n"));
    ck_assert_ptr_nonnull(strstr(w.data, "\\\""));

    parsed p = parse(w.data);
    ck_assert_msg(p.st == LSTMSENT_OK, "%s: %s", w.data, p.doc.error);
    size_t len;
    const char *s = lstmsent__json_string(&p.doc, 1, &len);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(s, text, n) == 0);
    uint64_t u;
    int64_t i;
    ck_assert_int_eq(lstmsent__json_get_u64(&p.doc, 2, &u), 1);
    ck_assert_uint_eq(u, UINT64_MAX);
    ck_assert_int_eq(lstmsent__json_get_i64(&p.doc, 3, &i), 1);
    ck_assert_int_eq(i, INT64_MIN);
    ck_assert_int_eq(lstmsent__json_get_i64(&p.doc, 4, &i), 1);
    ck_assert_int_eq(i, 0);
    done(&p);
    lstmsent__json_writer_free(&w);
}
END_TEST

START_TEST(test_writer_refuses_bad_utf8)
{
    lstmsent__json_writer w;
    lstmsent__json_writer_init(&w);
    lstmsent__json_write_raw(&w, "[", 1);
    lstmsent__json_write_string(&w, "ok\xC0\xAF", 4);
    ck_assert_int_eq(w.status, LSTMSENT_ERR_UTF8);
    size_t len = w.len;
    lstmsent__json_write_raw(&w, "]", 1); /* a no-op after a failure */
    ck_assert_uint_eq(w.len, len);
    lstmsent__json_writer_free(&w);
    ck_assert_ptr_null(w.data);
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_scalars);
    tcase_add_test(tc, test_structure_walk);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_invalid_escapes);
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_integer_getters);
    tcase_add_test(tc, test_double_getter);
    tcase_add_test(tc, test_trailing_and_structure_errors);
    tcase_add_test(tc, test_error_offset);
    tcase_add_test(tc, test_duplicate_keys);
    tcase_add_test(tc, test_writer_round_trip);
    tcase_add_test(tc, test_writer_refuses_bad_utf8);
    suite_add_tcase(s, tc);
    return s;
}
