/* tests/test_a64_mmu.c: stage 1 translation at EL0/EL1 (Arm ARM D8), with
 * page tables built by the test: the 4 KiB granule below; the 16 KiB and
 * 64 KiB granules, ASIDs and the TLBI forms at the end.
 *
 * The map (TCR_EL1: T0SZ = T1SZ = 16, 48-bit VAs, both halves 4 KiB):
 *   0x40000000-0x401fffff  2 MiB block, identity (code, tables, data)
 *   0x40200000-0x403fffff  4 KiB pages through L3, identity unless a test
 *                          changes an entry (EL0 code, the vectors at VEC)
 *   0x40600000             2 MiB block aliasing 0x40000000 (RW)
 *   0x50000000             2 MiB Device block at the UART 0x09000000
 *   0xffffffffc0000000     1 GiB block through TTBR1 at 0x40000000
 * MAIR_EL1: index 0 Normal write-back (0xff), index 1 Device-nGnRnE (0x00).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "squib/accel.h"
#include "squib/regs.h"
#include "tests/a64_harness.h"

#define SCTLR_EL1 SYSREG(3, 0, 1, 0, 0)
#define TTBR0_EL1 SYSREG(3, 0, 2, 0, 0)
#define TTBR1_EL1 SYSREG(3, 0, 2, 0, 1)
#define TCR_EL1 SYSREG(3, 0, 2, 0, 2)
#define MAIR_EL1 SYSREG(3, 0, 10, 2, 0)
#define PAR_EL1 SYSREG(3, 0, 7, 4, 0)

#define L0 0x40010000ULL
#define L1 0x40011000ULL
#define L2 0x40012000ULL
#define L3 0x40013000ULL /* maps 0x40200000-0x403fffff */
#define L0H 0x40014000ULL
#define L1H 0x40015000ULL
#define HIGH 0xffffffffc0000000ULL
#define ALIAS 0x600000ULL /* VA = PA + ALIAS in the alias block */
#define DEV 0x50000000ULL
#define UART 0x09000000ULL
#define USER 0x40380000ULL /* EL0 code page (AP = RO at EL0 and EL1) */

/* Descriptor bits (D8.3). */
#define D_VALID 1ULL
#define D_TABLE 3ULL /* table (levels 0-2) or page (level 3) */
#define D_AF (1ULL << 10)
#define D_AP_EL0 (1ULL << 6) /* AP[1]: EL0 access */
#define D_AP_RO (1ULL << 7)  /* AP[2]: read-only */
#define D_DEVICE (1ULL << 2) /* AttrIndx 1 */
#define D_PXN (1ULL << 53)
#define D_UXN (1ULL << 54)

static uint64_t sctlr0;

static void setup(void)
{
    a64_fixture_init();

    poke64(L0, L1 | D_TABLE);
    poke64(L1 + 8 * 1, L2 | D_TABLE);
    poke64(L2 + 8 * 0, 0x40000000 | D_AF | D_VALID);
    poke64(L2 + 8 * 1, L3 | D_TABLE);
    for (unsigned k = 0; k < 512; k++)
        poke64(L3 + 8 * k, (0x40200000 + 0x1000ULL * k) | D_AF | D_TABLE);
    poke64(L2 + 8 * 3, 0x40000000 | D_AF | D_VALID);
    poke64(L2 + 8 * 128, UART | D_AF | D_DEVICE | D_UXN | D_PXN | D_VALID);
    poke64(L0H + 8 * 511, L1H | D_TABLE);
    poke64(L1H + 8 * 511, 0x40000000 | D_AF | D_VALID);
    poke64(L3 + 8 * ((USER - 0x40200000) >> 12), USER | D_AF | D_AP_EL0 | D_AP_RO | D_TABLE);

    sysreg_set(MAIR_EL1, 0x00ff);
    sysreg_set(TCR_EL1, 16 | 16ULL << 16 | 2ULL << 30);
    sysreg_set(TTBR0_EL1, L0);
    sysreg_set(TTBR1_EL1, L0H);
    vectors_install();
    sctlr0 = sysreg_get(SCTLR_EL1);
}

static void teardown(void)
{
    a64_fixture_fini();
}

static void mmu_on(void)
{
    sysreg_set(SCTLR_EL1, sctlr0 | 1);
}

/* The L3 entry of a VA in 0x40200000-0x403fffff. */
static uint64_t l3(uint64_t va)
{
    return L3 + 8 * ((va - 0x40200000) >> 12);
}

TestSuite(a64_mmu, .init = setup, .fini = teardown, .timeout = 30);

/* The guest turns the MMU on itself; then a 2 MiB block, a remapped 4 KiB
 * page and the TTBR1 half all translate. */
Test(a64_mmu, enable_blocks_pages_and_ttbr1)
{
    static const uint32_t code[] = {
        0xd5181000, /* msr sctlr_el1, x0 */
        0xd5033fdf, /* isb */
        0xf9400022, /* ldr x2, [x1] */
        0xf9400083, /* ldr x3, [x4] */
        0xf94000a6, /* ldr x6, [x5] */
        HVC0,
    };
    load(code, N(code));
    poke64(DATA, 0x1111);
    poke64(0x40205000, 0x5555);
    poke64(l3(0x40201000), 0x40205000 | D_AF | D_TABLE);
    R.x[0] = sctlr0 | 1;
    R.x[1] = DATA;
    R.x[4] = HIGH + (DATA - 0x40000000);
    R.x[5] = 0x40201000;
    go_hvc();
    X(2, 0x1111);
    X(3, 0x1111);
    X(6, 0x5555);
    cr_assert_eq(sysreg_get(SCTLR_EL1) & 1, 1);
}

