; roms/x86/vm86.asm: virtual-8086 mode, self-checking (Intel SDM Vol. 3,
; chapter 20; Vol. 2, IRET "RETURN-TO-VIRTUAL-8086-MODE" and INT n
; "INTERRUPT-FROM-VIRTUAL-8086-MODE").
;
; A small virtual-8086 monitor in 32-bit protected mode (no paging): a TSS
; with SS0:ESP0 and an I/O bitmap that lets ports 0xe9 and 0xf4 through, an
; IDT with #UD and #GP handlers and a DPL3 interrupt gate for INT 0x21.  The
; monitor enters virtual-8086 mode with IRETD (EFLAGS.VM in the frame, IOPL
; 0), at CS = 0xf000 (this ROM's alias below 1 MiB).  Steps:
;   1 in virtual-8086 mode: segments are paragraphs (ES = 0x100 reads what
;     the monitor wrote at 0x1000), OUT through the I/O bitmap with IOPL 0;
;   2 with IOPL 0, CLI, STI, PUSHF, POPF, INT n and IRET are #GP(0), as is
;     OUT to a port the bitmap denies and HLT (CPL 3); LAR is #UD: the #GP
;     handler finds VM in the frame, the real-mode ES, DS, FS, GS pushed
;     above SS:ESP, and null data segments of its own, and resumes past the
;     instruction with IRETD;
;   3 with IOPL 3 (set by the monitor in the frame): INT 0x21 goes through
;     the IDT to ring 0 with the same frame, PUSHF/POPF/CLI/STI work, and
;     IRET works inside virtual-8086 mode (but cannot clear VM or IOPL);
;   4 HLT comes to the #GP handler;
;   5 a task switch to a TSS with EFLAGS.VM enters virtual-8086 mode too
;     (segments from the TSS as paragraphs); its HLT ends the test through
;     the #GP handler, on that task's SS0:ESP0.
; Each step prints a line on the 0xe9 debug console; the end is a write to
; isa-debug-exit at 0xf4: 0x10 (exit status 0x21) when all passed, else the
; number of the failed check (status (n<<1)|1).  Interpreter only: kvm-pvm
; cannot IRET in protected mode (roms/x86/pm32.asm, tests/test_x86_roms.c).
;
; Build: nasm -f bin -o x86-vm86.bin vm86.asm

bits 16
org 0

%include "rom.inc"

GDT      equ 0x1000
IDT      equ 0x2000
TSS      equ 0x3000
VARS     equ 0x6000                ; after the TSS and its I/O bitmap
KSTACK   equ 0x9f000
ROMBASE  equ 0xf0000
DEBUGCON equ 0xe9
EXITPORT equ 0xf4

SEL_CODE0 equ 0x08
SEL_DATA0 equ 0x10
SEL_TSS   equ 0x18
SEL_TSS_V equ 0x20               ; a task in virtual-8086 mode
TSS_V     equ 0x7000

V86_SS   equ 0x7000              ; the virtual-8086 stack: 7000:fffe
V86_ES   equ 0x0100              ; linear 0x1000
V86_DS   equ 0x0200
V86_FS   equ 0x0300
V86_GS   equ 0x0400

gp_count  equ VARS + 0           ; #GP from virtual-8086 mode so far
gp_ip     equ VARS + 4           ; the IP of the last one
ud_count  equ VARS + 8
int_count equ VARS + 12
want_iopl3 equ VARS + 16         ; the #GP handler sets IOPL 3 in the frame
bad       equ VARS + 20          ; a check the handlers failed (0: none)
phase     equ VARS + 24          ; 1 once the task switch into v86 mode is made

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
        mov edi, VARS
        mov ecx, 64
        rep stosd

        ; TSS: SS0:ESP0, an I/O bitmap at 0x68 denying all but 0xe9, 0xf4
        mov edi, TSS
        mov ecx, (0x68 + 8192 + 1) / 4 + 1
        xor eax, eax
        rep stosd
        mov dword [TSS + 4], KSTACK
        mov dword [TSS + 8], SEL_DATA0
        mov word [TSS + 0x66], 0x68
        mov edi, TSS + 0x68
        mov ecx, 8192 / 4
        mov eax, -1
        rep stosd
        mov byte [TSS + 0x68 + 8192], 0xff          ; the byte past the map
        and byte [TSS + 0x68 + 0xe9 / 8], ~(1 << (0xe9 % 8)) & 0xff
        and byte [TSS + 0x68 + 0xf4 / 8], ~(1 << (0xf4 % 8)) & 0xff
        mov ax, SEL_TSS
        ltr ax

        ; IDT: #UD 6 and #GP 13 (interrupt gates, DPL0), INT 0x21 (DPL3)
        mov edi, IDT
        xor eax, eax
        mov ecx, 256 * 2
        rep stosd
        mov eax, ud_handler + ROMBASE
        mov edi, IDT + 6 * 8
        mov bx, 0x008e
        call set_gate
        mov eax, gp_handler + ROMBASE
        mov edi, IDT + 13 * 8
        call set_gate
        mov eax, int21_handler + ROMBASE
        mov edi, IDT + 0x21 * 8
        mov bl, 0xee
        call set_gate
        lidt [idt_ptr + ROMBASE]

        mov dword [0x1000], 0x5aa55aa5   ; what ES:0 shows in v86 mode

        ; enter virtual-8086 mode: GS FS DS ES SS ESP EFLAGS CS EIP
        push dword V86_GS
        push dword V86_FS
        push dword V86_DS
        push dword V86_ES
        push dword V86_SS
        push dword 0xfffe
        push dword 0x00020002            ; VM, IOPL 0, IF 0
        push dword 0xf000
        push dword v86
        iretd

; ---- the #GP handler: a virtual-8086 monitor --------------------------------
; ring 0 stack: err, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS
gp_handler:
        push eax
        mov ax, ds                        ; null here (SDM 20.3.1.1)
        test ax, ax
        jz .null_ok
        mov byte [ss:bad], 100
.null_ok:
        mov ax, SEL_DATA0
        mov ds, ax
        cmp dword [esp + 4], 0            ; error code 0
        je .e0
        mov byte [bad], 101
.e0:    test dword [esp + 16], 0x20000    ; VM in the pushed EFLAGS
        jnz .vm
        mov byte [bad], 102
.vm:    cmp dword [esp + 12], 0xf000
        je .cs
        mov byte [bad], 103
.cs:    cmp dword [esp + 28], V86_ES      ; the real-mode segments
        jne .segs_bad
        cmp dword [esp + 32], V86_DS
        jne .segs_bad
        cmp dword [esp + 36], V86_FS
        jne .segs_bad
        cmp dword [esp + 40], V86_GS
        je .segs
.segs_bad:
        mov byte [bad], 104
.segs:  inc dword [gp_count]
        mov eax, [esp + 8]
        mov [gp_ip], eax
        ; HLT ends the test
        movzx eax, word [esp + 8]
        cmp byte [ROMBASE + eax], 0xf4
        je finish
        ; skip the instruction: one byte, two for INT n and OUT imm8
        inc dword [esp + 8]
        cmp byte [ROMBASE + eax], 0xcd
        je .two
        cmp byte [ROMBASE + eax], 0xe6
        jne .one
.two:   inc dword [esp + 8]
.one:   cmp byte [want_iopl3], 0
        je .out
        or dword [esp + 16], 0x3000
.out:   pop eax
        add esp, 4                        ; the error code
        iretd

ud_handler:                               ; no error code
        push eax
        mov ax, SEL_DATA0
        mov ds, ax
        test dword [esp + 12], 0x20000
        jnz .vm
        mov byte [bad], 110
.vm:    inc dword [ud_count]
        add dword [esp + 4], 3            ; LAR ax, bx is 3 bytes
        pop eax
        iretd

int21_handler:                            ; INT 0x21 from v86 mode with IOPL 3
        push eax
        mov ax, SEL_DATA0
        mov ds, ax
        test dword [esp + 12], 0x20000
        jnz .vm
        mov byte [bad], 120
.vm:    cmp dword [esp + 24], V86_ES      ; EIP CS EFLAGS ESP SS ES
        je .es
        mov byte [bad], 121
.es:    inc dword [int_count]
        pop eax
        iretd

finish:
        mov ax, SEL_DATA0
        mov ds, ax
        mov al, [bad]
        test al, al
        jnz fail
        cmp byte [phase], 0
        jne .task_done
        cmp dword [gp_count], 9           ; 8 from step 2, then the HLT
        CHECK e, 40
        cmp dword [ud_count], 1
        CHECK e, 41
        cmp dword [int_count], 1
        CHECK e, 42
        mov esi, msg_done + ROMBASE
        call puts32
        ; 5: a task switch into virtual-8086 mode (EFLAGS.VM in the new TSS);
        ; its HLT comes back here through the #GP handler, on its SS0:ESP0
        mov ax, SEL_DATA0
        mov es, ax                        ; null in a handler from v86 mode
        mov edi, TSS_V
        xor eax, eax
        mov ecx, 0x68 / 4
        rep stosd
        mov dword [TSS_V + 4], KSTACK - 0x1000   ; ESP0
        mov dword [TSS_V + 8], SEL_DATA0        ; SS0
        mov dword [TSS_V + 0x20], v86_task      ; EIP (CS = 0xf000)
        mov dword [TSS_V + 0x24], 0x00020002    ; EFLAGS: VM, IOPL 0
        mov dword [TSS_V + 0x38], 0xfffe        ; ESP
        mov dword [TSS_V + 0x48], V86_ES
        mov dword [TSS_V + 0x4c], 0xf000
        mov dword [TSS_V + 0x50], V86_SS
        mov dword [TSS_V + 0x54], V86_DS
        mov dword [TSS_V + 0x58], V86_FS
        mov dword [TSS_V + 0x5c], V86_GS
        mov word [TSS_V + 0x66], 0x68           ; no I/O bitmap: all ports #GP
        mov byte [phase], 1
        jmp SEL_TSS_V:0
.task_done:
        cmp dword [gp_count], 10          ; and the v86 task's HLT
        CHECK e, 43
        str ax
        cmp ax, SEL_TSS_V                 ; the handler runs in the v86 task
        CHECK e, 44
        cmp esp, KSTACK - 0x1000 - 44     ; on its SS0:ESP0: the frame and EAX
        CHECK e, 45
        mov esi, msg_task + ROMBASE
        call puts32
        mov al, 0x10
        out EXITPORT, al
        hlt

fail:                                     ; AL = the failed check
        out EXITPORT, al
        hlt

        PUTS_FLAT puts32

        SET_GATE32 set_gate, SEL_CODE0

; ---- virtual-8086 mode code (CS = 0xf000) -------------------------------------
bits 16
v86:
        mov ax, cs
        cmp ax, 0xf000
        jne v86_fail
        cmp dword [es:0], 0x5aa55aa5      ; ES = 0x100: linear 0x1000
        jne v86_fail
        mov si, msg_v86
        call puts16
        ; IOPL 0: each of these is #GP(0) and skipped by the monitor
        cli
        sti
        pushf
        popf
        int 0x21
        iret
        out 0x80, al                      ; denied by the bitmap
        mov ax, ss                        ; (nothing: a check it is alive)
        cmp ax, V86_SS
        jne v86_fail
        lar ax, bx                        ; #UD
        mov byte [want_iopl3 - V86_DS * 16], 1  ; DS = 0x200: linear 0x2000 + offset
        cli                               ; the 8th #GP: the monitor sets IOPL 3
        mov si, msg_iopl0
        call puts16
        ; IOPL 3: these run
        cli
        sti
        pushf
        pop ax
        test ax, 0x3000
        jz v86_fail
        int 0x21
        ; IRET inside v86 mode: back to .back with flags that try IOPL 0
        push word 0x0002
        push cs
        push word .back
        iret
.back:  pushf
        pop ax
        and ax, 0x3000
        cmp ax, 0x3000                    ; IOPL stays 3
        jne v86_fail
        mov si, msg_iopl3
        call puts16
        hlt                               ; #GP: the monitor finishes

v86_task:                                 ; entered by the task switch
        mov ax, cs
        cmp ax, 0xf000
        jne v86_fail
        cmp dword [es:0], 0x5aa55aa5      ; ES = 0x100 from the TSS
        jne v86_fail
        hlt

v86_fail:
        mov al, 50
        out EXITPORT, al
        jmp $

puts16:
.next:  mov al, [cs:si]
        test al, al
        jz .done
        out DEBUGCON, al
        inc si
        jmp .next
.done:  ret

msg_v86:   db "virtual-8086 mode: paragraph segments, I/O bitmap", 10, 0
msg_iopl0: db "IOPL 0: CLI STI PUSHF POPF INT IRET OUT #GP, LAR #UD", 10, 0
msg_iopl3: db "IOPL 3: INT through the IDT, IRET keeps VM and IOPL", 10, 0
msg_done:  db "HLT: #GP to the monitor", 10, 0
msg_task:  db "task switch into virtual-8086 mode", 10, 0

align 8
gdt_template:
        dq 0                                        ; 0x00
        dq 0x00cf9b000000ffff                       ; 0x08 ring-0 code
        dq 0x00cf93000000ffff                       ; 0x10 ring-0 data
        dq 0x0000890030002068                       ; 0x18 TSS at 0x3000, limit 0x2068
        dq 0x0000890070000067                       ; 0x20 TSS at 0x7000 (v86 task)
gdt_end:
gdt_ptr: dw gdt_end - gdt_template - 1
         dd GDT
idt_ptr: dw 256 * 8 - 1
         dd IDT

        RESET_VECTOR
