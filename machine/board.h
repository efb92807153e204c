/* machine/board.h: the boards (pc, virt): a machine's memory map, devices,
 * loaded images and boot register state, from a configuration the frontend
 * parsed.  Plain C, devices created in order, state passed explicitly. */
#ifndef MACHINE_BOARD_H
#define MACHINE_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/devices.h"
#include "squib/machine.h"

#define BOARD_MAX_LOADERS 8

struct board_loader {
    const char *file;   /* NULL for a data= loader */
    uint64_t addr;
    bool has_addr;
    int cpu_num;        /* -1: load only */
    uint64_t data;      /* data= value */
    unsigned data_len;  /* data-len= (1, 2, 4, 8) */
};

struct board_config {
    const char *machine; /* "pc" or "virt" */
    const char *accel;   /* "auto", "interp", "kvm" */
    const char *cpu;     /* model name or NULL for the board's default */
    uint64_t ram_size;
    unsigned smp;
    const char *bios, *kernel, *append, *initrd;
    struct board_loader loaders[BOARD_MAX_LOADERS];
    unsigned n_loaders;
    bool debug_exit;
    uint16_t debug_exit_iobase, debug_exit_iosize;
    struct chardev *serial;   /* NULL: the UART is there but unconnected */
    struct chardev *debugcon; /* NULL: no debug console on 0xe9 */
    const char *dumpdtb;      /* virt: write the device tree here and stop */
    bool psci_smc;            /* virt: PSCI/SMCCC over SMC (-M virt,psci-conduit=smc) */
};

struct board {
    struct squib_machine m;
    enum squib_arch arch;
    struct uart16550 uart;
    struct pl011 pl011;
    struct debug_exit dexit;
    struct debugcon dcon;
    struct acpi_pm acpi;
};

/* What a board is; for -M help. */
struct board_info {
    const char *name;
    enum squib_arch arch;
    const char *description;
    const char *default_cpu;
    const char *const *cpus; /* NULL-terminated list of accepted -cpu models */
    uint64_t default_ram;
};

const struct board_info *board_find(const char *name);
const struct board_info *board_list(unsigned *count);

/* Builds the machine: VM on cfg->accel, memory, devices, images, registers.
 * 0, or a negative errno with squib_errmsg() saying why; 1 when there is
 * nothing to run (dumpdtb written). */
int board_create(struct board *b, const struct board_config *cfg);
void board_destroy(struct board *b);

/* board-specific parts (pc.c, virt.c) */
int board_pc_build(struct board *b, const struct board_config *cfg);
int board_virt_build(struct board *b, const struct board_config *cfg);

/* Loaders shared by the boards (board.c): -device loader entries.  Sets
 * *entry and *have_entry for the loader with cpu-num=0. */
int board_run_loaders(struct board *b, const struct board_config *cfg, uint64_t *entry,
                      bool *have_entry);

/* x86_cpu.c: applies the ",+feat,-feat,feat=on|off" items of a pc -cpu
 * spec (after the model name) to the vCPU's CPUID. */
int board_x86_cpu_features(struct squib_vcpu *cpu, const char *spec);

#endif
