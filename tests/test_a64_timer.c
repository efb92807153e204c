/* tests/test_a64_timer.c: the A64 generic timer (Arm ARM D11, registers in
 * D17): CNTFRQ/CNTPCT/CNTVCT, the virtual and physical timers' CTL, CVAL and
 * TVAL, EL0 access under CNTKCTL_EL1, the ONE_REG ids (KVM's), the timer
 * output lines (squib_vcpu_device_irq_level and INTERRUPTED exits), the
 * WFI deadline, and the run loop sleeping on a WFI until the deadline.
 *
 * The counter follows host time, so no test asserts how long anything
 * took: values are bracketed by counter reads taken before and after.
 * Raw instruction words with their assembly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "squib/accel.h"
#include "squib/machine.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"

#define USER (CODE + 0x800) /* EL0 code */
#define CNTKCTL_EL1 SYSREG(3, 0, 14, 1, 0)
#define CNTFRQ_EL0 SYSREG(3, 3, 14, 0, 0)
#define CNTV_TVAL_EL0 SYSREG(3, 3, 14, 3, 0)
#define FREQ 62500000u
#define CTL_ENABLE 1u
#define CTL_IMASK 2u
#define CTL_ISTATUS 4u
#define B_SELF 0x14000000u /* b . */

static void setup(void)
{
    a64_fixture_init();
    vectors_install();
}

static void teardown(void)
{
    a64_fixture_fini();
}

TestSuite(a64_timer, .init = setup, .fini = teardown, .timeout = 30);

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the counter -------------------------------------------------------- */

Test(a64_timer, frequency_and_counter)
{
    static const uint32_t code[] = {
        0xd53be000, /* mrs x0, cntfrq_el0 */
        0xd53be041, /* mrs x1, cntvct_el0 */
        0xd53be022, /* mrs x2, cntpct_el0 */
        0xd53be043, /* mrs x3, cntvct_el0 */
        HVC0,
        0xd51be000, /* msr cntfrq_el0, x0: read-only without EL3 */
        0xd51be040, /* msr cntvct_el0, x0 */
        0xd51be020, /* msr cntpct_el0, x0 */
    };
    load(code, N(code));
    go_hvc();
    X(0, FREQ);
    /* One counter, CNTVCT == CNTPCT without EL2, never going back. */
    cr_assert_leq(R.x[1], R.x[2]);
    cr_assert_leq(R.x[2], R.x[3]);
    cr_assert_eq(sysreg_get(CNTFRQ_EL0), FREQ);
    cr_assert_eq(squib_vcpu_set_one_reg(vcpu, CNTFRQ_EL0, 1000000000), -EINVAL);
    cr_assert(strstr(squib_errmsg(), "CNTFRQ_EL0 is fixed"), "%s", squib_errmsg());
    sysreg_set(CNTFRQ_EL0, FREQ); /* the same value is accepted */
    for (unsigned k = 0; k < 3; k++) {
        R.pc = CODE + 20 + 4 * k;
        R.pstate = 0x3c5;
        expect_undefined(CODE + 20 + 4 * k);
    }
}

/* CNTPCTSS_EL0 and CNTVCTSS_EL0 are FEAT_ECV's, which ID_AA64MMFR0_EL1.ECV
 * does not advertise: UNDEFINED, at EL1 as at EL0. */
Test(a64_timer, self_synchronized_counters_are_undefined)
{
    static const uint32_t code[] = {
        0xd53be0a0, /* mrs x0, cntpctss_el0 (S3_3_C14_C0_5) */
        0xd53be0c0, /* mrs x0, cntvctss_el0 (S3_3_C14_C0_6) */
    };
    load(code, N(code));
    for (unsigned k = 0; k < N(code); k++) {
        R.pc = CODE + 4 * k;
        R.pstate = 0x3c5;
        expect_undefined(CODE + 4 * k);
    }
}

