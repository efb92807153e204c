/* Device models without a CPU: registers through their dev_ops, output and
 * input through a buffer chardev. */
#include <criterion/criterion.h>
#include <string.h>

#include "devices/devices.h"

struct buf_chr {
    struct chardev c;
    char out[256];
    size_t n;
    const char *in;
};

static void buf_write(struct chardev *c, const uint8_t *b, size_t len)
{
    struct buf_chr *h = (struct buf_chr *)c;
    memcpy(h->out + h->n, b, len);
    h->n += len;
}

static int buf_read(struct chardev *c)
{
    struct buf_chr *h = (struct buf_chr *)c;
    return h->in && *h->in ? (uint8_t)*h->in++ : -1;
}

static struct buf_chr chr;

static void setup(void)
{
    memset(&chr, 0, sizeof chr);
    chr.c.write = buf_write;
    chr.c.read_byte = buf_read;
}

TestSuite(devices, .init = setup);

Test(devices, uart16550_transmit_receive_and_registers)
{
    struct uart16550 u;
    const struct squib_dev_ops *o = &uart16550_ops;
    uart16550_init(&u, &chr.c);
    cr_assert_eq(o->read(&u, 5, 1) & 0x60, 0x60, "THR empty and transmitter idle");
    cr_assert_eq(o->read(&u, 5, 1) & 1, 0, "no data ready");
    o->write(&u, 0, 'h', 1);
    o->write(&u, 0, 'i', 1);
    cr_assert_eq(chr.n, 2);
    cr_assert_eq(memcmp(chr.out, "hi", 2), 0);
    /* DLAB: offsets 0/1 are the divisor latch, not THR/IER. */
    o->write(&u, 3, 0x83, 1);
    o->write(&u, 0, 0x0c, 1);
    o->write(&u, 1, 0x00, 1);
    cr_assert_eq(o->read(&u, 0, 1), 0x0c);
    cr_assert_eq(chr.n, 2, "a divisor write is not output");
    o->write(&u, 3, 0x03, 1);
    cr_assert_eq(o->read(&u, 3, 1), 0x03);
    o->write(&u, 7, 0xa5, 1);
    cr_assert_eq(o->read(&u, 7, 1), 0xa5, "scratch register");
    chr.in = "k";
    cr_assert_eq(o->read(&u, 5, 1) & 1, 1, "data ready");
    cr_assert_eq(o->read(&u, 0, 1), 'k');
    cr_assert_eq(o->read(&u, 5, 1) & 1, 0);
    /* Loopback: THR goes to RBR, not to the line. */
    o->write(&u, 4, 0x10, 1);
    o->write(&u, 0, 'x', 1);
    cr_assert_eq(chr.n, 2);
    cr_assert_eq(o->read(&u, 0, 1), 'x');
    cr_assert_eq(o->impl_max, 1, "byte-wide registers; the bus splits wider accesses");
}

Test(devices, pl011_flags_data_and_ids)
{
    struct pl011 p;
    const struct squib_dev_ops *o = &pl011_ops;
    pl011_init(&p, &chr.c);
    uint64_t fr = o->read(&p, 0x18, 4);
    cr_assert_eq(fr & (1 << 5), 0, "TXFF clear");
    cr_assert_neq(fr & (1 << 4), 0, "RXFE set");
    o->write(&p, 0x0, 'A', 4);
    cr_assert_eq(chr.n, 1);
    cr_assert_eq(chr.out[0], 'A');
    chr.in = "z";
    cr_assert_eq(o->read(&p, 0x18, 4) & (1 << 4), 0, "RXFE clear with a byte waiting");
    cr_assert_eq(o->read(&p, 0x0, 4), 'z');
    static const uint8_t ids[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    for (int k = 0; k < 8; k++)
        cr_assert_eq(o->read(&p, 0xfe0 + 4 * k, 4), ids[k]);
    o->write(&p, 0x30, 0x301, 4);
    cr_assert_eq(o->read(&p, 0x30, 4), 0x301);
    o->write(&p, 0x38, 0xfff, 4);
    cr_assert_eq(o->read(&p, 0x38, 4), 0x7ff, "IMSC has 11 bits");
}

Test(devices, debug_exit_debugcon_and_acpi_power_off)
{
    struct squib_machine m;
    memset(&m, 0, sizeof m);
    struct debug_exit d = {.machine = &m};
    debug_exit_ops.write(&d, 0, 0x21, 1);
    cr_assert_eq(m.exit_status, 0x43);
    cr_assert_eq(atomic_load(&m.request), 1 + SQUIB_RUN_EXIT);

    memset(&m, 0, sizeof m);
    struct acpi_pm a = {.machine = &m};
    acpi_pm_ops.write(&a, 0, 0x1 << 10, 2); /* SLP_TYP 1 without SLP_EN: nothing */
    cr_assert_eq(atomic_load(&m.request), 0);
    cr_assert_eq(acpi_pm_ops.read(&a, 0, 2), 0x400);
    acpi_pm_ops.write(&a, 0, 0x2000, 2);
    cr_assert_eq(atomic_load(&m.request), 1 + SQUIB_RUN_SHUTDOWN);
    cr_assert_eq(acpi_pm_ops.read(&a, 0, 2) & 0x2000, 0, "SLP_EN reads as zero");

    struct debugcon c = {.chr = &chr.c};
    debugcon_ops.write(&c, 0, 'q', 1);
    cr_assert_eq(chr.out[0], 'q');
    cr_assert_eq(debugcon_ops.read(&c, 0, 1), 0xe9);
}
