/*
 * liblstmsent: the LSTM sentiment classifier of a well-known PyTorch tutorial
 * (Kaggle's movie-review phrases, five classes), as a C library.
 *
 * Objects, each an opaque handle:
 *   lstmsent_corpus   phrases from a TSV file or memory, tokenised as Python's
 *                     phrase.lower().split(), and the vocabulary built from them
 *   lstmsent_dataset  the padded (N, T) id matrix with lengths, labels and the
 *                     SentenceIds and PhraseIds of its rows
 *   lstmsent_sampler  the epochs of a training loop, cut into batches: the tutorial's
 *                     draw of n rows with replacement, or every row once (full epochs)
 *   lstmsent_model    SentimentRNN: embedding, LSTM, dropout, linear, sigmoid
 *   lstmsent_hidden   an LSTM state (h, c), each (num_layers, B, H)
 *   lstmsent_optim    Adam over a model's parameters
 *   lstmsent_classifier  a model with its vocabulary: raw text in, classes out
 * and files: lstmsent_model_save / _load (safetensors, PyTorch state_dict names, the
 * options and vocabulary in the metadata) and training checkpoints that resume bit for bit;
 * lstmsent_model_evaluate scores a model on a labelled dataset.
 *
 * A sampler gives two kinds of epoch:
 *   - the tutorial's: lstmsent_sampler_draw(s, 1000) draws 1000 rows with replacement and
 *     shuffles them, and next_batch(drop_last = 1) stops at the first partial batch
 *     (31 batches of 32);
 *   - full epochs: lstmsent_sampler_permute(s) gives every row once in a new random order,
 *     and next_batch(drop_last = 0) returns the last, partial batch as well, so that every
 *     row is trained on once per epoch.
 *
 * A training epoch, as in the tutorial (error checks left out):
 *
 *   lstmsent_corpus *corpus;  lstmsent_dataset *data;  lstmsent_sampler *s;
 *   lstmsent_model *net;  lstmsent_optim *adam;  lstmsent_hidden *h;
 *   lstmsent_model_options mo;  lstmsent_adam_options ao;
 *   lstmsent_corpus_load_tsv(&corpus, "train.tsv", NULL);
 *   lstmsent_dataset_create(&data, corpus, NULL);                // T = 30, right padding
 *   lstmsent_sampler_create(&s, data, 42);
 *   lstmsent_model_options_default(&mo, lstmsent_corpus_vocab_size(corpus));
 *   lstmsent_model_create(&net, &mo);
 *   lstmsent_adam_options_default(&ao);  ao.lr = 0.01;
 *   lstmsent_optim_create_adam(&adam, net, &ao);
 *
 *   int32_t ids[32 * 30], labels[32];  float out[32 * 5], loss, acc, norm;  size_t got;
 *   lstmsent_sampler_draw(s, 1000);                              // 1000 rows, with replacement
 *   lstmsent_model_init_hidden(net, 32, &h);                     // zero state
 *   while (lstmsent_sampler_next_batch(s, 32, 1, ids, 32 * 30, labels, 32, NULL, 0, &got)
 *              == LSTMSENT_OK && got == 32) {
 *       lstmsent_optim_zero_grad(adam, net);
 *       lstmsent_model_forward(net, ids, 32, 30, NULL, h, out, 32 * 5, h);
 *       lstmsent_model_loss(net, labels, 32, &loss, &acc);
 *       lstmsent_model_backward(net);
 *       lstmsent_model_clip_grad_norm(net, 5.0f, 0, &norm);
 *       lstmsent_optim_step(adam, net);
 *   }
 *
 * Full epochs instead, each scored on a dev set, then text classified (a zero state per
 * batch; lengths for a model with LSTMSENT_POOL_LAST_TOKEN):
 *
 *   lstmsent_corpus *dev;  lstmsent_dataset *dev_data;  lstmsent_corpus_options co;
 *   lstmsent_corpus_options_default(&co);  co.vocabulary = corpus;   // train's words
 *   lstmsent_corpus_load_tsv(&dev, "dev.tsv", &co);
 *   lstmsent_dataset_create(&dev_data, dev, NULL);                   // T = mo.seq_len = 30
 *   int32_t lengths[32];  lstmsent_eval_result r;
 *   for (int epoch = 0; epoch < 4; epoch++) {
 *       lstmsent_sampler_permute(s);                                 // every row once
 *       while (lstmsent_sampler_next_batch(s, 32, 0, ids, 32 * 30, labels, 32, lengths, 32,
 *                                          &got) == LSTMSENT_OK && got > 0) {  // last: < 32
 *           lstmsent_optim_zero_grad(adam, net);
 *           lstmsent_model_forward(net, ids, (int32_t)got, 30, lengths, NULL, out, 32 * 5,
 *                                  NULL);
 *           lstmsent_model_loss(net, labels, got, &loss, &acc);
 *           lstmsent_model_backward(net);
 *           lstmsent_model_clip_grad_norm(net, 5.0f, 0, &norm);
 *           lstmsent_optim_step(adam, net);
 *       }
 *       lstmsent_model_evaluate(net, dev_data, 0, &r);               // evaluation mode
 *       printf("dev %.3f, sentences %.3f\n", r.accuracy, r.sentence_accuracy);
 *   }
 *   lstmsent_model_save(net, corpus, "model.safetensors");           // with the vocabulary
 *
 *   lstmsent_classifier *clf;  int32_t label;  float probs[5];
 *   const char *text = "A gorgeous, witty, seductive movie.";
 *   lstmsent_classifier_load(&clf, "model.safetensors", NULL);  // or _create(&clf, net, corpus)
 *   lstmsent_classifier_predict(clf, &text, 1, &label, probs, 5);
 *
 * Errors: every call that can fail returns an lstmsent_status, 0 for success and a
 * negative code for failure. lstmsent_strerror() gives the code's text and
 * lstmsent_last_error() a detailed message for the last failure on the calling thread.
 * The library never prints, exits or aborts on bad input, and a call that fails leaves
 * its handles as they were. lstmsent_X_free(NULL) is a no-op.
 *
 * Threads: a handle may be used by one thread at a time; distinct handles may be used
 * from distinct threads at once. A const handle (a corpus or dataset after creation)
 * may be read from many threads at once.
 */
#ifndef LSTMSENT_LSTMSENT_H
#define LSTMSENT_LSTMSENT_H

#include <stddef.h>
#include <stdint.h>

#include "lstmsent/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(LSTMSENT_BUILDING)
#define LSTMSENT_API __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define LSTMSENT_API __attribute__((visibility("default")))
#else
#define LSTMSENT_API
#endif

/* ------------------------------------------------------------------------------------
 * Version and errors
 * ---------------------------------------------------------------------------------- */

