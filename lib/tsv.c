/*
 * Reading Kaggle's layout of phrases: a header line naming the columns, then one row per
 * line, fields split on tabs, read literally (no quoting, so a phrase such as "None" or
 * "NA" stays a phrase). The whole file is read into memory at once, so there is no limit
 * on a line's length, and every problem is reported with the file's name and line number.
 * The rules for blank lines, line ends and the header are in docs/corpus.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Quote at most this many bytes of a line or field in a message. */
#define QUOTE 40

const char *lstmsent__skip_bom(const char *data, size_t *len)
{
    if (*len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        *len -= 3;
        return data + 3;
    }
    return data;
}

size_t lstmsent__text_end(const char *s, size_t start, size_t len)
{
    size_t end = len;
    while (end > start) {
        size_t stop = end;   /* the last line is [.., stop), without its '\n' */
        if (s[stop - 1] == '\n')
            stop--;
        size_t content = stop > start && s[stop - 1] == '\r' ? stop - 1 : stop;
        if (content > start && s[content - 1] != '\n')
            return stop;
        end = content;       /* a blank line: drop it, '\r' and all */
    }
    return start;
}

/* 1-based line and byte-in-line of offset at. */
static void locate(const char *data, size_t at, size_t *line, size_t *col)
{
    size_t l = 1, start = 0;
    for (const char *p = data; (p = memchr(p, '\n', at - (size_t)(p - data))) != NULL; p++) {
        l++;
        start = (size_t)(p - data) + 1;
    }
    *line = l;
    *col = at - start + 1;
}

lstmsent_status lstmsent__check_text(const char *path, const char *data, size_t len)
{
    size_t bad, line, col;
    if (!lstmsent__utf8_valid(data, len, &bad)) {
        locate(data, bad, &line, &col);
        return lstmsent__fail(LSTMSENT_ERR_UTF8, "%s:%zu: invalid UTF-8 at byte %zu of the line",
                              path, line, col);
    }
    const char *nul = memchr(data, '\0', len);
    if (nul != NULL) {
        locate(data, (size_t)(nul - data), &line, &col);
        return lstmsent__fail(LSTMSENT_ERR_UTF8, "%s:%zu: NUL byte at byte %zu of the line "
                              "(text may not hold NUL)", path, line, col);
    }
    return LSTMSENT_OK;
}

/* A decimal integer, optional sign, nothing else. */
static int parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return 0;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 1;
}

enum { COL_PHRASE_ID, COL_SENTENCE_ID, COL_PHRASE, COL_SENTIMENT, NCOLS };
static const char *const col_names[NCOLS] = {"PhraseId", "SentenceId", "Phrase", "Sentiment"};

/* One line: the fields the named columns point at, and the number of fields. */
typedef struct row {
    const char *f[NCOLS];
    size_t n[NCOLS];
    size_t fields;
} row;

static void split_row(const char *s, size_t len, const size_t *col_of, row *r)
{
    /* col_of[k] is the column named col_names[k], or SIZE_MAX. */
    size_t k = 0, pos = 0;
    for (;;) {
        const char *tab = memchr(s + pos, '\t', len - pos);
        size_t stop = tab ? (size_t)(tab - s) : len;
        for (int c = 0; c < NCOLS; c++) {
            if (col_of[c] == k) {
                r->f[c] = s + pos;
                r->n[c] = stop - pos;
            }
        }
        k++;
        if (tab == NULL)
            break;
        pos = stop + 1;
    }
    r->fields = k;
}

/* A column of the header: its name and its place. */
typedef struct column {
    const char *name;
    size_t len, index;
} column;

static int same_name(const column *a, const column *b)
{
    return a->len == b->len && memcmp(a->name, b->name, a->len) == 0;
}

