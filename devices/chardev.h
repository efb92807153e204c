/* devices/chardev.h: a byte stream a device talks to (the host's stdio, a
 * file, a test buffer).  Devices never touch file descriptors themselves. */
#ifndef DEVICES_CHARDEV_H
#define DEVICES_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

struct chardev {
    /* Writes all bytes (blocking). */
    void (*write)(struct chardev *c, const uint8_t *buf, size_t len);
    /* One byte if available without waiting: 0..255, or -1. */
    int (*read_byte)(struct chardev *c);
    void *opaque;
};

#endif