/* LSTMSENT_VERSION_NUMBER of the library actually linked: major * 10000 + minor * 100 + patch. */
LSTMSENT_API unsigned lstmsent_version_number(void);
/* "MAJOR.MINOR.PATCH" of the library actually linked. */
LSTMSENT_API const char *lstmsent_version_string(void);

/* Values are fixed once released; new codes are only ever added at the end. */
typedef enum lstmsent_status {
    LSTMSENT_OK = 0,
    LSTMSENT_ERR_NOMEM = -1,          /* out of memory */
    LSTMSENT_ERR_NULL = -2,           /* a required pointer argument is NULL */
    LSTMSENT_ERR_INVALID = -3,        /* an argument or option is out of its range */
    LSTMSENT_ERR_IO = -4,             /* a file is missing, unreadable or unwritable */
    LSTMSENT_ERR_EMPTY = -5,          /* a file or input holds no data at all */
    LSTMSENT_ERR_HEADER = -6,         /* no header line, or a required column is missing */
    LSTMSENT_ERR_FIELDS = -7,         /* a row has too few or too many fields */
    LSTMSENT_ERR_LABEL = -8,          /* a label is not an integer in its range */
    LSTMSENT_ERR_UTF8 = -9,           /* text is not valid UTF-8 */
    LSTMSENT_ERR_UNKNOWN_WORD = -10,  /* a word is not in the vocabulary */
    LSTMSENT_ERR_VOCAB = -11,         /* a vocabulary file has an empty or duplicate word */
    LSTMSENT_ERR_SHAPE = -12,         /* sizes that must agree do not */
    LSTMSENT_ERR_BUFFER = -13,        /* a caller's buffer is too small or of the wrong size */
    LSTMSENT_ERR_TOKEN = -14,         /* a token id is negative or outside the embedding */
    LSTMSENT_ERR_STATE = -15,         /* calls out of order (backward before forward, ...) */
    LSTMSENT_ERR_NO_PARAM = -16,      /* no parameter of that name */
    LSTMSENT_ERR_NONFINITE = -17,     /* a NaN or infinity where finite numbers are required */
    LSTMSENT_ERR_MISMATCH = -18,      /* objects that do not belong together */
    LSTMSENT_ERR_FORMAT = -19,        /* a model file is malformed */
    LSTMSENT_ERR_MISSING_TENSOR = -20,/* a model file lacks a tensor the model needs */
    LSTMSENT_ERR_TENSOR_SHAPE = -21,  /* a model file's tensor has the wrong shape */
    LSTMSENT_ERR_TENSOR_DTYPE = -22,  /* a model file's tensor is not float32 (F32) */
    LSTMSENT_ERR_UNKNOWN_TENSOR = -23,/* a model file holds a tensor the model does not know */
    LSTMSENT_ERR_METADATA = -24,      /* a model file's metadata is missing or malformed */
    LSTMSENT_ERR_VERSION = -25,       /* a model file of another format or format version */
    LSTMSENT_ERR_DIGEST = -26,        /* a vocabulary does not match its recorded digest */
    LSTMSENT_ERR_CHECKSUM = -27       /* a model file's checksum does not match its contents */
} lstmsent_status;

/* A static text for a status code ("unknown status" for a value that is none). */
LSTMSENT_API const char *lstmsent_strerror(int status);

/* The detailed message of the last failed call on this thread, such as
 * "train.tsv:1234: Sentiment 'x' is not an integer 0..4"; "" when there was none.
 * Valid until the next call into the library on this thread. */
LSTMSENT_API const char *lstmsent_last_error(void);

/* ------------------------------------------------------------------------------------
 * Threads
 * ---------------------------------------------------------------------------------- */

/* How many threads a model's forward, backward and Adam step may use: a process-wide
 * setting that affects every model. The library splits its own work over n threads (the
 * caller's among them: the time loops by batch rows, large products by column blocks,
 * Adam by ranges) and sets OpenBLAS to one thread, so that the two never compete. Until
 * it is called, the library uses the calling thread only and OpenBLAS its own default.
 * n in 1..64; call it before training, not while another thread is inside the library.
 * Fails with LSTMSENT_ERR_INVALID for n outside 1..64, or for n > 1 with a BLAS that has
 * no thread control. Results are deterministic for a given n. */
LSTMSENT_API lstmsent_status lstmsent_set_threads(int n);
/* The thread count set by lstmsent_set_threads (1 before it is called). */
LSTMSENT_API int lstmsent_get_threads(void);

/* ------------------------------------------------------------------------------------
 * Corpus: phrases and the vocabulary (the tutorial's Corpus_Extr)
 * ---------------------------------------------------------------------------------- */

typedef struct lstmsent_corpus lstmsent_corpus;

/* What encoding does with a word that is not in the vocabulary. The tutorial has no
 * policy (Python raises KeyError); a corpus whose vocabulary is its own never meets one.
 * The word keeps its place in the phrase whatever the id (it counts in the length). */
typedef enum lstmsent_unknown {
    LSTMSENT_UNKNOWN_PAD = 0,    /* map it to 0, the padding id (vocab_to_int.get(w, 0)) */
    LSTMSENT_UNKNOWN_ID = 1,     /* map it to lstmsent_corpus_unknown_id() = vocab size + 1;
                                    a model then needs vocab size + 2 embedding rows */
    LSTMSENT_UNKNOWN_ERROR = 2   /* fail with LSTMSENT_ERR_UNKNOWN_WORD */
} lstmsent_unknown;

typedef struct lstmsent_corpus_options {
    /* NULL (default): build the vocabulary from these phrases, as Corpus_Extr does.
     * Otherwise: encode these phrases with a copy of that corpus's vocabulary (dev and
     * test data encoded with the training vocabulary). */
    const lstmsent_corpus *vocabulary;
    /* Default LSTMSENT_UNKNOWN_PAD. The corpus keeps it (lstmsent_corpus_unknown_policy):
     * a model file saved with this corpus as its vocabulary records it, and a classifier
     * encodes text by it. */
    lstmsent_unknown unknown;
    /* Building the vocabulary from these phrases (vocabulary NULL), leave out the words
     * seen fewer than min_count times; default 1 (keep every word: the tutorial's ids).
     * The kept words keep the tutorial's order (count descending, ties by first
     * appearance) and their full counts; every occurrence of a word left out, in these
     * phrases too, is encoded by the unknown-word policy (it keeps its place). Must be
     * >= 1; > 1 with LSTMSENT_UNKNOWN_ERROR is refused (LSTMSENT_ERR_INVALID); ignored
     * with a given vocabulary. */
    int64_t min_count;
} lstmsent_corpus_options;

LSTMSENT_API void lstmsent_corpus_options_default(lstmsent_corpus_options *opts);

