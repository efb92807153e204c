; vm: a small bytecode interpreter: switch dispatch (MOVZX the opcode, bound
; check, JMP through a jump table) over a register machine whose eight
; 64-bit registers live in memory.  The bytecode (below, read from the
; image) runs an LCG for VM_ITER iterations, 8 bytecode instructions each:
;     x = x * 0x2545f491 + 12345;  acc ^= x >> 17;  acc += x
; Each repetition r starts with x = r + 1.  Result: the sum of the accs.
%define NAME "vm"
%ifndef REPS
%define REPS 120
%endif
VM_ITER equ 100000
VM_REGS equ 0x100000
%ifndef EXPECT
%include "vm.expect.inc"
%endif
%include "bench.inc"

; opcodes
OP_HALT equ 0                           ; HALT
OP_LI   equ 1                           ; LI d, imm32 (zero-extended)
OP_MOV  equ 2                           ; MOV d, s
OP_ADD  equ 3                           ; ADD d, s
OP_XOR  equ 4                           ; XOR d, s
OP_MUL  equ 5                           ; MUL d, s
OP_SHR  equ 6                           ; SHR d, imm8
OP_DEC  equ 7                           ; DEC d
OP_JNZ  equ 8                           ; JNZ d, rel8 (from the next instruction)
OP_AND  equ 9                           ; AND d, s
NOPS    equ 10

workload:
        mov rbp, VM_REGS
        lea rbx, [jump_table]
        xor r15, r15
        xor r14, r14
.rep:   lea rax, [r15 + 1]
        mov [rbp + 8], rax              ; r1 = x = r + 1
        lea rsi, [program]
        call vm_run
        add r14, rax
        inc r15
        cmp r15, REPS
        jb .rep
        mov rax, r14
        jmp done

vm_run:                                 ; RSI = bytecode, RBP = registers -> RAX = r2
dispatch:
        movzx eax, byte [rsi]
        cmp eax, NOPS
        jae op_bad
        jmp [rbx + rax * 8]
op_li:  movzx ecx, byte [rsi + 1]
        mov eax, [rsi + 2]
        mov [rbp + rcx * 8], rax
        add rsi, 6
        jmp dispatch
op_mov: movzx ecx, byte [rsi + 1]
        movzx edx, byte [rsi + 2]
        mov rax, [rbp + rdx * 8]
        mov [rbp + rcx * 8], rax
        add rsi, 3
        jmp dispatch
op_add: movzx ecx, byte [rsi + 1]
        movzx edx, byte [rsi + 2]
        mov rax, [rbp + rdx * 8]
        add [rbp + rcx * 8], rax
        add rsi, 3
        jmp dispatch
op_xor: movzx ecx, byte [rsi + 1]
        movzx edx, byte [rsi + 2]
        mov rax, [rbp + rdx * 8]
        xor [rbp + rcx * 8], rax
        add rsi, 3
        jmp dispatch
op_and: movzx ecx, byte [rsi + 1]
        movzx edx, byte [rsi + 2]
        mov rax, [rbp + rdx * 8]
        and [rbp + rcx * 8], rax
        add rsi, 3
        jmp dispatch
op_mul: movzx ecx, byte [rsi + 1]
        movzx edx, byte [rsi + 2]
        mov rax, [rbp + rcx * 8]
        imul rax, [rbp + rdx * 8]
        mov [rbp + rcx * 8], rax
        add rsi, 3
        jmp dispatch
op_shr: movzx edx, byte [rsi + 1]
        movzx ecx, byte [rsi + 2]
        shr qword [rbp + rdx * 8], cl
        add rsi, 3
        jmp dispatch
op_dec: movzx ecx, byte [rsi + 1]
        dec qword [rbp + rcx * 8]
        add rsi, 2
        jmp dispatch
op_jnz: movzx ecx, byte [rsi + 1]
        movsx rax, byte [rsi + 2]
        add rsi, 3
        cmp qword [rbp + rcx * 8], 0
        je dispatch
        add rsi, rax
        jmp dispatch
op_halt:
        mov rax, [rbp + 2 * 8]
        ret
op_bad: mov rax, -1                     ; a wrong result: the check fails
        ret

align 8
jump_table:
        dq op_halt + ROMBASE, op_li + ROMBASE, op_mov + ROMBASE, op_add + ROMBASE
        dq op_xor + ROMBASE, op_mul + ROMBASE, op_shr + ROMBASE, op_dec + ROMBASE
        dq op_jnz + ROMBASE, op_and + ROMBASE

program:
        db OP_LI, 0
        dd VM_ITER
        db OP_LI, 2
        dd 0
        db OP_LI, 3
        dd 0x2545f491
        db OP_LI, 4
        dd 12345
.loop:  db OP_MUL, 1, 3
        db OP_ADD, 1, 4
        db OP_MOV, 5, 1
        db OP_SHR, 5, 17
        db OP_XOR, 2, 5
        db OP_ADD, 2, 1
        db OP_DEC, 0
        db OP_JNZ, 0, .loop - ($ + 3)
        db OP_HALT

%include "bench_end.inc"
