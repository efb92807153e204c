/* tests/fuzz_harness.h: what the fuzz tests (tests/test_a64_fuzz.c,
 * tests/test_x86_fuzz.c) share: a watchdog thread that kicks the vCPU every
 * half millisecond, so that a guest in a tight loop still comes back to
 * the test, and the answers to the exits that carry data. */
#ifndef TESTS_FUZZ_HARNESS_H
#define TESTS_FUZZ_HARNESS_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "squib/accel.h"

struct fuzz_watchdog {
    struct squib_vcpu *vcpu;
    atomic_bool stop;
    pthread_t thread;
};

static void *fuzz_watchdog_main(void *arg)
{
    struct fuzz_watchdog *w = arg;
    while (!atomic_load(&w->stop)) {
        usleep(500);
        squib_vcpu_kick(w->vcpu);
    }
    return NULL;
}

static inline void fuzz_watchdog_start(struct fuzz_watchdog *w, struct squib_vcpu *vcpu)
{
    w->vcpu = vcpu;
    atomic_init(&w->stop, false);
    cr_assert_eq(pthread_create(&w->thread, NULL, fuzz_watchdog_main, w), 0);
}

static inline void fuzz_watchdog_stop(struct fuzz_watchdog *w)
{
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
}

/* Checks that a data exit (MMIO, PIO, HYPERCALL) is well-formed and
 * answers it: read data for MMIO and port reads, results for a hypercall,
 * from r (random).  The other exit kinds are the test's. */
static inline void fuzz_answer(struct squib_exit *ex, uint64_t (*r)(void))
{
    switch (ex->kind) {
    case SQUIB_EXIT_MMIO:
        cr_assert(ex->mmio.size == 1 || ex->mmio.size == 2 || ex->mmio.size == 4 ||
                      ex->mmio.size == 8, "mmio size %u", ex->mmio.size);
        if (!ex->mmio.write)
            ex->mmio.data = r();
        break;
    case SQUIB_EXIT_PIO:
        cr_assert(ex->pio.size == 1 || ex->pio.size == 2 || ex->pio.size == 4,
                  "pio size %u", ex->pio.size);
        if (!ex->pio.write)
            ex->pio.data = (uint32_t)r();
        break;
    case SQUIB_EXIT_HYPERCALL:
        for (int k = 0; k < 4; k++)
            ex->hypercall.ret[k] = r();
        break;
    default:
        cr_assert_fail("not a data exit: %s", squib_exit_kind_name(ex->kind));
    }
}

#endif
