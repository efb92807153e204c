/* cpu/arm64/a64_system.c: hints, barriers, waits, exception generation.
 *
 * The interpreter runs one vCPU in one thread, in program order, so the
 * memory barriers (DMB, DSB) have nothing to order and are no-ops.  ISB is a
 * context synchronization event: it ends the block, so system register
 * changes before it are seen by what follows (nothing is cached across blocks
 * that an ISB would need to drop yet).
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

#define SCTLR_nTWI (1ULL << 16)
#define SCTLR_nTWE (1ULL << 18)

/* NOP, YIELD, and the rest of the hint space (C6.2, "HINT": unallocated
 * hints, and hints of features the modelled ARMv8.0 CPU lacks such as BTI or
 * PACIASP, execute as NOPs); DMB and DSB (see above); CLREX (no exclusive
 * monitor is modelled yet: LDXR/STXR are not implemented). */
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

static int op_wfi(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0 && !(a64_sctlr(c) & SCTLR_nTWI))
        return a64_no_exception_yet(c, i, "WFI trapped from EL0 (SCTLR_EL1.nTWI=0)");
    return wait_exit(c, i, SQUIB_EXIT_WFI);
}

/* A set event register makes WFE return at once, clearing it. */
static int op_wfe(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0 && !(a64_sctlr(c) & SCTLR_nTWE))
        return a64_no_exception_yet(c, i, "WFE trapped from EL0 (SCTLR_EL1.nTWE=0)");
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
static int op_hvc(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0)
        return a64_undefined(c, i);
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

static int op_svc(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_fail(c, i, "SVC #0x%x: taking exceptions to EL1 lands with the A64 core issue",
                    (unsigned)i->imm);
}

static int op_brk(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_fail(c, i, "BRK #0x%x: taking exceptions to EL1 lands with the A64 core issue",
                    (unsigned)i->imm);
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
