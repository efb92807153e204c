/* cpu/arm64/a64_dp_reg.c: conditional, multiply, divide and CRC instructions.
 *
 * CSEL/CSINC/CSINV/CSNEG (and CSET, CSETM, CINC, CINV, CNEG), CCMP/CCMN
 * (immediate and register), the 3-source MADD/MSUB/SMADDL/SMSUBL/UMADDL/
 * UMSUBL/SMULH/UMULH (MUL, MNEG, SMULL, UMULL...), and the 2-source UDIV,
 * SDIV and CRC32{B,H,W,X}/CRC32C{B,H,W,X}; the 2-source shifts live with the
 * other bit operations (a64_bitfield.c).
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

/* ---- conditional select: result = cond ? Rn : (Rm XOR imm) + p1 ---------- */

/* CSEL (imm 0, p1 0), CSINC (0, 1), CSINV (~0, 0), CSNEG (~0, 1): C6.2
 * "CSNEG": NOT(op2) + 1. */
static int op_csel64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = a64_cond(c, i->p0) ? c->x[i->n] : (c->x[i->m] ^ i->imm) + i->p1;
    return A64_NEXT;
}

static int op_csel32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(a64_cond(c, i->p0) ? c->x[i->n] : (c->x[i->m] ^ i->imm) + i->p1);
    return A64_NEXT;
}

bool a64_dec_csel(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31, inv = (w >> 30) & 1, inc = (w >> 10) & 1;
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (uint8_t)a64_bits(w, 15, 12);
    in->imm = inv ? ~0ULL : 0;
    in->p1 = inc;
    in->fn = sf ? op_csel64 : op_csel32;
    return true;
}

/* ---- CCMP, CCMN: if cond, the flags of Rn + (op2 XOR imm) + p3, else #nzcv
 * (p1, in bits 31:28).  The immediate forms read their operand from imm2
 * (m = XZR, so c->x[m] is 0). */

static int op_ccmp64(struct a64_cpu *c, const struct a64_insn *i)
{
    if (a64_cond(c, i->p0))
        a64_adds64(c, c->x[i->n], (c->x[i->m] | i->imm2) ^ i->imm, i->p3);
    else
        a64_set_nzcv(c, (uint32_t)i->p1 << 28);
    return A64_NEXT;
}

static int op_ccmp32(struct a64_cpu *c, const struct a64_insn *i)
{
    if (a64_cond(c, i->p0))
        a64_adds32(c, (uint32_t)c->x[i->n], (uint32_t)((c->x[i->m] | i->imm2) ^ i->imm), i->p3);
    else
        a64_set_nzcv(c, (uint32_t)i->p1 << 28);
    return A64_NEXT;
}

/* CCMN is op 0 (bit 30), CCMP op 1 (subtraction: NOT(op2), carry 1). */
bool a64_dec_ccmp(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31, sub = (w >> 30) & 1, imm_form = (w >> 11) & 1;
    in->n = a64_rz(a64_bits(w, 9, 5));
    if (imm_form) {
        in->m = A64_XZR;
        in->imm2 = a64_bits(w, 20, 16);
    } else {
        in->m = a64_rz(a64_bits(w, 20, 16));
    }
    in->p0 = (uint8_t)a64_bits(w, 15, 12);
    in->p1 = (uint8_t)(w & 15);
    in->imm = sub ? ~0ULL : 0;
    in->p3 = sub;
    in->fn = sf ? op_ccmp64 : op_ccmp32;
    return true;
}

/* ---- 3-source: d = a +/- n * m ------------------------------------------ */