/* By name, then by place. */
static int column_cmp(const void *pa, const void *pb)
{
    const column *a = pa, *b = pb;
    int c = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The header line s[0, hend): col_of[c] gets the column named col_names[c] (SIZE_MAX when
 * there is none) and *fields the number of columns. Columns are found by name, so a name
 * must be there, be unique and read as it looks: two columns of one name, a column with
 * no name and a name holding a control character (a stray '\r' would hide a Sentiment
 * column as an unknown one) are refused, as a header without a Phrase column is. */
static lstmsent_status read_header(const char *path, const char *s, size_t hend,
                                   size_t col_of[NCOLS], size_t *fields)
{
    size_t n = 1;
    for (const char *p = s; (p = memchr(p, '\t', hend - (size_t)(p - s))) != NULL; p++)
        n++;
    column *cols = lstmsent__alloc_array(n, sizeof *cols), *sorted = NULL;
    if (cols != NULL)
        sorted = lstmsent__alloc_array(n, sizeof *sorted);
    if (sorted == NULL) {
        free(cols);
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory reading the header of '%s'",
                              path);
    }
    for (size_t k = 0, pos = 0; k < n; k++) {
        const char *tab = memchr(s + pos, '\t', hend - pos);
        size_t stop = tab ? (size_t)(tab - s) : hend;
        cols[k] = (column){s + pos, stop - pos, k};
        pos = stop + 1;
    }
    for (int c = 0; c < NCOLS; c++) {
        col_of[c] = SIZE_MAX;
        for (size_t k = 0; k < n && col_of[c] == SIZE_MAX; k++)
            if (cols[k].len == strlen(col_names[c]) &&
                memcmp(cols[k].name, col_names[c], cols[k].len) == 0)
                col_of[c] = k;
    }

    /* Two columns of one name, found by sorting (a header may have very many columns):
     * of each name the first two places, and of those pairs the one whose second column
     * comes first, as a reader going left to right meets it. */
    memcpy(sorted, cols, n * sizeof *cols);
    qsort(sorted, n, sizeof *sorted, column_cmp);
    size_t first = SIZE_MAX, second = SIZE_MAX;
    for (size_t k = 0; k + 1 < n; k++) {
        const column *a = &sorted[k], *b = &sorted[k + 1];
        if (a->len > 0 && same_name(a, b) && (k == 0 || !same_name(&sorted[k - 1], a)) &&
            b->index < second) {
            first = a->index;
            second = b->index;
        }
    }
    free(sorted);
    lstmsent_status st = LSTMSENT_OK;
    char q[LSTMSENT__QUOTE_CAP];
    /* Without a Phrase column the line is most likely no header at all (a file of rows),
     * which says more than anything about its names. */
    if (col_of[COL_PHRASE] == SIZE_MAX) {
        st = lstmsent__fail(LSTMSENT_ERR_HEADER, "%s:1: no header line with a 'Phrase' column "
                            "(the first line is '%s')", path, lstmsent__quote(q, s, hend, QUOTE));
    } else if (second != SIZE_MAX) {
        st = lstmsent__fail(LSTMSENT_ERR_HEADER, "%s:1: two columns named '%s' (columns %zu "
                            "and %zu)", path,
                            lstmsent__quote(q, cols[first].name, cols[first].len, QUOTE),
                            first + 1, second + 1);
    } else {
        for (size_t k = 0; k < n && st == LSTMSENT_OK; k++) {
            const unsigned char *name = (const unsigned char *)cols[k].name;
            size_t bad = 0;
            while (bad < cols[k].len && name[bad] >= 0x20 && name[bad] != 0x7f)
                bad++;
            if (cols[k].len == 0)
                st = lstmsent__fail(LSTMSENT_ERR_HEADER, "%s:1: column %zu has no name (an "
                                    "empty field in the header)", path, k + 1);
            else if (bad < cols[k].len)
                st = lstmsent__fail(LSTMSENT_ERR_HEADER, "%s:1: column %zu is named '%s', "
                                    "with a control character", path, k + 1,
                                    lstmsent__quote(q, cols[k].name, cols[k].len, QUOTE));
        }
    }
    free(cols);
    *fields = n;
    return st;
}

lstmsent_status lstmsent_corpus_load_tsv(lstmsent_corpus **out, const char *path,
                                         const lstmsent_corpus_options *opts)
{
    lstmsent__clear_error();
    LSTMSENT__CHECK_NULL(out);
    LSTMSENT__CHECK_NULL(path);
    char *data;
    size_t len;
    lstmsent_status st = lstmsent__read_file(&data, &len, path, LSTMSENT__PATH_QUOTED);
    if (st != LSTMSENT_OK)
        return st;
    st = lstmsent__corpus_parse_tsv(out, path, data, len, opts);
    free(data);
    return st;
}

