/* boot/boot.h: image loaders and the device tree builder.
 *
 * Loaders write into a machine's guest-physical memory map only through
 * squib_physmap_write (bounds-checked), validate every header field before
 * use, and fail with a negative errno and a squib_errmsg() sentence naming
 * the file and the problem.  They never abort on bad input.  `path` is used
 * only in messages (NULL gives a generic name) for the loaders that take the
 * data from the caller.
 *
 * Loaders only place bytes and report an entry address; they never touch CPU
 * state.  The machine code sets the registers, as QEMU does:
 *  - arm64 virt, Image or ELF kernel: pc = entry, EL1h, MMU and caches off,
 *    interrupts masked (DAIF set), x0 = guest-physical address of the DTB,
 *    x1 = x2 = x3 = 0; secondary CPUs stay off until PSCI CPU_ON.
 *  - x86-64 ELF: the entry is e_entry as linked; the machine chooses the CPU
 *    mode it enters in (the loader does not check that e_entry lies inside
 *    a loaded segment: ELF entries are virtual addresses).
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "squib/accel.h"
#include "squib/physmap.h"

/* Reads a whole regular file (at most max_size bytes) into a malloc'd buffer
 * that the caller frees; an empty file gives size 0 and a buffer to free.
 * Errors: "cannot open F: <strerror>" (-errno), "F is a directory"
 * (-EISDIR), "F is not a regular file" (-EINVAL: devices, FIFOs, sockets),
 * "F is larger than N MiB" (-EFBIG). */
int boot_read_file(const char *path, size_t max_size, uint8_t **data, size_t *size);

/* Raw bytes at gpa (-device loader,file=F,addr=A; -bios contents).  The file
 * must fit in the RAM/ROM backed contiguously from gpa (-EFBIG otherwise,
 * -EFAULT if gpa itself is not backed); an empty file loads nothing. */
int boot_load_raw(struct squib_physmap *mem, const char *path, uint64_t gpa);

/* ELF64 little-endian image for `arch` (EM_X86_64 or EM_AARCH64).
 * e_type ET_EXEC or ET_DYN (a static PIE): both are loaded at their p_paddr
 * without relocation; ET_DYN code must relocate itself if it needs to.
 * Files with a PT_INTERP (dynamically linked programs) are rejected.
 * Loads every PT_LOAD segment at its physical address (p_paddr), zero-fills
 * p_memsz beyond p_filesz; rejects truncated files, wrong class/endianness/
 * machine/type/version/e_ehsize/e_phentsize, program headers or segment file
 * ranges outside the file, p_filesz > p_memsz, segments that wrap, overlap
 * each other or are not entirely inside RAM/ROM ("segment N" is the index in
 * the program header table).  Everything is checked before anything is
 * written: a failed load leaves guest memory unchanged.
 * *entry (may be NULL) receives e_entry. */
int boot_load_elf64(struct squib_physmap *mem, const char *path, const uint8_t *data,
                    size_t size, enum squib_arch arch, uint64_t *entry);
/* True if data starts with the ELF magic. */
int boot_is_elf(const uint8_t *data, size_t size);

/* arm64 Linux Image (Documentation/arch/arm64/booting.rst): checks the
 * header magic, loads at ram_base + text_offset (0x80000 when the header's
 * image_size is 0, as the protocol says for old kernels), and checks that
 * text_offset + max(file size, image_size) fits in RAM (image_size covers
 * the kernel's BSS, which the kernel clears itself; the machine must keep
 * the DTB and initrd out of [entry, entry + that)).  Rejects big-endian
 * kernels (flags bit 0).  *entry (may be NULL) receives the load address.
 * Unlike QEMU, an Image with text_offset 0 goes at ram_base itself: QEMU
 * moves such Images 2 MiB up to make room for its boot stub. */
int boot_load_arm64_image(struct squib_physmap *mem, const char *path, const uint8_t *data,
                          size_t size, uint64_t ram_base, uint64_t ram_size, uint64_t *entry);

/* What the virt device tree describes. */
struct boot_virt_fdt {
    uint64_t ram_base, ram_size;
    uint64_t uart_base; /* PL011, SPI 1; 0 for none (no node, no stdout-path) */
    const char *cmdline;  /* /chosen bootargs, may be NULL (no property) */
    uint64_t initrd_start, initrd_end; /* [start, end); equal (0, 0) for none */
    unsigned n_cpus;      /* 1..8 (the GICv2 limit) */
    const char *cpu_compatible; /* "arm,cortex-a72"; NULL gives "arm,armv8" */
    const char *psci_method;    /* /psci method: "hvc" (also for NULL) or "smc" */
};

/* Builds the device tree into buf (at most buf_size bytes; 4 KiB is plenty
 * for 8 CPUs and a short command line): root with #address-cells =
 * #size-cells = 2, compatible "linux,dummy-virt", interrupt-parent the GICv2
 * at 0x08000000 (distributor) / 0x08010000 (CPU interface), memory, cpus
 * (enable-method psci, reg = N), psci (method hvc or smc), timer (PPIs 13, 14, 11,
 * 10), the 24 MHz apb-pclk, the PL011, chosen (stdout-path, bootargs,
 * 64-bit linux,initrd-start/end).  0 on success, with the blob's size in its
 * header (boot_fdt_size); -ENOSPC if buf is too small, -EINVAL for a bad
 * configuration.  The guest needs the blob 8-byte aligned. */
int boot_build_virt_fdt(const struct boot_virt_fdt *cfg, void *buf, size_t buf_size);

/* Total size of a built device tree (its header's totalsize). */
uint32_t boot_fdt_size(const void *fdt);

#endif
