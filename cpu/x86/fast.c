/* cpu/x86/fast.c: handlers specialised at decode time for the forms hot
 * code is made of, with lazy flags.
 *
 * The table's handlers (exec_*.c) are generic: they fetch operands through
 * x86_get_rm/x86_set_rm by size and compute every flag eagerly.  When a
 * block is decoded, x86_specialise swaps in a handler for one operand form
 * and size with its registers resolved (x86_insn.fd, .fs), for:
 *   ALU (ADD OR AND SUB XOR CMP TEST) reg,reg / reg,imm / reg,mem / mem,reg
 *   / mem,imm; MOV reg,reg / reg,imm / reg,mem / mem,reg / mem,imm; MOVZX;
 *   LEA; INC/DEC reg; Jcc and JMP rel in 64-bit mode
 * at operand sizes 4 and 8 (and bytes where no AH-CH-DH-BH register is
 * involved).  These set the arithmetic flags lazily (x86_cpu.lf_*: the
 * operation, its operands and result) and Jcc evaluates its condition from
 * that state; everything else sees exact RFLAGS (x86_flags_sync).  The
 * semantics are the generic handlers' (same flags, same exits, same faults),
 * and the differential tests run through these handlers.
 */
#include "cpu/x86/x86.h"

int x86_op_alu(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp1(struct x86_cpu *, const struct x86_insn *);
int x86_op_test(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_rm_imm(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_r_imm(struct x86_cpu *, const struct x86_insn *);
int x86_op_lea(struct x86_cpu *, const struct x86_insn *);
int x86_op_movx(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp5(struct x86_cpu *, const struct x86_insn *);
int x86_op_jcc(struct x86_cpu *, const struct x86_insn *);
int x86_op_jmp_rel(struct x86_cpu *, const struct x86_insn *);
int x86_op_pushpop_r(struct x86_cpu *, const struct x86_insn *);
int x86_op_call_rel(struct x86_cpu *, const struct x86_insn *);
int x86_op_ret(struct x86_cpu *, const struct x86_insn *);
int x86_op_mov_moffs(struct x86_cpu *, const struct x86_insn *);
int x86_op_movsxd(struct x86_cpu *, const struct x86_insn *);
int x86_op_xchg(struct x86_cpu *, const struct x86_insn *);
int x86_op_cbw_cwd(struct x86_cpu *, const struct x86_insn *);
int x86_op_push_imm(struct x86_cpu *, const struct x86_insn *);
int x86_op_pop_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_leave(struct x86_cpu *, const struct x86_insn *);
int x86_op_nop_rm(struct x86_cpu *, const struct x86_insn *);
int x86_op_bswap(struct x86_cpu *, const struct x86_insn *);
int x86_op_cmov(struct x86_cpu *, const struct x86_insn *);
int x86_op_setcc(struct x86_cpu *, const struct x86_insn *);
int x86_op_grp2(struct x86_cpu *, const struct x86_insn *);
int x86_op_imul_imm(struct x86_cpu *, const struct x86_insn *);
int x86_op_imul_rm(struct x86_cpu *, const struct x86_insn *);

/* ALU operations by their opcode bits 5:3 (ADC and SBB stay generic), plus
 * TEST as 8. */
enum { OP_ADD = 0, OP_OR = 1, OP_AND = 4, OP_SUB = 5, OP_XOR = 6, OP_CMP = 7, OP_TEST = 8 };

static inline void lazy(struct x86_cpu *cpu, unsigned op, unsigned size, uint64_t a, uint64_t b,
                        uint64_t r)
{
    cpu->lf_op = (uint8_t)op;
    cpu->lf_size = (uint8_t)size;
    cpu->lf_a = a;
    cpu->lf_b = b;
    cpu->lf_r = r;
}

/* One ALU operation on a, b (truncated to the size mask m). */
static inline uint64_t alu_value(unsigned op, uint64_t m, uint64_t a, uint64_t b)
{
    switch (op) {
    case OP_ADD: return (a + b) & m;
    case OP_SUB:
    case OP_CMP: return (a - b) & m;
    case OP_OR: return a | b;
    case OP_XOR: return a ^ b;
    default: return a & b; /* AND, TEST */
    }
}

/* Its flags, lazily: the operands and result of an add or subtract, the
 * result alone of a logical operation. */
static inline void alu_flags(struct x86_cpu *cpu, unsigned op, unsigned size, uint64_t a,
                             uint64_t b, uint64_t r)
{
    if (op == OP_ADD || op == OP_SUB || op == OP_CMP) {
        lazy(cpu, op == OP_ADD ? LF_ADD : LF_SUB, size, a, b, r);
    } else {
        cpu->lf_op = LF_LOGIC;
        cpu->lf_size = (uint8_t)size;
        cpu->lf_r = r;
    }
}

/* Both, at `size` (4 or 8); the result (also for CMP/TEST, which do not
 * write it). */
static inline uint64_t alu(struct x86_cpu *cpu, unsigned op, unsigned size, uint64_t a,
                           uint64_t b)
{
    uint64_t r = alu_value(op, x86_size_mask(size), a, b);
    alu_flags(cpu, op, size, a, b, r);
    return r;
}

static inline bool writes(unsigned op)
{
    return op != OP_CMP && op != OP_TEST;
}

/* ---- register forms: one handler per operation and size ------------------ */

/* NAME_rr: fd op= fs; NAME_ri: fd op= imm.  32-bit results zero-extend. */
#define ALU_FORMS(NAME, OP, SZ)                                                      \
    static int NAME##_rr##SZ(struct x86_cpu *cpu, const struct x86_insn *i)          \
    {                                                                                \
        uint64_t m = x86_size_mask(SZ);                                              \
        uint64_t r = alu(cpu, OP, SZ, cpu->r[i->fd] & m, cpu->r[i->fs] & m);         \
        if (writes(OP))                                                              \
            cpu->r[i->fd] = r;                                                       \
        return X86_NEXT;                                                             \
    }                                                                                \
    static int NAME##_ri##SZ(struct x86_cpu *cpu, const struct x86_insn *i)          \
    {                                                                                \
        uint64_t m = x86_size_mask(SZ);                                              \
        uint64_t r = alu(cpu, OP, SZ, cpu->r[i->fd] & m, i->imm & m);                \
        if (writes(OP))                                                              \
            cpu->r[i->fd] = r;                                                       \
        return X86_NEXT;                                                             \
    }

#define ALU_SIZES(NAME, OP) ALU_FORMS(NAME, OP, 4) ALU_FORMS(NAME, OP, 8)
ALU_SIZES(add, OP_ADD)
ALU_SIZES(or, OP_OR)
ALU_SIZES(and, OP_AND)
ALU_SIZES(sub, OP_SUB)
ALU_SIZES(xor, OP_XOR)
ALU_SIZES(cmp, OP_CMP)
ALU_SIZES(test, OP_TEST)

/* [op][size 8?][imm?] */
static const x86_handler alu_reg_fns[9][2][2] = {
#define ROW(NAME) {{NAME##_rr4, NAME##_ri4}, {NAME##_rr8, NAME##_ri8}}
    [OP_ADD] = ROW(add), [OP_OR] = ROW(or),   [OP_AND] = ROW(and), [OP_SUB] = ROW(sub),
    [OP_XOR] = ROW(xor), [OP_CMP] = ROW(cmp), [OP_TEST] = ROW(test),
#undef ROW
};

/* ---- memory forms: the operation in fs ---------------------------------- */

/* The effective address: x86_ea64 where x86_specialise set it up (64-bit
 * address size), else the general computation. */
static inline uint64_t ea(const struct x86_cpu *cpu, const struct x86_insn *i)
{
    return i->adsize == 8 ? x86_ea64(cpu, i) : x86_ea(cpu, i);
}

/* reg op= [mem] (03, 0B, 23, 2B, 33, 3B) */
static int alu_load(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t b;
    if (!x86_mem_read(cpu, i, i->seg, ea(cpu, i), sz, &b))
        return X86_EXIT;
    uint64_t r = alu(cpu, i->fs, sz, cpu->r[i->fd] & x86_size_mask(sz), b);
    if (writes(i->fs))
        cpu->r[i->fd] = r;
    return X86_NEXT;
}

/* [mem] op= reg or imm (01 09 21 29 31 39 85, 81/83 /op): the read and the
 * write are the generic path's, so device memory and faults behave the
 * same; flags change only once the write is done. */
static int alu_store(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, op = i->fs;
    uint64_t m = x86_size_mask(sz), a, off = ea(cpu, i);
    uint64_t b = i->fd == 0xff ? i->imm & m : cpu->r[i->fd] & m;
    if (!x86_mem_read(cpu, i, i->seg, off, sz, &a))
        return X86_EXIT;
    if (!writes(op)) {
        alu(cpu, op, sz, a, b);
        return X86_NEXT;
    }
    uint64_t r = alu_value(op, m, a, b);
    if (!x86_mem_write(cpu, i, i->seg, off, sz, r))
        return X86_EXIT;
    alu_flags(cpu, op, sz, a, b, r);
    return x86_done(cpu);
}

/* ---- moves ---------------------------------------------------------------- */

static int mov_rr4(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->r[i->fd] = (uint32_t)cpu->r[i->fs];
    return X86_NEXT;
}

static int mov_rr8(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->r[i->fd] = cpu->r[i->fs];
    return X86_NEXT;
}

/* MOV r, imm (B8+r, C7 /0): imm already sign- or zero-extended as the size
 * wants; 32-bit writes zero-extend. */
static int mov_ri(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->r[i->fd] = i->imm & x86_size_mask(i->opsize);
    return X86_NEXT;
}

/* MOV r32/r64, [mem] (8B) and MOVZX r32/r64, byte/word [mem] (0F B6/B7),
 * one handler per access size: the value zero-extends into the register.
 * MOVSX/MOVSXD r, [mem] (0F BE/BF, 63): sign-extends, to the operand size. */
#define MOV_LOAD(SZ)                                                                  \
    static int mov_load##SZ(struct x86_cpu *cpu, const struct x86_insn *i)            \
    {                                                                                 \
        uint64_t v;                                                                   \
        if (!x86_mem_read(cpu, i, i->seg, ea(cpu, i), SZ, &v))                        \
            return X86_EXIT;                                                          \
        cpu->r[i->fd] = v;                                                            \
        return X86_NEXT;                                                              \
    }                                                                                 \
    __attribute__((unused)) static int movsx_load##SZ(struct x86_cpu *cpu,           \
                                                      const struct x86_insn *i)          \
    {                                                                                 \
        uint64_t v;                                                                   \
        if (!x86_mem_read(cpu, i, i->seg, ea(cpu, i), SZ, &v))                        \
            return X86_EXIT;                                                          \
        v = (uint64_t)((int64_t)(v << (64 - 8 * SZ)) >> (64 - 8 * SZ));               \
        cpu->r[i->fd] = v & x86_size_mask(i->opsize);                                 \
        return X86_NEXT;                                                              \
    }
MOV_LOAD(1)
MOV_LOAD(2)
MOV_LOAD(4)
MOV_LOAD(8)
static const x86_handler mov_load_fns[9] = {
    [1] = mov_load1, [2] = mov_load2, [4] = mov_load4, [8] = mov_load8,
};
static const x86_handler movsx_load_fns[5] = {
    [1] = movsx_load1, [2] = movsx_load2, [4] = movsx_load4,
};

/* MOV [mem], reg (88 without a high-byte register, 89) or imm (C6/C7 /0:
 * fd = 0xff), one handler per size (x86_mem_write inlined for it). */
#define MOV_STORE(SZ)                                                                 \
    static int mov_store##SZ(struct x86_cpu *cpu, const struct x86_insn *i)           \
    {                                                                                 \
        uint64_t v = i->fd == 0xff ? i->imm : cpu->r[i->fd];                          \
        if (!x86_mem_write(cpu, i, i->seg, ea(cpu, i), SZ, v))                        \
            return X86_EXIT;                                                          \
        return x86_done(cpu);                                                         \
    }
MOV_STORE(1)
MOV_STORE(2)
MOV_STORE(4)
MOV_STORE(8)
static const x86_handler mov_store_fns[9] = {
    [1] = mov_store1, [2] = mov_store2, [4] = mov_store4, [8] = mov_store8,
};

/* MOVZX r32/r64, r8 (not AH-BH) / r16 */
static int movzx8_rr(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->r[i->fd] = cpu->r[i->fs] & 0xff;
    return X86_NEXT;
}

static int movzx16_rr(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->r[i->fd] = cpu->r[i->fs] & 0xffff;
    return X86_NEXT;
}

/* LEA r32/r64 (the address computed at the address size, then truncated to
 * the operand size) */
static int lea(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->r[i->fd] = ea(cpu, i) & x86_size_mask(i->opsize);
    return X86_NEXT;
}

/* The threaded LEA of a 64-bit address that is not RIP-relative. */
static int lea64_p(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t a = (uint64_t)i->disp + cpu->r[i->eb] + (cpu->r[i->ex] << i->scale);
    cpu->r[i->fd] = a & x86_size_mask(i->opsize);
    return i[1].tfn(cpu, i + 1);
}

/* ---- shifts of registers by an immediate, 1 or CL (C1, D1, D3 /4 /5 /7):
 * a count that masks to 0 changes no flag but still writes (zero-extends)
 * a 32-bit register, which the generic handler does. */
static const uint8_t shift_lf[8] = {[4] = LF_SHL, [5] = LF_SHR, [6] = LF_SHL, [7] = LF_SAR};

static int shift_r(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, op = shift_lf[i->reg & 7];
    uint64_t c = i->opcode == 0xC1 ? i->imm : i->opcode == 0xD1 ? 1 : cpu->r[RCX];
    c &= sz == 8 ? 63 : 31;
    if (c == 0) {
        x86_flags_sync(cpu);
        return x86_op_grp2(cpu, i);
    }
    uint64_t m = x86_size_mask(sz), a = cpu->r[i->fd] & m, r;
    if (op == LF_SHL)
        r = (a << c) & m;
    else if (op == LF_SHR)
        r = a >> c;
    else
        r = (uint64_t)((int64_t)(a << (64 - 8 * sz)) >> (64 - 8 * sz) >> c) & m;
    lazy(cpu, op, sz, a, c, r);
    cpu->r[i->fd] = r;
    return X86_NEXT;
}

/* SHL/SHR/SAR r32/r64 by a constant (C1 /4 /5 /7 Ib, D1 /4 /5 /7) that is
 * not 0 once masked (x86_specialise puts it in imm2): one handler per
 * operation and size. */
#define SHIFT_IMM(NAME, OP, SZ, EXPR)                                                   \
    static int NAME##SZ(struct x86_cpu *cpu, const struct x86_insn *i)                  \
    {                                                                                    \
        uint64_t c = i->imm2, a = cpu->r[i->fd] & x86_size_mask(SZ), r = (EXPR);        \
        lazy(cpu, OP, SZ, a, c, r);                                                      \
        cpu->r[i->fd] = r;                                                               \
        return X86_NEXT;                                                                 \
    }
SHIFT_IMM(shl_i, LF_SHL, 4, (uint32_t)(a << c))
SHIFT_IMM(shl_i, LF_SHL, 8, a << c)
SHIFT_IMM(shr_i, LF_SHR, 4, a >> c)
SHIFT_IMM(shr_i, LF_SHR, 8, a >> c)
SHIFT_IMM(sar_i, LF_SAR, 4, (uint32_t)((int32_t)a >> c))
SHIFT_IMM(sar_i, LF_SAR, 8, (uint64_t)((int64_t)a >> c))

/* ---- IMUL r, r, imm / IMUL r, r (69, 6B, 0F AF): CF = OF = the signed
 * overflow; SF ZF AF PF are left as they were (exec_muldiv.c).  After a
 * lazy operation that is LF_IMUL, which keeps them without computing them;
 * with exact flags, two bits change in rflags. */
static inline void imul_flags(struct x86_cpu *cpu, bool ovf)
{
    if (cpu->lf_op == LF_NONE) {
        cpu->rflags = (cpu->rflags & ~(uint64_t)(F_CF | F_OF)) | (ovf ? F_CF | F_OF : 0);
    } else {
        cpu->lf_a = x86_flags_af(cpu);
        cpu->lf_b = ovf;
        cpu->lf_op = LF_IMUL;
    }
}

static int imul_r(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t src = cpu->r[i->fs];
    if (i->mod != 3 && !x86_mem_read(cpu, i, i->seg, ea(cpu, i), sz, &src))
        return X86_EXIT;
    int64_t a = sz == 8 ? (int64_t)src : (int32_t)src;
    int64_t b = i->map ? (sz == 8 ? (int64_t)cpu->r[i->fd] : (int32_t)cpu->r[i->fd])
                       : (sz == 8 ? (int64_t)i->imm : (int32_t)i->imm);
    __int128 p = (__int128)a * b;
    uint64_t lo = (uint64_t)p & x86_size_mask(sz);
    bool ovf = sz == 8 ? p != (__int128)(int64_t)lo : p != (__int128)(int32_t)(uint32_t)lo;
    imul_flags(cpu, ovf);
    cpu->r[i->fd] = lo;
    return X86_NEXT;
}

/* The register forms, for the threaded twins to inline: 64- and 32-bit. */
static int imul_rr8(struct x86_cpu *cpu, const struct x86_insn *i)
{
    int64_t a = (int64_t)cpu->r[i->fs], r;
    int64_t b = i->map ? (int64_t)cpu->r[i->fd] : (int64_t)i->imm;
    imul_flags(cpu, __builtin_mul_overflow(a, b, &r));
    cpu->r[i->fd] = (uint64_t)r;
    return X86_NEXT;
}

static int imul_rr4(struct x86_cpu *cpu, const struct x86_insn *i)
{
    int32_t a = (int32_t)cpu->r[i->fs], r;
    int32_t b = i->map ? (int32_t)cpu->r[i->fd] : (int32_t)i->imm;
    imul_flags(cpu, __builtin_mul_overflow(a, b, &r));
    cpu->r[i->fd] = (uint32_t)r;
    return X86_NEXT;
}

/* JMP r/m64 (FF /4) in 64-bit mode */
static int jmp_ind64(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t v;
    if (i->mod == 3) {
        v = cpu->r[i->fd];
    } else if (!x86_mem_read(cpu, i, i->seg, ea(cpu, i), 8, &v)) {
        return X86_EXIT;
    }
    cpu->rip = v;
    return X86_BRANCH;
}

/* INC/DEC [mem] (FF /0 /1): flags once the write is done */
static int incdec_mem(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t m = x86_size_mask(sz), a, off = ea(cpu, i);
    if (!x86_mem_read(cpu, i, i->seg, off, sz, &a))
        return X86_EXIT;
    bool dec = i->fs;
    uint64_t r = (dec ? a - 1 : a + 1) & m;
    if (!x86_mem_write(cpu, i, i->seg, off, sz, r))
        return X86_EXIT;
    lazy(cpu, dec ? LF_DEC : LF_INC, sz, a, x86_flags_cf(cpu), r);
    return x86_done(cpu);
}

/* ---- INC/DEC r32/r64 (FF /0 /1): CF kept, so it is carried in lf_b ------- */

/* The carry before INC/DEC comes inline after ADD, SUB and the logical
 * operations; after anything else the whole instruction is out of line. */
static __attribute__((noinline)) int incdec_other(struct x86_cpu *cpu, const struct x86_insn *i,
                                                  unsigned sz, unsigned lf)
{
    uint64_t m = x86_size_mask(sz), a = cpu->r[i->fd] & m;
    uint64_t r = (lf == LF_DEC ? a - 1 : a + 1) & m;
    lazy(cpu, lf, sz, a, x86_flags_cf(cpu), r);
    cpu->r[i->fd] = r;
    return X86_NEXT;
}
#define INCDEC(NAME, LF, SZ, DELTA)                                                      \
    static int NAME##SZ(struct x86_cpu *cpu, const struct x86_insn *i)                  \
    {                                                                                    \
        unsigned op = cpu->lf_op;                                                        \
        if (__builtin_expect(op != LF_ADD && op != LF_SUB && op != LF_LOGIC, 0))         \
            return incdec_other(cpu, i, SZ, LF);                                         \
        uint64_t m = x86_size_mask(SZ), a = cpu->r[i->fd] & m, r = (a DELTA) & m;        \
        lazy(cpu, LF, SZ, a, x86_flags_cf(cpu), r);                                      \
        cpu->r[i->fd] = r;                                                               \
        return X86_NEXT;                                                                 \
    }
INCDEC(inc, LF_INC, 4, +1)
INCDEC(inc, LF_INC, 8, +1)
INCDEC(dec, LF_DEC, 4, -1)
INCDEC(dec, LF_DEC, 8, -1)

/* ---- branches in 64-bit mode (64-bit targets: no truncation) ------------- */

static inline uint64_t sign_of(const struct x86_cpu *cpu, uint64_t v)
{
    return v >> (8 * cpu->lf_size - 1) & 1;
}

/* Condition `cc` (SDM Vol. 1, Appendix B) from the lazy state where it is
 * cheap, else from the materialised flags.  Inlined with a constant `cc`
 * into one Jcc handler per condition. */
/* The lazy part of cond(): -1 when the condition needs the exact flags. */
static inline __attribute__((always_inline)) int cond_lazy(const struct x86_cpu *cpu,
                                                            unsigned cc)
{
    bool r;
    switch (cpu->lf_op) {
    case LF_SUB: {
        uint64_t a = cpu->lf_a, b = cpu->lf_b;
        unsigned sh = 64 - 8 * cpu->lf_size;
        int64_t sa = (int64_t)(a << sh), sbv = (int64_t)(b << sh);
        switch (cc >> 1) {
        case 1: r = a < b; break;                           /* B */
        case 2: r = cpu->lf_r == 0; break;                  /* Z */
        case 3: r = a <= b; break;                          /* BE */
        case 4: r = sign_of(cpu, cpu->lf_r); break;         /* S */
        case 6: r = sa < sbv; break;                        /* L */
        case 7: r = sa <= sbv; break;                       /* LE */
        default: return -1;                                 /* O, P */
        }
        break;
    }
    case LF_NONE:
        return -1;
    default: /* ZF and SF follow the result for every other operation */
        switch (cc >> 1) {
        case 2: r = cpu->lf_r == 0; break;
        case 4: r = sign_of(cpu, cpu->lf_r); break;
        default: return -1;
        }
        break;
    }
    return (cc & 1) ? !r : r;
}

static __attribute__((noinline)) bool cond_exact(struct x86_cpu *cpu, unsigned cc)
{
    x86_flags_sync(cpu);
    return x86_cond(cpu, cc);
}

static inline __attribute__((always_inline)) bool cond(struct x86_cpu *cpu, unsigned cc)
{
    int r = cond_lazy(cpu, cc);
    return r >= 0 ? r : cond_exact(cpu, cc);
}

#define JCC(CC)                                                                       \
    static int jcc64_##CC(struct x86_cpu *cpu, const struct x86_insn *i)              \
    {                                                                                 \
        cpu->rip = cond(cpu, CC) ? cpu->next_rip + i->imm : cpu->next_rip;            \
        return X86_BRANCH;                                                            \
    }
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
static const x86_handler jcc64_fns[16] = {
    jcc64_0, jcc64_1, jcc64_2,  jcc64_3,  jcc64_4,  jcc64_5,  jcc64_6,  jcc64_7,
    jcc64_8, jcc64_9, jcc64_10, jcc64_11, jcc64_12, jcc64_13, jcc64_14, jcc64_15,
};

static int jmp64(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->rip = cpu->next_rip + i->imm;
    return X86_BRANCH;
}

/* ---- the stack in 64-bit mode (no segmentation, 8-byte slots) ----------- */

/* Each tries x86_mem_fast on the 8-byte slot (SS has no base in 64-bit
 * mode); on NULL the generic handler does the access (faults, device
 * memory, a page crossing). */
static int push64(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP] - 8;
    void *p = x86_mem_fast(cpu, SEG_SS, sp, 8, true);
    if (!p) {
        x86_rip_fresh(cpu, i);
        return x86_op_pushpop_r(cpu, i);
    }
    x86_store_host(p, 8, cpu->r[i->fd]);
    cpu->r[RSP] = sp;
    return X86_NEXT;
}

/* POP RSP leaves the popped value in RSP (SDM Vol. 2, POP). */
static int pop64(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP];
    void *p = x86_mem_fast(cpu, SEG_SS, sp, 8, false);
    if (!p) {
        x86_rip_fresh(cpu, i);
        return x86_op_pushpop_r(cpu, i);
    }
    cpu->r[RSP] = sp + 8;
    cpu->r[i->fd] = x86_load_host(p, 8);
    return X86_NEXT;
}

static int call64(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP] - 8;
    void *p = x86_mem_fast(cpu, SEG_SS, sp, 8, true);
    if (!p)
        return x86_op_call_rel(cpu, i);
    x86_store_host(p, 8, cpu->next_rip);
    cpu->r[RSP] = sp;
    cpu->rip = cpu->next_rip + i->imm;
    return X86_BRANCH;
}

