/* machine/virt.c: the AArch64 virt board, QEMU virt-compatible where it
 * matters (../shared/FACTS.md, "QEMU's virt map").
 *
 * Memory: flash at 0 (read-only, when -bios is given), RAM from 0x40000000.
 * Devices: PL011 at 0x09000000, PSCI over HVC (QEMU's default), or over SMC
 * with -M virt,psci-conduit=smc (a squib option: SMC #0 then becomes a
 * hypercall exit too, and the device tree says method = "smc").  An initrd goes to RAM base
 * + min(RAM / 2, 128 MiB), as in QEMU.  The device tree (libfdt) is
 * placed at the start of RAM, as QEMU does; with -kernel, x0 holds its
 * address and x1-x3 are zero (Documentation/arch/arm64/booting.rst).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/bytes.h"
#include "machine/board.h"
#include "util/err.h"

#define VIRT_FLASH_BASE 0x0ULL
#define VIRT_FLASH_SIZE (64ULL << 20)
#define VIRT_UART_BASE 0x09000000ULL
#define VIRT_RAM_BASE 0x40000000ULL
#define VIRT_RAM_MAX (255ULL << 30)
#define VIRT_FDT_MAX (64u << 10)
#define VIRT_INITRD_OFFSET (128ULL << 20)

static int virt_set_entry(struct board *b, uint64_t pc, uint64_t x0)
{
    struct squib_arm64_regs r;
    int rc = squib_vcpu_get_regs(b->m.vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r);
    if (rc)
        return rc;
    r.pc = pc;
    r.x[0] = x0;
    r.x[1] = r.x[2] = r.x[3] = 0;
    r.pstate = 0x3c5; /* EL1h, DAIF masked */
    return squib_vcpu_set_regs(b->m.vcpu, SQUIB_REGSET_ARM64_CORE, &r, sizeof r);
}

static int virt_flash(struct board *b, const char *path)
{
    uint8_t *data;
    size_t size;
    int rc = boot_read_file(path, VIRT_FLASH_SIZE, &data, &size);
    if (rc)
        return rc;
    uint8_t *host;
    uint64_t mapped = (size + 0xffff) & ~0xffffULL;
    if (mapped == 0)
        mapped = 0x10000;
    rc = squib_physmap_add_ram(&b->m.mem, "flash", VIRT_FLASH_BASE, mapped, true, &host);
    if (!rc)
        memcpy(host, data, size);
    free(data);
    return rc;
}

