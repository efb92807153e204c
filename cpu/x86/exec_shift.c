/* cpu/x86/exec_shift.c: group 2 shifts and rotates (C0 C1 D0-D3), SHLD and
 * SHRD (0F A4 A5 AC AD).
 *
 * Written once for every operand size (SDM Vol. 2, RCL/RCR/ROL/ROR,
 * SAL/SAR/SHL/SHR, SHLD, SHRD):
 * - the count is masked to 5 bits (6 with a 64-bit operand); a masked count
 *   of 0 changes no flag, and then a memory destination is not written;
 * - ROL/ROR rotate by the masked count modulo the width, RCL/RCR by the
 *   masked count modulo width + 1 for 8- and 16-bit operands;
 * - OF is defined only for a count of 1.
 *
 * Where the SDM leaves flags or results undefined, squib does what this
 * project's reference hardware (AMD Zen 4, checked natively) does:
 * - OF for counts above 1 keeps the count-1 formula on the final result
 *   (SHL/SAL, ROL, RCL, SHLD: MSB(result) ^ CF; SHR, SAR, ROR, RCR, SHRD:
 *   MSB(result) ^ next-to-MSB(result), which for SHR by 1 is the original
 *   MSB and for SAR is always 0);
 * - AF is set by SHL/SHR/SAR/SHLD/SHRD with a non-zero count;
 * - SHL/SHR by counts >= the width shift in zeros through the wider value,
 *   so CF is the bit that the shift moved out last (0 once it is past all
 *   the operand's bits); SAR fills with the sign, so CF = the sign bit;
 * - SHLD/SHRD on a 16-bit operand with a count of 17-31 shift through the
 *   48-bit pattern dest:src:src (SHLD) or src:src:dest (SHRD), and clear CF;
 *   Intel parts use dest:src:dest instead.  16-bit SHLD by 16 or more sets
 *   OF = CF.
 */
#include "cpu/x86/x86.h"

static uint64_t msb(unsigned size, uint64_t v)
{
    return (v >> (8 * size - 1)) & 1;
}

static unsigned count_mask(unsigned size)
{
    return size == 8 ? 0x3f : 0x1f;
}

static void set_flags(struct x86_cpu *cpu, uint64_t set, uint64_t which)
{
    cpu->rflags = (cpu->rflags & ~which) | (set & which);
}

uint64_t x86_shift(struct x86_cpu *cpu, unsigned op, unsigned size, uint64_t a, unsigned count)
{
    unsigned w = 8 * size;
    uint64_t m = x86_size_mask(size);
    uint64_t r, cf, of;
    a &= m;
    if (count == 0)
        return a;
    switch (op & 7) {
    case 0: { /* ROL */
        unsigned c = count % w;
        r = c ? ((a << c) | (a >> (w - c))) & m : a;
        cf = r & 1;
        of = msb(size, r) ^ cf;
        set_flags(cpu, (cf ? F_CF : 0) | (of ? F_OF : 0), F_CF | F_OF);
        return r;
    }
    case 1: { /* ROR */
        unsigned c = count % w;
        r = c ? ((a >> c) | (a << (w - c))) & m : a;
        cf = msb(size, r);
        of = cf ^ ((r >> (w - 2)) & 1);
        set_flags(cpu, (cf ? F_CF : 0) | (of ? F_OF : 0), F_CF | F_OF);
        return r;
    }
    case 2:   /* RCL */
    case 3: { /* RCR: rotate the (w + 1)-bit value CF:dest */
        unsigned c = size <= 2 ? count % (w + 1) : count;
        unsigned __int128 v = ((unsigned __int128)((cpu->rflags & F_CF) ? 1 : 0) << w) | a;
        unsigned __int128 vm = ((unsigned __int128)1 << (w + 1)) - 1;
        if ((op & 7) == 3 && c)
            c = w + 1 - c; /* RCR by c = RCL by (w + 1 - c) */
        if (c)
            v = ((v << c) | (v >> (w + 1 - c))) & vm;
        r = (uint64_t)v & m;
        cf = (uint64_t)(v >> w) & 1;
        if ((op & 7) == 2)
            of = msb(size, r) ^ cf;
        else
            of = msb(size, r) ^ ((r >> (w - 2)) & 1);
        set_flags(cpu, (cf ? F_CF : 0) | (of ? F_OF : 0), F_CF | F_OF);
        return r;
    }
    case 4:   /* SHL */
    case 6: { /* SAL (the /6 alias) */
        r = count < 64 ? (a << count) & m : 0;
        cf = count <= w ? (a >> (w - count)) & 1 : 0;
        of = msb(size, r) ^ cf;
        break;
    }
    case 5: /* SHR */
        r = count < 64 ? a >> count : 0;
        cf = count <= 64 ? (a >> (count - 1)) & 1 : 0;
        of = msb(size, r) ^ ((r >> (w - 2)) & 1);
        break;
    default: { /* 7: SAR */
        int64_t s = (int64_t)(a << (64 - w)) >> (64 - w); /* sign-extended */
        unsigned c = count < 64 ? count : 63;
        r = (uint64_t)(s >> c) & m;
        cf = (uint64_t)(s >> (count - 1 < 64 ? count - 1 : 63)) & 1;
        of = 0;
        break;
    }
    }
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | x86_flags_szp(size, r) | (cf ? F_CF : 0) |
                  (of ? F_OF : 0) | F_AF;
    return r;
}

