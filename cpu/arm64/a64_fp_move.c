/* cpu/arm64/a64_fp_move.c: moves into, out of and between the SIMD&FP
 * registers (no floating-point arithmetic: that is a later issue, and its
 * encodings stay in the table's not-implemented group).
 *
 * FMOV (general), FMOV (register), FMOV (scalar, immediate); the Advanced
 * SIMD modified immediates MOVI, MVNI, ORR, BIC (vector, immediate) and
 * FMOV (vector, immediate); DUP (element, general), DUP (element) scalar
 * (MOV scalar), INS (element, general) (MOV), UMOV, SMOV (MOV to general);
 * the bitwise AND, BIC, ORR (MOV vector), ORN, EOR, BSL, BIT, BIF; EXT.
 *
 * Each handler first checks CPACR_EL1.FPEN (a64_fp_enabled).  FEAT_FP16 is
 * not in the modelled CPU (ID_AA64PFR0_EL1.FP = 0), so the half-precision
 * forms are UNDEFINED.  Operands: d, n, m are V register numbers, or
 * register-file indices for a general register (XZR resolved as usual).
 * A result narrower than 128 bits zeroes the rest of the register
 * (Arm ARM C7.2: writes to V[] of fewer bits than the register zero the
 * upper bits).
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

#define FP_CHECK(c, i)                                                                    \
    do {                                                                                  \
        if (!a64_fp_enabled(c))                                                           \
            return a64_fp_trap(c, i);                                                     \
    } while (0)

static inline uint8_t *vreg(struct a64_cpu *c, unsigned r)
{
    return (uint8_t *)c->fp.v[r & 31];
}

static inline void vset(struct a64_cpu *c, unsigned r, uint64_t lo, uint64_t hi)
{
    c->fp.v[r][0] = lo;
    c->fp.v[r][1] = hi;
}

/* ---- FMOV (general), C7.2 "FMOV (general)" --------------------------------- */
/* p0: 0 Wd <- Sn, 1 Sd <- Wn, 2 Xd <- Dn, 3 Dd <- Xn, 4 Xd <- Vn.D[1],
 * 5 Vd.D[1] <- Xn (the low half is kept). */

static int op_fmov_gen(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    switch (i->p0) {
    case 0:
        c->x[i->d] = (uint32_t)c->fp.v[i->n][0];
        break;
    case 1:
        vset(c, i->d, (uint32_t)c->x[i->n], 0);
        break;
    case 2:
        c->x[i->d] = c->fp.v[i->n][0];
        break;
    case 3:
        vset(c, i->d, c->x[i->n], 0);
        break;
    case 4:
        c->x[i->d] = c->fp.v[i->n][1];
        break;
    default:
        c->fp.v[i->d][1] = c->x[i->n];
        break;
    }
    return A64_NEXT;
}

/* sf (31), ftype (23:22), rmode (20:19), opcode (18:16) with opcode 11x:
 * the allocated combinations are sf:ftype:rmode 0:00:00 (W, S), 1:01:00
 * (X, D) and 1:10:01 (X, V.D[1]); ftype 11 is FEAT_FP16 (UNDEFINED here);
 * everything else is unallocated. */
bool a64_dec_fmov_gen(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned sf = w >> 31, ftype = a64_bits(w, 23, 22), rmode = a64_bits(w, 20, 19);
    bool to_fp = w & (1u << 16);
    unsigned kind;
    if (!sf && ftype == 0 && rmode == 0)
        kind = 0;
    else if (sf && ftype == 1 && rmode == 0)
        kind = 2;
    else if (sf && ftype == 2 && rmode == 1)
        kind = 4;
    else
        return false;
    in->p0 = (uint8_t)(kind + to_fp);
    unsigned rd = w & 31, rn = a64_bits(w, 9, 5);
    in->d = (uint8_t)(to_fp ? rd : a64_rzd(rd));
    in->n = (uint8_t)(to_fp ? a64_rz(rn) : rn);
    in->fn = op_fmov_gen;
    return true;
}

