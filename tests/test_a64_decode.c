/* tests/test_a64_decode.c: the A64 encoding table and its matcher.
 *
 * For every implemented row, the words its pattern covers (all of them when
 * there are at most 2^16, random samples otherwise) must match that row, or a
 * more specific row that is a special case of it (NOP inside HINT).  Rows
 * that overlap must nest.  And the decoder must survive any 32-bit word.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/arm64/a64_decode.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Spreads the low bits of k over the set bits of mask (PDEP). */
static uint32_t deposit(uint32_t k, uint32_t mask)
{
    uint32_t r = 0;
    for (uint32_t bit = 1; mask; bit <<= 1) {
        uint32_t low = mask & -mask;
        if (k & bit)
            r |= low;
        mask &= mask - 1;
    }
    return r;
}

/* Row a is a special case of row b: a's fixed bits include b's, agreeing. */
static bool nests_in(const struct a64_row *a, const struct a64_row *b)
{
    return (a->mask & b->mask) == b->mask && (a->value & b->mask) == b->value &&
           a->fixed > b->fixed;
}

static void init(void)
{
    a64_decode_init();
}

TestSuite(a64_decode, .init = init);

Test(a64_decode, patterns_are_well_formed)
{
    for (unsigned r = 0; r < A64_ROW_COUNT; r++) {
        const struct a64_row *row = &a64_rows[r];
        cr_assert_eq(strlen(row->pattern), 32, "row %s", row->id);
        for (int k = 0; k < 32; k++) {
            char ch = row->pattern[k];
            cr_assert(ch == '0' || ch == '1' || (ch >= 'a' && ch <= 'z') ||
                          (ch >= 'A' && ch <= 'Z'),
                      "row %s: bad character '%c'", row->id, ch);
        }
        cr_assert(row->name && row->name[0], "row %s has no name", row->id);
        if ((row->flags & A64_ROW_GROUP) && (row->flags & A64_ROW_IMPL))
            cr_assert(row->dec == a64_dec_udf, "group row %s implemented other than UNDEFINED",
                      row->id);
    }
}

Test(a64_decode, overlapping_rows_nest)
{
    for (unsigned a = 0; a < A64_ROW_COUNT; a++)
        for (unsigned b = a + 1; b < A64_ROW_COUNT; b++) {
            const struct a64_row *ra = &a64_rows[a], *rb = &a64_rows[b];
            uint32_t common = ra->mask & rb->mask;
            if ((ra->value & common) != (rb->value & common))
                continue; /* disjoint */
            cr_assert(nests_in(ra, rb) || nests_in(rb, ra),
                      "rows %s and %s overlap without one being a special case of the other",
                      ra->id, rb->id);
        }
}

Test(a64_decode, implemented_rows_win_their_encodings)
{
    unsigned checked_rows = 0;
    for (unsigned r = 0; r < A64_ROW_COUNT; r++) {
        const struct a64_row *row = &a64_rows[r];
        if (!(row->flags & A64_ROW_IMPL))
            continue;
        checked_rows++;
        uint32_t free_bits = ~row->mask;
        int nfree = __builtin_popcount(free_bits);
        uint64_t samples = nfree <= 16 ? (1ULL << nfree) : 40000;
        for (uint64_t k = 0; k < samples; k++) {
            uint32_t bits = nfree <= 16 ? deposit((uint32_t)k, free_bits)
                                        : (uint32_t)rnd() & free_bits;
            uint32_t w = row->value | bits;
            int got = a64_match(w);
            cr_assert(got >= 0, "row %s: 0x%08x matches no row", row->id, w);
            if ((unsigned)got == r)
                continue;
            const struct a64_row *g = &a64_rows[got];
            cr_assert(nests_in(g, row), "row %s: 0x%08x matched row %s instead", row->id, w,
                      g->id);
        }
    }
    cr_assert_gt(checked_rows, 100);
}

/* The matcher must agree with a plain most-specific-first scan. */
Test(a64_decode, buckets_agree_with_linear_scan)
{
    for (int k = 0; k < 200000; k++) {
        uint32_t w = (uint32_t)rnd();
        int best = -1;
        for (unsigned r = 0; r < A64_ROW_COUNT; r++)
            if ((w & a64_rows[r].mask) == a64_rows[r].value &&
                (best < 0 || a64_rows[r].fixed > a64_rows[best].fixed))
                best = (int)r;
        cr_assert_eq(a64_match(w), best, "0x%08x", w);
    }
}

struct known {
    uint32_t word;
    enum a64_row_id row;
};

