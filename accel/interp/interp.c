/* accel/interp/interp.c: the interpreter backend.
 *
 * Owns the VM's RAM map (what map_ram gave it) and, per vCPU, the soft TLB,
 * the attention word and the ISA core chosen by the VM's architecture.  One
 * run is one call into the core; kicks set the attention word.
 *
 * squib_vcpu_wait sleeps on the attention word (a futex): a kick or a
 * raised input line sets a bit in it and wakes the sleeper, and a bit set
 * before the sleep starts is seen, so no wake-up is lost.  Both are
 * async-signal-safe (an atomic OR and a futex wake).
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "accel/accel.h"
#include "cpu/arm64/a64_platform.h"
#include "cpu/cpu.h"
#include "squib/physmap.h"

struct interp_vm {
    struct squib_physmap ram; /* aliases of the caller's memory, not owned */
    const struct cpu_core_ops *core;
    enum squib_psci_conduit conduit; /* arm64: what SMC does */
};

struct interp_vcpu {
    struct cpu_env env;
    struct mmu mmu;
    void *cpu;
    const struct cpu_core_ops *core;
};

static bool interp_probe(enum squib_arch arch, char *why, size_t len, bool *preferred)
{
    (void)why;
    (void)len;
    if (preferred)
        *preferred = true;
    return arch == SQUIB_ARCH_X86_64 || arch == SQUIB_ARCH_ARM64;
}

static int interp_vm_create(struct squib_vm *vm)
{
    struct interp_vm *v = calloc(1, sizeof *v);
    if (!v)
        return squib_fail(-ENOMEM, "out of memory");
    v->core = vm->arch == SQUIB_ARCH_X86_64 ? &x86_core_ops : &a64_core_ops;
    vm->priv = v;
    return 0;
}

static void interp_vm_destroy(struct squib_vm *vm)
{
    free(vm->priv);
}

static int interp_map_ram(struct squib_vm *vm, uint64_t gpa, uint64_t size, void *host,
                          unsigned flags)
{
    struct interp_vm *v = vm->priv;
    int rc = squib_physmap_add_alias(&v->ram, "ram", gpa, size, host,
                                     (flags & SQUIB_MEM_READONLY) != 0);
    /* A vCPU may have cached translations of what was unmapped before. */
    for (unsigned i = 0; i < ACCEL_MAX_VCPUS; i++)
        if (vm->vcpus[i])
            mmu_flush(&((struct interp_vcpu *)vm->vcpus[i]->priv)->mmu);
    return rc;
}

static int interp_set_irq_line(struct squib_vm *vm, unsigned irq, bool level)
{
    return squib_fail(-ENOSYS,
                      "interp: no interrupt controller is modelled yet (irq %u level %d); "
                      "interrupt delivery lands with the platform devices",
                      irq, level);
}

static int interp_vcpu_create(struct squib_vcpu *vcpu)
{
    struct interp_vm *v = vcpu->vm->priv;
    struct interp_vcpu *c = calloc(1, sizeof *c);
    if (!c)
        return squib_fail(-ENOMEM, "out of memory");
    mmu_init(&c->mmu, &v->ram);
    c->env.mmu = &c->mmu;
    atomic_init(&c->env.attention, 0);
    c->core = v->core;
    int err = 0;
    c->cpu = c->core->create(&c->env, &err);
    if (!c->cpu) {
        mmu_free(&c->mmu);
        free(c);
        return squib_fail(err ? err : -ENOMEM, "interp: cannot create %s core", v->core->name);
    }
    vcpu->priv = c;
    if (c->core == &a64_core_ops)
        a64_set_smc_hypercall(c->cpu, v->conduit == SQUIB_PSCI_CONDUIT_SMC);
    return 0;
}

static void interp_vcpu_destroy(struct squib_vcpu *vcpu)
{
    struct interp_vcpu *c = vcpu->priv;
    if (!c)
        return;
    c->core->destroy(c->cpu);
    mmu_free(&c->mmu);
    free(c);
}

static int interp_vcpu_run(struct squib_vcpu *vcpu, struct squib_exit *e)
{
    struct interp_vcpu *c = vcpu->priv;
    c->core->run(c->cpu, e);
    return 0;
}