int board_virt_build(struct board *b, const struct board_config *cfg)
{
    struct squib_machine *m = &b->m;
    uint64_t ram = cfg->ram_size;
    if (ram < (16ULL << 20) || ram > VIRT_RAM_MAX)
        return squib_fail(-EINVAL, "-m: the virt machine takes 16 MiB to 255 GiB of RAM");
    if (cfg->debug_exit)
        return squib_fail(-EINVAL, "-device isa-debug-exit: an ISA device; virt has no ISA bus "
                                   "(end the run with PSCI SYSTEM_OFF)");
    if (cfg->debugcon)
        return squib_fail(-EINVAL, "-debugcon: port 0xe9 is x86 only; virt has no I/O ports");
    if (!cfg->bios && !cfg->kernel && cfg->n_loaders == 0)
        return squib_fail(-EINVAL, "virt: nothing to run: give -kernel, -bios or -device loader");
    int rc = squib_physmap_add_ram(&m->mem, "ram", VIRT_RAM_BASE, ram, false, NULL);
    if (!rc && cfg->bios)
        rc = virt_flash(b, cfg->bios);
    if (rc)
        return rc;

    pl011_init(&b->pl011, cfg->serial);
    rc = squib_bus_register(&m->mmio, VIRT_UART_BASE, 0x1000, &pl011_ops, &b->pl011);
    if (!rc)
        rc = squib_psci_register(&m->hc);
    if (!rc && cfg->psci_smc)
        rc = squib_vm_set_psci_conduit(m->vm, SQUIB_PSCI_CONDUIT_SMC);
    /* -cpu cortex-a72 (the default) has a Cortex-A72's optional features:
     * CRC32, not FEAT_LSE or LRCPC, whose instructions are then UNDEFINED;
     * -cpu max advertises all the core implements. */
    if (!rc && (!cfg->cpu || strcmp(cfg->cpu, "cortex-a72") == 0)) {
        rc = squib_vcpu_set_one_reg(m->vcpu, SQUIB_REG_ARM64_SYS(3, 0, 0, 6, 0), 0x00010000);
        if (!rc)
            rc = squib_vcpu_set_one_reg(m->vcpu, SQUIB_REG_ARM64_SYS(3, 0, 0, 6, 1), 0);
    }
    if (rc)
        return rc;

    /* Images first, so the initrd and DTB can be checked against them. */
    uint64_t entry = 0, initrd_start = 0, initrd_end = 0;
    bool have_entry = false, kernel = false, elf_kernel = false;
    if (cfg->kernel) {
        uint8_t *data;
        size_t size;
        rc = boot_read_file(cfg->kernel, 1ULL << 30, &data, &size);
        if (rc)
            return rc;
        elf_kernel = boot_is_elf(data, size);
        if (elf_kernel)
            rc = boot_load_elf64(&m->mem, cfg->kernel, data, size, SQUIB_ARCH_ARM64, &entry);
        else {
            /* An Image with text_offset 0 (every kernel since 5.8) would sit
             * at the start of RAM, where the DTB goes: use the next 2 MiB
             * aligned base instead, as QEMU does (booting.rst allows any). */
            uint64_t base = VIRT_RAM_BASE;
            if (size >= 24 && boot_le64(data + 8) == 0 && boot_le64(data + 16) != 0)
                base += 2ULL << 20;
            rc = boot_load_arm64_image(&m->mem, cfg->kernel, data, size, base,
                                       ram - (base - VIRT_RAM_BASE), &entry);
        }
        free(data);
        if (rc)
            return rc;
        have_entry = kernel = true;
    }
    if (cfg->initrd) {
        uint8_t *data;
        size_t size;
        rc = boot_read_file(cfg->initrd, 1ULL << 30, &data, &size);
        if (rc)
            return rc;
        /* Where QEMU puts it: RAM base + min(RAM / 2, 128 MiB). */
        initrd_start = VIRT_RAM_BASE + (ram / 2 < VIRT_INITRD_OFFSET ? ram / 2 : VIRT_INITRD_OFFSET);
        rc = squib_physmap_write(&m->mem, initrd_start, data, size);
        free(data);
        if (rc)
            return squib_fail(rc, "-initrd %s: does not fit in RAM at 0x%llx (try a larger -m)",
                              cfg->initrd, (unsigned long long)initrd_start);
        initrd_end = initrd_start + size;
    }

    uint8_t *fdt = malloc(VIRT_FDT_MAX);
    if (!fdt)
        return squib_fail(-ENOMEM, "out of memory");
    struct boot_virt_fdt f = {
        .ram_base = VIRT_RAM_BASE, .ram_size = ram, .uart_base = VIRT_UART_BASE,
        .cmdline = cfg->append, .initrd_start = initrd_start, .initrd_end = initrd_end,
        .n_cpus = 1, .cpu_compatible = "arm,cortex-a72",
        .psci_method = cfg->psci_smc ? "smc" : "hvc",
    };
    char compat[64];
    if (cfg->cpu && strcmp(cfg->cpu, "max") != 0) {
        snprintf(compat, sizeof compat, "arm,%s", cfg->cpu);
        f.cpu_compatible = compat;
    }
    /* At the start of RAM, below a raw Image's text_offset; an ELF kernel
     * may sit there, so then the DTB goes 2 MiB below the top of RAM. */
    uint64_t fdt_addr = elf_kernel ? VIRT_RAM_BASE + ram - (2ULL << 20) : VIRT_RAM_BASE;
    rc = boot_build_virt_fdt(&f, fdt, VIRT_FDT_MAX);
    if (!rc)
        rc = squib_physmap_write(&m->mem, fdt_addr, fdt, boot_fdt_size(fdt));
    if (!rc && cfg->dumpdtb) {
        /* QEMU's -M virt,dumpdtb=FILE: write the blob and stop. */
        FILE *f = fopen(cfg->dumpdtb, "wb");
        size_t n = boot_fdt_size(fdt);
        bool ok = f && fwrite(fdt, 1, n, f) == n;
        if (f && fclose(f))
            ok = false;
        rc = ok ? 1 : squib_fail(-EIO, "dumpdtb=%s: cannot write the file", cfg->dumpdtb);
    }
    free(fdt);
    if (rc)
        return rc;

    rc = board_run_loaders(b, cfg, &entry, &have_entry);
    if (rc)
        return rc;
    if (!have_entry && cfg->bios)
        return virt_set_entry(b, VIRT_FLASH_BASE, 0);
    return have_entry ? virt_set_entry(b, entry, kernel ? fdt_addr : 0) : 0;
}
