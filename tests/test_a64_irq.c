/* tests/test_a64_irq.c: the A64 IRQ and FIQ inputs (squib_vcpu_set_line, as
 * KVM_IRQ_LINE with KVM_ARM_IRQ_TYPE_CPU): the vector offsets by mode (Arm
 * ARM D1.10.2), ELR/SPSR/DAIF on entry, PSTATE masking, taking a pending
 * interrupt right after the instruction that unmasks it, WFI waking on a
 * pending interrupt (D1.16), the VMM routing a timer line to IRQ, and the
 * SMC conduit (SMC #0 as a hypercall, or UNDEFINED).
 *
 * The vector table holds HVC #0 in every entry (a64_harness.h), so a taken
 * interrupt ends the run at VEC + its offset.  Raw instruction words with
 * their assembly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/boot.h"
#include "squib/accel.h"
#include "squib/machine.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"

#define USER (CODE + 0x800) /* EL0 code */
#define NOP 0xd503201fu
#define WFI 0xd503207fu
#define B_SELF 0x14000000u /* b . */
#define ESR_MARK 0x5a5a5aULL

static void setup(void)
{
    a64_fixture_init();
    vectors_install();
}

static void teardown(void)
{
    a64_fixture_fini();
}

TestSuite(a64_irq, .init = setup, .fini = teardown, .timeout = 30);

static void line(unsigned l, bool level)
{
    cr_assert_eq(squib_vcpu_set_line(vcpu, l, level), 0, "%s", squib_errmsg());
}

/* Runs until the interrupt arrives at VEC + `offset`; checks ELR, SPSR,
 * the new PSTATE (EL1h, DAIF masked) and that ESR_EL1 was left alone. */
static void expect_interrupt(unsigned offset, uint64_t elr, uint64_t spsr)
{
    sysreg_set(ESR_EL1, ESR_MARK);
    go_expect(SQUIB_EXIT_HYPERCALL);
    cr_assert_eq(ex.pc, VEC + offset, "vector 0x%llx, want VEC + 0x%x",
                 (unsigned long long)ex.pc, offset);
    cr_assert_eq(R.elr_el1, elr, "ELR 0x%llx, want 0x%llx", (unsigned long long)R.elr_el1,
                 (unsigned long long)elr);
    cr_assert_eq(R.spsr_el1, spsr, "SPSR 0x%llx, want 0x%llx", (unsigned long long)R.spsr_el1,
                 (unsigned long long)spsr);
    cr_assert_eq(R.pstate & 0x3df, 0x3c5, "EL1h, DAIF masked: 0x%llx",
                 (unsigned long long)R.pstate);
    cr_assert_eq(sysreg_get(ESR_EL1), ESR_MARK, "an interrupt leaves ESR_EL1 alone");
}

/* ---- entry --------------------------------------------------------------- */

/* D1.10.2: current EL with SP_EL0 +0x000, with SP_ELx +0x200, lower EL
 * (AArch64) +0x400; IRQ +0x080, FIQ +0x100 within the group.  ELR is the
 * next instruction to run: taken before the first one here. */
Test(a64_irq, vector_offsets_elr_and_spsr)
{
    static const uint32_t code[] = {NOP, NOP, HVC0};
    static const uint32_t svc_code[] = {NOP, NOP, 0xd4000001 /* svc #0 */};
    static const struct {
        uint64_t pstate;
        unsigned line, offset;
    } cases[] = {
        {0x20000005, SQUIB_LINE_IRQ, 0x280}, /* EL1h, C set */
        {0x20000005, SQUIB_LINE_FIQ, 0x300},
        {0x00000004, SQUIB_LINE_IRQ, 0x080}, /* EL1t */
        {0x00000004, SQUIB_LINE_FIQ, 0x100},
        {0x80000000, SQUIB_LINE_IRQ, 0x480}, /* EL0t, N set */
        {0x80000000, SQUIB_LINE_FIQ, 0x500},
    };
    for (unsigned k = 0; k < N(cases); k++) {
        bool el0 = (cases[k].pstate & 0xf) == 0;
        if (el0)
            load_at(USER, svc_code, N(svc_code));
        else
            load(code, N(code));
        uint64_t start = R.pc;
        R.pstate = cases[k].pstate;
        R.sp_el1 = DATA;
        line(cases[k].line, true);
        expect_interrupt(cases[k].offset, start, cases[k].pstate);
        line(cases[k].line, false);
        /* With the line low the same code runs to its end. */
        R.pc = start;
        R.pstate = cases[k].pstate;
        if (el0)
            expect_exception(0x400, 0x15, USER + 12);
        else {
            go_hvc();
            cr_assert_eq(ex.pc, CODE + 8);
        }
    }
}

