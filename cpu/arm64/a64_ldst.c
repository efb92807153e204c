/* cpu/arm64/a64_ldst.c: loads and stores of general-purpose registers.
 *
 * LDR/STR (immediate: unsigned offset, unscaled, pre/post-index; register
 * offset; literal; unprivileged) for B/H/W/X, the signed LDRSB/LDRSH/LDRSW,
 * PRFM, LDAR/LDAPR/STLR, and LDP/STP/LDNP/STNP/LDPSW.  (Exclusives are in
 * a64_excl.c.)
 *
 * Operands: d = Rt, m = Rt2 (pairs) or the index register, n = base (SP
 * allowed), imm = offset added to the base to form the address, imm2 =
 * offset added to the base for the writeback, a = the register written back
 * (A64_SINK when there is no writeback).  So one handler serves the
 * unsigned-offset, unscaled, pre- and post-index forms, and LDR (literal) is
 * a load from XZR + the absolute address.
 *
 * Every access goes through the soft TLB (mmu/tlb.h).  The fast path is one
 * TLB probe for an access inside a page; anything else (a page crossing, a
 * TLB miss, a device) takes the slow path, which either copies through
 * mmu_read/mmu_write or makes an MMIO exit.  An MMIO load completes on the
 * next run: a64_core.c writes the data to Rt, extended as the `ext` recorded
 * here says, then performs the writeback, once.
 *
 * With stage 1 translation on, a miss that the walker refuses is a Data
 * Abort (a64_data_abort: DFSC from the walk, WnR, FAR = the address); an
 * MMIO exit carries the physical address.  Pairs have no valid syndrome
 * for a hypervisor: to MMIO they take a synchronous external abort, as
 * under KVM (pair_mmio).
 *
 * Alignment (Arm ARM B2.5.2, "Alignment of data accesses"): an unaligned
 * access takes an Alignment fault with SCTLR_EL1.A set, and to Device
 * memory: MMIO, or RAM through a Device mapping.  The fast path takes
 * aligned accesses only; the slow path asks a64_align_fault.  With the MMU
 * off, data accesses are Device-nGnRnE, but unaligned ones to RAM work as
 * on Normal memory: a deviation, kept because the Unicorn oracle (QEMU 7.2)
 * does not fault them either.
 */
#include "cpu/arm64/a64_cpu.h"

#include <stdio.h>

#include "cpu/arm64/a64_decode.h"

static inline bool in_one_page(uint64_t addr, unsigned size)
{
    return (addr & (MMU_PAGE_SIZE - 1)) <= MMU_PAGE_SIZE - size;
}

/* ---- slow paths ---------------------------------------------------------- */

static uint64_t extend(uint64_t v, unsigned size, enum a64_ext ext)
{
    unsigned bits = 8 * size;
    if (bits < 64)
        v &= (1ULL << bits) - 1;
    if (ext == A64_EXT_S64)
        return a64_sext(v, bits);
    if (ext == A64_EXT_S32)
        return (uint32_t)a64_sext(v, bits);
    return v;
}

/* Is every byte of [addr, addr+size) RAM (writable RAM for writes)?  Only
 * called for accesses that cross a page, so two probes cover it.  -1: a
 * translation fault at *fault_va. */
static int ram_pages(struct a64_cpu *c, uint64_t addr, unsigned size, bool write,
                     uint64_t *fault_va)
{
    uint64_t hi_va = (addr + size - 1) & MMU_PAGE_MASK;
    bool lo = mmu_ptr(c->mmu, addr, write) != NULL;
    if (!lo && c->mmu->miss_fault) {
        *fault_va = addr;
        return -1;
    }
    bool hi = mmu_ptr(c->mmu, hi_va, write) != NULL;
    if (!hi && c->mmu->miss_fault) {
        *fault_va = hi_va;
        return -1;
    }
    if (!lo && !hi)
        mmu_ptr(c->mmu, addr, write); /* for miss_paddr: the exit's address */
    return lo + hi; /* 2: all RAM, 0: no RAM, 1: mixed */
}

/* Device memory (MMIO, or a Device mapping) faults unaligned accesses. */
static bool device_misaligned(const struct a64_cpu *c, uint64_t addr, unsigned size)
{
    return (addr & (size - 1)) && (!a64_mmu_on(c) || c->walk_device);
}

/* An access split between RAM and non-RAM pages (necessarily unaligned):
 * with the MMU off, or where either page is mapped as Device, the Device
 * part makes it an Alignment fault; through Normal mappings a hypervisor
 * could not complete it (no valid syndrome for a split access), so the
 * external abort KVM gives such accesses. */