static int ret64(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP];
    void *p = x86_mem_fast(cpu, SEG_SS, sp, 8, false);
    if (!p)
        return x86_op_ret(cpu, i);
    cpu->rip = x86_load_host(p, 8);
    cpu->r[RSP] = sp + 8;
    return X86_BRANCH;
}

/* ---- CMOVcc, SETcc on registers ------------------------------------------ */

static int cmov_rr(struct x86_cpu *cpu, const struct x86_insn *i)
{
    /* 32-bit CMOV zero-extends the destination even when the condition is
     * false (SDM Vol. 2, CMOVcc). */
    uint64_t v = cond(cpu, i->opcode & 0xf) ? cpu->r[i->fs] : cpu->r[i->fd];
    cpu->r[i->fd] = v & x86_size_mask(i->opsize);
    return X86_NEXT;
}

static int setcc_r(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->r[i->fd] = (cpu->r[i->fd] & ~0xffULL) | cond(cpu, i->opcode & 0xf);
    return X86_NEXT;
}

/* ---- selection ------------------------------------------------------------ */

/* The generic handler `gfn` after materialising the flags. */
static int sync_then_call(struct x86_cpu *cpu, const struct x86_insn *i)
{
    x86_flags_sync(cpu);
    return i->gfn(cpu, i);
}

