/* exits/bus.c: MMIO and PIO buses: registration, lookup, splitting and
 * widening (see squib/bus.h for the rules). */
#include "squib/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void squib_bus_init(struct squib_bus *bus, const char *name, uint64_t unmapped_read_value)
{
    memset(bus, 0, sizeof *bus);
    bus->name = name;
    bus->unmapped_read_value = unmapped_read_value;
    bus->last_hit = -1;
}

void squib_bus_free(struct squib_bus *bus)
{
    free(bus->regions);
    bus->regions = NULL;
    bus->count = bus->cap = 0;
    bus->last_hit = -1;
}

int squib_bus_register(struct squib_bus *bus, uint64_t base, uint64_t size,
                       const struct squib_dev_ops *ops, void *opaque)
{
    const char *name = ops && ops->name ? ops->name : "?";
    if (!ops || size == 0 || base + size - 1 < base)
        return squib_fail(-EINVAL, "%s bus: device %s: empty or wrapping region 0x%llx+0x%llx",
                          bus->name, name, (unsigned long long)base, (unsigned long long)size);
    unsigned pos = 0;
    while (pos < bus->count && bus->regions[pos].base < base)
        pos++;
    /* The sorted neighbours are the only candidates for an overlap. */
    for (unsigned i = pos ? pos - 1 : 0; i < bus->count && i <= pos; i++) {
        const struct squib_bus_region *r = &bus->regions[i];
        if (base <= r->base + r->size - 1 && r->base <= base + size - 1)
            return squib_fail(-EEXIST,
                              "%s bus: device %s at 0x%llx+0x%llx overlaps %s at 0x%llx+0x%llx",
                              bus->name, name, (unsigned long long)base,
                              (unsigned long long)size, r->ops->name ? r->ops->name : "?",
                              (unsigned long long)r->base, (unsigned long long)r->size);
    }
    if (bus->count == bus->cap) {
        unsigned cap = bus->cap ? bus->cap * 2 : 8;
        struct squib_bus_region *n = realloc(bus->regions, cap * sizeof *n);
        if (!n)
            return squib_fail(-ENOMEM, "%s bus: out of memory", bus->name);
        bus->regions = n;
        bus->cap = cap;
    }
    memmove(&bus->regions[pos + 1], &bus->regions[pos],
            (bus->count - pos) * sizeof bus->regions[0]);
    bus->regions[pos] = (struct squib_bus_region){
        .base = base, .size = size, .ops = ops, .opaque = opaque};
    bus->count++;
    bus->last_hit = -1;
    return 0;
}

static int bus_lookup(struct squib_bus *bus, uint64_t addr)
{
    int h = bus->last_hit;
    if (h >= 0 && addr - bus->regions[h].base < bus->regions[h].size)
        return h;
    unsigned lo = 0, hi = bus->count;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const struct squib_bus_region *r = &bus->regions[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else
            return bus->last_hit = (int)mid;
    }
    return -1;
}

const struct squib_bus_region *squib_bus_find(struct squib_bus *bus, uint64_t addr)
{
    int i = bus_lookup(bus, addr);
    return i < 0 ? NULL : &bus->regions[i];
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static unsigned pow2_floor(unsigned n)
{
    unsigned p = 1;
    while (p * 2 <= n)
        p *= 2;
    return p;
}

/* One access that lies wholly inside region r, split or widened to the sizes
 * the device implements. */
static uint64_t region_access(const struct squib_bus_region *r, uint64_t off, unsigned size,
                              bool write, uint64_t value)
{
    const struct squib_dev_ops *ops = r->ops;
    unsigned imin = ops->impl_min ? ops->impl_min : 1;
    unsigned imax = ops->impl_max ? ops->impl_max : 8;

    if (size > imax || (size & (size - 1))) { /* split, little-endian */
        uint64_t result = 0;
        for (unsigned done = 0; done < size;) {
            unsigned left = size - done;
            unsigned n = pow2_floor(left < imax ? left : imax);
            uint64_t v = region_access(r, off + done, n, write,
                                       (value >> (8 * done)) & size_mask(n));
            result |= (v & size_mask(n)) << (8 * done);
            done += n;
        }
        return write ? 0 : result;
    }
    uint64_t aligned = off & ~(uint64_t)(imin - 1);
    if (size < imin || aligned != off) { /* widen to an aligned imin access */
        unsigned shift = 8 * (unsigned)(off - aligned);
        if (shift + 8 * size > 8 * imin) {
            /* Straddles two imin words: byte by byte, each widened. */
            uint64_t result = 0;
            for (unsigned i = 0; i < size; i++)
                result |= (region_access(r, off + i, 1, write, (value >> (8 * i)) & 0xff) &
                           0xff) << (8 * i);
            return write ? 0 : result;
        }
        if (aligned + imin > r->size) /* the region is smaller than the device's word */
            return 0;
        if (write) {
            ops->write(r->opaque, aligned, (value & size_mask(size)) << shift, imin);
            return 0;
        }
        return (ops->read(r->opaque, aligned, imin) >> shift) & size_mask(size);
    }
    if (write) {
        ops->write(r->opaque, off, value & size_mask(size), size);
        return 0;
    }
    return ops->read(r->opaque, off, size) & size_mask(size);
}

uint64_t squib_bus_access(struct squib_bus *bus, uint64_t addr, unsigned size, bool write,
                          uint64_t value, const char **dev_name)
{
    uint64_t result = 0;
    bool first = true;
    for (unsigned done = 0; done < size;) {
        uint64_t a = addr + done;
        unsigned left = size - done;
        int i = bus_lookup(bus, a);
        unsigned n;
        uint64_t part;
        if (i < 0) {
            /* Unassigned up to the next region or the end of the access. */
            n = left;
            for (unsigned j = 0; j < bus->count; j++)
                if (bus->regions[j].base > a && bus->regions[j].base - a < n)
                    n = (unsigned)(bus->regions[j].base - a);
            if (write)
                bus->unassigned_writes++;
            else
                bus->unassigned_reads++;
            part = bus->unmapped_read_value & size_mask(n);
            if (first && dev_name)
                *dev_name = "unassigned";
        } else {
            struct squib_bus_region *r = &bus->regions[i];
            uint64_t off = a - r->base;
            if (write)
                r->writes++;
            else
                r->reads++;
            n = r->size - off < left ? (unsigned)(r->size - off) : left;
            part = region_access(r, off, n, write, (value >> (8 * done)) & size_mask(n));
            if (first && dev_name)
                *dev_name = r->ops->name ? r->ops->name : "?";
        }
        if (!write)
            result |= (part & size_mask(n)) << (8 * done);
        done += n;
        first = false;
    }
    return write ? 0 : result;
}
