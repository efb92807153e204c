/* tests/test_boot_loaders.c: image loaders and the virt device tree.
 *
 * Every image is built in memory here and written to a fresh temporary
 * directory, then read back through boot_read_file, so the whole path a
 * command line takes is exercised.  Malformed images must fail with a
 * negative errno and a message that names the file and the problem.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/boot.h"
#include "squib/physmap.h"
#include "util/err.h"

/* ---- fixture: a temporary directory and a guest memory map ------------- */

static char tmpdir[64];
static struct squib_physmap mem;

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/squib-boot-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    memset(&mem, 0, sizeof mem);
    squib_clear_error();
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void teardown(void)
{
    squib_physmap_free(&mem);
    nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(boot, .init = setup, .fini = teardown);

static const char *tmp_path(const char *name)
{
    static char bufs[8][256];
    static unsigned next;
    char *p = bufs[next++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "cannot create %s", p);
    if (len)
        cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    return p;
}

/* x86-style RAM: [0, 2 MiB).  arm64 virt-style RAM: [0x40000000, +4 MiB). */
#define X86_RAM_SIZE (2u << 20)
#define ARM_RAM_BASE 0x40000000ull
#define ARM_RAM_SIZE (4u << 20)

static uint8_t *add_ram(uint64_t gpa, uint64_t size, uint8_t fill)
{
    uint8_t *host = NULL;
    cr_assert_eq(squib_physmap_add_ram(&mem, "ram", gpa, size, false, &host), 0, "%s",
                 squib_errmsg());
    memset(host, fill, size);
    return host;
}

/* A failure: negative return, a message naming the problem (and the file). */
static void check_fail(int rc, const char *what, int line, const char *needle, const char *file)
{
    const char *m = squib_errmsg();
    cr_assert_lt(rc, 0, "line %d: %s: expected failure, got %d", line, what, rc);
    cr_assert(m && *m, "line %d: %s: empty error message", line, what);
    cr_assert_not_null(strstr(m, needle), "line %d: message \"%s\" lacks \"%s\"", line, m, needle);
    if (file)
        cr_assert_not_null(strstr(m, file), "line %d: message \"%s\" does not name %s", line, m,
                           file);
}

#define EXPECT_FAIL(expr, needle, file)                                \
    do {                                                               \
        squib_clear_error();                                           \
        int rc_ = (expr);                                              \
        check_fail(rc_, #expr, __LINE__, needle, file);                \
    } while (0)

/* ---- an ELF64 builder ------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

#define EM_X86_64_ 62
#define EM_AARCH64_ 183
#define PT_LOAD_ 1
#define PT_INTERP_ 3
#define PT_NOTE_ 4

/* Offsets used by the tests to corrupt fields. */
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_PHOFF 32
#define EH_PHENTSIZE 54
#define EH_PHNUM 56
#define PH(i) (64 + 56 * (i))
#define PH_TYPE 0
#define PH_OFFSET 8
#define PH_PADDR 24
#define PH_FILESZ 32
#define PH_MEMSZ 40

struct segspec {
    uint32_t type;
    uint64_t paddr;
    const uint8_t *bytes;
    uint64_t filesz, memsz;
};

struct elfimg {
    uint8_t b[16384];
    size_t size;
};

static void build_elf(struct elfimg *e, uint16_t machine, uint64_t entry,
                      const struct segspec *s, unsigned n)
{
    memset(e, 0, sizeof *e);
    uint8_t *b = e->b;
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = 2; /* ELFCLASS64 */
    b[5] = 1; /* ELFDATA2LSB */
    b[6] = 1; /* EV_CURRENT */
    put16(b + EH_TYPE, 2); /* ET_EXEC */
    put16(b + EH_MACHINE, machine);
    put32(b + 20, 1);
    put64(b + 24, entry);
    put64(b + EH_PHOFF, 64);
    put16(b + 52, 64);
    put16(b + EH_PHENTSIZE, 56);
    put16(b + EH_PHNUM, (uint16_t)n);
    size_t off = 64 + 56 * (size_t)n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *ph = b + PH(i);
        put32(ph + PH_TYPE, s[i].type);
        put32(ph + 4, 5);
        put64(ph + PH_OFFSET, off);
        put64(ph + 16, s[i].paddr); /* p_vaddr */
        put64(ph + PH_PADDR, s[i].paddr);
        put64(ph + PH_FILESZ, s[i].filesz);
        put64(ph + PH_MEMSZ, s[i].memsz);
        put64(ph + 48, 16);
        cr_assert_leq(off + s[i].filesz, sizeof e->b);
        if (s[i].filesz)
            memcpy(b + off, s[i].bytes, s[i].filesz);
        off += s[i].filesz;
    }
    e->size = off;
}

static uint8_t text[300], data[100];

static void fill_payload(void)
{
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(0xf0 ^ i);
}

/* Two segments: text, and data followed by 4000 bytes of bss. */
static void build_good(struct elfimg *e, uint16_t machine, uint64_t text_at, uint64_t data_at)
{
    fill_payload();
    struct segspec s[] = {
        {PT_NOTE_, 0, NULL, 0, 0}, /* ignored, not PT_LOAD */
        {PT_LOAD_, text_at, text, sizeof text, sizeof text},
        {PT_LOAD_, data_at, data, sizeof data, sizeof data + 4000},
    };
    build_elf(e, machine, text_at + 0x10, s, 3);
}

/* Reads the file back and loads it, as the machine code will. */
static int load_elf_file(const char *path, enum squib_arch arch, uint64_t *entry)
{
    uint8_t *d;
    size_t n;
    int rc = boot_read_file(path, 64u << 20, &d, &n);
    if (rc)
        return rc;
    rc = boot_load_elf64(&mem, path, d, n, arch, entry);
    free(d);
    return rc;
}

static int load_elf_bytes(const char *name, const void *bytes, size_t n, enum squib_arch arch)
{
    uint64_t entry = 0;
    return load_elf_file(write_file(name, bytes, n), arch, &entry);
}

static void check_good_load(const uint8_t *host, uint64_t base, uint64_t text_at, uint64_t data_at,
                            uint8_t fill)
{
    cr_assert_arr_eq(host + (text_at - base), text, sizeof text);
    cr_assert_arr_eq(host + (data_at - base), data, sizeof data);
    for (size_t i = 0; i < 4000; i++)
        cr_assert_eq(host[data_at - base + sizeof data + i], 0, "bss byte %zu not zeroed", i);
    /* Bytes around the segments are untouched. */
    cr_assert_eq(host[text_at - base - 1], fill);
    cr_assert_eq(host[text_at - base + sizeof text], fill);
    cr_assert_eq(host[data_at - base + sizeof data + 4000], fill);
}

/* ---- good ELF images -------------------------------------------------------- */

Test(boot, elf_x86_64_loads_segments_and_zeroes_bss)
{
    uint8_t *host = add_ram(0, X86_RAM_SIZE, 0xcc);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    const char *p = write_file("x86.elf", e.b, e.size);
    uint8_t *d;
    size_t n;
    cr_assert_eq(boot_read_file(p, 1u << 20, &d, &n), 0, "%s", squib_errmsg());
    cr_assert(boot_is_elf(d, n));
    uint64_t entry = 0;
    cr_assert_eq(boot_load_elf64(&mem, p, d, n, SQUIB_ARCH_X86_64, &entry), 0, "%s",
                 squib_errmsg());
    free(d);
    cr_assert_eq(entry, 0x100010);
    check_good_load(host, 0, 0x100000, 0x180000, 0xcc);
}

Test(boot, elf_aarch64_loads_segments_and_zeroes_bss)
{
    uint8_t *host = add_ram(ARM_RAM_BASE, ARM_RAM_SIZE, 0x5a);
    struct elfimg e;
    build_good(&e, EM_AARCH64_, ARM_RAM_BASE + 0x80000, ARM_RAM_BASE + 0x200000);
    uint64_t entry = 0;
    int rc = load_elf_file(write_file("a64.elf", e.b, e.size), SQUIB_ARCH_ARM64, &entry);
    cr_assert_eq(rc, 0, "%s", squib_errmsg());
    cr_assert_eq(entry, ARM_RAM_BASE + 0x80010);
    check_good_load(host, ARM_RAM_BASE, ARM_RAM_BASE + 0x80000, ARM_RAM_BASE + 0x200000, 0x5a);
}

Test(boot, elf_segment_may_span_adjacent_regions_and_rom)
{
    uint8_t *ram = add_ram(0, 0x1000, 0xcc);
    uint8_t *rom = NULL;
    cr_assert_eq(squib_physmap_add_ram(&mem, "rom", 0x1000, 0x1000, true, &rom), 0);
    fill_payload();
    struct segspec s[] = {{PT_LOAD_, 0x1000 - 100, text, sizeof text, sizeof text}};
    struct elfimg e;
    build_elf(&e, EM_X86_64_, 0xf00, s, 1);
    cr_assert_eq(load_elf_bytes("span.elf", e.b, e.size, SQUIB_ARCH_X86_64), 0, "%s",
                 squib_errmsg());
    cr_assert_arr_eq(ram + 0x1000 - 100, text, 100);
    cr_assert_arr_eq(rom, text + 100, sizeof text - 100);
}

Test(boot, elf_et_dyn_is_loaded_unrelocated)
{
    uint8_t *host = add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x10000, 0x20000);
    put16(e.b + EH_TYPE, 3); /* ET_DYN */
    cr_assert_eq(load_elf_bytes("pie.elf", e.b, e.size, SQUIB_ARCH_X86_64), 0, "%s",
                 squib_errmsg());
    cr_assert_arr_eq(host + 0x10000, text, sizeof text);
}

