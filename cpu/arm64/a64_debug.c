/* cpu/arm64/a64_debug.c: self-hosted debug as the guest programs it (Arm
 * ARM D2, "AArch64 Self-hosted Debug"): software step, hardware
 * breakpoints and watchpoints, the OS lock, with their exceptions taken to
 * EL1.  (The VMM's own debugging, squib_guest_debug, is in a64_core.c.)
 *
 * Registers: MDSCR_EL1 (SS, TDCC, KDE, MDE are kept; the rest reads as 0),
 * DBGBVR<n>_EL1/DBGBCR<n>_EL1 for n < A64_NBRP, DBGWVR<n>_EL1/DBGWCR<n>_EL1
 * for n < A64_NWRP (advertised in ID_AA64DFR0_EL1, a64_regs.c), OSLAR_EL1
 * (write-only), OSLSR_EL1 (OSLM = 0b10: the OS lock is implemented),
 * OSDLR_EL1, DBGPRCR_EL1 and MDCCINT_EL1 (stored; no debug comms channel).
 * OSLK resets to 0, as KVM resets a vCPU (on hardware a cold reset sets it;
 * Linux clears it at boot either way).
 *
 * When debug exceptions are generated (AArch64.GenerateDebugExceptionsFrom,
 * D2.4 "Enabling debug exceptions"): never while the OS lock or the OS
 * double lock (OSDLR_EL1.DLK with DBGPRCR_EL1.CORENPDRQ clear) is set;
 * always from EL0; from EL1 only with MDSCR_EL1.KDE = 1 and PSTATE.D = 0.
 * Breakpoints and watchpoints also need MDSCR_EL1.MDE = 1; software step
 * needs MDSCR_EL1.SS = 1.  BRK is not affected by any of it.
 *
 * Cost: nothing of this is on the ordinary path.  c->hd.armed is recomputed
 * whenever a debug register, PSTATE.SS or the VMM's settings change; while
 * it is clear the core runs its normal block loop.  While it is set the
 * core runs run_debug (a64_core.c), which asks here per block: one
 * instruction per block while software step or a watchpoint may fire at
 * the current EL and PSTATE.D, otherwise whole blocks (split where an
 * enabled breakpoint lies inside one).
 *
 * Software step (D2.12, "Software Step exceptions"; the shared pseudocode
 * CheckSoftwareStep, SSAdvance, DebugExceptionReturnSS): PSTATE.SS is 1 in
 * the active-not-pending state.  An instruction that completes clears it
 * (SSAdvance); before the next instruction, a Software Step exception
 * (EC 0x32 from EL0, 0x33 from EL1) is taken with ELR = that next
 * instruction and ISS.ISV = 1, ISS.EX = whether the stepped instruction was
 * a load-exclusive; when no instruction was stepped (an ERET with SPSR.SS =
 * 0) ISV = 0.  Exception entry saves PSTATE.SS in SPSR_EL1.SS and clears it;
 * SVC completes first, so its SPSR.SS is 0; an abort does not, so the
 * faulting instruction is stepped again after the return.  ERET sets
 * PSTATE.SS from SPSR_EL1.SS only when stepping is enabled at the target
 * and was not at the ERET itself.  That is the Linux/gdb case: EL1 sets
 * MDSCR_EL1.SS (KDE = 0) and SPSR.SS, ERETs to EL0, and gets EC 0x32 after
 * one EL0 instruction.
 *
 * Exception entry and ERET live in a64_except.c; run_debug reports them
 * here by looking at what the block did (a64_dbg_after): an entry lands on
 * a vector in EL1h with DAIF all set after writing ELR/SPSR/ESR (or from an
 * instruction that neither branched nor fell through); an ERET is its
 * word.
 *
 * Breakpoints (D2.9): DBGBCR<n>.E, BT = 0b0000 (unlinked instruction
 * address match), 0b0001 (address match linked to a context breakpoint,
 * DBGBCR.LBN), 0b0010 (unlinked context ID match: CONTEXTIDR_EL1 equals
 * DBGBVR<n>[31:0], on every instruction) and 0b0011 (linked context ID
 * match: only through a link); context matching only on the context-aware
 * breakpoint (ID_AA64DFR0_EL1.CTX_CMPs = 0: one, the highest-numbered).  A
 * link to a disabled, non-context-aware or other-typed breakpoint, and the
 * reserved types (VMID and mismatch types need EL2 or AArch32), never
 * match: of the CONSTRAINED UNPREDICTABLE choices, "as if disabled".  PMC
 * (0b01 EL1, 0b10 EL0, 0b11 both), BAS[0] (A64 instructions are word
 * aligned), DBGBVR<n>[48:2].
 * EC 0x30/0x31, IFSC 0x22, ELR = the instruction (not executed); FAR is
 * UNKNOWN and left as it was.  They are checked after a successful fetch
 * (an Instruction Abort has priority).
 *
 * Watchpoints (D2.10): DBGWCR<n>.E, PAC as PMC (LDTR/STTR at EL1 count as
 * EL0 accesses), LSC (bit 0 loads, bit 1 stores; atomics are both), BAS
 * (bytes of the doubleword at DBGWVR<n>[48:3], or of the word at [48:2]
 * when bit 2 is set), MASK (3-31: an aligned 2^MASK range, BAS ignored; 1
 * and 2 are reserved and never match); a linked watchpoint (WT = 1) also
 * needs its linked context breakpoint to match.  Before an instruction runs its
 * memory accesses are computed from its word (ldst_access below: every
 * A64 load/store class, the SIMD&FP and structure forms included, and DC
 * ZVA as a 64-byte store); an access element that hits takes EC 0x34/0x35
 * with WnR = 1 if a store (or the write of an atomic) matched, DFSC 0x22,
 * FAR = the element's address, ELR = the instruction, which has not run.
 * An access that will take an SP alignment, alignment or translation fault
 * takes that fault instead, as those have priority.  DC IVAC (the only
 * cache maintenance a watchpoint can match) is not checked.
 *
 * The VMM's guest debug has priority and owns what KVM would take over:
 * with its single-step on, the guest's own software step is suspended
 * (KVM_GUESTDBG_SINGLESTEP drives MDSCR_EL1.SS itself); with its
 * breakpoints on, the guest's breakpoints and watchpoints are suspended
 * (KVM_GUESTDBG_USE_HW loads the VMM's values into the debug registers).
 * Otherwise both work together: the VMM's exits come first, then the
 * guest's exceptions.
 */
