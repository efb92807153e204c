/* cpu/x86/exec_map38.c: the general-purpose rows of the 0F 38 map: MOVBE
 * (0F 38 F0/F1, CPUID.1:ECX.MOVBE) and ADCX/ADOX (66/F3 0F 38 F6,
 * CPUID.7.0:EBX.ADX).  F2 0F 38 F0/F1 is CRC32 (SSE4.2, not advertised:
 * #UD) and 0F 38 F6 without a prefix is #UD here.
 */
#include "cpu/x86/x86.h"

static uint64_t swap(unsigned size, uint64_t v)
{
    switch (size) {
    case 8: return __builtin_bswap64(v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap16((uint16_t)v);
    }
}

/* 0F 38 F0 MOVBE Gv,Mv; 0F 38 F1 MOVBE Mv,Gv: a move that reverses the
 * bytes; memory operands only (SDM Vol. 2, MOVBE). */
static int movbe(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    if (i->mod == 3)
        return x86_op_ud(cpu, i);
    if (i->opcode == 0xF1) {
        if (!x86_set_rm(cpu, i, sz, swap(sz, x86_get_reg(cpu, i->reg, sz, i->rex))))
            return X86_EXIT;
        return x86_done(cpu);
    }
    uint64_t v;
    if (!x86_get_rm(cpu, i, sz, &v))
        return X86_EXIT;
    x86_set_reg(cpu, i->reg, sz, i->rex, swap(sz, v));
    return X86_NEXT;
}

/* 66 0F 38 F6 ADCX Gy,Ey: Gy += Ey + CF, only CF changes.  F3 0F 38 F6
 * ADOX: the same through OF.  32 bits, or 64 with REX.W; the 66 is the
 * mandatory prefix, not an operand size (SDM Vol. 2, ADCX, ADOX). */
static int adx(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = (i->rex & 8) ? 8 : 4;
    uint64_t f = i->rep == 0xF3 ? F_OF : F_CF;
    uint64_t b;
    if (!x86_get_rm(cpu, i, sz, &b))
        return X86_EXIT;
    uint64_t a = x86_get_reg(cpu, i->reg, sz, i->rex), m = x86_size_mask(sz);
    unsigned __int128 s = (unsigned __int128)a + b + ((cpu->rflags & f) ? 1 : 0);
    x86_set_reg(cpu, i->reg, sz, i->rex, (uint64_t)s & m);
    bool carry = sz == 8 ? (uint64_t)(s >> 64) != 0 : ((uint64_t)s >> 32) != 0;
    cpu->rflags = (cpu->rflags & ~f) | (carry ? f : 0);
    return X86_NEXT;
}

int x86_op_map38(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->opcode == 0xF6) {
        if (!x86_has(cpu, XF_ADX) || (i->rep != 0xF3 && !i->p66) || i->rep == 0xF2)
            return x86_op_ud(cpu, i);
        return adx(cpu, i);
    }
    if (i->rep == 0xF2 || !x86_has(cpu, XF_MOVBE))
        return x86_op_ud(cpu, i);
    return movbe(cpu, i);
}
