/* cpu/x86/x86.h: the x86-64 interpreter core's state and internal API.
 *
 * This is the scaffold the x86 CPU issue fills in: a pre-decoder into
 * struct x86_insn, an opcode table with handler pointers, blocks of
 * predecoded instructions in the shared decode cache (cpu/dcache.h), and
 * one checked path to guest memory (mmu/).  Device accesses leave as exits;
 * a read exit re-executes the instruction on the next run, answered from the
 * per-instruction read cache (Intel SDM semantics stay exact for
 * read-modify-write to MMIO and for `rep ins`).
 */
#ifndef CPU_X86_X86_H
#define CPU_X86_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/dcache.h"

#include <string.h>

enum x86_reg { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
enum x86_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE = 7 };

/* RFLAGS bits (SDM Vol. 1, 3.4.3) */
enum {
    F_CF = 1u << 0, F_PF = 1u << 2, F_AF = 1u << 4, F_ZF = 1u << 6, F_SF = 1u << 7,
    F_TF = 1u << 8, F_IF = 1u << 9, F_DF = 1u << 10, F_OF = 1u << 11, F_RF = 1u << 16,
    F_AC = 1u << 18,
    F_ARITH = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF,
};

struct x86_segment {
    uint64_t base;
    uint32_t limit;
    uint16_t sel;
    uint16_t attr; /* type(4) s(1) dpl(2) p(1) avl(1) l(1) db(1) g(1), from bit 0 */
};

/* Code modes the decoder depends on (part of the decode-cache key). */
enum x86_mode {
    X86_MODE_REAL = 0, X86_MODE_PROT16 = 1, X86_MODE_PROT32 = 2, X86_MODE_LONG64 = 3,
    /* Virtual-8086 mode (EFLAGS.VM in protected mode, SDM Vol. 3, chapter
     * 20): decodes as real mode, segments as in real mode, CPL 3. */
    X86_MODE_VM86 = 4,
};

struct x86_cpu;
struct x86_insn;

/* Handler results. */
enum {
    X86_NEXT = 0,      /* done: rip = next_rip, fall through in the block */
    X86_BRANCH = 1,    /* done: the handler set rip; leave the block */
    X86_EXIT = 2,      /* not done (read exit, or a rep iteration): rip stays,
                          cpu->exit is filled; return from run() */
    X86_EXIT_DONE = 3, /* done with a write exit: rip = next_rip, return */
    X86_EXIT_BRANCH = 4, /* done with a write exit; the handler set rip */
};

typedef int (*x86_handler)(struct x86_cpu *cpu, const struct x86_insn *i);

/* One predecoded instruction (SDM Vol. 2, 2.1: prefixes, opcode, ModRM, SIB,
 * displacement, immediate). */
struct x86_insn {
    x86_handler fn;
    uint8_t len;
    uint8_t opsize;  /* 1, 2, 4, 8: operand size of the instruction */
    uint8_t adsize;  /* 2, 4, 8 */
    uint8_t seg;     /* effective segment for memory operands */
    uint8_t rep;     /* 0, 0xF3 (REP/REPE), 0xF2 (REPNE) */
    uint8_t opcode;  /* last opcode byte */
    uint8_t map;     /* 0: one-byte, 1: 0F */
    uint8_t reg;     /* ModRM.reg (with REX.R) or the register in the opcode */
    uint8_t rm;      /* ModRM.rm register (with REX.B) when mod == 3 */
    uint8_t mod;     /* 3 = register operand; otherwise memory */
    uint8_t base, index, scale; /* memory operand: base/index 0xff = none */
    uint8_t rex;
    bool rip_rel;
    bool p66;        /* a 66 prefix was present (mandatory prefix of some rows) */
    uint8_t fd, fs;  /* specialised handlers (fast.c): destination and source register */
    /* 64-bit addressing for specialised handlers (x86_ea64): base and index
     * registers, 16 (always 0) for none; ripm all ones if RIP-relative. */
    uint8_t eb, ex;
    uint16_t off;    /* offset of the instruction from its block's start */
    uint64_t ripm;
    x86_handler gfn; /* behind a flag-syncing fn: the generic handler */
    /* Threaded dispatch (core.c): fn plus going on to the next instruction
     * itself (X86_TSTEP_BODY), so that a block runs with one call.  fn's
     * threaded twin for the specialised handlers (fast.c), x86_op_tstep for
     * the rest; a block ends with a terminator whose tfn stops. */
    x86_handler tfn;
    /* The threaded memory handlers' memo of their last TLB hit (fast.c,
     * memo_ptr): the page, the host addend, and the mmu's gen it is valid
     * in (mmu/tlb.h).  Written while the block runs. */
    uint64_t memo_page, memo_gen;
    uintptr_t memo_add;
    int64_t disp;
    uint64_t imm, imm2;
};

/* A decoded block; the instruction bytes it was decoded from follow
 * insn[n], so a VMM's writes to guest code between runs (which no TLB sees)
 * are caught by comparing them once per run (x86_run). */
