/* cpu/x86/exec_stack.c: stack frames and the rest of the stack instructions:
 * POP Ev (8F /0), ENTER (C8), LEAVE (C9), PUSHA/POPA (60/61), PUSH FS/GS
 * (0F A0 A8).  Segment pops and far returns are in sys_seg.c; INT n, INT3,
 * INTO, INT1 and IRET in sys_int.c.
 *
 * Instructions that touch the stack more than once work on a local copy of
 * rSP and commit the registers last, so a read exit half-way leaves nothing
 * to undo (stack writes to RAM done before it are repeated identically when
 * the instruction runs again).
 */
#include "cpu/x86/x86.h"


/* 8F /0 POP Ev.  If rSP is the base of the destination's address, the
 * address is computed after the increment (SDM Vol. 2, POP).  /1-/7 are
 * #UD (XOP on AMD parts that had it). */
int x86_op_pop_rm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if ((i->reg & 7) != 0)
        return x86_op_ud(cpu, i);
    uint64_t v, old = cpu->r[RSP];
    if (!x86_pop(cpu, i, i->opsize, &v))
        return X86_EXIT;
    if (!x86_set_rm(cpu, i, i->opsize, v)) {
        cpu->r[RSP] = old;
        return X86_EXIT;
    }
    return x86_done(cpu);
}

/* C9 LEAVE: rSP = rBP (stack size), then rBP = POP (operand size). */
int x86_op_leave(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned ss = x86_stack_size(cpu), sz = i->opsize;
    uint64_t sp = cpu->r[RBP] & x86_size_mask(ss), v;
    if (!x86_mem_read(cpu, i, SEG_SS, sp, sz, &v))
        return X86_EXIT;
    x86_set_reg(cpu, RSP, ss, true, sp + sz);
    x86_set_reg(cpu, RBP, sz, true, v);
    return X86_NEXT;
}

/* C8 ENTER Iw, Ib (SDM Vol. 2, ENTER): push rBP, copy nesting-level - 1
 * frame pointers from the old frame, push the new frame pointer, then
 * rBP = the frame, rSP -= Iw.  The level is Ib mod 32.  The frame pointer
 * register is written at the operand size, rSP at the stack size. */
int x86_op_enter(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned ss = x86_stack_size(cpu), sz = i->opsize, level = (unsigned)i->imm2 & 31;
    uint64_t sm = x86_size_mask(ss);
    uint64_t sp = (cpu->r[RSP] - sz) & sm, bp = cpu->r[RBP];
    if (!x86_mem_write(cpu, i, SEG_SS, sp, sz, bp))
        return X86_EXIT;
    /* The frame pointer is the whole rSP after the push: with a 16-bit
     * stack its upper bits stay (AMD APM Vol. 3, ENTER "temp_RBP = RSP";
     * measured on Zen 4 with ENTER's 32-bit form on a 16-bit stack). */
    uint64_t frame = (cpu->r[RSP] & ~sm) | sp;
    if (level) {
        for (unsigned k = 1; k < level; k++) {
            uint64_t v;
            bp = (bp - sz) & sm;
            if (!x86_mem_read(cpu, i, SEG_SS, bp, sz, &v))
                return X86_EXIT;
            sp = (sp - sz) & sm;
            if (!x86_mem_write(cpu, i, SEG_SS, sp, sz, v))
                return X86_EXIT;
        }
        sp = (sp - sz) & sm;
        if (!x86_mem_write(cpu, i, SEG_SS, sp, sz, frame))
            return X86_EXIT;
    }
    x86_set_reg(cpu, RBP, sz, true, frame);
    x86_set_reg(cpu, RSP, ss, true, sp - (i->imm & 0xffff));
    return x86_done(cpu);
}

/* 60 PUSHA/PUSHAD: AX CX DX BX, the original SP, BP SI DI.
 * 61 POPA/POPAD: the reverse, skipping the SP slot.  Not in 64-bit mode. */
int x86_op_pusha_popa(struct x86_cpu *cpu, const struct x86_insn *i)
{
    static const uint8_t order[8] = {RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI};
    unsigned ss = x86_stack_size(cpu), sz = i->opsize;
    uint64_t sm = x86_size_mask(ss), sp = cpu->r[RSP] & sm;
    if (i->opcode == 0x60) {
        for (unsigned k = 0; k < 8; k++) {
            sp = (sp - sz) & sm;
            if (!x86_mem_write(cpu, i, SEG_SS, sp, sz, cpu->r[order[k]]))
                return X86_EXIT;
        }
        x86_set_reg(cpu, RSP, ss, true, sp);
        return x86_done(cpu);
    }
    uint64_t v[8];
    for (unsigned k = 8; k-- > 0;) {
        if (!x86_mem_read(cpu, i, SEG_SS, sp, sz, &v[k]))
            return X86_EXIT;
        sp = (sp + sz) & sm;
    }
    for (unsigned k = 0; k < 8; k++)
        if (order[k] != RSP)
            x86_set_reg(cpu, order[k], sz, true, v[k]);
    x86_set_reg(cpu, RSP, ss, true, sp);
    return X86_NEXT;
}

/* 0F A0/A8 PUSH FS/GS, zero-extended to the operand size as PUSH sreg
 * here (POP FS/GS is in sys_seg.c). */
int x86_op_pushpop_fsgs(struct x86_cpu *cpu, const struct x86_insn *i)
{
    int s = i->opcode >= 0xA8 ? SEG_GS : SEG_FS;
    if (!x86_push(cpu, i, i->opsize, cpu->seg[s].sel))
        return X86_EXIT;
    return x86_done(cpu);
}