/* A masked interrupt stays pending; MSR DAIFClr takes it right after
 * itself (ELR = the next instruction), before anything else runs. */
Test(a64_irq, masked_pending_until_daifclr)
{
    static const uint32_t code[] = {
        0xd2800023, /* mov x3, #1 */
        0xd2800044, /* mov x4, #2 */
        0xd50341ff, /* msr daifclr, #1: F only, the IRQ stays masked */
        0xd2800062, /* mov x2, #3 */
        0xd50342ff, /* msr daifclr, #2 */
        0xd28000e0, /* mov x0, #7 */
        HVC0,
    };
    load(code, N(code));
    R.pstate = 0x3c5;
    line(SQUIB_LINE_IRQ, true);
    expect_interrupt(0x280, CODE + 20, 0x305); /* D and A still set */
    X(3, 1);
    X(4, 2);
    X(2, 3);
    X(0, 0);
}

/* MSR DAIF and ERET unmask too, and are followed at once by the entry. */
Test(a64_irq, msr_daif_and_eret_unmask)
{
    static const uint32_t code[] = {
        0xd51b423f, /* msr daif, xzr */
        0xd28000e0, /* mov x0, #7 */
        HVC0,
        0xd69f03e0, /* 12: eret */
    };
    load(code, N(code));
    R.pstate = 0x3c5;
    line(SQUIB_LINE_FIQ, true);
    expect_interrupt(0x300, CODE + 4, 0x005);
    X(0, 0);
    /* ERET to EL0 with DAIF clear: the FIQ is taken before the first EL0
     * instruction, from the lower EL. */
    static const uint32_t user[] = {NOP, 0xd4000001 /* svc #0 */};
    load_at(USER, user, N(user));
    R.pc = CODE + 12;
    R.pstate = 0x3c5;
    R.elr_el1 = USER;
    R.spsr_el1 = 0; /* EL0t, DAIF clear */
    expect_interrupt(0x500, USER, 0);
}

/* I masks only IRQ and F only FIQ; FIQ wins when both are deliverable. */
Test(a64_irq, masks_and_priority)
{
    static const uint32_t code[] = {NOP, HVC0};
    load(code, N(code));
    line(SQUIB_LINE_FIQ, true);
    R.pstate = 0x45; /* F masked */
    go_hvc();
    cr_assert_eq(ex.pc, CODE + 4, "a masked FIQ is not taken");
    R.pc = CODE;
    R.pstate = 0x85; /* I masked */
    expect_interrupt(0x300, CODE, 0x85);
    line(SQUIB_LINE_IRQ, true);
    R.pc = CODE;
    R.pstate = 0x5;
    expect_interrupt(0x300, CODE, 0x5);
    line(SQUIB_LINE_FIQ, false);
    R.pc = CODE;
    R.pstate = 0x5;
    expect_interrupt(0x280, CODE, 0x5);
    /* Lowered before the run: nothing is taken. */
    line(SQUIB_LINE_IRQ, false);
    R.pc = CODE;
    R.pstate = 0x5;
    go_hvc();
    cr_assert_eq(ex.pc, CODE + 4);
}

/* ---- WFI ----------------------------------------------------------------- */

/* A pending interrupt wakes WFI even while PSTATE masks it (D1.16): the
 * WFI completes without an exit; unmasked, the interrupt is taken after
 * it. */
Test(a64_irq, wfi_completes_with_a_pending_interrupt)
{
    static const uint32_t code[] = {
        WFI,
        0xd28000e0, /* mov x0, #7 */
        HVC0,
        WFI,        /* 12 */
        0xd2800062, /* mov x2, #3 */
        0xd50343ff, /* msr daifclr, #3 */
        HVC0,
    };
    load(code, N(code));
    R.pstate = 0x3c5;
    line(SQUIB_LINE_IRQ, true);
    go_hvc();
    cr_assert_eq(ex.pc, CODE + 8, "no WFI exit with an IRQ pending");
    X(0, 7);
    /* No line: the WFI exits; the VMM raises the line; the guest goes on
     * and takes it when it unmasks. */
    line(SQUIB_LINE_IRQ, false);
    R.pc = CODE + 12;
    go_expect(SQUIB_EXIT_WFI);
    cr_assert_eq(ex.pc, CODE + 12);
    line(SQUIB_LINE_FIQ, true);
    expect_interrupt(0x300, CODE + 24, 0x305);
    X(2, 3);
}

