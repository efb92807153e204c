/* mmu/tlb.h: the interpreter's RAM-only soft TLB.
 *
 * Maps guest pages to host memory for RAM only: a device access always misses
 * and takes the slow path to an exit, so the fast path has no device check.
 * 2-way set associative with a hashed set index, so two buffers a power of two
 * apart do not evict each other.  Separate tags for read/fetch and write: a
 * read-only page (ROM) and a page holding decoded code get no write tag, so
 * writes to them take the slow path (MMIO exit, or decode-cache invalidation).
 *
 * Translation: with no translate hook, guest-virtual = guest-physical.  A
 * core whose guest turned its MMU on sets `translate` (its page walker); a
 * miss then walks, and the entry maps the virtual page to the host page of
 * the physical one.  There are two TLBs, for supervisor and user accesses
 * (the walker checks privilege for the current one); the core switches with
 * mmu_set_user() and flushes on address-space changes (mmu_flush).
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
    uint64_t tag_exec;  /* same page if executable, else MMU_TAG_INVALID */
    uintptr_t addend;   /* host address = guest address + addend */
};

/* Called when a write hits a page that holds decoded code: the decode cache
 * must drop its blocks.  Set by the CPU core. */
typedef void (*mmu_code_write_fn)(void *opaque, uint64_t addr);

/* The core's page walker: translates `vaddr` for an access (write, fetch)
 * at the current privilege.  Returns true with *paddr and *writable (a
 * later write through this translation needs no walk: permitted, and the
 * dirty bit already set), or false for a translation fault, which the core
 * records itself (fault address, error code) before returning. */
typedef bool (*mmu_translate_fn)(void *opaque, uint64_t vaddr, bool write, bool fetch,
                                 uint64_t *paddr, bool *writable);

struct mmu {
    struct mmu_tlb_entry (*cur)[MMU_TLB_WAYS]; /* tlb[0] or tlb[1] */
    struct mmu_tlb_entry tlb[2][MMU_TLB_SETS][MMU_TLB_WAYS]; /* supervisor, user */
    const struct squib_physmap *ram; /* the VM's RAM/ROM regions */
    mmu_translate_fn translate;      /* NULL: virtual = physical */
    void *translate_opaque;
    /* Why the last mmu_fill returned NULL: a translation fault, or an
     * access to non-RAM at this physical address (an MMIO exit). */
    bool miss_fault;
    uint64_t miss_paddr;
    /* Host pages holding decoded code: a small open-addressed set (writes
     * to them are watched). */
    uint64_t *code_pages;
    unsigned code_cap, code_count;
    mmu_code_write_fn code_write;
    void *code_write_opaque;
    /* Bumped whenever a translation the TLB gave out may have lost a
     * permission or changed: a flush (whole or one page), a page becoming
     * watched code (its write tags go), the switch between the supervisor
     * and user TLBs, a refill with another host page.  A core may keep a
     * host address from a TLB hit (a per-instruction memo) while it holds. */
    uint64_t gen;
};

void mmu_init(struct mmu *m, const struct squib_physmap *ram);
void mmu_free(struct mmu *m);
/* Drops every translation (both privilege levels). */
void mmu_flush(struct mmu *m);
/* Drops the translations of one virtual page (INVLPG, TLBI VA). */
void mmu_flush_page(struct mmu *m, uint64_t vaddr);
/* Selects the TLB for user (true) or supervisor accesses. */
static inline void mmu_set_user(struct mmu *m, bool user)
{
    struct mmu_tlb_entry (*cur)[MMU_TLB_WAYS] = m->tlb[user ? 1 : 0];
    if (cur != m->cur) {
        m->cur = cur;
        m->gen++;
    }
}

static inline unsigned mmu_set_index(uint64_t page)
{
    uint64_t p = page >> MMU_PAGE_BITS;
    return (unsigned)((p ^ (p >> 8) ^ (p >> 16)) & (MMU_TLB_SETS - 1));
}

/* Slow path: translates and fills the TLB; returns the host pointer, or
 * NULL with miss_fault (translation fault) or miss_paddr (not RAM, or for
 * writes read-only memory: an MMIO exit at that physical address).  A write
 * to a page holding decoded code notifies the decode cache first. */
void *mmu_fill(struct mmu *m, uint64_t addr, bool write, bool fetch);

/* Host pointer for an access at `addr` that does not cross a page, or
 * NULL (see mmu_fill: a fault or an exit). */
/* The TLB's answer alone: a host pointer on a hit, NULL on a miss (no
 * walk, no fill). */
static inline void *mmu_probe(struct mmu *m, uint64_t addr, bool write)
{
    uint64_t page = addr & MMU_PAGE_MASK;
    struct mmu_tlb_entry *set = m->cur[mmu_set_index(page)];
    for (int w = 0; w < MMU_TLB_WAYS; w++) {
        if ((write ? set[w].tag_write : set[w].tag_read) == page)
            return (void *)(uintptr_t)(addr + set[w].addend);
    }
    return NULL;
}

static inline void *mmu_ptr(struct mmu *m, uint64_t addr, bool write)
{
    void *p = mmu_probe(m, addr, write);
    return p ? p : mmu_fill(m, addr, write, false);
}

/* The same for instruction fetch (the walker checks execute permission). */
static inline const void *mmu_fetch_ptr(struct mmu *m, uint64_t addr)
{
    uint64_t page = addr & MMU_PAGE_MASK;
    struct mmu_tlb_entry *set = m->cur[mmu_set_index(page)];
    for (int w = 0; w < MMU_TLB_WAYS; w++)
        if (set[w].tag_exec == page)
            return (const void *)(uintptr_t)(addr + set[w].addend);
    return mmu_fill(m, addr, false, true);
}

/* Copies between guest memory and a buffer; fails (false) if any byte is not
 * RAM (for writes: not writable RAM).  Handles page crossings. */
bool mmu_read(struct mmu *m, uint64_t addr, void *buf, unsigned len);
bool mmu_write(struct mmu *m, uint64_t addr, const void *buf, unsigned len);

/* Marks the page holding the (virtual) address `addr`, which must be RAM,
 * as holding decoded code. */
void mmu_watch_code(struct mmu *m, uint64_t addr);
/* Forgets all watched code pages (after the decode cache was flushed). */
void mmu_unwatch_all(struct mmu *m);

#endif
