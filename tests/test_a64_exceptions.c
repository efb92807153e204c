/* tests/test_a64_exceptions.c: synchronous exceptions to EL1 and ERET
 * (Arm ARM D1.10-D1.11), with the MMU off.
 *
 * The vector table (a64_harness.h, vectors_install) holds HVC #0 in every
 * entry, so a taken exception ends the run at VEC + the entry's offset and
 * the test reads ESR_EL1/ELR_EL1/SPSR_EL1/FAR_EL1.  Some tests put real
 * handlers there instead.  Raw instruction words with their assembly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"

#define USER (CODE + 0x800) /* EL0 code */
#define SCTLR_EL1 SYSREG(3, 0, 1, 0, 0)

static void setup(void)
{
    a64_fixture_init();
    vectors_install();
}

static void teardown(void)
{
    a64_fixture_fini();
}

TestSuite(a64_exc, .init = setup, .fini = teardown, .timeout = 30);

Test(a64_exc, svc_from_el1h_and_el1t)
{
    static const uint32_t code[] = {
        0xd4024681, /* svc #0x1234 */
    };
    load(code, N(code));
    R.pstate = 0x60000005; /* EL1h, Z and C set, DAIF clear */
    R.sp_el1 = DATA;
    uint64_t esr = expect_exception(0x200, 0x15, CODE + 4); /* SVC returns after itself */
    cr_assert_eq(esr & 0x1ffffff, 0x1234);
    cr_assert_eq(R.spsr_el1, 0x60000005, "SPSR 0x%llx", (unsigned long long)R.spsr_el1);
    cr_assert_eq(R.pstate >> 28, 6, "NZCV unchanged by exception entry");
    cr_assert_eq(R.sp_el1, DATA);

    load(code, N(code));
    R.pstate = 0x3c4; /* EL1t: current EL with SP_EL0 */
    expect_exception(0x000, 0x15, CODE + 4);
    cr_assert_eq(R.spsr_el1, 0x3c4);
}

/* ERET to EL0 (SPSR_EL1.M = 0), which runs on SP_EL0 and comes back with
 * SVC to the lower-EL vector; SPSR_EL1 then holds EL0t. */
Test(a64_exc, eret_to_el0_and_svc_back)
{
    static const uint32_t code[] = {
        0xd518401f, /* msr spsr_el1, xzr */
        0xd5184021, /* msr elr_el1, x1 */
        0xd69f03e0, /* eret */
    };
    static const uint32_t user[] = {
        0xd28000a0, /* mov x0, #5 */
        0x910003e1, /* mov x1, sp */
        0xd4000021, /* svc #1 */
    };
    load_at(USER, user, N(user));
    load(code, N(code));
    R.x[1] = USER;
    R.sp = DATA + 0x100;    /* SP_EL0 */
    R.sp_el1 = DATA + 0x800;
    uint64_t esr = expect_exception(0x400, 0x15, USER + 12);
    cr_assert_eq(esr & 0xffff, 1);
    X(0, 5);
    X(1, DATA + 0x100); /* EL0 used SP_EL0 */
    cr_assert_eq(R.spsr_el1 & 0x1f, 0, "came from EL0t");
    cr_assert_eq(R.sp_el1, DATA + 0x800);
}

/* A handler in the guest: counts SVCs in x5 and returns with ERET. */
Test(a64_exc, guest_handler_returns_with_eret)
{
    static const uint32_t handler[] = {
        0x910004a5, /* add x5, x5, #1 */
        0xd5385200, /* mrs x0, esr_el1 */
        0xd69f03e0, /* eret */
    };
    static const uint32_t user[] = {
        0xd4000021, /* svc #1 */
        0xd4000021, /* svc #1 */
        0xd503207f, /* wfi (SCTLR_EL1.nTWI = 1 at reset: not trapped) */
    };
    load_at(VEC + 0x400, handler, N(handler));
    load_at(USER, user, N(user));
    R.pstate = 0; /* EL0t */
    go_expect(SQUIB_EXIT_WFI);
    cr_assert_eq(ex.pc, USER + 8);
    X(5, 2);
    X(0, 0x56000001); /* EC 0x15, IL, imm16 1 */
    cr_assert_eq(R.pstate & 0x1f, 0, "back at EL0t");
}

