/* cpu/arm64/a64_regs.c: register state, system registers, MSR/MRS.
 *
 * The register sets (squib/regs.h) are converted to and from the core's
 * state; system registers are kept in a small table keyed by their encoding
 * op0:op1:CRn:CRm:op2, which is both the KVM ONE_REG id's low 16 bits and
 * bits 20:5 of the MRS/MSR (register) instruction.
 */
#include "cpu/arm64/a64_cpu.h"

#include <errno.h>
#include <stdlib.h>

#include "cpu/arm64/a64_decode.h"
#include "util/err.h"

#define ENC(op0, op1, crn, crm, op2)                                                     \
    ((uint16_t)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2)))

enum sysreg_kind {
    SR_STORED, /* a plain value in c->sys[] */
    SR_NZCV,
    SR_DAIF,
    SR_SPSEL,
    SR_CURRENTEL,
    SR_SP_EL0,
    SR_SP_EL1,
    SR_ELR_EL1,
    SR_SPSR_EL1,
    SR_FPCR,
    SR_FPSR,
    SR_DCZID,
    SR_TIMER, /* the generic timer (a64_timer.c) */
    SR_DEBUG, /* self-hosted debug (a64_debug.c) */
    SR_CCSIDR, /* the cache CSSELR_EL1 selects */
    SR_ISR,    /* the pending IRQ/FIQ lines */
    SR_DCC,    /* the debug communications channel: no external debugger */
};

enum {
    SR_RO = 1u << 0,      /* guest writes are UNDEFINED */
    SR_EL0 = 1u << 1,     /* EL0 may read and write */
    SR_EL0_RO = 1u << 2,  /* EL0 may read */
    SR_EL0_UMA = 1u << 3, /* EL0 access when SCTLR_EL1.UMA is 1 (DAIF) */
    SR_NOGUEST = 1u << 4, /* only through ONE_REG (needs EL2 in the guest) */
    SR_EL0_UCT = 1u << 5, /* EL0 read when SCTLR_EL1.UCT is 1 (CTR_EL0) */
    SR_MMU = 1u << 6,     /* a write changes translation (a64_mmu_changed) */
    SR_EL0_CNT = 1u << 7, /* EL0 access as CNTKCTL_EL1 allows, else trapped */
    SR_EL0_DCC = 1u << 8, /* EL0 access unless MDSCR_EL1.TDCC, else trapped */
};

struct a64_sysreg {
    uint16_t enc;
    uint8_t kind;
    uint16_t flags;
    const char *name;
    uint64_t reset;
};

/* Reset values: architecturally UNKNOWN ones are 0.  MIDR_EL1 is a
 * Cortex-A72 r0p3; MPIDR_EL1 has bit 31 RES1 and affinity 0 (vCPU 0);
 * SCTLR_EL1 is the value KVM resets it to (MMU, caches and alignment checks
 * off, RES1 bits set). */
