/*
 * `lstmsent train`: full shuffled epochs over a labelled TSV, each batch from a zero LSTM
 * state, Adam with gradient clipping; after each epoch the dev set's metrics, a checkpoint
 * (so that --resume continues bit for bit) and, when dev accuracy improved, the model at
 * --out with the training vocabulary in it, so that the file classifies on its own.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------------------------------------
 * The recommended configuration: every default of `lstmsent train`, in one place, chosen
 * by measurement on dev.tsv (docs/quality.md, written by tools/quality.py): batch 128 with
 * lr 0.003 halved after each epoch learns as well as batch 64 with lr 0.002 in half the
 * time, four epochs (the fourth, at lr 0.000375, still gains), and rare words (seen fewer
 * than 8 times) trained as the unknown id.
 * The recommended model averages three such runs (seeds 1-3). `--help` prints them.
 * ---------------------------------------------------------------------------------- */
static const struct train_defaults {
    lstmsent_head head;        /* --head: plain logits learn much faster than sigmoid */
    lstmsent_pooling pooling;  /* --pooling: the output at each phrase's last real token */
    long padding_idx;          /* --padding-idx: row 0 (padding) stays zero, no gradient */
    long seq_len;              /* --seq-len: T; the longest train phrase has 52 tokens */
    long batch;                /* --batch: 128 (64 learns no better and is twice as slow) */
    double lr;                 /* --lr: Adam's learning rate */
    double lr_decay;           /* --lr-decay: lr multiplied by this after each epoch */
    double weight_decay;       /* --weight-decay: Adam's (L2 added to the gradient) */
    long epochs;               /* --epochs */
    double lstm_dropout;       /* --lstm-dropout: between LSTM layers */
    double output_dropout;     /* --output-dropout: before the linear layer */
    long embed;                /* --embed: E */
    long hidden;               /* --hidden: H */
    long layers;               /* --layers: L */
    double clip;               /* --clip: max L2 norm of all gradients */
    long min_count;            /* --min-count: rarer training words are unknown */
    lstmsent_unknown unknown;  /* --unknown: unknown words get an id (and a trained row) */
    uint64_t seed;             /* --seed */
} DEFAULTS = {
    .head = LSTMSENT_HEAD_LOGITS,
    .pooling = LSTMSENT_POOL_LAST_TOKEN,
    .padding_idx = 0,
    .seq_len = 64,
    .batch = 128,
    .lr = 0.003,
    .lr_decay = 0.5,
    .weight_decay = 0.0,
    .epochs = 4,
    .lstm_dropout = 0.5,
    .output_dropout = 0.3,
    .embed = 400,
    .hidden = 256,
    .layers = 2,
    .clip = 5.0,
    .min_count = 8,
    .unknown = LSTMSENT_UNKNOWN_ID,
    .seed = 1,
};

enum progress_mode { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_LINES, PROGRESS_NONE };

typedef struct train_args {
    const char *train, *dev, *out, *checkpoint, *resume, *metrics;
    long embed, hidden, layers, padding_idx, seq_len, batch, epochs, threads, min_count;
    double lr, lr_decay, weight_decay, clip, lstm_dropout, output_dropout;
    lstmsent_head head;
    lstmsent_pooling pooling;
    lstmsent_unknown unknown;
    uint64_t seed;
    enum progress_mode progress;
} train_args;

static const char *head_name(lstmsent_head h)
{
    return h == LSTMSENT_HEAD_LOGITS ? "logits" : "sigmoid";
}

static const char *pooling_name(lstmsent_pooling p)
{
    return p == LSTMSENT_POOL_LAST_TOKEN ? "last-token" : "last-step";
}

static const char *unknown_name(lstmsent_unknown u)
{
    return u == LSTMSENT_UNKNOWN_ID ? "id" : "pad";
}

