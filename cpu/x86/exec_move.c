/* cpu/x86/exec_move.c: moves with extension or conditions, exchanges with
 * compare or add, and the small flag/accumulator instructions: MOVZX MOVSX
 * (0F B6 B7 BE BF), MOVSXD/ARPL (63), CMOVcc (0F 40-4F), SETcc (0F 90-9F),
 * XADD (0F C0 C1), CMPXCHG (0F B0 B1), CMPXCHG8B/16B (0F C7 /1), NOP Ev and
 * the hint space (0F 0D, 0F 18-1F), LAHF/SAHF (9F/9E), XLAT (D7), FWAIT (9B).
 */
#include "cpu/x86/x86.h"

static uint64_t sext(unsigned size, uint64_t v)
{
    unsigned sh = 64 - 8 * size;
    return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* 0F B6 MOVZX Gv,Eb; B7 MOVZX Gv,Ew; BE MOVSX Gv,Eb; BF MOVSX Gv,Ew */
int x86_op_movx(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned src = (i->opcode & 1) ? 2 : 1;
    uint64_t v;
    if (!x86_get_rm(cpu, i, src, &v))
        return X86_EXIT;
    if (i->opcode >= 0xBE)
        v = sext(src, v);
    x86_set_reg(cpu, i->reg, i->opsize, i->rex, v);
    return X86_NEXT;
}

/* 63: MOVSXD Gv,Ed in 64-bit mode (REX.W sign-extends; without it the move
 * is a plain 32- or 16-bit move, SDM Vol. 2, MOVSX/MOVSXD); ARPL Ew,Gw
 * elsewhere (protected mode only: #UD in real mode). */
int x86_op_movsxd(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t v;
    if (cpu->mode == X86_MODE_LONG64) {
        unsigned src = i->opsize == 2 ? 2 : 4;
        if (!x86_get_rm(cpu, i, src, &v))
            return X86_EXIT;
        x86_set_reg(cpu, i->reg, i->opsize, i->rex, sext(src, v));
        return X86_NEXT;
    }
    if (x86_real_segments(cpu)) /* #UD in real and virtual-8086 mode */
        return x86_op_ud(cpu, i);
    /* ARPL: if RPL(dest) < RPL(src), ZF = 1 and dest.RPL = src.RPL. */
    if (!x86_get_rm(cpu, i, 2, &v))
        return X86_EXIT;
    uint64_t s = x86_get_reg(cpu, i->reg, 2, i->rex);
    if ((v & 3) < (s & 3)) {
        cpu->rflags |= F_ZF;
        if (!x86_set_rm(cpu, i, 2, (v & ~3ULL) | (s & 3)))
            return X86_EXIT;
        return x86_done(cpu);
    }
    cpu->rflags &= ~(uint64_t)F_ZF;
    return X86_NEXT;
}

/* 0F 40-4F CMOVcc Gv,Ev: the source is read whatever the condition, and a
 * 32-bit destination is zero-extended even when the move does not happen
 * (SDM Vol. 2, CMOVcc; Vol. 1, 3.4.1.1). */
int x86_op_cmov(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t v;
    if (!x86_get_rm(cpu, i, i->opsize, &v))
        return X86_EXIT;
    if (!x86_cond(cpu, i->opcode & 0xf))
        v = x86_get_reg(cpu, i->reg, i->opsize, i->rex);
    x86_set_reg(cpu, i->reg, i->opsize, i->rex, v);
    return X86_NEXT;
}

/* 0F 90-9F SETcc Eb */
int x86_op_setcc(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (!x86_set_rm(cpu, i, 1, x86_cond(cpu, i->opcode & 0xf) ? 1 : 0))
        return X86_EXIT;
    return x86_done(cpu);
}

/* 0F C0 XADD Eb,Gb; C1 XADD Ev,Gv: TEMP = SRC + DEST; SRC = DEST;
 * DEST = TEMP, with the flags of the ADD.  With the same register twice the
 * sum wins. */
int x86_op_xadd(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t d;
    if (!x86_get_rm(cpu, i, sz, &d))
        return X86_EXIT;
    uint64_t s = x86_get_reg(cpu, i->reg, sz, i->rex);
    uint64_t sum = x86_alu(cpu, 0, sz, d, s);
    if (i->mod == 3) { /* SRC first, so the same register twice ends as the sum */
        x86_set_reg(cpu, i->reg, sz, i->rex, d);
        x86_set_rm(cpu, i, sz, sum);
        return X86_NEXT;
    }
    /* Memory first: its address may use the register SRC names. */
    if (!x86_set_rm(cpu, i, sz, sum))
        return X86_EXIT;
    x86_set_reg(cpu, i->reg, sz, i->rex, d);
    return x86_done(cpu);
}

/* 0F B0 CMPXCHG Eb,Gb; B1 CMPXCHG Ev,Gv: flags of CMP accumulator, DEST.
 * Equal: DEST = SRC.  Not equal: accumulator = DEST, and a memory DEST is
 * written back with its own value (the processor never reads for a locked
 * operation without writing, SDM Vol. 2, CMPXCHG); a register DEST is not
 * written (a 32-bit one keeps its upper half), and when equal the
 * accumulator is not written (RAX keeps its upper half): both checked on
 * the AMD reference hardware. */
int x86_op_cmpxchg(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t d;
    if (!x86_get_rm(cpu, i, sz, &d))
        return X86_EXIT;
    uint64_t acc = cpu->r[RAX] & x86_size_mask(sz);
    x86_alu(cpu, 7, sz, acc, d);
    if (acc == d) {
        if (!x86_set_rm(cpu, i, sz, x86_get_reg(cpu, i->reg, sz, i->rex)))
            return X86_EXIT;
        return x86_done(cpu);
    }
    if (i->mod != 3 && !x86_set_rm(cpu, i, sz, d))
        return X86_EXIT;
    x86_set_reg(cpu, RAX, sz, true, d);
    return x86_done(cpu);
}

/* 0F C7 Grp9: /1 CMPXCHG8B m64, with REX.W CMPXCHG16B m128.  Only ZF
 * changes (FACTS.md: QEMU also changes CF PF AF SF OF; hardware does not).
 * CMPXCHG16B needs a 16-byte aligned operand (#GP).  The other members
 * (RDRAND, RDSEED, RDPID, VMPTRLD, VMPTRST, VMCLEAR, VMXON, XRSTORS,
 * XSAVEC, XSAVES) are not advertised by CPUID, so they are #UD. */
int x86_op_grp9(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if ((i->reg & 7) != 1 || i->mod == 3)
        return x86_op_ud(cpu, i);
    uint64_t ea = x86_ea(cpu, i), m = x86_size_mask(i->adsize);
    uint64_t lo, hi;
    if ((i->rex & 8) == 0) { /* CMPXCHG8B: EDX:EAX vs m64; ECX:EBX stored */
        if (!x86_mem_read(cpu, i, i->seg, ea, 8, &lo))
            return X86_EXIT;
        uint64_t cmp = (cpu->r[RDX] & 0xffffffffULL) << 32 | (cpu->r[RAX] & 0xffffffffULL);
        bool eq = lo == cmp;
        uint64_t store = eq ? (cpu->r[RCX] & 0xffffffffULL) << 32 | (cpu->r[RBX] & 0xffffffffULL)
                            : lo;
        if (!x86_mem_write(cpu, i, i->seg, ea, 8, store))
            return X86_EXIT;
        if (!eq) {
            x86_set_reg(cpu, RAX, 4, true, lo);
            x86_set_reg(cpu, RDX, 4, true, lo >> 32);
        }
        cpu->rflags = (cpu->rflags & ~(uint64_t)F_ZF) | (eq ? F_ZF : 0);
        return x86_done(cpu);
    }
    uint64_t lin = cpu->seg[i->seg].base + ea;
    if (lin & 15)
        return x86_fault(cpu, i, 13);
    if (!x86_mem_read(cpu, i, i->seg, ea, 8, &lo) ||
        !x86_mem_read(cpu, i, i->seg, (ea + 8) & m, 8, &hi))
        return X86_EXIT;
    bool eq = lo == cpu->r[RAX] && hi == cpu->r[RDX];
    uint64_t slo = eq ? cpu->r[RBX] : lo, shi = eq ? cpu->r[RCX] : hi;
    if (!x86_mem_write(cpu, i, i->seg, ea, 8, slo) ||
        !x86_mem_write(cpu, i, i->seg, (ea + 8) & m, 8, shi))
        return X86_EXIT;
    if (!eq) {
        cpu->r[RAX] = lo;
        cpu->r[RDX] = hi;
    }
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ZF) | (eq ? F_ZF : 0);
    return x86_done(cpu);
}

