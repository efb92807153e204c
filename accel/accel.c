/* accel/accel.c: the public VM/vCPU API over the backend ops tables, and the
 * choice of backend ("auto"). */
#include "accel/accel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct accel_ops *const backends[] = {&accel_kvm_ops, &accel_interp_ops};
#define N_BACKENDS (sizeof backends / sizeof backends[0])

const char *squib_arch_name(enum squib_arch arch)
{
    switch (arch) {
    case SQUIB_ARCH_X86_64:
        return "x86_64";
    case SQUIB_ARCH_ARM64:
        return "aarch64";
    }
    return "?";
}

static bool arch_valid(enum squib_arch arch)
{
    return arch == SQUIB_ARCH_X86_64 || arch == SQUIB_ARCH_ARM64;
}

size_t accel_regset_size(enum squib_regset set)
{
    switch (set) {
    case SQUIB_REGSET_X86_GPR:
        return sizeof(struct squib_x86_regs);
    case SQUIB_REGSET_X86_SYS:
        return sizeof(struct squib_x86_sregs);
    case SQUIB_REGSET_X86_FPU:
        return sizeof(struct squib_x86_fpu);
    case SQUIB_REGSET_ARM64_CORE:
        return sizeof(struct squib_arm64_regs);
    case SQUIB_REGSET_ARM64_FP:
        return sizeof(struct squib_arm64_fp);
    }
    return 0;
}

int squib_accel_list(enum squib_arch arch, struct squib_accel_info *out, int max)
{
    for (int i = 0; i < (int)N_BACKENDS && i < max; i++) {
        out[i].name = backends[i]->name;
        out[i].description = backends[i]->description;
        out[i].why[0] = 0;
        out[i].available = backends[i]->probe(arch, out[i].why, sizeof out[i].why, NULL);
    }
    return (int)N_BACKENDS;
}

int accel_vm_create_with_ops(const struct accel_ops *ops, enum squib_arch arch,
                             struct squib_vm **out)
{
    *out = NULL;
    if (!arch_valid(arch))
        return squib_fail(-EINVAL, "unknown guest architecture %d", (int)arch);
    struct squib_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return squib_fail(-ENOMEM, "out of memory");
    vm->ops = ops;
    vm->arch = arch;
    int rc = ops->vm_create(vm);
    if (rc) {
        free(vm);
        return rc;
    }
    *out = vm;
    return 0;
}

int squib_vm_create(const char *accel, enum squib_arch arch, struct squib_vm **out)
{
    char why[SQUIB_ACCEL_WHY_MAX] = "";
    char reason[SQUIB_ACCEL_WHY_MAX + 64] = "";
    const struct accel_ops *pick = NULL;
    *out = NULL;
    if (!arch_valid(arch))
        return squib_fail(-EINVAL, "unknown guest architecture %d", (int)arch);
    if (!accel || strcmp(accel, "auto") == 0) {
        /* KVM when it can run this architecture and is worth it, else the
         * interpreter (which runs everything). */
        bool preferred = true;
        if (accel_kvm_ops.probe(arch, why, sizeof why, &preferred) && preferred) {
            pick = &accel_kvm_ops;
            snprintf(reason, sizeof reason, "auto: chose kvm (/dev/kvm can run %s guests)",
                     squib_arch_name(arch));
        } else {
            pick = &accel_interp_ops;
            snprintf(reason, sizeof reason, "auto: chose interp (kvm: %s)",
                     why[0] ? why : "not usable");
        }
    } else {
        for (size_t i = 0; i < N_BACKENDS; i++)
            if (strcmp(accel, backends[i]->name) == 0)
                pick = backends[i];
        if (!pick)
            return squib_fail(-ENOENT, "unknown accelerator '%s' (try -accel help)", accel);
        if (!pick->probe(arch, why, sizeof why, NULL))
            return squib_fail(-ENODEV, "accelerator %s cannot run %s guests here: %s",
                              pick->name, squib_arch_name(arch), why);
        snprintf(reason, sizeof reason, "%s: requested%s%s", pick->name, why[0] ? "; " : "",
                 why);
    }
    int rc = accel_vm_create_with_ops(pick, arch, out);
    if (!rc)
        snprintf((*out)->reason, sizeof (*out)->reason, "%s", reason);
    return rc;
}

