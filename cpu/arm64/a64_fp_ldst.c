/* cpu/arm64/a64_fp_ldst.c: loads and stores of the SIMD&FP registers.
 *
 * LDR/STR (immediate: unsigned offset, unscaled LDUR/STUR, pre/post-index;
 * register offset; literal) of B/H/S/D/Q, LDP/STP/LDNP/STNP of S/D/Q, and
 * the Advanced SIMD structure loads and stores: LD1-LD4/ST1-ST4 (multiple
 * structures), LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R, without
 * offset or post-indexed by an immediate or a register.
 *
 * Every one first checks CPACR_EL1.FPEN (a64_fp_enabled: the trap is taken
 * before anything else, as CheckFPAdvSIMDEnabled64() comes first in the
 * Arm ARM's pseudocode), then SP alignment when the base is SP.
 *
 * Operands: d = Vt, m = Vt2 (pairs) or the index register, n = base (SP
 * allowed; XZR for literals, whose absolute address is imm), a = the
 * register written back (A64_SINK when none), imm = offset of the access
 * from the base, imm2 = writeback offset, p3 = log2 of the access size.
 * Register offset: p0, p1, p2 as a64_extend_reg wants them.
 *
 * Memory: a whole instruction's bytes (up to 64) are copied at once between
 * guest memory and a buffer, and registers change only when every byte was
 * accessible; a failing store writes nothing.  Both are permitted behaviours
 * for an access that faults (Arm ARM B2.2, "Atomicity in the ordering
 * model": only the elements are single-copy atomic).
 *
 * Faults: translation faults become Data Aborts as for the integer path
 * (a64_data_abort with the walker's DFSC).  With SCTLR_EL1.A set, each
 * element must be aligned to its size (Q: 16, LDP D: 8, LD1 {V.4S}: 4),
 * else an Alignment fault (B2.5.2, "Alignment of data accesses").
 *
 * Non-RAM (MMIO): a KVM host cannot complete a SIMD&FP load or store to an
 * emulated device: the Data Abort syndrome has no valid instruction
 * syndrome for it (ISV is set only for general-purpose register accesses,
 * D17.2.37 "ISS encoding for an exception from a Data Abort"), and QEMU
 * with KVM then injects an external Data Abort into the guest.  squib does
 * the same: a synchronous external abort (DFSC 0x10, ISV = 0, FAR = the
 * address), never an MMIO exit.  An unaligned access to device memory is
 * an Alignment fault first, as for integer accesses.
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

static inline uint8_t *vreg(struct a64_cpu *c, unsigned r)
{
    return (uint8_t *)c->fp.v[r & 31];
}

static inline bool in_one_page(uint64_t addr, unsigned len)
{
    return (addr & (MMU_PAGE_SIZE - 1)) <= MMU_PAGE_SIZE - len;
}

/* The access reached memory that is not RAM (or read-only RAM, for a
 * store): an Alignment fault on device memory if unaligned, else the
 * external abort (see the top of the file). */
static __attribute__((noinline)) int not_ram(struct a64_cpu *c, const struct a64_insn *i,
                                             uint64_t va, unsigned esize, bool write)
{
    if ((va & (esize - 1)) && (!a64_mmu_on(c) || c->walk_device))
        return a64_data_abort(c, i, va, write, A64_FSC_ALIGN);
    return a64_data_abort(c, i, va, write, A64_FSC_EXT);
}

/* Copies `len` bytes between guest memory at `addr` and buf; `esize` is
 * the element size for alignment checks.  A64_NEXT, or the exception's
 * result. */
