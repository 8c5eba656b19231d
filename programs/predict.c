/*
 * `lstmsent predict MODEL [MODEL...]`: classify one text per line of stdin, in batches,
 * printing the label and the class probabilities of each line in order; or, with
 * --kaggle, classify every phrase of an unlabelled Kaggle test TSV and write the
 * `PhraseId,Sentiment` submission file, whole or not at all. Both go through one
 * classifier, so several model files are one ensemble (their mean probabilities) either
 * way.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { DEFAULT_BATCH = 256 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lstmsent predict [OPTIONS] MODEL [MODEL...] < TEXTS\n"
            "       lstmsent predict [OPTIONS] MODEL [MODEL...] --kaggle TEST.tsv\n"
            "                        --out SUBMISSION.csv\n"
            "\n"
            "Classify text with MODEL (a model file with its vocabulary, as lstmsent train\n"
            "writes), or with several MODELs as one ensemble. Each line of stdin is one text\n"
            "(a trailing \\n or \\r\\n is not part of it; lines may be of any length); each\n"
            "gets one line on stdout, in order:\n"
            "  LABEL<TAB>p0 p1 p2 p3 p4   e.g.  3\t0.012100 0.083300 0.201700 0.512000 0.190900\n"
            "or with --json one object per line:\n"
            "  {\"label\":3,\"probs\":[0.012100,0.083300,0.201700,0.512000,0.190900]}\n"
            "LABEL is the most probable class (0 negative .. 4 positive); the probabilities are\n"
            "the softmax of the model's outputs, or with several MODELs the mean of each\n"
            "model's probabilities (the models must share one vocabulary, seq_len and number\n"
            "of classes, e.g. runs of lstmsent train with --seed 1, 2, 3; a model of another\n"
            "vocabulary is bad input, exit status 3). Text is tokenised as in training; it is\n"
            "padded or truncated to the model's seq_len. An empty line, and a line of words\n"
            "the vocabulary does not know, are classified like any other: as all padding (or\n"
            "unknown ids), which gives the model's answer for no known words, the same for\n"
            "every such line. A line that is not valid UTF-8 or holds a NUL byte stops the\n"
            "command with exit status 3, naming the line; every line before it has been\n"
            "printed.\n"
            "\n"
            "With --kaggle, TEST.tsv (a PhraseId and a Phrase column) is classified and\n"
            "SUBMISSION.csv written with the header PhraseId,Sentiment and one row per phrase\n"
            "in the file's order, each with the LABEL stdin would give its phrase,\n"
            "atomically (a temporary file beside it, renamed when\n"
            "complete): a failure leaves no file, or the previous one untouched.\n"
            "\n"
            "Options:\n"
            "  --json            JSON lines instead of the tab-separated lines\n"
            "  --kaggle PATH     the Kaggle test TSV to classify (needs --out)\n"
            "  --out PATH        the submission CSV to write (with --kaggle)\n"
            "  --batch N         texts per forward pass (%d; 1 when stdin is a terminal,\n"
            "                    so that each typed line is answered at once)\n"
            "  --threads N       threads, 1..64 (default: all online processors, here %d)\n"
            "  -h, --help        this text\n"
            "\n" CLI_EXIT_HELP,
            DEFAULT_BATCH, cli_default_threads());
}

enum { OPT_JSON = 256, OPT_KAGGLE, OPT_OUT, OPT_BATCH, OPT_THREADS };

static const struct option long_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"kaggle", required_argument, NULL, OPT_KAGGLE},
    {"out", required_argument, NULL, OPT_OUT},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* ------------------------------------------------------------------------------------
 * stdin: lines in batches
 * ---------------------------------------------------------------------------------- */

typedef struct batch_state {
    lstmsent_classifier *clf;
    int json;
    size_t cap, n;        /* texts held, at most cap */
    char **texts;         /* (cap) each line, NUL-terminated, line end removed */
    size_t *sizes;        /* (cap) the allocation of each text, for reuse */
    int64_t first_line;   /* the line number of texts[0] */
    int32_t *labels;      /* (cap) */
    float *probs;         /* (cap, K) */
    int32_t k;
} batch_state;

static void print_result(const batch_state *b, size_t i)
{
    const float *p = b->probs + i * (size_t)b->k;
    if (b->json) {
        printf("{\"label\":%" PRId32 ",\"probs\":[", b->labels[i]);
        for (int32_t c = 0; c < b->k; c++)
            printf("%s%.6f", c ? "," : "", (double)p[c]);
        fputs("]}\n", stdout);
    } else {
        printf("%" PRId32 "\t", b->labels[i]);
        for (int32_t c = 0; c < b->k; c++)
            printf("%s%.6f", c ? " " : "", (double)p[c]);
        fputc('\n', stdout);
    }
}

