/* Differential test of the instructions that exist only outside 64-bit mode
 * (BCD, PUSHA/POPA, BOUND, LDS/LES, ARPL, INC/DEC 40-4F, PUSH/POP ES/DS,
 * SALC, INTO, the 82 group, 16-bit addressing, 16-bit operand size) against
 * the host CPU, run natively in this process in compatibility mode: 32-bit
 * code on Linux's __USER32_CS (0x23) and 16-bit code on a code segment of
 * the process's LDT (modify_ldt).  Random registers, flags and data for each
 * form, one instruction executed by the host and by the interpreter, then
 * EAX..EDI (ESP included; the upper halves of the 64-bit registers are not
 * observable in compatibility mode), the flags, DS and ES and the data
 * compared.  No KVM: kvm-pvm emulates compatibility mode in software.
 *
 * The host side.  One region below 4 GiB (MAP_32BIT) holds everything:
 *   +0x00000  a 64-bit stub, LCALL m16:32 through the far pointer at +0x40,
 *             then RET; the 64-bit side's stack below +0x0f00
 *   +0x01000  the code: a prologue (SS and ESP from the save area), the
 *             instruction, a save stub (EAX..EDI, DS, ES into the save area
 *             through SS, then SS = 0x2b, ESP = the far call's frame, RETF);
 *             the 16-bit code segment's base
 *   +0x10000  DS base, +0x14000 ES base, +0x18000 SS base (three LDT data
 *             segments, limit 0x1ffff, 16-bit or 32-bit for SS.B), so that
 *             a wrong default segment shows; the data compared is
 *             +0x10000..+0x28100, everything the generated operands reach
 *   +0x30200  the save area (SS offset 0x18200), never reached
 * compat_call (64-bit, below) loads DS, ES, EFLAGS and the registers
 * and calls the stub; EFLAGS are read back after the RETF.  A signal in the
 * native code (a fault the generator should never produce) comes back
 * through siglongjmp and is reported as a mismatch.  The host cannot run
 * the mode (no MAP_32BIT region, modify_ldt refused, a NOP that faults):
 * the test is skipped and says why.
 *
 * The interpreter side.  The harness VM (GP_PROT32 tables: 32-bit gates to
 * CPL0 handlers) gets a copy of the region mapped at the same guest-physical
 * address, paging off, so every address (linear, segment bases, pointers in
 * registers) is the host's.  The GDT gets the host's user selectors (0x23
 * 32-bit code, 0x2b data, 0x33 64-bit code, all DPL3) and an LDT with the
 * same descriptors as the host's.  CS, DS, ES and SS are the host's, at CPL3
 * (SS.DPL = 3), for every form: the privilege checks of segment loads (POP
 * DS, LDS, MOV Sreg) are exercised as the host does them.  The instruction
 * is followed by a HLT, which at CPL3 raises #GP: the run ends at the #GP
 * handler's HLT, and EIP (= the HLT: the instruction's length), ESP and
 * EFLAGS come from the exception frame.
 *
 * Flags compared: OF SF ZF AF PF CF, DF, IF, IOPL, NT, AC, ID.  The flags the
 * SDM leaves undefined are compared on AMD hosts (squib reproduces Zen 4,
 * the reference hardware) and masked on others (the undef column below),
 * as are the results the SDM leaves undefined (BSF/BSR of 0, SHLD/SHRD past
 * the operand size).
 *
 * SQUIB_X86_NATIVE_CASES sets the cases per form (default 2000),
 * SQUIB_X86_NATIVE_SEED varies the random cases, SQUIB_X86_NATIVE_ONLY runs
 * only the forms whose name contains it.
 */
#define _GNU_SOURCE
#include "tests/x86_gp_harness.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A null selector: index 0 in the GDT, whatever its RPL. */
static bool null_sel(uint16_t sel)
{
    return (sel & ~3u) == 0;
}

TestSuite(x86_native_compat, .init = gp_setup, .fini = gp_teardown);

#if defined(__x86_64__) && defined(__linux__)

#include <asm/ldt.h>
#include <sys/syscall.h>
#include <ucontext.h>

/* ---- the host side --------------------------------------------------- */

/* What compat_call loads and returns (EFLAGS only: the registers come
 * back through the save area). */
struct cstate {
    uint32_t r[8]; /* eax ecx edx ebx esp ebp esi edi: esp unused here */
    uint32_t eflags;
    uint16_t ds, es, pad[2];
    uint64_t stack; /* the 64-bit side's stack top, below 4 GiB */
    uint64_t stub;  /* the 64-bit stub that does the far call */
};
_Static_assert(offsetof(struct cstate, eflags) == 32, "asm offsets");
_Static_assert(offsetof(struct cstate, ds) == 36, "asm offsets");
_Static_assert(offsetof(struct cstate, stack) == 48, "asm offsets");
_Static_assert(offsetof(struct cstate, stub) == 56, "asm offsets");

void compat_call(struct cstate *s);
void compat_restore(void);
/* Plain asm: the sanitizers instrument none of it.  DS and ES are restored
 * after the return (the 64-bit side does not use them, but the process
 * should keep what it had); SS is 0x2b again (the save stub loads it). */
__asm__(".text\n"
        ".globl compat_call\n"
        ".type compat_call, @function\n"
        "compat_call:\n"
        "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "  mov %rsp, cc_rsp(%rip)\n"
        "  mov %rdi, cc_state(%rip)\n"
        "  mov %ds, cc_ds(%rip)\n"
        "  mov %es, cc_es(%rip)\n"
        "  mov 56(%rdi), %rax\n"
        "  mov %rax, cc_stub(%rip)\n"
        "  mov 48(%rdi), %rsp\n"
        "  mov 36(%rdi), %ds\n"
        "  mov 38(%rdi), %es\n"
        "  mov 32(%rdi), %eax\n"
        "  push %rax\n"
        "  popfq\n"
        "  mov 0(%rdi), %eax; mov 4(%rdi), %ecx; mov 8(%rdi), %edx; mov 12(%rdi), %ebx\n"
        "  mov 20(%rdi), %ebp; mov 24(%rdi), %esi; mov 28(%rdi), %edi\n"
        "  call *cc_stub(%rip)\n"
        "  pushfq\n"
        "  pop %rax\n"
        "  mov cc_state(%rip), %rdi\n"
        "  mov %eax, 32(%rdi)\n"
        "  mov cc_rsp(%rip), %rsp\n"
        "  mov cc_ds(%rip), %ds\n"
        "  mov cc_es(%rip), %es\n"
        "  cld\n"
        "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "  ret\n"
        ".size compat_call, .-compat_call\n"
        ".globl compat_restore\n"
        ".type compat_restore, @function\n"
        "compat_restore:\n"
        "  mov cc_ds(%rip), %ds\n"
        "  mov cc_es(%rip), %es\n"
        "  ret\n"
        ".size compat_restore, .-compat_restore\n"
        ".data\n"
        ".balign 8\n"
        "cc_rsp: .quad 0\n"
        "cc_state: .quad 0\n"
        "cc_stub: .quad 0\n"
        "cc_ds: .word 0\n"
        "cc_es: .word 0\n"
        ".text\n");

/* The region (offsets from its base). */
#define RG_SIZE 0x40000
#define RG_STUB 0x0000
#define RG_FARPTR 0x0040
#define RG_STACK 0x0f00          /* the 64-bit side's stack top */
#define RG_FRAME (RG_STACK - 16) /* ESP after the CALL of the stub and its LCALL */
#define RG_CODE 0x1000
#define RG_DS 0x10000
#define RG_ES 0x14000
#define RG_SS 0x18000
#define DATA_LEN 0x18100 /* from RG_DS */
#define SS_SAVE 0x18200  /* the save area, at SS:SS_SAVE */
#define RG_SAVE (RG_SS + SS_SAVE)
/* The save area: EAX..EDI at +0, DS +32, ES +34, the flat SS +36, the
 * test's ESP +40, the far call's frame +44. */

#define SEL_USER32_CS 0x23
#define SEL_USER_DS 0x2b
#define SEL_USER_CS 0x33

/* The LDT: the 16-bit code segment, then DS/ES/SS for 16-bit code
 * (B = 0) and for 32-bit code (B = 1). */