static void usage(FILE *f)
{
    const struct train_defaults *d = &DEFAULTS;
    fprintf(f,
            "usage: lstmsent train --train TRAIN.tsv --out MODEL.safetensors [OPTIONS]\n"
            "\n"
            "Train the classifier on TRAIN.tsv (Kaggle layout: Phrase and Sentiment columns)\n"
            "in full shuffled epochs. After each epoch: the metrics on --dev, a checkpoint, and\n"
            "the model at --out when its dev accuracy is the best so far (without --dev, the\n"
            "latest epoch's model). The model file holds the vocabulary, so it classifies on\n"
            "its own (lstmsent eval, lstmsent predict). Every file is replaced atomically.\n"
            "\n"
            "Data and files:\n"
            "  --train PATH         labelled training TSV; the vocabulary is built from it\n"
            "  --dev PATH           labelled TSV evaluated after each epoch (default: none)\n"
            "  --out PATH           the model file (required)\n"
            "  --checkpoint PATH    checkpoint saved after each epoch (default: OUT.ckpt)\n"
            "  --resume CKPT        continue from a checkpoint; give the same options as the\n"
            "                       run that wrote it (they are checked against it)\n"
            "  --metrics PATH       CSV, one row per epoch (default: none)\n"
            "  --min-count N        words seen fewer than N times in TRAIN are unknown (%ld)\n"
            "  --unknown pad|id     unknown words map to padding (0) or an id of their own\n"
            "                       with an embedding row (%s)\n"
            "\n"
            "Model:\n"
            "  --embed N            embedding size E (%ld)\n"
            "  --hidden N           LSTM hidden size H (%ld)\n"
            "  --layers N           LSTM layers (%ld)\n"
            "  --head logits|sigmoid            output head (%s)\n"
            "  --pooling last-token|last-step   which step's output is classified (%s)\n"
            "  --padding-idx N|none embedding row kept at zero (%ld)\n"
            "  --lstm-dropout P     dropout between LSTM layers (%g)\n"
            "  --output-dropout P   dropout before the linear layer (%g)\n"
            "  --seq-len T          phrases padded or truncated to T tokens (%ld)\n"
            "\n"
            "Training:\n"
            "  --epochs N           total epochs, counting those of a resumed run (%ld)\n"
            "  --batch N            phrases per batch; the last batch may be smaller (%ld)\n"
            "  --lr X               Adam learning rate (%g)\n"
            "  --lr-decay X         lr multiplied by X after each epoch (%g)\n"
            "  --weight-decay X     Adam weight decay (%g)\n"
            "  --clip X             gradients clipped to this L2 norm (%g)\n"
            "  --seed N             model seed; the sampler's seed is derived from it (%" PRIu64 ")\n"
            "                       (runs of other seeds make an ensemble: see eval, predict)\n"
            "  --threads N          threads, 1..64 (default: all online processors, here %d)\n"
            "  --progress auto|bar|lines|none   progress within an epoch on stderr: a bar\n"
            "                       redrawn in place, a line per tenth of an epoch, or none;\n"
            "                       auto = bar on a terminal, none otherwise (auto)\n"
            "  -h, --help           this text\n"
            "\n"
            "Each epoch prints one line to stdout: epoch, step, lr, train loss and accuracy,\n"
            "dev loss, accuracy, sentence accuracy and macro-F1, seconds. The metrics CSV has\n"
            "the header epoch,step,lr,train_loss,train_acc,dev_loss,dev_acc,dev_sentence_acc,\n"
            "dev_macro_f1,seconds,train_seconds (dev fields empty without --dev; seconds for the\n"
            "whole epoch, train_seconds for its training steps) and is rewritten whole after\n"
            "each epoch.\n"
            "\n" CLI_EXIT_HELP,
            d->min_count, unknown_name(d->unknown), d->embed, d->hidden, d->layers,
            head_name(d->head), pooling_name(d->pooling), d->padding_idx, d->lstm_dropout,
            d->output_dropout, d->seq_len, d->epochs, d->batch, d->lr, d->lr_decay,
            d->weight_decay, d->clip, d->seed, cli_default_threads());
}

enum {
    OPT_TRAIN = 256, OPT_DEV, OPT_OUT, OPT_CHECKPOINT, OPT_RESUME, OPT_METRICS, OPT_MIN_COUNT,
    OPT_UNKNOWN, OPT_EMBED, OPT_HIDDEN, OPT_LAYERS, OPT_HEAD, OPT_POOLING, OPT_PADDING_IDX,
    OPT_LSTM_DROPOUT, OPT_OUTPUT_DROPOUT, OPT_SEQ_LEN, OPT_EPOCHS, OPT_BATCH, OPT_LR,
    OPT_LR_DECAY, OPT_WEIGHT_DECAY, OPT_CLIP, OPT_SEED, OPT_THREADS, OPT_PROGRESS
};

