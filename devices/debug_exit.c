/* devices/debug_exit.c: QEMU's isa-debug-exit.  A write of v ends the run
 * with exit status (v << 1) | 1 (QEMU hw/misc/debugexit.c behaviour). */
#include "devices/devices.h"

static uint64_t debug_exit_read(void *opaque, uint64_t off, unsigned size)
{
    return ~0ULL; /* nothing to read, like an unassigned port */
}

static void debug_exit_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct debug_exit *d = opaque;
    squib_machine_request_exit(d->machine, (int)(((v & 0xffffffffu) << 1) | 1));
}

const struct squib_dev_ops debug_exit_ops = {
    .name = "isa-debug-exit", .read = debug_exit_read, .write = debug_exit_write,
    .impl_min = 1, .impl_max = 4,
};
