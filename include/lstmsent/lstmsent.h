/**
 * @file lstmsent/lstmsent.h
 * @brief liblstmsent: the LSTM sentiment classifier of a well-known PyTorch tutorial
 * (Kaggle's movie-review phrases, five classes), as a C library.
 *
 * Objects, each an opaque handle:
 *   - lstmsent_corpus: phrases from a TSV file or memory, tokenised as Python's
 *     phrase.lower().split(), and the vocabulary built from them
 *   - lstmsent_dataset: the padded (N, T) id matrix with lengths, labels and the
 *     SentenceIds and PhraseIds of its rows
 *   - lstmsent_sampler: the epochs of a training loop, cut into batches: the tutorial's
 *     draw of n rows with replacement, or every row once (full epochs)
 *   - lstmsent_model: SentimentRNN: embedding, LSTM, dropout, linear, sigmoid
 *   - lstmsent_hidden: an LSTM state (h, c), each (num_layers, B, H)
 *   - lstmsent_optim: Adam over a model's parameters
 *   - lstmsent_classifier: a model with its vocabulary: raw text in, classes out
 *
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
 * @code{.c}
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
 * @endcode
 *
 * Full epochs instead, each scored on a dev set, then text classified (a zero state per
 * batch; lengths for a model with LSTMSENT_POOL_LAST_TOKEN):
 * @code{.c}
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
 * @endcode
 *
 * Errors: every call that can fail returns an lstmsent_status, 0 for success and a
 * negative code for failure. lstmsent_strerror() gives the code's text and
 * lstmsent_last_error() a detailed message for the last failure on the calling thread.
 * The library never prints, exits or aborts on bad input, and a call that fails leaves
 * its handles as they were. lstmsent_X_free(NULL) is a no-op.
 *
 * Ownership: a handle made by lstmsent_X_create or _load belongs to the caller, who frees
 * it with lstmsent_X_free. Objects that keep a pointer to another one borrow it, and say
 * so: a sampler its dataset, a classifier the model and vocabulary it was created with or
 * given; a borrowed object must outlive its borrower. Pointers a getter returns point into
 * the handle and live as long as it (each getter says so); nothing the library returns is
 * for the caller to free, except the handles.
 *
 * Threads: a handle may be used by one thread at a time; distinct handles may be used
 * from distinct threads at once. A const handle (a corpus or dataset after creation) may
 * be read from many threads at once. With lstmsent_set_threads(n) for n > 1 the library's
 * worker threads are one pool for the whole process, used by one call at a time: a call
 * that finds it busy with another thread's call runs its parts on its own thread, with
 * the same results (lstmsent_set_threads says more).
 */
#ifndef LSTMSENT_LSTMSENT_H
#define LSTMSENT_LSTMSENT_H

#include <stddef.h>
#include <stdint.h>

#include "lstmsent/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def LSTMSENT_API
 * @ingroup version
 * @brief Marks every function of the library's ABI: default visibility with GCC and
 * Clang (the library is built with hidden visibility, so only these are exported),
 * dllexport when building the library on Windows, nothing otherwise.
 */
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

/**
 * @defgroup version Version and errors
 * @brief The version of the library linked, the status codes and their messages.
 *
 * Every call that can fail returns an lstmsent_status: #LSTMSENT_OK (0) for success, a
 * negative code for failure. lstmsent_strerror() names a code; lstmsent_last_error()
 * gives the detailed message of the calling thread's last failure (the file, line, value
 * or argument at fault). Every call that returns a status clears that message first, so
 * after a success it is "". The library never prints, exits or aborts on bad input.
 * @{
 */

/**
 * @brief The version of the library actually linked, as one number.
 * @return #LSTMSENT_VERSION_NUMBER of the library actually linked: major * 10000 +
 *         minor * 100 + patch. Compare it with the #LSTMSENT_VERSION_NUMBER a program was
 *         compiled with to detect a library older than its headers.
 */
LSTMSENT_API unsigned lstmsent_version_number(void);
/**
 * @brief The version of the library actually linked, as text.
 * @return "MAJOR.MINOR.PATCH" of the library actually linked: a static string, never
 *         NULL, never to be freed.
 */
LSTMSENT_API const char *lstmsent_version_string(void);

/**
 * @brief The result of every call that can fail: 0 for success, a negative code for
 * failure.
 *
 * Values are fixed once released; new codes are only ever added at the end. Each call
 * lists the codes it can return; lstmsent_strerror() gives a code's text and
 * lstmsent_last_error() the detailed message of the failure.
 */
typedef enum lstmsent_status {
    LSTMSENT_OK = 0,                  /**< success */
    LSTMSENT_ERR_NOMEM = -1,          /**< out of memory */
    LSTMSENT_ERR_NULL = -2,           /**< a required pointer argument is NULL */
    LSTMSENT_ERR_INVALID = -3,        /**< an argument or option is out of its range */
    LSTMSENT_ERR_IO = -4,             /**< a file is missing, unreadable or unwritable */
    LSTMSENT_ERR_EMPTY = -5,          /**< a file or input holds no data at all */
    LSTMSENT_ERR_HEADER = -6,         /**< no header line, or a required column is missing */
    LSTMSENT_ERR_FIELDS = -7,         /**< a row has too few or too many fields */
    LSTMSENT_ERR_LABEL = -8,          /**< a label is not an integer in its range */
    LSTMSENT_ERR_UTF8 = -9,           /**< text is not valid UTF-8 */
    LSTMSENT_ERR_UNKNOWN_WORD = -10,  /**< a word is not in the vocabulary */
    LSTMSENT_ERR_VOCAB = -11,         /**< a vocabulary file has an empty or duplicate word */
    LSTMSENT_ERR_SHAPE = -12,         /**< sizes that must agree do not */
    LSTMSENT_ERR_BUFFER = -13,        /**< a caller's buffer is too small or of the wrong size */
    LSTMSENT_ERR_TOKEN = -14,         /**< a token id is negative or outside the embedding */
    LSTMSENT_ERR_STATE = -15,         /**< calls out of order (backward before forward, ...) */
    LSTMSENT_ERR_NO_PARAM = -16,      /**< no parameter of that name */
    LSTMSENT_ERR_NONFINITE = -17,     /**< a NaN or infinity where finite numbers are required */
    LSTMSENT_ERR_MISMATCH = -18,      /**< objects that do not belong together */
    LSTMSENT_ERR_FORMAT = -19,        /**< a model file is malformed */
    LSTMSENT_ERR_MISSING_TENSOR = -20,/**< a model file lacks a tensor the model needs */
    LSTMSENT_ERR_TENSOR_SHAPE = -21,  /**< a model file's tensor has the wrong shape */
    LSTMSENT_ERR_TENSOR_DTYPE = -22,  /**< a model file's tensor is not float32 (F32) */
    LSTMSENT_ERR_UNKNOWN_TENSOR = -23,/**< a model file holds a tensor the model does not know */
    LSTMSENT_ERR_METADATA = -24,      /**< a model file's metadata is missing or malformed */
    LSTMSENT_ERR_VERSION = -25,       /**< a model file of another format or format version */
    LSTMSENT_ERR_DIGEST = -26,        /**< a vocabulary does not match its recorded digest */
    LSTMSENT_ERR_CHECKSUM = -27       /**< a model file's checksum does not match its contents */
} lstmsent_status;

/**
 * @brief A static text for a status code.
 * @param[in] status an lstmsent_status value (an int, so that any value may be passed).
 * @return The code's text, such as "out of memory"; "unknown status" for a value that is
 *         none. A static string: never NULL, never to be freed, safe from any thread.
 */
LSTMSENT_API const char *lstmsent_strerror(int status);

/**
 * @brief The detailed message of the last failed call on this thread.
 *
 * Such as "train.tsv:1234: Sentiment 'x' is not an integer 0..4". Input quoted in a
 * message has its control bytes escaped. The message is cut at 1023 bytes; the status
 * code is never lost.
 * @return The message, or "" when the last call that returns a status succeeded (each
 *         such call clears it first) or there was none. The pointer is to a buffer of the
 *         calling thread's own: valid until the next call into the library on this
 *         thread, which may replace the text; never NULL, never to be freed. Other threads'
 *         failures never change it.
 */
LSTMSENT_API const char *lstmsent_last_error(void);

/** @} */

/* ------------------------------------------------------------------------------------
 * Threads
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup threads Threads
 * @brief The library's own worker threads, a process-wide setting.
 * @{
 */

/**
 * @brief How many threads a model's forward, backward and Adam step may use.
 *
 * A process-wide setting that affects every model. The library splits its own work over
 * n threads (the caller's among them: the time loops by batch rows, large products by
 * column blocks, Adam by ranges) and sets OpenBLAS to one thread, so that the two never
 * compete. Until it is called, the library uses the calling thread only and OpenBLAS its
 * own default. n in 1..64; call it before training, not while another thread is inside the
 * library. Results are deterministic for a given n. Workers, once started, are kept for
 * the life of the process; a smaller n leaves some idle.
 *
 * @par Threads
 * The calls that split their work over the workers are lstmsent_model_forward(),
 * lstmsent_model_backward(), lstmsent_optim_step(), and through the forward
 * lstmsent_model_evaluate(), lstmsent_classifier_predict(),
 * lstmsent_classifier_predict_dataset() and lstmsent_classifier_evaluate(). With n > 1
 * the workers are one pool that runs one call's parts at a time. Two application threads
 * may be inside these calls at once on distinct handles: the one that finds the pool busy
 * runs all its parts on its own thread, one after the other, and gets the same bits (each
 * part computes the same thing wherever it runs; tests/test_threads.c). With n = 1 every
 * call runs on its caller's thread alone.
 *
 * @param[in] n the number of threads, the caller's included: 1..64.
 * @retval LSTMSENT_OK the setting is in force.
 * @retval LSTMSENT_ERR_INVALID n is outside 1..64, or n > 1 with a BLAS that has no thread
 *         control (the build found no openblas_set_num_threads); the setting is unchanged.
 * @retval LSTMSENT_ERR_NOMEM a worker thread could not be started; the setting is
 *         unchanged (OpenBLAS is already at one thread, and workers already started are
 *         kept for a later call).
 */
LSTMSENT_API lstmsent_status lstmsent_set_threads(int n);
/**
 * @brief The thread count set by lstmsent_set_threads().
 * @return The count in force: 1 before lstmsent_set_threads() is first called.
 */
LSTMSENT_API int lstmsent_get_threads(void);

/** @} */

/* ------------------------------------------------------------------------------------
 * Corpus: phrases and the vocabulary (the tutorial's Corpus_Extr)
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup corpus Corpus
 * @brief Phrases and the vocabulary (the tutorial's Corpus_Extr).
 *
 * A corpus holds phrases as ids, their labels, SentenceIds and PhraseIds, and the
 * vocabulary the ids come from: words ordered by count, most frequent first, ties in
 * order of first appearance (the tutorial's sorted Counter), ids 1..vocab_size, 0 the
 * padding id. Text is tokenised as Python's text.lower().split() (full Unicode
 * lower-casing and white space). The rules for files, and every message, are in
 * docs/corpus.md.
 * @{
 */

/**
 * @brief Phrases, their ids and labels, and a vocabulary: an opaque handle.
 *
 * Made by lstmsent_corpus_load_tsv(), lstmsent_corpus_create() or
 * lstmsent_corpus_load_vocab() (a vocabulary with no phrases; lstmsent_model_load() and
 * the classifier make those too), freed by lstmsent_corpus_free().
 * @par Threads
 * A corpus never changes after it is made: every call on it but lstmsent_corpus_free()
 * takes it const, and any number of threads may use one corpus at once.
 */
typedef struct lstmsent_corpus lstmsent_corpus;

