; roms/x86/gates.asm: call gates and hardware task switches in 32-bit
; protected mode, self-checking (Intel SDM Vol. 3, 5.8.3-5.8.6 and chapter
; 8; Vol. 2, CALL/JMP/RET/IRET "Operation").
;
; From the reset vector: a GDT in RAM with a ring-0 and a ring-3 flat code
; and data segment, three 32-bit TSSs (A, the boot task; B; C), two 32-bit
; call gates (DPL3 and DPL0, to ring-0 code, two parameters) and a task gate
; to B; an IDT with a #GP handler and a task gate to C for #NP.  Steps:
;   1 CALL through the call gate at CPL0: same privilege, CS:EIP pushed on
;     the caller's stack, no parameters copied; RETF 8 back.
;   2 the same gate from CPL3: a stack switch to SS0:ESP0 of TSS A, the frame
;     EIP, CS, the two parameters, ESP, SS; RETF 8 back to CPL3 onto the
;     caller's stack, and ES (DPL0) nulled by the return.
;   3 from CPL3 through the DPL0 gate: #GP with the gate's selector.
;   4 JMP to TSS B: B runs with TR = B, NT clear, CR0.TS set and A's busy
;     flag clear; B JMPs back to A, which resumes after its JMP with its own
;     registers (saved in TSS A) and B no longer busy.
;   5 CALL through the task gate to B: NT set and the back link = A in B;
;     IRET in B returns to A (a task return), after the CALL.
;   6 #NP through the task gate in the IDT to C: the error code on C's
;     stack, the back link = A, A's saved EIP at the faulting MOV; C moves it
;     past the MOV and IRETs back.
;   7 JMP to a 16-bit TSS (D) and back: D's registers from its TSS, its IP
;     and AX saved back into it.
;   8 JMP to B with the T bit set in its TSS: #DB (DR6.BT) before B's first
;     instruction, in B.
; Each step prints a line on the 0xe9 debug console; the end is a write to
; isa-debug-exit at 0xf4: 0x10 (exit status 0x21) when all passed, else the
; number of the failed check (status (n<<1)|1).
;
; Build: nasm -f bin -o x86-gates.bin gates.asm

bits 16
org 0

%include "rom.inc"

GDT      equ 0x1000
IDT      equ 0x2000
TSS_A    equ 0x3000
TSS_B    equ 0x3100
TSS_C    equ 0x3200
VARS     equ 0x4000
KSTACK   equ 0x9f000            ; boot task's ring-0 stack, and its ESP0
USTACK   equ 0x9e000            ; ring-3 stack
BSTACK   equ 0x9d000            ; task B
CSTACK   equ 0x9c000            ; task C
ROMBASE  equ 0xf0000
DEBUGCON equ 0xe9
EXITPORT equ 0xf4

SEL_CODE0 equ 0x08
SEL_DATA0 equ 0x10
SEL_CODE3 equ 0x1b
SEL_DATA3 equ 0x23
SEL_TSS_A equ 0x28
SEL_TSS_B equ 0x30
SEL_GATE3 equ 0x38              ; 32-bit call gate, DPL3
SEL_GATE0 equ 0x40              ; 32-bit call gate, DPL0
SEL_TGATE equ 0x48              ; task gate to B
SEL_TSS_C equ 0x50
SEL_NP    equ 0x58              ; a data segment that is not present
SEL_TSS_D equ 0x60              ; a 16-bit TSS
SEL_CODEB equ 0x68              ; ring-0 32-bit code based at ROMBASE (IP < 64K)
TSS_D     equ 0x3400

; what the gate target saw
saved_esp   equ VARS + 0
saved_ss    equ VARS + 4
saved_cs    equ VARS + 8
saved_frame equ VARS + 12       ; 6 dwords
gp_err      equ VARS + 40
np_err      equ VARS + 44

%macro PUTS 1
        mov esi, %1 + ROMBASE
        call puts
%endmacro

start:
        REALMODE_GDT
        ENTER_PROT32 SEL_CODE0, prot32

