/* The shared run loop, driven by a fake accelerator that replays scripted
 * exits and records what the VMM wrote back (no CPU involved). */
#include <criterion/criterion.h>
#include <string.h>

#include "accel/accel.h"
#include "devices/devices.h"
#include "squib/machine.h"

#define MAX_SCRIPT 16

static struct {
    struct squib_exit script[MAX_SCRIPT];
    unsigned n, pos;
    struct squib_exit replies[MAX_SCRIPT]; /* the record as the next run saw it */
} fake;

static bool fake_probe(enum squib_arch a, char *w, size_t l, bool *p) { return true; }
static int fake_vm_create(struct squib_vm *vm) { return 0; }
static void fake_vm_destroy(struct squib_vm *vm) {}
static int fake_vcpu_create(struct squib_vcpu *v) { return 0; }
static void fake_vcpu_destroy(struct squib_vcpu *v) {}

static int fake_run(struct squib_vcpu *v, struct squib_exit *e)
{
    if (fake.pos > 0)
        fake.replies[fake.pos - 1] = *e;
    cr_assert_lt(fake.pos, fake.n, "the run loop ran past the script");
    *e = fake.script[fake.pos++];
    return 0;
}

static unsigned kicks;
static void fake_kick(struct squib_vcpu *v) { kicks++; }

static const struct accel_ops fake_ops = {
    .name = "fake", .probe = fake_probe, .vm_create = fake_vm_create,
    .vm_destroy = fake_vm_destroy, .vcpu_create = fake_vcpu_create,
    .vcpu_destroy = fake_vcpu_destroy, .vcpu_run = fake_run, .vcpu_kick = fake_kick,
};

static struct squib_machine m;
static char *trace_buf;
static size_t trace_len;

static void setup(void)
{
    memset(&fake, 0, sizeof fake);
    memset(&m, 0, sizeof m);
    squib_bus_init(&m.mmio, "mmio", 0);
    squib_bus_init(&m.pio, "pio", ~0ULL);
    cr_assert_eq(accel_vm_create_with_ops(&fake_ops, SQUIB_ARCH_ARM64, &m.vm), 0);
    cr_assert_eq(squib_vcpu_create(m.vm, 0, &m.vcpu), 0);
    m.trace = open_memstream(&trace_buf, &trace_len);
    m.stats_enabled = true;
}

static void teardown(void)
{
    fclose(m.trace);
    free(trace_buf);
    squib_machine_destroy(&m);
}

static void push(struct squib_exit e)
{
    fake.script[fake.n++] = e;
}

static uint64_t reg42_read(void *o, uint64_t off, unsigned size) { return 0x42 + off; }
static void reg_write(void *o, uint64_t off, uint64_t v, unsigned size) { *(uint64_t *)o = v; }
static const struct squib_dev_ops reg_ops = {"reg", reg42_read, reg_write, 1, 8};

TestSuite(runloop, .init = setup, .fini = teardown);

Test(runloop, read_exits_get_data_and_psci_off_ends)
{
    uint64_t written = 0;
    squib_bus_register(&m.mmio, 0x09000000, 0x1000, &reg_ops, &written);
    squib_psci_register(&m.hc);
    struct squib_exit e = {.kind = SQUIB_EXIT_MMIO, .pc = 0x100};
    e.mmio.addr = 0x09000018;
    e.mmio.size = 4;
    push(e); /* read */
    e.mmio.write = true;
    e.mmio.data = 0x77;
    push(e); /* write */
    struct squib_exit i = {.kind = SQUIB_EXIT_INTERRUPTED};
    push(i);
    struct squib_exit h = {.kind = SQUIB_EXIT_HYPERCALL};
    h.hypercall.func = 0x84000000; /* PSCI_VERSION */
    push(h);
    h.hypercall.func = 0xC2000000; /* unknown: NOT_SUPPORTED */
    push(h);
    h.hypercall.func = 0x84000008; /* SYSTEM_OFF */
    push(h);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_SHUTDOWN);
    cr_assert_eq(fake.replies[0].mmio.data, 0x42 + 0x18);
    cr_assert_eq(written, 0x77);
    cr_assert_eq(fake.replies[3].hypercall.ret[0], 0x10000); /* PSCI 1.0 */
    cr_assert_eq(fake.replies[4].hypercall.ret[0], (uint64_t)-1);
    cr_assert_eq(m.stats.by_kind[SQUIB_EXIT_MMIO], 2);
    cr_assert_eq(m.stats.by_kind[SQUIB_EXIT_HYPERCALL], 3);
    cr_assert_eq(m.stats.by_kind[SQUIB_EXIT_INTERRUPTED], 1);
    fflush(m.trace);
    cr_assert(strstr(trace_buf, "exit mmio read addr=0x9000018 size=4 data=0x5a pc=0x100 dev=reg\n"),
              "%s", trace_buf);
    cr_assert(strstr(trace_buf, "dev=psci\n"));
    cr_assert(!strstr(trace_buf, "interrupted"), "kicks are not traced");
}

