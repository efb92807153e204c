/* tests/x86_diff.c: the differential test harness (see x86_diff.h). */
#include "tests/x86_diff.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void put64(uint8_t *ram, uint64_t pa, uint64_t v)
{
    memcpy(ram + pa, &v, 8);
}

static void build_tables(uint8_t *ram)
{
    memset(ram, 0, 0x10000);
    const uint64_t P = 1, RW = 2, US = 4, A = 0x20, PS = 0x80;
    put64(ram, 0x1000, 0x2000 | P | RW | US | A);
    put64(ram, 0x2000, 0x3000 | P | RW | US | A);
    put64(ram, 0x3000, 0x000000 | P | RW | US | PS | A);
    put64(ram, 0x3008, 0x200000 | P | RW | US | PS | A);
    put64(ram, 0x3010, XD_EXIT_PA | P | RW | US | PS | A);
    /* GDT: null, kernel code/data, user data 0x1b, user code64 0x23, with
     * the accessed bits preset (kvm-pvm hangs otherwise, FACTS.md). */
    put64(ram, 0x5008, 0x00af9b000000ffffULL);
    put64(ram, 0x5010, 0x00cf93000000ffffULL);
    put64(ram, 0x5018, 0x00cff3000000ffffULL);
    put64(ram, 0x5020, 0x00affb000000ffffULL);
}

