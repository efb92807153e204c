/* cpu/x86/exec_ctl.c: jumps, calls, returns, loops. */
#include "cpu/x86/x86.h"

static unsigned branch_size(const struct x86_cpu *cpu, const struct x86_insn *i)
{
    /* Near branches are 64-bit in long mode (SDM Vol. 1, 6.3.7), whatever
     * REX.W says.  A 66 prefix makes them 16-bit on AMD parts (APM Vol. 3,
     * "Near branches": the target is truncated to 16 bits, and a Jz/Iw is 2
     * bytes, as decode.c reads it); Intel parts ignore the 66 there.  squib
     * follows its AMD reference hardware. */
    if (cpu->mode == X86_MODE_LONG64)
        return i->opsize == 2 ? 2 : 8;
    return i->opsize;
}

static int jump_rel(struct x86_cpu *cpu, const struct x86_insn *i)
{
    cpu->rip = (cpu->next_rip + i->imm) & x86_size_mask(branch_size(cpu, i));
    return X86_BRANCH;
}

/* EB JMP Jb, E9 JMP Jz */
int x86_op_jmp_rel(struct x86_cpu *cpu, const struct x86_insn *i)
{
    return jump_rel(cpu, i);
}

/* 70-7F Jcc Jb, 0F 80-8F Jcc Jz */
int x86_op_jcc(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (x86_cond(cpu, i->opcode & 0xf))
        return jump_rel(cpu, i);
    cpu->rip = cpu->next_rip;
    return X86_BRANCH;
}

/* E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JCXZ/JECXZ/JRCXZ: the count register's
 * size is the address size (SDM Vol. 2, LOOP). */
int x86_op_loop(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t m = x86_size_mask(i->adsize);
    bool take;
    if (i->opcode == 0xE3) {
        take = (cpu->r[RCX] & m) == 0;
    } else {
        uint64_t c = (cpu->r[RCX] - 1) & m;
        x86_set_reg(cpu, RCX, i->adsize, true, c);
        take = c != 0;
        if (i->opcode == 0xE0)
            take = take && !(cpu->rflags & F_ZF);
        else if (i->opcode == 0xE1)
            take = take && (cpu->rflags & F_ZF);
    }
    if (take)
        return jump_rel(cpu, i);
    cpu->rip = cpu->next_rip;
    return X86_BRANCH;
}

/* E8 CALL Jz */
int x86_op_call_rel(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = branch_size(cpu, i);
    if (!x86_push(cpu, i, sz, cpu->next_rip))
        return X86_EXIT;
    int r = x86_done(cpu);
    jump_rel(cpu, i);
    return r == X86_EXIT_DONE ? X86_EXIT_BRANCH : X86_BRANCH;
}

/* C3 RET, C2 RET Iw */
int x86_op_ret(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = branch_size(cpu, i);
    uint64_t v;
    if (!x86_pop(cpu, i, sz, &v))
        return X86_EXIT;
    if (i->opcode == 0xC2) {
        unsigned ss = cpu->mode == X86_MODE_LONG64 ? 8 : (cpu->seg[SEG_SS].attr & (1u << 14)) ? 4 : 2;
        x86_set_reg(cpu, RSP, ss, true, cpu->r[RSP] + (i->imm & 0xffff));
    }
    cpu->rip = v & x86_size_mask(sz);
    return X86_BRANCH;
}

/* FF group 5: /0 INC, /1 DEC, /2 CALL Ev, /3 CALL Mp, /4 JMP Ev, /5 JMP Mp,
 * /6 PUSH Ev */
int x86_op_grp5(struct x86_cpu *cpu, const struct x86_insn *i)
{
    extern int x86_op_incdec_rm(struct x86_cpu *, const struct x86_insn *);
    unsigned sz = branch_size(cpu, i);
    uint64_t v;
    switch (i->reg & 7) {
    case 0:
    case 1:
        return x86_op_incdec_rm(cpu, i);
    case 2: {
        if (!x86_get_rm(cpu, i, sz, &v))
            return X86_EXIT;
        if (!x86_push(cpu, i, sz, cpu->next_rip))
            return X86_EXIT;
        int r = x86_done(cpu);
        cpu->rip = v & x86_size_mask(sz);
        return r == X86_EXIT_DONE ? X86_EXIT_BRANCH : X86_BRANCH;
    }
    case 4:
        if (!x86_get_rm(cpu, i, sz, &v))
            return X86_EXIT;
        cpu->rip = v & x86_size_mask(sz);
        return X86_BRANCH;
    case 6: {
        /* PUSH Ev defaults to 64 bits in long mode (66 makes it 16; there is
         * no 32-bit form), but FF as a whole is not D64: INC/DEC Ev keep the
         * 32-bit default (SDM Vol. 2, Table A-6 and PUSH). */
        unsigned psz = cpu->mode == X86_MODE_LONG64 && i->opsize != 2 ? 8 : i->opsize;
        if (!x86_get_rm(cpu, i, psz, &v))
            return X86_EXIT;
        if (!x86_push(cpu, i, psz, v))
            return X86_EXIT;
        return x86_done(cpu);
    }
    case 3:
        return x86_sys_call_far(cpu, i); /* sys_seg.c */
    case 5:
        return x86_sys_jmp_far(cpu, i);
    default: /* 7 */
        return x86_op_ud(cpu, i);
    }
}
