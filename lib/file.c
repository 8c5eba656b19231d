/*
 * The one way the library reads a file: whole, into memory, and only when it is a regular
 * file. Every reader (TSV phrases, vocabulary lists, model files and checkpoints) comes
 * through here, so they all refuse the same things for the same reasons: a FIFO or a
 * terminal could keep a call waiting for ever, a character device such as /dev/zero never
 * ends, and none of them can say its size. The rule and the messages are in
 * docs/corpus.md and docs/model-files.md.
 *
 * And the one way it writes one: atomically (lstmsent__write_file_atomic), so that a
 * failed save never leaves a partial file where the previous one was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

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

/* ---- writing ------------------------------------------------------------------------ */

/* Bytes a save may still write before the injected failure; < 0 when none is armed. */
static _Thread_local int64_t fail_after = -1;

void lstmsent__st_fail_after_bytes(int64_t n)
{
    fail_after = n < 0 ? -1 : n;
}

/* write(2) until done, retrying short writes and EINTR; -1 with errno on failure. */
int lstmsent__write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        size_t chunk = n < ((size_t)1 << 30) ? n : (size_t)1 << 30;
        if (fail_after >= 0) {
            if (fail_after == 0) {
                errno = ENOSPC;
                return -1;
            }
            if ((uint64_t)fail_after < chunk)
                chunk = (size_t)fail_after;
        }
        ssize_t r = write(fd, p, chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (fail_after >= 0)
            fail_after -= r;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Create "<path>.tmp.XXXXXX" exclusively. Not mkstemp: that creates the file 0600, and a
 * saved model should get the usual 0666 & ~umask like any other file the user writes. */
static int open_temp(const char *path, char *tmp, size_t cap)
{
    static atomic_uint_fast64_t counter;
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t x = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ (uint64_t)now.tv_nsec ^
                     ((uint64_t)now.tv_sec << 20) ^ atomic_fetch_add(&counter, 1) * 0xBF58476D1CE4E5B9u;
        x ^= x >> 31;
        x *= 0x94D049BB133111EBu;
        x ^= x >> 29;
        char suffix[7];
        for (int k = 0; k < 6; k++) {
            suffix[k] = alphabet[x % (sizeof alphabet - 1)];
            x /= sizeof alphabet - 1;
        }
        suffix[6] = '\0';
        snprintf(tmp, cap, "%s.tmp.%s", path, suffix);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* fsync the directory holding path, so that the rename itself survives a crash. A file
 * system that cannot sync directories (EINVAL) has nothing more to give, and a directory
 * we may write but not read (EACCES on open) cannot be synced by us at all. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash == NULL) {
        dir = malloc(2);
        if (dir != NULL)
            strcpy(dir, ".");
    } else {
        size_t len = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(len + 1);
        if (dir != NULL) {
            memcpy(dir, path, len);
            dir[len] = '\0';
        }
    }
    if (dir == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return errno == EACCES ? 0 : -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0 && err != EINVAL) {
        errno = err;
        return -1;
    }
    return 0;
}

/* LSTMSENT_ERR_IO for a failed save, in the caller's layout: "p: step: why" (the model
 * files) or "cannot write 'p': step: why" (the vocabulary list). */
static lstmsent_status write_fail(const char *path, lstmsent__path_style style,
                                  const char *step, int err)
{
    char why[256];
    reason(err, why, sizeof why);
    if (style == LSTMSENT__PATH_QUOTED)
        return lstmsent__fail(LSTMSENT_ERR_IO, "cannot write '%s': %s: %s", path, step, why);
    return lstmsent__fail(LSTMSENT_ERR_IO, "%s: %s: %s", path, step, why);
}

lstmsent_status lstmsent__write_file_atomic(const char *path, lstmsent__path_style style,
                                           lstmsent__write_fn write_fn, void *ctx)
{
    size_t cap = strlen(path) + 16;
    char *tmp = malloc(cap);
    if (tmp == NULL)
        return nomem(path, style, cap);
    const char *step = "cannot create a temporary file beside it";
    int fd = open_temp(path, tmp, cap);
    int created = fd >= 0;
    int ok = created;
    if (ok) {
        step = "cannot write";
        ok = write_fn(fd, ctx) == 0;
    }
    if (ok) {
        step = "cannot sync";
        ok = fsync(fd) == 0;
    }
    int err = errno;
    if (created && close(fd) != 0 && ok) {
        err = errno;
        step = "cannot close";
        ok = 0;
    }
    if (ok) {
        step = "cannot rename the temporary file over it";
        ok = rename(tmp, path) == 0;
        err = errno;
    }
    if (!ok && created)
        unlink(tmp);
    free(tmp);
    if (!ok)
        return write_fail(path, style, step, err);
    /* The new file is in place; only its durability across a crash is left to secure. */
    if (sync_dir(path) != 0)
        return write_fail(path, style, "saved, but syncing its directory failed", errno);
    return LSTMSENT_OK;
}