static const struct {
    uint32_t off, limit;
    bool code, db;
} ldt_ents[] = {
    {RG_CODE, 0xffff, true, false}, {RG_DS, 0x1ffff, false, false},
    {RG_ES, 0x1ffff, false, false}, {RG_SS, 0x1ffff, false, false},
    {RG_DS, 0x1ffff, false, true},  {RG_ES, 0x1ffff, false, true},
    {RG_SS, 0x1ffff, false, true},
};
#define N_LDT (sizeof ldt_ents / sizeof ldt_ents[0])
#define LDT_SEL(k) ((uint16_t)((k) << 3 | 7))

struct cmode {
    bool m16;
    uint16_t cs, ds, es, ss;
    const char *name;
};
static const struct cmode mode32 = {false, SEL_USER32_CS, LDT_SEL(4), LDT_SEL(5), LDT_SEL(6),
                                    "32-bit"};
static const struct cmode mode16 = {true, LDT_SEL(0), LDT_SEL(1), LDT_SEL(2), LDT_SEL(3),
                                    "16-bit"};

static uint8_t *rg;     /* the host region */
static uint8_t *mirror; /* the interpreter's copy, at the same guest-physical address */
static uint32_t rgbase;

static sigjmp_buf cc_jmp;
static volatile sig_atomic_t cc_sig;
static volatile uint64_t cc_sig_ip, cc_sig_addr, cc_sig_trap, cc_sig_err;

static void cc_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    cc_sig = sig;
    cc_sig_ip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    cc_sig_trap = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    cc_sig_err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    cc_sig_addr = (uint64_t)(uintptr_t)si->si_addr;
    siglongjmp(cc_jmp, 1);
}

static const int cc_signals[] = {SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP};
#define N_SIGNALS (sizeof cc_signals / sizeof cc_signals[0])
static struct sigaction cc_old[N_SIGNALS];
static stack_t cc_oldstack;
static void *cc_altstack;

static void catch_signals(void)
{
    cc_altstack = malloc(1 << 16);
    cr_assert(cc_altstack);
    stack_t ss = {.ss_sp = cc_altstack, .ss_size = 1 << 16};
    cr_assert_eq(sigaltstack(&ss, &cc_oldstack), 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = cc_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < N_SIGNALS; k++)
        cr_assert_eq(sigaction(cc_signals[k], &sa, &cc_old[k]), 0);
}

static void release_signals(void)
{
    for (size_t k = 0; k < N_SIGNALS; k++)
        sigaction(cc_signals[k], &cc_old[k], NULL);
    sigaltstack(&cc_oldstack, NULL);
    free(cc_altstack);
}

/* Runs the code at RG_CODE natively; 0, or the signal that ended it. */
static int run_native(struct cstate *s)
{
    cc_sig = 0;
    if (sigsetjmp(cc_jmp, 1) == 0)
        compat_call(s);
    else
        compat_restore();
    return cc_sig;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* The prologue, in the mode's code: MOV SS, [the save area + 38] (SS is
 * still flat: the far call pushes its frame the target mode's way, through
 * SS, so the 64-bit side keeps SS = 0x2b), then MOV ESP, SS:[SS_SAVE + 40]. */
static unsigned emit_prologue(uint8_t *p, bool m16)
{
    unsigned n = 0;
    if (m16)
        p[n++] = 0x67;
    p[n++] = 0x36;
    p[n++] = 0x8E;
    p[n++] = 0x15;
    put32(p + n, rgbase + RG_SAVE + 38);
    n += 4;
    if (m16) {
        p[n++] = 0x66;
        p[n++] = 0x67;
    }
    p[n++] = 0x36;
    p[n++] = 0x8B;
    p[n++] = 0x25;
    put32(p + n, SS_SAVE + 40);
    return n + 4;
}

/* The save stub: EAX..EDI, DS, ES into the save area through SS; SS = 0x2b,
 * ESP = the frame of the far call; RETF (32-bit). */
static unsigned emit_save(uint8_t *p, bool m16)
{
    unsigned n = 0;
    for (unsigned r = 0; r < 8; r++) {
        if (m16) {
            p[n++] = 0x66;
            p[n++] = 0x67;
        }
        p[n++] = 0x36;
        p[n++] = 0x89;
        p[n++] = (uint8_t)(0x05 | r << 3);
        put32(p + n, SS_SAVE + 4 * r);
        n += 4;
    }
    static const uint8_t sreg_ops[3][2] = {{0x8C, 0x1D}, {0x8C, 0x05}, {0x8E, 0x15}};
    for (unsigned k = 0; k < 3; k++) { /* DS, ES out; SS in */
        if (m16)
            p[n++] = 0x67;
        p[n++] = 0x36;
        p[n++] = sreg_ops[k][0];
        p[n++] = sreg_ops[k][1];
        put32(p + n, SS_SAVE + 32 + 2 * k);
        n += 4;
    }
    if (m16) {
        p[n++] = 0x66;
        p[n++] = 0x67;
    }
    p[n++] = 0x36; /* now flat */
    p[n++] = 0x8B;
    p[n++] = 0x25;
    put32(p + n, rgbase + RG_SAVE + 44);
    n += 4;
    if (m16)
        p[n++] = 0x66;
    p[n++] = 0xCB;
    return n;
}

static int install_ldt(char *why, size_t len)
{
    for (unsigned k = 0; k < N_LDT; k++) {
        struct user_desc d;
        memset(&d, 0, sizeof d);
        d.entry_number = k;
        d.base_addr = rgbase + ldt_ents[k].off;
        d.limit = ldt_ents[k].limit;
        d.seg_32bit = ldt_ents[k].db;
        d.contents = ldt_ents[k].code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA;
        if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) {
            snprintf(why, len, "modify_ldt refused LDT entry %u: %s", k, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* ---- the interpreter side -------------------------------------------- */

#define GP_LDT 0x36000

/* A present segment descriptor (the code and data types used here have the
 * accessed bit set, as Linux sets it in the LDT). */
static uint64_t desc(uint32_t base, uint32_t limit, unsigned type, bool s, unsigned dpl, bool db,
                     bool l, bool g)
{
    uint32_t lim = g ? limit >> 12 : limit;
    return (lim & 0xffffULL) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)type << 40 |
           (uint64_t)s << 44 | (uint64_t)dpl << 45 | 1ULL << 47 |
           (uint64_t)(lim >> 16 & 0xf) << 48 | (uint64_t)l << 53 | (uint64_t)db << 54 |
           (uint64_t)g << 55 | (uint64_t)(base >> 24) << 56;
}

static struct squib_x86_sregs sreg_template;

/* The segment register a selector loads, as the host's tables describe it
 * (base, limit, type); false for a null selector or one not in the tables. */
static bool seg_of(uint16_t sel, struct squib_x86_segment *sg)
{
    memset(sg, 0, sizeof *sg);
    sg->selector = sel;
    sg->present = sg->s = 1;
    sg->dpl = 3;
    if (sel & 4) {
        unsigned k = sel >> 3;
        if (k >= N_LDT)
            return false;
        sg->base = rgbase + ldt_ents[k].off;
        sg->limit = ldt_ents[k].limit;
        sg->type = ldt_ents[k].code ? 0xB : 0x3;
        sg->db = ldt_ents[k].db;
        return true;
    }
    switch (sel >> 3) {
    case SEL_USER32_CS >> 3: sg->type = 0xB, sg->db = 1; break;
    case SEL_USER_DS >> 3: sg->type = 0x3, sg->db = 1; break;
    case SEL_USER_CS >> 3: sg->type = 0xB, sg->l = 1; break;
    default: return false;
    }
    sg->limit = 0xffffffff;
    sg->g = 1;
    return true;
}

static void interp_setup(void)
{
    gp_mode(GP_PROT32); /* the exception tables: 32-bit gates, CPL0 handlers */
    gp_put64(GP_GDT + (SEL_USER32_CS & ~7), desc(0, 0xffffffff, 0xB, 1, 3, 1, 0, 1));
    gp_put64(GP_GDT + (SEL_USER_DS & ~7), desc(0, 0xffffffff, 0x3, 1, 3, 1, 0, 1));
    gp_put64(GP_GDT + (SEL_USER_CS & ~7), desc(0, 0xffffffff, 0xB, 1, 3, 0, 1, 1));
    gp_put64(GP_GDT + 0x38, desc(GP_LDT, N_LDT * 8 - 1, 0x2, 0, 0, 0, 0, 0));
    for (unsigned k = 0; k < N_LDT; k++)
        gp_put64(GP_LDT + 8 * k, desc(rgbase + ldt_ents[k].off, ldt_ents[k].limit,
                                      ldt_ents[k].code ? 0xB : 0x3, 1, 3, ldt_ents[k].db, 0, 0));
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &sreg_template,
                                     sizeof sreg_template), 0);
    sreg_template.gdt.limit = 0x3f;
    sreg_template.ldt = (struct squib_x86_segment){
        .base = GP_LDT, .limit = N_LDT * 8 - 1, .selector = 0x38, .type = 2, .present = 1};
    cr_assert_eq(squib_vm_map_ram(vm, rgbase, RG_SIZE, mirror, 0), 0, "%s", squib_errmsg());
}