/* Load a Kaggle-layout TSV file: a header line, tab-separated fields, columns found by
 * name (Phrase required; PhraseId, SentenceId and Sentiment when present; others are
 * ignored; every column named, no name twice, no control character in a name). UTF-8, "\n" or "\r\n" line ends, no quoting, no limit on a line's length.
 * Blank lines at the end are ignored; any other blank line is a row (an error unless
 * Phrase is the only column). Without PhraseId the phrase ids are the row numbers 1..n,
 * without SentenceId the sentence ids are 0. opts may be NULL for the defaults. Each bad
 * input has its own status, and the message names the file and line: docs/corpus.md.
 * Only a regular file is read: a directory, FIFO or pipe, character device or socket fails
 * at once with LSTMSENT_ERR_IO (never waiting for a writer), so /dev/stdin works when
 * standard input is redirected from a file and fails when it is a pipe. */
LSTMSENT_API lstmsent_status lstmsent_corpus_load_tsv(lstmsent_corpus **out, const char *path,
                                                      const lstmsent_corpus_options *opts);

/* Build from n >= 1 phrases in memory (NUL-terminated UTF-8). labels may be NULL
 * (unlabelled) or hold n values 0..4. Phrase and sentence ids are then 1..n and 0. */
LSTMSENT_API lstmsent_status lstmsent_corpus_create(lstmsent_corpus **out,
                                                    const char *const *phrases,
                                                    const int32_t *labels, size_t n,
                                                    const lstmsent_corpus_options *opts);

LSTMSENT_API void lstmsent_corpus_free(lstmsent_corpus *corpus);

/* The getters below answer 0 or NULL for a NULL corpus. */
/* Number of words; ids run 1..vocab_size, 0 is padding. */
LSTMSENT_API size_t lstmsent_corpus_vocab_size(const lstmsent_corpus *corpus);
/* vocab_size + 1: the id LSTMSENT_UNKNOWN_ID maps unseen words to. */
LSTMSENT_API int32_t lstmsent_corpus_unknown_id(const lstmsent_corpus *corpus);
LSTMSENT_API size_t lstmsent_corpus_phrase_count(const lstmsent_corpus *corpus);
/* 1 if the phrases carry labels (a Sentiment column), else 0. */
LSTMSENT_API int lstmsent_corpus_has_labels(const lstmsent_corpus *corpus);
/* The unknown-word policy the corpus was built with (its options' `unknown`); for a
 * vocabulary read by lstmsent_corpus_load_vocab LSTMSENT_UNKNOWN_PAD (a vocabulary file
 * holds words only), for one from lstmsent_model_load the policy the file records.
 * LSTMSENT_UNKNOWN_PAD for NULL. */
LSTMSENT_API lstmsent_unknown lstmsent_corpus_unknown_policy(const lstmsent_corpus *corpus);

/* The id of a word as it stands in the vocabulary (already lower-cased). */
LSTMSENT_API lstmsent_status lstmsent_corpus_word_id(const lstmsent_corpus *corpus,
                                                     const char *word, int32_t *id);
/* The word of id 1..vocab_size; *word stays valid while the corpus lives. */
LSTMSENT_API lstmsent_status lstmsent_corpus_word(const lstmsent_corpus *corpus, int32_t id,
                                                  const char **word);
/* How often the word of id 1..vocab_size occurs in the phrases the vocabulary was built
 * from (for a borrowed vocabulary: in the phrases of the corpus it came from). */
LSTMSENT_API lstmsent_status lstmsent_corpus_word_count(const lstmsent_corpus *corpus,
                                                        int32_t id, int64_t *count);

/* Phrase i's ids (its whole length, no padding); valid while the corpus lives. */
LSTMSENT_API lstmsent_status lstmsent_corpus_phrase_ids(const lstmsent_corpus *corpus, size_t i,
                                                        const int32_t **ids, size_t *len);
/* Arrays of phrase_count values, valid while the corpus lives. labels is NULL for an
 * unlabelled corpus. */
LSTMSENT_API const int32_t *lstmsent_corpus_labels(const lstmsent_corpus *corpus);
LSTMSENT_API const int64_t *lstmsent_corpus_sentence_ids(const lstmsent_corpus *corpus);
LSTMSENT_API const int64_t *lstmsent_corpus_phrase_ids_column(const lstmsent_corpus *corpus);

/* Tokenise text as Python's text.lower().split() and map the words to ids with this
 * corpus's vocabulary, unknown words by the given policy. Writes at most cap ids; *n gets
 * the number of tokens. A text with more than cap tokens fails with LSTMSENT_ERR_BUFFER
 * (and *n says how many are needed), so a call with cap = 0 asks for the size. */
LSTMSENT_API lstmsent_status lstmsent_corpus_encode(const lstmsent_corpus *corpus,
                                                    const char *text, lstmsent_unknown unknown,
                                                    int32_t *ids, size_t cap, size_t *n);

/* Save the vocabulary as UTF-8 text, one word per line in id order (line 1 is id 1). */
LSTMSENT_API lstmsent_status lstmsent_corpus_save_vocab(const lstmsent_corpus *corpus,
                                                        const char *path);
/* A corpus with no phrases whose vocabulary is read from a file written by
 * lstmsent_corpus_save_vocab (word counts are then 0). Empty or duplicate words, and words
 * holding white space, fail with LSTMSENT_ERR_VOCAB. Only a regular file is read, as for
 * lstmsent_corpus_load_tsv. */
LSTMSENT_API lstmsent_status lstmsent_corpus_load_vocab(lstmsent_corpus **out, const char *path);

/* ------------------------------------------------------------------------------------
 * Padded dataset (the tutorial's Pad_sequences and PhraseDataset)
 * ---------------------------------------------------------------------------------- */

typedef struct lstmsent_dataset lstmsent_dataset;

typedef enum lstmsent_padding {
    LSTMSENT_PAD_RIGHT = 0,      /* ids at the left, zeros after (the tutorial) */
    LSTMSENT_PAD_LEFT = 1        /* zeros first, ids at the right */
} lstmsent_padding;

typedef enum lstmsent_truncation {
    LSTMSENT_TRUNCATE_END = 0,   /* keep a long phrase's first T ids (the tutorial) */
    LSTMSENT_TRUNCATE_START = 1  /* keep its last T ids */
} lstmsent_truncation;

typedef struct lstmsent_dataset_options {
    int32_t seq_len;                  /* T, default 30; must be >= 1 */
    lstmsent_padding padding;         /* default LSTMSENT_PAD_RIGHT */
    lstmsent_truncation truncation;   /* default LSTMSENT_TRUNCATE_END */
} lstmsent_dataset_options;

LSTMSENT_API void lstmsent_dataset_options_default(lstmsent_dataset_options *opts);

/* The padded matrix of every phrase of the corpus; opts may be NULL for the defaults.
 * The dataset copies what it needs: the corpus may be freed afterwards. */
LSTMSENT_API lstmsent_status lstmsent_dataset_create(lstmsent_dataset **out,
                                                     const lstmsent_corpus *corpus,
                                                     const lstmsent_dataset_options *opts);
