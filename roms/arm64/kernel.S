// roms/arm64/kernel.S: a minimal arm64 "Linux Image" for -kernel tests.
//
// Has the 64-byte Image header of Documentation/arch/arm64/booting.rst
// (text_offset 0x80000, so virt loads it at 0x40080000) and checks the boot
// register state the protocol promises: x0 = the physical address of the
// device tree (it must start with the FDT magic 0xd00dfeed), x1 = x2 = x3 = 0.
// Prints the result on the PL011 and powers off with PSCI SYSTEM_OFF.  The
// same code linked as ELF (arm64-kernel.elf) tests the ELF -kernel path.
//
// link-address: 0x40080000

        .equ    UART_BASE, 0x09000000
        .equ    PSCI_SYSTEM_OFF, 0x84000008
        .equ    FDT_MAGIC_LE, 0xedfe0dd0        // 0xd00dfeed read little-endian

        .text
        .global _start
_start:
        b       start                   // code0
        .long   0                       // code1
        .quad   0x80000                 // text_offset
        .quad   image_end - _start      // image_size
        .quad   0x2                     // flags: little endian, 4 KiB pages
        .quad   0, 0, 0                 // res2-res4
        .ascii  "ARM\x64"               // magic
        .long   0                       // res5

start:
        mov     x22, x0                 // the DTB
        orr     x23, x1, x2
        orr     x23, x23, x3            // x1|x2|x3 must be 0
        movz    x19, #(UART_BASE >> 16), lsl #16
        adr     x20, hello
        bl      puts
        mov     x0, x22
        bl      puthex
        ldr     w1, [x22]
        movz    w2, #(FDT_MAGIC_LE & 0xffff)
        movk    w2, #(FDT_MAGIC_LE >> 16), lsl #16
        cmp     w1, w2
        b.ne    bad
        cbnz    x23, bad
        adr     x20, good
        b       out
bad:    adr     x20, wrong
out:    bl      puts
        movz    w0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
        movk    w0, #(PSCI_SYSTEM_OFF & 0xffff)
        hvc     #0
1:      wfi
        b       1b

putc:   ldr     w1, [x19, #0x18]        // UARTFR
        tbnz    w1, #5, putc            // TXFF
        str     w0, [x19]               // UARTDR
        ret

puts:   mov     x21, x30
1:      ldrb    w0, [x20], #1
        cbz     w0, 2f
        bl      putc
        b       1b
2:      ret     x21

// puthex: x0 as 0x and 16 hex digits (only instructions the A64 core has
// so far: no shifts by register or bitfield moves).  Clobbers x0-x4, x24.
puthex: mov     x24, x30
        mov     x3, x0
        mov     w0, #'0'
        bl      putc
        mov     w0, #'x'
        bl      putc
        mov     x4, #16
1:      orr     x0, xzr, x3, lsr #60    // the top nibble
        cmp     x0, #10
        b.lt    2f
        add     x0, x0, #('a' - 10 - '0')
2:      add     x0, x0, #'0'
        bl      putc
        orr     x3, xzr, x3, lsl #4
        subs    x4, x4, #1
        b.ne    1b
        ret     x24

hello:  .asciz  "arm64 kernel: x0 = "
good:   .asciz  ", FDT magic ok, x1-x3 zero\n"
wrong:  .asciz  ", bad boot state\n"
        .balign 8
image_end:
