/* MUL, IMUL (F6/F7 /5, 0F AF, 69, 6B), DIV and IDIV (F6/F7 /4-/7) in the
 * interpreter, in 16-, 32- and 64-bit code: results, CF/OF, the undefined
 * flags as the AMD reference hardware leaves them, and #DE (an
 * INTERNAL_ERROR until exceptions are delivered) that changes nothing. */
#include "tests/x86_gp_harness.h"

TestSuite(x86_muldiv, .init = gp_setup, .fini = gp_teardown);

Test(x86_muldiv, mul_byte_word_dword_qword)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 0x80, .rbx = 0x02, .rflags = FL_ZF | FL_SF};
    g = EXEC(g, 0xF6, 0xE3, /* mul bl */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x100);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF, "AH != 0");
    cr_assert_eq(g.rflags & (FL_ZF | FL_SF), FL_ZF | FL_SF, "SF ZF AF PF are left alone");
    g = (struct squib_x86_regs){.rax = 0x1234, .rbx = 0x10, .rdx = 0xffff};
    g = EXEC(g, 0xF7, 0xE3, /* mul bx */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x2340);
    cr_assert_eq(g.rdx & 0xffff, 0x0001);
    gp_mode(GP_PROT32);
    g = (struct squib_x86_regs){.rax = 0x10, .rcx = 0x10};
    g = EXEC(g, 0xF7, 0xE1, /* mul ecx */
             0xF4);
    cr_assert_eq(g.rax, 0x100);
    cr_assert_eq(g.rdx, 0, "EDX = 0");
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), 0);
    gp_mode(GP_LONG64);
    g = (struct squib_x86_regs){.rax = 0xFFFFFFFFFFFFFFFFULL, .r9 = 0xFFFFFFFFFFFFFFFFULL};
    g = EXEC(g, 0x49, 0xF7, 0xE1, /* mul r9 */
             0xF4);
    cr_assert_eq(g.rax, 1);
    cr_assert_eq(g.rdx, 0xFFFFFFFFFFFFFFFEULL);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF);
}

Test(x86_muldiv, imul_one_operand_sets_cf_of_when_the_high_half_matters)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 0xFFFFFFFF, .rbx = 2}; /* -1 * 2 */
    g = EXEC(g, 0xF7, 0xEB, /* imul ebx */
             0xF4);
    cr_assert_eq(g.rax, 0xFFFFFFFE);
    cr_assert_eq(g.rdx, 0xFFFFFFFF);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), 0, "the high half is only sign");
    g = (struct squib_x86_regs){.rax = 0x80, .rbx = 0xFF}; /* -128 * -1 = 128 */
    g = EXEC(g, 0xF6, 0xEB, /* imul bl */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x0080);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF, "128 does not fit in AL");
    gp_mode(GP_LONG64);
    g = (struct squib_x86_regs){.rax = 0x8000000000000000ULL, .rcx = 2};
    g = EXEC(g, 0x48, 0xF7, 0xE9, /* imul rcx */
             0xF4);
    cr_assert_eq(g.rax, 0);
    cr_assert_eq(g.rdx, 0xFFFFFFFFFFFFFFFFULL);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF);
}

Test(x86_muldiv, imul_two_and_three_operand_forms)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 7, .rbx = 0xFFFFFFFFFFFFFFFDULL};
    g = EXEC(g, 0x48, 0x0F, 0xAF, 0xC3, /* imul rax, rbx */
             0xF4);
    cr_assert_eq(g.rax, (uint64_t)-21);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), 0);
    g = (struct squib_x86_regs){.rcx = 0xFFFFFFFF12345678ULL};
    g = EXEC(g, 0x69, 0xC1, 0x00, 0x00, 0x01, 0x00, /* imul eax, ecx, 0x10000 */
             0xF4);
    cr_assert_eq(g.rax, 0x56780000, "the 32-bit result zero-extends");
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF);
    g = (struct squib_x86_regs){.rdx = 100, .rax = 0xFFFF};
    g = EXEC(g, 0x66, 0x6B, 0xC2, 0xFB, /* imul ax, dx, -5 */
             0xF4);
    cr_assert_eq(g.rax, 0xFE0C, "-500 in AX; the rest of RAX is kept");
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), 0);
    ram[GP_DATA] = 0x40;
    g = (struct squib_x86_regs){.rbx = 4};
    g = EXEC(g, 0x6B, 0x1C, 0x25, 0x00, 0x20, 0x00, 0x00, 0x03, /* imul ebx, [0x2000], 3 */
             0xF4);
    cr_assert_eq(g.rbx, 0xC0);
}

