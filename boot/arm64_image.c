/* boot/arm64_image.c: the arm64 Linux "Image" (Documentation/arch/arm64/booting.rst).
 *
 * Header (64 bytes, little endian):
 *   0x00 code0, code1   0x08 text_offset   0x10 image_size   0x18 flags
 *   0x20 res2..res4     0x38 magic "ARM\x64"                0x3c res5
 * The Image goes text_offset bytes above a 2 MiB aligned base; here that base
 * is the start of RAM.  image_size (which includes the kernel's BSS) is 0 in
 * kernels older than 3.17, whose text_offset is then 0x80000.
 *
 * QEMU differs for text_offset < 4 KiB (every kernel since 5.8 has 0): it puts
 * its own boot stub at the start of RAM and loads the Image 2 MiB higher.
 * squib needs no stub in guest RAM and follows the protocol: ram_base +
 * text_offset.
 */
#include "boot/boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/bytes.h"
#include "util/err.h"

enum {
    IMG_TEXT_OFFSET = 0x08, IMG_IMAGE_SIZE = 0x10, IMG_FLAGS = 0x18, IMG_MAGIC = 0x38,
    IMG_HEADER_SIZE = 64,
    IMG_OLD_TEXT_OFFSET = 0x80000,
    IMG_FLAG_BE = 1, /* flags bit 0: kernel endianness, 1 = big endian */
};

#define X(v) ((unsigned long long)(v))

int boot_load_arm64_image(struct squib_physmap *mem, const char *path, const uint8_t *data,
                          size_t size, uint64_t ram_base, uint64_t ram_size, uint64_t *entry)
{
    if (!path)
        path = "arm64 Image";
    if (!data)
        size = 0;
    if (size < IMG_HEADER_SIZE)
        return squib_fail(-ENOEXEC, "%s is too small for an arm64 Image (%zu bytes; the header "
                          "alone is %d)", path, size, IMG_HEADER_SIZE);
    if (memcmp(data + IMG_MAGIC, "ARM\x64", 4) != 0) {
        if (data[0] == 0x1f && data[1] == 0x8b)
            return squib_fail(-ENOEXEC, "%s is gzip-compressed (Image.gz?); decompress it to a "
                              "raw Image first", path);
        if (memcmp(data, "\x7f" "ELF", 4) == 0)
            return squib_fail(-ENOEXEC, "%s is an ELF file, not an arm64 Image", path);
        return squib_fail(-ENOEXEC, "%s: not an arm64 Image (no \"ARM\\x64\" magic at offset "
                          "0x38); for a flat binary use -device loader,file=%s,addr=ADDR,cpu-num=0",
                          path, path);
    }

    uint64_t text_offset = boot_le64(data + IMG_TEXT_OFFSET);
    uint64_t image_size = boot_le64(data + IMG_IMAGE_SIZE);
    uint64_t flags = boot_le64(data + IMG_FLAGS);
    if (image_size == 0) {
        /* Pre-3.17: text_offset was in the kernel's endianness; it is 0x80000. */
        text_offset = IMG_OLD_TEXT_OFFSET;
    } else if (flags & IMG_FLAG_BE) {
        return squib_fail(-ENOEXEC, "%s is a big-endian arm64 kernel (header flags bit 0); squib "
                          "boots little-endian kernels", path);
    }

    /* The kernel owns [load, load + max(file, image_size)): it zeroes its own
     * BSS and expects nothing else there (the DTB and initrd go elsewhere). */
    uint64_t need = image_size > size ? image_size : (uint64_t)size;
    if (text_offset > ram_size || need > ram_size - text_offset)
        return squib_fail(-EFBIG, "%s does not fit in RAM: the Image needs 0x%llx bytes at "
                          "offset 0x%llx (text_offset) but guest RAM is 0x%llx bytes (%llu MiB)",
                          path, X(need), X(text_offset), X(ram_size), X(ram_size >> 20));
    if (text_offset > UINT64_MAX - ram_base)
        return squib_fail(-EFBIG, "%s: load address 0x%llx + 0x%llx wraps around", path,
                          X(ram_base), X(text_offset));
    uint64_t load = ram_base + text_offset;
    int rc = squib_physmap_write(mem, load, data, size);
    if (rc) {
        char why[256];
        snprintf(why, sizeof why, "%s", squib_errmsg());
        return squib_fail(rc, "%s: cannot load at 0x%llx: %s", path, X(load), why);
    }
    if (entry)
        *entry = load;
    return 0;
}
