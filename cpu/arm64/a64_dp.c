/* cpu/arm64/a64_dp.c: integer data processing (immediate and register).
 *
 * ADR/ADRP, MOVZ/MOVN/MOVK, ADD/SUB/ADDS/SUBS (immediate, shifted and
 * extended register), ADC/ADCS/SBC/SBCS, AND/ORR/EOR/ANDS (immediate) and
 * AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS (shifted register).
 *
 * Subtraction is addition of the inverted operand with a carry in (C6.2,
 * "SUB", "SUBS": AddWithCarry(op1, NOT(op2), '1')), and the N-bit logical
 * forms (BIC, ORN, EON, BICS) invert their operand, so the decoders put the
 * inversion in an XOR mask (imm: 0 or all ones) and the carry in p3; one
 * handler per operation, width and shift type then serves all the aliases
 * (CMP, CMN, TST, MOV, MVN, NEG...).  32-bit forms write the low word and
 * zero the upper half of the destination (C1.2.5, "Register names").
 * Bitfield moves, EXTR, the shifts by register and the 1-source operations
 * are in a64_bitfield.c; conditional select/compare, multiply, divide and
 * CRC32 in a64_dp_reg.c.
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

/* ---- ADR, ADRP, MOVZ, MOVN, MOVK ---------------------------------------- */

/* ADR: pc + imm21; ADRP: the pc's 4 KiB page + imm21 pages. */
bool a64_dec_adr(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    uint64_t imm = (uint64_t)a64_bits(w, 23, 5) << 2 | a64_bits(w, 30, 29);
    if (w >> 31)
        in->imm = (pc & ~0xfffULL) + (a64_sext(imm, 21) << 12);
    else
        in->imm = pc + a64_sext(imm, 21);
    in->d = a64_rzd(w & 31);
    in->fn = a64_op_movi;
    return true;
}

/* MOVK keeps the bits outside the field: x[d] = (x[d] & imm2) | imm. */
static int op_movk(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (c->x[i->d] & i->imm2) | i->imm;
    return A64_NEXT;
}

bool a64_dec_movw(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31;
    unsigned hw = a64_bits(w, 22, 21), opc = a64_bits(w, 30, 29);
    if (!sf && hw >= 2)
        return false;
    uint64_t width_mask = sf ? ~0ULL : 0xffffffffULL;
    uint64_t v = (uint64_t)a64_bits(w, 20, 5) << (16 * hw);
    in->d = a64_rzd(w & 31);
    switch (opc) {
    case 0: /* MOVN */
        in->imm = ~v & width_mask;
        in->fn = a64_op_movi;
        return true;
    case 2: /* MOVZ */
        in->imm = v;
        in->fn = a64_op_movi;
        return true;
    case 3: /* MOVK */
        in->imm = v;
        in->imm2 = ~(0xffffULL << (16 * hw)) & width_mask;
        in->fn = op_movk;
        return true;
    default:
        return false;
    }
}

/* ---- ADD/SUB (immediate): imm = operand (negated for SUB) --------------- */

static int op_add_imm64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] + i->imm;
    return A64_NEXT;
}

static int op_add_imm32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->n] + i->imm);
    return A64_NEXT;
}

static int op_adds_imm64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_add_lazy64(c, c->x[i->n], i->imm);
    return A64_NEXT;
}

static int op_adds_imm32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_add_lazy32(c, (uint32_t)c->x[i->n], (uint32_t)i->imm);
    return A64_NEXT;
}

static int op_subs_imm64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_sub_lazy64(c, c->x[i->n], i->imm);
    return A64_NEXT;
}

static int op_subs_imm32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_sub_lazy32(c, (uint32_t)c->x[i->n], (uint32_t)i->imm);
    return A64_NEXT;
}

/* Rn may be SP; Rd is SP for ADD/SUB and XZR for ADDS/SUBS (so CMP/CMN). */
bool a64_dec_addsub_imm(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31, sub = (w >> 30) & 1, setflags = (w >> 29) & 1;
    uint64_t imm = (uint64_t)a64_bits(w, 21, 10) << (((w >> 22) & 1) ? 12 : 0);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    if (!setflags) {
        in->d = a64_rsp(w & 31);
        in->imm = sub ? 0 - imm : imm;
        in->fn = sf ? op_add_imm64 : op_add_imm32;
    } else {
        in->d = a64_rzd(w & 31);
        in->imm = imm;
        in->fn = sub ? (sf ? op_subs_imm64 : op_subs_imm32) : (sf ? op_adds_imm64 : op_adds_imm32);
    }
    return true;
}

