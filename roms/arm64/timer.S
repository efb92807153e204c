// roms/arm64/timer.S: the generic timer from EL1 and EL0 (Arm ARM D11,
// "The Generic Timer in AArch64 state"; registers in D17 "CNT*").
//
// The counter (CNTFRQ_EL0, CNTVCT_EL0, CNTPCT_EL0), the EL1 virtual and
// physical timers (CVAL, TVAL, CTL: ENABLE, IMASK, ISTATUS), and EL0
// access as CNTKCTL_EL1 allows it (else a trap with EC 0x18).  Timers are
// polled through ISTATUS; no interrupt controller is needed (an unmasked
// timer that fires raises the line towards the VMM, and the guest goes
// on).
//
// Self-checking (selftest.inc): one line per check, PASS or FAIL <n>.
//   squib -accel interp -M virt -m 64 -nographic \
//     -device loader,file=arm64-timer.bin,addr=0x40200000,cpu-num=0
// It passes unchanged under qemu-system-aarch64 (-M virt -serial stdio).
//
// link-address: 0x40200000

#include "selftest.inc"

        .equ    CTL_ENABLE, 1           // CNTx_CTL_EL0 (D17 "CNTV_CTL_EL0")
        .equ    CTL_IMASK, 2
        .equ    CTL_ISTATUS, 4
        .equ    KCTL_EL0PCTEN, 1 << 0   // CNTKCTL_EL1 (D17 "CNTKCTL_EL1")
        .equ    KCTL_EL0VCTEN, 1 << 1
        .equ    KCTL_EL0VTEN, 1 << 8
        .equ    KCTL_EL0PTEN, 1 << 9
        .equ    POLL_LIMIT, 50000000    // iterations before giving up on a timer

// EL0 accesses trapped by CNTKCTL_EL1 (D17.2.37, EC 0x18): MRS x0 from
// CNTFRQ_EL0 S3_3_C14_C0_0, CNTPCT_EL0 _1, CNTVCT_EL0 _2, CNTP_CVAL_EL0
// S3_3_C14_C2_2, CNTV_CTL_EL0 S3_3_C14_C3_1; MSR CNTV_TVAL_EL0, x1
// S3_3_C14_C3_0.
        SYSESR  ESR_CNTFRQ, 3, 3, 14, 0, 0, 0, 1
        SYSESR  ESR_CNTPCT, 3, 3, 14, 0, 1, 0, 1
        SYSESR  ESR_CNTVCT, 3, 3, 14, 0, 2, 0, 1
        SYSESR  ESR_CNTP_CVAL, 3, 3, 14, 2, 2, 0, 1
        SYSESR  ESR_CNTV_CTL, 3, 3, 14, 3, 1, 0, 1
        SYSESR  ESR_CNTV_TVAL_W, 3, 3, 14, 3, 0, 1, 0
        ESR     ESR_UNDEF, EC_UNKNOWN, 0

// TIMER_CHECKS t, "name": the CVAL/TVAL/CTL semantics of timer `t` (v for
// CNTV_*, p for CNTP_*) against the count cnt (CNTVCT or CNTPCT).
        .macro  TIMER_CHECKS t, cnt, name
        // A compare value far ahead: ISTATUS clear, TVAL = CVAL - count
        // (D11.2.4 "Timers": TimerValue is the signed 32-bit difference).
        mov     x0, #CTL_ENABLE | CTL_IMASK
        msr     cnt\t\()_ctl_el0, x0
        mrs     x20, \cnt
        ldr     x0, =0x10000000
        add     x21, x20, x0
        msr     cnt\t\()_cval_el0, x21
        isb
        mrs     x22, cnt\t\()_cval_el0
        CHECKR  x22, x21, "\name CVAL reads back"
        mrs     x22, cnt\t\()_ctl_el0
        CHECK   x22, CTL_ENABLE | CTL_IMASK, "\name CTL: ISTATUS clear before CVAL"
        mrs     x22, cnt\t\()_tval_el0
        mrs     x23, \cnt
        sub     x24, x21, x23           // CVAL - a later count <= TVAL
        cmp     x22, x24
        CHECKTRUE hs, "\name TVAL >= CVAL - later count"
        ldr     x0, =0x10000000
        cmp     x22, x0
        CHECKTRUE ls, "\name TVAL <= CVAL - earlier count"
        // A compare value in the past: ISTATUS set, TVAL negative as a
        // 32-bit value, bits 63:32 zero (RES0).
        sub     x21, x20, #1000
        msr     cnt\t\()_cval_el0, x21
        isb
        mrs     x22, cnt\t\()_ctl_el0
        CHECK   x22, CTL_ENABLE | CTL_IMASK | CTL_ISTATUS, "\name CTL: ISTATUS set once CVAL has passed"
        mrs     x22, cnt\t\()_tval_el0
        lsr     x23, x22, #32
        CHECK   x23, 0, "\name TVAL bits 63:32 are 0"
        sxtw    x22, w22
        cmp     x22, #-1000
        CHECKTRUE le, "\name TVAL negative once CVAL has passed"
        // Writing TVAL sets CVAL = count + SignExtend(TVAL) (D11.2.4).
        mrs     x20, \cnt
        mov     x0, #-100
        msr     cnt\t\()_tval_el0, x0
        isb
        mrs     x21, \cnt
        mrs     x22, cnt\t\()_cval_el0
        sub     x23, x20, #100
        cmp     x22, x23
        CHECKTRUE ge, "\name TVAL = -100 gives CVAL >= count before - 100"
        sub     x23, x21, #100
        cmp     x22, x23
        CHECKTRUE le, "\name TVAL = -100 gives CVAL <= count after - 100"
        // A short timer: ISTATUS rises by itself once the count reaches
        // CVAL, not before.
        mov     x0, #2000               // 32 us at 62.5 MHz
        msr     cnt\t\()_tval_el0, x0
        isb
        mrs     x21, cnt\t\()_cval_el0
        ldr     x24, =POLL_LIMIT
