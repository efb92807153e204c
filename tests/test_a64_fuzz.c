/* tests/test_a64_fuzz.c: hostile guests must not crash the A64 core.
 *
 * Pages of random words (half of them drawn from the implemented rows of the
 * encoding table, so they decode to real semantics) run with random
 * registers, some pointing into the code itself so stores rewrite it.  Every
 * exit is answered (random MMIO read data, hypercall results) and errors
 * restart the guest elsewhere.  Passing means no crash, no sanitizer report,
 * and every exit well-formed.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/arm64/a64_decode.h"
#include "squib/accel.h"
#include "tests/fuzz_harness.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (1u << 20)
#define CODE_PAGES 16

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint32_t random_word(void)
{
    if (rnd() & 1)
        return (uint32_t)rnd();
    unsigned r;
    do
        r = (unsigned)(rnd() % A64_ROW_COUNT);
    while (!(a64_rows[r].flags & A64_ROW_IMPL));
    return a64_rows[r].value | ((uint32_t)rnd() & ~a64_rows[r].mask);
}

static uint64_t random_value(void)
{
    switch (rnd() % 4) {
    case 0:
        return RAM_BASE + rnd() % RAM_SIZE; /* RAM, code included */
    case 1:
        return 0x09000000 + (rnd() & 0xfff); /* a device */
    case 2:
        return rnd() & 0xff;
    default:
        return rnd();
    }
}

static void restart(struct squib_vcpu *vcpu)
{
    struct squib_arm64_regs r = {0};
    for (int k = 0; k < 31; k++)
        r.x[k] = random_value();
    r.sp = random_value();
    r.sp_el1 = random_value();
    r.pc = RAM_BASE + (rnd() % (CODE_PAGES * 4096)) / 4 * 4;
    r.pstate = (rnd() & 0xf0000000) | 0x3c0 | ((rnd() & 7) == 0 ? 0x0 : 0x5);
    cr_assert_eq(squib_vcpu_set_regs(vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r), 0);
}

static void fuzz(bool single_step, int exits)
{
    a64_decode_init();
    struct squib_vm *vm;
    struct squib_vcpu *vcpu;
    uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    cr_assert(ram != MAP_FAILED);
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_ARM64, &vm), 0);
    cr_assert_eq(squib_vm_map_ram(vm, RAM_BASE, RAM_SIZE, ram, 0), 0);
    cr_assert_eq(squib_vcpu_create(vm, 0, &vcpu), 0);
    for (unsigned k = 0; k < CODE_PAGES * 1024; k++) {
        uint32_t w = random_word();
        memcpy(ram + 4 * k, &w, 4);
    }
    if (single_step) {
        struct squib_guest_debug d = {.enable = true, .single_step = true};
        cr_assert_eq(squib_vcpu_set_guest_debug(vcpu, &d), 0);
    }
    struct fuzz_watchdog wd;
    fuzz_watchdog_start(&wd, vcpu);
    restart(vcpu);
    struct squib_exit ex;
    memset(&ex, 0, sizeof ex);
    unsigned seen[SQUIB_EXIT_KIND_COUNT] = {0};
    for (int n = 0; n < exits; n++) {
        cr_assert_eq(squib_vcpu_run(vcpu, &ex), 0);
        cr_assert_lt((unsigned)ex.kind, SQUIB_EXIT_KIND_COUNT);
        seen[ex.kind]++;
        switch (ex.kind) {
        case SQUIB_EXIT_MMIO:
        case SQUIB_EXIT_PIO:
        case SQUIB_EXIT_HYPERCALL:
            fuzz_answer(&ex, rnd);
            break;
        case SQUIB_EXIT_INTERNAL_ERROR:
            cr_assert(ex.internal.message[0]);
            restart(vcpu);
            break;
        default:
            if ((rnd() & 63) == 0) /* escape tight loops now and then */
                restart(vcpu);
            break;
        }
        if ((rnd() & 1023) == 0) { /* the VMM rewrites code behind the guest's back */
            uint32_t w = random_word();
            memcpy(ram + (rnd() % (CODE_PAGES * 1024)) * 4, &w, 4);
        }
    }
    fuzz_watchdog_stop(&wd);
    cr_assert_gt(seen[SQUIB_EXIT_MMIO], 0);
    cr_assert_gt(seen[SQUIB_EXIT_INTERNAL_ERROR], 0);
    squib_vm_destroy(vm);
    munmap(ram, RAM_SIZE);
}

Test(a64_fuzz, random_code_in_blocks, .timeout = 120)
{
    fuzz(false, 200000);
}

Test(a64_fuzz, random_code_single_stepped, .timeout = 120)
{
    fuzz(true, 200000);
}
