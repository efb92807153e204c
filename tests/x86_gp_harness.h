/* tests/x86_gp_harness.h: the fixture of the tests/test_x86_gp_*.c files.
 *
 * One interpreter VM with 1 MiB of RAM at 0 (0x100000 and up are MMIO), code
 * at 0x1000, stack top at 0x8000, data at 0x2000.  gp_mode() puts the vCPU in
 * real mode, 16- or 32-bit protected mode or 64-bit mode (CS.L = 1 and
 * EFER.LMA, paging off: linear = physical), with flat segments.  Tests give
 * raw instruction bytes (assembly in comments), run to the HLT and check
 * registers, as Unicorn's unit tests do.
 */
#ifndef TESTS_X86_GP_HARNESS_H
#define TESTS_X86_GP_HARNESS_H

#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"

#define GP_RAM 0x100000
#define GP_CODE 0x1000
#define GP_DATA 0x2000
#define GP_STACK 0x8000
#define GP_MMIO 0x100000

enum gp_mode { GP_REAL, GP_PROT16, GP_PROT32, GP_LONG64 };

#define FL_CF 0x001ULL
#define FL_PF 0x004ULL
#define FL_AF 0x010ULL
#define FL_ZF 0x040ULL
#define FL_SF 0x080ULL
#define FL_DF 0x400ULL
#define FL_OF 0x800ULL
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

static struct squib_vm *vm;
static struct squib_vcpu *cpu;
static uint8_t *ram;
static struct squib_exit ex;

static inline void gp_setup(void)
{
    cr_assert_eq(squib_vm_create("interp", SQUIB_ARCH_X86_64, &vm), 0, "%s", squib_errmsg());
    ram = mmap(NULL, GP_RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(ram, MAP_FAILED);
    cr_assert_eq(squib_vm_map_ram(vm, 0, GP_RAM, ram, 0), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_vcpu_create(vm, 0, &cpu), 0);
    memset(&ex, 0, sizeof ex);
}

static inline void gp_teardown(void)
{
    squib_vm_destroy(vm);
    munmap(ram, GP_RAM);
}

static inline struct squib_x86_segment gp_seg(bool code, bool db, bool l)
{
    return (struct squib_x86_segment){.base = 0, .limit = 0xffffffff, .selector = code ? 8 : 16,
                                      .type = code ? 0xB : 0x3, .s = 1, .present = 1,
                                      .db = db, .l = l, .g = 1};
}

/* Exception handlers: vector v goes to a HLT at GP_HANDLERS + 16 v, through
 * the IVT (real mode) or an IDT at GP_IDT with code selector 8 from a GDT at
 * GP_GDT that matches the mode's flat segments. */
#define GP_GDT 0x30000
#define GP_IDT 0x31000
#define GP_HANDLERS 0x32000
#define GP_TSS 0x33000
#define GP_KSTACK 0x34000 /* RSP0/ESP0: exceptions from CPL3 */

static inline void gp_put64(uint64_t pa, uint64_t v)
{
    memcpy(ram + pa, &v, 8);
}

static inline void gp_exception_tables(enum gp_mode m)
{
    static const uint64_t code[] = {0x008f9b000000ffffULL, 0x00cf9b000000ffffULL,
                                    0x00af9b000000ffffULL};
    static const uint64_t data[] = {0x008f93000000ffffULL, 0x00cf93000000ffffULL,
                                    0x00cf93000000ffffULL};
    int k = m == GP_PROT16 ? 0 : m == GP_PROT32 ? 1 : 2;
    gp_put64(GP_GDT + 8, code[k]);
    gp_put64(GP_GDT + 16, data[k]);
    /* The TSS: ESP0/SS0 (32-bit) or RSP0 (64-bit) at +4. */
    memset(ram + GP_TSS, 0, 0x68);
    gp_put64(GP_TSS + 4, m == GP_LONG64 ? GP_KSTACK : (0x10ULL << 32) | GP_KSTACK);
    for (unsigned v = 0; v < 32; v++) {
        uint64_t h = GP_HANDLERS + 16 * v;
        ram[h] = 0xF4;
        /* IVT: offset:segment with segment GP_HANDLERS >> 4 */
        uint16_t ivt[2] = {(uint16_t)(16 * v), GP_HANDLERS >> 4};
        memcpy(ram + 4 * v, ivt, 4);
        if (m == GP_LONG64) {
            gp_put64(GP_IDT + 16 * v, (h & 0xffff) | 8ULL << 16 | 0x8eULL << 40 | (h >> 16) << 48);
            gp_put64(GP_IDT + 16 * v + 8, 0);
        } else {
            uint64_t type = m == GP_PROT32 ? 0x8e : 0x86;
            gp_put64(GP_IDT + 8 * v, (h & 0xffff) | 8ULL << 16 | type << 40 | (h >> 16) << 48);
        }
    }
}

/* Sets the mode with flat segments, rip = GP_CODE, rsp = GP_STACK. */
static inline void gp_mode(enum gp_mode m)
{
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    gp_exception_tables(m);
    s.gdt = (struct squib_x86_dtable){GP_GDT, 0x17};
    s.tr = (struct squib_x86_segment){.base = GP_TSS, .limit = 0x67, .selector = 0x18,
                                      .type = 0xB, .present = 1};
    s.idt = m == GP_REAL ? (struct squib_x86_dtable){0, 0x3ff}
                         : (struct squib_x86_dtable){GP_IDT, m == GP_LONG64 ? 0x1ff : 0xff};
    if (m == GP_REAL) {
        s.cs.selector = 0;
        s.cs.base = 0;
        s.cs.l = s.cs.db = 0; /* as a previous mode may have left them */
        s.cr0 &= ~1ULL;
        s.efer = 0;
    } else {
        bool db = m == GP_PROT32;
        s.cs = gp_seg(true, db, m == GP_LONG64);
        s.ds = s.es = s.fs = s.gs = s.ss = gp_seg(false, db, false);
        s.cr0 |= 1;
        s.efer = m == GP_LONG64 ? 0x500 : 0;
    }
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0, "%s",
                 squib_errmsg());
    struct squib_x86_regs g = {.rip = GP_CODE, .rsp = GP_STACK, .rflags = 2};
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0);
}