#include "cpu/arm64/a64_cpu.h"

#include <stdatomic.h>

#define ENC(op0, op1, crn, crm, op2)                                                     \
    ((uint32_t)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2)))

#define ENC_MDCCINT ENC(2, 0, 0, 2, 0)
#define ENC_MDSCR ENC(2, 0, 0, 2, 2)
#define ENC_OSLAR ENC(2, 0, 1, 0, 4)
#define ENC_OSLSR ENC(2, 0, 1, 1, 4)
#define ENC_OSDLR ENC(2, 0, 1, 3, 4)
#define ENC_DBGPRCR ENC(2, 0, 1, 4, 4)
#define ENC_MDRAR ENC(2, 0, 1, 0, 0)
#define ENC_OSECCR ENC(2, 0, 0, 6, 2)
#define ENC_CLAIMSET ENC(2, 0, 7, 8, 6)
#define ENC_CLAIMCLR ENC(2, 0, 7, 9, 6)
#define ENC_AUTHSTATUS ENC(2, 0, 7, 14, 6)

#define MDSCR_SS (1ULL << 0)
#define MDSCR_KDE (1ULL << 13)
#define MDSCR_MDE (1ULL << 15)
#define MDSCR_KEPT (MDSCR_SS | 1ULL << 12 | MDSCR_KDE | MDSCR_MDE) /* + TDCC */
#define BCR_KEPT 0x00ffe1e7ULL /* BT, LBN, SSC, HMC, BAS, PMC, E */
#define CTX_BP (A64_NBRP - 1)  /* the context-aware breakpoint */
#define WCR_KEPT 0x1f1fffffULL /* MASK, WT, LBN, SSC, HMC, BAS, LSC, PAC, E */
#define VA_BITS 0x0001ffffffffffffULL /* DBGBVR/DBGWVR hold VA[48:2] */
#define SPSR_SS (1ULL << 21)

