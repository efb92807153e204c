/* mmu/tlb.c: soft TLB fill and the checked slow paths. */
#include "mmu/tlb.h"

#include <stdlib.h>

void mmu_flush(struct mmu *m)
{
    for (int s = 0; s < MMU_TLB_SETS; s++)
        for (int w = 0; w < MMU_TLB_WAYS; w++)
            m->tlb[s][w] = (struct mmu_tlb_entry){MMU_TAG_INVALID, MMU_TAG_INVALID, 0};
}

void mmu_init(struct mmu *m, const struct squib_physmap *ram)
{
    memset(m, 0, sizeof *m);
    m->ram = ram;
    mmu_flush(m);
}

void mmu_free(struct mmu *m)
{
    free(m->code_pages);
    m->code_pages = NULL;
    m->code_cap = m->code_count = 0;
}

static uint64_t code_hash(uint64_t page, unsigned cap)
{
    return ((page >> MMU_PAGE_BITS) * 0x9E3779B97F4A7C15ULL) >> 32 & (cap - 1);
}

static bool code_page_watched(const struct mmu *m, uint64_t page)
{
    if (!m->code_count)
        return false;
    for (uint64_t i = code_hash(page, m->code_cap);; i = (i + 1) & (m->code_cap - 1)) {
        if (m->code_pages[i] == page)
            return true;
        if (m->code_pages[i] == MMU_TAG_INVALID)
            return false;
    }
}

static void code_insert(uint64_t *tab, unsigned cap, uint64_t page)
{
    uint64_t i = code_hash(page, cap);
    while (tab[i] != MMU_TAG_INVALID && tab[i] != page)
        i = (i + 1) & (cap - 1);
    tab[i] = page;
}

void mmu_watch_code(struct mmu *m, uint64_t gpa)
{
    uint64_t page = gpa & MMU_PAGE_MASK;
    if (code_page_watched(m, page))
        return;
    if (2 * (m->code_count + 1) > m->code_cap) {
        unsigned cap = m->code_cap ? 2 * m->code_cap : 64;
        uint64_t *n = malloc(cap * sizeof *n);
        if (!n)
            abort(); /* tiny allocation; nothing sensible to do */
        for (unsigned i = 0; i < cap; i++)
            n[i] = MMU_TAG_INVALID;
        for (unsigned i = 0; i < m->code_cap; i++)
            if (m->code_pages[i] != MMU_TAG_INVALID)
                code_insert(n, cap, m->code_pages[i]);
        free(m->code_pages);
        m->code_pages = n;
        m->code_cap = cap;
    }
    code_insert(m->code_pages, m->code_cap, page);
    m->code_count++;
    /* Drop any write tag for the page so writes take the slow path. */
    struct mmu_tlb_entry *set = m->tlb[mmu_set_index(page)];
    for (int w = 0; w < MMU_TLB_WAYS; w++)
        if (set[w].tag_write == page)
            set[w].tag_write = MMU_TAG_INVALID;
}

void mmu_unwatch_all(struct mmu *m)
{
    for (unsigned i = 0; i < m->code_cap; i++)
        m->code_pages[i] = MMU_TAG_INVALID;
    m->code_count = 0;
    /* Write tags may be installed again lazily. */
}

void *mmu_fill(struct mmu *m, uint64_t addr, bool write)
{
    uint64_t page = addr & MMU_PAGE_MASK;
    const struct squib_mem_region *r = squib_physmap_find(m->ram, page);
    if (!r)
        return NULL;
    bool watched = code_page_watched(m, page);
    if (write && r->readonly)
        return NULL;
    if (write && watched) {
        /* Tell the decode cache, which unwatches everything it dropped. */
        if (m->code_write)
            m->code_write(m->code_write_opaque, addr);
        watched = code_page_watched(m, page);
    }
    struct mmu_tlb_entry *set = m->tlb[mmu_set_index(page)];
    int way = -1;
    for (int w = 0; w < MMU_TLB_WAYS; w++)
        if (set[w].tag_read == page)
            way = w;
    if (way < 0) { /* replace the older way */
        set[1] = set[0];
        way = 0;
    }
    uintptr_t host_page = (uintptr_t)(r->host + (page - r->gpa));
    set[way].tag_read = page;
    set[way].tag_write = (r->readonly || watched) ? MMU_TAG_INVALID : page;
    set[way].addend = host_page - (uintptr_t)page;
    if (write && set[way].tag_write == MMU_TAG_INVALID)
        return NULL; /* still watched: caller must not write directly */
    return (void *)(uintptr_t)(addr + set[way].addend);
}

static bool copy(struct mmu *m, uint64_t addr, void *buf, unsigned len, bool write)
{
    uint8_t *b = buf;
    while (len) {
        unsigned in_page = MMU_PAGE_SIZE - (unsigned)(addr & (MMU_PAGE_SIZE - 1));
        unsigned n = in_page < len ? in_page : len;
        uint8_t *p = mmu_ptr(m, addr, write);
        if (!p)
            return false;
        if (write)
            memcpy(p, b, n);
        else
            memcpy(b, p, n);
        b += n;
        addr += n;
        len -= n;
    }
    return true;
}

bool mmu_read(struct mmu *m, uint64_t addr, void *buf, unsigned len)
{
    return copy(m, addr, buf, len, false);
}

bool mmu_write(struct mmu *m, uint64_t addr, const void *buf, unsigned len)
{
    return copy(m, addr, (void *)buf, len, true);
}
