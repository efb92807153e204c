/* squib/physmap.h: the guest-physical memory map of a machine.
 *
 * RAM and ROM regions backed by host memory, in guest-physical order.  Every
 * access that a VMM part (loader, device, run loop) makes to guest memory goes
 * through squib_physmap_read/write, which check bounds and fail on any byte
 * that is not backed.  Aliases (the same host memory at two addresses, like
 * the pc BIOS below 1 MiB and at 4 GiB) are two regions with the same host
 * pointer.
 */
#ifndef SQUIB_PHYSMAP_H
#define SQUIB_PHYSMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct squib_mem_region {
    uint64_t gpa, size;
    uint8_t *host;
    bool readonly; /* guest writes become MMIO exits; loaders may write */
    const char *name;
    bool owned; /* allocated by squib_physmap_add_ram, unmapped by _free */
};

#define SQUIB_PHYSMAP_MAX 16

struct squib_physmap {
    struct squib_mem_region r[SQUIB_PHYSMAP_MAX];
    unsigned n;
};

/* Allocates `size` bytes of zeroed host memory (mmap, page aligned) and adds
 * it at gpa.  0 or negative errno (overlap, too many regions, no memory). */
int squib_physmap_add_ram(struct squib_physmap *m, const char *name, uint64_t gpa,
                          uint64_t size, bool readonly, uint8_t **host_out);
/* Adds an alias of existing host memory. */
int squib_physmap_add_alias(struct squib_physmap *m, const char *name, uint64_t gpa,
                            uint64_t size, uint8_t *host, bool readonly);
/* Unmaps everything it allocated. */
void squib_physmap_free(struct squib_physmap *m);

/* Host pointer for [gpa, gpa+len) if it lies inside one region, else NULL. */
uint8_t *squib_physmap_ptr(const struct squib_physmap *m, uint64_t gpa, uint64_t len);
/* Copies; the whole range must be backed (may span regions).  0 or -EFAULT. */
int squib_physmap_write(const struct squib_physmap *m, uint64_t gpa, const void *buf,
                        uint64_t len);
int squib_physmap_read(const struct squib_physmap *m, uint64_t gpa, void *buf, uint64_t len);
const struct squib_mem_region *squib_physmap_find(const struct squib_physmap *m,
                                                  uint64_t gpa);

#ifdef __cplusplus
}
#endif
#endif