1:      mrs     x22, cnt\t\()_ctl_el0
        tbnz    x22, #2, 2f             // ISTATUS
        subs    x24, x24, #1
        b.ne    1b
2:      mrs     x23, \cnt
        CHECK   x22, CTL_ENABLE | CTL_IMASK | CTL_ISTATUS, "\name ISTATUS rises when the count reaches CVAL"
        cmp     x23, x21
        CHECKTRUE hs, "\name ... and not before"
        // The same unmasked: the output line rises (towards the VMM; no
        // GIC here) and the guest keeps running.
        mov     x0, #CTL_ENABLE
        msr     cnt\t\()_ctl_el0, x0
        mov     x0, #2000
        msr     cnt\t\()_tval_el0, x0
        isb
        ldr     x24, =POLL_LIMIT
3:      mrs     x22, cnt\t\()_ctl_el0
        tbnz    x22, #2, 4f
        subs    x24, x24, #1
        b.ne    3b
4:      CHECK   x22, CTL_ENABLE | CTL_ISTATUS, "\name unmasked timer fires, guest runs on"
        // CTL.ISTATUS is read-only: writing it changes nothing.
        mov     x0, #CTL_ISTATUS
        msr     cnt\t\()_ctl_el0, x0
        mrs     x22, cnt\t\()_ctl_el0
        and     x22, x22, #~CTL_ISTATUS // UNKNOWN while ENABLE = 0
        CHECK   x22, 0, "\name CTL: ISTATUS not writable, timer off"
        .endm

        .text
        .global _start
_start:
        SELFTEST_START
        SAY     "squib arm64 self-test: generic timer"

// ---- the counter (D11.1 "The Generic Timer"; D11.1.2 "The system counter")
        mrs     x20, cntfrq_el0
        cmp     x20, #0
        CHECKTRUE ne, "CNTFRQ_EL0 is not zero"
        CHECK   x20, 62500000, "CNTFRQ_EL0 = 62.5 MHz (squib)"
        // CNTVCT_EL0 never goes back, and moves.
        mrs     x20, cntvct_el0
        mov     x21, x20
        mov     x22, #0                 // times it went back
        ldr     x24, =100000
1:      mrs     x23, cntvct_el0
        cmp     x23, x21
        cinc    x22, x22, lo
        mov     x21, x23
        subs    x24, x24, #1
        b.ne    1b
        CHECK   x22, 0, "CNTVCT_EL0 is monotonic"
        cmp     x21, x20
        CHECKTRUE hi, "CNTVCT_EL0 advances"
        // Without EL2 the virtual offset is 0: CNTVCT = CNTPCT (D11.2.2).
        mrs     x20, cntvct_el0
        mrs     x21, cntpct_el0
        mrs     x22, cntvct_el0
        cmp     x21, x20
        CHECKTRUE hs, "CNTPCT_EL0 >= the CNTVCT_EL0 read before it"
        cmp     x22, x21
        CHECKTRUE hs, "CNTPCT_EL0 <= the CNTVCT_EL0 read after it"