#define ERET_WORD 0xd69f03e0u

/* ---- enables ------------------------------------------------------------- */

static bool os_locked(const struct a64_cpu *c)
{
    bool double_lock = (c->hd.osdlr & 1) && !(c->hd.dbgprcr & 1); /* DoubleLockStatus() */
    return c->hd.oslk || double_lock;
}

/* AArch64.GenerateDebugExceptionsFrom(el, mask) for a guest with EL0/EL1
 * only (the debug target is EL1). */
static bool enabled_from(const struct a64_cpu *c, unsigned el, bool d)
{
    if (os_locked(c))
        return false;
    if (el == 0)
        return true;
    return (c->hd.mdscr & MDSCR_KDE) && !d;
}

static bool enabled_here(const struct a64_cpu *c)
{
    return enabled_from(c, c->el, (c->daif >> 9) & 1);
}

static bool vmm_steps(const struct a64_cpu *c)
{
    return c->dbg_active && c->dbg.single_step;
}

static bool vmm_owns_hw(const struct a64_cpu *c)
{
    return c->dbg_active && c->dbg.n_breakpoints > 0;
}

void a64_dbg_update(struct a64_cpu *c)
{
    struct a64_hwdbg *h = &c->hd;
    h->bp_on = h->wp_on = 0;
    for (unsigned n = 0; n < A64_NBRP; n++)
        h->bp_on |= (uint8_t)((h->bcr[n] & 1) << n);
    for (unsigned n = 0; n < A64_NWRP; n++)
        h->wp_on |= (uint8_t)((h->wcr[n] & 1) << n);
    bool armed = h->ss || (!os_locked(c) && ((h->mdscr & MDSCR_SS) ||
                                             ((h->mdscr & MDSCR_MDE) && (h->bp_on | h->wp_on))));
    if (armed != h->armed) {
        h->armed = armed;
        if (c->env) /* choose the run loop again */
            atomic_fetch_or(&c->env->attention, CPU_ATTN_DEBUG);
    }
}

void a64_dbg_reset(struct a64_cpu *c)
{
    bool armed = c->hd.armed;
    memset(&c->hd, 0, sizeof c->hd);
    c->hd.armed = armed;
    a64_dbg_update(c);
}

/* ---- registers ------------------------------------------------------------- */

/* DBGBVR/DBGBCR/DBGWVR/DBGWCR: op0 2, op1 0, CRn 0, CRm n, op2 4..7. */
static uint64_t *bank_reg(struct a64_cpu *c, uint32_t enc)
{
    if ((enc & ~(uint32_t)0x7f) != ENC(2, 0, 0, 0, 0) || (enc & 7) < 4)
        return NULL;
    unsigned n = (enc >> 3) & 15;
    switch (enc & 7) {
    case 4:
        return n < A64_NBRP ? &c->hd.bvr[n] : NULL;
    case 5:
        return n < A64_NBRP ? &c->hd.bcr[n] : NULL;
    case 6:
        return n < A64_NWRP ? &c->hd.wvr[n] : NULL;
    default:
        return n < A64_NWRP ? &c->hd.wcr[n] : NULL;
    }
}

