; crc32: table-driven CRC-32 (IEEE, reflected, polynomial 0xedb88320).
; Once: the 256-entry table (bit by bit, SHR/JNC/XOR) and 64 KiB of data
; from a 32-bit LCG.  Each repetition r: the CRC of the data starting from
; 0xffffffff ^ r, 8 instructions per byte.  Result: the sum of the CRCs.
%define NAME "crc32"
%ifndef REPS
%define REPS 1900
%endif
CRC_TABLE equ 0x100000
CRC_DATA  equ 0x110000
CRC_LEN   equ 65536
%ifndef EXPECT
%include "crc32.expect.inc"
%endif
%include "bench.inc"

workload:
        mov rbx, CRC_TABLE
        xor esi, esi
.entry: mov eax, esi
        mov ecx, 8
.bit:   shr eax, 1
        jnc .nox
        xor eax, 0xedb88320
.nox:   dec ecx
        jnz .bit
        mov [rbx + rsi * 4], eax
        inc esi
        cmp esi, 256
        jb .entry
        mov rdi, CRC_DATA
        mov eax, 1
        xor ecx, ecx
.gen:   imul eax, eax, 1103515245
        add eax, 12345
        mov edx, eax
        shr edx, 16
        mov [rdi + rcx], dl
        inc ecx
        cmp ecx, CRC_LEN
        jb .gen
        xor r15, r15
        xor r14, r14
.rep:   mov eax, 0xffffffff
        xor eax, r15d
        mov rsi, CRC_DATA
        mov rdi, CRC_DATA + CRC_LEN
.byte:  movzx edx, byte [rsi]
        xor edx, eax
        movzx edx, dl
        shr eax, 8
        xor eax, [rbx + rdx * 4]
        inc rsi
        cmp rsi, rdi
        jb .byte
        xor eax, 0xffffffff
        add r14, rax
        inc r15
        cmp r15, REPS
        jb .rep
        mov rax, r14
        jmp done

%include "bench_end.inc"