Test(boot, elf_bss_only_segment_offset_is_ignored)
{
    /* A segment with no file bytes: its p_offset is meaningless (found by
     * fuzzing: it once formed an out-of-range pointer). */
    uint8_t *host = add_ram(0, X86_RAM_SIZE, 0x77);
    fill_payload();
    struct segspec s[] = {{PT_LOAD_, 0x1000, text, 16, 16}, {PT_LOAD_, 0x3000, NULL, 0, 0x800}};
    struct elfimg e;
    build_elf(&e, EM_X86_64_, 0x1000, s, 2);
    put64(e.b + PH(1) + PH_OFFSET, UINT64_MAX - 3);
    cr_assert_eq(load_elf_bytes("bss.elf", e.b, e.size, SQUIB_ARCH_X86_64), 0, "%s",
                 squib_errmsg());
    for (size_t i = 0; i < 0x800; i++)
        cr_assert_eq(host[0x3000 + i], 0);
    cr_assert_eq(host[0x3800], 0x77);
}

/* ---- malformed ELF images ----------------------------------------------------- */

Test(boot, elf_empty_file)
{
    add_ram(0, X86_RAM_SIZE, 0);
    EXPECT_FAIL(load_elf_bytes("empty.elf", "", 0, SQUIB_ARCH_X86_64), "is empty", "empty.elf");
}

