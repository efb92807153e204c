/* accel/kvm/kvm_regs.c: register sets, MSRs and guest debug through KVM.
 *
 * squib's x86 register structs follow KVM's layouts (squib/regs.h); the
 * copies are field by field all the same, so neither side's padding or
 * reserved fields leak across.  Before any access KVM is allowed to finish a
 * write it still owes (kvm_vcpu_settle), so that the registers read after a
 * write exit are the ones after the instruction, as with the interpreter.
 */
#include "accel/kvm/kvm.h"

#if KVM_X86_HOST

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/err.h"

static struct kvm_vcpu_state *settled(struct squib_vcpu *vcpu, int *rc)
{
    struct kvm_vcpu_state *c = vcpu->priv;
    *rc = kvm_vcpu_settle(c);
    c->tgen++; /* a register write may change CR3 or paging */
    return c;
}

/* ---- general-purpose registers ----------------------------------------- */

static void gpr_from_kvm(struct squib_x86_regs *d, const struct kvm_regs *s)
{
    d->rax = s->rax, d->rbx = s->rbx, d->rcx = s->rcx, d->rdx = s->rdx;
    d->rsi = s->rsi, d->rdi = s->rdi, d->rsp = s->rsp, d->rbp = s->rbp;
    d->r8 = s->r8, d->r9 = s->r9, d->r10 = s->r10, d->r11 = s->r11;
    d->r12 = s->r12, d->r13 = s->r13, d->r14 = s->r14, d->r15 = s->r15;
    d->rip = s->rip, d->rflags = s->rflags;
}

static void gpr_to_kvm(struct kvm_regs *d, const struct squib_x86_regs *s)
{
    d->rax = s->rax, d->rbx = s->rbx, d->rcx = s->rcx, d->rdx = s->rdx;
    d->rsi = s->rsi, d->rdi = s->rdi, d->rsp = s->rsp, d->rbp = s->rbp;
    d->r8 = s->r8, d->r9 = s->r9, d->r10 = s->r10, d->r11 = s->r11;
    d->r12 = s->r12, d->r13 = s->r13, d->r14 = s->r14, d->r15 = s->r15;
    d->rip = s->rip, d->rflags = s->rflags;
}

/* ---- system registers -------------------------------------------------- */

static void seg_from_kvm(struct squib_x86_segment *d, const struct kvm_segment *s)
{
    d->base = s->base;
    d->limit = s->limit;
    d->selector = s->selector;
    d->type = s->type;
    d->present = s->present;
    d->dpl = s->dpl;
    d->db = s->db;
    d->s = s->s;
    d->l = s->l;
    d->g = s->g;
    d->avl = s->avl;
    d->unusable = s->unusable;
}

static void seg_to_kvm(struct kvm_segment *d, const struct squib_x86_segment *s)
{
    d->base = s->base;
    d->limit = s->limit;
    d->selector = s->selector;
    d->type = s->type;
    d->present = s->present;
    d->dpl = s->dpl;
    d->db = s->db;
    d->s = s->s;
    d->l = s->l;
    d->g = s->g;
    d->avl = s->avl;
    d->unusable = s->unusable;
    d->padding = 0;
}

static void sregs_from_kvm(struct squib_x86_sregs *d, const struct kvm_sregs *s)
{
    seg_from_kvm(&d->cs, &s->cs);
    seg_from_kvm(&d->ds, &s->ds);
    seg_from_kvm(&d->es, &s->es);
    seg_from_kvm(&d->fs, &s->fs);
    seg_from_kvm(&d->gs, &s->gs);
    seg_from_kvm(&d->ss, &s->ss);
    seg_from_kvm(&d->tr, &s->tr);
    seg_from_kvm(&d->ldt, &s->ldt);
    d->gdt.base = s->gdt.base;
    d->gdt.limit = s->gdt.limit;
    d->idt.base = s->idt.base;
    d->idt.limit = s->idt.limit;
    d->cr0 = s->cr0;
    d->cr2 = s->cr2;
    d->cr3 = s->cr3;
    d->cr4 = s->cr4;
    d->cr8 = s->cr8;
    d->efer = s->efer;
    d->apic_base = s->apic_base;
}

