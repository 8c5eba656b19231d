/*
 * `lstmsent eval MODEL [MODEL...] DATA.tsv`: every metric lstmsent_model_evaluate gives
 * (mean loss, phrase and sentence accuracy, per-class precision, recall, F1 and support,
 * macro-F1, the confusion matrix) of a model file on a labelled TSV, encoded with the
 * vocabulary the file holds and padded to the model's seq_len; as a table, or one JSON
 * object. Several model files (of one vocabulary) are scored as an ensemble, from their
 * mean probabilities (lstmsent_classifier_evaluate).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lstmsent eval [OPTIONS] MODEL [MODEL...] DATA.tsv\n"
            "\n"
            "Evaluate MODEL (a model file with its vocabulary, as lstmsent train writes) on\n"
            "DATA.tsv (Kaggle layout with a Sentiment column): mean loss, phrase accuracy,\n"
            "sentence accuracy (the first phrase of each SentenceId), per-class precision,\n"
            "recall, F1 and support, macro-F1, and the confusion matrix (rows: true label,\n"
            "columns: predicted). Words the vocabulary does not know are encoded as the model\n"
            "was trained (padding, or the unknown id when the model has a row for it).\n"
            "\n"
            "With several MODELs (the last argument is always the data) they are evaluated\n"
            "as an ensemble: each phrase's probabilities are the mean of the models'\n"
            "softmax probabilities, its prediction their argmax, and the loss the mean of\n"
            "-log(mean probability of the label). The models must share one vocabulary,\n"
            "seq_len and number of classes (e.g. runs of lstmsent train with --seed 1, 2, 3);\n"
            "a model of another vocabulary is bad input (exit status 3).\n"
            "\n"
            "Options:\n"
            "  --json          one JSON object instead of the table\n"
            "  --batch N       rows per forward pass (256)\n"
            "  --threads N     threads, 1..64 (default: all online processors, here %d)\n"
            "  -h, --help      this text\n"
            "\n" CLI_EXIT_HELP,
            cli_default_threads());
}

enum { OPT_JSON = 256, OPT_BATCH, OPT_THREADS };

static const struct option long_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A number for JSON: NaN (no sentences) is null; others in the fewest digits that read
 * back as the same double. */
