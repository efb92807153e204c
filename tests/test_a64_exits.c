/* tests/test_a64_exits.c: the A64 core's exits through the public API.
 *
 * MMIO loads and stores (completed on the next run), hypercalls, WFI/WFE,
 * INTERNAL_ERROR for what is not implemented, self-modifying code, kicks,
 * guest debug, and the bundled ROM.  Same idiom and fixture as
 * test_a64_core.c: raw instruction words with their assembly in comments.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "squib/accel.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"

#define ROM_BASE 0x50000000ULL /* read-only region */
#define UART 0x09000000ULL

static uint8_t *rom;

static void setup(void)
{
    a64_fixture_init();
    rom = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(rom != MAP_FAILED);
    cr_assert_eq(squib_vm_map_ram(vm, ROM_BASE, 0x1000, rom, SQUIB_MEM_READONLY), 0, "%s",
                 squib_errmsg());
}

static void teardown(void)
{
    a64_fixture_fini();
    munmap(rom, 0x1000);
}

TestSuite(a64_exits, .init = setup, .fini = teardown, .timeout = 30);

/* ---- exits: MMIO, hypercalls, waits ---------------------------------------- */

static void mmio_expect(uint64_t pc, uint64_t addr, unsigned size, bool write)
{
    go_expect(SQUIB_EXIT_MMIO);
    cr_assert_eq(ex.pc, pc, "pc 0x%llx", (unsigned long long)ex.pc);
    cr_assert_eq(R.pc, pc);
    cr_assert_eq(ex.mmio.addr, addr, "addr 0x%llx", (unsigned long long)ex.mmio.addr);
    cr_assert_eq(ex.mmio.size, size);
    cr_assert_eq(ex.mmio.write, write);
    if (!write)
        cr_assert_eq(ex.mmio.data, 0, "read data zero-filled");
}

