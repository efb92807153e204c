/* tests/test_a64_ldst.c: A64 exclusives, load-acquire/store-release,
 * unprivileged loads and stores, and the SYS cache/TLB operations, through
 * the public API (same idiom and fixture as test_a64_core.c; MMIO exits are
 * in test_a64_exits.c).
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

TestSuite(a64_ldst, .init = setup, .fini = teardown, .timeout = 30);


/* The local monitor: a store exclusive passes iff the last load exclusive
 * armed it for the same address and size; any store exclusive (pass or
 * fail) and CLREX disarm it. */
Test(a64_ldst, exclusive_monitor)
{
    static const uint32_t code[] = {
        0xc85f7c20, /* ldxr x0, [x1] */
        0xc8027c23, /* stxr w2, x3, [x1]: passes */
        0xc8047c23, /* stxr w4, x3, [x1]: fails, disarmed */
        0x885ffc25, /* ldaxr w5, [x1] */
        0x8806fc27, /* stlxr w6, w7, [x1]: passes */
        0x085f7d28, /* ldxrb w8, [x9] */
        0x480a7d27, /* stxrh w10, w7, [x9]: fails, other size */
        0x485f7d2b, /* ldxrh w11, [x9] */
        0xd5033f5f, /* clrex */
        0x480c7d27, /* stxrh w12, w7, [x9]: fails, cleared */
        0xc87f39ed, /* ldxp x13, x14, [x15] */
        0xc8301de3, /* stxp w16, x3, x7, [x15]: passes */
        0x887fca71, /* ldaxp w17, w18, [x19] */
        0x88348e67, /* stlxp w20, w7, w3, [x19]: passes */
        0x885f7c35, /* ldxr w21, [x1] */
        0xc8167c23, /* stxr w22, x3, [x1]: fails, other size */
        HVC0,
    };
    load(code, N(code));
    poke64(DATA, 0x1122334455667788ULL);
    poke64(DATA + 0x40, 0x123456789abcdef0ULL);
    poke64(DATA + 0x80, 0x1111);
    poke64(DATA + 0x88, 0x2222);
    poke64(DATA + 0xc0, 0x4444444433333333ULL);
    R.x[1] = DATA;
    R.x[3] = 0xaaaabbbbccccddddULL;
    R.x[7] = 0x01020304;
    R.x[9] = DATA + 0x40;
    R.x[15] = DATA + 0x80;
    R.x[19] = DATA + 0xc0;
    go_hvc();
    X(0, 0x1122334455667788ULL);
    X(2, 0);
    X(4, 1);
    X(5, 0xccccddddULL);
    X(6, 0);
    X(8, 0xf0);
    X(10, 1);
    X(11, 0xdef0);
    X(12, 1);
    X(13, 0x1111);
    X(14, 0x2222);
    X(16, 0);
    X(17, 0x33333333);
    X(18, 0x44444444);
    X(20, 0);
    X(21, 0x01020304);
    X(22, 1);
    cr_assert_eq(peek64(DATA), 0xaaaabbbb01020304ULL);
    cr_assert_eq(peek64(DATA + 0x40), 0x123456789abcdef0ULL, "failed stores write nothing");
    cr_assert_eq(peek64(DATA + 0x80), 0xaaaabbbbccccddddULL);
    cr_assert_eq(peek64(DATA + 0x88), 0x01020304);
    cr_assert_eq(peek64(DATA + 0xc0), 0xccccdddd01020304ULL);
}

/* Exclusive and ordered accesses must be aligned (an Alignment fault: a
 * Data Abort with DFSC 0x21); a misaligned STXR faults even with the
 * monitor clear. */
Test(a64_ldst, exclusive_and_ordered_alignment)
{
    static const uint32_t code[] = {
        0xc85ffc20, /* ldaxr x0, [x1] */
        0xc8dffc20, /* ldar x0, [x1] */
        0xc8200861, /* stxp w0, x1, x2, [x3] */
    };
    load(code, N(code));
    R.x[1] = DATA + 4;
    R.x[3] = DATA + 8; /* a 16-byte pair needs 16-byte alignment */
    vectors_install();
    expect_dabort(CODE, 0x21, DATA + 4, false);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    expect_dabort(CODE + 4, 0x21, DATA + 4, false);
    R.pc = CODE + 8;
    R.pstate = 0x3c5;
    expect_dabort(CODE + 8, 0x21, DATA + 8, true);
}

