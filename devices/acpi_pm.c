/* devices/acpi_pm.c: the ACPI PM1a control register (power-off only). */
#include "devices/devices.h"

#define SLP_EN (1u << 13)
#define SLP_TYP_MASK (7u << 10)

static uint64_t acpi_pm_read(void *opaque, uint64_t off, unsigned size)
{
    struct acpi_pm *p = opaque;
    return p->pm1_cnt & ~SLP_EN; /* SLP_EN is write-only, reads 0 */
}

static void acpi_pm_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct acpi_pm *p = opaque;
    p->pm1_cnt = (uint16_t)(v & ~SLP_EN);
    /* S5 is SLP_TYP 0 in QEMU's DSDT for pc. */
    if ((v & SLP_EN) && (v & SLP_TYP_MASK) == 0)
        squib_machine_request_shutdown(p->machine);
}

const struct squib_dev_ops acpi_pm_ops = {
    .name = "acpi-pm", .read = acpi_pm_read, .write = acpi_pm_write,
    .impl_min = 2, .impl_max = 2,
};
