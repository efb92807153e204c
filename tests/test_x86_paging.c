/* x86 paging in the interpreter (SDM Vol. 3, chapter 4): 4-level and 32-bit
 * walks, accessed/dirty bits, MMIO through a mapping (the exit carries the
 * physical address), and page faults: CR2, the error code on the handler's
 * stack, the stack switch through the TSS, the triple fault without an IDT. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"

#define RAM_SIZE (4u << 20)
#define P 1ULL
#define RW 2ULL
#define US 4ULL
#define A 0x20ULL
#define D 0x40ULL
#define PS 0x80ULL
#define XD (1ULL << 63)

static struct squib_vm *vm;
static struct squib_vcpu *cpu;
static uint8_t *ram;
static struct squib_exit ex;

static void setup(void)
{
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_X86_64, &vm), 0);
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_eq(squib_vm_map_ram(vm, 0, RAM_SIZE, ram, 0), 0);
    cr_assert_eq(squib_vcpu_create(vm, 0, &cpu), 0);
    memset(&ex, 0, sizeof ex);
}

static void teardown(void)
{
    squib_vm_destroy(vm);
    munmap(ram, RAM_SIZE);
}

TestSuite(x86_paging, .init = setup, .fini = teardown);

static void put64(uint64_t pa, uint64_t v) { memcpy(ram + pa, &v, 8); }
static uint64_t get64(uint64_t pa) { uint64_t v; memcpy(&v, ram + pa, 8); return v; }
static void put32(uint64_t pa, uint32_t v) { memcpy(ram + pa, &v, 4); }
static uint32_t get32(uint64_t pa) { uint32_t v; memcpy(&v, ram + pa, 4); return v; }

/* Long mode, paging on, CR3 = 0x10000, at CPL `dpl`, RIP = rip. */
static void enter_long(unsigned dpl, uint64_t rip, uint64_t cr4_extra)
{
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    struct squib_x86_segment code = {.limit = 0xffffffff, .selector = (uint16_t)(0x10 | dpl),
                                     .type = 0xB, .present = 1, .s = 1, .l = 1, .g = 1,
                                     .dpl = (uint8_t)dpl};
    struct squib_x86_segment data = {.limit = 0xffffffff, .selector = (uint16_t)(0x18 | dpl),
                                     .type = 0x3, .present = 1, .s = 1, .db = 1, .g = 1,
                                     .dpl = (uint8_t)dpl};
    s.cs = code;
    s.ds = s.es = s.ss = s.fs = s.gs = data;
    s.cr0 = 0x80010011; /* PG WP ET PE */
    s.cr4 = 0x20 | cr4_extra; /* PAE */
    s.efer = 0x500;     /* LMA LME */
    s.cr3 = 0x10000;
    /* GDT, IDT and TSS at virtual 0x405000 (see system_tables). */
    s.gdt.base = 0x405000;
    s.gdt.limit = 0x2f;
    s.idt.base = 0x405100;
    s.idt.limit = 0xfff;
    s.tr = (struct squib_x86_segment){.base = 0x405800, .limit = 0x67, .selector = 0x28,
                                      .type = 0xB, .present = 1};
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0, "%s", squib_errmsg());
    struct squib_x86_regs g = {.rip = rip, .rflags = 2, .rsp = 0x407800};
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0);
}

/* PML4 0x10000 -> PDPT 0x11000 -> PD 0x12000 -> PT 0x13000, covering
 * virtual 0x400000-0x5fffff; PTE n maps virtual 0x400000 + n*4K. */
static void tables(void)
{
    put64(0x10000, 0x11000 | P | RW | US);
    put64(0x11000, 0x12000 | P | RW | US);
    put64(0x12000 + 2 * 8, 0x13000 | P | RW | US);
}

static void pte(unsigned n, uint64_t v)
{
    put64(0x13000 + 8 * n, v);
}

/* Supervisor pages: virtual 0x405000 (GDT at +0, IDT at +0x100, TSS at
 * +0x800) -> physical 0x205000; the #PF handler at virtual 0x406000 (hlt);
 * a stack page at virtual 0x407000.  The TSS's RSP0 is 0x407f00. */