/* ---- FMOV (register), FMOV (scalar, immediate) --------------------------- */

static int op_fmov_s(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    vset(c, i->d, (uint32_t)c->fp.v[i->n][0], 0);
    return A64_NEXT;
}

static int op_fmov_d(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    vset(c, i->d, c->fp.v[i->n][0], 0);
    return A64_NEXT;
}

/* ftype 00 S, 01 D, 11 H (FEAT_FP16: UNDEFINED), 10 unallocated. */
bool a64_dec_fmov_reg(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned ftype = a64_bits(w, 23, 22);
    if (ftype > 1)
        return false;
    in->d = (uint8_t)(w & 31);
    in->n = (uint8_t)a64_bits(w, 9, 5);
    in->fn = ftype ? op_fmov_d : op_fmov_s;
    return true;
}

/* V[d] = imm (low half), 0 (high half). */
static int op_vmovi_scalar(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    vset(c, i->d, i->imm, 0);
    return A64_NEXT;
}

/* VFPExpandImm() (Arm ARM J1 shared pseudocode) for 32 (E = 8, F = 23) or
 * 64 bits (E = 11, F = 52): sign = imm8<7>, exponent = NOT(imm8<6>) :
 * Replicate(imm8<6>, E-3) : imm8<5:4>, fraction = imm8<3:0> : Zeros(F-4). */
static uint64_t vfp_expand_imm(unsigned imm8, bool dbl)
{
    uint64_t sign = imm8 >> 7, b6 = (imm8 >> 6) & 1, e54 = (imm8 >> 4) & 3, f = imm8 & 15;
    if (!dbl) {
        uint64_t exp = (b6 ^ 1) << 7 | (b6 ? 0x1fu : 0) << 2 | e54;
        return sign << 31 | exp << 23 | f << 19;
    }
    uint64_t exp = (b6 ^ 1) << 10 | (b6 ? 0xffu : 0) << 2 | e54;
    return sign << 63 | exp << 52 | f << 48;
}

/* FMOV (scalar, immediate): M:S = 00, imm5 (9:5) must be 0; ftype as FMOV
 * (register). */
bool a64_dec_fmov_imm(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned ftype = a64_bits(w, 23, 22);
    if (ftype > 1 || a64_bits(w, 9, 5) != 0)
        return false;
    in->d = (uint8_t)(w & 31);
    in->imm = vfp_expand_imm(a64_bits(w, 20, 13), ftype == 1);
    in->fn = op_vmovi_scalar;
    return true;
}

/* ---- Advanced SIMD modified immediate (C4.1.x, "Advanced SIMD modified
 * immediate"; C7.2 "MOVI", "MVNI", "ORR (vector, immediate)", "BIC (vector,
 * immediate)", "FMOV (vector, immediate)") --------------------------------- */
/* imm = the 64-bit pattern (already inverted for MVNI and BIC), repeated
 * in both halves; p3 = Q. */

static int op_vimm_mov(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    vset(c, i->d, i->imm, i->p3 ? i->imm : 0);
    return A64_NEXT;
}

static int op_vimm_orr(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    uint64_t *v = c->fp.v[i->d];
    vset(c, i->d, v[0] | i->imm, i->p3 ? v[1] | i->imm : 0);
    return A64_NEXT;
}

static int op_vimm_and(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    uint64_t *v = c->fp.v[i->d];
    vset(c, i->d, v[0] & i->imm, i->p3 ? v[1] & i->imm : 0);
    return A64_NEXT;
}

static uint64_t rep32(uint64_t v)
{
    return (v & 0xffffffffu) * 0x100000001ULL;
}

static uint64_t rep16(uint64_t v)
{
    return (v & 0xffff) * 0x0001000100010001ULL;
}

