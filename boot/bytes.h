/* boot/bytes.h: little-endian field readers for image headers (internal).
 *
 * Image formats are little endian regardless of the host; these read a field
 * at an offset the caller has already checked to lie inside the buffer.
 */
#ifndef BOOT_BYTES_H
#define BOOT_BYTES_H

#include <stdint.h>

static inline uint16_t boot_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t boot_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t boot_le64(const uint8_t *p)
{
    return (uint64_t)boot_le32(p) | (uint64_t)boot_le32(p + 4) << 32;
}

#endif
