/* The exit record: kind names from the X-macro, formatting of every kind,
 * internal-error construction. */
#include <criterion/criterion.h>
#include <string.h>

#include "squib/exit.h"

Test(exits, every_kind_has_a_distinct_name)
{
    for (int k = 0; k < SQUIB_EXIT_KIND_COUNT; k++) {
        const char *n = squib_exit_kind_name(k);
        cr_assert(n && strcmp(n, "?") != 0);
        for (int j = 0; j < k; j++)
            cr_assert_str_neq(n, squib_exit_kind_name(j));
    }
    cr_assert_str_eq(squib_exit_kind_name(SQUIB_EXIT_KIND_COUNT), "?");
    cr_assert_str_eq(squib_exit_kind_name(SQUIB_EXIT_MMIO), "mmio");
    cr_assert_str_eq(squib_exit_kind_name(SQUIB_EXIT_INTERNAL_ERROR), "internal-error");
    cr_assert_str_eq(squib_debug_reason_name(SQUIB_DEBUG_WATCHPOINT), "watchpoint");
}

static const char *fmt(const struct squib_exit *e)
{
    static char buf[512];
    squib_exit_format(e, buf, sizeof buf);
    return buf;
}

Test(exits, format_each_kind)
{
    struct squib_exit e = {.kind = SQUIB_EXIT_PIO, .pc = 0x44};
    e.pio.port = 0x3f8;
    e.pio.size = 1;
    e.pio.write = true;
    e.pio.data = 0x48;
    cr_assert_str_eq(fmt(&e), "pio out port=0x3f8 size=1 data=0x48 pc=0x44");
    e.pio.write = false;
    cr_assert_str_eq(fmt(&e), "pio in port=0x3f8 size=1 data=0x48 pc=0x44");

    memset(&e, 0, sizeof e);
    e.kind = SQUIB_EXIT_MMIO;
    e.pc = 0x40200010;
    e.mmio.addr = 0x09000018;
    e.mmio.size = 4;
    e.mmio.data = 0x90;
    cr_assert_str_eq(fmt(&e), "mmio read addr=0x9000018 size=4 data=0x90 pc=0x40200010");

    memset(&e, 0, sizeof e);
    e.kind = SQUIB_EXIT_HYPERCALL;
    e.hypercall.func = 0x84000008;
    e.hypercall.args[5] = 6;
    cr_assert_str_eq(fmt(&e), "hypercall func=0x84000008 args=0x0,0x0,0x0,0x0,0x0,0x6 ret=0x0 pc=0x0");

    memset(&e, 0, sizeof e);
    e.kind = SQUIB_EXIT_SHUTDOWN;
    e.shutdown.reason = SQUIB_SHUTDOWN_TRIPLE_FAULT;
    cr_assert_str_eq(fmt(&e), "shutdown triple-fault pc=0x0");

    memset(&e, 0, sizeof e);
    e.kind = SQUIB_EXIT_DEBUG;
    e.pc = 0x1000;
    e.debug.reason = SQUIB_DEBUG_BREAKPOINT;
    e.debug.addr = 0x1000;
    cr_assert_str_eq(fmt(&e), "debug breakpoint addr=0x1000 pc=0x1000");

    e.kind = SQUIB_EXIT_HLT;
    cr_assert_str_eq(fmt(&e), "hlt pc=0x1000");
    e.kind = SQUIB_EXIT_INTERRUPTED;
    cr_assert_str_eq(fmt(&e), "interrupted pc=0x1000");
}

Test(exits, internal_error_carries_bytes_and_message)
{
    struct squib_exit e;
    const uint8_t insn[] = {0x0f, 0x0b};
    squib_exit_internal_error(&e, 0xfff0, insn, 2, "x86 instruction not implemented yet (%s)", "UD2");
    cr_assert_eq(e.kind, SQUIB_EXIT_INTERNAL_ERROR);
    cr_assert_eq(e.internal.insn_len, 2);
    cr_assert_str_eq(fmt(&e), "internal-error pc=0xfff0 bytes=[0f 0b]: x86 instruction not implemented yet (UD2)");
    uint8_t many[40] = {0};
    squib_exit_internal_error(&e, 0, many, sizeof many, "%s", "long");
    cr_assert_eq(e.internal.insn_len, SQUIB_EXIT_INSN_MAX);
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    squib_exit_internal_error(&e, 0, NULL, 0, "%s", big);
    cr_assert_eq(strlen(e.internal.message), SQUIB_EXIT_MESSAGE_MAX - 1);
}
