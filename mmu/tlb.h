/* mmu/tlb.h: the interpreter's RAM-only soft TLB.
 *
 * Maps guest pages to host memory for RAM only: a device access always misses
 * and takes the slow path to an exit, so the fast path has no device check.
 * 2-way set associative with a hashed set index, so two buffers a power of two
 * apart do not evict each other.  Separate tags for read/fetch and write: a
 * read-only page (ROM) and a page holding decoded code get no write tag, so
 * writes to them take the slow path (MMIO exit, or decode-cache invalidation).
 *
 * For now guest-virtual = guest-physical (paging lands with the CPU issues:
 * the page walkers fill the same entries).
 */
#ifndef MMU_TLB_H
#define MMU_TLB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "squib/physmap.h"

#define MMU_PAGE_BITS 12
#define MMU_PAGE_SIZE (1u << MMU_PAGE_BITS)
#define MMU_PAGE_MASK (~(uint64_t)(MMU_PAGE_SIZE - 1))
#define MMU_TLB_SETS 256
#define MMU_TLB_WAYS 2
#define MMU_TAG_INVALID (~0ULL)

struct mmu_tlb_entry {
    uint64_t tag_read;  /* guest page address, or MMU_TAG_INVALID */
    uint64_t tag_write; /* same page if writable, else MMU_TAG_INVALID */
    uintptr_t addend;   /* host address = guest address + addend */
};

/* Called when a write hits a page that holds decoded code: the decode cache
 * must drop its blocks.  Set by the CPU core. */
typedef void (*mmu_code_write_fn)(void *opaque, uint64_t gpa);

struct mmu {
    struct mmu_tlb_entry tlb[MMU_TLB_SETS][MMU_TLB_WAYS];
    const struct squib_physmap *ram; /* the VM's RAM/ROM regions */
    /* Pages holding decoded code: a small open-addressed set of page
     * numbers (writes to them are watched). */
    uint64_t *code_pages;
    unsigned code_cap, code_count;
    mmu_code_write_fn code_write;
    void *code_write_opaque;
};

void mmu_init(struct mmu *m, const struct squib_physmap *ram);
void mmu_free(struct mmu *m);
void mmu_flush(struct mmu *m);

static inline unsigned mmu_set_index(uint64_t page)
{
    uint64_t p = page >> MMU_PAGE_BITS;
    return (unsigned)((p ^ (p >> 8) ^ (p >> 16)) & (MMU_TLB_SETS - 1));
}

/* Slow path: fills the TLB; returns the host pointer or NULL if `addr` is not
 * RAM (or, for writes, not writable RAM / a watched code page, after
 * notifying the decode cache). */
void *mmu_fill(struct mmu *m, uint64_t addr, bool write);

/* Host pointer for an access of `size` bytes at `addr` that lies within one
 * page, or NULL (the access is an exit). */
static inline void *mmu_ptr(struct mmu *m, uint64_t addr, bool write)
{
    uint64_t page = addr & MMU_PAGE_MASK;
    struct mmu_tlb_entry *set = m->tlb[mmu_set_index(page)];
    for (int w = 0; w < MMU_TLB_WAYS; w++) {
        if ((write ? set[w].tag_write : set[w].tag_read) == page)
            return (void *)(uintptr_t)(addr + set[w].addend);
    }
    return mmu_fill(m, addr, write);
}

/* Copies between guest memory and a buffer; fails (false) if any byte is not
 * RAM (for writes: not writable RAM).  Handles page crossings. */
bool mmu_read(struct mmu *m, uint64_t addr, void *buf, unsigned len);
bool mmu_write(struct mmu *m, uint64_t addr, const void *buf, unsigned len);

/* Marks the page holding `gpa` as holding decoded code. */
void mmu_watch_code(struct mmu *m, uint64_t gpa);
/* Forgets all watched code pages (after the decode cache was flushed). */
void mmu_unwatch_all(struct mmu *m);

#endif