/* Generic handlers that neither read nor write the arithmetic flags: they
 * run on lazy flags as they are (their faults sync them in x86_raise). */
static bool flag_neutral(const struct x86_insn *i, enum x86_mode mode)
{
    x86_handler f = i->fn;
    return f == x86_op_mov_rm || f == x86_op_mov_rm_imm || f == x86_op_mov_r_imm ||
           f == x86_op_mov_moffs || f == x86_op_lea || f == x86_op_movx || f == x86_op_xchg ||
           f == x86_op_cbw_cwd || f == x86_op_pushpop_r || f == x86_op_push_imm ||
           f == x86_op_pop_rm || f == x86_op_leave || f == x86_op_call_rel ||
           f == x86_op_ret || f == x86_op_jmp_rel || f == x86_op_nop_rm || f == x86_op_bswap ||
           (f == x86_op_movsxd && mode == X86_MODE_LONG64); /* elsewhere ARPL sets ZF */
}

static bool set(struct x86_insn *i, x86_handler fn, unsigned fd, unsigned fs)
{
    if (i->mod != 3) { /* for x86_ea64 */
        i->eb = i->base == 0xff ? 16 : i->base;
        i->ex = i->index == 0xff ? 16 : i->index;
        i->ripm = i->rip_rel ? ~0ULL : 0;
    }
    i->fn = fn;
    i->fd = (uint8_t)fd;
    i->fs = (uint8_t)fs;
    return true;
}

