/* cpu/arm64/a64_decode.c: the table compiled into buckets; one-word decode. */
#include "cpu/arm64/a64_decode.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "squib/exit.h"

#define I A64_ROW_IMPL
#define E A64_ROW_END
#define G A64_ROW_GROUP
struct a64_row a64_rows[A64_ROW_COUNT] = {
#define X(id_, name_, pattern_, dec_, flags_)                                            \
    {.id = #id_, .name = name_, .pattern = pattern_, .dec = a64_dec_##dec_, .flags = (flags_)},
#include "cpu/arm64/a64_table.inc"
#undef X
};
#undef I
#undef E
#undef G

/* Rows are bucketed by the top bits of the word: a row sits in every bucket
 * its pattern can match, in most-specific-first order. */
#define A64_BUCKET_BITS 10
#define A64_BUCKETS (1u << A64_BUCKET_BITS)
#define A64_BUCKET_SHIFT (32 - A64_BUCKET_BITS)

static uint16_t bucket_start[A64_BUCKETS + 1];
static uint16_t *bucket_rows;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static int by_specificity(const void *a, const void *b)
{
    const struct a64_row *ra = &a64_rows[*(const uint16_t *)a];
    const struct a64_row *rb = &a64_rows[*(const uint16_t *)b];
    if (ra->fixed != rb->fixed)
        return ra->fixed > rb->fixed ? -1 : 1;
    /* Equal specificity: table order (the table test checks that such rows
     * never overlap, so the order does not matter for correctness). */
    return *(const uint16_t *)a - *(const uint16_t *)b;
}

static void compile_table(void)
{
    uint16_t order[A64_ROW_COUNT];
    for (unsigned r = 0; r < A64_ROW_COUNT; r++) {
        struct a64_row *row = &a64_rows[r];
        if (strlen(row->pattern) != 32) {
            fprintf(stderr, "a64_table.inc: row %s: pattern is not 32 characters\n", row->id);
            abort();
        }
        row->mask = row->value = 0;
        row->fixed = 0;
        for (int k = 0; k < 32; k++) {
            char ch = row->pattern[k];
            unsigned bit = 31 - (unsigned)k;
            if (ch == '0' || ch == '1') {
                row->mask |= 1u << bit;
                row->value |= (uint32_t)(ch - '0') << bit;
                row->fixed++;
            }
        }
        order[r] = (uint16_t)r;
    }
    qsort(order, A64_ROW_COUNT, sizeof order[0], by_specificity);

    const uint32_t top = ~0u << A64_BUCKET_SHIFT;
    size_t total = 0;
    for (unsigned b = 0; b < A64_BUCKETS; b++)
        for (unsigned k = 0; k < A64_ROW_COUNT; k++) {
            const struct a64_row *row = &a64_rows[order[k]];
            if (((b << A64_BUCKET_SHIFT) & row->mask & top) == (row->value & top))
                total++;
        }
    bucket_rows = malloc(total * sizeof *bucket_rows);
    if (!bucket_rows || total > UINT16_MAX)
        abort(); /* a few KiB at start-up; nothing sensible to do */
    unsigned n = 0;
    for (unsigned b = 0; b < A64_BUCKETS; b++) {
        bucket_start[b] = (uint16_t)n;
        for (unsigned k = 0; k < A64_ROW_COUNT; k++) {
            const struct a64_row *row = &a64_rows[order[k]];
            if (((b << A64_BUCKET_SHIFT) & row->mask & top) == (row->value & top))
                bucket_rows[n++] = order[k];
        }
    }
    bucket_start[A64_BUCKETS] = (uint16_t)n;
}

void a64_decode_init(void)
{
    pthread_once(&init_once, compile_table);
}

int a64_match(uint32_t w)
{
    unsigned b = w >> A64_BUCKET_SHIFT;
    for (unsigned k = bucket_start[b]; k < bucket_start[b + 1]; k++) {
        const struct a64_row *row = &a64_rows[bucket_rows[k]];
        if ((w & row->mask) == row->value)
            return bucket_rows[k];
    }
    return -1;
}

/* ---- encodings without semantics -------------------------------------- */

/* Unallocated or UNDEFINED: the Unknown-reason exception (EC 0x00). */
static int op_undefined(struct a64_cpu *c, const struct a64_insn *i)
{
    return a64_undefined(c, i);
}

static int op_not_implemented(struct a64_cpu *c, const struct a64_insn *i)
{
    const struct a64_row *row = &a64_rows[i->imm2];
    if (row->flags & A64_ROW_GROUP)
        return a64_fail_insn(c, i, (uint32_t)i->imm,
                        "A64 instruction not implemented yet (or unallocated): 0x%08x in group "
                        "'%s'",
                        (uint32_t)i->imm, row->name);
    return a64_fail_insn(c, i, (uint32_t)i->imm, "A64 instruction not implemented yet: %s (0x%08x)",
                         row->name, (uint32_t)i->imm);
}

bool a64_dec_todo(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)in, (void)w, (void)pc;
    return false; /* never called: rows without I have no semantics */
}

/* UDF #imm16: permanently undefined (C6.2, "UDF"). */
bool a64_dec_udf(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    (void)in, (void)w, (void)pc;
    return false;
}

bool a64_decode_one(struct a64_insn *in, uint32_t w, uint64_t pc)
{
    memset(in, 0, sizeof *in);
    int r = a64_match(w);
    if (r >= 0 && (a64_rows[r].flags & A64_ROW_IMPL)) {
        if (a64_rows[r].dec(in, w, pc))
            return (a64_rows[r].flags & A64_ROW_END) != 0;
        memset(in, 0, sizeof *in);
        in->fn = op_undefined;
    } else {
        in->fn = r >= 0 ? op_not_implemented : op_undefined;
    }
    /* Either way the instruction ends the block: it always exits. */
    in->imm = w;
    in->imm2 = r >= 0 ? (uint64_t)r : 0;
    return true;
}
