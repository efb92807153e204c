/* tests/test_a64_core.c: the A64 interpreter core through the public API.
 *
 * Unicorn's idiom: raw instruction words (the assembly in a comment, as GNU
 * as/objdump print it for code linked at CODE), registers set, a run to an
 * exit (snippets end with HVC #0), registers and flags checked.
 */
#include <criterion/criterion.h>
#include <errno.h>
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

TestSuite(a64, .init = setup, .fini = teardown, .timeout = 30);

/* ---- reset state and register sets --------------------------------------- */

Test(a64, reset_state)
{
    cr_assert_eq(R.pc, 0);
    cr_assert_eq(R.pstate, 0x3c5, "EL1h with DAIF masked, got 0x%llx",
                 (unsigned long long)R.pstate);
    uint64_t v;
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_ARM64_SCTLR_EL1, &v), 0);
    cr_assert_eq(v & 1, 0, "MMU off");
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_ARM64_MIDR_EL1, &v), 0);
    cr_assert_eq(v, 0x410FD083);
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_ARM64_MPIDR_EL1, &v), 0);
    cr_assert_eq(v, 0x80000000);
}

Test(a64, fp_regs_round_trip)
{
    struct squib_arm64_fp fp = {0}, back;
    fp.v[3][0] = 0x1122334455667788ULL;
    fp.v[31][1] = 0x99aabbccddeeff00ULL;
    fp.fpsr = 0x8000000f;
    fp.fpcr = 0x03c00000;
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_ARM64_FP, &fp, sizeof fp), 0);
    cr_assert_eq(squib_vcpu_get_regs(vcpu, SQUIB_REGSET_ARM64_FP, &back, sizeof back), 0);
    cr_assert_eq(memcmp(&fp, &back, sizeof fp), 0);
    uint64_t v;
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_REG_ARM64_SYS(3, 3, 4, 4, 0), &v), 0);
    cr_assert_eq(v, 0x03c00000, "FPCR through ONE_REG");
}

Test(a64, bad_pstate_refused)
{
    R.pstate = 0x3c9; /* EL2h */
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_ARM64_CORE, &R, sizeof R), -EINVAL);
    R.pstate = 0x3d0; /* AArch32 */
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_ARM64_CORE, &R, sizeof R), -EINVAL);
}

/* ---- data processing ----------------------------------------------------- */

Test(a64, move_wide)
{
    static const uint32_t code[] = {
        0xd2a24680, /* mov x0, #0x12340000 */
        0xf28acf00, /* movk x0, #0x5678 */
        0xf2fbd5a0, /* movk x0, #0xdead, lsl #48 */
        0x92800001, /* mov x1, #0xffffffffffffffff */
        0x12800002, /* mov w2, #0xffffffff */
        0x52bfffe3, /* mov w3, #0xffff0000 */
        0x72822224, /* movk w4, #0x1111 */
        0x92c24685, /* mov x5, #0xffffedcbffffffff */
        0xd28000bf, /* mov xzr, #0x5 */
        HVC0,
    };
    load(code, N(code));
    R.x[2] = 0x1234567812345678ULL;
    R.x[4] = ~0ULL;
    go_hvc();
    X(0, 0xdead000012345678ULL);
    X(1, ~0ULL);
    X(2, 0xffffffffULL);
    X(3, 0xffff0000ULL);
    X(4, 0xffff1111ULL);
    X(5, 0xffffedcbffffffffULL);
    cr_assert_eq(ex.pc, CODE + 4 * 9);
}

Test(a64, adr_adrp)
{
    static const uint32_t code[] = {
        0x10000080, /* adr x0, 40001010 */
        0x10ffffe1, /* adr x1, 40001000 */
        0xf0000002, /* adrp x2, 40004000 */
        0x90ff8003, /* adrp x3, 3f001000 */
        0x1000001f, /* adr xzr, 40001010 */
        HVC0,
    };
    load(code, N(code));
    go_hvc();
    X(0, 0x40001010);
    X(1, 0x40001000);
    X(2, 0x40004000);
    X(3, 0x3f001000);
}

