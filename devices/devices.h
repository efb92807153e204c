/* devices/devices.h: the device models.  Each is a struct with its state and
 * a const struct squib_dev_ops; the board registers it on a bus with
 * squib_bus_register(bus, base, size, &X_ops, &state).  Devices see only
 * offsets, sizes and values; they never include frontends or SDL. */
#ifndef DEVICES_DEVICES_H
#define DEVICES_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/chardev.h"
#include "squib/bus.h"
#include "squib/machine.h"

/* 16550A UART (National Semiconductor PC16550D datasheet): 8 byte-wide
 * registers; DLAB switches offsets 0/1 to the divisor latch.  Transmit is
 * immediate (THR empty always), receive polls the chardev. */
struct uart16550 {
    struct chardev *chr;
    uint8_t ier, iir, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
    int rx; /* buffered received byte or -1 */
};
void uart16550_init(struct uart16550 *u, struct chardev *chr);
extern const struct squib_dev_ops uart16550_ops;

/* Arm PrimeCell UART PL011 (ARM DDI 0183): data, flags, control and the
 * PrimeCell id registers. */
struct pl011 {
    struct chardev *chr;
    uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, ris;
    int rx;
};
void pl011_init(struct pl011 *u, struct chardev *chr);
extern const struct squib_dev_ops pl011_ops;

/* QEMU's isa-debug-exit: a write of v ends the run with status (v<<1)|1. */
struct debug_exit {
    struct squib_machine *machine;
};
extern const struct squib_dev_ops debug_exit_ops;

/* The 0xe9 debug console (Bochs/QEMU debugcon): bytes written go to the
 * chardev; reads return 0xe9, which is how guests detect it. */
struct debugcon {
    struct chardev *chr;
};
extern const struct squib_dev_ops debugcon_ops;

/* ACPI PM1a control register, as QEMU's pc exposes it at port 0x604:
 * writing SLP_EN (bit 13) with SLP_TYP 0 powers the machine off (ACPI 6.4,
 * 4.8.3.2.1).  The run ends as SQUIB_RUN_SHUTDOWN. */
struct acpi_pm {
    struct squib_machine *machine;
    uint16_t pm1_cnt;
};
extern const struct squib_dev_ops acpi_pm_ops;

#endif
