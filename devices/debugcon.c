/* devices/debugcon.c: the 0xe9 debug console. */
#include "devices/devices.h"

static uint64_t debugcon_read(void *opaque, uint64_t off, unsigned size)
{
    return 0xe9; /* the port's "present" signature */
}

static void debugcon_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct debugcon *d = opaque;
    uint8_t b = (uint8_t)v;
    if (d->chr)
        d->chr->write(d->chr, &b, 1);
}

const struct squib_dev_ops debugcon_ops = {
    .name = "debugcon", .read = debugcon_read, .write = debugcon_write,
    .impl_min = 1, .impl_max = 1,
};
