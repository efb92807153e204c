/* Group 2 shifts and rotates (C0 C1 D0-D3) and SHLD/SHRD (0F A4 A5 AC AD)
 * in the interpreter: results, CF/OF rules, count masking, count 0, memory
 * operands, and 16-, 32- and 64-bit code.  Expected values follow the SDM
 * Vol. 2 pseudocode; flags it leaves undefined are not checked except where
 * the comment says which choice the interpreter makes. */
#include "tests/x86_gp_harness.h"

TestSuite(x86_shift, .init = gp_setup, .fini = gp_teardown);

#define F(g) ((g).rflags & FL_ARITH)

Test(x86_shift, shl_shr_sar_by_one_in_real_mode)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 0x8001};
    g = EXEC(g, 0xD1, 0xE0, /* shl ax, 1 */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x0002);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF | FL_ZF | FL_SF | FL_PF), FL_CF | FL_OF,
                 "CF = bit out, OF = MSB ^ CF; flags 0x%llx", (unsigned long long)g.rflags);
    g = (struct squib_x86_regs){.rax = 0x81};
    g = EXEC(g, 0xD0, 0xE8, /* shr al, 1 */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x40);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF, "SHR: OF = MSB of the original");
    g = (struct squib_x86_regs){.rax = 0x81};
    g = EXEC(g, 0xD0, 0xF8, /* sar al, 1 */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0xC0);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF | FL_SF), FL_CF | FL_SF, "SAR by 1: OF = 0");
}

Test(x86_shift, rotates_by_one_set_cf_and_of)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 0x81};
    g = EXEC(g, 0xD0, 0xC0, /* rol al, 1 */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x03);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF);
    g = (struct squib_x86_regs){.rax = 0x81};
    g = EXEC(g, 0xD0, 0xC8, /* ror al, 1 */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0xC0);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF, "ROR: OF = MSB ^ next bit = 0");
    g = (struct squib_x86_regs){.rax = 0x81};
    g = EXEC(g, 0xD0, 0xD0, /* rcl al, 1 (CF = 0) */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x02);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF);
    g = (struct squib_x86_regs){.rax = 0x81, .rflags = FL_CF};
    g = EXEC(g, 0xD0, 0xD8, /* rcr al, 1 (CF = 1) */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0xC0);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF);
    /* Rotates leave SF ZF PF AF alone. */
    g = (struct squib_x86_regs){.rax = 0x80, .rflags = FL_ZF | FL_PF | FL_AF | FL_SF};
    g = EXEC(g, 0xD0, 0xC0, /* rol al, 1 */
             0xF4);
    cr_assert_eq(g.rflags & (FL_ZF | FL_PF | FL_AF | FL_SF), FL_ZF | FL_PF | FL_AF | FL_SF);
}

Test(x86_shift, rcl_rcr_go_through_carry_modulo_width_plus_one)
{
    gp_mode(GP_REAL);
    /* rcl al, 9 on 8 bits rotates 9 mod 9 = 0: value and CF unchanged. */
    struct squib_x86_regs g = {.rax = 0x5A, .rflags = FL_CF};
    g = EXEC(g, 0xC0, 0xD0, 0x09, /* rcl al, 9 */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x5A);
    cr_assert(g.rflags & FL_CF);
    /* rcl ax, 4 with CF = 1: the 17-bit CF:AX = 1:0x1234 rotates to 0x12348, so
     * AX = 0x2348 (the old CF lands in bit 3) and CF = old bit 12 = 1 */
    g = (struct squib_x86_regs){.rax = 0x1234, .rflags = FL_CF};
    g = EXEC(g, 0xC1, 0xD0, 0x04, /* rcl ax, 4 */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x2348, "0x%llx", (unsigned long long)g.rax);
    cr_assert(g.rflags & FL_CF);
    /* rcr eax, 1 with CF = 1 in 32-bit code */
    gp_mode(GP_PROT32);
    g = (struct squib_x86_regs){.rax = 0x2, .rflags = FL_CF};
    g = EXEC(g, 0xD1, 0xD8, /* rcr eax, 1 */
             0xF4);
    cr_assert_eq(g.rax, 0x80000001);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_OF);
}