/* AdvSIMDExpandImm(op, cmode, imm8) (J1 shared pseudocode). */
static uint64_t advsimd_expand_imm(unsigned op, unsigned cmode, uint64_t imm8)
{
    switch (cmode >> 1) {
    case 0:
        return rep32(imm8);
    case 1:
        return rep32(imm8 << 8);
    case 2:
        return rep32(imm8 << 16);
    case 3:
        return rep32(imm8 << 24);
    case 4:
        return rep16(imm8);
    case 5:
        return rep16(imm8 << 8);
    case 6:
        return (cmode & 1) ? rep32(imm8 << 16 | 0xffff) : rep32(imm8 << 8 | 0xff);
    default:
        break;
    }
    if (!(cmode & 1) && !op)
        return imm8 * 0x0101010101010101ULL;
    if (!(cmode & 1)) { /* each bit of imm8 becomes a byte of ones or zeros */
        uint64_t r = 0;
        for (unsigned k = 0; k < 8; k++)
            if ((imm8 >> k) & 1)
                r |= 0xffULL << (8 * k);
        return r;
    }
    if (!op)
        return rep32(vfp_expand_imm((unsigned)imm8, false));
    return vfp_expand_imm((unsigned)imm8, true);
}

/* Q (30), op (29), a:b:c (18:16), cmode (15:12), o2 (11), d:e:f:g:h (9:5).
 * o2 = 1 is FMOV (vector, immediate) half-precision with op:cmode =
 * 0:1111 (FEAT_FP16: UNDEFINED here) and unallocated otherwise; op:cmode
 * 1:1111 with Q = 0 is unallocated. */
bool a64_dec_simd_modimm(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned q = (w >> 30) & 1, op = (w >> 29) & 1, cmode = a64_bits(w, 15, 12);
    if ((w >> 11) & 1)
        return false;
    if (op && cmode == 15 && !q)
        return false;
    uint64_t imm8 = a64_bits(w, 18, 16) << 5 | a64_bits(w, 9, 5);
    uint64_t imm = advsimd_expand_imm(op, cmode, imm8);
    in->d = (uint8_t)(w & 31);
    in->p3 = (uint8_t)q;
    /* Which operation (C4.1, the modified-immediate table): cmode 0xx1 and
     * 10x1 are ORR (op 0) or BIC (op 1); 1110 and 1111 are moves whatever
     * op is; the other cmodes are MOVI (op 0) or MVNI (op 1). */
    bool logical = (cmode & 1) && cmode < 12;
    if (logical) {
        in->imm = op ? ~imm : imm;
        in->fn = op ? op_vimm_and : op_vimm_orr;
    } else {
        in->imm = (op && cmode < 14) ? ~imm : imm;
        in->fn = op_vimm_mov;
    }
    return true;
}

/* ---- Advanced SIMD copy (C4.1.x, "Advanced SIMD copy") -------------------- */
/* p0 = log2 of the element size in bytes, p1 = destination (or source)
 * lane, p2 = source lane (INS element), p3 = Q. */

/* Replicates `eb` bytes at src over the arrangement (8 or 16 bytes). */
static void replicate(struct a64_cpu *c, unsigned d, const void *src, unsigned eb, bool q)
{
    uint8_t tmp[16] = {0};
    for (unsigned k = 0; k < (q ? 16u : 8u); k += eb)
        memcpy(tmp + k, src, eb);
    memcpy(vreg(c, d), tmp, 16);
}

static int op_dup_elem(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    unsigned eb = 1u << i->p0;
    uint8_t e[8];
    memcpy(e, vreg(c, i->n) + i->p2 * eb, eb);
    replicate(c, i->d, e, eb, i->p3);
    return A64_NEXT;
}

static int op_dup_gen(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    uint64_t v = c->x[i->n];
    replicate(c, i->d, &v, 1u << i->p0, i->p3);
    return A64_NEXT;
}

static int op_ins_gen(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    unsigned eb = 1u << i->p0;
    uint64_t v = c->x[i->n];
    memcpy(vreg(c, i->d) + i->p1 * eb, &v, eb);
    return A64_NEXT;
}

