/* accel/kvm/kvm_ops.c: the KVM backend's ops table. */
#include "accel/kvm/kvm.h"

#if KVM_X86_HOST

const struct accel_ops accel_kvm_ops = {
    .name = "kvm",
    .description = "Linux KVM (x86-64 guests on x86-64 hosts; no in-kernel irqchip)",
    .probe = kvm_probe,
    .vm_create = kvm_vm_create,
    .vm_destroy = kvm_vm_destroy,
    .map_ram = kvm_map_ram,
    .set_irq_line = kvm_set_irq_line,
    .vcpu_create = kvm_vcpu_create,
    .vcpu_destroy = kvm_vcpu_destroy,
    .vcpu_run = kvm_vcpu_run,
    .vcpu_kick = kvm_vcpu_kick,
    .get_regs = kvm_get_regs,
    .set_regs = kvm_set_regs,
    .get_one_reg = kvm_get_one_reg,
    .set_one_reg = kvm_set_one_reg,
    .set_guest_debug = kvm_set_guest_debug,
    .vcpu_interrupt = kvm_vcpu_interrupt,
};

#else /* KVM cannot run anything here: probe() says why, nothing else is reached */

#include <errno.h>

static int kvm_none_vm_create(struct squib_vm *vm)
{
    char why[SQUIB_ACCEL_WHY_MAX];
    kvm_probe(vm->arch, why, sizeof why, NULL);
    return squib_fail(-ENOTSUP, "kvm: %s", why);
}

static void kvm_none_vm_destroy(struct squib_vm *vm)
{
    (void)vm;
}

const struct accel_ops accel_kvm_ops = {
    .name = "kvm",
    .description = "Linux KVM (x86-64 guests on x86-64 hosts; not available in this build)",
    .probe = kvm_probe,
    .vm_create = kvm_none_vm_create,
    .vm_destroy = kvm_none_vm_destroy,
};

#endif
