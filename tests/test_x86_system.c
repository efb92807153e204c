/* x86 system behaviour in the interpreter: software interrupts and IRET in
 * real mode and in long mode across privilege levels (SDM Vol. 3, 6.12-6.14),
 * #GP for a gate the caller may not use. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"

#define RAM_SIZE (4u << 20)

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

TestSuite(x86_system, .init = setup, .fini = teardown);

static void put64(uint64_t pa, uint64_t v) { memcpy(ram + pa, &v, 8); }
static uint64_t get64(uint64_t pa) { uint64_t v; memcpy(&v, ram + pa, 8); return v; }

static void run(void)
{
    cr_assert_eq(squib_vcpu_run(cpu, &ex), 0);
}

static struct squib_x86_regs regs(void)
{
    struct squib_x86_regs g;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    return g;
}

static struct squib_x86_sregs sregs(void)
{
    struct squib_x86_sregs s;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    return s;
}

Test(x86_system, real_mode_int_and_iret)
{
    /* IVT[0x21] = 0000:0x2000; the handler sets AL and returns. */
    ram[0x21 * 4 + 0] = 0x00;
    ram[0x21 * 4 + 1] = 0x20;
    static const uint8_t handler[] = {0xB0, 0x55, 0xCF}; /* mov al, 0x55; iret */
    memcpy(ram + 0x2000, handler, sizeof handler);
    static const uint8_t code[] = {
        0xFB,       /* 1000 sti */
        0xCD, 0x21, /* 1001 int 0x21 */
        0xE6, 0x80, /* 1003 out 0x80, al */
        0xF4,
    };
    memcpy(ram + 0x1000, code, sizeof code);
    struct squib_x86_sregs s = sregs();
    s.cs.selector = 0;
    s.cs.base = 0;
    s.idt.base = 0;
    s.idt.limit = 0x3ff;
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    struct squib_x86_regs g = {.rip = 0x1000, .rsp = 0x8000, .rflags = 2};
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(ex.pio.data, 0x55);
    g = regs();
    cr_assert_eq(g.rsp, 0x8000);
    cr_assert_eq(g.rflags & 0x200, 0x200, "IRET restored IF");
}

/* Long mode, identity-mapped 0-2 MiB with a 2 MiB user page; GDT at 0x5000
 * (kernel code 0x08, kernel data 0x10, user data 0x1b, user code 0x23),
 * IDT at 0x6000, TSS at 0x7000 with RSP0 = 0x9000. */
static void long_mode_at_cpl3(void)
{
    put64(0x1000, 0x2000 | 7);
    put64(0x2000, 0x3000 | 7);
    put64(0x3000, 0x0 | 0x87);
    put64(0x5008, 0x00af9b000000ffffULL);
    put64(0x5010, 0x00cf93000000ffffULL);
    put64(0x5018, 0x00cff3000000ffffULL);
    put64(0x5020, 0x00affb000000ffffULL);
    put64(0x7004, 0x9000);
    struct squib_x86_sregs s = sregs();
    struct squib_x86_segment code = {.limit = 0xffffffff, .selector = 0x23, .type = 0xB,
                                     .present = 1, .s = 1, .l = 1, .g = 1, .dpl = 3};
    struct squib_x86_segment data = {.limit = 0xffffffff, .selector = 0x1b, .type = 0x3,
                                     .present = 1, .s = 1, .db = 1, .g = 1, .dpl = 3};
    s.cs = code;
    s.ds = s.es = s.ss = s.fs = s.gs = data;
    s.gdt = (struct squib_x86_dtable){0x5000, 0x27};
    s.idt = (struct squib_x86_dtable){0x6000, 0xfff};
    s.tr = (struct squib_x86_segment){.base = 0x7000, .limit = 0x67, .selector = 0x28,
                                      .type = 0xB, .present = 1};
    s.cr0 = 0x80000011;
    s.cr4 = 0x20;
    s.efer = 0x500;
    s.cr3 = 0x1000;
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    struct squib_x86_regs g = {.rip = 0x100000, .rsp = 0x180000, .rflags = 0x3202}; /* IOPL 3, IF */
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
}

static void gate(unsigned vec, uint64_t target, unsigned dpl)
{
    put64(0x6000 + vec * 16, (target & 0xffff) | 0x08ULL << 16 | (uint64_t)(0x8e | dpl << 5) << 40 |
                                 ((target >> 16) & 0xffff) << 48);
    put64(0x6000 + vec * 16 + 8, target >> 32);
}

