/* cpu/arm64/a64_system.c: hints, barriers, waits, exception generation,
 * and the SYS cache/TLB maintenance operations (IC, DC, TLBI, AT).
 *
 * The interpreter runs one vCPU in one thread, in program order, so the
 * memory barriers (DMB, DSB) have nothing to order and are no-ops.  ISB is a
 * context synchronization event: it ends the block, so system register
 * changes before it are seen by what follows (nothing is cached across blocks
 * that an ISB would need to drop yet).
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

#define SCTLR_DZE (1ULL << 14)
#define SCTLR_UCI (1ULL << 26)
#define SCTLR_nTWI (1ULL << 16)
#define SCTLR_nTWE (1ULL << 18)

/* NOP, YIELD, and the rest of the hint space (C6.2, "HINT": unallocated
 * hints, and hints of features the modelled ARMv8.0 CPU lacks such as BTI or
 * PACIASP, execute as NOPs); DMB and DSB (see above).  CLREX is with the
 * exclusives (a64_excl.c). */
bool a64_dec_nop(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)w, (void)pc;
    in->fn = a64_op_nop;
    return true;
}

bool a64_dec_isb(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)w, (void)pc;
    in->fn = a64_op_next;
    return true;
}

/* SEV, SEVL: set the event register (SEV signals every PE, this one
 * included: Arm ARM D1, "Wait for Event mechanism and Send event"). */
static int op_sev(struct a64_cpu *c, const struct a64_insn *i)
{
    (void)i;
    c->event = true;
    return A64_NEXT;
}

bool a64_dec_sev(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)w, (void)pc;
    in->fn = op_sev;
    return true;
}

/* WFI, WFE exit with pc = the instruction; the next run continues after it
 * (squib/exit.h).  At EL0 they trap to EL1 unless SCTLR_EL1.nTWI/nTWE is
 * set. */
static int wait_exit(struct a64_cpu *c, const struct a64_insn *i, enum squib_exit_kind kind)
{
    struct squib_exit *e = a64_exit_begin(c, i, kind);
    c->pend = (struct a64_pending){.kind = A64_PEND_SKIP, .pc = e->pc};
    return A64_EXIT;
}

/* A trapped WFI/WFE: EC 0x01 with CV = 1, COND = 0xE, TI = 1 for WFE
 * (D17.2.37, "ISS encoding for an exception from a WFI or WFE"). */
static int wfx_trap(struct a64_cpu *c, const struct a64_insn *i, bool wfe)
{
    return a64_exception_at(c, i, A64_EC_WFX, 1u << 24 | 0xeu << 20 | (uint32_t)wfe);
}

/* A WFI with an IRQ or FIQ input line high completes at once, masked by
 * PSTATE or not: a pending physical interrupt is a WFI wake-up event
 * regardless of PSTATE.{I,F} (Arm ARM D1.16, "Wait for Interrupt"); an
 * unmasked one is then taken at the next block boundary with ELR = the
 * instruction after the WFI.  Otherwise the WFI exits; the run loop sleeps
 * until the next timer deadline (squib_vcpu_timer_deadline) or ends the
 * run if nothing can wake the vCPU.  The next run continues after the WFI
 * whether or not an interrupt arrived: the architecture lets WFI complete
 * for any reason (D1.16), and the guest re-checks its wake condition. */
static int op_wfi(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0 && !(a64_sctlr(c) & SCTLR_nTWI))
        return wfx_trap(c, i, false);
    if (atomic_load_explicit(&c->lines, memory_order_relaxed))
        return a64_op_next(c, i);
    return wait_exit(c, i, SQUIB_EXIT_WFI);
}

/* A set event register makes WFE return at once, clearing it. */
static int op_wfe(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0 && !(a64_sctlr(c) & SCTLR_nTWE))
        return wfx_trap(c, i, true);
    if (c->event) {
        c->event = false;
        return a64_op_next(c, i);
    }
    return wait_exit(c, i, SQUIB_EXIT_WFE);
}

bool a64_dec_wfi(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)w, (void)pc;
    in->fn = op_wfi;
    return true;
}

bool a64_dec_wfe(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)w, (void)pc;
    in->fn = op_wfe;
    return true;
}

/* ---- exception generating: imm = imm16 ------------------------------ */

/* HVC #0 is an SMCCC call to the VMM: func = x0, args = x1..x6; the results
 * land in x0..x3 on the next run.  SMCCC reserves other immediates, which
 * are not hypercalls the VMM could tell apart (the exit carries no
 * immediate): they return NOT_SUPPORTED (-1) in x0 at once.  HVC is
 * UNDEFINED at EL0 (C6.2, "HVC"). */