Test(x86_muldiv, div_and_idiv_quotient_and_remainder)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 1000, .rbx = 7, .rflags = FL_CF | FL_OF | FL_ZF | FL_SF | FL_PF};
    g = EXEC(g, 0xF6, 0xF3, /* div bl: 1000 = 7 * 142 + 6 */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 6 << 8 | 142);
    cr_assert_eq(g.rflags & FL_ARITH, FL_CF | FL_OF | FL_AF,
                 "SF ZF PF cleared, AF set, CF OF kept (AMD); flags 0x%llx",
                 (unsigned long long)g.rflags);
    g = (struct squib_x86_regs){.rax = (uint16_t)-705, .rbx = 7};
    g = EXEC(g, 0xF6, 0xFB, /* idiv bl: -705 = 7 * -100 - 5 */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0xFB9C);
    gp_mode(GP_PROT32);
    g = (struct squib_x86_regs){.rdx = 1, .rax = 0, .rcx = 0x10};
    g = EXEC(g, 0xF7, 0xF1, /* div ecx: 2^32 / 16 */
             0xF4);
    cr_assert_eq(g.rax, 0x10000000);
    cr_assert_eq(g.rdx, 0);
    gp_mode(GP_LONG64);
    g = (struct squib_x86_regs){.rdx = 0xFFFFFFFFFFFFFFFFULL, .rax = (uint64_t)-17, .rsi = 5};
    g = EXEC(g, 0x48, 0xF7, 0xFE, /* idiv rsi: -17 = 5 * -3 - 2 */
             0xF4);
    cr_assert_eq(g.rax, (uint64_t)-3);
    cr_assert_eq(g.rdx, (uint64_t)-2);
    g = (struct squib_x86_regs){.rdx = 0x7, .rax = 0, .rsi = 0x10};
    g = EXEC(g, 0x48, 0xF7, 0xF6, /* div rsi: (7 << 64) / 16 */
             0xF4);
    cr_assert_eq(g.rax, 0x7000000000000000ULL);
    g = (struct squib_x86_regs){.rdx = 0xFFFFFFFFFFFFFFFFULL, .rax = 0x8000000000000000ULL,
                                .rsi = 1};
    g = EXEC(g, 0x48, 0xF7, 0xFE, /* idiv rsi: INT64_MIN / 1 fits */
             0xF4);
    cr_assert_eq(g.rax, 0x8000000000000000ULL);
}

Test(x86_muldiv, idiv_allows_the_most_negative_quotient)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = (uint16_t)-256, .rbx = 2};
    g = EXEC(g, 0xF6, 0xFB, /* idiv bl: -256 / 2 = -128 fits */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x80);
}

Test(x86_muldiv, divide_error_is_delivered_and_changes_nothing)
{
    gp_mode(GP_PROT32);
    static const uint8_t c[] = {0xF7, 0xF1, /* div ecx */ 0xF4};
    code(c, sizeof c);
    struct squib_x86_regs g = {.rax = 5, .rdx = 6, .rcx = 0, .rip = GP_CODE, .rsp = GP_STACK,
                               .rflags = 2};
    set_regs(g);
    run_exception(0, GP_CODE);
    struct squib_x86_regs h = regs();
    cr_assert_eq(h.rax, 5);
    cr_assert_eq(h.rdx, 6);
    /* quotient overflow: 2^32 / 1 does not fit */
    g.rdx = 1;
    g.rcx = 1;
    set_regs(g);
    run_exception(0, GP_CODE);
    /* IDIV: -128 / -1 = 128 does not fit in a byte */
    gp_mode(GP_REAL);
    static const uint8_t d[] = {0xF6, 0xFB, /* idiv bl */ 0xF4};
    code(d, sizeof d);
    g = (struct squib_x86_regs){.rax = (uint16_t)-128, .rbx = 0xFF, .rip = GP_CODE,
                                .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run_exception(0, GP_CODE);
    gp_mode(GP_LONG64);
    static const uint8_t e[] = {0x48, 0xF7, 0xF9, /* idiv rcx */ 0xF4};
    code(e, sizeof e);
    g = (struct squib_x86_regs){.rax = 0x8000000000000000ULL, .rdx = 0xFFFFFFFFFFFFFFFFULL,
                                .rcx = (uint64_t)-1, .rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run_exception(0, GP_CODE); /* INT64_MIN / -1 */
}

Test(x86_muldiv, memory_source_from_a_device_reexecutes)
{
    gp_mode(GP_PROT32);
    static const uint8_t c[] = {
        0xF7, 0x25, 0x00, 0x00, 0x10, 0x00, /* mul dword [0x100000] */
        0xF4,
    };
    code(c, sizeof c);
    struct squib_x86_regs g = {.rax = 3, .rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO);
    cr_assert(!ex.mmio.write);
    cr_assert_eq(ex.mmio.size, 4);
    ex.mmio.data = 0x80000000;
    g = run_hlt();
    cr_assert_eq(g.rax, 0x80000000);
    cr_assert_eq(g.rdx, 1);
}