/* The platform's loop: the timer fires (INTERRUPTED, device_irq_level), the
 * VMM raises IRQ, the guest takes it; the guest... here the VMM masks the
 * timer, the line falls, the VMM lowers IRQ. */
Test(a64_irq, vmm_routes_the_timer_line_to_irq)
{
    static const uint32_t code[] = {
        0xd29e8480, /* mov x0, #62500: 1 ms */
        0xd51be300, /* msr cntv_tval_el0, x0 */
        0xd2800021, /* mov x1, #1 */
        0xd51be321, /* msr cntv_ctl_el0, x1 */
        0xd50342ff, /* msr daifclr, #2 */
        B_SELF,     /* 20 */
    };
    load(code, N(code));
    R.pstate = 0x3c5;
    unsigned spins = 0;
    while (go() == SQUIB_EXIT_INTERRUPTED &&
           !(squib_vcpu_device_irq_level(vcpu) & SQUIB_DEV_IRQ_VTIMER))
        spins++;
    cr_assert_eq(ex.kind, SQUIB_EXIT_INTERRUPTED, "%s", squib_exit_kind_name(ex.kind));
    cr_assert_eq(ex.pc, CODE + 20);
    line(SQUIB_LINE_IRQ, true);
    expect_interrupt(0x280, CODE + 20, 0x345);
    /* The guest's handler would mask or reprogram the timer; the VMM does. */
    sysreg_set(SQUIB_REG_ARM64_TIMER_CTL, 3);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(squib_vcpu_device_irq_level(vcpu), 0);
    line(SQUIB_LINE_IRQ, false);
    (void)spins;
}

/* ---- the run loop: a line raised by another thread wakes a WFI sleep ---- */

static struct squib_machine m;

static void *raise_later(void *arg)
{
    (void)arg;
    usleep(20000);
    squib_vcpu_set_line(m.vcpu, SQUIB_LINE_IRQ, true);
    return NULL;
}

/* The timer is ~34 s ahead (beyond the test's timeout), so the loop sleeps
 * until the line rises; the WFI then completes (the IRQ stays masked) and
 * the guest powers off. */