struct x86_block {
    struct dcache_block h;
    uint32_t n;
    uint16_t nbytes;
    uint64_t checked_gen; /* run generation in which the bytes were last compared */
    /* The last two blocks run after this one (block chaining: a lookup
     * without the hash table; run_blocks checks pc and mode on use). */
    struct x86_block *link[2];
    unsigned link_next;
    struct x86_insn insn[];
};

#define X86_BLOCK_MAX 32

struct x86_cpu {
    /* r[16] is always 0: the "no register" of specialised address
     * computations (x86_insn.eb/ex). */
    uint64_t r[17];
    uint64_t rip, rflags;
    struct x86_segment seg[6];
    struct x86_segment gdtr, idtr, ldtr, tr;
    uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
    /* XCR0: the XSAVE state components enabled.  Only x87 (bit 0) exists
     * until the SSE work brings the SSE/AVX state, XSAVE and XSETBV;
     * until then CR4.OSXSAVE cannot be set and only the VMM sees it. */
    uint64_t xcr0;
    uint64_t msr_tsc_aux, msr_sysenter_cs, msr_sysenter_esp, msr_sysenter_eip;
    uint64_t msr_star, msr_lstar, msr_cstar, msr_fmask, msr_kernel_gs_base;
    uint64_t msr_pat, msr_misc_enable, msr_mtrr_def, mtrr_var[16], mtrr_fixed[11];
    uint64_t tsc_offset; /* guest TSC = host TSC + tsc_offset */
    uint64_t dr[8];
    /* DR7 enables a data breakpoint (R/W 01 or 11) or, with CR4.DE, an
     * I/O breakpoint (R/W 10): blocks run one instruction at a time and
     * memory goes the checked way (mem.c), which records the breakpoints an
     * access or port matched in dr_hits until the instruction completes
     * (core.c delivers the #DB trap; x86_debug_regs_changed sets it). */
    bool dr_data;
    uint8_t dr_hits;
    enum x86_mode mode;

    struct cpu_env *env;
    struct mmu *mmu;
    struct dcache dcache;
    struct squib_exit *exit; /* the record of the current run */

    /* The read exit the next run completes, and the per-instruction read
     * cache that answers the re-executed instruction. */
    enum cpu_pending pending;
    uint64_t rcache[4];
    unsigned rcache_count, rcache_pos;
    bool write_exit; /* a write exit is filled; the instruction completes */
    uint64_t next_rip;
    const struct x86_insn *stop; /* where a threaded run stopped (X86_TSTEP_BODY) */
    uint64_t block_rip;          /* rip at the start of the block run threaded */
    /* Set while a memory twin (X86_TMEM_BODY) runs its handler without rip
     * and next_rip: the slow paths set them first (x86_rip_fresh). */
    bool rip_stale;
    /* The block being run threaded, and how many more blocks the branch
     * twins may chain to before returning to the run loop (x86_chain). */
    struct x86_block *cur_blk;
    unsigned chain_budget;

    /* The last translation fault (paging.c): linear address, #PF error
     * code, and whether the walk itself ran into non-RAM. */
    uint64_t pf_addr, pf_nonram_addr;
    uint32_t pf_error;
    bool pf_nonram;
    /* An exception was delivered during the current instruction: the
     * handler returned X86_EXIT without an exit; the loop goes on at the
     * exception handler. */
    bool delivered;
    bool implicit_supervisor; /* exception.c is making a supervisor access */

    /* Interrupts from the platform (squib_vcpu_interrupt): one external
     * vector (-1: none) and the NMI line; an NMI blocks NMIs until IRET;
     * STI/MOV SS/POP SS hold interrupts off for one instruction (the shadow,
     * at shadow_rip). */
    int irq_vector;
    bool nmi_pending, nmi_blocked;
    bool shadow;
    uint64_t shadow_rip;

    struct squib_guest_debug debug;
    bool bp_skip; /* resume past the breakpoint just reported */
    bool step_pending; /* single-step stop owed after a write exit */
    bool tf_trap_pending; /* the guest's TF trap, owed after a write exit */
    uint8_t fpu_image[sizeof(struct squib_x86_fpu)];
    /* Lazy arithmetic flags (see x86_flags_sync): while lf_op is not
     * LF_NONE, the OF/SF/ZF/AF/PF/CF bits of rflags are stale and follow
     * from the last flag-setting operation: lf_a op lf_b = lf_r at lf_size
     * bytes (all three already truncated to that size). */
    uint8_t lf_op, lf_size;
    uint64_t lf_a, lf_b, lf_r;
    uint64_t run_gen; /* counts run() calls, for x86_block.checked_gen */
    /* The CPUID feature words this vCPU has (features.c): the model's,
     * less what the VMM took away. */
    uint32_t feat[5];
};

/* features.c: the CPUID feature words a VMM may lower, and the features
 * the interpreter gates on them (SDM Vol. 2, CPUID, Tables 3-10, 3-11). */