/* An access through a Device mapping exits with the physical address; an
 * unaligned one is an Alignment fault with FAR = the virtual address. */
Test(a64_mmu, mmio_through_a_mapping)
{
    static const uint32_t code[] = {
        0xb9400020, /* ldr w0, [x1] */
        0xb8401020, /* ldur w0, [x1, #1] */
    };
    load(code, N(code));
    mmu_on();
    R.x[1] = DEV + 0x10;
    go_expect(SQUIB_EXIT_MMIO);
    cr_assert_eq(ex.pc, CODE);
    cr_assert_eq(ex.mmio.addr, UART + 0x10, "addr 0x%llx", (unsigned long long)ex.mmio.addr);
    cr_assert_eq(ex.mmio.size, 4);
    ex.mmio.data = 0x77;
    expect_dabort(CODE + 4, 0x21, DEV + 0x11, false);
    X(0, 0x77);
}

/* Alignment faults (Arm ARM B2.5.2): an unaligned access to RAM through a
 * Device mapping, and with SCTLR_EL1.A set to any memory, takes an
 * Alignment fault (DFSC 0b100001) with FAR = the address; aligned accesses
 * there, and unaligned ones to Normal memory with A clear, complete.
 * (Regression: both used to complete on RAM.) */
Test(a64_mmu, alignment_faults_device_mapped_ram_and_sctlr_a)
{
    const uint64_t page = 0x40300000; /* RAM, made Device below */
    poke64(l3(page), page | D_AF | D_DEVICE | D_TABLE);
    static const uint32_t code[] = {
        0xf9400020, /* ldr x0, [x1] */
        0xa94014c4, /* ldp x4, x5, [x6] */
        HVC0,
        0xf8401020, /* ldur x0, [x1, #1] */
        0xb8002023, /* stur w3, [x1, #2] */
        0xa94014c4, /* ldp x4, x5, [x6] */
        0xa90014c4, /* stp x4, x5, [x6] */
        0x794004c0, /* ldrh w0, [x6, #2] */
    };
    load(code, N(code));
    mmu_on();
    poke64(page, 0x1122334455667788ULL);
    poke64(page + 8, 0x99);
    R.x[1] = page;
    R.x[6] = page;
    go_hvc(); /* aligned: fine in Device memory */
    X(0, 0x1122334455667788ULL);
    X(5, 0x99);
    R.x[6] = page + 4;
    for (unsigned k = 0; k < 4; k++) {
        R.pc = CODE + 12 + 4 * k;
        R.pstate = 0x3c5;
        uint64_t far = k == 0 ? page + 1 : k == 1 ? page + 2 : page + 4;
        expect_dabort(CODE + 12 + 4 * k, 0x21, far, k == 1 || k == 3);
    }
    /* Normal memory with SCTLR_EL1.A clear: unaligned accesses complete. */
    R.x[1] = 0x40301000 - 8;
    R.x[6] = 0x40301000 - 16 + 4;
    static const uint32_t normal[] = {0xf8401020 /* ldur x0, [x1, #1] */,
                                      0xa94014c4 /* ldp x4, x5, [x6] */, HVC0};
    load(normal, N(normal));
    go_hvc();
    /* SCTLR_EL1.A: the same accesses fault on Normal memory too. */
    sysreg_set(SCTLR_EL1, sctlr0 | 1 | 2);
    R.pc = CODE;
    R.pstate = 0x3c5;
    expect_dabort(CODE, 0x21, 0x40301000 - 8 + 1, false);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    expect_dabort(CODE + 4, 0x21, 0x40301000 - 16 + 4, false);
    /* ...and with the MMU off. */
    sysreg_set(SCTLR_EL1, sctlr0 | 2);
    R.pc = CODE;
    R.pstate = 0x3c5;
    expect_dabort(CODE, 0x21, 0x40301000 - 8 + 1, false);
}

/* DC ZVA to Device memory takes an Alignment fault (C5.3, "DC ZVA"): a
 * Device mapping, or MMIO with the MMU off; a write, FAR = Xt.  (It used to
 * be an INTERNAL_ERROR for MMIO.) */
Test(a64_mmu, dc_zva_to_device_memory_is_an_alignment_fault)
{
    static const uint32_t code[] = {0xd50b7421 /* dc zva, x1 */, HVC0};
    load(code, N(code));
    mmu_on();
    R.x[1] = DEV + 0x48;
    expect_dabort(CODE, 0x21, DEV + 0x48, true);
    sysreg_set(SCTLR_EL1, sctlr0); /* MMU off: MMIO is Device-nGnRnE */
    R.pc = CODE;
    R.pstate = 0x3c5;
    R.x[1] = UART + 0x40;
    expect_dabort(CODE, 0x21, UART + 0x40, true);
    /* RAM through a Normal mapping is zeroed */
    mmu_on();
    memset(host(0x40300040), 0xee, 64);
    R.pc = CODE;
    R.pstate = 0x3c5;
    R.x[1] = 0x40300050;
    go_hvc();
    for (unsigned k = 0; k < 64; k++)
        cr_assert_eq(((uint8_t *)host(0x40300040))[k], 0, "byte %u", k);
}