/* Classify and print the texts held. When the batch is refused (a text the library will
 * not take), the texts are classified one by one, so that every line before the bad one
 * is printed and the message can name the bad line. */
static int flush_batch(batch_state *b)
{
    if (b->n == 0)
        return 0;
    lstmsent_status st = lstmsent_classifier_predict(b->clf, (const char *const *)b->texts,
                                                     b->n, b->labels, b->probs,
                                                     b->n * (size_t)b->k);
    if (st == LSTMSENT_OK) {
        for (size_t i = 0; i < b->n; i++)
            print_result(b, i);
    } else {
        for (size_t i = 0; i < b->n; i++) {
            st = lstmsent_classifier_predict(b->clf, (const char *const *)&b->texts[i], 1,
                                             b->labels + i, b->probs + i * (size_t)b->k,
                                             (size_t)b->k);
            if (st != LSTMSENT_OK) {
                /* The library names the text by the call and its index in it
                 * ("lstmsent_classifier_predict: texts[0]: ..."): the line number stands
                 * in their place. */
                const char *msg = lstmsent_last_error();
                const char *at = strstr(msg, "texts[");
                if (at != NULL) {
                    const char *p = at + 6 + strspn(at + 6, "0123456789");
                    if (strncmp(p, "]: ", 3) == 0)
                        msg = p + 3;
                }
                fflush(stdout);
                cli_error("<stdin>:%" PRId64 ": %s", b->first_line + (int64_t)i,
                          msg[0] ? msg : lstmsent_strerror(st));
                return cli_exit_code(st);
            }
            print_result(b, i);
        }
    }
    b->first_line += (int64_t)b->n;
    b->n = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("writing to stdout failed: %s", strerror(errno));
        return CLI_EXIT_IO;
    }
    return 0;
}

/* Keep a line (len bytes, line end removed) in the batch, classifying a full batch. */
static int add_line(batch_state *b, const char *line, size_t len)
{
    if (b->n == b->cap) {
        int rc = flush_batch(b);
        if (rc != 0)
            return rc;
    }
    size_t i = b->n;
    if (b->sizes[i] < len + 1) {
        char *p = realloc(b->texts[i], len + 1);
        if (p == NULL) {
            cli_error("out of memory");
            return CLI_EXIT_INTERNAL;
        }
        b->texts[i] = p;
        b->sizes[i] = len + 1;
    }
    memcpy(b->texts[i], line, len);
    b->texts[i][len] = '\0';
    b->n++;
    return 0;
}