/* C0/C1 Grp2 E,Ib; D0/D1 Grp2 E,1; D2/D3 Grp2 E,CL */
int x86_op_grp2(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, count;
    if (i->opcode <= 0xC1)
        count = (unsigned)i->imm;
    else if (i->opcode <= 0xD1)
        count = 1;
    else
        count = (unsigned)cpu->r[RCX];
    count &= count_mask(sz);
    uint64_t a;
    if (!x86_get_rm(cpu, i, sz, &a))
        return X86_EXIT;
    uint64_t r = x86_shift(cpu, i->reg & 7, sz, a, count);
    if (count == 0 && i->mod != 3)
        return X86_NEXT;
    /* A register destination is written even for a count of 0: a 32-bit
     * one is then zero-extended, as any 32-bit register write. */
    if (!x86_set_rm(cpu, i, sz, r))
        return X86_EXIT;
    return x86_done(cpu);
}

/* 0F A4/A5 SHLD Ev,Gv,Ib/CL; 0F AC/AD SHRD Ev,Gv,Ib/CL */
int x86_op_shld_shrd(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, w = 8 * sz;
    bool left = i->opcode < 0xA8;
    unsigned count = (unsigned)((i->opcode & 1) ? cpu->r[RCX] : i->imm) & count_mask(sz);
    uint64_t m = x86_size_mask(sz), a, r, cf;
    if (!x86_get_rm(cpu, i, sz, &a))
        return X86_EXIT;
    uint64_t b = x86_get_reg(cpu, i->reg, sz, i->rex);
    if (count == 0) {
        if (i->mod != 3)
            return X86_NEXT;
        x86_set_rm(cpu, i, sz, a); /* zero-extends a 32-bit register */
        return X86_NEXT;
    }
    unsigned __int128 v;
    if (sz == 2 && count >= 16) {
        /* Undefined above 16: the AMD pattern (see the top of the file). */
        v = left ? ((unsigned __int128)a << 32) | (b << 16) | b
                 : ((unsigned __int128)b << 32) | (b << 16) | a;
        r = (uint64_t)(left ? v >> (32 - count) : v >> count) & m;
        cf = count == 16 ? (left ? a & 1 : (a >> 15) & 1) : 0;
        if (left) { /* and OF = CF for SHLD */
            cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | x86_flags_szp(sz, r) | F_AF |
                          (cf ? F_CF | F_OF : 0);
            if (!x86_set_rm(cpu, i, sz, r))
                return X86_EXIT;
            return x86_done(cpu);
        }
    } else if (left) {
        v = ((unsigned __int128)a << w) | b;
        r = (uint64_t)(v >> (w - count)) & m;
        cf = (a >> (w - count)) & 1;
    } else {
        v = ((unsigned __int128)b << w) | a;
        r = (uint64_t)(v >> count) & m;
        cf = (a >> (count - 1)) & 1;
    }
    /* Count 1: OF = sign change (SDM); both formulas give that. */
    uint64_t of = left ? msb(sz, r) ^ cf : msb(sz, r) ^ ((r >> (w - 2)) & 1);
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | x86_flags_szp(sz, r) | (cf ? F_CF : 0) |
                  (of ? F_OF : 0) | F_AF;
    if (!x86_set_rm(cpu, i, sz, r))
        return X86_EXIT;
    return x86_done(cpu);
}