bits 32
prot32:
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, KSTACK
        xor eax, eax
        mov fs, ax
        mov gs, ax

        ; the call gates: offset gate_target, selector 0x08, 2 parameters
        mov eax, gate_target + ROMBASE
        mov edi, GDT + SEL_GATE3
        mov bh, 2                   ; parameters
        mov bl, 0xec                ; P, DPL3, 32-bit call gate
        call set_gate
        mov edi, GDT + SEL_GATE0
        mov bl, 0x8c                ; P, DPL0
        call set_gate

        ; TSS A: ESP0/SS0 for the ring switch; the rest is saved into it
        mov edi, TSS_A
        xor eax, eax
        mov ecx, 0x500 / 4          ; A, B, C, D
        rep stosd
        mov dword [TSS_A + 4], KSTACK
        mov dword [TSS_A + 8], SEL_DATA0
        mov ax, SEL_TSS_A
        ltr ax

        ; IDT: #GP (an interrupt gate), #NP (a task gate to C)
        mov edi, IDT
        xor eax, eax
        mov ecx, 256 * 8 / 4
        rep stosd
        mov bx, 0x008e                       ; P, DPL0, 32-bit interrupt gate
        mov eax, gp_handler + ROMBASE
        mov edi, IDT + 13 * 8
        call set_gate
        mov eax, db_handler + ROMBASE        ; #DB
        mov edi, IDT + 1 * 8
        call set_gate
        mov word [IDT + 11 * 8 + 2], SEL_TSS_C
        mov word [IDT + 11 * 8 + 4], 0x8500  ; P, DPL0, task gate
        lidt [idt_ptr + ROMBASE]
        PUTS msg_prot

        ; ---- 1: same privilege through the DPL3 gate -----------------------
        push dword 0x1111
        push dword 0x2222
        mov ebx, esp
        call SEL_GATE3:0
ret1:
        cmp esp, KSTACK
        CHECK e, 1
        cmp dword [saved_cs], SEL_CODE0
        CHECK e, 2
        cmp dword [saved_ss], SEL_DATA0
        CHECK e, 3
        lea eax, [ebx - 8]
        cmp [saved_esp], eax
        CHECK e, 4
        cmp dword [saved_frame], ret1 + ROMBASE
        CHECK e, 5
        cmp dword [saved_frame + 4], SEL_CODE0
        CHECK e, 6
        cmp dword [saved_frame + 8], 0x2222  ; the caller's own parameters
        CHECK e, 7
        PUTS msg_same

        ; ---- 2: CPL3 -> CPL0 through the DPL3 gate ------------------------
        push dword SEL_DATA3
        push dword USTACK
        push dword 0x3002           ; IOPL 3: ring 3 may print
        push dword SEL_CODE3
        push dword user + ROMBASE
        iret

bits 32
user:
        mov ax, SEL_DATA3
        mov ds, ax
        mov ax, cs
        cmp ax, SEL_CODE3
        CHECK e, 10
        push dword 0x1111
        push dword 0x2222
        call SEL_GATE3:0
ret2:
        mov dx, cs
        cmp dx, SEL_CODE3
        CHECK e, 11
        mov dx, ss
        cmp dx, SEL_DATA3
        CHECK e, 12
        cmp esp, USTACK
        CHECK e, 13
        mov dx, es                  ; the gate target loaded a DPL0 ES
        cmp dx, 0
        CHECK e, 14
        cmp dword [saved_ss], SEL_DATA0
        CHECK e, 15
        cmp dword [saved_esp], KSTACK - 24
        CHECK e, 16
        cmp dword [saved_frame], ret2 + ROMBASE
        CHECK e, 17
        cmp dword [saved_frame + 4], SEL_CODE3
        CHECK e, 18
        cmp dword [saved_frame + 8], 0x2222
        CHECK e, 19
        cmp dword [saved_frame + 12], 0x1111
        CHECK e, 20
        cmp dword [saved_frame + 16], USTACK - 8
        CHECK e, 21
        cmp dword [saved_frame + 20], SEL_DATA3
        CHECK e, 22
        PUTS msg_inner

        ; ---- 3: the DPL0 gate from CPL3 is #GP(gate) ------------------------
        mov dword [gp_err], -1
        call SEL_GATE0:0
        mov al, 30                  ; no fault
        jmp fail
