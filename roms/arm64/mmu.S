// roms/arm64/mmu.S: stage 1 translation at EL1 and EL0 with each
// translation granule (Arm ARM D8, "The AArch64 Virtual Memory System
// Architecture").
//
// For each of 4 KiB, 16 KiB and 64 KiB: TTBR0_EL1 identity-maps RAM and
// the PL011 (so the ROM keeps running with the MMU on) and TTBR1_EL1 maps
// a test window in the top of the address space; pages, blocks and the
// translation fault of each level are checked there.  With 4 KiB the
// TTBR0 window at 0x80000000 also checks access-flag and permission
// faults (AP, UXN, PXN, WXN, EL0), MAIR (Device vs Normal), TLB
// maintenance and AT S1E1R/S1E1W/S1E0R with PAR_EL1.  The ROM code pages
// are mapped read-only at EL0 and EL1 (so both may execute them) and the
// exception record's page read/write at EL1 only.
//
// Self-checking (selftest.inc): one line per check, PASS or FAIL <n>.
//   squib -accel interp -M virt -m 64 -nographic \
//     -device loader,file=arm64-mmu.bin,addr=0x40200000,cpu-num=0
// Under qemu-system-aarch64 7.2 -cpu max every check passes except the
// Device alignment fault and PAR_EL1.SH = 0b10 for Device memory, which
// that QEMU does not model (Cortex-A72 itself has no 16K granule).
//
// link-address: 0x40200000

#include "selftest.inc"

// ---- memory used ---------------------------------------------------------
        .equ    PT, 0x41000000          // translation tables, 64 KiB apart
        .equ    T_ID_A, PT + 0x00000    // identity map (TTBR0), first level
        .equ    T_ID_B, PT + 0x10000    //   next level
        .equ    T_ID_C, PT + 0x20000    //   4K: level 3 for the ROM's 2 MiB
        .equ    T_HI_A, PT + 0x30000    // TTBR1 window, first level
        .equ    T_HI_B, PT + 0x40000
        .equ    T_HI_C, PT + 0x50000
        .equ    T_LO_B, PT + 0x60000    // 4K TTBR0 window at TVA: level 2
        .equ    T_LO_C, PT + 0x70000    //   level 3
        .equ    PT_SIZE, 0x80000
        .equ    DATA_A, 0x41800000      // test pages (64 KiB aligned)
        .equ    DATA_B, 0x41810000
        .equ    VAL_A, 0xa5a5000011110010   // at DATA_A + 0x10
        .equ    VAL_B, 0xb6b6000022220010   // at DATA_B + 0x10
        .equ    VAL_C, 0xc7c7000033333ff0   // at DATA_A + 0x3ff0
        .equ    VAL_D, 0xd8d800004444fff0   // at DATA_A + 0xfff0

// ---- descriptors (D8.3 "Translation table descriptor formats") ----------
        .equ    INVALID, 0
        .equ    BLOCK, 0b01             // level 1/2 block
        .equ    TABLE, 0b11             // next-level table (levels 0-2)
        .equ    PAGE, 0b11              // level 3 page
        .equ    ATTR_DEV, 0 << 2        // AttrIndx 0: MAIR byte 0
        .equ    ATTR_NORM, 1 << 2       // AttrIndx 1: MAIR byte 1
        .equ    AP_RW_EL1, 0 << 6       // AP[2:1] (D8.4.1 "Data access permissions")
        .equ    AP_RW_ALL, 1 << 6
        .equ    AP_RO_EL1, 2 << 6
        .equ    AP_RO_ALL, 3 << 6
        .equ    SH_INNER, 3 << 8
        .equ    AF, 1 << 10             // Access flag (D8.4.3)
        .equ    PXN, 1 << 53
        .equ    UXN, 1 << 54
        .equ    PXN_TABLE, 1 << 59      // table descriptors: hierarchical
        .equ    UXN_TABLE, 1 << 60      //   controls (D8.4.4)
        .equ    AP_TABLE_NOEL0, 1 << 61 //   APTable[0]: no EL0 access
        .equ    AP_TABLE_RO, 1 << 62    //   APTable[1]: read-only
        .equ    NORM, AF | SH_INNER | ATTR_NORM
        .equ    DEV, AF | ATTR_DEV
        // MAIR_EL1 (D17.2 "MAIR_EL1"): 0 Device-nGnRnE, 1 Normal
        // write-back, 2 Normal non-cacheable.
        .equ    MAIR_VALUE, 0x44ff00

