// roms/arm64/el.S: exception levels, exception entry and return, and one
// synchronous exception of each class the A64 core raises, each with its
// exact ESR_EL1, ELR_EL1, FAR_EL1, SPSR_EL1 and vector offset.
//
// Self-checking (selftest.inc): one "check ...: ok" line per check on the
// PL011, then PASS or FAIL <n>, then PSCI SYSTEM_OFF.  MMU off throughout
// (data accesses are Device-nGnRnE, Arm ARM D8.2.10 "The effects of
// disabling an address translation stage").  The run:
//   squib -accel interp -M virt -m 64 -nographic \
//     -device loader,file=arm64-el.bin,addr=0x40200000,cpu-num=0
// The same under qemu-system-aarch64 (-M virt -cpu max -serial stdio): the
// checks marked (squib) are squib's answers, and QEMU 7.2 fails the SP
// alignment, Device alignment and WFE trap checks (not modelled there)
// and the MSR DAIFSet syndrome (it swaps the Op1 and Op2 fields); the
// rest, debug exceptions included, agree.
//
// link-address: 0x40200000

#include "selftest.inc"

// Expected syndromes (Arm ARM D17.2.37 "ESR_EL1" and its ISS encodings).
        ESR     ESR_UNDEF, EC_UNKNOWN, 0
        ESR     ESR_SVC_1234, EC_SVC, 0x1234    // ISS = imm16
        ESR     ESR_SVC_FFF0, EC_SVC, 0xfff0
        ESR     ESR_SVC_4321, EC_SVC, 0x4321
        ESR     ESR_BRK_42, EC_BRK, 0x42        // ISS = imm16
        ESR     ESR_BRK_7, EC_BRK, 7
        ESR     ESR_PC_ALIGN, EC_PC_ALIGN, 0
        ESR     ESR_SP_ALIGN, EC_SP_ALIGN, 0
        ESR     ESR_ILLEGAL, EC_ILLEGAL, 0
        // Data Abort, ISV = 0, WnR in bit 6, DFSC 0x21 (Alignment fault).
        ESR     ESR_DABT_ALIGN_R, EC_DABT_CUR, FSC_ALIGN
        ESR     ESR_DABT_ALIGN_W, EC_DABT_CUR, ISS_WNR | FSC_ALIGN
        ESR     ESR_DABT_ALIGN_EL0, EC_DABT_LOW, FSC_ALIGN
        // FP trap from AArch64: CV = 1, COND = 0b1110 (ISS 24, 23:20).
        ESR     ESR_FP, EC_FP, (1 << 24) | (0xe << 20)
        // WFx trap from AArch64: CV = 1, COND = 0b1110, TI 0 WFI, 1 WFE.
        ESR     ESR_WFI, EC_WFX, (1 << 24) | (0xe << 20) | 0
        ESR     ESR_WFE, EC_WFX, (1 << 24) | (0xe << 20) | 1
        // MRS x3, DAIF: S3_3_C4_C2_1, read.  MSR DAIFSet, #2: op0 0, op1
        // 3, CRn 4, CRm = #imm, op2 6, Rt = 31, write.  DC ZVA, x4: SYS
        // op0 1, op1 3, C7, C4, op2 1.  MRS x5, CTR_EL0: S3_3_C0_C0_1.
        SYSESR  ESR_MRS_DAIF, 3, 3, 4, 2, 1, 3, 1
        SYSESR  ESR_DAIFSET, 0, 3, 4, 2, 6, 31, 0
        SYSESR  ESR_DC_ZVA, 1, 3, 7, 4, 1, 4, 0
        SYSESR  ESR_MRS_CTR, 3, 3, 0, 0, 1, 5, 1
        SYSESR  ESR_DC_CVAU, 1, 3, 7, 11, 1, 6, 0       // DC CVAU, x6
        // Debug exceptions (D2; D17.2.37): IFSC/DFSC 0x22 "debug event".
        // Software step: ISV (bit 24) = 1 after a stepped instruction, EX
        // (bit 6) = 0 (not a load-exclusive).  Watchpoint: WnR in bit 6.
        ESR     ESR_STEP_EL0, 0x32, (1 << 24) | 0x22
        ESR     ESR_BKPT_EL0, 0x30, 0x22
        ESR     ESR_BKPT_EL1, 0x31, 0x22
        ESR     ESR_WATCH_EL0_R, 0x34, 0x22
        ESR     ESR_WATCH_EL0_W, 0x34, ISS_WNR | 0x22
        .equ    MDSCR_SS, 1 << 0        // MDSCR_EL1 (D17 "MDSCR_EL1")
        .equ    MDSCR_KDE, 1 << 13
        .equ    MDSCR_MDE, 1 << 15
        .equ    WATCHED, 0x40300000     // a doubleword of RAM

        .equ    SCTLR_UMA, 1 << 9       // EL0 access to DAIF
        .equ    SCTLR_DZE, 1 << 14      // EL0 DC ZVA
        .equ    SCTLR_UCT, 1 << 15      // EL0 access to CTR_EL0
        .equ    SCTLR_nTWI, 1 << 16     // WFI at EL0 not trapped
        .equ    SCTLR_nTWE, 1 << 18     // WFE at EL0 not trapped

        .text
        .global _start