/* ---- cases ----------------------------------------------------------- */

static uint64_t seed;
static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static uint32_t interesting32(void)
{
    uint64_t v = rnd();
    switch (rnd() % 10) {
    case 0: return v & 0xff;
    case 1: return (uint32_t)(int32_t)(int8_t)v;
    case 2: return (v & 1) ? 0x80000000u : 0x7fffffffu;
    case 3: return (uint32_t)(v & 0xffff0000u) | ((v & 1) ? 0x8000u : 0x7fffu);
    case 4: return v & 0xffff;
    case 5: return (uint32_t)(int32_t)(int16_t)v;
    case 6: return v & 0x3f;
    default: return (uint32_t)v;
    }
}

/* Form flags. */
enum {
    C_BYTE = 1 << 0,     /* no 66 */
    C_MEM = 1 << 1,      /* the ModRM may be memory */
    C_REG = 1 << 2,      /* the ModRM may be a register */
    C_A16 = 1 << 3,      /* memory with 16-bit addressing, the 24 forms in turn */
    C_DIV = 1 << 4,      /* DIV/IDIV: no #DE */
    C_BOUND = 1 << 5,    /* bounds around the index */
    C_FARPTR = 1 << 6,   /* LDS/LES: a far pointer with a valid selector */
    C_SELSRC = 1 << 7,   /* MOV Sreg,Ew: ES or DS from a valid selector */
    C_POPSEL = 1 << 8,   /* a valid selector on the stack */
    C_POPF = 1 << 9,     /* harmless flags on the stack */
    C_STR = 1 << 10,     /* string instruction (op is the word form) */
    C_STRCMP = 1 << 11,  /* REPNE too */
    C_LOOP = 1 << 12,    /* LOOPcc/JCXZ to the next instruction */
    C_CALL = 1 << 13,    /* CALL to the next instruction */
    C_XLAT = 1 << 14,    /* XLAT */
    C_OF0 = 1 << 15,     /* OF clear (INTO) */
    C_BCD = 1 << 16,     /* AL biased towards BCD */
    C_SREGDST = 1 << 17, /* MOV Ew,Sreg: ES CS SS DS */
    C_ENTER = 1 << 18,   /* ENTER Iw,Ib */
    C_OP32 = 1 << 19,    /* 32-bit operand size only */
    C_IMMNZ = 1 << 20,   /* AAM: the immediate not 0 (#DE); 10 half of the time */
    C_IMM10 = 1 << 21,   /* AAD: 10 half of the time */
    C_UNDEFRES = 1 << 22, /* some results undefined (compared on AMD only) */
};

#define OSZAPC 0x8d5u
#define SZAP 0xd4u
#define IZ 0xFF /* Iz: 2 bytes with a 16-bit operand size, else 4 */

struct cform {
    const char *name;
    uint8_t op[3];
    uint8_t op_len;
    int8_t digit; /* ModRM.reg fixed; -1 any; -2 register in the opcode; -3 no ModRM */
    uint8_t imm;
    uint32_t fl;
    uint32_t undef; /* flags the SDM leaves undefined (compared on AMD only) */
};