/* The VMM sets the count through KVM's ids; both views move. */
Test(a64_timer, counter_set_through_one_reg)
{
    static const uint32_t code[] = {
        0xd53be041, /* mrs x1, cntvct_el0 */
        0xd53be022, /* mrs x2, cntpct_el0 */
        HVC0,
    };
    const uint64_t base = 1ULL << 50; /* far above the count since reset */
    sysreg_set(SQUIB_REG_ARM64_TIMER_CNT, base);
    cr_assert_geq(sysreg_get(SQUIB_REG_ARM64_TIMER_CNT), base);
    cr_assert_geq(sysreg_get(SQUIB_REG_ARM64_PTIMER_CNT), base);
    load(code, N(code));
    go_hvc();
    cr_assert_geq(R.x[1], base);
    cr_assert_leq(R.x[1], R.x[2]);
    cr_assert_leq(R.x[2], sysreg_get(SQUIB_REG_ARM64_PTIMER_CNT));
    /* The physical id sets the same counter back down. */
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CNT, 5);
    cr_assert_lt(sysreg_get(SQUIB_REG_ARM64_TIMER_CNT), base);
}

/* KVM_REG_ARM_TIMER_CVAL is SYS(3,3,14,0,2), the architectural encoding of
 * CNTVCT_EL0, and KVM_REG_ARM_TIMER_CNT is CNTV_CVAL_EL0's encoding. */
Test(a64_timer, one_reg_ids_are_kvms)
{
    cr_assert_eq(SQUIB_REG_ARM64_TIMER_CVAL, SQUIB_REG_ARM64_SYS(3, 3, 14, 0, 2));
    cr_assert_eq(SQUIB_REG_ARM64_TIMER_CNT, SQUIB_REG_ARM64_SYS(3, 3, 14, 3, 2));
    static const uint32_t code[] = {
        0xd53be343, /* mrs x3, cntv_cval_el0 */
        0xd53be322, /* mrs x2, cntv_ctl_el0 */
        0xd53be240, /* mrs x0, cntp_cval_el0 */
        0xd53be221, /* mrs x1, cntp_ctl_el0 */
        HVC0,
    };
    sysreg_set(SQUIB_REG_ARM64_TIMER_CVAL, 0x123456789abcULL << 12);
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, CTL_IMASK);
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CVAL, 0x4242ULL << 40);
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CTL, CTL_IMASK | 0xf0); /* RES0 bits dropped */
    load(code, N(code));
    go_hvc();
    X(3, 0x123456789abcULL << 12);
    X(2, CTL_IMASK);
    X(0, 0x4242ULL << 40);
    X(1, CTL_IMASK);
    cr_assert_eq(sysreg_get(SQUIB_REG_ARM64_TIMER_CVAL), 0x123456789abcULL << 12);
    cr_assert_eq(sysreg_get(SQUIB_REG_ARM64_PTIMER_CVAL), 0x4242ULL << 40);
}

/* ---- CVAL, TVAL, CTL ----------------------------------------------------- */

/* TVAL writes set CVAL = count + SignExtend(TVAL[31:0]); reads give
 * (CVAL - count)[31:0] with bits 63:32 RES0 (D17, "CNTV_TVAL_EL0"). */
Test(a64_timer, tval_and_cval)
{
    static const uint32_t code[] = {
        0xd53be041, /* mrs x1, cntvct_el0 */
        0xd2807d00, /* mov x0, #1000 */
        0xd51be300, /* msr cntv_tval_el0, x0 */
        0xd53be042, /* mrs x2, cntvct_el0 */
        0xd53be343, /* mrs x3, cntv_cval_el0 */
        0xd53be304, /* mrs x4, cntv_tval_el0 */
        0xd53be045, /* mrs x5, cntvct_el0 */
        HVC0,
        0xd53be021, /* mrs x1, cntpct_el0 */
        0x92800080, /* mov x0, #-5 */
        0xd51be200, /* msr cntp_tval_el0, x0 */
        0xd53be022, /* mrs x2, cntpct_el0 */
        0xd53be243, /* mrs x3, cntp_cval_el0 */
        0xd53be204, /* mrs x4, cntp_tval_el0 */
        0xd53be025, /* mrs x5, cntpct_el0 */
        HVC0,
    };
    load(code, N(code));
    go_hvc();
    cr_assert_leq(R.x[1] + 1000, R.x[3]);
    cr_assert_leq(R.x[3], R.x[2] + 1000);
    cr_assert_eq(R.x[4] >> 32, 0, "TVAL bits 63:32 are RES0");
    int64_t tval = (int32_t)R.x[4];
    cr_assert_geq(tval, (int64_t)(R.x[3] - R.x[5]));
    cr_assert_leq(tval, (int64_t)(R.x[3] - R.x[2]));

    go_hvc(); /* the physical timer, a negative TVAL: CVAL in the past */
    cr_assert_leq(R.x[1] - 5, R.x[3]);
    cr_assert_leq(R.x[3], R.x[2] - 5);
    cr_assert_eq(R.x[4] >> 32, 0, "TVAL bits 63:32 are RES0");
    tval = (int32_t)R.x[4];
    cr_assert_lt(tval, 0);
    cr_assert_geq(tval, (int64_t)(R.x[3] - R.x[5]));
    cr_assert_leq(tval, (int64_t)(R.x[3] - R.x[2]));
    /* Through ONE_REG the same TVAL register is reachable by encoding. */
    sysreg_set(CNTV_TVAL_EL0, 0x7fffffff);
    cr_assert_gt(sysreg_get(SQUIB_REG_ARM64_TIMER_CVAL), R.x[5] + 0x7ffff000);
}

