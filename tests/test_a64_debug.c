/* tests/test_a64_debug.c: self-hosted debug as the guest programs it (Arm
 * ARM D2): software step (EC 0x32/0x33), hardware breakpoints (EC
 * 0x30/0x31), watchpoints (EC 0x34/0x35), their enables (MDSCR_EL1.KDE,
 * MDE, PSTATE.D, the OS lock), and how the VMM's guest debug (DEBUG exits)
 * takes priority.  The MMU is off; the vectors are HVC #0 (a64_harness.h).
 *
 * Layout: the EL1 "kernel" stub at CODE, EL1 test code at KCODE, EL0 code
 * at USERC, data at DATA.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"

#define KCODE 0x40003000ULL
#define USERC 0x40002000ULL

#define MDSCR_EL1 SYSREG(2, 0, 0, 2, 2)
#define OSLAR_EL1 SYSREG(2, 0, 1, 0, 4)
#define OSLSR_EL1 SYSREG(2, 0, 1, 1, 4)
#define DBGBVR(n) SYSREG(2, 0, 0, n, 4)
#define DBGBCR(n) SYSREG(2, 0, 0, n, 5)
#define DBGWVR(n) SYSREG(2, 0, 0, n, 6)
#define DBGWCR(n) SYSREG(2, 0, 0, n, 7)

#define SS 1ULL
#define KDE (1ULL << 13)
#define MDE (1ULL << 15)
#define SPSR_SS (1ULL << 21)
#define EL1H_D_CLEAR 0x1c5ULL /* EL1h, D = 0, A, I, F masked */
#define ISV (1u << 24)
#define EX (1u << 6)
#define WNR (1u << 6)

/* DBGBCR: E, PMC (bit 1: EL1, bit 2: EL0), BAS = 0b1111. */
#define BCR_EL0 (1u | 2u << 1 | 0xfu << 5)
#define BCR_EL1 (1u | 1u << 1 | 0xfu << 5)
/* DBGWCR: E, PAC, LSC (1 load, 2 store, 3 both), BAS, MASK. */
#define WCR(pac, lsc, bas, mask) (1u | (pac) << 1 | (lsc) << 3 | (bas) << 5 | (uint32_t)(mask) << 24)

static void setup(void)
{
    a64_fixture_init();
    vectors_install();
    /* The "kernel": msr spsr_el1, x2; msr elr_el1, x3; eret. */
    static const uint32_t stub[] = {0xd5184002, 0xd5184023, 0xd69f03e0};
    memcpy(host(CODE), stub, sizeof stub);
}

static void teardown(void)
{
    a64_fixture_fini();
}

TestSuite(a64_debug, .init = setup, .fini = teardown, .timeout = 30);

/* Returns from EL1 to `target` with this SPSR (through the guest's ERET). */
static void eret_to(uint64_t target, uint64_t spsr)
{
    R.pc = CODE;
    R.pstate = 0x3c5;
    R.x[2] = spsr;
    R.x[3] = target;
}

static void iss_is(uint64_t esr, uint32_t iss)
{
    cr_assert_eq(esr & 0x1ffffff, iss, "ISS 0x%llx, want 0x%x", (unsigned long long)(esr & 0x1ffffff),
                 iss);
}

static void set_debug(bool step, unsigned n, const uint64_t *bp)
{
    struct squib_guest_debug d = {.enable = step || n, .single_step = step, .n_breakpoints = n};
    for (unsigned k = 0; k < n; k++)
        d.breakpoints[k] = bp[k];
    cr_assert_eq(squib_vcpu_set_guest_debug(vcpu, &d), 0);
}

/* ---- registers -------------------------------------------------------------- */

/* The ID registers advertise 6 breakpoints, 4 watchpoints and the three
 * granules; Linux's OSLAR_EL1 write at boot does not trap; OSLSR_EL1 shows
 * the lock; OSLAR_EL1 is write-only and the debug registers are EL1-only. */
