/* cpu/x86/exec_alu.c: ALU, data movement and flag instructions. */
#include "cpu/x86/x86.h"

#define RET_DONE(cpu) return x86_done(cpu)

int x86_op_muldiv(struct x86_cpu *, const struct x86_insn *); /* exec_muldiv.c */

/* 00-3D: ADD/OR/ADC/SBB/AND/SUB/XOR/CMP in the forms Eb,Gb Ev,Gv Gb,Eb Gv,Ev
 * AL,Ib eAX,Iz.  The operation is opcode bits 5:3, the form bits 2:0. */
int x86_op_alu(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned op = (i->opcode >> 3) & 7, form = i->opcode & 7, sz = i->opsize;
    uint64_t a, b, r;
    switch (form) {
    case 0:
    case 1: /* E, G */
        if (!x86_get_rm(cpu, i, sz, &a))
            return X86_EXIT;
        b = x86_get_reg(cpu, i->reg, sz, i->rex);
        r = x86_alu(cpu, op, sz, a, b);
        if (op != 7 && !x86_set_rm(cpu, i, sz, r))
            return X86_EXIT;
        RET_DONE(cpu);
    case 2:
    case 3: /* G, E */
        if (!x86_get_rm(cpu, i, sz, &b))
            return X86_EXIT;
        a = x86_get_reg(cpu, i->reg, sz, i->rex);
        r = x86_alu(cpu, op, sz, a, b);
        if (op != 7)
            x86_set_reg(cpu, i->reg, sz, i->rex, r);
        return X86_NEXT;
    default: /* AL/eAX, imm */
        r = x86_alu(cpu, op, sz, cpu->r[RAX], i->imm);
        if (op != 7)
            x86_set_reg(cpu, RAX, sz, true, r);
        return X86_NEXT;
    }
}

/* 80, 81, 83: group 1, Eb,Ib / Ev,Iz / Ev,Ib (SDM Vol. 2, Table A-6). */
int x86_op_grp1(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned op = i->reg & 7, sz = i->opsize;
    uint64_t a;
    if (!x86_get_rm(cpu, i, sz, &a))
        return X86_EXIT;
    uint64_t r = x86_alu(cpu, op, sz, a, i->imm);
    if (op != 7 && !x86_set_rm(cpu, i, sz, r))
        return X86_EXIT;
    RET_DONE(cpu);
}

/* 84/85 TEST E,G; A8/A9 TEST AL/eAX,imm */
int x86_op_test(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t a, b;
    if (i->opcode >= 0xA8) {
        a = cpu->r[RAX];
        b = i->imm;
    } else {
        if (!x86_get_rm(cpu, i, i->opsize, &a))
            return X86_EXIT;
        b = x86_get_reg(cpu, i->reg, i->opsize, i->rex);
    }
    x86_flags_logic(cpu, i->opsize, a & b & x86_size_mask(i->opsize));
    return X86_NEXT;
}

/* F6/F7 group 3: TEST (/0, and /1 its alias), NOT (/2), NEG (/3); MUL IMUL
 * DIV IDIV (/4-/7) are in exec_muldiv.c. */
int x86_op_grp3(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t a;
    switch (i->reg & 7) {
    case 0:
    case 1:
        if (!x86_get_rm(cpu, i, sz, &a))
            return X86_EXIT;
        x86_flags_logic(cpu, sz, a & i->imm & x86_size_mask(sz));
        return X86_NEXT;
    case 2:
        if (!x86_get_rm(cpu, i, sz, &a))
            return X86_EXIT;
        if (!x86_set_rm(cpu, i, sz, ~a))
            return X86_EXIT;
        RET_DONE(cpu);
    case 3: {
        if (!x86_get_rm(cpu, i, sz, &a))
            return X86_EXIT;
        uint64_t r = x86_alu(cpu, 5, sz, 0, a); /* NEG = 0 - a; CF = (a != 0) */
        if (!x86_set_rm(cpu, i, sz, r))
            return X86_EXIT;
        RET_DONE(cpu);
    }
    default:
        return x86_op_muldiv(cpu, i);
    }
}