LSTMSENT_API void lstmsent_dataset_free(lstmsent_dataset *dataset);

LSTMSENT_API size_t lstmsent_dataset_rows(const lstmsent_dataset *dataset);
LSTMSENT_API int32_t lstmsent_dataset_seq_len(const lstmsent_dataset *dataset);
/* (N, T) row-major ids; valid while the dataset lives. */
LSTMSENT_API const int32_t *lstmsent_dataset_ids(const lstmsent_dataset *dataset);
/* (N) number of real (non-padding) ids in each row: min(phrase length, T). */
LSTMSENT_API const int32_t *lstmsent_dataset_lengths(const lstmsent_dataset *dataset);
/* (N) labels, or NULL for an unlabelled dataset. */
LSTMSENT_API const int32_t *lstmsent_dataset_labels(const lstmsent_dataset *dataset);
/* (N) each row's SentenceId and PhraseId, copied from the corpus (sentence ids are 0 when
 * it had no SentenceId column, phrase ids the row numbers 1..N when it had no PhraseId):
 * what lstmsent_model_evaluate reads to score whole sentences. NULL for an empty dataset
 * or a NULL one. */
LSTMSENT_API const int64_t *lstmsent_dataset_sentence_ids(const lstmsent_dataset *dataset);
LSTMSENT_API const int64_t *lstmsent_dataset_phrase_ids(const lstmsent_dataset *dataset);

/* ------------------------------------------------------------------------------------
 * Sampler: the training loop's rows and batches, from a seeded RNG of its own
 * ---------------------------------------------------------------------------------- */

typedef struct lstmsent_sampler lstmsent_sampler;

/* The sampler reads the dataset, which must outlive it. */
LSTMSENT_API lstmsent_status lstmsent_sampler_create(lstmsent_sampler **out,
                                                     const lstmsent_dataset *dataset,
                                                     uint64_t seed);
LSTMSENT_API void lstmsent_sampler_free(lstmsent_sampler *sampler);

/* An epoch is a list of row numbers that next_batch walks through in batches. There are
 * two ways to make one for training:
 *   - the tutorial's: lstmsent_sampler_draw(n) (rows with replacement, so some rows come
 *     twice and others not at all) walked with drop_last = 1 (its `break` at the first
 *     batch that is not full);
 *   - full epochs: lstmsent_sampler_permute (every row exactly once, in a new order each
 *     epoch) walked with drop_last = 0, so that the last, partial batch (N mod batch rows)
 *     is trained on too and every row counts once per epoch.
 * lstmsent_sampler_sequential (every row in order) serves evaluation; lstmsent_model_evaluate
 * reads a dataset in order itself. */

/* Start an epoch of n row numbers drawn uniformly from all rows with replacement, then
 * shuffled (the tutorial's np.random.choice + DataLoader(shuffle=True), except that the
 * last row can be drawn too). The rows depend only on the seed and the calls made on
 * this sampler. An empty dataset allows only n = 0. */
LSTMSENT_API lstmsent_status lstmsent_sampler_draw(lstmsent_sampler *sampler, size_t n);
/* Start an epoch of every row once, shuffled (a full epoch; walk it with drop_last = 0). */
LSTMSENT_API lstmsent_status lstmsent_sampler_permute(lstmsent_sampler *sampler);
/* Start an epoch of every row once, in order (evaluation). */
LSTMSENT_API lstmsent_status lstmsent_sampler_sequential(lstmsent_sampler *sampler);

/* Fill the next batch of `batch` rows: ids (batch, T) needs ids_cap >= batch * T, labels
 * (batch) and lengths (batch) may be NULL; each row keeps its own label. For an
 * unlabelled dataset labels must be NULL. *rows gets the number of rows filled: batch,
 * or 0 when the epoch is exhausted (or before the first epoch). With drop_last (the
 * tutorial's rule) a final partial batch is dropped; without it, it is returned with
 * *rows < batch, and a batch larger than the whole epoch fails with
 * LSTMSENT_ERR_INVALID (it could never come). Entries past *rows are left as they were; a
 * failed call consumes no rows. */
LSTMSENT_API lstmsent_status lstmsent_sampler_next_batch(lstmsent_sampler *sampler, size_t batch,
                                                         int drop_last,
                                                         int32_t *ids, size_t ids_cap,
                                                         int32_t *labels, size_t labels_cap,
                                                         int32_t *lengths, size_t lengths_cap,
                                                         size_t *rows);
/* The row numbers of the current epoch, in batch order; valid until the next draw. */
LSTMSENT_API const size_t *lstmsent_sampler_rows(const lstmsent_sampler *sampler, size_t *n);

/* ------------------------------------------------------------------------------------
 * Model: the tutorial's SentimentRNN
 * ---------------------------------------------------------------------------------- */

typedef struct lstmsent_model lstmsent_model;
typedef struct lstmsent_hidden lstmsent_hidden;

typedef enum lstmsent_head {
    LSTMSENT_HEAD_SIGMOID = 0,   /* outputs = sigmoid(fc(x)), loss = the tutorial's criterion
                                    (softmax cross-entropy of those, 1e-10 inside the log) */
    LSTMSENT_HEAD_LOGITS = 1     /* outputs = fc(x), loss = ordinary softmax cross-entropy */
} lstmsent_head;

typedef enum lstmsent_pooling {
    LSTMSENT_POOL_LAST_STEP = 0,  /* the output of time step T-1, padding or not (the tutorial) */
    LSTMSENT_POOL_LAST_TOKEN = 1  /* the output at each row's last real token, lengths[b] - 1
                                     (step 0 for an empty row); needs lengths in forward.
                                     As PyTorch's pack_padded_sequence, no step after a
                                     row's last token is computed (docs/model.md) */
} lstmsent_pooling;

typedef struct lstmsent_model_options {
    int64_t num_embeddings;   /* embedding rows; default vocab_size + 1 (row 0 = padding) */
    int32_t embed_dim;        /* E, default 400 */
    int32_t hidden_dim;       /* H, default 256 */
    int32_t num_layers;       /* L, default 2; any number >= 1 */
    int32_t output_size;      /* O, default 5 */
    float lstm_dropout;       /* on every LSTM layer's output but the last; default 0.5 */
    float output_dropout;     /* before the linear layer; default 0.3 */
    lstmsent_head head;       /* default LSTMSENT_HEAD_SIGMOID */
    lstmsent_pooling pooling; /* default LSTMSENT_POOL_LAST_STEP */
    int64_t padding_idx;      /* -1 (default, the tutorial): none; else that row starts and
                                 stays zero and gets no gradient (PyTorch's padding_idx) */
    uint64_t seed;            /* initialisation and dropout masks; default 0 */
    int32_t seq_len;          /* T, 1..4096, default 30 (the tutorial's Pad_sequences(.., 30)):
                                 the length text is padded or truncated to when the model
                                 classifies text (lstmsent_classifier_predict) and is
                                 evaluated (lstmsent_model_evaluate wants a dataset of this
                                 T), so a training program should give its dataset this T.
                                 lstmsent_model_forward takes its own seq_len. */
} lstmsent_model_options;

