/* boot/elf.c: the ELF64 loader (bare-metal programs, kernels linked at their
 * physical load address).
 *
 * Every field is read with explicit little-endian accessors at offsets that
 * were checked against the file size first; all arithmetic on file-supplied
 * values is done in uint64_t with explicit overflow checks.  The whole image
 * is validated before the first byte is written to guest memory, so a failed
 * load leaves guest memory untouched.  Section headers are not used and not
 * checked.
 */
#include "boot/boot.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bytes.h"
#include "util/err.h"

/* Field offsets in Elf64_Ehdr / Elf64_Phdr (read by hand: the file is little
 * endian whatever the host is, and need not be aligned). */
enum {
    EH_TYPE = 16, EH_MACHINE = 18, EH_VERSION = 20, EH_ENTRY = 24, EH_PHOFF = 32,
    EH_EHSIZE = 52, EH_PHENTSIZE = 54, EH_PHNUM = 56, EH_SIZE = 64,
    PH_TYPE = 0, PH_OFFSET = 8, PH_PADDR = 24, PH_FILESZ = 32, PH_MEMSZ = 40, PH_SIZE = 56,
};

_Static_assert(sizeof(Elf64_Ehdr) == EH_SIZE, "Elf64_Ehdr layout");
_Static_assert(sizeof(Elf64_Phdr) == PH_SIZE, "Elf64_Phdr layout");
_Static_assert(offsetof(Elf64_Ehdr, e_phnum) == EH_PHNUM, "Elf64_Ehdr layout");
_Static_assert(offsetof(Elf64_Phdr, p_memsz) == PH_MEMSZ, "Elf64_Phdr layout");

int boot_is_elf(const uint8_t *data, size_t size)
{
    return data && size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_386: return "EM_386";
    case EM_ARM: return "EM_ARM";
    case EM_X86_64: return "EM_X86_64";
    case EM_AARCH64: return "EM_AARCH64";
    case EM_RISCV: return "EM_RISCV";
    case EM_PPC64: return "EM_PPC64";
    case EM_MIPS: return "EM_MIPS";
    case EM_NONE: return "EM_NONE";
    default: return "unknown";
    }
}

struct seg {
    uint64_t start, last; /* inclusive: [start, last], never wraps */
    unsigned idx;         /* index in the program header table */
};

