/*
 * The lstmsent command: `lstmsent train`, `lstmsent eval`, `lstmsent predict`. This file
 * holds main() and its dispatch, and the helpers every subcommand uses: the one mapping of
 * lstmsent_status to exit codes, messages, option values and atomic output files.
 * docs/command.md documents the command as a whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lstmsent COMMAND [OPTIONS] [ARGS]\n"
            "       lstmsent --help | --version\n"
            "\n"
            "The LSTM sentiment classifier of Kaggle's movie-review phrases (labels 0..4).\n"
            "\n"
            "Commands:\n"
            "  train    train a model on a labelled TSV, keeping the best by dev accuracy\n"
            "  eval     every metric of a model (or an ensemble of several) on a labelled TSV\n"
            "  predict  classify text lines from stdin, or write a Kaggle submission\n"
            "\n"
            "'lstmsent COMMAND --help' describes each command.\n"
            "\n" CLI_EXIT_HELP);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("lstmsent %s\n", lstmsent_version_string());
        return CLI_EXIT_OK;
    }
    /* Each subcommand gets argv from its own name on, as getopt_long expects. */
    if (strcmp(cmd, "train") == 0)
        return cli_train(argc - 1, argv + 1);
    if (strcmp(cmd, "eval") == 0)
        return cli_eval(argc - 1, argv + 1);
    if (strcmp(cmd, "predict") == 0)
        return cli_predict(argc - 1, argv + 1);
    fprintf(stderr, "lstmsent: unknown command '%s'\n", cmd);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------------------------------------
 * Errors and exit codes
 * ---------------------------------------------------------------------------------- */

int cli_exit_code(lstmsent_status st)
{
    switch (st) {
    case LSTMSENT_OK:
        return CLI_EXIT_OK;
    case LSTMSENT_ERR_IO:
        return CLI_EXIT_IO;
    /* Options reach the library from the command line, so a value it refuses is a usage
     * error (the command checks ranges itself first; this is the backstop). */
    case LSTMSENT_ERR_INVALID:
        return CLI_EXIT_USAGE;
    /* What is wrong with a file or a text the user gave. */
    case LSTMSENT_ERR_EMPTY:
    case LSTMSENT_ERR_HEADER:
    case LSTMSENT_ERR_FIELDS:
    case LSTMSENT_ERR_LABEL:
    case LSTMSENT_ERR_UTF8:
    case LSTMSENT_ERR_UNKNOWN_WORD:
    case LSTMSENT_ERR_VOCAB:
    case LSTMSENT_ERR_SHAPE:
    case LSTMSENT_ERR_TOKEN:
    case LSTMSENT_ERR_MISMATCH:
    case LSTMSENT_ERR_FORMAT:
    case LSTMSENT_ERR_MISSING_TENSOR:
    case LSTMSENT_ERR_TENSOR_SHAPE:
    case LSTMSENT_ERR_TENSOR_DTYPE:
    case LSTMSENT_ERR_UNKNOWN_TENSOR:
    case LSTMSENT_ERR_METADATA:
    case LSTMSENT_ERR_VERSION:
    case LSTMSENT_ERR_DIGEST:
    case LSTMSENT_ERR_NONFINITE:
    case LSTMSENT_ERR_CHECKSUM:
        return CLI_EXIT_INPUT;
    /* Out of memory, and calls the command should never make wrongly. */
    case LSTMSENT_ERR_NOMEM:
    case LSTMSENT_ERR_NULL:
    case LSTMSENT_ERR_BUFFER:
    case LSTMSENT_ERR_STATE:
    case LSTMSENT_ERR_NO_PARAM:
    default:
        return CLI_EXIT_INTERNAL;
    }
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lstmsent: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail_at(lstmsent_status st, const char *prefix)
{
    const char *msg = lstmsent_last_error();
    if (msg == NULL || msg[0] == '\0')
        msg = lstmsent_strerror(st);
    if (prefix != NULL)
        cli_error("%s: %s", prefix, msg);
    else
        cli_error("%s", msg);
    return cli_exit_code(st);
}

int cli_fail(lstmsent_status st)
{
    return cli_fail_at(st, NULL);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lstmsent %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'lstmsent %s --help'.\n", cmd);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------------------------------------
 * Option values
 * ---------------------------------------------------------------------------------- */

int cli_parse_long(const char *cmd, const char *opt, const char *text, long min, long max,
                   long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
        return cli_usage_error(cmd, "--%s needs an integer %ld..%ld, not '%s'", opt, min, max,
                               text);
    *out = v;
    return 0;
}

int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || text[0] == '+')
        return cli_usage_error(cmd, "--%s needs an integer 0..%llu, not '%s'", opt,
                               (unsigned long long)UINT64_MAX, text);
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_double(const char *cmd, const char *opt, const char *text, double min,
                     double max, int min_open, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    int ok = errno == 0 && end != text && *end == '\0' && isfinite(v) && v <= max &&
             (min_open ? v > min : v >= min);
    if (!ok)
        return cli_usage_error(cmd, "--%s needs a number in %c%g, %g], not '%s'", opt,
                               min_open ? '(' : '[', min, max, text);
    *out = v;
    return 0;
}

int cli_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 64)
        n = 64;
    return (int)n;
}