/* The tutorial's SentimentRNN(vocab_size + 1, 5, 400, 256, 2). */
LSTMSENT_API void lstmsent_model_options_default(lstmsent_model_options *opts, size_t vocab_size);

/* A model initialised with PyTorch's distributions from opts->seed: embedding N(0, 1),
 * LSTM U(-1/sqrt(H), 1/sqrt(H)), linear U(-1/sqrt(H), 1/sqrt(H)). Training mode. */
LSTMSENT_API lstmsent_status lstmsent_model_create(lstmsent_model **out,
                                                   const lstmsent_model_options *opts);
LSTMSENT_API void lstmsent_model_free(lstmsent_model *model);
LSTMSENT_API lstmsent_status lstmsent_model_get_options(const lstmsent_model *model,
                                                        lstmsent_model_options *opts);

/* Training mode (1, dropout on) or evaluation mode (0, dropout off, no backward). */
LSTMSENT_API lstmsent_status lstmsent_model_set_training(lstmsent_model *model, int training);
LSTMSENT_API int lstmsent_model_is_training(const lstmsent_model *model);

/* An LSTM state (h, c), each (num_layers, batch, hidden_dim), zero. */
LSTMSENT_API lstmsent_status lstmsent_hidden_create(lstmsent_hidden **out, int32_t num_layers,
                                                    int32_t batch, int32_t hidden_dim);
LSTMSENT_API void lstmsent_hidden_free(lstmsent_hidden *hidden);
/* Set h and c to zero again (init_hidden without a new allocation). */
LSTMSENT_API lstmsent_status lstmsent_hidden_zero(lstmsent_hidden *hidden);
LSTMSENT_API int32_t lstmsent_hidden_num_layers(const lstmsent_hidden *hidden);
LSTMSENT_API int32_t lstmsent_hidden_batch(const lstmsent_hidden *hidden);
LSTMSENT_API int32_t lstmsent_hidden_dim(const lstmsent_hidden *hidden);
/* (num_layers, batch, hidden_dim) row-major, writable; valid while the state lives. */
LSTMSENT_API float *lstmsent_hidden_h(lstmsent_hidden *hidden);
LSTMSENT_API float *lstmsent_hidden_c(lstmsent_hidden *hidden);

/* The tutorial's init_hidden(batch): a new zero state shaped for this model. */
LSTMSENT_API lstmsent_status lstmsent_model_init_hidden(const lstmsent_model *model,
                                                        int32_t batch, lstmsent_hidden **out);

/* outputs (batch, O), hidden_out = net(ids (batch, seq_len), hidden_in).
 * hidden_in NULL means a zero state; hidden_out may be NULL, or the same object as
 * hidden_in (the tutorial's h = net(x, h)[1]). The incoming state is a constant to
 * backward (the tutorial's each.data). lengths (batch) is read only with
 * LSTMSENT_POOL_LAST_TOKEN and may be NULL otherwise. hidden_out gets each row's state
 * at its pooled step: after step seq_len - 1 (LSTMSENT_POOL_LAST_STEP), or at its last
 * token (LSTMSENT_POOL_LAST_TOKEN, what PyTorch's LSTM returns for a packed sequence);
 * with last-token pooling nothing depends on the ids after a row's length. */
LSTMSENT_API lstmsent_status lstmsent_model_forward(lstmsent_model *model, const int32_t *ids,
                                                    int32_t batch, int32_t seq_len,
                                                    const int32_t *lengths,
                                                    const lstmsent_hidden *hidden_in,
                                                    float *outputs, size_t outputs_cap,
                                                    lstmsent_hidden *hidden_out);

/* The loss of the last forward's outputs against labels (batch) 0..O-1, mean over the
 * batch, and the batch accuracy (argmax == label). Either out-pointer may be NULL. */
LSTMSENT_API lstmsent_status lstmsent_model_loss(lstmsent_model *model, const int32_t *labels,
                                                 size_t batch, float *loss, float *accuracy);

/* Gradients of the last loss with respect to every parameter, through all time steps and
 * the dropout masks of the forward, ADDED to the gradient buffers (as PyTorch does).
 * Needs a training-mode forward followed by lstmsent_model_loss. */
LSTMSENT_API lstmsent_status lstmsent_model_backward(lstmsent_model *model);
LSTMSENT_API lstmsent_status lstmsent_model_zero_grad(lstmsent_model *model);

/* PyTorch's clip_grad_norm_: total = L2 norm over all gradients; if max_norm / (total +
 * 1e-6) < 1 every gradient is scaled by it. *total_norm (may be NULL) gets the norm before
 * clipping. With error_if_nonfinite a NaN or infinite norm fails with
 * LSTMSENT_ERR_NONFINITE and leaves the gradients unchanged. */
LSTMSENT_API lstmsent_status lstmsent_model_clip_grad_norm(lstmsent_model *model, float max_norm,
                                                           int error_if_nonfinite,
                                                           float *total_norm);

/* Parameters by PyTorch state_dict name: "embedding.weight" (V, E);
 * "lstm.weight_ih_l{k}" (4H, in), "lstm.weight_hh_l{k}" (4H, H), "lstm.bias_ih_l{k}" and
 * "lstm.bias_hh_l{k}" (4H), gates stacked i, f, g, o; "fc.weight" (O, H), "fc.bias" (O). */
LSTMSENT_API size_t lstmsent_model_param_count(const lstmsent_model *model);
/* Tensor i (0..param_count-1): its name (valid while the model lives), number of
 * dimensions (1 or 2), shape (shape[1] = 1 for one dimension) and number of floats.
 * Any out-pointer may be NULL. */
LSTMSENT_API lstmsent_status lstmsent_model_param_info(const lstmsent_model *model, size_t i,
                                                       const char **name, int32_t *ndim,
                                                       int64_t shape[2], size_t *numel);
/* Total number of floats over all parameters. */
LSTMSENT_API size_t lstmsent_model_num_floats(const lstmsent_model *model);
/* Copy a parameter or its gradient out of / into the model; len must equal its numel. */
LSTMSENT_API lstmsent_status lstmsent_model_get_param(const lstmsent_model *model,
                                                      const char *name, float *dst, size_t len);
LSTMSENT_API lstmsent_status lstmsent_model_set_param(lstmsent_model *model, const char *name,
                                                      const float *src, size_t len);
LSTMSENT_API lstmsent_status lstmsent_model_get_grad(const lstmsent_model *model,
                                                     const char *name, float *dst, size_t len);
LSTMSENT_API lstmsent_status lstmsent_model_set_grad(lstmsent_model *model, const char *name,
                                                     const float *src, size_t len);