static const struct option long_options[] = {
    {"train", required_argument, NULL, OPT_TRAIN},
    {"dev", required_argument, NULL, OPT_DEV},
    {"out", required_argument, NULL, OPT_OUT},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"min-count", required_argument, NULL, OPT_MIN_COUNT},
    {"unknown", required_argument, NULL, OPT_UNKNOWN},
    {"embed", required_argument, NULL, OPT_EMBED},
    {"hidden", required_argument, NULL, OPT_HIDDEN},
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"head", required_argument, NULL, OPT_HEAD},
    {"pooling", required_argument, NULL, OPT_POOLING},
    {"padding-idx", required_argument, NULL, OPT_PADDING_IDX},
    {"lstm-dropout", required_argument, NULL, OPT_LSTM_DROPOUT},
    {"output-dropout", required_argument, NULL, OPT_OUTPUT_DROPOUT},
    {"seq-len", required_argument, NULL, OPT_SEQ_LEN},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"lr", required_argument, NULL, OPT_LR},
    {"lr-decay", required_argument, NULL, OPT_LR_DECAY},
    {"weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY},
    {"clip", required_argument, NULL, OPT_CLIP},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Returns -1 to go on, else the exit code (0 after --help). */
static int parse_args(int argc, char **argv, train_args *a)
{
    const struct train_defaults *d = &DEFAULTS;
    memset(a, 0, sizeof *a);
    a->embed = d->embed;
    a->hidden = d->hidden;
    a->layers = d->layers;
    a->padding_idx = d->padding_idx;
    a->seq_len = d->seq_len;
    a->batch = d->batch;
    a->epochs = d->epochs;
    a->min_count = d->min_count;
    a->lr = d->lr;
    a->lr_decay = d->lr_decay;
    a->weight_decay = d->weight_decay;
    a->clip = d->clip;
    a->lstm_dropout = d->lstm_dropout;
    a->output_dropout = d->output_dropout;
    a->head = d->head;
    a->pooling = d->pooling;
    a->unknown = d->unknown;
    a->seed = d->seed;
    a->threads = 0;
    a->progress = PROGRESS_AUTO;

    const char *cmd = "train";
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        const char *v = optarg;
        switch (c) {
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case OPT_TRAIN: a->train = v; break;
        case OPT_DEV: a->dev = v; break;
        case OPT_OUT: a->out = v; break;
        case OPT_CHECKPOINT: a->checkpoint = v; break;
        case OPT_RESUME: a->resume = v; break;
        case OPT_METRICS: a->metrics = v; break;
        case OPT_MIN_COUNT: rc = cli_parse_long(cmd, "min-count", v, 1, INT32_MAX, &a->min_count); break;
        case OPT_EMBED: rc = cli_parse_long(cmd, "embed", v, 1, 1L << 20, &a->embed); break;
        case OPT_HIDDEN: rc = cli_parse_long(cmd, "hidden", v, 1, 1L << 20, &a->hidden); break;
        case OPT_LAYERS: rc = cli_parse_long(cmd, "layers", v, 1, 64, &a->layers); break;
        case OPT_SEQ_LEN: rc = cli_parse_long(cmd, "seq-len", v, 1, 4096, &a->seq_len); break;
        case OPT_EPOCHS: rc = cli_parse_long(cmd, "epochs", v, 1, 1L << 30, &a->epochs); break;
        case OPT_BATCH: rc = cli_parse_long(cmd, "batch", v, 1, 1L << 20, &a->batch); break;
        case OPT_THREADS: rc = cli_parse_long(cmd, "threads", v, 1, 64, &a->threads); break;
        case OPT_SEED: rc = cli_parse_u64(cmd, "seed", v, &a->seed); break;
        case OPT_LR: rc = cli_parse_double(cmd, "lr", v, 0, 1e6, 1, &a->lr); break;
        case OPT_LR_DECAY: rc = cli_parse_double(cmd, "lr-decay", v, 0, 1e6, 1, &a->lr_decay); break;
        case OPT_WEIGHT_DECAY: rc = cli_parse_double(cmd, "weight-decay", v, 0, 1e6, 0, &a->weight_decay); break;
        case OPT_CLIP: rc = cli_parse_double(cmd, "clip", v, 0, 1e30, 1, &a->clip); break;
        case OPT_LSTM_DROPOUT: rc = cli_parse_double(cmd, "lstm-dropout", v, 0, 1, 0, &a->lstm_dropout); break;
        case OPT_OUTPUT_DROPOUT: rc = cli_parse_double(cmd, "output-dropout", v, 0, 1, 0, &a->output_dropout); break;
        case OPT_PADDING_IDX:
            if (strcmp(v, "none") == 0)
                a->padding_idx = -1;
            else
                rc = cli_parse_long(cmd, "padding-idx", v, 0, INT32_MAX, &a->padding_idx);
            break;
        case OPT_HEAD:
            if (strcmp(v, "logits") == 0)
                a->head = LSTMSENT_HEAD_LOGITS;
            else if (strcmp(v, "sigmoid") == 0)
                a->head = LSTMSENT_HEAD_SIGMOID;
            else
                rc = cli_usage_error(cmd, "--head is 'logits' or 'sigmoid', not '%s'", v);
            break;
        case OPT_POOLING:
            if (strcmp(v, "last-token") == 0)
                a->pooling = LSTMSENT_POOL_LAST_TOKEN;
            else if (strcmp(v, "last-step") == 0)
                a->pooling = LSTMSENT_POOL_LAST_STEP;
            else
                rc = cli_usage_error(cmd, "--pooling is 'last-token' or 'last-step', not '%s'", v);
            break;
        case OPT_UNKNOWN:
            if (strcmp(v, "pad") == 0)
                a->unknown = LSTMSENT_UNKNOWN_PAD;
            else if (strcmp(v, "id") == 0)
                a->unknown = LSTMSENT_UNKNOWN_ID;
            else
                rc = cli_usage_error(cmd, "--unknown is 'pad' or 'id', not '%s'", v);
            break;
        case OPT_PROGRESS:
            if (strcmp(v, "auto") == 0)
                a->progress = PROGRESS_AUTO;
            else if (strcmp(v, "bar") == 0)
                a->progress = PROGRESS_BAR;
            else if (strcmp(v, "lines") == 0)
                a->progress = PROGRESS_LINES;
            else if (strcmp(v, "none") == 0)
                a->progress = PROGRESS_NONE;
            else
                rc = cli_usage_error(cmd, "--progress is auto, bar, lines or none, not '%s'", v);
            break;
        case ':':
            return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (a->train == NULL)
        return cli_usage_error(cmd, "--train TRAIN.tsv is required");
    if (a->out == NULL)
        return cli_usage_error(cmd, "--out MODEL is required");
    /* Each file is replaced whole after each epoch: one path for two of them would leave
     * only the last one written. */
    if (a->checkpoint != NULL && strcmp(a->checkpoint, a->out) == 0)
        return cli_usage_error(cmd, "--checkpoint and --out name the same file");
    if (a->metrics != NULL && strcmp(a->metrics, a->out) == 0)
        return cli_usage_error(cmd, "--metrics and --out name the same file");
    if (a->metrics != NULL && a->checkpoint != NULL && strcmp(a->metrics, a->checkpoint) == 0)
        return cli_usage_error(cmd, "--metrics and --checkpoint name the same file");
    if (a->metrics != NULL && a->checkpoint == NULL &&
        strncmp(a->metrics, a->out, strlen(a->out)) == 0 &&
        strcmp(a->metrics + strlen(a->out), ".ckpt") == 0)
        return cli_usage_error(cmd, "--metrics names the default checkpoint, %s.ckpt", a->out);
    if (a->progress == PROGRESS_AUTO)
        a->progress = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_NONE;
    return -1;
}

/* ------------------------------------------------------------------------------------
 * Progress within an epoch (stderr)
 * ---------------------------------------------------------------------------------- */

typedef struct progress {
    enum progress_mode mode;
    long epoch, epochs;
    size_t batches, done, phrases;
    double start, last_draw;
    size_t next_line;   /* lines mode: the batch at which the next line is due */
    int drawn;          /* bar mode: a bar is on the screen */
} progress;

static void format_eta(char *buf, size_t cap, double seconds)
{
    if (!(seconds >= 0) || seconds > 359999)
        snprintf(buf, cap, "--:--");
    else if (seconds >= 3600)
        snprintf(buf, cap, "%ld:%02ld:%02ld", (long)seconds / 3600, (long)seconds / 60 % 60,
                 (long)seconds % 60);
    else
        snprintf(buf, cap, "%ld:%02ld", (long)seconds / 60, (long)seconds % 60);
}

static void progress_start(progress *p, enum progress_mode mode, long epoch, long epochs,
                           size_t batches)
{
    p->mode = mode;
    p->epoch = epoch;
    p->epochs = epochs;
    p->batches = batches;
    p->done = 0;
    p->phrases = 0;
    p->start = p->last_draw = cli_now();
    p->next_line = (batches + 9) / 10;
    p->drawn = 0;
}

static void progress_update(progress *p, size_t rows, double running_loss)
{
    p->done++;
    p->phrases += rows;
    if (p->mode == PROGRESS_NONE)
        return;
    double now = cli_now();
    int last = p->done == p->batches;
    if (p->mode == PROGRESS_BAR && !last && now - p->last_draw < 0.1)
        return;
    if (p->mode == PROGRESS_LINES && p->done < p->next_line && !last)
        return;
    double elapsed = now - p->start;
    double rate = elapsed > 0 ? (double)p->phrases / elapsed : 0.0;
    char eta[32];
    format_eta(eta, sizeof eta,
               p->done ? elapsed / (double)p->done * (double)(p->batches - p->done) : -1.0);
    if (p->mode == PROGRESS_BAR) {
        enum { WIDTH = 24 };
        char bar[WIDTH + 1];
        size_t fill = p->batches ? p->done * WIDTH / p->batches : 0;
        for (size_t i = 0; i < WIDTH; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[WIDTH] = '\0';
        fprintf(stderr, "\r\033[Kepoch %ld/%ld [%s] %zu/%zu  %.0f phrases/s  loss %.4f  ETA %s",
                p->epoch, p->epochs, bar, p->done, p->batches, rate, running_loss, eta);
        p->drawn = 1;
    } else {
        fprintf(stderr, "epoch %ld/%ld: %zu/%zu batches, %.0f phrases/s, loss %.4f, ETA %s\n",
                p->epoch, p->epochs, p->done, p->batches, rate, running_loss, eta);
        p->next_line += (p->batches + 9) / 10;
    }
    fflush(stderr);
    p->last_draw = now;
}

/* Clear the bar before a line is printed where it stands. */
static void progress_clear(progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}

/* ------------------------------------------------------------------------------------
 * The metrics CSV: kept in memory and rewritten whole after each epoch, so that the file
 * on disk is always a complete CSV (a crash loses at most the epoch in progress)
 * ---------------------------------------------------------------------------------- */

static const char METRICS_HEADER[] =
    "epoch,step,lr,train_loss,train_acc,dev_loss,dev_acc,dev_sentence_acc,dev_macro_f1,"
    "seconds,train_seconds\n";

/* On resume: the rows of an earlier run's file up to the checkpoint's epoch (a row for a
 * later epoch belongs to epochs that are run again). A missing file, or one that is not
 * a metrics file of this command, starts a new one. */
static int metrics_reload(cli_buf *csv, const char *path, int64_t upto_epoch)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int header_ok = 0, rc = 0;
    cli_buf kept = {0};
    while ((n = getline(&line, &cap, f)) > 0) {
        if (!header_ok) {
            header_ok = strcmp(line, METRICS_HEADER) == 0;
            if (!header_ok)
                break;
            continue;
        }
        char *end;
        long long e = strtoll(line, &end, 10);
        if (end == line || *end != ',' || line[n - 1] != '\n')
            continue;
        if (e >= 1 && e <= upto_epoch && (rc = cli_buf_append(&kept, line, (size_t)n)) != 0)
            break;
    }
    free(line);
    fclose(f);
    if (rc == 0 && header_ok && kept.len > 0) {
        csv->len = 0;
        rc = cli_buf_append(csv, METRICS_HEADER, sizeof METRICS_HEADER - 1);
        if (rc == 0)
            rc = cli_buf_append(csv, kept.data, kept.len);
    }
    cli_buf_free(&kept);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * Training
 * ---------------------------------------------------------------------------------- */

/* The sampler's seed from --seed: one splitmix64 step, so that the model's dropout stream
 * and the sampler's shuffles do not start from the same state. */
static uint64_t sampler_seed(uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* 1 if the two corpora have the same words under the same ids. */
static int same_vocabulary(const lstmsent_corpus *a, const lstmsent_corpus *b, int32_t *first_diff)
{
    size_t n = lstmsent_corpus_vocab_size(a);
    size_t m = lstmsent_corpus_vocab_size(b);
    size_t k = n < m ? n : m;
    for (size_t i = 1; i <= k; i++) {
        const char *wa, *wb;
        if (lstmsent_corpus_word(a, (int32_t)i, &wa) != LSTMSENT_OK ||
            lstmsent_corpus_word(b, (int32_t)i, &wb) != LSTMSENT_OK || strcmp(wa, wb) != 0) {
            *first_diff = (int32_t)i;
            return 0;
        }
    }
    *first_diff = (int32_t)k + 1;
    return n == m;
}

/* Whether a file can be made beside path (as the atomic saves will): a temporary file
 * created and removed again, so that nothing is left behind. */
static int probe_writable(const char *path)
{
    cli_file cf;
    int rc = cli_file_open(&cf, path);
    if (rc == 0)
        cli_file_abort(&cf);
    return rc;
}

/* On resume with --dev: the dev accuracy of the model at --out, which the interrupted
 * run saved as its best so far (the checkpoint does not hold it). No file there means
 * no best yet; a file that is not a model of this vocabulary is an error, not something
 * to overwrite. */
static int best_so_far(const char *out, const lstmsent_corpus *corpus,
                       const lstmsent_dataset *dev, int *have_best, double *best_acc)
{
    struct stat sb;
    if (stat(out, &sb) != 0) {
        *have_best = 0;
        return 0;
    }
    lstmsent_model *m = NULL;
    lstmsent_corpus *vocab = NULL;
    int rc = 0;
    int32_t diff;
    lstmsent_eval_result ev;
    lstmsent_status st = lstmsent_model_load(&m, &vocab, out, NULL);
    if (st != LSTMSENT_OK) {
        rc = cli_fail(st);
    } else if (vocab == NULL || !same_vocabulary(vocab, corpus, &diff)) {
        cli_error("%s: not a model of this training run (its vocabulary differs); move it "
                  "away to resume",
                  out);
        rc = CLI_EXIT_INPUT;
    } else if ((st = lstmsent_model_evaluate(m, dev, 0, &ev)) != LSTMSENT_OK) {
        rc = cli_fail_at(st, out);
    } else {
        *have_best = 1;
        *best_acc = ev.accuracy;
    }
    lstmsent_model_free(m);
    lstmsent_corpus_free(vocab);
    return rc;
}

/* Load a labelled corpus; a file without a Sentiment column is bad input here. */
static int load_labelled(lstmsent_corpus **out, const char *path,
                         const lstmsent_corpus_options *opts)
{
    lstmsent_status st = lstmsent_corpus_load_tsv(out, path, opts);
    if (st != LSTMSENT_OK)
        return cli_fail(st);
    if (!lstmsent_corpus_has_labels(*out)) {
        cli_error("%s: no Sentiment column: training and evaluation need labelled phrases",
                  path);
        return CLI_EXIT_INPUT;
    }
    return 0;
}

#define TRY_RC(expr)                                                                       \
    do {                                                                                   \
        if ((rc = (expr)) != 0)                                                            \
            goto done;                                                                     \
    } while (0)

int cli_train(int argc, char **argv)
{
    train_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    rc = CLI_EXIT_INTERNAL;

    char *ckpt_default = NULL;
    lstmsent_corpus *corpus = NULL, *dev_corpus = NULL, *ckpt_vocab = NULL;
    lstmsent_dataset *data = NULL, *dev = NULL;
    lstmsent_sampler *sampler = NULL;
    lstmsent_model *net = NULL, *ckpt_net = NULL;
    lstmsent_optim *adam = NULL;
    int32_t *ids = NULL, *labels = NULL, *lengths = NULL;
    float *out = NULL;
    cli_buf csv = {0};
    progress prog = {0};

    const char *ckpt_path = a.checkpoint;
    if (ckpt_path == NULL) {
        size_t n = strlen(a.out) + sizeof ".ckpt";
        ckpt_default = malloc(n);
        if (ckpt_default == NULL) {
            cli_error("out of memory");
            goto done;
        }
        snprintf(ckpt_default, n, "%s.ckpt", a.out);
        ckpt_path = ckpt_default;
    }
    TRY_RC(cli_set_threads("train", a.threads));
    /* An output that cannot be written fails now, not after the first epoch. */
    TRY_RC(probe_writable(a.out));
    TRY_RC(probe_writable(ckpt_path));
    if (a.metrics != NULL)
        TRY_RC(probe_writable(a.metrics));

    /* Data: the vocabulary from the training file; dev encoded with it. */
    lstmsent_corpus_options co;
    lstmsent_corpus_options_default(&co);
    co.unknown = a.unknown;
    co.min_count = a.min_count;
    TRY_RC(load_labelled(&corpus, a.train, &co));
    if (lstmsent_corpus_vocab_size(corpus) == 0) {
        cli_error("%s: no words to build a vocabulary from", a.train);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    lstmsent_dataset_options dso;
    lstmsent_dataset_options_default(&dso);
    dso.seq_len = (int32_t)a.seq_len;
    TRY(lstmsent_dataset_create(&data, corpus, &dso));
    const size_t rows = lstmsent_dataset_rows(data);
    const int32_t t = (int32_t)a.seq_len;
    if (a.dev != NULL) {
        lstmsent_corpus_options dco = co;
        dco.vocabulary = corpus;
        TRY_RC(load_labelled(&dev_corpus, a.dev, &dco));
        TRY(lstmsent_dataset_create(&dev, dev_corpus, &dso));
    }

    /* Model and optimizer. */
    const size_t vocab_size = lstmsent_corpus_vocab_size(corpus);
    lstmsent_model_options mo;
    lstmsent_model_options_default(&mo, vocab_size);
    mo.num_embeddings = (int64_t)vocab_size + (a.unknown == LSTMSENT_UNKNOWN_ID ? 2 : 1);
    mo.embed_dim = (int32_t)a.embed;
    mo.hidden_dim = (int32_t)a.hidden;
    mo.num_layers = (int32_t)a.layers;
    mo.lstm_dropout = (float)a.lstm_dropout;
    mo.output_dropout = (float)a.output_dropout;
    mo.head = a.head;
    mo.pooling = a.pooling;
    mo.padding_idx = a.padding_idx;
    mo.seed = a.seed;
    mo.seq_len = (int32_t)a.seq_len;   /* recorded in the file: eval and predict pad to it */
    if (mo.padding_idx >= mo.num_embeddings) {
        rc = cli_usage_error("train", "--padding-idx %ld is not an embedding row (0..%" PRId64 ")",
                             a.padding_idx, mo.num_embeddings - 1);
        goto done;
    }
    TRY(lstmsent_model_create(&net, &mo));
    lstmsent_adam_options ao;
    lstmsent_adam_options_default(&ao);
    ao.lr = a.lr;
    ao.weight_decay = a.weight_decay;
    TRY(lstmsent_optim_create_adam(&adam, net, &ao));
    TRY(lstmsent_sampler_create(&sampler, data, sampler_seed(a.seed)));

    /* Resume: the checkpoint must be of this configuration and this vocabulary. */
    int64_t epoch = 0, step = 0;
    int have_best = 0;
    double best_acc = 0.0;
    if (a.resume != NULL) {
        TRY(lstmsent_model_load(&ckpt_net, &ckpt_vocab, a.resume, NULL));
        int32_t diff;
        if (ckpt_vocab == NULL) {
            cli_error("%s: the checkpoint holds no vocabulary", a.resume);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        if (!same_vocabulary(ckpt_vocab, corpus, &diff)) {
            cli_error("%s: the checkpoint's vocabulary (%zu words) is not the one built from "
                      "%s (%zu words; they differ at id %" PRId32 "): resume with the same "
                      "training file and --min-count",
                      a.resume, lstmsent_corpus_vocab_size(ckpt_vocab), a.train,
                      lstmsent_corpus_vocab_size(corpus), diff);
            rc = CLI_EXIT_INPUT;
            goto done;
        }
        lstmsent_model_free(ckpt_net);
        ckpt_net = NULL;
        TRY(lstmsent_checkpoint_load(a.resume, net, adam, sampler, &epoch, &step));
        if (dev != NULL)
            TRY_RC(best_so_far(a.out, corpus, dev, &have_best, &best_acc));
        if (a.metrics != NULL)
            TRY_RC(metrics_reload(&csv, a.metrics, epoch));
    }
    if (csv.len == 0 && a.metrics != NULL)
        TRY_RC(cli_buf_append(&csv, METRICS_HEADER, sizeof METRICS_HEADER - 1));

    printf("train: %s, %zu phrases, %zu words", a.train, rows, vocab_size);
    if (a.dev != NULL)
        printf("; dev: %s, %zu phrases", a.dev, lstmsent_dataset_rows(dev));
    printf("\nmodel: embed %d, hidden %d, layers %d, head %s, pooling %s, seq-len %ld, "
           "%zu parameters; batch %ld, lr %g, %d thread(s)\n",
           mo.embed_dim, mo.hidden_dim, mo.num_layers, head_name(mo.head),
           pooling_name(mo.pooling), a.seq_len, lstmsent_model_num_floats(net), a.batch,
           lstmsent_optim_get_lr(adam),
           lstmsent_get_threads());
    if (a.resume != NULL)
        printf("resumed from %s after epoch %" PRId64 " (step %" PRId64 ")\n", a.resume, epoch,
               step);
    if (epoch >= a.epochs)
        printf("nothing to train: the checkpoint is at epoch %" PRId64 " of --epochs %ld\n",
               epoch, a.epochs);
    fflush(stdout);

    /* A batch larger than the training set is the whole set (the sampler refuses a batch
     * that could never come). */
    const size_t batch = (size_t)a.batch < rows ? (size_t)a.batch : rows;
    const size_t o = (size_t)mo.output_size;
    ids = malloc(sizeof(int32_t) * batch * (size_t)t);
    labels = malloc(sizeof(int32_t) * batch);
    lengths = malloc(sizeof(int32_t) * batch);
    out = malloc(sizeof(float) * batch * o);
    if (ids == NULL || labels == NULL || lengths == NULL || out == NULL) {
        cli_error("out of memory");
        goto done;
    }
    const size_t batches = (rows + batch - 1) / batch;
    for (; epoch < a.epochs; epoch++) {
        const double t0 = cli_now();
        const double lr = lstmsent_optim_get_lr(adam);   /* a resumed run's from the checkpoint */
        TRY(lstmsent_model_set_training(net, 1));
        TRY(lstmsent_sampler_permute(sampler));
        progress_start(&prog, a.progress, (long)epoch + 1, a.epochs, batches);
        double loss_sum = 0.0;
        int64_t correct = 0, seen = 0;
        size_t got;
        for (;;) {
            TRY(lstmsent_sampler_next_batch(sampler, batch, 0, ids, batch * (size_t)t, labels,
                                            batch, lengths, batch, &got));
            if (got == 0)
                break;
            float loss, acc, norm;
            TRY(lstmsent_optim_zero_grad(adam, net));
            TRY(lstmsent_model_forward(net, ids, (int32_t)got, t, lengths, NULL, out,
                                       got * o, NULL));
            TRY(lstmsent_model_loss(net, labels, got, &loss, &acc));
            TRY(lstmsent_model_backward(net));
            lstmsent_status st = lstmsent_model_clip_grad_norm(net, (float)a.clip, 1, &norm);
            if (st == LSTMSENT_ERR_NONFINITE) {
                progress_clear(&prog);
                /* norm is not written on this failure: the library's message has it. */
                cli_error("training diverged at epoch %" PRId64 ", step %" PRId64
                          ": %s (try a smaller --lr)",
                          epoch + 1, step + 1, lstmsent_last_error());
                rc = CLI_EXIT_INTERNAL;
                goto done;
            }
            TRY(st);
            TRY(lstmsent_optim_step(adam, net));
            step++;
            loss_sum += (double)loss * (double)got;
            correct += lround((double)acc * (double)got);
            seen += (int64_t)got;
            progress_update(&prog, got, loss_sum / (double)seen);
        }
        const double train_seconds = cli_now() - t0;   // the training steps alone
        progress_clear(&prog);
        const double train_loss = seen ? loss_sum / (double)seen : 0.0;
        const double train_acc = seen ? (double)correct / (double)seen : 0.0;

        lstmsent_eval_result ev;
        int saved = 0;
        if (dev != NULL) {
            if (prog.mode == PROGRESS_BAR) {
                fprintf(stderr, "\r\033[Kepoch %" PRId64 "/%ld: evaluating on %s", epoch + 1,
                        a.epochs, a.dev);
                fflush(stderr);
                prog.drawn = 1;
            }
            TRY(lstmsent_model_evaluate(net, dev, 0, &ev));
            progress_clear(&prog);
        }
        /* The best model by dev accuracy (the first of equal ones); without --dev the
         * latest. Saved before the checkpoint: a crash between the two repeats the epoch,
         * and never skips the save of its model. */
        if (dev == NULL || !have_best || ev.accuracy > best_acc) {
            TRY(lstmsent_model_save(net, corpus, a.out));
            saved = 1;
            have_best = 1;
            best_acc = dev != NULL ? ev.accuracy : 0.0;
        }
        const double seconds = cli_now() - t0;
        if (a.metrics != NULL) {
            TRY_RC(cli_buf_printf(&csv, "%" PRId64 ",%" PRId64 ",%.9g,%.6f,%.6f,", epoch + 1,
                                  step, lr, train_loss, train_acc));
            if (dev != NULL && isfinite(ev.sentence_accuracy))
                TRY_RC(cli_buf_printf(&csv, "%.6f,%.6f,%.6f,%.6f,", ev.loss, ev.accuracy,
                                      ev.sentence_accuracy, ev.macro_f1));
            else if (dev != NULL)   /* no SentenceId column: no sentence accuracy */
                TRY_RC(cli_buf_printf(&csv, "%.6f,%.6f,,%.6f,", ev.loss, ev.accuracy,
                                      ev.macro_f1));
            else
                TRY_RC(cli_buf_printf(&csv, ",,,,"));
            TRY_RC(cli_buf_printf(&csv, "%.3f,%.3f\n", seconds, train_seconds));
            TRY_RC(cli_write_file(a.metrics, csv.data, csv.len));
        }
        /* The next epoch's rate, in the checkpoint so that a resume continues the schedule. */
        TRY(lstmsent_optim_set_lr(adam, lr * a.lr_decay));
        TRY(lstmsent_checkpoint_save(ckpt_path, net, adam, sampler, corpus, epoch + 1, step));
        printf("epoch %" PRId64 "/%ld  step %" PRId64 "  lr %.6g  train loss %.4f acc %.4f",
               epoch + 1, a.epochs, step, lr, train_loss, train_acc);
        if (dev != NULL) {
            printf("  dev loss %.4f acc %.4f sentence ", ev.loss, ev.accuracy);
            if (isfinite(ev.sentence_accuracy))
                printf("%.4f", ev.sentence_accuracy);
            else
                printf("-");
            printf(" macro-F1 %.4f", ev.macro_f1);
        }
        printf("  %.1f s%s\n", seconds, dev != NULL && saved ? "  (best, saved)" : "");
        fflush(stdout);
    }
    rc = 0;

done:
    progress_clear(&prog);
    free(ids);
    free(labels);
    free(lengths);
    free(out);
    cli_buf_free(&csv);
    lstmsent_optim_free(adam);
    lstmsent_model_free(net);
    lstmsent_model_free(ckpt_net);
    lstmsent_sampler_free(sampler);
    lstmsent_dataset_free(dev);
    lstmsent_dataset_free(data);
    lstmsent_corpus_free(dev_corpus);
    lstmsent_corpus_free(ckpt_vocab);
    lstmsent_corpus_free(corpus);
    free(ckpt_default);
    return rc;
}
