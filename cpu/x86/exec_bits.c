/* cpu/x86/exec_bits.c: bit tests and scans: BT BTS BTR BTC (0F A3 AB B3 BB,
 * 0F BA /4-/7), BSF BSR and their F3 forms TZCNT LZCNT (0F BC BD), POPCNT
 * (F3 0F B8), BSWAP (0F C8-CF).
 *
 * Undefined flags follow this project's reference hardware (AMD Zen 4,
 * checked natively): BT* leave OF, SF, AF and PF unchanged; BSF/BSR clear
 * CF, OF, SF and AF and set PF from the index (from 0 for a zero source);
 * LZCNT/TZCNT clear SF, AF and PF and leave OF unchanged.  BSWAP of a 16-bit
 * register (undefined) clears the low 16 bits, as Intel and AMD parts do.
 */
#include "cpu/x86/x86.h"

static void set_cf(struct x86_cpu *cpu, bool cf)
{
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_CF) | (cf ? F_CF : 0);
}

/* op 0 BT, 1 BTS, 2 BTR, 3 BTC on `bit` of the operand at the ModRM, or at
 * `mem_off` (the effective address already moved by the bit offset). */
static int bit_op(struct x86_cpu *cpu, const struct x86_insn *i, unsigned op, uint64_t bit,
                  uint64_t mem_off)
{
    unsigned sz = i->opsize;
    uint64_t v, mask = 1ULL << (bit & (8 * sz - 1));
    bool mem = i->mod != 3;
    if (mem ? !x86_mem_read(cpu, i, i->seg, mem_off, sz, &v) : !x86_get_rm(cpu, i, sz, &v))
        return X86_EXIT;
    set_cf(cpu, v & mask);
    switch (op) {
    case 0: return X86_NEXT;
    case 1: v |= mask; break;
    case 2: v &= ~mask; break;
    default: v ^= mask; break;
    }
    if (mem ? !x86_mem_write(cpu, i, i->seg, mem_off, sz, v) : !x86_set_rm(cpu, i, sz, v))
        return X86_EXIT;
    return x86_done(cpu);
}

static unsigned bt_kind(uint8_t opcode)
{
    switch (opcode) {
    case 0xA3: return 0;
    case 0xAB: return 1;
    case 0xB3: return 2;
    default: return 3; /* BB */
    }
}

/* 0F A3 BT, AB BTS, B3 BTR, BB BTC Ev,Gv.  With a memory operand the bit
 * offset in Gv is signed and not masked: the operand accessed is the
 * operand-size unit at EA + opsize * (offset SAR log2(8 * opsize))
 * (SDM Vol. 2, BT, "Bit(BitBase, BitOffset)"). */
int x86_op_bt(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, sh = sz == 2 ? 4 : sz == 4 ? 5 : 6;
    uint64_t off = x86_get_reg(cpu, i->reg, sz, i->rex);
    uint64_t ea = 0;
    if (i->mod != 3) {
        int64_t soff = (int64_t)(off << (64 - 8 * sz)) >> (64 - 8 * sz);
        ea = (x86_ea(cpu, i) + (uint64_t)((soff >> sh) * (int64_t)sz)) & x86_size_mask(i->adsize);
    }
    return bit_op(cpu, i, bt_kind(i->opcode), off, ea);
}

/* 0F BA Grp8 Ev,Ib: /4 BT, /5 BTS, /6 BTR, /7 BTC; the immediate is taken
 * modulo the operand width, also for memory.  /0-/3 are undefined. */
int x86_op_grp8(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if ((i->reg & 7) < 4)
        return x86_op_ud(cpu, i);
    return bit_op(cpu, i, (i->reg & 7) - 4, i->imm & (8 * i->opsize - 1),
                  i->mod != 3 ? x86_ea(cpu, i) : 0);
}

/* 0F BC BSF / F3 0F BC TZCNT; 0F BD BSR / F3 0F BD LZCNT.  The F3 forms
 * exist only where CPUID says so (TZCNT: BMI1, leaf 7 EBX bit 3; LZCNT:
 * ABM, leaf 0x80000001 ECX bit 5); elsewhere the prefix is ignored and the
 * instruction is BSF/BSR, as on hardware without them. */
int x86_op_bsf_bsr(struct x86_cpu *cpu, const struct x86_insn *i)
{
    unsigned sz = i->opsize, w = 8 * sz;
    bool reverse = i->opcode == 0xBD;
    uint64_t v;
    if (!x86_get_rm(cpu, i, sz, &v))
        return X86_EXIT;
    bool cnt = false;
    if (i->rep == 0xF3) {
        cnt = x86_has(cpu, reverse ? XF_ABM : XF_BMI1); /* LZCNT, TZCNT */
    }
    if (cnt) { /* TZCNT/LZCNT: CF = (source == 0), ZF = (result == 0) */
        unsigned r = v == 0 ? w : reverse ? (unsigned)__builtin_clzll(v) - (64 - w)
                                          : (unsigned)__builtin_ctzll(v);
        x86_set_reg(cpu, i->reg, sz, i->rex, r);
        cpu->rflags = (cpu->rflags & ~(uint64_t)(F_CF | F_ZF | F_SF | F_AF | F_PF)) |
                      (v == 0 ? F_CF : 0) | (r == 0 ? F_ZF : 0);
        return X86_NEXT;
    }
    if (v == 0) {
        /* ZF = 1; the destination keeps all 64 bits, even for a 32-bit
         * operand (FACTS.md: hardware; QEMU clears the upper half). */
        cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | F_ZF | F_PF;
        return X86_NEXT;
    }
    unsigned r = reverse ? 63 - (unsigned)__builtin_clzll(v) : (unsigned)__builtin_ctzll(v);
    x86_set_reg(cpu, i->reg, sz, i->rex, r);
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | (x86_flags_szp(1, r) & F_PF);
    return X86_NEXT;
}

/* F3 0F B8 POPCNT Gv,Ev: ZF = (source == 0), OF SF AF CF PF cleared.
 * Without F3 the opcode is JMPE (Itanium only): #UD, as for POPCNT if
 * CPUID.1:ECX.POPCNT were clear. */
int x86_op_popcnt(struct x86_cpu *cpu, const struct x86_insn *i)
{
    if (i->rep != 0xF3 || !x86_has(cpu, XF_POPCNT))
        return x86_op_ud(cpu, i);
    uint64_t v;
    if (!x86_get_rm(cpu, i, i->opsize, &v))
        return X86_EXIT;
    x86_set_reg(cpu, i->reg, i->opsize, i->rex, (uint64_t)__builtin_popcountll(v));
    cpu->rflags = (cpu->rflags & ~(uint64_t)F_ARITH) | (v == 0 ? F_ZF : 0);
    return X86_NEXT;
}

/* 0F C8+r BSWAP r32/r64 */
int x86_op_bswap(struct x86_cpu *cpu, const struct x86_insn *i)
{
    uint64_t v = cpu->r[i->reg];
    switch (i->opsize) {
    case 8: v = __builtin_bswap64(v); break;
    case 4: v = __builtin_bswap32((uint32_t)v); break;
    default: v = 0; break; /* 16-bit: undefined; the low word becomes 0 */
    }
    x86_set_reg(cpu, i->reg, i->opsize, true, v);
    return X86_NEXT;
}
