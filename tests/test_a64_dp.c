/* tests/test_a64_dp.c: A64 bitfield, conditional, multiply/divide, shift,
 * CRC and 1-source instructions through the public API.
 *
 * Same idiom as test_a64_core.c: raw instruction words with their assembly
 * (GNU as, linked at CODE), registers set, a run to the HVC #0 that ends the
 * snippet, registers checked.  Expected values were worked out from the Arm
 * ARM pseudocode (C6.2), independently of any emulator.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"


static void setup(void)
{
    a64_fixture_init();
}

static void teardown(void)
{
    a64_fixture_fini();
}

TestSuite(a64_dp, .init = setup, .fini = teardown, .timeout = 30);

/* SBFM/BFM/UBFM through their aliases (C6.2 "SBFM": bot/top/wmask/tmask),
 * EXTR and ROR (immediate). */
Test(a64_dp, bitfield_moves_and_extr)
{
    static const uint32_t code[] = {
        0xd37cec20, /* lsl x0, x1, #4 */
        0x531c7c22, /* lsr w2, w1, #28 */
        0x937cfc23, /* asr x3, x1, #60 */
        0x53042c24, /* ubfx w4, w1, #4, #8 */
        0x93484c25, /* sbfx x5, x1, #8, #12 */
        0xb3783c26, /* bfi x6, x1, #8, #16 */
        0x33146c27, /* bfxil w7, w1, #20, #8 */
        0x93401c28, /* sxtb x8, w1 */
        0x13003c29, /* sxth w9, w1 */
        0x93407c2a, /* sxtw x10, w1 */
        0x53001c2b, /* uxtb w11, w1 */
        0x53003c2c, /* uxth w12, w1 */
        0x93481c2d, /* sbfiz x13, x1, #56, #8 */
        0x53040c2e, /* lsl w14, w1, #28 */
        0xb37cdfef, /* bfc x15, #4, #56 */
        0x93c13030, /* ror x16, x1, #12 */
        0x13941031, /* extr w17, w1, w20, #4 */
        0x93d30032, /* extr x18, x1, x19, #0 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x8edcba98f6543a1bULL;
    R.x[6] = 0x1111111111111111ULL;
    R.x[7] = 0x2222222222222222ULL;
    R.x[15] = ~0ULL;
    R.x[19] = 0x5555aaaa5555aaaaULL;
    R.x[20] = 0x0123456789abcdefULL;
    go_hvc();
    X(0, 0xedcba98f6543a1b0ULL);
    X(2, 0x000000000000000fULL);
    X(3, 0xfffffffffffffff8ULL);
    X(4, 0x00000000000000a1ULL);
    X(5, 0x000000000000043aULL);
    X(6, 0x11111111113a1b11ULL);
    X(7, 0x0000000022222265ULL); /* the upper half of Xd is cleared */
    X(8, 0x000000000000001bULL);
    X(9, 0x0000000000003a1bULL);
    X(10, 0xfffffffff6543a1bULL);
    X(11, 0x000000000000001bULL);
    X(12, 0x0000000000003a1bULL);
    X(13, 0x1b00000000000000ULL);
    X(14, 0x00000000b0000000ULL);
    X(15, 0xf00000000000000fULL);
    X(16, 0xa1b8edcba98f6543ULL);
    X(17, 0x00000000b89abcdeULL);
    X(18, 0x5555aaaa5555aaaaULL);
}

/* N != sf, or immr/imms >= 32 in the 32-bit forms, are unallocated. */
Test(a64_dp, bitfield_reserved_encodings)
{
    static const uint32_t words[] = {
        0x93004c25, /* sbfm x5, x1 with N = 0 (sf = 1) */
        0x13484c25, /* sbfm w5, w1 with N = 1 (sf = 0) */
        0x13204c25, /* sbfm w5, w1, immr = 32 */
        0x13002025 | (32u << 10), /* sbfm w5, w1, imms = 40 */
        0x13c21031, /* extr w17 with N = 1 */
        0x13822031 | (1u << 15), /* extr w17, imms = 40 */
    };
    vectors_install();
    for (unsigned k = 0; k < N(words); k++) {
        uint32_t code[2] = {words[k], HVC0};
        load(code, 2);
        R.pstate = 0x3c5;
        expect_undefined(CODE);
    }
}

Test(a64_dp, conditional_select_and_compare)
{
    static const uint32_t code[] = {
        0xeb02003f, /* cmp x1, x2 */
        0x9a82b023, /* csel x3, x1, x2, lt */
        0x9a82a424, /* csinc x4, x1, x2, ge */
        0x5a82a025, /* csinv w5, w1, w2, ge */
        0xda820426, /* csneg x6, x1, x2, eq */
        0x1a9fa7e7, /* cset w7, lt */
        0xda9fb3e8, /* csetm x8, ge */
        0x9a810429, /* cinc x9, x1, ne */
        0x5a82a44a, /* cneg w10, w2, lt */
        0xfa42a025, /* ccmp x1, x2, #0x5, ge */
        0xd53b420b, /* mrs x11, nzcv */
        0xfa41b025, /* ccmp x1, x1, #0x5, lt */
        0xd53b420c, /* mrs x12, nzcv */
        0x3a431822, /* ccmn w1, #0x3, #0x2, ne */
        0xd53b420d, /* mrs x13, nzcv */
        0x7a5fe840, /* ccmp w2, #0x1f, #0x0, al */
        0xd53b420e, /* mrs x14, nzcv */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = (uint64_t)-5;
    R.x[2] = 7;
    go_hvc();
    /* cmp -5, 7: N C (LT, not GE, NE) */
    X(3, (uint64_t)-5);
    X(4, 8);
    X(5, 0xfffffff8ULL);
    X(6, (uint64_t)-7);
    X(7, 1);
    X(8, 0);
    X(9, (uint64_t)-4);
    X(10, 0xfffffff9ULL);
    X(11, FLAG_Z | FLAG_V);   /* GE false: #nzcv = 0101 */
    X(12, FLAG_Z | FLAG_C);   /* LT (N != V) true: -5 - -5 */
    X(13, FLAG_C);            /* NE false: #nzcv = 0010 */
    X(14, FLAG_N);            /* AL: 7 - 31 in 32 bits */
}

Test(a64_dp, multiply_and_divide)
{
    static const uint32_t code[] = {
        0x9b027c23, /* mul x3, x1, x2 */
        0x1b025024, /* madd w4, w1, w2, w20 */
        0x9b02d025, /* msub x5, x1, x2, x20 */
        0x1b02fc26, /* mneg w6, w1, w2 */
        0x9b227c27, /* smull x7, w1, w2 */
        0x9b22d028, /* smsubl x8, w1, w2, x20 */
        0x9ba27c29, /* umull x9, w1, w2 */
        0x9ba2502a, /* umaddl x10, w1, w2, x20 */
        0x9b427c2b, /* smulh x11, x1, x2 */
        0x9bc27c2c, /* umulh x12, x1, x2 */
        0x9ac2082d, /* udiv x13, x1, x2 */
        0x9ac20c2e, /* sdiv x14, x1, x2 */
        0x1ad60eaf, /* sdiv w15, w21, w22 */
        0x9ad60ef0, /* sdiv x16, x23, x22 */
        0x1adf0831, /* udiv w17, w1, wzr */
        0x9adf0c32, /* sdiv x18, x1, xzr */
        0x1ac20c33, /* sdiv w19, w1, w2 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x9abcdef012345678ULL;
    R.x[2] = 0x00000003fedcba98ULL;
    R.x[20] = 0x1111111111111111ULL;
    R.x[21] = 0x80000000ULL;
    R.x[22] = ~0ULL;
    R.x[23] = 0x8000000000000000ULL;
    R.x[17] = R.x[18] = 0x5a5a;
    go_hvc();
    X(3, 0x191b61f235068740ULL);
    X(4, 0x0000000046179851ULL);
    X(5, 0xf7f5af1edc0a89d1ULL);
    X(6, 0x00000000caf978c0ULL);
    X(7, 0xffeb499235068740ULL);
    X(8, 0x1125c77edc0a89d1ULL);
    X(9, 0x121fa00a35068740ULL);
    X(10, 0x2330b11b46179851ULL);
    X(11, 0xfffffffe6b66b283ULL);
    X(12, 0x000000026a436d1bULL);
    X(13, 0x0000000026ba3bc8ULL);
    X(14, 0xffffffffe6a80243ULL);
    X(15, 0x0000000080000000ULL); /* INT32_MIN / -1 = INT32_MIN */
    X(16, 0x8000000000000000ULL); /* INT64_MIN / -1 = INT64_MIN */
    X(17, 0);                     /* division by zero gives 0 */
    X(18, 0);
    X(19, 0x00000000fffffff1ULL); /* rounds towards zero */
}

Test(a64_dp, variable_shifts_and_crc32)
{
    static const uint32_t code[] = {
        0x9ac22023, /* lsl x3, x1, x2 */
        0x1ac22424, /* lsr w4, w1, w2 */
        0x9ac22825, /* asr x5, x1, x2 */
        0x1ac22826, /* asr w6, w1, w2 */
        0x9ac22c27, /* ror x7, x1, x2 */
        0x1ad42c28, /* ror w8, w1, w20 */
        0x1ad642a9, /* crc32b w9, w21, w22 */
        0x1ad646aa, /* crc32h w10, w21, w22 */
        0x1ad64aab, /* crc32w w11, w21, w22 */
        0x9ad64eac, /* crc32x w12, w21, x22 */
        0x1ad652ad, /* crc32cb w13, w21, w22 */
        0x1ad656ae, /* crc32ch w14, w21, w22 */
        0x1ad65aaf, /* crc32cw w15, w21, w22 */
        0x9ad65eb0, /* crc32cx w16, w21, x22 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x9abcdef012345678ULL;
    R.x[2] = 0xc5; /* 5 mod 64 and mod 32 */
    R.x[20] = 0x21;
    R.x[21] = 0x12345678;
    R.x[22] = 0xfedcba9876543210ULL;
    go_hvc();
    X(3, 0x579bde02468acf00ULL);
    X(4, 0x000000000091a2b3ULL);
    X(5, 0xfcd5e6f78091a2b3ULL);
    X(6, 0x000000000091a2b3ULL);
    X(7, 0xc4d5e6f78091a2b3ULL);
    X(8, 0x00000000091a2b3cULL);
    /* Reflected CRC-32 / CRC-32C updates without inversion (zlib's crc32()
     * is NOT(update(NOT(0), data))). */
    X(9, 0x00000000437bdd3cULL);
    X(10, 0x00000000e7fb56daULL);
    X(11, 0x000000009e6e72f6ULL);
    X(12, 0x00000000df04eaaaULL);
    X(13, 0x00000000eb0dfffbULL);
    X(14, 0x00000000bbd4f0f7ULL);
    X(15, 0x0000000014f8d626ULL);
    X(16, 0x00000000679dfef3ULL);
}

Test(a64_dp, crc32_size_must_match_sf)
{
    static const uint32_t words[] = {
        0x1ad64eac, /* crc32x with sf = 0 */
        0x9ad64aab, /* crc32w with sf = 1 */
        0x9ac20023, /* 2-source opcode 000000 (SUBP, FEAT_MTE) */
        0xdac00c28 & ~(1u << 31), /* rev (opc 11) with sf = 0 */
        0xdac01828, /* 1-source opcode 000110 */
        0x9b627c2b, /* 3-source op31 = 011 */
        0x1b227c27, /* smull with sf = 0 */
        0x9b42fc2b, /* smulh with o0 = 1 */
    };
    vectors_install();
    for (unsigned k = 0; k < N(words); k++) {
        uint32_t code[2] = {words[k], HVC0};
        load(code, 2);
        R.pstate = 0x3c5;
        expect_undefined(CODE);
    }
}

Test(a64_dp, bit_reverse_byte_reverse_and_counts)
{
    static const uint32_t code[] = {
        0xdac00023, /* rbit x3, x1 */
        0x5ac00024, /* rbit w4, w1 */
        0xdac00425, /* rev16 x5, x1 */
        0x5ac00426, /* rev16 w6, w1 */
        0xdac00827, /* rev32 x7, x1 */
        0xdac00c28, /* rev x8, x1 */
        0x5ac00829, /* rev w9, w1 */
        0xdac0102a, /* clz x10, x1 */
        0x5ac0128b, /* clz w11, w20 */
        0xdac013ec, /* clz x12, xzr */
        0xdac0142d, /* cls x13, x1 */
        0x5ac0142e, /* cls w14, w1 */
        0xdac0168f, /* cls x15, x20 */
        0x5ac017f0, /* cls w16, wzr */
        0xdac016b1, /* cls x17, x21 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x9abcdef012345678ULL;
    R.x[20] = 0x21;
    R.x[21] = 0xfff0000000000000ULL;
    go_hvc();
    X(3, 0x1e6a2c480f7b3d59ULL);
    X(4, 0x000000001e6a2c48ULL);
    X(5, 0xbc9af0de34127856ULL);
    X(6, 0x0000000034127856ULL);
    X(7, 0xf0debc9a78563412ULL);
    X(8, 0x78563412f0debc9aULL);
    X(9, 0x0000000078563412ULL);
    X(10, 0);
    X(11, 26);
    X(12, 64);
    X(13, 0);
    X(14, 2);
    X(15, 57);
    X(16, 31); /* CLS of 0: datasize - 1 */
    X(17, 11);
}

/* The ID registers advertise what the core implements beyond ARMv8.0:
 * CRC32, the LSE atomics and LDAPR (FEAT_LRCPC). */
Test(a64_dp, id_registers_advertise_crc32_lse_lrcpc)
{
    static const uint32_t code[] = {
        0xd5380600, /* mrs x0, id_aa64isar0_el1 */
        0xd5380621, /* mrs x1, id_aa64isar1_el1 */
        HVC0,
    };
    load(code, N(code));
    go_hvc();
    cr_assert_eq((R.x[0] >> 16) & 15, 1, "ISAR0.CRC32");
    cr_assert_eq((R.x[0] >> 20) & 15, 2, "ISAR0.Atomic");
    cr_assert_eq((R.x[1] >> 20) & 15, 1, "ISAR1.LRCPC");
}

/* ID_AA64PFR0_EL1 says EL0/EL1 AArch64 only with FP and AdvSIMD; the rest of
 * the ID register space reads as zero at EL1 (an OS reads all of it). */
Test(a64_dp, id_register_space_pfr0_and_raz)
{
    static const uint32_t code[] = {
        0xd5380400, /* mrs x0, id_aa64pfr0_el1 */
        0xd5380421, /* mrs x1, id_aa64pfr1_el1 (RAZ) */
        0xd5380482, /* mrs x2, id_aa64zfr0_el1 (RAZ) */
        0xd5380103, /* mrs x3, id_pfr0_el1 (RAZ) */
        0xd5380304, /* mrs x4, mvfr0_el1 (RAZ) */
        0xd5380645, /* mrs x5, id_aa64isar2_el1 (RAZ) */
        HVC0,
    };
    load(code, N(code));
    for (int r = 1; r <= 5; r++)
        R.x[r] = 0x5555;
    go_hvc();
    cr_assert_eq(R.x[0], 0x11, "PFR0 0x%llx", (unsigned long long)R.x[0]);
    for (int r = 1; r <= 5; r++)
        cr_assert_eq(R.x[r], 0, "x%d = 0x%llx", r, (unsigned long long)R.x[r]);
}
