/* cpu/x86/exec_bound.c: BOUND (62), the array-bounds check (SDM Vol. 2,
 * BOUND).  Invalid in 64-bit mode, where 62 is the EVEX prefix (the table
 * marks it).  Far pointers and far transfers are in sys_seg.c. */
#include "cpu/x86/x86.h"

/* 62 BOUND Gv, Ma: #BR unless lower <= Gv <= upper, signed, with the
 * bounds at the memory operand (operand size each). */
int x86_op_bound(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->mod == 3)
        return x86_op_ud(cpu, i);
    unsigned sz = i->opsize, sh = 64 - 8 * sz;
    uint64_t ea = x86_ea(cpu, i), lo, hi;
    if (!x86_mem_read(cpu, i, i->seg, ea, sz, &lo) ||
        !x86_mem_read(cpu, i, i->seg, (ea + sz) & x86_size_mask(i->adsize), sz, &hi))
        return X86_EXIT;
    int64_t v = (int64_t)(x86_get_reg(cpu, i->reg, sz, i->rex) << sh) >> sh;
    int64_t l = (int64_t)(lo << sh) >> sh, h = (int64_t)(hi << sh) >> sh;
    if (v < l || v > h)
        return x86_fault(cpu, i, 5);
    return X86_NEXT;
}