after_gp:                           ; the #GP handler comes back here at CPL3
        cmp dword [gp_err], SEL_GATE0
        CHECK e, 31
        mov dx, cs
        cmp dx, SEL_CODE3
        CHECK e, 32
        PUTS msg_gp
        ; back to CPL0 for the task switches: through the gate, not returning
        mov dword [gp_err], 0x5a5a
        call SEL_GATE3:0

; gate_target: at CPL0; records what it was called with.  After step 3
; (gp_err = 0x5a5a) it goes on with the task steps instead of returning.
gate_target:
        mov [saved_esp], esp
        mov word [saved_ss], ss
        mov word [saved_ss + 2], 0
        mov word [saved_cs], cs
        mov word [saved_cs + 2], 0
        mov ax, SEL_DATA0
        mov es, ax                  ; ES must not survive a return to CPL3
        mov esi, esp                ; (all segments are flat)
        mov edi, saved_frame
        mov ecx, 6
        rep movsd
        cmp dword [gp_err], 0x5a5a
        je tasks
        retf 8

gp_handler:                         ; from CPL3: err, EIP, CS, EFLAGS, ESP, SS
        pop dword [gp_err]
        mov dword [esp], after_gp + ROMBASE
        iret

        ; ---- 4: JMP to TSS B and back -----------------------------------------
tasks:
        mov esp, KSTACK
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        PUTS msg_tasks
        mov edi, TSS_B
        mov eax, task_b + ROMBASE
        call init_tss
        mov ebx, 0xaaaa1111
        mov ebp, 0xaaaa2222
        jmp SEL_TSS_B:0
back_from_b:
        cmp ebx, 0xaaaa1111
        CHECK e, 40
        cmp ebp, 0xaaaa2222
        CHECK e, 41
        cmp dword [TSS_A + 0x20], back_from_b + ROMBASE  ; EIP saved by the JMP
        CHECK e, 42
        cmp dword [TSS_B + 0x20], b_jumped + ROMBASE     ; B's, by its JMP back
        CHECK e, 43
        test byte [GDT + SEL_TSS_B + 5], 2               ; B not busy
        CHECK z, 44
        test byte [GDT + SEL_TSS_A + 5], 2               ; A busy
        CHECK nz, 45
        str ax
        cmp ax, SEL_TSS_A
        CHECK e, 46
        cmp byte [VARS + 60], 1                          ; B's checks passed
        CHECK e, 47
        PUTS msg_jmp

        ; ---- 5: CALL through the task gate, IRET back --------------------------
        mov edi, TSS_B
        mov eax, task_b2 + ROMBASE
        call init_tss
        mov ebx, 0xbbbb1111
        call SEL_TGATE:0
back_from_b2:
        cmp ebx, 0xbbbb1111
        CHECK e, 50
        pushfd
        test dword [esp], 0x4000    ; A's NT is clear
        CHECK z, 51
        popfd
        test byte [GDT + SEL_TSS_B + 5], 2
        CHECK z, 52
        cmp byte [VARS + 61], 1
        CHECK e, 53
        PUTS msg_call

        ; ---- 6: #NP through the task gate to C -------------------------------
        mov edi, TSS_C
        mov eax, task_c + ROMBASE
        call init_tss
        mov dword [TSS_C + 0x38], CSTACK
        mov ebx, 0xcccc1111
        mov ax, SEL_NP