// ---- the EL1 virtual and physical timers (D11.2.4 "Timers")
        TIMER_CHECKS v, cntvct_el0, "virtual timer:"
        TIMER_CHECKS p, cntpct_el0, "physical timer:"

// ---- EL0 access (D17 "CNTKCTL_EL1": EL0PCTEN, EL0VCTEN, EL0VTEN,
// EL0PTEN; 0 traps the access to EL1 with EC 0x18)
        msr     cntkctl_el1, xzr
        isb
        EL0_TRAP 0x400, ESR_CNTVCT, "EL0 CNTVCT_EL0 with EL0VCTEN = 0", mrs x0, cntvct_el0
        EL0_TRAP 0x400, ESR_CNTPCT, "EL0 CNTPCT_EL0 with EL0PCTEN = 0", mrs x0, cntpct_el0
        EL0_TRAP 0x400, ESR_CNTFRQ, "EL0 CNTFRQ_EL0 with both 0", mrs x0, cntfrq_el0
        EL0_TRAP 0x400, ESR_CNTV_CTL, "EL0 CNTV_CTL_EL0 with EL0VTEN = 0", mrs x0, cntv_ctl_el0
        EL0_TRAP 0x400, ESR_CNTV_TVAL_W, "EL0 write CNTV_TVAL_EL0 with EL0VTEN = 0", msr cntv_tval_el0, x1
        EL0_TRAP 0x400, ESR_CNTP_CVAL, "EL0 CNTP_CVAL_EL0 with EL0PTEN = 0", mrs x0, cntp_cval_el0
        // CNTKCTL_EL1 itself is EL1 only: UNDEFINED at EL0.
        EL0_TRAP 0x400, ESR_UNDEF, "EL0 CNTKCTL_EL1", mrs x0, cntkctl_el1
        // EL0VCTEN alone opens CNTVCT_EL0 and CNTFRQ_EL0, not CNTPCT_EL0.
        mov     x0, #KCTL_EL0VCTEN
        msr     cntkctl_el1, x0
        isb
        mrs     x0, cntkctl_el1
        CHECK   x0, KCTL_EL0VCTEN, "CNTKCTL_EL1 reads back"
        EL0_TRAP 0x400, ESR_CNTPCT, "EL0 CNTPCT_EL0 with only EL0VCTEN", mrs x0, cntpct_el0
        ARM     el0_vct_ret
        mrs     x22, cntvct_el0
        TO_EL0  el0_vct
el0_vct:
        mrs     x20, cntvct_el0
        mrs     x21, cntfrq_el0
        svc     #0
el0_vct_ret:
        cmp     x20, x22
        CHECKTRUE hs, "EL0 reads CNTVCT_EL0 with EL0VCTEN = 1"
        CHECK   x21, 62500000, "EL0 reads CNTFRQ_EL0 with EL0VCTEN = 1"
        // Everything open: EL0 runs the virtual and physical timers.
        ldr     x0, =KCTL_EL0PCTEN | KCTL_EL0VCTEN | KCTL_EL0VTEN | KCTL_EL0PTEN
        msr     cntkctl_el1, x0
        isb
        ARM     el0_timers_ret
        TO_EL0  el0_timers
el0_timers:
        mrs     x20, cntpct_el0
        mov     x0, #CTL_ENABLE | CTL_IMASK
        msr     cntv_ctl_el0, x0
        msr     cntp_ctl_el0, x0
        sub     x0, x20, #1
        msr     cntv_cval_el0, x0
        msr     cntp_cval_el0, x0
        mrs     x21, cntv_ctl_el0
        mrs     x22, cntp_ctl_el0
        mrs     x23, cntp_cval_el0
        svc     #0
el0_timers_ret:
        CHECK   x21, CTL_ENABLE | CTL_IMASK | CTL_ISTATUS, "EL0 runs the virtual timer with EL0VTEN = 1"
        CHECK   x22, CTL_ENABLE | CTL_IMASK | CTL_ISTATUS, "EL0 runs the physical timer with EL0PTEN = 1"
        sub     x20, x20, #1
        CHECKR  x23, x20, "EL0 reads CNTP_CVAL_EL0 with EL0PTEN = 1"
        msr     cntv_ctl_el0, xzr
        msr     cntp_ctl_el0, xzr
        msr     cntkctl_el1, xzr

        CHECKCOUNT
        b       finish

        SELFTEST_CODE
        VECTORS
        .ltorg
        SELFTEST_DATA