Test(a64_ldst, acquire_release_and_unprivileged)
{
    static const uint32_t code[] = {
        0xc89ffc41, /* stlr x1, [x2] */
        0x88dffc43, /* ldar w3, [x2] */
        0x089ffca4, /* stlrb w4, [x5] */
        0x08dffca6, /* ldarb w6, [x5] */
        0x489ffca4, /* stlrh w4, [x5] */
        0x48dffca7, /* ldarh w7, [x5] */
        0xf8bfc048, /* ldapr x8, [x2] */
        0x38bfc049, /* ldaprb w9, [x2] */
        0xf81f8841, /* sttr x1, [x2, #-8] */
        0xf85f884a, /* ldtr x10, [x2, #-8] */
        0x389f884b, /* ldtrsb x11, [x2, #-8] */
        0x78df884c, /* ldtrsh w12, [x2, #-8] */
        0xb89f884d, /* ldtrsw x13, [x2, #-8] */
        0x380ff844, /* sttrb w4, [x2, #255] */
        0x384ff84e, /* ldtrb w14, [x2, #255] */
        0x78100844, /* sttrh w4, [x2, #-256] */
        0x7850084f, /* ldtrh w15, [x2, #-256] */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x8899aabbccddeeffULL;
    R.x[2] = DATA + 0x100;
    R.x[4] = 0x1234abcd;
    R.x[5] = DATA + 0x200;
    go_hvc();
    cr_assert_eq(peek64(DATA + 0x100), 0x8899aabbccddeeffULL);
    X(3, 0xccddeeffULL);
    X(6, 0xcd);
    X(7, 0xabcd);
    cr_assert_eq(peek64(DATA + 0x200) & 0xffff, 0xabcd);
    X(8, 0x8899aabbccddeeffULL);
    X(9, 0xff);
    cr_assert_eq(peek64(DATA + 0xf8), 0x8899aabbccddeeffULL);
    X(10, 0x8899aabbccddeeffULL);
    X(11, ~0ULL);
    X(12, 0xffffeeffULL);
    X(13, 0xffffffffccddeeffULL);
    cr_assert_eq(ram[DATA + 0x1ff - RAM_BASE], 0xcd);
    X(14, 0xcd);
    cr_assert_eq(peek64(DATA) & 0xffff, 0xabcd);
    X(15, 0xabcd);
    X(2, DATA + 0x100); /* no writeback */
}

/* DC ZVA zeroes the aligned 64-byte block (DCZID_EL0 says so); the other
 * cache and TLB maintenance operations run and change no register. */
Test(a64_ldst, cache_and_tlb_maintenance)
{
    static const uint32_t code[] = {
        0xd53b00e0, /* mrs x0, dczid_el0 */
        0xd50b7421, /* dc zva, x1 */
        0xd508751f, /* ic iallu */
        0xd508711f, /* ic ialluis */
        0xd50b7522, /* ic ivau, x2 */
        0xd50b7e22, /* dc civac, x2 */
        0xd50b7b22, /* dc cvau, x2 */
        0xd5087622, /* dc ivac, x2 */
        0xd5087e42, /* dc cisw, x2 */
        0xd508871f, /* tlbi vmalle1 */
        0xd5088322, /* tlbi vae1is, x2 */
        HVC0,
    };
    load(code, N(code));
    memset(host(DATA + 0x1100), 0xff, 0x200);
    R.x[1] = DATA + 0x1234;
    R.x[2] = DATA;
    go_hvc();
    X(0, 4);
    X(1, DATA + 0x1234);
    X(2, DATA);
    cr_assert_eq(ram[DATA + 0x11ff - RAM_BASE], 0xff);
    for (unsigned k = 0x1200; k < 0x1240; k++)
        cr_assert_eq(ram[DATA + k - RAM_BASE], 0, "byte 0x%x", k);
    cr_assert_eq(ram[DATA + 0x1240 - RAM_BASE], 0xff);
    cr_assert_eq(ex.pc, CODE + 4 * 11);
}

/* The guest rewrites an instruction it has already run, then IC IVAU and
 * ISB: the loop runs the new instruction from then on (2 iterations, not
 * the 4 the old one would take). */
Test(a64_ldst, ic_then_new_code_runs)
{
    static const uint32_t code[] = {
        0xd2800000, /* 0: mov x0, #0x0 */
        0x91000400, /* 4: add x0, x0, #0x1 */
        0xb9000062, /* 8: str w2, [x3] */
        0xd50b7523, /* c: ic ivau, x3 */
        0xd5033fdf, /* 10: isb */
        0xd1000421, /* 14: sub x1, x1, #0x1 */
        0xb5ffff61, /* 18: cbnz x1, 4 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 4;
    R.x[2] = 0xd1000821; /* sub x1, x1, #0x2 */
    R.x[3] = CODE + 0x14;
    go_hvc();
    X(1, 0);
    X(0, 2);
}

Test(a64_ldst, sys_unallocated_and_el0)
{
    static const uint32_t code[] = {
        0xd5287500, /* sysl x0, #0, c7, c5, #0 */
        0xd50c8700, /* tlbi alle2 */
        0xd5087800, /* at s1e1r, x0 */
        0xd508751f, /* ic iallu */
        0xd50b7421, /* dc zva, x1 */
        0xd50b7b22, /* dc cvau, x2 */
        0xd508871f, /* tlbi vmalle1 */
        0xd53b00e3, /* mrs x3, dczid_el0 */
        0xd508751f, /* ic iallu */
    };
    load(code, N(code));
    R.x[1] = R.x[2] = DATA;
    vectors_install();
    expect_undefined(CODE);
    R.pc = CODE + 4;
    expect_undefined(CODE + 4);
    /* AT S1E1R with the MMU off: PAR_EL1 = the flat address, Device-nGnRnE
     * (ATTR 0x00, SH 0b10), bit 11 RES1 (test_a64_mmu.c has the rest) */
    load_at(CODE + 0x100, (const uint32_t[]){code[2], HVC0}, 2);
    R.x[0] = DATA + 0x123;
    go_hvc();
    cr_assert_eq(sysreg_get(SYSREG(3, 0, 7, 4, 0)), DATA | 2u << 7 | 1u << 11);
    /* From EL0: EL1-only operations are UNDEFINED (EC 0x00), those SCTLR_EL1
     * gates trap with EC 0x18 and the instruction's syndrome. */
    R.pstate = 0; /* EL0t */
    R.pc = CODE + 12;
    expect_exception(0x400, 0x00, CODE + 12); /* IC IALLU is EL1-only */
    R.pc = CODE + 16;
    R.pstate = 0;
    uint64_t esr = expect_exception(0x400, 0x18, CODE + 16); /* DC ZVA without DZE */
    cr_assert_eq(esr & 0x1ffffff, 1u << 20 | 1u << 17 | 3u << 14 | 7u << 10 | 1u << 5 | 4u << 1);
    R.pc = CODE + 20;
    R.pstate = 0;
    expect_exception(0x400, 0x18, CODE + 20); /* DC CVAU without UCI */
    R.pc = CODE + 24;
    R.pstate = 0;
    expect_exception(0x400, 0x00, CODE + 24); /* TLBI */
    R.pc = CODE + 28;
    R.pstate = 0;
    expect_exception(0x400, 0x00, CODE + 32); /* IC IALLU, after the MRS */
    X(3, 0x14); /* DCZID_EL0.DZP: DC ZVA is prohibited at EL0 without DZE */
}

/* LSE atomics at every size, with the signed/unsigned comparisons made at
 * the access size (the cases Unicorn 2.0.1 gets wrong, see FACTS.md). */
Test(a64_ldst, lse_atomic_operations)
{
    static const uint32_t code[] = {
        0x38214140, /* ldsmaxb w1, w0, [x10] */
        0x78225163, /* ldsminh w2, w3, [x11] */
        0xb8246185, /* ldumax w4, w5, [x12] */
        0x382671a7, /* lduminb w6, w7, [x13] */
        0xf8e801c9, /* ldaddal x8, x9, [x14] */
        0xf82f11d0, /* ldclr x15, x16, [x14] */
        0xb8b121d2, /* ldeora w17, w18, [x14] */
        0xf87331d4, /* ldsetl x19, x20, [x14] */
        0x383581b6, /* swpb w21, w22, [x13] */
        0x7837017f, /* staddh w23, [x11] */
        HVC0,
    };
    load(code, N(code));
    poke64(DATA, 0x1111111111111180ULL);
    poke64(DATA + 0x10, 0x2222222222227fffULL);
    poke64(DATA + 0x20, 0x3333333380000000ULL);
    poke64(DATA + 0x30, 0x44444444444444a5ULL);
    poke64(DATA + 0x40, 0x00ff00ff00ff00ffULL);
    for (int k = 0; k < 5; k++)
        R.x[10 + k] = DATA + 0x10 * (uint64_t)k;
    R.x[1] = 0x7f;
    R.x[2] = 0xffff8000;
    R.x[4] = 0xffffffff7fffffffULL;
    R.x[6] = 0x100;
    R.x[8] = 0x0100000000000001ULL;
    R.x[15] = 0x0f0f0f0f0f0f0f0fULL;
    R.x[17] = 0xffff0000;
    R.x[19] = 0x8000000000000000ULL;
    R.x[21] = 0x5a;
    R.x[23] = 1;
    go_hvc();
    X(0, 0x80); /* the old value, zero-extended */
    cr_assert_eq(peek64(DATA), 0x111111111111117fULL, "max(-128, 127) as bytes");
    X(3, 0x7fff);
    X(5, 0x80000000);
    cr_assert_eq(peek64(DATA + 0x20), 0x3333333380000000ULL, "umax as words");
    X(7, 0xa5);
    X(9, 0x00ff00ff00ff00ffULL);
    X(16, 0x01ff00ff00ff0100ULL);
    X(18, 0x00f00000);
    X(20, 0x00f000f0ff0f0000ULL);
    cr_assert_eq(peek64(DATA + 0x40), 0x80f000f0ff0f0000ULL);
    X(22, 0);
    cr_assert_eq(peek64(DATA + 0x30), 0x444444444444445aULL, "umin(0xa5, 0x00), then swap");
    cr_assert_eq(peek64(DATA + 0x10), 0x2222222222228001ULL, "smin(0x7fff, -32768) + 1");
}

Test(a64_ldst, lse_compare_and_swap)
{
    static const uint32_t code[] = {
        0x08a07d41, /* casb w0, w1, [x10] */
        0xc8a27dc3, /* cas x2, x3, [x14] */
        0x88e4fdc5, /* casal w4, w5, [x14] */
        0x48267de8, /* casp x6, x7, x8, x9, [x15] */
        0x08707df2, /* caspa w16, w17, w18, w19, [x15] */
        0x38200161, /* ldaddb w0, w1, [x11] */
        HVC0,
    };
    load(code, N(code));
    poke64(DATA, 0x1111111111111142ULL);
    poke64(DATA + 0x10, 0xff);
    poke64(DATA + 0x40, 0x1234);
    poke64(DATA + 0x80, 0xaaaa);
    poke64(DATA + 0x88, 0xbbbb);
    R.x[10] = DATA;
    R.x[11] = DATA + 0x10;
    R.x[14] = DATA + 0x40;
    R.x[15] = DATA + 0x80;
    R.x[0] = 0x142; /* compared at the access size: matches 0x42 */
    R.x[1] = 0x99;
    R.x[2] = 0x1235;
    R.x[3] = 0x5555;
    R.x[4] = 0xffffffff00001234ULL;
    R.x[5] = 0xabcdef01;
    R.x[6] = 0xaaaa;
    R.x[7] = 0xbbbb;
    R.x[8] = 0x8888;
    R.x[9] = 0x9999;
    R.x[16] = 0x8888;
    R.x[17] = 1;
    go_hvc();
    cr_assert_eq(peek64(DATA), 0x1111111111111199ULL);
    X(2, 0x1234); /* mismatch: Rs gets the old value, memory unchanged */
    X(4, 0x1234);
    cr_assert_eq(peek64(DATA + 0x40), 0xabcdef01ULL);
    X(6, 0xaaaa);
    X(7, 0xbbbb);
    cr_assert_eq(peek64(DATA + 0x80), 0x8888);
    cr_assert_eq(peek64(DATA + 0x88), 0x9999);
    X(16, 0x8888); /* 32-bit pair mismatch (high word 0 != 1) */
    X(17, 0);
    cr_assert_eq(peek64(DATA + 0x80), 0x8888);
    X(0, 0x42);
    X(1, 0xff);
    cr_assert_eq(peek64(DATA + 0x10), 0x41, "byte add wraps");
}

Test(a64_ldst, lse_alignment_and_undefined)
{
    static const uint32_t code[] = {
        0x78200161, /* ldaddh w0, w1, [x11] */
        0x48267de8, /* casp x6, x7, x8, x9, [x15] */
        0x48277de8, /* casp with Rs = 7: odd, UNDEFINED */
    };
    load(code, N(code));
    R.x[11] = DATA + 1;
    R.x[15] = DATA + 8;
    vectors_install();
    expect_dabort(CODE, 0x21, DATA + 1, false);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    expect_dabort(CODE + 4, 0x21, DATA + 8, false);
    R.pc = CODE + 8;
    R.pstate = 0x3c5;
    expect_undefined(CODE + 8);
}

/* Encodings of features the modelled CPU lacks (and SMC without EL3, HLT,
 * DCPS, DRPS outside Debug state) are UNDEFINED, not "not implemented". */
Test(a64_ldst, absent_features_are_undefined)
{
    static const uint32_t words[] = {
        0xd4000003, /* smc #0 */
        0xd4400000, /* hlt #0 */
        0xd4a00001, /* dcps1 */
        0xd6bf03e0, /* drps */
        0xd50330ff, /* sb */
        0xd500419f, /* msr pan, #1 */
        0xd65f0bff, /* retaa */
        0x889f7c20, /* stllr w0, [x1] */
        0xf8200420, /* ldraa x0, [x1] */
        0x91810420, /* addg x0, x1, #16, #1 */
        0xf83fd020, /* ld64b x0, [x1] */
    };
    vectors_install();
    for (unsigned k = 0; k < N(words); k++) {
        uint32_t code[2] = {words[k], HVC0};
        load(code, 2);
        R.x[1] = DATA;
        R.pstate = 0x3c5;
        expect_undefined(CODE);
    }
}