/* An access split between the last RAM page and what follows it (not RAM):
 * with the MMU off the non-RAM part is Device memory, so an Alignment
 * fault; through a Normal mapping, the external abort KVM gives accesses it
 * cannot complete.  (It used to be an INTERNAL_ERROR.) */
Test(a64_mmu, access_split_between_ram_and_mmio)
{
    static const uint32_t code[] = {
        0xf9400020, /* ldr x0, [x1] */
        0xf9000020, /* str x0, [x1] */
    };
    load(code, N(code));
    uint64_t edge = RAM_BASE + RAM_SIZE - 4;
    R.x[1] = edge;
    expect_dabort(CODE, 0x21, edge, false);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    expect_dabort(CODE + 4, 0x21, edge, true);
    /* MMU on: a Normal 2 MiB block over RAM's last 2 MiB and beyond (L2[3]
     * maps 0x40600000 to 0x40000000 already; map VA 0x40800000 -> PA
     * 0x40200000, whose block ends where RAM does). */
    poke64(L2 + 8 * 4, 0x40200000 | D_AF | D_VALID);
    poke64(L2 + 8 * 5, 0x40400000 | D_AF | D_VALID); /* past RAM: not RAM */
    mmu_on();
    R.pc = CODE;
    R.pstate = 0x3c5;
    R.x[1] = 0x40a00000 - 4;
    expect_dabort(CODE, 0x10, 0x40a00000 - 4, false);
}

/* Translation faults at levels 0-3 (DFSC 0b0001LL), out-of-range VAs and
 * EPD0 (level 0). */
Test(a64_mmu, translation_faults_at_each_level)
{
    static const uint32_t code[] = {
        0xf9400022, /* ldr x2, [x1] */
    };
    static const struct {
        uint64_t va;
        unsigned dfsc;
    } cases[] = {
        {0x0000800000000000ULL, 0x04}, /* L0 entry 256 invalid */
        {0x0000000080000000ULL, 0x05}, /* L1 entry 2 invalid */
        {0x0000000040a00000ULL, 0x06}, /* L2 entry 5 invalid */
        {0x0000000040300000ULL, 0x07}, /* L3 entry 0x100 cleared below */
        {0x0001000000000000ULL, 0x04}, /* beyond the 48-bit TTBR0 range */
        {0xfff0000000000000ULL, 0x04}, /* neither TTBR0 nor TTBR1 range */
    };
    poke64(l3(0x40300000), 0);
    load(code, N(code));
    mmu_on();
    for (unsigned k = 0; k < N(cases); k++) {
        R.pc = CODE;
        R.pstate = 0x3c5;
        R.x[1] = cases[k].va;
        expect_dabort(CODE, cases[k].dfsc, cases[k].va, false);
    }
    sysreg_set(TCR_EL1, sysreg_get(TCR_EL1) | 1u << 7); /* EPD0 */
    R.pc = HIGH + (CODE - 0x40000000); /* run through TTBR1 meanwhile */
    R.pstate = 0x3c5;
    R.x[1] = DATA;
    sysreg_set(VBAR_EL1, HIGH + (VEC - 0x40000000)); /* the vectors through TTBR1 too */
    go_expect(SQUIB_EXIT_HYPERCALL);
    cr_assert_eq(sysreg_get(ESR_EL1) & 0x3f, 0x04);
    cr_assert_eq(R.elr_el1, HIGH + (CODE - 0x40000000));
}

/* AF = 0 is an Access flag fault (hardware AF management is not offered):
 * 0b0010LL at the level of the entry. */
Test(a64_mmu, access_flag_faults)
{
    static const uint32_t code[] = {
        0xf9000022, /* str x2, [x1] */
    };
    poke64(l3(0x40202000), 0x40202000 | D_TABLE);
    poke64(L2 + 8 * 4, 0x40000000 | D_VALID);
    load(code, N(code));
    mmu_on();
    R.x[1] = 0x40202008;
    expect_dabort(CODE, 0x0b, 0x40202008, true);
    R.pc = CODE;
    R.pstate = 0x3c5;
    R.x[1] = 0x40800010;
    expect_dabort(CODE, 0x0a, 0x40800010, true);
}

/* ERET to EL0 code on a read-only page: EL0 reads it, its write and its
 * read of an EL1-only page are permission faults (0b0011LL) taken to the
 * lower-EL vector; SVC comes back. */
Test(a64_mmu, el0_permissions)
{
    static const uint32_t code[] = {
        0xd518401f, /* msr spsr_el1, xzr */
        0xd5184021, /* msr elr_el1, x1 */
        0xd69f03e0, /* eret */
    };
    static const uint32_t user[] = {
        0xf9400027, /* ldr x7, [x1] */
        0xd4000021, /* svc #1 */
        0xf9000027, /* str x7, [x1] */
        0xf9400083, /* ldr x3, [x4] */
    };
    load_at(USER, user, N(user));
    load(code, N(code));
    mmu_on();
    R.x[1] = USER;
    R.x[4] = DATA; /* EL1-only (AP = 00) */
    expect_exception(0x400, 0x15, USER + 8);
    X(7, 0xd4000021f9400027ULL); /* its own first two words */
    R.pc = USER + 8;
    R.pstate = 0;
    uint64_t esr = expect_exception(0x400, 0x24, USER + 8);
    cr_assert_eq(esr & 0x7f, 0x40 | 0x0f, "WnR, permission fault level 3: ESR 0x%llx",
                 (unsigned long long)esr);
    cr_assert_eq(sysreg_get(FAR_EL1), USER);
    R.pc = USER + 12;
    R.pstate = 0;
    esr = expect_exception(0x400, 0x24, USER + 12);
    cr_assert_eq(esr & 0x7f, 0x0e, "permission fault level 2 (the block)");
    cr_assert_eq(sysreg_get(FAR_EL1), DATA);
}