lstmsent_status lstmsent__corpus_parse_tsv(lstmsent_corpus **out, const char *path,
                                           const char *data, size_t len,
                                           const lstmsent_corpus_options *opts)
{
    lstmsent_status st;
    const char *s = lstmsent__skip_bom(data, &len);
    lstmsent__builder *b = NULL;
    if (lstmsent__text_end(s, 0, len) == 0) {
        st = lstmsent__fail(LSTMSENT_ERR_EMPTY, "%s: the file is empty%s", path,
                            len > 0 ? " (blank lines only)" : "");
        goto done;
    }
    if ((st = lstmsent__check_text(path, s, len)) != LSTMSENT_OK)
        goto done;

    /* The header. */
    const char *nl = memchr(s, '\n', len);
    size_t hend = nl ? (size_t)(nl - s) : len, body = nl ? hend + 1 : len;
    if (hend > 0 && s[hend - 1] == '\r')
        hend--;
    size_t col_of[NCOLS], fields = 0;
    if ((st = read_header(path, s, hend, col_of, &fields)) != LSTMSENT_OK)
        goto done;

    /* Blank lines at the end of the file are no rows; a stray '\r' is not blank, so the
     * last row ends as every other one. */
    size_t end = lstmsent__text_end(s, body, len);
    if (end <= body) {
        st = lstmsent__fail(LSTMSENT_ERR_EMPTY, "%s: no rows after the header", path);
        goto done;
    }

    int labelled = col_of[COL_SENTIMENT] != SIZE_MAX;
    /* At most one row per line, and one token per two bytes. */
    size_t lines = 1;
    for (const char *p = s + body; (p = memchr(p, '\n', end - (size_t)(p - s))) != NULL; p++)
        lines++;
    st = lstmsent__builder_create(&b, opts, path, labelled, lines, (end - body) / 2 + 1);
    if (st != LSTMSENT_OK)
        goto done;
    size_t line = 1, count = 0;
    for (size_t pos = body; pos < end;) {
        line++;
        nl = memchr(s + pos, '\n', end - pos);
        size_t stop = nl ? (size_t)(nl - s) : end, next = stop + 1;
        if (stop > pos && s[stop - 1] == '\r')
            stop--;
        row r;
        split_row(s + pos, stop - pos, col_of, &r);
        if (r.fields != fields) {
            if (stop == pos)
                st = lstmsent__fail(LSTMSENT_ERR_FIELDS, "%s:%zu: blank line (the header has %zu "
                                    "fields)", path, line, fields);
            else
                st = lstmsent__fail(LSTMSENT_ERR_FIELDS, "%s:%zu: %zu fields, the header has %zu",
                                    path, line, r.fields, fields);
            goto done;
        }
        int64_t v[NCOLS] = {(int64_t)count + 1, 0, 0, 0};
        for (int c = 0; c < NCOLS; c++) {
            if (c == COL_PHRASE || col_of[c] == SIZE_MAX)
                continue;
            if (!parse_int64(r.f[c], r.n[c], &v[c]) ||
                (c == COL_SENTIMENT && (v[c] < 0 || v[c] > 4))) {
                char q[LSTMSENT__QUOTE_CAP];
                lstmsent__quote(q, r.f[c], r.n[c], QUOTE);
                if (c == COL_SENTIMENT)
                    st = lstmsent__fail(LSTMSENT_ERR_LABEL, "%s:%zu: Sentiment '%s' is not an "
                                        "integer 0..4", path, line, q);
                else
                    st = lstmsent__fail(LSTMSENT_ERR_FIELDS, "%s:%zu: %s '%s' is not an "
                                        "integer", path, line, col_names[c], q);
                goto done;
            }
        }
        st = lstmsent__builder_add(b, r.f[COL_PHRASE], r.n[COL_PHRASE], (int32_t)v[COL_SENTIMENT],
                                   v[COL_PHRASE_ID], v[COL_SENTENCE_ID], line);
        if (st != LSTMSENT_OK)
            goto done;
        count++;
        pos = next;
    }
    st = lstmsent__builder_finish(b, out);
    b = NULL;
done:
    lstmsent__builder_free(b);
    return st;
}