/* 40-4F INC/DEC r (not in 64-bit mode, where they are REX). */
int x86_op_incdec_r(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned r = i->opcode & 7;
    x86_set_reg(cpu, r, i->opsize, true,
                x86_incdec(cpu, i->opsize, cpu->r[r], i->opcode >= 0x48));
    return X86_NEXT;
}

/* FE/FF /0 /1: INC/DEC E */
int x86_op_incdec_rm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t a;
    if ((i->reg & 7) > 1)
        return x86_op_ud(cpu, i); /* FE /2../7 are undefined */
    if (!x86_get_rm(cpu, i, i->opsize, &a))
        return X86_EXIT;
    if (!x86_set_rm(cpu, i, i->opsize, x86_incdec(cpu, i->opsize, a, (i->reg & 7) == 1)))
        return X86_EXIT;
    RET_DONE(cpu);
}

/* 88/89 MOV E,G; 8A/8B MOV G,E */
int x86_op_mov_rm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t v;
    if (i->opcode <= 0x89) {
        if (!x86_set_rm(cpu, i, i->opsize, x86_get_reg(cpu, i->reg, i->opsize, i->rex)))
            return X86_EXIT;
        RET_DONE(cpu);
    }
    if (!x86_get_rm(cpu, i, i->opsize, &v))
        return X86_EXIT;
    x86_set_reg(cpu, i->reg, i->opsize, i->rex, v);
    return X86_NEXT;
}

/* C6/C7 /0 MOV E, imm */
int x86_op_mov_rm_imm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if ((i->reg & 7) != 0)
        return x86_op_ud(cpu, i); /* XABORT/XBEGIN (RTM) are not advertised */
    if (!x86_set_rm(cpu, i, i->opsize, i->imm))
        return X86_EXIT;
    RET_DONE(cpu);
}

/* B0-B7 MOV r8, imm8; B8-BF MOV r, imm */
int x86_op_mov_r_imm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    x86_set_reg(cpu, i->reg, i->opsize, i->rex, i->imm);
    return X86_NEXT;
}

/* A0-A3 MOV AL/eAX <-> moffs */
int x86_op_mov_moffs(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t off = i->imm & x86_size_mask(i->adsize), v;
    if (i->opcode <= 0xA1) {
        if (!x86_mem_read(cpu, i, i->seg, off, i->opsize, &v))
            return X86_EXIT;
        x86_set_reg(cpu, RAX, i->opsize, true, v);
        return X86_NEXT;
    }
    if (!x86_mem_write(cpu, i, i->seg, off, i->opsize, cpu->r[RAX]))
        return X86_EXIT;
    RET_DONE(cpu);
}

/* 8D LEA */
int x86_op_lea(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->mod == 3)
        return x86_op_ud(cpu, i);
    x86_set_reg(cpu, i->reg, i->opsize, i->rex, x86_ea(cpu, i));
    return X86_NEXT;
}

/* 8C MOV Ev,Sreg (8E MOV Sreg,Ew is in sys_seg.c): a register destination
 * takes the operand size (zero-extended), memory is always 16 bits. */
int x86_op_mov_sreg(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned s = i->reg & 7;
    if (s > SEG_GS)
        return x86_op_ud(cpu, i);
    unsigned sz = i->mod == 3 ? i->opsize : 2;
    if (!x86_set_rm(cpu, i, sz, cpu->seg[s].sel))
        return X86_EXIT;
    RET_DONE(cpu);
}

/* 86/87 XCHG E,G; 90-97 XCHG eAX,r.  90 without REX.B is NOP (and F3 90
 * PAUSE) whatever the operand size: in 64-bit mode it does not zero-extend
 * EAX (SDM Vol. 2, XCHG and NOP). */
int x86_op_xchg(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    if (i->opcode >= 0x90) {
        if (i->reg == RAX)
            return X86_NEXT;
        uint64_t a = cpu->r[RAX], b = cpu->r[i->reg];
        x86_set_reg(cpu, RAX, sz, true, b);
        x86_set_reg(cpu, i->reg, sz, true, a);
        return X86_NEXT;
    }
    uint64_t a, b = x86_get_reg(cpu, i->reg, sz, i->rex);
    if (!x86_get_rm(cpu, i, sz, &a))
        return X86_EXIT;
    if (!x86_set_rm(cpu, i, sz, b))
        return X86_EXIT;
    x86_set_reg(cpu, i->reg, sz, i->rex, a);
    RET_DONE(cpu);
}

