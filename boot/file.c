/* boot/file.c: reading a whole image file into memory. */
#include "boot/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

/* "N MiB" when max is a whole number of MiB, else "N bytes". */
static int fail_too_big(const char *path, size_t max)
{
    if (max && !(max & ((1u << 20) - 1)))
        return squib_fail(-EFBIG, "%s is larger than %zu MiB", path, max >> 20);
    return squib_fail(-EFBIG, "%s is larger than %zu bytes", path, max);
}

int boot_read_file(const char *path, size_t max_size, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    if (!path || !*path)
        return squib_fail(-EINVAL, "no file name given");

    /* O_NONBLOCK so that opening a FIFO cannot hang; it is rejected below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (e == EISDIR)
            return squib_fail(-EISDIR, "%s is a directory", path);
        return squib_fail(-e, "cannot open %s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return squib_fail(-e, "cannot stat %s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return squib_fail(-EISDIR, "%s is a directory", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return squib_fail(-EINVAL, "%s is not a regular file", path);
    }
    if (st.st_size < 0 || (uintmax_t)st.st_size > max_size) {
        close(fd);
        return fail_too_big(path, max_size);
    }

    size_t n = (size_t)st.st_size;
    /* One spare byte, so an empty file still yields a buffer to free, and a
     * file that grew since fstat is noticed. */
    uint8_t *buf = malloc(n + 1);
    if (!buf) {
        close(fd);
        return squib_fail(-ENOMEM, "cannot allocate %zu bytes to read %s", n + 1, path);
    }
    size_t got = 0;
    while (got < n + 1) {
        ssize_t r = read(fd, buf + got, n + 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return squib_fail(-e, "cannot read %s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        free(buf);
        return squib_fail(-EIO, "%s changed size while being read", path);
    }
    *data = buf;
    *size = n;
    return 0;
}
