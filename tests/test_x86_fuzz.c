/* tests/test_x86_fuzz.c: hostile guests must not crash the x86 core.
 *
 * Pages of random bytes run in every mode (real, 16/32-bit protected,
 * 64-bit, virtual-8086) with random registers and flags, over system tables
 * that are half random and half plausible: GDT entries that are code, data,
 * call gates, task gates and TSSs at random privilege levels, IDT gates of
 * every type, a TSS with random contents, so that far transfers, gates, task
 * switches, IRET and exception delivery all meet garbage.  Every exit is
 * answered (random MMIO and port read data, hypercall results); errors and
 * shutdowns restart the guest elsewhere; the VMM rewrites code and tables
 * behind the guest's back now and then.  Passing means no crash, no
 * sanitizer report (the CI's ASan/UBSan build runs this too), and every exit
 * well-formed.  SQUIB_X86_FUZZ_SEED picks another sequence,
 * SQUIB_X86_FUZZ_EXITS the exits per test (default 200000).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"
#include "tests/fuzz_harness.h"

#define RAM_SIZE (1u << 20)
#define CODE 0x10000u
#define CODE_PAGES 16
#define GDT 0x1000u
#define IDT 0x2000u
#define TSS 0x3000u
#define PML4 0x8000u /* identity page tables for 64-bit mode (2 MiB pages) */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void put64(uint8_t *ram, uint64_t at, uint64_t v)
{
    memcpy(ram + at, &v, 8);
}

/* A descriptor that is sometimes what a system would hold. */
static uint64_t random_descriptor(void)
{
    uint64_t dpl = rnd() & 3, base = rnd() & 0xfffff, lim = 0xfffff;
    switch (rnd() % 8) {
    case 0: /* code: 16/32/64-bit, conforming or not */
        return (lim & 0xffff) | (base & 0xffffff) << 16 | (0x9aULL | (rnd() & 5) | dpl << 5) << 40 |
               (lim >> 16) << 48 | ((rnd() & 0xe) | 8ULL) << 52 | (base >> 24) << 56;
    case 1: /* data, expand-up or down, read-only or writable */
        return (lim & 0xffff) | (base & 0xffffff) << 16 | (0x91ULL | (rnd() & 6) | dpl << 5) << 40 |
               (lim >> 16) << 48 | ((rnd() & 4) | 8ULL) << 52;
    case 2: { /* a call gate (16/32-bit) to code, mostly one of the flat ones */
        uint64_t sel = (rnd() & 1) ? (uint64_t[]){0x08, 0x18, 0x40, 0x48}[rnd() % 4] | (rnd() & 3)
                                   : rnd() & 0x3ff;
        uint64_t off = CODE + rnd() % (CODE_PAGES * 4096);
        return (off & 0xffff) | sel << 16 | (rnd() & 0x1f) << 32 |
               (0x84ULL | (rnd() & 8) | dpl << 5) << 40 | (off >> 16) << 48;
    }
    case 3: /* a task gate to a TSS selector, mostly one of the TSSs */
        return ((rnd() & 1) ? (uint64_t[]){0x20, 0x30, 0x38}[rnd() % 3] : rnd() & 0x3ff) << 16 |
               (0x85ULL | dpl << 5) << 40;
    case 4: /* a TSS, 16 or 32-bit, available or busy, at TSS */
        return (0x2bULL + (rnd() & 0x7f)) | (uint64_t)TSS << 16 |
               (0x81ULL | (rnd() & 0xa) | dpl << 5) << 40;
    case 5: /* an LDT */
        return 0xffULL | (uint64_t)(GDT + 0x400) << 16 | 0x82ULL << 40;
    default:
        return rnd();
    }
}

