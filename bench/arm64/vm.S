// vm: the bytecode interpreter of bench/x86/vm.asm: switch dispatch (LDRB
// the opcode, bound check, LDR from a jump table of absolute addresses, BR)
// over a register machine whose eight 64-bit registers live in memory.  The
// bytecode (below, read from the image) runs an LCG for VM_ITER
// iterations, 8 bytecode instructions each:
//     x = x * 0x2545f491 + 12345;  acc ^= x >> 17;  acc += x
// Each repetition r starts with x = r + 1.  Result: the sum of the accs.
// Same bytecode and encoding as on x86 (LI's imm32 is unaligned, so LI reads
// it a byte at a time: with the MMU off an unaligned load faults).  An A64
// handler takes more instructions than an x86 one (load/op/store for x86's
// read-modify-write forms), hence fewer REPS for about 1e9 instructions.
#define NAME "vm"
#ifndef REPS
#define REPS 100
#endif
#define VM_ITER 100000
#include "bench.inc"

        .equ    VM_REGS, DATA

        .equ    OP_HALT, 0              // HALT
        .equ    OP_LI, 1                // LI d, imm32 (zero-extended)
        .equ    OP_MOV, 2               // MOV d, s
        .equ    OP_ADD, 3               // ADD d, s
        .equ    OP_XOR, 4               // XOR d, s
        .equ    OP_MUL, 5               // MUL d, s
        .equ    OP_SHR, 6               // SHR d, imm8
        .equ    OP_DEC, 7               // DEC d
        .equ    OP_JNZ, 8               // JNZ d, rel8 (from the next instruction)
        .equ    OP_AND, 9               // AND d, s
        .equ    NOPS, 10

// x11 = registers, x12 = jump table, x15 = r, x14 = total, x13 = REPS
workload:
        ldr     x11, =VM_REGS
        adr     x12, jump_table
        mov     x15, #0
        mov     x14, #0
        ldr     x13, =REPS
1:      add     x0, x15, #1
        str     x0, [x11, #8]           // r1 = x = r + 1
        adr     x1, program
        bl      vm_run
        add     x14, x14, x0
        add     x15, x15, #1
        cmp     x15, x13
        b.lo    1b
        mov     x0, x14
        b       done

vm_run:                                 // x1 = bytecode, x11 = registers -> x0 = r2
dispatch:
        ldrb    w0, [x1]
        cmp     w0, #NOPS
        b.hs    op_bad
        ldr     x2, [x12, x0, lsl #3]
        br      x2
op_li:  ldrb    w3, [x1, #1]
        ldrb    w0, [x1, #2]
        ldrb    w4, [x1, #3]
        orr     w0, w0, w4, lsl #8
        ldrb    w4, [x1, #4]
        orr     w0, w0, w4, lsl #16
        ldrb    w4, [x1, #5]
        orr     w0, w0, w4, lsl #24
        str     x0, [x11, x3, lsl #3]
        add     x1, x1, #6
        b       dispatch
op_mov: ldrb    w3, [x1, #1]
        ldrb    w4, [x1, #2]
        ldr     x0, [x11, x4, lsl #3]
        str     x0, [x11, x3, lsl #3]
        add     x1, x1, #3
        b       dispatch
op_add: ldrb    w3, [x1, #1]
        ldrb    w4, [x1, #2]
        ldr     x0, [x11, x4, lsl #3]
        ldr     x5, [x11, x3, lsl #3]
        add     x5, x5, x0
        str     x5, [x11, x3, lsl #3]
        add     x1, x1, #3
        b       dispatch
op_xor: ldrb    w3, [x1, #1]
        ldrb    w4, [x1, #2]
        ldr     x0, [x11, x4, lsl #3]
        ldr     x5, [x11, x3, lsl #3]
        eor     x5, x5, x0
        str     x5, [x11, x3, lsl #3]
        add     x1, x1, #3
        b       dispatch
op_and: ldrb    w3, [x1, #1]
        ldrb    w4, [x1, #2]
        ldr     x0, [x11, x4, lsl #3]
        ldr     x5, [x11, x3, lsl #3]
        and     x5, x5, x0
        str     x5, [x11, x3, lsl #3]
        add     x1, x1, #3
        b       dispatch
op_mul: ldrb    w3, [x1, #1]
        ldrb    w4, [x1, #2]
        ldr     x0, [x11, x4, lsl #3]
        ldr     x5, [x11, x3, lsl #3]
        mul     x5, x5, x0
        str     x5, [x11, x3, lsl #3]
        add     x1, x1, #3
        b       dispatch
op_shr: ldrb    w3, [x1, #1]
        ldrb    w4, [x1, #2]
        ldr     x5, [x11, x3, lsl #3]
        lsr     x5, x5, x4
        str     x5, [x11, x3, lsl #3]
        add     x1, x1, #3
        b       dispatch
op_dec: ldrb    w3, [x1, #1]
        ldr     x5, [x11, x3, lsl #3]
        sub     x5, x5, #1
        str     x5, [x11, x3, lsl #3]
        add     x1, x1, #2
        b       dispatch
op_jnz: ldrb    w3, [x1, #1]
        ldrsb   x0, [x1, #2]
        add     x1, x1, #3
        ldr     x5, [x11, x3, lsl #3]
        cbz     x5, dispatch
        add     x1, x1, x0
        b       dispatch
op_halt:
        ldr     x0, [x11, #2 * 8]
        ret
op_bad: mov     x0, #-1                 // a wrong result: the check fails
        ret
        .ltorg

        .balign 8
jump_table:
        .quad   op_halt, op_li, op_mov, op_add
        .quad   op_xor, op_mul, op_shr, op_dec
        .quad   op_jnz, op_and

program:
        .byte   OP_LI, 0
        .byte   VM_ITER & 0xff, (VM_ITER >> 8) & 0xff, (VM_ITER >> 16) & 0xff, VM_ITER >> 24
        .byte   OP_LI, 2, 0, 0, 0, 0
        .byte   OP_LI, 3, 0x91, 0xf4, 0x45, 0x25        // 0x2545f491
        .byte   OP_LI, 4, 12345 & 0xff, 12345 >> 8, 0, 0
vm_loop:
        .byte   OP_MUL, 1, 3
        .byte   OP_ADD, 1, 4
        .byte   OP_MOV, 5, 1
        .byte   OP_SHR, 5, 17
        .byte   OP_XOR, 2, 5
        .byte   OP_ADD, 2, 1
        .byte   OP_DEC, 0
        .byte   OP_JNZ, 0, (vm_loop - vm_next) & 0xff
vm_next:
        .byte   OP_HALT
        .balign 4