static int hypercall(struct a64_cpu *c, const struct a64_insn *i)
{
    if (i->imm != 0) {
        c->x[0] = ~0ULL;
        return a64_op_next(c, i);
    }
    struct squib_exit *e = a64_exit_begin(c, i, SQUIB_EXIT_HYPERCALL);
    e->hypercall.func = c->x[0];
    for (int k = 0; k < 6; k++)
        e->hypercall.args[k] = c->x[1 + k];
    c->pend = (struct a64_pending){.kind = A64_PEND_HVC, .pc = e->pc};
    return A64_EXIT;
}

static int op_hvc(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0)
        return a64_undefined(c, i);
    return hypercall(c, i);
}

/* SMC: the guest has no EL3, so SMC is UNDEFINED (C6.2, "SMC"), unless the
 * VMM chose the SMC conduit for SMCCC/PSCI (squib_vm_set_psci_conduit):
 * then SMC #imm behaves as HVC #imm above, as if EL3 firmware forwarded it
 * (the exit is the same HYPERCALL).  UNDEFINED at EL0 either way. */
static int op_smc(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0 || !c->smc_hypercall)
        return a64_undefined(c, i);
    return hypercall(c, i);
}

/* SVC: EC 0x15 with imm16; the preferred return address is the next
 * instruction (D1.10.4, "Preferred exception return address"). */
static int op_svc(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_exception(c, a64_insn_pc(c, i) + 4, A64_EC_SVC, (uint32_t)i->imm, false, 0);
}

/* BRK: EC 0x3C with imm16, returning to the BRK itself.  With guest debug
 * enabled the VMM owns software breakpoints (KVM_GUESTDBG_USE_SW_BP): a
 * DEBUG exit at the BRK instead. */
static int op_brk(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->dbg.enable) {
        struct squib_exit *e = a64_exit_begin(c, i, SQUIB_EXIT_DEBUG);
        e->debug.reason = SQUIB_DEBUG_BREAKPOINT;
        return A64_EXIT;
    }
    return a64_exception_at(c, i, A64_EC_BRK, (uint32_t)i->imm);
}

static void dec_imm16(struct a64_insn *in, uint32_t w, a64_handler fn)
{
    in->imm = a64_bits(w, 20, 5);
    in->fn = fn;
}

bool a64_dec_hvc(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    dec_imm16(in, w, op_hvc);
    return true;
}

bool a64_dec_smc(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    dec_imm16(in, w, op_smc);
    return true;
}

bool a64_dec_svc(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    dec_imm16(in, w, op_svc);
    return true;
}

bool a64_dec_brk(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    dec_imm16(in, w, op_brk);
    return true;
}

/* ---- SYS, SYSL: cache maintenance, TLB maintenance, address translation -- */

/* DC ZVA zeroes a block of 4 << DCZID_EL0.BS bytes (a64_regs.c reports BS =
 * 4: 64 bytes, as Cortex-A72). */
#define DCZVA_BYTES 64

enum sys_op {
    SYS_IC_ALL,  /* IC IALLU, IC IALLUIS: EL1 only */
    SYS_IC_VA,   /* IC IVAU: EL0 with SCTLR_EL1.UCI */
    SYS_DC_SW,   /* DC IVAC, ISW, CSW, CISW: EL1 only */
    SYS_DC_VA,   /* DC CVAC, CVAU, CIVAC: EL0 with SCTLR_EL1.UCI */
    SYS_DC_ZVA,  /* EL0 with SCTLR_EL1.DZE */
    SYS_TLBI,    /* TLBI ...E1, ...E1IS: EL1 only */
    SYS_AT,      /* AT S1E1R, S1E1W, S1E0R, S1E0W: EL1 only */
};

/* EL0 access to an EL0-permitted op needs its SCTLR_EL1 bit, else it traps
 * to EL1 (D13.2, "SCTLR_EL1": UCI, DZE); EL1-only ops are UNDEFINED at EL0
 * (C5.3, "A64 system instructions for cache maintenance"). */
static int sys_trap(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_exception_at(c, i, A64_EC_SYSREG, a64_sysreg_iss((uint32_t)i->imm2, i->p1, false));
}

static int sys_el0_check(struct a64_cpu *c, const struct a64_insn *i)
{
    switch ((enum sys_op)i->p0) {
    case SYS_IC_VA:
    case SYS_DC_VA:
        if (a64_sctlr(c) & SCTLR_UCI)
            return A64_NEXT;
        return sys_trap(c, i);
    case SYS_DC_ZVA:
        if (a64_sctlr(c) & SCTLR_DZE)
            return A64_NEXT;
        return sys_trap(c, i);
    default:
        return a64_undefined(c, i);
    }
}

