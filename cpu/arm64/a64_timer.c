/* cpu/arm64/a64_timer.c: the generic timer (Arm ARM D11, "The Generic Timer
 * in AArch64 state"; registers in D17, "CNT*") and the IRQ/FIQ input lines.
 *
 * The counter.  CNTFRQ_EL0 reads 62.5 MHz (QEMU's frequency for its older
 * machine types): one tick is exactly 16 ns of the host's CLOCK_MONOTONIC,
 * counted from the vCPU's reset, so the count is monotonic and never runs
 * ahead of the host.  The guest has no EL2, so CNTVOFF_EL2 is treated as 0
 * and CNTVCT_EL0 == CNTPCT_EL0 (D11, "The virtual counter").  CNTFRQ_EL0
 * is read-only (a guest write is UNDEFINED: only the highest implemented
 * EL, here absent EL3, may write it).  The VMM sets the count through ONE_REG (KVM's
 * KVM_REG_ARM_TIMER_CNT), which moves both views.
 *
 * The timers.  The EL1 physical (CNTP_*) and virtual (CNTV_*) timers each
 * hold CTL (ENABLE, IMASK; ISTATUS is computed on read) and CVAL.  The
 * condition is met when count >= CVAL (unsigned; D11, "Timers"); the line
 * is ENABLE && !IMASK && condition.  TVAL is the signed 32-bit view of
 * CVAL - count: reads give (CVAL - count)[31:0], writes set CVAL = count +
 * SignExtend(TVAL[31:0]).  The EL1 event stream (CNTKCTL_EL1.EVNTEN) is not
 * generated: WFE exits and the run loop runs on at once, which a spurious
 * event allows.
 *
 * The lines go to the platform as KVM reports them with a user-space
 * interrupt controller: squib_vcpu_device_irq_level() (bit 0 virtual,
 * bit 1 physical, KVM_ARM_DEV_EL1_VTIMER/PTIMER), and an INTERRUPTED exit
 * whenever a line differs from what the last exit reported.  Counting the
 * clock costs a clock_gettime, so it is read only while a line can change
 * (`armed`: a timer enabled and unmasked whose condition is not met yet,
 * or right after a timer register write) and then once every
 * A64_TIMER_POLL_BLOCKS blocks, and at the first block of every run.  The
 * latency from the deadline to the exit is bounded by that many blocks of
 * at most A64_BLOCK_MAX instructions each.
 *
 * The inputs.  squib_vcpu_set_line drives the PE's IRQ and FIQ signals
 * (KVM_IRQ_LINE with KVM_ARM_IRQ_TYPE_CPU): level-sensitive, taken between
 * blocks while high and not masked by PSTATE.I / PSTATE.F (a64_async).
 */
#include "cpu/arm64/a64_cpu.h"

#include <errno.h>
#include <time.h>

#include "cpu/arm64/a64_platform.h"
#include "util/err.h"

#define ENC(op0, op1, crn, crm, op2)                                                     \
    ((uint32_t)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2)))

enum {
    E_CNTFRQ = ENC(3, 3, 14, 0, 0),
    E_CNTPCT = ENC(3, 3, 14, 0, 1),
    E_CNTVCT = ENC(3, 3, 14, 0, 2),
    E_CNTP_TVAL = ENC(3, 3, 14, 2, 0),
    E_CNTP_CTL = ENC(3, 3, 14, 2, 1),
    E_CNTP_CVAL = ENC(3, 3, 14, 2, 2),
    E_CNTV_TVAL = ENC(3, 3, 14, 3, 0),
    E_CNTV_CTL = ENC(3, 3, 14, 3, 1),
    E_CNTV_CVAL = ENC(3, 3, 14, 3, 2),
    E_CNTKCTL = ENC(3, 0, 14, 1, 0),
};

#define CNTFRQ_HZ 62500000u
#define NS_PER_TICK 16u
_Static_assert(CNTFRQ_HZ * (uint64_t)NS_PER_TICK == 1000000000u, "tick length");

#define CTL_ENABLE 1u
#define CTL_IMASK 2u
#define CTL_ISTATUS 4u

/* CNTKCTL_EL1 (D17, "CNTKCTL_EL1"). */
#define KCTL_EL0PCTEN (1u << 0)
#define KCTL_EL0VCTEN (1u << 1)
#define KCTL_EL0VTEN (1u << 8)
#define KCTL_EL0PTEN (1u << 9)
#define KCTL_MASK 0x3ffu /* EL0PCTEN..EL0PTEN; the rest RES0 without FEAT_ECV */

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t count_at(const struct a64_cpu *c, uint64_t now_ns)
{
    return (now_ns - c->tm.epoch_ns) / NS_PER_TICK + c->tm.offset;
}