Test(a64_exits, mmio_loads_and_stores)
{
    static const uint32_t code[] = {
        0x39800020, /* ldrsb x0, [x1] */
        0x79c00422, /* ldrsh w2, [x1, #2] */
        0xf8408423, /* ldr x3, [x1], #8 */
        0xb8404c24, /* ldr w4, [x1, #4]! */
        0xb9000025, /* str w5, [x1] */
        0x78006c25, /* strh w5, [x1, #6]! */
        0x38001425, /* strb w5, [x1], #1 */
        0xf8266825, /* str x5, [x1, x6] */
        0xf8666827, /* ldr x7, [x1, x6] */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = UART;
    R.x[5] = 0x1122334455667788ULL;
    R.x[6] = 0x105; /* x1 + x6 8-byte aligned: device memory faults unaligned accesses */

    mmio_expect(CODE, UART, 1, false);
    X(0, 0); /* not written until the next run */
    ex.mmio.data = 0x80;
    mmio_expect(CODE + 4, UART + 2, 2, false);
    X(0, 0xffffffffffffff80ULL);
    ex.mmio.data = 0x8000;
    mmio_expect(CODE + 8, UART, 8, false);
    X(2, 0xffff8000);
    X(1, UART); /* post-index writeback waits for the completion */
    ex.mmio.data = 0x0123456789abcdefULL;
    mmio_expect(CODE + 12, UART + 12, 4, false);
    X(3, 0x0123456789abcdefULL);
    X(1, UART + 8);
    ex.mmio.data = 0xffffffff12345678ULL; /* bits beyond the access are ignored */
    mmio_expect(CODE + 16, UART + 12, 4, true);
    X(4, 0x12345678);
    X(1, UART + 12);
    cr_assert_eq(ex.mmio.data, 0x55667788);
    mmio_expect(CODE + 20, UART + 18, 2, true);
    cr_assert_eq(ex.mmio.data, 0x7788);
    X(1, UART + 12);
    mmio_expect(CODE + 24, UART + 18, 1, true);
    cr_assert_eq(ex.mmio.data, 0x88);
    X(1, UART + 18);
    mmio_expect(CODE + 28, UART + 19 + 0x105, 8, true);
    cr_assert_eq(ex.mmio.data, 0x1122334455667788ULL);
    X(1, UART + 19);
    mmio_expect(CODE + 32, UART + 19 + 0x105, 8, false);
    ex.mmio.data = 42;
    go_hvc();
    X(7, 42);
    X(1, UART + 19);
}

/* Load-acquire, store-release and the unprivileged forms exit as LDR/STR
 * do (the loads complete on the next run, sign-extended as asked: they
 * have a valid syndrome on hardware, ISS.ISV = 1 with AR); exclusives and
 * atomics take external aborts (no_syndrome_accesses_take_external_aborts). */
Test(a64_exits, mmio_ordered_and_unprivileged)
{
    static const uint32_t code[] = {
        0x48dffc20, /* ldarh w0, [x1] */
        0x889ffc22, /* stlr w2, [x1] */
        0xf8bfc023, /* ldapr x3, [x1] */
        0x38dff824, /* ldtrsb w4, [x1, #-1] */
        0x78002822, /* sttrh w2, [x1, #2] */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = UART;
    R.x[2] = 0xaabbccdd;
    mmio_expect(CODE, UART, 2, false);
    ex.mmio.data = 0x12348765;
    mmio_expect(CODE + 4, UART, 4, true);
    X(0, 0x8765);
    cr_assert_eq(ex.mmio.data, 0xaabbccdd);
    mmio_expect(CODE + 8, UART, 8, false);
    ex.mmio.data = 0x1122334455667788ULL;
    mmio_expect(CODE + 12, UART - 1, 1, false);
    X(3, 0x1122334455667788ULL);
    ex.mmio.data = 0xfe;
    mmio_expect(CODE + 16, UART + 2, 2, true);
    X(4, 0xfffffffe);
    cr_assert_eq(ex.mmio.data, 0xccdd);
    X(1, UART);
    go_hvc();
    cr_assert_eq(ex.pc, CODE + 20);
}

Test(a64_exits, store_to_read_only_memory_is_an_mmio_write)
{
    static const uint32_t code[] = {
        0xf9000001, /* str x1, [x0] */
        0xf9400002, /* ldr x2, [x0] */
        HVC0,
    };
    load(code, N(code));
    memset(rom, 0x5a, 8);
    R.x[0] = ROM_BASE;
    R.x[1] = 0x1234;
    mmio_expect(CODE, ROM_BASE, 8, true);
    cr_assert_eq(ex.mmio.data, 0x1234);
    go_hvc();
    X(2, 0x5a5a5a5a5a5a5a5aULL);
}

/* Accesses a hypervisor cannot emulate because they have no instruction
 * syndrome (ESR ISV = 0: pairs, exclusives, atomics) take a synchronous
 * external abort (DFSC 0x10) when they touch MMIO or read-only memory, as
 * QEMU injects for KVM_EXIT_ARM_NISV: ELR = the instruction, FAR = the
 * address, WnR the direction (1 for atomics), nothing else changes. */
Test(a64_exits, no_syndrome_accesses_take_external_aborts)
{
    static const struct {
        uint32_t word;
        const char *what;
        bool wnr;
        bool rom; /* aimed at the read-only region (else the UART) */
    } cases[] = {
        {0xa9400440, "ldp x0, x1, [x2]", false, false},
        {0xa9011043, "stp x3, x4, [x2, #16]", true, false},
        {0x69410440, "ldpsw x0, x1, [x2, #8]", false, false},
        {0x28400440, "ldnp w0, w1, [x2]", false, false},
        {0xa8001043, "stnp x3, x4, [x2]", true, false},
        {0xa8811043, "stp x3, x4, [x2], #16 (no writeback either)", true, false},
        {0xc85f7c45, "ldxr x5, [x2]", false, false},
        {0xc87f1845, "ldxp x5, x6, [x2]", false, false},
        {0x885ffc45, "ldaxr w5, [x2]", false, false},
        {0xc8a37c44, "cas x3, x4, [x2]", true, false},
        {0x48267c48, "casp x6, x7, x8, x9, [x2]", true, false},
        {0xf8238045, "swp x3, x5, [x2]", true, false},
        {0xf8230045, "ldadd x3, x5, [x2]", true, false},
        {0xb823005f, "stadd w3, [x2]", true, false},
        {0xa9011043, "stp x3, x4, [x2, #16] to ROM", true, true},
        {0xf8230045, "ldadd x3, x5, [x2] on ROM", true, true},
    };
    static const int16_t offs[] = {0, 16, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0};
    _Static_assert(N(offs) == N(cases), "one offset per case");
    vectors_install();
    memset(rom, 0x5a, 0x40);
    for (unsigned k = 0; k < N(cases); k++) {
        uint32_t code[] = {cases[k].word, HVC0};
        load(code, N(code));
        for (int r = 0; r < 31; r++)
            R.x[r] = 0x1000 + (uint64_t)r;
        uint64_t base = cases[k].rom ? ROM_BASE : UART + 0x40;
        R.x[2] = base;
        R.pstate = 0x3c5;
        struct squib_arm64_regs before = R;
        uint64_t esr = expect_exception(0x200, 0x25, CODE);
        cr_assert_eq(esr & 0x3f, 0x10, "%s: DFSC 0x%llx", cases[k].what,
                     (unsigned long long)(esr & 0x3f));
        cr_assert_eq((esr >> 24) & 1, 0, "%s: ISV = 0", cases[k].what);
        cr_assert_eq((esr >> 6) & 1, cases[k].wnr, "%s: WnR", cases[k].what);
        cr_assert_eq(sysreg_get(FAR_EL1), base + (uint64_t)offs[k], "%s: FAR 0x%llx",
                     cases[k].what, (unsigned long long)sysreg_get(FAR_EL1));
        for (int r = 0; r < 31; r++)
            cr_assert_eq(R.x[r], before.x[r], "%s: x%d changed", cases[k].what, r);
        cr_assert_eq(R.sp, before.sp);
        cr_assert_eq(R.spsr_el1 & 0xf00003ff, 0x3c5, "%s: SPSR", cases[k].what);
        for (unsigned b = 0; b < 0x40; b++)
            cr_assert_eq(rom[b], 0x5a, "%s: ROM byte %u written", cases[k].what, b);
    }
}

/* A single-register access straddling RAM and non-RAM: a data abort, not
 * an exit (test_a64_mmu.c, access_split_between_ram_and_mmio). */

Test(a64_exits, hypercall_arguments_and_results)
{
    static const uint32_t code[] = {
        HVC0,       /* hvc #0 */
        0x8b010007, /* add x7, x0, x1 */
        0xd4000022, /* hvc #0x1: not SMCCC, NOT_SUPPORTED without an exit */
        HVC0,
    };
    load(code, N(code));
    R.x[0] = 0x84000000;
    for (int k = 1; k <= 6; k++)
        R.x[k] = (uint64_t)k;
    R.x[7] = 77;
    go_hvc();
    cr_assert_eq(ex.pc, CODE);
    cr_assert_eq(ex.hypercall.func, 0x84000000);
    for (int k = 0; k < 6; k++)
        cr_assert_eq(ex.hypercall.args[k], (uint64_t)k + 1);
    for (int k = 0; k < 4; k++)
        ex.hypercall.ret[k] = 10 * ((uint64_t)k + 1);
    cr_assert_eq(squib_vcpu_run(vcpu, &ex), 0);
    pull();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HYPERCALL);
    cr_assert_eq(ex.pc, CODE + 12);
    cr_assert_eq(ex.hypercall.func, ~0ULL);
    X(0, ~0ULL);
    X(1, 20);
    X(2, 30);
    X(3, 40);
    X(4, 4);
    X(7, 30);
}

Test(a64_exits, wfi_and_wfe)
{
    static const uint32_t code[] = {
        0xd503207f, /* wfi */
        0xd2800020, /* mov x0, #0x1 */
        0xd503205f, /* wfe */
        0xd2800041, /* mov x1, #0x2 */
        0xd50320bf, /* sevl */
        0xd503205f, /* wfe: the event is set, no exit */
        0xd503209f, /* sev */
        0xd503205f, /* wfe: no exit */
        0xd2800062, /* mov x2, #0x3 */
        HVC0,
    };
    load(code, N(code));
    go_expect(SQUIB_EXIT_WFI);
    cr_assert_eq(ex.pc, CODE);
    X(0, 0);
    go_expect(SQUIB_EXIT_WFE);
    cr_assert_eq(ex.pc, CODE + 8);
    X(0, 1);
    go_hvc();
    cr_assert_eq(ex.pc, CODE + 36);
    X(1, 2);
    X(2, 3);
}

/* ---- errors ------------------------------------------------------------------- */

static void error_at(uint64_t pc, const char *needle)
{
    R.pc = pc;
    go_expect(SQUIB_EXIT_INTERNAL_ERROR);
    cr_assert_eq(ex.pc, pc);
    cr_assert(strstr(ex.internal.message, needle), "at 0x%llx: '%s' lacks '%s'",
              (unsigned long long)pc, ex.internal.message, needle);
}

Test(a64_exits, unimplemented_and_undefined_instructions)
{
    static const uint32_t code[] = {
        0x1e622820, /* fadd d0, d1, d2: SIMD&FP arithmetic, not implemented yet */
        0x00000000, /* udf #0 */
        0xd4000841, /* svc #0x42 */
        0xd42000e0, /* brk #0x7 */
        0x52c24680, /* movz w0 with hw=2: unallocated */
        0x04200000, /* add z0.b, z0.b, z0.b (SVE): UNDEFINED */
        0xd538f000, /* mrs x0, s3_0_c15_c0_0 (IMPLEMENTATION DEFINED): UNDEFINED */
        0x02000000, /* unallocated top-level group */
        0xd9200800, /* stg x0, [x0] (FEAT_MTE, not modelled): UNDEFINED */
    };
    load(code, N(code));
    sysreg_set(SYSREG(3, 0, 1, 0, 2), 3u << 20); /* CPACR_EL1.FPEN: no FP trap */
    error_at(CODE, "in group 'Scalar floating-point and Advanced SIMD'");
    cr_assert_eq(ex.internal.insn_len, 4);
    static const uint8_t bytes[4] = {0x20, 0x28, 0x62, 0x1e};
    cr_assert_eq(memcmp(ex.internal.insn, bytes, 4), 0);
    /* UDF, SVC, BRK and unallocated encodings take exceptions to EL1
     * (test_a64_exceptions.c checks the syndromes). */
    vectors_install();
    R.pc = CODE + 4;
    expect_undefined(CODE + 4);
    R.pc = CODE + 8;
    R.pstate = 0x3c5;
    cr_assert_eq(expect_exception(0x200, 0x15, CODE + 12) & 0xffff, 0x42);
    R.pc = CODE + 12;
    R.pstate = 0x3c5;
    cr_assert_eq(expect_exception(0x200, 0x3c, CODE + 12) & 0xffff, 7);
    R.pc = CODE + 16;
    R.pstate = 0x3c5;
    expect_undefined(CODE + 16);
    /* SVE (not in the modelled CPU), an IMPLEMENTATION DEFINED register
     * (as KVM: UNDEFINED), an unallocated group, MTE: the UNDEFINED
     * exception. */
    for (unsigned k = 5; k <= 8; k++) {
        R.pc = CODE + 4 * k;
        R.pstate = 0x3c5;
        expect_undefined(CODE + 4 * k);
    }
}

Test(a64_exits, fetch_errors)
{
    error_at(UART, "not RAM");
    cr_assert(strstr(ex.internal.message, "0x9000000"), "%s", ex.internal.message);
    /* A misaligned pc is a PC alignment fault (EC 0x22, FAR = the pc). */
    vectors_install();
    R.pc = CODE + 2;
    expect_exception(0x200, 0x22, CODE + 2);
    cr_assert_eq(sysreg_get(FAR_EL1), CODE + 2);
}

/* A word already executed is overwritten by the guest, then run again. */
Test(a64_exits, self_modifying_code)
{
    static const uint32_t code[] = {
        0xd2800020, /* target: mov x0, #0x1 */
        0xb5000085, /* cbnz x5, done */
        0xb9000041, /* str w1, [x2] */
        0xd2800025, /* mov x5, #0x1 */
        0x17fffffc, /* b target */
        HVC0,       /* done: */
    };
    load(code, N(code));
    R.x[1] = 0xd2800040; /* mov x0, #0x2 */
    R.x[2] = CODE;
    go_hvc();
    X(0, 2);
    /* And the VMM rewriting code through its own mapping between runs. */
    uint32_t mov3 = 0xd2800060; /* mov x0, #0x3 */
    memcpy(host(CODE), &mov3, 4);
    R.pc = CODE;
    go_hvc();
    X(0, 3);
}

/* ---- kicks and guest debug ------------------------------------------------------ */

Test(a64_exits, kick_before_run)
{
    static const uint32_t code[] = {0x14000000 /* b . */};
    load(code, N(code));
    squib_vcpu_kick(vcpu);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    cr_assert_eq(ex.pc, CODE);
}

static void *kicker(void *arg)
{
    usleep(20000);
    squib_vcpu_kick(arg);
    return NULL;
}

Test(a64_exits, kick_from_another_thread)
{
    static const uint32_t code[] = {0x14000000 /* b . */};
    load(code, N(code));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, kicker, vcpu), 0);
    go_expect(SQUIB_EXIT_INTERRUPTED);
    pthread_join(t, NULL);
    cr_assert_eq(ex.pc, CODE);
    cr_assert_eq(R.pc, CODE);
}