Test(x86_system, long_mode_int_to_ring0_and_iretq_back)
{
    long_mode_at_cpl3();
    gate(0x80, 0x120000, 3);
    static const uint8_t handler[] = {
        0x48, 0x89, 0xE3,       /* mov rbx, rsp (the kernel stack) */
        0x8C, 0xC9,             /* mov ecx, cs */
        0x48, 0xCF,             /* iretq */
    };
    memcpy(ram + 0x120000, handler, sizeof handler);
    static const uint8_t code[] = {
        0xCD, 0x80, /* int 0x80 */
        0xE6, 0x80, /* out 0x80, al (IOPL 3) */
    };
    memcpy(ram + 0x100000, code, sizeof code);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(ex.pc, 0x100002);
    struct squib_x86_regs g = regs();
    cr_assert_eq(g.rbx, 0x9000 - 40, "five slots on RSP0");
    cr_assert_eq(g.rcx & 0xffff, 0x08, "the handler ran at CPL0");
    cr_assert_eq(get64(0x9000 - 40), 0x100002, "return RIP");
    cr_assert_eq(get64(0x9000 - 32), 0x23);
    cr_assert_eq(get64(0x9000 - 16), 0x180000, "old RSP");
    cr_assert_eq(get64(0x9000 - 8), 0x1b, "old SS");
    cr_assert_eq(g.rsp, 0x180000);
    cr_assert_eq(sregs().cs.selector, 0x23);
    cr_assert_eq(sregs().ss.selector, 0x1b);
    cr_assert_eq(g.rflags & 0x200, 0x200);
}

Test(x86_system, int_through_a_ring0_gate_from_ring3_is_gp)
{
    long_mode_at_cpl3();
    gate(0x80, 0x120000, 0); /* DPL 0: not for user code */
    gate(13, 0x130000, 0);
    ram[0x130000] = 0xF4; /* hlt */
    static const uint8_t code[] = {0xCD, 0x80};
    memcpy(ram + 0x100000, code, sizeof code);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HLT, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(ex.pc, 0x130000);
    uint64_t rsp = regs().rsp;
    cr_assert_eq(get64(rsp), 0x80 * 8 + 2, "error code: IDT vector, IDT bit");
    cr_assert_eq(get64(rsp + 8), 0x100000, "the fault points at the INT");
}

Test(x86_system, no_idt_means_a_triple_fault)
{
    long_mode_at_cpl3();
    static const uint8_t code[] = {0xCD, 0x80};
    memcpy(ram + 0x100000, code, sizeof code);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_SHUTDOWN);
    cr_assert_eq(ex.shutdown.reason, SQUIB_SHUTDOWN_TRIPLE_FAULT);
}

Test(x86_system, tf_single_steps_into_the_db_handler)
{
    /* IVT[1] = 0:0x2000: inc bx; iret.  TF set by POPF traps after every
     * instruction from the next one on (SDM Vol. 3, 18.3.1.4), including
     * the POPF that clears it again and an OUT that exits to the VMM. */
    ram[4] = 0x00;
    ram[5] = 0x20;
    static const uint8_t handler[] = {0x43, 0xCF};
    memcpy(ram + 0x2000, handler, sizeof handler);
    static const uint8_t code[] = {
        0x9C,             /* 1000 pushf */
        0x58,             /* 1001 pop ax */
        0x80, 0xCC, 0x01, /* 1002 or ah, 1 (TF) */
        0x50,             /* 1005 push ax */
        0x9D,             /* 1006 popf: TF from here on */
        0x90,             /* 1007 nop             trap 1 */
        0x90,             /* 1008 nop             trap 2 */
        0xE6, 0x80,       /* 1009 out 0x80, al    trap 3 (on the next run) */
        0x9C,             /* 100b pushf           trap 4 */
        0x58,             /* 100c pop ax          trap 5 */
        0x80, 0xE4, 0xFE, /* 100d and ah, 0xfe    trap 6 */
        0x50,             /* 1010 push ax         trap 7 */
        0x9D,             /* 1011 popf            trap 8 (TF was set when it began) */
        0xE6, 0x81,       /* 1012 out 0x81, al */
    };
    memcpy(ram + 0x1000, code, sizeof code);
    struct squib_x86_sregs s = sregs();
    s.cs.selector = 0;
    s.cs.base = 0;
    s.idt = (struct squib_x86_dtable){0, 0x3ff};
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    struct squib_x86_regs g = {.rip = 0x1000, .rsp = 0x8000, .rflags = 2};
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO);
    cr_assert_eq(ex.pio.port, 0x80);
    cr_assert_eq(regs().rbx, 2);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(ex.pio.port, 0x81);
    cr_assert_eq(regs().rbx, 8);
    cr_assert_eq(regs().rflags & 0x100, 0);
}