/* A byte register without REX names AH-BH for 4-7. */
static bool plain_byte_reg(const struct x86_insn *i, unsigned r)
{
    return i->rex || r < 4;
}

/* A specialised handler for `i`, if there is one: true when set. */
static bool pick(struct x86_insn *i, enum x86_mode mode)
{
    unsigned sz = i->opsize, op = i->opcode;
    bool wide = sz == 4 || sz == 8, reg = i->mod == 3;
    if (mode == X86_MODE_LONG64 && sz == 8) {
        if (i->fn == x86_op_pushpop_r)
            return set(i, op < 0x58 ? push64 : pop64, i->reg, 0);
        if (i->fn == x86_op_call_rel)
            return set(i, call64, 0, 0);
        if (i->fn == x86_op_ret && op == 0xC3)
            return set(i, ret64, 0, 0);
    }
    if (i->fn == x86_op_cmov && wide && reg)
        return set(i, cmov_rr, i->reg, i->rm);
    if (i->fn == x86_op_setcc && reg && plain_byte_reg(i, i->rm))
        return set(i, setcc_r, i->rm, 0);
    if (i->fn == x86_op_alu && wide) {
        unsigned aop = (op >> 3) & 7, form = op & 7;
        if (aop == 2 || aop == 3)
            return false; /* ADC, SBB */
        if (form == 5) /* eAX, Iz */
            return set(i, alu_reg_fns[aop][sz == 8][1], RAX, 0);
        if (reg && form == 1) /* E, G */
            return set(i, alu_reg_fns[aop][sz == 8][0], i->rm, i->reg);
        if (reg && form == 3) /* G, E */
            return set(i, alu_reg_fns[aop][sz == 8][0], i->reg, i->rm);
        if (form == 3)
            return set(i, alu_load, i->reg, aop);
        if (form == 1)
            return set(i, alu_store, i->reg, aop);
        return false;
    }
    if (i->fn == x86_op_grp1 && wide) {
        unsigned aop = i->reg & 7;
        if (aop == 2 || aop == 3)
            return false;
        if (reg)
            return set(i, alu_reg_fns[aop][sz == 8][1], i->rm, 0);
        return set(i, alu_store, 0xff, aop);
    }
    if (i->fn == x86_op_test && wide && op == 0x85) {
        if (reg)
            return set(i, alu_reg_fns[OP_TEST][sz == 8][0], i->rm, i->reg);
        return set(i, alu_store, i->reg, OP_TEST);
    }
    if (i->fn == x86_op_test && wide && op == 0xA9)
        return set(i, alu_reg_fns[OP_TEST][sz == 8][1], RAX, 0);
    if (i->fn == x86_op_mov_rm && i->map == 0) {
        if (op == 0x89 || op == 0x8B) {
            if (!wide)
                return false;
            if (reg)
                return op == 0x89 ? set(i, sz == 8 ? mov_rr8 : mov_rr4, i->rm, i->reg)
                                  : set(i, sz == 8 ? mov_rr8 : mov_rr4, i->reg, i->rm);
            return op == 0x89 ? set(i, mov_store_fns[sz], i->reg, 0) : set(i, mov_load_fns[sz], i->reg, 0);
        }
        if (op == 0x88 && !reg && plain_byte_reg(i, i->reg))
            return set(i, mov_store_fns[1], i->reg, 0);
        return false;
    }
    if (i->fn == x86_op_mov_r_imm && wide)
        return set(i, mov_ri, i->reg, 0);
    if (i->fn == x86_op_mov_rm_imm && (i->reg & 7) == 0 && (wide || (op == 0xC6 && !reg))) {
        if (reg)
            return set(i, mov_ri, i->rm, 0);
        return set(i, mov_store_fns[sz], 0xff, 0);
    }
    if (i->fn == x86_op_movx && wide && (op == 0xB6 || op == 0xB7)) {
        unsigned src = op == 0xB7 ? 2 : 1;
        if (!reg)
            return set(i, mov_load_fns[src], i->reg, 0);
        if (src == 1 && !plain_byte_reg(i, i->rm))
            return false;
        return set(i, src == 1 ? movzx8_rr : movzx16_rr, i->reg, i->rm);
    }
    if (i->fn == x86_op_lea && wide && !reg)
        return set(i, lea, i->reg, 0);
    if (i->fn == x86_op_grp5 && wide && reg && (i->reg & 7) <= 1)
        return set(i, (i->reg & 7) ? (sz == 8 ? dec8 : dec4) : (sz == 8 ? inc8 : inc4), i->rm, 0);
    if (i->fn == x86_op_grp5 && (i->reg & 7) == 4 && mode == X86_MODE_LONG64 && sz != 2)
        return set(i, jmp_ind64, i->rm, 0);
    if (i->fn == x86_op_grp2 && wide && reg && shift_lf[i->reg & 7] &&
        (op == 0xC1 || op == 0xD1 || op == 0xD3)) {
        unsigned c = (unsigned)(op == 0xC1 ? i->imm : op == 0xD1 ? 1 : 0) & (sz == 8 ? 63 : 31);
        if (op != 0xD3 && c) { /* a constant count: the result's own handler */
            static const x86_handler fns[8][2] = {
                [4] = {shl_i4, shl_i8}, [5] = {shr_i4, shr_i8},
                [6] = {shl_i4, shl_i8}, [7] = {sar_i4, sar_i8},
            };
            i->imm2 = c;
            return set(i, fns[i->reg & 7][sz == 8], i->rm, 0);
        }
        return set(i, shift_r, i->rm, 0);
    }
    if ((i->fn == x86_op_imul_imm || i->fn == x86_op_imul_rm) && wide)
        return reg ? set(i, sz == 8 ? imul_rr8 : imul_rr4, i->reg, i->rm)
                   : set(i, imul_r, i->reg, 16);
    if (i->fn == x86_op_grp5 && wide && !reg && (i->reg & 7) <= 1)
        return set(i, incdec_mem, 0, i->reg & 7);
    if (i->fn == x86_op_movx && wide && !reg && (op == 0xBE || op == 0xBF))
        return set(i, movsx_load_fns[op == 0xBF ? 2 : 1], i->reg, 0);
    if (i->fn == x86_op_movsxd && mode == X86_MODE_LONG64 && sz == 8 && !reg)
        return set(i, movsx_load_fns[4], i->reg, 0);
    if (mode == X86_MODE_LONG64 && sz != 2) {
        if (i->fn == x86_op_jcc)
            return set(i, jcc64_fns[op & 0xf], 0, 0);
        if (i->fn == x86_op_jmp_rel)
            return set(i, jmp64, 0, 0);
    }
    return false;
}