/**
 * @brief What encoding does with a word that is not in the vocabulary.
 *
 * The tutorial has no policy (Python raises KeyError); a corpus whose vocabulary is its
 * own never meets one. The word keeps its place in the phrase whatever the id (it counts
 * in the length).
 */
typedef enum lstmsent_unknown {
    LSTMSENT_UNKNOWN_PAD = 0,    /**< map it to 0, the padding id (vocab_to_int.get(w, 0)) */
    LSTMSENT_UNKNOWN_ID = 1,     /**< map it to lstmsent_corpus_unknown_id() = vocab size + 1;
                                    a model then needs vocab size + 2 embedding rows */
    LSTMSENT_UNKNOWN_ERROR = 2   /**< fail with #LSTMSENT_ERR_UNKNOWN_WORD */
} lstmsent_unknown;

/**
 * @brief How a corpus is built; fill with lstmsent_corpus_options_default() first, so that
 * fields added later keep their defaults.
 */
typedef struct lstmsent_corpus_options {
    /** NULL (default): build the vocabulary from these phrases, as Corpus_Extr does.
     * Otherwise: encode these phrases with a copy of that corpus's vocabulary (dev and
     * test data encoded with the training vocabulary). The copy is made during the call:
     * that corpus may be freed afterwards. */
    const lstmsent_corpus *vocabulary;
    /** Default #LSTMSENT_UNKNOWN_PAD. The corpus keeps it (lstmsent_corpus_unknown_policy()):
     * a model file saved with this corpus as its vocabulary records it, and a classifier
     * encodes text by it. */
    lstmsent_unknown unknown;
    /** Building the vocabulary from these phrases (vocabulary NULL), leave out the words
     * seen fewer than min_count times; default 1 (keep every word: the tutorial's ids).
     * The kept words keep the tutorial's order (count descending, ties by first
     * appearance) and their full counts; every occurrence of a word left out, in these
     * phrases too, is encoded by the unknown-word policy (it keeps its place). Must be
     * >= 1; > 1 with #LSTMSENT_UNKNOWN_ERROR is refused (#LSTMSENT_ERR_INVALID); ignored
     * with a given vocabulary. */
    int64_t min_count;
} lstmsent_corpus_options;

/**
 * @brief Fill opts with the defaults: vocabulary NULL, unknown #LSTMSENT_UNKNOWN_PAD,
 * min_count 1.
 * @param[out] opts the options to fill; NULL does nothing.
 */
LSTMSENT_API void lstmsent_corpus_options_default(lstmsent_corpus_options *opts);

/**
 * @brief Load a Kaggle-layout TSV file of phrases.
 *
 * A header line, tab-separated fields, columns found by name (Phrase required; PhraseId,
 * SentenceId and Sentiment when present; others are ignored; every column named, no name
 * twice, no control character in a name). UTF-8 (a byte-order mark is skipped), `\n` or
 * `\r\n` line ends, no quoting, no limit on a line's length. Blank lines at the end are
 * ignored; any other blank line is a row (an error unless Phrase is the only column).
 * Without PhraseId the phrase ids are the row numbers 1..n, without SentenceId the
 * sentence ids are 0; Sentiment values must be integers 0..4, and a file without that
 * column gives an unlabelled corpus. Each bad input has its own status, and the message
 * names the file and line: docs/corpus.md. Only a regular file is read: a directory, FIFO
 * or pipe, character device or socket fails at once with #LSTMSENT_ERR_IO (never waiting
 * for a writer), so /dev/stdin works when standard input is redirected from a file and
 * fails when it is a pipe. The file is read whole into memory.
 *
 * @param[out] out the new corpus, the caller's to free with lstmsent_corpus_free(); not
 *             written when the call fails.
 * @param[in] path the file's path.
 * @param[in] opts how to build it; NULL for the defaults. opts->vocabulary, when given,
 *            is only read during the call.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or path is NULL.
 * @retval LSTMSENT_ERR_INVALID opts is out of range (an unknown-word policy that is none,
 *         min_count < 1, or min_count > 1 with #LSTMSENT_UNKNOWN_ERROR), or the phrases
 *         hold more than INT32_MAX - 1 distinct words.
 * @retval LSTMSENT_ERR_IO the file is missing, unreadable or not a regular file.
 * @retval LSTMSENT_ERR_EMPTY the file is empty (or blank lines only), or has no row after
 *         the header.
 * @retval LSTMSENT_ERR_UTF8 the file is not valid UTF-8, or holds a NUL byte.
 * @retval LSTMSENT_ERR_HEADER no Phrase column (no header line), two columns of one name,
 *         a column without a name or with a control character in it.
 * @retval LSTMSENT_ERR_FIELDS a row (a blank line included) has another number of fields
 *         than the header, or a PhraseId or SentenceId that is not an integer.
 * @retval LSTMSENT_ERR_LABEL a Sentiment that is not an integer 0..4.
 * @retval LSTMSENT_ERR_UNKNOWN_WORD a word not in opts->vocabulary under
 *         #LSTMSENT_UNKNOWN_ERROR.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_load_tsv(lstmsent_corpus **out, const char *path,
                                                      const lstmsent_corpus_options *opts);

/**
 * @brief Build a corpus from n >= 1 phrases in memory.
 *
 * Phrase and sentence ids are then 1..n and 0. The phrases and labels are only read
 * during the call: the corpus keeps copies of what it needs.
 *
 * @param[out] out the new corpus, the caller's to free with lstmsent_corpus_free(); not
 *             written when the call fails.
 * @param[in] phrases n NUL-terminated UTF-8 strings.
 * @param[in] labels NULL (unlabelled) or n values 0..4.
 * @param[in] n the number of phrases, at least 1.
 * @param[in] opts how to build it; NULL for the defaults.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out, phrases or one of phrases[i] is NULL.
 * @retval LSTMSENT_ERR_EMPTY n is 0.
 * @retval LSTMSENT_ERR_LABEL a label outside 0..4.
 * @retval LSTMSENT_ERR_INVALID opts is out of range (as for lstmsent_corpus_load_tsv()),
 *         or more than INT32_MAX - 1 distinct words.
 * @retval LSTMSENT_ERR_UTF8 a phrase is not valid UTF-8 (the message names phrases[i]).
 * @retval LSTMSENT_ERR_UNKNOWN_WORD a word not in opts->vocabulary under
 *         #LSTMSENT_UNKNOWN_ERROR.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_create(lstmsent_corpus **out,
                                                    const char *const *phrases,
                                                    const int32_t *labels, size_t n,
                                                    const lstmsent_corpus_options *opts);

/**
 * @brief Free a corpus and everything it holds.
 *
 * Every pointer its getters gave becomes invalid. A corpus may be freed while datasets
 * made from it, and corpora that copied its vocabulary, live on; not while a classifier
 * borrows it as its vocabulary.
 * @param[in] corpus the corpus; NULL does nothing.
 */
LSTMSENT_API void lstmsent_corpus_free(lstmsent_corpus *corpus);

/**
 * @brief The number of words of the vocabulary.
 * @param[in] corpus the corpus, or NULL.
 * @return Its number of words V (ids run 1..V, 0 is padding); 0 for NULL.
 */
LSTMSENT_API size_t lstmsent_corpus_vocab_size(const lstmsent_corpus *corpus);
/**
 * @brief The id #LSTMSENT_UNKNOWN_ID maps unseen words to.
 * @param[in] corpus the corpus, or NULL.
 * @return vocab_size + 1; 0 for NULL.
 */
LSTMSENT_API int32_t lstmsent_corpus_unknown_id(const lstmsent_corpus *corpus);
/**
 * @brief The number of phrases.
 * @param[in] corpus the corpus, or NULL.
 * @return Its number of phrases (0 for a vocabulary read from a file); 0 for NULL.
 */
LSTMSENT_API size_t lstmsent_corpus_phrase_count(const lstmsent_corpus *corpus);
/**
 * @brief Whether the phrases carry labels.
 * @param[in] corpus the corpus, or NULL.
 * @return 1 if the phrases carry labels (a Sentiment column, or labels given to
 *         lstmsent_corpus_create()), else 0; 0 for NULL.
 */
LSTMSENT_API int lstmsent_corpus_has_labels(const lstmsent_corpus *corpus);
/**
 * @brief The unknown-word policy the corpus was built with.
 * @param[in] corpus the corpus, or NULL.
 * @return Its options' `unknown`; for a vocabulary read by lstmsent_corpus_load_vocab()
 *         #LSTMSENT_UNKNOWN_PAD (a vocabulary file holds words only), for one from
 *         lstmsent_model_load() the policy the file records. #LSTMSENT_UNKNOWN_PAD for
 *         NULL.
 */
LSTMSENT_API lstmsent_unknown lstmsent_corpus_unknown_policy(const lstmsent_corpus *corpus);

/**
 * @brief The id of a word as it stands in the vocabulary.
 *
 * The word is compared byte for byte, not tokenised or lower-cased: give it as the
 * vocabulary holds it (already lower-cased).
 * @param[in] corpus the corpus.
 * @param[in] word a NUL-terminated word.
 * @param[out] id its id 1..vocab_size; not written when the call fails.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL corpus, word or id is NULL.
 * @retval LSTMSENT_ERR_UNKNOWN_WORD the word is not in the vocabulary.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_word_id(const lstmsent_corpus *corpus,
                                                     const char *word, int32_t *id);
/**
 * @brief The word of an id.
 * @param[in] corpus the corpus.
 * @param[in] id an id 1..vocab_size.
 * @param[out] word the word, NUL-terminated UTF-8, owned by the corpus: valid while the
 *             corpus lives; not written when the call fails.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL corpus or word is NULL.
 * @retval LSTMSENT_ERR_INVALID id is outside 1..vocab_size.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_word(const lstmsent_corpus *corpus, int32_t id,
                                                  const char **word);
/**
 * @brief How often the word of an id occurs in the phrases the vocabulary was built from.
 *
 * For a borrowed vocabulary (lstmsent_corpus_options.vocabulary): in the phrases of the
 * corpus it came from. A vocabulary read from a file (lstmsent_corpus_load_vocab(),
 * lstmsent_model_load()) has counts of 0.
 * @param[in] corpus the corpus.
 * @param[in] id an id 1..vocab_size.
 * @param[out] count the count; not written when the call fails.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL corpus or count is NULL.
 * @retval LSTMSENT_ERR_INVALID id is outside 1..vocab_size.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_word_count(const lstmsent_corpus *corpus,
                                                        int32_t id, int64_t *count);

/**
 * @brief Phrase i's ids: its whole length, no padding.
 *
 * Ids are 1..vocab_size, or an unseen word's id under the corpus's policy (0 or
 * lstmsent_corpus_unknown_id()).
 * @param[in] corpus the corpus.
 * @param[in] i the phrase, 0..phrase_count-1.
 * @param[out] ids the phrase's ids, owned by the corpus: valid while the corpus lives.
 * @param[out] len its number of ids (0 for an empty phrase).
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL corpus, ids or len is NULL.
 * @retval LSTMSENT_ERR_INVALID i is not a phrase of the corpus.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_phrase_ids(const lstmsent_corpus *corpus, size_t i,
                                                        const int32_t **ids, size_t *len);
/**
 * @brief The phrases' labels.
 * @param[in] corpus the corpus, or NULL.
 * @return phrase_count labels 0..4, owned by the corpus and valid while it lives; NULL for
 *         an unlabelled corpus and for NULL.
 */
LSTMSENT_API const int32_t *lstmsent_corpus_labels(const lstmsent_corpus *corpus);
/**
 * @brief The phrases' SentenceIds.
 * @param[in] corpus the corpus, or NULL.
 * @return phrase_count SentenceIds (0 when the file had no SentenceId column), owned by
 *         the corpus and valid while it lives; NULL for NULL.
 */
