/* mmu/physmap.c: the guest-physical memory map and its checked accessors. */
#include "squib/physmap.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "util/err.h"

static bool overlaps(const struct squib_physmap *m, uint64_t gpa, uint64_t size, const char **who)
{
    for (unsigned i = 0; i < m->n; i++) {
        const struct squib_mem_region *r = &m->r[i];
        if (gpa <= r->gpa + r->size - 1 && r->gpa <= gpa + size - 1) {
            *who = r->name;
            return true;
        }
    }
    return false;
}

static int add_region(struct squib_physmap *m, const char *name, uint64_t gpa, uint64_t size,
                      uint8_t *host, bool readonly)
{
    const char *who;
    if (size == 0 || gpa + size - 1 < gpa)
        return squib_fail(-EINVAL, "memory region %s: empty or wrapping (0x%llx+0x%llx)",
                          name, (unsigned long long)gpa, (unsigned long long)size);
    if (overlaps(m, gpa, size, &who))
        return squib_fail(-EEXIST, "memory region %s at 0x%llx+0x%llx overlaps %s", name,
                          (unsigned long long)gpa, (unsigned long long)size, who);
    if (m->n == SQUIB_PHYSMAP_MAX)
        return squib_fail(-ENOSPC, "memory region %s: more than %d regions", name,
                          SQUIB_PHYSMAP_MAX);
    unsigned pos = 0;
    while (pos < m->n && m->r[pos].gpa < gpa)
        pos++;
    memmove(&m->r[pos + 1], &m->r[pos], (m->n - pos) * sizeof m->r[0]);
    m->r[pos] = (struct squib_mem_region){
        .gpa = gpa, .size = size, .host = host, .readonly = readonly, .name = name};
    m->n++;
    return 0;
}

int squib_physmap_add_ram(struct squib_physmap *m, const char *name, uint64_t gpa,
                          uint64_t size, bool readonly, uint8_t **host_out)
{
    const char *who;
    if (size == 0 || gpa + size - 1 < gpa || (size & 0xfff) || (gpa & 0xfff))
        return squib_fail(-EINVAL, "memory region %s: 0x%llx+0x%llx is empty, wraps or is not page aligned",
                          name, (unsigned long long)gpa, (unsigned long long)size);
    if (overlaps(m, gpa, size, &who))
        return squib_fail(-EEXIST, "memory region %s at 0x%llx+0x%llx overlaps %s", name,
                          (unsigned long long)gpa, (unsigned long long)size, who);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return squib_fail(-ENOMEM, "memory region %s: cannot allocate %llu MiB", name,
                          (unsigned long long)(size >> 20));
    int rc = add_region(m, name, gpa, size, p, readonly);
    if (rc) {
        munmap(p, size);
        return rc;
    }
    ((struct squib_mem_region *)squib_physmap_find(m, gpa))->owned = true;
    if (host_out)
        *host_out = p;
    return 0;
}

int squib_physmap_add_alias(struct squib_physmap *m, const char *name, uint64_t gpa,
                            uint64_t size, uint8_t *host, bool readonly)
{
    return add_region(m, name, gpa, size, host, readonly);
}

void squib_physmap_free(struct squib_physmap *m)
{
    for (unsigned i = 0; i < m->n; i++)
        if (m->r[i].owned)
            munmap(m->r[i].host, m->r[i].size);
    m->n = 0;
}

const struct squib_mem_region *squib_physmap_find(const struct squib_physmap *m, uint64_t gpa)
{
    for (unsigned i = 0; i < m->n; i++)
        if (gpa - m->r[i].gpa < m->r[i].size)
            return &m->r[i];
    return NULL;
}

uint8_t *squib_physmap_ptr(const struct squib_physmap *m, uint64_t gpa, uint64_t len)
{
    const struct squib_mem_region *r = squib_physmap_find(m, gpa);
    if (!r || len > r->size - (gpa - r->gpa))
        return NULL;
    return r->host + (gpa - r->gpa);
}

static int copy(const struct squib_physmap *m, uint64_t gpa, void *buf, uint64_t len, bool write)
{
    uint8_t *b = buf;
    while (len) {
        const struct squib_mem_region *r = squib_physmap_find(m, gpa);
        if (!r)
            return squib_fail(-EFAULT, "guest-physical 0x%llx is not RAM or ROM",
                              (unsigned long long)gpa);
        uint64_t off = gpa - r->gpa, n = r->size - off < len ? r->size - off : len;
        if (write)
            memcpy(r->host + off, b, n);
        else
            memcpy(b, r->host + off, n);
        b += n;
        gpa += n;
        len -= n;
    }
    return 0;
}

int squib_physmap_write(const struct squib_physmap *m, uint64_t gpa, const void *buf, uint64_t len)
{
    /* Check the whole range first so a failed write changes nothing. */
    for (uint64_t g = gpa, left = len; left;) {
        const struct squib_mem_region *r = squib_physmap_find(m, g);
        if (!r)
            return squib_fail(-EFAULT, "guest-physical 0x%llx (of 0x%llx+0x%llx) is not RAM or ROM",
                              (unsigned long long)g, (unsigned long long)gpa,
                              (unsigned long long)len);
        uint64_t n = r->size - (g - r->gpa);
        if (n >= left)
            break;
        g += n;
        left -= n;
    }
    return copy(m, gpa, (void *)buf, len, true);
}

int squib_physmap_read(const struct squib_physmap *m, uint64_t gpa, void *buf, uint64_t len)
{
    return copy(m, gpa, buf, len, false);
}
