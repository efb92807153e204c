/* tests/test_a64_roms.c: the self-checking arm64 ROMs through the CLI.
 *
 * roms/arm64/el.S (exception levels and every exception class with its
 * syndrome), mmu.S (stage 1 with each granule, faults, TLB maintenance, AT)
 * and timer.S (counter, timers, EL0 access) print one "check <name>: ok"
 * or "check <name>: FAILED got ... want ..." line per check on the PL011,
 * then "PASS" or "FAIL <n>", and power off with PSCI SYSTEM_OFF.  Each test
 * runs one ROM on the interpreter and wants every check present and ok
 * (the count of checks, so a section the ROM skipped is noticed, and a few
 * of them by name), PASS as the last line, and exit status 0.  Adding a
 * check to a ROM means raising its count here.  A ROM that
 * hangs is killed by SIGALRM (set before exec, so it survives it) instead
 * of hanging the test run.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/cli_harness.h"

#define ROM_TIMEOUT_S 20 /* each ROM runs in well under a second */


/* Runs roms/arm64/<name>.S's binary on `machine` (-M). */
static void run_rom(struct result *r, const char *name, const char *machine)
{
    char path[512], loader[600];
    snprintf(path, sizeof path, "%s/arm64-%s.bin", SQUIB_ROM_DIR, name);
    if (access(path, R_OK) != 0)
        cr_skip_test("%s not built", path);
    snprintf(loader, sizeof loader, "loader,file=%s,addr=0x40200000,cpu-num=0", path);
    const char *a[] = {"-accel", "interp", "-M", machine, "-m", "64", "-nodefaults",
                       "-nographic", "-device", loader, NULL};
    run_squib_for(r, a, ROM_TIMEOUT_S);
    cr_assert_neq(r->status, 128 + SIGALRM, "%s hung (killed after %u s); output so far:\n%s",
                  name, ROM_TIMEOUT_S, r->out);
}

static unsigned count_lines(const char *out, const char *prefix, const char *suffix)
{
    unsigned n = 0;
    size_t lp = strlen(prefix), ls = strlen(suffix);
    for (const char *p = out; *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l >= lp + ls && !strncmp(p, prefix, lp) && !strncmp(p + l - ls, suffix, ls))
            n++;
        p += l + (e != NULL);
    }
    return n;
}

static const char *last_line(const char *out)
{
    size_t n = strlen(out);
    if (n && out[n - 1] == '\n')
        n--;
    while (n && out[n - 1] != '\n')
        n--;
    return out + n;
}

/* The ROM passed: `checks` lines "check ...: ok", none failed, every name
 * in `names` among them, "PASS" last, SYSTEM_OFF's exit status 0. */
static void expect_pass(const struct result *r, const char *rom, unsigned checks,
                        const char *const *names)
{
    cr_assert_eq(r->status, 0, "%s: status %d; stderr: %s\nstdout: %s", rom, r->status, r->err,
                 r->out);
    cr_assert_null(strstr(r->out, "FAILED"), "%s: a check failed:\n%s", rom, r->out);
    cr_assert_null(strstr(r->out, "unexpected exception"), "%s:\n%s", rom, r->out);
    cr_assert_eq(count_lines(r->out, "check ", ": ok"), checks,
                 "%s: %u checks passed, want %u:\n%s", rom,
                 count_lines(r->out, "check ", ": ok"), checks, r->out);
    cr_assert_eq(count_lines(r->out, "check ", ""), checks, "%s: stray check lines:\n%s", rom,
                 r->out);
    for (int k = 0; names[k]; k++) {
        char line[256];
        snprintf(line, sizeof line, "\ncheck %s: ok\n", names[k]);
        cr_assert(strstr(r->out, line), "%s: no line \"check %s: ok\":\n%s", rom, names[k],
                  r->out);
    }
    cr_assert_str_eq(last_line(r->out), "PASS\n", "%s:\n%s", rom, r->out);
}

TestSuite(a64_roms, .timeout = 4 * ROM_TIMEOUT_S);