#define MR (C_MEM | C_REG)
static const struct cform forms[] = {
    /* only outside 64-bit mode */
    {"DAA", {0x27}, 1, -3, 0, C_BYTE | C_BCD, 0x800},
    {"DAS", {0x2F}, 1, -3, 0, C_BYTE | C_BCD, 0x800},
    {"AAA", {0x37}, 1, -3, 0, C_BYTE | C_BCD, 0x8c4},
    {"AAS", {0x3F}, 1, -3, 0, C_BYTE | C_BCD, 0x8c4},
    {"AAM Ib", {0xD4}, 1, -3, 1, C_BYTE | C_BCD | C_IMMNZ, 0x811},
    {"AAD Ib", {0xD5}, 1, -3, 1, C_BYTE | C_BCD | C_IMM10, 0x811},
    {"SALC", {0xD6}, 1, -3, 0, C_BYTE, 0},
    {"INTO (OF=0)", {0xCE}, 1, -3, 0, C_BYTE | C_OF0, 0},
    {"INC r", {0x40}, 1, -2, 0, 0, 0},
    {"DEC r", {0x48}, 1, -2, 0, 0, 0},
    {"PUSHA", {0x60}, 1, -3, 0, 0, 0},
    {"POPA", {0x61}, 1, -3, 0, 0, 0},
    {"BOUND Gv,Ma", {0x62}, 1, -1, 0, C_MEM | C_BOUND, 0},
    {"ARPL Ew,Gw", {0x63}, 1, -1, 0, MR, 0},
    {"LES Gv,Mp", {0xC4}, 1, -1, 0, C_MEM | C_FARPTR, 0},
    {"LDS Gv,Mp", {0xC5}, 1, -1, 0, C_MEM | C_FARPTR, 0},
    {"PUSH ES", {0x06}, 1, -3, 0, 0, 0},
    {"POP ES", {0x07}, 1, -3, 0, C_POPSEL, 0},
    {"PUSH DS", {0x1E}, 1, -3, 0, 0, 0},
    {"POP DS", {0x1F}, 1, -3, 0, C_POPSEL, 0},
    {"82 /0 ADD Eb,Ib", {0x82}, 1, 0, 1, C_BYTE | MR, 0},
    {"82 /1 OR Eb,Ib", {0x82}, 1, 1, 1, C_BYTE | MR, 0},
    {"82 /2 ADC Eb,Ib", {0x82}, 1, 2, 1, C_BYTE | MR, 0},
    {"82 /3 SBB Eb,Ib", {0x82}, 1, 3, 1, C_BYTE | MR, 0},
    {"82 /4 AND Eb,Ib", {0x82}, 1, 4, 1, C_BYTE | MR, 0},
    {"82 /5 SUB Eb,Ib", {0x82}, 1, 5, 1, C_BYTE | MR, 0},
    {"82 /6 XOR Eb,Ib", {0x82}, 1, 6, 1, C_BYTE | MR, 0},
    {"82 /7 CMP Eb,Ib", {0x82}, 1, 7, 1, C_BYTE | MR, 0},
    /* segment registers, flags */
    {"MOV Sreg,Ew", {0x8E}, 1, -1, 0, MR | C_SELSRC, 0},
    {"MOV Ew,Sreg", {0x8C}, 1, -1, 0, MR | C_SREGDST, 0},
    {"LAHF", {0x9F}, 1, -3, 0, C_BYTE, 0},
    {"SAHF", {0x9E}, 1, -3, 0, C_BYTE, 0},
    {"PUSHF", {0x9C}, 1, -3, 0, 0, 0},
    {"POPF", {0x9D}, 1, -3, 0, C_POPF, 0},
    /* 16-bit addressing: the 8 bases x disp0/8/16, in turn */
    {"ADD Ev,Gv a16", {0x01}, 1, -1, 0, C_MEM | C_A16, 0},
    {"ADD Gv,Ev a16", {0x03}, 1, -1, 0, C_MEM | C_A16, 0},
    {"ADD Eb,Gb a16", {0x00}, 1, -1, 0, C_BYTE | C_MEM | C_A16, 0},
    {"MOV Ev,Gv a16", {0x89}, 1, -1, 0, C_MEM | C_A16, 0},
    {"MOV Gv,Ev a16", {0x8B}, 1, -1, 0, C_MEM | C_A16, 0},
    {"MOV Eb,Gb a16", {0x88}, 1, -1, 0, C_BYTE | C_MEM | C_A16, 0},
    {"LEA Gv,M a16", {0x8D}, 1, -1, 0, C_MEM | C_A16, 0},
    {"CMP Ev,Gv a16", {0x39}, 1, -1, 0, C_MEM | C_A16, 0},
    {"CMP Gv,Ev a16", {0x3B}, 1, -1, 0, C_MEM | C_A16, 0},
    {"XLAT", {0xD7}, 1, -3, 0, C_BYTE | C_XLAT, 0},
    /* strings: byte or word/dword, REP or not, DF both ways, 16-bit
     * addressing mostly (with wraparound), 32-bit sometimes */
    {"MOVS", {0xA5}, 1, -3, 0, C_STR, 0},
    {"CMPS", {0xA7}, 1, -3, 0, C_STR | C_STRCMP, 0},
    {"STOS", {0xAB}, 1, -3, 0, C_STR, 0},
    {"LODS", {0xAD}, 1, -3, 0, C_STR, 0},
    {"SCAS", {0xAF}, 1, -3, 0, C_STR | C_STRCMP, 0},
    /* branches to the next instruction: eCX, the pushed eIP */
    {"LOOP", {0xE2}, 1, -3, 1, C_BYTE | C_LOOP, 0},
    {"LOOPE", {0xE1}, 1, -3, 1, C_BYTE | C_LOOP, 0},
    {"LOOPNE", {0xE0}, 1, -3, 1, C_BYTE | C_LOOP, 0},
    {"JeCXZ", {0xE3}, 1, -3, 1, C_BYTE | C_LOOP, 0},
    {"CALL rel", {0xE8}, 1, -3, IZ, C_CALL, 0},
    /* the general forms, 16-bit operand size half of the time */
    {"ADD Ev,Gv", {0x01}, 1, -1, 0, MR, 0},
    {"OR Ev,Gv", {0x09}, 1, -1, 0, MR, 0},
    {"ADC Ev,Gv", {0x11}, 1, -1, 0, MR, 0},
    {"SBB Ev,Gv", {0x19}, 1, -1, 0, MR, 0},
    {"AND Ev,Gv", {0x21}, 1, -1, 0, MR, 0},
    {"SUB Ev,Gv", {0x29}, 1, -1, 0, MR, 0},
    {"XOR Ev,Gv", {0x31}, 1, -1, 0, MR, 0},
    {"CMP Ev,Gv", {0x39}, 1, -1, 0, MR, 0},
    {"ADC Gv,Ev", {0x13}, 1, -1, 0, MR, 0},
    {"SUB Gv,Ev", {0x2B}, 1, -1, 0, MR, 0},
    {"ADD Ev,Ib", {0x83}, 1, 0, 1, MR, 0},
    {"OR Ev,Ib", {0x83}, 1, 1, 1, MR, 0},
    {"ADC Ev,Ib", {0x83}, 1, 2, 1, MR, 0},
    {"SBB Ev,Ib", {0x83}, 1, 3, 1, MR, 0},
    {"AND Ev,Ib", {0x83}, 1, 4, 1, MR, 0},
    {"SUB Ev,Ib", {0x83}, 1, 5, 1, MR, 0},
    {"XOR Ev,Ib", {0x83}, 1, 6, 1, MR, 0},
    {"CMP Ev,Ib", {0x83}, 1, 7, 1, MR, 0},
    {"ADD Ev,Iz", {0x81}, 1, 0, IZ, MR, 0},
    {"SBB Ev,Iz", {0x81}, 1, 3, IZ, MR, 0},
    {"CMP Ev,Iz", {0x81}, 1, 7, IZ, MR, 0},
    {"ADD eAX,Iz", {0x05}, 1, -3, IZ, 0, 0},
    {"SUB eAX,Iz", {0x2D}, 1, -3, IZ, 0, 0},
    {"TEST eAX,Iz", {0xA9}, 1, -3, IZ, 0, 0},
    {"TEST Ev,Gv", {0x85}, 1, -1, 0, MR, 0},
    {"TEST Ev,Iz", {0xF7}, 1, 0, IZ, MR, 0},
    {"INC Ev", {0xFF}, 1, 0, 0, MR, 0},
    {"DEC Ev", {0xFF}, 1, 1, 0, MR, 0},
    {"NOT Ev", {0xF7}, 1, 2, 0, MR, 0},
    {"NEG Ev", {0xF7}, 1, 3, 0, MR, 0},
    {"ROL Ev,1", {0xD1}, 1, 0, 0, MR, 0},
    {"ROR Ev,CL", {0xD3}, 1, 1, 0, MR, 0x800},
    {"RCL Ev,CL", {0xD3}, 1, 2, 0, MR, 0x800},
    {"RCR Ev,Ib", {0xC1}, 1, 3, 1, MR, 0x800},
    {"SHL Ev,CL", {0xD3}, 1, 4, 0, MR, 0x810},
    {"SHR Ev,Ib", {0xC1}, 1, 5, 1, MR, 0x810},
    {"SAL Ev,1", {0xD1}, 1, 6, 0, MR, 0x10},
    {"SAR Ev,CL", {0xD3}, 1, 7, 0, MR, 0x810},
    {"SHLD Ev,Gv,Ib", {0x0F, 0xA4}, 2, -1, 1, MR | C_UNDEFRES, OSZAPC},
    {"SHRD Ev,Gv,CL", {0x0F, 0xAD}, 2, -1, 0, MR | C_UNDEFRES, OSZAPC},
    {"MUL Ev", {0xF7}, 1, 4, 0, MR, SZAP},
    {"IMUL Ev", {0xF7}, 1, 5, 0, MR, SZAP},
    {"IMUL Gv,Ev", {0x0F, 0xAF}, 2, -1, 0, MR, SZAP},
    {"IMUL Gv,Ev,Ib", {0x6B}, 1, -1, 1, MR, SZAP},
    {"IMUL Gv,Ev,Iz", {0x69}, 1, -1, IZ, MR, SZAP},
    {"DIV Ev", {0xF7}, 1, 6, 0, C_MEM | C_DIV, OSZAPC},
    {"IDIV Ev", {0xF7}, 1, 7, 0, C_MEM | C_DIV, OSZAPC},
    {"DIV Eb", {0xF6}, 1, 6, 0, C_BYTE | C_MEM | C_DIV, OSZAPC},
    {"IDIV Eb", {0xF6}, 1, 7, 0, C_BYTE | C_MEM | C_DIV, OSZAPC},
    {"BT Ev,Gv", {0x0F, 0xA3}, 2, -1, 0, C_REG, 0x894},
    {"BTS Ev,Gv", {0x0F, 0xAB}, 2, -1, 0, C_REG, 0x894},
    {"BTR Ev,Ib", {0x0F, 0xBA}, 2, 6, 1, MR, 0x894},
    {"BTC Ev,Ib", {0x0F, 0xBA}, 2, 7, 1, MR, 0x894},
    {"BSF Gv,Ev", {0x0F, 0xBC}, 2, -1, 0, MR | C_UNDEFRES, 0x895},
    {"BSR Gv,Ev", {0x0F, 0xBD}, 2, -1, 0, MR | C_UNDEFRES, 0x895},
    {"MOVZX Gv,Eb", {0x0F, 0xB6}, 2, -1, 0, MR, 0},
    {"MOVZX Gv,Ew", {0x0F, 0xB7}, 2, -1, 0, MR, 0},
    {"MOVSX Gv,Eb", {0x0F, 0xBE}, 2, -1, 0, MR, 0},
    {"MOVSX Gv,Ew", {0x0F, 0xBF}, 2, -1, 0, MR, 0},
    {"MOV Ev,Gv", {0x89}, 1, -1, 0, MR, 0},
    {"MOV Ev,Iz", {0xC7}, 1, 0, IZ, MR, 0},
    {"MOV r,Iz", {0xB8}, 1, -2, IZ, 0, 0},
    {"LEA Gv,M", {0x8D}, 1, -1, 0, C_MEM, 0},
    {"XCHG Ev,Gv", {0x87}, 1, -1, 0, MR, 0},
    {"XCHG eAX,r", {0x90}, 1, -2, 0, 0, 0},
    {"CMOVBE Gv,Ev", {0x0F, 0x46}, 2, -1, 0, MR, 0},
    {"CMOVGE Gv,Ev", {0x0F, 0x4D}, 2, -1, 0, MR, 0},
    {"SETLE Eb", {0x0F, 0x9E}, 2, -1, 0, C_BYTE | MR, 0},
    {"XADD Ev,Gv", {0x0F, 0xC1}, 2, -1, 0, MR, 0},
    {"CMPXCHG Ev,Gv", {0x0F, 0xB1}, 2, -1, 0, MR, 0},
    {"BSWAP r32", {0x0F, 0xC8}, 2, -2, 0, C_OP32, 0},
    {"CBW/CWDE", {0x98}, 1, -3, 0, 0, 0},
    {"CWD/CDQ", {0x99}, 1, -3, 0, 0, 0},
    {"PUSH r", {0x50}, 1, -2, 0, 0, 0},
    {"POP r", {0x58}, 1, -2, 0, 0, 0},
    {"PUSH Iz", {0x68}, 1, -3, IZ, 0, 0},
    {"PUSH Ib", {0x6A}, 1, -3, 1, 0, 0},
    {"PUSH Ev", {0xFF}, 1, 6, 0, MR, 0},
    {"POP Ev", {0x8F}, 1, 0, 0, MR, 0},
    {"LEAVE", {0xC9}, 1, -3, 0, 0, 0},
    {"ENTER Iw,Ib", {0xC8}, 1, -3, 0, C_ENTER, 0},
};

