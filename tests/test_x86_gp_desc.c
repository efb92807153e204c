/* x86 descriptor instructions and far transfers through gates in the
 * interpreter: LAR and LSL over each kind of descriptor, in protected mode
 * and IA-32e mode (Intel SDM Vol. 2, LAR/LSL and their tables of valid
 * types), and 64-bit call gates at the same and a higher privilege, with a
 * far return to CPL3 (SDM Vol. 3, 5.8.3-5.8.6, 5.8.8).  The 32-bit gates and
 * task switches are covered by roms/x86/gates.asm (test_cli). */
#include "x86_gp_harness.h"

TestSuite(x86_desc, .init = gp_setup, .fini = gp_teardown);

static void gdt_limit(uint16_t limit)
{
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    s.gdt.limit = limit;
    s.ldt = (struct squib_x86_segment){0}; /* a null LDTR */
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
}

/* LAR (op 02) or LSL (op 03) ecx, eax with eax = sel, ecx = 0x55555555;
 * returns ZF and leaves the result in *out. */
static bool probe(uint8_t op, uint16_t sel, uint64_t *out)
{
    uint8_t c[] = {0x0F, op, 0xC8, 0xF4};
    struct squib_x86_regs g = {.rax = sel, .rcx = 0x55555555};
    g = exec(c, sizeof c, g);
    *out = g.rcx;
    return g.rflags & FL_ZF;
}

static void expect(uint8_t op, uint16_t sel, bool zf, uint64_t v)
{
    uint64_t r;
    bool z = probe(op, sel, &r);
    const char *name = op == 2 ? "LAR" : "LSL";
    cr_assert_eq(z, zf, "%s 0x%x: ZF %d", name, sel, z);
    cr_assert_eq(r, zf ? v : 0x55555555, "%s 0x%x: 0x%llx, want 0x%llx", name, sel,
                 (unsigned long long)r, (unsigned long long)(zf ? v : 0x55555555));
}

Test(x86_desc, lar_and_lsl_in_protected_mode)
{
    gp_mode(GP_PROT32);
    gp_put64(GP_GDT + 0x18, 0x00008b0330000067ULL); /* busy 32-bit TSS at 0x33000 */
    gp_put64(GP_GDT + 0x20, 0x0041f30000002345ULL); /* data, DPL3, limit 0x12345 */
    gp_put64(GP_GDT + 0x28, 0x00008e0000080000ULL); /* 32-bit interrupt gate */
    gp_put64(GP_GDT + 0x30, 0x00cf93000000ffffULL); /* data, DPL0, 4 GiB */
    gp_put64(GP_GDT + 0x38, 0x00008c0000080000ULL); /* 32-bit call gate */
    gp_put64(GP_GDT + 0x40, 0x0080930000000001ULL); /* data, G, limit 1: 0x1fff */
    gdt_limit(0x47);
    expect(2, 0x20, true, 0x0041f300); /* bits 19:16: the limit's, as hardware */
    expect(3, 0x20, true, 0x12345);
    expect(2, 0x23, true, 0x0041f300); /* RPL3 on a DPL3 segment */
    expect(2, 0x30, true, 0x00cf9300);
    expect(2, 0x33, false, 0);         /* RPL3 above DPL0 */
    expect(3, 0x33, false, 0);
    expect(3, 0x30, true, 0xffffffff);
    expect(3, 0x40, true, 0x1fff);
    expect(2, 0x18, true, 0x00008b00); /* a TSS: valid for both */
    expect(3, 0x18, true, 0x67);
    expect(2, 0x38, true, 0x00008c00); /* a call gate: LAR only */
    expect(3, 0x38, false, 0);
    expect(2, 0x28, false, 0);         /* interrupt gates: neither */
    expect(3, 0x28, false, 0);
    expect(2, 0x00, false, 0);         /* null */
    expect(2, 0x48, false, 0);         /* beyond the GDT's limit */
    expect(2, 0x44, false, 0);         /* the LDT, which is null */
}

