/* cpu/arm64/a64_cpu.h: the AArch64 interpreter core's state and threaded code.
 *
 * Guest code runs as blocks of predecoded instructions (struct a64_insn): a
 * handler pointer plus operands extracted once at decode time.  A block is run
 * by calling the handlers in sequence; each returns A64_NEXT (fall through to
 * the next entry), A64_JUMP (c->pc holds the next guest pc: leave the block) or
 * A64_EXIT (*c->exit is filled: leave the run).  Nothing decodes a guest word
 * while a block runs.
 *
 * Register file: x[0..30] are X0-X30; the register number 31 means XZR or SP
 * depending on the operand (Arm ARM C1.2.5 "Register names"), so the decoder
 * maps it to one of three extra slots and handlers never test for 31:
 *   A64_XZR  (31) reads as zero and is never written,
 *   A64_SP   (32) the stack pointer selected by PSTATE.EL/PSTATE.SP,
 *   A64_SINK (33) where writes to XZR go (never read back as a source).
 * The inactive stack pointers live in sp_el0/sp_el1 (a64_sp_save/load).
 */
#ifndef CPU_ARM64_A64_CPU_H
#define CPU_ARM64_A64_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/dcache.h"
#include "squib/regs.h"

/* Guest memory is little-endian and copied with memcpy. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the A64 interpreter assumes a little-endian host");

enum { A64_XZR = 31, A64_SP = 32, A64_SINK = 33, A64_NREGS = 34 };

/* Handler results. */
enum { A64_NEXT = 0, A64_JUMP = 1, A64_EXIT = 2 };

struct a64_cpu;
struct a64_insn;

/* Hardware breakpoints and watchpoints advertised in ID_AA64DFR0_EL1. */
#define A64_NBRP 6
#define A64_NWRP 4
typedef int (*a64_handler)(struct a64_cpu *c, const struct a64_insn *i);

/* One predecoded instruction.  Field use is per handler family; the decoders
 * next to each family's handlers say what goes where.  Register fields hold
 * register-file indices (0..33), already resolved for XZR/SP. */
struct a64_insn {
    a64_handler fn;
    uint8_t d, n, m, a; /* destination/transfer, base/first source, second source, extra */
    uint8_t p0, p1, p2, p3; /* small operands: shift amounts, condition, bit number... */
    uint64_t imm;  /* immediate, absolute target address, or address offset */
    uint64_t imm2; /* second immediate: fall-through pc, writeback offset, mask */
    a64_handler gfn; /* in a block: the decoder's handler when fn is a64_op_step */
};

/* Threaded dispatch.  Handlers follow the protocol above, and the decoders
 * and the handlers that call each other use them so.  In a block, though,
 * each instruction's fn goes on to the next instruction itself, with a tail
 * call, instead of returning A64_NEXT to a loop: a block runs with one call
 * from the run loop, which gets back A64_JUMP or A64_EXIT only (a64_core.c,
 * translate()).  For that, a hot handler `h` gets a threaded twin `h_t`
 * (A64_THREAD, h inlined into it) registered with A64_THREADED(h) in its
 * file's a64_threaded list; a handler that never returns A64_NEXT (a branch)
 * is registered as its own twin (A64_TERMINAL); any other handler runs
 * through the generic a64_op_step, which calls it (as gfn) and goes on. */
#define A64_THREAD(h)                                                                    \
    static int h##_t(struct a64_cpu *c, const struct a64_insn *i)                        \
    {                                                                                    \
        int r_ = h(c, i);                                                                \
        if (__builtin_expect(r_ == A64_NEXT, 1))                                         \
            return i[1].fn(c, i + 1);                                                    \
        return r_;                                                                       \
    }
struct a64_threaded {
    a64_handler fn, threaded;
};
#define A64_THREADED(h) {h, h##_t}
#define A64_TERMINAL(h) {h, h}
int a64_op_step(struct a64_cpu *c, const struct a64_insn *i);
/* Each file's list, ended by a {NULL, NULL} entry. */
extern const struct a64_threaded a64_dp_threaded[], a64_dp_reg_threaded[],
    a64_bitfield_threaded[], a64_ldst_threaded[], a64_branch_threaded[], a64_core_threaded[];

#define A64_BLOCK_MAX 32 /* guest instructions per block */

