// sieve: sieve of Eratosthenes over a 1 MiB byte array (bench/x86/sieve.asm),
// REPS times: clear (doubleword stores), mark the multiples of each prime p
// from p*p, count the unmarked numbers in [2, N).  Result: the sum of the
// counts.
#define NAME "sieve"
#ifndef REPS
#define REPS 60
#endif
#include "bench.inc"

        .equ    SIEVE, DATA
        .equ    SIEVE_N, 1024 * 1024

// x10 = SIEVE, x9 = SIEVE_N, x15 = repetitions left, x14 = total
workload:
        ldr     x15, =REPS
        mov     x14, #0
        ldr     x10, =SIEVE
        mov     x9, #SIEVE_N
1:      mov     x7, x10                 // clear
        mov     w2, #SIEVE_N / 8
2:      str     xzr, [x7], #8
        subs    w2, w2, #1
        b.ne    2b
        mov     x3, #2                  // p
3:      ldrb    w0, [x10, x3]
        cbnz    w0, 5f
        mul     x0, x3, x3
        cmp     x0, x9
        b.hs    6f
        mov     w1, #1
4:      strb    w1, [x10, x0]           // mark
        add     x0, x0, x3
        cmp     x0, x9
        b.lo    4b
5:      add     x3, x3, #1
        b       3b
6:      mov     x2, #2                  // count
        mov     x4, #0
7:      ldrb    w0, [x10, x2]
        eor     w0, w0, #1
        add     x4, x4, x0
        add     x2, x2, #1
        cmp     x2, x9
        b.lo    7b
        add     x14, x14, x4
        subs    x15, x15, #1
        b.ne    1b
        mov     x0, x14
        b       done
        .ltorg
