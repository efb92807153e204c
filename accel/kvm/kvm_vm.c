/* accel/kvm/kvm_vm.c: the VM: memory slots, supported CPUID, hypercalls.
 *
 * No in-kernel irqchip is created (KVM_CREATE_IRQCHIP): with one, HLT is
 * handled inside the kernel and never reaches user space as KVM_EXIT_HLT,
 * and the x86 devices squib models (PIC, IOAPIC, LAPIC) would live in the
 * kernel instead of in squib.
 */
#include "accel/kvm/kvm.h"

#if KVM_X86_HOST

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/err.h"

/* Three pages for the real-mode TSS Intel's VMX needs (api.rst 4.27,
 * KVM_SET_TSS_ADDR: "required on Intel-based hosts"); QEMU's address, just
 * below the BIOS image at the top of the 4 GiB space. */
#define KVM_TSS_ADDR 0xfffbd000u

static int ioctl_retry(int fd, unsigned long req, unsigned long arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR);
    return r;
}

/* KVM_GET_SUPPORTED_CPUID answers E2BIG until the array is large enough
 * (api.rst 4.46). */
static int fetch_cpuid(struct kvm_vm_state *v)
{
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
        if (!c)
            return squib_fail(-ENOMEM, "kvm: out of memory for the CPUID table");
        c->nent = n;
        if (ioctl(v->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            v->cpuid = c;
            return 0;
        }
        int err = errno;
        free(c);
        if (err != E2BIG)
            return squib_fail(-err, "kvm: KVM_GET_SUPPORTED_CPUID failed: %s", strerror(err));
    }
    return squib_fail(-E2BIG, "kvm: KVM_GET_SUPPORTED_CPUID wants more than 4096 entries");
}

/* Asks KVM to hand VMCALL/VMMCALL to user space as KVM_EXIT_XEN (api.rst
 * 4.99, KVM_XEN_HVM_CONFIG, flag KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL).  Where
 * the kernel has no Xen support (ENOTTY, as on the kvm-pvm hosts squib is
 * developed on) VMCALL never reaches user space:
 *   - with VMX/SVM, KVM handles it as a KVM hypercall (kvm_emulate_hypercall):
 *     unknown numbers return -KVM_ENOSYS (-1000) in RAX and the guest goes on;
 *   - on kvm-pvm at CPL0, KVM's instruction emulator "patches" the
 *     instruction (emulator_fix_hypercall) and executes it again, forever: the
 *     vCPU spins in the kernel until a signal.  kvm_run.c turns a kick that
 *     finds the vCPU there into an INTERNAL_ERROR saying so.  In real mode the
 *     patch write goes to the un-segmented IP as a physical address; when that
 *     is not RAM each attempt is an MMIO write of the 3 instruction bytes,
 *     which kvm_run.c also recognises;
 *   - on kvm-pvm at CPL3, VMCALL ends in a triple fault (SHUTDOWN exit).
 * The interpreter always produces HYPERCALL exits for VMCALL. */
static void try_xen_intercept(struct kvm_vm_state *v)
{
    struct kvm_xen_hvm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL;
    v->xen_hcall = ioctl(v->vm_fd, KVM_XEN_HVM_CONFIG, &cfg) == 0;
    v->xen_errno = v->xen_hcall ? 0 : errno;
}