/* Execute permissions: PXN at EL1, UXN at EL0, and EL1 never executes
 * what EL0 may write (Instruction Aborts, IFSC 0b0011LL, FAR = pc). */
Test(a64_mmu, execute_never)
{
    static const uint32_t code[] = {
        0xd61f0020, /* br x1 */
    };
    load(code, N(code));
    memcpy(host(0x40210000), &(uint32_t){HVC0}, 4);
    memcpy(host(0x40211000), &(uint32_t){HVC0}, 4);
    poke64(l3(0x40210000), 0x40210000 | D_AF | D_PXN | D_TABLE);
    poke64(l3(0x40211000), 0x40211000 | D_AF | D_AP_EL0 | D_TABLE);
    mmu_on();
    R.x[1] = 0x40210000;
    expect_exception(0x200, 0x21, 0x40210000);
    cr_assert_eq(sysreg_get(ESR_EL1) & 0x3f, 0x0f);
    cr_assert_eq(sysreg_get(FAR_EL1), 0x40210000);

    load(code, N(code));
    R.pstate = 0x3c5;
    R.x[1] = 0x40211000;
    expect_exception(0x200, 0x21, 0x40211000);

    /* EL0 may execute a PXN page but not a UXN one. */
    poke64(l3(USER), USER | D_AF | D_AP_EL0 | D_AP_RO | D_PXN | D_TABLE);
    poke64(l3(0x40212000), 0x40212000 | D_AF | D_AP_EL0 | D_UXN | D_TABLE);
    sysreg_set(TTBR0_EL1, L0); /* flushes the TLB after the edits */
    load_at(USER, code, N(code));
    R.pstate = 0;
    R.x[1] = 0x40212000;
    expect_exception(0x400, 0x20, 0x40212000);
    cr_assert_eq(sysreg_get(ESR_EL1) & 0x3f, 0x0f);
}

/* LDTR at EL1 checks EL0 permissions; LDR to the same page works. */
Test(a64_mmu, ldtr_uses_el0_permissions)
{
    static const uint32_t code[] = {
        0xf9400020, /* ldr x0, [x1] */
        0xf8400820, /* ldtr x0, [x1] */
    };
    load(code, N(code));
    mmu_on();
    poke64(DATA, 0xabc);
    R.x[1] = DATA;
    expect_dabort(CODE + 4, 0x0e, DATA, false); /* EC 0x25: taken from EL1 */
    X(0, 0xabc);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    R.x[1] = USER; /* EL0-readable */
    R.x[0] = 0;
    poke64(USER, 0x1234);
    memcpy(host(CODE + 8), &(uint32_t){HVC0}, 4);
    go_hvc();
    X(0, 0x1234);
}

/* A store through an alias mapping to code that already ran: the new code
 * runs the next time (the decode cache watches physical pages). */
Test(a64_mmu, self_modifying_code_through_an_alias)
{
    static const uint32_t code[] = {
        0xd63f0060, /* blr x3 */
        0xb9000041, /* str w1, [x2] */
        0xd63f0060, /* blr x3 */
        HVC0,
    };
    static const uint32_t tgt[] = {
        0xd2800020, /* mov x0, #1 */
        0xd65f03c0, /* ret */
    };
    load_at(CODE + 0x100, tgt, N(tgt));
    load(code, N(code));
    mmu_on();
    R.x[1] = 0xd2800040; /* mov x0, #2 */
    R.x[2] = CODE + 0x100 + ALIAS;
    R.x[3] = CODE + 0x100;
    go_hvc();
    X(0, 2);
}

/* A changed entry takes effect after TLBI; AT reports translations and
 * faults in PAR_EL1. */
Test(a64_mmu, tlbi_and_address_translation)
{
    static const uint32_t code[] = {
        0xf9400022, /* ldr x2, [x1] */
        0xd508871f, /* tlbi vmalle1 */
        0xf9400023, /* ldr x3, [x1] */
        0xd5087821, /* at s1e1r, x1 */
        0xd5387404, /* mrs x4, par_el1 */
        0xd5087861, /* at s1e0w, x1 */
        0xd5387405, /* mrs x5, par_el1 */
        HVC0,
    };
    load(code, N(code));
    poke64(0x40220000, 1);
    poke64(0x40221000, 2);
    mmu_on();
    R.x[1] = 0x40220000;
    load_at(CODE, code, 1);
    memcpy(host(CODE + 4), &(uint32_t){HVC0}, 4);
    go_hvc();
    X(2, 1);
    poke64(l3(0x40220000), 0x40221000 | D_AF | D_TABLE);
    load(code, N(code));
    go_hvc();
    X(3, 2);
    X(4, 0xffULL << 56 | 0x40221000 | 1u << 11); /* Normal WB, PA, RES1 */
    X(5, 1 | 0x0f << 1 | 1u << 11); /* F, permission fault level 3 */
}

