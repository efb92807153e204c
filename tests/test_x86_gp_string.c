/* String instructions in the interpreter: MOVS STOS LODS CMPS SCAS with and
 * without REP/REPE/REPNE, both directions, the address size choosing the
 * count and pointer registers, segment overrides, in 16-, 32- and 64-bit
 * code. */
#include "tests/x86_gp_harness.h"

TestSuite(x86_string, .init = gp_setup, .fini = gp_teardown);

Test(x86_string, rep_movs_every_size_forward)
{
    gp_mode(GP_LONG64);
    for (int k = 0; k < 64; k++)
        ram[GP_DATA + k] = (uint8_t)(k + 1);
    struct squib_x86_regs g = {.rsi = GP_DATA, .rdi = GP_DATA + 0x100, .rcx = 5};
    g = EXEC(g, 0xF3, 0xA4, /* rep movsb */
             0xF4);
    cr_assert_eq(g.rcx, 0);
    cr_assert_eq(g.rsi, GP_DATA + 5);
    cr_assert_eq(g.rdi, GP_DATA + 0x105);
    cr_assert_eq(memcmp(ram + GP_DATA, ram + GP_DATA + 0x100, 5), 0);
    cr_assert_eq(ram[GP_DATA + 0x105], 0);
    g = (struct squib_x86_regs){.rsi = GP_DATA, .rdi = GP_DATA + 0x200, .rcx = 3};
    g = EXEC(g, 0xF3, 0x48, 0xA5, /* rep movsq */
             0xF4);
    cr_assert_eq(g.rdi, GP_DATA + 0x218);
    cr_assert_eq(memcmp(ram + GP_DATA, ram + GP_DATA + 0x200, 24), 0);
    g = (struct squib_x86_regs){.rsi = GP_DATA, .rdi = GP_DATA + 0x300, .rcx = 2};
    g = EXEC(g, 0xF3, 0x66, 0xA5, /* rep movsw */
             0xF3, 0xA5,          /* rep movsd (rcx is 0 now: nothing) */
             0xF4);
    cr_assert_eq(g.rdi, GP_DATA + 0x304);
    cr_assert_eq(memcmp(ram + GP_DATA, ram + GP_DATA + 0x300, 4), 0);
    cr_assert_eq(ram[GP_DATA + 0x304], 0);
}

Test(x86_string, stos_lods_and_the_direction_flag)
{
    gp_mode(GP_PROT32);
    struct squib_x86_regs g = {.rax = 0xAABBCCDD, .rdi = GP_DATA + 12, .rcx = 4, .rflags = FL_DF};
    g = EXEC(g, 0xF3, 0xAB, /* rep stosd, backwards */
             0xF4);
    cr_assert_eq(g.rdi, GP_DATA - 4);
    for (int k = 0; k < 4; k++) {
        uint32_t v;
        memcpy(&v, ram + GP_DATA + 4 * k, 4);
        cr_assert_eq(v, 0xAABBCCDD);
    }
    ram[GP_DATA + 0x40] = 0x11;
    ram[GP_DATA + 0x41] = 0x22;
    g = (struct squib_x86_regs){.rsi = GP_DATA + 0x40, .rax = 0xFFFFFFFF};
    g = EXEC(g, 0xAC, /* lodsb */
             0xAC,    /* lodsb */
             0xF4);
    cr_assert_eq(g.rax, 0xFFFFFF22, "LODSB writes AL only");
    cr_assert_eq(g.rsi, GP_DATA + 0x42);
}