static void json_number(FILE *f, double x)
{
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    char buf[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    fputs(buf, f);
}

static void print_matrix_json(FILE *f, int32_t k,
                              const int64_t m[LSTMSENT_MAX_CLASSES][LSTMSENT_MAX_CLASSES])
{
    fputc('[', f);
    for (int32_t i = 0; i < k; i++) {
        fputs(i ? ",[" : "[", f);
        for (int32_t j = 0; j < k; j++)
            fprintf(f, "%s%" PRId64, j ? "," : "", m[i][j]);
        fputc(']', f);
    }
    fputc(']', f);
}

/* One model: "model":"PATH", as always; an ensemble: "models":["PATH",...]. */
static void print_json(FILE *f, char *const *models, int n_models, const char *data,
                       const lstmsent_eval_result *r)
{
    const int32_t k = r->num_classes;
    if (n_models == 1) {
        fputs("{\"model\":", f);
        cli_json_string(f, models[0]);
    } else {
        fputs("{\"models\":[", f);
        for (int i = 0; i < n_models; i++) {
            if (i > 0)
                fputc(',', f);
            cli_json_string(f, models[i]);
        }
        fputc(']', f);
    }
    fputs(",\"data\":", f);
    cli_json_string(f, data);
    fprintf(f, ",\"phrases\":%" PRId64 ",\"sentences\":%" PRId64 ",\"num_classes\":%" PRId32,
            r->phrases, r->sentences, k);
    fputs(",\"loss\":", f);
    json_number(f, r->loss);
    fputs(",\"accuracy\":", f);
    json_number(f, r->accuracy);
    fputs(",\"sentence_accuracy\":", f);
    json_number(f, r->sentence_accuracy);
    fputs(",\"macro_f1\":", f);
    json_number(f, r->macro_f1);
    fputs(",\"classes\":[", f);
    for (int32_t c = 0; c < k; c++) {
        fprintf(f, "%s{\"label\":%" PRId32 ",\"name\":", c ? "," : "", c);
        const char *name = cli_class_name(c);
        if (k == 5 && name != NULL)
            cli_json_string(f, name);
        else
            fputs("null", f);
        fputs(",\"precision\":", f);
        json_number(f, r->precision[c]);
        fputs(",\"recall\":", f);
        json_number(f, r->recall[c]);
        fputs(",\"f1\":", f);
        json_number(f, r->f1[c]);
        fprintf(f, ",\"support\":%" PRId64 "}", r->support[c]);
    }
    fputs("],\"confusion\":", f);
    print_matrix_json(f, k, r->confusion);
    fputs(",\"sentence_confusion\":", f);
    print_matrix_json(f, k, r->sentence_confusion);
    fputs("}\n", f);
}

static void print_table(FILE *f, char *const *models, int n_models, const char *data,
                        const lstmsent_eval_result *r)
{
    const int32_t k = r->num_classes;
    if (n_models == 1) {
        fprintf(f, "model              %s\n", models[0]);
    } else {
        fprintf(f, "models             %d, their mean probabilities:", n_models);
        for (int i = 0; i < n_models; i++)
            fprintf(f, " %s", models[i]);
        fputc('\n', f);
    }
    fprintf(f, "data               %s: %" PRId64 " phrases, %" PRId64 " sentences\n", data,
            r->phrases, r->sentences);
    fprintf(f, "loss               %.4f\n", r->loss);
    fprintf(f, "accuracy           %.4f\n", r->accuracy);
    if (isfinite(r->sentence_accuracy))
        fprintf(f, "sentence accuracy  %.4f\n", r->sentence_accuracy);
    else
        fprintf(f, "sentence accuracy  -  (no SentenceId)\n");
    fprintf(f, "macro-F1           %.4f\n", r->macro_f1);
    fprintf(f, "\n%-22s %9s %9s %9s %9s\n", "class", "precision", "recall", "F1", "support");
    for (int32_t c = 0; c < k; c++) {
        const char *name = k == 5 ? cli_class_name(c) : NULL;
        char label[32];
        snprintf(label, sizeof label, "%" PRId32 "%s%s", c, name ? " " : "", name ? name : "");
        fprintf(f, "%-22s %9.4f %9.4f %9.4f %9" PRId64 "\n", label, r->precision[c],
                r->recall[c], r->f1[c], r->support[c]);
    }
    fprintf(f, "%-22s %9s %9s %9.4f %9" PRId64 "\n", "macro", "", "", r->macro_f1, r->phrases);
    fprintf(f, "\nconfusion (rows: true label, columns: predicted)\n%8s", "");
    for (int32_t j = 0; j < k; j++)
        fprintf(f, " %8" PRId32, j);
    fputc('\n', f);
    for (int32_t i = 0; i < k; i++) {
        fprintf(f, "%8" PRId32, i);
        for (int32_t j = 0; j < k; j++)
            fprintf(f, " %8" PRId64, r->confusion[i][j]);
        fputc('\n', f);
    }
}

int cli_eval(int argc, char **argv)
{
    const char *cmd = "eval";
    int json = 0, c, rc;
    long batch = 256, threads = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case OPT_JSON: json = 1; break;
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
    if (argc - optind < 2)
        return cli_usage_error(cmd, "needs MODEL and DATA.tsv (%d argument%s given)",
                               argc - optind, argc - optind == 1 ? "" : "s");
    char *const *models = argv + optind;
    const int n_models = argc - optind - 1;
    const char *data_path = argv[argc - 1];
    if ((rc = cli_set_threads(cmd, threads)) != 0)
        return rc;

    rc = CLI_EXIT_INTERNAL;
    lstmsent_classifier *clf = NULL;
    lstmsent_corpus *corpus = NULL;
    lstmsent_dataset *data = NULL;

    /* Every file is checked (its vocabulary the first's, its seq_len and classes the
     * first's) before the data is read. */
    TRY(lstmsent_classifier_load_ensemble(&clf, (const char *const *)models, (size_t)n_models,
                                          NULL));
    const lstmsent_corpus *vocab = lstmsent_classifier_vocab(clf);
    lstmsent_corpus_options co;
    lstmsent_corpus_options_default(&co);
    co.vocabulary = vocab;
    co.unknown = lstmsent_corpus_unknown_policy(vocab);   /* as the model was trained */
    TRY(lstmsent_corpus_load_tsv(&corpus, data_path, &co));
    if (!lstmsent_corpus_has_labels(corpus)) {
        cli_error("%s: no Sentiment column: eval needs labelled phrases (lstmsent predict "
                  "--kaggle classifies an unlabelled file)",
                  data_path);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    lstmsent_dataset_options dso;
    lstmsent_dataset_options_default(&dso);
    dso.seq_len = lstmsent_classifier_seq_len(clf);
    TRY(lstmsent_dataset_create(&data, corpus, &dso));
    lstmsent_eval_result r;
    /* One model: the model's own evaluation, its loss the training criterion exactly as
     * before; several: the ensemble's, from the mean probabilities. */
    if (n_models == 1)
        TRY(lstmsent_model_evaluate(lstmsent_classifier_model(clf), data, (size_t)batch, &r));
    else
        TRY(lstmsent_classifier_evaluate(clf, data, (size_t)batch, &r));
    if (json)
        print_json(stdout, models, n_models, data_path, &r);
    else
        print_table(stdout, models, n_models, data_path, &r);
    rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : CLI_EXIT_IO;
    if (rc != 0)
        cli_error("writing to stdout failed");

done:
    lstmsent_dataset_free(data);
    lstmsent_corpus_free(corpus);
    lstmsent_classifier_free(clf);
    return rc;
}