/* ------------------------------------------------------------------------------------
 * Optimizer: Adam, as torch.optim.Adam
 * ---------------------------------------------------------------------------------- */

typedef struct lstmsent_optim lstmsent_optim;

typedef struct lstmsent_adam_options {
    /* Doubles, as PyTorch keeps them (Python floats); the update rounds them to float
     * where PyTorch does. */
    double lr;            /* default 0.001 (PyTorch's; the tutorial uses 0.01); > 0 */
    double beta1;         /* default 0.9, in [0, 1) */
    double beta2;         /* default 0.999, in [0, 1) */
    double eps;           /* default 1e-8, >= 0 */
    double weight_decay;  /* default 0: added to the gradient as weight_decay * param */
} lstmsent_adam_options;

LSTMSENT_API void lstmsent_adam_options_default(lstmsent_adam_options *opts);

/* Adam over every parameter of model (m, v and the step count per parameter, zero).
 * opts may be NULL for the defaults. The optimizer works only with that model. */
LSTMSENT_API lstmsent_status lstmsent_optim_create_adam(lstmsent_optim **out,
                                                        lstmsent_model *model,
                                                        const lstmsent_adam_options *opts);
LSTMSENT_API void lstmsent_optim_free(lstmsent_optim *optim);
/* One update of every parameter of model from its gradients (PyTorch's formula:
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)). */
LSTMSENT_API lstmsent_status lstmsent_optim_step(lstmsent_optim *optim, lstmsent_model *model);
/* optimizer.zero_grad(): zero the gradients of the optimizer's model. */
LSTMSENT_API lstmsent_status lstmsent_optim_zero_grad(lstmsent_optim *optim, lstmsent_model *model);
LSTMSENT_API int64_t lstmsent_optim_step_count(const lstmsent_optim *optim);
/* The learning rate of the next steps, for schedules (decay, warm-up): lr finite and > 0,
 * else LSTMSENT_ERR_INVALID and the rate unchanged. The other Adam options are fixed at
 * creation. A checkpoint stores the rate in force and lstmsent_checkpoint_load restores
 * it. */
LSTMSENT_API lstmsent_status lstmsent_optim_set_lr(lstmsent_optim *optim, double lr);
/* The learning rate in force (0 for NULL). */
LSTMSENT_API double lstmsent_optim_get_lr(const lstmsent_optim *optim);

/* ------------------------------------------------------------------------------------
 * Model files: safetensors models and training checkpoints (docs/model-files.md)
 * ---------------------------------------------------------------------------------- */

/* Save the model's parameters as a safetensors file: one F32 tensor per PyTorch state_dict
 * name (lstmsent_model_param_info), so PyTorch's load_state_dict takes it, and metadata
 * holding the format, the library version, every model option and, when vocab is not
 * NULL, that corpus's vocabulary (its words in id order, their count and an FNV-1a
 * digest), so that a loaded model encodes text as it was trained, and XXH3-64 checksums
 * of the header's contents and of the tensor data, which loading verifies. vocab needs
 * vocab_size + 1 or + 2 embedding rows (LSTMSENT_ERR_MISMATCH otherwise). The save is
 * atomic: a temporary file in the same directory, flushed, fsync'd and renamed over path;
 * a failed save (LSTMSENT_ERR_IO) leaves the previous file at path as it was. */
LSTMSENT_API lstmsent_status lstmsent_model_save(const lstmsent_model *model,
                                                 const lstmsent_corpus *vocab,
                                                 const char *path);

typedef struct lstmsent_load_options {
    int allow_unknown_tensors;  /* 0 (default): a tensor the model does not know fails with
                                   LSTMSENT_ERR_UNKNOWN_TENSOR; 1: it is ignored */
    int reject_nonfinite;       /* 0 (default): values are taken as they are; 1: a NaN or
                                   infinity fails with LSTMSENT_ERR_NONFINITE */
} lstmsent_load_options;

LSTMSENT_API void lstmsent_load_options_default(lstmsent_load_options *opts);

/* A new model (training mode) from a file written by lstmsent_model_save,
 * lstmsent_checkpoint_save or tests/torch_export.py. The options come from the metadata;
 * a file without this library's metadata (a bare state_dict) gets its sizes from the
 * tensors' shapes and the other options at their defaults (docs/model-files.md). Every
 * tensor the model needs must be there, F32, with its shape; each failure has its own
 * status and message. A file that carries checksums must match them
 * (LSTMSENT_ERR_CHECKSUM: the file is damaged); one without (a PyTorch export) loads
 * unchecked. Only a regular file is read. vocab_out (may be NULL) gets a corpus with the
 * file's vocabulary (no phrases), or NULL when the file holds none. opts may be NULL for
 * the defaults. On failure *out and *vocab_out are NULL and nothing is left allocated. */
LSTMSENT_API lstmsent_status lstmsent_model_load(lstmsent_model **out,
                                                 lstmsent_corpus **vocab_out,
                                                 const char *path,
                                                 const lstmsent_load_options *opts);

/* A training checkpoint: the model file (vocab may be NULL) plus Adam's moments and step
 * count, the dropout generator, the sampler's generator, epoch rows and position (sampler
 * may be NULL), and the caller's epoch and step counters. Atomic as lstmsent_model_save. */
LSTMSENT_API lstmsent_status lstmsent_checkpoint_save(const char *path,
                                                      const lstmsent_model *model,
                                                      const lstmsent_optim *optim,
                                                      const lstmsent_sampler *sampler,
                                                      const lstmsent_corpus *vocab,
                                                      int64_t epoch, int64_t step);

/* Restore a checkpoint INTO existing handles: model made with the same options (the seed
 * aside), optim made for that model with the same Adam betas, eps and weight decay (its
 * learning rate is replaced by the checkpoint's, which a schedule may have changed with
 * lstmsent_optim_set_lr), sampler (may be NULL: its state in the file is then ignored)
 * over a dataset of the same number of rows; otherwise LSTMSENT_ERR_MISMATCH. epoch and
 * step may be NULL. All or nothing: the file is checked whole, its checksums included,
 * before any handle changes, so a failed load leaves them as they were.
 * Training continued from here gives the same numbers, bit for bit, as the run that
 * saved it (same thread count; the LSTM state a loop carries between batches is the
 * caller's to save). */
LSTMSENT_API lstmsent_status lstmsent_checkpoint_load(const char *path, lstmsent_model *model,
                                                      lstmsent_optim *optim,
                                                      lstmsent_sampler *sampler,
                                                      int64_t *epoch, int64_t *step);

/* ------------------------------------------------------------------------------------
 * Evaluation: a model's loss and metrics over a labelled dataset
 * ---------------------------------------------------------------------------------- */

/* The most classes (output_size) lstmsent_model_evaluate reports on. */
#define LSTMSENT_MAX_CLASSES 16