static int op_ins_elem(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    unsigned eb = 1u << i->p0;
    uint8_t e[8];
    memcpy(e, vreg(c, i->n) + i->p2 * eb, eb);
    memcpy(vreg(c, i->d) + i->p1 * eb, e, eb);
    return A64_NEXT;
}

static int op_umov(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    unsigned eb = 1u << i->p0;
    uint64_t v = 0;
    memcpy(&v, vreg(c, i->n) + i->p2 * eb, eb);
    c->x[i->d] = v;
    return A64_NEXT;
}

/* SMOV: sign-extended to 32 bits (Wd, upper half zero) or 64 bits (Xd). */
static int op_smov(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    unsigned eb = 1u << i->p0;
    uint64_t v = 0;
    memcpy(&v, vreg(c, i->n) + i->p2 * eb, eb);
    v = a64_sext(v, 8 * eb);
    c->x[i->d] = i->p3 ? v : (uint32_t)v;
    return A64_NEXT;
}

/* Q (30), op (29), imm5 (20:16), imm4 (14:11).  size = LowestSetBit(imm5)
 * (imm5 = x0000 is reserved: UNDEFINED); the lane is imm5<4:size+1>, and
 * for INS (element) the source lane imm4<3:size>.  Allocated: op 0 with
 * imm4 0000 DUP (element), 0001 DUP (general), 0011 INS (general, Q = 1),
 * 0101 SMOV, 0111 UMOV; op 1 (Q = 1) INS (element).  DUP with the 1D
 * arrangement (size 3, Q 0) is reserved; SMOV allows B, H (and S for Xd);
 * UMOV allows B, H, S to Wd and D to Xd only (C7.2, "DUP", "SMOV",
 * "UMOV"). */
bool a64_dec_simd_copy(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned q = (w >> 30) & 1, op = (w >> 29) & 1, imm5 = a64_bits(w, 20, 16);
    unsigned imm4 = a64_bits(w, 14, 11), rd = w & 31, rn = a64_bits(w, 9, 5);
    if (!(imm5 & 15))
        return false;
    unsigned size = (unsigned)__builtin_ctz(imm5);
    in->p0 = (uint8_t)size;
    in->p1 = (uint8_t)(imm5 >> (size + 1));
    in->p2 = (uint8_t)(imm5 >> (size + 1)); /* the lane read by DUP/UMOV/SMOV */
    in->p3 = (uint8_t)q;
    in->d = (uint8_t)rd;
    in->n = (uint8_t)rn;
    if (op) {
        if (!q)
            return false;
        in->p2 = (uint8_t)(imm4 >> size);
        in->fn = op_ins_elem;
        return true;
    }
    switch (imm4) {
    case 0: /* DUP (element) */
        if (size == 3 && !q)
            return false;
        in->fn = op_dup_elem;
        return true;
    case 1: /* DUP (general) */
        if (size == 3 && !q)
            return false;
        in->n = a64_rz(rn);
        in->fn = op_dup_gen;
        return true;
    case 3: /* INS (general) */
        if (!q)
            return false;
        in->n = a64_rz(rn);
        in->fn = op_ins_gen;
        return true;
    case 5: /* SMOV */
        if (size > (q ? 2u : 1u))
            return false;
        in->d = a64_rzd(rd);
        in->fn = op_smov;
        return true;
    case 7: /* UMOV */
        if (q ? size != 3 : size > 2)
            return false;
        in->d = a64_rzd(rd);
        in->fn = op_umov;
        return true;
    default:
        return false;
    }
}

/* DUP (element), scalar (the MOV (scalar) alias): Vd = the element, zero
 * extended to 128 bits.  "Advanced SIMD scalar copy" (op 29, imm4 14:11)
 * allocates only op 0, imm4 0000. */
