/* squib/exit.h: the VM exit, the one record every backend returns from a run.
 *
 * A run of a vCPU ends with exactly one exit.  The kinds are listed once in
 * SQUIB_EXIT_KINDS, which also yields their printable names.  Per kind, which
 * backend produces it and when:
 *
 *  INTERRUPTED    both: the run was kicked (squib_vcpu_kick, from any
 *                 thread).  Nothing happened to the guest; run again.
 *                 arm64 interpreter: also when a timer output line
 *                 changed (squib_vcpu_device_irq_level, KVM_EXIT_INTR).
 *  MMIO           both: the guest accessed guest-physical memory that is not
 *                 RAM (or wrote to read-only memory such as a ROM).
 *                 `addr` is guest-physical, `size` is 1, 2, 4 or 8 (KVM
 *                 splits an access that crosses a page into two exits,
 *                 whose sizes may then be anything from 1 to 7).
 *                 Reads: the VMM stores the value in `data` (zero-filled by
 *                 the backend before the exit) and runs again; the instruction
 *                 completes on re-entry (x86 re-executes it and answers its
 *                 earlier reads from a per-instruction read cache; arm64
 *                 writes the value into the load's destination register,
 *                 sign-extending where the load is signed).  arm64 pairs,
 *                 exclusives and atomics to such memory do not exit: as
 *                 under KVM+QEMU the guest takes an external Data Abort.
 *  PIO            x86 only, both: IN/OUT/INS/OUTS; one exit per element of a
 *                 string instruction.  `size` is 1, 2 or 4.  Reads are
 *                 completed as for MMIO.  The run loop answers reads of ports
 *                 where no device sits with all ones.
 *  HYPERCALL      arm64: HVC #0 (SMCCC), and SMC #0 when the VM's conduit
 *                 is SMC (squib_vm_set_psci_conduit): func = x0, args =
 *                 x1..x6; the VMM writes ret[0..3], which land in x0..x3.
 *                 HVC (or SMC) with another immediate does not exit: x0 =
 *                 -1 (NOT_SUPPORTED), as KVM.
 *                 x86: VMCALL with the Xen x86-64 register convention:
 *                 func = rax, args = rdi, rsi, rdx, r10, r8, r9; ret[0] lands
 *                 in rax (ret[1..3] are ignored).  The interpreter produces it
 *                 always; the KVM backend only where the kernel offers the Xen
 *                 hypercall intercept (see docs/ARCHITECTURE.md).
 *  WFI, WFE       arm64 interpreter: the guest waits for an interrupt/event.
 *                 The next run continues after the instruction.  A WFI
 *                 with an IRQ/FIQ line high does not exit.  For WFI the
 *                 VMM may sleep until squib_vcpu_timer_deadline().
 *  HLT            x86, both: HLT at CPL0.
 *  RESET          the guest asked for a reset (KVM SYSTEM_EVENT reset; PSCI
 *                 SYSTEM_RESET is turned into this by the run loop).
 *  SHUTDOWN       the vCPU shut down: `shutdown.reason` tells a power-off
 *                 request (KVM SYSTEM_EVENT shutdown, PSCI SYSTEM_OFF in the
 *                 run loop) from an x86 triple fault (KVM_EXIT_SHUTDOWN, or the
 *                 interpreter's triple fault).
 *  DEBUG          both, only with guest debug enabled: single-step, software
 *                 or hardware breakpoint, watchpoint.  `pc` is the address of
 *                 the instruction not yet executed; `addr` the data address of
 *                 a watchpoint hit.
 *  INTERNAL_ERROR both: fatal.  `message` says what, `pc` and `insn` where
 *                 (for the interpreter: an instruction not implemented yet;
 *                 for KVM: the hardware entry failure reason or the kernel's
 *                 emulation failure).  Running again is not meaningful.
 *
 * `pc` is, for every kind, the guest address of the instruction that caused
 * the exit (for INTERRUPTED: of the next instruction to run).
 */
#ifndef SQUIB_EXIT_H
#define SQUIB_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(ENUM_SUFFIX, "name") */
#define SQUIB_EXIT_KINDS(X)            \
    X(INTERRUPTED, "interrupted")      \
    X(MMIO, "mmio")                    \
    X(PIO, "pio")                      \
    X(HYPERCALL, "hypercall")          \
    X(WFI, "wfi")                      \
    X(WFE, "wfe")                      \
    X(HLT, "hlt")                      \
    X(RESET, "reset")                  \
    X(SHUTDOWN, "shutdown")            \
    X(DEBUG, "debug")                  \
    X(INTERNAL_ERROR, "internal-error")

enum squib_exit_kind {
#define SQUIB_EXIT_ENUM_(e, s) SQUIB_EXIT_##e,
    SQUIB_EXIT_KINDS(SQUIB_EXIT_ENUM_)
#undef SQUIB_EXIT_ENUM_
    SQUIB_EXIT_KIND_COUNT
};

#define SQUIB_DEBUG_REASONS(X)      \
    X(SINGLE_STEP, "single-step")   \
    X(BREAKPOINT, "breakpoint")     \
    X(WATCHPOINT, "watchpoint")

enum squib_debug_reason {
#define SQUIB_DEBUG_ENUM_(e, s) SQUIB_DEBUG_##e,
    SQUIB_DEBUG_REASONS(SQUIB_DEBUG_ENUM_)
#undef SQUIB_DEBUG_ENUM_
    SQUIB_DEBUG_REASON_COUNT
};

enum squib_shutdown_reason {
    SQUIB_SHUTDOWN_POWEROFF = 0,
    SQUIB_SHUTDOWN_TRIPLE_FAULT = 1,
};

#define SQUIB_EXIT_MESSAGE_MAX 200
#define SQUIB_EXIT_INSN_MAX 16

struct squib_exit {
    enum squib_exit_kind kind;
    uint64_t pc;
    union {
        struct {
            uint64_t addr;
            uint64_t data; /* value, little-endian order of the access */
            uint8_t size;
            bool write;
        } mmio;
        struct {
            uint16_t port;
            uint8_t size;
            bool write;
            uint32_t data;
        } pio;
        struct {
            uint64_t func;
            uint64_t args[6];
            uint64_t ret[4]; /* written by the VMM */
        } hypercall;
        struct {
            enum squib_shutdown_reason reason;
        } shutdown;
        struct {
            enum squib_debug_reason reason;
            uint64_t addr;
        } debug;
        struct {
            char message[SQUIB_EXIT_MESSAGE_MAX];
            uint8_t insn[SQUIB_EXIT_INSN_MAX];
            uint8_t insn_len;
        } internal;
    };
};

/* "mmio", "pio", ...; "?" for an out-of-range kind. */
const char *squib_exit_kind_name(enum squib_exit_kind kind);
const char *squib_debug_reason_name(enum squib_debug_reason reason);

/* One human-readable line (no newline) describing `e`, as `-d exits` prints
 * it: "pio out port=0x3f8 size=1 data=0x48 pc=0xfff05".  Returns the length
 * snprintf would have written. */
int squib_exit_format(const struct squib_exit *e, char *buf, size_t len);

/* Fills an INTERNAL_ERROR exit: message (printf-style), pc, instruction bytes. */
void squib_exit_internal_error(struct squib_exit *e, uint64_t pc, const uint8_t *insn,
                               size_t insn_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#ifdef __cplusplus
}
#endif
#endif
