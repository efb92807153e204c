/* Data movement in the interpreter: MOVZX MOVSX MOVSXD, CMOVcc, SETcc, XADD,
 * CMPXCHG, CMPXCHG8B/16B, XCHG/NOP/PAUSE, LAHF/SAHF, XLAT, the NOP Ev forms,
 * in 16-, 32- and 64-bit code. */
#include "tests/x86_gp_harness.h"

TestSuite(x86_move, .init = gp_setup, .fini = gp_teardown);

Test(x86_move, movzx_movsx_movsxd)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rbx = 0x1234, .rcx = 0x8081, .rdx = 0x80000000,
                               .rax = 0xFFFFFFFFFFFFFFFFULL};
    g = EXEC(g, 0x0F, 0xB6, 0xC7,       /* movzx eax, bh */
             0x48, 0x0F, 0xBF, 0xF1,    /* movsx rsi, cx */
             0x66, 0x0F, 0xBE, 0xF9,    /* movsx di, cl */
             0x48, 0x63, 0xEA,          /* movsxd rbp, edx */
             0x4C, 0x0F, 0xB6, 0xC6,    /* movzx r8, sil (REX: SIL, not DH) */
             0xF4);
    cr_assert_eq(g.rax, 0x12);
    cr_assert_eq(g.rsi, 0xFFFFFFFFFFFF8081ULL);
    cr_assert_eq(g.rdi & 0xffff, 0xFF81);
    cr_assert_eq(g.rbp, 0xFFFFFFFF80000000ULL);
    cr_assert_eq(g.r8, 0x81);
    ram[GP_DATA] = 0xFE;
    g = (struct squib_x86_regs){0};
    g = EXEC(g, 0x0F, 0xBE, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00, /* movsx eax, byte [0x2000] */
             0xF4);
    cr_assert_eq(g.rax, 0xFFFFFFFE);
    gp_mode(GP_REAL);
    g = (struct squib_x86_regs){.rbx = 0x80};
    g = EXEC(g, 0x66, 0x0F, 0xBE, 0xC3, /* movsx eax, bl */
             0xF4);
    cr_assert_eq(g.rax, 0xFFFFFF80);
}

Test(x86_move, arpl_outside_64_bit_mode)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 0x0010, .rbx = 0x0003};
    g = EXEC(g, 0x63, 0xD8, /* arpl ax, bx */
             0xF4);
    cr_assert_eq(g.rax, 0x0013);
    cr_assert(g.rflags & FL_ZF);
}

Test(x86_move, cmov_reads_and_zero_extends_even_when_false)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 0xFFFFFFFF00000001ULL, .rbx = 5, .rflags = FL_ZF};
    g = EXEC(g, 0x0F, 0x45, 0xC3, /* cmovne eax, ebx (ZF = 1: no move) */
             0xF4);
    cr_assert_eq(g.rax, 1, "no move, but the 32-bit destination is zero-extended");
    g = (struct squib_x86_regs){.rax = 1, .rbx = 5, .rflags = FL_SF};
    g = EXEC(g, 0x48, 0x0F, 0x4C, 0xC3, /* cmovl rax, rbx (SF != OF) */
             0xF4);
    cr_assert_eq(g.rax, 5);
    g = (struct squib_x86_regs){.rax = 1, .rbx = 5, .rflags = FL_CF};
    g = EXEC(g, 0x66, 0x0F, 0x47, 0xC3, /* cmova ax, bx (CF = 1: no move) */
             0xF4);
    cr_assert_eq(g.rax, 1);
}

Test(x86_move, setcc_all_conditions)
{
    gp_mode(GP_PROT32);
    /* OF=1 CF=0 ZF=1 SF=0 PF=1 */
    static const uint8_t want[16] = {1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0};
    for (unsigned cc = 0; cc < 16; cc++) {
        uint8_t c[] = {0x0F, (uint8_t)(0x90 + cc), 0xC1, /* setcc cl */ 0xF4};
        code(c, sizeof c);
        struct squib_x86_regs g = {.rcx = 0xABCD, .rip = GP_CODE, .rsp = GP_STACK,
                                   .rflags = 2 | FL_OF | FL_ZF | FL_PF};
        set_regs(g);
        g = run_hlt();
        cr_assert_eq(g.rcx, 0xAB00 | want[cc], "cc %u", cc);
    }
    memset(ram + GP_DATA, 0x55, 1);
    struct squib_x86_regs g = {.rflags = FL_CF};
    g = EXEC(g, 0x0F, 0x92, 0x05, 0x00, 0x20, 0x00, 0x00, /* setb [0x2000] */
             0xF4);
    cr_assert_eq(ram[GP_DATA], 1);
}

