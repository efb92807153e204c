/* accel/kvm/kvm_run.c: KVM_RUN and the translation of its exits.
 *
 * One squib exit per run.  KVM exits map onto squib's kinds (squib/exit.h);
 * reads are completed on the next run by handing the VMM's data to KVM
 * before KVM_RUN (api.rst 5, "KVM_EXIT_IO"/"KVM_EXIT_MMIO": the operation
 * completes when user space re-enters the kernel).  A string I/O exit
 * carrying `count` elements becomes `count` squib exits, one per run,
 * served from kvm_run's data area before KVM is entered again.
 */
#include "accel/kvm/kvm.h"

#if KVM_X86_HOST

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_decode.h"
#include "util/err.h"

enum { ENTER_EXIT = 0, ENTER_KICKED = 1 };

/* ---- completing the previous exit -------------------------------------- */

static uint8_t *pio_data(struct kvm_vcpu_state *c)
{
    return (uint8_t *)c->run + c->run->io.data_offset;
}

/* Hands what the VMM wrote into the exit record to KVM. */
static void take_reply(struct kvm_vcpu_state *c, const struct squib_exit *e)
{
    switch (c->pend) {
    case KVM_PEND_PIO:
        if (c->pio.in && c->pio.next > 0 && c->pio.awaiting) {
            uint32_t v = e->pio.data;
            memcpy(pio_data(c) + (size_t)(c->pio.next - 1) * c->pio.size, &v, c->pio.size);
            c->pio.awaiting = false;
        }
        break;
    case KVM_PEND_MMIO_READ:
        memcpy(c->run->mmio.data, &e->mmio.data, c->mmio_len);
        c->pend = KVM_PEND_NONE;
        break;
    case KVM_PEND_XEN:
        c->run->xen.u.hcall.result = e->hypercall.ret[0];
        c->pend = KVM_PEND_NONE;
        break;
    case KVM_PEND_HCALL:
        c->run->hypercall.ret = e->hypercall.ret[0];
        c->pend = KVM_PEND_NONE;
        break;
    case KVM_PEND_NONE:
        break;
    }
}

/* The next element of a string I/O exit. */
static void pio_element(struct kvm_vcpu_state *c, struct squib_exit *e)
{
    memset(e, 0, sizeof *e);
    e->kind = SQUIB_EXIT_PIO;
    e->pc = c->pio.pc;
    e->pio.port = c->pio.port;
    e->pio.size = c->pio.size;
    e->pio.write = !c->pio.in;
    if (!c->pio.in)
        memcpy(&e->pio.data, pio_data(c) + (size_t)c->pio.next * c->pio.size, c->pio.size);
    c->pio.awaiting = c->pio.in;
    c->pio.next++;
}

/* ---- entering the guest ------------------------------------------------ */

/* KVM_RUN until an exit or a kick.  The order (clear immediate_exit, then
 * take the kick flag) pairs with kvm_vcpu_kick (set the flag, then
 * immediate_exit), so a kick is never lost: see kvm_vcpu.c. */
static int enter(struct kvm_vcpu_state *c)
{
    for (;;) {
        __atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        bool kicked = atomic_exchange(&c->kick, false);
        if (kicked) /* still enter once: KVM completes what it owes, then stops */
            __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
        int r = ioctl(c->fd, KVM_RUN, 0);
        c->completion = false; /* KVM completes what it owed before anything else */
        c->tgen++;             /* the guest may have changed its page tables */
        if (r == 0) {
            if (kicked)
                atomic_store(&c->kick, true); /* an exit came first; kick next time */
            return ENTER_EXIT;
        }
        int err = errno;
        if (err == EINTR || err == EAGAIN) {
            if (kicked || atomic_exchange(&c->kick, false))
                return ENTER_KICKED;
            continue; /* someone else's signal */
        }
        return squib_fail(-err, "kvm: KVM_RUN failed: %s", strerror(err));
    }
}