uint64_t a64_dbg_read(const struct a64_cpu *c, uint32_t enc)
{
    const uint64_t *p = bank_reg((struct a64_cpu *)c, enc);
    if (p)
        return *p;
    switch (enc) {
    case ENC_MDSCR:
        return c->hd.mdscr;
    case ENC_MDCCINT:
        return c->hd.mdccint;
    case ENC_OSLSR: /* OSLM = 0b10 (bit 3), OSLK (bit 1) */
        return 8 | (uint64_t)c->hd.oslk << 1;
    case ENC_OSDLR:
        return c->hd.osdlr;
    case ENC_DBGPRCR:
        return c->hd.dbgprcr;
    case ENC_OSECCR:
        return c->hd.oseccr;
    case ENC_CLAIMSET: /* eight claim tags implemented */
        return 0xff;
    case ENC_CLAIMCLR: /* the tags set */
        return c->hd.claim;
    case ENC_AUTHSTATUS: /* Non-secure invasive and non-invasive debug
                            implemented and enabled; no Secure state */
        return 0x0f;
    default: /* OSLAR_EL1: write-only (ONE_REG reads 0); MDRAR_EL1: no
                memory-mapped debug ROM (ROMADDRV = 0) */
        return 0;
    }
}

void a64_dbg_write(struct a64_cpu *c, uint32_t enc, uint64_t v)
{
    uint64_t *p = bank_reg(c, enc);
    if (p) {
        unsigned op2 = enc & 7;
        /* The context-aware DBGBVR also holds a context ID in bits 31:0. */
        bool ctx = op2 == 4 && ((enc >> 3) & 15) == CTX_BP;
        *p = op2 == 5 ? v & BCR_KEPT : op2 == 7 ? v & WCR_KEPT : ctx ? v : v & ~3ULL;
    } else {
        switch (enc) {
        case ENC_MDSCR:
            c->hd.mdscr = v & MDSCR_KEPT;
            break;
        case ENC_MDCCINT:
            c->hd.mdccint = v & (3ULL << 29);
            break;
        case ENC_OSLAR:
            c->hd.oslk = v & 1;
            break;
        case ENC_OSLSR: /* ONE_REG only (the MSR is UNDEFINED): KVM lets a VMM set OSLK */
            c->hd.oslk = (v >> 1) & 1;
            break;
        case ENC_OSDLR:
            c->hd.osdlr = v & 1;
            break;
        case ENC_DBGPRCR:
            c->hd.dbgprcr = v & 1;
            break;
        case ENC_OSECCR: /* a scratch register for the OS lock save sequence */
            c->hd.oseccr = (uint32_t)v;
            break;
        case ENC_CLAIMSET:
            c->hd.claim |= (uint8_t)v;
            break;
        case ENC_CLAIMCLR:
            c->hd.claim &= (uint8_t)~v;
            break;
        default:
            break;
        }
    }
    a64_dbg_update(c);
}

int a64_dbg_mrs(struct a64_cpu *c, const struct a64_insn *i, uint32_t enc)
{
    if (enc == ENC_OSLAR) /* write-only */
        return a64_undefined(c, i);
    c->x[i->d] = a64_dbg_read(c, enc);
    return A64_NEXT;
}

/* Ends the block: what run loop to use may change. */
int a64_dbg_msr(struct a64_cpu *c, const struct a64_insn *i, uint32_t enc, uint64_t v)
{
    a64_dbg_write(c, enc, v);
    return a64_op_next(c, i);
}

/* ---- software step ------------------------------------------------------------ */

void a64_dbg_entered(struct a64_cpu *c)
{
    c->hd.ss = false;
    c->hd.stepped = false;
    c->hd.stepped_ex = false;
    a64_dbg_update(c);
}

/* CheckSoftwareStep(): in the active-pending state, the Software Step
 * exception, before anything else about the next instruction. */
bool a64_dbg_step_due(struct a64_cpu *c)
{
    if (!(c->hd.mdscr & MDSCR_SS) || c->hd.ss || vmm_steps(c) || !enabled_here(c))
        return false;
    uint32_t iss = A64_FSC_DEBUG;
    if (c->hd.stepped)
        iss |= 1u << 24 | (uint32_t)c->hd.stepped_ex << 6; /* ISV, EX */
    a64_exception(c, c->pc, c->el ? A64_EC_STEP_CUR : A64_EC_STEP_LOW, iss, false, 0);
    a64_dbg_entered(c);
    return true;
}