static inline void code(const uint8_t *bytes, size_t n)
{
    memcpy(ram + GP_CODE, bytes, n);
}

static inline struct squib_x86_regs regs(void)
{
    struct squib_x86_regs g;
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0);
    return g;
}

static inline void set_regs(struct squib_x86_regs g)
{
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0);
}

static inline void run(void)
{
    cr_assert_eq(squib_vcpu_run(cpu, &ex), 0);
}

/* Runs to the HLT; fails with the exit otherwise. */
static inline struct squib_x86_regs run_hlt(void)
{
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HLT, "got %s: %s", squib_exit_kind_name(ex.kind),
                 ex.kind == SQUIB_EXIT_INTERNAL_ERROR ? ex.internal.message : "");
    return regs();
}

/* Runs to an INTERNAL_ERROR whose message holds `what`, at `pc`. */
static inline void run_error(const char *what, uint64_t pc)
{
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_INTERNAL_ERROR, "got %s", squib_exit_kind_name(ex.kind));
    cr_assert(strstr(ex.internal.message, what), "%s", ex.internal.message);
    cr_assert_eq(ex.pc, pc, "pc 0x%llx", (unsigned long long)ex.pc);
}

/* Runs to the handler of exception `vec` (see gp_exception_tables) and
 * checks that it was raised by the instruction at `pc`: the return address
 * on the handler's stack (above the error code, for vectors that have one). */
static inline void run_exception(unsigned vec, uint64_t pc)
{
    run();
    cr_assert_eq(ex.kind, SQUIB_EXIT_HLT, "wanted exception %u, got %s: %s", vec,
                 squib_exit_kind_name(ex.kind),
                 ex.kind == SQUIB_EXIT_INTERNAL_ERROR ? ex.internal.message : "");
    struct squib_x86_sregs s;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    cr_assert_eq(s.cs.base + ex.pc, GP_HANDLERS + 16 * vec, "handler of vector %llu ran",
                 (unsigned long long)((s.cs.base + ex.pc - GP_HANDLERS) / 16));
    struct squib_x86_regs g = regs();
    unsigned w = s.cs.l ? 8 : s.cs.db ? 4 : 2;
    bool err = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
    uint64_t sp = (s.ss.base + g.rsp) + (err && w != 2 ? w : 0), ret = 0;
    memcpy(&ret, ram + sp, w);
    cr_assert_eq(ret, pc, "return address 0x%llx", (unsigned long long)ret);
}

/* Code, registers, run to HLT: the common case. */
static inline struct squib_x86_regs exec(const uint8_t *bytes, size_t n, struct squib_x86_regs g)
{
    code(bytes, n);
    g.rip = GP_CODE;
    if (!g.rsp)
        g.rsp = GP_STACK;
    g.rflags |= 2;
    set_regs(g);
    return run_hlt();
}

#define EXEC(g, ...)                                                                         \
    ({                                                                                       \
        static const uint8_t c_[] = {__VA_ARGS__};                                           \
        exec(c_, sizeof c_, g);                                                              \
    })

#endif
