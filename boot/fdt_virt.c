/* boot/fdt_virt.c: the device tree for the arm64 `virt` machine.
 *
 * Built with libfdt's sequential-write API, following what QEMU 7.2 writes
 * for `-machine virt,gic-version=2` minus the devices squib does not model
 * (flash, PL031, PL061, fw_cfg, virtio-mmio, PCIe, PMU).  This is what Linux
 * needs to boot: RAM, PSCI over HVC (or SMC with -M virt,psci-conduit=smc),
 * a GICv2, the architected timer and the PL011 console with its clock.
 */
#include "boot/boot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "util/err.h"

enum {
    PHANDLE_CLK = 0x8000, /* /apb-pclk */
    PHANDLE_GIC = 0x8001, /* /intc@8000000 */
};

#define GIC_DIST_BASE 0x08000000u
#define GIC_CPU_BASE 0x08010000u
#define GIC_REGION_SIZE 0x10000u
#define GIC_V2_MAX_CPUS 8
#define PL011_SIZE 0x1000u
#define PL011_SPI 1
#define APB_PCLK_HZ 24000000u

/* GIC interrupt specifier: <type number flags>. */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_LEVEL_HIGH 4
/* Timer PPIs (booting: GIC INTID = 16 + PPI). */
#define PPI_TIMER_SEC_PHYS 13
#define PPI_TIMER_PHYS 14
#define PPI_TIMER_VIRT 11
#define PPI_TIMER_HYP 10

/* PSCI 0.2 function ids (SMC64 where there is a 64-bit form), for the
 * "arm,psci" (0.1) binding's per-function properties. */
#define PSCI_CPU_SUSPEND 0xc4000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_MIGRATE 0xc4000005u

/* A string list literal with its embedded NULs and final NUL. */
#define PROP_STRS(fdt, name, lit) fdt_property(fdt, name, lit, sizeof lit)