/* A block: the decoded instructions, then a copy of the guest words they were
 * decoded from.  Writes through the soft TLB to a page holding code drop the
 * whole decode cache; writes the VMM makes through host pointers are caught
 * by comparing the words with guest memory the first time a block runs in a
 * run() call (the `gen` stamp), as blink's decode cache does. */
struct a64_block {
    struct dcache_block hdr;
    /* The blocks last run after this one (most recent first), so that the
     * next block is found without a dcache lookup (a64_core.c, chained()).
     * A link is followed only when its target is still current: same pc,
     * same key2 (a stale block's key2 is ~0), checked in this generation,
     * and no flush since (a flush frees every block, links included). */
    struct a64_block *link[2];
    uint32_t gen;           /* the run generation it was last checked in */
    uint16_t count;         /* guest instructions */
    uint16_t total;         /* entries in insn[]: count, plus a terminator if needed */
    struct a64_insn insn[]; /* then `count` guest words */
};

static inline const uint32_t *a64_block_words(const struct a64_block *b)
{
    return (const uint32_t *)(const void *)&b->insn[b->total];
}

/* dcache key2 bits: what the decoding depends on. */
#define A64_KEY_STEP 1u /* one instruction per block (guest debug) */
#define A64_KEY_EL0 2u  /* decoded for EL0 (execute permission differs by EL) */

/* What an exit left for the next run to complete (cpu.h's cpu_pending, with
 * the arm64 details).  Completion writes the destination register, performs
 * the base writeback, and advances the pc by 4, exactly once. */
enum a64_pending_kind {
    A64_PEND_NONE,
    A64_PEND_LOAD,  /* MMIO read: data -> rt, then writeback */
    A64_PEND_STORE, /* MMIO write: writeback only */
    A64_PEND_HVC,   /* hypercall: ret[0..3] -> x0..x3 */
    A64_PEND_SKIP,  /* WFI/WFE: continue after the instruction */
};

/* How a loaded value of `size` bytes becomes a register value. */
enum a64_ext {
    A64_EXT_ZERO, /* zero-extend (LDRB/LDRH/LDR) */
    A64_EXT_S32,  /* sign-extend to 32 bits, zero the upper half (LDRSB/LDRSH Wt) */
    A64_EXT_S64,  /* sign-extend to 64 bits (LDRSB/LDRSH Xt, LDRSW) */
};

struct a64_pending {
    enum a64_pending_kind kind;
    uint64_t pc; /* of the instruction that exited */
    uint8_t rt, size, ext, wb;
    uint64_t wbval;
};

/* System registers the core stores (a64_regs.c keeps the table).  The
 * first rows have fixed indices into c->sys[] for the core's own use. */
#define A64_SYS_MAX 112
enum {
    A64_SYS_SCTLR, A64_SYS_TTBR0, A64_SYS_TTBR1, A64_SYS_TCR, A64_SYS_MAIR,
    A64_SYS_ESR, A64_SYS_FAR, A64_SYS_PAR, A64_SYS_VBAR, A64_SYS_CPACR, A64_SYS_CONTEXTIDR,
};