static void random_tables(uint8_t *ram)
{
    /* GDT: a flat ring-0 pair at 0x08/0x10, a 64-bit code at 0x18, the rest
     * random; IDT: gates of every type to random selectors and offsets. */
    for (unsigned k = 0; k < 128; k++)
        put64(ram, GDT + 8 * k, random_descriptor());
    put64(ram, GDT, 0);
    put64(ram, GDT + 0x08, 0x00cf9b000000ffffULL);
    put64(ram, GDT + 0x10, 0x00cf93000000ffffULL);
    put64(ram, GDT + 0x18, 0x00af9b000000ffffULL);
    put64(ram, GDT + 0x20, 0x0000890000000067ULL | (uint64_t)TSS << 16); /* 32-bit TSS */
    put64(ram, GDT + 0x30, 0x000081000000002bULL | (uint64_t)(TSS + 0x80) << 16); /* 16-bit */
    put64(ram, GDT + 0x38, 0x0000890000000067ULL | (uint64_t)(TSS + 0x100) << 16);
    put64(ram, GDT + 0x40, 0x00cffb000000ffffULL); /* ring-3 code and data */
    put64(ram, GDT + 0x48, 0x00cff3000000ffffULL);
    for (unsigned k = 0; k < 256; k++) {
        uint64_t type = (uint64_t[]){0x8e, 0x8f, 0x86, 0x87, 0x85, 0xee, 0x0e, 0}[rnd() % 8];
        uint64_t off = CODE + rnd() % (CODE_PAGES * 4096);
        put64(ram, IDT + 16 * k, (off & 0xffff) | (rnd() & 0x1f) << 19 | (rnd() & 7) << 32 |
                                     type << 40 | (off >> 16) << 48);
        put64(ram, IDT + 16 * k + 8, (rnd() & 7) == 0 ? rnd() : 0);
    }
    for (unsigned k = 0; k < 0x180; k += 8) /* three TSSs of plausible and random words */
        put64(ram, TSS + k, (rnd() & 1) ? rnd()
                            : (CODE + rnd() % 0x10000) | (uint64_t)(rnd() & 0x4b) << 32);
}

/* Random bytes, and now and then one of the instructions that reach the
 * system paths: far CALL/JMP (pointer and memory forms), INT n, INT3,
 * INTO, IRET, far RET, MOV Sreg, LLDT/LTR/VERR, LAR/LSL, PUSHF/POPF,
 * CLI/STI, with selectors from the GDT/LDT's first entries. */
static void random_code(uint8_t *code, unsigned len)
{
    unsigned k = 0;
    while (k < len) {
        uint8_t t[8];
        unsigned n = 0;
        uint16_t sel = (uint16_t)((rnd() & 3) ? rnd() & 0x7f : rnd());
        switch ((rnd() & 15) ? 99 : rnd() % 12) {
        case 0: t[n++] = 0x9A; goto ptr;                    /* CALL ptr16:32 */
        case 1: t[n++] = 0xEA;                              /* JMP ptr16:32 */
        ptr:
            memcpy(t + n, &(uint32_t){(uint32_t)(CODE + rnd() % len)}, 4);
            n += 4;
            memcpy(t + n, &sel, 2);
            n += 2;
            break;
        case 2: t[n++] = 0xFF; t[n++] = (rnd() & 1) ? 0x18 : 0x28; break; /* CALL/JMP m16:32 [eax] */
        case 3: t[n++] = 0xCD; t[n++] = (uint8_t)rnd(); break;            /* INT n */
        case 4: t[n++] = (uint8_t[]){0xCC, 0xCE, 0xCF, 0xCB, 0xCA}[rnd() % 5]; break;
        case 5: t[n++] = 0x8E; t[n++] = (uint8_t)(0xC0 | (rnd() & 0x3f)); break; /* MOV Sreg */
        case 6: t[n++] = 0x0F; t[n++] = 0x00; t[n++] = (uint8_t)(0xC0 | (rnd() & 0x3f)); break;
        case 7: t[n++] = 0x0F; t[n++] = (rnd() & 1) ? 0x02 : 0x03; t[n++] = (uint8_t)(0xC0 | (rnd() & 0x3f)); break;
        case 8: t[n++] = (uint8_t[]){0x9C, 0x9D, 0xFA, 0xFB}[rnd() % 4]; break;
        case 9: t[n++] = 0x66; t[n++] = 0xB8; memcpy(t + n, &sel, 2); n += 2; break; /* MOV AX, sel */
        default: t[n++] = (uint8_t)rnd(); break;
        }
        for (unsigned j = 0; j < n && k < len; j++)
            code[k++] = t[j];
    }
}

