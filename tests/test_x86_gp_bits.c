/* Bit instructions in the interpreter: BT BTS BTR BTC (register and Ib
 * forms, memory bit strings with signed offsets), BSF BSR, LZCNT, POPCNT,
 * TZCNT (BSF while CPUID does not advertise BMI1), BSWAP. */
#include "tests/x86_gp_harness.h"

TestSuite(x86_bits, .init = gp_setup, .fini = gp_teardown);

Test(x86_bits, bt_family_on_registers)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 0x10, .rcx = 36, .rflags = FL_ZF};
    g = EXEC(g, 0x0F, 0xA3, 0xC8, /* bt eax, ecx: 36 mod 32 = bit 4 */
             0xF4);
    cr_assert(g.rflags & FL_CF);
    cr_assert(g.rflags & FL_ZF, "ZF is unaffected");
    g = (struct squib_x86_regs){.rax = 0x10, .rcx = 3};
    g = EXEC(g, 0x0F, 0xAB, 0xC8, /* bts eax, ecx */
             0x0F, 0xBA, 0xF0, 0x04, /* btr eax, 4 */
             0x0F, 0xBB, 0xC8,       /* btc eax, ecx (bit 3 again) */
             0xF4);
    cr_assert_eq(g.rax, 0);
    cr_assert(g.rflags & FL_CF, "BTC saw bit 3 set");
    gp_mode(GP_LONG64);
    g = (struct squib_x86_regs){.rax = 0, .rcx = 63};
    g = EXEC(g, 0x48, 0x0F, 0xAB, 0xC8, /* bts rax, rcx */
             0x48, 0x0F, 0xBA, 0xF8, 0x7F, /* btc rax, 127 -> bit 63 */
             0xF4);
    cr_assert_eq(g.rax, 0);
    cr_assert(g.rflags & FL_CF);
    g = (struct squib_x86_regs){.rax = 0xFFFFFFFF00000000ULL, .rcx = 1};
    g = EXEC(g, 0x0F, 0xAB, 0xC8, /* bts eax, ecx: a 32-bit write zero-extends */
             0xF4);
    cr_assert_eq(g.rax, 2);
}

Test(x86_bits, bt_memory_offsets_are_signed_and_unmasked)
{
    gp_mode(GP_PROT32);
    memset(ram + GP_DATA - 16, 0, 32);
    struct squib_x86_regs g = {.rcx = 35, .rbx = GP_DATA};
    g = EXEC(g, 0x0F, 0xAB, 0x0B, /* bts [ebx], ecx: byte 4, bit 3 */
             0xF4);
    cr_assert_eq(ram[GP_DATA + 4], 0x08);
    cr_assert_eq(ram[GP_DATA], 0);
    g = (struct squib_x86_regs){.rcx = (uint32_t)-1, .rbx = GP_DATA};
    g = EXEC(g, 0x0F, 0xAB, 0x0B, /* bts [ebx], ecx with -1: bit 31 of the dword below */
             0xF4);
    cr_assert_eq(ram[GP_DATA - 1], 0x80);
    cr_assert_eq(g.rflags & FL_CF, 0);
    g = (struct squib_x86_regs){.rcx = (uint32_t)-1, .rbx = GP_DATA};
    g = EXEC(g, 0x0F, 0xA3, 0x0B, /* bt [ebx], ecx */
             0xF4);
    cr_assert(g.rflags & FL_CF);
    /* 16-bit operand: the offset is a signed word */
    gp_mode(GP_REAL);
    g = (struct squib_x86_regs){.rcx = 0xFFF0, .rbx = GP_DATA};
    g = EXEC(g, 0x0F, 0xBB, 0x0F, /* btc [bx], cx: -16 = bit 0 of the word at bx-2 */
             0xF4);
    cr_assert_eq(ram[GP_DATA - 2], 0x01);
    /* Ib forms take the immediate modulo the width, even in memory */
    g = (struct squib_x86_regs){.rbx = GP_DATA};
    g = EXEC(g, 0x0F, 0xBA, 0x2F, 0x11, /* bts word [bx], 0x11 -> bit 1 */
             0xF4);
    cr_assert_eq(ram[GP_DATA], 0x02);
}