Test(x86_shift, count_is_masked_and_zero_changes_no_flag)
{
    gp_mode(GP_PROT32);
    /* shl eax, cl with cl = 33: the count is 33 & 31 = 1 */
    struct squib_x86_regs g = {.rax = 0x40000000, .rcx = 33};
    g = EXEC(g, 0xD3, 0xE0, /* shl eax, cl */
             0xF4);
    cr_assert_eq(g.rax, 0x80000000);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF | FL_SF), FL_OF | FL_SF);
    /* cl = 32: masked to 0, no flag changes */
    g = (struct squib_x86_regs){.rax = 0x1234, .rcx = 32, .rflags = FL_CF | FL_ZF | FL_OF};
    g = EXEC(g, 0xD3, 0xE8, /* shr eax, cl */
             0xF4);
    cr_assert_eq(g.rax, 0x1234);
    cr_assert_eq(F(g), FL_CF | FL_ZF | FL_OF);
    /* 8-bit operands mask to 5 bits too: shl al, 10 moves everything out */
    g = (struct squib_x86_regs){.rax = 0xff, .rcx = 10};
    g = EXEC(g, 0xD2, 0xE0, /* shl al, cl */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0);
    cr_assert(g.rflags & FL_ZF);
    cr_assert_eq(g.rflags & FL_CF, 0, "the last bit out is past bit 7: 0");
    /* sar al, 9: all sign */
    g = (struct squib_x86_regs){.rax = 0x80, .rcx = 9};
    g = EXEC(g, 0xD2, 0xF8, /* sar al, cl */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0xff);
    cr_assert(g.rflags & FL_CF);
}

Test(x86_shift, rol_by_the_width_sets_cf_from_bit_0)
{
    gp_mode(GP_PROT32);
    /* rol al, 8: 8 mod 8 = 0 but the masked count is 8, so CF = LSB */
    struct squib_x86_regs g = {.rax = 0x81};
    g = EXEC(g, 0xC0, 0xC0, 0x08, /* rol al, 8 */
             0xF4);
    cr_assert_eq(g.rax & 0xff, 0x81);
    cr_assert(g.rflags & FL_CF);
    /* ror eax, 4 */
    g = (struct squib_x86_regs){.rax = 0x12345678};
    g = EXEC(g, 0xC1, 0xC8, 0x04, /* ror eax, 4 */
             0xF4);
    cr_assert_eq(g.rax, 0x81234567);
    cr_assert(g.rflags & FL_CF);
}

Test(x86_shift, sixty_four_bit_counts_and_zero_extension)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rax = 3};
    g = EXEC(g, 0x48, 0xC1, 0xE0, 0x3F, /* shl rax, 63 */
             0xF4);
    cr_assert_eq(g.rax, 0x8000000000000000ULL);
    cr_assert(g.rflags & FL_CF, "bit 1 of 3 is the last out");
    /* shr rax, cl with cl = 64 + 4: masked to 6 bits = 4 */
    g = (struct squib_x86_regs){.rax = 0xF0, .rcx = 68};
    g = EXEC(g, 0x48, 0xD3, 0xE8, /* shr rax, cl */
             0xF4);
    cr_assert_eq(g.rax, 0xF);
    /* sar r9, 1 */
    g = (struct squib_x86_regs){.r9 = 0x8000000000000001ULL};
    g = EXEC(g, 0x49, 0xD1, 0xF9, /* sar r9, 1 */
             0xF4);
    cr_assert_eq(g.r9, 0xC000000000000000ULL);
    cr_assert(g.rflags & FL_CF);
    /* 32-bit shift by 0 still writes the register: the upper half clears */
    g = (struct squib_x86_regs){.rax = 0xFFFFFFFF00000001ULL, .rcx = 0};
    g = EXEC(g, 0xD3, 0xE0, /* shl eax, cl */
             0xF4);
    cr_assert_eq(g.rax, 1);
    /* rcl r8b, 1 (REX byte register) */
    g = (struct squib_x86_regs){.r8 = 0x180};
    g = EXEC(g, 0x41, 0xD0, 0xD0, /* rcl r8b, 1 */
             0xF4);
    cr_assert_eq(g.r8, 0x100);
    cr_assert(g.rflags & FL_CF);
}

