/*
 * The text layer's internals, shared by tokenize.c, tsv.c, corpus.c and their tests:
 * a growable byte buffer, UTF-8 checking, and the tokeniser that reproduces Python's
 * phrase.lower().split(). Kept apart from internal.h because only the text files need it.
 */
#ifndef LSTMSENT_TEXT_H
#define LSTMSENT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* ---- a growable byte buffer ---------------------------------------------------------- */

typedef struct lstmsent__buf {
    char *data;
    size_t len;
    size_t cap;
} lstmsent__buf;

/* Make room for `extra` more bytes (and a NUL after them); 0 on success, -1 on overflow
 * or out of memory. */
int lstmsent__buf_reserve(lstmsent__buf *b, size_t extra);
void lstmsent__buf_free(lstmsent__buf *b);

/* ---- UTF-8 -------------------------------------------------------------------------- */


/* ---- what Python's str.lower() and str.split() see in a code point ------------------- */

/* str.isspace(): bidirectional class WS, B or S, or category Zs. */
int lstmsent__is_space(int32_t cp);
/* 1 when valid UTF-8 s[0..n) holds a white-space code point. */
int lstmsent__has_space(const char *s, size_t n);
/* The two properties the final-sigma rule of str.lower() reads (Unicode's Cased and
 * Case_Ignorable, from utf8proc's categories and case mappings plus the few code points
 * those do not reveal). */
int lstmsent__is_cased(int32_t cp);
int lstmsent__is_case_ignorable(int32_t cp);
/* str.lower() of a code point standing alone (capital sigma gives small sigma): writes up
 * to 3 code points to out and returns how many. */
int lstmsent__lower_cp(int32_t cp, int32_t out[3]);

/* ---- the tokeniser -------------------------------------------------------------------
 * Walks text[0..len) and yields its tokens one by one, each lower-cased into tok as
 * text.lower().split() would give it (tok.data NUL-terminated, tok.len bytes). */

typedef struct lstmsent__tokenizer {
    const uint8_t *text;
    size_t len;
    size_t pos;
    lstmsent__buf tok;
} lstmsent__tokenizer;

/* Start on text; tok keeps its memory across calls, so one tokenizer can be reused for
 * many texts (free it with lstmsent__buf_free(&t->tok)). */
void lstmsent__tokenizer_reset(lstmsent__tokenizer *t, const char *text, size_t len);
/* 1 with the next token in t->tok, 0 at the end of the text, LSTMSENT_ERR_UTF8 (with
 * *bad the byte offset in the text) or LSTMSENT_ERR_NOMEM. */
int lstmsent__tokenizer_next(lstmsent__tokenizer *t, size_t *bad);

/* ---- hashing -------------------------------------------------------------------------- */

/* 64-bit FNV-1a. */
uint64_t lstmsent__fnv1a(const void *data, size_t len);

/* ---- files (tsv.c) ----------------------------------------------------------------- */

/* lstmsent_corpus_load_tsv on the file's bytes data[0, len) (need not end in NUL); path
 * names the input in messages. The TSV fuzz target calls it directly. */
lstmsent_status lstmsent__corpus_parse_tsv(lstmsent_corpus **out, const char *path,
                                           const char *data, size_t len,
                                           const lstmsent_corpus_options *opts);
/* Checks that every file reader shares: valid UTF-8 and no NUL byte (the library's strings
 * are NUL-terminated), reported as "path:line: ..." with LSTMSENT_ERR_UTF8. */
lstmsent_status lstmsent__check_text(const char *path, const char *data, size_t len);
/* Where the text s[start, len) ends once its blank lines at the end are dropped: just
 * before the '\n' of its last line that is not blank (start when all are blank). A line is
 * blank when it holds nothing but its line end: "\n", "\r\n", or at the end of the text
 * "\r" or nothing. Any other '\r' belongs to the line, so a reader that drops one '\r'
 * before each line end treats the last line as every other one. */
size_t lstmsent__text_end(const char *s, size_t start, size_t len);
/* data[0..*len) without a UTF-8 byte order mark at its start. */
const char *lstmsent__skip_bom(const char *data, size_t *len);

/* ---- a vocabulary from a list of words (corpus.c) ----------------------------------
 * A corpus with no phrases whose vocabulary is the words of s[0, len), one per line in id
 * order ("\n" or "\r\n"; blank lines at the end ignored), word counts 0: what
 * lstmsent_corpus_load_vocab reads from a file, and the model loader from a file's
 * metadata. s must be valid UTF-8 without NUL (lstmsent__check_text). Empty or duplicate
 * words and words holding white space fail with LSTMSENT_ERR_VOCAB, no words at all with
 * LSTMSENT_ERR_EMPTY; messages start with source. */
lstmsent_status lstmsent__corpus_from_words(lstmsent_corpus **out, const char *source,
                                           const char *s, size_t len);
/* Tokenise text[0, len) with t (whose buffer is reused) and map the words with the
 * corpus's vocabulary, unseen ones by policy: the ids of the first cap tokens go to ids,
 * *tokens gets the number of tokens and *unknown (may be NULL) how many were unseen.
 * Returns 0, LSTMSENT_ERR_UNKNOWN_WORD under LSTMSENT_UNKNOWN_ERROR (the word left in
 * t->tok), LSTMSENT_ERR_UTF8 (*bad the byte offset) or LSTMSENT_ERR_NOMEM, and records
 * no message: lstmsent_corpus_encode and the classifier word them. */
int lstmsent__corpus_encode_prefix(const lstmsent_corpus *corpus, lstmsent__tokenizer *t,
                                   const char *text, size_t len, lstmsent_unknown policy,
                                   int32_t *ids, size_t cap, size_t *tokens, size_t *unknown,
                                   size_t *bad);
/* Give a corpus another unknown-word policy (a vocabulary read from a model file gets the
 * one the file records); a valid lstmsent_unknown. */
void lstmsent__corpus_set_unknown(lstmsent_corpus *corpus, lstmsent_unknown unknown);

/* ---- building a corpus (corpus.c) ---------------------------------------------------
 * The phrases go in one by one, as a file is read; finish sorts the vocabulary (when the
 * corpus builds its own) and hands over the corpus. `source` names the input in messages:
 * the file's path, whose `where` is a line number, or NULL for phrases in memory, whose
 * `where` is an index. */

typedef struct lstmsent__builder lstmsent__builder;

/* rows_hint and ids_hint size the first allocations (an upper bound costs address space
 * only, as untouched pages are never mapped); the builder grows past them as needed. */
lstmsent_status lstmsent__builder_create(lstmsent__builder **out,
                                         const lstmsent_corpus_options *opts,
                                         const char *source, int labelled, size_t rows_hint,
                                         size_t ids_hint);
/* label is read only for a labelled corpus and must be 0..4 already. */
lstmsent_status lstmsent__builder_add(lstmsent__builder *b, const char *phrase, size_t len,
                                      int32_t label, int64_t phrase_id, int64_t sentence_id,
                                      size_t where);
/* Hands over the corpus and frees the builder, whatever the outcome. */
lstmsent_status lstmsent__builder_finish(lstmsent__builder *b, lstmsent_corpus **out);
void lstmsent__builder_free(lstmsent__builder *b);

#endif /* LSTMSENT_TEXT_H */