/* ---- logical (immediate) ------------------------------------------------ */

/* DecodeBitMasks(N, imms, immr, immediate=TRUE) (Arm ARM J1,
 * aarch64/instrs/integer/bitmasks): the wmask of a logical immediate, or
 * false for the reserved encodings. */
static bool decode_bit_masks(unsigned n, unsigned imms, unsigned immr, unsigned width,
                             uint64_t *out)
{
    unsigned v = n << 6 | (~imms & 0x3f);
    if (v == 0)
        return false;
    int len = 31 - __builtin_clz(v); /* HighestSetBit(N:NOT(imms)) */
    if (len < 1)
        return false;
    unsigned esize = 1u << len;
    if (esize > width)
        return false;
    unsigned levels = esize - 1;
    if ((imms & levels) == levels) /* all-ones element: reserved */
        return false;
    unsigned s = imms & levels, r = immr & levels;
    uint64_t welem = (1ULL << (s + 1)) - 1; /* s + 1 < esize <= 64 */
    uint64_t emask = esize == 64 ? ~0ULL : (1ULL << esize) - 1;
    uint64_t elem = r ? ((welem >> r) | (welem << (esize - r))) & emask : welem;
    for (unsigned e = esize; e < 64; e *= 2) /* Replicate() */
        elem |= elem << e;
    *out = width == 64 ? elem : elem & 0xffffffffULL;
    return true;
}

static int op_and_imm(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] & i->imm; /* the 32-bit imm has a zero upper half */
    return A64_NEXT;
}

static int op_orr_imm64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] | i->imm;
    return A64_NEXT;
}

static int op_orr_imm32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->n] | i->imm);
    return A64_NEXT;
}

static int op_eor_imm64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] ^ i->imm;
    return A64_NEXT;
}

static int op_eor_imm32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->n] ^ i->imm);
    return A64_NEXT;
}

static int op_ands_imm64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t r = c->x[i->n] & i->imm;
    a64_nz64(c, r);
    c->x[i->d] = r;
    return A64_NEXT;
}

static int op_ands_imm32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t r = (uint32_t)c->x[i->n] & (uint32_t)i->imm;
    a64_nz32(c, r);
    c->x[i->d] = r;
    return A64_NEXT;
}

/* Rd may be SP except for ANDS (whose Rd 31 is XZR: TST). */
bool a64_dec_logic_imm(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31;
    unsigned opc = a64_bits(w, 30, 29), n = (w >> 22) & 1;
    if (!sf && n)
        return false;
    if (!decode_bit_masks(n, a64_bits(w, 15, 10), a64_bits(w, 21, 16), sf ? 64 : 32, &in->imm))
        return false;
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->d = opc == 3 ? a64_rzd(w & 31) : a64_rsp(w & 31);
    static const a64_handler fns[2][4] = {
        {op_and_imm, op_orr_imm32, op_eor_imm32, op_ands_imm32},
        {op_and_imm, op_orr_imm64, op_eor_imm64, op_ands_imm64},
    };
    in->fn = fns[sf][opc];
    return true;
}

/* ---- shifted register operands ------------------------------------------ */

enum { SH_LSL, SH_LSR, SH_ASR, SH_ROR };

/* ShiftReg() (Arm ARM J1); `type` is a constant in every caller, so each
 * handler below compiles to one shift. */
static inline __attribute__((always_inline)) uint64_t shift64(uint64_t v, int type, unsigned a)
{
    switch (type) {
    case SH_LSL:
        return v << a;
    case SH_LSR:
        return v >> a;
    case SH_ASR:
        return (uint64_t)((int64_t)v >> a);
    default:
        return (v >> a) | (v << ((64 - a) & 63));
    }
}

static inline __attribute__((always_inline)) uint32_t shift32(uint32_t v, int type, unsigned a)
{
    switch (type) {
    case SH_LSL:
        return v << a;
    case SH_LSR:
        return v >> a;
    case SH_ASR:
        return (uint32_t)((int32_t)v >> a);
    default:
        return (v >> a) | (v << ((32 - a) & 31));
    }
}

