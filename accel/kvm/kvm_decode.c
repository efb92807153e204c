/* accel/kvm/kvm_decode.c: x86 instruction lengths and memory operands.
 *
 * Opcode tables follow the SDM Vol. 2, Appendix A opcode maps; one character
 * per opcode says what follows it:
 *   .  nothing            m  ModRM                b  ModRM + imm8
 *   z  ModRM + imm16/32   1  imm8                 2  imm16
 *   Z  imm16/32           V  imm16/32/64          A  moffs (address size)
 *   E  imm16 + imm8       F  ptr16:16/32          G  F6: ModRM (+imm8 for /0 /1)
 *   H  F7: ModRM (+imm16/32 for /0 /1)            x  0F escape
 *   y  0F 38 escape       Y  0F 3A escape         X  invalid / not supported
 *   p  prefix (consumed before the table is read)
 */
#include "accel/kvm/kvm_decode.h"

#include <string.h>

static const char map0[256 + 1] = "mmmm1Z..mmmm1Z.x" /* 00 */
                                  "mmmm1Z..mmmm1Z.." /* 10 */
                                  "mmmm1Zp.mmmm1Zp." /* 20 */
                                  "mmmm1Zp.mmmm1Zp." /* 30 */
                                  "................" /* 40: inc/dec, or REX */
                                  "................" /* 50 */
                                  "..mmppppZz1b...." /* 60 */
                                  "1111111111111111" /* 70 */
                                  "bzbbmmmmmmmmmmmm" /* 80 */
                                  "..........F....." /* 90 */
                                  "AAAA....1Z......" /* A0 */
                                  "11111111VVVVVVVV" /* B0 */
                                  "bb2.mmbzE.2..1.." /* C0 */
                                  "mmmm11..mmmmmmmm" /* D0 */
                                  "11111111ZZF1...." /* E0 */
                                  "p.pp..GH......mm"; /* F0 */

static const char map1[256 + 1] = "mmmmX.....X.Xm.b" /* 00 */
                                  "mmmmmmmmmmmmmmmm" /* 10 */
                                  "mmmmmmmmmmmmmmmm" /* 20 */
                                  "......X.yXYXXXXX" /* 30 */
                                  "mmmmmmmmmmmmmmmm" /* 40 */
                                  "mmmmmmmmmmmmmmmm" /* 50 */
                                  "mmmmmmmmmmmmmmmm" /* 60 */
                                  "bbbbmmm.mmmmmmmm" /* 70 */
                                  "ZZZZZZZZZZZZZZZZ" /* 80 */
                                  "mmmmmmmmmmmmmmmm" /* 90 */
                                  "...mbmXX...mbmmm" /* A0 */
                                  "mmmmmmmmmmbmmmmm" /* B0 */
                                  "mmbmbbbm........" /* C0 */
                                  "mmmmmmmmmmmmmmmm" /* D0 */
                                  "mmmmmmmmmmmmmmmm" /* E0 */
                                  "mmmmmmmmmmmmmmmm"; /* F0 */

/* One-byte opcodes that do not exist in 64-bit mode (SDM Vol. 2, A.2.5). */
static bool invalid_in_64(uint8_t op)
{
    switch (op) {
    case 0x06: case 0x07: case 0x0e: case 0x16: case 0x17: case 0x1e: case 0x1f:
    case 0x27: case 0x2f: case 0x37: case 0x3f: case 0x60: case 0x61: case 0x62:
    case 0x82: case 0x9a: case 0xd4: case 0xd5: case 0xd6: case 0xea:
        return true;
    default:
        return false;
    }
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < n; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;
    return (int64_t)(v << shift) >> shift;
}

