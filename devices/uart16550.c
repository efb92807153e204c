/* devices/uart16550.c: the 16550A UART (PC16550D datasheet, "Registers"). */
#include "devices/devices.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
enum { LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40 };
enum { LCR_DLAB = 0x80, MCR_LOOP = 0x10 };

void uart16550_init(struct uart16550 *u, struct chardev *chr)
{
    *u = (struct uart16550){.chr = chr, .iir = 0x01, .lsr = LSR_THRE | LSR_TEMT, .rx = -1};
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
    struct uart16550 *u = opaque;
    switch (off) {
    case RBR_THR:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        chardev_poll(u->chr, &u->rx);
        if (u->rx >= 0) {
            int c = u->rx;
            u->rx = -1;
            return (uint8_t)c;
        }
        return 0;
    case IER:
        return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
    case IIR_FCR:
        /* No interrupt pending (bit 0 set); FIFOs enabled bits 7:6. */
        return (u->fcr & 1) ? 0xC1 : 0x01;
    case LCR:
        return u->lcr;
    case MCR:
        return u->mcr;
    case LSR:
        chardev_poll(u->chr, &u->rx);
        return LSR_THRE | LSR_TEMT | (u->rx >= 0 ? LSR_DR : 0);
    case MSR:
        /* In loopback, MCR outputs feed MSR inputs; otherwise CTS/DSR/DCD up. */
        if (u->mcr & MCR_LOOP)
            return (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
                             ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
        return 0xB0;
    default:
        return u->scr;
    }
}

static void uart_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct uart16550 *u = opaque;
    uint8_t b = (uint8_t)v;
    switch (off) {
    case RBR_THR:
        if (u->lcr & LCR_DLAB)
            u->dll = b;
        else if (u->mcr & MCR_LOOP)
            u->rx = b;
        else if (u->chr)
            u->chr->write(u->chr, &b, 1);
        break;
    case IER:
        if (u->lcr & LCR_DLAB)
            u->dlm = b;
        else
            u->ier = b & 0x0F;
        break;
    case IIR_FCR:
        u->fcr = b;
        break;
    case LCR:
        u->lcr = b;
        break;
    case MCR:
        u->mcr = b & 0x1F;
        break;
    case SCR:
        u->scr = b;
        break;
    default: /* LSR, MSR are read-only */
        break;
    }
}

const struct squib_dev_ops uart16550_ops = {
    .name = "uart16550", .read = uart_read, .write = uart_write, .impl_min = 1, .impl_max = 1,
};
