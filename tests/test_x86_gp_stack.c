/* Stack instructions in the interpreter: POP Ev, PUSH Ev in 64-bit mode,
 * ENTER/LEAVE with nesting levels, PUSHA/POPA, PUSH/POP FS/GS, far RET in
 * real mode, and INC/DEC through FE/FF in 64-bit mode (40-4F are REX). */
#include "tests/x86_gp_harness.h"

TestSuite(x86_stack, .init = gp_setup, .fini = gp_teardown);

static uint64_t rd(uint64_t a, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, ram + a, n);
    return v;
}

static void wr(uint64_t a, uint64_t v, unsigned n)
{
    memcpy(ram + a, &v, n);
}

Test(x86_stack, pop_ev_register_memory_and_rsp_based_address)
{
    gp_mode(GP_LONG64);
    wr(GP_STACK - 16, 0x1111111111111111ULL, 8);
    wr(GP_STACK - 8, 0x2222222222222222ULL, 8);
    struct squib_x86_regs g = {.rsp = GP_STACK - 16, .rbx = GP_DATA};
    g = EXEC(g, 0x8F, 0xC1,       /* pop rcx */
             0x8F, 0x03,          /* pop qword [rbx] */
             0xF4);
    cr_assert_eq(g.rcx, 0x1111111111111111ULL);
    cr_assert_eq(rd(GP_DATA, 8), 0x2222222222222222ULL);
    cr_assert_eq(g.rsp, GP_STACK);
    /* pop [rsp]: the address is computed after the increment (SDM, POP) */
    wr(GP_STACK - 8, 0xABCD, 8);
    g = (struct squib_x86_regs){.rsp = GP_STACK - 8};
    g = EXEC(g, 0x8F, 0x04, 0x24, /* pop qword [rsp] */
             0xF4);
    cr_assert_eq(g.rsp, GP_STACK);
    cr_assert_eq(rd(GP_STACK, 8), 0xABCD);
    /* 16-bit pop with 66 */
    wr(GP_STACK - 2, 0x5678, 2);
    g = (struct squib_x86_regs){.rsp = GP_STACK - 2, .rdx = 0xFFFFFFFFFFFF0000ULL};
    g = EXEC(g, 0x66, 0x8F, 0xC2, /* pop dx */
             0xF4);
    cr_assert_eq(g.rdx, 0xFFFFFFFFFFFF5678ULL);
    cr_assert_eq(g.rsp, GP_STACK);
}