struct a64_cpu {
    uint64_t x[A64_NREGS];
    uint64_t pc;
    /* PSTATE.NZCV in bits 31:28, as the NZCV register, when lf_op is
     * A64_LF_NONE; otherwise stale, and the flags are those of the lazy
     * operation (a64_nzcv() computes them).  Read it through a64_nzcv() or
     * a64_cond() and write it through a64_set_nzcv(), never directly. */
    uint32_t nzcv;
    uint32_t lf_op;        /* enum a64_lazy_flags */
    uint64_t lf_a, lf_b;   /* its operands (LOGIC: lf_a is the result) */
    uint32_t daif;   /* PSTATE.DAIF in bits 9:6, as the DAIF register */
    unsigned el;     /* PSTATE.EL: 0 or 1 (no EL2/EL3 in a guest) */
    unsigned spsel;  /* PSTATE.SP */
    bool event;      /* the event register (WFE, SEV, SEVL) */
    uint64_t exc_entries; /* exceptions and interrupts taken (a64_except.c) */
    /* The local exclusive monitor (single vCPU: no global monitor needed):
     * armed by LDXR/LDXP for excl_size bytes at excl_addr, cleared by
     * STXR/STXP (pass or fail) and CLREX (Arm ARM B2, "Exclusive access
     * instructions and Non-shareable memory locations"). */
    bool excl_armed;
    uint8_t excl_size;
    uint64_t excl_addr;
    uint64_t sp_el0, sp_el1; /* banked stack pointers; the live one is x[A64_SP] */
    uint64_t elr_el1, spsr_el1;
    uint64_t sys[A64_SYS_MAX]; /* stored system registers, see a64_regs.c */
    /* Translation state (a64_mmu.c): the privilege the walker checks
     * (EL0 at EL0, and for LDTR/STTR), what the last walk found, and the
     * decode-cache key bits of the current mode. */
    bool acc_el0;
    bool walk_device; /* the last successful walk ended in Device memory */
    uint8_t fault_fsc; /* DFSC/IFSC of the last failed walk (A64_FSC_*) */
    uint32_t key_mode; /* A64_KEY_EL0 at EL0 */
    bool fetch_exc;    /* translate() took an exception instead of a block */
    struct squib_arm64_fp fp;  /* V0-V31, FPSR, FPCR (a64_fp_ldst.c, a64_fp_move.c) */
    /* The generic timers and the IRQ/FIQ inputs (a64_timer.c). */
    struct a64_timers {
        uint64_t ctl[2];  /* [A64_TIMER_P], [A64_TIMER_V]: ENABLE, IMASK */
        uint64_t cval[2];
        uint64_t kctl;      /* CNTKCTL_EL1 */
        uint64_t epoch_ns;  /* host CLOCK_MONOTONIC at reset */
        uint64_t offset;    /* count = (now - epoch_ns) / 16 + offset */
        uint32_t reported;  /* output lines as the last exit left them (SQUIB_DEV_IRQ_*) */
        bool armed;         /* a line may change: poll the clock between blocks */
        unsigned poll_left; /* blocks until the next poll */
    } tm;
    atomic_uint lines;  /* input lines: bit SQUIB_LINE_IRQ, bit SQUIB_LINE_FIQ */
    bool smc_hypercall; /* SMC #0 is a hypercall (PSCI conduit "smc") */

    struct cpu_env *env;
    struct mmu *mmu;
    struct squib_exit *exit;     /* the record of the current run */
    const struct a64_block *blk; /* the block being executed */
    struct a64_pending pend;

    struct squib_guest_debug dbg;
    bool dbg_active;   /* single-step or breakpoints: run one instruction per block */
    bool bp_skip;      /* the last exit was a breakpoint at bp_skip_pc: do not */
    uint64_t bp_skip_pc; /* report it again before executing that instruction */

    /* Self-hosted debug as the guest sees it (a64_debug.c, Arm ARM D2):
     * the debug registers, PSTATE.SS and the software-step bookkeeping. */
    struct a64_hwdbg {
        uint64_t bvr[A64_NBRP], bcr[A64_NBRP]; /* DBGBVR<n>_EL1, DBGBCR<n>_EL1 */
        uint64_t wvr[A64_NWRP], wcr[A64_NWRP]; /* DBGWVR<n>_EL1, DBGWCR<n>_EL1 */
        uint64_t mdscr, mdccint, osdlr, dbgprcr, oseccr;
        uint8_t claim;   /* DBGCLAIMSET/CLR_EL1: the claim tags */
        bool oslk;       /* OSLSR_EL1.OSLK, set through OSLAR_EL1 */
        uint8_t bp_on, wp_on; /* bit n: DBGBCR<n>/DBGWCR<n>.E */
        bool ss;         /* PSTATE.SS */
        bool stepped;    /* an instruction completed since the step began (ISS.ISV) */
        bool stepped_ex; /* ... and it was a load-exclusive (ISS.EX) */
        bool armed;      /* anything above may raise an exception: run_debug */
    } hd;

    struct dcache dc;
    uint32_t gen; /* run() calls so far, for the block checks */
};

/* ---- small helpers shared by the handler files ------------------------ */

static inline uint64_t a64_sext(uint64_t v, unsigned bits)
{
    unsigned s = 64 - bits;
    return (uint64_t)((int64_t)(v << s) >> s);
}

static inline uint32_t a64_bits(uint32_t w, unsigned hi, unsigned lo)
{
    return (w >> lo) & ((2u << (hi - lo)) - 1);
}

/* Register-file index of a register field: r31 as XZR for reads, as the
 * write sink for destinations, or as SP. */
static inline uint8_t a64_rz(uint32_t r)
{
    return (uint8_t)r;
}
static inline uint8_t a64_rzd(uint32_t r)
{
    return (uint8_t)(r == 31 ? A64_SINK : r);
}
static inline uint8_t a64_rsp(uint32_t r)
{
    return (uint8_t)(r == 31 ? A64_SP : r);
}

