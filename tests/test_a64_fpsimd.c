/* tests/test_a64_fpsimd.c: the A64 SIMD&FP registers: the CPACR_EL1.FPEN
 * trap (instructions and FPCR/FPSR), loads and stores of B/H/S/D/Q in every
 * addressing mode, pairs, LD1-LD4/ST1-ST4 (multiple and single structure,
 * LDnR), FMOV/DUP/INS/UMOV/SMOV/MOVI and the bitwise moves, the UNDEFINED
 * encodings among them, and what happens on MMIO, misalignment and SP
 * misalignment.  Each test: words, run to the HVC, check registers and
 * memory against values worked out by hand from the Arm ARM (C7.2).
 *
 * Memory at DATA holds pat(k) at DATA + k: the byte k for k < 0x100, then
 * each 256-byte page xored with a different value, so a wrong address
 * shows.  V registers start as SENT (every byte 0xa5), so a lane or upper
 * half that should have been kept or zeroed shows.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"

#define CPACR_EL1 SYSREG(3, 0, 1, 0, 2)
#define SCTLR_EL1 SYSREG(3, 0, 1, 0, 0)
#define MMIO 0x09000000ULL
#define SENT 0xa5a5a5a5a5a5a5a5ULL
#define FPEN(v) ((uint64_t)(v) << 20)
#define ESR_FP 0x1fe00000u /* EC 0x07, IL, CV = 1, COND = 0b1110 */

static struct squib_arm64_fp F;

static uint8_t pat(unsigned k)
{
    return (uint8_t)(k ^ ((k >> 8) * 0x10));
}

/* The 8 pattern bytes at DATA + off, little-endian. */
static uint64_t seq(unsigned off)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < 8; k++)
        v |= (uint64_t)pat(off + k) << (8 * k);
    return v;
}

static uint64_t w32(unsigned off)
{
    return seq(off) & 0xffffffffu;
}

static void fp_push(void)
{
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_ARM64_FP, &F, sizeof F), 0);
}

static void fp_pull(void)
{
    cr_assert_eq(squib_vcpu_get_regs(vcpu, SQUIB_REGSET_ARM64_FP, &F, sizeof F), 0);
}

/* Pushes F and R, runs to the HVC, pulls both. */
static void run_hvc(void)
{
    fp_push();
    go_hvc();
    fp_pull();
}

static void setup(void)
{
    a64_fixture_init();
    for (unsigned k = 0; k < 0x800; k++)
        ((uint8_t *)host(DATA))[k] = pat(k);
    memset(&F, 0xa5, sizeof F.v);
    F.fpcr = F.fpsr = 0;
    sysreg_set(CPACR_EL1, FPEN(3));
}

static void teardown(void)
{
    a64_fixture_fini();
}

TestSuite(a64_fpsimd, .init = setup, .fini = teardown, .timeout = 30);

#define V(r, lo, hi)                                                                      \
    do {                                                                                  \
        uint64_t lo_ = (lo), hi_ = (hi);                                                  \
        cr_assert(F.v[r][0] == lo_ && F.v[r][1] == hi_,                                   \
                  "v%d = %016llx:%016llx, want %016llx:%016llx", r,                       \
                  (unsigned long long)F.v[r][1], (unsigned long long)F.v[r][0],           \
                  (unsigned long long)hi_, (unsigned long long)lo_);                      \
    } while (0)

#define MEM(off, v)                                                                       \
    cr_assert_eq(peek64(DATA + (off)), (uint64_t)(v), "[DATA+0x%x] = %016llx, want %016llx", \
                 (unsigned)(off), (unsigned long long)peek64(DATA + (off)),               \
                 (unsigned long long)(v))

/* ---- CPACR_EL1.FPEN ------------------------------------------------------------ */

/* FPEN 00 and 10 trap at EL1, 01 and 11 do not; the trap is EC 0x07 with
 * ELR at the instruction and nothing changed. */
Test(a64_fpsimd, cpacr_traps_at_el1)
{
    static const uint32_t code[] = {
        0x9e670020, /* fmov d0, x1 */
        HVC0,
    };
    load(code, N(code));
    vectors_install();
    R.x[1] = 0x1234;
    static const unsigned traps[] = {0, 2};
    for (unsigned k = 0; k < N(traps); k++) {
        sysreg_set(CPACR_EL1, FPEN(traps[k]));
        R.pc = CODE;
        R.pstate = 0x3c5;
        fp_push();
        uint64_t esr = expect_exception(0x200, 0x07, CODE);
        cr_assert_eq(esr, ESR_FP, "ESR 0x%llx", (unsigned long long)esr);
        fp_pull();
        V(0, SENT, SENT);
    }
    static const unsigned ok[] = {1, 3};
    for (unsigned k = 0; k < N(ok); k++) {
        sysreg_set(CPACR_EL1, FPEN(ok[k]));
        R.pc = CODE;
        R.pstate = 0x3c5;
        F.v[0][0] = F.v[0][1] = SENT;
        run_hvc();
        cr_assert_eq(ex.pc, CODE + 4);
        V(0, 0x1234, 0);
    }
}

