/* accel/accel.h: the accelerator interface behind squib/accel.h.
 *
 * A backend is one const struct accel_ops.  The public squib_* calls check
 * their arguments and make exactly one indirect call into it; nothing calls
 * through this table per guest instruction.
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "squib/accel.h"
#include "util/err.h"

#define ACCEL_MAX_VCPUS 8

struct squib_vm {
    const struct accel_ops *ops;
    enum squib_arch arch;
    void *priv; /* backend state */
    char reason[SQUIB_ACCEL_WHY_MAX + 64];
    struct squib_vcpu *vcpus[ACCEL_MAX_VCPUS];
};

struct squib_vcpu {
    struct squib_vm *vm;
    unsigned index;
    void *priv; /* backend state */
};

struct accel_ops {
    const char *name;
    const char *description;
    /* Can this backend run guests of `arch` on this host?  If not, or if
     * there is something to know (kvm-pvm), writes a sentence to `why`.
     * `preferred` (may be NULL) is set false when the backend works but
     * "auto" should not pick it. */
    bool (*probe)(enum squib_arch arch, char *why, size_t why_len, bool *preferred);

    int (*vm_create)(struct squib_vm *vm);
    void (*vm_destroy)(struct squib_vm *vm);
    int (*map_ram)(struct squib_vm *vm, uint64_t gpa, uint64_t size, void *host,
                   unsigned flags);
    int (*set_irq_line)(struct squib_vm *vm, unsigned irq, bool level);

    int (*vcpu_create)(struct squib_vcpu *vcpu);
    void (*vcpu_destroy)(struct squib_vcpu *vcpu);
    int (*vcpu_run)(struct squib_vcpu *vcpu, struct squib_exit *exit);
    void (*vcpu_kick)(struct squib_vcpu *vcpu);
    int (*get_regs)(struct squib_vcpu *vcpu, enum squib_regset set, void *buf);
    int (*set_regs)(struct squib_vcpu *vcpu, enum squib_regset set, const void *buf);
    int (*get_one_reg)(struct squib_vcpu *vcpu, uint64_t id, uint64_t *value);
    int (*set_one_reg)(struct squib_vcpu *vcpu, uint64_t id, uint64_t value);
    int (*set_guest_debug)(struct squib_vcpu *vcpu, const struct squib_guest_debug *dbg);
    int (*vcpu_interrupt)(struct squib_vcpu *vcpu, unsigned vector, bool nmi);
    /* arm64 timers, input lines and SMC conduit, and the WFI sleep
     * (squib/accel.h).  Optional: NULL means not supported (-ENOSYS, or 0
     * lines).  Only called for vCPUs/VMs of the right architecture. */
    uint32_t (*device_irq_level)(struct squib_vcpu *vcpu);
    int (*set_line)(struct squib_vcpu *vcpu, unsigned line, bool level);
    int (*timer_deadline)(struct squib_vcpu *vcpu, uint64_t *monotonic_ns);
    int (*vcpu_wait)(struct squib_vcpu *vcpu, uint64_t monotonic_ns);
    int (*set_psci_conduit)(struct squib_vm *vm, enum squib_psci_conduit conduit);
};

extern const struct accel_ops accel_interp_ops;
extern const struct accel_ops accel_kvm_ops;

/* Creates a VM on a given ops table (tests use a fake backend). */
int accel_vm_create_with_ops(const struct accel_ops *ops, enum squib_arch arch,
                             struct squib_vm **out);

/* Size of a register set's struct, 0 if unknown. */
size_t accel_regset_size(enum squib_regset set);

#endif