int cli_set_threads(const char *cmd, long requested)
{
    if (requested == 0) {
        int n = cli_default_threads();
        if (lstmsent_set_threads(n) != LSTMSENT_OK && lstmsent_set_threads(1) != LSTMSENT_OK)
            return cli_fail(LSTMSENT_ERR_INVALID);
        return 0;
    }
    lstmsent_status st = lstmsent_set_threads((int)requested);
    if (st != LSTMSENT_OK)
        return cli_usage_error(cmd, "--threads %ld: %s", requested, lstmsent_last_error());
    return 0;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------------------------
 * Output files: a temporary file in the same directory, fsync, rename
 * ---------------------------------------------------------------------------------- */

/* The directory part of path ("." for a bare name), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

int cli_file_open(cli_file *cf, const char *path)
{
    cf->f = NULL;
    cf->path = strdup(path);
    size_t cap = strlen(path) + 64;
    cf->tmp = malloc(cap);
    if (cf->path == NULL || cf->tmp == NULL) {
        cli_file_abort(cf);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    /* O_EXCL with a name of our own, not mkstemp: the file gets the mode any file the user
     * writes gets (0666 & ~umask), as the library's model saves do. */
    static unsigned counter;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(cf->tmp, cap, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        fd = open(cf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        free(cf->tmp);
        cf->tmp = NULL;
        cli_error("%s: cannot create a temporary file beside it: %s", path, strerror(e));
        cli_file_abort(cf);
        return CLI_EXIT_IO;
    }
    cf->f = fdopen(fd, "w");
    if (cf->f == NULL) {
        int e = errno;
        close(fd);
        cli_error("%s: cannot write: %s", path, strerror(e));
        cli_file_abort(cf);
        return CLI_EXIT_IO;
    }
    return 0;
}

void cli_file_abort(cli_file *cf)
{
    if (cf->f != NULL)
        fclose(cf->f);
    if (cf->tmp != NULL)
        unlink(cf->tmp);
    free(cf->tmp);
    free(cf->path);
    cf->f = NULL;
    cf->tmp = NULL;
    cf->path = NULL;
}

int cli_file_commit(cli_file *cf)
{
    const char *step = "cannot write";
    int ok = fflush(cf->f) == 0 && !ferror(cf->f);
    if (ok && fsync(fileno(cf->f)) != 0) {
        step = "cannot sync";
        ok = 0;
    }
    int e = errno;
    int closed = fclose(cf->f) == 0;
    cf->f = NULL;
    if (ok && !closed) {
        e = errno;
        ok = 0;
    }
    if (ok && rename(cf->tmp, cf->path) != 0) {
        e = errno;
        step = "cannot rename the temporary file over it";
        ok = 0;
    }
    if (!ok) {
        cli_error("%s: %s: %s", cf->path, step, strerror(e));
        cli_file_abort(cf);
        return CLI_EXIT_IO;
    }
    free(cf->tmp);
    cf->tmp = NULL;
    /* The rename lasts only once the directory is synced. A file system that cannot sync
     * a directory (EINVAL), or one we may not open, is taken as synced. */
    char *dir = dir_of(cf->path);
    int rc = 0;
    if (dir != NULL) {
        int dfd = open(dir, O_RDONLY | O_CLOEXEC);
        if (dfd >= 0) {
            if (fsync(dfd) != 0 && errno != EINVAL) {
                cli_error("%s: saved, but syncing its directory failed: %s", cf->path,
                          strerror(errno));
                rc = CLI_EXIT_IO;
            }
            close(dfd);
        }
        free(dir);
    }
    cli_file_abort(cf);
    return rc;
}

int cli_write_file(const char *path, const char *data, size_t len)
{
    cli_file cf;
    int rc = cli_file_open(&cf, path);
    if (rc != 0)
        return rc;
    if (len > 0 && fwrite(data, 1, len, cf.f) != len) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        cli_file_abort(&cf);
        return CLI_EXIT_IO;
    }
    return cli_file_commit(&cf);
}

/* ------------------------------------------------------------------------------------
 * Text buffers, JSON strings, class names
 * ---------------------------------------------------------------------------------- */

int cli_buf_append(cli_buf *b, const char *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL) {
            cli_error("out of memory");
            return CLI_EXIT_INTERNAL;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int cli_buf_printf(cli_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        cli_error("formatting failed");
        return CLI_EXIT_INTERNAL;
    }
    if ((size_t)n < sizeof small)
        return cli_buf_append(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = cli_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

void cli_buf_free(cli_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* The length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one (overlong
 * forms, surrogates and code points above U+10FFFF are not). */
static int utf8_sequence(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || p[0] > 0xF4)
        return 0;
    uint32_t cp = p[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int n = utf8_sequence(p);
        if (n == 0) {
            fputs("\\ufffd", f);  /* a path need not be UTF-8; JSON must be */
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n - 1;
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

const char *cli_class_name(int32_t k)
{
    static const char *const names[5] = {"negative", "somewhat negative", "neutral",
                                         "somewhat positive", "positive"};
    return k >= 0 && k < 5 ? names[k] : NULL;
}
