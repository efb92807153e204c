/* cpu/x86/exec_bcd.c: decimal adjustment: DAA DAS AAA AAS (27 2F 37 3F),
 * AAM AAD (D4 D5 Ib) and SALC (D6).  All are invalid in 64-bit mode (the
 * table marks them, so they end as #UD there).
 *
 * The algorithms are the SDM Vol. 2 pseudocode.  Undefined flags, chosen
 * here (a later differential test against hardware decides): DAA/DAS clear
 * OF; AAA/AAS set SF, ZF and PF from the final AL and clear OF; AAM/AAD
 * clear OF, AF and CF.
 */
#include "cpu/x86/x86.h"

static uint64_t bit(bool b, uint64_t f)
{
    return b ? f : 0;
}

/* 27 DAA, 2F DAS, 37 AAA, 3F AAS */
int x86_op_bcd(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t fl = cpu->rflags;
    unsigned al = cpu->r[RAX] & 0xff, old_al = al;
    bool old_cf = fl & F_CF, af = fl & F_AF, cf = false;
    bool low = (al & 0x0f) > 9 || af;
    switch (i->opcode) {
    case 0x27: /* DAA */
        if (low) {
            cf = old_cf || al + 6 > 0xff;
            al = (al + 6) & 0xff;
            af = true;
        } else {
            af = false;
        }
        if (old_al > 0x99 || old_cf) {
            al = (al + 0x60) & 0xff;
            cf = true;
        } else {
            cf = false;
        }
        break;
    case 0x2F: /* DAS */
        if (low) {
            cf = old_cf || al < 6;
            al = (al - 6) & 0xff;
            af = true;
        } else {
            af = false;
        }
        if (old_al > 0x99 || old_cf) {
            al = (al - 0x60) & 0xff;
            cf = true;
        }
        break;
    case 0x37:   /* AAA: AX += 106H */
    case 0x3F: { /* AAS: AX -= 6, AH -= 1 */
        uint64_t ax = cpu->r[RAX] & 0xffff;
        if (low) {
            ax = i->opcode == 0x37 ? ax + 0x106 : ax - 6 - 0x100;
            af = cf = true;
        } else {
            af = cf = false;
        }
        ax = (ax & 0xff00) | (ax & 0x0f);
        x86_set_reg(cpu, RAX, 2, true, ax);
        cpu->rflags = (fl & ~(uint64_t)F_ARITH) | x86_flags_szp(1, ax) | bit(af, F_AF) |
                      bit(cf, F_CF);
        return X86_NEXT;
    }
    }
    x86_set_reg(cpu, RAX, 1, true, al);
    cpu->rflags = (fl & ~(uint64_t)F_ARITH) | x86_flags_szp(1, al) | bit(af, F_AF) | bit(cf, F_CF);
    return X86_NEXT;
}

/* D4 AAM Ib: AH = AL / Ib, AL = AL mod Ib (#DE for 0).
 * D5 AAD Ib: AL = (AL + AH * Ib) & FFH, AH = 0. */
int x86_op_aam_aad(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned base = i->imm & 0xff, al = cpu->r[RAX] & 0xff, ah = (cpu->r[RAX] >> 8) & 0xff;
    uint64_t ax;
    if (i->opcode == 0xD4) {
        if (base == 0)
            return x86_fault(cpu, i, 0);
        ax = (al / base) << 8 | (al % base);
    } else {
        ax = (al + ah * base) & 0xff;
    }
    x86_set_reg(cpu, RAX, 2, true, ax);
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | x86_flags_szp(1, ax);
    return X86_NEXT;
}

/* D6 SALC (undocumented by Intel, listed by AMD): AL = CF ? FFH : 0. */
int x86_op_salc(struct x86_cpu *cpu, const struct x86_insn *i)
{
    x86_set_reg(cpu, RAX, 1, true, (cpu->rflags & F_CF) ? 0xff : 0);
    return X86_NEXT;
}
