// roms/arm64/features.S: which optional features the virt machine's -cpu
// model shows the guest.  Prints whether ID_AA64ISAR0_EL1 advertises
// FEAT_LSE, then runs an LSE instruction (LDADD) and prints whether it ran
// or was UNDEFINED (the vector prints that), and powers off with PSCI
// SYSTEM_OFF.  -cpu cortex-a72 (the default) hides LSE; -cpu max shows it
// (machine/virt.c; tests/test_cli.c runs both).

        .equ    UART_BASE, 0x09000000
        .equ    PSCI_SYSTEM_OFF, 0x84000008
        .equ    SCRATCH, 0x40300000

        .text
        .global _start
_start:
        ldr     x19, =UART_BASE
        adr     x0, vectors
        msr     vbar_el1, x0
        isb
        mrs     x1, id_aa64isar0_el1
        ubfx    x1, x1, #20, #4         // Atomic: 2 = FEAT_LSE
        adr     x0, lse_no
        cbz     x1, 1f
        adr     x0, lse_yes
1:      bl      puts
        ldr     x2, =SCRATCH
        mov     x0, #1
        .inst   0xf8200041              // ldadd x0, x1, [x2]
        adr     x0, ldadd_ran
        bl      puts
off:    ldr     w0, =PSCI_SYSTEM_OFF
        hvc     #0
        b       .

// x0: a NUL-terminated string to the PL011 (an emulated FIFO never fills)
puts:   ldrb    w1, [x0], #1
        cbz     w1, 2f
        strb    w1, [x19]
        b       puts
2:      ret

        .balign 2048
vectors:
        .rept   4                       // current EL with SP0: not expected
        b       .
        .balign 128
        .endr
        adr     x0, ldadd_undef         // current EL with SPx, synchronous
        bl      puts
        b       off

        .section .rodata
lse_no:      .asciz "lse: not advertised\n"
lse_yes:     .asciz "lse: advertised\n"
ldadd_ran:   .asciz "ldadd: ran\n"
ldadd_undef: .asciz "ldadd: undefined\n"