_start:
        SELFTEST_START
        SAY     "squib arm64 self-test: exception levels and exceptions"

// ---- the reset state (D1.2 "Exception levels"; C5.2 "CurrentEL", "SPSel")
        mrs     x20, CurrentEL
        CHECK   x20, 0x4, "starts at EL1 (CurrentEL.EL = 1)"
        mrs     x20, SPSel
        CHECK   x20, 1, "starts on SP_EL1 (SPSel = 1)"

// ---- HVC #0 is an SMCCC call the VMM answers (PSCI, DEN0022) -----------
        MOVL    x0, PSCI_VERSION
        hvc     #0
        CHECK   x0, 0x10000, "HVC PSCI_VERSION = 1.0 (squib)"
        MOVL    x0, PSCI_FEATURES
        MOVL    x1, PSCI_SYSTEM_OFF
        hvc     #0
        CHECK   x0, 0, "HVC PSCI_FEATURES(SYSTEM_OFF) = SUCCESS"
        MOVL    x0, 0x8400001e          // a PSCI id no version defines
        hvc     #0
        CHECK   x0, -1, "HVC unknown PSCI function = NOT_SUPPORTED"
        // squib: an HVC immediate other than 0 is not a call the VMM can
        // see; it returns NOT_SUPPORTED at once (SMCCC reserves them).
        MOVL    x0, PSCI_VERSION
        hvc     #1
        CHECK   x0, -1, "HVC #1 = NOT_SUPPORTED (squib)"

// ---- the stack pointers (D1.8.2 "The stack pointer registers"; C5.2
// "SP_EL0"): SPSel picks SP_EL0 or SP_EL1 at EL1.
        msr     spsel, #0
        mov     x20, sp
        msr     spsel, #1
        mov     x21, sp
        CHECK   x20, STACK_EL0, "SPSel = 0 selects SP_EL0"
        CHECK   x21, STACK_EL1, "SPSel = 1 selects SP_EL1"
        msr     spsel, #0
        ldr     x0, =STACK_EL0 - 64
        mov     sp, x0
        msr     spsel, #1
        mrs     x20, sp_el0
        mov     x21, sp
        CHECK   x20, STACK_EL0 - 64, "SP written under SPSel = 0 is SP_EL0"
        CHECK   x21, STACK_EL1, "SP_EL1 unchanged meanwhile"
        ldr     x0, =STACK_EL0
        msr     sp_el0, x0

// ---- SVC at EL1 (D1.10 "Exception entry"; C6.2 "SVC"): EC 0x15, ISS =
// imm16, ELR = the next instruction, SPSR = the PSTATE before, through the
// current-EL group of the SP in use: 0x200 (SP_ELx) or 0x000 (SP_EL0).
        ARM     svc_el1h_ret
        mov     x0, #0x60000000         // Z and C
        msr     nzcv, x0
        svc     #0x1234
