/* cpu/x86/exec_common.c: generic operand fetch and write-back. */
#include "cpu/x86/x86.h"

/* Byte registers: without REX, 4-7 are AH, CH, DH, BH (SDM Vol. 1, 3.4.1.1). */
uint64_t x86_get_reg(const struct x86_cpu *cpu, unsigned reg, unsigned size, bool rex)
{
    if (size == 1 && !rex && reg >= 4 && reg < 8)
        return (cpu->r[reg - 4] >> 8) & 0xff;
    return cpu->r[reg] & x86_size_mask(size);
}

void x86_set_reg(struct x86_cpu *cpu, unsigned reg, unsigned size, bool rex, uint64_t v)
{
    switch (size) {
    case 1:
        if (!rex && reg >= 4 && reg < 8)
            cpu->r[reg - 4] = (cpu->r[reg - 4] & ~0xff00ULL) | ((v & 0xff) << 8);
        else
            cpu->r[reg] = (cpu->r[reg] & ~0xffULL) | (v & 0xff);
        break;
    case 2:
        cpu->r[reg] = (cpu->r[reg] & ~0xffffULL) | (v & 0xffff);
        break;
    case 4: /* 32-bit results zero-extend into 64 bits */
        cpu->r[reg] = v & 0xffffffffULL;
        break;
    default:
        cpu->r[reg] = v;
        break;
    }
}

bool x86_get_rm(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t *v)
{
    if (i->mod == 3) {
        *v = x86_get_reg(cpu, i->rm, size, i->rex);
        return true;
    }
    return x86_mem_read(cpu, i, i->seg, x86_ea(cpu, i), size, v);
}

bool x86_set_rm(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t v)
{
    if (i->mod == 3) {
        x86_set_reg(cpu, i->rm, size, i->rex, v);
        return true;
    }
    return x86_mem_write(cpu, i, i->seg, x86_ea(cpu, i), size, v);
}

unsigned x86_stack_size(const struct x86_cpu *cpu)
{
    if (cpu->mode == X86_MODE_LONG64)
        return 8;
    return (cpu->seg[SEG_SS].attr & (1u << 14)) ? 4 : 2; /* SS.B */
}

bool x86_push(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t v)
{
    unsigned ss = x86_stack_size(cpu);
    uint64_t sp = (cpu->r[RSP] - size) & x86_size_mask(ss);
    if (!x86_mem_write(cpu, i, SEG_SS, sp, size, v))
        return false;
    x86_set_reg(cpu, RSP, ss, true, sp);
    return true;
}

bool x86_pop(struct x86_cpu *cpu, const struct x86_insn *i, unsigned size, uint64_t *v)
{
    unsigned ss = x86_stack_size(cpu);
    uint64_t sp = cpu->r[RSP] & x86_size_mask(ss);
    if (!x86_mem_read(cpu, i, SEG_SS, sp, size, v))
        return false;
    x86_set_reg(cpu, RSP, ss, true, sp + size);
    return true;
}

/* Real mode: base = selector * 16, limit and attributes unchanged
 * (SDM Vol. 3, 20.1.1).  Virtual-8086 mode: also a 64 KiB limit and a
 * present, DPL 3, read/write, 16-bit segment (SDM Vol. 3, 20.2.1). */
void x86_load_seg_real(struct x86_cpu *cpu, int seg, uint16_t sel)
{
    cpu->seg[seg].sel = sel;
    cpu->seg[seg].base = (uint64_t)sel << 4;
    if (cpu->mode == X86_MODE_VM86) {
        cpu->seg[seg].limit = 0xffff;
        cpu->seg[seg].attr = 0xF3;
    }
}
