/* tests/cli_harness.h: running the squib command line from a test (the
 * tests/test_cli.c and tests/test_a64_roms.c files): the binary at
 * SQUIB_CLI with some arguments, stdin from /dev/null, its stdout, stderr
 * and exit status captured. */
#ifndef TESTS_CLI_HARNESS_H
#define TESTS_CLI_HARNESS_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct result {
    int status; /* exit status, or 128 + signal */
    char out[131072], err[65536];
};

static inline void slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
}

/* Runs squib with args (NULL-terminated); killed by SIGALRM after
 * `timeout_s` seconds unless 0 (the alarm is set before exec, so it
 * survives it). */
static inline void run_squib_for(struct result *r, const char *const *args, unsigned timeout_s)
{
    char out[] = "/tmp/squib-cli-out-XXXXXX", err[] = "/tmp/squib-cli-err-XXXXXX";
    int fo = mkstemp(out), fe = mkstemp(err);
    cr_assert(fo >= 0 && fe >= 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        const char *argv[64] = {SQUIB_CLI};
        for (int k = 0; args[k] && k < 62; k++)
            argv[k + 1] = args[k];
        if (timeout_s) {
            signal(SIGALRM, SIG_DFL);
            alarm(timeout_s);
        }
        execv(SQUIB_CLI, (char *const *)argv);
        _exit(127);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
    close(fo);
    close(fe);
    unlink(out);
    unlink(err);
}

static inline void run_squib(struct result *r, const char *const *args)
{
    run_squib_for(r, args, 0);
}

#endif
