/* cpu/x86/alu.c: integer ALU operations with exact flags.
 *
 * Flags follow SDM Vol. 1, 3.4.3.1 and the per-instruction pages of Vol. 2:
 * CF/OF from the unsigned/signed overflow, AF from bit 3 carry, PF from the
 * low byte's parity, SF/ZF from the result at the operand size.  Flags are
 * computed eagerly here; lazy flags come with the x86 core issue.
 */
#include "cpu/x86/x86.h"

static uint64_t sign_bit(unsigned size)
{
    return 1ULL << (8 * size - 1);
}

static uint64_t szp(unsigned size, uint64_t r)
{
    uint64_t f = 0;
    r &= x86_size_mask(size);
    if (r == 0)
        f |= F_ZF;
    if (r & sign_bit(size))
        f |= F_SF;
    if (!__builtin_parity((unsigned)(r & 0xff)))
        f |= F_PF;
    return f;
}

uint64_t x86_flags_szp(unsigned size, uint64_t r)
{
    return szp(size, r);
}

void x86_flags_logic(struct x86_cpu *cpu, unsigned size, uint64_t r)
{
    /* AND/OR/XOR/TEST: CF = OF = 0; AF is undefined, cleared as the
     * hardware does. */
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | szp(size, r);
}

uint64_t x86_alu(struct x86_cpu *cpu, unsigned op, unsigned size, uint64_t a, uint64_t b)
{
    uint64_t m = x86_size_mask(size), sb = sign_bit(size);
    uint64_t r, f = 0;
    unsigned cin = cpu->rflags & F_CF ? 1 : 0;
    a &= m;
    b &= m;
    switch (op & 7) {
    case 0: /* ADD */
    case 2: /* ADC */
        if ((op & 7) == 0)
            cin = 0;
        r = (a + b + cin) & m;
        if (r < a || (cin && r == a))
            f |= F_CF;
        if (~(a ^ b) & (a ^ r) & sb)
            f |= F_OF;
        if ((a ^ b ^ r) & 0x10)
            f |= F_AF;
        break;
    case 3: /* SBB */
    case 5: /* SUB */
    case 7: /* CMP */
        if ((op & 7) != 3)
            cin = 0;
        r = (a - b - cin) & m;
        if (a < b || (cin && a == b))
            f |= F_CF;
        if ((a ^ b) & (a ^ r) & sb)
            f |= F_OF;
        if ((a ^ b ^ r) & 0x10)
            f |= F_AF;
        break;
    case 1: /* OR */
        r = a | b;
        break;
    case 4: /* AND */
        r = a & b;
        break;
    default: /* 6: XOR */
        r = a ^ b;
        break;
    }
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | f | szp(size, r);
    return r;
}

uint64_t x86_incdec(struct x86_cpu *cpu, unsigned size, uint64_t a, bool dec)
{
    /* INC/DEC leave CF unchanged. */
    uint64_t cf = cpu->rflags & F_CF;
    uint64_t r = x86_alu(cpu, dec ? 5 : 0, size, a, 1);
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_CF) | cf;
    return r;
}

/* Jcc/SETcc/CMOVcc conditions, SDM Vol. 1 Appendix B. */
bool x86_cond(const struct x86_cpu *cpu, unsigned cc)
{
    uint64_t f = cpu->rflags;
    bool r;
    switch ((cc >> 1) & 7) {
    case 0: r = f & F_OF; break;
    case 1: r = f & F_CF; break;
    case 2: r = f & F_ZF; break;
    case 3: r = (f & F_CF) || (f & F_ZF); break;
    case 4: r = f & F_SF; break;
    case 5: r = f & F_PF; break;
    case 6: r = !(f & F_SF) != !(f & F_OF); break;
    default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
    }
    return (cc & 1) ? !r : r;
}

bool x86_flags_cf_other(const struct x86_cpu *cpu)
{
    switch (cpu->lf_op) {
    case LF_NONE: return cpu->rflags & F_CF;
    case LF_ADD: return cpu->lf_r < cpu->lf_a;
    case LF_SUB: return cpu->lf_a < cpu->lf_b;
    case LF_LOGIC: return false;
    case LF_INC:
    case LF_DEC:
    case LF_IMUL: return cpu->lf_b; /* the carry from before; IMUL's overflow */
    default: return x86_shift_cf(cpu->lf_op, cpu->lf_size, cpu->lf_a, cpu->lf_b);
    }
}

/* The flags of the last lazy operation, by the same rules as x86_alu and
 * x86_incdec (which are what the differential tests check). */
void x86_flags_materialize(struct x86_cpu *cpu)
{
    unsigned size = cpu->lf_size;
    uint64_t a = cpu->lf_a, b = cpu->lf_b, r = cpu->lf_r, sb = sign_bit(size), f = 0;
    switch (cpu->lf_op) {
    case LF_ADD:
        if (r < a)
            f |= F_CF;
        if (~(a ^ b) & (a ^ r) & sb)
            f |= F_OF;
        f |= (a ^ b ^ r) & F_AF;
        break;
    case LF_SUB:
        if (a < b)
            f |= F_CF;
        if ((a ^ b) & (a ^ r) & sb)
            f |= F_OF;
        f |= (a ^ b ^ r) & F_AF;
        break;
    case LF_INC: /* a + 1, CF kept (in lf_b) */
        f = b ? F_CF : 0;
        if (r == sb)
            f |= F_OF;
        f |= (a ^ 1 ^ r) & F_AF;
        break;
    case LF_DEC: /* a - 1, CF kept */
        f = b ? F_CF : 0;
        if (a == sb)
            f |= F_OF;
        f |= (a ^ 1 ^ r) & F_AF;
        break;
    case LF_SHL: /* by 1 <= b < width, as x86_shift: AF set, OF = MSB ^ CF */
    case LF_SHR: /* OF = MSB ^ next-to-MSB of the result */
    case LF_SAR: { /* OF = 0 */
        bool cf = x86_shift_cf(cpu->lf_op, size, a, b);
        uint64_t of = cpu->lf_op == LF_SHL ? ((r & sb) != 0) ^ cf
                      : cpu->lf_op == LF_SHR ? ((r & sb) != 0) ^ ((r & (sb >> 1)) != 0)
                                             : 0;
        f = F_AF | (cf ? F_CF : 0) | (of ? F_OF : 0);
        break;
    }
    case LF_IMUL: /* CF = OF = the overflow; AF as it was (lf_a) */
        f = (b ? F_CF | F_OF : 0) | (a & F_AF);
        break;
    default: /* LF_LOGIC: CF = OF = AF = 0 */
        break;
    }
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | f | szp(size, r);
    cpu->lf_op = LF_NONE;
}
