/* cpu/arm64/a64_except.c: synchronous exceptions to EL1 and ERET.
 *
 * The guest has EL0 and EL1 only (no EL2/EL3), so every exception is taken
 * to EL1 (Arm ARM D1.10, "Exception entry"): PSTATE is saved in SPSR_EL1,
 * the preferred return address in ELR_EL1, the syndrome in ESR_EL1 (and the
 * faulting address in FAR_EL1 for aborts and PC alignment faults), then
 * PSTATE becomes EL1h with D, A, I and F masked and execution continues at
 * VBAR_EL1 + the vector offset: 0x000 from EL1 with SP_EL0, 0x200 from EL1
 * with SP_EL1, 0x400 from EL0 (AArch64), each + 0x000 for a synchronous
 * exception (D1.10.2, "Exception vectors").
 *
 * Interrupts (IRQ/FIQ/SError, offsets 0x080/0x100/0x180 in the same
 * groups) enter through a64_interrupt, called between blocks (a64_async,
 * a64_timer.c) while the platform holds the IRQ or FIQ input line high
 * (squib_vcpu_set_line) and PSTATE.I / PSTATE.F is clear.  Every
 * instruction that clears a mask bit (MSR DAIFClr, MSR DAIF, ERET) ends its
 * block, so a pending interrupt is taken right after it.  SError has no
 * source yet: A64_VEC_SERROR is the hook.
 */
#include "cpu/arm64/a64_cpu.h"

#include "cpu/arm64/a64_decode.h"

#define ESR_IL (1u << 25) /* 32-bit instruction (always, in A64) */

void a64_mode_changed(struct a64_cpu *c)
{
    bool el0 = c->el == 0;
    mmu_set_user(c->mmu, el0);
    c->acc_el0 = el0;
    c->key_mode = el0 ? A64_KEY_EL0 : 0;
}

/* The common part of exception entry; `kind` is the offset within the
 * vector group (0x000 synchronous, 0x080 IRQ, 0x100 FIQ, 0x180 SError). */
static void enter(struct a64_cpu *c, uint64_t elr, unsigned kind)
{
    unsigned offset = (c->el == 0 ? 0x400 : c->spsel ? 0x200 : 0x000) + kind;
    c->exc_entries++; /* the debug loop tells exception entry by this */
    a64_sp_save(c);
    c->spsr_el1 = a64_pstate(c);
    c->elr_el1 = elr;
    c->el = 1;
    c->spsel = 1;
    c->daif = 0x3c0;
    a64_sp_load(c);
    a64_mode_changed(c);
    c->pc = (c->sys[A64_SYS_VBAR] & ~(uint64_t)0x7ff) + offset;
}

int a64_exception(struct a64_cpu *c, uint64_t elr, unsigned ec, uint32_t iss, bool far_valid,
                  uint64_t far)
{
    c->sys[A64_SYS_ESR] = (uint64_t)ec << 26 | ESR_IL | (iss & 0x1ffffff);
    if (far_valid)
        c->sys[A64_SYS_FAR] = far;
    enter(c, elr, 0x000);
    return A64_JUMP;
}

/* An interrupt taken between instructions: the preferred return address is
 * the next instruction to run, c->pc (D1.10.4); ESR and FAR are unchanged. */
void a64_interrupt(struct a64_cpu *c, unsigned kind)
{
    enter(c, c->pc, kind);
}

int a64_exception_at(struct a64_cpu *c, const struct a64_insn *i, unsigned ec, uint32_t iss)
{
    return a64_exception(c, a64_insn_pc(c, i), ec, iss, false, 0);
}

int a64_sp_fault(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_exception_at(c, i, A64_EC_SP_ALIGN, 0);
}

/* ISS for a data abort (D17.2.37, "ISS encoding for an exception from a
 * Data Abort"): ISV = 0 (no instruction syndrome), WnR in bit 6, DFSC in
 * bits 5:0.  A fault on a walk for EL0 permissions taken at EL1 (LDTR) is
 * still from the current EL. */
int a64_data_abort(struct a64_cpu *c, const struct a64_insn *i, uint64_t va, bool write,
                   int fsc)
{
    unsigned code = fsc >= 0 ? (unsigned)fsc : c->fault_fsc;
    unsigned ec = c->el == 0 ? A64_EC_DABT_LOW : A64_EC_DABT_CUR;
    return a64_exception(c, a64_insn_pc(c, i), ec, (uint32_t)write << 6 | code, true, va);
}

/* ---- ERET (C6.2, "ERET"; D1.11, "Exception return") ------------------- */

/* Restores PSTATE from SPSR_EL1 and the pc from ELR_EL1 and clears the local
 * exclusive monitor.  SPSR.M must name EL0t, EL1t or EL1h; anything else
 * (AArch32, EL2, EL3) is an illegal exception return (D1.11.5, "Illegal
 * return events from AArch64 state"): PSTATE.EL and SP stay, NZCV and DAIF
 * are restored, the pc is ELR_EL1 and PSTATE.IL is set, so the instruction
 * there takes an Illegal Execution state exception (EC 0x0E).  PSTATE.IL
 * is not kept across instructions here: that exception is taken at once,
 * with ELR_EL1 = the target and SPSR_EL1.IL (bit 20) set, which is what
 * executing the target would do. */
static int op_eret(struct a64_cpu *c, const struct a64_insn *i)
{
    if (c->el == 0)
        return a64_undefined(c, i);
    uint64_t spsr = c->spsr_el1;
    unsigned m = spsr & 0x1f;
    c->excl_armed = false;
    if (m != 0x0 && m != 0x4 && m != 0x5) {
        a64_set_nzcv(c, (uint32_t)spsr & 0xf0000000u);
        c->daif = (uint32_t)spsr & 0x3c0u;
        a64_exception(c, c->elr_el1, A64_EC_ILLEGAL, 0, false, 0);
        c->spsr_el1 |= 1u << 20;
        return A64_JUMP;
    }
    a64_sp_save(c);
    c->el = m >> 2;
    c->spsel = m & 1;
    a64_set_nzcv(c, (uint32_t)spsr & 0xf0000000u);
    c->daif = (uint32_t)spsr & 0x3c0u;
    a64_sp_load(c);
    a64_mode_changed(c);
    c->pc = c->elr_el1;
    return A64_JUMP;
}

bool a64_dec_eret(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)w, (void)pc;
    in->fn = op_eret;
    return true;
}
