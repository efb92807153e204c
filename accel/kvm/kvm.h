/* accel/kvm/kvm.h: private state of the KVM backend.
 *
 * The backend runs x86-64 guests on x86-64 Linux hosts through /dev/kvm
 * (Documentation/virt/kvm/api.rst).  Files, one job each:
 *   kvm_probe.c   can /dev/kvm run this guest here (version, capabilities, kvm-pvm)
 *   kvm_vm.c      the VM: memory slots, CPUID, the Xen hypercall intercept
 *   kvm_vcpu.c    vCPUs: kvm_run mapping, kicks (signal + immediate_exit)
 *   kvm_run.c     KVM_RUN and the translation of KVM exits into squib exits
 *   kvm_pc.c      the address of the instruction behind an exit
 *   kvm_mem.c     reading guest memory the way the vCPU sees it
 *   kvm_decode.c  x86 instruction lengths (pure; used by kvm_pc.c)
 *   kvm_regs.c    register sets, MSRs, guest debug
 *   kvm_ops.c     the ops table
 * Everything except kvm_decode.c and kvm_ops.c compiles to nothing on other
 * hosts; there the ops table only reports why KVM is unavailable.
 */
#ifndef ACCEL_KVM_KVM_H
#define ACCEL_KVM_KVM_H

#include "accel/accel.h"

#if defined(__linux__) && defined(__x86_64__)
#define KVM_X86_HOST 1
#else
#define KVM_X86_HOST 0
#endif

/* Writes why KVM cannot run `arch` guests here; false when it can. */
bool kvm_probe(enum squib_arch arch, char *why, size_t len, bool *preferred);

#if KVM_X86_HOST

#include <linux/kvm.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "squib/physmap.h"

/* The sentence probe() writes on kvm-pvm hosts. */
#define KVM_PVM_NOTE                                                                         \
    "kvm-pvm (no VMX/SVM): guest CPL3 code runs natively, CPL0 code is emulated at about "  \
    "2 MIPS and some instructions fail; auto prefers the interpreter, use -accel kvm to "   \
    "force"

/* Opens /dev/kvm and checks the API version and the capabilities squib
 * needs.  Returns the descriptor, or a negative errno with a sentence in
 * `why`. */
int kvm_open_checked(char *why, size_t len);
bool kvm_host_is_pvm(void);

struct kvm_vm_state {
    int kvm_fd;
    int vm_fd;
    int run_size;                /* KVM_GET_VCPU_MMAP_SIZE */
    bool pvm;                    /* kvm-pvm host */
    bool sync_regs;              /* KVM_CAP_SYNC_REGS covers regs and sregs */
    size_t xsave_size;           /* KVM_GET_XSAVE buffer size, 0 without KVM_CAP_XSAVE */
    bool xen_hcall;              /* KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL accepted */
    int xen_errno;               /* why not, when not */
    unsigned next_slot;          /* memory slot numbers are handed out in order */
    struct squib_physmap mem;    /* what map_ram gave us, for reading guest code */
    struct kvm_cpuid2 *cpuid;    /* KVM_GET_SUPPORTED_CPUID, fixed up per vCPU */
};

/* What the next vcpu_run must complete before it may enter the guest. */
enum kvm_pending {
    KVM_PEND_NONE,
    KVM_PEND_PIO,       /* a KVM_EXIT_IO being delivered element by element */
    KVM_PEND_MMIO_READ, /* the VMM's data goes to kvm_run->mmio.data */
    KVM_PEND_XEN,       /* hypercall result goes to kvm_run->xen */
    KVM_PEND_HCALL,     /* hypercall result goes to kvm_run->hypercall.ret */
};

struct kvm_vcpu_state {
    struct kvm_vm_state *vm;
    int fd;
    struct kvm_run *run;

    atomic_bool kick;       /* set by kvm_vcpu_kick, consumed by the run loop */
    _Atomic pid_t tid;      /* thread that last ran the vCPU, 0 before */

    enum kvm_pending pend;
    struct {
        uint64_t pc;
        uint32_t count;     /* elements in this KVM exit */
        uint32_t next;      /* elements delivered so far */
        uint16_t port;
        uint8_t size;
        bool in;
        bool awaiting;      /* an IN element was delivered, its data not taken */
    } pio;
    uint8_t mmio_len;