/* The output line of timer t at `count`. */
static bool line_of(const struct a64_cpu *c, unsigned t, uint64_t count)
{
    return (c->tm.ctl[t] & (CTL_ENABLE | CTL_IMASK)) == CTL_ENABLE && count >= c->tm.cval[t];
}

static uint32_t level_at(const struct a64_cpu *c, uint64_t count)
{
    return (line_of(c, A64_TIMER_V, count) ? SQUIB_DEV_IRQ_VTIMER : 0) |
           (line_of(c, A64_TIMER_P, count) ? SQUIB_DEV_IRQ_PTIMER : 0);
}

/* A timer register changed (or the count): look again at the next block
 * boundary. */
static void rearm(struct a64_cpu *c)
{
    c->tm.armed = true;
    c->tm.poll_left = 1;
}

void a64_timer_reset(struct a64_cpu *c)
{
    memset(&c->tm, 0, sizeof c->tm);
    c->tm.epoch_ns = host_ns();
    atomic_store(&c->lines, 0);
}

/* Reads the clock: the new line levels, and whether a line can still rise
 * by itself (an enabled, unmasked timer whose condition is not met).
 * Returns true if the levels differ from the last reported ones, which
 * then become the reported ones. */
static bool timer_poll(struct a64_cpu *c)
{
    uint64_t count = count_at(c, host_ns());
    uint32_t level = level_at(c, count);
    bool armed = false;
    for (unsigned t = 0; t < 2; t++)
        if ((c->tm.ctl[t] & (CTL_ENABLE | CTL_IMASK)) == CTL_ENABLE && count < c->tm.cval[t])
            armed = true;
    c->tm.armed = armed;
    c->tm.poll_left = A64_TIMER_POLL_BLOCKS;
    if (level == c->tm.reported)
        return false;
    c->tm.reported = level;
    return true;
}

int a64_async(struct a64_cpu *c)
{
    if (c->tm.armed && c->tm.poll_left == 0 && timer_poll(c)) {
        a64_exit_begin(c, NULL, SQUIB_EXIT_INTERRUPTED);
        return A64_EXIT;
    }
    /* FIQ before IRQ when both are pending: the architecture leaves the
     * order to the implementation; the FIQ is the one meant to be fast. */
    unsigned pend = a64_lines_unmasked(c);
    if (pend & (1u << SQUIB_LINE_FIQ))
        a64_interrupt(c, A64_VEC_FIQ);
    else if (pend & (1u << SQUIB_LINE_IRQ))
        a64_interrupt(c, A64_VEC_IRQ);
    return A64_NEXT;
}

/* ---- registers ---------------------------------------------------------- */

static unsigned timer_of(uint32_t enc)
{
    return ((enc >> 3) & 15) == 3 ? A64_TIMER_V : A64_TIMER_P;
}

uint64_t a64_timer_read(struct a64_cpu *c, uint32_t enc)
{
    switch (enc) {
    case E_CNTFRQ:
        return CNTFRQ_HZ;
    case E_CNTKCTL:
        return c->tm.kctl;
    case E_CNTPCT:
    case E_CNTVCT:
        return count_at(c, host_ns());
    case E_CNTP_CTL:
    case E_CNTV_CTL: {
        unsigned t = timer_of(enc);
        uint64_t ctl = c->tm.ctl[t];
        /* ISTATUS is UNKNOWN while ENABLE is 0: it reads 0 then. */
        if ((ctl & CTL_ENABLE) && count_at(c, host_ns()) >= c->tm.cval[t])
            ctl |= CTL_ISTATUS;
        return ctl;
    }
    case E_CNTP_CVAL:
    case E_CNTV_CVAL:
        return c->tm.cval[timer_of(enc)];
    case E_CNTP_TVAL:
    case E_CNTV_TVAL: /* bits 63:32 RES0 */
        return (uint32_t)(c->tm.cval[timer_of(enc)] - count_at(c, host_ns()));
    }
    return 0;
}

void a64_timer_write(struct a64_cpu *c, uint32_t enc, uint64_t v)
{
    switch (enc) {
    case E_CNTKCTL: /* the event stream bits are kept but not acted on */
        c->tm.kctl = v & KCTL_MASK;
        return;
    case E_CNTP_CTL:
    case E_CNTV_CTL: /* ISTATUS is read-only, the rest RES0 */
        c->tm.ctl[timer_of(enc)] = v & (CTL_ENABLE | CTL_IMASK);
        break;
    case E_CNTP_CVAL:
    case E_CNTV_CVAL:
        c->tm.cval[timer_of(enc)] = v;
        break;
    case E_CNTP_TVAL:
    case E_CNTV_TVAL:
        c->tm.cval[timer_of(enc)] = count_at(c, host_ns()) + a64_sext(v & 0xffffffffu, 32);
        break;
    default: /* CNTFRQ, CNTPCT, CNTVCT: read-only to the guest (SR_RO) */
        return;
    }
    rearm(c);
}