enum { S_ES, S_CS, S_SS, S_DS };
static const uint8_t seg_prefix[4] = {0x26, 0x2E, 0x36, 0x3E};

/* One generated case. */
struct ccase {
    uint8_t c[24];
    unsigned n;
    uint32_t r[8];
    uint32_t eflags;
    bool o16, a16;
    int seg;       /* override, or -1 */
    uint32_t fixed; /* registers the form constrains */
    bool mem;
    uint32_t ea;   /* memory operand: offset from the region's base */
    uint32_t ebase, eoff; /* its segment's base (from the region's) and offset */
};

static uint8_t *init; /* DATA_LEN bytes: the data both sides start from */

static uint32_t seg_off(int seg)
{
    return seg == S_ES ? RG_ES : seg == S_SS ? RG_SS : RG_DS;
}

static void put_data(uint32_t rgoff, uint64_t v, unsigned bytes)
{
    cr_assert(rgoff >= RG_DS && rgoff + bytes <= RG_DS + DATA_LEN, "operand at +0x%x", rgoff);
    memcpy(init + (rgoff - RG_DS), &v, bytes);
}

static uint16_t valid_selector(void)
{
    static const uint16_t sels[] = {0,           SEL_USER32_CS, SEL_USER_DS, SEL_USER_CS,
                                    LDT_SEL(0), LDT_SEL(1),    LDT_SEL(2),  LDT_SEL(3),
                                    LDT_SEL(4), LDT_SEL(5),    LDT_SEL(6)};
    uint16_t s = sels[rnd() % (sizeof sels / sizeof sels[0])];
    return (uint16_t)((s & ~3u) | (rnd() % 4)); /* any RPL: every DPL is 3 */
}

/* 32-bit addressing base/index: a register the form leaves free. */
static unsigned free_reg(const struct ccase *k, uint32_t exclude)
{
    unsigned r;
    do
        r = rnd() % 8;
    while (r == 4 || ((k->fixed | exclude) >> r & 1));
    return r;
}

static void emit(struct ccase *k, uint8_t b)
{
    cr_assert(k->n < sizeof k->c);
    k->c[k->n++] = b;
}

static void emit_n(struct ccase *k, uint32_t v, unsigned bytes)
{
    for (unsigned b = 0; b < bytes; b++)
        emit(k, (uint8_t)(v >> 8 * b));
}

/* The ModRM (and SIB, displacement) of a memory operand; sets k->ea.
 * `a16_form` < 24 picks the 16-bit form (rm = form / 3, mod = form % 3).
 * With 16-bit addressing, an eighth of the operands are moved (through a
 * base or index register) to the last bytes below 64 KiB, where the operand
 * or its parts cross 0xffff. */
static void gen_mem(struct ccase *k, const struct cmode *m, unsigned reg, unsigned a16_form)
{
    int seg = S_DS;
    uint32_t off;
    if (k->a16) {
        unsigned f = a16_form < 24 ? a16_form : (unsigned)(rnd() % 24);
        unsigned rm = f / 3, mod = f % 3;
        emit(k, (uint8_t)(mod << 6 | reg << 3 | rm));
        uint32_t disp = 0;
        if (mod == 1) {
            disp = (uint32_t)(int32_t)(int8_t)rnd();
            emit(k, (uint8_t)disp);
        } else if (mod == 2 || (mod == 0 && rm == 6)) {
            disp = (uint16_t)rnd();
            emit_n(k, disp, 2);
        }
        /* bx si di bp: 3 6 7 5 */
        static const int8_t b16[8] = {3, 3, 5, 5, -1, -1, 5, 3};
        static const int8_t i16[8] = {6, 7, 6, 7, 6, 7, -1, -1};
        bool disp_only = mod == 0 && rm == 6;
        uint32_t sum = disp;
        if (!disp_only && b16[rm] >= 0)
            sum += k->r[b16[rm]];
        if (i16[rm] >= 0)
            sum += k->r[i16[rm]];
        if (!disp_only && rnd() % 8 == 0) { /* the sum at 0xfff8..0xffff */
            int r = i16[rm] >= 0 ? i16[rm] : b16[rm];
            uint32_t want = 0xfff8 + (uint32_t)(rnd() % 8);
            k->r[r] = (k->r[r] & 0xffff0000) | ((k->r[r] + want - sum) & 0xffff);
            sum = want;
        }
        off = sum & 0xffff;
        if (b16[rm] == 5 && !(mod == 0 && rm == 6))
            seg = S_SS;
    } else {
        unsigned scheme = rnd() % 5;
        uint32_t disp = 0;
        if (scheme == 4) { /* [disp32] */
            emit(k, (uint8_t)(reg << 3 | 5));
            disp = (uint32_t)(rnd() % 0xff00);
            emit_n(k, disp, 4);
            off = disp;
        } else if (scheme < 3) { /* [base], [base+disp8], [base+disp32] */
            unsigned b = free_reg(k, scheme == 0 ? 1u << 5 : 0);
            k->r[b] = 0x80 + (uint32_t)(rnd() % 0x7e80);
            emit(k, (uint8_t)(scheme << 6 | reg << 3 | b));
            if (scheme == 1) {
                disp = (uint32_t)(int32_t)(int8_t)rnd();
                emit(k, (uint8_t)disp);
            } else if (scheme == 2) {
                disp = (uint32_t)(rnd() % 0x4000);
                emit_n(k, disp, 4);
            }
            off = k->r[b] + disp;
            if (b == 5)
                seg = S_SS;
        } else { /* SIB */
            unsigned mod = rnd() % 3, b = free_reg(k, 0), scale = rnd() % 4;
            bool nobase = mod == 0 && b == 5;
            unsigned x = rnd() % 5 == 0 ? 4 : free_reg(k, 1u << b);
            emit(k, (uint8_t)(mod << 6 | reg << 3 | 4));
            emit(k, (uint8_t)(scale << 6 | x << 3 | b));
            off = 0;
            if (!nobase) {
                k->r[b] = 0x80 + (uint32_t)(rnd() % 0x7e80);
                off = k->r[b];
                if (b == 5)
                    seg = S_SS;
            }
            if (x != 4) {
                k->r[x] = (uint32_t)(rnd() % 0x801);
                off += k->r[x] << scale;
            }
            if (mod == 1) {
                disp = (uint32_t)(int32_t)(int8_t)rnd();
                emit(k, (uint8_t)disp);
            } else if (mod == 2 || nobase) {
                disp = (uint32_t)(rnd() % 0x4000);
                emit_n(k, disp, 4);
            }
            off += disp;
        }
    }
    if (k->seg >= 0)
        seg = k->seg;
    k->mem = true;
    k->ebase = seg_off(seg);
    k->eoff = off;
    k->ea = k->ebase + off;
}

/* Writes part of a memory operand (`delta` bytes into it).  With 16-bit
 * addressing the host computes the offset of each part modulo 64 KiB (the
 * selector of an LDS at 0xfffe is at 0); a part that itself crosses 0xffff
 * is written both ways (bytes at 0x10000.. and at 0..), so that the value
 * is the same whichever the CPU reads. */
