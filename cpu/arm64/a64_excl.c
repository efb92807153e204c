/* cpu/arm64/a64_excl.c: load/store exclusive and CLREX.
 *
 * LDXR/LDAXR/STXR/STLXR (B, H, W, X), LDXP/LDAXP/STXP/STLXP (W, X pairs).
 * One vCPU runs in one thread in program order, so the acquire/release
 * semantics need nothing beyond the access itself, and a local monitor is
 * the whole exclusive-access model: LDXR arms it for (address, size), and a
 * store exclusive succeeds (status 0) iff it is armed for exactly that
 * address and size; either way the store exclusive clears it
 * (AArch64.ExclusiveMonitorsPass, Arm ARM J1).  Ordinary stores to the
 * monitored location do not clear it (IMPLEMENTATION DEFINED; QEMU instead
 * compares the memory value, so the two differ only for code that writes
 * the location between LDXR and STXR, which the architecture lets fail or
 * succeed).
 *
 * Operands: d = Rt, m = Rt2, a = Rs (the status register), n = Rn (SP
 * allowed), p0 = log2 of the element size, p1 = 1 for pairs.
 *
 * Exclusive accesses must be aligned to their total size whatever the
 * memory type (B2, "Alignment support"): a misaligned one is an Alignment
 * fault (Data Abort, DFSC 0x21); the check comes before the monitor test.
 * Translation faults are Data Aborts.  Exclusive accesses to non-RAM (MMIO,
 * read-only memory) take a synchronous external abort, as under KVM
 * (not_ram).
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

static __attribute__((noinline)) int misaligned(struct a64_cpu *c, const struct a64_insn *i,
                                                bool write, uint64_t addr)
{
    return a64_data_abort(c, i, addr, write, A64_FSC_ALIGN);
}

/* Not RAM: a translation fault (the walk's DFSC), or MMIO/read-only
 * memory, which a hypervisor cannot emulate for an exclusive (no valid
 * instruction syndrome, ISS.ISV = 0: D17.2.37 excludes Load/Store
 * Exclusive): a synchronous external abort (DFSC 0x10), as QEMU injects
 * for KVM_EXIT_ARM_NISV.  WnR is 0 for the loads, 1 for the stores. */
static __attribute__((noinline)) int not_ram(struct a64_cpu *c, const struct a64_insn *i,
                                             bool write, uint64_t addr)
{
    if (c->mmu->miss_fault)
        return a64_data_abort(c, i, addr, write, -1);
    return a64_data_abort(c, i, addr, write, A64_FSC_EXT);
}

static inline uint64_t low_bits(uint64_t v, unsigned bytes)
{
    return bytes >= 8 ? v : v & ((1ULL << (8 * bytes)) - 1);
}

/* LDXR, LDAXR, LDXP, LDAXP.  LDXP with Rt == Rt2 is CONSTRAINED
 * UNPREDICTABLE (Unpredictable_LDPOVERLAP): Rt2 is written last. */
static int op_ldx(struct a64_cpu *c, const struct a64_insn *i)
{
    unsigned esize = 1u << i->p0, total = esize << i->p1;
    uint64_t addr = c->x[i->n];
    if (i->n == A64_SP && a64_sp_misaligned(c))
        return a64_sp_fault(c, i);
    if (addr & (total - 1))
        return misaligned(c, i, false, addr);
    const uint8_t *p = mmu_ptr(c->mmu, addr, false);
    if (!p)
        return not_ram(c, i, false, addr);
    uint64_t v = 0, v2 = 0;
    memcpy(&v, p, esize);
    if (i->p1)
        memcpy(&v2, p + esize, esize);
    c->excl_armed = true;
    c->excl_addr = addr;
    c->excl_size = (uint8_t)total;
    c->x[i->d] = v;
    if (i->p1)
        c->x[i->m] = v2;
    return A64_NEXT;
}

/* STXR, STLXR, STXP, STLXP.  Rs == Rt or Rs == Rn is CONSTRAINED
 * UNPREDICTABLE; here the store uses the old values and the status is
 * written last. */
static int op_stx(struct a64_cpu *c, const struct a64_insn *i)
{
    unsigned esize = 1u << i->p0, total = esize << i->p1;
    uint64_t addr = c->x[i->n];
    if (i->n == A64_SP && a64_sp_misaligned(c))
        return a64_sp_fault(c, i);
    if (addr & (total - 1))
        return misaligned(c, i, true, addr);
    bool pass = c->excl_armed && c->excl_addr == addr && c->excl_size == total;
    c->excl_armed = false;
    if (pass) {
        uint8_t *p = mmu_ptr(c->mmu, addr, true);
        if (!p)
            return not_ram(c, i, true, addr);
        uint64_t v = low_bits(c->x[i->d], esize), v2 = low_bits(c->x[i->m], esize);
        memcpy(p, &v, esize);
        if (i->p1)
            memcpy(p + esize, &v2, esize);
    }
    c->x[i->a] = pass ? 0 : 1;
    return A64_NEXT;
}

/* Load/store exclusive: size (31:30), L (22), o1 (21: pair), Rs (20:16),
 * o0 (15: acquire/release, no effect here), Rt2 (14:10).  The table rows
 * fix o2 = 0 and give pairs only with size 1x (size 0x is CASP). */
bool a64_dec_excl(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    bool load = (w >> 22) & 1, pair = (w >> 21) & 1;
    unsigned size = a64_bits(w, 31, 30);
    unsigned t = w & 31, t2 = a64_bits(w, 14, 10);
    in->n = a64_rsp(a64_bits(w, 9, 5));
    in->p0 = (uint8_t)size; /* pairs: size 10 = W elements, 11 = X elements */
    in->p1 = pair;
    if (load) {
        in->d = a64_rzd(t);
        in->m = pair ? a64_rzd(t2) : A64_SINK;
        in->fn = op_ldx;
    } else {
        in->d = a64_rz(t);
        in->m = pair ? a64_rz(t2) : A64_XZR;
        in->a = a64_rzd(a64_bits(w, 20, 16));
        in->fn = op_stx;
    }
    return true;
}

/* CLREX: clear the local monitor. */
static int op_clrex(struct a64_cpu *c, const struct a64_insn *i)
{
    (void)i;
    c->excl_armed = false;
    return A64_NEXT;
}

bool a64_dec_clrex(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)w, (void)pc;
    in->fn = op_clrex;
    return true;
}
