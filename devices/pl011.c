/* devices/pl011.c: Arm PrimeCell UART PL011 (ARM DDI 0183G, 3.2 "Summary of
 * registers").  Transmit is immediate; receive polls the chardev. */
#include "devices/devices.h"

enum {
    UARTDR = 0x000, UARTRSR = 0x004, UARTFR = 0x018, UARTILPR = 0x020, UARTIBRD = 0x024,
    UARTFBRD = 0x028, UARTLCR_H = 0x02C, UARTCR = 0x030, UARTIFLS = 0x034, UARTIMSC = 0x038,
    UARTRIS = 0x03C, UARTMIS = 0x040, UARTICR = 0x044, UARTDMACR = 0x048,
};
enum { FR_RXFE = 1 << 4, FR_TXFF = 1 << 5, FR_TXFE = 1 << 7 };

/* PrimeCell identification at 0xFE0..0xFFC: PL011 r1p5, component id. */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

void pl011_init(struct pl011 *u, struct chardev *chr)
{
    *u = (struct pl011){.chr = chr, .cr = 0x300, .ifls = 0x12, .rx = -1};
}

static uint64_t pl011_read(void *opaque, uint64_t off, unsigned size)
{
    struct pl011 *u = opaque;
    if (off >= 0xFE0 && off < 0x1000)
        return pl011_id[(off - 0xFE0) >> 2];
    switch (off) {
    case UARTDR:
        chardev_poll(u->chr, &u->rx);
        if (u->rx >= 0) {
            int c = u->rx;
            u->rx = -1;
            return (uint8_t)c;
        }
        return 0;
    case UARTFR:
        chardev_poll(u->chr, &u->rx);
        return FR_TXFE | (u->rx < 0 ? FR_RXFE : 0);
    case UARTIBRD: return u->ibrd;
    case UARTFBRD: return u->fbrd;
    case UARTLCR_H: return u->lcr_h;
    case UARTCR: return u->cr;
    case UARTIFLS: return u->ifls;
    case UARTIMSC: return u->imsc;
    case UARTRIS: return u->ris;
    case UARTMIS: return u->ris & u->imsc;
    default: return 0;
    }
}

static void pl011_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct pl011 *u = opaque;
    switch (off) {
    case UARTDR: {
        uint8_t b = (uint8_t)v;
        if (u->chr)
            u->chr->write(u->chr, &b, 1);
        break;
    }
    case UARTIBRD: u->ibrd = v & 0xFFFF; break;
    case UARTFBRD: u->fbrd = v & 0x3F; break;
    case UARTLCR_H: u->lcr_h = v & 0xFF; break;
    case UARTCR: u->cr = v & 0xFFFF; break;
    case UARTIFLS: u->ifls = v & 0x3F; break;
    case UARTIMSC: u->imsc = v & 0x7FF; break;
    case UARTICR: u->ris &= ~(uint32_t)v; break;
    default: break; /* RSR/ECR clear, DMACR: no DMA */
    }
}

const struct squib_dev_ops pl011_ops = {
    .name = "pl011", .read = pl011_read, .write = pl011_write, .impl_min = 4, .impl_max = 4,
};