Test(a64_debug, id_and_os_lock_registers)
{
    static const uint32_t code[] = {
        0xd5380502, /* mrs x2, id_aa64dfr0_el1 */
        0xd5380703, /* mrs x3, id_aa64mmfr0_el1 */
        0xd5101080, /* msr oslar_el1, x0 */
        0xd5301181, /* mrs x1, oslsr_el1 */
        0xd510109f, /* msr oslar_el1, xzr */
        0xd5301184, /* mrs x4, oslsr_el1 */
        0xd5300245, /* mrs x5, mdscr_el1 */
        HVC0,
        0xd5301086, /* mrs x6, oslar_el1: UNDEFINED */
    };
    load_at(KCODE, code, N(code));
    R.x[0] = 1;
    sysreg_set(MDSCR_EL1, ~0ULL);
    go_hvc();
    X(2, 0x00305006); /* DebugVer 6, BRPs 5, WRPs 3, CTX_CMPs 0 */
    X(3, 0x00100025); /* PARange 48 bits, 16-bit ASIDs, TGran16 1, TGran64 0, TGran4 0 */
    X(1, 0xa);        /* OSLM = 0b10, OSLK = 1 */
    X(4, 0x8);
    X(5, SS | 1ULL << 12 | KDE | MDE); /* the bits kept */
    R.pc = KCODE + 32;
    expect_undefined(KCODE + 32);
    /* EL0: UNDEFINED. */
    sysreg_set(MDSCR_EL1, 0);
    static const uint32_t user[] = {0xd5300245 /* mrs x5, mdscr_el1 */};
    load_at(USERC, user, N(user));
    eret_to(USERC, 0);
    uint64_t esr = expect_exception(0x400, 0x00, USERC);
    iss_is(esr, 0);
}

/* ---- software step --------------------------------------------------------------- */

static const uint32_t user_steps[] = {
    0xd2800020, /* U+0:  mov x0, #1 */
    0xc85f7cc5, /* U+4:  ldxr x5, [x6] */
    0xd4000001, /* U+8:  svc #0 */
    0xd2800041, /* U+12: mov x1, #2 */
    0x00000000, /* U+16: udf #0 */
    0xd2800061, /* U+20: mov x1, #3 */
    0xd4000021, /* U+24: svc #1 */
};

/* The Linux/gdb case: EL1 sets MDSCR_EL1.SS (KDE = 0) and SPSR.SS, ERETs
 * to EL0, and takes EC 0x32 after one instruction with ELR = the next one;
 * the EL1 code between runs is not stepped. */
Test(a64_debug, step_el0_from_el1)
{
    load_at(USERC, user_steps, N(user_steps));
    sysreg_set(MDSCR_EL1, SS);
    R.x[6] = DATA;
    poke64(DATA, 0x55);

    eret_to(USERC, SPSR_SS);
    uint64_t esr = expect_exception(0x400, 0x32, USERC + 4);
    iss_is(esr, ISV | 0x22);
    X(0, 1);
    cr_assert_eq(R.spsr_el1 & (SPSR_SS | 0x1f), 0, "SPSR: EL0t, SS = 0 (stepped)");

    /* A load-exclusive: ISS.EX = 1. */
    eret_to(USERC + 4, SPSR_SS);
    esr = expect_exception(0x400, 0x32, USERC + 8);
    iss_is(esr, ISV | EX | 0x22);
    X(5, 0x55);

    /* SVC completes before its exception: SPSR.SS = 0, so the return goes
     * straight to active-pending: EC 0x32 with ISV = 0 before U+12. */
    eret_to(USERC + 8, SPSR_SS);
    expect_exception(0x400, 0x15, USERC + 12);
    cr_assert_eq(R.spsr_el1 & SPSR_SS, 0, "SPSR.SS after SVC");
    eret_to(USERC + 12, R.spsr_el1);
    R.x[1] = 0;
    esr = expect_exception(0x400, 0x32, USERC + 12);
    iss_is(esr, 0x22);
    X(1, 0);

    /* An UNDEFINED instruction does not complete: SPSR.SS stays 1. */
    eret_to(USERC + 16, SPSR_SS);
    expect_exception(0x400, 0x00, USERC + 16);
    cr_assert_eq(R.spsr_el1 & SPSR_SS, SPSR_SS, "SPSR.SS after an abort-like exception");

    /* Stepping off: the user code runs to its SVC. */
    sysreg_set(MDSCR_EL1, 0);
    eret_to(USERC + 20, SPSR_SS);
    expect_exception(0x400, 0x15, USERC + 28);
    X(1, 3);
    cr_assert_eq(R.spsr_el1 & SPSR_SS, 0, "no step: PSTATE.SS = 0 after the ERET");
}

