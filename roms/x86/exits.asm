; roms/x86/exits.asm: one of each x86 exit a real-mode guest can cause, for
; comparing the interpreter's exit stream with KVM's (tests/test_cli.c).
;
; PIO out and in at sizes 1, 2 and 4, through an imm8 port and through DX;
; rep outsb and rep insb (one exit per element); MMIO reads, writes and a
; read-modify-write in the VGA hole at 0xA0000 (no device there on pc:
; reads 0, writes dropped); a write to the read-only firmware (an MMIO write
; exit); then isa-debug-exit at 0xf4 with 0x21 (status 0x43) if present,
; else HLT.
;
; Build: nasm -f bin -o x86-exits.bin exits.asm

bits 16
org 0

start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov es, ax
        mov ax, cs
        mov ds, ax

        ; PIO writes, every size, imm8 and DX forms
        mov al, 0x11
        out 0x80, al
        mov ax, 0x2222
        out 0x80, ax
        mov eax, 0x44444444
        out 0x80, eax
        mov dx, 0x3f8 + 7       ; 16550 scratch register
        mov al, 0x5a
        out dx, al

        ; PIO reads: the scratch register reads back, unassigned ports read ones
        in al, dx
        mov dx, 0x510
        in ax, dx
        in eax, dx
        in al, 0x71

        ; string I/O: three elements each
        mov si, message
        mov dx, 0xe9
        mov cx, 3
        rep outsb
        mov di, 0x0500
        mov dx, 0x3f8 + 5       ; 16550 line status
        mov cx, 3
        rep insb

        ; MMIO in the VGA hole
        mov ax, 0xa000
        mov es, ax
        mov byte [es:0x10], 0x77
        mov ax, [es:0x20]
        add word [es:0x30], 5
        mov eax, [es:0x40]

        ; a write to the read-only firmware below 1 MiB (DS = CS = 0xf000).
        ; Without a segment prefix: KVM reports the RIP after an MMIO write,
        ; and with ES = DS the instruction start is ambiguous for a prefix
        ; (accel/kvm/kvm_pc.c picks the shortest match).
        mov byte [0x0], 0x99

        mov al, 0x21
        out 0xf4, al
        hlt

message: db "ok", 10

        times 0xfff0 - ($ - $$) db 0xff
        jmp 0xf000:start
        times 0x10000 - ($ - $$) db 0xff
