/* Decimal adjustment in the interpreter: DAA DAS AAA AAS AAM AAD and SALC
 * in 16- and 32-bit code (the SDM Vol. 2 pseudocode and its DAA example),
 * #DE for AAM 0 and #UD in 64-bit mode. */
#include "tests/x86_gp_harness.h"

TestSuite(x86_bcd, .init = gp_setup, .fini = gp_teardown);

#define SZAPC (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)

Test(x86_bcd, daa_after_add_as_in_the_sdm_example)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 0x79, .rbx = 0x35};
    g = EXEC(g, 0x00, 0xD8, /* add al, bl -> 0xAE */
             0x27,          /* daa */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x14, "79 + 35 = 114");
    cr_assert_eq(g.rflags & SZAPC, FL_AF | FL_PF | FL_CF);
    g = (struct squib_x86_regs){.rax = 0x38, .rbx = 0x45};
    g = EXEC(g, 0x00, 0xD8, 0x27, 0xF4); /* 38 + 45 = 83 */
    cr_assert_eq(g.rax & 0xff, 0x83);
    cr_assert_eq(g.rflags & (FL_CF | FL_SF), FL_SF);
    g = (struct squib_x86_regs){.rax = 0x99, .rbx = 0x01};
    g = EXEC(g, 0x00, 0xD8, 0x27, 0xF4); /* 99 + 1 = 100 */
    cr_assert_eq(g.rax & 0xff, 0x00);
    cr_assert_eq(g.rflags & (FL_CF | FL_ZF | FL_AF), FL_CF | FL_ZF | FL_AF);
}

Test(x86_bcd, das_after_sub)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 0x35, .rbx = 0x47};
    g = EXEC(g, 0x28, 0xD8, /* sub al, bl -> 0xEE, CF AF */
             0x2F,          /* das */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x88, "35 - 47 = -12: 88 with a borrow");
    cr_assert_eq(g.rflags & (FL_CF | FL_AF), FL_CF | FL_AF);
    g = (struct squib_x86_regs){.rax = 0x47, .rbx = 0x35};
    g = EXEC(g, 0x28, 0xD8, 0x2F, 0xF4); /* 47 - 35 = 12 */
    cr_assert_eq(g.rax & 0xff, 0x12);
    cr_assert_eq(g.rflags & (FL_CF | FL_AF), 0);
}

Test(x86_bcd, aaa_aas_unpacked)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 0x0008, .rbx = 0x07};
    g = EXEC(g, 0x00, 0xD8, /* add al, bl -> 0x0F */
             0x37,          /* aaa */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x0105, "8 + 7 = 15: AH 1, AL 5");
    cr_assert_eq(g.rflags & (FL_CF | FL_AF), FL_CF | FL_AF);
    g = (struct squib_x86_regs){.rax = 0x0304};
    g = EXEC(g, 0x37, 0xF4); /* aaa with nothing to adjust: AL &= 0F */
    cr_assert_eq(g.rax & 0xffff, 0x0304);
    cr_assert_eq(g.rflags & (FL_CF | FL_AF), 0);
    g = (struct squib_x86_regs){.rax = 0x0202, .rbx = 0x05};
    g = EXEC(g, 0x28, 0xD8, /* sub al, bl -> 0xFD, AF */
             0x3F,          /* aas */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x0107, "22 - 5 = 17");
    cr_assert_eq(g.rflags & (FL_CF | FL_AF), FL_CF | FL_AF);
}

Test(x86_bcd, aam_aad_with_any_base)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 0x3F};
    g = EXEC(g, 0xD4, 0x0A, /* aam */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x0603);
    g = EXEC(g, 0xD5, 0x0A, /* aad */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x003F);
    cr_assert_eq(g.rflags & (FL_SF | FL_ZF | FL_PF), FL_PF, "0x3F has even parity");
    g = (struct squib_x86_regs){.rax = 0x3F};
    g = EXEC(g, 0xD4, 0x10, /* aam 16 */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x030F);
    g = (struct squib_x86_regs){.rax = 0x0000};
    g = EXEC(g, 0xD4, 0x0A, 0xF4); /* aam of 0 */
    cr_assert(g.rflags & FL_ZF);
}

Test(x86_bcd, aam_0_is_a_divide_error)
{
    gp_mode(GP_REAL);
    static const uint8_t c[] = {0xD4, 0x00};
    code(c, sizeof c);
    struct squib_x86_regs g = {.rax = 0x1234, .rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run_exception(0, GP_CODE);
    cr_assert_eq(regs().rax, 0x1234);
}

Test(x86_bcd, salc)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 0x1200, .rflags = FL_CF};
    g = EXEC(g, 0xD6, 0xF4);
    cr_assert_eq(g.rax, 0x12FF);
    g = (struct squib_x86_regs){.rax = 0x12FF};
    g = EXEC(g, 0xD6, 0xF4);
    cr_assert_eq(g.rax, 0x1200);
}

Test(x86_bcd, all_are_invalid_in_64_bit_mode)
{
    static const uint8_t ops[] = {0x27, 0x2F, 0x37, 0x3F, 0xD4, 0xD5, 0xD6};
    for (size_t k = 0; k < sizeof ops; k++) {
        gp_mode(GP_LONG64);
        uint8_t c[] = {ops[k], 0x0A};
        code(c, sizeof c);
        run_exception(6, GP_CODE);
    }
}

/* The flags the SDM leaves undefined, as the reference hardware (AMD Zen 4)
 * sets them (measured by test_x86_gp_native_compat.c, which compares them
 * only on AMD hosts; these cases check them everywhere).  (Regression: OF
 * was always clear, AAA/AAS took SF ZF PF from the masked AL, AAD cleared
 * CF AF OF.) */
Test(x86_bcd, undefined_flags_as_zen4_sets_them)
{
    gp_mode(GP_PROT32);
    /* DAA: OF of one ADD AL, 66H: 5a + 66 = c0 overflows */
    struct squib_x86_regs g = {.rax = 0x2c5a, .rflags = 0xe87};
    g = EXEC(g, 0x27, 0xF4);
    cr_assert_eq(g.rax & 0xff, 0xc0);
    cr_assert_eq(g.rflags & FL_ARITH, 0xe97 & FL_ARITH, "flags 0x%llx", (unsigned long long)g.rflags);
    /* AAA: SF ZF PF OF of AX + 106H before the mask: 7780 + 106 = 7886 */
    gp_mode(GP_PROT16);
    g = (struct squib_x86_regs){.rax = 0x7780, .rflags = 0x207};
    g = EXEC(g, 0x37, 0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x7700);
    cr_assert_eq(g.rflags & FL_ARITH, 0x202 & FL_ARITH, "flags 0x%llx", (unsigned long long)g.rflags);
    /* AAD 10: the flags of ADD AL, (AH * 10) & FFH: 64 + 4e = b2 */
    gp_mode(GP_PROT32);
    g = (struct squib_x86_regs){.rax = 0x9e1fbb64};
    g = EXEC(g, 0xD5, 0x0A, 0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x00b2);
    cr_assert_eq(g.rflags & FL_ARITH, 0xa96 & FL_ARITH, "flags 0x%llx", (unsigned long long)g.rflags);
}