LSTMSENT_API const int64_t *lstmsent_corpus_sentence_ids(const lstmsent_corpus *corpus);
/**
 * @brief The phrases' PhraseIds.
 * @param[in] corpus the corpus, or NULL.
 * @return phrase_count PhraseIds (the row numbers 1..n when the file had no PhraseId
 *         column), owned by the corpus and valid while it lives; NULL for NULL.
 */
LSTMSENT_API const int64_t *lstmsent_corpus_phrase_ids_column(const lstmsent_corpus *corpus);

/**
 * @brief Tokenise a text and map its words to ids with this corpus's vocabulary.
 *
 * Tokenised as Python's text.lower().split(); unknown words by the given policy (not
 * necessarily the corpus's). Writes at most cap ids; *n gets the number of tokens. A text
 * with more than cap tokens fails with #LSTMSENT_ERR_BUFFER (and *n says how many are
 * needed, the first cap ids written), so a call with cap = 0 asks for the size.
 * @param[in] corpus the corpus whose vocabulary maps the words.
 * @param[in] text a NUL-terminated UTF-8 text.
 * @param[in] unknown what an unseen word becomes.
 * @param[out] ids room for cap ids; may be NULL when cap is 0.
 * @param[in] cap the number of ids ids holds.
 * @param[out] n the number of tokens of the text (also on #LSTMSENT_ERR_BUFFER).
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL corpus, text or n is NULL, or ids is NULL with cap > 0.
 * @retval LSTMSENT_ERR_INVALID unknown is no lstmsent_unknown value.
 * @retval LSTMSENT_ERR_UTF8 text is not valid UTF-8.
 * @retval LSTMSENT_ERR_UNKNOWN_WORD an unseen word under #LSTMSENT_UNKNOWN_ERROR.
 * @retval LSTMSENT_ERR_BUFFER the text has more than cap tokens.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_encode(const lstmsent_corpus *corpus,
                                                    const char *text, lstmsent_unknown unknown,
                                                    int32_t *ids, size_t cap, size_t *n);

/**
 * @brief Save the vocabulary as UTF-8 text, one word per line in id order (line 1 is id 1).
 *
 * The save is atomic, as lstmsent_model_save()'s: a temporary file in the same directory,
 * flushed, fsync'd and renamed over path; a failed save leaves the previous file at path
 * as it was and no temporary file.
 * @param[in] corpus the corpus whose vocabulary is saved.
 * @param[in] path the file to write (replaced when it exists).
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL corpus or path is NULL.
 * @retval LSTMSENT_ERR_IO the file cannot be created or written.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_save_vocab(const lstmsent_corpus *corpus,
                                                        const char *path);
/**
 * @brief A corpus with no phrases whose vocabulary is read from a file written by
 * lstmsent_corpus_save_vocab().
 *
 * Word counts are then 0 and the unknown-word policy #LSTMSENT_UNKNOWN_PAD. `\n` or
 * `\r\n` line ends; a byte-order mark is skipped and blank lines at the end are ignored.
 * Empty or duplicate words, and words holding white space, fail with
 * #LSTMSENT_ERR_VOCAB. Only a regular file is read, as for lstmsent_corpus_load_tsv().
 * @param[out] out the new corpus, the caller's to free with lstmsent_corpus_free(); not
 *             written when the call fails.
 * @param[in] path the file's path.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or path is NULL.
 * @retval LSTMSENT_ERR_IO the file is missing, unreadable or not a regular file.
 * @retval LSTMSENT_ERR_EMPTY the file holds no words.
 * @retval LSTMSENT_ERR_UTF8 the file is not valid UTF-8, or holds a NUL byte.
 * @retval LSTMSENT_ERR_VOCAB an empty line before the last word, a word holding white
 *         space, a duplicate word, or more than INT32_MAX - 1 words.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_corpus_load_vocab(lstmsent_corpus **out, const char *path);

/** @} */

/* ------------------------------------------------------------------------------------
 * Padded dataset (the tutorial's Pad_sequences and PhraseDataset)
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup dataset Dataset
 * @brief The padded id matrix of a corpus (the tutorial's Pad_sequences and
 * PhraseDataset).
 * @{
 */

/**
 * @brief The padded (N, T) ids of a corpus's phrases, with lengths, labels, SentenceIds
 * and PhraseIds: an opaque handle.
 *
 * Made by lstmsent_dataset_create(), freed by lstmsent_dataset_free().
 * @par Threads
 * A dataset never changes after it is made: any number of threads may read it at once,
 * several samplers among them.
 */
typedef struct lstmsent_dataset lstmsent_dataset;

/** @brief Where the padding of a short phrase goes. */
typedef enum lstmsent_padding {
    LSTMSENT_PAD_RIGHT = 0,      /**< ids at the left, zeros after (the tutorial) */
    LSTMSENT_PAD_LEFT = 1        /**< zeros first, ids at the right */
} lstmsent_padding;

/** @brief Which ids of a long phrase are kept. */
typedef enum lstmsent_truncation {
    LSTMSENT_TRUNCATE_END = 0,   /**< keep a long phrase's first T ids (the tutorial) */
    LSTMSENT_TRUNCATE_START = 1  /**< keep its last T ids */
} lstmsent_truncation;

/**
 * @brief How a dataset is made; fill with lstmsent_dataset_options_default() first.
 */
typedef struct lstmsent_dataset_options {
    int32_t seq_len;                  /**< T, default 30; must be >= 1 */
    lstmsent_padding padding;         /**< default #LSTMSENT_PAD_RIGHT */
    lstmsent_truncation truncation;   /**< default #LSTMSENT_TRUNCATE_END */
} lstmsent_dataset_options;

/**
 * @brief Fill opts with the defaults: seq_len 30, #LSTMSENT_PAD_RIGHT,
 * #LSTMSENT_TRUNCATE_END.
 * @param[out] opts the options to fill; NULL does nothing.
 */
LSTMSENT_API void lstmsent_dataset_options_default(lstmsent_dataset_options *opts);

/**
 * @brief The padded matrix of every phrase of the corpus.
 *
 * Row i is phrase i, padded with 0 or truncated to T ids. The dataset copies what it
 * needs: the corpus may be freed afterwards. A corpus of no phrases gives a dataset of
 * no rows.
 * @param[out] out the new dataset, the caller's to free with lstmsent_dataset_free(); not
 *             written when the call fails.
 * @param[in] corpus the corpus, only read during the call.
 * @param[in] opts how to pad; NULL for the defaults.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or corpus is NULL.
 * @retval LSTMSENT_ERR_INVALID seq_len < 1, or padding or truncation is none of its
 *         values.
 * @retval LSTMSENT_ERR_NOMEM out of memory (or N * T overflows).
 */
LSTMSENT_API lstmsent_status lstmsent_dataset_create(lstmsent_dataset **out,
                                                     const lstmsent_corpus *corpus,
                                                     const lstmsent_dataset_options *opts);
/**
 * @brief Free a dataset; every pointer its getters gave becomes invalid.
 *
 * Not while a sampler reads it.
 * @param[in] dataset the dataset; NULL does nothing.
 */
LSTMSENT_API void lstmsent_dataset_free(lstmsent_dataset *dataset);

/**
 * @brief The number of rows N.
 * @param[in] dataset the dataset, or NULL.
 * @return N, the corpus's phrase count; 0 for NULL.
 */
LSTMSENT_API size_t lstmsent_dataset_rows(const lstmsent_dataset *dataset);
/**
 * @brief The row length T.
 * @param[in] dataset the dataset, or NULL.
 * @return T, the options' seq_len; 0 for NULL.
 */
LSTMSENT_API int32_t lstmsent_dataset_seq_len(const lstmsent_dataset *dataset);
/**
 * @brief The ids.
 * @param[in] dataset the dataset, or NULL.
 * @return (N, T) row-major ids, owned by the dataset and valid while it lives; NULL for
 *         NULL.
 */
LSTMSENT_API const int32_t *lstmsent_dataset_ids(const lstmsent_dataset *dataset);
/**
 * @brief Each row's length.
 * @param[in] dataset the dataset, or NULL.
 * @return (N) the number of real (non-padding) ids in each row: min(phrase length, T);
 *         owned by the dataset and valid while it lives; NULL for NULL.
 */
LSTMSENT_API const int32_t *lstmsent_dataset_lengths(const lstmsent_dataset *dataset);
/**
 * @brief Each row's label.
 * @param[in] dataset the dataset, or NULL.
 * @return (N) labels, owned by the dataset and valid while it lives; NULL for an
 *         unlabelled dataset and for NULL.
 */
LSTMSENT_API const int32_t *lstmsent_dataset_labels(const lstmsent_dataset *dataset);
/**
 * @brief Each row's SentenceId, copied from the corpus.
 *
 * 0 when the corpus had no SentenceId column: what lstmsent_model_evaluate() reads to
 * score whole sentences.
 * @param[in] dataset the dataset, or NULL.
 * @return (N) SentenceIds, owned by the dataset and valid while it lives; NULL for an
 *         empty dataset and for NULL.
 */
LSTMSENT_API const int64_t *lstmsent_dataset_sentence_ids(const lstmsent_dataset *dataset);
/**
 * @brief Each row's PhraseId, copied from the corpus (the row numbers 1..N when it had no
 * PhraseId column).
 * @param[in] dataset the dataset, or NULL.
 * @return (N) PhraseIds, owned by the dataset and valid while it lives; NULL for an empty
 *         dataset and for NULL.
 */
LSTMSENT_API const int64_t *lstmsent_dataset_phrase_ids(const lstmsent_dataset *dataset);

/** @} */

/* ------------------------------------------------------------------------------------
 * Sampler: the training loop's rows and batches, from a seeded RNG of its own
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup sampler Sampler
 * @brief The training loop's rows and batches, from a seeded generator of its own.
 *
 * An epoch is a list of row numbers that lstmsent_sampler_next_batch() walks through in
 * batches. There are two ways to make one for training:
 *   - the tutorial's: lstmsent_sampler_draw(n) (rows with replacement, so some rows come
 *     twice and others not at all) walked with drop_last = 1 (its `break` at the first
 *     batch that is not full);
 *   - full epochs: lstmsent_sampler_permute() (every row exactly once, in a new order each
 *     epoch) walked with drop_last = 0, so that the last, partial batch (N mod batch rows)
 *     is trained on too and every row counts once per epoch.
 *
 * lstmsent_sampler_sequential() (every row in order) serves evaluation;
 * lstmsent_model_evaluate() reads a dataset in order itself.
 * @{
 */

/**
 * @brief The epochs of a training loop over one dataset: an opaque handle.
 *
 * Made by lstmsent_sampler_create(), freed by lstmsent_sampler_free(). It owns its random
 * generator (no global state) and its current epoch, and borrows its dataset.
 * @par Threads
 * One thread at a time per sampler; several samplers may read one dataset from several
 * threads at once.
 */
typedef struct lstmsent_sampler lstmsent_sampler;

/**
 * @brief A sampler over a dataset, its generator seeded with seed.
 *
 * It has no epoch yet: lstmsent_sampler_next_batch() gives 0 rows until
 * lstmsent_sampler_draw(), _permute() or _sequential() starts one.
 * @param[out] out the new sampler, the caller's to free with lstmsent_sampler_free(); not
 *             written when the call fails.
 * @param[in] dataset the dataset, borrowed: it must outlive the sampler.
 * @param[in] seed the generator's seed; the rows depend only on it and the calls made on
 *            this sampler.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or dataset is NULL.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_sampler_create(lstmsent_sampler **out,
                                                     const lstmsent_dataset *dataset,
                                                     uint64_t seed);
/**
 * @brief Free a sampler (not its dataset).
 * @param[in] sampler the sampler; NULL does nothing.
 */
LSTMSENT_API void lstmsent_sampler_free(lstmsent_sampler *sampler);

