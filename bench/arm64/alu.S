// alu: the integer ALU loop of bench/x86/alu.asm.  Seven registers evolve
// through ADD, EOR, ADD (shifted register), ADD, SUB, LSR, EOR, MUL, ADD,
// AND, EOR, then SUBS/B.NE: 13 instructions per iteration (as on x86),
// INNER iterations per repetition.  Result: the sum of the seven registers.
#define NAME "alu"
#ifndef REPS
#define REPS 770
#endif
#define INNER 100000
#include "bench.inc"

// x0 a, x1 b, x2 c, x3 d, x4 s, x5 di, x6 bp; x7 = 0x9e37; x8, x9 temps
workload:
        ldr     x15, =REPS
        mov     x0, #1
        mov     x1, #2
        mov     x2, #3
        mov     x3, #4
        mov     x4, #5
        mov     x5, #6
        mov     x6, #0
        mov     x7, #0x9e37
1:      ldr     w14, =INNER
2:      add     x0, x0, x1              // a += b
        eor     x1, x1, x2              // b ^= c
        add     x2, x2, x3, lsl #1      // c += d * 2
        add     x2, x2, #7              //      + 7
        sub     x3, x3, x0              // d -= a
        lsr     x8, x0, #7
        eor     x4, x4, x8              // s ^= a >> 7
        mul     x9, x4, x7              // t = s * 0x9e37
        add     x5, x5, x9              // di += t
        and     x9, x9, x1              // t &= b
        eor     x6, x6, x9              // bp ^= t
        subs    w14, w14, #1
        b.ne    2b
        subs    x15, x15, #1
        b.ne    1b
        add     x0, x0, x1
        add     x0, x0, x2
        add     x0, x0, x3
        add     x0, x0, x4
        add     x0, x0, x5
        add     x0, x0, x6
        b       done
        .ltorg