static void system_tables(void)
{
    pte(5, 0x205000 | P | RW);
    pte(6, 0x206000 | P);
    pte(7, 0x207000 | P | RW);
    put64(0x205008, 0x00af9b000000ffffULL); /* 0x08 kernel code64 */
    put64(0x205010, 0x00cf93000000ffffULL); /* 0x10 kernel data */
    put64(0x205018, 0x00cff3000000ffffULL); /* 0x18 user data */
    put64(0x205020, 0x00affb000000ffffULL); /* 0x20 user code64 */
    /* IDT[14]: interrupt gate, selector 0x08, offset 0x406000 */
    put64(0x205100 + 14 * 16, 0x00008e0000086000ULL | (0x40ULL << 48));
    put64(0x205100 + 14 * 16 + 8, 0);
    put64(0x205800 + 4, 0x407f00); /* RSP0 */
    ram[0x206000] = 0xF4;
}

static void run(void)
{
    cr_assert_eq(squib_vcpu_run(cpu, &ex), 0);
}

Test(x86_paging, four_level_walk_ad_bits_and_mmio)
{
    tables();
    pte(0, 0x200000 | P);      /* code: read-only, executable */
    pte(1, 0x201000 | P | RW); /* data */
    pte(2, 0xA0000000 | P | RW); /* a device page */
    static const uint8_t code[] = {
        0x48, 0xBB, 0x00, 0x10, 0x40, 0, 0, 0, 0, 0, /* mov rbx, 0x401000 */
        0x48, 0x8B, 0x03,                            /* mov rax, [rbx] */
        0x48, 0x89, 0x43, 0x08,                      /* mov [rbx+8], rax */
        0x48, 0xBB, 0x10, 0x20, 0x40, 0, 0, 0, 0, 0, /* mov rbx, 0x402010 */
        0x88, 0x03,                                  /* mov [rbx], al */
        0x8A, 0x4B, 0x04,                            /* mov cl, [rbx+4] */
        0xF4,                                        /* hlt */
    };
    memcpy(ram + 0x200000, code, sizeof code);
    put64(0x201000, 0x1122334455667788ULL);
    enter_long(0, 0x400000, 0);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert(ex.mmio.write);
    cr_assert_eq(ex.mmio.addr, 0xA0000010, "the exit carries the physical address");
    cr_assert_eq(ex.mmio.data, 0x88);
    cr_assert_eq(ex.pc, 0x40001b);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO);
    cr_assert_eq(ex.mmio.addr, 0xA0000014);
    ex.mmio.data = 0x5a;
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HLT);
    struct squib_x86_regs g;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    cr_assert_eq(g.rcx & 0xff, 0x5a);
    cr_assert_eq(get64(0x201008), 0x1122334455667788ULL, "the write went to physical 0x201008");
    /* Accessed on every level used, dirty only where written (SDM 4.8). */
    cr_assert_eq(get64(0x10000) & A, A);
    cr_assert_eq(get64(0x11000) & A, A);
    cr_assert_eq(get64(0x12010) & A, A);
    cr_assert_eq(get64(0x13000) & (A | D), A, "code page: accessed, not dirty");
    cr_assert_eq(get64(0x13008) & (A | D), A | D, "data page: accessed and dirty");
    cr_assert_eq(get64(0x13010) & (A | D), A | D, "device page written through: dirty too");
}

/* Runs to the #PF handler's HLT; checks CR2 and the frame it got: error
 * code, return RIP, CS at the top of the stack (SDM 6.14.2). */
static void expect_pf(uint64_t addr, unsigned err, uint64_t fault_rip, unsigned cs, uint64_t stack_top)
{
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HLT, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(ex.pc, 0x406000);
    struct squib_x86_sregs s;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    cr_assert_eq(s.cr2, addr, "CR2 0x%llx", (unsigned long long)s.cr2);
    struct squib_x86_regs g;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    cr_assert_eq(g.rsp, stack_top - 48, "six 8-byte slots below the 16-aligned stack top");
    uint64_t frame = g.rsp - 0x400000 + 0x200000;
    cr_assert_eq(get64(frame), err, "error code 0x%llx, want 0x%x", (unsigned long long)get64(frame), err);
    cr_assert_eq(get64(frame + 8), fault_rip);
    cr_assert_eq(get64(frame + 16), cs);
    cr_assert_eq(s.cs.selector, 0x08);
    cr_assert_eq(g.rflags & 0x200, 0, "an interrupt gate clears IF");
}