/**
 * @brief Start an epoch of n row numbers drawn uniformly from all rows with replacement,
 * then shuffled.
 *
 * The tutorial's np.random.choice + DataLoader(shuffle=True), except that the last row
 * can be drawn too. The rows depend only on the seed and the calls made on this sampler.
 * An empty dataset allows only n = 0. The new epoch replaces the current one (which stays
 * when the call fails).
 * @param[in,out] sampler the sampler.
 * @param[in] n the number of rows to draw.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL sampler is NULL.
 * @retval LSTMSENT_ERR_INVALID n > 0 rows asked of an empty dataset.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_sampler_draw(lstmsent_sampler *sampler, size_t n);
/**
 * @brief Start an epoch of every row once, shuffled (a full epoch; walk it with
 * drop_last = 0).
 * @param[in,out] sampler the sampler.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL sampler is NULL.
 * @retval LSTMSENT_ERR_NOMEM out of memory; the current epoch stays.
 */
LSTMSENT_API lstmsent_status lstmsent_sampler_permute(lstmsent_sampler *sampler);
/**
 * @brief Start an epoch of every row once, in order (evaluation); the generator is not
 * used.
 * @param[in,out] sampler the sampler.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL sampler is NULL.
 * @retval LSTMSENT_ERR_NOMEM out of memory; the current epoch stays.
 */
LSTMSENT_API lstmsent_status lstmsent_sampler_sequential(lstmsent_sampler *sampler);

/**
 * @brief Fill the next batch of `batch` rows of the current epoch.
 *
 * ids (batch, T) needs ids_cap >= batch * T, labels (batch) and lengths (batch) may be
 * NULL; each row keeps its own label. For an unlabelled dataset labels must be NULL.
 * *rows gets the number of rows filled: batch, or 0 when the epoch is exhausted (or
 * before the first epoch). With drop_last (the tutorial's rule) a final partial batch is
 * dropped (*rows is 0 and the epoch is over), and a batch larger than the whole epoch
 * fails with #LSTMSENT_ERR_INVALID (it could never come); without it, the final partial
 * batch is returned with *rows < batch (a batch larger than the epoch gives the whole
 * epoch). Entries past *rows are left as they were; a failed call consumes no rows.
 * @param[in,out] sampler the sampler.
 * @param[in] batch the rows of a full batch, >= 1.
 * @param[in] drop_last nonzero: drop a final partial batch, as the tutorial does.
 * @param[out] ids (batch, T) row-major ids.
 * @param[in] ids_cap the number of ids ids holds.
 * @param[out] labels (batch) labels, or NULL.
 * @param[in] labels_cap the number of values labels holds.
 * @param[out] lengths (batch) each row's length (lstmsent_dataset_lengths()), or NULL.
 * @param[in] lengths_cap the number of values lengths holds.
 * @param[out] rows the number of rows filled.
 * @retval LSTMSENT_OK success (also at the end of the epoch, with *rows = 0).
 * @retval LSTMSENT_ERR_NULL sampler, ids or rows is NULL.
 * @retval LSTMSENT_ERR_INVALID batch is 0; labels given for an unlabelled dataset;
 *         drop_last with a batch larger than the (non-empty) epoch.
 * @retval LSTMSENT_ERR_BUFFER ids_cap < batch * T, or labels or lengths given with a
 *         capacity below batch.
 */
LSTMSENT_API lstmsent_status lstmsent_sampler_next_batch(lstmsent_sampler *sampler, size_t batch,
                                                         int drop_last,
                                                         int32_t *ids, size_t ids_cap,
                                                         int32_t *labels, size_t labels_cap,
                                                         int32_t *lengths, size_t lengths_cap,
                                                         size_t *rows);
/**
 * @brief The row numbers of the current epoch, in batch order.
 * @param[in] sampler the sampler, or NULL.
 * @param[out] n the number of row numbers (0 before the first epoch and for NULL); may be
 *             NULL.
 * @return The row numbers, owned by the sampler: valid until the next
 *         lstmsent_sampler_draw(), _permute() or _sequential(), an
 *         lstmsent_checkpoint_load() into this sampler, or its free. NULL before the first
 *         epoch and for NULL.
 */
LSTMSENT_API const size_t *lstmsent_sampler_rows(const lstmsent_sampler *sampler, size_t *n);

/** @} */

/* ------------------------------------------------------------------------------------
 * Model: the tutorial's SentimentRNN
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup model Model
 * @brief The tutorial's SentimentRNN: forward, loss, backward, gradient clipping and the
 * parameters by PyTorch's state_dict names (docs/model.md).
 *
 * Letters: B batch rows, T time steps (seq_len), V embedding rows, E embedding size,
 * H hidden size, L layers, O classes (output_size).
 * @{
 */

/**
 * @brief The network, its parameters, gradients and the activations of its last forward:
 * an opaque handle.
 *
 * Made by lstmsent_model_create() or lstmsent_model_load(), freed by
 * lstmsent_model_free(). It knows ids, not words: a classifier pairs it with a
 * vocabulary.
 * @par Threads
 * One thread at a time per model, whatever the call: an evaluation-mode forward writes the
 * model's workspace, and lstmsent_model_save() and lstmsent_checkpoint_save(), which take
 * it const, write an internal counter. Distinct models may be used from distinct threads
 * at once as lstmsent_set_threads() allows.
 */
typedef struct lstmsent_model lstmsent_model;
/**
 * @brief An LSTM state (h, c), each (num_layers, batch, hidden_dim): an opaque handle.
 *
 * Made by lstmsent_hidden_create() or lstmsent_model_init_hidden(), freed by
 * lstmsent_hidden_free(); the caller's to carry from batch to batch (or not).
 * @par Threads
 * One thread at a time while it is written; a state only read (hidden_in) may be read by
 * several forwards at once.
 */
typedef struct lstmsent_hidden lstmsent_hidden;

/** @brief What the network outputs, and the loss it is trained with. */
typedef enum lstmsent_head {
    LSTMSENT_HEAD_SIGMOID = 0,   /**< outputs = sigmoid(fc(x)), loss = the tutorial's criterion
                                    (softmax cross-entropy of those, 1e-10 inside the log) */
    LSTMSENT_HEAD_LOGITS = 1     /**< outputs = fc(x), loss = ordinary softmax cross-entropy */
} lstmsent_head;

/** @brief Which time step's LSTM output is classified. */
typedef enum lstmsent_pooling {
    LSTMSENT_POOL_LAST_STEP = 0,  /**< the output of time step T-1, padding or not (the tutorial) */
    LSTMSENT_POOL_LAST_TOKEN = 1  /**< the output at each row's last real token, lengths[b] - 1
                                     (step 0 for an empty row); needs lengths in forward.
                                     As PyTorch's pack_padded_sequence, no step after a
                                     row's last token is computed (docs/model.md) */
} lstmsent_pooling;

/**
 * @brief The shape and behaviour of a model; fill with lstmsent_model_options_default()
 * first. lstmsent_model_create() checks every field.
 */
typedef struct lstmsent_model_options {
    int64_t num_embeddings;   /**< embedding rows V, 1..INT32_MAX; default vocab_size + 1
                                   (row 0 = padding) */
    int32_t embed_dim;        /**< E, default 400; 1..2^24 */
    int32_t hidden_dim;       /**< H, default 256; 1..2^24 */
    int32_t num_layers;       /**< L, default 2; any number 1..1000 */
    int32_t output_size;      /**< O, default 5; 1..2^24 */
    float lstm_dropout;       /**< on every LSTM layer's output but the last, in [0, 1];
                                   default 0.5 */
    float output_dropout;     /**< before the linear layer, in [0, 1]; default 0.3 */
    lstmsent_head head;       /**< default #LSTMSENT_HEAD_SIGMOID */
    lstmsent_pooling pooling; /**< default #LSTMSENT_POOL_LAST_STEP */
    int64_t padding_idx;      /**< -1 (default, the tutorial): none; else that row (0..V-1)
                                 starts and stays zero and gets no gradient (PyTorch's
                                 padding_idx) */
    uint64_t seed;            /**< initialisation and dropout masks; default 0 */
    int32_t seq_len;          /**< T, 1..4096, default 30 (the tutorial's Pad_sequences(.., 30)):
                                 the length text is padded or truncated to when the model
                                 classifies text (lstmsent_classifier_predict()) and is
                                 evaluated (lstmsent_model_evaluate() wants a dataset of this
                                 T), so a training program should give its dataset this T.
                                 lstmsent_model_forward() takes its own seq_len. */
} lstmsent_model_options;

/**
 * @brief Fill opts with the tutorial's SentimentRNN(vocab_size + 1, 5, 400, 256, 2).
 *
 * num_embeddings vocab_size + 1, embed_dim 400, hidden_dim 256, num_layers 2,
 * output_size 5, dropouts 0.5 and 0.3, #LSTMSENT_HEAD_SIGMOID, #LSTMSENT_POOL_LAST_STEP,
 * padding_idx -1, seed 0, seq_len 30.
 * @param[out] opts the options to fill; NULL does nothing.
 * @param[in] vocab_size the vocabulary's size (lstmsent_corpus_vocab_size()).
 */
LSTMSENT_API void lstmsent_model_options_default(lstmsent_model_options *opts, size_t vocab_size);

/**
 * @brief A new model, initialised with PyTorch's distributions from opts->seed.
 *
 * Embedding N(0, 1), LSTM U(-1/sqrt(H), 1/sqrt(H)), linear U(-1/sqrt(H), 1/sqrt(H)); the
 * padding_idx row zero. Training mode, gradients zero.
 * @param[out] out the new model, the caller's to free with lstmsent_model_free(); set to
 *             NULL when the call fails.
 * @param[in] opts the options, copied.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or opts is NULL.
 * @retval LSTMSENT_ERR_INVALID a field of opts is outside its range (the message names
 *         it).
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_model_create(lstmsent_model **out,
                                                   const lstmsent_model_options *opts);
/**
 * @brief Free a model.
 *
 * Not while a classifier borrows it. An optimizer made for it may outlive it (it holds
 * no pointer to the model), but serves no other model.
 * @param[in] model the model; NULL does nothing.
 */
LSTMSENT_API void lstmsent_model_free(lstmsent_model *model);
/**
 * @brief The options the model was made with (for a loaded model, those the file gave).
 * @param[in] model the model.
 * @param[out] opts the options.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model or opts is NULL.
 */
LSTMSENT_API lstmsent_status lstmsent_model_get_options(const lstmsent_model *model,
                                                        lstmsent_model_options *opts);

/**
 * @brief Training mode (dropout on) or evaluation mode (dropout off, no backward).
 * @param[in,out] model the model.
 * @param[in] training nonzero for training mode, 0 for evaluation mode.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model is NULL.
 */
LSTMSENT_API lstmsent_status lstmsent_model_set_training(lstmsent_model *model, int training);
/**
 * @brief The model's mode.
 * @param[in] model the model, or NULL.
 * @return 1 in training mode, 0 in evaluation mode and for NULL.
 */
LSTMSENT_API int lstmsent_model_is_training(const lstmsent_model *model);

/**
 * @brief A zero LSTM state (h, c), each (num_layers, batch, hidden_dim).
 * @param[out] out the new state, the caller's to free with lstmsent_hidden_free(); set to
 *             NULL when the call fails.
 * @param[in] num_layers L, >= 1.
 * @param[in] batch B, >= 1.
 * @param[in] hidden_dim H, >= 1.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out is NULL.
 * @retval LSTMSENT_ERR_INVALID a size below 1.
 * @retval LSTMSENT_ERR_NOMEM out of memory (or the size overflows).
 */
LSTMSENT_API lstmsent_status lstmsent_hidden_create(lstmsent_hidden **out, int32_t num_layers,
                                                    int32_t batch, int32_t hidden_dim);
/**
 * @brief Free a state; the pointers of lstmsent_hidden_h() and _c() become invalid.
 * @param[in] hidden the state; NULL does nothing.
 */