/* ---- threaded twins (x86.h, X86_TSTEP_BODY) ------------------------------ */

#define TWIN(h)                                                                           \
    static __attribute__((noinline)) int h##_t(struct x86_cpu *cpu,                      \
                                               const struct x86_insn *i)                  \
    {                                                                                     \
        X86_TSTEP_BODY(cpu, i, h(cpu, i));                                                \
    }
/* The memory ones without a RIP-relative address (x86.h, X86_TMEM_BODY). */
#define MEM_TWIN(h)                                                                       \
    TWIN(h)                                                                               \
    static int h##_m(struct x86_cpu *cpu, const struct x86_insn *i)                       \
    {                                                                                     \
        X86_TMEM_BODY(cpu, i, h(cpu, i));                                                 \
    }
/* The pure ones (register operands only, no RIP-relative address): always
 * X86_NEXT, no memory, no rip. */
#define PURE_TWIN(h)                                                                      \
    TWIN(h)                                                                               \
    static int h##_p(struct x86_cpu *cpu, const struct x86_insn *i)                       \
    {                                                                                     \
        X86_TPURE_BODY(cpu, i, h(cpu, i));                                                \
    }
MEM_TWIN(push64)
MEM_TWIN(pop64)
TWIN(call64)
TWIN(ret64)
PURE_TWIN(cmov_rr)
PURE_TWIN(setcc_r)
MEM_TWIN(alu_load)
MEM_TWIN(alu_store)
PURE_TWIN(mov_rr8)
PURE_TWIN(mov_rr4)
PURE_TWIN(mov_ri)
PURE_TWIN(movzx8_rr)
PURE_TWIN(movzx16_rr)
PURE_TWIN(lea)
/* INC/DEC: after an operation other than ADD, SUB and the logical ones, the
 * full twin (a tail call, so the fast path saves no registers). */