Test(x86_move, xadd_register_memory_and_same_register)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 0x7FFFFFFF, .rbx = 1};
    g = EXEC(g, 0x0F, 0xC1, 0xD8, /* xadd eax, ebx */
             0xF4);
    cr_assert_eq(g.rax, 0x80000000);
    cr_assert_eq(g.rbx, 0x7FFFFFFF);
    cr_assert_eq(g.rflags & (FL_OF | FL_SF | FL_AF), FL_OF | FL_SF | FL_AF);
    g = (struct squib_x86_regs){.rax = 3};
    g = EXEC(g, 0x48, 0x0F, 0xC1, 0xC0, /* xadd rax, rax: the sum wins */
             0xF4);
    cr_assert_eq(g.rax, 6);
    /* The memory address uses the register that receives the old value. */
    memcpy(ram + GP_DATA + 0x30, "\x10\x00", 2);
    g = (struct squib_x86_regs){.rax = GP_DATA};
    g = EXEC(g, 0x0F, 0xC0, 0x60, 0x30, /* xadd [rax+0x30], ah (AH = 0x20) */
             0xF4);
    cr_assert_eq(ram[GP_DATA + 0x30], 0x10 + 0x20);
    cr_assert_eq(g.rax, 0x1000);
}

Test(x86_move, cmpxchg_equal_and_not_equal)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 0xFFFFFFFF00000005ULL, .rbx = 0xAAAAAAAA00000005ULL,
                               .rcx = 9};
    g = EXEC(g, 0x0F, 0xB1, 0xCB, /* cmpxchg ebx, ecx: equal */
             0xF4);
    cr_assert(g.rflags & FL_ZF);
    cr_assert_eq(g.rbx, 9, "the destination is written (zero-extended)");
    cr_assert_eq(g.rax, 0xFFFFFFFF00000005ULL, "the accumulator is not written");
    g = (struct squib_x86_regs){.rax = 0xFFFFFFFF00000005ULL, .rbx = 0xAAAAAAAA00000007ULL,
                                .rcx = 9};
    g = EXEC(g, 0x0F, 0xB1, 0xCB, /* cmpxchg ebx, ecx: not equal */
             0xF4);
    cr_assert_eq(g.rflags & FL_ZF, 0);
    cr_assert_eq(g.rax, 7);
    cr_assert_eq(g.rbx, 0xAAAAAAAA00000007ULL, "a register destination is not written");
    cr_assert(g.rflags & FL_CF, "flags of CMP 5, 7");
    memcpy(ram + GP_DATA, "\x42", 1);
    g = (struct squib_x86_regs){.rax = 0x42, .rdx = 0x99};
    g = EXEC(g, 0xF0, 0x0F, 0xB0, 0x14, 0x25, 0x00, 0x20, 0x00, 0x00, /* lock cmpxchg [0x2000], dl */
             0xF4);
    cr_assert_eq(ram[GP_DATA], 0x99);
}

Test(x86_move, cmpxchg_to_device_memory_writes_back_the_old_value)
{
    gp_mode(GP_PROT32);
    static const uint8_t c[] = {
        0x0F, 0xB1, 0x0D, 0x00, 0x00, 0x10, 0x00, /* cmpxchg [0x100000], ecx */
        0xF4,
    };
    code(c, sizeof c);
    struct squib_x86_regs g = {.rax = 1, .rcx = 2, .rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO);
    cr_assert(!ex.mmio.write);
    ex.mmio.data = 0x33;
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO);
    cr_assert(ex.mmio.write);
    cr_assert_eq(ex.mmio.data, 0x33);
    g = run_hlt();
    cr_assert_eq(g.rax, 0x33);
}

Test(x86_move, cmpxchg8b_and_16b_change_only_zf)
{
    gp_mode(GP_PROT32);
    memcpy(ram + GP_DATA, "\x01\x00\x00\x00\x02\x00\x00\x00", 8);
    struct squib_x86_regs g = {.rax = 1, .rdx = 2, .rbx = 0x11, .rcx = 0x22, .rsi = GP_DATA,
                               .rflags = FL_CF | FL_SF | FL_OF};
    g = EXEC(g, 0x0F, 0xC7, 0x0E, /* cmpxchg8b [esi] */
             0xF4);
    cr_assert_eq(g.rflags & FL_ARITH, FL_CF | FL_SF | FL_OF | FL_ZF);
    cr_assert_eq(memcmp(ram + GP_DATA, "\x11\x00\x00\x00\x22\x00\x00\x00", 8), 0);
    g = (struct squib_x86_regs){.rax = 1, .rdx = 2, .rsi = GP_DATA};
    g = EXEC(g, 0x0F, 0xC7, 0x0E, /* cmpxchg8b [esi]: not equal now */
             0xF4);
    cr_assert_eq(g.rflags & FL_ZF, 0);
    cr_assert_eq(g.rax, 0x11);
    cr_assert_eq(g.rdx, 0x22);
    gp_mode(GP_LONG64);
    memset(ram + GP_DATA, 0, 16);
    ram[GP_DATA + 8] = 5;
    g = (struct squib_x86_regs){.rax = 0, .rdx = 5, .rbx = 0xB, .rcx = 0xC, .rsi = GP_DATA};
    g = EXEC(g, 0x48, 0x0F, 0xC7, 0x0E, /* cmpxchg16b [rsi] */
             0xF4);
    cr_assert(g.rflags & FL_ZF);
    cr_assert_eq(ram[GP_DATA], 0xB);
    cr_assert_eq(ram[GP_DATA + 8], 0xC);
    /* misaligned: #GP */
    static const uint8_t c[] = {0x48, 0x0F, 0xC7, 0x4E, 0x08, /* cmpxchg16b [rsi+8] */ 0xF4};
    code(c, sizeof c);
    g.rip = GP_CODE;
    set_regs(g);
    run_exception(13, GP_CODE);
    /* register form: #UD */
    static const uint8_t d[] = {0x0F, 0xC7, 0xC8};
    code(d, sizeof d);
    set_regs(g);
    run_exception(6, GP_CODE);
}

