// roms/arm64/hello.S: squib's first aarch64 guest.
//
// Entered at 0x40200000 at EL1 with the MMU off on QEMU's `virt` memory map.
// Prints a banner and a line with MIDR_EL1 and CurrentEL to the PL011 at
// 0x09000000 (polling UARTFR.TXFF before each write to UARTDR, so the guest
// makes MMIO reads and writes), then powers off through PSCI SYSTEM_OFF over
// HVC (SMCCC: function id in w0).  Runs unchanged under squib and under
//   qemu-system-aarch64 -M virt -cpu cortex-a72 -m 64 -nodefaults -nographic \
//     -serial stdio -device loader,file=arm64-hello.bin,addr=0x40200000,cpu-num=0
// Uses only the instructions squib's A64 core implements so far.
//
// link-address: 0x40200000

        .equ    UART_BASE, 0x09000000   // PL011 on virt
        .equ    UARTDR, 0x00            // data register
        .equ    UARTFR, 0x18            // flag register
        .equ    UARTFR_TXFF, 5          // transmit FIFO full
        .equ    PSCI_SYSTEM_OFF, 0x84000008

        .text
        .global _start
_start:
        movz    x19, #(UART_BASE >> 16), lsl #16
        adr     x20, banner
        bl      puts
        adr     x20, midr_msg
        bl      puts
        mrs     x0, midr_el1
        bl      puthex32
        adr     x20, el_msg
        bl      puts
        mrs     x0, CurrentEL
        orr     x0, xzr, x0, lsr #2     // CurrentEL.EL is bits 3:2
        add     w0, w0, #'0'
        bl      putc
        mov     w0, #'\n'
        bl      putc

        movz    w0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
        movk    w0, #(PSCI_SYSTEM_OFF & 0xffff)
        hvc     #0
halt:   wfi                             // SYSTEM_OFF does not return
        b       halt

// putc: writes w0 to the UART.  Clobbers w1.
putc:   ldr     w1, [x19, #UARTFR]
        tbnz    w1, #UARTFR_TXFF, putc
        str     w0, [x19, #UARTDR]
        ret

// puts: writes the NUL-terminated string at x20.  Clobbers x0, x1, x20, x21.
puts:   mov     x21, x30
1:      ldrb    w0, [x20], #1
        cbz     w0, 2f
        bl      putc
        b       1b
2:      ret     x21

// puthex32: writes w0 as 0x and 8 lowercase hex digits.
// Clobbers x0-x3, x21.
puthex32:
        mov     x21, x30
        mov     w2, w0
        mov     w0, #'0'
        bl      putc
        mov     w0, #'x'
        bl      putc
        mov     w3, #8
1:      orr     w0, wzr, w2, lsr #28    // top nibble
        orr     w2, wzr, w2, lsl #4
        cmp     w0, #10
        b.lo    2f
        add     w0, w0, #('a' - '0' - 10)
2:      add     w0, w0, #'0'
        bl      putc
        subs    w3, w3, #1
        b.ne    1b
        ret     x21

banner:   .asciz "squib aarch64 guest: hello from EL1\n"
midr_msg: .asciz "squib aarch64 guest: MIDR_EL1="
el_msg:   .asciz " CurrentEL="
