/* Bus registration, overlap rejection, lookup, splitting, widening and
 * unmapped accesses, with recording devices and no CPU. */
#include <criterion/criterion.h>
#include <string.h>

#include "squib/bus.h"
#include "squib/accel.h"

struct rec {
    uint8_t mem[64];
    unsigned n;
    struct { uint64_t off, val; unsigned size; bool write; } log[64];
};

static uint64_t rec_read(void *o, uint64_t off, unsigned size)
{
    struct rec *r = o;
    uint64_t v = 0;
    memcpy(&v, r->mem + off, size);
    if (r->n < 64)
        r->log[r->n++] = (typeof(r->log[0])){off, v, size, false};
    return v;
}

static void rec_write(void *o, uint64_t off, uint64_t v, unsigned size)
{
    struct rec *r = o;
    memcpy(r->mem + off, &v, size);
    if (r->n < 64)
        r->log[r->n++] = (typeof(r->log[0])){off, v, size, true};
}

static const struct squib_dev_ops any_ops = {"any", rec_read, rec_write, 1, 8};
static const struct squib_dev_ops byte_ops = {"bytes", rec_read, rec_write, 1, 1};
static const struct squib_dev_ops word_ops = {"words", rec_read, rec_write, 4, 4};

Test(bus, overlap_rejected_with_both_names)
{
    struct squib_bus b;
    struct rec r1 = {0}, r2 = {0};
    squib_bus_init(&b, "mmio", 0);
    cr_assert_eq(squib_bus_register(&b, 0x1000, 0x100, &any_ops, &r1), 0);
    cr_assert_lt(squib_bus_register(&b, 0x10ff, 0x10, &byte_ops, &r2), 0);
    cr_assert(strstr(squib_errmsg(), "bytes") && strstr(squib_errmsg(), "any"), "%s", squib_errmsg());
    cr_assert_lt(squib_bus_register(&b, 0xff0, 0x11, &byte_ops, &r2), 0);
    cr_assert_lt(squib_bus_register(&b, 0x0, 0x100000, &byte_ops, &r2), 0);
    cr_assert_eq(squib_bus_register(&b, 0x1100, 0x10, &byte_ops, &r2), 0); /* adjacent is fine */
    cr_assert_eq(squib_bus_register(&b, 0xff0, 0x10, &word_ops, &r2), 0);
    cr_assert_lt(squib_bus_register(&b, 0x5000, 0, &byte_ops, &r2), 0);
    cr_assert_lt(squib_bus_register(&b, ~0ULL - 4, 0x10, &byte_ops, &r2), 0);
    squib_bus_free(&b);
}

Test(bus, lookup_sorted_and_cached)
{
    struct squib_bus b;
    struct rec r[5] = {0};
    squib_bus_init(&b, "mmio", 0);
    uint64_t bases[5] = {0x9000, 0x1000, 0x5000, 0x3000, 0x7000};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(squib_bus_register(&b, bases[i], 0x100, &any_ops, &r[i]), 0);
    for (int i = 0; i < 5; i++) {
        const struct squib_bus_region *g = squib_bus_find(&b, bases[i] + 0x80);
        cr_assert_not_null(g);
        cr_assert_eq(g->opaque, &r[i]);
        cr_assert_eq(squib_bus_find(&b, bases[i] + 0x80), g); /* last-hit path */
    }
    cr_assert_null(squib_bus_find(&b, 0x1100));
    cr_assert_null(squib_bus_find(&b, 0xfff));
    squib_bus_free(&b);
}

Test(bus, split_to_implemented_size_little_endian)
{
    struct squib_bus b;
    struct rec r = {0};
    squib_bus_init(&b, "mmio", 0);
    squib_bus_register(&b, 0x100, 0x40, &byte_ops, &r);
    squib_bus_access(&b, 0x104, 4, true, 0x44332211, NULL);
    cr_assert_eq(r.n, 4);
    for (unsigned i = 0; i < 4; i++) {
        cr_assert_eq(r.log[i].size, 1);
        cr_assert_eq(r.log[i].off, 4 + i);
        cr_assert_eq(r.log[i].val, 0x11 * (i + 1));
    }
    cr_assert_eq(squib_bus_access(&b, 0x104, 4, false, 0, NULL), 0x44332211);
    squib_bus_free(&b);
}

Test(bus, widen_small_access)
{
    struct squib_bus b;
    struct rec r = {0};
    squib_bus_init(&b, "mmio", 0);
    squib_bus_register(&b, 0x100, 0x40, &word_ops, &r);
    memcpy(r.mem + 8, "\x11\x22\x33\x44", 4);
    cr_assert_eq(squib_bus_access(&b, 0x10a, 1, false, 0, NULL), 0x33);
    cr_assert_eq(r.log[0].size, 4);
    cr_assert_eq(r.log[0].off, 8);
    cr_assert_eq(squib_bus_access(&b, 0x10a, 2, false, 0, NULL), 0x4433);
    r.n = 0;
    squib_bus_access(&b, 0x109, 1, true, 0xab, NULL);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.log[0].off, 8);
    cr_assert_eq(r.log[0].size, 4);
    cr_assert_eq(r.log[0].val, 0xab00); /* byte lane 1, other bytes zero */
    /* A 4-byte read straddling two words is assembled byte by byte. */
    memcpy(r.mem + 12, "\x55\x66\x77\x88", 4);
    r.mem[16] = 0x99;
    cr_assert_eq(squib_bus_access(&b, 0x10e, 4, false, 0, NULL), 0x00998877);
    squib_bus_free(&b);
}

Test(bus, unmapped_reads_and_split_at_region_end)
{
    struct squib_bus pio, mmio;
    struct rec r = {0};
    const char *dev = NULL;
    squib_bus_init(&pio, "pio", ~0ULL);
    squib_bus_init(&mmio, "mmio", 0);
    cr_assert_eq(squib_bus_access(&pio, 0x80, 1, false, 0, &dev), 0xff);
    cr_assert_str_eq(dev, "unassigned");
    cr_assert_eq(squib_bus_access(&pio, 0x80, 4, false, 0, NULL), 0xffffffff);
    cr_assert_eq(squib_bus_access(&mmio, 0x80, 8, false, 0, NULL), 0);
    cr_assert_eq(pio.unassigned_reads, 2);
    squib_bus_access(&mmio, 0x80, 4, true, 1, NULL);
    cr_assert_eq(mmio.unassigned_writes, 1);
    /* An access running off the end of a region: the rest is unassigned. */
    squib_bus_register(&pio, 0x100, 2, &any_ops, &r);
    memcpy(r.mem, "\x11\x22", 2);
    cr_assert_eq(squib_bus_access(&pio, 0x100, 4, false, 0, &dev), 0xffff2211);
    cr_assert_str_eq(dev, "any");
    /* ... and one starting in a hole runs into the region. */
    cr_assert_eq(squib_bus_access(&pio, 0xff, 2, false, 0, &dev), 0x11ff);
    cr_assert_str_eq(dev, "unassigned");
    squib_bus_free(&pio);
    squib_bus_free(&mmio);
}