/* Arrays are indexed by class 0..num_classes-1; entries past num_classes are 0. The
 * prediction of a row is the argmax of its outputs (the first of equal maxima, as
 * torch.argmax and lstmsent_model_loss's accuracy). */
typedef struct lstmsent_eval_result {
    int64_t phrases;            /* rows evaluated: every row of the dataset */
    int64_t sentences;          /* sentences scored: distinct nonzero SentenceIds */
    int32_t num_classes;        /* the model's output_size */
    double loss;                /* the model's loss (lstmsent_model_loss) averaged over all rows */
    double accuracy;            /* phrase level: the share of rows with argmax == label */
    double sentence_accuracy;   /* the same over the FIRST row, in dataset order, of each
                                   nonzero SentenceId: in Kaggle's layout the whole sentence
                                   (SST-5's root-level measure); NaN when sentences == 0 */
    double macro_f1;            /* the mean of f1[k] over the classes k that occur as a label
                                   or as a prediction (scikit-learn's f1_score(average=
                                   'macro', zero_division=0)) */
    double precision[LSTMSENT_MAX_CLASSES];  /* rows predicted k that are k; 0 when none is
                                                predicted k */
    double recall[LSTMSENT_MAX_CLASSES];     /* rows labelled k predicted k; 0 when none is
                                                labelled k */
    double f1[LSTMSENT_MAX_CLASSES];         /* 2PR / (P + R); 0 when P + R = 0 */
    int64_t support[LSTMSENT_MAX_CLASSES];   /* rows labelled k */
    int64_t confusion[LSTMSENT_MAX_CLASSES][LSTMSENT_MAX_CLASSES];  /* [label][prediction],
                                                                       rows */
    int64_t sentence_confusion[LSTMSENT_MAX_CLASSES][LSTMSENT_MAX_CLASSES];  /* the same over
                                                   the rows that score the sentences */
} lstmsent_eval_result;

/* Evaluate model on every row of data: evaluation-mode forwards (dropout off) from a zero
 * state in batches of `batch` rows (0: 256) of the dataset's ids and lengths, in dataset
 * order, and lstmsent_model_loss of each batch, weighted by its rows. The dataset's T must
 * be the model's seq_len option. The model's training/evaluation mode is restored before
 * the call returns, whatever the outcome, and its parameters never change; its last
 * forward is replaced (a backward after this call fails with LSTMSENT_ERR_STATE).
 * Uses the library's threads (lstmsent_set_threads) through the forward.
 * Fails, before any forward, with: LSTMSENT_ERR_INVALID when output_size exceeds
 * LSTMSENT_MAX_CLASSES or batch * T exceeds INT32_MAX; LSTMSENT_ERR_SHAPE when the
 * dataset's T is not the model's seq_len; LSTMSENT_ERR_EMPTY for a dataset of no rows;
 * LSTMSENT_ERR_LABEL for an unlabelled dataset or a label >= output_size;
 * LSTMSENT_ERR_TOKEN for an id outside the model's embedding (a dataset encoded with
 * another vocabulary). On failure *out is left untouched. */
LSTMSENT_API lstmsent_status lstmsent_model_evaluate(lstmsent_model *model,
                                                     const lstmsent_dataset *data,
                                                     size_t batch, lstmsent_eval_result *out);

/* ------------------------------------------------------------------------------------
 * Classifier: a model with its vocabulary, labelling raw text
 * ---------------------------------------------------------------------------------- */

/* Pairs a model with the vocabulary its ids come from, so that text goes in and classes
 * come out; the model itself knows no words. Text is encoded as the training corpus was:
 * text.lower().split(), each word's id in the vocabulary, an unseen word by the
 * vocabulary's own policy (lstmsent_corpus_unknown_policy), then padded on the right with
 * 0 or cut to the first seq_len tokens (the model's option; cutting is no error), as
 * lstmsent_dataset_create's defaults do. What the model then sees:
 *   - an empty text (or one of white space only) has no token: a row of padding only with
 *     length 0, exactly an empty phrase's row in a dataset. Under LSTMSENT_POOL_LAST_STEP
 *     the model reads it after seq_len padding steps, under LSTMSENT_POOL_LAST_TOKEN after
 *     one (step 0, the pooling rule for a zero-length row).
 *   - a text of unseen words only keeps one step per word: under LSTMSENT_UNKNOWN_PAD each
 *     is the padding id 0 (so "foo bar" is [0, 0, 0, ...] of length 2, not an empty row),
 *     under LSTMSENT_UNKNOWN_ID the unknown id, and LSTMSENT_UNKNOWN_ERROR refuses the
 *     call (LSTMSENT_ERR_UNKNOWN_WORD).
 * An ensemble: a classifier may hold several models (lstmsent_classifier_add_model,
 * lstmsent_classifier_load_ensemble), typically the same network trained from different
 * seeds. Each text is encoded once and read by every model; the classifier's
 * probabilities are the mean of the models' probabilities (each as predict defines them
 * below) and its label the argmax of that mean. K models cost K forwards.
 * Threads: one thread at a time per classifier, and not while another thread uses one of
 * its models (a model's workspace is shared); the forward itself uses the library's
 * threads (lstmsent_set_threads). */
typedef struct lstmsent_classifier lstmsent_classifier;

/* A classifier over model and vocab, which it borrows: both must outlive it. The vocabulary
 * must fit the model's embedding: vocab_size + 1 or + 2 rows, and + 2 when its policy is
 * LSTMSENT_UNKNOWN_ID (the unknown id must be a row), else LSTMSENT_ERR_MISMATCH. On
 * failure *out is NULL. */
LSTMSENT_API lstmsent_status lstmsent_classifier_create(lstmsent_classifier **out,
                                                        lstmsent_model *model,
                                                        const lstmsent_corpus *vocab);
/* A classifier from a model file saved with its vocabulary (lstmsent_model_save(model,
 * vocab, path)), owning both. Every check and status of lstmsent_model_load applies (a
 * vocabulary that does not give its digest: LSTMSENT_ERR_DIGEST, ...); a file without a
 * vocabulary fails with LSTMSENT_ERR_METADATA. opts may be NULL. On failure *out is NULL. */
LSTMSENT_API lstmsent_status lstmsent_classifier_load(lstmsent_classifier **out,
                                                      const char *path,
                                                      const lstmsent_load_options *opts);
/* Add model to the classifier's ensemble, borrowed as the first (it must outlive the
 * classifier). It must read what the first model reads: the same num_embeddings (so the
 * vocabulary fits it), output_size and seq_len (texts are encoded once, at one T), else
 * LSTMSENT_ERR_MISMATCH with a message naming the option; the other options (sizes,
 * head, pooling, dropout) may differ. A failed call leaves the classifier as it was. The
 * scratch for the averages is allocated by the next predict or evaluate. */
LSTMSENT_API lstmsent_status lstmsent_classifier_add_model(lstmsent_classifier *classifier,
                                                           lstmsent_model *model);