/* 0F 1F NOP Ev, the reserved-NOP rows 0F 19-1E (ENDBR32/64 are F3 0F 1E FB/FA),
 * 0F 18 PREFETCHh and 0F 0D PREFETCHW: no memory access, no fault. */
int x86_op_nop_rm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    return X86_NEXT;
}

/* 9F LAHF: AH = SF:ZF:0:AF:0:PF:1:CF; 9E SAHF: SF ZF AF PF CF = AH.  In
 * 64-bit mode both need CPUID.80000001H:ECX.LAHF-SAHF, which is advertised. */
int x86_op_lahf_sahf(struct x86_cpu *cpu, const struct x86_insn *i)
{
    const uint64_t m = F_SF | F_ZF | F_AF | F_PF | F_CF;
    if (i->opcode == 0x9F) {
        x86_set_reg(cpu, 4, 1, false, (cpu->rflags & m) | 2); /* AH */
        return X86_NEXT;
    }
    uint64_t ah = (cpu->r[RAX] >> 8) & 0xff;
    cpu->rflags = (cpu->rflags & ~m) | (ah & m);
    return X86_NEXT;
}

/* D7 XLAT: AL = [seg:rBX + AL], rBX at the address size (DS default,
 * overridable). */
int x86_op_xlat(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t off = (cpu->r[RBX] + (cpu->r[RAX] & 0xff)) & x86_size_mask(i->adsize), v;
    if (!x86_mem_read(cpu, i, i->seg, off, 1, &v))
        return X86_EXIT;
    x86_set_reg(cpu, RAX, 1, true, v);
    return X86_NEXT;
}

/* 9B FWAIT: checks for pending x87 exceptions; without an x87 unit there are
 * none. */
int x86_op_fwait(struct x86_cpu *cpu, const struct x86_insn *i)
{
    return X86_NEXT;
}
