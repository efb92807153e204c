/* cpu/cpu.h: the interface between the interpreter backend and an ISA core.
 *
 * The interpreter (accel/interp) owns the VM's memory map and picks one
 * core ops table per VM by architecture; it calls the core once per run
 * (never per instruction).  A core sees the outside world only through
 * struct cpu_env: guest memory through the MMU (mmu/tlb.h), and the
 * attention word that other threads set to stop it.  Cores never include
 * devices or frontends: device accesses leave the core as exits.
 */
#ifndef CPU_CPU_H
#define CPU_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmu/tlb.h"
#include "squib/accel.h"
#include "squib/exit.h"

/* Bits of cpu_env.attention: any set bit makes the core leave its block
 * loop at the next block boundary. */
enum {
    CPU_ATTN_KICK = 1u << 0,  /* return INTERRUPTED */
    CPU_ATTN_DEBUG = 1u << 1, /* guest debug settings changed */
    CPU_ATTN_CODE = 1u << 2,  /* decoded code was overwritten: leave the block */
    CPU_ATTN_IRQ = 1u << 3,   /* an interrupt is pending: check at the next boundary */
};

struct cpu_env {
    struct mmu *mmu;
    atomic_uint attention;
};

/* What an earlier exit left for the next run to complete. */
enum cpu_pending {
    CPU_PENDING_NONE,
    CPU_PENDING_MMIO_READ,
    CPU_PENDING_PIO_READ,
    CPU_PENDING_HYPERCALL,
};

struct cpu_core_ops {
    enum squib_arch arch;
    const char *name;
    /* Returns the core's state, or NULL (errno-style error in *err). */
    void *(*create)(struct cpu_env *env, int *err);
    void (*destroy)(void *cpu);
    /* Runs until the next exit, which it writes to *e.  On entry, *e holds
     * the previous exit with the VMM's reply (read data, hypercall result). */
    void (*run)(void *cpu, struct squib_exit *e);
    int (*get_regs)(void *cpu, enum squib_regset set, void *buf);
    int (*set_regs)(void *cpu, enum squib_regset set, const void *buf);
    int (*get_one_reg)(void *cpu, uint64_t id, uint64_t *value);
    int (*set_one_reg)(void *cpu, uint64_t id, uint64_t value);
    int (*set_guest_debug)(void *cpu, const struct squib_guest_debug *dbg);
    /* Queues external interrupt `vector`, or an NMI (call between runs, on
     * the vCPU's thread). */
    int (*interrupt)(void *cpu, unsigned vector, bool nmi);
};

extern const struct cpu_core_ops x86_core_ops;
extern const struct cpu_core_ops a64_core_ops;

#endif