/* SSAdvance(): the instruction completed. */
static void ss_advance(struct a64_cpu *c, bool ldx)
{
    if (c->hd.ss && (c->hd.mdscr & MDSCR_SS) && !vmm_steps(c)) {
        c->hd.ss = false;
        c->hd.stepped = true;
        c->hd.stepped_ex = ldx;
        a64_dbg_update(c);
    }
}

void a64_dbg_completed(struct a64_cpu *c)
{
    ss_advance(c, false); /* exits are never load-exclusives (those abort on MMIO) */
}

bool a64_dbg_single(const struct a64_cpu *c)
{
    if (!enabled_here(c))
        return false;
    if ((c->hd.mdscr & MDSCR_SS) && !vmm_steps(c))
        return true;
    return (c->hd.mdscr & MDSCR_MDE) && c->hd.wp_on && !vmm_owns_hw(c);
}

void a64_dbg_snap(const struct a64_cpu *c, struct a64_dbg_snap *s)
{
    s->pc = c->pc;
    s->elr = c->elr_el1;
    s->spsr = c->spsr_el1;
    s->esr = c->sys[A64_SYS_ESR];
    s->exc_entries = c->exc_entries;
    s->el = c->el;
    s->ss = c->hd.ss;
    s->mdscr_ss = c->hd.mdscr & MDSCR_SS;
    s->enabled = enabled_here(c);
}

static bool is_svc(uint32_t w)
{
    return (w & 0xffe0001fu) == 0xd4000001u;
}

/* LDXR, LDAXR, LDXP, LDAXP: o2 = 0, L = 1 in the exclusives group. */
static bool is_load_exclusive(uint32_t w)
{
    return (w & 0x3fc00000u) == 0x08400000u;
}

void a64_dbg_after(struct a64_cpu *c, const struct a64_dbg_snap *s, uint32_t word)
{
    if (c->exc_entries != s->exc_entries) { /* the block ended in an exception */
        /* SVC completes before its exception (AArch64.CallSupervisor calls
         * SSAdvance): the saved SS is 0. */
        if (s->ss && s->mdscr_ss && is_svc(word))
            c->spsr_el1 &= ~SPSR_SS;
        a64_dbg_entered(c);
        return;
    }
    if (word == ERET_WORD && c->pc == s->elr && s->el == 1) {
        /* DebugExceptionReturnSS(): SPSR.SS only when stepping is enabled
         * at the destination and was not at the source. */
        bool ss = false;
        if ((c->hd.mdscr & MDSCR_SS) && !s->enabled && enabled_here(c))
            ss = (c->spsr_el1 & SPSR_SS) != 0;
        c->hd.ss = ss;
        c->hd.stepped = false;
        c->hd.stepped_ex = false;
        a64_dbg_update(c);
        return;
    }
    if (word)
        ss_advance(c, is_load_exclusive(word));
}

/* ---- breakpoints ----------------------------------------------------------------- */

bool a64_dbg_bp_live(const struct a64_cpu *c)
{
    return c->hd.bp_on && (c->hd.mdscr & MDSCR_MDE) && !vmm_owns_hw(c) && enabled_here(c);
}

/* CONTEXTIDR_EL1 against the context-aware DBGBVR's context ID. */
static bool context_match(const struct a64_cpu *c)
{
    return (uint32_t)c->sys[A64_SYS_CONTEXTIDR] == (uint32_t)c->hd.bvr[CTX_BP];
}

/* A breakpoint or watchpoint linked to breakpoint `lbn`: that one must be
 * the context-aware breakpoint, enabled, of the linked context ID type,
 * and match (AArch64.StateMatch's linked_match). */