int kvm_vm_create(struct squib_vm *vm)
{
    char why[SQUIB_ACCEL_WHY_MAX];
    if (vm->arch != SQUIB_ARCH_X86_64)
        return squib_fail(-ENOTSUP, "kvm: no %s KVM on an x86-64 host",
                          squib_arch_name(vm->arch));
    struct kvm_vm_state *v = calloc(1, sizeof *v);
    if (!v)
        return squib_fail(-ENOMEM, "kvm: out of memory");
    v->vm_fd = -1;
    v->kvm_fd = kvm_open_checked(why, sizeof why);
    if (v->kvm_fd < 0) {
        int err = v->kvm_fd;
        free(v);
        return squib_fail(err, "kvm: %s", why);
    }
    int rc;
    v->vm_fd = ioctl_retry(v->kvm_fd, KVM_CREATE_VM, 0);
    if (v->vm_fd < 0) {
        rc = squib_fail(-errno, "kvm: KVM_CREATE_VM failed: %s", strerror(errno));
        goto fail;
    }
    v->run_size = ioctl(v->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (v->run_size < (int)sizeof(struct kvm_run)) {
        rc = squib_fail(-EINVAL, "kvm: KVM_GET_VCPU_MMAP_SIZE gave %d, less than kvm_run",
                        v->run_size);
        goto fail;
    }
    /* Harmless where not needed (AMD, kvm-pvm); its failure only matters for
     * real mode on old Intel CPUs, where entry would then fail visibly. */
    (void)ioctl(v->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
    int sync = ioctl(v->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    v->sync_regs = sync > 0 && (sync & (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) ==
                                   (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS);
    if (ioctl(v->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0) {
        /* KVM_CAP_XSAVE2 on the VM gives the size when it exceeds 4 KiB
         * (api.rst 4.42, KVM_GET_XSAVE2). */
        int size = ioctl(v->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
        v->xsave_size = size > (int)sizeof(struct kvm_xsave) ? (size_t)size
                                                              : sizeof(struct kvm_xsave);
    }
    v->pvm = kvm_host_is_pvm();
    try_xen_intercept(v);
    rc = fetch_cpuid(v);
    if (rc)
        goto fail;
    vm->priv = v;
    return 0;
fail:
    if (v->vm_fd >= 0)
        close(v->vm_fd);
    close(v->kvm_fd);
    free(v);
    return rc;
}

void kvm_vm_destroy(struct squib_vm *vm)
{
    struct kvm_vm_state *v = vm->priv;
    if (!v)
        return;
    close(v->vm_fd);
    close(v->kvm_fd);
    free(v->cpuid);
    free(v); /* v->mem only aliases the caller's memory: nothing to unmap */
    vm->priv = NULL;
}

static void forget_region(struct squib_physmap *m, uint64_t gpa)
{
    for (unsigned i = 0; i < m->n; i++) {
        if (m->r[i].gpa == gpa) {
            memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof m->r[0]);
            m->n--;
            return;
        }
    }
}

int kvm_map_ram(struct squib_vm *vm, uint64_t gpa, uint64_t size, void *host, unsigned flags)
{
    struct kvm_vm_state *v = vm->priv;
    bool ro = (flags & SQUIB_MEM_READONLY) != 0;
    /* The physmap checks overlaps and capacity and lets kvm_mem.c read guest
     * code later; aliases of one host buffer are fine for both it and KVM. */
    int rc = squib_physmap_add_alias(&v->mem, ro ? "rom" : "ram", gpa, size, host, ro);
    if (rc)
        return rc;
    struct kvm_userspace_memory_region r = {
        .slot = v->next_slot,
        .flags = ro ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };
    if (ioctl_retry(v->vm_fd, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r) < 0) {
        int err = errno;
        forget_region(&v->mem, gpa);
        return squib_fail(-err, "kvm: cannot map 0x%llx+0x%llx%s (slot %u): %s",
                          (unsigned long long)gpa, (unsigned long long)size,
                          ro ? " read-only" : "", r.slot, strerror(err));
    }
    v->next_slot++;
    return 0;
}

int kvm_set_irq_line(struct squib_vm *vm, unsigned irq, bool level)
{
    return squib_fail(-ENOSYS,
                      "kvm: no interrupt controller yet (irq %u level %d): squib does not create "
                      "KVM's in-kernel irqchip, so that HLT exits to user space; the PIC, IOAPIC "
                      "and LAPIC models land later",
                      irq, level);
}

#endif
