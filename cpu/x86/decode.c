/* cpu/x86/decode.c: the x86 pre-decoder (SDM Vol. 2, chapter 2).
 *
 * Legacy prefixes, REX, the one-byte and 0F opcode maps, ModRM/SIB with
 * 16-, 32- and 64-bit addressing, displacements and immediates, into one
 * struct x86_insn.  The opcode tables (table.c) say which operands follow.
 */
#include "cpu/x86/x86.h"

#include <string.h>

#define NONE 0xff

static const uint8_t modrm16_base[8] = {RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX};
static const uint8_t modrm16_index[8] = {RSI, RDI, RSI, RDI, NONE, NONE, NONE, NONE};

/* The instructions LOCK may prefix, with a memory destination (SDM Vol. 2,
 * LOCK); elsewhere LOCK is #UD. */
static bool lockable(const struct x86_insn *i)
{
    unsigned op = i->opcode, r = i->reg & 7;
    if (i->mod == 3)
        return false;
    if (i->map == 0) {
        if (op < 0x40)
            return (op & 7) <= 1 && (op & 0x38) != 0x38; /* E,G forms; not CMP */
        switch (op) {
        case 0x80: case 0x81: case 0x82: case 0x83: return r != 7;
        case 0x86: case 0x87: return true;
        case 0xF6: case 0xF7: return r == 2 || r == 3;
        case 0xFE: case 0xFF: return r <= 1;
        default: return false;
        }
    }
    if (i->map != 1)
        return false;
    switch (op) {
    case 0xAB: case 0xB3: case 0xBB: case 0xB0: case 0xB1: case 0xC0: case 0xC1: return true;
    case 0xBA: return r >= 5;
    case 0xC7: return r == 1;
    default: return false;
    }
}