static int op_madd64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->a] + c->x[i->n] * c->x[i->m];
    return A64_NEXT;
}
static int op_msub64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->a] - c->x[i->n] * c->x[i->m];
    return A64_NEXT;
}
static int op_madd32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->a] + c->x[i->n] * c->x[i->m]);
    return A64_NEXT;
}
static int op_msub32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)(c->x[i->a] - c->x[i->n] * c->x[i->m]);
    return A64_NEXT;
}
/* The long forms multiply the 32-bit Wn, Wm (extended) into 64 bits. */
static int op_smaddl(struct a64_cpu *c, const struct a64_insn *i)
{
    int64_t p = (int64_t)(int32_t)c->x[i->n] * (int32_t)c->x[i->m];
    c->x[i->d] = c->x[i->a] + (uint64_t)p;
    return A64_NEXT;
}
static int op_smsubl(struct a64_cpu *c, const struct a64_insn *i)
{
    int64_t p = (int64_t)(int32_t)c->x[i->n] * (int32_t)c->x[i->m];
    c->x[i->d] = c->x[i->a] - (uint64_t)p;
    return A64_NEXT;
}
static int op_umaddl(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->a] + (uint64_t)(uint32_t)c->x[i->n] * (uint32_t)c->x[i->m];
    return A64_NEXT;
}
static int op_umsubl(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->a] - (uint64_t)(uint32_t)c->x[i->n] * (uint32_t)c->x[i->m];
    return A64_NEXT;
}
static int op_smulh(struct a64_cpu *c, const struct a64_insn *i)
{
    __int128 p = (__int128)(int64_t)c->x[i->n] * (int64_t)c->x[i->m];
    c->x[i->d] = (uint64_t)((unsigned __int128)p >> 64);
    return A64_NEXT;
}
static int op_umulh(struct a64_cpu *c, const struct a64_insn *i)
{
    unsigned __int128 p = (unsigned __int128)c->x[i->n] * c->x[i->m];
    c->x[i->d] = (uint64_t)(p >> 64);
    return A64_NEXT;
}

/* op31 (bits 23:21) and o0 (bit 15); the table fixes op54 = 00.  Only
 * MADD/MSUB exist in 32 bits.  SMULH/UMULH ignore Ra (should be 31). */
bool a64_dec_dp_3src(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    static const a64_handler fns[8][2] = {
        {op_madd64, op_msub64}, {op_smaddl, op_smsubl}, {op_smulh, NULL}, {NULL, NULL},
        {NULL, NULL},           {op_umaddl, op_umsubl}, {op_umulh, NULL}, {NULL, NULL},
    };
    bool sf = w >> 31, o0 = (w >> 15) & 1;
    unsigned op31 = a64_bits(w, 23, 21);
    a64_handler fn = fns[op31][o0];
    if (!fn || (!sf && op31 != 0))
        return false;
    if (!sf)
        fn = o0 ? op_msub32 : op_madd32;
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->a = a64_rz(a64_bits(w, 14, 10));
    in->fn = fn;
    return true;
}

/* ---- UDIV, SDIV: division by zero gives 0 (C6.2 "SDIV": the result is
 * RoundTowardsZero(n / m), with 0 for m = 0); INT_MIN / -1 overflows to
 * INT_MIN (the pseudocode's integer result truncated to datasize). */

static int op_udiv64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t m = c->x[i->m];
    c->x[i->d] = m ? c->x[i->n] / m : 0;
    return A64_NEXT;
}
static int op_udiv32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t m = (uint32_t)c->x[i->m];
    c->x[i->d] = m ? (uint32_t)c->x[i->n] / m : 0;
    return A64_NEXT;
}
static int op_sdiv64(struct a64_cpu *c, const struct a64_insn *i)
{
    int64_t n = (int64_t)c->x[i->n], m = (int64_t)c->x[i->m];
    if (m == 0)
        c->x[i->d] = 0;
    else if (m == -1)
        c->x[i->d] = 0 - (uint64_t)n; /* INT64_MIN stays INT64_MIN */
    else
        c->x[i->d] = (uint64_t)(n / m);
    return A64_NEXT;
}
static int op_sdiv32(struct a64_cpu *c, const struct a64_insn *i)
{
    int32_t n = (int32_t)c->x[i->n], m = (int32_t)c->x[i->m];
    if (m == 0)
        c->x[i->d] = 0;
    else if (m == -1)
        c->x[i->d] = (uint32_t)(0 - (uint32_t)n);
    else
        c->x[i->d] = (uint32_t)(n / m);
    return A64_NEXT;
}