static int straddle(struct a64_cpu *c, const struct a64_insn *i, uint64_t addr, unsigned size,
                    bool write)
{
    uint64_t hi = (addr + size - 1) & MMU_PAGE_MASK;
    bool device = !a64_mmu_on(c) || a64_mmu_device(c, addr) || a64_mmu_device(c, hi);
    return a64_data_abort(c, i, addr, write, device ? A64_FSC_ALIGN : A64_FSC_EXT);
}

static __attribute__((noinline)) int load_slow(struct a64_cpu *c, const struct a64_insn *i,
                                               uint64_t addr, unsigned size, enum a64_ext ext,
                                               uint64_t wbval)
{
    if ((addr & (size - 1)) && a64_align_fault(c, addr))
        return a64_data_abort(c, i, addr, false, A64_FSC_ALIGN);
    if (!in_one_page(addr, size)) {
        uint64_t fva = 0;
        int ram = ram_pages(c, addr, size, false, &fva);
        if (ram < 0)
            return a64_data_abort(c, i, fva, false, -1);
        if (ram == 2) {
            uint64_t v = 0;
            mmu_read(c->mmu, addr, &v, size);
            c->x[i->d] = extend(v, size, ext);
            c->x[i->a] = wbval;
            return A64_NEXT;
        }
        if (ram == 1)
            return straddle(c, i, addr, size, false);
    } else {
        void *p = mmu_ptr(c->mmu, addr, false); /* the caller's probe may have missed */
        if (p) {
            uint64_t v = 0;
            memcpy(&v, p, size);
            c->x[i->d] = extend(v, size, ext);
            c->x[i->a] = wbval;
            return A64_NEXT;
        }
        if (c->mmu->miss_fault)
            return a64_data_abort(c, i, addr, false, -1);
    }
    if (device_misaligned(c, addr, size))
        return a64_data_abort(c, i, addr, false, A64_FSC_ALIGN);
    struct squib_exit *e = a64_exit_begin(c, i, SQUIB_EXIT_MMIO);
    e->mmio.addr = c->mmu->miss_paddr;
    e->mmio.size = (uint8_t)size;
    e->mmio.write = false;
    c->pend = (struct a64_pending){
        .kind = A64_PEND_LOAD, .pc = e->pc, .rt = i->d, .size = (uint8_t)size,
        .ext = (uint8_t)ext, .wb = i->a, .wbval = wbval};
    return A64_EXIT;
}

static __attribute__((noinline)) int store_slow(struct a64_cpu *c, const struct a64_insn *i,
                                                uint64_t addr, unsigned size, uint64_t v,
                                                uint64_t wbval)
{
    if ((addr & (size - 1)) && a64_align_fault(c, addr))
        return a64_data_abort(c, i, addr, true, A64_FSC_ALIGN);
    if (!in_one_page(addr, size)) {
        uint64_t fva = 0;
        int ram = ram_pages(c, addr, size, true, &fva);
        if (ram < 0)
            return a64_data_abort(c, i, fva, true, -1);
        if (ram == 2) {
            mmu_write(c->mmu, addr, &v, size);
            c->x[i->a] = wbval;
            return A64_NEXT;
        }
        if (ram == 1)
            return straddle(c, i, addr, size, true);
    } else {
        void *p = mmu_ptr(c->mmu, addr, true);
        if (p) {
            memcpy(p, &v, size);
            c->x[i->a] = wbval;
            return A64_NEXT;
        }
        if (c->mmu->miss_fault)
            return a64_data_abort(c, i, addr, true, -1);
    }
    if (device_misaligned(c, addr, size))
        return a64_data_abort(c, i, addr, true, A64_FSC_ALIGN);
    struct squib_exit *e = a64_exit_begin(c, i, SQUIB_EXIT_MMIO);
    e->mmio.addr = c->mmu->miss_paddr;
    e->mmio.size = (uint8_t)size;
    e->mmio.write = true;
    e->mmio.data = size < 8 ? v & ((1ULL << (8 * size)) - 1) : v;
    c->pend = (struct a64_pending){
        .kind = A64_PEND_STORE, .pc = e->pc, .wb = i->a, .wbval = wbval};
    return A64_EXIT;
}

/* ---- single-register handlers --------------------------------------------- */

#define EXT_ZERO(T, v) ((uint64_t)(v))
#define EXT_S64(T, v) ((uint64_t)(int64_t)(T)(v))
#define EXT_S32(T, v) ((uint64_t)(uint32_t)(int32_t)(T)(v))

/* The addressing forms of one load or store, over name##_at(address,
 * writeback value): base + offset (unsigned offset, unscaled, pre/post-index
 * with the writeback in imm2), the same with SP as the base, and register
 * offset, extended or a 64-bit index. */