static const uint32_t countdown[] = {
    0xf1000400, /* 1: subs x0, x0, #0x1 */
    0x91000c21, /* add x1, x1, #0x3 */
    0xca010042, /* eor x2, x2, x1 */
    0x54ffffa1, /* b.ne 1b */
    HVC0,
};

static void set_debug(bool step, unsigned n, const uint64_t *bp)
{
    struct squib_guest_debug d = {.enable = step || n, .single_step = step, .n_breakpoints = n};
    for (unsigned k = 0; k < n; k++)
        d.breakpoints[k] = bp[k];
    cr_assert_eq(squib_vcpu_set_guest_debug(vcpu, &d), 0);
}

Test(a64_exits, single_step)
{
    load(countdown, N(countdown));
    R.x[0] = 2;
    set_debug(true, 0, NULL);
    static const uint64_t pcs[] = {CODE + 4, CODE + 8, CODE + 12, CODE, CODE + 4,
                                   CODE + 8, CODE + 12, CODE + 16};
    for (size_t k = 0; k < N(pcs); k++) {
        go_expect(SQUIB_EXIT_DEBUG);
        cr_assert_eq(ex.debug.reason, SQUIB_DEBUG_SINGLE_STEP);
        cr_assert_eq(ex.pc, pcs[k], "step %zu: pc 0x%llx", k, (unsigned long long)ex.pc);
    }
    X(0, 0);
    X(1, 6);
    go_hvc();
    set_debug(false, 0, NULL);
}