Test(a64_exc, brk_and_guest_debug)
{
    static const uint32_t code[] = {
        0xd42000e0, /* brk #0x7 */
    };
    load(code, N(code));
    uint64_t esr = expect_exception(0x200, 0x3c, CODE); /* BRK returns to itself */
    cr_assert_eq(esr & 0x1ffffff, 7);

    struct squib_guest_debug dbg = {.enable = true};
    cr_assert_eq(squib_vcpu_set_guest_debug(vcpu, &dbg), 0, "%s", squib_errmsg());
    load(code, N(code));
    R.pstate = 0x3c5;
    go_expect(SQUIB_EXIT_DEBUG);
    cr_assert_eq(ex.pc, CODE);
    cr_assert_eq(ex.debug.reason, SQUIB_DEBUG_BREAKPOINT);
}

Test(a64_exc, undefined_at_el0_and_el1)
{
    static const uint32_t code[] = {
        0x00000000, /* udf #0 */
    };
    load(code, N(code));
    expect_undefined(CODE);
    load(code, N(code));
    R.pstate = 0;
    expect_exception(0x400, 0x00, CODE);
    cr_assert_eq(R.spsr_el1 & 0x1f, 0);
}

/* EL0 may not touch EL1 registers (UNDEFINED, EC 0x00); CTR_EL0 and DAIF
 * are trapped (EC 0x18) unless SCTLR_EL1.UCT/UMA allow them; WFI traps with
 * EC 0x01 when SCTLR_EL1.nTWI is 0. */
Test(a64_exc, el0_system_register_access)
{
    static const uint32_t code[] = {
        0xd5381000, /* mrs x0, sctlr_el1 */
        0xd53b0022, /* mrs x2, ctr_el0 */
        0xd50342df, /* msr daifset, #2 */
        0xd503207f, /* wfi */
    };
    load(code, N(code));
    R.pstate = 0;
    expect_exception(0x400, 0x00, CODE);

    R.pc = CODE + 4;
    R.pstate = 0;
    uint64_t esr = expect_exception(0x400, 0x18, CODE + 4);
    /* op0 3, op2 1, op1 3, CRn 0, Rt 2, CRm 0, read */
    cr_assert_eq(esr & 0x1ffffff, 3u << 20 | 1u << 17 | 3u << 14 | 2u << 5 | 1, "ISS 0x%llx",
                 (unsigned long long)(esr & 0x1ffffff));

    uint64_t sctlr = sysreg_get(SCTLR_EL1);
    sysreg_set(SCTLR_EL1, sctlr | 1u << 15); /* UCT */
    R.pc = CODE + 4;
    R.pstate = 0;
    esr = expect_exception(0x400, 0x18, CODE + 8); /* CTR_EL0 read; DAIFSet traps */
    X(2, 0x8444C004);
    cr_assert_eq(esr & 0x1ffffff, 3u << 14 | 4u << 10 | 6u << 17 | 31u << 5 | 2u << 1);

    sysreg_set(SCTLR_EL1, sctlr & ~(1ULL << 16)); /* nTWI = 0 */
    R.pc = CODE + 12;
    R.pstate = 0;
    esr = expect_exception(0x400, 0x01, CODE + 12);
    cr_assert_eq(esr & 0x1ffffff, 1u << 24 | 0xeu << 20, "CV, COND = AL, TI = WFI");
}

Test(a64_exc, pc_alignment_from_el0)
{
    static const uint32_t user[] = {
        0xd61f0000, /* br x0 */
    };
    load_at(USER, user, N(user));
    R.pstate = 0;
    R.x[0] = USER + 0x102;
    expect_exception(0x400, 0x22, USER + 0x102);
    cr_assert_eq(sysreg_get(FAR_EL1), USER + 0x102);
}