#define ADDRESS_FORMS(name)                                                              \
    static int op_##name(struct a64_cpu *c, const struct a64_insn *i)                     \
    {                                                                                     \
        uint64_t base = c->x[i->n];                                                       \
        return name##_at(c, i, base + i->imm, base + i->imm2);                            \
    }                                                                                     \
    static int op_##name##_sp(struct a64_cpu *c, const struct a64_insn *i)                \
    {                                                                                     \
        uint64_t base = c->x[A64_SP];                                                     \
        if (a64_sp_misaligned(c))                                                         \
            return a64_sp_fault(c, i);                                                    \
        return name##_at(c, i, base + i->imm, base + i->imm2);                            \
    }                                                                                     \
    static int op_##name##_r(struct a64_cpu *c, const struct a64_insn *i)                 \
    {                                                                                     \
        if (__builtin_expect(i->n == A64_SP, 0) && a64_sp_misaligned(c))                 \
            return a64_sp_fault(c, i);                                                    \
        return name##_at(c, i, c->x[i->n] + a64_extend_reg(c, i), 0);                    \
    }                                                                                     \
    static int op_##name##_rx(struct a64_cpu *c, const struct a64_insn *i)                \
    {                                                                                     \
        if (__builtin_expect(i->n == A64_SP, 0) && a64_sp_misaligned(c))                 \
            return a64_sp_fault(c, i);                                                    \
        return name##_at(c, i, c->x[i->n] + (c->x[i->m] << i->p2), 0);                   \
    }

/* name, memory type, signed type for extension, extension, A64_EXT_ kind */
#define LOAD_FNS(name, T, ST, EXT, KIND)                                                 \
    static inline __attribute__((always_inline)) int name##_at(                           \
        struct a64_cpu *c, const struct a64_insn *i, uint64_t addr, uint64_t wbval)       \
    {                                                                                     \
        const void *p;                                                                    \
        if (__builtin_expect((addr & (sizeof(T) - 1)) == 0, 1) &&                         \
            (p = mmu_probe(c->mmu, addr, false)) != NULL) {                               \
            T v;                                                                          \
            memcpy(&v, p, sizeof v);                                                      \
            c->x[i->d] = EXT(ST, v);                                                      \
            c->x[i->a] = wbval;                                                           \
            return A64_NEXT;                                                              \
        }                                                                                 \
        return load_slow(c, i, addr, sizeof(T), KIND, wbval);                             \
    }                                                                                     \
    ADDRESS_FORMS(name)

LOAD_FNS(ldrb, uint8_t, int8_t, EXT_ZERO, A64_EXT_ZERO)
LOAD_FNS(ldrh, uint16_t, int16_t, EXT_ZERO, A64_EXT_ZERO)
LOAD_FNS(ldrw, uint32_t, int32_t, EXT_ZERO, A64_EXT_ZERO)
LOAD_FNS(ldrx, uint64_t, int64_t, EXT_ZERO, A64_EXT_ZERO)
LOAD_FNS(ldrsb_x, uint8_t, int8_t, EXT_S64, A64_EXT_S64)
LOAD_FNS(ldrsh_x, uint16_t, int16_t, EXT_S64, A64_EXT_S64)
LOAD_FNS(ldrsw, uint32_t, int32_t, EXT_S64, A64_EXT_S64)
LOAD_FNS(ldrsb_w, uint8_t, int8_t, EXT_S32, A64_EXT_S32)
LOAD_FNS(ldrsh_w, uint16_t, int16_t, EXT_S32, A64_EXT_S32)

/* A store with writeback whose Rt is also the base stores the value from
 * before the writeback (CONSTRAINED UNPREDICTABLE; Arm ARM K1,
 * "Unpredictable_WBOVERLAPST": we choose Constraint_NONE). */
#define STORE_FNS(name, T)                                                                \
    static inline __attribute__((always_inline)) int name##_at(                           \
        struct a64_cpu *c, const struct a64_insn *i, uint64_t addr, uint64_t wbval)       \
    {                                                                                     \
        T v = (T)c->x[i->d];                                                              \
        void *p;                                                                          \
        if (__builtin_expect((addr & (sizeof(T) - 1)) == 0, 1) &&                         \
            (p = mmu_probe(c->mmu, addr, true)) != NULL) {                                \
            memcpy(p, &v, sizeof v);                                                      \
            c->x[i->a] = wbval;                                                           \
            return A64_NEXT;                                                              \
        }                                                                                 \
        return store_slow(c, i, addr, sizeof(T), v, wbval);                               \
    }                                                                                     \
    ADDRESS_FORMS(name)

STORE_FNS(strb, uint8_t)
STORE_FNS(strh, uint16_t)
STORE_FNS(strw, uint32_t)
STORE_FNS(strx, uint64_t)

