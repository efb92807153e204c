/* tests/test_x86_decode.c: the x86 pre-decoder's instruction lengths.
 *
 * Every row of the one-byte map, the 0F map and the three-byte maps is
 * decoded in 16-, 32- and 64-bit code with each ModRM/SIB/displacement shape
 * and with and without the 66 prefix and REX.W, and the length must be the
 * one the operand shape below gives (SDM Vol. 2, Appendix A, written here
 * independently of cpu/x86/table.c).  Literal encodings checked with
 * objdump follow, and the prefix rules (REX only directly before the
 * opcode, 15-byte limit).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cpu/x86/x86.h"

/* Operand shapes, one character per opcode:
 *   .  opcode only          m  ModRM             b  Ib / Jb
 *   B  ModRM + Ib           w  Iw                z  Iz / Jz (2 or 4 bytes)
 *   Z  ModRM + Iz           v  Iv (2, 4 or 8)    o  moffs (address size)
 *   f  Ap (Iz + 2)          e  Iw + Ib (ENTER)   g  F6/F7: ModRM, + imm for /0 /1
 *   c  ModRM with the mod bits ignored (MOV CR/DR: never a displacement)
 *   p  prefix or escape (not an instruction)    ?  undefined (#UD): any length */
static const char map1[257] =
    /*0123456789ABCDEF */
    "mmmmbz..mmmmbz.p" /* 0 */
    "mmmmbz..mmmmbz.." /* 1 */
    "mmmmbzp.mmmmbzp." /* 2 */
    "mmmmbzp.mmmmbzp." /* 3 */
    "................" /* 4 (REX in 64-bit mode) */
    "................" /* 5 */
    "..mmppppzZbB...." /* 6 */
    "bbbbbbbbbbbbbbbb" /* 7 */
    "BZBBmmmmmmmmmmmm" /* 8 */
    "..........f....." /* 9 */
    "oooo....bz......" /* A */
    "bbbbbbbbvvvvvvvv" /* B */
    "BBw.mmBZe.w..b.." /* C */
    "mmmmbb..mmmmmmmm" /* D */
    "bbbbbbbbzzfb...." /* E */
    "p.pp..gg......mm" /* F */;

static const char map2[257] =
    /*0123456789ABCDEF */
    "mmmm.......?.m.B" /* 0 */
    "mmmmmmmmmmmmmmmm" /* 1 */
    "cccc????mmmmmmmm" /* 2 */
    "........p?p?????" /* 3 */
    "mmmmmmmmmmmmmmmm" /* 4 */
    "mmmmmmmmmmmmmmmm" /* 5 */
    "mmmmmmmmmmmmmmmm" /* 6 */
    "BBBBmmm.mm??mmmm" /* 7 */
    "zzzzzzzzzzzzzzzz" /* 8 */
    "mmmmmmmmmmmmmmmm" /* 9 */
    "...mBm??...mBmmm" /* A */
    "mmmmmmmmmmBmmmmm" /* B */
    "mmBmBBBm........" /* C */
    "mmmmmmmmmmmmmmmm" /* D */
    "mmmmmmmmmmmmmmmm" /* E */
    "mmmmmmmmmmmmmmmm" /* F */;

struct enc {
    uint8_t b[24];
    unsigned n;
};

static void put(struct enc *e, uint8_t v)
{
    e->b[e->n++] = v;
}

/* ModRM variants: how many displacement bytes follow for each address size. */
struct modrm_case {
    uint8_t modrm, sib; /* sib used when (modrm & 7) == 4 and mod != 3 */
    unsigned extra16, extra32; /* bytes after ModRM: 16-bit / 32+64-bit addressing */
};
static const struct modrm_case modrms[] = {
    {0xC1, 0, 0, 0},    /* register */
    {0x00, 0, 0, 0},    /* [bx+si] / [eax] */
    {0x06, 0, 2, 0},    /* [disp16] / [esi] */
    {0x05, 0, 0, 4},    /* [di] / [disp32] or [rip+disp32] */
    {0x04, 0x24, 0, 1}, /* [si] / SIB [esp] */
    {0x04, 0x25, 0, 5}, /* [si] / SIB [disp32] */
    {0x44, 0x24, 1, 2}, /* [si+d8] / SIB [esp+d8] */
    {0x40, 0, 1, 1},    /* [bx+si+d8] / [eax+d8] */
    {0x80, 0, 2, 4},    /* [bx+si+d16] / [eax+d32] */
    {0x84, 0x65, 2, 5}, /* [si+d16] / SIB [ebp+esp*2... none+d32] */
};