/* PAR_EL1 after a successful AT (Arm ARM "PAR_EL1"): bit 11 is RES1 in this
 * format too; SH reads 0b10 for Device memory and for Normal Inner+Outer
 * Non-cacheable memory whatever the descriptor's SH (the pseudocode's
 * PAREncodeShareability), else the descriptor's; with the MMU off the
 * result is flat with the attributes of data accesses then, Device-nGnRnE.
 * (squib reported no bit 11 and the descriptor's SH, 0 with the MMU off.) */
Test(a64_mmu, address_translation_attributes)
{
    static const uint32_t code[] = {
        0xd5087821, /* at s1e1r, x1 */
        0xd5387404, /* mrs x4, par_el1 */
        0xd5087822, /* at s1e1r, x2 */
        0xd5387405, /* mrs x5, par_el1 */
        0xd5087823, /* at s1e1r, x3 */
        0xd5387406, /* mrs x6, par_el1 */
        HVC0,
    };
    const uint64_t res1 = 1u << 11, sh_outer = 2u << 7, sh_inner = 3u << 7;
    load(code, N(code));
    R.x[1] = 0x40240010;
    R.x[2] = DEV + 0x10;
    R.x[3] = 0x40230008;
    go_hvc();
    X(4, 0x40240000 | sh_outer | res1); /* MMU off: ATTR 0x00 Device-nGnRnE */

    /* Normal write-back Inner Shareable; Device (descriptor SH 0b00);
     * Normal Non-cacheable (MAIR byte 2 = 0x44) with descriptor SH 0b11. */
    poke64(l3(0x40240000), 0x40240000 | 3ULL << 8 | D_AF | D_TABLE);
    poke64(l3(0x40230000), 0x40230000 | 3ULL << 8 | 2ULL << 2 | D_AF | D_TABLE);
    sysreg_set(MAIR_EL1, 0x4400ff);
    mmu_on();
    load(code, N(code));
    go_hvc();
    X(4, 0xffULL << 56 | 0x40240000 | sh_inner | res1);
    X(5, 0x00ULL << 56 | UART | sh_outer | res1);
    X(6, 0x44ULL << 56 | 0x40230000 | sh_outer | res1);
}

/* Code remapped under the same virtual address within one run: after TLBI
 * the decoded block is compared with the new page and replaced. */
Test(a64_mmu, remapped_code_after_tlbi)
{
    static const uint32_t code[] = {
        0xd63f0020, /* blr x1 */
        0xaa0003e4, /* mov x4, x0 */
        0xf9000043, /* str x3, [x2] */
        0xd508871f, /* tlbi vmalle1 */
        0xd63f0020, /* blr x1 */
        HVC0,
    };
    static const uint32_t one[] = {
        0xd2800020, /* mov x0, #1 */
        0xd65f03c0, /* ret */
    };
    static const uint32_t two[] = {
        0xd2800040, /* mov x0, #2 */
        0xd65f03c0, /* ret */
    };
    load_at(0x40231000, two, N(two));
    load_at(0x40230000, one, N(one));
    load(code, N(code));
    mmu_on();
    R.x[1] = 0x40230000;
    R.x[2] = l3(0x40230000);
    R.x[3] = 0x40231000 | D_AF | D_TABLE;
    go_hvc();
    X(4, 1);
    X(0, 2);
}

/* SCTLR_EL1.WXN: writable memory is never executable (the code's 2 MiB
 * block is writable: the fetch faults at level 2; the vectors are made
 * read-only).  APTable[1] in a table entry makes everything below it
 * read-only. */
Test(a64_mmu, wxn_and_ap_table)
{
    static const uint32_t code[] = {
        0xf9400022, /* ldr x2, [x1] */
        0xf9000022, /* str x2, [x1] */
    };
    load(code, N(code));
    poke64(l3(VEC), VEC | D_AF | D_AP_RO | D_TABLE);
    sysreg_set(SCTLR_EL1, sctlr0 | 1 | 1u << 19);
    expect_exception(0x200, 0x21, CODE);
    cr_assert_eq(sysreg_get(ESR_EL1) & 0x3f, 0x0e);

    sysreg_set(SCTLR_EL1, sctlr0 | 1);
    poke64(L2 + 8 * 1, L3 | D_TABLE | 1ULL << 62); /* APTable = 0b10 */
    sysreg_set(TTBR0_EL1, L0);
    poke64(0x40220000, 0x99);
    R.pc = CODE;
    R.pstate = 0x3c5;
    R.x[1] = 0x40220000;
    expect_dabort(CODE + 4, 0x0f, 0x40220000, true);
    X(2, 0x99);
}

/* A 39-bit TTBR0 range (T0SZ = 25) starts the walk at level 1; a VA above
 * it is a level 0 translation fault.  A table outside RAM is a synchronous
 * external abort on the walk (DFSC 0b0101LL). */