static int predict_stdin(lstmsent_classifier *clf, int json, size_t batch)
{
    batch_state b = {0};
    b.clf = clf;
    b.json = json;
    b.cap = batch;
    b.k = lstmsent_classifier_num_classes(clf);
    b.first_line = 1;
    b.texts = calloc(batch, sizeof *b.texts);
    b.sizes = calloc(batch, sizeof *b.sizes);
    b.labels = malloc(sizeof(int32_t) * batch);
    b.probs = malloc(sizeof(float) * batch * (size_t)b.k);
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    if (b.texts == NULL || b.sizes == NULL || b.labels == NULL || b.probs == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    int64_t lineno = 0;
    ssize_t got;
    errno = 0;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (memchr(line, '\0', len) != NULL) {
            /* A C string cannot hold it: print what came before, then stop. */
            if ((rc = flush_batch(&b)) != 0)
                goto done;
            cli_error("<stdin>:%" PRId64 ": NUL byte at byte %zu of the line (text may not "
                      "hold NUL)",
                      lineno, (size_t)((char *)memchr(line, '\0', len) - line) + 1);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        if ((rc = add_line(&b, line, len)) != 0)
            goto done;
        errno = 0;
    }
    if (ferror(stdin)) {
        cli_error("<stdin>: cannot read: %s", strerror(errno));
        rc = CLI_EXIT_IO;
        goto done;
    }
    rc = flush_batch(&b);

done:
    free(line);
    if (b.texts != NULL)
        for (size_t i = 0; i < b.cap; i++)
            free(b.texts[i]);
    free(b.texts);
    free(b.sizes);
    free(b.labels);
    free(b.probs);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * --kaggle: the submission file
 * ---------------------------------------------------------------------------------- */

/* Whether the TSV's header names a PhraseId column: the corpus numbers the rows 1..n
 * without one, and a submission of made-up ids would be wrong without a word. */
static int check_phrase_id_column(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cli_error("cannot open '%s': %s", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    int found = 0;
    if (n > 0) {
        char *s = line;
        if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF)
            s += 3;  /* a byte order mark, as the corpus reader skips */
        s[strcspn(s, "\r\n")] = '\0';
        for (char *field = s;;) {
            size_t len = strcspn(field, "\t");
            if (len == 8 && strncmp(field, "PhraseId", 8) == 0)
                found = 1;
            if (field[len] == '\0')
                break;
            field += len + 1;
        }
    }
    free(line);
    fclose(f);
    if (n <= 0)
        return 0;  /* an empty file: the corpus reader says so, with its own message */
    if (!found) {
        cli_error("%s:1: no PhraseId column: a Kaggle submission needs each phrase's id",
                  path);
        return CLI_EXIT_INPUT;
    }
    return 0;
}

static int predict_kaggle(lstmsent_classifier *clf, const char *test_path, const char *out_path,
                          size_t batch)
{
    int rc = check_phrase_id_column(test_path);
    if (rc != 0)
        return rc;
    rc = CLI_EXIT_INTERNAL;
    const lstmsent_corpus *vocab = lstmsent_classifier_vocab(clf);
    lstmsent_corpus *corpus = NULL;
    lstmsent_dataset *data = NULL;
    int32_t *labels = NULL;
    cli_file cf = {0};

    /* The corpus reader's rules and messages for the file, the phrases encoded as the
     * classifier encodes text. */
    lstmsent_corpus_options co;
    lstmsent_corpus_options_default(&co);
    co.vocabulary = vocab;
    co.unknown = lstmsent_corpus_unknown_policy(vocab);
    TRY(lstmsent_corpus_load_tsv(&corpus, test_path, &co));
    lstmsent_dataset_options dso;
    lstmsent_dataset_options_default(&dso);
    dso.seq_len = lstmsent_classifier_seq_len(clf);
    TRY(lstmsent_dataset_create(&data, corpus, &dso));
    const size_t n = lstmsent_dataset_rows(data);
    const int64_t *phrase_ids = lstmsent_dataset_phrase_ids(data);
    labels = malloc(sizeof(int32_t) * (n > 0 ? n : 1));
    if (labels == NULL) {
        cli_error("out of memory");
        goto done;
    }
    if ((rc = cli_file_open(&cf, out_path)) != 0)
        goto done;
    rc = CLI_EXIT_INTERNAL;
    TRY(lstmsent_classifier_predict_dataset(clf, data, batch, labels, NULL, 0));
    fputs("PhraseId,Sentiment\n", cf.f);
    for (size_t i = 0; i < n; i++)
        fprintf(cf.f, "%" PRId64 ",%" PRId32 "\n", phrase_ids[i], labels[i]);
    rc = cli_file_commit(&cf);

done:
    if (cf.path != NULL)
        cli_file_abort(&cf);
    free(labels);
    lstmsent_dataset_free(data);
    lstmsent_corpus_free(corpus);
    return rc;
}

int cli_predict(int argc, char **argv)
{
    const char *cmd = "predict";
    const char *kaggle = NULL, *out = NULL;
    int json = 0, c, rc;
    long batch = 0, threads = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case OPT_JSON: json = 1; break;
        case OPT_KAGGLE: kaggle = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_BATCH:
            if ((rc = cli_parse_long(cmd, "batch", optarg, 1, 1L << 20, &batch)) != 0)
                return rc;
            break;
        case OPT_THREADS:
            if ((rc = cli_parse_long(cmd, "threads", optarg, 1, 64, &threads)) != 0)
                return rc;
            break;
        case ':':
            return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind < 1)
        return cli_usage_error(cmd, "needs a MODEL (0 arguments given)");
    if ((kaggle == NULL) != (out == NULL))
        return cli_usage_error(cmd, "--kaggle and --out go together");
    if (kaggle != NULL && json)
        return cli_usage_error(cmd, "--json is for stdin's lines, not --kaggle");
    if ((rc = cli_set_threads(cmd, threads)) != 0)
        return rc;

    /* Typed lines are answered one by one; piped ones in batches. */
    if (batch == 0)
        batch = kaggle == NULL && isatty(STDIN_FILENO) ? 1 : DEFAULT_BATCH;

    lstmsent_classifier *clf = NULL;
    lstmsent_status st = lstmsent_classifier_load_ensemble(
        &clf, (const char *const *)(argv + optind), (size_t)(argc - optind), NULL);
    if (st != LSTMSENT_OK)
        return cli_fail(st);
    if (kaggle != NULL)
        rc = predict_kaggle(clf, kaggle, out, (size_t)batch);
    else
        rc = predict_stdin(clf, json, (size_t)batch);
    lstmsent_classifier_free(clf);
    return rc;
}