/* Guest address of the instruction `i` of the running block. */
static inline uint64_t a64_insn_pc(const struct a64_cpu *c, const struct a64_insn *i)
{
    return c->blk->hdr.pc + 4 * (uint64_t)(i - c->blk->insn);
}

/* The banked stack pointer PSTATE selects (Arm ARM D1, "The stack pointer
 * registers": EL0 always uses SP_EL0; EL1 uses SP_EL1 when PSTATE.SP is 1). */
static inline uint64_t *a64_sp_bank(struct a64_cpu *c)
{
    return (c->el && c->spsel) ? &c->sp_el1 : &c->sp_el0;
}
static inline void a64_sp_save(struct a64_cpu *c)
{
    *a64_sp_bank(c) = c->x[A64_SP];
}
static inline void a64_sp_load(struct a64_cpu *c)
{
    c->x[A64_SP] = *a64_sp_bank(c);
}

/* Lazy NZCV.  The common flag setters (ADDS/SUBS/CMP/CMN immediate and
 * shifted register, ANDS/TST/BICS) record an operation and its operands
 * instead of computing the four flags, since the next instruction usually
 * reads one condition of them (B.cond, CSEL) or overwrites them: a64_cond()
 * evaluates a condition straight from the operands of a subtraction
 * (CMP a, b: EQ is a == b, HS is a >= b unsigned, GE is a >= b signed...),
 * anything else computes NZCV first (a64_flags_materialize, a64_dp.c). */
enum a64_lazy_flags {
    A64_LF_NONE,    /* nzcv holds the flags */
    A64_LF_SUB64,   /* lf_a - lf_b: SUBS, CMP */
    A64_LF_SUB32,
    A64_LF_ADD64,   /* lf_a + lf_b: ADDS, CMN */
    A64_LF_ADD32,
    A64_LF_LOGIC64, /* N, Z of the result lf_a; C = V = 0: ANDS, BICS, TST */
    A64_LF_LOGIC32,
};
void a64_flags_materialize(struct a64_cpu *c);
/* NZCV computed from the lazy state, without recording it. */
uint32_t a64_nzcv_of(const struct a64_cpu *c);
static inline uint32_t a64_nzcv(struct a64_cpu *c)
{
    if (c->lf_op != A64_LF_NONE)
        a64_flags_materialize(c);
    return c->nzcv;
}
static inline void a64_set_nzcv(struct a64_cpu *c, uint32_t nzcv)
{
    c->nzcv = nzcv;
    c->lf_op = A64_LF_NONE;
}
static inline unsigned a64_carry(struct a64_cpu *c)
{
    return (a64_nzcv(c) >> 29) & 1;
}

/* AddWithCarry() (Arm ARM J1 shared pseudocode), setting PSTATE.NZCV at once
 * (ADCS, CCMP, the extended-register forms). */
static inline uint64_t a64_adds64(struct a64_cpu *c, uint64_t x, uint64_t y, unsigned cin)
{
    uint64_t r = x + y + cin;
    uint64_t carry = ((x & y) | ((x | y) & ~r)) >> 63;
    uint64_t ovf = ((x ^ r) & (y ^ r)) >> 63;
    a64_set_nzcv(c, (uint32_t)((r >> 63) << 31 | (uint64_t)(r == 0) << 30 | carry << 29 |
                               ovf << 28));
    return r;
}
static inline uint32_t a64_adds32(struct a64_cpu *c, uint32_t x, uint32_t y, unsigned cin)
{
    uint32_t r = x + y + cin;
    uint32_t carry = ((x & y) | ((x | y) & ~r)) >> 31;
    uint32_t ovf = ((x ^ r) & (y ^ r)) >> 31;
    a64_set_nzcv(c, (r >> 31) << 31 | (uint32_t)(r == 0) << 30 | carry << 29 | ovf << 28);
    return r;
}
/* The lazy setters: x + y and x - y with their flags recorded. */
static inline uint64_t a64_add_lazy64(struct a64_cpu *c, uint64_t x, uint64_t y)
{
    c->lf_op = A64_LF_ADD64, c->lf_a = x, c->lf_b = y;
    return x + y;
}
static inline uint32_t a64_add_lazy32(struct a64_cpu *c, uint32_t x, uint32_t y)
{
    c->lf_op = A64_LF_ADD32, c->lf_a = x, c->lf_b = y;
    return x + y;
}
static inline uint64_t a64_sub_lazy64(struct a64_cpu *c, uint64_t x, uint64_t y)
{
    c->lf_op = A64_LF_SUB64, c->lf_a = x, c->lf_b = y;
    return x - y;
}
static inline uint32_t a64_sub_lazy32(struct a64_cpu *c, uint32_t x, uint32_t y)
{
    c->lf_op = A64_LF_SUB32, c->lf_a = x, c->lf_b = y;
    return x - y;
}
/* Flags of a logical operation (ANDS, BICS): N and Z from the result, C=V=0. */
static inline void a64_nz64(struct a64_cpu *c, uint64_t r)
{
    c->lf_op = A64_LF_LOGIC64, c->lf_a = r;
}
static inline void a64_nz32(struct a64_cpu *c, uint32_t r)
{
    c->lf_op = A64_LF_LOGIC32, c->lf_a = r;
}

