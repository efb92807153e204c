; sieve: sieve of Eratosthenes over a 1 MiB byte array, REPS times: clear
; (qword stores), mark the multiples of each prime p from p*p, count the
; unmarked numbers in [2, N).  Result: the sum of the counts.
%define NAME "sieve"
%ifndef REPS
%define REPS 60
%endif
SIEVE    equ 0x200000
SIEVE_N  equ 1024 * 1024
%ifndef EXPECT
%include "sieve.expect.inc"
%endif
%include "bench.inc"

workload:
        mov r15, REPS
        xor r14, r14
.rep:   mov rdi, SIEVE
        xor eax, eax
        mov ecx, SIEVE_N / 8
.clear: mov [rdi], rax
        add rdi, 8
        dec ecx
        jnz .clear
        mov ebx, 2
.outer: movzx eax, byte [SIEVE + rbx]
        test eax, eax
        jnz .next
        mov rax, rbx
        imul rax, rbx
        cmp rax, SIEVE_N
        jae .count
.mark:  mov byte [SIEVE + rax], 1
        add rax, rbx
        cmp rax, SIEVE_N
        jb .mark
.next:  inc rbx
        jmp .outer
.count: mov ecx, 2
        xor edx, edx
.cnt:   movzx eax, byte [SIEVE + rcx]
        xor eax, 1
        add rdx, rax
        inc rcx
        cmp rcx, SIEVE_N
        jb .cnt
        add r14, rdx
        dec r15
        jnz .rep
        mov rax, r14
        jmp done

%include "bench_end.inc"