int kvm_vcpu_settle(struct kvm_vcpu_state *c)
{
    if (c->pend == KVM_PEND_PIO && c->pio.next >= c->pio.count && !c->pio.awaiting)
        c->pend = KVM_PEND_NONE; /* every element delivered, no reply owed */
    if (!c->completion || c->stashed || c->pend != KVM_PEND_NONE)
        return 0;
    c->completion = false;
    __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    int r = ioctl(c->fd, KVM_RUN, 0);
    int err = errno;
    c->tgen++;
    __atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
    if (r == 0) {
        c->stashed = true; /* completing produced an exit (e.g. single-step) */
        return 0;
    }
    if (err == EINTR || err == EAGAIN)
        return 0;
    return squib_fail(-err, "kvm: KVM_RUN (completing the last write) failed: %s",
                      strerror(err));
}

/* ---- exits ------------------------------------------------------------- */

static void internal_error_regs(struct kvm_vcpu_state *c, struct squib_exit *e,
                                struct kvm_exit_regs *r, const char *what)
{
    uint8_t insn[SQUIB_EXIT_INSN_MAX];
    size_t n = r->valid ? kvm_code_at_rip(c, r, insn, sizeof insn) : 0;
    squib_exit_internal_error(e, r->valid ? r->regs.rip : 0, insn, n, "%s", what);
}