    bool stashed;           /* kvm_run holds an exit not translated yet */
    bool completion;        /* KVM may still owe the completion of a write */
    bool step_owed;         /* single-step trap KVM dropped after a write */
    uint64_t step_pc;       /* where that trap stops */
    bool single_step;       /* guest debug single-step is on */
    bool step_from_valid;   /* step_from holds the pc of the last step stop */
    uint64_t step_from;
    int8_t out_advanced;    /* OUT exits: RIP past the insn? -1 unknown (kvm_pc.c) */
    /* KVM_TRANSLATE results, valid while `gen` equals tgen; tgen moves on
     * with every exit and every register write (kvm_mem.c). */
    struct {
        uint64_t lin_page, phys_page;
        unsigned gen;
    } tlb[4];
    unsigned tgen;
    unsigned tlb_next;
    struct kvm_guest_debug dbg;
    /* Interrupts queued by kvm_vcpu_interrupt: injected before KVM_RUN
     * when the guest can take them (kvm_run.c). */
    int irq_vector; /* -1: none */
    bool nmi_pending;
    struct kvm_cpuid2 *cpuid; /* the table given to KVM_SET_CPUID2 */
};

/* The register state at an exit: kvm_run's sync area when KVM fills it,
 * else fetched with KVM_GET_REGS / KVM_GET_SREGS. */
struct kvm_exit_regs {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    bool valid;
};
int kvm_exit_regs_load(struct kvm_vcpu_state *c, struct kvm_exit_regs *r);

/* Code size (2, 4, 8) of the vCPU per CS and EFER.LMA. */
unsigned kvm_code_mode(const struct kvm_sregs *s);

/* kvm_mem.c: reads `len` bytes at linear address `lin`; returns how many
 * leading bytes could be read (RAM or ROM, translated through the guest page
 * tables with KVM_TRANSLATE when paging is on). */
size_t kvm_read_linear(struct kvm_vcpu_state *c, const struct kvm_sregs *s, uint64_t lin,
                       void *buf, size_t len);
/* Guest-physical address of linear `lin`; false when unmapped. */
bool kvm_linear_to_phys(struct kvm_vcpu_state *c, const struct kvm_sregs *s, uint64_t lin,
                        uint64_t *phys);
/* Linear address of segment `seg` offset `off` (64-bit mode: only FS/GS
 * bases count; otherwise the sum is truncated to 32 bits). */
uint64_t kvm_seg_linear(const struct kvm_sregs *s, unsigned mode, unsigned seg, uint64_t off);

/* kvm_pc.c: the address of the instruction behind an exit. */
uint64_t kvm_pc_for_pio(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r, bool in,
                        unsigned size, uint16_t port, uint32_t count, const uint8_t *data);
uint64_t kvm_pc_for_mmio(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r, uint64_t gpa,
                         unsigned len, bool write);
uint64_t kvm_pc_for_hlt(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r);
/* True when the instruction at RIP is VMCALL or VMMCALL. */
bool kvm_at_vmcall(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r);
/* Up to `max` instruction bytes at RIP (for INTERNAL_ERROR exits). */
size_t kvm_code_at_rip(struct kvm_vcpu_state *c, const struct kvm_exit_regs *r, uint8_t *buf,
                       size_t max);

/* kvm_run.c: lets KVM finish a write it still owes (KVM_RUN with
 * immediate_exit, api.rst "immediate_exit"), so that registers read now are
 * the ones after the instruction.  An exit that produces is kept for the
 * next run. */
int kvm_vcpu_settle(struct kvm_vcpu_state *c);

/* The backend entry points (the ops table in kvm_ops.c points here). */
int kvm_vm_create(struct squib_vm *vm);
void kvm_vm_destroy(struct squib_vm *vm);
int kvm_map_ram(struct squib_vm *vm, uint64_t gpa, uint64_t size, void *host, unsigned flags);
int kvm_set_irq_line(struct squib_vm *vm, unsigned irq, bool level);
int kvm_vcpu_create(struct squib_vcpu *vcpu);
/* kvm_vcpu.c: SQUIB_REG_X86_CPUID one-register access to the vCPU's CPUID. */
int kvm_cpuid_get(struct kvm_vcpu_state *c, uint64_t id, uint64_t *value);
int kvm_cpuid_set(struct kvm_vcpu_state *c, uint64_t id, uint64_t value);
void kvm_vcpu_destroy(struct squib_vcpu *vcpu);
int kvm_vcpu_run(struct squib_vcpu *vcpu, struct squib_exit *exit);
void kvm_vcpu_kick(struct squib_vcpu *vcpu);
/* Called by the run loop on the vCPU's thread before KVM_RUN. */
void kvm_vcpu_thread_prepare(struct kvm_vcpu_state *c);
int kvm_get_regs(struct squib_vcpu *vcpu, enum squib_regset set, void *buf);
int kvm_set_regs(struct squib_vcpu *vcpu, enum squib_regset set, const void *buf);
int kvm_get_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t *value);
int kvm_set_one_reg(struct squib_vcpu *vcpu, uint64_t id, uint64_t value);
int kvm_set_guest_debug(struct squib_vcpu *vcpu, const struct squib_guest_debug *dbg);
int kvm_vcpu_interrupt(struct squib_vcpu *vcpu, unsigned vector, bool nmi);

#endif /* KVM_X86_HOST */
#endif