Test(x86_move, nop_forms_pause_and_xchg)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 0xFFFFFFFF00000001ULL, .r8 = 2};
    g = EXEC(g, 0x90,                                     /* nop: RAX keeps its upper half */
             0xF3, 0x90,                                  /* pause */
             0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, /* nop dword [rax+rax] */
             0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00,          /* nop word [rax+rax] */
             0x0F, 0x18, 0x08,                            /* prefetcht0 [rax] */
             0x0F, 0x0D, 0x08,                            /* prefetchw [rax] */
             0xF3, 0x0F, 0x1E, 0xFA,                      /* endbr64 */
             0x9B,                                        /* fwait */
             0x41, 0x90,                                  /* xchg eax, r8d */
             0xF4);
    cr_assert_eq(g.rax, 2);
    cr_assert_eq(g.r8, 1);
}

Test(x86_move, lahf_sahf_xlat)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 0xD5 << 8, .rflags = FL_OF};
    g = EXEC(g, 0x9E, /* sahf */
             0xF4);
    cr_assert_eq(g.rflags & FL_ARITH, FL_OF | FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF);
    g = (struct squib_x86_regs){.rax = 0, .rflags = FL_SF | FL_CF | FL_OF};
    g = EXEC(g, 0x9F, /* lahf */
             0xF4);
    cr_assert_eq(g.rax, 0x83 << 8);
    for (int k = 0; k < 16; k++)
        ram[GP_DATA + k] = (uint8_t)(0xA0 + k);
    g = (struct squib_x86_regs){.rax = 0x1105, .rbx = GP_DATA};
    g = EXEC(g, 0xD7, /* xlat */
             0xF4);
    cr_assert_eq(g.rax, 0x11A5);
    gp_mode(GP_REAL);
    g = (struct squib_x86_regs){.rax = 3, .rbx = GP_DATA};
    g = EXEC(g, 0xD7, /* xlat */
             0xF4);
    cr_assert_eq(g.rax, 0xA3);
}

Test(x86_move, movbe_load_and_store)
{
    gp_mode(GP_LONG64);
    memcpy(ram + GP_DATA, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    struct squib_x86_regs g = {.rbx = GP_DATA, .rcx = 0xAABB};
    g = EXEC(g, 0x48, 0x0F, 0x38, 0xF0, 0x03, /* movbe rax, [rbx] */
             0x0F, 0x38, 0xF0, 0x53, 0x04,    /* movbe edx, [rbx+4] */
             0x66, 0x0F, 0x38, 0xF1, 0x4B, 0x08, /* movbe [rbx+8], cx */
             0xF4);
    cr_assert_eq(g.rax, 0x1122334455667788ULL);
    cr_assert_eq(g.rdx, 0x55667788);
    cr_assert_eq(ram[GP_DATA + 8], 0xAA);
    cr_assert_eq(ram[GP_DATA + 9], 0xBB);
    static const uint8_t c[] = {0x0F, 0x38, 0xF0, 0xC1}; /* register form: #UD */
    code(c, sizeof c);
    g.rip = GP_CODE;
    set_regs(g);
    run_exception(6, GP_CODE);
}

Test(x86_move, adcx_adox_use_one_flag_each)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 0xFFFFFFFFFFFFFFFFULL, .rbx = 0, .rcx = 0xFFFFFFFF,
                               .rdx = 1, .rflags = FL_CF | FL_ZF};
    g = EXEC(g, 0x66, 0x48, 0x0F, 0x38, 0xF6, 0xD8, /* adcx rbx, rax: 0 + ~0 + 1 */
             0xF3, 0x0F, 0x38, 0xF6, 0xD1,          /* adox edx, ecx: 1 + ~0 + 0 */
             0xF4);
    cr_assert_eq(g.rbx, 0);
    cr_assert_eq(g.rdx, 0, "32-bit: zero-extended");
    cr_assert_eq(g.rflags & FL_ARITH, FL_CF | FL_OF | FL_ZF, "only CF and OF change");
    gp_mode(GP_PROT32);
    g = (struct squib_x86_regs){.rax = 0xFFFFFFFF, .rbx = 0xFFFFFFFF, .rflags = FL_OF};
    g = EXEC(g, 0xF3, 0x0F, 0x38, 0xF6, 0xD8, /* adox ebx, eax */
             0xF4);
    cr_assert_eq(g.rbx, 0xFFFFFFFF);
    cr_assert_eq(g.rflags & FL_OF, FL_OF);
}
