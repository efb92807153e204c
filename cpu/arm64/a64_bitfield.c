/* cpu/arm64/a64_bitfield.c: bitfield moves and bit manipulation.
 *
 * SBFM, BFM, UBFM (with their aliases LSL, LSR, ASR, SBFX, UBFX, SBFIZ,
 * UBFIZ, BFI, BFXIL, BFC, SXTB/SXTH/SXTW, UXTB/UXTH), EXTR (ROR immediate),
 * the variable shifts LSLV/LSRV/ASRV/RORV, and the 1-source RBIT, REV16,
 * REV32, REV, CLZ, CLS.
 *
 * The bitfield moves follow the pseudocode of C6.2 "SBFM"/"BFM"/"UBFM"
 * literally: the decoder computes DecodeBitMasks(N, imms, immr, FALSE)'s
 * wmask and tmask (imm, imm2) and R (p0), S (p1); the handler does
 *   bot = (dst AND NOT(wmask)) OR (ROR(src, R) AND wmask)
 *   top = extend ? Replicate(src<S>) : dst
 *   X[d] = (top AND NOT(tmask)) OR (bot AND tmask)
 * with dst = 0 for SBFM/UBFM and X[d] for BFM.  For the bitfield forms the
 * element size always equals the register size (N = sf, imms<5> = 0 in the
 * 32-bit forms), so R = immr, S = imms, and
 *   wmask = ROR(Ones(S+1), R), tmask = Ones(((S - R) MOD datasize) + 1).
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

/* ---- SBFM, BFM, UBFM ---------------------------------------------------- */

static inline uint64_t ror64(uint64_t v, unsigned r)
{
    return (v >> (r & 63)) | (v << ((64 - r) & 63));
}

static inline uint32_t ror32(uint32_t v, unsigned r)
{
    return (v >> (r & 31)) | (v << ((32 - r) & 31));
}

static int op_ubfm64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = ror64(c->x[i->n], i->p0) & i->imm & i->imm2;
    return A64_NEXT;
}

static int op_ubfm32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = ror32((uint32_t)c->x[i->n], i->p0) & (uint32_t)(i->imm & i->imm2);
    return A64_NEXT;
}

static int op_sbfm64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t src = c->x[i->n];
    uint64_t bot = ror64(src, i->p0) & i->imm;
    uint64_t top = ((src >> i->p1) & 1) ? ~0ULL : 0;
    c->x[i->d] = (top & ~i->imm2) | (bot & i->imm2);
    return A64_NEXT;
}

static int op_sbfm32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t src = (uint32_t)c->x[i->n];
    uint32_t bot = ror32(src, i->p0) & (uint32_t)i->imm;
    uint32_t top = ((src >> i->p1) & 1) ? ~0u : 0;
    c->x[i->d] = (top & ~(uint32_t)i->imm2) | (bot & (uint32_t)i->imm2);
    return A64_NEXT;
}

/* BFM reads its destination: d is the register (XZR when Rd is 31, and the
 * write then goes to the sink slot a). */
static int op_bfm64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t dst = c->x[i->d];
    uint64_t bot = (dst & ~i->imm) | (ror64(c->x[i->n], i->p0) & i->imm);
    c->x[i->a] = (dst & ~i->imm2) | (bot & i->imm2);
    return A64_NEXT;
}

static int op_bfm32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t dst = (uint32_t)c->x[i->d];
    uint32_t wmask = (uint32_t)i->imm, tmask = (uint32_t)i->imm2;
    uint32_t bot = (dst & ~wmask) | (ror32((uint32_t)c->x[i->n], i->p0) & wmask);
    c->x[i->a] = (dst & ~tmask) | (bot & tmask);
    return A64_NEXT;
}

static inline uint64_t ones(unsigned n) /* n in 1..64 */
{
    return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

bool a64_dec_bitfield(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31;
    unsigned opc = a64_bits(w, 30, 29), n = (w >> 22) & 1;
    unsigned immr = a64_bits(w, 21, 16), imms = a64_bits(w, 15, 10);
    unsigned size = sf ? 64 : 32;
    if (n != sf || (!sf && ((immr | imms) & 32)))
        return false; /* C6.2 "SBFM": N must equal sf; 32-bit: immr<5> = imms<5> = 0 */
    uint64_t wmask = ror64(ones(imms + 1), immr);
    if (!sf) /* ROR within 32 bits */
        wmask = ror32((uint32_t)ones(imms + 1), immr);
    in->imm = wmask;
    in->imm2 = ones(((imms - immr) & (size - 1)) + 1);
    in->p0 = (uint8_t)immr;
    in->p1 = (uint8_t)imms;
    in->n = a64_rz(a64_bits(w, 9, 5));
    if (opc == 1) { /* BFM */
        in->d = a64_rz(w & 31);
        in->a = a64_rzd(w & 31);
        in->fn = sf ? op_bfm64 : op_bfm32;
        return true;
    }
    in->d = a64_rzd(w & 31);
    in->fn = opc == 0 ? (sf ? op_sbfm64 : op_sbfm32) : (sf ? op_ubfm64 : op_ubfm32);
    return true;
}

/* ---- EXTR: (Rn:Rm) >> lsb; p0 = lsb ------------------------------------- */

static int op_extr64(struct a64_cpu *c, const struct a64_insn *i)
{
    unsigned lsb = i->p0;
    uint64_t lo = c->x[i->m];
    c->x[i->d] = lsb ? (lo >> lsb) | (c->x[i->n] << (64 - lsb)) : lo;
    return A64_NEXT;
}

static int op_extr32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t cat = (uint64_t)(uint32_t)c->x[i->n] << 32 | (uint32_t)c->x[i->m];
    c->x[i->d] = (uint32_t)(cat >> i->p0);
    return A64_NEXT;
}

