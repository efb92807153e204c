/* cpu/arm64/a64_branch.c: B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR, BLR, RET.
 *
 * Blocks are keyed by their guest pc, so pc-relative targets are absolute by
 * the time a handler runs.  Operands: imm = taken target, imm2 = the
 * fall-through pc (also the BL/BLR link value), n = tested or target
 * register, p0 = condition or bit number.  Every handler leaves the block.
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

static int op_bl(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[30] = i->imm2;
    c->pc = i->imm;
    return A64_JUMP;
}

/* One B.cond handler per condition, so that after CMP/SUBS the
 * condition folds to one compare of the lazy flags' operands; the rest (and
 * the call that computes NZCV) is out of line. */
static __attribute__((noinline)) int bcond_any(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = a64_cond(c, i->p0) ? i->imm : i->imm2;
    return A64_JUMP;
}
#define BCOND_FN(cc)                                                                      \
    static int op_bcond_##cc(struct a64_cpu *c, const struct a64_insn *i)                 \
    {                                                                                     \
        bool holds;                                                                       \
        if (__builtin_expect(c->lf_op == A64_LF_SUB64, 1))                                \
            holds = A64_COND_SUB(uint64_t, int64_t, c->lf_a, c->lf_b, cc);                \
        else if (c->lf_op == A64_LF_SUB32)                                                \
            holds = A64_COND_SUB(uint32_t, int32_t, c->lf_a, c->lf_b, cc);                \
        else                                                                              \
            return bcond_any(c, i);                                                       \
        c->pc = holds ? i->imm : i->imm2;                                                 \
        return A64_JUMP;                                                                  \
    }
BCOND_FN(0) BCOND_FN(1) BCOND_FN(2) BCOND_FN(3) BCOND_FN(4) BCOND_FN(5) BCOND_FN(6)
BCOND_FN(7) BCOND_FN(8) BCOND_FN(9) BCOND_FN(10) BCOND_FN(11) BCOND_FN(12) BCOND_FN(13)
BCOND_FN(14) BCOND_FN(15)
static const a64_handler bcond_fns[16] = {
    op_bcond_0, op_bcond_1, op_bcond_2,  op_bcond_3,  op_bcond_4,  op_bcond_5,
    op_bcond_6, op_bcond_7, op_bcond_8,  op_bcond_9,  op_bcond_10, op_bcond_11,
    op_bcond_12, op_bcond_13, op_bcond_14, op_bcond_15,
};

static int op_cbz_x(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = c->x[i->n] == 0 ? i->imm : i->imm2;
    return A64_JUMP;
}

static int op_cbnz_x(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = c->x[i->n] != 0 ? i->imm : i->imm2;
    return A64_JUMP;
}

static int op_cbz_w(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = (uint32_t)c->x[i->n] == 0 ? i->imm : i->imm2;
    return A64_JUMP;
}

static int op_cbnz_w(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = (uint32_t)c->x[i->n] != 0 ? i->imm : i->imm2;
    return A64_JUMP;
}

static int op_tbz(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = ((c->x[i->n] >> i->p0) & 1) == 0 ? i->imm : i->imm2;
    return A64_JUMP;
}

static int op_tbnz(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = ((c->x[i->n] >> i->p0) & 1) != 0 ? i->imm : i->imm2;
    return A64_JUMP;
}

static int op_br(struct a64_cpu *c, const struct a64_insn *i)
{
    c->pc = c->x[i->n];
    return A64_JUMP;
}

/* BLR X30 branches to the old X30: read the target before linking. */
static int op_blr(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t target = c->x[i->n];
    c->x[30] = i->imm2;
    c->pc = target;
    return A64_JUMP;
}

/* B, BL: imm26, a word offset (C6.2, "B", "BL"). */
bool a64_dec_b(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    in->imm = pc + a64_sext((uint64_t)(w & 0x3ffffff) << 2, 28);
    in->imm2 = pc + 4;
    in->fn = (w >> 31) ? op_bl : a64_op_goto;
    return true;
}

bool a64_dec_bcond(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    in->imm = pc + a64_sext((uint64_t)a64_bits(w, 23, 5) << 2, 21);
    in->imm2 = pc + 4;
    in->p0 = (uint8_t)(w & 15);
    in->fn = bcond_fns[w & 15];
    return true;
}

bool a64_dec_cbz(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    bool sf = w >> 31, nz = (w >> 24) & 1;
    in->imm = pc + a64_sext((uint64_t)a64_bits(w, 23, 5) << 2, 21);
    in->imm2 = pc + 4;
    in->n = a64_rz(w & 31);
    in->fn = sf ? (nz ? op_cbnz_x : op_cbz_x) : (nz ? op_cbnz_w : op_cbz_w);
    return true;
}

/* TBZ, TBNZ: bit number b5:b40; with b5 = 0 the register is Wt, which tests
 * the same bits. */
bool a64_dec_tbz(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    in->imm = pc + a64_sext((uint64_t)a64_bits(w, 18, 5) << 2, 16);
    in->imm2 = pc + 4;
    in->n = a64_rz(w & 31);
    in->p0 = (uint8_t)((w >> 31) << 5 | a64_bits(w, 23, 19));
    in->fn = ((w >> 24) & 1) ? op_tbnz : op_tbz;
    return true;
}

/* BR, BLR, RET: opc in bits 22:21 (the table rows fix the rest). */
bool a64_dec_br(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->imm2 = pc + 4;
    in->fn = a64_bits(w, 22, 21) == 1 ? op_blr : op_br;
    return true;
}

/* Every branch leaves the block (A64_JUMP): its own threaded twin. */
const struct a64_threaded a64_branch_threaded[] = {
    A64_TERMINAL(op_bl),
    A64_TERMINAL(op_cbz_x),
    A64_TERMINAL(op_cbnz_x),
    A64_TERMINAL(op_cbz_w),
    A64_TERMINAL(op_cbnz_w),
    A64_TERMINAL(op_tbz),
    A64_TERMINAL(op_tbnz),
    A64_TERMINAL(op_br),
    A64_TERMINAL(op_blr),
    A64_TERMINAL(op_bcond_0),
    A64_TERMINAL(op_bcond_1),
    A64_TERMINAL(op_bcond_2),
    A64_TERMINAL(op_bcond_3),
    A64_TERMINAL(op_bcond_4),
    A64_TERMINAL(op_bcond_5),
    A64_TERMINAL(op_bcond_6),
    A64_TERMINAL(op_bcond_7),
    A64_TERMINAL(op_bcond_8),
    A64_TERMINAL(op_bcond_9),
    A64_TERMINAL(op_bcond_10),
    A64_TERMINAL(op_bcond_11),
    A64_TERMINAL(op_bcond_12),
    A64_TERMINAL(op_bcond_13),
    A64_TERMINAL(op_bcond_14),
    A64_TERMINAL(op_bcond_15),
    {NULL, NULL},
};