// ---- TCR_EL1 (D17.2 "TCR_EL1"): T0SZ 5:0, TG0 15:14 (4K 0b00, 64K 0b01,
// 16K 0b10), T1SZ 21:16, TG1 31:30 (16K 0b01, 4K 0b10, 64K 0b11), IPS
// 34:32 (0b101: 48 bits), inner-shareable write-back walks.
        .equ    TCR_WALK, (3 << 12) | (1 << 10) | (1 << 8) | (3 << 28) | (1 << 26) | (1 << 24)
        .equ    TCR_IPS48, 5 << 32
        .equ    TCR_4K, 25 | (0 << 14) | (25 << 16) | (2 << 30) | TCR_IPS48 | TCR_WALK
        .equ    TCR_16K, 25 | (2 << 14) | (17 << 16) | (1 << 30) | TCR_IPS48 | TCR_WALK
        .equ    TCR_64K, 25 | (1 << 14) | (16 << 16) | (3 << 30) | TCR_IPS48 | TCR_WALK

        .equ    SCTLR_M, 1 << 0
        .equ    SCTLR_C, 1 << 2
        .equ    SCTLR_I, 1 << 12
        .equ    SCTLR_WXN, 1 << 19
        .equ    TCR_EPD1, 1 << 23
        .equ    TCR_TBI0, 1 << 37

// The TTBR1 windows: the lowest address with T1SZ = 25 (39 bits), 17 (47
// bits) and 16 (48 bits); the TTBR0 window of the 4K tests.
        .equ    HVA4, 0xffffff8000000000
        .equ    HVA16, 0xffff800000000000
        .equ    HVA64, 0xffff000000000000
        .equ    TVA, 0x80000000

// Data Abort / Instruction Abort syndromes (D17.2.37): EC, IL, WnR, xFSC
// with the level in bits 1:0.
        .macro  DABT name, ec, fsc, wnr=0
        ESR     \name, \ec, (\wnr << 6) | (\fsc)
        .endm
        DABT    DA_TRANS0, EC_DABT_CUR, FSC_TRANS + 0
        DABT    DA_TRANS1, EC_DABT_CUR, FSC_TRANS + 1
        DABT    DA_TRANS2, EC_DABT_CUR, FSC_TRANS + 2
        DABT    DA_TRANS3, EC_DABT_CUR, FSC_TRANS + 3
        DABT    DA_TRANS3_W, EC_DABT_CUR, FSC_TRANS + 3, 1
        DABT    DA_PERM3, EC_DABT_CUR, FSC_PERM + 3
        DABT    DA_ACCESS3, EC_DABT_CUR, FSC_ACCESS + 3
        DABT    DA_PERM3_W, EC_DABT_CUR, FSC_PERM + 3, 1
        DABT    DA_ALIGN, EC_DABT_CUR, FSC_ALIGN
        DABT    DA_EL0_PERM3, EC_DABT_LOW, FSC_PERM + 3
        DABT    DA_EL0_PERM3_W, EC_DABT_LOW, FSC_PERM + 3, 1
        DABT    IA_PERM3, EC_IABT_CUR, FSC_PERM + 3
        DABT    IA_TRANS3, EC_IABT_CUR, FSC_TRANS + 3
        DABT    IA_ACCESS3, EC_IABT_CUR, FSC_ACCESS + 3
        DABT    IA_EL0_PERM3, EC_IABT_LOW, FSC_PERM + 3

// ---- macros ----------------------------------------------------------------

// DESC table, index, descriptor: writes one translation table entry.
        .macro  DESC tbl, idx, val
        ldr     x0, =(\tbl) + 8 * (\idx)
        ldr     x1, =\val
        str     x1, [x0]
        .endm

// TLB_ALL: makes descriptor writes visible and drops every cached
// translation (D8.13.5 "Using break-before-make"; C5.5 "TLBI VMALLE1").
        .macro  TLB_ALL
        dsb     ishst
        tlbi    vmalle1
        dsb     ish
        isb
        .endm

// LOADOK va, want, "name": an EL1 load from `va` returns `want`.
        .macro  LOADOK va, want, name
        MOVL    x21, \va
        ldr     x20, [x21]
        CHECK   x20, \want, "\name"
        .endm

// LOADFAULT va, esr, "name": an EL1 load from `va` takes a Data Abort with
// ESR_EL1 `esr`, ELR the load, FAR_EL1 = `va` exactly (D17.2 "FAR_EL1").
        .macro  LOADFAULT va, esr, name
        MOVL    x21, \va
        EL1_TRAP 0x200, \esr, "\name", ldr x0, [x21]
        CHECKREC REC_FAR, \va, "\name FAR"
        .endm

