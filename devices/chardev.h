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

/* A UART's one-byte receive buffer: fills *rx (-1 = empty) from the chardev
 * if it is empty and a byte is waiting. */
static inline void chardev_poll(struct chardev *c, int *rx)
{
    if (*rx < 0 && c && c->read_byte)
        *rx = c->read_byte(c);
}

#endif