svc_el1h_ret:
        CHECKEXC 0x200, ESR_SVC_1234, svc_el1h_ret, "SVC at EL1h"
        CHECKREC REC_SPSR, 0x600003c5, "SVC at EL1h SPSR (NZCV, DAIF, EL1h)"
        CHECKREC REC_SP, STACK_EL1, "SVC at EL1h handler SP is SP_EL1"

        ARM     svc_el1t_ret
        mov     x0, #0x20000000         // C
        msr     nzcv, x0
        msr     spsel, #0
        svc     #0xfff0
svc_el1t_ret:
        CHECKEXC 0x000, ESR_SVC_FFF0, svc_el1t_ret, "SVC at EL1t"
        CHECKREC REC_SPSR, 0x200003c4, "SVC at EL1t SPSR (EL1t)"
        CHECKREC REC_SP, STACK_EL1, "SVC at EL1t handler SP is SP_EL1"
        mrs     x20, SPSel
        CHECK   x20, 1, "ERET to EL1h restores SPSel = 1"
        // ERET to EL1t: SPSR_EL1.M = 0b0100 selects SP_EL0 at EL1.
        adr     x0, eret_el1t
        msr     elr_el1, x0
        mov     x0, #0x3c4
        msr     spsr_el1, x0
        eret
eret_el1t:
        mrs     x20, SPSel
        mov     x21, sp
        msr     spsel, #1
        CHECK   x20, 0, "ERET to EL1t selects SP_EL0 (SPSel = 0)"
        CHECK   x21, STACK_EL0, "ERET to EL1t runs on SP_EL0"

// ---- EL1 -> EL0 by ERET, back by SVC (D1.11 "Exception return"): ERET
// restores PSTATE (NZCV, DAIF, EL, SP) from SPSR_EL1 and the pc from
// ELR_EL1; EL0 runs on SP_EL0; the SVC comes in at 0x400 (lower EL,
// AArch64) and the handler runs on SP_EL1.
        ARM     el0_svc_ret
        adr     x0, el0_code
        MOVL    x1, 0x90000000 | SPSR_EL0T       // N and V
        bl      to_el0
el0_code:
        mrs     x20, nzcv               // NZCV is accessible at EL0
        mov     x21, sp
        svc     #0x4321
el0_svc_ret:
        CHECK   x20, 0x90000000, "ERET to EL0 restores NZCV from SPSR_EL1"
        CHECK   x21, STACK_EL0, "EL0 runs on SP_EL0"
        CHECKEXC 0x400, ESR_SVC_4321, el0_svc_ret, "SVC from EL0"
        CHECKREC REC_SPSR, 0x900003c0, "SVC from EL0 SPSR (EL0t)"
        CHECKREC REC_SP, STACK_EL1, "SVC from EL0 handler SP is SP_EL1"
        mrs     x20, CurrentEL
        CHECK   x20, 0x4, "back at EL1"

// ---- UNDEFINED (EC 0x00, ISS 0; D17.2.37 "Exceptions with an unknown
// reason"): ELR = the instruction itself.
        EL1_TRAP 0x200, ESR_UNDEF, "UDF at EL1", .inst 0x00000000
        // SMC with no EL3 (and the HVC conduit): UNDEFINED (C6.2 "SMC").
        EL1_TRAP 0x200, ESR_UNDEF, "SMC at EL1 without EL3", smc #0
        // MRS SP_EL0 while SPSel = 0 (C5.2 "SP_EL0": UNDEFINED then);
        // taken through the SP_EL0 group, 0x000.
        msr     spsel, #0
        EL1_TRAP 0x000, ESR_UNDEF, "MRS SP_EL0 under SPSel = 0", mrs x0, sp_el0
        EL0_TRAP 0x400, ESR_UNDEF, "MRS SCTLR_EL1 at EL0", mrs x0, sctlr_el1
        EL0_TRAP 0x400, ESR_UNDEF, "MSR TPIDRRO_EL0 at EL0", msr tpidrro_el0, x0
        EL0_TRAP 0x400, ESR_UNDEF, "HVC at EL0", hvc #0
        EL0_TRAP 0x400, ESR_UNDEF, "ERET at EL0", eret
        EL0_TRAP 0x400, ESR_UNDEF, "MSR SPSel at EL0", msr spsel, #1

