/* cpu/arm64/a64_mmu.c: stage 1 translation at EL0/EL1 (Arm ARM D8,
 * "The AArch64 Virtual Memory System Architecture").
 *
 * With SCTLR_EL1.M set the soft TLB (mmu/tlb.h) calls a64_translate on a
 * miss.  VA bit 55 selects TTBR0_EL1 or TTBR1_EL1 (D8.2.4); TCR_EL1.T0SZ/
 * T1SZ give the input size, EPD0/EPD1 disable a walk, TBI0/TBI1 make data
 * accesses ignore the top byte.  TCR_EL1.TG0/TG1 select the 4 KiB, 16 KiB
 * or 64 KiB granule for each half (walk()).  Output addresses are 48 bits.
 * The soft TLB caches 4 KiB pieces of whatever page or block the walk
 * found.
 *
 * ASIDs (D8.13 "Translation Lookaside Buffers"; TTBRn_EL1.ASID, TCR_EL1.A1
 * and AS): the soft TLB is not tagged with them.  Instead every write to
 * TTBR0_EL1, TTBR1_EL1 or TCR_EL1 (a new ASID, table base, A1 or AS) drops
 * every cached translation, global or not, and every TLBI (VMALLE1, VAE1,
 * ASIDE1, VAAE1, VALE1, VAALE1 and their IS forms) does the same, which
 * the architecture allows (invalidating more than asked is always
 * permitted).  So nG entries of one ASID are never used under another, and
 * a TLBI never leaves a stale entry.  The cost is a refill after each
 * address-space switch.
 *
 * Faults are reported in priority order (D8.15 "MMU fault prioritization"):
 * translation (out-of-range VA, EPD, invalid or reserved descriptor),
 * access flag (AF = 0: hardware AF management is not advertised,
 * ID_AA64MMFR1_EL1.HAFDBS = 0), permission (AP[2:1], APTable, UXN/PXN,
 * UXNTable/PXNTable, SCTLR_EL1.WXN, and "EL1 never executes what EL0 can
 * write", D8.4.1).  The fault status code lands in c->fault_fsc for the
 * caller (a64_data_abort, the Instruction Abort in a64_core.c).
 *
 * MAIR_EL1 only decides Device versus Normal memory (c->walk_device), so
 * that unaligned accesses to device memory take Alignment faults.
 */
#include "cpu/arm64/a64_cpu.h"

#include "squib/physmap.h"

#define TCR_EPD0 (1ULL << 7)
#define TCR_EPD1 (1ULL << 23)
#define TCR_TBI0 (1ULL << 37)
#define TCR_TBI1 (1ULL << 38)
#define SCTLR_WXN (1ULL << 19)
#define OA_MASK 0x0000fffffffff000ULL

struct walk {
    uint64_t pa;
    unsigned level;
    uint64_t desc;
    bool ap_table_no_el0, ap_table_ro, uxn_table, pxn_table;
};

/* The translation granules (D8.2.7 "Translation granule size"): log2 of
 * the granule, and the bits resolved per level (stride).  TG0 encodes 4 KiB
 * as 0b00, 64 KiB 0b01, 16 KiB 0b10; TG1 16 KiB 0b01, 4 KiB 0b10, 64 KiB
 * 0b11.  The reserved encodings (TG0 0b11, TG1 0b00) select an
 * IMPLEMENTATION DEFINED implemented size: 4 KiB here. */
static unsigned granule_bits(const struct a64_cpu *c, bool hi)
{
    uint64_t tcr = c->sys[A64_SYS_TCR];
    unsigned tg = hi ? (tcr >> 30) & 3 : (tcr >> 14) & 3;
    static const uint8_t tg0[4] = {12, 16, 14, 12}, tg1[4] = {12, 14, 12, 16};
    return hi ? tg1[tg] : tg0[tg];
}

/* The walk proper (D8.2 "Translation process"; the shared pseudocode
 * AArch64.S1Walk): a translation, access flag or external abort fault
 * code, or -1 with *w filled.
 *
 * With a granule of 2^g bytes each level resolves g - 3 bits (the stride:
 * 9, 11, 13); the walk starts at level 4 - ceil((inputsize - g) / stride),
 * whose table has only the leftover index bits (and is aligned to its
 * size, at least 64 bytes).  Blocks (D8.3.1 "Block descriptors") exist at
 * level 1 (1 GiB) and 2 (2 MiB) with 4 KiB, at level 2 only with 16 KiB
 * (32 MiB) and 64 KiB (512 MiB): a block descriptor at any other level is
 * reserved, a translation fault, as is a level 3 descriptor with bit 1
 * clear.  Output addresses are 48 bits (no FEAT_LPA/LPA2): table and page
 * addresses are descriptor bits 47:g. */