enum { LS_UNALLOCATED, LS_LOAD, LS_STORE, LS_PREFETCH };

struct ldst_op {
    a64_handler imm, reg, sp; /* sp: the immediate forms with SP as the base */
    a64_handler regx;         /* register offset, a 64-bit index (LSL, SXTX) */
    uint8_t kind;
};

/* By size (bits 31:30) and opc (bits 23:22), as the Arm ARM's "Load/store
 * register" encoding tables. */
static const struct ldst_op ldst_ops[4][4] = {
    {{op_strb, op_strb_r, op_strb_sp, op_strb_rx, LS_STORE},
     {op_ldrb, op_ldrb_r, op_ldrb_sp, op_ldrb_rx, LS_LOAD},
     {op_ldrsb_x, op_ldrsb_x_r, op_ldrsb_x_sp, op_ldrsb_x_rx, LS_LOAD},
     {op_ldrsb_w, op_ldrsb_w_r, op_ldrsb_w_sp, op_ldrsb_w_rx, LS_LOAD}},
    {{op_strh, op_strh_r, op_strh_sp, op_strh_rx, LS_STORE},
     {op_ldrh, op_ldrh_r, op_ldrh_sp, op_ldrh_rx, LS_LOAD},
     {op_ldrsh_x, op_ldrsh_x_r, op_ldrsh_x_sp, op_ldrsh_x_rx, LS_LOAD},
     {op_ldrsh_w, op_ldrsh_w_r, op_ldrsh_w_sp, op_ldrsh_w_rx, LS_LOAD}},
    {{op_strw, op_strw_r, op_strw_sp, op_strw_rx, LS_STORE},
     {op_ldrw, op_ldrw_r, op_ldrw_sp, op_ldrw_rx, LS_LOAD},
     {op_ldrsw, op_ldrsw_r, op_ldrsw_sp, op_ldrsw_rx, LS_LOAD},
     {NULL, NULL, NULL, NULL, LS_UNALLOCATED}},
    {{op_strx, op_strx_r, op_strx_sp, op_strx_rx, LS_STORE},
     {op_ldrx, op_ldrx_r, op_ldrx_sp, op_ldrx_rx, LS_LOAD},
     {a64_op_nop, a64_op_nop, a64_op_nop, a64_op_nop, LS_PREFETCH}, /* PRFM: a hint, no access */
     {NULL, NULL, NULL, NULL, LS_UNALLOCATED}},
};

/* Common operand set-up; false if unallocated. */
static const struct ldst_op *ldst_common(struct a64_insn *in, uint32_t w)
{
    const struct ldst_op *op = &ldst_ops[a64_bits(w, 31, 30)][a64_bits(w, 23, 22)];
    if (op->kind == LS_UNALLOCATED)
        return NULL;
    unsigned t = w & 31;
    in->d = op->kind == LS_LOAD ? a64_rzd(t) : a64_rz(t);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->a = A64_SINK;
    return op;
}

/* LDR/STR (immediate, unsigned offset): imm12 scaled by the access size. */
bool a64_dec_ldst_uimm(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    const struct ldst_op *op = ldst_common(in, w);
    if (!op)
        return false;
    in->imm = (uint64_t)a64_bits(w, 21, 10) << a64_bits(w, 31, 30);
    in->fn = in->n == A64_SP ? op->sp : op->imm;
    return true;
}

/* Unscaled (LDUR...), post-index and pre-index forms: signed imm9.  A load
 * whose writeback register is also Rt (not SP) suppresses the writeback
 * (CONSTRAINED UNPREDICTABLE, "Unpredictable_WBOVERLAPLD": we choose
 * Constraint_WBSUPPRESS). */
bool a64_dec_ldst_imm9(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    const struct ldst_op *op = ldst_common(in, w);
    if (!op)
        return false;
    uint64_t off = a64_sext(a64_bits(w, 20, 12), 9);
    unsigned form = a64_bits(w, 11, 10), t = w & 31, n = a64_bits(w, 9, 5);
    if (form == 2 || (op->kind == LS_PREFETCH && form != 0))
        return false; /* unprivileged forms have their own row; PRFM has no writeback */
    bool wback = form != 0;
    in->imm = form == 1 ? 0 : off; /* post-index: access at the base */
    in->imm2 = off;
    if (wback && !(op->kind == LS_LOAD && t == n && n != 31))
        in->a = a64_rsp(n);
    in->fn = in->n == A64_SP ? op->sp : op->imm;
    return true;
}

/* Register offset: option UXTW (010), LSL (011), SXTW (110), SXTX (111);
 * S scales the index by the access size. */
