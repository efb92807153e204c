/* Differential test of the general-purpose instructions against the host
 * CPU, run natively in this process (64-bit mode, CPL3): random registers,
 * flags and data for each form, one instruction executed by the host and by
 * the interpreter, then every register, the arithmetic flags and the data
 * buffer compared.  No KVM: the instruction runs from an executable page
 * between a register-loading and a register-saving stub.
 *
 * The reference hardware of this project is AMD Zen 4; squib reproduces its
 * values for the flags and results the SDM leaves undefined.  On other hosts
 * those are masked (undef below), so the test checks only what the SDM
 * defines there.  Not an x86-64 host: skipped.
 *
 * SQUIB_X86_NATIVE_CASES sets the cases per form (default 2000).
 */
#include "tests/x86_gp_harness.h"

#include <stdio.h>
#include <stdlib.h>

TestSuite(x86_native, .init = gp_setup, .fini = gp_teardown);

#if defined(__x86_64__)

/* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 (encoding order), then rflags. */
struct nstate {
    uint64_t r[16];
    uint64_t rflags;
};

void native_call(struct nstate *s, const void *code);
/* Loads every register but RSP from *s, calls the code (which ends with a
 * RET), stores them back with RFLAGS. */
__asm__(".text\n"
        ".globl native_call\n"
        "native_call:\n"
        "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "  mov %rdi, nc_state(%rip)\n"
        "  mov %rsi, nc_code(%rip)\n"
        "  pushq 128(%rdi); popfq\n"
        "  mov 0(%rdi), %rax; mov 8(%rdi), %rcx; mov 16(%rdi), %rdx; mov 24(%rdi), %rbx\n"
        "  mov 40(%rdi), %rbp; mov 48(%rdi), %rsi\n"
        "  mov 64(%rdi), %r8; mov 72(%rdi), %r9; mov 80(%rdi), %r10; mov 88(%rdi), %r11\n"
        "  mov 96(%rdi), %r12; mov 104(%rdi), %r13; mov 112(%rdi), %r14; mov 120(%rdi), %r15\n"
        "  mov 56(%rdi), %rdi\n"
        "  call *nc_code(%rip)\n"
        "  pushfq\n"
        "  push %rdi\n"
        "  mov nc_state(%rip), %rdi\n"
        "  mov %rax, 0(%rdi); mov %rcx, 8(%rdi); mov %rdx, 16(%rdi); mov %rbx, 24(%rdi)\n"
        "  mov %rbp, 40(%rdi); mov %rsi, 48(%rdi)\n"
        "  mov %r8, 64(%rdi); mov %r9, 72(%rdi); mov %r10, 80(%rdi); mov %r11, 88(%rdi)\n"
        "  mov %r12, 96(%rdi); mov %r13, 104(%rdi); mov %r14, 112(%rdi); mov %r15, 120(%rdi)\n"
        "  pop %rax; mov %rax, 56(%rdi)\n"
        "  pop %rax; mov %rax, 128(%rdi)\n"
        "  cld\n"
        "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "  ret\n"
        ".data\n"
        "nc_state: .quad 0\n"
        "nc_code: .quad 0\n"
        ".text\n");

#define BASE 3 /* rbx holds the data pointer for memory operands */
#define DATA_SIZE 512

struct form {
    const char *name;
    uint8_t op[3];
    uint8_t op_len;
    int8_t digit;    /* ModRM.reg fixed, or -1 */
    uint8_t imm;     /* immediate bytes */
    bool byte_op;    /* no 66/REX.W */
    bool mem_ok;     /* the ModRM may be memory */
    bool reg_ok;     /* the ModRM may be a register */
    uint32_t undef;  /* flags the SDM leaves undefined (compared on AMD only) */
    bool undef_result; /* some results are undefined (compared on AMD only) */
    uint8_t pfx;     /* a mandatory prefix (F3, 66) before everything, or 0 */
    bool div;        /* DIV/IDIV: operands chosen so that no #DE happens */
};