static int seg_cmp(const void *a, const void *b)
{
    const struct seg *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* 0 if [gpa, last] is all RAM/ROM, else the first address that is not. */
static int range_backed(const struct squib_physmap *mem, uint64_t gpa, uint64_t last,
                        uint64_t *bad)
{
    for (;;) {
        const struct squib_mem_region *r = squib_physmap_find(mem, gpa);
        if (!r) {
            *bad = gpa;
            return 0;
        }
        uint64_t region_last = r->gpa + (r->size - 1);
        if (region_last >= last)
            return 1;
        gpa = region_last + 1;
    }
}

static int zero_fill(const struct squib_physmap *mem, uint64_t gpa, uint64_t len)
{
    static const uint8_t zeros[4096];
    while (len) {
        uint64_t n = len < sizeof zeros ? len : sizeof zeros;
        int rc = squib_physmap_write(mem, gpa, zeros, n);
        if (rc)
            return rc;
        gpa += n;
        len -= n;
    }
    return 0;
}

#define X(v) ((unsigned long long)(v))

/* Validates the ELF header; fills *phoff and *phnum. */
static int check_ehdr(const char *path, const uint8_t *d, size_t size, enum squib_arch arch,
                      uint64_t *phoff_out, unsigned *phnum_out, unsigned *type_out)
{
    unsigned want;
    const char *arch_name;
    switch (arch) {
    case SQUIB_ARCH_X86_64: want = EM_X86_64; arch_name = "x86_64"; break;
    case SQUIB_ARCH_ARM64: want = EM_AARCH64; arch_name = "arm64"; break;
    default: return squib_fail(-EINVAL, "%s: unknown guest architecture %d", path, (int)arch);
    }

    if (size == 0)
        return squib_fail(-ENOEXEC, "%s is empty", path);
    if (!boot_is_elf(d, size))
        return squib_fail(-ENOEXEC, "%s: not an ELF file (no \\x7fELF magic)", path);
    if (size <= EI_CLASS || d[EI_CLASS] != ELFCLASS64) {
        if (size > EI_CLASS && d[EI_CLASS] == ELFCLASS32)
            return squib_fail(-ENOEXEC,
                              "%s: ELF class is ELFCLASS32 (32-bit ELF); only ELF64 is loaded",
                              path);
        return squib_fail(-ENOEXEC, "%s: ELF class is %d, expected ELFCLASS64 (2)", path,
                          size > EI_CLASS ? d[EI_CLASS] : -1);
    }
    if (size <= EI_DATA || d[EI_DATA] != ELFDATA2LSB) {
        if (size > EI_DATA && d[EI_DATA] == ELFDATA2MSB)
            return squib_fail(-ENOEXEC, "%s: ELF data encoding is big-endian (ELFDATA2MSB); "
                              "only little-endian images are loaded", path);
        return squib_fail(-ENOEXEC, "%s: ELF data encoding is %d, expected ELFDATA2LSB (1)", path,
                          size > EI_DATA ? d[EI_DATA] : -1);
    }
    if (size <= EI_VERSION || d[EI_VERSION] != EV_CURRENT)
        return squib_fail(-ENOEXEC, "%s: ELF identification version is %d, expected 1", path,
                          size > EI_VERSION ? d[EI_VERSION] : -1);
    if (size < EH_SIZE)
        return squib_fail(-ENOEXEC, "%s: truncated ELF header (%zu bytes, the ELF64 header is %d)",
                          path, size, EH_SIZE);

    unsigned type = boot_le16(d + EH_TYPE);
    switch (type) {
    case ET_EXEC:
    case ET_DYN:
        break;
    case ET_REL:
        return squib_fail(-ENOEXEC, "%s: ELF type is ET_REL (an object file); link it into an "
                          "executable first", path);
    case ET_CORE:
        return squib_fail(-ENOEXEC, "%s: ELF type is ET_CORE (a core dump), not an executable",
                          path);
    default:
        return squib_fail(-ENOEXEC, "%s: ELF type is %u, expected ET_EXEC (2) or ET_DYN (3)",
                          path, type);
    }
    unsigned machine = boot_le16(d + EH_MACHINE);
    if (machine != want)
        return squib_fail(-ENOEXEC, "%s: ELF machine is %s (%u), this is an %s machine", path,
                          machine_name(machine), machine, arch_name);
    if (boot_le32(d + EH_VERSION) != EV_CURRENT)
        return squib_fail(-ENOEXEC, "%s: ELF e_version is %u, expected 1", path,
                          boot_le32(d + EH_VERSION));
    unsigned ehsize = boot_le16(d + EH_EHSIZE);
    if (ehsize != EH_SIZE)
        return squib_fail(-ENOEXEC, "%s: ELF e_ehsize is %u, expected %d", path, ehsize, EH_SIZE);

    unsigned phentsize = boot_le16(d + EH_PHENTSIZE), phnum = boot_le16(d + EH_PHNUM);
    uint64_t phoff = boot_le64(d + EH_PHOFF);
    if (phnum == 0)
        return squib_fail(-ENOEXEC, "%s: ELF file has no program headers (e_phnum is 0)", path);
    if (phnum == PN_XNUM)
        return squib_fail(-ENOEXEC, "%s: ELF e_phnum is PN_XNUM (more than 65534 program headers), "
                          "which is not supported", path);
    if (phentsize != PH_SIZE)
        return squib_fail(-ENOEXEC, "%s: ELF e_phentsize is %u, expected %d", path, phentsize,
                          PH_SIZE);
    if (phoff > size)
        return squib_fail(-ENOEXEC, "%s: ELF program header offset 0x%llx is beyond the end of the "
                          "file (%zu bytes)", path, X(phoff), size);
    uint64_t table = (uint64_t)phnum * phentsize; /* <= 65534 * 56: cannot overflow */
    if (table > size - phoff)
        return squib_fail(-ENOEXEC, "%s: ELF program header table [0x%llx, +0x%llx) (%u entries) "
                          "runs past the end of the file (%zu bytes)",
                          path, X(phoff), X(table), phnum, size);
    *phoff_out = phoff;
    *phnum_out = phnum;
    *type_out = type;
    return 0;
}

int boot_load_elf64(struct squib_physmap *mem, const char *path, const uint8_t *data,
                    size_t size, enum squib_arch arch, uint64_t *entry)
{
    uint64_t phoff = 0;
    unsigned phnum = 0, type = 0;
    if (!path)
        path = "ELF image";
    if (!data)
        size = 0;
    int rc = check_ehdr(path, data, size, arch, &phoff, &phnum, &type);
    if (rc)
        return rc;

    struct seg *segs = malloc(phnum * sizeof *segs);
    if (!segs)
        return squib_fail(-ENOMEM, "%s: out of memory", path);
    unsigned nseg = 0;

    /* Pass 1: every program header against the file and the address space. */
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = data + phoff + (uint64_t)i * PH_SIZE;
        uint32_t ptype = boot_le32(ph + PH_TYPE);
        if (ptype == PT_INTERP) {
            rc = squib_fail(-ENOEXEC, "%s: has a program interpreter (PT_INTERP): it is a "
                            "dynamically linked program, not a bare-metal image", path);
            goto out;
        }
        if (ptype != PT_LOAD)
            continue;
        uint64_t off = boot_le64(ph + PH_OFFSET), paddr = boot_le64(ph + PH_PADDR),
                 filesz = boot_le64(ph + PH_FILESZ), memsz = boot_le64(ph + PH_MEMSZ);
        /* A bss-only segment's p_offset is not used, so not checked. */
        if (filesz && (off > size || filesz > size - off)) {
            rc = squib_fail(-ENOEXEC, "%s: segment %u: file range [0x%llx, +0x%llx) runs past the "
                            "end of the file (%zu bytes)", path, i, X(off), X(filesz), size);
            goto out;
        }
        if (filesz > memsz) {
            rc = squib_fail(-ENOEXEC,
                            "%s: segment %u: p_filesz 0x%llx is larger than p_memsz 0x%llx", path,
                            i, X(filesz), X(memsz));
            goto out;
        }
        if (memsz == 0)
            continue;
        if (memsz - 1 > UINT64_MAX - paddr || paddr + memsz == 0) {
            rc = squib_fail(-ENOEXEC, "%s: segment %u: [0x%llx, +0x%llx) wraps around the end of "
                            "the address space", path, i, X(paddr), X(memsz));
            goto out;
        }
        segs[nseg++] = (struct seg){.start = paddr, .last = paddr + (memsz - 1), .idx = i};
    }
    if (nseg == 0) {
        rc = squib_fail(-ENOEXEC, "%s: ELF file has no loadable (PT_LOAD) segment with a size",
                        path);
        goto out;
    }

    /* Pass 2: segments against each other (sorted by start, an overlap shows
     * up between neighbours) ... */
    qsort(segs, nseg, sizeof *segs, seg_cmp);
    for (unsigned k = 1; k < nseg; k++) {
        const struct seg *a = &segs[k - 1], *b = &segs[k];
        if (b->start <= a->last) {
            if (a->idx > b->idx) {
                const struct seg *t = a;
                a = b;
                b = t;
            }
            rc = squib_fail(-ENOEXEC,
                            "%s: segments %u [0x%llx, 0x%llx) and %u [0x%llx, 0x%llx) overlap",
                            path, a->idx, X(a->start), X(a->last + 1), b->idx, X(b->start),
                            X(b->last + 1));
            goto out;
        }
    }
    /* ... and against guest memory. */
    for (unsigned k = 0; k < nseg; k++) {
        const struct seg *s = &segs[k];
        uint64_t bad;
        if (range_backed(mem, s->start, s->last, &bad))
            continue;
        const char *hint =
            type == ET_DYN ? " (ET_DYN images are loaded unrelocated at their p_paddr)" : "";
        if (bad == s->start)
            rc = squib_fail(-EFAULT, "%s: segment %u [0x%llx, 0x%llx) is outside guest RAM/ROM%s",
                            path, s->idx, X(s->start), X(s->last + 1), hint);
        else
            rc = squib_fail(-EFAULT, "%s: segment %u [0x%llx, 0x%llx) runs past the end of guest "
                            "RAM/ROM at 0x%llx%s", path, s->idx, X(s->start), X(s->last + 1),
                            X(bad), hint);
        goto out;
    }

    /* Everything checked: copy and zero-fill, in program header order. */
    for (unsigned i = 0; i < phnum && !rc; i++) {
        const uint8_t *ph = data + phoff + (uint64_t)i * PH_SIZE;
        if (boot_le32(ph + PH_TYPE) != PT_LOAD)
            continue;
        uint64_t off = boot_le64(ph + PH_OFFSET), paddr = boot_le64(ph + PH_PADDR),
                 filesz = boot_le64(ph + PH_FILESZ), memsz = boot_le64(ph + PH_MEMSZ);
        if (memsz == 0)
            continue;
        /* p_offset was only checked for segments with file bytes. */
        if (filesz)
            rc = squib_physmap_write(mem, paddr, data + off, filesz);
        if (!rc)
            rc = zero_fill(mem, paddr + filesz, memsz - filesz);
    }
    if (!rc && entry)
        *entry = boot_le64(data + EH_ENTRY);
out:
    free(segs);
    return rc;
}
