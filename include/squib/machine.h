/* squib/machine.h: a machine (memory map, buses, hypercall handlers, exit
 * trace) around a VM, and the run loop shared by every backend.
 *
 * The run loop runs a vCPU, switches on each exit and dispatches it: MMIO and
 * PIO to the buses, HYPERCALL to the hypercall table, and ends the run on
 * SHUTDOWN, RESET, DEBUG, INTERNAL_ERROR, a halt nothing can wake, or a
 * device's exit request (isa-debug-exit).
 *
 * WFI (arm64): when one of the vCPU's timers is enabled and unmasked at the
 * timer (CTL.ENABLE = 1, CTL.IMASK = 0) and has not fired, the loop sleeps
 * until its deadline (squib_vcpu_timer_deadline), a kick or a raised input
 * line (squib_vcpu_wait), then runs on; the timer's line change then ends
 * a run as INTERRUPTED, like any kick.  There is no interrupt controller
 * yet, so the loop does not route the timer line to the vCPU's IRQ input: a
 * VMM with its own loop does that (squib_vcpu_device_irq_level,
 * squib_vcpu_set_line).  A WFI nothing can wake, and HLT, end the run as
 * SQUIB_RUN_HALTED.  WFE runs on at once (a spurious wake-up).  A WFI
 * with an input line already high never exits; but a line raised by
 * another thread just after a WFI exit, while no timer is armed, finds the
 * run ended as HALTED: such a VMM keeps a timer armed or runs its own loop.
 */
#ifndef SQUIB_MACHINE_H
#define SQUIB_MACHINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "squib/accel.h"
#include "squib/bus.h"
#include "squib/exit.h"
#include "squib/physmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- hypercalls -------------------------------------------------------- */

enum squib_hc_action {
    SQUIB_HC_CONTINUE, /* results written, run on */
    SQUIB_HC_SHUTDOWN, /* end the run as a power-off */
    SQUIB_HC_RESET,    /* end the run as a reset */
};

/* A handler for function ids [first, last].  It reads e->hypercall.args and
 * writes e->hypercall.ret. */
typedef enum squib_hc_action (*squib_hc_fn)(void *opaque, struct squib_exit *e);

struct squib_hc_entry {
    uint64_t first, last;
    const char *name;
    squib_hc_fn fn;
    void *opaque;
};

#define SQUIB_HC_MAX 16

struct squib_hc_table {
    struct squib_hc_entry e[SQUIB_HC_MAX];
    unsigned n;
    /* Returned in ret[0] for unknown function ids (SMCCC NOT_SUPPORTED = -1). */
    uint64_t unknown_result;
};

int squib_hc_register(struct squib_hc_table *t, uint64_t first, uint64_t last,
                      const char *name, squib_hc_fn fn, void *opaque);
/* Registers PSCI 0.2+ (VERSION, FEATURES, SYSTEM_OFF, SYSTEM_RESET, CPU_OFF,
 * MIGRATE_INFO_TYPE, AFFINITY_INFO) on the SMC32/SMC64 PSCI ranges. */
int squib_psci_register(struct squib_hc_table *t);

/* ---- exit trace and statistics ------------------------------------------- */

#define SQUIB_STATS_MAX_DEVICES 32

struct squib_exit_stats {
    uint64_t by_kind[SQUIB_EXIT_KIND_COUNT];
    struct {
        const char *name;
        uint64_t count;
    } by_device[SQUIB_STATS_MAX_DEVICES];
    unsigned n_devices;
};

void squib_stats_count(struct squib_exit_stats *s, enum squib_exit_kind kind,
                       const char *device);
/* Prints the table of exit counts by kind and by device. */
void squib_stats_print(const struct squib_exit_stats *s, FILE *out);

/* ---- the machine ------------------------------------------------------- */

enum squib_run_result {
    SQUIB_RUN_SHUTDOWN,       /* power-off (PSCI SYSTEM_OFF, ACPI, ...) */
    SQUIB_RUN_RESET,          /* reset requested (or x86 triple fault) */
    SQUIB_RUN_EXIT,           /* a device asked to end with exit_status */
    SQUIB_RUN_DEBUG,          /* guest debug event, see last_exit */
    SQUIB_RUN_HALTED,         /* HLT/WFI with nothing that can wake it */
    SQUIB_RUN_STOPPED,        /* squib_machine_stop() from elsewhere */
    SQUIB_RUN_INTERNAL_ERROR, /* see last_exit.internal */
    SQUIB_RUN_FAILED,         /* squib_vcpu_run failed, see squib_errmsg() */
};

const char *squib_run_result_name(enum squib_run_result r);

struct squib_machine {
    struct squib_vm *vm;
    struct squib_vcpu *vcpu;
    struct squib_physmap mem;
    struct squib_bus mmio, pio;
    struct squib_hc_table hc;

    FILE *trace;          /* -d exits: one line per exit, or NULL */
    bool stats_enabled;   /* count exits by kind and device */
    struct squib_exit_stats stats;

    /* Set by devices (isa-debug-exit, ACPI power-off) or other threads:
     * 0, or 1 + the enum squib_run_result to end the run with. */
    atomic_int request;
    int exit_status;

    struct squib_exit last_exit;
    uint64_t exits; /* total, for tests */
};

/* Creates the VM on `accel`, the buses and an empty memory map. */
int squib_machine_init(struct squib_machine *m, const char *accel, enum squib_arch arch);
void squib_machine_destroy(struct squib_machine *m);
/* Maps every physmap region into the VM (call once after adding them). */
int squib_machine_map_memory(struct squib_machine *m);

/* Ask the run loop to end with SQUIB_RUN_EXIT and this status. */
void squib_machine_request_exit(struct squib_machine *m, int status);
/* Ask the run loop to end as a power-off / a reset (from devices). */
void squib_machine_request_shutdown(struct squib_machine *m);
void squib_machine_request_reset(struct squib_machine *m);
/* From any thread: end the run loop with SQUIB_RUN_STOPPED. */
void squib_machine_stop(struct squib_machine *m);

/* Handles one exit (dispatch to buses/hypercalls).  Returns true if the run
 * must end, with *result set.  Exposed so tests and VMMs with their own
 * loops can drive it with synthetic exits. */
bool squib_machine_handle_exit(struct squib_machine *m, struct squib_exit *e,
                               enum squib_run_result *result);

/* The run loop: squib_vcpu_run + squib_machine_handle_exit until the end. */
enum squib_run_result squib_machine_run(struct squib_machine *m);

#ifdef __cplusplus
}
#endif
#endif