Test(x86_desc, lar_and_lsl_in_ia32e_mode)
{
    gp_mode(GP_LONG64);
    gp_put64(GP_GDT + 0x18, 0x00008b0330000067ULL); /* busy 64-bit TSS, 16 bytes */
    gp_put64(GP_GDT + 0x20, 0);
    gp_put64(GP_GDT + 0x28, 0x0000820000000fffULL); /* LDT, limit 0xfff */
    gp_put64(GP_GDT + 0x30, 0);
    gp_put64(GP_GDT + 0x38, 0x00008c0000080000ULL); /* 64-bit call gate */
    gp_put64(GP_GDT + 0x40, 0);
    gdt_limit(0x47);
    expect(2, 0x18, true, 0x00008b00);
    expect(3, 0x18, true, 0x67);
    expect(2, 0x28, false, 0); /* an LDT: LSL only in IA-32e mode */
    expect(3, 0x28, true, 0xfff);
    expect(2, 0x38, true, 0x00008c00);
    expect(3, 0x38, false, 0);
    gdt_limit(0x3f); /* the gate's upper half beyond the limit */
    expect(2, 0x38, false, 0);
    expect(2, 0x10, true, 0x00cf9300); /* code and data as ever */
}

/* A 64-bit call gate (16 bytes at 0x28, DPL3) to the 64-bit ring-0 code at
 * 0x08, target GP_CODE + 0x100; user code 0x3b and data 0x43. */
enum { GATE = 0x28, UCODE = 0x3b, UDATA = 0x43, TARGET = GP_CODE + 0x100 };

static void gate64(unsigned dpl)
{
    gp_put64(GP_GDT + 0x18, 0x00008b0330000067ULL);
    gp_put64(GP_GDT + 0x20, 0);
    uint64_t t = TARGET;
    gp_put64(GP_GDT + GATE, (t & 0xffff) | 0x08ULL << 16 | (0x8cULL | dpl << 5) << 40 |
                                ((t >> 16) & 0xffff) << 48);
    gp_put64(GP_GDT + GATE + 8, t >> 32);
    gp_put64(GP_GDT + 0x38, 0x00affb000000ffffULL);
    gp_put64(GP_GDT + 0x40, 0x00cff3000000ffffULL);
    gdt_limit(0x47);
    /* the far pointer: m16:32, whose offset a gate ignores */
    uint32_t off = 0x12345678;
    uint16_t sel = GATE;
    memcpy(ram + GP_DATA, &off, 4);
    memcpy(ram + GP_DATA + 4, &sel, 2);
}

static void to_cpl3(void)
{
    struct squib_x86_sregs s;
    cr_assert_eq(squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    s.cs.selector = UCODE;
    s.cs.dpl = 3;
    s.ss.selector = s.ds.selector = s.es.selector = UDATA;
    s.ss.dpl = s.ds.dpl = s.es.dpl = 3;
    cr_assert_eq(squib_vcpu_set_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s), 0);
    struct squib_x86_regs g = {.rip = GP_CODE, .rsp = 0x7000, .rflags = 2};
    set_regs(g);
}

static uint64_t get64(uint64_t pa)
{
    uint64_t v;
    memcpy(&v, ram + pa, 8);
    return v;
}

Test(x86_desc, call_gate_64_at_the_same_privilege)
{
    gp_mode(GP_LONG64);
    gate64(3);
    static const uint8_t c[] = {0xFF, 0x1C, 0x25, GP_DATA & 0xff, GP_DATA >> 8, 0, 0, /* call far [GP_DATA] */
                                0xF4};
    code(c, sizeof c);
    ram[TARGET] = 0xF4;
    struct squib_x86_regs g = run_hlt();
    struct squib_x86_sregs s;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    cr_assert_eq(ex.pc, TARGET, "the gate's target ran: 0x%llx", (unsigned long long)ex.pc);
    cr_assert_eq(s.cs.selector, 0x08);
    cr_assert_eq(g.rsp, GP_STACK - 16, "CS and RIP, 8 bytes each: rsp 0x%llx",
                 (unsigned long long)g.rsp);
    cr_assert_eq(get64(g.rsp), GP_CODE + 7);
    cr_assert_eq(get64(g.rsp + 8), 0x08);
}