static void exit_internal_error(struct kvm_vcpu_state *c, struct squib_exit *e,
                                struct kvm_exit_regs *r)
{
    static const char *const names[] = {
        [KVM_INTERNAL_ERROR_EMULATION] = "instruction emulation failed",
        [KVM_INTERNAL_ERROR_SIMUL_EX] = "simultaneous exceptions",
        [KVM_INTERNAL_ERROR_DELIVERY_EV] = "unexpected exit while delivering an event",
        [KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON] = "unexpected hardware exit reason",
    };
    const struct kvm_run *run = c->run;
    uint32_t sub = run->internal.suberror;
    uint32_t ndata = run->internal.ndata < 16 ? run->internal.ndata : 16;
    const char *name = sub < sizeof names / sizeof names[0] && names[sub] ? names[sub]
                                                                          : "unknown suberror";
    char msg[SQUIB_EXIT_MESSAGE_MAX];
    int len = snprintf(msg, sizeof msg, "KVM internal error: %s (suberror %u)", name, sub);
    if (sub == KVM_INTERNAL_ERROR_EMULATION) {
        /* The data words are the instruction bytes (below), not worth
         * repeating; say why the emulator was involved at all. */
        if (c->vm->pvm && (r->sregs.cs.dpl == 0 || !(r->sregs.cr0 & 1)) && len > 0 &&
            (size_t)len < sizeof msg)
            snprintf(msg + len, sizeof msg - (size_t)len,
                     ": kvm-pvm runs all CPL0 code in KVM's instruction emulator, which "
                     "lacks this instruction; try -accel interp");
    } else {
        for (uint32_t k = 0; k < ndata && k < 4 && len > 0 && (size_t)len < sizeof msg; k++)
            len += snprintf(msg + len, sizeof msg - (size_t)len, "%s0x%llx",
                            k ? " " : "; data ", (unsigned long long)run->internal.data[k]);
    }
    if (sub == KVM_INTERNAL_ERROR_EMULATION && ndata >= 3 &&
        (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
        size_t n = run->emulation_failure.insn_size;
        if (n > sizeof run->emulation_failure.insn_bytes)
            n = sizeof run->emulation_failure.insn_bytes;
        squib_exit_internal_error(e, r->valid ? r->regs.rip : 0,
                                  run->emulation_failure.insn_bytes, n, "%s", msg);
        return;
    }
    internal_error_regs(c, e, r, msg); /* bytes read from guest memory at RIP */
}

static void exit_debug(struct kvm_vcpu_state *c, struct squib_exit *e, uint64_t rip)
{
    const struct kvm_debug_exit_arch *d = &c->run->debug.arch;
    memset(e, 0, sizeof *e);
    e->kind = SQUIB_EXIT_DEBUG;
    e->pc = rip;
    e->debug.reason = SQUIB_DEBUG_SINGLE_STEP;
    if (d->exception == 3) { /* #BP */
        e->debug.reason = SQUIB_DEBUG_BREAKPOINT;
        e->debug.addr = rip;
    } else if (d->dr6 & 0xf) { /* B0..B3 (SDM Vol. 3, 19.2.3) */
        unsigned n = (unsigned)__builtin_ctzll(d->dr6 & 0xf);
        unsigned rw = (unsigned)(c->dbg.arch.debugreg[7] >> (16 + 4 * n)) & 3;
        e->debug.reason = rw ? SQUIB_DEBUG_WATCHPOINT : SQUIB_DEBUG_BREAKPOINT;
        e->debug.addr = c->dbg.arch.debugreg[n];
    }
    /* Otherwise DR6.BS (bit 14) is set, or KVM said nothing more: a step. */
}

/* Single-stepping a HLT: KVM reports the step (kvm-pvm) or the HLT (VMX,
 * where the HLT exit overwrites the step's) but not both.  The interpreter
 * reports the HLT, so a step that moved exactly one byte from an F4 becomes
 * the HLT exit it hides.  The stop before it is known because every stop
 * while stepping is a DEBUG exit. */
static void step_over_hlt(struct kvm_vcpu_state *c, struct squib_exit *e,
                          const struct kvm_exit_regs *r)
{
    uint64_t from = c->step_from;
    bool known = c->step_from_valid;
    c->step_from = e->pc;
    c->step_from_valid = true;
    if (!known || e->pc != from + 1)
        return;
    uint8_t b;
    unsigned mode = kvm_code_mode(&r->sregs);
    uint64_t lin = kvm_seg_linear(&r->sregs, mode, KVM_SEG_CS, from);
    if (kvm_read_linear(c, &r->sregs, lin, &b, 1) == 1 && b == 0xf4) {
        memset(e, 0, sizeof *e);
        e->kind = SQUIB_EXIT_HLT;
        e->pc = from;
    }
}

/* A VMCALL that KVM keeps retrying (kvm_vm.c explains when). */
static void vmcall_error(struct kvm_vcpu_state *c, struct squib_exit *e,
                         struct kvm_exit_regs *r)
{
    char msg[SQUIB_EXIT_MESSAGE_MAX];
    snprintf(msg, sizeof msg,
             "VMCALL cannot reach squib on this host: no Xen hypercall intercept "
             "(KVM_XEN_HVM_CONFIG: %s) and KVM retries the instruction forever",
             strerror(c->vm->xen_errno));
    internal_error_regs(c, e, r, msg);
}

static bool exit_io(struct kvm_vcpu_state *c, struct squib_exit *e, struct kvm_exit_regs *r)
{
    const struct kvm_run *run = c->run;
    unsigned size = run->io.size;
    uint64_t bytes = (uint64_t)size * run->io.count;
    if ((size != 1 && size != 2 && size != 4) || run->io.count == 0 ||
        run->io.data_offset > (uint64_t)c->vm->run_size ||
        bytes > (uint64_t)c->vm->run_size - run->io.data_offset) {
        char msg[SQUIB_EXIT_MESSAGE_MAX];
        snprintf(msg, sizeof msg,
                 "KVM_EXIT_IO with impossible fields: size %u count %u data offset %llu", size,
                 run->io.count, (unsigned long long)run->io.data_offset);
        internal_error_regs(c, e, r, msg);
        return true;
    }
    bool in = run->io.direction == KVM_EXIT_IO_IN;
    c->pio.in = in;
    c->pio.size = (uint8_t)size;
    c->pio.port = run->io.port;
    c->pio.count = run->io.count;
    c->pio.next = 0;
    c->pio.awaiting = false;
    c->pio.pc = kvm_pc_for_pio(c, r, in, size, run->io.port, run->io.count, pio_data(c));
    c->pend = KVM_PEND_PIO;
    if (!in) {
        c->completion = true;
        if (c->single_step && c->pio.pc != r->regs.rip && c->pio.count == 1) {
            /* KVM's emulator completed the OUT before exiting and does not
             * report the single-step trap of a write ("FIXME: return into
             * emulator if single-stepping" in x86.c): owe it ourselves. */
            c->step_owed = true;
            c->step_pc = r->regs.rip;
        }
    }
    pio_element(c, e);
    return true;
}

static bool exit_mmio(struct kvm_vcpu_state *c, struct squib_exit *e, struct kvm_exit_regs *r)
{
    const struct kvm_run *run = c->run;
    unsigned len = run->mmio.len;
    if (len == 0 || len > 8) {
        char msg[SQUIB_EXIT_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "KVM_EXIT_MMIO at 0x%llx with impossible length %u",
                 (unsigned long long)run->mmio.phys_addr, len);
        internal_error_regs(c, e, r, msg);
        return true;
    }
    bool write = run->mmio.is_write != 0;
    uint64_t data = 0;
    if (write)
        memcpy(&data, run->mmio.data, len);
    if (write && len == 3 && !c->vm->xen_hcall && (data == 0xc1010f || data == 0xd9010f) &&
        (run->mmio.phys_addr == (r->regs.rip & 0xffffffffULL)) && kvm_at_vmcall(c, r)) {
        /* KVM "patching" VMCALL at the un-segmented IP (see kvm_vm.c). */
        vmcall_error(c, e, r);
        return true;
    }
    uint64_t pc = kvm_pc_for_mmio(c, r, run->mmio.phys_addr, len, write);
    memset(e, 0, sizeof *e);
    e->kind = SQUIB_EXIT_MMIO;
    e->pc = pc;
    e->mmio.addr = run->mmio.phys_addr;
    e->mmio.size = (uint8_t)len;
    e->mmio.write = write;
    e->mmio.data = data;
    if (write) {
        c->completion = true;
        if (c->single_step && pc != r->regs.rip) {
            c->step_owed = true; /* as for OUT above */
            c->step_pc = r->regs.rip;
        }
    } else {
        c->pend = KVM_PEND_MMIO_READ;
        c->mmio_len = (uint8_t)len;
    }
    return true;
}

static void exit_hypercall(struct squib_exit *e, uint64_t pc, uint64_t func,
                           const uint64_t args[6])
{
    memset(e, 0, sizeof *e);
    e->kind = SQUIB_EXIT_HYPERCALL;
    e->pc = pc;
    e->hypercall.func = func;
    memcpy(e->hypercall.args, args, sizeof e->hypercall.args);
}

static bool exit_system_event(struct kvm_vcpu_state *c, struct squib_exit *e,
                              struct kvm_exit_regs *r)
{
    uint32_t type = c->run->system_event.type;
    memset(e, 0, sizeof *e);
    e->pc = r->regs.rip;
    switch (type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        e->kind = SQUIB_EXIT_SHUTDOWN;
        e->shutdown.reason = SQUIB_SHUTDOWN_POWEROFF;
        return true;
    case KVM_SYSTEM_EVENT_RESET:
        e->kind = SQUIB_EXIT_RESET;
        return true;
    case KVM_SYSTEM_EVENT_CRASH:
        internal_error_regs(c, e, r, "the guest reported a crash (KVM_SYSTEM_EVENT_CRASH)");
        return true;
    default: {
        char msg[SQUIB_EXIT_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "KVM system event %u, which squib does not handle", type);
        internal_error_regs(c, e, r, msg);
        return true;
    }
    }
}

/* Fills `e` from the exit in kvm_run; false when the exit needs no VMM
 * action and the guest should simply run on. */
static bool translate(struct kvm_vcpu_state *c, struct squib_exit *e)
{
    struct kvm_run *run = c->run;
    struct kvm_exit_regs r;
    memset(&r, 0, sizeof r);
    if (kvm_exit_regs_load(c, &r) < 0) {
        squib_exit_internal_error(e, 0, NULL, 0,
                                  "KVM exit %u: cannot read the vCPU registers: %s",
                                  run->exit_reason, strerror(errno));
        return true;
    }
    uint64_t rip = r.regs.rip;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        return exit_io(c, e, &r);
    case KVM_EXIT_MMIO:
        return exit_mmio(c, e, &r);
    case KVM_EXIT_HLT:
        memset(e, 0, sizeof *e);
        e->kind = SQUIB_EXIT_HLT;
        e->pc = kvm_pc_for_hlt(c, &r);
        c->step_from = rip; /* the next step starts after the HLT */
        c->step_from_valid = c->single_step;
        return true;
    case KVM_EXIT_SHUTDOWN:
        memset(e, 0, sizeof *e);
        e->kind = SQUIB_EXIT_SHUTDOWN;
        e->shutdown.reason = SQUIB_SHUTDOWN_TRIPLE_FAULT;
        e->pc = rip;
        return true;
    case KVM_EXIT_SYSTEM_EVENT:
        return exit_system_event(c, e, &r);
    case KVM_EXIT_DEBUG:
        exit_debug(c, e, rip);
        if (e->debug.reason == SQUIB_DEBUG_SINGLE_STEP)
            step_over_hlt(c, e, &r);
        return true;
    case KVM_EXIT_HYPERCALL: {
        /* KVM's own hypercall exit (KVM_CAP_EXIT_HYPERCALL); RIP is still at
         * the VMCALL until the result is handed back. */
        uint64_t args[6];
        memcpy(args, run->hypercall.args, sizeof args);
        exit_hypercall(e, rip, run->hypercall.nr, args);
        c->pend = KVM_PEND_HCALL;
        return true;
    }
    case KVM_EXIT_XEN: {
        if (run->xen.type != KVM_EXIT_XEN_HCALL) {
            char msg[SQUIB_EXIT_MESSAGE_MAX];
            snprintf(msg, sizeof msg, "KVM_EXIT_XEN of unknown type %u", run->xen.type);
            internal_error_regs(c, e, &r, msg);
            return true;
        }
        /* squib's convention is Xen's x86-64 one whatever the guest's mode
         * (squib/exit.h), so read the registers rather than KVM's params,
         * which follow the 32-bit convention for 32-bit guests. */
        const struct kvm_regs *g = &r.regs;
        uint64_t args[6] = {g->rdi, g->rsi, g->rdx, g->r10, g->r8, g->r9};
        exit_hypercall(e, rip, g->rax, args);
        c->pend = KVM_PEND_XEN;
        return true;
    }
    case KVM_EXIT_FAIL_ENTRY: {
        char msg[SQUIB_EXIT_MESSAGE_MAX];
        snprintf(msg, sizeof msg,
                 "KVM could not enter the guest: hardware entry failure reason 0x%llx "
                 "(host CPU %u); the vCPU state is invalid for this mode",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
                 run->fail_entry.cpu);
        internal_error_regs(c, e, &r, msg);
        return true;
    }
    case KVM_EXIT_INTERNAL_ERROR:
        exit_internal_error(c, e, &r);
        return true;
    case KVM_EXIT_EXCEPTION: {
        char msg[SQUIB_EXIT_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "KVM_EXIT_EXCEPTION: exception %u, error code 0x%x",
                 run->ex.exception, run->ex.error_code);
        internal_error_regs(c, e, &r, msg);
        return true;
    }
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        return false;
    default: {
        char msg[SQUIB_EXIT_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "unknown KVM exit reason %u", run->exit_reason);
        internal_error_regs(c, e, &r, msg);
        return true;
    }
    }
}