static int op_dup_scalar(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    unsigned eb = 1u << i->p0;
    uint64_t v = 0;
    memcpy(&v, vreg(c, i->n) + i->p2 * eb, eb);
    vset(c, i->d, v, 0);
    return A64_NEXT;
}

bool a64_dec_simd_scalar_copy(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned imm5 = a64_bits(w, 20, 16);
    if (!(imm5 & 15) || ((w >> 29) & 1) || a64_bits(w, 14, 11) != 0)
        return false;
    unsigned size = (unsigned)__builtin_ctz(imm5);
    in->p0 = (uint8_t)size;
    in->p2 = (uint8_t)(imm5 >> (size + 1));
    in->d = (uint8_t)(w & 31);
    in->n = (uint8_t)a64_bits(w, 9, 5);
    in->fn = op_dup_scalar;
    return true;
}

/* ---- bitwise (Advanced SIMD three same, opcode 00011) ---------------------- */
/* p0 = U:size: AND, BIC, ORR, ORN, EOR, BSL, BIT, BIF; p3 = Q.  The
 * inserts follow the Arm ARM's single formula (C7.2, "BSL"):
 * V[d] = op1 EOR ((op2 EOR V[n]) AND op3), with BSL op1 = op2 = V[m],
 * op3 = V[d]; BIT op1 = op2 = V[d], op3 = V[m]; BIF the same with op3 =
 * NOT V[m]. */

static int op_vlogic(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    uint64_t r[2];
    for (int k = 0; k < 2; k++) {
        uint64_t n = c->fp.v[i->n][k], m = c->fp.v[i->m][k], d = c->fp.v[i->d][k];
        switch (i->p0) {
        case 0: r[k] = n & m; break;
        case 1: r[k] = n & ~m; break;
        case 2: r[k] = n | m; break;
        case 3: r[k] = n | ~m; break;
        case 4: r[k] = n ^ m; break;
        case 5: r[k] = m ^ ((m ^ n) & d); break;
        case 6: r[k] = d ^ ((d ^ n) & m); break;
        default: r[k] = d ^ ((d ^ n) & ~m); break;
        }
    }
    vset(c, i->d, r[0], i->p3 ? r[1] : 0);
    return A64_NEXT;
}

bool a64_dec_simd_logic(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    in->p0 = (uint8_t)(((w >> 29) & 1) << 2 | a64_bits(w, 23, 22));
    in->p3 = (uint8_t)((w >> 30) & 1);
    in->d = (uint8_t)(w & 31);
    in->n = (uint8_t)a64_bits(w, 9, 5);
    in->m = (uint8_t)a64_bits(w, 20, 16);
    in->fn = op_vlogic;
    return true;
}

/* ---- EXT (C7.2, "EXT") -------------------------------------------------------- */
/* The bytes from position imm4 of Vm:Vn (each of the arrangement's size),
 * p0 = imm4, p3 = Q. */
static int op_ext(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_CHECK(c, i);
    unsigned bytes = i->p3 ? 16 : 8;
    uint8_t cat[32], r[16] = {0};
    memcpy(cat, vreg(c, i->n), bytes);
    memcpy(cat + bytes, vreg(c, i->m), bytes);
    memcpy(r, cat + i->p0, bytes);
    memcpy(vreg(c, i->d), r, 16);
    return A64_NEXT;
}

/* "Advanced SIMD extract": op2 (23:22) other than 00 is unallocated, and
 * Q = 0 with imm4<3> = 1 is reserved (UNDEFINED). */
bool a64_dec_ext(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned q = (w >> 30) & 1, imm4 = a64_bits(w, 14, 11);
    if (a64_bits(w, 23, 22) != 0 || (!q && (imm4 & 8)))
        return false;
    in->p0 = (uint8_t)imm4;
    in->p3 = (uint8_t)q;
    in->d = (uint8_t)(w & 31);
    in->n = (uint8_t)a64_bits(w, 9, 5);
    in->m = (uint8_t)a64_bits(w, 20, 16);
    in->fn = op_ext;
    return true;
}