Test(a64_mmu, smaller_va_range_and_walk_abort)
{
    static const uint32_t code[] = {
        0xf9400022, /* ldr x2, [x1] */
        0xf9400083, /* ldr x3, [x4] */
    };
    load(code, N(code));
    poke64(DATA, 0x4242);
    sysreg_set(TCR_EL1, 25 | 16ULL << 16 | 2ULL << 30);
    sysreg_set(TTBR0_EL1, L1);
    mmu_on();
    R.x[1] = DATA;
    R.x[4] = 0x8000000000ULL;
    expect_dabort(CODE + 4, 0x04, 0x8000000000ULL, false);
    X(2, 0x4242);

    poke64(L1 + 8 * 2, 0x10000000 | D_TABLE); /* a level 2 table that is not RAM */
    sysreg_set(TTBR0_EL1, L1);
    R.pc = CODE + 4;
    R.pstate = 0x3c5;
    R.x[4] = 0x80000000;
    expect_dabort(CODE + 4, 0x16, 0x80000000, false);
}

/* TCR_EL1.TBI0: data accesses ignore the top byte (FAR keeps it); without
 * it such an address is outside the TTBR0 range. */
Test(a64_mmu, top_byte_ignore)
{
    static const uint32_t code[] = {
        0xf9400022, /* ldr x2, [x1] */
    };
    uint64_t tagged = 0x5aULL << 56 | DATA;
    load(code, N(code));
    poke64(DATA, 0x77);
    mmu_on();
    R.x[1] = tagged;
    expect_dabort(CODE, 0x04, tagged, false);
    sysreg_set(TCR_EL1, sysreg_get(TCR_EL1) | 1ULL << 37);
    load(code, N(code));
    memcpy(host(CODE + 4), &(uint32_t){HVC0}, 4);
    R.pstate = 0x3c5;
    go_hvc();
    X(2, 0x77);
}

/* ---- 16 KiB and 64 KiB granules ------------------------------------------------ */

#define TCR_TG0_16K (2ULL << 14)
#define TCR_TG0_64K (1ULL << 14)
#define TCR_TG1_16K (1ULL << 30)
#define TCR_TG1_64K (3ULL << 30)
#define D_NG (1ULL << 11)

/* One load through VA x1 into x2 (then HVC), from EL1 with the MMU on;
 * returns after the HVC or the exception. */
static const uint32_t load1[] = {
    0xf9400022, /* ldr x2, [x1] */
    HVC0,
};
static const uint32_t store1[] = {
    0xf9000022, /* str x2, [x1] */
    HVC0,
};

static void run_at(const uint32_t *code, size_t n, uint64_t va)
{
    load(code, n);
    R.pstate = 0x3c5;
    R.x[1] = va;
}

/* 16 KiB granule, T0SZ = 16: levels 0 (1 index bit), 1, 2 (32 MiB blocks),
 * 3 (16 KiB pages). */
#define G16_L0 0x40050000ULL
#define G16_L1 0x40054000ULL
#define G16_L2 0x40058000ULL
#define G16_L3 0x4005c000ULL

static void granule16_tables(void)
{
    memset(host(G16_L0), 0, 0x10000);
    poke64(G16_L0, G16_L1 | D_TABLE);
    poke64(G16_L1, G16_L2 | D_TABLE);
    poke64(G16_L2 + 8 * 32, 0x40000000 | D_AF | D_VALID); /* 32 MiB block, identity */
    poke64(G16_L2 + 8 * 33, G16_L3 | D_TABLE);            /* VA 0x42000000: pages */
    poke64(G16_L3 + 8 * 1, 0x40204000 | D_AF | D_TABLE);  /* 0x42004000 -> 0x40204000 */
    poke64(G16_L3 + 8 * 2, 0x40208000 | D_AF | D_AP_RO | D_TABLE);
    poke64(G16_L3 + 8 * 3, 0x4020c000 | D_TABLE); /* AF = 0 */
    poke64(G16_L2 + 8 * 34, 0x40000000 | D_VALID); /* block, AF = 0 */
    poke64(G16_L1 + 8 * 2, 0x40000000 | D_AF | D_VALID); /* a level 1 block: reserved */
}

Test(a64_mmu, granule_16k)
{
    granule16_tables();
    poke64(DATA, 0x1616);
    poke64(0x40204000 + 0x10, 0x4444);
    sysreg_set(TCR_EL1, 16 | TCR_TG0_16K | 16ULL << 16 | 2ULL << 30);
    sysreg_set(TTBR0_EL1, G16_L0);
    mmu_on();

    run_at(load1, N(load1), DATA); /* the level 2 block */
    go_hvc();
    X(2, 0x1616);
    run_at(load1, N(load1), 0x42004010); /* a level 3 page */
    go_hvc();
    X(2, 0x4444);

    static const struct {
        uint64_t va;
        unsigned dfsc;
    } faults[] = {
        {0x0000800000000000ULL, 0x04}, /* L0 entry 1 invalid */
        {0x0000001000000000ULL, 0x05}, /* L1 entry 1 invalid */
        {0x0000002000000000ULL, 0x05}, /* L1 entry 2: a block, reserved with 16 KiB */
        {0x0000000046000000ULL, 0x06}, /* L2 entry 35 invalid */
        {0x0000000042010000ULL, 0x07}, /* L3 entry 4 invalid */
        {0x000000004200c008ULL, 0x0b}, /* L3 page, AF = 0 */
        {0x0000000044000008ULL, 0x0a}, /* L2 block, AF = 0 */
    };
    for (unsigned k = 0; k < N(faults); k++) {
        run_at(load1, N(load1), faults[k].va);
        expect_dabort(CODE, faults[k].dfsc, faults[k].va, false);
    }
    run_at(store1, N(store1), 0x42008018); /* read-only page */
    expect_dabort(CODE, 0x0f, 0x42008018, true);

    /* A smaller input range (T0SZ = 28, 36 bits) starts at level 2. */
    sysreg_set(TCR_EL1, 28 | TCR_TG0_16K | 16ULL << 16 | 2ULL << 30);
    sysreg_set(TTBR0_EL1, G16_L2);
    run_at(load1, N(load1), 0x42004010);
    go_hvc();
    X(2, 0x4444);
    run_at(load1, N(load1), 0x0000001000000000ULL); /* beyond 36 bits */
    expect_dabort(CODE, 0x04, 0x0000001000000000ULL, false);
}