/* Expected length for shape `s` after `prefix` bytes and the opcode bytes. */
static unsigned imm_len(char s, unsigned opsize, unsigned adsize)
{
    switch (s) {
    case 'b': case 'B': return 1;
    case 'w': return 2;
    case 'z': case 'Z': return opsize == 2 ? 2 : 4;
    case 'v': return opsize;
    case 'o': return adsize;
    case 'f': return opsize == 2 ? 4 : 6;
    case 'e': return 3;
    default: return 0;
    }
}

/* The D64 rows of the one-byte map (64-bit operand size by default). */
static bool d64(unsigned map, unsigned op)
{
    if (map == 1)
        return (op >= 0x80 && op <= 0x8F) || op == 0xA0 || op == 0xA1 || op == 0xA8 || op == 0xA9;
    return (op >= 0x50 && op <= 0x5F) || op == 0x68 || op == 0x6A || (op >= 0x70 && op <= 0x7F) ||
           op == 0x8F || op == 0x9C || op == 0x9D || op == 0xC2 || op == 0xC3 || op == 0xC8 ||
           op == 0xC9 || (op >= 0xE0 && op <= 0xE3) || op == 0xE8 || op == 0xE9 || op == 0xEB;
}

static void check_row(unsigned map, unsigned op, char s, enum x86_mode mode)
{
    static const char *const mode_names[] = {"real", "prot16", "prot32", "long64"};
    bool long64 = mode == X86_MODE_LONG64;
    bool def32 = mode == X86_MODE_PROT32 || long64;
    for (unsigned p66 = 0; p66 < 2; p66++)
        for (unsigned rexw = 0; rexw < (long64 ? 2u : 1u); rexw++)
            for (size_t k = 0; k < sizeof modrms / sizeof modrms[0]; k++) {
                bool has_modrm = s == 'm' || s == 'B' || s == 'Z' || s == 'g' || s == 'c';
                if (!has_modrm && k > 0)
                    break;
                struct enc e = {.n = 0};
                if (p66)
                    put(&e, 0x66);
                if (rexw)
                    put(&e, 0x48);
                if (map >= 1)
                    put(&e, 0x0F);
                if (map == 2)
                    put(&e, 0x38);
                if (map == 3)
                    put(&e, 0x3A);
                put(&e, (uint8_t)op);
                unsigned opsize = rexw ? 8 : (long64 && d64(map, op)) ? (p66 ? 2 : 8)
                                                                    : (def32 != (bool)p66) ? 4 : 2;
                unsigned adsize = long64 ? 8 : def32 ? 4 : 2;
                unsigned want = e.n;
                uint8_t modrm = modrms[k].modrm;
                if (s == 'g' && k % 2) /* F6/F7: vary /0 (TEST, immediate) and /2 */
                    modrm |= 0x10;
                if (has_modrm) {
                    put(&e, modrm);
                    want++;
                    if (s != 'c') {
                        unsigned extra = adsize == 2 ? modrms[k].extra16 : modrms[k].extra32;
                        if (adsize != 2 && (modrm & 0xC7) == 0x04)
                            put(&e, modrms[k].sib), extra--, want++;
                        else if (adsize != 2 && (modrm & 0xC7) == 0x44)
                            put(&e, modrms[k].sib), extra--, want++;
                        else if (adsize != 2 && (modrm & 0xC7) == 0x84)
                            put(&e, modrms[k].sib), extra--, want++;
                        want += extra;
                    }
                }
                if (s == 'g')
                    want += (modrm & 0x38) == 0 ? (op == 0xF6 ? 1 : opsize == 2 ? 2 : 4) : 0;
                else
                    want += imm_len(s, opsize, adsize);
                if (map == 3)
                    want += 1;
                /* Fill the rest with bytes that are not prefixes. */
                while (e.n < sizeof e.b)
                    put(&e, 0x11);
                struct x86_insn i;
                int len = x86_decode(e.b, sizeof e.b, mode, &i);
                cr_assert_eq((unsigned)len, want,
                             "%s: map %u opcode %02x (%c) 66=%u rexw=%u modrm %02x: length %d, "
                             "want %u",
                             mode_names[mode], map, op, s, p66, rexw, modrm, len, want);
                cr_assert_eq(i.opcode, op);
                cr_assert_eq(i.map, map);
            }
}