/* At EL1, stepping needs MDSCR_EL1.KDE = 1 and PSTATE.D = 0 (EC 0x33), and
 * never with the OS lock set. */
Test(a64_debug, step_at_el1_needs_kde_and_d_clear)
{
    static const uint32_t k[] = {
        0xd2800020, /* mov x0, #1 */
        0xd2800041, /* mov x1, #2 */
        HVC0,
    };
    load_at(KCODE, k, N(k));
    sysreg_set(MDSCR_EL1, SS | KDE);
    eret_to(KCODE, SPSR_SS | EL1H_D_CLEAR);
    uint64_t esr = expect_exception(0x200, 0x33, KCODE + 4);
    iss_is(esr, ISV | 0x22);
    X(0, 1);
    cr_assert_neq(R.x[1], 2);

    sysreg_set(MDSCR_EL1, SS); /* KDE = 0 */
    eret_to(KCODE, SPSR_SS | EL1H_D_CLEAR);
    go_hvc();
    X(1, 2);

    sysreg_set(MDSCR_EL1, SS | KDE);
    eret_to(KCODE, SPSR_SS | 0x3c5); /* D = 1 */
    R.x[1] = 0;
    go_hvc();
    X(1, 2);

    sysreg_set(OSLAR_EL1, 1);
    cr_assert_eq(sysreg_get(OSLSR_EL1), 0xa);
    eret_to(KCODE, SPSR_SS | EL1H_D_CLEAR);
    R.x[1] = 0;
    go_hvc();
    X(1, 2);
}

/* ---- breakpoints ----------------------------------------------------------------- */

static const uint32_t user_bp[] = {
    0xd2800020, /* U+0:  mov x0, #1 */
    0xd2800041, /* U+4:  mov x1, #2 */
    0xd2800062, /* U+8:  mov x2, #3 */
    0xd4000021, /* U+12: svc #1 */
};

/* An EL0 breakpoint in the middle of a block: EC 0x30 before it runs,
 * IFSC 0x22; PMC, MDE and E decide whether it fires. */
Test(a64_debug, breakpoint_at_el0)
{
    load_at(USERC, user_bp, N(user_bp));
    sysreg_set(MDSCR_EL1, MDE);
    sysreg_set(DBGBVR(2), USERC + 8);
    sysreg_set(DBGBCR(2), BCR_EL0);
    eret_to(USERC, 0);
    uint64_t esr = expect_exception(0x400, 0x30, USERC + 8);
    iss_is(esr, 0x22);
    X(0, 1);
    X(1, 2);
    X(2, 0); /* the SPSR the stub wrote: mov x2, #3 did not run */

    sysreg_set(DBGBCR(2), BCR_EL1); /* EL1 only */
    eret_to(USERC, 0);
    expect_exception(0x400, 0x15, USERC + 16);
    X(2, 3);

    sysreg_set(DBGBCR(2), BCR_EL0);
    sysreg_set(MDSCR_EL1, 0); /* MDE = 0 */
    eret_to(USERC, 0);
    expect_exception(0x400, 0x15, USERC + 16);

    sysreg_set(MDSCR_EL1, MDE);
    sysreg_set(DBGBCR(2), BCR_EL0 & ~1u); /* E = 0 */
    eret_to(USERC, 0);
    expect_exception(0x400, 0x15, USERC + 16);
}

