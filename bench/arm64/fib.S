// fib: recursive Fibonacci (bench/x86/fib.asm), fib(FIB_N) REPS times through
// BL/RET with the link register and n saved on the stack (STP/LDP).
// Result: the sum of fib(FIB_N) + r over the repetitions r.
#define NAME "fib"
#ifndef REPS
#define REPS 540
#endif
#define FIB_N 25
#include "bench.inc"

workload:
        mov     x15, #0
        mov     x14, #0
        ldr     x13, =REPS
1:      mov     x0, #FIB_N
        bl      fib
        add     x0, x0, x15
        add     x14, x14, x0
        add     x15, x15, #1
        cmp     x15, x13
        b.lo    1b
        mov     x0, x14
        b       done

// fib: x0 = n -> x0 = fib(n).  Clobbers x1, x2.
fib:    cmp     x0, #2
        b.lo    1f
        stp     x30, x0, [sp, #-16]!
        sub     x0, x0, #1
        bl      fib
        ldr     x1, [sp, #8]            // n
        str     x0, [sp, #8]            // fib(n - 1)
        sub     x0, x1, #2
        bl      fib
        ldp     x30, x1, [sp], #16
        add     x0, x0, x1
1:      ret
        .ltorg