/* Keeps what squib does not model (interrupt_bitmap: pending external
 * interrupts, none without an irqchip). */
static void sregs_to_kvm(struct kvm_sregs *d, const struct squib_x86_sregs *s)
{
    seg_to_kvm(&d->cs, &s->cs);
    seg_to_kvm(&d->ds, &s->ds);
    seg_to_kvm(&d->es, &s->es);
    seg_to_kvm(&d->fs, &s->fs);
    seg_to_kvm(&d->gs, &s->gs);
    seg_to_kvm(&d->ss, &s->ss);
    seg_to_kvm(&d->tr, &s->tr);
    seg_to_kvm(&d->ldt, &s->ldt);
    d->gdt.base = s->gdt.base;
    d->gdt.limit = s->gdt.limit;
    d->idt.base = s->idt.base;
    d->idt.limit = s->idt.limit;
    d->cr0 = s->cr0;
    d->cr2 = s->cr2;
    d->cr3 = s->cr3;
    d->cr4 = s->cr4;
    d->cr8 = s->cr8;
    d->efer = s->efer;
    d->apic_base = s->apic_base;
}

/* ---- x87 / SSE --------------------------------------------------------- */

/* KVM_GET_FPU / KVM_SET_FPU ignore MXCSR (x86.c copies every field but that
 * one; the KVM maintainers call the ioctls obsolete), so the FPU set goes
 * through KVM_GET_XSAVE / KVM_SET_XSAVE, whose first 512 bytes are the
 * FXSAVE image (SDM Vol. 1, 10.5.1, Table 10-2) followed by the XSAVE header
 * with XSTATE_BV at byte 512 (SDM Vol. 1, 13.4.2). */
enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16, FX_MXCSR = 24,
    FX_ST = 32, FX_XMM = 160, XSAVE_BV = 512,
};

static void fpu_from_fx(struct squib_x86_fpu *d, const uint8_t *x)
{
    memcpy(&d->fcw, x + FX_FCW, 2);
    memcpy(&d->fsw, x + FX_FSW, 2);
    d->ftwx = x[FX_FTW];
    memcpy(&d->last_opcode, x + FX_FOP, 2);
    memcpy(&d->last_ip, x + FX_FIP, 8);
    memcpy(&d->last_dp, x + FX_FDP, 8);
    memcpy(&d->mxcsr, x + FX_MXCSR, 4);
    memcpy(d->fpr, x + FX_ST, sizeof d->fpr);
    memcpy(d->xmm, x + FX_XMM, sizeof d->xmm);
}

static void fpu_to_fx(uint8_t *x, const struct squib_x86_fpu *s)
{
    memcpy(x + FX_FCW, &s->fcw, 2);
    memcpy(x + FX_FSW, &s->fsw, 2);
    x[FX_FTW] = s->ftwx;
    memcpy(x + FX_FOP, &s->last_opcode, 2);
    memcpy(x + FX_FIP, &s->last_ip, 8);
    memcpy(x + FX_FDP, &s->last_dp, 8);
    memcpy(x + FX_MXCSR, &s->mxcsr, 4);
    memcpy(x + FX_ST, s->fpr, sizeof s->fpr);
    memcpy(x + FX_XMM, s->xmm, sizeof s->xmm);
    uint64_t bv;
    memcpy(&bv, x + XSAVE_BV, 8);
    bv |= 3; /* x87 and SSE state are in the image, not in their init state */
    memcpy(x + XSAVE_BV, &bv, 8);
}