Test(a64_exits, breakpoints)
{
    load(countdown, N(countdown));
    R.x[0] = 3;
    const uint64_t bp = CODE + 12;
    set_debug(false, 1, &bp);
    for (uint64_t left = 2;; left--) {
        go_expect(SQUIB_EXIT_DEBUG);
        cr_assert_eq(ex.debug.reason, SQUIB_DEBUG_BREAKPOINT);
        cr_assert_eq(ex.pc, bp);
        X(0, left); /* the breakpoint stops before b.ne, each time round */
        if (!left)
            break;
    }
    go_hvc();
    set_debug(false, 0, NULL);
    R.x[0] = 1000;
    R.pc = CODE;
    go_hvc();
    X(0, 0);
}

Test(a64_exits, single_step_over_an_mmio_load)
{
    static const uint32_t code[] = {
        0x39800020, /* ldrsb x0, [x1] */
        HVC0,
    };
    load(code, N(code));
    R.x[1] = UART;
    set_debug(true, 0, NULL);
    go_expect(SQUIB_EXIT_MMIO);
    ex.mmio.data = 0xfe;
    go_expect(SQUIB_EXIT_DEBUG);
    cr_assert_eq(ex.debug.reason, SQUIB_DEBUG_SINGLE_STEP);
    cr_assert_eq(ex.pc, CODE + 4);
    X(0, ~1ULL);
}

