/* squib/accel.h: virtual machines and vCPUs on a pluggable accelerator.
 *
 * The same calls drive the interpreter ("interp") and KVM ("kvm"); "auto"
 * takes KVM when it can run the guest's architecture and the interpreter
 * otherwise.  A run returns one struct squib_exit (squib/exit.h).
 *
 * Errors: functions returning int give 0 on success and a negative errno
 * value on failure; squib_errmsg() then holds a sentence saying what failed
 * (thread-local, overwritten by the next failing call).
 */
#ifndef SQUIB_ACCEL_H
#define SQUIB_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "squib/exit.h"
#include "squib/regs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum squib_arch {
    SQUIB_ARCH_X86_64 = 1,
    SQUIB_ARCH_ARM64 = 2,
};

const char *squib_arch_name(enum squib_arch arch);

struct squib_vm;
struct squib_vcpu;

/* The last error message of this thread ("" if none). */
const char *squib_errmsg(void);

#define SQUIB_ACCEL_WHY_MAX 256

struct squib_accel_info {
    const char *name;        /* "interp", "kvm" */
    const char *description; /* one line */
    bool available;          /* can run `arch` here */
    char why[SQUIB_ACCEL_WHY_MAX]; /* why not available, or notes (kvm-pvm) */
};

/* Fills up to `max` entries, one per built-in backend, for guests of `arch`.
 * Returns the number of backends. */
int squib_accel_list(enum squib_arch arch, struct squib_accel_info *out, int max);

/* Creates a VM on backend `accel` ("auto", "interp", "kvm"). */
int squib_vm_create(const char *accel, enum squib_arch arch, struct squib_vm **out);
void squib_vm_destroy(struct squib_vm *vm);
const char *squib_vm_accel_name(const struct squib_vm *vm);
/* Why this backend was chosen (for "auto": what it looked at). */
const char *squib_vm_accel_reason(const struct squib_vm *vm);
enum squib_arch squib_vm_arch(const struct squib_vm *vm);

#define SQUIB_MEM_READONLY 1u /* guest writes become MMIO write exits */

/* Maps `size` bytes of host memory at `host` (page aligned, owned by the
 * caller, alive until the VM is destroyed) at guest-physical `gpa`.  The same
 * host memory may be mapped at several addresses (aliases).  Regions may not
 * overlap. */
int squib_vm_map_ram(struct squib_vm *vm, uint64_t gpa, uint64_t size, void *host,
                     unsigned flags);

/* Injects external interrupt `vector` (x86: 0-255, taken when RFLAGS.IF
 * allows, like KVM_INTERRUPT with a user-space interrupt controller) or,
 * with nmi, an NMI.  Call between runs on the vCPU's thread (from another
 * thread, inject then squib_vcpu_kick).  A HLT with the interrupt pending
 * wakes at once.  -EBUSY while an earlier vector has not been taken. */
int squib_vcpu_interrupt(struct squib_vcpu *vcpu, unsigned vector, bool nmi);

/* Drives interrupt line `irq` of the VM's interrupt controller. */
int squib_vm_set_irq_line(struct squib_vm *vm, unsigned irq, bool level);

int squib_vcpu_create(struct squib_vm *vm, unsigned index, struct squib_vcpu **out);
unsigned squib_vcpu_index(const struct squib_vcpu *vcpu);
struct squib_vm *squib_vcpu_vm(const struct squib_vcpu *vcpu);

/* Runs until the next exit.  Call again after handling it (for read exits
 * after filling the data or hypercall results in the same record). */
int squib_vcpu_run(struct squib_vcpu *vcpu, struct squib_exit *exit);

/* Makes a running or the next squib_vcpu_run return an INTERRUPTED exit
 * soon.  Safe from any thread and from signal handlers.  The KVM backend
 * uses the real-time signal SIGRTMIN+4 on the vCPU's thread for it. */
void squib_vcpu_kick(struct squib_vcpu *vcpu);

/* Register sets (squib/regs.h); `size` must be the set's struct size. */
int squib_vcpu_get_regs(struct squib_vcpu *vcpu, enum squib_regset set, void *buf,
                        size_t size);
int squib_vcpu_set_regs(struct squib_vcpu *vcpu, enum squib_regset set, const void *buf,
                        size_t size);
/* Single registers by id: x86 MSRs, arm64 system registers. */
int squib_vcpu_get_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t *value);
int squib_vcpu_set_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t value);

#define SQUIB_MAX_BREAKPOINTS 4

/* Guest debug: with single_step, every instruction ends in a DEBUG exit
 * (after a write exit the stop comes on the next run, as the hardware's #DB
 * after the instruction; HLT reports only the HLT).  Breakpoints are
 * execution breakpoints at linear addresses (x86: CS.base + RIP, as the
 * debug registers hold them; arm64: the virtual address); a DEBUG exit for
 * one has debug.addr = that address and pc = the instruction pointer, and
 * the next run executes the instruction (like x86 RF). */
struct squib_guest_debug {
    bool enable;
    bool single_step;
    unsigned n_breakpoints;
    uint64_t breakpoints[SQUIB_MAX_BREAKPOINTS];
};

int squib_vcpu_set_guest_debug(struct squib_vcpu *vcpu, const struct squib_guest_debug *dbg);

#ifdef __cplusplus
}
#endif
#endif