/* ModRM, SIB and displacement at b[*pos]; false when out of bytes. */
static bool decode_modrm(const uint8_t *b, size_t avail, unsigned *pos, struct kvm_insn *i)
{
    if (*pos >= avail)
        return false;
    i->has_modrm = true;
    i->modrm = b[(*pos)++];
    unsigned mod = i->modrm >> 6, rm = i->modrm & 7, disp = 0;
    if (mod != 3) {
        if (i->adsize == 2) {
            disp = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
        } else {
            if (rm == 4) {
                if (*pos >= avail)
                    return false;
                i->has_sib = true;
                i->sib = b[(*pos)++];
                if (mod == 0 && (i->sib & 7) == 5)
                    disp = 4;
            }
            if (mod == 0 && rm == 5) {
                disp = 4;
                i->rip_rel = i->mode == 8;
            }
            if (mod == 1)
                disp = 1;
            if (mod == 2)
                disp = 4;
        }
    }
    if (*pos + disp > avail)
        return false;
    if (disp)
        i->disp = sign_extend(load_le(b + *pos, disp), disp);
    *pos += disp;
    return true;
}

/* VEX prefix at b[pos] (C4 or C5): fills map, op and the REX-equivalent bits. */
static bool decode_vex(const uint8_t *b, size_t avail, unsigned *pos, struct kvm_insn *i)
{
    uint8_t first = b[*pos];
    unsigned need = first == 0xc5 ? 3 : 4; /* prefix bytes + opcode */
    if (*pos + need > avail)
        return false;
    i->vex = true;
    if (first == 0xc5) {
        uint8_t p1 = b[*pos + 1];
        i->rex = 0x40 | ((p1 & 0x80) ? 0 : 4); /* VEX.R, stored inverted */
        i->map = 1;
    } else {
        uint8_t p1 = b[*pos + 1], p2 = b[*pos + 2];
        i->rex = 0x40 | ((p1 & 0x80) ? 0 : 4) | ((p1 & 0x40) ? 0 : 2) | ((p1 & 0x20) ? 0 : 1) |
                 ((p2 & 0x80) ? 8 : 0);
        i->map = p1 & 0x1f;
        if (i->map < 1 || i->map > 3)
            return false;
        if (i->mode != 8)
            i->rex &= 0x40 | 8; /* R, X, B are ignored outside 64-bit mode */
    }
    *pos += need - 1;
    i->op = b[(*pos)++];
    return true;
}