#define INCDEC_TWIN(h)                                                                    \
    TWIN(h)                                                                               \
    static int h##_p(struct x86_cpu *cpu, const struct x86_insn *i)                       \
    {                                                                                     \
        unsigned op = cpu->lf_op;                                                         \
        if (__builtin_expect(op != LF_ADD && op != LF_SUB && op != LF_LOGIC, 0))          \
            return h##_t(cpu, i);                                                         \
        X86_TPURE_BODY(cpu, i, h(cpu, i));                                                \
    }
INCDEC_TWIN(inc4)
INCDEC_TWIN(inc8)
INCDEC_TWIN(dec4)
INCDEC_TWIN(dec8)
TWIN(jmp_ind64)
PURE_TWIN(shift_r)
PURE_TWIN(shl_i4)
PURE_TWIN(shl_i8)
PURE_TWIN(shr_i4)
PURE_TWIN(shr_i8)
PURE_TWIN(sar_i4)
PURE_TWIN(sar_i8)
PURE_TWIN(imul_r)
PURE_TWIN(imul_rr8)
PURE_TWIN(imul_rr4)
static int imul_r_m(struct x86_cpu *cpu, const struct x86_insn *i) /* a memory source */
{
    X86_TMEM_BODY(cpu, i, imul_r(cpu, i));
}
MEM_TWIN(incdec_mem)
TWIN(jmp64)
/* The flag trampoline's twin: a generic handler, which may change what
 * x86_chain relies on, so no chaining after it in this run of blocks. */
static int sync_then_call_t(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->chain_budget = 0;
    X86_TSTEP_BODY(cpu, i, sync_then_call(cpu, i));
}
PURE_TWIN(add_rr4)
PURE_TWIN(add_rr8)
PURE_TWIN(add_ri4)
PURE_TWIN(add_ri8)
PURE_TWIN(or_rr4)
PURE_TWIN(or_rr8)
PURE_TWIN(or_ri4)
PURE_TWIN(or_ri8)
PURE_TWIN(and_rr4)
PURE_TWIN(and_rr8)
PURE_TWIN(and_ri4)
PURE_TWIN(and_ri8)
PURE_TWIN(sub_rr4)
PURE_TWIN(sub_rr8)
PURE_TWIN(sub_ri4)
PURE_TWIN(sub_ri8)
PURE_TWIN(xor_rr4)
PURE_TWIN(xor_rr8)
PURE_TWIN(xor_ri4)
PURE_TWIN(xor_ri8)
PURE_TWIN(cmp_rr4)
PURE_TWIN(cmp_rr8)
PURE_TWIN(cmp_ri4)
PURE_TWIN(cmp_ri8)
PURE_TWIN(test_rr4)
PURE_TWIN(test_rr8)
PURE_TWIN(test_ri4)
PURE_TWIN(test_ri8)
MEM_TWIN(mov_load1)
MEM_TWIN(mov_store1)
MEM_TWIN(mov_load2)
MEM_TWIN(mov_store2)
MEM_TWIN(mov_load4)
MEM_TWIN(mov_store4)
MEM_TWIN(mov_load8)
MEM_TWIN(mov_store8)
MEM_TWIN(movsx_load1)
MEM_TWIN(movsx_load2)
MEM_TWIN(movsx_load4)
TWIN(jcc64_0)
TWIN(jcc64_1)
TWIN(jcc64_2)
TWIN(jcc64_3)
TWIN(jcc64_4)
TWIN(jcc64_5)
TWIN(jcc64_6)
TWIN(jcc64_7)
TWIN(jcc64_8)
TWIN(jcc64_9)
TWIN(jcc64_10)
TWIN(jcc64_11)
TWIN(jcc64_12)
TWIN(jcc64_13)
TWIN(jcc64_14)
TWIN(jcc64_15)

/* MOV loads and stores with a 64-bit address that is not RIP-relative: the
 * TLB fast path alone, inline; anything else (a miss, a fault, device
 * memory, a page crossing, a code page) goes to the full twin, which runs
 * the handler with rip set.  A store that hits in the TLB is to a page
 * holding no code (those have no write tag), so no attention check. */
/* The host address of `size` bytes at segment `seg`, offset `off` (64-bit
 * mode), or NULL: first the instruction's memo of the page it touched last
 * (valid while the mmu's gen holds: no flush, no privilege switch since),
 * else the TLB (x86_mem_fast), whose hit becomes the memo.  The memo is of
 * the access kind the instruction makes (each makes one). */
static inline void *memo_ptr(struct x86_cpu *cpu, const struct x86_insn *i, int seg,
                             uint64_t off, unsigned size, bool write)
{
    struct x86_insn *mi = (struct x86_insn *)i; /* the memo is the block's own state */
    uint64_t a = seg >= SEG_FS ? cpu->seg[seg].base + off : off;
    if (__builtin_expect((a & MMU_PAGE_MASK) == mi->memo_page &&
                             mi->memo_gen == cpu->mmu->gen &&
                             (a & (MMU_PAGE_SIZE - 1)) <= MMU_PAGE_SIZE - size,
                         1))
        return (void *)(uintptr_t)(a + mi->memo_add);
    void *p = x86_mem_fast(cpu, seg, off, size, write);
    if (p) {
        mi->memo_page = a & MMU_PAGE_MASK;
        mi->memo_gen = cpu->mmu->gen;
        mi->memo_add = (uintptr_t)p - (uintptr_t)a;
    }
    return p;
}

