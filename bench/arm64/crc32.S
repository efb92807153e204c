// crc32: table-driven CRC-32 (IEEE, reflected, polynomial 0xedb88320), as
// bench/x86/crc32.asm.  Once: the 256-entry table (bit by bit, TST/LSR/
// B.EQ/EOR) and 64 KiB of data from a 32-bit LCG.  Each repetition r: the
// CRC of the data starting from 0xffffffff ^ r, 7 instructions per byte
// (x86 takes 8: EOR with a shifted register does x86's SHR + XOR, so a few
// more REPS for about 1e9 instructions).  Result: the sum of the CRCs.
#define NAME "crc32"
#ifndef REPS
#define REPS 2200
#endif
#include "bench.inc"

        .equ    CRC_TABLE, DATA
        .equ    CRC_DATA, DATA + 0x10000
        .equ    CRC_LEN, 65536

workload:
        ldr     x12, =CRC_TABLE
        ldr     w5, =0xedb88320
        mov     x2, #0
1:      mov     w0, w2                  // table entry i
        mov     w3, #8
2:      tst     w0, #1
        lsr     w0, w0, #1
        b.eq    3f
        eor     w0, w0, w5
3:      subs    w3, w3, #1
        b.ne    2b
        str     w0, [x12, x2, lsl #2]
        add     x2, x2, #1
        cmp     x2, #256
        b.lo    1b
        ldr     x10, =CRC_DATA          // data: x = x * 1103515245 + 12345
        ldr     w6, =1103515245
        mov     w7, #12345
        mov     w0, #1
        mov     x2, #0
4:      madd    w0, w0, w6, w7
        lsr     w3, w0, #16
        strb    w3, [x10, x2]
        add     x2, x2, #1
        cmp     x2, #CRC_LEN
        b.lo    4b
        mov     x15, #0                 // r
        mov     x14, #0                 // total
        ldr     x13, =REPS
        add     x11, x10, #CRC_LEN
5:      mvn     w0, w15                 // 0xffffffff ^ r
        mov     x1, x10
6:      ldrb    w3, [x1], #1
        eor     w3, w3, w0
        and     w3, w3, #0xff
        ldr     w4, [x12, x3, lsl #2]
        eor     w0, w4, w0, lsr #8
        cmp     x1, x11
        b.lo    6b
        mvn     w0, w0                  // crc ^ 0xffffffff, zero-extended
        add     x14, x14, x0
        add     x15, x15, #1
        cmp     x15, x13
        b.lo    5b
        mov     x0, x14
        b       done
        .ltorg
