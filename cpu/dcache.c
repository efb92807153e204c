/* cpu/dcache.c: decode cache arena and hash table. */
#include "cpu/dcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int dcache_init(struct dcache *d, size_t arena_size)
{
    memset(d, 0, sizeof *d);
    void *p = mmap(NULL, arena_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -ENOMEM;
    d->arena = p;
    d->arena_size = arena_size;
    return 0;
}

void dcache_free(struct dcache *d)
{
    if (d->arena)
        munmap(d->arena, d->arena_size);
    d->arena = NULL;
}

void dcache_flush_now(struct dcache *d)
{
    memset(d->bucket, 0, sizeof d->bucket);
    d->arena_used = 0;
    d->flush_pending = false;
    d->flushes++;
}

void *dcache_alloc(struct dcache *d, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (d->arena_size - d->arena_used < size)
        return NULL;
    void *p = d->arena + d->arena_used;
    d->arena_used += size;
    return p;
}

void dcache_shrink_last(struct dcache *d, void *p, size_t used)
{
    used = (used + 15) & ~(size_t)15;
    size_t start = (size_t)((uint8_t *)p - d->arena);
    if (start + used < d->arena_used)
        d->arena_used = start + used;
}

void dcache_insert(struct dcache *d, struct dcache_block *b)
{
    unsigned h = dcache_hash(b->pc);
    b->next = d->bucket[h];
    d->bucket[h] = b;
    d->blocks++;
}