Test(boot, elf_truncated_header)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    EXPECT_FAIL(load_elf_bytes("trunc.elf", e.b, 40, SQUIB_ARCH_X86_64), "truncated ELF header",
                "trunc.elf");
    EXPECT_FAIL(load_elf_bytes("trunc3.elf", e.b, 3, SQUIB_ARCH_X86_64), "not an ELF file",
                "trunc3.elf");
}

Test(boot, elf_bad_magic)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    e.b[1] = 'X';
    cr_assert_not(boot_is_elf(e.b, e.size));
    EXPECT_FAIL(load_elf_bytes("magic.elf", e.b, e.size, SQUIB_ARCH_X86_64), "not an ELF file",
                "magic.elf");
}

Test(boot, elf_class32)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    e.b[4] = 1; /* ELFCLASS32 */
    EXPECT_FAIL(load_elf_bytes("c32.elf", e.b, 52, SQUIB_ARCH_X86_64), "ELFCLASS32", "c32.elf");
    e.b[4] = 7;
    EXPECT_FAIL(load_elf_bytes("c7.elf", e.b, e.size, SQUIB_ARCH_X86_64), "ELF class is 7", NULL);
}

Test(boot, elf_big_endian)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    e.b[5] = 2; /* ELFDATA2MSB */
    EXPECT_FAIL(load_elf_bytes("be.elf", e.b, e.size, SQUIB_ARCH_X86_64), "big-endian", "be.elf");
}

Test(boot, elf_wrong_machine)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_AARCH64_, 0x100000, 0x180000);
    EXPECT_FAIL(load_elf_bytes("a64.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "ELF machine is EM_AARCH64 (183), this is an x86_64 machine", "a64.elf");
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    EXPECT_FAIL(load_elf_bytes("x86.elf", e.b, e.size, SQUIB_ARCH_ARM64),
                "ELF machine is EM_X86_64 (62), this is an arm64 machine", "x86.elf");
}

Test(boot, elf_wrong_type)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    put16(e.b + EH_TYPE, 1); /* ET_REL */
    EXPECT_FAIL(load_elf_bytes("obj.o", e.b, e.size, SQUIB_ARCH_X86_64), "ET_REL", "obj.o");
    put16(e.b + EH_TYPE, 4); /* ET_CORE */
    EXPECT_FAIL(load_elf_bytes("core", e.b, e.size, SQUIB_ARCH_X86_64), "ET_CORE", "core");
}

