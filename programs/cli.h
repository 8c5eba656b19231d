/*
 * What the subcommands of the lstmsent command share: exit codes and the one mapping from
 * lstmsent_status to them, messages, option parsing, and output files that are written
 * whole or not at all. The command uses only the public API (<lstmsent/lstmsent.h>), as
 * any program built on the library would.
 */
#ifndef LSTMSENT_CLI_H
#define LSTMSENT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lstmsent/lstmsent.h>

/* Exit codes, documented in every --help and in docs/command.md. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INTERNAL = 1, /* out of memory, a failure that should not happen */
    CLI_EXIT_USAGE = 2,    /* bad command line: unknown option, bad value, missing argument */
    CLI_EXIT_INPUT = 3,    /* bad input: malformed TSV, model, vocabulary, labels, UTF-8 */
    CLI_EXIT_IO = 4        /* a file cannot be opened, read or written */
};

/* The text every subcommand's --help ends with. */
#define CLI_EXIT_HELP                                                                      \
    "Exit status: 0 success, 1 internal error (out of memory, unexpected), 2 bad usage,\n"  \
    "3 bad input (malformed TSV, model file, vocabulary, labels or UTF-8), 4 I/O error\n"   \
    "(a file missing, unreadable or unwritable).\n"

/* The exit code for a library status (CLI_EXIT_OK for LSTMSENT_OK). */
int cli_exit_code(lstmsent_status st);

/* Print "lstmsent: <message>\n" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report a failed library call: "lstmsent: <lstmsent_last_error()>" (or the status text
 * when the library left no message) and answer its exit code. */
int cli_fail(lstmsent_status st);
/* The same with a prefix: "lstmsent: <prefix>: <message>". */
int cli_fail_at(lstmsent_status st, const char *prefix);

/* A usage error of subcommand cmd: the message, a pointer to --help, and CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option values. Each prints a usage error naming the option and returns CLI_EXIT_USAGE
 * on a bad value, else 0. */
int cli_parse_long(const char *cmd, const char *opt, const char *text, long min, long max,
                   long *out);
int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out);
/* A finite number in [min, max] (or (min, max] with min_open). */
int cli_parse_double(const char *cmd, const char *opt, const char *text, double min,
                     double max, int min_open, double *out);

/* The default thread count: the online processors, 1..64. */
int cli_default_threads(void);
/* Set the library's threads. requested 0 means the default, with a quiet fall back to one
 * thread where the BLAS has no thread control; an explicit count the library refuses is a
 * usage error. Returns 0 or an exit code. */
int cli_set_threads(const char *cmd, long requested);

double cli_now(void);

/* An output file written whole or not at all: the text goes to a new temporary file in
 * the target's directory, which commit flushes, fsyncs and renames over the target (then
 * fsyncs the directory). abort, or a failed commit, removes the temporary file and
 * leaves whatever was at the target as it was. */
typedef struct cli_file {
    FILE *f;       /* write here between open and commit */
    char *path;
    char *tmp;
} cli_file;

/* Returns 0 or CLI_EXIT_IO (with the message printed). */
int cli_file_open(cli_file *cf, const char *path);
int cli_file_commit(cli_file *cf);
void cli_file_abort(cli_file *cf);
/* The whole of data[0..len) to path through a cli_file. */
int cli_write_file(const char *path, const char *data, size_t len);

/* A growing byte buffer (for text built before it is written). */
typedef struct cli_buf {
    char *data;
    size_t len, cap;
} cli_buf;
/* Append printf-formatted text; returns 0, or CLI_EXIT_INTERNAL out of memory. */
int cli_buf_printf(cli_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_buf_append(cli_buf *b, const char *data, size_t len);
void cli_buf_free(cli_buf *b);

/* Write s as a JSON string (quotes included) to f. */
void cli_json_string(FILE *f, const char *s);

/* The conventional names of the five classes ("negative" ... "positive"), or NULL for a
 * class index outside 0..4. */
const char *cli_class_name(int32_t k);

/* The subcommands: argv[0] is the subcommand's name. */
int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_predict(int argc, char **argv);

/* Run a library call; on failure report it (cli_fail), set rc to its exit code and go to
 * the caller's `done:` label. */
#define TRY(call)                                                                          \
    do {                                                                                   \
        lstmsent_status st_ = (call);                                                      \
        if (st_ != LSTMSENT_OK) {                                                          \
            rc = cli_fail(st_);                                                            \
            goto done;                                                                     \
        }                                                                                  \
    } while (0)

#endif /* LSTMSENT_CLI_H */