static int fp_copy(struct a64_cpu *c, const struct a64_insn *i, uint64_t addr, void *buf,
                   unsigned len, unsigned esize, bool write)
{
    if ((addr & (esize - 1)) && a64_align_fault(c, addr)) /* SCTLR_EL1.A, Device */
        return a64_data_abort(c, i, addr, write, A64_FSC_ALIGN);
    if (__builtin_expect(in_one_page(addr, len), 1)) {
        void *p = mmu_ptr(c->mmu, addr, write);
        if (p) {
            if (write)
                memcpy(p, buf, len);
            else
                memcpy(buf, p, len);
            return A64_NEXT;
        }
        if (c->mmu->miss_fault)
            return a64_data_abort(c, i, addr, write, -1);
        return not_ram(c, i, addr, esize, write);
    }
    /* Two pages (len <= 64): both must be RAM before anything is copied. */
    uint64_t hi = (addr + len - 1) & MMU_PAGE_MASK;
    bool lo_ram = mmu_ptr(c->mmu, addr, write) != NULL;
    if (!lo_ram && c->mmu->miss_fault)
        return a64_data_abort(c, i, addr, write, -1);
    if (!lo_ram)
        return not_ram(c, i, addr, esize, write);
    bool hi_ram = mmu_ptr(c->mmu, hi, write) != NULL;
    if (!hi_ram && c->mmu->miss_fault)
        return a64_data_abort(c, i, hi, write, -1);
    if (!hi_ram)
        return not_ram(c, i, hi, esize, write);
    bool ok = write ? mmu_write(c->mmu, addr, buf, len) : mmu_read(c->mmu, addr, buf, len);
    return ok ? A64_NEXT : not_ram(c, i, addr, esize, write);
}

/* CheckFPAdvSIMDEnabled64(), then CheckSPAlignment() for an SP base. */
#define FP_PROLOGUE(c, i)                                                                 \
    do {                                                                                  \
        if (!a64_fp_enabled(c))                                                           \
            return a64_fp_trap(c, i);                                                     \
        if ((i)->n == A64_SP && a64_sp_misaligned(c))                                     \
            return a64_sp_fault(c, i);                                                    \
    } while (0)

/* ---- single register ------------------------------------------------------ */

/* A scalar load writes the low `size` bytes and zeroes the rest of the
 * 128-bit register (Arm ARM C7.2, "LDR (immediate, SIMD&FP)": V[t] = data
 * of the access size, and a write of fewer than 128 bits to V[] zeroes the
 * upper bits). */
static inline int ld_at(struct a64_cpu *c, const struct a64_insn *i, uint64_t addr,
                        uint64_t wbval)
{
    unsigned size = 1u << i->p3;
    uint8_t buf[16] = {0};
    int r = fp_copy(c, i, addr, buf, size, size, false);
    if (r != A64_NEXT)
        return r;
    memcpy(vreg(c, i->d), buf, 16);
    c->x[i->a] = wbval;
    return A64_NEXT;
}

static inline int st_at(struct a64_cpu *c, const struct a64_insn *i, uint64_t addr,
                        uint64_t wbval)
{
    unsigned size = 1u << i->p3;
    int r = fp_copy(c, i, addr, vreg(c, i->d), size, size, true);
    if (r != A64_NEXT)
        return r;
    c->x[i->a] = wbval;
    return A64_NEXT;
}

static int op_ldr_fp(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_PROLOGUE(c, i);
    uint64_t base = c->x[i->n];
    return ld_at(c, i, base + i->imm, base + i->imm2);
}

static int op_str_fp(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_PROLOGUE(c, i);
    uint64_t base = c->x[i->n];
    return st_at(c, i, base + i->imm, base + i->imm2);
}

static int op_ldr_fp_r(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_PROLOGUE(c, i);
    return ld_at(c, i, c->x[i->n] + a64_extend_reg(c, i), 0);
}

static int op_str_fp_r(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_PROLOGUE(c, i);
    return st_at(c, i, c->x[i->n] + a64_extend_reg(c, i), 0);
}

/* size (31:30) and opc (23:22): opc<1> set selects the 128-bit Q form,
 * which only exists with size 00; opc<0> is L.  False if unallocated. */
static bool fp_common(struct a64_insn *in, uint32_t w, bool *load)
{
    unsigned size = a64_bits(w, 31, 30), opc = a64_bits(w, 23, 22);
    if ((opc & 2) && size != 0)
        return false;
    in->p3 = (uint8_t)((opc & 2) ? 4 : size);
    *load = opc & 1;
    in->d = (uint8_t)(w & 31);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->a = A64_SINK;
    return true;
}