static int get_xsave(struct kvm_vcpu_state *c, uint8_t *x)
{
    bool big = c->vm->xsave_size > sizeof(struct kvm_xsave);
    if (ioctl(c->fd, big ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, x) < 0)
        return squib_fail(-errno, "kvm: %s failed: %s", big ? "KVM_GET_XSAVE2" : "KVM_GET_XSAVE",
                          strerror(errno));
    return 0;
}

static int get_fpu(struct kvm_vcpu_state *c, struct squib_x86_fpu *d)
{
    memset(d, 0, sizeof *d);
    if (!c->vm->xsave_size) { /* MXCSR unavailable: reported as 0 */
        struct kvm_fpu f;
        if (ioctl(c->fd, KVM_GET_FPU, &f) < 0)
            return squib_fail(-errno, "kvm: KVM_GET_FPU failed: %s", strerror(errno));
        memcpy(d->fpr, f.fpr, sizeof d->fpr);
        d->fcw = f.fcw, d->fsw = f.fsw, d->ftwx = f.ftwx, d->last_opcode = f.last_opcode;
        d->last_ip = f.last_ip, d->last_dp = f.last_dp;
        memcpy(d->xmm, f.xmm, sizeof d->xmm);
        return 0;
    }
    uint8_t *x = calloc(1, c->vm->xsave_size);
    if (!x)
        return squib_fail(-ENOMEM, "kvm: out of memory for the XSAVE image");
    int rc = get_xsave(c, x);
    if (!rc)
        fpu_from_fx(d, x);
    free(x);
    return rc;
}

static int set_fpu(struct kvm_vcpu_state *c, const struct squib_x86_fpu *s)
{
    if (!c->vm->xsave_size) {
        struct kvm_fpu f;
        memset(&f, 0, sizeof f);
        memcpy(f.fpr, s->fpr, sizeof f.fpr);
        f.fcw = s->fcw, f.fsw = s->fsw, f.ftwx = s->ftwx, f.last_opcode = s->last_opcode;
        f.last_ip = s->last_ip, f.last_dp = s->last_dp;
        memcpy(f.xmm, s->xmm, sizeof f.xmm);
        if (ioctl(c->fd, KVM_SET_FPU, &f) < 0)
            return squib_fail(-errno, "kvm: KVM_SET_FPU failed: %s", strerror(errno));
        return 0;
    }
    uint8_t *x = calloc(1, c->vm->xsave_size);
    if (!x)
        return squib_fail(-ENOMEM, "kvm: out of memory for the XSAVE image");
    int rc = get_xsave(c, x); /* keeps AVX and later state as it is */
    if (!rc) {
        fpu_to_fx(x, s);
        if (ioctl(c->fd, KVM_SET_XSAVE, x) < 0)
            rc = squib_fail(-errno,
                            "kvm: KVM_SET_XSAVE refused the FPU state (%s): reserved MXCSR "
                            "bits set (0x%x)?",
                            strerror(errno), s->mxcsr);
    }
    free(x);
    return rc;
}

/* ---- the ops ----------------------------------------------------------- */

static int ioctl_fail(const char *what, int err)
{
    return squib_fail(-err, "kvm: %s failed: %s", what, strerror(err));
}

int kvm_get_regs(struct squib_vcpu *vcpu, enum squib_regset set, void *buf)
{
    int rc;
    struct kvm_vcpu_state *c = settled(vcpu, &rc);
    if (rc)
        return rc;
    switch (set) {
    case SQUIB_REGSET_X86_GPR: {
        struct kvm_regs r;
        if (ioctl(c->fd, KVM_GET_REGS, &r) < 0)
            return ioctl_fail("KVM_GET_REGS", errno);
        gpr_from_kvm(buf, &r);
        return 0;
    }
    case SQUIB_REGSET_X86_SYS: {
        struct kvm_sregs s;
        if (ioctl(c->fd, KVM_GET_SREGS, &s) < 0)
            return ioctl_fail("KVM_GET_SREGS", errno);
        sregs_from_kvm(buf, &s);
        return 0;
    }
    case SQUIB_REGSET_X86_FPU:
        return get_fpu(c, buf);
    default:
        return squib_fail(-EINVAL, "kvm: register set %d is not an x86 set", (int)set);
    }
}

