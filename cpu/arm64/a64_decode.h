/* cpu/arm64/a64_decode.h: matching A64 words against the encoding table.
 *
 * The table (a64_table.inc) is compiled once into mask/value pairs, sorted
 * most-specific first and bucketed by the top A64_BUCKET_BITS bits of the
 * word.  Decoding happens only when a block is built, never while it runs.
 */
#ifndef CPU_ARM64_A64_DECODE_H
#define CPU_ARM64_A64_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/arm64/a64_cpu.h"

/* Extracts the operands of word `w` at `pc` into *in and picks its handler.
 * Returns false if the encoding is unallocated (UNDEFINED). */
typedef bool (*a64_decoder)(struct a64_insn *in, uint32_t w, uint64_t pc);

enum {
    A64_ROW_IMPL = 1u << 0,  /* has a decoder */
    A64_ROW_END = 1u << 1,   /* ends a block */
    A64_ROW_GROUP = 1u << 2, /* catch-all for the rest of an encoding group */
};

enum a64_row_id {
#define X(id, name, pattern, dec, flags) A64_ROW_##id,
#include "cpu/arm64/a64_table.inc"
#undef X
    A64_ROW_COUNT
};

struct a64_row {
    const char *id;
    const char *name;    /* as the Arm ARM names the encoding */
    const char *pattern; /* 32 characters, bit 31 first */
    a64_decoder dec;
    unsigned flags;
    uint32_t mask, value; /* from the pattern, filled by a64_decode_init */
    unsigned fixed;       /* number of fixed bits */
};

extern struct a64_row a64_rows[A64_ROW_COUNT];

/* Compiles the table (once; thread-safe).  Aborts on a malformed pattern. */
void a64_decode_init(void);

/* Index of the row that matches `w` (most specific first), or -1. */
int a64_match(uint32_t w);

/* Decodes one word into *in: a handler from the row's decoder, or an error
 * handler for unallocated or not-yet-implemented encodings.  Returns true if
 * the instruction ends a block. */
bool a64_decode_one(struct a64_insn *in, uint32_t w, uint64_t pc);

/* Decoders, one per row family (the `dec` column of the table). */
#define X(id, name, pattern, dec, flags) bool a64_dec_##dec(struct a64_insn *, uint32_t, uint64_t);
#include "cpu/arm64/a64_table.inc"
#undef X

#endif