/* ExtendReg() (Arm ARM J1) of register m: p0 = 64 - the extended width,
 * p1 = signed, p2 = left shift.  Used by the extended-register add/subtract
 * and the register-offset loads and stores. */
static inline uint64_t a64_extend_reg(const struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t v = c->x[i->m] << i->p0;
    v = i->p1 ? (uint64_t)((int64_t)v >> i->p0) : v >> i->p0;
    return v << i->p2;
}

/* ConditionHolds() (Arm ARM C1.2.4 "Condition code"): bit NZCV of entry
 * `cond` says whether the condition holds for those flags. */
extern const uint16_t a64_cond_table[16];

/* ConditionHolds() for the flags of a - b, straight from the operands: C is
 * "no borrow" (a >= b unsigned), N == V is a >= b signed (Arm ARM C1.2.4,
 * Table C1-1; the usual reading of CMP).  T and ST are the operation's
 * unsigned and signed types.  With a constant cond it folds to one compare. */
#define A64_COND_SUB(T, ST, a, b, cond)                                                   \
    __extension__({                                                                      \
        T a_ = (T)(a), b_ = (T)(b);                                                       \
        ST r_;                                                                            \
        bool h_;                                                                          \
        switch ((cond) >> 1) {                                                            \
        case 0: h_ = a_ == b_; break;                                   /* EQ */           \
        case 1: h_ = a_ >= b_; break;                                   /* CS */           \
        case 2: h_ = (ST)(T)(a_ - b_) < 0; break;                       /* MI */           \
        case 3: h_ = __builtin_sub_overflow((ST)a_, (ST)b_, &r_); break; /* VS */          \
        case 4: h_ = a_ > b_; break;                                    /* HI */           \
        case 5: h_ = (ST)a_ >= (ST)b_; break;                           /* GE */           \
        case 6: h_ = (ST)a_ > (ST)b_; break;                            /* GT */           \
        default: h_ = true; break;                                      /* AL */           \
        }                                                                                 \
        ((cond) & 1) && (cond) != 15 ? !h_ : h_;                                          \
    })

static inline bool a64_cond(struct a64_cpu *c, unsigned cond)
{
    if (__builtin_expect(c->lf_op == A64_LF_SUB64, 1))
        return A64_COND_SUB(uint64_t, int64_t, c->lf_a, c->lf_b, cond);
    if (c->lf_op == A64_LF_SUB32)
        return A64_COND_SUB(uint32_t, int32_t, c->lf_a, c->lf_b, cond);
    return (a64_cond_table[cond] >> (a64_nzcv(c) >> 28)) & 1;
}

/* ---- exceptions (a64_except.c) ------------------------------------------ */

/* Exception classes (Arm ARM D17.2.37, "ESR_EL1"). */
enum {
    A64_EC_UNKNOWN = 0x00, A64_EC_WFX = 0x01, A64_EC_FP = 0x07, A64_EC_ILLEGAL = 0x0e,
    A64_EC_SVC = 0x15,
    A64_EC_SYSREG = 0x18, A64_EC_IABT_LOW = 0x20, A64_EC_IABT_CUR = 0x21,
    A64_EC_PC_ALIGN = 0x22, A64_EC_DABT_LOW = 0x24, A64_EC_DABT_CUR = 0x25,
    A64_EC_SP_ALIGN = 0x26, A64_EC_BRK = 0x3c,
    A64_EC_BKPT_LOW = 0x30, A64_EC_BKPT_CUR = 0x31, A64_EC_STEP_LOW = 0x32,
    A64_EC_STEP_CUR = 0x33, A64_EC_WATCH_LOW = 0x34, A64_EC_WATCH_CUR = 0x35,
};
/* Fault status codes (DFSC/IFSC), the level added where there is one. */
enum {
    A64_FSC_ADDR_SIZE = 0x00, A64_FSC_TRANS = 0x04, A64_FSC_ACCESS = 0x08,
    A64_FSC_PERM = 0x0c, A64_FSC_EXT = 0x10, A64_FSC_EXT_WALK = 0x14, A64_FSC_ALIGN = 0x21,
    A64_FSC_DEBUG = 0x22, /* IFSC/DFSC of the debug exceptions (D2) */
};