/* 98 CBW/CWDE/CDQE, 99 CWD/CDQ/CQO */
int x86_op_cbw_cwd(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t a = cpu->r[RAX];
    if (i->opcode == 0x98) {
        uint64_t half = a & x86_size_mask(sz / 2), sb = 1ULL << (4 * sz - 1);
        x86_set_reg(cpu, RAX, sz, true, (half ^ sb) - sb);
    } else {
        uint64_t sb = 1ULL << (8 * sz - 1);
        x86_set_reg(cpu, RDX, sz, true, (a & sb) ? ~0ULL : 0);
    }
    return X86_NEXT;
}

/* F5 CMC, F8 CLC, F9 STC, FC CLD, FD STD */
int x86_op_flag(struct x86_cpu *cpu, const struct x86_insn *i)
{
    switch (i->opcode) {
    case 0xF5: cpu->rflags ^= F_CF; break;
    case 0xF8: cpu->rflags &= ~(uint64_t)F_CF; break;
    case 0xF9: cpu->rflags |= F_CF; break;
    case 0xFC: cpu->rflags &= ~(uint64_t)F_DF; break;
    default: cpu->rflags |= F_DF; break;
    }
    return X86_NEXT;
}

/* 50-57 PUSH r, 58-5F POP r */
int x86_op_pushpop_r(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t v;
    if (i->opcode < 0x58) {
        if (!x86_push(cpu, i, i->opsize, cpu->r[i->reg]))
            return X86_EXIT;
        RET_DONE(cpu);
    }
    if (!x86_pop(cpu, i, i->opsize, &v))
        return X86_EXIT;
    x86_set_reg(cpu, i->reg, i->opsize, true, v);
    return X86_NEXT;
}

/* 68 PUSH Iz, 6A PUSH Ib */
int x86_op_push_imm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (!x86_push(cpu, i, i->opsize, i->imm))
        return X86_EXIT;
    RET_DONE(cpu);
}

/* 06/0E/16/1E PUSH ES/CS/SS/DS (not 64-bit mode; POP sreg is in
 * sys_seg.c) */
int x86_op_pushpop_sreg(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned s = (i->opcode >> 3) & 3;
    if (!x86_push(cpu, i, i->opsize, cpu->seg[s].sel))
        return X86_EXIT;
    RET_DONE(cpu);
}

/* 9C PUSHF, 9D POPF (SDM Vol. 2, PUSHF and POPF "Operation").  PUSHF's image
 * has VM and RF clear.  POPF changes IOPL only at CPL 0 and IF only when
 * CPL <= IOPL (silently, without a fault), AC and ID only in the 32- and
 * 64-bit forms, which also clear RF; VM, VIF and VIP are left alone.  Real
 * mode is CPL 0; virtual-8086 mode CPL 3, where both are #GP(0) unless
 * IOPL is 3 (no VME in this model). */
int x86_op_pushf_popf(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (cpu->mode == X86_MODE_VM86 && ((cpu->rflags >> 12) & 3) != 3)
        return x86_exception(cpu, 13, 0);
    if (i->opcode == 0x9C) {
        if (!x86_push(cpu, i, i->opsize, (cpu->rflags & 0x3c7fd7) | 2))
            return X86_EXIT;
        RET_DONE(cpu);
    }
    uint64_t v;
    if (!x86_pop(cpu, i, i->opsize, &v))
        return X86_EXIT;
    unsigned cpl = x86_cpl(cpu), iopl = (cpu->rflags >> 12) & 3;
    uint64_t m = F_ARITH | F_TF | F_DF | (1u << 14) | (i->opsize >= 4 ? F_AC | (1u << 21) : 0);
    if (cpl == 0)
        m |= 0x3000;
    if (cpl <= iopl)
        m |= F_IF;
    m &= x86_size_mask(i->opsize);
    cpu->rflags = (cpu->rflags & ~m) | (v & m) | 2;
    if (i->opsize >= 4)
        cpu->rflags &= ~(uint64_t)(1u << 16); /* RF */
    return X86_NEXT;
}
