/* machine/pc.c: the x86-64 PC board, QEMU pc-compatible where it matters.
 *
 * Memory: RAM [0, 640 KiB) and [1 MiB, top), above 4 GiB for what does not
 * fit below 0xE0000000; the VGA window and the option-ROM area stay holes
 * (MMIO).  Firmware (-bios) is mapped read-only so it ends at 4 GiB, and its
 * last 128 KiB are aliased just below 1 MiB; the CPU starts at the reset
 * vector (CS = 0xF000 with base 0xFFFF0000, IP = 0xFFF0).
 * Ports: 16550A COM1 at 0x3f8, ACPI PM1a control at 0x604 (power-off),
 * and on request the 0xe9 debug console and isa-debug-exit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "machine/board.h"
#include "util/err.h"

#define PC_LOW_TOP 0xA0000ULL
#define PC_HIGH_BASE 0x100000ULL
#define PC_BELOW_4G_TOP 0xE0000000ULL
#define PC_4G 0x100000000ULL
#define PC_BIOS_MAX (16ULL << 20)
#define PC_ISA_BIOS_SIZE (128ULL << 10)

static int pc_memory(struct board *b, uint64_t ram)
{
    struct squib_physmap *m = &b->m.mem;
    if (ram < (2ULL << 20))
        return squib_fail(-EINVAL, "-m: the pc machine needs at least 2 MiB of RAM");
    int rc = squib_physmap_add_ram(m, "ram-low", 0, PC_LOW_TOP, false, NULL);
    uint64_t below = ram < PC_BELOW_4G_TOP ? ram : PC_BELOW_4G_TOP;
    if (!rc)
        rc = squib_physmap_add_ram(m, "ram", PC_HIGH_BASE, below - PC_HIGH_BASE, false, NULL);
    if (!rc && ram > PC_BELOW_4G_TOP)
        rc = squib_physmap_add_ram(m, "ram-above-4g", PC_4G, ram - PC_BELOW_4G_TOP, false, NULL);
    return rc;
}

static int pc_bios(struct board *b, const char *path)
{
    uint8_t *data;
    size_t size;
    int rc = boot_read_file(path, PC_BIOS_MAX, &data, &size);
    if (rc)
        return rc;
    if (size == 0 || size % 65536) {
        free(data);
        return squib_fail(-EINVAL, "-bios %s: firmware size %zu is not a non-zero multiple of "
                                   "64 KiB (it is mapped to end at 4 GiB)", path, size);
    }
    uint8_t *host;
    rc = squib_physmap_add_ram(&b->m.mem, "bios", PC_4G - size, size, true, &host);
    if (!rc) {
        memcpy(host, data, size);
        uint64_t isa = size < PC_ISA_BIOS_SIZE ? size : PC_ISA_BIOS_SIZE;
        rc = squib_physmap_add_alias(&b->m.mem, "isa-bios", PC_HIGH_BASE - isa, isa,
                                     host + size - isa, true);
    }
    free(data);
    return rc;
}

/* The documented x86 entry state for -kernel ELF64 and -device loader with
 * cpu-num: 32-bit protected mode with flat 4 GiB code and data segments,
 * paging and interrupts off (as PVH's 32-bit entry), EIP = entry. */
static int pc_enter_flat32(struct board *b, uint64_t entry)
{
    struct squib_x86_sregs s;
    int rc = squib_vcpu_get_regs(b->m.vcpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    if (rc)
        return rc;
    struct squib_x86_segment code = {.base = 0, .limit = 0xffffffff, .selector = 0x10,
                                     .type = 0xB, .present = 1, .s = 1, .db = 1, .g = 1};
    struct squib_x86_segment data = code;
    data.selector = 0x18;
    data.type = 0x3;
    s.cs = code;
    s.ds = s.es = s.fs = s.gs = s.ss = data;
    s.cr0 = 0x11; /* PE | ET */
    rc = squib_vcpu_set_regs(b->m.vcpu, SQUIB_REGSET_X86_SYS, &s, sizeof s);
    if (rc)
        return rc;
    struct squib_x86_regs g;
    rc = squib_vcpu_get_regs(b->m.vcpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
    if (rc)
        return rc;
    if (entry > 0xffffffffULL)
        return squib_fail(-EINVAL, "x86 entry point 0x%llx is above 4 GiB; the 32-bit entry "
                                   "state cannot reach it", (unsigned long long)entry);
    g.rip = entry;
    g.rflags = 2;
    return squib_vcpu_set_regs(b->m.vcpu, SQUIB_REGSET_X86_GPR, &g, sizeof g);
}

int board_pc_build(struct board *b, const struct board_config *cfg)
{
    struct squib_machine *m = &b->m;
    if (cfg->initrd || cfg->append)
        return squib_fail(-ENOSYS, "-initrd/-append on pc: the x86 Linux boot protocol lands "
                                   "with the Linux boot work; not supported yet");
    if (!cfg->bios && !cfg->kernel && cfg->n_loaders == 0)
        return squib_fail(-EINVAL, "pc: no firmware to run: squib has no built-in BIOS; give "
                                   "-bios FILE, -kernel FILE (ELF64) or -device loader");
    int rc = board_x86_cpu_features(m->vcpu, cfg->cpu);
    if (!rc)
        rc = pc_memory(b, cfg->ram_size);
    if (!rc && cfg->bios)
        rc = pc_bios(b, cfg->bios);
    if (rc)
        return rc;

    uart16550_init(&b->uart, cfg->serial);
    rc = squib_bus_register(&m->pio, 0x3f8, 8, &uart16550_ops, &b->uart);
    b->acpi.machine = m;
    if (!rc)
        rc = squib_bus_register(&m->pio, 0x604, 2, &acpi_pm_ops, &b->acpi);
    if (!rc && cfg->debugcon) {
        b->dcon.chr = cfg->debugcon;
        rc = squib_bus_register(&m->pio, 0xe9, 1, &debugcon_ops, &b->dcon);
    }
    if (!rc && cfg->debug_exit) {
        b->dexit.machine = m;
        rc = squib_bus_register(&m->pio, cfg->debug_exit_iobase, cfg->debug_exit_iosize,
                                &debug_exit_ops, &b->dexit);
    }
    if (rc)
        return rc;

    uint64_t entry = 0;
    bool have_entry = false;
    if (cfg->kernel) {
        uint8_t *data;
        size_t size;
        rc = boot_read_file(cfg->kernel, 1ULL << 30, &data, &size);
        if (rc)
            return rc;
        if (!boot_is_elf(data, size)) {
            free(data);
            return squib_fail(-ENOSYS, "-kernel %s: not an ELF file; x86 bzImage (Linux boot "
                                       "protocol) support lands with the Linux boot work",
                              cfg->kernel);
        }
        rc = boot_load_elf64(&m->mem, cfg->kernel, data, size, SQUIB_ARCH_X86_64, &entry);
        free(data);
        if (rc)
            return rc;
        have_entry = true;
    }
    rc = board_run_loaders(b, cfg, &entry, &have_entry);
    if (rc)
        return rc;
    return have_entry ? pc_enter_flat32(b, entry) : 0;
}
