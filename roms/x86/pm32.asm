; roms/x86/pm32.asm: a self-checking tour of 32-bit protected mode.
;
; What a differential test at CPL3 cannot show: the system side of 32-bit
; protected mode, each check against the Intel SDM (Vol. 3A unless said
; otherwise; section numbers of the 2023/2024 editions, where the debug
; chapter is 18 -- it was 17 before):
;
;   1. segments: segment-register loads and their #GP/#NP/#SS rules, limit
;      checks (expand-up and expand-down), type checks (read-only data,
;      execute-only code);
;   2. privilege: IRET to CPL3, privileged instructions at CPL3, IOPL and the
;      TSS I/O permission bitmap, INT n through gates of DPL < CPL and not
;      present, the CPL3 -> CPL0 stack switch to SS0:ESP0 and its frame,
;      IRET back, ARPL/LAR/LSL/VERR/VERW;
;   3. paging (32-bit, non-PAE): 4 MiB (CR4.PSE) and 4 KiB pages, accessed
;      and dirty bits, #PF error codes and CR2, CR0.WP, U/S, INVLPG, CR3;
;   4. debug: DR0 instruction breakpoint (fault, RF), DR1 data write
;      breakpoint (trap), TF single-step, at CPL0 and at CPL3.
;
; No call gates, task gates or hardware task switches.
;
; Mechanism: every exception vector has a stub that pushes the vector (and
; a 0 where the CPU pushes no error code) and jumps to one handler.  A
; check that expects an exception first stores the expected vector, error
; code, faulting EIP and CS (and CR2 for #PF) and where to resume; the
; handler compares them with the frame and resumes there.  An exception
; nobody expected, or a mismatch, prints a "FAIL step N: ..." line with
; what was expected and what came, and ends the run with status (N<<1)|1
; through isa-debug-exit at 0xf4; a plain check that fails jumps to `fail`
; (a UD2 the handler recognises), from CPL0 or CPL3 alike.  All passed:
; 0x10 to port 0xf4, status 0x21.  One line per section on the 0xe9 debug
; console (the privilege line is printed from CPL3, through the one port
; the I/O bitmap allows).
;
; Skips, for backends that cannot run a part: the byte at SKIP (0x4f0,
; zero unless the test writes it with -device loader,addr=0x4f0,data=N,
; data-len=1).  Bit 0 (NOIRET): the backend cannot execute IRET in 32-bit
; protected mode at CPL0.  That is kvm-pvm: it runs guest CPL0 code in
; KVM's instruction emulator, whose em_iret handles real mode only ("iret
; from protected mode unimplemented yet"; KVM reports an emulation
; failure, squib an internal-error exit at the IRETD).  In that mode every
; IRET is replaced by POPFD+RETF (to CPL0) or POPFD+SYSEXIT (to CPL3), see
; iret_frame, and what only IRET can show is skipped: the data segment
; registers nulled by an IRET to CPL3 (step 51) and resuming an
; instruction breakpoint with RF (steps 110-112, 120-121: the #DB is still
; checked, execution resumes past the instruction).  The privilege and
; debug lines then say "(no IRET)".
; Bit 1 (BASEDSTK): the backend delivers exceptions correctly only on a
; stack whose SS base is 0.  kvm-pvm pushes the frame of an exception
; taken at CPL0 with SS = SMALL (base 0x20000, ESP 0xf00) at linear
; 0xef0, as if the base were 0 (measured: the EIP of the faulting
; instruction is at linear 0xef4, nothing at 0x20ef4; the handler, run by
; the emulator, then reads its frame through SS and finds zeros).  In that
; mode steps 18, 20, 21 and 27 (faults with SS = SMALL or EXPDOWN) are
; skipped and the segments line says "(none on a based stack)".
; Bit 2 (DESC): the backend cannot run LAR, LSL, VERR and VERW.  At CPL0
; KVM's instruction emulator has no entry for them (0f 02, 0f 03, 0f 00
; /4 /5): kvm-pvm stops with an emulation failure at the first LAR (step
; 36).  At CPL3 kvm-pvm delivers #UD for LAR (step 72; the others were not
; tried one by one), and for ARPL (step 49) too.  Steps 36-50 and 72-87
; are then skipped and the privilege line leaves out "LAR/LSL/VERR/VERW,
; ARPL".
; Bit 4 (NOPG32): the backend has no 32-bit paging.  On kvm-pvm the MOV
; to CR0 that sets PG (with CR4.PSE, PAE clear, EFER.LME clear) takes
; #GP(0).  Section 3 is then skipped and its line says so; section 4 runs
; with paging off.
; Bit 5 (DATABP): data breakpoints do not fire.  On kvm-pvm the write of
; step 114 at CPL0 (in KVM's instruction emulator, which checks only
; instruction breakpoints) completes without a #DB, and so does the write
; of step 122 at CPL3 (the DR0 instruction breakpoint at CPL3 does fire).
; Steps 113-115 and 122-123 are then skipped and the debug line leaves out
; "DR1 write".
; Bit 3 (USERINT): INT n and INT3 at CPL3 do not work.  On kvm-pvm each of
; INT 0x40 (DPL0 gate), INT3 (DPL0 gate), INT 0x42 (not-present gate) and
; INT 0x41 (a present DPL3 interrupt gate) delivers #UD (vector 6, EIP =
; the INT) instead of #GP(n*8+2), #GP(0x1a), #NP(0x212) or the call through
; the gate.  Steps 68-71 are then skipped (the CPL3 -> CPL0 stack switch is
; still checked on the #GP of step 52) and the privilege line says
; "(no INT n from CPL3)".
;
; Build: nasm -f bin -o x86-pm32.bin pm32.asm

bits 16
org 0

%include "rom.inc"

ROMBASE  equ 0xf0000            ; where CS = 0xf000 puts this image
DEBUGCON equ 0xe9
EXITPORT equ 0xf4

SKIP     equ 0x4f0              ; skip flags, written by the test (see above)
NOIRET   equ 1                  ; SKIP bit: no protected-mode IRET (kvm-pvm)
USERINT  equ 8                  ; SKIP bit: no INT n/INT3 from CPL3 (kvm-pvm)
DATABP   equ 32                 ; SKIP bit: no data breakpoints (kvm-pvm)
NOPG32   equ 16                 ; SKIP bit: no 32-bit (non-PAE) paging (kvm-pvm)
DESC     equ 4                  ; SKIP bit: no LAR/LSL/VERR/VERW/ARPL (kvm-pvm)
BASEDSTK equ 2                  ; SKIP bit: no exception on a stack with SS.base != 0 (kvm-pvm)
GDT      equ 0x1000             ; in RAM: the CPU sets accessed/busy bits there
IDT      equ 0x2000             ; 256 32-bit gates
TSS      equ 0x3000             ; 32-bit TSS, I/O bitmap at TSS + 0x68
IOMAP    equ TSS + 0x68
TSS_LIM  equ 0x68 + 0x2000      ; the bitmap for all 64 Ki ports, and the 0xff byte
PD       equ 0x10000            ; page directory
PT0      equ 0x11000            ; page table for [0, 4 MiB): identity, user RW
PT3      equ 0x12000            ; page table for [12 MiB, 16 MiB): the test pages
PD2      equ 0x13000            ; a second page directory (CR3 switch)
SEGDATA  equ 0x20000            ; base of the small test segments
USTACK   equ 0x9c000            ; CPL3 stack
STACK0   equ 0x9e000            ; ESP0 in the TSS
KSTACK   equ 0x9f000            ; the CPL0 stack

; variables (dwords)
cur_step   equ 0x500
exp_vec    equ 0x504            ; -1: nothing expected (the handler sets it on a match)
exp_err    equ 0x508
exp_eip    equ 0x50c
exp_resume equ 0x510
exp_cs     equ 0x514
exp_cr2    equ 0x518
efl_set    equ 0x51c            ; bits the handler sets in the frame's EFLAGS
efl_clr    equ 0x520            ; bits it clears
got_vec    equ 0x524
got_err    equ 0x528
got_eip    equ 0x52c
got_cs     equ 0x530
got_efl    equ 0x534
got_cr2    equ 0x538
got_dr6    equ 0x53c
nfaults    equ 0x540            ; expected exceptions taken
user_esp   equ 0x544
user_efl   equ 0x548
saved_esp  equ 0x54c
saved_cr0  equ 0x550
got_errat  equ 0x554
got_esp    equ 0x558
got_ss     equ 0x55c
dbvar      equ 0x560            ; the data breakpoint's dword (and its neighbour)

; selectors (GDT below)
K_CODE   equ 0x08
K_DATA   equ 0x10
U_CODE   equ 0x18
U_DATA   equ 0x20
TSS_SEL  equ 0x28
NP_DATA  equ 0x30               ; data, not present
SMALL    equ 0x38               ; data, base SEGDATA, limit 0xfff
RO_DATA  equ 0x40               ; data, read-only, flat
XO_CODE  equ 0x48               ; code, execute-only, flat
EXPDOWN  equ 0x50               ; data, expand-down, base SEGDATA, limit 0xfff, B=1
CONF     equ 0x58               ; code, conforming, readable, DPL0
U_RODATA equ 0x60               ; data, read-only, DPL3
GDT_SIZE equ 0x68               ; first selector beyond the limit

EFL_TF   equ 0x100
EFL_IF   equ 0x200
EFL_RF   equ 0x10000

%macro PUTS 1                   ; CPL0 or CPL3 (port 0xe9 is in the bitmap)
        mov esi, %1 + ROMBASE
        call puts_flat
%endmacro

; PUTS_IF bit, string / PUTS_UNLESS bit, string: by a SKIP bit (DS flat)
%macro PUTS_IF 2
        test byte [SKIP], %1
        jz %%no
        PUTS %2
%%no:
%endmacro
%macro PUTS_UNLESS 2
        test byte [SKIP], %1
        jnz %%no
        PUTS %2
%%no:
%endmacro

; The bookkeeping goes through ES, which the tests keep flat (K_DATA at
; CPL0, U_DATA|3 at CPL3), so that DS and SS can be anything.
%macro STEP 1
        mov dword [es:cur_step], %1
%endmacro

; EXPECT step, vector, error code, faulting EIP, resume EIP
%macro EXPECT 5
        mov dword [es:cur_step], %1
        mov dword [es:exp_vec], %2
        mov dword [es:exp_err], %3
        mov dword [es:exp_eip], %4
        mov dword [es:exp_resume], %5
        mov [es:exp_cs], cs
%endmacro

%macro TAKEN 0                  ; the expected exception came
        cmp dword [es:exp_vec], -1
        jne fail
%endmacro

; FAULT step, vector, error code, instruction: the instruction must fault
; with exactly that vector and error code, EIP = the instruction, CS = the
; current CS; execution resumes after it.
%macro FAULT 4+
        EXPECT %1, %2, %3, %%i + ROMBASE, %%a + ROMBASE
%%i:    %4
%%a:    TAKEN
%endmacro

; PF step, error code, CR2, instruction
%macro PF 4+
        mov dword [es:exp_cr2], %3
        FAULT %1, 14, %2, %4
%endmacro

; ZF step, expected ZF (0/1), instruction: ZF is preset to the opposite.
%macro ZF 3+
        STEP %1
%if %2
        or esp, esp                 ; ZF = 0
        %3
        jnz fail
%else
        cmp esp, esp                ; ZF = 1
        %3
        jz fail
%endif
%endmacro

start:
        REALMODE_GDT
        ENTER_PROT32 K_CODE, prot32

bits 32
prot32:
        mov ax, K_DATA
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, KSTACK
        mov dword [cur_step], 1
        mov dword [exp_vec], -1
        mov dword [nfaults], 0
        mov dword [efl_set], 0
        mov dword [efl_clr], 0

        ; IDT: 256 interrupt gates (DPL0) to the stubs
        mov edi, IDT
        mov eax, stubs + ROMBASE
        xor ecx, ecx
.gate:  mov edx, eax
        mov word [edi], dx
        mov word [edi + 2], K_CODE
        shr edx, 16
        mov word [edi + 4], 0x8e00
        mov word [edi + 6], dx
        add edi, 8
        add eax, STUB_SIZE
        inc ecx
        cmp ecx, 256
        jne .gate
        ; 0x41: DPL3 (the user's system call); 0x42: DPL3, not present;
        ; 0x40 stays DPL0
        mov eax, int41_handler + ROMBASE
        mov edi, IDT + 0x41 * 8
        mov bx, 0xee00
        call set_gate
        mov eax, stubs + ROMBASE + 0x42 * STUB_SIZE
        mov edi, IDT + 0x42 * 8
        mov bx, 0x6e00
        call set_gate
        lidt [idt_ptr + ROMBASE]
        mov ecx, 0x174                  ; IA32_SYSENTER_CS (for no-IRET mode)
        mov eax, K_CODE
        xor edx, edx
        wrmsr

        PUTS msg_prot

; ---------------------------------------------------------------------------
; 1. Segments (CPL0).  SDM Vol. 3A §3.4.2-3.4.5 (selectors, descriptors,
;    §3.4.5.1 types), §5.3 (limit checking, expand-down), §5.4 (type
;    checking), §5.6/§5.7 (privilege checks loading DS and SS), §6.13 (the
;    selector error code), §6.15 (#NP, #SS, #GP); Vol. 2 MOV (to Sreg)
;    "Protected Mode Exceptions".
; ---------------------------------------------------------------------------
segments:
        ; a selector beyond the GDT limit: #GP(selector), RPL dropped
        mov bx, GDT_SIZE | 3
        FAULT 2, 13, GDT_SIZE, mov ds, bx
        ; the fault frame of a fault-class exception has RF = 1 (§18.3.1.1)
        STEP 3
        test dword [es:got_efl], EFL_RF
        jz fail
        ; a not-present data segment: #NP(selector)
        mov bx, NP_DATA
        FAULT 4, 11, NP_DATA, mov ds, bx
        ; a system descriptor (the TSS) into DS: #GP(selector)
        mov bx, TSS_SEL
        FAULT 5, 13, TSS_SEL, mov ds, bx
        ; an execute-only code segment into DS: #GP(selector)
        mov bx, XO_CODE
        FAULT 6, 13, XO_CODE, mov ds, bx
        ; SS: RPL != CPL, DPL != CPL, read-only, null -> #GP; not present -> #SS(sel)
        mov bx, K_DATA | 3
        FAULT 7, 13, K_DATA, mov ss, bx
        mov bx, U_DATA
        FAULT 8, 13, U_DATA, mov ss, bx
        mov bx, RO_DATA
        FAULT 9, 13, RO_DATA, mov ss, bx
        xor bx, bx
        FAULT 10, 13, 0, mov ss, bx
        mov bx, NP_DATA
        FAULT 11, 12, NP_DATA, mov ss, bx
        ; a null selector into DS is allowed (with any RPL); using it is #GP(0)
        STEP 12
        mov bx, 3
        mov ds, bx
        FAULT 13, 13, 0, mov eax, [0x500]
        FAULT 14, 13, 0, mov [0x500], eax
        mov bx, K_DATA
        mov ds, bx

        ; limits: SMALL = [SEGDATA, SEGDATA + 0xfff]
        mov dword [SEGDATA + 0xffc], 0x5e600001
        mov dword [SEGDATA + 0x1000], 0x5e600002
        mov dword [SEGDATA - 4], 0x5e600003
        mov bx, SMALL
        mov ds, bx
        STEP 15
        mov eax, [0xffc]                ; the last dword inside
        cmp eax, 0x5e600001
        jne fail
        mov al, [0xfff]
        FAULT 16, 13, 0, mov eax, [0xffe]   ; straddles the limit: #GP(0)
        FAULT 17, 13, 0, mov [0x1000], al
        ; SS-relative: [EBP] is an SS access -> #SS(0); the frame goes onto
        ; the small stack (same privilege, no stack switch)
        mov [es:saved_esp], esp
        mov bx, SMALL
        mov ss, bx
        mov esp, 0xf00
        test byte [es:SKIP], BASEDSTK
        jnz .based1
        mov ebp, 0x1000
        FAULT 18, 12, 0, mov eax, [ebp]
.based1:
        STEP 19
        mov ebp, 0xffc
        mov eax, [ebp]
        cmp eax, 0x5e600001
        jne fail
        test byte [es:SKIP], BASEDSTK
        jnz .based2
        FAULT 20, 12, 0, mov eax, [ebp + 2]
        ; a DS override on the EBP access is a DS access: #GP(0)
        FAULT 21, 13, 0, mov eax, [ds:ebp + 4]
.based2:
        mov bx, K_DATA
        mov ss, bx
        mov esp, [es:saved_esp]

        ; expand-down (§3.4.5.1, §5.3): valid offsets are limit+1 .. 0xffffffff (B=1)
        mov bx, EXPDOWN
        mov ds, bx
        STEP 22
        mov eax, [0x1000]
        cmp eax, 0x5e600002
        jne fail
        mov eax, [0xfffffffc]           ; linear SEGDATA - 4 (wraps)
        cmp eax, 0x5e600003
        jne fail
        FAULT 23, 13, 0, mov eax, [0x800]
        FAULT 24, 13, 0, mov eax, [0xffe]   ; reaches into the limit
        FAULT 25, 13, 0, mov byte [0], 1
        mov [es:saved_esp], esp
        mov bx, EXPDOWN
        mov ss, bx
        mov esp, 0x2000
        STEP 26
        push dword 0x5e600004           ; at offset 0x1ffc
        cmp dword [es:SEGDATA + 0x1ffc], 0x5e600004
        jne fail
        pop eax
        test byte [es:SKIP], BASEDSTK
        jnz .based3
        mov ebp, 0xfff
        FAULT 27, 12, 0, mov al, [ebp]
.based3:
        mov bx, K_DATA
        mov ss, bx
        mov esp, [es:saved_esp]

        ; a read-only data segment: reads work, writes are #GP(0) (§5.4)
        mov bx, RO_DATA
        mov ds, bx
        STEP 28
        cmp dword [SEGDATA + 0xffc], 0x5e600001
        jne fail
        FAULT 29, 13, 0, mov dword [0x500], 0
        FAULT 30, 13, 0, inc byte [SEGDATA]
        ; a readable code segment in DS: readable, never writable
        mov bx, K_CODE
        mov ds, bx
        STEP 31
        cmp dword [gdt_template + ROMBASE + 8], 0x0000ffff
        jne fail
        FAULT 32, 13, 0, mov [SEGDATA], eax
        mov bx, K_DATA
        mov ds, bx
        ; an execute-only code segment: a CS-override read is #GP(0)
        jmp XO_CODE:(xo_code + ROMBASE)
xo_code:
        FAULT 33, 13, 0, mov eax, [cs:gdt_template + ROMBASE]
        jmp K_CODE:(xo_back + ROMBASE)
xo_back:
        ; ES/FS/GS take the same rules: FS with a not-present segment
        mov bx, NP_DATA
        FAULT 34, 11, NP_DATA, mov fs, bx
        mov bx, K_DATA
        mov ds, bx
        PUTS msg_seg
        PUTS_IF BASEDSTK, msg_seg_based
        PUTS msg_nl

; ---------------------------------------------------------------------------
; 2. Privilege.  SDM Vol. 3A §5.5-5.9 (privilege levels, privileged
;    instructions §5.9), §5.10 (ARPL §5.10.4, LAR/LSL §5.10.3, VERR/VERW
;    §5.10.4 "checking read/write rights"), §6.12.1 (handler stack switch
;    from CPL3 to SS0:ESP0, the frame), §6.12.1.1 (gate DPL < CPL: #GP with
;    error code vector*8+2), §6.13 (error code IDT bit), §7.2.1/§7.2.2 (the
;    32-bit TSS and its descriptor, LTR busy bit); Vol. 1 §19.5.1 (IOPL)
;    and §19.5.2 (I/O permission bitmap); Vol. 2 IRET (to outer privilege:
;    data segment registers with DPL < CPL are nulled).
; ---------------------------------------------------------------------------
privilege:
        ; TSS: SS0:ESP0, the I/O bitmap: every port denied except 0xe9
        mov edi, TSS
        xor eax, eax
        mov ecx, 0x68 / 4
        rep stosd
        mov dword [TSS + 4], STACK0
        mov dword [TSS + 8], K_DATA
        mov word [TSS + 0x66], 0x68
        mov edi, IOMAP
        mov eax, -1
        mov ecx, 0x2000 / 4
        rep stosd
        mov byte [IOMAP + 0x2000], 0xff
        and byte [IOMAP + (DEBUGCON >> 3)], 0xff & ~(1 << (DEBUGCON & 7))
        mov ax, TSS_SEL
        ltr ax
        STEP 35
        cmp byte [GDT + TSS_SEL + 5], 0x8b  ; LTR marked it busy (§7.2.2)
        jne fail

        ; LAR/LSL/VERR/VERW at CPL0
        test byte [SKIP], DESC
        jnz .desc0_done
        mov ebx, TSS_SEL
        ZF 36, 1, lar eax, bx
        and eax, 0x00f0ff00
        cmp eax, 0x00008b00
        jne fail
        ZF 37, 1, lsl eax, bx
        cmp eax, TSS_LIM
        jne fail
        mov ebx, SMALL
        ZF 38, 1, lsl eax, bx
        cmp eax, 0xfff
        jne fail
        mov ebx, K_DATA
        ZF 39, 1, lar eax, bx
        and eax, 0x00f0ff00
        cmp eax, 0x00c09300
        jne fail
        mov eax, 0x12345678
        mov ebx, GDT_SIZE
        ZF 40, 0, lar eax, bx           ; beyond the limit: ZF = 0, EAX unchanged
        cmp eax, 0x12345678
        jne fail
        xor ebx, ebx
        ZF 41, 0, lsl eax, bx           ; null
        cmp eax, 0x12345678
        jne fail
        mov ebx, XO_CODE
        ZF 42, 0, verr bx
        mov ebx, RO_DATA
        ZF 43, 0, verw bx
        ZF 44, 1, verr bx
        mov ebx, K_DATA
        ZF 45, 1, verw bx
        mov ebx, K_CODE
        ZF 46, 0, verw bx
        ZF 47, 1, verr bx
        mov ebx, TSS_SEL
        ZF 48, 0, verr bx               ; a system segment
.desc0_done:

        ; IRET to CPL3 (32-bit frame with SS:ESP), IOPL 0, IF 0
        mov eax, cr0
        mov [saved_cr0], eax
        mov ebx, user_priv + ROMBASE
        jmp to_user

user_priv:                                  ; CPL3; DS, ES, FS, GS were K_DATA
        mov bx, fs                          ; IRET nulled the DPL0 ones
        mov cx, cs
        mov dx, ss
        mov ax, U_DATA | 3
        mov ds, ax
        mov es, ax
        STEP 51
        test byte [SKIP], NOIRET        ; (SYSEXIT leaves them)
        jnz .noiret
        test bx, bx
        jnz fail
.noiret:
        cmp cx, U_CODE | 3
        jne fail
        cmp dx, U_DATA | 3
        jne fail
        cmp esp, USTACK
        jne fail
        ; privileged instructions at CPL3: #GP(0) (§5.9); CLI/IN/OUT with IOPL 0
        FAULT 52, 13, 0, hlt
        ; the exception from CPL3 switched to SS0:ESP0 and pushed SS, ESP,
        ; EFLAGS, CS, EIP and the error code there (§6.12.1)
        cmp dword [got_errat], STACK0 - 24
        jne fail
        cmp word [got_ss], U_DATA | 3
        jne fail
        cmp dword [got_esp], USTACK
        jne fail
        STEP 53
        test dword [es:got_efl], EFL_RF     ; a fault from CPL3 pushes RF = 1 too
        jz fail
        FAULT 54, 13, 0, cli
        FAULT 55, 13, 0, sti
        mov eax, [saved_cr0]
        FAULT 56, 13, 0, mov cr0, eax
        FAULT 57, 13, 0, mov eax, cr3
        FAULT 58, 13, 0, lgdt [gdt_ptr + ROMBASE]
        FAULT 59, 13, 0, lidt [idt_ptr + ROMBASE]
        mov ax, TSS_SEL
        FAULT 60, 13, 0, ltr ax
        FAULT 61, 13, 0, mov dr7, eax
        ; a DPL0 data segment into DS at CPL3: #GP(selector) (§5.6)
        mov bx, K_DATA | 3
        FAULT 62, 13, K_DATA, mov ds, bx
        ; the I/O bitmap: 0xe9 allowed (IN reads the debugcon signature),
        ; 0xf4 and 0xe8 denied, and a word at 0xe9 needs 0xea too
        STEP 63
        xor eax, eax
        in al, DEBUGCON
        cmp eax, 0xe9
        jne fail
        FAULT 64, 13, 0, in al, EXITPORT
        mov al, 0x7f
        FAULT 65, 13, 0, out EXITPORT, al
        mov dx, DEBUGCON - 1
        FAULT 66, 13, 0, in al, dx
        mov dx, DEBUGCON
        FAULT 67, 13, 0, out dx, ax
        ; INT n through a gate with DPL < CPL: #GP(n*8+2); INT3 likewise;
        ; a not-present gate: #NP(n*8+2)
        test byte [SKIP], USERINT
        jnz no_user_int
        FAULT 68, 13, 0x40 * 8 + 2, int 0x40
        FAULT 69, 13, 3 * 8 + 2, int3
        FAULT 70, 11, 0x42 * 8 + 2, int 0x42
        ; INT 0x41 through a DPL3 gate: stack switch to SS0:ESP0, the frame
        ; (checked by int41_handler), IRET back to CPL3
        STEP 71
        mov eax, 0x41
        pushfd
        pop dword [user_efl]
        mov [user_esp], esp
        int 0x41
int41_ret:
        cmp eax, 0x41410041
        jne fail
        mov bx, cs
        cmp bx, U_CODE | 3
        jne fail
        cmp esp, [user_esp]
        jne fail
no_user_int:
        ; LAR/LSL/VERR/VERW at CPL3: DPL < CPL is invisible except for
        ; conforming code
        test byte [SKIP], DESC
        jnz desc3_done
        mov ebx, U_CODE | 3
        ZF 72, 1, lar eax, bx
        and eax, 0x00f0ff00
        cmp eax, 0x00c0fb00
        jne fail
        mov ebx, U_DATA | 3
        ZF 73, 1, lsl eax, bx
        cmp eax, 0xffffffff
        jne fail
        mov eax, 0x12345678
        mov ebx, K_DATA | 3
        ZF 74, 0, lar eax, bx
        cmp eax, 0x12345678
        jne fail
        mov ebx, SMALL | 3
        ZF 75, 0, lsl eax, bx
        mov ebx, TSS_SEL | 3
        ZF 76, 0, lar eax, bx
        mov ebx, CONF | 3
        ZF 77, 1, lar eax, bx
        and eax, 0x00f0ff00
        cmp eax, 0x00c09f00
        jne fail
        ZF 78, 1, verr bx               ; conforming readable code: readable anywhere
        ZF 79, 0, verw bx
        mov ebx, U_CODE | 3
        ZF 80, 1, verr bx
        ZF 81, 0, verw bx
        mov ebx, U_DATA | 3
        ZF 82, 1, verw bx
        mov ebx, U_RODATA | 3
        ZF 83, 1, verr bx
        ZF 84, 0, verw bx
        mov ebx, K_DATA | 3
        ZF 85, 0, verr bx
        mov ebx, XO_CODE | 3
        ZF 86, 0, verr bx
        xor ebx, ebx
        ZF 87, 0, verr bx
        ; ARPL (§5.10.4): raises the destination's RPL to the source's
        mov eax, K_DATA
        mov ebx, U_CODE | 3
        ZF 49, 1, arpl ax, bx
        cmp eax, K_DATA | 3
        jne fail
        mov ebx, K_CODE | 1
        ZF 50, 0, arpl ax, bx
        cmp eax, K_DATA | 3
        jne fail
desc3_done:

        ; OUT to 0xe9 from CPL3: the bitmap allows it
        PUTS msg_priv1
        PUTS_IF NOIRET, msg_noiret
        PUTS msg_priv2
        PUTS_UNLESS USERINT, msg_priv_int
        PUTS_UNLESS DESC, msg_priv3
        PUTS_UNLESS DESC, msg_priv4
        PUTS_IF USERINT, msg_priv_noint
        PUTS msg_nl
        mov ebx, paging + ROMBASE
        jmp back_to_kernel

; ---------------------------------------------------------------------------
; 3. Paging, 32-bit (CR4.PAE = 0).  SDM Vol. 3A §4.3 (32-bit paging, PDE
;    with PS = 1 for 4 MiB pages when CR4.PSE = 1, Tables 4-4..4-6), §4.6
;    (access rights: U/S, R/W, CR0.WP), §4.7 (page-fault error code, CR2),
;    §4.8 (accessed and dirty flags), §4.10.4.1 (INVLPG, MOV to CR3).
; ---------------------------------------------------------------------------
paging:
        test byte [SKIP], NOPG32
        jz .run
        PUTS msg_paging_skip
        jmp debug
.run:
        ; PT0: [0, 4 MiB) identity, 4 KiB pages, P RW US
        mov edi, PD
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov edi, PT3
        mov ecx, 1024
        rep stosd
        mov edi, PT0
        mov eax, 7
        mov ecx, 1024
.pt0:   stosd
        add eax, 0x1000
        loop .pt0
        mov dword [PD + 0 * 4], PT0 + 7
        mov dword [PD + 1 * 4], 0x400000 + 0x83   ; 4 MiB page 4M -> 4M, P RW, supervisor
        mov dword [PD + 2 * 4], 0x400000 + 0x83   ; 4 MiB page 8M -> 4M (alias)
        mov dword [PD + 3 * 4], PT3 + 7           ; 12M..16M: PT3, P RW US
        mov dword [PT3 + 0 * 4], 0x500000 + 7     ; 0xc00000: user RW
        mov dword [PT3 + 1 * 4], 0x501000 + 5     ; 0xc01000: user read-only
        ;             PT3[2] = 0                  ; 0xc02000: not present
        mov dword [PT3 + 3 * 4], 0x503000 + 3     ; 0xc03000: supervisor RW
        mov dword [PT3 + 4 * 4], 0x504000 + 7     ; 0xc04000: INVLPG test
        ; PD2 = PD with 8M -> 8M
        mov esi, PD
        mov edi, PD2
        mov ecx, 1024
        rep movsd
        mov dword [PD2 + 2 * 4], 0x800000 + 0x83
        ; test data, physical
        mov dword [0x504000], 0xa0504000
        mov dword [0x505000], 0xa0505000
        mov dword [0x801000], 0xa0801000
        mov dword [0x500000], 0
        mov dword [0x501008], 0

        mov eax, cr4
        or eax, 0x10                    ; PSE
        mov cr4, eax
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000              ; PG, WP
        mov cr0, eax
        jmp .on
.on:
        ; a 4 MiB page: write through the alias at 8M, read at 4M (§4.3);
        ; the written-through PDE gets A and D, the read-through one A only (§4.8)
        STEP 90
        test dword [PD + 2 * 4], 0x60
        jnz fail
        mov dword [0x801000], 0xb0401000
        cmp dword [0x401000], 0xb0401000
        jne fail
        mov eax, [PD + 2 * 4]
        and eax, 0x60
        cmp eax, 0x60
        jne fail
        mov eax, [PD + 1 * 4]
        and eax, 0x60
        cmp eax, 0x20
        jne fail
        ; a 4 KiB page: 0xc00000 -> 0x500000 (= 4M page offset 0x100000)
        STEP 91
        mov dword [0xc00000], 0xb0500000
        cmp dword [0x500000], 0xb0500000
        jne fail
        mov eax, [PT3 + 0 * 4]
        and eax, 0x60
        cmp eax, 0x60
        jne fail
        test dword [PD + 3 * 4], 0x20   ; the PDE that maps a page table: A
        jz fail
        STEP 92
        mov eax, [0xc01000]             ; read-only page, read: A, no D
        mov eax, [PT3 + 1 * 4]
        and eax, 0x60
        cmp eax, 0x20
        jne fail
        ; not present: error code P=0, W/R, U/S=0; CR2 = the address (§4.7)
        PF 93, 0, 0xc02010, mov eax, [0xc02010]
        PF 94, 2, 0xc02ffe, mov word [0xc02ffe], 1
        PF 95, 2, 0x1000004, mov dword [0x1000004], 1  ; PDE not present
        ; a dword straddling into the not-present page: CR2 is the first
        ; byte of that page
        PF 96, 0, 0xc02000, mov eax, [0xc01ffe]
        ; CR0.WP = 1: a supervisor write to a read-only page faults (P W)
        PF 97, 3, 0xc01008, mov dword [0xc01008], 0xb0501008
        STEP 98
        test dword [PT3 + 1 * 4], 0x40  ; and set no D bit
        jnz fail
        ; CR0.WP = 0: it is allowed (§4.6), and sets D
        mov eax, cr0
        and eax, ~0x10000
        mov cr0, eax
        mov dword [0xc01008], 0xb0501008
        cmp dword [0x501008], 0xb0501008
        jne fail
        test dword [PT3 + 1 * 4], 0x40
        jz fail
        or eax, 0x10000
        mov cr0, eax
        ; INVLPG after changing a PTE (§4.10.4.1)
        STEP 99
        cmp dword [0xc04000], 0xa0504000
        jne fail
        mov dword [PT3 + 4 * 4], 0x505000 + 7
        invlpg [0xc04000]
        cmp dword [0xc04000], 0xa0505000
        jne fail
        mov dword [PT3 + 4 * 4], 0
        invlpg [0xc04abc]               ; any address in the page
        PF 100, 0, 0xc04000, mov eax, [0xc04000]
        ; MOV to CR3: a new directory, then a reload after changing a PDE
        STEP 101
        cmp dword [0x801000], 0xb0401000
        jne fail
        mov eax, PD2
        mov cr3, eax
        cmp dword [0x801000], 0xa0801000
        jne fail
        mov dword [PD2 + 2 * 4], 0x400000 + 0x83
        mov cr3, eax
        cmp dword [0x801000], 0xb0401000
        jne fail
        mov eax, PD
        mov cr3, eax
        ; the user side
        mov ebx, user_paging + ROMBASE
        jmp to_user

user_paging:
        mov ax, U_DATA | 3
        mov ds, ax
        mov es, ax
        STEP 102
        cmp dword [0xc00000], 0xb0500000    ; a user page
        jne fail
        ; user accesses: error code U/S = 1
        PF 103, 5, 0xc03000, mov eax, [0xc03000]    ; supervisor page
        PF 104, 7, 0xc03004, mov dword [0xc03004], 1
        PF 105, 5, 0x400010, mov eax, [0x400010]    ; supervisor 4 MiB page
        PF 106, 7, 0xc01000, mov byte [0xc01000], 1 ; read-only user page
        PF 107, 4, 0xc02000, mov eax, [0xc02000]    ; not present
        PF 108, 6, 0xc02004, mov dword [0xc02004], 1
        mov ebx, paging_done + ROMBASE
        jmp back_to_kernel
paging_done:
        PUTS msg_paging

; ---------------------------------------------------------------------------
; 4. Debug registers.  SDM Vol. 3A §18.2.1-18.2.4 (DR0-DR3, DR6, DR7),
;    §18.3.1.1 (instruction breakpoint: a fault, RF = 0 in the frame, the
;    handler sets RF to resume; RF then clears after the instruction),
;    §18.3.1.2 (data breakpoint: a trap after the access), §18.3.1.4
;    (single-step: TF set by POPF traps after the next instruction, DR6.BS).
; ---------------------------------------------------------------------------
debug:
        ; DR0 instruction breakpoint, twice through the same instruction:
        ; the RF the handler sets covers one execution only.  (No-IRET mode:
        ; POPFD cannot set RF, so the handler resumes past the instruction,
        ; once; the fault itself is checked the same way.)
        xor eax, eax
        mov dr6, eax
        mov eax, bp0 + ROMBASE
        mov dr0, eax
        mov eax, 0x1                    ; L0, R/W0 = 00 (execute), LEN0 = 00
        mov dr7, eax
        mov dword [nfaults], 0
        xor ebx, ebx
        mov ecx, 2
        mov esi, bp0 + ROMBASE          ; where to resume
        mov edi, EFL_RF                 ; and with what
        test byte [SKIP], NOIRET
        jz dbg_again
        mov ecx, 1
        mov esi, bp0_after + ROMBASE
        xor edi, edi
dbg_again:
        EXPECT 110, 1, 0, bp0 + ROMBASE, esi
        mov [efl_set], edi
bp0:    add ebx, 1
bp0_after:
        TAKEN
        STEP 111
        test dword [got_efl], EFL_RF    ; not set in the frame for an instruction bp
        jnz fail
        mov eax, [got_dr6]
        and eax, 0xe00f
        cmp eax, 1                      ; B0
        jne fail
        dec ecx
        jnz dbg_again
        STEP 112
        test byte [SKIP], NOIRET
        jnz .n
        cmp ebx, 2                      ; the instruction ran once each time
        jne fail
        cmp dword [nfaults], 2
        jne fail
        jmp .d
.n:     test ebx, ebx                   ; no-IRET: skipped, once
        jnz fail
        cmp dword [nfaults], 1
        jne fail
.d:
        xor eax, eax
        mov dr7, eax
        mov dr6, eax

        ; DR1 data write breakpoint on dbvar (4 bytes): reads and a write of
        ; the next dword do not trigger; a write traps after the instruction
        test byte [SKIP], DATABP
        jnz no_databp0
        mov eax, dbvar
        mov dr1, eax
        mov eax, 0x4 | (1 << 20) | (3 << 22)    ; L1, R/W1 = 01 (write), LEN1 = 11
        mov dr7, eax
        STEP 113
        mov eax, [dbvar]
        mov dword [dbvar + 4], 1
        EXPECT 114, 1, 0, wp1_after + ROMBASE, wp1_after + ROMBASE
        mov dword [dbvar], 0xdb1
wp1_after:
        TAKEN
        STEP 115
        cmp dword [dbvar], 0xdb1
        jne fail
        test dword [got_efl], EFL_RF    ; a trap: RF as it was (0)
        jnz fail
        mov eax, [got_dr6]
        and eax, 0xe00f
        cmp eax, 2                      ; B1
        jne fail
        xor eax, eax
        mov dr7, eax
        mov dr6, eax

no_databp0:
        ; TF single-step: set by POPFD, traps after the next instruction
        EXPECT 116, 1, 0, ss_after + ROMBASE, ss_after + ROMBASE
        mov dword [efl_clr], EFL_TF
        pushfd
        or dword [esp], EFL_TF
        popfd
        mov ebx, 0x55
ss_after:
        TAKEN
        STEP 117
        cmp ebx, 0x55
        jne fail
        test dword [got_efl], EFL_TF
        jz fail
        mov eax, [got_dr6]
        and eax, 0xe00f
        cmp eax, 0x4000                 ; BS
        jne fail
        pushfd
        test dword [esp], EFL_TF        ; the handler cleared it
        pop eax
        jnz fail

        ; the same three at CPL3 (the debug registers are set at CPL0; L0/L1
        ; work at every CPL)
        xor eax, eax
        mov dr6, eax
        mov eax, ubp0 + ROMBASE
        mov dr0, eax
        mov eax, dbvar + 8
        mov dr1, eax
        mov eax, 0x1 | 0x4 | (1 << 20) | (3 << 22)
        mov dr7, eax
        mov ebx, user_debug + ROMBASE
        jmp to_user

user_debug:
        mov ax, U_DATA | 3
        mov ds, ax
        mov es, ax
        mov esi, ubp0 + ROMBASE
        mov edi, EFL_RF
        test byte [SKIP], NOIRET
        jz .go
        mov esi, ubp0_after + ROMBASE
        xor edi, edi
.go:    xor ebx, ebx
        EXPECT 120, 1, 0, ubp0 + ROMBASE, esi
        mov [efl_set], edi
ubp0:   mov ebx, 0x77
ubp0_after:
        TAKEN
        STEP 121
        test dword [got_efl], EFL_RF
        jnz fail
        mov eax, [got_dr6]
        and eax, 0xe00f
        cmp eax, 1
        jne fail
        test byte [SKIP], NOIRET
        jnz .w
        cmp ebx, 0x77                   ; resumed with RF: it ran
        jne fail
.w:     test byte [SKIP], DATABP
        jnz no_databp3
        EXPECT 122, 1, 0, uwp1_after + ROMBASE, uwp1_after + ROMBASE
        mov eax, [dbvar + 8]
        mov dword [dbvar + 8], 0xdb2
uwp1_after:
        TAKEN
        STEP 123
        cmp dword [dbvar + 8], 0xdb2
        jne fail
        test dword [got_dr6], 2         ; B1 (B0 may or may not have been cleared)
        jz fail
no_databp3:
        EXPECT 124, 1, 0, uss_after + ROMBASE, uss_after + ROMBASE
        mov dword [efl_clr], EFL_TF
        pushfd
        or dword [esp], EFL_TF
        popfd
        mov ebx, 0x56
uss_after:
        TAKEN
        STEP 125
        cmp ebx, 0x56
        jne fail
        test dword [got_dr6], 0x4000
        jz fail
        mov ebx, debug_done + ROMBASE
        jmp back_to_kernel
debug_done:
        xor eax, eax
        mov dr7, eax
        PUTS msg_debug1
        PUTS_IF NOIRET, msg_debug_norf
        PUTS_UNLESS DATABP, msg_debug_dbp
        PUTS msg_debug2
        PUTS msg_nl
        mov al, 0x10                    ; all passed
        out EXITPORT, al
        hlt
        jmp $

; ---------------------------------------------------------------------------
; helpers
; ---------------------------------------------------------------------------

; to_user: EBX = a CPL3 entry point; IRET with a 32-bit outer frame (SS:ESP)
; onto USTACK, EFLAGS IOPL 0, IF 0
to_user:
        push dword U_DATA | 3
        push dword USTACK
        push dword 0x2
        push dword U_CODE | 3
        push ebx
        jmp iret_frame

; back_to_kernel: from CPL3, to CPL0 at EBX on KSTACK, through the #UD
; handler (an exception from CPL3 works on every backend; INT n from CPL3
; does not on kvm-pvm, see SKIP)
back_to_kernel:
        ud2

; INT 0x41 (DPL3 interrupt gate) from user_priv: check the stack switch
; and the frame, return EAX = 0x41410041
int41_handler:
        cmp esp, STACK0 - 20
        jne fail
        mov bx, ss
        cmp bx, K_DATA
        jne fail
        mov bx, cs
        cmp bx, K_CODE
        jne fail
        cmp dword [esp], int41_ret + ROMBASE
        jne fail
        cmp word [esp + 4], U_CODE | 3
        jne fail
        mov ebx, [esp + 8]
        cmp ebx, [es:user_efl]
        jne fail
        mov ebx, [esp + 12]
        cmp ebx, [es:user_esp]
        jne fail
        cmp word [esp + 16], U_DATA | 3
        jne fail
        pushfd                          ; an interrupt gate cleared IF and TF
        test dword [esp], EFL_IF | EFL_TF
        pop ebx
        jnz fail
        cmp eax, 0x41
        jne fail
        mov eax, 0x41410041
        jmp iret_frame

; set_gate: EAX = handler, EDI = gate, BX = attributes (bits 15:0 of the
; high dword)
set_gate:
        mov [edi], ax
        mov word [edi + 2], K_CODE
        shr eax, 16
        mov [edi + 4], bx
        mov [edi + 6], ax
        ret

; puts_flat: ESI = a flat address of a NUL-terminated string
        PUTS_FLAT puts_flat

; A check that failed: `jne fail` etc.  UD2; the handler knows this EIP.
fail:
        ud2

; The exception stubs: 256 of STUB_SIZE bytes, one per vector.  Where the
; CPU pushes an error code (8, 10-14, 17, 21) the stub pushes only the
; vector, elsewhere a 0 first.
STUB_SIZE equ 15
stubs:
%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21
        times 5 nop
%else
        push strict dword 0
%endif
        push strict dword v
        jmp near exc_common
%assign v v + 1
%endrep
        times -(($ - stubs) != 256 * STUB_SIZE) db 0       ; STUB_SIZE is right

; The handler.  Frame after the pushes below (offsets from ESP):
F_VEC equ 40
F_ERR equ 44
F_EIP equ 48
F_CS  equ 52
F_EFL equ 56
F_ESP equ 60
F_SS  equ 64
exc_common:
        push ds
        push es
        pushad                          ; EAX at +28 ... EDI at +0
        mov ax, K_DATA
        mov ds, ax
        mov es, ax
        mov eax, [esp + F_VEC]
        mov [got_vec], eax
        mov eax, [esp + F_ERR]
        mov [got_err], eax
        mov eax, [esp + F_EIP]
        mov [got_eip], eax
        movzx eax, word [esp + F_CS]
        mov [got_cs], eax
        mov eax, [esp + F_EFL]
        mov [got_efl], eax
        mov eax, cr2
        mov [got_cr2], eax
        cmp dword [got_vec], 1
        jne .nodr6
        mov eax, dr6
        mov [got_dr6], eax
.nodr6:
        lea eax, [esp + F_ERR]          ; where the CPU put the error code
        mov [got_errat], eax
        mov eax, [esp + F_ESP]          ; (from CPL3: the outer stack)
        mov [got_esp], eax
        mov eax, [esp + F_SS]
        mov [got_ss], eax
        cmp dword [got_vec], 6
        jne .notfail
        cmp dword [got_eip], back_to_kernel + ROMBASE
        jne .not_back
        test byte [got_cs], 3
        jz .not_back
        mov ebx, [esp + 16]
        mov esp, KSTACK
        jmp ebx
.not_back:
        cmp dword [got_eip], fail + ROMBASE
        je report_check
.notfail:
        mov eax, [got_vec]
        cmp eax, [exp_vec]
        jne report_exc
        mov eax, [got_err]
        cmp eax, [exp_err]
        jne report_exc
        mov eax, [got_eip]
        cmp eax, [exp_eip]
        jne report_exc
        mov eax, [got_cs]
        cmp eax, [exp_cs]
        jne report_exc
        cmp dword [got_vec], 14
        jne .ok
        mov eax, [got_cr2]
        cmp eax, [exp_cr2]
        jne report_exc
.ok:    mov dword [exp_vec], -1
        inc dword [nfaults]
        mov eax, [exp_resume]
        mov [esp + F_EIP], eax
        mov eax, [esp + F_EFL]
        or eax, [efl_set]
        mov ecx, [efl_clr]
        not ecx
        and eax, ecx
        mov [esp + F_EFL], eax
        mov dword [efl_set], 0
        mov dword [efl_clr], 0
        popad
        pop es
        pop ds
        add esp, 8
        jmp iret_frame

; iret_frame: [ESP] = an IRET frame (EIP, CS, EFLAGS, and ESP, SS when
; going to CPL3).  IRETD, or in no-IRET mode (SKIP bit NOIRET, for
; kvm-pvm, whose instruction emulator runs our CPL0 code and has no
; protected-mode IRET) the same effect without it: to CPL0 POPFD and RETF
; (RF cannot be set that way), to CPL3 POPFD and SYSEXIT (CS/SS from
; SYSENTER_CS = K_CODE give U_CODE|3 and U_DATA|3; ECX and EDX are lost).
; SKIP is read through CS: SS may be anything here, DS the interrupted one.
iret_frame:
        test byte [cs:SKIP], NOIRET
        jnz .emulate
        iretd
.emulate:
        test byte [esp + 4], 3
        jnz .outer
        push eax                        ; EIP CS EFLAGS -> EFLAGS EIP CS
        mov eax, [esp + 12]
        xchg eax, [esp + 4]
        xchg eax, [esp + 8]
        mov [esp + 12], eax
        pop eax
        popfd
        retf
.outer:
        mov edx, [esp]
        mov ecx, [esp + 12]
        push dword [esp + 8]
        popfd
        sysexit

; report_check: "FAIL step N: check failed, eax=... ebx=... ecx=... edx=..."
report_check:
        PUTS msg_fail
        call put_step
        PUTS msg_check
        mov eax, [esp + 28]
        call put_hex
        PUTS msg_ebx
        mov eax, [esp + 16]
        call put_hex
        PUTS msg_ecx
        mov eax, [esp + 24]
        call put_hex
        PUTS msg_edx
        mov eax, [esp + 20]
        call put_hex
        jmp report_end

; report_exc: "FAIL step N: vector V error E at CS:EIP cr2 C eflags F;
; expected vector V error E at CS:EIP (cr2 C)"
report_exc:
        PUTS msg_fail
        call put_step
        PUTS msg_vec
        mov eax, [got_vec]
        call put_hex
        PUTS msg_err
        mov eax, [got_err]
        call put_hex
        PUTS msg_at
        mov eax, [got_cs]
        call put_hex
        mov al, ':'
        out DEBUGCON, al
        mov eax, [got_eip]
        call put_hex
        PUTS msg_cr2
        mov eax, [got_cr2]
        call put_hex
        PUTS msg_efl
        mov eax, [got_efl]
        call put_hex
        PUTS msg_expected
        mov eax, [exp_vec]
        call put_hex
        PUTS msg_err
        mov eax, [exp_err]
        call put_hex
        PUTS msg_at
        mov eax, [exp_cs]
        call put_hex
        mov al, ':'
        out DEBUGCON, al
        mov eax, [exp_eip]
        call put_hex
        PUTS msg_cr2
        mov eax, [exp_cr2]
        call put_hex
report_end:
        mov al, 10
        out DEBUGCON, al
        mov al, [cur_step]
        out EXITPORT, al
        hlt
        jmp $

put_step:                               ; cur_step in decimal
        mov eax, [cur_step]
        xor edx, edx
        mov ecx, 100
        div ecx
        mov ebx, eax
        test eax, eax
        jz .tens
        add al, '0'
        out DEBUGCON, al
.tens:  mov eax, edx
        xor edx, edx
        mov ecx, 10
        div ecx
        or ebx, eax
        jz .ones
        add al, '0'
        out DEBUGCON, al
.ones:
        mov al, dl
        add al, '0'
        out DEBUGCON, al
        ret

put_hex:                                ; EAX in 8 hex digits
        mov ecx, 8
.dig:   rol eax, 4
        mov edx, eax
        and edx, 0xf
        mov dl, [hexdigits + ROMBASE + edx]
        xchg eax, edx
        out DEBUGCON, al
        xchg eax, edx
        loop .dig
        ret

hexdigits: db "0123456789abcdef"
msg_prot:   db "pm32: protected mode", 10, 0
msg_seg:    db "segments: loads, limits, expand-down, types; #GP/#NP/#SS", 0
msg_seg_based: db " (none on a based stack)", 0
msg_priv1:  db "privilege: CPL3", 0
msg_noiret: db " (no IRET)", 0
msg_priv2:  db ", IOPL, I/O bitmap, TSS stack", 0
msg_priv_int: db ", INT gates", 0
msg_priv3:  db ", LAR/LSL/VERR/VERW", 0
msg_priv4:  db ", ARPL", 0
msg_priv_noint: db " (no INT n from CPL3)", 0
msg_paging: db "paging: 4M/4K pages, A/D, #PF codes, WP, U/S, INVLPG, CR3", 10, 0
msg_paging_skip: db "paging: skipped (no 32-bit paging)", 10, 0
msg_debug1: db "debug: DR0 execute", 0
msg_debug_norf: db " (no IRET: no RF resume)", 0
msg_debug_dbp: db ", DR1 write", 0
msg_debug2: db ", TF single-step at CPL0 and CPL3", 0
msg_nl:     db 10, 0
msg_fail:   db "FAIL step ", 0
msg_check:  db ": check failed, eax=", 0
msg_ebx:    db " ebx=", 0
msg_ecx:    db " ecx=", 0
msg_edx:    db " edx=", 0
msg_vec:    db ": vector ", 0
msg_err:    db " error ", 0
msg_at:     db " at ", 0
msg_cr2:    db " cr2 ", 0
msg_efl:    db " eflags ", 0
msg_expected: db "; expected vector ", 0

align 8
gdt_template:                           ; accessed bits preset (type bit 0)
        dq 0                                        ; 0x00
        dq 0x00cf9b000000ffff                       ; 0x08 code, flat, DPL0
        dq 0x00cf93000000ffff                       ; 0x10 data, flat, DPL0
        dq 0x00cffb000000ffff                       ; 0x18 code, flat, DPL3
        dq 0x00cff3000000ffff                       ; 0x20 data, flat, DPL3
        dq 0x0000890030000000 | TSS_LIM             ; 0x28 32-bit TSS at 0x3000, available
        dq 0x00cf13000000ffff                       ; 0x30 data, not present
        dq 0x0040930200000fff                       ; 0x38 data, base 0x20000, limit 0xfff
        dq 0x00cf91000000ffff                       ; 0x40 data, read-only
        dq 0x00cf99000000ffff                       ; 0x48 code, execute-only
        dq 0x0040970200000fff                       ; 0x50 data, expand-down, base 0x20000, limit 0xfff
        dq 0x00cf9f000000ffff                       ; 0x58 code, conforming, readable, DPL0
        dq 0x00cff1000000ffff                       ; 0x60 data, read-only, DPL3
gdt_end:
        times -((gdt_end - gdt_template) != GDT_SIZE) db 0   ; GDT_SIZE is right
gdt_ptr: dw gdt_end - gdt_template - 1
         dd GDT
idt_ptr: dw 256 * 8 - 1
         dd IDT

        RESET_VECTOR