/* C6.2 "EXTR": N must equal sf; the 32-bit form needs imms<5> = 0. */
bool a64_dec_extr(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool sf = w >> 31;
    unsigned n = (w >> 22) & 1, imms = a64_bits(w, 15, 10);
    if (n != sf || (!sf && imms >= 32))
        return false;
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (uint8_t)imms;
    in->fn = sf ? op_extr64 : op_extr32;
    return true;
}

/* ---- LSLV, LSRV, ASRV, RORV: the amount is Rm MOD datasize (C6.2 "LSLV") */

static int op_lslv64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] << (c->x[i->m] & 63);
    return A64_NEXT;
}
static int op_lsrv64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = c->x[i->n] >> (c->x[i->m] & 63);
    return A64_NEXT;
}
static int op_asrv64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint64_t)((int64_t)c->x[i->n] >> (c->x[i->m] & 63));
    return A64_NEXT;
}
static int op_rorv64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = ror64(c->x[i->n], (unsigned)(c->x[i->m] & 63));
    return A64_NEXT;
}
static int op_lslv32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)((uint32_t)c->x[i->n] << (c->x[i->m] & 31));
    return A64_NEXT;
}
static int op_lsrv32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)c->x[i->n] >> (c->x[i->m] & 31);
    return A64_NEXT;
}
static int op_asrv32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = (uint32_t)((int32_t)(uint32_t)c->x[i->n] >> (c->x[i->m] & 31));
    return A64_NEXT;
}
static int op_rorv32(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = ror32((uint32_t)c->x[i->n], (unsigned)(c->x[i->m] & 31));
    return A64_NEXT;
}

/* By sf, then op2 (bits 11:10 of the 2-source opcode 0010xx). */
const a64_handler a64_shiftv_fns[2][4] = {
    {op_lslv32, op_lsrv32, op_asrv32, op_rorv32},
    {op_lslv64, op_lsrv64, op_asrv64, op_rorv64},
};

/* ---- 1-source: RBIT, REV16, REV32, REV, CLZ, CLS ------------------------- */

static int op_rbit64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t v = c->x[i->n];
    v = (v >> 1 & 0x5555555555555555ULL) | (v & 0x5555555555555555ULL) << 1;
    v = (v >> 2 & 0x3333333333333333ULL) | (v & 0x3333333333333333ULL) << 2;
    v = (v >> 4 & 0x0f0f0f0f0f0f0f0fULL) | (v & 0x0f0f0f0f0f0f0f0fULL) << 4;
    c->x[i->d] = __builtin_bswap64(v);
    return A64_NEXT;
}
static int op_rbit32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t v = (uint32_t)c->x[i->n];
    v = (v >> 1 & 0x55555555u) | (v & 0x55555555u) << 1;
    v = (v >> 2 & 0x33333333u) | (v & 0x33333333u) << 2;
    v = (v >> 4 & 0x0f0f0f0fu) | (v & 0x0f0f0f0fu) << 4;
    c->x[i->d] = __builtin_bswap32(v);
    return A64_NEXT;
}
/* REV16: swap the bytes of each halfword (the 32-bit form sees only W). */
static int op_rev16_64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t v = c->x[i->n];
    c->x[i->d] = (v >> 8 & 0x00ff00ff00ff00ffULL) | (v & 0x00ff00ff00ff00ffULL) << 8;
    return A64_NEXT;
}
static int op_rev16_32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t v = (uint32_t)c->x[i->n];
    c->x[i->d] = (v >> 8 & 0x00ff00ffu) | (v & 0x00ff00ffu) << 8;
    return A64_NEXT;
}
static int op_rev32_64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t v = c->x[i->n];
    c->x[i->d] = (uint64_t)__builtin_bswap32((uint32_t)(v >> 32)) << 32 |
                 __builtin_bswap32((uint32_t)v);
    return A64_NEXT;
}
static int op_rev64(struct a64_cpu *c, const struct a64_insn *i)
{
    c->x[i->d] = __builtin_bswap64(c->x[i->n]);
    return A64_NEXT;
}
static int op_rev32(struct a64_cpu *c, const struct a64_insn *i) /* REV Wd, Wn */
{
    c->x[i->d] = __builtin_bswap32((uint32_t)c->x[i->n]);
    return A64_NEXT;
}
static int op_clz64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t v = c->x[i->n];
    c->x[i->d] = v ? (uint64_t)__builtin_clzll(v) : 64;
    return A64_NEXT;
}
static int op_clz32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t v = (uint32_t)c->x[i->n];
    c->x[i->d] = v ? (uint64_t)__builtin_clz(v) : 32;
    return A64_NEXT;
}
/* CLS: leading bits equal to the sign bit, not counting the sign bit itself
 * (C6.2 "CLS": CountLeadingZeroBits(x<N-1:1> EOR x<N-2:0>)). */
