; roms/x86/hello.asm: squib's default x86 guest.
;
; A 64 KiB firmware image for the pc machine (-bios): the CPU starts at the
; reset vector in real mode, jumps here, prints a banner on COM1 (16550A at
; 0x3f8, polling the line status register) and on the 0xe9 debug console,
; then ends: first through isa-debug-exit at port 0xf4 (if present, the run
; ends with status (0<<1)|1 = 1, as in QEMU), else through ACPI power-off
; (PM1a_CNT at 0x604, SLP_EN), else it halts with interrupts off.
;
; Build: nasm -f bin -o x86-hello.bin hello.asm

bits 16
org 0

COM1     equ 0x3f8
LSR      equ COM1 + 5
LCR      equ COM1 + 3
DEBUGCON equ 0xe9

start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov ax, cs
        mov ds, ax

        ; 115200 8N1: DLAB on, divisor 1, DLAB off with 8 data bits.
        mov dx, LCR
        mov al, 0x80
        out dx, al
        mov dx, COM1
        mov al, 1
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, LCR
        mov al, 0x03
        out dx, al

        mov si, banner
        call puts

        xor al, al
        out 0xf4, al            ; isa-debug-exit, if the machine has one here

        mov dx, 0x604
        mov ax, 0x2000          ; SLP_TYP = 0 (S5), SLP_EN
        out dx, ax

        cli
.halt:  hlt
        jmp .halt

; puts: prints the NUL-terminated string at ds:si on debugcon and COM1.
puts:
        lodsb
        test al, al
        jz .done
        out DEBUGCON, al
        mov ah, al
        mov dx, LSR
.wait:  in al, dx
        test al, 0x20           ; THRE: transmit holding register empty
        jz .wait
        mov al, ah
        mov dx, COM1
        out dx, al
        jmp puts
.done:  ret

banner: db "squib x86 guest: hello from real mode", 13, 10, 0

        times 0xfff0 - ($ - $$) db 0xff
reset:                          ; 0xFFFFFFF0: the reset vector
        jmp 0xf000:start
        times 0x10000 - ($ - $$) db 0xff