Test(a64_decode, known_words)
{
    static const struct known k[] = {
        {0xd503201f, A64_ROW_NOP},        /* nop */
        {0xd503203f, A64_ROW_YIELD},      /* yield */
        {0xd503207f, A64_ROW_WFI},        /* wfi */
        {0xd503233f, A64_ROW_HINT},       /* paciasp: a hint on ARMv8.0 */
        {0xd5033f9f, A64_ROW_DSB},        /* dsb sy */
        {0xd5033fdf, A64_ROW_ISB},        /* isb */
        {0xd4000002, A64_ROW_HVC},        /* hvc #0 */
        {0xd2a24680, A64_ROW_MOVZ},       /* mov x0, #0x12340000 */
        {0xf0000002, A64_ROW_ADRP},       /* adrp x2, ... */
        {0xc85ffc20, A64_ROW_LDAXR},      /* ldaxr x0, [x1] */
        {0xd5380000, A64_ROW_MRS},        /* mrs x0, midr_el1 */
        {0xd50346df, A64_ROW_MSR_DAIFSet}, /* msr daifset, #6 */
        {0xd65f03c0, A64_ROW_RET},        /* ret */
        {0xb9401a61, A64_ROW_LDR_uimm},   /* ldr w1, [x19, #24] */
        {0x38401680, A64_ROW_LDRB_post},  /* ldrb w0, [x20], #1 */
        {0xa9bf7bfd, A64_ROW_STP_pre},    /* stp x29, x30, [sp, #-16]! */
        {0x2a4273e0, A64_ROW_ORR_reg},    /* orr w0, wzr, w2, lsr #28 */
        {0x7100281f, A64_ROW_SUBS_imm},   /* cmp w0, #0xa */
        {0x1e602000, A64_ROW_SIMD_FP},    /* fcmp d0, d0 */
        {0x9ac10c00, A64_ROW_DP_2src},    /* sdiv x0, x0, x1 */
        {0xd5087500, A64_ROW_SYS},        /* sys #0, c7, c5, #0, x0 (IC IALLU) */
    };
    for (size_t j = 0; j < sizeof k / sizeof k[0]; j++) {
        int got = a64_match(k[j].word);
        cr_assert_eq(got, (int)k[j].row, "0x%08x: got %s, want %s", k[j].word,
                     got >= 0 ? a64_rows[got].id : "none", a64_rows[k[j].row].id);
    }
    cr_assert_eq(a64_match(0x00000001), A64_ROW_UDF);
    cr_assert_eq(a64_match(0x02000000), -1); /* bits 28:25 = 0001: unallocated */
}

/* Decoding never crashes and always yields a handler; unallocated words in
 * implemented rows (MOVZ 32-bit with hw=2, a reserved logical immediate)
 * get the undefined-instruction handler. */
Test(a64_decode, random_words_never_crash)
{
    struct a64_insn in;
    for (int k = 0; k < 4000000; k++) {
        uint32_t w = (uint32_t)rnd();
        a64_decode_one(&in, w, rnd() & ~3ULL);
        cr_assert(in.fn != NULL, "0x%08x: no handler", w);
        cr_assert(in.d < A64_NREGS && in.n < A64_NREGS && in.m < A64_NREGS &&
                      in.a < A64_NREGS,
                  "0x%08x: register index out of range", w);
    }
    struct a64_insn ok, undef;
    a64_decode_one(&ok, 0xd2a24680, 0x1000);    /* movz x0, #0x1234, lsl #16 */
    a64_decode_one(&undef, 0x52c24680, 0x1000); /* movz w0 with hw=2: unallocated */
    cr_assert_neq(undef.fn, ok.fn);
    cr_assert(a64_decode_one(&in, 0x52c24680, 0x1000), "an undefined word ends its block");
    a64_decode_one(&in, 0x9240fc00, 0); /* and x0, x0, #imm with N=1 imms=111111: reserved */
    cr_assert_eq(in.fn, undef.fn);
    a64_decode_one(&in, 0x1e602000, 0); /* fcmp d0, d0: not implemented, another handler */
    cr_assert_neq(in.fn, undef.fn);
}

/* Every 32-bit word through the decoder (issue 4: the 2^32 sweep).  CI
 * decodes a strided sample of about a million words spread over the whole
 * space; the full sweep is
 *     SQUIB_A64_SWEEP=all build/tests/test_a64_decode --filter 'a64_decode/sweep*'
 * (a few minutes).  Each word must get a handler and valid register
 * indices. */
Test(a64_decode, sweep_of_the_word_space, .timeout = 3600)
{
    const char *mode = getenv("SQUIB_A64_SWEEP");
    uint64_t stride = mode && !strcmp(mode, "all") ? 1 : 4093;
    struct a64_insn in;
    uint64_t n = 0;
    for (uint64_t w = 0; w <= 0xffffffffULL; w += stride, n++) {
        a64_decode_one(&in, (uint32_t)w, 0x40000000);
        if (!in.fn || in.d >= A64_NREGS || in.n >= A64_NREGS || in.m >= A64_NREGS ||
            in.a >= A64_NREGS)
            cr_assert_fail("0x%08llx: bad decode", (unsigned long long)w);
    }
    cr_log_info("decoded %llu words", (unsigned long long)n);
    cr_assert_gt(n, stride == 1 ? 0xffffffffULL : 1000000ULL);
}