Test(x86_decode, every_row_of_every_map_in_every_mode)
{
    cr_assert_eq(strlen(map1), 256);
    cr_assert_eq(strlen(map2), 256);
    for (int mode = X86_MODE_REAL; mode <= X86_MODE_LONG64; mode++) {
        bool long64 = mode == X86_MODE_LONG64;
        for (unsigned op = 0; op < 256; op++) {
            char s = map1[op];
            if (s == 'p' || s == '?')
                continue;
            if (long64 && ((op & 0xF0) == 0x40 || op == 0x62 || op == 0xC4 || op == 0xC5))
                continue; /* REX, EVEX, VEX in 64-bit mode */
            check_row(0, op, s, (enum x86_mode)mode);
        }
        for (unsigned op = 0; op < 256; op++) {
            char s = map2[op];
            if (s == 'p' || s == '?')
                continue;
            check_row(1, op, s, (enum x86_mode)mode);
        }
        for (unsigned op = 0; op < 256; op++) {
            check_row(2, op, 'm', (enum x86_mode)mode);
            check_row(3, op, 'm', (enum x86_mode)mode); /* + the Ib check_row adds */
        }
    }
}

struct literal {
    enum x86_mode mode;
    uint8_t b[15];
    unsigned n;
    const char *text;
};