static inline void *fast_ptr(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size,
                             bool write)
{
    uint64_t off = (uint64_t)i->disp + cpu->r[i->eb] + (cpu->r[i->ex] << i->scale);
    return memo_ptr(cpu, i, i->seg, off, size, write);
}
#define FAST_MOV(SZ)                                                                      \
    static int mov_load##SZ##_f(struct x86_cpu *cpu, const struct x86_insn *i)            \
    {                                                                                     \
        const void *p = fast_ptr(cpu, i, SZ, false);                                      \
        if (__builtin_expect(!p, 0))                                                      \
            return mov_load##SZ##_t(cpu, i);                                              \
        cpu->r[i->fd] = x86_load_host(p, SZ);                                             \
        return i[1].tfn(cpu, i + 1);                                                      \
    }                                                                                     \
    static int mov_store##SZ##_f(struct x86_cpu *cpu, const struct x86_insn *i)           \
    {                                                                                     \
        void *p = fast_ptr(cpu, i, SZ, true);                                             \
        if (__builtin_expect(!p, 0))                                                      \
            return mov_store##SZ##_t(cpu, i);                                             \
        x86_store_host(p, SZ, i->fd == 0xff ? i->imm : cpu->r[i->fd]);                    \
        return i[1].tfn(cpu, i + 1);                                                      \
    }
FAST_MOV(1)
FAST_MOV(2)
FAST_MOV(4)
FAST_MOV(8)
/* The branches of 64-bit mode, whose twins chain to the next block
 * themselves (x86_chain): next_rip from the block's start, the stack slot
 * through the TLB fast path, else the full twin. */
static inline uint64_t next_rip64(const struct x86_cpu *cpu, const struct x86_insn *i)
{
    return cpu->block_rip + i->off + i->len;
}
/* Jcc: the condition from the lazy flags inline; needing the exact ones, the
 * whole branch out of line (so the fast path saves no registers). */
static __attribute__((noinline)) int jcc64_exact(struct x86_cpu *cpu, const struct x86_insn *i,
                                                 unsigned cc)
{
    uint64_t nr = next_rip64(cpu, i);
    cpu->rip = cond_exact(cpu, cc) ? nr + i->imm : nr;
    return x86_chain(cpu, i);
}
#define JCC_B(CC)                                                                         \
    static int jcc64_##CC##_b(struct x86_cpu *cpu, const struct x86_insn *i)              \
    {                                                                                     \
        int c = cond_lazy(cpu, CC);                                                       \
        if (__builtin_expect(c < 0, 0))                                                   \
            return jcc64_exact(cpu, i, CC);                                               \
        uint64_t nr = next_rip64(cpu, i);                                                 \
        cpu->rip = c ? nr + i->imm : nr;                                                  \
        return x86_chain(cpu, i);                                                         \
    }
JCC_B(0) JCC_B(1) JCC_B(2) JCC_B(3) JCC_B(4) JCC_B(5) JCC_B(6) JCC_B(7)
JCC_B(8) JCC_B(9) JCC_B(10) JCC_B(11) JCC_B(12) JCC_B(13) JCC_B(14) JCC_B(15)

static int jmp64_b(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->rip = next_rip64(cpu, i) + i->imm;
    return x86_chain(cpu, i);
}

static int jmp_ind64_b(struct x86_cpu *cpu, const struct x86_insn *i) /* register form */
{
    cpu->rip = cpu->r[i->fd];
    return x86_chain(cpu, i);
}

/* The memory form with a 64-bit address, not RIP-relative (jump tables). */
static int jmp_ind64_mb(struct x86_cpu *cpu, const struct x86_insn *i)
{
    const void *p = fast_ptr(cpu, i, 8, false);
    if (__builtin_expect(!p, 0))
        return jmp_ind64_t(cpu, i);
    cpu->rip = x86_load_host(p, 8);
    return x86_chain(cpu, i);
}

static int call64_b(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP] - 8;
    void *p = memo_ptr(cpu, i, SEG_SS, sp, 8, true);
    if (__builtin_expect(!p, 0))
        return call64_t(cpu, i);
    uint64_t nr = next_rip64(cpu, i);
    x86_store_host(p, 8, nr);
    cpu->r[RSP] = sp;
    cpu->rip = nr + i->imm;
    return x86_chain(cpu, i);
}

static int ret64_b(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP];
    const void *p = memo_ptr(cpu, i, SEG_SS, sp, 8, false);
    if (__builtin_expect(!p, 0))
        return ret64_t(cpu, i);
    cpu->rip = x86_load_host(p, 8);
    cpu->r[RSP] = sp + 8;
    return x86_chain(cpu, i);
}

/* A handler and the threaded fast twin that stands in for it. */
struct fast_twin {
    x86_handler fn, fast;
};

static x86_handler find_fast(const struct fast_twin *t, size_t n, x86_handler fn)
{
    for (size_t k = 0; k < n; k++)
        if (t[k].fn == fn)
            return t[k].fast;
    return NULL;
}

static const struct fast_twin branches[] = {
    {jcc64_0, jcc64_0_b},   {jcc64_1, jcc64_1_b},   {jcc64_2, jcc64_2_b},
    {jcc64_3, jcc64_3_b},   {jcc64_4, jcc64_4_b},   {jcc64_5, jcc64_5_b},
    {jcc64_6, jcc64_6_b},   {jcc64_7, jcc64_7_b},   {jcc64_8, jcc64_8_b},
    {jcc64_9, jcc64_9_b},   {jcc64_10, jcc64_10_b}, {jcc64_11, jcc64_11_b},
    {jcc64_12, jcc64_12_b}, {jcc64_13, jcc64_13_b}, {jcc64_14, jcc64_14_b},
    {jcc64_15, jcc64_15_b}, {jmp64, jmp64_b},       {call64, call64_b},
    {ret64, ret64_b},
};

/* The same for the register's ALU forms with memory (reg op= [mem], and
 * [mem] op= reg/imm: a read-modify-write through one pointer, a read for
 * CMP and TEST), MOVSX loads, and the 64-bit stack's PUSH and POP. */
static int alu_load_f(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    const void *p = fast_ptr(cpu, i, sz, false);
    if (__builtin_expect(!p, 0))
        return alu_load_t(cpu, i);
    uint64_t r = alu(cpu, i->fs, sz, cpu->r[i->fd] & x86_size_mask(sz), x86_load_host(p, sz));
    if (writes(i->fs))
        cpu->r[i->fd] = r;
    return i[1].tfn(cpu, i + 1);
}

static int alu_store_f(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, op = i->fs;
    void *p = fast_ptr(cpu, i, sz, writes(op));
    if (__builtin_expect(!p, 0))
        return alu_store_t(cpu, i);
    uint64_t m = x86_size_mask(sz), a = x86_load_host(p, sz);
    uint64_t b = i->fd == 0xff ? i->imm & m : cpu->r[i->fd] & m;
    uint64_t r = alu(cpu, op, sz, a, b);
    if (writes(op))
        x86_store_host(p, sz, r);
    return i[1].tfn(cpu, i + 1);
}

#define FAST_MOVSX(SZ)                                                                    \
    static int movsx_load##SZ##_f(struct x86_cpu *cpu, const struct x86_insn *i)          \
    {                                                                                     \
        const void *p = fast_ptr(cpu, i, SZ, false);                                      \
        if (__builtin_expect(!p, 0))                                                      \
            return movsx_load##SZ##_t(cpu, i);                                            \
        uint64_t v = x86_load_host(p, SZ);                                                \
        v = (uint64_t)((int64_t)(v << (64 - 8 * SZ)) >> (64 - 8 * SZ));                   \
        cpu->r[i->fd] = v & x86_size_mask(i->opsize);                                     \
        return i[1].tfn(cpu, i + 1);                                                      \
    }
