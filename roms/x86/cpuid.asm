; roms/x86/cpuid.asm: what -cpu tells the guest, seen from real mode: the
; CPUID.1:ECX.POPCNT bit, then POPCNT itself, which is #UD on a CPU without
; the feature (Intel SDM Vol. 2, POPCNT "#UD If CPUID.01H:ECX.POPCNT [Bit
; 23] = 0").  Prints "popcnt" or "no popcnt", then "popcnt ran" or "#UD",
; on the 0xe9 debug console, and ends with isa-debug-exit 0x10 (status
; 0x21).  Used by test_cli (-cpu max and -cpu max,-popcnt).
;
; Build: nasm -f bin -o x86-cpuid.bin cpuid.asm

bits 16
org 0

%include "rom.inc"

DEBUGCON equ 0xe9
EXITPORT equ 0xf4

start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7000
        mov word [6 * 4], ud_handler   ; IVT[6] = f000:ud_handler
        mov word [6 * 4 + 2], 0xf000
        mov eax, 1
        cpuid
        mov si, msg_popcnt
        test ecx, 1 << 23
        jnz .has
        mov si, msg_no_popcnt
.has:   call puts
        mov eax, 0xff
        popcnt ebx, eax
        cmp ebx, 8
        jne done
        mov si, msg_ran
        call puts
        jmp done

ud_handler:
        mov si, msg_ud
        call puts
done:
        mov al, 0x10
        out EXITPORT, al
        hlt

puts:   mov al, [cs:si]
        test al, al
        jz .end
        out DEBUGCON, al
        inc si
        jmp puts
.end:   ret

msg_popcnt:    db "popcnt", 10, 0
msg_no_popcnt: db "no popcnt", 10, 0
msg_ran:       db "popcnt ran", 10, 0
msg_ud:        db "#UD", 10, 0

        RESET_VECTOR