static void random_segment(struct squib_x86_segment *s, bool code, bool l, bool db, unsigned dpl)
{
    *s = (struct squib_x86_segment){.base = (rnd() & 3) ? 0 : rnd() & 0xffff0,
                                    .limit = (rnd() & 3) ? 0xffffffff : 0xffff,
                                    .selector = (uint16_t)((code ? 8 : 16) | dpl),
                                    .type = code ? 0xB : 0x3, .s = 1, .dpl = (uint8_t)dpl,
                                    .present = 1, .db = db, .l = l, .g = 1};
}

static void restart(struct squib_vcpu *vcpu)
{
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(vcpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    unsigned mode = rnd() % 5, dpl = (rnd() & 1) ? 3 : 0;
    s.gdt = (struct squib_x86_dtable){GDT, 0x3ff};
    s.idt = (struct squib_x86_dtable){mode == 0 ? 0 : IDT, mode == 0 ? 0x3ff : 0xfff};
    s.tr = (struct squib_x86_segment){.base = TSS + 0x100, .limit = 0x67, .selector = 0x38,
                                      .type = 0xB, .present = 1};
    s.ldt = (struct squib_x86_segment){.base = GDT + 0x400, .limit = 0xff, .selector = 0x28,
                                       .type = 2, .present = 1};
    s.cr0 = mode == 0 ? 0x60000010 : 0x60000011;
    s.cr4 = 0;
    s.efer = 0;
    bool l = false, db = mode == 2;
    if (mode == 3) { /* 64-bit: paging, PAE, LME/LMA */
        s.cr0 |= 0x80000000;
        s.cr3 = PML4;
        s.cr4 = 0x20 | ((rnd() & 1) ? 0x300000 : 0); /* PAE, sometimes SMEP/SMAP */
        s.efer = 0xd00 | ((rnd() & 1) ? 1 : 0);
        l = true;
        db = false;
    }
    random_segment(&s.cs, true, l, db, mode == 0 || mode == 4 ? 0 : dpl);
    random_segment(&s.ss, false, false, db, mode == 0 || mode == 4 ? 0 : dpl);
    s.ds = s.es = s.fs = s.gs = s.ss;
    if (mode == 0 || mode == 4) { /* real / virtual-8086: paragraph segments */
        s.cs.base = (rnd() % (CODE_PAGES * 16)) * 16 + CODE - CODE % 16;
        s.cs.selector = (uint16_t)(s.cs.base >> 4);
        s.cs.limit = s.ss.limit = 0xffff;
        s.ss.base = (rnd() & 0xff) << 12;
        s.ss.selector = (uint16_t)(s.ss.base >> 4);
        s.ds = s.es = s.fs = s.gs = s.ss;
    }
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0, "%s",
                 squib_errmsg());
    struct squib_x86_regs g;
    uint64_t *r = &g.rax;
    for (int k = 0; k < 16; k++)
        r[k] = (rnd() & 1) ? rnd() : CODE + rnd() % (CODE_PAGES * 4096); /* some into the code */
    g.rsp = (rnd() & 3) ? 0x9000 + (rnd() & 0x3ff0) : rnd();
    g.rip = mode == 0 || mode == 4 ? rnd() % 4096 : CODE + rnd() % (CODE_PAGES * 4096);
    g.rflags = 2 | (rnd() & 0xcd5) | ((rnd() & 3) == 0 ? 0x100 : 0) | (rnd() & 0x3000) |
               (mode == 4 ? 0x20000 : 0);
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0);
}