static void exit_kicked(struct kvm_vcpu_state *c, struct squib_exit *e)
{
    struct kvm_exit_regs r;
    memset(&r, 0, sizeof r);
    bool regs = kvm_exit_regs_load(c, &r) == 0;
    /* On kvm-pvm a VMCALL at CPL0 spins inside KVM until a signal comes
     * (kvm_vm.c): a kick that finds the vCPU there ends that. */
    if (regs && c->vm->pvm && !c->vm->xen_hcall && (r.sregs.cs.selector & 3) == 0 &&
        r.sregs.cs.dpl == 0 && kvm_at_vmcall(c, &r)) {
        vmcall_error(c, e, &r);
        return;
    }
    memset(e, 0, sizeof *e);
    e->kind = SQUIB_EXIT_INTERRUPTED;
    e->pc = regs ? r.regs.rip : 0;
}

int kvm_vcpu_interrupt(struct squib_vcpu *vcpu, unsigned vector, bool nmi)
{
    struct kvm_vcpu_state *c = vcpu->priv;
    if (nmi) {
        c->nmi_pending = true;
        return 0;
    }
    if (vector > 255)
        return squib_fail(-EINVAL, "kvm: interrupt vector %u is not 0-255", vector);
    if (c->irq_vector >= 0)
        return squib_fail(-EBUSY, "kvm: vector %d is still pending", c->irq_vector);
    c->irq_vector = (int)vector;
    return 0;
}