// TPIDRRO_EL0 is read-only at EL0, TPIDR_EL0 read/write (D17.2
// "TPIDRRO_EL0", "TPIDR_EL0").
        ldr     x0, =0x1122334455667788
        msr     tpidrro_el0, x0
        ARM     tpidr_ret
        TO_EL0  tpidr_el0_code
tpidr_el0_code:
        mrs     x20, tpidrro_el0
        ldr     x0, =0xcafef00d
        msr     tpidr_el0, x0
        svc     #0
tpidr_ret:
        CHECK   x20, 0x1122334455667788, "EL0 reads TPIDRRO_EL0"
        mrs     x20, tpidr_el0
        CHECK   x20, 0xcafef00d, "EL0 writes TPIDR_EL0"

// ---- trapped MRS/MSR/SYS at EL0 (EC 0x18; D17.2 "SCTLR_EL1": UMA, UCT,
// DZE clear trap DAIF, CTR_EL0 and DC ZVA to EL1).
        EL0_TRAP 0x400, ESR_MRS_DAIF, "MRS DAIF at EL0 with UMA = 0", mrs x3, daif
        EL0_TRAP 0x400, ESR_DAIFSET, "MSR DAIFSet at EL0 with UMA = 0", msr daifset, #2
        EL0_TRAP 0x400, ESR_MRS_CTR, "MRS CTR_EL0 at EL0 with UCT = 0", mrs x5, ctr_el0
        EL0_TRAP 0x400, ESR_DC_ZVA, "DC ZVA at EL0 with DZE = 0", dc zva, x4
        // ... and allowed once the bits are set.
        SCTLR_SET SCTLR_UMA | SCTLR_UCT
        ARM     el0_uma_ret
        TO_EL0  el0_uma_code
el0_uma_code:
        mrs     x20, daif
        mrs     x21, ctr_el0
        svc     #0
el0_uma_ret:
        CHECK   x20, 0x3c0, "MRS DAIF at EL0 with UMA = 1"
        CHECK   x21, 0x8444c004, "MRS CTR_EL0 at EL0 with UCT = 1"
        SCTLR_CLR SCTLR_UMA | SCTLR_UCT
        // DC CVAU at EL0 needs SCTLR_EL1.UCI (clear at reset).
        EL0_TRAP 0x400, ESR_DC_CVAU, "DC CVAU at EL0 with UCI = 0", dc cvau, x6
        // TLBI and AT are EL1 only: UNDEFINED at EL0 (C5.5).
        EL0_TRAP 0x400, ESR_UNDEF, "TLBI VMALLE1 at EL0", tlbi vmalle1
        EL0_TRAP 0x400, ESR_UNDEF, "AT S1E0R at EL0", at s1e0r, x0
        // DCZID_EL0 (D17.2 "DCZID_EL0"): BS = log2(words) of DC ZVA, DZP
        // (bit 4) = 1 where DC ZVA is prohibited: at EL0 without DZE.
        mrs     x20, dczid_el0
        and     x20, x20, #0x10
        CHECK   x20, 0, "DCZID_EL0.DZP = 0 at EL1"
        ARM     dczid_ret
        TO_EL0  dczid_el0_code
dczid_el0_code:
        mrs     x20, dczid_el0
        svc     #0
dczid_ret:
        and     x20, x20, #0x10
        CHECK   x20, 0x10, "DCZID_EL0.DZP = 1 at EL0 with DZE = 0"

// ---- BRK (EC 0x3C, ISS = imm16; C6.2 "BRK"): ELR = the BRK itself.
        EL1_TRAP 0x200, ESR_BRK_42, "BRK #0x42 at EL1", brk #0x42
        EL0_TRAP 0x400, ESR_BRK_7, "BRK #7 at EL0", brk #7

