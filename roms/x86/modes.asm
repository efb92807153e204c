; roms/x86/modes.asm: a self-checking tour of x86 system architecture.
;
; From the reset vector in real mode: a GDT in RAM, protected mode, PAE
; paging and long mode; then in 64-bit mode an IDT and a TSS with RSP0 and
; IST1, a page fault whose handler checks CR2 and the error code and resumes
; past the faulting instruction, SYSCALL/SYSRET through STAR/LSTAR/FMASK, an
; IRETQ down to CPL3, an INT 0x80 from CPL3 through a DPL3 gate (onto RSP0),
; and a #GP from CPL3 (a privileged instruction), delivered on IST1.
; Each step prints a line on the 0xe9 debug console; the end is a write to
; isa-debug-exit at 0xf4: 0x10 (exit status 0x21) when all passed, else the
; number of the step that failed (status (n<<1)|1).
;
; Build: nasm -f bin -o x86-modes.bin modes.asm

bits 16
org 0

%include "rom.inc"

GDT      equ 0x1000             ; in RAM: the CPU sets accessed bits there
IDT      equ 0x2000
TSS      equ 0x3000
PML4     equ 0x10000
STACK0   equ 0x9f000            ; RSP0 (kernel stack for CPL3 -> CPL0)
IST1     equ 0x9e000
KSTACK   equ 0x9d000            ; the boot stack
USTACK   equ 0x9c000            ; user stack
ROMBASE  equ 0xf0000            ; where CS = 0xf000 puts this image
DEBUGCON equ 0xe9
EXITPORT equ 0xf4

%macro PUTS 1                   ; any mode: prints a string from the image
        mov esi, %1 + ROMBASE
        call puts_flat
%endmacro

start:
        REALMODE_GDT

        mov al, 'R'
        out DEBUGCON, al
        mov al, 10
        out DEBUGCON, al

        ENTER_PROT32 0x08, prot32

bits 32
prot32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, KSTACK
        PUTS msg_prot

        ; page tables: PML4 -> PDPT -> PD, identity 2 MiB (user, writable)
        mov edi, PML4
        xor eax, eax
        mov ecx, 3 * 4096 / 4
        rep stosd
        mov dword [PML4], PML4 + 0x1000 + 7
        mov dword [PML4 + 0x1000], PML4 + 0x2000 + 7
        mov dword [PML4 + 0x2000], 0x87            ; 2 MiB page at 0: P RW US PS
        mov eax, cr4
        or eax, 0x20                               ; PAE
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, 0xc0000080                        ; EFER
        rdmsr
        or eax, 0x101                              ; LME, SCE
        wrmsr
        mov eax, cr0
        or eax, 0x80010000                         ; PG, WP
        mov cr0, eax
        jmp 0x18:(long64 + ROMBASE)

bits 64
long64:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rsp, KSTACK
        PUTS msg_long

        ; check EFER.LMA
        mov ecx, 0xc0000080
        rdmsr
        test eax, 0x400
        mov dl, 1
        jz fail

        ; IDT: #GP (IST1), #PF, INT 0x80 (DPL3)
        mov rdi, IDT
        xor eax, eax
        mov ecx, 256 * 16 / 4
        rep stosd
        mov rax, gp_handler + ROMBASE
        mov rdi, IDT + 13 * 16
        mov bl, 0x8e
        mov bh, 1
        call set_gate
        mov rax, pf_handler + ROMBASE
        mov rdi, IDT + 14 * 16
        mov bl, 0x8e
        mov bh, 0
        call set_gate
        mov rax, int80_handler + ROMBASE
        mov rdi, IDT + 0x80 * 16
        mov bl, 0xee
        mov bh, 0
        call set_gate
        lidt [idt_ptr + ROMBASE]

        ; TSS: RSP0 and IST1; its 16-byte descriptor is GDT 0x40
        mov rdi, TSS
        xor eax, eax
        mov ecx, 0x68 / 4
        rep stosd
        mov rax, STACK0
        mov [TSS + 4], rax
        mov rax, IST1
        mov [TSS + 0x24], rax
        mov ax, 0x40
        ltr ax

        ; 1. a page fault on an unmapped address; the handler resumes at pf_back
        mov rbx, 0x40000000
        mov byte [rbx], 1
pf_back:
        cmp byte [pf_seen], 1
        mov dl, 2
        jne fail
        PUTS msg_pf

        ; 2. SYSCALL/SYSRET: STAR selects kernel CS 0x18 / SS 0x20, and the
        ;    user base 0x28: SYSRET to 64-bit loads CS 0x38|3, SS 0x30|3
        mov ecx, 0xc0000081
        xor eax, eax
        mov edx, 0x00280018                         ; STAR[63:48]=0x28, [47:32]=0x18
        wrmsr
        mov ecx, 0xc0000082
        mov rax, syscall_entry + ROMBASE
        mov rdx, rax
        shr rdx, 32
        wrmsr
        mov ecx, 0xc0000084
        mov eax, 0x200                              ; FMASK: clear IF
        xor edx, edx
        wrmsr

        ; 3. IRETQ to CPL3 (CS 0x3b, SS 0x33), IF on, IOPL 0
        push 0x33
        push USTACK
        push 0x202
        push 0x3b
        mov rax, user + ROMBASE
        push rax
        iretq

