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

/* ---- arm64: timers, interrupt inputs, SMC (the KVM user-space irqchip model)
 *
 * With no interrupt controller in the backend, the VMM is the interrupt
 * controller, as with KVM on arm64 without an in-kernel vGIC:
 *  - the vCPU's generic timers (EL1 virtual and physical) drive output
 *    lines that the VMM reads with squib_vcpu_device_irq_level() after any
 *    exit (KVM: kvm_run->s.regs.device_irq_level).  When a line changes
 *    (a timer's deadline passes, or the guest enables, masks or reprograms
 *    it), the run ends with an INTERRUPTED exit (KVM: KVM_EXIT_INTR) soon
 *    after: the interpreter looks at the host clock every
 *    64 blocks (at most 2048 instructions) while a timer is armed and at
 *    the start of every run;
 *  - the VMM drives the PE's IRQ and FIQ inputs with squib_vcpu_set_line()
 *    (KVM: KVM_IRQ_LINE, KVM_ARM_IRQ_TYPE_CPU).  They are level-sensitive:
 *    the interrupt is taken between instructions while the line is high and
 *    PSTATE.I (IRQ) / PSTATE.F (FIQ) is clear, to VBAR_EL1 + 0x080 / 0x100
 *    in the current-EL or lower-EL group, ELR_EL1 = the next instruction.
 *    A WFI with a line high, masked or not, completes at once.
 * The counter runs at 62.5 MHz from host CLOCK_MONOTONIC; the timer
 * registers are read and written with the ONE_REG ids below (KVM's). */

#define SQUIB_DEV_IRQ_VTIMER (1u << 0) /* KVM_ARM_DEV_EL1_VTIMER */
#define SQUIB_DEV_IRQ_PTIMER (1u << 1) /* KVM_ARM_DEV_EL1_PTIMER */

/* The timer output lines (SQUIB_DEV_IRQ_* bits) as of the last exit.  0 on
 * backends and architectures without them (x86, the KVM backend so far). */
uint32_t squib_vcpu_device_irq_level(struct squib_vcpu *vcpu);

#define SQUIB_LINE_IRQ 0u
#define SQUIB_LINE_FIQ 1u

/* Sets input `line` (SQUIB_LINE_IRQ or SQUIB_LINE_FIQ) of an arm64 vCPU to
 * `level`.  From any thread; wakes a squib_vcpu_wait() and a running vCPU
 * takes the interrupt at its next block boundary.  -ENOSYS for x86 vCPUs
 * (use squib_vcpu_interrupt) and backends without it (KVM so far). */
int squib_vcpu_set_line(struct squib_vcpu *vcpu, unsigned line, bool level);

/* When (host CLOCK_MONOTONIC, ns) a timer output line will next differ
 * from squib_vcpu_device_irq_level(): the earliest deadline of an enabled,
 * unmasked timer (CTL.ENABLE = 1, CTL.IMASK = 0) that has not fired, or
 * now if a change is not reported yet.  -ENOENT if no timer can change;
 * -ENOSYS where there are no such timers.  The run loop uses it on WFI. */
int squib_vcpu_timer_deadline(struct squib_vcpu *vcpu, uint64_t *monotonic_ns);

/* Sleeps until host CLOCK_MONOTONIC reaches `monotonic_ns`, a kick
 * (squib_vcpu_kick), or squib_vcpu_set_line raising a line, whichever
 * comes first.  Returns 0 at the deadline, 1 when woken before it (the
 * kick stays pending: the next run returns INTERRUPTED at once), -ENOSYS
 * on backends without it. */
int squib_vcpu_wait(struct squib_vcpu *vcpu, uint64_t monotonic_ns);

/* The SMCCC conduit of an arm64 VM (PSCI "method" in the device tree).
 * HVC: HVC #0 is a HYPERCALL exit and SMC is UNDEFINED (no EL3), as on
 * QEMU's virt.  SMC: SMC #0 is a HYPERCALL exit too (HVC still is).  Applies
 * to the VM's vCPUs, present and future.  -EINVAL for x86 VMs, -ENOSYS on
 * backends without it. */
enum squib_psci_conduit {
    SQUIB_PSCI_CONDUIT_HVC = 0,
    SQUIB_PSCI_CONDUIT_SMC = 1,
};
int squib_vm_set_psci_conduit(struct squib_vm *vm, enum squib_psci_conduit conduit);

/* ONE_REG ids of the timer registers, exactly KVM's (uapi asm/kvm.h), for
 * saving and restoring a vCPU.  KVM_REG_ARM_TIMER_CNT and _CVAL carry each
 * other's architectural encodings (a historical mistake kept as ABI), and
 * squib follows KVM: the id SQUIB_REG_ARM64_SYS(3, 3, 14, 3, 2) is the
 * counter and SQUIB_REG_ARM64_SYS(3, 3, 14, 0, 2) is CNTV_CVAL_EL0.
 * Writing CNT sets the count (both views: without EL2, CNTVCT ==
 * CNTPCT); CNTFRQ_EL0 (SQUIB_REG_ARM64_SYS(3, 3, 14, 0, 0)) reads 62500000
 * and refuses other values. */
#define SQUIB_REG_ARM64_TIMER_CTL SQUIB_REG_ARM64_SYS(3, 3, 14, 3, 1)
#define SQUIB_REG_ARM64_TIMER_CNT SQUIB_REG_ARM64_SYS(3, 3, 14, 3, 2)
#define SQUIB_REG_ARM64_TIMER_CVAL SQUIB_REG_ARM64_SYS(3, 3, 14, 0, 2)
#define SQUIB_REG_ARM64_PTIMER_CTL SQUIB_REG_ARM64_SYS(3, 3, 14, 2, 1)
#define SQUIB_REG_ARM64_PTIMER_CNT SQUIB_REG_ARM64_SYS(3, 3, 14, 0, 1)
#define SQUIB_REG_ARM64_PTIMER_CVAL SQUIB_REG_ARM64_SYS(3, 3, 14, 2, 2)

int squib_vcpu_create(struct squib_vm *vm, unsigned index, struct squib_vcpu **out);
unsigned squib_vcpu_index(const struct squib_vcpu *vcpu);
struct squib_vm *squib_vcpu_vm(const struct squib_vcpu *vcpu);

/* Runs until the next exit.  Call again after handling it (for read exits
 * after filling the data or hypercall results in the same record). */
int squib_vcpu_run(struct squib_vcpu *vcpu, struct squib_exit *exit);

/* Makes a running or the next squib_vcpu_run return an INTERRUPTED exit
 * soon, and ends a squib_vcpu_wait.  Safe from any thread and from signal
 * handlers.  The KVM backend uses the real-time signal SIGRTMIN+4 on the
 * vCPU's thread for it. */
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