/* Shift operand macros for the handler families below: by p0, or none. */
#define LSL64(v) shift64(v, SH_LSL, i->p0)
#define LSR64(v) shift64(v, SH_LSR, i->p0)
#define ASR64(v) shift64(v, SH_ASR, i->p0)
#define ROR64(v) shift64(v, SH_ROR, i->p0)
#define LSL32(v) shift32(v, SH_LSL, i->p0)
#define LSR32(v) shift32(v, SH_LSR, i->p0)
#define ASR32(v) shift32(v, SH_ASR, i->p0)
#define ROR32(v) shift32(v, SH_ROR, i->p0)
#define UNSHIFTED(v) (v)

/* Logical (shifted register): p0 = amount, imm = 0 or ~0 (N bit).  The _0
 * handlers serve LSL #0. */
#define LOGIC_FN(op, OPR, FLAGS, sfx, SH64, SH32)                                        \
    static int op_##op##64_##sfx(struct a64_cpu *c, const struct a64_insn *i)             \
    {                                                                                     \
        uint64_t r = c->x[i->n] OPR(SH64(c->x[i->m]) ^ i->imm);                           \
        if (FLAGS)                                                                        \
            a64_nz64(c, r);                                                               \
        c->x[i->d] = r;                                                                   \
        return A64_NEXT;                                                                  \
    }                                                                                     \
    static int op_##op##32_##sfx(struct a64_cpu *c, const struct a64_insn *i)             \
    {                                                                                     \
        uint32_t r = (uint32_t)c->x[i->n] OPR(SH32((uint32_t)c->x[i->m]) ^ (uint32_t)i->imm); \
        if (FLAGS)                                                                        \
            a64_nz32(c, r);                                                               \
        c->x[i->d] = r;                                                                   \
        return A64_NEXT;                                                                  \
    }
#define LOGIC_FNS(sfx, SH64, SH32)                                                        \
    LOGIC_FN(and, &, 0, sfx, SH64, SH32)                                                  \
    LOGIC_FN(orr, |, 0, sfx, SH64, SH32)                                                  \
    LOGIC_FN(eor, ^, 0, sfx, SH64, SH32)                                                  \
    LOGIC_FN(ands, &, 1, sfx, SH64, SH32)
LOGIC_FNS(lsl, LSL64, LSL32)
LOGIC_FNS(lsr, LSR64, LSR32)
LOGIC_FNS(asr, ASR64, ASR32)
LOGIC_FNS(ror, ROR64, ROR32)
LOGIC_FNS(0, UNSHIFTED, UNSHIFTED)

#define BY_SHIFT(op, w) {op_##op##w##_lsl, op_##op##w##_lsr, op_##op##w##_asr, op_##op##w##_ror}
static const a64_handler logic_fns[2][4][4] = {
    {BY_SHIFT(and, 32), BY_SHIFT(orr, 32), BY_SHIFT(eor, 32), BY_SHIFT(ands, 32)},
    {BY_SHIFT(and, 64), BY_SHIFT(orr, 64), BY_SHIFT(eor, 64), BY_SHIFT(ands, 64)},
};
static const a64_handler logic_fns_0[2][4] = {
    {op_and32_0, op_orr32_0, op_eor32_0, op_ands32_0},
    {op_and64_0, op_orr64_0, op_eor64_0, op_ands64_0},
};

bool a64_dec_logic_reg(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31;
    unsigned amount = a64_bits(w, 15, 10);
    if (!sf && amount >= 32)
        return false;
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (uint8_t)amount;
    in->imm = ((w >> 21) & 1) ? ~0ULL : 0;
    in->fn = amount == 0 ? logic_fns_0[sf][a64_bits(w, 30, 29)]
                         : logic_fns[sf][a64_bits(w, 30, 29)][a64_bits(w, 23, 22)];
    return true;
}

/* Add/subtract (shifted register): p0 = amount; ADD/SUB compute
 * Rn + (op2 XOR imm) + p3 (imm = ~0 and p3 = 1 for SUB), ADDS and SUBS
 * record lazy flags.  LSL #0, the common case, has its own handlers
 * (ADDSUBS_FNS(0...) and op_addr/op_subr below). */