Test(x86_system, dr0_execution_breakpoint_faults_once_with_rf)
{
    /* Long mode at CPL0: DR0 = the second NOP, DR7.L0; the #DB handler
     * finds RF clear in the frame (SDM 18.3.1.1: the processor leaves it to
     * the handler), counts, and sets RF there, so the NOP then runs.
     * (Regression: the frame had RF set by the processor.) */
    long_mode_at_cpl3();
    struct squib_x86_sregs s = sregs();
    s.cs.dpl = 0;
    s.cs.selector = 0x08;
    s.ss.dpl = s.ds.dpl = s.es.dpl = 0;
    s.ss.selector = 0x10;
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    gate(1, 0x120000, 0);
    static const uint8_t handler[] = {
        0x48, 0x0F, 0xBA, 0x64, 0x24, 0x10, 0x10, /* bt qword [rsp+16], 16: RF -> CF */
        0x48, 0x83, 0xD3, 0x00,                   /* adc rbx, 0 */
        0x48, 0x81, 0x4C, 0x24, 0x10, 0, 0, 1, 0, /* or qword [rsp+16], 0x10000 */
        0x48, 0xFF, 0xC3,                         /* inc rbx */
        0x48, 0xCF,                               /* iretq */
    };
    memcpy(ram + 0x120000, handler, sizeof handler);
    static const uint8_t code[] = {
        0x48, 0xB8, 0x05, 0x10, 0x10, 0, 0, 0, 0, 0, /* 100000 mov rax, 0x101005 */
        0x0F, 0x23, 0xC0,                            /* 10000a mov dr0, rax */
        0xB8, 0x01, 0, 0, 0,                         /* 10000d mov eax, 1 */
        0x0F, 0x23, 0xF8,                            /* 100012 mov dr7, rax */
        0xEB, 0x00,                                  /* 100015 jmp 100017 (a new block) */
        0xE9, 0xE9, 0x0F, 0, 0,                      /* 100017 jmp 101005 */
    };
    memcpy(ram + 0x100000, code, sizeof code);
    static const uint8_t target[] = {0x90, 0x90, 0xE6, 0x80}; /* 101005: nop; nop; out 0x80, al */
    memcpy(ram + 0x101005, target, sizeof target);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(regs().rbx, 1, "one #DB with RF clear in its frame, then RF lets the NOP run");
    cr_assert_eq(ex.pc, 0x101007);
}

Test(x86_system, segment_limit_violations_fault)
{
    /* Real mode: a word at offset 0xFFFF runs past the 64 KiB limit: #GP
     * (through IVT[13]); through SS, #SS (IVT[12]) (SDM Vol. 3, 20.1.4). */
    uint16_t gp[2] = {0x2000, 0}, ss[2] = {0x2010, 0};
    memcpy(ram + 13 * 4, gp, 4);
    memcpy(ram + 12 * 4, ss, 4);
    static const uint8_t gp_h[] = {0xE6, 0x8D, 0xF4}; /* out 0x8d, al; hlt */
    static const uint8_t ss_h[] = {0xE6, 0x8C, 0xF4}; /* out 0x8c, al; hlt */
    memcpy(ram + 0x2000, gp_h, sizeof gp_h);
    memcpy(ram + 0x2010, ss_h, sizeof ss_h);
    static const uint8_t code[] = {
        0xA1, 0xFF, 0xFF, /* 1000 mov ax, [0xffff] */
    };
    memcpy(ram + 0x1000, code, sizeof code);
    struct squib_x86_sregs s = sregs();
    s.cs.selector = 0;
    s.cs.base = 0;
    s.idt = (struct squib_x86_dtable){0, 0x3ff};
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    struct squib_x86_regs g = {.rip = 0x1000, .rsp = 0x8000, .rflags = 2};
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO, "%s: %s", squib_exit_kind_name(ex.kind), ex.internal.message);
    cr_assert_eq(ex.pio.port, 0x8d);
    cr_assert_eq(get64(0x8000 - 6) & 0xffff, 0x1000, "the fault points at the MOV");
    /* mov [bp+0xffff], ax: BP-based, so SS */
    static const uint8_t code2[] = {0x89, 0x86, 0xFF, 0xFF}; /* 1000 mov [bp+0xffff], ax */
    memcpy(ram + 0x1000, code2, sizeof code2);
    g = (struct squib_x86_regs){.rip = 0x1000, .rsp = 0x8000, .rflags = 2};
    squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_PIO);
    cr_assert_eq(ex.pio.port, 0x8c);
}