/* At EL1: EC 0x31 with KDE = 1 and D = 0 only. */
Test(a64_debug, breakpoint_at_el1)
{
    static const uint32_t k[] = {
        0xd2800020, /* mov x0, #1 */
        0xd2800041, /* mov x1, #2 */
        HVC0,
    };
    load_at(KCODE, k, N(k));
    sysreg_set(MDSCR_EL1, MDE | KDE);
    sysreg_set(DBGBVR(0), KCODE + 4);
    sysreg_set(DBGBCR(0), BCR_EL1);
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    uint64_t esr = expect_exception(0x200, 0x31, KCODE + 4);
    iss_is(esr, 0x22);
    X(0, 1);
    R.pc = KCODE;
    R.pstate = 0x3c5; /* D = 1 */
    go_hvc();
    X(1, 2);
    sysreg_set(MDSCR_EL1, MDE); /* KDE = 0 */
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    R.x[1] = 0;
    go_hvc();
    X(1, 2);

    /* The OS double lock (OSDLR_EL1.DLK with DBGPRCR_EL1.CORENPDRQ = 0)
     * disables them too. */
    sysreg_set(MDSCR_EL1, MDE | KDE);
    sysreg_set(SYSREG(2, 0, 1, 3, 4), 1); /* OSDLR_EL1.DLK */
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    R.x[1] = 0;
    go_hvc();
    X(1, 2);
    sysreg_set(SYSREG(2, 0, 1, 4, 4), 1); /* DBGPRCR_EL1.CORENPDRQ: no double lock */
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    expect_exception(0x200, 0x31, KCODE + 4);
}

/* The guest programs a breakpoint itself (from the normal block loop into
 * the debug loop) and unmasks D: the breakpoint fires. */
Test(a64_debug, guest_programs_a_breakpoint)
{
    static const uint32_t k[] = {
        0xd5100081, /* msr dbgbvr0_el1, x1 */
        0xd51000a0, /* msr dbgbcr0_el1, x0 */
        0xd5100244, /* msr mdscr_el1, x4 */
        0xd510109f, /* msr oslar_el1, xzr */
        0xd50348ff, /* msr daifclr, #8 */
        0xd2800025, /* mov x5, #1 */
        HVC0,
    };
    load_at(KCODE, k, N(k));
    R.x[0] = BCR_EL1;
    R.x[1] = KCODE + 20;
    R.x[4] = MDE | KDE;
    uint64_t esr = expect_exception(0x200, 0x31, KCODE + 20);
    iss_is(esr, 0x22);
    cr_assert_eq(R.spsr_el1 & 0x3df, EL1H_D_CLEAR);
    X(5, 0);
}

/* Context matching (D2.9): BRP5 is the one context-aware breakpoint
 * (ID_AA64DFR0_EL1.CTX_CMPs = 0).  An unlinked context ID breakpoint
 * (BT 0b0010) fires on the first instruction run while CONTEXTIDR_EL1
 * equals DBGBVR5[31:0]; a linked address breakpoint (BT 0b0001) fires only
 * while its linked context breakpoint (BT 0b0011, LBN) matches; so does a
 * linked watchpoint (WT = 1).  Context types on a breakpoint that is not
 * context-aware, and links to a disabled one, never match.  (Regression:
 * enabling any of these was an INTERNAL_ERROR.) */
#define CONTEXTIDR_EL1 SYSREG(3, 0, 13, 0, 1)
static void context_setup(uint64_t contextidr)
{
    static const uint32_t k[] = {
        0xd2800025, /* KCODE+0 mov x5, #1 */
        0xd2800046, /* KCODE+4 mov x6, #2 */
        0xf9400047, /* KCODE+8 ldr x7, [x2] */
        HVC0,
    };
    load_at(KCODE, k, N(k));
    for (unsigned n = 0; n < 6; n++)
        sysreg_set(DBGBCR(n), 0);
    for (unsigned n = 0; n < 4; n++)
        sysreg_set(DBGWCR(n), 0);
    sysreg_set(OSLAR_EL1, 0);
    sysreg_set(MDSCR_EL1, MDE | KDE);
    sysreg_set(CONTEXTIDR_EL1, contextidr);
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    R.x[2] = KCODE + 0x800;
    R.x[5] = R.x[6] = 0;
}

/* Runs to the snippet's own HVC: no debug exception on the way (the
 * vectors are HVCs too). */