static int walk(struct a64_cpu *c, uint64_t va, bool fetch, struct walk *w)
{
    uint64_t tcr = c->sys[A64_SYS_TCR];
    bool hi = (va >> 55) & 1;
    unsigned tsz = hi ? (tcr >> 16) & 63 : tcr & 63;
    bool epd = hi ? tcr & TCR_EPD1 : tcr & TCR_EPD0;
    bool tbi = hi ? tcr & TCR_TBI1 : tcr & TCR_TBI0;
    unsigned g = granule_bits(c, hi), stride = g - 3;
    /* Out-of-range T0SZ/T1SZ values are CONSTRAINED UNPREDICTABLE; as the
     * hardware without FEAT_TTST/FEAT_LVA, clamp to 16..39 (D8.2.6). */
    if (tsz < 16)
        tsz = 16;
    if (tsz > 39)
        tsz = 39;
    unsigned inputsize = 64 - tsz;
    unsigned top = (tbi && !fetch) ? 55 : 63;
    uint64_t upper = (va << (63 - top)) >> (63 - top + inputsize);
    uint64_t ones = (1ULL << (top + 1 - inputsize)) - 1;
    if ((hi ? upper != ones : upper != 0) || epd)
        return A64_FSC_TRANS + 0;
    unsigned levels = (inputsize - g + stride - 1) / stride;
    unsigned start = 4 - levels, level = start;
    unsigned topbits = inputsize - (g + stride * (3 - start)); /* index bits at the start */
    uint64_t ttbr = c->sys[hi ? A64_SYS_TTBR1 : A64_SYS_TTBR0];
    unsigned align = topbits + 3 > 6 ? topbits + 3 : 6;
    uint64_t table = ttbr & 0x0000fffffffffffeULL & ~((1ULL << align) - 1);
    uint64_t oa_mask = OA_MASK & ~((1ULL << g) - 1);
    unsigned block_min = g == 12 ? 1 : 2; /* the first level with blocks */
    *w = (struct walk){0};
    for (;; level++) {
        unsigned shift = g + stride * (3 - level);
        unsigned bits = level == start ? topbits : stride;
        uint64_t idx = (va >> shift) & ((1ULL << bits) - 1);
        const uint8_t *p = squib_physmap_ptr(c->mmu->ram, table + 8 * idx, 8);
        if (!p)
            return A64_FSC_EXT_WALK + level; /* the table is not RAM */
        uint64_t d;
        memcpy(&d, p, 8);
        if (!(d & 1))
            return A64_FSC_TRANS + level;
        bool is_table = (d & 2) && level < 3;
        if (is_table) {
            w->pxn_table |= (d >> 59) & 1;
            w->uxn_table |= (d >> 60) & 1;
            w->ap_table_no_el0 |= (d >> 61) & 1;
            w->ap_table_ro |= (d >> 62) & 1;
            table = d & oa_mask;
            continue;
        }
        /* A block where the granule has none, or a level 3 entry with bit
         * 1 clear, is reserved: a translation fault (D8.3.1). */
        if (level < block_min || (level == 3 && !(d & 2)))
            return A64_FSC_TRANS + level;
        uint64_t mask = (1ULL << shift) - 1;
        w->pa = (d & OA_MASK & ~mask) | (va & mask);
        w->level = level;
        w->desc = d;
        if (!(d & (1ULL << 10)))
            return A64_FSC_ACCESS + level;
        return -1;
    }
}

/* Permissions of a finished walk for an access by EL0 (el0) or EL1. */
static bool permitted(const struct a64_cpu *c, const struct walk *w, bool el0, bool write,
                      bool fetch, bool *writable)
{
    unsigned ap = (w->desc >> 6) & 3; /* AP[2:1] */
    bool el0_rw = ap == 1 && !w->ap_table_no_el0;
    bool el0_r = (ap & 1) && !w->ap_table_no_el0;
    bool ro = (ap & 2) || w->ap_table_ro;
    bool r = el0 ? el0_r : true;
    bool wr = r && !ro && (el0 ? el0_rw : true);
    bool x;
    if (el0)
        x = !((w->desc >> 54) & 1) && !w->uxn_table;
    else
        x = !((w->desc >> 53) & 1) && !w->pxn_table && !(el0_rw && !ro);
    if (wr && (c->sys[A64_SYS_SCTLR] & SCTLR_WXN))
        x = false;
    *writable = wr;
    return fetch ? x : write ? wr : r;
}