int kvm_set_regs(struct squib_vcpu *vcpu, enum squib_regset set, const void *buf)
{
    int rc;
    struct kvm_vcpu_state *c = settled(vcpu, &rc);
    if (rc)
        return rc;
    switch (set) {
    case SQUIB_REGSET_X86_GPR: {
        struct kvm_regs r;
        memset(&r, 0, sizeof r);
        gpr_to_kvm(&r, buf);
        if (ioctl(c->fd, KVM_SET_REGS, &r) < 0)
            return ioctl_fail("KVM_SET_REGS", errno);
        c->step_from_valid = false; /* RIP may have moved */
        return 0;
    }
    case SQUIB_REGSET_X86_SYS: {
        struct kvm_sregs s;
        if (ioctl(c->fd, KVM_GET_SREGS, &s) < 0)
            return ioctl_fail("KVM_GET_SREGS", errno);
        sregs_to_kvm(&s, buf);
        if (ioctl(c->fd, KVM_SET_SREGS, &s) < 0) {
            int err = errno;
            return squib_fail(-err,
                              "kvm: KVM_SET_SREGS refused the system registers (%s): check "
                              "that CR0, CR4 and EFER form a valid mode",
                              strerror(err));
        }
        return 0;
    }
    case SQUIB_REGSET_X86_FPU:
        return set_fpu(c, buf);
    default:
        return squib_fail(-EINVAL, "kvm: register set %d is not an x86 set", (int)set);
    }
}

/* struct kvm_msrs ends in a flexible array: room for one entry. */
union one_msr {
    struct kvm_msrs head;
    uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
};

static int check_msr_id(uint64_t id)
{
    if (!SQUIB_REG_IS_X86_MSR(id) || (id & 0x0000ffff00000000ULL))
        return squib_fail(-EINVAL,
                          "kvm: register id 0x%llx is not an x86 MSR id "
                          "(SQUIB_REG_X86_MSR(index)) or CPUID id (SQUIB_REG_X86_CPUID)",
                          (unsigned long long)id);
    return 0;
}

/* api.rst 4.43, KVM_GET/SET_XCRS. */
static int xcr(struct squib_vcpu *vcpu, uint64_t id, uint64_t *value, bool set)
{
    struct kvm_vcpu_state *c = vcpu->priv;
    struct kvm_xcrs x;
    memset(&x, 0, sizeof x);
    if (ioctl(c->fd, KVM_GET_XCRS, &x) < 0)
        return ioctl_fail("KVM_GET_XCRS", errno);
    for (unsigned i = 0; i < x.nr_xcrs; i++) {
        if (x.xcrs[i].xcr != (uint32_t)id)
            continue;
        if (!set) {
            *value = x.xcrs[i].value;
            return 0;
        }
        x.xcrs[i].value = *value;
        if (ioctl(c->fd, KVM_SET_XCRS, &x) < 0)
            return squib_fail(-errno, "kvm: XCR%u = 0x%llx refused (KVM_SET_XCRS: %s)",
                              (unsigned)(uint32_t)id, (unsigned long long)*value,
                              strerror(errno));
        return 0;
    }
    return squib_fail(-ENOENT, "kvm: XCR%u: KVM has no such register", (unsigned)(uint32_t)id);
}

