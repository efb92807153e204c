/* exits/exit.c: names and formatting of squib_exit. */
#include "squib/exit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
#define NAME_(e, s) s,
    SQUIB_EXIT_KINDS(NAME_)
#undef NAME_
};

static const char *const debug_names[] = {
#define NAME_(e, s) s,
    SQUIB_DEBUG_REASONS(NAME_)
#undef NAME_
};

const char *squib_exit_kind_name(enum squib_exit_kind kind)
{
    return (unsigned)kind < SQUIB_EXIT_KIND_COUNT ? kind_names[kind] : "?";
}

const char *squib_debug_reason_name(enum squib_debug_reason reason)
{
    return (unsigned)reason < SQUIB_DEBUG_REASON_COUNT ? debug_names[reason] : "?";
}

int squib_exit_format(const struct squib_exit *e, char *buf, size_t len)
{
    const char *k = squib_exit_kind_name(e->kind);
    unsigned long long pc = e->pc;
    switch (e->kind) {
    case SQUIB_EXIT_MMIO:
        return snprintf(buf, len, "%s %s addr=0x%llx size=%u data=0x%llx pc=0x%llx", k,
                        e->mmio.write ? "write" : "read", (unsigned long long)e->mmio.addr,
                        e->mmio.size, (unsigned long long)e->mmio.data, pc);
    case SQUIB_EXIT_PIO:
        return snprintf(buf, len, "%s %s port=0x%x size=%u data=0x%x pc=0x%llx", k,
                        e->pio.write ? "out" : "in", e->pio.port, e->pio.size, e->pio.data, pc);
    case SQUIB_EXIT_HYPERCALL: {
        const uint64_t *a = e->hypercall.args;
        return snprintf(buf, len,
                        "%s func=0x%llx args=0x%llx,0x%llx,0x%llx,0x%llx,0x%llx,0x%llx "
                        "ret=0x%llx pc=0x%llx",
                        k, (unsigned long long)e->hypercall.func, (unsigned long long)a[0],
                        (unsigned long long)a[1], (unsigned long long)a[2],
                        (unsigned long long)a[3], (unsigned long long)a[4],
                        (unsigned long long)a[5], (unsigned long long)e->hypercall.ret[0], pc);
    }
    case SQUIB_EXIT_SHUTDOWN:
        return snprintf(buf, len, "%s %s pc=0x%llx", k,
                        e->shutdown.reason == SQUIB_SHUTDOWN_TRIPLE_FAULT ? "triple-fault"
                                                                          : "poweroff",
                        pc);
    case SQUIB_EXIT_DEBUG:
        return snprintf(buf, len, "%s %s addr=0x%llx pc=0x%llx", k,
                        squib_debug_reason_name(e->debug.reason),
                        (unsigned long long)e->debug.addr, pc);
    case SQUIB_EXIT_INTERNAL_ERROR: {
        char bytes[3 * SQUIB_EXIT_INSN_MAX + 1] = "";
        size_t n = e->internal.insn_len < SQUIB_EXIT_INSN_MAX ? e->internal.insn_len
                                                              : SQUIB_EXIT_INSN_MAX;
        size_t p = 0;
        for (size_t i = 0; i < n; i++)
            p += (size_t)snprintf(bytes + p, sizeof bytes - p, "%s%02x", i ? " " : "",
                                  e->internal.insn[i]);
        return snprintf(buf, len, "%s pc=0x%llx bytes=[%s]: %.*s", k, pc, bytes,
                        SQUIB_EXIT_MESSAGE_MAX, e->internal.message);
    }
    default:
        return snprintf(buf, len, "%s pc=0x%llx", k, pc);
    }
}

void squib_exit_internal_error(struct squib_exit *e, uint64_t pc, const uint8_t *insn,
                               size_t insn_len, const char *fmt, ...)
{
    memset(e, 0, sizeof *e);
    e->kind = SQUIB_EXIT_INTERNAL_ERROR;
    e->pc = pc;
    if (insn_len > SQUIB_EXIT_INSN_MAX)
        insn_len = SQUIB_EXIT_INSN_MAX;
    if (insn)
        memcpy(e->internal.insn, insn, insn_len);
    e->internal.insn_len = insn ? (uint8_t)insn_len : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->internal.message, sizeof e->internal.message, fmt, ap);
    va_end(ap);
}