unsigned kvm_decode(const uint8_t *b, size_t avail, unsigned mode, struct kvm_insn *out)
{
    struct kvm_insn i;
    memset(&i, 0, sizeof i);
    if (mode != 2 && mode != 4 && mode != 8)
        return 0;
    if (avail > KVM_INSN_MAX)
        avail = KVM_INSN_MAX;
    i.mode = (uint8_t)mode;
    i.seg = KVM_SEG_NONE;
    bool p66 = false, p67 = false;
    unsigned pos = 0;

    /* Legacy prefixes, then in 64-bit mode a REX byte that only counts when
     * it comes last (SDM Vol. 2, 2.2.1). */
    for (;; pos++) {
        if (pos >= avail)
            return 0;
        uint8_t c = b[pos];
        if (mode == 8 && (c & 0xf0) == 0x40) {
            i.rex = c;
            continue;
        }
        switch (c) {
        case 0x66: p66 = true; break;
        case 0x67: p67 = true; break;
        case 0x26: i.seg = KVM_SEG_ES; break;
        case 0x2e: i.seg = KVM_SEG_CS; break;
        case 0x36: i.seg = KVM_SEG_SS; break;
        case 0x3e: i.seg = KVM_SEG_DS; break;
        case 0x64: i.seg = KVM_SEG_FS; break;
        case 0x65: i.seg = KVM_SEG_GS; break;
        case 0xf0: break;
        case 0xf2: case 0xf3: i.rep = c; break;
        default:
            goto opcode;
        }
        i.rex = 0; /* a legacy prefix after REX cancels it */
    }
opcode:;
    uint8_t c = b[pos];
    if (mode == 8)
        i.adsize = p67 ? 4 : 8;
    else
        i.adsize = (mode == 2) != p67 ? 2 : 4;

    char kind;
    if ((c == 0xc4 || c == 0xc5) &&
        (mode == 8 || (pos + 1 < avail && (b[pos + 1] & 0xc0) == 0xc0))) {
        if (i.rex || p66 || i.rep)
            return 0; /* #UD */
        if (!decode_vex(b, avail, &pos, &i))
            return 0;
        kind = i.map == 1 ? map1[i.op] : i.map == 2 ? 'm' : 'b';
        if (kind != 'm' && kind != 'b' && kind != '.') /* '.': VZEROUPPER/ALL */
            return 0;
    } else if (c == 0x62 && (mode == 8 || (pos + 1 < avail && (b[pos + 1] & 0xc0) == 0xc0))) {
        return 0; /* EVEX */
    } else if (c == 0x8f && pos + 1 < avail && (b[pos + 1] & 0x38) != 0) {
        return 0; /* XOP */
    } else {
        pos++;
        if (c == 0x0f) {
            if (pos >= avail)
                return 0;
            i.map = 1;
            i.op = b[pos++];
            kind = map1[i.op];
            if (kind == 'y' || kind == 'Y') {
                if (pos >= avail)
                    return 0;
                i.map = kind == 'y' ? 2 : 3;
                i.op = b[pos++];
                kind = i.map == 2 ? 'm' : 'b';
            }
        } else {
            if (mode == 8 && invalid_in_64(c))
                return 0;
            i.op = c;
            kind = map0[c];
        }
    }

    if (i.rex & 8)
        i.opsize = 8;
    else if (mode == 2)
        i.opsize = p66 ? 4 : 2;
    else
        i.opsize = p66 ? 2 : 4;

    unsigned imm = 0;
    switch (kind) {
    case '.':
        break;
    case 'm':
    case 'b':
    case 'z':
    case 'G':
    case 'H':
        if (i.map == 1 && !i.vex && i.op >= 0x20 && i.op <= 0x23) {
            /* MOV to/from CR/DR: always register operands, the mod field is
             * ignored (SDM Vol. 2, MOV-Move to/from Control Registers) */
            if (pos >= avail)
                return 0;
            i.has_modrm = true;
            i.modrm = b[pos++] | 0xc0;
            break;
        }
        if (!decode_modrm(b, avail, &pos, &i))
            return 0;
        if (kind == 'b')
            imm = 1;
        else if (kind == 'z')
            imm = i.opsize == 2 ? 2 : 4;
        else if ((kind == 'G' || kind == 'H') && ((i.modrm >> 3) & 7) < 2)
            imm = kind == 'G' ? 1 : i.opsize == 2 ? 2 : 4;
        break;
    case '1':
        imm = 1;
        break;
    case '2':
        imm = 2;
        break;
    case 'Z':
        imm = i.opsize == 2 ? 2 : 4;
        break;
    case 'V':
        imm = i.opsize;
        break;
    case 'A':
        imm = i.adsize;
        break;
    case 'E':
        imm = 3;
        break;
    case 'F':
        imm = 2 + (i.opsize == 2 ? 2 : 4);
        break;
    default: /* X, p, x, y, Y out of place */
        return 0;
    }
    if (pos + imm > avail)
        return 0;
    i.imm_len = (uint8_t)imm;
    if (imm)
        i.imm = load_le(b + pos, imm > 8 ? 8 : imm);
    pos += imm;
    i.len = (uint8_t)pos;
    *out = i;
    return pos;
}

bool kvm_insn_has_mem(const struct kvm_insn *i)
{
    if (!i->has_modrm || (i->modrm >> 6) == 3)
        return false;
    if (i->map == 0 && i->op == 0x8d && !i->vex)
        return false; /* LEA computes an address, it does not access it */
    if (i->map == 1 && !i->vex && (i->op == 0x0d || (i->op >= 0x18 && i->op <= 0x1f)))
        return false; /* prefetch and hint NOPs */
    return true;
}

