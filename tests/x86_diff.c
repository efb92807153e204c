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

void xd_make_case(const struct xd_form *f, uint64_t *seed, struct xd_case *c)
{
    memset(c, 0, sizeof *c);
    for (unsigned k = 0; k < sizeof c->data; k += 8) {
        uint64_t v = rnd(seed);
        memcpy(c->data + k, &v, 8);
    }
    uint64_t *r = &c->regs.rax;
    for (int k = 0; k < 16; k++) {
        /* Mix full-width randoms with small and boundary values. */
        uint64_t v = rnd(seed);
        switch (rnd(seed) % 8) {
        case 0: v &= 0xff; break;
        case 1: v = (uint64_t)(int64_t)(int8_t)v; break;
        case 2: v = (v & 1) ? 0x8000000000000000ULL : 0x7fffffffffffffffULL; break;
        case 3: v &= 0xffffffff; break;
        default: break;
        }
        r[k] = v;
    }
    /* RSP stays canonical: with a non-canonical RSP, kvm-pvm ends some cases
     * (POPCNT, LZCNT, MOVBE seen) in a triple fault although no form here
     * uses the stack. */
    c->regs.rsp = XD_DATA + 0xf00;
    c->regs.rflags = 0x202 | (rnd(seed) & 0x8d5); /* IF, random OF SF ZF AF PF CF */

    uint8_t *p = c->code;
    /* A mandatory prefix (F3 0F B8 POPCNT...) comes before any REX. */
    unsigned skip = 0;
    if (f->op_len > 1 && (f->op[0] == 0xF3 || f->op[0] == 0xF2)) {
        *p++ = f->op[0];
        skip = 1;
    }
    bool p66 = !f->no_66 && rnd(seed) % 4 == 0;
    bool rexw = !f->no_rexw && !f->byte_op && rnd(seed) % 2 == 0;
    if (p66)
        *p++ = 0x66;
    unsigned reg = rnd(seed) % 16, rm = rnd(seed) % 16;
    bool mem = f->operands == XD_MODRM_MEM || (f->operands == XD_MODRM && rnd(seed) % 2);
    if (mem) {
        rm = base_regs[rnd(seed) % sizeof base_regs];
        if (reg == rm)
            reg = (reg + 1) % 16; /* keep the pointer intact for the compare */
    }
    if (f->digit >= 0)
        reg = (unsigned)f->digit;
    bool want_rex = rexw || reg >= 8 || rm >= 8 || (f->byte_op && rnd(seed) % 2);
    if (f->operands == XD_NONE)
        want_rex = rexw;
    if (want_rex)
        *p++ = (uint8_t)(0x40 | (rexw ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3));
    memcpy(p, f->op + skip, f->op_len - skip);
    p += f->op_len - skip;
    if (f->operands != XD_NONE) {
        if (mem) {
            int8_t disp = (int8_t)(rnd(seed) & 0x7f);
            *p++ = (uint8_t)(0x40 | ((reg & 7) << 3) | (rm & 7));
            *p++ = (uint8_t)disp;
            *gpr(&c->regs, rm) = XD_DATA + 0x400 + (rnd(seed) % 0x800);
        } else {
            *p++ = (uint8_t)(0xC0 | ((reg & 7) << 3) | (rm & 7));
        }
    }
    /* Iz is 2 bytes with a 66 prefix unless REX.W makes the size 64 (SDM 2.2.1.2). */
    unsigned imm = f->imm == XD_IMMZ ? (p66 && !rexw ? 2 : 4) : f->imm;
    for (unsigned k = 0; k < imm; k++)
        *p++ = (uint8_t)rnd(seed);
    /* The end: mov [0x400000], al -> an MMIO write exit on both backends. */
    static const uint8_t end[] = {0x88, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00};
    memcpy(p, end, sizeof end);
    p += sizeof end;
    c->code_len = (unsigned)(p - c->code);
    c->regs.rip = XD_CODE;
}

int xd_run(struct xd_machine *m, const struct xd_case *c, struct xd_result *res)
{
    memset(res, 0, sizeof *res);
    memcpy(m->ram + XD_CODE, c->code, c->code_len);
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
    memset(m->ram + XD_CODE, 0xcc, c->code_len);
    return 0;
}

bool xd_compare(const struct xd_form *f, const struct xd_case *c, const struct xd_result *a,
                const struct xd_result *b, char *why, size_t n)
{
    static const char *const names[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
                                        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
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