/* DC ZVA (C5.3, "DC ZVA"): to any type of Device memory it takes an
 * Alignment fault: a Device mapping, or MMIO with the MMU off (data
 * accesses are Device-nGnRnE then).  RAM with the MMU off is zeroed as
 * Normal memory would be (the same deviation as unaligned accesses, see
 * a64_ldst.c; QEMU does the same).  MMIO or ROM through a Normal mapping:
 * a hypervisor cannot complete it (no syndrome), so the external abort KVM
 * gives such accesses.  The block never crosses a page. */
static int dc_zva(struct a64_cpu *c, const struct a64_insn *i)
{
    uint64_t va = c->x[i->d], addr = va & ~(uint64_t)(DCZVA_BYTES - 1);
    static const uint8_t zero[DCZVA_BYTES];
    if (!mmu_ptr(c->mmu, addr, true) && c->mmu->miss_fault)
        return a64_data_abort(c, i, va, true, -1);
    if (a64_mmu_device(c, addr))
        return a64_data_abort(c, i, va, true, A64_FSC_ALIGN);
    if (!mmu_write(c->mmu, addr, zero, DCZVA_BYTES))
        return a64_data_abort(c, i, va, true, a64_mmu_on(c) ? A64_FSC_EXT : A64_FSC_ALIGN);
    return A64_NEXT;
}

/* The ops end the block (the table row has E), so the next block is looked
 * up after the invalidation takes effect. */
static int op_sys(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0) {
        int r = sys_el0_check(c, i);
        if (r != A64_NEXT)
            return r;
    }
    switch ((enum sys_op)i->p0) {
    case SYS_IC_ALL:
    case SYS_IC_VA:
        /* Drops every decoded block (IVAU too: the decode cache is not
         * indexed by address range).  The running block stays valid until
         * this handler returns (cpu/dcache.h). */
        dcache_invalidate(&c->dc);
        mmu_unwatch_all(c->mmu);
        break;
    case SYS_DC_SW:
    case SYS_DC_VA:
        /* No data or unified caches are modelled: memory is always
         * coherent, so clean/invalidate by VA or set/way have no effect. */
        break;
    case SYS_DC_ZVA: {
        int r = dc_zva(c, i);
        if (r != A64_NEXT)
            return r;
        break;
    }
    case SYS_TLBI:
        /* Every TLBI variant (by VA, ASID, all) flushes the whole soft TLB:
         * over-invalidation is always permitted.  Blocks are keyed by
         * virtual pc, so each is re-checked against the new mapping
         * before its next use (a64_mmu_changed). */
        a64_mmu_changed(c);
        break;
    case SYS_AT: /* op2 bit 0: write; bit 1: EL0 (S1E1R, S1E1W, S1E0R, S1E0W) */
        a64_mmu_at(c, c->x[i->d], (i->p2 >> 1) & 1, i->p2 & 1);
        break;
    }
    return a64_op_next(c, i);
}

/* SYS #op1, Cn, Cm, #op2, Xt: the ARMv8.0 cache, TLB and address-translation
 * operations at EL0/EL1 (C5.3, "A64 system instructions for cache
 * maintenance", "... for address translation", "... for TLB maintenance").
 * EL2/EL3 operations (op1 4, 6) and the rest of the space are UNDEFINED. */
bool a64_dec_sys(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)pc;
    unsigned op1 = a64_bits(w, 18, 16), crn = a64_bits(w, 15, 12);
    unsigned crm = a64_bits(w, 11, 8), op2 = a64_bits(w, 7, 5);
    int op = -1;
    if (crn == 7 && op1 == 0) {
        if ((crm == 1 || crm == 5) && op2 == 0)
            op = SYS_IC_ALL;
        else if ((crm == 6 && (op2 == 1 || op2 == 2)) || ((crm == 10 || crm == 14) && op2 == 2))
            op = SYS_DC_SW;
        else if (crm == 8 && op2 <= 3)
            op = SYS_AT;
    } else if (crn == 7 && op1 == 3 && op2 == 1) {
        if (crm == 5)
            op = SYS_IC_VA;
        else if (crm == 4)
            op = SYS_DC_ZVA;
        else if (crm == 10 || crm == 11 || crm == 14)
            op = SYS_DC_VA;
    } else if (crn == 8 && op1 == 0 && (crm == 3 || crm == 7) && op2 != 4 && op2 != 6) {
        op = SYS_TLBI;
    }
    if (op < 0)
        return false;
    in->p0 = (uint8_t)op;
    in->p1 = (uint8_t)(w & 31); /* Rt as encoded, for a trap's syndrome */
    in->p2 = (uint8_t)op2;
    in->imm2 = a64_bits(w, 20, 5); /* op0:op1:CRn:CRm:op2, for a trap */
    in->d = a64_rz(w & 31);
    in->fn = op_sys;
    return true;
}

/* SYSL: ARMv8.0 allocates no SYSL operations at EL0/EL1: UNDEFINED. */
bool a64_dec_sysl(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)in, (void)w, (void)pc;
    return false;
}