uint64_t kvm_insn_ea(const struct kvm_insn *i, const uint64_t gpr[16], uint64_t next_ip)
{
    unsigned mod = i->modrm >> 6, rm = i->modrm & 7;
    uint64_t a = (uint64_t)i->disp;
    if (i->adsize == 2) {
        static const int8_t base16[8] = {KVM_RBX, KVM_RBX, KVM_RBP, KVM_RBP,
                                         KVM_RSI, KVM_RDI, KVM_RBP, KVM_RBX};
        static const int8_t index16[8] = {KVM_RSI, KVM_RDI, KVM_RSI, KVM_RDI, -1, -1, -1, -1};
        if (!(mod == 0 && rm == 6)) {
            a += gpr[base16[rm]];
            if (index16[rm] >= 0)
                a += gpr[index16[rm]];
        }
        return a & 0xffff;
    }
    if (i->rip_rel) {
        a += next_ip;
    } else if (i->has_sib) {
        unsigned base = (i->sib & 7) | ((i->rex & 1) << 3);
        unsigned index = ((i->sib >> 3) & 7) | ((i->rex & 2) << 2);
        if (!(mod == 0 && (i->sib & 7) == 5))
            a += gpr[base];
        if (index != 4)
            a += gpr[index] << (i->sib >> 6);
    } else if (!(mod == 0 && rm == 5)) {
        a += gpr[rm | ((i->rex & 1) << 3)];
    }
    return i->adsize == 4 ? (a & 0xffffffffULL) : a;
}

unsigned kvm_insn_ea_seg(const struct kvm_insn *i)
{
    if (i->seg != KVM_SEG_NONE)
        return i->seg;
    unsigned mod = i->modrm >> 6, rm = i->modrm & 7;
    if (i->adsize == 2)
        return (rm == 2 || rm == 3 || (rm == 6 && mod != 0)) ? KVM_SEG_SS : KVM_SEG_DS;
    unsigned base = rm;
    if (rm == 4 && i->has_sib) {
        base = i->sib & 7;
        if (mod == 0 && base == 5)
            return KVM_SEG_DS;
    } else if (mod == 0 && rm == 5) {
        return KVM_SEG_DS;
    }
    return (base == KVM_RSP || base == KVM_RBP) ? KVM_SEG_SS : KVM_SEG_DS;
}

unsigned kvm_insn_mem_width(const struct kvm_insn *i)
{
    uint8_t op = i->op;
    unsigned wide = i->opsize;
    if (i->vex)
        return 0;
    if (i->map == 0) {
        if (op < 0x40 && (op & 7) < 4)
            return (op & 1) ? wide : 1; /* ALU r/m forms */
        switch (op) {
        case 0x80: case 0x82: case 0xc0: case 0xc6: case 0xd0: case 0xd2: case 0xf6: case 0xfe:
            return 1;
        case 0x81: case 0x83: case 0xc1: case 0xc7: case 0xd1: case 0xd3: case 0xf7:
            return wide;
        case 0x84: case 0x86: case 0x88: case 0x8a:
            return 1;
        case 0x85: case 0x87: case 0x89: case 0x8b:
            return wide;
        case 0x8c: case 0x8e:
            return 2;
        case 0xff:
            return ((i->modrm >> 3) & 7) < 2 ? wide : 0;
        default:
            return 0;
        }
    }
    if (i->map == 1) {
        if (op >= 0x90 && op <= 0x9f)
            return 1; /* SETcc */
        if (op >= 0x40 && op <= 0x4f)
            return wide; /* CMOVcc */
        switch (op) {
        case 0xb0: case 0xb6: case 0xbe: case 0xc0:
            return 1;
        case 0xb7: case 0xbf:
            return 2;
        case 0xb1: case 0xc1:
            return wide;
        default:
            return 0;
        }
    }
    return 0;
}
