/* frontends/cli/chardev_host.c: chardevs on host file descriptors (stdio,
 * files, null). */
#include "frontends/cli/chardev_host.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct host_chr {
    struct chardev c;
    int in_fd, out_fd;
    bool close_out;
};

static void host_write(struct chardev *c, const uint8_t *buf, size_t len)
{
    struct host_chr *h = (struct host_chr *)c;
    while (len && h->out_fd >= 0) {
        ssize_t n = write(h->out_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the reader went away: drop output like a disconnected line */
        buf += n;
        len -= (size_t)n;
    }
}

static int host_read_byte(struct chardev *c)
{
    struct host_chr *h = (struct host_chr *)c;
    if (h->in_fd < 0)
        return -1;
    struct pollfd p = {.fd = h->in_fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
        return -1;
    uint8_t b;
    ssize_t n = read(h->in_fd, &b, 1);
    if (n <= 0) {
        h->in_fd = -1; /* end of input */
        return -1;
    }
    return b;
}

struct chardev *chardev_host_open(const char *spec, char *err, size_t err_len)
{
    if (!spec || !strcmp(spec, "none"))
        return NULL;
    struct host_chr *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    h->c.write = host_write;
    h->c.read_byte = host_read_byte;
    h->in_fd = h->out_fd = -1;
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        h->in_fd = STDIN_FILENO;
        h->out_fd = STDOUT_FILENO;
    } else if (!strncmp(spec, "file:", 5)) {
        h->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (h->out_fd < 0) {
            snprintf(err, err_len, "cannot open %s: %s", spec + 5, strerror(errno));
            free(h);
            return NULL;
        }
        h->close_out = true;
    } /* "null": connected, discards output, never has input */
    return &h->c;
}

void chardev_host_close(struct chardev *c)
{
    struct host_chr *h = (struct host_chr *)c;
    if (!h)
        return;
    if (h->close_out)
        close(h->out_fd);
    free(h);
}
