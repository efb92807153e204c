/* cpu/arm64/a64_atomic.c: the FEAT_LSE atomics.
 *
 * LDADD, LDCLR, LDEOR, LDSET, LDSMAX, LDSMIN, LDUMAX, LDUMIN and SWP (B, H,
 * W, X; the acquire/release variants A, L, AL; the ST<op> aliases are the
 * LD<op> forms with Rt = XZR), CAS (B, H, W, X, all orderings) and CASP.
 * One vCPU runs in one thread in program order, so each is a plain
 * read-modify-write and the orderings need nothing more (C6.2 "LDADD",
 * "CAS", "CASP"; the pseudocode's MemAtomic()).
 *
 * All of them must be aligned to their (total) size whatever the memory
 * type (B2, "Alignment support", without FEAT_LSE2): a misaligned one is an
 * Alignment fault (Data Abort, DFSC 0x21, WnR 0: the read comes first).
 * Translation faults are Data Aborts with WnR 1 (the access is probed for
 * writing).  An atomic access to non-RAM (MMIO, or read-only memory) has
 * no valid syndrome for a hypervisor (ISS.ISV = 0, D17.2.37), so as under
 * KVM, where QEMU injects it for KVM_EXIT_ARM_NISV, it takes a synchronous
 * external abort: DFSC 0x10, FAR = the address, and WnR = 1, our choice
 * for a read-modify-write (the same as for its translation faults: the
 * access is one atomic write access); registers and memory are unchanged.
 */
#include "cpu/arm64/a64_cpu.h"


#include "cpu/arm64/a64_decode.h"

enum { AT_ADD, AT_CLR, AT_EOR, AT_SET, AT_SMAX, AT_SMIN, AT_UMAX, AT_UMIN, AT_SWP };


/* The host pointer for an atomic access of `size` bytes (a power of two up
 * to 16) at `addr`, or NULL with the exception taken (*ret = A64_JUMP). */
static uint8_t *atomic_ptr(struct a64_cpu *c, const struct a64_insn *i, uint64_t addr,
                           unsigned size, int *ret)
{
    if (i->n == A64_SP && a64_sp_misaligned(c)) {
        *ret = a64_sp_fault(c, i);
        return NULL;
    }
    if (addr & (size - 1)) {
        *ret = a64_data_abort(c, i, addr, false, A64_FSC_ALIGN);
        return NULL;
    }
    uint8_t *p = mmu_ptr(c->mmu, addr, true);
    if (!p && c->mmu->miss_fault)
        *ret = a64_data_abort(c, i, addr, true, -1);
    else if (!p)
        *ret = a64_data_abort(c, i, addr, true, A64_FSC_EXT);
    return p;
}

static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* LD<op>, SWP: d = Rt (the old value, zero-extended), m = Rs (the operand),
 * n = Rn, p0 = log2(size), p1 = the operation. */
static int op_ldop(struct a64_cpu *c, const struct a64_insn *i)
{
    unsigned size = 1u << i->p0, bits = 8 * size;
    int ret = A64_EXIT;
    uint8_t *p = atomic_ptr(c, i, c->x[i->n], size, &ret);
    if (!p)
        return ret;
    uint64_t mask = size_mask(size), old = 0, s = c->x[i->m] & mask, v;
    memcpy(&old, p, size);
    switch (i->p1) {
    case AT_ADD:
        v = old + s;
        break;
    case AT_CLR:
        v = old & ~s;
        break;
    case AT_EOR:
        v = old ^ s;
        break;
    case AT_SET:
        v = old | s;
        break;
    case AT_SMAX:
        v = (int64_t)a64_sext(old, bits) > (int64_t)a64_sext(s, bits) ? old : s;
        break;
    case AT_SMIN:
        v = (int64_t)a64_sext(old, bits) < (int64_t)a64_sext(s, bits) ? old : s;
        break;
    case AT_UMAX:
        v = old > s ? old : s;
        break;
    case AT_UMIN:
        v = old < s ? old : s;
        break;
    default: /* AT_SWP */
        v = s;
        break;
    }
    memcpy(p, &v, size);
    c->x[i->d] = old;
    return A64_NEXT;
}