LSTMSENT_API void lstmsent_hidden_free(lstmsent_hidden *hidden);
/**
 * @brief Set h and c to zero again (init_hidden without a new allocation).
 * @param[in,out] hidden the state.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL hidden is NULL.
 */
LSTMSENT_API lstmsent_status lstmsent_hidden_zero(lstmsent_hidden *hidden);
/**
 * @brief The state's L.
 * @param[in] hidden the state, or NULL.
 * @return num_layers; 0 for NULL.
 */
LSTMSENT_API int32_t lstmsent_hidden_num_layers(const lstmsent_hidden *hidden);
/**
 * @brief The state's B.
 * @param[in] hidden the state, or NULL.
 * @return batch; 0 for NULL.
 */
LSTMSENT_API int32_t lstmsent_hidden_batch(const lstmsent_hidden *hidden);
/**
 * @brief The state's H.
 * @param[in] hidden the state, or NULL.
 * @return hidden_dim; 0 for NULL.
 */
LSTMSENT_API int32_t lstmsent_hidden_dim(const lstmsent_hidden *hidden);
/**
 * @brief The hidden state h.
 * @param[in] hidden the state, or NULL.
 * @return (num_layers, batch, hidden_dim) row-major floats, writable, owned by the state:
 *         valid while it lives; NULL for NULL.
 */
LSTMSENT_API float *lstmsent_hidden_h(lstmsent_hidden *hidden);
/**
 * @brief The cell state c.
 * @param[in] hidden the state, or NULL.
 * @return (num_layers, batch, hidden_dim) row-major floats, writable, owned by the state:
 *         valid while it lives; NULL for NULL.
 */
LSTMSENT_API float *lstmsent_hidden_c(lstmsent_hidden *hidden);

/**
 * @brief The tutorial's init_hidden(batch): a new zero state shaped for this model.
 * @param[in] model the model (its num_layers and hidden_dim).
 * @param[in] batch B, >= 1.
 * @param[out] out the new state, the caller's to free with lstmsent_hidden_free(); set to
 *             NULL when the call fails.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or model is NULL.
 * @retval LSTMSENT_ERR_INVALID batch < 1.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_model_init_hidden(const lstmsent_model *model,
                                                        int32_t batch, lstmsent_hidden **out);

/**
 * @brief outputs (batch, O), hidden_out = net(ids (batch, seq_len), hidden_in).
 *
 * hidden_in NULL means a zero state; hidden_out may be NULL, or the same object as
 * hidden_in (the tutorial's h = net(x, h)[1]). The incoming state is a constant to
 * backward (the tutorial's each.data). lengths (batch) is read only with
 * #LSTMSENT_POOL_LAST_TOKEN and may be NULL otherwise. hidden_out gets each row's state
 * at its pooled step: after step seq_len - 1 (#LSTMSENT_POOL_LAST_STEP), or at its last
 * token (#LSTMSENT_POOL_LAST_TOKEN, what PyTorch's LSTM returns for a packed sequence);
 * with last-token pooling nothing depends on the ids after a row's length (they must
 * still be ids of the embedding). outputs are sigmoid(fc(x)) for #LSTMSENT_HEAD_SIGMOID
 * and the logits for #LSTMSENT_HEAD_LOGITS.
 *
 * In training mode the forward draws dropout masks and keeps the activations that
 * lstmsent_model_loss() and lstmsent_model_backward() need; in evaluation mode it keeps
 * packed weights between calls. Either way it replaces the last forward (and any loss of
 * it). Everything is checked before anything changes: a failed call leaves the last
 * forward as it was. The model's workspace grows to the largest (batch, seq_len) seen and
 * is kept. Uses the library's threads (lstmsent_set_threads()).
 * @param[in,out] model the model.
 * @param[in] ids (batch, seq_len) row-major ids, each 0..num_embeddings-1.
 * @param[in] batch B, >= 1.
 * @param[in] seq_len T, >= 1, with batch * seq_len <= INT_MAX.
 * @param[in] lengths (batch) each row's length, 0..seq_len, with #LSTMSENT_POOL_LAST_TOKEN;
 *            otherwise ignored and may be NULL.
 * @param[in] hidden_in the incoming state (num_layers, batch, hidden_dim), or NULL for
 *            zero.
 * @param[out] outputs (batch, O) row-major floats.
 * @param[in] outputs_cap the number of floats outputs holds, >= batch * O.
 * @param[out] hidden_out the state after the pooled step, or NULL; may be hidden_in.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model, ids or outputs is NULL, or lengths is NULL with
 *         #LSTMSENT_POOL_LAST_TOKEN.
 * @retval LSTMSENT_ERR_INVALID batch or seq_len < 1, batch * seq_len > INT_MAX, or a
 *         length outside 0..seq_len.
 * @retval LSTMSENT_ERR_BUFFER outputs_cap < batch * O.
 * @retval LSTMSENT_ERR_SHAPE hidden_in or hidden_out is not (num_layers, batch,
 *         hidden_dim).
 * @retval LSTMSENT_ERR_TOKEN an id outside the embedding.
 * @retval LSTMSENT_ERR_NOMEM out of memory for the workspace.
 */
LSTMSENT_API lstmsent_status lstmsent_model_forward(lstmsent_model *model, const int32_t *ids,
                                                    int32_t batch, int32_t seq_len,
                                                    const int32_t *lengths,
                                                    const lstmsent_hidden *hidden_in,
                                                    float *outputs, size_t outputs_cap,
                                                    lstmsent_hidden *hidden_out);

/**
 * @brief The loss of the last forward's outputs against labels, and the batch accuracy.
 *
 * The loss is the mean over the batch of the head's criterion (#LSTMSENT_HEAD_SIGMOID:
 * the tutorial's; #LSTMSENT_HEAD_LOGITS: softmax cross-entropy); the accuracy the share of
 * rows whose argmax (the first of equal maxima) is the label. Works after a forward in
 * either mode; after a training-mode forward it is what lstmsent_model_backward()
 * differentiates.
 * @param[in,out] model the model.
 * @param[in] labels (batch) labels 0..O-1.
 * @param[in] batch the last forward's batch.
 * @param[out] loss the mean loss, or NULL.
 * @param[out] accuracy the batch accuracy, or NULL.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model or labels is NULL.
 * @retval LSTMSENT_ERR_STATE no forward to take the loss of.
 * @retval LSTMSENT_ERR_SHAPE batch is not the last forward's.
 * @retval LSTMSENT_ERR_LABEL a label outside 0..O-1.
 */
LSTMSENT_API lstmsent_status lstmsent_model_loss(lstmsent_model *model, const int32_t *labels,
                                                 size_t batch, float *loss, float *accuracy);

/**
 * @brief Gradients of the last loss with respect to every parameter.
 *
 * Through all time steps and the dropout masks of the forward, ADDED to the gradient
 * buffers (as PyTorch does: zero them first). Needs a training-mode forward followed by
 * lstmsent_model_loss(); one backward per loss, as PyTorch frees its graph. Uses the
 * library's threads.
 * @param[in,out] model the model.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model is NULL.
 * @retval LSTMSENT_ERR_STATE no forward yet, the last forward ran in evaluation mode, or
 *         no loss since it (or its backward already ran).
 */
LSTMSENT_API lstmsent_status lstmsent_model_backward(lstmsent_model *model);
/**
 * @brief Set every gradient to zero (optimizer.zero_grad()).
 * @param[in,out] model the model.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model is NULL.
 */
LSTMSENT_API lstmsent_status lstmsent_model_zero_grad(lstmsent_model *model);

/**
 * @brief PyTorch's clip_grad_norm_.
 *
 * total = L2 norm over all gradients; if max_norm / (total + 1e-6) < 1 every gradient is
 * scaled by it. With error_if_nonfinite a NaN or infinite norm fails with
 * #LSTMSENT_ERR_NONFINITE and leaves the gradients unchanged; without it such a norm
 * leaves them unchanged too and is returned.
 * @param[in,out] model the model.
 * @param[in] max_norm the largest norm allowed, finite and >= 0.
 * @param[in] error_if_nonfinite nonzero: fail on a NaN or infinite norm.
 * @param[out] total_norm the norm before clipping, or NULL; not written when the call
 *             fails.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model is NULL.
 * @retval LSTMSENT_ERR_INVALID max_norm is negative, NaN or infinite.
 * @retval LSTMSENT_ERR_NONFINITE the norm is NaN or infinite, with error_if_nonfinite.
 */
LSTMSENT_API lstmsent_status lstmsent_model_clip_grad_norm(lstmsent_model *model, float max_norm,
                                                           int error_if_nonfinite,
                                                           float *total_norm);

/**
 * @brief The number of parameter tensors.
 *
 * Parameters go by PyTorch state_dict name, in state_dict order: "embedding.weight"
 * (V, E); for each layer k "lstm.weight_ih_l{k}" (4H, in), "lstm.weight_hh_l{k}" (4H, H),
 * "lstm.bias_ih_l{k}" and "lstm.bias_hh_l{k}" (4H), gates stacked i, f, g, o (in = E for
 * layer 0, H after); "fc.weight" (O, H), "fc.bias" (O).
 * @param[in] model the model, or NULL.
 * @return 1 + 4L + 2 tensors; 0 for NULL.
 */
LSTMSENT_API size_t lstmsent_model_param_count(const lstmsent_model *model);
/**
 * @brief Tensor i's name, number of dimensions, shape and number of floats.
 *
 * Any out-pointer may be NULL.
 * @param[in] model the model.
 * @param[in] i the tensor, 0..param_count-1.
 * @param[out] name its state_dict name, owned by the model: valid while it lives.
 * @param[out] ndim 1 or 2.
 * @param[out] shape its shape (shape[1] = 1 for one dimension).
 * @param[out] numel its number of floats.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model is NULL.
 * @retval LSTMSENT_ERR_INVALID i is not a tensor of the model.
 */
LSTMSENT_API lstmsent_status lstmsent_model_param_info(const lstmsent_model *model, size_t i,
                                                       const char **name, int32_t *ndim,
                                                       int64_t shape[2], size_t *numel);
/**
 * @brief The total number of floats over all parameters.
 * @param[in] model the model, or NULL.
 * @return The sum of every tensor's numel; 0 for NULL.
 */
LSTMSENT_API size_t lstmsent_model_num_floats(const lstmsent_model *model);
/**
 * @brief Copy a parameter out of the model.
 * @param[in] model the model.
 * @param[in] name the tensor's state_dict name.
 * @param[out] dst room for its numel floats, row-major.
 * @param[in] len the number of floats dst holds: exactly the tensor's numel.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model, name or dst is NULL.
 * @retval LSTMSENT_ERR_NO_PARAM no parameter of that name.
 * @retval LSTMSENT_ERR_BUFFER len is not the tensor's numel.
 */
LSTMSENT_API lstmsent_status lstmsent_model_get_param(const lstmsent_model *model,
                                                      const char *name, float *dst, size_t len);
/**
 * @brief Copy a parameter into the model.
 *
 * What is given is written as it is, the padding row included, as load_state_dict does.
 * @param[in,out] model the model.
 * @param[in] name the tensor's state_dict name.
 * @param[in] src its numel floats, row-major.
 * @param[in] len the number of floats of src: exactly the tensor's numel.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model, name or src is NULL.
 * @retval LSTMSENT_ERR_NO_PARAM no parameter of that name.
 * @retval LSTMSENT_ERR_BUFFER len is not the tensor's numel.
 */
LSTMSENT_API lstmsent_status lstmsent_model_set_param(lstmsent_model *model, const char *name,
                                                      const float *src, size_t len);
/**
 * @brief Copy a parameter's gradient out of the model.
 * @param[in] model the model.
 * @param[in] name the tensor's state_dict name.
 * @param[out] dst room for its numel floats, row-major.
 * @param[in] len the number of floats dst holds: exactly the tensor's numel.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model, name or dst is NULL.
 * @retval LSTMSENT_ERR_NO_PARAM no parameter of that name.
 * @retval LSTMSENT_ERR_BUFFER len is not the tensor's numel.
 */