static void put_part(const struct ccase *k, uint32_t delta, uint64_t v, unsigned bytes)
{
    uint32_t amask = k->a16 ? 0xffff : 0xffffffff, start = (k->eoff + delta) & amask;
    put_data(k->ebase + start, v, bytes);
    for (unsigned b = 0; b < bytes && k->a16; b++)
        put_data(k->ebase + ((start + b) & amask), v >> 8 * b & 0xff, 1);
}

/* A stack offset (SS:ESP or SS:SP) for the mode. */
static uint32_t stack_top(const struct cmode *m, const struct ccase *k)
{
    return RG_SS + (m->m16 ? (k->r[4] & 0xffff) : k->r[4]);
}

/* Builds case number `idx` of form f: the instruction bytes and the
 * registers, and writes the operands it needs into init. */
static void make_case(const struct cform *f, const struct cmode *m, unsigned idx, struct ccase *k)
{
    memset(k, 0, sizeof *k);
    k->seg = -1;
    for (int r = 0; r < 8; r++)
        k->r[r] = interesting32();
    k->eflags = 0x202 | (uint32_t)(rnd() & (OSZAPC | 0x400)) | (rnd() % 2 ? 0x200000 : 0);
    /* The stack: in range for a 32-bit SS; any SP for a 16-bit one. */
    if (!m->m16) {
        k->r[4] = 0x400 + (uint32_t)(rnd() % 0xf800);
        k->r[5] = 0x400 + (uint32_t)(rnd() % 0xf800);
    }
    k->fixed = 1u << 4 | (m->m16 ? 0 : 1u << 5);
    bool p66 = !(f->fl & C_BYTE) && rnd() % 2;
    if (f->fl & C_OP32)
        p66 = m->m16;
    if ((f->fl & C_CALL) && !m->m16)
        p66 = false; /* a 16-bit EIP would leave the region */
    k->o16 = m->m16 ^ p66;
    bool p67 = false;
    if (f->fl & C_A16)
        p67 = !m->m16;
    else if (f->fl & (C_STR | C_XLAT))
        p67 = (rnd() % 4 != 0) ^ m->m16; /* 16-bit addressing 3/4 of the time */
    else if (f->fl & (C_MEM | C_LOOP))
        p67 = rnd() % 4 == 0;
    k->a16 = m->m16 ^ p67;
    bool mem = (f->fl & C_MEM) && (!(f->fl & C_REG) || rnd() % 2);
    if ((mem || (f->fl & (C_STR | C_XLAT))) && rnd() % 4 == 0) {
        static const int segs[3] = {S_ES, S_SS, S_DS};
        k->seg = segs[rnd() % 3];
    }
    unsigned osz = f->fl & C_BYTE ? 1 : k->o16 ? 2 : 4;

    if (f->fl & C_BCD) {
        uint32_t al = (uint32_t)rnd() & 0xff;
        if (rnd() % 2) /* two BCD digits, or one of them 9 or 0xA..0xF */
            al = (uint32_t)(rnd() % 10) << 4 | (uint32_t)(rnd() % 10);
        if (rnd() % 4 == 0)
            al = (al & 0xf0) | (uint32_t)(9 + rnd() % 7);
        k->r[0] = (k->r[0] & ~0xffu) | al;
    }
    if (f->fl & C_OF0)
        k->eflags &= ~0x800u;
    if (f->fl & C_DIV) {
        /* The divisor (in memory) odd; the dividend's high half 0 and its
         * low half positive: the quotient fits. */
        if (osz == 1) {
            k->r[0] &= 0xffff007f;
        } else if (osz == 2) {
            k->r[0] &= 0xffff7fff;
            k->r[2] &= 0xffff0000;
        } else {
            k->r[0] &= 0x7fffffff;
            k->r[2] = 0;
        }
        k->fixed |= 1u << 0 | 1u << 2;
    }
    if (f->fl & C_STR) {
        if (k->a16) {
            for (int r = 6; r <= 7; r++) {
                uint32_t lo;
                switch (rnd() % 3) {
                case 0: lo = 0xffe0 + (uint32_t)(rnd() % 0x20); break; /* wraps up */
                case 1: lo = (uint32_t)(rnd() % 0x20); break;           /* wraps down */
                default: lo = (uint32_t)rnd() & 0xffff; break;
                }
                k->r[r] = (k->r[r] & 0xffff0000) | lo;
            }
        } else {
            k->r[6] = 0x200 + (uint32_t)(rnd() % 0xfb00);
            k->r[7] = 0x200 + (uint32_t)(rnd() % 0xfb00);
        }
    }

    /* prefixes */
    if (k->seg >= 0)
        emit(k, seg_prefix[k->seg]);
    if (p66)
        emit(k, 0x66);
    if (p67)
        emit(k, 0x67);
    bool rep = false;
    if (f->fl & C_STR) {
        unsigned r = rnd() % 4;
        if (r == 1 || r == 2) {
            emit(k, 0xF3);
            rep = true;
        } else if (r == 3) {
            emit(k, (f->fl & C_STRCMP) ? 0xF2 : 0xF3);
            rep = true;
        }
        /* CX (16-bit addressing) or ECX: a short count, 0 sometimes */
        uint32_t count = rnd() % 8 == 0 ? 0 : (uint32_t)(rnd() % 34);
        if (rep)
            k->r[1] = k->a16 ? (k->r[1] & 0xffff0000) | count : count;
    }
    if (f->fl & C_LOOP) {
        if (rnd() % 3 == 0) /* eCX 0 or 1: the branch falls through or CX wraps */
            k->r[1] = (k->r[1] & 0xfffe0000) | (uint32_t)(rnd() % 2) << (rnd() % 2 ? 16 : 0) |
                      (uint32_t)(rnd() % 2);
    }

    /* opcode */
    for (unsigned b = 0; b < f->op_len; b++)
        emit(k, f->op[b]);
    if (f->fl & C_STR) {
        if (rnd() % 3 == 0)
            k->c[k->n - 1]--; /* the byte form */
    }
    if (f->digit == -2)
        k->c[k->n - 1] = (uint8_t)(k->c[k->n - 1] + rnd() % 8);

    /* ModRM */
    unsigned reg = f->digit >= 0 ? (unsigned)f->digit : (unsigned)(rnd() % 8);
    if (f->fl & C_SELSRC)
        reg = rnd() % 2 ? 3 : 0; /* DS or ES */
    if (f->fl & C_SREGDST)
        reg = rnd() % 4; /* ES CS SS DS */
    int rm = -1;
    if (f->digit >= -1) {
        if (mem) {
            gen_mem(k, m, reg, (f->fl & C_A16) ? idx % 24 : 24);
        } else {
            rm = (int)(rnd() % 8);
            emit(k, (uint8_t)(0xC0 | reg << 3 | (unsigned)rm));
        }
    }

    /* immediate */
    if (f->fl & C_ENTER) {
        uint32_t size = m->m16 ? (uint32_t)(rnd() & 0xffff) : (uint32_t)(rnd() % 0x100);
        emit_n(k, size, 2);
        emit(k, (uint8_t)(rnd() % 4 == 0 ? rnd() % 32 : rnd() % 4));
    } else if (f->fl & C_LOOP) {
        emit(k, 0); /* to the next instruction, taken or not */
    } else if (f->fl & C_CALL) {
        emit_n(k, 0, k->o16 ? 2 : 4);
    } else if (f->fl & C_IMMNZ) {
        emit(k, rnd() % 2 ? 10 : (uint8_t)(1 + rnd() % 255));
    } else if (f->fl & C_IMM10) {
        emit(k, rnd() % 2 ? 10 : (uint8_t)rnd());
    } else {
        unsigned imm = f->imm == IZ ? (k->o16 ? 2 : 4) : f->imm;
        emit_n(k, (uint32_t)rnd(), imm);
    }

    /* operands that must be valid */
    if (f->fl & C_XLAT) {
        if (!k->a16)
            k->r[3] = 0x80 + (uint32_t)(rnd() % 0x7e80);
    }
    if (f->fl & C_DIV)
        init[k->ea - RG_DS] |= 1;
    if (f->fl & C_BOUND) {
        int64_t idxv = osz == 2 ? (int16_t)k->r[reg] : (int32_t)k->r[reg];
        int64_t min = osz == 2 ? INT16_MIN : INT32_MIN, max = osz == 2 ? INT16_MAX : INT32_MAX;
        int64_t lo = idxv - (int64_t)(rnd() % (uint64_t)(idxv - min + 1));
        int64_t hi = idxv + (int64_t)(rnd() % (uint64_t)(max - idxv + 1));
        if (rnd() % 4 == 0)
            lo = idxv;
        if (rnd() % 4 == 0)
            hi = idxv;
        put_part(k, 0, (uint64_t)lo, osz);
        put_part(k, osz, (uint64_t)hi, osz);
    }
    if (f->fl & C_FARPTR)
        put_part(k, osz, valid_selector(), 2);
    if (f->fl & C_SELSRC) {
        uint16_t sel = valid_selector();
        if (mem)
            put_part(k, 0, sel, 2);
        else
            k->r[rm] = (k->r[rm] & 0xffff0000) | sel;
    }
    if (f->fl & C_POPSEL)
        put_data(stack_top(m, k), valid_selector(), 2);
    if (f->fl & C_POPF) {
        /* no TF, NT, AC: IF and IOPL do not change at CPL3 */
        uint32_t v = (uint32_t)rnd() & (OSZAPC | 0x400 | 0x200 | 0x3000 | 0x200000);
        put_data(stack_top(m, k), v | 2, 4);
    }
}