/* Atomic memory operations: size (31:30), A (23), R (22), Rs, o3 (15), opc
 * (14:12).  o3 = 0: LD<opc>; o3 = 1, opc = 000: SWP (the table rows select
 * these). */
bool a64_dec_atomic(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool o3 = (w >> 15) & 1;
    in->d = a64_rzd(w & 31);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->m = a64_rz(a64_bits(w, 20, 16));
    in->p0 = (uint8_t)a64_bits(w, 31, 30);
    in->p1 = (uint8_t)(o3 ? AT_SWP : a64_bits(w, 14, 12));
    in->fn = op_ldop;
    return true;
}

/* ---- CAS, CASP ------------------------------------------------------------ */

/* Register numbers index the register file directly for reads (31 is
 * XZR); writes to 31 go to the sink. */
static inline unsigned wr_idx(unsigned r)
{
    return r == 31 ? A64_SINK : r;
}

/* CAS: compare Rs with memory; if equal, store Rt; Rs gets the old value
 * (zero-extended).  d = Rt, m = Rs (read), a = Rs (written), p0 = log2
 * size. */
static int op_cas(struct a64_cpu *c, const struct a64_insn *i)
{
    unsigned size = 1u << i->p0;
    int ret = A64_EXIT;
    uint8_t *p = atomic_ptr(c, i, c->x[i->n], size, &ret);
    if (!p)
        return ret;
    uint64_t mask = size_mask(size), old = 0;
    memcpy(&old, p, size);
    if (old == (c->x[i->m] & mask)) {
        uint64_t v = c->x[i->d];
        memcpy(p, &v, size);
    }
    c->x[i->a] = old;
    return A64_NEXT;
}

/* CASP: the pair Rs, Rs+1 against the two elements at [Xn] (Rs the lower
 * address: little-endian), Rt, Rt+1 stored on a match; Rs, Rs+1 get the old
 * pair.  p0 = log2 of the element size; p2 = Rs, p3 = Rt (register
 * numbers, even; s+1 = 31 is XZR). */
static int op_casp(struct a64_cpu *c, const struct a64_insn *i)
{
    unsigned esize = 1u << i->p0, s = i->p2, t = i->p3;
    int ret = A64_EXIT;
    uint8_t *p = atomic_ptr(c, i, c->x[i->n], 2 * esize, &ret);
    if (!p)
        return ret;
    uint64_t mask = size_mask(esize), lo = 0, hi = 0;
    memcpy(&lo, p, esize);
    memcpy(&hi, p + esize, esize);
    if (lo == (c->x[s] & mask) && hi == (c->x[s + 1] & mask)) {
        uint64_t v1 = c->x[t], v2 = c->x[t + 1];
        memcpy(p, &v1, esize);
        memcpy(p + esize, &v2, esize);
    }
    c->x[wr_idx(s)] = lo;
    c->x[wr_idx(s + 1)] = hi;
    return A64_NEXT;
}

/* CAS, CASA, CASL, CASAL (B, H, W, X): size (31:30), L (22), Rs, o0 (15);
 * Rt2 (14:10) should be 11111. */
bool a64_dec_cas(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned s = a64_bits(w, 20, 16);
    in->d = a64_rz(w & 31);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->m = a64_rz(s);
    in->a = a64_rzd(s);
    in->p0 = (uint8_t)a64_bits(w, 31, 30);
    in->fn = op_cas;
    return true;
}

/* CASP, CASPA, CASPL, CASPAL: sz (30) selects W or X pairs; an odd Rs or Rt
 * is UNDEFINED (C6.2 "CASP"). */
bool a64_dec_casp(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned s = a64_bits(w, 20, 16), t = w & 31;
    if ((s & 1) || (t & 1))
        return false;
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->p0 = (uint8_t)(2 + ((w >> 30) & 1));
    in->p2 = (uint8_t)s;
    in->p3 = (uint8_t)t;
    in->fn = op_casp;
    return true;
}
