/* tests/a64_harness.h: the fixture shared by the A64 core tests: a VM on
 * the interpreter with RAM at RAM_BASE, the test's view of the registers (R),
 * and helpers to load instruction words, run to an exit and check registers.
 * Each test file defines setup()/teardown() (which create vm, vcpu and ram)
 * and its TestSuite. */
#ifndef TESTS_A64_HARNESS_H
#define TESTS_A64_HARNESS_H

#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"
#include "squib/regs.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (4u << 20)
#define CODE 0x40001000ULL
#define DATA 0x40100000ULL
#define N(a) (sizeof(a) / sizeof((a)[0]))

#define HVC0 0xd4000002u
#define FLAG_N 0x80000000u
#define FLAG_Z 0x40000000u
#define FLAG_C 0x20000000u
#define FLAG_V 0x10000000u

static struct squib_vm *vm;
static struct squib_vcpu *vcpu;
static uint8_t *ram;
static struct squib_exit ex;
static struct squib_arm64_regs R; /* the test's view of the core registers */

/* The common fixture: a VM on the interpreter, RAM at RAM_BASE, vCPU 0,
 * R holding its reset registers.  Test files call these from their
 * setup()/teardown() and add what they need. */
static inline void a64_fixture_init(void)
{
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_ARM64, &vm), 0, "%s", squib_errmsg());
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(ram != MAP_FAILED);
    cr_assert_eq(squib_vm_map_ram(vm, RAM_BASE, RAM_SIZE, ram, 0), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_vcpu_create(vm, 0, &vcpu), 0, "%s", squib_errmsg());
    memset(&ex, 0, sizeof ex);
    cr_assert_eq(squib_vcpu_get_regs(vcpu, SQUIB_REGSET_ARM64_CORE, &R, sizeof R), 0);
}

static inline void a64_fixture_fini(void)
{
    squib_vm_destroy(vm);
    munmap(ram, RAM_SIZE);
}

static inline void *host(uint64_t gpa)
{
    return ram + (gpa - RAM_BASE);
}

static inline uint64_t peek64(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, host(gpa), 8);
    return v;
}

static inline void poke64(uint64_t gpa, uint64_t v)
{
    memcpy(host(gpa), &v, 8);
}

static inline void push(void)
{
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_ARM64_CORE, &R, sizeof R), 0, "%s",
                 squib_errmsg());
}

static inline void pull(void)
{
    cr_assert_eq(squib_vcpu_get_regs(vcpu, SQUIB_REGSET_ARM64_CORE, &R, sizeof R), 0);
}

/* Copies the code to `at` and points the pc there (registers are pushed by
 * the next go()). */
static inline void load_at(uint64_t at, const uint32_t *code, size_t n)
{
    memcpy(host(at), code, n * 4);
    R.pc = at;
}

static inline void load(const uint32_t *code, size_t n)
{
    load_at(CODE, code, n);
}

/* Pushes R, runs to the next exit, pulls R; returns the exit kind. */
static inline enum squib_exit_kind go(void)
{
    push();
    cr_assert_eq(squib_vcpu_run(vcpu, &ex), 0, "%s", squib_errmsg());
    pull();
    return ex.kind;
}

static inline void go_expect(enum squib_exit_kind kind)
{
    enum squib_exit_kind k = go();
    cr_assert_eq(k, kind, "exit %s (want %s) at pc 0x%llx: %s", squib_exit_kind_name(k),
                 squib_exit_kind_name(kind), (unsigned long long)ex.pc,
                 k == SQUIB_EXIT_INTERNAL_ERROR ? ex.internal.message : "");
}

/* Runs to the HVC that ends a snippet. */
static inline void go_hvc(void)
{
    go_expect(SQUIB_EXIT_HYPERCALL);
}

/* ---- exceptions: a vector table of HVC #0 at VEC ------------------------ */

#define VEC 0x403f0000ULL /* VBAR_EL1 after vectors_install() */
#define SYSREG(op0, op1, crn, crm, op2) SQUIB_REG_ARM64_SYS(op0, op1, crn, crm, op2)
#define ESR_EL1 SYSREG(3, 0, 5, 2, 0)
#define FAR_EL1 SYSREG(3, 0, 6, 0, 0)
#define VBAR_EL1 SYSREG(3, 0, 12, 0, 0)

static inline uint64_t sysreg_get(uint64_t id)
{
    uint64_t v = 0;
    cr_assert_eq(squib_vcpu_get_one_reg(vcpu, id, &v), 0, "%s", squib_errmsg());
    return v;
}

static inline void sysreg_set(uint64_t id, uint64_t v)
{
    cr_assert_eq(squib_vcpu_set_one_reg(vcpu, id, v), 0, "%s", squib_errmsg());
}

/* Each of the 16 vector entries is HVC #0, so taking an exception ends the
 * run with a HYPERCALL exit at VEC + the entry's offset. */
static inline void vectors_install(void)
{
    for (unsigned k = 0; k < 16; k++)
        memcpy(host(VEC + 0x80 * k), &(uint32_t){HVC0}, 4);
    sysreg_set(VBAR_EL1, VEC);
}

/* Runs until the exception arrives at VEC + `offset` (0x000 current EL
 * SP0, 0x200 current EL SPx, 0x400 lower EL) and checks EC and ELR; returns
 * ESR_EL1. */
static inline uint64_t expect_exception(unsigned offset, unsigned ec, uint64_t elr)
{
    go_expect(SQUIB_EXIT_HYPERCALL);
    uint64_t esr = sysreg_get(ESR_EL1);
    cr_assert_eq(ex.pc, VEC + offset, "vector 0x%llx, want +0x%x (ESR 0x%llx)",
                 (unsigned long long)ex.pc, offset, (unsigned long long)esr);
    cr_assert_eq(esr >> 26, ec, "EC 0x%llx, want 0x%x (ESR 0x%llx)",
                 (unsigned long long)(esr >> 26), ec, (unsigned long long)esr);
    cr_assert(esr & (1u << 25), "IL");
    cr_assert_eq(R.elr_el1, elr, "ELR 0x%llx, want 0x%llx", (unsigned long long)R.elr_el1,
                 (unsigned long long)elr);
    cr_assert_eq(R.pstate & 0x3df, 0x3c5, "EL1h with DAIF masked: pstate 0x%llx",
                 (unsigned long long)R.pstate);
    return esr;
}

/* An UNDEFINED instruction at `pc` taken from EL1 with SP_EL1. */
static inline void expect_undefined(uint64_t pc)
{
    uint64_t esr = expect_exception(0x200, 0x00, pc);
    cr_assert_eq(esr & 0x1ffffff, 0);
}

/* A Data Abort with this DFSC and FAR from the current EL (SPx). */
static inline void expect_dabort(uint64_t pc, unsigned dfsc, uint64_t far, bool wnr)
{
    uint64_t esr = expect_exception(0x200, 0x25, pc);
    cr_assert_eq(esr & 0x3f, dfsc, "DFSC 0x%llx, want 0x%x", (unsigned long long)(esr & 0x3f),
                 dfsc);
    cr_assert_eq((esr >> 6) & 1, wnr, "WnR");
    cr_assert_eq(sysreg_get(FAR_EL1), far, "FAR 0x%llx, want 0x%llx",
                 (unsigned long long)sysreg_get(FAR_EL1), (unsigned long long)far);
}

#define X(n, v) cr_assert_eq(R.x[n], (uint64_t)(v), "x%d = 0x%llx, want 0x%llx", n, \
                             (unsigned long long)R.x[n], (unsigned long long)(v))

#endif
