#ifndef FRONTENDS_CLI_CHARDEV_HOST_H
#define FRONTENDS_CLI_CHARDEV_HOST_H

#include <stdbool.h>
#include <stdio.h>

#include "devices/chardev.h"

/* "stdio", "mon:stdio", "null", "file:PATH"; "none" or NULL gives NULL
 * (nothing connected) with err[0] == 0.  On failure NULL with err set. */
struct chardev *chardev_host_open(const char *spec, char *err, size_t err_len);
void chardev_host_close(struct chardev *c);

#endif