/* At EL0, FPEN 01 traps too (to the lower-EL vector); 11 does not. */
Test(a64_fpsimd, cpacr_traps_at_el0)
{
    static const uint32_t code[] = {
        0x3dc00020, /* ldr q0, [x1] */
        HVC0,
    };
    load(code, N(code));
    vectors_install();
    R.x[1] = DATA;
    for (unsigned fpen = 0; fpen < 3; fpen++) {
        sysreg_set(CPACR_EL1, FPEN(fpen));
        R.pc = CODE;
        R.pstate = 0x0; /* EL0t */
        fp_push();
        uint64_t esr = expect_exception(0x400, 0x07, CODE);
        cr_assert_eq(esr, ESR_FP, "FPEN %u: ESR 0x%llx", fpen, (unsigned long long)esr);
    }
    sysreg_set(CPACR_EL1, FPEN(3));
    R.pc = CODE;
    R.pstate = 0x0;
    run_hvc();
    V(0, seq(0), seq(8));
}

/* Decoded blocks do not remember FPEN: the guest disables FP/SIMD with MSR
 * inside a block that already ran with it enabled. */
Test(a64_fpsimd, cpacr_is_checked_when_executing)
{
    static const uint32_t code[] = {
        0xd5181045, /* msr cpacr_el1, x5 */
        0xd5033fdf, /* isb */
        0x9e670020, /* fmov d0, x1 */
        HVC0,
    };
    load(code, N(code));
    vectors_install();
    R.x[1] = 77;
    R.x[5] = FPEN(3);
    run_hvc();
    V(0, 77, 0);
    cr_assert_eq(ex.pc, CODE + 12);
    R.pc = CODE;
    R.x[5] = 0;
    R.x[1] = 78;
    fp_push();
    uint64_t esr = expect_exception(0x200, 0x07, CODE + 8);
    cr_assert_eq(esr, ESR_FP);
    fp_pull();
    V(0, 77, 0);
}

/* MRS/MSR of FPCR and FPSR are trapped by FPEN like the instructions. */
Test(a64_fpsimd, fpcr_fpsr_trap)
{
    static const uint32_t code[] = {
        0xd53b4400, /* mrs x0, fpcr */
        0xd51b4421, /* msr fpsr, x1 */
        0xd53b4422, /* mrs x2, fpsr */
        0xd51b4403, /* msr fpcr, x3 */
        HVC0,
    };
    load(code, N(code));
    vectors_install();
    F.fpcr = 0x03c00000;
    R.x[1] = 0x8000009f;
    R.x[3] = 0x01000000;
    run_hvc();
    X(0, 0x03c00000);
    X(2, 0x8000009f);
    cr_assert_eq(F.fpsr, 0x8000009f);
    cr_assert_eq(F.fpcr, 0x01000000);
    sysreg_set(CPACR_EL1, FPEN(0));
    for (unsigned k = 0; k < 4; k++) {
        R.pc = CODE + 4 * k;
        R.pstate = 0x3c5;
        uint64_t esr = expect_exception(0x200, 0x07, CODE + 4 * k);
        cr_assert_eq(esr, ESR_FP, "insn %u: ESR 0x%llx", k, (unsigned long long)esr);
    }
    sysreg_set(CPACR_EL1, FPEN(1)); /* EL0 still traps */
    R.pc = CODE;
    R.pstate = 0;
    expect_exception(0x400, 0x07, CODE);
}

/* ---- single registers --------------------------------------------------------- */

Test(a64_fpsimd, ldr_str_every_size_and_mode)
{
    static const uint32_t code[] = {
        0x3d400420, /* ldr b0, [x1, #1] */
        0x7d400421, /* ldr h1, [x1, #2] */
        0xbd400422, /* ldr s2, [x1, #4] */
        0xfd400423, /* ldr d3, [x1, #8] */
        0x3dc00424, /* ldr q4, [x1, #16] */
        0x3cdff025, /* ldur q5, [x1, #-1] */
        0xfc408c26, /* ldr d6, [x1, #8]! */
        0xbc5fc447, /* ldr s7, [x2], #-4 */
        0x3ce47868, /* ldr q8, [x3, x4, lsl #4] */
        0x7c65d869, /* ldr h9, [x3, w5, sxtw #1] */
        0x3c64686a, /* ldr b10, [x3, x4] */
        0x9c00014b, /* ldr q11, lit */
        0x3d8000c4, /* str q4, [x6] */
        0x3d0040c0, /* str b0, [x6, #16] */
        0x7c012cc1, /* str h1, [x6, #18]! */
        0xbc0030c2, /* stur s2, [x6, #3] */
        0xfc0084e3, /* str d3, [x7], #8 */
        0x3ca468e8, /* str q8, [x7, x4] */
        0x1c00006c, /* ldr s12, lit */
        0x5c00004d, /* ldr d13, lit */
        HVC0,
        0x89abcdef, /* lit: */
        0x01234567,
        0x76543210,
        0xfedcba98,
    };
    load(code, N(code));
    R.x[1] = DATA + 0x40;
    R.x[2] = DATA + 0x80;
    R.x[3] = DATA + 0x100;
    R.x[4] = 2;
    R.x[5] = 0xfffffffe; /* -2 as SXTW */
    R.x[6] = DATA + 0x800;
    R.x[7] = DATA + 0x900;
    run_hvc();
    V(0, 0x41, 0);
    V(1, 0x4342, 0);
    V(2, 0x47464544, 0);
    V(3, seq(0x48), 0);
    V(4, seq(0x50), seq(0x58));
    V(5, seq(0x3f), seq(0x47));
    V(6, seq(0x48), 0);
    X(1, DATA + 0x48);
    V(7, 0x83828180, 0);
    X(2, DATA + 0x7c);
    V(8, seq(0x120), seq(0x128));
    V(9, seq(0xfc) & 0xffff, 0);
    V(10, pat(0x102), 0);
    V(11, 0x0123456789abcdefULL, 0xfedcba9876543210ULL);
    V(12, 0x89abcdef, 0);
    V(13, 0x0123456789abcdefULL, 0);
    MEM(0x800, seq(0x50));
    MEM(0x808, seq(0x58));
    MEM(0x810, 0x41 | 0x4342ULL << 16 | 0x464544ULL << 40);
    cr_assert_eq(((uint8_t *)host(DATA))[0x818], 0x47);
    X(6, DATA + 0x812);
    MEM(0x900, seq(0x48));
    X(7, DATA + 0x908);
    MEM(0x90a, seq(0x120));
    MEM(0x912, seq(0x128));
    cr_assert_eq(ex.pc, CODE + 80);
}