/* Hands queued interrupts to KVM (api.rst, KVM_INTERRUPT and KVM_NMI, for
 * VMs without an in-kernel irqchip): an external interrupt only when KVM
 * says the guest can take one now, else KVM is asked to exit when it can
 * (request_interrupt_window, KVM_EXIT_IRQ_WINDOW_OPEN). */
static int inject(struct kvm_vcpu_state *c)
{
    if (c->nmi_pending) {
        if (ioctl(c->fd, KVM_NMI) < 0)
            return squib_fail(-errno, "kvm: KVM_NMI failed: %s", strerror(errno));
        c->nmi_pending = false;
    }
    if (c->irq_vector < 0) {
        c->run->request_interrupt_window = 0;
        return 0;
    }
    if (c->run->ready_for_interrupt_injection && c->run->if_flag) {
        struct kvm_interrupt irq = {.irq = (uint32_t)c->irq_vector};
        if (ioctl(c->fd, KVM_INTERRUPT, &irq) < 0)
            return squib_fail(-errno, "kvm: KVM_INTERRUPT failed: %s", strerror(errno));
        c->irq_vector = -1;
        c->run->request_interrupt_window = 0;
    } else {
        c->run->request_interrupt_window = 1;
    }
    return 0;
}

int kvm_vcpu_run(struct squib_vcpu *vcpu, struct squib_exit *e)
{
    struct kvm_vcpu_state *c = vcpu->priv;
    kvm_vcpu_thread_prepare(c);
    take_reply(c, e);
    if (c->pend == KVM_PEND_PIO) {
        if (c->pio.next < c->pio.count) {
            pio_element(c, e);
            return 0;
        }
        c->pend = KVM_PEND_NONE;
    }
    if (c->step_owed) {
        /* Let KVM finish the write first: a page-crossing write has a
         * second fragment to report before the step. */
        int rc = kvm_vcpu_settle(c);
        if (rc)
            return rc;
    }
    if (c->step_owed && !c->stashed) {
        c->step_owed = false;
        memset(e, 0, sizeof *e);
        e->kind = SQUIB_EXIT_DEBUG;
        e->debug.reason = SQUIB_DEBUG_SINGLE_STEP;
        e->pc = c->step_pc;
        c->step_from = c->step_pc;
        c->step_from_valid = true;
        return 0;
    }
    for (;;) {
        if (!c->stashed) {
            int rc = inject(c);
            if (rc)
                return rc;
            rc = enter(c);
            if (rc < 0)
                return rc;
            if (rc == ENTER_KICKED) {
                exit_kicked(c, e);
                return 0;
            }
        }
        c->stashed = false;
        if (translate(c, e))
            return 0;
    }
}

#endif