/* Lengths as objdump (binutils 2.40) prints them. */
static const struct literal literals[] = {
    {X86_MODE_LONG64, {0x48, 0x0F, 0xA4, 0xC3, 0x05}, 5, "shld rbx, rax, 5"},
    {X86_MODE_LONG64, {0x0F, 0xBA, 0x6C, 0x24, 0x08, 0x03}, 6, "bts dword [rsp+8], 3"},
    {X86_MODE_LONG64, {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00}, 6, "nop word [rax+rax]"},
    {X86_MODE_LONG64, {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00}, 8, "nop dword [rax+rax+0]"},
    {X86_MODE_LONG64, {0xF3, 0x0F, 0x1E, 0xFA}, 4, "endbr64"},
    {X86_MODE_LONG64, {0x48, 0x69, 0xC0, 0x10, 0x27, 0x00, 0x00}, 7, "imul rax, rax, 10000"},
    {X86_MODE_LONG64, {0x66, 0x6B, 0xC0, 0x05}, 4, "imul ax, ax, 5"},
    {X86_MODE_LONG64, {0x48, 0x0F, 0xC7, 0x0E}, 4, "cmpxchg16b [rsi]"},
    {X86_MODE_LONG64, {0x48, 0x63, 0x05, 0x00, 0x01, 0x00, 0x00}, 7, "movsxd rax, [rip+0x100]"},
    {X86_MODE_LONG64, {0x0F, 0x20, 0xC0}, 3, "mov rax, cr0"},
    {X86_MODE_LONG64, {0x0F, 0x22, 0x18}, 3, "mov cr3, rax (mod bits ignored)"},
    {X86_MODE_LONG64, {0x66, 0x0F, 0x3A, 0x0F, 0xC1, 0x08}, 6, "palignr xmm0, xmm1, 8"},
    {X86_MODE_LONG64, {0x0F, 0x38, 0xF0, 0x06}, 4, "movbe eax, [rsi]"},
    {X86_MODE_LONG64, {0xC8, 0x10, 0x00, 0x01}, 4, "enter 16, 1"},
    {X86_MODE_LONG64, {0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, "mov rax, imm64"},
    {X86_MODE_LONG64, {0xA1, 1, 2, 3, 4, 5, 6, 7, 8}, 9, "mov eax, [moffs64]"},
    {X86_MODE_LONG64, {0x67, 0xA1, 1, 2, 3, 4}, 6, "mov eax, [moffs32]"},
    {X86_MODE_LONG64, {0xF7, 0x05, 0, 0, 0, 0, 1, 0, 0, 0}, 10, "test dword [rip+0], 1"},
    {X86_MODE_LONG64, {0xF7, 0x35, 0, 0, 0, 0}, 6, "div dword [rip+0]"},
    {X86_MODE_PROT32, {0x0F, 0xAC, 0x04, 0x8D, 0, 0x10, 0, 0, 4}, 9, "shrd [ecx*4+0x1000], eax, 4"},
    {X86_MODE_PROT32, {0x9A, 1, 2, 3, 4, 5, 6}, 7, "call far 0605:04030201"},
    {X86_MODE_PROT32, {0x66, 0xEA, 1, 2, 3, 4}, 6, "jmp far 0403:0201"},
    {X86_MODE_REAL, {0x67, 0x8B, 0x04, 0x58}, 4, "mov ax, [eax+ebx*2]"},
    {X86_MODE_REAL, {0xD5, 0x0A}, 2, "aad"},
    {X86_MODE_REAL, {0x0F, 0x0B}, 2, "ud2"},
    {X86_MODE_REAL, {0x66, 0x0F, 0xA5, 0x46, 0x02}, 5, "shld [bp+2], eax, cl"},
};

Test(x86_decode, literal_encodings)
{
    for (size_t k = 0; k < sizeof literals / sizeof literals[0]; k++) {
        uint8_t buf[24];
        memset(buf, 0x11, sizeof buf);
        memcpy(buf, literals[k].b, literals[k].n);
        struct x86_insn i;
        int len = x86_decode(buf, sizeof buf, literals[k].mode, &i);
        cr_assert_eq(len, (int)literals[k].n, "%s: length %d, want %u", literals[k].text, len,
                     literals[k].n);
    }
}

Test(x86_decode, rex_counts_only_directly_before_the_opcode)
{
    struct x86_insn i;
    /* 48 66 89 c0: the 66 after REX.W cancels it: mov ax, ax */
    static const uint8_t a[] = {0x48, 0x66, 0x89, 0xC0, 0x11};
    cr_assert_eq(x86_decode(a, sizeof a, X86_MODE_LONG64, &i), 4);
    cr_assert_eq(i.opsize, 2);
    cr_assert_eq(i.rex, 0);
    /* 66 48 89 c0: REX.W wins over 66: mov rax, rax */
    static const uint8_t b[] = {0x66, 0x48, 0x89, 0xC0, 0x11};
    cr_assert_eq(x86_decode(b, sizeof b, X86_MODE_LONG64, &i), 4);
    cr_assert_eq(i.opsize, 8);
    /* two REX: the last one counts */
    static const uint8_t c[] = {0x41, 0x48, 0x89, 0xC0, 0x11};
    cr_assert_eq(x86_decode(c, sizeof c, X86_MODE_LONG64, &i), 4);
    cr_assert_eq(i.rex, 0x48);
    cr_assert_eq(i.rm, 0);
    /* outside 64-bit mode 40-4F are INC/DEC */
    static const uint8_t d[] = {0x48, 0x89, 0xC0};
    cr_assert_eq(x86_decode(d, sizeof d, X86_MODE_PROT32, &i), 1);
}

Test(x86_decode, operand_sizes_in_64_bit_mode)
{
    struct x86_insn i;
    static const uint8_t push[] = {0xFF, 0x30}; /* push qword [rax] */
    cr_assert_eq(x86_decode(push, sizeof push, X86_MODE_LONG64, &i), 2);
    static const uint8_t pop[] = {0x8F, 0x00}; /* pop qword [rax] */
    cr_assert_eq(x86_decode(pop, sizeof pop, X86_MODE_LONG64, &i), 2);
    cr_assert_eq(i.opsize, 8);
    static const uint8_t enter[] = {0xC8, 0x08, 0x00, 0x00};
    cr_assert_eq(x86_decode(enter, sizeof enter, X86_MODE_LONG64, &i), 4);
    cr_assert_eq(i.opsize, 8);
    static const uint8_t movsxd[] = {0x48, 0x63, 0xC1}; /* movsxd rax, ecx */
    cr_assert_eq(x86_decode(movsxd, sizeof movsxd, X86_MODE_LONG64, &i), 3);
    cr_assert_eq(i.opsize, 8);
    static const uint8_t bswap[] = {0x49, 0x0F, 0xC9}; /* bswap r9 */
    cr_assert_eq(x86_decode(bswap, sizeof bswap, X86_MODE_LONG64, &i), 3);
    cr_assert_eq(i.reg, 9);
    cr_assert_eq(i.opsize, 8);
}

Test(x86_decode, fifteen_bytes_at_most_and_truncation)
{
    struct x86_insn i;
    uint8_t b[20];
    memset(b, 0x66, sizeof b);
    b[14] = 0x90;
    cr_assert_eq(x86_decode(b, sizeof b, X86_MODE_PROT32, &i), 15, "14 prefixes + nop fit");
    b[14] = 0x66;
    b[15] = 0x90;
    cr_assert_eq(x86_decode(b, sizeof b, X86_MODE_PROT32, &i), -1, "16 bytes: too long");
    static const uint8_t part[] = {0x0F, 0xBA, 0xE0}; /* bt eax, Ib: the Ib is missing */
    cr_assert_eq(x86_decode(part, sizeof part, X86_MODE_PROT32, &i), 0);
}
