/* tests/test_kvm_backend.c: the KVM backend through the public API.
 *
 * Tiny real-mode programs live in a 64 KiB "BIOS" buffer mapped at 0xF0000
 * and aliased at 0xFFFF0000; the reset vector (0xFFFF0000 + 0xFFF0) jumps to
 * F000:0100, where each program starts, so every pc below is an offset from
 * CS base 0xF0000.  64 KiB of RAM at 0 holds data and the stack; nothing is
 * mapped at 0xA0000, so accesses there are MMIO.  Every test that needs
 * /dev/kvm skips, saying why, where it cannot run x86-64 guests; the decoder
 * tests at the end (the instruction-length decoder the backend uses to find
 * the instruction behind an exit) need no KVM.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "accel/kvm/kvm_decode.h"
#include "squib/accel.h"

#define ROM_BASE 0xF0000ULL
#define ROM_ALIAS 0xFFFF0000ULL
#define ROM_SIZE 0x10000
#define LOW_SIZE 0x10000
#define CODE 0x100 /* programs start at F000:0100 */

struct rig {
    struct squib_vm *vm;
    struct squib_vcpu *cpu;
    uint8_t *rom, *low;
};

struct prog {
    uint8_t b[512];
    unsigned n;
};

/* Appends an instruction; returns its address (IP). */
static uint64_t emit_bytes(struct prog *p, const uint8_t *b, size_t n)
{
    uint64_t at = CODE + p->n;
    cr_assert(p->n + n <= sizeof p->b);
    memcpy(p->b + p->n, b, n);
    p->n += (unsigned)n;
    return at;
}
#define EMIT(p, ...)                                                                      \
    emit_bytes(p, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void skip_unless_kvm(void)
{
    struct squib_accel_info info[4];
    int n = squib_accel_list(SQUIB_ARCH_X86_64, info, 4);
    for (int i = 0; i < n && i < 4; i++) {
        if (strcmp(info[i].name, "kvm") != 0)
            continue;
        if (info[i].available)
            return;
        fprintf(stderr, "skipping: kvm cannot run x86-64 guests here: %s\n", info[i].why);
        cr_skip_test("kvm cannot run x86-64 guests here: %s", info[i].why);
    }
    fprintf(stderr, "skipping: no kvm backend in this build\n");
    cr_skip_test("no kvm backend in this build");
}

static void *map_buf(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    return p;
}

static void rig_init(struct rig *r, const struct prog *p)
{
    skip_unless_kvm();
    memset(r, 0, sizeof *r);
    r->rom = map_buf(ROM_SIZE);
    r->low = map_buf(LOW_SIZE);
    cr_assert_eq(squib_vm_create("kvm", SQUIB_ARCH_X86_64, &r->vm), 0, "%s", squib_errmsg());
    cr_assert_str_eq(squib_vm_accel_name(r->vm), "kvm");
    cr_assert_eq(squib_vm_map_ram(r->vm, ROM_BASE, ROM_SIZE, r->rom, 0), 0, "%s",
                 squib_errmsg());
    cr_assert_eq(squib_vm_map_ram(r->vm, ROM_ALIAS, ROM_SIZE, r->rom, 0), 0, "%s",
                 squib_errmsg());
    cr_assert_eq(squib_vm_map_ram(r->vm, 0, LOW_SIZE, r->low, 0), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_vcpu_create(r->vm, 0, &r->cpu), 0, "%s", squib_errmsg());
    /* FFFF:FFF0 (linear 0xFFFFFFF0): jmp far F000:0100 */
    static const uint8_t reset[] = {0xea, CODE & 0xff, CODE >> 8, 0x00, 0xf0};
    memcpy(r->rom + 0xfff0, reset, sizeof reset);
    if (p)
        memcpy(r->rom + CODE, p->b, p->n);
}

static void rig_fini(struct rig *r)
{
    squib_vm_destroy(r->vm);
    munmap(r->rom, ROM_SIZE);
    munmap(r->low, LOW_SIZE);
}

static void describe(const struct squib_exit *e, char *buf, size_t len)
{
    squib_exit_format(e, buf, len);
}

static void run(struct rig *r, struct squib_exit *e)
{
    int rc = squib_vcpu_run(r->cpu, e);
    cr_assert_eq(rc, 0, "run failed: %d %s", rc, squib_errmsg());
}

static void expect_kind(struct rig *r, struct squib_exit *e, enum squib_exit_kind kind,
                        uint64_t pc)
{
    char s[512];
    run(r, e);
    describe(e, s, sizeof s);
    cr_assert_eq(e->kind, kind, "expected %s at pc=0x%llx, got: %s", squib_exit_kind_name(kind),
                 (unsigned long long)pc, s);
    cr_assert_eq(e->pc, pc, "expected pc=0x%llx, got: %s", (unsigned long long)pc, s);
}

static void expect_pio(struct rig *r, struct squib_exit *e, bool write, uint16_t port,
                       unsigned size, uint32_t data, uint64_t pc)
{
    char s[512];
    expect_kind(r, e, SQUIB_EXIT_PIO, pc);
    describe(e, s, sizeof s);
    cr_assert_eq(e->pio.write, write, "%s", s);
    cr_assert_eq(e->pio.port, port, "%s", s);
    cr_assert_eq(e->pio.size, size, "%s", s);
    cr_assert_eq(e->pio.data, write ? data : 0, "%s", s);
}

static void expect_mmio(struct rig *r, struct squib_exit *e, bool write, uint64_t addr,
                        unsigned size, uint64_t data, uint64_t pc)
{
    char s[512];
    expect_kind(r, e, SQUIB_EXIT_MMIO, pc);
    describe(e, s, sizeof s);
    cr_assert_eq(e->mmio.write, write, "%s", s);
    cr_assert_eq(e->mmio.addr, addr, "%s", s);
    cr_assert_eq(e->mmio.size, size, "%s", s);
    cr_assert_eq(e->mmio.data, write ? data : 0, "%s", s);
}

static struct squib_x86_regs gpr(struct rig *r)
{
    struct squib_x86_regs g;
    cr_assert_eq(squib_vcpu_get_regs(r->cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0, "%s",
                 squib_errmsg());
    return g;
}

/* ---- probe and creation ------------------------------------------------ */

Test(kvm_backend, probe_explains_itself)
{
    skip_unless_kvm();
    struct squib_accel_info info[4];
    int n = squib_accel_list(SQUIB_ARCH_X86_64, info, 4);
    bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
    for (int i = 0; i < n && i < 4; i++) {
        if (strcmp(info[i].name, "kvm") != 0)
            continue;
        cr_assert(info[i].available);
        if (pvm)
            cr_assert(strstr(info[i].why, "kvm-pvm") && strstr(info[i].why, "-accel kvm"),
                      "why: %s", info[i].why);
        else
            cr_assert_str_empty(info[i].why);
    }
    n = squib_accel_list(SQUIB_ARCH_ARM64, info, 4);
    for (int i = 0; i < n && i < 4; i++)
        if (strcmp(info[i].name, "kvm") == 0) {
            cr_assert_not(info[i].available);
            cr_assert(strstr(info[i].why, "aarch64"), "why: %s", info[i].why);
        }
}

Test(kvm_backend, refuses_arm64_guests)
{
    skip_unless_kvm();
    struct squib_vm *vm = NULL;
    int rc = squib_vm_create("kvm", SQUIB_ARCH_ARM64, &vm);
    cr_assert_lt(rc, 0);
    cr_assert_null(vm);
    cr_assert(strstr(squib_errmsg(), "aarch64"), "%s", squib_errmsg());
}

Test(kvm_backend, irq_line_not_yet)
{
    struct rig r;
    rig_init(&r, NULL);
    cr_assert_eq(squib_vm_set_irq_line(r.vm, 4, true), -ENOSYS);
    cr_assert(strstr(squib_errmsg(), "interrupt controller"), "%s", squib_errmsg());
    rig_fini(&r);
}

Test(kvm_backend, overlapping_ram_rejected)
{
    struct rig r;
    rig_init(&r, NULL);
    uint8_t *extra = map_buf(0x1000);
    cr_assert_lt(squib_vm_map_ram(r.vm, 0x8000, 0x1000, extra, 0), 0);
    cr_assert(strstr(squib_errmsg(), "overlap"), "%s", squib_errmsg());
    rig_fini(&r);
    munmap(extra, 0x1000);
}

/* ---- reset state and registers ----------------------------------------- */

Test(kvm_backend, reset_state)
{
    struct rig r;
    rig_init(&r, NULL);
    struct squib_x86_regs g = gpr(&r);
    cr_assert_eq(g.rip, 0xfff0);
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(r.cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    cr_assert_eq(s.cs.selector, 0xf000);
    cr_assert_eq(s.cs.base, 0xffff0000);
    cr_assert_eq(s.cr0 & 1, 0, "real mode");
    rig_fini(&r);
}

Test(kvm_backend, gpr_sregs_fpu_round_trip)
{
    struct rig r;
    rig_init(&r, NULL);
    struct squib_x86_regs g = gpr(&r);
    g.rax = 0x1111222233334444ULL;
    g.rbx = 0x5555;
    g.r15 = 0xdeadbeefcafef00dULL;
    g.rip = 0x1234;
    cr_assert_eq(squib_vcpu_set_regs(r.cpu, SQUIB_REGSET_X86_GPR, &g, sizeof g), 0, "%s",
                 squib_errmsg());
    struct squib_x86_regs h = gpr(&r);
    cr_assert_eq(h.rax, g.rax);
    cr_assert_eq(h.rbx, g.rbx);
    cr_assert_eq(h.r15, g.r15);
    cr_assert_eq(h.rip, g.rip);

    struct squib_x86_sregs s, t;
    cr_assert_eq(squib_vcpu_get_regs(r.cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    s.ds.selector = 0x1234;
    s.ds.base = 0x12340;
    s.es.selector = 0x2000;
    s.es.base = 0x20000;
    s.gdt.base = 0x500;
    s.gdt.limit = 0x27;
    cr_assert_eq(squib_vcpu_set_regs(r.cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0, "%s",
                 squib_errmsg());
    cr_assert_eq(squib_vcpu_get_regs(r.cpu, SQUIB_REGSET_X86_SYS, &t, sizeof t), 0);
    cr_assert_eq(t.ds.selector, 0x1234);
    cr_assert_eq(t.ds.base, 0x12340);
    cr_assert_eq(t.es.base, 0x20000);
    cr_assert_eq(t.gdt.base, 0x500);
    cr_assert_eq(t.gdt.limit, 0x27);
    cr_assert_eq(t.cs.base, s.cs.base);
    cr_assert_eq(t.apic_base, s.apic_base);

    struct squib_x86_fpu f, f2;
    cr_assert_eq(squib_vcpu_get_regs(r.cpu, SQUIB_REGSET_X86_FPU, &f, sizeof f), 0);
    memset(f.xmm[3], 0xa5, sizeof f.xmm[3]);
    f.mxcsr = 0x1f80 | 0x6000; /* round toward zero */
    cr_assert_eq(squib_vcpu_set_regs(r.cpu, SQUIB_REGSET_X86_FPU, &f, sizeof f), 0, "%s",
                 squib_errmsg());
    cr_assert_eq(squib_vcpu_get_regs(r.cpu, SQUIB_REGSET_X86_FPU, &f2, sizeof f2), 0);
    cr_assert_arr_eq(f2.xmm[3], f.xmm[3], sizeof f.xmm[3]);
    cr_assert_eq(f2.mxcsr, f.mxcsr);
    rig_fini(&r);
}

Test(kvm_backend, msr_round_trip)
{
    struct rig r;
    rig_init(&r, NULL);
    uint64_t v = 0;
    cr_assert_eq(squib_vcpu_set_one_reg(r.cpu, SQUIB_REG_X86_MSR(0x174), 0x10), 0, "%s",
                 squib_errmsg()); /* IA32_SYSENTER_CS */
    cr_assert_eq(squib_vcpu_get_one_reg(r.cpu, SQUIB_REG_X86_MSR(0x174), &v), 0, "%s",
                 squib_errmsg());
    cr_assert_eq(v, 0x10);
    cr_assert_eq(squib_vcpu_set_one_reg(r.cpu, SQUIB_REG_X86_MSR(0x175), 0x7000), 0, "%s",
                 squib_errmsg()); /* IA32_SYSENTER_ESP */
    cr_assert_eq(squib_vcpu_get_one_reg(r.cpu, SQUIB_REG_X86_MSR(0x175), &v), 0);
    cr_assert_eq(v, 0x7000);
    cr_assert_eq(squib_vcpu_get_one_reg(r.cpu, SQUIB_ARM64_SCTLR_EL1, &v), -EINVAL);
    cr_assert(strstr(squib_errmsg(), "MSR"), "%s", squib_errmsg());
    rig_fini(&r);
}

/* CPUID feature words through one-register ids, as on the interpreter
 * (x86_misc::cpuid_features_can_be_removed_not_added): a feature KVM
 * offers can be removed before the first run and the guest's CPUID then
 * lacks it; one KVM does not offer cannot be added; fixed words stay. */
Test(kvm_backend, cpuid_features_can_be_removed_not_added)
{
    struct prog p = {0};
    EMIT(&p, 0x66, 0xb8, 0x01, 0x00, 0x00, 0x00);         /* mov eax, 1 */
    EMIT(&p, 0x0f, 0xa2);                                 /* cpuid */
    EMIT(&p, 0x66, 0x89, 0xc8);                           /* mov eax, ecx */
    uint64_t o = EMIT(&p, 0x66, 0xe7, 0x10);              /* out 0x10, eax */
    struct rig r;
    rig_init(&r, &p);
    const uint64_t id = SQUIB_REG_X86_CPUID(1, 0, 2);
    uint64_t v = 0;
    cr_assert_eq(squib_vcpu_get_one_reg(r.cpu, id, &v), 0, "%s", squib_errmsg());
    cr_assert(v & (1u << 13), "KVM offers CMPXCHG16B: 0x%llx", (unsigned long long)v);
    uint32_t missing = (uint32_t)~v & (uint32_t)-(int32_t)~(uint32_t)v; /* its lowest clear bit */
    cr_assert_lt(squib_vcpu_set_one_reg(r.cpu, id, v | missing), 0, "0x%x cannot be added", missing);
    cr_assert(strstr(squib_errmsg(), "may only remove"), "%s", squib_errmsg());
    cr_assert_lt(squib_vcpu_set_one_reg(r.cpu, SQUIB_REG_X86_CPUID(0, 0, 1), 0), 0, "the vendor");
    cr_assert_eq(squib_vcpu_set_one_reg(r.cpu, id, v & ~(1u << 13)), 0, "%s", squib_errmsg());
    cr_assert_eq(squib_vcpu_get_one_reg(r.cpu, id, &v), 0);
    cr_assert_eq(v & (1u << 13), 0, "the table lacks it now");
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_kind(&r, &e, SQUIB_EXIT_PIO, o);
    cr_assert_eq(e.pio.data & (1u << 13), 0, "the guest's CPUID lacks it: 0x%x", e.pio.data);
    /* kvm-pvm answers the guest's CPUID with the host's, less what the
     * table clears (features KVM_GET_SUPPORTED_CPUID leaves out, POPCNT
     * among them, still show); elsewhere the guest sees the table. */
    if (access("/sys/module/kvm_pvm", F_OK) != 0)
        cr_assert_eq(e.pio.data, (uint32_t)v, "0x%x", e.pio.data);
    rig_fini(&r);
}

/* XCR0 through SQUIB_REG_X86_XCR(0) (KVM_GET/SET_XCRS): x87 at reset, as
 * on the interpreter (x86::xcr0_is_plumbed). */
Test(kvm_backend, xcr0_round_trip)
{
    struct rig r;
    rig_init(&r, NULL);
    uint64_t v = 0;
    cr_assert_eq(squib_vcpu_get_one_reg(r.cpu, SQUIB_REG_X86_XCR(0), &v), 0, "%s", squib_errmsg());
    cr_assert_eq(v, 1, "XCR0 0x%llx", (unsigned long long)v);
    cr_assert_eq(squib_vcpu_set_one_reg(r.cpu, SQUIB_REG_X86_XCR(0), 1), 0, "%s", squib_errmsg());
    cr_assert_lt(squib_vcpu_set_one_reg(r.cpu, SQUIB_REG_X86_XCR(0), 0), 0, "x87 cannot go");
    rig_fini(&r);
}

/* ---- port I/O ---------------------------------------------------------- */

Test(kvm_backend, out_imm8_sizes)
{
    struct prog p = {0};
    EMIT(&p, 0xb0, 0x11);                                 /* mov al, 0x11 */
    uint64_t o1 = EMIT(&p, 0xe6, 0x10);                   /* out 0x10, al */
    EMIT(&p, 0xb8, 0x33, 0x22);                           /* mov ax, 0x2233 */
    uint64_t o2 = EMIT(&p, 0xe7, 0x12);                   /* out 0x12, ax */
    EMIT(&p, 0x66, 0xb8, 0x77, 0x66, 0x55, 0x44);         /* mov eax, 0x44556677 */
    uint64_t o4 = EMIT(&p, 0x66, 0xe7, 0x14);             /* out 0x14, eax */
    uint64_t hlt = EMIT(&p, 0xf4);                        /* hlt */
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_pio(&r, &e, true, 0x10, 1, 0x11, o1);
    expect_pio(&r, &e, true, 0x12, 2, 0x2233, o2);
    expect_pio(&r, &e, true, 0x14, 4, 0x44556677, o4);
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    rig_fini(&r);
}

Test(kvm_backend, out_dx_sizes)
{
    struct prog p = {0};
    EMIT(&p, 0xba, 0xf8, 0x03);                           /* mov dx, 0x3f8 */
    EMIT(&p, 0x66, 0xb8, 0x44, 0x33, 0x22, 0x11);         /* mov eax, 0x11223344 */
    uint64_t o1 = EMIT(&p, 0xee);                         /* out dx, al */
    uint64_t o2 = EMIT(&p, 0xef);                         /* out dx, ax */
    uint64_t o4 = EMIT(&p, 0x66, 0xef);                   /* out dx, eax */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_pio(&r, &e, true, 0x3f8, 1, 0x44, o1);
    expect_pio(&r, &e, true, 0x3f8, 2, 0x3344, o2);
    expect_pio(&r, &e, true, 0x3f8, 4, 0x11223344, o4);
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    rig_fini(&r);
}

/* The byte before an OUT looks like a prefix, and two OUTs are identical:
 * the pc must still be each OUT's own address. */
Test(kvm_backend, out_pc_is_exact)
{
    struct prog p = {0};
    EMIT(&p, 0xba, 0xe9, 0x00);                           /* mov dx, 0xe9 */
    EMIT(&p, 0xb0, 0x2e);                                 /* mov al, 0x2e (a CS prefix byte) */
    uint64_t o1 = EMIT(&p, 0xee);                         /* out dx, al */
    EMIT(&p, 0xb0, 0x66);                                 /* mov al, 0x66 (operand-size byte) */
    uint64_t o2 = EMIT(&p, 0xe6, 0x80);                   /* out 0x80, al */
    uint64_t o3 = EMIT(&p, 0xe6, 0x80);                   /* out 0x80, al */
    EMIT(&p, 0xb8, 0x66, 0x66);                           /* mov ax, 0x6666 */
    uint64_t o4 = EMIT(&p, 0xef);                         /* out dx, ax */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_pio(&r, &e, true, 0xe9, 1, 0x2e, o1);
    expect_pio(&r, &e, true, 0x80, 1, 0x66, o2);
    expect_pio(&r, &e, true, 0x80, 1, 0x66, o3);
    expect_pio(&r, &e, true, 0xe9, 2, 0x6666, o4);
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    rig_fini(&r);
}

Test(kvm_backend, in_completes_with_vmm_data)
{
    struct prog p = {0};
    EMIT(&p, 0xba, 0x60, 0x00);                           /* mov dx, 0x60 */
    uint64_t i1 = EMIT(&p, 0xec);                         /* in al, dx */
    EMIT(&p, 0x88, 0xc3);                                 /* mov bl, al */
    uint64_t i2 = EMIT(&p, 0xe5, 0x61);                   /* in ax, 0x61 */
    EMIT(&p, 0x89, 0xc1);                                 /* mov cx, ax */
    uint64_t i4 = EMIT(&p, 0x66, 0xed);                   /* in eax, dx */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_pio(&r, &e, false, 0x60, 1, 0, i1);
    e.pio.data = 0xab;
    expect_pio(&r, &e, false, 0x61, 2, 0, i2);
    e.pio.data = 0xbeef;
    expect_pio(&r, &e, false, 0x60, 4, 0, i4);
    e.pio.data = 0x12345678;
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    struct squib_x86_regs g = gpr(&r);
    cr_assert_eq(g.rbx & 0xff, 0xab);
    cr_assert_eq(g.rcx & 0xffff, 0xbeef);
    cr_assert_eq(g.rax & 0xffffffff, 0x12345678);
    rig_fini(&r);
}

Test(kvm_backend, rep_outsb_one_exit_per_byte)
{
    struct prog p = {0};
    EMIT(&p, 0xbe, 0x00, 0x05);                           /* mov si, 0x500 */
    EMIT(&p, 0xb9, 0x03, 0x00);                           /* mov cx, 3 */
    EMIT(&p, 0xba, 0xe9, 0x00);                           /* mov dx, 0xe9 */
    uint64_t outs = EMIT(&p, 0xf3, 0x6e);                 /* rep outsb */
    uint64_t one = EMIT(&p, 0x6e);                        /* outsb */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    memcpy(r.low + 0x500, "abcd", 4);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_pio(&r, &e, true, 0xe9, 1, 'a', outs);
    expect_pio(&r, &e, true, 0xe9, 1, 'b', outs);
    expect_pio(&r, &e, true, 0xe9, 1, 'c', outs);
    expect_pio(&r, &e, true, 0xe9, 1, 'd', one);
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    struct squib_x86_regs g = gpr(&r);
    cr_assert_eq(g.rcx & 0xffff, 0);
    cr_assert_eq(g.rsi & 0xffff, 0x504);
    rig_fini(&r);
}

Test(kvm_backend, rep_insb_one_exit_per_byte)
{
    struct prog p = {0};
    EMIT(&p, 0xbf, 0x00, 0x06);                           /* mov di, 0x600 */
    EMIT(&p, 0xb9, 0x03, 0x00);                           /* mov cx, 3 */
    EMIT(&p, 0xba, 0x70, 0x00);                           /* mov dx, 0x70 */
    uint64_t ins = EMIT(&p, 0xf3, 0x6c);                  /* rep insb */
    uint64_t insw = EMIT(&p, 0x6d);                       /* insw */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_pio(&r, &e, false, 0x70, 1, 0, ins);
    e.pio.data = 0x10;
    expect_pio(&r, &e, false, 0x70, 1, 0, ins);
    e.pio.data = 0x20;
    expect_pio(&r, &e, false, 0x70, 1, 0, ins);
    e.pio.data = 0x30;
    expect_pio(&r, &e, false, 0x70, 2, 0, insw);
    e.pio.data = 0x5040;
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    static const uint8_t want[] = {0x10, 0x20, 0x30, 0x40, 0x50};
    cr_assert_arr_eq(r.low + 0x600, want, sizeof want);
    struct squib_x86_regs g = gpr(&r);
    cr_assert_eq(g.rcx & 0xffff, 0);
    cr_assert_eq(g.rdi & 0xffff, 0x605);
    rig_fini(&r);
}

/* ---- MMIO -------------------------------------------------------------- */

Test(kvm_backend, mmio_read_write)
{
    struct prog p = {0};
    EMIT(&p, 0xb8, 0x00, 0xa0);                           /* mov ax, 0xa000 */
    EMIT(&p, 0x8e, 0xd8);                                 /* mov ds, ax */
    uint64_t r1 = EMIT(&p, 0xa0, 0x10, 0x00);             /* mov al, [0x10] */
    uint64_t w1 = EMIT(&p, 0xa2, 0x20, 0x00);             /* mov [0x20], al */
    uint64_t r2 = EMIT(&p, 0x8b, 0x1e, 0x30, 0x00);       /* mov bx, [0x30] */
    uint64_t w2 = EMIT(&p, 0xc7, 0x06, 0x40, 0x00, 0xef, 0xbe); /* mov word [0x40], 0xbeef */
    uint64_t r4 = EMIT(&p, 0x66, 0xa1, 0x50, 0x00);       /* mov eax, [0x50] */
    uint64_t rmw = EMIT(&p, 0x00, 0x06, 0x60, 0x00);      /* add [0x60], al */
    uint64_t w4 = EMIT(&p, 0x66, 0x89, 0x1e, 0x70, 0x00); /* mov [0x70], ebx */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_mmio(&r, &e, false, 0xa0010, 1, 0, r1);
    e.mmio.data = 0x5a;
    expect_mmio(&r, &e, true, 0xa0020, 1, 0x5a, w1);
    expect_mmio(&r, &e, false, 0xa0030, 2, 0, r2);
    e.mmio.data = 0x1234;
    expect_mmio(&r, &e, true, 0xa0040, 2, 0xbeef, w2);
    expect_mmio(&r, &e, false, 0xa0050, 4, 0, r4);
    e.mmio.data = 0xcafef00d;
    /* Read-modify-write: a read, then the write, both from the same pc. */
    expect_mmio(&r, &e, false, 0xa0060, 1, 0, rmw);
    e.mmio.data = 0x01;
    expect_mmio(&r, &e, true, 0xa0060, 1, 0x0e, rmw);
    expect_mmio(&r, &e, true, 0xa0070, 4, 0x1234, w4);
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    struct squib_x86_regs g = gpr(&r);
    cr_assert_eq(g.rbx & 0xffff, 0x1234);
    cr_assert_eq(g.rax & 0xffffffff, 0xcafef00d);
    rig_fini(&r);
}

Test(kvm_backend, readonly_write_is_mmio)
{
    struct prog p = {0};
    EMIT(&p, 0xb8, 0x00, 0xc0);                           /* mov ax, 0xc000 */
    EMIT(&p, 0x8e, 0xd8);                                 /* mov ds, ax */
    EMIT(&p, 0xa0, 0x04, 0x00);                           /* mov al, [4] (plain read) */
    uint64_t w = EMIT(&p, 0xc6, 0x06, 0x08, 0x00, 0x77);  /* mov byte [8], 0x77 */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    uint8_t *ro = map_buf(0x1000);
    ro[4] = 0x42;
    cr_assert_eq(squib_vm_map_ram(r.vm, 0xc0000, 0x1000, ro, SQUIB_MEM_READONLY), 0, "%s",
                 squib_errmsg());
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_mmio(&r, &e, true, 0xc0008, 1, 0x77, w);
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    cr_assert_eq(gpr(&r).rax & 0xff, 0x42);
    cr_assert_eq(ro[8], 0, "read-only memory must not change");
    rig_fini(&r);
    munmap(ro, 0x1000);
}

Test(kvm_backend, hlt)
{
    struct prog p = {0};
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    cr_assert_eq(gpr(&r).rip, hlt + 1, "execution goes on after the HLT");
    rig_fini(&r);
}

/* ---- debug ------------------------------------------------------------- */

Test(kvm_backend, single_step)
{
    struct prog p = {0};
    uint64_t o1 = EMIT(&p, 0xe6, 0x80);                   /* out 0x80, al */
    EMIT(&p, 0x90);                                       /* nop */
    uint64_t o2 = EMIT(&p, 0xe6, 0x81);                   /* out 0x81, al */
    uint64_t nop = EMIT(&p, 0x90);                        /* nop */
    uint64_t mov = EMIT(&p, 0xb0, 0x05);                  /* mov al, 5 */
    uint64_t hlt = EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_pio(&r, &e, true, 0x80, 1, 0, o1);
    struct squib_guest_debug dbg = {.enable = true, .single_step = true};
    cr_assert_eq(squib_vcpu_set_guest_debug(r.cpu, &dbg), 0, "%s", squib_errmsg());
    expect_kind(&r, &e, SQUIB_EXIT_DEBUG, o2); /* stepped over the nop */
    cr_assert_eq(e.debug.reason, SQUIB_DEBUG_SINGLE_STEP);
    expect_pio(&r, &e, true, 0x81, 1, 0, o2);
    expect_kind(&r, &e, SQUIB_EXIT_DEBUG, nop); /* the step over the OUT */
    cr_assert_eq(e.debug.reason, SQUIB_DEBUG_SINGLE_STEP);
    expect_kind(&r, &e, SQUIB_EXIT_DEBUG, mov);
    expect_kind(&r, &e, SQUIB_EXIT_DEBUG, hlt);
    dbg.enable = false;
    cr_assert_eq(squib_vcpu_set_guest_debug(r.cpu, &dbg), 0, "%s", squib_errmsg());
    expect_kind(&r, &e, SQUIB_EXIT_HLT, hlt);
    rig_fini(&r);
}

Test(kvm_backend, hardware_breakpoint)
{
    struct prog p = {0};
    EMIT(&p, 0x90);                                       /* nop */
    uint64_t bp = EMIT(&p, 0xb0, 0x01);                   /* mov al, 1 */
    uint64_t out = EMIT(&p, 0xe6, 0x80);                  /* out 0x80, al */
    EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    /* Breakpoints are linear addresses: CS base 0xF0000 + IP. */
    struct squib_guest_debug dbg = {
        .enable = true, .n_breakpoints = 1, .breakpoints = {ROM_BASE + bp}};
    cr_assert_eq(squib_vcpu_set_guest_debug(r.cpu, &dbg), 0, "%s", squib_errmsg());
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    expect_kind(&r, &e, SQUIB_EXIT_DEBUG, bp);
    cr_assert_eq(e.debug.reason, SQUIB_DEBUG_BREAKPOINT);
    dbg.enable = false;
    dbg.n_breakpoints = 0;
    cr_assert_eq(squib_vcpu_set_guest_debug(r.cpu, &dbg), 0, "%s", squib_errmsg());
    expect_pio(&r, &e, true, 0x80, 1, 1, out);
    rig_fini(&r);
}

/* ---- kicks ------------------------------------------------------------- */

Test(kvm_backend, kick_before_run)
{
    struct prog p = {0};
    EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    squib_vcpu_kick(r.cpu);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    run(&r, &e);
    cr_assert_eq(e.kind, SQUIB_EXIT_INTERRUPTED, "got %s", squib_exit_kind_name(e.kind));
    expect_kind(&r, &e, SQUIB_EXIT_HLT, CODE);
    rig_fini(&r);
}

struct kicker {
    struct squib_vcpu *cpu;
    int delay_ms;
};

static void *kick_later(void *arg)
{
    struct kicker *k = arg;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = k->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    squib_vcpu_kick(k->cpu);
    return NULL;
}

Test(kvm_backend, kick_from_another_thread, .timeout = 20)
{
    struct prog p = {0};
    uint64_t loop = EMIT(&p, 0xeb, 0xfe);                 /* jmp $ */
    struct rig r;
    rig_init(&r, &p);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    for (int round = 0; round < 3; round++) {
        struct kicker k = {.cpu = r.cpu, .delay_ms = 50};
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, kick_later, &k), 0);
        expect_kind(&r, &e, SQUIB_EXIT_INTERRUPTED, loop);
        pthread_join(t, NULL);
    }
    rig_fini(&r);
}

/* What VMCALL does depends on the host (accel/kvm/kvm_vm.c): a HYPERCALL exit
 * with the Xen intercept, KVM's own handling on VMX/SVM (RAX = -1000, the
 * guest goes on to the HLT), or, on kvm-pvm, an INTERNAL_ERROR saying that
 * hypercalls cannot reach squib once a kick finds the vCPU stuck on it. */
Test(kvm_backend, vmcall_is_reported, .timeout = 20)
{
    struct prog p = {0};
    uint64_t vmcall = EMIT(&p, 0x0f, 0x01, 0xc1);         /* vmcall */
    EMIT(&p, 0xf4);
    struct rig r;
    rig_init(&r, &p);
    struct kicker k = {.cpu = r.cpu, .delay_ms = 200};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, kick_later, &k), 0);
    struct squib_exit e;
    memset(&e, 0, sizeof e);
    char s[512];
    run(&r, &e);
    describe(&e, s, sizeof s);
    pthread_join(t, NULL);
    if (e.kind == SQUIB_EXIT_INTERNAL_ERROR) {
        cr_assert(strstr(e.internal.message, "VMCALL"), "%s", s);
        cr_assert_eq(e.pc, vmcall, "%s", s);
    } else {
        cr_assert(e.kind == SQUIB_EXIT_HYPERCALL || e.kind == SQUIB_EXIT_HLT, "%s", s);
    }
    rig_fini(&r);
}

/* ---- the instruction decoder behind exit pcs (no KVM needed) ------------ */

struct len_case {
    unsigned mode;
    uint8_t b[16];
    unsigned n, len;
};

Test(kvm_decode, lengths)
{
    static const struct len_case cases[] = {
        {2, {0xe6, 0x10}, 2, 2},                                     /* out 0x10, al */
        {2, {0x66, 0xef}, 2, 2},                                     /* out dx, eax */
        {2, {0xf3, 0x6e}, 2, 2},                                     /* rep outsb */
        {2, {0xc7, 0x06, 0x40, 0x00, 0xef, 0xbe}, 6, 6},             /* mov word [0x40], imm16 */
        {2, {0x66, 0xc7, 0x06, 0x40, 0x00, 1, 2, 3, 4}, 9, 9},       /* mov dword [0x40], imm32 */
        {2, {0x66, 0xa1, 0x50, 0x00}, 4, 4},                         /* mov eax, [0x50] */
        {2, {0x67, 0x8b, 0x04, 0x24}, 4, 4},                         /* mov ax, [esp] */
        {2, {0xea, 0x00, 0x01, 0x00, 0xf0}, 5, 5},                   /* jmp far f000:0100 */
        {2, {0x0f, 0x01, 0xc1}, 3, 3},                               /* vmcall */
        {2, {0xc8, 0x10, 0x00, 0x01}, 4, 4},                         /* enter 16, 1 */
        {4, {0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00}, 7, 7},       /* mov eax, [esp+0x100] */
        {4, {0xf6, 0x05, 1, 2, 3, 4, 0x80}, 7, 7},                   /* test byte [m32], 0x80 */
        {4, {0xf6, 0x15, 1, 2, 3, 4}, 6, 6},                         /* not byte [m32] */
        {4, {0x0f, 0x20, 0x40}, 3, 3},                               /* mov eax, cr0 (mod ignored) */
        {4, {0xc5, 0xf9, 0x6f, 0x07}, 4, 4},                         /* vmovdqa xmm0, [edi] */
        {8, {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10},           /* mov rax, imm64 */
        {8, {0x48, 0x8b, 0x05, 1, 2, 3, 4}, 7, 7},                   /* mov rax, [rip+d32] */
        {8, {0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10},           /* mov rax, [moffs64] */
        {8, {0x67, 0xa1, 1, 2, 3, 4}, 6, 6},                         /* mov eax, [moffs32] */
        {8, {0xc4, 0xe3, 0x79, 0x0f, 0xc1, 0x08}, 6, 6},             /* vpalignr (map 3, imm8) */
        {8, {0xc5, 0xf8, 0x77}, 3, 3},                               /* vzeroupper */
        {8, {0x41, 0x8b, 0x04, 0x24}, 4, 4},                         /* mov eax, [r12] */
        {8, {0x66, 0x41, 0xc7, 0x00, 0x34, 0x12}, 6, 6},             /* mov word [r8], 0x1234 */
        {8, {0x06}, 1, 0},                                           /* push es: invalid in 64-bit */
        {8, {0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07}, 6, 0},             /* EVEX: not supported */
        {2, {0xb8, 0x00}, 2, 0},                                     /* truncated */
        {2, {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
             0x66, 0x66, 0x90}, 16, 0},                              /* longer than 15 bytes */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct kvm_insn i;
        unsigned got = kvm_decode(cases[k].b, cases[k].n, cases[k].mode, &i);
        cr_expect_eq(got, cases[k].len, "case %zu (mode %u, first byte %02x): length %u, want %u",
                     k, cases[k].mode, cases[k].b[0], got, cases[k].len);
    }
}

Test(kvm_decode, memory_operands)
{
    uint64_t gpr[16] = {0};
    gpr[KVM_RBX] = 0x100;
    gpr[KVM_RSI] = 0x20;
    gpr[KVM_RBP] = 0x200;
    gpr[KVM_RCX] = 3;
    gpr[12] = 0x7000;
    struct kvm_insn i;

    static const uint8_t bx_si[] = {0x8b, 0x40, 0x10}; /* mov ax, [bx+si+0x10] */
    cr_assert_eq(kvm_decode(bx_si, sizeof bx_si, 2, &i), 3);
    cr_assert(kvm_insn_has_mem(&i));
    cr_assert_eq(kvm_insn_ea(&i, gpr, 0), 0x130);
    cr_assert_eq(kvm_insn_ea_seg(&i), KVM_SEG_DS);
    cr_assert_eq(kvm_insn_mem_width(&i), 2);

    static const uint8_t bp[] = {0x8b, 0x46, 0xfe}; /* mov ax, [bp-2] */
    cr_assert_eq(kvm_decode(bp, sizeof bp, 2, &i), 3);
    cr_assert_eq(kvm_insn_ea(&i, gpr, 0), 0x1fe);
    cr_assert_eq(kvm_insn_ea_seg(&i), KVM_SEG_SS);

    static const uint8_t es_add[] = {0x26, 0x00, 0x05}; /* add es:[di], al */
    cr_assert_eq(kvm_decode(es_add, sizeof es_add, 2, &i), 3);
    cr_assert_eq(kvm_insn_ea_seg(&i), KVM_SEG_ES);
    cr_assert_eq(kvm_insn_mem_width(&i), 1);

    static const uint8_t sib[] = {0x48, 0x8b, 0x44, 0x8b, 0x08}; /* mov rax, [rbx+rcx*4+8] */
    cr_assert_eq(kvm_decode(sib, sizeof sib, 8, &i), 5);
    cr_assert_eq(kvm_insn_ea(&i, gpr, 0), 0x100 + 12 + 8);
    cr_assert_eq(kvm_insn_mem_width(&i), 8);

    static const uint8_t r12[] = {0x41, 0x8b, 0x04, 0x24}; /* mov eax, [r12] */
    cr_assert_eq(kvm_decode(r12, sizeof r12, 8, &i), 4);
    cr_assert_eq(kvm_insn_ea(&i, gpr, 0), 0x7000);

    static const uint8_t riprel[] = {0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00};
    cr_assert_eq(kvm_decode(riprel, sizeof riprel, 8, &i), 7);
    cr_assert(i.rip_rel);
    cr_assert_eq(kvm_insn_ea(&i, gpr, 0x401007), 0x401017);

    static const uint8_t lea[] = {0x8d, 0x40, 0x10}; /* lea ax, [bx+si+0x10] */
    cr_assert_eq(kvm_decode(lea, sizeof lea, 2, &i), 3);
    cr_assert_not(kvm_insn_has_mem(&i));
}