#define OSZAPC 0x8d5u
#define IZ 0xFF /* Iz: 2 bytes with 66 (and no REX.W), else 4 */
#define SZAP (0x80u | 0x40u | 0x10u | 0x04u)
static const struct form forms[] = {
    {"ROL Eb,1", {0xD0}, 1, 0, 0, true, true, true, 0, false, 0, false},
    {"ROR Ev,CL", {0xD3}, 1, 1, 0, false, true, true, 0x800, false, 0, false},
    {"RCL Eb,CL", {0xD2}, 1, 2, 0, true, true, true, 0x800, false, 0, false},
    {"RCR Ev,Ib", {0xC1}, 1, 3, 1, false, true, true, 0x800, false, 0, false},
    {"SHL Ev,CL", {0xD3}, 1, 4, 0, false, true, true, 0x810, false, 0, false},
    {"SHR Eb,Ib", {0xC0}, 1, 5, 1, true, true, true, 0x810, false, 0, false},
    {"SAL Ev,1", {0xD1}, 1, 6, 0, false, true, true, 0x10, false, 0, false},
    {"SAR Ev,CL", {0xD3}, 1, 7, 0, false, true, true, 0x810, false, 0, false},
    {"SHLD Ev,Gv,Ib", {0x0F, 0xA4}, 2, -1, 1, false, true, true, OSZAPC, true, 0, false},
    {"SHLD Ev,Gv,CL", {0x0F, 0xA5}, 2, -1, 0, false, true, true, OSZAPC, true, 0, false},
    {"SHRD Ev,Gv,Ib", {0x0F, 0xAC}, 2, -1, 1, false, true, true, OSZAPC, true, 0, false},
    {"SHRD Ev,Gv,CL", {0x0F, 0xAD}, 2, -1, 0, false, true, true, OSZAPC, true, 0, false},
    {"MUL Ev", {0xF7}, 1, 4, 0, false, true, true, SZAP, false, 0, false},
    {"IMUL Eb", {0xF6}, 1, 5, 0, true, true, true, SZAP, false, 0, false},
    {"IMUL Gv,Ev", {0x0F, 0xAF}, 2, -1, 0, false, true, true, SZAP, false, 0, false},
    {"IMUL Gv,Ev,Ib", {0x6B}, 1, -1, 1, false, true, true, SZAP, false, 0, false},
    {"IMUL Gv,Ev,Iz", {0x69}, 1, -1, IZ, false, true, true, SZAP, false, 0, false},
    /* memory divisors only, so that the generator controls them */
    {"DIV Eb", {0xF6}, 1, 6, 0, true, true, false, OSZAPC, false, 0, true},
    {"DIV Ev", {0xF7}, 1, 6, 0, false, true, false, OSZAPC, false, 0, true},
    {"IDIV Eb", {0xF6}, 1, 7, 0, true, true, false, OSZAPC, false, 0, true},
    {"IDIV Ev", {0xF7}, 1, 7, 0, false, true, false, OSZAPC, false, 0, true},
    {"BT Ev,Gv", {0x0F, 0xA3}, 2, -1, 0, false, false, true, 0x894, false, 0, false},
    {"BTS Ev,Gv", {0x0F, 0xAB}, 2, -1, 0, false, false, true, 0x894, false, 0, false},
    {"BTC Ev,Ib", {0x0F, 0xBA}, 2, 7, 1, false, true, true, 0x894, false, 0, false},
    {"BTR Ev,Ib", {0x0F, 0xBA}, 2, 6, 1, false, true, true, 0x894, false, 0, false},
    {"BSF Gv,Ev", {0x0F, 0xBC}, 2, -1, 0, false, true, true, 0x895, true, 0, false},
    {"BSR Gv,Ev", {0x0F, 0xBD}, 2, -1, 0, false, true, true, 0x895, true, 0, false},
    {"LZCNT Gv,Ev", {0x0F, 0xBD}, 2, -1, 0, false, true, true, 0x894, false, 0xF3, false},
    {"POPCNT Gv,Ev", {0x0F, 0xB8}, 2, -1, 0, false, true, true, 0, false, 0xF3, false},
    {"MOVZX Gv,Eb", {0x0F, 0xB6}, 2, -1, 0, false, true, true, 0, false, 0, false},
    {"MOVSX Gv,Ew", {0x0F, 0xBF}, 2, -1, 0, false, true, true, 0, false, 0, false},
    {"MOVSXD Gv,Ed", {0x63}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"CMOVBE Gv,Ev", {0x0F, 0x46}, 2, -1, 0, false, true, true, 0, false, 0, false},
    {"CMOVGE Gv,Ev", {0x0F, 0x4D}, 2, -1, 0, false, true, true, 0, false, 0, false},
    {"SETLE Eb", {0x0F, 0x9E}, 2, -1, 0, true, true, true, 0, false, 0, false},
    {"XADD Ev,Gv", {0x0F, 0xC1}, 2, -1, 0, false, true, true, 0, false, 0, false},
    {"XADD Eb,Gb", {0x0F, 0xC0}, 2, -1, 0, true, true, true, 0, false, 0, false},
    {"CMPXCHG Ev,Gv", {0x0F, 0xB1}, 2, -1, 0, false, true, true, 0, false, 0, false},
    {"CMPXCHG Eb,Gb", {0x0F, 0xB0}, 2, -1, 0, true, true, true, 0, false, 0, false},
    {"BSWAP r", {0x0F, 0xC8}, 2, -2, 0, false, false, true, 0, true, 0, false},
    {"LAHF", {0x9F}, 1, -3, 0, true, false, true, 0, false, 0, false},
    {"SAHF", {0x9E}, 1, -3, 0, true, false, true, 0, false, 0, false},
    {"NOP Ev", {0x0F, 0x1F}, 2, 0, 0, false, true, true, 0, false, 0, false},
    {"XCHG Ev,Gv", {0x87}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"CBW/CWDE/CDQE", {0x98}, 1, -3, 0, false, false, true, 0, false, 0, false},
    {"MOVBE Gv,Mv", {0x0F, 0x38, 0xF0}, 3, -1, 0, false, true, false, 0, false, 0, false},
    {"MOVBE Mv,Gv", {0x0F, 0x38, 0xF1}, 3, -1, 0, false, true, false, 0, false, 0, false},
    {"ADOX Gy,Ey", {0x0F, 0x38, 0xF6}, 3, -1, 0, false, true, true, 0, false, 0xF3, false},
    {"ADCX Gy,Ey", {0x0F, 0x38, 0xF6}, 3, -1, 0, false, true, true, 0, false, 0x66, false},
    {"CWD/CDQ/CQO", {0x99}, 1, -3, 0, false, false, true, 0, false, 0, false},
};