Test(a64_roms, el_exception_levels_and_syndromes)
{
    static struct result r;
    static const char *const names[] = {
        "starts at EL1 (CurrentEL.EL = 1)",
        "HVC PSCI_VERSION = 1.0 (squib)",
        "SPSel = 0 selects SP_EL0",
        "SVC at EL1h ESR",
        "SVC at EL1t vector",
        "SVC from EL0 vector",
        "SVC from EL0 SPSR (EL0t)",
        "ERET to EL0 restores NZCV from SPSR_EL1",
        "UDF at EL1 ESR",
        "MRS SCTLR_EL1 at EL0 ESR",
        "MRS DAIF at EL0 with UMA = 0 ESR",
        "DC ZVA at EL0 with DZE = 0 ESR",
        "BRK #7 at EL0 ESR",
        "PC alignment at EL1 FAR",
        "SP alignment at EL1t ESR",
        "unaligned device store at EL1 ESR",
        "FMOV at EL0 with FPEN = 1 ESR",
        "WFI at EL0 with nTWI = 0 ESR",
        "illegal ERET to EL2h SPSR.IL",
        "unaligned LDR (SIMD&FP) with SCTLR_EL1.A = 1 ESR",
        "DCZID_EL0.DZP = 1 at EL0 with DZE = 0",
        "software step from EL0 ESR",
        "breakpoint at EL1 with KDE = 1 ESR",
        "watchpoint on an EL0 store FAR",
        "one exception per armed handler",
        NULL,
    };
    run_rom(&r, "el", "virt");
    expect_pass(&r, "el", 163, names);
}

Test(a64_roms, mmu_granules_faults_tlbi_at)
{
    static struct result r;
    static const char *const names[] = {
        "4K: TTBR1 level 1 block (1 GiB)",
        "4K: translation fault level 2 ESR",
        "4K: TTBR0 VA outside T0SZ ESR",
        "4K: access flag fault ESR",
        "4K: store to AP read-only page FAR",
        "4K: unaligned load from Device memory ESR",
        "4K: PXN page at EL1 ESR",
        "4K: writable page at EL1 with WXN = 1 ESR",
        "4K: EL0 load from an EL1-only page ESR",
        "4K: UXN page at EL0 ESR",
        "4K: after TLBI VAE1 page 8 maps DATA_B",
        "4K: AT S1E0R on EL1-only page PAR_EL1",
        "4K: AT S1E1R on a Device page PAR_EL1 (SH = 0b10)",
        "MMU off: AT S1E1R gives PA = VA, Device-nGnRnE",
        "4K: TTBR1 walk disabled by EPD1 ESR",
        "4K: tagged VA with TBI0",
        "4K: instruction fetch access flag fault ESR",
        "4K: PXNTable at EL1 ESR",
        "4K: LDTR from an EL1-only page ESR",
        "16K: the page spans 16 KiB",
        "16K: translation fault level 1 ESR",
        "64K: TTBR1 level 2 block (512 MiB)",
        "64K: translation fault level 3 FAR",
        NULL,
    };
    run_rom(&r, "mmu", "virt");
    expect_pass(&r, "mmu", 181, names);
}

Test(a64_roms, timer_counter_timers_el0_access)
{
    static struct result r;
    static const char *const names[] = {
        "CNTFRQ_EL0 is not zero",
        "CNTVCT_EL0 is monotonic",
        "virtual timer: CTL: ISTATUS set once CVAL has passed",
        "virtual timer: TVAL negative once CVAL has passed",
        "physical timer: ISTATUS rises when the count reaches CVAL",
        "physical timer: unmasked timer fires, guest runs on",
        "EL0 CNTVCT_EL0 with EL0VCTEN = 0 ESR",
        "EL0 CNTKCTL_EL1 ESR",
        "EL0 runs the physical timer with EL0PTEN = 1",
        NULL,
    };
    run_rom(&r, "timer", "virt");
    expect_pass(&r, "timer", 63, names);
}

/* The failure path: with the SMC conduit SMC #0 is a hypercall, not
 * UNDEFINED, so el.S's SMC check fails; the ROM reports exactly that. */
Test(a64_roms, a_failed_check_is_reported)
{
    static struct result r;
    run_rom(&r, "el", "virt,psci-conduit=smc");
    cr_assert_eq(r.status, 0, "SYSTEM_OFF still ends the run: %s", r.err);
    cr_assert(strstr(r.out, "\ncheck SMC at EL1 without EL3 ESR: FAILED got 0x"), "%s", r.out);
    cr_assert(strstr(r.out, " want 0x0000000002000000\n"), "%s", r.out);
    cr_assert_eq(count_lines(r.out, "check ", ": ok"), 161, "%s", r.out);
    cr_assert_str_eq(last_line(r.out), "FAIL 2\n", "%s", r.out);
}

/* A guest that never ends (b .) is killed by the alarm, not waited for. */
Test(a64_roms, a_hanging_guest_is_killed)
{
    static struct result r;
    const char *a[] = {"-accel", "interp", "-M", "virt", "-nographic", "-device",
                       "loader,addr=0x40000000,data=0x14000000,data-len=4,cpu-num=0", NULL};
    run_squib_for(&r, a, 1);
    cr_assert_eq(r.status, 128 + SIGALRM, "status %d: %s", r.status, r.err);
}