Test(x86_stack, pop_ev_other_digits_are_ud)
{
    gp_mode(GP_PROT32);
    static const uint8_t c[] = {0x8F, 0xC8}; /* 8F /1 */
    code(c, sizeof c);
    struct squib_x86_regs g = {.rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run_exception(6, GP_CODE);
    /* The fault left ESP alone: the #UD frame (EIP, CS, EFLAGS) sits below it. */
    cr_assert_eq(regs().rsp, GP_STACK - 12);
}

Test(x86_stack, push_ev_and_inc_dec_in_64_bit_mode)
{
    gp_mode(GP_LONG64);
    wr(GP_DATA, 0x0123456789ABCDEFULL, 8);
    struct squib_x86_regs g = {.rbx = GP_DATA, .rcx = 0xFFFFFFFF, .rdx = 0x7F};
    g = EXEC(g, 0xFF, 0x33,       /* push qword [rbx] (64-bit without REX.W) */
             0xFF, 0xC1,          /* inc ecx (FF /0: 32-bit, zero-extends) */
             0x48, 0xFF, 0xCB,    /* dec rbx */
             0xFE, 0xC2,          /* inc dl */
             0xF4);
    cr_assert_eq(g.rsp, GP_STACK - 8);
    cr_assert_eq(rd(GP_STACK - 8, 8), 0x0123456789ABCDEFULL);
    cr_assert_eq(g.rcx, 0);
    cr_assert_eq(g.rbx, GP_DATA - 1);
    cr_assert_eq(g.rdx, 0x80);
    cr_assert_eq(g.rflags & (FL_OF | FL_SF), FL_OF | FL_SF, "from INC DL");
    g = (struct squib_x86_regs){.rbx = GP_DATA};
    g = EXEC(g, 0x66, 0xFF, 0x33, /* push word [rbx] */
             0xF4);
    cr_assert_eq(g.rsp, GP_STACK - 2);
    cr_assert_eq(rd(GP_STACK - 2, 2), 0xCDEF);
}

Test(x86_stack, enter_leave_level_0_and_nested)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rbp = 0xBBBB};
    g = EXEC(g, 0xC8, 0x10, 0x00, 0x00, /* enter 16, 0 */
             0xF4);
    cr_assert_eq(rd(GP_STACK - 4, 4), 0xBBBB);
    cr_assert_eq(g.rbp, GP_STACK - 4);
    cr_assert_eq(g.rsp, GP_STACK - 4 - 16);
    g = EXEC(g, 0xC9, /* leave */
             0xF4);
    cr_assert_eq(g.rbp, 0xBBBB);
    cr_assert_eq(g.rsp, GP_STACK);
    /* enter 8, 3: push ebp, copy 2 frame pointers from the old frame, push the new one */
    wr(0x6000 - 4, 0xAAAA0001, 4);
    wr(0x6000 - 8, 0xAAAA0002, 4);
    g = (struct squib_x86_regs){.rbp = 0x6000};
    g = EXEC(g, 0xC8, 0x08, 0x00, 0x03, /* enter 8, 3 */
             0xF4);
    cr_assert_eq(rd(GP_STACK - 4, 4), 0x6000);
    cr_assert_eq(rd(GP_STACK - 8, 4), 0xAAAA0001);
    cr_assert_eq(rd(GP_STACK - 12, 4), 0xAAAA0002);
    cr_assert_eq(rd(GP_STACK - 16, 4), GP_STACK - 4, "the new frame pointer");
    cr_assert_eq(g.rbp, GP_STACK - 4);
    cr_assert_eq(g.rsp, GP_STACK - 16 - 8);
    /* 64-bit: 8-byte slots */
    gp_mode(GP_LONG64);
    g = (struct squib_x86_regs){.rbp = 0x123456789ULL};
    g = EXEC(g, 0xC8, 0x20, 0x00, 0x01, /* enter 32, 1 */
             0xC9,                     /* leave */
             0xF4);
    cr_assert_eq(rd(GP_STACK - 8, 8), 0x123456789ULL);
    cr_assert_eq(rd(GP_STACK - 16, 8), GP_STACK - 8);
    cr_assert_eq(g.rbp, 0x123456789ULL);
    cr_assert_eq(g.rsp, GP_STACK);
}

Test(x86_stack, enter_leave_in_real_mode)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rbp = 0x1234};
    g = EXEC(g, 0xC8, 0x04, 0x00, 0x00, /* enter 4, 0 */
             0xF4);
    cr_assert_eq(rd(GP_STACK - 2, 2), 0x1234);
    cr_assert_eq(g.rbp, GP_STACK - 2);
    cr_assert_eq(g.rsp, GP_STACK - 6);
    g = EXEC(g, 0xC9, 0xF4); /* leave */
    cr_assert_eq(g.rbp, 0x1234);
    cr_assert_eq(g.rsp, GP_STACK);
}

Test(x86_stack, pusha_popa)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 1, .rcx = 2, .rdx = 3, .rbx = 4, .rbp = 6, .rsi = 7,
                               .rdi = 8};
    g = EXEC(g, 0x60, /* pushad */
             0xF4);
    for (unsigned k = 0; k < 8; k++) {
        static const uint32_t want[8] = {1, 2, 3, 4, GP_STACK, 6, 7, 8};
        cr_assert_eq(rd(GP_STACK - 4 * (k + 1), 4), want[k], "slot %u", k);
    }
    cr_assert_eq(g.rsp, GP_STACK - 32);
    wr(GP_STACK - 32 + 12, 0xDEAD, 4); /* the ESP slot is skipped by POPAD */
    g = (struct squib_x86_regs){.rsp = GP_STACK - 32};
    g = EXEC(g, 0x61, /* popad */
             0xF4);
    cr_assert_eq(g.rax, 1);
    cr_assert_eq(g.rcx, 2);
    cr_assert_eq(g.rdx, 3);
    cr_assert_eq(g.rbx, 4);
    cr_assert_eq(g.rbp, 6);
    cr_assert_eq(g.rsi, 7);
    cr_assert_eq(g.rdi, 8);
    cr_assert_eq(g.rsp, GP_STACK);
    gp_mode(GP_REAL);
    g = (struct squib_x86_regs){.rax = 0x11, .rdi = 0x88};
    g = EXEC(g, 0x60, 0x61, 0xF4); /* pusha; popa */
    cr_assert_eq(g.rsp, GP_STACK);
    cr_assert_eq(rd(GP_STACK - 2, 2), 0x11);
    cr_assert_eq(rd(GP_STACK - 16, 2), 0x88);
}