bool a64_dec_ldst_reg(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    const struct ldst_op *op = ldst_common(in, w);
    unsigned option = a64_bits(w, 15, 13);
    if (!op || !(option & 2))
        return false;
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (option & 1) ? 0 : 32;
    in->p1 = (option >> 2) & 1;
    in->p2 = (uint8_t)(((w >> 12) & 1) ? a64_bits(w, 31, 30) : 0);
    in->fn = (option & 1) ? op->regx : op->reg; /* 64-bit index: no extension */
    return true;
}

/* LDTR, STTR and friends (unprivileged, unscaled imm9, no writeback).  At
 * EL1 they check permissions as an EL0 access would (C6.2 "LDTR"; with
 * PSTATE.UAO = 1, FEAT_UAO, as an ordinary access): the access goes through
 * the EL0 TLB with the walker checking EL0 permissions; a fault is still
 * taken from EL1.  At EL0, or with the MMU off, they are the unscaled
 * LDUR/STUR forms.  p3 = size:opc, the ldst_ops entry. */
static int op_unpriv(struct a64_cpu *c, const struct a64_insn *i)
{
    const struct ldst_op *op = &ldst_ops[i->p3 >> 2][i->p3 & 3];
    a64_handler fn = i->n == A64_SP ? op->sp : op->imm;
    if (c->el == 0 || !a64_mmu_on(c))
        return fn(c, i);
    mmu_set_user(c->mmu, true);
    c->acc_el0 = true;
    int r = fn(c, i);
    a64_mode_changed(c); /* back to the current EL's TLB and privilege */
    return r;
}

bool a64_dec_ldst_unpriv(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    const struct ldst_op *op = ldst_common(in, w);
    if (!op || op->kind == LS_PREFETCH)
        return false;
    in->imm = a64_sext(a64_bits(w, 20, 12), 9);
    in->p3 = (uint8_t)(a64_bits(w, 31, 30) << 2 | a64_bits(w, 23, 22));
    in->fn = op_unpriv;
    return true;
}

/* ---- load-acquire, store-release --------------------------------------------- */

/* LDAR, LDAPR, STLR: one thread in program order needs no barrier, so they
 * are plain single-copy-atomic accesses at [Xn|SP], which must be aligned
 * to their size whatever the memory type (Arm ARM B2, "Alignment support";
 * ARMv8.0 without FEAT_LSE2): a misaligned one is an Alignment fault (a
 * Data Abort with DFSC 0x21).  To MMIO they exit as LDR and STR do. */
#define ORDERED_FN(name, size, wr)                                                       \
    static int op_##name##_ord(struct a64_cpu *c, const struct a64_insn *i)               \
    {                                                                                     \
        uint64_t addr = c->x[i->n];                                                       \
        if (i->n == A64_SP && a64_sp_misaligned(c))                                       \
            return a64_sp_fault(c, i);                                                    \
        if (addr & ((size) - 1))                                                          \
            return a64_data_abort(c, i, addr, wr, A64_FSC_ALIGN);                         \
        return name##_at(c, i, addr, 0);                                                  \
    }
ORDERED_FN(ldrb, 1, false)
ORDERED_FN(ldrh, 2, false)
ORDERED_FN(ldrw, 4, false)
ORDERED_FN(ldrx, 8, false)
ORDERED_FN(strb, 1, true)
ORDERED_FN(strh, 2, true)
ORDERED_FN(strw, 4, true)
ORDERED_FN(strx, 8, true)

static const a64_handler ordered_fns[2][4] = {
    {op_strb_ord, op_strh_ord, op_strw_ord, op_strx_ord},
    {op_ldrb_ord, op_ldrh_ord, op_ldrw_ord, op_ldrx_ord},
};

static void dec_ordered(struct a64_insn *in, uint32_t w, bool load)
{
    unsigned t = w & 31;
    in->d = load ? a64_rzd(t) : a64_rz(t);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->a = A64_SINK;
    in->fn = ordered_fns[load][a64_bits(w, 31, 30)];
}

/* LDAR, STLR (B, H, W, X): L in bit 22; Rs and Rt2 are should-be-ones. */
bool a64_dec_ldst_ordered(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    dec_ordered(in, w, (w >> 22) & 1);
    return true;
}

/* LDAPR, LDAPRB, LDAPRH (FEAT_LRCPC): acquire with RCpc ordering, the same
 * access here. */
bool a64_dec_ldapr(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    dec_ordered(in, w, true);
    return true;
}

/* LDR (literal): a load from XZR + (pc + imm19 * 4); opc 00 W, 01 X,
 * 10 LDRSW, 11 PRFM. */