/* Takes a synchronous exception to EL1 (D1.10): ELR_EL1 = elr, SPSR_EL1 =
 * PSTATE, ESR_EL1 = ec:IL:iss, FAR_EL1 = far if far_valid, EL1h with DAIF
 * masked, pc = VBAR_EL1 + the vector offset.  Returns A64_JUMP. */
int a64_exception(struct a64_cpu *c, uint64_t elr, unsigned ec, uint32_t iss, bool far_valid,
                  uint64_t far);
/* Interrupt entry between blocks (the hook for a later GIC): kind is
 * A64_VEC_IRQ, A64_VEC_FIQ or A64_VEC_SERROR; ELR_EL1 = c->pc. */
enum { A64_VEC_IRQ = 0x080, A64_VEC_FIQ = 0x100, A64_VEC_SERROR = 0x180 };
void a64_interrupt(struct a64_cpu *c, unsigned kind);
/* The same for the instruction `i` (ELR = its address). */
int a64_exception_at(struct a64_cpu *c, const struct a64_insn *i, unsigned ec, uint32_t iss);
/* A data abort at `va` for instruction `i`: the fault status code is
 * c->fault_fsc (from the walker) unless `fsc` >= 0. */
int a64_data_abort(struct a64_cpu *c, const struct a64_insn *i, uint64_t va, bool write,
                   int fsc);
/* SP alignment checking (D1.8.2): SP as the base of a load or store must be
 * 16-byte aligned when SCTLR_EL1.SA (EL1) or SA0 (EL0) is set. */
static inline bool a64_sp_misaligned(const struct a64_cpu *c)
{
    return (c->x[A64_SP] & 15) && (c->sys[A64_SYS_SCTLR] & (c->el ? 1u << 3 : 1u << 4));
}
/* The SP alignment fault (EC 0x26) for instruction `i`. */
int a64_sp_fault(struct a64_cpu *c, const struct a64_insn *i);
/* CPACR_EL1.FPEN (Arm ARM D17.2.30, "CPACR_EL1"): 0b01 traps EL0 only,
 * 0b11 traps nothing, 0b00 and 0b10 trap EL0 and EL1.  Checked when an
 * FP/SIMD instruction (or MRS/MSR of FPCR/FPSR) executes, never at decode
 * time, so decoded blocks stay valid across CPACR_EL1 writes. */
static inline bool a64_fp_enabled(const struct a64_cpu *c)
{
    unsigned fpen = (unsigned)(c->sys[A64_SYS_CPACR] >> 20) & 3;
    return fpen == 3 || (fpen == 1 && c->el == 1);
}
/* The trap (EC 0x07) for instruction `i`: ISS CV = 1, COND = 0b1110, the
 * values the Arm ARM requires for a trapped AArch64 instruction (D17.2.37,
 * "ISS encoding for an exception from an access to SIMD or floating-point
 * functionality"). */
static inline int a64_fp_trap(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_exception_at(c, i, A64_EC_FP, 1u << 24 | 0xeu << 20);
}
/* After PSTATE.EL changed: the TLB, walker privilege and decode key. */
void a64_mode_changed(struct a64_cpu *c);

/* ---- generic timers and interrupt inputs (a64_timer.c) ----------------- */

enum { A64_TIMER_P = 0, A64_TIMER_V = 1 };
/* Blocks between two reads of the host clock while a timer is armed: a
 * timer line changes at most this many blocks (each <= A64_BLOCK_MAX
 * instructions) after its deadline, or at the next run. */
#define A64_TIMER_POLL_BLOCKS 64

void a64_timer_reset(struct a64_cpu *c);
/* The timer system registers, by encoding op0:op1:CRn:CRm:op2 (a64_regs.c
 * rows of kind SR_TIMER).  Writes re-arm the between-blocks check. */