static bool linked_match(const struct a64_cpu *c, unsigned lbn)
{
    uint64_t bcr = c->hd.bcr[CTX_BP];
    return lbn == CTX_BP && (bcr & 1) && ((bcr >> 20) & 15) == 3 && context_match(c);
}

/* AArch64.BreakpointMatch() at the current EL. */
static bool bp_match(const struct a64_cpu *c, unsigned n, uint64_t pc)
{
    uint64_t bcr = c->hd.bcr[n];
    unsigned pmc = (bcr >> 1) & 3, bt = (bcr >> 20) & 15;
    if (!(bcr & 1) || (c->el ? !(pmc & 1) : !(pmc & 2)))
        return false;
    bool address = ((bcr >> 5) & 1) && /* BAS[0]: the word at the address */
                   ((pc ^ c->hd.bvr[n]) & VA_BITS & ~3ULL) == 0;
    switch (bt) {
    case 0: /* unlinked address match */
        return address;
    case 1: /* linked address match */
        return address && linked_match(c, (bcr >> 16) & 15);
    case 2: /* unlinked context ID match */
        return n == CTX_BP && context_match(c);
    default: /* 3: linked context ID, matched through its links; reserved */
        return false;
    }
}

bool a64_dbg_bp_within(const struct a64_cpu *c, uint64_t pc, unsigned count)
{
    for (unsigned n = 0; n < A64_NBRP; n++)
        if ((c->hd.bp_on >> n) & 1)
            for (unsigned k = 1; k < count; k++)
                if (bp_match(c, n, pc + 4 * (uint64_t)k))
                    return true;
    return false;
}

bool a64_dbg_breakpoint(struct a64_cpu *c)
{
    if (!a64_dbg_bp_live(c))
        return false;
    for (unsigned n = 0; n < A64_NBRP; n++) {
        if (((c->hd.bp_on >> n) & 1) && bp_match(c, n, c->pc)) {
            a64_exception(c, c->pc, c->el ? A64_EC_BKPT_CUR : A64_EC_BKPT_LOW, A64_FSC_DEBUG,
                          false, 0);
            a64_dbg_entered(c);
            return true;
        }
    }
    return false;
}

/* ---- watchpoints ------------------------------------------------------------------ */

/* The memory an instruction will access: n elements of esize bytes from
 * addr; rd/wr its direction (both for atomics); align: it must be aligned
 * to esize * n (exclusives, atomics, acquire/release); sp: its base is
 * SP; unpriv: LDTR/STTR. */
struct access {
    uint64_t addr;
    unsigned esize, n;
    bool rd, wr, align, sp, unpriv;
};

static uint64_t extend_reg(uint64_t v, unsigned option)
{
    if (!(option & 1)) /* UXTW, SXTW */
        v = (option & 4) ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
    return v; /* LSL/UXTX, SXTX */
}

/* The A64 "Loads and Stores" encoding group (C4.1, bits 28:25 = x1x0) and
 * DC ZVA.  false: no data access (or an encoding the decoder rejects). */