#define ADDSUB_FNS(sfx, SH64, SH32)                                                      \
    static int op_add64_##sfx(struct a64_cpu *c, const struct a64_insn *i)               \
    {                                                                                    \
        c->x[i->d] = c->x[i->n] + (SH64(c->x[i->m]) ^ i->imm) + i->p3;                   \
        return A64_NEXT;                                                                 \
    }                                                                                    \
    static int op_add32_##sfx(struct a64_cpu *c, const struct a64_insn *i)               \
    {                                                                                    \
        c->x[i->d] = (uint32_t)((uint32_t)c->x[i->n] +                                   \
                                (SH32((uint32_t)c->x[i->m]) ^ (uint32_t)i->imm) + i->p3); \
        return A64_NEXT;                                                                 \
    }                                                                                    \
    ADDSUBS_FNS(sfx, SH64, SH32)
#define ADDSUBS_FNS(sfx, SH64, SH32)                                                     \
    static int op_adds64_##sfx(struct a64_cpu *c, const struct a64_insn *i)              \
    {                                                                                    \
        c->x[i->d] = a64_add_lazy64(c, c->x[i->n], SH64(c->x[i->m]));                    \
        return A64_NEXT;                                                                 \
    }                                                                                    \
    static int op_adds32_##sfx(struct a64_cpu *c, const struct a64_insn *i)              \
    {                                                                                    \
        c->x[i->d] = a64_add_lazy32(c, (uint32_t)c->x[i->n], SH32((uint32_t)c->x[i->m])); \
        return A64_NEXT;                                                                 \
    }                                                                                    \
    static int op_subs64_##sfx(struct a64_cpu *c, const struct a64_insn *i)              \
    {                                                                                    \
        c->x[i->d] = a64_sub_lazy64(c, c->x[i->n], SH64(c->x[i->m]));                    \
        return A64_NEXT;                                                                 \
    }                                                                                    \
    static int op_subs32_##sfx(struct a64_cpu *c, const struct a64_insn *i)              \
    {                                                                                    \
        c->x[i->d] = a64_sub_lazy32(c, (uint32_t)c->x[i->n], SH32((uint32_t)c->x[i->m])); \
        return A64_NEXT;                                                                 \
    }
ADDSUB_FNS(lsl, LSL64, LSL32)
ADDSUB_FNS(lsr, LSR64, LSR32)
ADDSUB_FNS(asr, ASR64, ASR32)
ADDSUBS_FNS(0, UNSHIFTED, UNSHIFTED)

#define BY_SHIFT3(op, w) {op_##op##w##_lsl, op_##op##w##_lsr, op_##op##w##_asr}
/* [sf][ADD/SUB, ADDS, SUBS][shift type] */
static const a64_handler addsub_fns[2][3][3] = {
    {BY_SHIFT3(add, 32), BY_SHIFT3(adds, 32), BY_SHIFT3(subs, 32)},
    {BY_SHIFT3(add, 64), BY_SHIFT3(adds, 64), BY_SHIFT3(subs, 64)},
};
/* ADD and SUB (no flags) with LSL #0: [sf][sub]. */
static int op_addr64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] + c->x[i->m];
    return A64_NEXT;
}
static int op_addr32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->n] + c->x[i->m]);
    return A64_NEXT;
}
static int op_subr64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] - c->x[i->m];
    return A64_NEXT;
}
static int op_subr32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->n] - c->x[i->m]);
    return A64_NEXT;
}
/* LSL #0: [sf][ADD, SUB, ADDS, SUBS] */
static const a64_handler addsub_fns_0[2][4] = {
    {op_addr32, op_subr32, op_adds32_0, op_subs32_0},
    {op_addr64, op_subr64, op_adds64_0, op_subs64_0},
};

/* Rd, Rn and Rm 31 are XZR here (unlike the immediate and extended forms). */
bool a64_dec_addsub_reg(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31, sub = (w >> 30) & 1, setflags = (w >> 29) & 1;
    unsigned shift = a64_bits(w, 23, 22), amount = a64_bits(w, 15, 10);
    if (shift == SH_ROR || (!sf && amount >= 32))
        return false;
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (uint8_t)amount;
    in->imm = sub ? ~0ULL : 0;
    in->p3 = sub;
    unsigned kind = setflags ? 1 + sub : 0;
    in->fn = amount == 0 ? addsub_fns_0[sf][setflags ? 2 + sub : sub] : addsub_fns[sf][kind][shift];
    return true;
}