Test(x86_bits, bsf_bsr_and_the_zero_source)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rcx = 0x00F0, .rax = 0x1234, .rflags = FL_CF | FL_OF | FL_SF};
    g = EXEC(g, 0x48, 0x0F, 0xBC, 0xC1, /* bsf rax, rcx */
             0x48, 0x0F, 0xBD, 0xD1,       /* bsr rdx, rcx */
             0xF4);
    cr_assert_eq(g.rax, 4);
    cr_assert_eq(g.rdx, 7);
    cr_assert_eq(g.rflags & FL_ARITH, 0, "BSR 7: ZF 0, PF from 7 (odd) 0, CF OF SF AF cleared");
    g = (struct squib_x86_regs){.rcx = 0, .rax = 0xFFFFFFFF12345678ULL};
    g = EXEC(g, 0x0F, 0xBC, 0xC1, /* bsf eax, ecx with ecx = 0 */
             0xF4);
    cr_assert_eq(g.rax, 0xFFFFFFFF12345678ULL, "all 64 bits unchanged (QEMU differs)");
    cr_assert_eq(g.rflags & FL_ARITH, FL_ZF | FL_PF);
    g = (struct squib_x86_regs){.rcx = 0x30};
    g = EXEC(g, 0x66, 0x0F, 0xBD, 0xC1, /* bsr ax, cx */
             0xF4);
    cr_assert_eq(g.rax, 5);
    cr_assert_eq(g.rflags & FL_ARITH, FL_PF);
}

Test(x86_bits, lzcnt_popcnt_and_f3_bsf)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rcx = 0x0000000000F00000ULL, .rflags = FL_OF | FL_SF};
    g = EXEC(g, 0xF3, 0x48, 0x0F, 0xBD, 0xC1, /* lzcnt rax, rcx */
             0xF4);
    cr_assert_eq(g.rax, 40);
    cr_assert_eq(g.rflags & FL_ARITH, FL_OF, "CF = ZF = 0, SF cleared, OF kept (AMD)");
    g = (struct squib_x86_regs){.rcx = 0};
    g = EXEC(g, 0x66, 0xF3, 0x0F, 0xBD, 0xC1, /* lzcnt ax, cx */
             0xF4);
    cr_assert_eq(g.rax, 16);
    cr_assert_eq(g.rflags & (FL_CF | FL_ZF), FL_CF);
    g = (struct squib_x86_regs){.rcx = 0x8000000000000000ULL};
    g = EXEC(g, 0xF3, 0x48, 0x0F, 0xBD, 0xC1, /* lzcnt rax, rcx */
             0xF4);
    cr_assert_eq(g.rax, 0);
    cr_assert_eq(g.rflags & (FL_CF | FL_ZF), FL_ZF);
    g = (struct squib_x86_regs){.rcx = 0xF0F0F0F0F0F0F0F1ULL, .rflags = FL_CF | FL_OF};
    g = EXEC(g, 0xF3, 0x48, 0x0F, 0xB8, 0xC1, /* popcnt rax, rcx */
             0xF4);
    cr_assert_eq(g.rax, 33);
    cr_assert_eq(g.rflags & FL_ARITH, 0);
    g = (struct squib_x86_regs){.rcx = 0};
    g = EXEC(g, 0xF3, 0x0F, 0xB8, 0xC1, /* popcnt eax, ecx */
             0xF4);
    cr_assert_eq(g.rflags & FL_ARITH, FL_ZF);
    /* Without BMI1 in CPUID, F3 0F BC is BSF (the prefix is ignored). */
    g = (struct squib_x86_regs){.rcx = 0, .rax = 77};
    g = EXEC(g, 0xF3, 0x0F, 0xBC, 0xC1, /* rep bsf eax, ecx */
             0xF4);
    cr_assert_eq(g.rax, 77);
    cr_assert(g.rflags & FL_ZF);
}

Test(x86_bits, popcnt_without_f3_is_ud)
{
    gp_mode(GP_PROT32);
    static const uint8_t c[] = {0x0F, 0xB8, 0xC1}; /* jmpe (IA-64) */
    code(c, sizeof c);
    run_exception(6, GP_CODE);
}

Test(x86_bits, bswap)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 0x1122334455667788ULL, .r9 = 0x0102030405060708ULL};
    g = EXEC(g, 0x0F, 0xC8,       /* bswap eax */
             0x49, 0x0F, 0xC9,   /* bswap r9 */
             0xF4);
    cr_assert_eq(g.rax, 0x88776655);
    cr_assert_eq(g.r9, 0x0807060504030201ULL);
    g = (struct squib_x86_regs){.rbx = 0x1122334455667788ULL};
    g = EXEC(g, 0x66, 0x0F, 0xCB, /* bswap bx: undefined; 0 as on hardware */
             0xF4);
    cr_assert_eq(g.rbx, 0x1122334455660000ULL);
}