static bool ldst_access(const struct a64_cpu *c, uint32_t w, uint64_t pc, struct access *a)
{
    *a = (struct access){.n = 1};
    unsigned rn = a64_bits(w, 9, 5), size = w >> 30;
    bool v = (w >> 26) & 1, l = (w >> 22) & 1;
    uint64_t base = rn == 31 ? c->x[A64_SP] : c->x[rn];
    a->sp = rn == 31;
    if ((w & 0xffffffe0u) == 0xd50b7420u) { /* DC ZVA: a 64-byte store */
        a->addr = c->x[w & 31] & ~(uint64_t)63;
        a->esize = 64;
        a->wr = true;
        a->sp = false;
        return true;
    }
    if ((w & 0x0a000000u) != 0x08000000u)
        return false;
    if (v && !a64_fp_enabled(c)) /* the CPACR_EL1 trap comes first */
        return false;
    if ((w & 0xbf000000u) == 0x0c000000u) { /* SIMD load/store multiple structures */
        static const int8_t regs[16] = {4, -1, 4, -1, 3, -1, 3, 1, 2, -1, 2, -1, -1, -1, -1, -1};
        int nregs = regs[a64_bits(w, 15, 12)];
        if (nregs < 0)
            return false;
        a->esize = 1u << a64_bits(w, 11, 10);
        a->n = (unsigned)nregs * (((w >> 30) & 1) ? 16u : 8u) / a->esize;
        a->addr = base;
        a->rd = l, a->wr = !l;
        return true;
    }
    if ((w & 0xbf000000u) == 0x0d000000u) { /* SIMD load/store single structure */
        unsigned opcode = a64_bits(w, 15, 13), s = a64_bits(w, 11, 10);
        unsigned scale = opcode >> 1, selem = (((opcode & 1) << 1) | ((w >> 21) & 1)) + 1;
        if (scale == 3)
            scale = s; /* LDnR: replicate */
        else if (scale == 2 && (s & 1))
            scale = 3;
        a->esize = 1u << scale;
        a->n = selem;
        a->addr = base;
        a->rd = l, a->wr = !l;
        return true;
    }
    if ((w & 0x3f000000u) == 0x08000000u) { /* exclusives, acquire/release, CAS, CASP */
        bool o2 = (w >> 23) & 1, o1 = (w >> 21) & 1;
        a->addr = base;
        a->align = true;
        a->esize = 1u << size;
        if (!o2 && o1) {
            a->esize = 4u << (size & 1);
            a->n = 2;
            if (size < 2) { /* CASP */
                a->rd = a->wr = true;
                return true;
            }
        }
        if (o2 && o1) { /* CAS */
            a->rd = a->wr = true;
            return true;
        }
        a->rd = l, a->wr = !l;
        return true;
    }
    if ((w & 0x3b000000u) == 0x18000000u) { /* LDR (literal) */
        static const uint8_t bytes[2][4] = {{4, 8, 4, 0}, {4, 8, 16, 0}};
        a->esize = bytes[v][size];
        a->addr = pc + a64_sext((uint64_t)a64_bits(w, 23, 5) << 2, 21);
        a->rd = true;
        a->sp = false;
        return a->esize != 0;
    }
    if ((w & 0x38000000u) == 0x28000000u) { /* pairs */
        unsigned opc = size, form = a64_bits(w, 24, 23), scale;
        if (v)
            scale = opc == 0 ? 2 : opc == 1 ? 3 : opc == 2 ? 4 : 0;
        else
            scale = opc == 0 ? 2 : opc == 2 ? 3 : (opc == 1 && l) ? 2 : 0;
        if (!scale)
            return false;
        uint64_t off = a64_sext(a64_bits(w, 21, 15), 7) << scale;
        a->addr = base + (form == 1 ? 0 : off);
        a->esize = 1u << scale;
        a->n = 2;
        a->rd = l, a->wr = !l;
        return true;
    }
    if ((w & 0x38000000u) != 0x38000000u)
        return false;
    /* Load/store register: all forms. */
    unsigned opc = a64_bits(w, 23, 22), scale = size;
    bool load;
    if (v) {
        if (opc & 2) {
            if (size)
                return false;
            scale = 4;
        }
        load = opc & 1;
    } else {
        if ((size == 3 && opc >= 2) || (size == 2 && opc == 3))
            return false; /* PRFM (no access), unallocated */
        load = opc != 0;
    }
    a->esize = 1u << scale;
    a->rd = load, a->wr = !load;
    if ((w >> 24) & 1) { /* unsigned offset */
        a->addr = base + ((uint64_t)a64_bits(w, 21, 10) << scale);
        return true;
    }
    unsigned op4 = a64_bits(w, 11, 10);
    if (!((w >> 21) & 1)) {
        uint64_t imm9 = a64_sext(a64_bits(w, 20, 12), 9);
        a->addr = op4 == 1 ? base : base + imm9;
        a->unpriv = op4 == 2 && !v;
        return true;
    }
    if (op4 == 2) { /* register offset */
        unsigned option = a64_bits(w, 15, 13), m = a64_bits(w, 20, 16);
        uint64_t idx = extend_reg(c->x[m], option) << (((w >> 12) & 1) ? scale : 0);
        a->addr = base + idx;
        return (option & 2) != 0;
    }
    if (op4 == 0 && !v) { /* atomic memory operations */
        unsigned o3 = (w >> 15) & 1, op = a64_bits(w, 14, 12);
        a->esize = 1u << size;
        a->addr = base;
        a->align = true;
        if (o3 && op == 4) { /* LDAPR */
            a->rd = true, a->wr = false;
            return true;
        }
        if (o3 && op != 0)
            return false;
        a->rd = a->wr = true; /* LD<op>, SWP */
        return true;
    }
    return false;
}