// STOREFAULT va, esr, "name": the same for a store.
        .macro  STOREFAULT va, esr, name
        MOVL    x21, \va
        EL1_TRAP 0x200, \esr, "\name", str x0, [x21]
        CHECKREC REC_FAR, \va, "\name FAR"
        .endm

// EXECOK va, "name": a BLR to `va` at EL1 runs xpage there (x20 = 0x55).
        .macro  EXECOK va, name
        MOVL    x21, \va
        mov     x20, #0
        blr     x21
        CHECK   x20, 0x55, "\name"
        .endm

// EXECFAULT va, esr, "name": a BLR to `va` at EL1 takes an Instruction
// Abort with ESR `esr` and ELR = FAR = `va` (D1.10.4).
        .macro  EXECFAULT va, esr, name
        MOVL    x21, \va
        ARM     1f
        blr     x21
        svc     #0xffff
1:      CHECKEXC 0x200, \esr, \va, "\name"
        CHECKREC REC_FAR, \va, "\name FAR"
        .endm

// PAR_EL1 (D17.2 "PAR_EL1"): bit 11 is RES1 in both formats; NS (bit 9,
// UNKNOWN for a Non-secure regime) and bit 10 (IMPLEMENTATION DEFINED) are
// left out of the comparisons.  SH (8:7) is 0b10 for Device memory.
        .equ    PAR_RES1, 1 << 11
        .equ    PAR_MASK, ~0x600
        .equ    PAR_SH_OUTER, 2 << 7
        .equ    PAR_SH_INNER, 3 << 7
        .equ    PAR_NORMAL_WB, 0xff << 56 // ATTR = MAIR byte 1

// ATCHECK op, va, mask, want, "name": AT `op` on `va`, then PAR_EL1 & mask.
        .macro  ATCHECK op, va, mask, want, name
        MOVL    x21, \va
        at      \op, x21
        isb
        mrs     x20, par_el1
        ldr     x0, =\mask
        and     x20, x20, x0
        CHECK   x20, \want, "\name"
        .endm

        .text
        .global _start