Test(x86_paging, page_faults_are_delivered_with_error_codes)
{
    tables();
    system_tables();
    pte(0, 0x200000 | P | US);
    pte(1, 0x201000 | P | US);        /* read-only user page */
    pte(3, 0x203000 | P);             /* supervisor page */
    pte(4, 0x204000 | P | RW | US | (1ULL << 50)); /* reserved bit above MAXPHYADDR */
    static const uint8_t code[] = {
        0x48, 0xBB, 0x00, 0x20, 0x40, 0, 0, 0, 0, 0, /* mov rbx, 0x402000 (not present) */
        0x8A, 0x03,                                  /* mov al, [rbx] */
    };
    memcpy(ram + 0x200000, code, sizeof code);
    enter_long(0, 0x400000, 0);
    expect_pf(0x402000, 0x0, 0x40000a, 0x10, 0x407800);

    /* A supervisor write to a read-only page with CR0.WP: P|W. */
    static const uint8_t w[] = {0x48, 0xBB, 0x00, 0x10, 0x40, 0, 0, 0, 0, 0, 0x88, 0x03};
    memcpy(ram + 0x200000, w, sizeof w);
    enter_long(0, 0x400000, 0);
    expect_pf(0x401000, 0x3, 0x40000a, 0x10, 0x407800);

    /* At CPL3 the handler runs on RSP0 from the TSS: a supervisor page is
     * P|U; a reserved bit is P|U|RSVD. */
    static const uint8_t u[] = {0x48, 0xBB, 0x00, 0x30, 0x40, 0, 0, 0, 0, 0, 0x8A, 0x03};
    memcpy(ram + 0x200000, u, sizeof u);
    enter_long(3, 0x400000, 0);
    expect_pf(0x403000, 0x5, 0x40000a, 0x13, 0x407f00);
    static const uint8_t r[] = {0x48, 0xBB, 0x00, 0x40, 0x40, 0, 0, 0, 0, 0, 0x8A, 0x03};
    memcpy(ram + 0x200000, r, sizeof r);
    enter_long(3, 0x400000, 0);
    expect_pf(0x404000, 0xd, 0x40000a, 0x13, 0x407f00);

    /* SMEP: a supervisor fetch from a user page is P|I. */
    enter_long(0, 0x400000, 1u << 20);
    expect_pf(0x400000, 0x11, 0x400000, 0x10, 0x407800);
}

Test(x86_paging, a_page_fault_without_a_usable_idt_is_a_triple_fault)
{
    tables();
    pte(0, 0x200000 | P);
    static const uint8_t code[] = {0x48, 0xBB, 0x00, 0x20, 0x40, 0, 0, 0, 0, 0, 0x8A, 0x03};
    memcpy(ram + 0x200000, code, sizeof code);
    enter_long(0, 0x400000, 0); /* the IDT's page is not mapped: #PF -> #PF -> #DF -> ... */
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_SHUTDOWN, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(ex.shutdown.reason, SQUIB_SHUTDOWN_TRIPLE_FAULT);
}

Test(x86_paging, protected_mode_32bit_with_4m_pages)
{
    /* 32-bit paging: PDE 1 is a 4 MiB page (CR4.PSE) mapping virtual
     * 0x400000 to physical 0; PDE 2 points to a page table mapping virtual
     * 0x800000 to physical 0x300000. */
    put32(0x10000 + 4, 0x000000 | P | RW | PS);
    put32(0x10000 + 8, 0x11000 | P | RW);
    put32(0x11000, 0x300000 | P | RW);
    static const uint8_t code[] = {
        0xA1, 0x00, 0x00, 0x80, 0x00, /* mov eax, [0x800000] */
        0xA3, 0x00, 0x01, 0x40, 0x00, /* mov [0x400100], eax */
        0xF4,
    };
    memcpy(ram + 0x1000, code, sizeof code);
    put32(0x300000, 0xcafef00d);
    struct squib_x86_sregs s;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    struct squib_x86_segment flat = {.limit = 0xffffffff, .selector = 0x8, .type = 0xB,
                                     .present = 1, .s = 1, .db = 1, .g = 1};
    s.cs = flat;
    flat.type = 3;
    s.ds = s.es = s.ss = flat;
    s.cr0 = 0x80000011;
    s.cr4 = 0x10; /* PSE */
    s.cr3 = 0x10000;
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    struct squib_x86_regs g = {.rip = 0x401000, .rflags = 2};
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HLT, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(get32(0x100), 0xcafef00d);
    cr_assert_eq(get32(0x10004) & (A | D), A | D);
    cr_assert_eq(get32(0x11000) & (A | D), A);
}

