; alu: an integer ALU loop.  Seven registers evolve through ADD, XOR, LEA,
; SUB, MOV, SHR, IMUL, AND, then DEC/JNZ: 13 instructions per iteration,
; INNER iterations per repetition.  Result: the sum of the seven registers.
%define NAME "alu"
%ifndef REPS
%define REPS 770
%endif
INNER equ 100000
%ifndef EXPECT
%include "alu.expect.inc"
%endif
%include "bench.inc"

workload:
        mov r15, REPS
        mov eax, 1
        mov ebx, 2
        mov ecx, 3
        mov edx, 4
        mov esi, 5
        mov edi, 6
        xor ebp, ebp
.outer: mov r8d, INNER
.inner: add rax, rbx
        xor rbx, rcx
        lea rcx, [rcx + rdx * 2 + 7]
        sub rdx, rax
        mov r9, rax
        shr r9, 7
        xor rsi, r9
        imul r10, rsi, 0x9e37
        add rdi, r10
        and r10, rbx
        xor rbp, r10
        dec r8d
        jnz .inner
        dec r15
        jnz .outer
        add rax, rbx
        add rax, rcx
        add rax, rdx
        add rax, rsi
        add rax, rdi
        add rax, rbp
        jmp done

%include "bench_end.inc"
