/* accel/kvm/kvm_vcpu.c: vCPUs: creation, CPUID, and kicks.
 *
 * A new vCPU keeps KVM's reset state, which is a real x86 CPU's after RESET
 * (SDM Vol. 3, 10.1.4): real mode, CS selector 0xF000 with base 0xFFFF0000,
 * IP 0xFFF0.
 *
 * Kicks (api.rst 5, "immediate_exit"): the kicker sets the vCPU's kick flag,
 * then kvm_run->immediate_exit, then sends KVM_KICK_SIGNAL to the thread that
 * runs the vCPU.  The signal forces a vCPU inside KVM_RUN out with EINTR; the
 * flag set before entry makes KVM_RUN return EINTR at once; the run loop
 * clears immediate_exit before it reads the flag, so no kick is lost between
 * the two.  The handler does nothing: it exists so that the signal is
 * consumed instead of killing the process.
 */
#include "accel/kvm/kvm.h"

#if KVM_X86_HOST

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/err.h"

/* A real-time signal, so that the application's SIGUSR1/SIGUSR2 stay its own. */
#define KVM_KICK_SIGNAL (SIGRTMIN + 4)

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static int handler_err;

static void kick_handler(int sig)
{
    (void)sig;
}

static void install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = kick_handler;
    sa.sa_flags = SA_RESTART; /* only KVM_RUN should notice a kick */
    sigemptyset(&sa.sa_mask);
    if (sigaction(KVM_KICK_SIGNAL, &sa, NULL) < 0)
        handler_err = errno;
}

/* CPUID as KVM supports it, with this vCPU's APIC ID (leaf 1 EBX[31:24],
 * leaves 0xB and 0x1F EDX). */
static int set_cpuid(struct kvm_vcpu_state *c, unsigned index)
{
    const struct kvm_cpuid2 *src = c->vm->cpuid;
    size_t bytes = sizeof *src + src->nent * sizeof src->entries[0];
    struct kvm_cpuid2 *cp = malloc(bytes);
    if (!cp)
        return squib_fail(-ENOMEM, "kvm: out of memory for CPUID");
    memcpy(cp, src, bytes);
    for (unsigned i = 0; i < cp->nent; i++) {
        struct kvm_cpuid_entry2 *e = &cp->entries[i];
        if (e->function == 1)
            e->ebx = (e->ebx & 0x00ffffffu) | (index << 24);
        if (e->function == 0xb || e->function == 0x1f)
            e->edx = index;
    }
    if (ioctl(c->fd, KVM_SET_CPUID2, cp) < 0) {
        int err = errno;
        free(cp);
        return squib_fail(-err, "kvm: KVM_SET_CPUID2 failed: %s", strerror(err));
    }
    c->cpuid = cp;
    return 0;
}

/* The CPUID feature words a VMM may lower through SQUIB_REG_X86_CPUID, as
 * on the interpreter (cpu/x86/features.c): leaf 1 ECX/EDX, 7.0 EBX,
 * 0x80000001 ECX/EDX. */
static bool feature_word(uint32_t leaf, uint32_t sub, unsigned reg)
{
    return (leaf == 1 && reg >= 2) || (leaf == 7 && sub == 0 && reg == 1) ||
           (leaf == 0x80000001u && reg >= 2);
}

static struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_vcpu_state *c, uint32_t leaf, uint32_t sub)
{
    for (unsigned i = 0; i < c->cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->cpuid->entries[i];
        if (e->function == leaf &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == sub))
            return e;
    }
    return NULL;
}

static uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *e, unsigned reg)
{
    return reg == 0 ? &e->eax : reg == 1 ? &e->ebx : reg == 2 ? &e->ecx : &e->edx;
}

int kvm_cpuid_get(struct kvm_vcpu_state *c, uint64_t id, uint64_t *value)
{
    struct kvm_cpuid_entry2 *e =
        cpuid_entry(c, SQUIB_REG_X86_CPUID_LEAF(id), SQUIB_REG_X86_CPUID_SUBLEAF(id));
    *value = e ? *cpuid_reg(e, SQUIB_REG_X86_CPUID_REG(id)) : 0;
    return 0;
}