// ---- PC alignment fault (EC 0x22; D1.10.5 "PC alignment checking"): a
// branch to an address with bits 1:0 set faults on the fetch, with ELR and
// FAR = that address.
        ARM     pc_align_ret
        adr     x20, pc_align_ret
        add     x20, x20, #2
        br      x20
pc_align_ret:
        CHECKREC REC_VEC, 0x200, "PC alignment at EL1 vector"
        CHECKREC REC_ESR, ESR_PC_ALIGN, "PC alignment at EL1 ESR"
        ldr     x0, =rec
        ldr     x0, [x0, #REC_ELR]
        CHECKR  x0, x20, "PC alignment at EL1 ELR"
        ldr     x0, =rec
        ldr     x0, [x0, #REC_FAR]
        CHECKR  x0, x20, "PC alignment at EL1 FAR"

        ARM     pc_align_el0_ret
        adr     x20, pc_align_el0_ret + 1
        TO_EL0  pc_align_el0
pc_align_el0:
        br      x20
pc_align_el0_ret:
        CHECKREC REC_VEC, 0x400, "PC alignment at EL0 vector"
        CHECKREC REC_ESR, ESR_PC_ALIGN, "PC alignment at EL0 ESR"
        ldr     x0, =rec
        ldr     x0, [x0, #REC_FAR]
        CHECKR  x0, x20, "PC alignment at EL0 FAR"

// ---- SP alignment fault (EC 0x26; D1.8.2 "SP alignment checking"):
// SCTLR_EL1.SA is set at reset, so a load based on an SP that is not
// 16-byte aligned faults.  SP_EL0 is misaligned, the handler runs on
// SP_EL1 (vector 0x000: current EL with SP_EL0).
        ldr     x0, =STACK_EL0 - 8
        msr     sp_el0, x0
        msr     spsel, #0
        EL1_TRAP 0x000, ESR_SP_ALIGN, "SP alignment at EL1t", ldr x0, [sp]
        // At EL0 SCTLR_EL1.SA0 checks SP_EL0 the same way (set at reset).
        EL0_TRAP 0x400, ESR_SP_ALIGN, "SP alignment at EL0", ldr x0, [sp]
        ldr     x0, =STACK_EL0
        msr     sp_el0, x0

// ---- Data Abort, Alignment fault (EC 0x25/0x24, DFSC 0x21; B2.5.2
// "Alignment of data accesses"): with the MMU off data accesses are
// Device-nGnRnE, where an unaligned access faults; FAR = the address.
        EL1_TRAP 0x200, ESR_DABT_ALIGN_R, "unaligned device load at EL1", ldur w0, [x19, #0x1a]
        CHECKREC REC_FAR, UART_BASE + 0x1a, "unaligned device load at EL1 FAR"
        EL1_TRAP 0x200, ESR_DABT_ALIGN_W, "unaligned device store at EL1", stur w0, [x19, #2]
        CHECKREC REC_FAR, UART_BASE + 2, "unaligned device store at EL1 FAR"
        EL0_TRAP 0x400, ESR_DABT_ALIGN_EL0, "unaligned device load at EL0", ldurh w0, [x19, #0x19]
        CHECKREC REC_FAR, UART_BASE + 0x19, "unaligned device load at EL0 FAR"

// ---- FP/SIMD access trap (EC 0x07; D17.2.30 "CPACR_EL1": FPEN 0b00
// traps EL0 and EL1, 0b01 traps EL0 only, 0b11 nothing; FPCR/FPSR too).
        msr     cpacr_el1, xzr
        isb
        EL1_TRAP 0x200, ESR_FP, "FMOV at EL1 with FPEN = 0", fmov d0, x1
        EL1_TRAP 0x200, ESR_FP, "MRS FPCR at EL1 with FPEN = 0", mrs x0, fpcr
        mov     x0, #1 << 20
        msr     cpacr_el1, x0
        isb
        ldr     x1, =0x0123456789abcdef
        fmov    d0, x1
        fmov    x20, d0
        CHECK   x20, 0x0123456789abcdef, "FMOV at EL1 with FPEN = 1"
        EL0_TRAP 0x400, ESR_FP, "FMOV at EL0 with FPEN = 1", fmov d1, x1
        mov     x0, #3 << 20
        msr     cpacr_el1, x0
        isb
        // SCTLR_EL1.A: every unaligned data access faults, RAM included
        // (D17.2 "SCTLR_EL1").  Checked here with a SIMD&FP load: squib's
        // integer loads and stores do not model A (cpu/arm64/a64_ldst.c).
        SCTLR_SET 1 << 1
        ldr     x21, =WATCHED + 1
        EL1_TRAP 0x200, ESR_DABT_ALIGN_R, "unaligned LDR (SIMD&FP) with SCTLR_EL1.A = 1", ldr d0, [x21]
        CHECKREC REC_FAR, WATCHED + 1, "unaligned LDR (SIMD&FP) with SCTLR_EL1.A = 1 FAR"
        SCTLR_CLR 1 << 1
        ARM     fp_el0_ret
        TO_EL0  fp_el0_code
fp_el0_code:
        fmov    x20, d0
        svc     #0
fp_el0_ret:
        CHECK   x20, 0x0123456789abcdef, "FMOV at EL0 with FPEN = 3"
        msr     cpacr_el1, xzr
        isb

// ---- WFI/WFE trapped at EL0 (EC 0x01; D17.2 "SCTLR_EL1": nTWI, nTWE
// clear trap them; ELR = the instruction).  Set at reset.
        SCTLR_CLR SCTLR_nTWI | SCTLR_nTWE
        EL0_TRAP 0x400, ESR_WFI, "WFI at EL0 with nTWI = 0", wfi
        EL0_TRAP 0x400, ESR_WFE, "WFE at EL0 with nTWE = 0", wfe
        SCTLR_SET SCTLR_nTWI | SCTLR_nTWE

// ---- Illegal exception return (D1.11.5 "Illegal return events from
// AArch64 state"): SPSR_EL1.M = EL2h, which does not exist here.  PSTATE.EL
// and SP stay, PSTATE.IL is set, and the instruction at ELR_EL1 takes an
// Illegal Execution state exception (EC 0x0E) whose SPSR has IL (bit 20).
        ARM     illegal_ret
        adr     x0, illegal_target
        msr     elr_el1, x0
        mov     x0, #0x3c9              // EL2h
        msr     spsr_el1, x0
        eret
illegal_target:
        svc     #0xffff
illegal_ret:
        CHECKEXC 0x200, ESR_ILLEGAL, illegal_target, "illegal ERET to EL2h"
        CHECKREC REC_SPSR, (1 << 20) | 0x3c5, "illegal ERET to EL2h SPSR.IL"

// ---- self-hosted debug (D2 "AArch64 Self-hosted Debug").  Debug
// exceptions are never generated while the OS lock is set (D2.4): clear it.
        msr     oslar_el1, xzr
        isb
        mrs     x20, oslsr_el1
        and     x20, x20, #2
        CHECK   x20, 0, "OSLSR_EL1.OSLK = 0 after OSLAR_EL1 = 0"

// Software step (D2.12): MDSCR_EL1.SS = 1 and an ERET to EL0 with
// SPSR_EL1.SS = 1 (active-not-pending): one instruction runs, then a
// Software Step exception (EC 0x32) with ELR = the next instruction and
// SPSR_EL1.SS = 0 (active-pending).
        mov     x0, #MDSCR_SS
        msr     mdscr_el1, x0
        isb
        mov     x20, #0
        ARM     step_ret
        adr     x0, step_code
        MOVL    x1, (1 << 21) | SPSR_EL0T
        bl      to_el0
step_code:
        mov     x20, #0x77
        mov     x20, #0x88              // not run: the step exception is first
        svc     #0xffff
step_ret:
        CHECKEXC 0x400, ESR_STEP_EL0, step_code + 4, "software step from EL0"
        CHECKREC REC_SPSR, SPSR_EL0T, "software step from EL0 SPSR.SS = 0"
        CHECK   x20, 0x77, "software step ran one instruction"
        msr     mdscr_el1, xzr
        isb

// Breakpoints (D2.9): DBGBCR0_EL1 E = 1, PMC (bits 2:1) 0b10 EL0 or 0b01
// EL1, BAS (8:5) = 0b1111; MDSCR_EL1.MDE = 1.  EC 0x30 from EL0, 0x31 from
// EL1 (which also needs MDSCR_EL1.KDE = 1 and PSTATE.D = 0); ELR = the
// instruction, not executed.
        mov     x0, #MDSCR_MDE
        msr     mdscr_el1, x0
        adr     x0, bp_el0_code + 4
        msr     dbgbvr0_el1, x0
        mov     x0, #1 | (2 << 1) | (0xf << 5)
        msr     dbgbcr0_el1, x0
        isb
        mov     x20, #0
        ARM     bp_el0_ret
        TO_EL0  bp_el0_code
bp_el0_code:
        mov     x20, #1
        mov     x20, #2                 // the breakpoint
        svc     #0xffff
bp_el0_ret:
        CHECKEXC 0x400, ESR_BKPT_EL0, bp_el0_code + 4, "breakpoint at EL0"
        CHECK   x20, 1, "breakpoint at EL0: the instruction did not run"

        adr     x0, bp_el1_code + 4
        msr     dbgbvr0_el1, x0
        mov     x0, #1 | (1 << 1) | (0xf << 5)
        msr     dbgbcr0_el1, x0
        isb
        mov     x20, #0                 // KDE = 0: no breakpoint at EL1
        bl      bp_el1_code
        CHECK   x20, 2, "breakpoint at EL1 ignored with KDE = 0"
        mov     x0, #MDSCR_MDE | MDSCR_KDE
        msr     mdscr_el1, x0
        msr     daifclr, #8             // PSTATE.D = 0
        isb
        mov     x20, #0
        ARM     bp_el1_ret
        bl      bp_el1_code
        svc     #0xffff
bp_el1_ret:
        CHECKEXC 0x200, ESR_BKPT_EL1, bp_el1_code + 4, "breakpoint at EL1 with KDE = 1"
        CHECK   x20, 1, "breakpoint at EL1: the instruction did not run"
        msr     dbgbcr0_el1, xzr

// Watchpoints (D2.10): DBGWVR0_EL1 = a doubleword, DBGWCR0_EL1 E = 1,
// PAC (2:1) = 0b10 EL0, LSC (4:3) = 0b11 loads and stores, BAS (12:5) =
// all 8 bytes.  EC 0x34 from EL0, WnR for a store, FAR = the address
// accessed, ELR = the instruction.
        ldr     x0, =WATCHED
        msr     dbgwvr0_el1, x0
        ldr     x0, =1 | (2 << 1) | (3 << 3) | (0xff << 5)
        msr     dbgwcr0_el1, x0
        isb
        ldr     x21, =WATCHED + 4
        EL0_TRAP 0x400, ESR_WATCH_EL0_R, "watchpoint on an EL0 load", ldr w0, [x21]
        CHECKREC REC_FAR, WATCHED + 4, "watchpoint on an EL0 load FAR"
        EL0_TRAP 0x400, ESR_WATCH_EL0_W, "watchpoint on an EL0 store", str w0, [x21]
        CHECKREC REC_FAR, WATCHED + 4, "watchpoint on an EL0 store FAR"
        ldr     x21, =WATCHED + 8       // the next doubleword: no match
        ARM     wp_miss_ret
        TO_EL0  wp_miss_code
wp_miss_code:
        ldr     w0, [x21]
        svc     #0x5
wp_miss_ret:
        CHECKREC REC_ESR, (EC_SVC << 26) | ESR_IL | 5, "no watchpoint outside DBGWVR0's doubleword"
        msr     dbgwcr0_el1, xzr
        msr     mdscr_el1, xzr
        isb

// ---- every exception above was taken exactly once.
        CHECKCOUNT

        b       finish

// bp_el1_code: the breakpoint target at EL1 (x20 = 1, then 2).
bp_el1_code:
        mov     x20, #1
        mov     x20, #2
        ret

        SELFTEST_CODE
        VECTORS
        .ltorg
        SELFTEST_DATA