_start:
        SELFTEST_START
        SAY     "squib arm64 self-test: stage 1 MMU"
        // AT with the MMU off: the output address is the input address
        // (D8.2.10: flat mapping).
        ATCHECK s1e1r, DATA_A + 0x10, PAR_MASK, DATA_A | PAR_SH_OUTER | PAR_RES1, "MMU off: AT S1E1R gives PA = VA, Device-nGnRnE"
        ldr     x0, =MAIR_VALUE
        msr     mair_el1, x0
        // The test data, through the flat (MMU off) view.
        ldr     x0, =DATA_A
        ldr     x1, =VAL_A
        str     x1, [x0, #0x10]
        str     xzr, [x0, #0x18]
        ldr     x1, =VAL_C
        ldr     x2, =DATA_A + 0x3ff0
        str     x1, [x2]
        ldr     x1, =VAL_D
        ldr     x2, =DATA_A + 0xfff0
        str     x1, [x2]
        ldr     x0, =DATA_B
        ldr     x1, =VAL_B
        str     x1, [x0, #0x10]

// ======== 4 KiB granule (D8.2.7): 9 bits per level ==========================
        SAY     "4K granule: T0SZ = 25 and T1SZ = 25 (39-bit VAs, walks from level 1)"
        bl      tables_clear
        // TTBR0 identity: level 1 entry 0 a 1 GiB Device block (the PL011),
        // entry 1 a table of 2 MiB blocks of RAM, of which the ROM's (entry 1)
        // is a level 3 table of pages (id_pages_4k).
        DESC    T_ID_A, 0, 0x00000000 | DEV | BLOCK
        DESC    T_ID_A, 1, T_ID_B | TABLE
        ldr     x0, =T_ID_B
        ldr     x1, =0x40000000 | NORM | AP_RW_EL1 | BLOCK
        mov     x2, #0x200000
        mov     x3, #32
        bl      fill
        DESC    T_ID_B, 1, T_ID_C | TABLE
        bl      id_pages_4k
        // The TTBR0 window at TVA = 0x80000000: level 1 entry 2.
        DESC    T_ID_A, 2, T_LO_B | TABLE
        DESC    T_LO_B, 0, T_LO_C | TABLE
        DESC    T_LO_C, 0, DATA_A | NORM | AP_RW_EL1 | PAGE
        DESC    T_LO_C, 1, INVALID
        DESC    T_LO_C, 2, DATA_A | SH_INNER | ATTR_NORM | AP_RW_EL1 | PAGE   // AF = 0
        DESC    T_LO_C, 3, DATA_A | NORM | AP_RO_EL1 | PAGE
        DESC    T_LO_C, 4, DATA_A | NORM | AP_RW_ALL | PAGE
        DESC    T_LO_C, 5, xpage + (NORM | AP_RO_EL1 | PAGE | PXN)
        DESC    T_LO_C, 6, xpage + (NORM | AP_RO_ALL | PAGE | UXN)
        DESC    T_LO_C, 7, xpage + (NORM | AP_RW_EL1 | PAGE)
        DESC    T_LO_C, 8, DATA_A | NORM | AP_RW_EL1 | PAGE
        DESC    T_LO_C, 9, DATA_A | NORM | AP_RO_ALL | PAGE
        DESC    T_LO_C, 10, UART_BASE | DEV | AP_RW_EL1 | PAGE
        DESC    T_LO_C, 11, xpage + (NORM | AP_RO_ALL | PAGE)
        DESC    T_LO_C, 12, xpage + (NORM | AP_RW_ALL | PAGE)
        DESC    T_LO_C, 13, xpage + (SH_INNER | ATTR_NORM | AP_RO_EL1 | PAGE)    // AF = 0
        DESC    T_LO_C, 14, DATA_A | NORM | BLOCK     // 0b01 at level 3: reserved
        // The same level 3 table again under table descriptors with
        // hierarchical limits: TVA + 0x400000 read-only, + 0x600000 PXN,
        // + 0x800000 UXN, + 0xa00000 no EL0 access.
        DESC    T_LO_B, 2, T_LO_C | TABLE | AP_TABLE_RO
        DESC    T_LO_B, 3, T_LO_C | TABLE | PXN_TABLE
        DESC    T_LO_B, 4, T_LO_C | TABLE | UXN_TABLE
        DESC    T_LO_B, 5, T_LO_C | TABLE | AP_TABLE_NOEL0
        // TTBR1 window at HVA4: level 1 entry 0 -> level 2 -> level 3.
        DESC    T_HI_A, 0, T_HI_B | TABLE
        DESC    T_HI_A, 2, 0x40000000 | NORM | BLOCK          // 1 GiB block
        DESC    T_HI_B, 0, T_HI_C | TABLE
        DESC    T_HI_B, 1, DATA_A | NORM | BLOCK              // 2 MiB block
        DESC    T_HI_C, 0, DATA_A | NORM | PAGE
        ldr     x0, =TCR_4K
        bl      mmu_on
        mrs     x20, sctlr_el1
        and     x20, x20, #SCTLR_M
        CHECK   x20, 1, "4K: running with the MMU on"

        // Pages and blocks through TTBR1 (VA bit 55 set: D8.2.4).
        LOADOK  HVA4 + 0x10, VAL_A, "4K: TTBR1 level 3 page"
        LOADOK  HVA4 + 0x200010, VAL_A, "4K: TTBR1 level 2 block (2 MiB)"
        LOADOK  HVA4 + 0x80000000 + 0x1800010, VAL_A, "4K: TTBR1 level 1 block (1 GiB)"
        // A translation fault reports the level of the invalid entry
        // (D17.2.37 "DFSC": 0b0001LL); an address outside the T1SZ range
        // is a level 0 translation fault (D8.2.6).
        LOADFAULT HVA4 + 0x1008, DA_TRANS3, "4K: translation fault level 3"
        LOADFAULT HVA4 + 0x400010, DA_TRANS2, "4K: translation fault level 2"
        LOADFAULT HVA4 + 0x40000010, DA_TRANS1, "4K: translation fault level 1"
        LOADFAULT 0xffff000000000010, DA_TRANS0, "4K: TTBR1 VA outside T1SZ"
        LOADFAULT 0x0000008000000010, DA_TRANS0, "4K: TTBR0 VA outside T0SZ"
        LOADFAULT TVA + 0x1008, DA_TRANS3, "4K: TTBR0 translation fault level 3"
        LOADFAULT TVA + 0x200000, DA_TRANS2, "4K: TTBR0 translation fault level 2"
        LOADFAULT 0xc0000000, DA_TRANS1, "4K: TTBR0 translation fault level 1"
        STOREFAULT TVA + 0x1010, DA_TRANS3_W, "4K: store translation fault level 3"
        // A level 3 descriptor with bits 1:0 = 0b01 is reserved: invalid
        // (D8.3.2 "Descriptor format at level 3").
        LOADFAULT TVA + 0xe010, DA_TRANS3, "4K: reserved level 3 descriptor"
        // TCR_EL1.EPD1 stops TTBR1 walks: a level 0 translation fault.
        mrs     x0, tcr_el1
        orr     x0, x0, #TCR_EPD1
        msr     tcr_el1, x0
        isb
        LOADFAULT HVA4 + 0x10, DA_TRANS0, "4K: TTBR1 walk disabled by EPD1"
        mrs     x0, tcr_el1
        bic     x0, x0, #TCR_EPD1
        msr     tcr_el1, x0
        isb
        LOADOK  HVA4 + 0x10, VAL_A, "4K: TTBR1 walk enabled again"
        // TCR_EL1.TBI0: data accesses ignore VA bits 63:56 (D8.8 "Address
        // tagging"); without it the tagged address is out of range.
        LOADFAULT 0x5a00000080000010, DA_TRANS0, "4K: tagged VA without TBI0"
        mrs     x0, tcr_el1
        orr     x0, x0, #TCR_TBI0
        msr     tcr_el1, x0
        isb
        LOADOK  0x5a00000080000010, VAL_A, "4K: tagged VA with TBI0"
        mrs     x0, tcr_el1
        bic     x0, x0, #TCR_TBI0
        msr     tcr_el1, x0
        isb

        // A store through a page lands in its physical page.
        LOADOK  TVA + 0x10, VAL_A, "4K: TTBR0 level 3 page"
        MOVL    x21, TVA + 0x20
        ldr     x0, =0x1234567890
        str     x0, [x21]
        ldr     x21, =DATA_A + 0x20
        ldr     x20, [x21]
        CHECK   x20, 0x1234567890, "4K: store through the page reaches its PA"

        // Access flag fault (D8.4.3): AF = 0 without hardware AF management
        // (ID_AA64MMFR1_EL1.HAFDBS = 0); setting AF makes the page usable.
        LOADFAULT TVA + 0x2010, DA_ACCESS3, "4K: access flag fault"
        DESC    T_LO_C, 2, DATA_A | NORM | AP_RW_EL1 | PAGE
        TLB_ALL
        LOADOK  TVA + 0x2010, VAL_A, "4K: page usable once AF is set"

        // Permission faults (D8.4.1, D17.2.37 "DFSC": 0b0011LL).
        LOADOK  TVA + 0x3010, VAL_A, "4K: AP read-only page is readable"
        STOREFAULT TVA + 0x3010, DA_PERM3_W, "4K: store to AP read-only page"

        // MAIR_EL1 (D8.5 "Memory attributes"; B2.5.2 "Alignment of data
        // accesses"): an unaligned load from Normal memory works, from
        // Device memory (the PL011 mapped with AttrIndx 0) it takes an
        // Alignment fault.  (RAM mapped as Device faults so too: the unit
        // test a64_mmu::alignment_faults_device_mapped_ram_and_sctlr_a.)
        LOADOK  TVA + 0x11, 0x00a5a50000111100, "4K: unaligned load from Normal memory (VAL_A >> 8)"
        LOADFAULT TVA + 0xa01a, DA_ALIGN, "4K: unaligned load from Device memory"

        // Execute permissions (D8.4.2 "Instruction access permissions").
        EXECFAULT TVA + 0x5000, IA_PERM3, "4K: PXN page at EL1"
        EXECOK  TVA + 0x6000, "4K: UXN page runs at EL1"
        EXECOK  TVA + 0x7000, "4K: writable page runs at EL1 with WXN = 0"
        EXECFAULT TVA + 0xc000, IA_PERM3, "4K: EL0-writable page never runs at EL1"
        EXECFAULT TVA + 0x1000, IA_TRANS3, "4K: instruction fetch translation fault"
        EXECFAULT TVA + 0xd000, IA_ACCESS3, "4K: instruction fetch access flag fault"
        // SCTLR_EL1.WXN: writable implies execute-never (D8.4.2; may be
        // cached in TLBs, hence the TLBI).
        SCTLR_SET SCTLR_WXN
        TLB_ALL
        EXECFAULT TVA + 0x7000, IA_PERM3, "4K: writable page at EL1 with WXN = 1"
        EXECOK  TVA + 0x6000, "4K: read-only page runs at EL1 with WXN = 1"
        SCTLR_CLR SCTLR_WXN
        TLB_ALL

        // EL0 (D8.4.1): AP[1] = 0 pages are EL1 only.
        ARM     el0_read_ret
        MOVL    x21, TVA + 0x4010
        TO_EL0  el0_read
el0_read:
        ldr     x20, [x21]
        svc     #0
el0_read_ret:
        CHECK   x20, VAL_A, "4K: EL0 reads an AP = 01 page"
        MOVL    x21, TVA + 0x10
        EL0_TRAP 0x400, DA_EL0_PERM3, "4K: EL0 load from an EL1-only page", ldr x0, [x21]
        CHECKREC REC_FAR, TVA + 0x10, "4K: EL0 load from an EL1-only page FAR"
        MOVL    x21, TVA + 0x9010
        EL0_TRAP 0x400, DA_EL0_PERM3_W, "4K: EL0 store to an AP = 11 page", str x0, [x21]
        CHECKREC REC_FAR, TVA + 0x9010, "4K: EL0 store to an AP = 11 page FAR"
        // UXN (D8.4.2): EL0 runs the AP = 11 page without UXN, not with it.
        ARM     el0_exec_ret
        MOVL    x21, TVA + 0xb000
        mov     x20, #0
        TO_EL0  el0_exec
el0_exec:
        blr     x21
        svc     #0
el0_exec_ret:
        CHECK   x20, 0x55, "4K: EL0 runs a page without UXN"
        // AP = 00 (no EL0 data access) with UXN = 0 is execute-only at EL0
        // (D8.4.2, the stage 1 permission table: EL0 execution depends on
        // UXN and on EL0 write permission under WXN, not on AP[1]).
        ARM     el0_xo_ret
        MOVL    x21, TVA + 0x7000
        mov     x20, #0
        TO_EL0  el0_xo
el0_xo:
        blr     x21
        svc     #0
el0_xo_ret:
        CHECK   x20, 0x55, "4K: EL0 runs an execute-only (AP = 00) page"
        ARM     el0_uxn_ret
        MOVL    x21, TVA + 0x6000
        TO_EL0  el0_uxn
el0_uxn:
        blr     x21
        svc     #0xffff
el0_uxn_ret:
        CHECKEXC 0x400, IA_EL0_PERM3, TVA + 0x6000, "4K: UXN page at EL0"
        CHECKREC REC_FAR, TVA + 0x6000, "4K: UXN page at EL0 FAR"

        // Hierarchical permissions (D8.4.4): the limits of every table
        // descriptor on the walk apply to the page; the fault is reported
        // at the level of the page.
        LOADOK  TVA + 0x400010, VAL_A, "4K: APTable read-only: load"
        STOREFAULT TVA + 0x400010, DA_PERM3_W, "4K: APTable read-only: store"
        EXECOK  TVA + 0x406000, "4K: APTable read-only: EL1 runs a page"
        EXECFAULT TVA + 0x606000, IA_PERM3, "4K: PXNTable at EL1"
        ARM     el0_uxnt_ret
        MOVL    x21, TVA + 0x80b000
        TO_EL0  el0_uxnt
el0_uxnt:
        blr     x21
        svc     #0xffff
el0_uxnt_ret:
        CHECKEXC 0x400, IA_EL0_PERM3, TVA + 0x80b000, "4K: UXNTable at EL0"
        MOVL    x21, TVA + 0xa04010
        EL0_TRAP 0x400, DA_EL0_PERM3, "4K: APTable no-EL0: EL0 load", ldr x0, [x21]
        LOADOK  TVA + 0xa04010, VAL_A, "4K: APTable no-EL0: EL1 load"

        // LDTR/STTR at EL1 check EL0 permissions (C6.2 "LDTR"); a fault is
        // taken from EL1 (EC 0x25).
        MOVL    x21, TVA + 0x4010
        ldtr    x20, [x21]
        CHECK   x20, VAL_A, "4K: LDTR from an EL0 page"
        MOVL    x21, TVA + 0x10
        EL1_TRAP 0x200, DA_PERM3, "4K: LDTR from an EL1-only page", ldtr x0, [x21]
        MOVL    x21, TVA + 0x9010
        EL1_TRAP 0x200, DA_PERM3_W, "4K: STTR to an EL0 read-only page", sttr x0, [x21]

        // TLB maintenance (D8.13 "Translation Lookaside Buffers"; C5.5
        // "TLBI VAE1", "TLBI VMALLE1"): after a descriptor changes and the
        // entry is invalidated, the new mapping is used.
        LOADOK  TVA + 0x8010, VAL_A, "4K: page 8 maps DATA_A"
        DESC    T_LO_C, 8, DATA_B | NORM | AP_RW_EL1 | PAGE
        dsb     ishst
        MOVL    x0, (TVA + 0x8000) >> 12
        tlbi    vae1, x0
        dsb     ish
        isb
        LOADOK  TVA + 0x8010, VAL_B, "4K: after TLBI VAE1 page 8 maps DATA_B"
        DESC    T_LO_C, 8, DATA_A | NORM | AP_RW_EL1 | PAGE
        TLB_ALL
        LOADOK  TVA + 0x8010, VAL_A, "4K: after TLBI VMALLE1 page 8 maps DATA_A"

        // AT (C5.5 "AT S1E1R" ...; D17.2 "PAR_EL1"): F = 0 with PA[47:12],
        // SH (8:7) and the MAIR attribute (63:56); F = 1 with FST (6:1).
        ATCHECK s1e1r, TVA + 0x10, PAR_MASK, PAR_NORMAL_WB | DATA_A | PAR_SH_INNER | PAR_RES1, "4K: AT S1E1R PAR_EL1"
        ATCHECK s1e1r, HVA4 + 0x200010, PAR_MASK, PAR_NORMAL_WB | DATA_A | PAR_SH_INNER | PAR_RES1, "4K: AT S1E1R on TTBR1 block PAR_EL1"
        ATCHECK s1e1r, TVA + 0xa010, PAR_MASK, UART_BASE | PAR_SH_OUTER | PAR_RES1, "4K: AT S1E1R on a Device page PAR_EL1 (SH = 0b10)"
        ATCHECK s1e1r, TVA + 0x1010, PAR_MASK, 1 | (FSC_TRANS + 3) << 1 | PAR_RES1, "4K: AT S1E1R translation fault PAR_EL1"
        ATCHECK s1e1w, TVA + 0x3010, PAR_MASK, 1 | (FSC_PERM + 3) << 1 | PAR_RES1, "4K: AT S1E1W on read-only page PAR_EL1"
        ATCHECK s1e0r, TVA + 0x10, PAR_MASK, 1 | (FSC_PERM + 3) << 1 | PAR_RES1, "4K: AT S1E0R on EL1-only page PAR_EL1"
        ATCHECK s1e0r, TVA + 0x4010, PAR_MASK, PAR_NORMAL_WB | DATA_A | PAR_SH_INNER | PAR_RES1, "4K: AT S1E0R on EL0 page PAR_EL1"
        bl      mmu_off

// ======== 16 KiB granule: 11 bits per level, 32 MiB blocks at level 2 =======
        SAY     "16K granule: T0SZ = 25 (from level 1), T1SZ = 17 (47-bit, from level 1)"
        bl      tables_clear
        // TTBR0 identity: level 1 (3 bits) -> level 2 of 32 MiB blocks:
        // entry 4 (0x08000000, the PL011) Device, 32 and 33 RAM.
        DESC    T_ID_A, 0, T_ID_B | TABLE
        DESC    T_ID_B, 4, 0x08000000 | DEV | BLOCK
        DESC    T_ID_B, 32, 0x40000000 | NORM | BLOCK
        DESC    T_ID_B, 33, 0x42000000 | NORM | BLOCK
        // TTBR1 window at HVA16: level 1 (bits 46:36) -> level 2 (35:25)
        // -> level 3 (24:14).
        DESC    T_HI_A, 0, T_HI_B | TABLE
        DESC    T_HI_B, 0, T_HI_C | TABLE
        DESC    T_HI_B, 1, 0x40000000 | NORM | BLOCK          // 32 MiB block
        DESC    T_HI_C, 0, DATA_A | NORM | PAGE
        ldr     x0, =TCR_16K
        bl      mmu_on
        LOADOK  HVA16 + 0x10, VAL_A, "16K: TTBR1 level 3 page"
        LOADOK  HVA16 + 0x3ff0, VAL_C, "16K: the page spans 16 KiB"
        LOADOK  HVA16 + 0x2000000 + 0x1800010, VAL_A, "16K: TTBR1 level 2 block (32 MiB)"
        LOADFAULT HVA16 + 0x4010, DA_TRANS3, "16K: translation fault level 3"
        LOADFAULT HVA16 + 0x4000010, DA_TRANS2, "16K: translation fault level 2"
        LOADFAULT HVA16 + 0x1000000010, DA_TRANS1, "16K: translation fault level 1"
        LOADFAULT 0xffff000000000010, DA_TRANS0, "16K: TTBR1 VA outside T1SZ"
        ATCHECK s1e1r, HVA16 + 0x3ff0, PAR_MASK, PAR_NORMAL_WB | (DATA_A + 0x3000) | PAR_SH_INNER | PAR_RES1, "16K: AT S1E1R PAR_EL1"
        bl      mmu_off

// ======== 64 KiB granule: 13 bits per level, 512 MiB blocks at level 2 ======
        SAY     "64K granule: T0SZ = 25 (from level 2), T1SZ = 16 (48-bit, from level 1)"
        bl      tables_clear
        // TTBR0 identity: level 2 (10 bits) of 512 MiB blocks: entry 0 the
        // PL011 (Device), entry 2 RAM.
        DESC    T_ID_A, 0, 0x00000000 | DEV | BLOCK
        DESC    T_ID_A, 2, 0x40000000 | NORM | BLOCK
        // TTBR1 window at HVA64: level 1 (bits 47:42) -> level 2 (41:29)
        // -> level 3 (28:16).
        DESC    T_HI_A, 0, T_HI_B | TABLE
        DESC    T_HI_B, 0, T_HI_C | TABLE
        DESC    T_HI_B, 1, 0x40000000 | NORM | BLOCK          // 512 MiB block
        DESC    T_HI_C, 0, DATA_A | NORM | PAGE
        ldr     x0, =TCR_64K
        bl      mmu_on
        LOADOK  HVA64 + 0x10, VAL_A, "64K: TTBR1 level 3 page"
        LOADOK  HVA64 + 0xfff0, VAL_D, "64K: the page spans 64 KiB"
        LOADOK  HVA64 + 0x20000000 + 0x1800010, VAL_A, "64K: TTBR1 level 2 block (512 MiB)"
        LOADFAULT HVA64 + 0x10010, DA_TRANS3, "64K: translation fault level 3"
        LOADFAULT HVA64 + 0x40000010, DA_TRANS2, "64K: translation fault level 2"
        LOADFAULT HVA64 + 0x40000000000 + 0x10, DA_TRANS1, "64K: translation fault level 1"
        ATCHECK s1e1r, HVA64 + 0xfff0, PAR_MASK, PAR_NORMAL_WB | (DATA_A + 0xf000) | PAR_SH_INNER | PAR_RES1, "64K: AT S1E1R PAR_EL1"
        bl      mmu_off

        CHECKCOUNT
        b       finish

// ---- helpers -------------------------------------------------------------

// mmu_on: TCR_EL1 = x0, TTBR0 = T_ID_A, TTBR1 = T_HI_A, then SCTLR_EL1.M,
// C and I (D8.2.10: with the MMU off the identity map must already hold
// the code).  Clobbers x0, x1.
mmu_on: msr     tcr_el1, x0
        ldr     x0, =T_ID_A
        msr     ttbr0_el1, x0
        ldr     x0, =T_HI_A
        msr     ttbr1_el1, x0
        isb
        TLB_ALL
        mrs     x0, sctlr_el1
        ldr     x1, =SCTLR_M | SCTLR_C | SCTLR_I
        orr     x0, x0, x1
        msr     sctlr_el1, x0
        isb
        ret

// mmu_off: clears SCTLR_EL1.M.  Clobbers x0.
mmu_off:
        mrs     x0, sctlr_el1
        bic     x0, x0, #SCTLR_M
        msr     sctlr_el1, x0
        isb
        ret

// tables_clear: zeroes every translation table.  Clobbers x0, x1.
tables_clear:
        ldr     x0, =PT
        ldr     x1, =PT + PT_SIZE
1:      stp     xzr, xzr, [x0], #16
        cmp     x0, x1
        b.lo    1b
        ret

// fill: x3 descriptors from x1, adding x2 each time, at x0.  Clobbers x0-x3.
fill:   str     x1, [x0], #8
        add     x1, x1, x2
        subs    x3, x3, #1
        b.ne    fill
        ret

// id_pages_4k: the ROM's 2 MiB (0x40200000) as 4 KiB pages, read-only at
// EL0 and EL1 (both may execute them: D8.4.2), except the page of the
// exception record: read/write at EL1, never executable.  Clobbers x0-x5.
id_pages_4k:
        ldr     x0, =T_ID_C
        ldr     x1, =0x40200000 | NORM | AP_RO_ALL | PAGE
        ldr     x2, =rec
        mov     x3, #512
1:      and     x4, x1, #~0xfff
        cmp     x4, x2
        b.ne    2f
        ldr     x5, =rec + (NORM | AP_RW_EL1 | PAGE | PXN | UXN)
        str     x5, [x0], #8
        b       3f
2:      str     x1, [x0], #8
3:      add     x1, x1, #0x1000
        subs    x3, x3, #1
        b.ne    1b
        ret

        SELFTEST_CODE
        VECTORS
        .ltorg

// xpage: the code page the execute-permission checks map at several VAs.
        .balign 4096
xpage:  mov     x20, #0x55
        ret
        .balign 4096

        SELFTEST_DATA