/* A classifier over the models of n >= 1 files (n = 0: LSTMSENT_ERR_INVALID), each saved
 * with its vocabulary, owning everything: paths[0] as lstmsent_classifier_load, then every
 * other file added as by lstmsent_classifier_add_model. Each file's vocabulary must be
 * that of the first (the same words with the same ids and the same unseen-word policy),
 * else LSTMSENT_ERR_MISMATCH naming the file; every status of lstmsent_classifier_load
 * applies to every file (a missing one: LSTMSENT_ERR_IO), and add_model's refusals come
 * with the file's name. lstmsent_classifier_load(out, path, opts) is this call with n = 1.
 * On failure *out is NULL and nothing is left allocated. */
LSTMSENT_API lstmsent_status lstmsent_classifier_load_ensemble(lstmsent_classifier **out,
                                                               const char *const *paths,
                                                               size_t n,
                                                               const lstmsent_load_options *opts);
LSTMSENT_API void lstmsent_classifier_free(lstmsent_classifier *classifier);

/* The first model and the vocabulary (borrowed or owned: valid while the classifier
 * lives), the number of classes O (the models' output_size) and the T texts are padded to
 * (their seq_len). NULL or 0 for a NULL classifier. */
LSTMSENT_API lstmsent_model *lstmsent_classifier_model(const lstmsent_classifier *classifier);
/* The number of models (1 until one is added; 0 for NULL) and model i in the order they
 * came (0 is lstmsent_classifier_model; NULL for i out of range). */
LSTMSENT_API size_t lstmsent_classifier_model_count(const lstmsent_classifier *classifier);
LSTMSENT_API lstmsent_model *lstmsent_classifier_model_at(const lstmsent_classifier *classifier,
                                                          size_t i);
LSTMSENT_API const lstmsent_corpus *lstmsent_classifier_vocab(
    const lstmsent_classifier *classifier);
LSTMSENT_API int32_t lstmsent_classifier_num_classes(const lstmsent_classifier *classifier);
LSTMSENT_API int32_t lstmsent_classifier_seq_len(const lstmsent_classifier *classifier);

/* Classify n NUL-terminated UTF-8 texts: each encoded as above, then evaluation-mode
 * forwards from a zero state in batches of up to 256 texts. A model's probabilities are
 * the softmax of its outputs: for LSTMSENT_HEAD_LOGITS the softmax of the logits, for
 * LSTMSENT_HEAD_SIGMOID the softmax of the sigmoid outputs, which is exactly the
 * distribution the tutorial's criterion scores. probs (n * O floats, row-major, may be
 * NULL; probs_cap is checked) get those of the one model, or their mean over the models
 * of an ensemble (computed in double); labels (n values, may be NULL) get each text's
 * class: the argmax of the one model's outputs, or of the mean probabilities (the first
 * of equal maxima). The outputs are those of lstmsent_model_forward on the encoded rows,
 * to float rounding (when every model pools with LSTMSENT_POOL_LAST_TOKEN the steps
 * after a batch's longest text, which cannot reach the result, are not run). The models'
 * modes are restored before the call returns; their last forwards are replaced. n = 0
 * does nothing. Every text is checked before the first forward
 * and nothing is written to labels or probs when one fails: a NULL text
 * (LSTMSENT_ERR_NULL), invalid UTF-8 (LSTMSENT_ERR_UTF8) and an unseen word under
 * LSTMSENT_UNKNOWN_ERROR (LSTMSENT_ERR_UNKNOWN_WORD), each message naming texts[i];
 * probs_cap < n * O is LSTMSENT_ERR_BUFFER. Only running out of memory
 * (LSTMSENT_ERR_NOMEM) can leave the arrays partly written. The classifier's scratch
 * grows to the largest batch seen and is kept, so repeated calls allocate nothing. */
LSTMSENT_API lstmsent_status lstmsent_classifier_predict(lstmsent_classifier *classifier,
                                                         const char *const *texts, size_t n,
                                                         int32_t *labels, float *probs,
                                                         size_t probs_cap);

/* The same answers for the rows of a dataset already encoded with the classifier's
 * vocabulary (labels need not be there), e.g. a Kaggle test file: forwards over the full
 * T in batches of `batch` rows (0: 256), in dataset order; labels (rows values) and probs
 * (rows * O floats) as lstmsent_classifier_predict, either may be NULL. A dataset made of
 * a text as a phrase gives that text's answer (to float rounding). Fails before any
 * forward, writing nothing: LSTMSENT_ERR_SHAPE when the dataset's T is not the models'
 * seq_len, LSTMSENT_ERR_TOKEN for an id outside the embedding, LSTMSENT_ERR_INVALID when
 * batch * T exceeds INT32_MAX, LSTMSENT_ERR_BUFFER when probs_cap < rows * O. A dataset
 * of no rows does nothing. Modes restored, last forwards replaced, as predict. */
LSTMSENT_API lstmsent_status lstmsent_classifier_predict_dataset(
    lstmsent_classifier *classifier, const lstmsent_dataset *data, size_t batch,
    int32_t *labels, float *probs, size_t probs_cap);

/* lstmsent_model_evaluate for the classifier's models together: the same batches, the
 * same metrics (computed by the same code) and the same refusals (checked against the
 * first model, whose seq_len, output_size and embedding every model shares), from the
 * classifier's answers: the prediction of a row is its predict label (for one model the
 * argmax of its outputs, so the counts are exactly lstmsent_model_evaluate's). The loss is
 * the mean over rows of -log(the mean probability of the row's label), in double. For one
 * model with LSTMSENT_HEAD_LOGITS that is its cross-entropy, lstmsent_model_evaluate's
 * loss to float rounding; with LSTMSENT_HEAD_SIGMOID it is the tutorial's criterion
 * without its 1e-10 inside the log: smaller by less than 1e-10 / p_min, where no
 * probability is below p_min = 1 / (1 + (O - 1) e) (1.2e-9 for O = 5). Every model's mode is restored and its parameters never
 * change; its last forward is replaced. On failure *out is left untouched. */
LSTMSENT_API lstmsent_status lstmsent_classifier_evaluate(lstmsent_classifier *classifier,
                                                          const lstmsent_dataset *data,
                                                          size_t batch,
                                                          lstmsent_eval_result *out);

/* How text is seen: *tokens (may be NULL) gets its number of tokens (all of them: compare
 * with lstmsent_classifier_seq_len to see a cut) and *unknown (may be NULL) how many are
 * not in the vocabulary, whatever the policy. LSTMSENT_ERR_UTF8 for invalid UTF-8. */
LSTMSENT_API lstmsent_status lstmsent_classifier_count_tokens(lstmsent_classifier *classifier,
                                                              const char *text, size_t *tokens,
                                                              size_t *unknown);

#ifdef __cplusplus
}
#endif

#endif /* LSTMSENT_LSTMSENT_H */