static uint64_t seed = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static uint64_t interesting(void)
{
    uint64_t v = rnd();
    switch (rnd() % 8) {
    case 0: return v & 0xff;
    case 1: return (uint64_t)(int64_t)(int8_t)v;
    case 2: return (v & 1) ? 0x8000000000000000ULL : 0x7fffffffffffffffULL;
    case 3: return v & 0xffffffff;
    case 4: return v & 0x3f;
    default: return v;
    }
}

static bool host_is_amd(void)
{
    uint32_t a = 0, b, c, d;
    __asm__("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163; /* AuthenticAMD */
}

/* Builds one case: code bytes (ending with RET for the host, HLT for the
 * interpreter, patched by the caller) and the registers. */
static unsigned make_case(const struct form *f, uint8_t *code, struct nstate *s)
{
    unsigned n = 0;
    for (int k = 0; k < 16; k++)
        s->r[k] = interesting();
    s->rflags = 0x202 | (rnd() & OSZAPC);
    bool p66 = !f->byte_op && !f->pfx && rnd() % 4 == 0;
    bool rexw = !f->byte_op && rnd() % 2;
    bool mem = f->mem_ok && (!f->reg_ok || rnd() % 2);
    unsigned reg, rm;
    do
        reg = rnd() % 16;
    while (reg == 4 || reg == BASE);
    do
        rm = rnd() % 16;
    while (rm == 4 || rm == BASE);
    if (f->digit >= 0)
        reg = (unsigned)f->digit;
    if (f->pfx)
        code[n++] = f->pfx;
    if (p66)
        code[n++] = 0x66;
    bool opcode_reg = f->digit == -2; /* BSWAP: the register is in the opcode */
    bool no_modrm = f->digit <= -2;
    unsigned r_ext = no_modrm ? 0 : reg >> 3, b_ext = mem ? 0 : rm >> 3;
    if (opcode_reg)
        b_ext = rm >> 3;
    bool rex = rexw || r_ext || b_ext || (f->byte_op && rnd() % 2);
    if (f->digit == -3)
        rex = rexw;
    /* Without REX, byte register 7 is BH, part of the data pointer (MOVZX
     * and SETcc have byte operands too): a plain REX makes it DIL/R15B. */
    if (!no_modrm && ((reg & 7) == 7 || (!mem && (rm & 7) == 7)))
        rex = true;
    if (rex)
        code[n++] = (uint8_t)(0x40 | (rexw ? 8 : 0) | r_ext << 2 | b_ext);
    memcpy(code + n, f->op, f->op_len);
    n += f->op_len;
    if (opcode_reg)
        code[n - 1] = (uint8_t)(code[n - 1] + (rm & 7));
    if (!no_modrm) {
        if (mem) {
            code[n++] = (uint8_t)(0x40 | (reg & 7) << 3 | BASE);
            code[n++] = (uint8_t)(rnd() % 120); /* disp8 is signed: stay in 0..119 */
        } else {
            code[n++] = (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7));
        }
    }
    unsigned imm = f->imm == IZ ? (p66 && !rexw ? 2 : 4) : f->imm;
    for (unsigned k = 0; k < imm; k++)
        code[n++] = (uint8_t)rnd();
    return n;
}

