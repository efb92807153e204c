/* exits/runloop.c: the machine and the run loop shared by every backend.
 *
 * One switch over the exit kinds: device accesses go to the buses, hypercalls
 * to the handler table, everything else ends the run.  The backend completes
 * a read on the next squib_vcpu_run from the data written here.
 */
#include "squib/machine.h"

#include <errno.h>
#include <string.h>

#include "util/err.h"

static const char *const run_result_names[] = {
    [SQUIB_RUN_SHUTDOWN] = "shutdown",   [SQUIB_RUN_RESET] = "reset",
    [SQUIB_RUN_EXIT] = "exit",           [SQUIB_RUN_DEBUG] = "debug",
    [SQUIB_RUN_HALTED] = "halted",       [SQUIB_RUN_STOPPED] = "stopped",
    [SQUIB_RUN_INTERNAL_ERROR] = "internal-error", [SQUIB_RUN_FAILED] = "failed",
};

const char *squib_run_result_name(enum squib_run_result r)
{
    return (unsigned)r < sizeof run_result_names / sizeof run_result_names[0] ? run_result_names[r]
                                                                              : "?";
}

int squib_machine_init(struct squib_machine *m, const char *accel, enum squib_arch arch)
{
    memset(m, 0, sizeof *m);
    squib_bus_init(&m->mmio, "mmio", 0);
    squib_bus_init(&m->pio, "pio", ~0ULL);
    int rc = squib_vm_create(accel, arch, &m->vm);
    if (rc)
        return rc;
    return squib_vcpu_create(m->vm, 0, &m->vcpu);
}

void squib_machine_destroy(struct squib_machine *m)
{
    if (m->vm)
        squib_vm_destroy(m->vm); /* destroys its vCPUs too */
    m->vm = NULL;
    m->vcpu = NULL;
    squib_physmap_free(&m->mem);
    squib_bus_free(&m->mmio);
    squib_bus_free(&m->pio);
}

int squib_machine_map_memory(struct squib_machine *m)
{
    for (unsigned i = 0; i < m->mem.n; i++) {
        const struct squib_mem_region *r = &m->mem.r[i];
        int rc = squib_vm_map_ram(m->vm, r->gpa, r->size, r->host,
                                  r->readonly ? SQUIB_MEM_READONLY : 0);
        if (rc)
            return rc;
    }
    return 0;
}

static void request(struct squib_machine *m, enum squib_run_result r)
{
    int none = 0;
    /* The first request wins. */
    atomic_compare_exchange_strong(&m->request, &none, 1 + (int)r);
}

void squib_machine_request_exit(struct squib_machine *m, int status)
{
    if (atomic_load(&m->request) == 0)
        m->exit_status = status;
    request(m, SQUIB_RUN_EXIT);
}

void squib_machine_request_shutdown(struct squib_machine *m)
{
    request(m, SQUIB_RUN_SHUTDOWN);
}

void squib_machine_request_reset(struct squib_machine *m)
{
    request(m, SQUIB_RUN_RESET);
}

void squib_machine_stop(struct squib_machine *m)
{
    request(m, SQUIB_RUN_STOPPED);
    if (m->vcpu)
        squib_vcpu_kick(m->vcpu);
}

static enum squib_hc_action dispatch_hypercall(struct squib_machine *m, struct squib_exit *e,
                                               const char **dev)
{
    for (unsigned i = 0; i < m->hc.n; i++) {
        const struct squib_hc_entry *h = &m->hc.e[i];
        if (e->hypercall.func >= h->first && e->hypercall.func <= h->last) {
            *dev = h->name;
            return h->fn(h->opaque, e);
        }
    }
    *dev = "unknown-hypercall";
    e->hypercall.ret[0] = m->hc.unknown_result;
    return SQUIB_HC_CONTINUE;
}