/* Sets attention bits and wakes a squib_vcpu_wait() sleeping on them. */
static void attend(struct interp_vcpu *c, unsigned bits)
{
    atomic_fetch_or(&c->env.attention, bits);
    syscall(SYS_futex, (unsigned *)&c->env.attention, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void interp_vcpu_kick(struct squib_vcpu *vcpu)
{
    attend(vcpu->priv, CPU_ATTN_KICK);
}

/* Until the deadline or an attention bit that a wait must not sleep
 * through: a kick, or an interrupt line raised (CPU_ATTN_IRQ). */
static int interp_vcpu_wait(struct squib_vcpu *vcpu, uint64_t deadline_ns)
{
    struct interp_vcpu *c = vcpu->priv;
    if (deadline_ns > (uint64_t)INT64_MAX)
        deadline_ns = INT64_MAX;
    struct timespec until = {(time_t)(deadline_ns / 1000000000u),
                             (long)(deadline_ns % 1000000000u)};
    for (;;) {
        unsigned a = atomic_load(&c->env.attention);
        if (a & (CPU_ATTN_KICK | CPU_ATTN_IRQ))
            return 1;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec >= deadline_ns)
            return 0;
        /* An absolute CLOCK_MONOTONIC timeout; returns at once if the word
         * is no longer `a` (EAGAIN), on a wake, a signal or the timeout. */
        syscall(SYS_futex, (unsigned *)&c->env.attention,
                FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, a, &until, NULL, FUTEX_BITSET_MATCH_ANY);
    }
}

static uint32_t interp_device_irq_level(struct squib_vcpu *vcpu)
{
    struct interp_vcpu *c = vcpu->priv;
    return c->core == &a64_core_ops ? a64_device_irq_level(c->cpu) : 0;
}

static int interp_set_line(struct squib_vcpu *vcpu, unsigned line, bool level)
{
    struct interp_vcpu *c = vcpu->priv;
    if (c->core != &a64_core_ops)
        return squib_fail(-ENOSYS, "interp: the %s core has no IRQ/FIQ input lines",
                          c->core->name);
    int rc = a64_set_line(c->cpu, line, level);
    if (!rc && level)
        attend(c, CPU_ATTN_IRQ);
    return rc;
}

static int interp_timer_deadline(struct squib_vcpu *vcpu, uint64_t *monotonic_ns)
{
    struct interp_vcpu *c = vcpu->priv;
    if (c->core != &a64_core_ops)
        return squib_fail(-ENOSYS, "interp: the %s core has no timers the VMM can see",
                          c->core->name);
    int rc = a64_timer_deadline(c->cpu, monotonic_ns);
    if (rc)
        return squib_fail(rc, "interp: no enabled, unmasked timer of vCPU %u will fire",
                          vcpu->index);
    return 0;
}

static int interp_set_psci_conduit(struct squib_vm *vm, enum squib_psci_conduit conduit)
{
    struct interp_vm *v = vm->priv;
    v->conduit = conduit;
    for (unsigned i = 0; i < ACCEL_MAX_VCPUS; i++) {
        if (!vm->vcpus[i])
            continue;
        struct interp_vcpu *c = vm->vcpus[i]->priv;
        if (c->core == &a64_core_ops)
            a64_set_smc_hypercall(c->cpu, conduit == SQUIB_PSCI_CONDUIT_SMC);
    }
    return 0;
}

static int interp_get_regs(struct squib_vcpu *vcpu, enum squib_regset set, void *buf)
{
    struct interp_vcpu *c = vcpu->priv;
    return c->core->get_regs(c->cpu, set, buf);
}

static int interp_set_regs(struct squib_vcpu *vcpu, enum squib_regset set, const void *buf)
{
    struct interp_vcpu *c = vcpu->priv;
    return c->core->set_regs(c->cpu, set, buf);
}

static int interp_get_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t *value)
{
    struct interp_vcpu *c = vcpu->priv;
    return c->core->get_one_reg(c->cpu, id, value);
}

static int interp_set_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t value)
{
    struct interp_vcpu *c = vcpu->priv;
    return c->core->set_one_reg(c->cpu, id, value);
}

static int interp_set_guest_debug(struct squib_vcpu *vcpu, const struct squib_guest_debug *dbg)
{
    struct interp_vcpu *c = vcpu->priv;
    int rc = c->core->set_guest_debug(c->cpu, dbg);
    atomic_fetch_or(&c->env.attention, CPU_ATTN_DEBUG);
    return rc;
}

static int interp_vcpu_interrupt(struct squib_vcpu *vcpu, unsigned vector, bool nmi)
{
    struct interp_vcpu *c = vcpu->priv;
    if (!c->core->interrupt)
        return squib_fail(-ENOSYS, "interp: the %s core takes no interrupts yet (the GIC and "
                                   "the A64 interrupt exceptions land later)",
                          c->core->name);
    return c->core->interrupt(c->cpu, vector, nmi);
}

const struct accel_ops accel_interp_ops = {
    .name = "interp",
    .description = "squib's instruction interpreter (any host; predecoded threaded code)",
    .probe = interp_probe,
    .vm_create = interp_vm_create,
    .vm_destroy = interp_vm_destroy,
    .map_ram = interp_map_ram,
    .set_irq_line = interp_set_irq_line,
    .vcpu_create = interp_vcpu_create,
    .vcpu_destroy = interp_vcpu_destroy,
    .vcpu_run = interp_vcpu_run,
    .vcpu_kick = interp_vcpu_kick,
    .get_regs = interp_get_regs,
    .set_regs = interp_set_regs,
    .get_one_reg = interp_get_one_reg,
    .set_one_reg = interp_set_one_reg,
    .set_guest_debug = interp_set_guest_debug,
    .vcpu_interrupt = interp_vcpu_interrupt,
    .device_irq_level = interp_device_irq_level,
    .set_line = interp_set_line,
    .timer_deadline = interp_timer_deadline,
    .vcpu_wait = interp_vcpu_wait,
    .set_psci_conduit = interp_set_psci_conduit,
};
