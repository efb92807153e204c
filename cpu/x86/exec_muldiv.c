/* cpu/x86/exec_muldiv.c: MUL, IMUL (all forms), DIV, IDIV.
 *
 * Written once for every operand size through 128-bit intermediates
 * (SDM Vol. 2, MUL, IMUL, DIV, IDIV).  A zero divisor or a quotient that
 * does not fit raises #DE; until exceptions are delivered, that ends the run
 * with an INTERNAL_ERROR and leaves every register as it was.
 *
 * Undefined flags follow this project's reference hardware (AMD Zen 4,
 * checked natively): MUL/IMUL leave SF, ZF, AF and PF unchanged; DIV/IDIV
 * clear SF, ZF and PF, set AF and leave CF and OF unchanged.
 */
#include "cpu/x86/x86.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static int64_t sext(unsigned size, uint64_t v)
{
    unsigned sh = 64 - 8 * size;
    return (int64_t)(v << sh) >> sh;
}

static void mul_flags(struct x86_cpu *cpu, unsigned size, uint64_t low, bool overflow)
{
    (void)size;
    (void)low;
    cpu->rflags = (cpu->rflags & ~(uint64_t)(F_CF | F_OF)) | (overflow ? F_CF | F_OF : 0);
}

static void div_flags(struct x86_cpu *cpu)
{
    cpu->rflags = (cpu->rflags & ~(uint64_t)(F_SF | F_ZF | F_PF)) | F_AF;
}

/* The double-width accumulator: AX for bytes, else rDX:rAX. */
static u128 acc_get(const struct x86_cpu *cpu, unsigned size)
{
    if (size == 1)
        return cpu->r[RAX] & 0xffff;
    uint64_t m = x86_size_mask(size);
    return ((u128)(cpu->r[RDX] & m) << (8 * size)) | (cpu->r[RAX] & m);
}

static void acc_set(struct x86_cpu *cpu, unsigned size, uint64_t lo, uint64_t hi)
{
    if (size == 1) {
        x86_set_reg(cpu, RAX, 2, true, (lo & 0xff) | (hi & 0xff) << 8);
        return;
    }
    x86_set_reg(cpu, RAX, size, true, lo);
    x86_set_reg(cpu, RDX, size, true, hi);
}

/* F6/F7 /4 MUL, /5 IMUL, /6 DIV, /7 IDIV (called from group 3). */
int x86_op_muldiv(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, w = 8 * sz;
    uint64_t m = x86_size_mask(sz), src;
    if (!x86_get_rm(cpu, i, sz, &src))
        return X86_EXIT;
    uint64_t a = cpu->r[RAX] & m;
    switch (i->reg & 7) {
    case 4: { /* MUL: CF = OF = (upper half != 0) */
        u128 p = (u128)a * src;
        uint64_t lo = (uint64_t)p & m, hi = (uint64_t)(p >> w) & m;
        acc_set(cpu, sz, lo, hi);
        mul_flags(cpu, sz, lo, hi != 0);
        return X86_NEXT;
    }
    case 5: { /* IMUL: CF = OF = (the product does not fit the lower half) */
        s128 p = (s128)sext(sz, a) * sext(sz, src);
        uint64_t lo = (uint64_t)p & m, hi = (uint64_t)((u128)p >> w) & m;
        acc_set(cpu, sz, lo, hi);
        mul_flags(cpu, sz, lo, p != (s128)sext(sz, lo));
        return X86_NEXT;
    }
    case 6: { /* DIV */
        if (src == 0)
            return x86_fault(cpu, i, 0);
        u128 n = acc_get(cpu, sz), q = n / src, r = n % src;
        if (q > m)
            return x86_fault(cpu, i, 0);
        acc_set(cpu, sz, (uint64_t)q, (uint64_t)r);
        div_flags(cpu);
        return X86_NEXT;
    }
    default: { /* 7: IDIV, truncating toward zero; the remainder has the
                  dividend's sign */
        if (src == 0)
            return x86_fault(cpu, i, 0);
        u128 n = acc_get(cpu, sz);
        bool nneg = (n >> (2 * w - 1)) & 1;
        if (sz < 8 && nneg)
            n |= ~(u128)0 << (2 * w); /* sign-extend the 2w-bit dividend */
        int64_t d = sext(sz, src);
        bool dneg = d < 0;
        u128 nmag = nneg ? -n : n;
        u128 dmag = dneg ? (u128)(-(s128)d) : (u128)d;
        u128 qmag = nmag / dmag, rmag = nmag % dmag;
        bool qneg = nneg != dneg;
        u128 limit = (u128)1 << (w - 1); /* |q| <= 2^(w-1) if negative, < if not */
        if (qmag > limit || (!qneg && qmag == limit))
            return x86_fault(cpu, i, 0);
        uint64_t q = (uint64_t)(qneg ? -qmag : qmag), r = (uint64_t)(nneg ? -rmag : rmag);
        acc_set(cpu, sz, q & m, r & m);
        div_flags(cpu);
        return X86_NEXT;
    }
    }
}

/* 0F AF IMUL Gv,Ev */
int x86_op_imul_rm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t b;
    if (!x86_get_rm(cpu, i, sz, &b))
        return X86_EXIT;
    s128 p = (s128)sext(sz, x86_get_reg(cpu, i->reg, sz, i->rex)) * sext(sz, b);
    uint64_t lo = (uint64_t)p & x86_size_mask(sz);
    x86_set_reg(cpu, i->reg, sz, i->rex, lo);
    mul_flags(cpu, sz, lo, p != (s128)sext(sz, lo));
    return X86_NEXT;
}

/* 69 IMUL Gv,Ev,Iz; 6B IMUL Gv,Ev,Ib (the immediate is sign-extended) */
int x86_op_imul_imm(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize;
    uint64_t b;
    if (!x86_get_rm(cpu, i, sz, &b))
        return X86_EXIT;
    s128 p = (s128)sext(sz, b) * sext(sz, i->imm);
    uint64_t lo = (uint64_t)p & x86_size_mask(sz);
    x86_set_reg(cpu, i->reg, sz, i->rex, lo);
    mul_flags(cpu, sz, lo, p != (s128)sext(sz, lo));
    return X86_NEXT;
}
