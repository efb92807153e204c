/* mmu/tlb.c: soft TLB fill through the core's page walker, code-page
 * watching, and the checked slow paths. */
#include "mmu/tlb.h"

#include <stdlib.h>

static const struct mmu_tlb_entry invalid_entry = {MMU_TAG_INVALID, MMU_TAG_INVALID,
                                                   MMU_TAG_INVALID, 0};

void mmu_flush(struct mmu *m)
{
    m->gen++;
    for (int u = 0; u < 2; u++)
        for (int s = 0; s < MMU_TLB_SETS; s++)
            for (int w = 0; w < MMU_TLB_WAYS; w++)
                m->tlb[u][s][w] = invalid_entry;
}

void mmu_flush_page(struct mmu *m, uint64_t vaddr)
{
    m->gen++;
    uint64_t page = vaddr & MMU_PAGE_MASK;
    for (int u = 0; u < 2; u++) {
        struct mmu_tlb_entry *set = m->tlb[u][mmu_set_index(page)];
        for (int w = 0; w < MMU_TLB_WAYS; w++)
            if (set[w].tag_read == page || set[w].tag_write == page || set[w].tag_exec == page)
                set[w] = invalid_entry;
    }
}

void mmu_init(struct mmu *m, const struct squib_physmap *ram)
{
    memset(m, 0, sizeof *m);
    m->ram = ram;
    mmu_set_user(m, false);
    mmu_flush(m);
}

void mmu_free(struct mmu *m)
{
    free(m->code_pages);
    m->code_pages = NULL;
    m->code_cap = m->code_count = 0;
}

/* ---- watched code pages, by host page address ---------------------------- */

static uint64_t code_hash(uint64_t hpage, unsigned cap)
{
    return ((hpage >> MMU_PAGE_BITS) * 0x9E3779B97F4A7C15ULL) >> 32 & (cap - 1);
}

static bool code_page_watched(const struct mmu *m, uint64_t hpage)
{
    if (!m->code_count)
        return false;
    for (uint64_t i = code_hash(hpage, m->code_cap);; i = (i + 1) & (m->code_cap - 1)) {
        if (m->code_pages[i] == hpage)
            return true;
        if (m->code_pages[i] == MMU_TAG_INVALID)
            return false;
    }
}

static void code_insert(uint64_t *tab, unsigned cap, uint64_t hpage)
{
    uint64_t i = code_hash(hpage, cap);
    while (tab[i] != MMU_TAG_INVALID && tab[i] != hpage)
        i = (i + 1) & (cap - 1);
    tab[i] = hpage;
}

void mmu_watch_code(struct mmu *m, uint64_t addr)
{
    const uint8_t *p = mmu_fetch_ptr(m, addr);
    if (!p)
        return; /* not RAM: nothing to watch */
    uint64_t hpage = (uintptr_t)p & MMU_PAGE_MASK;
    if (code_page_watched(m, hpage))
        return;
    if (2 * (m->code_count + 1) > m->code_cap) {
        unsigned cap = m->code_cap ? 2 * m->code_cap : 64;
        uint64_t *n = malloc(cap * sizeof *n);
        if (!n)
            abort(); /* a few KiB; nothing sensible to do without them */
        for (unsigned i = 0; i < cap; i++)
            n[i] = MMU_TAG_INVALID;
        for (unsigned i = 0; i < m->code_cap; i++)
            if (m->code_pages[i] != MMU_TAG_INVALID)
                code_insert(n, cap, m->code_pages[i]);
        free(m->code_pages);
        m->code_pages = n;
        m->code_cap = cap;
    }
    code_insert(m->code_pages, m->code_cap, hpage);
    m->code_count++;
    /* Every virtual page mapping this host page loses its write tag, so
     * writes take the slow path. */
    m->gen++;
    for (int u = 0; u < 2; u++)
        for (int s = 0; s < MMU_TLB_SETS; s++)
            for (int w = 0; w < MMU_TLB_WAYS; w++) {
                struct mmu_tlb_entry *e = &m->tlb[u][s][w];
                if (e->tag_write != MMU_TAG_INVALID && e->tag_write + e->addend == hpage)
                    e->tag_write = MMU_TAG_INVALID;
            }
}

void mmu_unwatch_all(struct mmu *m)
{
    for (unsigned i = 0; i < m->code_cap; i++)
        m->code_pages[i] = MMU_TAG_INVALID;
    m->code_count = 0;
    /* Write tags are installed again lazily. */
}

/* ---- fill ------------------------------------------------------------- */

void *mmu_fill(struct mmu *m, uint64_t addr, bool write, bool fetch)
{
    uint64_t page = addr & MMU_PAGE_MASK;
    uint64_t paddr = addr;
    bool writable = true;
    m->miss_fault = false;
    if (m->translate && !m->translate(m->translate_opaque, addr, write, fetch, &paddr, &writable)) {
        m->miss_fault = true;
        return NULL;
    }
    uint64_t ppage = paddr & MMU_PAGE_MASK;
    const struct squib_mem_region *r = squib_physmap_find(m->ram, ppage);
    if (!r || (write && r->readonly)) {
        m->miss_paddr = paddr;
        return NULL;
    }
    uintptr_t host_page = (uintptr_t)(r->host + (ppage - r->gpa));
    if (write && code_page_watched(m, host_page)) {
        /* Tell the decode cache, which unwatches everything it dropped. */
        if (m->code_write)
            m->code_write(m->code_write_opaque, addr);
        if (code_page_watched(m, host_page)) {
            m->miss_paddr = paddr; /* no decode cache to notify: cannot write */
            return NULL;
        }
    }
    struct mmu_tlb_entry *set = m->cur[mmu_set_index(page)];
    int way = -1;
    for (int w = 0; w < MMU_TLB_WAYS; w++)
        if (set[w].tag_read == page || set[w].tag_write == page || set[w].tag_exec == page)
            way = w;
    if (way < 0 || set[way].addend != host_page - (uintptr_t)page) {
        if (way < 0) { /* replace the older way (an eviction: its memos stay valid) */
            set[1] = set[0];
            way = 0;
        } else {
            m->gen++; /* the page now maps elsewhere: its memos go (see gen) */
        }
        set[way] = invalid_entry;
        set[way].addend = host_page - (uintptr_t)page;
    }
    struct mmu_tlb_entry *e = &set[way];
    if (!m->translate || fetch)
        e->tag_exec = page;
    if (!m->translate || !fetch)
        e->tag_read = page;
    if ((write || writable) && !r->readonly && !code_page_watched(m, host_page))
        e->tag_write = page;
    return (void *)(uintptr_t)(addr + e->addend);
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