bool a64_dec_ldr_lit(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    static const a64_handler fns[4] = {op_ldrw, op_ldrx, op_ldrsw, a64_op_nop};
    in->d = a64_rzd(w & 31);
    in->n = A64_XZR;
    in->a = A64_SINK;
    in->imm = pc + a64_sext((uint64_t)a64_bits(w, 23, 5) << 2, 21);
    in->fn = fns[a64_bits(w, 31, 30)];
    return true;
}

/* ---- pairs ------------------------------------------------------------------ */

/* A pair that is not entirely RAM.  A translation fault is a Data Abort
 * with the walk's DFSC.  Otherwise part of it is MMIO or read-only memory:
 * a hypervisor cannot emulate such an access, because a load/store pair has
 * no instruction syndrome (Arm ARM D17.2.37, ISS.ISV is 1 only for loads
 * and stores of a single general-purpose register without writeback), so
 * KVM hands it to the VMM as KVM_EXIT_ARM_NISV and QEMU injects a
 * synchronous external abort.  So do we: a Data Abort with DFSC 0x10,
 * ISV = 0, WnR = the direction, FAR = the pair's address; no register and
 * no memory changes. */
static __attribute__((noinline)) int pair_mmio(struct a64_cpu *c, const struct a64_insn *i,
                                               uint64_t addr, bool write)
{
    if (c->mmu->miss_fault) /* FAR: the pair's address (in the faulting page or before) */
        return a64_data_abort(c, i, addr, write, -1);
    return a64_data_abort(c, i, addr, write, A64_FSC_EXT);
}

static inline bool pair_read(struct a64_cpu *c, uint64_t addr, void *buf, unsigned len)
{
    if (in_one_page(addr, len)) {
        const void *p = mmu_ptr(c->mmu, addr, false);
        if (!p)
            return false;
        memcpy(buf, p, len);
        return true;
    }
    return mmu_read(c->mmu, addr, buf, len);
}

static inline bool pair_write(struct a64_cpu *c, uint64_t addr, const void *buf, unsigned len)
{
    if (in_one_page(addr, len)) {
        void *p = mmu_ptr(c->mmu, addr, true);
        if (!p)
            return false;
        memcpy(p, buf, len);
        return true;
    }
    /* Check both pages first so a failing store writes nothing. */
    uint64_t fva;
    return ram_pages(c, addr, len, true, &fva) == 2 && mmu_write(c->mmu, addr, buf, len);
}

/* LDP with Rt == Rt2 is CONSTRAINED UNPREDICTABLE (Unpredictable_LDPOVERLAP);
 * Rt2 is written last, one of the permitted UNKNOWN values.  Each handler is
 * a fast path (a TLB hit inside one page, no SP check due) that makes no call,
 * and a slow one for the rest. */
#define LDP_FN(name, T, ST, EXT)                                                         \
    static __attribute__((noinline)) int ldp_##name##_slow(struct a64_cpu *c,             \
                                                           const struct a64_insn *i)      \
    {                                                                                     \
        uint64_t base = c->x[i->n], addr = base + i->imm;                                 \
        if (i->n == A64_SP && a64_sp_misaligned(c))                                       \
            return a64_sp_fault(c, i);                                                    \
        if ((addr & (sizeof(T) - 1)) && a64_align_fault(c, addr))                         \
            return a64_data_abort(c, i, addr, false, A64_FSC_ALIGN);                      \
        T v[2];                                                                           \
        if (!pair_read(c, addr, v, sizeof v))                                             \
            return pair_mmio(c, i, addr, false);                                          \
        c->x[i->d] = EXT(ST, v[0]);                                                       \
        c->x[i->m] = EXT(ST, v[1]);                                                       \
        c->x[i->a] = base + i->imm2;                                                      \
        return A64_NEXT;                                                                  \
    }                                                                                     \
    static int op_ldp_##name(struct a64_cpu *c, const struct a64_insn *i)                 \
    {                                                                                     \
        uint64_t base = c->x[i->n], addr = base + i->imm;                                 \
        const void *p;                                                                    \
        if (__builtin_expect(!(i->n == A64_SP && a64_sp_misaligned(c)) &&                 \
                                 (addr & (sizeof(T) - 1)) == 0 &&                         \
                                 in_one_page(addr, 2 * sizeof(T)) &&                      \
                                 (p = mmu_probe(c->mmu, addr, false)) != NULL,            \
                             1)) {                                                        \
            T v[2];                                                                       \
            memcpy(v, p, sizeof v);                                                       \
            c->x[i->d] = EXT(ST, v[0]);                                                   \
            c->x[i->m] = EXT(ST, v[1]);                                                   \
            c->x[i->a] = base + i->imm2;                                                  \
            return A64_NEXT;                                                              \
        }                                                                                 \
        return ldp_##name##_slow(c, i);                                                   \
    }