/* ERET restores NZCV and DAIF, returns to EL1t or EL1h, and clears the
 * exclusive monitor. */
Test(a64_exc, eret_restores_pstate_and_clears_monitor)
{
    static const uint32_t code[] = {
        0xc85f7c83, /* ldxr x3, [x4] */
        0xd69f03e0, /* eret */
    };
    static const uint32_t after[] = {
        0xc8057c83, /* stxr w5, x3, [x4] */
        HVC0,
    };
    load(code, N(code));
    load_at(USER, after, N(after));
    R.pc = CODE;
    R.x[4] = DATA;
    R.elr_el1 = USER;
    R.spsr_el1 = 0x90000084; /* N, V, I masked, EL1t */
    go_hvc();
    cr_assert_eq(ex.pc, USER + 4);
    X(5, 1); /* the store exclusive failed: ERET cleared the monitor */
    cr_assert_eq(R.pstate, 0x90000084, "pstate 0x%llx", (unsigned long long)R.pstate);
}

Test(a64_exc, eret_is_undefined_at_el0)
{
    static const uint32_t user[] = {
        0xd69f03e0, /* eret */
    };
    load_at(USER, user, N(user));
    R.pstate = 0;
    expect_exception(0x400, 0x00, USER);
}

/* An alignment fault on device memory (the MMU is off: all data accesses
 * are Device-nGnRnE) is a Data Abort with DFSC 0x21, WnR and FAR. */
Test(a64_exc, unaligned_device_access)
{
    static const uint32_t code[] = {
        0xb8401020, /* ldur w0, [x1, #1] */
        0xb9000020, /* str w0, [x1] */
    };
    load(code, N(code));
    R.x[1] = 0x09000000;
    expect_dabort(CODE, 0x21, 0x09000001, false);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    R.x[1] = 0x09000002;
    expect_dabort(CODE + 4, 0x21, 0x09000002, true);
}

/* SP alignment checking (D1.8.2; SCTLR_EL1.SA and SA0 are set at reset):
 * a load or store based on a misaligned SP is an SP alignment fault (EC
 * 0x26); the same access through another register is not checked. */
Test(a64_exc, sp_alignment)
{
    static const uint32_t code[] = {
        0xf9400022, /* ldr x2, [x1] */
        0xf94003e0, /* ldr x0, [sp] */
    };
    static const uint32_t user[] = {
        0xa9bf7bfd, /* stp x29, x30, [sp, #-16]! */
    };
    load_at(USER, user, N(user));
    load(code, N(code));
    R.sp_el1 = DATA + 8;
    R.x[1] = DATA + 8;
    expect_exception(0x200, 0x26, CODE + 4);
    cr_assert_eq(R.sp_el1, DATA + 8);
    R.pc = USER;
    R.pstate = 0;
    R.sp = DATA + 4;
    expect_exception(0x400, 0x26, USER);
    cr_assert_eq(R.sp, DATA + 4, "no writeback");
}

/* System registers of EL2/EL3 (and the VHE _EL12 forms) are UNDEFINED in a
 * guest without those ELs; at EL0 so is every register with op1 != 3; the
 * IMPLEMENTATION DEFINED space is UNDEFINED at EL1 too (none is modelled:
 * what KVM does). */
Test(a64_exc, registers_of_absent_els)
{
    static const uint32_t code[] = {
        0xd53c1100, /* mrs x0, hcr_el2 */
        0xd53d1000, /* mrs x0, sctlr_el12 */
        0xd538f000, /* mrs x0, s3_0_c15_c0_0 */
    };
    load(code, N(code));
    expect_undefined(CODE);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    expect_undefined(CODE + 4);
    R.pc = CODE + 8;
    R.pstate = 0;
    expect_exception(0x400, 0x00, CODE + 8);
    R.pc = CODE + 8;
    R.pstate = 0x3c5;
    expect_undefined(CODE + 8);
}