/* LDR/STR (immediate, SIMD&FP), unsigned offset: imm12 scaled by the size. */
bool a64_dec_ldst_fp_uimm(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool load;
    if (!fp_common(in, w, &load))
        return false;
    in->imm = (uint64_t)a64_bits(w, 21, 10) << in->p3;
    in->fn = load ? op_ldr_fp : op_str_fp;
    return true;
}

/* LDUR/STUR (bits 11:10 = 00), post-index (01), pre-index (11): signed
 * imm9, unscaled.  The Vt register cannot overlap the base, so writeback
 * is unconditional. */
bool a64_dec_ldst_fp_imm9(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool load;
    unsigned form = a64_bits(w, 11, 10);
    if (form == 2 || !fp_common(in, w, &load))
        return false;
    uint64_t off = a64_sext(a64_bits(w, 20, 12), 9);
    in->imm = form == 1 ? 0 : off;
    in->imm2 = off;
    if (form != 0)
        in->a = in->n;
    in->fn = load ? op_ldr_fp : op_str_fp;
    return true;
}

/* Register offset: option UXTW (010), LSL (011), SXTW (110), SXTX (111);
 * S shifts the index by log2 of the size (4 for Q). */
bool a64_dec_ldst_fp_reg(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool load;
    unsigned option = a64_bits(w, 15, 13);
    if (!(option & 2) || !fp_common(in, w, &load))
        return false;
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (option & 1) ? 0 : 32;
    in->p1 = (option >> 2) & 1;
    in->p2 = (uint8_t)(((w >> 12) & 1) ? in->p3 : 0);
    in->fn = load ? op_ldr_fp_r : op_str_fp_r;
    return true;
}

/* LDR (literal, SIMD&FP): opc 00 S, 01 D, 10 Q, 11 unallocated. */
bool a64_dec_ldr_lit_fp(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    unsigned opc = a64_bits(w, 31, 30);
    if (opc == 3)
        return false;
    in->p3 = (uint8_t)(2 + opc);
    in->d = (uint8_t)(w & 31);
    in->n = A64_XZR;
    in->a = A64_SINK;
    in->imm = pc + a64_sext((uint64_t)a64_bits(w, 23, 5) << 2, 21);
    in->fn = op_ldr_fp;
    return true;
}

/* ---- pairs ------------------------------------------------------------------ */

/* LDP with Vt == Vt2 is CONSTRAINED UNPREDICTABLE (Unpredictable_LDPOVERLAP,
 * Arm ARM K1); Vt2 is written last, one of the permitted UNKNOWN values. */
static int op_ldp_fp(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_PROLOGUE(c, i);
    unsigned size = 1u << i->p3;
    uint64_t base = c->x[i->n];
    uint8_t buf[32];
    int r = fp_copy(c, i, base + i->imm, buf, 2 * size, size, false);
    if (r != A64_NEXT)
        return r;
    memset(vreg(c, i->d), 0, 16);
    memcpy(vreg(c, i->d), buf, size);
    memset(vreg(c, i->m), 0, 16);
    memcpy(vreg(c, i->m), buf + size, size);
    c->x[i->a] = base + i->imm2;
    return A64_NEXT;
}

static int op_stp_fp(struct a64_cpu *c, const struct a64_insn *i)
{
    FP_PROLOGUE(c, i);
    unsigned size = 1u << i->p3;
    uint64_t base = c->x[i->n];
    uint8_t buf[32];
    memcpy(buf, vreg(c, i->d), size);
    memcpy(buf + size, vreg(c, i->m), size);
    int r = fp_copy(c, i, base + i->imm, buf, 2 * size, size, true);
    if (r != A64_NEXT)
        return r;
    c->x[i->a] = base + i->imm2;
    return A64_NEXT;
}

/* LDP/STP/LDNP/STNP (SIMD&FP): opc (31:30) 00 S, 01 D, 10 Q, 11
 * unallocated; bits 24:23 non-temporal offset (00), post-index (01), signed
 * offset (10), pre-index (11); imm7 scaled by the register size. */