Test(a64_irq, raised_line_wakes_the_run_loop)
{
    static const uint32_t code[] = {
        0x92b00000, /* mov x0, #0xffffffff7fffffff: TVAL 0x7fffffff */
        0xd51be300, /* msr cntv_tval_el0, x0 */
        0xd2800021, /* mov x1, #1 */
        0xd51be321, /* msr cntv_ctl_el0, x1 */
        WFI,
        0xd2b08000, /* movz x0, #0x8400, lsl #16 */
        0xf2800100, /* movk x0, #8: SYSTEM_OFF */
        HVC0,
    };
    uint8_t *mram;
    cr_assert_eq(squib_machine_init(&m, "interp", SQUIB_ARCH_ARM64), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_physmap_add_ram(&m.mem, "ram", RAM_BASE, RAM_SIZE, false, &mram), 0);
    cr_assert_eq(squib_machine_map_memory(&m), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_psci_register(&m.hc), 0);
    memcpy(mram + (CODE - RAM_BASE), code, sizeof code);
    struct squib_arm64_regs r;
    cr_assert_eq(squib_vcpu_get_regs(m.vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
    r.pc = CODE;
    r.pstate = 0x3c5;
    cr_assert_eq(squib_vcpu_set_regs(m.vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, raise_later, NULL), 0);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_SHUTDOWN);
    pthread_join(t, NULL);
    squib_machine_destroy(&m);
}

/* ---- SMC ------------------------------------------------------------------ */

static const uint32_t smc_code[] = {
    0xd4000003, /* smc #0 */
    0xd4000023, /* smc #1 */
    HVC0,
};

/* Without EL3 SMC is UNDEFINED (C6.2 "SMC"): the default, HVC conduit. */
Test(a64_irq, smc_is_undefined_with_the_hvc_conduit)
{
    load(smc_code, N(smc_code));
    R.x[0] = 0x84000000;
    expect_undefined(CODE);
    cr_assert_eq(squib_vm_set_psci_conduit(vm, SQUIB_PSCI_CONDUIT_SMC), 0, "%s",
                 squib_errmsg());
    cr_assert_eq(squib_vm_set_psci_conduit(vm, SQUIB_PSCI_CONDUIT_HVC), 0);
    R.pc = CODE;
    R.pstate = 0x3c5;
    expect_undefined(CODE);
}

Test(a64_irq, smc_is_a_hypercall_with_the_smc_conduit)
{
    cr_assert_eq(squib_vm_set_psci_conduit(vm, SQUIB_PSCI_CONDUIT_SMC), 0, "%s",
                 squib_errmsg());
    load(smc_code, N(smc_code));
    R.x[0] = 0x84000000;
    for (int k = 1; k <= 6; k++)
        R.x[k] = 100 + (uint64_t)k;
    go_expect(SQUIB_EXIT_HYPERCALL);
    cr_assert_eq(ex.pc, CODE);
    cr_assert_eq(ex.hypercall.func, 0x84000000);
    for (int k = 0; k < 6; k++)
        cr_assert_eq(ex.hypercall.args[k], 101 + (uint64_t)k);
    ex.hypercall.ret[0] = 0x10000;
    ex.hypercall.ret[1] = 11;
    ex.hypercall.ret[2] = 22;
    ex.hypercall.ret[3] = 33;
    /* SMC #1 is no SMCCC call: x0 = NOT_SUPPORTED without an exit. */
    cr_assert_eq(squib_vcpu_run(vcpu, &ex), 0);
    pull();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HYPERCALL);
    cr_assert_eq(ex.pc, CODE + 8, "the HVC after SMC #1");
    cr_assert_eq(ex.hypercall.func, ~0ULL);
    X(1, 11);
    X(2, 22);
    X(3, 33);
    /* UNDEFINED at EL0 whatever the conduit. */
    load_at(USER, smc_code, 1);
    R.pstate = 0;
    uint64_t esr = expect_exception(0x400, 0x00, USER);
    cr_assert_eq(esr & 0x1ffffff, 0);
}