Test(x86_shift, memory_operands_read_modify_write)
{
    gp_mode(GP_REAL);
    ram[GP_DATA] = 0x34;
    ram[GP_DATA + 1] = 0x12;
    struct squib_x86_regs g = {0};
    g = EXEC(g, 0xC1, 0x26, 0x00, 0x20, 0x04, /* shl word [0x2000], 4 */
             0xD0, 0x0E, 0x02, 0x20,       /* ror byte [0x2002], 1 */
             0xF4);
    cr_assert_eq(ram[GP_DATA], 0x40);
    cr_assert_eq(ram[GP_DATA + 1], 0x23);
    cr_assert_eq(ram[GP_DATA + 2], 0);
    cr_assert_eq(g.rip, GP_CODE + 10);
}

Test(x86_shift, shift_of_device_memory_reads_then_writes)
{
    gp_mode(GP_PROT32);
    static const uint8_t c[] = {
        0xD1, 0x25, 0x00, 0x00, 0x10, 0x00, /* shl dword [0x100000], 1 */
        0xF4,
    };
    code(c, sizeof c);
    struct squib_x86_regs g = regs();
    set_regs(g);
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO);
    cr_assert(!ex.mmio.write);
    ex.mmio.data = 0x80000001;
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO);
    cr_assert(ex.mmio.write);
    cr_assert_eq(ex.mmio.data, 2);
    g = run_hlt();
    cr_assert(g.rflags & FL_CF);
}

Test(x86_shift, shld_shrd_imm_and_cl)
{
    gp_mode(GP_REAL);
    struct squib_x86_regs g = {.rax = 0x1234, .rbx = 0x5678};
    g = EXEC(g, 0x0F, 0xA4, 0xD8, 0x04, /* shld ax, bx, 4 */
             0xF4);
    cr_assert_eq(g.rax & 0xffff, 0x2345);
    cr_assert(g.rflags & FL_CF, "bit 12 of 0x1234");
    gp_mode(GP_PROT32);
    g = (struct squib_x86_regs){.rax = 0x12345678, .rbx = 0x9abcdef0};
    g = EXEC(g, 0x0F, 0xAC, 0xD8, 0x08, /* shrd eax, ebx, 8 */
             0xF4);
    cr_assert_eq(g.rax, 0xf0123456);
    cr_assert_eq(g.rflags & (FL_CF | FL_SF), FL_SF);
    gp_mode(GP_LONG64);
    g = (struct squib_x86_regs){.rax = 0x8000000000000001ULL, .rdx = 0xC000000000000000ULL, .rcx = 2};
    g = EXEC(g, 0x48, 0x0F, 0xA5, 0xD0, /* shld rax, rdx, cl */
             0xF4);
    cr_assert_eq(g.rax, 0x7);
    cr_assert_eq(g.rflags & FL_CF, 0);
    g = (struct squib_x86_regs){.rax = 0x1, .rdx = 0x1, .rcx = 1};
    g = EXEC(g, 0x48, 0x0F, 0xAD, 0xD0, /* shrd rax, rdx, cl */
             0xF4);
    cr_assert_eq(g.rax, 0x8000000000000000ULL);
    cr_assert_eq(g.rflags & (FL_CF | FL_OF), FL_CF | FL_OF, "count 1: OF = sign change");
    /* count 0: nothing changes */
    g = (struct squib_x86_regs){.rax = 0x5, .rdx = 0xff, .rcx = 64, .rflags = FL_ZF};
    g = EXEC(g, 0x48, 0x0F, 0xAD, 0xD0, /* shrd rax, rdx, cl (64 & 63 = 0) */
             0xF4);
    cr_assert_eq(g.rax, 0x5);
    cr_assert_eq(F(g), FL_ZF);
}

Test(x86_shift, shld_memory_destination)
{
    gp_mode(GP_PROT32);
    memcpy(ram + GP_DATA, "\x78\x56\x34\x12", 4);
    struct squib_x86_regs g = {.rbx = 0xAB000000, .rcx = 8};
    g = EXEC(g, 0x0F, 0xA5, 0x1D, 0x00, 0x20, 0x00, 0x00, /* shld [0x2000], ebx, cl */
             0xF4);
    uint32_t v;
    memcpy(&v, ram + GP_DATA, 4);
    cr_assert_eq(v, 0x345678AB, "0x%x", v);
}

Test(x86_shift, sal_alias_slash_6_is_shl)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 0x3};
    g = EXEC(g, 0xC1, 0xF0, 0x02, /* sal eax, 2 (/6) */
             0xF4);
    cr_assert_eq(g.rax, 0xC);
}