static uint8_t host_data[DATA_SIZE];

/* Runs the n code bytes c from state *s on the host (from the executable
 * page, ending in RET) and in the interpreter (ending in HLT), both with
 * `init` as the data buffer; writes the first difference to why (empty if
 * none): every register but RSP and the data pointer (when regs_defined),
 * the arithmetic flags in `flags`, the data. */
static void run_both(uint8_t *page, uint8_t *c, unsigned n, const struct nstate *s,
                     const uint8_t *init, uint32_t flags, bool regs_defined, char *why,
                     size_t len)
{
    static const uint8_t api[16] = {0, 3, 1, 2, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
    memcpy(page, c, n);
    page[n] = 0xC3;
    memcpy(host_data, init, DATA_SIZE);
    struct nstate h = *s;
    h.r[BASE] = (uint64_t)(uintptr_t)host_data;
    native_call(&h, page);
    c[n] = 0xF4;
    code(c, n + 1);
    memcpy(ram + GP_DATA, init, DATA_SIZE);
    struct squib_x86_regs g = {0};
    uint64_t *gr = &g.rax;
    for (int r = 0; r < 16; r++)
        gr[r] = s->r[api[r]];
    g.rbx = GP_DATA;
    g.rsp = GP_STACK;
    g.rip = GP_CODE;
    g.rflags = s->rflags;
    set_regs(g);
    run();
    why[0] = 0;
    if (ex.kind != SQUIB_EXIT_HLT) {
        snprintf(why, len, "exit %s: %.120s", squib_exit_kind_name(ex.kind),
                 ex.kind == SQUIB_EXIT_INTERNAL_ERROR ? ex.internal.message : "");
        return;
    }
    g = regs();
    for (int r = 0; r < 16 && !why[0]; r++) {
        if (api[r] == 4 || api[r] == BASE)
            continue;
        if (gr[r] != h.r[api[r]] && regs_defined)
            snprintf(why, len, "reg %d: host 0x%llx interp 0x%llx", api[r],
                     (unsigned long long)h.r[api[r]], (unsigned long long)gr[r]);
    }
    if (!why[0] && (g.rflags & flags) != (h.rflags & flags))
        snprintf(why, len, "rflags: host 0x%llx interp 0x%llx",
                 (unsigned long long)(h.rflags & flags), (unsigned long long)(g.rflags & flags));
    if (!why[0] && memcmp(host_data, ram + GP_DATA, DATA_SIZE))
        snprintf(why, len, "data differs");
}

/* "why (name); bytes xx xx ..." into first. */
static void describe(char *first, size_t len, const char *why, const char *name,
                     const uint8_t *c, unsigned n)
{
    int o = snprintf(first, len, "%s (%s); bytes", why, name);
    for (unsigned b = 0; b < n && o < (int)len - 4; b++)
        o += snprintf(first + o, len - o, " %02x", c[b]);
}

Test(x86_native, interpreter_matches_the_host_cpu, .timeout = 600)
{
    bool amd = host_is_amd();
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        cr_skip_test("no executable page for the host side");
    static uint8_t init[DATA_SIZE];
    const char *env = getenv("SQUIB_X86_NATIVE_CASES");
    unsigned cases = env && *env ? (unsigned)strtoul(env, NULL, 0) : 2000;
    gp_mode(GP_LONG64);
    unsigned bad_total = 0;
    for (size_t fi = 0; fi < sizeof forms / sizeof forms[0]; fi++) {
        const struct form *f = &forms[fi];
        unsigned bad = 0;
        char first[400] = "";
        for (unsigned k = 0; k < cases; k++) {
            uint8_t c[32];
            struct nstate s;
            unsigned n = make_case(f, c, &s);
            for (unsigned b = 0; b < DATA_SIZE; b++)
                init[b] = (uint8_t)interesting();
            if (f->div) {
                /* The divisor (in memory) odd, so not 0; the dividend's high
                 * half (rDX, or AH for bytes) 0 and its low half positive:
                 * the quotient always fits. */
                for (unsigned b = 0; b < DATA_SIZE; b++)
                    init[b] |= 1;
                s.r[2] = 0;
                s.r[0] &= 0x7f7f7f7f7f7f00ffULL & ~0x80ULL;
            }
            char why[300];
            run_both(page, c, n, &s, init, OSZAPC & ~(amd ? 0 : f->undef),
                     amd || !f->undef_result, why, sizeof why);
            if (why[0] && !bad++)
                describe(first, sizeof first, why, f->name, c, n);
        }
        if (bad)
            cr_log_error("%-16s %u/%u mismatches; first: %s", f->name, bad, cases, first);
        bad_total += bad;
    }
    munmap(page, 4096);
    cr_assert_eq(bad_total, 0, "%u cases differ from the host CPU (%s)", bad_total,
                 amd ? "AMD: undefined flags compared too" : "undefined flags masked");
}

/* Lazy flags (cpu/x86/fast.c): a flag-setting instruction, sometimes an
 * INC/DEC after it (which keeps the carry of the first), on AMD sometimes an
 * IMUL between them (which keeps SF ZF AF PF), sometimes CMOVcc or
 * SETcc, then Jcc with a random condition over `add r14, 1`: the branch reads the flags in their
 * lazy form, across a block boundary.  Every register and RFLAGS compared. */
static const struct form setters[] = {
    {"ADD Ev,Gv", {0x01}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"ADD Gv,Ev", {0x03}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"SUB Ev,Gv", {0x29}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"SUB Gv,Ev", {0x2B}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"CMP Ev,Gv", {0x39}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"CMP Gv,Ev", {0x3B}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"AND Gv,Ev", {0x23}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"OR Ev,Gv", {0x09}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"XOR Gv,Ev", {0x33}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"TEST Ev,Gv", {0x85}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"ADD Ev,Iz", {0x81}, 1, 0, IZ, false, true, true, 0, false, 0, false},
    {"SUB Ev,Ib", {0x83}, 1, 5, 1, false, true, true, 0, false, 0, false},
    {"CMP Ev,Ib", {0x83}, 1, 7, 1, false, true, true, 0, false, 0, false},
    {"CMP Ev,Iz", {0x81}, 1, 7, IZ, false, true, true, 0, false, 0, false},
    {"AND Ev,Ib", {0x83}, 1, 4, 1, false, true, true, 0, false, 0, false},
    {"XOR Ev,Iz", {0x81}, 1, 6, IZ, false, true, true, 0, false, 0, false},
    {"CMP rAX,Iz", {0x3D}, 1, -3, IZ, false, false, true, 0, false, 0, false},
    {"TEST rAX,Iz", {0xA9}, 1, -3, IZ, false, false, true, 0, false, 0, false},
    {"INC Ev", {0xFF}, 1, 0, 0, false, false, true, 0, false, 0, false},
    {"DEC Ev", {0xFF}, 1, 1, 0, false, false, true, 0, false, 0, false},
    {"ADC Ev,Gv", {0x11}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"SBB Gv,Ev", {0x1B}, 1, -1, 0, false, true, true, 0, false, 0, false},
    {"CMP Eb,Gb", {0x38}, 1, -1, 0, true, true, true, 0, false, 0, false},
    /* undefined flags: only on the AMD reference hardware (see the top) */
    {"SHL Ev,Ib", {0xC1}, 1, 4, 1, false, false, true, 0x810, false, 0, false},
    {"SHR Ev,1", {0xD1}, 1, 5, 0, false, false, true, 0x810, false, 0, false},
    {"SAR Ev,CL", {0xD3}, 1, 7, 0, false, false, true, 0x810, false, 0, false},
    {"SAL Ev,CL", {0xD3}, 1, 6, 0, false, false, true, 0x810, false, 0, false},
    {"IMUL Gv,Ev,Ib", {0x6B}, 1, -1, 1, false, false, true, SZAP, false, 0, false},
    {"IMUL Gv,Ev", {0x0F, 0xAF}, 2, -1, 0, false, false, true, SZAP, false, 0, false},
};

#define N_SETTERS (sizeof setters / sizeof setters[0]) /* the last two: IMUL */

Test(x86_native, lazy_flags_and_conditions_match_the_host_cpu, .timeout = 600)
{
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        cr_skip_test("no executable page for the host side");
    static uint8_t init[DATA_SIZE];
    const char *env = getenv("SQUIB_X86_NATIVE_CASES");
    unsigned cases = (env && *env ? (unsigned)strtoul(env, NULL, 0) : 2000) * 16;
    gp_mode(GP_LONG64);
    unsigned bad = 0;
    char first[400] = "";
    bool amd = host_is_amd();
    for (unsigned k = 0; k < cases; k++) {
        const struct form *f = &setters[rnd() % (sizeof setters / sizeof setters[0])];
        if (f->undef && !amd)
            continue; /* a branch on an undefined flag may go either way */
        uint8_t c[64];
        struct nstate s, t;
        unsigned n = make_case(f, c, &s);
        if (amd && rnd() % 4 == 0) /* IMUL keeping the lazy SF ZF AF PF of the first */
            n += make_case(&setters[N_SETTERS - 1 - rnd() % 2], c + n, &t);
        if (rnd() % 2) /* INC/DEC of another register after it */
            n += make_case(&setters[rnd() % 2 ? 18 : 19], c + n, &t);
        unsigned cc = rnd() % 16;
        switch (rnd() % 4) {
        case 0: /* CMOVcc r15, r13 (32- or 64-bit) */
            c[n++] = rnd() % 2 ? 0x4D : 0x45;
            c[n++] = 0x0F;
            c[n++] = (uint8_t)(0x40 | cc);
            c[n++] = 0xFD;
            break;
        case 1: /* SETcc r12b */
            c[n++] = 0x41;
            c[n++] = 0x0F;
            c[n++] = (uint8_t)(0x90 | cc);
            c[n++] = 0xC4;
            break;
        default:
            break;
        }
        c[n++] = (uint8_t)(0x70 | (rnd() % 16)); /* Jcc +4 */
        c[n++] = 4;
        static const uint8_t add_r14[] = {0x49, 0x83, 0xC6, 0x01};
        memcpy(c + n, add_r14, 4);
        n += 4;
        for (unsigned b = 0; b < DATA_SIZE; b++)
            init[b] = (uint8_t)interesting();
        char why[300];
        run_both(page, c, n, &s, init, OSZAPC, true, why, sizeof why);
        if (why[0] && !bad++)
            describe(first, sizeof first, why, f->name, c, n);
    }
    munmap(page, 4096);
    cr_assert_eq(bad, 0, "%u of %u flag/branch sequences differ from the host CPU; first: %s",
                 bad, cases, first);
}

#else

Test(x86_native, interpreter_matches_the_host_cpu)
{
    cr_skip_test("not an x86-64 host");
}

Test(x86_native, lazy_flags_and_conditions_match_the_host_cpu)
{
    cr_skip_test("not an x86-64 host");
}

#endif