#define STP_FN(name, T)                                                                  \
    static __attribute__((noinline)) int stp_##name##_slow(struct a64_cpu *c,             \
                                                           const struct a64_insn *i)      \
    {                                                                                     \
        uint64_t base = c->x[i->n], addr = base + i->imm;                                 \
        if (i->n == A64_SP && a64_sp_misaligned(c))                                       \
            return a64_sp_fault(c, i);                                                    \
        if ((addr & (sizeof(T) - 1)) && a64_align_fault(c, addr))                         \
            return a64_data_abort(c, i, addr, true, A64_FSC_ALIGN);                      \
        T v[2] = {(T)c->x[i->d], (T)c->x[i->m]};                                          \
        if (!pair_write(c, addr, v, sizeof v))                                            \
            return pair_mmio(c, i, addr, true);                                           \
        c->x[i->a] = base + i->imm2;                                                      \
        return A64_NEXT;                                                                  \
    }                                                                                     \
    static int op_stp_##name(struct a64_cpu *c, const struct a64_insn *i)                 \
    {                                                                                     \
        uint64_t base = c->x[i->n], addr = base + i->imm;                                 \
        void *p;                                                                          \
        if (__builtin_expect(!(i->n == A64_SP && a64_sp_misaligned(c)) &&                 \
                                 (addr & (sizeof(T) - 1)) == 0 &&                         \
                                 in_one_page(addr, 2 * sizeof(T)) &&                      \
                                 (p = mmu_probe(c->mmu, addr, true)) != NULL,             \
                             1)) {                                                        \
            T v[2] = {(T)c->x[i->d], (T)c->x[i->m]};                                      \
            memcpy(p, v, sizeof v);                                                       \
            c->x[i->a] = base + i->imm2;                                                  \
            return A64_NEXT;                                                              \
        }                                                                                 \
        return stp_##name##_slow(c, i);                                                   \
    }

LDP_FN(w, uint32_t, int32_t, EXT_ZERO)
LDP_FN(x, uint64_t, int64_t, EXT_ZERO)
LDP_FN(sw, uint32_t, int32_t, EXT_S64)
STP_FN(w, uint32_t)
STP_FN(x, uint64_t)

/* LDP/STP/LDNP/STNP/LDPSW: opc 00 W, 01 LDPSW, 10 X; bits 24:23 select
 * non-temporal offset (00), post-index (01), offset (10), pre-index (11).
 * LDNP/STNP's non-temporal hint changes nothing here. */
bool a64_dec_ldst_pair(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned opc = a64_bits(w, 31, 30), form = a64_bits(w, 24, 23);
    bool load = (w >> 22) & 1;
    unsigned t = w & 31, t2 = a64_bits(w, 14, 10), n = a64_bits(w, 9, 5);
    if (opc == 3 || (opc == 1 && (!load || form == 0)))
        return false;
    unsigned scale = opc == 2 ? 3 : 2;
    uint64_t off = a64_sext(a64_bits(w, 21, 15), 7) << scale;
    in->d = load ? a64_rzd(t) : a64_rz(t);
    in->m = load ? a64_rzd(t2) : a64_rz(t2);
    in->n = a64_rsp(n);
    in->imm = form == 1 ? 0 : off;
    in->imm2 = off;
    in->a = A64_SINK;
    bool wback = form == 1 || form == 3;
    /* Writeback onto a loaded register: WBSUPPRESS, as for single loads. */
    if (wback && !(load && (t == n || t2 == n) && n != 31))
        in->a = a64_rsp(n);
    static const a64_handler lds[3] = {op_ldp_w, op_ldp_sw, op_ldp_x};
    static const a64_handler sts[3] = {op_stp_w, NULL, op_stp_x};
    in->fn = load ? lds[opc] : sts[opc];
    return in->fn != NULL;
}

/* ---- threaded twins (a64_cpu.h, "Threaded dispatch") ---------------- */