/* ---- running and comparing ------------------------------------------ */

struct cresult {
    uint32_t r[8];
    uint32_t eflags;
    uint16_t ds, es, pad[2];
};

static const char *const rname[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

#define FL_CMP 0x247ed5u /* OSZAPC DF IF IOPL NT AC ID */

/* Runs the case on the host; 0, or the signal. */
static int host_run(const struct cmode *m, const struct ccase *k, struct cresult *h)
{
    uint8_t *cp = rg + RG_CODE;
    unsigned p = emit_prologue(cp, m->m16);
    memcpy(cp + p, k->c, k->n);
    emit_save(cp + p + k->n, m->m16);
    memcpy(rg + RG_DS, init, DATA_LEN);
    uint8_t *save = rg + RG_SAVE;
    memset(save, 0, 32);
    uint16_t flat = SEL_USER_DS;
    memcpy(save + 36, &flat, 2);
    memcpy(save + 38, &m->ss, 2);
    put32(save + 40, k->r[4]);
    put32(save + 44, rgbase + RG_FRAME);
    put32(rg + RG_FARPTR, m->m16 ? 0 : rgbase + RG_CODE);
    memcpy(rg + RG_FARPTR + 4, &m->cs, 2);
    struct cstate s;
    memset(&s, 0, sizeof s);
    memcpy(s.r, k->r, sizeof s.r);
    s.eflags = k->eflags;
    s.ds = m->ds;
    s.es = m->es;
    s.stack = rgbase + RG_STACK;
    s.stub = rgbase + RG_STUB;
    int sig = run_native(&s);
    if (sig)
        return sig;
    memcpy(h->r, save, 32);
    memcpy(&h->ds, save + 32, 2);
    memcpy(&h->es, save + 34, 2);
    h->eflags = s.eflags;
    return 0;
}

/* Runs the case in the interpreter; false (and why) if it did not end at
 * the #GP of the HLT after the instruction. */
static bool interp_run(const struct cmode *m, const struct ccase *k, struct cresult *v, char *why,
                       size_t len)
{
    uint32_t start = RG_CODE + emit_prologue(mirror + RG_CODE, m->m16);
    memcpy(mirror + start, k->c, k->n);
    mirror[start + k->n] = 0xF4;
    memcpy(mirror + RG_DS, init, DATA_LEN);
    struct squib_x86_sregs s = sreg_template;
    cr_assert(seg_of(m->cs, &s.cs));
    cr_assert(seg_of(m->ds, &s.ds) && seg_of(m->es, &s.es) && seg_of(m->ss, &s.ss));
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0, "%s",
                 squib_errmsg());
    uint64_t ip0 = m->m16 ? start - RG_CODE : rgbase + start;
    struct squib_x86_regs g = {.rax = k->r[0], .rcx = k->r[1], .rdx = k->r[2], .rbx = k->r[3],
                               .rsp = k->r[4], .rbp = k->r[5], .rsi = k->r[6], .rdi = k->r[7],
                               .rip = ip0, .rflags = k->eflags};
    set_regs(g);
    run();
    if (ex.kind != SQUIB_EXIT_HLT) {
        snprintf(why, len, "interp: exit %s: %.120s", squib_exit_kind_name(ex.kind),
                 ex.kind == SQUIB_EXIT_INTERNAL_ERROR ? ex.internal.message : "");
        return false;
    }
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    g = regs();
    uint64_t at = s.cs.base + ex.pc;
    uint32_t frame[6] = {0};
    uint64_t sp = s.ss.base + (uint32_t)g.rsp;
    if (sp + sizeof frame <= GP_RAM)
        memcpy(frame, ram + sp, sizeof frame);
    uint64_t hlt = ip0 + k->n;
    if (at != GP_HANDLERS + 16 * 13 || frame[0] || frame[1] != hlt || frame[2] != m->cs ||
        frame[5] != m->ss) {
        snprintf(why, len,
                 "interp: HLT at 0x%llx (vector %lld), frame err 0x%x eip 0x%x cs 0x%x ss 0x%x; "
                 "want #GP from the HLT at 0x%llx",
                 (unsigned long long)at, (long long)(at - GP_HANDLERS) / 16, frame[0], frame[1],
                 frame[2], frame[5], (unsigned long long)hlt);
        return false;
    }
    v->r[0] = (uint32_t)g.rax;
    v->r[1] = (uint32_t)g.rcx;
    v->r[2] = (uint32_t)g.rdx;
    v->r[3] = (uint32_t)g.rbx;
    v->r[4] = frame[4];
    v->r[5] = (uint32_t)g.rbp;
    v->r[6] = (uint32_t)g.rsi;
    v->r[7] = (uint32_t)g.rdi;
    v->eflags = frame[3];
    v->ds = s.ds.selector;
    v->es = s.es.selector;
    /* The interpreter's own consistency: a loaded DS/ES is the descriptor's. */
    const struct squib_x86_segment *sr[2] = {&s.ds, &s.es};
    for (int j = 0; j < 2; j++) {
        struct squib_x86_segment want;
        if (seg_of(sr[j]->selector, &want) &&
            (sr[j]->base != want.base || sr[j]->limit != want.limit)) {
            snprintf(why, len,
                     "interp: %s 0x%x has base 0x%llx limit 0x%x, the descriptor 0x%llx 0x%x",
                     j ? "ES" : "DS", sr[j]->selector, (unsigned long long)sr[j]->base,
                     sr[j]->limit, (unsigned long long)want.base, want.limit);
            return false;
        }
    }
    return true;
}

static int fmt_bytes(char *p, size_t len, const uint8_t *c, unsigned n)
{
    int o = 0;
    for (unsigned b = 0; b < n && o < (int)len - 4; b++)
        o += snprintf(p + o, len - o, "%s%02x", b ? " " : "", c[b]);
    return o;
}

/* The full picture of one mismatch. */
static void dump(const struct cform *f, const struct cmode *m, const struct ccase *k,
                 const struct cresult *h, const struct cresult *v, const char *why)
{
    char b[2048];
    int o = snprintf(b, sizeof b, "%s code, %s: %s\n  bytes ", m->name, f->name, why);
    o += fmt_bytes(b + o, sizeof b - o, k->c, k->n);
    o += snprintf(b + o, sizeof b - o, "\n  in:    ");
    for (int r = 0; r < 8; r++)
        o += snprintf(b + o, sizeof b - o, "%s=%08x ", rname[r], k->r[r]);
    o += snprintf(b + o, sizeof b - o, "efl=%08x", k->eflags);
    if (k->mem)
        o += snprintf(b + o, sizeof b - o, " mem=+0x%x", k->ea);
    if (h && v) {
        const struct cresult *x[2] = {h, v};
        for (int j = 0; j < 2; j++) {
            o += snprintf(b + o, sizeof b - o, "\n  %s ", j ? "interp:" : "host:  ");
            for (int r = 0; r < 8; r++)
                o += snprintf(b + o, sizeof b - o, "%s=%08x%s", rname[r], x[j]->r[r],
                              x[0]->r[r] != x[1]->r[r] ? "* " : " ");
            o += snprintf(b + o, sizeof b - o, "efl=%08x ds=%04x es=%04x", x[j]->eflags,
                          x[j]->ds, x[j]->es);
        }
    }
    cr_log_error("%s", b);
}