/* ---- CRC32, CRC32C (C6.2 "CRC32B, CRC32H, CRC32W, CRC32X"): the reflected
 * CRC of the low 8 << sz bits of Rm, starting from Wn, without the initial
 * and final inversions; p0 = bytes.  The pseudocode's BitReverse/
 * Poly32Mod2 formulation equals the reflected bytewise update below with
 * the reversed polynomials 0xEDB88320 (CRC-32) and 0x82F63B78 (CRC-32C). */

static inline uint32_t crc_update(uint32_t crc, uint64_t data, unsigned bytes, uint32_t poly)
{
    for (unsigned b = 0; b < bytes; b++) {
        crc ^= (uint8_t)(data >> (8 * b));
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (poly & (0u - (crc & 1)));
    }
    return crc;
}

static int op_crc32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = crc_update((uint32_t)c->x[i->n], c->x[i->m], i->p0, 0xEDB88320u);
    return A64_NEXT;
}
static int op_crc32c(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = crc_update((uint32_t)c->x[i->n], c->x[i->m], i->p0, 0x82F63B78u);
    return A64_NEXT;
}

/* Data-processing (2 source), S = 0 (the table fixes it): opcode 000010
 * UDIV, 000011 SDIV, 0010xx LSLV/LSRV/ASRV/RORV, 010xxx CRC32 (bit 2: C,
 * bits 1:0: sz; CRC32X/CX need sf = 1, the others sf = 0).  The rest
 * (FEAT_MTE's IRG/GMI/SUBP, FEAT_PAuth's PACGA, FEAT_CSSC) is UNDEFINED in
 * ARMv8.0. */
bool a64_dec_dp_2src(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31;
    unsigned opcode = a64_bits(w, 15, 10);
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    if (opcode == 2 || opcode == 3) {
        static const a64_handler div[2][2] = {{op_udiv32, op_sdiv32}, {op_udiv64, op_sdiv64}};
        in->fn = div[sf][opcode & 1];
        return true;
    }
    if ((opcode & ~3u) == 8) {
        in->fn = a64_shiftv_fns[sf][opcode & 3];
        return true;
    }
    if ((opcode & ~7u) == 16) {
        unsigned sz = opcode & 3;
        if (sf != (sz == 3))
            return false;
        in->p0 = (uint8_t)(1u << sz);
        in->fn = (opcode & 4) ? op_crc32c : op_crc32;
        return true;
    }
    return false;
}

/* ---- threaded twins (a64_cpu.h, "Threaded dispatch") ---------------- */

A64_THREAD(op_csel64)
A64_THREAD(op_csel32)
A64_THREAD(op_ccmp64)
A64_THREAD(op_ccmp32)
A64_THREAD(op_madd64)
A64_THREAD(op_msub64)
A64_THREAD(op_madd32)
A64_THREAD(op_msub32)
A64_THREAD(op_smaddl)
A64_THREAD(op_smsubl)
A64_THREAD(op_umaddl)
A64_THREAD(op_umsubl)
A64_THREAD(op_smulh)
A64_THREAD(op_umulh)
A64_THREAD(op_udiv64)
A64_THREAD(op_udiv32)
A64_THREAD(op_sdiv64)
A64_THREAD(op_sdiv32)
A64_THREAD(op_crc32)
A64_THREAD(op_crc32c)

const struct a64_threaded a64_dp_reg_threaded[] = {
    A64_THREADED(op_csel64),
    A64_THREADED(op_csel32),
    A64_THREADED(op_ccmp64),
    A64_THREADED(op_ccmp32),
    A64_THREADED(op_madd64),
    A64_THREADED(op_msub64),
    A64_THREADED(op_madd32),
    A64_THREADED(op_msub32),
    A64_THREADED(op_smaddl),
    A64_THREADED(op_smsubl),
    A64_THREADED(op_umaddl),
    A64_THREADED(op_umsubl),
    A64_THREADED(op_smulh),
    A64_THREADED(op_umulh),
    A64_THREADED(op_udiv64),
    A64_THREADED(op_udiv32),
    A64_THREADED(op_sdiv64),
    A64_THREADED(op_sdiv32),
    A64_THREADED(op_crc32),
    A64_THREADED(op_crc32c),
    {NULL, NULL},
};