static void run_to_end(void)
{
    go_hvc();
    cr_assert_eq(ex.pc, KCODE + 12, "HVC at 0x%llx: an exception was taken",
                 (unsigned long long)ex.pc);
}

Test(a64_debug, context_id_and_linked_breakpoints)
{
    /* Unlinked context ID match on BRP5: fires at once, and only on a match. */
    context_setup(0x1234);
    sysreg_set(DBGBVR(5), 0x1234);
    sysreg_set(DBGBCR(5), BCR_EL1 | 2u << 20);
    iss_is(expect_exception(0x200, 0x31, KCODE), 0x22);
    context_setup(0x1235);
    sysreg_set(DBGBVR(5), 0x1234);
    sysreg_set(DBGBCR(5), BCR_EL1 | 2u << 20);
    run_to_end();
    /* The same type on BRP0, which is not context-aware: never. */
    context_setup(0x1234);
    sysreg_set(DBGBVR(0), 0x1234);
    sysreg_set(DBGBCR(0), BCR_EL1 | 2u << 20);
    run_to_end();
    X(6, 2);

    /* BRP0: address KCODE+4 linked (LBN 5) to BRP5, linked context ID. */
    for (unsigned round = 0; round < 3; round++) {
        context_setup(round == 1 ? 0x99 : 0x77);
        sysreg_set(DBGBVR(5), 0x77);
        sysreg_set(DBGBCR(5), (round == 2 ? 0 : 1) | 1u << 1 | 3u << 20);
        sysreg_set(DBGBVR(0), KCODE + 4);
        sysreg_set(DBGBCR(0), BCR_EL1 | 1u << 20 | 5u << 16);
        if (round == 0) { /* context matches: the address breakpoint fires */
            expect_exception(0x200, 0x31, KCODE + 4);
            X(5, 1);
            X(6, 0);
        } else { /* another context, or the linked breakpoint disabled */
            run_to_end();
            X(6, 2);
        }
    }
    /* A linked context ID breakpoint alone generates nothing. */
    context_setup(0x77);
    sysreg_set(DBGBVR(5), 0x77);
    sysreg_set(DBGBCR(5), BCR_EL1 | 3u << 20);
    run_to_end();
}

Test(a64_debug, linked_watchpoint)
{
    for (unsigned round = 0; round < 2; round++) {
        context_setup(round ? 0x42 : 0x41);
        sysreg_set(DBGBVR(5), 0x41);
        sysreg_set(DBGBCR(5), BCR_EL1 | 3u << 20);
        sysreg_set(DBGWVR(0), KCODE + 0x800);
        sysreg_set(DBGWCR(0), WCR(1, 1, 0xff, 0) | 1u << 20 | 5u << 16);
        if (round == 0) {
            uint64_t esr = expect_exception(0x200, 0x35, KCODE + 8);
            iss_is(esr, 0x22);
            cr_assert_eq(sysreg_get(FAR_EL1), KCODE + 0x800);
        } else {
            run_to_end();
        }
    }
}

/* ---- watchpoints ----------------------------------------------------------------- */

/* Runs one EL1 instruction with debug exceptions enabled (KDE, D = 0);
 * x2 = the address register. */
static void run_k1(uint32_t word, uint64_t x2)
{
    uint32_t k[] = {word, HVC0};
    load_at(KCODE, k, N(k));
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    R.x[2] = x2;
}

static void expect_watch(unsigned ec, uint64_t pc, uint64_t far, bool wnr)
{
    uint64_t esr = expect_exception(ec == 0x34 ? 0x400 : 0x200, ec, pc);
    iss_is(esr, (wnr ? WNR : 0) | 0x22);
    cr_assert_eq(sysreg_get(FAR_EL1), far, "FAR 0x%llx, want 0x%llx",
                 (unsigned long long)sysreg_get(FAR_EL1), (unsigned long long)far);
}