bits 64
user:
        mov rax, 0x1234
        syscall                                     ; -> syscall_entry, back to user_after
user_after:
        cmp rax, 0x5678
        mov dl, 3
        jne user_fail
        int 0x80                                    ; -> int80_handler at CPL0
        cmp rax, 0x80
        mov dl, 4
        jne user_fail
        cli                                         ; #GP at CPL3 with IOPL 0 -> IST1
        mov dl, 5
user_fail:                                          ; CPL3 cannot write the port: #GP
        mov al, dl
        out EXITPORT, al

syscall_entry:                                      ; CPL0, RCX = user RIP, R11 = RFLAGS
        cmp rax, 0x1234
        jne .bad
        mov rax, cs
        cmp rax, 0x18
        jne .bad
        pushfq
        pop rax
        test eax, 0x200
        jnz .bad                                    ; FMASK cleared IF
        mov rax, 0x5678
        o64 sysret                                  ; CS = 0x28+16 | 3 = 0x3b
.bad:   mov dl, 6
        jmp fail

int80_handler:                                      ; CPL0 on RSP0
        mov rax, rsp
        cmp rax, STACK0 - 40
        jne .bad
        cmp qword [rsp + 8], 0x3b                   ; the user CS was pushed
        jne .bad
        mov rax, 0x80
        iretq
.bad:   mov dl, 7
        jmp fail

gp_handler:                                         ; #GP on IST1
        mov rax, rsp
        cmp rax, IST1 - 48
        mov dl, 8
        jne fail
        cmp qword [rsp], 0                          ; error code 0
        mov dl, 9
        jne fail
        cmp qword [rsp + 16], 0x3b                  ; from CPL3
        mov dl, 10
        jne fail
        mov ax, 0x10
        mov ds, ax
        PUTS msg_user
        mov al, 0x10                                ; all passed
        out EXITPORT, al
        hlt

pf_handler:
        mov rax, cr2
        cmp rax, 0x40000000
        mov dl, 11
        jne fail
        cmp qword [rsp], 2                          ; not present, write, supervisor
        mov dl, 12
        jne fail
        mov byte [pf_seen], 1
        mov rax, pf_back + ROMBASE
        mov [rsp + 8], rax                          ; resume past the faulting store
        add rsp, 8                                  ; drop the error code
        iretq

fail:                                               ; DL = the failed step
        mov al, dl
        out EXITPORT, al
        hlt

; set_gate: RAX = handler, RDI = gate, BL = type/attributes, BH = IST
set_gate:
        mov [rdi], ax
        mov word [rdi + 2], 0x18
        mov [rdi + 4], bh
        mov [rdi + 5], bl
        shr rax, 16
        mov [rdi + 6], ax
        shr rax, 16
        mov [rdi + 8], eax
        mov dword [rdi + 12], 0
        ret

; puts_flat: ESI/RSI = a flat address of a NUL-terminated string.  The
; same bytes work in 32- and 64-bit code (LODSB, no INC r32 = REX).
bits 32
        PUTS_FLAT puts_flat
bits 64

pf_seen equ 0x500

msg_prot: db "protected mode", 10, 0
msg_long: db "long mode", 10, 0
msg_pf:   db "page fault handled", 10, 0
msg_user: db "syscall, int 0x80 and #GP on IST1 from CPL3", 10, 0

align 8
gdt_template:
        dq 0                                        ; 0x00
        dq 0x00cf9b000000ffff                       ; 0x08 32-bit code
        dq 0x00cf93000000ffff                       ; 0x10 data
        dq 0x00af9b000000ffff                       ; 0x18 64-bit code (SYSCALL CS)
        dq 0x00cf93000000ffff                       ; 0x20 kernel data (SYSCALL SS)
        dq 0x00cffb000000ffff                       ; 0x28 user 32-bit code (STAR base)
        dq 0x00cff3000000ffff                       ; 0x30 user data (SYSRET SS)
        dq 0x00affb000000ffff                       ; 0x38 user 64-bit code (SYSRET CS)
        dq 0x0000890030000067, 0                    ; 0x40 64-bit TSS at 0x3000
gdt_end:
gdt_ptr: dw gdt_end - gdt_template - 1
         dd GDT
idt_ptr: dw 256 * 16 - 1
         dq IDT

        RESET_VECTOR
