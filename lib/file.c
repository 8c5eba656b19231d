/*
 * The one way the library reads a file: whole, into memory, and only when it is a regular
 * file. Every reader (TSV phrases, vocabulary lists, model files and checkpoints) comes
 * through here, so they all refuse the same things for the same reasons: a FIFO or a
 * terminal could keep a call waiting for ever, a character device such as /dev/zero never
 * ends, and none of them can say its size. The rule and the messages are in
 * docs/corpus.md and docs/model-files.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char *reason(int err, char *buf, size_t cap)
{
    buf[0] = '\0';
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, buf, cap);
#else
    if (strerror_r(err, buf, cap) != 0)
        snprintf(buf, cap, "error %d", err);
    return buf;
#endif
}

/* What a file that is not a regular one is, for the message. */
static const char *not_regular(mode_t mode)
{
    if (S_ISDIR(mode))
        return "not a regular file (a directory)";
    if (S_ISFIFO(mode))
        return "not a regular file (a FIFO or pipe)";
    if (S_ISCHR(mode))
        return "not a regular file (a character device)";
    if (S_ISBLK(mode))
        return "not a regular file (a block device)";
    if (S_ISSOCK(mode))
        return "not a regular file (a socket)";
    return "not a regular file";
}

/* LSTMSENT_ERR_IO in the two layouts the callers document: "cannot open 'p': why" for the
 * text readers, "p: cannot open: why" for the model files, whose messages all start with
 * the path (there, a step of NULL leaves "cannot ...:" out). */
static lstmsent_status io_fail(const char *path, lstmsent__path_style style, const char *step,
                               const char *why)
{
    if (style == LSTMSENT__PATH_QUOTED)
        return lstmsent__fail(LSTMSENT_ERR_IO, "cannot %s '%s': %s", step ? step : "read", path,
                              why);
    if (step == NULL)
        return lstmsent__fail(LSTMSENT_ERR_IO, "%s: %s", path, why);
    return lstmsent__fail(LSTMSENT_ERR_IO, "%s: cannot %s: %s", path, step, why);
}

static lstmsent_status nomem(const char *path, lstmsent__path_style style, size_t bytes)
{
    if (style == LSTMSENT__PATH_QUOTED)
        return lstmsent__fail(LSTMSENT_ERR_NOMEM, "out of memory reading '%s'", path);
    return lstmsent__fail(LSTMSENT_ERR_NOMEM, "%s: out of memory for its %zu bytes", path, bytes);
}

lstmsent_status lstmsent__read_file(char **data, size_t *len, const char *path,
                                    lstmsent__path_style style)
{
    char why[256];
    /* O_NONBLOCK: opening a FIFO that has no writer would otherwise wait for one, before
     * fstat could tell what it is; for a regular file it changes nothing. O_NOCTTY: a
     * terminal named by mistake must not become the process's controlling terminal. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return io_fail(path, style, "open", reason(errno, why, sizeof why));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return io_fail(path, style, "stat", reason(err, why, sizeof why));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return io_fail(path, style, NULL, not_regular(sb.st_mode));
    }
    if ((uintmax_t)sb.st_size > SIZE_MAX / 2) {
        close(fd);
        return io_fail(path, style, NULL, "too large to read into memory");
    }
    /* The size at fstat sizes the buffer; reading goes on to the end of the file all the
     * same, so a file that grew meanwhile is read whole (and one that shrank, as it is
     * now), and files that report no size (/proc) are read too. One byte more for the
     * NUL the text readers rely on. */
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    if (cap < 4096)
        cap = 4096;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return nomem(path, style, cap);
    }
    for (;;) {
        /* Full: most likely at the end the size foretold, so a small read says whether
         * there is more before the buffer grows for it. */
        char probe[4096], *dst = buf + n;
        size_t room = cap - 1 - n;
        if (room == 0) {
            dst = probe;
            room = sizeof probe;
        }
        ssize_t r = read(fd, dst, room < ((size_t)1 << 30) ? room : (size_t)1 << 30);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            free(buf);
            close(fd);
            return io_fail(path, style, "read", reason(err, why, sizeof why));
        }
        if (r == 0)
            break;
        if (dst == probe) {
            char *p = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (p == NULL) {
                free(buf);
                close(fd);
                return nomem(path, style, cap);
            }
            buf = p;
            cap *= 2;
            memcpy(buf + n, probe, (size_t)r);
        }
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return LSTMSENT_OK;
}