int a64_timer_set_one(struct a64_cpu *c, uint32_t enc, uint64_t v)
{
    switch (enc) {
    case E_CNTFRQ:
        if (v != CNTFRQ_HZ)
            return squib_fail(-EINVAL,
                              "aarch64: CNTFRQ_EL0 is fixed at %u Hz (the counter ticks every "
                              "%u ns of host time); cannot set %llu",
                              CNTFRQ_HZ, NS_PER_TICK, (unsigned long long)v);
        return 0;
    case E_CNTPCT:
    case E_CNTVCT: {
        /* One counter for both views (no CNTVOFF without EL2). */
        uint64_t now = host_ns();
        c->tm.offset = v - (now - c->tm.epoch_ns) / NS_PER_TICK;
        rearm(c);
        return 0;
    }
    default:
        a64_timer_write(c, enc, v);
        return 0;
    }
}

uint32_t a64_timer_one_reg_enc(uint32_t enc)
{
    if (enc == E_CNTV_CVAL)
        return E_CNTVCT; /* KVM_REG_ARM_TIMER_CNT */
    if (enc == E_CNTVCT)
        return E_CNTV_CVAL; /* KVM_REG_ARM_TIMER_CVAL */
    return enc;
}

/* Without EL2 (D17, "CNTKCTL_EL1"; the EL0 accessibility pseudocode of each
 * register): CNTPCT_EL0 needs EL0PCTEN, CNTVCT_EL0 EL0VCTEN, CNTFRQ_EL0
 * either of them, the CNTP_* registers EL0PTEN, the CNTV_* registers
 * EL0VTEN; otherwise the access traps to EL1 with EC 0x18. */
bool a64_timer_el0_ok(const struct a64_cpu *c, uint32_t enc)
{
    uint64_t k = c->tm.kctl;
    switch (enc) {
    case E_CNTFRQ:
        return k & (KCTL_EL0PCTEN | KCTL_EL0VCTEN);
    case E_CNTPCT:
        return k & KCTL_EL0PCTEN;
    case E_CNTVCT:
        return k & KCTL_EL0VCTEN;
    case E_CNTP_TVAL:
    case E_CNTP_CTL:
    case E_CNTP_CVAL:
        return k & KCTL_EL0PTEN;
    default:
        return k & KCTL_EL0VTEN;
    }
}

/* ---- the platform's calls (a64_platform.h) ------------------------------ */

uint32_t a64_device_irq_level(void *cpu)
{
    const struct a64_cpu *c = cpu;
    return c->tm.reported;
}

int a64_timer_deadline(void *cpu, uint64_t *monotonic_ns)
{
    const struct a64_cpu *c = cpu;
    uint64_t now = host_ns();
    uint64_t count = count_at(c, now);
    if (level_at(c, count) != c->tm.reported) { /* a change not reported yet */
        *monotonic_ns = now;
        return 0;
    }
    bool any = false;
    uint64_t ticks = UINT64_MAX;
    for (unsigned t = 0; t < 2; t++) {
        if ((c->tm.ctl[t] & (CTL_ENABLE | CTL_IMASK)) != CTL_ENABLE || count >= c->tm.cval[t])
            continue;
        any = true;
        if (c->tm.cval[t] - count < ticks)
            ticks = c->tm.cval[t] - count;
    }
    if (!any)
        return -ENOENT;
    /* The first tick at which the count reaches CVAL: now rounded down to a
     * tick, plus `ticks` ticks. */
    uint64_t into_tick = (now - c->tm.epoch_ns) % NS_PER_TICK;
    if (ticks > (UINT64_MAX - now) / NS_PER_TICK)
        *monotonic_ns = UINT64_MAX;
    else
        *monotonic_ns = now - into_tick + ticks * NS_PER_TICK;
    return 0;
}

int a64_set_line(void *cpu, unsigned line, bool level)
{
    struct a64_cpu *c = cpu;
    if (line != SQUIB_LINE_IRQ && line != SQUIB_LINE_FIQ)
        return squib_fail(-EINVAL,
                          "aarch64: no input line %u (SQUIB_LINE_IRQ 0 and SQUIB_LINE_FIQ 1; "
                          "SError has no source yet)",
                          line);
    if (level)
        atomic_fetch_or(&c->lines, 1u << line);
    else
        atomic_fetch_and(&c->lines, ~(1u << line));
    return 0;
}

bool a64_line_pending(void *cpu)
{
    struct a64_cpu *c = cpu;
    return atomic_load(&c->lines) != 0;
}

void a64_set_smc_hypercall(void *cpu, bool on)
{
    struct a64_cpu *c = cpu;
    c->smc_hypercall = on;
}