/* Registers of features the CPU does not advertise are UNDEFINED at EL1:
 * the PMU (ID_AA64DFR0_EL1.PMUVer = 0) and the GIC CPU interface
 * (ID_AA64PFR0_EL1.GIC = 0), as KVM makes every register it does not
 * handle.  (Regression: unknown registers were an INTERNAL_ERROR.) */
Test(a64_exc, registers_of_absent_features)
{
    static const uint32_t code[] = {
        0xd53b9c00, /* mrs x0, pmcr_el0 */
        0xd538cca0, /* mrs x0, icc_sre_el1 */
    };
    load(code, N(code));
    expect_undefined(CODE);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    expect_undefined(CODE + 4);
}

/* ERET to EL2 (absent) is an illegal exception return: the Illegal
 * Execution state exception (EC 0x0E) at the target, SPSR_EL1.IL set, the
 * EL unchanged. */
Test(a64_exc, illegal_exception_return)
{
    static const uint32_t code[] = {
        0xd69f03e0, /* eret */
    };
    load(code, N(code));
    R.elr_el1 = USER;
    R.spsr_el1 = 0x800003c9; /* N, EL2h */
    expect_exception(0x200, 0x0e, USER);
    cr_assert_eq(R.spsr_el1, 0x80000000 | 1u << 20 | 0x3c5, "SPSR 0x%llx",
                 (unsigned long long)R.spsr_el1);
}

/* A VMM may hide the optional features (ID_AA64ISAR0_EL1 Atomic and CRC32,
 * ID_AA64ISAR1_EL1 LRCPC) by lowering their fields through ONE_REG, as
 * KVM's writable ID registers allow (machine/virt.c does for -cpu
 * cortex-a72): their instructions are then UNDEFINED.  Raising a field
 * above what is implemented is refused. */
#define ISAR0 SYSREG(3, 0, 0, 6, 0)
#define ISAR1 SYSREG(3, 0, 0, 6, 1)
Test(a64_exc, hidden_features_are_undefined)
{
    static const uint32_t code[] = {
        0xf8200041, /* ldadd x0, x1, [x2] */
        0xc8a07c41, /* cas x0, x1, [x2] */
        0xf8208041, /* swp x0, x1, [x2] */
        0xf8bfc043, /* ldapr x3, [x2] */
        0x9ac54c84, /* crc32x w4, w4, x5 */
        HVC0,
    };
    uint64_t isar0 = sysreg_get(ISAR0), isar1 = sysreg_get(ISAR1);
    cr_assert_eq(isar0, 0x00210000);
    cr_assert_eq(isar1, 0x00100000);
    cr_assert_eq(squib_vcpu_set_one_reg(vcpu, ISAR0, 0x00310000), -EINVAL);
    cr_assert(strstr(squib_errmsg(), "more than is implemented"), "%s", squib_errmsg());
    /* everything present: the snippet runs */
    load(code, N(code));
    R.x[2] = DATA;
    go_hvc();
    /* LSE and LRCPC hidden, CRC32 kept (a Cortex-A72) */
    sysreg_set(ISAR0, 0x00010000);
    sysreg_set(ISAR1, 0);
    for (unsigned k = 0; k < 4; k++) {
        R.pc = CODE + 4 * k;
        R.pstate = 0x3c5;
        R.x[2] = DATA;
        expect_undefined(CODE + 4 * k);
    }
    R.pc = CODE + 16;
    R.pstate = 0x3c5;
    go_hvc(); /* CRC32 still there */
    cr_assert_eq(ex.pc, CODE + 20);
    sysreg_set(ISAR0, 0); /* and CRC32 hidden too */
    R.pc = CODE + 16;
    R.pstate = 0x3c5;
    expect_undefined(CODE + 16);
    sysreg_set(ISAR0, isar0);
    sysreg_set(ISAR1, isar1);
}