Test(a64_debug, watchpoints_at_el1)
{
    sysreg_set(MDSCR_EL1, MDE | KDE);
    sysreg_set(DBGWVR(1), DATA);
    sysreg_set(DBGWCR(1), WCR(3, 2, 0xff, 0)); /* stores to DATA..DATA+7 */
    poke64(DATA, 0x1111);
    poke64(DATA + 8, 0x2222);

    run_k1(0xf9400443, DATA); /* ldr x3, [x2, #8]: another doubleword */
    go_hvc();
    X(3, 0x2222);
    run_k1(0xf9400043, DATA); /* ldr x3, [x2]: a load, LSC = store */
    go_hvc();
    run_k1(0xf8004041, DATA); /* stur x1, [x2, #4] */
    R.x[1] = 0xdead;
    expect_watch(0x35, KCODE, DATA + 4, true);
    cr_assert_eq(peek64(DATA), 0x1111, "the store did not happen");

    /* Loads: the second element of a pair; FAR = that element. */
    sysreg_set(DBGWCR(1), WCR(3, 1, 0xff, 0));
    run_k1(0xa9401043, DATA - 8); /* ldp x3, x4, [x2] */
    R.x[3] = R.x[4] = 0;
    expect_watch(0x35, KCODE, DATA, false);
    X(3, 0);
    X(4, 0);

    /* BAS: bytes 0-3 only; with DBGWVR[2] set, the bytes of the upper word. */
    sysreg_set(DBGWCR(1), WCR(3, 3, 0x0f, 0));
    run_k1(0x79000441, DATA); /* strh w1, [x2, #2] */
    expect_watch(0x35, KCODE, DATA + 2, true);
    run_k1(0xf8004041, DATA + 8); /* stur x1, [x2, #4]: DATA+12, another doubleword */
    go_hvc();
    sysreg_set(DBGWVR(1), DATA + 4);
    sysreg_set(DBGWCR(1), WCR(3, 3, 0x01, 0)); /* byte DATA+4 */
    run_k1(0x79000441, DATA); /* strh w1, [x2, #2] */
    go_hvc();
    run_k1(0xf9400043, DATA + 4); /* ldr x3, [x2] */
    expect_watch(0x35, KCODE, DATA + 4, false);

    /* MASK: a 4 KiB range. */
    sysreg_set(DBGWVR(1), DATA);
    sysreg_set(DBGWCR(1), WCR(3, 3, 0xff, 12));
    run_k1(0xf9400043, DATA + 0xff8);
    expect_watch(0x35, KCODE, DATA + 0xff8, false);
    run_k1(0xf9400043, DATA + 0x1000);
    go_hvc();

    /* Atomics read and write: WnR says which matched. */
    poke64(DATA, 0x1111);
    sysreg_set(DBGWCR(1), WCR(3, 1, 0xff, 0));
    run_k1(0xf8210043, DATA); /* ldadd x1, x3, [x2] */
    expect_watch(0x35, KCODE, DATA, false);
    sysreg_set(DBGWCR(1), WCR(3, 2, 0xff, 0));
    run_k1(0xf8210043, DATA);
    expect_watch(0x35, KCODE, DATA, true);
    cr_assert_eq(peek64(DATA), 0x1111);

    /* DC ZVA is a 64-byte store. */
    run_k1(0xd50b7422, DATA + 0x30); /* dc zva, x2 */
    expect_watch(0x35, KCODE, DATA, true);

    /* PAC = EL0 only: LDTR at EL1 is an EL0 access, LDR is not. */
    sysreg_set(DBGWCR(1), WCR(2, 3, 0xff, 0));
    run_k1(0xf9400043, DATA);
    go_hvc();
    run_k1(0xf8400843, DATA); /* ldtr x3, [x2] */
    expect_watch(0x35, KCODE, DATA, false);

    /* D = 1 masks them. */
    run_k1(0xf8400843, DATA);
    R.pstate = 0x3c5;
    go_hvc();

    /* An SP alignment fault has priority over the watchpoint. */
    sysreg_set(DBGWCR(1), WCR(3, 3, 0xff, 0));
    sysreg_set(SYSREG(3, 0, 1, 0, 0), sysreg_get(SYSREG(3, 0, 1, 0, 0)) | 1u << 3); /* SA */
    run_k1(0xf94003e3, 0); /* ldr x3, [sp] */
    R.sp_el1 = DATA + 4;
    expect_exception(0x200, 0x26, KCODE);
}

