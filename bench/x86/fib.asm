; fib: recursive Fibonacci, fib(FIB_N) REPS times through CALL/RET with
; PUSH/POP.  Result: the sum of fib(FIB_N) + r over the repetitions r.
%define NAME "fib"
%ifndef REPS
%define REPS 500
%endif
FIB_N equ 25
%ifndef EXPECT
%include "fib.expect.inc"
%endif
%include "bench.inc"

workload:
        xor r15, r15
        xor r14, r14
.rep:   mov edi, FIB_N
        call fib
        add rax, r15
        add r14, rax
        inc r15
        cmp r15, REPS
        jb .rep
        mov rax, r14
        jmp done

fib:                                    ; RDI = n -> RAX = fib(n)
        cmp rdi, 2
        jb .base
        push rdi
        dec rdi
        call fib
        pop rdi
        push rax
        sub rdi, 2
        call fib
        pop rcx
        add rax, rcx
        ret
.base:  mov rax, rdi
        ret

%include "bench_end.inc"