/* AArch64.WatchpointMatch() for one access element: 0 no match, else 1 +
 * whether a store matched (WnR). */
static int wp_match(const struct a64_cpu *c, unsigned n, uint64_t ea, unsigned len, bool el0,
                    bool rd, bool wr)
{
    uint64_t wcr = c->hd.wcr[n], wvr = c->hd.wvr[n] & VA_BITS;
    unsigned pac = (wcr >> 1) & 3, lsc = (wcr >> 3) & 3, mask = (wcr >> 24) & 31;
    if (!(wcr & 1) || (el0 ? !(pac & 2) : !(pac & 1)))
        return 0;
    bool st = wr && (lsc & 2), ld = rd && (lsc & 1);
    if (!st && !ld)
        return 0;
    ea &= VA_BITS;
    bool hit = false;
    if (mask >= 3) {
        uint64_t lo = wvr & ~((1ULL << mask) - 1), hi = lo + (1ULL << mask) - 1;
        hit = ea <= hi && ea + len - 1 >= lo;
    } else if (mask == 0) {
        unsigned bas = (wcr >> 5) & 0xff;
        if (wvr & 4)
            bas = (bas & 0x0f) << 4;
        for (unsigned b = 0; b < len && !hit; b++) {
            uint64_t x = ea + b;
            hit = (x & ~7ULL) == (wvr & ~7ULL) && ((bas >> (x & 7)) & 1);
        }
    }
    if (hit && ((wcr >> 20) & 1) && !linked_match(c, (wcr >> 16) & 15)) /* WT: linked */
        return 0;
    return hit ? 1 + st : 0;
}

bool a64_dbg_watchpoint(struct a64_cpu *c, uint32_t word, uint64_t pc)
{
    if (!c->hd.wp_on || !(c->hd.mdscr & MDSCR_MDE) || vmm_owns_hw(c) || !enabled_here(c))
        return false;
    struct access a;
    if (!ldst_access(c, word, pc, &a))
        return false;
    /* Faults with priority over a Watchpoint: SP alignment, alignment. */
    if (a.sp && a64_sp_misaligned(c))
        return false;
    if (a.align && (a.addr & ((uint64_t)a.esize * a.n - 1)))
        return false;
    bool el0 = c->el == 0 || a.unpriv;
    for (unsigned j = 0; j < a.n; j++) {
        uint64_t ea = a.addr + (uint64_t)j * a.esize;
        if (!a64_mmu_probe(c, ea, el0, a.wr)) /* a translation fault comes first */
            return false;
        int hit = 0;
        for (unsigned n = 0; n < A64_NWRP; n++)
            if ((c->hd.wp_on >> n) & 1) {
                int h = wp_match(c, n, ea, a.esize, el0, a.rd, a.wr);
                hit = h > hit ? h : hit;
            }
        if (hit) {
            uint32_t iss = (uint32_t)(hit == 2) << 6 | A64_FSC_DEBUG;
            a64_exception(c, pc, c->el ? A64_EC_WATCH_CUR : A64_EC_WATCH_LOW, iss, true, ea);
            a64_dbg_entered(c);
            return true;
        }
    }
    return false;
}