/* ---- add/subtract (extended register) ----------------------------------- */

/* Operand: a64_extend_reg() (computing in 64 bits and truncating gives the
 * pseudocode's result for 32-bit operations too). */
static int op_add_ext64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] + (a64_extend_reg(c, i) ^ i->imm) + i->p3;
    return A64_NEXT;
}

static int op_add_ext32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->n] + (a64_extend_reg(c, i) ^ i->imm) + i->p3);
    return A64_NEXT;
}

static int op_adds_ext64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_adds64(c, c->x[i->n], a64_extend_reg(c, i) ^ i->imm, i->p3);
    return A64_NEXT;
}

static int op_adds_ext32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_adds32(c, (uint32_t)c->x[i->n], (uint32_t)(a64_extend_reg(c, i) ^ i->imm),
                            i->p3);
    return A64_NEXT;
}

/* Option: UXTB, UXTH, UXTW, UXTX, SXTB, SXTH, SXTW, SXTX; Rd (unless
 * setting flags) and Rn may be SP; Rm 31 is XZR. */
bool a64_dec_addsub_ext(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31, sub = (w >> 30) & 1, setflags = (w >> 29) & 1;
    unsigned option = a64_bits(w, 15, 13), amount = a64_bits(w, 12, 10);
    if (amount > 4)
        return false;
    in->d = setflags ? a64_rzd(w & 31) : a64_rsp(w & 31);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (uint8_t)(64 - (8u << (option & 3)));
    in->p1 = (option >> 2) & 1;
    in->p2 = (uint8_t)amount;
    in->imm = sub ? ~0ULL : 0;
    in->p3 = sub;
    static const a64_handler fns[2][2] = {{op_add_ext32, op_adds_ext32},
                                           {op_add_ext64, op_adds_ext64}};
    in->fn = fns[sf][setflags];
    return true;
}

/* ---- ADC, ADCS, SBC, SBCS: carry in = PSTATE.C; imm = inversion ---------- */

static int op_adc64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] + (c->x[i->m] ^ i->imm) + (a64_carry(c));
    return A64_NEXT;
}

static int op_adc32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->n] + (c->x[i->m] ^ i->imm) + (a64_carry(c)));
    return A64_NEXT;
}

static int op_adcs64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_adds64(c, c->x[i->n], c->x[i->m] ^ i->imm, a64_carry(c));
    return A64_NEXT;
}

static int op_adcs32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_adds32(c, (uint32_t)c->x[i->n], (uint32_t)(c->x[i->m] ^ i->imm),
                            a64_carry(c));
    return A64_NEXT;
}

bool a64_dec_adc(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31, sub = (w >> 30) & 1, setflags = (w >> 29) & 1;
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->imm = sub ? ~0ULL : 0;
    static const a64_handler fns[2][2] = {{op_adc32, op_adcs32}, {op_adc64, op_adcs64}};
    in->fn = fns[sf][setflags];
    return true;
}

/* ---- threaded twins (a64_cpu.h, "Threaded dispatch") ---------------- */

