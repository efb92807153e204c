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

static struct squib_vm *vm;
static struct squib_vcpu *vcpu;
static uint8_t *ram;
static struct squib_exit ex;
static struct squib_arm64_regs R; /* the test's view of the core registers */

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

#define X(n, v) cr_assert_eq(R.x[n], (uint64_t)(v), "x%d = 0x%llx, want 0x%llx", n, \
                             (unsigned long long)R.x[n], (unsigned long long)(v))

#endif