Test(x86_paging, remapping_needs_a_flush_and_code_follows_the_mapping)
{
    /* Two physical code pages behind one virtual page: after the PTE
     * changes and the mode is re-entered (as MOV CR3 does), the new code
     * runs. */
    tables();
    pte(0, 0x200000 | P);
    static const uint8_t a[] = {0xB0, 0x01, 0xE6, 0x80}; /* mov al, 1; out 0x80, al */
    static const uint8_t b[] = {0xB0, 0x02, 0xE6, 0x80}; /* mov al, 2; out 0x80, al */
    memcpy(ram + 0x200000, a, sizeof a);
    memcpy(ram + 0x205000, b, sizeof b);
    enter_long(0, 0x400000, 0);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO);
    cr_assert_eq(ex.pio.data, 1);
    pte(0, 0x205000 | P);
    enter_long(0, 0x400000, 0);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO);
    cr_assert_eq(ex.pio.data, 2);
}

/* The threaded memory handlers keep a memo of the last page each touched
 * (cpu/x86/fast.c, memo_ptr), valid while the mmu's generation holds.  The
 * same instruction must see a remapping after INVLPG, and must fault when
 * it runs again at CPL3 on a supervisor page it read at CPL0 (the IRETQ
 * switches to the user TLB).  Regression tests for the memo's
 * invalidation. */
Test(x86_paging, memoised_translations_follow_invlpg)
{
    tables();
    system_tables();
    pte(0, 0x200000 | P);
    pte(1, 0x201000 | P | RW);
    static const uint8_t code[] = {
        0xb9, 0x03, 0x00, 0x00, 0x00,                   /* 400000 mov ecx, 3 */
        0x48, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x40, 0x00, /* 400005 mov rax, [0x401000] */
        0xff, 0xc9,                                     /* 40000d dec ecx */
        0x75, 0xf4,                                     /* 40000f jnz 0x400005 */
        0xe6, 0x80,                                     /* 400011 out 0x80, al */
        0x0f, 0x01, 0x3c, 0x25, 0x00, 0x10, 0x40, 0x00, /* 400013 invlpg [0x401000] */
        0xeb, 0xe3,                                     /* 40001b jmp 0x400000 */
    };
    memcpy(ram + 0x200000, code, sizeof code);
    ram[0x201000] = 0x11;
    ram[0x203000] = 0x22;
    enter_long(0, 0x400000, 0);
    for (unsigned k = 0; k < 4; k++) { /* the same load, its page remapped each time */
        run();
        cr_assert_eq(ex.kind, SQUIB_EXIT_PIO, "%s", squib_exit_kind_name(ex.kind));
        cr_assert_eq(ex.pio.data, k % 2 ? 0x22 : 0x11, "round %u: 0x%x", k, ex.pio.data);
        pte(1, (k % 2 ? 0x201000 : 0x203000) | P | RW);
    }
}

Test(x86_paging, memoised_translations_follow_the_privilege_level)
{
    tables();
    system_tables();
    pte(0, 0x200000 | P | US);
    pte(2, 0x202000 | P | RW); /* supervisor data */
    pte(4, 0x204000 | P | RW | US); /* user stack */
    static const uint8_t code[] = {
        0xe8, 0xfb, 0x00, 0x00, 0x00,       /* 400000 call f (three times: the */
        0xe8, 0xf6, 0x00, 0x00, 0x00,       /* 400005 call f  load's memo is set */
        0xe8, 0xf1, 0x00, 0x00, 0x00,       /* 40000a call f  and used) */
        0xe6, 0x80,                         /* 40000f out 0x80, al */
        0x6a, 0x1b,                         /* 400011 push 0x1b (ss) */
        0x68, 0x00, 0x4f, 0x40, 0x00,       /* 400013 push 0x404f00 (rsp) */
        0x6a, 0x02,                         /* 400018 push 2 (rflags) */
        0x6a, 0x23,                         /* 40001a push 0x23 (cs) */
        0x68, 0x23, 0x00, 0x40, 0x00,       /* 40001c push 0x400023 */
        0x48, 0xcf,                         /* 400021 iretq */
        0xe8, 0xd8, 0x00, 0x00, 0x00,       /* 400023 call f (at CPL3) */
        0xf4,                               /* 400028 hlt */
    };
    static const uint8_t f[] = {
        0x48, 0x8b, 0x04, 0x25, 0x00, 0x20, 0x40, 0x00, /* 400100 f: mov rax, [0x402000] */
        0xc3,                                           /* 400108 ret */
    };
    memcpy(ram + 0x200000, code, sizeof code);
    memcpy(ram + 0x200100, f, sizeof f);
    ram[0x202000] = 0x5a;
    enter_long(0, 0x400000, 0);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO, "%s", squib_exit_kind_name(ex.kind));
    cr_assert_eq(ex.pio.data, 0x5a);
    /* P|U: a user read of a supervisor page, from the load in f */
    expect_pf(0x402000, 0x5, 0x400100, 0x23, 0x407f00);
}