A64_THREAD(op_movk)
A64_THREAD(op_add_imm64)
A64_THREAD(op_add_imm32)
A64_THREAD(op_adds_imm64)
A64_THREAD(op_adds_imm32)
A64_THREAD(op_subs_imm64)
A64_THREAD(op_subs_imm32)
A64_THREAD(op_and_imm)
A64_THREAD(op_orr_imm64)
A64_THREAD(op_orr_imm32)
A64_THREAD(op_eor_imm64)
A64_THREAD(op_eor_imm32)
A64_THREAD(op_ands_imm64)
A64_THREAD(op_ands_imm32)
A64_THREAD(op_and64_lsl)
A64_THREAD(op_and32_lsl)
A64_THREAD(op_orr64_lsl)
A64_THREAD(op_orr32_lsl)
A64_THREAD(op_eor64_lsl)
A64_THREAD(op_eor32_lsl)
A64_THREAD(op_ands64_lsl)
A64_THREAD(op_ands32_lsl)
A64_THREAD(op_and64_lsr)
A64_THREAD(op_and32_lsr)
A64_THREAD(op_orr64_lsr)
A64_THREAD(op_orr32_lsr)
A64_THREAD(op_eor64_lsr)
A64_THREAD(op_eor32_lsr)
A64_THREAD(op_ands64_lsr)
A64_THREAD(op_ands32_lsr)
A64_THREAD(op_and64_asr)
A64_THREAD(op_and32_asr)
A64_THREAD(op_orr64_asr)
A64_THREAD(op_orr32_asr)
A64_THREAD(op_eor64_asr)
A64_THREAD(op_eor32_asr)
A64_THREAD(op_ands64_asr)
A64_THREAD(op_ands32_asr)
A64_THREAD(op_and64_ror)
A64_THREAD(op_and32_ror)
A64_THREAD(op_orr64_ror)
A64_THREAD(op_orr32_ror)
A64_THREAD(op_eor64_ror)
A64_THREAD(op_eor32_ror)
A64_THREAD(op_ands64_ror)
A64_THREAD(op_ands32_ror)
A64_THREAD(op_and64_0)
A64_THREAD(op_and32_0)
A64_THREAD(op_orr64_0)
A64_THREAD(op_orr32_0)
A64_THREAD(op_eor64_0)
A64_THREAD(op_eor32_0)
A64_THREAD(op_ands64_0)
A64_THREAD(op_ands32_0)
A64_THREAD(op_add64_lsl)
A64_THREAD(op_add32_lsl)
A64_THREAD(op_adds64_lsl)
A64_THREAD(op_adds32_lsl)
A64_THREAD(op_subs64_lsl)
A64_THREAD(op_subs32_lsl)
A64_THREAD(op_add64_lsr)
A64_THREAD(op_add32_lsr)
A64_THREAD(op_adds64_lsr)
A64_THREAD(op_adds32_lsr)
A64_THREAD(op_subs64_lsr)
A64_THREAD(op_subs32_lsr)
A64_THREAD(op_add64_asr)
A64_THREAD(op_add32_asr)
A64_THREAD(op_adds64_asr)
A64_THREAD(op_adds32_asr)
A64_THREAD(op_subs64_asr)
A64_THREAD(op_subs32_asr)
A64_THREAD(op_adds64_0)
A64_THREAD(op_adds32_0)
A64_THREAD(op_subs64_0)
A64_THREAD(op_subs32_0)
A64_THREAD(op_addr64)
A64_THREAD(op_addr32)
A64_THREAD(op_subr64)
A64_THREAD(op_subr32)
A64_THREAD(op_add_ext64)
A64_THREAD(op_add_ext32)
A64_THREAD(op_adds_ext64)
A64_THREAD(op_adds_ext32)
A64_THREAD(op_adc64)
A64_THREAD(op_adc32)
A64_THREAD(op_adcs64)
A64_THREAD(op_adcs32)