LSTMSENT_API lstmsent_status lstmsent_model_get_grad(const lstmsent_model *model,
                                                     const char *name, float *dst, size_t len);
/**
 * @brief Copy a parameter's gradient into the model.
 * @param[in,out] model the model.
 * @param[in] name the tensor's state_dict name.
 * @param[in] src its numel floats, row-major.
 * @param[in] len the number of floats of src: exactly the tensor's numel.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model, name or src is NULL.
 * @retval LSTMSENT_ERR_NO_PARAM no parameter of that name.
 * @retval LSTMSENT_ERR_BUFFER len is not the tensor's numel.
 */
LSTMSENT_API lstmsent_status lstmsent_model_set_grad(lstmsent_model *model, const char *name,
                                                     const float *src, size_t len);

/** @} */

/* ------------------------------------------------------------------------------------
 * Optimizer: Adam, as torch.optim.Adam
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup optim Optimizer
 * @brief Adam, as torch.optim.Adam, over every parameter of one model.
 * @{
 */

/**
 * @brief Adam's moments and step count for the parameters of one model: an opaque handle.
 *
 * Made by lstmsent_optim_create_adam(), freed by lstmsent_optim_free(). It remembers which
 * model it was made for (not a pointer to it) and refuses any other.
 * @par Threads
 * One thread at a time, together with its model: its step and zero_grad write the model.
 */
typedef struct lstmsent_optim lstmsent_optim;

/**
 * @brief Adam's hyper-parameters; fill with lstmsent_adam_options_default() first.
 *
 * Doubles, as PyTorch keeps them (Python floats); the update rounds them to float where
 * PyTorch does.
 */
typedef struct lstmsent_adam_options {
    double lr;            /**< default 0.001 (PyTorch's; the tutorial uses 0.01); finite, > 0 */
    double beta1;         /**< default 0.9, in [0, 1) */
    double beta2;         /**< default 0.999, in [0, 1) */
    double eps;           /**< default 1e-8, finite, >= 0 */
    double weight_decay;  /**< default 0, finite, >= 0: added to the gradient as
                               weight_decay * param */
} lstmsent_adam_options;

/**
 * @brief Fill opts with PyTorch's defaults: lr 0.001, betas 0.9 and 0.999, eps 1e-8, no
 * weight decay.
 * @param[out] opts the options to fill; NULL does nothing.
 */
LSTMSENT_API void lstmsent_adam_options_default(lstmsent_adam_options *opts);

/**
 * @brief Adam over every parameter of model (m, v and the step count zero).
 *
 * The optimizer works only with that model: lstmsent_optim_step() and
 * lstmsent_optim_zero_grad() take it again and refuse another.
 * @param[out] out the new optimizer, the caller's to free with lstmsent_optim_free(); not
 *             written when the call fails.
 * @param[in] model the model it serves; not kept (only its identity).
 * @param[in] opts Adam's options, copied; NULL for the defaults.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or model is NULL.
 * @retval LSTMSENT_ERR_INVALID an option outside its range.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_optim_create_adam(lstmsent_optim **out,
                                                        lstmsent_model *model,
                                                        const lstmsent_adam_options *opts);
/**
 * @brief Free an optimizer (not its model).
 * @param[in] optim the optimizer; NULL does nothing.
 */
LSTMSENT_API void lstmsent_optim_free(lstmsent_optim *optim);
/**
 * @brief One update of every parameter of model from its gradients.
 *
 * PyTorch's formula: p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), with
 * weight decay added to the gradient first. Uses the library's threads; the result does
 * not depend on their number.
 * @param[in,out] optim the optimizer.
 * @param[in,out] model the model it was made for.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL optim or model is NULL.
 * @retval LSTMSENT_ERR_MISMATCH the optimizer was made for another model.
 */
LSTMSENT_API lstmsent_status lstmsent_optim_step(lstmsent_optim *optim, lstmsent_model *model);
/**
 * @brief optimizer.zero_grad(): zero the gradients of the optimizer's model.
 * @param[in] optim the optimizer.
 * @param[in,out] model the model it was made for.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL optim or model is NULL.
 * @retval LSTMSENT_ERR_MISMATCH the optimizer was made for another model.
 */
LSTMSENT_API lstmsent_status lstmsent_optim_zero_grad(lstmsent_optim *optim, lstmsent_model *model);
/**
 * @brief The number of steps taken.
 * @param[in] optim the optimizer, or NULL.
 * @return The steps taken (restored by lstmsent_checkpoint_load()); 0 for NULL.
 */
LSTMSENT_API int64_t lstmsent_optim_step_count(const lstmsent_optim *optim);
/**
 * @brief The learning rate of the next steps, for schedules (decay, warm-up).
 *
 * The other Adam options are fixed at creation. A checkpoint stores the rate in force and
 * lstmsent_checkpoint_load() restores it.
 * @param[in,out] optim the optimizer.
 * @param[in] lr the new rate, finite and > 0.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL optim is NULL.
 * @retval LSTMSENT_ERR_INVALID lr is not finite and > 0; the rate is unchanged.
 */
LSTMSENT_API lstmsent_status lstmsent_optim_set_lr(lstmsent_optim *optim, double lr);
/**
 * @brief The learning rate in force.
 * @param[in] optim the optimizer, or NULL.
 * @return The rate; 0 for NULL.
 */
LSTMSENT_API double lstmsent_optim_get_lr(const lstmsent_optim *optim);

/** @} */

/* ------------------------------------------------------------------------------------
 * Model files: safetensors models and training checkpoints (docs/model-files.md)
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup files Model files
 * @brief Safetensors models and training checkpoints (docs/model-files.md).
 *
 * Files are read whole and checked before anything is trusted; saves are atomic (a
 * temporary file in the same directory, fsync'd and renamed over the target).
 * @{
 */

/**
 * @brief Save the model's parameters as a safetensors file.
 *
 * One F32 tensor per PyTorch state_dict name (lstmsent_model_param_info()), so PyTorch's
 * load_state_dict takes it, and metadata holding the format, the library version, every
 * model option and, when vocab is not NULL, that corpus's vocabulary (its words in id
 * order, their count, its unknown-word policy and an FNV-1a digest), so that a loaded
 * model encodes text as it was trained, and XXH3-64 checksums of the header's contents and
 * of the tensor data, which loading verifies. vocab needs vocab_size + 1 or + 2 embedding
 * rows, + 2 when its policy is #LSTMSENT_UNKNOWN_ID (#LSTMSENT_ERR_MISMATCH otherwise).
 * The save is atomic: a temporary file in the same directory, flushed, fsync'd and renamed
 * over path; a failed save (#LSTMSENT_ERR_IO) leaves the previous file at path as it was,
 * except when only the final fsync of the directory fails: the new file is then in place
 * and the message says "saved, but syncing its directory failed".
 * @param[in] model the model (its parameters and options).
 * @param[in] vocab the vocabulary to record (the training corpus), or NULL for none; only
 *            read during the call.
 * @param[in] path the file to write.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model or path is NULL.
 * @retval LSTMSENT_ERR_EMPTY vocab has no words.
 * @retval LSTMSENT_ERR_MISMATCH vocab does not fit the model's embedding rows.
 * @retval LSTMSENT_ERR_IO the temporary file cannot be created, written, synced or renamed
 *         over path (or the directory synced).
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_model_save(const lstmsent_model *model,
                                                 const lstmsent_corpus *vocab,
                                                 const char *path);

/**
 * @brief What loading a model file accepts; fill with lstmsent_load_options_default()
 * first.
 */
typedef struct lstmsent_load_options {
    int allow_unknown_tensors;  /**< 0 (default): a tensor the model does not know fails with
                                   #LSTMSENT_ERR_UNKNOWN_TENSOR; 1: it is ignored */
    int reject_nonfinite;       /**< 0 (default): values are taken as they are; 1: a NaN or
                                   infinity fails with #LSTMSENT_ERR_NONFINITE */
} lstmsent_load_options;

/**
 * @brief Fill opts with the defaults: unknown tensors refused, values taken as they are.
 * @param[out] opts the options to fill; NULL does nothing.
 */
LSTMSENT_API void lstmsent_load_options_default(lstmsent_load_options *opts);