/* The first difference in the data, or "". */
static void data_diff(char *why, size_t len)
{
    why[0] = 0;
    if (!memcmp(rg + RG_DS, mirror + RG_DS, DATA_LEN))
        return;
    uint32_t b = 0;
    while (rg[RG_DS + b] == mirror[RG_DS + b])
        b++;
    uint32_t a = b & ~7u;
    uint64_t hv, iv;
    memcpy(&hv, rg + RG_DS + a, 8);
    memcpy(&iv, mirror + RG_DS + a, 8);
    snprintf(why, len, "data at +0x%x: 8 bytes at +0x%x host %016llx interp %016llx", RG_DS + b,
             RG_DS + a, (unsigned long long)hv, (unsigned long long)iv);
}

static bool host_is_amd(void)
{
    uint32_t a = 0, b, c, d;
    __asm__("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163; /* AuthenticAMD */
}

static unsigned cases_per_form(void)
{
    const char *env = getenv("SQUIB_X86_NATIVE_CASES");
    return env && *env ? (unsigned)strtoul(env, NULL, 0) : 2000;
}

/* Sets up both sides; false (and why) if the host cannot run the mode. */
static bool setup(const struct cmode *m, char *why, size_t len)
{
    void *p = mmap(NULL, RG_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(why, len, "no executable MAP_32BIT region: %s", strerror(errno));
        return false;
    }
    rg = p;
    rgbase = (uint32_t)(uintptr_t)rg;
    cr_assert((uintptr_t)rg + RG_SIZE <= 0x80000000u && rgbase >= GP_RAM,
              "region at %p: below 2 GiB, above the harness RAM", p);
    mirror = mmap(NULL, RG_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(mirror, MAP_FAILED);
    init = calloc(1, DATA_LEN);
    cr_assert(init);
    if (install_ldt(why, len))
        return false;
    /* the 64-bit stub: LCALL m16:32 [abs32]; RET */
    static const uint8_t stub[3] = {0xFF, 0x1C, 0x25};
    memcpy(rg + RG_STUB, stub, 3);
    put32(rg + RG_STUB + 3, rgbase + RG_FARPTR);
    rg[RG_STUB + 7] = 0xC3;
    catch_signals();
    /* Can the host run the mode at all?  One NOP. */
    struct ccase k;
    memset(&k, 0, sizeof k);
    k.c[0] = 0x90;
    k.n = 1;
    k.r[0] = 0x12345678;
    k.r[4] = 0x1000;
    k.eflags = 0x202;
    struct cresult h;
    int sig = host_run(m, &k, &h);
    if (sig) {
        snprintf(why, len, "the host does not run %s code: signal %d (trap %llu) at 0x%llx",
                 m->name, sig, (unsigned long long)cc_sig_trap, (unsigned long long)cc_sig_ip);
        return false;
    }
    if (h.r[0] != 0x12345678 || h.r[4] != 0x1000) {
        snprintf(why, len, "the %s NOP came back with eax %08x esp %08x", m->name, h.r[0],
                 h.r[4]);
        return false;
    }
    interp_setup();
    return true;
}

static void teardown(void)
{
    release_signals();
    free(init);
    munmap(mirror, RG_SIZE);
    munmap(rg, RG_SIZE);
}

static void run_mode(const struct cmode *m, uint64_t seed0)
{
    char why[300];
    if (!setup(m, why, sizeof why)) {
        fprintf(stderr, "x86_native_compat (%s): skipped: %s\n", m->name, why);
        cr_skip_test("%s", why);
    }
    bool amd = host_is_amd();
    const char *only = getenv("SQUIB_X86_NATIVE_ONLY");
    unsigned cases = cases_per_form(), bad_total = 0, faults = 0, forms_run = 0;
    const char *env_seed = getenv("SQUIB_X86_NATIVE_SEED");
    if (env_seed && *env_seed)
        seed0 ^= strtoull(env_seed, NULL, 0) * 0x9E3779B97F4A7C15ULL;
    seed = seed0 ? seed0 : 1;
    for (size_t fi = 0; fi < sizeof forms / sizeof forms[0]; fi++) {
        const struct cform *f = &forms[fi];
        if (only && *only && !strstr(f->name, only))
            continue;
        forms_run++;
        unsigned bad = 0;
        uint32_t flags = FL_CMP & ~(amd ? 0 : f->undef);
        bool regs_defined = amd || !(f->fl & C_UNDEFRES);
        for (unsigned idx = 0; idx < cases; idx++) {
            if (idx % 32 == 0)
                for (uint32_t b = 0; b < DATA_LEN; b += 8) {
                    uint64_t v = rnd();
                    memcpy(init + b, &v, 8);
                }
            struct ccase k;
            make_case(f, m, idx, &k);
            struct cresult h, v;
            why[0] = 0;
            int sig = host_run(m, &k, &h);
            if (sig) {
                snprintf(why, sizeof why,
                         "host: signal %d (trap %llu, err 0x%llx) at 0x%llx, address 0x%llx", sig,
                         (unsigned long long)cc_sig_trap, (unsigned long long)cc_sig_err,
                         (unsigned long long)cc_sig_ip, (unsigned long long)cc_sig_addr);
                faults++;
                if (!bad++)
                    dump(f, m, &k, NULL, NULL, why);
                continue;
            }
            if (!interp_run(m, &k, &v, why, sizeof why)) {
                if (!bad++)
                    dump(f, m, &k, NULL, NULL, why);
                continue;
            }
            for (int r = 0; r < 8 && !why[0] && regs_defined; r++)
                if (h.r[r] != v.r[r])
                    snprintf(why, sizeof why, "%s: host %08x interp %08x", rname[r], h.r[r],
                             v.r[r]);
            if (!why[0] && (h.eflags & flags) != (v.eflags & flags))
                snprintf(why, sizeof why, "eflags: host %08x interp %08x (compared %08x)",
                         h.eflags & flags, v.eflags & flags, flags);
            /* A null selector's RPL does not always survive on the host
             * side: once in about 500000 LDS cases the host reported DS = 0
             * where the instruction loaded 0x0003, and the same inputs never
             * did it again (the host kernel, interrupting the process between
             * the instruction and the save stub, presumably reloads a null
             * DS/ES as 0).  So null selectors compare without their RPL. */
            if (!why[0] && (null_sel(h.ds) ? !null_sel(v.ds) : h.ds != v.ds))
                snprintf(why, sizeof why, "ds: host %04x interp %04x", h.ds, v.ds);
            if (!why[0] && (null_sel(h.es) ? !null_sel(v.es) : h.es != v.es))
                snprintf(why, sizeof why, "ds/es: host %04x/%04x interp %04x/%04x", h.ds, h.es,
                         v.ds, v.es);
            char data_why[160] = "";
            if (regs_defined)
                data_diff(data_why, sizeof data_why);
            if (!why[0] && data_why[0])
                snprintf(why, sizeof why, "%s", data_why);
            if (why[0] && !bad++) {
                dump(f, m, &k, &h, &v, why);
                if (data_why[0] && strcmp(why, data_why))
                    cr_log_error("  and %s", data_why);
            }
        }
        if (bad)
            cr_log_error("%s code: %-16s %u/%u mismatches", m->name, f->name, bad, cases);
        bad_total += bad;
    }
    teardown();
    cr_log_info("%s code: %u forms x %u cases", m->name, forms_run, cases);
    cr_assert_eq(bad_total, 0, "%s code: %u cases differ from the host CPU (%u native faults; %s)",
                 m->name, bad_total, faults,
                 amd ? "AMD: undefined flags compared too" : "undefined flags masked");
}

Test(x86_native_compat, code32_matches_the_host_cpu, .timeout = 600)
{
    run_mode(&mode32, 0x2545F4914F6CDD1DULL);
}

Test(x86_native_compat, code16_matches_the_host_cpu, .timeout = 600)
{
    run_mode(&mode16, 0x9E3779B97F4A7C15ULL);
}

#else

Test(x86_native_compat, code32_matches_the_host_cpu)
{
    cr_skip_test("not an x86-64 Linux host");
}

Test(x86_native_compat, code16_matches_the_host_cpu)
{
    cr_skip_test("not an x86-64 Linux host");
}

#endif
