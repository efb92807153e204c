/* cpu/dcache.h: the decode cache shared by the interpreter's cores.
 *
 * Maps a guest pc to a block of predecoded instructions (each core defines
 * what a block holds).  Blocks live in one arena; invalidation (a write to a
 * page holding decoded code, IC maintenance, a mode change) drops them all
 * but frees nothing until the next lookup, so the block being executed stays
 * valid until its handler returns.
 */
#ifndef CPU_DCACHE_H
#define CPU_DCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DCACHE_BUCKETS 4096

struct dcache_block {
    uint64_t pc;
    uint64_t key2; /* mode bits the decoding depends on */
    struct dcache_block *next;
    /* the core's decoded instructions follow */
};

struct dcache {
    struct dcache_block *bucket[DCACHE_BUCKETS];
    uint8_t *arena;
    size_t arena_size, arena_used;
    bool flush_pending;
    uint64_t flushes, blocks; /* statistics */
};

int dcache_init(struct dcache *d, size_t arena_size);
void dcache_free(struct dcache *d);
/* Drops all blocks at the next lookup. */
static inline void dcache_invalidate(struct dcache *d)
{
    d->flush_pending = true;
}
void dcache_flush_now(struct dcache *d);

static inline unsigned dcache_hash(uint64_t pc)
{
    return (unsigned)((pc ^ (pc >> 12) ^ (pc >> 24)) & (DCACHE_BUCKETS - 1));
}

static inline struct dcache_block *dcache_lookup(struct dcache *d, uint64_t pc, uint64_t key2)
{
    if (d->flush_pending)
        dcache_flush_now(d);
    for (struct dcache_block *b = d->bucket[dcache_hash(pc)]; b; b = b->next)
        if (b->pc == pc && b->key2 == key2)
            return b;
    return NULL;
}

/* Space for a new block of `size` bytes (header included), or NULL when the
 * arena is full (the caller flushes with dcache_flush_now and retries). */
void *dcache_alloc(struct dcache *d, size_t size);
/* Gives back the unused tail of the last allocation (`used` bytes of block
 * `p` are kept). */
void dcache_shrink_last(struct dcache *d, void *p, size_t used);
/* Makes a filled block findable. */
void dcache_insert(struct dcache *d, struct dcache_block *b);

#endif