/* CTL: ENABLE and IMASK are stored, ISTATUS reads whether count >= CVAL
 * while enabled and is read-only (D17, "CNTV_CTL_EL0"). */
static void ctl_case(const uint32_t *code, uint64_t cval, uint64_t ctl, uint64_t want)
{
    load(code, 4);
    R.x[0] = cval;
    R.x[1] = ctl;
    /* A line that rises or falls ends a run first (INTERRUPTED). */
    while (go() == SQUIB_EXIT_INTERRUPTED)
        ;
    cr_assert_eq(ex.kind, SQUIB_EXIT_HYPERCALL, "%s", squib_exit_kind_name(ex.kind));
    cr_assert_eq(R.x[2], want, "CVAL 0x%llx CTL 0x%llx: read 0x%llx, want 0x%llx",
                 (unsigned long long)cval, (unsigned long long)ctl,
                 (unsigned long long)R.x[2], (unsigned long long)want);
}

Test(a64_timer, ctl_istatus)
{
    static const uint32_t virt[] = {
        0xd51be340, /* msr cntv_cval_el0, x0 */
        0xd51be321, /* msr cntv_ctl_el0, x1 */
        0xd53be322, /* mrs x2, cntv_ctl_el0 */
        HVC0,
    };
    static const uint32_t phys[] = {
        0xd51be240, /* msr cntp_cval_el0, x0 */
        0xd51be221, /* msr cntp_ctl_el0, x1 */
        0xd53be222, /* mrs x2, cntp_ctl_el0 */
        HVC0,
    };
    const uint32_t *codes[2] = {virt, phys};
    for (unsigned t = 0; t < 2; t++) {
        const uint32_t *c = codes[t];
        ctl_case(c, 0, CTL_ENABLE, CTL_ENABLE | CTL_ISTATUS);
        ctl_case(c, 0, CTL_ENABLE | CTL_IMASK, CTL_ENABLE | CTL_IMASK | CTL_ISTATUS);
        ctl_case(c, 0, 0, 0);                              /* disabled: reads 0 */
        ctl_case(c, 0, CTL_ISTATUS | CTL_IMASK, CTL_IMASK); /* ISTATUS read-only */
        ctl_case(c, ~0ULL, CTL_ENABLE, CTL_ENABLE);         /* not reached */
        ctl_case(c, 0, 0xfffffff9u, CTL_ENABLE | CTL_ISTATUS); /* RES0 bits dropped */
        ctl_case(c, ~0ULL, 0, 0);
    }
}

/* ---- EL0 access (CNTKCTL_EL1) --------------------------------------------- */

/* ISS for a trapped MRS/MSR (D17.2.37): Op0, Op2, Op1, CRn, Rt, CRm, dir. */
static uint32_t iss(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
                    unsigned rt, bool read)
{
    return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | read;
}

/* Runs `insn; svc #0` at EL0 with CNTKCTL_EL1 = kctl: either the access
 * traps (EC 0x18 at the instruction, with `want_iss`) or the SVC comes. */
static void el0_case(uint32_t insn, uint64_t kctl, bool allowed, uint32_t want_iss)
{
    uint32_t code[2] = {insn, 0xd4000001 /* svc #0 */};
    load_at(USER, code, 2);
    R.pstate = 0; /* EL0t */
    sysreg_set(CNTKCTL_EL1, kctl);
    if (allowed) {
        expect_exception(0x400, 0x15, USER + 8);
        return;
    }
    uint64_t esr = expect_exception(0x400, 0x18, USER);
    cr_assert_eq(esr & 0x1ffffff, want_iss, "insn 0x%08x CNTKCTL 0x%llx: ISS 0x%llx, want 0x%x",
                 insn, (unsigned long long)kctl, (unsigned long long)(esr & 0x1ffffff),
                 want_iss);
}