int kvm_get_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t *value)
{
    if (SQUIB_REG_IS_X86_CPUID(id))
        return kvm_cpuid_get(vcpu->priv, id, value);
    if (SQUIB_REG_IS_X86_XCR(id))
        return xcr(vcpu, id, value, false);
    int rc = check_msr_id(id);
    if (rc)
        return rc;
    struct kvm_vcpu_state *c = settled(vcpu, &rc);
    if (rc)
        return rc;
    union one_msr m;
    memset(&m, 0, sizeof m);
    m.head.nmsrs = 1;
    m.head.entries[0].index = (uint32_t)id;
    int n = ioctl(c->fd, KVM_GET_MSRS, &m);
    if (n < 0)
        return ioctl_fail("KVM_GET_MSRS", errno);
    if (n != 1) /* the number of MSRs KVM could read (api.rst 4.18) */
        return squib_fail(-EINVAL, "kvm: MSR 0x%x cannot be read: KVM does not support it",
                          (unsigned)(uint32_t)id);
    *value = m.head.entries[0].data;
    return 0;
}

int kvm_set_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t value)
{
    if (SQUIB_REG_IS_X86_CPUID(id))
        return kvm_cpuid_set(vcpu->priv, id, value);
    if (SQUIB_REG_IS_X86_XCR(id))
        return xcr(vcpu, id, &value, true);
    int rc = check_msr_id(id);
    if (rc)
        return rc;
    struct kvm_vcpu_state *c = settled(vcpu, &rc);
    if (rc)
        return rc;
    union one_msr m;
    memset(&m, 0, sizeof m);
    m.head.nmsrs = 1;
    m.head.entries[0].index = (uint32_t)id;
    m.head.entries[0].data = value;
    int n = ioctl(c->fd, KVM_SET_MSRS, &m);
    if (n < 0)
        return ioctl_fail("KVM_SET_MSRS", errno);
    if (n != 1)
        return squib_fail(-EINVAL,
                          "kvm: MSR 0x%x cannot be set to 0x%llx: KVM does not support the MSR "
                          "or refuses the value",
                          (unsigned)(uint32_t)id, (unsigned long long)value);
    return 0;
}

/* api.rst 4.40, KVM_SET_GUEST_DEBUG.  Breakpoints go to DR0-DR3 as execution
 * breakpoints (R/W = 00, LEN = 00) with their global enable bits in DR7
 * (SDM Vol. 3, 19.2.4), so their addresses are linear: CS base + offset,
 * which is the RIP itself in 64-bit and flat protected mode. */
int kvm_set_guest_debug(struct squib_vcpu *vcpu, const struct squib_guest_debug *dbg)
{
    int rc;
    struct kvm_vcpu_state *c = settled(vcpu, &rc);
    if (rc)
        return rc;
    if (dbg->n_breakpoints > SQUIB_MAX_BREAKPOINTS)
        return squib_fail(-EINVAL, "kvm: at most %d breakpoints", SQUIB_MAX_BREAKPOINTS);
    struct kvm_guest_debug d;
    memset(&d, 0, sizeof d);
    if (dbg->enable) {
        d.control = KVM_GUESTDBG_ENABLE;
        if (dbg->single_step)
            d.control |= KVM_GUESTDBG_SINGLESTEP;
        if (dbg->n_breakpoints) {
            d.control |= KVM_GUESTDBG_USE_HW_BP;
            uint64_t dr7 = 0x600; /* GE and the reserved bit 10, as QEMU sets */
            for (unsigned i = 0; i < dbg->n_breakpoints; i++) {
                d.arch.debugreg[i] = dbg->breakpoints[i];
                dr7 |= 2ULL << (2 * i); /* G0..G3 */
            }
            d.arch.debugreg[7] = dr7;
        }
    }
    if (ioctl(c->fd, KVM_SET_GUEST_DEBUG, &d) < 0)
        return ioctl_fail("KVM_SET_GUEST_DEBUG", errno);
    c->dbg = d;
    c->single_step = dbg->enable && dbg->single_step;
    if (!c->single_step)
        c->step_owed = false;
    struct kvm_regs r;
    c->step_from_valid = c->single_step && ioctl(c->fd, KVM_GET_REGS, &r) == 0;
    c->step_from = c->step_from_valid ? r.rip : 0;
    return 0;
}

#endif