Test(runloop, unassigned_port_reads_all_ones)
{
    struct squib_exit e = {.kind = SQUIB_EXIT_PIO};
    e.pio.port = 0x80;
    e.pio.size = 2;
    push(e);
    struct squib_exit h = {.kind = SQUIB_EXIT_HLT};
    push(h);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_HALTED);
    cr_assert_eq(fake.replies[0].pio.data, 0xffff);
}

Test(runloop, debug_exit_device_sets_status)
{
    struct debug_exit d = {.machine = &m};
    squib_bus_register(&m.pio, 0xf4, 4, &debug_exit_ops, &d);
    struct squib_exit e = {.kind = SQUIB_EXIT_PIO};
    e.pio.port = 0xf4;
    e.pio.size = 1;
    e.pio.write = true;
    e.pio.data = 0x10;
    push(e);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_EXIT);
    cr_assert_eq(m.exit_status, 0x21);
}

Test(runloop, end_kinds)
{
    static const struct { enum squib_exit_kind k; enum squib_run_result r; } cases[] = {
        {SQUIB_EXIT_RESET, SQUIB_RUN_RESET},       {SQUIB_EXIT_SHUTDOWN, SQUIB_RUN_SHUTDOWN},
        {SQUIB_EXIT_DEBUG, SQUIB_RUN_DEBUG},       {SQUIB_EXIT_INTERNAL_ERROR, SQUIB_RUN_INTERNAL_ERROR},
        {SQUIB_EXIT_WFI, SQUIB_RUN_HALTED},
    };
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fake.n = fake.pos = 0;
        struct squib_exit e = {.kind = cases[c].k};
        push(e);
        cr_assert_eq(squib_machine_run(&m), cases[c].r, "kind %s", squib_exit_kind_name(cases[c].k));
    }
    /* A triple fault resets; WFE just runs on. */
    fake.n = fake.pos = 0;
    struct squib_exit w = {.kind = SQUIB_EXIT_WFE};
    push(w);
    struct squib_exit t = {.kind = SQUIB_EXIT_SHUTDOWN};
    t.shutdown.reason = SQUIB_SHUTDOWN_TRIPLE_FAULT;
    push(t);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_RESET);
}

Test(runloop, psci_reset_and_features)
{
    squib_psci_register(&m.hc);
    struct squib_exit h = {.kind = SQUIB_EXIT_HYPERCALL};
    h.hypercall.func = 0x8400000A; /* FEATURES(SYSTEM_OFF) */
    h.hypercall.args[0] = 0x84000008;
    push(h);
    h.hypercall.args[0] = 0xC4000003; /* CPU_ON: not with one vCPU */
    push(h);
    h.hypercall.func = 0x84000009; /* SYSTEM_RESET */
    push(h);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_RESET);
    cr_assert_eq(fake.replies[0].hypercall.ret[0], 0);
    cr_assert_eq(fake.replies[1].hypercall.ret[0], (uint64_t)-1);
}

Test(runloop, stop_from_outside)
{
    struct squib_exit i = {.kind = SQUIB_EXIT_INTERRUPTED};
    push(i);
    push(i);
    squib_machine_request_exit(&m, 3);
    squib_machine_stop(&m); /* the first request wins */
    cr_assert_eq(kicks, 1);
    cr_assert_eq(squib_machine_run(&m), SQUIB_RUN_EXIT);
    cr_assert_eq(m.exit_status, 3);
}