#define EL0PCTEN 1u
#define EL0VCTEN 2u
#define EL0VTEN 0x100u
#define EL0PTEN 0x200u

Test(a64_timer, el0_access_per_cntkctl)
{
    const uint32_t frq = 0xd53be000;  /* mrs x0, cntfrq_el0 */
    const uint32_t pct = 0xd53be020;  /* mrs x0, cntpct_el0 */
    const uint32_t vct = 0xd53be040;  /* mrs x0, cntvct_el0 */
    const uint32_t vctl = 0xd53be320; /* mrs x0, cntv_ctl_el0 */
    const uint32_t pcval = 0xd53be240; /* mrs x0, cntp_cval_el0 */
    const uint32_t vtval_w = 0xd51be303; /* msr cntv_tval_el0, x3 */
    const uint32_t pctl_w = 0xd51be223;  /* msr cntp_ctl_el0, x3 */
    const uint64_t all = EL0PCTEN | EL0VCTEN | EL0VTEN | EL0PTEN;

    el0_case(frq, 0, false, iss(3, 3, 14, 0, 0, 0, true));
    el0_case(frq, EL0PCTEN, true, 0);
    el0_case(frq, EL0VCTEN, true, 0);
    el0_case(pct, all & ~EL0PCTEN, false, iss(3, 3, 14, 0, 1, 0, true));
    el0_case(pct, EL0PCTEN, true, 0);
    el0_case(vct, all & ~EL0VCTEN, false, iss(3, 3, 14, 0, 2, 0, true));
    el0_case(vct, EL0VCTEN, true, 0);
    el0_case(vctl, all & ~EL0VTEN, false, iss(3, 3, 14, 3, 1, 0, true));
    el0_case(vctl, EL0VTEN, true, 0);
    el0_case(vtval_w, all & ~EL0VTEN, false, iss(3, 3, 14, 3, 0, 3, false));
    el0_case(vtval_w, EL0VTEN, true, 0);
    el0_case(pcval, all & ~EL0PTEN, false, iss(3, 3, 14, 2, 2, 0, true));
    el0_case(pcval, EL0PTEN, true, 0);
    el0_case(pctl_w, all & ~EL0PTEN, false, iss(3, 3, 14, 2, 1, 3, false));
    el0_case(pctl_w, EL0PTEN, true, 0);

    /* CNTKCTL_EL1 itself is EL1-only: UNDEFINED at EL0. */
    uint32_t code[2] = {0xd538e100 /* mrs x0, cntkctl_el1 */, 0xd4000001};
    load_at(USER, code, 2);
    R.pstate = 0;
    uint64_t esr = expect_exception(0x400, 0x00, USER);
    cr_assert_eq(esr & 0x1ffffff, 0);
    /* Its RES0 bits are dropped. */
    sysreg_set(CNTKCTL_EL1, ~0ULL);
    cr_assert_eq(sysreg_get(CNTKCTL_EL1), 0x3ff);
}

/* ---- the output lines ----------------------------------------------------- */

/* Enabling the virtual timer 1 ms ahead and spinning: the run ends with an
 * INTERRUPTED exit once the line rises; the level is reported once; masking
 * it (guest MSR or VMM ONE_REG) lowers the line with another INTERRUPTED. */