const struct a64_threaded a64_dp_threaded[] = {
    A64_THREADED(op_movk),
    A64_THREADED(op_add_imm64),
    A64_THREADED(op_add_imm32),
    A64_THREADED(op_adds_imm64),
    A64_THREADED(op_adds_imm32),
    A64_THREADED(op_subs_imm64),
    A64_THREADED(op_subs_imm32),
    A64_THREADED(op_and_imm),
    A64_THREADED(op_orr_imm64),
    A64_THREADED(op_orr_imm32),
    A64_THREADED(op_eor_imm64),
    A64_THREADED(op_eor_imm32),
    A64_THREADED(op_ands_imm64),
    A64_THREADED(op_ands_imm32),
    A64_THREADED(op_and64_lsl),
    A64_THREADED(op_and32_lsl),
    A64_THREADED(op_orr64_lsl),
    A64_THREADED(op_orr32_lsl),
    A64_THREADED(op_eor64_lsl),
    A64_THREADED(op_eor32_lsl),
    A64_THREADED(op_ands64_lsl),
    A64_THREADED(op_ands32_lsl),
    A64_THREADED(op_and64_lsr),
    A64_THREADED(op_and32_lsr),
    A64_THREADED(op_orr64_lsr),
    A64_THREADED(op_orr32_lsr),
    A64_THREADED(op_eor64_lsr),
    A64_THREADED(op_eor32_lsr),
    A64_THREADED(op_ands64_lsr),
    A64_THREADED(op_ands32_lsr),
    A64_THREADED(op_and64_asr),
    A64_THREADED(op_and32_asr),
    A64_THREADED(op_orr64_asr),
    A64_THREADED(op_orr32_asr),
    A64_THREADED(op_eor64_asr),
    A64_THREADED(op_eor32_asr),
    A64_THREADED(op_ands64_asr),
    A64_THREADED(op_ands32_asr),
    A64_THREADED(op_and64_ror),
    A64_THREADED(op_and32_ror),
    A64_THREADED(op_orr64_ror),
    A64_THREADED(op_orr32_ror),
    A64_THREADED(op_eor64_ror),
    A64_THREADED(op_eor32_ror),
    A64_THREADED(op_ands64_ror),
    A64_THREADED(op_ands32_ror),
    A64_THREADED(op_and64_0),
    A64_THREADED(op_and32_0),
    A64_THREADED(op_orr64_0),
    A64_THREADED(op_orr32_0),
    A64_THREADED(op_eor64_0),
    A64_THREADED(op_eor32_0),
    A64_THREADED(op_ands64_0),
    A64_THREADED(op_ands32_0),
    A64_THREADED(op_add64_lsl),
    A64_THREADED(op_add32_lsl),
    A64_THREADED(op_adds64_lsl),
    A64_THREADED(op_adds32_lsl),
    A64_THREADED(op_subs64_lsl),
    A64_THREADED(op_subs32_lsl),
    A64_THREADED(op_add64_lsr),
    A64_THREADED(op_add32_lsr),
    A64_THREADED(op_adds64_lsr),
    A64_THREADED(op_adds32_lsr),
    A64_THREADED(op_subs64_lsr),
    A64_THREADED(op_subs32_lsr),
    A64_THREADED(op_add64_asr),
    A64_THREADED(op_add32_asr),
    A64_THREADED(op_adds64_asr),
    A64_THREADED(op_adds32_asr),
    A64_THREADED(op_subs64_asr),
    A64_THREADED(op_subs32_asr),
    A64_THREADED(op_adds64_0),
    A64_THREADED(op_adds32_0),
    A64_THREADED(op_subs64_0),
    A64_THREADED(op_subs32_0),
    A64_THREADED(op_addr64),
    A64_THREADED(op_addr32),
    A64_THREADED(op_subr64),
    A64_THREADED(op_subr32),
    A64_THREADED(op_add_ext64),
    A64_THREADED(op_add_ext32),
    A64_THREADED(op_adds_ext64),
    A64_THREADED(op_adds_ext32),
    A64_THREADED(op_adc64),
    A64_THREADED(op_adc32),
    A64_THREADED(op_adcs64),
    A64_THREADED(op_adcs32),
    {NULL, NULL},
};

/* ---- lazy NZCV (a64_cpu.h) ------------------------------------------------ */

/* NZCV of AddWithCarry(x, y, cin) at `bits` (Arm ARM J1). */
static uint32_t awc_flags(uint64_t x, uint64_t y, unsigned cin, unsigned bits)
{
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1, top = bits - 1;
    x &= mask, y &= mask;
    uint64_t r = (x + y + cin) & mask;
    uint64_t carry = (((x & y) | ((x | y) & ~r)) >> top) & 1;
    uint64_t ovf = (((x ^ r) & (y ^ r)) >> top) & 1;
    return (uint32_t)(((r >> top) & 1) << 31 | (uint64_t)(r == 0) << 30 | carry << 29 | ovf << 28);
}

uint32_t a64_nzcv_of(const struct a64_cpu *c)
{
    uint64_t a = c->lf_a, b = c->lf_b;
    switch ((enum a64_lazy_flags)c->lf_op) {
    case A64_LF_SUB64: /* x - y = x + NOT(y) + 1 */
        return awc_flags(a, ~b, 1, 64);
    case A64_LF_SUB32:
        return awc_flags(a, ~b, 1, 32);
    case A64_LF_ADD64:
        return awc_flags(a, b, 0, 64);
    case A64_LF_ADD32:
        return awc_flags(a, b, 0, 32);
    case A64_LF_LOGIC64:
        return (uint32_t)((a >> 63) << 31) | (uint32_t)(a == 0) << 30;
    case A64_LF_LOGIC32:
        return (uint32_t)(((uint32_t)a >> 31) << 31) | (uint32_t)((uint32_t)a == 0) << 30;
    case A64_LF_NONE:
        break;
    }
    return c->nzcv;
}

void a64_flags_materialize(struct a64_cpu *c)
{
    a64_set_nzcv(c, a64_nzcv_of(c));
}