/* ---- the bundled ROM ------------------------------------------------------------- */

Test(a64_exits, hello_rom)
{
    char path[512];
    snprintf(path, sizeof path, "%s/arm64-hello.bin", SQUIB_ROM_DIR);
    FILE *f = fopen(path, "rb");
    if (!f)
        cr_skip_test("%s not built (SQUIB_BUILD_ROMS=OFF?)", path);
    size_t n = fread(host(0x40200000), 1, 0x10000, f);
    fclose(f);
    cr_assert_gt(n, 0);
    R.pc = 0x40200000;
    char out[256] = "";
    size_t len = 0;
    unsigned reads = 0, writes = 0, polls = 0;
    push();
    for (int guard = 0; guard < 100000; guard++) {
        cr_assert_eq(squib_vcpu_run(vcpu, &ex), 0);
        if (ex.kind == SQUIB_EXIT_HYPERCALL)
            break;
        cr_assert_eq(ex.kind, SQUIB_EXIT_MMIO, "exit %s: %s", squib_exit_kind_name(ex.kind),
                     ex.kind == SQUIB_EXIT_INTERNAL_ERROR ? ex.internal.message : "");
        if (!ex.mmio.write) {
            cr_assert_eq(ex.mmio.addr, UART + 0x18);
            reads++;
            ex.mmio.data = (polls++ % 3 == 0) ? 0x20 : 0; /* TXFF now and then */
        } else {
            cr_assert_eq(ex.mmio.addr, UART);
            writes++;
            cr_assert_lt(len, sizeof out - 1);
            out[len++] = (char)ex.mmio.data;
        }
    }
    cr_assert_eq(ex.kind, SQUIB_EXIT_HYPERCALL);
    cr_assert_eq(ex.hypercall.func, 0x84000008, "PSCI SYSTEM_OFF");
    cr_assert_str_eq(out, "squib aarch64 guest: hello from EL1\n"
                          "squib aarch64 guest: MIDR_EL1=0x410fd083 CurrentEL=1\n");
    cr_assert_gt(reads, writes, "polled UARTFR before each write");
}