/* A vCPU created after the setting gets it too. */
Test(a64_irq, conduit_applies_to_later_vcpus)
{
    struct squib_vm *v2;
    struct squib_vcpu *c2;
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_ARM64, &v2), 0);
    cr_assert_eq(squib_vm_set_psci_conduit(v2, SQUIB_PSCI_CONDUIT_SMC), 0);
    cr_assert_eq(squib_vm_map_ram(v2, RAM_BASE, RAM_SIZE, ram, 0), 0);
    cr_assert_eq(squib_vcpu_create(v2, 0, &c2), 0);
    memcpy(host(CODE), smc_code, 4);
    struct squib_arm64_regs r;
    cr_assert_eq(squib_vcpu_get_regs(c2, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
    r.pc = CODE;
    cr_assert_eq(squib_vcpu_set_regs(c2, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
    struct squib_exit e = {0};
    cr_assert_eq(squib_vcpu_run(c2, &e), 0);
    cr_assert_eq(e.kind, SQUIB_EXIT_HYPERCALL, "%s", squib_exit_kind_name(e.kind));
    squib_vm_destroy(v2);
}

/* The device tree's /psci method follows the conduit. */
Test(a64_irq, device_tree_psci_method)
{
    static const char *methods[] = {NULL, "hvc", "smc"};
    static const char *want[] = {"hvc", "hvc", "smc"};
    size_t size = 64 << 10;
    void *buf = malloc(size);
    for (unsigned k = 0; k < 3; k++) {
        struct boot_virt_fdt f = {
            .ram_base = RAM_BASE, .ram_size = RAM_SIZE, .uart_base = 0x09000000,
            .n_cpus = 1, .psci_method = methods[k],
        };
        cr_assert_eq(boot_build_virt_fdt(&f, buf, size), 0, "%s", squib_errmsg());
        int node = fdt_path_offset(buf, "/psci");
        cr_assert_geq(node, 0);
        const char *m = fdt_getprop(buf, node, "method", NULL);
        cr_assert(m && strcmp(m, want[k]) == 0, "method %s, want %s", m ? m : "(none)",
                  want[k]);
    }
    struct boot_virt_fdt bad = {
        .ram_base = RAM_BASE, .ram_size = RAM_SIZE, .n_cpus = 1, .psci_method = "svc",
    };
    cr_assert_eq(boot_build_virt_fdt(&bad, buf, size), -EINVAL);
    free(buf);
}

/* The command line: -M virt,psci-conduit=smc reaches the device tree. */
static int cli(const char *machine, const char *dtb, char *err, size_t errlen)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'%s' -M %s,dumpdtb=%s -device loader,file=/dev/null,addr=0x40000000,cpu-num=0 "
             "2>&1",
             SQUIB_CLI, machine, dtb);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(err, 1, errlen - 1, p);
    err[n] = 0;
    return pclose(p);
}

Test(a64_irq, command_line_psci_conduit)
{
    char dtb[] = "/tmp/squib-irq-dtb-XXXXXX", out[512];
    int fd = mkstemp(dtb);
    cr_assert_geq(fd, 0);
    close(fd);
    static const char *const machines[] = {"virt", "virt,psci-conduit=hvc",
                                           "virt,psci-conduit=smc"};
    static const char *const want[] = {"hvc", "hvc", "smc"};
    static uint8_t blob[64 << 10];
    for (unsigned k = 0; k < 3; k++) {
        cr_assert_eq(cli(machines[k], dtb, out, sizeof out), 0, "%s: %s", machines[k], out);
        FILE *f = fopen(dtb, "rb");
        cr_assert(f);
        size_t n = fread(blob, 1, sizeof blob, f);
        fclose(f);
        cr_assert_gt(n, 0);
        int node = fdt_path_offset(blob, "/psci");
        cr_assert_geq(node, 0);
        const char *m = fdt_getprop(blob, node, "method", NULL);
        cr_assert(m && strcmp(m, want[k]) == 0, "%s: method %s", machines[k], m ? m : "-");
    }
    cr_assert_neq(cli("virt,psci-conduit=svc", dtb, out, sizeof out), 0);
    cr_assert(strstr(out, "give hvc or smc"), "%s", out);
    cr_assert_neq(cli("pc,psci-conduit=smc", dtb, out, sizeof out), 0);
    cr_assert(strstr(out, "PSCI is arm64's"), "%s", out);
    unlink(dtb);
}

/* ---- errors --------------------------------------------------------------- */

Test(a64_irq, errors)
{
    cr_assert_eq(squib_vcpu_set_line(vcpu, 2, true), -EINVAL);
    cr_assert(strstr(squib_errmsg(), "no input line 2"), "%s", squib_errmsg());
    struct squib_vm *xvm;
    struct squib_vcpu *xcpu;
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_X86_64, &xvm), 0);
    cr_assert_eq(squib_vcpu_create(xvm, 0, &xcpu), 0);
    cr_assert_eq(squib_vcpu_set_line(xcpu, SQUIB_LINE_IRQ, true), -ENOSYS);
    cr_assert(strstr(squib_errmsg(), "squib_vcpu_interrupt"), "%s", squib_errmsg());
    cr_assert_eq(squib_vm_set_psci_conduit(xvm, SQUIB_PSCI_CONDUIT_SMC), -EINVAL);
    cr_assert_eq(squib_vm_set_psci_conduit(vm, (enum squib_psci_conduit)7), -EINVAL);
    squib_vm_destroy(xvm);
}

/* ISR_EL1 (D19, "ISR_EL1"): I and F show the pending lines whether PSTATE
 * masks them or not.  (Regression: it was an INTERNAL_ERROR.) */
Test(a64_irq, isr_el1_shows_pending_lines)
{
    static const uint32_t code[] = {
        0xd538c106, /* mrs x6, isr_el1 */
        HVC0,
    };
    for (unsigned k = 0; k < 4; k++) {
        load(code, N(code));
        R.pstate = 0x3c5; /* DAIF masked */
        line(SQUIB_LINE_IRQ, k & 1);
        line(SQUIB_LINE_FIQ, (k >> 1) & 1);
        go_hvc();
        X(6, (k & 1 ? 0x80u : 0) | (k & 2 ? 0x40u : 0));
    }
}
