/* cpu/x86/exec_bcd.c: decimal adjustment: DAA DAS AAA AAS (27 2F 37 3F),
 * AAM AAD (D4 D5 Ib) and SALC (D6).  All are invalid in 64-bit mode (the
 * table marks them, so they end as #UD there).
 *
 * The algorithms are the SDM Vol. 2 pseudocode.  The flags the SDM leaves
 * undefined are set as the reference hardware (AMD Zen 4) sets them,
 * measured exhaustively against it (tests/test_x86_gp_native_compat.c):
 * - DAA/DAS: OF is the overflow of one 8-bit ADD/SUB AL, adj, with adj =
 *   (6 if AL & 0FH > 9 or AF) | (60H if AL > 99H or CF), all from before;
 * - AAA/AAS: SF, ZF, PF and OF are those of a 16-bit ADD/SUB AX, 106H (or
 *   0) before AL is masked to its low nibble;
 * - AAD: all six as an 8-bit ADD AL, (AH * Ib) & FFH sets them;
 * - AAM: OF, AF and CF clear.
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
        uint64_t a = cpu->r[RAX] & 0xffff, b = low ? 0x106 : 0;
        bool add = i->opcode == 0x37;
        uint64_t r = (add ? a + b : a - b) & 0xffff;
        bool of = add ? ((a ^ r) & (b ^ r) & 0x8000) : ((a ^ b) & (a ^ r) & 0x8000);
        af = cf = low;
        x86_set_reg(cpu, RAX, 2, true, (r & 0xff00) | (r & 0x0f));
        cpu->rflags = (fl & ~(uint64_t)F_ARITH) | x86_flags_szp(2, r) | bit(af, F_AF) |
                      bit(cf, F_CF) | bit(of, F_OF);
        return X86_NEXT;
    }
    }
    /* OF: the one adjustment as a single 8-bit ADD (DAA) or SUB (DAS). */
    unsigned adj = (low ? 6 : 0) | ((old_al > 0x99 || old_cf) ? 0x60 : 0);
    bool of = i->opcode == 0x27 ? ((old_al ^ al) & (adj ^ al) & 0x80)
                                : ((old_al ^ adj) & (old_al ^ al) & 0x80);
    x86_set_reg(cpu, RAX, 1, true, al);
    cpu->rflags = (fl & ~(uint64_t)F_ARITH) | x86_flags_szp(1, al) | bit(af, F_AF) |
                  bit(cf, F_CF) | bit(of, F_OF);
    return X86_NEXT;
}

/* D4 AAM Ib: AH = AL / Ib, AL = AL mod Ib (#DE for 0).
 * D5 AAD Ib: AL = (AL + AH * Ib) & FFH, AH = 0. */
int x86_op_aam_aad(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned base = i->imm & 0xff, al = cpu->r[RAX] & 0xff, ah = (cpu->r[RAX] >> 8) & 0xff;
    uint64_t ax, fl = 0;
    if (i->opcode == 0xD4) {
        if (base == 0)
            return x86_fault(cpu, i, 0);
        ax = (al / base) << 8 | (al % base);
    } else {
        /* The flags of an 8-bit ADD AL, (AH * Ib) & FFH. */
        unsigned t = (ah * base) & 0xff, r = (al + t) & 0xff;
        ax = r;
        fl = bit(al + t > 0xff, F_CF) | bit((al ^ t ^ r) & 0x10, F_AF) |
             bit((al ^ r) & (t ^ r) & 0x80, F_OF);
    }
    x86_set_reg(cpu, RAX, 2, true, ax);
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | x86_flags_szp(1, ax) | fl;
    return X86_NEXT;
}

/* D6 SALC (undocumented by Intel, listed by AMD): AL = CF ? FFH : 0. */
int x86_op_salc(struct x86_cpu *cpu, const struct x86_insn *i)
{
    x86_set_reg(cpu, RAX, 1, true, (cpu->rflags & F_CF) ? 0xff : 0);
    return X86_NEXT;
}
