/* frontends/cli/cli.h: the QEMU-compatible command line. */
#ifndef FRONTENDS_CLI_CLI_H
#define FRONTENDS_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "machine/board.h"

struct cli_options {
    struct board_config cfg;
    const char *serial;   /* "stdio", "none", "null", "file:PATH", or NULL (default) */
    const char *debugcon; /* same forms; NULL: none */
    bool nographic, display_none, nodefaults, no_reboot, stats, trace_exits, trace_accel;
    const char *log_file; /* -D */
    bool help_only;       /* something like -accel help was answered */
};

/* Parses argv.  0 on success; -1 with a message printed to `err` on a bad
 * command line; 1 when a help request was answered (exit 0). */
int cli_parse(int argc, char **argv, struct cli_options *o, FILE *out, FILE *err);
void cli_usage(FILE *out);

#endif