int kvm_cpuid_set(struct kvm_vcpu_state *c, uint64_t id, uint64_t value)
{
    uint32_t leaf = SQUIB_REG_X86_CPUID_LEAF(id), sub = SQUIB_REG_X86_CPUID_SUBLEAF(id);
    unsigned reg = SQUIB_REG_X86_CPUID_REG(id);
    struct kvm_cpuid_entry2 *e = cpuid_entry(c, leaf, sub);
    uint32_t *r = e ? cpuid_reg(e, reg) : NULL;
    if (r && value == *r)
        return 0;
    if (!r || !feature_word(leaf, sub, reg))
        return squib_fail(-EINVAL, "kvm: CPUID 0x%x.%u register %u is fixed (only the feature "
                          "words of leaves 1, 7 and 0x80000001 can change)", leaf, sub, reg);
    if (value >> 32 || (value & ~(uint64_t)*r))
        return squib_fail(-EINVAL, "kvm: CPUID 0x%x.%u register %u = 0x%llx adds features "
                          "(0x%llx) KVM does not offer here; a VMM may only remove them",
                          leaf, sub, reg, (unsigned long long)value,
                          (unsigned long long)(value & ~(uint64_t)*r));
    uint32_t old = *r;
    *r = (uint32_t)value;
    if (ioctl(c->fd, KVM_SET_CPUID2, c->cpuid) < 0) {
        int err = errno;
        *r = old;
        return squib_fail(-err, "kvm: KVM_SET_CPUID2 failed: %s (CPUID can change only before "
                          "the vCPU first runs)", strerror(err));
    }
    return 0;
}

int kvm_vcpu_create(struct squib_vcpu *vcpu)
{
    struct kvm_vm_state *v = vcpu->vm->priv;
    pthread_once(&handler_once, install_handler);
    if (handler_err)
        return squib_fail(-handler_err, "kvm: cannot install the kick signal handler: %s",
                          strerror(handler_err));
    struct kvm_vcpu_state *c = calloc(1, sizeof *c);
    if (!c)
        return squib_fail(-ENOMEM, "kvm: out of memory");
    c->vm = v;
    c->out_advanced = -1;
    c->tgen = 1; /* tlb entries start at generation 0: invalid */
    atomic_init(&c->kick, false);
    atomic_init(&c->tid, 0);
    c->irq_vector = -1;
    c->fd = ioctl(v->vm_fd, KVM_CREATE_VCPU, (unsigned long)vcpu->index);
    if (c->fd < 0) {
        int err = errno;
        free(c);
        return squib_fail(-err, "kvm: KVM_CREATE_VCPU %u failed: %s", vcpu->index,
                          strerror(err));
    }
    c->run = mmap(NULL, (size_t)v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    if (c->run == MAP_FAILED) {
        int err = errno;
        close(c->fd);
        free(c);
        return squib_fail(-err, "kvm: cannot map kvm_run of vCPU %u: %s", vcpu->index,
                          strerror(err));
    }
    int rc = set_cpuid(c, vcpu->index);
    if (rc) {
        munmap(c->run, (size_t)v->run_size);
        close(c->fd);
        free(c);
        return rc;
    }
    /* api.rst 5, kvm_valid_regs: KVM copies these out on every exit, which
     * saves two ioctls per exit in kvm_pc.c. */
    if (v->sync_regs)
        c->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    vcpu->priv = c;
    return 0;
}

void kvm_vcpu_destroy(struct squib_vcpu *vcpu)
{
    struct kvm_vcpu_state *c = vcpu->priv;
    if (!c)
        return;
    munmap(c->run, (size_t)c->vm->run_size);
    close(c->fd);
    free(c->cpuid);
    free(c);
    vcpu->priv = NULL;
}

static _Thread_local pid_t thread_tid;

void kvm_vcpu_thread_prepare(struct kvm_vcpu_state *c)
{
    if (!thread_tid) {
        /* Kicks must reach this thread even if it was created with signals
         * blocked. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, KVM_KICK_SIGNAL);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        thread_tid = (pid_t)syscall(SYS_gettid);
    }
    if (atomic_load_explicit(&c->tid, memory_order_relaxed) != thread_tid)
        atomic_store(&c->tid, thread_tid);
}

/* Async-signal-safe: atomics, getpid and tgkill only. */
void kvm_vcpu_kick(struct squib_vcpu *vcpu)
{
    struct kvm_vcpu_state *c = vcpu->priv;
    atomic_store(&c->kick, true);
    __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    pid_t tid = atomic_load(&c->tid);
    if (tid > 0)
        syscall(SYS_tgkill, getpid(), tid, KVM_KICK_SIGNAL);
}

#endif