Test(a64_debug, watchpoint_at_el0)
{
    static const uint32_t user[] = {
        0xd2800020, /* mov x0, #1 */
        0xf90000e1, /* str x1, [x7] */
        0xd4000021, /* svc #1 */
    };
    load_at(USERC, user, N(user));
    sysreg_set(MDSCR_EL1, MDE);
    sysreg_set(DBGWVR(3), DATA);
    sysreg_set(DBGWCR(3), WCR(2, 2, 0xff, 0));
    eret_to(USERC, 0);
    R.x[1] = 5;
    R.x[7] = DATA;
    expect_watch(0x34, USERC + 4, DATA, true);
    X(0, 1);
    cr_assert_eq(peek64(DATA), 0);
}

/* ---- the VMM's guest debug first ---------------------------------------------------- */

Test(a64_debug, vmm_guest_debug_has_priority)
{
    static const uint32_t k[] = {
        0xd2800020, /* mov x0, #1 */
        0xd2800041, /* mov x1, #2 */
        HVC0,
    };
    load_at(KCODE, k, N(k));
    sysreg_set(MDSCR_EL1, MDE | KDE);
    sysreg_set(DBGBVR(0), KCODE + 4);
    sysreg_set(DBGBCR(0), BCR_EL1);

    /* The VMM's breakpoints take the debug hardware over (as
     * KVM_GUESTDBG_USE_HW): its exit, then the guest's breakpoint is
     * suspended. */
    const uint64_t bp = KCODE + 4;
    set_debug(false, 1, &bp);
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    go_expect(SQUIB_EXIT_DEBUG);
    cr_assert_eq(ex.debug.reason, SQUIB_DEBUG_BREAKPOINT);
    cr_assert_eq(ex.pc, KCODE + 4);
    go_hvc();
    X(1, 2);

    /* The VMM's single-step: a step exit before each instruction; the
     * guest's breakpoint is taken in place of one, and the next exit is at
     * the vector. */
    set_debug(true, 0, NULL);
    R.pc = KCODE;
    R.pstate = EL1H_D_CLEAR;
    R.x[1] = 0;
    go_expect(SQUIB_EXIT_DEBUG);
    cr_assert_eq(ex.debug.reason, SQUIB_DEBUG_SINGLE_STEP);
    cr_assert_eq(ex.pc, KCODE + 4);
    go_expect(SQUIB_EXIT_DEBUG);
    cr_assert_eq(ex.debug.reason, SQUIB_DEBUG_SINGLE_STEP);
    cr_assert_eq(ex.pc, VEC + 0x200);
    cr_assert_eq(sysreg_get(ESR_EL1) >> 26, 0x31);
    cr_assert_eq(R.elr_el1, KCODE + 4);
    X(1, 0);

    /* And the guest's own software step is the VMM's while it steps. */
    sysreg_set(DBGBCR(0), 0);
    sysreg_set(MDSCR_EL1, SS);
    load_at(USERC, user_bp, N(user_bp));
    eret_to(USERC, SPSR_SS);
    for (uint64_t pc = CODE + 4; pc <= CODE + 8; pc += 4) {
        go_expect(SQUIB_EXIT_DEBUG);
        cr_assert_eq(ex.pc, pc);
    }
    go_expect(SQUIB_EXIT_DEBUG);
    cr_assert_eq(ex.pc, USERC);
    go_expect(SQUIB_EXIT_DEBUG);
    cr_assert_eq(ex.pc, USERC + 4, "no EC 0x32 exception: pc 0x%llx", (unsigned long long)ex.pc);
    set_debug(false, 0, NULL);
    /* Back with the guest: U+4 is active-not-pending still (PSTATE.SS did
     * not advance while the VMM stepped). */
    uint64_t esr = expect_exception(0x400, 0x32, USERC + 8);
    iss_is(esr, ISV | 0x22);
}