static bool is_device(const struct a64_cpu *c, uint64_t desc)
{
    unsigned idx = (desc >> 2) & 7;
    uint8_t attr = (uint8_t)(c->sys[A64_SYS_MAIR] >> (8 * idx));
    return (attr >> 4) == 0; /* Device-nGnRnE ... Device-GRE */
}

static bool a64_translate(void *opaque, uint64_t va, bool write, bool fetch, uint64_t *paddr,
                          bool *writable)
{
    struct a64_cpu *c = opaque;
    struct walk w;
    int fsc = walk(c, va, fetch, &w);
    if (fsc >= 0) {
        c->fault_fsc = (uint8_t)fsc;
        return false;
    }
    if (!permitted(c, &w, c->acc_el0, write, fetch, writable)) {
        c->fault_fsc = (uint8_t)(A64_FSC_PERM + w.level);
        return false;
    }
    c->walk_device = is_device(c, w.desc);
    *paddr = w.pa;
    return true;
}

void a64_mmu_changed(struct a64_cpu *c)
{
    struct mmu *m = c->mmu;
    m->translate = a64_mmu_on(c) ? a64_translate : NULL;
    m->translate_opaque = c;
    mmu_flush(m);
    /* Blocks are keyed by virtual pc: a new mapping may show other code, so
     * every block is compared with what its pc now maps to before its next
     * use (a64_core.c, block_current). */
    c->gen++;
    a64_mode_changed(c);
}

bool a64_mmu_probe(struct a64_cpu *c, uint64_t va, bool el0, bool write)
{
    if (!a64_mmu_on(c))
        return true;
    struct walk w;
    bool wr;
    return walk(c, va, false, &w) < 0 && permitted(c, &w, el0, write, false, &wr);
}

bool a64_mmu_device(struct a64_cpu *c, uint64_t va)
{
    struct walk w;
    return a64_mmu_on(c) && walk(c, va, false, &w) < 0 && is_device(c, w.desc);
}

bool a64_align_fault(struct a64_cpu *c, uint64_t va)
{
    if (c->sys[A64_SYS_SCTLR] & 2) /* SCTLR_EL1.A */
        return true;
    return a64_mmu_device(c, va); /* RAM with the MMU off: see a64_ldst.c */
}

/* PAR_EL1 (Arm ARM D17.2 "PAR_EL1"): bit 11 is RES1 in both formats
 * (NSE, without FEAT_RME). */
#define PAR_RES1 (1ULL << 11)
#define SH_OUTER 2u

/* PAR_EL1.SH of a successful translation (PAREncodeShareability): 0b10,
 * Outer Shareable, for every Device memory type and for Normal memory that
 * is Inner and Outer Non-cacheable; otherwise the descriptor's SH. */
static uint64_t par_sh(uint8_t attr, unsigned sh)
{
    if ((attr >> 4) == 0 || attr == 0x44)
        return SH_OUTER;
    return sh;
}

/* AT S1E1R/W, S1E0R/W (C5.5): PAR_EL1 gets the physical address and
 * attributes (F = 0: ATTR from MAIR_EL1, SH) or the fault status (F = 1,
 * FST in bits 6:1).  With the MMU off the address is flat and the
 * attributes are those of data accesses then: Device-nGnRnE (ATTR 0x00),
 * so SH = 0b10 (D8.2.10, "The effects of disabling an address translation
 * stage"). */
void a64_mmu_at(struct a64_cpu *c, uint64_t va, bool el0, bool write)
{
    struct walk w;
    if (!a64_mmu_on(c)) {
        c->sys[A64_SYS_PAR] = (va & OA_MASK) | (uint64_t)SH_OUTER << 7 | PAR_RES1;
        return;
    }
    int fsc = walk(c, va, false, &w);
    bool wr;
    if (fsc < 0 && !permitted(c, &w, el0, write, false, &wr))
        fsc = A64_FSC_PERM + (int)w.level;
    if (fsc >= 0) {
        c->sys[A64_SYS_PAR] = 1 | (uint64_t)fsc << 1 | PAR_RES1;
        return;
    }
    uint8_t attr = (uint8_t)(c->sys[A64_SYS_MAIR] >> (8 * ((w.desc >> 2) & 7)));
    uint64_t sh = par_sh(attr, (w.desc >> 8) & 3);
    c->sys[A64_SYS_PAR] = (uint64_t)attr << 56 | (w.pa & OA_MASK) | sh << 7 | PAR_RES1;
}