static const struct a64_sysreg sysregs[] = {
    /* First the rows with fixed indices (A64_SYS_*, a64_cpu.h). */
    {ENC(3, 0, 1, 0, 0), SR_STORED, SR_MMU, "SCTLR_EL1", 0x00C50078},
    {ENC(3, 0, 2, 0, 0), SR_STORED, SR_MMU, "TTBR0_EL1", 0},
    {ENC(3, 0, 2, 0, 1), SR_STORED, SR_MMU, "TTBR1_EL1", 0},
    {ENC(3, 0, 2, 0, 2), SR_STORED, SR_MMU, "TCR_EL1", 0},
    {ENC(3, 0, 10, 2, 0), SR_STORED, SR_MMU, "MAIR_EL1", 0},
    {ENC(3, 0, 5, 2, 0), SR_STORED, 0, "ESR_EL1", 0},
    {ENC(3, 0, 6, 0, 0), SR_STORED, 0, "FAR_EL1", 0},
    {ENC(3, 0, 7, 4, 0), SR_STORED, 0, "PAR_EL1", 0},
    {ENC(3, 0, 12, 0, 0), SR_STORED, 0, "VBAR_EL1", 0},
    /* FPEN resets to an UNKNOWN value; 0 (FP/SIMD trapped at EL0 and EL1)
     * is what KVM and QEMU reset it to, and what firmware and Linux expect
     * to have to enable (a64_fp_enabled). */
    {ENC(3, 0, 1, 0, 2), SR_STORED, 0, "CPACR_EL1", 0},
    /* Read by the context-matching breakpoints (a64_debug.c). */
    {ENC(3, 0, 13, 0, 1), SR_STORED, 0, "CONTEXTIDR_EL1", 0},
    /* Cortex-A72's CTR_EL0: 64-byte lines, VIPT instruction cache. */
    {ENC(3, 3, 0, 0, 1), SR_STORED, SR_RO | SR_EL0_UCT, "CTR_EL0", 0x8444C004},
    {ENC(3, 0, 0, 0, 0), SR_STORED, SR_RO, "MIDR_EL1", 0x410FD083},
    {ENC(3, 0, 0, 0, 5), SR_STORED, SR_RO, "MPIDR_EL1", 0x80000000},
    {ENC(3, 0, 0, 0, 6), SR_STORED, SR_RO, "REVIDR_EL1", 0},
    /* The implemented extensions beyond ARMv8.0: CRC32 (ISAR0.CRC32 = 1),
     * FEAT_LSE (ISAR0.Atomic = 2), FEAT_LRCPC (ISAR1.LRCPC = 1). */
    {ENC(3, 0, 0, 6, 0), SR_STORED, SR_RO, "ID_AA64ISAR0_EL1", 0x00210000},
    /* ID_AA64PFR0_EL1: EL0 and EL1 AArch64 only (1, 1), no EL2/EL3, FP and
     * AdvSIMD implemented (0 = present, without FP16), no GIC system
     * registers, no SVE/RAS/AMU. */
    {ENC(3, 0, 0, 4, 0), SR_STORED, SR_RO, "ID_AA64PFR0_EL1", 0x11},
    {ENC(3, 0, 0, 6, 1), SR_STORED, SR_RO, "ID_AA64ISAR1_EL1", 0x00100000},
    {ENC(3, 0, 1, 0, 1), SR_STORED, 0, "ACTLR_EL1", 0},
    {ENC(3, 0, 4, 0, 0), SR_SPSR_EL1, 0, "SPSR_EL1", 0},
    {ENC(3, 0, 4, 0, 1), SR_ELR_EL1, 0, "ELR_EL1", 0},
    {ENC(3, 0, 4, 1, 0), SR_SP_EL0, 0, "SP_EL0", 0},
    {ENC(3, 0, 4, 2, 0), SR_SPSEL, 0, "SPSel", 0},
    {ENC(3, 0, 4, 2, 2), SR_CURRENTEL, SR_RO, "CurrentEL", 0},
    {ENC(3, 0, 5, 1, 0), SR_STORED, 0, "AFSR0_EL1", 0},
    {ENC(3, 0, 5, 1, 1), SR_STORED, 0, "AFSR1_EL1", 0},
    {ENC(3, 0, 10, 3, 0), SR_STORED, 0, "AMAIR_EL1", 0},
    {ENC(3, 0, 13, 0, 4), SR_STORED, 0, "TPIDR_EL1", 0},
    {ENC(3, 0, 14, 1, 0), SR_TIMER, 0, "CNTKCTL_EL1", 0},
    /* The generic timer (a64_timer.c). */
    {ENC(3, 3, 14, 0, 0), SR_TIMER, SR_RO | SR_EL0_CNT, "CNTFRQ_EL0", 0},
    {ENC(3, 3, 14, 0, 1), SR_TIMER, SR_RO | SR_EL0_CNT, "CNTPCT_EL0", 0},
    {ENC(3, 3, 14, 0, 2), SR_TIMER, SR_RO | SR_EL0_CNT, "CNTVCT_EL0", 0},
    {ENC(3, 3, 14, 2, 0), SR_TIMER, SR_EL0_CNT, "CNTP_TVAL_EL0", 0},
    {ENC(3, 3, 14, 2, 1), SR_TIMER, SR_EL0_CNT, "CNTP_CTL_EL0", 0},
    {ENC(3, 3, 14, 2, 2), SR_TIMER, SR_EL0_CNT, "CNTP_CVAL_EL0", 0},
    {ENC(3, 3, 14, 3, 0), SR_TIMER, SR_EL0_CNT, "CNTV_TVAL_EL0", 0},
    {ENC(3, 3, 14, 3, 1), SR_TIMER, SR_EL0_CNT, "CNTV_CTL_EL0", 0},
    {ENC(3, 3, 14, 3, 2), SR_TIMER, SR_EL0_CNT, "CNTV_CVAL_EL0", 0},
    {ENC(3, 2, 0, 0, 0), SR_STORED, 0, "CSSELR_EL1", 0},
    /* Cortex-A72's caches (its TRM): CLIDR_EL1 says L1 separate instruction
     * and data caches, L2 unified, LoUIS = LoUU = 1, LoC = 2; CCSIDR_EL1
     * (SR_CCSIDR) describes the one CSSELR_EL1 selects. */
    {ENC(3, 1, 0, 0, 1), SR_STORED, SR_RO, "CLIDR_EL1", 0x0A200023},
    {ENC(3, 1, 0, 0, 0), SR_CCSIDR, SR_RO, "CCSIDR_EL1", 0},
    {ENC(3, 1, 0, 0, 7), SR_STORED, SR_RO, "AIDR_EL1", 0},
    /* EL1 is the highest EL here, so it has the reset vector register. */
    {ENC(3, 0, 12, 0, 1), SR_STORED, SR_RO, "RVBAR_EL1", 0},
    {ENC(3, 0, 12, 1, 0), SR_ISR, SR_RO, "ISR_EL1", 0},
    {ENC(3, 3, 0, 0, 7), SR_DCZID, SR_RO | SR_EL0_RO, "DCZID_EL0", 0},
    {ENC(3, 3, 4, 2, 0), SR_NZCV, SR_EL0, "NZCV", 0},
    {ENC(3, 3, 4, 2, 1), SR_DAIF, SR_EL0_UMA, "DAIF", 0},
    {ENC(3, 3, 4, 4, 0), SR_FPCR, SR_EL0, "FPCR", 0},
    {ENC(3, 3, 4, 4, 1), SR_FPSR, SR_EL0, "FPSR", 0},
    {ENC(3, 3, 13, 0, 2), SR_STORED, SR_EL0, "TPIDR_EL0", 0},
    {ENC(3, 3, 13, 0, 3), SR_STORED, SR_EL0_RO, "TPIDRRO_EL0", 0},
    {ENC(3, 4, 4, 1, 0), SR_SP_EL1, SR_NOGUEST, "SP_EL1", 0},
    /* Self-hosted debug (a64_debug.c): A64_NBRP breakpoints and A64_NWRP
     * watchpoints, the OS lock. */
    {ENC(2, 0, 0, 2, 2), SR_DEBUG, 0, "MDSCR_EL1", 0},
    {ENC(2, 0, 0, 2, 0), SR_DEBUG, 0, "MDCCINT_EL1", 0},
    {ENC(2, 0, 1, 0, 4), SR_DEBUG, 0, "OSLAR_EL1", 0},
    {ENC(2, 0, 1, 1, 4), SR_DEBUG, SR_RO, "OSLSR_EL1", 0},
    {ENC(2, 0, 1, 3, 4), SR_DEBUG, 0, "OSDLR_EL1", 0},
    {ENC(2, 0, 1, 4, 4), SR_DEBUG, 0, "DBGPRCR_EL1", 0},
    /* The rest of ARMv8.0's EL1 debug registers (a64_debug.c). */
    {ENC(2, 0, 1, 0, 0), SR_DEBUG, SR_RO, "MDRAR_EL1", 0},
    {ENC(2, 0, 0, 6, 2), SR_DEBUG, 0, "OSECCR_EL1", 0},
    {ENC(2, 0, 7, 8, 6), SR_DEBUG, 0, "DBGCLAIMSET_EL1", 0},
    {ENC(2, 0, 7, 9, 6), SR_DEBUG, 0, "DBGCLAIMCLR_EL1", 0},
    {ENC(2, 0, 7, 14, 6), SR_DEBUG, SR_RO, "DBGAUTHSTATUS_EL1", 0},
    /* The debug communications channel (D19, "MDCCSR_EL0", "DBGDTR_EL0"):
     * with no external debugger attached nothing is ever received or
     * taken: MDCCSR_EL0 reads RXfull = TXfull = 0, DBGDTR_EL0 and
     * DBGDTRRX_EL0 read 0 (UNKNOWN while RXfull is 0), writes to DBGDTR_EL0
     * and DBGDTRTX_EL0 go nowhere.  EL0 may use them unless MDSCR_EL1.TDCC
     * traps it. */
    {ENC(2, 3, 0, 1, 0), SR_DCC, SR_RO | SR_EL0_DCC, "MDCCSR_EL0", 0},
    {ENC(2, 3, 0, 4, 0), SR_DCC, SR_EL0_DCC, "DBGDTR_EL0", 0},
    {ENC(2, 3, 0, 5, 0), SR_DCC, SR_EL0_DCC, "DBGDTRRX_EL0", 0}, /* MSR: DBGDTRTX_EL0 */
#define DBG_BANK(n)                                                                      \
    {ENC(2, 0, 0, n, 4), SR_DEBUG, 0, "DBGBVR" #n "_EL1", 0},                            \
    {ENC(2, 0, 0, n, 5), SR_DEBUG, 0, "DBGBCR" #n "_EL1", 0}
    DBG_BANK(0), DBG_BANK(1), DBG_BANK(2), DBG_BANK(3), DBG_BANK(4), DBG_BANK(5),
#undef DBG_BANK
#define DBG_BANK(n)                                                                      \
    {ENC(2, 0, 0, n, 6), SR_DEBUG, 0, "DBGWVR" #n "_EL1", 0},                            \
    {ENC(2, 0, 0, n, 7), SR_DEBUG, 0, "DBGWCR" #n "_EL1", 0}
    DBG_BANK(0), DBG_BANK(1), DBG_BANK(2), DBG_BANK(3),
#undef DBG_BANK
    /* ID_AA64DFR0_EL1: DebugVer = 6 (ARMv8.0 debug), BRPs = A64_NBRP - 1,
     * WRPs = A64_NWRP - 1, CTX_CMPs = 0 (one context-aware breakpoint, the
     * highest-numbered: a64_debug.c), no PMU, no trace. */
    {ENC(3, 0, 0, 5, 0), SR_STORED, SR_RO, "ID_AA64DFR0_EL1",
     6 | (A64_NBRP - 1) << 12 | (A64_NWRP - 1) << 20},
    {ENC(3, 0, 0, 5, 1), SR_STORED, SR_RO, "ID_AA64DFR1_EL1", 0},
    /* ID_AA64MMFR0_EL1: PARange = 5 (48-bit output addresses), ASIDBits =
     * 2 (16-bit ASIDs), TGran16 = 1, TGran64 = 0, TGran4 = 0 (all three
     * granules, a64_mmu.c), mixed-endian not supported. */
    {ENC(3, 0, 0, 7, 0), SR_STORED, SR_RO, "ID_AA64MMFR0_EL1", 0x00100025},
    /* ID_AA64MMFR1_EL1: nothing beyond ARMv8.0 (HAFDBS = 0: no hardware
     * access flag, VMIDBits = 0, no PAN, no VHE). */
    {ENC(3, 0, 0, 7, 1), SR_STORED, SR_RO, "ID_AA64MMFR1_EL1", 0},
    {ENC(3, 0, 0, 7, 2), SR_STORED, SR_RO, "ID_AA64MMFR2_EL1", 0},
};
#define N_SYSREGS (sizeof sysregs / sizeof sysregs[0])
_Static_assert(N_SYSREGS <= A64_SYS_MAX, "raise A64_SYS_MAX");

#define SCTLR_UMA (1ULL << 9)
#define SCTLR_DZE (1ULL << 14)
#define SCTLR_UCT (1ULL << 15)

static int sysreg_find(uint32_t enc)
{
    for (unsigned k = 0; k < N_SYSREGS; k++)
        if (sysregs[k].enc == enc)
            return (int)k;
    return -1;
}

#define SYS_SCTLR A64_SYS_SCTLR

uint64_t a64_sctlr(const struct a64_cpu *c)
{
    return c->sys[SYS_SCTLR];
}

static uint64_t sysreg_get(struct a64_cpu *c, unsigned k)
{
    switch ((enum sysreg_kind)sysregs[k].kind) {
    case SR_NZCV:
        return a64_nzcv(c);
    case SR_DAIF:
        return c->daif;
    case SR_SPSEL:
        return c->spsel;
    case SR_CURRENTEL:
        return (uint64_t)c->el << 2;
    case SR_SP_EL0:
        a64_sp_save(c);
        return c->sp_el0;
    case SR_SP_EL1:
        a64_sp_save(c);
        return c->sp_el1;
    case SR_ELR_EL1:
        return c->elr_el1;
    case SR_SPSR_EL1:
        return c->spsr_el1;
    case SR_FPCR:
        return c->fp.fpcr;
    case SR_FPSR:
        return c->fp.fpsr;
    case SR_DCZID:
        /* BS = 4: DC ZVA zeroes 64 bytes (a64_system.c); DZP = 1 where DC
         * ZVA is prohibited: at EL0 without SCTLR_EL1.DZE (D13.2, "DCZID_EL0"). */
        return 4 | (uint64_t)(c->el == 0 && !(a64_sctlr(c) & SCTLR_DZE)) << 4;
    case SR_TIMER:
        return a64_timer_read(c, sysregs[k].enc);
    case SR_DEBUG:
        return a64_dbg_read(c, sysregs[k].enc);
    case SR_CCSIDR: {
        /* CSSELR_EL1 Level:InD: L1 data 32 KiB 2-way, L1 instruction 48 KiB
         * 3-way, L2 1 MiB 16-way, 64-byte lines (the Cortex-A72 TRM's
         * values); any other selection is UNKNOWN: 0. */
        static const uint32_t ccsidr[3] = {0x701fe00a, 0x201fe012, 0x707fe07a};
        uint64_t sel = c->sys[sysreg_find(ENC(3, 2, 0, 0, 0))] & 15;
        return sel < 3 ? ccsidr[sel] : 0;
    }
    case SR_DCC:
        return 0;
    case SR_ISR: { /* I (bit 7) and F (bit 6): the lines pending, masked or not */
        unsigned lines = atomic_load_explicit(&c->lines, memory_order_relaxed);
        return (uint64_t)((lines >> SQUIB_LINE_IRQ) & 1) << 7 |
               (uint64_t)((lines >> SQUIB_LINE_FIQ) & 1) << 6;
    }
    case SR_STORED:
        break;
    }
    return c->sys[k];
}

static void sysreg_put(struct a64_cpu *c, unsigned k, uint64_t v)
{
    switch ((enum sysreg_kind)sysregs[k].kind) {
    case SR_NZCV:
        a64_set_nzcv(c, (uint32_t)v & 0xf0000000u);
        break;
    case SR_DAIF:
        c->daif = (uint32_t)v & 0x3c0u;
        break;
    case SR_SPSEL:
        a64_sp_save(c);
        c->spsel = v & 1;
        a64_sp_load(c);
        break;
    case SR_CURRENTEL:
    case SR_CCSIDR:
    case SR_ISR:
        break; /* read-only; callers refuse */
    case SR_DCC:
        break; /* no external debugger takes it */
    case SR_SP_EL0:
        a64_sp_save(c);
        c->sp_el0 = v;
        a64_sp_load(c);
        break;
    case SR_SP_EL1:
        a64_sp_save(c);
        c->sp_el1 = v;
        a64_sp_load(c);
        break;
    case SR_ELR_EL1:
        c->elr_el1 = v;
        break;
    case SR_SPSR_EL1:
        c->spsr_el1 = v;
        break;
    case SR_FPCR:
        c->fp.fpcr = (uint32_t)v;
        break;
    case SR_FPSR:
        c->fp.fpsr = (uint32_t)v;
        break;
    case SR_DCZID:
        break; /* read-only; callers refuse */
    case SR_TIMER:
        a64_timer_write(c, sysregs[k].enc, v);
        break;
    case SR_DEBUG:
        a64_dbg_write(c, sysregs[k].enc, v);
        break;
    case SR_STORED:
        c->sys[k] = v;
        break;
    }
}

/* ---- reset and register sets ------------------------------------------- */

/* Reset as KVM leaves a vCPU for the VMM: EL1h, DAIF masked, MMU off, pc 0. */
void a64_regs_reset(struct a64_cpu *c)
{
    memset(c->x, 0, sizeof c->x);
    c->pc = 0;
    a64_set_nzcv(c, 0);
    c->daif = 0x3c0;
    c->el = 1;
    c->spsel = 1;
    c->event = false;
    c->excl_armed = false;
    c->sp_el0 = c->sp_el1 = 0;
    c->elr_el1 = c->spsr_el1 = 0;
    static const uint16_t fixed[] = {
        [A64_SYS_SCTLR] = ENC(3, 0, 1, 0, 0), [A64_SYS_TTBR0] = ENC(3, 0, 2, 0, 0),
        [A64_SYS_TTBR1] = ENC(3, 0, 2, 0, 1), [A64_SYS_TCR] = ENC(3, 0, 2, 0, 2),
        [A64_SYS_MAIR] = ENC(3, 0, 10, 2, 0), [A64_SYS_ESR] = ENC(3, 0, 5, 2, 0),
        [A64_SYS_FAR] = ENC(3, 0, 6, 0, 0),   [A64_SYS_PAR] = ENC(3, 0, 7, 4, 0),
        [A64_SYS_VBAR] = ENC(3, 0, 12, 0, 0), [A64_SYS_CPACR] = ENC(3, 0, 1, 0, 2),
        [A64_SYS_CONTEXTIDR] = ENC(3, 0, 13, 0, 1),
    };
    for (unsigned k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        if (sysregs[k].enc != fixed[k])
            abort(); /* the table's first rows must keep their A64_SYS_ order */
    for (unsigned k = 0; k < N_SYSREGS; k++)
        c->sys[k] = sysregs[k].reset;
    memset(&c->fp, 0, sizeof c->fp);
    a64_timer_reset(c);
    a64_dbg_reset(c);
    c->pend.kind = A64_PEND_NONE;
    if (c->mmu)
        a64_mmu_changed(c);
}

uint64_t a64_pstate(const struct a64_cpu *c)
{
    uint64_t m = c->el ? (uint64_t)(c->el << 2 | c->spsel) : 0;
    return (uint64_t)a64_nzcv_of(c) | (uint64_t)c->hd.ss << 21 | c->daif | m; /* SS: a64_debug.c */
}

int a64_get_regs(void *cpu, enum squib_regset set, void *buf)
{
    struct a64_cpu *c = cpu;
    if (set == SQUIB_REGSET_ARM64_FP) {
        memcpy(buf, &c->fp, sizeof c->fp);
        return 0;
    }
    if (set != SQUIB_REGSET_ARM64_CORE)
        return squib_fail(-EINVAL, "aarch64: no register set %d", (int)set);
    struct squib_arm64_regs *r = buf;
    a64_sp_save(c);
    memcpy(r->x, c->x, sizeof r->x);
    r->sp = c->sp_el0;
    r->sp_el1 = c->sp_el1;
    r->pc = c->pc;
    r->pstate = a64_pstate(c);
    r->elr_el1 = c->elr_el1;
    r->spsr_el1 = c->spsr_el1;
    return 0;
}

/* Only NZCV, SS, DAIF and M[3:0] of `pstate` are kept.  Setting the core
 * registers with a pc other than the one an exit stopped at abandons what
 * that exit left to complete (the VMM has moved the vCPU elsewhere); writing
 * back the same pc keeps it, so a get/set round trip changes nothing. */
int a64_set_regs(void *cpu, enum squib_regset set, const void *buf)
{
    struct a64_cpu *c = cpu;
    if (set == SQUIB_REGSET_ARM64_FP) {
        memcpy(&c->fp, buf, sizeof c->fp);
        return 0;
    }
    if (set != SQUIB_REGSET_ARM64_CORE)
        return squib_fail(-EINVAL, "aarch64: no register set %d", (int)set);
    const struct squib_arm64_regs *r = buf;
    unsigned m = r->pstate & 0x1f;
    if (m != 0x0 && m != 0x4 && m != 0x5)
        return squib_fail(-EINVAL,
                          "aarch64: PSTATE.M=0x%x unsupported (EL0t 0x0, EL1t 0x4 or EL1h 0x5; "
                          "the guest has no EL2/EL3 and AArch32 is not modelled)",
                          m);
    memcpy(c->x, r->x, sizeof r->x);
    c->sp_el0 = r->sp;
    c->sp_el1 = r->sp_el1;
    c->el = m >> 2;
    c->spsel = m & 1;
    a64_set_nzcv(c, (uint32_t)r->pstate & 0xf0000000u);
    c->daif = (uint32_t)r->pstate & 0x3c0u;
    c->hd.ss = (r->pstate >> 21) & 1;
    a64_dbg_update(c);
    a64_sp_load(c);
    a64_mode_changed(c);
    c->elr_el1 = r->elr_el1;
    c->spsr_el1 = r->spsr_el1;
    if (c->pend.kind != A64_PEND_NONE && r->pc != c->pend.pc)
        c->pend.kind = A64_PEND_NONE;
    c->pc = r->pc;
    return 0;
}

static int one_reg_index(uint64_t id)
{
    if (!SQUIB_REG_IS_ARM64_SYS(id))
        return squib_fail(-ENOENT, "aarch64: register id 0x%llx is not a system register id",
                          (unsigned long long)id);
    uint32_t enc = a64_timer_one_reg_enc(SQUIB_REG_ARM64_SYS_ENC(id)); /* KVM's swap */
    int k = sysreg_find(enc);
    if (k < 0)
        return squib_fail(-ENOENT, "aarch64: system register S%u_%u_C%u_C%u_%u is not kept",
                          enc >> 14, (enc >> 11) & 7, (enc >> 7) & 15, (enc >> 3) & 15,
                          enc & 7);
    return k;
}

int a64_get_one_reg(void *cpu, uint64_t id, uint64_t *value)
{
    int k = one_reg_index(id);
    if (k < 0)
        return k;
    *value = sysreg_get(cpu, (unsigned)k);
    return 0;
}

/* The feature ID registers (op0 3, op1 0, CRn 0, CRm 1-7): a VMM may
 * lower their fields, never raise one above what is implemented (KVM's
 * rule for writable ID registers); MIDR_EL1, MPIDR_EL1 and REVIDR_EL1
 * (CRm 0) are identification and take any value. */
static int id_write_ok(unsigned k, uint64_t value)
{
    uint32_t enc = sysregs[k].enc;
    if ((enc >> 14) != 3 || ((enc >> 11) & 7) != 0 || ((enc >> 7) & 15) != 0 ||
        ((enc >> 3) & 15) == 0)
        return 0;
    uint64_t max = sysregs[k].reset;
    for (unsigned f = 0; f < 64; f += 4)
        if (((value >> f) & 15) > ((max >> f) & 15))
            return squib_fail(-EINVAL,
                              "aarch64: %s = 0x%llx advertises more than is implemented "
                              "(0x%llx): field at bit %u",
                              sysregs[k].name, (unsigned long long)value,
                              (unsigned long long)max, f);
    return 0;
}

/* Instructions of the optional features a VMM may hide (ID_AA64ISAR0_EL1
 * and ISAR1): with the feature's field lowered they are UNDEFINED, as on a
 * CPU without it.  Asked when a block is decoded. */
static unsigned id_field(const struct a64_cpu *c, uint32_t enc, unsigned lsb)
{
    return (unsigned)(c->sys[sysreg_find(enc)] >> lsb) & 15;
}

bool a64_feature_present(const struct a64_cpu *c, uint32_t w)
{
    int r = a64_match(w);
    if (r == A64_ROW_CAS || r == A64_ROW_CASP || r == A64_ROW_LDOP || r == A64_ROW_SWP)
        return id_field(c, ENC(3, 0, 0, 6, 0), 20) >= 2; /* ISAR0.Atomic: FEAT_LSE */
    if (r == A64_ROW_LDAPR)
        return id_field(c, ENC(3, 0, 0, 6, 1), 20) >= 1; /* ISAR1.LRCPC */
    if (r == A64_ROW_DP_2src && ((w >> 12) & 0xe) == 0x4)
        return id_field(c, ENC(3, 0, 0, 6, 0), 16) >= 1; /* ISAR0.CRC32 (opcode 010xxx) */
    return true;
}

/* The VMM may set ID registers as KVM allows (id_write_ok); only CurrentEL
 * (part of PSTATE) is refused. */
int a64_set_one_reg(void *cpu, uint64_t id, uint64_t value)
{
    int k = one_reg_index(id);
    if (k < 0)
        return k;
    int rc = id_write_ok((unsigned)k, value);
    if (rc)
        return rc;
    if (sysregs[k].kind == SR_CURRENTEL)
        return squib_fail(-EINVAL, "aarch64: CurrentEL is set through PSTATE.M");
    if (sysregs[k].kind == SR_TIMER)
        return a64_timer_set_one(cpu, sysregs[k].enc, value);
    sysreg_put(cpu, (unsigned)k, value);
    if (sysregs[k].flags & SR_MMU)
        a64_mmu_changed(cpu);
    if (sysregs[k].enc == ENC(3, 0, 0, 6, 0) || sysregs[k].enc == ENC(3, 0, 0, 6, 1))
        dcache_invalidate(&((struct a64_cpu *)cpu)->dc); /* decoded with other features */
    return 0;
}

/* ---- MRS, MSR (register), MSR (immediate) ------------------------------ */
/* Operands: d = Rt (MRS destination / MSR source), imm = encoding,
 * imm2 = table index, p0 = 1 for MRS. */

enum { ACC_OK, ACC_UNDEF, ACC_TRAP, ACC_FPTRAP };

/* EL0 access: allowed, UNDEFINED (EL1-only registers), or trapped to EL1
 * by an SCTLR_EL1 control (UMA for DAIF, UCT for CTR_EL0: EC 0x18). */
static int el0_may(const struct a64_cpu *c, const struct a64_sysreg *r, bool write)
{
    if (r->flags & SR_EL0_CNT)
        return a64_timer_el0_ok(c, r->enc) ? ACC_OK : ACC_TRAP;
    if (r->flags & SR_EL0_DCC)
        return (a64_dbg_read(c, ENC(2, 0, 0, 2, 2)) & (1u << 12)) ? ACC_TRAP : ACC_OK; /* TDCC */
    if (r->flags & SR_EL0)
        return ACC_OK;
    if ((r->flags & SR_EL0_RO) && !write)
        return ACC_OK;
    if (r->flags & SR_EL0_UMA)
        return (a64_sctlr(c) & SCTLR_UMA) ? ACC_OK : ACC_TRAP;
    if ((r->flags & SR_EL0_UCT) && !write)
        return (a64_sctlr(c) & SCTLR_UCT) ? ACC_OK : ACC_TRAP;
    return ACC_UNDEF;
}

/* Checks common to MRS and MSR. */
static int access_ok(const struct a64_cpu *c, const struct a64_sysreg *r, bool write)
{
    if (r->flags & SR_NOGUEST)
        return ACC_UNDEF;
    if (write && (r->flags & SR_RO))
        return ACC_UNDEF;
    if (c->el == 0) {
        int a = el0_may(c, r, write);
        if (a != ACC_OK)
            return a;
    }
    /* SP_EL0 is only accessible by name while PSTATE.SP selects SP_ELx
     * (C5.2, "SP_EL0"). */
    if (r->kind == SR_SP_EL0 && c->spsel == 0)
        return ACC_UNDEF;
    /* FPCR and FPSR are trapped by CPACR_EL1.FPEN (D17.2.30). */
    if ((r->kind == SR_FPCR || r->kind == SR_FPSR) && !a64_fp_enabled(c))
        return ACC_FPTRAP;
    return ACC_OK;
}

/* ISS of a trapped MSR, MRS or System instruction (D17.2.37, "ISS encoding
 * for an exception from MSR, MRS, or System instruction execution"): Op0
 * 21:20, Op2 19:17, Op1 16:14, CRn 13:10, Rt 9:5, CRm 4:1, Direction 0
 * (1 = read).  `enc` is op0:op1:CRn:CRm:op2 as in the MRS word's bits 20:5. */
uint32_t a64_sysreg_iss(uint32_t enc, unsigned rt, bool read)
{
    uint32_t op0 = enc >> 14, op1 = (enc >> 11) & 7, crn = (enc >> 7) & 15;
    uint32_t crm = (enc >> 3) & 15, op2 = enc & 7;
    return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | (uint32_t)rt << 5 | crm << 1 |
           (uint32_t)read;
}

static int refuse(struct a64_cpu *c, const struct a64_insn *i, int why, bool read)
{
    if (why == ACC_FPTRAP)
        return a64_fp_trap(c, i);
    if (why == ACC_TRAP)
        return a64_exception_at(c, i, A64_EC_SYSREG,
                                a64_sysreg_iss((uint32_t)i->imm, i->p1, read));
    return a64_undefined(c, i);
}

static int op_mrs(struct a64_cpu *c, const struct a64_insn *i)
{
    const struct a64_sysreg *r = &sysregs[i->imm2];
    int a = access_ok(c, r, false);
    if (a != ACC_OK)
        return refuse(c, i, a, true);
    if (r->kind == SR_DEBUG)
        return a64_dbg_mrs(c, i, r->enc);
    c->x[i->d] = sysreg_get(c, (unsigned)i->imm2);
    return A64_NEXT;
}

static int op_msr(struct a64_cpu *c, const struct a64_insn *i)
{
    const struct a64_sysreg *r = &sysregs[i->imm2];
    int a = access_ok(c, r, true);
    if (a != ACC_OK)
        return refuse(c, i, a, false);
    uint64_t v = c->x[i->d];
    if (r->kind == SR_DEBUG)
        return a64_dbg_msr(c, i, r->enc, v);
    sysreg_put(c, (unsigned)i->imm2, v);
    if (r->flags & SR_MMU)
        a64_mmu_changed(c);
    return a64_op_next(c, i);
}

/* A register this core does not keep.  Most are UNDEFINED by their
 * encoding alone (C5.3, "op1" names the lowest EL with access): the EL2 and
 * EL3 registers and the FEAT_VHE _EL12/_EL02 forms (op1 4, 5, 6) in a guest
 * without EL2/EL3, and at EL0 everything but op1 = 3; the rest as below. */
static int op_sysreg_unknown(struct a64_cpu *c, const struct a64_insn *i)
{
    uint32_t enc = (uint32_t)i->imm;
    unsigned op1 = (enc >> 11) & 7;
    if (op1 == 4 || op1 == 5 || op1 == 6 || (c->el == 0 && op1 != 3))
        return a64_undefined(c, i);
    /* Registers of features this CPU does not advertise are UNDEFINED, as
     * on hardware without them: CNTPCTSS_EL0 and CNTVCTSS_EL0 (S3_3_C14_C0_5
     * and _6) belong to FEAT_ECV, and ID_AA64MMFR0_EL1.ECV is 0. */
    if (enc == ENC(3, 3, 14, 0, 5) || enc == ENC(3, 3, 14, 0, 6))
        return a64_undefined(c, i);
    /* The encodings the Arm ARM reserves for IMPLEMENTATION DEFINED
     * registers (op0 3, CRn 11 and 15): none is modelled, and they are
     * UNDEFINED to a guest here as under KVM, which injects the exception
     * for the system registers it does not handle. */
    if ((enc >> 14) == 3 && (((enc >> 7) & 15) == 11 || ((enc >> 7) & 15) == 15))
        return a64_undefined(c, i);
    /* The rest of the ID register space (op0 3, op1 0, CRn 0, CRm 1-7) is
     * RAZ at EL1 for reads, and UNDEFINED for writes (D17.1.3, "Reserved
     * encodings in the ID register space"): operating systems read every
     * ID register and take 0 as "not implemented". */
    if ((enc >> 14) == 3 && ((enc >> 11) & 7) == 0 && ((enc >> 7) & 15) == 0 &&
        ((enc >> 3) & 15) >= 1 && ((enc >> 3) & 15) <= 7) {
        if (!i->p0)
            return a64_undefined(c, i);
        c->x[i->d] = 0;
        return A64_NEXT;
    }
    /* Every other encoding names a register of a feature this CPU does not
     * advertise (PMU, GIC CPU interface, RAS, SPE, AMU, trace, ...) or none
     * at all: UNDEFINED (C5.3), which is also what KVM injects for the
     * system registers it does not handle.  The ARMv8.0 registers an EL1
     * kernel and EL0 use are all in the table above. */
    return a64_undefined(c, i);
}

static bool dec_sysreg(struct a64_insn *in, uint32_t w, bool read)
{
    uint32_t enc = a64_bits(w, 20, 5);
    int k = sysreg_find(enc);
    in->d = read ? a64_rzd(w & 31) : a64_rz(w & 31);
    in->imm = enc;
    in->p0 = read;
    in->p1 = (uint8_t)(w & 31); /* Rt as encoded, for a trap's syndrome */
    if (k < 0) {
        in->fn = op_sysreg_unknown;
        return true;
    }
    in->imm2 = (uint64_t)k;
    in->fn = read ? op_mrs : op_msr;
    return true;
}

bool a64_dec_mrs(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    return dec_sysreg(in, w, true);
}

bool a64_dec_msr_reg(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    return dec_sysreg(in, w, false);
}

/* MSR (immediate) to PSTATE fields (C6.2, "MSR (immediate)"): p0 = CRm. */

/* At EL0 without SCTLR_EL1.UMA: trapped (EC 0x18) with op0 = 0, op1 = 3,
 * CRn = 4, CRm = the immediate, Rt = 31. */
static int daif_trap(struct a64_cpu *c, const struct a64_insn *i, unsigned op2)
{
    uint32_t enc = ENC(0, 3, 4, i->p0, op2);
    return a64_exception_at(c, i, A64_EC_SYSREG, a64_sysreg_iss(enc, 31, false));
}

static int op_daifset(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0 && !(a64_sctlr(c) & SCTLR_UMA))
        return daif_trap(c, i, 6);
    c->daif |= (uint32_t)i->p0 << 6;
    return a64_op_next(c, i);
}

/* Ends the block so that, once interrupts are delivered, a pending one is
 * taken right after the instruction that unmasked it. */
static int op_daifclr(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0 && !(a64_sctlr(c) & SCTLR_UMA))
        return daif_trap(c, i, 7);
    c->daif &= ~((uint32_t)i->p0 << 6);
    return a64_op_next(c, i);
}

static int op_spsel(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0)
        return a64_undefined(c, i);
    a64_sp_save(c);
    c->spsel = i->p0 & 1;
    a64_sp_load(c);
    return a64_op_next(c, i);
}

bool a64_dec_msr_pstate(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned op1 = a64_bits(w, 18, 16), op2 = a64_bits(w, 7, 5);
    in->p0 = (uint8_t)a64_bits(w, 11, 8);
    if (op1 == 0 && op2 == 5)
        in->fn = op_spsel;
    else if (op1 == 3 && op2 == 6)
        in->fn = op_daifset;
    else if (op1 == 3 && op2 == 7)
        in->fn = op_daifclr;
    else
        return false;
    return true;
}
