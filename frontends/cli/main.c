/* frontends/cli/main.c: squib's command-line VMM: parse, build the board,
 * run, and turn the way the run ended into an exit status. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/cli/chardev_host.h"
#include "frontends/cli/cli.h"
#include "machine/board.h"

static struct squib_machine *volatile running;

static void on_signal(int sig)
{
    (void)sig;
    if (running)
        squib_machine_stop(running);
}

static int report_end(const struct cli_options *o, struct board *b, enum squib_run_result r)
{
    const struct squib_exit *e = &b->m.last_exit;
    char line[512];
    switch (r) {
    case SQUIB_RUN_SHUTDOWN:
        return 0;
    case SQUIB_RUN_EXIT:
        return b->m.exit_status;
    case SQUIB_RUN_HALTED:
        fprintf(stderr, "squib: the vCPU halted (%s at pc=0x%llx) and no device can wake it; "
                        "ending the run\n",
                squib_exit_kind_name(e->kind), (unsigned long long)e->pc);
        return 0;
    case SQUIB_RUN_STOPPED:
        fprintf(stderr, "squib: stopped by a signal\n");
        return 1;
    case SQUIB_RUN_DEBUG:
        squib_exit_format(e, line, sizeof line);
        fprintf(stderr, "squib: guest debug event with no debugger attached: %s\n", line);
        return 1;
    case SQUIB_RUN_INTERNAL_ERROR:
        squib_exit_format(e, line, sizeof line);
        fprintf(stderr, "squib: %s\n", line);
        return 1;
    case SQUIB_RUN_FAILED:
        fprintf(stderr, "squib: running the vCPU failed: %s\n", squib_errmsg());
        return 1;
    case SQUIB_RUN_RESET:
        break;
    }
    (void)o;
    return 0;
}

int main(int argc, char **argv)
{
    struct cli_options o;
    int pr = cli_parse(argc, argv, &o, stdout, stderr);
    if (pr)
        return pr > 0 ? 0 : 1;

    /* Where the serial port goes: -serial, else stdio with -nographic or
     * without -display none (squib has no graphical console to hold it). */
    const char *serial_spec = o.serial;
    if (!serial_spec)
        serial_spec = (o.nographic || !o.display_none) ? "stdio" : "none";
    char err[256] = "";
    o.cfg.serial = chardev_host_open(serial_spec, err, sizeof err);
    if (!o.cfg.serial && err[0]) {
        fprintf(stderr, "squib: -serial %s: %s\n", serial_spec, err);
        return 1;
    }
    if (o.debugcon) {
        o.cfg.debugcon = chardev_host_open(o.debugcon, err, sizeof err);
        if (!o.cfg.debugcon && err[0]) {
            fprintf(stderr, "squib: -debugcon %s: %s\n", o.debugcon, err);
            return 1;
        }
    }
    FILE *log = stderr;
    if (o.log_file && !(log = fopen(o.log_file, "w"))) {
        fprintf(stderr, "squib: -D %s: cannot open for writing\n", o.log_file);
        return 1;
    }
    if (o.trace_exits)
        setvbuf(log, NULL, _IOLBF, 0);

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int status = 0;
    struct board *b = calloc(1, sizeof *b);
    if (!b) {
        fprintf(stderr, "squib: out of memory\n");
        return 1;
    }
    for (unsigned boots = 0;; boots++) {
        int rc = board_create(b, &o.cfg);
        if (rc) {
            if (rc < 0)
                fprintf(stderr, "squib: %s\n", squib_errmsg());
            board_destroy(b);
            status = rc < 0 ? 1 : 0;
            break;
        }
        if (boots == 0 && (o.trace_exits || o.stats || o.trace_accel))
            fprintf(log, "squib: accelerator %s\n", squib_vm_accel_reason(b->m.vm));
        b->m.trace = o.trace_exits ? log : NULL;
        b->m.stats_enabled = o.trace_exits || o.stats;
        running = &b->m;
        enum squib_run_result r = squib_machine_run(&b->m);
        running = NULL;
        if (b->m.stats_enabled)
            squib_stats_print(&b->m.stats, log);
        if (r == SQUIB_RUN_RESET && !o.no_reboot) {
            board_destroy(b);
            continue; /* QEMU reboots the machine */
        }
        status = report_end(&o, b, r);
        board_destroy(b);
        break;
    }
    free(b);
    chardev_host_close(o.cfg.serial);
    chardev_host_close(o.cfg.debugcon);
    if (log != stderr)
        fclose(log);
    return status;
}