Test(x86_string, repe_cmps_stops_at_the_first_difference)
{
    gp_mode(GP_PROT32);
    memcpy(ram + GP_DATA, "abcdefgh", 8);
    memcpy(ram + GP_DATA + 0x100, "abcdXfgh", 8);
    struct squib_x86_regs g = {.rsi = GP_DATA, .rdi = GP_DATA + 0x100, .rcx = 8};
    g = EXEC(g, 0xF3, 0xA6, /* repe cmpsb */
             0xF4);
    cr_assert_eq(g.rcx, 3, "stopped after the 5th element");
    cr_assert_eq(g.rsi, GP_DATA + 5);
    cr_assert_eq(g.rflags & FL_ZF, 0);
    cr_assert_eq(g.rflags & FL_CF, 0, "0x65 - 0x58 does not borrow");
}

Test(x86_string, repne_scas_finds_the_byte)
{
    gp_mode(GP_LONG64);
    memcpy(ram + GP_DATA, "hello\0world", 12);
    struct squib_x86_regs g = {.rdi = GP_DATA, .rcx = ~0ULL, .rax = 0};
    g = EXEC(g, 0xF2, 0xAE, /* repne scasb: strlen */
             0xF4);
    cr_assert_eq(g.rdi, GP_DATA + 6);
    cr_assert_eq(~g.rcx - 1, 5, "the strlen idiom");
    cr_assert(g.rflags & FL_ZF);
}

Test(x86_string, address_size_picks_the_registers)
{
    gp_mode(GP_LONG64);
    struct squib_x86_regs g = {.rdi = 0xFFFFFFFF00000000ULL | GP_DATA, .rcx = 0xFFFFFFFF00000002ULL,
                               .rax = 0x5A};
    g = EXEC(g, 0x67, 0xF3, 0xAA, /* rep stos byte [edi], al with a 32-bit address size */
             0xF4);
    cr_assert_eq(ram[GP_DATA], 0x5A);
    cr_assert_eq(ram[GP_DATA + 1], 0x5A);
    cr_assert_eq(g.rcx, 0, "ECX counted (and written as a 32-bit register)");
    cr_assert_eq(g.rdi, GP_DATA + 2);
    gp_mode(GP_REAL);
    ram[0xFFFF] = 0x77;
    g = (struct squib_x86_regs){.rsi = 0xFFFF, .rdi = 0x3000};
    g = EXEC(g, 0xA4, /* movsb at SI = FFFF: SI wraps to 0 */
             0xF4);
    cr_assert_eq(ram[0x3000], 0x77);
    cr_assert_eq(g.rsi & 0xffff, 0);
}

Test(x86_string, segment_override_applies_to_the_source_only)
{
    gp_mode(GP_REAL);
    ram[0x5000 + 0x10] = 0x99;
    static const uint8_t c[] = {
        0xB8, 0x00, 0x05, /* mov ax, 0x500 */
        0x8E, 0xE0,       /* mov fs, ax */
        0xBE, 0x10, 0x00, /* mov si, 0x10 */
        0xBF, 0x00, 0x30, /* mov di, 0x3000 */
        0x64, 0xA4,       /* movsb fs:[si] -> es:[di] */
        0xF4,
    };
    code(c, sizeof c);
    struct squib_x86_regs g = {.rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    run_hlt();
    cr_assert_eq(ram[0x3000], 0x99);
}

Test(x86_string, rep_movs_to_a_device_is_one_exit_per_element)
{
    gp_mode(GP_PROT32);
    memcpy(ram + GP_DATA, "\x01\x02", 2);
    static const uint8_t c[] = {0xF3, 0xA4, 0xF4}; /* rep movsb */
    code(c, sizeof c);
    struct squib_x86_regs g = {.rsi = GP_DATA, .rdi = GP_MMIO, .rcx = 2, .rip = GP_CODE,
                               .rsp = GP_STACK, .rflags = 2};
    set_regs(g);
    for (int k = 0; k < 2; k++) {
        run();
        cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO);
        cr_assert(ex.mmio.write);
        cr_assert_eq(ex.mmio.addr, GP_MMIO + (uint64_t)k);
        cr_assert_eq(ex.mmio.data, (uint64_t)k + 1);
    }
    g = run_hlt();
    cr_assert_eq(g.rcx, 0);
}