Test(x86_stack, pusha_is_ud_in_64_bit_mode)
{
    gp_mode(GP_LONG64);
    static const uint8_t c[] = {0x60};
    code(c, sizeof c);
    struct squib_x86_regs g = {.rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run_exception(6, GP_CODE);
}

Test(x86_stack, push_pop_fs_gs_and_retf_in_real_mode)
{
    gp_mode(GP_REAL);
    wr(GP_STACK, 0x0000, 2);     /* IP for RETF */
    wr(GP_STACK + 2, 0x0300, 2); /* CS: 0300:0000 = linear 0x3000 */
    static const uint8_t target[] = {
        0x0F, 0xA0, /* 3000 push fs */
        0x0F, 0xA9, /* 3002 pop gs */
        0xF4,       /* 3004 hlt */
    };
    memcpy(ram + 0x3000, target, sizeof target);
    struct squib_x86_regs g = {0};
    g = EXEC(g, 0x6A, 0x50,       /* push 0x50 */
             0x0F, 0xA1,          /* pop fs */
             0xCA, 0x04, 0x00,    /* retf 4 */
             0xF4);
    cr_assert_eq(g.rip, 5, "rip 0x%llx", (unsigned long long)g.rip);
    cr_assert_eq(g.rsp, GP_STACK + 8);
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    cr_assert_eq(s.cs.selector, 0x300);
    cr_assert_eq(s.cs.base, 0x3000);
    cr_assert_eq(s.fs.selector, 0x50);
    cr_assert_eq(s.gs.selector, 0x50);
    cr_assert_eq(s.gs.base, 0x500);
    cr_assert_eq(rd(GP_STACK + 6, 2), 0x50, "PUSH FS wrote the selector");
}

Test(x86_stack, far_call_and_jump_in_real_mode)
{
    gp_mode(GP_REAL);
    static const uint8_t sub[] = {
        0xB8, 0x34, 0x12, /* 3000 mov ax, 0x1234 */
        0xCB,             /* 3003 retf */
    };
    memcpy(ram + 0x3000, sub, sizeof sub);
    wr(GP_DATA, 0x0000, 2); /* m16:16 = 0400:0000 -> linear 0x4000 */
    wr(GP_DATA + 2, 0x0400, 2);
    static const uint8_t at4000[] = {0xF4}; /* 4000 hlt */
    memcpy(ram + 0x4000, at4000, sizeof at4000);
    struct squib_x86_regs g = {0};
    g = EXEC(g, 0x9A, 0x00, 0x00, 0x00, 0x03, /* 1000 call 0300:0000 */
             0xFF, 0x2E, 0x00, 0x20,           /* 1005 jmp far [0x2000] */
             0xF4);
    cr_assert_eq(g.rax, 0x1234);
    cr_assert_eq(g.rsp, GP_STACK, "RETF popped IP and CS");
    cr_assert_eq(rd(GP_STACK - 2, 2), 0, "CS pushed first");
    cr_assert_eq(rd(GP_STACK - 4, 2), 0x1005, "then the return IP");
    cr_assert_eq(g.rip, 1, "stopped after the HLT at 0400:0000");
    /* call far [m16:16] */
    gp_mode(GP_REAL);
    wr(GP_DATA, 0x0000, 2);
    wr(GP_DATA + 2, 0x0300, 2);
    g = (struct squib_x86_regs){0};
    g = EXEC(g, 0xFF, 0x1E, 0x00, 0x20, /* call far [0x2000] */
             0xF4);
    cr_assert_eq(g.rax, 0x1234);
    cr_assert_eq(g.rip, GP_CODE + 5);
}

Test(x86_stack, far_pointer_loads_in_real_mode)
{
    gp_mode(GP_REAL);
    wr(GP_DATA, 0xBEEF, 2);
    wr(GP_DATA + 2, 0x1234, 2);
    struct squib_x86_regs g = {0};
    g = EXEC(g, 0xC4, 0x1E, 0x00, 0x20,       /* les bx, [0x2000] */
             0x0F, 0xB4, 0x36, 0x00, 0x20,    /* lfs si, [0x2000] */
             0x66, 0x0F, 0xB5, 0x3E, 0x00, 0x20, /* lgs edi, [0x2000]: 32-bit offset */
             0xF4);
    cr_assert_eq(g.rbx, 0xBEEF);
    cr_assert_eq(g.rsi, 0xBEEF);
    cr_assert_eq(g.rdi, 0x1234BEEF);
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    cr_assert_eq(s.es.selector, 0x1234);
    cr_assert_eq(s.es.base, 0x12340);
    cr_assert_eq(s.fs.selector, 0x1234);
    cr_assert_eq(s.gs.selector, 0, "the selector after a 32-bit offset is at +4: zero here");
    gp_mode(GP_REAL);
    wr(GP_DATA + 4, 0x0070, 2);
    g = (struct squib_x86_regs){0};
    g = EXEC(g, 0x0F, 0xB2, 0x26, 0x02, 0x20, /* lss sp, [0x2002] */
             0xF4);
    cr_assert_eq(g.rsp, 0x1234);
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    cr_assert_eq(s.ss.selector, 0x0070);
}

Test(x86_stack, bound_in_range_and_out)
{
    gp_mode(GP_PROT32);
    wr(GP_DATA, (uint32_t)-5, 4);
    wr(GP_DATA + 4, 10, 4);
    struct squib_x86_regs g = {.rax = (uint32_t)-5};
    g = EXEC(g, 0x62, 0x05, 0x00, 0x20, 0x00, 0x00, /* bound eax, [0x2000] */
             0xF4);
    cr_assert_eq(g.rip, GP_CODE + 7);
    static const uint8_t c[] = {0x62, 0x05, 0x00, 0x20, 0x00, 0x00, 0xF4};
    code(c, sizeof c);
    g = (struct squib_x86_regs){.rax = 11, .rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run_exception(5, GP_CODE);
}

/* POPF in protected and long mode (SDM Vol. 2, POPF "Operation"): at CPL 0
 * every flag but VM/VIF/VIP changes (IOPL, IF, AC, ID too); at CPL 3 with
 * IOPL 0, IOPL and IF stay as they were, silently; RF is clear after it;
 * the 16-bit form touches bits 15:0 only.  PUSHF's image has RF
 * and VM clear.  (Regression: POPF outside real mode was an INTERNAL_ERROR.) */
static uint64_t popf_result(enum gp_mode m, unsigned cpl, uint64_t flags, uint64_t image,
                            bool o16)
{
    /* [rsp] = image; popf (64-bit: popfq); hlt */
    uint8_t c[16];
    unsigned n = 0;
    if (o16)
        c[n++] = 0x66;
    c[n++] = 0x9D; /* popf */
    c[n++] = 0xF4; /* hlt */
    gp_mode(m);
    if (cpl) {
        struct squib_x86_sregs s;
        cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
        s.cs.dpl = s.ss.dpl = s.ds.dpl = 3;
        s.cs.selector |= 3;
        s.ss.selector |= 3;
        cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    }
    code(c, n);
    unsigned w = m == GP_LONG64 ? 8 : 4;
    memcpy(ram + GP_STACK - w, &image, o16 ? 2 : w);
    struct squib_x86_regs g = {.rip = GP_CODE, .rsp = GP_STACK - w, .rflags = flags};
    set_regs(g);
    if (!cpl) {
        g = run_hlt();
        return g.rflags;
    }
    /* HLT at CPL 3 is #GP(0): the flags are those the exception saved. */
    run_exception(13, GP_CODE + n - 1);
    g = regs();
    uint64_t saved = 0;
    memcpy(&saved, ram + g.rsp + 3 * w, w); /* error code, rip, cs, then rflags */
    /* A fault's frame has RF set (SDM Vol. 3, 18.3.1.1); POPF did not. */
    cr_assert(saved & (1u << 16), "RF in the #GP frame: 0x%llx", (unsigned long long)saved);
    return saved & ~(uint64_t)(1u << 16);
}

Test(x86_stack, popf_privilege_rules_outside_real_mode)
{
    const uint64_t all = 0x244ed5 | 0x3000; /* ID AC NT IOPL OF DF IF arith, no TF */
    /* CPL 0, 64-bit: everything it names changes; RF (set before) is cleared */
    uint64_t f = popf_result(GP_LONG64, 0, 2 | (1u << 16), all, false);
    cr_assert_eq(f, all | 2, "rflags 0x%llx", (unsigned long long)f);
    f = popf_result(GP_LONG64, 0, 2 | all, 2, false);
    cr_assert_eq(f, 2, "rflags 0x%llx", (unsigned long long)f);
    /* CPL 3, IOPL 0: IOPL and IF kept, the rest from the image */
    f = popf_result(GP_LONG64, 3, 2 | 0x200, all & ~0x200ULL, false);
    cr_assert_eq(f, (all & ~0x3000ULL) | 0x200 | 2, "rflags 0x%llx", (unsigned long long)f);
    f = popf_result(GP_LONG64, 3, 2, all, false);
    cr_assert_eq(f, (all & ~0x3200ULL) | 2, "rflags 0x%llx", (unsigned long long)f);
    /* CPL 3 with IOPL 3: IF changes, IOPL does not */
    f = popf_result(GP_PROT32, 3, 2 | 0x3000, 0x200, false);
    cr_assert_eq(f, 0x3202, "rflags 0x%llx", (unsigned long long)f);
    /* The 16-bit form at CPL 0: bits 15:0 only (AC and ID kept) */
    f = popf_result(GP_PROT32, 0, 2 | (1u << 18) | (1u << 21), 0x0ed5, true);
    cr_assert_eq(f, 0x0ed7 | (1u << 18) | (1u << 21), "rflags 0x%llx", (unsigned long long)f);
}

Test(x86_stack, pushf_image_has_rf_and_vm_clear)
{
    static const uint8_t c[] = {0x9C, 0x58, 0xF4}; /* pushfq; pop rax; hlt */
    gp_mode(GP_LONG64);
    code(c, sizeof c);
    struct squib_x86_regs g = {.rip = GP_CODE, .rsp = GP_STACK, .rflags = 2 | 0x40 | (1u << 16)};
    set_regs(g);
    g = run_hlt();
    cr_assert_eq(g.rax, 2 | 0x40, "image 0x%llx", (unsigned long long)g.rax);
}

/* ENTER's 32-bit form on a 16-bit stack: the frame pointer (EBP, and the
 * one pushed for level 1) is the whole ESP after pushing EBP, its upper half
 * kept (AMD APM "temp_RBP = RSP"; measured on Zen 4 by
 * test_x86_gp_native_compat.c).  (Regression: it was the 16-bit SP,
 * zero-extended.) */
Test(x86_stack, enter_32_on_a_16_bit_stack_keeps_esp_high)
{
    gp_mode(GP_PROT16);
    struct squib_x86_regs g = {.rsp = 0xabcd8000, .rbp = 0x1234};
    g = EXEC(g, 0x66, 0xC8, 0x08, 0x00, 0x01, /* enter 8, 1 (o32) */
             0xF4);
    cr_assert_eq(g.rbp & 0xffffffff, 0xabcd7ffc, "EBP 0x%llx", (unsigned long long)g.rbp);
    cr_assert_eq(g.rsp & 0xffffffff, 0xabcd7ff0, "ESP 0x%llx", (unsigned long long)g.rsp);
    uint32_t v;
    memcpy(&v, ram + 0x7ff8, 4);
    cr_assert_eq(v, 0xabcd7ffc, "the frame pointer pushed for level 1: 0x%x", v);
    memcpy(&v, ram + 0x7ffc, 4);
    cr_assert_eq(v, 0x1234, "the old EBP");
}