uint64_t a64_timer_read(struct a64_cpu *c, uint32_t enc);
void a64_timer_write(struct a64_cpu *c, uint32_t enc, uint64_t v);
/* ONE_REG writes: CNTVCT/CNTPCT set the count, CNTFRQ is fixed. */
int a64_timer_set_one(struct a64_cpu *c, uint32_t enc, uint64_t v);
/* KVM's ONE_REG ids swap the CNTV_CVAL and CNTVCT encodings (its uapi
 * KVM_REG_ARM_TIMER_CNT/CVAL): the register encoding for a ONE_REG id's. */
uint32_t a64_timer_one_reg_enc(uint32_t enc);
/* EL0 access to a timer register under CNTKCTL_EL1 (D17, "CNTKCTL_EL1"):
 * true = allowed, false = trapped to EL1 (EC 0x18). */
bool a64_timer_el0_ok(const struct a64_cpu *c, uint32_t enc);

/* Interrupt input lines that PSTATE.I/F lets in. */
static inline unsigned a64_lines_unmasked(struct a64_cpu *c)
{
    unsigned lines = atomic_load_explicit(&c->lines, memory_order_relaxed);
    if (__builtin_expect(lines == 0, 1)) /* the common case, checked first */
        return 0;
    unsigned masked = ((c->daif >> 7) & 1) | ((c->daif >> 5) & 2); /* I -> IRQ, F -> FIQ */
    return lines & ~masked;
}
/* Between blocks: takes an unmasked IRQ/FIQ, or polls the timers when due.
 * Returns A64_EXIT with an INTERRUPTED exit when a timer line changed. */
int a64_async(struct a64_cpu *c);
static inline bool a64_async_due(struct a64_cpu *c)
{
    return a64_lines_unmasked(c) || (c->tm.armed && --c->tm.poll_left == 0);
}
/* At the start of a run: poll at the first block boundary. */
static inline void a64_async_run_start(struct a64_cpu *c)
{
    if (c->tm.armed)
        c->tm.poll_left = 1;
}

/* ---- stage 1 translation (a64_mmu.c) ---------------------------------- */

/* After SCTLR_EL1, TTBRn_EL1 or TCR_EL1 changed (or a TLBI): installs or
 * removes the walker and drops translations and decoded blocks. */
void a64_mmu_changed(struct a64_cpu *c);
/* Would an access at `va` translate (MMU off: always)?  No TLB fill, no
 * exception (the watchpoint check leaves faults to the access). */
bool a64_mmu_probe(struct a64_cpu *c, uint64_t va, bool el0, bool write);
/* Whether an unaligned data access to RAM at `va` takes an Alignment fault
 * (Arm ARM B2.5.2, "Alignment of data accesses"): always with SCTLR_EL1.A
 * set, and in a Device mapping (the stage 1 walk is redone: only asked for
 * unaligned accesses).  A translation fault is left to the access. */
bool a64_align_fault(struct a64_cpu *c, uint64_t va);
/* Whether `va` is mapped as Device memory (MMU on, a translation). */
bool a64_mmu_device(struct a64_cpu *c, uint64_t va);
/* false for an instruction of an optional feature the ID registers hide
 * (a64_regs.c): it is UNDEFINED then. */
bool a64_feature_present(const struct a64_cpu *c, uint32_t w);
/* AT S1E1R/W, S1E0R/W: writes PAR_EL1. */
void a64_mmu_at(struct a64_cpu *c, uint64_t va, bool el0, bool write);
static inline bool a64_mmu_on(const struct a64_cpu *c)
{
    return c->sys[A64_SYS_SCTLR] & 1;
}

/* ---- exits (a64_core.c) ------------------------------------------------ */

/* Fills an INTERNAL_ERROR exit for instruction `i` (its bytes are read back
 * from guest memory) and returns A64_EXIT. */