int xd_machine_init(struct xd_machine *m, const char *accel)
{
    memset(m, 0, sizeof *m);
    int rc = squib_vm_create(accel, SQUIB_ARCH_X86_64, &m->vm);
    if (rc)
        return rc;
    m->ram = mmap(NULL, XD_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->ram == MAP_FAILED)
        return -ENOMEM;
    build_tables(m->ram);
    rc = squib_vm_map_ram(m->vm, 0, XD_RAM_SIZE, m->ram, 0);
    if (!rc)
        rc = squib_vcpu_create(m->vm, 0, &m->cpu);
    if (rc)
        return rc;
    struct squib_x86_sregs s;
    rc = squib_vcpu_get_regs(m->cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    if (rc)
        return rc;
    struct squib_x86_segment code = {.limit = 0xffffffff, .selector = 0x23, .type = 0xB,
                                     .present = 1, .s = 1, .l = 1, .g = 1, .dpl = 3};
    struct squib_x86_segment data = {.limit = 0xffffffff, .selector = 0x1b, .type = 0x3,
                                     .present = 1, .s = 1, .db = 1, .g = 1, .dpl = 3};
    s.cs = code;
    s.ds = s.es = s.ss = s.fs = s.gs = data;
    s.gdt.base = 0x5000;
    s.gdt.limit = 0x27;
    s.cr0 = 0x80050033; /* PG AM WP NE ET MP PE */
    s.cr4 = 0x620;      /* OSXMMEXCPT OSFXSR PAE */
    s.efer = 0x500;     /* LMA LME */
    s.cr3 = 0x1000;
    return squib_vcpu_set_regs(m->cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
}

void xd_machine_destroy(struct xd_machine *m)
{
    if (m->vm)
        squib_vm_destroy(m->vm);
    if (m->ram && m->ram != MAP_FAILED)
        munmap(m->ram, XD_RAM_SIZE);
    memset(m, 0, sizeof *m);
}

/* Registers usable as a memory base without SIB/displacement special cases:
 * not RSP/R12 (SIB) and not RBP/R13 (mod 0 means disp32). */
static const uint8_t base_regs[] = {0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 14, 15};

static uint64_t *gpr(struct squib_x86_regs *g, unsigned n)
{
    /* squib_x86_regs order: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 */
    static const uint8_t at[16] = {0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
    return &(&g->rax)[at[n]];
}

static const uint8_t exit_insn[7] = {0x88, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00};

static uint64_t size_mask(unsigned bytes)
{
    return bytes >= 8 ? ~0ULL : (1ULL << (bytes * 8)) - 1;
}

/* A random register value: full-width randoms mixed with small and
 * boundary values. */
static uint64_t rnd_value(uint64_t *seed)
{
    uint64_t v = rnd(seed);
    switch (rnd(seed) % 8) {
    case 0: v &= 0xff; break;
    case 1: v = (uint64_t)(int64_t)(int8_t)v; break;
    case 2: v = (v & 1) ? 0x8000000000000000ULL : 0x7fffffffffffffffULL; break;
    case 3: v &= 0xffffffff; break;
    default: break;
    }
    return v;
}

void xd_make_case(const struct xd_form *f, uint64_t *seed, struct xd_case *c)
{
    memset(c, 0, sizeof *c);
    for (unsigned k = 0; k < sizeof c->data; k += 8) {
        uint64_t v = rnd(seed);
        memcpy(c->data + k, &v, 8);
    }
    uint64_t *r = &c->regs.rax;
    for (int k = 0; k < 16; k++)
        r[k] = rnd_value(seed);
    /* RSP stays canonical (with a non-canonical RSP, kvm-pvm ends some cases
     * in a triple fault although the form does not use the stack) and in
     * the data page, with room for pushes and pops. */
    c->regs.rsp = XD_DATA + 0x100 + rnd(seed) % 0xe00;
    c->regs.rflags = 0x202 | (rnd(seed) & 0xcd5); /* IF, random OF DF SF ZF AF PF CF */

    struct xd_gen g = {0};
    uint8_t *p = c->code;
    if (f->flags & XF_LOCK)
        *p++ = 0xF0;
    if ((f->flags & XF_REP) && rnd(seed) % 2)
        g.rep = 0xF3;
    if (f->flags & XF_REPCC)
        g.rep = (unsigned[]){0, 0xF3, 0xF2}[rnd(seed) % 3];
    if (g.rep)
        *p++ = (uint8_t)g.rep;
    g.mem = f->operands == XD_MODRM_MEM || (f->operands == XD_MODRM && rnd(seed) % 2);
    /* Memory operands: now and then an ignored segment override (ES CS SS
     * DS: base 0 in 64-bit mode) or a 67 prefix (32-bit addresses, the
     * upper half of the base register ignored). */
    if ((g.mem || (f->flags & XF_A67)) && rnd(seed) % 8 == 0)
        *p++ = (uint8_t[]){0x26, 0x2E, 0x36, 0x3E}[rnd(seed) % 4];
    g.a67 = ((f->flags & XF_A67) && rnd(seed) % 3 == 0) || (g.mem && rnd(seed) % 8 == 0);
    if (g.a67)
        *p++ = 0x67;
    /* A mandatory prefix (F3 0F B8 POPCNT...) comes before any REX. */
    unsigned skip = 0;
    if (f->op_len > 1 && (f->op[0] == 0xF3 || f->op[0] == 0xF2 || f->op[0] == 0x66)) {
        *p++ = f->op[0];
        skip = 1;
    }
    g.p66 = !f->no_66 && rnd(seed) % 4 == 0;
    g.rexw = (f->flags & XF_REXW) || (!f->no_rexw && !f->byte_op && rnd(seed) % 2 == 0);
    if (g.p66)
        *p++ = 0x66;
    g.osize = f->byte_op ? 1 : g.rexw ? 8 : g.p66 ? 2 : 4;
    unsigned reg, rm;
    bool want_rex;
    for (;;) {
        reg = rnd(seed) % 16;
        rm = rnd(seed) % 16;
        if (g.mem) {
            rm = base_regs[rnd(seed) % sizeof base_regs];
            if (reg == rm)
                reg = (reg + 1) % 16; /* keep the pointer intact for the compare */
        }
        if (f->digit >= 0)
            reg = (unsigned)f->digit;
        want_rex = g.rexw || reg >= 8 || rm >= 8 || (f->byte_op && rnd(seed) % 2);
        if (f->operands == XD_NONE)
            want_rex = g.rexw ||
                       ((f->flags & XF_OPREG) && (rm >= 8 || (f->byte_op && rnd(seed) % 2)));
        /* The registers really named: without REX, byte registers 4-7 are
         * AH CH DH BH (registers 0-3). */
        unsigned rreg = f->byte_op && !want_rex && reg >= 4 && reg < 8 ? reg - 4 : reg;
        unsigned rrm = f->byte_op && !want_rex && !g.mem && rm >= 4 && rm < 8 ? rm - 4 : rm;
        bool uses_reg = f->operands != XD_NONE && f->digit < 0;
        bool uses_rm = f->operands != XD_NONE || (f->flags & XF_OPREG);
        if (!((uses_reg && (f->avoid >> rreg & 1)) || (uses_rm && (f->avoid >> rrm & 1))))
            break;
    }
    g.rex = want_rex;
    g.reg = reg;
    g.rm = rm;
    if (want_rex)
        *p++ = (uint8_t)(0x40 | (g.rexw ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3));
    memcpy(p, f->op + skip, f->op_len - skip);
    p += f->op_len - skip;
    if (f->flags & XF_OPREG)
        p[-1] = (uint8_t)(p[-1] + (rm & 7));
    if (f->operands != XD_NONE) {
        g.modrm_at = (unsigned)(p - c->code);
        if (g.mem) {
            int8_t disp = (int8_t)(rnd(seed) & 0x7f);
            *p++ = (uint8_t)(0x40 | ((reg & 7) << 3) | (rm & 7));
            *p++ = (uint8_t)disp;
            *gpr(&c->regs, rm) = XD_DATA + 0x400 + (rnd(seed) % 0x800);
            g.ea = *gpr(&c->regs, rm) + (uint64_t)(int64_t)disp;
            if (g.a67)
                *gpr(&c->regs, rm) |= rnd(seed) & 0xffffffff00000000ULL;
        } else {
            *p++ = (uint8_t)(0xC0 | ((reg & 7) << 3) | (rm & 7));
        }
    }
    /* Iz is 2 bytes with a 66 prefix unless REX.W makes the size 64 (SDM 2.2.1.2). */
    unsigned imm = f->imm == XD_IMMZ   ? (g.p66 && !g.rexw ? 2 : 4)
                   : f->imm == XD_IMMV ? (g.rexw ? 8 : g.p66 ? 2 : 4)
                   : f->imm == XD_IMMA ? (g.a67 ? 4 : 8)
                                       : f->imm;
    g.imm_at = (unsigned)(p - c->code);
    g.imm_len = imm;
    for (unsigned k = 0; k < imm; k++)
        *p++ = (uint8_t)rnd(seed);
    g.len = (unsigned)(p - c->code);
    /* The end: mov [0x400000], al -> an MMIO write exit on both backends. */
    memcpy(p, exit_insn, sizeof exit_insn);
    p += sizeof exit_insn;
    c->code_len = (unsigned)(p - c->code);
    c->code_va = XD_CODE;
    if (f->flags & XF_BRANCH)
        c->code_va = XD_CODE + 0x6100 + rnd(seed) % 0x8e00;
    if (f->fix)
        f->fix(c, &g, seed);
    c->regs.rip = c->code_va;
}

static uint64_t rm_read(struct xd_case *c, const struct xd_gen *g);

/* --- form fixes --------------------------------------------------------- */

/* Free RAM for a pad: below the data page, not the page tables and GDT
 * (0x1000-0x5fff), not the code or another pad. */
static bool place_pad(struct xd_case *c, uint64_t va)
{
    const uint64_t n = sizeof exit_insn;
    if (va + n > XD_DATA || (va + n > 0x1000 && va < 0x6000) || c->npads >= 4)
        return false;
    if (va + n > c->code_va && va < c->code_va + c->code_len)
        return false;
    for (unsigned k = 0; k < c->npads; k++)
        if (va + n > c->pad[k] && va < c->pad[k] + n)
            return false;
    c->pad[c->npads++] = (uint32_t)va;
    return true;
}

/* A random target with a pad (16-bit with `narrow`), placed. */
static uint64_t pad_target(struct xd_case *c, uint64_t *seed, bool narrow)
{
    for (;;) {
        uint64_t t;
        switch (rnd(seed) % 4) {
        case 0: t = c->code_va + c->code_len + rnd(seed) % 0x200; break;
        case 1: t = c->code_va - rnd(seed) % 0x200; break;
        default: t = rnd(seed) % (XD_DATA - 8); break;
        }
        if (narrow)
            t &= 0xffff;
        if (place_pad(c, t))
            return t;
    }
}

static bool narrow_branch(const struct xd_gen *g)
{
    /* A 66 makes a near branch 16-bit on AMD parts (APM Vol. 3, "Near
     * branches"; Intel ignores it); REX.W wins over 66. */
    return g->p66 && !g->rexw;
}

/* Jcc/JMP/CALL/LOOP rel: a displacement whose target gets a pad. */
void xd_fix_branch(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    uint64_t next = c->code_va + g->len;
    for (int tries = 0;; tries++) {
        uint64_t rel = rnd(seed);
        if (g->imm_len == 1)
            rel = (uint64_t)(int64_t)(int8_t)rel;
        else if (g->imm_len == 2)
            rel = (uint64_t)(int64_t)(int16_t)rel;
        else if (rnd(seed) % 2)
            rel = (uint64_t)(int64_t)(int16_t)(rel % 0x600 - 0x300);
        else
            rel = (rnd(seed) % (XD_DATA - 8)) - next;
        rel &= size_mask(g->imm_len);
        uint64_t sext = g->imm_len == 1 ? (uint64_t)(int64_t)(int8_t)rel
                        : g->imm_len == 2 ? (uint64_t)(int64_t)(int16_t)rel
                                          : (uint64_t)(int64_t)(int32_t)rel;
        uint64_t t = next + sext;
        if (narrow_branch(g))
            t &= 0xffff;
        if (place_pad(c, t)) {
            memcpy(c->code + g->imm_at, &rel, g->imm_len);
            return;
        }
    }
}

/* LOOP/LOOPE/LOOPNE/JrCXZ: counts at and around the ends, then the jump. */
void xd_fix_loop(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    static const uint64_t counts[] = {0, 1, 2, 0x100000000ULL, 0x100000001ULL, 0xffffffff,
                                      0x10000, 0x10001};
    if (rnd(seed) % 4)
        c->regs.rcx = counts[rnd(seed) % (sizeof counts / sizeof counts[0])];
    xd_fix_branch(c, g, seed);
}

/* RET/RET Iw: the return address on the stack gets a pad. */
void xd_fix_ret(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    c->regs.rsp = XD_DATA + 0x100 + rnd(seed) % 0xe00;
    uint64_t t = pad_target(c, seed, narrow_branch(g));
    if (narrow_branch(g))
        t |= rnd(seed) << 16; /* not read */
    memcpy(c->data + (c->regs.rsp - XD_DATA), &t, 8);
}

/* JMP/CALL Ev: the register or memory operand holds a target with a pad. */
void xd_fix_indirect(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    uint64_t t = pad_target(c, seed, narrow_branch(g));
    /* Random upper bits, ignored with a 16-bit operand, but not in RSP (JMP
     * SP): kvm-pvm ends a case with a non-canonical RSP in a triple fault. */
    if (narrow_branch(g) && (g->mem || g->rm != 4))
        t |= rnd(seed) << 16;
    if (g->mem)
        memcpy(c->data + (g->ea - XD_DATA), &t, 8);
    else
        *gpr(&c->regs, g->rm) = t;
}

/* POPF: a random image on the stack, but TF clear (a #DB trap after the
 * instruction would end the case in a triple fault). */
void xd_fix_popf(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    (void)g;
    uint64_t v = rnd(seed);
    if (rnd(seed) % 2)
        v = c->regs.rflags ^ (rnd(seed) & 0x3f7fd7 & (rnd(seed) | rnd(seed)));
    v &= ~(uint64_t)0x100;
    memcpy(c->data + (c->regs.rsp - XD_DATA), &v, 8);
}

/* ENTER Iw,Ib: RBP in the data page (nesting levels read the frame
 * pointers below it), mostly small levels. */
void xd_fix_enter(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    c->regs.rbp = XD_DATA + 0x300 + rnd(seed) % 0xcf8;
    c->regs.rsp = XD_DATA + 0x300 + rnd(seed) % 0xcf8;
    unsigned lv = (unsigned)rnd(seed) % 10;
    uint8_t level = lv < 3   ? 0
                    : lv < 6 ? 1
                    : lv < 9 ? (uint8_t)(2 + rnd(seed) % 4)
                             : (uint8_t)rnd(seed); /* masked to 0-31 */
    c->code[g->imm_at + 2] = level;
}

/* LEAVE: RBP in the data page. */
void xd_fix_leave(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    (void)g;
    c->regs.rbp = XD_DATA + 0x100 + rnd(seed) % 0xef8;
}

/* String instructions: RSI/RDI in the data page with room for the count
 * (0-40) either way; with 67 the upper halves are random (ignored). */
void xd_fix_string(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    unsigned es = g->osize;
    uint64_t count = rnd(seed) % 41;
    uint64_t si = XD_DATA + 0x150 + rnd(seed) % 0xd60, di = XD_DATA + 0x150 + rnd(seed) % 0xd60;
    if (rnd(seed) % 4 == 0) /* nearby, overlapping copies */
        di = si + (rnd(seed) % 33) - 16;
    uint64_t hi = g->a67 ? rnd(seed) & 0xffffffff00000000ULL : 0;
    c->regs.rsi = si | hi;
    c->regs.rdi = di | (g->a67 ? rnd(seed) & 0xffffffff00000000ULL : 0);
    c->regs.rcx = count | (g->a67 ? rnd(seed) & 0xffffffff00000000ULL : 0);
    if (!g->rep && rnd(seed) % 2)
        c->regs.rcx = rnd_value(seed); /* no REP: RCX is not used */
    /* CMPS/SCAS: runs of equal elements, so REPE goes on and REPNE stops. */
    uint8_t op = c->code[g->len - 1];
    bool down = c->regs.rflags & 0x400;
    unsigned mode = (unsigned)rnd(seed) % 3;
    if ((op == 0xA6 || op == 0xA7 || op == 0xAE || op == 0xAF) && mode) {
        unsigned stop = (unsigned)(rnd(seed) % (count + 2));
        for (unsigned j = 0; j <= count; j++) {
            uint64_t d = di - XD_DATA + (down ? -(uint64_t)j * es : (uint64_t)j * es);
            uint64_t s = si - XD_DATA + (down ? -(uint64_t)j * es : (uint64_t)j * es);
            const uint8_t *src = op >= 0xAE ? (const uint8_t *)&c->regs.rax : c->data + s;
            bool equal = mode == 1 ? j != stop : j == stop;
            if (equal)
                memmove(c->data + d, src, es);
        }
    }
}

/* CMPXCHG: rAX equal to the destination one case in two. */
void xd_fix_cmpxchg(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    if (rnd(seed) % 2)
        return;
    uint64_t m = size_mask(g->osize);
    c->regs.rax = (c->regs.rax & ~m) | rm_read(c, g);
}

/* CMPXCHG8B/16B: rDX:rAX equal to memory one case in two; 16B needs a
 * 16-byte aligned operand (#GP otherwise). */
void xd_fix_cmpxchg8b(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    uint64_t ea = g->ea;
    if (g->rexw) {
        *gpr(&c->regs, g->rm) -= ea & 15;
        ea &= ~15ULL;
    }
    if (rnd(seed) % 2)
        return;
    uint64_t lo, hi;
    unsigned n = g->rexw ? 8 : 4;
    memcpy(&lo, c->data + (ea - XD_DATA), 8);
    memcpy(&hi, c->data + (ea - XD_DATA) + n, 8);
    uint64_t m = size_mask(n);
    c->regs.rax = (c->regs.rax & ~m) | (lo & m);
    c->regs.rdx = (c->regs.rdx & ~m) | (hi & m);
}

/* XLAT: rBX points into the data page (EBX with 67, random upper half). */
void xd_fix_xlat(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    c->regs.rbx = XD_DATA + rnd(seed) % 0xf00;
    if (g->a67)
        c->regs.rbx |= rnd(seed) & 0xffffffff00000000ULL;
}

/* BT* Ev,Gv on memory: the bit offset (signed, operand-sized) reaches only
 * the data page. */
void xd_fix_bt_mem(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    int64_t byte = (int64_t)(rnd(seed) % (0x1000 - 8)) - (int64_t)(g->ea - XD_DATA);
    if (g->osize == 2 && (byte < -4096 || byte >= 4096))
        byte /= 2;
    int64_t bit = byte * 8 + (int64_t)(rnd(seed) % 8);
    uint64_t m = size_mask(g->osize);
    *gpr(&c->regs, g->reg) = (rnd(seed) & ~m) | ((uint64_t)bit & m);
}

/* MOV AL/rAX <-> moffs: an address in the data page (with 67, 4 bytes,
 * zero-extended). */
void xd_fix_moffs(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    uint64_t a = XD_DATA + rnd(seed) % 0xff8;
    memcpy(c->code + g->imm_at, &a, g->imm_len);
}

/* The r/m operand (register or memory), operand-sized. */
static uint64_t rm_read(struct xd_case *c, const struct xd_gen *g)
{
    uint64_t v;
    if (g->mem)
        memcpy(&v, c->data + (g->ea - XD_DATA), 8);
    else if (g->osize == 1 && !g->rex && g->rm >= 4 && g->rm < 8)
        v = *gpr(&c->regs, g->rm - 4) >> 8; /* AH..BH */
    else
        v = *gpr(&c->regs, g->rm);
    return v & size_mask(g->osize);
}

static void rm_write(struct xd_case *c, const struct xd_gen *g, uint64_t v)
{
    uint64_t m = size_mask(g->osize);
    if (g->mem) {
        memcpy(c->data + (g->ea - XD_DATA), &v, g->osize);
    } else if (g->osize == 1 && !g->rex && g->rm >= 4 && g->rm < 8) {
        uint64_t *r = gpr(&c->regs, g->rm - 4);
        *r = (*r & ~0xff00ULL) | (v & 0xff) << 8;
    } else {
        uint64_t *r = gpr(&c->regs, g->rm);
        *r = (*r & ~m) | (v & m);
    }
}

/* The dividend: AX for bytes (AH the upper half), else rDX:rAX. */
static void set_dividend(struct xd_case *c, const struct xd_gen *g, uint64_t lo, uint64_t hi)
{
    uint64_t m = size_mask(g->osize);
    if (g->osize == 1) {
        c->regs.rax = (c->regs.rax & ~0xffffULL) | (lo & 0xff) | (hi & 0xff) << 8;
        return;
    }
    c->regs.rax = (c->regs.rax & ~m) | (lo & m);
    c->regs.rdx = (c->regs.rdx & ~m) | (hi & m);
}

/* DIV: a nonzero divisor above the dividend's upper half (no #DE). */
void xd_fix_div(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    uint64_t m = size_mask(g->osize);
    uint64_t d = rm_read(c, g);
    if (!d) {
        d = rnd_value(seed) & m;
        if (!d)
            d = 1;
        rm_write(c, g, d);
    }
    uint64_t hi = rnd(seed) % 3 == 0 ? d - 1 : rnd_value(seed) % d;
    set_dividend(c, g, rnd_value(seed), hi);
}

/* IDIV: quotient q and remainder r chosen (|r| < |d|, r with the dividend's
 * sign), the dividend q*d + r computed: every quotient fits, boundaries
 * included. */
void xd_fix_idiv(struct xd_case *c, const struct xd_gen *g, uint64_t *seed)
{
    unsigned bits = g->osize * 8;
    uint64_t m = size_mask(g->osize);
    __int128 min = -((__int128)1 << (bits - 1)), max = ((__int128)1 << (bits - 1)) - 1;
    uint64_t du = rm_read(c, g);
    if (!du) {
        du = rnd_value(seed) & m;
        if (!du)
            du = (uint64_t)-1 & m;
        rm_write(c, g, du);
    }
    __int128 d = (int64_t)(du << (64 - bits)) >> (64 - bits);
    __int128 q;
    switch (rnd(seed) % 4) {
    case 0: q = rnd(seed) % 2 ? min : max; break;
    case 1: q = (int64_t)(int8_t)rnd(seed); break;
    default: q = (int64_t)(rnd(seed) << (64 - bits)) >> (64 - bits); break;
    }
    __int128 ad = d < 0 ? -d : d;
    __int128 r = (__int128)(rnd(seed) % (uint64_t)ad); /* |d| <= 2^63 */
    if (rnd(seed) % 4 == 0)
        r = ad - 1;
    __int128 qd = q * d;
    bool neg = qd < 0 || (qd == 0 && rnd(seed) % 2);
    __int128 x = qd + (neg ? -r : r);
    unsigned __int128 ux = (unsigned __int128)x;
    set_dividend(c, g, (uint64_t)(ux & m), (uint64_t)(ux >> bits) & m);
}

int xd_run(struct xd_machine *m, const struct xd_case *c, struct xd_result *res)
{
    memset(res, 0, sizeof *res);
    memcpy(m->ram + c->code_va, c->code, c->code_len);
    for (unsigned k = 0; k < c->npads; k++)
        memcpy(m->ram + c->pad[k], exit_insn, sizeof exit_insn);
    memcpy(m->ram + XD_DATA, c->data, sizeof c->data);
    struct squib_x86_regs g = c->regs;
    int rc = squib_vcpu_set_regs(m->cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    if (rc)
        return rc;
    struct squib_exit e = {0};
    for (int n = 0; n < 4; n++) {
        rc = squib_vcpu_run(m->cpu, &e);
        if (rc)
            return rc;
        if (e.kind != SQUIB_EXIT_INTERRUPTED)
            break;
    }
    res->kind = e.kind;
    if (e.kind == SQUIB_EXIT_INTERNAL_ERROR)
        snprintf(res->message, sizeof res->message, "%.150s", e.internal.message);
    else if (e.kind == SQUIB_EXIT_MMIO && !(e.mmio.write && e.mmio.addr == XD_EXIT_PA))
        snprintf(res->message, sizeof res->message, "mmio %s 0x%llx", e.mmio.write ? "write" : "read",
                 (unsigned long long)e.mmio.addr);
    squib_vcpu_get_regs(m->cpu, SQUIB_REGSET_X86_GPR, &res->regs, sizeof res->regs);
    memcpy(res->data, m->ram + XD_DATA, sizeof res->data);
    /* The next case starts from a clean code page: decoded code must not
     * leak between cases (both backends see the write through host memory
     * only, so the interpreter is told by a fresh page next time). */
    memset(m->ram + c->code_va, 0xcc, c->code_len);
    for (unsigned k = 0; k < c->npads; k++)
        memset(m->ram + c->pad[k], 0xcc, sizeof exit_insn);
    return 0;
}

bool xd_compare(const struct xd_form *f, const struct xd_case *c, const struct xd_result *a,
                const struct xd_result *b, char *why, size_t n)
{
    static const char *const names[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
                                        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    /* Without an IDT an exception ends in a triple fault, whose state says
     * little (kvm-pvm even sets RF): a case must not raise one. */
    if (a->kind == SQUIB_EXIT_SHUTDOWN || b->kind == SQUIB_EXIT_SHUTDOWN) {
        snprintf(why, n, "exit %s vs %s: an exception (triple fault), rip 0x%llx vs 0x%llx",
                 squib_exit_kind_name(a->kind), squib_exit_kind_name(b->kind),
                 (unsigned long long)a->regs.rip, (unsigned long long)b->regs.rip);
        return false;
    }
    if (a->kind != b->kind || strcmp(a->message, b->message) != 0) {
        snprintf(why, n, "exit %s (%s) vs %s (%s)", squib_exit_kind_name(a->kind), a->message,
                 squib_exit_kind_name(b->kind), b->message);
        return false;
    }
    const uint64_t *ra = &a->regs.rax, *rb = &b->regs.rax;
    for (int k = 0; k < 16; k++)
        if (ra[k] != rb[k]) {
            snprintf(why, n, "%s = 0x%llx vs 0x%llx", names[k], (unsigned long long)ra[k],
                     (unsigned long long)rb[k]);
            return false;
        }
    if (a->regs.rip != b->regs.rip) {
        snprintf(why, n, "rip = 0x%llx vs 0x%llx", (unsigned long long)a->regs.rip,
                 (unsigned long long)b->regs.rip);
        return false;
    }
    uint64_t fm = ~(uint64_t)f->undef_flags & 0x3f7fd7;
    if ((a->regs.rflags & fm) != (b->regs.rflags & fm)) {
        snprintf(why, n, "rflags = 0x%llx vs 0x%llx", (unsigned long long)a->regs.rflags,
                 (unsigned long long)b->regs.rflags);
        return false;
    }
    for (unsigned k = 0; k < sizeof a->data; k++)
        if (a->data[k] != b->data[k]) {
            snprintf(why, n, "data[0x%x] = 0x%02x vs 0x%02x", k, a->data[k], b->data[k]);
            return false;
        }
    (void)c;
    return true;
}

void xd_dump(FILE *out, const struct xd_case *c, const struct xd_result *a,
             const struct xd_result *b)
{
    static const char *const names[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
                                        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    fprintf(out, "  code at 0x%llx:", (unsigned long long)c->code_va);
    for (unsigned k = 0; k < c->code_len; k++)
        fprintf(out, " %02x", c->code[k]);
    for (unsigned k = 0; k < c->npads; k++)
        fprintf(out, "%s0x%x", k ? " " : "; pads at ", c->pad[k]);
    fprintf(out, "\n  %-6s %18s %18s %18s\n", "", "input", "first", "second");
    const uint64_t *ri = &c->regs.rax, *ra = &a->regs.rax, *rb = &b->regs.rax;
    for (int k = 0; k < 16; k++)
        fprintf(out, "  %-6s %18llx %18llx %18llx%s\n", names[k], (unsigned long long)ri[k],
                (unsigned long long)ra[k], (unsigned long long)rb[k], ra[k] != rb[k] ? "  <>" : "");
    fprintf(out, "  %-6s %18llx %18llx %18llx\n", "rip", (unsigned long long)c->regs.rip,
            (unsigned long long)a->regs.rip, (unsigned long long)b->regs.rip);
    fprintf(out, "  %-6s %18llx %18llx %18llx\n", "rflags", (unsigned long long)c->regs.rflags,
            (unsigned long long)a->regs.rflags, (unsigned long long)b->regs.rflags);
    for (unsigned k = 0; k < sizeof c->data; k += 8) {
        if (!memcmp(c->data + k, a->data + k, 8) && !memcmp(c->data + k, b->data + k, 8))
            continue;
        uint64_t x, y, z;
        memcpy(&x, c->data + k, 8);
        memcpy(&y, a->data + k, 8);
        memcpy(&z, b->data + k, 8);
        fprintf(out, "  [%05llx] %16llx %18llx %18llx%s\n", (unsigned long long)(XD_DATA + k),
                (unsigned long long)x, (unsigned long long)y, (unsigned long long)z,
                y != z ? "  <>" : "");
    }
}