np_insn:
        mov ds, ax                  ; #NP(0x58) -> task C
        cmp ebx, 0xcccc1111
        CHECK e, 60
        mov ax, ds
        cmp ax, SEL_DATA0           ; the MOV was skipped
        CHECK e, 61
        cmp dword [np_err], SEL_NP
        CHECK e, 62
        cmp byte [VARS + 62], 1
        CHECK e, 63
        PUTS msg_np

        ; ---- 7: JMP to a 16-bit TSS and back ------------------------------------
        ; D: IP, FLAGS, AX..DI, ES CS SS DS at 0x0e..0x28, LDT at 0x2a
        mov word [TSS_D + 0x0e], task_d     ; an offset in SEL_CODEB (base ROMBASE)
        mov word [TSS_D + 0x10], 2
        mov word [TSS_D + 0x12], 0xd00d     ; AX
        mov word [TSS_D + 0x1a], 0xd000     ; SP
        mov word [TSS_D + 0x22], SEL_DATA0  ; ES
        mov word [TSS_D + 0x24], SEL_CODEB  ; CS
        mov word [TSS_D + 0x26], SEL_DATA0  ; SS
        mov word [TSS_D + 0x28], SEL_DATA0  ; DS
        mov ebx, 0xdddd1111
        jmp SEL_TSS_D:0
back_from_d:
        cmp ebx, 0xdddd1111
        CHECK e, 100
        cmp byte [VARS + 63], 1
        CHECK e, 101
        test byte [GDT + SEL_TSS_D + 5], 2  ; D not busy again
        CHECK z, 102
        cmp word [TSS_D + 0x0e], d_jumped   ; D's IP saved in its 16-bit TSS
        CHECK e, 103
        cmp word [TSS_D + 0x12], 0xd00e     ; and its AX
        CHECK e, 104
        PUTS msg_tss16

        ; ---- 8: the T bit of a TSS: #DB (DR6.BT) on entering the task -----------
        mov edi, TSS_B
        mov eax, task_b3 + ROMBASE
        call init_tss
        mov byte [TSS_B + 0x64], 1          ; T
        jmp SEL_TSS_B:0
back_from_b3:
        cmp byte [VARS + 64], 1             ; #DB came, with BT, before task_b3 ran
        CHECK e, 110
        cmp byte [VARS + 65], 1             ; task_b3 ran after it
        CHECK e, 111
        PUTS msg_tbit

        mov al, 0x10
        out EXITPORT, al
        hlt

; task D (step 7), 16-bit TSS, 32-bit code based at ROMBASE
task_d:
        str cx
        cmp cx, SEL_TSS_D
        CHECK e, 105
        cmp ax, 0xd00d
        CHECK e, 106
        inc ax                              ; saved back into D's TSS
        mov byte [VARS + 63], 1
        jmp SEL_TSS_A:0
d_jumped:
        mov al, 107
        jmp fail

; task B (step 8): entered with T set, so #DB comes first
task_b3:
        cmp byte [VARS + 64], 1
        CHECK e, 112
        mov byte [VARS + 65], 1
        jmp SEL_TSS_A:0                     ; A resumes after its JMP

db_handler:                                 ; in task B, before its first instruction
        mov eax, dr6
        test eax, 1 << 15                   ; BT
        CHECK nz, 113
        cmp dword [esp], task_b3 + ROMBASE  ; a trap with the task's first EIP
        CHECK e, 114
        xor eax, eax
        mov dr6, eax
        mov byte [VARS + 64], 1
        iretd

; task B (step 4): TR = B, NT clear, CR0.TS set, A not busy; JMP back to A
task_b:
        str ax
        cmp ax, SEL_TSS_B
        CHECK e, 70
        pushfd
        test dword [esp], 0x4000
        CHECK z, 71
        popfd
        mov eax, cr0
        test al, 8
        CHECK nz, 72
        clts
        test byte [GDT + SEL_TSS_A + 5], 2
        CHECK z, 73
        test byte [GDT + SEL_TSS_B + 5], 2
        CHECK nz, 74
        mov byte [VARS + 60], 1
        xor ebx, ebx                ; A's registers come back from TSS A
        xor ebp, ebp
        jmp SEL_TSS_A:0