bool a64_dec_ldst_pair_fp(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned opc = a64_bits(w, 31, 30), form = a64_bits(w, 24, 23);
    if (opc == 3)
        return false;
    unsigned scale = 2 + opc;
    uint64_t off = a64_sext(a64_bits(w, 21, 15), 7) << scale;
    in->p3 = (uint8_t)scale;
    in->d = (uint8_t)(w & 31);
    in->m = (uint8_t)a64_bits(w, 14, 10);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->imm = form == 1 ? 0 : off;
    in->imm2 = off;
    in->a = (form == 1 || form == 3) ? in->n : A64_SINK;
    in->fn = ((w >> 22) & 1) ? op_ldp_fp : op_stp_fp;
    return true;
}

/* ---- structures ------------------------------------------------------------ */

/* Operands: d = Vt, n = base, a = writeback register (A64_SINK without
 * offset), m = the post-index register (XZR for the immediate form, whose
 * offset, the bytes transferred, is in imm2).  Multiple structures: p0 =
 * rpt, p1 = selem, p2 = log2(esize in bytes), p3 = Q.  Single structure:
 * p0 = index, p1 = selem, p2 = log2(esize), p3 = Q | replicate << 1. */

/* LD1-LD4, ST1-ST4 (multiple structures), Arm ARM C7.2, "LD1 (multiple
 * structures)" and the shared pseudocode there: rpt registers of selem
 * interleaved structures, element e of structure member s at
 * V[(t + r + s) mod 32]; loads of a 64-bit arrangement zero the upper
 * half. */
static int op_ldst_multi(struct a64_cpu *c, const struct a64_insn *i, bool load)
{
    FP_PROLOGUE(c, i);
    unsigned rpt = i->p0, selem = i->p1, eb = 1u << i->p2, elems = (i->p3 ? 16u : 8u) / eb;
    unsigned total = rpt * selem * elems * eb;
    uint64_t base = c->x[i->n];
    uint8_t buf[64];
    if (!load) {
        unsigned offs = 0;
        for (unsigned r = 0; r < rpt; r++)
            for (unsigned e = 0; e < elems; e++)
                for (unsigned s = 0; s < selem; s++, offs += eb)
                    memcpy(buf + offs, vreg(c, i->d + r + s) + e * eb, eb);
    }
    int res = fp_copy(c, i, base, buf, total, eb, !load);
    if (res != A64_NEXT)
        return res;
    if (load) {
        unsigned offs = 0;
        for (unsigned k = 0; k < rpt * selem; k++)
            if (!i->p3)
                c->fp.v[(i->d + k) & 31][1] = 0;
        for (unsigned r = 0; r < rpt; r++)
            for (unsigned e = 0; e < elems; e++)
                for (unsigned s = 0; s < selem; s++, offs += eb)
                    memcpy(vreg(c, i->d + r + s) + e * eb, buf + offs, eb);
    }
    c->x[i->a] = base + i->imm2 + c->x[i->m];
    return A64_NEXT;
}

static int op_ld_multi(struct a64_cpu *c, const struct a64_insn *i)
{
    return op_ldst_multi(c, i, true);
}

static int op_st_multi(struct a64_cpu *c, const struct a64_insn *i)
{
    return op_ldst_multi(c, i, false);
}

/* Writeback of the structure forms: bit 23 says post-index; Rm = 31 is the
 * immediate form (offset = the bytes transferred). */
static void structure_wb(struct a64_insn *in, uint32_t w, unsigned bytes)
{
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->d = (uint8_t)(w & 31);
    in->a = A64_SINK;
    in->m = A64_XZR;
    if ((w >> 23) & 1) {
        unsigned rm = a64_bits(w, 20, 16);
        in->a = in->n;
        in->m = a64_rz(rm);
        in->imm2 = rm == 31 ? bytes : 0;
    }
}