Test(a64, add_sub_immediate)
{
    static const uint32_t code[] = {
        0xb1000420, /* adds x0, x1, #0x1 */
        0xd53b4214, /* mrs x20, nzcv */
        0xf1000462, /* subs x2, x3, #0x1 */
        0xd53b4215, /* mrs x21, nzcv */
        0xf100149f, /* cmp x4, #0x5 */
        0xd53b4216, /* mrs x22, nzcv */
        0x310004bf, /* cmn w5, #0x1 */
        0xd53b4217, /* mrs x23, nzcv */
        0x910043ff, /* add sp, sp, #0x10 */
        0x910003e6, /* mov x6, sp */
        0x51400507, /* sub w7, w8, #0x1, lsl #12 */
        0x31000549, /* adds w9, w10, #0x1 */
        0xd53b4218, /* mrs x24, nzcv */
        0xd10083eb, /* sub x11, sp, #0x20 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x7fffffffffffffffULL;
    R.x[3] = 0;
    R.x[4] = 5;
    R.x[5] = 0x12345678ffffffffULL;
    R.x[7] = ~0ULL;
    R.x[8] = 0x1000;
    R.x[10] = 0x7fffffff;
    R.sp_el1 = 0x40100000;
    go_hvc();
    X(0, 0x8000000000000000ULL);
    X(20, FLAG_N | FLAG_V);
    X(2, ~0ULL);
    X(21, FLAG_N);
    X(22, FLAG_Z | FLAG_C);
    X(23, FLAG_Z | FLAG_C);
    X(6, 0x40100010);
    X(7, 0);
    X(9, 0x80000000);
    X(24, FLAG_N | FLAG_V);
    X(11, 0x400ffff0);
    cr_assert_eq(R.sp_el1, 0x40100010);
}

Test(a64, add_sub_register)
{
    static const uint32_t code[] = {
        0x8b021020, /* add x0, x1, x2, lsl #4 */
        0xcb420423, /* sub x3, x1, x2, lsr #1 */
        0x0b820c24, /* add w4, w1, w2, asr #3 */
        0xeb010025, /* subs x5, x1, x1 */
        0xd53b4214, /* mrs x20, nzcv */
        0xcb0203e6, /* neg x6, x2 */
        0x8b224be7, /* add x7, sp, w2, uxtw #2 */
        0x8b22c028, /* add x8, x1, w2, sxtw */
        0xcb228029, /* sub x9, x1, w2, sxtb */
        0x8b2163ff, /* add sp, sp, x1 */
        0xeb22203f, /* cmp x1, w2, uxth */
        0xd53b4215, /* mrs x21, nzcv */
        0x2b027c2a, /* adds w10, w1, w2, lsl #31 */
        0xd53b4216, /* mrs x22, nzcv */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x1000;
    R.x[2] = 0xfffffffffffffff0ULL;
    R.sp_el1 = 0x40100000;
    go_hvc();
    X(0, 0xf00);
    X(3, 0x8000000000001008ULL);
    X(4, 0xffe);
    X(5, 0);
    X(20, FLAG_Z | FLAG_C);
    X(6, 16);
    X(7, 0x40100000ULL + (0xfffffff0ULL << 2));
    X(8, 0xff0);
    X(9, 0x1010);
    cr_assert_eq(R.sp_el1, 0x40101000);
    X(21, FLAG_N);
    X(10, 0x1000);
    X(22, 0);
}

Test(a64, add_with_carry)
{
    static const uint32_t code[] = {
        0xeb01003f, /* cmp x1, x1 */
        0x9a02002a, /* adc x10, x1, x2 */
        0xba03006b, /* adcs x11, x3, x3 */
        0xd53b4214, /* mrs x20, nzcv */
        0xda02002c, /* sbc x12, x1, x2 */
        0x7a01002d, /* sbcs w13, w1, w1 */
        0xd53b4215, /* mrs x21, nzcv */
        0xda0103ee, /* ngc x14, x1 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 5;
    R.x[2] = 7;
    R.x[3] = 0x8000000000000000ULL;
    go_hvc();
    X(10, 13);
    X(11, 1);
    X(20, FLAG_C | FLAG_V);
    X(12, 0xfffffffffffffffeULL);
    X(13, 0);
    X(21, FLAG_Z | FLAG_C);
    X(14, 0xfffffffffffffffbULL);
}

/* AddWithCarry() reference (Arm ARM J1) for the flags test. */
static uint32_t ref_flags(uint64_t x, uint64_t y, unsigned cin, unsigned bits, uint64_t *res)
{
    uint64_t mask = bits == 64 ? ~0ULL : 0xffffffffULL;
    x &= mask;
    y &= mask;
    unsigned __int128 usum = (unsigned __int128)x + y + cin;
    __int128 sx = bits == 64 ? (__int128)(int64_t)x : (__int128)(int32_t)x;
    __int128 sy = bits == 64 ? (__int128)(int64_t)y : (__int128)(int32_t)y;
    __int128 ssum = sx + sy + cin;
    uint64_t r = (uint64_t)usum & mask;
    __int128 sr = bits == 64 ? (__int128)(int64_t)r : (__int128)(int32_t)r;
    *res = r;
    uint32_t f = 0;
    if (r >> (bits - 1))
        f |= FLAG_N;
    if (r == 0)
        f |= FLAG_Z;
    if ((unsigned __int128)r != usum)
        f |= FLAG_C;
    if (sr != ssum)
        f |= FLAG_V;
    return f;
}

Test(a64, adds_subs_flags_against_reference)
{
    static const uint32_t code[] = {
        0xab010002, /* adds x2, x0, x1 */
        0xd53b4203, /* mrs x3, nzcv */
        0xeb010004, /* subs x4, x0, x1 */
        0xd53b4205, /* mrs x5, nzcv */
        0x2b010006, /* adds w6, w0, w1 */
        0xd53b4207, /* mrs x7, nzcv */
        0x6b010008, /* subs w8, w0, w1 */
        0xd53b4209, /* mrs x9, nzcv */
        HVC0,
    };
    static const uint64_t edge[] = {0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff,
                                    0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
                                    0x100000000ULL};
    load(code, N(code));
    uint64_t s = 88172645463325252ULL;
    for (int k = 0; k < 3000; k++) {
        uint64_t v[2];
        for (int j = 0; j < 2; j++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            v[j] = (s & 3) == 0 ? edge[(s >> 8) % N(edge)] : s;
        }
        R.x[0] = v[0];
        R.x[1] = v[1];
        R.pc = CODE;
        go_hvc();
        uint64_t r;
        uint32_t f = ref_flags(v[0], v[1], 0, 64, &r);
        cr_assert(R.x[2] == r && R.x[3] == f, "adds 0x%llx+0x%llx", (unsigned long long)v[0],
                  (unsigned long long)v[1]);
        f = ref_flags(v[0], ~v[1], 1, 64, &r);
        cr_assert(R.x[4] == r && R.x[5] == f, "subs 0x%llx-0x%llx", (unsigned long long)v[0],
                  (unsigned long long)v[1]);
        f = ref_flags(v[0], v[1], 0, 32, &r);
        cr_assert(R.x[6] == r && R.x[7] == f, "adds w 0x%llx+0x%llx", (unsigned long long)v[0],
                  (unsigned long long)v[1]);
        f = ref_flags(v[0], ~v[1], 1, 32, &r);
        cr_assert(R.x[8] == r && R.x[9] == f, "subs w 0x%llx-0x%llx", (unsigned long long)v[0],
                  (unsigned long long)v[1]);
    }
}

Test(a64, logical)
{
    static const uint32_t code[] = {
        0x92401c20, /* and x0, x1, #0xff */
        0xb200f3e2, /* mov x2, #0x5555555555555555 */
        0x5204cc23, /* eor w3, w1, #0xf0f0f0f0 */
        0xf2410024, /* ands x4, x1, #0x8000000000000000 */
        0xd53b4214, /* mrs x20, nzcv */
        0x7200003f, /* tst w1, #0x1 */
        0xd53b4215, /* mrs x21, nzcv */
        0x927cec3f, /* and sp, x1, #0xfffffffffffffff0 */
        0xb2103fe5, /* mov x5, #0xffff0000ffff0000 */
        0x8ac22026, /* and x6, x1, x2, ror #8 */
        0x8a220027, /* bic x7, x1, x2 */
        0x2a221028, /* orn w8, w1, w2, lsl #4 */
        0xcaa2fc29, /* eon x9, x1, x2, asr #63 */
        0xea21002a, /* bics x10, x1, x1 */
        0xd53b4216, /* mrs x22, nzcv */
        0xaa2203eb, /* mvn x11, x2 */
        0x910003ec, /* mov x12, sp */
        0x321e0c2d, /* orr w13, w1, #0x3c */
        0x2a0203ee, /* mov w14, w2 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0x80000000000000f1ULL;
    go_hvc();
    X(0, 0xf1);
    X(2, 0x5555555555555555ULL);
    X(3, 0xf0f0f001);
    X(4, 0x8000000000000000ULL);
    X(20, FLAG_N);
    X(21, 0);
    X(5, 0xffff0000ffff0000ULL);
    X(6, 0x51);
    X(7, 0x80000000000000a0ULL);
    X(8, 0xaaaaaaff);
    X(9, 0x7fffffffffffff0eULL);
    X(10, 0);
    X(22, FLAG_Z);
    X(11, 0xaaaaaaaaaaaaaaaaULL);
    X(12, 0x80000000000000f0ULL);
    X(13, 0xfd);
    X(14, 0x55555555);
}

/* ---- branches ------------------------------------------------------------- */

Test(a64, branches)
{
    static const uint32_t code[] = {
        0x14000002, /* b 40001008 */
        0xd28175a0, /* mov x0, #0xbad */
        0x94000015, /* bl 4000105c */
        0x10000069, /* adr x9, 40001018 */
        0xd61f0120, /* br x9 */
        0xd28175a0, /* mov x0, #0xbad */
        0x10000269, /* adr x9, 40001064 */
        0xd63f0120, /* blr x9 */
        0xd2800063, /* mov x3, #0x3 */
        0xf1000463, /* subs x3, x3, #0x1 */
        0x91000484, /* add x4, x4, #0x1 */
        0x54ffffc1, /* b.ne 40001024 */
        0xb4000045, /* cbz x5, 40001038 */
        0xd28175a0, /* mov x0, #0xbad */
        0x35000046, /* cbnz w6, 40001040 */
        0xd28175a0, /* mov x0, #0xbad */
        0xb6f80047, /* tbz x7, #63, 40001048 */
        0xb7f80047, /* tbnz x7, #63, 4000104c */
        0xd28175a0, /* mov x0, #0xbad */
        0x37180048, /* tbnz w8, #3, 40001054 */
        0x36180048, /* tbz w8, #3, 40001058 */
        0xd28175a0, /* mov x0, #0xbad */
        HVC0,       /* 40001058 */
        0xd2800021, /* mov x1, #0x1 */
        0xd65f03c0, /* ret */
        0xd2800042, /* mov x2, #0x2 */
        0xaa1e03ea, /* mov x10, x30 */
        0xd65f03c0, /* ret */
    };
    load(code, N(code));
    R.x[6] = 0x100000001ULL;
    R.x[7] = 1ULL << 63;
    R.x[8] = 0xfffffff7;
    go_hvc();
    cr_assert_eq(ex.pc, 0x40001058);
    X(0, 0);
    X(1, 1);
    X(2, 2);
    X(3, 0);
    X(4, 3);
    X(9, 0x40001064);
    X(10, 0x40001020);
    X(30, 0x40001020);
}

Test(a64, blr_x30_uses_old_value)
{
    static const uint32_t code[] = {
        0x1000007e, /* adr x30, 4000100c */
        0xd63f03c0, /* blr x30 */
        0xd28175a0, /* mov x0, #0xbad */
        HVC0,
    };
    load(code, N(code));
    go_hvc();
    cr_assert_eq(ex.pc, 0x4000100c);
    X(0, 0);
    X(30, 0x40001008);
}

/* ConditionHolds() written from the Arm ARM pseudocode. */
static bool cond_holds(unsigned cond, unsigned nzcv)
{
    bool n = nzcv & 8, z = nzcv & 4, c = nzcv & 2, v = nzcv & 1, r = true;
    switch (cond >> 1) {
    case 0: r = z; break;
    case 1: r = c; break;
    case 2: r = n; break;
    case 3: r = v; break;
    case 4: r = c && !z; break;
    case 5: r = n == v; break;
    case 6: r = n == v && !z; break;
    case 7: r = true; break;
    }
    if ((cond & 1) && cond != 15)
        r = !r;
    return r;
}

Test(a64, b_cond_all_conditions_and_flags)
{
    uint32_t code[] = {
        0xd51b4201, /* msr nzcv, x1 */
        0x54000060, /* b.<cond> 40001010 (patched) */
        0xd2800000, /* mov x0, #0x0 */
        HVC0,
        0xd2800020, /* mov x0, #0x1 */
        HVC0,
    };
    for (unsigned cond = 0; cond < 16; cond++) {
        code[1] = 0x54000060 | cond; /* rewritten between runs: the block check sees it */
        load(code, N(code));
        for (unsigned f = 0; f < 16; f++) {
            R.pc = CODE;
            R.x[1] = (uint64_t)f << 28;
            go_hvc();
            cr_assert_eq(R.x[0], cond_holds(cond, f), "cond %u nzcv %x", cond, f);
        }
    }
}

/* NZCV of AddWithCarry(x, y, cin) at `bits` (Arm ARM J1), in bits 3:0. */
static unsigned ref_awc(uint64_t x, uint64_t y, unsigned cin, unsigned bits)
{
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    x &= mask, y &= mask;
    unsigned __int128 u = (unsigned __int128)x + y + cin;
    uint64_t r = (uint64_t)u & mask;
    bool c = bits == 64 ? (bool)(u >> 64) : (bool)(u >> bits);
    __int128 sx = bits == 64 ? (int64_t)x : (int32_t)(uint32_t)x;
    __int128 sy = bits == 64 ? (int64_t)y : (int32_t)(uint32_t)y;
    __int128 s = sx + sy + cin;
    __int128 sr = bits == 64 ? (int64_t)r : (int32_t)(uint32_t)r;
    bool n = (r >> (bits - 1)) & 1, z = r == 0, v = s != sr;
    return (unsigned)n << 3 | (unsigned)z << 2 | (unsigned)c << 1 | (unsigned)v;
}

/* The flag setters record their operands and the flags are computed only
 * when read (a64_cpu.h, "Lazy NZCV"); B.cond and CSEL evaluate a condition
 * straight from them.  Each setter, then CSEL and B.cond on every condition
 * (reading the lazy state), then MRS NZCV (computing the flags), against
 * ConditionHolds() of a reference AddWithCarry. */
Test(a64, lazy_flags_every_setter_and_condition)
{
    enum { SUB, ADD, LOGIC, BIC };
    static const struct {
        uint32_t word;
        unsigned bits, kind, shift; /* operand 2: x2 << shift (shift 99: #1) */
        bool lsr;
    } setters[] = {
        {0xeb020029, 64, SUB, 0, 0},   /* subs x9, x1, x2 */
        {0x6b020029, 32, SUB, 0, 0},   /* subs w9, w1, w2 */
        {0xab020029, 64, ADD, 0, 0},   /* adds x9, x1, x2 */
        {0x2b020029, 32, ADD, 0, 0},   /* adds w9, w1, w2 */
        {0xea020029, 64, LOGIC, 0, 0}, /* ands x9, x1, x2 */
        {0x6a020029, 32, LOGIC, 0, 0}, /* ands w9, w1, w2 */
        {0xea220029, 64, BIC, 0, 0},   /* bics x9, x1, x2 */
        {0xf1000429, 64, SUB, 99, 0},  /* subs x9, x1, #1 */
        {0xb1000429, 64, ADD, 99, 0},  /* adds x9, x1, #1 */
        {0x71000429, 32, SUB, 99, 0},  /* subs w9, w1, #1 */
        {0x31000429, 32, ADD, 99, 0},  /* adds w9, w1, #1 */
        {0xeb020c29, 64, SUB, 3, 0},   /* subs x9, x1, x2, lsl #3 */
        {0x2b42083f, 32, ADD, 2, 1},   /* cmn w1, w2, lsr #2 */
    };
    static const uint64_t vals[] = {
        0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
        0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff, 0x123456789abcdef0,
    };
    uint32_t code[] = {
        0,          /* the setter (patched) */
        0x9a9f0075, /* csel x21, x3, xzr, <cond> (patched) */
        0x54000060, /* b.<cond> +12 (patched) */
        0xd2800000, /* mov x0, #0 */
        0x14000002, /* b +8 */
        0xd2800020, /* mov x0, #1 */
        0xd53b4214, /* mrs x20, nzcv */
        HVC0,
    };
    unsigned runs = 0;
    for (size_t k = 0; k < N(setters); k++) {
        for (unsigned cond = 0; cond < 16; cond++) {
            code[0] = setters[k].word;
            code[1] = 0x9a9f0075 | cond << 12;
            code[2] = 0x54000060 | cond;
            load(code, N(code));
            for (size_t a = 0; a < N(vals); a++) {
                for (size_t b = 0; b < N(vals); b++) {
                    unsigned bits = setters[k].bits;
                    uint64_t x = vals[a], y = vals[b];
                    uint64_t op2 = setters[k].shift == 99 ? 1
                                   : setters[k].lsr
                                       ? (bits == 32 ? (uint32_t)y >> setters[k].shift
                                                     : y >> setters[k].shift)
                                       : y << setters[k].shift;
                    unsigned f;
                    uint64_t mask = bits == 64 ? ~0ULL : 0xffffffffULL;
                    if (setters[k].kind == SUB) {
                        f = ref_awc(x, ~op2, 1, bits);
                    } else if (setters[k].kind == ADD) {
                        f = ref_awc(x, op2, 0, bits);
                    } else {
                        uint64_t r = (setters[k].kind == BIC ? x & ~op2 : x & op2) & mask;
                        f = (unsigned)((r >> (bits - 1)) & 1) << 3 | (unsigned)(r == 0) << 2;
                    }
                    R.pc = CODE;
                    R.x[0] = R.x[20] = R.x[21] = 0xdead;
                    R.x[1] = x;
                    R.x[2] = y;
                    R.x[3] = 1;
                    go_hvc();
                    bool want = cond_holds(cond, f);
                    cr_assert_eq(R.x[20], (uint64_t)f << 28,
                                 "setter %zu x=%llx y=%llx: nzcv %llx want %x", k,
                                 (unsigned long long)x, (unsigned long long)y,
                                 (unsigned long long)R.x[20] >> 28, f);
                    cr_assert_eq(R.x[0], want, "setter %zu cond %u x=%llx y=%llx: b.cond", k,
                                 cond, (unsigned long long)x, (unsigned long long)y);
                    cr_assert_eq(R.x[21], want, "setter %zu cond %u x=%llx y=%llx: csel", k,
                                 cond, (unsigned long long)x, (unsigned long long)y);
                    runs++;
                }
            }
        }
    }
    cr_assert_eq(runs, N(setters) * 16 * N(vals) * N(vals));
}

/* The cache ID registers a kernel reads at boot (Cortex-A72 TRM values):
 * CLIDR_EL1, and CCSIDR_EL1 for each cache CSSELR_EL1 selects; AIDR_EL1
 * and RVBAR_EL1 (EL1 being the highest EL) read 0.  (Regression: each was
 * an INTERNAL_ERROR.) */
Test(a64, cache_and_implementation_id_registers)
{
    static const uint32_t code[] = {
        0xd5390020, /* mrs x0, clidr_el1 */
        0xd51a001f, /* msr csselr_el1, xzr */
        0xd5390001, /* mrs x1, ccsidr_el1 */
        0xd2800029, /* mov x9, #0x1 */
        0xd51a0009, /* msr csselr_el1, x9 */
        0xd5390002, /* mrs x2, ccsidr_el1 */
        0xd2800049, /* mov x9, #0x2 */
        0xd51a0009, /* msr csselr_el1, x9 */
        0xd5390003, /* mrs x3, ccsidr_el1 */
        0xd53900e4, /* mrs x4, aidr_el1 */
        0xd538c025, /* mrs x5, rvbar_el1 */
        HVC0,
    };
    load(code, N(code));
    R.x[4] = R.x[5] = 0xdead;
    go_hvc();
    X(0, 0x0A200023);
    X(1, 0x701fe00a);
    X(2, 0x201fe012);
    X(3, 0x707fe07a);
    X(4, 0);
    X(5, 0);
}

/* ---- loads and stores ------------------------------------------------------- */

Test(a64, loads_and_stores)
{
    static const uint32_t code[] = {
        0xf9000001, /* str x1, [x0] */
        0xf9400002, /* ldr x2, [x0] */
        0x39002001, /* strb w1, [x0, #8] */
        0x39402003, /* ldrb w3, [x0, #8] */
        0x79001401, /* strh w1, [x0, #10] */
        0x79401404, /* ldrh w4, [x0, #10] */
        0xb9000c01, /* str w1, [x0, #12] */
        0xb9400c05, /* ldr w5, [x0, #12] */
        0x39802006, /* ldrsb x6, [x0, #8] */
        0x39c02007, /* ldrsb w7, [x0, #8] */
        0x79801408, /* ldrsh x8, [x0, #10] */
        0x79c01409, /* ldrsh w9, [x0, #10] */
        0xb9800c0a, /* ldrsw x10, [x0, #12] */
        0xf85f800b, /* ldur x11, [x0, #-8] */
        0xb81f4001, /* stur w1, [x0, #-12] */
        0xf8010c01, /* str x1, [x0, #16]! */
        0xf85f040c, /* ldr x12, [x0], #-16 */
        0xd280004d, /* mov x13, #0x2 */
        0xf86d780e, /* ldr x14, [x0, x13, lsl #3] */
        0x928001ef, /* mov x15, #0xfffffffffffffff0 */
        0xf86fc810, /* ldr x16, [x0, w15, sxtw] */
        0x386d6811, /* ldrb w17, [x0, x13] */
        0x58000092, /* ldr x18, 40001068 */
        0x98000073, /* ldrsw x19, 40001068 */
        0xf9800000, /* prfm pldl1keep, [x0] */
        HVC0,
        0xdeadbeef, /* .quad 0x80000000deadbeef */
        0x80000000,
    };
    load(code, N(code));
    const uint64_t base = DATA + 0x100, v = 0x88776655c4b3a281ULL;
    poke64(base - 8, 0x1122334455667788ULL);
    poke64(base - 16, 0xaabbccddeeff0011ULL);
    R.x[0] = base;
    R.x[1] = v;
    go_hvc();
    X(0, base);
    X(2, v);
    X(3, 0x81);
    X(4, 0xa281);
    X(5, 0xc4b3a281);
    X(6, 0xffffffffffffff81ULL);
    X(7, 0xffffff81);
    X(8, 0xffffffffffffa281ULL);
    X(9, 0xffffa281);
    X(10, 0xffffffffc4b3a281ULL);
    X(11, 0x1122334455667788ULL);
    cr_assert_eq(peek64(base - 16) >> 32, 0xc4b3a281, "stur w1, [x0, #-12]");
    cr_assert_eq(peek64(base + 16), v);
    X(12, v);
    X(14, v);
    X(16, 0xc4b3a281eeff0011ULL); /* its upper half was written by the STUR */
    X(17, 0xb3);
    X(18, 0x80000000deadbeefULL);
    X(19, 0xffffffffdeadbeefULL);
}

Test(a64, load_store_pairs)
{
    static const uint32_t code[] = {
        0xa9000801, /* stp x1, x2, [x0] */
        0xa9401003, /* ldp x3, x4, [x0] */
        0xa9810801, /* stp x1, x2, [x0, #16]! */
        0xa8ff1805, /* ldp x5, x6, [x0], #-16 */
        0x29040801, /* stp w1, w2, [x0, #32] */
        0x29442007, /* ldp w7, w8, [x0, #32] */
        0x69442809, /* ldpsw x9, x10, [x0, #32] */
        0xa9bf0be1, /* stp x1, x2, [sp, #-16]! */
        0xa8c133eb, /* ldp x11, x12, [sp], #16 */
        0xa840380d, /* ldnp x13, x14, [x0] */
        HVC0,
    };
    load(code, N(code));
    const uint64_t base = DATA + 0x200;
    R.x[0] = base;
    R.x[1] = 0x1111111111111111ULL;
    R.x[2] = 0x82222222f2222222ULL;
    R.sp_el1 = DATA + 0x1000;
    go_hvc();
    X(0, base);
    X(3, R.x[1]);
    X(4, R.x[2]);
    X(5, R.x[1]);
    X(6, R.x[2]);
    X(7, 0x11111111);
    X(8, 0xf2222222);
    X(9, 0x11111111);
    X(10, 0xfffffffff2222222ULL);
    X(11, R.x[1]);
    X(12, R.x[2]);
    X(13, R.x[1]);
    X(14, R.x[2]);
    cr_assert_eq(R.sp_el1, DATA + 0x1000);
    cr_assert_eq(peek64(DATA + 0x1000 - 16), R.x[1]);
    cr_assert_eq(peek64(base + 16), R.x[1]);
}

Test(a64, accesses_crossing_a_page)
{
    static const uint32_t code[] = {
        0xf9400001, /* ldr x1, [x0] */
        0xf9000002, /* str x2, [x0] */
        0xf9400003, /* ldr x3, [x0] */
        0xa93f8402, /* stp x2, x1, [x0, #-8] */
        0xa97f9404, /* ldp x4, x5, [x0, #-8] */
        HVC0,
    };
    load(code, N(code));
    const uint64_t at = DATA + 0x1ffc;
    poke64(at, 0x0123456789abcdefULL);
    R.x[0] = at;
    R.x[2] = 0xfedcba9876543210ULL;
    go_hvc();
    X(1, 0x0123456789abcdefULL);
    X(3, 0xfedcba9876543210ULL);
    X(4, 0xfedcba9876543210ULL);
    X(5, 0x0123456789abcdefULL);
    cr_assert_eq(peek64(at - 8), 0xfedcba9876543210ULL);
    cr_assert_eq(peek64(at), 0x0123456789abcdefULL);
}

/* ---- system registers ----------------------------------------------------------- */

Test(a64, system_registers)
{
    static const uint32_t code[] = {
        0xd5380000, /* mrs x0, midr_el1 */
        0xd53800a1, /* mrs x1, mpidr_el1 */
        0xd5384242, /* mrs x2, currentel */
        0xd518d08a, /* msr tpidr_el1, x10 */
        0xd538d083, /* mrs x3, tpidr_el1 */
        0xd518c00b, /* msr vbar_el1, x11 */
        0xd51bd04c, /* msr tpidr_el0, x12 */
        0xd53bd044, /* mrs x4, tpidr_el0 */
        0xd53b4225, /* mrs x5, daif */
        0xd5034fff, /* msr daifclr, #0xf */
        0xd53b4226, /* mrs x6, daif */
        0xd50342df, /* msr daifset, #0x2 */
        0xd53b4227, /* mrs x7, daif */
        0xd5381008, /* mrs x8, sctlr_el1 */
        0xd5384209, /* mrs x9, spsel */
        HVC0,
    };
    load(code, N(code));
    R.x[10] = 0x1010;
    R.x[11] = 0x40000800;
    R.x[12] = 0xabc;
    go_hvc();
    X(0, 0x410FD083);
    X(1, 0x80000000);
    X(2, 4);
    X(3, 0x1010);
    X(4, 0xabc);
    X(5, 0x3c0);
    X(6, 0);
    X(7, 0x80);
    X(8, 0x00C50078);
    X(9, 1);
    cr_assert_eq(R.pstate & 0x3c0, 0x80);
    uint64_t v;
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_ARM64_VBAR_EL1, &v), 0);
    cr_assert_eq(v, 0x40000800);
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_REG_ARM64_SYS(3, 0, 13, 0, 4), &v), 0);
    cr_assert_eq(v, 0x1010, "TPIDR_EL1");
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_ARM64_TPIDR_EL0, &v), 0);
    cr_assert_eq(v, 0xabc);

    /* The VMM sets registers the guest then reads. */
    cr_assert_eq(squib_vcpu_set_one_reg(vcpu, SQUIB_ARM64_MPIDR_EL1, 0x80000001), 0);
    cr_assert_eq(squib_vcpu_set_one_reg(vcpu, SQUIB_ARM64_TPIDR_EL0, 0x5555), 0);
    R.pc = CODE;
    go_hvc();
    X(1, 0x80000001);
    X(4, 0xabc); /* the guest wrote x12 into it again */

    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, SQUIB_REG_ARM64_SYS(3, 0, 15, 0, 0), &v),
                 -ENOENT);
    cr_assert(strlen(squib_errmsg()) > 0);
    cr_assert_eq(squib_vcpu_set_one_reg(vcpu, 0x1234, 1), -ENOENT);
}