int a64_fail(struct a64_cpu *c, const struct a64_insn *i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the instruction word known. */
int a64_fail_insn(struct a64_cpu *c, const struct a64_insn *i, uint32_t word, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
/* The instruction is UNDEFINED (or an unallocated encoding): takes the
 * exception (EC 0x00) and returns A64_JUMP. */
int a64_undefined(struct a64_cpu *c, const struct a64_insn *i);
/* Starts an exit of `kind` at instruction `i`: zeroes the record, sets kind
 * and pc, and returns it for the caller to fill. */
struct squib_exit *a64_exit_begin(struct a64_cpu *c, const struct a64_insn *i,
                                  enum squib_exit_kind kind);

/* ---- shared handlers ---------------------------------------------------- */

int a64_op_nop(struct a64_cpu *c, const struct a64_insn *i);
int a64_op_goto(struct a64_cpu *c, const struct a64_insn *i); /* pc = imm; leave block */
int a64_op_next(struct a64_cpu *c, const struct a64_insn *i); /* pc = this + 4; leave */
int a64_op_movi(struct a64_cpu *c, const struct a64_insn *i); /* x[d] = imm */

/* The variable shifts LSLV, LSRV, ASRV, RORV by [sf][op2] (a64_bitfield.c),
 * picked by the 2-source decoder (a64_dp_reg.c). */
extern const a64_handler a64_shiftv_fns[2][4];

/* ---- self-hosted debug (a64_debug.c) ------------------------------------ */

void a64_dbg_reset(struct a64_cpu *c);
/* The debug system registers by encoding op0:op1:CRn:CRm:op2 (a64_regs.c
 * rows of kind SR_DEBUG): ONE_REG access, and the MRS/MSR handlers (which
 * also advance the pc or take an exception). */
uint64_t a64_dbg_read(const struct a64_cpu *c, uint32_t enc);
void a64_dbg_write(struct a64_cpu *c, uint32_t enc, uint64_t v);
int a64_dbg_mrs(struct a64_cpu *c, const struct a64_insn *i, uint32_t enc);
int a64_dbg_msr(struct a64_cpu *c, const struct a64_insn *i, uint32_t enc, uint64_t v);
/* Recomputes c->hd.armed after a change (and raises CPU_ATTN_DEBUG so the
 * run loop is chosen again). */
void a64_dbg_update(struct a64_cpu *c);

/* The per-instruction debug checks of run_debug (a64_core.c), in the
 * Arm ARM's priority order (D1.13 "Synchronous exception prioritization"):
 * a pending Software Step exception before the fetch, a Breakpoint after
 * it, a Watchpoint before the access.  Each returns true when it took the
 * exception. */
struct a64_dbg_snap {
    uint64_t pc, elr, spsr, esr;
    uint64_t exc_entries;
    unsigned el;
    bool ss, mdscr_ss, enabled;
};
bool a64_dbg_step_due(struct a64_cpu *c);
/* Whether the next block must be one instruction long (step or
 * watchpoints live here), and whether breakpoints may fire here. */
bool a64_dbg_single(const struct a64_cpu *c);
bool a64_dbg_bp_live(const struct a64_cpu *c);
/* Is there an enabled breakpoint in [pc + 4, pc + 4 * n)? */
bool a64_dbg_bp_within(const struct a64_cpu *c, uint64_t pc, unsigned n);
bool a64_dbg_breakpoint(struct a64_cpu *c);
bool a64_dbg_watchpoint(struct a64_cpu *c, uint32_t word, uint64_t pc);
void a64_dbg_snap(const struct a64_cpu *c, struct a64_dbg_snap *s);
/* After a block whose last executed instruction was `word` (0 for none):
 * an exception entry (c->exc_entries moved), an ERET, or a completed
 * instruction (SSAdvance). */
void a64_dbg_after(struct a64_cpu *c, const struct a64_dbg_snap *s, uint32_t word);
/* An exception was taken outside an instruction (fetch abort, interrupt). */
void a64_dbg_entered(struct a64_cpu *c);
/* The instruction an exit stopped at completed on this run. */
void a64_dbg_completed(struct a64_cpu *c);

/* ---- registers (a64_regs.c) --------------------------------------------- */

void a64_regs_reset(struct a64_cpu *c);
int a64_get_regs(void *cpu, enum squib_regset set, void *buf);
int a64_set_regs(void *cpu, enum squib_regset set, const void *buf);
int a64_get_one_reg(void *cpu, uint64_t id, uint64_t *value);
int a64_set_one_reg(void *cpu, uint64_t id, uint64_t value);
/* PSTATE in the SPSR layout (NZCV, DAIF, M[3:0]). */
uint64_t a64_pstate(const struct a64_cpu *c);
uint64_t a64_sctlr(const struct a64_cpu *c);
/* ISS of a trapped system register or System instruction (EC 0x18). */
uint32_t a64_sysreg_iss(uint32_t enc, unsigned rt, bool read);

#endif