/* 64 KiB granule, T0SZ = 16: levels 1 (6 index bits), 2 (512 MiB blocks),
 * 3 (64 KiB pages); TTBR1 with TG1 = 64 KiB too. */
#define G64_L1 0x40060000ULL
#define G64_L2 0x40070000ULL
#define G64_L3 0x40080000ULL

Test(a64_mmu, granule_64k)
{
    memset(host(G64_L1), 0, 0x30000);
    poke64(G64_L1, G64_L2 | D_TABLE);
    poke64(G64_L2 + 8 * 2, 0x40000000 | D_AF | D_VALID); /* 512 MiB block, identity */
    poke64(G64_L2 + 8 * 3, G64_L3 | D_TABLE);            /* VA 0x60000000: pages */
    poke64(G64_L3 + 8 * 1, 0x40210000 | D_AF | D_TABLE); /* 0x60010000 -> 0x40210000 */
    poke64(G64_L3 + 8 * 2, 0x40220000 | D_AF | D_AP_RO | D_TABLE);
    poke64(G64_L3 + 8 * 3, 0x40230000 | D_TABLE); /* AF = 0 */
    poke64(G64_L3 + 8 * 4, 0x40240000 | D_AF | D_VALID); /* level 3, bit 1 clear */
    poke64(G64_L2 + 8 * 4, 0x40000000 | D_VALID);        /* block, AF = 0 */
    poke64(G64_L1 + 8 * 1, 0x40000000 | D_AF | D_VALID); /* a level 1 block: reserved */
    poke64(DATA, 0x6464);
    poke64(0x40210000 + 0xfff8, 0x5555);
    sysreg_set(TCR_EL1, 16 | TCR_TG0_64K | 16ULL << 16 | TCR_TG1_64K);
    sysreg_set(TTBR0_EL1, G64_L1);
    sysreg_set(TTBR1_EL1, G64_L1);
    mmu_on();

    run_at(load1, N(load1), DATA);
    go_hvc();
    X(2, 0x6464);
    run_at(load1, N(load1), 0x6001fff8); /* the last doubleword of a 64 KiB page */
    go_hvc();
    X(2, 0x5555);
    run_at(load1, N(load1), 0xffff000000000000ULL | DATA); /* TTBR1 */
    go_hvc();
    X(2, 0x6464);

    static const struct {
        uint64_t va;
        unsigned dfsc;
    } faults[] = {
        {0x0001000000000000ULL, 0x04}, /* beyond 48 bits: level 0, whatever the granule */
        {0x0000100000000000ULL, 0x05}, /* L1 entry 4 invalid (the walk starts at level 1) */
        {0x0000040000000000ULL, 0x05}, /* L1 entry 1: a block, reserved with 64 KiB */
        {0x00000000a0000000ULL, 0x06}, /* L2 entry 5 invalid */
        {0x0000000060050000ULL, 0x07}, /* L3 entry 5 invalid */
        {0x0000000060040000ULL, 0x07}, /* L3 entry 4: bit 1 clear, reserved */
        {0x0000000060030008ULL, 0x0b}, /* L3 page, AF = 0 */
        {0x0000000080000008ULL, 0x0a}, /* L2 block, AF = 0 */
    };
    for (unsigned k = 0; k < N(faults); k++) {
        run_at(load1, N(load1), faults[k].va);
        expect_dabort(CODE, faults[k].dfsc, faults[k].va, false);
    }
    run_at(store1, N(store1), 0x60020000);
    expect_dabort(CODE, 0x0f, 0x60020000, true);

    /* T0SZ = 25 (39 bits) starts at level 2. */
    sysreg_set(TCR_EL1, 25 | TCR_TG0_64K | 16ULL << 16 | TCR_TG1_64K);
    sysreg_set(TTBR0_EL1, G64_L2);
    run_at(load1, N(load1), 0x6001fff8);
    go_hvc();
    X(2, 0x5555);
    /* AT reports the page's physical address. */
    static const uint32_t at[] = {
        0xd5087821, /* at s1e1w, x1 */
        0xd5387404, /* mrs x4, par_el1 */
        HVC0,
    };
    run_at(at, N(at), 0x60010008);
    go_hvc();
    X(4, 0xffULL << 56 | 0x40210000 | 1u << 11);
}

