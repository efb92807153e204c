/* squib/bus.h: MMIO and port-I/O buses.
 *
 * A device is a region [base, base+size) with callbacks that take an offset
 * into the region, an access size and a value.  The bus does the rest:
 *  - registration rejects overlapping regions;
 *  - an access that crosses a region's end is split at the boundary;
 *  - an access larger than the device implements (impl_max) is split into
 *    impl_max-sized pieces, little-endian;
 *  - an access smaller than impl_min is widened to an impl_min-aligned
 *    access: reads extract the bytes asked for, writes put the value at its
 *    byte lane with the other bytes zero (the device sees a wider write).
 * Unmapped accesses: reads return all ones on the PIO bus and zero on the
 * MMIO bus; writes are dropped.  Both are counted under the device name
 * "unassigned" in the exit statistics.
 * Lookup is a binary search over the sorted regions behind a last-hit cache.
 */
#ifndef SQUIB_BUS_H
#define SQUIB_BUS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct squib_dev_ops {
    const char *name;
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    /* Access sizes the device implements (1, 2, 4 or 8); 0 means 1 and 8. */
    uint8_t impl_min, impl_max;
};

struct squib_bus_region {
    uint64_t base, size;
    const struct squib_dev_ops *ops;
    void *opaque;
    uint64_t reads, writes; /* statistics */
};

struct squib_bus {
    const char *name; /* "mmio", "pio" */
    uint64_t unmapped_read_value;
    struct squib_bus_region *regions; /* sorted by base */
    unsigned count, cap;
    int last_hit; /* index, or -1 */
    uint64_t unassigned_reads, unassigned_writes;
};

void squib_bus_init(struct squib_bus *bus, const char *name, uint64_t unmapped_read_value);
void squib_bus_free(struct squib_bus *bus);

/* 0, or -EEXIST (overlap) / -EINVAL (empty or wrapping region) with
 * squib_errmsg() naming both devices. */
int squib_bus_register(struct squib_bus *bus, uint64_t base, uint64_t size,
                       const struct squib_dev_ops *ops, void *opaque);

/* The region containing addr, or NULL. */
const struct squib_bus_region *squib_bus_find(struct squib_bus *bus, uint64_t addr);

/* One access of `size` bytes (1..8).  Reads return the value; writes return 0.
 * `dev_name`, if not NULL, receives the name of the device that got the first
 * byte ("unassigned" if none). */
uint64_t squib_bus_access(struct squib_bus *bus, uint64_t addr, unsigned size, bool write,
                          uint64_t value, const char **dev_name);

#ifdef __cplusplus
}
#endif
#endif