b_jumped:
        mov al, 75                  ; not resumed
        jmp fail

; task B (step 5): called through the task gate: NT set, back link = A
task_b2:
        pushfd
        test dword [esp], 0x4000
        CHECK nz, 80
        popfd
        cmp word [TSS_B], SEL_TSS_A
        CHECK e, 81
        test byte [GDT + SEL_TSS_A + 5], 2  ; A stays busy (nested)
        CHECK nz, 82
        mov byte [VARS + 61], 1
        xor ebx, ebx
        iret                        ; NT: a task return to A

; task C (step 6): #NP(0x58) through the IDT's task gate
task_c:
        pop eax                     ; the error code
        mov [np_err], eax
        cmp esp, CSTACK
        CHECK e, 90
        cmp word [TSS_C], SEL_TSS_A
        CHECK e, 91
        cmp dword [TSS_A + 0x20], np_insn + ROMBASE  ; A stopped at the MOV
        CHECK e, 92
        add dword [TSS_A + 0x20], 2 ; go on after it
        mov byte [VARS + 62], 1
        iret

; init_tss: EDI = a TSS, EAX = its entry point: flat ring-0 segments, a
; stack of its own, EFLAGS = 2
init_tss:
        mov [edi + 0x20], eax
        mov dword [edi + 0x24], 2
        mov dword [edi + 0x38], BSTACK
        mov dword [edi + 0x48], SEL_DATA0
        mov dword [edi + 0x4c], SEL_CODE0
        mov dword [edi + 0x50], SEL_DATA0
        mov dword [edi + 0x54], SEL_DATA0
        mov dword [edi + 0x58], 0
        mov dword [edi + 0x5c], 0
        mov dword [edi + 0x60], 0
        mov word [edi + 0x66], 0x68
        ret

        SET_GATE32 set_gate, SEL_CODE0

        PUTS_FLAT puts

fail:                               ; AL = the failed check: status (AL << 1) | 1
        out EXITPORT, al
        hlt

msg_prot:  db "protected mode", 10, 0
msg_same:  db "call gate, same privilege", 10, 0
msg_inner: db "call gate, CPL3 to CPL0 with parameters, RETF back", 10, 0
msg_gp:    db "call gate above CPL3: #GP", 10, 0
msg_tasks: db "task switches", 10, 0
msg_jmp:   db "JMP to a TSS and back", 10, 0
msg_call:  db "CALL through a task gate, IRET back", 10, 0
msg_np:    db "#NP through a task gate", 10, 0
msg_tss16: db "JMP to a 16-bit TSS and back", 10, 0
msg_tbit:  db "T bit: #DB on entering the task", 10, 0

align 8
gdt_template:
        dq 0                                        ; 0x00
        dq 0x00cf9b000000ffff                       ; 0x08 ring-0 code
        dq 0x00cf93000000ffff                       ; 0x10 ring-0 data
        dq 0x00cffb000000ffff                       ; 0x18 ring-3 code
        dq 0x00cff3000000ffff                       ; 0x20 ring-3 data
        dq 0x0000890030000067                       ; 0x28 TSS A at 0x3000
        dq 0x0000890031000067                       ; 0x30 TSS B at 0x3100
        dq 0                                        ; 0x38 call gate DPL3 (set_gate)
        dq 0                                        ; 0x40 call gate DPL0 (set_gate)
        dq 0x0000850000300000                       ; 0x48 task gate to 0x30
        dq 0x0000890032000067                       ; 0x50 TSS C at 0x3200
        dq 0x00cf13000000ffff                       ; 0x58 data, not present
        dq 0x000081003400002b                       ; 0x60 16-bit TSS at 0x3400
        dq 0x00409b0f0000ffff                       ; 0x68 code, base 0xf0000, 64K
gdt_end:
gdt_ptr: dw gdt_end - gdt_template - 1
         dd GDT
idt_ptr: dw 256 * 8 - 1
         dd IDT

        RESET_VECTOR