enum { X86_FW_1_ECX, X86_FW_1_EDX, X86_FW_7_EBX, X86_FW_81_ECX, X86_FW_81_EDX, X86_FW_N };
#define X86_FEAT(w, bit) ((w) << 5 | (bit))
enum x86_feature {
    XF_CX16 = X86_FEAT(X86_FW_1_ECX, 13), XF_PCID = X86_FEAT(X86_FW_1_ECX, 17),
    XF_MOVBE = X86_FEAT(X86_FW_1_ECX, 22), XF_POPCNT = X86_FEAT(X86_FW_1_ECX, 23),
    XF_BMI1 = X86_FEAT(X86_FW_7_EBX, 3), XF_ADX = X86_FEAT(X86_FW_7_EBX, 19),
    XF_ABM = X86_FEAT(X86_FW_81_ECX, 5),
    XF_DE = X86_FEAT(X86_FW_1_EDX, 2), XF_PSE = X86_FEAT(X86_FW_1_EDX, 3),
    XF_TSC = X86_FEAT(X86_FW_1_EDX, 4), XF_MSR = X86_FEAT(X86_FW_1_EDX, 5),
    XF_PAE = X86_FEAT(X86_FW_1_EDX, 6), XF_CX8 = X86_FEAT(X86_FW_1_EDX, 8),
    XF_SEP = X86_FEAT(X86_FW_1_EDX, 11), XF_MTRR = X86_FEAT(X86_FW_1_EDX, 12),
    XF_PGE = X86_FEAT(X86_FW_1_EDX, 13), XF_CMOV = X86_FEAT(X86_FW_1_EDX, 15),
    XF_PAT = X86_FEAT(X86_FW_1_EDX, 16), XF_CLFSH = X86_FEAT(X86_FW_1_EDX, 19),
    XF_SMEP = X86_FEAT(X86_FW_7_EBX, 7), XF_INVPCID = X86_FEAT(X86_FW_7_EBX, 10),
    XF_SMAP = X86_FEAT(X86_FW_7_EBX, 20), XF_LAHF_LM = X86_FEAT(X86_FW_81_ECX, 0),
    XF_SYSCALL = X86_FEAT(X86_FW_81_EDX, 11), XF_NX = X86_FEAT(X86_FW_81_EDX, 20),
    XF_PDPE1GB = X86_FEAT(X86_FW_81_EDX, 26), XF_RDTSCP = X86_FEAT(X86_FW_81_EDX, 27),
    XF_LM = X86_FEAT(X86_FW_81_EDX, 29),
};
static inline bool x86_has(const struct x86_cpu *cpu, enum x86_feature f)
{
    return (cpu->feat[f >> 5] >> (f & 31)) & 1;
}
void x86_features_init(struct x86_cpu *cpu);
/* ANDs the feature words of leaf.sub in out[] with the vCPU's. */
void x86_cpuid_mask(const struct x86_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* The SQUIB_REG_X86_CPUID one-register ids. */
int x86_cpuid_get_reg(struct x86_cpu *cpu, uint64_t id, uint64_t *value);
int x86_cpuid_set_reg(struct x86_cpu *cpu, uint64_t id, uint64_t value);
/* Makes a decoded instruction #UD if its feature is gone. */
void x86_feature_gate(const struct x86_cpu *cpu, struct x86_insn *i);

/* paging.c: the MMU's translate hook while CR0.PG is set. */
bool x86_translate(void *opaque, uint64_t va, bool write, bool fetch, uint64_t *pa,
                   bool *writable);
/* core.c: after CR0/CR3/CR4/EFER or CS/SS change: re-derives the mode, the
 * MMU's privilege and translate hook, and drops translations and decoded
 * code (MOV CR3 and INVLPG call it or mmu_flush_page). */
void x86_mode_changed(struct x86_cpu *cpu);
/* exception.c: delivers exception/interrupt `vec` (with error code `err`
 * where the vector has one; `soft` for INT n/INT3/INTO) through the IVT or
 * IDT: pushes the frame, loads CS:RIP from the gate.  cpu->rip must hold
 * the return address (the faulting instruction for faults).  False when
 * delivery ended in a triple fault (cpu->exit is then a SHUTDOWN exit). */
bool x86_raise(struct x86_cpu *cpu, unsigned vec, uint32_t err, bool soft);
/* A software interrupt (INT n, INT3, INTO) returning to next_rip; faults
 * while delivering it return to the instruction at cpu->rip. */
bool x86_raise_soft(struct x86_cpu *cpu, unsigned vec, uint64_t next_rip);
/* An external interrupt or NMI (no error code), returning to cpu->rip. */
bool x86_raise_external(struct x86_cpu *cpu, unsigned vec);
/* core.c: delivers a pending NMI or external interrupt if the CPU accepts
 * one now (NMI not blocked; IF set and no STI/MOV SS shadow); true if one
 * was delivered (or delivery ended in a triple fault: cpu->exit). */
bool x86_take_interrupt(struct x86_cpu *cpu);
/* sys_int.c: raises exception `vec` from an instruction handler (the
 * faulting instruction at cpu->rip); returns X86_EXIT, with cpu->delivered
 * set when the guest's handler runs next. */
int x86_exception(struct x86_cpu *cpu, unsigned vec, uint32_t err);
int x86_sys_int(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_iret(struct x86_cpu *cpu, const struct x86_insn *i);

/* The current privilege level: SS.DPL, which equals CS.RPL in protected
 * mode (SDM Vol. 3, 5.5); 0 in real mode, 3 in virtual-8086 mode. */
static inline unsigned x86_cpl(const struct x86_cpu *cpu)
{
    return cpu->mode == X86_MODE_REAL ? 0
           : cpu->mode == X86_MODE_VM86 ? 3
                                        : (cpu->seg[SEG_SS].attr >> 5) & 3;
}

/* Segment registers hold paragraph addresses (base = selector << 4): real
 * and virtual-8086 mode. */
static inline bool x86_real_segments(const struct x86_cpu *cpu)
{
    return cpu->mode == X86_MODE_REAL || cpu->mode == X86_MODE_VM86;
}

/* The mode from CR0.PE, EFLAGS.VM, EFER.LMA and CS.L/D. */
static inline enum x86_mode x86_derive_mode(const struct x86_cpu *cpu)
{
    if (!(cpu->cr0 & 1))
        return X86_MODE_REAL;
    if (cpu->efer & (1u << 10))
        return (cpu->seg[SEG_CS].attr & (1u << 13)) ? X86_MODE_LONG64
               : (cpu->seg[SEG_CS].attr & (1u << 14)) ? X86_MODE_PROT32
                                                      : X86_MODE_PROT16;
    if (cpu->rflags & (1u << 17))
        return X86_MODE_VM86;
    return (cpu->seg[SEG_CS].attr & (1u << 14)) ? X86_MODE_PROT32 : X86_MODE_PROT16;
}

static inline uint64_t x86_ip_mask(const struct x86_cpu *cpu)
{
    return cpu->mode == X86_MODE_LONG64 ? ~0ULL
           : cpu->mode == X86_MODE_PROT32 ? 0xffffffffULL
                                          : 0xffffULL;
}

/* sys_seg.c: segment loads with descriptor checks and far transfers. */
int x86_sys_mov_sreg(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_pop_sreg(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_lxs(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_jmp_far(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_call_far(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_retf(struct x86_cpu *cpu, const struct x86_insn *i);

/* sys_cr.c: control/debug/descriptor-table registers, MSRs, fast calls. */
int x86_sys_mov_cr(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_mov_dr(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_clts(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_wbinvd(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_grp6(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_grp7(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_msr(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_syscall(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_sysret(struct x86_cpu *cpu, const struct x86_insn *i);
int x86_sys_sysenter(struct x86_cpu *cpu, const struct x86_insn *i);
bool x86_msr_read(struct x86_cpu *cpu, uint32_t idx, uint64_t *v);
bool x86_msr_write(struct x86_cpu *cpu, uint32_t idx, uint64_t v);
/* The guest's time-stamp counter (core.c). */
uint64_t x86_tsc(const struct x86_cpu *cpu);
int x86_op_grp7(struct x86_cpu *cpu, const struct x86_insn *i);

/* exception.c: re-derives the decoding mode and the MMU's privilege from CS
 * and SS after a control transfer that changed them (no flush needed: the
 * TLBs are per privilege and blocks are keyed by mode). */
void x86_privilege_changed(struct x86_cpu *cpu);
/* sys_cr.c: after DR7 or CR4 change: re-derives cpu->dr_data. */
void x86_debug_regs_changed(struct x86_cpu *cpu);
/* exception.c: an implicit supervisor access to linear memory (descriptor
 * tables, the TSS, an exception frame), whatever the CPL; false on a fault
 * or device memory (the caller decides what that raises). */
bool x86_sys_access(struct x86_cpu *cpu, uint64_t lin, void *buf, unsigned len, bool write);
/* exception.c: the hidden part of selector `sel` from the GDT/LDT; false if
 * outside the table or unreadable. */
bool x86_read_descriptor(struct x86_cpu *cpu, uint16_t sel, struct x86_segment *out);
/* The first n (2, or 4 for a 16-byte system descriptor in IA-32e mode)
 * doublewords of the descriptor `sel` in the GDT or LDT; false if they are
 * not all within the table's limit or cannot be read. */
bool x86_descriptor_words(struct x86_cpu *cpu, uint16_t sel, uint32_t *d, unsigned n);
/* sys_seg.c: sets the accessed bit of the descriptor `sel` (and in *s). */
void x86_mark_accessed(struct x86_cpu *cpu, uint16_t sel, struct x86_segment *s);
/* sys_seg.c: nulls the data segment registers the outer level `cpl` may
 * not use, after a far RET or IRET to it. */
void x86_null_outer_segs(struct x86_cpu *cpu, unsigned cpl);
/* sys_gate.c: a far JMP or CALL whose selector names a system descriptor:
 * a call gate, or (legacy protected mode) a task gate or TSS. */
int x86_far_system(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t sel, bool call);
/* sys_task.c: a hardware task switch to the TSS `sel` (SDM Vol. 3, 8.3).
 * ret_ip is saved as the old task's EIP; has_err/err: an exception's error
 * code for the new task's stack.  0, a fault vector with *nerr its error
 * code (a fault while loading the new task is in its context). */
enum x86_task_reason { X86_TASK_JMP, X86_TASK_CALL, X86_TASK_IRET, X86_TASK_INT };
int x86_task_switch(struct x86_cpu *cpu, uint16_t sel, enum x86_task_reason why,
                    uint64_t ret_ip, bool has_err, uint32_t err, uint32_t *nerr);

/* core.c: a translation fault: CR2 and #PF delivery (cpu->delivered), a
 * triple fault (SHUTDOWN exit), or an INTERNAL_ERROR when the walk itself
 * read non-RAM.  The caller returns X86_EXIT. */
void x86_page_fault_exit(struct x86_cpu *cpu);

/* decode.c: decodes one instruction from `bytes` (at most `avail` bytes).
 * Returns the length, or 0 if it needs more bytes than available, or -1
 * with i->fn pointing at a handler that reports the problem. */
int x86_decode(const uint8_t *bytes, unsigned avail, enum x86_mode mode, struct x86_insn *i);

/* fast.c: swaps in a handler specialised for the operand form and size
 * (with lazy flags) where there is one; else puts a flag-materialising
 * trampoline in front of the generic handler unless it ignores the flags. */
void x86_specialise(struct x86_insn *i, enum x86_mode mode);
/* Threaded dispatch.  In a block run threaded, rip and next_rip are set
 * from the block's start (cpu->block_rip) and the instruction's offset in
 * it, and only for instructions that may read them (branches, RIP-relative
 * addresses, faults, exits: every handler but the "pure" ones, see fast.c):
 * X86_TSTEP_BODY runs i->fn so, then, on X86_NEXT, the next instruction's
 * tfn unless the attention word is set (another thread, or a write to a
 * code page, asks the block to stop).  It returns the first result other
 * than X86_NEXT, with cpu->stop the instruction that returned it, or
 * X86_NEXT when it stopped after a completed instruction, with cpu->stop the
 * instruction to run next (the run loop then sets rip from its offset).
 * X86_TPURE_BODY is the same for a handler that always returns X86_NEXT and
 * touches neither memory nor rip: it goes straight on.  X86_TMEM_BODY is
 * for the memory handlers of fast.c that read neither rip nor next_rip
 * themselves (no RIP-relative address, no branch): they run with
 * cpu->rip_stale set, and whatever may need rip on their slow paths (a
 * fault, an exit, a generic handler) calls x86_rip_fresh first, so rip is
 * computed only when an access leaves the TLB fast path. */
/* After the handler: on X86_NEXT the next instruction, unless the
 * attention word stops the block; else stop here. */
#define X86_TNEXT(cpu, i, R)                                                             \
    do {                                                                                 \
        if (__builtin_expect((R) == X86_NEXT, 1)) {                                      \
            if (__builtin_expect(!atomic_load_explicit(&(cpu)->env->attention,          \
                                                       memory_order_relaxed), 1))        \
                return (i)[1].tfn(cpu, (i) + 1);                                         \
            (cpu)->stop = (i) + 1;                                                       \
            return X86_NEXT;                                                             \
        }                                                                                \
        (cpu)->stop = (i);                                                               \
        return (R);                                                                      \
    } while (0)
#define X86_TSTEP_BODY(cpu, i, CALL)                                                     \
    do {                                                                                 \
        uint64_t m_ = x86_ip_mask(cpu);                                                  \
        (cpu)->rip = ((cpu)->block_rip + (i)->off) & m_;                                 \
        (cpu)->next_rip = ((cpu)->rip + (i)->len) & m_;                                  \
        int r_ = CALL;                                                                   \
        X86_TNEXT(cpu, i, r_);                                                           \
    } while (0)
#define X86_TMEM_BODY(cpu, i, CALL)                                                      \
    do {                                                                                 \
        (cpu)->rip_stale = true;                                                         \
        int r_ = CALL;                                                                   \
        (cpu)->rip_stale = false;                                                        \
        X86_TNEXT(cpu, i, r_);                                                           \
    } while (0)
#define X86_TPURE_BODY(cpu, i, CALL)                                                     \
    do {                                                                                 \
        (void)CALL;                                                                      \
        return (i)[1].tfn(cpu, (i) + 1);                                                 \
    } while (0)
int x86_op_tstep(struct x86_cpu *cpu, const struct x86_insn *i);
/* The block linked from `b` that starts at `pc` in `mode`, or NULL. */
static inline struct x86_block *x86_linked(const struct x86_block *b, uint64_t pc,
                                           enum x86_mode mode)
{
    for (unsigned k = 0; k < 2; k++) {
        struct x86_block *n = b->link[k];
        if (n && n->h.pc == pc && n->h.key2 == (uint64_t)mode)
            return n;
    }
    return NULL;
}
int x86_chain_miss(struct x86_cpu *cpu, const struct x86_insn *i, uint64_t pc);
/* Goes on to block `n`, at rip, as one more chained block. */
static inline int x86_chain_to(struct x86_cpu *cpu, struct x86_block *n)
{
    cpu->chain_budget--;
    cpu->cur_blk = n;
    cpu->block_rip = cpu->rip;
    return n->insn[0].tfn(cpu, n->insn);
}

/* For the branch twins of 64-bit mode (fast.c), once the branch set rip:
 * the run loop's in-loop chaining (core.c, after X86_BRANCH) done by the
 * twin itself, straight on to the next block from the block's links or else
 * the decode cache (an indirect jump's many targets); inline, so that each
 * kind of branch has its own indirect jump for the host to predict (forced:
 * GCC kept one out-of-line copy, one indirect jump shared by all).  The
 * loop's conditions hold by construction: the block started with the read
 * cache empty, TF and RF clear, no execution breakpoints and the cache
 * current, and only a generic handler could change that (x86_op_tstep and
 * the flag trampoline's twin zero the budget), or a write to a code page,
 * which sets the attention word.  At most chain_budget blocks in a row, so
 * that the run loop still comes round (and the stack stays small where the
 * compiler makes no tail calls).  Else back to the loop with X86_BRANCH. */
static inline __attribute__((always_inline)) int x86_chain(struct x86_cpu *cpu,
                                                        const struct x86_insn *i)
{
    struct x86_block *b = cpu->cur_blk;
    if (cpu->chain_budget && !atomic_load_explicit(&cpu->env->attention, memory_order_relaxed)) {
        uint64_t pc = cpu->seg[SEG_CS].base + cpu->rip;
        struct x86_block *n = x86_linked(b, pc, cpu->mode);
        if (__builtin_expect(!n || n->checked_gen != cpu->run_gen, 0))
            return x86_chain_miss(cpu, i, pc);
        return x86_chain_to(cpu, n);
    }
    cpu->stop = i;
    return X86_BRANCH;
}
/* rip and next_rip of instruction `i` if a memory twin left them stale. */
static inline void x86_rip_fresh(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (cpu->rip_stale) {
        uint64_t m = x86_ip_mask(cpu);
        cpu->rip = (cpu->block_rip + i->off) & m;
        cpu->next_rip = (cpu->rip + i->len) & m;
        cpu->rip_stale = false;
    }
}

/* table.c */
struct x86_op_entry {
    x86_handler fn;
    uint16_t flags;
    const char *name;
};
enum {
    OPF_MODRM = 1 << 0,
    OPF_IMM8 = 1 << 1,   /* Ib */
    OPF_IMMZ = 1 << 2,   /* Iz: 16 or 32 bits, sign-extended to 64 */
    OPF_IMMV = 1 << 3,   /* Iv: 16/32/64 (MOV r, imm) */
    OPF_IMM16 = 1 << 4,  /* Iw */
    OPF_BYTE = 1 << 5,   /* operand size 8 (b) */
    OPF_FAR = 1 << 6,    /* Ap: ptr16:16/32 */
    OPF_MOFFS = 1 << 7,  /* Ob/Ov: address-size offset */
    OPF_REL8 = 1 << 8,   /* Jb */
    OPF_RELZ = 1 << 9,   /* Jz */
    OPF_GROUP = 1 << 10, /* ModRM.reg selects: entry fn is a group dispatcher */
    OPF_D64 = 1 << 11,   /* operand size defaults to 64 in long mode */
    OPF_END = 1 << 12,   /* ends a block (control transfer, mode change) */
    OPF_IMM8_2 = 1 << 13, /* Iw, Ib (ENTER) */
};
extern const struct x86_op_entry x86_map1[256];
extern const struct x86_op_entry x86_map2[256];
/* More entry flags (the first enum is full up to bit 13). */
enum {
    OPF_MODREG = 1 << 14, /* ModRM whose mod bits are ignored: always a register
                             (MOV to/from CRn/DRn, SDM Vol. 2, MOV-Move to/from
                             Control Registers) */
    OPF_NO64 = 1 << 15,   /* invalid in 64-bit mode (#UD), SDM Vol. 2, Table A-2 "i64" */
};
/* The three-byte maps 0F 38 (x86_insn.map 2) and 0F 3A (map 3): every entry
 * has a ModRM byte, and 0F 3A entries an Ib too (SDM Vol. 2, Tables ). */
extern const struct x86_op_entry x86_map3[256];
extern const struct x86_op_entry x86_map4[256];
/* The table entry of a decoded instruction, whichever map it is from. */
const struct x86_op_entry *x86_entry(const struct x86_insn *i);

/* Handler for opcodes without semantics yet: INTERNAL_ERROR with the bytes. */
int x86_op_unimplemented(struct x86_cpu *cpu, const struct x86_insn *i);
/* Exception `vec` (0 #DE, 6 #UD, 13 #GP...) raised by an instruction handler,
 * until the handlers deliver them: INTERNAL_ERROR "<#XX> delivery lands with
 * exceptions" naming the instruction (exec_sys.c). */
int x86_fault(struct x86_cpu *cpu, const struct x86_insn *i, unsigned vec);
int x86_op_ud(struct x86_cpu *cpu, const struct x86_insn *i); /* #UD */
int x86_op_gp0(struct x86_cpu *cpu, const struct x86_insn *i); /* #GP(0) */

/* mem.c: segmented access through the MMU.  Reads return false when the
 * access became a read exit (cpu->exit filled): the handler returns X86_EXIT
 * with no side effects and is executed again when the data is there.  A
 * write to non-RAM fills a write exit and returns true: the instruction
 * completes and the handler returns x86_done(cpu).  Writes return false
 * only for a second device write in one instruction (INTERNAL_ERROR). */
bool x86_mem_read_slow(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off,
                       unsigned size, uint64_t *val);
bool x86_mem_write_slow(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off,
                        unsigned size, uint64_t val);

/* The fast path of both: 64-bit mode (no limits; only FS and GS have a
 * base, SDM Vol. 3, 3.4.4), within one page, a TLB hit on RAM.  Whatever
 * else (segment checks, a miss, a fault, device memory, a watched code page
 * for writes) takes the general path in mem.c. */
static inline void *x86_mem_fast(struct x86_cpu *cpu, int seg, uint64_t off, unsigned size,
                                 bool write)
{
    if (cpu->mode != X86_MODE_LONG64 || cpu->dr_data)
        return NULL;
    uint64_t a = seg >= SEG_FS ? cpu->seg[seg].base + off : off;
    if ((a & (MMU_PAGE_SIZE - 1)) > MMU_PAGE_SIZE - size)
        return NULL;
    return mmu_probe(cpu->mmu, a, write);
}

static inline uint64_t x86_load_host(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void x86_store_host(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); break; }
    case 4: { uint32_t w = (uint32_t)v; memcpy(p, &w, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static inline bool x86_mem_read(struct x86_cpu *cpu, const struct x86_insn *i, int seg,
                                uint64_t off, unsigned size, uint64_t *val)
{
    void *p = x86_mem_fast(cpu, seg, off, size, false);
    if (p) {
        *val = x86_load_host(p, size);
        return true;
    }
    return x86_mem_read_slow(cpu, i, seg, off, size, val);
}

static inline bool x86_mem_write(struct x86_cpu *cpu, const struct x86_insn *i, int seg,
                                 uint64_t off, unsigned size, uint64_t val)
{
    void *p = x86_mem_fast(cpu, seg, off, size, true);
    if (p) {
        x86_store_host(p, size, val);
        return true;
    }
    return x86_mem_write_slow(cpu, i, seg, off, size, val);
}
/* The checks of a one-byte read at seg:off (segment, paging) without the
 * access: CLFLUSH.  False after raising the fault (return X86_EXIT). */
bool x86_mem_check(struct x86_cpu *cpu, const struct x86_insn *i, int seg, uint64_t off);
bool x86_port_in(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t port, unsigned size,
                 uint32_t *val);
void x86_port_out(struct x86_cpu *cpu, const struct x86_insn *i, uint16_t port, unsigned size,
                  uint32_t val);
uint64_t x86_ea(const struct x86_cpu *cpu, const struct x86_insn *i);
/* The same for a 64-bit address size, without branches (fast.c sets up
 * eb, ex and ripm). */
static inline uint64_t x86_ea64(const struct x86_cpu *cpu, const struct x86_insn *i)
{
    return (uint64_t)i->disp + cpu->r[i->eb] + (cpu->r[i->ex] << i->scale) +
           (cpu->next_rip & i->ripm);
}
/* The IOPL / TSS I/O-bitmap check for IN/OUT/INS/OUTS; false after
 * raising #GP(0) (return X86_EXIT). */
bool x86_io_permitted(struct x86_cpu *cpu, uint16_t port, unsigned size);
/* Clears the read cache once an instruction (or rep iteration) committed. */
static inline void x86_commit(struct x86_cpu *cpu)
{
    cpu->rcache_count = cpu->rcache_pos = 0;
}
static inline int x86_done(struct x86_cpu *cpu)
{
    if (cpu->write_exit) {
        cpu->write_exit = false;
        return X86_EXIT_DONE;
    }
    return X86_NEXT;
}

/* Operand helpers (exec_common.c). */
uint64_t x86_get_reg(const struct x86_cpu *cpu, unsigned reg, unsigned size, bool rex);
void x86_set_reg(struct x86_cpu *cpu, unsigned reg, unsigned size, bool rex, uint64_t v);
bool x86_get_rm(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t *v);
bool x86_set_rm(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t v);
bool x86_push(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t v);
bool x86_pop(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t *v);
void x86_load_seg_real(struct x86_cpu *cpu, int seg, uint16_t sel);
/* The stack's address size: 8 in 64-bit mode, else SS.B ? 4 : 2. */
unsigned x86_stack_size(const struct x86_cpu *cpu);
/* All ones in the low `size` bytes (inline: on every operand's path). */
static inline uint64_t x86_size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Lazy flags (alu.c): the operation that last set the arithmetic flags.
 * LF_INC/LF_DEC keep the carry from before them in lf_b (INC and DEC leave
 * CF alone, SDM Vol. 2, INC).  LF_IMUL is IMUL (two- and three-operand
 * forms) after another lazy operation: CF = OF = lf_b, and SF, ZF, PF and AF
 * stay as that operation left them (as this project's hardware does, where
 * the SDM leaves them undefined): SF, ZF, PF from its result lf_r (lf_size
 * kept), AF computed when IMUL ran, in lf_a. */
enum { LF_NONE = 0, LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC, LF_SHL, LF_SHR, LF_SAR, LF_IMUL };
/* The carry out of SHL/SHR/SAR of `a` (lf_size bytes) by 1 <= c < width. */
static inline bool x86_shift_cf(unsigned op, unsigned size, uint64_t a, uint64_t c)
{
    unsigned w = 8 * size;
    if (op == LF_SHL)
        return (a >> (w - c)) & 1;
    if (op == LF_SHR)
        return (a >> (c - 1)) & 1;
    int64_t s = (int64_t)(a << (64 - w)) >> (64 - w); /* SAR: sign-extended */
    return (s >> (c - 1)) & 1;
}
/* Writes the flags the lazy state stands for into rflags; lf_op = LF_NONE. */
void x86_flags_materialize(struct x86_cpu *cpu);
/* rflags is exact after this (every reader of the arithmetic flags outside
 * fast.c runs after it: the trampoline in front of generic handlers,
 * exception delivery and the end of a run call it). */
static inline void x86_flags_sync(struct x86_cpu *cpu)
{
    if (cpu->lf_op != LF_NONE)
        x86_flags_materialize(cpu);
}
/* CF alone, without materialising the rest: the common operations inline,
 * the rest out of line (alu.c). */
bool x86_flags_cf_other(const struct x86_cpu *cpu);
static inline bool x86_flags_cf(const struct x86_cpu *cpu)
{
    if (cpu->lf_op == LF_ADD)
        return cpu->lf_r < cpu->lf_a;
    if (cpu->lf_op == LF_SUB)
        return cpu->lf_a < cpu->lf_b;
    if (cpu->lf_op == LF_LOGIC)
        return false;
    return x86_flags_cf_other(cpu);
}

/* AF alone (F_AF or 0), by x86_flags_materialize's rules. */
static inline uint64_t x86_flags_af(const struct x86_cpu *cpu)
{
    switch (cpu->lf_op) {
    case LF_NONE: return cpu->rflags & F_AF;
    case LF_ADD:
    case LF_SUB: return (cpu->lf_a ^ cpu->lf_b ^ cpu->lf_r) & F_AF;
    case LF_INC:
    case LF_DEC: return (cpu->lf_a ^ 1 ^ cpu->lf_r) & F_AF;
    case LF_LOGIC: return 0;
    case LF_IMUL: return cpu->lf_a & F_AF;
    default: return F_AF; /* the shifts set it */
    }
}

/* alu.c: the eight classic ALU operations (ADD OR ADC SBB AND SUB XOR CMP)
 * with exact flags (SDM Vol. 1, 3.4.3.1 and Appendix A). */
uint64_t x86_alu(struct x86_cpu *cpu, unsigned op, unsigned size, uint64_t a, uint64_t b);
void x86_flags_logic(struct x86_cpu *cpu, unsigned size, uint64_t r);
uint64_t x86_incdec(struct x86_cpu *cpu, unsigned size, uint64_t a, bool dec);
bool x86_cond(const struct x86_cpu *cpu, unsigned cc);
/* alu.c: the SZP flags of a result, for instructions that set them alone. */
uint64_t x86_flags_szp(unsigned size, uint64_t r);
/* exec_shift.c: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR) by op 0-7 and a
 * count already masked as the SDM says; exact flags. */
uint64_t x86_shift(struct x86_cpu *cpu, unsigned op, unsigned size, uint64_t a, unsigned count);
/* exec_cpuid.c: the CPUID model (leaf EAX, subleaf ECX) into out[4] = EAX EBX ECX EDX. */
void x86_cpuid(const struct x86_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);

#endif