A64_THREAD(op_ldrb)
A64_THREAD(op_ldrb_sp)
A64_THREAD(op_ldrb_r)
A64_THREAD(op_ldrb_rx)
A64_THREAD(op_ldrh)
A64_THREAD(op_ldrh_sp)
A64_THREAD(op_ldrh_r)
A64_THREAD(op_ldrh_rx)
A64_THREAD(op_ldrw)
A64_THREAD(op_ldrw_sp)
A64_THREAD(op_ldrw_r)
A64_THREAD(op_ldrw_rx)
A64_THREAD(op_ldrx)
A64_THREAD(op_ldrx_sp)
A64_THREAD(op_ldrx_r)
A64_THREAD(op_ldrx_rx)
A64_THREAD(op_ldrsb_x)
A64_THREAD(op_ldrsb_x_sp)
A64_THREAD(op_ldrsb_x_r)
A64_THREAD(op_ldrsb_x_rx)
A64_THREAD(op_ldrsh_x)
A64_THREAD(op_ldrsh_x_sp)
A64_THREAD(op_ldrsh_x_r)
A64_THREAD(op_ldrsh_x_rx)
A64_THREAD(op_ldrsw)
A64_THREAD(op_ldrsw_sp)
A64_THREAD(op_ldrsw_r)
A64_THREAD(op_ldrsw_rx)
A64_THREAD(op_ldrsb_w)
A64_THREAD(op_ldrsb_w_sp)
A64_THREAD(op_ldrsb_w_r)
A64_THREAD(op_ldrsb_w_rx)
A64_THREAD(op_ldrsh_w)
A64_THREAD(op_ldrsh_w_sp)
A64_THREAD(op_ldrsh_w_r)
A64_THREAD(op_ldrsh_w_rx)
A64_THREAD(op_strb)
A64_THREAD(op_strb_sp)
A64_THREAD(op_strb_r)
A64_THREAD(op_strb_rx)
A64_THREAD(op_strh)
A64_THREAD(op_strh_sp)
A64_THREAD(op_strh_r)
A64_THREAD(op_strh_rx)
A64_THREAD(op_strw)
A64_THREAD(op_strw_sp)
A64_THREAD(op_strw_r)
A64_THREAD(op_strw_rx)
A64_THREAD(op_strx)
A64_THREAD(op_strx_sp)
A64_THREAD(op_strx_r)
A64_THREAD(op_strx_rx)
A64_THREAD(op_ldp_w)
A64_THREAD(op_ldp_x)
A64_THREAD(op_ldp_sw)
A64_THREAD(op_stp_w)
A64_THREAD(op_stp_x)

const struct a64_threaded a64_ldst_threaded[] = {
    A64_THREADED(op_ldrb),
    A64_THREADED(op_ldrb_sp),
    A64_THREADED(op_ldrb_r),
    A64_THREADED(op_ldrb_rx),
    A64_THREADED(op_ldrh),
    A64_THREADED(op_ldrh_sp),
    A64_THREADED(op_ldrh_r),
    A64_THREADED(op_ldrh_rx),
    A64_THREADED(op_ldrw),
    A64_THREADED(op_ldrw_sp),
    A64_THREADED(op_ldrw_r),
    A64_THREADED(op_ldrw_rx),
    A64_THREADED(op_ldrx),
    A64_THREADED(op_ldrx_sp),
    A64_THREADED(op_ldrx_r),
    A64_THREADED(op_ldrx_rx),
    A64_THREADED(op_ldrsb_x),
    A64_THREADED(op_ldrsb_x_sp),
    A64_THREADED(op_ldrsb_x_r),
    A64_THREADED(op_ldrsb_x_rx),
    A64_THREADED(op_ldrsh_x),
    A64_THREADED(op_ldrsh_x_sp),
    A64_THREADED(op_ldrsh_x_r),
    A64_THREADED(op_ldrsh_x_rx),
    A64_THREADED(op_ldrsw),
    A64_THREADED(op_ldrsw_sp),
    A64_THREADED(op_ldrsw_r),
    A64_THREADED(op_ldrsw_rx),
    A64_THREADED(op_ldrsb_w),
    A64_THREADED(op_ldrsb_w_sp),
    A64_THREADED(op_ldrsb_w_r),
    A64_THREADED(op_ldrsb_w_rx),
    A64_THREADED(op_ldrsh_w),
    A64_THREADED(op_ldrsh_w_sp),
    A64_THREADED(op_ldrsh_w_r),
    A64_THREADED(op_ldrsh_w_rx),
    A64_THREADED(op_strb),
    A64_THREADED(op_strb_sp),
    A64_THREADED(op_strb_r),
    A64_THREADED(op_strb_rx),
    A64_THREADED(op_strh),
    A64_THREADED(op_strh_sp),
    A64_THREADED(op_strh_r),
    A64_THREADED(op_strh_rx),
    A64_THREADED(op_strw),
    A64_THREADED(op_strw_sp),
    A64_THREADED(op_strw_r),
    A64_THREADED(op_strw_rx),
    A64_THREADED(op_strx),
    A64_THREADED(op_strx_sp),
    A64_THREADED(op_strx_r),
    A64_THREADED(op_strx_rx),
    A64_THREADED(op_ldp_w),
    A64_THREADED(op_ldp_x),
    A64_THREADED(op_ldp_sw),
    A64_THREADED(op_stp_w),
    A64_THREADED(op_stp_x),
    {NULL, NULL},
};
