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
};

#define A64_BLOCK_MAX 32 /* guest instructions per block */

/* A block: the decoded instructions, then a copy of the guest words they were
 * decoded from.  Writes through the soft TLB to a page holding code drop the
 * whole decode cache; writes the VMM makes through host pointers are caught
 * by comparing the words with guest memory the first time a block runs in a
 * run() call (the `gen` stamp), as blink's decode cache does. */
struct a64_block {
    struct dcache_block hdr;
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

/* System registers the core stores (a64_regs.c keeps the table). */
#define A64_SYS_MAX 48

struct a64_cpu {
    uint64_t x[A64_NREGS];
    uint64_t pc;
    uint32_t nzcv;   /* PSTATE.NZCV in bits 31:28, as the NZCV register */
    uint32_t daif;   /* PSTATE.DAIF in bits 9:6, as the DAIF register */
    unsigned el;     /* PSTATE.EL: 0 or 1 (no EL2/EL3 in a guest) */
    unsigned spsel;  /* PSTATE.SP */
    bool event;      /* the event register (WFE, SEV, SEVL) */
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
    struct squib_arm64_fp fp;  /* V0-V31, FPSR, FPCR: stored only for now */

    struct cpu_env *env;
    struct mmu *mmu;
    struct squib_exit *exit;     /* the record of the current run */
    const struct a64_block *blk; /* the block being executed */
    struct a64_pending pend;

    struct squib_guest_debug dbg;
    bool dbg_active;   /* single-step or breakpoints: run one instruction per block */
    bool bp_skip;      /* the last exit was a breakpoint at bp_skip_pc: do not */
    uint64_t bp_skip_pc; /* report it again before executing that instruction */

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

/* AddWithCarry() (Arm ARM J1 shared pseudocode), setting PSTATE.NZCV. */
static inline uint64_t a64_adds64(struct a64_cpu *c, uint64_t x, uint64_t y, unsigned cin)
{
    uint64_t r = x + y + cin;
    uint64_t carry = ((x & y) | ((x | y) & ~r)) >> 63;
    uint64_t ovf = ((x ^ r) & (y ^ r)) >> 63;
    c->nzcv = (uint32_t)((r >> 63) << 31 | (uint64_t)(r == 0) << 30 | carry << 29 | ovf << 28);
    return r;
}
static inline uint32_t a64_adds32(struct a64_cpu *c, uint32_t x, uint32_t y, unsigned cin)
{
    uint32_t r = x + y + cin;
    uint32_t carry = ((x & y) | ((x | y) & ~r)) >> 31;
    uint32_t ovf = ((x ^ r) & (y ^ r)) >> 31;
    c->nzcv = (r >> 31) << 31 | (uint32_t)(r == 0) << 30 | carry << 29 | ovf << 28;
    return r;
}
/* Flags of a logical operation (ANDS, BICS): N and Z from the result, C=V=0. */
static inline void a64_nz64(struct a64_cpu *c, uint64_t r)
{
    c->nzcv = (uint32_t)((r >> 63) << 31) | (uint32_t)(r == 0) << 30;
}
static inline void a64_nz32(struct a64_cpu *c, uint32_t r)
{
    c->nzcv = (r >> 31) << 31 | (uint32_t)(r == 0) << 30;
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
static inline bool a64_cond(const struct a64_cpu *c, unsigned cond)
{
    return (a64_cond_table[cond] >> (c->nzcv >> 28)) & 1;
}

/* ---- exits (a64_core.c) ------------------------------------------------ */

/* Fills an INTERNAL_ERROR exit for instruction `i` (its bytes are read back
 * from guest memory) and returns A64_EXIT. */
int a64_fail(struct a64_cpu *c, const struct a64_insn *i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the instruction word known. */
int a64_fail_insn(struct a64_cpu *c, const struct a64_insn *i, uint32_t word, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
/* The instruction is UNDEFINED (or an unallocated encoding). */
int a64_undefined(struct a64_cpu *c, const struct a64_insn *i);
/* The instruction would take a synchronous exception to EL1. */
int a64_no_exception_yet(struct a64_cpu *c, const struct a64_insn *i, const char *what);
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

/* ---- registers (a64_regs.c) --------------------------------------------- */

void a64_regs_reset(struct a64_cpu *c);
int a64_get_regs(void *cpu, enum squib_regset set, void *buf);
int a64_set_regs(void *cpu, enum squib_regset set, const void *buf);
int a64_get_one_reg(void *cpu, uint64_t id, uint64_t *value);
int a64_set_one_reg(void *cpu, uint64_t id, uint64_t value);
/* PSTATE in the SPSR layout (NZCV, DAIF, M[3:0]). */
uint64_t a64_pstate(const struct a64_cpu *c);
uint64_t a64_sctlr(const struct a64_cpu *c);

#endif