static void fuzz(bool single_step)
{
    const char *e = getenv("SQUIB_X86_FUZZ_SEED"), *x = getenv("SQUIB_X86_FUZZ_EXITS");
    if (e)
        rng = strtoull(e, NULL, 0) | 1;
    long exits = x ? strtol(x, NULL, 0) : 200000;
    struct squib_vm *vm;
    struct squib_vcpu *vcpu;
    uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    cr_assert(ram != MAP_FAILED);
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_X86_64, &vm), 0);
    cr_assert_eq(squib_vm_map_ram(vm, 0, RAM_SIZE, ram, 0), 0);
    cr_assert_eq(squib_vcpu_create(vm, 0, &vcpu), 0);
    random_code(ram + CODE, CODE_PAGES * 4096);
    /* 64-bit mode's tables: 0-1 GiB identity in 2 MiB pages (RAM ends at
     * 1 MiB: the rest are device addresses), user and writable. */
    put64(ram, PML4, PML4 + 0x1000 + 7);
    put64(ram, PML4 + 0x1000, PML4 + 0x2000 + 7);
    for (unsigned k = 0; k < 512; k++)
        put64(ram, PML4 + 0x2000 + 8 * k, ((uint64_t)k << 21) | 0x87);
    random_tables(ram);
    if (single_step) {
        struct squib_guest_debug d = {.enable = true, .single_step = true};
        cr_assert_eq(squib_vcpu_set_guest_debug(vcpu, &d), 0);
    }
    struct fuzz_watchdog wd;
    fuzz_watchdog_start(&wd, vcpu);
    restart(vcpu);
    struct squib_exit ex;
    memset(&ex, 0, sizeof ex);
    unsigned seen[SQUIB_EXIT_KIND_COUNT] = {0};
    for (long n = 0; n < exits; n++) {
        cr_assert_eq(squib_vcpu_run(vcpu, &ex), 0);
        cr_assert_lt((unsigned)ex.kind, SQUIB_EXIT_KIND_COUNT);
        seen[ex.kind]++;
        switch (ex.kind) {
        case SQUIB_EXIT_MMIO:
        case SQUIB_EXIT_PIO:
        case SQUIB_EXIT_HYPERCALL:
            fuzz_answer(&ex, rnd);
            break;
        case SQUIB_EXIT_INTERNAL_ERROR:
            cr_assert(ex.internal.message[0]);
            restart(vcpu);
            break;
        case SQUIB_EXIT_SHUTDOWN:
            restart(vcpu);
            break;
        default:
            if ((rnd() & 31) == 0) /* escape tight loops and halts now and then */
                restart(vcpu);
            break;
        }
        if ((rnd() & 255) == 0) /* the VMM rewrites code behind the guest's back */
            random_code(ram + CODE + rnd() % (CODE_PAGES * 4096 - 16), 16);
        if ((rnd() & 4095) == 0)
            random_tables(ram);
    }
    fuzz_watchdog_stop(&wd);
    fprintf(stderr, "x86 fuzz (%s): %ld exits:", single_step ? "single-stepped" : "blocks", exits);
    for (unsigned k = 0; k < SQUIB_EXIT_KIND_COUNT; k++)
        if (seen[k])
            fprintf(stderr, " %s %u", squib_exit_kind_name((enum squib_exit_kind)k), seen[k]);
    fprintf(stderr, "\n");
    cr_assert_gt(seen[SQUIB_EXIT_MMIO], 0);
    cr_assert_gt(seen[SQUIB_EXIT_PIO], 0);
    cr_assert_gt(seen[SQUIB_EXIT_INTERNAL_ERROR], 0);
    cr_assert_gt(seen[SQUIB_EXIT_SHUTDOWN], 0);
    squib_vm_destroy(vm);
    munmap(ram, RAM_SIZE);
}

Test(x86_fuzz, random_code_in_blocks, .timeout = 120)
{
    fuzz(false);
}

Test(x86_fuzz, random_code_single_stepped, .timeout = 120)
{
    fuzz(true);
}