Test(a64_timer, virtual_line_rises_and_falls)
{
    static const uint32_t code[] = {
        0xd29e8480, /* mov x0, #62500: 1 ms */
        0xd51be300, /* msr cntv_tval_el0, x0 */
        0xd2800021, /* mov x1, #1 */
        0xd51be321, /* msr cntv_ctl_el0, x1 */
        B_SELF,     /* 16: spin */
        HVC0,       /* 20 */
        B_SELF,     /* 24 */
        0xd2800061, /* 28: mov x1, #3 */
        0xd51be321, /* msr cntv_ctl_el0, x1: IMASK */
        B_SELF,     /* 36 */
    };
    load(code, N(code));
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), 0);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(ex.pc, CODE + 16);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), SQUIB_DEV_IRQ_VTIMER);
    cr_assert_eq(sysreg_get(SQUIB_REG_ARM64_TIMER_CTL), CTL_ENABLE | CTL_ISTATUS);
    /* Reported once: the next run goes on to the HVC. */
    R.pc = CODE + 20;
    go_hvc();
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), SQUIB_DEV_IRQ_VTIMER);
    /* The VMM masks it: the line falls at the start of the next run. */
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, CTL_ENABLE | CTL_IMASK);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(ex.pc, CODE + 24);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), 0);
    /* Unmasked again, then the guest masks it: each change is one exit,
     * the second right after the MSR. */
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, CTL_ENABLE);
    R.pc = CODE + 28;
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(ex.pc, CODE + 28);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), SQUIB_DEV_IRQ_VTIMER);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(ex.pc, CODE + 36);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), 0);
}

Test(a64_timer, physical_line_through_one_reg)
{
    static const uint32_t code[] = {
        B_SELF,
        0xd2800061, /* mov x1, #3 */
        0xd51be221, /* msr cntp_ctl_el0, x1: IMASK */
        B_SELF,
    };
    load(code, N(code));
    uint64_t now = sysreg_get(SQUIB_REG_ARM64_PTIMER_CNT);
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CVAL, now + 62500);
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CTL, CTL_ENABLE);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(ex.pc, CODE);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), SQUIB_DEV_IRQ_PTIMER);
    cr_assert_geq(sysreg_get(SQUIB_REG_ARM64_PTIMER_CNT), now + 62500);
    R.pc = CODE + 4;
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(ex.pc, CODE + 12);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), 0);
    /* Both timers at once: both bits. */
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CTL, CTL_ENABLE);
    sysreg_set(SQUIB_REG_ARM64_TIMER_CVAL, 0);
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, CTL_ENABLE);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu),
                 SQUIB_DEV_IRQ_PTIMER | SQUIB_DEV_IRQ_VTIMER);
}

/* ---- WFI and the deadline ------------------------------------------------- */

Test(a64_timer, wfi_deadline)
{
    static const uint32_t code[] = {
        0xd503207f, /* wfi */
        HVC0,
    };
    load(code, N(code));
    uint64_t d;
    go_expect(SQUIB_EXIT_WFI);
    cr_assert_eq(squib_vcpu_timer_deadline(vcpu, &d), -ENOENT, "no timer enabled");
    /* Enabled 1000 s ahead. */
    uint64_t cnt = sysreg_get(SQUIB_REG_ARM64_TIMER_CNT);
    sysreg_set(SQUIB_REG_ARM64_TIMER_CVAL, cnt + 1000ULL * FREQ);
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, CTL_ENABLE);
    cr_assert_eq(squib_vcpu_timer_deadline(vcpu, &d), 0, "%s", squib_errmsg());
    cr_assert_gt(d, now_ns() + 500ULL * 1000000000u);
    /* Masked at the timer: nothing to wait for. */
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, CTL_ENABLE | CTL_IMASK);
    cr_assert_eq(squib_vcpu_timer_deadline(vcpu, &d), -ENOENT);
    /* The physical timer counts too. */
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CVAL, cnt + 2000ULL * FREQ);
    sysreg_set(SQUIB_REG_ARM64_PTIMER_CTL, CTL_ENABLE);
    cr_assert_eq(squib_vcpu_timer_deadline(vcpu, &d), 0);
    cr_assert_gt(d, now_ns() + 1500ULL * 1000000000u);
    /* Fired but not reported yet: due now. */
    sysreg_set(SQUIB_REG_ARM64_TIMER_CVAL, 0);
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, CTL_ENABLE);
    cr_assert_eq(squib_vcpu_timer_deadline(vcpu, &d), 0);
    cr_assert_leq(d, now_ns());
    go_expect(SQUIB_EXIT_INTERRUPTED); /* the WFI completed, then the report */
    cr_assert_eq(ex.pc, CODE + 4);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), SQUIB_DEV_IRQ_VTIMER);
    /* Reported: the physical timer's deadline is next. */
    cr_assert_eq(squib_vcpu_timer_deadline(vcpu, &d), 0);
    cr_assert_gt(d, now_ns() + 1500ULL * 1000000000u);
    go_hvc();
}