FAST_MOVSX(1)
FAST_MOVSX(2)
FAST_MOVSX(4)

static int push64_f(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP] - 8;
    void *p = memo_ptr(cpu, i, SEG_SS, sp, 8, true);
    if (__builtin_expect(!p, 0))
        return push64_t(cpu, i);
    x86_store_host(p, 8, cpu->r[i->fd]);
    cpu->r[RSP] = sp;
    return i[1].tfn(cpu, i + 1);
}

static int pop64_f(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t sp = cpu->r[RSP];
    const void *p = memo_ptr(cpu, i, SEG_SS, sp, 8, false);
    if (__builtin_expect(!p, 0))
        return pop64_t(cpu, i);
    cpu->r[RSP] = sp + 8;
    cpu->r[i->fd] = x86_load_host(p, 8); /* POP RSP: the popped value wins */
    return i[1].tfn(cpu, i + 1);
}

static const struct fast_twin fast_movs[] = {
    {mov_load1, mov_load1_f},   {mov_load2, mov_load2_f},   {mov_load4, mov_load4_f},
    {mov_load8, mov_load8_f},   {mov_store1, mov_store1_f}, {mov_store2, mov_store2_f},
    {mov_store4, mov_store4_f}, {mov_store8, mov_store8_f}, {alu_load, alu_load_f},
    {alu_store, alu_store_f},   {movsx_load1, movsx_load1_f}, {movsx_load2, movsx_load2_f},
    {movsx_load4, movsx_load4_f},
};

static const struct {
    x86_handler fn, twin, pure, mem;
} twins[] = {
#define PAIR(h) {h, h##_t, NULL, NULL}
#define PURE(h) {h, h##_t, h##_p, NULL}
#define MEM(h) {h, h##_t, NULL, h##_m}
    MEM(push64),
    MEM(pop64),
    PAIR(call64),
    PAIR(ret64),
    PURE(cmov_rr),
    PURE(setcc_r),
    MEM(alu_load),
    MEM(alu_store),
    PURE(mov_rr8),
    PURE(mov_rr4),
    PURE(mov_ri),
    PURE(movzx8_rr),
    PURE(movzx16_rr),
    PURE(lea),
    PURE(inc4),
    PURE(inc8),
    PURE(dec4),
    PURE(dec8),
    PAIR(jmp_ind64),
    PURE(shift_r),
    PURE(shl_i4),
    PURE(shl_i8),
    PURE(shr_i4),
    PURE(shr_i8),
    PURE(sar_i4),
    PURE(sar_i8),
    PURE(imul_r),
    PURE(imul_rr8),
    PURE(imul_rr4),
    MEM(incdec_mem),
    PAIR(jmp64),
    PAIR(sync_then_call),
    PURE(add_rr4),
    PURE(add_rr8),
    PURE(add_ri4),
    PURE(add_ri8),
    PURE(or_rr4),
    PURE(or_rr8),
    PURE(or_ri4),
    PURE(or_ri8),
    PURE(and_rr4),
    PURE(and_rr8),
    PURE(and_ri4),
    PURE(and_ri8),
    PURE(sub_rr4),
    PURE(sub_rr8),
    PURE(sub_ri4),
    PURE(sub_ri8),
    PURE(xor_rr4),
    PURE(xor_rr8),
    PURE(xor_ri4),
    PURE(xor_ri8),
    PURE(cmp_rr4),
    PURE(cmp_rr8),
    PURE(cmp_ri4),
    PURE(cmp_ri8),
    PURE(test_rr4),
    PURE(test_rr8),
    PURE(test_ri4),
    PURE(test_ri8),
    MEM(mov_load1),
    MEM(mov_store1),
    MEM(mov_load2),
    MEM(mov_store2),
    MEM(mov_load4),
    MEM(mov_store4),
    MEM(mov_load8),
    MEM(mov_store8),
    MEM(movsx_load1),
    MEM(movsx_load2),
    MEM(movsx_load4),
    PAIR(jcc64_0),
    PAIR(jcc64_1),
    PAIR(jcc64_2),
    PAIR(jcc64_3),
    PAIR(jcc64_4),
    PAIR(jcc64_5),
    PAIR(jcc64_6),
    PAIR(jcc64_7),
    PAIR(jcc64_8),
    PAIR(jcc64_9),
    PAIR(jcc64_10),
    PAIR(jcc64_11),
    PAIR(jcc64_12),
    PAIR(jcc64_13),
    PAIR(jcc64_14),
    PAIR(jcc64_15),
#undef PAIR
#undef PURE
#undef MEM
};

/* The threaded twin for a decoded instruction (x86.h, X86_TSTEP_BODY): the
 * cheapest one that is exact for it. */
static x86_handler twin_for(const struct x86_insn *i, enum x86_mode mode)
{
    bool mem_ok = i->mod != 3 && !i->rip_rel; /* no rip needed for the address */
    bool fast_ea = mem_ok && i->adsize == 8;   /* and x86_ea64 set up */
    x86_handler f;
    if (mode == X86_MODE_LONG64) { /* pick() chose these for 64-bit mode only */
        if ((f = find_fast(branches, sizeof branches / sizeof branches[0], i->fn)))
            return f;
        if (i->fn == jmp_ind64 && i->mod == 3)
            return jmp_ind64_b;
        if (i->fn == jmp_ind64 && fast_ea)
            return jmp_ind64_mb;
        if (i->fn == push64)
            return push64_f;
        if (i->fn == pop64)
            return pop64_f;
    }
    if (fast_ea && (f = find_fast(fast_movs, sizeof fast_movs / sizeof fast_movs[0], i->fn)))
        return f;
    if (i->fn == imul_r && mem_ok)
        return imul_r_m;
    if (i->fn == lea && fast_ea)
        return lea64_p;
    for (size_t k = 0; k < sizeof twins / sizeof twins[0]; k++)
        if (twins[k].fn == i->fn) {
            /* Pure: register operands only (pick() chose them so), but for
             * imul_r with a memory source and lea of a RIP-relative address. */
            if (twins[k].pure && (i->fn != imul_r || i->mod == 3) &&
                (i->fn != lea || !i->rip_rel))
                return twins[k].pure;
            if (twins[k].mem && !i->rip_rel)
                return twins[k].mem;
            return twins[k].twin;
        }
    return x86_op_tstep;
}

void x86_specialise(struct x86_insn *i, enum x86_mode mode)
{
    if (!(!i->rep && pick(i, mode)) && !flag_neutral(i, mode)) {
        /* Everything else sees exact flags. */
        i->gfn = i->fn;
        i->fn = sync_then_call;
    }
    i->tfn = twin_for(i, mode);
    i->memo_page = MMU_TAG_INVALID; /* no memo yet (never a page address) */
}