/* A stepped load that exits to the VMM (MMIO) completes on the next run,
 * and the Software Step exception follows it, with ELR past the load. */
Test(a64_debug, step_over_an_mmio_load)
{
    static const uint32_t user[] = {
        0xf9400107, /* ldr x7, [x8] */
        0xd2800121, /* mov x1, #9 */
    };
    load_at(USERC, user, N(user));
    sysreg_set(MDSCR_EL1, SS);
    eret_to(USERC, SPSR_SS);
    R.x[8] = 0x09000000; /* not RAM */
    go_expect(SQUIB_EXIT_MMIO);
    cr_assert_eq(ex.pc, USERC);
    ex.mmio.data = 0x77;
    uint64_t esr = expect_exception(0x400, 0x32, USERC + 4);
    iss_is(esr, ISV | 0x22);
    X(7, 0x77);
    cr_assert_neq(R.x[1], 9);
}

/* The rest of ARMv8.0's EL1 debug registers (D19, "Debug registers"):
 * MDRAR_EL1 (no memory-mapped ROM table: 0), DBGAUTHSTATUS_EL1
 * (Non-secure debug implemented and enabled), the claim tags (SET sets,
 * CLR clears and reads them back, SET reads the eight implemented) and
 * OSECCR_EL1.  (Regression: each was an INTERNAL_ERROR.) */
Test(a64_debug, other_debug_registers)
{
    static const uint32_t k[] = {
        0xd5301000, /* mrs x0, mdrar_el1 */
        0xd5307ec1, /* mrs x1, dbgauthstatus_el1 */
        0xd51078c2, /* msr dbgclaimset_el1, x2 */
        0xd53079c3, /* mrs x3, dbgclaimclr_el1 */
        0xd51079c4, /* msr dbgclaimclr_el1, x4 */
        0xd53079c5, /* mrs x5, dbgclaimclr_el1 */
        0xd53078c6, /* mrs x6, dbgclaimset_el1 */
        0xd5100647, /* msr oseccr_el1, x7 */
        0xd5300648, /* mrs x8, oseccr_el1 */
        HVC0,
    };
    load_at(KCODE, k, N(k));
    R.pc = KCODE;
    R.pstate = 0x3c5;
    R.x[0] = R.x[1] = 0xdead;
    R.x[2] = 0x1a5; /* bits above the eight tags are ignored */
    R.x[4] = 0x21;
    R.x[7] = 0x12345678;
    go_hvc();
    X(0, 0);
    X(1, 0x0f);
    X(3, 0xa5);
    X(5, 0x84);
    X(6, 0xff);
    X(8, 0x12345678);
}

/* The debug communications channel with no external debugger (D19,
 * "MDCCSR_EL0", "DBGDTR_EL0"): nothing received, nothing taken, reads 0,
 * writes go nowhere; EL0 may use it unless MDSCR_EL1.TDCC traps it (EC
 * 0x18).  (Regression: each was an INTERNAL_ERROR.) */
Test(a64_debug, debug_communications_channel)
{
    static const uint32_t k[] = {
        0xd5330100, /* mrs x0, mdccsr_el0 */
        0xd5330401, /* mrs x1, dbgdtr_el0 */
        0xd5330502, /* mrs x2, dbgdtrrx_el0 */
        0xd5130503, /* msr dbgdtrtx_el0, x3 */
        0xd5130403, /* msr dbgdtr_el0, x3 */
        HVC0,
    };
    load_at(USERC, k, N(k));
    R.pc = USERC;
    R.pstate = 0; /* EL0t */
    R.x[0] = R.x[1] = R.x[2] = 0xdead;
    R.x[3] = 0x1234;
    sysreg_set(MDSCR_EL1, 0);
    go_hvc();
    X(0, 0);
    X(1, 0);
    X(2, 0);
    sysreg_set(MDSCR_EL1, 1u << 12); /* TDCC */
    vectors_install();
    R.pc = USERC;
    R.pstate = 0;
    uint64_t esr = expect_exception(0x400, 0x18, USERC);
    cr_assert_eq(esr & 1, 1, "a read (MRS)");
}