/* ---- the run loop -------------------------------------------------------- */

static struct squib_machine m;
static uint8_t *mram;

/* A machine on the interpreter with this code at CODE, EL1h. */
static void machine_with(const uint32_t *code, size_t n)
{
    cr_assert_eq(squib_machine_init(&m, "interp", SQUIB_ARCH_ARM64), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_physmap_add_ram(&m.mem, "ram", RAM_BASE, RAM_SIZE, false, &mram), 0);
    cr_assert_eq(squib_machine_map_memory(&m), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_psci_register(&m.hc), 0);
    memcpy(mram + (CODE - RAM_BASE), code, n * 4);
    struct squib_arm64_regs r;
    cr_assert_eq(squib_vcpu_get_regs(m.vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
    r.pc = CODE;
    r.pstate = 0x3c5;
    cr_assert_eq(squib_vcpu_set_regs(m.vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
}

/* wfi with the virtual timer about 1 ms ahead, then PSCI SYSTEM_OFF: the loop
 * sleeps until the deadline, the guest goes on past the WFI and reads a
 * count at or past CVAL. */
static const uint32_t wfi_then_off[] = {
    0xd2800000, /* mov x0, #0 (patched: the TVAL) */
    0xd51be300, /* msr cntv_tval_el0, x0 */
    0xd2800021, /* mov x1, #1 */
    0xd51be321, /* msr cntv_ctl_el0, x1 */
    0xd503207f, /* wfi */
    0xd53be045, /* mrs x5, cntvct_el0 */
    0xd53be343, /* mrs x3, cntv_cval_el0 */
    0xd2b08000, /* movz x0, #0x8400, lsl #16 */
    0xf2800100, /* movk x0, #8: SYSTEM_OFF */
    HVC0,
};

Test(a64_timer, run_loop_sleeps_until_the_deadline)
{
    uint32_t code[N(wfi_then_off)];
    memcpy(code, wfi_then_off, sizeof code);
    code[0] = 0xd29fffe0; /* mov x0, #0xffff: about 1 ms */
    machine_with(code, N(code));
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_SHUTDOWN, "%s", squib_errmsg());
    struct squib_arm64_regs r;
    cr_assert_eq(squib_vcpu_get_regs(m.vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
    cr_assert_geq(r.x[5], r.x[3], "woke before the deadline: count 0x%llx, CVAL 0x%llx",
                  (unsigned long long)r.x[5], (unsigned long long)r.x[3]);
    squib_machine_destroy(&m);
}

Test(a64_timer, run_loop_halts_when_nothing_can_wake)
{
    uint32_t code[N(wfi_then_off)];
    memcpy(code, wfi_then_off, sizeof code);
    code[2] = 0xd2800061; /* mov x1, #3: enabled but masked at the timer */
    machine_with(code, N(code));
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_HALTED);
    cr_assert_eq(m.last_exit.kind, SQUIB_EXIT_WFI);
    squib_machine_destroy(&m);
}

static void *stop_later(void *arg)
{
    (void)arg;
    usleep(20000);
    squib_machine_stop(&m);
    return NULL;
}

/* The deadline is ~34 s ahead (TVAL 0x7fffffff at 62.5 MHz), beyond the
 * test's timeout: only the kick from squib_machine_stop can end the run. */
Test(a64_timer, stop_wakes_the_sleeping_run_loop)
{
    uint32_t code[N(wfi_then_off)];
    memcpy(code, wfi_then_off, sizeof code);
    code[0] = 0x92b00000; /* mov x0, #0xffffffff7fffffff: TVAL[31:0] = 0x7fffffff */
    machine_with(code, N(code));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, stop_later, NULL), 0);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_STOPPED);
    pthread_join(t, NULL);
    squib_machine_destroy(&m);
}

/* x86 vCPUs have none of this. */
Test(a64_timer, x86_has_no_arm_timers)
{
    struct squib_vm *xvm;
    struct squib_vcpu *xcpu;
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_X86_64, &xvm), 0);
    cr_assert_eq(squib_vcpu_create(xvm, 0, &xcpu), 0);
    uint64_t d;
    cr_assert_eq(squib_vcpu_timer_deadline(xcpu, &d), -ENOSYS);
    cr_assert_eq(squib_vcpu_device_irq_level(xcpu), 0);
    squib_vm_destroy(xvm);
}