void squib_vm_destroy(struct squib_vm *vm)
{
    if (!vm)
        return;
    for (unsigned i = 0; i < ACCEL_MAX_VCPUS; i++) {
        if (vm->vcpus[i]) {
            vm->ops->vcpu_destroy(vm->vcpus[i]);
            free(vm->vcpus[i]);
        }
    }
    vm->ops->vm_destroy(vm);
    free(vm);
}

const char *squib_vm_accel_name(const struct squib_vm *vm)
{
    return vm->ops->name;
}

const char *squib_vm_accel_reason(const struct squib_vm *vm)
{
    return vm->reason;
}

enum squib_arch squib_vm_arch(const struct squib_vm *vm)
{
    return vm->arch;
}

int squib_vm_map_ram(struct squib_vm *vm, uint64_t gpa, uint64_t size, void *host,
                     unsigned flags)
{
    if (!size || gpa + size - 1 < gpa || ((gpa | size | (uintptr_t)host) & 0xfff))
        return squib_fail(-EINVAL, "map_ram: 0x%llx+0x%llx must be non-empty and page aligned",
                          (unsigned long long)gpa, (unsigned long long)size);
    if (flags & ~SQUIB_MEM_READONLY)
        return squib_fail(-EINVAL, "map_ram: unknown flags 0x%x", flags);
    return vm->ops->map_ram(vm, gpa, size, host, flags);
}

int squib_vm_set_irq_line(struct squib_vm *vm, unsigned irq, bool level)
{
    return vm->ops->set_irq_line(vm, irq, level);
}

int squib_vcpu_create(struct squib_vm *vm, unsigned index, struct squib_vcpu **out)
{
    *out = NULL;
    if (index >= ACCEL_MAX_VCPUS)
        return squib_fail(-EINVAL, "vCPU index %u: at most %d vCPUs", index, ACCEL_MAX_VCPUS);
    if (index != 0)
        return squib_fail(-ENOSYS, "vCPU %u: only one vCPU per VM until SMP support lands", index);
    if (vm->vcpus[index])
        return squib_fail(-EEXIST, "vCPU %u exists already", index);
    struct squib_vcpu *v = calloc(1, sizeof *v);
    if (!v)
        return squib_fail(-ENOMEM, "out of memory");
    v->vm = vm;
    v->index = index;
    int rc = vm->ops->vcpu_create(v);
    if (rc) {
        free(v);
        return rc;
    }
    vm->vcpus[index] = v;
    *out = v;
    return 0;
}

unsigned squib_vcpu_index(const struct squib_vcpu *vcpu)
{
    return vcpu->index;
}

struct squib_vm *squib_vcpu_vm(const struct squib_vcpu *vcpu)
{
    return vcpu->vm;
}

int squib_vcpu_run(struct squib_vcpu *vcpu, struct squib_exit *exit)
{
    return vcpu->vm->ops->vcpu_run(vcpu, exit);
}

void squib_vcpu_kick(struct squib_vcpu *vcpu)
{
    vcpu->vm->ops->vcpu_kick(vcpu);
}

static int check_set(const struct squib_vcpu *vcpu, enum squib_regset set, size_t size)
{
    size_t want = accel_regset_size(set);
    if (!want)
        return squib_fail(-EINVAL, "unknown register set %d", (int)set);
    bool x86 = set < SQUIB_REGSET_ARM64_CORE;
    if (x86 != (vcpu->vm->arch == SQUIB_ARCH_X86_64))
        return squib_fail(-EINVAL, "register set %d does not belong to a %s vCPU", (int)set,
                          squib_arch_name(vcpu->vm->arch));
    if (size != want)
        return squib_fail(-EINVAL, "register set %d: size %zu, expected %zu", (int)set, size,
                          want);
    return 0;
}

int squib_vcpu_get_regs(struct squib_vcpu *vcpu, enum squib_regset set, void *buf, size_t size)
{
    int rc = check_set(vcpu, set, size);
    return rc ? rc : vcpu->vm->ops->get_regs(vcpu, set, buf);
}

