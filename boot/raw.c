/* boot/raw.c: a file's bytes at a guest-physical address, as they are. */
#include "boot/boot.h"

#include <errno.h>
#include <stdlib.h>

#include "util/err.h"

/* Bytes of RAM/ROM backed contiguously from gpa (regions may adjoin). */
static uint64_t backed_from(const struct squib_physmap *mem, uint64_t gpa)
{
    uint64_t total = 0;
    for (;;) {
        const struct squib_mem_region *r = squib_physmap_find(mem, gpa);
        if (!r)
            return total;
        uint64_t n = r->size - (gpa - r->gpa);
        total += n;
        if (gpa + n < gpa) /* the region ends at the top of the address space */
            return total;
        gpa += n;
    }
}

int boot_load_raw(struct squib_physmap *mem, const char *path, uint64_t gpa)
{
    uint64_t room = backed_from(mem, gpa);
    if (!room)
        return squib_fail(-EFAULT, "%s: load address 0x%llx is not in guest RAM or ROM", path,
                          (unsigned long long)gpa);

    uint8_t *data;
    size_t size;
    size_t cap = room > SIZE_MAX ? SIZE_MAX : (size_t)room;
    int rc = boot_read_file(path, cap, &data, &size);
    if (rc == -EFBIG)
        return squib_fail(-EFBIG,
                          "%s does not fit at 0x%llx: it is larger than the 0x%llx bytes of "
                          "guest RAM/ROM from there",
                          path, (unsigned long long)gpa, (unsigned long long)room);
    if (rc)
        return rc;
    rc = squib_physmap_write(mem, gpa, data, size);
    free(data);
    return rc;
}