/**
 * @brief A new model (training mode) from a file written by lstmsent_model_save(),
 * lstmsent_checkpoint_save() or tests/torch_export.py.
 *
 * The options come from the metadata; a file without this library's metadata (a bare
 * state_dict) gets its sizes from the tensors' shapes and the other options at their
 * defaults (docs/model-files.md). Every tensor the model needs must be there, F32, with
 * its shape; each failure has its own status and message. A file that carries checksums
 * must match them (#LSTMSENT_ERR_CHECKSUM: the file is damaged); one without (a PyTorch
 * export) loads unchecked. Only a regular file is read, whole into memory.
 * @param[out] out the new model, the caller's to free with lstmsent_model_free(); set to
 *             NULL when the call fails.
 * @param[out] vocab_out NULL, or the place for a new corpus with the file's vocabulary
 *             (no phrases; the caller's to free with lstmsent_corpus_free()), or NULL when
 *             the file holds none; set to NULL when the call fails.
 * @param[in] path the file's path.
 * @param[in] opts what to accept; NULL for the defaults.
 * @retval LSTMSENT_OK success; nothing is left allocated on failure.
 * @retval LSTMSENT_ERR_NULL out or path is NULL.
 * @retval LSTMSENT_ERR_IO the file is missing, unreadable or not a regular file.
 * @retval LSTMSENT_ERR_FORMAT the file is not valid safetensors (docs/model-files.md lists
 *         every rule).
 * @retval LSTMSENT_ERR_VERSION a file of another lstmsent format, or of another version of
 *         this one.
 * @retval LSTMSENT_ERR_METADATA a metadata key missing or malformed, options that are not
 *         valid, a checksum key without its pair, or vocabulary keys without the vocabulary.
 * @retval LSTMSENT_ERR_MISSING_TENSOR a tensor the model needs is not there.
 * @retval LSTMSENT_ERR_TENSOR_SHAPE a tensor has the wrong shape.
 * @retval LSTMSENT_ERR_TENSOR_DTYPE a tensor is not F32.
 * @retval LSTMSENT_ERR_UNKNOWN_TENSOR a tensor the model does not know (unless
 *         allow_unknown_tensors).
 * @retval LSTMSENT_ERR_DIGEST the vocabulary does not match its recorded digest.
 * @retval LSTMSENT_ERR_VOCAB the vocabulary holds an empty, duplicate or white-space word,
 *         or not the number of words recorded.
 * @retval LSTMSENT_ERR_EMPTY the vocabulary holds no words.
 * @retval LSTMSENT_ERR_MISMATCH the vocabulary does not fit the embedding's rows.
 * @retval LSTMSENT_ERR_CHECKSUM the header or the tensor data does not match its checksum.
 * @retval LSTMSENT_ERR_NONFINITE a NaN or infinity, with reject_nonfinite.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_model_load(lstmsent_model **out,
                                                 lstmsent_corpus **vocab_out,
                                                 const char *path,
                                                 const lstmsent_load_options *opts);

/**
 * @brief Save a training checkpoint.
 *
 * The model file (vocab may be NULL) plus Adam's moments, step count and learning rate,
 * the dropout generator, the sampler's generator, epoch rows and position (sampler may be
 * NULL), and the caller's epoch and step counters. Atomic as lstmsent_model_save(). A
 * checkpoint also loads as a model (lstmsent_model_load()).
 * @param[in] path the file to write.
 * @param[in] model the model.
 * @param[in] optim the optimizer made for model.
 * @param[in] sampler the training sampler, or NULL to save none.
 * @param[in] vocab the vocabulary to record, or NULL.
 * @param[in] epoch the caller's epoch counter, saved as it is.
 * @param[in] step the caller's step counter, saved as it is.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL path, model or optim is NULL.
 * @retval LSTMSENT_ERR_MISMATCH optim was made for another model, or vocab does not fit
 *         the embedding's rows.
 * @retval LSTMSENT_ERR_EMPTY vocab has no words.
 * @retval LSTMSENT_ERR_IO the file cannot be written (as lstmsent_model_save()).
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_checkpoint_save(const char *path,
                                                      const lstmsent_model *model,
                                                      const lstmsent_optim *optim,
                                                      const lstmsent_sampler *sampler,
                                                      const lstmsent_corpus *vocab,
                                                      int64_t epoch, int64_t step);

/**
 * @brief Restore a checkpoint INTO existing handles.
 *
 * model made with the same options (the seed aside), optim made for that model with the
 * same Adam betas, eps and weight decay (its learning rate is replaced by the
 * checkpoint's, which a schedule may have changed with lstmsent_optim_set_lr()), sampler
 * (may be NULL: its state in the file is then ignored) over a dataset of the same number
 * of rows; otherwise #LSTMSENT_ERR_MISMATCH. epoch and step may be NULL. All or nothing:
 * the file is checked whole, its checksums included, before any handle changes, so a
 * failed load leaves them as they were. Restored: the parameters, Adam's moments, step
 * count and rate, the dropout generator, and the sampler's generator, epoch and position.
 * Not restored: the model's mode and gradients, and the vocabulary (lstmsent_model_load()
 * reads it). Training continued from here gives the same numbers, bit for bit, as the run
 * that saved it (same thread count; the LSTM state a loop carries between batches is the
 * caller's to save).
 * @param[in] path the checkpoint file.
 * @param[in,out] model the model to restore.
 * @param[in,out] optim the optimizer made for model.
 * @param[in,out] sampler the sampler to restore, or NULL.
 * @param[out] epoch the saved epoch counter, or NULL.
 * @param[out] step the saved step counter, or NULL.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL path, model or optim is NULL.
 * @retval LSTMSENT_ERR_IO the file is missing, unreadable or not a regular file.
 * @retval LSTMSENT_ERR_FORMAT the file is not valid safetensors.
 * @retval LSTMSENT_ERR_VERSION not a checkpoint (a model file, a foreign file), or of
 *         another format version.
 * @retval LSTMSENT_ERR_MISMATCH optim made for another model; model options, Adam options
 *         or the sampler's dataset rows other than the checkpoint's.
 * @retval LSTMSENT_ERR_METADATA a key missing or malformed (a sampler given to a
 *         checkpoint saved without one included).
 * @retval LSTMSENT_ERR_MISSING_TENSOR a parameter or moment tensor is not there.
 * @retval LSTMSENT_ERR_TENSOR_SHAPE a tensor has the wrong shape.
 * @retval LSTMSENT_ERR_TENSOR_DTYPE a tensor is not F32.
 * @retval LSTMSENT_ERR_UNKNOWN_TENSOR a tensor a checkpoint does not hold.
 * @retval LSTMSENT_ERR_DIGEST the vocabulary does not match its recorded digest.
 * @retval LSTMSENT_ERR_VOCAB a malformed vocabulary.
 * @retval LSTMSENT_ERR_EMPTY the vocabulary holds no words.
 * @retval LSTMSENT_ERR_CHECKSUM the file does not match its checksums.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_checkpoint_load(const char *path, lstmsent_model *model,
                                                      lstmsent_optim *optim,
                                                      lstmsent_sampler *sampler,
                                                      int64_t *epoch, int64_t *step);

/** @} */

/* ------------------------------------------------------------------------------------
 * Evaluation: a model's loss and metrics over a labelled dataset
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup evaluation Evaluation
 * @brief A model's loss and metrics over a labelled dataset.
 * @{
 */

/** @brief The most classes (output_size) lstmsent_model_evaluate() reports on. */
#define LSTMSENT_MAX_CLASSES 16

/**
 * @brief The metrics of an evaluation (lstmsent_model_evaluate(),
 * lstmsent_classifier_evaluate()).
 *
 * Arrays are indexed by class 0..num_classes-1; entries past num_classes are 0. The
 * prediction of a row is the argmax of its outputs (the first of equal maxima, as
 * torch.argmax and lstmsent_model_loss()'s accuracy). A plain struct the caller owns
 * (about 4.7 KB).
 */
typedef struct lstmsent_eval_result {
    int64_t phrases;            /**< rows evaluated: every row of the dataset */
    int64_t sentences;          /**< sentences scored: distinct nonzero SentenceIds */
    int32_t num_classes;        /**< the model's output_size */
    double loss;                /**< the model's loss (lstmsent_model_loss()) averaged over all
                                     rows */
    double accuracy;            /**< phrase level: the share of rows with argmax == label */
    double sentence_accuracy;   /**< the same over the FIRST row, in dataset order, of each
                                   nonzero SentenceId: in Kaggle's layout the whole sentence
                                   (SST-5's root-level measure); NaN when sentences == 0 */
    double macro_f1;            /**< the mean of f1[k] over the classes k that occur as a label
                                   or as a prediction (scikit-learn's f1_score(average=
                                   'macro', zero_division=0)) */
    double precision[LSTMSENT_MAX_CLASSES];  /**< rows predicted k that are k; 0 when none is
                                                predicted k */
    double recall[LSTMSENT_MAX_CLASSES];     /**< rows labelled k predicted k; 0 when none is
                                                labelled k */
    double f1[LSTMSENT_MAX_CLASSES];         /**< 2PR / (P + R); 0 when P + R = 0 */
    int64_t support[LSTMSENT_MAX_CLASSES];   /**< rows labelled k */
    int64_t confusion[LSTMSENT_MAX_CLASSES][LSTMSENT_MAX_CLASSES];  /**< [label][prediction],
                                                                       rows */
    int64_t sentence_confusion[LSTMSENT_MAX_CLASSES][LSTMSENT_MAX_CLASSES];  /**< the same over
                                                   the rows that score the sentences */
} lstmsent_eval_result;

/**
 * @brief Evaluate model on every row of data.
 *
 * Evaluation-mode forwards (dropout off) from a zero state in batches of `batch` rows
 * (0: 256; more than the dataset has: all of them) of the dataset's ids and lengths, in
 * dataset order, and lstmsent_model_loss() of each batch, weighted by its rows. The
 * dataset's T must be the model's seq_len option. The model's training/evaluation mode is
 * restored before the call returns, whatever the outcome, and its parameters never
 * change; its last forward is replaced (a backward after this call fails with
 * #LSTMSENT_ERR_STATE). Uses the library's threads (lstmsent_set_threads()) through the
 * forward. Everything is checked before the first forward.
 * @param[in,out] model the model (its mode is restored, its last forward replaced).
 * @param[in] data a labelled dataset of T = the model's seq_len, encoded with the model's
 *            vocabulary.
 * @param[in] batch rows per forward; 0 for 256. The metrics do not depend on it.
 * @param[out] out the metrics; left untouched when the call fails.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL model, data or out is NULL.
 * @retval LSTMSENT_ERR_INVALID output_size exceeds #LSTMSENT_MAX_CLASSES, or batch * T
 *         exceeds INT32_MAX.
 * @retval LSTMSENT_ERR_SHAPE the dataset's T is not the model's seq_len.
 * @retval LSTMSENT_ERR_EMPTY a dataset of no rows.
 * @retval LSTMSENT_ERR_LABEL an unlabelled dataset, or a label >= output_size.
 * @retval LSTMSENT_ERR_TOKEN an id outside the model's embedding (a dataset encoded with
 *         another vocabulary).
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_model_evaluate(lstmsent_model *model,
                                                     const lstmsent_dataset *data,
                                                     size_t batch, lstmsent_eval_result *out);

/** @} */

/* ------------------------------------------------------------------------------------
 * Classifier: a model with its vocabulary, labelling raw text
 * ---------------------------------------------------------------------------------- */

/**
 * @defgroup classifier Classifier
 * @brief A model with its vocabulary, labelling raw text (docs/classify.md).
 * @{
 */

/**
 * @brief A model (or an ensemble of models) with the vocabulary its ids come from: text
 * goes in, classes come out. An opaque handle.
 *
 * Made by lstmsent_classifier_create() (borrowing a model and a vocabulary),
 * lstmsent_classifier_load() or lstmsent_classifier_load_ensemble() (owning what they
 * load), freed by lstmsent_classifier_free(). The model itself knows no words.
 *
 * Text is encoded as the training corpus was: text.lower().split(), each word's id in the
 * vocabulary, an unseen word by the vocabulary's own policy
 * (lstmsent_corpus_unknown_policy()), then padded on the right with 0 or cut to the first
 * seq_len tokens (the model's option; cutting is no error), as lstmsent_dataset_create()'s
 * defaults do. What the model then sees:
 *   - an empty text (or one of white space only) has no token: a row of padding only with
 *     length 0, exactly an empty phrase's row in a dataset. Under #LSTMSENT_POOL_LAST_STEP
 *     the model reads it after seq_len padding steps, under #LSTMSENT_POOL_LAST_TOKEN after
 *     one (step 0, the pooling rule for a zero-length row).
 *   - a text of unseen words only keeps one step per word: under #LSTMSENT_UNKNOWN_PAD each
 *     is the padding id 0 (so "foo bar" is [0, 0, 0, ...] of length 2, not an empty row),
 *     under #LSTMSENT_UNKNOWN_ID the unknown id, and #LSTMSENT_UNKNOWN_ERROR refuses the
 *     call (#LSTMSENT_ERR_UNKNOWN_WORD).
 *
 * An ensemble: a classifier may hold several models (lstmsent_classifier_add_model(),
 * lstmsent_classifier_load_ensemble()), typically the same network trained from different
 * seeds. Each text is encoded once and read by every model; the classifier's
 * probabilities are the mean of the models' probabilities (each as predict defines them)
 * and its label the argmax of that mean. K models cost K forwards.
 * @par Threads
 * One thread at a time per classifier, and not while another thread uses one of its
 * models (a model's workspace is shared); its vocabulary is only read. The forward itself
 * uses the library's threads (lstmsent_set_threads()).
 */
typedef struct lstmsent_classifier lstmsent_classifier;