Test(boot, elf_phoff_beyond_file)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    put64(e.b + EH_PHOFF, e.size + 100);
    EXPECT_FAIL(load_elf_bytes("phoff.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "beyond the end of the file", "phoff.elf");
    /* An offset that would wrap a naive phoff + table size. */
    put64(e.b + EH_PHOFF, UINT64_MAX - 8);
    EXPECT_FAIL(load_elf_bytes("phoff2.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "beyond the end of the file", "phoff2.elf");
}

Test(boot, elf_program_header_table_overflow)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    /* 0xfffe * 0xffff overflows an int multiplication. */
    put16(e.b + EH_PHNUM, 0xfffe);
    put16(e.b + EH_PHENTSIZE, 0xffff);
    EXPECT_FAIL(load_elf_bytes("phent.elf", e.b, e.size, SQUIB_ARCH_X86_64), "e_phentsize is 65535",
                "phent.elf");
    /* A sane entry size but too many entries for the file. */
    put16(e.b + EH_PHENTSIZE, 56);
    EXPECT_FAIL(load_elf_bytes("phnum.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "runs past the end of the file", "phnum.elf");
    put16(e.b + EH_PHNUM, 0xffff);
    EXPECT_FAIL(load_elf_bytes("xnum.elf", e.b, e.size, SQUIB_ARCH_X86_64), "PN_XNUM", "xnum.elf");
    put16(e.b + EH_PHNUM, 0);
    EXPECT_FAIL(load_elf_bytes("nophdr.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "no program headers", "nophdr.elf");
}

Test(boot, elf_segment_beyond_file)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    put64(e.b + PH(2) + PH_FILESZ, sizeof data + 1); /* one byte past the end */
    EXPECT_FAIL(load_elf_bytes("seg.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "segment 2: file range", "seg.elf");
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    put64(e.b + PH(1) + PH_OFFSET, UINT64_MAX - 4); /* offset + filesz wraps */
    EXPECT_FAIL(load_elf_bytes("segwrap.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "runs past the end of the file", "segwrap.elf");
}

Test(boot, elf_filesz_larger_than_memsz)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    put64(e.b + PH(1) + PH_MEMSZ, sizeof text - 1);
    EXPECT_FAIL(load_elf_bytes("fm.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "segment 1: p_filesz 0x12c is larger than p_memsz 0x12b", "fm.elf");
}

Test(boot, elf_overlapping_segments)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    /* data's bss reaches into text placed after it. */
    build_good(&e, EM_X86_64_, 0x100000 + sizeof data + 3000, 0x100000);
    EXPECT_FAIL(load_elf_bytes("ovl.elf", e.b, e.size, SQUIB_ARCH_X86_64), "overlap", "ovl.elf");
    /* One segment entirely inside another, listed first. */
    fill_payload();
    struct segspec s[] = {
        {PT_LOAD_, 0x1000, text, 16, 16},
        {PT_LOAD_, 0x2000, text, 16, 16},
        {PT_LOAD_, 0x0, text, 16, 0x10000},
    };
    build_elf(&e, EM_X86_64_, 0x1000, s, 3);
    EXPECT_FAIL(load_elf_bytes("ovl2.elf", e.b, e.size, SQUIB_ARCH_X86_64), "overlap", "ovl2.elf");
}

Test(boot, elf_segment_outside_ram)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x800000);
    EXPECT_FAIL(load_elf_bytes("out.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "segment 2 [0x800000, 0x801004) is outside guest RAM", "out.elf");
}

Test(boot, elf_segment_straddles_end_of_ram)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, X86_RAM_SIZE - 100, 0x10000);
    EXPECT_FAIL(load_elf_bytes("strad.elf", e.b, e.size, SQUIB_ARCH_X86_64),
                "runs past the end of guest RAM/ROM at 0x200000", "strad.elf");
}

Test(boot, elf_segment_wraps_address_space)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, UINT64_MAX - 16, 0x10000);
    EXPECT_FAIL(load_elf_bytes("wrap.elf", e.b, e.size, SQUIB_ARCH_X86_64), "wraps", "wrap.elf");
}

Test(boot, elf_interp_and_no_load)
{
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    put32(e.b + PH(0) + PH_TYPE, PT_INTERP_);
    EXPECT_FAIL(load_elf_bytes("dyn.elf", e.b, e.size, SQUIB_ARCH_X86_64), "PT_INTERP", "dyn.elf");
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    put32(e.b + PH(1) + PH_TYPE, PT_NOTE_);
    put32(e.b + PH(2) + PH_TYPE, PT_NOTE_);
    EXPECT_FAIL(load_elf_bytes("noload.elf", e.b, e.size, SQUIB_ARCH_X86_64), "no loadable",
                "noload.elf");
}

Test(boot, elf_failed_load_leaves_memory_untouched)
{
    uint8_t *host = add_ram(0, X86_RAM_SIZE, 0xa5);
    uint8_t *want = malloc(X86_RAM_SIZE);
    cr_assert_not_null(want);
    memset(want, 0xa5, X86_RAM_SIZE);
    struct elfimg e;
    /* Segment 1 (text) is fine and comes first; segment 2 is not. */
    build_good(&e, EM_X86_64_, 0x1000, X86_RAM_SIZE - 10);
    EXPECT_FAIL(load_elf_bytes("half.elf", e.b, e.size, SQUIB_ARCH_X86_64), "guest RAM", NULL);
    cr_assert(memcmp(host, want, X86_RAM_SIZE) == 0, "a failed load changed guest memory");
    build_good(&e, EM_X86_64_, 0x1000, 0x1000 + 8); /* overlap */
    EXPECT_FAIL(load_elf_bytes("ovl.elf", e.b, e.size, SQUIB_ARCH_X86_64), "overlap", NULL);
    cr_assert(memcmp(host, want, X86_RAM_SIZE) == 0, "a failed load changed guest memory");
    free(want);
}

Test(boot, elf_every_truncation_fails_cleanly)
{
    /* Every prefix of a good image: a clean error or (the full file) success. */
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    for (size_t n = 0; n < e.size; n++) {
        squib_clear_error();
        uint64_t entry;
        int rc = boot_load_elf64(&mem, "t.elf", e.b, n, SQUIB_ARCH_X86_64, &entry);
        cr_assert_lt(rc, 0, "prefix of %zu bytes loaded", n);
        cr_assert(squib_errmsg()[0], "prefix of %zu bytes: no message", n);
    }
    uint64_t entry;
    cr_assert_eq(boot_load_elf64(&mem, "t.elf", e.b, e.size, SQUIB_ARCH_X86_64, &entry), 0);
}

Test(boot, elf_bit_flips_never_crash)
{
    /* Cheap fuzzing: flip each byte of the headers; any result is fine as
     * long as failures come with a message. */
    add_ram(0, X86_RAM_SIZE, 0);
    struct elfimg e, m;
    build_good(&e, EM_X86_64_, 0x100000, 0x180000);
    size_t hdr = 64 + 3 * 56;
    for (size_t i = 0; i < hdr; i++) {
        for (unsigned v = 0; v < 4; v++) {
            m = e;
            static const uint8_t vals[4] = {0x00, 0xff, 0x80, 0x7f};
            m.b[i] = vals[v];
            squib_clear_error();
            uint64_t entry;
            int rc = boot_load_elf64(&mem, "f.elf", m.b, m.size, SQUIB_ARCH_X86_64, &entry);
            if (rc < 0)
                cr_assert(squib_errmsg()[0], "byte %zu = 0x%x: no message", i, vals[v]);
        }
    }
}

/* ---- arm64 Image ------------------------------------------------------------------ */

static size_t build_image(uint8_t *b, size_t body, uint64_t text_offset, uint64_t image_size)
{
    memset(b, 0, 64);
    put32(b, 0x91005a4d);     /* "MZ" + add x13, x18, #0x16, as Linux has */
    put32(b + 4, 0x14000000); /* b . */
    put64(b + 8, text_offset);
    put64(b + 16, image_size);
    put64(b + 24, 0xa); /* LE, 4K pages, anywhere */
    memcpy(b + 0x38, "ARM\x64", 4);
    for (size_t i = 64; i < 64 + body; i++)
        b[i] = (uint8_t)(i * 13);
    return 64 + body;
}

static int load_image_file(const char *path, uint64_t *entry)
{
    uint8_t *d;
    size_t n;
    int rc = boot_read_file(path, 64u << 20, &d, &n);
    if (rc)
        return rc;
    rc = boot_load_arm64_image(&mem, path, d, n, ARM_RAM_BASE, ARM_RAM_SIZE, entry);
    free(d);
    return rc;
}

Test(boot, arm64_image_lands_at_text_offset)
{
    uint8_t *host = add_ram(ARM_RAM_BASE, ARM_RAM_SIZE, 0xee);
    static uint8_t img[64 + 5000];
    size_t n = build_image(img, 5000, 0x80000, 0x100000);
    uint64_t entry = 0;
    cr_assert_eq(load_image_file(write_file("Image", img, n), &entry), 0, "%s", squib_errmsg());
    cr_assert_eq(entry, 0x40080000);
    cr_assert_arr_eq(host + 0x80000, img, n);
    cr_assert_eq(host[0x80000 - 1], 0xee);
    cr_assert_eq(host[0x80000 + n], 0xee);
}

Test(boot, arm64_image_old_kernel_and_zero_text_offset)
{
    uint8_t *host = add_ram(ARM_RAM_BASE, ARM_RAM_SIZE, 0);
    static uint8_t img[64 + 100];
    /* image_size 0: text_offset is ignored (pre-3.17) and 0x80000 is used. */
    size_t n = build_image(img, 100, 0x12345, 0);
    uint64_t entry = 0;
    cr_assert_eq(load_image_file(write_file("old", img, n), &entry), 0, "%s", squib_errmsg());
    cr_assert_eq(entry, ARM_RAM_BASE + 0x80000);
    cr_assert_arr_eq(host + 0x80000, img, n);
    /* text_offset 0 (Linux >= 5.8): the start of RAM. */
    n = build_image(img, 100, 0, 0x10000);
    cr_assert_eq(load_image_file(write_file("new", img, n), &entry), 0, "%s", squib_errmsg());
    cr_assert_eq(entry, ARM_RAM_BASE);
    cr_assert_arr_eq(host, img, n);
}

Test(boot, arm64_image_too_small)
{
    add_ram(ARM_RAM_BASE, ARM_RAM_SIZE, 0);
    static uint8_t img[64];
    build_image(img, 0, 0x80000, 0x1000);
    EXPECT_FAIL(load_image_file(write_file("tiny", img, 63), NULL), "too small", "tiny");
    EXPECT_FAIL(load_image_file(write_file("empty", img, 0), NULL), "too small", "empty");
}

Test(boot, arm64_image_bad_magic)
{
    add_ram(ARM_RAM_BASE, ARM_RAM_SIZE, 0);
    static uint8_t img[64 + 64];
    size_t n = build_image(img, 64, 0x80000, 0x1000);
    img[0x3b] = 0x65;
    EXPECT_FAIL(load_image_file(write_file("flat.bin", img, n), NULL), "not an arm64 Image",
                "flat.bin");
    cr_assert_not_null(strstr(squib_errmsg(), "-device loader"), "%s", squib_errmsg());
    img[0] = 0x1f, img[1] = 0x8b;
    EXPECT_FAIL(load_image_file(write_file("Image.gz", img, n), NULL), "gzip", "Image.gz");
}

Test(boot, arm64_image_too_big_for_ram)
{
    add_ram(ARM_RAM_BASE, ARM_RAM_SIZE, 0);
    static uint8_t img[64 + 64];
    /* image_size (BSS included) larger than RAM above text_offset. */
    size_t n = build_image(img, 64, 0x80000, ARM_RAM_SIZE - 0x80000 + 1);
    EXPECT_FAIL(load_image_file(write_file("big", img, n), NULL), "does not fit in RAM", "big");
    /* Exactly fits. */
    n = build_image(img, 64, 0x80000, ARM_RAM_SIZE - 0x80000);
    cr_assert_eq(load_image_file(write_file("fits", img, n), NULL), 0, "%s", squib_errmsg());
    /* text_offset + image_size would wrap. */
    n = build_image(img, 64, UINT64_MAX - 0x10, 0x1000);
    EXPECT_FAIL(load_image_file(write_file("wrap", img, n), NULL), "does not fit in RAM", "wrap");
    n = build_image(img, 64, 0x80000, UINT64_MAX);
    EXPECT_FAIL(load_image_file(write_file("huge", img, n), NULL), "does not fit in RAM", "huge");
}

Test(boot, arm64_image_big_endian)
{
    add_ram(ARM_RAM_BASE, ARM_RAM_SIZE, 0);
    static uint8_t img[64 + 64];
    size_t n = build_image(img, 64, 0x80000, 0x1000);
    img[24] |= 1;
    EXPECT_FAIL(load_image_file(write_file("be", img, n), NULL), "big-endian", "be");
}

Test(boot, arm64_image_ram_not_in_physmap)
{
    /* The caller's ram_base/ram_size disagree with the memory map. */
    add_ram(ARM_RAM_BASE, 0x10000, 0);
    static uint8_t img[64 + 64];
    size_t n = build_image(img, 64, 0x80000, 0x1000);
    EXPECT_FAIL(load_image_file(write_file("nomem", img, n), NULL), "cannot load at 0x40080000",
                "nomem");
}

/* ---- raw files and boot_read_file ------------------------------------------------ */

Test(boot, raw_loads_bytes)
{
    uint8_t *host = add_ram(0, X86_RAM_SIZE, 0x11);
    static uint8_t b[3000];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(i ^ 0x5c);
    cr_assert_eq(boot_load_raw(&mem, write_file("raw.bin", b, sizeof b), 0x1003), 0, "%s",
                 squib_errmsg());
    cr_assert_arr_eq(host + 0x1003, b, sizeof b);
    cr_assert_eq(host[0x1002], 0x11);
    cr_assert_eq(host[0x1003 + sizeof b], 0x11);
    /* Exactly up to the end of RAM. */
    cr_assert_eq(boot_load_raw(&mem, write_file("raw.bin", b, sizeof b), X86_RAM_SIZE - sizeof b),
                 0, "%s", squib_errmsg());
    cr_assert_arr_eq(host + X86_RAM_SIZE - sizeof b, b, sizeof b);
    /* Empty file: nothing to do. */
    cr_assert_eq(boot_load_raw(&mem, write_file("empty.bin", "", 0), 0x1000), 0);
}

Test(boot, raw_does_not_fit)
{
    add_ram(0, X86_RAM_SIZE, 0);
    static uint8_t b[3000];
    const char *p = write_file("raw.bin", b, sizeof b);
    EXPECT_FAIL(boot_load_raw(&mem, p, X86_RAM_SIZE - 100), "does not fit", "raw.bin");
    EXPECT_FAIL(boot_load_raw(&mem, p, 0x80000000), "not in guest RAM", "raw.bin");
    EXPECT_FAIL(boot_load_raw(&mem, tmp_path("missing.bin"), 0), "No such file", "missing.bin");
}

Test(boot, read_file_good_and_empty)
{
    uint8_t *d;
    size_t n;
    cr_assert_eq(boot_read_file(write_file("f", "hello", 5), 5, &d, &n), 0, "%s", squib_errmsg());
    cr_assert_eq(n, 5);
    cr_assert_arr_eq(d, "hello", 5);
    free(d);
    cr_assert_eq(boot_read_file(write_file("e", "", 0), 5, &d, &n), 0, "%s", squib_errmsg());
    cr_assert_eq(n, 0);
    cr_assert_not_null(d);
    free(d);
}

Test(boot, read_file_nonexistent)
{
    uint8_t *d = (uint8_t *)1;
    size_t n = 1;
    const char *p = tmp_path("nope");
    squib_clear_error();
    cr_assert_eq(boot_read_file(p, 1 << 20, &d, &n), -ENOENT);
    char want[300];
    snprintf(want, sizeof want, "cannot open %s: No such file or directory", p);
    cr_assert_str_eq(squib_errmsg(), want);
    cr_assert_null(d);
    cr_assert_eq(n, 0);
}

Test(boot, read_file_directory)
{
    uint8_t *d;
    size_t n;
    char want[300];
    snprintf(want, sizeof want, "%s is a directory", tmpdir);
    EXPECT_FAIL(boot_read_file(tmpdir, 1 << 20, &d, &n), want, NULL);
    cr_assert_eq(boot_read_file(tmpdir, 1 << 20, &d, &n), -EISDIR);
}

Test(boot, read_file_too_large)
{
    static uint8_t b[(1 << 20) + 1];
    const char *p = write_file("big", b, sizeof b);
    uint8_t *d;
    size_t n;
    char want[300];
    snprintf(want, sizeof want, "%s is larger than 1 MiB", p);
    EXPECT_FAIL(boot_read_file(p, 1 << 20, &d, &n), want, NULL);
    EXPECT_FAIL(boot_read_file(p, 1000, &d, &n), "is larger than 1000 bytes", "big");
    cr_assert_eq(boot_read_file(p, sizeof b, &d, &n), 0);
    cr_assert_eq(n, sizeof b);
    free(d);
}

Test(boot, read_file_fifo_is_not_regular)
{
    const char *p = tmp_path("fifo");
    cr_assert_eq(mkfifo(p, 0600), 0);
    uint8_t *d;
    size_t n;
    EXPECT_FAIL(boot_read_file(p, 1 << 20, &d, &n), "is not a regular file", "fifo");
}

/* ---- the virt device tree --------------------------------------------------------- */

static uint64_t fdt_buf[8192]; /* 64 KiB, 8-byte aligned */

static const struct boot_virt_fdt good_cfg = {
    .ram_base = 0x40000000,
    .ram_size = 128ull << 20,
    .uart_base = 0x09000000,
    .cmdline = "console=ttyAMA0 earlycon rdinit=/init",
    .initrd_start = 0x48000000,
    .initrd_end = 0x48123456,
    .n_cpus = 2,
    .cpu_compatible = "arm,cortex-a72",
};

static const void *getprop(const void *fdt, const char *path, const char *name, int *len)
{
    int node = fdt_path_offset(fdt, path);
    cr_assert_geq(node, 0, "no node %s: %s", path, fdt_strerror(node));
    const void *p = fdt_getprop(fdt, node, name, len);
    cr_assert_not_null(p, "no property %s in %s", name, path);
    return p;
}

static void expect_cells(const void *fdt, const char *path, const char *name, const uint32_t *want,
                         int n)
{
    int len;
    const fdt32_t *c = getprop(fdt, path, name, &len);
    cr_assert_eq(len, n * 4, "%s/%s has %d bytes, expected %d", path, name, len, n * 4);
    for (int i = 0; i < n; i++)
        cr_assert_eq(fdt32_to_cpu(c[i]), want[i], "%s/%s cell %d is 0x%x, expected 0x%x", path,
                     name, i, fdt32_to_cpu(c[i]), want[i]);
}

static void expect_str(const void *fdt, const char *path, const char *name, const char *want)
{
    int len;
    const char *s = getprop(fdt, path, name, &len);
    cr_assert_eq(len, (int)strlen(want) + 1);
    cr_assert_str_eq(s, want);
}

static uint32_t cell(const void *fdt, const char *path, const char *name)
{
    int len;
    const fdt32_t *c = getprop(fdt, path, name, &len);
    cr_assert_eq(len, 4);
    return fdt32_to_cpu(c[0]);
}

Test(boot, fdt_builds_and_parses_back)
{
    void *fdt = fdt_buf;
    cr_assert_eq(boot_build_virt_fdt(&good_cfg, fdt, sizeof fdt_buf), 0, "%s", squib_errmsg());
    cr_assert_eq(fdt_check_header(fdt), 0);
    cr_assert_eq(fdt_check_full(fdt, sizeof fdt_buf), 0);
    cr_assert_eq(boot_fdt_size(fdt), fdt_totalsize(fdt));
    cr_assert_leq(boot_fdt_size(fdt), 4096, "a virt device tree should fit in 4 KiB");

    expect_str(fdt, "/", "compatible", "linux,dummy-virt");
    cr_assert_eq(cell(fdt, "/", "#address-cells"), 2);
    cr_assert_eq(cell(fdt, "/", "#size-cells"), 2);

    uint32_t mem_reg[4] = {0, 0x40000000, 0, 0x08000000};
    expect_cells(fdt, "/memory@40000000", "reg", mem_reg, 4);
    expect_str(fdt, "/memory@40000000", "device_type", "memory");

    expect_str(fdt, "/psci", "method", "hvc");
    int len;
    const char *compat = getprop(fdt, "/psci", "compatible", &len);
    static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
    cr_assert_eq(len, (int)sizeof psci_compat);
    cr_assert(memcmp(compat, psci_compat, sizeof psci_compat) == 0);
    cr_assert_eq(cell(fdt, "/psci", "cpu_on"), 0xc4000003);
    cr_assert_eq(cell(fdt, "/psci", "cpu_off"), 0x84000002);

    uint32_t uart_reg[4] = {0, 0x09000000, 0, 0x1000};
    expect_cells(fdt, "/pl011@9000000", "reg", uart_reg, 4);
    uint32_t uart_irq[3] = {0, 1, 4};
    expect_cells(fdt, "/pl011@9000000", "interrupts", uart_irq, 3);
    cr_assert_eq(fdt_node_check_compatible(fdt, fdt_path_offset(fdt, "/pl011@9000000"),
                                           "arm,primecell"), 0);
    uint32_t clk = cell(fdt, "/apb-pclk", "phandle");
    uint32_t clocks[2] = {clk, clk};
    expect_cells(fdt, "/pl011@9000000", "clocks", clocks, 2);
    cr_assert_eq(cell(fdt, "/apb-pclk", "clock-frequency"), 24000000);
    cr_assert_eq(fdt_stringlist_search(fdt, fdt_path_offset(fdt, "/pl011@9000000"), "clock-names",
                                       "apb_pclk"), 1);

    /* interrupt-parent is the GIC. */
    uint32_t gic = cell(fdt, "/", "interrupt-parent");
    int gic_node = fdt_node_offset_by_phandle(fdt, gic);
    cr_assert_eq(gic_node, fdt_path_offset(fdt, "/intc@8000000"));
    uint32_t gic_reg[8] = {0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000};
    expect_cells(fdt, "/intc@8000000", "reg", gic_reg, 8);
    cr_assert_eq(cell(fdt, "/intc@8000000", "#interrupt-cells"), 3);
    cr_assert_not_null(fdt_getprop(fdt, gic_node, "interrupt-controller", &len));
    expect_str(fdt, "/intc@8000000", "compatible", "arm,cortex-a15-gic");

    /* Timer: PPIs 13, 14, 11, 10, level high, CPU mask for 2 CPUs. */
    uint32_t t[12] = {1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304, 1, 10, 0x304};
    expect_cells(fdt, "/timer", "interrupts", t, 12);
    cr_assert_eq(
        fdt_node_check_compatible(fdt, fdt_path_offset(fdt, "/timer"), "arm,armv8-timer"), 0);

    /* CPUs. */
    cr_assert_eq(cell(fdt, "/cpus", "#address-cells"), 1);
    cr_assert_eq(cell(fdt, "/cpus", "#size-cells"), 0);
    for (int i = 0; i < 2; i++) {
        char p[32];
        snprintf(p, sizeof p, "/cpus/cpu@%d", i);
        cr_assert_eq(cell(fdt, p, "reg"), (uint32_t)i);
        expect_str(fdt, p, "enable-method", "psci");
        expect_str(fdt, p, "device_type", "cpu");
        expect_str(fdt, p, "compatible", "arm,cortex-a72");
    }
    cr_assert_lt(fdt_path_offset(fdt, "/cpus/cpu@2"), 0);

    /* /chosen. */
    expect_str(fdt, "/chosen", "bootargs", good_cfg.cmdline);
    expect_str(fdt, "/chosen", "stdout-path", "/pl011@9000000");
    /* 64-bit properties are only 4-byte aligned in the blob. */
    fdt64_t v;
    memcpy(&v, getprop(fdt, "/chosen", "linux,initrd-start", &len), sizeof v);
    cr_assert_eq(len, 8);
    cr_assert_eq(fdt64_to_cpu(v), 0x48000000);
    memcpy(&v, getprop(fdt, "/chosen", "linux,initrd-end", &len), sizeof v);
    cr_assert_eq(len, 8);
    cr_assert_eq(fdt64_to_cpu(v), 0x48123456);
}

Test(boot, fdt_optional_parts)
{
    void *fdt = fdt_buf;
    struct boot_virt_fdt cfg = good_cfg;
    cfg.cmdline = NULL;
    cfg.initrd_start = cfg.initrd_end = 0;
    cfg.n_cpus = 8;
    cfg.cpu_compatible = NULL;
    cr_assert_eq(boot_build_virt_fdt(&cfg, fdt, sizeof fdt_buf), 0, "%s", squib_errmsg());
    int chosen = fdt_path_offset(fdt, "/chosen");
    cr_assert_geq(chosen, 0);
    int len;
    cr_assert_null(fdt_getprop(fdt, chosen, "bootargs", &len));
    cr_assert_null(fdt_getprop(fdt, chosen, "linux,initrd-start", &len));
    expect_str(fdt, "/cpus/cpu@7", "compatible", "arm,armv8");
    uint32_t t[3] = {1, 13, 0xff04};
    int tl;
    const fdt32_t *c = getprop(fdt, "/timer", "interrupts", &tl);
    cr_assert_eq(tl, 48);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(fdt32_to_cpu(c[i]), t[i]);
    /* No UART: no node, no stdout-path. */
    cfg.uart_base = 0;
    cr_assert_eq(boot_build_virt_fdt(&cfg, fdt, sizeof fdt_buf), 0, "%s", squib_errmsg());
    cr_assert_null(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "stdout-path", &len));
    cr_assert_lt(fdt_path_offset(fdt, "/pl011@9000000"), 0);
}

Test(boot, fdt_buffer_too_small)
{
    void *fdt = fdt_buf;
    size_t need;
    cr_assert_eq(boot_build_virt_fdt(&good_cfg, fdt, sizeof fdt_buf), 0);
    need = boot_fdt_size(fdt);
    /* Every size below what it needs fails cleanly; the exact size works. */
    for (size_t sz = 0; sz < need; sz += (sz < 128 ? 1 : 37))
        EXPECT_FAIL(boot_build_virt_fdt(&good_cfg, fdt, sz), "does not fit", NULL);
    EXPECT_FAIL(boot_build_virt_fdt(&good_cfg, fdt, need - 1), "does not fit", NULL);
    cr_assert_eq(boot_build_virt_fdt(&good_cfg, fdt, 100), -ENOSPC);
    cr_assert_eq(boot_build_virt_fdt(&good_cfg, fdt, need), 0, "%s", squib_errmsg());
}

Test(boot, fdt_bad_config)
{
    void *fdt = fdt_buf;
    struct boot_virt_fdt cfg = good_cfg;
    cfg.n_cpus = 0;
    EXPECT_FAIL(boot_build_virt_fdt(&cfg, fdt, sizeof fdt_buf), "CPUs", NULL);
    cfg.n_cpus = 9;
    EXPECT_FAIL(boot_build_virt_fdt(&cfg, fdt, sizeof fdt_buf), "GICv2", NULL);
    cfg = good_cfg;
    cfg.initrd_end = cfg.initrd_start - 1;
    EXPECT_FAIL(boot_build_virt_fdt(&cfg, fdt, sizeof fdt_buf), "initrd", NULL);
    cfg = good_cfg;
    cfg.ram_size = 0;
    EXPECT_FAIL(boot_build_virt_fdt(&cfg, fdt, sizeof fdt_buf), "RAM", NULL);
}