static int prop_cells(void *fdt, const char *name, const uint32_t *cells, int n)
{
    fdt32_t be[16];
    if (n > 16)
        return -FDT_ERR_INTERNAL;
    for (int i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    return fdt_property(fdt, name, be, n * (int)sizeof be[0]);
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static int prop_reg2(void *fdt, uint64_t base, uint64_t size)
{
    uint32_t c[4] = {(uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
                     (uint32_t)size};
    return prop_cells(fdt, "reg", c, 4);
}

#define TRY(call)             \
    do {                      \
        int e_ = (call);      \
        if (e_ < 0) {         \
            err = e_;         \
            goto fail;        \
        }                     \
    } while (0)

int boot_build_virt_fdt(const struct boot_virt_fdt *cfg, void *buf, size_t buf_size)
{
    if (!cfg || !buf)
        return squib_fail(-EINVAL, "device tree: no configuration or buffer");
    if (cfg->n_cpus == 0 || cfg->n_cpus > GIC_V2_MAX_CPUS)
        return squib_fail(-EINVAL, "device tree: %u CPUs; the GICv2 supports 1 to %d", cfg->n_cpus,
                          GIC_V2_MAX_CPUS);
    if (cfg->ram_size == 0 || cfg->ram_base + cfg->ram_size - 1 < cfg->ram_base)
        return squib_fail(-EINVAL, "device tree: RAM 0x%llx+0x%llx is empty or wraps",
                          (unsigned long long)cfg->ram_base, (unsigned long long)cfg->ram_size);
    if (cfg->initrd_end < cfg->initrd_start)
        return squib_fail(-EINVAL, "device tree: initrd end 0x%llx is below its start 0x%llx",
                          (unsigned long long)cfg->initrd_end,
                          (unsigned long long)cfg->initrd_start);
    const char *cpu_compat = cfg->cpu_compatible && *cfg->cpu_compatible ? cfg->cpu_compatible
                                                                          : "arm,armv8";
    const char *psci_method = cfg->psci_method ? cfg->psci_method : "hvc";
    if (strcmp(psci_method, "hvc") != 0 && strcmp(psci_method, "smc") != 0)
        return squib_fail(-EINVAL, "device tree: PSCI method '%s' (hvc or smc)", psci_method);
    char name[64], uart_path[64];
    int err;
    void *fdt = buf;
    snprintf(uart_path, sizeof uart_path, "/pl011@%llx", (unsigned long long)cfg->uart_base);

    TRY(fdt_create(fdt, buf_size > INT_MAX ? INT_MAX : (int)buf_size));
    TRY(fdt_finish_reservemap(fdt));
    TRY(fdt_begin_node(fdt, ""));
    TRY(fdt_property_string(fdt, "model", "linux,dummy-virt"));
    TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
    TRY(fdt_property_cell(fdt, "#address-cells", 2));
    TRY(fdt_property_cell(fdt, "#size-cells", 2));
    TRY(fdt_property_cell(fdt, "interrupt-parent", PHANDLE_GIC));

    /* /chosen */
    TRY(fdt_begin_node(fdt, "chosen"));
    if (cfg->uart_base)
        TRY(fdt_property_string(fdt, "stdout-path", uart_path));
    if (cfg->cmdline)
        TRY(fdt_property_string(fdt, "bootargs", cfg->cmdline));
    if (cfg->initrd_end > cfg->initrd_start) {
        TRY(fdt_property_u64(fdt, "linux,initrd-start", cfg->initrd_start));
        TRY(fdt_property_u64(fdt, "linux,initrd-end", cfg->initrd_end));
    }
    TRY(fdt_end_node(fdt));

    /* /memory@<base> */
    snprintf(name, sizeof name, "memory@%llx", (unsigned long long)cfg->ram_base);
    TRY(fdt_begin_node(fdt, name));
    TRY(fdt_property_string(fdt, "device_type", "memory"));
    TRY(prop_reg2(fdt, cfg->ram_base, cfg->ram_size));
    TRY(fdt_end_node(fdt));

    /* /cpus: reg is the MPIDR affinity, which on virt with <= 8 CPUs is N. */
    TRY(fdt_begin_node(fdt, "cpus"));
    TRY(fdt_property_cell(fdt, "#address-cells", 1));
    TRY(fdt_property_cell(fdt, "#size-cells", 0));
    for (unsigned i = 0; i < cfg->n_cpus; i++) {
        snprintf(name, sizeof name, "cpu@%x", i);
        TRY(fdt_begin_node(fdt, name));
        TRY(fdt_property_string(fdt, "device_type", "cpu"));
        TRY(fdt_property_string(fdt, "compatible", cpu_compat));
        TRY(fdt_property_cell(fdt, "reg", i));
        TRY(fdt_property_string(fdt, "enable-method", "psci"));
        TRY(fdt_end_node(fdt));
    }
    TRY(fdt_end_node(fdt));

    /* /psci: CPU_ON and friends as HVC (QEMU virt's default) or SMC calls. */
    TRY(fdt_begin_node(fdt, "psci"));
    TRY(PROP_STRS(fdt, "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci"));
    TRY(fdt_property_string(fdt, "method", psci_method));
    TRY(fdt_property_cell(fdt, "cpu_suspend", PSCI_CPU_SUSPEND));
    TRY(fdt_property_cell(fdt, "cpu_off", PSCI_CPU_OFF));
    TRY(fdt_property_cell(fdt, "cpu_on", PSCI_CPU_ON));
    TRY(fdt_property_cell(fdt, "migrate", PSCI_MIGRATE));
    TRY(fdt_end_node(fdt));

    /* /intc: the GICv2 distributor and CPU interface.  Described even before
     * squib models the GIC, because Linux on arm64 will not boot without an
     * interrupt controller in the device tree (the timer and the PL011 name
     * it through interrupt-parent). */
    snprintf(name, sizeof name, "intc@%x", GIC_DIST_BASE);
    TRY(fdt_begin_node(fdt, name));
    TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic"));
    TRY(fdt_property_cell(fdt, "#interrupt-cells", 3));
    TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    /* No children: QEMU's GICv2m MSI frame is not modelled. */
    TRY(fdt_property_cell(fdt, "#address-cells", 0));
    {
        uint32_t reg[8] = {0, GIC_DIST_BASE, 0, GIC_REGION_SIZE,
                           0, GIC_CPU_BASE,  0, GIC_REGION_SIZE};
        TRY(prop_cells(fdt, "reg", reg, 8));
    }
    TRY(fdt_property_cell(fdt, "phandle", PHANDLE_GIC));
    TRY(fdt_end_node(fdt));

    /* /timer: PPI flags carry the GICv2 CPU mask in bits 8-15, as QEMU
     * writes them (0x104 for one CPU, 0xf04 for four). */
    TRY(fdt_begin_node(fdt, "timer"));
    TRY(PROP_STRS(fdt, "compatible", "arm,armv8-timer\0arm,armv7-timer"));
    {
        uint32_t f = IRQ_TYPE_LEVEL_HIGH | (((1u << cfg->n_cpus) - 1) << 8);
        uint32_t irqs[12] = {GIC_PPI, PPI_TIMER_SEC_PHYS, f, GIC_PPI, PPI_TIMER_PHYS, f,
                             GIC_PPI, PPI_TIMER_VIRT,     f, GIC_PPI, PPI_TIMER_HYP,  f};
        TRY(prop_cells(fdt, "interrupts", irqs, 12));
    }
    TRY(fdt_property(fdt, "always-on", NULL, 0));
    TRY(fdt_end_node(fdt));

    /* /apb-pclk: the 24 MHz clock the PL011 uses for both its clocks. */
    TRY(fdt_begin_node(fdt, "apb-pclk"));
    TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
    TRY(fdt_property_cell(fdt, "#clock-cells", 0));
    TRY(fdt_property_cell(fdt, "clock-frequency", APB_PCLK_HZ));
    TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
    TRY(fdt_property_cell(fdt, "phandle", PHANDLE_CLK));
    TRY(fdt_end_node(fdt));

    /* /pl011@<base> */
    if (cfg->uart_base) {
        TRY(fdt_begin_node(fdt, uart_path + 1));
        TRY(PROP_STRS(fdt, "compatible", "arm,pl011\0arm,primecell"));
        TRY(prop_reg2(fdt, cfg->uart_base, PL011_SIZE));
        uint32_t irq[3] = {GIC_SPI, PL011_SPI, IRQ_TYPE_LEVEL_HIGH};
        TRY(prop_cells(fdt, "interrupts", irq, 3));
        uint32_t clocks[2] = {PHANDLE_CLK, PHANDLE_CLK};
        TRY(prop_cells(fdt, "clocks", clocks, 2));
        TRY(PROP_STRS(fdt, "clock-names", "uartclk\0apb_pclk"));
        TRY(fdt_end_node(fdt));
    }

    TRY(fdt_end_node(fdt)); /* / */
    TRY(fdt_finish(fdt));
    TRY(fdt_check_header(fdt));
    TRY(fdt_check_full(fdt, fdt_totalsize(fdt)));
    return 0;

fail:
    if (err == -FDT_ERR_NOSPACE)
        return squib_fail(-ENOSPC, "device tree does not fit in the %zu-byte buffer", buf_size);
    return squib_fail(-EINVAL, "device tree: libfdt error: %s", fdt_strerror(err));
}

uint32_t boot_fdt_size(const void *fdt)
{
    return fdt_totalsize(fdt);
}