/**
 * @brief A classifier over model and vocab, which it borrows.
 *
 * The vocabulary must fit the model's embedding: vocab_size + 1 or + 2 rows, and + 2 when
 * its policy is #LSTMSENT_UNKNOWN_ID (the unknown id must be a row).
 * @param[out] out the new classifier, the caller's to free with
 *             lstmsent_classifier_free(); set to NULL when the call fails.
 * @param[in] model the model, borrowed: it must outlive the classifier, which changes its
 *            mode during a call and restores it, and replaces its last forward.
 * @param[in] vocab the vocabulary (the training corpus, or one from lstmsent_model_load()
 *            or lstmsent_corpus_load_vocab()), borrowed: it must outlive the classifier.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out, model or vocab is NULL.
 * @retval LSTMSENT_ERR_MISMATCH the vocabulary does not fit the embedding.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_create(lstmsent_classifier **out,
                                                        lstmsent_model *model,
                                                        const lstmsent_corpus *vocab);
/**
 * @brief A classifier from a model file saved with its vocabulary
 * (lstmsent_model_save(model, vocab, path)), owning both.
 *
 * lstmsent_classifier_load(out, path, opts) is lstmsent_classifier_load_ensemble() with
 * n = 1.
 * @param[out] out the new classifier, the caller's to free with
 *             lstmsent_classifier_free(); set to NULL when the call fails.
 * @param[in] path the model file.
 * @param[in] opts what to accept, as for lstmsent_model_load(); NULL for the defaults.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out or path is NULL.
 * @retval LSTMSENT_ERR_METADATA the file holds no vocabulary (or any metadata failure of
 *         lstmsent_model_load()).
 * @retval other every status of lstmsent_model_load() (a missing file:
 *         #LSTMSENT_ERR_IO; a vocabulary that does not give its digest:
 *         #LSTMSENT_ERR_DIGEST; ...).
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_load(lstmsent_classifier **out,
                                                      const char *path,
                                                      const lstmsent_load_options *opts);
/**
 * @brief Add model to the classifier's ensemble, borrowed as the first.
 *
 * It must read what the first model reads: the same num_embeddings (so the vocabulary
 * fits it), output_size and seq_len (texts are encoded once, at one T), else
 * #LSTMSENT_ERR_MISMATCH with a message naming the option; the other options (sizes,
 * head, pooling, dropout) may differ. A failed call leaves the classifier as it was. The
 * scratch for the averages is allocated by the next predict or evaluate.
 * @param[in,out] classifier the classifier.
 * @param[in] model the model, borrowed (even by a classifier that owns its others): it
 *            must outlive the classifier.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL classifier or model is NULL.
 * @retval LSTMSENT_ERR_MISMATCH num_embeddings, output_size or seq_len differs from the
 *         first model's.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_add_model(lstmsent_classifier *classifier,
                                                           lstmsent_model *model);
/**
 * @brief A classifier over the models of n >= 1 files, each saved with its vocabulary,
 * owning everything.
 *
 * paths[0] as lstmsent_classifier_load(), then every other file added as by
 * lstmsent_classifier_add_model(). Each file's vocabulary must be that of the first (the
 * same words with the same ids and the same unseen-word policy), else
 * #LSTMSENT_ERR_MISMATCH naming the file; every status of lstmsent_classifier_load()
 * applies to every file (a missing one: #LSTMSENT_ERR_IO), and add_model's refusals come
 * with the file's name. lstmsent_classifier_load(out, path, opts) is this call with n = 1.
 * @param[out] out the new classifier, the caller's to free with
 *             lstmsent_classifier_free(); set to NULL when the call fails, and nothing is
 *             left allocated.
 * @param[in] paths n model files.
 * @param[in] n the number of files, >= 1.
 * @param[in] opts what to accept, for every file; NULL for the defaults.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL out, paths or one of paths[i] is NULL.
 * @retval LSTMSENT_ERR_INVALID n is 0.
 * @retval LSTMSENT_ERR_MISMATCH a file's vocabulary is not the first's, or its model's
 *         num_embeddings, output_size or seq_len differ.
 * @retval other every status of lstmsent_classifier_load(), for any file.
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_load_ensemble(lstmsent_classifier **out,
                                                               const char *const *paths,
                                                               size_t n,
                                                               const lstmsent_load_options *opts);
/**
 * @brief Free a classifier, with the models and vocabulary it loaded; borrowed ones are
 * left alone.
 * @param[in] classifier the classifier; NULL does nothing.
 */
LSTMSENT_API void lstmsent_classifier_free(lstmsent_classifier *classifier);

/**
 * @brief The first model.
 * @param[in] classifier the classifier, or NULL.
 * @return The first model, borrowed or owned: valid while the classifier lives (a
 *         borrowed one while its owner keeps it); never to be freed by the caller when the
 *         classifier owns it. NULL for NULL.
 */
LSTMSENT_API lstmsent_model *lstmsent_classifier_model(const lstmsent_classifier *classifier);
/**
 * @brief The number of models.
 * @param[in] classifier the classifier, or NULL.
 * @return 1 until one is added; 0 for NULL.
 */
LSTMSENT_API size_t lstmsent_classifier_model_count(const lstmsent_classifier *classifier);
/**
 * @brief Model i, in the order they came (0 is lstmsent_classifier_model()).
 * @param[in] classifier the classifier, or NULL.
 * @param[in] i the model, 0..model_count-1.
 * @return The model, as lstmsent_classifier_model() gives; NULL for i out of range and
 *         for NULL.
 */
LSTMSENT_API lstmsent_model *lstmsent_classifier_model_at(const lstmsent_classifier *classifier,
                                                          size_t i);
/**
 * @brief The vocabulary.
 * @param[in] classifier the classifier, or NULL.
 * @return The vocabulary, borrowed or owned: valid while the classifier lives (a borrowed
 *         one while its owner keeps it); never to be freed by the caller when the
 *         classifier owns it. NULL for NULL.
 */
LSTMSENT_API const lstmsent_corpus *lstmsent_classifier_vocab(
    const lstmsent_classifier *classifier);
/**
 * @brief The number of classes O.
 * @param[in] classifier the classifier, or NULL.
 * @return The models' output_size; 0 for NULL.
 */
LSTMSENT_API int32_t lstmsent_classifier_num_classes(const lstmsent_classifier *classifier);
/**
 * @brief The T texts are padded or cut to.
 * @param[in] classifier the classifier, or NULL.
 * @return The models' seq_len; 0 for NULL.
 */
LSTMSENT_API int32_t lstmsent_classifier_seq_len(const lstmsent_classifier *classifier);

/**
 * @brief Classify n NUL-terminated UTF-8 texts.
 *
 * Each encoded as lstmsent_classifier describes, then evaluation-mode forwards from a zero
 * state in batches of up to 256 texts. A model's probabilities are the softmax of its
 * outputs: for #LSTMSENT_HEAD_LOGITS the softmax of the logits, for
 * #LSTMSENT_HEAD_SIGMOID the softmax of the sigmoid outputs, which is exactly the
 * distribution the tutorial's criterion scores. probs get those of the one model, or their
 * mean over the models of an ensemble (computed in double); labels get each text's class:
 * the argmax of the one model's outputs, or of the mean probabilities (the first of equal
 * maxima). The outputs are those of lstmsent_model_forward() on the encoded rows, to float
 * rounding (when every model pools with #LSTMSENT_POOL_LAST_TOKEN the steps after a
 * batch's longest text, which cannot reach the result, are not run). The models' modes
 * are restored before the call returns; their last forwards are replaced. n = 0 does
 * nothing. Every text is checked before the first forward and nothing is written to
 * labels or probs when one fails; only running out of memory (#LSTMSENT_ERR_NOMEM) can
 * leave the arrays partly written. The classifier's scratch grows to the largest batch
 * seen and is kept, so repeated calls allocate nothing.
 * @param[in,out] classifier the classifier.
 * @param[in] texts n texts; may be NULL when n is 0.
 * @param[in] n the number of texts.
 * @param[out] labels (n) each text's class, or NULL.
 * @param[out] probs (n, O) row-major probabilities, or NULL.
 * @param[in] probs_cap the number of floats probs holds, >= n * O (ignored when probs is
 *            NULL).
 * @retval LSTMSENT_OK success (n = 0 included).
 * @retval LSTMSENT_ERR_NULL classifier is NULL, or texts or one of texts[i] is NULL with
 *         n > 0.
 * @retval LSTMSENT_ERR_BUFFER probs_cap < n * O.
 * @retval LSTMSENT_ERR_UTF8 a text is not valid UTF-8 (the message names texts[i]).
 * @retval LSTMSENT_ERR_UNKNOWN_WORD an unseen word under #LSTMSENT_UNKNOWN_ERROR (the
 *         message names texts[i] and the word).
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_predict(lstmsent_classifier *classifier,
                                                         const char *const *texts, size_t n,
                                                         int32_t *labels, float *probs,
                                                         size_t probs_cap);

/**
 * @brief The same answers for the rows of a dataset already encoded with the classifier's
 * vocabulary (labels need not be there), e.g. a Kaggle test file.
 *
 * Forwards over the full T in batches of `batch` rows (0: 256), in dataset order; labels
 * and probs as lstmsent_classifier_predict(). A dataset made of a text as a phrase gives
 * that text's answer (to float rounding). Everything is checked before any forward,
 * nothing written on failure. A dataset of no rows does nothing. Modes restored, last
 * forwards replaced, as predict.
 * @param[in,out] classifier the classifier.
 * @param[in] data a dataset of T = the models' seq_len, encoded with the classifier's
 *            vocabulary.
 * @param[in] batch rows per forward; 0 for 256.
 * @param[out] labels (rows) each row's class, or NULL.
 * @param[out] probs (rows, O) row-major probabilities, or NULL.
 * @param[in] probs_cap the number of floats probs holds, >= rows * O (ignored when probs
 *            is NULL).
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL classifier or data is NULL.
 * @retval LSTMSENT_ERR_BUFFER probs_cap < rows * O.
 * @retval LSTMSENT_ERR_SHAPE the dataset's T is not the models' seq_len.
 * @retval LSTMSENT_ERR_TOKEN an id outside the embedding.
 * @retval LSTMSENT_ERR_INVALID batch * T exceeds INT32_MAX.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_predict_dataset(
    lstmsent_classifier *classifier, const lstmsent_dataset *data, size_t batch,
    int32_t *labels, float *probs, size_t probs_cap);

/**
 * @brief lstmsent_model_evaluate() for the classifier's models together.
 *
 * The same batches, the same metrics (computed by the same code) and the same refusals
 * (checked against the first model, whose seq_len, output_size and embedding every model
 * shares), from the classifier's answers: the prediction of a row is its predict label
 * (for one model the argmax of its outputs, so the counts are exactly
 * lstmsent_model_evaluate()'s). The loss is the mean over rows of -log(the mean
 * probability of the row's label), in double. For one model with #LSTMSENT_HEAD_LOGITS
 * that is its cross-entropy, lstmsent_model_evaluate()'s loss to float rounding; with
 * #LSTMSENT_HEAD_SIGMOID it is the tutorial's criterion without its 1e-10 inside the log:
 * smaller by less than 1e-10 / p_min, where no probability is below
 * p_min = 1 / (1 + (O - 1) e) (1.2e-9 for O = 5). Every model's mode is restored and its
 * parameters never change; its last forward is replaced.
 * @param[in,out] classifier the classifier.
 * @param[in] data a labelled dataset of T = the models' seq_len.
 * @param[in] batch rows per forward; 0 for 256.
 * @param[out] out the metrics; left untouched when the call fails.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL classifier, data or out is NULL.
 * @retval LSTMSENT_ERR_INVALID output_size exceeds #LSTMSENT_MAX_CLASSES, or batch * T
 *         exceeds INT32_MAX.
 * @retval LSTMSENT_ERR_SHAPE the dataset's T is not the models' seq_len.
 * @retval LSTMSENT_ERR_EMPTY a dataset of no rows.
 * @retval LSTMSENT_ERR_LABEL an unlabelled dataset, or a label >= output_size.
 * @retval LSTMSENT_ERR_TOKEN an id outside the embedding.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_evaluate(lstmsent_classifier *classifier,
                                                          const lstmsent_dataset *data,
                                                          size_t batch,
                                                          lstmsent_eval_result *out);

/**
 * @brief How a text is seen: its number of tokens and how many are not in the vocabulary.
 *
 * All tokens are counted (compare with lstmsent_classifier_seq_len() to see a cut),
 * unknown ones whatever the policy (#LSTMSENT_UNKNOWN_ERROR does not refuse here).
 * @param[in,out] classifier the classifier (its token buffer is reused).
 * @param[in] text a NUL-terminated UTF-8 text.
 * @param[out] tokens the number of tokens, or NULL.
 * @param[out] unknown the number of tokens not in the vocabulary, or NULL.
 * @retval LSTMSENT_OK success.
 * @retval LSTMSENT_ERR_NULL classifier or text is NULL.
 * @retval LSTMSENT_ERR_UTF8 text is not valid UTF-8.
 * @retval LSTMSENT_ERR_NOMEM out of memory.
 */
LSTMSENT_API lstmsent_status lstmsent_classifier_count_tokens(lstmsent_classifier *classifier,
                                                              const char *text, size_t *tokens,
                                                              size_t *unknown);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* LSTMSENT_LSTMSENT_H */