/* The 16 KiB granule through TTBR1 (TG1 = 0b01). */
Test(a64_mmu, granule_16k_ttbr1)
{
    granule16_tables();
    poke64(0x40204000 + 0x3ff8, 0x1234);
    sysreg_set(TCR_EL1, 16 | 16ULL << 16 | TCR_TG1_16K); /* TG0 4 KiB (the setup's tables) */
    sysreg_set(TTBR1_EL1, G16_L0 + 0); /* L0 entry 1 for the upper half: */
    poke64(G16_L0 + 8, G16_L1 | D_TABLE);
    mmu_on();
    run_at(load1, N(load1), 0xffff800042007ff8ULL);
    go_hvc();
    X(2, 0x1234);
}

/* ---- ASIDs and TLBI --------------------------------------------------------------- */

/* A not-global page: after the guest switches ASID (TTBR0_EL1.ASID, or
 * TTBR1_EL1.ASID with TCR_EL1.A1), the old ASID's translation is not used;
 * the ASID field does not disturb the table base. */
Test(a64_mmu, asid_switch_with_ng_entries)
{
    static const uint32_t code[] = {
        0xf9400022, /* ldr x2, [x1] */
        0xf9000083, /* str x3, [x4]: rewrite the L3 entry */
        0xd5182006, /* msr ttbr0_el1, x6 (new ASID) */
        0xd5033fdf, /* isb */
        0xf9400025, /* ldr x5, [x1] */
        HVC0,
    };
    poke64(0x40240000, 0xa1);
    poke64(0x40241000, 0xb2);
    poke64(l3(0x40240000), 0x40240000 | D_AF | D_NG | D_TABLE);
    sysreg_set(TTBR0_EL1, L0 | 1ULL << 48);
    load(code, N(code));
    mmu_on();
    R.x[1] = 0x40240000;
    R.x[3] = 0x40241000 | D_AF | D_NG | D_TABLE;
    R.x[4] = l3(0x40240000);
    R.x[6] = L0 | 2ULL << 48;
    go_hvc();
    X(2, 0xa1);
    X(5, 0xb2);

    /* TCR_EL1.A1 = 1: the ASID is TTBR1_EL1's. */
    static const uint32_t code1[] = {
        0xf9400022, /* ldr x2, [x1] */
        0xf9000083, /* str x3, [x4] */
        0xd5182026, /* msr ttbr1_el1, x6 (new ASID) */
        0xd5033fdf, /* isb */
        0xf9400025, /* ldr x5, [x1] */
        HVC0,
    };
    sysreg_set(TCR_EL1, sysreg_get(TCR_EL1) | 1ULL << 22 | 1ULL << 36); /* A1, AS */
    sysreg_set(TTBR1_EL1, L0H | 0x1234ULL << 48);
    load(code1, N(code1));
    R.pstate = 0x3c5;
    R.x[3] = 0x40240000 | D_AF | D_NG | D_TABLE;
    R.x[6] = L0H | 0x4321ULL << 48;
    go_hvc();
    X(2, 0xb2);
    X(5, 0xa1);
}

/* Every TLBI form at EL1 (by VA, VA all ASIDs, ASID, all; last level and
 * inner shareable variants) makes a changed entry visible. */
Test(a64_mmu, tlbi_forms)
{
    static const struct {
        uint32_t word;
        const char *name;
    } ops[] = {
        {0xd508871f, "tlbi vmalle1"},   {0xd5088725, "tlbi vae1"},
        {0xd5088745, "tlbi aside1"},    {0xd5088765, "tlbi vaae1"},
        {0xd50887a5, "tlbi vale1"},     {0xd50887e5, "tlbi vaale1"},
        {0xd508831f, "tlbi vmalle1is"}, {0xd5088325, "tlbi vae1is"},
        {0xd5088345, "tlbi aside1is"},  {0xd5088365, "tlbi vaae1is"},
        {0xd50883a5, "tlbi vale1is"},   {0xd50883e5, "tlbi vaale1is"},
    };
    poke64(0x40250000, 0x50);
    poke64(0x40251000, 0x51);
    sysreg_set(TTBR0_EL1, L0 | 7ULL << 48);
    mmu_on();
    for (unsigned k = 0; k < N(ops); k++) {
        uint32_t code[] = {
            0xf9400022, /* ldr x2, [x1] */
            0xf9000083, /* str x3, [x4]: flip the L3 entry */
            ops[k].word,
            0xf9400025, /* ldr x5, [x1] */
            HVC0,
        };
        load(code, N(code));
        R.pstate = 0x3c5;
        uint64_t cur = k & 1 ? 0x40251000 : 0x40250000, next = k & 1 ? 0x40250000 : 0x40251000;
        poke64(l3(0x40250000), cur | D_AF | D_NG | D_TABLE);
        sysreg_set(TTBR0_EL1, L0 | 7ULL << 48); /* start each round from a clean TLB */
        R.x[1] = 0x40250000;
        R.x[3] = next | D_AF | D_NG | D_TABLE;
        R.x[4] = l3(0x40250000);
        R.x[5] = 7ULL << 48 | 0x40250000 >> 12; /* ASID 7, VA[55:12] */
        go_hvc();
        cr_assert_eq(R.x[2], (k & 1) ? 0x51u : 0x50u, "%s: before", ops[k].name);
        cr_assert_eq(R.x[5], (k & 1) ? 0x50u : 0x51u, "%s: after (x5 0x%llx)", ops[k].name,
                     (unsigned long long)R.x[5]);
    }
}