bool a64_dec_ldst_multi(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    static const uint8_t rpt_of[16] = {[0] = 1, [2] = 4, [4] = 1, [6] = 3, [7] = 1, [8] = 1,
                                       [10] = 2};
    static const uint8_t selem_of[16] = {[0] = 4, [2] = 1, [4] = 3, [6] = 1, [7] = 1,
                                         [8] = 2, [10] = 1};
    unsigned opcode = a64_bits(w, 15, 12), size = a64_bits(w, 11, 10), q = (w >> 30) & 1;
    unsigned rpt = rpt_of[opcode], selem = selem_of[opcode];
    if (!rpt)
        return false; /* unallocated opcode */
    if (size == 3 && !q && selem != 1)
        return false; /* the 1D arrangement exists for LD1/ST1 only */
    in->p0 = (uint8_t)rpt;
    in->p1 = (uint8_t)selem;
    in->p2 = (uint8_t)size;
    in->p3 = (uint8_t)q;
    structure_wb(in, w, rpt * selem * (q ? 16u : 8u));
    in->fn = ((w >> 22) & 1) ? op_ld_multi : op_st_multi;
    return true;
}

/* LD1-LD4, ST1-ST4 (single structure) and LD1R-LD4R (C7.2, "LD1 (single
 * structure)", "LD1R"): one element per register, at lane `index` of
 * V[(t + s) mod 32], the other lanes kept; the replicating loads fill every
 * lane of the arrangement (zeroing the upper half for a 64-bit one). */
static int op_ldst_single(struct a64_cpu *c, const struct a64_insn *i, bool load)
{
    FP_PROLOGUE(c, i);
    unsigned selem = i->p1, eb = 1u << i->p2, total = selem * eb;
    uint64_t base = c->x[i->n];
    uint8_t buf[32];
    if (!load)
        for (unsigned s = 0; s < selem; s++)
            memcpy(buf + s * eb, vreg(c, i->d + s) + i->p0 * eb, eb);
    int res = fp_copy(c, i, base, buf, total, eb, !load);
    if (res != A64_NEXT)
        return res;
    if (load) {
        for (unsigned s = 0; s < selem; s++) {
            uint8_t *v = vreg(c, i->d + s);
            if (i->p3 & 2) {
                unsigned bytes = (i->p3 & 1) ? 16 : 8;
                memset(v, 0, 16);
                for (unsigned k = 0; k < bytes; k += eb)
                    memcpy(v + k, buf + s * eb, eb);
            } else {
                memcpy(v + i->p0 * eb, buf + s * eb, eb);
            }
        }
    }
    c->x[i->a] = base + i->imm2 + c->x[i->m];
    return A64_NEXT;
}

static int op_ld_single(struct a64_cpu *c, const struct a64_insn *i)
{
    return op_ldst_single(c, i, true);
}

static int op_st_single(struct a64_cpu *c, const struct a64_insn *i)
{
    return op_ldst_single(c, i, false);
}

/* opcode (15:13), S (12), size (11:10): the element size and lane as the
 * Arm ARM's "Shared decode for all encodings" of LD1 (single structure). */
bool a64_dec_ldst_single(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned q = (w >> 30) & 1, load = (w >> 22) & 1, r = (w >> 21) & 1;
    unsigned opcode = a64_bits(w, 15, 13), s = (w >> 12) & 1, size = a64_bits(w, 11, 10);
    unsigned scale = opcode >> 1, selem = ((opcode & 1) << 1 | r) + 1, index = 0;
    bool replicate = false;
    switch (scale) {
    case 3: /* LDnR */
        if (!load || s)
            return false;
        scale = size;
        replicate = true;
        break;
    case 0:
        index = q << 3 | s << 2 | size;
        break;
    case 1:
        if (size & 1)
            return false;
        index = q << 2 | s << 1 | size >> 1;
        break;
    case 2:
        if (size & 2)
            return false;
        if (!(size & 1)) {
            index = q << 1 | s;
        } else {
            if (s)
                return false;
            index = q;
            scale = 3;
        }
        break;
    }
    in->p0 = (uint8_t)index;
    in->p1 = (uint8_t)selem;
    in->p2 = (uint8_t)scale;
    in->p3 = (uint8_t)(q | (unsigned)replicate << 1);
    structure_wb(in, w, selem << scale);
    in->fn = load ? op_ld_single : op_st_single;
    return true;
}