Test(a64_fpsimd, ldp_stp)
{
    static const uint32_t code[] = {
        0x2d7f0420, /* ldp s0, s1, [x1, #-8] */
        0x6dc10c22, /* ldp d2, d3, [x1, #16]! */
        0xacc11444, /* ldp q4, q5, [x2], #32 */
        0xac601c66, /* ldnp q6, q7, [x3, #-1024] */
        0x6d4127e8, /* ldp d8, d9, [sp, #16] */
        0x2d0004c0, /* stp s0, s1, [x6] */
        0x6d810cc2, /* stp d2, d3, [x6, #16]! */
        0xacbf14e4, /* stp q4, q5, [x7], #-32 */
        0xac021ce6, /* stnp q6, q7, [x7, #64] */
        0xadbf27e8, /* stp q8, q9, [sp, #-32]! */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = DATA + 0x40;
    R.x[2] = DATA + 0x80;
    R.x[3] = DATA + 0x500;
    R.sp_el1 = DATA + 0x200;
    R.x[6] = DATA + 0x800;
    R.x[7] = DATA + 0x900;
    run_hvc();
    V(0, 0x3b3a3938, 0);
    V(1, 0x3f3e3d3c, 0);
    V(2, seq(0x50), 0);
    V(3, seq(0x58), 0);
    X(1, DATA + 0x50);
    V(4, seq(0x80), seq(0x88));
    V(5, seq(0x90), seq(0x98));
    X(2, DATA + 0xa0);
    V(6, seq(0x100), seq(0x108));
    V(7, seq(0x110), seq(0x118));
    X(3, DATA + 0x500);
    V(8, seq(0x210), 0);
    V(9, seq(0x218), 0);
    MEM(0x800, 0x3f3e3d3c3b3a3938ULL);
    MEM(0x810, seq(0x50));
    MEM(0x818, seq(0x58));
    X(6, DATA + 0x810);
    MEM(0x900, seq(0x80));
    MEM(0x918, seq(0x98));
    X(7, DATA + 0x8e0);
    MEM(0x920, seq(0x100));
    MEM(0x938, seq(0x118));
    cr_assert_eq(R.sp_el1, DATA + 0x1e0);
    MEM(0x1e0, seq(0x210));
    MEM(0x1e8, 0);
    MEM(0x1f0, seq(0x218));
    MEM(0x1f8, 0);
}

/* ---- structures ------------------------------------------------------------------ */

Test(a64_fpsimd, ld1_st1_multiple_and_interleaved)
{
    static const uint32_t code[] = {
        0x4c407020, /* ld1 {v0.16b}, [x1] */
        0x0cdfa021, /* ld1 {v1.8b, v2.8b}, [x1], #16 */
        0x4cc46823, /* ld1 {v3.4s-v5.4s}, [x1], x4 */
        0x4c402c5e, /* ld1 {v30.2d, v31.2d, v0.2d, v1.2d}, [x2] */
        0x0cdf7c46, /* ld1 {v6.1d}, [x2], #8 */
        0x4c408467, /* ld2 {v7.8h, v8.8h}, [x3] */
        0x0cdf4069, /* ld3 {v9.8b-v11.8b}, [x3], #24 */
        0x4c40086c, /* ld4 {v12.4s-v15.4s}, [x3] */
        0x4c9fa0c0, /* st1 {v0.16b, v1.16b}, [x6], #32 */
        0x0c0084c7, /* st2 {v7.4h, v8.4h}, [x6] */
        0x4c8448ec, /* st3 {v12.4s-v14.4s}, [x7], x4 */
        0x4c0000e9, /* st4 {v9.16b-v12.16b}, [x7] */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = DATA + 0x40;
    R.x[2] = DATA + 0x80;
    R.x[3] = DATA;
    R.x[4] = 0x30;
    R.x[6] = DATA + 0x800;
    R.x[7] = DATA + 0x900;
    run_hvc();
    V(2, seq(0x48), 0);
    V(3, seq(0x50), seq(0x58));
    V(4, seq(0x60), seq(0x68));
    V(5, seq(0x70), seq(0x78));
    X(1, DATA + 0x80);
    V(30, seq(0x80), seq(0x88));
    V(31, seq(0x90), seq(0x98));
    V(0, seq(0xa0), seq(0xa8)); /* the list wrapped from v31 to v0 */
    V(1, seq(0xb0), seq(0xb8));
    V(6, seq(0x80), 0);
    X(2, DATA + 0x88);
    V(7, 0x0d0c090805040100ULL, 0x1d1c191815141110ULL);
    V(8, 0x0f0e0b0a07060302ULL, 0x1f1e1b1a17161312ULL);
    V(9, 0x15120f0c09060300ULL, 0);
    V(10, 0x1613100d0a070401ULL, 0);
    V(11, 0x1714110e0b080502ULL, 0);
    X(3, DATA + 0x18);
    V(12, w32(0x18) | w32(0x28) << 32, w32(0x38) | w32(0x48) << 32);
    V(15, w32(0x24) | w32(0x34) << 32, w32(0x44) | w32(0x54) << 32);
    MEM(0x800, seq(0xa0));
    MEM(0x818, seq(0xb8));
    X(6, DATA + 0x820);
    MEM(0x820, seq(0)); /* ST2 re-interleaves what LD2 split */
    MEM(0x828, seq(8));
    MEM(0x900, seq(0x18));
    MEM(0x908, w32(0x20) | w32(0x28) << 32);
    MEM(0x928, w32(0x4c) | w32(0x50) << 32);
    X(7, DATA + 0x930);
    MEM(0x930, 0x1905040318020100ULL);
    /* Lanes 14 and 15: zeros from the upper halves LD3 (8B) cleared, then
     * bytes 14 and 15 of v12. */
    MEM(0x968, 0x4aULL << 24 | 0x4bULL << 56);
}

Test(a64_fpsimd, single_structure_and_replicate)
{
    static const uint32_t code[] = {
        0x4d401c20, /* ld1 {v0.b}[15], [x1] */
        0x0ddf5821, /* ld1 {v1.h}[3], [x1], #2 */
        0x0de49022, /* ld2 {v2.s, v3.s}[1], [x1], x4 */
        0x4d40a444, /* ld3 {v4.d-v6.d}[1], [x2] */
        0x4dff2447, /* ld4 {v7.b-v10.b}[9], [x2], #4 */
        0x4d40c86b, /* ld1r {v11.4s}, [x3] */
        0x0dffc06c, /* ld2r {v12.8b, v13.8b}, [x3], #2 */
        0x4d60ec6e, /* ld4r {v14.2d-v17.2d}, [x3] */
        0x0dc4e472, /* ld3r {v18.4h-v20.4h}, [x3], x4 */
        0x4d001cc0, /* st1 {v0.b}[15], [x6] */
        0x0d005901, /* st1 {v1.h}[3], [x8] */
        0x0dbf90e2, /* st2 {v2.s, v3.s}[1], [x7], #8 */
        0x4da424e7, /* st4 {v7.b-v10.b}[9], [x7], x4 */
        0x0d00a4e4, /* st3 {v4.d-v6.d}[0], [x7] */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = DATA + 0x40;
    R.x[2] = DATA + 0x80;
    R.x[3] = DATA + 0xc0;
    R.x[4] = 0x10;
    R.x[6] = DATA + 0x800;
    R.x[7] = DATA + 0x900;
    R.x[8] = DATA + 0x880;
    run_hvc();
    V(0, SENT, (SENT & ~(0xffULL << 56)) | 0x40ULL << 56);
    V(1, (SENT & 0xffffffffffffULL) | 0x4140ULL << 48, SENT);
    V(2, (SENT & 0xffffffffu) | w32(0x42) << 32, SENT);
    V(3, (SENT & 0xffffffffu) | w32(0x46) << 32, SENT);
    X(1, DATA + 0x52);
    V(4, SENT, seq(0x80));
    V(5, SENT, seq(0x88));
    V(6, SENT, seq(0x90));
    V(7, SENT, (SENT & ~0xff00ULL) | 0x8000);
    V(10, SENT, (SENT & ~0xff00ULL) | 0x8300);
    X(2, DATA + 0x84);
    V(11, w32(0xc0) * 0x100000001ULL, w32(0xc0) * 0x100000001ULL);
    V(12, 0xc0c0c0c0c0c0c0c0ULL, 0);
    V(13, 0xc1c1c1c1c1c1c1c1ULL, 0);
    V(14, seq(0xc2), seq(0xc2));
    V(17, seq(0xda), seq(0xda));
    V(18, 0xc3c2c3c2c3c2c3c2ULL, 0);
    V(20, 0xc7c6c7c6c7c6c7c6ULL, 0);
    X(3, DATA + 0xd2);
    cr_assert_eq(((uint8_t *)host(DATA))[0x800], 0x40);
    cr_assert_eq(((uint8_t *)host(DATA))[0x801], 0);
    MEM(0x880, 0x4140);
    MEM(0x900, seq(0x42));
    MEM(0x908, 0x83828180);
    X(7, DATA + 0x918);
    MEM(0x918, SENT);
    MEM(0x928, SENT);
    MEM(0x930, 0);
}

/* ---- moves -------------------------------------------------------------------------- */

Test(a64_fpsimd, fmov)
{
    static const uint32_t code[] = {
        0x1e270020, /* fmov s0, w1 */
        0x1e260062, /* fmov w2, s3 */
        0x9e6700a4, /* fmov d4, x5 */
        0x9e6600e6, /* fmov x6, d7 */
        0x9eaf0128, /* fmov v8.d[1], x9 */
        0x9eae016a, /* fmov x10, v11.d[1] */
        0x1e2041ac, /* fmov s12, s13 */
        0x1e6041ee, /* fmov d14, d15 */
        0x1e2e1010, /* fmov s16, #1.0 */
        0x1e709011, /* fmov d17, #-2.5 */
        0x1e681012, /* fmov d18, #0.125 */
        0x1e2603f3, /* fmov w19, s31 */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = 0xffffffff87654321ULL;
    R.x[5] = 0x1122334455667788ULL;
    R.x[9] = 0x99aabbccddeeff00ULL;
    F.v[3][0] = 0x1111111122222222ULL;
    F.v[7][0] = 0x3333333344444444ULL;
    F.v[11][1] = 0x5555555566666666ULL;
    F.v[13][0] = 0x7777777788888888ULL;
    F.v[15][0] = 0x99999999aaaaaaaaULL;
    F.v[31][0] = 0xfedcba9876543210ULL;
    run_hvc();
    V(0, 0x87654321, 0);
    X(2, 0x22222222);
    V(4, 0x1122334455667788ULL, 0);
    X(6, 0x3333333344444444ULL);
    V(8, SENT, 0x99aabbccddeeff00ULL); /* D[0] kept */
    X(10, 0x5555555566666666ULL);
    V(12, 0x88888888, 0);
    V(14, 0x99999999aaaaaaaaULL, 0);
    V(16, 0x3f800000, 0);
    V(17, 0xc004000000000000ULL, 0);
    V(18, 0x3fc0000000000000ULL, 0);
    X(19, 0x76543210);
}

Test(a64_fpsimd, dup_ins_umov_smov_mov)
{
    const uint64_t HI = 0xff0e8d0c8b0a0908ULL;
    static const uint32_t code[] = {
        0x4e0b0420, /* dup v0.16b, v1.b[5] */
        0x0e1e0422, /* dup v2.4h, v1.h[7] */
        0x4e180423, /* dup v3.2d, v1.d[1] */
        0x4e040ca4, /* dup v4.4s, w5 */
        0x0e010ca6, /* dup v6.8b, w5 */
        0x4e080ca7, /* dup v7.2d, x5 */
        0x4e1c1ca8, /* mov v8.s[3], w5 */
        0x6e017c29, /* mov v9.b[0], v1.b[15] */
        0x6e18042a, /* mov v10.d[1], v1.d[0] */
        0x4e0a1feb, /* mov v11.h[2], wzr */
        0x0e073c2c, /* umov w12, v1.b[3] */
        0x0e1e3c2d, /* umov w13, v1.h[7] */
        0x0e0c3c2e, /* mov w14, v1.s[1] */
        0x4e183c2f, /* mov x15, v1.d[1] */
        0x0e052c30, /* smov w16, v1.b[2] */
        0x4e1a2c31, /* smov x17, v1.h[6] */
        0x4e1c2c32, /* smov x18, v1.s[3] */
        0x4ea11c33, /* mov v19.16b, v1.16b */
        0x0ea11c34, /* mov v20.8b, v1.8b */
        0x5e140435, /* mov s21, v1.s[2] */
        0x5e180436, /* mov d22, v1.d[1] */
        HVC0,
    };
    load(code, N(code));
    F.v[1][0] = 0x0706058403020100ULL;
    F.v[1][1] = HI;
    R.x[5] = 0x1122334455667788ULL;
    run_hvc();
    V(0, 0x0505050505050505ULL, 0x0505050505050505ULL);
    V(2, 0xff0eff0eff0eff0eULL, 0);
    V(3, HI, HI);
    V(4, 0x5566778855667788ULL, 0x5566778855667788ULL);
    V(6, 0x8888888888888888ULL, 0);
    V(7, 0x1122334455667788ULL, 0x1122334455667788ULL);
    V(8, SENT, (SENT & 0xffffffffu) | 0x55667788ULL << 32);
    V(9, (SENT & ~0xffULL) | 0xff, SENT);
    V(10, SENT, 0x0706058403020100ULL);
    V(11, SENT & ~(0xffffULL << 32), SENT);
    X(12, 0x03);
    X(13, 0xff0e);
    X(14, 0x07060584);
    X(15, HI);
    X(16, 0x02);
    X(17, 0xffffffffffff8d0cULL);
    X(18, 0xffffffffff0e8d0cULL);
    V(19, 0x0706058403020100ULL, HI);
    V(20, 0x0706058403020100ULL, 0);
    V(21, 0x8b0a0908, 0);
    V(22, HI, 0);
}

/* SMOV sign-extends: a negative byte into Wd leaves the upper half 0. */
Test(a64_fpsimd, smov_negative_to_w)
{
    static const uint32_t code[] = {
        0x0e052c30, /* smov w16, v1.b[2] */
        HVC0,
    };
    load(code, N(code));
    F.v[1][0] = 0x0000000000800000ULL;
    R.x[16] = ~0ULL;
    run_hvc();
    X(16, 0xffffff80);
}

Test(a64_fpsimd, movi_mvni_orr_bic_fmov_vector)
{
    static const uint32_t code[] = {
        0x4f05e560, /* movi v0.16b, #0xab */
        0x4f002641, /* movi v1.4s, #0x12, lsl #8 */
        0x6f05e4a2, /* movi v2.2d, #0xff00ff0000ff00ff */
        0x2f04e463, /* movi d3, #0xff0000000000ffff */
        0x0f01a684, /* movi v4.4h, #0x34, lsl #8 */
        0x0f02d6c5, /* movi v5.2s, #0x56, msl #16 */
        0x6f006646, /* mvni v6.4s, #0x12, lsl #24 */
        0x6f048747, /* mvni v7.8h, #0x9a */
        0x2f03c708, /* mvni v8.2s, #0x78, msl #8 */
        0x4f045409, /* orr v9.4s, #0x80, lsl #16 */
        0x6f0797ea, /* bic v10.8h, #0xff */
        0x0f00b42b, /* orr v11.4h, #0x1, lsl #8 */
        0x2f0317ec, /* bic v12.2s, #0x7f */
        0x4f03f70d, /* fmov v13.4s, #1.5 */
        0x6f07f40e, /* fmov v14.2d, #-0.5 */
        0x0f01f7ef, /* fmov v15.2s, #31.0 */
        HVC0,
    };
    load(code, N(code));
    F.v[9][0] = F.v[9][1] = 0x0000000100000002ULL;
    F.v[10][0] = F.v[10][1] = 0x123456789abcdef0ULL;
    F.v[11][0] = F.v[11][1] = 0x0000000000000000ULL;
    F.v[12][0] = F.v[12][1] = 0xffffffffffffffffULL;
    run_hvc();
    V(0, 0xababababababababULL, 0xababababababababULL);
    V(1, 0x0000120000001200ULL, 0x0000120000001200ULL);
    V(2, 0xff00ff0000ff00ffULL, 0xff00ff0000ff00ffULL);
    V(3, 0xff0000000000ffffULL, 0);
    V(4, 0x3400340034003400ULL, 0);
    V(5, 0x0056ffff0056ffffULL, 0);
    V(6, 0xedffffffedffffffULL, 0xedffffffedffffffULL);
    V(7, 0xff65ff65ff65ff65ULL, 0xff65ff65ff65ff65ULL);
    V(8, 0xffff8700ffff8700ULL, 0);
    V(9, 0x0080000100800002ULL, 0x0080000100800002ULL);
    V(10, 0x120056009a00de00ULL, 0x120056009a00de00ULL);
    V(11, 0x0100010001000100ULL, 0);
    V(12, 0xffffff80ffffff80ULL, 0);
    V(13, 0x3fc000003fc00000ULL, 0x3fc000003fc00000ULL);
    V(14, 0xbfe0000000000000ULL, 0xbfe0000000000000ULL);
    V(15, 0x41f8000041f80000ULL, 0);
}

Test(a64_fpsimd, bitwise_and_ext)
{
    static const uint32_t code[] = {
        0x4e221c30, /* and v16.16b, v1.16b, v2.16b */
        0x0e621c31, /* bic v17.8b, v1.8b, v2.8b */
        0x4ee21c32, /* orn v18.16b, v1.16b, v2.16b */
        0x6e221c33, /* eor v19.16b, v1.16b, v2.16b */
        0x6e621c34, /* bsl v20.16b, v1.16b, v2.16b */
        0x6ea21c35, /* bit v21.16b, v1.16b, v2.16b */
        0x6ee21c36, /* bif v22.16b, v1.16b, v2.16b */
        0x6e021837, /* ext v23.16b, v1.16b, v2.16b, #3 */
        0x2e023838, /* ext v24.8b, v1.8b, v2.8b, #7 */
        HVC0,
    };
    load(code, N(code));
    const uint64_t a = 0x00ff00ff0f0f3333ULL, b = 0x0f0f0f0f00ff5555ULL, d = 0xf0f0ccccaaaa0000ULL;
    F.v[1][0] = a;
    F.v[1][1] = 0x1716151413121110ULL;
    F.v[2][0] = b;
    F.v[2][1] = 0x2726252423222120ULL;
    for (int r = 20; r <= 22; r++)
        F.v[r][0] = F.v[r][1] = d;
    run_hvc();
    V(16, a & b, 0x1716151413121110ULL & 0x2726252423222120ULL);
    V(17, a & ~b, 0);
    V(18, a | ~b, 0x1716151413121110ULL | ~0x2726252423222120ULL);
    V(19, a ^ b, 0x1716151413121110ULL ^ 0x2726252423222120ULL);
    /* BSL: a where d is 1, else b; BIT: a where b is 1, else d; BIF: a
     * where b is 0, else d. */
    V(20, (a & d) | (b & ~d), (0x1716151413121110ULL & d) | (0x2726252423222120ULL & ~d));
    V(21, (a & b) | (d & ~b), (0x1716151413121110ULL & 0x2726252423222120ULL) |
                                  (d & ~0x2726252423222120ULL));
    V(22, (a & ~b) | (d & b), (0x1716151413121110ULL & ~0x2726252423222120ULL) |
                                  (d & 0x2726252423222120ULL));
    /* EXT #3 of 16 bytes: bytes 3..15 of v1, then bytes 0..2 of v2. */
    V(23, a >> 24 | 0x1716151413121110ULL << 40, 0x1716151413121110ULL >> 24 | b << 40);
    V(24, a >> 56 | b << 8, 0);
}

/* ---- UNDEFINED encodings ---------------------------------------------------------- */

Test(a64_fpsimd, undefined_encodings)
{
    static const uint32_t words[] = {
        0x1ee70020, /* fmov h0, w1: FEAT_FP16 */
        0x1ee60020, /* fmov w0, h1: FEAT_FP16 */
        0x4e100420, /* dup v0, v1 with imm5 = 10000 */
        0x0e083c20, /* umov w0, v1.d[0]: D needs Xd */
        0x0e042c20, /* smov w0, v1.s[0]: S needs Xd */
        0x0e080420, /* dup v0.1d, v1.d[0]: reserved arrangement */
        0x2e024020, /* ext v0.8b, v1.8b, v2.8b, #8 */
        0x0c408c20, /* ld2 {v0.1d, v1.1d}, [x1] */
        0xdc000000, /* ldr (literal, SIMD&FP) opc 11 */
        0xed400000, /* ldp (SIMD&FP) opc 11 */
        0x7dc00020, /* ldr (immediate, SIMD&FP) size 01 opc 11 */
        0x1ea04020, /* fmov (register) ftype 10 */
        0x0d00c020, /* st1r: there is no store-and-replicate */
        0x6f00fc00, /* fmov v0.2d with o2 = 1 */
        0x1e2e1030, /* fmov s16, #1.0 with imm5 = 1 */
        0x6e000c20, /* ins (element) with imm5 = 00000 */
        0x0e003c20, /* umov with imm5 = 00000 */
        0x3c800820, /* str q0 with bits 11:10 = 10 (no unprivileged SIMD&FP) */
        0x9e260020, /* fmov x0, s1 (sf 1, ftype 00): unallocated */
        0x6e420020, /* ext with op2 = 01 */
        0x7e140435, /* scalar copy with op = 1 */
        0x5e140c35, /* scalar copy with imm4 = 0001 */
        0x1e660020, /* fmov w0, d1 (sf 0, ftype 01): unallocated */
    };
    vectors_install();
    R.x[1] = DATA;
    for (unsigned k = 0; k < N(words); k++) {
        uint32_t code[2] = {words[k], HVC0};
        load_at(CODE + 8 * k, code, 2);
        R.pstate = 0x3c5;
        fp_push();
        go_expect(SQUIB_EXIT_HYPERCALL);
        uint64_t esr = sysreg_get(ESR_EL1);
        cr_assert_eq(ex.pc, VEC + 0x200, "0x%08x: no exception (pc 0x%llx)", words[k],
                     (unsigned long long)ex.pc);
        cr_assert_eq(esr, 0x02000000, "0x%08x: ESR 0x%llx, want UNDEFINED", words[k],
                     (unsigned long long)esr);
        cr_assert_eq(R.elr_el1, CODE + 8 * k);
    }
}

/* FP arithmetic is a later issue: it stays an INTERNAL_ERROR naming its
 * group, not an UNDEFINED exception. */
Test(a64_fpsimd, arithmetic_is_not_implemented)
{
    static const uint32_t code[] = {
        0x1e622820, /* fadd d0, d1, d2 */
    };
    load(code, N(code));
    go_expect(SQUIB_EXIT_INTERNAL_ERROR);
    cr_assert(strstr(ex.internal.message, "Scalar floating-point and Advanced SIMD"), "%s",
              ex.internal.message);
}

/* ---- MMIO, alignment, faults ------------------------------------------------------ */

/* A SIMD&FP access to MMIO cannot be emulated (no instruction syndrome):
 * an external Data Abort (DFSC 0x10) with FAR, as QEMU on KVM injects. */
Test(a64_fpsimd, mmio_is_an_external_abort)
{
    static const uint32_t code[] = {
        0x3dc00020, /* ldr q0, [x1] */
        0xfd000421, /* str d1, [x1, #8] */
        0x4c407820, /* ld1 {v0.4s}, [x1] */
        0x4c00ac20, /* st1 {v0.2d, v1.2d}, [x1] */
        0xad400420, /* ldp q0, q1, [x1] */
        0x3cc01020, /* ldur q0, [x1, #1]: unaligned to device: Alignment fault */
    };
    load(code, N(code));
    vectors_install();
    R.x[1] = MMIO;
    static const struct {
        uint64_t far;
        bool wnr;
        unsigned dfsc;
    } want[] = {
        {MMIO, false, 0x10}, {MMIO + 8, true, 0x10}, {MMIO, false, 0x10},
        {MMIO, true, 0x10},  {MMIO, false, 0x10},    {MMIO + 1, false, 0x21},
    };
    for (unsigned k = 0; k < N(want); k++) {
        R.pc = CODE + 4 * k;
        R.pstate = 0x3c5;
        F.v[0][0] = F.v[0][1] = SENT;
        fp_push();
        expect_dabort(CODE + 4 * k, want[k].dfsc, want[k].far, want[k].wnr);
        cr_assert_eq(sysreg_get(ESR_EL1) & (1u << 24), 0, "ISV must be 0");
        fp_pull();
        V(0, SENT, SENT);
    }
}

/* A page-crossing access to RAM works; one that crosses into non-RAM
 * aborts at the first non-RAM byte, writing nothing. */
Test(a64_fpsimd, page_crossing)
{
    static const uint32_t code[] = {
        0x3dc00020, /* ldr q0, [x1] */
        0x3d800022, /* str q2, [x1] */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = DATA + 0xff8;
    poke64(DATA + 0xff8, 0x1111111111111111ULL);
    poke64(DATA + 0x1000, 0x2222222222222222ULL);
    F.v[2][0] = 3;
    F.v[2][1] = 4;
    run_hvc();
    V(0, 0x1111111111111111ULL, 0x2222222222222222ULL);
    MEM(0xff8, 3);
    MEM(0x1000, 4);
    /* The last RAM page, then nothing. */
    vectors_install();
    R.pc = CODE + 4;
    R.x[1] = RAM_BASE + RAM_SIZE - 8;
    R.pstate = 0x3c5;
    poke64(RAM_BASE + RAM_SIZE - 8, 0x5555);
    fp_push();
    expect_dabort(CODE + 4, 0x10, RAM_BASE + RAM_SIZE, true);
    cr_assert_eq(peek64(RAM_BASE + RAM_SIZE - 8), 0x5555);
}

/* SCTLR_EL1.A: each element must be aligned to its size; with A = 0 the
 * same accesses to RAM work. */
Test(a64_fpsimd, alignment_checking)
{
    static const uint32_t code[] = {
        0x3dc00020, /* ldr q0, [x1]: 16-byte element */
        0x4c407820, /* ld1 {v0.4s}, [x1]: 4-byte elements */
        0x6d4127e8, /* ldp d8, d9, [sp, #16] */
        HVC0,
    };
    load(code, N(code));
    vectors_install();
    R.x[1] = DATA + 8;
    R.sp_el1 = DATA + 0x100;
    run_hvc();
    V(0, seq(8), seq(16));
    sysreg_set(SCTLR_EL1, sysreg_get(SCTLR_EL1) | 2);
    R.pc = CODE;
    fp_push();
    expect_dabort(CODE, 0x21, DATA + 8, false);
    R.pc = CODE + 4; /* 8-aligned is enough for 4-byte elements */
    R.pstate = 0x3c5;
    run_hvc();
    V(0, seq(8), seq(16));
    V(8, seq(0x110), 0);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    R.x[1] = DATA + 2;
    expect_dabort(CODE + 4, 0x21, DATA + 2, false);
}

/* An SP base that is not 16-byte aligned: SP alignment fault (EC 0x26). */
Test(a64_fpsimd, sp_alignment)
{
    static const uint32_t code[] = {
        0x3dc007e0, /* ldr q0, [sp, #16] */
    };
    load(code, N(code));
    vectors_install();
    R.sp_el1 = DATA + 8;
    expect_exception(0x200, 0x26, CODE);
}

/* With stage 1 translation on, SIMD&FP accesses fault as integer ones do:
 * a translation fault (level 2) with FAR = the first unmapped byte, a
 * permission fault on a read-only block, and the external abort for a
 * Device mapping of MMIO.  Tables: L0 -> L1 -> L2 with 2 MiB blocks,
 * identity at 0x40000000 and 0x40200000 (Normal), nothing at 0x40400000,
 * a read-only alias of 0x40000000 at 0x40600000, the UART page's block as
 * Device at 0x50000000. */
Test(a64_fpsimd, mmu_faults)
{
    const uint64_t l0 = 0x40010000, l1 = 0x40011000, l2 = 0x40012000;
    const uint64_t table = 3, block = 1, af = 1ULL << 10, ro = 1ULL << 7, dev = 1ULL << 2;
    poke64(l0, l1 | table);
    poke64(l1 + 8 * 1, l2 | table);
    poke64(l2 + 8 * 0, 0x40000000 | af | block);
    poke64(l2 + 8 * 1, 0x40200000 | af | block);
    poke64(l2 + 8 * 3, 0x40000000 | af | ro | block);
    poke64(l2 + 8 * 128, MMIO | af | dev | block);
    sysreg_set(SYSREG(3, 0, 10, 2, 0), 0x00ff);                         /* MAIR_EL1 */
    sysreg_set(SYSREG(3, 0, 2, 0, 2), 16 | 16ULL << 16 | 2ULL << 30); /* TCR_EL1 */
    sysreg_set(SYSREG(3, 0, 2, 0, 0), l0);                              /* TTBR0_EL1 */
    vectors_install();
    sysreg_set(SCTLR_EL1, sysreg_get(SCTLR_EL1) | 1);
    static const uint32_t code[] = {
        0xad400420, /* ldp q0, q1, [x1] */
        0x3d800022, /* str q2, [x1] */
        0x3dc00020, /* ldr q0, [x1] */
        HVC0,
    };
    load(code, N(code));
    /* A pair that reads its last 16 bytes from the unmapped block. */
    R.x[1] = 0x40400000 - 16;
    fp_push();
    expect_dabort(CODE, 0x06, 0x40400000, false);
    fp_pull();
    V(0, SENT, SENT);
    /* A store to the read-only alias. */
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    R.x[1] = 0x40600000 + (DATA - 0x40000000);
    expect_dabort(CODE + 4, 0x0e, R.x[1], true);
    cr_assert_eq(peek64(DATA), seq(0));
    /* A load through it works; then the Device mapping of MMIO. */
    R.pc = CODE + 8;
    R.pstate = 0x3c5;
    run_hvc();
    V(0, seq(0), seq(8));
    R.pc = CODE + 8;
    R.pstate = 0x3c5;
    R.x[1] = 0x50000000;
    expect_dabort(CODE + 8, 0x10, 0x50000000, false);
}