static int op_cls64(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t v = c->x[i->n];
    uint64_t t = (v ^ (v << 1)) | 1; /* bit 0 set: the count stops at 63 */
    c->x[i->d] = (uint64_t)__builtin_clzll(t);
    return A64_NEXT;
}
static int op_cls32(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t v = (uint32_t)c->x[i->n];
    uint32_t t = (v ^ (v << 1)) | 1;
    c->x[i->d] = (uint64_t)__builtin_clz(t);
    return A64_NEXT;
}

/* Data-processing (1 source), opcode2 = 00000 (the table fixes it and S):
 * opcode 000000 RBIT, 000001 REV16, 000010 REV32 (64-bit) or REV (32-bit),
 * 000011 REV (64-bit only), 000100 CLZ, 000101 CLS.  The rest (PAC with
 * opcode2 00001, FEAT_CSSC's ABS/CNT/CTZ) is not in ARMv8.0: UNDEFINED. */
bool a64_dec_dp_1src(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    static const a64_handler fns[2][6] = {
        {op_rbit32, op_rev16_32, op_rev32, NULL, op_clz32, op_cls32},
        {op_rbit64, op_rev16_64, op_rev32_64, op_rev64, op_clz64, op_cls64},
    };
    bool sf = w >> 31;
    unsigned opcode = a64_bits(w, 15, 10);
    if (opcode >= 6 || !fns[sf][opcode])
        return false;
    in->d = a64_rzd(w & 31);
    in->n = a64_rz(a64_bits(w, 9, 5));
    in->fn = fns[sf][opcode];
    return true;
}

/* ---- threaded twins (a64_cpu.h, "Threaded dispatch") ---------------- */

A64_THREAD(op_ubfm64)
A64_THREAD(op_ubfm32)
A64_THREAD(op_sbfm64)
A64_THREAD(op_sbfm32)
A64_THREAD(op_bfm64)
A64_THREAD(op_bfm32)
A64_THREAD(op_extr64)
A64_THREAD(op_extr32)
A64_THREAD(op_lslv64)
A64_THREAD(op_lsrv64)
A64_THREAD(op_asrv64)
A64_THREAD(op_rorv64)
A64_THREAD(op_lslv32)
A64_THREAD(op_lsrv32)
A64_THREAD(op_asrv32)
A64_THREAD(op_rorv32)
A64_THREAD(op_rbit64)
A64_THREAD(op_rbit32)
A64_THREAD(op_rev16_64)
A64_THREAD(op_rev16_32)
A64_THREAD(op_rev32_64)
A64_THREAD(op_rev64)
A64_THREAD(op_rev32)
A64_THREAD(op_clz64)
A64_THREAD(op_clz32)
A64_THREAD(op_cls64)
A64_THREAD(op_cls32)

const struct a64_threaded a64_bitfield_threaded[] = {
    A64_THREADED(op_ubfm64),
    A64_THREADED(op_ubfm32),
    A64_THREADED(op_sbfm64),
    A64_THREADED(op_sbfm32),
    A64_THREADED(op_bfm64),
    A64_THREADED(op_bfm32),
    A64_THREADED(op_extr64),
    A64_THREADED(op_extr32),
    A64_THREADED(op_lslv64),
    A64_THREADED(op_lsrv64),
    A64_THREADED(op_asrv64),
    A64_THREADED(op_rorv64),
    A64_THREADED(op_lslv32),
    A64_THREADED(op_lsrv32),
    A64_THREADED(op_asrv32),
    A64_THREADED(op_rorv32),
    A64_THREADED(op_rbit64),
    A64_THREADED(op_rbit32),
    A64_THREADED(op_rev16_64),
    A64_THREADED(op_rev16_32),
    A64_THREADED(op_rev32_64),
    A64_THREADED(op_rev64),
    A64_THREADED(op_rev32),
    A64_THREADED(op_clz64),
    A64_THREADED(op_clz32),
    A64_THREADED(op_cls64),
    A64_THREADED(op_cls32),
    {NULL, NULL},
};
