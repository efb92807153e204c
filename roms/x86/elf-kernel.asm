; roms/x86/elf-kernel.asm: an ELF64 x86-64 executable for -kernel, written
; as a flat nasm file with its own ELF header (no linker needed).
;
; squib's documented x86 -kernel entry state: 32-bit protected mode, flat
; 4 GiB segments, paging and interrupts off, EIP = e_entry.  The program
; prints a line on the 0xe9 debug console, checks that its .bss (memsz beyond
; filesz) was zeroed by the loader, and reports through isa-debug-exit at
; 0xf4: 0x10 (status 0x21) when the check passed, 0x11 (status 0x23) if not.
;
; Build: nasm -f bin -o x86-elf-kernel.bin elf-kernel.asm

LOAD equ 0x100000
org LOAD

ehdr:
        db 0x7f, "ELF", 2, 1, 1, 0      ; ELFCLASS64, little endian, version 1
        times 8 db 0
        dw 2                            ; ET_EXEC
        dw 62                           ; EM_X86_64
        dd 1                            ; EV_CURRENT
        dq start                        ; e_entry
        dq phdr - ehdr                  ; e_phoff
        dq 0                            ; e_shoff
        dd 0                            ; e_flags
        dw 64, 56, 1                    ; e_ehsize, e_phentsize, e_phnum
        dw 64, 0, 0                     ; e_shentsize, e_shnum, e_shstrndx
phdr:
        dd 1                            ; PT_LOAD
        dd 7                            ; R W X
        dq 0                            ; p_offset
        dq LOAD, LOAD                   ; p_vaddr, p_paddr
        dq file_end - ehdr              ; p_filesz
        dq mem_end - ehdr               ; p_memsz: .bss follows the file
        dq 0x1000                       ; p_align

bits 32
start:
        mov esi, message
.next:  mov al, [esi]
        test al, al
        jz .done
        out 0xe9, al
        inc esi
        jmp .next
.done:
        mov eax, [bss_word]
        or eax, [bss_word + 4092]
        mov al, 0x10
        jz .report
        mov al, 0x11
.report:
        out 0xf4, al
        hlt

message: db "x86 ELF kernel: running in 32-bit protected mode", 10, 0
file_end:

        ; .bss: 4 KiB the loader must zero (garbage in the file would be
        ; loaded only if the loader copied past p_filesz)
bss_word equ file_end + 16
mem_end  equ file_end + 16 + 4096