Test(x86_desc, call_gate_64_from_cpl3_switches_stacks_and_retf_returns)
{
    gp_mode(GP_LONG64);
    gate64(3);
    static const uint8_t c[] = {0xFF, 0x1C, 0x25, GP_DATA & 0xff, GP_DATA >> 8, 0, 0, /* call far [GP_DATA] */
                                0x0F, 0x0B}; /* ud2: back at CPL3 */
    code(c, sizeof c);
    static const uint8_t t[] = {0xF4, 0x48, 0xCB}; /* hlt; retfq */
    memcpy(ram + TARGET, t, sizeof t);
    to_cpl3();
    struct squib_x86_regs g = run_hlt();
    struct squib_x86_sregs s;
    squib_vcpu_get_regs(cpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    cr_assert_eq(ex.pc, TARGET);
    cr_assert_eq(s.cs.selector, 0x08);
    cr_assert_eq(s.cs.dpl, 0);
    cr_assert_eq(s.ss.selector, 0, "a null SS with RPL 0 (SDM 5.8.8)");
    cr_assert_eq(g.rsp, GP_KSTACK - 32, "RSP0 from the TSS: rsp 0x%llx", (unsigned long long)g.rsp);
    cr_assert_eq(get64(g.rsp), GP_CODE + 7, "RIP");
    cr_assert_eq(get64(g.rsp + 8), UCODE, "CS");
    cr_assert_eq(get64(g.rsp + 16), 0x7000, "RSP");
    cr_assert_eq(get64(g.rsp + 24), UDATA, "SS");
    /* RETFQ to CPL3, where UD2 faults: the #UD frame shows CPL3 again. */
    run_exception(6, GP_CODE + 7);
    g = regs();
    cr_assert_eq(get64(g.rsp + 8), UCODE);
    cr_assert_eq(get64(g.rsp + 24), 0x7000, "the caller's RSP back");
    cr_assert_eq(get64(g.rsp + 32), UDATA);
}

Test(x86_desc, call_gate_64_below_cpl_is_gp_with_the_gate)
{
    gp_mode(GP_LONG64);
    gate64(0);
    static const uint8_t c[] = {0xFF, 0x1C, 0x25, GP_DATA & 0xff, GP_DATA >> 8, 0, 0};
    code(c, sizeof c);
    to_cpl3();
    run_exception(13, GP_CODE);
    cr_assert_eq(get64(regs().rsp), GATE, "error code: the gate's selector");
}

/* A 16-bit call gate (type 4) in 16-bit protected mode: CALL FAR pushes a
 * 16-bit CS:IP and takes the gate's 16-bit offset, whatever the pointer's;
 * JMP FAR through the same gate pushes nothing (SDM Vol. 2, CALL/JMP). */
Test(x86_desc, call_and_jmp_through_a_16_bit_gate)
{
    gp_mode(GP_PROT16);
    gp_put64(GP_GDT + 0x18, 0x0000840000081100ULL); /* P, DPL0, type 4: 0008:1100 */
    gdt_limit(0x1f);
    static const uint8_t ptr[] = {0x34, 0x12, 0x18, 0x00}; /* 0018:1234 */
    memcpy(ram + GP_DATA, ptr, sizeof ptr);
    static const uint8_t call[] = {0xFF, 0x1E, 0x00, 0x20, /* call far [0x2000] */
                                   0xF4};
    code(call, sizeof call);
    ram[0x1100] = 0xF4;
    struct squib_x86_regs g = run_hlt();
    cr_assert_eq(ex.pc, 0x1100, "the gate's offset: pc 0x%llx", (unsigned long long)ex.pc);
    cr_assert_eq(g.rsp, GP_STACK - 4, "CS and IP, 2 bytes each: sp 0x%llx", (unsigned long long)g.rsp);
    uint16_t f[2];
    memcpy(f, ram + g.rsp, 4);
    cr_assert_eq(f[0], 0x1004, "IP");
    cr_assert_eq(f[1], 0x08, "CS");

    gp_mode(GP_PROT16);
    gdt_limit(0x1f);
    static const uint8_t jmp[] = {0xFF, 0x2E, 0x00, 0x20}; /* jmp far [0x2000] */
    code(jmp, sizeof jmp);
    g = run_hlt();
    cr_assert_eq(ex.pc, 0x1100);
    cr_assert_eq(g.rsp, GP_STACK, "a JMP pushes nothing");
}