bool squib_machine_handle_exit(struct squib_machine *m, struct squib_exit *e,
                               enum squib_run_result *result)
{
    const char *dev = NULL;
    bool end = false;
    m->exits++;
    switch (e->kind) {
    case SQUIB_EXIT_INTERRUPTED:
        break;
    case SQUIB_EXIT_MMIO: {
        uint64_t v = squib_bus_access(&m->mmio, e->mmio.addr, e->mmio.size, e->mmio.write,
                                      e->mmio.data, &dev);
        if (!e->mmio.write)
            e->mmio.data = v;
        break;
    }
    case SQUIB_EXIT_PIO: {
        uint64_t v = squib_bus_access(&m->pio, e->pio.port, e->pio.size, e->pio.write,
                                      e->pio.data, &dev);
        if (!e->pio.write)
            e->pio.data = (uint32_t)v;
        break;
    }
    case SQUIB_EXIT_HYPERCALL:
        switch (dispatch_hypercall(m, e, &dev)) {
        case SQUIB_HC_CONTINUE:
            break;
        case SQUIB_HC_SHUTDOWN:
            *result = SQUIB_RUN_SHUTDOWN;
            end = true;
            break;
        case SQUIB_HC_RESET:
            *result = SQUIB_RUN_RESET;
            end = true;
            break;
        }
        break;
    case SQUIB_EXIT_WFE:
        /* A WFE may wake spuriously (Arm ARM D1.6.1): run on. */
        break;
    case SQUIB_EXIT_WFI: {
        /* A timer that will fire can wake the guest (arm64): sleep until its
         * deadline, a kick or a raised input line, then run on (the vCPU
         * continues after the WFI and sees the timer's INTERRUPTED exit).
         * Otherwise as HLT below. */
        uint64_t deadline;
        if (!atomic_load(&m->request) &&
            squib_vcpu_timer_deadline(m->vcpu, &deadline) == 0) {
            dev = "timer";
            if (squib_vcpu_wait(m->vcpu, deadline) < 0) {
                *result = SQUIB_RUN_FAILED;
                end = true;
            }
            break;
        }
        *result = SQUIB_RUN_HALTED;
        end = true;
        break;
    }
    case SQUIB_EXIT_HLT:
        /* No device can raise an interrupt yet (no interrupt controller, no
         * timer the run loop could wait for), so nothing would ever wake
         * the vCPU: end the run instead of hanging. */
        *result = SQUIB_RUN_HALTED;
        end = true;
        break;
    case SQUIB_EXIT_RESET:
        *result = SQUIB_RUN_RESET;
        end = true;
        break;
    case SQUIB_EXIT_SHUTDOWN:
        *result = e->shutdown.reason == SQUIB_SHUTDOWN_TRIPLE_FAULT ? SQUIB_RUN_RESET
                                                                    : SQUIB_RUN_SHUTDOWN;
        end = true;
        break;
    case SQUIB_EXIT_DEBUG:
        *result = SQUIB_RUN_DEBUG;
        end = true;
        break;
    case SQUIB_EXIT_INTERNAL_ERROR:
    default:
        *result = SQUIB_RUN_INTERNAL_ERROR;
        end = true;
        break;
    }
    if (m->trace && e->kind != SQUIB_EXIT_INTERRUPTED) { /* kicks are not guest events */
        char line[512];
        squib_exit_format(e, line, sizeof line);
        if (dev)
            fprintf(m->trace, "exit %s dev=%s\n", line, dev);
        else
            fprintf(m->trace, "exit %s\n", line);
    }
    if (m->stats_enabled)
        squib_stats_count(&m->stats, e->kind, dev);
    int req = atomic_load(&m->request);
    if (!end && req) {
        *result = (enum squib_run_result)(req - 1);
        end = true;
    }
    return end;
}

enum squib_run_result squib_machine_run(struct squib_machine *m)
{
    enum squib_run_result result = SQUIB_RUN_FAILED;
    struct squib_exit *e = &m->last_exit;
    memset(e, 0, sizeof *e);
    for (;;) {
        int req = atomic_load(&m->request);
        if (req)
            return (enum squib_run_result)(req - 1);
        if (squib_vcpu_run(m->vcpu, e) != 0)
            return SQUIB_RUN_FAILED;
        if (squib_machine_handle_exit(m, e, &result))
            return result;
    }
}