int x86_decode(const uint8_t *b, unsigned avail, enum x86_mode mode, struct x86_insn *i)
{
    memset(i, 0, sizeof *i);
    i->seg = SEG_NONE;
    i->base = i->index = NONE;
    bool long64 = mode == X86_MODE_LONG64;
    bool def32 = mode == X86_MODE_PROT32 || long64;
    bool opsz_prefix = false, adsz_prefix = false, lock = false;
    unsigned p = 0;

#define NEED(n)                 \
    do {                        \
        if (p + (n) > avail)    \
            return 0;           \
    } while (0)

    /* Legacy prefixes (SDM 2.1.1); at most 15 bytes in all (SDM 2.3.11).
     * In 64-bit mode 40-4F are REX, which counts only when it comes last,
     * just before the opcode: a legacy prefix after a REX cancels it
     * (SDM 2.2.1, "REX prefixes ... must immediately precede the opcode"). */
    for (;;) {
        NEED(1);
        uint8_t c = b[p];
        if (long64 && (c & 0xF0) == 0x40) {
            i->rex = c;
            p++;
            if (p >= 15)
                goto too_long;
            continue;
        }
        if (c == 0x66)
            opsz_prefix = i->p66 = true;
        else if (c == 0x67)
            adsz_prefix = true;
        else if (c == 0xF2 || c == 0xF3)
            i->rep = c;
        else if (c == 0x26 || c == 0x2E || c == 0x36 || c == 0x3E)
            i->seg = long64 ? i->seg : (uint8_t)((c >> 3) & 3);
        else if (c == 0x64 || c == 0x65)
            i->seg = (uint8_t)(c - 0x64 + SEG_FS);
        else if (c == 0xF0)
            lock = true; /* one interpreter thread per vCPU executes each
                            instruction atomically with respect to itself */
        else
            break;
        i->rex = 0;
        p++;
        if (p >= 15)
            goto too_long;
    }
    uint8_t op = b[p++];
    const struct x86_op_entry *e;
    unsigned flags;
    if (op == 0x0F) {
        NEED(1);
        op = b[p++];
        i->map = 1;
        if (op == 0x38 || op == 0x3A) { /* three-byte maps (SDM Vol. 2, A.3) */
            NEED(1);
            i->map = op == 0x38 ? 2 : 3;
            op = b[p++];
        }
    }
    i->opcode = op;
    e = x86_entry(i);
    flags = e->flags;
    if (i->map == 2)
        flags |= OPF_MODRM;
    else if (i->map == 3)
        flags |= OPF_MODRM | OPF_IMM8;
    i->fn = e->fn ? e->fn : x86_op_unimplemented;
    if (long64 && (flags & OPF_NO64))
        i->fn = x86_op_ud;

    /* Operand and address size (SDM 2.2.1.2, Table 3-4). */
    bool rexw = i->rex & 8;
    if (flags & OPF_BYTE)
        i->opsize = 1;
    else if (rexw)
        i->opsize = 8;
    else if (long64 && (flags & OPF_D64))
        i->opsize = opsz_prefix ? 2 : 8;
    else
        i->opsize = (def32 != opsz_prefix) ? 4 : 2;
    i->adsize = long64 ? (adsz_prefix ? 4 : 8) : ((def32 != adsz_prefix) ? 4 : 2);
    i->reg = (uint8_t)((op & 7) | ((i->rex & 1) << 3)); /* for +r opcodes; ModRM overrides */

    if (flags & (OPF_MODRM | OPF_MODREG)) {
        NEED(1);
        uint8_t m = b[p++];
        i->mod = (flags & OPF_MODREG) ? 3 : m >> 6;
        i->reg = (uint8_t)(((m >> 3) & 7) | ((i->rex & 4) << 1));
        unsigned rm = m & 7;
        if (i->mod == 3) {
            i->rm = (uint8_t)(rm | ((i->rex & 1) << 3));
        } else if (i->adsize == 2) {
            i->base = modrm16_base[rm];
            i->index = modrm16_index[rm];
            if (i->mod == 0 && rm == 6) {
                i->base = NONE;
                NEED(2);
                i->disp = (int16_t)(b[p] | b[p + 1] << 8);
                p += 2;
            } else if (i->mod == 1) {
                NEED(1);
                i->disp = (int8_t)b[p++];
            } else if (i->mod == 2) {
                NEED(2);
                i->disp = (int16_t)(b[p] | b[p + 1] << 8);
                p += 2;
            }
            if (i->seg == SEG_NONE)
                i->seg = (i->base == RBP) ? SEG_SS : SEG_DS;
        } else {
            if (rm == 4) { /* SIB */
                NEED(1);
                uint8_t sib = b[p++];
                i->scale = sib >> 6;
                unsigned idx = ((sib >> 3) & 7) | ((i->rex & 2) << 2);
                i->index = idx == 4 ? NONE : (uint8_t)idx;
                unsigned base = (sib & 7) | ((i->rex & 1) << 3);
                if ((sib & 7) == 5 && i->mod == 0) {
                    i->base = NONE;
                    NEED(4);
                    i->disp = (int32_t)(b[p] | b[p + 1] << 8 | b[p + 2] << 16 | (uint32_t)b[p + 3] << 24);
                    p += 4;
                } else {
                    i->base = (uint8_t)base;
                }
            } else if (rm == 5 && i->mod == 0) {
                if (long64)
                    i->rip_rel = true;
                NEED(4);
                i->disp = (int32_t)(b[p] | b[p + 1] << 8 | b[p + 2] << 16 | (uint32_t)b[p + 3] << 24);
                p += 4;
            } else {
                i->base = (uint8_t)(rm | ((i->rex & 1) << 3));
            }
            if (i->mod == 1) {
                NEED(1);
                i->disp = (int8_t)b[p++];
            } else if (i->mod == 2) {
                NEED(4);
                i->disp = (int32_t)(b[p] | b[p + 1] << 8 | b[p + 2] << 16 | (uint32_t)b[p + 3] << 24);
                p += 4;
            }
            if (i->seg == SEG_NONE)
                i->seg = (i->base == RBP || i->base == RSP) ? SEG_SS : SEG_DS;
        }
    }
    if (i->seg == SEG_NONE)
        i->seg = SEG_DS;

    /* Immediates. */
    unsigned isz = 0;
    if (flags & (OPF_IMM8 | OPF_REL8))
        isz = 1;
    else if (flags & OPF_IMM16)
        isz = 2;
    else if (flags & (OPF_IMMZ | OPF_RELZ))
        isz = i->opsize == 2 ? 2 : 4;
    else if (flags & OPF_IMMV)
        isz = i->opsize;
    else if (flags & OPF_FAR)
        isz = i->opsize == 2 ? 4 : 6;
    else if (flags & OPF_MOFFS)
        isz = i->adsize;
    else if (flags & OPF_IMM8_2)
        isz = 3;
    /* Group opcodes F6/F7 carry an immediate only for TEST (/0, /1). */
    if ((op == 0xF6 || op == 0xF7) && i->map == 0)
        isz = (i->reg & 7) <= 1 ? (op == 0xF6 ? 1 : (i->opsize == 2 ? 2 : 4)) : 0;
    if (isz) {
        NEED(isz);
        uint64_t v = 0;
        for (unsigned k = 0; k < isz && k < 8; k++)
            v |= (uint64_t)b[p + k] << (8 * k);
        if (flags & OPF_FAR) {
            i->imm = isz == 4 ? (v & 0xffff) : (v & 0xffffffff);
            i->imm2 = isz == 4 ? (v >> 16) & 0xffff : (v >> 32) & 0xffff;
        } else if (flags & OPF_IMM8_2) {
            i->imm = v & 0xffff;
            i->imm2 = (v >> 16) & 0xff;
        } else if (flags & (OPF_MOFFS | OPF_IMMV)) {
            i->imm = v;
        } else if (isz == 1) {
            i->imm = (uint64_t)(int64_t)(int8_t)v;
        } else if (isz == 2) {
            i->imm = (uint64_t)(int64_t)(int16_t)v;
        } else {
            i->imm = (uint64_t)(int64_t)(int32_t)v;
        }
        p += isz;
    }
    if (p > 15)
        goto too_long;
    if (lock && !lockable(i))
        i->fn = x86_op_ud;
    i->len = (uint8_t)p;
    return (int)p;
#undef NEED

too_long:
    /* SDM 2.3.11: more than 15 bytes raises #GP(0). */
    i->fn = x86_op_gp0;
    i->len = 15;
    return -1;
}