int squib_vcpu_set_regs(struct squib_vcpu *vcpu, enum squib_regset set, const void *buf,
                        size_t size)
{
    int rc = check_set(vcpu, set, size);
    return rc ? rc : vcpu->vm->ops->set_regs(vcpu, set, buf);
}

int squib_vcpu_get_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t *value)
{
    return vcpu->vm->ops->get_one_reg(vcpu, id, value);
}

int squib_vcpu_set_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t value)
{
    return vcpu->vm->ops->set_one_reg(vcpu, id, value);
}

int squib_vcpu_set_guest_debug(struct squib_vcpu *vcpu, const struct squib_guest_debug *dbg)
{
    if (dbg->n_breakpoints > SQUIB_MAX_BREAKPOINTS)
        return squib_fail(-EINVAL, "guest debug: at most %d breakpoints", SQUIB_MAX_BREAKPOINTS);
    return vcpu->vm->ops->set_guest_debug(vcpu, dbg);
}

int squib_vcpu_interrupt(struct squib_vcpu *vcpu, unsigned vector, bool nmi)
{
    if (!vcpu->vm->ops->vcpu_interrupt)
        return squib_fail(-ENOSYS, "%s: interrupt injection is not supported",
                          vcpu->vm->ops->name);
    return vcpu->vm->ops->vcpu_interrupt(vcpu, vector, nmi);
}

/* ---- arm64 timers, input lines, SMC conduit ------------------------------ */

uint32_t squib_vcpu_device_irq_level(struct squib_vcpu *vcpu)
{
    const struct accel_ops *ops = vcpu->vm->ops;
    if (vcpu->vm->arch != SQUIB_ARCH_ARM64 || !ops->device_irq_level)
        return 0;
    return ops->device_irq_level(vcpu);
}

int squib_vcpu_set_line(struct squib_vcpu *vcpu, unsigned line, bool level)
{
    const struct accel_ops *ops = vcpu->vm->ops;
    if (vcpu->vm->arch != SQUIB_ARCH_ARM64)
        return squib_fail(-ENOSYS,
                          "set_line: the IRQ/FIQ input lines are arm64's; an x86 VMM injects "
                          "vectors with squib_vcpu_interrupt");
    if (!ops->set_line)
        return squib_fail(-ENOSYS, "%s: driving a vCPU's IRQ/FIQ lines is not supported",
                          ops->name);
    return ops->set_line(vcpu, line, level);
}

int squib_vcpu_timer_deadline(struct squib_vcpu *vcpu, uint64_t *monotonic_ns)
{
    const struct accel_ops *ops = vcpu->vm->ops;
    if (vcpu->vm->arch != SQUIB_ARCH_ARM64 || !ops->timer_deadline)
        return squib_fail(-ENOSYS, "%s: no %s vCPU timers that the VMM can see", ops->name,
                          squib_arch_name(vcpu->vm->arch));
    return ops->timer_deadline(vcpu, monotonic_ns);
}

int squib_vcpu_wait(struct squib_vcpu *vcpu, uint64_t monotonic_ns)
{
    const struct accel_ops *ops = vcpu->vm->ops;
    if (!ops->vcpu_wait)
        return squib_fail(-ENOSYS, "%s: squib_vcpu_wait is not supported", ops->name);
    return ops->vcpu_wait(vcpu, monotonic_ns);
}

int squib_vm_set_psci_conduit(struct squib_vm *vm, enum squib_psci_conduit conduit)
{
    if (vm->arch != SQUIB_ARCH_ARM64)
        return squib_fail(-EINVAL, "psci-conduit: an arm64 setting (this VM is %s)",
                          squib_arch_name(vm->arch));
    if (conduit != SQUIB_PSCI_CONDUIT_HVC && conduit != SQUIB_PSCI_CONDUIT_SMC)
        return squib_fail(-EINVAL, "psci-conduit: unknown conduit %d (hvc 0, smc 1)",
                          (int)conduit);
    if (!vm->ops->set_psci_conduit)
        return squib_fail(-ENOSYS, "%s: choosing the SMCCC conduit is not supported",
                          vm->ops->name);
    return vm->ops->set_psci_conduit(vm, conduit);
}