Test(a64, stack_pointer_selection)
{
    static const uint32_t code[] = {
        0x910003e0, /* mov x0, sp */
        0xd50040bf, /* msr spsel, #0x0 */
        0x910003e1, /* mov x1, sp */
        0x9100015f, /* mov sp, x10 */
        0xd50041bf, /* msr spsel, #0x1 */
        0x910003e2, /* mov x2, sp */
        0xd5384103, /* mrs x3, sp_el0 */
        0xd518410b, /* msr sp_el0, x11 */
        0xd518402c, /* msr elr_el1, x12 */
        0xd518400d, /* msr spsr_el1, x13 */
        0xd2ac0004, /* mov x4, #0x60000000 */
        0xd51b4204, /* msr nzcv, x4 */
        HVC0,
    };
    load(code, N(code));
    R.sp_el1 = 0x40100000;
    R.sp = 0x40080000;
    R.x[10] = 0x40090000;
    R.x[11] = 0x400a0000;
    R.x[12] = 0x1234;
    R.x[13] = 0x3c5;
    go_hvc();
    X(0, 0x40100000);
    X(1, 0x40080000);
    X(2, 0x40100000);
    X(3, 0x40090000);
    cr_assert_eq(R.sp, 0x400a0000);
    cr_assert_eq(R.sp_el1, 0x40100000);
    cr_assert_eq(R.elr_el1, 0x1234);
    cr_assert_eq(R.spsr_el1, 0x3c5);
    cr_assert_eq(R.pstate, 0x600003c5, "pstate 0x%llx", (unsigned long long)R.pstate);

    /* EL1t through PSTATE.M: SP is SP_EL0. */
    R.pc = CODE;
    R.pstate = 0x3c4;
    go_hvc();
    X(0, 0x400a0000);
}

Test(a64, el0_restrictions)
{
    static const uint32_t code[] = {
        0xd53bd044, /* mrs x4, tpidr_el0 (allowed) */
        0xd5380000, /* mrs x0, midr_el1 (UNDEFINED at EL0) */
    };
    load(code, N(code));
    vectors_install();
    R.pstate = 0; /* EL0t */
    expect_exception(0x400, 0x00, CODE + 4);
    R.pc = CODE + 8;
    R.pstate = 0;
    memcpy(host(CODE + 8), &(uint32_t){HVC0}, 4);
    expect_exception(0x400, 0x00, CODE + 8); /* HVC is UNDEFINED at EL0 */
}
